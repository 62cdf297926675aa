"""faq.yaml text -> a validated, immutable KnowledgeBase.

Validation walks PyYAML's composed nodes, so every problem carries the file, line and column of the
node at fault, and all problems are reported at once. Required keys: ``id``, ``questions`` and
``answer`` per entry; everything else is optional so that a recruiter can add an entry with only those.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.errors import KnowledgeBaseError, Problem
from bot.normalize import clean
from bot.source import Interview

_ID_RE = re.compile(r"^[a-z0-9-]+$")
MAX_ID_LENGTH = 40
# Limits that keep an accidental paste (a 50 MB log, a whole book as an answer) from stalling the bot.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ENTRIES = 10_000
MAX_TEXT = 20_000  # characters in one answer, quote or phrasing
# libyaml's loader (shipped in PyYAML's wheels) composes a 1,000-entry file ~9x faster, with the same
# node marks; the pure-Python one is the fallback where PyYAML was built without it.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_URL_RE = re.compile(r"^https?://\S+$")
_LANG_RE = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True)
class Person:
    """Someone quoted in the interview."""

    id: str
    name: str
    team: Mapping[str, str]
    topic: str | None = None  # the entry about their team: what "그 팀은요?" means in a conversation
    aliases: tuple[str, ...] = ()  # other ways candidates name them or their team (하둡 팀, hadoop)

    def names(self) -> tuple[str, ...]:
        """Every way to name this person or their team: the name, the team in each language, the aliases."""
        return tuple(dict.fromkeys([self.name, *self.team.values(), *self.aliases]))


@dataclass(frozen=True)
class Quote:
    """Words copied verbatim from the interview, attributed to a person id."""

    by: tuple[str, ...]
    text: str
    translation: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    at: tuple[int, int] = field(default=(1, 1), compare=False)  # line, column of the text in faq.yaml


@dataclass(frozen=True)
class Entry:
    """One FAQ topic: how candidates ask it and what the bot answers."""

    id: str
    questions: Mapping[str, tuple[str, ...]]
    answer: Mapping[str, str]
    title: Mapping[str, str]
    quotes: tuple[Quote, ...] = ()
    related: tuple[str, ...] = ()
    browse: bool = True

    def phrasings(self) -> list[str]:
        """Every phrasing, all languages."""
        return [q for qs in self.questions.values() for q in qs]


@dataclass(frozen=True)
class KnowledgeBase:
    """A validated knowledge base; build it with :func:`parse` or :func:`load`."""

    languages: tuple[str, ...]
    apply_url: str
    people: Mapping[str, Person]
    entries: tuple[Entry, ...]
    source: str = "faq.yaml"
    version: int = 1
    interview: Interview | None = field(default=None, compare=False)  # what the quotes were checked against
    interview_path: Path | None = field(default=None, compare=False)  # where it was read (reloads watch it)
    _by_id: Mapping[str, Entry] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", MappingProxyType({e.id: e for e in self.entries}))

    def entry(self, entry_id: str) -> Entry:
        """The entry with this id (KeyError if there is none)."""
        return self._by_id[entry_id]

    def get(self, entry_id: str) -> Entry | None:
        """The entry with this id, or None."""
        return self._by_id.get(entry_id)

    def summary(self) -> str:
        """One line: entries, phrasings, languages."""
        phrasings = sum(len(e.phrasings()) for e in self.entries)
        return (
            f"{self.source}: ok: {len(self.entries)} entries, {phrasings} phrasings, "
            f"languages: {', '.join(self.languages)}"
        )


class _Checker:
    """Collects problems while turning composed YAML nodes into dataclasses."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def fail(self, node: Node | None, message: str) -> None:
        line, col = (node.start_mark.line + 1, node.start_mark.column + 1) if node is not None else (1, 1)
        self.problems.append(Problem(self.source, line, col, message))

    def mapping(self, node: Node, what: str, allowed: set[str], required: set[str]) -> dict[str, tuple[Node, Node]]:
        """Keys of a mapping node -> (key node, value node); reports unknown, duplicate and missing keys."""
        if not isinstance(node, MappingNode):
            self.fail(node, f"{what} must be a mapping")
            return {}
        found: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if key is None:
                self.fail(key_node, f"{what}: keys must be plain words")
            elif key in found:
                self.fail(key_node, f"{what}: key '{key}' appears twice")
            elif allowed and key not in allowed:
                hint = _closest(key, allowed)
                self.fail(
                    key_node,
                    f"{what}: unknown key '{key}'"
                    + (f" (did you mean '{hint}'?)" if hint else "")
                    + f"; allowed: {', '.join(sorted(allowed))}",
                )
            else:
                found[key] = (key_node, value_node)
        for key in sorted(required - found.keys()):
            self.fail(node, f"{what}: '{key}' is missing")
        return found

    def text(self, node: Node, what: str) -> str | None:
        if not isinstance(node, ScalarNode) or node.tag != "tag:yaml.org,2002:str":
            if isinstance(node, ScalarNode) and node.value and node.tag != "tag:yaml.org,2002:null":
                return node.value  # numbers and booleans written bare still read as their text
            self.fail(node, f"{what} must be text")
            return None
        if not node.value.strip():
            self.fail(node, f"{what} is empty")
            return None
        if len(node.value) > MAX_TEXT:
            self.fail(node, f"{what} is {len(node.value):,} characters long; keep it under {MAX_TEXT:,}")
            return None
        return node.value.strip()

    def seq(self, node: Node, what: str) -> list[Node]:
        if not isinstance(node, SequenceNode):
            self.fail(node, f"{what} must be a list")
            return []
        return list(node.value)

    def per_language(self, node: Node, what: str, languages: tuple[str, ...]) -> dict[str, str]:
        keys = self.mapping(node, what, set(languages), set(languages))
        out = {}
        for lang, (_, value) in keys.items():
            text = self.text(value, f"{what} '{lang}'")
            if text is not None:
                out[lang] = text
        return out


