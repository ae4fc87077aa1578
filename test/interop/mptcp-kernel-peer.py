#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The Linux kernel's MPTCP endpoint for mptcp-kernel.sh, and its checks.

  mptcp-kernel-peer.py server --port P [--addr A] --send FILE --result JSON
                       [--output FILE] [--ready F] [--established F] [--tcp]
                       [--timeline JSON] [--sample-ms MS] [--wait-acked]
                       [--acked F] [--shutdown-after-eof]
  mptcp-kernel-peer.py client --addr A --port P [--bind B] --send FILE ...
  mptcp-kernel-peer.py check-stats JSON --name WHO [expectations...]
  mptcp-kernel-peer.py check-share --kernel JSON [--peer JSON] --paths A,B
                       --min-share F
  mptcp-kernel-peer.py check-mib BEFORE AFTER [--zero N,..] [--eq N=V]
                       [--min N=V] [--tolerate N,.. --why TEXT]
  mptcp-kernel-peer.py check-resume TIMELINE --path-addr A --down T --up T
  mptcp-kernel-peer.py check-pcap OUT.pcap IN.pcap... [--port P]
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
view of when the receiver had it all; --acked F is created then). A sampler thread reads the subflows every --sample-ms (default 20)
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

    def __init__(self, sock, plain, interval, keep_timeline):
        super().__init__(daemon=True)
        self.sock, self.plain, self.interval = sock, plain, interval
        self.keep = keep_timeline
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
                          bool(args.timeline))
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
                               "-e", "_ws.expert.message",
                               "-E", "occurrence=a", "-E", "aggregator=|"],
                       capture_output=True, text=True)
    bad = [l for l in r.stdout.splitlines() if l.strip()]
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
    p = sub.add_parser("goodput")
    p.add_argument("json")
    p.add_argument("--bytes", type=int, required=True)
    p.add_argument("--direction", choices=("send", "recv"), required=True)
    args = ap.parse_args()
    return {"check-stats": check_stats, "check-share": check_share,
            "check-mib": check_mib, "check-resume": check_resume,
            "check-pcap": check_pcap, "goodput": goodput}.get(
                args.mode, run_endpoint)(args)


if __name__ == "__main__":
    sys.exit(main())
