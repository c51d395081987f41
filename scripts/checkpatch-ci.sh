#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Check the series patch by patch, as netdev's patch CI (NIPA) would.
#
# usage: scripts/checkpatch-ci.sh [--no-kunit]
#
# Per patch, in order, on build/linux (which must hold the applied series):
#   checkpatch  checkpatch.pl --strict --codespell, netdev's flags
#               (ERROR fails; WARNING or CHECK warns)
#   build       W=1 C=1 build of the files the patch touches, with sparse;
#               a warning the parent does not have fails
#   kdoc        kernel-doc -Wall on the files the patch touches; a new
#               warning fails
#   kunit       the KUnit suites at that patch (kunit/run.sh)
#   signoff     a Signed-off-by: line
# Series: per submission of patches/SUBMISSIONS a cover letter, at most 15
# patches and its tree (net, net-next) in every subject;
# Coccinelle on the changed files with no new report over the base, every
# rule of the tree and of this repo's scripts/coccinelle/ run on its own; the
# number that ran is printed for base and tip and must match.
#
# Ends with a table and exits non-zero on any fail. Logs: build/ci/.
set -eu
. "$(dirname "$0")/lib.sh"

kunit=1
[ "${1:-}" = --no-kunit ] && kunit=
LOGS=$BUILD/ci
W1=$BUILD/w1-um
rm -rf "$LOGS"
mkdir -p "$LOGS"

cd "$LINUX"
[ -z "$(git status --porcelain --untracked-files=no)" ] ||
	die "build/linux has uncommitted edits"
