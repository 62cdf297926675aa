"""TOML config -> frozen Settings, validated once at start; errors name the file and the key."""

from __future__ import annotations

import os
import tomllib
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import ConfigError

if TYPE_CHECKING:
    from bot.conversation import Conversations

DEFAULT_FAQ = "faq.yaml"


@dataclass(frozen=True)
class MatchingSettings:
    """[matching]"""

    semantic: bool = True  # use the embedding layer where the CPU supports it
    cache_dir: str = ""  # where phrasing embeddings are cached; "" = ~/.cache/faqbot
    default_language: str = "ko"  # reply language when a question has neither Hangul nor Latin letters
    workers: int = 0  # questions a running bot matches at once (one embedding model each); 0 = one per core, up to 2


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
class KakaoSettings:
    """[kakao]"""

    listen: str = "127.0.0.1"
    port: int = 8080
    path: str = "/kakao/skill"
    secret: str = field(default="", repr=False)  # if set, requests must carry it in X-Skill-Secret


@dataclass(frozen=True)
class StudioSettings:
    """[studio]"""

    listen: str = "127.0.0.1"
    port: int = 8765
    token: str = field(default="", repr=False)  # required to listen anywhere but loopback


@dataclass(frozen=True)
class StoreSettings:
    """[store]"""

    path: str = "faqbot.sqlite3"  # "" = keep nothing (outcomes and feedback are not stored)
    retention_days: int = 30  # question text of unanswered questions is blanked after this many days


@dataclass(frozen=True)
class ConversationSettings:
    """[conversation]"""

    ttl_minutes: float = 30.0  # a conversation's context is forgotten after this long without a message
    max_conversations: int = 10_000  # contexts kept at most (the least recently used go first)

    def conversations(self) -> Conversations:
        """An empty conversation cache with these limits."""
        from bot.conversation import Conversations

        return Conversations(ttl=self.ttl_minutes * 60.0, maxsize=self.max_conversations)


@dataclass(frozen=True)
class AdminSettings:
    """[admin]"""

    user_ids: list = field(default_factory=list)  # Telegram user ids allowed /reload, /stats, /report


@dataclass(frozen=True)
class Settings:
    """Everything the bot reads from its config file."""

    faq_path: str = DEFAULT_FAQ
    faq_watch_seconds: float = 1.0  # how often the running bot looks for faq.yaml changes; 0 = never
    matching: MatchingSettings = field(default_factory=MatchingSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    kakao: KakaoSettings = field(default_factory=KakaoSettings)
    studio: StudioSettings = field(default_factory=StudioSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    admin: AdminSettings = field(default_factory=AdminSettings)
    conversation: ConversationSettings = field(default_factory=ConversationSettings)
    source: str = "(defaults)"

    def workers(self) -> int:
        """How many questions a running bot matches at once."""
        return self.matching.workers or max(1, min(2, os.cpu_count() or 1))

    def cache_dir(self) -> Path:
        """Directory for derived data such as the embedding cache."""
        if self.matching.cache_dir:
            return Path(self.matching.cache_dir).expanduser()
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "faqbot"


_SECRET_KEYS = frozenset({"token", "secret", "secret_token"})


def _section(cls: type, data: Any, name: str, source: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: [{name}] must be a table")
    known = {f.name: f for f in fields(cls)}
    values = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"{source}: [{name}] unknown key '{key}'; known: {', '.join(sorted(known))}")
        f = known[key]
        default = f.default_factory() if f.default is MISSING and callable(f.default_factory) else f.default
        expected = type(default)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)  # ttl_minutes = 30 means 30.0
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            # Never echo a secret back (a token pasted as a bare number would land in a log).
            shown = type(value).__name__ if key in _SECRET_KEYS else repr(value)
            raise ConfigError(f"{source}: [{name}] {key} must be a {expected.__name__}, not {shown}")
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
    allowed = {"faq", "matching", "telegram", "kakao", "studio", "store", "admin", "conversation"}
    for key in data:
        if key not in allowed:
            raise ConfigError(f"{source}: unknown section [{key}]; known: {', '.join(sorted(allowed))}")
    faq = data.get("faq", {})
    if not isinstance(faq, dict) or set(faq) - {"path", "watch_seconds"} or not isinstance(faq.get("path", ""), str):
        raise ConfigError(f'{source}: [faq] takes path = "faq.yaml" and watch_seconds = 1.0')
    watch = faq.get("watch_seconds", 1.0)
    if isinstance(watch, bool) or not isinstance(watch, int | float) or watch < 0:
        raise ConfigError(f"{source}: [faq] watch_seconds must be a number >= 0 (0 turns watching off)")
    faq_path = faq.get("path", DEFAULT_FAQ)
    if path is not None and not Path(faq_path).is_absolute():
        faq_path = str(Path(path).parent / faq_path)
    matching = _section(MatchingSettings, data.get("matching", {}), "matching", source)
    if not 0 <= matching.workers <= 16:
        raise ConfigError(f"{source}: [matching] workers must be between 0 (automatic) and 16")
    telegram = _section(TelegramSettings, data.get("telegram", {}), "telegram", source)
    if telegram.mode not in ("polling", "webhook"):
        raise ConfigError(f'{source}: [telegram] mode must be "polling" or "webhook", not {telegram.mode!r}')
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if token:
        telegram = TelegramSettings(**{**{f.name: getattr(telegram, f.name) for f in fields(telegram)}, "token": token})
    kakao = _section(KakaoSettings, data.get("kakao", {}), "kakao", source)
    if not kakao.path.startswith("/"):
        raise ConfigError(f'{source}: [kakao] path must start with "/", e.g. "/kakao/skill"')
    if not 0 < kakao.port < 65536:
        raise ConfigError(f"{source}: [kakao] port must be between 1 and 65535")
    studio = _section(StudioSettings, data.get("studio", {}), "studio", source)
    if not 0 < studio.port < 65536:
        raise ConfigError(f"{source}: [studio] port must be between 1 and 65535")
    store = _section(StoreSettings, data.get("store", {}), "store", source)
    if store.path and path is not None and not Path(store.path).is_absolute() and store.path != ":memory:":
        store = StoreSettings(str(Path(path).parent / store.path), store.retention_days)
    if store.retention_days < 1:
        raise ConfigError(f"{source}: [store] retention_days must be at least 1")
    admin = _section(AdminSettings, data.get("admin", {}), "admin", source)
    if not all(isinstance(u, int) and not isinstance(u, bool) for u in admin.user_ids):
        raise ConfigError(f"{source}: [admin] user_ids must be a list of Telegram user ids (numbers)")
    conversation = _section(ConversationSettings, data.get("conversation", {}), "conversation", source)
    if not 0 < conversation.ttl_minutes <= 7 * 24 * 60:
        raise ConfigError(f"{source}: [conversation] ttl_minutes must be more than 0 and at most a week (10080)")
    if not 1 <= conversation.max_conversations <= 10_000_000:
        raise ConfigError(f"{source}: [conversation] max_conversations must be between 1 and 10,000,000")
    return Settings(
        faq_path=faq_path,
        faq_watch_seconds=float(watch),
        matching=matching,
        telegram=telegram,
        kakao=kakao,
        studio=studio,
        store=store,
        admin=admin,
        conversation=conversation,
        source=source,
    )
