#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The Linux kernel's MPTCP endpoint for mptcp-kernel.sh, and its checks.

  mptcp-kernel-peer.py server --port P [--addr A] --send FILE --result JSON
                       [--output FILE] [--ready F] [--established F] [--tcp]
                       [--timeline JSON] [--sample-ms MS] [--wait-acked]
                       [--acked F] [--shutdown-after-eof]
                       [--want-subflows N --joined F --join-wait S]
  mptcp-kernel-peer.py client --addr A --port P [--bind B] --send FILE ...
  mptcp-kernel-peer.py check-stats JSON --name WHO [expectations...]
  mptcp-kernel-peer.py check-share --kernel JSON [--peer JSON] --paths A,B
                       --min-share F
  mptcp-kernel-peer.py check-mib BEFORE AFTER [--zero N,..] [--eq N=V]
                       [--min N=V] [--tolerate N,.. --why TEXT]
  mptcp-kernel-peer.py check-resume TIMELINE --path-addr A --down T --up T
  mptcp-kernel-peer.py check-pcap OUT.pcap IN.pcap... [--port P]
                       [--kernel-addrs A,..]
  mptcp-kernel-peer.py check-data SENT GOT --name WHO [--receiver-json J]
                       [--sender-json J] [--receiver-mib BEFORE AFTER]
                       [--tolerate-kernel | --classify-only]
  mptcp-kernel-peer.py goodput JSON --bytes N --direction send|recv

