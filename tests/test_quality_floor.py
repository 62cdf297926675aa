"""Regression floor on our own held-out questions (bench/holdout.tsv, written apart from faq.yaml).

The numbers are measured with `faqbot eval bench/holdout.tsv`; the floors sit a little below them.
"""

import pytest

from bot.engine import Engine
from bot.evaluation import evaluate, read_labelled
from tests.conftest import ROOT

HOLDOUT = ROOT / "bench" / "holdout.tsv"


@pytest.mark.slow
def test_holdout_floor(engine: Engine) -> None:
    rates = evaluate(engine.matcher, read_labelled(HOLDOUT), workers=2).rates()
    if engine.matcher.embedder is None:  # pragma: no cover - machines without AVX2/FMA
        assert rates["wrong"] <= 0.02 and rates["oos_answered"] <= 0.02, rates
        return
    assert rates["right"] >= 0.85, rates
    assert rates["helpful"] >= 0.95, rates
    assert rates["wrong"] <= 0.015, rates
    assert rates["oos_answered"] <= 0.02, rates
    assert rates["uncovered_answered"] <= 0.03, rates
    assert rates["uncovered_honest"] >= 0.80, rates


def test_holdout_floor_lexical_only(lexical_engine: Engine) -> None:
    rates = evaluate(lexical_engine.matcher, read_labelled(HOLDOUT)).rates()
    assert rates["helpful"] >= 0.90, rates
    assert rates["wrong"] <= 0.02, rates
    assert rates["oos_answered"] <= 0.02, rates
    assert rates["uncovered_answered"] <= 0.03, rates
