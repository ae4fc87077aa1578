#!/bin/bash
# SPDX-License-Identifier: MIT
#
# MPTCP interop of examples/mpcat (libmptcp behind TUN devices) with the
# Linux kernel's MPTCP, over two paths (topology B of
# /work/shared/testing-with-linux.md, also doc'd below).
#
#   mptcp-kernel.sh MPCAT_EXE OUTDIR [CASE...]       the interop cases
#   mptcp-kernel.sh --baseline-tbf MPCAT_EXE OUTDIR  goodput through tbf
#
# Against mpcat (the default, MPTCP_INTEROP_PEER=mpcat):
#   sudo test/interop/mptcp-kernel.sh build/examples/mpcat /tmp/mpki
#   sudo test/interop/mptcp-kernel.sh build/examples/mpcat /tmp/mpki kc-join
#   MPTCP_INTEROP_MB=5 sudo -E test/interop/mptcp-kernel.sh build/examples/mpcat /tmp/mpki
# Kernel against kernel (validates the harness; MPCAT_EXE is not used, the
# meson test 'mptcp-kernel-baseline' runs this with a small MB):
#   MPTCP_INTEROP_PEER=kernel test/interop/mptcp-kernel.sh none /tmp/mpki
#
# Topology (namespaces mpki-k-PID, mpki-r-PID and, kernel peer only,
# mpki-p-PID):
#
#   K (kernel under test)         R (forwarding)        the peer
#   k1 10.71.1.1/24 ----veth---- r1 10.71.1.2/24   mt1 10.71.11.1/24 - M1 10.71.11.2
#   k2 10.71.2.1/24 ----veth---- r2 10.71.2.2/24   mt2 10.71.12.1/24 - M2 10.71.12.2
#
# A path is a veth pair, chosen by the kernel-side address: K routes by
# source address (ip rule from 10.71.N.1 table 10N), R by destination, so a
# subflow whose K-side address is 10.71.2.1 uses path 2 both ways, whatever
# the peer's address. rp_filter is off everywhere.
#   mpcat peer: mt1/mt2 are TUN devices in R; mpcat runs in R with
#     -t mt1=10.71.11.2 -t mt2=10.71.12.2 (the first is the initial path).
#   kernel peer (MPTCP_INTEROP_PEER=kernel): mt1/mt2 are veths to namespace
#     P, which owns M1/M2 and routes by source address and by destination
#     (10.71.N.0/24 via mtN, so a join to K's address 2 leaves from M2); the
#     peer is mptcp-kernel-peer.py (same stdin/stdout/--stats contract as
#     mpcat), its extra path an `ip mptcp endpoint` in P. R stays a pure
#     forwarding hop in both modes, so the shaping and link failures below
#     act on the same hop.
# Shaping (fair, pathdown, baseline cases): tbf on r1/r2's egress in R
# (peer -> kernel) and tbf on ifb devices fed from r1/r2's ingress in R
# (kernel -> peer): both on R, the forwarding hop, so losses are real
# (a limiter on a sender's own device only back-pressures it).
#
# Every case sends MB MiB each way at the same time over one connection
# (two different random files), half-closes both ways -- in the two-path
# cases only once K has its second subflow (at most JOIN_WAIT, 10 s): Linux
# opens no MP_JOIN after a DATA_FIN, and under CPU load its path manager
# ran after a whole 8 MiB transfer (CI: kc-peer-csum with one subflow) --
# and checks:
#   - both ends exit 0 and each received exactly what the other sent (sha256
#     of the data both ways); everything runs under `timeout`; on a
#     mismatch `mptcp-kernel-peer.py check-data` prints the received data
#     as pieces of the sent data (CASE.peer.out / CASE.kernel.out keep what
#     each application got);
#   - the kernel side's stats (mptcp-kernel-peer.py --result, from
#     MPTCP_INFO / MPTCP_SUBFLOW_ADDRS / MPTCP_TCPINFO) and the peer's
#     --stats JSON: mptcp, fallback, checksum, bytes each way, a subflow on
#     every expected path;
#   - `nstat -az` MPTcpExt deltas in K: DSSNotMatching, DSSNoMatchTCP,
#     NoDSSInWindow, DataCsumErr, MPJoinSynAckHMacFailure,
#     MPJoinAckHMacFailure, MPJoinNoTokenFound, FallbackFailed, AddAddrDrop,
#     RmAddrDrop stay 0; MPCapableFallbackACK, MPCapableFallbackSYNACK and
#     DssFallback are 0 unless the case expects a fallback; the feature
#     counters the case needs are there (listed with each case). With the
#     kernel peer, P's counters get the same error checks, and NoDSSInWindow
#     is only reported: a Linux sender puts data beyond the receiver's
#     advertised MPTCP window now and then (seen on the wire with 6.18, at
#     100 Mbit/s too), so kernel<->kernel trips it (on a fallback
#     connection, which has no DSS, it is the trace of KQ1 below; the data
#     check decides); against mpcat it stays a verdict on mpcat's sender;
#   - a capture on k1+k2 in K (tcpdump, snaplen 200), merged, reordercap'd
#     and decoded by tshark with MPTCP analysis: no malformed frames, no
#     expert info of severity error (mptcp.dss.missing_mapping is a warning
#     on pure ACKs and is not counted).
#
# Cases (kc = kernel client -> peer server, pc = peer client -> kernel
# server; K's limits in brackets):
#   kc-join        K joins from 10.71.2.1 via an `ip mptcp endpoint ...
#                  subflow` [subflows 1, add_addr_accepted 0]: MPCapable
#                  SYNACKRX=1, MPJoinSynAckRx>=1; subflows on both paths
#   kc-join-csum   kc-join with net.mptcp.checksum_enabled=1 in K: checksum
#                  true on both ends
#   kc-peer-csum   kc-join, K's checksum_enabled=0 but the peer asks for
#                  checksums (mpcat --checksum; the kernel peer's sysctl)
#   kc-addaddr     the peer announces M2 (ADD_ADDR; mpcat: its second -t,
#                  kernel peer: a `signal` endpoint), K joins it from
#                  10.71.2.1 [subflows 1, add_addr_accepted 1]:
#                  AddAddr>=1, EchoAddTx>=1, MPJoinSynAckRx>=1
#   pc-signal      K announces 10.71.2.1 (`signal` endpoint), the peer must
#                  join it [subflows 2, add_addr_accepted 0]: MPCapableSYNRX=1,
#                  MPCapableACKRX=1, AddAddrTx>=1, EchoAdd>=1, MPJoinSynRx>=1,
#                  MPJoinAckRx>=1
#   pc-signal-csum pc-signal with checksum_enabled=1 in K
#   pc-fullmesh    pc-signal with the peer's fullmesh path manager (mpcat
#                  --pm fullmesh; the kernel peer: a `subflow fullmesh`
#                  endpoint for M2) [subflows 4]: a subflow from each of
#                  M1, M2 to each of K1, K2, exactly 4 on both ends;
#                  MPJoinAckRx>=3
#   kc-fair        kc-join over two equal paths shaped to 100 Mbit/s each
#   pc-fair        pc-signal likewise; both: fair share (below)
#   kc-pathdown    kc-join over two equal shaped paths (rate set so the
#   pc-pathdown    pc-signal    transfer lasts about 12 s); 2 s after the
#                  start r2 goes down in R for 3 s, then up again: the
#                  transfer completes, path 1 carries it meanwhile, and a
#                  subflow on path 2 (old or new) carries data again after
#                  the link is back (K's subflow timeline, 20 ms samples);
#                  K's `ip mptcp monitor` is kept as CASE.monitor
#   fb-kc-tcp      plain TCP kernel client -> MPTCP peer: peer says
#                  mptcp false, fallback true; no MPTcpExt counter in K
#   fb-pc-tcp      MPTCP peer client -> plain TCP kernel server: likewise
#   fb-kc-peertcp  MPTCP kernel client -> peer without MPTCP (mpcat
#                  --no-mptcp): K MPCapableFallbackSYNACK=1, K's socket is a
#                  fallback, the peer says mptcp false, fallback false
#   fb-pc-peertcp  peer without MPTCP -> MPTCP kernel server
#   kc-mpfail      one path, checksums on; an nft rule in R rewrites two
#   pc-mpfail      payload bytes of one packet K sends (K is the client /
#                  the server): the peer must find the bad checksum (its
#                  DataCsumErr=1, MPFailTx>=1, from mpcat's --stats
#                  counters), K must answer with MPFailRx>=1 and
#                  InfiniteMapTx=1, the peer must get the infinite mapping
#                  (InfiniteMapRx, or InfiniteMapImplicit when K's plain
#                  TCP comes first; no MPFailTimeout), both end in
#                  fallback. The peer's data is K's but for the two
#                  rewritten bytes: Linux never sends them again and its
#                  infinite mapping applies retroactively (RFC 8684 §3.7,
#                  KQ4), so the peer takes them as they arrived
#                  (rewrite_verdict); the other direction is intact.
#
# What the cases expect from mpcat: it attaches to both TUN devices at once
# (carrier on mt1 and mt2 is taken as "listening"); as a server it accepts
# MP_JOINs to either -t address and announces the second one (ADD_ADDR,
# kc-addaddr); as a client it joins an address the kernel announces
# (pc-signal); it keeps a subflow through a 3 s outage; --stats lists every
# subflow the connection had (closed ones too) with "local"/"remote" as
# "ip:port" and per-subflow bytes; "fallback" is true when it offered MPTCP
# and the peer did not take it, false with --no-mptcp; "checksum" says
# whether DSS checksums are in use; "version" is 1.
#
# Fair share: on two equal paths each path must carry >= 25% of the bytes
# of each direction, measured by the kernel (per-subflow tcpi_bytes_acked
# for kernel -> peer, tcpi_bytes_received for peer -> kernel) and by the
# peer's --stats (bytes_received, bytes_sent). 50/50 is the ideal; 25%
# (one path at most 3x the other) leaves room for what a correct
# scheduler legitimately does -- the join starts an RTT or more after the
# first subflow, loss-based CC on a tbf queue oscillates per subflow, and
# the kernel's default scheduler is not round-robin -- while still
# catching a sender that leaves a joined subflow idle, only retransmits on
# it, or treats it as backup (those give 0-10%).
#
# --baseline-tbf: kernel client -> peer server with two subflows (kc-join)
# through tbf limits of 100+100 and 100+20 Mbit/s, a one-direction transfer
# of MPTCP_BASELINE_MB (48) MiB each way (the other direction sends
# nothing), MPTCP_BASELINE_RUNS (3) runs each; prints the goodput measured
# in K (kernel -> peer: until everything incl. the DATA_FIN is DATA_ACKed;
# peer -> kernel: until the DATA_FIN is received), the packets R dropped
# on mt1/mt2 (TX drops: with mpcat, its TUN queues overflowed while it was
# not reading) and the median. With the
# default peer it measures mpcat, with MPTCP_INTEROP_PEER=kernel the kernel.
# The side with nothing to send keeps its half open until the end (mpcat's
# stdin stays open until K's data is DATA_ACKed): Linux opens no MP_JOIN
# once it has sent or received a DATA_FIN.
#
# Environment:
#   MPTCP_INTEROP_PEER=mpcat|kernel  who runs behind R (default mpcat)
#   MPTCP_INTEROP_MB      MiB each way per case (default 50)
#   MPTCP_INTEROP_PCAP=1  also mpcat --pcap OUTDIR/CASE.mpcat.pcap
#   MPTCP_INTEROP_KEEP=1  keep data files and captures of passing cases
#   MPTCP_INTEROP_NOCAP=1 skip the tcpdump/tshark verdict
#   MPTCP_INTEROP_KFAIL_FATAL=1  count a KQ1 data loss (KFAIL) as a failure
#   MPTCP_BASELINE_MB, MPTCP_BASELINE_RUNS  for --baseline-tbf
#
# Outputs per case in OUTDIR: CASE.kernel.json (K's stats), CASE.peer.json
# (the peer's --stats), CASE.peer.err, CASE.timeline.json, CASE.monitor,
# CASE.mib.{before,after}[.peer], CASE.pcap (merged capture),
# CASE.kernel.out and CASE.peer.out (what each application received); the
# last three are removed after a pass unless MPTCP_INTEROP_KEEP=1, and
# data-k.bin / data-p.bin (what K / the peer sent) stay when a case failed
# or KFAILed.
#
# Kernel quirks (test/interop/KERNEL-QUIRKS.md; Linux 6.18.44):
#   KQ1: a fallback MPTCP socket whose TCP subflow receives a segment
#        overlapping bytes it already has cuts the overlap out of the new
#        data, drops everything after it (NoDSSInWindow) and ends with a
#        clean EOF. Deterministic with test/interop/kq1-fallback-overlap.sh;
#        here the overlap comes from a spurious retransmission coalesced
#        with new data under CPU load, rare (1 CI run; 0 in the loops of
#        KERNEL-QUIRKS.md).
#   KQ2: one CI run delivered other bytes than sent on MPTCP connections
#        (kc-fair, kc-pathdown); cause unknown, not reproduced: it FAILs.
#   KQ3: tshark 4.0 asserts on a Linux FIN after Linux re-sent its
#        DATA_FIN mapping without the DATA_FIN.
#   KQ4: after an MP_FAIL Linux sends its infinite mapping only on new
#        data, within its MPTCP-level window, and in a segment sized
#        without room for that DSS; mpcat announces room for both
#        (kc-/pc-mpfail stalled before it did).
# With MPTCP_INTEROP_PEER=kernel a data mismatch is a KFAIL (printed as
# "KFAIL CASE" with the check-data analysis, files kept, counted apart
# from the failures) only when it has KQ1's exact signature: sender ok
# with all bytes sent; the receiver a fallback MPTCP socket with a clean
# EOF whose TCP subflow received at least all bytes; the delivered data
# the sent data from its start with pieces cut out, in order, nothing
# repeated or foreign, shorter than sent; the receiver namespace's
# NoDSSInWindow risen. Any other mismatch fails; against mpcat every one
# does. MPTCP_INTEROP_KFAIL_FATAL=1 turns a KFAIL into a failure.
# A tshark dissector bug (KQ3) on a frame the kernel sent is reported, not
# failed.
#
# Exit: 0 pass (KFAILs included), 1 fail, 77 skipped (not root, no network
# namespaces, TUN, veth, MPTCP or tools).
set -u

