#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Interop over one path: libmptcp's TCP engine (examples/mpcat --no-mptcp on
# a TUN device) with the Linux kernel's TCP, and mpcat's MPTCP with the
# kernel's MPTCP (cases m-*: both roles, IPv4 and IPv6, DSS checksums, the
# fallback to TCP against a plain TCP kernel socket), judged also by the
# kernel's MPTcpExt counters.
#
#   tcp-kernel.sh MPCAT_EXE OUTDIR
#
# Every case transfers N bytes in each direction at the same time over one
# connection (mpcat: stdin -> peer, peer -> stdout; the kernel side is
# tcp-peer.py), half-closes both ways, and checks: mpcat's exit status 0,
# the kernel side's status, the sha256 of what each end received, and
# mpcat's --stats JSON (bytes each way, one subflow, retransmits).
#
# Topology A (namespace K): the kernel owns 10.61.0.1/24 and fd61::1/64 on
# the TUN device mtun0 in K; mpcat, run in K, attaches to mtun0 and is
# 10.61.0.2 / fd61::2 behind it.
#   a-v4-client  mpcat -> kernel server, IPv4
#   a-v4-server  kernel client -> mpcat -l, IPv4
#   a-v6-client  mpcat -> kernel server, IPv6
#   a-v6-server  kernel client -> mpcat -l, IPv6
# Topology B (namespaces K and R): K k1 10.62.1.1/24 <-veth-> R r1
# 10.62.1.2/24; R forwards to its TUN device mtun1 (10.62.2.1/24), where
# mpcat (run in R) is 10.62.2.2; K routes 10.62.2.0/24 via R. A tbf qdisc
# with a small burst and queue on r1 (R -> K, a forwarding hop) drops
# mpcat's segments, so mpcat must retransmit.
#   b-tbf-client mpcat -> kernel server through the rate limit;
#                additionally needs retransmits > 0 in --stats
#   b-tbf-mptcp  the same with MPTCP on both sides
#
# Environment:
#   MPTCP_INTEROP_MB      MiB each way per topology A case (default 100)
#   MPTCP_INTEROP_TBF_MB  MiB each way for the tbf case (default MB/5, >= 1)
#   MPTCP_INTEROP_PCAP=1  also write OUTDIR/CASE.pcap (mpcat --pcap)
#   MPTCP_INTEROP_MPCAT_ARGS  more mpcat options for every case (e.g.
#                         --offload: virtio-net headers and TUN offloads)
#   MPTCP_INTEROP_KEEP=1  keep the generated data files
#
# Exit: 0 pass, 1 fail, 77 skipped (not root, no network namespaces or TUN).
set -u

MPCAT=${1:?usage: tcp-kernel.sh MPCAT_EXE OUTDIR}
OUT=${2:?usage: tcp-kernel.sh MPCAT_EXE OUTDIR}
HERE=$(cd "$(dirname "$0")" && pwd)
PEER=$HERE/tcp-peer.py
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || echo python3)
MB=${MPTCP_INTEROP_MB:-100}

skip() { echo "SKIP: $*"; exit 77; }
die() { echo "FAIL: $*"; exit 1; }

case $MB in '' | *[!0-9]* | 0) die "MPTCP_INTEROP_MB must be a positive integer" ;; esac
TBF_MB=${MPTCP_INTEROP_TBF_MB:-$((MB / 5 > 0 ? MB / 5 : 1))}
case $TBF_MB in '' | *[!0-9]* | 0) die "MPTCP_INTEROP_TBF_MB must be a positive integer" ;; esac
[ -x "$MPCAT" ] || die "mpcat executable $MPCAT not found"
MPCAT=$(cd "$(dirname "$MPCAT")" && pwd)/$(basename "$MPCAT")

[ "$(id -u)" = 0 ] || skip "needs root for network namespaces and TUN devices"
for t in ip tc sha256sum timeout head "$PY"; do
  command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
done
[ -c /dev/net/tun ] || modprobe tun 2>/dev/null
[ -c /dev/net/tun ] || skip "no /dev/net/tun (TUN driver unavailable)"

