-- campaigns.messages partitioned by RANGE (id) (issue #16, ADR 37). Ids come from one sequence and only grow, so an id
-- range is a time range: the primary key stays (id), which is the partition key, and a lookup by id reaches one
-- partition. The campaigns.message-partitions job opens the next range ahead of time, moves the sequence into it when the
-- open one has been open for a month, and drops whole partitions once their messages are past the retention
-- (Platform:Campaigns:MessageRetentionMonths): old history leaves without a DELETE.
--
-- The table is converted in place, not copied: it becomes the first partition under its new name, with its rows and its
-- indexes as they are (each is attached to the parent's index of the same definition, nothing is rebuilt). Attaching
-- reads the table once to check that every id is below the partition's upper bound (the CHECK constraint added first is
-- that read; the ATTACH then trusts it), under the lock the migration holds anyway: no rewrite, no new index.
LOCK TABLE campaigns.messages IN ACCESS EXCLUSIVE MODE;

-- The receipt webhook outbox referenced messages by foreign key. A foreign key to a partitioned table makes dropping a
-- partition check every referencing row (a join of the outbox with the partition, seconds at scale); the outbox rows
-- of a dropped range are deleted by the job just before the drop, and those of a deleted campaign by its trigger below.
ALTER TABLE campaigns.webhook_deliveries DROP CONSTRAINT IF EXISTS webhook_deliveries_message_id_fkey;

ALTER TABLE campaigns.messages RENAME TO messages_p00001;
ALTER INDEX campaigns.messages_pkey RENAME TO messages_p00001_pkey;
ALTER INDEX campaigns.messages_queued RENAME TO messages_p00001_queued;
ALTER INDEX campaigns.messages_claimed RENAME TO messages_p00001_claimed;
ALTER INDEX campaigns.messages_submitted RENAME TO messages_p00001_submitted;
ALTER INDEX campaigns.messages_carrier_id RENAME TO messages_p00001_carrier_id;
ALTER INDEX campaigns.messages_api_id RENAME TO messages_p00001_api_id;
ALTER INDEX campaigns.messages_api_final RENAME TO messages_p00001_api_final;
ALTER INDEX campaigns.messages_campaign_state RENAME TO messages_p00001_campaign_state;

-- Where the old identity had got to (the larger of the sequence and the table, should they disagree), before the
-- identity goes: a partition may not have one of its own, the parent's takes over from here.
CREATE TEMP TABLE message_ids_before ON COMMIT DROP AS
SELECT GREATEST((SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM campaigns.messages_id_seq),
                (SELECT COALESCE(max(id), 0) + 1 FROM campaigns.messages_p00001)) AS next_id;
ALTER TABLE campaigns.messages_p00001 ALTER COLUMN id DROP IDENTITY;

-- The parent has the old table's columns, in its order, with their defaults; the identity and the key are its own.
CREATE TABLE campaigns.messages (LIKE campaigns.messages_p00001 INCLUDING DEFAULTS) PARTITION BY RANGE (id);
ALTER TABLE campaigns.messages ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;
ALTER TABLE campaigns.messages ADD CONSTRAINT messages_pkey PRIMARY KEY (id);
-- The same indexes as before, on every partition. messages_api_id is not among them: a unique index on a partitioned
-- table must contain the partition key. Each partition has its own unique index on api_id instead (the job makes it with
-- the partition), and across partitions an api_id is unique because the platform makes it (a UUIDv7: the millisecond
-- it was made and 74 random bits), never the caller; GET /api/v1/messages/{id} reads the partitions of its millisecond.
CREATE INDEX messages_queued ON campaigns.messages (campaign_id, id) WHERE state = 0;
CREATE INDEX messages_claimed ON campaigns.messages (claimed_at) WHERE state = 1;
CREATE INDEX messages_submitted ON campaigns.messages (submitted_at) WHERE state = 2;
CREATE INDEX messages_carrier_id ON campaigns.messages (carrier_message_id) WHERE carrier_message_id IS NOT NULL;
CREATE INDEX messages_api_final ON campaigns.messages (id) WHERE api_id IS NOT NULL AND state >= 3 AND NOT webhook_queued;
CREATE INDEX messages_campaign_state ON campaigns.messages (campaign_id, state, id);

-- One row per partition, dropped ones included (dropped_at): its id range, when it was made, when ids started and
-- stopped going to it (opened_at NULL: not reached yet; -infinity: the converted table, whose start is unknown), and
-- whether it may hold a message that can still get a receipt. Receipts, sweeps and STOP look only at the partitions
-- from the first one awaiting receipts on (ADR 37).
CREATE TABLE campaigns.message_partitions (
    name              text        PRIMARY KEY,
    first_id          bigint      NOT NULL,
    end_id            bigint      NOT NULL,
    created_at        timestamptz NOT NULL,
    opened_at         timestamptz NULL,
    closed_at         timestamptz NULL,
    awaiting_receipts boolean     NOT NULL DEFAULT true,
    dropped_at        timestamptz NULL,
    CONSTRAINT message_partitions_range CHECK (first_id < end_id)
);
CREATE UNIQUE INDEX ux_message_partitions_first_id ON campaigns.message_partitions (first_id);

-- The converted table covers ids up to the next multiple of 10^10 (the job's default range) above the last one taken;
-- the job makes the next partition ahead at its first run.
DO $$
DECLARE
    next_id bigint := (SELECT next_id FROM message_ids_before);
    bound   bigint := (next_id / 10000000000 + 1) * 10000000000;
BEGIN
    EXECUTE format('ALTER TABLE campaigns.messages ALTER COLUMN id RESTART WITH %s', next_id);
    EXECUTE format('ALTER TABLE campaigns.messages_p00001 ADD CONSTRAINT messages_p00001_range CHECK (id >= 1 AND id < %s)', bound);
    EXECUTE format('ALTER TABLE campaigns.messages ATTACH PARTITION campaigns.messages_p00001 FOR VALUES FROM (1) TO (%s)', bound);
    -- Served its purpose (the ATTACH did not read the table again); the partition bound says the same from now on.
    ALTER TABLE campaigns.messages_p00001 DROP CONSTRAINT messages_p00001_range;
    -- A table with history holds messages from before anyone noted times: its start is unknown (-infinity), so the job
    -- closes it at its first run and the upgrade's messages go to a partition of their own. An empty one starts now.
    INSERT INTO campaigns.message_partitions (name, first_id, end_id, created_at, opened_at)
    VALUES ('messages_p00001', 1, bound, now(),
            CASE WHEN EXISTS (SELECT 1 FROM campaigns.messages_p00001) THEN '-infinity'::timestamptz ELSE now() END);
END $$;

-- The first id a campaign's messages can have: the sequence's position when its audience (or its send-API request) was
-- written. Per-campaign statements start there, so they skip the partitions older than the campaign. NULL: prepared
-- before this column (every partition may hold its messages) or not prepared yet.
ALTER TABLE campaigns.campaigns ADD COLUMN messages_from bigint NULL;

-- A deleted campaign takes its messages with it, and now also their webhook outbox rows (the foreign key is gone). Only
-- send-API campaigns have any.
CREATE OR REPLACE FUNCTION campaigns.delete_campaign_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.kind = 'api' THEN
        DELETE FROM campaigns.webhook_deliveries d USING campaigns.messages m
        WHERE m.campaign_id = OLD.id AND d.message_id = m.id;
    END IF;
    DELETE FROM campaigns.messages WHERE campaign_id = OLD.id;
    RETURN OLD;
END $$;
