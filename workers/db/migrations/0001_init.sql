-- Sources, feeds and their fetch history; articles with per-stage status; stage outputs with versions.

CREATE TABLE sources (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    country     text,
    category    text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE feeds (
    id                  bigserial PRIMARY KEY,
    source_id           bigint REFERENCES sources(id) ON DELETE SET NULL,
    name                text NOT NULL UNIQUE,
    url                 text NOT NULL UNIQUE,
    kind                text NOT NULL DEFAULT 'rss' CHECK (kind IN ('rss', 'atom', 'listing', 'sitemap')),
    pattern             text,
    language            text,
    country             text,
    category            text,
    enabled             boolean NOT NULL DEFAULT true,
    muted_reason        text,
    poll_interval_s     integer NOT NULL DEFAULT 900,
    next_poll_at        timestamptz NOT NULL DEFAULT now(),
    -- a lease keeps a claimed feed from being claimed again by a second beat or a retry
    lease_until         timestamptz,
    etag                text,
    last_modified       text,
    body_hash           text,
    trusts_304          boolean,
    polls_since_full    integer NOT NULL DEFAULT 0,
    last_polled_at      timestamptz,
    last_status         integer,
    last_error          text,
    consecutive_errors  integer NOT NULL DEFAULT 0,
    error_count         integer NOT NULL DEFAULT 0,
    permanent_redirects integer NOT NULL DEFAULT 0,
    redirect_target     text,
    last_new_at         timestamptz,
    typical_gap_s       integer,
    quiet               boolean NOT NULL DEFAULT false,
    items_total         integer NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feeds_due ON feeds (next_poll_at) WHERE enabled AND muted_reason IS NULL;

CREATE TABLE feed_fetches (
    id            bigserial PRIMARY KEY,
    feed_id       bigint NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    started_at    timestamptz NOT NULL DEFAULT now(),
    duration_ms   integer,
    http_status   integer,
    not_modified  boolean NOT NULL DEFAULT false,
    bytes         integer,
    entries       integer,
    new_entries   integer,
    error         text,
    warnings      text                  -- tolerated problems of a usable feed (feedparser bozo)
);
CREATE INDEX feed_fetches_feed ON feed_fetches (feed_id, started_at DESC);

CREATE TABLE articles (
    id                bigserial PRIMARY KEY,
    url               text NOT NULL UNIQUE,          -- canonical URL
    first_feed_id     bigint REFERENCES feeds(id) ON DELETE SET NULL,
    title_hint        text,
    feed_published_at timestamptz,
    first_seen_at     timestamptz NOT NULL DEFAULT now(),
    -- where the article is: fetch → analyse → done; failed/quarantined stop there
    stage             text NOT NULL DEFAULT 'fetch' CHECK (stage IN ('fetch', 'analyse', 'done')),
    state             text NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'queued', 'done', 'failed', 'quarantined', 'skipped')),
    -- the task that runs next and the lane it runs in: the sweeper re-sends exactly that, and
    -- re-processing stays on the `reprocess` queue from stage to stage instead of crowding live work
    next_task         text DEFAULT 'silkwire.fetch_article',
    lane              text NOT NULL DEFAULT 'live' CHECK (lane IN ('live', 'reprocess')),
    attempts          integer NOT NULL DEFAULT 0,
    last_error        text,
    last_error_stage  text,
    queued_at         timestamptz,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX articles_stage_state ON articles (stage, state, queued_at);

CREATE TABLE article_feeds (
    article_id    bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    feed_id       bigint NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (article_id, feed_id)
);

CREATE TABLE raw_pages (
    article_id     bigint PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    final_url      text NOT NULL,
    http_status    integer NOT NULL,
    headers        jsonb NOT NULL DEFAULT '{}',
    content_type   text,
    body_gz        bytea NOT NULL,                     -- gzip of the body as received
    body_bytes     integer NOT NULL,
    elapsed_ms     integer,
    fetch_version  text NOT NULL,
    fetched_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE documents (
    article_id     bigint PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    title          text,
    published      date,
    language       text,
    canonical_url  text,
    text           text NOT NULL,
    content_hash   text NOT NULL,
    simhash        bigint NOT NULL,
    near_dup_of    bigint REFERENCES articles(id) ON DELETE SET NULL,
    clean_version  text NOT NULL,
    cleaned_at     timestamptz NOT NULL DEFAULT now(),
    -- a fresh cluster's default text search config is English: say 'russian'
    tsv            tsvector GENERATED ALWAYS AS (
                       to_tsvector('russian', coalesce(title, '') || ' ' || text)) STORED
);
CREATE INDEX documents_tsv ON documents USING gin (tsv);
CREATE INDEX documents_hash ON documents (content_hash);
CREATE INDEX documents_published ON documents (published);
CREATE INDEX documents_cleaned_at ON documents (cleaned_at);

CREATE TABLE extractions (
    article_id         bigint PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    extractor_version  text NOT NULL,
    relevant           boolean NOT NULL,
    relevance_score    real NOT NULL,
    result             jsonb NOT NULL,                  -- the full contract object
    extracted_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX extractions_version ON extractions (extractor_version);

-- Normalised copies of the contract object for querying; replaced with it, never appended.
CREATE TABLE entities (
    article_id  bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('person', 'organization')),
    name        text NOT NULL,
    country     text,
    position    text,
    mentions    integer NOT NULL DEFAULT 1,
    PRIMARY KEY (article_id, kind, name)
);
CREATE INDEX entities_name ON entities (kind, name);

CREATE TABLE events (
    article_id    bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    ord           integer NOT NULL,
    type          text NOT NULL,
    status        text NOT NULL,
    event_date    date,
    location      text,
    cameo         text,
    countries     text[] NOT NULL DEFAULT '{}',
    participants  jsonb NOT NULL DEFAULT '[]',
    evidence      jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (article_id, ord)
);
CREATE INDEX events_type_date ON events (type, event_date);

CREATE TABLE agreements (
    article_id  bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    ord         integer NOT NULL,
    kind        text NOT NULL,
    level       text,
    status      text NOT NULL,
    title       text,
    subject     text,
    countries   text[] NOT NULL DEFAULT '{}',
    parties     jsonb NOT NULL DEFAULT '[]',
    evidence    jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (article_id, ord)
);
CREATE INDEX agreements_kind ON agreements (kind, status);

CREATE TABLE figures (
    article_id  bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    ord         integer NOT NULL,
    kind        text NOT NULL,
    value       double precision,
    unit        text,
    text        text,
    PRIMARY KEY (article_id, ord)
);

CREATE TABLE article_sectors (
    article_id  bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    sector      text NOT NULL,
    PRIMARY KEY (article_id, sector)
);
