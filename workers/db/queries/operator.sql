-- reprocess_describe --
-- What a re-processing run would touch: each selected article's URL and where it is now.
SELECT id, url, stage, state, last_error FROM articles WHERE id = ANY(%(ids)s::bigint[]) ORDER BY id

-- reprocess_failures --
-- The selected articles that ended failed or quarantined, with the stage and error that stopped them.
SELECT id, url, state, COALESCE(last_error_stage, stage) AS stage, COALESCE(last_error, '(no error recorded)') AS reason
FROM articles WHERE id = ANY(%(ids)s::bigint[]) AND state IN ('failed', 'quarantined') ORDER BY id
