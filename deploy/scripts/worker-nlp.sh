#!/bin/sh
# nlp (+ reprocess for CLI re-runs): CPU bound, one process per core, prefetch 1 so a slow
# article never holds others hostage. nproc follows cpusets, not `cpus:` quotas: set
# WORKER_NLP_CONCURRENCY when the container is CPU-limited.
# workers.launch: refuses placeholder passwords, logs JSON lines when SILKWIRE_LOG_JSON is on.
set -eu
exec python -m workers.launch celery -A workers.tasks.app worker \
    --queues=nlp,reprocess \
    --pool=prefork \
    --concurrency="${WORKER_NLP_CONCURRENCY:-$(nproc)}" \
    --prefetch-multiplier=1 \
    -O fair \
    --events \
    --loglevel="${LOG_LEVEL:-INFO}"
