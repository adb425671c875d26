#!/bin/sh
# nlp (+ reprocess for CLI re-runs): CPU bound, one process per core, prefetch 1 so a slow
# article never holds others hostage. nproc follows cpusets, not `cpus:` quotas: set
# WORKER_NLP_CONCURRENCY when the container is CPU-limited.
# workers.launch: refuses placeholder passwords, logs JSON lines when SILKWIRE_LOG_JSON is on.
set -eu
# Queues, pool, prefetch and node name (nlp@<host>, what the healthcheck pings) from workers.tasks.layout;
# its arguments hold no spaces, so the unquoted expansion splits them safely.
args=$(python -m workers.tasks.layout nlp --concurrency="${WORKER_NLP_CONCURRENCY:-$(nproc)}" \
    --loglevel="${SILKWIRE_LOG_LEVEL:-INFO}")
# shellcheck disable=SC2086
exec python -m workers.launch celery $args
