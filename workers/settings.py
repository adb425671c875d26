"""The one typed settings object; the only reader of the environment (prefix SILKWIRE_).

Units are in the names (`_s`, `_bytes`) so a value is never read in the wrong unit.
`deploy/.env.example` mirrors every field.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_seeds_dir() -> Path:
    """The feed registry, gazetteer and replay corpus: shipped in the wheel as the data package
    `workers.seeds`; in a checkout (an editable install, or PYTHONPATH) they are ./seeds."""
    packaged = Path(__file__).resolve().parent / "seeds"
    return packaged if packaged.is_dir() else PROJECT_ROOT / "seeds"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SILKWIRE_", extra="ignore")

    database_url: str = "postgresql://postgres@127.0.0.1:5432/silkwire"
    broker_url: str = "redis://127.0.0.1:6379/0"
    # Politeness state, locks and metrics live here; defaults to the broker's Redis.
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Prefixes every broker key and politeness key: lets a demo or a test run share a Redis safely.
    key_prefix: str = ""
    db_pool_max: int = 4
    # Read by `silkwire db roles` (the migrate service) only: the DML-only login role to create or update,
    # with this URL's user and password (compose: silkwire_app, the role every other service uses).
    # Empty: no role is made. The read-only role comes from web_database_url the same way.
    app_database_url: str = ""

    user_agent: str = "SilkwireBot/0.1 (+https://github.com/silkwire/silkwire; news monitoring)"
    contact_url: str = "https://github.com/silkwire/silkwire"

    # HTTP limits: every response is bounded in bytes and in total wall time.
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 10.0
    total_deadline_s: float = 30.0
    max_feed_bytes: int = 5_000_000
    max_page_bytes: int = 5_000_000
    max_compressed_bytes: int = 3_000_000
    max_redirects: int = 5
    # Off by default: tests and the demo serve on 127.0.0.1 and must name it explicitly.
    allow_private_hosts: list[str] = Field(default_factory=list)

    # Feed polling: intervals adapt between these bounds.
    poll_min_interval_s: int = 120
    poll_max_interval_s: int = 6 * 3600
    poll_default_interval_s: int = 900
    poll_jitter_fraction: float = 0.1
    forced_full_fetch_every: int = 20
    feed_error_mute_after: int = 50
    # A poll killed with its worker this many times in a row (the attempt is counted before the work)
    # mutes the feed: a feed that kills its child would otherwise be polled again forever.
    feed_max_poll_attempts: int = Field(default=5, ge=1)

    # Hostile-feed bounds (docs/reliability.md, hostile input). At most this many entries per poll
    # (newest first); the listing pages and sitemaps have their own caps as well.
    max_entries_per_poll: int = Field(default=1000, ge=1)
    # articles.url has a btree index: an entry longer than a btree row (~2,700 bytes) fails the insert.
    max_entry_url_bytes: int = Field(default=2048, ge=64, le=2600)
    # A headline is a line: an entry whose title is longer is dropped, not cut.
    max_entry_title_chars: int = Field(default=1000, ge=80)
    # Summaries, guids and the feed's own title are cut to this.
    max_feed_field_chars: int = Field(default=2000, ge=80)
    # Combining marks kept in a row on one letter, in feed fields and page text ("zalgo" stacks hundreds).
    max_combining_marks: int = Field(default=3, ge=0)

    # Per-host politeness, shared by all workers through Redis.
    host_min_delay_s: float = 1.0
    host_max_concurrency: int = 2
    politeness_requeue_max_s: float = 30.0
    respect_robots: bool = True

    # Delivery: countdowns stay far below the visibility timeout (see docs/reliability.md).
    visibility_timeout_s: int = 3600
    task_soft_limit_s: int = 120
    task_hard_limit_s: int = 180
    max_attempts: int = 5
    # A poll's new articles go out this many per fetch message, and on to analysis per stored batch
    # (workers/tasks/batches.py); 1 sends one task per article.
    batch_size: int = Field(default=8, ge=1, le=64)
    sweeper_stuck_after_s: int = 900

    # Cleaning/extraction bounds.
    max_html_bytes: int = 3_000_000
    max_text_chars: int = 200_000

    # `silkwire search/events/agreements`: at most this many rows and query terms per call.
    query_max_rows: int = Field(default=10_000, ge=1)
    query_max_terms: int = Field(default=64, ge=1)

    # `silkwire web` (workers/web): the analysts' read-only pages. Empty web_database_url means database_url;
    # every connection is read-only either way, and compose gives it the silkwire_reader role's DSN.
    web_database_url: str = ""
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=1, le=65535)
    # user:password for HTTP basic auth on every page; empty means none (fine on loopback, refused in compose).
    web_basic_auth: str = ""
    # Rows of one list page (the exports take every row, bounded by query_max_rows).
    web_page_rows: int = Field(default=200, ge=1, le=10_000)

    log_json: bool = True
    # Level of every role's logs (Celery's --loglevel in the start scripts, the launcher's handler).
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_name(cls, value: object) -> object:
        # "info" as Celery takes it; empty (compose passes an unset SILKWIRE_LOG_LEVEL as "") is the default
        return (value.strip().upper() or "INFO") if isinstance(value, str) else value
    metrics_port: int = 9808
    sentry_dsn: str | None = None

    seeds_dir: Path = Field(default_factory=default_seeds_dir)


_installed: Settings | None = None


def use_settings(settings: Settings | None) -> None:
    """Install the settings object every later `get_settings()` returns (a test session, an embedding program):
    built explicitly by the caller instead of through the environment. None goes back to the environment's."""
    global _installed
    _installed = settings


def get_settings() -> Settings:
    """The process's settings: the installed object, else one built once from the environment."""
    return _installed if _installed is not None else _from_environment()


@lru_cache(maxsize=1)
def _from_environment() -> Settings:
    return Settings()
