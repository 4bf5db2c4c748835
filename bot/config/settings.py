"""Settings: one object, read once from config/ files, `.env` and the environment, passed down.

Precedence: environment > `.env` > `config/settings.yaml` > defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from bot.config.yamlfile import ConfigError, load_yaml, where
from bot.domain.posts import PLATFORMS
from bot.storage.crypto import Keyring

DEFAULT_GRAPH_VERSION = "v24.0"


def _setting(env: str, key: str, default: Any, help: str) -> Any:
    """A setting with its environment name, its config/settings.yaml key and its help text."""
    return Field(
        default=default,
        validation_alias=AliasChoices(env, key),
        description=help,
        json_schema_extra={"env": env, "key": key},
    )


CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )
    isolated: ClassVar[bool] = False

    slack_bot_token: SecretStr | None = _setting(
        "SLACK_BOT_TOKEN", "slack_bot_token", None, "Bot token (xoxb-…) of the Slack app."
    )
    slack_signing_secret: SecretStr | None = _setting(
        "SLACK_SIGNING_SECRET",
        "slack_signing_secret",
        None,
        "Signing secret used to verify every request from Slack (HTTP mode).",
    )
    slack_app_token: SecretStr | None = _setting(
        "SLACK_APP_TOKEN",
        "slack_app_token",
        None,
        "App-level token (xapp-…); when set, `serve` uses Socket Mode.",
    )
    slack_api_url: str = _setting(
        "SLACK_API_URL",
        "slack_api_url",
        "https://slack.com/api/",
        "Base URL of the Slack Web API (passed to WebClient as base_url).",
    )
    slack_app_id: str | None = _setting(
        "SLACK_APP_ID",
        "slack_app_id",
        None,
        "The Slack app's id (A…, on its Basic Information page): requests naming another app "
        "are refused. Default: the app_id auth.test answers, when it answers one.",
    )
    x_consumer_key: SecretStr | None = _setting(
        "X_CONSUMER_KEY", "x_consumer_key", None, "X API key (OAuth 1.0a consumer key)."
    )
    x_consumer_secret: SecretStr | None = _setting(
        "X_CONSUMER_SECRET", "x_consumer_secret", None, "X API key secret."
    )
    x_access_token: SecretStr | None = _setting(
        "X_ACCESS_TOKEN", "x_access_token", None, "X access token of the organisation's account."
    )
    x_access_token_secret: SecretStr | None = _setting(
        "X_ACCESS_TOKEN_SECRET", "x_access_token_secret", None, "X access token secret."
    )
    x_api_url: str = _setting(
        "X_API_URL", "x_api_url", "https://api.twitter.com", "Base URL of the X API."
    )
    x_upload_url: str = _setting(
        "X_UPLOAD_URL",
        "x_upload_url",
        "https://api.x.com",
        "Base URL of X's media upload API (API v2).",
    )
    facebook_page_id: str | None = _setting(
        "FACEBOOK_PAGE_ID", "facebook_page_id", None, "Id of the Facebook Page to publish to."
    )
    facebook_page_token: SecretStr | None = _setting(
        "FACEBOOK_PAGE_TOKEN",
        "facebook_page_token",
        None,
        "Page access token with pages_manage_posts and pages_read_engagement.",
    )
    facebook_graph_url: str = _setting(
        "FACEBOOK_GRAPH_URL",
        "facebook_graph_url",
        "https://graph.facebook.com",
        "Base URL of the Graph API.",
    )
    facebook_graph_version: str = _setting(
        "FACEBOOK_GRAPH_VERSION",
        "facebook_graph_version",
        DEFAULT_GRAPH_VERSION,
        "Graph API version used for every call, e.g. v24.0.",
    )
    db: Path = _setting(
        "COUNTERSIGN_DB", "db", Path("countersign.db"), "Path of the SQLite database."
    )
    config_dir: Path = _setting(
        "COUNTERSIGN_CONFIG_DIR",
        "config_dir",
        Path("config"),
        "Folder holding settings.yaml, schedule.yaml and policy.yaml.",
    )
    data_dir: Path | None = _setting(
        "COUNTERSIGN_DATA_DIR",
        "data_dir",
        None,
        "Folder for the outbox (dry-run deliveries); default: the database's folder.",
    )
    secret_key: SecretStr | None = _setting(
        "COUNTERSIGN_SECRET_KEY",
        "secret_key",
        None,
        "Key for the keyed hashes of the consent register, the encryption of every text "
        "stored in the database and the audit log's MACs (at least 16 characters).",
    )
    previous_secret_keys: SecretStr | None = _setting(
        "COUNTERSIGN_PREVIOUS_SECRET_KEYS",
        "previous_secret_keys",
        None,
        "Former COUNTERSIGN_SECRET_KEYs, comma-separated: still read (stored text, the "
        "register) until `countersign rekey` and a register re-import have moved to the new key.",
    )
    retention_days: int = _setting(
        "COUNTERSIGN_RETENTION_DAYS",
        "retention_days",
        30,
        "Days after which the words of posts never published (blocked, rejected, withdrawn) "
        "are erased; their hashes, rule ids and audit records stay.",
    )
    proposals_channel: str | None = _setting(
        "COUNTERSIGN_PROPOSALS_CHANNEL",
        "proposals_channel",
        None,
        "Channel id where staff propose posts (top-level messages).",
    )
    review_channel: str | None = _setting(
        "COUNTERSIGN_REVIEW_CHANNEL",
        "review_channel",
        None,
        "Channel id where review cards are posted.",
    )
    approvers: CommaList = _setting(
        "COUNTERSIGN_APPROVERS",
        "approvers",
        [],
        "Who may approve: Slack user ids (U…) and/or user-group ids (S…), comma-separated.",
    )
    admins: CommaList = _setting(
        "COUNTERSIGN_ADMINS",
        "admins",
        [],
        "Who may administer (publish now, …): user ids and/or user-group ids, comma-separated.",
    )
    timezone: str = _setting(
        "COUNTERSIGN_TIMEZONE",
        "timezone",
        "Europe/London",
        "IANA time zone of the schedule's slot times, e.g. Europe/London.",
    )
    platforms: CommaList = _setting(
        "COUNTERSIGN_PLATFORMS",
        "platforms",
        list(PLATFORMS),
        "Platforms posts go to: x, facebook (comma-separated).",
    )
    approvals_required: int = _setting(
        "COUNTERSIGN_APPROVALS_REQUIRED",
        "approvals_required",
        1,
        "How many approvers (never the proposer) must approve a post.",
    )
    missed_grace_minutes: int = _setting(
        "COUNTERSIGN_MISSED_GRACE_MINUTES",
        "missed_grace_minutes",
        15,
        "Slots missed while Countersign was down are published late within this many "
        "minutes; older ones move to the next free slots.",
    )
    requested_times: str = _setting(
        "COUNTERSIGN_REQUESTED_TIMES",
        "requested_times",
        "allowed",
        "Whether proposers may ask for a date and time (allowed) or posts only take "
        "slots (slots-only).",
    )
    port: int = _setting("PORT", "port", 3000, "HTTP port of `serve --http`.")
    host: str = _setting(
        "COUNTERSIGN_HOST",
        "host",
        "0.0.0.0",  # noqa: S104 - Slack must reach it, unless a proxy on this machine does
        "Address `serve --http` listens on: `127.0.0.1` behind a reverse proxy on the same "
        "machine.",
    )
    log_level: str = _setting(
        "COUNTERSIGN_LOG_LEVEL", "log_level", "INFO", "Logging level (DEBUG, INFO, WARNING…)."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Init values carry config/settings.yaml, which the environment overrides.
        if cls.isolated:
            return (init_settings,)
        return (env_settings, dotenv_settings, init_settings)

    @field_validator("approvers", "admins", "platforms", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("retention_days")
    @classmethod
    def _positive_days(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be a whole number of days, at least 1 (default 30)")
        return value

    @field_validator("platforms")
    @classmethod
    def _known_platforms(cls, value: list[str]) -> list[str]:
        value = [v.lower() for v in value]
        unknown = [v for v in value if v not in PLATFORMS]
        if unknown:
            raise ValueError(f"unknown platform(s) {', '.join(unknown)}; use x and/or facebook")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        levels = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
        if value.upper() not in levels:
            raise ValueError(f'"{value}" is not a logging level; use one of {", ".join(levels)}')
        return value.upper()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f'"{value}" is not an IANA time zone, e.g. Europe/London') from exc
        return value

    @field_validator("requested_times")
    @classmethod
    def _requested(cls, value: str) -> str:
        if value not in ("allowed", "slots-only"):
            raise ValueError('must be "allowed" or "slots-only"')
        return value

    @field_validator("missed_grace_minutes")
    @classmethod
    def _not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("must be 0 or more")
        return value

    @field_validator("approvals_required")
    @classmethod
    def _at_least_one(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be at least 1")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def outbox_dir(self) -> Path:
        base = self.data_dir if self.data_dir is not None else self.db.resolve().parent
        return base / "outbox"

    @property
    def x_configured(self) -> bool:
        return all(
            (
                self.x_consumer_key,
                self.x_consumer_secret,
                self.x_access_token,
                self.x_access_token_secret,
            )
        )

    @property
    def facebook_configured(self) -> bool:
        return bool(self.facebook_page_id and self.facebook_page_token)

    def secret(self, name: str) -> str:
        value = getattr(self, name)
        return value.get_secret_value() if value is not None else ""

    def previous_keys(self) -> list[str]:
        """Former COUNTERSIGN_SECRET_KEYs, still read after a rotation (stored text, audit MACs)."""
        return [k.strip() for k in self.secret("previous_secret_keys").split(",") if k.strip()]

    def keyring(self) -> Keyring:
        """The keys of the database's encrypted text: the current one, then former ones."""
        try:
            return Keyring(self.secret("secret_key") or None, self.previous_keys())
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc


