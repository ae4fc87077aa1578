#!/usr/bin/python3
"""Generate the MPTCP test-vector captures in test/vectors/pcap/.

Regenerate (from the repository root):

    /usr/bin/python3 test/vectors/gen_vectors.py            # writes test/vectors/pcap/
    /usr/bin/python3 test/vectors/gen_vectors.py OUTDIR     # writes elsewhere
    /usr/bin/python3 test/vectors/gen_vectors.py --check DIR
        # regenerates into a temporary directory and compares with the pcaps
        # in DIR byte for byte (exit 0 same, 1 different, 77 no scapy)

Requires Debian's python3-scapy (2.5). Everything is deterministic: keys,
nonces, ISNs, TCP timestamps and capture times are fixed, so the output is
byte-for-byte identical on every run (the 'vectors-regen' meson test checks
that against the committed files).

Packets are built with scapy (it computes the IP and TCP checksums); MPTCP
options are built here byte by byte, following RFC 8684 (v1) and RFC 6824
(v0), because scapy has no MPTCP layer. Every computed value (tokens, IDSNs,
MP_JOIN HMACs, ADD_ADDR HMACs, DSS checksums) is computed here with hashlib /
hmac; the known answers of shared/spec/test-values.md are asserted below so a
mistake in this script cannot go unnoticed.

Link type: LINKTYPE_RAW (101) in every file: each record is a bare IPv4 or
IPv6 packet.

SPDX-License-Identifier: MIT
"""

import filecmp
import hashlib
import hmac
import ipaddress
import os
import struct
import sys
import tempfile

try:
    from scapy.layers.inet import IP, TCP
    from scapy.layers.inet6 import IPv6
except ImportError as e:  # reported by main()
    SCAPY_ERROR = e
else:
    SCAPY_ERROR = None

# ---------------------------------------------------------------------------
# Crypto helpers (RFC 8684 §3.1, §3.2, §3.3.1, §3.4.1; RFC 6824 §3.1, §3.2)
# ---------------------------------------------------------------------------


def be64(v):
    return struct.pack("!Q", v)


def be32(v):
    return struct.pack("!I", v)


def be16(v):
    return struct.pack("!H", v)


def key_derive(version, key):
    """(token, idsn) of a 64-bit key."""
    if version == 1:
        d = hashlib.sha256(be64(key)).digest()
        return struct.unpack("!I", d[:4])[0], struct.unpack("!Q", d[24:32])[0]
    d = hashlib.sha1(be64(key)).digest()
    return struct.unpack("!I", d[:4])[0], struct.unpack("!Q", d[12:20])[0]


def join_hmac(version, key_local, key_remote, nonce_local, nonce_remote):
    alg = hashlib.sha256 if version == 1 else hashlib.sha1
    return hmac.new(be64(key_local) + be64(key_remote),
                    be32(nonce_local) + be32(nonce_remote), alg).digest()


def add_addr_hmac(key_sender, key_receiver, addr_id, addr, port):
    """Rightmost 64 bits of HMAC-SHA256, as 8 bytes."""
    msg = bytes([addr_id]) + ipaddress.ip_address(addr).packed + be16(port or 0)
    return hmac.new(be64(key_sender) + be64(key_receiver), msg,
                    hashlib.sha256).digest()[24:32]


