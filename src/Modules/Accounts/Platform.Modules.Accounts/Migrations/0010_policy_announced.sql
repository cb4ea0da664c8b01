-- The terms/privacy policy version a business user was last emailed about (issue #17: "policy version changed"), so the
-- announcement job emails each user once per new version and a restart does not ask the mail queue again for everyone.
ALTER TABLE accounts.users ADD COLUMN policy_announced varchar(40) NULL;
