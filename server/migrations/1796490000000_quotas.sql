-- Up Migration

-- Storage quotas (Hardening II, item 7). Rate limits count requests, not rows: these count what
-- a device stores and how many devices may register.

-- What each device stored per UTC day: the API reserves a batch's accepted rows and bytes here
-- (one INSERT ... ON CONFLICT DO UPDATE ... RETURNING) before delivering it, and refuses the
-- batch (429 quota_exceeded) when the reservation would pass QUOTA_ROWS_PER_DEVICE_DAY or
-- QUOTA_BYTES_PER_DEVICE_DAY. The rows go with their device (ON DELETE CASCADE: an erase, or
-- the expiry of a device that never sent anything); the hourly maintenance deletes old days.
CREATE TABLE device_usage (
  device_id uuid NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  day date NOT NULL,
  rows bigint NOT NULL CHECK (rows >= 0),
  bytes bigint NOT NULL CHECK (bytes >= 0),
  PRIMARY KEY (device_id, day)
);
CREATE INDEX device_usage_day_idx ON device_usage (day);

-- Registrations per enrollment: 'key' (the server-wide ENROLLMENT_KEY) or 'open' (open
-- registration). One row each, counted in the same statement that inserts the device, so
-- REGISTRATIONS_PER_DAY and REGISTRATIONS_TOTAL hold under concurrent registrations.
CREATE TABLE enrollment_usage (
  enrollment text PRIMARY KEY,
  -- The UTC day `today` counts.
  day date NOT NULL,
  today integer NOT NULL CHECK (today >= 0),
  total bigint NOT NULL CHECK (total >= 0)
);

-- The hourly expiry of devices that never sent anything looks for the oldest registrations.
CREATE INDEX devices_created_at_idx ON devices (created_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON device_usage, enrollment_usage TO tracksphere_app;

-- Down Migration
DROP INDEX devices_created_at_idx;
DROP TABLE enrollment_usage;
DROP TABLE device_usage;
