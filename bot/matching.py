"""Question -> Decision: answer (confident), clarify (1-3 plausible options) or fallback.

The pipeline, cheapest first:
1. readings of the question: as typed, with Latin runs read as Hangul typed in English mode (only
   runs that compose into whole syllables), with English typos corrected; chosung-only questions
   (ㅈㅇㅂㅂ) match initials;
2. lexical TF-IDF (bot.lexical) scores every entry by its best phrasing; the better reading wins;
   content words the knowledge base has never seen are counted (bot.vocabulary);
3. the lexical policy model (bot.policy) estimates, per entry, the probability that it is the one
   meant; only where that is neither clear nor hopeless, and an embedder is available, do sentence
   embeddings score the lexical stage's best entries, and the full model re-estimates (the cascade);
4. a question asking for a kind of fact (bot.facts) the entry it is about does not hold gets the honest
   "the interview doesn't say" (fallback, that entry first among the candidates); otherwise the
   fitted probability levels pick answer, clarify or fallback.
Candidate scores are those probabilities, on 0-100.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
from rapidfuzz import fuzz

from bot.facts import ALSO_DOES, ALSO_EN, ALSO_EN_VERBS, KINDS, USAGE, asks, covered, without_cues
from bot.knowledge import KnowledgeBase
from bot.lexical import LexicalIndex
from bot.normalize import chosung, clean, from_qwerty, has_hangul, is_chosung_query, main_clause, tokens
from bot.policy import Policy, confidence_features, feature_matrix
from bot.scope import blocked, put_to_the_bot
from bot.semantic import Embedder
from bot.static import StaticIndex, shipped_table
from bot.subjects import NOT_NOW, WHAT_IT_DOES, WHICH_TEAM, Subjects, plain_text
from bot.vocabulary import ENGLISH_FILLERS, Vocabulary, is_filler

if TYPE_CHECKING:
    from bot.derived import AsksMemo

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
    confidence: float = 0.0  # the policy's P(the best candidate is the right one), 0-1
    via: str = ""  # how a conversation's context resolved it (bot.conversation); "" = on its own
    rule: str = ""  # which step of decide_signals chose the action (bot.explain.RULES says what each means)
    mass: float = 0.0  # what the "options together" level was compared with: the offerable entries' probabilities
    embedded: bool = False  # whether the sentence embedder ran for it (the cascade's expensive stage)

    @property
    def id(self) -> str | None:
        """The answered entry id (only for ``answer``)."""
        return self.candidates[0].id if self.action == "answer" and self.candidates else None

    @property
    def score(self) -> float:
        """The best candidate's score, 0 when there is none."""
        return self.candidates[0].score if self.candidates else 0.0


@dataclass(frozen=True)
class Signals:
    """What the matcher measured about one question, for every entry (inputs of the policy)."""

    reading: str  # the reading the scores come from
    how: str  # how it was read: typed | slip | corrected | chosung
    lexical: np.ndarray  # per entry, 0-1
    semantic: np.ndarray | None  # per entry (None: the embedding stage did not run)
    unknown: tuple[str, ...]  # content words the knowledge base has never seen
    foreign: tuple[float, ...]  # for each, how unlike any known word it is (0 = a typo, 1 = nothing like it)
    content: int  # content words (not fillers such as 혹시, 궁금해요, please)
    asks: frozenset[str]  # kinds of fact asked for (bot.facts)
    blocked: tuple[str, ...] = ()  # negations, other organisations (bot.scope): never answered outright
    names: tuple[str, ...] = ()  # the unknown words that name something (not verbs): never answered outright
    passage: np.ndarray | None = None  # per entry, 0-1: lexical similarity to what it says (answers, quotes)
    semantic_passage: np.ndarray | None = None  # ... the same by embeddings (where the embedding stage ran)
    tail: np.ndarray | None = None  # per entry, 0-1: lexical similarity of the last clause (None: the whole)
    vote: np.ndarray | None = None  # per entry, 0-1: its share of the question's nearest phrasings (lexical)
    semantic_vote: np.ndarray | None = None  # ... by embeddings (where the embedding stage ran)
    nameless: np.ndarray | None = None  # per entry, 0-1: lexical similarity without the people's and teams'
    # names (None: it names none): what is asked of the team, apart from which team
    static: np.ndarray | None = None  # per entry, its best phrasing's cosine by the static table (bot.static)


_SEMANTIC_FLOOR, _SEMANTIC_SPAN = 0.80, 0.16  # e5 cosines of related questions sit in 0.8-0.96
_PASSAGE_FLOOR = 0.75  # ... and of a question with a passage that answers it, a little lower
_SHARED = 0.5  # a second entry at least this share of the best one's probability makes it a close call
_SURE, _MARGIN = 0.75, 0.35  # ... unless the best is this likely and this far ahead (0.94 against 0.54)
_RERANK = 8  # entries the embedding stage looks at: the lexical stage's best
_NEAREST = 10  # phrasings that vote for their entries (Matcher._vote)
_EXACT = 0.999  # lexical cosine of a question that is one of the phrasings (after cleaning)
_LONGEST = 1000  # characters of a question that are matched (channels refuse longer ones politely)


def _first(first: Candidate, candidates: tuple[Candidate, ...]) -> tuple[Candidate, ...]:
    """The candidates with ``first`` at their head (at most five, as decide_signals lists them)."""
    return (first, *(c for c in candidates if c.id != first.id))[:5]


