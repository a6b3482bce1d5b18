#!/usr/bin/env bash
# The main job, on one machine: builds Akari, then runs the outage drill
# (fieldkit/scripts/drill.sh, docs/drill.md): a hub and a shelter clinic's
# node, a network outage with patients checked by card, 資格確認書 and
# self-report, and the node reconciling by itself when the network returns.
# Extra options go to drill.sh (e.g. --keep, --no-cards).
set -euo pipefail
cd "$(dirname "$0")/../.."

dir=$(fieldkit/scripts/build.sh --unity | tail -n 1)
exec fieldkit/scripts/drill.sh --bin "$dir/bin" "$@"