K=mpcat-k-$$
R=mpcat-r-$$
cleanup() {
  local ns p
  for ns in "$K" "$R"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
  done
  wait 2>/dev/null
  ip netns del "$K" 2>/dev/null
  ip netns del "$R" 2>/dev/null
  if [ "${MPTCP_INTEROP_KEEP:-0}" != 1 ]; then
    rm -f "$OUT/data.bin" "$OUT/data-tbf.bin"
  fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ip netns add "$K" 2>/dev/null || skip "cannot create network namespaces"
ip netns add "$R" 2>/dev/null || skip "cannot create network namespaces"
ip -n "$K" link set lo up
ip -n "$R" link set lo up

# Topology A.
ip -n "$K" tuntap add dev mtun0 mode tun 2>/dev/null ||
  skip "cannot create TUN devices in a network namespace"
ip -n "$K" addr add 10.61.0.1/24 dev mtun0 || die "setup"
ip -n "$K" -6 addr add fd61::1/64 dev mtun0 nodad || die "setup"
ip -n "$K" link set mtun0 up || die "setup"

# Topology B.
ip -n "$K" link add k1 type veth peer name r1 netns "$R" 2>/dev/null ||
  skip "cannot create veth pairs"
ip -n "$R" tuntap add dev mtun1 mode tun || die "setup"
if ! { ip -n "$K" addr add 10.62.1.1/24 dev k1 &&
  ip -n "$R" addr add 10.62.1.2/24 dev r1 &&
  ip -n "$R" addr add 10.62.2.1/24 dev mtun1 &&
  ip -n "$K" link set k1 up && ip -n "$R" link set r1 up &&
  ip -n "$R" link set mtun1 up &&
  ip -n "$K" route add 10.62.2.0/24 via 10.62.1.2 &&
  ip netns exec "$R" sysctl -q net.ipv4.ip_forward=1; }; then
  die "setup of topology B"
fi
TBF_OK=1
ip netns exec "$R" tc qdisc add dev r1 root tbf rate 40mbit burst 16kb \
  limit 24kb 2>/dev/null || TBF_OK=0

mkdir -p "$OUT" || die "cannot create $OUT"
head -c $((MB * 1048576)) /dev/urandom >"$OUT/data.bin" || die "no data"
head -c $((TBF_MB * 1048576)) /dev/urandom >"$OUT/data-tbf.bin" || die "no data"
SHA=$(sha256sum <"$OUT/data.bin" | cut -d' ' -f1)
SHA_TBF=$(sha256sum <"$OUT/data-tbf.bin" | cut -d' ' -f1)

# Runs mpcat in namespace $1 on TUN $2 as address $3 with stdin $4; files
# go to prefix $5; the rest are mpcat's arguments. Its exit status goes to
# $5.rc, the sha256 of its stdout to $5.sha256, stderr to $5.err.
run_mpcat() {
  local ns=$1 tun=$2 maddr=$3 data=$4 p=$5 tmo=$6
  shift 6
  local extra=()
  [ "${MPTCP_INTEROP_PCAP:-0}" = 1 ] && extra=(--pcap "$p.pcap")
  # shellcheck disable=SC2206 # (word splitting wanted: options)
  extra+=(${MPTCP_INTEROP_MPCAT_ARGS:-})
  {
    # (the pid file lets the caller stop it if the kernel side fails)
    sh -c 'echo $$ >"$0"; exec "$@"' "$p.pid" \
      ip netns exec "$ns" timeout -k 5 "$tmo" "$MPCAT" -q $MPCAT_MODE \
      -t "$tun=$maddr" --stats "$p.stats.json" "${extra[@]}" "$@" <"$data" 2>"$p.err"
    echo $? >"$p.rc"
  } | sha256sum | cut -d' ' -f1 >"$p.sha256"
}
# Stops a side whose peer has already failed (by its own pid).
stop_pid() { [ -n "$1" ] && kill -TERM "$1" 2>/dev/null; }

wait_for() { # CMD... : up to 10 s
  local _
  for _ in $(seq 100); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}
carrier_up() { [ "$(ip netns exec "$1" cat "/sys/class/net/$2/carrier" 2>/dev/null)" = 1 ]; }

FAILED=0
PASSED=0
# The kernel's MPTcpExt counters that must not move in a clean run.
MIB_ERRORS="DSSNotMatching DSSNoMatchTCP NoDSSInWindow DataCsumErr
  MPJoinSynAckHMacFailure MPJoinAckHMacFailure MPJoinNoTokenFound
  FallbackFailed AddAddrDrop RmAddrDrop DSSCorruptionFallback
  DSSCorruptionReset"
mib_snap() { ip netns exec "$K" nstat -az 2>/dev/null | grep MPTcpExt >"$1"; }
mib_get() { # NAME BEFORE AFTER: how much MPTcpExtNAME grew in K
  awk -v n="MPTcpExt$1" '$1 == n {v[FILENAME] = $2}
    END {print v[ARGV[2]] - v[ARGV[1]]}' "$2" "$3"
}

# run_case NAME ROLE MNS TUN MADDR KADDR PORT DATA SHA MIN_RETRANSMITS KIND
#   ROLE client: mpcat connects to a kernel server on KADDR:PORT;
#   ROLE server: mpcat -l PORT, the kernel connects to MADDR:PORT.
#   KIND tcp: mpcat --no-mptcp against kernel TCP (the TCP engine);
#        mptcp: both sides MPTCP (single path), the kernel's counters must
#        show the handshake and no error;
#        csum: the same with the kernel asking for DSS checksums
#        (checksum_enabled=1): both use them;
#        fallback: mpcat offers MPTCP to the kernel's plain TCP and falls
#        back; plain: a plain TCP client gets plain TCP from mpcat -l,
#        which reports it as a fallback (as Linux does for its listener's
#        socket: MPTCP_INFO flags it).
run_case() {
  local name=$1 role=$2 mns=$3 tun=$4 maddr=$5 kaddr=$6 port=$7 data=$8
  local sha=$9 minretx=${10} kind=${11:-tcp}
  local p=$OUT/$name bytes mb tmo kpid mpid t0 t1 ok=1 rc kopt=
  MPCAT_MODE=
  case $kind in
    tcp) MPCAT_MODE=--no-mptcp ;;
    fallback | plain) ;;
    *) kopt=--mptcp ;;
  esac
  ip netns exec "$K" sysctl -q net.mptcp.checksum_enabled=$([ "$kind" = csum ] && echo 1 || echo 0)
  bytes=$(stat -c %s "$data")
  mb=$((bytes / 1048576))
  tmo=$((60 + 2 * mb))
  rm -f "$p".*
  mib_snap "$p.mib0"
  echo "== $name: $role, $mb MiB each way, mpcat $maddr, kernel $kaddr"
  t0=$(date +%s.%N)
  if [ "$role" = client ]; then
    ip netns exec "$K" "$PY" "$PEER" server $kopt --addr "$kaddr" \
      --port "$port" --send "$data" --result "$p.kernel.json" \
      --ready "$p.ready" &
    kpid=$!
    if wait_for test -e "$p.ready"; then
      run_mpcat "$mns" "$tun" "$maddr" "$data" "$p" "$tmo" "$kaddr" "$port"
    else
      echo "kernel server did not start"
      ok=0
    fi
    # mpcat failed: the kernel side would only wait for its timeout
    [ "$(cat "$p.rc" 2>/dev/null)" = 0 ] || stop_pid "$kpid"
    wait "$kpid"
  else
    run_mpcat "$mns" "$tun" "$maddr" "$data" "$p" "$tmo" -l "$port" &
    mpid=$!
    if wait_for carrier_up "$mns" "$tun"; then
      ip netns exec "$K" "$PY" "$PEER" client $kopt --addr "$maddr" \
        --port "$port" --send "$data" --result "$p.kernel.json" &
      kpid=$!
      wait "$kpid" || stop_pid "$(cat "$p.pid" 2>/dev/null)"
    else
      echo "mpcat did not attach to $tun"
      ok=0
    fi
    wait "$mpid"
  fi
  t1=$(date +%s.%N)
  rc=$(cat "$p.rc" 2>/dev/null || echo none)
  if [ "$rc" != 0 ]; then
    echo "mpcat: exit status $rc (expected 0)"
    ok=0
  fi
  if [ -s "$p.err" ]; then
    echo "mpcat stderr:"
    sed 's/^/  /' "$p.err" | head -20
  fi
  if [ "$(cat "$p.sha256" 2>/dev/null)" = "$sha" ]; then
    echo "mpcat: received $mb MiB, sha256 match"
  else
    echo "mpcat: received data's sha256 does not match what the kernel sent"
    ok=0
  fi
  "$PY" "$PEER" check-result "$p.kernel.json" --bytes "$bytes" \
    --sha256 "$sha" || ok=0
  "$PY" "$PEER" check-stats "$p.stats.json" --bytes "$bytes" \
    --min-retransmits "$minretx" --kind "$kind" || ok=0
  mib_snap "$p.mib"
  local c v want
  for c in $MIB_ERRORS; do
    v=$(mib_get "$c" "$p.mib0" "$p.mib")
    [ "$v" = 0 ] || { echo "kernel MIB $c = $v (expected 0)"; ok=0; }
  done
  case $kind.$role in
    mptcp.client) want="MPCapableSYNRX MPCapableACKRX" ;;
    mptcp.server) want="MPCapableSYNTX MPCapableSYNACKRX" ;;
    csum.client) want="MPCapableSYNRX MPCapableACKRX" ;;
    csum.server) want="MPCapableSYNTX MPCapableSYNACKRX" ;;
    *) want= ;;
  esac
  for c in $want; do
    v=$(mib_get "$c" "$p.mib0" "$p.mib")
    [ "$v" = 1 ] || { echo "kernel MIB $c = $v (expected 1)"; ok=0; }
  done
  [ -n "$want" ] && echo "kernel MIB: $(awk 'NR == FNR {b[$1] = $2; next}
    $2 != b[$1] {printf "%s=%d ", substr($1, 9), $2 - b[$1]}' "$p.mib0" "$p.mib")"
  echo "time: $(echo "$t0 $t1" | awk '{printf "%.1f s", $2 - $1}')"
  if [ $ok = 1 ]; then
    echo "PASS $name"
    PASSED=$((PASSED + 1))
  else
    echo "FAIL $name"
    FAILED=$((FAILED + 1))
  fi
}