class Matcher:
    """An index over one KnowledgeBase; immutable, safe to share between threads."""

    def __init__(
        self,
        kb: KnowledgeBase,
        embedder: Embedder | None = None,
        policy: Policy | None = None,
        default_language: str = "ko",
        memo: AsksMemo | None = None,
        static: bool = True,
    ) -> None:
        self.kb = kb
        self.embedder = embedder
        self.policy = policy or default_policy()
        self.default_language = default_language if default_language in kb.languages else kb.languages[0]
        self._doc_entry: list[int] = []
        docs: list[str] = []
        self._entry_docs: list[list[int]] = []
        for e_index, entry in enumerate(kb.entries):
            mine = []
            # The topic's title is a way to ask for it too (a candidate may type what a button says).
            for phrasing in dict.fromkeys([*entry.phrasings(), *entry.title.values()]):
                mine.append(len(docs))
                docs.append(phrasing)
                self._doc_entry.append(e_index)
            self._entry_docs.append(mine)
        self._docs = docs
        # What each entry says: its answers and the quotes it gives (compared with questions too).
        self._passages: list[str] = []
        passage_entry: list[int] = []
        self._entry_passages: list[list[int]] = []
        for e_index, entry in enumerate(kb.entries):
            said = list(dict.fromkeys([*entry.answer.values(), *(q.text for q in entry.quotes)]))
            self._entry_passages.append(list(range(len(self._passages), len(self._passages) + len(said))))
            self._passages += said
            passage_entry += [e_index] * len(said)
        self._passage_index = LexicalIndex([clean(p) for p in self._passages])
        self._passage_entry = np.asarray(passage_entry, dtype=np.int32)
        self._clean_docs = [clean(d) for d in docs]
        self._index = LexicalIndex(self._clean_docs)
        table = shipped_table() if static else None
        self._static = StaticIndex(table, self._clean_docs) if table is not None else None
        self._doc_entry_array = np.asarray(self._doc_entry, dtype=np.int32)
        self._chosung = [chosung(d.replace(" ", "")) for d in self._clean_docs]
        names = [name for person in kb.people.values() for name in person.names()]
        self.vocabulary = Vocabulary(self._vocabulary_texts(kb), names + _unit_names(kb))
        # What each entry holds, from the kinds of fact its own phrasings ask for (bot.facts).
        asks_of = memo.asks if memo is not None else None  # remembered between runs (bot.derived)
        self.covers = tuple(covered([clean(p) for p in entry.phrasings()], asks_of) for entry in kb.entries)
        self._smalltalk = np.asarray([0.0 if entry.browse else 1.0 for entry in kb.entries])
        self.subjects = Subjects.of(kb)
        ids = {entry.id: i for i, entry in enumerate(kb.entries)}
        self._index_of = ids
        self._team_of = {p.id: ids[p.topic] for p in self.subjects.people if p.topic in ids}
        self._team_entries = frozenset(self._team_of.values())
        # The phrasings with the people's and teams' names cut out: what each asks of whoever it names (built
        # when first needed: a question that names a team).
        self._name_free: LexicalIndex | None = None
        self._name_free_lock = threading.Lock()
        # Entries a question asks of a team as of anyone ("기반기술셀 분위기 어때요?": the interview speaks of the
        # culture, growth or applying for all the teams alike): neither a team's own entry nor related to one
        # (the office, the challenges, the interviewees may be what the team's own entry holds).
        teams = {kb.entries[e].id for e in self._team_entries}
        self._asked_of_anyone = frozenset(
            e for e, entry in enumerate(kb.entries) if e not in self._team_entries and not teams & set(entry.related)
        )
        # Entries asked about the bot itself (이 봇은 뭐 하는 봇이에요?, 봇이 참고하는 글): a question put to the
        # bot ("너 뭐하는 봇이야?") may be answered with them, as faq.yaml's phrasings say.
        self._about_bot = frozenset(
            e for e, mine in enumerate(self._entry_docs) if any(_BOT.search(self._clean_docs[d]) for d in mine)
        )

    @staticmethod
    def _vocabulary_texts(kb: KnowledgeBase) -> list[str]:
        # The interview's own words count as known: a question about what it talks about is in scope.
        texts = [kb.interview.body] if kb.interview is not None else []
        for entry in kb.entries:
            texts += entry.phrasings() + list(entry.answer.values()) + list(entry.title.values())
            texts += [q.text for q in entry.quotes]
        for person in kb.people.values():
            texts += list(person.names())
        return texts

    def language_of(self, question: str) -> str:
        """Hangul in the question -> Korean; Latin only -> English; else the default."""
        if has_hangul(question) and "ko" in self.kb.languages:
            return "ko"
        if any(ch.isascii() and ch.isalpha() for ch in question) and "en" in self.kb.languages:
            return "en"
        return self.default_language

    # -- stages -----------------------------------------------------------------------------

    def _lexical(self, text: str, exclude: int | None = None) -> np.ndarray:
        """Per entry, the best phrasing's cosine (0-1)."""
        return self._lexical_docs(text, exclude)[0]

    def _lexical_docs(self, text: str, exclude: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per entry, the best phrasing's cosine (0-1); and per phrasing."""
        scores = self._index.search(text)
        return self._best_phrasing(scores, exclude), scores

    def _best_phrasing(self, scores: np.ndarray, exclude: int | None) -> np.ndarray:
        """Per entry, the best of its phrasings' ``scores`` (``exclude``: a phrasing that counts as 0), at
        least 0."""
        if exclude is not None:
            scores[exclude] = 0.0
        best = np.zeros(len(self.kb.entries), dtype=np.float32)
        np.maximum.at(best, self._doc_entry_array, scores)
        return best.astype(np.float64)

    def _vote(self, scores: np.ndarray, entries: np.ndarray) -> np.ndarray:
        """Per entry, its share of the similarity of the _NEAREST phrasings most like the question: an
        entry asked in many ways like it, not in one way that happens to be near."""
        out = np.zeros(len(self.kb.entries))
        if not len(scores):
            return out
        top = np.argsort(-scores, kind="stable")[:_NEAREST]
        weights = np.maximum(scores[top], 0.0)
        np.add.at(out, entries[top], weights)
        total = float(weights.sum())
        return out / total if total > 0 else out

    def _tail(self, reading: str, exclude: int | None) -> np.ndarray | None:
        """Lexical similarity of the question's last clause, what it asks after the context before it
        (기반기술셀 넣어보려는데 / 어디서 지원함); None when it is one clause (the lexical scores hold)."""
        tail = main_clause(reading, lambda word: not is_filler(word))
        return None if tail == reading else self._lexical(tail, exclude)

    def _nameless(self, reading: str, exclude: int | None) -> np.ndarray | None:
        """Lexical similarity of the question with the people's and teams' names cut out: "하둡엔지니어링파트에
        지원하고 싶은데 어떻게 해요?" asks how to apply, and the team's name matches that team's entry best; None
        when it names nobody (the lexical scores hold)."""
        named, rest = self.subjects.named(reading)
        return self._lexical(rest, exclude) if named and rest and rest != reading else None

    def _static_scores(self, reading: str, exclude: int | None) -> np.ndarray | None:
        """Per entry, its best phrasing's cosine with the question by the static table (None without one)."""
        if self._static is None:
            return None
        return self._best_phrasing(self._static.search(reading), exclude)

    def _passage(self, text: str) -> np.ndarray:
        """Per entry, the cosine of its closest answer or quote (0-1)."""
        best = np.zeros(len(self.kb.entries), dtype=np.float32)
        if len(self._passages):
            np.maximum.at(best, self._passage_entry, self._passage_index.search(text))
        return best.astype(np.float64)

    def _chosung_scores(self, text: str, exclude: int | None = None) -> dict[int, float]:
        initials = text.replace(" ", "")
        best: dict[int, float] = {}
        for doc, chars in enumerate(self._chosung):
            if not chars or doc == exclude:
                continue
            score = fuzz.ratio(initials, chars) / 100.0
            if initials in chars:
                score = max(score, 0.6 + 0.4 * len(initials) / len(chars))
            e = self._doc_entry[doc]
            best[e] = max(best.get(e, 0.0), score)
        return best

    def _readings(self, question: str, vocabulary: Vocabulary) -> list[tuple[str, str]]:
        """(reading, how it was read): as typed, as a keyboard-layout slip, with English typos fixed."""
        typed = clean(question)
        readings = [(typed, "typed")]
        slipped = from_qwerty(question, keep=vocabulary.latin_words | ENGLISH_FILLERS)
        if slipped is not None:
            readings.append((clean(slipped), "slip"))
        corrected = " ".join(vocabulary.correct(tok) for tok in typed.split())
        if corrected != typed:
            readings.append((corrected, "corrected"))
        return [r for r in readings if r[0]]

    def embedded_texts(self) -> tuple[list[str], list[str]]:
        """What the embedding stage compares questions with: the phrasings and titles, and the passages."""
        return list(self._docs), list(self._passages)

    def warm(self, stop: threading.Event | None = None, pause: float = 0.002, threads: int = 1) -> int:
        """Embed every phrasing and passage the embedder has not cached yet; returns how many were looked at.

        Run on a background thread after a (re)load, so the first questions after an edit do not pay for
        embedding new phrasings. ``pause`` between phrasings leaves the CPU to questions (0: no pauses,
        for a caller that wants the cache full at once); ``stop`` ends it. ``threads`` share the work
        (worth it up to the embedder's instances, as many as cores).
        """
        if self.embedder is None:
            return 0
        work = [(text, False) for text in self._docs] + [(text, True) for text in self._passages]
        if threads <= 1:
            return self._warm(work, stop, pause)
        with ThreadPoolExecutor(threads) as pool:
            return sum(pool.map(lambda part: self._warm(part, stop, pause), [work[i::threads] for i in range(threads)]))

    def _warm(self, work: list[tuple[str, bool]], stop: threading.Event | None, pause: float) -> int:
        assert self.embedder is not None
        for n, (text, passage) in enumerate(work):
            if stop is not None and stop.is_set():
                return n
            started = time.perf_counter()
            if passage:
                self.embedder.embed_passages([text])
            else:
                self.embedder.embed([text])
            took = time.perf_counter() - started
            if took > 0.0005 and pause > 0:  # computed, not cached: give way, using at most a third of a core
                time.sleep(max(pause, 2 * took))
        return len(work)

    def _semantic(
        self, question: str, entries: list[int], exclude: int | None = None
    ) -> tuple[dict[int, float], dict[int, float], np.ndarray]:
        """Entry index -> embedding similarity of its best phrasing, on a 0-1 scale for related questions;
        and of its closest answer or quote; and per entry its share of the nearest phrasings (_vote)."""
        assert self.embedder is not None
        query = self.embedder.embed_query(question)
        out, said = {}, {}
        sims, owners = [], []
        for e in entries:
            docs = [d for d in self._entry_docs[e] if d != exclude]
            if not docs:
                continue
            vectors = self.embedder.embed([self._docs[d] for d in docs])
            near = (vectors @ query - _SEMANTIC_FLOOR) / _SEMANTIC_SPAN
            sims.append(near)
            owners.append(np.full(len(docs), e))
            out[e] = float(np.max(near))
            passages = self._entry_passages[e]
            if passages:
                vectors = self.embedder.embed_passages([self._passages[p] for p in passages])
                said[e] = (float(np.max(vectors @ query)) - _PASSAGE_FLOOR) / _SEMANTIC_SPAN
        if not sims:
            return out, said, np.zeros(len(self.kb.entries))
        return out, said, self._vote(np.concatenate(sims), np.concatenate(owners))

    # -- public -----------------------------------------------------------------------------

    def signals(
        self,
        question: str,
        semantic: bool | None = None,
        exclude: int | None = None,
        static: bool = True,
    ) -> Signals | None:
        """Measure a question against every entry; None when it has no letters or digits.

        ``semantic``: None runs the embedding stage only where the lexical model is unsure (the
        cascade), True always (when there is an embedder), False never. ``exclude`` (a phrasing index)
        lets bench/tune.py ask a phrasing as if faq.yaml did not hold it. ``static``: False leaves the
        static table's scores out (for a fragment of a question, where they are noise)."""
        vocabulary = self.vocabulary
        readings = self._readings(question[:_LONGEST], vocabulary)
        if not readings:
            return None
        n = len(self.kb.entries)
        first = readings[0][0]
        if is_chosung_query(first):
            scores = np.zeros(n)
            for e, score in self._chosung_scores(first, exclude).items():
                scores[e] = score
            return Signals(first, "chosung", scores, None, (), (), 1, frozenset(), passage=np.zeros(n))
        reading, how, lexical, docs = first, "typed", np.zeros(n), np.zeros(0)
        for text, kind in readings:
            scores, per_doc = self._lexical_docs(text, exclude)
            if scores.max(initial=0.0) > lexical.max(initial=0.0) + 1e-9:
                reading, how, lexical, docs = text, kind, scores, per_doc
        unknown = tuple(vocabulary.unknown(reading))
        foreign = tuple(round(1.0 - vocabulary.closeness(word), 3) for word in unknown)
        content = sum(1 for tok in reading.split() if not is_filler(tok))
        asks_for = asks(reading) | asks(first)
        if unknown and USAGE.search(reading):
            asks_for |= {"stack"}  # "MySQL도 써요?": a tool the knowledge base never mentions
        names = vocabulary.unknown_names(reading) if unknown else ()
        if names and _also_does(reading, vocabulary):
            asks_for |= {"detail"}  # "오브젝트 스토리지도 해요?": a piece of work the interview never mentions
        sig = Signals(
            reading,
            how,
            lexical,
            None,
            unknown,
            foreign,
            content,
            asks_for,
            blocked(reading, question),
            names,
            passage=self._passage(reading),
            tail=self._tail(reading, exclude),
            vote=self._vote(docs, self._doc_entry_array),
            nameless=self._nameless(reading, exclude),
            static=self._static_scores(reading, exclude) if static else None,
        )
        if self.embedder is None or semantic is False or not lexical.any():
            return sig
        if semantic is None:
            _, confidence = self.estimate(sig)
            if not self.policy.levels.hopeless < confidence < self.policy.levels.skip_semantic:
                return sig
        head = [int(e) for e in np.argsort(-lexical, kind="stable")[:_RERANK] if lexical[e] > 0]
        near, said, vote = self._semantic(reading, head, exclude)
        if not near:
            return sig
        return replace(
            sig,
            semantic=_spread(near, n),
            semantic_passage=_spread(said, n) if said else np.zeros(n),
            semantic_vote=vote,
        )

    def features(self, sig: Signals) -> np.ndarray:
        """The ranking models' feature matrix for measured signals (one row per entry)."""
        return feature_matrix(
            sig.lexical,
            sig.semantic,
            unknown_share=len(sig.unknown) / max(1, sig.content),
            content=sig.content,
            reading=sig.how,
            smalltalk=self._smalltalk,
            passage=sig.passage if sig.passage is not None else np.zeros(len(sig.lexical)),
            semantic_passage=sig.semantic_passage,
            tail=sig.tail,
            vote=sig.vote,
            semantic_vote=sig.semantic_vote,
            nameless=sig.nameless,
            static=sig.static,
        )

    def estimate(self, sig: Signals) -> tuple[np.ndarray, float]:
        """Per entry, how likely it is the one meant (ranking); and P(the best-ranked one is right)."""
        x = self.features(sig)
        full = sig.semantic is not None
        rank = (self.policy.full if full else self.policy.lexical).probabilities(x)
        if not len(rank):
            return rank, 0.0
        row = confidence_features(rank, x, len(sig.unknown), sig.foreign)
        confidence = (self.policy.full_confidence if full else self.policy.lexical_confidence).probabilities(row)
        return rank, float(confidence)

    def _topic(self, reading: str, whole: np.ndarray, asks: frozenset[str]) -> tuple[int | None, bool]:
        """The entry a fact question is about: its best match once the words asking for the fact are
        taken out (하둡 팀은 몇 명이에요 -> 하둡 팀), if the lexical model finds it likely enough and so does
        the whole question's ranking ``whole``, or it is what the rest asks of a team the question names;
        and whether nothing but the fact words was left (근무 시간은 어떻게 되나요)."""
        left = without_cues(reading)
        if _POINTS_TO_A_PLACE.search(left) and not self.teams_named(left):
            # "거기 사람들 몇 명이에요?": about the team or company named before, whatever its words match
            # ("사람들" is not the interviewees' entry). Not when the question names the team too ("그 팀
            # 연봉은요? 하둡 팀이요"), nor for people or things pointed to ("그 분들 이름", "when was it
            # published": the interviewees and the interview hold those).
            return None, False
        if not left.strip() and _POINTS_TO_PEOPLE.search(reading):
            # "where are they based?": nothing left once the fact words are out, but the fact was asked of the
            # people pointed to, not of whatever entry the fact words alone match (the article's, for a place).
            return None, False
        # Measured by its words alone: the static table's mean of a word or two is noise ("인터뷰 꺼임", what is
        # left of "인터뷰 몇년도꺼임?", leaned away from the interview's entry by it).
        rest = self.signals(left, semantic=False, static=False)
        if rest is None or (rest.content == 0 and not _POINTS_BACK.search(left)):
            return None, True
        rank, confidence = self.estimate(rest)
        best = int(np.argmax(rank))
        if (
            asks == {"name"}
            and _POINTS_TO_PEOPLE.search(left)
            and all(is_filler(w) for w in _POINTS_TO_PEOPLE.sub(" ", left).split())
            and best == int(np.argmax(whole))
        ):
            # "그 분들 이름이 뭐예요?": the names of the people pointed back to, and nothing else left ("분들" leans to
            # the interviewees' entry, too weakly to be sure alone): whom the whole question matches best, if that
            # is likely. Only names: "그 사람들 몇 명이에요?" after a team's answer asks about the team's size.
            return (best if float(whole[best]) >= self.policy.levels.topic else None), False
        asked = self.asked_of_the_team(rest.reading, [int(e) for e in np.argsort(-rank, kind="stable")[:3]])
        if asked is not None:
            return asked[0], False  # "데이터플랫폼파트 인터뷰 언제 올라왔어요?": the interview's date
        # Both the entry's own estimate and the question's: "개발자는" alone leans to the interviewees' entry
        # (its phrasings say 개발자) without being about it; and what is left of "하둡 설치 방법" (하둡 방법) or
        # "야근 많아요" (많아요) is not what the whole asks about.
        likely = min(float(rank[best]), confidence, float(whole[best])) >= self.policy.levels.topic
        return (best if likely else None), False

    def decide(self, question: str) -> Decision:
        """Choose answer, clarify or fallback for a question."""
        return self.decide_signals(question, self.signals(question))

    def decide_signals(self, question: str, sig: Signals | None) -> Decision:
        """The decision for measured signals (decide() measures them; a caller that has them, skips that)."""
        if sig is None:
            return Decision("fallback", (), question, "", self.language_of(question), rule="no-words")
        # A question typed with the keyboard in English mode was meant in Korean.
        language = self.language_of(sig.reading if has_hangul(sig.reading) else question)
        p, confidence = self.estimate(sig)
        order = [int(e) for e in np.argsort(-p, kind="stable")[:5]]
        candidates = tuple(Candidate(self.kb.entries[e].id, round(100.0 * float(p[e]), 1)) for e in order)
        base = Decision(
            "fallback",
            candidates,
            question,
            sig.reading,
            language,
            sig.unknown,
            confidence=round(confidence, 4),
            rule="below-levels",
            embedded=sig.semantic is not None,
        )
        if not candidates:
            return base
        levels = self.policy.levels
        missing, topic = self.not_held(sig, p)
        if missing is not None:
            # The question wants a fact that entry does not hold: say so, never answer with it; the entry
            # comes first and is named when the question is plausibly about it.
            if topic is None:
                return replace(base, missing=missing, rule="not-held")
            first = Candidate(self.kb.entries[topic].id, round(100.0 * float(p[topic]), 1))
            ranked = _first(first, candidates)
            near = (first,) if self.kb.entries[topic].browse else ()
            return replace(base, candidates=ranked, missing=missing, options=near, rule="not-held")
        answer_level = levels.answer if sig.semantic is not None else levels.lexical_answer
        # "하둡이랑 스토리지": two teams named, the best one of them is a guess at which was meant.
        teams = self.teams_named(question) if order[0] in self._team_entries else []
        both = len(teams) > 1 and order[0] in teams
        if order[0] in self._about_bot and put_to_the_bot(sig.blocked):
            sig = replace(sig, blocked=())  # "너 뭐하는 봇이야?": the entry that speaks about the bot
        asked = self.asked_of_the_team(sig.reading, order)
        if asked is not None:
            # "하둡엔지니어링파트 분위기 어때요?": the team's name matched its entry, the rest asks for another.
            entry, team, likely = asked
            first = Candidate(self.kb.entries[entry].id, round(100.0 * likely, 1))
            ranked = _first(first, candidates)
            if self.answerable(sig):
                return replace(base, action="answer", candidates=ranked, rule="asked-of-team")
            pair = (first, Candidate(self.kb.entries[team].id, round(100.0 * float(p[team]), 1)))
            return replace(base, action="clarify", candidates=ranked, options=pair, rule="asked-of-team")
        sure = confidence >= answer_level
        if sure and self.answerable(sig) and self.leads(p) and not both:
            return replace(base, action="answer", rule="confident")
        theirs = None
        if not (sig.blocked or sig.names):
            theirs = self.named_team(question, WHAT_IT_DOES)
            if theirs is None:
                theirs = self.named_team(question, WHICH_TEAM)
        if theirs is not None and theirs in order[:3]:
            # "디에고는 어떤 일을 하나요?", "what does DJ do?", "디에고는 어느 팀이에요?": the team's entry names them
            # and says what it does.
            first = Candidate(self.kb.entries[theirs].id, round(100.0 * float(p[theirs]), 1))
            return replace(base, action="answer", candidates=_first(first, candidates), rule="names-a-team")
        offered = self.offered(p)
        if both:
            offered = sorted(dict.fromkeys([*teams, *offered]), key=lambda e: -p[e])[:3]
        options = tuple(Candidate(self.kb.entries[e].id, round(100.0 * float(p[e]), 1)) for e in offered)
        # Initials alone (ㅈㅇㅂㅂ) are typed on purpose, and the training questions hardly hold any:
        # what their initials match well is always offered (not a keyboard mash such as ㅁㄴㅇㄹ).
        initials = sig.how == "chosung" and bool(options) and options[0].score >= 50.0
        # Or no one entry is likely but the offered ones together are ("what do the teams do?").
        mass = sum(float(p[e]) for e in offered)
        if not sure:
            held = ""
        elif not self.answerable(sig):
            held = "-unanswerable"  # a word naming something unknown, a negation, another organisation
        elif both:
            held = "-two-teams"
        elif float(p.max()) <= 0.5:
            held = "-not-likely"  # the best entry's own probability is not above one half (leads)
        else:
            held = "-close-call"  # a second entry has at least half the best one's probability (leads)
        base = replace(base, mass=round(mass, 4))
        if options and (confidence >= levels.clarify or initials or mass >= levels.clarify_mass):
            kind = "clarify" if confidence >= levels.clarify else "initials" if initials else "clarify-mass"
            return replace(base, action="clarify", options=options, rule=kind + held)
        if not options and confidence >= levels.clarify:
            return replace(base, rule="nothing-to-offer" + held)  # sure of a greeting, or of nothing browsable
        return replace(base, rule="below-levels" + held)

    def _name_free_index(self) -> LexicalIndex:
        with self._name_free_lock:
            if self._name_free is None:
                self._name_free = LexicalIndex([self.subjects.without_teams(d) or d for d in self._clean_docs])
            return self._name_free

    def asked_of_the_team(self, reading: str, order: list[int]) -> tuple[int, int, float] | None:
        """(entry, team entry, the entry's probability) when a question names one team, its best entry is that
        team's, and the rest of it asks what another entry holds as of anyone ("하둡엔지니어링파트 분위기
        어때요?" asks the culture): the rest, asked alone, is answered with that entry, which is among the
        whole question's best three, and the team's entry is not asked so too, names aside."""
        if not order or order[0] not in self._team_entries or self.teams_named(reading) != [order[0]]:
            return None
        rest = self.subjects.without_teams(reading)
        if self.teams_named(rest):
            return None  # a person's name stands for the team too ("DJ님 팀 분위기"): not asked apart from it
        asked = _ABOUT_IT.sub(" ", WHAT_IT_DOES.sub(" ", rest))
        if not any(not is_filler(word) for word in tokens(clean(asked))):
            # "하둡팀 어디예요" once the fact words are out, "하둡엔지니어링파트는 뭐 하는 곳이에요",
            # "하둡 팀 업무 소개": nothing is asked of the team but what its own entry says (not measured: these
            # are the commonest questions about a team)
            return None
        measured = self.signals(rest)
        if measured is None:
            return None
        alone = self.decide_signals(rest, measured)
        best = self._index_of.get(alone.id or "", -1)
        team = order[0]
        if alone.action != "answer" or best not in self._asked_of_anyone or best not in order[:3]:
            return None
        # "하둡 쪽 일의 매력은?" is the team's: its entry holds what JG finds attractive, though "이 일의 매력"
        # alone asks what they find rewarding.
        near = np.zeros(len(self.kb.entries))
        np.maximum.at(near, self._doc_entry_array, self._name_free_index().search(clean(rest)))
        return (best, team, alone.candidates[0].score / 100.0) if near[team] < _SHARED * near[best] else None

    def named_team(self, question: str, asking: re.Pattern[str]) -> int | None:
        """The team entry of the one person or team a question names, when the question asks what ``asking``
        matches (what they do, which team they are on) and not where they came from."""
        named, _ = self.subjects.named(question)
        plain = plain_text(question)
        if len(named) != 1 or named[0] not in self._team_of or NOT_NOW.search(plain) or not asking.search(plain):
            return None
        return self._team_of[named[0]]

    def teams_named(self, question: str) -> list[int]:
        """The entries of the teams a question names (by a person's name, their team's or an alias)."""
        named = self.subjects.teams_in(question)
        return list(dict.fromkeys(self._team_of[pid] for pid in named if pid in self._team_of))

    def not_held(self, sig: Signals, rank: np.ndarray) -> tuple[str | None, int | None]:
        """The kind of fact a question asks for that the entry it is about does not hold, if any, and
        that entry when the question is plausibly about it (found without the fact words)."""
        if not sig.asks or not len(rank):
            return None, None
        topic, bare = self._topic(sig.reading, rank, sig.asks)
        about = topic
        if bare:
            # Nothing but the fact words ("근무 시간은 어떻게 되나요?", "마감일이 언제예요?"): about the entry the whole
            # question matches, if that is plausible (a recruiter's entry whose phrasings ask just that).
            best = int(np.argmax(rank))
            about = best if rank[best] >= self.policy.levels.topic else None
        # Else words that name no entry ("그 팀은 몇 명이에요?", "개발자는 몇 명이에요?"): no entry holds the fact for
        # them; the interviewees' entry holds how many were interviewed, not how many work on a team.
        held = self.covers[about] if about is not None else frozenset()
        if "name" in sig.asks - held:
            named = self.teams_named(sig.reading)
            if len(named) == 1 and about in (None, named[0]) and self._asks_their_name(sig.reading):
                # "하둡 팀 엔지니어 이름이 뭐예요?": the name of someone from a team the question names, and the team's
                # entry names who was interviewed from it (its phrasings do not ask names: "스토리지 시스템 이름이
                # 뭐예요?" still asks a name the interview does not give).
                about = topic = named[0]
                held = self.covers[about] | {"name"}
        missing = sorted(sig.asks - held, key=list(KINDS).index)
        return (missing[0], topic) if missing else (None, None)

    def _asks_their_name(self, reading: str) -> bool:
        """Whether a question asks nothing but the name of one person of the team it names (_A_PERSON; the
        person is counted before the team's name is taken out, which takes "기반기술셀 분" whole)."""
        left = without_cues(reading)
        if len(_A_PERSON.findall(left)) != 1 or _ALL.search(left) or NOT_THE_GIVEN_NAME.search(left):
            return False
        return _nothing_else_asked(self.subjects.without_teams(left))

    @staticmethod
    def asks_only_a_name(cleaned: str) -> bool:
        """Whether a cleaned text asks nothing but a name, of no one or of one person (이름이 뭐였죠, 엔지니어 이름은):
        asked back of a conversation's subject, the name its entry gives."""
        if asks(cleaned) != {"name"} or NOT_THE_GIVEN_NAME.search(cleaned) or _ALL.search(cleaned):
            return False
        left = without_cues(cleaned)
        return len(_A_PERSON.findall(left)) <= 1 and _nothing_else_asked(left)

    @staticmethod
    def answerable(sig: Signals) -> bool:
        """Whether a question may be answered outright at all, however sure the policy is.

        A word the knowledge base and the interview never use that names something (설치, ceph; not a
        verb such as 바뀌나요) may be what the question is about, and a negation or another organisation
        (하둡 팀 말고, 라인에 지원; bot.scope) turns the words that match into something else: offer
        options instead. Nor a question of nothing but
        "how" or "되나요", unless it is one of the phrasings word for word.
        """
        if sig.names or sig.blocked:
            return False
        return sig.content > 0 or float(sig.lexical.max(initial=0.0)) >= _EXACT

    @staticmethod
    def leads(rank: np.ndarray) -> bool:
        """Whether the best entry stands out: its probability (each entry's is estimated on its own; they
        need not add up to one) is above one half, and no other entry has half as much ("하둡이랑
        스토리지"), or it is likely (0.75) and well ahead (by 0.35: "경력 개발자 채용 지원 페이지 있어요?",
        apply 0.94 against hiring 0.54). A closer call is never answered outright, however confident the
        estimate that the best one is right; it gets "did you mean"."""
        if not len(rank):
            return False
        best = float(rank.max())
        second = float(np.partition(rank, -2)[-2]) if len(rank) > 1 else 0.0
        return best > 0.5 and (second < _SHARED * best or (best >= _SURE and best - second >= _MARGIN))

    def offered(self, rank: np.ndarray) -> list[int]:
        """The entries "did you mean" may offer, best first: at most three browsable ones, none far below
        the best (greetings and thanks are never offered for a question)."""
        levels = self.policy.levels
        order = [int(e) for e in np.argsort(-rank, kind="stable")[:3]]
        best = float(rank[order[0]]) if order else 0.0
        return [
            e
            for e in order
            if self.kb.entries[e].browse and rank[e] >= levels.option and rank[e] >= levels.option_ratio * best
        ]


# Words that point back to something named before ("거기 몇 명 있어요?", "how many do they have?"): a fact
# question with nothing else is about that, not about whichever entry its fact words match.
_POINTS_BACK = re.compile(
    r"(?<![가-힣])(?:거기|여기|저기|거긴|여긴|그곳|그쪽|이쪽|그\s*(?:팀|파트|셀|조직|부서|회사|분들?|사람들?))"
    r"|\b(?:there|they|them|it|that (?:team|part|cell|org|office|company))\b"
)


# ... of them, the ones that point to a place, team or company (never the interviewees or the interview).
_POINTS_TO_A_PLACE = re.compile(
    r"(?<![가-힣])(?:거기|저기|거긴|저긴|그곳|그쪽|그\s*(?:팀|파트|셀|조직|부서|회사))"
    r"|\b(?:there|that (?:team|part|cell|org|office|company))\b"
)


# ... and the ones that point to people (그 분들 이름이 뭐예요?).
_POINTS_TO_PEOPLE = re.compile(
    r"(?<![가-힣])(?:그|이|저|세)\s*(?:분|사람)들?(?=[은는이가을를도의께한에]|\s|$)"  # not 그 분야 (a field)
    r"|(?<![가-힣])(?:걔|얘|쟤)(?:네|들)(?=[은는이가을를도의]|\s|$)"
    r"|\b(?:they|them|their)\b"
)


# What asks for a team's own entry, once its name is out ("하둡 팀 업무 소개", "tell me about the storage team").
_ABOUT_IT = re.compile(
    r"(?<![가-힣])(?:업무|소개|설명|대해서?|관해서?|알려\s*(?:주세요|줘요?|주실\s*수|주시겠)|궁금해요|궁금합니다)"
    r"|\b(?:tell me about|what about|work on|works on|working on|explain|describe|introduce)\b"
)

# ... and the one person a team's entry names, whose name is asked and nothing else once the team's name, the
# name cue and fillers are out ("하둡 팀 엔지니어 이름이 뭐예요?", "스토리지 팀 인터뷰한 분들 이름은요?"): not someone
# described otherwise ("하둡 팀 관리하는 사람", "채용 담당 분", "시니어 엔지니어"), a thing they built ("엔지니어가 만든
# 시스템"), nor all of them ("엔지니어 이름 다 알려줘").
_A_PERSON = re.compile(
    r"(?:(?:인터뷰\s*(?:한|하신|했던)|나오신|나온)\s*(?:분|사람)들?"
    r"|(?<![가-힣])(?:분|사람|엔지니어|개발자|인터뷰이|주인공)(?:\s*(?:분|님))?)(?=[은는이가의]|\s|$)"
)
# Words that only ask (뭐임, 뭐였죠, 모에요, 알려줘요), beside the fillers.
_ASKING = re.compile(r"(?:뭐|무엇|알려|말해|가르쳐)\w*|모|머|모에요|머에요")
_ALL = re.compile(r"(?<![가-힣])(?:다|모두|전부|전원|다들)(?![가-힣])|\b(?:all|every\w*)\b")


def _nothing_else_asked(text: str) -> bool:
    """Whether a text, its fact words out, holds nothing but a person word (_A_PERSON), fillers and words that
    only ask."""
    return all(is_filler(w) or _ASKING.fullmatch(w) for w in tokens(clean(_A_PERSON.sub(" ", text))))


# A name other than the one the interview gives (진짜 이름, 풀네임, 한국 이름): not answered with an entry.
NOT_THE_GIVEN_NAME = re.compile(r"진짜|실제|본래|원래|풀\s*네임|한국|한글|\b(?:real|full|legal|korean)\b")

_BOT = re.compile(r"봇|\b(?:bot|chatbot)\b")


_UNIT_END = re.compile(r"[가-힣]+(?:실|팀|파트|셀|센터|본부)")


def _unit_names(kb: KnowledgeBase) -> list[str]:
    """Names of organisations in entry titles, up to the word that ends in a unit ("플랫폼/인프라실 소개" ->
    "플랫폼 인프라실"): a candidate shortens them as they do a team's (플인실)."""
    out = []
    for entry in kb.entries:
        for title in entry.title.values():
            words = clean(title).split()
            ends = [i for i, word in enumerate(words) if _UNIT_END.fullmatch(word)]
            if ends:
                out.append(" ".join(words[: ends[-1] + 1]))
    return out


def _also_does(reading: str, vocabulary: Vocabulary) -> bool:
    """Whether a question asks if a team also does something the knowledge base never mentions: an unknown
    name, then a word with 도 and a verb of doing (오브젝트 스토리지도 해요, 협업도 많이 해요), or in English
    "also"/"too" with such a verb (do they also handle kafka?)."""
    words = reading.split()
    seen_name = False
    for i, word in enumerate(words):
        seen_name = seen_name or bool(vocabulary.unknown_names(word))
        if seen_name and word.endswith("도") and len(word) > 1:
            rest = [w for w in words[i + 1 : i + 3] if w not in ("많이", "좀", "같이", "직접", "혹시")]
            if rest and ALSO_DOES.match(rest[0]):
                return True
    return bool(ALSO_EN.search(reading) and ALSO_EN_VERBS.search(reading) and vocabulary.unknown_names(reading))


def _spread(scores: dict[int, float], n: int) -> np.ndarray:
    """Per entry scores of the entries the embedding stage looked at; the others count as the least
    similar it saw."""
    out = np.full(n, min(scores.values()))
    for e, score in scores.items():
        out[e] = score
    return out


@functools.lru_cache(maxsize=1)
def default_policy() -> Policy:
    """The policy fitted by bench/tune.py and shipped as bot/policy.json."""
    return Policy.load()
