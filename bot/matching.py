"""Question -> Decision: answer (confident), clarify (2-3 close options) or fallback.

The pipeline, cheapest first:
1. readings of the question: as typed, and with Latin runs read as Hangul typed in English mode
   (only runs that compose into whole syllables); chosung-only questions (ㅈㅇㅂㅂ) match initials;
2. lexical TF-IDF (bot.lexical) scores every entry by its best phrasing; the better reading wins;
3. content words the knowledge base has never seen (bot.vocabulary) block a confident answer;
4. where the lexical result is not clear-cut and an embedder is available, the top entries are
   re-ranked with sentence embeddings blended with the lexical score (a cascade: the model runs
   only where the cheap signal is unsure);
5. thresholds on the blended score and the margin to the runner-up pick the action.
Scores are on 0-100.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from rapidfuzz import fuzz

from bot.knowledge import KnowledgeBase
from bot.lexical import LexicalIndex
from bot.normalize import chosung, clean, from_qwerty, has_hangul, is_chosung_query
from bot.semantic import Embedder
from bot.vocabulary import ENGLISH_FILLERS, Vocabulary, is_filler

Action = Literal["answer", "clarify", "fallback"]


@dataclass(frozen=True)
class Candidate:
    """An entry id with its score (0-100)."""

    id: str
    score: float


@dataclass(frozen=True)
class Decision:
    """What the matcher concluded about one question."""

    action: Action
    candidates: tuple[Candidate, ...]
    question: str
    reading: str
    language: str
    unknown: tuple[str, ...] = ()
    options: tuple[Candidate, ...] = ()  # what ``clarify`` offers, best first
    missing: str | None = None  # the kind of fact asked for that the top entry does not hold (facts.py)

    @property
    def id(self) -> str | None:
        """The answered entry id (only for ``answer``)."""
        return self.candidates[0].id if self.action == "answer" and self.candidates else None

    @property
    def score(self) -> float:
        """The best candidate's score, 0 when there is none."""
        return self.candidates[0].score if self.candidates else 0.0


@dataclass(frozen=True)
class Thresholds:
    """Where the actions change; tuned on a held-out set of our own, see bench/accuracy.py."""

    # Scores after the semantic stage (blended, 0-100):
    answer: float = 50.0  # best score needed to answer
    margin: float = 6.0  # ... and its lead over the runner-up
    clarify: float = 34.0  # below this: fallback
    answer_despite_unknown: float = 75.0  # one unknown word still answers above this ...
    margin_despite_unknown: float = 20.0  # ... this far ahead (out-of-scope questions peaked near 70)
    option_gap: float = 14.0  # clarify offers entries within this of the best
    lexical_sure: float = 0.50  # lexical cosine that answers without the semantic stage ...
    lexical_lead: float = 0.15  # ... when this far ahead of the runner-up
    lexical_clarify: float = 0.20  # lexical cosine below which, with no semantic stage, it falls back
    semantic_weight: float = 0.85
    semantic_floor: float = 0.80  # e5 cosine mapped to 0 ...
    semantic_ceiling: float = 0.96  # ... and to 1
    rerank: int = 8  # entries the semantic stage re-ranks


