#!/bin/bash
# The primary's first start (the postgres image runs /docker-entrypoint-initdb.d/*.sh once, on an
# empty data directory): a role for streaming replication, the replica's replication slot (the
# primary keeps the WAL the replica has not received yet, at most max_slot_wal_keep_size), and
# the pg_hba line that lets the replica connect (the image's own lines do not cover replication).
set -euo pipefail
password="$(cat "$REPLICATION_PASSWORD_FILE")"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    --set=password="$password" --set=slot="$REPLICATION_SLOT" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SELECT pg_create_physical_replication_slot(:'slot');
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
