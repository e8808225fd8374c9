-- Up Migration

-- The summary's change log (migration summary-changes) is pruned by retention
-- (data-access/summary-changes-repo.ts, pruneSummaryChanges): the rows of UTC days before the
-- retention cutoff and those of erased devices go. An erased device is unlinked, so every cursor
-- that counted it names other devices than its person's now and gets the whole range; but a
-- cursor read before a prune may cover the pruned days, and the changes they record (retention
-- taking their visits out, most of all) are gone with their rows. This row says which: the UTC
-- days before `before` were pruned by the transaction `xid`, and a cursor that does not see it
-- is told every local day that touches them changed (they come whole, with few rows if any).
-- One row is enough, as for summary_changes: the prunes update it, so the last to commit has it,
-- and `before` only grows.
CREATE TABLE summary_changes_pruned (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  before date NOT NULL,
  xid xid8 NOT NULL
);

GRANT SELECT, INSERT, UPDATE ON summary_changes_pruned TO tracksphere_app;

-- Down Migration
DROP TABLE summary_changes_pruned;
