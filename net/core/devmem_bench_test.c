// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Benchmarks for devmem TCP, as KUnit cases marked slow. Each prints one
 * "bench:" line; compare the figures within one run, as ratios. Per-cpu code
 * must be measured under QEMU x86_64 (kunit.py --arch=x86_64
 * --qemu_args='-smp 2'), not UML, where every per-cpu operation saves and
 * restores interrupts.
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

struct devmem_bench {
	struct devmem_test_dmabuf *buf;
	struct netdev_nl_sock *priv;
	struct net_devmem_dmabuf_binding *binding;
	refcount_t ref;
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
	refcount_dec(r);
}

/* What the other CPU runs for the control: a counter of its own. */
static void devmem_bench_private_inc(void *ref)
{
	unsigned long *counter = ref;

	WRITE_ONCE(*counter, READ_ONCE(*counter) + 1);
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

/* ns per get/put pair of @ref on this CPU while another CPU runs @other
 * on @other_ref in a loop.
 */
static u64 devmem_bench_busy_ns(struct kunit *test,
				void (*get_put)(void *ref), void *ref,
				void (*other)(void *ref), void *other_ref)
{
	struct devmem_bench_hammer h = { .get_put = other, .ref = other_ref };
	unsigned long timeout = jiffies + HZ;
	struct task_struct *task;
	unsigned int cpu;
	u64 ns = 0;

	migrate_disable();
	cpu = cpumask_any_but(cpu_online_mask, smp_processor_id());
	task = kthread_create(devmem_bench_hammer_fn, &h, "devmem-hammer");
	if (IS_ERR(task)) {
		migrate_enable();
		KUNIT_FAIL(test, "kthread_create: %pe", task);
		return 0;
	}
	kthread_bind(task, cpu);
	wake_up_process(task);
	while (!atomic_read(&h.running) && time_before(jiffies, timeout))
		cpu_relax();
	if (atomic_read(&h.running))
		ns = devmem_bench_pairs_ns(get_put, ref);
	else
		KUNIT_FAIL(test, "the other CPU did not run the hammer");
	kthread_stop(task);
	migrate_enable();
	return ns;
}

static int devmem_bench_init(struct kunit *test)
{
	const unsigned int rxq = 0;
	struct devmem_bench *b;
	struct net_device *dev;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");

	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	test->priv = b;

	b->buf = devmem_test_dmabuf_create(test, SZ_1M, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b->buf);
	dev = devmem_test_netdev_create(test, &init_net);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	b->priv = devmem_test_nl_sock_create(test);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b->priv);
	b->binding = devmem_test_bind_rx(test, dev, b->buf, &rxq, 1, b->priv,
					 NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b->binding);
	refcount_set(&b->ref, 1);

	return 0;
}

/* Every get had its put: after unbind the binding is freed. */
static void devmem_bench_expect_balanced(struct kunit *test)
{
	struct devmem_bench *b = test->priv;

	KUNIT_EXPECT_EQ(test, refcount_read(&b->ref), 1);
	devmem_test_unbind(b->binding, b->priv);
	KUNIT_EXPECT_EQ(test, devmem_test_dmabuf_put_and_wait(test, b->buf), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->buf->unmap), 1);
}

static void devmem_bench_binding_ref(struct kunit *test)
{
	struct devmem_bench *b = test->priv;
	u64 pc, pc_solo, rc, rc_solo;

	pc_solo = devmem_bench_pairs_ns(devmem_bench_binding_get_put,
					b->binding);
	pc = devmem_bench_busy_ns(test, devmem_bench_binding_get_put,
				  b->binding, devmem_bench_binding_get_put,
				  b->binding);
	rc_solo = devmem_bench_pairs_ns(devmem_bench_refcount_get_put,
					&b->ref);
	rc = devmem_bench_busy_ns(test, devmem_bench_refcount_get_put,
				  &b->ref, devmem_bench_refcount_get_put,
				  &b->ref);

	kunit_info(test,
		   "bench: binding_ref percpu_ns=%llu percpu_solo_ns=%llu refcount_ns=%llu refcount_solo_ns=%llu\n",
		   pc, pc_solo, rc, rc_solo);

	devmem_bench_expect_balanced(test);
}

/*
 * The control for devmem_bench_binding_ref: the same get/put pairs while
 * the other CPU is busy with a counter of its own, sharing nothing. On
 * hardware this costs next to nothing. Under an emulator a second busy
 * vCPU can slow this one down by itself; contended/busy then is the part
 * of the contention penalty that sharing the reference costs.
 */
static void devmem_bench_cpu_busy(struct kunit *test)
{
	struct devmem_bench *b = test->priv;
	unsigned long *counter;
	u64 pc, rc;

	counter = kunit_kzalloc(test, L1_CACHE_BYTES, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, counter);

	pc = devmem_bench_busy_ns(test, devmem_bench_binding_get_put,
				  b->binding, devmem_bench_private_inc,
				  counter);
	rc = devmem_bench_busy_ns(test, devmem_bench_refcount_get_put,
				  &b->ref, devmem_bench_private_inc, counter);
	KUNIT_EXPECT_GT(test, READ_ONCE(*counter), 0);

	kunit_info(test, "bench: cpu_busy percpu_ns=%llu refcount_ns=%llu\n",
		   pc, rc);

	devmem_bench_expect_balanced(test);
}

static struct kunit_case devmem_bench_cases[] = {
	KUNIT_CASE_SLOW(devmem_bench_binding_ref),
	KUNIT_CASE_SLOW(devmem_bench_cpu_busy),
	{}
};

static struct kunit_suite devmem_bench_suite = {
	.name = "devmem_bench",
	.init = devmem_bench_init,
	.test_cases = devmem_bench_cases,
};

kunit_test_suite(devmem_bench_suite);
