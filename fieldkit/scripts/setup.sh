#!/usr/bin/env bash
# Installs every Debian 12 package Akari needs to build, test and run its
# demo. Idempotent and non-interactive: apt-get update runs once, and only
# when something is missing. Services the packages would start (pcscd, nginx)
# are kept stopped: tests start their own on loopback.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git clang-format clang-tidy lld
  # libraries (the project's fixed dependencies)
  libsqlcipher-dev libsodium-dev libboost-dev nlohmann-json3-dev libpcsclite-dev
  libgtest-dev libgmock-dev googletest
  # libraries that serve clearly: X.509/RSA, compression, CLI parsing, benchmarks
  libssl-dev libzstd-dev libcli11-dev libbenchmark-dev
  # a real PC/SC stack with a virtual reader, and OpenSC to cross-check the virtual card
  pcscd vsmartcard-vpcd opensc
  # a static web server for publication tests, a browser for UI tests
  nginx-light chromium
  # Japanese glyphs for the browser tests' screenshots and printed PDFs (3.5 MB)
  fonts-ipafont-gothic
  # a FAT file system (a USB stick) mounted through FUSE, for the tests of writing backups to one
  dosfstools fusefat
  # tools the scripts use
  curl ca-certificates procps psmisc
  # the outage drill (drill.sh): JSON, the generated region's zstd files, loopback up in its private network
  jq zstd iproute2
)

# Node.js runs only the browser tests' driver (playwright-core). Machines that
# already have a Node.js with npm (e.g. from NodeSource, whose package
# conflicts with Debian's npm) keep theirs.
if ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(nodejs npm)
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup.sh: run as root or install sudo" >&2; exit 1; }
  SUDO="sudo"
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup.sh: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

echo "setup.sh: installing ${missing[*]}"
# Keep package scripts from starting daemons (nginx would bind port 80 on
# every interface); policy-rc.d exit 101 means "action forbidden".
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  created_policy=1
fi
cleanup() { if [ "$created_policy" = 1 ]; then $SUDO rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "setup.sh: done"
