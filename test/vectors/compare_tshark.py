#!/usr/bin/python3
"""Compare libmptcp's decoding of pcap files with tshark's, field by field.

    compare_tshark.py --dump PATH/vector_dump FILE.pcap [FILE.pcap ...]

For every packet of every file, runs `tshark -T json -x` (the independent
oracle) and `vector_dump` (libmptcp), then compares each MPTCP option of each
packet: the number and order of options, their subtype and length, and every
field tshark decodes. Prints each mismatch with its frame and field, then a
summary. Exit status: 0 if everything matched, 1 on any mismatch or if a
file yields no compared field (so the test cannot pass vacuously), 77 (the
meson/automake "skipped" code) if tshark is not installed, 2 on usage errors.

What is not compared, and why, is listed in README.md ("tshark quirks") and
in SKIPPED below; the summary counts every skipped field with its reason.

SPDX-License-Identifier: MIT
"""

import argparse
import collections
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import tempfile

# tshark items that are not fields of the option, with the reason they are
# not compared. Every other item tshark emits for an MPTCP option must be
# matched by the dumper's output.
SKIPPED = {
    "kind": "TCP option kind (30) is how both sides find the option",
    "mptcp.ack": "tshark analysis: Data ACK relative to the peer's IDSN "
                 "(needs connection state, not an option field)",
    "mptcp.dss.dsn": "tshark analysis: DSN relative to the IDSN (needs "
                     "connection state, not an option field)",
    "mptcp.dss.infinite_mapping": "tshark expert info; the DLL=0 it flags is "
                                  "compared as datalvllen",
    "mptcp.dss.missing_mapping": "tshark expert info (fires on pure ACKs)",
    "mptcp.connection.echoed_key_mismatch": "tshark expert info across "
                                            "packets",
    "mptcp.connection.unsupported_algorithm":
        "tshark expert info; tshark 4.0 raises it for a v1 MP_CAPABLE with "
        "the C flag (0x20) set, which it reads as a crypto bit as in v0 "
        "(flags are compared as a whole byte)",
    "mptcp.connection.missing_algorithm": "tshark expert info (flags are "
                                          "compared as a whole byte)",
    "mptcp.related_mapping": "tshark analysis",
    "mptcp.reinjection_of": "tshark analysis",
    "mptcp.reinjected_in": "tshark analysis",
    "_ws.expert": "tshark expert info",
    "_ws.expert.message": "tshark expert info",
    "_ws.expert.severity": "tshark expert info",
    "_ws.expert.group": "tshark expert info",
    # bit-by-bit views of a byte whose whole value is compared
    "checksumreq.flags": "bit of MP_CAPABLE flags (whole byte compared)",
    "extensibility.flag": "bit of MP_CAPABLE flags (whole byte compared)",
    "nomoresubflows.flag": "bit of MP_CAPABLE flags (whole byte compared)",
    "sha1.flag": "bit of MP_CAPABLE flags (whole byte compared)",
    "sha256.flag": "bit of MP_CAPABLE flags (whole byte compared)",
    "datafin.flag": "bit of DSS flags (whole flags compared)",
    "dseqn8.flag": "bit of DSS flags (whole flags compared)",
    "dseqnpresent.flag": "bit of DSS flags (whole flags compared)",
    "dataack8.flag": "bit of DSS flags (whole flags compared)",
    "dataackpresent.flag": "bit of DSS flags (whole flags compared)",
    "flag_U.flag": "bit of MP_TCPRST flags (compared as tflags)",
    "flag_V.flag": "bit of MP_TCPRST flags (compared as tflags)",
    "flag_W.flag": "bit of MP_TCPRST flags (compared as tflags)",
    "flag_T.flag": "bit of MP_TCPRST flags (compared as tflags)",
}

# Dumper fields tshark has no item for (with the reason).
DUMP_ONLY = {
    "form": "libmptcp's name of the layout; tshark's layout shows in which "
            "fields it emits (compared)",
    "status": "libmptcp's verdict; checked separately (must be OK unless "
              "tshark found the option malformed)",
    "prefer_proxy": "tshark 4.0 does not know MP_PREFER_PROXY: it shows "
                    "'Unknown (15)'; subtype and length are compared",
}

# Fields whose tshark value is parsed as an integer (decimal or 0x-hex).
INT_FIELDS = {
    "subtype", "len", "version", "sendkey", "recvkey", "datalvllen",
    "recvtok", "sendrand", "sendtrunchmac", "rawdataack", "rawdataseqno",
    "subflowseqno", "echo", "ipver", "port", "addaddrtrunchmac",
    "rst_reason", "checksum", "backup", "count", "expected_token",
    "expected_idsn", "addrid",
}

