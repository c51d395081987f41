# SPDX-License-Identifier: GPL-2.0
# Shared settings for the scripts in this directory; sourced, not run.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$TOP/build
LINUX=$BUILD/linux
CACHE=${DEVMEM_CACHE:-/var/cache/devmem-ci}
export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}
# Hit the cache from any clone: paths under the repo are made relative and
# the working directory is left out of the hash.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$TOP} CCACHE_NOHASHDIR=1

# Private apt configuration: Debian experimental, sid and trixie-backports
# from the archive the machine's own apt sources name,
# signed by the installed debian-archive-keyring. The system apt config is
# left untouched.
APT_STATE=$CACHE/apt
APT_OPTS=(-o Dir::Etc::SourceList="$APT_STATE/sources.list"
	  -o Dir::Etc::SourceParts=/dev/null
	  -o Dir::State::Lists="$APT_STATE/lists"
	  -o Dir::Cache="$APT_STATE/cache"
	  -o Dir::Cache::Archives="$APT_STATE/archives"
	  -o Debug::NoLocking=1
	  -o APT::Sandbox::User=root)

# Fixed identities and dates so the same inputs give the same commit ids.
BASE_DATE="2026-01-01T00:00:00Z"
SERIES_NAME="Devmem Team"
SERIES_EMAIL="devmem@localhost"
SERIES_BRANCH=series
# The version of the series as posted: "[PATCH net-next vN ...]".
SERIES_VERSION=4

base_identity() {
	export GIT_AUTHOR_NAME="devmem base" GIT_AUTHOR_EMAIL="devmem-base@localhost"
	export GIT_COMMITTER_NAME="devmem base" GIT_COMMITTER_EMAIL="devmem-base@localhost"
	export GIT_AUTHOR_DATE=$BASE_DATE GIT_COMMITTER_DATE=$BASE_DATE
}

series_identity() {
	export GIT_COMMITTER_NAME=$SERIES_NAME GIT_COMMITTER_EMAIL=$SERIES_EMAIL
}

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The Debian archive this machine's apt uses: the first URI of its sources
# (deb822 "URIs:" or one-line "deb URI suite") that is not the security
# archive, so that a mirror or proxy set up there is used here too.
debian_archive_uri() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] && awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { print $i; break } }' "$f"
	done
} 2>/dev/null

private_apt_update() {
	mkdir -p "$APT_STATE/lists/partial" "$APT_STATE/cache" "$APT_STATE/archives/partial"
	local key=/usr/share/keyrings/debian-archive-keyring.gpg
	local s uri
	uri=$(debian_archive_uri | grep -v -- '-security' | grep '/debian/*$' | head -1)
	[ -n "$uri" ] || die "no Debian archive in this machine's apt sources"
	for s in experimental sid trixie-backports; do
		echo "deb [signed-by=$key] $uri $s main"
	done > "$APT_STATE/sources.list"
	apt-get "${APT_OPTS[@]}" -qq update
}
