"""`silkwire demo`: the main job on the bundled replay corpus, end to end through the real queue.

Serves `seeds/replay` on 127.0.0.1, migrates a demo database, imports the replay feeds, starts real
Celery workers (the compose layout: one I/O worker, one NLP worker), sends the beat tick, waits until
every article is stored, prints a summary, re-polls every feed to show nothing is added twice, and
stops what it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
import psycopg.conninfo
import redis
import typer
from psycopg.rows import dict_row
from rich.console import Console
from rich.table import Table
from rich.text import Text

from workers.db.feeds import upsert_feed
from workers.db.migrate import migrate
from workers.db.named import QUERIES
from workers.settings import Settings, get_settings
from workers.tasks.layout import worker_command

console = Console()
FORMAT_KIND = {"rss2": "rss", "rss1": "rss", "atom": "atom"}


def _services_ok(s: Settings) -> list[str]:
    missing = []
    try:
        psycopg.connect(psycopg.conninfo.make_conninfo(s.database_url, dbname="postgres"), connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        missing.append(f"PostgreSQL at {s.database_url} ({str(exc).strip().splitlines()[0]})")
    try:
        redis.Redis.from_url(s.broker_url, socket_connect_timeout=3).ping()
    except redis.exceptions.RedisError as exc:
        missing.append(f"Redis at {s.broker_url} ({exc})")
    return missing


def _reset_database(dsn: str) -> None:
    name = psycopg.conninfo.conninfo_to_dict(dsn)["dbname"]
    admin = psycopg.conninfo.make_conninfo(dsn, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            psycopg.sql.Identifier(str(name))))
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(str(name))))
    with psycopg.connect(dsn) as conn:
        migrate(conn)


def import_replay_feeds(conn: psycopg.Connection[Any], server: Any) -> int:
    manifest = server.manifest
    with conn.transaction():
        for feed in manifest["feed"]:
            upsert_feed(conn, name=f"replay-{feed['site']}", url=server.url(feed["path"]),
                        source=f"replay:{feed['site']}", kind=FORMAT_KIND.get(feed["format"], "rss"))
    return len(manifest["feed"])


def _start_workers(env: dict[str, str], logdir: Path) -> list[subprocess.Popen[bytes]]:
    logdir.mkdir(parents=True, exist_ok=True)
    procs = []
    for name, concurrency in (("io", 4), ("nlp", 2)):  # the deployed roles (workers.tasks.layout), smaller
        log = open(logdir / f"worker-{name}.log", "wb")  # noqa: SIM115 - lives as long as the worker
        cmd = worker_command(name, concurrency=concurrency, node=f"{name}-demo-{os.getpid()}", loglevel="WARNING",
                             private=True)
        procs.append(subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT))
    return procs


def _stop_workers(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()


def _progress(conn: psycopg.Connection[Any]) -> dict[str, int]:
    row = conn.execute(
        "SELECT count(*) AS articles,"
        " count(*) FILTER (WHERE state IN ('queued', 'pending')) AS waiting,"
        " (SELECT count(*) FROM feeds WHERE last_polled_at IS NULL) AS unpolled FROM articles").fetchone()
    return dict(row or {})


def _unlinked(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute(QUERIES["registry_unlinked"]).fetchone()
    return int(row["unlinked"]) if row else 0


# What `make demo` prints; the compose test compares the stack's database against it.
SUMMARY_SQL = """
        SELECT (SELECT count(*) FROM feeds) AS feeds,
               (SELECT count(*) FROM articles) AS articles,
               (SELECT count(*) FROM articles WHERE state = 'done') AS analysed,
               (SELECT count(*) FROM articles WHERE state IN ('failed', 'quarantined', 'skipped')) AS failed,
               (SELECT count(*) FROM extractions WHERE relevant) AS relevant,
               (SELECT count(DISTINCT name) FROM entities WHERE kind = 'person') AS people,
               (SELECT count(DISTINCT name) FROM entities WHERE kind = 'organization') AS organisations,
               (SELECT count(*) FROM events) AS events,
               (SELECT count(*) FROM agreements) AS agreements
