#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The two ends of kq1-fallback-overlap.sh (see KERNEL-QUIRKS.md, KQ1).

  kq1-peer.py server IFACE ADDR PORT OVERLAP SENT_FILE
      scapy plays a plain TCP server (its SYN/ACK carries no MP_CAPABLE,
      so a kernel MPTCP client falls back) and sends 2500 random bytes as
      [0,1000), then a retransmission that overlaps the first segment by
      OVERLAP bytes, [1000-OVERLAP,1500), then [1500,2500) and a FIN, 0.3 s
      apart. SENT_FILE gets the 2500 bytes.
  kq1-peer.py client ADDR PORT GOT_FILE [PROTO]
      the kernel side: connects with IPPROTO_MPTCP (PROTO 262, the
      default; 0 = plain TCP), reads until EOF into GOT_FILE and prints
      app_bytes and the socket's tcpi_bytes_received as JSON.
"""
import json
import os
import socket
import struct
import sys
import time


def server(iface, me, port, overlap, sent_file):
    from scapy.all import IP, TCP, Raw, conf, send, sniff
    conf.verb = 0
    data = os.urandom(2500)
    with open(sent_file, "wb") as f:
        f.write(data)
    syn = sniff(iface=iface, count=1, timeout=20,
                lfilter=lambda p: TCP in p and p[TCP].dport == port and
                p[TCP].flags == "S")
    if not syn:
        sys.exit("kq1-peer: no SYN")
    syn = syn[0]
    isn = 1000000
    ip = IP(src=me, dst=syn[IP].src)
    sport, ack = syn[TCP].sport, syn[TCP].seq + 1

    def seg(off, flags, payload=b""):
        p = ip / TCP(sport=port, dport=sport, flags=flags, seq=isn + off,
                     ack=ack, window=65535)
        if payload:
            p = p / Raw(payload)
        send(p)
        time.sleep(0.3)

    send(ip / TCP(sport=port, dport=sport, flags="SA", seq=isn, ack=ack,
                  window=65535, options=[("MSS", 1460)]))
    time.sleep(0.3)
    seg(1, "PA", data[0:1000])
    seg(1 + 1000 - overlap, "PA", data[1000 - overlap:1500])
    seg(1 + 1500, "PA", data[1500:2500])
    seg(1 + 2500, "FA")


def client(addr, port, got_file, proto):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    s.settimeout(20)
    s.connect((addr, port))
    got = bytearray()
    while True:
        b = s.recv(65536)
        if not b:
            break
        got += b
    with open(got_file, "wb") as f:
        f.write(got)
    ti = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 232)
    print(json.dumps({"app_bytes": len(got), "tcpi_bytes_received":
                      struct.unpack_from("=Q", ti, 128)[0]}))


if __name__ == "__main__":
    a = sys.argv
    if len(a) == 7 and a[1] == "server":
        server(a[2], a[3], int(a[4]), int(a[5]), a[6])
    elif len(a) in (5, 6) and a[1] == "client":
        client(a[2], int(a[3]), a[4], int(a[5]) if len(a) == 6 else 262)
    else:
        sys.exit(__doc__)
