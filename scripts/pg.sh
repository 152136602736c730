#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL server for the tests.
#   scripts/pg.sh start DIR PORT   prints the SQLAlchemy URL
#   scripts/pg.sh stop DIR
# initdb refuses to run as root, so as root the server runs as `postgres`.
set -euo pipefail
cmd=$1 dir=$2 port=${3:-54329}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
# From / : `su postgres` would otherwise complain that it cannot enter the
# caller's folder (often unreadable to postgres, e.g. under /root).
as_pg() { if [ "$(id -u)" -eq 0 ]; then (cd / && su postgres -s /bin/sh -c "$1"); else sh -c "$1"; fi; }
case "$cmd" in
  start)
    rm -rf "$dir"; mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    as_pg "$bin/initdb -D $dir/data -U postgres --auth=trust -E UTF8 >$dir/initdb.log 2>&1"
    as_pg "$bin/pg_ctl -D $dir/data -l $dir/log -o '-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200' -w start >/dev/null"
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    as_pg "$bin/pg_ctl -D $dir/data -m fast -w stop >/dev/null" || true
    ;;
esac
