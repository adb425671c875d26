-- A poll's attempt is counted before the work, as an article's is (begin_attempt): a feed whose poll
-- kills its worker (out of memory, a hard time limit) is muted after `feed_max_poll_attempts` instead of
-- being polled again forever. A poll that records an outcome, good or bad, sets it back to 0.
ALTER TABLE feeds ADD COLUMN poll_attempts integer NOT NULL DEFAULT 0;
-- What a poll left out: entries refused one by one (overlong or malformed link, overlong title) and
-- entries over the per-poll cap (the oldest).
ALTER TABLE feed_fetches ADD COLUMN dropped_entries integer, ADD COLUMN capped_entries integer;
