/* mpcat's Linux glue: TUN devices and local-address checks. Only mpcat uses
 * this; the library itself never does I/O.
 * SPDX-License-Identifier: MIT */
#ifndef MPCAT_TUN_H
#define MPCAT_TUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <mptcp/common.h>

struct mptcp_pkt_info;

/**
 * Attaches to the existing TUN device @p ifname (IFF_TUN | IFF_NO_PI,
 * non-blocking). Never creates a device: a missing one is an error whose
 * message (in @p err) gives the ip commands that create it, using @p addr
 * (mpcat's own address behind it) for the example. With @p offload, also
 * IFF_VNET_HDR and the offloads TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6:
 * every packet then has a struct virtio_net_hdr in front, which the read
 * and write functions below translate to and from mptcp_pkt_info.
 * @return the file descriptor, or -1 with @p err filled.
 */
int mpcat_tun_open(const char *ifname, const mptcp_ipaddr *addr, int offload,
                   char *err, size_t errlen);

/** Reads one packet; with @p pi (a device opened with offload) its
 *  virtio-net header goes to pi->flags. @return its length, 0 when none
 *  is waiting (EAGAIN), -1 on error (errno set). */
ssize_t mpcat_tun_read(int fd, uint8_t *buf, size_t cap,
                       struct mptcp_pkt_info *pi);

/** Writes one packet; with @p pi (offload) behind a virtio-net header made
 *  from it. @return 0, or -1 on error (errno set). */
int mpcat_tun_write(int fd, const uint8_t *pkt, size_t len,
                    const struct mptcp_pkt_info *pi);

/** @return 1 if @p a is configured on any interface of this network
 *  namespace (then the kernel, not mpcat, would own it), 0 if not. */
int mpcat_addr_is_local(const mptcp_ipaddr *a);

/** Parses an IPv4 or IPv6 literal (IPv6 may be in brackets).
 *  @return 0, or -1 if @p s is neither. */
int mpcat_parse_ip(const char *s, mptcp_ipaddr *out);

/** Formats @p a as text ("10.0.0.2", "fd00::2"). */
void mpcat_format_ip(const mptcp_ipaddr *a, char *buf, size_t cap);

#endif
