/*
 * Bulk-transfer benchmark: two stacks in memory, one connection, A sends
 * MB megabytes to B over a lossless zero-delay "wire" (packets handed
 * straight across). Prints goodput, segments per second and the number of
 * data segments, so that `callgrind.sh` can turn callgrind's instruction
 * count of bench_transfer() into instructions per data segment.
 *
 * The work of each side is done in its own non-inlined function, so that
 * callgrind's inclusive counts split the total: the sender's side_tx_*()
 * (the app writes, data segments out, ACKs in) and the receiver's side_rx()
 * (a data segment in, the app reads, the ACK out). What bench_transfer()
 * does itself is the benchmark's loop.
 *
 * Usage: bench_tcp [MB] [read|peek|offload]   (default 256 read)
 *   read: the receiving app copies with mptcp_conn_read() (the headline);
 *   peek: it reads in place with mptcp_conn_peek()/mptcp_conn_consume();
 *   offload: as read, with the offloads a TUN device with virtio-net
 *     headers gives (mptcp_settings.offload): both stacks leave the TCP
 *     checksum partial and take partial packets unverified, and the
 *     sender emits super-segments of up to 64 KiB, each handed to the
 *     receiver as one packet with its packet info, as a virtio link
 *     between two stacks on one host would. data_segments then counts
 *     the segments the super-segments stand for (1,448 bytes each), so
 *     that the per-segment figures compare with read's.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 199309L
#include <mptcp/mptcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng = 42;
static void seeded(uint8_t *d, size_t n, void *ud) {
  (void)ud;
  for (size_t i = 0; i < n; i++) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    d[i] = (uint8_t)rng;
  }
}

typedef struct result {
  uint64_t bytes, data_segs, acks, vtime_us;
} result;

#define ACKS_MAX 4    /* packets the receiver may answer one segment with */
#define PKT_CAP 65536 /* a super-segment (offload) */

/* The receiving side: its stack, its connection once accepted, how its app
 * reads, and what it has read. */
typedef struct receiver {
  mptcp_stack *st;
  mptcp_conn *conn;
  int peek;
  uint64_t got;
  uint8_t sink[1448];
  uint8_t acks[ACKS_MAX][PKT_CAP];
  size_t ack_len[ACKS_MAX];
  mptcp_pkt_info ack_pi[ACKS_MAX];
} receiver;

/* Sender: the app drains its events and writes what fits (one MSS per
 * call, as a relaying proxy does). Returns the bytes written. */
__attribute__((noinline)) static uint64_t
side_tx_write(mptcp_stack *a, mptcp_conn *ca, const uint8_t *chunk,
              size_t chunk_len, uint64_t left, mptcp_tstamp now) {
  mptcp_event ev;
  uint64_t sent = 0;
  while (mptcp_stack_next_event(a, &ev)) {
  }
  while (sent < left) {
    size_t k = left - sent < chunk_len ? (size_t)(left - sent) : chunk_len;
    mptcp_ssize n = mptcp_conn_write(ca, chunk, k, now);
    if (n <= 0) break;
    sent += (uint64_t)n;
  }
  return sent;
}

/* Sender: the next segment out. */
__attribute__((noinline)) static mptcp_ssize side_tx_out(mptcp_stack *a,
                                                         uint8_t *pkt,
                                                         mptcp_pkt_info *pi,
                                                         mptcp_tstamp now) {
  return mptcp_stack_write_pkt(a, pi, pkt, PKT_CAP, now);
}

/* Sender: the receiver's answers in (with their packet info when
 * @p pi: offload). */
__attribute__((noinline)) static void side_tx_ack(mptcp_stack *a,
                                                  const receiver *r,
                                                  const mptcp_pkt_info *pi,
                                                  size_t n, mptcp_tstamp now) {
  for (size_t i = 0; i < n; i++)
    mptcp_stack_read_pkt(a, pi ? &pi[i] : NULL, r->acks[i], r->ack_len[i], now);
}

/* Receiver: one segment in, the app reads everything, the answers out
 * (ACKs, one per two segments, as a real receiver sends). Returns the
 * number of answers in r->acks. */
__attribute__((noinline)) static size_t side_rx(receiver *r, const uint8_t *pkt,
                                                size_t len,
                                                const mptcp_pkt_info *pi,
                                                mptcp_tstamp now) {
  mptcp_event ev;
  mptcp_ssize n;
  mptcp_stack_read_pkt(r->st, pi, pkt, len, now);
  while (mptcp_stack_next_event(r->st, &ev))
    if (ev.events & MPTCP_EV_ACCEPT) r->conn = ev.conn;
  if (r->conn && r->peek) {
    const uint8_t *d;
    size_t k;
    while ((k = mptcp_conn_peek(r->conn, &d)) > 0) {
      mptcp_conn_consume(r->conn, k, now);
      r->got += k;
    }
  } else if (r->conn) {
    while ((n = mptcp_conn_read(r->conn, r->sink, sizeof r->sink, now)) > 0)
      r->got += (uint64_t)n;
  }
  size_t k = 0;
  while (k < ACKS_MAX &&
         (n = mptcp_stack_write_pkt(r->st, &r->ack_pi[k], r->acks[k], PKT_CAP,
                                    now)) > 0)
    r->ack_len[k++] = (size_t)n;
  return k;
}

/* Receiver: due timers (the delayed ACK of a lone last segment). */
__attribute__((noinline)) static size_t side_rx_timers(receiver *r,
                                                       mptcp_tstamp now) {
  mptcp_stack_handle_expiry(r->st, now);
  size_t k = 0;
  mptcp_ssize n;
  while (k < ACKS_MAX &&
         (n = mptcp_stack_write_pkt(r->st, &r->ack_pi[k], r->acks[k], PKT_CAP,
                                    now)) > 0)
    r->ack_len[k++] = (size_t)n;
  return k;
}

