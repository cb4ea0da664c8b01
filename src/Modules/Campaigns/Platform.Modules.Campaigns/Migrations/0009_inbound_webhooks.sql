-- Inbound webhooks and GET /api/v1/inbound (issue #12, part 5): a company's inbound messages and opt-out/opt-in
-- events, in order, for its webhook and for API customers who poll.
--
-- Why a numbered feed and not a cursor over conversation_messages.id: an identity value is taken when a row is
-- written, not when it commits, so id 10 can become visible after id 11. A cursor (or a poller's ?after=) that moved
-- past 11 would never see 10. Here every inbound message and opt-out/opt-in event gets the next number of its
-- company's feed in the same transaction that writes it (the trigger below), under the company's row in
-- inbound_sequences: that row stays locked until the writer commits, so a company's numbers become visible in order
-- and without gaps (a rollback takes its number back). A reader that has seen number n has seen everything before n.
-- The price is that one company's inbound writes commit one at a time (a single statement each: well under a ms).

-- The last number given in each company's feed.
CREATE TABLE campaigns.inbound_sequences (
    company_id uuid   PRIMARY KEY,
    last_seq   bigint NOT NULL
);

-- The feed: (company, number) → the conversation entry. No personal data here; it is read through the entry and its
-- thread, and goes with them (retention, erasure) by the cascade.
CREATE TABLE campaigns.inbound_items (
    company_id uuid        NOT NULL,
    seq        bigint      NOT NULL,
    message_id bigint      NOT NULL REFERENCES campaigns.conversation_messages (id) ON DELETE CASCADE,
    -- When the entry was written (database clock): a newly configured webhook starts after what came before it.
    created_at timestamptz NOT NULL,
    PRIMARY KEY (company_id, seq)
);
-- The cascade from a deleted conversation entry finds its feed row by this.
CREATE UNIQUE INDEX inbound_items_message ON campaigns.inbound_items (message_id);

-- Where each company's webhook is in its feed: everything up to delivered_seq was posted (answered 2xx) or given up
-- after the last attempt. Moved only after the receiver answered, so a node that dies mid-post leaves the items to be
-- posted again when its lease ends (at least once; receivers dedupe by id). One row per company with a webhook;
-- webhook_created_at tells a webhook removed and set again (it then starts afresh) from one whose URL changed.
CREATE TABLE campaigns.inbound_webhook_cursors (
    company_id         uuid        PRIMARY KEY,
    webhook_created_at timestamptz NOT NULL,
    delivered_seq      bigint      NOT NULL,
    -- Posts of the item after delivered_seq so far (the same back-off and limit as receipts).
    attempts           smallint    NOT NULL DEFAULT 0,
    next_attempt_at    timestamptz NOT NULL,
    last_error         text        NULL,
    updated_at         timestamptz NOT NULL
);
CREATE INDEX inbound_webhook_cursors_due ON campaigns.inbound_webhook_cursors (next_attempt_at);

-- Numbers the entries the feed carries: messages from handsets and the STOP, START and keyword events. Replies from
-- the inbox ('out') are the company's own and are not in it.
CREATE FUNCTION campaigns.number_inbound_item() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    next_seq bigint;
BEGIN
    INSERT INTO campaigns.inbound_sequences AS s (company_id, last_seq) VALUES (NEW.company_id, 1)
    ON CONFLICT (company_id) DO UPDATE SET last_seq = s.last_seq + 1
    RETURNING s.last_seq INTO next_seq;
    INSERT INTO campaigns.inbound_items (company_id, seq, message_id, created_at) VALUES (NEW.company_id, next_seq, NEW.id, clock_timestamp());
    RETURN NULL;
END $$;

-- Entries written while this migration runs wait for it (and are then numbered by the trigger), so the backfill
-- below numbers exactly the entries that came before.
LOCK TABLE campaigns.conversation_messages IN SHARE ROW EXCLUSIVE MODE;

CREATE TRIGGER conversation_messages_inbound_feed AFTER INSERT ON campaigns.conversation_messages
    FOR EACH ROW WHEN (NEW.direction = 'in' OR (NEW.direction = 'event' AND NEW.event IN ('stop', 'start', 'keyword')))
    EXECUTE FUNCTION campaigns.number_inbound_item();

INSERT INTO campaigns.inbound_items (company_id, seq, message_id, created_at)
SELECT company_id, row_number() OVER (PARTITION BY company_id ORDER BY id), id, at
FROM campaigns.conversation_messages
WHERE direction = 'in' OR (direction = 'event' AND event IN ('stop', 'start', 'keyword'));

INSERT INTO campaigns.inbound_sequences (company_id, last_seq)
SELECT company_id, max(seq) FROM campaigns.inbound_items GROUP BY company_id;
