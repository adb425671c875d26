#!/bin/sh
# Entry point of the monitoring profile's Prometheus (deploy/compose.yaml): renders prometheus.yml with
# this deployment's exporter port and Flower login, then runs Prometheus on it.
#   FLOWER_BASIC_AUTH      user:password (the first pair when several are given)
#   SILKWIRE_METRICS_PORT  the exporter's port (default 9808)
# Also `prometheus-start.sh --render DIR`: write DIR/prometheus.yml and DIR/flower-password and stop
# (what tests/unit/test_monitoring_files.py checks with promtool).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=/prometheus
if [ "${1:-}" = "--render" ]; then out=$2; fi

pair=${FLOWER_BASIC_AUTH:?set FLOWER_BASIC_AUTH in deploy/.env (user:password)}
pair=${pair%%,*}
case "$pair" in *:*) ;; *) echo "prometheus-start: FLOWER_BASIC_AUTH must be user:password" >&2; exit 1 ;; esac
user=${pair%%:*}
password=${pair#*:}
port=${SILKWIRE_METRICS_PORT:-9808}
case "$port" in *[!0-9]* | "") echo "prometheus-start: SILKWIRE_METRICS_PORT is not a port: $port" >&2; exit 1 ;; esac
case "$user" in *[!A-Za-z0-9._@-]* | "") echo "prometheus-start: FLOWER_BASIC_AUTH user must be letters, digits, ._@-" >&2; exit 1 ;; esac

umask 077
printf '%s' "$password" > "$out/flower-password"
sed -e "s|\"metrics:9808\"|\"metrics:$port\"|" \
    -e "s|^      username: admin\$|      username: $user|" \
    -e "s|/prometheus/flower-password|$out/flower-password|" \
    -e "s|/etc/silkwire-monitoring/|$here/|" \
    "$here/prometheus.yml" > "$out/prometheus.yml"
if [ "${1:-}" = "--render" ]; then exit 0; fi

exec prometheus --config.file="$out/prometheus.yml" --storage.tsdb.path=/prometheus \
  --storage.tsdb.retention.time="${PROMETHEUS_RETENTION:-15d}" --web.listen-address=:9090