/* The measured part: everything the two stacks do for the transfer. Each
 * segment is delivered and answered before the next one leaves. With
 * @p offload the packets go with their packet info (a constant: the
 * plain loop is the code it was). */
static inline __attribute__((always_inline)) int
transfer(mptcp_stack *a, receiver *r, mptcp_conn *ca, const uint8_t *chunk,
         size_t chunk_len, uint64_t total, result *res, int offload) {
  static uint8_t pkt[PKT_CAP];
  mptcp_tstamp now = 1000;
  uint64_t sent = 0;
  mptcp_pkt_info pi;
  while (r->got < total) {
    sent += side_tx_write(a, ca, chunk, chunk_len, total - sent, now);
    int moved = 0;
    mptcp_ssize n;
    while ((n = side_tx_out(a, pkt, &pi, now)) > 0) {
      if (offload && pi.gso_size) /* the segments it stands for */
        res->data_segs += ((size_t)n - pi.hdr_len) / pi.gso_size;
      else if (n > 100)
        res->data_segs++;
      moved = 1;
      size_t k = side_rx(r, pkt, (size_t)n, offload ? &pi : NULL, now);
      res->acks += k;
      if (k) side_tx_ack(a, r, offload ? r->ack_pi : NULL, k, now);
    }
    if (!moved) { /* only timers (delayed ACK) can make progress */
      mptcp_tstamp e = mptcp_stack_get_expiry(r->st);
      mptcp_tstamp ea = mptcp_stack_get_expiry(a);
      if (ea < e) e = ea;
      if (e == MPTCP_TSTAMP_NONE) return -1;
      now = e > now ? e : now;
      mptcp_stack_handle_expiry(a, now);
      size_t k = side_rx_timers(r, now);
      res->acks += k;
      if (k) side_tx_ack(a, r, offload ? r->ack_pi : NULL, k, now);
    }
    now += 1;
  }
  res->bytes = r->got;
  res->vtime_us = now;
  return 0;
}

__attribute__((noinline)) static int
bench_transfer(mptcp_stack *a, receiver *r, mptcp_conn *ca,
               const uint8_t *chunk, size_t chunk_len, uint64_t total,
               result *res) {
  return transfer(a, r, ca, chunk, chunk_len, total, res, 0);
}

__attribute__((noinline)) static int
bench_transfer_offload(mptcp_stack *a, receiver *r, mptcp_conn *ca,
                       const uint8_t *chunk, size_t chunk_len, uint64_t total,
                       result *res) {
  return transfer(a, r, ca, chunk, chunk_len, total, res, 1);
}

int main(int argc, char **argv) {
  uint64_t mb = argc > 1 ? strtoull(argv[1], NULL, 10) : 256;
  int peek = argc > 2 && strcmp(argv[2], "peek") == 0;
  int offload = argc > 2 && strcmp(argv[2], "offload") == 0;
  if (argc > 2 && !peek && !offload && strcmp(argv[2], "read") != 0) {
    fprintf(stderr, "usage: bench_tcp [MB] [read|peek|offload]\n");
    return 2;
  }
  mptcp_settings s;
  mptcp_settings_default(&s);
  s.mptcp = 0; /* the TCP engine's figures */
  s.rand = seeded;
  s.sndbuf = s.rcvbuf = 1 << 20;
  if (offload) {
    s.offload =
        MPTCP_OFFLOAD_TX_CSUM | MPTCP_OFFLOAD_RX_CSUM | MPTCP_OFFLOAD_TSO;
    s.tso_max = 65535;
  }
  mptcp_stack *a;
  static receiver r;
  if (mptcp_stack_new(&a, &s, NULL, NULL) ||
      mptcp_stack_new(&r.st, &s, NULL, NULL))
    return 1;
  r.peek = peek;
  mptcp_addr la = {{MPTCP_AF_INET, {10, 0, 0, 1}}, 0};
  mptcp_addr lb = {{MPTCP_AF_INET, {10, 0, 0, 2}}, 5001};
  mptcp_stack_listen(r.st, &lb, 0);
  mptcp_conn *ca;
  if (mptcp_conn_connect(a, &ca, &la, &lb, NULL, 1000)) return 1;
  /* The app writes one MSS at a time, as a relaying proxy does. (Large
   * writes make glibc use `rep movsb`, which callgrind counts per byte.) */
  static uint8_t chunk[1448];
  for (size_t i = 0; i < sizeof chunk; i++) chunk[i] = (uint8_t)(i * 31);
  result res = {0, 0, 0, 0};
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int rv = offload
               ? bench_transfer_offload(a, &r, ca, chunk, sizeof chunk,
                                        mb << 20, &res)
               : bench_transfer(a, &r, ca, chunk, sizeof chunk, mb << 20, &res);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs =
      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  if (rv) {
    fprintf(stderr, "transfer stalled\n");
    return 1;
  }
  printf("mode %s\n", peek ? "peek" : offload ? "offload" : "read");
  printf("bytes %llu\n", (unsigned long long)res.bytes);
  printf("data_segments %llu\n", (unsigned long long)res.data_segs);
  printf("ack_segments %llu\n", (unsigned long long)res.acks);
  printf("seconds %.3f\n", secs);
  printf("goodput_mbit_s %.1f\n", (double)res.bytes * 8 / secs / 1e6);
  printf("data_segments_per_s %.0f\n", (double)res.data_segs / secs);
  mptcp_conn_release(ca, 0);
  mptcp_stack_del(a);
  mptcp_stack_del(r.st);
  return 0;
}
