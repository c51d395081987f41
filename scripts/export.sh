#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Regenerate patches/ and the net/ copies from build/linux.
#
# usage: scripts/export.sh [--check | --to DIR]
#   --check   export into a scratch dir and fail if patches/ or the net/
#             copies differ from it (what CI runs after scripts/apply.sh)
#   --to DIR  write the patches and copies under DIR instead of this repo
#
# Writes the series base..series as "[PATCH net-next N/M]" mails with a cover
# letter from the branch description (git branch --edit-description in
# build/linux) and a base-commit: line. An unchanged series exports
# byte-identical. net/core/ and net/ipv4/ in this repo get the tip version of
# every file the series adds there.
set -eu
. "$(dirname "$0")/lib.sh"

dest=$TOP
check=
case ${1:-} in
--check) check=1; dest=$(mktemp -d) ;;
--to) dest=$2 ;;
"") ;;
*) die "usage: scripts/export.sh [--check | --to DIR]" ;;
esac
out=$dest/patches

cd "$LINUX"
git rev-parse -q --verify "$SERIES_BRANCH" >/dev/null ||
	die "no series branch; run scripts/apply.sh"
[ "$(git rev-list --count base.."$SERIES_BRANCH")" -gt 0 ] || die "the series is empty"
git config "branch.$SERIES_BRANCH.description" >/dev/null ||
	die "no cover letter: git -C build/linux branch --edit-description $SERIES_BRANCH"

series_identity
mkdir -p "$out"
rm -f "$out"/[0-9][0-9][0-9][0-9]-*.patch
git -c core.abbrev=12 -c diff.noprefix=false -c format.signoff=false \
	format-patch -q -o "$out" --numbered --cover-letter \
	--cover-from-description=subject --subject-prefix="PATCH net-next${SERIES_VERSION:+ v$SERIES_VERSION}" \
	--zero-commit --no-signature --base=base --encode-email-headers \
	base.."$SERIES_BRANCH"
# The cover letter has no commit date of its own: take the tip's, not now.
date=$(git log -1 --format=%aD "$SERIES_BRANCH")
sed -i "0,/^Date: /s/^Date: .*/Date: $date/" "$out/0000-cover-letter.patch"

# The new files under net/core and net/ipv4 as they stand at the tip.
for d in net/core net/ipv4; do
	rm -rf "${dest:?}/$d"
	git diff --name-only --diff-filter=A base "$SERIES_BRANCH" -- "$d" |
	while read -r f; do
		mkdir -p "$dest/$(dirname "$f")"
		git show "$SERIES_BRANCH:$f" > "$dest/$f"
	done
done

if [ -n "$check" ]; then
	rc=0
	for d in patches net/core net/ipv4; do
		if [ -e "$dest/$d" ] || [ -e "$TOP/$d" ]; then
			diff -ru "$TOP/$d" "$dest/$d" >&2 || rc=1
		fi
	done
	rm -rf "$dest"
	[ $rc -eq 0 ] || die "patches/ or net/ copies differ from build/linux: run scripts/export.sh and commit"
	log "patches/ and net/ copies match build/linux"
	exit 0
fi
log "exported $(ls "$out"/[0-9]*.patch | wc -l) files to $out"