PREFIXES = ("tcp.options.mptcp.", "tcp.option_")

RENAME = {
    "backup.flag": "backup",
    "mptcp.rm_addr.count": "count",
    "mptcp.expected_token": "expected_token",
    "mptcp.expected_idsn": "expected_idsn",
}


def short(name):
    for p in PREFIXES:
        if name.startswith(p):
            return name[len(p):]
    return name


def pairs_hook(pairs):
    return pairs  # keep order and duplicate keys (REMOVE_ADDR's addrid)


def is_tree(v):
    return isinstance(v, list) and (not v or isinstance(v[0], tuple))


class TsharkOption:
    def __init__(self, tree, raw):
        self.items = []  # (short name, value) in order, nested trees flat
        self.raw = bytes.fromhex(raw) if raw else None
        self._flatten(tree)

    def _flatten(self, tree):
        for k, v in tree:
            if k.endswith("_raw"):
                continue
            if is_tree(v):
                self._flatten(v)
            else:
                self.items.append((short(k), v))


def tshark_frames(tshark, path):
    """{frame number: {'opts': [TsharkOption], 'bug': bool,
    'malformed': bool}} for every frame of the file."""
    res = subprocess.run(
        [tshark, "-n", "-r", path, "-T", "json", "-x",
         "-o", "mptcp.analyze_mptcp:TRUE",
         "-o", "mptcp.relative_sequence_numbers:FALSE"],
        capture_output=True)
    if res.returncode != 0:
        raise RuntimeError("tshark failed on %s: %s" % (
            path, res.stderr.decode(errors="replace")))
    packets = json.loads(res.stdout.decode(), object_pairs_hook=pairs_hook)
    frames = {}
    for pkt in packets:
        layers = dict(dict(pkt)["_source"])["layers"]
        fnum = int(dict(dict(layers)["frame"])["frame.number"])
        opts, raws = [], []
        flags = {"bug": False, "malformed": False}

        def walk(tree):
            for k, v in tree:
                if k == "mptcp_raw":
                    raws.append(v[0])
                elif k == "mptcp" and is_tree(v) and any(
                        kk == "tcp.option_kind" and vv == "30"
                        for kk, vv in v):
                    opts.append(v)
                elif k.startswith("_ws.malformed"):
                    flags["malformed"] = True
                    if k == "_ws.malformed.dissector_bug":
                        flags["bug"] = True
                if is_tree(v):
                    walk(v)

        walk(layers)
        if len(raws) != len(opts):
            raws = [None] * len(opts)
        frames[fnum] = {
            "opts": [TsharkOption(t, r) for t, r in zip(opts, raws)],
            "bug": flags["bug"], "malformed": flags["malformed"]}
    return frames


def redissect_alone(tshark, path, fnum):
    """tshark 4.0 asserts (DISSECTOR_ASSERT_NOT_REACHED in its MPTCP
    connection analysis) on the packets that follow a SYN carrying an
    unknown MPTCP subtype such as MP_PREFER_PROXY; the options of such a
    packet are dissected again from a capture holding that packet alone."""
    editcap = shutil.which("editcap") or os.path.join(
        os.path.dirname(tshark), "editcap")
    with tempfile.TemporaryDirectory() as d:
        one = os.path.join(d, "one.pcap")
        subprocess.run([editcap, "-r", path, one, str(fnum)], check=True,
                       capture_output=True)
        return tshark_frames(tshark, one)[1]


def dumper_frames(dump, path):
    res = subprocess.run([dump, path], capture_output=True)
    if res.returncode != 0:
        raise RuntimeError("vector_dump failed on %s (exit %d): %s" % (
            path, res.returncode, res.stderr.decode(errors="replace")))
    frames = {}
    for line in res.stdout.decode().splitlines():
        toks = line.split()
        kv = dict(t.split("=", 1) for t in toks[1:] if "=" in t)
        if toks[0].startswith("frame="):
            fnum = int(toks[0][6:])
            frames[fnum] = {"error": toks[1][6:] if toks[1].startswith(
                "error=") else None, "nopt": int(kv.get("nopt", 0)),
                "clamped": kv.get("clamped"), "opts": []}
        elif toks[0] == "opt":
            frames[int(kv.pop("frame"))]["opts"].append(kv)
    return frames


def dss_expected_len(flags):
    n = 4
    if flags & 0x01:
        n += 8 if flags & 0x02 else 4
    if flags & 0x04:
        n += 14 if flags & 0x08 else 10
    return n


