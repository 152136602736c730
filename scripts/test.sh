#!/usr/bin/env bash
# The whole check: lint, layering, then pytest with PostgreSQL and a Secret Service running.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

echo "== ruff"  # two commands, so `set -e` stops on either (an && chain would not)
$BIN/ruff check clientnest_cli tests benchmarks
$BIN/ruff format --check --quiet clientnest_cli tests benchmarks
echo "== import-linter"; $BIN/lint-imports

PG_DIR=$(mktemp -d /tmp/clientnest-pg.XXXXXX)
PG_PORT=${CLIENTNEST_TEST_PG_PORT:-54329}
trap './scripts/pg.sh stop "$PG_DIR"; rm -rf "$PG_DIR"' EXIT
export CLIENTNEST_TEST_PG_URL=$(./scripts/pg.sh start "$PG_DIR" "$PG_PORT")
echo "== PostgreSQL at 127.0.0.1:$PG_PORT"

# One pytest worker per core, at most 4 (each test makes its own PostgreSQL
# database; more workers would crowd the server and the slow suites' daemons).
# CLIENTNEST_TEST_WORKERS=1 runs everything in one process.
WORKERS=${CLIENTNEST_TEST_WORKERS:-$(nproc)}
[ "$WORKERS" -gt 4 ] && WORKERS=4
if [ "$WORKERS" -gt 1 ]; then PARALLEL="-n $WORKERS --dist loadgroup"; else PARALLEL="-p no:xdist"; fi
export PARALLEL

# A private session bus with an unlocked gnome-keyring: the real Secret Service.
export HOME=${HOME:-/root}; mkdir -p "$HOME"
echo "== pytest (SQLite, PostgreSQL, Secret Service)"
# The keyring files go to a fresh folder, so a keyring left by an earlier run
# (with another password) cannot refuse to unlock.
export XDG_DATA_HOME=$(mktemp -d /tmp/clientnest-keyring.XXXXXX)
trap './scripts/pg.sh stop "$PG_DIR"; rm -rf "$PG_DIR" "$XDG_DATA_HOME"' EXIT
# As root, dbus-daemon tries to raise its fd limit to 65536 and, in a container
# that forbids it, prints an AccessDenied line: harmless, so it is filtered out.
dbus-run-session -- sh -c '
  echo clientnest-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
  export CLIENTNEST_TEST_KEYRING=1
  exec .venv/bin/pytest -q -p no:cacheprovider $PARALLEL "$@"
' sh "$@" 2> >(grep -v --line-buffered 'Failed to set fd limit' >&2)
