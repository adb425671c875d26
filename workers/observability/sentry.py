"""Optional error reporting: `init_sentry(dsn)` turns Sentry on for the process when it can.

In: a DSN or nothing. Out: True when Sentry was initialised. sentry-sdk is the optional
extra `silkwire[sentry]`; without it, or without a DSN, this is a no-op.
"""

from __future__ import annotations

import importlib
import logging

log = logging.getLogger(__name__)


def init_sentry(dsn: str | None, *, environment: str | None = None, release: str | None = None) -> bool:
    # An empty SILKWIRE_SENTRY_DSN= line in .env arrives as "" rather than None: same meaning.
    if not dsn:
        return False
    try:
        sentry_sdk = importlib.import_module("sentry_sdk")
        celery_integration = importlib.import_module("sentry_sdk.integrations.celery")
    except ImportError:
        log.warning("SILKWIRE_SENTRY_DSN is set but sentry-sdk is missing: pip install 'silkwire[sentry]'")
        return False
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        integrations=[celery_integration.CeleryIntegration()],
        # Article URLs and texts are public, but request headers and locals may not be.
        send_default_pii=False,
    )
    return True