class Stats:
    def __init__(self):
        self.packets = 0
        self.options = 0
        self.fields = collections.Counter()
        self.skipped = collections.Counter()
        self.redissected = 0
        self.clamped = []
        self.mismatches = []

    def total_fields(self):
        return sum(self.fields.values())


def normalise_tshark(opt, stats):
    """-> (dict name -> value, list of notes). Values are ints or hex
    strings like the dumper's."""
    fields = {}
    subtype = None
    for name, val in opt.items:
        if name == "subtype":
            subtype = int(val, 0)
    for name, val in opt.items:
        name = RENAME.get(name, name)
        if name in SKIPPED or name.startswith("_ws.expert"):
            stats.skipped[(name, SKIPPED.get(name, "tshark expert info"))] += 1
            continue
        if name == "flags":
            v = int(val, 0)
            if subtype in (0,):
                fields["flags"] = v
            elif subtype == 2:
                fields["flags"] = v & 0x1F
                if v & 0xE0:
                    fields["dss_reserved_bits"] = v & 0xE0
            elif subtype == 8:
                # tshark 4.0 shows the whole byte 2 (subtype nibble included)
                # as MP_TCPRST "flags": the flags are its low nibble.
                fields["tflags"] = v & 0x0F
            else:
                # MP_JOIN / MP_PRIO: tshark's "flags" is byte 2 with the
                # subtype nibble; its B bit is compared as "backup".
                stats.skipped[("flags(subtype %d)" % subtype,
                               "byte 2 incl. subtype nibble; B bit compared "
                               "as backup, reserved bits are not kept by "
                               "libmptcp")] += 1
            continue
        if name == "reserved" or name == "reserved.flag":
            if int(val, 0) != 0:
                fields["nonzero_" + name] = int(val, 0)
            else:
                stats.skipped[(name, "reserved bits, zero on the wire; "
                               "libmptcp does not keep them")] += 1
            continue
        if name == "addrid" and subtype == 4:
            # REMOVE_ADDR: the list of IDs, in order, as "5,6,7"
            fields["addrid"] = (fields["addrid"] + "," + val
                                if "addrid" in fields else val)
            continue
        if name == "sendhmac":
            fields[name] = val.replace(":", "").lower()
            continue
        if name in ("ipv4", "ipv6"):
            fields[name] = ipaddress.ip_address(val).packed.hex()
            continue
        if name in INT_FIELDS:
            fields[name] = int(val, 0)
            continue
        fields[name] = val
    # tshark never fills tcp.options.mptcp.checksum for DSS: read the field
    # from the option bytes tshark delimited (mptcp_raw) when the length
    # says a checksum is there (RFC 8684 §3.3, Figure 9).
    if subtype == 2 and "flags" in fields and "checksum" not in fields:
        f = fields["flags"]
        if (f & 0x04 and opt.raw is not None
                and fields.get("len") == dss_expected_len(f) + 2
                and len(opt.raw) == fields["len"]):
            fields["checksum"] = int.from_bytes(opt.raw[-2:], "big")
            fields["_checksum_from_raw"] = True
    return fields


def compare_option(where, t, d, stats):
    tf = normalise_tshark(t, stats)
    from_raw = tf.pop("_checksum_from_raw", False)
    status = int(d.get("status", "0"))
    mism = stats.mismatches
    df = {}
    for k, v in d.items():
        if k in ("idx",):
            continue
        if k in DUMP_ONLY:
            stats.skipped[(k, DUMP_ONLY[k])] += 1
            continue
        if k == "raw" or (k == "addrid" and d.get("subtype") == "4"):
            df[k] = v
            continue
        try:
            df[k] = int(v)
        except ValueError:
            df[k] = v
    if status != 0:
        # libmptcp rejected the option: only its framing can match, and
        # tshark must not have decoded any field from it either.
        for k in ("subtype", "len"):
            if tf.get(k) != df.get(k):
                mism.append("%s: %s tshark=%s libmptcp=%s" % (
                    where, k, tf.get(k), df.get(k)))
            stats.fields[k] += 1
        extra = sorted(set(tf) - {"subtype", "len"})
        if extra:
            mism.append("%s: libmptcp rejected the option (status %d, raw "
                        "%s) but tshark decoded %s" % (
                            where, status, df.get("raw"),
                            ", ".join("%s=%s" % (k, tf[k]) for k in extra)))
        return
    df.pop("raw", None)
    for k in sorted(set(tf) | set(df)):
        if k not in df:
            mism.append("%s: field %s: tshark=%s, libmptcp has no such "
                        "field" % (where, k, tf[k]))
        elif k not in tf:
            mism.append("%s: field %s: libmptcp=%s, tshark has no such "
                        "field" % (where, k, df[k]))
        elif tf[k] != df[k]:
            mism.append("%s: field %s: tshark=%s libmptcp=%s" % (
                where, k, tf[k], df[k]))
        else:
            stats.fields[k + ("[raw]" if k == "checksum" and from_raw
                              else "")] += 1


