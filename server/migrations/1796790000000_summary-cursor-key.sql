-- Up Migration

-- The key that seals the summary's cursors (domain/summary-cursor.ts, AES-256-GCM). A cursor
-- holds the reader's snapshot: PostgreSQL's transaction ids, whose progress between two answers
-- tells how much the whole server wrote (on a small server, how active the other devices were).
-- Sealed, a device can neither read it nor make one up. Kept in the database so that every API
-- process seals and opens with the same key, across restarts and restores. 32 bytes from two
-- random UUIDs (pg_strong_random: 244 random bits).
CREATE TABLE summary_cursor_key (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  key bytea NOT NULL CHECK (octet_length(key) = 32)
);

INSERT INTO summary_cursor_key (key)
  VALUES (decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));

GRANT SELECT ON summary_cursor_key TO tracksphere_app;

-- Down Migration
DROP TABLE summary_cursor_key;
