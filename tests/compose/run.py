"""`make compose-test`: the shipped deploy/compose.yaml, run for real on a Docker engine (issue 13).

Builds the image, starts the stack with tests/compose/compose.test.yaml (replay host + test settings
only), then checks, step by step: health, ingestion of the replay corpus against `make demo`'s counts,
Flower's API, re-processing, faults (kill, Redis restart, down/up, scale), warm shutdown and the
security promises. Prints a table (step, seconds, result) and removes every container, volume, network
and image it made. Exit status 1 when a step failed.

Traffic stays on this machine: the compose network is internal, the only host port used is Flower's
(127.0.0.1:5555). Every wait is bounded. Needs docker (BuildKit) and docker-compose; run
deploy/standins/build.sh first where Docker Hub cannot be reached (.ci/run does).
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workers.taskspec import POLL_DUE_FEEDS, POLL_FEED

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script (make compose-test): the steps in tests/compose/ import
    sys.path.insert(0, str(ROOT))
from tests.compose import hardening, monitoring, web  # noqa: E402

HERE = Path(__file__).resolve().parent
DOCKER = os.environ.get("DOCKER", "/usr/bin/docker")
COMPOSE = os.environ.get("DOCKER_COMPOSE", shutil.which("docker-compose") or "docker-compose")
APP_SERVICES = ("worker-io", "worker-nlp", "beat", "flower", "metrics")
HEALTHY_WAIT_S = 420
SLOW_CPUS = 0.02
RUN_WAIT_S = 300
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


class StepFailed(Exception):
    pass


def check(ok: bool, message: str) -> None:
    if not ok:
        raise StepFailed(message)


def wait_for(what: str, predicate: Callable[[], Any], timeout_s: float, every_s: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(every_s)
    raise StepFailed(f"timed out after {timeout_s:.0f}s waiting for {what} (last: {last!r})")


class Stack:
    def __init__(self, workdir: Path) -> None:
        self.tag = f"swct{secrets.token_hex(4)}"
        self.project = self.tag
        self.image = f"silkwire-compose-test:{self.tag}"
        self.deploy = workdir / "deploy"
        self.deploy.mkdir(parents=True)
        # The shipped compose file, byte for byte, beside its test override and a generated .env.
        shutil.copy2(ROOT / "deploy" / "compose.yaml", self.deploy / "compose.yaml")
        shutil.copy2(HERE / "compose.test.yaml", self.deploy / "compose.test.yaml")
        # What the monitoring profile mounts (./monitoring), as in the repository.
        shutil.copytree(ROOT / "deploy" / "monitoring", self.deploy / "monitoring")
        # Every placeholder password (change-me-…) replaced by a generated one, as an operator must:
        # the services refuse to start on a placeholder (step 11 checks that they do).
        example = (ROOT / "deploy" / ".env.example").read_text()
        env = re.sub(r"change-me-[a-z]+", lambda _: secrets.token_hex(12), example)
        env = env.replace("APP_IMAGE=silkwire:local", f"APP_IMAGE={self.image}")
        values = dict(line.split("=", 1) for line in env.splitlines() if "=" in line and not line.startswith("#"))
        check(not any("change-me" in v for v in values.values()) and self.image in env, ".env.example changed shape")
        # Secret values by key (the password part of user:password), for what each container holds.
        self.secrets = {k: v.split(":")[-1] for k, v in values.items()
                        if k.endswith(("_PASSWORD", "_BASIC_AUTH")) and v}
        self.flower_auth = values["FLOWER_BASIC_AUTH"]
        (self.deploy / ".env").write_text(env)
        (self.deploy / ".env").chmod(0o600)
        self.env = {**os.environ, "DOCKER_BUILDKIT": "1", "COMPOSE_DOCKER_CLI_BUILD": "1",
                    "PATH": f"{Path(DOCKER).parent}:{os.environ.get('PATH', '')}"}

    # -- plumbing

    def run(self, *args: str, timeout: float = 120, input: str | None = None, ok: bool = True) -> str:
        try:
            done = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, env=self.env,
                                  input=input, cwd=self.deploy, check=False)
        except subprocess.TimeoutExpired as exc:
            raise StepFailed(f"timed out after {timeout}s: {' '.join(args)[:200]}") from exc
        if ok and done.returncode != 0:
            raise StepFailed(f"{' '.join(args)[:200]} → exit {done.returncode}: {(done.stderr or done.stdout)[-800:]}")
        return done.stdout

    def compose_args(self) -> list[str]:
        return [COMPOSE, "-p", self.project, "-f", "compose.yaml", "-f", "compose.test.yaml"]

    def compose(self, *args: str, timeout: float = 300, ok: bool = True, input: str | None = None) -> str:
        return self.run(*self.compose_args(), *args, timeout=timeout, ok=ok, input=input)

    def exec(self, service: str, *cmd: str, timeout: float = 120, ok: bool = True, index: int = 1) -> str:
        return self.compose("exec", "-T", "--index", str(index), service, *cmd, timeout=timeout, ok=ok)

    def sql(self, query: str) -> list[list[str]]:
        out = self.exec("postgres", "psql", "-U", "silkwire", "-d", "silkwire", "-AtX", "-F", "\t",
                        "-v", "ON_ERROR_STOP=1", "-c", query, timeout=60)
        return [line.split("\t") for line in out.splitlines() if line]

    def scalar(self, query: str) -> int:
        return int(self.sql(query)[0][0])

    def containers(self, service: str | None = None, all_: bool = False) -> list[str]:
        args = ["ps", "-q", *(["-a"] if all_ else []), *([service] if service else [])]
        return self.compose(*args, timeout=60).split()

    def inspect(self, container: str) -> dict[str, Any]:
        return json.loads(self.run(DOCKER, "inspect", container, timeout=60))[0]

    def service_of(self, container: str) -> str:
        return str(self.inspect(container)["Config"]["Labels"]["com.docker.compose.service"])

    def all_healthy(self) -> dict[str, str] | None:
        """Service → state for every container; None until each is healthy (migrate: exited 0)."""
        states: dict[str, str] = {}
        for cid in self.containers(all_=True):
            info = self.inspect(cid)
            svc = info["Config"]["Labels"]["com.docker.compose.service"]
            st = info["State"]
            if svc == "migrate":
                if st["Status"] == "exited" and st["ExitCode"] != 0:
                    logs = self.compose("logs", "--tail", "20", "migrate")[-1500:]
                    raise StepFailed(f"migrate exited {st['ExitCode']}: {logs}")
                states[svc] = "exited 0" if st["Status"] == "exited" else st["Status"]
            elif "Health" in st:
                states[svc] = st["Health"]["Status"]
            else:  # beat has no health check by design (a crashed beat exits and is restarted)
                states[svc] = "running (no check)" if st["Status"] == "running" else st["Status"]
        wanted = {"postgres", "redis", "migrate", "replay", *APP_SERVICES}
        good = wanted <= set(states) and all(v in ("healthy", "exited 0", "running (no check)")
                                             for v in states.values())
        return states if good else None

    def articles(self) -> dict[str, int]:
        rows = self.sql("SELECT count(*), count(*) FILTER (WHERE state IN ('queued','pending')),"
                        " count(*) FILTER (WHERE state = 'done'),"
                        " (SELECT count(*) FROM feeds WHERE last_polled_at IS NULL) FROM articles")
        total, waiting, done, unpolled = (int(x) for x in rows[0])
        return {"total": total, "waiting": waiting, "done": done, "unpolled": unpolled}

    def summary(self) -> dict[str, int]:
        from workers.cli.demo_cmd import SUMMARY_SQL

        keys = ["feeds", "articles", "analysed", "failed", "relevant", "people", "organisations", "events",
                "agreements"]
        return dict(zip(keys, (int(v) for v in self.sql(" ".join(SUMMARY_SQL.split()))[0]), strict=True))

    def child_rows(self) -> dict[str, int]:
        tables = ("extractions", "entities", "events", "agreements", "figures", "article_sectors")
        row = self.sql("SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in tables))[0]
        return dict(zip(tables, (int(v) for v in row), strict=True))

    def queues(self) -> dict[str, int]:
        status = json.loads(self.exec("worker-io", "silkwire", "status", "-o", "json", timeout=60))
        queues = status.get("queues")
        check(isinstance(queues, dict) and bool(queues), f"silkwire status has no queue depths: {status}")
        return {str(k): int(v) for k, v in queues.items()}

    def reprocess(self, wait: bool) -> str:
        return self.exec("worker-io", "silkwire", "reprocess", "--stage", "extract", "--yes",
                         *(["--wait"] if wait else []), timeout=RUN_WAIT_S + 60)

    def all_reextracted_since(self, stamp: str) -> bool:
        return self.scalar(f"SELECT count(*) FROM articles a JOIN extractions e ON e.article_id = a.id"
                           f" WHERE a.state = 'done' AND e.extracted_at > '{stamp}'") == self.extractable

    def now(self) -> str:
        return self.sql("SELECT clock_timestamp()")[0][0]

    def flower(self, path: str, auth: bool = True) -> tuple[int, Any]:
        req = urllib.request.Request(f"http://127.0.0.1:5555{path}")
        if auth:
            req.add_header("Authorization", "Basic " + base64.b64encode(self.flower_auth.encode()).decode())
        try:
            with urllib.request.urlopen(req, timeout=15) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, None

    def worker_totals(self) -> dict[str, int]:
        out = self.exec("worker-io", "celery", "-A", "workers.tasks.app", "inspect", "stats", "--json",
                        "--timeout", "10", timeout=60)
        data = json.loads(out.strip().splitlines()[-1])
        return {node: sum(stats.get("total", {}).values()) for node, stats in data.items()}

    def throttle(self, service: str, cpus: float, all_: bool = False) -> None:
        """Slow a service's containers down (CFS quota), so a kill or a stop lands in the middle of a
        run: an analysis takes ~40 ms, the whole corpus well under a second at full speed."""
        for cid in self.containers(service, all_=all_):
            self.run(DOCKER, "update", "--cpus", f"{cpus:g}", cid, timeout=60)

    def logs(self, container: str) -> str:
        done = subprocess.run([DOCKER, "logs", container], capture_output=True, text=True, timeout=60, check=False)
        return done.stdout + done.stderr

    def extracted_since(self, stamp: str) -> int:
        return self.scalar(f"SELECT count(*) FROM extractions WHERE extracted_at > '{stamp}'")

    extractable = 0


# --- the steps


def step_build(s: Stack) -> str:
    secret = ["--secret", f"id=ca-bundle,src={CA_BUNDLE}"] if Path(CA_BUNDLE).is_file() else []
    t = time.monotonic()
    # The context is the repository root, as compose's `build: context: ..` says. Built with docker
    # itself because compose v1 cannot pass a build secret (the CA bundle).
    s.run(DOCKER, "build", "-q", *secret, "-f", str(ROOT / "deploy" / "Dockerfile"), "-t", s.image, str(ROOT),
          timeout=1500)
    built = time.monotonic() - t
    s.compose("up", "-d", timeout=300)
    states = wait_for("every service healthy", s.all_healthy, HEALTHY_WAIT_S, every_s=3)
    return f"image built in {built:.0f}s; {len(states)} services healthy, migrate exited 0"


def step_ingest(s: Stack, expected: dict[str, int]) -> str:
    feeds = s.sql("SELECT url FROM feeds ORDER BY id")
    check(len(feeds) == expected["feeds"], f"feeds registered: {feeds}")
    check(all(u[0].startswith("http://replay:8080/") for u in feeds), f"feeds not on the replay host: {feeds}")

    def settled() -> bool:
        a = s.articles()
        return a["unpolled"] == 0 and a["total"] >= expected["articles"] and a["waiting"] == 0

    wait_for("beat to poll every feed and every article to settle", settled, RUN_WAIT_S, every_s=3)
    got = s.summary()
    check(got == expected, f"stack {got} != make demo {expected}")
    s.extractable = s.scalar("SELECT count(*) FROM extractions")
    return "same as make demo: " + ", ".join(f"{k} {v}" for k, v in got.items())


def step_flower(s: Stack) -> str:
    status, _ = s.flower("/api/tasks", auth=False)
    check(status == 401, f"without login: HTTP {status}")
    status, tasks = s.flower("/api/tasks?limit=1000")
    check(status == 200 and isinstance(tasks, dict), f"with login: HTTP {status}")
    by_name: dict[str, int] = {}
    for task_id, task in tasks.items():
        by_name[task.get("name") or "?"] = by_name.get(task.get("name") or "?", 0) + 1
        check(len(task_id) >= 32, f"task id {task_id!r}")
    check({POLL_DUE_FEEDS, POLL_FEED} <= set(by_name), f"tasks seen: {by_name}")
    polls = [t for t in tasks.values() if t.get("name") == POLL_FEED]
    ids = {int(row[0]) for row in s.sql("SELECT id FROM feeds")}
    check(all(str(t.get("args", "")).strip("()[], ").split(",")[0].strip() in {str(i) for i in ids}
              for t in polls), f"poll_feed args are not feed ids: {[t.get('args') for t in polls][:5]}")
    article_tasks = [n for n in by_name if n not in (POLL_DUE_FEEDS, POLL_FEED)]
    check(bool(article_tasks), f"no article task listed: {by_name}")
    # The replay's dead link failed for good: its fetch is a FAILURE naming the article and the 404.
    failed = [t for t in tasks.values() if t.get("state") == "FAILURE" and "fetch_article" in (t.get("name") or "")]
    check(any("FailedForGood" in str(t.get("exception")) and "404" in str(t.get("exception")) for t in failed),
          f"no failed fetch with its reason: {[t.get('exception') for t in failed][:3]}")
    workers = {str(t.get("worker", "")).split("@")[0] for t in tasks.values()}
    check({"io", "nlp"} <= workers, f"workers not named by role: {workers}")
    return ("401 without login; " + ", ".join(f"{n} ×{c}" for n, c in sorted(by_name.items()))
            + f"; failed for good: {failed[0].get('exception')}")


def step_reprocess(s: Stack) -> str:
    before = s.child_rows()
    stamp = s.now()
    s.reprocess(wait=True)
    check(s.all_reextracted_since(stamp), "not every article re-extracted")
    check(s.child_rows() == before, f"result rows changed: {before} → {s.child_rows()}")
    queues = s.queues()
    check(not any(queues.values()), f"queues not empty: {queues}")
    return f"{s.extractable} articles re-extracted, result rows replaced, not added; queues empty: {queues}"


def step_kill(s: Stack) -> str:
    before = s.child_rows()
    s.throttle("worker-nlp", SLOW_CPUS)
    for attempt in range(1, 4):
        stamp = s.now()
        s.reprocess(wait=False)

        def midway(stamp: str = stamp) -> bool:
            return 1 <= s.extracted_since(stamp) < s.extractable

        def finished(stamp: str = stamp) -> bool:
            return s.all_reextracted_since(stamp)

        try:
            wait_for("re-processing under way", midway, 60, every_s=0.2)
        except StepFailed:
            wait_for("that re-process to finish", finished, RUN_WAIT_S, 2)
            continue
        (cid,) = s.containers("worker-nlp")
        s.run(DOCKER, "kill", cid, timeout=60)
        killed_at = s.extracted_since(stamp)
        check(killed_at < s.extractable, "the run finished before the kill landed")
        s.throttle("worker-nlp", os.cpu_count() or 1, all_=True)
        s.compose("up", "-d", timeout=300)
        wait_for("every article re-extracted after the kill", finished, RUN_WAIT_S, every_s=2)
        check(s.child_rows() == before, f"rows after the kill {s.child_rows()} != {before}")
        check(s.articles()["done"] == s.summary()["analysed"], "articles not done")
        again = s.scalar("SELECT count(*) FROM articles WHERE attempts > 1")
        return (f"docker kill worker-nlp at {killed_at}/{s.extractable} re-extracted (try {attempt}, worker "
                f"throttled to {SLOW_CPUS} CPU); after up -d all {s.extractable} done ({again} in flight at the "
                f"kill ran again after the visibility timeout), result rows unchanged")
    raise StepFailed("re-processing never seen in progress to kill it in the middle")


def step_redis_restart(s: Stack) -> str:
    s.compose("stop", "worker-nlp", timeout=260)
    stamp = s.now()
    s.reprocess(wait=False)
    queued = s.queues()["reprocess"]
    check(queued > 0, "nothing queued on 'reprocess'")
    s.compose("restart", "redis", timeout=120)
    wait_for("redis healthy", lambda: s.inspect(s.containers("redis")[0])["State"].get("Health", {})
             .get("Status") == "healthy", 120, every_s=2)
    after = s.queues()["reprocess"]
    check(after == queued, f"queued {queued} before the restart, {after} after")
    s.compose("start", "worker-nlp", timeout=120)
    wait_for("queued work done after the restart", lambda: s.all_reextracted_since(stamp), RUN_WAIT_S, 2)
    return f"{queued} messages queued across restart redis; all {s.extractable} articles re-extracted"


def step_down_up(s: Stack) -> str:
    before = (s.summary(), s.child_rows())
    s.compose("down", timeout=400)
    check(not s.containers(all_=True), "containers left after down")
    s.compose("up", "-d", timeout=300)
    wait_for("every service healthy again", s.all_healthy, HEALTHY_WAIT_S, every_s=3)
    after = (s.summary(), s.child_rows())
    check(after == before, f"rows changed across down/up: {before} → {after}")
    return f"down (volumes kept) + up -d: all {before[0]['articles']} articles and their results still there"


def step_scale(s: Stack) -> str:
    s.compose("up", "-d", "--scale", "worker-nlp=2", timeout=300)
    nlp = s.containers("worker-nlp")
    check(len(nlp) == 2, f"worker-nlp containers: {nlp}")
    nodes = {f"nlp@{s.inspect(c)['Config']['Hostname']}" for c in nlp}  # named by role (tasks/layout.py)
    wait_for("both NLP workers answering", lambda: nodes <= set(s.worker_totals()), 180, every_s=5)
    before = s.worker_totals()
    stamp = s.now()
    s.reprocess(wait=True)
    check(s.all_reextracted_since(stamp), "not every article re-extracted with two NLP workers")
    after = s.worker_totals()
    worked = {n: after.get(n, 0) - before.get(n, 0) for n in nodes}
    check(all(v > 0 for v in worked.values()), f"tasks per NLP worker: {worked}")
    return "two worker-nlp containers both consumed: " + ", ".join(str(v) for v in worked.values()) + " tasks"


def step_warm_stop(s: Stack) -> str:
    s.throttle("worker-nlp", 2.5 * SLOW_CPUS)  # slow enough to stop mid-run; shutdown itself runs at this speed
    stamp = s.now()
    s.reprocess(wait=False)
    wait_for("re-processing under way", lambda: 1 <= s.extracted_since(stamp) < s.extractable, 60, every_s=0.2)
    at_stop = s.extracted_since(stamp)  # postgres stops last, after the workers: read it now
    check(at_stop < s.extractable, "the run finished before the stop was sent")
    t = time.monotonic()
    s.compose("stop", timeout=600)
    took = time.monotonic() - t
    codes = {}
    for cid in s.containers(all_=True):
        info = s.inspect(cid)
        codes[info["Name"].lstrip("/")] = info["State"]["ExitCode"]
    workers = {n: c for n, c in codes.items() if "worker" in n}
    check(all(c == 0 for c in workers.values()), f"workers did not exit cleanly (137 = killed): {workers}")
    check(took < 200, f"stop took {took:.0f}s, past stop_grace_period")
    warm = sum("Warm shutdown" in s.logs(cid) for cid in s.containers("worker-nlp", all_=True))
    s.throttle("worker-nlp", os.cpu_count() or 1, all_=True)
    s.compose("start", timeout=300)
    wait_for("every service healthy after start", s.all_healthy, HEALTHY_WAIT_S, every_s=3)
    wait_for("the rest of the re-process", lambda: s.all_reextracted_since(stamp), RUN_WAIT_S, every_s=2)
    twice = s.scalar("SELECT count(*) FROM articles WHERE attempts > 1")
    check(twice == 0, f"{twice} articles were run more than once")
    return (f"stop sent at {at_stop}/{s.extractable} re-extracted, took {took:.0f}s, workers exit 0, "
            f"{warm} warm shutdown(s) logged; after start the rest done, each article exactly once")


def step_security(s: Stack) -> str:
    for svc in ("migrate", *APP_SERVICES):
        for cid in s.containers(svc, all_=True):
            user = s.inspect(cid)["Config"]["User"]
            check(user.split(":")[0] == "10001", f"{svc} runs as {user!r}")
    for svc in APP_SERVICES:
        check(s.exec(svc, "id", "-u", timeout=60).strip() == "10001", f"{svc}: id -u")
    for svc in ("postgres", "redis"):
        for cid in s.containers(svc):
            info = s.inspect(cid)
            bound = {k: v for k, v in (info["NetworkSettings"]["Ports"] or {}).items() if v}
            check(not bound and not info["HostConfig"]["PortBindings"], f"{svc} publishes {bound}")
    # From another container on the network, as any client would: no password refused, the
    # configured URL (with it) answered.
    probe = ("import os, redis, sys\n"
             "try:\n    redis.Redis(host='redis', protocol=2, socket_timeout=5).ping()\n"
             "except redis.exceptions.AuthenticationError as exc:\n    print('refused:', exc)\n"
             "else:\n    sys.exit('redis answered without a password')\n"
             "assert redis.Redis.from_url(os.environ['SILKWIRE_BROKER_URL'], socket_timeout=5).ping()\n")
    out = s.exec("worker-io", "python", "-c", probe, timeout=60)
    check(out.startswith("refused:"), out)
    return "app containers run as uid 10001; postgres/redis publish no port; redis: " + out.strip()


# --- driver


def demo_baseline() -> dict[str, int]:
    """What `make demo` lands, from this checkout against the host's PostgreSQL and Redis."""
    import psycopg
    import psycopg.conninfo

    from workers.cli.demo_cmd import SUMMARY_SQL
    from workers.settings import get_settings

    database = f"silkwire_compose_ref_{os.getpid()}"
    silkwire = Path(sys.executable).parent / "silkwire"
    done = subprocess.run([str(silkwire), "demo", "--database", database, "--timeout", "300"], cwd=ROOT,
                          capture_output=True, text=True, timeout=420, check=False)
    dsn = psycopg.conninfo.make_conninfo(get_settings().database_url, dbname=database)
    try:
        if done.returncode != 0:
            raise StepFailed(f"make demo's run failed: {done.stdout[-1000:]}{done.stderr[-1000:]}")
        with psycopg.connect(dsn) as conn:
            row = conn.execute(SUMMARY_SQL).fetchone()
            assert row is not None
            names = [c.name for c in conn.execute(SUMMARY_SQL).description or []]
        return dict(zip(names, (int(v) for v in row), strict=True))
    finally:
        admin = psycopg.conninfo.make_conninfo(get_settings().database_url, dbname="postgres")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def remove_leftovers(s: Stack) -> str:
    """Stacks of an earlier run that was killed before its teardown (they would hold port 5555)."""
    projects = set(s.run(DOCKER, "ps", "-a", "--filter", "label=com.docker.compose.project", "--format",
                         '{{.Label "com.docker.compose.project"}}', timeout=60).split())
    stale = sorted(p for p in projects if p.startswith("swct") and p != s.project)
    for project in stale:
        label = f"label=com.docker.compose.project={project}"
        for kind in ("container", "volume", "network"):
            ids = s.run(DOCKER, kind, "ls", "-q", *(["-a"] if kind == "container" else []), "--filter", label,
                        timeout=60).split()
            if ids:
                s.run(DOCKER, kind, "rm", *(["-f"] if kind != "network" else []), *ids, timeout=300, ok=False)
    return f"removed stale test stacks {stale}" if stale else "none"


