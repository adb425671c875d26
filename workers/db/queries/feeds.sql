-- upsert_source --
-- Create or refresh a press service / outlet by name.
INSERT INTO sources (name, country, category)
VALUES (%(name)s, %(country)s, %(category)s)
ON CONFLICT (name) DO UPDATE SET country = EXCLUDED.country, category = EXCLUDED.category
RETURNING id

-- upsert_feed --
-- Import a registry entry; polling state of an existing feed is kept.
INSERT INTO feeds (source_id, name, url, kind, pattern, language, country, category, enabled, poll_interval_s)
VALUES (%(source_id)s, %(name)s, %(url)s, %(kind)s, %(pattern)s, %(language)s, %(country)s, %(category)s,
        %(enabled)s, %(poll_interval_s)s)
ON CONFLICT (name) DO UPDATE SET
    source_id = EXCLUDED.source_id, url = EXCLUDED.url, kind = EXCLUDED.kind, pattern = EXCLUDED.pattern,
    language = EXCLUDED.language, country = EXCLUDED.country, category = EXCLUDED.category,
    enabled = EXCLUDED.enabled, poll_interval_s = EXCLUDED.poll_interval_s, updated_at = now()
RETURNING id, (xmax = 0) AS inserted

-- claim_due_feeds --
-- Lease due feeds so a second beat, or this one after a crash, cannot enqueue them twice.
WITH due AS (
    SELECT id FROM feeds
    WHERE enabled AND muted_reason IS NULL AND next_poll_at <= now()
      AND (lease_until IS NULL OR lease_until < now())
    ORDER BY next_poll_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
UPDATE feeds f SET lease_until = now() + make_interval(secs => %(lease_s)s)
FROM due WHERE f.id = due.id
RETURNING f.id

-- get_feed --
-- One feed with its polling state.
SELECT * FROM feeds WHERE id = %(id)s

-- begin_poll --
-- Count a poll attempt before the work, so a poll that kills its worker every time still stops (mutes).
UPDATE feeds SET poll_attempts = poll_attempts + 1 WHERE id = %(id)s
RETURNING poll_attempts

-- record_feed_fetch --
-- One line of a feed's fetch history.
INSERT INTO feed_fetches (feed_id, duration_ms, http_status, not_modified, bytes, entries, new_entries, error,
                          warnings, dropped_entries, capped_entries)
VALUES (%(feed_id)s, %(duration_ms)s, %(http_status)s, %(not_modified)s, %(bytes)s, %(entries)s,
        %(new_entries)s, %(error)s, %(warnings)s, %(dropped)s, %(capped)s)

-- feed_poll_ok --
-- A successful poll (200 or 304): store validators, schedule the next poll, drop the lease.
UPDATE feeds SET
    etag = %(etag)s, last_modified = %(last_modified)s, body_hash = %(body_hash)s, trusts_304 = %(trusts_304)s,
    polls_since_full = %(polls_since_full)s, last_polled_at = now(), last_status = %(status)s,
    last_error = NULL, consecutive_errors = 0, poll_attempts = 0, poll_interval_s = %(interval_s)s,
    next_poll_at = now() + make_interval(secs => %(interval_s)s), lease_until = NULL,
    last_new_at = CASE WHEN %(new_entries)s > 0 THEN now() ELSE last_new_at END,
    typical_gap_s = COALESCE(%(typical_gap_s)s, typical_gap_s),
    quiet = %(quiet)s, items_total = items_total + %(new_entries)s,
    permanent_redirects = %(permanent_redirects)s, redirect_target = %(redirect_target)s, updated_at = now()
WHERE id = %(id)s

-- feed_poll_error --
-- A failed poll: count it, back off, never disable silently (muting is explicit, with a reason).
UPDATE feeds SET
    last_polled_at = now(), last_status = %(status)s, last_error = %(error)s,
    consecutive_errors = consecutive_errors + 1, error_count = error_count + 1, poll_attempts = 0,
    next_poll_at = now() + make_interval(secs => %(backoff_s)s), lease_until = NULL,
    muted_reason = COALESCE(%(muted_reason)s, muted_reason), updated_at = now()
WHERE id = %(id)s

-- move_feed_url --
-- Follow a permanent redirect seen several times, unless another feed already has that URL.
UPDATE feeds SET url = %(url)s, permanent_redirects = 0, redirect_target = NULL, updated_at = now()
WHERE id = %(id)s AND NOT EXISTS (SELECT 1 FROM feeds other WHERE other.url = %(url)s AND other.id <> %(id)s)

-- list_feeds --
-- Every feed with its health, for `silkwire feeds list/health` and status.
SELECT f.id, f.name, f.url, f.kind, f.language, f.country, f.enabled, f.muted_reason, f.poll_interval_s,
       f.next_poll_at, f.last_polled_at, f.last_status, f.last_error, f.consecutive_errors, f.error_count,
       f.trusts_304, f.quiet, f.items_total, f.last_new_at,
       (SELECT count(*) FROM article_feeds af WHERE af.feed_id = f.id
           AND af.first_seen_at > now() - interval '1 day') AS items_last_day,
       last.dropped_entries AS last_dropped, last.capped_entries AS last_capped
FROM feeds f
LEFT JOIN LATERAL (SELECT ff.dropped_entries, ff.capped_entries FROM feed_fetches ff
                   WHERE ff.feed_id = f.id ORDER BY ff.started_at DESC LIMIT 1) last ON true
ORDER BY f.name

-- recent_polls --
-- The last successful parses of a feed, oldest first, for the adaptive interval.
SELECT started_at AS at, entries, new_entries FROM (
    SELECT started_at, entries, new_entries FROM feed_fetches
    WHERE feed_id = %(feed_id)s AND entries IS NOT NULL
    ORDER BY started_at DESC LIMIT 20) recent
ORDER BY at

-- recent_publish_times --
-- Publication times of the entries a feed listed in the last two weeks.
SELECT a.feed_published_at AS at FROM article_feeds af JOIN articles a ON a.id = af.article_id
WHERE af.feed_id = %(feed_id)s AND a.feed_published_at > now() - interval '14 days'
ORDER BY a.feed_published_at DESC LIMIT 500