D=$OUT/data.bin
run_case a-v4-client client "$K" mtun0 10.61.0.2 10.61.0.1 5101 "$D" "$SHA" 0
run_case a-v4-server server "$K" mtun0 10.61.0.2 10.61.0.1 5102 "$D" "$SHA" 0
run_case a-v6-client client "$K" mtun0 fd61::2 fd61::1 5103 "$D" "$SHA" 0
run_case a-v6-server server "$K" mtun0 fd61::2 fd61::1 5104 "$D" "$SHA" 0
# MPTCP on a single path, both roles and both address families, with DSS
# checksums, and the fallback against the kernel's plain TCP.
run_case m-v4-client client "$K" mtun0 10.61.0.2 10.61.0.1 5111 "$D" "$SHA" 0 mptcp
run_case m-v4-server server "$K" mtun0 10.61.0.2 10.61.0.1 5112 "$D" "$SHA" 0 mptcp
run_case m-v6-client client "$K" mtun0 fd61::2 fd61::1 5113 "$D" "$SHA" 0 mptcp
run_case m-v6-server server "$K" mtun0 fd61::2 fd61::1 5114 "$D" "$SHA" 0 mptcp
run_case m-csum-client client "$K" mtun0 10.61.0.2 10.61.0.1 5115 "$D" "$SHA" 0 csum
run_case m-csum-server server "$K" mtun0 10.61.0.2 10.61.0.1 5116 "$D" "$SHA" 0 csum
run_case m-fallback-client client "$K" mtun0 10.61.0.2 10.61.0.1 5117 "$D" "$SHA" 0 fallback
run_case m-plain-server server "$K" mtun0 10.61.0.2 10.61.0.1 5118 "$D" "$SHA" 0 plain
if [ $TBF_OK = 1 ]; then
  run_case b-tbf-client client "$R" mtun1 10.62.2.2 10.62.1.1 5105 \
    "$OUT/data-tbf.bin" "$SHA_TBF" 1
  run_case b-tbf-mptcp client "$R" mtun1 10.62.2.2 10.62.1.1 5106 \
    "$OUT/data-tbf.bin" "$SHA_TBF" 1 mptcp
  ip netns exec "$R" tc -s qdisc show dev r1 | grep -o 'dropped [0-9]*' |
    sed 's/^/tbf: /'
else
  echo "FAIL b-tbf-client: cannot add a tbf qdisc (sch_tbf unavailable)"
  FAILED=$((FAILED + 1))
fi

echo "$PASSED passed, $FAILED failed"
[ $FAILED = 0 ]
