#!/usr/bin/env bash
# Set-up: installs every Debian 12 package prp needs to build, test and plot.
# Safe to run twice: apt-get skips what is already there.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  flex bison
  llvm-19-dev clang-19 libclang-rt-19-dev
  libcmocka-dev
  libopenblas-dev
  libedit-dev
  libplplot-dev plplot-driver-cairo
  libzstd-dev zlib1g-dev libxml2-dev libffi-dev libedit-dev
  tmux jq
  python3-vtk9
  openmpi-bin libopenmpi-dev
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
