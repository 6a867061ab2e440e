#!/bin/bash
# The streaming replica. On its first start (empty data directory) a base backup of the primary:
# pg_basebackup -R writes standby.signal and what to follow (primary_conninfo, and the slot the
# primary made for it in primary-init.sh). Then the image's own entrypoint runs PostgreSQL as a
# hot standby.
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 0700 "$PGDATA"
    PGPASSWORD="$(cat "$REPLICATION_PASSWORD_FILE")"
    export PGPASSWORD
    until gosu postgres pg_basebackup --host "$PRIMARY_HOST" --username replicator \
        --pgdata "$PGDATA" --wal-method stream --write-recovery-conf --checkpoint fast \
        --slot "$REPLICATION_SLOT"; do
        echo "replica: the primary is not ready for a base backup yet; retrying" >&2
        gosu postgres rm -rf "${PGDATA:?}"/*
        sleep 2
    done
    unset PGPASSWORD
fi
exec docker-entrypoint.sh postgres -c hot_standby=on -c hot_standby_feedback=on
