"""Direction controls and stacked combining marks in a page, through the real fetch → analyse tasks on a real
worker subprocess (issue 17, finding 11): nothing of them reaches the stored text, title or person names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.integration._procs import worker_process
from tests.support.httpserver import Route, ScriptedServer
from tests.support.services import wait_until
from workers.taskspec import FETCH_ARTICLE

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ZALGO = "а" + "\u0301\u0300\u0308" * 40  # 120 marks on one letter


def _page() -> bytes:
    title = f"Тока\u202eев и Си Цзиньпин{ZALGO}: переговоры"
    body = (
        f"<h1>{title}</h1>"
        "<p>Президент Казахстана Касым-Жомарт То\u202eкаев провёл в Астане переговоры с Председателем КНР "
        "Си Цзинь\u2067пином. Стороны обсудили торговлю зерном и загрузку пограничных переходов.</p>"
        f"<p>Участники услов{ZALGO}ились к весне подготовить перечень совместных проектов в логистике и "
        "энергетике, а также провести следующее заседание в Урумчи во второй половине года.</p>"
        "<p>Отдельно говорили о цифровых таможенных процедурах, которые должны сократить время "
        "ожидания грузовиков на границе и упростить обмен документами между ведомствами.</p>"
    )
    return (f'<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><article>{body}</article></body></html>").encode()


def test_direction_controls_and_mark_stacks_never_reach_stored_text(db: Any, clean_redis: Any,
                                                                    tmp_path: Path) -> None:
    from workers.settings import get_settings
    from workers.tasks.app import app

    limit = get_settings().max_combining_marks
    with ScriptedServer() as server:
        url = server.route("/bidi", Route(body=_page(), headers={"Content-Type": "text/html; charset=utf-8"}))
        article_id = int(db.execute("INSERT INTO articles (url, stage, state, queued_at) VALUES (%s, 'fetch', 'queued',"
                                    " now()) RETURNING id", (url,)).fetchone()["id"])
        with worker_process(tmp_path, queues="fetch,nlp", concurrency=1) as worker:
            # When the page is fetched and analysed by the real tasks
            app.send_task(FETCH_ARTICLE, args=[article_id], queue="fetch")

            def state() -> str:
                return str(db.execute("SELECT state FROM articles WHERE id = %s", (article_id,)).fetchone()["state"])

            assert wait_until(lambda: state() in ("done", "failed", "quarantined") or not worker.alive,
                              timeout_s=240), worker.log_tail()
            assert worker.alive, worker.log_tail()
    assert state() == "done", db.execute("SELECT last_error FROM articles WHERE id = %s", (article_id,)).fetchone()
    doc = db.execute("SELECT text, title FROM documents WHERE article_id = %s", (article_id,)).fetchone()
    names = [r["name"] for r in db.execute("SELECT name FROM entities WHERE article_id = %s", (article_id,))]
    extraction = str(db.execute("SELECT result FROM extractions WHERE article_id = %s", (article_id,)).fetchone())
    # Expect no direction control anywhere stored, and no letter with more marks than the cap
    for where, text in (("text", doc["text"]), ("title", doc["title"] or ""), ("entities", " ".join(names)),
                        ("extraction", extraction)):
        assert not any(ch in text for ch in BIDI), (where, text[:300])
        assert "\u0301\u0300\u0308\u0301" not in text, (where, text[:300])
    assert "Токаев" in doc["text"] and "Цзиньпином" in doc["text"]
    assert ("а" + "\u0301\u0300\u0308"[:limit]) in doc["text"]
    assert any("Токаев" in n for n in names), names
