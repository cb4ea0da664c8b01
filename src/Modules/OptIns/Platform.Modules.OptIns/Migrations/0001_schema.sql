-- The OptIns module owns this schema; its tables arrive with issue #4.
CREATE SCHEMA IF NOT EXISTS optins;
