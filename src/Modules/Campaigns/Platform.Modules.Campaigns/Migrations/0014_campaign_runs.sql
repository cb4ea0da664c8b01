-- Hangfire sends campaigns (issue #13, ADR 14): one row per sending slot of a campaign says which run owns the slot
-- (its generation) and until when. A run renews its lease while it sends; a run whose generation is no longer the
-- slot's (paused, cancelled, or given up on after its node died) stops or never starts. The maintenance job re-arms
-- a slot of a sending campaign whose lease has run out, so another node resumes a killed node's campaign.
CREATE TABLE campaigns.campaign_runs (
    campaign_id uuid        NOT NULL REFERENCES campaigns.campaigns (id) ON DELETE CASCADE,
    slot        smallint    NOT NULL,
    generation  integer     NOT NULL,
    lease_until timestamptz,
    node        text,
    PRIMARY KEY (campaign_id, slot)
);

-- An import is run by a Hangfire job enqueued after the upload commits (Hangfire writes through its own connection, so
-- it cannot join the upload's transaction). When the job was enqueued, so the maintenance job can enqueue an import
-- again whose job was lost (a crash between the commit and the enqueue) without enqueueing it every few seconds.
ALTER TABLE campaigns.imports ADD COLUMN job_enqueued_at timestamptz;
