-- Materialising a 1,000,000-recipient campaign spent most of its time on two per-row checks, not on writing rows:
-- the foreign key to campaigns (an RI trigger query per inserted row, ~2.7 s per million) and the unique index on
-- (campaign_id, phone) (~2.5 s per million). Both guarantees are kept another way (docs/adr/0009-messages-bulk-load.md):
--  * one message per number: the only writer of a campaign's messages is its preparation, which runs once (prepared_at)
--    under the campaign's row lock and selects one row per number (a list is unique by number; several sources are
--    grouped by number). A send-API request is refused (422) when it names a number twice.
--  * no message without its campaign: deleting a campaign deletes its messages (the trigger below), and messages are
--    only inserted for a campaign row the same transaction has read.
ALTER TABLE campaigns.messages DROP CONSTRAINT IF EXISTS messages_campaign_id_fkey;
ALTER TABLE campaigns.messages DROP CONSTRAINT IF EXISTS messages_campaign_phone_unique;
-- Reads by campaign (settlement, counts) need an index led by campaign_id; a plain one deduplicates to a few pages.
CREATE INDEX IF NOT EXISTS messages_campaign ON campaigns.messages (campaign_id);

CREATE OR REPLACE FUNCTION campaigns.delete_campaign_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM campaigns.messages WHERE campaign_id = OLD.id;
    RETURN OLD;
END $$;

CREATE TRIGGER campaigns_delete_messages BEFORE DELETE ON campaigns.campaigns
    FOR EACH ROW EXECUTE FUNCTION campaigns.delete_campaign_messages();

-- The recipients' time zones, noted when the audience is built: a sending run needs them for quiet hours, and
-- reading them from the queue (SELECT DISTINCT over every queued message) cost a second per run at a million.
-- Empty for campaigns prepared before this column existed: runs then read them from the queue as before.
ALTER TABLE campaigns.campaigns ADD COLUMN IF NOT EXISTS time_zones text[] NOT NULL DEFAULT '{}';
