#!/usr/bin/env bash
# The main job, on one machine: builds Akari, creates a node, unlocks it and
# prints its status. (Later: hub, sync, virtual card and an outage drill.)
set -euo pipefail
cd "$(dirname "$0")/../.."

dir=$(fieldkit/scripts/build.sh | tail -n 1)
akari="$PWD/$dir/bin/akari"
work=$(mktemp -d -t akari-demo-XXXXXX)
trap 'rm -rf "$work"' EXIT

# A demo passphrase and a fast key-derivation setting: real nodes use a
# passphrase of their own and the default (about 0.5 s to unlock).
export AKARI_PASSPHRASE="demo passphrase, not for real use"
echo "== akari init"
"$akari" init --data "$work/node" --kdf-ms 100
echo
echo "== akari status"
AKARI_PASSPHRASE="demo passphrase, not for real use" "$akari" status --data "$work/node"
