"""Fit the answer policy (bot/policy.json) on data the project generates and ships.

    .venv/bin/pip install -e '.[tune]' && .venv/bin/python bench/tune.py [--check] [--show-errors]

1. Ranking models (which entry a question means; lexical signals only, and all signals), one row per
   (question, entry), from:
   - every phrasing of faq.yaml asked as if faq.yaml did not hold it (leave one out: its own lexical
     and embedding scores are taken away), and up to three perturbations of it the way people type
     (bench/typos.py: a slipped jamo, spacing, particles, keyboard-layout slips, initials, English
     typos);
   - the questions of CALIBRATION_FILES (in scope, out of scope, everyday, and asking for facts the
     interview lacks; those the fact rule of bot/facts.py catches are left out: the rule handles them).
   Those written questions are cross-fitted: the confidence models below see each one ranked by models
   fitted without it, as the bot will see questions nobody has written yet.
2. Confidence models (is the best-ranked entry right?), one row per question, from the files in
   CALIBRATION_FILES: questions written apart from faq.yaml and from bench/holdout.tsv, each file by
   a different helper that saw only the interview and the topic list.
   Out-of-fold predictions pick the levels: answer where precision reaches TARGET_PRECISION and at most
   NEGATIVE_RATE of the out-of-scope, chit-chat and uncovered-fact questions would be answered; the
   embedding stage only between "hopeless" and "clear"; "did you mean" where the offered entries hold
   the right one at least CLARIFY_PRECISION of the time.
Deterministic: a fixed seed, and the same data give the same file. ``--check`` fits and compares with
the shipped file instead of writing it. The report ends with the holdout and dev scores.

When to refit: after changing the signals or the features (bot/policy.py), or after a large change of
faq.yaml (many new entries of a new kind). New phrasings or entries do not need it: the features say
how a question relates to the entries, never which entry it is.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import ROOT, SHARED, table, write_or_check
from bench.typos import perturb
from bot.config import load_settings
from bot.evaluation import evaluate, read_labelled
from bot.knowledge import load
from bot.matching import Matcher, Signals
from bot.policy import (
    CONFIDENCE_FEATURES,
    LEXICAL_FEATURES,
    POLICY_FILE,
    SEMANTIC_CONFIDENCE_FEATURES,
    SEMANTIC_FEATURES,
    Levels,
    Model,
    Policy,
    confidence_features,
)
from bot.semantic import load_embedder

SEED = 20261127
PERTURBATIONS_PER_PHRASING = 3
TARGET_PRECISION = 0.975  # of answers, out of fold, on calibration and negative questions
SKIP_PRECISION = 0.995  # lexical probability above which the embedding stage is skipped
# Without the embedding stage (a CPU without AVX2/FMA) the lexical model decides alone: it is held to a
# higher precision, as its estimate rests on less.
LEXICAL_PRECISION = 0.97
ANSWER_FLOOR = 0.5  # the answer levels are at least this
NEGATIVE_RATE = 0.02  # at most this share of the negatives answered, out of fold
BAGS = 201  # bootstrap resamples each level is the median over; odd, so the median is one of the levels (NEVER stays)
CLARIFY_PRECISION = 0.5  # a "did you mean" should hold the right entry at least this often
NEVER = 9.0  # a level no probability (or sum of three) reaches
OPTION, OPTION_RATIO = 0.15, 0.25  # an offered entry: this likely, and this share of the best one
FOLDS = 5
# Questions written apart from faq.yaml and from bench/holdout.tsv, each file by a different helper.
NEGATIVE_FILES = ("negatives.tsv", "negatives_everyday.tsv")  # out of scope, chit-chat, uncovered facts
CALIBRATION_FILES = (
    "calibration.tsv",
    "calibration_more.tsv",
    "calibration_ko.tsv",
    "calibration_mixed.tsv",
    "calibration_6.tsv",
    "calibration_7.tsv",
    *NEGATIVE_FILES,
)


def _question_rows(matcher: Matcher, embedder_on: bool) -> tuple[list[Signals], list[frozenset[int]], list[int]]:
    """Signals for every training question, the entry indices that are right (empty: none), group ids."""
    rng = random.Random(SEED)
    signals, labels, groups = [], [], []
    for doc, phrasing in enumerate(matcher._docs):
        entry = matcher._doc_entry[doc]
        for _, text in [("as written", phrasing), *perturb(phrasing, rng, PERTURBATIONS_PER_PHRASING)]:
            sig = matcher.signals(text, semantic=embedder_on, exclude=doc)
            if sig is None:
                continue
            signals.append(sig)
            labels.append(frozenset({entry}))
            groups.append(doc)
    return signals, labels, groups


def _calibration_rows(matcher: Matcher) -> tuple[list[Signals], list[frozenset[int]]]:
    """Signals of bench/calibration.tsv and bench/negatives.tsv, and the entry indices that are right.

    Questions the fact rule already answers honestly (they ask for a fact the best entry lacks) are left
    out: the confidence models never decide them.
    """
    index = {e.id: i for i, e in enumerate(matcher.kb.entries)}
    signals, labels = [], []
    for name in CALIBRATION_FILES:
        for item in read_labelled(ROOT / "bench" / name):
            sig = matcher.signals(item.question, semantic=True)
            if sig is None or (item.uncovered and sig.asks):
                continue
            signals.append(sig)
            labels.append(frozenset(index[i] for i in item.expected))
    return signals, labels


def _matrix(matcher: Matcher, sig: Signals, semantic: bool) -> np.ndarray:
    """The ranking features as the bot computes them, with or without the embedding stage's."""
    return matcher.features(sig if semantic else dataclasses.replace(sig, semantic=None))


