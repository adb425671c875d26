"""Feed tasks: the beat tick that claims due feeds, and one conditional poll of one feed.

A poll counts its attempt in Postgres before the work and always ends in the feed's record: a good
poll, a StageError, or any other exception from the feed's content (a bug on one feed is that feed's
failure, counted and muted like any other, not a silent retry every lease).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from celery import Task

from workers.db import QUERIES, get_pool
from workers.errors import PermanentError, StageError
from workers.feeds.conditional import Validators, after_response, plan_request
from workers.feeds.entries import read_entries
from workers.feeds.schedule import backoff_interval_s
from workers.fetch.http import fetch_url
from workers.models import HttpResponse, ParsedFeed
from workers.settings import get_settings
from workers.tasks.app import app
from workers.tasks.batches import fetch_sends
from workers.tasks.common import DATA_LIMIT_ERRORS, INFRA_ERRORS, INFRA_RETRY
from workers.tasks.gates import host_gate, host_key
from workers.tasks.intervals import next_poll_interval
from workers.tasks.lanes import enqueue_many, requeue_here
from workers.taskspec import POLL_DUE_FEEDS, POLL_FEED

log = logging.getLogger(__name__)

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
# A claimed feed stays leased this long; a poll that never reports back frees it after that.
LEASE_S = 600
# A permanent redirect seen this many polls in a row moves the stored feed URL.
MOVE_AFTER_REDIRECTS = 3
# Validators longer than this are not kept (a real ETag or date is tens of characters; the header may be KBs).
MAX_VALIDATOR_CHARS = 1000


@app.task(name=POLL_DUE_FEEDS, **INFRA_RETRY)
def poll_due_feeds(limit: int = 200) -> int:
    with get_pool().connection() as conn:
        ids = [r["id"] for r in conn.execute(QUERIES["claim_due_feeds"], {"limit": limit, "lease_s": LEASE_S})]
    for feed_id in ids:
        poll_feed.delay(feed_id)
    return len(ids)


@app.task(name=POLL_FEED, bind=True, **INFRA_RETRY)
def poll_feed(self: Task, feed_id: int) -> dict[str, Any]:
    s = get_settings()
    with get_pool().connection() as conn:
        feed = conn.execute(QUERIES["get_feed"], {"id": feed_id}).fetchone()
    if feed is None:
        log.warning("feed vanished", extra={"feed_id": feed_id})
        return {"skipped": "no such feed"}
    if not feed["enabled"] or feed["muted_reason"]:
        return {"skipped": feed["muted_reason"] or "disabled"}

    gate, host = host_gate(), host_key(feed["url"])
    wait = gate.acquire(host)
    if wait > 0:
        requeue_here(self, (feed_id,), min(wait, s.politeness_requeue_max_s))
        return {"requeued_s": wait}

    started = time.monotonic()
    try:
        with get_pool().connection() as conn:
            claimed = conn.execute(QUERIES["begin_poll"], {"id": feed_id}).fetchone()
        attempts = claimed["poll_attempts"] if claimed else 1
        if attempts > s.feed_max_poll_attempts:
            # Sent again after its worker died each time (killed, out of memory, past the hard limit).
            gave_up = PermanentError(f"gave up after {attempts - 1} polls that never finished (worker lost)")
            return _record_failure(feed, gave_up, started, mute=str(gave_up))
        validators = Validators(feed["etag"], feed["last_modified"], feed["body_hash"], feed["trusts_304"],
                                feed["polls_since_full"], feed["last_status"])
        req = plan_request(validators, full_every=s.forced_full_fetch_every)
        resp = fetch_url(feed["url"], settings=s, etag=req.etag, last_modified=req.last_modified,
                         max_bytes=s.max_feed_bytes, accept=FEED_ACCEPT)
        outcome = after_response(validators, req, status=resp.status, etag=_validator(resp.headers.get("etag")),
                                 last_modified=_validator(resp.headers.get("last-modified")), body=resp.body)
        parsed = (read_entries(feed["kind"], resp, settings=s, pattern=feed["pattern"])
                  if outcome.changed else None)
    except StageError as exc:
        return _record_failure(feed, exc, started)
    except DATA_LIMIT_ERRORS as exc:  # an OperationalError, but the feed's data, not an outage
        return _record_unexpected(feed, exc, started)
    except INFRA_ERRORS:
        raise  # Postgres or Redis away: INFRA_RETRY tries the poll again, it is not the feed's fault
    except Exception as exc:  # anything else the feed's content set off is recorded on the feed
        return _record_unexpected(feed, exc, started)
    finally:
        gate.release(host)
    try:
        return _record_success(feed, resp, outcome.validators, parsed, started)
    except DATA_LIMIT_ERRORS as exc:
        return _record_unexpected(feed, exc, started)
    except INFRA_ERRORS:
        raise
    except Exception as exc:  # e.g. a value Postgres refuses: the transaction rolled back, record why
        return _record_unexpected(feed, exc, started)


def _record_unexpected(feed: dict[str, Any], exc: Exception, started: float) -> dict[str, Any]:
    """An exception no stage raises on purpose: logged with its traceback, counted as the feed's failure."""
    log.exception("feed poll crashed", extra={"feed_id": feed["id"]})
    # SoftTimeLimitExceeded lands here too: a poll that takes the whole soft limit is this feed's failure.
    return _record_failure(feed, PermanentError(f"{type(exc).__name__}: {exc}"), started)


