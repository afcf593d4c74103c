#!/usr/bin/env bash
# A streaming replica of the private PostgreSQL cluster that scripts/devenv.sh runs (docs/deploy.md, "A read
# replica"): `pg_basebackup -R` into a folder next to the primary's, its own Unix socket in that folder, run as
# the same user as the primary (postgres when we are root).
# Usage: scripts/replica.sh start | stop | remove | status | url
#   start   allow local replication connections on the primary (idempotent), copy it once, start the replica
#   stop    stop the replica (its folder stays; `start` starts it again and it catches up)
#   remove  stop it and delete its folder
#   url     the DATABASE_REPLICA_URL of the replica
# The primary is LANDREG_PGHOST (written into .data/env by scripts/devenv.sh) or .data/pg; the replica's folder
# is LANDREG_REPLICA_PGDATA, by default the primary's folder with "-replica" appended.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_BIN=/usr/lib/postgresql/15/bin
PRIMARY="${LANDREG_PGHOST:-$ROOT/.data/pg}"
PRIMARY="${PRIMARY%/}"
REPLICA="${LANDREG_REPLICA_PGDATA:-$PRIMARY-replica}"
REPLICA="${REPLICA%/}"
HBA_LINE="local   replication     all                                     trust"

say() { printf '\033[1m[landreg]\033[0m %s\n' "$*" >&2; }

pg_run() {  # run a PostgreSQL binary as the cluster owner, as scripts/devenv.sh does
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

running() { pg_run "$PG_BIN/pg_ctl" -D "$1" status >/dev/null 2>&1; }

allow_replication() {
  # pg_basebackup and the replica's WAL receiver connect over the primary's socket with the replication keyword.
  # initdb writes this line already; a cluster whose pg_hba.conf lost it gets it back, and the primary reloads.
  local hba="$PRIMARY/pg_hba.conf"
  if ! pg_run grep -Eq '^[[:space:]]*local[[:space:]]+replication[[:space:]]+all[[:space:]]+trust([[:space:]]|$)' "$hba"; then
    say "allowing local replication connections in $hba"
    printf '# landreg: the read replica (scripts/replica.sh)\n%s\n' "$HBA_LINE" | pg_run tee -a "$hba" >/dev/null
    pg_run "$PG_BIN/pg_ctl" -D "$PRIMARY" reload >/dev/null
  fi
}

start() {
  if ! running "$PRIMARY"; then
    echo "the primary in $PRIMARY is not running (scripts/devenv.sh start-db)" >&2
    exit 1
  fi
  allow_replication
  if [ ! -f "$REPLICA/PG_VERSION" ]; then
    say "copying the primary into $REPLICA (pg_basebackup -R)"
    rm -rf "$REPLICA"
    mkdir -p "$REPLICA"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$REPLICA"; fi
    chmod 700 "$REPLICA"
    # A fast checkpoint: the copy starts at once instead of waiting for a spread one.
    pg_run "$PG_BIN/pg_basebackup" -h "$PRIMARY" -U postgres -D "$REPLICA" -R -X stream -c fast
    # The copy has the primary's configuration: the replica listens on its own socket, in its own folder.
    # The primary's log and socket lock file (its socket is in its folder) are not the replica's.
    pg_run rm -f "$REPLICA/server.log" "$REPLICA"/.s.PGSQL.*
    pg_run tee -a "$REPLICA/postgresql.conf" >/dev/null <<CONF
# landreg: the read replica (scripts/replica.sh), a hot standby of $PRIMARY
listen_addresses = ''
unix_socket_directories = '$REPLICA'
hot_standby = on
CONF
  fi
  if ! running "$REPLICA"; then
    say "starting the replica (socket in $REPLICA)"
    pg_run "$PG_BIN/pg_ctl" -D "$REPLICA" -l "$REPLICA/server.log" -w start >/dev/null
  fi
  echo "$REPLICA"
}

stop() {
  if [ -f "$REPLICA/PG_VERSION" ] && running "$REPLICA"; then
    pg_run "$PG_BIN/pg_ctl" -D "$REPLICA" -m fast -w stop >/dev/null
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  remove)
    # Only ever a replica's folder: never the primary's, never one without the standby.signal that -R wrote.
    if [ "$REPLICA" = "$PRIMARY" ] || { [ -e "$REPLICA" ] && [ ! -f "$REPLICA/standby.signal" ]; }; then
      echo "$REPLICA is not a replica's folder; not removing it" >&2
      exit 1
    fi
    stop
    rm -rf "$REPLICA"
    ;;
  status) if running "$REPLICA"; then echo "running in $REPLICA"; else echo "not running"; exit 3; fi ;;
  url) echo "postgres://landreg@/landreg?host=$REPLICA" ;;
  *) echo "usage: $0 start|stop|remove|status|url" >&2; exit 2 ;;
esac
