#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time:   fuzz/run.sh TARGET SECONDS [JOBS]
#   TARGET: stream_decoder pickle_decode pickle_roundtrip payloads inflate capture import_scanner minify router
#   (or "all": each target in turn for SECONDS)
# Builds the clang-14 fuzz build (ASan + UBSan + libFuzzer) in ${MITOKIT_FUZZ_BUILD:-build-fuzz} if needed,
# fuzzes with the committed corpus as seeds, and merges new coverage back into fuzz/corpus/TARGET
# (minimised) unless MITOKIT_FUZZ_KEEP=0. A crash exits 1 and prints the input in hex; copy it
# into fuzz/regressions/TARGET/ so ctest replays it from then on.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[[ $# -ge 2 ]] || usage
target=$1 seconds=$2 jobs=${3:-1}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "fuzz/run.sh: SECONDS must be a whole number, got '$seconds'" >&2; exit 2; }
build=${MITOKIT_FUZZ_BUILD:-$root/build-fuzz}

if [[ ! -f $build/build.ninja ]]; then
  CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMITOKIT_FUZZ=ON -DMITOKIT_SANITIZE=address,undefined -DMITOKIT_TESTS=OFF -DMITOKIT_BENCH=OFF \
    -DMITOKIT_WIRESHARK=OFF -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link \
    ${MITOKIT_SHARED_DIR:+-DMITOKIT_SHARED_DIR=$MITOKIT_SHARED_DIR} >/dev/null
fi

if [[ $target == all ]]; then
  ninja -C "$build" >/dev/null
  rc=0
  for bin in "$build"/fuzz/fuzz_*; do
    t=${bin##*/fuzz_}
    [[ $t == replay ]] && continue
    "$0" "$t" "$seconds" "$jobs" || rc=1
  done
  exit $rc
fi

ninja -C "$build" "fuzz_$target" >/dev/null
case $target in
  stream_decoder|capture) dict=$here/dict/frames.dict ;;
  import_scanner|minify) dict=$here/dict/python.dict ;;
  *) dict=$here/dict/pickle.dict ;;
esac
work=$(mktemp -d "${TMPDIR:-/tmp}/mitokit-fuzz-$target.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts" "$here/corpus/$target"
cp -r "$here/corpus/$target/." "$work/corpus/" 2>/dev/null || true
[[ -d $here/regressions/$target ]] && cp -r "$here/regressions/$target/." "$work/corpus/"

echo "fuzz/run.sh: $target for ${seconds}s (dict $(basename "$dict"))" >&2
set +e
"$build/fuzz/fuzz_$target" "$work/corpus" -dict="$dict" -max_total_time="$seconds" -max_len=65536 \
  -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
  ${jobs:+-fork=$((jobs > 1 ? jobs : 0))} >"$work/log" 2>&1
rc=$?
set -e
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|cov:' "$work/log" | tail -4 >&2 || true
if [[ $rc -ne 0 ]]; then
  tail -40 "$work/log" >&2
  for f in "$work"/artifacts/*; do
    [[ -f $f ]] || continue
    echo "fuzz/run.sh: $target failed on $(basename "$f") ($(stat -c %s "$f") bytes), hex:" >&2
    od -An -tx1 -v "$f" | tr -d ' \n' | fold -w 128 >&2; echo >&2
  done
  exit 1
fi
if [[ ${MITOKIT_FUZZ_KEEP:-1} != 0 ]]; then
  mkdir -p "$work/min"
  "$build/fuzz/fuzz_$target" -merge=1 "$work/min" "$here/corpus/$target" "$work/corpus" >/dev/null 2>&1 || true
  rm -rf "$here/corpus/$target" && mv "$work/min" "$here/corpus/$target"
  echo "fuzz/run.sh: corpus/$target now $(ls "$here/corpus/$target" | wc -l) inputs" >&2
fi
