-- Suppression lists per company and the platform block list (issue #12, part 3).

-- Every change a company's team makes to its suppression list (added by hand or by CSV, lifted) and every change a
-- platform admin makes to the block list (company_id NULL): who, when, what and why. A person's own STOP and START are
-- not here: they are the suppression rows themselves and the events of the inbox thread.
CREATE TABLE campaigns.suppression_audit (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- NULL: the platform-wide block list.
    company_id uuid        NULL,
    -- E.164, or 'erased' once the person erased their data (the entry stays, the number goes).
    phone      text        NOT NULL,
    -- 'added', 'lifted' (a company's list), 'blocked', 'unblocked' (the platform block list).
    action     text        NOT NULL,
    -- The suppression's reason code (manual, bounce, …) or, for the block list, 'blocked'.
    reason     text        NOT NULL,
    -- What the person who made the change wrote: the note of an added number, the reason for a lift or an unblock.
    note       text        NULL,
    -- 'page' (by hand), 'csv' (an upload), 'admin' (the block list page).
    source     text        NOT NULL,
    actor_id   uuid        NULL,
    -- The signed-in user's name at the time (their email); NULL once they erased their account.
    actor_name text        NULL,
    at         timestamptz NOT NULL
);
CREATE INDEX suppression_audit_company ON campaigns.suppression_audit (company_id, id DESC);
-- Export and erasure find a person's entries by number, and a business user's by their id.
CREATE INDEX suppression_audit_phone ON campaigns.suppression_audit (phone);
CREATE INDEX suppression_audit_actor ON campaigns.suppression_audit (actor_id) WHERE actor_id IS NOT NULL;

-- The suppression page: newest first, a page at a time (keyset on created_at, phone), and "search by the start of a
-- number" as a range under the C collation, which this index serves whatever the database's collation is.
CREATE INDEX suppressions_company_recent ON campaigns.suppressions (company_id, created_at DESC, phone DESC);
CREATE INDEX suppressions_company_phone_c ON campaigns.suppressions (company_id, (phone COLLATE "C"));

-- The block list page: newest first, a page at a time.
CREATE INDEX blocked_numbers_recent ON campaigns.blocked_numbers (created_at DESC, phone DESC);
