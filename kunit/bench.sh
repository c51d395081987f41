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
# Then BENCH_ROUNDS rounds (default 5), each the parent then the tip: the
# first runs every benchmark case, the others the token cases. Prints
# "bench: accel=kvm|tcg", for each run "bench: tree=NAME commit=ID
# round=N" and the lines its cases print, then one line per token figure:
#   bench: token_release parent_ns=X tip_ns=Y ratio=R min=A max=B
#   bench: token_recv ...
#   bench: token_drain ... parent_allocs_per_1k_recvmsg=P tip_allocs_per_1k_recvmsg=T
#   bench: token_flows ...
# X and Y are the medians of the rounds' figures, R the median of the
# rounds' ratios X/Y, A and B their least and greatest. One run of TCG is
# noise. Fails if a round lacks a figure.
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

rounds=${BENCH_ROUNDS:-5}
case $rounds in ''|*[!0-9]*|0) die "BENCH_ROUNDS=$rounds: a count of rounds" ;; esac
rc=0
rm -f "$BUILD"/bench-*.round*.log "$BUILD"/bench.round*.log
for r in $(seq 1 "$rounds"); do
	# The percpu_ref cases once, the token cases every round.
	glob='devmem_bench.devmem_bench_token*'
	[ "$r" -eq 1 ] && glob='devmem*'
	for i in 0 1; do
		(cd "${trees[i]}" &&
		 ./tools/testing/kunit/kunit.py exec "${kunit[@]}" \
			--build_dir="${bdirs[i]}" --qemu_args='-smp 2' \
			--filter 'speed=slow' --timeout 1200 \
			--json="${outs[i]}.json" "$@" "$glob") >> "${outs[i]}.log" 2>&1 ||
			rc=1
		# kunit.py's summary: passed/failed, results file, elapsed time.
		grep . "${outs[i]}.log" | tail -n 3
		echo "bench: tree=${names[i]} commit=$(git -C "$src" rev-parse --short "${commits[i]}") round=$r"
		# "    # <case>: bench: <name> k=v...", printed by the case itself.
		sed -n 's/^.*# [A-Za-z0-9_]*: \(bench: [a-z_]* .*\)$/\1/p' \
			"${bdirs[i]}/test.log" 2>/dev/null |
			tee "${outs[i]}.round$r.log" || :
	done
done

# Per token line: the median over the rounds of each tree's figure and of
# the per-round ratio parent/tip, with the ratio's min and max.
python3 - "$rounds" "${outs[0]}" "${outs[1]}" <<'PY' || rc=1
import re, statistics, sys

rounds, outs = int(sys.argv[1]), sys.argv[2:]
lines = {
    "token_release": ("token", "release_ns"),
    "token_recv": ("token", "recv_ns"),
    "token_drain": ("token_drain", "ns"),
    "token_flows": ("token_flows", "ns"),
}
extra = {"token_drain": ["allocs_per_1k_recvmsg"]}

def figures(path):
    got = {}
    for line in open(path):
        m = re.match(r"bench: ([a-z_]+) (.*)$", line.strip())
        if m:
            got[m.group(1)] = dict(kv.split("=", 1) for kv in m.group(2).split())
    return got

runs = [[figures("%s.round%d.log" % (o, r)) for r in range(1, rounds + 1)]
        for o in outs]
bad = False
for name, (case, key) in lines.items():
    vals = [[int(run[case][key]) for run in tree if key in run.get(case, {})]
            for tree in runs]
    if len(vals[0]) != rounds or len(vals[1]) != rounds or 0 in vals[1]:
        print("bench: %s: %d of %d rounds with a figure for the parent, "
              "%d for the tip" % (name, len(vals[0]), rounds, len(vals[1])),
              file=sys.stderr)
        bad = True
        continue
    ratios = [p / t for p, t in zip(*vals)]
    out = "bench: %s parent_ns=%d tip_ns=%d ratio=%.2f min=%.2f max=%.2f" % (
        name, statistics.median(vals[0]), statistics.median(vals[1]),
        statistics.median(ratios), min(ratios), max(ratios))
    for k in extra.get(name, []):
        for tree, which in zip(runs, ("parent", "tip")):
            v = [int(run[case][k]) for run in tree]
            out += " %s_%s=%d" % (which, k, statistics.median(v))
    print(out)
sys.exit(1 if bad else 0)
PY
exit "$rc"
