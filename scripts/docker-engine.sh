#!/usr/bin/env bash
# A Docker engine for the compose test: Debian's docker.io (dockerd 20.10, BuildKit built in),
# docker-compose (v1.29) and debootstrap (for deploy/standins/build.sh), installed when missing; dockerd
# started in the background as root when not answering. Use /usr/bin/docker: another client earlier
# on PATH may lack BuildKit support for this engine.
set -euo pipefail
DOCKER=/usr/bin/docker
DATA_ROOT=${DOCKERD_DATA_ROOT:-/var/lib/silkwire-docker}
LOG=/var/log/silkwire-dockerd.log

if [ ! -x "$DOCKER" ] || [ ! -x /usr/sbin/dockerd ] || ! command -v docker-compose >/dev/null \
   || ! command -v debootstrap >/dev/null; then
  echo "docker-engine: installing docker.io docker-compose debootstrap" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io docker-compose debootstrap >/dev/null
fi

if timeout 20 "$DOCKER" info >/dev/null 2>&1; then
  exit 0
fi
echo "docker-engine: starting dockerd (data in $DATA_ROOT, log $LOG)" >&2
mkdir -p "$DATA_ROOT"
nohup /usr/sbin/dockerd --data-root "$DATA_ROOT" --pidfile /run/silkwire-dockerd.pid >>"$LOG" 2>&1 &
for _ in $(seq 1 60); do
  if timeout 5 "$DOCKER" info >/dev/null 2>&1; then
    exit 0
  fi
  sleep 1
done
echo "docker-engine: dockerd did not answer within 60 s; last lines of $LOG:" >&2
tail -20 "$LOG" >&2
exit 1