server/client: one connection over an IPPROTO_MPTCP socket (--tcp: a plain
TCP socket) that sends FILE ("-": stdin) and, at the same time, receives
until EOF (into --output, "-": stdout, if given); after sending everything
it half-closes (shutdown SHUT_WR; --shutdown-after-eof: only once the
peer's EOF is in). The server's listener stays open until the end: Linux
refuses (RST) MP_JOINs to a port nobody listens on any more. It behaves like
`mpcat` and writes the
same JSON shape as `mpcat --stats` to --result:

  {"result", "mptcp", "version", "fallback", "checksum", "bytes_sent",
   "bytes_received", "subflows": [{"local", "remote", "backup",
   "bytes_sent", "bytes_received", "retransmits", ...}], ...}

plus "sha256" (of the received data), "error", "seconds" (connection
established -> both directions done), "recv_seconds" (established -> EOF)
and, with --wait-acked, "acked_seconds" (established -> everything sent,
DATA_FIN included, is DATA_ACKed -- on a fallback: all ACKed -- the sender's
view of when the receiver had it all; --acked F is created then).
--want-subflows N delays the half-close until the connection has N
subflows (at most --join-wait seconds, then it half-closes anyway and says
so on stderr) and creates --joined F when they are there. A sampler thread reads the subflows every --sample-ms (default 20)
with getsockopt(SOL_MPTCP, MPTCP_SUBFLOW_ADDRS / MPTCP_TCPINFO); "subflows"
is every subflow seen (a subflow that closes before the end keeps its last
counters, but the kernel drops a subflow from the list soon after it
closes, so its last few ms may be missing); --timeline writes every sample
with its wall-clock time. On a fallback MPTCP_INFO fails (EOPNOTSUPP): the
JSON then says fallback true, and TCP_INFO describes the one subflow.
Per subflow: bytes_sent = tcpi_bytes_sent (retransmissions included),
bytes_acked, bytes_received (tcp_info's RFC 4898 counters), retransmits =
tcpi_total_retrans (segments). The kernel does not report a subflow's
backup flag here: "backup" is always false.

The check-* commands print what they find and exit 1 on any mismatch.
"""
import argparse
import ctypes
import hashlib
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

IPPROTO_MPTCP = 262
SOL_MPTCP = 284
MPTCP_INFO = 1
MPTCP_TCPINFO = 2
MPTCP_SUBFLOW_ADDRS = 3
MPTCP_INFO_FLAG_FALLBACK = 1
TCP_INFO_LEN = 232          # up to tcpi_bytes_retrans
ADDRS_LEN = 256             # struct mptcp_subflow_addrs
TCP_STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1",
              5: "FIN_WAIT2", 6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT",
              9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING"}

_libc = ctypes.CDLL(None, use_errno=True)


# ---- socket introspection --------------------------------------------------

def fmt_sockaddr(raw):
    """struct sockaddr_in/_in6 (network order port) -> "ip:port"."""
    fam = struct.unpack_from("=H", raw, 0)[0]
    port = struct.unpack_from("!H", raw, 2)[0]
    if fam == socket.AF_INET:
        return "%s:%d" % (socket.inet_ntop(socket.AF_INET, raw[4:8]), port)
    if fam == socket.AF_INET6:
        return "[%s]:%d" % (socket.inet_ntop(socket.AF_INET6, raw[8:24]), port)
    return "?"


def fmt_addr(addr):
    if ":" in addr[0]:
        return "[%s]:%d" % (addr[0], addr[1])
    return "%s:%d" % (addr[0], addr[1])


def subflow_getsockopt(fd, opt, elem):
    """getsockopt with a struct mptcp_subflow_data header: list of elems."""
    n = 8
    while True:
        size = 16 + n * elem
        buf = ctypes.create_string_buffer(size)
        struct.pack_into("=IIII", buf, 0, 16, 0, 0, elem)
        ln = ctypes.c_uint32(size)
        if _libc.getsockopt(fd, SOL_MPTCP, opt, buf, ctypes.byref(ln)) < 0:
            e = ctypes.get_errno()
            raise OSError(e, os.strerror(e))
        _, num, _, usize = struct.unpack_from("=IIII", buf, 0)
        if num > n:
            n = num
            continue
        raw = buf.raw
        return [raw[16 + i * usize:16 + (i + 1) * usize] for i in range(num)]


def parse_tcp_info(raw):
    raw = raw.ljust(TCP_INFO_LEN, b"\0")
    return {
        "state": TCP_STATES.get(raw[0], str(raw[0])),
        "retransmits": struct.unpack_from("=I", raw, 100)[0],
        "bytes_acked": struct.unpack_from("=Q", raw, 120)[0],
        "bytes_received": struct.unpack_from("=Q", raw, 128)[0],
        "bytes_sent": struct.unpack_from("=Q", raw, 200)[0],
        "srtt_us": struct.unpack_from("=I", raw, 68)[0],
        "cwnd": struct.unpack_from("=I", raw, 80)[0],
        "mss": struct.unpack_from("=I", raw, 16)[0],
    }


def mptcp_info(sock):
    """Parsed MPTCP_INFO, or None when the socket is not (or no longer)
    MPTCP (a fallback socket forwards getsockopt to its TCP subflow)."""
    try:
        raw = sock.getsockopt(SOL_MPTCP, MPTCP_INFO, 256)
    except OSError:
        return None
    raw = raw.ljust(48, b"\0")
    return {
        "subflows": raw[0],
        "flags": struct.unpack_from("=I", raw, 8)[0],
        "token": struct.unpack_from("=I", raw, 12)[0],
        "write_seq": struct.unpack_from("=Q", raw, 16)[0],
        "snd_una": struct.unpack_from("=Q", raw, 24)[0],
        "rcv_nxt": struct.unpack_from("=Q", raw, 32)[0],
        "csum_enabled": bool(raw[42]),
    }


def sample_subflows(sock, plain):
    """One sample: list of subflow dicts (local, remote, tcp_info fields)."""
    if not plain:
        try:
            fd = sock.fileno()
            for _ in range(3):
                a1 = subflow_getsockopt(fd, MPTCP_SUBFLOW_ADDRS, ADDRS_LEN)
                ti = subflow_getsockopt(fd, MPTCP_TCPINFO, TCP_INFO_LEN)
                a2 = subflow_getsockopt(fd, MPTCP_SUBFLOW_ADDRS, ADDRS_LEN)
                if a1 == a2 and len(a1) == len(ti):
                    out = []
                    for a, t in zip(a1, ti):
                        d = {"local": fmt_sockaddr(a[:128]),
                             "remote": fmt_sockaddr(a[128:256])}
                        d.update(parse_tcp_info(t))
                        out.append(d)
                    return out
            return None
        except OSError:
            pass  # fallback: plain TCP below
    try:
        t = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, TCP_INFO_LEN)
        d = {"local": fmt_addr(sock.getsockname()),
             "remote": fmt_addr(sock.getpeername())}
    except OSError:
        return None
    d.update(parse_tcp_info(t))
    return [d]


class Sampler(threading.Thread):
    """Reads the subflows every interval; keeps the union and a timeline."""

    def __init__(self, sock, plain, interval, keep_timeline, want=0,
                 joined=None):
        super().__init__(daemon=True)
        self.sock, self.plain, self.interval = sock, plain, interval
        self.keep = keep_timeline
        # set (and the file JOINED created) once WANT subflows were seen
        self.want, self.joined_file = want, joined
        self.joined = threading.Event()
        self.timeline = []
        self.union = {}
        self.order = []
        self.stop_ev = threading.Event()
        self.lock = threading.Lock()

    def sample(self):
        s = sample_subflows(self.sock, self.plain)
        if s is None:
            return
        now = time.time()
        if self.want and len(s) >= self.want and not self.joined.is_set():
            touch(self.joined_file)
            self.joined.set()
        with self.lock:
            for d in s:
                key = (d["local"], d["remote"])
                if key not in self.union:
                    self.order.append(key)
                    d["first_seen"] = round(now, 3)
                else:
                    d["first_seen"] = self.union[key]["first_seen"]
                self.union[key] = d
            if self.keep:
                self.timeline.append({"t": round(now, 3), "subflows": [
                    {k: d[k] for k in ("local", "remote", "state",
                                       "bytes_acked", "bytes_received",
                                       "bytes_sent", "retransmits")}
                    for d in s]})

    def run(self):
        while not self.stop_ev.wait(self.interval):
            self.sample()

    def finish(self):
        self.stop_ev.set()
        self.join()
        self.sample()
        with self.lock:
            return [dict(self.union[k], backup=False) for k in self.order]


# ---- the endpoint ------------------------------------------------------------

def new_socket(fam, plain):
    if plain:
        return socket.socket(fam, socket.SOCK_STREAM)
    return socket.socket(fam, socket.SOCK_STREAM, IPPROTO_MPTCP)


def touch(path, text="ok\n"):
    if path:
        with open(path, "w") as f:
            f.write(text)


def run_endpoint(args):
    res = {"result": "error", "mptcp": False, "version": None,
           "fallback": False, "checksum": False, "bytes_sent": 0,
           "bytes_received": 0, "subflows": [], "sha256": None,
           "error": None, "seconds": None, "recv_seconds": None,
           "acked_seconds": None, "established_at": None}
    errors = []
    fam = socket.AF_INET6 if ":" in (args.addr or "") else socket.AF_INET
    src = sys.stdin.buffer if args.send == "-" else open(args.send, "rb")
    dst = None
    if args.output == "-":
        dst = sys.stdout.buffer
    elif args.output:
        dst = open(args.output, "wb")
    sock = ls = None
    sampler = None
    timeline = []
    t0 = time.monotonic()
    try:
        if args.mode == "server":
            ls = new_socket(fam, args.tcp)
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            ls.bind((args.addr or ("::" if fam == socket.AF_INET6
                                   else "0.0.0.0"), args.port))
            ls.listen(4)
            ls.settimeout(args.accept_timeout)
            touch(args.ready)
            sock, _ = ls.accept()
            # the listener stays open: the peer's MP_JOINs arrive through it
        else:
            deadline = time.monotonic() + args.accept_timeout
            while True:
                sock = new_socket(fam, args.tcp)
                if args.bind:
                    sock.bind((args.bind, 0))
                sock.settimeout(args.accept_timeout)
                try:
                    sock.connect((args.addr, args.port))
                    break
                except (ConnectionRefusedError, OSError) as e:
                    sock.close()
                    if (isinstance(e, socket.timeout) or
                            time.monotonic() > deadline):
                        raise
                    time.sleep(0.1)
        t0 = time.monotonic()
        res["established_at"] = round(time.time(), 3)
        touch(args.established)
        sock.settimeout(args.idle_timeout)
        sampler = Sampler(sock, args.tcp, args.sample_ms / 1000.0,
                          bool(args.timeline), args.want_subflows,
                          args.joined)
        sampler.sample()
        sampler.start()

        got_eof = threading.Event()

        def sender():
            try:
                while True:
                    chunk = src.read(1 << 18)
                    if not chunk:
                        break
                    sock.sendall(chunk)
                    res["bytes_sent"] += len(chunk)
                if args.shutdown_after_eof:
                    got_eof.wait()
                if args.want_subflows and not sampler.joined.wait(
                        args.join_wait):
                    # no verdict here: the checks report the missing path
                    sys.stderr.write("only %d of %d subflows after %.0f s; "
                                     "half-closing anyway\n" % (
                                         len(sample_subflows(sock, False)
                                             or []), args.want_subflows,
                                         args.join_wait))
                # last look before our DATA_FIN: once both sides are done
                # the kernel prunes closed subflows from the list
                sampler.sample()
                sock.shutdown(socket.SHUT_WR)
                if args.wait_acked:
                    wait_acked()
            except OSError as e:
                errors.append("send: %s" % e)

        def all_acked():
            info = mptcp_info(sock)
            if info:  # DATA_FIN included
                return info["snd_una"] >= info["write_seq"]
            # a fallback: the TCP subflow has nothing unsent or unacked
            t = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 232)
            return (struct.unpack_from("=I", t, 24)[0] == 0 and
                    struct.unpack_from("=I", t, 144)[0] == 0)

        def wait_acked():
            """Until everything sent is (DATA_)ACKed."""
            end = time.monotonic() + args.idle_timeout
            while not all_acked():
                if time.monotonic() > end:
                    errors.append("data not acknowledged")
                    return
                time.sleep(0.001)
            res["acked_seconds"] = round(time.monotonic() - t0, 3)
            touch(args.acked)

        th = threading.Thread(target=sender)
        th.start()
        h = hashlib.sha256()
        buf = bytearray(1 << 18)
        try:
            while True:
                n = sock.recv_into(buf)
                if n == 0:
                    break
                h.update(memoryview(buf)[:n])
                if dst:
                    dst.write(memoryview(buf)[:n])
                res["bytes_received"] += n
        except OSError as e:
            errors.append("recv: %s" % e)
        got_eof.set()
        res["recv_seconds"] = round(time.monotonic() - t0, 3)
        th.join()
        touch(args.acked)
        res["sha256"] = h.hexdigest()
        if dst:
            dst.flush()
        info = None if args.tcp else mptcp_info(sock)
        res["subflows"] = sampler.finish()
        timeline = sampler.timeline
        sampler = None
        if args.tcp:
            pass
        elif info is None or info["flags"] & MPTCP_INFO_FLAG_FALLBACK:
            res["fallback"] = True
        else:
            res["mptcp"] = True
            res["version"] = 1  # the kernel speaks RFC 8684 only
            res["checksum"] = info["csum_enabled"]
            res["token"] = info["token"]
        sock.close()
        if ls:
            ls.close()
    except OSError as e:
        errors.append("%s: %s" % (args.mode, e))
    if sampler:
        try:
            res["subflows"] = sampler.finish()
        except OSError:
            pass
        timeline = sampler.timeline
    res["seconds"] = round(time.monotonic() - t0, 3)
    res["error"] = "; ".join(errors) if errors else None
    res["result"] = "ok" if not errors else "error"
    with open(args.result, "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    if args.timeline:
        with open(args.timeline, "w") as f:
            json.dump(timeline, f)
    return 0 if not errors else 1


# ---- checks -------------------------------------------------------------------

def load_json(path, what):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print("%s: cannot read %s: %s" % (what, path, e))
        return None


def host_of(a):
    """"ip:port" / "[ip6]:port" -> ip."""
    if a.startswith("["):
        return a[1:a.index("]")]
    return a.rsplit(":", 1)[0]


def tristate(s):
    return None if s is None else s == "true"


def check_stats(args):
    st = load_json(args.json, args.name)
    if st is None:
        return 1
    bad = []

    def expect(what, got, want):
        if want is not None and got != want:
            bad.append("%s is %r, expected %r" % (what, got, want))

    expect("mptcp", st.get("mptcp"), tristate(args.mptcp))
    expect("fallback", st.get("fallback"), tristate(args.fallback))
    expect("checksum", st.get("checksum"), tristate(args.checksum))
    if args.mptcp == "true":
        expect("version", st.get("version"), 1)
    expect("bytes_sent", st.get("bytes_sent"), args.bytes_sent)
    expect("bytes_received", st.get("bytes_received"), args.bytes_received)
    if args.sha256:
        expect("received sha256", st.get("sha256"), args.sha256)
    subs = st.get("subflows")
    if not isinstance(subs, list):
        bad.append("subflows is %r, not a list" % (subs,))
        subs = []
    key = "remote" if args.side == "peer" else "local"
    paths = [p for p in (args.paths or "").split(",") if p]
    seen = []
    for sf in subs:
        for k in ("local", "remote", "backup", "bytes_sent",
                  "bytes_received", "retransmits"):
            if k not in sf:
                bad.append("a subflow has no %s" % k)
        try:
            seen.append(host_of(sf.get(key, "")))
        except ValueError:
            bad.append("subflow %s %r is not ip:port" % (key, sf.get(key)))
    for p in paths:
        if p not in seen:
            bad.append("no subflow on the path of %s" % p)
    if args.subflows is not None and len(subs) != args.subflows:
        bad.append("%d subflows, expected %d" % (len(subs), args.subflows))
    desc = ", ".join("%s>%s %s/%s%s" % (
        sf.get("local"), sf.get("remote"), sf.get("bytes_sent"),
        sf.get("bytes_received"),
        " rtx %s" % sf.get("retransmits") if sf.get("retransmits") else "")
        for sf in subs)
    print("%s: result=%s mptcp=%s fallback=%s checksum=%s sent=%s "
          "received=%s subflows (sent/received): %s"
          % (args.name, st.get("result"), st.get("mptcp"), st.get("fallback"),
             st.get("checksum"), st.get("bytes_sent"),
             st.get("bytes_received"), desc or "none"))
    for b in bad:
        print("%s: %s" % (args.name, b))
    return 1 if bad else 0


def align(sent, got, probe=64, max_probes=4000):
    """Describes GOT as pieces of SENT: a list of ("=", got_off, sent_off,
    length) for bytes found in SENT and ("?", got_off, None, length) for
    bytes that are not (the data is random, so a 64-byte probe is
    unique). Greedy, left to right; stops probing after MAX_PROBES misses
    (the rest is then reported as one foreign piece)."""
    segs = []
    i = 0
    misses = 0
    foreign = None
    hint = 0
    while i < len(got):
        n = min(probe, len(got) - i)
        k = -1
        # the common case: the data continues where the last piece ended
        if sent[hint:hint + n] == got[i:i + n]:
            k = hint
        elif misses < max_probes:
            k = sent.find(got[i:i + n])
        if k < 0 or (n < 16 and k != hint):
            misses += 1
            step = n if misses < max_probes else len(got) - i
            if foreign is None:
                foreign = i
            i += step
            continue
        if foreign is not None:
            # the probe skipped up to PROBE-1 bytes that may match
            while i > foreign and k > 0 and got[i - 1] == sent[k - 1]:
                i -= 1
                k -= 1
            if i > foreign:
                segs.append(("?", foreign, None, i - foreign))
            foreign = None
        m = n
        step = 1 << 16
        while i + m < len(got) and k + m < len(sent):
            s = min(step, len(got) - i - m, len(sent) - k - m)
            if got[i + m:i + m + s] == sent[k + m:k + m + s]:
                m += s
                continue
            if s == 1:
                break
            step = max(1, s // 2)
        segs.append(("=", i, k, m))
        i += m
        hint = k + m
    if foreign is not None:
        segs.append(("?", foreign, None, len(got) - foreign))
    return segs


def check_data(args):
    """Compares what a receiver delivered to its application (GOT) with
    what the other side sent (SENT) and, on a mismatch, says exactly how
    they differ. With --tolerate-kernel (both ends are the Linux kernel)
    a mismatch is reported as the kernel bug KQ1, exit status 3, only when
    it has exactly KQ1's signature (see the checks below and
    KERNEL-QUIRKS.md). Exit 0: identical; 1: mismatch; 3: KQ1."""
    try:
        with open(args.sent, "rb") as f:
            sent = f.read()
        with open(args.got, "rb") as f:
            got = f.read()
    except OSError as e:
        print("%s: cannot compare the data: %s" % (args.name, e))
        return 1
    if sent == got:
        print("%s: the received data is identical to the sent data (%d "
              "bytes)" % (args.name, len(got)))
        return 0
    segs = align(sent, got)
    print("%s: the application got %d bytes, the other side sent %d; "
          "the received data as pieces of the sent data:"
          % (args.name, len(got), len(sent)))
    for s in segs[:args.max_report]:
        if s[0] == "=":
            print("  got[%d:%d] = sent[%d:%d] (%d bytes)"
                  % (s[1], s[1] + s[3], s[2], s[2] + s[3], s[3]))
        else:
            print("  got[%d:%d] is not in the sent data (%d bytes)"
                  % (s[1], s[1] + s[3], s[3]))
    if len(segs) > args.max_report:
        print("  ... %d pieces in all" % len(segs))
    # sent bytes that never reached the application, bytes delivered twice
    cover = sorted((s[2], s[2] + s[3]) for s in segs if s[0] == "=")
    missing, dup, end = [], 0, 0
    for a, b in cover:
        if a > end:
            missing.append((end, a))
        elif a < end:
            dup += min(b, end) - a
        end = max(end, b)
    if end < len(sent):
        missing.append((end, len(sent)))
    foreign = sum(s[3] for s in segs if s[0] == "?")
    print("  missing from the application's stream: %s; delivered twice: "
          "%d bytes; foreign: %d bytes"
          % (", ".join("sent[%d:%d]" % m for m in missing[:6]) +
             (" ..." if len(missing) > 6 else "") if missing else "none",
             dup, foreign))
    if not (args.tolerate_kernel or args.classify_only):
        return 1
    # KQ1 (test/interop/KERNEL-QUIRKS.md) and nothing else: a receiving
    # fallback MPTCP socket whose TCP subflow got every byte delivers the
    # sent data with piece(s) cut out, in order, then a clean EOF, and its
    # kernel counts NoDSSInWindow (which a fallback connection, without
    # DSS, cannot otherwise trip). Every condition is checked; any other
    # mismatch is a failure.
    why = []
    rcv = load_json(args.receiver_json, args.name) if args.receiver_json \
        else None
    snd = load_json(args.sender_json, args.name) if args.sender_json \
        else None
    if foreign:
        why.append("%d delivered bytes were never sent" % foreign)
    if dup:
        why.append("%d bytes delivered twice" % dup)
    offs = [s[2] for s in segs if s[0] == "="]
    if not offs or offs[0] != 0 or any(
            offs[j] >= offs[j + 1] for j in range(len(offs) - 1)):
        why.append("the delivered pieces are not the sent data in order "
                   "from its start")
    if len(got) >= len(sent):
        why.append("not a truncated stream")
    if not snd or snd.get("result") != "ok" or \
            snd.get("bytes_sent") != len(sent):
        why.append("the sender did not report sending all %d bytes"
                   % len(sent))
    tcp = None
    if rcv:
        tcp = sum(sf.get("bytes_received") or 0
                  for sf in rcv.get("subflows") or [])
        if tcp < len(sent):
            why.append("the receiver's TCP subflow reports %d bytes "
                       "received, fewer than sent" % tcp)
        if rcv.get("result") != "ok":
            why.append("the receiver did not end with a clean EOF (%s)"
                       % rcv.get("error"))
        if rcv.get("bytes_received") != len(got) or \
                rcv.get("sha256") != hashlib.sha256(got).hexdigest():
            why.append("the saved data (%d bytes) is not what the receiving "
                       "application counted and hashed (%s bytes)"
                       % (len(got), rcv.get("bytes_received")))
        if not rcv.get("fallback"):
            why.append("the receiver is not a fallback MPTCP socket "
                       "(mptcp %s)" % rcv.get("mptcp"))
    else:
        why.append("no receiver stats")
    nodss = None
    if args.receiver_mib:
        try:
            a = read_nstat(args.receiver_mib[0])
            b = read_nstat(args.receiver_mib[1])
            nodss = b.get("NoDSSInWindow", 0) - a.get("NoDSSInWindow", 0)
        except (OSError, ValueError) as e:
            why.append("receiver MIB unreadable: %s" % e)
    if not nodss:
        why.append("the receiver's NoDSSInWindow did not rise (%s)" % nodss)
    if why:
        print("%s: not the KQ1 signature: %s" % (args.name, "; ".join(why)))
        return 1
    if args.classify_only:
        # the other end is the stack under test: a mismatch is a failure
        # whatever it looks like
        print("%s: this has the KQ1 signature (test/interop/"
              "KERNEL-QUIRKS.md): check the capture before blaming the "
              "sender, but it counts as a failure" % args.name)
        return 1
    print("%s: KQ1 signature (kernel <-> kernel): the receiving fallback "
          "MPTCP socket's TCP subflow received %d bytes (all data + FIN), "
          "NoDSSInWindow +%d, the application got the sent data with %d "
          "piece(s) cut out (%d bytes) and a clean EOF; see "
          "test/interop/KERNEL-QUIRKS.md"
          % (args.name, tcp, nodss, len(missing), len(sent) - len(got)))
    return 3


def path_bytes(st, side, field, paths):
    key = "remote" if side == "peer" else "local"
    out = dict((p, 0) for p in paths)
    for sf in st.get("subflows") or []:
        try:
            h = host_of(sf.get(key, ""))
        except ValueError:
            continue
        if h in out and isinstance(sf.get(field), int):
            out[h] += sf[field]
    return out


def check_share(args):
    paths = args.paths.split(",")
    bad = []
    views = []
    k = load_json(args.kernel, "kernel")
    if k is None:
        return 1
    # each direction: who measured it, which counter
    views.append(("kernel->peer, kernel bytes_acked", k, "kernel",
                  "bytes_acked"))
    views.append(("peer->kernel, kernel bytes_received", k, "kernel",
                  "bytes_received"))
    if args.peer:
        p = load_json(args.peer, "peer")
        if p is None:
            return 1
        views.append(("kernel->peer, peer bytes_received", p, "peer",
                      "bytes_received"))
        views.append(("peer->kernel, peer bytes_sent", p, "peer",
                      "bytes_sent"))
    for what, st, side, field in views:
        pb = path_bytes(st, side, field, paths)
        tot = sum(pb.values())
        shares = dict((q, (pb[q] / tot if tot else 0.0)) for q in paths)
        print("share %s: %s" % (what, ", ".join(
            "%s %.1f%% (%d)" % (q, 100 * shares[q], pb[q]) for q in paths)))
        for q in paths:
            if shares[q] < args.min_share:
                bad.append("%s: path %s carried %.1f%% < %.0f%%"
                           % (what, q, 100 * shares[q], 100 * args.min_share))
    for b in bad:
        print("share: " + b)
    return 1 if bad else 0


def read_nstat(path):
    out = {}
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) >= 2 and p[0].startswith("MPTcpExt"):
                out[p[0][len("MPTcpExt"):]] = int(p[1])
    return out


def check_mib(args):
    try:
        a, b = read_nstat(args.before), read_nstat(args.after)
    except (OSError, ValueError) as e:
        print("mib: %s" % e)
        return 1
    if not b:
        print("mib: no MPTcpExt counters in %s" % args.after)
        return 1
    d = dict((k, b.get(k, 0) - a.get(k, 0)) for k in b)
    bad = []
    for n in (args.zero or "").split(","):
        if n and d.get(n, 0) != 0:
            bad.append("%s = %d, expected 0" % (n, d[n]))
    for spec in args.eq or []:
        n, v = spec.split("=")
        if d.get(n, 0) != int(v):
            bad.append("%s = %d, expected %s" % (n, d.get(n, 0), v))
    for spec in args.min or []:
        n, v = spec.split("=")
        if d.get(n, 0) < int(v):
            bad.append("%s = %d, expected >= %s" % (n, d.get(n, 0), v))
    for n in (args.tolerate or "").split(","):
        if n and d.get(n, 0) != 0:
            print("%s: %s = %d tolerated (%s)" % (args.name, n, d[n],
                                                 args.why or "see the caller"))
    nz = " ".join("%s=%d" % (k, v) for k, v in sorted(d.items())
                  if v and k != "MPCurrEstab")
    print("%s: %s" % (args.name, nz or "all MPTcpExt counters unchanged"))
    for x in bad:
        print("%s: %s" % (args.name, x))
    return 1 if bad else 0


def check_resume(args):
    tl = load_json(args.timeline, "timeline")
    if tl is None:
        return 1
    if not tl:
        print("resume: empty timeline")
        return 1

    def on_path(sf):
        return host_of(sf["local"]) == args.path_addr

    def total(sample, pred):
        return sum(sf["bytes_acked"] + sf["bytes_received"]
                   for sf in sample["subflows"] if pred(sf))

    def at(t):  # the last sample at or before t
        prev = tl[0]
        for s in tl:
            if s["t"] > t:
                break
            prev = s
        return prev

    bad = []
    last = tl[-1]
    # the other paths carried the transfer while this one was down
    d0, d1 = at(args.down + 0.5), at(args.up)
    other = total(d1, lambda sf: not on_path(sf)) - total(
        d0, lambda sf: not on_path(sf))
    mine = total(d1, on_path) - total(d0, on_path)
    print("resume: while %s was down (%.1f s): other paths +%d bytes, "
          "this path +%d" % (args.path_addr, d1["t"] - d0["t"], other, mine))
    if other <= 0:
        bad.append("the transfer stalled while the path was down")
    # after the path is back: some subflow on it carries data again
    base = at(args.up)
    base_by = dict(((sf["local"], sf["remote"]),
                    sf["bytes_acked"] + sf["bytes_received"])
                   for sf in base["subflows"])
    resumed = None
    for s in tl:
        if s["t"] <= args.up:
            continue
        for sf in s["subflows"]:
            if not on_path(sf) or sf["state"] != "ESTABLISHED":
                continue
            k = (sf["local"], sf["remote"])
            if sf["bytes_acked"] + sf["bytes_received"] > base_by.get(k, 0):
                resumed = (s["t"], sf, k in base_by)
                break
        if resumed:
            break
    if resumed:
        t, sf, old = resumed
        print("resume: %s subflow %s>%s carries data again %.1f s after "
              "the path came back" % ("the old" if old else "a new",
                                      sf["local"], sf["remote"],
                                      t - args.up))
    else:
        ends = ", ".join("%s>%s %s" % (sf["local"], sf["remote"], sf["state"])
                         for sf in last["subflows"])
        bad.append("no subflow on %s carried data after the path came back "
                   "(last sample %.1f s after up: %s)"
                   % (args.path_addr, last["t"] - args.up, ends))
    for b in bad:
        print("resume: " + b)
    return 1 if bad else 0


TSHARK_OPTS = ["-o", "tcp.analyze_sequence_numbers:TRUE",
               "-o", "mptcp.analyze_mptcp:TRUE",
               "-o", "mptcp.analyze_mappings:TRUE",
               "-o", "mptcp.relative_sequence_numbers:FALSE"]
# expert infos that are no verdict on the peer (see testing-with-linux.md)
IGNORED_EXPERTS = ("mptcp.dss.missing_mapping",)


def check_pcap(args):
    """Merges per-interface captures, then asks tshark for malformed
    packets and expert infos of severity error."""
    with tempfile.TemporaryDirectory() as td:
        merged = os.path.join(td, "merged.pcap")
        ordered = args.out
        r = subprocess.run(["mergecap", "-F", "pcap", "-w", merged]
                           + args.inputs, capture_output=True, text=True)
        if r.returncode != 0:
            print("pcap: mergecap failed: %s" % r.stderr.strip())
            return 1
        r = subprocess.run(["reordercap", merged, ordered],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print("pcap: reordercap failed: %s" % r.stderr.strip())
            return 1
    base = ["tshark", "-n", "-r", ordered] + TSHARK_OPTS
    if args.port:
        # the payload is random bytes: keep heuristic and port-based
        # dissectors (seen: Thrift) from finding "errors" in it
        base += ["-d", "tcp.port==%d,data" % args.port]
    r = subprocess.run(base + ["-T", "fields", "-e", "frame.number",
                               "-e", "mptcp.stream", "-e", "tcp.options.mptcp.subtype",
                               "-E", "occurrence=a", "-E", "aggregator=,"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print("pcap: tshark failed: %s" % r.stderr.strip()[:500])
        return 1
    frames = [l for l in r.stdout.splitlines() if l.strip()]
    nframes = len(frames)
    nmptcp = sum(1 for l in frames if len(l.split("\t")) > 2
                 and l.split("\t")[2])
    streams = set(l.split("\t")[1] for l in frames
                  if len(l.split("\t")) > 1 and l.split("\t")[1])
    flt = "_ws.malformed || _ws.expert.severity >= 0x00800000"
    r = subprocess.run(base + ["-Y", flt, "-T", "fields",
                               "-e", "frame.number", "-e", "_ws.malformed",
                               "-e", "_ws.expert.message", "-e", "ip.src",
                               "-e", "ipv6.src",
                               "-E", "occurrence=a", "-E", "aggregator=|"],
                       capture_output=True, text=True)
    bad = [l for l in r.stdout.splitlines() if l.strip()]
    # tshark 4.0's MPTCP mapping analysis can trip over its own assertion
    # ("Dissector bug ... mptcp_map_relssn_to_rawdsn"), seen on a Linux
    # FIN right after Linux re-sent a DATA_FIN mapping without the
    # DATA_FIN (KERNEL-QUIRKS.md, KQ3). A dissector bug is no verdict on
    # a packet the kernel sent; on a packet of the stack under test it
    # still fails.
    kaddrs = set(a for a in (args.kernel_addrs or "").split(",") if a)
    tool_bugs = []
    for l in list(bad):
        f = l.split("\t")
        src = set(x for x in f[3:5] if x)
        if "Dissector bug" in l and src and src <= kaddrs:
            bad.remove(l)
            tool_bugs.append(l)
    # experts of severity warning and above, by name, for the report
    r2 = subprocess.run(base + ["-q", "-z", "expert,warn"],
                        capture_output=True, text=True)
    warn = []
    for l in r2.stdout.splitlines():
        l = l.strip()
        if l and l[0].isdigit() and "mptcp" in l.lower():
            warn.append(l)
    print("pcap: %d frames, %d with MPTCP options, %d MPTCP connection(s), "
          "%d malformed/expert-error frames"
          % (nframes, nmptcp, len(streams), len(bad)))
    for w in warn[:8]:
        print("pcap: warning: %s" % " ".join(w.split()))
    for b in bad[:10]:
        print("pcap: error frame: %s" % b)
    for b in tool_bugs[:4]:
        print("pcap: tshark dissector bug on a frame the kernel sent, not "
              "counted (KQ3): %s" % " ".join(b.split()))
    if nframes == 0:
        print("pcap: empty capture")
        return 1
    if args.min_mptcp and nmptcp < args.min_mptcp:
        print("pcap: expected MPTCP options in the capture")
        return 1
    return 1 if bad else 0


def goodput(args):
    st = load_json(args.json, "goodput")
    if st is None:
        return 1
    if st.get("result") != "ok":
        print("goodput: transfer failed: %s" % st.get("error"))
        return 1
    if args.direction == "send":
        secs, got = st.get("acked_seconds"), st.get("bytes_sent")
    else:
        secs, got = st.get("recv_seconds"), st.get("bytes_received")
    if got != args.bytes or not secs:
        print("goodput: %s bytes in %s s (expected %d bytes)"
              % (got, secs, args.bytes))
        return 1
    print("%.1f Mbit/s (%d bytes in %.3f s)"
          % (got * 8 / secs / 1e6, got, secs))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    for m in ("server", "client"):
        p = sub.add_parser(m)
        p.add_argument("--addr")
        p.add_argument("--port", type=int, required=True)
        p.add_argument("--bind")
        p.add_argument("--send", required=True)
        p.add_argument("--output")
        p.add_argument("--result", required=True)
        p.add_argument("--ready")
        p.add_argument("--established")
        p.add_argument("--timeline")
        p.add_argument("--tcp", action="store_true")
        p.add_argument("--wait-acked", action="store_true")
        p.add_argument("--acked", help="file to create once everything "
                       "sent is DATA_ACKed (with --wait-acked) or the "
                       "transfer is over")
        p.add_argument("--shutdown-after-eof", action="store_true",
                       help="half-close only after the peer's EOF")
        p.add_argument("--want-subflows", type=int, default=0,
                       help="half-close only once the connection has this "
                       "many subflows (at most --join-wait s): Linux opens "
                       "no MP_JOIN after a DATA_FIN, and a fast transfer "
                       "can end before its path manager runs")
        p.add_argument("--join-wait", type=float, default=10.0)
        p.add_argument("--joined", help="file to create once "
                       "--want-subflows subflows were seen")
        p.add_argument("--sample-ms", type=float, default=20.0)
        p.add_argument("--accept-timeout", type=float, default=30.0)
        p.add_argument("--idle-timeout", type=float, default=60.0)
    p = sub.add_parser("check-stats")
    p.add_argument("json")
    p.add_argument("--name", default="stats")
    p.add_argument("--side", choices=("kernel", "peer"), default="peer")
    p.add_argument("--mptcp", choices=("true", "false"))
    p.add_argument("--fallback", choices=("true", "false"))
    p.add_argument("--checksum", choices=("true", "false"))
    p.add_argument("--bytes-sent", type=int)
    p.add_argument("--bytes-received", type=int)
    p.add_argument("--sha256")
    p.add_argument("--paths", help="kernel-side addresses that must each "
                   "have a subflow")
    p.add_argument("--subflows", type=int)
    p = sub.add_parser("check-share")
    p.add_argument("--kernel", required=True)
    p.add_argument("--peer")
    p.add_argument("--paths", required=True)
    p.add_argument("--min-share", type=float, default=0.25)
    p = sub.add_parser("check-mib")
    p.add_argument("before")
    p.add_argument("after")
    p.add_argument("--name", default="mib")
    p.add_argument("--zero")
    p.add_argument("--eq", action="append")
    p.add_argument("--min", action="append")
    p.add_argument("--tolerate", help="counters reported but not failed")
    p.add_argument("--why", help="why they are tolerated")
    p = sub.add_parser("check-resume")
    p.add_argument("timeline")
    p.add_argument("--path-addr", required=True)
    p.add_argument("--down", type=float, required=True)
    p.add_argument("--up", type=float, required=True)
    p = sub.add_parser("check-pcap")
    p.add_argument("out")
    p.add_argument("inputs", nargs="+")
    p.add_argument("--min-mptcp", type=int, default=0)
    p.add_argument("--port", type=int, help="the server port: its payload "
                   "is decoded as plain data")
    p.add_argument("--kernel-addrs", help="source addresses of the Linux "
                   "kernel endpoints: a tshark dissector bug on their "
                   "frames is reported, not failed")
    p = sub.add_parser("check-data")
    p.add_argument("sent")
    p.add_argument("got")
    p.add_argument("--name", default="data")
    p.add_argument("--receiver-json")
    p.add_argument("--sender-json")
    p.add_argument("--tolerate-kernel", action="store_true",
                   help="both ends are the kernel: a mismatch with the "
                   "exact signature of KQ1 (KERNEL-QUIRKS.md) exits 3")
    p.add_argument("--classify-only", action="store_true",
                   help="say whether a mismatch has KQ1's signature, but "
                   "exit 1 all the same")
    p.add_argument("--receiver-mib", nargs=2, metavar=("BEFORE", "AFTER"),
                   help="nstat -asz of the receiver's namespace before and "
                   "after the case")
    p.add_argument("--max-report", type=int, default=12)
    p = sub.add_parser("goodput")
    p.add_argument("json")
    p.add_argument("--bytes", type=int, required=True)
    p.add_argument("--direction", choices=("send", "recv"), required=True)
    args = ap.parse_args()
    return {"check-stats": check_stats, "check-share": check_share,
            "check-mib": check_mib, "check-resume": check_resume,
            "check-pcap": check_pcap, "check-data": check_data,
            "goodput": goodput}.get(
                args.mode, run_endpoint)(args)


if __name__ == "__main__":
    sys.exit(main())
