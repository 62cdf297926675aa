"""The interview the knowledge base quotes: its header (title, publisher, date, URL) and its text.

faq.yaml names the file with ``source:``; every quote must appear in its body word for word. The
comparison forgives only what copying text cannot be expected to keep: runs of whitespace and line
breaks, and typographic quote marks (‘’“” vs '").

File format: ``key: value`` header lines, a line ``---``, then the body as published.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from rapidfuzz import fuzz

_HEADER_RE = re.compile(r"^([a-z_]+):\s*(.*)$")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "「": '"', "」": '"'})
_SPACE_RE = re.compile(r"\s+")
HEADER_KEYS = ("title", "publisher", "date", "url")


def _canonical(text: str) -> str:
    """Whitespace removed and quote marks made plain: what "verbatim" compares."""
    return _SPACE_RE.sub("", text.translate(_QUOTES))


@dataclass(frozen=True)
class Interview:
    """The published interview: header fields and body text."""

    header: Mapping[str, str]
    body: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "_canonical", _canonical(self.body))

    @classmethod
    def parse(cls, text: str) -> Interview:
        """Split header and body; ValueError names what is missing."""
        head, sep, body = text.partition("\n---\n")
        if not sep:
            raise ValueError("no '---' line between the header (title, publisher, date, url) and the text")
        header: dict[str, str] = {}
        for line in head.splitlines():
            match = _HEADER_RE.match(line.strip())
            if match:
                header[match.group(1)] = match.group(2).strip()
        missing = [k for k in HEADER_KEYS if not header.get(k)]
        if missing:
            raise ValueError(f"the header lacks {', '.join(missing)}")
        if not body.strip():
            raise ValueError("the text after '---' is empty")
        return cls(MappingProxyType(header), body)

    def contains(self, quote: str) -> bool:
        """True when the quote is in the body, verbatim up to whitespace and quote marks."""
        needle = _canonical(quote)
        return bool(needle) and needle in self._canonical  # type: ignore[attr-defined]

    def closest(self, quote: str, width: int = 60) -> str:
        """The passage of the body most like the quote (for "did you mean"), shortened to ``width``."""
        flat = _SPACE_RE.sub(" ", self.body).strip()
        hit = fuzz.partial_ratio_alignment(_SPACE_RE.sub(" ", quote).strip(), flat)
        if hit is None:
            return ""
        passage = flat[hit.dest_start : hit.dest_end].strip()
        return passage if len(passage) <= width else passage[: width - 1].rstrip() + "…"
