#!/bin/sh
# Monitoring UI. Flower reads FLOWER_BASIC_AUTH (user:password) from the environment itself, which
# keeps the password off the command line; refuse to start an unauthenticated Flower.
# workers.launch: refuses placeholder passwords, logs JSON lines when SILKWIRE_LOG_JSON is on.
set -eu
: "${FLOWER_BASIC_AUTH:?FLOWER_BASIC_AUTH must be set to user:password in deploy/.env}"
exec python -m workers.launch celery -A workers.tasks.app flower \
    --address=0.0.0.0 \
    --port=5555 \
    --tasks_columns=name,uuid,state,args,result,exception,received,runtime,worker \
    --purge_offline_workers=600