class Matcher:
    """An index over one KnowledgeBase; immutable, safe to share between threads."""

    def __init__(
        self,
        kb: KnowledgeBase,
        embedder: Embedder | None = None,
        thresholds: Thresholds | None = None,
        default_language: str = "ko",
    ) -> None:
        self.kb = kb
        self.embedder = embedder
        self.t = thresholds or Thresholds()
        self.default_language = default_language if default_language in kb.languages else kb.languages[0]
        self._doc_entry: list[int] = []
        docs: list[str] = []
        self._entry_docs: list[list[int]] = []
        for e_index, entry in enumerate(kb.entries):
            mine = []
            for phrasing in entry.phrasings():
                mine.append(len(docs))
                docs.append(phrasing)
                self._doc_entry.append(e_index)
            self._entry_docs.append(mine)
        self._docs = docs
        self._clean_docs = [clean(d) for d in docs]
        self._index = LexicalIndex(self._clean_docs)
        self._doc_entry_array = np.asarray(self._doc_entry, dtype=np.int32)
        self._chosung = [chosung(d.replace(" ", "")) for d in self._clean_docs]
        self.vocabulary = Vocabulary(self._vocabulary_texts(kb))

    @staticmethod
    def _vocabulary_texts(kb: KnowledgeBase) -> list[str]:
        texts = []
        for entry in kb.entries:
            texts += entry.phrasings() + list(entry.answer.values()) + list(entry.title.values())
            texts += [q.text for q in entry.quotes]
        for person in kb.people.values():
            texts += [person.name, *person.team.values()]
        return texts

    def language_of(self, question: str) -> str:
        """Hangul in the question -> Korean; Latin only -> English; else the default."""
        if has_hangul(question) and "ko" in self.kb.languages:
            return "ko"
        if any(ch.isascii() and ch.isalpha() for ch in question) and "en" in self.kb.languages:
            return "en"
        return self.default_language

    # -- stages -----------------------------------------------------------------------------

    def _lexical(self, text: str) -> dict[int, float]:
        """Entry index -> best phrasing cosine (0-1), for entries that share anything."""
        best = np.zeros(len(self.kb.entries), dtype=np.float32)
        np.maximum.at(best, self._doc_entry_array, self._index.search(text))
        hits = np.flatnonzero(best > 1e-6)
        return dict(zip(hits.tolist(), best[hits].astype(float).tolist(), strict=True))

    def _chosung_scores(self, text: str) -> dict[int, float]:
        initials = text.replace(" ", "")
        best: dict[int, float] = {}
        for doc, chars in enumerate(self._chosung):
            if not chars:
                continue
            score = fuzz.ratio(initials, chars) / 100.0
            if initials in chars:
                score = max(score, 0.6 + 0.4 * len(initials) / len(chars))
            e = self._doc_entry[doc]
            best[e] = max(best.get(e, 0.0), score)
        return best

    def _readings(self, question: str) -> list[str]:
        readings = [clean(question)]
        slipped = from_qwerty(question, keep=self.vocabulary.latin_words | ENGLISH_FILLERS)
        if slipped is not None:
            readings.append(clean(slipped))
        corrected = " ".join(self.vocabulary.correct(tok) for tok in readings[0].split())
        if corrected != readings[0]:
            readings.append(corrected)
        return [r for r in readings if r]

    def warm(self, stop: threading.Event | None = None, pause: float = 0.002) -> int:
        """Embed every phrasing the embedder has not cached yet; returns how many were looked at.

        Run on a background thread after a (re)load, so the first questions after an edit do not pay for
        embedding new phrasings. ``pause`` between phrasings leaves the CPU to questions; ``stop`` ends it.
        """
        if self.embedder is None:
            return 0
        for n, text in enumerate(self._docs, 1):
            if stop is not None and stop.is_set():
                return n
            started = time.perf_counter()
            self.embedder.embed([text])
            took = time.perf_counter() - started
            if took > 0.0005:  # computed, not cached: give way, using at most a third of a core
                time.sleep(max(pause, 2 * took))
        return len(self._docs)

    def _semantic(self, question: str, entries: list[int]) -> dict[int, float]:
        """Entry index -> calibrated embedding similarity (0-1) of its best phrasing."""
        assert self.embedder is not None
        query = self.embedder.embed_query(question)
        out = {}
        span = self.t.semantic_ceiling - self.t.semantic_floor
        for e in entries:
            docs = self._entry_docs[e]
            vectors = self.embedder.embed([self._docs[d] for d in docs])
            cos = float(np.max(vectors @ query))
            out[e] = min(1.0, max(0.0, (cos - self.t.semantic_floor) / span))
        return out

    # -- public -----------------------------------------------------------------------------

    def _hopeless(self, reading: str) -> bool:
        """True when most content words are unknown: the answer is fallback whatever the ranking."""
        content = [tok for tok in reading.split() if not is_filler(tok)]
        return bool(content) and len(self.vocabulary.unknown(reading)) / len(content) > 0.5

    def rank(
        self, question: str, skip_semantic: Callable[[str], bool] | None = None
    ) -> tuple[str, list[tuple[int, float]], bool]:
        """(reading, [(entry index, score 0-1)] best first, whether the semantic stage ran).

        ``skip_semantic(reading)`` lets a caller that already knows the outcome save the model's time.
        """
        readings = self._readings(question)
        if not readings:
            return "", [], False
        if is_chosung_query(readings[0]):
            scored = self._chosung_scores(readings[0])
            return readings[0], sorted(scored.items(), key=lambda x: -x[1]), False
        best_reading, best_scores, best_top = readings[0], {}, -1.0
        for reading in readings:
            scores = self._lexical(reading)
            top = max(scores.values(), default=0.0)
            if top > best_top + 1e-9:
                best_reading, best_scores, best_top = reading, scores, top
        ranked = sorted(best_scores.items(), key=lambda x: -x[1])
        if self.embedder is None or not ranked:
            return best_reading, ranked, False
        lead = ranked[0][1] - (ranked[1][1] if len(ranked) > 1 else 0.0)
        if ranked[0][1] >= self.t.lexical_sure and lead >= self.t.lexical_lead:
            return best_reading, ranked, False
        if skip_semantic is not None and skip_semantic(best_reading):
            return best_reading, ranked, False
        head = [e for e, _ in ranked[: self.t.rerank]]
        semantic = self._semantic(best_reading, head)
        w = self.t.semantic_weight
        blended = {e: w * semantic[e] + (1 - w) * best_scores[e] for e in head}
        reranked = sorted(blended.items(), key=lambda x: -x[1])
        # Entries beyond the re-ranked head keep their (lower) lexical order after it.
        return best_reading, reranked + ranked[self.t.rerank :], True

    def decide(self, question: str) -> Decision:
        """Rank the entries for a question and choose answer, clarify or fallback."""
        reading, ranked, semantic = self.rank(question, skip_semantic=self._hopeless)
        # A question typed with the keyboard in English mode was meant in Korean.
        language = self.language_of(reading if has_hangul(reading) else question)
        candidates = tuple(Candidate(self.kb.entries[e].id, round(100.0 * s, 1)) for e, s in ranked[:5])
        unknown = tuple(self.vocabulary.unknown(reading)) if reading and not is_chosung_query(reading) else ()
        if semantic:
            limits = (self.t.answer, self.t.margin, self.t.clarify)
        else:
            limits = (100 * self.t.lexical_sure, 100 * self.t.lexical_lead, 100 * self.t.lexical_clarify)
        action = self._choose(candidates, reading, unknown, semantic, *limits)
        options: tuple[Candidate, ...] = ()
        if action == "clarify":
            close = [c for c in candidates[:3] if candidates[0].score - c.score <= self.t.option_gap]
            options = tuple(close) if len(close) >= 2 else candidates[:2]
        return Decision(action, candidates, question, reading, language, unknown, options)

    def _choose(
        self,
        candidates: tuple[Candidate, ...],
        reading: str,
        unknown: tuple[str, ...],
        semantic: bool,
        answer: float,
        margin: float,
        clarify: float,
    ) -> Action:
        """The action for ranked candidates, given the score scale's answer, margin and clarify limits."""
        if not candidates:
            return "fallback"
        top = candidates[0].score
        second = candidates[1].score if len(candidates) > 1 else 0.0
        content = [tok for tok in reading.split() if not is_filler(tok)]
        if not content and top < 90.0:
            # Nothing but "how" or "되나요": never answer on a shared common word.
            return "fallback"
        if unknown:
            # The question is about something the knowledge base never mentions.
            known_share = 1.0 - len(unknown) / max(1, len(content))
            if known_share < 0.5 or top < answer:
                return "fallback"
            # One unfamiliar word (제출, 챌린지) in a question the model places firmly in one entry.
            if (
                semantic
                and len(unknown) == 1
                and top >= self.t.answer_despite_unknown
                and top - second >= self.t.margin_despite_unknown
            ):
                return "answer"
            return "clarify"
        if top >= answer and top - second >= margin:
            return "answer"
        if top >= clarify:
            return "clarify"
        return "fallback"
