-- Newsletters (issue #17 item 5): written by platform admins, sent by email and/or SMS to the business users whose latest
-- newsletter consent on that channel is granted. One recipient row per person and channel, claimed in batches by the
-- sending job: queued (0), sending (1), sent (2), failed (3). An SMS claimed and never answered stays "sending" (its
-- outcome is unknown and it is never sent again); an email claimed and never answered is asked for again, because the
-- mail queue's dedup key makes that harmless.
CREATE TABLE privacy.newsletters (
    id           uuid         PRIMARY KEY,
    subject      varchar(150) NOT NULL,
    body         text         NOT NULL,
    sms_text     varchar(300) NULL,
    by_mail      boolean      NOT NULL,
    by_sms       boolean      NOT NULL,
    status       varchar(10)  NOT NULL,
    created_by   uuid         NOT NULL,
    created_at   timestamptz  NOT NULL,
    updated_at   timestamptz  NOT NULL,
    started_at   timestamptz  NULL,
    finished_at  timestamptz  NULL
);
CREATE INDEX ix_newsletters_created_at ON privacy.newsletters (created_at DESC);
CREATE INDEX ix_newsletters_sending ON privacy.newsletters (started_at) WHERE status = 'Sending';

CREATE TABLE privacy.newsletter_recipients (
    newsletter_id   uuid        NOT NULL REFERENCES privacy.newsletters (id),
    subject_id      uuid        NOT NULL,
    channel         varchar(10) NOT NULL,
    state           smallint    NOT NULL DEFAULT 0,
    address         varchar(320) NULL,
    claimed_at      timestamptz NULL,
    sent_at         timestamptz NULL,
    error           varchar(300) NULL,
    unsubscribed_at timestamptz NULL,
    PRIMARY KEY (newsletter_id, channel, subject_id)
);
CREATE INDEX ix_newsletter_recipients_queued ON privacy.newsletter_recipients (newsletter_id) WHERE state IN (0, 1);
CREATE INDEX ix_newsletter_recipients_subject ON privacy.newsletter_recipients (subject_id);
-- A STOP reply finds the newsletter SMS it answers by the number it was sent to.
CREATE INDEX ix_newsletter_recipients_sms_address ON privacy.newsletter_recipients (address, sent_at DESC) WHERE channel = 'sms';
