-- Helpers for deriving the normalised extraction rows from the stored JSON in one statement
-- (workers/db/queries/results.sql: insert_extraction_rows).

-- A JSON list as it is; anything else (missing, null, a scalar, an object) as an empty list.
CREATE FUNCTION silkwire_list(j jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN jsonb_typeof(j) = 'array' THEN j ELSE '[]'::jsonb END;

-- The distinct non-empty `country` values of a list of participants or parties, in code point order.
CREATE FUNCTION silkwire_countries(j jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY(SELECT DISTINCT p ->> 'country' COLLATE "C" FROM jsonb_array_elements(silkwire_list(j)) AS p
             WHERE jsonb_typeof(p) = 'object' AND coalesce(p ->> 'country', '') <> '' ORDER BY 1);
