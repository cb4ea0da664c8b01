-- The company's VAT or other tax identification number (issue #18 item 3), set by an Owner on the profile and printed on
-- its invoices as the buyer's tax ID; Billing copies it onto a purchase at checkout, with the tax rate (ADR 24), so an
-- issued invoice keeps the number it was issued with. Optional: many small customers have none.
ALTER TABLE accounts.companies ADD COLUMN tax_id varchar(30) NULL;