BASELINE=0
if [ "${1:-}" = --baseline-tbf ]; then
  BASELINE=1
  shift
fi
USAGE="usage: mptcp-kernel.sh [--baseline-tbf] MPCAT_EXE OUTDIR [CASE...]"
MPCAT=${1:?$USAGE}
OUT=${2:?$USAGE}
shift 2
HERE=$(cd "$(dirname "$0")" && pwd)
HELPER=$HERE/mptcp-kernel-peer.py
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || echo python3)
PEER=${MPTCP_INTEROP_PEER:-mpcat}
MB=${MPTCP_INTEROP_MB:-50}
BMB=${MPTCP_BASELINE_MB:-48}
BRUNS=${MPTCP_BASELINE_RUNS:-3}

skip() { echo "SKIP: $*"; exit 77; }
die() { echo "FAIL: $*"; exit 1; }

for v in "$MB" "$BMB" "$BRUNS"; do
  case $v in '' | *[!0-9]* | 0) die "MB and RUNS settings must be positive integers" ;; esac
done
case $PEER in
  mpcat)
    [ -x "$MPCAT" ] || die "mpcat executable $MPCAT not found"
    MPCAT=$(cd "$(dirname "$MPCAT")" && pwd)/$(basename "$MPCAT") ;;
  kernel) ;;
  *) die "MPTCP_INTEROP_PEER must be mpcat or kernel" ;;
