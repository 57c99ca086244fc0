"""Settings, read once from the environment.

Every setting here is documented in README.md (tests/test_settings.py checks that).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from starlette.config import Config
from starlette.datastructures import Secret

from . import i18n

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ROOT = Path(__file__).resolve().parent.parent

# The value shipped for demo and test runs. Refused anywhere else.
DEMO_SECRET = "demo-secret-key-do-not-use-in-production"  # noqa: S105


class SettingsError(RuntimeError):
    """A setting is missing or unusable; raised at start-up, never at request time."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: Secret
    host: str
    port: int
    demo: bool
    testing: bool
    demo_password: Secret
    default_language: str
    languages: tuple[str, ...]
    timezone: str
    session_max_age: int
    session_idle_timeout: int
    token_max_age: int
    cookie_secure: bool
    log_level: str
    arrival_window_days: int
    document_number_max: int
    grace_hours: int
    remote_grace_hours: int
    batch_max: int
    app_build: str
    two_factor_required: bool = True
    receipt_key_file: Path = field(default=ROOT / "data" / "receipt-key.pem")
    # Public keys of retired receipt keys: their receipts still verify.
    receipt_retired_keys: tuple[Path, ...] = ()
    public_url: str = ""
    retention_days: int = 365
    live_poll_seconds: float = 1.0
    api_concurrency: int = 32
    api_queue_seconds: float = 2.0
    api_concurrency_per_client: int = 8
    live_stream_seconds: int = 300
    live_streams_per_user: int = 10
    keep_alive_seconds: int = 75
    workers: int = 1
    # The reverse proxy's address(es): X-Forwarded-For is trusted from them only.
    forwarded_allow_ips: str = ""
    # Earlier SECRET_KEYs, still accepted to open what they sealed (a rotation).
    previous_secret_keys: tuple[str, ...] = ()
    # A PostgreSQL streaming replica for reports, exports and queue listings (db.py).
    database_read_url: str = ""
    # Who may read /metrics (metrics.py): these networks, or whoever has the token.
    metrics_allow_ips: tuple[IPNetwork, ...] = ()
    metrics_token: str = ""
    log_format: str = "text"  # or "json": one object per line (logs.py)

    @property
    def secret_keys(self) -> tuple[str, ...]:
        """The current SECRET_KEY first, then the previous ones."""
        return (str(self.secret_key), *self.previous_secret_keys)

    locales_dir: Path = field(default=ROOT / "locales")

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://", "asyncpg://"))


def _default_database_url() -> str:
    return f"sqlite://{ROOT / 'data' / 'luutru.sqlite3'}"


