-- Campaigns: contact lists and their imports, suppressions, campaigns, one row per recipient message, receipts
-- that arrived before their submit was recorded, and the calling codes that give a number its country and
-- default time zone (for quiet hours and prices).

CREATE TABLE campaigns.contact_lists (
    id            uuid        PRIMARY KEY,
    company_id    uuid        NOT NULL,
    name          text        NOT NULL,
    contact_count integer     NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL,
    CONSTRAINT contact_lists_name_unique UNIQUE (company_id, name)
);

CREATE TABLE campaigns.contacts (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id     uuid        NOT NULL,
    list_id        uuid        NOT NULL REFERENCES campaigns.contact_lists (id) ON DELETE CASCADE,
    phone          text        NOT NULL,
    first_name     text        NULL,
    last_name      text        NULL,
    time_zone      text        NULL,
    -- How consent was obtained: the importer's attestation, or what the person typing the contact stated.
    consent_source text        NOT NULL,
    import_id      uuid        NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    CONSTRAINT contacts_list_phone_unique UNIQUE (list_id, phone)
);
CREATE INDEX contacts_company_phone ON campaigns.contacts (company_id, phone);

CREATE TABLE campaigns.imports (
    id                  uuid        PRIMARY KEY,
    company_id          uuid        NOT NULL,
    list_id             uuid        NOT NULL REFERENCES campaigns.contact_lists (id) ON DELETE CASCADE,
    file_name           text        NOT NULL,
    default_country     text        NOT NULL,
    consent_attestation text        NOT NULL,
    status              text        NOT NULL,
    rows_read           integer     NOT NULL DEFAULT 0,
    imported            integer     NOT NULL DEFAULT 0,
    merged              integer     NOT NULL DEFAULT 0,
    rejected            integer     NOT NULL DEFAULT 0,
    error               text        NULL,
    created_by          uuid        NULL,
    created_at          timestamptz NOT NULL,
    finished_at         timestamptz NULL
);
CREATE INDEX imports_company ON campaigns.imports (company_id, created_at DESC);

CREATE TABLE campaigns.import_errors (
    import_id uuid    NOT NULL REFERENCES campaigns.imports (id) ON DELETE CASCADE,
    line      bigint  NOT NULL,
    reason    text    NOT NULL,
    value     text    NULL,
    PRIMARY KEY (import_id, line)
);

-- Numbers a company may not message: opted out through OptIns (kept in step by its events) or added by hand.
CREATE TABLE campaigns.suppressions (
    company_id uuid        NOT NULL,
    phone      text        NOT NULL,
    reason     text        NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (company_id, phone)
);

CREATE TABLE campaigns.campaigns (
    id                  uuid        PRIMARY KEY,
    company_id          uuid        NOT NULL,
    -- 'campaign' (made on the pages) or 'api' (one send-API request; hidden from the campaign list).
    kind                text        NOT NULL DEFAULT 'campaign',
    name                text        NOT NULL,
    sender_id           text        NOT NULL,
    body                text        NOT NULL,
    status              text        NOT NULL,
    include_subscribers boolean     NOT NULL DEFAULT false,
    list_ids            uuid[]      NOT NULL DEFAULT '{}',
    time_zone           text        NOT NULL,
    scheduled_at        timestamptz NULL,
    quiet_start         time        NOT NULL DEFAULT '08:00',
    quiet_end           time        NOT NULL DEFAULT '21:00',
    respect_quiet_hours boolean     NOT NULL DEFAULT true,
    attention_reason    text        NULL,
    prepared_at         timestamptz NULL,
    reserved_credits    bigint      NOT NULL DEFAULT 0,
    spent_credits       bigint      NOT NULL DEFAULT 0,
    settled_at          timestamptz NULL,
    -- Counters kept by the statements that move messages, so no page ever counts the messages table.
    targeted            integer     NOT NULL DEFAULT 0,
    suppressed          integer     NOT NULL DEFAULT 0,
    submitted           integer     NOT NULL DEFAULT 0,
    delivered           integer     NOT NULL DEFAULT 0,
    failed              integer     NOT NULL DEFAULT 0,
    -- The part of failed that never reached the carrier (refused at submit, or out of retries).
    send_failed         integer     NOT NULL DEFAULT 0,
    expired             integer     NOT NULL DEFAULT 0,
    unknown             integer     NOT NULL DEFAULT 0,
    created_by          uuid        NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    started_at          timestamptz NULL,
    completed_at        timestamptz NULL
);
CREATE INDEX campaigns_company ON campaigns.campaigns (company_id, created_at DESC);
CREATE INDEX campaigns_active ON campaigns.campaigns (status) WHERE status IN ('Scheduled', 'Sending');

-- Credits per segment to each destination country, quoted by Billing when the campaign was prepared.
CREATE TABLE campaigns.campaign_prices (
    campaign_id         uuid   NOT NULL REFERENCES campaigns.campaigns (id) ON DELETE CASCADE,
    country             text   NOT NULL,
    credits_per_segment bigint NOT NULL,
    PRIMARY KEY (campaign_id, country)
);

