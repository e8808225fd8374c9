-- Up Migration

-- The admin's Devices dashboard: per device and UTC day, the events the API rejected (named in
-- its response and never stored, so not in visits) and the records the consumer sent to the
-- dead-letter topic. Prometheus counts both too, but without a device label (that would grow
-- with every install): this table is where a per-device figure lives. Each process adds to its
-- own column with one INSERT ... ON CONFLICT DO UPDATE (data-access/device-pipeline-repo.ts);
-- a row goes with its device (ON DELETE CASCADE: erase, withdrawal, expiry).
CREATE TABLE device_pipeline_days (
  device_id uuid NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  day date NOT NULL,
  rejected bigint NOT NULL DEFAULT 0 CHECK (rejected >= 0),
  dead_lettered bigint NOT NULL DEFAULT 0 CHECK (dead_lettered >= 0),
  PRIMARY KEY (device_id, day)
);
-- The dashboard reads a range of days across devices.
CREATE INDEX device_pipeline_days_day_idx ON device_pipeline_days (day);

-- ON CONFLICT DO UPDATE reads the conflict columns and the column it adds to.
GRANT SELECT (device_id, day, rejected), INSERT (device_id, day, rejected), UPDATE (rejected)
  ON device_pipeline_days TO tracksphere_app;
GRANT SELECT (device_id, day, dead_lettered), INSERT (device_id, day, dead_lettered),
  UPDATE (dead_lettered)
  ON device_pipeline_days TO tracksphere_writer;
GRANT SELECT ON device_pipeline_days TO grafana_reader;
-- The Devices dashboard shows which devices are revoked (a timestamp, no text of a device's).
GRANT SELECT (revoked_at) ON devices TO grafana_reader;

-- Down Migration
REVOKE SELECT (revoked_at) ON devices FROM grafana_reader;
DROP TABLE device_pipeline_days;
