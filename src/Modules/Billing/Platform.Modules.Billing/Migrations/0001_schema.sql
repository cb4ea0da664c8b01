-- The Billing module owns this schema; its tables arrive with issue #7.
CREATE SCHEMA IF NOT EXISTS billing;
