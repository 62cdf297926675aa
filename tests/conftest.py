"""Shared fixtures: the shipped knowledge base, engines with and without the semantic layer."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import Engine
from bot.knowledge import KnowledgeBase, load
from bot.semantic import load_embedder

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FAQ = ROOT / "faq.yaml"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load(FAQ)


@pytest.fixture(scope="session")
def engine(kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The engine as shipped: semantic layer on where the CPU supports it."""
    return Engine.build(kb, load_embedder(True, tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="session")
def lexical_engine(kb: KnowledgeBase) -> Engine:
    """The engine a machine without the embedding layer runs."""
    return Engine.build(kb, None)
