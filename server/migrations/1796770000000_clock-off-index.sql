-- Up Migration

-- Pipeline health's "Visits from clocks off by more than a day" counts the visits received in
-- the range whose device clock was off by more than a day (grafana/src/dashboards/
-- pipeline-health.ts). Through visits_received_cover_idx it read every visit received in the
-- range: 3.0 s over 90 days at 10,000,000 visits, where it found none. Those visits are rare,
-- so a partial index holding only them answers from a handful of entries, and costs the writer
-- one comparison per visit. The predicate must stay the panel's, word for word (86,400,000 ms:
-- SKEW_TOLERANCE_S), or PostgreSQL cannot use the index (test/grafana/clock-off-index.test.ts).
CREATE INDEX visits_clock_off_idx ON visits (received_at)
  INCLUDE (started_at, device_id)
  WHERE abs(clock_skew_ms) > 86400000;

-- Down Migration
DROP INDEX visits_clock_off_idx;
