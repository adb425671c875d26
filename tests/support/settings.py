"""The session's settings, built explicitly once and installed with `workers.settings.use_settings`.

Every test run gets its own database and Redis key prefix, so parallel runs and a live deployment never
meet. Child processes (workers, the CLI) get the same settings through `child_env`.
"""

from __future__ import annotations

import json
import os
import uuid

from workers.settings import Settings

RUN_ID = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"
TEST_DB = f"silkwire_test_{RUN_ID}"
ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"

SETTINGS = Settings(
    database_url=f"postgresql://postgres@127.0.0.1:5432/{TEST_DB}",
    key_prefix=f"silkwire-test-{RUN_ID}:",
    allow_private_hosts=["127.0.0.1"],
    host_min_delay_s=0.05,
    host_max_concurrency=4,
    log_json=False,
    respect_robots=True,
)


def as_env(settings: Settings) -> dict[str, str]:
    """SILKWIRE_* variables for every field set explicitly, so a child process builds equal settings."""
    out: dict[str, str] = {}
    for name in sorted(settings.model_fields_set):
        value = getattr(settings, name)
        text = json.dumps(value) if isinstance(value, list | dict) else str(value)
        out[f"SILKWIRE_{name.upper()}"] = text.lower() if isinstance(value, bool) else text
    return out


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child process (a worker, the CLI) that runs with the session's settings.

    CELERY_BROKER_URL / CELERY_RESULT_BACKEND are left out: Celery reads them itself and they beat what
    code sets (shared/docs/traps.md: tests that keep them talk to the wrong broker)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
    env.update(as_env(SETTINGS))
    env.update(extra)
    return env
