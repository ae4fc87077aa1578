#!/usr/bin/python3
"""Regenerates the seed corpora of the libFuzzer targets.

    /usr/bin/python3 fuzz/make_corpus.py

Reads every classic pcap in test/vectors/tcpdump/ and test/vectors/pcap/
(whichever exist) with plain struct parsing and writes:

  fuzz/corpus/opts/seed-*     5 context bytes + one TCP option area, in the
                              layout fuzz_opts.c decodes: TCP flags, version
                              selector (0 = v0, 1 = v1, 2 = ANY, from the
                              capture's name), MP_PREFER_PROXY subtype (0x0F,
                              the library's default), payload length (BE16);
                              one per distinct option layout (kinds, lengths,
                              MPTCP subtype and flag bytes) and TCP flags;
  fuzz/corpus/pkt/seed-*      raw IP packets, at most 600 bytes each;
  fuzz/corpus/convert/seed-*  the example byte strings of the proxy-extension
                              spec (MP_CONVERT, shared/spec/proxy-extensions.md
                              A.6; RFC 8803 Convert, B.10) and the SYN
                              payloads found in the captures;
  fuzz/corpus/stack/seed-*    hand-written operation programs for
                              fuzz_stack.c (handshakes, data, close,
                              out-of-order and SACK, resets, zero window,
                              timeouts, allocation failures), built by the
                              encoders below in the layout fuzz_stack.c
                              documents;
  fuzz/corpus/mptcp/seed-*    hand-written programs for fuzz_mptcp.c: clean
                              v1 transfers in both roles, v0 in both roles,
                              the fallbacks (SYN/ACK, third ACK, data
                              without DSS), the MP_CAPABLE data form, and a
                              misbehaving peer, in the layout fuzz_mptcp.c
                              documents;
  fuzz/corpus/multipath/seed-* hand-written programs for fuzz_multipath.c:
                              joins both ways under every scheduler, CC and
                              path-manager policy, ADD_ADDR / REMOVE_ADDR /
                              MP_PRIO, backups, forged HMACs, blackouts,
                              losses and resets of subflows (reinjection),
                              DATA_FIN and MP_FASTCLOSE, in the layout
                              fuzz_multipath.c documents.

    /usr/bin/python3 fuzz/make_corpus.py mptcp stack

regenerates only the named corpora (the pcaps are then not read unless
opts, pkt or convert is named).

Only files named seed-* are replaced, so minimised crashers added by hand
(any other name) stay. Output is deterministic: names are the first 16 hex
digits of the SHA-1 of the content.
"""

import hashlib
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PCAP_DIRS = [os.path.join(ROOT, "test", "vectors", d) for d in ("tcpdump", "pcap")]
OUT = os.path.join(ROOT, "fuzz", "corpus")

PKT_MAX = 600
PPS_DEFAULT = 0x0F

# DLT/LINKTYPE values we can strip down to the IP header.
LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229


