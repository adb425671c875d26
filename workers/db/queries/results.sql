-- upsert_document --
-- The cleaned document; a re-clean replaces it.
INSERT INTO documents (article_id, title, published, language, canonical_url, text, content_hash, simhash,
                       near_dup_of, clean_version)
VALUES (%(article_id)s, %(title)s, %(published)s, %(language)s, %(canonical_url)s, %(text)s, %(content_hash)s,
        %(simhash)s, %(near_dup_of)s, %(clean_version)s)
ON CONFLICT (article_id) DO UPDATE SET
    title = EXCLUDED.title, published = EXCLUDED.published, language = EXCLUDED.language,
    canonical_url = EXCLUDED.canonical_url, text = EXCLUDED.text, content_hash = EXCLUDED.content_hash,
    simhash = EXCLUDED.simhash, near_dup_of = EXCLUDED.near_dup_of, clean_version = EXCLUDED.clean_version,
    cleaned_at = now()

-- find_near_duplicate --
-- The earliest other document with the same text (hash index), or with a SimHash within a few bits among those
-- cleaned in the last weeks (reprints of a press release follow it within days); SimHash candidates come from
-- the band index (migration 0002; exact for max_bits <= 6). Both candidate sets are materialised: asked for the
-- lowest article_id directly, the planner walks the primary key in order and filters every row instead.
WITH same AS MATERIALIZED (
    SELECT article_id FROM documents WHERE content_hash = %(content_hash)s AND article_id <> %(article_id)s),
near AS MATERIALIZED (
    SELECT article_id, simhash, cleaned_at FROM documents
    WHERE simhash_bands && silkwire_simhash_bands(%(simhash)s) AND article_id <> %(article_id)s)
SELECT min(article_id) AS article_id FROM (
    SELECT article_id FROM same
    UNION ALL
    SELECT article_id FROM near
    WHERE cleaned_at > now() - make_interval(days => %(window_days)s)
      AND bit_count((simhash # %(simhash)s)::bit(64)) <= %(max_bits)s) candidates

-- upsert_extraction --
-- The whole contract object with the version that produced it; replaces the previous one.
INSERT INTO extractions (article_id, extractor_version, relevant, relevance_score, result)
VALUES (%(article_id)s, %(extractor_version)s, %(relevant)s, %(score)s, %(result)s)
ON CONFLICT (article_id) DO UPDATE SET
    extractor_version = EXCLUDED.extractor_version, relevant = EXCLUDED.relevant,
    relevance_score = EXCLUDED.relevance_score, result = EXCLUDED.result, extracted_at = now()

-- delete_extraction_rows --
-- Normalised rows are replaced with the extraction, never appended: all five tables in one statement.
WITH e AS (DELETE FROM entities WHERE article_id = %(article_id)s),
     v AS (DELETE FROM events WHERE article_id = %(article_id)s),
     a AS (DELETE FROM agreements WHERE article_id = %(article_id)s),
     f AS (DELETE FROM figures WHERE article_id = %(article_id)s),
     s AS (DELETE FROM article_sectors WHERE article_id = %(article_id)s)
SELECT 1

-- insert_extraction_rows --
-- The normalised rows of an extraction, derived in Postgres from the JSON just stored with it: one statement
-- instead of one insert per row, and the worker sends the object once (its fields are not adapted again).
-- Same rows as the contract object's lists: entities merged by (kind, name) with their mentions summed and
-- the first one's country and position; events and agreements numbered from 0 with the sorted countries of
-- their participants or parties; figures numbered from 0; sectors once each.
WITH r AS MATERIALIZED (SELECT result AS j FROM extractions WHERE article_id = %(article_id)s),
ent AS (
    INSERT INTO entities (article_id, kind, name, country, position, mentions)
    SELECT %(article_id)s, kind, name, (array_agg(country ORDER BY k, o))[1], (array_agg(position ORDER BY k, o))[1],
           sum(mentions)
    FROM (SELECT k.kind, k.k, x.o, x.e ->> 'name' AS name, x.e ->> 'country' AS country,
                 x.e ->> 'position' AS position, coalesce(nullif((x.e ->> 'mentions')::int, 0), 1) AS mentions
          FROM r, (VALUES (1, 'person', 'persons'), (2, 'organization', 'organizations')) AS k(k, kind, key),
               jsonb_array_elements(silkwire_list(r.j -> k.key)) WITH ORDINALITY AS x(e, o)) AS named
    GROUP BY kind, name
    ON CONFLICT (article_id, kind, name) DO UPDATE SET mentions = entities.mentions + EXCLUDED.mentions),
ev AS (
    INSERT INTO events (article_id, ord, type, status, event_date, location, cameo, countries, participants, evidence)
    SELECT %(article_id)s, x.o - 1, x.e ->> 'type', x.e ->> 'status', (x.e ->> 'date')::date, x.e ->> 'location',
           x.e ->> 'cameo', silkwire_countries(x.e -> 'participants'), silkwire_list(x.e -> 'participants'),
           coalesce(nullif(x.e -> 'evidence', 'null'), '{}')
    FROM r, jsonb_array_elements(silkwire_list(r.j -> 'events')) WITH ORDINALITY AS x(e, o)),
ag AS (
    INSERT INTO agreements (article_id, ord, kind, level, status, title, subject, countries, parties, evidence)
    SELECT %(article_id)s, x.o - 1, x.e ->> 'kind', x.e ->> 'level', x.e ->> 'status', x.e ->> 'title',
           x.e ->> 'subject', silkwire_countries(x.e -> 'parties'), silkwire_list(x.e -> 'parties'),
           coalesce(nullif(x.e -> 'evidence', 'null'), '{}')
    FROM r, jsonb_array_elements(silkwire_list(r.j -> 'agreements')) WITH ORDINALITY AS x(e, o)),
fi AS (
    INSERT INTO figures (article_id, ord, kind, value, unit, text)
    SELECT %(article_id)s, x.o - 1, x.e ->> 'kind', (x.e ->> 'value')::double precision, x.e ->> 'unit', x.e ->> 'text'
    FROM r, jsonb_array_elements(silkwire_list(r.j -> 'figures')) WITH ORDINALITY AS x(e, o)),
se AS (
    INSERT INTO article_sectors (article_id, sector)
    SELECT %(article_id)s, s FROM r, jsonb_array_elements_text(silkwire_list(r.j -> 'sectors')) AS s
    ON CONFLICT DO NOTHING)
SELECT 1
