"""The monitoring profile's files (deploy/monitoring): Prometheus's config and alert rules pass promtool
(check config, check rules, and the rule unit tests in alerts.test.yml), and every metric the alerts and the
Grafana dashboard use is one the exporter (or Flower) exports. promtool: scripts/promtool.sh installs it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from workers.observability.metrics import FAMILIES

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "deploy" / "monitoring"
DASHBOARD = MONITORING / "grafana" / "dashboards" / "silkwire.json"
# Flower's own /metrics families that the alerts and the dashboard may use (flower/events.py).
FLOWER_FAMILIES = {"flower_worker_online", "flower_events_total", "flower_task_runtime_seconds"}
PROMQL_WORDS = {"sum", "by", "rate", "increase", "histogram_quantile", "max", "min", "count", "time", "and", "or",
                "unless", "on", "absent", "label_replace", "vector", "sort_desc", "le", "without", "avg"}


def promtool() -> str:
    found = shutil.which("promtool")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("promtool is required in CI (scripts/promtool.sh installs Debian's prometheus package)")
    pytest.skip("promtool not installed: run scripts/promtool.sh (Debian's prometheus package)")


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=120, env=env, cwd=cwd, check=False)


def exported(name: str) -> bool:
    families = set(FAMILIES) | FLOWER_FAMILIES
    base = re.sub(r"_(bucket|count|sum)$", "", name)
    return name in families or base in families or name in {"up"}


def metric_names(expr: str) -> set[str]:
    """Metric names an expression reads: identifiers not in a label matcher, a string or a function call."""
    expr = re.sub(r'"[^"]*"', '""', expr)  # strings (label values, regexes)
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", expr)  # grouping labels
    names = set(re.findall(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()", expr))
    return {n for n in names if n not in PROMQL_WORDS and not re.fullmatch(r"\d+[smhd]?", n)}


@pytest.fixture
def rendered(tmp_path: Path) -> Path:
    """prometheus.yml as the container's entry point renders it for one deployment's .env values."""
    env = {**os.environ, "FLOWER_BASIC_AUTH": "ops:s3cret,second:pair", "SILKWIRE_METRICS_PORT": "9900"}
    done = run("sh", str(MONITORING / "prometheus-start.sh"), "--render", str(tmp_path), env=env)
    assert done.returncode == 0, done.stderr
    return tmp_path


def test_rendered_config_passes_promtool_and_scrapes_exporter_and_flower(rendered: Path) -> None:
    done = run(promtool(), "check", "config", str(rendered / "prometheus.yml"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 1 rule files found" in done.stdout
    config = yaml.safe_load((rendered / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["silkwire"]["static_configs"][0]["targets"] == ["metrics:9900"]
    flower = jobs["flower"]
    assert flower["static_configs"][0]["targets"] == ["flower:5555"]
    assert flower["basic_auth"]["username"] == "ops"
    # the password lives in a file only the container user reads, never in the config
    assert (rendered / "flower-password").read_text() == "s3cret"
    assert (rendered / "flower-password").stat().st_mode & 0o077 == 0
    assert "s3cret" not in (rendered / "prometheus.yml").read_text()


@pytest.mark.parametrize("value", ["", "nocolon-user;rm"])
def test_start_script_refuses_a_bad_login_in_one_line(tmp_path: Path, value: str) -> None:
    env = {**os.environ, "FLOWER_BASIC_AUTH": value}
    done = run("sh", str(MONITORING / "prometheus-start.sh"), "--render", str(tmp_path), env=env)
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "FLOWER_BASIC_AUTH" in done.stderr


def test_alert_rules_pass_promtool_check_and_their_unit_tests() -> None:
    tool = promtool()
    checked = run(tool, "check", "rules", str(MONITORING / "alerts.yml"))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = run(tool, "test", "rules", "alerts.test.yml", cwd=MONITORING)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


def test_every_alert_is_unit_tested_and_reads_exported_metrics() -> None:
    rules = [r for g in yaml.safe_load((MONITORING / "alerts.yml").read_text())["groups"] for r in g["rules"]]
    names = {r["alert"] for r in rules}
    assert {"SilkwireFeedFailing", "SilkwireStageBacklogStale", "SilkwireNoWorkerOnline", "SilkwireNoExtraction",
            "SilkwireRedisMemoryHigh"} <= names
    tests = yaml.safe_load((MONITORING / "alerts.test.yml").read_text())["tests"]
    tested = {case["alertname"] for t in tests for case in t["alert_rule_test"]}
    assert names - {"SilkwireMetricsDown"} <= tested
    for rule in rules:
        unknown = {n for n in metric_names(rule["expr"]) if not exported(n)}
        assert not unknown, (rule["alert"], unknown)


def _panels() -> list[dict[str, Any]]:
    return list(json.loads(DASHBOARD.read_text())["panels"])


def test_dashboard_panels_read_only_exported_metrics() -> None:
    panels = _panels()
    titles = {p["title"] for p in panels}
    for wanted in ("Throughput per stage", "Backlog per stage", "Failures by stage and reason", "Feeds by health",
                   "Latency publication → extraction"):
        assert any(t.startswith(wanted) for t in titles), wanted
    used: set[str] = set()
    for panel in panels:
        assert panel["datasource"]["uid"] == "silkwire-prometheus", panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            names = metric_names(target["expr"])
            assert names, (panel["title"], target["expr"])
            unknown = {n for n in names if not exported(n)}
            assert not unknown, (panel["title"], unknown)
            used |= names
    # the counters and histograms the issue asks to draw are drawn
    assert {"silkwire_stage_items_total", "silkwire_stage_failures_total", "silkwire_stage_backlog",
            "silkwire_publication_to_extraction_seconds_bucket", "silkwire_feeds"} <= used
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids))


def test_grafana_provisioning_points_at_the_dashboard_and_datasource() -> None:
    provisioning = MONITORING / "grafana" / "provisioning"
    (source,) = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())["datasources"]
    assert source["uid"] == "silkwire-prometheus" and source["url"] == "http://prometheus:9090"
    (provider,) = yaml.safe_load((provisioning / "dashboards" / "silkwire.yml").read_text())["providers"]
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]
    mounts = dict(v.split(":")[:2] for v in compose["grafana"]["volumes"])
    # the provider's path is where compose mounts the repository's dashboards directory
    assert mounts["./monitoring/grafana/dashboards"] == provider["options"]["path"]
    assert mounts["./monitoring/grafana/provisioning"] == "/etc/grafana/provisioning"


def test_monitoring_services_are_a_profile_on_loopback() -> None:
    services = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]
    for name in ("prometheus", "grafana"):
        assert services[name]["profiles"] == ["monitoring"], name
        assert all(str(p).startswith("127.0.0.1:") for p in services[name]["ports"]), name
    prometheus = services["prometheus"]
    assert "./monitoring:/etc/silkwire-monitoring:ro" in prometheus["volumes"]
    assert prometheus["entrypoint"][-1] == "/etc/silkwire-monitoring/prometheus-start.sh"
    assert "${FLOWER_BASIC_AUTH:?" in prometheus["environment"]["FLOWER_BASIC_AUTH"]
