"""Celery tasks: thin wrappers that load by id, call stages, store, and enqueue the next step."""
