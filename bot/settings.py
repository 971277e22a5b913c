"""Typed settings, read once from an environment mapping and an optional .env file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from storage.weeks import WeeklySlot

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///checkin.db"
SUPPORTED_LOCALES = ("en", "zh-CN")
MAX_POSTS_PER_SECOND = 1000
MAX_DELIVERY_THREADS = 64
LOG_FORMATS = ("text", "json")
# Each may instead be given as NAME_FILE, the path of a file holding it (Docker and Kubernetes secrets).
SECRET_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "DATABASE_URL",
                    "TEAMS_CLIENT_SECRET", "CHECKIN_AI_API_KEY")
YES, NO = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
# The assistant's features, each switched on or off by CHECKIN_AI_FEATURES (a comma list; "none" for none).
AI_FEATURES = ("review_drafts", "goal_suggestions", "agenda_summary", "translation")
DEFAULT_AI_DAILY_TOKENS = 200_000
DEFAULT_AI_TIMEOUT_SECONDS = 20.0
DEFAULT_ESCALATE_AFTER_DAYS = 2  # working days a blocker alert waits for its answer before the skip-level hears


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it and never shows a secret."""


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default=DEFAULT_DATABASE_URL, repr=False)  # may hold a password
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    slack_timeout_seconds: float = 10.0  # one HTTP attempt to Slack's Web API; tests shorten it
    hr_channel: str | None = None
    kudos_channel: str | None = None
    default_timezone: str = "UTC"
    default_locale: str = "en"
    reminder_time: str = "FRI 15:00"
    nudge_time: str = "MON 09:00"
    digest_time: str = "MON 10:00"
    # The chat.postMessage allowance of this process; with N replicas, the workspace's allowance divided by N.
    slack_posts_per_second: float = 20.0
    delivery_threads: int = 8  # scheduled messages one process sends at once
    teams_client_id: str | None = None
    teams_client_secret: str | None = field(default=None, repr=False)
    teams_tenant_id: str | None = None
    log_format: str = "text"
    upgrade_on_start: bool = False  # `serve` applies migrations first (single-machine installs)
    # The assistant: an OpenAI-compatible chat-completions endpoint; unset, the extractive fallback only.
    ai_base_url: str | None = None
    ai_model: str | None = None
    ai_api_key: str | None = field(default=None, repr=False)
    ai_daily_tokens: int = DEFAULT_AI_DAILY_TOKENS
    ai_timeout_seconds: float = DEFAULT_AI_TIMEOUT_SECONDS
    ai_features: frozenset[str] = frozenset(AI_FEATURES)
    escalate_after_days: int = DEFAULT_ESCALATE_AFTER_DAYS

    @classmethod
    def from_env(cls, environ: Mapping[str, str], dotenv_path: Path | None = None) -> Settings:
        """Build settings from `environ`, falling back to the .env file for unset names."""
        values: dict[str, str] = {}
        if dotenv_path is not None and dotenv_path.is_file():
            values.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
        values.update(environ)
        values.update(_secrets_from_files(values))

        def get(name: str) -> str | None:
            value = values.get(name, "").strip()
            return value or None

        settings = cls(
            database_url=get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            slack_bot_token=get("SLACK_BOT_TOKEN"),
            slack_signing_secret=get("SLACK_SIGNING_SECRET"),
            slack_app_token=get("SLACK_APP_TOKEN"),
            slack_api_url=_with_trailing_slash(get("SLACK_API_URL") or DEFAULT_SLACK_API_URL),
            hr_channel=get("CHECKIN_HR_CHANNEL"),
            kudos_channel=get("CHECKIN_KUDOS_CHANNEL"),
            default_timezone=get("CHECKIN_DEFAULT_TIMEZONE") or "UTC",
            default_locale=get("CHECKIN_DEFAULT_LOCALE") or "en",
            reminder_time=get("CHECKIN_REMINDER_TIME") or cls.reminder_time,
            nudge_time=get("CHECKIN_NUDGE_TIME") or cls.nudge_time,
            digest_time=get("CHECKIN_DIGEST_TIME") or cls.digest_time,
            slack_posts_per_second=_number("CHECKIN_SLACK_POSTS_PER_SECOND", get("CHECKIN_SLACK_POSTS_PER_SECOND"),
                                           cls.slack_posts_per_second, float),
            delivery_threads=_number("CHECKIN_DELIVERY_THREADS", get("CHECKIN_DELIVERY_THREADS"),
                                     cls.delivery_threads, int),
            teams_client_id=get("TEAMS_CLIENT_ID"),
            teams_client_secret=get("TEAMS_CLIENT_SECRET"),
            teams_tenant_id=get("TEAMS_TENANT_ID"),
            log_format=(get("CHECKIN_LOG_FORMAT") or "text").lower(),
            upgrade_on_start=_switch("CHECKIN_UPGRADE_ON_START", get("CHECKIN_UPGRADE_ON_START")),
            ai_base_url=get("CHECKIN_AI_BASE_URL"),
            ai_model=get("CHECKIN_AI_MODEL"),
            ai_api_key=get("CHECKIN_AI_API_KEY"),
            ai_daily_tokens=_number("CHECKIN_AI_DAILY_TOKENS", get("CHECKIN_AI_DAILY_TOKENS"), cls.ai_daily_tokens,
                                    int),
            ai_timeout_seconds=_number("CHECKIN_AI_TIMEOUT_SECONDS", get("CHECKIN_AI_TIMEOUT_SECONDS"),
                                       cls.ai_timeout_seconds, float),
            ai_features=_features(get("CHECKIN_AI_FEATURES")),
            escalate_after_days=_number("CHECKIN_ESCALATE_AFTER_DAYS", get("CHECKIN_ESCALATE_AFTER_DAYS"),
                                        cls.escalate_after_days, int),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """Fail fast on values that would only break later, deep inside a job."""
        try:
            ZoneInfo(self.default_timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SettingsError(
                f"CHECKIN_DEFAULT_TIMEZONE: {self.default_timezone!r} is not an IANA time zone"
            ) from exc
        for variable, value in (("CHECKIN_REMINDER_TIME", self.reminder_time),
                                ("CHECKIN_NUDGE_TIME", self.nudge_time), ("CHECKIN_DIGEST_TIME", self.digest_time)):
            try:
                WeeklySlot.parse(value)
            except ValueError as exc:
                raise SettingsError(f"{variable}: {exc}") from exc
        if self.default_locale not in SUPPORTED_LOCALES:
            raise SettingsError(
                f"CHECKIN_DEFAULT_LOCALE: {self.default_locale!r} is not one of {', '.join(SUPPORTED_LOCALES)}"
            )
        if not 0 < self.slack_posts_per_second <= MAX_POSTS_PER_SECOND:
            raise SettingsError(f"CHECKIN_SLACK_POSTS_PER_SECOND: {self.slack_posts_per_second} is not between 0 "
                                f"and {MAX_POSTS_PER_SECOND}")
        if not 1 <= self.delivery_threads <= MAX_DELIVERY_THREADS:
            raise SettingsError(f"CHECKIN_DELIVERY_THREADS: {self.delivery_threads} is not between 1 and "
                                f"{MAX_DELIVERY_THREADS}")
        if self.log_format not in LOG_FORMATS:
            raise SettingsError(f"CHECKIN_LOG_FORMAT: {self.log_format!r} is not one of {', '.join(LOG_FORMATS)}")
        teams = {"TEAMS_CLIENT_ID": self.teams_client_id, "TEAMS_CLIENT_SECRET": self.teams_client_secret,
                 "TEAMS_TENANT_ID": self.teams_tenant_id}
        missing = [name for name, value in teams.items() if not value]
        if 0 < len(missing) < len(teams):  # half a Teams configuration is a typo, not a choice
            raise SettingsError(f"{', '.join(missing)} not set; Teams needs TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET "
                                "and TEAMS_TENANT_ID together (or none of them, for Slack only)")

        if bool(self.ai_base_url) != bool(self.ai_model):
            raise SettingsError("CHECKIN_AI_BASE_URL and CHECKIN_AI_MODEL go together: set both for the assistant's "
                                "model, or neither for its extractive fallback only")
        if self.ai_daily_tokens < 0:
            raise SettingsError(f"CHECKIN_AI_DAILY_TOKENS: {self.ai_daily_tokens} is below 0")
        if not 0 < self.ai_timeout_seconds <= 600:
            raise SettingsError(f"CHECKIN_AI_TIMEOUT_SECONDS: {self.ai_timeout_seconds} is not between 0 and 600")
        if not 1 <= self.escalate_after_days <= 60:
            raise SettingsError(f"CHECKIN_ESCALATE_AFTER_DAYS: {self.escalate_after_days} is not between 1 and 60")

    @property
    def ai_configured(self) -> bool:
        """The assistant calls a model when its endpoint and model are set; otherwise it only quotes records."""
        return bool(self.ai_base_url and self.ai_model)

    @property
    def secret_values(self) -> tuple[str, ...]:
        """The secrets' values as configured, for the log filter to mask wherever they would appear."""
        return tuple(value for value in (self.slack_bot_token, self.slack_signing_secret, self.slack_app_token,
                                         self.teams_client_secret, self.ai_api_key) if value)

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def teams_enabled(self) -> bool:
        """Teams is on when its app registration (client id, secret and tenant) is configured."""
        return bool(self.teams_client_id and self.teams_client_secret and self.teams_tenant_id)

    def require_serving_credentials(self) -> None:
        """Refuse to serve without what Slack needs, pointing newcomers at the try-out."""
        if not self.slack_bot_token:
            raise SettingsError(
                "SLACK_BOT_TOKEN is not set. To try the bot without a Slack workspace, run `checkin-bot dev`."
            )
        if not self.socket_mode and not self.slack_signing_secret:
            raise SettingsError(
                "SLACK_SIGNING_SECRET is not set; HTTP mode needs it to verify requests "
                "(or set SLACK_APP_TOKEN for Socket Mode)."
            )


def _secrets_from_files(values: Mapping[str, str]) -> dict[str, str]:
    """Read each secret given as NAME_FILE; refuse a secret given both ways. Errors name the file, never its text."""
    found: dict[str, str] = {}
    for name in SECRET_VARIABLES:
        path = values.get(f"{name}_FILE", "").strip()
        if not path:
            continue
        if values.get(name, "").strip():
            raise SettingsError(f"{name} and {name}_FILE are both set; set only one of them")
        try:
            secret = Path(path).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise SettingsError(f"{name}_FILE: cannot read {path}: {exc.strerror or type(exc).__name__}") from None
        except UnicodeDecodeError:
            raise SettingsError(f"{name}_FILE: {path} is not UTF-8 text") from None
        if not secret.strip():
            raise SettingsError(f"{name}_FILE: {path} is empty")
        found[name] = secret
    return found


def _features(raw: str | None) -> frozenset[str]:
    """Parse CHECKIN_AI_FEATURES: unset means every feature, "none" none, else the names listed."""
    if raw is None:
        return frozenset(AI_FEATURES)
    names = {name.strip().lower() for name in raw.split(",") if name.strip()}
    if names <= {"none", "off"}:
        return frozenset()
    unknown = sorted(names - set(AI_FEATURES))
    if unknown:
        raise SettingsError(f"CHECKIN_AI_FEATURES: {', '.join(unknown)} not among {', '.join(AI_FEATURES)} "
                            "(or none)")
    return frozenset(names)


def _switch(variable: str, raw: str | None) -> bool:
    """Parse an on/off setting: 1, true, yes or on; 0, false, no or off."""
    if raw is None:
        return False
    if raw.lower() in YES + NO:
        return raw.lower() in YES
    raise SettingsError(f"{variable}: {raw!r} is not one of 1, 0, true, false, yes, no, on, off")


def _number(variable: str, raw: str | None, default, kind: type):
    """Parse a numeric setting, naming the variable when it is not a number."""
    if raw is None:
        return default
    try:
        return kind(raw)
    except ValueError as exc:
        raise SettingsError(f"{variable}: {raw!r} is not {'a whole number' if kind is int else 'a number'}") from exc


def _with_trailing_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"
