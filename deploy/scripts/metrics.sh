#!/bin/sh
# Prometheus exporter on /metrics. The container port is fixed (compose publishes and
# health-checks 9808); change the host side in compose.yaml, not SILKWIRE_METRICS_PORT.
set -eu
exec silkwire metrics serve --port 9808
