#!/bin/sh
# Installs every Debian 12 package that building, testing, fuzzing and
# regenerating the test vectors of libmptcp need, then builds the project.
# Usage: sudo scripts/setup.sh [--no-build] [--no-cross]
set -eu
build=1
cross=1
for a in "$@"; do
  case "$a" in
    --no-build) build=0 ;;
    --no-cross) cross=0 ;;
    *) echo "usage: $0 [--no-build] [--no-cross]" >&2; exit 2 ;;
  esac
done

export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# tshark asks whether non-root users may capture; answer before installing.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
  $SUDO debconf-set-selections

native="build-essential meson ninja-build pkg-config git
  libssl-dev libpcap-dev check
  clang llvm lld libclang-rt-14-dev
  tshark tcpdump python3 python3-scapy python3-matplotlib netcat-openbsd
  mptcpize
  iproute2 nftables ethtool kmod procps
  valgrind gcovr cppcheck clang-format"
# The s390x libraries (libcrypto, Check, libpcap) are not installed through
# multiarch: Debian's s390x archive lags the amd64 security updates and
# multiarch packages must match versions. scripts/s390x-sysroot.sh unpacks
# them into a private sysroot instead (see scripts/s390x-cross.ini).
cross_pkgs="gcc-s390x-linux-gnu libc6-dev-s390x-cross qemu-user"

if [ "$cross" -eq 1 ]; then
  $SUDO dpkg --add-architecture s390x
fi
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $native
if [ "$cross" -eq 1 ]; then
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -q --no-install-recommends $cross_pkgs
  $SUDO sh "$(dirname "$0")/s390x-sysroot.sh"
fi

if [ "$build" -eq 1 ]; then
  cd "$(dirname "$0")/.."
  [ -d build ] || meson setup build
  meson compile -C build
fi