esac

ALL_CASES="kc-join kc-join-csum kc-peer-csum kc-addaddr pc-signal
  pc-signal-csum pc-fullmesh kc-fair pc-fair kc-pathdown pc-pathdown fb-kc-tcp
  fb-pc-tcp fb-kc-peertcp fb-pc-peertcp"
MPFAIL_CASES="kc-mpfail pc-mpfail"
# Linux against Linux stalls in these (KQ4: its infinite mapping does not
# fit the MTU): with the kernel peer they run only when named.
[ "$PEER" = mpcat ] && ALL_CASES="$ALL_CASES $MPFAIL_CASES"
CASES=${*:-$ALL_CASES}
for c in $CASES; do
  case " $(echo $ALL_CASES $MPFAIL_CASES) " in
    *" $c "*) ;;
    *) die "unknown case $c" ;;
  esac
done

[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
for t in ip tc nstat sha256sum timeout head "$PY"; do
  command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
done
CAPTURE=1
[ "${MPTCP_INTEROP_NOCAP:-0}" = 1 ] && CAPTURE=0
[ $BASELINE = 1 ] && CAPTURE=0
if [ $CAPTURE = 1 ]; then
  for t in tcpdump tshark mergecap reordercap; do
    command -v "$t" >/dev/null 2>&1 ||
      skip "$t is not installed (MPTCP_INTEROP_NOCAP=1 runs without the capture verdict)"
  done
fi
if [ "$PEER" = mpcat ]; then
  [ -c /dev/net/tun ] || modprobe tun 2>/dev/null
  [ -c /dev/net/tun ] || skip "no /dev/net/tun (TUN driver unavailable)"
fi

K=mpki-k-$$
R=mpki-r-$$
P=mpki-p-$$
NSES="$K $R"
[ "$PEER" = kernel ] && NSES="$NSES $P"
K1=10.71.1.1 R1=10.71.1.2 K2=10.71.2.1 R2=10.71.2.2
M1=10.71.11.2 G1=10.71.11.1 M2=10.71.12.2 G2=10.71.12.1
# the addresses whose packets the Linux kernel sends (check-pcap --kernel-addrs)
KADDRS=$K1,$K2
[ "$PEER" = kernel ] && KADDRS=$KADDRS,$M1,$M2

inK() { ip netns exec "$K" "$@"; }
inR() { ip netns exec "$R" "$@"; }
inP() { ip netns exec "$P" "$@"; }

cleanup() {
  local ns p
  for ns in $NSES; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
  done
  wait 2>/dev/null
  for ns in $NSES; do ip netns del "$ns" 2>/dev/null; done
  # the data files stay for a failed case's CASE.*.out to be compared with
  if [ "${MPTCP_INTEROP_KEEP:-0}" != 1 ] && [ "${FAILED:-0}" = 0 ] &&
    [ "${KFAILED:-0}" = 0 ]; then
    rm -f "$OUT"/data-*.bin
  fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

for ns in $NSES; do
  ip netns add "$ns" 2>/dev/null || skip "cannot create network namespaces"
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -q net.ipv4.conf.all.rp_filter=0 \
    net.ipv4.conf.default.rp_filter=0 || die "setup: rp_filter"
done
inK sysctl -q net.mptcp.enabled=1 2>/dev/null ||
  skip "the kernel has no MPTCP (net.mptcp.enabled missing)"

setup() {
  ip -n "$K" link add k1 type veth peer name r1 netns "$R" 2>/dev/null ||
    skip "cannot create veth pairs"
  ip -n "$K" link add k2 type veth peer name r2 netns "$R" &&
    ip -n "$K" addr add $K1/24 dev k1 && ip -n "$K" addr add $K2/24 dev k2 &&
    ip -n "$R" addr add $R1/24 dev r1 && ip -n "$R" addr add $R2/24 dev r2 &&
    ip -n "$K" link set k1 up && ip -n "$K" link set k2 up &&
    ip -n "$R" link set r1 up && ip -n "$R" link set r2 up || return 1
  # K: the source address picks the path; the peer's subnets via each path
  ip -n "$K" rule add from $K1 table 101 pref 101 &&
    ip -n "$K" rule add from $K2 table 102 pref 102 &&
    ip -n "$K" route add 10.71.1.0/24 dev k1 src $K1 table 101 &&
    ip -n "$K" route add 10.71.0.0/16 via $R1 dev k1 table 101 &&
    ip -n "$K" route add 10.71.2.0/24 dev k2 src $K2 table 102 &&
    ip -n "$K" route add 10.71.0.0/16 via $R2 dev k2 table 102 &&
    ip -n "$K" route add 10.71.11.0/24 via $R1 dev k1 &&
    ip -n "$K" route add 10.71.12.0/24 via $R2 dev k2 || return 1
  inR sysctl -q net.ipv4.ip_forward=1 || return 1
  if [ "$PEER" = mpcat ]; then
    ip -n "$R" tuntap add dev mt1 mode tun 2>/dev/null ||
      skip "cannot create TUN devices in a network namespace"
    ip -n "$R" tuntap add dev mt2 mode tun || return 1
  else
    ip -n "$R" link add mt1 type veth peer name pv1 netns "$P" &&
      ip -n "$R" link add mt2 type veth peer name pv2 netns "$P" &&
      ip -n "$P" addr add $M1/24 dev pv1 && ip -n "$P" addr add $M2/24 dev pv2 &&
      ip -n "$P" link set pv1 up && ip -n "$P" link set pv2 up || return 1
    ip -n "$P" rule add from $M1 table 101 pref 101 &&
      ip -n "$P" rule add from $M2 table 102 pref 102 &&
      ip -n "$P" route add 10.71.11.0/24 dev pv1 src $M1 table 101 &&
      ip -n "$P" route add 10.71.0.0/16 via $G1 dev pv1 table 101 &&
      ip -n "$P" route add 10.71.12.0/24 dev pv2 src $M2 table 102 &&
      ip -n "$P" route add 10.71.0.0/16 via $G2 dev pv2 table 102 &&
      ip -n "$P" route add 10.71.1.0/24 via $G1 dev pv1 &&
      ip -n "$P" route add 10.71.2.0/24 via $G2 dev pv2 || return 1
  fi
  ip -n "$R" addr add $G1/24 dev mt1 && ip -n "$R" addr add $G2/24 dev mt2 &&
    ip -n "$R" link set mt1 up && ip -n "$R" link set mt2 up || return 1
  ip -n "$R" link add mifb1 type ifb 2>/dev/null &&
    ip -n "$R" link add mifb2 type ifb && ip -n "$R" link set mifb1 up &&
    ip -n "$R" link set mifb2 up || SHAPE_OK=0
}
SHAPE_OK=1
setup || die "setup of the topology"

# shape RATE1 RATE2 (Mbit/s, 0 = unshaped) / unshape: tbf on r1/r2 (peer ->
# kernel) and on mifb1/2 fed by r1/r2's ingress (kernel -> peer), all in R;
# queue about 25 ms (at least 64 KB), burst 16 KB (GSO skbs get segmented).
unshape() {
  local i
  for i in 1 2; do
    inR tc qdisc del dev r$i root 2>/dev/null
    inR tc qdisc del dev r$i ingress 2>/dev/null
    inR tc qdisc del dev mifb$i root 2>/dev/null
  done
}
shape() {
  local i rate limit
  unshape
  for i in 1 2; do
    if [ $i = 1 ]; then rate=$1; else rate=$2; fi
    [ "$rate" = 0 ] && continue
    limit=$((rate * 125000 / 40))
    [ $limit -lt 65536 ] && limit=65536
    inR tc qdisc add dev r$i root tbf rate "${rate}mbit" burst 16kb \
      limit $limit &&
      inR tc qdisc add dev mifb$i root tbf rate "${rate}mbit" burst 16kb \
        limit $limit &&
      inR tc qdisc add dev r$i handle ffff: ingress &&
      inR tc filter add dev r$i parent ffff: protocol all u32 match u32 0 0 \
        action mirred egress redirect dev mifb$i || return 1
  done
}
tbf_drops() { # total drops on the four shapers
  local d n=0
  for d in r1 r2 mifb1 mifb2; do
    for x in $(inR tc -s qdisc show dev $d 2>/dev/null |
      sed -n 's/.*dropped \([0-9]*\).*/\1/p'); do n=$((n + x)); done
  done
  echo $n
}

# packets R could not hand to the peer: TX drops on mt1/mt2 (with mpcat, a
# full TUN queue while mpcat was not reading)
peer_dev_drops() {
  local d n=0 x
  for d in mt1 mt2; do
    x=$(inR cat /sys/class/net/$d/statistics/tx_dropped 2>/dev/null)
    n=$((n + ${x:-0}))
  done
  echo $n
}

mkdir -p "$OUT" || die "cannot create $OUT"
wait_for() { # CMD... : up to 15 s
  local _
  for _ in $(seq 150); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}
carrier_up() { [ "$(inR cat "/sys/class/net/$1/carrier" 2>/dev/null)" = 1 ]; }
now() { date +%s.%N; }
elapsed() { echo "$1 $2" | awk '{printf "%.1f", $2 - $1}'; }
stop_pid() { [ -n "${1:-}" ] && kill -TERM "$1" 2>/dev/null; }

# ---- one peer / kernel endpoint ---------------------------------------------

# k_config CSUM SUBFLOWS ADD_ADDR_ACCEPTED [ENDPOINT FLAGS]: K's MPTCP setup
k_config() {
  ip -n "$K" mptcp endpoint flush
  inK sysctl -q net.mptcp.checksum_enabled="$1" &&
    ip -n "$K" mptcp limits set subflows "$2" add_addr_accepted "$3" || return 1
  if [ -n "${4:-}" ]; then
    ip -n "$K" mptcp endpoint add $K2 dev k2 $4 || return 1
  fi
}
# p_config CSUM SUBFLOWS ADD_ADDR_ACCEPTED [ENDPOINT FLAGS...]: the kernel peer
p_config() {
  [ "$PEER" = kernel ] || return 0
  ip -n "$P" mptcp endpoint flush
  inP sysctl -q net.mptcp.checksum_enabled="$1" &&
    ip -n "$P" mptcp limits set subflows "$2" add_addr_accepted "$3" || return 1
  if [ -n "${4:-}" ]; then
    ip -n "$P" mptcp endpoint add $M2 dev pv2 "${@:4}" || return 1
  fi
  # Linux's fullmesh joins from endpoints only: M1 must be one as well
  case " $* " in *" fullmesh "*)
    ip -n "$P" mptcp endpoint add $M1 dev pv1 "${@:4}" || return 1 ;;
  esac
}

# run_peer ROLE PREFIX DATA TMO PORT PLAIN EXTRA: the peer (mpcat in R or
# the kernel peer in P) as server (-l PORT) or client (to K1 PORT); stdin
# DATA, stdout's sha256 to PREFIX.peer.sha256, exit status to
# PREFIX.peer.rc, --stats to PREFIX.peer.json, its pid to PREFIX.peer.pid.
run_peer() {
  local role=$1 p=$2 data=$3 tmo=$4 port=$5 plain=$6 extra=$7 cmd
  if [ "$PEER" = mpcat ]; then
    cmd=(ip netns exec "$R" timeout -k 5 "$tmo" "$MPCAT" -q
      -t "mt1=$M1" -t "mt2=$M2" --stats "$p.peer.json")
    [ "$plain" = 1 ] && cmd+=(--no-mptcp)
    [ -n "$extra" ] && cmd+=($extra)
    [ "${MPTCP_INTEROP_PCAP:-0}" = 1 ] && cmd+=(--pcap "$p.mpcat.pcap")
    if [ "$role" = server ]; then cmd+=(-l "$port"); else cmd+=($K1 "$port"); fi
  else
    cmd=(ip netns exec "$P" timeout -k 5 "$tmo" "$PY" "$HELPER" "$role"
      --port "$port" --send - --output - --result "$p.peer.json")
    [ "$plain" = 1 ] && cmd+=(--tcp)
    if [ "$role" = server ]; then
      cmd+=(--ready "$p.peer.ready")
    else
      cmd+=(--addr $K1 --bind $M1)
    fi
  fi
  {
    if [ "${data#hold:}" != "$data" ]; then
      hold_open "${data#hold:}" "$tmo" "$p.peer.pid" |
        peer_exec "$p" "${cmd[@]}"
    elif [ -n "${PEER_HOLD:-}" ]; then
      # the data, then an open stdin until K has all its subflows
      { cat "$data"; hold_until "$PEER_HOLD" "$p.kernel.json" \
        $((JOIN_WAIT + 5)) "$p.peer.pid"; } | peer_exec "$p" "${cmd[@]}"
    else
      peer_exec "$p" "${cmd[@]}" <"$data"
    fi
    echo $? >"$p.peer.rc"
  } | save_rx "$p.peer.out" | sha256sum | cut -d' ' -f1 >"$p.peer.sha256"
}
# save_rx FILE: a pipe stage that also keeps the data in FILE (SAVE_RX=1,
# the interop cases: check-data explains a mismatch from it)
save_rx() {
  if [ "${SAVE_RX:-0}" = 1 ]; then tee "$1"; else cat; fi
}
peer_exec() { # PREFIX CMD...: runs CMD, its pid in PREFIX.peer.pid
  local p=$1
  shift
  sh -c 'echo $$ >"$0"; exec "$@"' "$p.peer.pid" "$@" 2>"$p.peer.err"
}
# hold_open FILE TMO PIDFILE: an stdin that sends nothing and ends once FILE
# exists (or the peer is gone, or TMO s): a peer with nothing to send must
# not half-close at once, or the kernel opens no MP_JOIN (see the report)
hold_open() {
  local i=0 pid
  while [ ! -e "$1" ] && [ $i -lt $(($2 * 20)) ]; do
    sleep 0.05
    i=$((i + 1))
    pid=$(cat "$3" 2>/dev/null)
    [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && break
  done
}
# hold_until FILE DONE SECS PIDFILE: ends once FILE or DONE exists, the
# peer (PIDFILE) is gone, or after SECS
hold_until() {
  local i=0 pid
  while [ ! -e "$1" ] && [ ! -e "$2" ] && [ $i -lt $(($3 * 20)) ]; do
    sleep 0.05
    i=$((i + 1))
    pid=$(cat "$4" 2>/dev/null)
    [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && break
  done
}
peer_ready() { # PREFIX: the peer server listens
  if [ "$PEER" = mpcat ]; then
    carrier_up mt1 && carrier_up mt2
  else
    [ -e "$1.peer.ready" ]
  fi
}
# run_kernel ROLE PREFIX DATA TMO PORT PLAIN EXTRA...: the kernel side in K
run_kernel() {
  local role=$1 p=$2 data=$3 tmo=$4 port=$5 plain=$6
  shift 6
  local cmd=(ip netns exec "$K" timeout -k 5 "$tmo" "$PY" "$HELPER" "$role"
    --port "$port" --send "$data" --result "$p.kernel.json"
    --timeline "$p.timeline.json" --established "$p.established")
  [ "$plain" = 1 ] && cmd+=(--tcp)
  [ "${SAVE_RX:-0}" = 1 ] && cmd+=(--output "$p.kernel.out")
  if [ "$role" = server ]; then
    cmd+=(--ready "$p.kernel.ready")
  else
    cmd+=(--addr $M1 --bind $K1)
  fi
  "${cmd[@]}" "$@" 2>"$p.kernel.err"
}

# transfer ROLE PREFIX KDATA PDATA TMO PORT KPLAIN PPLAIN PEXTRA [KEXTRA...]
# runs one connection; ROLE kc: kernel client -> peer server, pc: peer
# client -> kernel server. Calls $DURING (if set) once K is established.
transfer() {
  local role=$1 p=$2 kdata=$3 pdata=$4 tmo=$5 port=$6 kplain=$7 pplain=$8
  local pextra=$9 kpid ppid ok=0
  shift 9
  if [ "$role" = kc ]; then
    run_peer server "$p" "$pdata" "$tmo" "$port" "$pplain" "$pextra" &
    ppid=$!
    if wait_for peer_ready "$p"; then
      run_kernel client "$p" "$kdata" "$tmo" "$port" "$kplain" "$@" &
      kpid=$!
      [ -n "${DURING:-}" ] && wait_for test -e "$p.established" && $DURING "$p"
      wait "$kpid" || stop_pid "$(cat "$p.peer.pid" 2>/dev/null)"
    else
      echo "the peer server did not start"
      stop_pid "$(cat "$p.peer.pid" 2>/dev/null)"
    fi
    wait "$ppid"
  else
    run_kernel server "$p" "$kdata" "$tmo" "$port" "$kplain" "$@" &
    kpid=$!
    if wait_for test -e "$p.kernel.ready"; then
      run_peer client "$p" "$pdata" "$tmo" "$port" "$pplain" "$pextra" &
      ppid=$!
      [ -n "${DURING:-}" ] && wait_for test -e "$p.established" && $DURING "$p"
      wait "$ppid"
      [ "$(cat "$p.peer.rc" 2>/dev/null)" = 0 ] || stop_pid "$kpid"
    else
      echo "the kernel server did not start"
    fi
    wait "$kpid"
  fi
}

# ---- pathdown ----------------------------------------------------------------

PD_AT=2
PD_FOR=3
JOIN_WAIT=10 # s a side waits for K's second subflow before half-closing
pathdown_events() {
  sleep $PD_AT
  now >"$1.down"
  ip -n "$R" link set r2 down
  sleep $PD_FOR
  ip -n "$R" link set r2 up
  now >"$1.up"
}

# ---- captures and counters -----------------------------------------------------

CAP_PIDS=""
cap_start() { # PREFIX PORT
  local d
  CAP_PIDS=""
  [ $CAPTURE = 1 ] || return 0
  for d in k1 k2; do
    ip netns exec "$K" tcpdump -n -i $d -s 200 --immediate-mode -U -w "$1.$d.pcap" \
      tcp port "$2" 2>"$1.$d.tcpdump" &
    CAP_PIDS="$CAP_PIDS $!"
  done
  for d in k1 k2; do
    wait_for grep -q "listening on" "$1.$d.tcpdump" ||
      echo "tcpdump on $d did not start"
  done
}
cap_stop() {
  local pid
  for pid in $CAP_PIDS; do kill -TERM "$pid" 2>/dev/null; done
  for pid in $CAP_PIDS; do wait "$pid" 2>/dev/null; done
  CAP_PIDS=""
}
MON_PID=""
mon_start() {
  ip netns exec "$K" ip -ts mptcp monitor >"$1.monitor" 2>&1 &
  MON_PID=$!
}
mon_stop() {
  [ -n "$MON_PID" ] && kill -TERM "$MON_PID" 2>/dev/null && wait "$MON_PID" 2>/dev/null
  MON_PID=""
}
nstat_k() { inK nstat -asz >"$1" 2>/dev/null; }
nstat_p() { [ "$PEER" = kernel ] && inP nstat -asz >"$1" 2>/dev/null; }

MIB_ERRORS=DSSNotMatching,DSSNoMatchTCP,NoDSSInWindow,DataCsumErr,MPJoinSynAckHMacFailure,MPJoinAckHMacFailure,MPJoinNoTokenFound,FallbackFailed,AddAddrDrop,RmAddrDrop
# NoDSSInWindow counts data a sender put beyond the receiver's advertised
# MPTCP window. Linux 6.18 as the sender does that on fast unshaped paths
# (seen on the wire, see the report), so with the kernel peer it is reported
# but not failed; against mpcat it is a verdict on mpcat's sender.
# On a fallback connection there is no DSS: there it counts data the MPTCP
# layer dropped after TCP had acknowledged it (KQ1 in KERNEL-QUIRKS.md),
# and the data check decides.
MIB_TOLERATE=()
if [ "$PEER" = kernel ]; then
  MIB_ERRORS=${MIB_ERRORS/NoDSSInWindow,/}
  MIB_TOLERATE=(--tolerate NoDSSInWindow)
fi
mib_why() { # the reason NoDSSInWindow is tolerated in the current case
  if [ "$C_KFB" = true ] || [ "$C_PFB" = true ]; then
    echo "a fallback connection: data the MPTCP layer dropped after TCP acked it, KQ1; the data check decides"
  else
    echo "the sender is Linux, which overshoots the receive window now and then"
  fi
}

# nft_mangle RULE: a middlebox in R's forward chain on the packets K
# sends on the case's connection, rewriting payload. Only K's packets: K
# hands them to R as GSO skbs with CHECKSUM_PARTIAL, whose TCP checksum
# is computed after the rewrite; nft does not repair the checksum of a
# raw @th write, so a rewritten mpcat packet (from a TUN device, checksum
# complete) is dropped by K's TCP as TcpInCsumErrors (seen on 6.18).
nft_mangle() {
  inR nft delete table inet mpki_mangle 2>/dev/null
  inR nft -f - <<EOF_NFT
table inet mpki_mangle {
  chain mangle_fwd {
    type filter hook forward priority 0;
    ip saddr $K1 tcp $C_NFTPORT $PORT $1 counter
  }
}
EOF_NFT
}
# peer_counters JSON NAME=V|NAME>=V...: mpcat's stack counters (--stats);
# NAME may be A+B (their sum)
peer_counters() {
  [ "$PEER" = mpcat ] || return 0
  "$PY" - "$@" <<'EOF_PY'
import json, re, sys
c = json.load(open(sys.argv[1])).get("counters", {})
bad, seen = [], []
for e in sys.argv[2:]:
    name, op, v = re.match(r"([\w+]+)(>=|=)(\d+)$", e).groups()
    got = sum(c.get(n, 0) for n in name.split("+"))
    parts = name.split("+")
    seen.append("%s=%d" % (name, got) + ("" if len(parts) == 1 else " (%s)" % ", ".join(
        "%s=%d" % (n, c.get(n, 0)) for n in parts)))
    if (got < int(v)) if op == ">=" else (got != int(v)):
        bad.append("%s is %d, expected %s%s" % (name, got, op, v))
print("peer counters: %s" % ("; ".join(bad) if bad else "ok (" + ", ".join(seen) + ")"))
sys.exit(1 if bad else 0)
EOF_PY
}

# ---- the cases -------------------------------------------------------------------

# case_def NAME: sets the C_* variables of a case
case_def() {
  C_ROLE=kc C_KPLAIN=0 C_PPLAIN=0 C_KCSUM=0 C_PCSUM=0 C_PEXTRA=
  C_KCFG="1 0 subflow" C_PCFG="2 0" C_PATHS=$K1,$K2 C_SUBFLOWS=
  C_KMPTCP=true C_KFB=false C_PMPTCP=true C_PFB=false C_CSUM=false
  C_KMIB="--eq MPCapableFallbackACK=0 --eq MPCapableFallbackSYNACK=0 --eq DssFallback=0"
  C_PMIB="--eq MPCapableFallbackACK=0 --eq MPCapableFallbackSYNACK=0 --eq DssFallback=0"
  C_SHAPE= C_FAIR=0 C_PATHDOWN=0 C_MINMPTCP=1 C_NFT= C_NFTPORT=dport C_PCTR= C_REWRITE=
  C_MIBZERO=$MIB_ERRORS
  local kc_mib="--eq MPCapableSYNACKRX=1 --min MPJoinSynAckRx=1"
  local pc_mib="--eq MPCapableSYNRX=1 --eq MPCapableACKRX=1 --min AddAddrTx=1 --min EchoAdd=1 --min MPJoinSynRx=1 --min MPJoinAckRx=1"
  case $1 in
    kc-* | fb-kc-*) C_ROLE=kc ;;
    *) C_ROLE=pc ;;
  esac
  if [ $C_ROLE = pc ]; then
    C_KCFG="2 0 signal" C_PCFG="1 1"
  fi
  case $1 in
    kc-join) C_KMIB="$C_KMIB $kc_mib" ;;
    kc-join-csum) C_KMIB="$C_KMIB $kc_mib" C_KCSUM=1 C_CSUM=true ;;
    kc-peer-csum)
      C_KMIB="$C_KMIB $kc_mib" C_PCSUM=1 C_CSUM=true C_PEXTRA=--checksum ;;
    kc-addaddr)
      C_KCFG="1 1" C_PCFG="2 0 signal"
      C_KMIB="$C_KMIB --eq MPCapableSYNACKRX=1 --min AddAddr=1 --min EchoAddTx=1 --min MPJoinSynAckRx=1" ;;
    pc-signal) C_KMIB="$C_KMIB $pc_mib" ;;
    pc-signal-csum) C_KMIB="$C_KMIB $pc_mib" C_KCSUM=1 C_CSUM=true ;;
    pc-fullmesh)
      C_KCFG="4 0 signal" C_PCFG="4 1 subflow fullmesh" C_SUBFLOWS=4
      C_PEXTRA="--pm fullmesh" C_KMIB="$C_KMIB $pc_mib --min MPJoinAckRx=3" ;;
    kc-fair) C_KMIB="$C_KMIB $kc_mib" C_SHAPE="100 100" C_FAIR=1 ;;
    pc-fair) C_KMIB="$C_KMIB $pc_mib" C_SHAPE="100 100" C_FAIR=1 ;;
    kc-pathdown) C_KMIB="$C_KMIB $kc_mib" C_SHAPE=pd C_PATHDOWN=1 ;;
    pc-pathdown) C_KMIB="$C_KMIB $pc_mib" C_SHAPE=pd C_PATHDOWN=1 ;;
    fb-kc-tcp | fb-pc-tcp)
      # K: a plain TCP socket; the MPTCP peer falls back
      C_KPLAIN=1 C_KCFG="2 0" C_PCFG="2 0" C_PATHS=$K1 C_SUBFLOWS=1
      C_KMPTCP=false C_KFB=false C_PMPTCP=false C_PFB=true C_CSUM=
      C_KMIB="--eq MPCapableSYNRX=0 --eq MPCapableSYNTX=0 --eq MPCapableACKRX=0 --eq MPCapableSYNACKRX=0 --eq MPJoinSynRx=0 --eq DssFallback=0"
      C_MINMPTCP=0
      if [ $1 = fb-pc-tcp ]; then
        C_PMIB="--eq MPCapableFallbackSYNACK=1 --eq DssFallback=0"
      else
        C_PMIB="--eq MPCapableFallbackACK=0 --eq MPCapableFallbackSYNACK=0 --eq DssFallback=0"
      fi ;;
    kc-mpfail | pc-mpfail)
      # one path, checksums on both ends; R rewrites two payload bytes of
      # one packet K sends (see nft_mangle), after some data so that
      # checksums have been valid before. kc: K is the client, pc: the
      # server. The peer finds the bad checksum and sends MP_FAIL on an
      # ACK; K answers with MP_FAIL and falls back to TCP (RFC 8684
      # §3.7), with a DSS carrying an infinite mapping (InfiniteMapRx) or,
      # with mpcat's 4 MiB buffers, as plain TCP at once, which mpcat
      # takes as the infinite mapping (InfiniteMapImplicit; KQ4).
      C_KCFG="0 0" C_PCFG="0 0" C_PATHS=$K1
      C_KCSUM=1 C_PCSUM=1 C_PEXTRA="--checksum" C_CSUM=
      C_KMPTCP=false C_KFB=true C_PMPTCP=false C_PFB=true
      # Only a GSO skb (longer than the 1500-byte MTU: two full segments
      # at least) gets its TCP checksum after the rewrite; the 10th of
      # them, so that earlier DSS checksums were valid (see nft_mangle).
      C_NFT="meta length > 3000 numgen inc mod 1000000 == 10 limit rate 1/hour burst 1 packets @th,4000,16 set 0x5555"
      C_REWRITE=2
      [ $1 = pc-mpfail ] && C_NFTPORT=sport
      C_KMIB="$C_KMIB --min MPFailRx=1 --eq InfiniteMapTx=1 --eq DataCsumErr=0"
      # MPFailCrossed=0: K's answer may name its DATA_ACK (KQ6), but mpcat
      # waits for what only an answerer does before it calls a crossing.
      C_PCTR="DataCsumErr=1 MPFailTx>=1 InfiniteMapRx+InfiniteMapImplicit>=1 InfiniteMapBadDsn=0 InfiniteMapTx=0 MPFailTimeout=0 MPFailCrossed=0" ;;
    fb-kc-peertcp | fb-pc-peertcp)
      # the peer without MPTCP, K's MPTCP socket falls back
      C_PPLAIN=1 C_KCFG="2 0" C_PCFG="2 0" C_PATHS=$K1 C_SUBFLOWS=1
      C_KMPTCP=false C_KFB=true C_PMPTCP=false C_PFB=false C_CSUM=
      C_PMIB="--eq MPCapableSYNRX=0 --eq MPCapableSYNTX=0 --eq DssFallback=0"
      if [ $1 = fb-kc-peertcp ]; then
        C_KMIB="--min MPCapableSYNTX=1 --eq MPCapableFallbackSYNACK=1 --eq MPCapableSYNACKRX=0 --eq MPCapableFallbackACK=0 --eq DssFallback=0"
        C_MINMPTCP=1 # K's SYN carries MP_CAPABLE
      else
        C_KMIB="--eq MPCapableSYNRX=0 --eq MPCapableFallbackACK=0 --eq MPCapableFallbackSYNACK=0 --eq DssFallback=0"
        C_MINMPTCP=0
      fi ;;
  esac
}

