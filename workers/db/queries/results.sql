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

-- insert_entity --
-- A person or organisation of an article (names are unique per article and kind).
INSERT INTO entities (article_id, kind, name, country, position, mentions)
VALUES (%(article_id)s, %(kind)s, %(name)s, %(country)s, %(position)s, %(mentions)s)
ON CONFLICT (article_id, kind, name) DO UPDATE SET mentions = entities.mentions + EXCLUDED.mentions

-- insert_event --
-- One event of an article.
INSERT INTO events (article_id, ord, type, status, event_date, location, cameo, countries, participants, evidence)
VALUES (%(article_id)s, %(ord)s, %(type)s, %(status)s, %(date)s, %(location)s, %(cameo)s, %(countries)s,
        %(participants)s, %(evidence)s)

-- insert_agreement --
-- One agreement of an article.
INSERT INTO agreements (article_id, ord, kind, level, status, title, subject, countries, parties, evidence)
VALUES (%(article_id)s, %(ord)s, %(kind)s, %(level)s, %(status)s, %(title)s, %(subject)s, %(countries)s,
        %(parties)s, %(evidence)s)

-- insert_figure --
-- One figure of an article.
INSERT INTO figures (article_id, ord, kind, value, unit, text)
VALUES (%(article_id)s, %(ord)s, %(kind)s, %(value)s, %(unit)s, %(text)s)

-- insert_sector --
-- One sector of an article.
INSERT INTO article_sectors (article_id, sector) VALUES (%(article_id)s, %(sector)s)
ON CONFLICT DO NOTHING
