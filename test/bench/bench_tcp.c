/*
 * Bulk-transfer benchmark: two stacks in memory, one connection, A sends
 * MB megabytes to B over a lossless zero-delay "wire" (packets handed
 * straight across). Prints goodput, segments per second and the number of
 * data segments, so that `callgrind.sh` can turn callgrind's instruction
 * count of bench_transfer() into instructions per data segment.
 * Usage: bench_tcp [MB]     (default 256)
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

/* The measured part: everything the two stacks do for the transfer. */
__attribute__((noinline)) static int bench_transfer(mptcp_stack *a,
                                                    mptcp_stack *b,
                                                    mptcp_conn *ca,
                                                    const uint8_t *chunk,
                                                    size_t chunk_len,
                                                    uint64_t total, result *r) {
  static uint8_t pkt[2048], ack[2048], sink[1448];
  mptcp_conn *cb = NULL;
  mptcp_tstamp now = 1000;
  uint64_t sent = 0, got = 0;
  mptcp_pkt_info pi;
  mptcp_event ev;
  while (got < total) {
    int moved = 0;
    while (sent < total) {
      size_t k = total - sent < chunk_len ? (size_t)(total - sent) : chunk_len;
      mptcp_ssize n = mptcp_conn_write(ca, chunk, k, now);
      if (n <= 0) break;
      sent += (uint64_t)n;
    }
    mptcp_ssize n;
    /* Each segment is delivered and answered before the next one leaves,
     * so B acknowledges as a real receiver would (every second segment). */
    while ((n = mptcp_stack_write_pkt(a, &pi, pkt, sizeof pkt, now)) > 0) {
      if (n > 100) r->data_segs++;
      mptcp_stack_read_pkt(b, NULL, pkt, (size_t)n, now);
      moved = 1;
      while (mptcp_stack_next_event(b, &ev))
        if (ev.events & MPTCP_EV_ACCEPT) cb = ev.conn;
      if (cb)
        while ((n = mptcp_conn_read(cb, sink, sizeof sink, now)) > 0)
          got += (uint64_t)n;
      while ((n = mptcp_stack_write_pkt(b, &pi, ack, sizeof ack, now)) > 0) {
        r->acks++;
        mptcp_stack_read_pkt(a, NULL, ack, (size_t)n, now);
      }
    }
    while (mptcp_stack_next_event(a, &ev)) {
    }
    if (!moved) { /* only timers (delayed ACK) can make progress */
      mptcp_tstamp e = mptcp_stack_get_expiry(b), ea = mptcp_stack_get_expiry(a);
      if (ea < e) e = ea;
      if (e == MPTCP_TSTAMP_NONE) return -1;
      now = e > now ? e : now;
      mptcp_stack_handle_expiry(a, now);
      mptcp_stack_handle_expiry(b, now);
    }
    now += 1;
  }
  r->bytes = got;
  r->vtime_us = now;
  return 0;
}

int main(int argc, char **argv) {
  uint64_t mb = argc > 1 ? strtoull(argv[1], NULL, 10) : 256;
  mptcp_settings s;
  mptcp_settings_default(&s);
  s.rand = seeded;
  s.sndbuf = s.rcvbuf = 1 << 20;
  mptcp_stack *a, *b;
  if (mptcp_stack_new(&a, &s, NULL, NULL) || mptcp_stack_new(&b, &s, NULL, NULL))
    return 1;
  mptcp_addr la = {{MPTCP_AF_INET, {10, 0, 0, 1}}, 0};
  mptcp_addr lb = {{MPTCP_AF_INET, {10, 0, 0, 2}}, 5001};
  mptcp_stack_listen(b, &lb, 0);
  mptcp_conn *ca;
  if (mptcp_conn_connect(a, &ca, &la, &lb, NULL, 1000)) return 1;
  /* The app writes one MSS at a time, as a relaying proxy does. (Large
   * writes make glibc use `rep movsb`, which callgrind counts per byte.) */
  static uint8_t chunk[1448];
  for (size_t i = 0; i < sizeof chunk; i++) chunk[i] = (uint8_t)(i * 31);
  result r = {0, 0, 0, 0};
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int rv = bench_transfer(a, b, ca, chunk, sizeof chunk, mb << 20, &r);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) +
                (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  if (rv) {
    fprintf(stderr, "transfer stalled\n");
    return 1;
  }
  printf("bytes %llu\n", (unsigned long long)r.bytes);
  printf("data_segments %llu\n", (unsigned long long)r.data_segs);
  printf("ack_segments %llu\n", (unsigned long long)r.acks);
  printf("seconds %.3f\n", secs);
  printf("goodput_mbit_s %.1f\n", (double)r.bytes * 8 / secs / 1e6);
  printf("data_segments_per_s %.0f\n", (double)r.data_segs / secs);
  mptcp_conn_release(ca, 0);
  mptcp_stack_del(a);
  mptcp_stack_del(b);
  return 0;
}
