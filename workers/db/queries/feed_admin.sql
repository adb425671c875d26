-- feed_find --
-- One feed by id, URL or registry name.
SELECT id, name, url, kind, enabled, muted_reason, consecutive_errors, last_status, last_error, next_poll_at
FROM feeds WHERE id = %(id)s::bigint OR url = %(ref)s::text OR name = %(ref)s::text
ORDER BY (id = %(id)s::bigint) DESC NULLS LAST LIMIT 1

-- feed_set_enabled --
-- Turn a feed on (due now, a mute lifted: the operator asked for it) or off (its lease dropped).
UPDATE feeds SET enabled = %(enabled)s,
       muted_reason = CASE WHEN %(enabled)s THEN NULL ELSE muted_reason END,
       next_poll_at = CASE WHEN %(enabled)s THEN now() ELSE next_poll_at END,
       lease_until = NULL, updated_at = now()
WHERE id = %(id)s
RETURNING id, name, url, enabled, muted_reason

-- feeds_not_named --
-- Enabled feeds whose registry name is not among these: what an import with --prune would disable.
SELECT id, name, url, items_total, last_polled_at FROM feeds
WHERE enabled AND NOT (name = ANY(%(names)s::text[])) ORDER BY name

-- feeds_disable --
-- Disable these feeds (polling stops; their articles and history stay).
UPDATE feeds SET enabled = false, lease_until = NULL, updated_at = now() WHERE id = ANY(%(ids)s::bigint[])
