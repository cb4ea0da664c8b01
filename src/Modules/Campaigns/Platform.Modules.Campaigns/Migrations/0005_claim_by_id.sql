-- Claims walk the queue in id order from where the last claim ended. With the queue index on not_before, every claim
-- began at the start of the index and stepped over the entries of messages already sent (dead until vacuum), so a
-- million-message campaign got slower as it went. (campaign_id, id) lets each claim seek straight past them.
DROP INDEX IF EXISTS campaigns.messages_queued;
CREATE INDEX messages_queued ON campaigns.messages (campaign_id, id) WHERE state = 0;
