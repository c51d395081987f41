// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Benchmarks for devmem TCP, as KUnit cases marked slow. Each prints one
 * "bench:" line; compare the figures within one run, as ratios. Per-cpu code
 * must be measured under QEMU x86_64 (kunit/bench.sh in the devmem workbench
 * or kunit.py --arch=x86_64 --qemu_args='-smp 2'), not UML, where every
 * per-cpu operation saves and restores interrupts.
 */

#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/refcount.h>
#include <linux/sizes.h>
#include <linux/timekeeping.h>
#include <net/net_namespace.h>

#include "devmem.h"
#include "devmem_test_utils.h"

#define DEVMEM_BENCH_REF_PAIRS	SZ_1M

struct devmem_bench_hammer {
	void (*get_put)(void *ref);
	void *ref;
	atomic_t running;
};

static void devmem_bench_binding_get_put(void *ref)
{
	struct net_devmem_dmabuf_binding *binding = ref;

	net_devmem_dmabuf_binding_get(binding);
	net_devmem_dmabuf_binding_put(binding);
}

/* What the binding used before percpu_ref: refcount_t with the same calls. */
static void devmem_bench_refcount_get_put(void *ref)
{
	refcount_t *r = ref;

	if (!refcount_inc_not_zero(r))
		return;
	/* Never the last reference: the benchmark holds one throughout. */
	WARN_ON_ONCE(refcount_dec_and_test(r));
}

static int devmem_bench_hammer_fn(void *data)
{
	struct devmem_bench_hammer *h = data;
	unsigned int i = 0;

	atomic_set(&h->running, 1);
	while (!kthread_should_stop()) {
		h->get_put(h->ref);
		if (!(++i % 1024))
			cond_resched();
	}
	return 0;
}

static u64 devmem_bench_pairs_ns(void (*get_put)(void *ref), void *ref)
{
	u64 start;
	int i;

	start = ktime_get_ns();
	for (i = 0; i < DEVMEM_BENCH_REF_PAIRS; i++)
		get_put(ref);
	return div_u64(ktime_get_ns() - start, DEVMEM_BENCH_REF_PAIRS);
}

/* ns per get/put pair on this CPU while another CPU hammers the same ref. */
static u64 devmem_bench_contended_ns(struct kunit *test,
				     void (*get_put)(void *ref), void *ref)
{
	struct devmem_bench_hammer h = { .get_put = get_put, .ref = ref };
	struct task_struct *task;
	unsigned int other;
	u64 ns;

	migrate_disable();
	other = cpumask_any_but(cpu_online_mask, smp_processor_id());
	task = kthread_create(devmem_bench_hammer_fn, &h, "devmem-hammer");
	if (IS_ERR(task)) {
		migrate_enable();
		KUNIT_FAIL(test, "kthread_create: %pe", task);
		return 0;
	}
	kthread_bind(task, other);
	wake_up_process(task);
	while (!atomic_read(&h.running))
		cpu_relax();
	ns = devmem_bench_pairs_ns(get_put, ref);
	kthread_stop(task);
	migrate_enable();
	return ns;
}

static void devmem_bench_binding_ref(struct kunit *test)
{
	const unsigned int rxq = 0;
	struct net_devmem_dmabuf_binding *binding;
	struct devmem_test_dmabuf *buf;
	struct netdev_nl_sock *priv;
	struct net_device *dev;
	u64 pc, pc_solo, rc, rc_solo;
	refcount_t ref;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");

	buf = devmem_test_dmabuf_create(test, SZ_1M, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	dev = devmem_test_netdev_create(test, &init_net);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	priv = devmem_test_nl_sock_create(test);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, priv);
	binding = devmem_test_bind_rx(test, dev, buf, &rxq, 1, priv, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, binding);

	refcount_set(&ref, 1);
	pc_solo = devmem_bench_pairs_ns(devmem_bench_binding_get_put, binding);
	pc = devmem_bench_contended_ns(test, devmem_bench_binding_get_put,
				       binding);
	rc_solo = devmem_bench_pairs_ns(devmem_bench_refcount_get_put, &ref);
	rc = devmem_bench_contended_ns(test, devmem_bench_refcount_get_put,
				       &ref);

	kunit_info(test,
		   "bench: binding_ref percpu_ns=%llu percpu_solo_ns=%llu refcount_ns=%llu refcount_solo_ns=%llu\n",
		   pc, pc_solo, rc, rc_solo);

	/* Every get had its put: after unbind the binding is freed. */
	KUNIT_EXPECT_EQ(test, refcount_read(&ref), 1);
	devmem_test_unbind(binding, priv);
	KUNIT_EXPECT_EQ(test, devmem_test_dmabuf_put_and_wait(test, buf), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->unmap), 1);
}

static struct kunit_case devmem_bench_cases[] = {
	KUNIT_CASE_SLOW(devmem_bench_binding_ref),
	{}
};

static struct kunit_suite devmem_bench_suite = {
	.name = "devmem_bench",
	.test_cases = devmem_bench_cases,
};

kunit_test_suite(devmem_bench_suite);
