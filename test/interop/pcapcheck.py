#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Tests of `mptcp-pcap --check` (meson suite 'pcapcheck').

  pcapcheck.py check  EXE PCAP --exit N [--valid KIND=N] [--min-valid KIND=N]
                      [--invalid KIND=N] [--max-unchecked KIND=N]
                      [--only-fail KIND]...
  pcapcheck.py decode EXE PCAP --lines N [--contains TEXT]...
  pcapcheck.py badlink EXE OUTDIR
  pcapcheck.py flips  EXE PCAP OUTDIR [--random N] [--semantic N] [--seed S]

`flips` writes corrupted copies of PCAP (an Ethernet capture whose TCP and
IPv4 checksums are all valid, such as mptcp-v0.pcap) into OUTDIR and asserts
that --check rejects each of them for the right reason:
  (i)   a payload byte of a DSS-checksummed segment (and of an
        MP_CAPABLE-with-data segment with a checksum, if any), TCP checksum
        recomputed (only the DSS checksum can catch it),
  (ii)  a byte of each MP_JOIN HMAC (SYN/ACK and third ACK),
  (iii) a byte of each MP_CAPABLE key copy (the key mismatch, or what a
        wrong key breaks: token, IDSN, HMACs, 32-bit DSN expansion),
  (iv)  a byte of DSS checksum fields,
all with the TCP checksum recomputed; then random positions anywhere in the
file (the tool must never crash; a flip inside a TCP/IPv4 packet must be
flagged, by the IPv4/TCP checksums if nothing else) and random positions
inside the fields --check verifies (keys, tokens, nonces, HMACs, DSNs, DSS
checksums, checksummed payload) with the TCP checksum recomputed.
Plain struct parsing only: no scapy needed.
"""
import argparse
import os
import random
import re
import struct
import subprocess
import sys

SUMMARY = re.compile(
    r'^summary: (\S+)\s+(\d+) valid, (\d+) invalid, (\d+) unchecked', re.M)
FAILLINE = re.compile(r'^FAIL \[(\S+)\]', re.M)


class TestFailure(Exception):
    pass


def run(exe, pcap, *opts):
    p = subprocess.run([exe, *opts, pcap], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, errors='replace',
                       timeout=120)
    if p.returncode < 0 or p.returncode > 2:
        raise TestFailure(f'{pcap}: mptcp-pcap crashed or misbehaved '
                          f'(exit {p.returncode})\n{p.stderr[-2000:]}')
    return p


def summary(out):
    return {k: (int(v), int(i), int(u)) for k, v, i, u in SUMMARY.findall(out)}


def kv(s):
    k, _, v = s.partition('=')
    return k, int(v)


# ---------------------------------------------------------------- check

def cmd_check(a):
    p = run(a.exe, a.pcap, '--check', '-q')
    print(p.stdout, end='')
    print(p.stderr, end='', file=sys.stderr)
    s = summary(p.stdout)
    errs = []
    if not s:
        errs.append('no summary printed')
    if p.returncode != a.exit:
        errs.append(f'exit {p.returncode}, expected {a.exit}')
    for k, n in map(kv, a.valid):
        if s.get(k, (0, 0, 0))[0] != n:
            errs.append(f'{k}: {s.get(k, (0,))[0]} valid, expected {n}')
    for k, n in map(kv, a.min_valid):
        if s.get(k, (0, 0, 0))[0] < n:
            errs.append(f'{k}: {s.get(k, (0,))[0]} valid, expected >= {n}')
    for k, n in map(kv, a.invalid):
        if s.get(k, (0, 0, 0))[1] != n:
            errs.append(f'{k}: {s.get(k, (0, 0))[1]} invalid, expected {n}')
    for k, n in map(kv, a.max_unchecked):
        if s.get(k, (0, 0, 0))[2] > n:
            errs.append(f'{k}: {s[k][2]} unchecked, expected <= {n}')
    fails = FAILLINE.findall(p.stdout)
    if a.only_fail:
        if not fails:
            errs.append(f'no FAIL line, expected [{"/".join(a.only_fail)}]')
        other = sorted(set(fails) - set(a.only_fail))
        if other:
            errs.append(f'unexpected failures: {other}')
    if a.exit == 0 and fails:
        errs.append(f'failures reported: {sorted(set(fails))}')
    if errs:
        raise TestFailure(f'{a.pcap}: ' + '; '.join(errs))
    print(f'PASS {os.path.basename(a.pcap)}')


def cmd_decode(a):
    p = run(a.exe, a.pcap)
    if p.returncode != 0:
        raise TestFailure(f'exit {p.returncode}: {p.stderr}')
    lines = p.stdout.splitlines()
    if len(lines) != a.lines:
        raise TestFailure(f'{len(lines)} lines, expected {a.lines}')
    for i, line in enumerate(lines):
        if not re.match(r'^\d+ \d+\.\d+ ', line):
            raise TestFailure(f'line {i + 1} malformed: {line!r}')
    for t in a.contains:
        if t not in p.stdout:
            raise TestFailure(f'output lacks {t!r}')
    print(f'PASS {len(lines)} lines')


def cmd_badlink(a):
    os.makedirs(a.outdir, exist_ok=True)
    path = os.path.join(a.outdir, 'badlink.pcap')
    frame = bytes(40)
    with open(path, 'wb') as f:  # link type 147 = USER0
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 147))
        f.write(struct.pack('<IIII', 0, 0, len(frame), len(frame)) + frame)
    for opts in ((), ('--check',)):
        p = run(a.exe, path, *opts)
        if p.returncode != 2 or 'not supported' not in p.stderr:
            raise TestFailure(f'link type 147: exit {p.returncode}, '
                              f'stderr {p.stderr!r}')
    p = run(a.exe, os.path.join(a.outdir, 'does-not-exist.pcap'))
    if p.returncode != 2 or not p.stderr:
        raise TestFailure(f'missing file: exit {p.returncode}')
    print('PASS bad link type and missing file give exit 2 with a message')


# ---------------------------------------------------------------- flips

def csum16(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack(f'!{len(b) // 2}H', b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


class Frame:
    """Offsets (absolute, in the file) of one TCP/IPv4 frame's parts."""


