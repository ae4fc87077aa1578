/* What a kernel (or a virtio-net device) does with the offloaded packets
 * of mptcp_pkt_info, for tests: completes a partial TCP checksum, splits
 * a super-segment into segments (GSO), coalesces segments into one (GRO).
 * Written from the virtio-net specification's description of the fields
 * (csum_start/csum_offset, gso_size) and RFC 9293, not from kernel code.
 * SPDX-License-Identifier: MIT */
#ifndef TEST_GSO_H
#define TEST_GSO_H

#include <mptcp/mptcp.h>
#include <stddef.h>

/* VIRTIO_NET_HDR_F_NEEDS_CSUM: the one's-complement sum of the bytes from
 * @p start to the end (the partial value in the field included), inverted,
 * goes at @p start + @p off. */
void gso_csum_complete(uint8_t *b, size_t n, size_t start, size_t off);

/* Splits the IPv4/IPv6 + TCP packet @p b (@p n bytes) into segments of
 * @p gso_size payload bytes (the last may be shorter), as TSO/GSO does:
 * the IP and TCP headers copied to each, the sequence number advanced by
 * the payload before it, the IP length set, the IPv4 ID incremented per
 * segment and the IPv4 header checksum recomputed, PSH and FIN only on
 * the last segment, every TCP checksum computed in full (whatever the
 * super-segment's field held). Segment k goes to out + k * stride, its
 * length to lens[k]. Returns the number of segments (0: malformed, or
 * more than @p max). A packet no longer than one segment comes back as
 * one, its checksum completed. */
size_t gso_split(const uint8_t *b, size_t n, size_t gso_size, uint8_t *out,
                 size_t stride, size_t *lens, size_t max);

/* GRO: the @p k segments pkts[i] (lens[i] bytes), consecutive in sequence
 * space with the same headers but for the sequence number, PSH and the
 * checksums (fails the test otherwise), as one packet into @p out: the
 * first's headers, every payload, PSH if the last had it, the IP length
 * and both checksums recomputed. Returns its length. */
size_t gso_coalesce(uint8_t *const *pkts, const size_t *lens, size_t k,
                    uint8_t *out, size_t cap);

/* The IP and TCP header length of a packet (0: not IPv4/IPv6 + TCP). */
size_t gso_hdr_len(const uint8_t *b, size_t n);

#endif
