#!/bin/sh
# One-shot: bring the schema up to date (idempotent), then load seeds/feeds.toml. Every other
# service waits for this to exit 0 (depends_on: service_completed_successfully).
set -eu
silkwire db migrate
exec silkwire feeds import
