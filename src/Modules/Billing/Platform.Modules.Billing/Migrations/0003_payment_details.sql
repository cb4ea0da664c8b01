-- What Stripe returns with a paid Checkout Session, stored on the purchase and shown on its invoice: the card's
-- brand, last four digits and expiry (never its number), and the billing contact who paid (name, email, billing
-- address as Stripe's customer_details carries them), who may not be one of the company's users.
ALTER TABLE billing.purchases
    ADD COLUMN card_brand                  varchar(20)  NULL,
    ADD COLUMN card_last4                  varchar(4)   NULL CHECK (card_last4 ~ '^[0-9]{4}$'),
    ADD COLUMN card_exp_month              smallint     NULL CHECK (card_exp_month BETWEEN 1 AND 12),
    ADD COLUMN card_exp_year               smallint     NULL,
    ADD COLUMN billing_name                varchar(200) NULL,
    ADD COLUMN billing_email               varchar(320) NULL,
    ADD COLUMN billing_address_line1       varchar(200) NULL,
    ADD COLUMN billing_address_line2       varchar(200) NULL,
    ADD COLUMN billing_address_city        varchar(100) NULL,
    ADD COLUMN billing_address_postal_code varchar(20)  NULL,
    ADD COLUMN billing_address_state       varchar(100) NULL,
    ADD COLUMN billing_address_country     varchar(2)   NULL;
