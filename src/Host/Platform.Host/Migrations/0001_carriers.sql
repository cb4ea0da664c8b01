-- The host's own tables (schema platform): carrier instances and routes, edited on the admin Carriers page.
CREATE SCHEMA IF NOT EXISTS platform;

CREATE TABLE platform.carrier_instances (
    name           varchar(40)  PRIMARY KEY,
    kind           varchar(40)  NOT NULL,
    enabled        boolean      NOT NULL DEFAULT true,
    max_per_second integer      NOT NULL DEFAULT 0 CHECK (max_per_second >= 0),
    max_in_flight  integer      NOT NULL DEFAULT 0 CHECK (max_in_flight >= 0),
    settings       jsonb        NOT NULL DEFAULT '{}'::jsonb,
    updated_at     timestamptz  NOT NULL DEFAULT now()
);

CREATE TABLE platform.carrier_routes (
    id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    prefix   varchar(16) NOT NULL,
    instance varchar(40) NOT NULL REFERENCES platform.carrier_instances (name) ON DELETE CASCADE,
    priority integer     NOT NULL DEFAULT 100,
    UNIQUE (prefix, instance)
);

-- Bumped on every change; each node polls it and restarts its carriers when it moves.
CREATE TABLE platform.carrier_configuration (
    id       boolean PRIMARY KEY DEFAULT true CHECK (id),
    version  bigint  NOT NULL DEFAULT 0,
    seeded   boolean NOT NULL DEFAULT false
);
INSERT INTO platform.carrier_configuration (id) VALUES (true);
