"""Observability: structured logs (`logging`), error reporting (`sentry`).

Nothing here imports the Celery app; the app module calls in (see docs/deploy.md).
"""
