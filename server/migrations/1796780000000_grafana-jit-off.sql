-- Up Migration

-- The dashboards' sessions compile no query (JIT). A panel query's plan over rollups of 10,000,000
-- visits is estimated above jit_inline_above_cost and jit_optimize_above_cost, though it reads a
-- few hundred thousand rows at most: Top pages over 90 days spent 1.7 s of its 2.7 s compiling
-- 161 functions and 0.25-0.65 s without (bench/dashboards.ts, BENCH_DASHBOARD_VISITS=10000000).
-- A panel runs once per refresh, so the compiled code is never used again. Role settings apply
-- to the sessions that log in as the role (Grafana's datasources); a Grafana editor may still
-- SET jit in a query of their own.
ALTER ROLE grafana_reader SET jit = off;
ALTER ROLE grafana_study_reader SET jit = off;

-- Down Migration
ALTER ROLE grafana_study_reader RESET jit;
ALTER ROLE grafana_reader RESET jit;
