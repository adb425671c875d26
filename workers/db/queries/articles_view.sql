-- article_find --
-- One article by id, or by URL: the listed one, the final one after redirects, or the page's canonical one.
SELECT a.id, a.url, a.title_hint, a.feed_published_at, a.first_seen_at, a.stage, a.state, a.lane, a.next_task,
       a.attempts, a.last_error, a.last_error_stage, a.queued_at, a.updated_at
FROM articles a
WHERE a.id = %(id)s::bigint OR a.url = %(url)s::text
   OR a.id IN (SELECT article_id FROM raw_pages WHERE final_url = %(url)s::text)
   OR a.id IN (SELECT article_id FROM documents WHERE canonical_url = %(url)s::text)
ORDER BY (a.id = %(id)s::bigint OR a.url = %(url)s::text) DESC, a.id
LIMIT 1

-- article_stage_outputs --
-- What each stage stored for an article: the page, the document (with a text excerpt), the extraction.
SELECT rp.final_url, rp.http_status, rp.content_type, rp.body_bytes, rp.elapsed_ms, rp.fetch_version, rp.fetched_at,
       d.title, d.published, d.language, d.canonical_url, d.near_dup_of, d.clean_version, d.cleaned_at,
       length(d.text) AS text_chars, left(d.text, %(excerpt_chars)s) AS excerpt,
       x.extractor_version, x.relevant, x.relevance_score, x.extracted_at
FROM articles a
LEFT JOIN raw_pages rp ON rp.article_id = a.id
LEFT JOIN documents d ON d.article_id = a.id
LEFT JOIN extractions x ON x.article_id = a.id
WHERE a.id = %(id)s

-- article_feeds_of --
-- The feeds that listed an article, first listing first.
SELECT f.id, f.name, f.url, f.enabled, af.first_seen_at
FROM article_feeds af JOIN feeds f ON f.id = af.feed_id
WHERE af.article_id = %(id)s ORDER BY af.first_seen_at, f.id

-- article_event_mentions --
-- The events an article mentions, with the canonical event each was linked to (none when out of scope).
SELECT e.ord, e.type, e.status, e.event_date AS date, e.location, e.countries, e.participants,
       e.evidence->>'text' AS evidence, r.event_id
FROM events e
LEFT JOIN registry_event_reports r ON r.article_id = e.article_id AND r.ord = e.ord
WHERE e.article_id = %(id)s ORDER BY e.ord

-- article_agreement_mentions --
-- The agreements an article mentions, with the canonical agreement each was linked to.
SELECT g.ord, g.kind, g.level, g.status, g.title AS agreement, g.subject, g.countries, g.parties,
       g.evidence->>'text' AS evidence, r.agreement_id
FROM agreements g
LEFT JOIN registry_agreement_reports r ON r.article_id = g.article_id AND r.ord = g.ord
WHERE g.article_id = %(id)s ORDER BY g.ord