def _fit(x: np.ndarray, y: np.ndarray, features: tuple[str, ...], weights: np.ndarray | None = None) -> Model:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=1.0, max_iter=2000).fit(scaler.transform(x), y, sample_weight=weights)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    weights = model.coef_[0] / scale
    bias = float(model.intercept_[0] - np.sum(model.coef_[0] * scaler.mean_ / scale))
    return Model(features, weights, bias)


def _out_of_fold(
    xs: list[np.ndarray], ys: list[np.ndarray], groups: list[int], features, ws: list[float] | None = None
) -> list[np.ndarray]:
    """Per question, the probabilities of its rows from a model that never saw that question's group."""
    unique = sorted(set(groups))
    fold_of = {g: i % FOLDS for i, g in enumerate(random.Random(SEED).sample(unique, len(unique)))}
    out: list[np.ndarray] = [np.zeros(0)] * len(xs)
    for fold in range(FOLDS):
        train = [i for i, g in enumerate(groups) if fold_of[g] != fold]
        weights = np.concatenate([np.full(len(ys[i]), ws[i]) for i in train]) if ws else None
        model = _fit(np.vstack([xs[i] for i in train]), np.concatenate([ys[i] for i in train]), features, weights)
        for i, g in enumerate(groups):
            if fold_of[g] == fold:
                out[i] = model.probabilities(xs[i])
    return out


def _bagged_level(confidence: list[float], right: list[bool], target: float, none: float = 1.0) -> float:
    """The median of _answer_level over bootstrap resamples: the lowest level that reaches a precision sits
    where the cumulative precision hovers near the target, so one question more or less moves it by
    several points; the median over resamples does not."""
    return _bagged(lambda c, r: _answer_level(c, r, target, none), confidence, right)


def _bagged(level: Callable[[list[float], list[bool]], float], scores: list[float], flags: list[bool]) -> float:
    """The median of ``level(scores, flags)`` over BAGS bootstrap resamples (fixed seed)."""
    if not scores:
        return level(scores, flags)
    rng = random.Random(SEED)
    n = len(scores)
    levels = []
    for _ in range(BAGS):
        picks = [rng.randrange(n) for _ in range(n)]
        levels.append(level([scores[i] for i in picks], [flags[i] for i in picks]))
    return float(np.median(levels))


