"""The answer policy: a calibrated estimate of "this entry is the right one", and what to do with it.

The matcher computes signals for a question (bot.matching.Signals): lexical and, where it ran, semantic
similarity per entry, the share of words the knowledge base has never seen, how the question was read
(as typed, as a keyboard-layout slip, with English typos corrected, as initials). A logistic model
turns each entry's signals into the probability that it is the entry the candidate means. Two models
are fitted: one on lexical signals alone (machines without the embedding engine, and the cheap first
look that decides whether the engine is needed) and one on all signals.

The models and the levels that turn probabilities into actions are fitted by ``bench/tune.py`` on
data the project ships (every faq.yaml phrasing asked against the rest, perturbed the way people type,
and bench/negatives.tsv) and stored in ``policy.json`` beside this module. The features describe how
a question relates to the entries, never which entry it is, so new phrasings or entries work without
a refit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

POLICY_FILE = Path(__file__).with_name("policy.json")

# How the question was written, shared by every model: its length in content words, how it was read,
# and (per entry) whether the entry is small talk.
_HOW_ASKED = (
    "log_content",
    "no_content",
    "reading_slip",
    "reading_corrected",
    "reading_chosung",
    "smalltalk",
    "smalltalk_x_content",
)
# "tail": how the question's last clause relates to an entry, apart from the context before it ("저 5년차
# 백엔드인데 하둡 운영도 해봤거든요 / 어디서 지원해요?": the question is the last clause).
# "vote": an entry's share of the ten phrasings most like the question: asked in many ways like it, not in
# one way that happens to be near.
# "passage": how the question relates to what an entry says (its answers and quotes), beside how it
# relates to the ways the entry is asked for (its phrasings): "왜 F1 정비사에 비유했어요?" uses the
# interview's words, not a phrasing's.
# "static_lead": how the question relates to an entry's phrasings by the static embedding table (bot.static):
# meaning from words' vectors, for words a phrasing does not share ("연봉" and "월급"). Cheap, so it is in
# the first look too, and helps decide whether the embedding stage is needed.
LEXICAL_FEATURES = (
    "lexical",
    "lexical_lead",
    "tail",
    "tail_lead",
    "nameless",
    "nameless_lead",
    "vote",
    "passage",
    "passage_lead",
    "static_lead",
    "unknown_share",
    "any_unknown",
    *_HOW_ASKED,
)
SEMANTIC_FEATURES = (
    *LEXICAL_FEATURES,
    "semantic",
    "semantic_lead",
    "semantic_x_lexical",
    "semantic_passage",
    "semantic_passage_lead",
    "semantic_vote",
)
# The confidence models see the question as a whole: the best-ranked entry's standing and what the
# question holds that the knowledge base does not.
CONFIDENCE_FEATURES = (
    "rank_logit",
    "rank_lead",
    "lexical",
    "lexical_lead",
    "unknown_share",
    "unknown_count",
    "foreign",
    "foreign_max",
    "foreign_x_lexical",
    *_HOW_ASKED,
)
SEMANTIC_CONFIDENCE_FEATURES = (
    *CONFIDENCE_FEATURES,
    "semantic",
    "semantic_lead",
    "foreign_x_semantic",
    "agree",
)


@dataclass(frozen=True)
class Model:
    """A logistic model over named features (weights already divided by the features' scales)."""

    features: tuple[str, ...]
    weights: np.ndarray
    bias: float

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """P(right entry) for each row of a feature matrix whose columns are ``features``."""
        z = x @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def to_json(self) -> dict:
        return {
            "features": list(self.features),
            "weights": [round(float(w), 6) for w in self.weights],
            "bias": self.bias,
        }

    @classmethod
    def from_json(cls, data: dict) -> Model:
        return cls(tuple(data["features"]), np.asarray(data["weights"], dtype=np.float64), float(data["bias"]))


@dataclass(frozen=True)
class Levels:
    """Probability levels that pick the action (chosen by bench/tune.py for a target precision)."""

    answer: float  # answer when the best entry's probability clears this
    lexical_answer: float  # ... the same for the lexical-only model
    skip_semantic: float  # lexical probability above which the embedding stage is not needed
    hopeless: float  # lexical probability below which it is not needed either (nothing is close)
    option: float  # an entry is offered in "did you mean" from this probability ...
    option_ratio: float  # ... and when it is at least this share of the best one
    clarify: float  # "did you mean" when P(the best entry is right) reaches this; else fall back
    topic: float = 0.5  # "the interview doesn't say" names the best entry when it is at least this likely
    clarify_mass: float = 9.0  # ... or when the offered entries' probabilities add up to this (9: never)


@dataclass(frozen=True)
class Policy:
    """Both models and the levels, as fitted."""

    lexical: Model  # ranks entries from lexical signals
    full: Model  # ... from all signals
    lexical_confidence: Model  # P(the best-ranked entry is right), lexical signals
    full_confidence: Model  # ... all signals
    levels: Levels
    version: int = 4

    @classmethod
    def load(cls, path: Path = POLICY_FILE) -> Policy:
        """Read policy.json (shipped with the package)."""
        return cls.from_text(path.read_text(encoding="utf-8"), str(path))

    @classmethod
    def from_text(cls, text: str, source: str = "policy.json") -> Policy:
        """Parse a policy file's text; ValueError when it was fitted for other features."""
        data = json.loads(text)
        models = {name: Model.from_json(data[name]) for name, _ in _MODELS}
        policy = cls(**models, levels=Levels(**data["levels"]), version=data["version"])
        if any(getattr(policy, name).features != features for name, features in _MODELS):
            raise ValueError(f"{source}: fitted for other features; run python bench/tune.py")
        return policy

    def to_json(self, extra: dict | None = None) -> str:
        data = {
            "version": self.version,
            **{name: getattr(self, name).to_json() for name, _ in _MODELS},
            "levels": {k: round(v, 4) for k, v in self.levels.__dict__.items()},
            **(extra or {}),
        }
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


_MODELS = (
    ("lexical", LEXICAL_FEATURES),
    ("full", SEMANTIC_FEATURES),
    ("lexical_confidence", CONFIDENCE_FEATURES),
    ("full_confidence", SEMANTIC_CONFIDENCE_FEATURES),
)


def confidence_features(rank: np.ndarray, x: np.ndarray, unknown: int, foreign: tuple[float, ...]) -> np.ndarray:
    """The confidence models' row for a question.

    ``rank``: the ranking model's probabilities; ``x``: its feature matrix (feature_matrix); ``unknown``:
    how many content words the knowledge base has never seen; ``foreign``: for each, how far it is from
    any known word (0 = one slipped key, 1 = nothing like it).
    """
    top = int(np.argmax(rank))
    row = x[top]
    named = dict(zip(SEMANTIC_FEATURES, row, strict=False))
    logit = float(np.log(max(rank[top], 1e-9) / max(1 - rank[top], 1e-9)))
    second = float(np.partition(rank, -2)[-2]) if len(rank) > 1 else 0.0
    strange = float(sum(foreign))
    out = [
        logit,
        float(rank[top]) - second,
        named["lexical"],
        named["lexical_lead"],
        named["unknown_share"],
        float(min(unknown, 3)),
        strange,
        max(foreign, default=0.0),
        strange * named["lexical"],
        named["log_content"],
        named["no_content"],
        named["reading_slip"],
        named["reading_corrected"],
        named["reading_chosung"],
        named["smalltalk"],
        named["smalltalk_x_content"],
    ]
    if len(row) == len(SEMANTIC_FEATURES):
        sem = x[:, SEMANTIC_FEATURES.index("semantic")]
        out += [
            named["semantic"],
            named["semantic_lead"],
            strange * named["semantic"],
            float(int(np.argmax(sem)) == top),
        ]
    return np.asarray(out, dtype=np.float64)


def feature_matrix(
    lexical: np.ndarray,
    semantic: np.ndarray | None,
    *,
    passage: np.ndarray,
    semantic_passage: np.ndarray | None = None,
    tail: np.ndarray | None = None,
    nameless: np.ndarray | None = None,
    vote: np.ndarray | None = None,
    semantic_vote: np.ndarray | None = None,
    static: np.ndarray | None = None,
    unknown_share: float,
    content: int,
    reading: str,
    smalltalk: np.ndarray,
) -> np.ndarray:
    """One row per entry, columns as LEXICAL_FEATURES (+ the semantic ones when ``semantic`` is given)."""
    n = len(lexical)
    tail = lexical if tail is None else tail
    nameless = lexical if nameless is None else nameless
    cols = [
        lexical,
        _lead(lexical),
        tail,
        _lead(tail),
        nameless,
        _lead(nameless),
        vote if vote is not None else np.zeros(n),
        passage,
        _lead(passage),
    ]
    # Only how far ahead (a question the table knows no word of scores 0 everywhere); with one entry there is
    # nothing to be ahead of, and a cosine of mean vectors is high for anything: 0.
    cols += [_lead(static) if static is not None and n > 1 else np.zeros(n)]
    share = np.full(n, unknown_share)
    log_content = np.full(n, np.log1p(content))
    cols += [share, (share > 0).astype(float), log_content, np.full(n, float(content == 0))]
    cols += [np.full(n, float(reading == kind)) for kind in ("slip", "corrected", "chosung")]
    cols += [smalltalk, smalltalk * log_content]
    if semantic is not None:
        cols += [semantic, _lead(semantic), semantic * lexical]
        both = semantic_passage if semantic_passage is not None else np.zeros(n)
        cols += [both, _lead(both), semantic_vote if semantic_vote is not None else np.zeros(n)]
    return np.column_stack(cols).astype(np.float64) if n else np.zeros((0, len(cols)))


def _lead(scores: np.ndarray) -> np.ndarray:
    """Each entry's score minus the best score among the other entries."""
    if len(scores) < 2:
        return scores.astype(np.float64)
    order = np.argsort(-scores, kind="stable")
    best, second = scores[order[0]], scores[order[1]]
    others_best = np.where(np.arange(len(scores)) == order[0], second, best)
    return scores - others_best
