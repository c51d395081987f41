#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Regenerate patches/ and the net/ copies from build/linux.
#
# usage: scripts/export.sh [--check | --to DIR]
#   --check   export into a scratch dir and fail if patches/ or the net/
#             copies differ from it (what CI runs after scripts/apply.sh)
#   --to DIR  write the patches and copies under DIR instead of this repo
#
# Splits base..series into the submissions of patches/SUBMISSIONS and
# writes each as "[PATCH TREE vN M/K]" mails under patches/DIR/, with a
# cover letter from the description of branch DIR in build/linux (git
# branch --edit-description DIR) and base-commit: and prerequisite-patch-id:
# lines. An unchanged series exports byte-identical. net/core/ and net/ipv4/
# in this repo get the tip version of every file the series adds there.
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

cd "$LINUX"
git rev-parse -q --verify "$SERIES_BRANCH" >/dev/null ||
	die "no series branch; run scripts/apply.sh"
[ "$(git rev-list --count base.."$SERIES_BRANCH")" -gt 0 ] || die "the series is empty"
read_submissions
submission_ranges "$SERIES_BRANCH"

series_identity
mkdir -p "$dest/patches"
[ "$dest" = "$TOP" ] || cp "$TOP/patches/SUBMISSIONS" "$dest/patches/"
for i in "${!SUB_DIR[@]}"; do
	out=$dest/patches/${SUB_DIR[i]}
	rm -f "$out"/[0-9][0-9][0-9][0-9]-*.patch
	format_submission "$i" "$out" --zero-commit
	# A cover letter has no commit date of its own: take its last patch's.
	date=$(git log -1 --format=%aD "${SUB_TO[i]}")
	sed -i "0,/^Date: /s/^Date: .*/Date: $date/" "$out/0000-cover-letter.patch"
done

# The new files under net/core and net/ipv4 as they stand at the tip.
for d in net/core net/ipv4; do
	rm -rf "${dest:?}/$d"
	git diff --name-only --diff-filter=A base "$SERIES_BRANCH" -- "$d" |
	while read -r f; do
		mkdir -p "$dest/$(dirname "$f")"
		git show "$SERIES_BRANCH:$f" > "$dest/$f"
	done
done

# The MAINTAINERS entry the series adds, as it stands at the tip: the
# poster takes the placeholder's place in it when scripts/post.sh writes
# the mails.
diff <(git show base:MAINTAINERS) <(git show "$SERIES_BRANCH:MAINTAINERS") |
	sed -n 's/^> \{0,1\}//p' | sed '${/^$/d}' > "$dest/MAINTAINERS.fragment"

if [ -n "$check" ]; then
	rc=0
	diff -u "$TOP/MAINTAINERS.fragment" "$dest/MAINTAINERS.fragment" >&2 || rc=1
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
log "exported ${#SUB_DIR[@]} submissions, $(ls "$dest"/patches/*/[0-9]*.patch | wc -l) files, to $dest/patches"
