#!/usr/bin/env bash
# Builds Akari and runs every test. Usage: test.sh [--sanitize]
# Tests that need pcscd, a hub, nginx or a browser start and stop their own,
# on loopback only.
set -euo pipefail
cd "$(dirname "$0")/../.."

.ci/check-layering
# The tests' files (stores, regions, hubs) live in memory when /dev/shm is
# a tmpfs with room: the sanitizer tests ran 285 s instead of 302 s, the
# release tests 100 s instead of 110 s (docs/development.md). What they check
# does not depend on the disk: syncs are counted by a VFS shim, a full disk
# is a tmpfs of its own, and crashes are killed processes, not power cuts.
if [ -z "${AKARI_TEST_TMPDIR:-}" ] && [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] &&
   [ "$(($(stat -f -c '%a * %S' /dev/shm)))" -gt $((4 << 30)) ]; then
  AKARI_TEST_TMPDIR=$(mktemp -d /dev/shm/akari-tests-XXXXXX)
  trap 'rm -rf "$AKARI_TEST_TMPDIR"' EXIT
fi
if [ -n "${AKARI_TEST_TMPDIR:-}" ]; then
  if [ ! -d "$AKARI_TEST_TMPDIR" ] || [ ! -w "$AKARI_TEST_TMPDIR" ]; then
    echo "test.sh: AKARI_TEST_TMPDIR=$AKARI_TEST_TMPDIR is not a writable directory; create it, or unset AKARI_TEST_TMPDIR" >&2
    exit 2
  fi
  export TMPDIR=$AKARI_TEST_TMPDIR
fi
# A unity build keeps CI's two builds from scratch within its time budget
# (docs/development.md). build.sh without --unity is the per-file build.
start=$SECONDS
dir=$(fieldkit/scripts/build.sh --unity "$@" | tail -n 1)
built=$SECONDS
if [ "${1:-}" = "--sanitize" ]; then
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
status=0
ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" --timeout 600 || status=$?
# Where CI's time went (its budget: docs/development.md).
echo "test.sh: $dir: build $((built - start)) s, tests $((SECONDS - built)) s"
exit "$status"
