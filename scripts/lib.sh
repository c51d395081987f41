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
# The version of the submissions as posted, "[PATCH TREE vN ...]"; empty
# for a first posting.
SERIES_VERSION=

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

# The submissions the series goes to netdev as, in the order they apply:
# patches/SUBMISSIONS, one "DIR TREE N" line each (the directory under
# patches/, the tree of its "[PATCH TREE ...]" subjects, its number of
# patches). Sets SUB_DIR, SUB_TREE and SUB_N.
read_submissions() {
	local d t n
	SUB_DIR=() SUB_TREE=() SUB_N=()
	[ -f "$TOP/patches/SUBMISSIONS" ] || die "no patches/SUBMISSIONS"
	while read -r d t n; do
		case $d in "" | "#"*) continue ;; esac
		SUB_DIR+=("$d") SUB_TREE+=("$t") SUB_N+=("$n")
	done < "$TOP/patches/SUBMISSIONS"
	[ ${#SUB_DIR[@]} -gt 0 ] || die "patches/SUBMISSIONS names no submission"
}

# Split base..TIP of build/linux into the submissions: SUB_FROM[i]..SUB_TO[i]
# is submission i. The counts must add up to the commits.
submission_ranges() {
	local tip=$1 i pos=0 total=0 commits
	mapfile -t commits < <(git -C "$LINUX" rev-list --reverse base.."$tip")
	for i in "${!SUB_N[@]}"; do total=$((total + SUB_N[i])); done
	[ "$total" -eq ${#commits[@]} ] ||
		die "patches/SUBMISSIONS counts $total patches, build/linux has ${#commits[@]}: update the counts"
	SUB_FROM=() SUB_TO=()
	for i in "${!SUB_N[@]}"; do
		[ "${SUB_N[i]}" -gt 0 ] || die "submission ${SUB_DIR[i]} has no patch"
		if [ $pos -eq 0 ]; then
			SUB_FROM+=(base)
		else
			SUB_FROM+=("${commits[pos - 1]}")
		fi
		pos=$((pos + SUB_N[i]))
		SUB_TO+=("${commits[pos - 1]}")
	done
}

# Write submission I (base..series split by submission_ranges) as mails into
# DIR (more format-patch options may follow), with a cover letter from the description of branch SUB_DIR[I], which
# is moved to the submission's last commit. --base=base makes format-patch
# name the base tree and, for a later submission, the patches of the
# earlier ones it needs (prerequisite-patch-id:).
format_submission() {
	local i=$1 dir=$2
	git -C "$LINUX" config "branch.${SUB_DIR[i]}.description" >/dev/null ||
		die "no cover letter for ${SUB_DIR[i]}: git -C build/linux branch --edit-description ${SUB_DIR[i]}"
	git -C "$LINUX" branch -f "${SUB_DIR[i]}" "${SUB_TO[i]}"
	mkdir -p "$dir"
	git -C "$LINUX" -c core.abbrev=12 -c diff.noprefix=false -c format.signoff=false \
		format-patch -q -o "$dir" --numbered --cover-letter \
		--cover-from-description=subject \
		--subject-prefix="PATCH ${SUB_TREE[i]}${SERIES_VERSION:+ v$SERIES_VERSION}" \
		--no-signature --base=base --encode-email-headers "${@:3}" \
		"${SUB_FROM[i]}..${SUB_DIR[i]}"
}

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
