#!/usr/bin/env bash
# Line coverage of libproto (and the other fuzzed code) reached by the committed corpora:
#   fuzz/coverage.sh            -> prints llvm-cov's per-file report and the libproto total
# Builds fuzz_replay with clang-14 source-based coverage in ${MITOKIT_COV_BUILD:-build-cov}.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${MITOKIT_COV_BUILD:-$root/build-cov}
if [[ ! -f $build/build.ninja ]]; then
  CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS="-fprofile-instr-generate -fcoverage-mapping" \
    -DCMAKE_EXE_LINKER_FLAGS="-fprofile-instr-generate" \
    -DMITOKIT_TESTS=OFF -DMITOKIT_BENCH=OFF -DMITOKIT_WIRESHARK=OFF >/dev/null
fi
ninja -C "$build" fuzz_replay >/dev/null
prof=$(mktemp -d)
trap 'rm -rf "$prof"' EXIT
for dir in "$here"/corpus/*/; do
  t=$(basename "$dir")
  LLVM_PROFILE_FILE="$prof/$t.profraw" "$build/fuzz/fuzz_replay" "$t" "$dir" "$here/regressions/$t" >/dev/null 2>&1 || {
    echo "coverage.sh: replay of $t failed" >&2; exit 1; }
done
llvm-profdata-14 merge -sparse "$prof"/*.profraw -o "$prof/all.profdata"
llvm-cov-14 report "$build/fuzz/fuzz_replay" -instr-profile="$prof/all.profdata" \
  -ignore-filename-regex='(/usr/|fuzz/harnesses|tests/)' "$root/libproto" "$root/capture" "$root/simulator"
echo "libproto only:"
llvm-cov-14 report "$build/fuzz/fuzz_replay" -instr-profile="$prof/all.profdata" \
  -ignore-filename-regex='(/usr/|fuzz/harnesses|tests/)' "$root/libproto" | tail -1
