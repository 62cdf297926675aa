"""Character and keystroke n-gram TF-IDF over phrasings: the fast, dependency-free first stage.

Features of a cleaned text: word-bounded syllable n-grams (1-3, as scikit-learn's ``char_wb``),
word-bounded 2-beolsik keystroke trigrams (a typo inside a syllable changes one key, not the whole
syllable), spacing-free syllable bigrams (지원방법 = 지원 방법) and stemmed tokens. Weights are
sublinear TF x smoothed IDF, L2-normalised; search walks an inverted index.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np

from bot.normalize import to_keys, tokens

_KEY_WEIGHT = 1.0
_COMPACT_WEIGHT = 0.5
_TOKEN_WEIGHT = 1.0


def features(text: str) -> Counter[str]:
    """N-gram and token counts of an already-cleaned text."""
    f: Counter[str] = Counter()
    words = text.split()
    for word in words:
        padded = f" {word} "
        # A single Latin letter says nothing and sits in every English phrasing's posting list.
        for n in (1, 2, 3) if not word.isascii() else (2, 3):
            for i in range(len(padded) - n + 1):
                f["s" + padded[i : i + n]] += 1
        keys = f" {to_keys(word)} "
        for i in range(len(keys) - 2):
            f["k" + keys[i : i + 3]] += _KEY_WEIGHT
    compact = "".join(words)
    for i in range(len(compact) - 1):
        f["c" + compact[i : i + 2]] += _COMPACT_WEIGHT
    for tok in tokens(text):
        f["w" + tok] += _TOKEN_WEIGHT
    return f


class LexicalIndex:
    """TF-IDF cosine search over a fixed list of cleaned documents."""

    def __init__(self, docs: list[str]) -> None:
        counted = [features(d) for d in docs]
        df: Counter[str] = Counter()
        for f in counted:
            df.update(f.keys())
        n = len(docs)
        self._idf = {k: math.log((n + 1) / (v + 1)) + 1.0 for k, v in df.items()}
        self._unseen_idf = math.log(n + 1) + 1.0
        postings: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for i, f in enumerate(counted):
            for key, weight in self._vector(f).items():
                docs, weights = postings[key]
                docs.append(i)
                weights.append(weight)
        # numpy postings: a query adds a whole posting list in one vectorised step.
        self._postings = {
            k: (np.asarray(d, dtype=np.int32), np.asarray(w, dtype=np.float32)) for k, (d, w) in postings.items()
        }
        self.size = n

    def _vector(self, counts: Counter[str]) -> dict[str, float]:
        """Sublinear TF x IDF, L2-normalised. Features the index has never seen still count in the norm:
        a question with much the index does not know must not look like a perfect match for the little
        it shares."""
        vec = {k: (1.0 + math.log(c) if c >= 1 else c) * self._idf.get(k, self._unseen_idf) for k, c in counts.items()}
        norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
        return {k: w / norm for k, w in vec.items()}

    def search(self, text: str) -> np.ndarray:
        """Cosine similarity (0-1) of the text with every document, as an array indexed by document."""
        scores = np.zeros(self.size, dtype=np.float32)
        for key, weight in self._vector(features(text)).items():
            posting = self._postings.get(key)
            if posting is not None:
                scores[posting[0]] += posting[1] * weight
        return scores
