/*
 * Prints the byte order the tests really run with and checks it against the
 * one meson was told about (host_machine.endian(), argv[1]): in the s390x
 * lane this proves the unit tests ran big-endian under qemu-user. Also
 * checks that the library's checksum reads the wire big-endian there.
 * SPDX-License-Identifier: MIT
 */
#include <mptcp/mptcp.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  const uint32_t probe = 0x01020304u;
  unsigned char b[sizeof probe];
  memcpy(b, &probe, sizeof b);
  const char *order = b[0] == 0x01 ? "big" : b[0] == 0x04 ? "little" : "mixed";
  printf("byte order: %s-endian (%zu-bit pointers)\n", order,
         sizeof(void *) * 8);
  if (argc > 1 && strcmp(argv[1], order) != 0) {
    fprintf(stderr, "expected %s-endian (meson host_machine.endian())\n",
            argv[1]);
    return 1;
  }
  /* 0x1234 + 0x5678 = 0x68ac whatever the host order. */
  const uint8_t wire[4] = {0x12, 0x34, 0x56, 0x78};
  uint32_t s = mptcp_csum_partial(wire, sizeof wire, 0);
  if (s != 0x68acu) {
    fprintf(stderr, "mptcp_csum_partial: 0x%lx, want 0x68ac\n",
            (unsigned long)s);
    return 1;
  }
  return 0;
}
