#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The Linux kernel's side of tcp-kernel.sh, and its checks.

  tcp-peer.py server --addr A --port P --send FILE --result JSON [--ready F]
  tcp-peer.py client --addr A --port P --send FILE --result JSON
  tcp-peer.py check-stats STATS.json --bytes N [--min-retransmits K]
  tcp-peer.py check-result RESULT.json --bytes N --sha256 HEX

server/client: one plain kernel TCP connection that sends FILE and, at the
same time, receives until EOF. After sending everything it half-closes
(shutdown SHUT_WR), then waits for the peer's EOF. Writes JSON to --result:
{"ok", "error", "sent", "received", "sha256", "seconds"}; exits 0 if ok.

check-result: checks a server/client --result file: ok, N bytes each way,
the received data's sha256 is HEX.

check-stats: checks an `mpcat --stats` file for a plain TCP transfer of N
bytes each way; prints what it found, exits 1 on any mismatch.
"""
import argparse
import hashlib
import json
import socket
import sys
import threading
import time

IDLE_TIMEOUT = 60.0  # seconds without progress before giving up
IPPROTO_MPTCP = 262


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def transfer(sock, path, res):
    """Sends path and receives until EOF, concurrently."""
    errors = []

    def sender():
        try:
            with open(path, "rb") as f:
                while True:
                    chunk = f.read(1 << 18)
                    if not chunk:
                        break
                    sock.sendall(chunk)
                    res["sent"] += len(chunk)
            sock.shutdown(socket.SHUT_WR)
        except OSError as e:
            errors.append("send: %s" % e)

    t = threading.Thread(target=sender)
    t.start()
    h = hashlib.sha256()
    buf = bytearray(1 << 18)
    try:
        while True:
            n = sock.recv_into(buf)
            if n == 0:
                break
            h.update(memoryview(buf)[:n])
            res["received"] += n
    except OSError as e:
        errors.append("recv: %s" % e)
    t.join()
    res["sha256"] = h.hexdigest()
    if errors:
        res["error"] = "; ".join(errors)


def run_peer(args):
    res = {"ok": False, "error": None, "sent": 0, "received": 0,
           "sha256": None, "seconds": None}
    t0 = time.monotonic()
    fam = family_of(args.addr)
    try:
        proto = IPPROTO_MPTCP if args.mptcp else 0
        if args.mode == "server":
            ls = socket.socket(fam, socket.SOCK_STREAM, proto)
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            ls.bind((args.addr, args.port))
            ls.listen(1)
            ls.settimeout(args.accept_timeout)
            if args.ready:
                with open(args.ready, "w") as f:
                    f.write("ready\n")
            sock, _ = ls.accept()
            ls.close()
            t0 = time.monotonic()
        else:
            sock = socket.socket(fam, socket.SOCK_STREAM, proto)
            sock.settimeout(args.accept_timeout)
            sock.connect((args.addr, args.port))
        sock.settimeout(IDLE_TIMEOUT)
        transfer(sock, args.send, res)
        sock.close()
    except OSError as e:
        res["error"] = "%s: %s" % (args.mode, e)
    res["seconds"] = round(time.monotonic() - t0, 3)
    res["ok"] = res["error"] is None
    with open(args.result, "w") as f:
        json.dump(res, f)
        f.write("\n")
    return 0 if res["ok"] else 1


def check_stats(args):
    try:
        with open(args.stats) as f:
            st = json.load(f)
    except (OSError, ValueError) as e:
        print("stats: cannot read %s: %s" % (args.stats, e))
        return 1
    bad = []

    def expect(what, got, want):
        if got != want:
            bad.append("%s is %r, expected %r" % (what, got, want))

    mptcp = args.kind in ("mptcp", "csum")
    expect("mptcp", st.get("mptcp"), mptcp)
    expect("fallback", st.get("fallback"), args.kind in ("fallback", "plain"))
    expect("checksum", st.get("checksum"), args.kind == "csum")
    if mptcp:
        expect("version", st.get("version"), 1)
    expect("bytes_sent", st.get("bytes_sent"), args.bytes)
    expect("bytes_received", st.get("bytes_received"), args.bytes)
    subs = st.get("subflows")
    retx = None
    if not isinstance(subs, list) or len(subs) != 1:
        bad.append("subflows is %r, expected one entry" % (subs,))
    else:
        sf = subs[0]
        for k in ("local", "remote", "backup"):
            if k not in sf:
                bad.append("subflow has no %s" % k)
        expect("subflow bytes_sent", sf.get("bytes_sent"), args.bytes)
        expect("subflow bytes_received", sf.get("bytes_received"), args.bytes)
        retx = sf.get("retransmits")
        if not isinstance(retx, int) or retx < args.min_retransmits:
            bad.append("retransmits is %r, expected >= %d"
                       % (retx, args.min_retransmits))
    print("stats: result=%s bytes_sent=%s bytes_received=%s retransmits=%s"
          % (st.get("result"), st.get("bytes_sent"), st.get("bytes_received"),
             retx))
    for b in bad:
        print("stats: " + b)
    return 1 if bad else 0


def check_result(args):
    try:
        with open(args.result) as f:
            r = json.load(f)
    except (OSError, ValueError) as e:
        print("kernel: no result in %s: %s" % (args.result, e))
        return 1
    bad = []
    if not r.get("ok"):
        bad.append("failed: %s" % r.get("error"))
    if r.get("sent") != args.bytes:
        bad.append("sent %r bytes, expected %d" % (r.get("sent"), args.bytes))
    if r.get("received") != args.bytes:
        bad.append("received %r bytes, expected %d"
                   % (r.get("received"), args.bytes))
    if r.get("sha256") != args.sha256:
        bad.append("received data has sha256 %s, expected %s"
                   % (r.get("sha256"), args.sha256))
    print("kernel: sent=%s received=%s sha256=%s seconds=%s"
          % (r.get("sent"), r.get("received"),
             "match" if r.get("sha256") == args.sha256 else "MISMATCH",
             r.get("seconds")))
    for b in bad:
        print("kernel: " + b)
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    for m in ("server", "client"):
        p = sub.add_parser(m)
        p.add_argument("--addr", required=True)
        p.add_argument("--port", type=int, required=True)
        p.add_argument("--send", required=True)
        p.add_argument("--result", required=True)
        p.add_argument("--ready")
        p.add_argument("--accept-timeout", type=float, default=30.0)
        p.add_argument("--mptcp", action="store_true",
                       help="an MPTCP socket (IPPROTO_MPTCP)")
    p = sub.add_parser("check-stats")
    p.add_argument("stats")
    p.add_argument("--bytes", type=int, required=True)
    p.add_argument("--min-retransmits", type=int, default=0)
    p.add_argument("--kind",
                   choices=("tcp", "mptcp", "csum", "fallback", "plain"),
                   default="tcp")
    p = sub.add_parser("check-result")
    p.add_argument("result")
    p.add_argument("--bytes", type=int, required=True)
    p.add_argument("--sha256", required=True)
    args = ap.parse_args()
    if args.mode == "check-result":
        return check_result(args)
    if args.mode == "check-stats":
        return check_stats(args)
    return run_peer(args)


if __name__ == "__main__":
    sys.exit(main())