def parse_pcap(data):
    magic, _, _, _, _, _, linktype = struct.unpack('<IHHiIII', data[:24])
    if magic not in (0xa1b2c3d4, 0xa1b23c4d):
        raise TestFailure('flips: only little-endian pcap files')
    link = {1: 14, 113: 16, 101: 0}.get(linktype)
    if link is None:
        raise TestFailure(f'flips: link type {linktype} not handled')
    frames, off = [], 24
    while off + 16 <= len(data):
        caplen = struct.unpack('<I', data[off + 8:off + 12])[0]
        start = off + 16
        off = start + caplen
        ip = start + link
        if caplen < link + 20 or data[ip] >> 4 != 4 or data[ip + 9] != 6:
            continue
        if link == 14 and data[start + 12:start + 14] != b'\x08\x00':
            continue
        f = Frame()
        f.ip = ip
        f.ihl = (data[ip] & 15) * 4
        f.iplen = struct.unpack('!H', data[ip + 2:ip + 4])[0]
        f.tcp = ip + f.ihl
        f.thl = (data[f.tcp + 12] >> 4) * 4
        f.payload = f.tcp + f.thl
        f.plen = ip + f.iplen - f.payload
        f.flags = data[f.tcp + 13]
        f.opts = []  # (offset, kind, length) of each MPTCP option
        o = f.tcp + 20
        while o < f.payload:
            kind = data[o]
            if kind == 0:
                break
            if kind == 1:
                o += 1
                continue
            ln = data[o + 1]
            if ln < 2:
                break
            if kind == 30:
                f.opts.append((o, ln))
            o += ln
        frames.append(f)
    return frames


def fix_tcp_csum(buf, f):
    tcp_len = f.iplen - f.ihl
    buf[f.tcp + 16:f.tcp + 18] = b'\0\0'
    ph = bytes(buf[f.ip + 12:f.ip + 20]) + struct.pack('!BBH', 0, 6, tcp_len)
    c = 0xFFFF - csum16(ph + bytes(buf[f.tcp:f.tcp + tcp_len]))
    buf[f.tcp + 16:f.tcp + 18] = struct.pack('!H', c)


