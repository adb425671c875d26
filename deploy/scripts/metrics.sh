#!/bin/sh
# Prometheus exporter on /metrics, on every interface of the container so Prometheus (and any service
# on the compose network) can scrape it; the port is SILKWIRE_METRICS_PORT (default 9808), which the
# compose healthcheck and the published 127.0.0.1 port follow.
# workers.launch: refuses placeholder passwords, logs JSON lines when SILKWIRE_LOG_JSON is on.
set -eu
exec python -m workers.launch silkwire metrics serve --host 0.0.0.0
