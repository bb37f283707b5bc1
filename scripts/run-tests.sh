#!/usr/bin/env bash
# Runs the whole test suite. With CI=true the PostgreSQL and Redis tests must run (they fail
# instead of skipping when the services are missing).
set -uo pipefail
cd "$(dirname "$0")/.."
export KIEMCHUNG_TEST_POSTGRES_URL="${KIEMCHUNG_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export KIEMCHUNG_TEST_REDIS_URL="${KIEMCHUNG_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
export KIEMCHUNG_TEST_ARTIFACTS="${KIEMCHUNG_TEST_ARTIFACTS:-$PWD/test-artifacts}"
rm -rf /tmp/kiemchung-test-var
mkdir -p "$KIEMCHUNG_TEST_ARTIFACTS"
.venv/bin/python -m pytest "$@"
status=$?
if [ "$status" = 5 ]; then
  echo "no tests were collected" >&2
  exit 1
fi
exit "$status"