class IsolatedSettings(Settings):
    """Settings from explicit values only: the demo and the tests must not pick up a real .env."""

    isolated = True


def setting_docs() -> list[tuple[str, str, str, str]]:
    """(environment name, settings.yaml key, default, help) for every setting."""
    rows = []
    for field in Settings.model_fields.values():
        extra = field.json_schema_extra
        assert isinstance(extra, dict)
        default = field.default
        shown = ", ".join(default) if isinstance(default, list) else default
        rows.append(
            (
                str(extra["env"]),
                str(extra["key"]),
                "" if shown is None else str(shown),
                field.description or "",
            )
        )
    return rows


def load_settings(
    *, overrides: Mapping[str, Any] | None = None, isolated: bool = False
) -> Settings:
    """Settings from every source; ``isolated`` uses ``overrides`` and config/ files only."""
    cls = IsolatedSettings if isolated else Settings
    first = _validate(cls, dict(overrides or {}), "the environment")
    path = first.config_dir / "settings.yaml"
    data = load_yaml(path)
    if data is None:
        return first
    if not isinstance(data, dict):
        raise ConfigError(f"{path}, line 1: expected a mapping of setting: value")
    known = {name for env, key, _, _ in setting_docs() for name in (env, key)}
    unknown = [k for k in data if k not in known]
    if unknown:
        raise ConfigError(f"{where(path, data, unknown[0])}: unknown setting {unknown[0]!r}")
    return _validate(cls, {**data, **(overrides or {})}, str(path), data)


