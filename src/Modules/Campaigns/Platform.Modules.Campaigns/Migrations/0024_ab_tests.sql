-- A/B tests (issue #20 item 5, ADR 36). A campaign may have two to five bodies ("variants"). A share of its audience
-- (ab_test_percent) is split between them by their percentages; the rest is held until ab_decide_at, when the
-- campaigns.ab-winner job picks the variant with the best delivery or unique-click rate and, if ab_send_rest, sends it to
-- the rest. ab_test_percent NULL: not an A/B test (every column below is then unused).
ALTER TABLE campaigns.campaigns
    ADD COLUMN ab_test_percent smallint    NULL CHECK (ab_test_percent BETWEEN 1 AND 100),
    ADD COLUMN ab_metric       varchar(9)  NULL CHECK (ab_metric IN ('delivered', 'clicks')),
    ADD COLUMN ab_window_hours smallint    NULL CHECK (ab_window_hours BETWEEN 1 AND 168),
    ADD COLUMN ab_send_rest    boolean     NOT NULL DEFAULT false,
    ADD COLUMN ab_decide_at    timestamptz NULL,   -- set when the audience is built: its send time + the window
    ADD COLUMN ab_winner       smallint    NULL,
    ADD COLUMN ab_decided_at   timestamptz NULL,
    ADD COLUMN ab_held         integer     NOT NULL DEFAULT 0,  -- recipients held for the winner when the audience was built
    ADD COLUMN ab_rest_sent    boolean     NULL;    -- at the decision: true, the rest was queued with the winner; false, dropped

-- What the job looks for every minute: A/B campaigns not decided yet (a handful, whatever the campaigns table's size).
CREATE INDEX ix_campaigns_ab_undecided ON campaigns.campaigns (ab_decide_at) WHERE ab_decide_at IS NOT NULL AND ab_decided_at IS NULL;

-- A campaign's variants: 0 is "A" (its body is also campaigns.body, which everything that knows one body reads), 1 "B", ….
-- recipients is fixed when the audience is built; sent, delivered, failed and clicked are the test's tally, counted by the
-- job while the test runs and frozen at the decision (the rest, sent the winner afterwards, is not part of the test).
CREATE TABLE campaigns.campaign_variants (
    campaign_id uuid        NOT NULL REFERENCES campaigns.campaigns (id) ON DELETE CASCADE,
    variant     smallint    NOT NULL CHECK (variant BETWEEN 0 AND 4),
    company_id  uuid        NOT NULL,
    body        text        NOT NULL,
    percent     smallint    NOT NULL CHECK (percent BETWEEN 1 AND 99),
    recipients  integer     NOT NULL DEFAULT 0,
    sent        integer     NOT NULL DEFAULT 0,
    delivered   integer     NOT NULL DEFAULT 0,
    failed      integer     NOT NULL DEFAULT 0,
    clicked     integer     NOT NULL DEFAULT 0,
    counted_at  timestamptz NULL,
    PRIMARY KEY (campaign_id, variant)
);

-- The variant a message was sent (or is to be sent); NULL for campaigns without a test. A nullable column without a
-- default: no rewrite of the messages table. A held recipient is state -1 (MessageState.Held): numerically before Queued,
-- so "a state only moves forward" still holds when the winner is queued for it, and no claim (state = 0) ever sees it.
ALTER TABLE campaigns.messages ADD COLUMN variant smallint NULL;
