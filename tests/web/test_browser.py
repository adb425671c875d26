"""The pages in a real browser: Debian's chromium driven by Playwright (launched with executable_path, never
downloading a browser), against `silkwire web`'s app under uvicorn on 127.0.0.1, on the registry the workers
built from the replay corpus. An analyst's walk: timeline, a filter, an event, a report's evidence, search, a
CSV export read back, and the hostile title shown as text. Screenshots go under the test's tmp folder."""

from __future__ import annotations

import csv
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.services import IN_CI
from tests.web.conftest import HOSTILE_EVIDENCE, HOSTILE_TITLE

pytestmark = [pytest.mark.integration, pytest.mark.slow]
CHROMIUM = os.environ.get("SILKWIRE_CHROMIUM", "/usr/bin/chromium")


def _chromium() -> str:
    if Path(CHROMIUM).is_file() and shutil.which(CHROMIUM):
        return CHROMIUM
    message = f"{CHROMIUM} is missing (apt-get install -y chromium; scripts/browser.sh does it in CI)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def server(loaded: dict[str, Any]) -> Iterator[str]:
    """The web app under uvicorn in a thread, on a free loopback port."""
    import uvicorn

    from workers.settings import Settings
    from workers.web.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(Settings(database_url=loaded["dsn"])), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    executable = _chromium()
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # --no-sandbox: CI runs as root, where chromium refuses its sandbox
        browser = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def test_an_analyst_walks_the_pages_in_chromium(server: str, page: Any, loaded: dict[str, Any], db: Any,
                                                tmp_path: Path) -> None:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    print(f"\nscreenshots: {shots}")

    def shot(name: str) -> None:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    # Given the timeline: a chart and the events by month
    page.goto(server + "/")
    assert page.locator("h1").inner_text().startswith("Хроника")
    assert page.locator("svg rect").count() > 0
    everything = page.locator('ul.items a[href^="/event/"]').count()
    assert everything > 3
    shot("1-timeline")

    # When the analyst keeps only visits: fewer events, each a visit
    page.locator('input[name="type"][value="visit"]').check()
    page.get_by_role("button", name="Показать").click()
    page.wait_for_url("**/?type=visit**")
    visits = page.locator('ul.items a[href^="/event/"]')
    assert 0 < visits.count() < everything
    assert all(t.startswith("визит") for t in visits.all_inner_texts())
    shot("2-timeline-visits")

    # and opens the first: participants, and its reports with their evidence
    visits.first.click()
    page.wait_for_url("**/event/*")
    assert page.locator("#participants li").count() > 0
    assert page.locator("#reports li").count() > 0
    shot("3-event")

    # following a report to its evidence: marked in the cleaned text
    page.locator("a.evidence-link").first.click()
    page.wait_for_url("**/report/**")
    evidence = page.locator("mark#evidence")
    assert evidence.count() == 1 and evidence.inner_text().strip()
    shot("4-report-evidence")

    # Search: matches marked in the snippets
    page.goto(server + "/search")
    page.locator('input[name="q"]').fill("Казахстан Китай")
    page.get_by_role("button", name="Искать").click()
    page.wait_for_url("**/search?q=**")
    assert page.locator("#results li").count() > 0
    assert page.locator("#results mark").count() > 0
    shot("5-search")

    # Export: the timeline's CSV, downloaded and read back, lists the events the page lists
    page.goto(server + "/?type=visit")
    listed = sorted(int(h.split("/")[-1]) for h in page.locator('ul.items a[href^="/event/"]').evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"))
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    path = tmp_path / "events.csv"
    download.value.save_as(path)
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted(int(r["id"]) for r in rows) == listed
    assert {r["type"] for r in rows} == {"visit"}

    # The hostile title: shown as text, no script ran, no element made of it
    event_id = db.execute("SELECT event_id FROM registry_event_reports WHERE article_id = %s",
                          (loaded["hostile_article"],)).fetchone()["event_id"]
    page.goto(f"{server}/event/{event_id}/report/{loaded['hostile_article']}/0")
    assert page.locator("h1").inner_text() == HOSTILE_TITLE
    assert page.locator("script").count() == 0
    assert page.title().endswith("· Silkwire") and "pwned" not in page.title()
    assert page.locator("mark#evidence").inner_text() == HOSTILE_EVIDENCE
    shot("6-hostile-title")
    page.goto(server + "/agreements")
    shot("7-agreements")
    page.goto(server + "/feeds")
    shot("8-feeds")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(server + "/")
    shot("9-timeline-phone")
    assert sorted(p.name for p in shots.iterdir()) == sorted(f"{n}.png" for n in (
        "1-timeline", "2-timeline-visits", "3-event", "4-report-evidence", "5-search", "6-hostile-title",
        "7-agreements", "8-feeds", "9-timeline-phone"))
