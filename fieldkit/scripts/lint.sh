#!/usr/bin/env bash
# What a developer runs before committing: layering, clang-format, clang-tidy
# on the files changed against origin/main (or all with --all).
set -euo pipefail
cd "$(dirname "$0")/../.."
.ci/check-layering
if [ "${1:-}" = "--all" ]; then
  files=$(git ls-files '*.cc' '*.h')
else
  files=$(git diff --name-only --diff-filter=ACM HEAD -- '*.cc' '*.h'; git ls-files --others --exclude-standard '*.cc' '*.h')
fi
[ -n "$files" ] || { echo "lint: nothing to check"; exit 0; }
clang-format --dry-run --Werror $files
# clang-tidy needs a front end that parses C++23 and libstdc++ 12's
# <expected>: Debian 12's clang-tidy 14 does not (it rejects -std=c++23 and
# crashes with -std=c++2b), so it runs only where a newer one is installed.
tidy_major=$(clang-tidy --version 2>/dev/null | sed -n 's/.*version \([0-9][0-9]*\).*/\1/p' | head -n 1)
if [ "${tidy_major:-0}" -ge 17 ]; then
  [ -f build/compile_commands.json ] || fieldkit/scripts/build.sh >/dev/null
  cc_files=$(echo "$files" | grep '\.cc$' || true)
  [ -z "$cc_files" ] || clang-tidy -p build --quiet $cc_files
else
  echo "lint: clang-tidy skipped: version ${tidy_major:-none} cannot parse this C++23 code (17 or newer needed; see docs/development.md)"
fi
echo "lint: ok"
