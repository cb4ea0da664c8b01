-- Contacts: the number of lines an upload has (counted while it is saved) so the import page can show a
-- progress bar while the job reads it, and an index for paging a list's contacts.
ALTER TABLE campaigns.imports ADD COLUMN rows_expected integer NOT NULL DEFAULT 0;
CREATE INDEX contacts_list_id ON campaigns.contacts (list_id, id);
-- The importer chose to give each row its own consent (a consent column) rather than the attestation for all.
ALTER TABLE campaigns.imports ADD COLUMN per_row_consent boolean NOT NULL DEFAULT false;
