#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the devmem_* suites on a UML debug kernel (KASAN, lockdep, list and
# work-object debugging, kmemleak) and fail on any splat.
#
# usage: kunit/run-debug.sh
#
# Environment: KUNIT_TREE (default build/linux), KUNIT_BUILD_DIR (default
# build/kunit-um-debug), KUNIT_FILTER_GLOB (default devmem_*: the suites or
# suite.case to run), KUNIT_OUT (default build/kunit-debug: writes .json,
# the kernel's console output to .log).
#
# The kernel is net/core/.kunitconfig + the repo's .kunitconfig +
# kunit/debug.kunitconfig, built by kunit.py, which fails if any option is
# dropped. It boots on two vCPUs (seccomp=on ncpus=2) with panic_on_warn=1
# and runs the suites matching devmem_* (slow cases excluded, as in
# kunit/run.sh). Then, instead of halting as kunit.py would make it, it
# mounts the host's root read-only (hostfs) and runs kunit/debug-init.sh,
# which has kmemleak scan and powers off. kunit.py parses the output.
#
# Fails on a failed case and on any splat in the log: WARNING:, BUG:,
# lockdep deadlock reports, KASAN and ODEBUG reports, kmemleak leaks, a
# panic; or when kmemleak did not start or scan. One splat is allowed: the
# "Callback enqueued on offline CPU!!" RCU warning of UML SMP bring-up,
# which the base prints too.
set -eu
. "$(dirname "$0")/../scripts/lib.sh"

tree=${KUNIT_TREE:-$LINUX}
bdir=${KUNIT_BUILD_DIR:-$BUILD/kunit-um-debug}
out=${KUNIT_OUT:-$BUILD/kunit-debug}
glob=${KUNIT_FILTER_GLOB:-devmem_*}
cfg=$tree/net/core/.kunitconfig
[ -f "$cfg" ] || cfg=$TOP/kunit/default.kunitconfig

mkdir -p "$(dirname "$out")" "$CCACHE_DIR"
rm -f "$out.json" "$out.log"
cd "$tree"
./tools/testing/kunit/kunit.py build \
	--build_dir="$bdir" \
	--kunitconfig="$cfg" --kunitconfig="$TOP/.kunitconfig" \
	--kunitconfig="$TOP/kunit/debug.kunitconfig" \
	--make_options CC="ccache gcc" --jobs "$(nproc)" ||
	die "the debug kernel does not build"

# The command line kunit.py would give (see kunit_kernel.py), without
# kunit_shutdown=halt, and with a root and an init for the kmemleak scan.
set +e
timeout 900 "$bdir/linux" seccomp=on ncpus=2 panic_on_warn=1 \
	"kunit.filter_glob=$glob" 'kunit.filter="speed>slow"' kunit.enable=1 \
	mem=1G console=tty \
	root=/dev/root rootfstype=hostfs ro init="$TOP/kunit/debug-init.sh" \
	< /dev/null > "$out.log" 2>&1
krc=$?
./tools/testing/kunit/kunit.py parse --json="$out.json" "$out.log"
set -e
rc=0
[ $krc -eq 0 ] || { log "the kernel exited with status $krc"; rc=1; }

# Splats, and proof that kmemleak ran and scanned.
python3 - "$out.log" <<'PY' || rc=1
import re, sys

lines = open(sys.argv[1], errors="replace").read().splitlines()
splat = re.compile(r"WARNING:|BUG:|[Pp]ossible .*deadlock|DEADLOCK|"
                   r"\bKASAN\b|ODEBUG:|UBSAN:|"
                   r"new suspected memory leak|unreferenced object 0x|"
                   r"Kernel panic|INFO: .*(stall|blocked)")
# The one known splat: lockdep_rcu_suspicious() at UML SMP bring-up.
known_head = "WARNING: suspicious RCU usage"
known_text = re.compile(r"kernel/rcu/tree\.c:\d+ Callback enqueued on offline CPU!!$")
known = 0
found = []
for i, line in enumerate(lines):
    if not splat.search(line):
        continue
    if (line.strip() == known_head and known == 0 and
            any(known_text.search(l) for l in lines[i + 1:i + 5])):
        known = 1
        continue
    found.append(i)
bad = 0
for i in found[:20]:
    print("kunit-debug: splat at log line %d: %s" % (i + 1, lines[i]))
if found:
    print("kunit-debug: %d splat lines; the first in context:" % len(found))
    for l in lines[max(found[0] - 3, 0):found[0] + 30]:
        print("    " + l)
    bad = 1
for need in ("kmemleak: Kernel memory leak detector initialized",
             "debug-init: kmemleak scan done"):
    if not any(l.startswith(need) for l in lines):
        print("kunit-debug: not in the log: %s" % need)
        bad = 1
sys.exit(bad)
PY

# One closing line CI can read, from kunit.py's JSON.
python3 - "$out.json" <<'PY' || rc=1
import json, sys

def walk(t, c):
    for case in t.get("test_cases", []):
        c[case["status"]] = c.get(case["status"], 0) + 1
    for sub in t.get("sub_groups", []):
        walk(sub, c)

c = {}
try:
    walk(json.load(open(sys.argv[1])), c)
except (OSError, ValueError):
    pass
print("kunit-debug: %d passed, %d failed, %d skipped" %
      (c.get("PASS", 0), c.get("FAIL", 0) + c.get("ERROR", 0), c.get("SKIP", 0)))
sys.exit(1 if c.get("FAIL", 0) + c.get("ERROR", 0) or not c.get("PASS") else 0)
PY
exit "$rc"