def _record_success(feed: dict[str, Any], resp: HttpResponse, v: Validators, parsed: ParsedFeed | None,
                    started: float) -> dict[str, Any]:
    s = get_settings()
    new_ids: list[int] = []
    entries = parsed.entries if parsed else ()
    redirects, target = _permanent_redirect(feed, resp)
    with get_pool().connection() as conn, conn.transaction():
        if entries:
            # Two statements for the whole poll (insert, link), not two per entry (a backfill lists hundreds).
            batch = {"feed_id": feed["id"], "urls": [e.url for e in entries], "titles": [e.title for e in entries],
                     "published": [e.published for e in entries]}
            new_ids = [r["id"] for r in conn.execute(QUERIES["insert_articles"], batch).fetchall()]
            conn.execute(QUERIES["link_article_feeds"], batch)
        interval = next_poll_interval(conn, feed, resp, parsed, new_entries=len(new_ids), settings=s)
        conn.execute(QUERIES["feed_poll_ok"], {
            "id": feed["id"], "etag": v.etag, "last_modified": v.last_modified, "body_hash": v.body_hash,
            "trusts_304": v.trusts_304, "polls_since_full": v.polls_since_full, "status": resp.status,
            "interval_s": interval.interval_s, "new_entries": len(new_ids),
            "typical_gap_s": interval.typical_gap_s, "quiet": interval.quiet,
            "permanent_redirects": redirects, "redirect_target": target,
        })
        conn.execute(QUERIES["record_feed_fetch"], {
            "feed_id": feed["id"], "duration_ms": int((time.monotonic() - started) * 1000),
            "http_status": resp.status, "not_modified": resp.status == 304, "bytes": len(resp.body),
            "entries": len(entries), "new_entries": len(new_ids), "error": None,
            "warnings": "; ".join(parsed.warnings)[:1000] if parsed and parsed.warnings else None,
            "dropped": parsed.dropped if parsed else None, "capped": parsed.capped if parsed else None,
        })
        if target and redirects >= MOVE_AFTER_REDIRECTS:
            conn.execute(QUERIES["move_feed_url"], {"id": feed["id"], "url": target})
    # After commit: a crash here leaves the articles 'queued' in Postgres and the sweeper re-enqueues them.
    enqueue_many(fetch_sends(new_ids, "live"))
    return {"status": resp.status, "entries": len(entries), "new": len(new_ids)}


def _validator(value: str | None) -> str | None:
    return value if value is None or len(value) <= MAX_VALIDATOR_CHARS else None


def _permanent_redirect(feed: dict[str, Any], resp: HttpResponse) -> tuple[int, str | None]:
    """Count consecutive polls that were permanently redirected to the same final URL.

    A target too long for the unique index on feeds.url would fail every poll once the move is due: it is
    not counted (the feed stays where it is and its entries keep coming through the redirect).
    """
    if not resp.redirects or any(status not in (301, 308) for status, _ in resp.redirects):
        return 0, None
    if len(resp.url.encode("utf-8", "surrogatepass")) > get_settings().max_entry_url_bytes:
        return 0, None
    if resp.url == feed["redirect_target"]:
        return feed["permanent_redirects"] + 1, resp.url
    return 1, resp.url


def _record_failure(feed: dict[str, Any], exc: StageError, started: float,
                    mute: str | None = None) -> dict[str, Any]:
    s = get_settings()
    status = exc.status
    errors = feed["consecutive_errors"] + 1
    muted = mute
    if muted is None and status == 410:
        muted = "gone: the server answered 410"
    elif muted is None and errors >= s.feed_error_mute_after and isinstance(exc, PermanentError):
        muted = f"muted after {feed['consecutive_errors'] + 1} consecutive errors: {exc}"
    backoff = backoff_interval_s(feed["consecutive_errors"] + 1, exc.retry_after_s, settings=s)
    message = f"{type(exc).__name__}: {exc}"[:1000]
    with get_pool().connection() as conn, conn.transaction():
        conn.execute(QUERIES["feed_poll_error"], {
            "id": feed["id"], "status": status, "error": message, "backoff_s": backoff, "muted_reason": muted,
        })
        conn.execute(QUERIES["record_feed_fetch"], {
            "feed_id": feed["id"], "duration_ms": int((time.monotonic() - started) * 1000),
            "http_status": status, "not_modified": False, "bytes": None, "entries": None,
            "new_entries": None, "error": message, "warnings": None, "dropped": None, "capped": None,
        })
    log.warning("feed poll failed", extra={"feed_id": feed["id"], "error": message})
    return {"error": message, "backoff_s": backoff}
