// SPDX-License-Identifier: GPL-2.0-only
/// A list_del() guarded by a test of the entry's .next pointer: the test
/// does not tell whether the entry is on a list (list_del() leaves
/// LIST_POISON1 there, not NULL), and hides the entry from
/// CONFIG_DEBUG_LIST. Initialise the entry with INIT_LIST_HEAD() and use
/// list_empty() and list_del_init(). See net_devmem_unbind_dmabuf().
//
// Confidence: High
// Options: --no-includes --include-headers

virtual report

@r depends on report@
expression e;
identifier m;
position p;
@@
(
if (e->m.next@p)
	list_del(&e->m);
|
if (e.m.next@p)
	list_del(&e.m);
)

@script:python depends on report@
p << r.p;
@@
coccilib.report.print_report(p[0], "list_del() guarded by a .next test: use INIT_LIST_HEAD(), list_empty() and list_del_init()")
