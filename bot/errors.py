"""The exceptions faqbot raises; only the CLI and channel edges turn them into exit codes or apologies.

FaqbotError
├── KnowledgeBaseError   faq.yaml is unreadable or invalid; carries every Problem (file:line:col)
└── ConfigError          the TOML config is unreadable or invalid; names the file and key
"""

from __future__ import annotations

from dataclasses import dataclass


class FaqbotError(Exception):
    """Base class for errors a user or recruiter can act on."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a file, at a 1-based line and column."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class KnowledgeBaseError(FaqbotError):
    """The knowledge base cannot be used; ``problems`` lists everything found, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ConfigError(FaqbotError):
    """The configuration file is unreadable or holds a bad value."""
