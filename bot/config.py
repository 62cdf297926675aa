"""TOML config -> frozen Settings, validated once at start; errors name the file and the key."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from bot.errors import ConfigError

DEFAULT_FAQ = "faq.yaml"


@dataclass(frozen=True)
class MatchingSettings:
    """[matching]"""

    semantic: bool = True  # use the embedding layer where the CPU supports it
    cache_dir: str = ""  # where phrasing embeddings are cached; "" = ~/.cache/faqbot
    default_language: str = "ko"  # reply language when a question has neither Hangul nor Latin letters


@dataclass(frozen=True)
class TelegramSettings:
    """[telegram]"""

    token: str = field(default="", repr=False)
    base_url: str = "https://api.telegram.org/bot"
    mode: str = "polling"
    listen: str = "127.0.0.1"
    port: int = 8443
    url_path: str = "telegram"
    webhook_url: str = ""
    secret_token: str = field(default="", repr=False)


@dataclass(frozen=True)
class Settings:
    """Everything the bot reads from its config file."""

    faq_path: str = DEFAULT_FAQ
    matching: MatchingSettings = field(default_factory=MatchingSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    source: str = "(defaults)"

    def cache_dir(self) -> Path:
        """Directory for derived data such as the embedding cache."""
        if self.matching.cache_dir:
            return Path(self.matching.cache_dir).expanduser()
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "faqbot"


def _section(cls: type, data: Any, name: str, source: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: [{name}] must be a table")
    known = {f.name: f for f in fields(cls)}
    values = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"{source}: [{name}] unknown key '{key}'; known: {', '.join(sorted(known))}")
        expected = type(known[key].default)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"{source}: [{name}] {key} must be a {expected.__name__}, not {value!r}")
        values[key] = value
    return cls(**values)


def load_settings(path: str | Path | None) -> Settings:
    """Read the config file (None -> defaults); the TELEGRAM_BOT_TOKEN variable overrides the token."""
    data: dict[str, Any] = {}
    source = "(defaults)"
    if path is not None:
        source = str(path)
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"{source}: config file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{source}: invalid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"{source}: cannot read: {exc.strerror}") from None
    allowed = {"faq", "matching", "telegram"}
    for key in data:
        if key not in allowed:
            raise ConfigError(f"{source}: unknown section [{key}]; known: {', '.join(sorted(allowed))}")
    faq = data.get("faq", {})
    if not isinstance(faq, dict) or set(faq) - {"path"} or not isinstance(faq.get("path", ""), str):
        raise ConfigError(f'{source}: [faq] takes one key, path = "faq.yaml"')
    faq_path = faq.get("path", DEFAULT_FAQ)
    if path is not None and not Path(faq_path).is_absolute():
        faq_path = str(Path(path).parent / faq_path)
    matching = _section(MatchingSettings, data.get("matching", {}), "matching", source)
    telegram = _section(TelegramSettings, data.get("telegram", {}), "telegram", source)
    if telegram.mode not in ("polling", "webhook"):
        raise ConfigError(f'{source}: [telegram] mode must be "polling" or "webhook", not {telegram.mode!r}')
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if token:
        telegram = TelegramSettings(**{**{f.name: getattr(telegram, f.name) for f in fields(telegram)}, "token": token})
    return Settings(faq_path=faq_path, matching=matching, telegram=telegram, source=source)
