#!/usr/bin/env bash
# The main job on built-in defaults: installs what is missing, builds, and runs
# `mitokit simulate` (about 10,000 contexts importing the real mitogen package).
# Until the simulator is built it decodes the bundled real capture instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh" >/dev/null
mitokit=${MITOKIT_BUILD:-$root/build}/cli/mitokit
if "$mitokit" simulate --help >/dev/null 2>&1; then
  exec "$mitokit" simulate "$@"
fi
exec "$mitokit" decode "$root/testdata/captures/mitogen-0.3.52-basic/real.pcapng" "$@"
