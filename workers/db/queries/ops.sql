-- reprocess_select --
-- Articles to re-run from a stage; clean needs a stored page, extract a stored document. Null filters match all.
SELECT a.id
FROM articles a
LEFT JOIN raw_pages rp ON rp.article_id = a.id
LEFT JOIN documents d ON d.article_id = a.id
LEFT JOIN extractions x ON x.article_id = a.id
WHERE (%(stage)s = 'fetch' OR (%(stage)s = 'clean' AND rp.article_id IS NOT NULL)
       OR (%(stage)s = 'extract' AND d.article_id IS NOT NULL))
  AND (%(since)s::date IS NULL OR a.first_seen_at >= (%(since)s::date)::timestamp AT TIME ZONE 'UTC')
  AND (%(until)s::date IS NULL OR a.first_seen_at < (%(until)s::date + 1)::timestamp AT TIME ZONE 'UTC')
  AND (%(feeds)s::bigint[] IS NULL
       OR EXISTS (SELECT 1 FROM article_feeds af WHERE af.article_id = a.id AND af.feed_id = ANY(%(feeds)s::bigint[])))
  AND (%(ids)s::bigint[] IS NULL OR a.id = ANY(%(ids)s::bigint[]))
  AND (NOT %(only_failed)s OR a.state IN ('failed', 'quarantined'))
  -- "extract/3" → 3; a missing output counts as version 0, i.e. older than anything
  AND (%(older_than)s::int IS NULL OR COALESCE(substring(
           CASE %(stage)s WHEN 'fetch' THEN rp.fetch_version WHEN 'clean' THEN d.clean_version
                ELSE x.extractor_version END FROM '(\d+)$')::int, 0) < %(older_than)s::int)
ORDER BY a.id
LIMIT %(limit)s

-- reprocess_reset --
-- Put selected articles back in a stage, queued with a fresh attempt count, before their messages are sent.
UPDATE articles SET stage = %(stage)s, state = 'queued', next_task = %(next_task)s, lane = 'reprocess', attempts = 0,
       last_error = NULL, last_error_stage = NULL, queued_at = now(), updated_at = now()
WHERE id = ANY(%(ids)s::bigint[])

-- reprocess_progress --
-- Where the selected articles are now, by state.
SELECT state, count(*) AS n FROM articles WHERE id = ANY(%(ids)s::bigint[]) GROUP BY state

-- articles_by_stage_state --
-- Counts of articles per stage and state, for status and metrics.
SELECT stage, state, count(*) AS n FROM articles GROUP BY stage, state ORDER BY stage, state

-- failures_by_reason --
-- Failed and quarantined articles grouped by stage and the start of their error.
SELECT COALESCE(last_error_stage, stage) AS stage, state, left(COALESCE(last_error, '(no error recorded)'), 60) AS reason,
       count(*) AS n
FROM articles WHERE state IN ('failed', 'quarantined')
GROUP BY 1, 2, 3 ORDER BY n DESC, stage, reason
LIMIT %(limit)s

-- feed_counts --
-- Feeds in total, due now, failing (errors in a row) and muted.
SELECT count(*) AS total,
       count(*) FILTER (WHERE enabled AND muted_reason IS NULL AND next_poll_at <= now()) AS due,
       count(*) FILTER (WHERE consecutive_errors > 0) AS failing,
       count(*) FILTER (WHERE muted_reason IS NOT NULL) AS muted,
       count(*) FILTER (WHERE NOT enabled) AS disabled
FROM feeds

-- failing_feeds --
-- Feeds with errors in a row or muted, worst first.
SELECT id, name, consecutive_errors, last_status, left(last_error, 60) AS last_error, muted_reason, next_poll_at
FROM feeds WHERE consecutive_errors > 0 OR muted_reason IS NOT NULL
ORDER BY consecutive_errors DESC, name

-- list_events --
-- Stored events with their article, filtered; the date is the event's, else the document's.
SELECT e.article_id, e.ord, COALESCE(e.event_date, d.published) AS date, e.type, e.status, e.location, e.cameo,
       e.countries, e.participants, e.evidence->>'text' AS evidence, d.title, a.url, x.relevant
