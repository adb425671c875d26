#!/bin/sh
# Prometheus exporter on /metrics, on every interface of the container so Prometheus (and any service
# on the compose network) can scrape it; the port is SILKWIRE_METRICS_PORT (default 9808), which the
# compose healthcheck and the published 127.0.0.1 port follow.
set -eu
exec silkwire metrics serve --host 0.0.0.0
