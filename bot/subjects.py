"""Who a message names: the people of faq.yaml's people: section and their teams, found by name.

"하둡이랑 스토리지" names two teams, "JG님은요?" one person; the matcher and the conversation follower
both ask this module.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.knowledge import KnowledgeBase, Person

# A team word and an honorific may follow a name (하둡 파트 분이, 디에고님).
_TEAM_WORDS = (
    r"(?:\s*(?:팀|파트|셀|쪽)(?=$|[^가-힣]|[은는이가을를의도요과와랑분님]))?"
    r"(?:\s*(?:분|님|씨)(?=$|[^가-힣]|[은는이가을를께의도요과와랑한]))?"
)


def fold_text(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


def plain_text(text: str) -> str:
    """Lower case, no punctuation, single spaces (the text references and picks are looked for in)."""
    return " ".join(re.sub(r"[^\w#]+", " ", fold_text(text)).split())


@dataclass(frozen=True)
class Subjects:
    """Who can be talked about: people with their team's topic, found by name in a message."""

    people: tuple[Person, ...]
    _patterns: tuple[tuple[re.Pattern[str], str], ...]  # (how a name is found, person id), longest first

    @classmethod
    def of(cls, kb: KnowledgeBase) -> Subjects:
        """The people with a topic (entries about their team) of a knowledge base."""
        people = tuple(p for p in kb.people.values() if p.topic is not None)
        found: list[tuple[int, re.Pattern[str], str]] = []
        for person in people:
            for name in person.names():
                words = plain_text(name).split()
                if not words:
                    continue
                joined = "".join(words)
                if joined.isascii():
                    # Latin names are whole words (dj, not the dj of django), spaced as typed or not.
                    body = r"\s*".join(map(re.escape, words))
                    pattern = re.compile(rf"(?<![a-z0-9]){body}(?![a-z0-9])")
                else:
                    # ... with the team word and honorific after it (하둡 파트 분이, 디에고님)
                    pattern = re.compile(r"\s*".join(map(re.escape, joined)) + _TEAM_WORDS)
                found.append((len(joined), pattern, person.id))
        found.sort(key=lambda f: -f[0])
        return cls(people, tuple((p, pid) for _, p, pid in found))

    def named(self, text: str) -> tuple[list[str], str]:
        """Person ids named in the text (in order of appearance) and the text with their names cut out."""
        plain = plain_text(text)
        hits: list[tuple[int, str]] = []
        for pattern, pid in self._patterns:
            for m in pattern.finditer(plain):
                hits.append((m.start(), pid))
            plain = pattern.sub(" ", plain)
        ordered = [pid for _, pid in sorted(hits)]
        return list(dict.fromkeys(ordered)), " ".join(plain.split())
