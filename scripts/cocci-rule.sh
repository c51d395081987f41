#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run one Coccinelle semantic patch in report mode on some files, as
# coccicheck would, and say whether it ran.
#
# usage: scripts/cocci-rule.sh RULE OUTDIR FILE...
#
# Run from the top of a kernel tree. The options of the rule's "// Options:"
# line are passed to spatch. Writes OUTDIR/<rule>.out (spatch's reports) and
# OUTDIR/<rule>.err, and prints one line:
#   ran RULE
#   not-run RULE: REASON
# A rule has not run when it has no report mode, when spatch fails (a rule
# with an OCaml script needs an OCaml compiler, for instance) or when it
# takes longer than COCCI_TIMEOUT seconds (default 600). This script itself
# only fails on bad usage.
set -eu

[ $# -ge 3 ] || { echo "usage: $0 RULE OUTDIR FILE..." >&2; exit 2; }
rule=$1
dir=$2
shift 2
limit=${COCCI_TIMEOUT:-600}
out=$dir/$(printf '%s' "$rule" | tr / _)

if ! grep -q '^virtual report' "$rule"; then
	echo "not-run $rule: no report mode"
	exit 0
fi
opts=$(sed -n 's|^// Options:||p' "$rule")
rc=0
# shellcheck disable=SC2086
timeout "$limit" spatch -D report --no-show-diff --very-quiet $opts \
	-I include -I include/uapi --cocci-file "$rule" "$@" \
	> "$out.out" 2> "$out.err" || rc=$?
case $rc in
0)	echo "ran $rule" ;;
124)	echo "not-run $rule: timeout after $limit s" ;;
*)	echo "not-run $rule: spatch exit $rc: $(grep -m1 . "$out.err" || true)" ;;
esac
