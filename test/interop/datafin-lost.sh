#!/bin/bash
# SPDX-License-Identifier: MIT
#
# mpcat's DATA_FIN resend (RFC 8684 §3.3.3, lib/datafin.c) against the
# Linux kernel's MPTCP, with the kernel's DATA_ACK of it lost once.
#
#   datafin-lost.sh MPCAT_EXE OUTDIR
#
# One namespace K (topology A of /work/shared/testing-with-linux.md): the
# TUN device mt0 (K 10.77.0.1, mpcat 10.77.0.2). mpcat connects to a
# kernel MPTCP server in K, sends 200 kB and shuts down (FIN with the
# DATA_FIN). The server reads to EOF, waits DELAY s, then closes. An nft
# rule in K strips the MPTCP option from the kernel's first segment after
# mpcat's FIN that is neither FIN nor SYN nor RST: the ACK of the FIN,
# with the DATA_ACK of the DATA_FIN. The subflow FIN is acknowledged, the
# DATA_FIN is not, and nothing but mpcat's resend can get the DATA_ACK
# before the server closes.
#
# Checks: the rule struck once; mpcat exits 0 with the data intact (the
# server's sha256); mpcat resent the DATA_FIN exactly once
# (MPDataFinRetrans = 1: the kernel answered the first resend, a keep-alive
# probe, with the DATA_ACK; unanswered, the backoff would have resent it
# at 0.2, 0.6 and 1.4 s into the 2 s DELAY); and in mpcat's capture a
# kernel segment with that DATA_ACK comes right after the resend, before
# the kernel's own DATA_FIN.
#
# Exit: 0 pass, 1 fail, 77 skipped (not root, no netns/TUN/nft/MPTCP).
set -u

MPCAT=${1:?usage: datafin-lost.sh MPCAT_EXE OUTDIR}
OUT=${2:?usage: datafin-lost.sh MPCAT_EXE OUTDIR}
DELAY=${DATAFIN_LOST_DELAY:-2}
K=dfinl-$$

# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
interop_require "$MPCAT" nft tshark

cleanup() {
  for p in $(ip netns pids "$K" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
  ip netns del "$K" 2>/dev/null
}
trap cleanup EXIT
ip netns add "$K" 2>/dev/null || skip "cannot create network namespaces"
ip -n "$K" link set lo up
ip -n "$K" tuntap add dev mt0 mode tun 2>/dev/null || skip "no TUN devices"
ip -n "$K" addr add 10.77.0.1/24 dev mt0 || die "setup"
ip -n "$K" link set mt0 up || die "setup"
ip netns exec "$K" sysctl -q net.mptcp.enabled=1 2>/dev/null ||
  skip "no MPTCP in this kernel"
ip netns exec "$K" nft -f - <<'EOF_NFT' || skip "nft rules not accepted"
table inet dfinl {
  set fin {
    type ipv4_addr . inet_service . ipv4_addr . inet_service
    flags dynamic
  }
  chain inp {
    type filter hook input priority 0;
    ip saddr 10.77.0.2 tcp flags & fin == fin add @fin { ip daddr . tcp dport . ip saddr . tcp sport }
  }
  chain outp {
    type filter hook output priority 0;
    ip saddr . tcp sport . ip daddr . tcp dport @fin tcp flags & (fin|syn|rst) == 0 limit rate 1/hour burst 1 packets counter reset tcp option mptcp
  }
}
EOF_NFT

mkdir -p "$OUT" || die "cannot create $OUT"
head -c 200000 /dev/urandom >"$OUT/data.bin" || die "no data"
SHA=$(sha256sum <"$OUT/data.bin" | cut -d' ' -f1)
ip netns exec "$K" "$PY" - "$DELAY" >"$OUT/server.log" 2>&1 <<'EOF_PY' &
import hashlib, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)  # IPPROTO_MPTCP
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.0.1", 5000))
s.listen(1)
s.settimeout(20)
c, _ = s.accept()
c.settimeout(20)
h = hashlib.sha256()
while True:
    b = c.recv(65536)
    if not b:
        break
    h.update(b)
print(h.hexdigest(), flush=True)
time.sleep(float(sys.argv[1]))
c.close()
time.sleep(1)
EOF_PY
SERVER=$!
wait_listen "$K" 5000
ip netns exec "$K" timeout -k 5 30 "$MPCAT" -q -t mt0=10.77.0.2 \
  --stats "$OUT/stats.json" --pcap "$OUT/mpcat.pcap" 10.77.0.1 5000 \
  <"$OUT/data.bin" >/dev/null 2>"$OUT/mpcat.err"
RC=$?
wait "$SERVER"
[ "$RC" = 0 ] || bad "mpcat exit status $RC: $(cat "$OUT/mpcat.err")"
[ "$(head -1 "$OUT/server.log")" = "$SHA" ] || bad "the server got other data"
STRUCK=$(ip netns exec "$K" nft list chain inet dfinl outp |
  sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
[ "$STRUCK" = 1 ] || bad "the nft rule struck ${STRUCK:-?} times, not once"
RTX=$("$PY" -c 'import json, sys
print(json.load(open(sys.argv[1]))["counters"].get("MPDataFinRetrans", 0))' "$OUT/stats.json")
[ "$RTX" = 1 ] || bad "MPDataFinRetrans is $RTX, expected 1"
# mpcat's capture: the last pure ACK with its DATA_FIN (the resend), then
# the kernel's segments: the first must DATA_ACK it and carry no DATA_FIN.
capture_fields "$OUT/mpcat.pcap" "$OUT/trace.txt" ip.src tcp.len \
  tcp.flags.fin tcp.options.mptcp.datafin.flag \
  tcp.options.mptcp.rawdataseqno tcp.options.mptcp.rawdataack
"$PY" - "$OUT/trace.txt" <<'EOF_PY' || FAIL=1
import sys
def fail(msg):  # not sys.exit(print(msg)): that exits 0
    print(msg)
    return 1
rows = [l.split("\t") for l in open(sys.argv[1]).read().splitlines()]
# ip.src len fin datafin dsn dataack
res = [i for i, r in enumerate(rows) if r[0] == "10.77.0.2" and r[1] == "0"
       and r[2] == "0" and r[3] == "1"]
if not res:
    sys.exit(fail("FAIL: no DATA_FIN resent on a segment without FIN"))
i = res[-1]
fin_dsn = int(rows[i][4])
ans = next((r for r in rows[i + 1:] if r[0] == "10.77.0.1"), None)
if ans is None or ans[5] == "" or int(ans[5]) != fin_dsn + 1 or ans[3] == "1":
    sys.exit(fail("FAIL: the kernel's next segment after the resend does not "
                  "DATA_ACK it (before its own DATA_FIN): %s" % (ans,)))
print("resend at frame %d DATA_ACKed by the kernel's next segment" % (i + 1))
EOF_PY
[ "$FAIL" = 0 ] || exit 1
echo "PASS datafin-lost: DATA_ACK stripped once, one resend, DATA_ACKed"