def dss_fields(data, o, ln):
    """Offsets of (dsn, dsn_len, csum) of a DSS mapping, or None."""
    fl = data[o + 3]
    if not fl & 0x04:
        return None
    p = o + 4
    if fl & 0x01:
        p += 8 if fl & 0x02 else 4
    dsn, dlen = p, 8 if fl & 0x08 else 4
    end = p + dlen + 6
    return dsn, dlen, (end if ln == end + 2 - o else None)


def semantic_positions(data, frames):
    """(position, label) of every byte --check verifies semantically."""
    out = []
    for f in frames:
        csummed = False
        for o, ln in f.opts:
            sub = data[o + 2] >> 4
            if sub == 0 and ln >= 12:  # MP_CAPABLE keys
                out += [(o + 4 + i, 'mpc-key') for i in range(min(ln, 20) - 4)]
            if sub == 0 and ln == 24 and f.plen:  # with data and checksum
                csummed = True
                out += [(o + 22 + i, 'mpc-csum') for i in range(2)]
            elif sub == 1 and ln == 12:  # join SYN: token, nonce
                out += [(o + 4 + i, 'join-token+nonce') for i in range(8)]
            elif sub == 1 and ln == 16:  # SYN/ACK: HMAC, nonce
                out += [(o + 4 + i, 'join-hmac+nonce') for i in range(12)]
            elif sub == 1 and ln == 24:
                out += [(o + 4 + i, 'join-hmac') for i in range(20)]
            elif sub == 2:
                d = dss_fields(data, o, ln)
                if d and d[2] is not None:
                    csummed = True
                    out += [(d[0] + i, 'dss-dsn') for i in range(d[1])]
                    out += [(d[2] + i, 'dss-csum') for i in range(2)]
        if csummed:
            out += [(f.payload + i, 'dss-payload') for i in range(f.plen)]
    return out


