#!/bin/sh
# SPDX-License-Identifier: MIT
# mpcat's command line: unknown scheduler / congestion-control / path-manager
# names are refused with the list of valid ones (exit 2), valid ones are
# accepted; so are buffer sizes and --dsn64.
# Usage: mpcat-cli.sh MPCAT_EXE
set -u
M=${1:?usage: mpcat-cli.sh MPCAT_EXE}
fail=0
expect() { # expect STATUS PATTERN ARGS...
  want=$1 pat=$2
  shift 2
  out=$("$M" "$@" 2>&1 </dev/null)
  st=$?
  if [ "$st" != "$want" ] || ! printf '%s' "$out" | grep -q -- "$pat"; then
    echo "FAIL: mpcat $*: status $st (want $want), output: $out"
    fail=1
  else
    echo "ok: mpcat $* -> $st"
  fi
}
expect 2 'unknown --cc "foo" (one of: reno, lia, olia, balia)' --cc foo -l 5000
expect 2 'unknown --sched "bar" (one of: minrtt, rr, redundant, blest, ecf)' \
  --sched bar -l 5000
expect 2 'unknown --pm "mesh" (one of: none, join-announced, fullmesh)' \
  --pm mesh -l 5000
# Valid names get past option parsing: the next complaint is the missing -t.
expect 2 "no TUN device" --cc olia --sched blest -l 5000
for pm in none join-announced fullmesh; do
  expect 2 "no TUN device" --pm $pm -l 5000
done
expect 2 'bad --sndbuf "1K"' --sndbuf 1K -l 5000
expect 2 'bad --rcvbuf "2G"' --rcvbuf 2G -l 5000
expect 2 'bad --sndbuf "17592186044416M"' --sndbuf 17592186044416M -l 5000
expect 2 'bad --rcvbuf "4Mx"' --rcvbuf 4Mx -l 5000
expect 2 "no TUN device" --sndbuf 8M --rcvbuf 65536 -l 5000
expect 2 "no TUN device" --dsn64 --checksum -l 5000
exit $fail
