"""The pages are tested on a registry the real workers built: the replay corpus served on 127.0.0.1, polled,
fetched, analysed and linked by an in-process Celery worker on the real Redis and Postgres, once for the
whole package; then one hostile report (a `<script>` title from a press service) is stored and linked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from tests.support.database import TABLES
from tests.support.services import ROOT, wait_until
from tests.support.settings import SETTINGS
from workers.db import QUERIES

HOSTILE_TITLE = '<script>document.title="pwned"</script> Визит с заголовком-ловушкой'
HOSTILE_EVIDENCE = "Председатель Си Цзиньпин принял гостя в Шанхае."


def _settled(db: Any) -> bool:
    waiting = db.execute("SELECT count(*) AS n FROM articles WHERE state IN ('queued', 'pending')").fetchone()["n"]
    polled = db.execute("SELECT count(*) AS n FROM feeds WHERE last_polled_at IS NULL").fetchone()["n"] == 0
    return polled and waiting == 0 and db.execute(QUERIES["registry_unlinked"]).fetchone()["unlinked"] == 0


def _add_hostile(db: Any) -> int:
    """A report whose title carries a script, about an event of its own (2019: no replay event is near)."""
    from tests.integration.registry_data import XI, add_report, event, result
    from workers.db.registry import link_article

    text = f"Вступление. {HOSTILE_EVIDENCE} Конец."
    ev = event("visit", location="Шанхай", when="2019-03-14", who=("Ерлан Хостайлов", XI), text=HOSTILE_EVIDENCE)
    at = text.index(HOSTILE_EVIDENCE)
    ev["evidence"] = {"start": at, "end": at + len(HOSTILE_EVIDENCE), "text": HOSTILE_EVIDENCE}
    article_id = add_report(db, 990001, date(2019, 3, 15), result([ev]), outlet="<i>Ловушка</i>")
    db.execute("UPDATE documents SET title = %s, text = %s WHERE article_id = %s", (HOSTILE_TITLE, text, article_id))
    with db.transaction():
        link_article(db, article_id)
    return article_id


@pytest.fixture(scope="package")
def loaded(database: str, redis_client: Any) -> Iterator[dict[str, Any]]:
    """The session database holding the replay corpus as the workers stored and linked it, plus the hostile report."""
    import psycopg
    from celery.contrib.testing.worker import start_worker
    from psycopg.rows import dict_row

    from workers.cli.demo_cmd import import_replay_feeds
    from workers.devtools.replay import ReplayServer
    from workers.tasks.app import QUEUES, app

    prefix = SETTINGS.key_prefix
    for key in redis_client.scan_iter(match=f"{prefix}*", count=1000):
        redis_client.delete(key)
    with psycopg.connect(database, autocommit=True, row_factory=dict_row) as db:
        db.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        with ReplayServer(ROOT / "seeds" / "replay") as server, start_worker(
                app, pool="threads", concurrency=4, perform_ping_check=False, queues=list(QUEUES),
                shutdown_timeout=30, loglevel="WARNING"):
            from workers.tasks.feeds import poll_due_feeds

            import_replay_feeds(db, server)
            poll_due_feeds.delay()
            assert wait_until(lambda: _settled(db), timeout_s=240), "pipeline or linking did not finish"
        hostile = _add_hostile(db)
        yield {"dsn": database, "hostile_article": hostile}


@pytest.fixture
def client(loaded: dict[str, Any]) -> Iterator[Any]:
    from starlette.testclient import TestClient

    from workers.settings import Settings
    from workers.web.app import create_app

    with TestClient(create_app(Settings(database_url=loaded["dsn"])), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def db(loaded: dict[str, Any]) -> Iterator[Any]:
    """An autocommit connection to the loaded database, never emptied here (the package shares it)."""
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(loaded["dsn"], autocommit=True, row_factory=dict_row) as conn:
        yield conn