def _hopeless_level(confidence: list[float], rescued: list[bool]) -> float:
    """The highest lexical confidence below which at most 1 % of the questions end in a right answer or a
    "did you mean" that holds the right entry, even with the embedding stage."""
    hopeless, hits = 0.0, 0
    for n, (c, ok) in enumerate(sorted(zip(confidence, rescued, strict=True)), 1):
        hits += ok
        if hits / n > 0.01:
            break
        hopeless = c
    return hopeless


def _phrasing_hopeless(matcher: Matcher, policy: Policy, signals, labels, lex_x, full_x) -> float:
    """_hopeless_level over faq.yaml's phrasings (as in _question_rows): lexical estimate, and whether the
    full models answer right or offer the right entry."""
    confidence, rescued = [], []
    for sig, lab, lx, fx in zip(signals, labels, lex_x, full_x, strict=True):
        rank = policy.lexical.probabilities(lx)
        row = confidence_features(rank, lx, len(sig.unknown), sig.foreign)
        confidence.append(float(policy.lexical_confidence.probabilities(row)))
        if fx is None:
            rescued.append(False)
            continue
        full = policy.full.probabilities(fx)
        sure = float(policy.full_confidence.probabilities(confidence_features(full, fx, len(sig.unknown), sig.foreign)))
        answered = sure >= policy.levels.answer and int(np.argmax(full)) in lab and matcher.answerable(sig)
        rescued.append(answered or any(e in lab for e in matcher.offered(full)))
    return _bagged(_hopeless_level, confidence, rescued)


def _answer_level(confidence: list[float], right: list[bool], target: float, none: float = 1.0) -> float:
    """The lowest level at which what is done at or above it (answer, offer) is right >= target; ``none``
    when no level is."""
    level, hits = none, 0
    for n, (c, ok) in enumerate(sorted(zip(confidence, right, strict=True), reverse=True), 1):
        hits += ok
        if hits / n >= target:
            level = c
    return level


def _curve(confidence: list[float], right: list[bool], answerable: list[bool], labels) -> list[list[object]]:
    """Out-of-fold precision and answer rates at a few levels (printed, to see what the level costs)."""
    n_in = sum(1 for lab in labels if lab)
    rows = []
    for level in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98):
        answered = [
            (ok, bool(lab))
            for c, ok, a, lab in zip(confidence, right, answerable, labels, strict=True)
            if c >= level and a
        ]
        hits = sum(ok for ok, _ in answered)
        negatives = sum(1 for _, inside in answered if not inside)
        rows.append([level, f"{hits / max(1, len(answered)):.1%}", f"{hits / n_in:.1%}", negatives])
    return rows


def _negative_level(scores: list[float], negative: list[bool]) -> float:
    """The lowest level at which at most NEGATIVE_RATE of the negatives (out of scope, chit-chat,
    uncovered facts) would be answered."""
    ranked = sorted((c for c, neg in zip(scores, negative, strict=True) if neg), reverse=True)
    allowed = int(NEGATIVE_RATE * len(ranked))
    return ranked[allowed] + 1e-6 if allowed < len(ranked) else 0.0


