-- Privacy (issue #8): when a subscriber erases their account, the number itself is deleted, but a keyed one-way hash of
-- it is kept per company they were subscribed to, so their STOP keeps being honoured (IsOptedOut consults it when the
-- number has no subscription with that company). Nothing here can be turned back into the number without the key.
CREATE TABLE optins.suppressed_numbers (
    company_id    uuid        NOT NULL,
    phone_hash    varchar(64) NOT NULL,
    suppressed_at timestamptz NOT NULL,
    PRIMARY KEY (company_id, phone_hash)
);
