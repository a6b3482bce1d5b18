#!/usr/bin/env bash
# Configures and builds Akari. Usage: build.sh [--sanitize]
#   default:     build/       (RelWithDebInfo)
#   --sanitize:  build-asan/  (AddressSanitizer + UndefinedBehaviorSanitizer,
#                unity build: docs/development.md says why)
set -euo pipefail
cd "$(dirname "$0")/../.."

dir=build
flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  flags=(-DCMAKE_BUILD_TYPE=Debug -DAKARI_SANITIZE=ON -DAKARI_BENCHMARKS=OFF -DCMAKE_UNITY_BUILD=ON
    -DCMAKE_UNITY_BUILD_BATCH_SIZE=8)
fi
cmake -S . -B "$dir" -G Ninja "${flags[@]}" >/dev/null
cmake --build "$dir" -j "$(nproc)"
echo "$dir"
