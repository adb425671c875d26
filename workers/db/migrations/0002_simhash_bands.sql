-- Near-duplicate lookup by index instead of a scan of the recent window. The 64-bit SimHash is cut into
-- 7 bands (six of 9 bits, one of 10): two hashes at most 6 bits apart agree on at least one whole band
-- (pigeonhole), so candidates are the documents sharing a band, found through a GIN index; the exact
-- bit count is then checked on those few. Each band is coded as band_number * 1024 + band_value.
CREATE FUNCTION silkwire_simhash_bands(h bigint) RETURNS int[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN ARRAY[
    0 * 1024 + ((h >> 0) & 511)::int,
    1 * 1024 + ((h >> 9) & 511)::int,
    2 * 1024 + ((h >> 18) & 511)::int,
    3 * 1024 + ((h >> 27) & 511)::int,
    4 * 1024 + ((h >> 36) & 511)::int,
    5 * 1024 + ((h >> 45) & 511)::int,
    6 * 1024 + ((h >> 54) & 1023)::int];

ALTER TABLE documents ADD COLUMN simhash_bands int[] GENERATED ALWAYS AS (silkwire_simhash_bands(simhash)) STORED;
CREATE INDEX documents_simhash_bands ON documents USING gin (simhash_bands);
