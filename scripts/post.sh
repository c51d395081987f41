#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Write the mails to send for the series, as the person who posts them.
#
# usage: scripts/post.sh
#
# The commits in build/linux carry a fixed placeholder identity, so that
# the same patches give the same commit ids everywhere. A posting needs a
# real person: the poster's git identity (git config user.name and
# user.email, outside build/linux) becomes the From: and replaces the
# placeholder Signed-off-by: of every patch. Refuses to write when the
# identity is unset or looks like a placeholder.
#
# To: and Cc: come from the tree's get_maintainer.pl for each patch, plus
# the people of the review history the series answers (the authors and
# reviewers of the threads in shared/seeds/). Writes build/post/DIR/ for
# each submission of patches/SUBMISSIONS, in the order to send them, and
# checks each mail with checkpatch.pl (a missing or placeholder sign-off
# fails).
set -eu
. "$(dirname "$0")/lib.sh"

# The review history: the token array, percpu_ref, page pool accounting
# and binding list threads.
REVIEWERS=(
	"Mina Almasry <almasrymina@google.com>"
	"Bobby Eshleman <bobbyeshleman@meta.com>"
	"Stanislav Fomichev <sdf@fomichev.me>"
	"Pavel Begunkov <asml.silence@gmail.com>"
	"Nikolay Aleksandrov <razor@blackwall.org>"
)

name=$(git -C "$TOP" config user.name || true)
email=$(git -C "$TOP" config user.email || true)
case "$name|$email" in
"|"* | *"|") die "set git config user.name and user.email to who posts the series" ;;
"$SERIES_NAME|"* | *"|$SERIES_EMAIL" | *"@localhost" | *"@example."* | *".example" | \
*".invalid" | *".test" | *"noreply"* | *"|root@"* | "root|"* | *"|"*"@"*"@"*)
	die "'$name <$email>' looks like a placeholder, not a person" ;;
esac
poster="$name <$email>"

cd "$LINUX"
git rev-parse -q --verify "$SERIES_BRANCH" >/dev/null || die "no series branch; run make apply"
read_submissions
submission_ranges "$SERIES_BRANCH"
rm -rf "$BUILD/post"
series_identity
total=0
for i in "${!SUB_DIR[@]}"; do
	out=$BUILD/post/${SUB_DIR[i]}
	format_submission "$i" "$out"

	# The poster is author and signer, and the maintainer the MAINTAINERS
	# entry names: the placeholder goes from the headers, the in-body
	# From: format-patch adds for a foreign author, the tags and the entry.
	for m in "$out"/*.patch; do
		sed -i -e "s|^From: $SERIES_NAME <$SERIES_EMAIL>\$|From: $poster|" \
		       -e "s|^Signed-off-by: $SERIES_NAME <$SERIES_EMAIL>\$|Signed-off-by: $poster|" \
		       -e "s|^+M:\t$SERIES_NAME <$SERIES_EMAIL>\$|+M:\t$poster|" \
		       -e "s|^$SERIES_NAME (\([0-9]*\)):\$|$name (\1):|" \
		       "$m"
		grep -q "$SERIES_EMAIL" "$m" && die "$m still names $SERIES_EMAIL"
		grep -q "$SERIES_NAME" "$m" && die "$m still names $SERIES_NAME"
	done

	# Recipients: get_maintainer.pl over the submission's patches, lists
	# to To:, people to Cc:, with the review history.
	to=() cc=()
	while IFS= read -r r; do
		case $r in
		# The tree's MAINTAINERS entry of the series: the poster.
		*"<$SERIES_EMAIL>"*) ;;
		*"@vger.kernel.org"* | *"@lists."*) to+=("${r%% (*}") ;;
		*) cc+=("${r%% (*}") ;;
		esac
	done < <(ls "$out"/0*.patch | grep -v /0000-cover-letter.patch |
		 xargs ./scripts/get_maintainer.pl --no-rolestats --no-git --no-git-fallback 2>/dev/null |
		 sort -u)
	cc+=("${REVIEWERS[@]}")
	for m in "$out"/*.patch; do
		{
			for r in "${to[@]}"; do echo "To: $r"; done
			for r in "${cc[@]}"; do [ "$r" = "$poster" ] || echo "Cc: $r"; done
		} > "$out/.hdr"
		awk -v hdr="$out/.hdr" '
			!done && /^Subject: / { while ((getline l < hdr) > 0) print l; done = 1 }
			{ print }' "$m" > "$m.new" && mv "$m.new" "$m"
	done
	rm -f "$out/.hdr"

	# The per-patch checks a maintainer's tools run on a mail: checkpatch
	# with netdev's flags, which fails a patch without a sign-off by its
	# author.
	bad=0
	for m in "$out"/0*.patch; do
		case $m in */0000-cover-letter.patch) continue ;; esac
		PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict --max-line-length=80 --terse --no-summary \
			--ignore COMMIT_LOG_LONG_LINE,MACRO_ARG_REUSE,ALLOC_SIZEOF_STRUCT,GIT_COMMIT_ID,CAMELCASE,FILE_PATH_CHANGES,UNKNOWN_COMMIT_ID \
			"$m" > "$m.checkpatch" 2>&1 || true
		if grep -q 'ERROR' "$m.checkpatch"; then
			log "$(basename "$m"): $(grep ERROR "$m.checkpatch" | head -3)"
			bad=$((bad + 1))
		fi
		grep -q "^Signed-off-by: $poster\$" "$m" || { log "$(basename "$m"): no sign-off by $poster"; bad=$((bad + 1)); }
		rm -f "$m.checkpatch"
	done
	[ $bad -eq 0 ] || die "${SUB_DIR[i]}: $bad mail(s) fail the checks"
	total=$((total + $(ls "$out"/*.patch | wc -l)))
	log "${SUB_DIR[i]}: send with: git send-email $out/*.patch"
done
log "wrote $total mails in ${#SUB_DIR[@]} submissions from $poster to $BUILD/post/"
