-- Up Migration

-- All my browsers in Kafka mode (issue 18): the API acknowledges a batch once Kafka has it, and
-- the consumer writes it later. Per device, the receivedAt of the latest batch the writer has
-- applied (and its batchId), kept in the transaction that inserts the batch's visits, so a
-- summary read in one snapshot with it tells the extension which of its acknowledged visits the
-- figures already hold (data-access/visits-repo.ts, domain/summary.ts). A batch that inserts
-- nothing (a resend) moves it too: its visits are in. A row goes with its device (an erase).
CREATE TABLE device_watermarks (
  device_id uuid PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
  applied_through timestamptz NOT NULL,
  batch_id uuid NOT NULL
);

GRANT SELECT, INSERT, UPDATE, DELETE ON device_watermarks TO tracksphere_app;
-- The consumer's writes move it, as the writer (INSERT ... ON CONFLICT DO UPDATE reads the row).
GRANT SELECT, INSERT, UPDATE ON device_watermarks TO tracksphere_writer;

-- Down Migration
DROP TABLE device_watermarks;
