#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Deterministic reproducer of KQ1 (test/interop/KERNEL-QUIRKS.md): a Linux
# MPTCP socket that fell back to TCP loses data when its TCP subflow
# receives a segment that overlaps bytes it already has.
#
#   sudo test/interop/kq1-fallback-overlap.sh [OVERLAP]   (default 100)
#
# Two namespaces joined by a veth: K runs a kernel client
# (kq1-peer.py client), S runs scapy as a plain TCP server (no MP_CAPABLE
# in its SYN/ACK; nft drops S's own RSTs) that sends [0,1000), then
# [1000-OVERLAP,1500) -- a legal retransmission overlapping OVERLAP bytes
# already received --, then [1500,2500) and a FIN. Run once with an
# IPPROTO_MPTCP client and once with a plain TCP client as the control.
#
# Exit: 0 the MPTCP client got the 2500 bytes (the bug is absent), 1 it
# did not (KQ1 present; the output shows what it got and K's counters),
# 2 the plain TCP control failed (the reproducer itself is broken),
# 77 skipped (not root, no netns/veth/MPTCP/nft/scapy).
set -u
OV=${1:-100}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
command -v nft >/dev/null || skip "nft is not installed"
"$PY" -c 'import scapy.all' 2>/dev/null || skip "python3-scapy is not installed"
case $OV in '' | *[!0-9]*) echo "OVERLAP must be 1..999"; exit 2 ;; esac
[ "$OV" -ge 1 ] && [ "$OV" -le 999 ] || { echo "OVERLAP must be 1..999"; exit 2; }
K=kq1-k-$$ S=kq1-s-$$
TMP=$(mktemp -d)
cleanup() { ip netns del $K 2>/dev/null; ip netns del $S 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
ip netns add $K 2>/dev/null && ip netns add $S || skip "cannot create network namespaces"
ip -n $K link add vk type veth peer name vs netns $S 2>/dev/null || skip "cannot create veth pairs"
ip -n $K addr add 10.99.0.1/24 dev vk && ip -n $S addr add 10.99.0.2/24 dev vs &&
  ip -n $K link set vk up && ip -n $S link set vs up && ip -n $K link set lo up ||
  { echo "setup failed"; exit 2; }
ip netns exec $K sysctl -q net.mptcp.enabled=1 2>/dev/null || skip "no MPTCP in this kernel"
ip netns exec $S nft add table inet kq1 &&
  ip netns exec $S nft add chain inet kq1 out '{ type filter hook output priority 0; }' &&
  ip netns exec $S nft add rule inet kq1 out tcp flags rst drop || skip "nftables unusable"

run() { # PROTO PORT: one connection; prints the result, returns 0 if intact
  local proto=$1 port=$2
  ip netns exec $S "$PY" "$HERE/kq1-peer.py" server vs 10.99.0.2 $port "$OV" \
    "$TMP/sent.$port" 2>"$TMP/peer.err" &
  local pid=$!
  sleep 1.5 # scapy's sniffer is up
  ip netns exec $K nstat -n
  ip netns exec $K "$PY" "$HERE/kq1-peer.py" client 10.99.0.2 $port \
    "$TMP/got.$port" $proto
  wait $pid
  ip netns exec $K nstat -s | grep -E 'MPTcpExt(NoDSSInWindow|DuplicateData|MPCapableFallbackSYNACK)' |
    awk '{printf "  %s +%s\n", $1, $2}'
  "$PY" - "$TMP/sent.$port" "$TMP/got.$port" <<'PYEOF'
import sys
sent, got = (open(p, "rb").read() for p in sys.argv[1:3])
if sent == got:
    print("  the application got the 2500 bytes sent")
    sys.exit(0)
pieces, i = [], 0
while i < len(got):
    k = sent.find(got[i:i + 16])
    if k < 0:
        pieces.append("got[%d:] is not sent data" % i)
        break
    m = 16
    while i + m < len(got) and k + m < len(sent) and got[i + m] == sent[k + m]:
        m += 1
    pieces.append("got[%d:%d] = sent[%d:%d]" % (i, i + m, k, k + m))
    i += m
print("  the application got %d of %d bytes, then EOF: %s"
      % (len(got), len(sent), ", ".join(pieces)))
sys.exit(1)
PYEOF
}
echo "== control: plain TCP client, overlap $OV"
run 0 5001 || { echo "the plain TCP control failed: the reproducer is broken"; exit 2; }
echo "== IPPROTO_MPTCP client (falls back), overlap $OV"
if run 262 5002; then
  echo "KQ1 absent: the fallback MPTCP socket delivered the data intact"
  exit 0
fi
echo "KQ1 present: the fallback MPTCP socket lost data its TCP subflow had received ($(uname -r))"
exit 1
