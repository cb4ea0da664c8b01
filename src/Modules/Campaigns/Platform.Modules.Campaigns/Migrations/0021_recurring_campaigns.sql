-- Recurring campaigns (issue #20 item 5, ADR 34): a scheduled campaign may repeat daily, weekly or monthly at the same
-- local time in its time zone, until a date. The campaign itself is occurrence 0; a job makes each later occurrence as a
-- copy shortly before its time and schedules it like any campaign. (recurrence_id, occurrence) is unique, so a job run
-- repeated after a crash never makes an occurrence twice.
CREATE TABLE campaigns.recurrences (
    id                 uuid        PRIMARY KEY,
    company_id         uuid        NOT NULL,
    source_campaign_id uuid        NOT NULL REFERENCES campaigns.campaigns (id) ON DELETE CASCADE,
    frequency          varchar(8)  NOT NULL CHECK (frequency IN ('daily', 'weekly', 'monthly')),
    first_local        timestamp   NOT NULL,         -- the first occurrence's wall-clock time in time_zone
    time_zone          text        NOT NULL,
    until              date        NULL,             -- the last day an occurrence may fall on (in time_zone)
    next_occurrence    integer     NOT NULL,
    next_at            timestamptz NULL,             -- NULL once ended
    ended_at           timestamptz NULL,
    last_problem       text        NULL,
    created_at         timestamptz NOT NULL
);
CREATE INDEX ix_recurrences_due ON campaigns.recurrences (next_at) WHERE ended_at IS NULL;
CREATE INDEX ix_recurrences_source ON campaigns.recurrences (source_campaign_id);

ALTER TABLE campaigns.campaigns ADD COLUMN recurrence_id uuid NULL, ADD COLUMN occurrence integer NULL;
CREATE UNIQUE INDEX ux_campaigns_recurrence_occurrence ON campaigns.campaigns (recurrence_id, occurrence) WHERE recurrence_id IS NOT NULL;
