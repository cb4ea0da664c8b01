-- The Privacy module owns this schema; its tables arrive with issue #8.
CREATE SCHEMA IF NOT EXISTS privacy;