def read_pcap(path):
    """Yields (linktype, frame bytes) of a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        print(f"make_corpus: {path}: not a classic pcap, skipped", file=sys.stderr)
        return
    linktype = struct.unpack(endian + "I", data[20:24])[0] & 0x0FFFFFFF
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        yield linktype, data[off:off + incl]
        off += incl


def ip_of_frame(linktype, frame):
    """The IP packet inside a link-layer frame, or None."""
    if linktype in (LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6):
        return frame
    if linktype == LINKTYPE_ETHERNET:
        off, etype = 14, struct.unpack(">H", frame[12:14])[0] if len(frame) >= 14 else 0
        while etype in (0x8100, 0x88A8) and len(frame) >= off + 4:
            etype = struct.unpack(">H", frame[off + 2:off + 4])[0]
            off += 4
        return frame[off:] if etype in (0x0800, 0x86DD) else None
    if linktype == LINKTYPE_LINUX_SLL:
        if len(frame) < 16:
            return None
        etype = struct.unpack(">H", frame[14:16])[0]
        return frame[16:] if etype in (0x0800, 0x86DD) else None
    if linktype == LINKTYPE_LINUX_SLL2:
        if len(frame) < 20:
            return None
        etype = struct.unpack(">H", frame[0:2])[0]
        return frame[20:] if etype in (0x0800, 0x86DD) else None
    if linktype == LINKTYPE_NULL:
        return frame[4:] if len(frame) > 4 else None
    return None


def tcp_of_ip(ip):
    """(ip packet trimmed to its length, tcp segment) or None."""
    if not ip:
        return None
    ver = ip[0] >> 4
    if ver == 4 and len(ip) >= 20:
        ihl = (ip[0] & 0x0F) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        frag = struct.unpack(">H", ip[6:8])[0]
        if ip[9] != 6 or frag & 0x3FFF or total < ihl or total > len(ip):
            return None
        return ip[:total], ip[ihl:total]
    if ver == 6 and len(ip) >= 40:
        total = 40 + struct.unpack(">H", ip[4:6])[0]
        if ip[6] != 6 or total > len(ip):  # no extension headers in seeds
            return None
        return ip[:total], ip[40:total]
    return None


def shape(area):
    """What makes an option area interesting, without its values: the kinds
    and lengths, and for MPTCP the subtype/version and flag bytes."""
    out, i = [], 0
    while i < len(area):
        k = area[i]
        if k in (0, 1):
            out.append((k,))
            i += 1
            continue
        if i + 1 >= len(area) or area[i + 1] < 2:
            out.append((k, "bad"))
            break
        ln = area[i + 1]
        if k == 30:
            out.append((k, ln, area[i + 2:i + 4]))
        else:
            out.append((k, ln))
        i += ln
    return tuple(out)


def version_selector(name):
    if "v0" in name:
        return 0
    if "v1" in name:
        return 1
    return 2


# shared/spec/proxy-extensions.md A.6 (PM-10) and B.10 (RFC 8803).
SPEC_CONVERT = [
    # MP_CONVERT: 198.51.100.5:443, one IE (D=0, M=1), Length 10.
    "faa8faa8 000a0001 c6336405 01bb0000",
    # Same without port (Length 8).
    "faa8faa8 00080001 c6336405",
    # Two IEs: source 192.0.2.10:51000 (D=1, M=0), then [2001:db8::5]:443.
    "faa8faa8 000a0002 c000020a c7380000"
    " faa8faa8 00160001 20010db8000000000000000000000005 01bb0000",
    # Same, followed by application data.
    "faa8faa8 000a0001 c6336405 01bb0000 474554202f20485454502f312e310d0a",
    # RFC 8803 Convert messages.
    "01022263 01010000",  # Info request
    "01062263 0a0501bb 00000000000000000000ffffc6336405",  # Connect
    "01072263 0a0601bb 00000000000000000000ffffc6336405 1e022202",  # ext.
    "01032263 15020000 1e220000",  # Supported Extensions {30, 34}
    "01052263 14040000 020405b4 04020103 03070000",  # Extended TCP Header
    "01022263 1e016000",  # Error: Connection Reset
    "01022263 1e016103",  # Error: Destination Unreachable, ICMP code 3
    "01042263 16030000 0123456789abcdef",  # Cookie TLV (8-byte cookie)
    "01012263",  # header only
    # Connect + Cookie, then application data after Total Length.
    "01092263 0a0501bb 20010db8000000000000000000000005"
    " 16030000 0123456789abcdef 68656c6c6f",
]


def write_corpus(name, blobs):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if f.startswith("seed-"):
            os.remove(os.path.join(d, f))
    names = set()
    for b in blobs:
        fn = "seed-" + hashlib.sha1(b).hexdigest()[:16]
        if fn in names:
            continue
        names.add(fn)
        with open(os.path.join(d, fn), "wb") as f:
            f.write(b)
    print(f"make_corpus: fuzz/corpus/{name}: {len(names)} seeds")


# ---------------------------------------------------------------- fuzz_stack
# Encoders for fuzz_stack.c's input (see the comment at its top).

TH_FIN, TH_SYN, TH_RST, TH_PSH, TH_ACK = 0x01, 0x02, 0x04, 0x08, 0x10
NO_DRAIN = 0x80


def st_hdr(sack=1, ts=1, nagle=1, keepalive=0, transparent=0, v6=0, memcap=0,
           unspec=0, wscale=7, sndbuf=2, rcvbuf=2, mss=0, backlog=1,
           max_conns=2, active=0, fail_new=None):
    h0 = (sack | ts << 1 | nagle << 2 | keepalive << 3 | transparent << 4 |
          v6 << 5 | memcap << 6 | unspec << 7)
    h2 = sndbuf | rcvbuf << 2 | mss << 4 | backlog << 6
    h3 = max_conns << 2 | active << 4
    if fail_new is not None:
        h3 |= 0x80 | fail_new
    return bytes([h0, wscale, h2, h3])


def st_tuple(ep=0, port=0):
    """Endpoint index (0 = us:80, 2 = us:5000, 5 = 10.0.0.9:443, 6 = us:81)
    and remote port 40000 + port."""
    return ep << 2 | port


def st_simple(t, flags, p=0, own_seq=False, op=0x01):
    """In-sync segment; p: payload length byte (len = (p & 63) << 2*(p >> 6))."""
    return bytes([op, t | (0x40 if own_seq else 0), flags, p])


def st_seg(t, flags, seq_mode=0, seq_scale=0, sd=0, ack_mode=0, ack_scale=0,
           ad=0, seq_abs=None, ack_abs=None, win=None, opts=b"\x00", pay=0):
    """Full segment. Modes: seq 0 stack's ACK, 1 peer next, 2 absolute,
    3 peer ISN; ack 0 stack's highest, 1 peer's last ACK, 2 absolute,
    3 end of the stack's last segment. win None = 65535, else raw u16."""
    ctl = seq_mode | seq_scale << 2 | ack_mode << 4 | ack_scale << 6
    out = bytes([0x00, t, flags, ctl, sd & 0xFF, ad & 0xFF])
    if seq_mode == 2:
        out += struct.pack(">I", seq_abs)
    if ack_mode == 2:
        out += struct.pack(">I", ack_abs)
    if win is None:
        out += b"\x00"
    elif win == 0:
        out += b"\x40"
    else:
        out += b"\xc0" + struct.pack(">H", win)
    return out + opts + bytes([pay])


def st_opt_sack(blocks, shift=2, ts_delta=0):
    """Option fields: TS + SACK blocks (left, len) in units of 16 << ..."""
    sb = (len(blocks) - 1) | shift << 2
    out = bytes([0x02, 0x08 | 0x10, ts_delta & 0xFF, sb])
    for lo, ln in blocks:
        out += bytes([lo & 0xFF, ln & 0xFF])
    return out


def st_time(unit, v):
    """unit 0 us, 1 ms, 2 100 ms, 3 10 s."""
    return bytes([0x03, unit, v])


ST_EXPIRY = b"\x04"


def st_app(op, slot=0, n=0, shift=0):
    codes = {"write": 0x05, "read": 0x06, "peek": 0x07}
    return bytes([codes[op], slot | shift << 4, n])


def st_one(op, slot=0):
    codes = {"shutdown": 0x08, "abort": 0x09, "release": 0x0A}
    return bytes([codes[op], slot])


def st_connect(remote_port=0, local=1, nodelay=0, keepalive=0):
    return bytes([0x0B, remote_port | local << 2 | nodelay << 4 |
                  keepalive << 5])


def st_fail(count, skip=0):
    return bytes([0x0C, skip << 4 | count])


def st_outbuf(i):
    return bytes([0x0D, i])


