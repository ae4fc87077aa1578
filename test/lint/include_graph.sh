#!/bin/sh
# Enforces the include rules of doc/architecture.md:
#  - only lib/crypto.c includes OpenSSL;
#  - public headers include only <mptcp/...> and standard headers;
#  - codec modules (pkt, tcpopt, options, convert, crypto, counters, err)
#    include only wire.h (and crypto.c its own isn.h) among the internal
#    headers: they never depend on state modules;
#  - lib/ never includes OS-specific headers (it must stay portable).
# Usage: include_graph.sh SOURCE_ROOT
set -u
root=${1:?source root}
fail=0
bad() { echo "include rule: $*"; fail=1; }

is_codec() {
  case "$1" in
    pkt.c|tcpopt.c|options.c|convert.c|crypto.c|counters.c|err.c|wire.h) return 0 ;;
    *) return 1 ;;
  esac
}

for f in "$root"/lib/*.c "$root"/lib/*.h; do
  base=$(basename "$f")
  grep -n '#[[:space:]]*include' "$f" | while IFS= read -r line; do
    inc=$(printf '%s' "$line" | sed -n 's/.*#[[:space:]]*include[[:space:]]*\([<"][^>"]*[>"]\).*/\1/p')
    case "$inc" in
      \<openssl/*)
        [ "$base" = crypto.c ] || echo "BAD $base: $inc (only crypto.c may use OpenSSL)" ;;
      \<mptcp/*) ;;
      \<assert.h\>|\<inttypes.h\>|\<stdarg.h\>|\<stddef.h\>|\<stdint.h\>|\<stdio.h\>|\<stdlib.h\>|\<string.h\>|\<limits.h\>) ;;
      \"wire.h\") ;;
      \<*) echo "BAD $base: $inc (not a portable C11 header)" ;;
      \"isn.h\") if is_codec "$base" && [ "$base" != crypto.c ]; then
                   echo "BAD $base: $inc (codecs may only include wire.h)"
                 fi ;;
      \"*) if is_codec "$base"; then
             echo "BAD $base: $inc (codecs may only include wire.h)"
           fi ;;
    esac
  done
done > /tmp/include_graph.$$ 2>&1
if [ -s /tmp/include_graph.$$ ]; then cat /tmp/include_graph.$$; fail=1; fi
rm -f /tmp/include_graph.$$

for f in "$root"/include/mptcp/*.h; do
  grep -n '#[[:space:]]*include' "$f" | grep -v -E '<mptcp/[a-z_]+\.h>|<stddef\.h>|<stdint\.h>' |
    while IFS= read -r l; do echo "BAD $(basename "$f"): $l (public headers are self-contained)"; done
done > /tmp/include_graph_pub.$$
if [ -s /tmp/include_graph_pub.$$ ]; then cat /tmp/include_graph_pub.$$; fail=1; fi
rm -f /tmp/include_graph_pub.$$

n=$(ls "$root"/lib/*.c | wc -l)
[ "$n" -gt 0 ] || bad "no sources found under $root/lib"
[ $fail -eq 0 ] && echo "include rules hold for $n lib/ sources and the public headers"
exit $fail
