-- Links with click tracking (issue #20 item 4, ADR 33). A campaign that tracks links sends each URL of its text as the
-- platform's short link /s/{code}, where the code is derived from the message id, the link's place in the text and a
-- keyed hash: nothing is written per recipient when a campaign is prepared or sent. A click is recorded here, batched.
ALTER TABLE campaigns.campaigns ADD COLUMN track_links boolean NOT NULL DEFAULT false;

-- One row per message and link that was clicked: first and last click and how many (bots and link previews excluded).
CREATE TABLE campaigns.link_clicks (
    message_id       bigint      NOT NULL,
    link_index       smallint    NOT NULL,
    campaign_id      uuid        NOT NULL REFERENCES campaigns.campaigns (id) ON DELETE CASCADE,
    company_id       uuid        NOT NULL,
    first_clicked_at timestamptz NOT NULL,
    last_clicked_at  timestamptz NOT NULL,
    clicks           integer     NOT NULL,
    PRIMARY KEY (message_id, link_index)
);
CREATE INDEX ix_link_clicks_campaign ON campaigns.link_clicks (campaign_id);
CREATE INDEX ix_link_clicks_last_clicked_at ON campaigns.link_clicks (last_clicked_at);

-- What the live page shows without counting clicks: per campaign and link, all clicks and the recipients who clicked.
CREATE TABLE campaigns.link_stats (
    campaign_id   uuid     NOT NULL REFERENCES campaigns.campaigns (id) ON DELETE CASCADE,
    link_index    smallint NOT NULL,
    clicks        bigint   NOT NULL,
    unique_clicks bigint   NOT NULL,
    PRIMARY KEY (campaign_id, link_index)
);