FROM events e
JOIN articles a ON a.id = e.article_id
LEFT JOIN documents d ON d.article_id = e.article_id
LEFT JOIN extractions x ON x.article_id = e.article_id
WHERE (%(since)s::date IS NULL OR COALESCE(e.event_date, d.published) >= %(since)s::date)
  AND (%(until)s::date IS NULL OR COALESCE(e.event_date, d.published) <= %(until)s::date)
  AND (%(countries)s::text[] IS NULL OR e.countries @> %(countries)s::text[])
  AND (%(types)s::text[] IS NULL OR e.type = ANY(%(types)s::text[]))
  AND (%(party)s::text IS NULL OR EXISTS (
           SELECT 1 FROM jsonb_array_elements(e.participants) p
           WHERE strpos(lower(p->>'name'), lower(%(party)s::text)) > 0))
  AND (NOT %(relevant_only)s OR x.relevant)
  AND (%(article)s::bigint IS NULL OR e.article_id = %(article)s::bigint)
  AND (%(feed)s::bigint IS NULL OR EXISTS (
           SELECT 1 FROM article_feeds af WHERE af.article_id = e.article_id AND af.feed_id = %(feed)s::bigint))
ORDER BY date DESC NULLS LAST, e.article_id DESC, e.ord
LIMIT %(limit)s

-- list_agreements --
-- Stored agreements with their article, filtered; dated by the document's publication date.
SELECT g.article_id, g.ord, d.published AS date, g.kind, g.level, g.status, g.title AS agreement, g.subject,
       g.countries, g.parties, g.evidence->>'text' AS evidence, d.title, a.url, x.relevant
FROM agreements g
JOIN articles a ON a.id = g.article_id
LEFT JOIN documents d ON d.article_id = g.article_id
LEFT JOIN extractions x ON x.article_id = g.article_id
WHERE (%(since)s::date IS NULL OR d.published >= %(since)s::date)
  AND (%(until)s::date IS NULL OR d.published <= %(until)s::date)
  AND (%(countries)s::text[] IS NULL OR g.countries @> %(countries)s::text[])
  AND (%(types)s::text[] IS NULL OR g.kind = ANY(%(types)s::text[]))
  AND (%(party)s::text IS NULL OR EXISTS (
           SELECT 1 FROM jsonb_array_elements(g.parties) p
           WHERE strpos(lower(p->>'name'), lower(%(party)s::text)) > 0))
  AND (NOT %(relevant_only)s OR x.relevant)
  AND (%(article)s::bigint IS NULL OR g.article_id = %(article)s::bigint)
  AND (%(feed)s::bigint IS NULL OR EXISTS (
           SELECT 1 FROM article_feeds af WHERE af.article_id = g.article_id AND af.feed_id = %(feed)s::bigint))
ORDER BY date DESC NULLS LAST, g.article_id DESC, g.ord
LIMIT %(limit)s

-- search_documents --
-- Russian full-text search, optionally narrowed by the article's events/agreements/entities; snippets for the top only,
-- matches between mark_start and mark_stop (the CLI's «», the web page's private-use marks it escapes around).
WITH q AS (
    SELECT CASE WHEN %(prefix)s THEN to_tsquery('russian', %(query)s)
                ELSE websearch_to_tsquery('russian', %(query)s) END AS tsq
), hits AS (
    SELECT d.article_id, d.title, d.published, d.text, a.url, x.relevant, ts_rank(d.tsv, q.tsq) AS rank, q.tsq
    FROM documents d CROSS JOIN q
    JOIN articles a ON a.id = d.article_id
    LEFT JOIN extractions x ON x.article_id = d.article_id
    WHERE d.tsv @@ q.tsq
      AND (%(since)s::date IS NULL OR d.published >= %(since)s::date)
      AND (%(until)s::date IS NULL OR d.published <= %(until)s::date)
      AND (NOT %(relevant_only)s OR x.relevant)
      AND (%(countries)s::text[] IS NULL
           OR EXISTS (SELECT 1 FROM events e WHERE e.article_id = d.article_id AND e.countries @> %(countries)s::text[])
           OR EXISTS (SELECT 1 FROM agreements g
                      WHERE g.article_id = d.article_id AND g.countries @> %(countries)s::text[]))
      AND (%(types)s::text[] IS NULL
           OR EXISTS (SELECT 1 FROM events e WHERE e.article_id = d.article_id AND e.type = ANY(%(types)s::text[]))
           OR EXISTS (SELECT 1 FROM agreements g WHERE g.article_id = d.article_id AND g.kind = ANY(%(types)s::text[])))
      AND (%(party)s::text IS NULL OR EXISTS (
               SELECT 1 FROM entities n
               WHERE n.article_id = d.article_id AND strpos(lower(n.name), lower(%(party)s::text)) > 0))
    ORDER BY rank DESC, d.published DESC NULLS LAST, d.article_id DESC
    LIMIT %(limit)s
)
SELECT article_id, title, published AS date, url, relevant, round(rank::numeric, 4)::float AS rank,
       ts_headline('russian', text, tsq, 'StartSel=' || %(mark_start)s::text || ', StopSel=' || %(mark_stop)s::text
                   || ', MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "') AS snippet
FROM hits ORDER BY rank DESC, published DESC NULLS LAST, article_id DESC
