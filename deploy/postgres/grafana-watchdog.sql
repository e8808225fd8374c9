-- Stops what grafana_reader's own settings do not (grafana-watchdog.sh runs this every few
-- seconds). The role's statement_timeout and idle_in_transaction_session_timeout are defaults
-- any session may lift with SET: this holds whatever the session did. psql variables:
--   max_statement         cancel a statement running longer than this (an interval)
--   max_idle_transaction  end a session idle inside a transaction longer than this (holding a
--                         snapshot, which keeps VACUUM from cleaning up behind it)
-- Prints one line per session stopped. Needs a superuser (or pg_signal_backend and
-- pg_read_all_stats): the compose service runs it as the schema owner.
-- The sessions are picked first (MATERIALIZED), so the cancel and terminate calls run on
-- exactly those, whatever order the planner would evaluate conditions in.
WITH runaway AS MATERIALIZED (
  SELECT pid, now() - query_start AS running
    FROM pg_stat_activity
   WHERE usename = 'grafana_reader'
     AND state = 'active'
     AND now() - query_start > :'max_statement'::interval
), stalled AS MATERIALIZED (
  SELECT pid, now() - state_change AS idle
    FROM pg_stat_activity
   WHERE usename = 'grafana_reader'
     AND state IN ('idle in transaction', 'idle in transaction (aborted)')
     AND now() - state_change > :'max_idle_transaction'::interval
)
SELECT format('canceled the statement of grafana_reader pid %s after %s', pid, running)
  FROM runaway
 WHERE pg_cancel_backend(pid)
UNION ALL
SELECT format('ended grafana_reader pid %s, idle in a transaction for %s', pid, idle)
  FROM stalled
 WHERE pg_terminate_backend(pid);