tip=$(git rev-parse "$SERIES_BRANCH")
mapfile -t commits < <(git rev-list --reverse base.."$tip")
read_submissions
mails=()
for d in "${SUB_DIR[@]}"; do
	mapfile -t -O ${#mails[@]} mails < <(ls "$TOP/patches/$d"/[0-9][0-9][0-9][0-9]-*.patch | grep -v /0000-cover-letter.patch)
done
[ ${#commits[@]} -eq ${#mails[@]} ] ||
	die "patches/ has ${#mails[@]} patches, build/linux ${#commits[@]}: run scripts/apply.sh"
sparse=$("$TOP/scripts/get-sparse.sh")
# Debian ships codespell's dictionary inside its python package.
spell=$(dpkg -L codespell 2>/dev/null | grep '/dictionary\.txt$' | head -1)
[ -n "$spell" ] || die "codespell's dictionary.txt not found"

restore() { git -C "$LINUX" checkout -q "$SERIES_BRANCH"; }
trap restore EXIT

declare -A R
checks=(checkpatch build kdoc kunit signoff)

# Files of a commit that the W=1 build and kernel-doc look at.
changed() {
	git diff --name-only --diff-filter=d "$1^" "$1" -- '*.c' '*.h'
}

# Object targets for changed files: a .c gives its .o; a .h gives the .o of
# every .c beside it that includes it. Only objects the config builds count.
objects() {
	local f
	for f in "$@"; do
		case $f in
		*.c) echo "${f%.c}.o" ;;
		*.h) grep -l "include \"$(basename "$f")\"" "$(dirname "$f")"/*.c 2>/dev/null |
			sed 's/\.c$/.o/' ;;
		esac
	done | sort -u | while read -r o; do
		# Built by this patch's config: a member of its directory's
		# built-in.a (a stale .o of another config does not count).
		(cd "$BUILD/kunit-um" && ar t "$(dirname "$o")/built-in.a" 2>/dev/null) |
			grep -qx "$o" && echo "$o"
	done
}

# W=1 C=1 warnings for one object, line numbers dropped so that moved code
# compares equal. Prints "error: OBJ does not build" when it does not.
w1_object() {
	rm -f "$W1/$1"
	make -s ARCH=um O="$W1" W=1 C=1 CHECK="$sparse" CC="ccache gcc" \
		"$1" 2>&1 || echo "error: $1 does not build"
}

w1_warnings() {
	local o
	for o in "$@"; do
		w1_object "$o"
	done | grep -E 'warning|error' | sed -E 's/:[0-9]+(:[0-9]+)?:/:/' | sort
}

kdoc_warnings() {
	[ $# -gt 0 ] || return 0
	# "file:LINE: warning" and "Warning: file:LINE text": drop LINE.
	./scripts/kernel-doc -Wall -none "$@" 2>&1 | sed -E 's/:[0-9]+(:| )/\1/' | sort
}

# The W=1 tree shares the KUnit config, so both see the same objects.
w1_prepare() {
	mkdir -p "$W1"
	cp "$BUILD/kunit-um/.config" "$W1/.config"
	make -s ARCH=um O="$W1" CC="ccache gcc" olddefconfig prepare >/dev/null 2>&1
}

for i in "${!commits[@]}"; do
	c=${commits[$i]}
	n=$((i + 1))
	mail=${mails[$i]}
	log "patch $n/${#commits[@]}: $(git log -1 --format=%s "$c")"
	git checkout -q "$c"

	# Debian's python3 first: spdxcheck needs its python3-ply and python3-git.
	# UNKNOWN_COMMIT_ID: the base is a source package with no upstream
	# history, so no Fixes: id can be found in it.
	PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict --codespell --codespellfile="$spell" \
		--max-line-length=80 \
		--ignore COMMIT_LOG_LONG_LINE,MACRO_ARG_REUSE,ALLOC_SIZEOF_STRUCT,NO_AUTHOR_SIGN_OFF,GIT_COMMIT_ID,CAMELCASE,FILE_PATH_CHANGES,BAD_REPORTED_BY_LINK,UNKNOWN_COMMIT_ID \
		--showfile "$mail" > "$LOGS/$n-checkpatch.log" 2>&1 || true
	tot=$(grep -E '^total: ' "$LOGS/$n-checkpatch.log" | tail -1)
	if [ -z "$tot" ] || ! echo "$tot" | grep -q '^total: 0 errors'; then
		R[$n,checkpatch]=fail
	elif echo "$tot" | grep -q '0 warnings, 0 checks'; then
		R[$n,checkpatch]=pass
	else
		R[$n,checkpatch]=warn
	fi

	if git log -1 --format=%B "$c" | grep -q '^Signed-off-by: .* <.*@.*>'; then
		R[$n,signoff]=pass
	else
		R[$n,signoff]=fail
	fi

	# KUnit first: its build is the full build that proves the patch builds,
	# and its .config decides which objects the W=1 check compiles.
	if [ -n "$kunit" ]; then
		if KUNIT_OUT=$LOGS/$n-kunit "$TOP/kunit/run.sh" > /dev/null 2>&1; then
			R[$n,kunit]=pass
		else
			R[$n,kunit]=fail
		fi
	else
		R[$n,kunit]=skip
	fi

	mapfile -t files < <(changed "$c")
	mapfile -t objs < <(objects "${files[@]}")
	w1_prepare
	w1_warnings "${objs[@]}" > "$LOGS/$n-build.new"
	kdoc_warnings "${files[@]}" > "$LOGS/$n-kdoc.new"
	git checkout -q "$c^"
	mapfile -t old_files < <(for f in "${files[@]}"; do [ -f "$f" ] && echo "$f"; done)
	mapfile -t old_objs < <(for o in "${objs[@]}"; do [ -f "${o%.o}.c" ] && echo "$o"; done)
	w1_warnings "${old_objs[@]}" > "$LOGS/$n-build.old"
	kdoc_warnings "${old_files[@]}" > "$LOGS/$n-kdoc.old"
	# A parent that does not build has no baseline: take the base's, so the
	# patch that repairs a break is judged by what it leaves behind.
	mapfile -t broken < <(sed -n 's/^error: \(.*\) does not build$/\1/p' "$LOGS/$n-build.old")
	if [ ${#broken[@]} -gt 0 ]; then
		git checkout -q base
		mapfile -t broken < <(for o in "${broken[@]}"; do [ -f "${o%.o}.c" ] && echo "$o"; done)
		w1_warnings "${broken[@]}" >> "$LOGS/$n-build.old"
		sort -o "$LOGS/$n-build.old" "$LOGS/$n-build.old"
	fi
	git checkout -q "$c"
	for k in build kdoc; do
		comm -13 "$LOGS/$n-$k.old" "$LOGS/$n-$k.new" > "$LOGS/$n-$k.log"
		if [ -s "$LOGS/$n-$k.log" ]; then R[$n,$k]=fail; else R[$n,$k]=pass; fi
	done
done
git checkout -q "$SERIES_BRANCH"

# Series-level checks.
declare -A S
# Per submission: a cover letter, at most 15 patches, the tree of
# patches/SUBMISSIONS in every subject.
S[cover]=pass S[count]=pass S[tree]=pass
for i in "${!SUB_DIR[@]}"; do
	d=$TOP/patches/${SUB_DIR[i]}
	cover=$d/0000-cover-letter.patch
	if [ ! -f "$cover" ] || grep -q '\*\*\* SUBJECT HERE \*\*\*' "$cover"; then
		S[cover]=fail
	fi
	[ "${SUB_N[i]}" -le 15 ] || S[count]=fail
	for m in "$d"/*.patch; do
		grep -Eq "^Subject: \[PATCH ${SUB_TREE[i]}( |\])" "$m" || S[tree]=fail
	done
done

# Coccinelle: every semantic patch with a report mode, the tree's
# (scripts/coccinelle/*/*.cocci) and this project's (scripts/coccinelle/*.cocci
# of this repo), each run on its own by cocci-rule.sh over all changed .c files
# at once, two at a time. "cocci SIDE FILE..." writes $LOGS/cocci-SIDE.rules
# (one "ran RULE" or "not-run RULE: REASON" line per rule) and prints the
# reports of the rules that ran, each after its rule, line numbers dropped.
cocci() {
	local side=$1 dir=$LOGS/cocci-$1 r
	shift
	mkdir -p "$dir"
	: > "$dir.rules"
	[ $# -gt 0 ] || return 0
	{
		for r in scripts/coccinelle/*/*.cocci; do
			grep -q '^virtual report' "$r" && echo "$r"
		done
		ls "$TOP"/scripts/coccinelle/*.cocci 2>/dev/null || true
	} | xargs -P "$(nproc)" -I{} "$TOP/scripts/cocci-rule.sh" {} "$dir" "$@" |
		sort > "$dir.rules"
	sed -n 's/^ran //p' "$dir.rules" | while read -r r; do
		grep -E '^[^ ]+\.[ch]:[0-9]+' "$dir/$(printf '%s' "$r" | tr / _).out" |
			sed -E 's/:[0-9]+(:[0-9]+(-[0-9]+)?)?:/:/' | sed "s|^|$r: |"
	done | sort
}
# "ran N/M at SIDE" from cocci-SIDE.rules; N alone with --ran.
cocci_count() {
	local ran total
	ran=$(grep -c '^ran ' "$LOGS/cocci-$1.rules" || true)
	total=$(wc -l < "$LOGS/cocci-$1.rules")
	if [ "${2:-}" = --ran ]; then echo "$ran"; else echo "$ran/$total at $1"; fi
}
mapfile -t cfiles < <(git diff --name-only --diff-filter=d base "$tip" -- '*.c')
ntip=${#cfiles[@]}
cocci tip "${cfiles[@]}" > "$LOGS/cocci.new"
git checkout -q base
mapfile -t cfiles < <(for f in "${cfiles[@]}"; do [ -f "$f" ] && echo "$f"; done)
nbase=${#cfiles[@]}
cocci base "${cfiles[@]}" > "$LOGS/cocci.old"
git checkout -q "$SERIES_BRANCH"
comm -13 "$LOGS/cocci.old" "$LOGS/cocci.new" > "$LOGS/cocci.log"
# A rule that could not run is no pass: the counts are part of the result,
# and they must be the same at base and tip (the base's reports are the
# baseline), and not zero.
if [ "$ntip" -eq 0 ]; then
	S[coccinelle]=skip
	cocci_note="no changed .c file"
else
	if [ "$nbase" -eq 0 ]; then
		cocci_note="no changed .c file at base, rules ran $(cocci_count tip)"
	else
		cocci_note="rules ran $(cocci_count base), $(cocci_count tip)"
	fi
	if [ -s "$LOGS/cocci.log" ] || [ "$(cocci_count tip --ran)" -eq 0 ] ||
	   { [ "$nbase" -gt 0 ] &&
	     [ "$(cocci_count base --ran)" -ne "$(cocci_count tip --ran)" ]; }; then
		S[coccinelle]=fail
	else
		S[coccinelle]=pass
	fi
fi

# The table.
fail=0
printf '\n%-4s %-56s' patch subject
for k in "${checks[@]}"; do printf ' %-10s' "$k"; done
printf '\n'
for i in "${!commits[@]}"; do
	n=$((i + 1))
	printf '%-4s %-56.56s' "$n" "$(git log -1 --format=%s "${commits[$i]}")"
	for k in "${checks[@]}"; do
		printf ' %-10s' "${R[$n,$k]}"
		[ "${R[$n,$k]}" = fail ] && fail=1
	done
	printf '\n'
done
printf '%-4s %-56s' series "(${#commits[@]} patches in ${#SUB_DIR[@]} submissions)"
for k in cover count tree coccinelle; do
	printf ' %s=%s' "$k" "${S[$k]}"
	[ "${S[$k]}" = fail ] && fail=1
done
printf ' (%s)\n' "$cocci_note"
sed -n 's/^not-run /coccinelle: not run at tip: /p' "$LOGS/cocci-tip.rules"
printf '\nlogs: %s\n' "${LOGS#"$TOP"/}"
if [ $fail -ne 0 ]; then
	for f in "$LOGS"/*-checkpatch.log; do
		grep -q '^total: 0 errors' "$f" || { echo "== $f"; grep -E '(^|: )(ERROR|WARNING|CHECK):' "$f"; }
	done
	for f in "$LOGS"/*-build.log "$LOGS"/*-kdoc.log "$LOGS"/cocci.log; do
		[ -s "$f" ] && { echo "== $f"; head -20 "$f"; }
	done
	[ "${S[coccinelle]}" = fail ] && grep -H '^not-run ' "$LOGS"/cocci-*.rules || true
	echo "checkpatch-ci: FAIL"
	exit 1
fi
echo "checkpatch-ci: all checks passed"
