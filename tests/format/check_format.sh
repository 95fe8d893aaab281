#!/bin/sh
# Every C++ file of the project is formatted as .clang-format says (CI runs this
# through ctest). To fix: clang-format -i $(git ls-files '*.cpp' '*.h').
# Usage: check_format.sh SOURCE_DIR
set -eu
cd "$1"
format=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$format" ]; then
  echo "skipped: clang-format is not installed (scripts/install-deps.sh installs it)"
  exit 77
fi
if git rev-parse --git-dir >/dev/null 2>&1; then
  files=$(git ls-files '*.cpp' '*.h')
else
  files=$(find benchmarks orchestrator protocol tests worker -name '*.cpp' -o -name '*.h')
fi
# --Werror: a file that would change is an error, and clang-format names each line.
"$format" --style=file --dry-run --Werror $files
echo "formatted: $(echo "$files" | wc -w) files"
