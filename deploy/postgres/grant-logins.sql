-- Run by grant-logins.sh (the db-roles service) after the migrations, as the schema owner.
-- The migrations create tracksphere_app and grafana_reader NOLOGIN and without passwords, so
-- no secret is ever in the repository; the passwords come from psql variables set from .env.

ALTER ROLE tracksphere_app WITH LOGIN PASSWORD :'app_password';
ALTER ROLE grafana_reader WITH LOGIN PASSWORD :'grafana_password' CONNECTION LIMIT 20;

-- Grafana only reads: every session of its role is read-only, and a runaway panel query stops.
ALTER ROLE grafana_reader SET default_transaction_read_only = on;
ALTER ROLE grafana_reader SET statement_timeout = '60s';

-- The API checks for pending migrations at start (node-pg-migrate, server/src/runtime/database.ts)
-- and with nothing to apply only reads pgmigrations. It looks the table and its primary key up
-- in information_schema, which shows a constraint only to a role holding some privilege other
-- than SELECT on the table; without one, node-pg-migrate tries to add the key and fails.
-- REFERENCES is the harmless such privilege: the role cannot create tables to use it from.
GRANT SELECT, REFERENCES ON pgmigrations TO tracksphere_app;
