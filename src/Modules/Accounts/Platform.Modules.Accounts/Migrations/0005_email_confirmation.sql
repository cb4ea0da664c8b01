-- A company may send campaigns and buy credits once its owner has confirmed the email address (issue #17: nobody can
-- register, and spend in the name of, an address they do not hold). The time of the owner's confirmation is the company's.
-- Companies and users from before confirmation was asked count as confirmed: they were registered under the old rules
-- and are already sending.
ALTER TABLE accounts.companies ADD COLUMN confirmed_at timestamptz;
UPDATE accounts.companies SET confirmed_at = created_at;
UPDATE accounts.users SET email_confirmed = true WHERE NOT email_confirmed;
