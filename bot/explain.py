"""Why the bot chose what it chose, for recruiters (faqbot studio): the question's reading, the words the
knowledge base does not know, the candidates with their estimated probability, which step of the matcher
decided, and the policy level it compared against. Pure: a matcher or engine in, plain data out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.conversation import Conversations
from bot.matching import Decision, Matcher
from bot.replies import Reply

if TYPE_CHECKING:
    from bot.engine import Engine

# Decision.rule: the step of Matcher.decide_signals that chose the action.
RULES = {
    "no-words": "the message has no letters or digits to match",
    "confident": "the best entry's estimate cleared the answer level, and no other entry comes close",
    "asked-of-team": "the question names a team, and what it asks of it is another topic (answered if it may be)",
    "names-a-team": "it asks what a named person or team does, or which team someone is on: that team's entry",
    "not-held": "it asks for a kind of fact the topic does not hold: 'the interview doesn't say'",
    "clarify": "below the answer level but above the 'did you mean' level",
    "initials": "typed as initials (ㅈㅇㅂㅂ): what they match well is offered",
    "clarify-mass": "no one entry is likely enough, but the offered ones together are",
    "below-levels": "below the 'did you mean' level: the honest fallback",
    "too-long": "longer than a chat message should be: the bot asks for a shorter question",
}
# ... and why a question sure enough to answer was not answered outright.
HELD = {
    "unanswerable": "sure enough, but not answered outright: it has a word naming something the interview never "
    "mentions, a negation or another organisation",
    "two-teams": "sure enough, but it names two teams: which one is a guess",
    "close-call": "sure enough, but a second entry is nearly as likely",
}
# Decision.via: how a conversation's context resolved a follow-up (bot.conversation).
VIA = {
    "pick": "a number or title picking one of the options shown before",
    "more": "'tell me more': the topics related to the last answer",
    "who": "'who said that?': the last answer's quotes say who",
    "subject": "about the person or team the conversation was about",
    "reference": "'그 팀', 'that team': the team named before",
    "filled": "the words alone were unclear; asked again of the conversation's subject",
    "continued": "a short follow-up continuing the last topic",
}
# Signals.how: how the question was read.
HOW = {
    "typed": "as typed",
    "slip": "as Hangul typed with the keyboard in English mode (repaired)",
    "corrected": "with English typos corrected",
    "chosung": "as initials only (ㅈㅇㅂㅂ)",
}


@dataclass(frozen=True)
class Level:
    """One probability level of the policy, and whether the estimate reached it."""

    name: str
    value: float
    reached: bool
    used: bool  # the level that decided this question's action


@dataclass(frozen=True)
class Candidate:
    """An entry the matcher considered: its id, title and estimated probability (0-100)."""

    id: str
    title: str
    probability: float
    offered: bool  # in the "did you mean" options


@dataclass(frozen=True)
class Explanation:
    """Everything a recruiter needs to see why a question got its reply."""

    question: str
    reading: str  # after normalisation (particles, endings, spacing) and layout-slip repair
    how: str  # HOW's key
    unknown: tuple[str, ...]  # content words the knowledge base has never seen
    blocked: tuple[str, ...]  # negations, other organisations: never answered outright
    asks: tuple[str, ...]  # kinds of fact asked for (bot.facts)
    semantic: str  # what the embedding stage did: "ran", "skipped: ...", "off"
    decision: Decision
    candidates: tuple[Candidate, ...]
    confidence: float  # P(the best candidate is right), 0-1
    levels: tuple[Level, ...]
    rule: str  # why, in words
    via: str  # how the conversation resolved it, in words ("" = asked on its own)


def explain(matcher: Matcher, question: str, decision: Decision | None = None) -> Explanation:
    """Explain the matcher's decision on ``question`` (``decision``: the one a conversation made instead)."""
    sig = matcher.signals(question)
    if decision is None:
        decision = matcher.decide_signals(question, sig)
    levels = matcher.policy.levels
    if sig is None:
        return Explanation(question, "", "typed", (), (), (), "not needed", decision, (), 0.0, (), _rule(decision), "")
    if matcher.embedder is None:
        semantic = "off (no embedding engine on this machine, or [matching] semantic = false)"
    elif sig.semantic is not None:
        semantic = "ran: the lexical estimate was between the 'hopeless' and 'clear' levels"
    elif not sig.lexical.any():
        semantic = "skipped: no entry shares a word with the question"
    else:
        semantic = "skipped: the lexical estimate was clear (or hopeless) enough alone"
    full = sig.semantic is not None
    answer_level = levels.answer if full else levels.lexical_answer
    confidence = decision.confidence
    base, _ = _split(decision.rule)
    mass = sum(c.score for c in decision.options) / 100.0
    shown = (
        Level(
            "answer" + ("" if full else " (lexical only)"),
            answer_level,
            confidence >= answer_level,
            base == "confident",
        ),
        Level("did you mean", levels.clarify, confidence >= levels.clarify, base in ("clarify", "below-levels")),
        Level(
            "did you mean, options together",
            levels.clarify_mass,
            mass >= levels.clarify_mass,
            base == "clarify-mass",
        ),
    )
    offered = {o.id for o in decision.options}
    candidates = tuple(
        Candidate(c.id, _title(matcher, c.id, decision.language), c.score, c.id in offered) for c in decision.candidates
    )
    return Explanation(
        question=question,
        reading=decision.reading or sig.reading,
        how=sig.how,
        unknown=sig.unknown,
        blocked=sig.blocked,
        asks=tuple(sorted(sig.asks)),
        semantic=semantic,
        decision=decision,
        candidates=candidates,
        confidence=confidence,
        levels=shown,
        rule=_rule(decision),
        via=VIA.get(decision.via, decision.via),
    )


def _title(matcher: Matcher, entry_id: str, language: str) -> str:
    entry = matcher.kb.get(entry_id)
    if entry is None:
        return entry_id
    return entry.title.get(language) or next(iter(entry.title.values()), entry_id)


def _split(rule: str) -> tuple[str, str]:
    """A rule and why an answer was held back, apart ("clarify-close-call" -> "clarify", "close-call")."""
    for held in HELD:
        if rule.endswith("-" + held):
            return rule[: -len(held) - 1], held
    return rule, ""


def _rule(decision: Decision) -> str:
    """The decision's rule in words."""
    if not decision.rule:
        return "decided in the conversation's context" if decision.via else ""
    base, held = _split(decision.rule)
    text = RULES.get(base, base)
    if base == "not-held" and decision.missing:
        text += f" (asked for: {decision.missing})"
    return f"{text}; {HELD[held]}" if held else text


@dataclass(frozen=True)
class Turn:
    """One message of a tried conversation: the decision, the reply and why."""

    question: str
    reply: Reply
    why: Explanation


def converse(engine: Engine, questions: list[str]) -> list[Turn]:
    """Ask ``questions`` in order as one new conversation, as a chat would (nothing is recorded)."""
    conversations = Conversations(ttl=float("inf"), maxsize=1)
    turns = []
    for question in questions:
        notice = engine.too_long(question)
        if notice is not None:
            decision = Decision("fallback", (), question, "", notice.language, rule="too-long")
            turns.append(Turn(question, notice, explain(engine.matcher, question[:500], decision)))
            continue
        decision, reply = engine.converse(conversations, "studio", question)
        turns.append(Turn(question, reply, explain(engine.matcher, question, decision)))
    return turns
