-- Account suspension (issue #17, the Terms' promise): an admin suspends a company with a reason and lifts it later. The
-- company row says whether it is suspended now; every suspension and lift is kept in company_standing_changes, the audit
-- trail (who, when, why). The reason is the admin's words about the company, shown to its users: no personal data.
ALTER TABLE accounts.companies ADD COLUMN suspended_at timestamptz;
ALTER TABLE accounts.companies ADD COLUMN suspension_reason varchar(500);

CREATE TABLE accounts.company_standing_changes (
    id            uuid         PRIMARY KEY,
    company_id    uuid         NOT NULL REFERENCES accounts.companies (id) ON DELETE CASCADE,
    action        varchar(20)  NOT NULL CHECK (action IN ('suspended', 'lifted')),
    reason        varchar(500),
    admin_user_id uuid,
    at            timestamptz  NOT NULL
);
CREATE INDEX company_standing_changes_company ON accounts.company_standing_changes (company_id, at);
