"""Work a start-up would repeat on every run, kept on disk: which kinds of fact each faq.yaml phrasing
asks for (bot.facts.asks, run over every phrasing to know what each entry holds).

That is most of what building the matcher costs on a fresh process (~0.7 s for the shipped faq.yaml),
and its answer depends only on the phrasing and on the code of bot/facts.py and bot/normalize.py: the
file is named after a digest of that code, so a changed rule never reads a stale answer. A missing,
damaged or unwritable file only means the work is done again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from pathlib import Path

from bot import facts, normalize, vocabulary

logger = logging.getLogger(__name__)


def _code_digest() -> str:
    """What facts.asks depends on: its rules, the normaliser, the vocabulary and the word lists they read."""
    digest = hashlib.sha256()
    for module in (facts, normalize, vocabulary):
        digest.update(Path(module.__file__ or "").read_bytes())
    for data in ("loanwords.tsv", "words.txt"):
        digest.update(Path(facts.__file__ or "").with_name(data).read_bytes())
    return digest.hexdigest()[:16]


class AsksMemo:
    """facts.asks, remembered between runs in ``folder`` (None: in memory only)."""

    def __init__(self, folder: Path | None) -> None:
        self._lock = threading.Lock()
        self._known: dict[str, frozenset[str]] = {}
        self._dirty = False
        self.path = folder / f"facts-{_code_digest()}.json" if folder is not None else None
        if self.path is None:
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            known = {text: frozenset(kinds) for text, kinds in data.items()}
            if not all(isinstance(t, str) and isinstance(k, list) for t, k in data.items()):
                raise ValueError("not a map of texts to lists of kinds")
            self._known = known
        except FileNotFoundError:
            pass
        except (OSError, ValueError, TypeError, AttributeError) as exc:  # unreadable, damaged, a folder we can't enter
            logger.warning("ignoring unreadable cache %s: %s", self.path, exc)

    def asks(self, text: str) -> frozenset[str]:
        """The kinds of fact a cleaned text asks for (bot.facts.asks)."""
        with self._lock:
            known = self._known.get(text)
        if known is not None:
            return known
        found = facts.asks(text)
        with self._lock:
            self._known[text] = found
            self._dirty = True
        return found

    def save(self) -> None:
        """Write what was learnt (atomically); failures are logged, never raised."""
        with self._lock:
            if self.path is None or not self._dirty:
                return
            data = {text: sorted(kinds) for text, kinds in self._known.items()}
            self._dirty = False
        tmp = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False)
            os.replace(tmp, self.path)
            tmp = None
        except OSError as exc:
            logger.warning("cannot write cache %s: %s", self.path, exc)
        finally:
            if tmp is not None:  # a write that failed half-way leaves nothing behind
                Path(tmp).unlink(missing_ok=True)
