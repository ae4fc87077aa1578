#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""MPTCP peers for kernel-capture.sh (IPPROTO_MPTCP sockets), and a pcap
merger used when mergecap is not installed.

  mptcp_peer.py server PORT NBYTES REPLYBYTES [COMMAND]
  mptcp_peer.py client ADDR PORT NBYTES REPLYBYTES
  mptcp_peer.py merge OUT IN...
"""
import hashlib
import socket
import struct
import subprocess
import sys
import time

IPPROTO_MPTCP = 262
SOL_MPTCP = 284
MPTCP_INFO = 1


def pattern(n, seed):
    """Deterministic, incompressible-looking bytes."""
    out, ctr = bytearray(), 0
    while len(out) < n:
        out += hashlib.sha256(b'%d:%d' % (seed, ctr)).digest()
        ctr += 1
    return bytes(out[:n])


def recv_exact(s, n):
    buf = bytearray()
    while len(buf) < n:
        d = s.recv(min(65536, n - len(buf)))
        if not d:
            raise SystemExit(f'peer closed after {len(buf)} of {n} bytes')
        buf += d
    return bytes(buf)


def mptcp_socket():
    try:
        return socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP)
    except OSError as e:
        print(f'no MPTCP sockets: {e}', file=sys.stderr)
        sys.exit(77)


def server(port, nbytes, reply, command=None):
    ls = mptcp_socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(('0.0.0.0', port))
    ls.listen(1)
    print('listening', flush=True)
    c, _ = ls.accept()
    if recv_exact(c, 3) != b'hi\n':  # came with MP_CAPABLE-with-data
        raise SystemExit('bad first data')
    if command:  # e.g. announce an address only now (ADD_ADDR after data)
        subprocess.run(command, shell=True, check=True)
    c.sendall(b'hello\n')  # the client is fully established on this
    data = recv_exact(c, nbytes)
    c.sendall(hashlib.sha256(data).digest() + pattern(reply, 2))
    while c.recv(65536):  # until the client's DATA_FIN
        pass
    c.close()
    ls.close()


def client(addr, port, nbytes, reply):
    s = mptcp_socket()
    for _ in range(100):
        try:
            s.connect((addr, port))
            break
        except ConnectionRefusedError:
            time.sleep(0.05)
            s.close()
            s = mptcp_socket()
    else:
        raise SystemExit('server never listened')
    try:  # fails on a fallback to TCP
        s.getsockopt(SOL_MPTCP, MPTCP_INFO, 64)
    except OSError as e:
        raise SystemExit(f'connection is not MPTCP: {e}')
    s.sendall(b'hi\n')  # first data: the 24-byte MP_CAPABLE form
    if recv_exact(s, 6) != b'hello\n':
        raise SystemExit('bad greeting')
    time.sleep(1.0)  # let the MP_JOINs complete before the bulk transfer
    data = pattern(nbytes, 1)
    s.sendall(data)
    got = recv_exact(s, 32 + reply)
    if got[:32] != hashlib.sha256(data).digest():
        raise SystemExit('server received corrupted data')
    if got[32:] != pattern(reply, 2):
        raise SystemExit('client received corrupted data')
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):
        pass
    s.close()
    print(f'transferred {nbytes} + {reply} bytes intact', flush=True)


def merge(out, inputs):
    """Merges little/big-endian microsecond pcap files of one link type."""
    recs, head = [], None
    for path in inputs:
        d = open(path, 'rb').read()
        magic = struct.unpack('<I', d[:4])[0]
        e = '<' if magic == 0xa1b2c3d4 else '>'
        if head is None:
            head = struct.pack('<IHHiIII', 0xa1b2c3d4,
                               *struct.unpack(e + 'HHiIII', d[4:24]))
        off = 24
        while off + 16 <= len(d):
            ts, us, cl, ol = struct.unpack(e + 'IIII', d[off:off + 16])
            recs.append((ts, us, len(recs), cl, ol, d[off + 16:off + 16 + cl]))
            off += 16 + cl
    recs.sort()
    with open(out, 'wb') as f:
        f.write(head)
        for ts, us, _, cl, ol, body in recs:
            f.write(struct.pack('<IIII', ts, us, cl, ol) + body)


def main():
    a = sys.argv[1:]
    if a[:1] == ['server']:
        server(int(a[1]), int(a[2]), int(a[3]), a[4] if len(a) > 4 else None)
    elif a[:1] == ['client']:
        client(a[1], int(a[2]), int(a[3]), int(a[4]))
    elif a[:1] == ['merge']:
        merge(a[1], a[2:])
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
