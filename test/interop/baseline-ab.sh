#!/bin/bash
# SPDX-License-Identifier: MIT
#
# A/B goodput through tbf (topology B): mptcp-kernel.sh --baseline-tbf for
# each mpcat given and for the kernel against itself, interleaved in
# ROUNDS rounds (a shared machine's load drifts: every peer sees the same
# drift), then one table of medians over all runs with each peer's ratio
# to the kernel. The load average is logged before every peer's turn.
#
#   sudo test/interop/baseline-ab.sh OUTDIR MPCAT [MPCAT...]
#   AB_ROUNDS=2 MPTCP_BASELINE_RUNS=3 MPTCP_BASELINE_MB=48 sudo -E ...
#
# An MPCAT may be a wrapper script that adds options (mpcat --sndbuf ...).
# Per peer and round: OUTDIR/rROUND-NAME/ (mptcp-kernel.sh's files) and
# OUTDIR/rROUND-NAME.log. Exit: 0, 1 if a run failed, 77 skipped.
set -u
OUT=${1:?usage: baseline-ab.sh OUTDIR MPCAT [MPCAT...]}
shift
[ $# -ge 1 ] || {
  echo "usage: baseline-ab.sh OUTDIR MPCAT [MPCAT...]"
  exit 2
}
HERE=$(cd "$(dirname "$0")" && pwd)
ROUNDS=${AB_ROUNDS:-1}
case $ROUNDS in '' | *[!0-9]* | 0)
  echo "AB_ROUNDS must be a positive integer"
  exit 2
  ;;
esac
mkdir -p "$OUT" || exit 1
rc=0
for r in $(seq "$ROUNDS"); do
  i=0
  for peer in kernel "$@"; do
    i=$((i + 1))
    name=$i-$(basename "$peer")
    echo "round $r, $peer: $(uptime)"
    if [ "$peer" = kernel ]; then
      MPTCP_INTEROP_PEER=kernel "$HERE/mptcp-kernel.sh" --baseline-tbf none \
        "$OUT/r$r-$name" >"$OUT/r$r-$name.log" 2>&1
    else
      MPTCP_INTEROP_PEER=mpcat "$HERE/mptcp-kernel.sh" --baseline-tbf \
        "$peer" "$OUT/r$r-$name" >"$OUT/r$r-$name.log" 2>&1
    fi
    st=$?
    [ $st = 77 ] && {
      cat "$OUT/r$r-$name.log"
      exit 77
    }
    [ $st = 0 ] || {
      echo "  $peer: exit status $st (see $OUT/r$r-$name.log)"
      rc=1
    }
    grep '^BASELINE' "$OUT/r$r-$name.log" | sed 's/^/  /'
  done
done
echo "after: $(uptime)"
# The table: every run's goodput, per peer, paths and direction.
/usr/bin/python3 - "$OUT" "$ROUNDS" kernel "$@" <<'EOF'
import os, re, statistics, sys
out, rounds, peers = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
runs = {}
pat = re.compile(r"^\s+(\S+) Mbit/s (\S+) run \d+: ([0-9.]+) Mbit/s")
for r in range(1, rounds + 1):
    for i, peer in enumerate(peers, 1):
        log = os.path.join(out, f"r{r}-{i}-{os.path.basename(peer)}.log")
        if not os.path.exists(log):
            continue
        for line in open(log):
            m = pat.match(line)
            if m:
                runs.setdefault((m[1], m[2], i), []).append(float(m[3]))
cols = [f"{os.path.basename(p)}" for p in peers]
print("| paths | direction | " + " | ".join(cols) + " | " +
      " | ".join(f"{c} / kernel" for c in cols[1:]) + " |")
print("|---" * (2 + 2 * len(cols) - 1) + "|")
keys = sorted({(k[0], k[1]) for k in runs}, key=lambda k: (k[0] != "100+100", k))
for rates, d in keys:
    med = [statistics.median(runs[(rates, d, i)]) if (rates, d, i) in runs
           else None for i in range(1, len(peers) + 1)]
    n = [len(runs.get((rates, d, i), [])) for i in range(1, len(peers) + 1)]
    cells = [f"{m:.1f} ({k})" if m is not None else "-" for m, k in zip(med, n)]
    ratios = [f"{m / med[0]:.2f}" if m is not None and med[0] else "-"
              for m in med[1:]]
    dname = d.replace("peer", "mpcat")
    print(f"| {rates} Mbit/s | {dname} | " + " | ".join(cells) + " | " +
          " | ".join(ratios) + " |")
print("(medians in Mbit/s over all runs, their number in brackets; the"
      " kernel column is kernel <-> kernel)")
EOF
exit $rc