def _validate(
    cls: type[Settings], values: dict[str, Any], source: str, data: Any = None
) -> Settings:
    try:
        return cls(**values)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "?"
            place = where(Path(source), data, name) if data is not None else source
            problems.append(f"{place}: {name}: {error['msg']}")
        raise ConfigError("Invalid settings:\n  " + "\n  ".join(problems)) from exc


def missing_for_serve(settings: Settings, *, socket_mode: bool) -> list[str]:
    """Every setting `serve` cannot run without, each with where to set it."""
    needed = [
        ("slack_bot_token", "SLACK_BOT_TOKEN"),
        ("proposals_channel", "COUNTERSIGN_PROPOSALS_CHANNEL"),
        ("review_channel", "COUNTERSIGN_REVIEW_CHANNEL"),
        ("approvers", "COUNTERSIGN_APPROVERS"),
        ("secret_key", "COUNTERSIGN_SECRET_KEY"),
    ]
    needed.append(
        ("slack_app_token", "SLACK_APP_TOKEN")
        if socket_mode
        else ("slack_signing_secret", "SLACK_SIGNING_SECRET")
    )
    return [
        f"{env} (environment or .env; or `{field}:` in {settings.config_dir / 'settings.yaml'})"
        for field, env in needed
        if not getattr(settings, field)
    ]
