#!/bin/sh
# lib/ and include/ must match .clang-format. Usage: format.sh SOURCE_ROOT
set -u
root=${1:?source root}
command -v clang-format >/dev/null 2>&1 || {
  echo "SKIP: clang-format not installed"; exit 77; }
cd "$root" || exit 1
clang-format --dry-run -Werror lib/*.c lib/*.h include/mptcp/*.h || {
  echo "run: clang-format -i lib/*.c lib/*.h include/mptcp/*.h"; exit 1; }
echo "lib/ and include/ match .clang-format"
