"""The core wired together: knowledge base + matcher + composer, behind one call per question."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from bot.config import Settings
from bot.conversation import Conversations, Follower
from bot.derived import AsksMemo
from bot.knowledge import KnowledgeBase, load
from bot.matching import Decision, Matcher
from bot.replies import Composer, Reply
from bot.semantic import Embedder, load_embedder

logger = logging.getLogger(__name__)

MAX_QUESTION = 500  # characters; a longer message gets a hint to ask shorter instead of a guess


@dataclass(frozen=True)
class Engine:
    """One loaded knowledge base and everything derived from it (immutable; swap it to reload)."""

    kb: KnowledgeBase
    matcher: Matcher
    composer: Composer
    follower: Follower

    @classmethod
    def build(
        cls,
        kb: KnowledgeBase,
        embedder: Embedder | None = None,
        default_language: str = "ko",
        memo: AsksMemo | None = None,
    ) -> Engine:
        """Index a knowledge base (``memo``: what earlier runs learnt of its phrasings, saved after)."""
        matcher = Matcher(kb, embedder, default_language=default_language, memo=memo)
        if memo is not None:
            memo.save()
        return cls(kb, matcher, Composer(kb), Follower(matcher))

    def too_long(self, question: str) -> Reply | None:
        """The hint for a message too long to match sensibly (in its language), else None."""
        if len(question) <= MAX_QUESTION:
            return None
        return self.composer.notice(self.matcher.language_of(question[:MAX_QUESTION]), "too_long")

    def ask(self, question: str) -> tuple[Decision, Reply]:
        """Decide and compose the reply to one question, asked on its own."""
        decision = self.matcher.decide(question)
        return decision, self.composer.compose(decision)

    def converse(
        self, conversations: Conversations, key: str, question: str, language: str | None = None
    ) -> tuple[Decision, Reply]:
        """Decide and compose the reply to a message of conversation ``key``, in what it talked about
        last (``language``: what the channel knows of the user's language, for messages without words)."""
        with conversations.turn(key):
            context = conversations.get(key)
            decision = self.follower.follow(question, context, language)
            reply = self.composer.compose(decision)
            conversations.put(key, self.follower.after(context, decision, tuple(o.id for o in reply.options)))
        return decision, reply

    def opened(self, conversations: Conversations, key: str, reply: Reply) -> None:
        """Tell conversation ``key`` that the user opened an entry or a list without asking (a button)."""
        with conversations.turn(key):
            context = conversations.get(key)
            shown = tuple(o.id for o in reply.options)
            if reply.entry_id is not None:
                context = self.follower.opened(context, reply.entry_id, reply.language, shown)
            else:
                context = replace(context, options=shown, language=reply.language)
            conversations.put(key, context)


def engine_builder(settings: Settings, instances: int = 1) -> Callable[[KnowledgeBase], Engine]:
    """A function that indexes a knowledge base as the settings say (one embedder, loaded once, shared)."""
    embedder = load_embedder(settings.matching.semantic, settings.cache_dir(), instances)
    memo = AsksMemo(settings.cache_dir())

    def build(kb: KnowledgeBase) -> Engine:
        return Engine.build(kb, embedder, settings.matching.default_language, memo)

    return build


def engine_from_settings(settings: Settings, faq_path: str | None = None, instances: int = 1) -> Engine:
    """Load the knowledge base named by the settings (or ``faq_path``) and build the engine (``instances``:
    how many threads may embed at once)."""
    return engine_builder(settings, instances)(load(Path(faq_path or settings.faq_path)))
