#!/bin/bash
# SPDX-License-Identifier: MIT
#
# mpcat's data-level retransmission (lib/dretx.c) against the Linux
# kernel's MPTCP: Linux acknowledges one of mpcat's mappings at TCP level
# and drops it above TCP, and only mpcat's resend from the stuck DATA_ACK
# can complete the transfer.
#
#   dretx-kernel.sh MPCAT_EXE OUTDIR
#
# Why: Linux drops a mapping it takes for old data (MPTcpExt DuplicateData,
# "the sender will retransmit") after its TCP acknowledged the bytes; no
# subflow timer sends them again (interop case pc-signal-csum hung on
# this). Here the drop is made deterministic by rewriting one mapping.
#
# Topology: namespace K (the kernel, k0 10.78.0.1) -- veth -- namespace R
# (forwarding; r0 10.78.0.2, the TUN device mt0 10.78.1.1, mpcat behind it
# at 10.78.1.2). mpcat connects to a kernel MPTCP server in K; each side
# sends its own random file (mpcat MB MiB, K 2 MiB) and half-closes.
# An nft rule in R's forward chain picks mpcat's first segment after 1 MB
# of the flow that carries a DSS mapping with a 64-bit DSN and no DATA_ACK
# (DSS bytes 2-3 0x200c; mpcat runs with --dsn64 so that every mapping has
# that layout) and flips the top bit of its DSN (tcp option @30,32,32
# xor 0x80000000). nft's TCP option write repairs the TCP checksum (a raw
# @th write does not, see nft_mangle() in mptcp-kernel.sh). The DSN is
# then 2^63 away, which Linux's 64-bit sequence compare takes as old: its
# TCP acknowledges the whole mapping (up to 64 KiB, the first segment and
# those after it that carry no DSS), its MPTCP layer drops it, and its
# DATA_ACK stands still there while the data after the hole fills its
# window. mpcat is expected to resend from that DATA_ACK after a timeout.
# mpcat runs with a 256 KiB send buffer (DRETX_KERNEL_SNDBUF), so it sends
# at most that much past the stuck DATA_ACK, and MB (DRETX_KERNEL_MB,
# default 4) is much more than that. Both avoid a run that cannot pass for
# a reason other than the resend (seen with the default 4 MiB buffer and
# 2-3 MB): mpcat filled K's whole window past the hole and K's
# out-of-order data filled its receive memory: K TCP-acknowledged the
# resends but never took them (KERNEL-QUIRKS.md KQ8). (A second one, mpcat
# sending its only subflow's FIN with the DATA_FIN before the resend was
# due, so that no subflow could carry it, is gone: the FIN now waits for
# the DATA_ACK of all data, RFC 8684 §3.3.3.)
#
# Checks (each can fail): mpcat exits 0 before the script's own timeout
# (a hang is reported as such, rc 124); each side got exactly what the
# other sent (sha256 of K's data, cmp of mpcat's); the nft rule struck
# once; K's MPTcpExt
# DuplicateData >= 1 (the drop happened) and TcpInCsumErrors 0 (the
# rewritten segment reached MPTCP); mpcat's --stats counters
# MPDataRetrans >= 1 and MPDataRetransTimeout 0; no reset or fastclose
# (K: MPTcpExt MPRstTx/MPRstRx/MPFastcloseTx/MPFastcloseRx 0, Tcp
# EstabResets 0; mpcat: TcpRstSent/TcpRstRcvd/MPFastcloseTx/
# MPFastcloseRx/MPRstRx 0); and in mpcat's capture K's DATA_ACK stood
# at the DSN of a mapping mpcat sent twice (the original, rewritten on
# the way, and the resend) and moved past it after the resend.
#
# Exit: 0 pass, 1 fail, 77 skipped (not root, no netns/veth/TUN/nft/MPTCP
# or tshark).
set -u

MPCAT=${1:?usage: dretx-kernel.sh MPCAT_EXE OUTDIR}
OUT=${2:?usage: dretx-kernel.sh MPCAT_EXE OUTDIR}
MB=${DRETX_KERNEL_MB:-4}
LIMIT=${DRETX_KERNEL_TIMEOUT:-20}
SNDBUF=${DRETX_KERNEL_SNDBUF:-256K}
K=dretxk-$$
R=dretxr-$$

# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
interop_require "$MPCAT" nft nstat tshark

cleanup() {
  for ns in "$K" "$R"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
}
trap cleanup EXIT
ip netns add "$K" 2>/dev/null || skip "cannot create network namespaces"
ip netns add "$R" || die "setup"
ip -n "$K" link set lo up && ip -n "$R" link set lo up || die "setup"
ip -n "$K" link add k0 type veth peer name r0 netns "$R" 2>/dev/null ||
  skip "no veth devices"
ip -n "$R" tuntap add dev mt0 mode tun 2>/dev/null || skip "no TUN devices"
ip -n "$K" addr add 10.78.0.1/24 dev k0 && ip -n "$K" link set k0 up &&
  ip -n "$R" addr add 10.78.0.2/24 dev r0 && ip -n "$R" link set r0 up &&
  ip -n "$R" addr add 10.78.1.1/24 dev mt0 && ip -n "$R" link set mt0 up &&
  ip -n "$K" route add 10.78.1.0/24 via 10.78.0.2 || die "setup"
ip netns exec "$R" sysctl -q net.ipv4.ip_forward=1 || die "setup"
ip netns exec "$K" sysctl -q net.mptcp.enabled=1 2>/dev/null ||
  skip "no MPTCP in this kernel"
ip netns exec "$R" nft -f - <<'EOF_NFT' || skip "nft rules not accepted"
table inet dretx {
  chain forw {
    type filter hook forward priority 0;
    ip saddr 10.78.1.2 tcp option @30,16,16 0x200c ct original bytes > 1000000 limit rate 1/hour burst 1 packets counter tcp option @30,32,32 set tcp option @30,32,32 ^ 0x80000000
  }
}
EOF_NFT

