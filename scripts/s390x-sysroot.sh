#!/bin/sh
# Builds the s390x sysroot for the big-endian CI lane (scripts/s390x-cross.ini).
#
# Debian's s390x archive often lags the native security updates, and
# multiarch packages must have the same version on every architecture, so
# `apt-get install libssl-dev:s390x` cannot be used on an up-to-date amd64
# machine. Instead we `apt-get download` the s390x .debs (any version will
# do: they are only linked against and run under qemu-user) and unpack them
# with `dpkg -x` into a private directory. The C library itself comes from
# the native libc6-dev-s390x-cross package (/usr/s390x-linux-gnu).
#
# Usage: scripts/s390x-sysroot.sh [SYSROOT]   (default /opt/libmptcp-s390x)
# Needs root only for `dpkg --add-architecture` and `apt-get update`, which
# it runs when apt does not know the s390x architecture yet. Idempotent: a
# sysroot whose stamp lists the same packages is kept as it is.
set -eu

SYSROOT=${1:-/opt/libmptcp-s390x}
ARCH=s390x

# libcrypto, Check (+ subunit), libpcap and what libpcap.so needs at link
# time (libdbus-1, whose .pc libpcap.pc requires, and its closure; libc6/libgcc-s1 come from the cross
# toolchain).
PKGS="libssl3 libssl-dev
  check libsubunit0 libsubunit-dev
  libpcap0.8 libpcap0.8-dev libdbus-1-3 libdbus-1-dev libsystemd0 libcap2 libgcrypt20
  libgpg-error0 liblz4-1 liblzma5 libzstd1"

stamp="$SYSROOT/.libmptcp-sysroot"
# shellcheck disable=SC2086 # word splitting wanted
want=$(printf '%s\n' $PKGS | sort | tr '\n' ' ')
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "s390x sysroot: $SYSROOT is up to date"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! dpkg --print-foreign-architectures | grep -qx "$ARCH"; then
  $SUDO dpkg --add-architecture "$ARCH"
  $SUDO apt-get update -q
elif ! apt-cache show "libssl3:$ARCH" >/dev/null 2>&1; then
  $SUDO apt-get update -q
fi

dl=$(mktemp -d)
trap 'rm -rf "$dl"' EXIT
echo "s390x sysroot: downloading into $dl"
for p in $PKGS; do
  # apt-get download fetches into the current directory.
  (cd "$dl" && apt-get download -q "$p:$ARCH")
done

rm -rf "$SYSROOT.tmp"
mkdir -p "$SYSROOT.tmp"
for deb in "$dl"/*.deb; do
  echo "s390x sysroot: unpacking $(basename "$deb")"
  dpkg -x "$deb" "$SYSROOT.tmp"
done

# The .pc files say prefix=/usr; PKG_CONFIG_SYSROOT_DIR (meson's sys_root
# property) prepends the sysroot. Absolute symlinks inside the sysroot
# (e.g. libfoo.so -> /lib/s390x-linux-gnu/libfoo.so.1) would point into the
# host: make them relative to the sysroot.
find "$SYSROOT.tmp" -type l | while read -r l; do
  t=$(readlink "$l")
  case "$t" in
    /*) ln -sfn "$SYSROOT$t" "$l" ;;
  esac
done

rm -rf "$SYSROOT"
mv "$SYSROOT.tmp" "$SYSROOT"
echo "$want" >"$stamp"
echo "s390x sysroot: ready in $SYSROOT"
