#!/usr/bin/env bash
# Installs every Debian 12 package mitokit needs to build, test, fuzz and run its
# conformance suite. Idempotent: packages already present are left alone.
set -euo pipefail

PACKAGES=(
  build-essential g++ clang-14 libclang-rt-14-dev llvm-14 lld-14 cmake ninja-build pkg-config
  zlib1g-dev libboost-program-options-dev libgtest-dev libgmock-dev libbenchmark-dev
  libfuzzer-14-dev libpcap-dev
  wireshark-dev tshark wireshark-common
  python3 python3-mitogen
  # Real packages the module-plan conformance test serves from the real master.
  python3-yaml python3-cryptography python3-jwt python3-six python3-dbus python3-toml python3-ply
  python3-pyparsing python3-idna python3-jinja2 python3-markupsafe python3-lazr.restfulclient python3-distro
  python3-blinker python3-openssl python3-setuptools python3-pkg-resources python3-requests python3-netaddr
  util-linux iproute2 procps
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; answer no without a prompt.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-deps: all ${#PACKAGES[@]} packages present" >&2
fi
