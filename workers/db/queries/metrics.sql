-- Read by the Prometheus exporter (workers/observability/metrics.py) on every scrape: current state only.

-- metrics_backlog --
-- Articles waiting per stage (pending or queued) and the age in seconds of the oldest waiting one (0 when none).
SELECT s.stage, count(a.id) AS n,
       COALESCE(extract(epoch FROM now() - min(COALESCE(a.queued_at, a.updated_at))), 0)::float8 AS oldest_s
FROM (VALUES ('fetch'), ('analyse')) AS s(stage)
LEFT JOIN articles a ON a.stage = s.stage AND a.state IN ('pending', 'queued')
GROUP BY s.stage ORDER BY s.stage

-- metrics_feeds --
-- Every feed with its errors in a row, last poll time and whether it is enabled and muted.
SELECT name, enabled, muted_reason IS NOT NULL AS muted, consecutive_errors,
       extract(epoch FROM last_polled_at)::float8 AS last_polled_s
FROM feeds ORDER BY name

-- metrics_progress --
-- When the last extraction was stored and the last feed poll ran (Unix seconds; NULL when never).
SELECT (SELECT extract(epoch FROM max(extracted_at))::float8 FROM extractions) AS last_extraction_s,
       (SELECT extract(epoch FROM max(last_polled_at))::float8 FROM feeds) AS last_poll_s

-- metrics_failure_reasons --
-- The last error of each article a finished task failed, for the failure counter's reason label.
SELECT id, last_error FROM articles WHERE id = ANY(%(ids)s)

-- metrics_latencies --
-- Seconds from the feed's publication time to the stored extraction, for the articles a task just analysed.
SELECT extract(epoch FROM e.extracted_at - a.feed_published_at)::float8 AS s
FROM articles a JOIN extractions e ON e.article_id = a.id
WHERE a.id = ANY(%(ids)s) AND a.feed_published_at IS NOT NULL
