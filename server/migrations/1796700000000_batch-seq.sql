-- Up Migration

-- All my browsers (issue 18): each device's watermark ordered by the device's own batch
-- sequence (POST /api/v1/events?seq=N, carried to the writer with the batch), not by the
-- receiving API replica's clock: two replicas whose clocks differ could give a later batch an
-- earlier receivedAt, and a summary would then claim a batch the writer had not applied yet.
-- applied_seq is the greatest seq applied (null: no batch with one yet); batch_id is then the
-- batch at it. applied_through stays the latest receivedAt applied, for the other browsers'
-- lag and for batches sent without a seq (older extensions).
ALTER TABLE device_watermarks ADD COLUMN applied_seq bigint;

-- Down Migration
ALTER TABLE device_watermarks DROP COLUMN applied_seq;
