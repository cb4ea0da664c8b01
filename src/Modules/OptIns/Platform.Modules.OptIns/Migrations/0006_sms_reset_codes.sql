-- "Forgot your password?" by text (issue #17): a subscriber proves the number with the user code and a 6-digit code we
-- text to it. One live code per subscriber: its SHA-256 (with the subscriber id), when it stops working, how many wrong
-- tries it had (it dies at the fifth) and when it was sent (at most one text a minute per subscriber).
CREATE TABLE optins.sms_reset_codes (
    subscriber_id uuid        PRIMARY KEY REFERENCES optins.subscribers (id) ON DELETE CASCADE,
    code_hash     varchar(64) NOT NULL,
    sent_at       timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    attempts      integer     NOT NULL DEFAULT 0
);
