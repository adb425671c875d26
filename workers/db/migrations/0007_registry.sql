-- The registry (issue #15): canonical events and agreements linked from the per-article mentions, each
-- report a row keyed by its mention (article, ord), so a mention belongs to one canonical record at most.
-- Recomputed per affected group under an advisory lock (workers/db/registry.py); ids are kept across it.

CREATE TABLE registry_events (
    id               bigserial PRIMARY KEY,
    type             text NOT NULL,
    status           text NOT NULL,
    event_date       date NOT NULL,
    location         text,
    countries        text[] NOT NULL DEFAULT '{}',
    participants     jsonb NOT NULL DEFAULT '[]',
    -- the first report; SET NULL keeps the event while its other reports stand
    first_article_id bigint REFERENCES articles(id) ON DELETE SET NULL,
    first_ord        integer,
    first_report_at  date NOT NULL,
    last_report_at   date NOT NULL,
    report_count     integer NOT NULL,
    totals           jsonb NOT NULL DEFAULT '[]',      -- signing totals of the reports, with their article
    registry_version text NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registry_events_date ON registry_events (event_date);

CREATE TABLE registry_event_reports (
    article_id       bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    ord              integer NOT NULL,
    event_id         bigint NOT NULL REFERENCES registry_events(id) ON DELETE CASCADE,
    status           text NOT NULL,
    report_date      date NOT NULL,                    -- the mention's own date, else its publication
    published        date NOT NULL,
    outlet           text,
    location         text,
    evidence         jsonb NOT NULL DEFAULT '{}',
    registry_version text NOT NULL,
    PRIMARY KEY (article_id, ord)
);
CREATE INDEX registry_event_reports_event ON registry_event_reports (event_id);

CREATE TABLE registry_agreements (
    id               bigserial PRIMARY KEY,
    kind             text NOT NULL,
    status           text NOT NULL,                    -- the latest step reached
    level            text,
    subject          text,
    title            text,
    countries        text[] NOT NULL DEFAULT '{}',
    parties          jsonb NOT NULL DEFAULT '[]',
    first_article_id bigint REFERENCES articles(id) ON DELETE SET NULL,
    first_ord        integer,
    first_report_at  date NOT NULL,
    last_report_at   date NOT NULL,
    report_count     integer NOT NULL,
    registry_version text NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE registry_agreement_steps (
    agreement_id     bigint NOT NULL REFERENCES registry_agreements(id) ON DELETE CASCADE,
    step             text NOT NULL CHECK (step IN ('planned', 'signed', 'ratified', 'in_force')),
    step_date        date NOT NULL,
    report_count     integer NOT NULL,
    PRIMARY KEY (agreement_id, step)
);

CREATE TABLE registry_agreement_reports (
    article_id       bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    ord              integer NOT NULL,
    agreement_id     bigint NOT NULL REFERENCES registry_agreements(id) ON DELETE CASCADE,
    step             text NOT NULL,                    -- what this report says: planned, signed...
    published        date NOT NULL,
    outlet           text,
    evidence         jsonb NOT NULL DEFAULT '{}',
    registry_version text NOT NULL,
    PRIMARY KEY (article_id, ord)
);
CREATE INDEX registry_agreement_reports_agreement ON registry_agreement_reports (agreement_id);
