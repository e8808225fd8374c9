-- Up Migration

-- Retention judges a visit by its corrected start (started_at_corrected), as
-- acceptance does, while visits is partitioned on the raw client started_at.
-- A visit whose skew is within a day has both within a day of each other, so
-- a month's raw range bounds its corrected times; the few whose device clock
-- was off by more are found through this small index (partitions.ts). The
-- predicate's text must stay the one partitions.ts queries with.
CREATE INDEX visits_skewed_corrected_idx ON visits (started_at_corrected)
  WHERE clock_skew_ms > 86400000 OR clock_skew_ms < -86400000;

-- Down Migration
DROP INDEX visits_skewed_corrected_idx;
