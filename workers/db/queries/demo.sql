-- demo_summary --
-- What `silkwire demo` prints; the compose test compares the stack's database against it.
SELECT (SELECT count(*) FROM feeds) AS feeds,
       (SELECT count(*) FROM articles) AS articles,
       (SELECT count(*) FROM articles WHERE state = 'done') AS analysed,
       (SELECT count(*) FROM articles WHERE state IN ('failed', 'quarantined', 'skipped')) AS failed,
       (SELECT count(*) FROM extractions WHERE relevant) AS relevant,
       (SELECT count(DISTINCT name) FROM entities WHERE kind = 'person') AS people,
       (SELECT count(DISTINCT name) FROM entities WHERE kind = 'organization') AS organisations,
       (SELECT count(*) FROM events) AS events,
       (SELECT count(*) FROM agreements) AS agreements

-- demo_progress --
-- How far ingestion is: articles, those still waiting, feeds never polled.
SELECT count(*) AS articles, count(*) FILTER (WHERE state IN ('queued', 'pending')) AS waiting,
       (SELECT count(*) FROM feeds WHERE last_polled_at IS NULL) AS unpolled
FROM articles

-- demo_feed_ids --
-- Every feed, to poll them all again.
SELECT id FROM feeds ORDER BY id

-- demo_polls --
-- Feed polls recorded so far.
SELECT count(*) AS n FROM feed_fetches

-- demo_failures --
-- Articles that ended without a result, with why.
SELECT url, state, last_error FROM articles WHERE state IN ('failed', 'quarantined', 'skipped') ORDER BY id
