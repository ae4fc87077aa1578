#!/bin/sh
# Instructions per delivered data segment of the in-memory bulk transfer,
# counted by callgrind inside bench_transfer() only (both stacks, the ACKs,
# checksums and copies included; data generation and setup excluded).
# Usage: test/bench/callgrind.sh BUILD_DIR [MB]
set -eu
build=${1:?build dir}
mb=${2:-16}
exe="$build/test/bench/bench_tcp"
command -v valgrind >/dev/null || { echo "valgrind not installed"; exit 77; }
out=$(mktemp -d)
valgrind --tool=callgrind "--toggle-collect=bench_transfer*" \
  --callgrind-out-file="$out/cg.out" "$exe" "$mb" >"$out/bench.txt" 2>"$out/vg.txt"
segs=$(awk '/^data_segments /{print $2}' "$out/bench.txt")
ir=$(awk '/^summary:/{print $2}' "$out/cg.out")
cat "$out/bench.txt"
echo "instructions $ir"
awk -v ir="$ir" -v s="$segs" 'BEGIN{printf "instructions_per_data_segment %.0f\n", ir/s}'
rm -rf "$out"