-- One row per recipient. state: 0 Queued, 1 Submitting (claimed), 2 Submitted, 3 Delivered, 4 Failed,
-- 5 Expired, 6 Suppressed, 7 Unknown (the submit's outcome was lost). States only move forward, except that a
-- transient carrier failure puts a claimed message back to Queued with a later not_before.
CREATE TABLE campaigns.messages (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id        uuid        NOT NULL REFERENCES campaigns.campaigns (id) ON DELETE CASCADE,
    company_id         uuid        NOT NULL,
    phone              text        NOT NULL,
    country            text        NOT NULL,
    time_zone          text        NOT NULL,
    first_name         text        NULL,
    -- Only for send-API messages, which each carry their own text and id; campaign messages use the campaign's body.
    body               text        NULL,
    api_id             uuid        NULL,
    state              smallint    NOT NULL DEFAULT 0,
    attempts           smallint    NOT NULL DEFAULT 0,
    segments           smallint    NOT NULL DEFAULT 0,
    not_before         timestamptz NOT NULL,
    claimed_at         timestamptz NULL,
    carrier_instance   text        NULL,
    carrier_message_id text        NULL,
    error              text        NULL,
    submitted_at       timestamptz NULL,
    finished_at        timestamptz NULL,
    CONSTRAINT messages_campaign_phone_unique UNIQUE (campaign_id, phone)
);
CREATE INDEX messages_queued ON campaigns.messages (campaign_id, not_before) WHERE state = 0;
CREATE INDEX messages_claimed ON campaigns.messages (claimed_at) WHERE state = 1;
CREATE INDEX messages_submitted ON campaigns.messages (submitted_at) WHERE state = 2;
CREATE INDEX messages_carrier_id ON campaigns.messages (carrier_message_id) WHERE carrier_message_id IS NOT NULL;
CREATE UNIQUE INDEX messages_api_id ON campaigns.messages (api_id) WHERE api_id IS NOT NULL;

-- Receipts that found no submitted message yet (a receipt can overtake its submit's result); applied when the
-- submit is recorded, dropped after a day (then they belonged to a message that is not a campaign's).
CREATE TABLE campaigns.pending_receipts (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    carrier_message_id text        NOT NULL,
    state              smallint    NOT NULL,
    error_code         text        NULL,
    reported_at        timestamptz NOT NULL,
    received_at        timestamptz NOT NULL
);
CREATE INDEX pending_receipts_carrier_id ON campaigns.pending_receipts (carrier_message_id);

-- Calling code -> ISO country and the time zone used for quiet hours when the contact has none.
CREATE TABLE campaigns.calling_codes (
    code      text PRIMARY KEY,
    country   text NOT NULL,
    time_zone text NOT NULL
);
INSERT INTO campaigns.calling_codes (code, country, time_zone) VALUES
    ('1', 'US', 'America/New_York'), ('7', 'RU', 'Europe/Moscow'), ('20', 'EG', 'Africa/Cairo'),
    ('27', 'ZA', 'Africa/Johannesburg'), ('30', 'GR', 'Europe/Athens'), ('31', 'NL', 'Europe/Amsterdam'),
    ('32', 'BE', 'Europe/Brussels'), ('33', 'FR', 'Europe/Paris'), ('34', 'ES', 'Europe/Madrid'),
    ('36', 'HU', 'Europe/Budapest'), ('39', 'IT', 'Europe/Rome'), ('40', 'RO', 'Europe/Bucharest'),
    ('41', 'CH', 'Europe/Zurich'), ('43', 'AT', 'Europe/Vienna'), ('44', 'GB', 'Europe/London'),
    ('45', 'DK', 'Europe/Copenhagen'), ('46', 'SE', 'Europe/Stockholm'), ('47', 'NO', 'Europe/Oslo'),
    ('48', 'PL', 'Europe/Warsaw'), ('49', 'DE', 'Europe/Berlin'), ('51', 'PE', 'America/Lima'),
    ('52', 'MX', 'America/Mexico_City'), ('54', 'AR', 'America/Argentina/Buenos_Aires'),
    ('55', 'BR', 'America/Sao_Paulo'), ('56', 'CL', 'America/Santiago'), ('57', 'CO', 'America/Bogota'),
    ('60', 'MY', 'Asia/Kuala_Lumpur'), ('61', 'AU', 'Australia/Sydney'), ('62', 'ID', 'Asia/Jakarta'),
    ('63', 'PH', 'Asia/Manila'), ('64', 'NZ', 'Pacific/Auckland'), ('65', 'SG', 'Asia/Singapore'),
    ('66', 'TH', 'Asia/Bangkok'), ('81', 'JP', 'Asia/Tokyo'), ('82', 'KR', 'Asia/Seoul'),
    ('84', 'VN', 'Asia/Ho_Chi_Minh'), ('86', 'CN', 'Asia/Shanghai'), ('90', 'TR', 'Europe/Istanbul'),
    ('91', 'IN', 'Asia/Kolkata'), ('92', 'PK', 'Asia/Karachi'), ('234', 'NG', 'Africa/Lagos'),
    ('254', 'KE', 'Africa/Nairobi'), ('351', 'PT', 'Europe/Lisbon'), ('353', 'IE', 'Europe/Dublin'),
    ('358', 'FI', 'Europe/Helsinki'), ('380', 'UA', 'Europe/Kyiv'), ('420', 'CZ', 'Europe/Prague'),
    ('966', 'SA', 'Asia/Riyadh'), ('971', 'AE', 'Asia/Dubai'), ('972', 'IL', 'Asia/Jerusalem');

-- Send API: per-company keys (only a hash is stored), idempotent requests, receipt webhooks.
CREATE TABLE campaigns.api_keys (
    id           uuid        PRIMARY KEY,
    company_id   uuid        NOT NULL,
    name         text        NOT NULL,
    prefix       text        NOT NULL,
    key_hash     bytea       NOT NULL,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz NULL,
    revoked_at   timestamptz NULL
);
CREATE UNIQUE INDEX api_keys_prefix ON campaigns.api_keys (prefix);
CREATE INDEX api_keys_company ON campaigns.api_keys (company_id);