def teardown(s: Stack) -> str:
    # with the monitoring profile: its Prometheus (step 13) goes too
    s.compose("--profile", "monitoring", "down", "-v", "--remove-orphans", "-t", "30", timeout=400, ok=False)
    s.run(DOCKER, "image", "rm", "-f", s.image, timeout=120, ok=False)
    left = s.run(DOCKER, "ps", "-aq", "--filter", f"label=com.docker.compose.project={s.project}", timeout=60)
    vols = s.run(DOCKER, "volume", "ls", "-q", "--filter", f"label=com.docker.compose.project={s.project}",
                 timeout=60)
    check(not left.strip() and not vols.strip(), f"left behind: {left.split()} {vols.split()}")
    return f"containers, volumes, networks and image {s.image} removed"


def main() -> int:
    results: list[tuple[str, float, str, bool]] = []
    failed = False

    def timed(name: str, fn: Callable[[], str], stop_on_failure: bool = True) -> bool:
        nonlocal failed
        t = time.monotonic()
        try:
            text, ok = fn(), True
        except (StepFailed, AssertionError) as exc:
            text, ok = f"FAIL: {exc}", False
        except Exception as exc:  # a broken step must still reach teardown and the table
            text, ok = f"FAIL: {type(exc).__name__}: {exc}", False
        results.append((name, time.monotonic() - t, text, ok))
        print(f"[compose-test] {name}: {'ok' if ok else 'FAIL'} ({time.monotonic() - t:.0f}s) {text}",
              file=sys.stderr, flush=True)
        failed |= not ok
        return ok or not stop_on_failure

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="silkwire-compose-") as tmp:
        stack = Stack(Path(tmp))
        expected: dict[str, int] = {}

        def baseline() -> str:
            expected.update(demo_baseline())
            return ", ".join(f"{k} {v}" for k, v in expected.items())

        try:
            steps: list[tuple[str, Callable[[], str]]] = [
                ("leftovers of killed runs", lambda: remove_leftovers(stack)),
                ("0 make demo baseline (host)", baseline),
                ("1 build, up -d, all healthy", lambda: step_build(stack)),
                ("2 replay host → beat → Postgres", lambda: step_ingest(stack, expected)),
                ("3 Flower API (login, 401)", lambda: step_flower(stack)),
                ("3b web pages (login, export, 400)", lambda: web.step_web(stack)),
                ("4 reprocess --wait, status", lambda: step_reprocess(stack)),
                ("5a kill worker-nlp mid-run", lambda: step_kill(stack)),
                ("5b restart redis, queued", lambda: step_redis_restart(stack)),
                ("5c down, up -d: rows kept", lambda: step_down_up(stack)),
                ("5d scale worker-nlp=2", lambda: step_scale(stack)),
                ("6 compose stop: warm shutdown", lambda: step_warm_stop(stack)),
                ("7 uid 10001, no ports, redis auth", lambda: step_security(stack)),
                ("8 JSON lines from every role", lambda: hardening.step_json_logs(stack)),
                ("9 secrets per container", lambda: hardening.step_secrets(stack)),
                ("10 app/reader roles: no DDL", lambda: hardening.step_roles(stack)),
                ("11 placeholder passwords refused", lambda: hardening.step_placeholders(stack)),
                ("12 exporter from another container", lambda: monitoring.step_exporter_across_network(stack)),
                ("13 Prometheus: targets up, rules", lambda: monitoring.step_prometheus(stack)),
            ]
            for name, fn in steps:
                # Later steps need a running, ingested stack: stop at the first failure of 0-2.
                if not timed(name, fn, stop_on_failure=name[0] in "l012"):
                    break
        finally:
            if failed:
                print(stack.compose("ps", ok=False, timeout=60), file=sys.stderr)
                print(stack.compose("logs", "--tail", "40", ok=False, timeout=120)[-12000:], file=sys.stderr)
            timed("teardown", lambda: teardown(stack))

    width = max(len(r[0]) for r in results)
    print(f"\n{'step':<{width}}  {'seconds':>7}  result")
    for name, took, text, ok in results:
        print(f"{name:<{width}}  {took:>7.0f}  {'ok ' if ok else ''}{text}")
    print(f"{'total':<{width}}  {time.monotonic() - started:>7.0f}  {'FAILED' if failed else 'passed'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
