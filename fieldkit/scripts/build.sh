#!/usr/bin/env bash
# Configures and builds Akari; prints the build directory last, on stdout.
# Usage: build.sh [--sanitize] [--unity]
#   default:     build/       (RelWithDebInfo, every source file compiled on its own)
#   --sanitize:  build-asan/  (AddressSanitizer + UndefinedBehaviorSanitizer at -Og;
#                always a unity build)
#   --unity:     a unity build (each target's sources as one translation
#                unit): about half the time from scratch; test.sh and
#                demo.sh use it.
#                docs/development.md says what each kind of build checks.
set -euo pipefail
cd "$(dirname "$0")/../.."

dir=build
sanitize=0
unity=OFF
for arg in "$@"; do
  case "$arg" in
    --sanitize) sanitize=1 ;;
    --unity) unity=ON ;;
    *) echo "build.sh: unknown option $arg (usage: build.sh [--sanitize] [--unity])" >&2; exit 2 ;;
  esac
done
flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "$sanitize" = 1 ]; then
  dir=build-asan
  unity=ON
  flags=(-DCMAKE_BUILD_TYPE=Debug -DAKARI_SANITIZE=ON -DAKARI_BENCHMARKS=OFF)
fi
# Always said, so that a directory configured one way is switched back.
flags+=("-DCMAKE_UNITY_BUILD=$unity" -DCMAKE_UNITY_BUILD_BATCH_SIZE=0)
# Progress and compiler messages go to stderr, so that a caller that takes the
# directory from stdout (test.sh, demo.sh) still shows why a build failed.
cmake -S . -B "$dir" -G Ninja "${flags[@]}" >/dev/null
cmake --build "$dir" -j "$(nproc)" >&2
echo "$dir"
