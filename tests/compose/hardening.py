"""Compose-test steps for the deployment's hygiene (issue 17 finding 13, issue 16 "Logs and secrets"):
every role logs JSON lines, each container holds only its secrets, the app and reader roles cannot
change the schema, and a placeholder password stops a service with one line. Used by run.py.
"""

from __future__ import annotations

import json
import subprocess
from typing import TYPE_CHECKING

from tests.support.deploy import SECRETS_OF

if TYPE_CHECKING:
    from tests.compose.run import Stack

SHORT = {"POSTGRES_PASSWORD": "pg-superuser", "APP_DB_PASSWORD": "pg-app", "READER_DB_PASSWORD": "pg-reader",
         "REDIS_PASSWORD": "redis", "FLOWER_BASIC_AUTH": "flower-auth", "SILKWIRE_WEB_BASIC_AUTH": "web-auth",
         "GRAFANA_ADMIN_PASSWORD": "grafana"}
OUR_ROLES = ("migrate", "worker-io", "worker-nlp", "beat", "flower", "metrics", "web")


def services_running(s: Stack) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for cid in s.containers(all_=True):
        found.setdefault(s.service_of(cid), []).append(cid)
    return found


def step_json_logs(s: Stack) -> str:
    """`docker logs` of every container of our image: each line one JSON object (SILKWIRE_LOG_JSON=true)."""
    counts = {}
    for svc, cids in sorted(services_running(s).items()):
        if svc not in OUR_ROLES:
            continue
        lines = [line for cid in cids for line in s.logs(cid).splitlines() if line.strip()]
        for line in lines:
            try:
                ok = isinstance(json.loads(line), dict)
            except ValueError:
                ok = False
            if not ok:
                raise AssertionError(f"{svc} logged a line that is not a JSON object: {line[:300]!r}")
        counts[svc] = len(lines)
    if not {"migrate", "worker-io", "worker-nlp", "beat", "flower", "metrics"} <= set(counts):
        raise AssertionError(f"roles seen: {sorted(counts)}")
    return "every line a JSON object: " + ", ".join(f"{k} {v}" for k, v in counts.items())


def step_secrets(s: Stack) -> str:
    """What each container holds (docker inspect), and as whom the app is connected to Postgres."""
    held: dict[str, set[str]] = {}
    for svc, cids in sorted(services_running(s).items()):
        for cid in cids:
            env = "\n".join(s.inspect(cid)["Config"]["Env"] or [])
            got = {key for key, value in s.secrets.items() if value in env}
            wanted = SECRETS_OF.get(svc, set()) & set(s.secrets)
            if got != wanted:
                raise AssertionError(f"{svc} holds {sorted(got)}, should hold {sorted(wanted)}")
            held[svc] = got
    # Connections from other containers (TCP; the healthcheck's pg_isready and our psql use the socket),
    # each traced to its container by address: the app as silkwire_app, web as silkwire_reader.
    address_of = {}
    for svc, cids in services_running(s).items():
        for cid in cids:
            for net in (s.inspect(cid)["NetworkSettings"]["Networks"] or {}).values():
                if net.get("IPAddress"):
                    address_of[net["IPAddress"]] = svc
    rows = s.sql("SELECT DISTINCT host(client_addr), usename FROM pg_stat_activity WHERE datname = 'silkwire'"
                 " AND backend_type = 'client backend' AND client_addr IS NOT NULL")
    connected: dict[str, set[str]] = {}
    for address, user in rows:
        connected.setdefault(address_of.get(address, address), set()).add(user)
    for svc, users in connected.items():
        wanted = {"silkwire_reader"} if svc == "web" else {"silkwire_app"}
        if users != wanted:
            raise AssertionError(f"{svc} connected to the database as {sorted(users)}, expected {sorted(wanted)}")
    if not {"worker-io", "worker-nlp", "metrics"} & set(connected):
        raise AssertionError(f"no worker connection seen: {connected}")
    roles = ", ".join(f"{svc} as {'/'.join(sorted(users))}" for svc, users in sorted(connected.items()))
    table = "; ".join(f"{svc}: {', '.join(sorted(SHORT.get(k, k) for k in keys)) or 'none'}"
                      for svc, keys in held.items())
    return f"connected: {roles}. Holds: {table}"


