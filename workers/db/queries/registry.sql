-- registry_lock --
-- One linker at a time (transaction-scoped): two articles about one visit linked at once make one event.
SELECT pg_advisory_xact_lock(%(key)s)

-- registry_articles --
-- Relevant stored extractions with what linking needs of each article: publication day, outlet, SimHash link.
-- Only the parts of the result mentions read: the whole one (entities, figures, sectors) costs more to parse.
SELECT a.id AS article_id, COALESCE(d.published, a.feed_published_at::date, a.first_seen_at::date) AS published,
       COALESCE(s.name, f.name, substring(a.url from '^[a-z]+://([^/:]+)')) AS outlet, d.near_dup_of,
       jsonb_build_object('kz_cn', x.result->'kz_cn', 'events', x.result->'events',
                          'agreements', x.result->'agreements',
                          'agreement_totals', x.result->'agreement_totals') AS result
FROM articles a
JOIN extractions x ON x.article_id = a.id AND x.relevant
LEFT JOIN documents d ON d.article_id = a.id
LEFT JOIN feeds f ON f.id = a.first_feed_id
LEFT JOIN sources s ON s.id = f.source_id
WHERE a.id = ANY(%(ids)s::bigint[])

-- registry_all_articles --
-- Every article whose extraction the registry reads (a rebuild).
SELECT article_id FROM extractions WHERE relevant ORDER BY article_id

