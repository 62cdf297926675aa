"""Why the bot chose what it chose, for recruiters (faqbot studio): the question's reading, the words the
knowledge base does not know, the candidates with their estimated probability, which step of the matcher
decided, and the policy level it compared against. Pure: a matcher or engine in, plain data out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.conversation import Conversations, command_of
from bot.knowledge import KnowledgeBase
from bot.matching import Decision, Matcher
from bot.normalize import tokens
from bot.replies import Reply
from bot.vocabulary import is_filler

if TYPE_CHECKING:
    from bot.engine import Engine

# Decision.rule: the step of Matcher.decide_signals that chose the action, in words. Each says only what
# that step compared; the levels table beside it gives the numbers.
RULES = {
    "no-words": "the message has no letters or digits to match",
    "confident": "the estimate reached the answer level and the best entry stands out: answered",
    "asked-of-team": "the question names a team, and what it asks of it is another topic: that topic "
    "(answered if nothing holds it back, else offered)",
    "names-a-team": "it asks what a named person or team does, or which team someone is on: that team's entry",
    "not-held": "it asks for a kind of fact the topic does not hold: 'the interview doesn't say'",
    "clarify": "the estimate reached the 'did you mean' level: the likely entries are offered",
    "initials": "typed as initials (ㅈㅇㅂㅂ): what they match well is offered",
    "clarify-mass": "the estimate is below the 'did you mean' level, but the offered entries together reached "
    "the 'options together' level: they are offered",
    "nothing-to-offer": "the estimate reached the 'did you mean' level, but no entry can be offered (greetings "
    "and thanks never are, nor entries far below the best): the honest fallback",
    "below-levels": "the estimate reached neither the 'did you mean' level nor, with the offered entries "
    "together, the 'options together' level: the honest fallback",
    "too-long": "longer than a chat message should be: the bot asks for a shorter question",
    "conversation": "the conversation's context changed what the question alone would get",
}
# ... and why an estimate that reached the answer level was not answered outright.
HELD = {
    "unanswerable": "it has a word naming something the interview never mentions, a negation or another organisation",
    "two-teams": "it names two teams, so which one is meant is a guess",
    "not-likely": "the best entry's own probability is not above one half",
    "close-call": "a second entry has at least half the best one's probability",
}
# What the channels do with a message that is a command (bot.conversation.command_of).
COMMANDS = {
    "help": "a command: every channel answers it with the help text (nothing is matched)",
    "topics": "a command: every channel answers it with the list of topics (nothing is matched)",
    "apply": "a command: every channel answers it with the apply topic (nothing is matched)",
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
    "context": "as the conversation's context rewrote it",
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
    reading: str  # after cleaning (spacing, punctuation, case) and layout-slip repair; or as the conversation put it
    words: tuple[str, ...]  # the words matched: particles and endings cut (카카오는 -> 카카오), fillers kept out
    how: str  # HOW's key
    unknown: tuple[str, ...]  # content words the knowledge base has never seen
    blocked: tuple[str, ...]  # negations, other organisations that kept it from being answered outright
    asks: tuple[str, ...]  # kinds of fact asked for (bot.facts)
    semantic: str  # what the embedding stage did: "ran", "skipped: ...", "off"
    decision: Decision
    candidates: tuple[Candidate, ...]
    confidence: float  # P(the best candidate is right), 0-1
    levels: tuple[Level, ...]  # () when no level decided (a pick, a command, a rule of the conversation)
    rule: str  # why, in words
    via: str  # how the conversation resolved it, in words ("" = asked on its own)


def explain(matcher: Matcher, question: str, decision: Decision | None = None) -> Explanation:
    """Explain the matcher's decision on ``question``, or ``decision``, made by a conversation instead: then
    what is shown is measured on the text the conversation decided on (its reading), not on the message."""
    if decision is None:
        sig = matcher.signals(question)
        decision = matcher.decide_signals(question, sig)
    else:
        sig = matcher.signals(decision.reading if decision.via and decision.reading else question)
    levels = matcher.policy.levels
    offered = {o.id for o in decision.options}
    candidates = tuple(
        Candidate(c.id, title_of(matcher.kb, c.id, decision.language), c.score, c.id in offered)
        for c in decision.candidates
    )
    via = VIA.get(decision.via, decision.via)
    if sig is None:
        return Explanation(
            question,
            "",
            (),
            "typed",
            (),
            (),
            (),
            "not needed",
            decision,
            candidates,
            0.0,
            (),
            _rule(decision, False),
            via,
        )
    if sig.how == "chosung":
        semantic = "not used for initials"
    elif matcher.embedder is None:
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
    shown: tuple[Level, ...] = ()
    if base and base not in ("conversation", "too-long", "no-words"):
        mass = decision.mass
        shown = (
            Level(
                "answer" + ("" if full else " (lexical only)"),
                answer_level,
                confidence >= answer_level,
                base == "confident",
            ),
            Level(
                "did you mean",
                levels.clarify,
                confidence >= levels.clarify,
                base in ("clarify", "below-levels", "nothing-to-offer"),
            ),
            Level(
                "did you mean, options together",
                levels.clarify_mass,
                mass >= levels.clarify_mass,
                base == "clarify-mass",
            ),
        )
    # Held back by: only what did hold it back ("너 뭐하는 봇이야" is put to the bot, and answered).
    blocked = sig.blocked if decision.action != "answer" else ()
    return Explanation(
        question=question,
        reading=decision.reading or sig.reading,
        words=tuple(t for t in tokens(sig.reading) if not is_filler(t)),
        how="context" if decision.via else sig.how,
        unknown=sig.unknown,
        blocked=blocked,
        asks=tuple(sorted(sig.asks)),
        semantic=semantic,
        decision=decision,
        candidates=candidates,
        confidence=confidence,
        levels=shown,
        rule=_rule(decision, confidence >= answer_level),
        via=via,
    )


def title_of(kb: KnowledgeBase, entry_id: str, language: str) -> str:
    """An entry's title in ``language`` (else its first one; the id for an entry that is gone)."""
    entry = kb.get(entry_id)
    if entry is None:
        return entry_id
    return entry.title.get(language) or next(iter(entry.title.values()), entry_id)


