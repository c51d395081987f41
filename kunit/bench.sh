#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the devmem benchmark cases on the parent of the token patch and on the
# tip, and print their "bench:" lines and the token figures side by side.
#
# usage: kunit/bench.sh [kunit.py exec options...]
#
# The token patch is found by its subject, "net: devmem: hand out RX tokens
# from a per-socket table", in base..HEAD of build/linux (KUNIT_TREE): the
# parent is its first parent, the tip is HEAD. BENCH_PARENT and BENCH_TIP
# name other commits. What is committed is benchmarked, not what
# build/linux's working copy holds.
#
# Each goes to its own worktree (kunit/bench-tree.sh) and build dir, so a
# rerun rebuilds only what changed:
#   parent: build/bench-parent, build/kunit-x86_64-parent, build/bench-parent.log
#   tip:    build/bench-tree,   build/kunit-x86_64,        build/bench.log
# Both are built first, then kunit/bench-accel.sh picks the accelerator once
# (with the tip's kernel) and both run on it, parent then tip, under QEMU
# x86_64 with two vCPUs: not UML, where every per-cpu operation pays a
# local_irq_save/restore pair. kunit/qemu-accel/ goes first in PATH: a
# qemu-system-x86_64 that drops every "-accel" but the chosen one, so QEMU
# runs on it or fails, never silently on another.
#
# Prints "bench: accel=kvm|tcg", then for each run "bench: tree=NAME
# commit=ID" and the lines its cases print, then
#   bench: token_release parent_ns=X tip_ns=Y ratio=X/Y
#   bench: token_recv parent_ns=X tip_ns=Y ratio=X/Y
# from the "bench: token" lines of the two runs; fails if either has none.
set -eu
. "$(dirname "$0")/../scripts/lib.sh"

usage() { echo "usage: $0 [kunit.py exec options...]" >&2; exit 2; }
case ${1:-} in -h|--help) usage ;; esac

token_subject='net: devmem: hand out RX tokens from a per-socket table'
src=${KUNIT_TREE:-$LINUX}

"$TOP/scripts/deps.sh" qemu-system-x86

commit() {
	git -C "$src" rev-parse --verify --quiet "$1^{commit}" ||
		die "$src: no commit $1${2:+ ($2)}"
}
tip=$(commit "${BENCH_TIP:-HEAD}" ${BENCH_TIP:+BENCH_TIP})
if [ -n "${BENCH_PARENT:-}" ]; then
	parent=$(commit "$BENCH_PARENT" BENCH_PARENT)
else
	token=$(git -C "$src" log --fixed-strings --grep="$token_subject" \
			--format='%H %s' "base..$tip" |
		awk -v s="$token_subject" '{ h = $1; sub(/^[^ ]+ /, "") } $0 == s { print h }')
	[ -n "$token" ] ||
		die "no commit \"$token_subject\" in base..${BENCH_TIP:-HEAD} of $src: set BENCH_PARENT"
	[ "$(echo "$token" | wc -l)" -eq 1 ] ||
		die "more than one commit \"$token_subject\" in base..${BENCH_TIP:-HEAD}: set BENCH_PARENT"
	parent=$(commit "$token^1")
fi

names=(parent tip)
commits=("$parent" "$tip")
wts=("$BUILD/bench-parent" "$BUILD/bench-tree")
bdirs=("$BUILD/kunit-x86_64-parent" "$BUILD/kunit-x86_64")
outs=("$BUILD/bench-parent" "$BUILD/bench")
kunit=(--arch=x86_64 --kunitconfig=net/core/.kunitconfig
       --kunitconfig="$TOP/kunit/bench.kunitconfig")

mkdir -p "$CCACHE_DIR"
trees=()
for i in 0 1; do
	trees[i]=$(BENCH_TREE=${wts[i]} "$TOP/kunit/bench-tree.sh" "$src" "${commits[i]}")
	# A failed build or run leaves the last run's log: never print its
	# figures.
	rm -f "${bdirs[i]}/test.log"
	: > "${outs[i]}.log"
	log "building the ${names[i]} in ${bdirs[i]} (log: ${outs[i]}.log)"
	(cd "${trees[i]}" &&
	 ./tools/testing/kunit/kunit.py build "${kunit[@]}" \
		--build_dir="${bdirs[i]}" --make_options CC="ccache gcc" \
		--jobs "$(nproc)") >> "${outs[i]}.log" 2>&1 ||
		{ tail -n 20 "${outs[i]}.log"; die "the ${names[i]} x86_64 kernel does not build"; }
done

accel=$("$TOP/kunit/bench-accel.sh" "${bdirs[1]}/arch/x86/boot/bzImage" \
	"$BUILD/bench.kvm-probe.log")
BENCH_QEMU=$(command -v qemu-system-x86_64)
export BENCH_QEMU BENCH_ACCEL=$accel PATH=$TOP/kunit/qemu-accel:$PATH
echo "bench: accel=$accel"

rc=0
missing=
release=()
recv=()
for i in 0 1; do
	(cd "${trees[i]}" &&
	 ./tools/testing/kunit/kunit.py exec "${kunit[@]}" \
		--build_dir="${bdirs[i]}" --qemu_args='-smp 2' \
		--filter 'speed=slow' --timeout 1200 \
		--json="${outs[i]}.json" "$@" 'devmem*') >> "${outs[i]}.log" 2>&1 ||
		rc=1
	# kunit.py's summary: passed/failed, results file, elapsed time.
	grep . "${outs[i]}.log" | tail -n 3
	echo "bench: tree=${names[i]} commit=$(git -C "$src" rev-parse --short "${commits[i]}")"
	# "    # <case>: bench: <name> k=v...", printed by the case itself.
	lines=$(sed -n 's/^.*# [A-Za-z0-9_]*: \(bench: [a-z_]* .*\)$/\1/p' \
		"${bdirs[i]}/test.log" 2>/dev/null) || :
	[ -n "$lines" ] && echo "$lines"
	token=$(echo "$lines" |
		sed -n 's/^bench: token release_ns=\([0-9]\+\) recv_ns=\([0-9]\+\)$/\1 \2/p')
	if [ "$(echo "$token" | wc -w)" -ne 2 ]; then
		missing="${missing:+$missing and }the ${names[i]} (${outs[i]}.log, ${bdirs[i]}/test.log)"
		rc=1
		continue
	fi
	release[i]=${token% *}
	recv[i]=${token#* }
done
[ -z "$missing" ] ||
	die "no \"bench: token release_ns= recv_ns=\" line from $missing"

# parent_ns, tip_ns and their ratio, with two decimals.
compare() {
	[ "$3" -gt 0 ] || die "bench: $1: the tip's figure is $3 ns"
	echo "bench: $1 parent_ns=$2 tip_ns=$3 ratio=$(awk -v p="$2" -v t="$3" 'BEGIN { printf "%.2f", p / t }')"
}
compare token_release "${release[0]}" "${release[1]}"
compare token_recv "${recv[0]}" "${recv[1]}"
exit "$rc"
