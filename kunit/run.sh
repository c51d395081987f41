#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the UML KUnit kernel of a tree and run its net/core suites on two
# vCPUs with panic_on_warn=1, through kunit.py.
#
# usage: kunit/run.sh [kunit.py run options...]
#
# Environment: KUNIT_TREE (default build/linux), KUNIT_BUILD_DIR (default
# build/kunit-um), KUNIT_OUT (default build/kunit: writes .json and .log).
# Slow cases (benchmarks) are left to kunit/bench.sh.
set -eu
. "$(dirname "$0")/../scripts/lib.sh"

tree=${KUNIT_TREE:-$LINUX}
bdir=${KUNIT_BUILD_DIR:-$BUILD/kunit-um}
out=${KUNIT_OUT:-$BUILD/kunit}
cfg=$tree/net/core/.kunitconfig
[ -f "$cfg" ] || cfg=$TOP/kunit/default.kunitconfig

mkdir -p "$(dirname "$out")" "$CCACHE_DIR"
# A failed build writes no JSON: never summarise a previous run.
rm -f "$out.json"
cd "$tree"
set +e
./tools/testing/kunit/kunit.py run \
	--build_dir="$bdir" \
	--kunitconfig="$cfg" --kunitconfig="$TOP/.kunitconfig" \
	--make_options CC="ccache gcc" --jobs "$(nproc)" \
	--kernel_args seccomp=on --kernel_args ncpus=2 \
	--kernel_args panic_on_warn=1 \
	--filter 'speed>slow' \
	--json="$out.json" "$@" 2>&1 | tee "$out.log"
rc=${PIPESTATUS[0]}
set -e

# One closing line CI can read, from kunit.py's own JSON.
python3 - "$out.json" <<'PY' || rc=1
import json, sys

def walk(t, c):
    for case in t.get("test_cases", []):
        c[case["status"]] = c.get(case["status"], 0) + 1
    for sub in t.get("sub_groups", []):
        walk(sub, c)

c = {}
walk(json.load(open(sys.argv[1])), c)
print("kunit: %d passed, %d failed, %d skipped" %
      (c.get("PASS", 0), c.get("FAIL", 0) + c.get("ERROR", 0), c.get("SKIP", 0)))
sys.exit(1 if c.get("FAIL", 0) + c.get("ERROR", 0) or not c.get("PASS") else 0)
PY
exit "$rc"