FAILED=0
PASSED=0
KFAILED=0
SUMMARY=()
SAVE_RX=1 # the cases keep what each side received until they pass

# json_field FILE KEY: a top-level field of a stats JSON ("" if absent)
json_field() {
  "$PY" -c 'import json, sys
try:
    v = json.load(open(sys.argv[1])).get(sys.argv[2])
except Exception:
    v = None
print("" if v is None else v)' "$1" "$2"
}
# data_verdict WHO SENT GOT RECV_JSON SEND_JSON MIB_BEFORE MIB_AFTER: after
# a sha256 mismatch, shows how the data WHO's application got (GOT)
# differs from SENT. Returns 0 only with the kernel peer and only when
# check-data finds exactly the signature of KQ1 (KERNEL-QUIRKS.md: a
# receiving fallback MPTCP socket whose TCP subflow got every byte
# delivers the sent data with pieces cut out, then a clean EOF, and its
# namespace's NoDSSInWindow rises): the case is then a KFAIL, printed and
# counted apart (MPTCP_INTEROP_KFAIL_FATAL=1 counts it as a failure).
# Any other mismatch fails, and against mpcat every mismatch does
# (check-data only says what it looks like).
data_verdict() {
  local opt=() rc
  [ "$1" = kernel ] && opt=(--classify-only) # K's kernel received it
  [ "$PEER" = kernel ] && opt=(--tolerate-kernel)
  [ -e "$6" ] && [ -e "$7" ] && opt+=(--receiver-mib "$6" "$7")
  "$PY" "$HELPER" check-data "$2" "$3" --name "$1" --receiver-json "$4" \
    --sender-json "$5" "${opt[@]}"
  rc=$?
  if [ $rc = 0 ]; then
    echo "$1: the saved data equals the sent data but its sha256 did not: the harness is broken"
    return 1
  fi
  [ $rc = 3 ] && [ "${MPTCP_INTEROP_KFAIL_FATAL:-0}" != 1 ]
}
# rewrite_verdict SENT GOT N: GOT has SENT's length and differs from it
# in at most N adjacent bytes, each 0x55: what the nft rule wrote in one
# packet.
# After an MP_FAIL Linux does not send those bytes again, and its infinite
# mapping makes the receiver take them as they arrived (RFC 8684 §3.7:
# the mapping applies retroactively; KQ4), so this is the best outcome.
rewrite_verdict() {
  "$PY" - "$@" <<'PYEOF'
import sys
sent, got, n = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read(), int(sys.argv[3])
if len(sent) != len(got):
    print("peer: got %d bytes, sent %d: not a rewrite in place" % (len(got), len(sent)))
    sys.exit(1)
d = [i for i in range(len(sent)) if sent[i] != got[i]] if sent != got else []
if not d or len(d) > n or d[-1] - d[0] >= n or any(got[i] != 0x55 for i in d):
    print("peer: %d bytes differ (first at %s): not the middlebox's rewrite of %d bytes" % (len(d), d[0] if d else "-", n))
    sys.exit(1)
print("peer: the data differs only in the %d byte(s) the middlebox rewrote, at offset %d"
      " (taken retroactively, RFC 8684 section 3.7; KQ4)" % (len(d), d[0]))
PYEOF
}
DK=$OUT/data-k.bin
DP=$OUT/data-p.bin
PORT=5300

