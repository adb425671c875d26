#!/usr/bin/env bash
# Check that PostgreSQL and Redis answer on 127.0.0.1; start the local ones that are down.
# Says exactly what is missing when it cannot start something.
set -u

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "PostgreSQL is down: starting the local cluster" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  fi
fi
if ! redis_up; then
  if command -v redis-server >/dev/null; then
    echo "Redis is down: starting a local one" >&2
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
    for _ in $(seq 1 30); do redis_up && break; sleep 0.5; done
  fi
fi

missing=0
if ! pg_up; then
  echo "PostgreSQL is not reachable on 127.0.0.1:5432. Start it (Debian: pg_ctlcluster <version> main start)," >&2
  echo "or run 'docker compose -f deploy/compose.yaml up -d postgres' and set SILKWIRE_DATABASE_URL." >&2
  missing=1
fi
if ! redis_up; then
  echo "Redis is not reachable on 127.0.0.1:6379. Start it (redis-server --daemonize yes)," >&2
  echo "or run 'docker compose -f deploy/compose.yaml up -d redis' and set SILKWIRE_BROKER_URL." >&2
  missing=1
fi
exit $missing
