-- web_title_events --
-- The events a report of which has these words in its title (GIN documents_title_tsv, then reports by article).
SELECT coalesce(array_agg(DISTINCT r.event_id), '{}') AS ids
FROM documents d JOIN registry_event_reports r ON r.article_id = d.article_id
WHERE to_tsvector('russian', coalesce(d.title, '')) @@ websearch_to_tsquery('russian', %(text)s)

-- web_level_people --
-- The people whose position (in any article) is of a level (entities_person_position, read index-only).
SELECT coalesce(array_agg(DISTINCT n.name), '{}') AS names FROM entities n
WHERE n.kind = 'person' AND n.position IS NOT NULL AND n.position ~* %(level_re)s

-- web_events --
-- Canonical events for the timeline, filtered; the columns of registry_list_events (so exports match `silkwire export`).
-- text: a participant or the place contains it, or a report's title has its words (text_ids: web_title_events);
-- level_names: the people of the level asked for (web_level_people).
SELECT e.id, e.event_date AS date, e.type, e.status, e.location, e.countries, e.participants, e.report_count,
       e.first_report_at, e.last_report_at, e.totals, e.registry_version,
       (SELECT array_agg(DISTINCT r.outlet) FROM registry_event_reports r WHERE r.event_id = e.id) AS outlets,
       d.title AS first_title, a.url AS first_url
FROM registry_events e
LEFT JOIN articles a ON a.id = e.first_article_id
LEFT JOIN documents d ON d.article_id = e.first_article_id
WHERE e.countries && ARRAY['KZ', 'CN']
  AND (%(since)s::date IS NULL OR e.event_date >= %(since)s::date)
  AND (%(until)s::date IS NULL OR e.event_date <= %(until)s::date)
  AND (%(types)s::text[] IS NULL OR e.type = ANY(%(types)s::text[]))
  AND (%(statuses)s::text[] IS NULL OR e.status = ANY(%(statuses)s::text[]))
  AND (%(text)s::text IS NULL OR e.id = ANY(%(text_ids)s::bigint[])
       OR strpos(lower(e.participants::text), lower(%(text)s::text)) > 0
       OR strpos(lower(coalesce(e.location, '')), lower(%(text)s::text)) > 0)
  AND (%(level_names)s::text[] IS NULL OR e.participants ?| %(level_names)s::text[])
ORDER BY e.event_date DESC, e.id DESC
LIMIT %(limit)s

-- web_event_months --
-- The same filter counted by month and type: the timeline's chart (every matching event, not one page).
SELECT date_trunc('month', e.event_date)::date AS month, e.type, count(*) AS n
FROM registry_events e
WHERE e.countries && ARRAY['KZ', 'CN']
  AND (%(since)s::date IS NULL OR e.event_date >= %(since)s::date)
  AND (%(until)s::date IS NULL OR e.event_date <= %(until)s::date)
  AND (%(types)s::text[] IS NULL OR e.type = ANY(%(types)s::text[]))
  AND (%(statuses)s::text[] IS NULL OR e.status = ANY(%(statuses)s::text[]))
  AND (%(text)s::text IS NULL OR e.id = ANY(%(text_ids)s::bigint[])
       OR strpos(lower(e.participants::text), lower(%(text)s::text)) > 0
       OR strpos(lower(coalesce(e.location, '')), lower(%(text)s::text)) > 0)
  AND (%(level_names)s::text[] IS NULL OR e.participants ?| %(level_names)s::text[])
GROUP BY 1, 2
ORDER BY 1, 2

-- web_event --
-- One canonical event by id, with the columns of registry_list_events.
SELECT e.id, e.event_date AS date, e.type, e.status, e.location, e.countries, e.participants, e.report_count,
       e.first_report_at, e.last_report_at, e.totals, e.registry_version,
       (SELECT array_agg(DISTINCT r.outlet) FROM registry_event_reports r WHERE r.event_id = e.id) AS outlets,
       d.title AS first_title, a.url AS first_url
FROM registry_events e
LEFT JOIN articles a ON a.id = e.first_article_id
LEFT JOIN documents d ON d.article_id = e.first_article_id
WHERE e.id = %(id)s