def st_raw(pkt):
    return bytes([0x0E, len(pkt)]) + pkt


def stack_seeds():
    T0 = st_tuple(0, 0)
    hs = st_simple(T0, TH_SYN) + st_simple(T0, TH_ACK)
    seeds = []
    # 1. Passive handshake, data both ways, active close, TIME_WAIT expiry.
    seeds.append(st_hdr() + hs +
                 st_simple(T0, TH_ACK | TH_PSH, 0x40 | 25) +  # 100 bytes
                 st_app("read", n=200) +
                 st_app("write", n=200, shift=2) +  # 800 bytes
                 st_simple(T0, TH_ACK) +
                 st_one("shutdown") + st_simple(T0, TH_ACK) +
                 st_simple(T0, TH_FIN | TH_ACK) +
                 st_time(2, 5) + st_one("release"))
    # 2. Passive close: peer FIN, app drains, shuts down, peer ACKs.
    seeds.append(st_hdr(ts=0, sack=0, wscale=0) + hs +
                 st_simple(T0, TH_ACK | TH_PSH, 0x80 | 20) +  # 320 bytes
                 st_simple(T0, TH_FIN | TH_ACK) +
                 st_app("peek", n=0) + st_app("read", n=100) +
                 st_one("shutdown") + st_simple(T0, TH_ACK) +
                 st_one("release"))
    # 3. Out-of-order arrival, SACK to the peer, hole filled.
    seeds.append(st_hdr() + hs +
                 st_seg(T0, TH_ACK, seq_mode=0, seq_scale=1, sd=32,
                        opts=b"\x01", pay=0x40 | 16) +  # 512 at +512
                 st_seg(T0, TH_ACK, seq_mode=0, seq_scale=1, sd=80,
                        opts=b"\x01", pay=0x40 | 8) +  # 256 at +1280
                 st_seg(T0, TH_ACK, opts=b"\x01", pay=0x40 | 16) +
                 st_app("read", n=255, shift=3))
    # 4. SACK from the peer: dupACKs with growing SACK, fast retransmit,
    #    then the retransmission timer.
    seeds.append(st_hdr(sndbuf=3, nagle=0) + hs +
                 st_app("write", n=250, shift=4) +  # 4000 bytes
                 st_seg(T0, TH_ACK, ack_mode=1, opts=st_opt_sack([(2, 2)])) +
                 st_seg(T0, TH_ACK, ack_mode=1, opts=st_opt_sack([(2, 4)])) +
                 st_seg(T0, TH_ACK, ack_mode=1, opts=st_opt_sack([(2, 6)])) +
                 st_seg(T0, TH_ACK, ack_mode=1,
                        opts=st_opt_sack([(2, 6), (10, 2)])) +
                 ST_EXPIRY + ST_EXPIRY + st_simple(T0, TH_ACK))
    # 5. NewReno without SACK: three duplicate ACKs, partial ACK.
    seeds.append(st_hdr(sack=0, ts=0, sndbuf=3) + hs +
                 st_app("write", n=250, shift=4) +
                 st_seg(T0, TH_ACK, ack_mode=1) * 4 +
                 st_seg(T0, TH_ACK, ack_mode=1, ack_scale=2, ad=3) +
                 st_simple(T0, TH_ACK))
    # 6. Resets: in-window RST, out-of-window RST (challenge ACK), SYN on
    #    an established connection, stray ACK and SYN to a closed port.
    seeds.append(st_hdr() + hs +
                 st_seg(T0, TH_RST, seq_mode=0, seq_scale=1, sd=5) +
                 st_seg(T0, TH_SYN, seq_mode=1) +
                 st_simple(T0, TH_RST) +
                 st_simple(st_tuple(6, 1), TH_SYN) +
                 st_simple(st_tuple(6, 1), TH_ACK) +
                 st_one("release"))
    # 7. Active open to port 40000 from 5000, data, passive-side close.
    T5 = st_tuple(2, 0)
    seeds.append(st_hdr() + st_connect(0, 1) +
                 st_simple(T5, TH_SYN | TH_ACK) +
                 st_app("write", n=100) + st_simple(T5, TH_ACK) +
                 st_simple(T5, TH_ACK | TH_PSH | TH_FIN, 10) +
                 st_app("read", n=50) + st_one("shutdown") +
                 st_simple(T5, TH_ACK) + st_one("release"))
    # 8. Active open refused by RST, then one that times out.
    seeds.append(st_hdr() + st_connect(1, 1) +
                 st_seg(st_tuple(2, 1), TH_RST | TH_ACK) +
                 st_connect(2, 2) + ST_EXPIRY * 6 + st_one("release", 1))
    # 9. Zero window: persist probes, then the window opens.
    seeds.append(st_hdr(nagle=0) + hs +
                 st_seg(T0, TH_ACK, win=0) +
                 st_app("write", n=250, shift=3) +
                 ST_EXPIRY * 3 + st_simple(T0, TH_ACK) +
                 st_seg(T0, TH_ACK, win=4000) + st_simple(T0, TH_ACK))
    # 10. Keep-alive probes, then the peer is declared dead.
    seeds.append(st_hdr(keepalive=1) + hs + ST_EXPIRY * 6)
    # 11. Allocation failures: a refused SYN, then an accepted one; limits.
    seeds.append(st_hdr(max_conns=0, backlog=0) + st_fail(1) +
                 st_simple(T0, TH_SYN) + st_simple(T0, TH_SYN) +
                 st_simple(st_tuple(0, 1), TH_SYN) +
                 st_simple(st_tuple(0, 2), TH_SYN) +
                 st_simple(T0, TH_ACK) + st_connect(3, 0))
    # 12. Receive window fills (app does not read), window update on read.
    seeds.append(st_hdr(rcvbuf=0, wscale=0) + hs +
                 st_simple(T0, TH_ACK, 0x40 | 40) * 3 +
                 st_app("read", n=255, shift=3) + st_simple(T0, TH_ACK))
    # 13. Transparent listener, IPv6, small output buffer (NOBUF path).
    seeds.append(st_hdr(transparent=1, v6=1) + st_outbuf(3) +
                 st_simple(st_tuple(5, 0), TH_SYN) +
                 st_simple(st_tuple(5, 0), TH_ACK) + st_outbuf(0) +
                 st_app("write", n=20) + st_simple(st_tuple(5, 0), TH_ACK))
    # 14. A batch without drains, then timers; a raw garbage packet.
    seeds.append(st_hdr() + bytes([0x01 | NO_DRAIN]) + st_simple(T0, TH_SYN)[1:] +
                 st_simple(T0, TH_ACK) + st_raw(b"\x45\x00\x00\x14") +
                 st_time(3, 1) + st_one("abort") + st_one("release"))
    # 15. mptcp_stack_new failing on its second allocation.
    seeds.append(st_hdr(fail_new=1))
    return seeds