def inet_sum(data):
    if len(data) % 2:
        data += b"\x00"
    s = 0
    for i in range(0, len(data), 2):
        s += (data[i] << 8) | data[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def dss_csum(dsn64, ssn, dll, data):
    pseudo = be64(dsn64) + be32(ssn) + be16(dll) + b"\x00\x00"
    return (~inet_sum(pseudo + data)) & 0xFFFF


# ---------------------------------------------------------------------------
# MPTCP option builders: each returns the whole option, Kind and Length
# included.
# ---------------------------------------------------------------------------


def opt(body):
    return bytes([30, 2 + len(body)]) + body


def mpc(version, flags, keys=(), dll=None, csum=None):
    body = bytes([version & 0x0F, flags]) + b"".join(be64(k) for k in keys)
    if dll is not None:
        body += be16(dll)
    if csum is not None:
        body += be16(csum)
    return opt(body)


def join_syn(backup, addr_id, token, nonce):
    return opt(bytes([0x10 | backup, addr_id]) + be32(token) + be32(nonce))


def join_synack(backup, addr_id, trunc_hmac, nonce):
    assert len(trunc_hmac) == 8
    return opt(bytes([0x10 | backup, addr_id]) + trunc_hmac + be32(nonce))


def join_ack(hmac20):
    assert len(hmac20) == 20
    return opt(b"\x10\x00" + hmac20)


DSS_A, DSS_a, DSS_M, DSS_m, DSS_F = 0x01, 0x02, 0x04, 0x08, 0x10


def dss(flags, ack=None, dsn=None, ssn=None, dll=None, csum=None):
    body = bytes([0x20, flags])
    if flags & DSS_A:
        body += be64(ack) if flags & DSS_a else be32(ack & 0xFFFFFFFF)
    if flags & DSS_M:
        body += be64(dsn) if flags & DSS_m else be32(dsn & 0xFFFFFFFF)
        body += be32(ssn) + be16(dll)
        if csum is not None:
            body += be16(csum)
    return opt(body)


def add_addr_v1(addr_id, addr, port=None, echo=False, trunc_hmac=None):
    body = bytes([0x30 | (1 if echo else 0), addr_id])
    body += ipaddress.ip_address(addr).packed
    if port is not None:
        body += be16(port)
    if not echo:
        assert len(trunc_hmac) == 8
        body += trunc_hmac
    return opt(body)


def add_addr_v0(addr_id, addr, port=None):
    a = ipaddress.ip_address(addr)
    body = bytes([0x30 | a.version, addr_id]) + a.packed
    if port is not None:
        body += be16(port)
    return opt(body)


def remove_addr(ids):
    return opt(bytes([0x40]) + bytes(ids))


def prio(backup, addr_id=None):
    body = bytes([0x50 | backup])
    if addr_id is not None:
        body += bytes([addr_id])
    return opt(body)


def mp_fail(dsn):
    return opt(b"\x60\x00" + be64(dsn))


def fastclose(key):
    return opt(b"\x70\x00" + be64(key))


def tcprst(flags, reason):
    return opt(bytes([0x80 | flags, reason]))


def prefer_proxy():
    return opt(b"\xf0\x00")


def convert_ie(addr, port=None, d=0, m=1):
    """MP_CONVERT Information Element (draft-ietf-tcpm-converters /
    PM-10 §5.1): magic, type 0, length, flags D|M, address, port, padding."""
    a = ipaddress.ip_address(addr).packed
    length = 4 + len(a) + (2 if port is not None else 0)
    ie = b"\xfa\xa8\xfa\xa8" + bytes([0, length]) + be16((d << 1) | m) + a
    if port is not None:
        ie += be16(port)
    return ie + b"\x00" * (-len(ie) % 4)


# ---------------------------------------------------------------------------
# Known answers (shared/spec/test-values.md): fail loudly if a helper drifts.
# ---------------------------------------------------------------------------

K1 = 0x0102030405060708
K2 = 0xFEDCBA9876543210


def self_check():
    assert key_derive(1, K1) == (0x66840DDA, 0xF5A101D3D29D6F72)
    assert key_derive(1, K2) == (0x18F9781B, 0x280818BF0FA7E28E)
    assert key_derive(0, K1) == (0xDD5783BC, 0x3A95ED6E4EBB4AD5)
    assert key_derive(0, K2) == (0xA5BE6871, 0x334FC234BEE495CA)
    ha = join_hmac(1, K1, K2, 0x11223344, 0xAABBCCDD)
    hb = join_hmac(1, K2, K1, 0xAABBCCDD, 0x11223344)
    assert ha.hex().startswith("d9176d34c58aef526aa49d8d6d869a81")
    assert hb.hex().startswith("6129c669ea48a581")
    assert join_ack(ha[:20]).hex() == (
        "1e181000d9176d34c58aef526aa49d8d6d869a819519968e")
    assert join_hmac(0, K1, K2, 0x11223344, 0xAABBCCDD).hex() == (
        "692da15a00c47e06eca5032c0f9990603fb22880")
    assert join_hmac(0, K2, K1, 0xAABBCCDD, 0x11223344).hex().startswith(
        "9ee827ad53733eac")
    assert add_addr_hmac(K1, K2, 5, "192.0.2.1", None).hex() == "40c5ba64bfa25730"
    assert add_addr_hmac(K1, K2, 5, "192.0.2.1", 8080).hex() == "0ebf8dfb1d25befd"
    assert add_addr_hmac(K1, K2, 6, "2001:db8::1", None).hex() == "e03ce4014587702d"
    assert add_addr_hmac(K1, K2, 6, "2001:db8::1", 443).hex() == "dd2713878b95e39d"
    assert dss_csum(0xF5A101D3D29D6F73, 1, 13, b"hello, mptcp!") == 0x6D1B
    assert dss_csum(0xF5A101D3D29D6F73, 1, 14, b"hello, mptcp!") == 0x6D1A
    assert dss_csum(0xF5A101D3D29D6F80, 0, 1, b"") == 0xC66B
    assert mpc(1, 0x81, (K1, K2), 13, 0x6D1B).hex() == (
        "1e180181" "0102030405060708" "fedcba9876543210" "000d" "6d1b")
    assert convert_ie("198.51.100.5", 443).hex() == (
        "faa8faa8000a0001c633640501bb0000")
    assert convert_ie("2001:db8::5", 443, d=0, m=1).hex() == (
        "faa8faa8001600012001" "0db8" + "00" * 11 + "0501bb0000")


# ---------------------------------------------------------------------------
# Packets, subflows, captures
# ---------------------------------------------------------------------------

T0 = 1700000000  # capture time of the first record of every file


class Capture:
    def __init__(self, name):
        self.name = name
        self.records = []

    def add(self, pkt_bytes):
        self.records.append(pkt_bytes)

    def write(self, outdir):
        path = os.path.join(outdir, self.name)
        with open(path, "wb") as f:
            # pcap global header: magic, v2.4, zone 0, sigfigs 0, snaplen,
            # LINKTYPE_RAW.
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
            for i, rec in enumerate(self.records):
                usec = i * 1000
                f.write(struct.pack("<IIII", T0 + usec // 1000000,
                                    usec % 1000000, len(rec), len(rec)))
                f.write(rec)
        return path


def opt_space(tcp_opts):
    n = 0
    for name, val in tcp_opts:
        if name in ("NOP", "EOL"):
            n += 1
        elif name == "MSS":
            n += 4
        elif name == "SAckOK":
            n += 2
        elif name == "Timestamp":
            n += 10
        elif name == "WScale":
            n += 3
        else:
            n += 2 + len(val)
    return (n + 3) // 4 * 4


class Subflow:
    """One TCP connection between host A (initiator) and host B, keeping
    both sides' sequence numbers and timestamps consistent."""

    def __init__(self, cap, a, aport, b, bport, isn_a, isn_b, ts_a, ts_b):
        self.cap = cap
        self.addr = {True: a, False: b}
        self.port = {True: aport, False: bport}
        self.isn = {True: isn_a, False: isn_b}
        self.nxt = {True: isn_a, False: isn_b}
        self.ts = {True: ts_a, False: ts_b}
        self.last_ts = {True: 0, False: 0}
        self.v6 = ":" in a
        self.ipid = {True: 0x1000, False: 0x2000}

    def rel(self, from_a):
        """Relative subflow sequence number of the next byte 'from_a' sends."""
        return (self.nxt[from_a] - self.isn[from_a]) & 0xFFFFFFFF

    def send(self, from_a, flags, mptcp=(), payload=b"", window=502,
             ts=True, seq=None):
        """Emits one segment. 'mptcp' is a list of whole MPTCP options."""
        fa = from_a
        self.ts[fa] += 7
        tsval, tsecr = self.ts[fa], self.last_ts[not fa]
        if "S" in flags:
            tcp_opts = [("MSS", 1460 if not self.v6 else 1440), ("SAckOK", b""),
                        ("Timestamp", (tsval, tsecr)), ("NOP", None),
                        ("WScale", 7)]
        elif ts:
            tcp_opts = [("NOP", None), ("NOP", None),
                        ("Timestamp", (tsval, tsecr))]
        else:
            tcp_opts = []
        tcp_opts += [(30, o[2:]) for o in mptcp]
        if opt_space(tcp_opts) > 40 and "S" not in flags and ts:
            return self.send(from_a, flags, mptcp, payload, window, False, seq)
        assert opt_space(tcp_opts) <= 40, (flags, [o.hex() for o in mptcp])
        for o in mptcp:
            assert o[0] == 30 and o[1] == len(o)
        if tcp_opts and ts:
            self.last_ts[fa] = tsval
        seqno = self.nxt[fa] if seq is None else seq
        acked = "A" in flags
        tcp = TCP(sport=self.port[fa], dport=self.port[not fa], seq=seqno,
                  ack=self.nxt[not fa] if acked else 0, flags=flags,
                  window=window, options=tcp_opts)
        src, dst = self.addr[fa], self.addr[not fa]
        if self.v6:
            ip = IPv6(src=src, dst=dst, hlim=64, fl=0)
        else:
            self.ipid[fa] += 1
            ip = IP(src=src, dst=dst, ttl=64, id=self.ipid[fa], flags="DF")
        raw = bytes(ip / tcp / payload) if payload else bytes(ip / tcp)
        assert len(bytes(tcp)) - 20 <= 40
        self.cap.add(raw)
        if seq is None:
            self.nxt[fa] = (self.nxt[fa] + len(payload)
                            + ("S" in flags) + ("F" in flags)) & 0xFFFFFFFF
        return raw


def data(n, tag):
    """n deterministic payload bytes."""
    s = (tag * ((n // len(tag)) + 1))[:n]
    return s.encode()


class Conn:
    """Data-level state of one MPTCP connection (both directions)."""

    def __init__(self, version, key_a, key_b):
        self.version = version
        self.key = {True: key_a, False: key_b}
        ta, ia = key_derive(version, key_a)
        tb, ib = key_derive(version, key_b)
        self.token = {True: ta, False: tb}
        self.idsn = {True: ia, False: ib}
        # next DSN each side sends (the SYN took IDSN)
        self.dsn = {True: (ia + 1) % 2**64, False: (ib + 1) % 2**64}

    def ack_for(self, from_a):
        """Data ACK that 'from_a' sends: the peer's next DSN."""
        return self.dsn[not from_a]

    def map(self, sf, from_a, payload, flags=DSS_A | DSS_a | DSS_M | DSS_m,
            csum=False, fin=False, **kw):
        """Sends payload with a DSS mapping covering it."""
        if fin:
            flags |= DSS_F
        dll = len(payload) + (1 if fin else 0)
        dsn = self.dsn[from_a]
        ssn = sf.rel(from_a) if payload else 0
        c = dss_csum(dsn, ssn, dll, payload) if csum else None
        o = dss(flags, self.ack_for(from_a), dsn, ssn, dll, c)
        raw = sf.send(from_a, "PA", [o] + kw.pop("extra", []), payload, **kw)
        self.dsn[from_a] = (dsn + dll) % 2**64
        return raw

    def ack(self, sf, from_a, flags=DSS_A | DSS_a, extra=(), tcpflags="A", **kw):
        return sf.send(from_a, tcpflags, [dss(flags, self.ack_for(from_a))]
                       + list(extra), **kw)


def handshake_v1(cap, conn, a, b, aport, bport, isn_a, isn_b, ts_a, ts_b,
                 syn_flags=0x01, synack_flags=0x01, ack_flags=None,
                 syn_extra=(), syn_payload=b"", synack_payload=b""):
    sf = Subflow(cap, a, aport, b, bport, isn_a, isn_b, ts_a, ts_b)
    ka, kb = conn.key[True], conn.key[False]
    sf.send(True, "S", [mpc(1, syn_flags)] + list(syn_extra),
            payload=syn_payload, window=64240)
    if syn_payload:
        # The SYN payload is outside the data sequence space, and relative
        # SSNs count from after it (RFC 8684 App. B).
        sf.isn[True] = (sf.isn[True] + len(syn_payload)) & 0xFFFFFFFF
    sf.send(False, "SA", [mpc(1, synack_flags, (kb,))],
            payload=synack_payload, window=65160)
    if synack_payload:
        sf.isn[False] = (sf.isn[False] + len(synack_payload)) & 0xFFFFFFFF
    if ack_flags is None:
        ack_flags = 0x81 if (syn_flags | synack_flags) & 0x80 else 0x01
    sf.send(True, "A", [mpc(1, ack_flags, (ka, kb))])
    return sf, ack_flags


def handshake_v0(cap, conn, a, b, aport, bport, isn_a, isn_b, ts_a, ts_b,
                 flags=0x81):
    sf = Subflow(cap, a, aport, b, bport, isn_a, isn_b, ts_a, ts_b)
    ka, kb = conn.key[True], conn.key[False]
    sf.send(True, "S", [mpc(0, flags, (ka,))], window=14600)
    sf.send(False, "SA", [mpc(0, flags, (kb,))], window=14280)
    sf.send(True, "A", [mpc(0, flags, (ka, kb))])
    return sf


def join(cap, conn, a, b, aport, bport, isn_a, isn_b, ts_a, ts_b, ra, rb,
         id_a, id_b, backup_a=0, backup_b=0):
    """MP_JOIN three-way handshake + the fourth ACK. Returns the subflow."""
    v = conn.version
    ka, kb = conn.key[True], conn.key[False]
    sf = Subflow(cap, a, aport, b, bport, isn_a, isn_b, ts_a, ts_b)
    sf.send(True, "S", [join_syn(backup_a, id_a, conn.token[False], ra)],
            window=64240)
    hb = join_hmac(v, kb, ka, rb, ra)
    sf.send(False, "SA", [join_synack(backup_b, id_b, hb[:8], rb)],
            window=65160)
    ha = join_hmac(v, ka, kb, ra, rb)
    sf.send(True, "A", [join_ack(ha[:20])])
    conn.ack(sf, False)  # fourth ACK, with a Data ACK
    return sf


def close_fin(conn, sf, csum=False):
    """DATA_FIN exchange then subflow FINs."""
    conn.map(sf, True, b"", fin=True, csum=csum)
    conn.map(sf, False, b"", fin=True, csum=csum)
    conn.ack(sf, True)
    sf.send(True, "FA", [dss(DSS_A | DSS_a, conn.ack_for(True))])
    sf.send(False, "FA", [dss(DSS_A | DSS_a, conn.ack_for(False))])
    sf.send(True, "A", [dss(DSS_A | DSS_a, conn.ack_for(True))])


# ---------------------------------------------------------------------------
# The captures
# ---------------------------------------------------------------------------

A4, A4b, B4, B4b = "192.0.2.10", "192.0.2.11", "198.51.100.20", "198.51.100.21"
A6, A6b = "2001:db8:a::10", "2001:db8:a::11"
B6, B6b = "2001:db8:b::20", "2001:db8:b::21"


def all_dss_forms(conn, sf, from_a, csum, tag):
    """Every DSS flag combination (5 bits: F m M a A), mappings consistent
    with the stream. Combinations without M are sent as pure ACKs by the
    peer; 'a' without 'A' and 'm' without 'M' are ignored by receivers
    (RFC 8684 §3.3) and F without M carries no DATA_FIN (only the flags)."""
    peer = not from_a
    fin_dsn = None
    for flags in range(32):
        if flags & DSS_M and not flags & DSS_F:
            payload = data(20 + flags, tag)
            conn.map(sf, from_a, payload, flags=flags, csum=csum)
        elif flags & DSS_M:
            # DATA_FIN: the first one carries the last data bytes; the
            # following ones are retransmissions of a standalone DATA_FIN
            # (SSN 0, DLL 1) with other encodings.
            if fin_dsn is None:
                payload = data(9, tag)
                fin_dsn = conn.dsn[from_a] + len(payload)
                conn.map(sf, from_a, payload, flags=flags, csum=csum, fin=True)
            else:
                c = dss_csum(fin_dsn, 0, 1, b"") if csum else None
                sf.send(from_a, "A", [dss(flags, conn.ack_for(from_a),
                                          fin_dsn, 0, 1, c)])
        else:
            sf.send(peer, "A", [dss(flags, conn.ack_for(peer))])
    return fin_dsn


def gen_v1_ipv4(outdir):
    cap = Capture("v1-ipv4.pcap")
    # Connection 1: no checksums, K1/K2, A sends first data with the 22-byte
    # MP_CAPABLE (test-values.md §8).
    c = Conn(1, K1, K2)
    sf, _ = handshake_v1(cap, c, A4, B4, 40001, 443, 0x1000000, 0x2000000,
                         1000, 5000)
    hello = b"hello, mptcp!"
    sf.send(True, "PA", [mpc(1, 0x01, (K1, K2), len(hello))], hello)
    c.dsn[True] += len(hello)
    c.ack(sf, False)                     # 64-bit Data ACK IDSN-A+14
    c.map(sf, False, data(100, "response "))
    c.ack(sf, True, flags=DSS_A)         # 32-bit Data ACK
    # A joins from its second address, asking for backup (test-values §3
    # nonces, so the HMACs are the known answers).
    sf2 = join(cap, c, A4b, B4, 40002, 443, 0x3000000, 0x4000000, 2000, 6000,
               0x11223344, 0xAABBCCDD, 2, 3, backup_a=1, backup_b=0)
    # B joins towards A's second address: the non-backup variant plus a
    # SYN/ACK with the backup flag.
    sf3 = join(cap, c, A4b, B4b, 40003, 443, 0x5000000, 0x6000000, 3000, 7000,
               0x01020304, 0x0A0B0C0D, 2, 4, backup_a=0, backup_b=1)
    # Every DSS form on subflow 1, no checksum.
    fin_dsn = all_dss_forms(c, sf, True, False, "abcdefgh")
    c.ack(sf, False)
    # MP_PRIO on the join subflows.
    c.ack(sf2, True, extra=[prio(0)])
    c.ack(sf3, False, extra=[prio(1)])
    # B closes its side with data + DATA_FIN in one mapping, A acks.
    c.map(sf, False, data(33, "bye "), fin=True)
    c.ack(sf, True)
    # Subflow FINs.
    for s in (sf3, sf2, sf):
        s.send(True, "FA", [dss(DSS_A | DSS_a, c.ack_for(True))])
        s.send(False, "FA", [dss(DSS_A | DSS_a, c.ack_for(False))])
        s.send(True, "A", [dss(DSS_A | DSS_a, c.ack_for(True))])
    assert fin_dsn is not None

    # Connection 2: flag variants: SYN with C (no more subflows to my
    # address), SYN/ACK with C, third ACK then the first data from B (so A
    # repeats MP_CAPABLE on its first data later), infinite mapping fallback.
    kc, kd = 0x1A2B3C4D5E6F7081, 0x8899AABBCCDDEEFF
    c2 = Conn(1, kc, kd)
    sf, _ = handshake_v1(cap, c2, A4, B4, 40010, 8080, 0x7000000, 0x7100000,
                         9000, 9500, syn_flags=0x21, synack_flags=0x21,
                         ack_flags=0x01)
    c2.map(sf, False, data(40, "server first "))
    first = data(22, "client data ")
    sf.send(True, "PA", [mpc(1, 0x01, (kc, kd), len(first))], first)
    c2.dsn[True] += len(first)
    c2.ack(sf, False)
    # Fallback: A sends an infinite mapping (DLL 0), then plain TCP.
    sf.send(True, "PA", [dss(DSS_A | DSS_a | DSS_M | DSS_m, c2.ack_for(True),
                             c2.dsn[True], sf.rel(True), 0)], data(30, "inf "))
    sf.send(False, "A", [])
    sf.send(True, "PA", [], data(50, "plain tcp "))
    sf.send(False, "FA", [])
    sf.send(True, "FA", [])
    sf.send(False, "A", [])
    return cap.write(outdir)


def gen_v1_csum(outdir):
    cap = Capture("v1-ipv4-csum.pcap")
    # Checksums negotiated (A flag): A offers A=1, B answers A=1.
    c = Conn(1, K1, K2)
    sf, _ = handshake_v1(cap, c, A4, B4, 40101, 443, 0x11000000, 0x12000000,
                         100, 200, syn_flags=0x81, synack_flags=0x81)
    hello = b"hello, mptcp!"
    csum = dss_csum(c.dsn[True], 1, len(hello), hello)
    assert csum == 0x6D1B
    sf.send(True, "PA", [mpc(1, 0x81, (K1, K2), len(hello), csum)], hello)
    c.dsn[True] += len(hello)
    c.ack(sf, False)
    c.map(sf, False, data(64, "checksummed "), csum=True)
    c.ack(sf, True)
    all_dss_forms(c, sf, True, True, "0123456789")
    c.ack(sf, False)
    # Second connection: A offers A=0, B answers A=1: checksums on, the
    # third ACK confirms A=1 (RFC 8684 §3.1); then MP_FAIL on the ACK of a
    # single-subflow connection followed by an infinite mapping with
    # checksum 0 (RFC 8684 §3.7).
    k3, k4 = 0x0000000000000002, 0x5555AAAA5555AAAA
    c2 = Conn(1, k3, k4)
    sf, _ = handshake_v1(cap, c2, A4b, B4b, 40102, 443, 0x13000000,
                         0x14000000, 300, 400, syn_flags=0x01,
                         synack_flags=0x81)
    first = data(17, "first ")
    sf.send(True, "PA", [mpc(1, 0x81, (k3, k4), len(first),
                             dss_csum(c2.dsn[True], 1, len(first), first))],
            first)
    c2.dsn[True] += len(first)
    c2.ack(sf, False)
    bad_dsn = c2.dsn[True]
    c2.map(sf, True, data(60, "corrupted? "), csum=True)
    # B finds a checksum failure: MP_FAIL with the DSN of the failed
    # mapping, next to its DSS Data ACK.
    sf.send(False, "A", [dss(DSS_A | DSS_a, bad_dsn), mp_fail(bad_dsn)])
    # A answers with an infinite mapping (DLL 0, checksum 0).
    sf.send(True, "PA", [dss(DSS_A | DSS_a | DSS_M | DSS_m, c2.ack_for(True),
                             bad_dsn, 18, 0, 0)], data(60, "corrupted? "))
    # B also sends one in the other direction (32-bit DSN form).
    sf.send(False, "PA", [dss(DSS_A | DSS_M, bad_dsn + 60, c2.dsn[False],
                              sf.rel(False), 0, 0)], data(10, "back "))
    sf.send(True, "A", [])
    sf.send(True, "FA", [])
    sf.send(False, "FA", [])
    sf.send(True, "A", [])
    return cap.write(outdir)


def gen_v1_ipv6(outdir):
    cap = Capture("v1-ipv6.pcap")
    ka, kb = 0x0011223344556677, 0x8877665544332211
    c = Conn(1, ka, kb)
    sf, _ = handshake_v1(cap, c, A6, B6, 50001, 443, 0xA0000000, 0xB0000000,
                         11, 22)
    first = data(26, "v6 ")
    sf.send(True, "PA", [mpc(1, 0x01, (ka, kb), len(first))], first)
    c.dsn[True] += len(first)
    c.ack(sf, False)
    c.map(sf, False, data(120, "ipv6 reply "))
    c.ack(sf, True, flags=DSS_A)
    c.map(sf, True, data(40, "more "), flags=DSS_A | DSS_M)     # 32-bit
    c.ack(sf, False, flags=DSS_A)
    # B announces its second address (with and without port); A echoes.
    h1 = add_addr_hmac(kb, ka, 1, B6b, None)
    sf.send(False, "A", [add_addr_v1(1, B6b, trunc_hmac=h1)])
    sf.send(True, "A", [add_addr_v1(1, B6b, echo=True)])
    h2 = add_addr_hmac(kb, ka, 2, B6b, 8443)
    sf.send(False, "A", [add_addr_v1(2, B6b, 8443, trunc_hmac=h2)])
    sf.send(True, "A", [add_addr_v1(2, B6b, 8443, echo=True)])
    # A joins to B's second address.
    sf2 = join(cap, c, A6b, B6b, 50002, 8443, 0xC0000000, 0xD0000000, 33, 44,
               0xCAFEBABE, 0xDEADBEEF, 1, 2, backup_a=0, backup_b=1)
    c.map(sf2, True, data(70, "on the join "))
    c.ack(sf2, False, extra=[prio(0)])
    c.ack(sf, False, extra=[remove_addr([2])])
    # Close: DATA_FIN both ways on subflow 2, subflow FINs, then RST of the
    # first one.
    c.map(sf2, True, b"", fin=True)
    c.map(sf2, False, b"", fin=True)
    c.ack(sf2, True)
    sf2.send(True, "FA", [dss(DSS_A | DSS_a, c.ack_for(True))])
    sf2.send(False, "FA", [dss(DSS_A | DSS_a, c.ack_for(False))])
    sf2.send(True, "A", [dss(DSS_A | DSS_a, c.ack_for(True))])
    sf.send(True, "RA", [tcprst(0, 0x00)])
    # A second IPv6 connection with checksums and the C flag.
    kc, kd = 0x0F0E0D0C0B0A0908, 0x0706050403020100
    c2 = Conn(1, kc, kd)
    sf, _ = handshake_v1(cap, c2, A6, B6, 50003, 80, 0x01, 0xFFFFFF00, 55, 66,
                         syn_flags=0xA1, synack_flags=0x81)
    first = data(31, "GET / HTTP/1.1 ")
    sf.send(True, "PA", [mpc(1, 0x81, (kc, kd), len(first),
                             dss_csum(c2.dsn[True], 1, len(first), first))],
            first)
    c2.dsn[True] += len(first)
    c2.map(sf, False, data(200, "HTTP/1.1 200 OK "), csum=True)
    c2.map(sf, False, data(300, "body "), flags=DSS_A | DSS_a | DSS_M,
           csum=True)  # B's TCP sequence numbers wrap past 2^32 here
    c2.ack(sf, True)
    c2.map(sf, False, b"", fin=True, csum=True)
    c2.map(sf, True, b"", fin=True, csum=True)
    c2.ack(sf, False)
    sf.send(False, "RA", [fastclose(kc), tcprst(0, 0x00)])
    return cap.write(outdir)


def gen_signals(outdir):
    cap = Capture("signals.pcap")
    ka, kb = K1, K2  # test-values.md §4 values for ADD_ADDR sent by A
    c = Conn(1, ka, kb)
    sf, _ = handshake_v1(cap, c, A4, B4, 41000, 443, 0x20000000, 0x21000000,
                         7, 8)
    first = data(10, "sig ")
    sf.send(True, "PA", [mpc(1, 0x01, (ka, kb), len(first))], first)
    c.dsn[True] += len(first)
    c.ack(sf, False)
    # ADD_ADDR from A (HMAC key K1||K2, test-values §4), echoed by B.
    for aid, addr, port in ((5, "192.0.2.1", None), (5, "192.0.2.1", 8080),
                            (6, "2001:db8::1", None), (6, "2001:db8::1", 443)):
        h = add_addr_hmac(ka, kb, aid, addr, port)
        sf.send(True, "A", [add_addr_v1(aid, addr, port, trunc_hmac=h)])
        sf.send(False, "A", [add_addr_v1(aid, addr, port, echo=True)])
    # ADD_ADDR from B next to a DSS Data ACK (HMAC key K2||K1).
    h = add_addr_hmac(kb, ka, 9, B4b, None)
    c.ack(sf, False, flags=DSS_A, extra=[add_addr_v1(9, B4b, trunc_hmac=h)],
          ts=False)
    c.ack(sf, True, flags=DSS_A, extra=[add_addr_v1(9, B4b, echo=True)])
    # A joins to B's announced address; then B refuses a second join and a
    # third one with reasons (MP_TCPRST on RST, RFC 8684 §3.6).
    sf2 = join(cap, c, A4b, B4b, 41001, 443, 0x22000000, 0x23000000, 9, 10,
               0x01010101, 0x02020202, 3, 9)
    isn = 0x24000000
    for i, (t, reason) in enumerate(((0, 0x00), (1, 0x01), (1, 0x02),
                                     (0, 0x03), (1, 0x04), (0, 0x05),
                                     (0, 0x06), (1, 0x06))):
        s = Subflow(cap, A4b, 42000 + i, B4, 443, isn + i * 0x10000,
                    0, 100 + i, 0)
        s.send(True, "S", [join_syn(0, 3, c.token[False], 0x0A000000 + i)],
               window=64240)
        s.send(False, "RA", [tcprst(t, reason)], ts=False)
    # MP_PRIO both values, on either subflow.
    c.ack(sf2, True, extra=[prio(1)])
    c.ack(sf2, False, extra=[prio(0)])
    c.ack(sf, True, flags=DSS_A, extra=[prio(1)])
    # REMOVE_ADDR with one, three and eight IDs.
    c.ack(sf, True, extra=[remove_addr([6])])
    c.ack(sf, True, flags=DSS_A, extra=[remove_addr([5, 6, 7])])
    sf.send(False, "A", [remove_addr([9, 1, 2, 3, 4, 250, 254, 255])])
    # Data on the join subflow, then MP_FAIL on a RST of that subflow
    # (several subflows: RST + MP_FAIL, RFC 8684 §3.7), with MP_TCPRST.
    fail_dsn = c.dsn[True]
    c.map(sf2, True, data(48, "damaged "))
    sf2.send(False, "RA", [mp_fail(fail_dsn), tcprst(0, 0x06)], ts=False)
    # MP_FASTCLOSE on an ACK (Option A), the peer answers RST; then a second
    # connection closed by RST + MP_FASTCLOSE (Option R).
    c.map(sf, True, data(48, "retransmitted "))
    sf.send(True, "A", [fastclose(kb)])
    sf.send(False, "R", [], ts=False)
    kc, kd = 0x2222333344445555, 0x6666777788889999
    c2 = Conn(1, kc, kd)
    sf, _ = handshake_v1(cap, c2, A4, B4, 41002, 443, 0x30000000, 0x31000000,
                         1, 2)
    first = data(5, "x")
    sf.send(True, "PA", [mpc(1, 0x01, (kc, kd), len(first))], first)
    c2.dsn[True] += len(first)
    c2.ack(sf, False)
    sf.send(True, "RA", [fastclose(kd)], ts=False)
    # Third connection: RST + MP_FASTCLOSE + MP_TCPRST from B.
    ke, kf = 0xAAAABBBBCCCCDDDD, 0x1234123412341234
    c3 = Conn(1, ke, kf)
    sf, _ = handshake_v1(cap, c3, A4b, B4, 41003, 443, 0x32000000, 0x33000000,
                         3, 4)
    c3.map(sf, False, data(12, "hi "))
    sf.send(False, "RA", [fastclose(ke), tcprst(1, 0x02)], ts=False)
    return cap.write(outdir)


def gen_v0(outdir):
    cap = Capture("v0.pcap")
    # v0 over IPv4, checksums on (the out-of-tree kernel's default), keys
    # K1/K2 so the options match test-values.md §6.
    c = Conn(0, K1, K2)
    sf = handshake_v0(cap, c, A4, B4, 43000, 22, 0x40000000, 0x41000000,
                      500, 600)
    assert cap.records[-3].hex().find("1e0c008101020304050607" "08") >= 0
    c.map(sf, True, data(41, "SSH-2.0-OpenSSH "), flags=DSS_A | DSS_M,
          csum=True)
    c.ack(sf, False, flags=DSS_A)
    c.map(sf, False, data(39, "SSH-2.0-server "), flags=DSS_A | DSS_M,
          csum=True)
    c.ack(sf, True, flags=DSS_A)
    # v0 ADD_ADDR: IPv4 / IPv6, with and without port (no HMAC, no echo).
    sf.send(False, "A", [add_addr_v0(5, "192.0.2.1")])
    sf.send(False, "A", [add_addr_v0(5, "192.0.2.1", 8080)])
    sf.send(False, "A", [add_addr_v0(6, "2001:db8::1")])
    sf.send(False, "A", [add_addr_v0(7, "2001:db8::2", 2222)], ts=False)
    # v0 MP_JOIN with SHA-1 HMACs (test-values §3 v0 values).
    sf2 = join(cap, c, A4b, B4, 43001, 22, 0x42000000, 0x43000000, 700, 800,
               0x11223344, 0xAABBCCDD, 2, 3)
    c.map(sf2, True, data(100, "join data "), flags=DSS_A | DSS_M | DSS_m,
          csum=True)
    c.ack(sf2, False, flags=DSS_A)
    # v0 MP_PRIO: length 3 and length 4 (with address ID).
    c.ack(sf2, True, flags=DSS_A, extra=[prio(1)])
    c.ack(sf, True, flags=DSS_A, extra=[prio(1, 2)])
    c.ack(sf, True, flags=DSS_A, extra=[prio(0, 0)])
    c.ack(sf, False, flags=DSS_A, extra=[remove_addr([5, 6])])
    # MP_FAIL on an ACK, then MP_FASTCLOSE on an ACK (v0's only procedure)
    # and the peer's RST.
    c.ack(sf2, False, flags=DSS_A, extra=[mp_fail(c.dsn[True] - 100)])
    sf.send(True, "A", [fastclose(K2)])
    sf.send(False, "R", [], ts=False)
    sf2.send(False, "R", [], ts=False)

    # v0 over IPv6, checksums off, DATA_FIN close.
    ka, kb = 0x7766554433221100, 0x0123456789ABCDEF
    c2 = Conn(0, ka, kb)
    sf = handshake_v0(cap, c2, A6, B6, 43100, 22, 0x50000000, 0x51000000,
                      900, 950, flags=0x01)
    c2.map(sf, True, data(41, "SSH-2.0-v6 "))
    c2.map(sf, False, data(61, "SSH-2.0-v6-server "), flags=DSS_A | DSS_M)
    c2.ack(sf, True)
    sf.send(False, "A", [add_addr_v0(1, B6b)], ts=False)
    sf.send(False, "A", [add_addr_v0(2, B6b, 2022)], ts=False)
    sf.send(False, "A", [add_addr_v0(3, "198.51.100.99")])
    sf.send(False, "A", [add_addr_v0(4, "198.51.100.99", 2022)])
    sf2 = join(cap, c2, A6b, B6b, 43101, 2022, 0x52000000, 0x53000000, 960,
               970, 0x31415926, 0x27182818, 1, 2, backup_a=1, backup_b=1)
    c2.map(sf2, True, data(80, "backup path "))
    c2.ack(sf2, False, extra=[prio(0, 1)])
    c2.ack(sf, False, extra=[remove_addr([1])])
    close_fin(c2, sf)
    sf2.send(True, "FA", [dss(DSS_A | DSS_a, c2.ack_for(True))])
    sf2.send(False, "FA", [dss(DSS_A | DSS_a, c2.ack_for(False))])
    sf2.send(True, "A", [dss(DSS_A | DSS_a, c2.ack_for(True))])
    return cap.write(outdir)


def gen_proxy(outdir):
    cap = Capture("proxy.pcap")
    # Implicit mode: the client's SYN carries MP_PREFER_PROXY (provisional
    # subtype 0xF, shared/spec/proxy-extensions.md A.3) next to MP_CAPABLE.
    ka, kb = 0x0A0B0C0D0E0F1011, 0x1213141516171819
    c = Conn(1, ka, kb)
    sf, _ = handshake_v1(cap, c, A4, "203.0.113.80", 44000, 443, 0x60000000,
                         0x61000000, 1, 2, syn_extra=[prefer_proxy()])
    first = data(16, "via proxy ")
    sf.send(True, "PA", [mpc(1, 0x01, (ka, kb), len(first))], first)
    c.dsn[True] += len(first)
    c.ack(sf, False)
    # Explicit mode: SYN to the proxy with MP_CAPABLE and an MP_CONVERT IE
    # (destination 198.51.100.5:443) in its payload; the proxy echoes the
    # IE in its SYN/ACK.
    kc, kd = 0x1111222233334444, 0x5555666677778888
    c2 = Conn(1, kc, kd)
    ie = convert_ie("198.51.100.5", 443)
    sf, _ = handshake_v1(cap, c2, A4, "203.0.113.1", 44001, 5124, 0x62000000,
                         0x63000000, 3, 4, syn_payload=ie, synack_payload=ie)
    first = data(20, "GET / ")
    sf.send(True, "PA", [mpc(1, 0x01, (kc, kd), len(first))], first)
    c2.dsn[True] += len(first)
    c2.ack(sf, False)
    # Explicit mode over IPv6 with two IEs (source then destination) and
    # MP_PREFER_PROXY on the same SYN.
    ke, kf = 0x99887766554433AA, 0x1029384756AABBCC
    c3 = Conn(1, ke, kf)
    ies = (convert_ie("192.0.2.10", 51000, d=1, m=0)
           + convert_ie("2001:db8::5", 443, d=0, m=1))
    sf, _ = handshake_v1(cap, c3, A6, "2001:db8:ffff::1", 44002, 5124,
                         0x64000000, 0x65000000, 5, 6,
                         syn_extra=[prefer_proxy()], syn_payload=ies,
                         synack_payload=ies)
    c3.map(sf, False, data(25, "proxied "))
    return cap.write(outdir)


GENERATORS = (gen_v1_ipv4, gen_v1_csum, gen_v1_ipv6, gen_signals, gen_v0,
              gen_proxy)


def generate(outdir):
    os.makedirs(outdir, exist_ok=True)
    self_check()
    return [gen(outdir) for gen in GENERATORS]


def check(committed):
    """Regenerates into a temporary directory and compares byte for byte."""
    with tempfile.TemporaryDirectory() as tmp:
        bad = 0
        for path in generate(tmp):
            name = os.path.basename(path)
            ref = os.path.join(committed, name)
            if not os.path.exists(ref):
                print("MISSING %s (not committed)" % ref)
                bad += 1
            elif not filecmp.cmp(path, ref, shallow=False):
                print("DIFFERS %s: regenerated file is not byte-identical" % ref)
                bad += 1
            else:
                print("same    %s (%d bytes)" % (ref, os.path.getsize(ref)))
        extra = sorted(set(f for f in os.listdir(committed)
                           if f.endswith(".pcap"))
                       - set(os.listdir(tmp)))
        for f in extra:
            print("EXTRA   %s is not produced by the generator" % f)
            bad += 1
    print("%d of %d generated files differ" % (bad, len(GENERATORS)))
    return 1 if bad else 0


def main():
    if SCAPY_ERROR is not None:
        print("SKIP: scapy is not available (%s); install Debian's "
              "python3-scapy and run with /usr/bin/python3" % SCAPY_ERROR)
        return 77
    here = os.path.dirname(os.path.abspath(__file__))
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        return check(sys.argv[2])
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1].startswith("-")):
        print(__doc__)
        return 2
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "pcap")
    for path in generate(outdir):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
