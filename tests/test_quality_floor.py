"""Regression floor on the public labelled set; the numbers are measured, see bench/accuracy.py."""

from bot.engine import Engine
from bot.evaluation import evaluate, read_labelled
from tests.conftest import SHARED

DEV = SHARED / "eval" / "dev.tsv"


def test_dev_set_floor(engine: Engine) -> None:
    rates = evaluate(engine.matcher, read_labelled(DEV)).rates()
    if engine.matcher.embedder is None:  # pragma: no cover - machines without AVX2/FMA
        assert rates["helpful"] >= 0.85 and rates["oos_answered"] == 0.0, rates
        return
    assert rates["right"] >= 0.88, rates
    assert rates["helpful"] >= 0.95, rates
    assert rates["wrong"] <= 0.02, rates
    assert rates["oos_answered"] == 0.0, rates


def test_dev_set_floor_lexical_only(lexical_engine: Engine) -> None:
    rates = evaluate(lexical_engine.matcher, read_labelled(DEV)).rates()
    assert rates["helpful"] >= 0.80, rates
    assert rates["wrong"] <= 0.05, rates
    assert rates["oos_answered"] == 0.0, rates
