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
[ -f build/compile_commands.json ] || fieldkit/scripts/build.sh >/dev/null
cc_files=$(echo "$files" | grep '\.cc$' || true)
[ -z "$cc_files" ] || clang-tidy -p build --quiet $cc_files
echo "lint: ok"