def _levels(lex, full) -> Levels:
    """The levels, from out-of-fold (confidence, best entry right, answerable, right entry offered)."""

    def answer_level(outcome, target: float) -> float:
        confidence, right, answerable, _, negative, _ = outcome
        scores = [c if a else 0.0 for c, a in zip(confidence, answerable, strict=True)]
        # Precise enough overall (among the questions that may be answered at all: those a blocking word
        # or an unknown name keeps from an answer would make the lowest levels look precise), and
        # answering few enough of the questions the FAQ cannot answer. Never below one half: an answer
        # the estimate thinks more likely wrong than right is a guess.
        may = [(c, ok) for c, ok, a in zip(confidence, right, answerable, strict=True) if a]
        precise = _bagged_level([c for c, _ in may], [ok for _, ok in may], target)
        few = _negative_level(scores, negative)
        print(f"answer level: {precise:.4f} for {target:.0%} precision, {few:.4f} for <= {NEGATIVE_RATE:.0%} negatives")
        return max(precise, few, ANSWER_FLOOR)

    answer, lexical_answer = answer_level(full, TARGET_PRECISION), answer_level(lex, LEXICAL_PRECISION)
    skip = max(
        _answer_level([c if a else 0.0 for c, a in zip(lex[0], lex[2], strict=True)], lex[1], SKIP_PRECISION),
        lexical_answer,
    )
    # Below `hopeless` (lexical confidence), at most 1 % of the questions end in a right answer or a
    # "did you mean" that holds the right entry, even with the embedding stage: it is not run there.
    rescued = [(c >= answer and ok and a) or o for c, ok, a, o, _, _ in zip(*full, strict=True)]
    hopeless = _bagged(_hopeless_level, list(lex[0]), rescued)
    # "Did you mean" from the lowest confidence at which, among questions not answered, the offered
    # entries hold the right one at least half the time.
    pending = [(c, o, m) for c, ok, a, o, _, m in zip(*full, strict=True) if not (a and c >= answer)]
    clarify = _bagged_level([c for c, _, _ in pending], [o for _, o, _ in pending], CLARIFY_PRECISION)
    # ... and, below it, where the offered entries together are likely enough ("what do the teams do?":
    # no one team is likely, the three together are), at the same precision.
    below = [(m, o) for c, o, m in pending if c < clarify and m > 0]
    # (a level on the sum of the offered probabilities; NEVER when none is precise enough)
    clarify_mass = _bagged_level([m for m, _ in below], [o for _, o in below], CLARIFY_PRECISION, none=NEVER)
    return Levels(
        answer=answer,
        lexical_answer=lexical_answer,
        skip_semantic=skip,
        hopeless=hopeless,
        option=OPTION,
        option_ratio=OPTION_RATIO,
        clarify=clarify,
        clarify_mass=clarify_mass,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fit, and fail if it differs from bot/policy.json")
    parser.add_argument(
        "--show-errors",
        action="store_true",
        help="list the most confident out-of-fold misses (of questions that may be answered)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    settings = load_settings(None)
    kb = load(ROOT / "faq.yaml")
    embedder = load_embedder(True, settings.cache_dir())
    if embedder is None:
        print("tune.py needs the embedding engine (x86-64 with AVX2/FMA) to fit the full model", file=sys.stderr)
        return 1
    neutral = Policy(
        *(
            Model(f, np.zeros(len(f)), 0.0)
            for f in (LEXICAL_FEATURES, SEMANTIC_FEATURES, CONFIDENCE_FEATURES, SEMANTIC_CONFIDENCE_FEATURES)
        ),
        levels=Levels(0.5, 0.5, 1.0, 0.0, OPTION, OPTION_RATIO, 0.3),
    )
    matcher = Matcher(kb, embedder, neutral)
    n_entries = len(kb.entries)

    # 1. Ranking: which entry a question means, from faq.yaml's own phrasings asked against the rest,
    # and from the questions written apart from faq.yaml (calibration and negative sets).
    signals, labels, _ = _question_rows(matcher, True)
    calib, calib_labels = _calibration_rows(matcher)
    embedder.save()
    everything = signals + calib
    ys = [np.asarray([e in lab for e in range(n_entries)], dtype=int) for lab in labels + calib_labels]
    lex_x = [_matrix(matcher, s, False) for s in everything]
    full_x = [_matrix(matcher, s, True) if s.semantic is not None else None for s in everything]
    base = len(signals)
    order = random.Random(SEED).sample(range(len(calib)), len(calib))
    fold_of = {i: n % FOLDS for n, i in enumerate(order)}

    def ranking(leave_out: int | None) -> tuple[Model, Model]:
        """Ranking models fitted on faq.yaml's rows and the written questions not in fold ``leave_out``."""
        rows = [i for i in range(len(everything)) if i < base or fold_of[i - base] != leave_out]
        scored = [i for i in rows if full_x[i] is not None]  # the full model needs embeddings
        lexical = _fit(np.vstack([lex_x[i] for i in rows]), np.concatenate([ys[i] for i in rows]), LEXICAL_FEATURES)
        full = _fit(
            np.vstack([full_x[i] for i in scored]),  # type: ignore[misc]
            np.concatenate([ys[i] for i in scored]),
            SEMANTIC_FEATURES,
        )
        return lexical, full

    lexical, full = ranking(None)
    # A written question's confidence features come from ranking models that never saw it (cross-fitting),
    # as the bot's own models never saw the questions people will ask.
    unseen = [ranking(fold) for fold in range(FOLDS)]

    # 2. Confidence: is the best-ranked entry right? Fitted on questions written apart from faq.yaml.
    # Questions the fact rule answers honestly never reach the confidence models: left out.
    rows: dict[str, list] = {"lex_x": [], "lex_y": [], "lex_i": [], "full_x": [], "full_y": [], "full_i": []}
    offered_right: dict[int, bool] = {}
    offered_mass: dict[int, float] = {}
    leading: dict[str, dict[int, bool]] = {"lex": {}, "full": {}}  # the best entry's probability is a majority
    for i, (sig, lab) in enumerate(zip(calib, calib_labels, strict=True)):
        lex_model, full_model = unseen[fold_of[i]]
        for name, model, semantic in (("lex", lex_model, False), ("full", full_model, True)):
            if semantic and sig.semantic is None:
                continue
            x = _matrix(matcher, sig, semantic)
            rank = model.probabilities(x)
            if matcher.not_held(sig, rank)[0] is not None:
                break  # the fact rule answers it honestly
            rows[f"{name}_x"].append(confidence_features(rank, x, len(sig.unknown), sig.foreign)[None, :])
            rows[f"{name}_y"].append(np.asarray([int(np.argmax(rank)) in lab], dtype=int))
            rows[f"{name}_i"].append(i)
            offered_right[i] = any(e in lab for e in matcher.offered(rank))
            offered_mass[i] = float(sum(rank[e] for e in matcher.offered(rank)))
            leading[name][i] = matcher.leads(rank)
    # As the bot decides: the full models where the embedding stage ran, else the lexical ones; a
    # question with a word the knowledge base never uses for a thing, a negation or another organisation
    # is never answered (Matcher.answerable), nor one whose best entry is not likelier than all the others
    # together (Matcher.leads). The confidence models estimate P(right) for the questions that may be
    # answered: the others weigh nothing in their fit (they still get out-of-fold estimates, which pick
    # the "did you mean" level).
    answerable = [matcher.answerable(s) for s in calib]

    def weight(name: str, i: int) -> float:
        """A question's weight in a confidence model's fit: 1 if it may be answered, else 0."""
        return 1.0 if answerable[i] and leading[name][i] else 0.0

    conf: dict[str, dict[int, tuple[float, bool]]] = {"lex": {}, "full": {}}
    for name, features in (("lex", CONFIDENCE_FEATURES), ("full", SEMANTIC_CONFIDENCE_FEATURES)):
        xs, ys, idx = rows[f"{name}_x"], rows[f"{name}_y"], rows[f"{name}_i"]
        ws = [weight(name, i) for i in idx]
        for i, c, y in zip(idx, _out_of_fold(xs, ys, idx, features, ws), ys, strict=True):
            conf[name][i] = (float(c[0]), bool(y[0]))

    def outcome(name: str) -> tuple[list[float], list[bool], list[bool], list[bool], list[bool], list[float]]:
        table_ = {**conf["lex"], **conf[name]}
        leads = {**leading["lex"], **leading[name]}
        keep = sorted(table_)
        return (
            [table_[i][0] for i in keep],
            [table_[i][1] for i in keep],
            [answerable[i] and leads[i] for i in keep],
            [offered_right.get(i, False) for i in keep],
            [not calib_labels[i] for i in keep],
            [offered_mass.get(i, 0.0) for i in keep],
        )

    policy = Policy(
        lexical=lexical,
        full=full,
        lexical_confidence=_fit(
            np.vstack(rows["lex_x"]),
            np.concatenate(rows["lex_y"]),
            CONFIDENCE_FEATURES,
            np.asarray([weight("lex", i) for i in rows["lex_i"]]),
        ),
        full_confidence=_fit(
            np.vstack(rows["full_x"]),
            np.concatenate(rows["full_y"]),
            SEMANTIC_CONFIDENCE_FEATURES,
            np.asarray([weight("full", i) for i in rows["full_i"]]),
        ),
        levels=_levels(outcome("lex"), outcome("full")),
    )
    # The embedding stage is skipped below `hopeless` only where faq.yaml's own phrasings, asked against the
    # rest and perturbed, are hopeless too: a paraphrase in other words (a larger knowledge base is full of
    # them) has a low lexical estimate that the embeddings rescue, more often than the written questions.
    policy = dataclasses.replace(
        policy,
        levels=dataclasses.replace(
            policy.levels,
            hopeless=min(
                policy.levels.hopeless,
                _phrasing_hopeless(matcher, policy, signals, labels, lex_x[:base], full_x[:base]),
            ),
        ),
    )
    # What the report below describes: the questions the confidence models decide.
    kept = sorted({**conf["lex"], **conf["full"]})
    full_conf, full_right, full_answerable = outcome("full")[:3]
    signals, labels = [calib[i] for i in kept], [calib_labels[i] for i in kept]
    n_pos = sum(1 for lab in labels if lab)
    digest = hashlib.sha256(
        b"".join((ROOT / name).read_bytes() for name in ("faq.yaml", *(f"bench/{f}" for f in CALIBRATION_FILES)))
    )
    meta = {
        "fitted_on": {
            "questions": len(signals),
            "in_scope": n_pos,
            "negatives": len(signals) - n_pos,
            "data_sha256": digest.hexdigest()[:16],
        }
    }
    text = policy.to_json(meta)
    print(f"{len(signals)} training questions ({n_pos} in scope), fitted in {time.perf_counter() - started:.0f} s")
    print(table(["level", "value"], [[k, v] for k, v in policy.levels.__dict__.items()]))
    if args.show_errors:
        misses = [
            (c, sig.reading, [kb.entries[e].id for e in lab] or "-")
            for c, ok, a, sig, lab in zip(full_conf, full_right, full_answerable, signals, labels, strict=True)
            if a and not ok
        ]
        for row in sorted(misses, reverse=True)[:60]:
            print("  confident miss: {:.3f} {!r}, expected {}".format(*row))
    print("out of fold, full models:")
    curve = _curve(full_conf, full_right, full_answerable, labels)
    print(table(["answer level", "precision", "in scope answered right", "negatives answered"], curve))
    # What the rule "a word the FAQ and the interview never use stops an outright answer" costs and saves.
    content = [s.content > 0 or float(s.lexical.max(initial=0.0)) >= 0.999 for s in signals]
    print("the same, if unknown words did not stop an answer:")
    curve = _curve(full_conf, full_right, content, labels)
    print(table(["answer level", "precision", "in scope answered right", "negatives answered"], curve))
    _report(kb, embedder, Policy.from_text(text))
    return write_or_check(POLICY_FILE, text, args.check, "python bench/tune.py")


def _report(kb, embedder, policy: Policy) -> None:
    """How the fitted policy does on the labelled sets it was not fitted on."""
    rows = []
    sets = (
        ("holdout", ROOT / "bench" / "holdout.tsv"),
        ("blind", ROOT / "bench" / "holdout_blind.tsv"),
        *((f"blind{n}", ROOT / "bench" / f"holdout_blind{n}.tsv") for n in range(3, 9)),
        ("dev", SHARED / "eval" / "dev.tsv"),
    )
    for name, path in sets:
        if not path.exists():
            continue
        for label, emb in (("full", embedder), ("lexical only", None)):
            r = evaluate(Matcher(kb, emb, policy), read_labelled(path)).rates()
            rows.append(
                [
                    f"{name} ({label})",
                    f"{r['right']:.1%}",
                    f"{r['helpful']:.1%}",
                    f"{r['wrong']:.1%}",
                    f"{r['oos_answered']:.1%}",
                    f"{r['uncovered_answered']:.1%}",
                    f"{r['uncovered_honest']:.1%}",
                ]
            )
    print(table(["set", "right", "helpful", "wrong", "oos answered", "uncov. answered", "uncov. honest"], rows))


if __name__ == "__main__":
    raise SystemExit(main())
