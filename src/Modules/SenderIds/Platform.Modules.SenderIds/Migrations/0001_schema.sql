-- The SenderIds module owns this schema; its tables arrive with issue #6.
CREATE SCHEMA IF NOT EXISTS senderids;