# run_case NAME
run_case() {
  local name=$1 p=$OUT/$1 bytes=$((MB * 1048576)) tmo ok=1 t0 t1 rc rate=0
  local kcfg pcfg dur shaped="" kextra pdata kdata kbug
  case_def "$name"
  rm -f "$p".*
  PORT=$((PORT + 1))
  tmo=$((60 + 3 * MB))
  if [ "$C_SHAPE" = pd ]; then
    # both paths equal, sized so that the transfer takes about 12 s
    rate=$(((MB * 8389 + 23999) / 24000))
    [ $rate -lt 2 ] && rate=2
    C_SHAPE="$rate $rate"
  fi
  if [ $C_ROLE = kc ]; then
    dur="K client -> $PEER peer server"
  else
    dur="$PEER peer client -> K server"
  fi
  echo "== $name: $dur, $MB MiB each way${C_SHAPE:+, paths shaped to ${C_SHAPE/ / + } Mbit/s}"
  if [ -n "$C_SHAPE" ]; then
    if [ $SHAPE_OK = 0 ] || ! shape $C_SHAPE; then
      echo "cannot shape the paths (tbf/ifb/u32/mirred unavailable)"
      echo "FAIL $name"
      FAILED=$((FAILED + 1))
      unshape
      return
    fi
    set -- $C_SHAPE
    # the slower path alone must be able to carry it, plus the outage
    tmo=$((60 + MB * 8389 / 1000 / $2 * 2 + PD_AT + PD_FOR))
  fi
  k_config $C_KCSUM $C_KCFG && p_config $C_PCSUM $C_PCFG ||
    { echo "FAIL $name: cannot configure MPTCP"; FAILED=$((FAILED + 1)); return; }
  nstat_k "$p.mib.before"
  nstat_p "$p.mib.before.peer"
  mon_start "$p"
  cap_start "$p" "$PORT"
  DURING=
  [ $C_PATHDOWN = 1 ] && DURING=pathdown_events
  if [ -n "$C_NFT" ]; then
    nft_mangle "$C_NFT" ||
      { echo "FAIL $name: cannot add the nft rule"; FAILED=$((FAILED + 1)); return; }
  fi
  # two paths expected: neither side half-closes before K has both
  # subflows (Linux opens no MP_JOIN once it has a DATA_FIN, and under load
  # its path manager can run after an 8 MiB transfer is over)
  kextra=() PEER_HOLD=
  if [ "$C_PATHS" = "$K1,$K2" ]; then
    kextra=(--want-subflows "${C_SUBFLOWS:-2}" --joined "$p.joined"
      --join-wait $JOIN_WAIT)
    PEER_HOLD=$p.joined
  fi
  t0=$(now)
  transfer $C_ROLE "$p" "$DK" "$DP" "$tmo" "$PORT" $C_KPLAIN $C_PPLAIN \
    "$C_PEXTRA" "${kextra[@]}"
  t1=$(now)
  DURING= PEER_HOLD=
  if [ -n "$C_NFT" ]; then # the rule's counter says whether it struck
    inR nft list table inet mpki_mangle >"$p.nft" 2>&1
    inR nft delete table inet mpki_mangle
  fi
  sleep 0.3 # late FINs, RSTs and counters
  cap_stop
  mon_stop
  nstat_k "$p.mib.after"
  nstat_p "$p.mib.after.peer"
  [ -n "$C_SHAPE" ] && shaped=" (tbf drops: $(tbf_drops))" && unshape
  echo "time: $(elapsed "$t0" "$t1") s$shaped"

  rc=$(cat "$p.peer.rc" 2>/dev/null || echo none)
  if [ "$rc" != 0 ]; then
    echo "peer: exit status $rc (expected 0)"
    ok=0
  fi
  if [ -s "$p.peer.err" ]; then
    echo "peer stderr:"
    sed 's/^/  /' "$p.peer.err" | head -20
  fi
  if [ -s "$p.kernel.err" ]; then
    echo "kernel side stderr:"
    sed 's/^/  /' "$p.kernel.err" | head -20
  fi
  # the data, both ways: sha256 first; on a mismatch check-data shows how
  # the received data differs, and kernel <-> kernel a mismatch with KQ1's
  # exact signature is a KFAIL (see data_verdict)
  pdata=(--bytes-received $bytes)
  kdata=(--bytes-received $bytes --sha256 "$SHA_P")
  kbug=""
  if [ "$(cat "$p.peer.sha256" 2>/dev/null)" = "$SHA_K" ]; then
    echo "peer: received $MB MiB, sha256 match"
  else
    echo "peer: received data's sha256 does not match what the kernel sent"
    if [ -n "$C_REWRITE" ] && rewrite_verdict "$DK" "$p.peer.out" "$C_REWRITE"; then
      : # the middlebox's bytes, taken retroactively (kc-/pc-mpfail)
    elif data_verdict peer "$DK" "$p.peer.out" "$p.peer.json" \
      "$p.kernel.json" "$p.mib.before.peer" "$p.mib.after.peer"; then
      kbug="$kbug peer" pdata=()
    else
      ok=0
    fi
  fi
  if [ "$(json_field "$p.kernel.json" sha256)" != "$SHA_P" ]; then
    echo "kernel: received data's sha256 does not match what the peer sent"
    if data_verdict kernel "$DP" "$p.kernel.out" "$p.kernel.json" \
      "$p.peer.json" "$p.mib.before" "$p.mib.after"; then
      kbug="$kbug kernel" kdata=()
    else
      ok=0
    fi
  fi
  "$PY" "$HELPER" check-stats "$p.kernel.json" --name kernel --side kernel \
    --mptcp $C_KMPTCP --fallback $C_KFB ${C_CSUM:+--checksum $C_CSUM} \
    --bytes-sent $bytes "${kdata[@]}" \
    --paths "$C_PATHS" ${C_SUBFLOWS:+--subflows $C_SUBFLOWS} || ok=0
  "$PY" "$HELPER" check-stats "$p.peer.json" --name peer --side peer \
    --mptcp $C_PMPTCP --fallback $C_PFB ${C_CSUM:+--checksum $C_CSUM} \
    --bytes-sent $bytes "${pdata[@]}" \
    --paths "$C_PATHS" ${C_SUBFLOWS:+--subflows $C_SUBFLOWS} || ok=0
  "$PY" "$HELPER" check-mib "$p.mib.before" "$p.mib.after" --name "mib K" \
    --zero $C_MIBZERO "${MIB_TOLERATE[@]}" ${MIB_TOLERATE:+--why "$(mib_why)"} \
    $C_KMIB || ok=0
  [ -n "$C_PCTR" ] && { peer_counters "$p.peer.json" $C_PCTR || ok=0; }
  if [ "$PEER" = kernel ]; then
    "$PY" "$HELPER" check-mib "$p.mib.before.peer" "$p.mib.after.peer" \
      --name "mib P" --zero $MIB_ERRORS "${MIB_TOLERATE[@]}" \
      ${MIB_TOLERATE:+--why "$(mib_why)"} $C_PMIB || ok=0
  fi
  if [ $C_FAIR = 1 ]; then
    "$PY" "$HELPER" check-share --kernel "$p.kernel.json" \
      --peer "$p.peer.json" --paths $K1,$K2 --min-share 0.25 || ok=0
  elif [ "$C_PATHS" = "$K1,$K2" ]; then
    # informational on unshaped paths (the faster CPU path wins)
    "$PY" "$HELPER" check-share --kernel "$p.kernel.json" \
      --paths $K1,$K2 --min-share 0 | sed 's/^/(info) /'
  fi
  if [ $C_PATHDOWN = 1 ]; then
    if [ -s "$p.down" ] && [ -s "$p.up" ]; then
      "$PY" "$HELPER" check-resume "$p.timeline.json" --path-addr $K2 \
        --down "$(cat "$p.down")" --up "$(cat "$p.up")" || ok=0
    else
      echo "resume: the path was never taken down (no established connection?)"
      ok=0
    fi
    echo "monitor (K): $(grep -c SF_ESTABLISHED "$p.monitor") SF_ESTABLISHED," \
      "$(grep -c SF_CLOSED "$p.monitor") SF_CLOSED events"
  fi
  if [ $CAPTURE = 1 ]; then
    "$PY" "$HELPER" check-pcap "$p.pcap" "$p.k1.pcap" "$p.k2.pcap" \
      --min-mptcp $C_MINMPTCP --port $PORT --kernel-addrs "$KADDRS" || ok=0
    rm -f "$p.k1.pcap" "$p.k2.pcap"
  fi
  dur=$(elapsed "$t0" "$t1")
  rm -f "$p.peer.pid" "$p.peer.ready" "$p.kernel.ready" "$p.established" \
    "$p.k1.tcpdump" "$p.k2.tcpdump" "$p.joined"
  if [ $ok = 1 ] && [ -n "$kbug" ]; then
    echo "KFAIL $name: Linux bug KQ1 (data lost by the fallback socket of:$kbug)," \
      "not counted as a failure; see test/interop/KERNEL-QUIRKS.md" \
      "(MPTCP_INTEROP_KFAIL_FATAL=1 counts it)"
    KFAILED=$((KFAILED + 1))
    SUMMARY+=("KFAIL $name ${dur}s")
  elif [ $ok = 1 ]; then
    echo "PASS $name"
    PASSED=$((PASSED + 1))
    SUMMARY+=("PASS $name ${dur}s")
    [ "${MPTCP_INTEROP_KEEP:-0}" = 1 ] ||
      rm -f "$p.pcap" "$p.peer.out" "$p.kernel.out"
  else
    echo "FAIL $name"
    FAILED=$((FAILED + 1))
    SUMMARY+=("FAIL $name ${dur}s")
  fi
}

