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
                              payloads found in the captures.

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


def main():
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
    main()