# ---------------------------------------------------------------- fuzz_mptcp
# Encoders for fuzz_mptcp.c's input (see the comment at its top).

MP_PVER = {1: 0, 0: 1, 5: 3}  # the peer's MP_CAPABLE version -> h2 & 3
MP_PMSS = {1460: 0, 536: 1, 1000: 2, 64: 3}
MP_MSS = {1460: 0, 536: 1, 1000: 2, 100: 3}
MP_WS = {0: 0, 2: 1, 7: 2, 14: 3}


def mp_hdr(active=0, offer_v0=0, accept_v0=1, checksum=0, sack=1, ts=1,
           nagle=1, v6=0, sndbuf=2, rcvbuf=2, mss=1460, wscale=7, pver=1,
           p_csum=0, p_c=0, map64=0, ack64=0, pmss=1460, key=1, p_nots=0,
           p_nows=0, syn_retries=2):
    h0 = (active | offer_v0 << 1 | accept_v0 << 2 | checksum << 3 |
          sack << 4 | ts << 5 | nagle << 6 | v6 << 7)
    h1 = sndbuf | rcvbuf << 2 | MP_MSS[mss] << 4 | MP_WS[wscale] << 6
    h2 = (MP_PVER[pver] | p_csum << 2 | p_c << 3 | map64 << 4 | ack64 << 5 |
          MP_PMSS[pmss] << 6)
    h3 = ((key & 0x0F) | {2: 0, 1: 1, 0: 2, 3: 3}[syn_retries] << 4 |
          p_nows << 6 | p_nots << 7)
    return bytes([h0, h1, h2, h3])


# DATA_ACK modes of DATA / ACK.
DA_NONE, DA_R32, DA_R64, DA_STALE, DA_BEYOND, DA_SCRAMBLE, DA_BEHIND, DA_DEF = range(8)
# Mapping modes of DATA.
MAP_EXACT, MAP_NONE, MAP_EXT, MAP_EARLIER, MAP_WRONG, MAP_INF, MAP_MPC, MAP_AHEAD = range(8)


def mp_hs(step=0, no_mpc=0, other_ver=0, bad=0, other_key=0, data=None,
          bare_syn=0, dack=0):
    """step 0 next, 1 SYN or SYN/ACK, 2 ACK with MP_CAPABLE, 3 MP_FASTCLOSE
    (no_mpc: on an RST with MP_TCPRST)."""
    b = (step | no_mpc << 2 | other_ver << 3 | bad << 4 | other_key << 5 |
         (0x40 if data is not None else 0) | (bare_syn | dack) << 7)
    return bytes([0x00, b]) + (bytes([data]) if data is not None else b"")


def mp_data(p, seq=0, mapping=MAP_EXACT, dsn64=0, csum=0, hold=0,
            dack=DA_DEF, dfin=0, fin=0, corrupt=0, delta=None, stale_ack=0,
            op=0x01):
    """p: payload length byte (len = (p & 63) << 2*(p >> 6))."""
    c1 = seq | mapping << 2 | dsn64 << 5 | csum << 6 | hold << 7
    c2 = (dack | dfin << 3 | fin << 4 | corrupt << 5 |
          (0x40 if delta is not None else 0) | stale_ack << 7)
    out = bytes([op, c1, c2, p])
    return out + (bytes([delta & 0xFF]) if delta is not None else b"")


def mp_ack(dack=DA_DEF, tcp_ack=0, zero_win=0, no_dss=0, delta=None):
    c = (dack | tcp_ack << 3 | zero_win << 5 |
         (0x40 if delta is not None else 0) | no_dss << 7)
    return bytes([0x08, c]) + (bytes([delta & 0xFF]) if delta is not None else b"")


def mp_dfin(fin=1, dsn64=0, wrong=0, csum=0, no_dack=0, hold=0, corrupt=0,
            delta=None):
    c = (fin | dsn64 << 1 | wrong << 2 | (8 if delta is not None else 0) |
         csum << 4 | no_dack << 5 | hold << 6 | corrupt << 7)
    return bytes([0x09, c]) + (bytes([delta & 0xFF]) if delta is not None else b"")


def mp_replay(i=0, t=0):
    return bytes([0x0A, i, t])


def mp_close(how):
    return bytes([0x0B, {"shutdown": 0, "abort": 1, "release": 2}[how]])


def mp_app(op, n=0, shift=0):
    return bytes([{"write": 0x05, "read": 0x06, "peek": 0x07}[op],
                  shift << 4, n])


def mp_time(unit, v):
    return bytes([0x03, unit, v])


MP_EXPIRY = b"\x04"


def mp_fail(count, skip=0):
    return bytes([0x0C, skip << 4 | count])


def mp_outbuf(i):
    return bytes([0x0D, i])


