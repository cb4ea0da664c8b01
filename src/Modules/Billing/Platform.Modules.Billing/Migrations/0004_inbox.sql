-- Durable module events (issue #13, ADR 12): which handler of this module handled which event, written in the
-- handler's own transaction so a redelivered event acts once. Kept 30 days.
CREATE TABLE billing.inbox (
    event_id   uuid        NOT NULL,
    handler    text        NOT NULL,
    handled_at timestamptz NOT NULL,
    PRIMARY KEY (event_id, handler)
);
CREATE INDEX ix_inbox_handled_at ON billing.inbox (handled_at);