# ---- baseline ----------------------------------------------------------------------

run_baseline() {
  local bytes=$((BMB * 1048576)) rates dir i p g list tmo port=5400 sha shares
  local drops0
  local SAVE_RX=0 # the goodput runs hash the data, they do not keep it
  local fails=0
  head -c $bytes /dev/urandom >"$OUT/data-b.bin" || die "no data"
  sha=$(sha256sum <"$OUT/data-b.bin" | cut -d' ' -f1)
  : >"$OUT/data-empty.bin"
  k_config 0 1 0 subflow && p_config 0 2 0 || die "cannot configure MPTCP"
  echo "baseline: $PEER, kernel client -> $PEER server (kc-join), two" \
    "subflows, $BMB MiB one way, $BRUNS runs"
  for rates in "100 100" "100 20"; do
    shape $rates || die "cannot shape the paths (tbf/ifb/u32/mirred)"
    set -- $rates
    tmo=$((60 + BMB * 8389 / 1000 / $2 * 2))
    for dir in kernel-to-peer peer-to-kernel; do
      list=""
      for i in $(seq "$BRUNS"); do
        port=$((port + 1))
        p=$OUT/baseline-$1-$2-$dir-$i
        rm -f "$p".*
        drops0=$(peer_dev_drops)
        # the side with nothing to send half-closes only at the end
        if [ $dir = kernel-to-peer ]; then
          transfer kc "$p" "$OUT/data-b.bin" "hold:$p.acked" "$tmo" \
            "$port" 0 0 "" --wait-acked --acked "$p.acked"
          g=$("$PY" "$HELPER" goodput "$p.kernel.json" --bytes $bytes \
            --direction send) && [ "$(cat "$p.peer.sha256")" = "$sha" ]
        else
          transfer kc "$p" "$OUT/data-empty.bin" "$OUT/data-b.bin" "$tmo" \
            "$port" 0 0 "" --shutdown-after-eof
          g=$("$PY" "$HELPER" goodput "$p.kernel.json" --bytes $bytes \
            --direction recv) && [ "$("$PY" -c 'import json,sys
print(json.load(open(sys.argv[1])).get("sha256"))' "$p.kernel.json")" = "$sha" ]
        fi
        if [ $? != 0 ] || [ "$(cat "$p.peer.rc" 2>/dev/null)" != 0 ]; then
          echo "  $1+$2 Mbit/s $dir run $i: FAILED: $g (peer exit status $(cat "$p.peer.rc" 2>/dev/null), or a sha256 mismatch)"
          fails=$((fails + 1))
          continue
        fi
        shares=$("$PY" "$HELPER" check-share --kernel "$p.kernel.json" \
          --paths $K1,$K2 --min-share 0 | grep "$([ $dir = kernel-to-peer ] &&
            echo 'kernel->peer' || echo 'peer->kernel')" | sed 's/.*: //')
        grep -q '"mptcp": true' "$p.kernel.json" || shares="$shares [NOT MPTCP]"
        echo "  $1+$2 Mbit/s $dir run $i: $g; per path: $shares;" \
          "dropped before the peer: $(($(peer_dev_drops) - drops0))"
        list="$list ${g%% *}"
      done
      [ -n "$list" ] && echo "$list" | tr ' ' '\n' | sed '/^$/d' | sort -n |
        awk -v r="$1+$2" -v d="$dir" -v n="$BRUNS" '{v[NR]=$1} END {
          printf "BASELINE %s Mbit/s %s: median %.1f Mbit/s (min %.1f, max %.1f, %d/%d runs)\n",
          r, d, v[int((NR+1)/2)], v[1], v[NR], NR, n }'
    done
    echo "  tbf drops: $(tbf_drops)"
    unshape
  done
  [ $fails = 0 ]
}

if [ $BASELINE = 1 ]; then
  [ $SHAPE_OK = 1 ] || skip "no ifb devices: cannot shape the paths"
  run_baseline
  exit $?
fi

head -c $((MB * 1048576)) /dev/urandom >"$DK" || die "no data"
head -c $((MB * 1048576)) /dev/urandom >"$DP" || die "no data"
SHA_K=$(sha256sum <"$DK" | cut -d' ' -f1)
SHA_P=$(sha256sum <"$DP" | cut -d' ' -f1)
echo "peer: $PEER; $MB MiB each way; kernel $(uname -r)"
T_ALL=$(now)
for c in $CASES; do
  run_case "$c"
done
echo "---"
printf '%s\n' "${SUMMARY[@]}"
echo "$PASSED passed, $FAILED failed$([ $KFAILED = 0 ] ||
  echo ", $KFAILED KFAIL (Linux bug KQ1, not counted)")" \
  "($(elapsed "$T_ALL" "$(now)") s)"
[ $FAILED = 0 ]
