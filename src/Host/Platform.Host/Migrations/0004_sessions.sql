-- Server-side sessions (ADR 21) of both cookie schemes (business users' platform.auth, subscribers' platform.subscriber).
-- The cookie carries only a random key; key_hash is its SHA-256, so this table alone opens no session. A session ends by
-- deleting its row (logout, sign out everywhere, a password change or reset, an admin); expired rows are deleted by the
-- job platform.purge-sessions. ticket is ASP.NET Core's serialized authentication ticket (the principal's claims: the
-- person's id, email and first name, company and role), kept only while the session lives.
CREATE TABLE platform.sessions (
    id           uuid         PRIMARY KEY,
    key_hash     bytea        NOT NULL UNIQUE,
    scheme       varchar(100) NOT NULL,
    subject      varchar(100) NOT NULL,
    ticket       bytea        NOT NULL,
    persistent   boolean      NOT NULL,
    created_at   timestamptz  NOT NULL,
    last_seen_at timestamptz  NOT NULL,
    expires_at   timestamptz  NOT NULL
);

-- Listing and ending a person's sessions; the purge job's question.
CREATE INDEX sessions_subject ON platform.sessions (scheme, subject);
CREATE INDEX sessions_expires ON platform.sessions (expires_at);
