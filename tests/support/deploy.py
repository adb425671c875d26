"""What the deployment promises about secrets, read by the file test (tests/unit/test_deploy_files.py) and by the
compose test's running stack (tests/compose/hardening.py), so both hold the stack to the same table."""

from __future__ import annotations

# Which secret of deploy/.env each service may receive; any other service gets none of them.
SECRETS_OF = {
    "postgres": {"POSTGRES_PASSWORD"},
    "redis": {"REDIS_PASSWORD"},
    "migrate": {"POSTGRES_PASSWORD", "APP_DB_PASSWORD", "READER_DB_PASSWORD"},
    "worker-io": {"APP_DB_PASSWORD", "REDIS_PASSWORD"},
    "worker-nlp": {"APP_DB_PASSWORD", "REDIS_PASSWORD"},
    "beat": {"APP_DB_PASSWORD", "REDIS_PASSWORD"},
    "metrics": {"APP_DB_PASSWORD", "REDIS_PASSWORD"},
    "flower": {"REDIS_PASSWORD", "FLOWER_BASIC_AUTH"},
    "web": {"READER_DB_PASSWORD", "SILKWIRE_WEB_BASIC_AUTH"},
    # scrapes Flower's /metrics with its login
    "prometheus": {"FLOWER_BASIC_AUTH"},
    "grafana": {"GRAFANA_ADMIN_PASSWORD"},
}
