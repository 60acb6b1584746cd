#!/usr/bin/env bash
# serve_sessions.sh - runs the end-to-end server test tests/server/test_sessions.py
# (what it covers is at the top of that file). It prints TAP; the exit
# status is the python's.
cd "$(dirname "$0")/../.." || exit 2
export QUIRE_BUILD=${QUIRE_BUILD:-build}
exec python3 tests/server/test_sessions.py
