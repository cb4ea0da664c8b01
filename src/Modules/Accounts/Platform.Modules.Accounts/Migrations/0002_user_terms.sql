-- Each user's own acceptance of the privacy policy: the registering owner's and every invited member's (until now
-- only the company's, i.e. its owner's, was kept). Owners so far accepted when they registered their company.
ALTER TABLE accounts.users ADD COLUMN terms_version varchar(40) NULL;
ALTER TABLE accounts.users ADD COLUMN terms_accepted_at timestamptz NULL;
UPDATE accounts.users u SET terms_version = c.terms_version, terms_accepted_at = c.terms_accepted_at
FROM accounts.companies c WHERE u.company_id = c.id AND u.company_role = 'Owner';
