# SPDX-License-Identifier: MIT
#
# Shared by the standalone interop scripts (datafin-lost.sh,
# dretx-kernel.sh), sourced: python3, the skip/fail exits, the checks that
# decide whether the test can run at all, and the verdict helper.

PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || echo python3)
FAIL=0

skip() { echo "SKIP: $*"; exit 77; }
die() { echo "FAIL: $*"; exit 1; }
# A failed check that lets the others run too (the exit comes at the end).
bad() { echo "FAIL: $*"; FAIL=1; }

# interop_require MPCAT TOOL...: mpcat is there (else a failure); root and
# the tools (else a skip).
interop_require() {
  [ -x "$1" ] || die "mpcat executable $1 not found"
  [ "$(id -u)" = 0 ] || skip "needs root"
  shift
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null || skip "$t is not installed"
  done
}

# capture_fields PCAP OUT FIELD...: tshark's FIELDs of every frame of
# PCAP (absolute MPTCP sequence numbers), tab-separated, into OUT; a
# capture tshark cannot read is a failed check.
capture_fields() {
  local pcap=$1 out=$2 f args=()
  shift 2
  for f in "$@"; do args+=(-e "$f"); done
  tshark -r "$pcap" -o mptcp.relative_sequence_numbers:FALSE -T fields \
    "${args[@]}" >"$out" 2>/dev/null || bad "tshark could not read $pcap"
}

# wait_listen NS PORT: up to 5 s for a TCP listener on PORT in NS.
wait_listen() {
  local _
  for _ in $(seq 50); do
    ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
    sleep 0.1
  done
  return 1
}
