-- Which optional notices (issue #17) a business user does not want by email: the notice kinds they turned off on
-- /Accounts/Notices. Empty (the default) means every notice; mandatory ones (suspension, security) are not in the list.
ALTER TABLE accounts.users ADD COLUMN muted_notices text[] NOT NULL DEFAULT '{}';
