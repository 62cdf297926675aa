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


# "디에고는 무슨 팀이에요?", "which team is DJ on?": the named person's team (faq.yaml's people: topic).
WHICH_TEAM = re.compile(
    r"(?:무슨|어느|어떤|어디)\s*(?:팀|파트|셀|부서|조직)|(?:어디|어느\s*곳)\s*소속|소속\s*(?:이|은|팀)"
    r"|\b(?:which|what)\s+(?:team|part|cell|group|org)\b"
)
# "뭐 하는 곳이에요?", "어떤 일 해요?", "what do they do?": what the subject does, which is its own entry (the
# office's entry is phrased so too, yet "그 팀은 뭐 하는 곳이에요?" is not about the office).
WHAT_IT_DOES = re.compile(
    r"(?:뭐|뭘|무엇을?|무슨\s*일을?|어떤\s*일을?)\s*(?:하는\s*(?:팀|곳|데|조직|부서|파트|셀|분)|해요|해$|하나요|하세요"
    r"|하시나요|함$|한대요?|하는데요?|하는\s*거)|하는\s*일(?:이|은)?\s*(?:뭐|무엇)"
    r"|\bwhat\s+(?:do|does)\s+(?:it|they|he|she|the\s+\w+|\w+)\s+do\b"
)
NOT_NOW = re.compile(r"출신|전에|이전|전\s*직장|예전|before|previous")  # which team they came from: not said
_HANGUL = re.compile(r"[가-힣]")
_TEAM_WORDS_RE = re.compile(_TEAM_WORDS + "$")
_TEAM_WORD_AFTER = re.compile(r"(?:팀|파트|셀|team|part|cell)\s*(?:분|님|씨)?$")
# What may stand between two names that are asked about together: a particle or word joining them.
_JOINED = re.compile(r"\s*(?:이랑|랑|하고|와|과|및|이나|나|vs|and|or)?\s*")  # punctuation is gone in plain_text


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
    _plain_names: frozenset[str] = frozenset()  # names that always mean the team: people's and teams' own
    _team_names: frozenset[str] = frozenset()  # ... the teams' own

    @classmethod
    def of(cls, kb: KnowledgeBase) -> Subjects:
        """The people with a topic (entries about their team) of a knowledge base."""
        people = tuple(p for p in kb.people.values() if p.topic is not None)
        found: list[tuple[int, re.Pattern[str], str]] = []
        own = {plain_text(n).replace(" ", "") for p in people for n in (p.name, *p.team.values())}
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
        teams = {plain_text(n).replace(" ", "") for p in people for n in p.team.values()}
        return cls(people, tuple((p, pid) for _, p, pid in found), frozenset(own), frozenset(teams))

    def teams_in(self, text: str) -> list[str]:
        """Person ids whose team the text names as a team: by a person's or a team's own name, or by an
        alias with a team word (하둡 팀, storage team) or beside another team (하둡이랑 스토리지). A bare
        alias that is also a technology (하둡 써요?, what does the Hadoop team do with storage?) is not, nor
        one inside a longer word (빅데이터 플랫폼)."""
        return list(dict.fromkeys(pid for _, _, pid, _ in self._team_hits(plain_text(text))))

    def without_teams(self, text: str) -> str:
        """The text without the names of teams (기반기술셀, 하둡팀, storage team); people's names stay, as what
        is asked may be about them: "기반기술셀 디에고님 성향" -> "디에고님 성향"."""
        plain = plain_text(text)
        kept, last = [], 0
        for start, end, _, team in self._team_hits(plain):
            if team:
                kept.append(plain[last:start])
                last = end
        kept.append(plain[last:])
        return " ".join(" ".join(kept).split())

    def _team_hits(self, plain: str) -> list[tuple[int, int, str, bool]]:
        """(start, end, person id, named by a team's name or with a team word) of each name of a team as a
        team in a plain text, in order."""
        hits: list[tuple[int, int, str]] = []
        taken = [False] * len(plain)
        for pattern, pid in self._patterns:
            for m in pattern.finditer(plain):
                if any(taken[m.start() : m.end()]):
                    continue
                if m.start() > 0 and _HANGUL.match(plain[m.start() - 1]):
                    continue  # 빅데이터 플랫폼: inside a word
                hits.append((m.start(), m.end(), pid))
                taken[m.start() : m.end()] = [True] * (m.end() - m.start())
        hits.sort()
        out = []
        for i, (start, end, pid) in enumerate(hits):
            found = plain[start:end]
            bare = _TEAM_WORDS_RE.sub("", found).replace(" ", "")
            team = bool(_TEAM_WORD_AFTER.search(found)) or bare in self._team_names
            if team or bare in self._plain_names or self._next_to_another(hits, i, plain):
                out.append((start, end, pid, team))
        return out

    @staticmethod
    def _next_to_another(hits: list[tuple[int, int, str]], i: int, plain: str) -> bool:
        """Whether a name stands right beside another team's name, joined by 이랑, and, vs (하둡이랑 스토리지)."""
        pid = hits[i][2]
        for j in (i - 1, i + 1):
            if 0 <= j < len(hits) and hits[j][2] != pid:
                a, b = (hits[j], hits[i]) if j < i else (hits[i], hits[j])
                if _JOINED.fullmatch(plain[a[1] : b[0]]):
                    return True
        return False

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
