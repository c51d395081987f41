#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Apply patches/ onto the base in build/linux, one commit per patch.
#
# usage: scripts/apply.sh [-f]
#   -f  discard uncommitted edits and a diverged branch in build/linux
#
# The submissions of patches/SUBMISSIONS are applied in order onto branch
# "series"; each ends at a branch of its name (1-fixes, ...), whose
# description is its cover letter's subject and body, which
# scripts/export.sh turns back into the cover letter. Committer identity and dates are fixed, so the same patches
# give the same commit ids.
set -eu
. "$(dirname "$0")/lib.sh"

force=
[ "${1:-}" = -f ] && force=1

"$TOP/scripts/get-base.sh"
cd "$LINUX"

if [ -z "$force" ]; then
	[ -z "$(git status --porcelain --untracked-files=no)" ] ||
		die "build/linux has uncommitted edits; commit and export them, or use -f"
	# Never throw away commits that patches/ does not carry yet.
	if git rev-parse -q --verify "$SERIES_BRANCH" >/dev/null &&
	   [ "$(git rev-list --count base.."$SERIES_BRANCH")" -gt 0 ] &&
	   ! "$TOP/scripts/export.sh" --check >/dev/null 2>&1; then
		die "build/linux has commits patches/ does not carry: run scripts/export.sh, or use -f"
	fi
fi

read_submissions
git checkout -q -f -B "$SERIES_BRANCH" base
series_identity
for i in "${!SUB_DIR[@]}"; do
	d=$TOP/patches/${SUB_DIR[i]}
	cover=$d/0000-cover-letter.patch
	[ -f "$cover" ] || die "no cover letter in patches/${SUB_DIR[i]}"
	mapfile -t patches < <(ls "$d"/[0-9][0-9][0-9][0-9]-*.patch | grep -v /0000-cover-letter.patch)
	[ ${#patches[@]} -eq "${SUB_N[i]}" ] ||
		die "patches/${SUB_DIR[i]} has ${#patches[@]} patches, patches/SUBMISSIONS says ${SUB_N[i]}"
	git am -q --committer-date-is-author-date --whitespace=error-all "${patches[@]}" ||
		{ git am --abort 2>/dev/null; die "${SUB_DIR[i]} does not apply"; }

	# Subject without its "[PATCH ...]" tag, then the body up to the
	# shortlog: the description of a branch at the submission's end.
	awk '
		subj != "" && !body && /^[ \t]/ { sub(/^[ \t]+/, ""); subj = subj " " $0; next }
		subj != "" && !done { print subj; print ""; done = 1 }
		/^Subject: / { subj = $0; sub(/^Subject: \[[^]]*\] */, "", subj); next }
		body && /^[^ \t].* \([0-9]+\):$/ { exit }
		body { print; next }
		/^$/ && subj != "" { body = 1 }
	' "$cover" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' > "$BUILD/cover.desc"
	git branch -f "${SUB_DIR[i]}" HEAD
	git config "branch.${SUB_DIR[i]}.description" "$(cat "$BUILD/cover.desc")"
	rm -f "$BUILD/cover.desc"
done
log "$(git rev-list --count base..HEAD) patches applied on base in $LINUX (branch $SERIES_BRANCH)"
