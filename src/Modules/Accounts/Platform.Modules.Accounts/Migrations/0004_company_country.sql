-- Where each company is (ISO 3166-1 alpha-2, ADR 17): its people's numbers are read and shown the way they are dialled
-- there, and other modules ask for it through GetCompany (tax, time-zone defaults). Companies registered before it was
-- asked get GB, the platform's first market; an Owner changes it on the profile page. No default afterwards: every new
-- company says where it is.
ALTER TABLE accounts.companies ADD COLUMN country varchar(2) NOT NULL DEFAULT 'GB';
ALTER TABLE accounts.companies ALTER COLUMN country DROP DEFAULT;
