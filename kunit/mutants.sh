#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Put each bug of kunit/mutants/ into the series and check that the case
# written for it catches it.
#
# usage: kunit/mutants.sh [--check] [MUTANT...]
#   --check   only check that every mutant still applies where it says
#
# A mutant is a diff with a header, one "Key: value" per line, before it:
#   Case:    the KUnit case that must fail, as suite.case
#   Expect:  an extended regex its failure must match in the kernel log
#   At:      where it applies: empty for the tip of build/linux, or a
#            commit subject of the series, with a trailing ^ for its parent
#   Kernel:  um (kunit/run.sh, default) or debug (kunit/run-debug.sh)
# then a free text line or more, and the diff (git apply ignores all that
# comes before it).
#
# Each mutant is applied to a worktree of build/linux at its commit
# (build/mutant-tree), the case's suite is built and run with only that
# case, and the mutant counts as caught when the case did not pass and the
# log matches Expect. Ends with "mutants: N caught, N survived".
# Logs: build/mutants/NAME.log.
set -eu
. "$(dirname "$0")/../scripts/lib.sh"

check=
[ "${1:-}" = --check ] && { check=1; shift; }
dir=$TOP/kunit/mutants
if [ $# -gt 0 ]; then
	mutants=()
	for m in "$@"; do mutants+=("$(realpath "$m")"); done
else
	mapfile -t mutants < <(ls "$dir"/*.patch)
fi
[ ${#mutants[@]} -gt 0 ] || die "no mutants in $dir"

tip=$(git -C "$LINUX" rev-parse "$SERIES_BRANCH")

field() { sed -n "s/^$1: *//p;/^diff --git /q" "$2" | head -1; }

# The commit a mutant applies to.
at_commit() {
	local at=$1 parent= c
	[ -n "$at" ] || { echo "$tip"; return; }
	case $at in *^) parent=^; at=${at%^} ;; esac
	c=$(git -C "$LINUX" log --format='%H %s' base.."$tip" |
	    awk -v s="$at" '{ h = $1; $1 = ""; sub(/^ /, "") } $0 == s { print h; exit }')
	[ -n "$c" ] || return 1
	git -C "$LINUX" rev-parse "$c$parent"
}

if [ -n "$check" ]; then
	idx=$(mktemp)
	trap 'rm -f "$idx"' EXIT
	bad=0
	for m in "${mutants[@]}"; do
		name=$(basename "$m" .patch)
		if ! c=$(at_commit "$(field At "$m")"); then
			log "$name: no commit '$(field At "$m")' in the series"
			bad=$((bad + 1))
			continue
		fi
		for k in Case Expect; do
			[ -n "$(field $k "$m")" ] || { log "$name: no $k:"; bad=$((bad + 1)); }
		done
		GIT_INDEX_FILE=$idx git -C "$LINUX" read-tree "$c"
		if ! GIT_INDEX_FILE=$idx git -C "$LINUX" apply --cached --check "$m" 2>/dev/null; then
			log "$name: does not apply at $(git -C "$LINUX" log -1 --format='%h %s' "$c")"
			bad=$((bad + 1))
		fi
	done
	[ $bad -eq 0 ] || die "$bad mutant problem(s)"
	echo "mutants: ${#mutants[@]} apply"
	exit 0
fi

wt=$BUILD/mutant-tree
logs=$BUILD/mutants
mkdir -p "$logs"
if [ ! -d "$wt/.git" ] && [ ! -f "$wt/.git" ]; then
	git -C "$LINUX" worktree add -q --detach "$wt" "$tip"
fi

caught=0 survived=0
for m in "${mutants[@]}"; do
	name=$(basename "$m" .patch)
	case_=$(field Case "$m")
	expect=$(field Expect "$m")
	kernel=$(field Kernel "$m")
	c=$(at_commit "$(field At "$m")") || die "$name: no such commit"
	git -C "$wt" checkout -q -f --detach "$c"
	git -C "$wt" apply "$m" || die "$name: does not apply"
	out=$logs/$name
	set +e
	if [ "${kernel:-um}" = debug ]; then
		KUNIT_TREE=$wt KUNIT_BUILD_DIR=$BUILD/kunit-um-debug-mutant \
		KUNIT_OUT=$out KUNIT_FILTER_GLOB=$case_ \
			"$TOP/kunit/run-debug.sh" > "$out.run" 2>&1
	else
		KUNIT_TREE=$wt KUNIT_BUILD_DIR=$BUILD/kunit-um-mutant \
		KUNIT_OUT=$out "$TOP/kunit/run.sh" "$case_" \
			> "$out.run" 2>&1
	fi
	set -e
	git -C "$wt" checkout -q -f --detach "$c"
	# The case's status in kunit.py's JSON; none when the kernel died.
	status=$(python3 - "$out.json" "${case_#*.}" <<-'PY' 2>/dev/null || echo NONE
	import json, sys

	def walk(t):
	    for c in t.get("test_cases", []):
	        if c["name"] == sys.argv[2]:
	            return c["status"]
	    for s in t.get("sub_groups", []):
	        r = walk(s)
	        if r:
	            return r
	    return None

	print(walk(json.load(open(sys.argv[1]))) or "NONE")
	PY
	)
	if grep -q 'does not build\|Build failed\|error: ' "$out.run" && [ "$status" = NONE ]; then
		log "$name: the mutant does not build ($out.run)"
		verdict=survived
	elif [ "$status" = PASS ] || [ "$status" = SKIP ]; then
		verdict=survived
	elif grep -Eq -- "$expect" "$out.log" "$out.run" 2>/dev/null; then
		verdict=caught
	else
		log "$name: $case_ $status, but not for the named reason /$expect/"
		verdict=survived
	fi
	if [ $verdict = caught ]; then
		caught=$((caught + 1))
	else
		survived=$((survived + 1))
	fi
	echo "mutant $name: $case_ $status: $verdict"
done

echo "mutants: $caught caught, $survived survived"
[ $survived -eq 0 ]
