"""Character and keystroke n-gram TF-IDF over phrasings: the fast, dependency-free first stage.

Features of a cleaned text: word-bounded syllable n-grams (1-3, as scikit-learn's ``char_wb``),
word-bounded 2-beolsik keystroke trigrams (a typo inside a syllable changes one key, not the whole
syllable), spacing-free syllable bigrams (지원방법 = 지원 방법) and stemmed tokens. Weights are
sublinear TF x smoothed IDF, L2-normalised; search walks an inverted index.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from functools import lru_cache

import numpy as np

from bot.normalize import to_keys, tokens

_KEY_WEIGHT = 1.0
_COMPACT_WEIGHT = 0.5
_TOKEN_WEIGHT = 1.0


@lru_cache(maxsize=8192)
def _word_features(word: str) -> tuple[tuple[str, float], ...]:
    """Syllable n-grams and keystroke trigrams of one word (words repeat across phrasings: cached)."""
    f: dict[str, float] = defaultdict(float)
    padded = f" {word} "
    # A single Latin letter says nothing and sits in every English phrasing's posting list.
    for n in (1, 2, 3) if not word.isascii() else (2, 3):
        for i in range(len(padded) - n + 1):
            f["s" + padded[i : i + n]] += 1
    keys = f" {to_keys(word)} "
    for i in range(len(keys) - 2):
        f["k" + keys[i : i + 3]] += _KEY_WEIGHT
    return tuple(f.items())


def _word_token(word: str) -> str | None:
    """The stemmed-token feature of one word, if stemming leaves anything."""
    stemmed = tokens(word)
    return "w" + stemmed[0] if stemmed else None


def _compact_keys(words: list[str]) -> list[str]:
    """Spacing-free syllable bigrams (지원방법 = 지원 방법)."""
    compact = "".join(words)
    return ["c" + compact[i : i + 2] for i in range(len(compact) - 1)]


@lru_cache(maxsize=64)  # a question is searched in several indexes in a row (phrasings, passages, names cut out)
def features(text: str) -> dict[str, float]:
    """N-gram and token counts of an already-cleaned text (cached: do not change the dict returned)."""
    f: dict[str, float] = {}
    words = text.split()
    for word in words:
        for key, count in _word_features(word):
            f[key] = f.get(key, 0.0) + count
    for key in _compact_keys(words):
        f[key] = f.get(key, 0.0) + _COMPACT_WEIGHT
    for key in filter(None, map(_word_token, words)):
        f[key] = f.get(key, 0.0) + _TOKEN_WEIGHT
    return f


def _tf(counts: np.ndarray) -> np.ndarray:
    """Sublinear term frequency; fractional weights (below 1) count as they are."""
    return np.where(counts >= 1, 1.0 + np.log(np.maximum(counts, 1.0)), counts)


# Feature strings get process-wide ids so that a phrasing's features can be cached as two small arrays
# (about 1 KB) and re-used by every rebuild: a reload after a small edit recomputes almost nothing.
_FEATURE_IDS: dict[str, int] = {}
_FEATURE_IDS_LOCK = threading.Lock()


def _feature_id(key: str) -> int:
    # Callers hold _FEATURE_IDS_LOCK: two builds must never give one id to two features.
    fid = _FEATURE_IDS.get(key)
    if fid is None:
        fid = _FEATURE_IDS[key] = len(_FEATURE_IDS)
    return fid


@lru_cache(maxsize=8192)
def _word_arrays(word: str) -> tuple[np.ndarray, np.ndarray, int]:
    """A word's n-gram feature ids and counts, and the id of its stemmed token."""
    f = _word_features(word)
    ids = np.fromiter((_feature_id(k) for k, _ in f), dtype=np.int64, count=len(f))
    counts = np.fromiter((c for _, c in f), dtype=np.float64, count=len(f))
    token = _word_token(word)
    return ids, counts, _feature_id(token) if token else -1