def _psql_as(s: Stack, role: str, password: str, statement: str) -> tuple[bool, str]:
    url = f"postgresql://{role}:{password}@127.0.0.1:5432/silkwire"
    out = s.exec("postgres", "sh", "-c", 'psql "$0" -AtX -v ON_ERROR_STOP=1 -c "$1" 2>&1; echo "rc=$?"',
                 url, statement, timeout=60)
    return out.rstrip().endswith("rc=0"), out.rsplit("rc=", 1)[0].strip()


def step_roles(s: Stack) -> str:
    app, reader = s.secrets["APP_DB_PASSWORD"], s.secrets["READER_DB_PASSWORD"]
    ok, out = _psql_as(s, "silkwire_app", app, "SELECT count(*) FROM articles")
    if not ok or not out.isdigit():
        raise AssertionError(f"silkwire_app cannot read: {out}")
    refused = []
    for statement in ("CREATE TABLE sneaky (id int)", "DROP TABLE feeds", "ALTER TABLE feeds ADD COLUMN sneaky int",
                      "TRUNCATE articles"):
        ok, out = _psql_as(s, "silkwire_app", app, statement)
        if ok or ("permission denied" not in out and "must be owner" not in out):
            raise AssertionError(f"silkwire_app ran {statement!r}: {out}")
        refused.append(statement.split(" (")[0].split(" ADD")[0])
    ok, out = _psql_as(s, "silkwire_reader", reader, "SELECT count(*) FROM extractions")
    if not ok:
        raise AssertionError(f"silkwire_reader cannot read: {out}")
    ok, out = _psql_as(s, "silkwire_reader", reader, "INSERT INTO sources (name) VALUES ('sneaky')")
    if ok or not ("permission denied" in out or "read-only transaction" in out):
        raise AssertionError(f"silkwire_reader inserted: {out}")
    return (f"silkwire_app (the pipeline's role, steps 2-6) refused: {', '.join(refused)}; "
            f"silkwire_reader reads, INSERT refused ({out.splitlines()[-1][:60]})")


def step_placeholders(s: Stack) -> str:
    """A container started with a placeholder password exits non-zero with one line naming it."""
    db = "postgres:5432/silkwire"
    cases = [
        ("migrate", "SILKWIRE_DATABASE_URL", f"postgresql://silkwire:change-me-postgres@{db}"),
        ("worker-io", "SILKWIRE_BROKER_URL", "redis://:change-me-redis@redis:6379/0"),
        ("worker-nlp", "SILKWIRE_DATABASE_URL", f"postgresql://silkwire_app:change-me-app@{db}"),
        ("beat", "SILKWIRE_REDIS_URL", "redis://:change-me-redis@redis:6379/0"),
        ("flower", "FLOWER_BASIC_AUTH", "admin:change-me-flower"),
        ("metrics", "SILKWIRE_DATABASE_URL", f"postgresql://silkwire_app:change-me-app@{db}"),
    ]
    if "web" in services_running(s):
        cases.append(("web", "SILKWIRE_WEB_DATABASE_URL", f"postgresql://silkwire_reader:change-me-reader@{db}"))
    seen = []
    for svc, key, value in cases:
        args = [*s.compose_args(), "run", "--rm", "--no-deps", "-T", "-e", f"{key}={value}", svc]
        done = subprocess.run(args, capture_output=True, text=True, timeout=180, env=s.env, cwd=s.deploy,
                              check=False)
        lines = [line for line in (done.stdout + done.stderr).splitlines()
                 if line.strip() and "refusing to start" in line]
        if done.returncode == 0 or len(lines) != 1 or key not in lines[0]:
            raise AssertionError(f"{svc} with a placeholder {key}: exit {done.returncode}, "
                                 f"{(done.stdout + done.stderr)[-600:]}")
        message = json.loads(lines[0])["message"]
        seen.append(f"{svc} exit {done.returncode}")
    return f"{'; '.join(seen)}, each one JSON line: {message[:110]}…"
