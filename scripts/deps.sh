#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages this project needs, if any are missing.
#
# usage: scripts/deps.sh [extra-package...]
set -eu
. "$(dirname "$0")/lib.sh"

pkgs=(bc bison flex gcc make perl python3 git xz-utils ccache codespell
      coccinelle libelf-dev libssl-dev python3-ply python3-git "$@")
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
log "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -qq update
apt-get -qq install -y --no-install-recommends "${missing[@]}" >/dev/null