"""


def _summary(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    return dict(conn.execute(SUMMARY_SQL).fetchone() or {})


# Never the demo's to drop: the server's maintenance database and the templates new databases copy.
_NOT_DEMO_DATABASES = frozenset({"postgres", "template0", "template1"})


def _refuse_configured_database(database_url: str, database: str) -> None:
    """The demo drops and recreates its database: never the one the settings point at (production)."""
    params = psycopg.conninfo.conninfo_to_dict(database_url)
    configured = params.get("dbname") or params.get("user")
    if database == configured or database in _NOT_DEMO_DATABASES:
        raise typer.BadParameter(f"{database!r} is the configured database or a system one, and the demo drops and"
                                 " recreates its database: name another", param_hint="--database")


def demo(
    timeout_s: float = typer.Option(300.0, "--timeout", help="Give up waiting after this many seconds."),
    database: str = typer.Option("silkwire_demo", "--database", help="Demo database (dropped and recreated)."),
) -> int:
    """Run the whole pipeline on the bundled replay corpus and print what landed in PostgreSQL.

    Example: silkwire demo --timeout 300
    """
    from workers.devtools.replay import ReplayServer
    from workers.tasks.app import make_app

    base = get_settings()
    _refuse_configured_database(base.database_url, database)
    dsn = psycopg.conninfo.make_conninfo(base.database_url, dbname=database)
    demo_settings = base.model_copy(update={
        "database_url": dsn, "key_prefix": f"silkwire-demo-{uuid.uuid4().hex[:8]}:",
        "allow_private_hosts": ["127.0.0.1"], "host_min_delay_s": 0.1, "log_json": False,
    })
    missing = _services_ok(demo_settings)
    if missing:
        for m in missing:
            console.print(f"[red]not reachable:[/red] {m}")
        console.print("Start them with ./scripts/services.sh (local PostgreSQL and Redis), or with Docker:\n"
                      "  docker run -d -p 127.0.0.1:5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16\n"
                      "  docker run -d -p 127.0.0.1:6379:6379 redis:7\n"
                      "and point SILKWIRE_DATABASE_URL / SILKWIRE_BROKER_URL / SILKWIRE_REDIS_URL at them.")
        return 1

    started = time.monotonic()
    _reset_database(dsn)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
    env.update({
        "SILKWIRE_DATABASE_URL": dsn, "SILKWIRE_KEY_PREFIX": demo_settings.key_prefix,
        "SILKWIRE_ALLOW_PRIVATE_HOSTS": '["127.0.0.1"]', "SILKWIRE_HOST_MIN_DELAY_S": "0.1",
        "SILKWIRE_LOG_JSON": "false",
    })
    app = make_app(demo_settings)
    procs: list[subprocess.Popen[bytes]] = []
    replay_dir = base.seeds_dir / "replay"
    with ReplayServer(replay_dir) as server, psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as conn:
        feeds = import_replay_feeds(conn, server)
        console.print(f"replay corpus on {server.base_url}: {feeds} feeds; database {database}")
        try:
            # Worker logs go to ./.demo: the source tree with `make demo`, any directory with an installed wheel.
            procs = _start_workers(env, Path.cwd() / ".demo")
            app.send_task("silkwire.poll_due_feeds", queue="feeds")
            deadline = time.monotonic() + timeout_s
            with console.status("ingesting…") as status:
                while time.monotonic() < deadline:
                    p = _progress(conn)
                    status.update(f"articles {p['articles']}, waiting {p['waiting']}, feeds unpolled {p['unpolled']}")
                    if p["unpolled"] == 0 and p["articles"] and p["waiting"] == 0:
                        break
                    if any(proc.poll() is not None for proc in procs):
                        console.print("[red]a worker exited; see .demo/worker-*.log[/red]")
                        return 1
                    time.sleep(0.5)
                else:
                    console.print(f"[red]timed out after {timeout_s:.0f}s[/red] with {_progress(conn)}")
                    return 1
            # Linking runs after analysis (silkwire.link_article): wait until every mention has its record.
            while _unlinked(conn) and time.monotonic() < deadline:
                time.sleep(0.2)
            took = time.monotonic() - started
            summary = _summary(conn)
            registry = dict(conn.execute(QUERIES["registry_counts"]).fetchone() or {})
            # Poll every feed again: conditional GETs, and nothing is stored twice.
            before = len(server.request_log)
            for row in conn.execute("SELECT id FROM feeds").fetchall():
                app.send_task("silkwire.poll_feed", args=[row["id"]], queue="feeds")
            time.sleep(0.5)
            polled = lambda: conn.execute(  # noqa: E731
                "SELECT count(*) AS n FROM feed_fetches").fetchone()["n"] >= 2 * feeds  # type: ignore[index]
            end = time.monotonic() + 30
            while not polled() and time.monotonic() < end:
                time.sleep(0.2)
            again = _summary(conn)["articles"] - summary["articles"]
            repoll_requests = len(server.request_log) - before
        finally:
            _stop_workers(procs)
    _print_summary(summary, took, again, repoll_requests, registry)
    failures = conn_failures(dsn)
    for f in failures:
        console.print(Text.assemble(("  " + f["state"], "yellow"), f" {f['url']}: {f['last_error']}"))
    return 0


def conn_failures(dsn: str) -> list[dict[str, Any]]:
    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        return conn.execute("SELECT url, state, last_error FROM articles"
                            " WHERE state IN ('failed', 'quarantined', 'skipped') ORDER BY id").fetchall()


def _print_summary(summary: dict[str, Any], took: float, again: int, repoll_requests: int,
                   registry: dict[str, Any]) -> None:
    table = Table(title="Silkwire demo: the replay corpus in PostgreSQL")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in summary.items():
        table.add_row(key, str(value))
    # The registry beside the mentions: each event or agreement once, however many articles report it.
    table.add_row("canonical events (their reports)", f"{registry['canonical_events']} ({registry['event_reports']})")
    table.add_row("canonical agreements (their reports)",
                  f"{registry['canonical_agreements']} ({registry['agreement_reports']})")
    table.add_row("seconds, from an empty database and cold workers", f"{took:.1f}")
    table.add_row("re-poll: requests / new articles", f"{repoll_requests} / {again}")
    console.print(table)
