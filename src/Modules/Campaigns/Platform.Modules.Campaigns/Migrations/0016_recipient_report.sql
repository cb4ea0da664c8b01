-- Per-recipient report (issue #20 item 7): a campaign's messages filtered by status and paged by id. The index that
-- served reads by campaign (campaign_id) becomes (campaign_id, state, id): still one entry per row version, so sending
-- writes no more index entries than before, and a status filter pages through it in id order instead of reading the
-- whole campaign. Built once here (a large installation: minutes, during the upgrade's migration).
DROP INDEX IF EXISTS campaigns.messages_campaign;
CREATE INDEX messages_campaign_state ON campaigns.messages (campaign_id, state, id);