def compare_file(tshark, dump, path, stats):
    before = (stats.packets, stats.options, stats.total_fields(),
              len(stats.mismatches))
    name = os.path.basename(path)
    tfr = tshark_frames(tshark, path)
    dfr = dumper_frames(dump, path)
    for fnum in sorted(set(tfr) | set(dfr)):
        t = tfr.get(fnum, {"opts": [], "bug": False, "malformed": False})
        d = dfr.get(fnum)
        if t["bug"]:
            t = redissect_alone(tshark, path, fnum)
            stats.redissected += 1
            if t["bug"]:
                stats.mismatches.append(
                    "%s frame %d: tshark dissector bug even when the packet "
                    "is dissected alone" % (name, fnum))
                continue
        if d is None:
            if t["opts"]:
                stats.mismatches.append(
                    "%s frame %d: tshark found %d MPTCP option(s), "
                    "libmptcp decoded no TCP packet" % (
                        name, fnum, len(t["opts"])))
            continue
        if d["error"] is not None:
            stats.mismatches.append("%s frame %d: mptcp_pkt_parse error %s" % (
                name, fnum, d["error"]))
            continue
        stats.packets += 1
        if d["clamped"]:
            stats.clamped.append("%s frame %d (caplen/len %s)" % (
                name, fnum, d["clamped"]))
        if len(t["opts"]) != d["nopt"] or len(d["opts"]) != d["nopt"]:
            stats.mismatches.append(
                "%s frame %d: tshark has %d MPTCP options, libmptcp %d "
                "(%d printed)" % (name, fnum, len(t["opts"]), d["nopt"],
                                  len(d["opts"])))
            continue
        stats.fields["option count"] += 1
        for i, (to, do) in enumerate(zip(t["opts"], d["opts"])):
            stats.options += 1
            compare_option("%s frame %d option %d" % (name, fnum, i + 1),
                           to, do, stats)
    after = (stats.packets, stats.options, stats.total_fields(),
             len(stats.mismatches))
    nfields = after[2] - before[2] - (after[0] - before[0])
    print("%-28s packets %4d  MPTCP options %4d  fields %5d  mismatches %d" % (
        name, after[0] - before[0], after[1] - before[1], nfields,
        after[3] - before[3]))
    return nfields


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dump", required=True, help="path of vector_dump")
    ap.add_argument("--tshark", default=None, help="path of tshark")
    ap.add_argument("pcaps", nargs="+")
    args = ap.parse_args()
    tshark = args.tshark or shutil.which("tshark")
    if not tshark or not os.access(tshark, os.X_OK):
        print("SKIP: tshark is not installed (apt-get install tshark); "
              "nothing to compare against")
        return 77
    stats = Stats()
    empty = []
    for p in args.pcaps:
        if compare_file(tshark, args.dump, p, stats) == 0:
            empty.append(p)
    for m in stats.mismatches:
        print("MISMATCH " + m)
    print("\nfields compared (name: count):")
    for k, v in sorted(stats.fields.items()):
        print("  %-20s %6d" % (k, v))
    print("\nnot compared (tshark item: count, reason):")
    for (k, why), v in sorted(stats.skipped.items()):
        print("  %-26s %6d  %s" % (k, v, why))
    if stats.redissected:
        print("\n%d frame(s) re-dissected alone because of a tshark 4.0 "
              "dissector bug (see README.md)" % stats.redissected)
    for c in stats.clamped:
        print("note: %s: libpcap clamped the record to the file's snaplen; "
              "libmptcp parsed the captured option bytes (see vector_dump.c)"
              % c)
    for p in empty:
        print("FAIL: %s yielded no compared MPTCP field" % p)
    total = stats.total_fields()
    print("\nsummary: %d files, %d packets, %d MPTCP options, %d fields "
          "compared, %d mismatches" % (len(args.pcaps), stats.packets,
                                       stats.options, total,
                                       len(stats.mismatches)))
    return 1 if stats.mismatches or empty else 0


if __name__ == "__main__":
    sys.exit(main())
