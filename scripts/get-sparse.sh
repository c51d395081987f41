#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Provide a sparse that can check 7.3 for C=1 builds; print the wrapper path.
#
# usage: scripts/get-sparse.sh
#
# bookworm's sparse 0.6.4 cannot parse 7.3 (__typeof_unqual__). sid's sparse
# needs sid's libc, so both are unpacked into the cache (never installed) and
# sparse is started through sid's own ld.so.
set -eu
. "$(dirname "$0")/lib.sh"

root=$CACHE/sparse-sid
wrapper=$root/sparse

# What 7.3 needs of sparse, checked directly rather than by version string.
usable() {
	[ -x "$wrapper" ] || return 1
	printf 'static int a;\nstatic __typeof_unqual__(a) b;\n' > "$root/probe.c"
	"$wrapper" "$root/probe.c" > "$root/probe.out" 2>&1 &&
		! grep -q error "$root/probe.out"
}

if ! usable; then
	private_apt_update
	rm -rf "$root"
	mkdir -p "$root/debs"
	(cd "$root/debs" && apt-get "${APT_OPTS[@]}" -qq download sparse/sid libc6/sid)
	for deb in "$root"/debs/*.deb; do
		dpkg-deb -x "$deb" "$root"
	done
	lib=$root/usr/lib/x86_64-linux-gnu
	printf '#!/bin/sh\nexec %s --library-path %s %s "$@"\n' \
		"$lib/ld-linux-x86-64.so.2" "$lib" "$root/usr/bin/sparse" > "$wrapper"
	chmod +x "$wrapper"
	usable || die "sid's sparse cannot check 7.3: $(cat "$root/probe.out")"
	log "sparse $("$wrapper" --version) at $wrapper"
fi
echo "$wrapper"
