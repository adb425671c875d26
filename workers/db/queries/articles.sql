-- insert_articles --
-- A poll's entries in one statement (parallel arrays, in feed order); returns the ids of those not known
-- yet. An already known canonical URL is skipped (dedupe across all feeds), as is a repeat in the feed.
INSERT INTO articles (url, first_feed_id, title_hint, feed_published_at, stage, state, queued_at)
SELECT e.url, %(feed_id)s, e.title, e.published, 'fetch', 'queued', now()
FROM unnest(%(urls)s::text[], %(titles)s::text[], %(published)s::timestamptz[]) WITH ORDINALITY
     AS e(url, title, published, ord)
ORDER BY e.ord
ON CONFLICT (url) DO NOTHING
RETURNING id

-- link_article_feeds --
-- Record that this feed lists these articles (any number of feeds may list one).
INSERT INTO article_feeds (article_id, feed_id)
SELECT id, %(feed_id)s FROM articles WHERE url = ANY(%(urls)s::text[])
ON CONFLICT DO NOTHING

-- get_article --
-- One article with its stage state.
SELECT * FROM articles WHERE id = %(id)s

-- begin_attempt --
-- Count an attempt in Postgres before doing the work, so a task that kills its worker still stops after N.
UPDATE articles SET attempts = attempts + 1, updated_at = now()
WHERE id = %(id)s AND stage = %(stage)s AND state IN ('queued', 'pending')
RETURNING attempts, url

-- begin_analysis --
-- begin_attempt for the analyse stage, returning the stored page and its feed date in the same round trip.
WITH claimed AS (
    UPDATE articles SET attempts = attempts + 1, updated_at = now()
    WHERE id = %(id)s AND stage = 'analyse' AND state IN ('queued', 'pending')
    RETURNING id, attempts, feed_published_at)
SELECT c.attempts, c.feed_published_at, rp.article_id IS NOT NULL AS has_page, rp.final_url, rp.headers, rp.body_packed
FROM claimed c LEFT JOIN raw_pages rp ON rp.article_id = c.id

-- begin_extraction --
-- begin_attempt for re-extraction (analyse stage), returning the stored cleaned document in the same round trip.
WITH claimed AS (
    UPDATE articles SET attempts = attempts + 1, updated_at = now()
    WHERE id = %(id)s AND stage = 'analyse' AND state IN ('queued', 'pending')
    RETURNING id, attempts)
SELECT c.attempts, d.article_id IS NOT NULL AS has_document, d.text, d.title, d.published, d.language,
       d.canonical_url, d.content_hash, d.simhash
FROM claimed c LEFT JOIN documents d ON d.article_id = c.id

-- article_failed --
-- Stop an article in a stage with its error (permanent failure, poison or quarantine); a late duplicate
-- delivery failing after another one moved the article on changes nothing.
UPDATE articles SET state = %(state)s, last_error = %(error)s, last_error_stage = %(stage)s, updated_at = now()
WHERE id = %(id)s AND stage = %(stage)s

-- article_retrying --
-- Keep the last transient error visible while the task retries.
UPDATE articles SET last_error = %(error)s, last_error_stage = %(stage)s, queued_at = now(), updated_at = now()
WHERE id = %(id)s

-- store_fetched_page --
-- Advance a fetched article to analysis and store its page, compressed, with its HTTP metadata, in one
-- statement (atomic without a transaction block). Advancing locks the article: of two copies that fetched
-- side by side only the first stores the page (the later one finds it moved on, stores nothing and returns
-- no row). A re-fetch replaces the page.
WITH advanced AS (
    UPDATE articles SET stage = 'analyse', state = 'queued', next_task = %(next_task)s, attempts = 0,
           last_error = NULL, last_error_stage = NULL, queued_at = now(), updated_at = now()
    WHERE id = %(article_id)s AND stage = 'fetch'
    RETURNING id)
INSERT INTO raw_pages (article_id, final_url, http_status, headers, content_type, body_packed, body_bytes,
                       elapsed_ms, fetch_version)
SELECT id, %(final_url)s, %(http_status)s, %(headers)s, %(content_type)s, %(body_packed)s, %(body_bytes)s,
       %(elapsed_ms)s, %(fetch_version)s
FROM advanced
ON CONFLICT (article_id) DO UPDATE SET
    final_url = EXCLUDED.final_url, http_status = EXCLUDED.http_status, headers = EXCLUDED.headers,
    content_type = EXCLUDED.content_type, body_packed = EXCLUDED.body_packed, body_bytes = EXCLUDED.body_bytes,
    elapsed_ms = EXCLUDED.elapsed_ms, fetch_version = EXCLUDED.fetch_version, fetched_at = now()
RETURNING article_id

-- advance_article --
-- Move an article to its next stage and task (or done), resetting the attempt count for that stage.
-- Forward only (fetch → analyse → done): a late duplicate delivery finds the article already moved on and
-- changes nothing, instead of sending an analysed article back (re-processing resets with reprocess_reset).
UPDATE articles SET stage = %(stage)s, state = %(state)s, next_task = %(next_task)s, attempts = 0, last_error = NULL,
       last_error_stage = NULL, queued_at = now(), updated_at = now()
WHERE id = %(id)s AND (stage = 'fetch' OR (stage = 'analyse' AND %(stage)s = 'done'))

-- sweep_stuck --
-- Work lost between Postgres and Redis (crash after commit, before publish): re-claim it for re-enqueueing.
UPDATE articles SET queued_at = now()
WHERE id IN (
    SELECT id FROM articles
    WHERE state IN ('queued', 'pending') AND queued_at < now() - make_interval(secs => %(stuck_s)s)
    ORDER BY queued_at LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED)
RETURNING id, next_task, lane