@lru_cache(maxsize=32_768)
def _doc_arrays(text: str) -> tuple[np.ndarray, np.ndarray]:
    """features(text) as (sorted feature ids, counts): the same numbers, built from cached words."""
    words = text.split()
    with _FEATURE_IDS_LOCK:
        parts = [_word_arrays(w) for w in words]
        extra = [_feature_id(key) for key in _compact_keys(words)]
    token_ids = [t for _, _, t in parts if t >= 0]
    ids = np.concatenate([p[0] for p in parts] + [np.asarray(extra + token_ids, dtype=np.int64)])
    counts = np.concatenate(
        [p[1] for p in parts] + [np.full(len(extra), _COMPACT_WEIGHT), np.full(len(token_ids), _TOKEN_WEIGHT)]
    )
    uniq, inverse = np.unique(ids, return_inverse=True)  # a feature shared by two words counts twice
    return uniq, np.bincount(inverse, weights=counts, minlength=len(uniq))


class LexicalIndex:
    """TF-IDF cosine search over a fixed list of cleaned documents.

    Built with numpy from cached per-phrasing arrays, and stored as one CSR-like posting array per
    feature, so a 12,000-phrasing rebuild is a few array operations.
    """

    def __init__(self, docs: list[str]) -> None:
        arrays = [_doc_arrays(d) for d in docs]
        n = len(docs)
        ids = np.concatenate([a[0] for a in arrays]) if arrays else np.zeros(0, dtype=np.int64)
        counts = np.concatenate([a[1] for a in arrays]) if arrays else np.zeros(0)
        doc_of = np.repeat(np.arange(n, dtype=np.int32), [len(a[0]) for a in arrays])
        space = int(ids.max()) + 1 if len(ids) else 0  # ids are process-wide; this index knows those below
        df = np.bincount(ids, minlength=space)  # a feature appears once per document's counts
        idf = np.log((n + 1) / (df + 1)) + 1.0
        self._unseen_idf = math.log(n + 1) + 1.0
        weights = _tf(counts) * idf[ids]
        norms = np.sqrt(np.bincount(doc_of, weights * weights, minlength=n))
        weights /= np.where(norms > 0, norms, 1.0)[doc_of]
        order = np.argsort(ids, kind="stable")
        self._docs = doc_of[order]
        self._weights = weights[order].astype(np.float32)
        self._starts = np.concatenate(([0], np.cumsum(df))).astype(np.int64)
        self._idf = np.where(df > 0, idf, self._unseen_idf)
        self._space = space
        self.size = n

    def search(self, text: str) -> np.ndarray:
        """Cosine similarity (0-1) of the text with every document, as an array indexed by document.

        The question's vector is sublinear TF x IDF, L2-normalised; features the index has never seen
        still count in the norm (a question with much the index does not know must not look like a
        perfect match for the little it shares). Every posting list the question touches is gathered and
        summed per document in one pass (np.bincount), not one numpy call per feature."""
        counts = features(text)
        if not counts:
            return np.zeros(self.size, dtype=np.float32)
        fids = np.fromiter((_FEATURE_IDS.get(k, self._space) for k in counts), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        known = fids < self._space
        idf = np.full(len(fids), self._unseen_idf)
        idf[known] = self._idf[fids[known]]
        weights = np.where(tf >= 1, 1.0 + np.log(np.maximum(tf, 1.0)), tf) * idf
        weights /= math.sqrt(sum(w * w for w in weights.tolist())) or 1.0  # summed in order, as always
        fids, weights = fids[known], weights[known]
        starts, ends = self._starts[fids], self._starts[fids + 1]
        lengths = ends - starts
        scores = np.zeros(self.size, dtype=np.float32)
        total = int(lengths.sum())
        if not total:
            return scores
        # The positions of every touched posting, as one index array: start of each list, then +1, +2, ...
        firsts = np.cumsum(lengths) - lengths
        at = np.arange(total) + np.repeat(starts - firsts, lengths)
        # float32 products added in feature order: the very numbers the per-feature loop gave.
        np.add.at(scores, self._docs[at], self._weights[at] * np.repeat(weights.astype(np.float32), lengths))
        return scores
