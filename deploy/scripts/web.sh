#!/bin/sh
# The analysts' read-only pages (silkwire web) as silkwire_reader (SILKWIRE_WEB_DATABASE_URL), on every
# interface of the container and published on the host's loopback only. Refuse to start without a login.
# workers.launch: refuses placeholder passwords, logs JSON lines when SILKWIRE_LOG_JSON is on.
set -eu
: "${SILKWIRE_WEB_BASIC_AUTH:?SILKWIRE_WEB_BASIC_AUTH must be set to user:password in deploy/.env}"
exec python -m workers.launch silkwire web --host 0.0.0.0 --port "${SILKWIRE_WEB_PORT:-8080}"
