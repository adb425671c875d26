-- The analysts' pages (workers/web, issue #18): what their queries need to stay fast at 10,000s of canonical
-- events (bench/web_pages.py --explain prints each page query's plan).

-- The timeline lists events newest first and counts them by month and type for its chart: one ordered,
-- covering index serves both (the chart by an index-only scan).
CREATE INDEX registry_events_timeline ON registry_events (event_date DESC, id DESC) INCLUDE (type, status, countries);

-- An event's reports a page at a time, in publication order (an event can gather thousands).
CREATE INDEX registry_event_reports_page ON registry_event_reports (event_id, published, article_id, ord);

-- The agreement tracker, latest report first.
CREATE INDEX registry_agreements_latest ON registry_agreements (last_report_at DESC, id DESC);

-- The level of an event's participants: the people whose position matches (read index-only), then the events
-- naming any of them (participants ?| names).
CREATE INDEX entities_person_position ON entities (position, name) WHERE kind = 'person' AND position IS NOT NULL;
CREATE INDEX registry_events_participants ON registry_events USING gin (participants);

-- The timeline's text filter: words in the titles of an event's reports.
CREATE INDEX documents_title_tsv ON documents USING gin (to_tsvector('russian', coalesce(title, '')));

-- Feed health (/feeds and `silkwire feeds health`): what each feed listed in the last day.
CREATE INDEX article_feeds_feed_seen ON article_feeds (feed_id, first_seen_at);
