-- Refunds and credit notes (issue #18 item 4, ADR 28). A purchase keeps the id of the PaymentIntent Stripe charged, which
-- is what a refund names: written when the purchase is credited, and for purchases from before this by the reconciliation
-- job, which asks Stripe for their Checkout Session. What has been refunded of a purchase, in money and in credits taken
-- back, is kept on it so that a refund can never exceed what was paid or take more credits than the pack gave.
ALTER TABLE billing.purchases
    ADD COLUMN stripe_payment_intent_id varchar(255) NULL,
    ADD COLUMN refunded_minor           bigint       NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
    ADD COLUMN reversed_credits         bigint       NOT NULL DEFAULT 0 CHECK (reversed_credits >= 0),
    ADD CONSTRAINT ck_purchases_refund_within_payment CHECK (refunded_minor <= amount_minor AND reversed_credits <= credits);
CREATE UNIQUE INDEX ux_purchases_stripe_payment_intent_id ON billing.purchases (stripe_payment_intent_id);

-- One row per Stripe refund, whoever started it (an admin on the company's billing page, or someone in Stripe's dashboard),
-- unique by Stripe's refund id: the admin's call and the charge.refunded webhook it triggers meet here and make one credit
-- note and one ledger reversal. credits_due is the refunded share of the pack; credits_reversed what the ledger took back,
-- less when the company had spent or reserved those credits already (the admin page says why).
CREATE TABLE billing.refunds (
    id                 uuid         PRIMARY KEY,
    stripe_refund_id   varchar(255) NOT NULL UNIQUE,
    purchase_id        uuid         NOT NULL REFERENCES billing.purchases (id),
    company_id         uuid         NOT NULL,
    amount_minor       bigint       NOT NULL CHECK (amount_minor > 0),
    currency           varchar(3)   NOT NULL,
    credits_due        bigint       NOT NULL CHECK (credits_due >= 0),
    credits_reversed   bigint       NOT NULL CHECK (credits_reversed >= 0 AND credits_reversed <= credits_due),
    credit_note_number varchar(20)  NOT NULL UNIQUE,
    reason             varchar(500) NULL,
    refunded_by        uuid         NULL,
    created_at         timestamptz  NOT NULL
);
CREATE INDEX ix_refunds_company_id ON billing.refunds (company_id, created_at DESC);
CREATE INDEX ix_refunds_purchase_id ON billing.refunds (purchase_id);

-- Credit notes have their own series, per year with no gaps, like invoices: the counter is taken in the transaction
-- that records the refund.
CREATE TABLE billing.credit_note_counters (
    year        integer PRIMARY KEY,
    last_number integer NOT NULL
);
