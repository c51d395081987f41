#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the debug kernel (kunit/run-debug.sh): scan for memory leaks after
# the KUnit suites, then power off.
#
# usage: init=/path/to/kunit/debug-init.sh on the UML command line
#
# The kernel runs it from the host's root file system (hostfs, read-only)
# once the built-in suites are done. kmemleak has no boot option that scans
# at a given time, and its scan thread first scans 60 s after boot wherever
# the suites are: the scans are asked for here, through debugfs, as
# Documentation/dev-tools/kmemleak.rst does. Two of them: kmemleak reports
# an unreferenced object only when its contents have the checksum they had
# at the previous scan (mm/kmemleak.c, update_checksum()), so a first scan
# reports nothing it had not seen before. And it only reports objects older
# than 5 s, hence the wait. Prints "debug-init: kmemleak scan done" after
# scans that ran; kmemleak prints its "new suspected memory leaks" line and
# the objects follow.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH

# /tmp of the host is only a mount point: the mount is UML's own.
if mount -t debugfs debugfs /tmp && sleep 6 &&
   echo scan > /tmp/kmemleak && echo scan > /tmp/kmemleak; then
	cat /tmp/kmemleak
	echo "debug-init: kmemleak scan done"
else
	echo "debug-init: kmemleak scan failed"
fi
# reboot(2) with RB_POWER_OFF: UML exits. PID 1 must not return.
exec python3 -c 'import ctypes; ctypes.CDLL(None).reboot(0x4321fedc)'
