/* Finds the IP packet inside a libpcap record, whatever the link type.
 * Shared by examples/mptcp-pcap and the vector tests.
 * SPDX-License-Identifier: MIT */
#ifndef PCAP_IP_H
#define PCAP_IP_H

#include <stddef.h>
#include <stdint.h>

/**
 * Given the pcap link type @p dlt (DLT_* / LINKTYPE_*) and a captured frame,
 * sets *@p off to the offset of the IPv4/IPv6 header.
 * @return 1 if the frame carries IPv4/IPv6, 0 if it carries something else
 * (ARP, ...) or is too short, -1 if the link type is not supported.
 */
int pcap_ip_offset(int dlt, const uint8_t *frame, size_t caplen, size_t *off);

#endif
