-- Send API: idempotent requests, the company's receipt webhook, and the outbox of receipts to forward to it.

-- One row per Idempotency-Key a company used: the hash of the body it came with and the response it got, so a retry
-- with the same body replays the response and one with another body is refused. Kept for 24 hours.
CREATE TABLE campaigns.api_requests (
    company_id      uuid        NOT NULL,
    idempotency_key text        NOT NULL,
    request_hash    bytea       NOT NULL,
    campaign_id     uuid        NULL,
    -- NULL while the first request with this key is still being processed.
    response_status integer     NULL,
    response_body   text        NULL,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (company_id, idempotency_key)
);
CREATE INDEX api_requests_created ON campaigns.api_requests (created_at);

-- The URL a company's receipts are posted to, and the secret they are signed with (HMAC-SHA256).
CREATE TABLE campaigns.webhooks (
    company_id uuid        PRIMARY KEY,
    url        text        NOT NULL,
    secret     text        NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Send-API messages whose final state has been handed to the webhook outbox (or that had no webhook to go to).
ALTER TABLE campaigns.messages ADD COLUMN webhook_queued boolean NOT NULL DEFAULT false;
CREATE INDEX messages_api_final ON campaigns.messages (id)
    WHERE api_id IS NOT NULL AND state >= 3 AND NOT webhook_queued;

-- The outbox: one row per final state to forward; posted in batches per company, retried with back-off.
CREATE TABLE campaigns.webhook_deliveries (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id      uuid        NOT NULL,
    message_id      bigint      NOT NULL REFERENCES campaigns.messages (id) ON DELETE CASCADE,
    attempts        smallint    NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    delivered_at    timestamptz NULL,
    failed_at       timestamptz NULL,
    last_error      text        NULL,
    created_at      timestamptz NOT NULL,
    CONSTRAINT webhook_deliveries_message_unique UNIQUE (message_id)
);
CREATE INDEX webhook_deliveries_due ON campaigns.webhook_deliveries (next_attempt_at)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX webhook_deliveries_company ON campaigns.webhook_deliveries (company_id, created_at DESC);
