#!/bin/sh
# feeds + fetch: I/O bound, so more processes than cores. Prefork (not threads) because soft time
# limits need signals, which only the prefork pool delivers; gevent is not installed.
# workers.launch: refuses placeholder passwords, logs JSON lines when SILKWIRE_LOG_JSON is on.
set -eu
# Queues, pool and node name (io@<host>, what the healthcheck pings) from workers.tasks.layout; its
# arguments hold no spaces, so the unquoted expansion splits them safely.
args=$(python -m workers.tasks.layout io --concurrency="${WORKER_IO_CONCURRENCY:-8}" --loglevel="${SILKWIRE_LOG_LEVEL:-INFO}")
# shellcheck disable=SC2086
exec python -m workers.launch celery $args