-- web_event_people --
-- Each participant of one canonical event as its first reports' extractions name it: country and position.
WITH first AS MATERIALIZED (
    SELECT article_id, ord FROM registry_event_reports WHERE event_id = %(id)s
    ORDER BY published, article_id, ord LIMIT %(reports)s
)
SELECT DISTINCT ON (p.name) p.name, n.country, n.position
FROM jsonb_array_elements_text((SELECT participants FROM registry_events WHERE id = %(id)s)) WITH ORDINALITY AS p(name, i)
LEFT JOIN LATERAL (
    SELECT n.country, n.position FROM first f
    JOIN entities n ON n.article_id = f.article_id AND n.name = p.name
    ORDER BY (n.position IS NULL), n.mentions DESC
    LIMIT 1) n ON true
ORDER BY p.name, p.i

-- web_event_participant_countries --
-- The countries of a canonical event's participants from its first reports' rows, for names the entities lack.
WITH first AS MATERIALIZED (
    SELECT article_id, ord FROM registry_event_reports WHERE event_id = %(id)s
    ORDER BY published, article_id, ord LIMIT %(reports)s
)
SELECT DISTINCT p->>'name' AS name, p->>'country' AS country
FROM first f
JOIN events ev ON ev.article_id = f.article_id AND ev.ord = f.ord
CROSS JOIN jsonb_array_elements(ev.participants) p
WHERE jsonb_typeof(p) = 'object'

-- web_event_reports --
-- One page of a canonical event's reports, in publication order, with the cleaned text around each evidence.
SELECT r.article_id, r.ord, r.status, r.report_date, r.published, r.outlet, r.location,
       r.evidence->>'text' AS evidence, d.title, a.url,
       CASE WHEN r.evidence ? 'start' AND r.evidence ? 'end' THEN jsonb_build_object(
           'before', substr(d.text, greatest(1, (r.evidence->>'start')::int + 1 - %(chars)s),
                            least((r.evidence->>'start')::int, %(chars)s)),
           'marked', substr(d.text, (r.evidence->>'start')::int + 1,
                            (r.evidence->>'end')::int - (r.evidence->>'start')::int),
           'after', substr(d.text, (r.evidence->>'end')::int + 1, %(chars)s)) END AS evidence_window
FROM registry_event_reports r
JOIN articles a ON a.id = r.article_id
LEFT JOIN documents d ON d.article_id = r.article_id
WHERE r.event_id = %(id)s
ORDER BY r.published, r.article_id, r.ord
LIMIT %(limit)s OFFSET %(offset)s

-- web_report --
-- One report of a canonical event with the cleaned text its evidence offsets point into.
SELECT r.event_id, r.article_id, r.ord, r.status, r.published, r.outlet, r.evidence->>'text' AS evidence,
       (r.evidence->>'start')::int AS evidence_start, (r.evidence->>'end')::int AS evidence_end,
       d.title, d.text, a.url
FROM registry_event_reports r
JOIN articles a ON a.id = r.article_id
LEFT JOIN documents d ON d.article_id = r.article_id
WHERE r.event_id = %(event_id)s AND r.article_id = %(article_id)s AND r.ord = %(ord)s

-- web_agreement_sources --
-- The first few reports of each step of these agreements (the tracker's sources), with how many the step has.
SELECT x.agreement_id, x.step, x.published, x.outlet, x.step_reports, d.title, a.url
FROM (
    SELECT r.agreement_id, r.step, r.published, r.outlet, r.article_id,
           row_number() OVER (PARTITION BY r.agreement_id, r.step ORDER BY r.published, r.article_id, r.ord) AS n,
           count(*) OVER (PARTITION BY r.agreement_id, r.step) AS step_reports
    FROM registry_agreement_reports r
    WHERE r.agreement_id = ANY(%(ids)s::bigint[])
) x
JOIN articles a ON a.id = x.article_id
LEFT JOIN documents d ON d.article_id = x.article_id
WHERE x.n <= %(per_step)s
ORDER BY x.agreement_id, x.step, x.n

-- web_schema_ready --
-- Nothing, or an error naming what is missing: `silkwire web` fails at start, in one line, on an unmigrated database.
SELECT 1 FROM registry_events LIMIT 0
