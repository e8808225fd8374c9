-- Run by grant-logins.sh (the db-roles service) after the migrations, as the schema owner.
-- The migrations create tracksphere_app, tracksphere_writer and grafana_reader NOLOGIN and
-- without passwords, so no secret is ever in the repository; the passwords come from psql
-- variables set from .env.

ALTER ROLE tracksphere_app WITH LOGIN PASSWORD :'app_password';
-- The consumer: INSERT into visits and a row lock on devices, nothing more (migration
-- writer-role).
ALTER ROLE tracksphere_writer WITH LOGIN PASSWORD :'writer_password';
ALTER ROLE grafana_reader WITH LOGIN PASSWORD :'grafana_password' CONNECTION LIMIT 20;

-- Grafana only reads: every session of its role is read-only, and a runaway panel query stops.
-- Both are defaults the role can change in its own session (any role may SET them, and a
-- Grafana editor writes the SQL): what holds is that the role has no privilege to write
-- (SELECT only; no temporary tables or large objects: the restrict-database-roles migration),
-- and the db-watchdog service cancels its statements that run past 90 s whatever their
-- statement_timeout (grafana-watchdog.sql).
ALTER ROLE grafana_reader SET default_transaction_read_only = on;
ALTER ROLE grafana_reader SET statement_timeout = '60s';
ALTER ROLE grafana_reader SET idle_in_transaction_session_timeout = '5min';
-- Disk for sorts and hashes that spill, per session: a superuser-only setting, so this one the
-- role cannot lift (PostgreSQL 15 allows SET on it only to superusers or a GRANT SET ON
-- PARAMETER). Its memory (work_mem) is the role's to raise: that is bounded only by the
-- connection limit above and the container's memory.
ALTER ROLE grafana_reader SET temp_file_limit = '2GB';
-- No compiled plans (also migration grafana-jit-off, whose setting a restore into a new cluster
-- does not carry: role settings live outside the database's dump): a panel runs once per
-- refresh, and at study scale compiling took longer than the query.
ALTER ROLE grafana_reader SET jit = off;

-- The Study datasource's role: SELECT on the study_* views only (migration study-views), read-only
-- and time-limited sessions as grafana_reader's. Without GRAFANA_STUDY_DB_PASSWORD it keeps no
-- login (and the Study dashboards show a datasource error).
\if :{?study_password}
ALTER ROLE grafana_study_reader WITH LOGIN PASSWORD :'study_password' CONNECTION LIMIT 10;
\else
ALTER ROLE grafana_study_reader WITH NOLOGIN;
\endif
ALTER ROLE grafana_study_reader SET default_transaction_read_only = on;
ALTER ROLE grafana_study_reader SET statement_timeout = '60s';
ALTER ROLE grafana_study_reader SET idle_in_transaction_session_timeout = '5min';
ALTER ROLE grafana_study_reader SET temp_file_limit = '2GB';
ALTER ROLE grafana_study_reader SET jit = off;
-- The smallest group the Study views show (MIN_GROUP_DEVICES).
UPDATE study_settings SET min_group_devices = :'min_group_devices'::integer;

-- The API checks for pending migrations at start (node-pg-migrate, server/src/runtime/database.ts)
-- and with nothing to apply only reads pgmigrations. It looks the table and its primary key up
-- in information_schema, which shows a constraint only to a role holding some privilege other
-- than SELECT on the table; without one, node-pg-migrate tries to add the key and fails.
-- REFERENCES is the harmless such privilege: the role cannot create tables to use it from.
GRANT SELECT, REFERENCES ON pgmigrations TO tracksphere_app;
