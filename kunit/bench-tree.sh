#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Make the tree the benchmarks run in: a git worktree of a kernel tree at a
# commit, with the benchmark cases of kunit/bench/ built into it.
#
# usage: kunit/bench-tree.sh [TREE [COMMIT]]
#
# TREE defaults to build/linux, COMMIT to TREE's HEAD: what is committed is
# benchmarked, not what TREE's working copy holds. The worktree is
# build/bench-tree (BENCH_TREE overrides it, e.g. for a second commit to
# compare with); an existing one is reset to COMMIT. kunit/bench/*.c go to
# its net/core/, and a line of its net/core/Makefile adds them to the
# devmem_kunit object, next to the KUnit harness. Prints the worktree's
# path.
set -eu
. "$(dirname "$0")/../scripts/lib.sh"

usage() { echo "usage: $0 [TREE [COMMIT]]" >&2; exit 2; }
case ${1:-} in -h|--help) usage ;; esac
[ $# -le 2 ] || usage
tree=${1:-$LINUX}
wt=${BENCH_TREE:-$BUILD/bench-tree}

rev=$(git -C "$tree" rev-parse --verify --quiet "${2:-HEAD}^{commit}") ||
	die "$tree: no commit ${2:-HEAD}"
gitdir() {
	git -C "$1" rev-parse --path-format=absolute --git-common-dir 2>/dev/null
}
common=$(gitdir "$tree")

srcs=("$TOP"/kunit/bench/*.c)
[ -e "${srcs[0]}" ] || die "no kunit/bench/*.c"
keep=()
for f in "${srcs[@]}"; do
	keep+=(-e "/net/core/${f##*/}")
done

if [ -n "$(ls -A "$wt" 2>/dev/null)" ]; then
	top=$(git -C "$wt" rev-parse --show-toplevel 2>/dev/null || :)
	if [ "$top" != "$(cd "$wt" && pwd -P)" ] ||
	   [ "$(gitdir "$wt")" != "$common" ]; then
		die "$wt is not a worktree of $tree: remove it"
	fi
	git -C "$wt" checkout -q --detach --force "$rev"
	# What an earlier run left, but its copies of kunit/bench/*.c: an
	# unchanged one is not rebuilt. Builds go to separate dirs.
	git -C "$wt" clean -q -fdx "${keep[@]}"
else
	mkdir -p "$(dirname "$wt")"
	git -C "$tree" worktree prune
	git -C "$tree" worktree add -q --detach --force "$wt" "$rev"
fi

objs=
for f in "${srcs[@]}"; do
	b=${f##*/}
	cmp -s "$f" "$wt/net/core/$b" || cp "$f" "$wt/net/core/$b"
	objs="$objs ${b%.c}.o"
done
grep -q '^devmem_kunit-y' "$wt/net/core/Makefile" ||
	die "$wt/net/core/Makefile builds no devmem_kunit object"
echo "devmem_kunit-y +=$objs" >> "$wt/net/core/Makefile"

log "$wt: $(git -C "$wt" log -1 --format='%h %s') + kunit/bench:$objs"
echo "$wt"
