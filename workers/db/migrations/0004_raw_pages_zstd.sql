-- Pages are now stored as zstd frames (workers/db/pages.py): cheaper to write and to read than gzip,
-- and smaller. Rows written before stay gzip; the reader tells the two apart by their magic number,
-- so nothing is rewritten. The column is renamed for what it holds now.
ALTER TABLE raw_pages RENAME COLUMN body_gz TO body_packed;
COMMENT ON COLUMN raw_pages.body_packed IS 'the body as received: a zstd frame, or gzip in rows stored before migration 0004';