mkdir -p "$OUT" || die "cannot create $OUT"
rm -f "$OUT"/*.pcap "$OUT"/stats.json "$OUT"/rx.bin
head -c $((MB << 20)) /dev/urandom >"$OUT/up.bin" &&
  head -c $((2 << 20)) /dev/urandom >"$OUT/down.bin" || die "no data"
# The kernel server: reads to EOF while it sends its file, then closes.
ip netns exec "$K" "$PY" - "$OUT/down.bin" "$LIMIT" >"$OUT/server.log" 2>&1 <<'EOF_PY' &
import hashlib, socket, sys, threading
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)  # IPPROTO_MPTCP
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.78.0.1", 5000))
s.listen(1)
s.settimeout(float(sys.argv[2]))
c, _ = s.accept()
c.settimeout(float(sys.argv[2]))
data = open(sys.argv[1], "rb").read()
def tx():
    c.sendall(data)
    c.shutdown(socket.SHUT_WR)
t = threading.Thread(target=tx)
t.start()
got = b"".join(iter(lambda: c.recv(65536), b""))  # to EOF
t.join()
print(hashlib.sha256(got).hexdigest(), flush=True)
c.close()
EOF_PY
SERVER=$!
wait_listen "$K" 5000
T0=$(date +%s.%N)
ip netns exec "$R" timeout -k 5 "$LIMIT" "$MPCAT" -q --dsn64 --sndbuf "$SNDBUF" -t mt0=10.78.1.2 \
  --stats "$OUT/stats.json" --pcap "$OUT/mpcat.pcap" 10.78.0.1 5000 \
  <"$OUT/up.bin" >"$OUT/rx.bin" 2>"$OUT/mpcat.err"
RC=$?
T1=$(date +%s.%N)
wait "$SERVER"
ip netns exec "$K" nstat -asz >"$OUT/nstat.txt"
kmib() { awk -v n="$1" '$1 == n { print $2 }' "$OUT/nstat.txt"; }
if [ "$RC" = 124 ] || [ "$RC" = 137 ]; then
  bad "mpcat hung: killed after ${LIMIT} s (the transfer never completed)"
elif [ "$RC" != 0 ]; then
  bad "mpcat exit status $RC: $(cat "$OUT/mpcat.err")"
fi
[ "$(head -1 "$OUT/server.log")" = "$(sha256sum <"$OUT/up.bin" | cut -d' ' -f1)" ] ||
  bad "K got other data than mpcat sent: $(tail -1 "$OUT/server.log")"
cmp -s "$OUT/rx.bin" "$OUT/down.bin" || bad "mpcat got other data than K sent"
STRUCK=$(ip netns exec "$R" nft list chain inet dretx forw |
  sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
[ "$STRUCK" = 1 ] || bad "the nft rule struck ${STRUCK:-?} times, not once"
DUP=$(kmib MPTcpExtDuplicateData)
[ "${DUP:-0}" -ge 1 ] || bad "K's MPTcpExtDuplicateData is ${DUP:-0}: K dropped nothing"
for n in TcpInCsumErrors MPTcpExtMPRstTx MPTcpExtMPRstRx MPTcpExtMPFastcloseTx \
  MPTcpExtMPFastcloseRx TcpEstabResets; do
  v=$(kmib "$n")
  [ "${v:-0}" = 0 ] || bad "K's $n is $v, expected 0"
done
"$PY" - "$OUT/stats.json" <<'EOF_PY' || FAIL=1
import json, sys
def fail(msg):  # not sys.exit(print(msg)): that exits 0
    print(msg)
    return 1
try:
    ctr = json.load(open(sys.argv[1]))["counters"]
except (OSError, ValueError, KeyError) as e:
    sys.exit(fail("FAIL: no mpcat stats: %s" % e))
get = lambda n: ctr.get(n, 0)
bad = []
if get("MPDataRetrans") < 1:
    bad.append("MPDataRetrans is 0: mpcat never resent")
for n in ("MPDataRetransTimeout", "TcpRstSent", "TcpRstRcvd", "MPFastcloseTx",
          "MPFastcloseRx", "MPRstRx"):
    if get(n):
        bad.append("%s is %d, expected 0" % (n, get(n)))
for b in bad:
    print("FAIL: mpcat's " + b)
print("mpcat: MPDataRetrans %d MPDupDataTxBytes %d" %
      (get("MPDataRetrans"), get("MPDupDataTxBytes")))
sys.exit(1 if bad else 0)
EOF_PY
# mpcat's capture: a DSN that K's DATA_ACK stood at and that mpcat mapped
# again at another subflow sequence number (a data-level resend, not a TCP
# retransmission), DATA_ACKed past after that.
capture_fields "$OUT/mpcat.pcap" "$OUT/trace.txt" frame.time_relative \
  ip.src tcp.seq tcp.options.mptcp.rawdataseqno \
  tcp.options.mptcp.datalvllen tcp.options.mptcp.rawdataack
"$PY" - "$OUT/trace.txt" <<'EOF_PY' || FAIL=1
import sys
def fail(msg):  # not sys.exit(print(msg)): that exits 0
    print(msg)
    return 1
rows = [(l.split("\t") + [""] * 6)[:6]
        for l in open(sys.argv[1]).read().splitlines()]
# time src tcpseq dsn len dataack
acks = [(float(r[0]), int(r[5])) for r in rows if r[1] == "10.78.0.1" and r[5]]
maps = {}
for r in rows:
    if r[1] == "10.78.1.2" and r[3]:
        maps.setdefault(int(r[3]), []).append((float(r[0]), r[2], int(r[4])))
acked = set(a for _, a in acks)
resent = [d for d, m in maps.items()
          if d in acked and len(set(seq for _, seq, _ in m)) > 1]
if not resent:
    sys.exit(fail("FAIL: no DSN at which K's DATA_ACK stood was mapped "
                   "again by mpcat"))
ok = False
for d in sorted(resent):
    m = maps[d]
    t_at = min(t for t, a in acks if a == d)
    past = [t for t, a in acks if t > m[-1][0] and a > d]
    print("K's DATA_ACK at DSN %d from %.3f s; mpcat mapped it %d times "
          "(lengths %s), the last at %.3f s; DATA_ACKed past at %s" %
          (d, t_at, len(m), [x[2] for x in m], m[-1][0],
           "%.3f s" % past[0] if past else "never"))
    ok = ok or bool(past)
if not ok:
    sys.exit(fail("FAIL: K never DATA_ACKed past the resent DSN"))
EOF_PY
echo "mpcat exit $RC after $(echo "$T0 $T1" | awk '{printf "%.2f", $2 - $1}') s;" \
  "K: DuplicateData ${DUP:-0}"
[ "$FAIL" = 0 ] || exit 1
echo "PASS dretx-kernel: one mapping dropped by K above TCP, resent by mpcat"
