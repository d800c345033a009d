"""Settings: one object, read from the environment (prefix ``ELDERCARE_``)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Secrets shorter than this (in characters) are refused in production.
MIN_SECRET_LENGTH = 32
WEAK_SECRETS = {"secret", "changeme", "change-me", "jwt-secret", "development", "eldercare"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ELDERCARE_", env_file=None, extra="ignore")

    mode: Literal["development", "production"] = "development"
    var_dir: Path = Path("var")
    database_url: str = ""
    # Connections kept per worker process; cover the thread pool (40) to avoid reconnects.
    db_pool_size: int = Field(default=20, ge=1)
    # Threads that run blocking work (database calls) per worker process.
    worker_threads: int = Field(default=8, ge=1, le=200)
    db_max_overflow: int = Field(default=20, ge=0)
    # A round trip per checkout; off by default (recycling and the first failed request
    # after a database restart invalidate stale connections).
    db_pool_pre_ping: bool = False
    # Remember who each access token belongs to between requests, invalidated through the
    # database (see eldercare.auth.cache); off, every request reads the account.
    auth_cache: bool = True
    # A task in each server process runs the register's daily refresh after midnight (the
    # first request of a day also does, if no process did yet). Off: requests only.
    register_daily_refresh: bool = True
    host: str = "127.0.0.1"
    port: int = 8000

    jwt_secret: str = ""
    jwt_issuer: str = "eldercare"
    jwt_audience: str = "eldercare-api"
    # Fractions allowed (0.05 = 3 s) so tests can outlive a token without waiting minutes.
    access_token_minutes: float = Field(default=15, ge=0.05, le=24 * 60)
    refresh_token_days: int = Field(default=14, ge=1, le=365)
    # A refresh token presented again this soon after its rotation (two tabs refreshing at
    # once) gets the same new pair instead of revoking the session.
    refresh_grace_seconds: int = Field(default=30, ge=0, le=300)

    timezone: str = "Asia/Shanghai"
    cors_origins: list[str] = []

    # Login throttling. Failures beyond the free allowance double the wait, up to a cap.
    throttle_account_free: int = 5
    throttle_account_max_seconds: int = 300
    throttle_ip_free: int = 30
    throttle_ip_max_seconds: int = 900

    # argon2id cost (RFC 9106 "low memory" profile by default); stored hashes keep their own.
    password_hash_memory_kib: int = Field(default=65536, ge=8192)
    password_hash_time_cost: int = Field(default=3, ge=1)
    password_hash_parallelism: int = Field(default=4, ge=1)

    # Statistics are served from per-village roll-ups; a county's are recomputed when read
    # once older than this (larger regions show their age; `eldercare stats refresh` runs them).
    stats_max_age_seconds: int = Field(default=300, ge=0, le=86_400)
    demo_password: str = ""
    frontend_dist: Path = Path("frontend/dist")
    log_level: str = "INFO"
    # FastAPI's native OpenTelemetry (traces, metrics and logs to the globally configured
    # providers). Off unless asked for: when on, every request asks the providers first.
    opentelemetry: bool = False
    # Trust X-Forwarded-For from these proxy addresses (a load balancer in front of workers).
    trusted_proxies: list[str] = []
    # Imports: bodies up to this size run within the request (200 and the report); larger
    # ones (or `Prefer: respond-async`) run as a job (202). A job whose heartbeat is older
    # than the lease was cut off.
    import_inline_max_bytes: int = Field(default=1_048_576, ge=0)
    import_lease_seconds: int = Field(default=60, ge=1)
    # A job cut off this many times is no longer picked up by itself (sending the same
    # request again queues it once more): a file that kills its worker does not go round.
    import_max_attempts: int = Field(default=3, ge=1)
    # Queued jobs are run by `eldercare worker` processes. The server runs one of its own
    # (a thread per process) when this is on: by default in development and on SQLite, so
    # `eldercare serve` alone completes every import; off in production on PostgreSQL.
    embedded_worker: bool | None = None
    # How often an idle worker looks for a job (PostgreSQL also wakes it by NOTIFY).
    worker_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    # The largest request body (413 beyond), and what an uploaded XLSX may inflate to: in
    # all, and per part relative to its compressed size (a zip bomb fails the import).
    max_upload_mb: int = Field(default=100, ge=1)
    import_xlsx_max_inflated_mb: int = Field(default=500, ge=1)
    import_xlsx_max_ratio: int = Field(default=100, ge=2)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _resolve(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.var_dir / 'eldercare.db'}"
        if self.embedded_worker is None:
            self.embedded_worker = self.mode == "development" or self.is_sqlite
        if self.mode == "production":
            if not self.jwt_secret:
                raise ValueError("ELDERCARE_JWT_SECRET is required in production mode")
            if len(self.jwt_secret) < MIN_SECRET_LENGTH or self.jwt_secret.lower() in WEAK_SECRETS:
                raise ValueError(
                    f"ELDERCARE_JWT_SECRET is too weak: use at least {MIN_SECRET_LENGTH} "
                    "random characters (e.g. `python -c 'import secrets; "
                    "print(secrets.token_urlsafe(48))'`)"
                )
        elif not self.jwt_secret:
            self.jwt_secret = _persisted_secret(self.var_dir / "jwt-secret")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _persisted_secret(path: Path) -> str:
    """A development secret generated once and kept under ``var/`` so restarts keep sessions."""
    if path.exists():
        value = path.read_text().strip()
        if value:
            return value
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value + "\n")
    path.chmod(0o600)
    return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