def mp_rawopt(opts, p=0, seq=0, fin=0, syn=0, no_ack=0, rst=0, ts=1,
              corrupt=0):
    f = (seq | fin << 2 | syn << 3 | no_ack << 4 | rst << 5 | ts << 6 |
         corrupt << 7)
    return bytes([0x0E, f, len(opts)]) + opts + bytes([p])


def mptcp_seeds():
    seeds = []
    hs_passive = mp_hs() + mp_hs()  # SYN, then the third ACK
    # 1. Passive v1, clean: data both ways (32- then 64-bit DSNs), the peer
    #    closes (DATA_FIN + FIN), the app reads to EOF and closes.
    seeds.append(mp_hdr() + hs_passive +
                 mp_data(0x40 | 25, dack=DA_R32) +            # 100 bytes
                 mp_app("read", n=200) +
                 mp_app("write", n=200, shift=2) +            # 800 bytes
                 mp_ack(DA_R32) +
                 mp_data(0x80 | 20, dsn64=1, dack=DA_R64) +   # 320 bytes
                 mp_app("read", n=255, shift=1) +
                 mp_dfin(fin=1) + mp_app("read", n=10) +
                 mp_close("shutdown") + mp_ack(DA_R32) +
                 mp_time(2, 5) + mp_close("release"))
    # 2. Active v1, clean: the first data with the MP_CAPABLE data form,
    #    DATA_ACKs, the stack closes first (DATA_FIN), then the peer.
    seeds.append(mp_hdr(active=1, nagle=0) + mp_hs() +
                 mp_app("write", n=125, shift=2) +            # 500 bytes
                 mp_ack(DA_R32) +
                 mp_app("write", n=250, shift=3) +            # 2000 bytes
                 mp_ack(DA_R32) + mp_ack(DA_R32) +
                 mp_data(0x40 | 50, dack=DA_R32) + mp_app("read", n=255) +
                 mp_close("shutdown") + mp_ack(DA_R32) +
                 mp_dfin(fin=1) + mp_app("read", n=10) +
                 MP_EXPIRY + mp_close("release"))
    # 3. Passive v0 (RFC 6824): the key on the SYN, 32-bit DATA_ACKs.
    seeds.append(mp_hdr(pver=0, accept_v0=1) + hs_passive +
                 mp_data(0x40 | 30, dack=DA_R32) + mp_app("read", n=200) +
                 mp_app("write", n=150, shift=2) + mp_ack(DA_R32) +
                 mp_dfin(fin=1) + mp_close("shutdown") + mp_ack(DA_R32) +
                 mp_app("read", n=10))
    # 4. Active v0: the stack offers v0, the first data has a DSS.
    seeds.append(mp_hdr(active=1, offer_v0=1, pver=0, ack64=1) + mp_hs() +
                 mp_app("write", n=200, shift=1) + mp_ack(DA_R64) +
                 mp_data(0x40 | 10, dsn64=1, dack=DA_R64) +
                 mp_app("read", n=100) + mp_close("shutdown") +
                 mp_ack(DA_R64) + mp_dfin(fin=1, dsn64=1))
    # 5. Fallback at the third ACK (no MP_CAPABLE): plain TCP both ways.
    seeds.append(mp_hdr() + mp_hs() + mp_hs(step=2, no_mpc=1) +
                 mp_data(0x40 | 20, mapping=MAP_NONE, dack=DA_NONE) +
                 mp_app("read", n=100) + mp_app("write", n=100) +
                 mp_ack(no_dss=1))
    # 6. Fallback after the handshake (RFC 8684 §3.7): data without DSS.
    seeds.append(mp_hdr() + hs_passive +
                 mp_app("write", n=100) +
                 mp_data(0x40 | 20, mapping=MAP_NONE, dack=DA_NONE) +
                 mp_app("read", n=100) + mp_ack(no_dss=1) +
                 mp_app("write", n=100) + mp_ack(no_dss=1) +
                 mp_close("shutdown") + mp_ack(no_dss=1))
    # 7. Fallback at the SYN/ACK (active; the peer answers without MPTCP),
    #    and a peer that asks for checksums (refused: plain TCP).
    seeds.append(mp_hdr(active=1) + mp_hs(no_mpc=1) +
                 mp_app("write", n=200) + mp_ack(no_dss=1) +
                 mp_data(0x40 | 4, mapping=MAP_NONE, dack=DA_NONE) +
                 mp_app("read", n=50))
    seeds.append(mp_hdr(p_csum=1) + hs_passive +
                 mp_data(0x40 | 4, mapping=MAP_NONE, dack=DA_NONE) +
                 mp_app("read", n=50))
    # 8. The third ACK with the MP_CAPABLE data form (v1), then DSS.
    seeds.append(mp_hdr() + mp_hs() + mp_hs(step=2, data=0x40 | 10) +
                 mp_data(0x40 | 10, dack=DA_R32) + mp_app("read", n=255) +
                 mp_data(0x40 | 10, mapping=MAP_MPC) + mp_app("read", n=255))
    # 9. Network trouble: a held (late) segment, the next one, the late one
    #    delivered, duplicates, a truncated replay, a cut packet.
    seeds.append(mp_hdr() + hs_passive +
                 mp_data(0x40 | 8, hold=1) + mp_data(0x40 | 8) +
                 mp_replay(1, 0) + mp_replay(0, 1) + mp_replay(0, 2 | 2 << 2) +
                 mp_replay(0, 3) + mp_app("read", n=255, shift=1) +
                 mp_data(0x40 | 8, seq=2, delta=16) +
                 mp_data(0x40 | 8) + mp_app("read", n=255, shift=1))
    # 10. Mappings that cover more or other bytes, consistently: a mapping
    #     ahead of its segment, one reaching back, data under an earlier
    #     mapping only, a mapping for bytes not sent yet.
    seeds.append(mp_hdr(map64=1) + hs_passive +
                 mp_data(0x40 | 4, mapping=MAP_EXT, delta=64) +
                 mp_data(0x40 | 4, mapping=MAP_NONE) +
                 mp_data(0x40 | 4, mapping=MAP_EARLIER, delta=8) +
                 mp_data(0x40 | 4, mapping=MAP_AHEAD, delta=16) +
                 mp_data(0x40 | 4) + mp_app("read", n=255, shift=1))
    # 11. A misbehaving peer: wrong and infinite mappings, checksum fields,
    #     DATA_ACKs beyond and stale, repeated MP_CAPABLE, raw options.
    seeds.append(mp_hdr() + hs_passive +
                 mp_app("write", n=200, shift=1) +
                 mp_ack(DA_BEYOND, delta=50) + mp_ack(DA_STALE, delta=3) +
                 mp_data(0x40 | 4, mapping=MAP_INF) +
                 mp_data(0x40 | 4, csum=1) +
                 mp_data(0x40 | 4, mapping=MAP_WRONG, delta=7) +
                 mp_hs(step=2) + mp_hs(step=1) +
                 mp_rawopt(b"\x1e\x08\x20\x01\x00\x00\x00\x00", p=4) +
                 mp_rawopt(b"\x1e\x0e\x20\x04" + bytes(10), p=4) +
                 mp_app("read", n=255))
    # 12. DSS checksums: asked for by the stack (passive) and by the peer
    #     (active); then a peer whose checksum is wrong (the stack resets).
    seeds.append(mp_hdr(checksum=1) + hs_passive +
                 mp_data(0x40 | 25, dack=DA_R32) + mp_app("read", n=200) +
                 mp_app("write", n=200, shift=2) + mp_ack(DA_R32) +
                 mp_dfin(fin=1) + mp_close("shutdown") + mp_ack(DA_R32) +
                 mp_app("read", n=10))
    seeds.append(mp_hdr(active=1, p_csum=1) + mp_hs() +
                 mp_app("write", n=125, shift=2) + mp_ack(DA_R32) +
                 mp_data(0x40 | 25, dack=DA_R32) +
                 mp_data(0x40 | 25, mapping=MAP_EXT, delta=40) +
                 mp_data(0x40 | 10) + mp_app("read", n=255, shift=1) +
                 mp_data(0x40 | 4, csum=1, delta=2) + mp_app("read", n=100))
    # 13. MP_FASTCLOSE: with the stack's key on an ACK (it resets), and an
    #     abort of ours (RST with MP_FASTCLOSE and MP_TCPRST).
    seeds.append(mp_hdr() + hs_passive + mp_app("write", n=100) +
                 mp_hs(step=3, bad=1) + mp_hs(step=3))
    seeds.append(mp_hdr(active=1) + mp_hs() + mp_app("write", n=100) +
                 mp_ack(DA_R64) + mp_close("abort") +
                 mp_hs(step=3, no_mpc=1))
    # 14. An MP_CAPABLE blackhole: the SYNs go unanswered, the stack
    #     retries without MP_CAPABLE, the peer then answers.
    seeds.append(mp_hdr(active=1, syn_retries=1) + MP_EXPIRY + MP_EXPIRY +
                 mp_hs() + mp_app("write", n=100) + mp_ack(no_dss=1))
    # 15. IPv6, small MSS on both sides, small output buffers (NOBUF),
    #     an allocation failure under way, zero window, timers.
    seeds.append(mp_hdr(v6=1, mss=536, pmss=536, ts=0, sndbuf=1) +
                 mp_outbuf(3) + hs_passive + mp_outbuf(0) +
                 mp_app("write", n=250, shift=3) + mp_fail(2) +
                 mp_ack(DA_R64, zero_win=1) + MP_EXPIRY + MP_EXPIRY +
                 mp_ack(DA_R64) + mp_ack(DA_R64) + mp_time(1, 100) +
                 mp_ack(DA_R64))
    return seeds


