-- The inbound feed's numbers are given by its readers, not by the write (issue #12's reply throughput).
--
-- 0009 numbered each entry in the transaction that wrote it, under its company's row in inbound_sequences. That row
-- stays locked until the writer has committed, WAL flush included, so one company's replies committed one at a time:
-- the two-way benchmark's database time was mostly replies waiting for each other's lock. Now the write only queues
-- the entry (a plain insert: no lock another writer waits for), and whoever reads the feed first numbers what has been
-- queued and committed by then (campaigns.number_inbound_items: the webhook job on every pass, GET /api/v1/inbound
-- before each page). The promise is unchanged: a company's numbers are given under its sequence row, in one
-- transaction that sees every queued entry committed before it took the lock, so they become visible in order and
-- without gaps, and a reader that has seen number n has seen everything before n. Entries keep the order they were
-- written in (queued entries are numbered by entry id; an entry written after another one committed has the higher id).

-- Entries written and not numbered yet: ConversationStore's write adds the row in the statement that adds the entry
-- (messages from handsets, STOP, START and keyword events: what the feed carries). No foreign key and no trigger on
-- that path: a reply costs no row check and no plpgsql call more; numbering skips an entry deleted meanwhile
-- (retention, erasure), and the row holds nothing personal (ids and a time).
CREATE TABLE campaigns.inbound_queue (
    message_id bigint      PRIMARY KEY,
    company_id uuid        NOT NULL,
    -- When the entry was written (database clock), kept as the item's created_at.
    created_at timestamptz NOT NULL
);
CREATE INDEX inbound_queue_company ON campaigns.inbound_queue (company_id, message_id);

-- Entries written while this migration runs wait for it. A node still on the code before this migration would write
-- entries that nothing queues (its trigger goes here), so the nodes are restarted on the new code together.
LOCK TABLE campaigns.conversation_messages IN SHARE ROW EXCLUSIVE MODE;

DROP TRIGGER conversation_messages_inbound_feed ON campaigns.conversation_messages;
DROP FUNCTION campaigns.number_inbound_item();

-- Numbers the queued entries of the given companies (all companies when null), each company under its sequence row,
-- companies in id order (two readers never wait for each other in a cycle). Each statement of a VOLATILE plpgsql
-- function takes a new snapshot, so the queue is read after the row lock is held: a reader that waited for another
-- one sees the entries that one numbered as gone, and the number it left as last_seq.
CREATE FUNCTION campaigns.number_inbound_items(companies uuid[]) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    each_company uuid;
    last_number bigint;
BEGIN
    FOR each_company IN
        SELECT DISTINCT q.company_id FROM campaigns.inbound_queue q
        WHERE companies IS NULL OR q.company_id = ANY (companies)
        ORDER BY 1
    LOOP
        INSERT INTO campaigns.inbound_sequences AS s (company_id, last_seq) VALUES (each_company, 0)
        ON CONFLICT (company_id) DO UPDATE SET last_seq = s.last_seq
        RETURNING s.last_seq INTO last_number;

        WITH taken AS (
            DELETE FROM campaigns.inbound_queue q WHERE q.company_id = each_company
            RETURNING q.message_id, q.created_at),
        numbered AS (
            INSERT INTO campaigns.inbound_items (company_id, seq, message_id, created_at)
            SELECT each_company, last_number + row_number() OVER (ORDER BY t.message_id), t.message_id, t.created_at
            FROM taken t JOIN campaigns.conversation_messages m ON m.id = t.message_id
            RETURNING seq)
        UPDATE campaigns.inbound_sequences s SET last_seq = n.top
        FROM (SELECT max(seq) AS top FROM numbered) n
        WHERE s.company_id = each_company AND n.top IS NOT NULL;
    END LOOP;
END $$;
