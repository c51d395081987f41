#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Apply patches/ onto the base in build/linux, one commit per patch.
#
# usage: scripts/apply.sh [-f]
#   -f  discard uncommitted edits and a diverged branch in build/linux
#
# The series lands on branch "series"; the cover letter's subject and body
# become the branch description, which scripts/export.sh turns back into the
# cover letter. Committer identity and dates are fixed, so the same patches
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

cover=$(ls "$TOP"/patches/0000-cover-letter.patch 2>/dev/null || true)
patches=$(ls "$TOP"/patches/[0-9][0-9][0-9][0-9]-*.patch 2>/dev/null | grep -v /0000-cover-letter.patch || true)

git checkout -q -f -B "$SERIES_BRANCH" base
series_identity
if [ -n "$patches" ]; then
	# shellcheck disable=SC2086
	git am -q --committer-date-is-author-date --whitespace=error-all $patches ||
		{ git am --abort 2>/dev/null; die "the series does not apply"; }
fi

if [ -n "$cover" ]; then
	# Subject without its "[PATCH ...]" tag, then the body up to the shortlog.
	awk '
		subj != "" && !body && /^[ \t]/ { sub(/^[ \t]+/, ""); subj = subj " " $0; next }
		subj != "" && !done { print subj; print ""; done = 1 }
		/^Subject: / { subj = $0; sub(/^Subject: \[[^]]*\] */, "", subj); next }
		body && /^[^ \t].* \([0-9]+\):$/ { exit }
		body { print; next }
		/^$/ && subj != "" { body = 1 }
	' "$cover" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' > "$BUILD/cover.desc"
	git config "branch.$SERIES_BRANCH.description" "$(cat "$BUILD/cover.desc")"
	rm -f "$BUILD/cover.desc"
fi
log "$(git rev-list --count base..HEAD) patches applied on base in $LINUX (branch $SERIES_BRANCH)"
