#!/usr/bin/env bash
# Configures (once) and builds the normal g++ build in ${MITOKIT_BUILD:-build}/.
# Extra arguments go to cmake's configure step, e.g. -DMITOKIT_WIRESHARK=OFF.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${MITOKIT_BUILD:-$root/build}
if [[ ! -f $build/build.ninja ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
fi
ninja -C "$build" -j "${MITOKIT_JOBS:-$(nproc)}"
