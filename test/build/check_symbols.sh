#!/bin/sh
# Build test: every global symbol the static library defines, and every
# symbol the shared library exports, is in the mptcp_ namespace.
# Usage: check_symbols.sh NM libmptcp.a libmptcp.so
set -u
nm=$1
static=$2
shared=$3
status=0

# Symbols a compiler emits on its own for instrumented builds; each one
# still has to name an mptcp_ object (ASan's ODR indicators).
filter_instrumentation() {
  grep -Ev '^__odr_asan_gen_mptcp_'
}

check() {
  what=$1
  list=$2
  n=$(printf '%s\n' "$list" | grep -c . || true)
  bad=$(printf '%s\n' "$list" | grep . | grep -v '^mptcp_' |
        filter_instrumentation || true)
  if [ "$n" -eq 0 ]; then
    echo "FAIL: $what: no symbols found (wrong file or nm?)"
    status=1
  elif [ -n "$bad" ]; then
    echo "FAIL: $what: symbols outside the mptcp_ namespace:"
    printf '%s\n' "$bad" | sed 's/^/  /'
    status=1
  else
    echo "ok: $what: $n symbols, all mptcp_*"
  fi
}

# Archive: "addr T name" lines (member headers and blank lines have fewer
# fields). Weak definitions (W/V) count; undefined ones are not listed.
syms=$("$nm" -g --defined-only "$static" | awk 'NF == 3 { print $3 }' | sort -u)
check "static $(basename "$static")" "$syms"

# Shared library: its dynamic symbol table. The linker-defined markers some
# toolchains export are not ours.
syms=$("$nm" -D --defined-only "$shared" | awk 'NF == 3 { print $3 }' |
       grep -Evx '_init|_fini|_edata|_end|__bss_start' | sort -u)
check "shared $(basename "$shared")" "$syms"

exit $status
