"""Logging set-up for the commands: one format, quiet HTTP libraries, and secrets kept out of every line."""

from __future__ import annotations

import logging

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class Redact(logging.Filter):
    """Replaces secrets (the bot token) in a record's message and traceback before any handler writes it."""

    def __init__(self, *secrets: str) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def clean(self, text: str) -> str:
        """The text with every secret replaced."""
        for secret in self.secrets:
            text = text.replace(secret, "<redacted>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        if not self.secrets:
            return True
        record.msg = self.clean(record.getMessage())
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self.clean(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = self.clean(record.exc_text)
        return True


def setup(verbose: bool, service: bool = False) -> None:
    """Log to stderr: warnings for one-shot commands, info for a running service (debug with -v)."""
    level = logging.DEBUG if verbose and service else logging.INFO if verbose or service else logging.WARNING
    logging.basicConfig(level=level, format=_FORMAT, force=True)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    for name in ("httpx", "httpcore", "apscheduler", "tornado.access"):
        logging.getLogger(name).setLevel(logging.WARNING)


def redact(*secrets: str) -> Redact:
    """Install a filter that removes the secrets from everything logged from now on."""
    flt = Redact(*secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(flt)
    return flt