def _closest(word: str, options: set[str]) -> str | None:
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    hit = process.extractOne(word, sorted(options), scorer=Levenshtein.normalized_similarity, score_cutoff=0.5)
    return hit[0] if hit else None


_TOP_KEYS = {"version", "languages", "apply_url", "people", "entries", "source"}
_ENTRY_KEYS = {"id", "questions", "answer", "title", "quotes", "related", "browse"}


def parse(text: str, source: str = "faq.yaml", base: Path | None = None) -> KnowledgeBase:
    """Validate faq.yaml text; raise KnowledgeBaseError listing every problem.

    The interview named by ``source:`` is read relative to ``base`` (default: the file's folder), and
    every quote is checked against it.
    """
    chk = _Checker(source)
    try:
        try:
            root = yaml.compose(text, Loader=_LOADER)
        except yaml.YAMLError:
            # The pure-Python loader words syntax errors better ("expected ',' or ']', but got ':'").
            root = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise KnowledgeBaseError([Problem(source, 1, 1, "YAML nested too deeply to be a knowledge base")]) from None
    except yaml.reader.ReaderError as exc:  # a control character such as NUL, at a character position
        line, col = _position(text, exc.position)
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        problem = f"character U+{code:04X} is not allowed in YAML; remove it"
        raise KnowledgeBaseError([Problem(source, line, col, problem)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise KnowledgeBaseError([Problem(source, line, col, f"YAML syntax error: {problem}")]) from None
    except yaml.YAMLError as exc:
        raise KnowledgeBaseError([Problem(source, 1, 1, f"YAML error: {exc}")]) from None
    if root is None:
        raise KnowledgeBaseError(
            [Problem(source, 1, 1, "the file is empty; it needs 'languages', 'apply_url' and 'entries'")]
        )
    top = chk.mapping(root, "top level", _TOP_KEYS, {"languages", "apply_url", "entries"})

    version = 1
    if "version" in top:
        node = top["version"][1]
        if not (isinstance(node, ScalarNode) and node.value == "1"):
            chk.fail(node, "version: only version 1 is supported")

    languages: tuple[str, ...] = ()
    if "languages" in top:
        langs = [chk.text(n, "languages item") for n in chk.seq(top["languages"][1], "languages")]
        for n, lang in zip(top["languages"][1].value, langs, strict=False):
            if lang is not None and not _LANG_RE.match(lang):
                chk.fail(n, f"languages: '{lang}' is not a language code such as 'ko' or 'en'")
        languages = tuple(dict.fromkeys(lang for lang in langs if lang))
        if not languages and isinstance(top["languages"][1], SequenceNode):
            chk.fail(top["languages"][1], "languages: list at least one language, e.g. [ko, en]")

    apply_url = ""
    if "apply_url" in top:
        node = top["apply_url"][1]
        apply_url = chk.text(node, "apply_url") or ""
        if apply_url and not _URL_RE.match(apply_url):
            chk.fail(node, f"apply_url: '{apply_url}' is not an http(s) link")

    pending_links: list[tuple[Node, str, str]] = []  # (node, whose, entry id) checked once entries are read
    people: dict[str, Person] = {}
    if "people" in top:
        node = top["people"][1]
        for pid, (key_node, value) in chk.mapping(node, "people", set(), set()).items():
            if not _ID_RE.match(pid):
                chk.fail(key_node, f"people: id '{pid}' may use only a-z, 0-9 and '-'")
            fields = chk.mapping(value, f"person '{pid}'", {"name", "team", "topic", "aliases"}, {"name", "team"})
            name = chk.text(fields["name"][1], f"person '{pid}': name") if "name" in fields else None
            team = chk.per_language(fields["team"][1], f"person '{pid}': team", languages) if "team" in fields else {}
            topic = chk.text(fields["topic"][1], f"person '{pid}': topic") if "topic" in fields else None
            if topic is not None:
                pending_links.append((fields["topic"][1], f"person '{pid}': topic", topic))
            aliases = []
            for anode in chk.seq(fields["aliases"][1], f"person '{pid}': aliases") if "aliases" in fields else []:
                alias = chk.text(anode, f"person '{pid}': alias")
                if alias is not None:
                    aliases.append(alias)
            if name:
                people[pid] = Person(pid, name, MappingProxyType(team), topic, tuple(aliases))

    entries: list[Entry] = []
    seen_ids: dict[str, Node] = {}
    seen_phrasings: dict[str, str] = {}
    items = chk.seq(top["entries"][1], "entries") if "entries" in top else []
    if len(items) > MAX_ENTRIES:
        chk.fail(top["entries"][1], f"entries: {len(items)} entries; at most {MAX_ENTRIES} are served")
        items = []
    for item in items:
        entry = _parse_entry(chk, item, languages, people, seen_ids, seen_phrasings, pending_links)
        if entry is not None:
            entries.append(entry)
    if "entries" in top and isinstance(top["entries"][1], SequenceNode) and not top["entries"][1].value:
        chk.fail(top["entries"][1], "entries: the list is empty; add at least one entry")
    for node, what, target in pending_links:
        if target not in seen_ids:
            hint = _closest(target, set(seen_ids))
            chk.fail(
                node,
                f"{what} '{target}' does not exist" + (f" (did you mean '{hint}'?)" if hint else ""),
            )
    # A symlinked faq.yaml (a deployment swapping releases) quotes the interview of its own release.
    interview, interview_path = _interview(
        chk, top.get("source", (None, None))[1], base or Path(source).resolve().parent
    )
    _check_quotes(chk, entries, interview, "source" in top)
    if chk.problems:
        raise KnowledgeBaseError(chk.problems)
    return KnowledgeBase(
        languages=languages,
        apply_url=apply_url,
        people=MappingProxyType(people),
        entries=tuple(entries),
        source=source,
        version=version,
        interview=interview,
        interview_path=interview_path,
    )


def _interview(chk: _Checker, node: Node | None, base: Path) -> tuple[Interview | None, Path | None]:
    """Read and parse the interview named by ``source:`` (problems at that node), through read_bytes."""
    if node is None:
        return None, None
    name = chk.text(node, "source")
    if name is None:
        return None, None
    path = base / name
    try:
        return Interview.parse(read_bytes(path).decode("utf-8")), path
    except KnowledgeBaseError as exc:
        problem = exc.problems[0].message
        if problem == "file not found":
            chk.fail(node, f"source: the interview file '{path}' does not exist")
        else:
            chk.fail(node, f"source: '{path}': {problem}")
    except UnicodeDecodeError as exc:
        chk.fail(node, f"source: '{path}' is not UTF-8 text ({exc.reason})")
    except ValueError as exc:
        chk.fail(node, f"source: '{path}': {exc}")
    return None, path


def _check_quotes(chk: _Checker, entries: list[Entry], interview: Interview | None, named: bool) -> None:
    """Every quote must be in the interview word for word: a named engineer's words are a claim."""
    for entry in entries:
        for quote in entry.quotes:
            line, col = quote.at
            if interview is None:
                if not named:  # a source that failed to load has its own problem already
                    chk.problems.append(
                        Problem(
                            chk.source,
                            line,
                            col,
                            f"entry '{entry.id}': quotes need 'source:' at the top, naming the interview "
                            "text they are copied from",
                        )
                    )
                continue
            if not interview.contains(quote.text):
                who = ", ".join(quote.by)
                closest = interview.closest(quote.text)
                chk.problems.append(
                    Problem(
                        chk.source,
                        line,
                        col,
                        f"entry '{entry.id}': quote by {who} is not in the interview"
                        + (f' (closest: "{closest}")' if closest else "")
                        + "; copy it word for word",
                    )
                )


def _parse_entry(
    chk: _Checker,
    node: Node,
    languages: tuple[str, ...],
    people: Mapping[str, Person],
    seen_ids: dict[str, Node],
    seen_phrasings: dict[str, str],
    pending_links: list[tuple[Node, str, str]],
) -> Entry | None:
    # Name the entry in every message, including those about its missing keys.
    pairs = node.value if isinstance(node, MappingNode) else []
    peeked = [v.value for k, v in pairs if isinstance(k, ScalarNode) and k.value == "id" and isinstance(v, ScalarNode)]
    label = f"entry '{peeked[0]}'" if peeked and peeked[0] else "entry"
    fields = chk.mapping(node, label, _ENTRY_KEYS, {"id", "questions", "answer"})
    if not fields:
        return None
    entry_id = chk.text(fields["id"][1], "entry id") if "id" in fields else None
    if entry_id is not None:
        if not _ID_RE.match(entry_id):
            chk.fail(fields["id"][1], f"{label}: id may use only a-z, 0-9 and '-'")
        elif len(entry_id) > MAX_ID_LENGTH:
            # Ids travel in Telegram button data, which is capped at 64 bytes.
            chk.fail(fields["id"][1], f"{label}: id is longer than {MAX_ID_LENGTH} characters; shorten it")
        if entry_id in seen_ids:
            prev = seen_ids[entry_id].start_mark.line + 1
            chk.fail(fields["id"][1], f"{label}: duplicate id (first used on line {prev})")
        else:
            seen_ids[entry_id] = fields["id"][1]

    questions: dict[str, tuple[str, ...]] = {}
    if "questions" in fields:
        qnode = fields["questions"][1]
        for lang, (_, lnode) in chk.mapping(qnode, f"{label}: questions", set(languages), set()).items():
            phrasings = []
            for pnode in chk.seq(lnode, f"{label}: questions '{lang}'"):
                text = chk.text(pnode, f"{label}: a '{lang}' phrasing")
                if text is None:
                    continue
                key = clean(text)
                if not key:
                    chk.fail(pnode, f"{label}: phrasing '{text}' has no letters or digits")
                    continue
                if key in seen_phrasings and seen_phrasings[key] != entry_id:
                    chk.fail(pnode, f"{label}: phrasing '{text}' is also under entry '{seen_phrasings[key]}'")
                seen_phrasings[key] = entry_id or ""
                phrasings.append(text)
            if phrasings:
                questions[lang] = tuple(phrasings)
        if (
            isinstance(qnode, MappingNode)
            and not questions
            and not any(p.line == qnode.start_mark.line + 1 for p in chk.problems)
        ):
            chk.fail(qnode, f"{label}: questions: give at least one phrasing")

    answer = chk.per_language(fields["answer"][1], f"{label}: answer", languages) if "answer" in fields else {}
    title = chk.per_language(fields["title"][1], f"{label}: title", languages) if "title" in fields else {}

    quotes: list[Quote] = []
    for qnode in chk.seq(fields["quotes"][1], f"{label}: quotes") if "quotes" in fields else []:
        qf = chk.mapping(qnode, f"{label}: quote", {"by", "text", "translation"}, {"by", "text"})
        text = chk.text(qf["text"][1], f"{label}: quote 'text'") if "text" in qf else None
        speakers: list[str] = []
        by_nodes: list[Node] = []
        if "by" in qf:
            by_node = qf["by"][1]
            by_nodes = chk.seq(by_node, f"{label}: quote 'by'") if isinstance(by_node, SequenceNode) else [by_node]
            for bnode in by_nodes:
                by = chk.text(bnode, f"{label}: quote 'by'")
                if by is not None and by not in people:
                    hint = _closest(by, set(people))
                    chk.fail(
                        bnode,
                        f"{label}: quote by '{by}', who is not under 'people'"
                        + (f" (did you mean '{hint}'?)" if hint else ""),
                    )
                elif by is not None:
                    speakers.append(by)
        translation: dict[str, str] = {}
        if "translation" in qf:
            tnode = qf["translation"][1]
            for lang, (_, vnode) in chk.mapping(tnode, f"{label}: quote translation", set(languages), set()).items():
                value = chk.text(vnode, f"{label}: quote translation '{lang}'")
                if value is not None:
                    translation[lang] = value
        if speakers and text is not None and len(speakers) == len(by_nodes):
            mark = qf["text"][1].start_mark
            quotes.append(Quote(tuple(speakers), text, MappingProxyType(translation), (mark.line + 1, mark.column + 1)))

    related: list[str] = []
    for rnode in chk.seq(fields["related"][1], f"{label}: related") if "related" in fields else []:
        target = chk.text(rnode, f"{label}: related id")
        if target is not None:
            if target == entry_id:
                chk.fail(rnode, f"{label}: an entry cannot be related to itself")
                continue
            related.append(target)
            pending_links.append((rnode, f"{label}: related id", target))

    browse = True
    if "browse" in fields:
        bnode = fields["browse"][1]
        if isinstance(bnode, ScalarNode) and bnode.value.lower() in ("true", "false"):
            browse = bnode.value.lower() == "true"
        else:
            chk.fail(bnode, f"{label}: browse must be true or false")

    if entry_id is None or not questions or set(answer) != set(languages):
        return None
    if not title:
        title = {lang: (questions.get(lang) or next(iter(questions.values())))[0] for lang in languages}
    elif set(title) != set(languages):
        return None
    return Entry(
        id=entry_id,
        questions=MappingProxyType(questions),
        answer=MappingProxyType(answer),
        title=MappingProxyType(title),
        quotes=tuple(quotes),
        related=tuple(related),
        browse=browse,
    )


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character index."""
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def read_bytes(path: str | Path) -> bytes:
    """The bytes of a knowledge base file; every OS problem becomes a KnowledgeBaseError with one line.

    The one place faq.yaml is read: `faqbot check`, startup and every reload go through it.
    """
    path = Path(path)
    source = str(path)
    try:
        if path.is_dir():
            raise KnowledgeBaseError([Problem(source, 1, 1, "is a folder, not a file; give the path of faq.yaml")])
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise KnowledgeBaseError([Problem(source, 1, 1, "file not found")]) from None
    except OSError as exc:
        raise KnowledgeBaseError([Problem(source, 1, 1, f"cannot read: {exc.strerror or exc}")]) from None
    if len(data) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        raise KnowledgeBaseError([Problem(source, 1, 1, f"larger than {limit} MB; is this the right file?")])
    return data


def parse_bytes(data: bytes, source: str = "faq.yaml", base: Path | None = None) -> KnowledgeBase:
    """Decode (UTF-8, problems at their line and column) and validate a knowledge base."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8")
        line, col = _position(good, len(good))
        problem = f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        raise KnowledgeBaseError([Problem(source, line, col, problem)]) from None
    return parse(text, source, base)


def load(path: str | Path) -> KnowledgeBase:
    """Read and validate a knowledge base file."""
    return parse_bytes(read_bytes(path), str(path))
