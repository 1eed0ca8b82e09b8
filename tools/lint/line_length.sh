#!/bin/bash
# Every C++ line over the 120 columns of .clang-format is one the formatter cannot shorten (a long
# string literal): for each source file with such lines, clang-format-14 is run on those lines only and
# must leave the file unchanged. Usage: line_length.sh SOURCE_DIR [CLANG_FORMAT]
set -euo pipefail
root=$1
clang_format=${2:-clang-format-14}
command -v "$clang_format" >/dev/null || { echo "$clang_format not found: run scripts/install-deps.sh" >&2; exit 1; }
cd "$root"
bad=0
while IFS= read -r -d '' f; do
  lines=$(awk 'length > 120 {printf " --lines=%d:%d", NR, NR}' "$f")
  [ -z "$lines" ] && continue
  # shellcheck disable=SC2086  # one --lines flag per long line
  if ! "$clang_format" --style=file $lines "$f" | cmp -s - "$f"; then
    awk -v f="$f" 'length > 120 {printf "%s:%d: %d columns\n", f, NR, length}' "$f"
    bad=1
  fi
done < <(find . \( -name build -o -name 'build-*' -o -name node_modules -o -name testdata -o -name '.*' ! -name . \) -prune \
           -o -type f \( -name '*.cc' -o -name '*.h' \) -print0)
if [ "$bad" -ne 0 ]; then
  echo "lines over 120 columns that clang-format would wrap: run clang-format-14 -i on them (docs/development.md)" >&2
  exit 1
fi
