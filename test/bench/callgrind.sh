#!/bin/sh
# Instructions per delivered data segment of the in-memory bulk transfer,
# counted by callgrind inside bench_transfer() only (both stacks, the ACKs,
# checksums and copies included; data generation and setup excluded), and
# split by side from the inclusive counts of the benchmark's per-side
# functions: the sender (side_tx_*: app writes, data segments out, ACKs in)
# and the receiver (side_rx*: data segments in, app reads, ACKs out); the
# rest is the benchmark's own loop.
# Usage: test/bench/callgrind.sh BUILD_DIR [MB] [read|peek|offload]
# (offload: per 1,448 bytes delivered, each super-segment counted as the
# segments it stands for; see bench_tcp.c)
set -eu
build=${1:?build dir}
mb=${2:-16}
mode=${3:-read}
exe="$build/test/bench/bench_tcp"
command -v valgrind >/dev/null || { echo "valgrind not installed"; exit 77; }
out=$(mktemp -d)
valgrind --tool=callgrind "--toggle-collect=bench_transfer*" \
  --callgrind-out-file="$out/cg.out" "$exe" "$mb" "$mode" \
  >"$out/bench.txt" 2>"$out/vg.txt"
segs=$(awk '/^data_segments /{print $2}' "$out/bench.txt")
ir=$(awk '/^summary:/{print $2}' "$out/cg.out")
cat "$out/bench.txt"
echo "instructions $ir"
# Inclusive cost per function: "N (p%)  file:function [object]".
# (Only the function list: the annotated source after it is skipped.)
callgrind_annotate --inclusive=yes --threshold=100 --auto=no "$out/cg.out" \
  2>/dev/null | sed 's/,//g' >"$out/incl.txt"
side() {
  awk -v pat="$1" '$0 ~ pat && $0 ~ /\[/ && $1 ~ /^[0-9]+$/ { s += $1 }
    END { print s + 0 }' "$out/incl.txt"
}
tx=$(side ':side_tx_')
rx=$(side ':side_rx')
awk -v ir="$ir" -v s="$segs" -v tx="$tx" -v rx="$rx" 'BEGIN{
  printf "instructions_per_data_segment %.0f\n", ir/s
  printf "sender_per_data_segment %.0f\n", tx/s
  printf "receiver_per_data_segment %.0f\n", rx/s
  printf "loop_per_data_segment %.0f\n", (ir-tx-rx)/s }'
rm -rf "$out"
