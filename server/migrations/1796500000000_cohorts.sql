-- Up Migration

-- Cohorts and enrolment codes (the admin's side: `npm run admin -- codes|cohorts|devices`).
-- A cohort is a study or a team; its study end (exclusive: from that instant on) closes
-- POST /api/v1/events to its devices (403 study_ended); what they sent before stays.
CREATE TABLE cohorts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  study_ends_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Enrolment codes: presented in X-Enrollment-Key, each registers up to max_uses devices into
-- its cohort. Only SHA-256 of the code is kept (80 random bits, as device tokens keep only the
-- hash of theirs); `hint` is its first group, for people to tell codes apart in `codes list`.
-- A registration takes a use and inserts the device in one statement (uses < max_uses is
-- re-checked on the locked row), so racing registrations never pass max_uses.
CREATE TABLE enrollment_codes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code_hash bytea NOT NULL UNIQUE,
  hint text NOT NULL,
  cohort_id bigint NOT NULL REFERENCES cohorts (id),
  max_uses integer NOT NULL CHECK (max_uses > 0),
  uses integer NOT NULL DEFAULT 0 CHECK (uses >= 0 AND uses <= max_uses),
  expires_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX enrollment_codes_cohort_id_idx ON enrollment_codes (cohort_id);

-- A device carries the cohort of the code it registered with (NULL: ENROLLMENT_KEY or open
-- registration). A revoked device's token gets 403 device_revoked on every route.
ALTER TABLE devices
  ADD COLUMN cohort_id bigint REFERENCES cohorts (id),
  ADD COLUMN revoked_at timestamptz;
CREATE INDEX devices_cohort_id_idx ON devices (cohort_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON cohorts, enrollment_codes TO tracksphere_app;

-- Down Migration
DROP INDEX devices_cohort_id_idx;
ALTER TABLE devices DROP COLUMN revoked_at, DROP COLUMN cohort_id;
DROP TABLE enrollment_codes;
DROP TABLE cohorts;
