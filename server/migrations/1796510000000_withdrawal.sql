-- Up Migration

-- Withdrawal secrets: at registration the server hands each device, besides its token, a second
-- random secret that can do one thing only: erase that device (POST /api/v1/withdraw, reached
-- from the page GET /withdraw that the extension opens on uninstall or "leave the study").
-- Only SHA-256 of the secret is kept (256 random bits, as device tokens keep only the hash of
-- theirs). No foreign key to devices: the row outlives the device's erasure, so that the right
-- secret presented again is told "already erased" rather than "wrong secret"; it holds nothing
-- about the person (as the tombstones in erased_devices).
CREATE TABLE withdrawal_secrets (
  device_id uuid PRIMARY KEY,
  secret_hash bytea NOT NULL CHECK (octet_length(secret_hash) = 32),
  created_at timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT, DELETE ON withdrawal_secrets TO tracksphere_app;

-- Down Migration
DROP TABLE withdrawal_secrets;