def cmd_flips(a):
    data = open(a.pcap, 'rb').read()
    frames = parse_pcap(data)
    os.makedirs(a.outdir, exist_ok=True)
    rng = random.Random(a.seed)
    problems, ran = [], 0

    def attempt(name, pos, recompute, expect, xor=0xFF):
        """expect: None = only must not crash; True = must be flagged
        (exit 1); a set = must be flagged, by those checks only."""
        nonlocal ran
        buf = bytearray(data)
        buf[pos] ^= xor
        if recompute:
            for f in frames:
                if f.tcp <= pos < f.ip + f.iplen:
                    fix_tcp_csum(buf, f)
        path = os.path.join(a.outdir, f'{name}.pcap')
        with open(path, 'wb') as fh:
            fh.write(buf)
        ran += 1
        try:
            p = run(a.exe, path, '--check', '-q')
        except TestFailure as e:
            problems.append(str(e))
            return
        fails = set(FAILLINE.findall(p.stdout))
        if expect is None:
            os.unlink(path)
            return
        if p.returncode != 1:
            problems.append(f'{name}: byte {pos} flipped, exit '
                            f'{p.returncode} (not rejected)')
        elif expect is not True and (not fails or not fails <= expect):
            problems.append(f'{name}: byte {pos}: failures {sorted(fails)}, '
                            f'expected only {sorted(expect)}')
        else:
            os.unlink(path)  # keep only the copies that show a problem

    # (i) checksummed payload, TCP checksum recomputed
    pay = [f for f in frames if f.plen > 0 and any(
        data[o + 2] >> 4 == 2 and (dss_fields(data, o, ln) or (0, 0, None))[2]
        for o, ln in f.opts)]
    # MP_CAPABLE-with-data carrying a checksum (its implied mapping)
    mpc_pay = [f for f in frames if f.plen > 0 and any(
        data[o + 2] >> 4 == 0 and ln == 24 for o, ln in f.opts)]
    if len(pay) < 3:
        raise TestFailure('flips: capture has too few checksummed segments')
    picks = [pay[0], pay[len(pay) // 2], pay[-1]]
    # one on another subflow than the first segment's, if there is one
    picks += [f for f in pay if struct.unpack('!HH', data[f.tcp:f.tcp + 4])
              != struct.unpack('!HH', data[pay[0].tcp:pay[0].tcp + 4])][:1]
    picks += mpc_pay[:1]
    for n, f in enumerate(picks):
        for where in (0, f.plen // 2, f.plen - 1):
            attempt(f'i-payload-{n}-{where}', f.payload + where, True,
                    {'dss-csum', 'retransmission'})
    # (ii) MP_JOIN HMACs, (iii) MP_CAPABLE keys, (iv) DSS checksum fields
    n_join = n_key = n_csum = 0
    for f in frames:
        for o, ln in f.opts:
            sub = data[o + 2] >> 4
            if sub == 1 and ln in (16, 24):
                for i in (0, ln - 13 if ln == 16 else 19):
                    attempt(f'ii-join{ln}-{i}', o + 4 + i, True,
                            {'join-hmac'})
                    n_join += 1
            elif sub == 0 and ln >= 12:
                for i in range(0, min(ln, 20) - 4, 5):
                    attempt(f'iii-mpc{ln}-f{f.ip}-{i}', o + 4 + i, True,
                            {'mpc-key', 'token', 'idsn', 'join-hmac',
                             'add-addr-hmac', 'dss-csum'})
                    n_key += 1
            elif sub == 2:
                d = dss_fields(data, o, ln)
                if d and d[2] is not None and n_csum < 12:
                    attempt(f'iv-csum-{f.ip}', d[2] + n_csum % 2, True,
                            {'dss-csum'})
                    n_csum += 1
    if not (n_join and n_key and n_csum):
        raise TestFailure(f'flips: capture lacks targets (join {n_join}, '
                          f'key {n_key}, csum {n_csum})')
    # random positions anywhere, TCP checksum left as it was
    in_tcp = [(f.ip, f.ip + f.iplen) for f in frames]
    flagged = 0
    for n in range(a.random):
        pos = rng.randrange(len(data))
        must = any(lo <= pos < hi for lo, hi in in_tcp)
        flagged += must
        attempt(f'rand-{n}-{pos}', pos, False, True if must else None,
                rng.randrange(1, 256))
    # random positions inside the verified fields, TCP checksum recomputed
    sem = semantic_positions(data, frames)
    for n in range(a.semantic):
        pos, label = rng.choice(sem)
        attempt(f'sem-{n}-{label}-{pos}', pos, True, True,
                rng.randrange(1, 256))

    print(f'{ran} corrupted copies of {os.path.basename(a.pcap)} '
          f'({a.random} random, {flagged} of them inside TCP packets; '
          f'{a.semantic} in verified fields; seed {a.seed})')
    if problems:
        raise TestFailure(f'{len(problems)} problem(s):\n  ' +
                          '\n  '.join(problems[:50]))
    print('PASS every targeted copy rejected for the right reason, no crash')


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest='cmd', required=True)
    c = sub.add_parser('check')
    c.add_argument('exe')
    c.add_argument('pcap')
    c.add_argument('--exit', type=int, required=True)
    c.add_argument('--valid', action='append', default=[])
    c.add_argument('--min-valid', action='append', default=[])
    c.add_argument('--invalid', action='append', default=[])
    c.add_argument('--max-unchecked', action='append', default=[])
    c.add_argument('--only-fail', action='append', default=[])
    d = sub.add_parser('decode')
    d.add_argument('exe')
    d.add_argument('pcap')
    d.add_argument('--lines', type=int, required=True)
    d.add_argument('--contains', action='append', default=[])
    b = sub.add_parser('badlink')
    b.add_argument('exe')
    b.add_argument('outdir')
    f = sub.add_parser('flips')
    f.add_argument('exe')
    f.add_argument('pcap')
    f.add_argument('outdir')
    f.add_argument('--random', type=int, default=300)
    f.add_argument('--semantic', type=int, default=150)
    f.add_argument('--seed', type=int,
                   default=int(os.environ.get('PCAPCHECK_SEED', '1')))
    a = ap.parse_args()
    try:
        {'check': cmd_check, 'decode': cmd_decode, 'badlink': cmd_badlink,
         'flips': cmd_flips}[a.cmd](a)
    except TestFailure as e:
        print(f'FAIL: {e}', file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
