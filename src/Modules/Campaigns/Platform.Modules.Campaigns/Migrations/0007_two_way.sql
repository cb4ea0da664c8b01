-- Two-way SMS (issue #12): every STOP stops, every reply reaches the business.

-- Who messaged whom, from which platform number, and when last: kept set-based per sending batch (one upsert per
-- batch). A bare STOP texted to a platform number stops every company in here for that (number, phone) within the
-- look-back; a reply that is not a command goes to the one that messaged last. Alphanumeric senders are recorded
-- under the platform number their opt-out route names, since that is where the handset's answer arrives.
CREATE TABLE campaigns.recipient_contacts (
    platform_number text        NOT NULL,
    phone           text        NOT NULL,
    company_id      uuid        NOT NULL,
    last_at         timestamptz NOT NULL,
    -- The campaign (or send-API request) of the last message, so an inbox thread can say what a reply answers.
    campaign_id     uuid        NULL,
    PRIMARY KEY (platform_number, phone, company_id)
);
-- A company's erasure and its privacy export look a number up without the platform number.
CREATE INDEX recipient_contacts_phone ON campaigns.recipient_contacts (phone);

-- Why and how a number is suppressed: which platform number a STOP came to (a bare START undoes the latest STOP on
-- that number), and a note (a manual suppression's reason).
ALTER TABLE campaigns.suppressions ADD COLUMN platform_number text NULL;
ALTER TABLE campaigns.suppressions ADD COLUMN note text NULL;
CREATE INDEX suppressions_phone ON campaigns.suppressions (phone);

-- Numbers no company may message (the platform admin's block list).
CREATE TABLE campaigns.blocked_numbers (
    phone      text        PRIMARY KEY,
    reason     text        NOT NULL,
    created_by uuid        NULL,
    created_at timestamptz NOT NULL
);

-- The inbox ("active chat"): one conversation per (company, platform number, handset), its messages and events.
CREATE TABLE campaigns.conversations (
    id              uuid        PRIMARY KEY,
    company_id      uuid        NOT NULL,
    platform_number text        NOT NULL,
    phone           text        NOT NULL,
    -- The 6-character user code when the handset is a keyword subscriber the company knows only by that code:
    -- the inbox then shows the code, never the number (as the opt-in history does).
    user_code       text        NULL,
    last_at         timestamptz NOT NULL,
    last_preview    text        NOT NULL,
    unread          integer     NOT NULL DEFAULT 0,
    -- Messages in either direction (events not counted): the inbox lists threads that have any, so a keyword opt-in
    -- or a STOP alone (recorded as events) does not fill it.
    messages        integer     NOT NULL DEFAULT 0,
    done_at         timestamptz NULL,
    created_at      timestamptz NOT NULL,
    CONSTRAINT conversations_unique UNIQUE (company_id, platform_number, phone)
);
CREATE INDEX conversations_company_recent ON campaigns.conversations (company_id, last_at DESC) WHERE messages > 0;
CREATE INDEX conversations_phone ON campaigns.conversations (phone);

-- direction: 'in' (from the handset), 'out' (a reply from the inbox), 'event' (keyword, STOP, START).
CREATE TABLE campaigns.conversation_messages (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id    uuid        NOT NULL REFERENCES campaigns.conversations (id) ON DELETE CASCADE,
    company_id         uuid        NOT NULL,
    direction          text        NOT NULL,
    event              text        NULL,
    body               text        NOT NULL,
    -- The campaign or send-API request the inbound message answers (the last one that messaged the handset).
    campaign_id        uuid        NULL,
    carrier_instance   text        NULL,
    carrier_message_id text        NULL,
    sent_by            uuid        NULL,
    error              text        NULL,
    at                 timestamptz NOT NULL
);
CREATE INDEX conversation_messages_thread ON campaigns.conversation_messages (conversation_id, id);
CREATE INDEX conversation_messages_retention ON campaigns.conversation_messages (at);
-- A carrier that redelivers an inbound message (its acknowledgement was lost) must not add it twice.
CREATE UNIQUE INDEX conversation_messages_inbound_once ON campaigns.conversation_messages (carrier_instance, carrier_message_id)
    WHERE direction = 'in' AND carrier_message_id IS NOT NULL;