# ------------------------------------------------------------ fuzz_multipath
# Encoders for fuzz_multipath.c's input (see the comment at its top).

MX_SCHED = {"minrtt": 0, "rr": 1, "redundant": 2, "blest": 3, "ecf": 4}
MX_CC = {"reno": 0, "lia": 1, "olia": 2, "balia": 3}
MX_PM = {"none": 0, "announced": 1, "fullmesh": 2}
MX_MSS = {1460: 0, 536: 1, 1000: 2, 200: 3}


def mx_hdr(sched="minrtt", cc="reno", pm="none", v6=0, sndbuf=2, rcvbuf=2,
           mss=1460, sack=1, nagle=0, key=1, nonce=7):
    h0 = MX_SCHED[sched] | MX_CC[cc] << 3 | MX_PM[pm] << 5 | v6 << 7
    h1 = sndbuf | rcvbuf << 2 | MX_MSS[mss] << 4 | sack << 6 | nagle << 7
    return bytes([h0, h1, key, nonce])


def mx_join(a, to_alt=0, backup=0, bad_token=0):
    return bytes([0x00, a, to_alt | backup << 1 | bad_token << 2])


# DATA ranges and mapping kinds.
NEW, FROM_DACK, OLDER = 0, 2, 3
MX_RIGHT, MX_AHEAD, MX_SHORT, MX_NODSS, MX_CORRUPT = 0, 4, 5, 6, 7


def mx_data(s, l, rng=NEW, kind=MX_RIGHT, no_dack=0, hold=0, lose=0):
    return bytes([0x01, s, l,
                  rng | kind << 2 | no_dack << 5 | hold << 6 | lose << 7])


def mx_step(s, f=0):
    return bytes([0x02, s, f])


def mx_third(s, forged=0):
    return mx_step(s, forged)


def mx_answer(s, how="ok", backup=0):
    return mx_step(s, {"ok": 0, "forged": 2, "refuse": 3}[how] | backup << 2)


