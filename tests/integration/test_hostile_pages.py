"""Hostile and broken pages through the real tasks (fetch_article → analyse_article) on a real worker
subprocess: each ends with a recorded error or a bounded success, and the worker keeps working.

The worker runs with short network limits of its own (settings are read once per process), so a
timeout, a trickle and a retry take seconds, not minutes. Every address contacted is 127.0.0.1; the
redirects to 10.0.0.1 and 169.254.169.254 must be refused by the address check before any connect.
"""

from __future__ import annotations

import gzip
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integration._procs import worker_process
from tests.support.httpserver import Route, RouteSpec, ScriptedServer
from tests.support.services import wait_until
from workers.taskspec import FETCH_ARTICLE

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(600)]

HTML = {"Content-Type": "text/html; charset=utf-8"}
TERMINAL = ("done", "failed", "quarantined", "skipped")
WORKER_ENV = {
    "SILKWIRE_CONNECT_TIMEOUT_S": "1", "SILKWIRE_READ_TIMEOUT_S": "1", "SILKWIRE_TOTAL_DEADLINE_S": "3",
    "SILKWIRE_MAX_ATTEMPTS": "2", "SILKWIRE_HOST_MIN_DELAY_S": "0", "SILKWIRE_HOST_MAX_CONCURRENCY": "32",
    "SILKWIRE_TASK_SOFT_LIMIT_S": "60", "SILKWIRE_TASK_HARD_LIMIT_S": "90",
}
PAGE_LIMIT = 5_000_000  # Settings.max_page_bytes, unchanged for the worker


def article_html(title: str) -> bytes:
    """A plain news page of our own words: enough text for the cleaner to keep."""
    body = (
        f"<h1>{title}</h1>"
        "<p>В Астане прошло заседание межправительственного комитета Казахстана и Китая по торговле, "
        "на котором стороны обсудили график поставок зерна и загрузку пограничных переходов.</p>"
        "<p>Участники условились к весне подготовить перечень совместных проектов в логистике и "
        "энергетике, а также провести следующее заседание в Урумчи во второй половине года.</p>"
        "<p>Отдельно говорили о цифровых таможенных процедурах, которые должны сократить время "
        "ожидания грузовиков на границе и упростить обмен документами между ведомствами.</p>"
    )
    return (f"<!doctype html><html lang=\"ru\"><head><meta charset=\"utf-8\"><title>{title}</title></head>"
            f"<body><article>{body}</article></body></html>").encode()


@dataclass(frozen=True)
class Case:
    name: str
    route: RouteSpec
    states: tuple[str, ...]  # acceptable final states
    error: str | None = None  # regex the recorded error must match (None: no error, or not checked)
    requests: int | None = None  # exactly this many requests for the page's own path


def _cases() -> list[Case]:
    page = article_html("Заседание комитета по торговле")
    # Valid UTF-8 with broken sequences spliced in: decoding must repair or quarantine, never crash.
    invalid = page.replace(b"<p>", b"<p>\xff\xfe\xc3\x28\xa0\xa1", 2).replace(b"</h1>", b"\xe2\x28\xa1</h1>")
    trickled = page + b"<!--" + b" " * 2000 + b"-->"
    return [
        Case("control page", Route(body=page, headers=HTML), ("done",), requests=1),
        Case("image/png", Route(body=b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40,
                                headers={"Content-Type": "image/png"}), ("failed",), r"not HTML"),
        Case("application/pdf", Route(body=b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" * 50,
                                      headers={"Content-Type": "application/pdf"}), ("failed",), r"not HTML"),
        Case("empty 200", Route(body=b"", headers=HTML), ("failed",), r"PermanentError"),
        Case("500 then success", [Route(status=500, body=b"oops"), Route(body=page, headers=HTML)], ("done",),
             requests=2),
        Case("read timeout", Route(delay_s=6, body=page, headers=HTML), ("failed",),
             r"gave up after 2 attempts.*(timeout|deadline)", requests=2),
        Case("trickle past deadline", Route(body=trickled, headers=HTML, trickle_s=0.02, chunk_bytes=8),
             ("failed",), r"gave up after 2 attempts.*deadline", requests=2),
        Case("gzip bomb", Route(body=gzip.compress(b"\0" * 200_000_000, compresslevel=9),
                                headers={**HTML, "Content-Encoding": "gzip"}),
             ("failed",), rf"decompressed body exceeds {PAGE_LIMIT} bytes", requests=1),
        Case("100k attributes", Route(body=b"<html><body><div " + b" ".join(b"a%d=\"x\"" % i for i in range(100_000))
                                      + b">" + page + b"</div></body></html>", headers=HTML),
             ("quarantined",), r"QuarantineError: hostile markup: <div> with 100000 attributes"),
        Case("10k nesting", Route(body=b"<html><body>" + b"<div>" * 10_000 + page + b"</div>" * 10_000
                                  + b"</body></html>", headers=HTML),
             ("quarantined",), r"QuarantineError: hostile markup: elements nested deeper"),
        Case("invalid bytes", Route(body=invalid, headers=HTML), ("done", "quarantined")),
        Case("50 MB streamed", Route(body=b"<html><body><p>" + b"x" * 50_000_000, headers=HTML, content_length=None),
             ("failed",), rf"body exceeds {PAGE_LIMIT} bytes", requests=1),
        Case("redirect to 10.0.0.1", Route(status=302, headers={"Location": "http://10.0.0.1/admin"}),
             ("failed",), r"refused '10\.0\.0\.1': non-global address", requests=1),
        Case("redirect to metadata", Route(status=301, headers={"Location": "http://169.254.169.254/latest/meta-data/"}),
             ("failed",), r"refused '169\.254\.169\.254': non-global address", requests=1),
        Case("6 redirects", Route(status=302, headers={"Location": "/chain/1"}), ("failed",),
             r"more than 5 redirects", requests=1),
    ]


