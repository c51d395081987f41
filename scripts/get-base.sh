#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian's linux-source-7.3 and commit it as the base of build/linux.
#
# usage: scripts/get-base.sh
#
# The .deb is cached in $DEVMEM_CACHE (default /var/cache/devmem-ci). The base
# commit has a fixed author, committer and date, so one package version gives
# one commit id on every machine. The commit is tagged "base".
set -eu
. "$(dirname "$0")/lib.sh"
. "$TOP/kunit/base.pin"

mkdir -p "$CACHE" "$BUILD"
deb=$CACHE/${BASE_PACKAGE}_${BASE_VERSION//:/%3a}_all.deb
want_sha=$BASE_SHA256
version=$BASE_VERSION

if [ ! -f "$deb" ] || ! echo "$want_sha  $deb" | sha256sum -c --quiet 2>/dev/null; then
	private_apt_update
	if ! (cd "$CACHE" && apt-get "${APT_OPTS[@]}" -qq download "$BASE_PACKAGE=$BASE_VERSION"); then
		version=$(apt-cache "${APT_OPTS[@]}" policy "$BASE_PACKAGE" |
			  awk '/Candidate:/ { print $2 }')
		[ -n "$version" ] && [ "$version" != "(none)" ] ||
			die "no $BASE_PACKAGE in the archive"
		cat >&2 <<-MSG
		########################################################################
		# WARNING: $BASE_PACKAGE $BASE_VERSION has left the archive.
		# Using the newest one instead: $version
		# The series may not apply; update kunit/base.pin once it does.
		########################################################################
		MSG
		want_sha=$(apt-cache "${APT_OPTS[@]}" show "$BASE_PACKAGE=$version" |
			   awk '/^SHA256:/ { print $2; exit }')
		deb=$CACHE/${BASE_PACKAGE}_${version//:/%3a}_all.deb
		(cd "$CACHE" && apt-get "${APT_OPTS[@]}" -qq download "$BASE_PACKAGE=$version")
	fi
	echo "$want_sha  $deb" | sha256sum -c --quiet || die "sha256 mismatch: $deb"
fi

msg="Linux $version (Debian $BASE_PACKAGE)"
if [ -d "$LINUX/.git" ] && [ "$(git -C "$LINUX" log -1 --format=%s base 2>/dev/null)" = "$msg" ]; then
	log "base already in $LINUX: $(git -C "$LINUX" rev-parse --short base)"
	exit 0
fi

log "unpacking $deb"
rm -rf "$LINUX" "$BUILD/base.tmp"
mkdir -p "$BUILD/base.tmp"
dpkg-deb --fsys-tarfile "$deb" |
	tar -x -C "$BUILD/base.tmp" --wildcards './usr/src/*.tar.xz'
mkdir "$LINUX"
tar -xJf "$BUILD"/base.tmp/usr/src/"$BASE_PACKAGE".tar.xz -C "$LINUX" --strip-components=1
rm -rf "$BUILD/base.tmp"

log "committing the base"
cd "$LINUX"
git init -q -b master .
git config core.autocrlf false
git config gc.auto 0
# Debian's top-level .gitignore ignores /*: force every file in.
git add -f -A .
base_identity
git commit -q --no-verify -m "$msg"
git tag -f base >/dev/null
git config user.name "$SERIES_NAME"
git config user.email "$SERIES_EMAIL"
log "base $(git rev-parse HEAD) ($msg)"
