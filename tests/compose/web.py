"""Compose-test step for the analysts' pages: the `web` service, as shipped, serves the registry the stack
built, behind its login, read through the silkwire_reader role (step 9 traces the role)."""

from __future__ import annotations

import json
from typing import Any

# Run inside the web container: the test network is internal, so its loopback-published port is not
# reachable from the host here, while the container's own loopback is (its healthcheck uses it too).
_PROBE = r"""
import base64, json, os, urllib.error, urllib.request
port = os.environ.get("SILKWIRE_WEB_PORT", "8080")
login = "Basic " + base64.b64encode(os.environ["SILKWIRE_WEB_BASIC_AUTH"].encode()).decode()
def get(path, auth=True):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if auth:
        req.add_header("Authorization", login)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")
out = {"anonymous": get("/", auth=False)[0], "healthz": get("/healthz", auth=False)[0]}
out["timeline"], page = get("/")
out["event_links"] = page.count('href="/event/')
out["csv"], body = get("/export/events.csv")
lines = body.strip().splitlines()
out["csv_header"], out["csv_rows"] = (lines[0] if lines else ""), max(len(lines) - 1, 0)
out["bad_id"], out["bad_id_body"] = get("/event/abc")
print(json.dumps(out))
"""


# An AssertionError is the step's failure in run.py's main() (run.py runs as __main__: no import of it here).
def check(ok: bool, message: str) -> None:
    if not ok:
        raise AssertionError(message)


def step_web(s: Any) -> str:
    got = json.loads(s.exec("web", "python", "-c", _PROBE, timeout=120).strip().splitlines()[-1])
    events = s.scalar("SELECT count(*) FROM registry_events")
    check(got["anonymous"] == 401 and got["healthz"] == 200, f"login: {got}")
    check(got["timeline"] == 200 and got["event_links"] > 0, f"timeline: {got}")
    check(events > 0 and got["csv"] == 200 and got["csv_header"].startswith("id,date,type"), f"CSV export: {got}")
    check(got["bad_id"] == 400 and "\n" not in got["bad_id_body"].strip(), f"a bad id: {got}")
    return (f"401 without login; timeline lists {got['event_links']} events; events.csv {got['csv_rows']} rows "
            f"({events} canonical events in Postgres); /event/abc → 400 {got['bad_id_body'].strip()!r}")
