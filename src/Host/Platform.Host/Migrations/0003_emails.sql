-- Email the platform sends (Shared SendEmail): queued here in the caller's request, sent by the job
-- platform.send-emails over SMTP. state: 0 queued, 1 sending (handed to the server, answer not yet recorded),
-- 2 sent, 3 failed (refused for good or out of attempts), 4 unknown (the sender died while the server answered:
-- never sent again). Rows leave 30 days after they are final.
CREATE TABLE platform.emails (
    id              uuid         PRIMARY KEY,
    dedup_key       varchar(200) NOT NULL UNIQUE,
    kind            varchar(60)  NOT NULL,
    message_id      varchar(200) NOT NULL,
    to_address      varchar(254) NOT NULL,
    to_name         varchar(200),
    subject         varchar(300) NOT NULL,
    text_body       text         NOT NULL,
    html_body       text         NOT NULL,
    unsubscribe_url varchar(1000),
    state           smallint     NOT NULL DEFAULT 0 CHECK (state BETWEEN 0 AND 4),
    attempts        integer      NOT NULL DEFAULT 0,
    next_attempt_at timestamptz  NOT NULL DEFAULT now(),
    last_error      varchar(500),
    created_at      timestamptz  NOT NULL DEFAULT now(),
    finished_at     timestamptz
);

-- The job's two questions: what is due (queued) and what was left mid-send (sending); final rows are not indexed.
CREATE INDEX emails_due ON platform.emails (next_attempt_at) WHERE state IN (0, 1);
CREATE INDEX emails_finished ON platform.emails (finished_at) WHERE state IN (2, 3, 4);
