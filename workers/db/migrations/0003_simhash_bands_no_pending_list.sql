-- The near-duplicate lookup runs once per stored document, and GIN's fast-update pending list is read
-- in full by every search until it is merged: with a backfill's inserts it grew to 139 pages at 8,000
-- documents, and the band lookup took 4.5 ms instead of 0.4 (bench/README.md, hot spot 16). A document
-- adds only 7 keys, so inserting them straight into the index costs little.
ALTER INDEX documents_simhash_bands SET (fastupdate = off);
SELECT gin_clean_pending_list('documents_simhash_bands');
