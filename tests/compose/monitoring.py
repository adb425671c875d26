"""Compose-test steps for monitoring (issue 16): the exporter answers another container on the compose
network (as Prometheus will scrape it) with counters of the work the stack has done, and the monitoring
profile's Prometheus, when its image is there (deploy/standins/build.sh builds a stand-in), scrapes the
exporter and Flower's /metrics with every target up and its alert rules loaded. Used by run.py.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.compose.run import Stack

DOCKER = os.environ.get("DOCKER", "/usr/bin/docker")
PROMETHEUS_IMAGE = "prom/prometheus:v2.42.0"
PROFILE = ("--profile", "monitoring")

# Runs inside the flower container (the app image: prometheus_client is there): one scrape of the exporter
# by its compose service name, parsed with prometheus_client's own parser.
SCRAPE = """
import json, os, urllib.request
from prometheus_client.parser import text_string_to_metric_families
port = os.environ.get("SILKWIRE_METRICS_PORT", "9808")
text = urllib.request.urlopen(f"http://metrics:{port}/metrics", timeout=30).read().decode()
out = {"types": {}, "samples": []}
for family in text_string_to_metric_families(text):
    out["types"][family.name] = family.type
    for s in family.samples:
        if s.name in ("silkwire_stage_items_total", "silkwire_stage_failures_total", "silkwire_source_up",
                      "silkwire_publication_to_extraction_seconds_count"):
            out["samples"].append([s.name, s.labels, s.value])
print(json.dumps(out))
"""

PROMETHEUS_API = """
import json, sys, urllib.parse, urllib.request
def get(path):
    return json.load(urllib.request.urlopen("http://prometheus:9090" + path, timeout=20))["data"]
targets = {t["labels"]["job"]: [t["health"], t["lastError"]] for t in get("/api/v1/targets")["activeTargets"]}
rules = [r["name"] for g in get("/api/v1/rules")["groups"] for r in g["rules"]]
q = urllib.parse.quote('sum(silkwire_stage_items_total{outcome="done"})')
done = get("/api/v1/query?query=" + q)["result"]
online = get("/api/v1/query?query=" + urllib.parse.quote("flower_worker_online"))["result"]
print(json.dumps({"targets": targets, "rules": rules, "done": done[0]["value"][1] if done else None,
                  "workers": {r["metric"]["worker"]: r["value"][1] for r in online}}))
"""


def _py(s: Stack, code: str) -> Any:
    return json.loads(s.exec("flower", "python", "-c", code, timeout=90).strip().splitlines()[-1])


# run.py's main() reports an AssertionError as the step's failure (this module does not import run.py: it
# runs as __main__, and a second copy of it would have its own StepFailed).
def check(ok: bool, message: str) -> None:
    if not ok:
        raise AssertionError(message)


def wait_for(what: str, predicate: Callable[[], Any], timeout_s: float, every_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every_s)
    raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")


def step_exporter_across_network(s: Stack) -> str:
    """Scraped from the flower container as http://metrics:PORT/metrics: counters of the work done."""
    got = _py(s, SCRAPE)
    v = {(name, tuple(sorted(labels.items()))): value for name, labels, value in got["samples"]}

    def at(name: str, **labels: str) -> float:
        return float(v.get((name, tuple(sorted(labels.items()))), 0.0))

    check(got["types"].get("silkwire_stage_items") == "counter", f"types: {got['types']}")
    check(got["types"].get("silkwire_publication_to_extraction_seconds") == "histogram", f"types: {got['types']}")
    up = {labels["source"]: value for name, labels, value in got["samples"] if name == "silkwire_source_up"}
    check(bool(up) and all(x == 1 for x in up.values()), f"sources: {up}")
    analysed = at("silkwire_stage_items_total", stage="analyse", outcome="done")
    extracted = at("silkwire_stage_items_total", stage="extract", outcome="done")
    # every article was analysed once, then re-extracted by each re-processing step (4, 5a, 5b, 5d, 6)
    check(analysed >= s.extractable > 0, f"analyse done {analysed}, {s.extractable} extractions")
    check(extracted >= 2 * s.extractable, f"extract done {extracted} after several re-processings")
    gone = s.scalar("SELECT count(*) FROM articles WHERE state = 'failed' AND last_error LIKE '%HTTP 404%'")
    failed_404 = at("silkwire_stage_failures_total", stage="fetch", reason="http_404")
    check(failed_404 >= gone, f"fetch failures http_404 {failed_404}, {gone} articles failed on a 404")
    return (f"flower → http://metrics/metrics: analyse done {analysed:.0f}, extract done {extracted:.0f}, "
            f"fetch http_404 {failed_404:.0f}, latency count "
            f"{at('silkwire_publication_to_extraction_seconds_count'):.0f}, sources up {sorted(up)}")


def step_prometheus(s: Stack) -> str:
    """`--profile monitoring up -d prometheus`: both targets up, the rules loaded, the exporter's data there."""
    found = json.loads(s.run(DOCKER, "image", "inspect", PROMETHEUS_IMAGE, ok=False, timeout=60) or "[]")
    if not found:
        return f"skipped: no {PROMETHEUS_IMAGE} image (deploy/standins/build.sh builds a stand-in)"
    s.compose(*PROFILE, "up", "-d", "prometheus", timeout=300)
    (cid,) = s.compose(*PROFILE, "ps", "-q", "prometheus", timeout=60).split()
    wait_for("prometheus healthy", lambda: s.inspect(cid)["State"].get("Health", {}).get("Status") == "healthy",
             180, every_s=3)
    t = time.monotonic()
    state: dict[str, Any] = {}

    def all_up() -> bool:
        state.update(_py(s, PROMETHEUS_API))
        return bool(state["done"]) and all(h == "up" for h, _ in state["targets"].values())

    try:
        wait_for("every Prometheus target up with silkwire data", all_up, 150, every_s=5)
    except AssertionError as exc:
        raise AssertionError(f"{exc}: targets {state.get('targets')}, done {state.get('done')}") from None
    check({"silkwire", "flower"} <= set(state["targets"]), f"targets: {state['targets']}")
    check(len(state["rules"]) >= 6 and "SilkwireFeedFailing" in state["rules"], f"rules: {state['rules']}")
    return (f"targets {sorted(state['targets'])} up after {time.monotonic() - t:.0f}s; {len(state['rules'])} "
            f"rules loaded; sum(stage items done) = {state['done']}; Flower workers {state['workers']}")
