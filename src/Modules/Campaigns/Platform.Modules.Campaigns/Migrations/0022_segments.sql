-- Segments (issue #20 item 3, ADR 35): a company's saved filters over its contacts (chosen lists, or all of them, and
-- optionally its keyword subscribers) by contact field, opt-in keyword (asked of OptIns through its contract), date
-- added and last sent/delivered/failed/clicked. The rules are one jsonb array, compiled to one SQL statement when the
-- segment is counted or a campaign's audience is built from it; nothing is stored per member.
CREATE TABLE campaigns.segments (
    id                  uuid         PRIMARY KEY,
    company_id          uuid         NOT NULL,
    name                varchar(100) NOT NULL,
    list_ids            uuid[]       NOT NULL DEFAULT '{}',
    include_subscribers boolean      NOT NULL DEFAULT false,
    -- 'all': every rule must hold; 'any': one is enough.
    match               varchar(3)   NOT NULL CHECK (match IN ('all', 'any')),
    rules               jsonb        NOT NULL DEFAULT '[]',
    created_at          timestamptz  NOT NULL,
    updated_at          timestamptz  NOT NULL
);
CREATE UNIQUE INDEX ux_segments_company_name ON campaigns.segments (company_id, lower(name));

-- A campaign's audience may be a segment, read when the audience is built (as lists are). A deleted segment leaves the
-- campaigns that were sent to it as they are; the delete is refused while a campaign still to be built uses it.
ALTER TABLE campaigns.campaigns ADD COLUMN segment_id uuid NULL REFERENCES campaigns.segments (id) ON DELETE SET NULL;

-- Per company and number: when the company last sent to it, and when a message was last delivered, last failed and
-- last clicked. Folded from campaigns.messages per campaign by the contact-activity job (a campaign whose counters
-- moved since its last fold), and from link_clicks, so the send path writes nothing more per message and a segment
-- never scans the messages table.
CREATE TABLE campaigns.contact_activity (
    company_id        uuid        NOT NULL,
    phone             text        NOT NULL,
    last_sent_at      timestamptz NULL,
    last_delivered_at timestamptz NULL,
    last_failed_at    timestamptz NULL,
    last_clicked_at   timestamptz NULL,
    PRIMARY KEY (company_id, phone)
);
CREATE INDEX ix_contact_activity_phone ON campaigns.contact_activity (phone);

-- The campaign's submitted + delivered + failed counters when its messages were last folded into contact_activity, and
-- when: a campaign still sending is folded at most every few minutes (each fold reads all its sent messages).
ALTER TABLE campaigns.campaigns ADD COLUMN activity_folded bigint NOT NULL DEFAULT 0;
ALTER TABLE campaigns.campaigns ADD COLUMN activity_folded_at timestamptz NULL;

-- How far link clicks have been folded (their last_clicked_at), one row.
CREATE TABLE campaigns.activity_fold_marks (
    name    text        PRIMARY KEY,
    through timestamptz NOT NULL
);
