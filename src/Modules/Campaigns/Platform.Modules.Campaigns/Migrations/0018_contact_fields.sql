-- Contact fields (issue #20 item 1): a company's own fields on its contacts (text, number, date, choice), mapped from CSV
-- columns at import, edited on a contact and used in messages as {key} or {key|fallback} (ADR 31).
-- The definitions are rows; a contact's values are one jsonb object on the contact ({"city": "Leeds"}), so an import
-- writes them in the same INSERT … SELECT as the rest of the row and a campaign reads them with fields->>'key': no
-- row per value to join (EAV) on the million-recipient path.
CREATE TABLE campaigns.contact_fields (
    id         uuid         PRIMARY KEY,
    company_id uuid         NOT NULL,
    key        varchar(40)  NOT NULL,
    label      varchar(100) NOT NULL,
    kind       varchar(10)  NOT NULL CHECK (kind IN ('text', 'number', 'date', 'choice')),
    choices    text[]       NOT NULL DEFAULT '{}',
    created_at timestamptz  NOT NULL
);
CREATE UNIQUE INDEX ux_contact_fields_company_key ON campaigns.contact_fields (company_id, key);

-- Adding a nullable column without a default rewrites nothing: instant on a table of millions of contacts or messages.
ALTER TABLE campaigns.contacts ADD COLUMN fields jsonb NULL;
-- A campaign's message keeps the values of the fields its text uses (only those), copied when the audience is built,
-- as it keeps first_name: the text is rendered at send time and must not change if the contact does meanwhile.
ALTER TABLE campaigns.messages ADD COLUMN fields jsonb NULL;
-- The import's mapping: per CSV column (by position) what it fills: phone, first_name, last_name, time_zone, consent,
-- field:<key>, or '' (ignored). NULL: the columns are taken by their header names, as before.
ALTER TABLE campaigns.imports ADD COLUMN column_targets text[] NULL;
