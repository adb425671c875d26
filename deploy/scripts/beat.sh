#!/bin/sh
# Exactly one beat per deployment (never scale it). What is due lives in Postgres; the schedule
# file only remembers when each periodic task last fired, on the beat-data volume.
# workers.launch: refuses placeholder passwords, logs JSON lines when SILKWIRE_LOG_JSON is on.
set -eu
exec python -m workers.launch celery -A workers.tasks.app beat \
    --schedule=/var/lib/silkwire/celerybeat-schedule \
    --loglevel="${SILKWIRE_LOG_LEVEL:-INFO}"