def mx_ack(s, stale=0):
    return mx_step(s, 8 | stale << 4 if stale else 0)


def mx_time(unit, v):
    return bytes([0x03, unit, v])


MX_EXPIRY = b"\x04"


def mx_write(l, shift=0):
    return bytes([0x05, shift << 4, l])


def mx_read(l, shift=0):
    return bytes([0x06, shift << 4, l])


def mx_add(a, port=0, forged=0, on=0):
    return bytes([0x07, 0, a | port << 2 | forged << 3 | on << 5])


def mx_echo(on=0):
    return bytes([0x07, 1, on << 5])


def mx_remove(id_):
    return bytes([0x07, 2, id_])


def mx_prio(s, backup):
    return bytes([0x07, 3, s | backup << 4])


def mx_app(what, x=0):
    k = {"announce": 0, "register": 1, "remove": 2, "backup": 3,
         "subflow": 4, "shutdown": 5, "abort": 6, "release": 7}[what]
    return bytes([0x08, k, x])


def mx_dfin(s=0, fastclose=0, wrong_key=0):
    return bytes([0x09, s, fastclose | wrong_key << 1])


def mx_replay(i):
    return bytes([0x0A, i])


def mx_rst(s, tcprst=1, reason=0):
    return bytes([0x0B, s, tcprst | reason << 1])


def mx_fail(count, skip=0):
    return bytes([0x0C, skip << 4 | count])


def mx_path(s, blackout=0, lose=0):
    return bytes([0x0E, s, blackout | lose << 1])


def multipath_seeds():
    seeds = []
    # A join of the peer's from .3 (model subflow 1): SYN, third ACK, the
    # stack's ACK of it follows by itself.
    join1 = mx_join(1) + mx_third(1)
    bulk = (mx_write(200, 3) + mx_ack(0) + mx_ack(1) + mx_data(0, 0x40 | 40) +
            mx_data(1, 0x40 | 40) + mx_read(255, 3) + mx_ack(0) +
            mx_ack(1) + mx_write(100, 4) + mx_ack(1) + mx_ack(0) +
            mx_time(1, 30) + mx_ack(0) + mx_ack(1))
    close = (mx_dfin(1) + mx_read(255, 3) + mx_read(10) +
             mx_app("shutdown") + mx_ack(0) + mx_ack(1) + MX_EXPIRY)
    # 1. Two subflows under every scheduler and CC: data both ways, close.
    for i, sched in enumerate(MX_SCHED):
        cc = list(MX_CC)[i % 4]
        seeds.append(mx_hdr(sched=sched, cc=cc) + join1 + bulk + close)
    # 2. join-announced: the peer announces .3 with a port and .4 without;
    #    the stack joins them, the peer answers, acknowledges the third
    #    ACKs, data flows on all three.
    seeds.append(mx_hdr(pm="announced", cc="lia") + mx_add(1, port=1) +
                 mx_add(2) + mx_answer(1) + mx_answer(2) + mx_ack(1) +
                 mx_ack(2) + bulk + mx_data(2, 0x40 | 20) + mx_read(255, 3) +
                 close)
    # 3. fullmesh with .9 registered as a backup, and the peer's addresses:
    #    up to 8 subflows, backups among them.
    seeds.append(mx_hdr(pm="fullmesh", cc="olia", sched="redundant") +
                 mx_app("register", 1) + mx_add(1) + mx_add(2, port=1) +
                 mx_add(3) + mx_answer(1) + mx_answer(2) + mx_answer(3) +
                 mx_answer(4) + mx_answer(5, backup=1) + mx_answer(6) +
                 mx_ack(1) + mx_ack(2) + mx_ack(3) + mx_ack(4) + mx_ack(5) +
                 mx_ack(6) + bulk + close)
    # 4. A backup join of the peer's and the app's own backup subflow: new
    #    data stays on the regular one.
    seeds.append(mx_hdr(sched="minrtt", cc="balia") + mx_join(1, backup=1) +
                 mx_third(1) + mx_add(2) + mx_app("subflow", 1 | 2 << 1 | 0x40)
                 + mx_answer(2) + mx_ack(2) + bulk + mx_prio(1, 0) + bulk +
                 mx_app("backup", 0 | 1 << 3) + bulk + close)
    # 5. Forged HMACs and tokens: a forged third ACK, a wrong token, a
    #    forged SYN/ACK to the stack's join, a forged ADD_ADDR.
    seeds.append(mx_hdr(pm="announced") + mx_join(1) + mx_third(1, forged=1) +
                 mx_join(2, bad_token=1) + mx_add(3, forged=1) + mx_add(1) +
                 mx_answer(1, "forged") + mx_write(100) + mx_ack(0) +
                 mx_join(3, to_alt=1) + mx_third(2) + bulk + close)
    # 6. A blackout of the initial subflow with data outstanding: the stack
    #    retransmits, stalls, reinjects on the join; the peer resends from
    #    the DATA_ACK on the join.
    for sched in ("minrtt", "redundant", "ecf", "blest", "rr"):
        seeds.append(mx_hdr(sched=sched) + join1 + mx_ack(1) +
                     mx_write(200, 3) + mx_path(0, blackout=1) +
                     mx_data(0, 0x40 | 30, lose=1) +
                     MX_EXPIRY + MX_EXPIRY + mx_ack(0) + MX_EXPIRY +
                     mx_data(0, 0x40 | 30, rng=FROM_DACK) + mx_read(255, 3) +
                     MX_EXPIRY + mx_ack(0) + mx_ack(0) + mx_path(0) +
                     mx_ack(0) + mx_ack(1) + MX_EXPIRY + mx_ack(0) + close)
    # 7. Losses on one subflow, a subflow RST with data in flight, the
    #    stack re-opens (fullmesh) with backoff.
    seeds.append(mx_hdr(pm="fullmesh", sched="rr") + mx_add(1) +
                 mx_answer(1) + mx_ack(1) + mx_write(200, 3) +
                 mx_path(1, lose=3) + mx_ack(0) + mx_ack(1) + mx_rst(1) +
                 mx_time(2, 15) + mx_answer(2) + mx_ack(2) + bulk + close)
    # 8. Address management: announce .9 and echo it, remove it, the
    #    peer's REMOVE_ADDR, MP_PRIO, set_backup.
    seeds.append(mx_hdr(pm="announced") + mx_app("announce", 1) + mx_echo() +
                 join1 + mx_add(2) + mx_answer(2) + mx_ack(2) +
                 mx_prio(1, 1) + mx_app("backup", 1 | 1 << 3) + bulk +
                 mx_remove(2) + mx_app("remove", 1) + mx_time(2, 20) +
                 mx_remove(0) + bulk + close)
    # 9. MP_FASTCLOSE (a wrong key first), abort, release.
    seeds.append(mx_hdr() + join1 + mx_write(100) + mx_dfin(1, 1, 1) +
                 mx_dfin(0, 1))
    seeds.append(mx_hdr(sched="redundant") + join1 + mx_write(100) +
                 mx_app("abort"))
    seeds.append(mx_hdr() + join1 + mx_write(100) + mx_app("release"))
    # 10. Hostile mappings: ahead, short, none, corrupt; reordering and
    #     duplicates (REPLAY of held segments).
    seeds.append(mx_hdr() + join1 + mx_data(1, 40, hold=1) +
                 mx_data(0, 40) + mx_replay(1) + mx_replay(0) +
                 mx_data(1, 40, kind=MX_AHEAD) + mx_data(0, 40, kind=MX_SHORT)
                 + mx_data(1, 40, kind=MX_NODSS) + mx_read(255, 3) +
                 mx_data(0, 40, kind=MX_CORRUPT) + mx_read(255, 3))
    # 11. IPv6, small MSS, join-announced with the other family announced
    #     (never joined), allocation failures, small output buffers.
    seeds.append(mx_hdr(v6=1, pm="announced", mss=536, sched="ecf",
                        cc="lia") + mx_add(0) + mx_add(1) + mx_answer(1) +
                 mx_ack(1) + bulk + mx_fail(2) + bulk + bytes([0x0D, 3]) +
                 bulk + close)
    # 12. Long transfers over two subflows under the coupled controllers:
    #     slow start, a loss on each path (fast retransmit / RTO), then
    #     congestion avoidance.
    for cc in ("lia", "olia", "balia"):
        rounds = b""
        for r in range(24):
            rounds += mx_write(255, 4) + mx_ack(0) + mx_ack(1) + mx_time(1, 2)
            if r in (6, 14):
                rounds += (mx_path(r % 2, lose=2) + mx_write(255, 4) +
                           mx_ack(0) + mx_ack(1) + mx_ack(0) + mx_ack(1) +
                           MX_EXPIRY + mx_ack(0) + mx_ack(1))
        seeds.append(mx_hdr(cc=cc, sndbuf=3, mss=1460) + join1 + mx_ack(1) +
                     rounds + close)
    # 13. BLEST and ECF need paths of different RTTs: the peer acknowledges
    #     the join at once and the initial subflow 20 ms later.
    for sched in ("blest", "ecf"):
        rounds = b""
        for r in range(16):
            rounds += (mx_write(255, 3 + r % 2) + mx_ack(1) + mx_time(1, 20) +
                       mx_ack(0) + mx_ack(1))
        seeds.append(mx_hdr(sched=sched, cc="lia", sndbuf=3) + join1 +
                     mx_ack(1) + rounds + close)
    return seeds