def _split(rule: str) -> tuple[str, str]:
    """A rule and why an answer was held back, apart ("clarify-close-call" -> "clarify", "close-call")."""
    for held in HELD:
        if rule.endswith("-" + held):
            return rule[: -len(held) - 1], held
    return rule, ""


def _rule(decision: Decision, answer_reached: bool) -> str:
    """The decision's rule in words."""
    if not decision.rule:
        return "decided in the conversation's context" if decision.via else ""
    base, held = _split(decision.rule)
    text = RULES.get(base, base)
    if base == "not-held" and decision.missing:
        text += f" (asked for: {decision.missing})"
    if held:
        return f"the estimate reached the answer level, but it is not answered outright: {HELD[held]}. Then {text}"
    if decision.action != "answer" and base in ("clarify", "clarify-mass", "below-levels", "nothing-to-offer"):
        return ("the estimate reached the answer level, but " if answer_reached else "below the answer level; ") + text
    return text


@dataclass(frozen=True)
class Turn:
    """One message of a tried conversation: the reply and why (None for a command, with ``note`` instead)."""

    question: str
    reply: Reply
    why: Explanation | None
    note: str = ""


def converse(engine: Engine, questions: list[str], language: str | None = None) -> list[Turn]:
    """Ask ``questions`` in order as one new conversation, as a chat would (nothing is recorded). The words
    every channel treats as commands ('주제 보기', '도움말', '지원 방법', and /topics, /help, /apply) get what
    the channels give them."""
    conversations = Conversations(ttl=float("inf"), maxsize=1)
    lang = language or engine.kb.languages[0]
    turns = []
    for question in questions:
        notice = engine.too_long(question)
        if notice is not None:
            decision = Decision("fallback", (), question, "", notice.language, rule="too-long")
            turns.append(Turn(question, notice, explain(engine.matcher, question[:500], decision)))
            continue
        command = command_of(question)
        if command == "help":
            turns.append(Turn(question, engine.composer.notice(lang, "help"), None, COMMANDS["help"]))
            continue
        if command == "topics" or (command == "apply" and engine.kb.get("apply") is not None):
            reply = (
                engine.composer.topics(lang)
                if command == "topics"
                else engine.composer.entry(engine.kb.entry("apply"), lang)
            )
            engine.opened(conversations, "studio", reply)
            turns.append(Turn(question, reply, None, COMMANDS[command]))
            continue
        decision, reply = engine.converse(conversations, "studio", question, lang)
        lang = reply.language
        turns.append(Turn(question, reply, explain(engine.matcher, question, decision)))
    return turns
