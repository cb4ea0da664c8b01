-- The Campaigns module owns this schema; its tables arrive with issue #5.
CREATE SCHEMA IF NOT EXISTS campaigns;
