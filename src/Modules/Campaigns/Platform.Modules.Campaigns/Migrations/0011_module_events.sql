-- Durable module events (issue #13, ADR 12): which handler of this module handled which event, written in the
-- handler's own transaction so a redelivered event acts once. Kept 30 days.
CREATE TABLE campaigns.inbox (
    event_id   uuid        NOT NULL,
    handler    text        NOT NULL,
    handled_at timestamptz NOT NULL,
    PRIMARY KEY (event_id, handler)
);
CREATE INDEX ix_inbox_handled_at ON campaigns.inbox (handled_at);

-- The newest consent event applied per (company, subscriber): an opt-in older than an applied opt-out is ignored.
CREATE TABLE campaigns.event_positions (
    stream     text        PRIMARY KEY,
    position   bigint      NOT NULL,
    updated_at timestamptz NOT NULL
);
