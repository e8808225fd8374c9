-- Up Migration

-- Devices: one row per extension install. Only a hash of the token is kept.
CREATE TABLE devices (
  id uuid PRIMARY KEY,
  token_hash bytea NOT NULL,
  extension_version text NOT NULL,
  browser_name text NOT NULL,
  browser_version text NOT NULL,
  os text NOT NULL,
  label text,
  user_agent text,
  ua_browser_name text,
  ua_browser_version text,
  ua_engine_name text,
  ua_os_name text,
  ua_os_version text,
  ua_device_type text,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Erased devices: kept so that a later call with the old token is told the
-- device was deleted (403 device_deleted) rather than an unknown token.
CREATE TABLE erased_devices (
  device_id uuid PRIMARY KEY,
  token_hash bytea NOT NULL,
  erased_at timestamptz NOT NULL DEFAULT now()
);

-- Visits, range-partitioned by month on the RAW client started_at: it is part
-- of the primary key, so it must be identical on every resend of an event.
CREATE TABLE visits (
  id uuid NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at timestamptz NOT NULL,
  device_id uuid NOT NULL,
  session_id uuid NOT NULL,
  batch_id uuid NOT NULL,
  url text,
  domain text NOT NULL,
  title text,
  active_ms bigint NOT NULL CHECK (active_ms >= 0),
  transition text,
  started_at_corrected timestamptz NOT NULL,
  ended_at_corrected timestamptz NOT NULL,
  clock_skew_ms bigint NOT NULL,
  received_at timestamptz NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now(),
  browser_name text,
  browser_version text,
  os_name text,
  os_version text,
  device_type text,
  PRIMARY KEY (id, started_at)
) PARTITION BY RANGE (started_at);

-- Catches rows outside every monthly partition (clients with wild clocks);
-- partition maintenance moves them when it creates their month.
CREATE TABLE visits_default PARTITION OF visits DEFAULT;

CREATE INDEX visits_started_at_idx ON visits (started_at);
CREATE INDEX visits_domain_started_at_idx ON visits (domain, started_at);
CREATE INDEX visits_device_started_at_idx ON visits (device_id, started_at);

-- Roles are cluster-wide: tolerate another database of the cluster having
-- made them already (also concurrently).
DO $$
BEGIN
  CREATE ROLE tracksphere_app NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

DO $$
BEGIN
  CREATE ROLE grafana_reader NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

GRANT USAGE ON SCHEMA public TO tracksphere_app, grafana_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON devices, erased_devices, visits TO tracksphere_app;

-- Grafana reads visits and the device columns that are not secrets.
GRANT SELECT ON visits TO grafana_reader;
GRANT SELECT (id, extension_version, browser_name, browser_version, os, label,
              ua_browser_name, ua_browser_version, ua_engine_name, ua_os_name,
              ua_os_version, ua_device_type, created_at)
  ON devices TO grafana_reader;

-- Down Migration
DROP TABLE visits;
DROP TABLE erased_devices;
DROP TABLE devices;
