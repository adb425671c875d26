-- insert_article --
-- A new entry; an already known canonical URL returns nothing (dedupe across all feeds).
INSERT INTO articles (url, first_feed_id, title_hint, feed_published_at, stage, state, queued_at)
VALUES (%(url)s, %(feed_id)s, %(title)s, %(published)s, 'fetch', 'queued', now())
ON CONFLICT (url) DO NOTHING
RETURNING id

-- link_article_feed --
-- Record that this feed lists this article (any number of feeds may).
INSERT INTO article_feeds (article_id, feed_id)
SELECT id, %(feed_id)s FROM articles WHERE url = %(url)s
ON CONFLICT DO NOTHING

-- get_article --
-- One article with its stage state.
SELECT * FROM articles WHERE id = %(id)s

-- begin_attempt --
-- Count an attempt in Postgres before doing the work, so a task that kills its worker still stops after N.
UPDATE articles SET attempts = attempts + 1, updated_at = now()
WHERE id = %(id)s AND stage = %(stage)s AND state IN ('queued', 'pending')
RETURNING attempts, url

-- article_failed --
-- Stop an article in a stage with its error (permanent failure, poison or quarantine); a late duplicate
-- delivery failing after another one moved the article on changes nothing.
UPDATE articles SET state = %(state)s, last_error = %(error)s, last_error_stage = %(stage)s, updated_at = now()
WHERE id = %(id)s AND stage = %(stage)s

-- article_retrying --
-- Keep the last transient error visible while the task retries.
UPDATE articles SET last_error = %(error)s, last_error_stage = %(stage)s, queued_at = now(), updated_at = now()
WHERE id = %(id)s

-- store_raw_page --
-- The fetched page, compressed, with its HTTP metadata; a re-fetch replaces it.
INSERT INTO raw_pages (article_id, final_url, http_status, headers, content_type, body_gz, body_bytes,
                       elapsed_ms, fetch_version)
VALUES (%(article_id)s, %(final_url)s, %(http_status)s, %(headers)s, %(content_type)s, %(body_gz)s,
        %(body_bytes)s, %(elapsed_ms)s, %(fetch_version)s)
ON CONFLICT (article_id) DO UPDATE SET
    final_url = EXCLUDED.final_url, http_status = EXCLUDED.http_status, headers = EXCLUDED.headers,
    content_type = EXCLUDED.content_type, body_gz = EXCLUDED.body_gz, body_bytes = EXCLUDED.body_bytes,
    elapsed_ms = EXCLUDED.elapsed_ms, fetch_version = EXCLUDED.fetch_version, fetched_at = now()

-- advance_article --
-- Move an article to its next stage and task (or done), resetting the attempt count for that stage.
-- Forward only (fetch → analyse → done): a late duplicate delivery finds the article already moved on and
-- changes nothing, instead of sending an analysed article back (re-processing resets with reprocess_reset).
UPDATE articles SET stage = %(stage)s, state = %(state)s, next_task = %(next_task)s, attempts = 0, last_error = NULL,
       last_error_stage = NULL, queued_at = now(), updated_at = now()
WHERE id = %(id)s AND (stage = 'fetch' OR (stage = 'analyse' AND %(stage)s = 'done'))

-- get_raw_page --
-- The stored page of an article, for analysis, with the date its feed gave it.
SELECT rp.*, a.feed_published_at FROM raw_pages rp JOIN articles a ON a.id = rp.article_id
WHERE rp.article_id = %(id)s

-- get_document --
-- The cleaned document of an article, for re-extraction.
SELECT * FROM documents WHERE article_id = %(id)s

-- sweep_stuck --
-- Work lost between Postgres and Redis (crash after commit, before publish): re-claim it for re-enqueueing.
UPDATE articles SET queued_at = now()
WHERE id IN (
    SELECT id FROM articles
    WHERE state IN ('queued', 'pending') AND queued_at < now() - make_interval(secs => %(stuck_s)s)
    ORDER BY queued_at LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED)
RETURNING id, next_task, lane