def main(argv):
    names = set(argv) or {"opts", "pkt", "convert", "stack", "mptcp",
                          "multipath"}
    if names & {"stack"}:
        write_corpus("stack", stack_seeds())
    if names & {"multipath"}:
        write_corpus("multipath", multipath_seeds())
    if names & {"mptcp"}:
        write_corpus("mptcp", mptcp_seeds())
    if not names & {"opts", "pkt", "convert"}:
        return
    opts, pkts, convert = [], [], [bytes.fromhex(s.replace(" ", "")) for s in SPEC_CONVERT]
    seen_opts, seen_pkt = set(), set()
    pcaps = []
    for d in PCAP_DIRS:
        if os.path.isdir(d):
            pcaps += sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".pcap"))
    if not pcaps:
        print("make_corpus: no pcap found under test/vectors", file=sys.stderr)
    for path in pcaps:
        base = os.path.basename(path)
        vsel = version_selector(base)
        for linktype, frame in read_pcap(path):
            r = tcp_of_ip(ip_of_frame(linktype, frame))
            if r is None:
                continue
            ip, tcp = r
            if len(tcp) < 20:
                continue
            doff = (tcp[12] >> 4) * 4
            if doff < 20 or doff > len(tcp):
                continue
            flags = tcp[13]
            area = tcp[20:doff]
            payload = tcp[doff:]
            plen = min(len(payload), 0xFFFF)
            # One seed per distinct option layout: timestamps and sequence
            # numbers would otherwise make every segment a new file.
            key = (vsel, flags, bool(payload), shape(area))
            if key not in seen_opts:
                seen_opts.add(key)
                opts.append(bytes([flags, vsel, PPS_DEFAULT]) + struct.pack(">H", plen) + area)
            key = (ip[0] >> 4, flags, bool(payload), shape(area))
            if key not in seen_pkt and len(ip) <= PKT_MAX:
                seen_pkt.add(key)
                pkts.append(ip)
            if flags & 0x02 and payload:  # SYN carrying data
                convert.append(payload)
    write_corpus("opts", opts)
    write_corpus("pkt", pkts)
    write_corpus("convert", convert)


if __name__ == "__main__":
    main(sys.argv[1:])
