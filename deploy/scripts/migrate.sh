#!/bin/sh
# One-shot, as the database owner: bring the schema up to date (idempotent), create or update the
# login roles the other services use (silkwire_app: DML only; silkwire_reader: SELECT only), then load
# seeds/feeds.toml. Every other service waits for this to exit 0 (service_completed_successfully).
# workers.launch: refuses placeholder passwords, logs JSON lines when SILKWIRE_LOG_JSON is on.
set -eu
python -m workers.launch silkwire db migrate
python -m workers.launch silkwire db roles
exec python -m workers.launch silkwire feeds import
