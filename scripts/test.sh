#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run):
#   1. g++ build with -Werror, every ctest label (unit, vectors, differential against
#      /usr/bin/python3 + python3-mitogen, CLI, capture, simulator, fuzz regressions, tshark)
#   2. clang-14 build with ASan + UBSan (and -Werror), the same tests but the Wireshark plugin's
#   3. every libFuzzer target for MITOKIT_FUZZ_SECONDS (default 30) with ASan + UBSan
# MITOKIT_TEST_STAGES selects stages (default "gcc sanitize fuzz").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stages=${MITOKIT_TEST_STAGES:-gcc sanitize fuzz}
jobs=${MITOKIT_JOBS:-$(nproc)}
bash "$root/scripts/install-deps.sh"

summary=()
run_stage() {
  local name=$1; shift
  local t0=$SECONDS
  echo "=== test.sh: stage $name ===" >&2
  "$@"
  summary+=("$name: ok in $((SECONDS - t0))s")
}

gcc_stage() {
  MITOKIT_BUILD=$root/build bash "$root/scripts/build.sh"
  ctest --test-dir "$root/build" -j "$jobs" --output-on-failure --timeout 600
}

sanitize_stage() {
  local b=$root/build-asan
  if [[ ! -f $b/build.ninja ]]; then
    CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$b" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
      -DMITOKIT_SANITIZE=address,undefined -DMITOKIT_BENCH=OFF -DMITOKIT_WIRESHARK=OFF >/dev/null
  fi
  ninja -C "$b" -j "$jobs"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$b" -j "$jobs" --output-on-failure --timeout 900 -LE "bench|slow"
}

fuzz_stage() {
  MITOKIT_FUZZ_KEEP=0 bash "$root/fuzz/run.sh" all "${MITOKIT_FUZZ_SECONDS:-30}"
}

for s in $stages; do
  case $s in
    gcc) run_stage gcc gcc_stage ;;
    sanitize) run_stage sanitize sanitize_stage ;;
    fuzz) run_stage fuzz fuzz_stage ;;
    *) echo "test.sh: unknown stage '$s' (want gcc, sanitize, fuzz)" >&2; exit 2 ;;
  esac
done
printf '%s\n' "${summary[@]}"
