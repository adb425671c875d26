-- Each report keeps the fingerprint of the mention it was linked from (workers.registry.mentions.fingerprint):
-- linking an article whose mentions are unchanged (a redelivery, a re-extraction that came out the same) is
-- then a lookup instead of a relink. Rows from before have none, so their article is relinked once.
ALTER TABLE registry_event_reports ADD COLUMN mention_hash text;
ALTER TABLE registry_agreement_reports ADD COLUMN mention_hash text;