def _slug(name: str) -> str:
    return "/case/" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _insert_article(db: Any, url: str) -> int:
    return int(db.execute("INSERT INTO articles (url, stage, state, queued_at) VALUES (%s, 'fetch', 'queued', now())"
                          " RETURNING id", (url,)).fetchone()["id"])


def _states(db: Any, ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = db.execute("SELECT id, stage, state, last_error, last_error_stage FROM articles WHERE id = ANY(%s)",
                      (ids,)).fetchall()
    return {r["id"]: r for r in rows}


def test_hostile_pages_end_recorded_and_the_worker_survives(db: Any, clean_redis: Any, tmp_path: Path) -> None:
    from workers.tasks.app import app

    cases = _cases()
    with ScriptedServer() as server:
        # Given every case on its own path (the chain's hops 1..5 redirect on, hop 6 is a page never reached)
        for hop in range(1, 6):
            server.route(f"/chain/{hop}", Route(status=302, headers={"Location": f"/chain/{hop + 1}"}))
        server.route("/chain/6", Route(body=article_html("Конец цепочки"), headers=HTML))
        ids = {_insert_article(db, server.route(_slug(c.name), c.route)): c for c in cases}

        with worker_process(tmp_path, queues="fetch,nlp", concurrency=2, env=WORKER_ENV) as worker:
            # When every article is sent to fetch_article at once
            sent = time.monotonic()
            for article_id in ids:
                app.send_task(FETCH_ARTICLE, args=[article_id], queue="fetch")
            seconds: dict[int, float] = {}

            def all_terminal() -> bool:
                for article_id, row in _states(db, list(ids)).items():
                    if row["state"] in TERMINAL and article_id not in seconds:
                        seconds[article_id] = time.monotonic() - sent
                return len(seconds) == len(ids) or not worker.alive

            finished = wait_until(all_terminal, timeout_s=240, interval_s=0.25)
            assert worker.alive, f"the worker died:\n{worker.log_tail()}"
            final = _states(db, list(ids))
            table = [(c.name, final[i]["state"], final[i]["last_error_stage"] or "",
                      (final[i]["last_error"] or "")[:90], seconds.get(i)) for i, c in ids.items()]
            print("\ncase                     outcome      stage    seconds  error")
            for name, state, stage, error, took in table:
                print(f"{name:24} {state:12} {stage:8} {took if took is None else round(took, 1)!s:>7}  {error}")
            assert finished, f"not finished: {[t for t in table if t[1] not in TERMINAL]}\n{worker.log_tail()}"

            # Expect each case in an accepted state, with the error that names why. The server logs a delayed
            # request only once its delay is over, which can be after the client gave up: wait for the log.
            def hits(case: Case) -> int:
                return sum(1 for r in server.requests if r.path == _slug(case.name))

            wait_until(lambda: all(hits(c) >= (c.requests or 0) for c in cases), timeout_s=15)
            problems = []
            for article_id, case in ids.items():
                row = final[article_id]
                if row["state"] not in case.states:
                    problems.append(f"{case.name}: state {row['state']} not in {case.states} ({row['last_error']})")
                if row["state"] != "done" and not row["last_error"]:
                    problems.append(f"{case.name}: {row['state']} without a recorded error")
                if case.error and not re.search(case.error, row["last_error"] or ""):
                    problems.append(f"{case.name}: error {row['last_error']!r} does not match {case.error!r}")
                if case.requests is not None and hits(case) != case.requests:
                    problems.append(f"{case.name}: {hits(case)} requests, expected {case.requests}")
            # and stored rows agree with the state: a page only when the fetch passed, a document only when done
            stored = {r["id"]: r for r in db.execute(
                "SELECT a.id, (SELECT count(*) FROM raw_pages p WHERE p.article_id = a.id) AS pages,"
                " (SELECT count(*) FROM documents d WHERE d.article_id = a.id) AS docs"
                " FROM articles a WHERE a.id = ANY(%s)", (list(ids),)).fetchall()}
            for article_id, case in ids.items():
                row, counts = final[article_id], stored[article_id]
                done = row["state"] == "done"
                want = (int(done or row["last_error_stage"] == "analyse"), int(done))
                if (counts["pages"], counts["docs"]) != want:
                    problems.append(f"{case.name}: {counts['pages']} raw pages, {counts['docs']} documents")
            assert not problems, "\n".join(problems)
            # the chain stopped at the limit: hops 1-5 requested, the page behind the sixth redirect never
            chain = [r.path for r in server.requests if r.path.startswith("/chain/")]
            assert sorted(chain) == [f"/chain/{hop}" for hop in range(1, 6)]
            # and only pages scripted here (plus robots.txt) were ever asked for
            scripted = {_slug(c.name) for c in cases} | {f"/chain/{hop}" for hop in range(1, 7)} | {"/robots.txt"}
            assert {r.path for r in server.requests} <= scripted

            # When a normal page comes after all that
            after = _insert_article(db, server.route("/after", Route(body=article_html("Новая встреча"), headers=HTML)))
            app.send_task(FETCH_ARTICLE, args=[after], queue="fetch")
            assert wait_until(lambda: _states(db, [after])[after]["state"] in TERMINAL, timeout_s=60)

            # Expect it analysed by the same, still running worker
            assert _states(db, [after])[after]["state"] == "done", _states(db, [after])
            stored = db.execute("SELECT count(*) AS n FROM documents WHERE article_id = %s", (after,)).fetchone()["n"]
            assert stored == 1
            assert worker.alive, worker.log_tail()
            assert "raised unexpected" not in worker.log_tail(10**7), worker.log_tail()
