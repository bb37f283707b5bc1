#!/usr/bin/env bash
# Runs the whole test suite. With CI=true the PostgreSQL and Redis tests must run (they fail
# instead of skipping when the services are missing).
#
# The whole suite runs as two pytest processes side by side, so that both cores work: the
# browser walks (a server, its worker and chromium, mostly waiting on each other) with the slow
# tests that do not use Redis (workers and servers in subprocesses, PostgreSQL in databases of
# their own), and the rest. The Redis tests stay in one process, since they clear the same
# test database's queues. Each process has its own var folder. Given test paths, one process
# runs them.
set -uo pipefail
cd "$(dirname "$0")/.."
export KIEMCHUNG_TEST_POSTGRES_URL="${KIEMCHUNG_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export KIEMCHUNG_TEST_REDIS_URL="${KIEMCHUNG_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
export KIEMCHUNG_TEST_ARTIFACTS="${KIEMCHUNG_TEST_ARTIFACTS:-$PWD/test-artifacts}"
rm -rf /tmp/kiemchung-test-var /tmp/kiemchung-test-var-browser
mkdir -p "$KIEMCHUNG_TEST_ARTIFACTS"

checked() {
  # pytest's exit code, with "no tests were collected" counted as a failure.
  if [ "$1" = 5 ]; then
    echo "no tests were collected" >&2
    return 1
  fi
  return "$1"
}

paths=0
for arg in "$@"; do
  case "$arg" in -*) ;; *) paths=1 ;; esac
done

if [ "$paths" = 1 ]; then
  .venv/bin/python -m pytest "$@"
  checked $?
  exit $?
fi

lane="browser or (slow and not redis)"
browser_log="$KIEMCHUNG_TEST_ARTIFACTS/browser-tests.log"
KIEMCHUNG_VAR_DIR=/tmp/kiemchung-test-var-browser \
  .venv/bin/python -m pytest -m "$lane" "$@" >"$browser_log" 2>&1 &
browser_pid=$!
KIEMCHUNG_VAR_DIR=/tmp/kiemchung-test-var .venv/bin/python -m pytest -m "not ($lane)" "$@"
checked $?
rest=$?
wait "$browser_pid"
checked $?
browser=$?
echo
echo "=== browser walks and slow tests without Redis (also in $browser_log) ==="
cat "$browser_log"
if [ "$rest" != 0 ] || [ "$browser" != 0 ]; then
  exit 1
fi
exit 0