-- registry_event_articles_between --
-- Relevant articles with an event of these types dated (its own date, else the publication's) within the range.
SELECT DISTINCT e.article_id
FROM events e
JOIN extractions x ON x.article_id = e.article_id AND x.relevant
JOIN articles a ON a.id = e.article_id
LEFT JOIN documents d ON d.article_id = e.article_id
WHERE e.type = ANY(%(types)s::text[])
  AND COALESCE(e.event_date, d.published, a.feed_published_at::date, a.first_seen_at::date)
      BETWEEN %(since)s::date AND %(until)s::date

-- registry_agreement_articles_between --
-- Relevant articles with an agreement of these kinds published within the range.
SELECT DISTINCT g.article_id
FROM agreements g
JOIN extractions x ON x.article_id = g.article_id AND x.relevant
JOIN articles a ON a.id = g.article_id
LEFT JOIN documents d ON d.article_id = g.article_id
WHERE g.kind = ANY(%(types)s::text[])
  AND COALESCE(d.published, a.feed_published_at::date, a.first_seen_at::date) BETWEEN %(since)s::date AND %(until)s::date

-- registry_event_ids_of --
-- The canonical event each report of these articles belongs to now, with the mention's fingerprint and rules' version.
SELECT article_id, ord, event_id AS id, mention_hash, registry_version
FROM registry_event_reports WHERE article_id = ANY(%(ids)s::bigint[])

-- registry_agreement_ids_of --
-- The canonical agreement each report of these articles belongs to now, with the fingerprint and rules' version.
SELECT article_id, ord, agreement_id AS id, mention_hash, registry_version
FROM registry_agreement_reports WHERE article_id = ANY(%(ids)s::bigint[])

-- registry_event_members --
-- Every report (article, ord) of these canonical events.
SELECT article_id, ord, event_id AS id, mention_hash
FROM registry_event_reports WHERE event_id = ANY(%(ids)s::bigint[])

-- registry_agreement_members --
-- Every report (article, ord) of these canonical agreements.
SELECT article_id, ord, agreement_id AS id, mention_hash
FROM registry_agreement_reports WHERE agreement_id = ANY(%(ids)s::bigint[])

-- registry_delete_events --
-- Canonical events about to be recomputed, with their reports (cascade), and any report left by these articles.
WITH r AS (DELETE FROM registry_event_reports WHERE article_id = ANY(%(article_ids)s::bigint[]))
DELETE FROM registry_events WHERE id = ANY(%(ids)s::bigint[])

-- registry_delete_agreements --
-- Canonical agreements about to be recomputed, with their steps and reports, and any report left by these articles.
WITH r AS (DELETE FROM registry_agreement_reports WHERE article_id = ANY(%(article_ids)s::bigint[]))
DELETE FROM registry_agreements WHERE id = ANY(%(ids)s::bigint[])

-- registry_clear --
-- A rebuild starts empty (reports and steps go with their records).
WITH e AS (DELETE FROM registry_events) DELETE FROM registry_agreements

-- registry_next_event_id --
-- A new canonical event id.
SELECT nextval('registry_events_id_seq') AS id

-- registry_next_agreement_id --
-- A new canonical agreement id.
SELECT nextval('registry_agreements_id_seq') AS id

-- registry_insert_event --
-- One canonical event (its reports follow).
INSERT INTO registry_events (id, type, status, event_date, location, countries, participants, first_article_id,
                             first_ord, first_report_at, last_report_at, report_count, totals, registry_version)
VALUES (%(id)s, %(type)s, %(status)s, %(event_date)s, %(location)s, %(countries)s, %(participants)s,
        %(first_article_id)s, %(first_ord)s, %(first_report_at)s, %(last_report_at)s, %(report_count)s, %(totals)s,
        %(version)s)

-- registry_insert_event_report --
-- One report of a canonical event.
INSERT INTO registry_event_reports (article_id, ord, event_id, status, report_date, published, outlet, location,
                                    evidence, registry_version, mention_hash)
VALUES (%(article_id)s, %(ord)s, %(event_id)s, %(status)s, %(report_date)s, %(published)s, %(outlet)s, %(location)s,
        %(evidence)s, %(version)s, %(mention_hash)s)

-- registry_insert_agreement --
-- One canonical agreement (its steps and reports follow).
INSERT INTO registry_agreements (id, kind, status, level, subject, title, countries, parties, first_article_id,
                                 first_ord, first_report_at, last_report_at, report_count, registry_version)
VALUES (%(id)s, %(kind)s, %(status)s, %(level)s, %(subject)s, %(title)s, %(countries)s, %(parties)s,
        %(first_article_id)s, %(first_ord)s, %(first_report_at)s, %(last_report_at)s, %(report_count)s, %(version)s)

-- registry_insert_agreement_step --
-- One lifecycle step of a canonical agreement.
INSERT INTO registry_agreement_steps (agreement_id, step, step_date, report_count)
VALUES (%(agreement_id)s, %(step)s, %(step_date)s, %(report_count)s)

-- registry_insert_agreement_report --
-- One report of a canonical agreement.
INSERT INTO registry_agreement_reports (article_id, ord, agreement_id, step, published, outlet, evidence,
                                        registry_version, mention_hash)
VALUES (%(article_id)s, %(ord)s, %(agreement_id)s, %(step)s, %(published)s, %(outlet)s, %(evidence)s, %(version)s,
        %(mention_hash)s)

-- registry_list_events --
-- Canonical events, filtered, newest first, with their first report's article and the outlets reporting them.
SELECT e.id, e.event_date AS date, e.type, e.status, e.location, e.countries, e.participants, e.report_count,
       e.first_report_at, e.last_report_at, e.totals, e.registry_version,
       (SELECT array_agg(DISTINCT r.outlet) FROM registry_event_reports r WHERE r.event_id = e.id) AS outlets,
       d.title AS first_title, a.url AS first_url
FROM registry_events e
LEFT JOIN articles a ON a.id = e.first_article_id
LEFT JOIN documents d ON d.article_id = e.first_article_id
WHERE (%(id)s::bigint IS NULL OR e.id = %(id)s::bigint)
  AND (%(since)s::date IS NULL OR e.event_date >= %(since)s::date)
  AND (%(until)s::date IS NULL OR e.event_date <= %(until)s::date)
  AND (%(countries)s::text[] IS NULL OR e.countries @> %(countries)s::text[])
  AND (%(types)s::text[] IS NULL OR e.type = ANY(%(types)s::text[]))
  AND (%(party)s::text IS NULL OR EXISTS (
           SELECT 1 FROM jsonb_array_elements_text(e.participants) p WHERE strpos(lower(p), lower(%(party)s::text)) > 0))
  -- reported by this article, or by an article this feed listed
  AND (%(article)s::bigint IS NULL OR EXISTS (
           SELECT 1 FROM registry_event_reports r WHERE r.event_id = e.id AND r.article_id = %(article)s::bigint))
  AND (%(feed)s::bigint IS NULL OR EXISTS (
           SELECT 1 FROM registry_event_reports r JOIN article_feeds af ON af.article_id = r.article_id
           WHERE r.event_id = e.id AND af.feed_id = %(feed)s::bigint))
ORDER BY e.event_date DESC, e.id DESC
LIMIT %(limit)s

-- registry_event_reports_of --
-- Every report of these canonical events, in publication order, with its article and evidence.
SELECT r.event_id, r.article_id, r.ord, r.status, r.report_date, r.published, r.outlet, r.location,
       r.evidence->>'text' AS evidence, (r.evidence->>'start')::int AS evidence_start,
       (r.evidence->>'end')::int AS evidence_end, d.title, a.url
FROM registry_event_reports r
JOIN articles a ON a.id = r.article_id
LEFT JOIN documents d ON d.article_id = r.article_id
WHERE r.event_id = ANY(%(ids)s::bigint[])
ORDER BY r.event_id, r.published, r.article_id, r.ord

-- registry_list_agreements --
-- Canonical agreements, filtered (by the days of their reports), latest report first, with their steps in order.
-- The CLI's listings and export and the web page's tracker (statuses, sector) read it alike.
SELECT g.id, g.kind, g.status, g.level, g.subject, g.title AS agreement, g.countries, g.parties, g.report_count,
       g.first_report_at, g.last_report_at, g.registry_version,
       (SELECT jsonb_agg(jsonb_build_object('step', s.step, 'date', s.step_date, 'reports', s.report_count)
                         ORDER BY array_position(ARRAY['planned', 'signed', 'ratified', 'in_force'], s.step))
        FROM registry_agreement_steps s WHERE s.agreement_id = g.id) AS steps,
       (SELECT array_agg(DISTINCT r.outlet) FROM registry_agreement_reports r WHERE r.agreement_id = g.id) AS outlets,
       d.title AS first_title, a.url AS first_url
FROM registry_agreements g
LEFT JOIN articles a ON a.id = g.first_article_id
LEFT JOIN documents d ON d.article_id = g.first_article_id
WHERE (%(since)s::date IS NULL OR g.last_report_at >= %(since)s::date)
  AND (%(until)s::date IS NULL OR g.first_report_at <= %(until)s::date)
  AND (%(countries)s::text[] IS NULL OR g.countries @> %(countries)s::text[])
  AND (%(types)s::text[] IS NULL OR g.kind = ANY(%(types)s::text[]))
  AND (%(party)s::text IS NULL OR EXISTS (
           SELECT 1 FROM jsonb_array_elements_text(g.parties) p WHERE strpos(lower(p), lower(%(party)s::text)) > 0))
  AND (%(article)s::bigint IS NULL OR EXISTS (
           SELECT 1 FROM registry_agreement_reports r WHERE r.agreement_id = g.id AND r.article_id = %(article)s::bigint))
  AND (%(feed)s::bigint IS NULL OR EXISTS (
           SELECT 1 FROM registry_agreement_reports r JOIN article_feeds af ON af.article_id = r.article_id
           WHERE r.agreement_id = g.id AND af.feed_id = %(feed)s::bigint))
  AND (%(statuses)s::text[] IS NULL OR g.status = ANY(%(statuses)s::text[]))
  AND (%(sector)s::text IS NULL OR EXISTS (
           SELECT 1 FROM registry_agreement_reports r
           JOIN article_sectors s ON s.article_id = r.article_id AND s.sector = %(sector)s::text
           WHERE r.agreement_id = g.id))
ORDER BY g.last_report_at DESC, g.id DESC
LIMIT %(limit)s

-- registry_agreement_reports_of --
-- Every report of these canonical agreements, in publication order, with the step it states and its evidence.
SELECT r.agreement_id, r.article_id, r.ord, r.step, r.published, r.outlet, r.evidence->>'text' AS evidence,
       d.title, a.url
FROM registry_agreement_reports r
JOIN articles a ON a.id = r.article_id
LEFT JOIN documents d ON d.article_id = r.article_id
WHERE r.agreement_id = ANY(%(ids)s::bigint[])
ORDER BY r.agreement_id, r.published, r.article_id, r.ord

-- registry_counts --
-- Canonical records beside the mentions they link (the demo's summary).
SELECT (SELECT count(*) FROM registry_events) AS canonical_events,
       (SELECT count(*) FROM registry_event_reports) AS event_reports,
       (SELECT count(*) FROM registry_agreements) AS canonical_agreements,
       (SELECT count(*) FROM registry_agreement_reports) AS agreement_reports

-- registry_unlinked --
-- Mentions the registry takes (relevant article, a KZ or CN side) that no canonical record reports yet.
SELECT (SELECT count(*) FROM events e JOIN extractions x ON x.article_id = e.article_id AND x.relevant
        WHERE e.countries && ARRAY['KZ', 'CN'] AND coalesce(e.type, '') <> '' AND NOT EXISTS (
              SELECT 1 FROM registry_event_reports r WHERE r.article_id = e.article_id AND r.ord = e.ord))
     + (SELECT count(*) FROM agreements g JOIN extractions x ON x.article_id = g.article_id AND x.relevant
        WHERE g.countries && ARRAY['KZ', 'CN'] AND coalesce(g.kind, '') <> '' AND NOT EXISTS (
              SELECT 1 FROM registry_agreement_reports r WHERE r.article_id = g.article_id AND r.ord = g.ord))
       AS unlinked

-- registry_lane --
-- The lane an analysed article travels on: its linking follows it there (re-processing stays on `reprocess`).
SELECT lane FROM articles WHERE id = %(id)s

-- registry_unlinked_articles --
-- Articles analysed a while ago whose registry is out of step (a link message lost after the analysis commit):
-- an in-scope mention no record reports, or a report whose mention is gone or changed its type. The sweep sends them to linking.
SELECT a.id, a.lane
FROM articles a
JOIN extractions x ON x.article_id = a.id
WHERE x.extracted_at < now() - make_interval(secs => %(stuck_s)s)
  AND a.id IN (
      SELECT e.article_id FROM events e JOIN extractions y ON y.article_id = e.article_id AND y.relevant
      WHERE e.countries && ARRAY['KZ', 'CN'] AND coalesce(e.type, '') <> '' AND NOT EXISTS (
            SELECT 1 FROM registry_event_reports r WHERE r.article_id = e.article_id AND r.ord = e.ord)
      UNION
      SELECT g.article_id FROM agreements g JOIN extractions y ON y.article_id = g.article_id AND y.relevant
      WHERE g.countries && ARRAY['KZ', 'CN'] AND coalesce(g.kind, '') <> '' AND NOT EXISTS (
            SELECT 1 FROM registry_agreement_reports r WHERE r.article_id = g.article_id AND r.ord = g.ord)
      UNION
      SELECT r.article_id FROM registry_event_reports r
      JOIN registry_events v ON v.id = r.event_id
      LEFT JOIN events e ON e.article_id = r.article_id AND e.ord = r.ord AND e.type = v.type
      LEFT JOIN extractions y ON y.article_id = r.article_id
      WHERE e.article_id IS NULL OR NOT coalesce(y.relevant, false)
      UNION
      SELECT r.article_id FROM registry_agreement_reports r
      JOIN registry_agreements v ON v.id = r.agreement_id
      LEFT JOIN agreements g ON g.article_id = r.article_id AND g.ord = r.ord AND g.kind = v.kind
      LEFT JOIN extractions y ON y.article_id = r.article_id
      WHERE g.article_id IS NULL OR NOT coalesce(y.relevant, false))
ORDER BY a.id
LIMIT %(limit)s

-- registry_reprints_of --
-- The articles SimHash found to reprint these (their mentions link to these whatever their dates).
SELECT article_id FROM documents WHERE near_dup_of = ANY(%(ids)s::bigint[])
