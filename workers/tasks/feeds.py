"""Feed tasks: the beat tick that claims due feeds, and one conditional poll of one feed.

A poll counts its attempt in Postgres before the work and always ends in the feed's record: a good
poll, a StageError, or any other exception from the feed's content (a bug on one feed is that feed's
failure, counted and muted like any other, not a silent retry every lease). Statements are in
`workers.db.feeds`; when to mute or move a feed in `workers.feeds.health`; the next poll's time in
`workers.feeds.schedule`. A poll that failed for good (a permanent error, or the feed muted) ends as
FAILURE in Flower with its reason (`workers.tasks.outcome`).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from celery import Task

from workers.db import feeds as db
from workers.errors import PermanentError, StageError
from workers.feeds import health
from workers.feeds.conditional import Validators, after_response, plan_request
from workers.feeds.entries import read_entries
from workers.feeds.schedule import Poll, backoff_interval_s, plan_next_poll
from workers.fetch.http import fetch_url
from workers.fetch.politeness import host_key
from workers.models import HttpResponse, ParsedFeed
from workers.settings import get_settings
from workers.tasks.app import app
from workers.tasks.batches import fetch_sends
from workers.tasks.common import DATA_LIMIT_ERRORS, INFRA_ERRORS, INFRA_RETRY, TICK, host_gate
from workers.tasks.lanes import enqueue_many, requeue_here
from workers.tasks.outcome import Done, Failed, FailedForGood, Outcome, RequeueAfter, Skipped, finish
from workers.taskspec import POLL_DUE_FEEDS, POLL_FEED

log = logging.getLogger(__name__)

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
# A claimed feed stays leased this long; a poll that never reports back frees it after that.
LEASE_S = 600
# Validators longer than this are not kept (a real ETag or date is tens of characters; the header may be KBs).
MAX_VALIDATOR_CHARS = 1000


@app.task(name=POLL_DUE_FEEDS, **TICK)
def poll_due_feeds(limit: int = 200) -> int:
    ids = db.claim_due(limit, LEASE_S)
    for feed_id in ids:
        poll_feed.delay(feed_id)
    return len(ids)


@app.task(name=POLL_FEED, bind=True, throws=(FailedForGood,), **INFRA_RETRY)
def poll_feed(self: Task, feed_id: int) -> dict[str, Any]:
    out = poll_one(feed_id)
    if isinstance(out, RequeueAfter):
        requeue_here(self, (feed_id,), min(out.seconds, get_settings().politeness_requeue_max_s))
    return finish(out, f"feed {feed_id}")


def poll_one(feed_id: int) -> Outcome:
    """Poll one feed and record the poll on it; RequeueAfter when the host's politeness gate says wait."""
    s = get_settings()
    feed = db.get_feed(feed_id)
    if feed is None:
        log.warning("feed vanished", extra={"feed_id": feed_id})
        return Skipped("no such feed")
    if not feed["enabled"] or feed["muted_reason"]:
        return Skipped(feed["muted_reason"] or "disabled")

    gate, host = host_gate(), host_key(feed["url"])
    wait = gate.acquire(host)
    if wait > 0:
        return RequeueAfter(wait)

    started = time.monotonic()
    try:
        attempts = db.begin_poll(feed_id)
        if lost := health.worker_lost(attempts, s.feed_max_poll_attempts):
            # Sent again after its worker died each time (killed, out of memory, past the hard limit).
            return _record_failure(feed, PermanentError(lost), started, mute=lost)
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


def _record_unexpected(feed: dict[str, Any], exc: Exception, started: float) -> Failed:
    """An exception no stage raises on purpose: logged with its traceback, counted as the feed's failure."""
    log.exception("feed poll crashed", extra={"feed_id": feed["id"]})
    # SoftTimeLimitExceeded lands here too: a poll that takes the whole soft limit is this feed's failure.
    return _record_failure(feed, PermanentError(f"{type(exc).__name__}: {exc}"), started)


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _record_success(feed: dict[str, Any], resp: HttpResponse, v: Validators, parsed: ParsedFeed | None,
                    started: float) -> Done:
    s = get_settings()
    entries = parsed.entries if parsed else ()
    redirects, target = health.permanent_redirects(
        resp.redirects, resp.url, previous_target=feed["redirect_target"],
        previous_count=feed["permanent_redirects"], max_url_bytes=s.max_entry_url_bytes)

    def settle(new_ids: list[int], history: db.History) -> tuple[db.PollOk, db.FetchLog]:
        nxt = plan_next_poll([Poll(r["at"], r["entries"], r["new_entries"]) for r in history.polls],
                             history.publish_times, listed=len(parsed.entries) if parsed else None,
                             new_entries=len(new_ids), ttl_s=parsed.ttl_s if parsed else None,
                             headers=resp.headers, country=feed["country"], default_s=feed["poll_interval_s"],
                             last_new_at=feed["last_new_at"], settings=s)
        ok = db.PollOk(v.etag, v.last_modified, v.body_hash, v.trusts_304, v.polls_since_full, resp.status,
                       nxt.interval_s, len(new_ids), nxt.typical_gap_s, nxt.quiet, redirects, target,
                       move_to=health.move_to(redirects, target))
        fetch_log = db.FetchLog(
            _elapsed_ms(started), resp.status, not_modified=resp.status == 304, bytes=len(resp.body),
            entries=len(entries), new_entries=len(new_ids),
            warnings="; ".join(parsed.warnings)[:1000] if parsed and parsed.warnings else None,
            dropped=parsed.dropped if parsed else None, capped=parsed.capped if parsed else None)
        return ok, fetch_log

    new_ids = db.record_poll_ok(feed["id"], entries, settle)
    # After commit: a crash here leaves the articles 'queued' in Postgres and the sweeper re-enqueues them.
    enqueue_many(fetch_sends(new_ids, "live"))
    return Done({"status": resp.status, "entries": len(entries), "new": len(new_ids)})


def _validator(value: str | None) -> str | None:
    return value if value is None or len(value) <= MAX_VALIDATOR_CHARS else None


def _record_failure(feed: dict[str, Any], exc: StageError, started: float, mute: str | None = None) -> Failed:
    s = get_settings()
    errors = feed["consecutive_errors"] + 1
    permanent = isinstance(exc, PermanentError)
    message = f"{type(exc).__name__}: {exc}"[:1000]
    muted = mute or health.muted_reason(status=exc.status, permanent=permanent, error=str(exc),
                                        consecutive_errors=errors, mute_after=s.feed_error_mute_after)
    backoff = backoff_interval_s(errors, exc.retry_after_s, settings=s)
    db.record_poll_error(feed["id"], status=exc.status, error=message, backoff_s=backoff, muted_reason=muted,
                         fetch_log=db.FetchLog(_elapsed_ms(started), exc.status, error=message))
    log.warning("feed poll failed", extra={"feed_id": feed["id"], "error": message})
    # Failed for good when the feed is muted or the error is permanent; a transient one is polled again later.
    return Failed(message, permanent=permanent or muted is not None, state=None, retry_in_s=backoff,
                  note=f"muted: {muted}" if muted else None)
