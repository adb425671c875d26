#!/bin/sh
# feeds + fetch: I/O bound, so more processes than cores. Prefork (not threads) because soft time
# limits need signals, which only the prefork pool delivers; gevent is not installed.
# workers.launch: refuses placeholder passwords, logs JSON lines when SILKWIRE_LOG_JSON is on.
set -eu
exec python -m workers.launch celery -A workers.tasks.app worker \
    --queues=feeds,fetch \
    --pool=prefork \
    --concurrency="${WORKER_IO_CONCURRENCY:-8}" \
    -O fair \
    --events \
    --loglevel="${LOG_LEVEL:-INFO}"
