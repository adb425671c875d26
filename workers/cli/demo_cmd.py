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
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
import psycopg.conninfo
import redis
import typer
from psycopg.rows import dict_row
from rich.table import Table
from rich.text import Text

from workers import taskspec
from workers.cli.errors import SERVICE_MISSING, database_place, postgres_reason
from workers.cli.output import console as output_console
from workers.db import demo as demo_db
from workers.db.feeds import upsert_feed
from workers.settings import Settings, get_settings
from workers.tasks.layout import worker_command

console = output_console()  # a pipe gets whole lines (URLs, errors), not 80 columns
FORMAT_KIND = {"rss2": "rss", "rss1": "rss", "atom": "atom"}


def services_missing(s: Settings) -> list[str]:
    """What the demo cannot reach, each said without the URLs' passwords; empty when both answer."""
    missing = []
    try:
        psycopg.connect(psycopg.conninfo.make_conninfo(s.database_url, dbname="postgres"), connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        missing.append(f"PostgreSQL for {database_place(s.database_url)} ({postgres_reason(exc)})")
    try:
        redis.Redis.from_url(s.broker_url, socket_connect_timeout=3).ping()
    except redis.exceptions.RedisError as exc:
        missing.append(f"Redis ({' '.join(str(exc).split()).rstrip('.')})")
    return missing



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


# What `make demo` prints; the compose test compares the stack's database against it.
SUMMARY_SQL = demo_db.SUMMARY_SQL


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
    missing = services_missing(demo_settings)
    if missing:
        # one line, like every missing service: where each was looked for, and how to start them
        print(f"silkwire: error: the demo cannot reach {'; '.join(missing)}: start local ones with "
              "./scripts/services.sh, or see the README's first lines, and point SILKWIRE_DATABASE_URL, "
              "SILKWIRE_BROKER_URL and SILKWIRE_REDIS_URL at them", file=sys.stderr)
        return SERVICE_MISSING

    started = time.monotonic()
    demo_db.recreate_database(dsn)
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
            app.send_task(taskspec.POLL_DUE_FEEDS, queue=taskspec.FEEDS_QUEUE)
            deadline = time.monotonic() + timeout_s
            with console.status("ingesting…") as status:
                while time.monotonic() < deadline:
                    p = demo_db.progress(conn)
                    status.update(f"articles {p['articles']}, waiting {p['waiting']}, feeds unpolled {p['unpolled']}")
                    if p["unpolled"] == 0 and p["articles"] and p["waiting"] == 0:
                        break
                    if any(proc.poll() is not None for proc in procs):
                        console.print("[red]a worker exited; see .demo/worker-*.log[/red]")
                        return 1
                    time.sleep(0.5)
                else:
                    console.print(f"[red]timed out after {timeout_s:.0f}s[/red] with {demo_db.progress(conn)}")
                    return 1
            # Linking runs after analysis (silkwire.link_article): wait until every mention has its record.
            while demo_db.unlinked(conn) and time.monotonic() < deadline:
                time.sleep(0.2)
            took = time.monotonic() - started
            summary = demo_db.summary(conn)
            registry = demo_db.registry_counts(conn)
            # Poll every feed again: conditional GETs, and nothing is stored twice.
            before = len(server.request_log)
            for feed_id in demo_db.feed_ids(conn):
                app.send_task(taskspec.POLL_FEED, args=[feed_id], queue=taskspec.FEEDS_QUEUE)
            time.sleep(0.5)
            end = time.monotonic() + 30
            while demo_db.polls(conn) < 2 * feeds and time.monotonic() < end:
                time.sleep(0.2)
            again = demo_db.summary(conn)["articles"] - summary["articles"]
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
        return demo_db.failures(conn)


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