def _is_ed25519_public_key(path: Path) -> bool:
    """Checked when the settings load, not at the first receipt (a 500 there)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(key, Ed25519PublicKey)


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from ``environ`` (the process environment by default)."""
    config = Config(environ=dict(os.environ if environ is None else environ))
    demo = config("DEMO", cast=bool, default=False)
    testing = config("TESTING", cast=bool, default=False)
    secret = Secret(config("SECRET_KEY", default=""))
    if not str(secret):
        if not (demo or testing):
            raise SettingsError("SECRET_KEY is required unless DEMO or TESTING is on")
        secret = Secret(DEMO_SECRET)
    elif str(secret) == DEMO_SECRET and not (demo or testing):
        raise SettingsError("SECRET_KEY is the published demo key: set a secret of your own")
    elif "CHANGE-ME" in str(secret):
        raise SettingsError("SECRET_KEY is still deploy/luutru.env.example's: set your own")
    elif len(str(secret)) < 32 and not (demo or testing):
        raise SettingsError("SECRET_KEY must be at least 32 characters")

    # By default, every language with a catalog (locales/<code>/LC_MESSAGES/messages.po).
    every = ",".join(i18n.catalog_languages())
    languages = tuple(
        code.strip() for code in config("LANGUAGES", default=every).split(",") if code.strip()
    )
    missing = [code for code in languages if code not in i18n.catalog_languages()]
    if missing:
        raise SettingsError(f"LANGUAGES names a language without a catalog: {missing}")
    default_language = config("DEFAULT_LANGUAGE", default=i18n.DEFAULT_LANGUAGE)
    if default_language not in languages:
        raise SettingsError("DEFAULT_LANGUAGE must be one of LANGUAGES")

    retired = tuple(
        Path(p.strip()) for p in config("RECEIPT_RETIRED_KEYS", default="").split(",") if p.strip()
    )
    for path in retired:
        if not _is_ed25519_public_key(path):
            raise SettingsError(f"RECEIPT_RETIRED_KEYS: {path} is not an Ed25519 public key file")

    database_url = config("DATABASE_URL", default=_default_database_url())
    if not database_url.startswith(("sqlite://", "postgres://", "postgresql://", "asyncpg://")):
        raise SettingsError("DATABASE_URL must start with sqlite:// or postgres://")

    read_url = config("DATABASE_READ_URL", default="").strip()
    postgres = ("postgres://", "postgresql://", "asyncpg://")
    if read_url and not (read_url.startswith(postgres) and database_url.startswith(postgres)):
        raise SettingsError("DATABASE_READ_URL must be a PostgreSQL replica of DATABASE_URL")

    try:
        metrics_allow_ips = tuple(
            ipaddress.ip_network(part.strip(), strict=False)
            for part in config("METRICS_ALLOW_IPS", default="").split(",")
            if part.strip()
        )
    except ValueError as exc:
        raise SettingsError(f"METRICS_ALLOW_IPS: {exc}") from None
    metrics_token = config("METRICS_TOKEN", default="").strip()
    if metrics_token and len(metrics_token) < 32:
        raise SettingsError("METRICS_TOKEN must be at least 32 characters")
    log_format = config("LOG_FORMAT", default="text").strip().lower()
    if log_format not in ("text", "json"):
        raise SettingsError("LOG_FORMAT must be text or json")

    return Settings(
        metrics_allow_ips=metrics_allow_ips,
        metrics_token=metrics_token,
        log_format=log_format,
        database_url=database_url,
        database_read_url=read_url,
        secret_key=secret,
        host=config("HOST", default="127.0.0.1"),
        port=config("PORT", cast=int, default=8000),
        demo=demo,
        testing=testing,
        demo_password=Secret(config("DEMO_PASSWORD", default="demo-password")),
        default_language=default_language,
        languages=languages,
        timezone=config("TIMEZONE", default="Asia/Ho_Chi_Minh"),
        session_max_age=config("SESSION_MAX_AGE", cast=int, default=12 * 3600),
        session_idle_timeout=config("SESSION_IDLE_TIMEOUT", cast=int, default=2 * 3600),
        token_max_age=config("TOKEN_MAX_AGE", cast=int, default=90 * 24 * 3600),
        cookie_secure=config("COOKIE_SECURE", cast=bool, default=not (demo or testing)),
        log_level=config("LOG_LEVEL", default="info"),
        arrival_window_days=config("ARRIVAL_WINDOW_DAYS", cast=int, default=1),
        document_number_max=config("DOCUMENT_NUMBER_MAX", cast=int, default=10),
        grace_hours=config("DECLARATION_GRACE_HOURS", cast=int, default=12),
        remote_grace_hours=config("REMOTE_GRACE_HOURS", cast=int, default=24),
        batch_max=config("BATCH_MAX", cast=int, default=200),
        app_build=config("APP_BUILD", default=""),
        two_factor_required=config("TWO_FACTOR_REQUIRED", cast=bool, default=not (demo or testing)),
        receipt_key_file=Path(
            config("RECEIPT_KEY_FILE", default=str(ROOT / "data" / "receipt-key.pem"))
        ),
        receipt_retired_keys=retired,
        public_url=config("PUBLIC_URL", default="").rstrip("/"),
        retention_days=config("RETENTION_DAYS", cast=int, default=365),
        live_poll_seconds=config("LIVE_POLL_SECONDS", cast=float, default=1.0),
        api_concurrency=max(1, config("API_CONCURRENCY", cast=int, default=32)),
        api_queue_seconds=config("API_QUEUE_SECONDS", cast=float, default=2.0),
        api_concurrency_per_client=max(
            1, config("API_CONCURRENCY_PER_CLIENT", cast=int, default=8)
        ),
        live_stream_seconds=config("LIVE_STREAM_SECONDS", cast=int, default=300),
        live_streams_per_user=max(1, config("LIVE_STREAMS_PER_USER", cast=int, default=10)),
        keep_alive_seconds=max(1, config("KEEP_ALIVE_SECONDS", cast=int, default=75)),
        workers=max(1, config("WORKERS", cast=int, default=1)),
        forwarded_allow_ips=config("FORWARDED_ALLOW_IPS", default="").strip(),
        previous_secret_keys=tuple(
            key.strip()
            for key in config("SECRET_KEY_PREVIOUS", default="").split(",")
            if key.strip()
        ),
    )
