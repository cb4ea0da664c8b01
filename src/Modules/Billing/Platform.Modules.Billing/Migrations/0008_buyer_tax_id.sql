-- The buyer's tax ID on the invoice (issue #18 item 3): the company's VAT or tax number (Accounts, on the profile) as it
-- was when the purchase was started at checkout, stored with the tax rate (ADR 24), so an issued invoice never changes
-- when the company edits its profile. NULL for purchases without one, and for those made before this column.
ALTER TABLE billing.purchases ADD COLUMN buyer_tax_id varchar(30) NULL;
