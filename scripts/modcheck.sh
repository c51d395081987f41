#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Prove that the devmem KUnit tests build as modules: every symbol they use
# is exported (modpost resolves it), no section mismatch, the .ko files are
# there.
#
# usage: scripts/modcheck.sh
#
# Environment: KUNIT_TREE (default build/linux), KUNIT_BUILD_DIR (default
# build/kunit-um-mod). Build log: <build dir>/modcheck.log.
#
# The UML KUnit config of the tree (net/core/.kunitconfig + the repo's
# .kunitconfig, as kunit/run.sh builds it) with CONFIG_MODULES=y and
# CONFIG_NET_DEVMEM_KUNIT_TEST=m, configured by kunit.py (which fails when
# an option does not survive olddefconfig), then a full build: vmlinux,
# modules, modpost. Skipped, not failed, while the tree's
# NET_DEVMEM_KUNIT_TEST is missing or not a tristate.
set -eu
. "$(dirname "$0")/lib.sh"

tree=${KUNIT_TREE:-$LINUX}
bdir=${KUNIT_BUILD_DIR:-$BUILD/kunit-um-mod}
opt=NET_DEVMEM_KUNIT_TEST

# The type of the option: the first bool/tristate line after "config $opt".
type=$(cat "$tree"/net/Kconfig "$tree"/net/*/Kconfig 2>/dev/null | awk -v opt="$opt" '
	$1 == "config" || $1 == "menuconfig" { inside = ($2 == opt); next }
	inside && $1 ~ /^(bool|tristate|def_bool|def_tristate)$/ { print $1; exit }')
case $type in
'')			echo "modcheck: skipped: no $opt in the tree"; exit 0 ;;
tristate|def_tristate)	;;
*)			echo "modcheck: skipped: $opt is not tristate"; exit 0 ;;
esac

mkdir -p "$bdir" "$CCACHE_DIR"
cd "$tree"
./tools/testing/kunit/kunit.py config --build_dir="$bdir" \
	--kunitconfig=net/core/.kunitconfig --kunitconfig="$TOP/.kunitconfig" \
	--kconfig_add CONFIG_MODULES=y --kconfig_add "CONFIG_$opt=m" \
	--make_options CC="ccache gcc" > "$bdir/modcheck.log" 2>&1 || {
	tail -n 5 "$bdir/modcheck.log"
	die "FAIL: kunit.py config: $opt=m (or another option) does not survive olddefconfig"
}

rc=0
make ARCH=um O="$bdir" CC="ccache gcc" -j"$(nproc)" all >> "$bdir/modcheck.log" 2>&1 || rc=$?
# modpost: "ERROR: modpost: "sym" [mod.ko] undefined!", "section mismatch".
if grep -E 'undefined!|section mismatch' "$bdir/modcheck.log"; then
	die "FAIL: modpost reports the lines above (log: $bdir/modcheck.log)"
fi
if [ $rc -ne 0 ]; then
	grep -E 'error|ERROR' "$bdir/modcheck.log" | head -20
	die "FAIL: the build failed (log: $bdir/modcheck.log)"
fi

# Every module kbuild was asked for is there, and there is one at least.
mapfile -t mods < <(sed 's/\.o$/.ko/' "$bdir/modules.order")
[ ${#mods[@]} -gt 0 ] || die "FAIL: no module built with $opt=m"
for m in "${mods[@]}"; do
	[ -f "$bdir/$m" ] || die "FAIL: $m was not built"
done
echo "modcheck: $opt=m builds, modpost clean: ${mods[*]}"
