-- The tax included in a purchase's price, fixed when the purchase is created at checkout (ADR 24): the buying company's
-- country then, and the rate and name configured for it (Platform:Billing:Tax). The invoice shows these, so neither a
-- settings change nor the company moving rewrites an invoice already issued.
--
-- Rows from before stay NULL: the rate they were shown with came from a setting that SQL cannot read, so no backfill
-- is possible here. Their invoices fall back to the configured default rate and name (TaxRates.Default), which is the
-- old single rate for an installation still configured the old way (Platform:Billing:Invoice:TaxRatePercent).
ALTER TABLE billing.purchases
    ADD COLUMN tax_country      varchar(2)   NULL,
    ADD COLUMN tax_rate_percent numeric(5,2) NULL CHECK (tax_rate_percent >= 0 AND tax_rate_percent < 100),
    ADD COLUMN tax_label        varchar(20)  NULL,
    -- A rate without its name (or the reverse) could not be printed on an invoice.
    ADD CONSTRAINT ck_purchases_tax_rate_and_label CHECK ((tax_rate_percent IS NULL) = (tax_label IS NULL));
