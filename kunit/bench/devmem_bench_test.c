// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Benchmarks for devmem TCP, as KUnit cases marked slow. Not upstream
 * material: kunit/bench-tree.sh builds this file into the devmem_kunit
 * object of the tree it benchmarks, next to the KUnit harness, so it may
 * reach devmem internals. Each case prints one "bench:" line; compare the
 * figures within one run, as ratios. Per-cpu code must be measured under
 * QEMU x86_64 (kunit.py --arch=x86_64 --qemu_args='-smp 2'), not UML,
 * where every per-cpu operation saves and restores interrupts.
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kallsyms.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/netdevice.h>
#include <linux/refcount.h>
#include <linux/sizes.h>
#include <linux/sort.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/wait.h>
#include <net/net_namespace.h>
#include <net/netdev_rx_queue.h>
#include <net/tcp.h>

#include "devmem.h"
#include "devmem_test.h"

#define DEVMEM_BENCH_REF_PAIRS		SZ_1M
#define DEVMEM_BENCH_REF_BUF_SIZE	SZ_1M
#define DEVMEM_BENCH_REF_RXQ		1

#define DEVMEM_BENCH_TOKEN_BUF_SIZE	SZ_8M
#define DEVMEM_BENCH_TOKEN_RXQ		1
/* Bytes received in all, and per batch: a batch is well within the
 * receive window, so all of it is queued at the receiver before any of it
 * is read.
 */
#define DEVMEM_BENCH_TOKEN_LEN		SZ_8M
#define DEVMEM_BENCH_BATCH		SZ_16K
#define DEVMEM_BENCH_TOKEN_MAX_FRAGS	256
/* Tokens held between releases: fewer than one release call's worth, and
 * what one batch adds.
 */
#define DEVMEM_BENCH_TOKEN_MAX		(DEVMEM_TEST_DONTNEED_MAX + 1024)

KUNIT_DEFINE_ACTION_WRAPPER(devmem_bench_binding_put,
			    net_devmem_dmabuf_binding_put,
			    struct net_devmem_dmabuf_binding *);

struct devmem_bench_hammer {
	void (*get_put)(void *ref);
	void *ref;
	atomic_t running;
};

struct devmem_bench_ref {
	struct devmem_test_dmabuf *buf;
	struct devmem_test_nl *nl;
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

/* A binding of one RX queue of a fake NIC, made over netdev netlink as
 * ncdevmem makes it, and a reference to it for the benchmark.
 */
static struct devmem_bench_ref *devmem_bench_ref_setup(struct kunit *test)
{
	static const unsigned int rxqs[] = { DEVMEM_BENCH_REF_RXQ };
	struct devmem_bench_ref *b;
	struct net_device *dev;
	u32 id = 0;
	int err;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");

	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);

	dev = devmem_test_nic_create(test, &init_net);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	b->nl = devmem_test_nl_open(test, &init_net);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b->nl);
	b->buf = devmem_test_dmabuf_create(test, DEVMEM_BENCH_REF_BUF_SIZE,
					   NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b->buf);
	err = devmem_test_nl_bind_rx(b->nl, dev, b->buf, rxqs,
				     ARRAY_SIZE(rxqs), &id);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "extack: %s", b->nl->extack);

	/* Takes a reference, dropped by devmem_bench_expect_balanced(). */
	b->binding = net_devmem_lookup_dmabuf(id);
	KUNIT_ASSERT_NOT_NULL(test, b->binding);
	err = kunit_add_action_or_reset(test, devmem_bench_binding_put,
					b->binding);
	KUNIT_ASSERT_EQ(test, err, 0);

	refcount_set(&b->ref, 1);
	return b;
}

/* Every get had its put: after unbind the binding is freed. */
static void devmem_bench_expect_balanced(struct kunit *test,
					 struct devmem_bench_ref *b)
{
	KUNIT_EXPECT_EQ(test, refcount_read(&b->ref), 1);
	kunit_release_action(test, devmem_bench_binding_put, b->binding);
	devmem_test_nl_close(test, b->nl);
	KUNIT_EXPECT_EQ(test, devmem_test_dmabuf_put_and_wait(test, b->buf), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->buf->unmap), 1);
}

static void devmem_bench_binding_ref(struct kunit *test)
{
	struct devmem_bench_ref *b = devmem_bench_ref_setup(test);
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

	devmem_bench_expect_balanced(test, b);
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
	struct devmem_bench_ref *b = devmem_bench_ref_setup(test);
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

	devmem_bench_expect_balanced(test, b);
}

/* The RX NAPI instances of @dev, disabled: frames sent to @dev wait on its
 * wire, and nothing runs for them, until devmem_bench_unpark().
 */
static void devmem_bench_park(struct net_device *dev)
{
	struct napi_struct *napi;
	unsigned int i;

	netdev_lock(dev);
	for (i = 0; i < dev->real_num_rx_queues; i++) {
		napi = __netif_get_rx_queue(dev, i)->napi;
		if (napi)
			napi_disable_locked(napi);
	}
	netdev_unlock(dev);
}

/* Enable them again and poll them, for what came in meanwhile. */
static void devmem_bench_unpark(void *ctx)
{
	struct net_device *dev = ctx;
	struct napi_struct *napi;
	unsigned int i;

	netdev_lock(dev);
	for (i = 0; i < dev->real_num_rx_queues; i++) {
		napi = __netif_get_rx_queue(dev, i)->napi;
		if (!napi)
			continue;
		napi_enable_locked(napi);
		local_bh_disable();
		napi_schedule(napi);
		local_bh_enable();
	}
	netdev_unlock(dev);
}

/* Send @len bytes and wait until all of them are queued at the receiver
 * and the sender has every byte acknowledged: then it has nothing left to
 * send, nor a retransmission or loss probe timer armed.
 */
static void devmem_bench_queue(struct kunit *test,
			       struct devmem_test_conn *conn,
			       const void *data, size_t len)
{
	struct tcp_sock *tp = tcp_sk(conn->tx->sk);
	unsigned long timeout;

	KUNIT_ASSERT_EQ(test, devmem_test_send_start(test, conn, data, len), 0);
	KUNIT_ASSERT_EQ(test, devmem_test_send_wait(test, conn), (ssize_t)len);

	timeout = jiffies + DEVMEM_TEST_TIMEOUT;
	while (devmem_test_sock_inq(conn->rx) != (int)len ||
	       READ_ONCE(tp->snd_una) != READ_ONCE(tp->write_seq)) {
		KUNIT_ASSERT_TRUE_MSG(test, time_before(jiffies, timeout),
				      "inq %d of %zu, unacked %u",
				      devmem_test_sock_inq(conn->rx), len,
				      READ_ONCE(tp->write_seq) -
				      READ_ONCE(tp->snd_una));
		usleep_range(20, 50);
	}
}

/* A bound queue on a fake NIC pair, and a TCP connection steered to it. */
struct devmem_bench_rx {
	struct devmem_test_pair *pair;
	struct devmem_test_dmabuf *buf;
	struct devmem_test_nl *nl;
	struct devmem_test_conn *conn;
};

static void devmem_bench_rx_setup(struct kunit *test, struct devmem_bench_rx *b)
{
	static const unsigned int rxqs[] = { DEVMEM_BENCH_TOKEN_RXQ };
	struct net_device *dev;
	int ret;
	u32 id;

	if (!IS_ENABLED(CONFIG_INET) || !IS_ENABLED(CONFIG_NET_NS))
		kunit_skip(test, "needs CONFIG_INET and CONFIG_NET_NS");

	b->pair = devmem_test_pair_create(test);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b->pair);
	dev = b->pair->dev[1];

	b->buf = devmem_test_dmabuf_create(test, DEVMEM_BENCH_TOKEN_BUF_SIZE,
					   NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b->buf);
	b->nl = devmem_test_nl_open(test, b->pair->net[1]);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b->nl);
	ret = devmem_test_nl_bind_rx(b->nl, dev, b->buf, rxqs,
				     ARRAY_SIZE(rxqs), &id);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "extack: %s", b->nl->extack);
	devmem_test_nic_steer(dev, DEVMEM_BENCH_TOKEN_RXQ);

	b->conn = devmem_test_tcp_connect(test, b->pair, AF_INET, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b->conn);
}

/* One timed recvmsg(MSG_SOCK_DEVMEM) of what is queued, up to @len. */
static int devmem_bench_recv(struct kunit *test, struct socket *sock,
			     struct devmem_test_rx *rx, size_t len, u64 *ns)
{
	u64 start = ktime_get_ns();
	int ret;

	ret = devmem_test_recvmsg(test, sock, rx, len,
				  MSG_SOCK_DEVMEM | MSG_DONTWAIT);
	*ns += ktime_get_ns() - start;
	KUNIT_ASSERT_GT(test, ret, 0);
	KUNIT_ASSERT_FALSE(test, rx->msg_flags & MSG_CTRUNC);
	return ret;
}

/*
 * The receiver's token work: recvmsg(MSG_SOCK_DEVMEM), per dma-buf frag,
 * and SO_DEVMEM_DONTNEED of DEVMEM_TEST_DONTNEED_MAX tokens, one token per
 * entry as ncdevmem gives them back, per token.
 *
 * Timed: the recvmsg() calls, each with the cmsg decoding of the harness,
 * and the SO_DEVMEM_DONTNEED calls, each on its own. That includes what
 * the receiver itself does in them: the ACKs and window updates recvmsg()
 * sends, up to the fake NIC's transmit, and the net_iovs going back to
 * the page pool.
 *
 * Not timed: the sender and the peer. Each batch is sent, queued at the
 * receiver and acknowledged before any of it is read, so the sender is
 * idle. While the batch is read and released the peer's RX NAPI instances
 * are disabled, so what the receiver sends waits on the wire, and the
 * peer's softirq work on it (ACK processing in the sending socket) runs
 * afterwards, untimed. Nor the waits, the collecting of tokens, nor
 * releasing the tokens left at the end, fewer than one call's worth.
 */
static void devmem_bench_token(struct kunit *test)
{
	u64 recv_ns = 0, release_ns = 0, frags = 0, released = 0;
	struct devmem_test_dmabuf *buf;
	struct devmem_test_pair *pair;
	struct devmem_test_conn *conn;
	struct dmabuf_token *tokens;
	struct devmem_bench_rx b;
	struct devmem_test_nl *nl;
	struct devmem_test_rx *rx;
	unsigned int i, nr = 0;
	size_t done, got;
	u64 start;
	void *data;
	int ret;

	devmem_bench_rx_setup(test, &b);
	pair = b.pair;
	conn = b.conn;
	nl = b.nl;
	buf = b.buf;

	rx = devmem_test_rx_create(test, DEVMEM_BENCH_TOKEN_MAX_FRAGS,
				   DEVMEM_BENCH_BATCH);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rx);
	tokens = kunit_kcalloc(test, DEVMEM_BENCH_TOKEN_MAX, sizeof(*tokens),
			       GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tokens);
	data = kunit_kzalloc(test, DEVMEM_BENCH_BATCH, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, data);

	for (done = 0; done < DEVMEM_BENCH_TOKEN_LEN;
	     done += DEVMEM_BENCH_BATCH) {
		devmem_bench_queue(test, conn, data, DEVMEM_BENCH_BATCH);

		devmem_bench_park(pair->dev[0]);
		ret = kunit_add_action_or_reset(test, devmem_bench_unpark,
						pair->dev[0]);
		KUNIT_ASSERT_EQ(test, ret, 0);

		for (got = 0; got < DEVMEM_BENCH_BATCH; got += ret) {
			ret = devmem_bench_recv(test, conn->rx, rx,
						DEVMEM_BENCH_BATCH - got,
						&recv_ns);

			for (i = 0; i < rx->nr_frags; i++) {
				if (rx->frags[i].linear)
					continue;
				KUNIT_ASSERT_LT(test, nr,
						DEVMEM_BENCH_TOKEN_MAX);
				tokens[nr].token_start =
					rx->frags[i].cmsg.frag_token;
				tokens[nr].token_count = 1;
				nr++;
				frags++;
			}
		}

		for (i = 0; nr - i >= DEVMEM_TEST_DONTNEED_MAX;
		     i += DEVMEM_TEST_DONTNEED_MAX) {
			start = ktime_get_ns();
			ret = devmem_test_dontneed(conn->rx, &tokens[i],
						   DEVMEM_TEST_DONTNEED_MAX *
						   sizeof(*tokens));
			release_ns += ktime_get_ns() - start;
			KUNIT_ASSERT_EQ(test, ret, DEVMEM_TEST_DONTNEED_MAX);
			released += DEVMEM_TEST_DONTNEED_MAX;
		}
		nr -= i;
		memmove(tokens, &tokens[i], nr * sizeof(*tokens));

		kunit_release_action(test, devmem_bench_unpark, pair->dev[0]);
	}

	ret = 0;
	if (nr)
		ret = devmem_test_dontneed(conn->rx, tokens,
					   nr * sizeof(*tokens));
	KUNIT_EXPECT_EQ(test, ret, (int)nr);
	KUNIT_ASSERT_GT(test, released, 0);
	KUNIT_EXPECT_EQ(test, released + nr, frags);

	kunit_info(test, "bench: token release_ns=%llu recv_ns=%llu\n",
		   div64_u64(release_ns, released), div64_u64(recv_ns, frags));

	/* Every net_iov came back: the binding, and the dma-buf, go. */
	devmem_test_sock_close(test, conn->rx);
	devmem_test_nl_close(test, nl);
	KUNIT_EXPECT_EQ(test, devmem_test_dmabuf_put_and_wait(test, buf), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->unmap), 1);
}

/* Tokens as the receiving thread gets them, for the releasing thread. */
struct devmem_bench_releaser {
	struct socket *sock;
	spinlock_t lock;
	struct dmabuf_token *log;
	unsigned int nr;
	unsigned int next;
	bool stop;
	wait_queue_head_t wq;
	struct completion done;
	u64 release_ns;
	u64 released;
	unsigned int short_calls;
};

#define DEVMEM_BENCH_CONTENDED_LOG	(DEVMEM_BENCH_TOKEN_LEN / 256)

static bool devmem_bench_releaser_ready(struct devmem_bench_releaser *r)
{
	return READ_ONCE(r->stop) || READ_ONCE(r->next) < READ_ONCE(r->nr);
}

/* As a user's worker thread: release what the receiving thread has handed
 * over so far, up to a call's worth at a time, as soon as there is any.
 */
static int devmem_bench_releaser_thread(void *arg)
{
	struct devmem_bench_releaser *r = arg;
	unsigned int first, n;
	u64 start;
	int ret;

	for (;;) {
		wait_event(r->wq, devmem_bench_releaser_ready(r));
		spin_lock(&r->lock);
		first = r->next;
		n = min(r->nr - first, DEVMEM_TEST_DONTNEED_MAX);
		WRITE_ONCE(r->next, first + n);
		spin_unlock(&r->lock);
		if (!n) {
			if (READ_ONCE(r->stop))
				break;
			continue;
		}
		start = ktime_get_ns();
		ret = devmem_test_dontneed(r->sock, &r->log[first],
					   n * sizeof(*r->log));
		r->release_ns += ktime_get_ns() - start;
		if (ret != (int)n)
			r->short_calls++;
		if (ret > 0)
			r->released += ret;
		wake_up_all(&r->wq);
	}
	complete(&r->done);
	return 0;
}

static bool devmem_bench_releaser_drained(struct devmem_bench_releaser *r)
{
	return READ_ONCE(r->next) == READ_ONCE(r->nr);
}

static void devmem_bench_releaser_stop(void *arg)
{
	struct devmem_bench_releaser *r = arg;

	WRITE_ONCE(r->stop, true);
	wake_up_all(&r->wq);
	wait_for_completion(&r->done);
}

/*
 * The receiver's recvmsg(MSG_SOCK_DEVMEM) per dma-buf frag, as in
 * devmem_bench_token, while a kernel thread, on the other vCPU when the
 * scheduler puts it there, releases the tokens with SO_DEVMEM_DONTNEED as
 * they come: what a receiving thread pays for DONTNEED calls in other
 * threads of the same socket. Also the DONTNEED time per token there.
 */
static void devmem_bench_token_contended(struct kunit *test)
{
	struct devmem_bench_releaser *r;
	struct task_struct *thread;
	u64 recv_ns = 0, frags = 0;
	struct devmem_test_rx *rx;
	struct devmem_bench_rx b;
	size_t done, got;
	unsigned int i;
	void *data;
	int ret;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 CPUs");
	devmem_bench_rx_setup(test, &b);

	rx = devmem_test_rx_create(test, DEVMEM_BENCH_TOKEN_MAX_FRAGS,
				   DEVMEM_BENCH_BATCH);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rx);
	data = kunit_kzalloc(test, DEVMEM_BENCH_BATCH, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, data);
	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->log = kunit_kcalloc(test, DEVMEM_BENCH_CONTENDED_LOG,
			       sizeof(*r->log), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r->log);
	r->sock = b.conn->rx;
	spin_lock_init(&r->lock);
	init_waitqueue_head(&r->wq);
	init_completion(&r->done);

	thread = kthread_run(devmem_bench_releaser_thread, r,
			     "devmem-bench-release");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, thread);
	ret = kunit_add_action_or_reset(test, devmem_bench_releaser_stop, r);
	KUNIT_ASSERT_EQ(test, ret, 0);

	for (done = 0; done < DEVMEM_BENCH_TOKEN_LEN;
	     done += DEVMEM_BENCH_BATCH) {
		devmem_bench_queue(test, b.conn, data, DEVMEM_BENCH_BATCH);

		devmem_bench_park(b.pair->dev[0]);
		ret = kunit_add_action_or_reset(test, devmem_bench_unpark,
						b.pair->dev[0]);
		KUNIT_ASSERT_EQ(test, ret, 0);

		for (got = 0; got < DEVMEM_BENCH_BATCH; got += ret) {
			ret = devmem_bench_recv(test, b.conn->rx, rx,
						DEVMEM_BENCH_BATCH - got,
						&recv_ns);

			spin_lock(&r->lock);
			for (i = 0; i < rx->nr_frags; i++) {
				if (rx->frags[i].linear)
					continue;
				if (r->nr == DEVMEM_BENCH_CONTENDED_LOG)
					break;
				r->log[r->nr].token_start =
					rx->frags[i].cmsg.frag_token;
				r->log[r->nr].token_count = 1;
				WRITE_ONCE(r->nr, r->nr + 1);
				frags++;
			}
			spin_unlock(&r->lock);
			KUNIT_ASSERT_LT(test, r->nr, DEVMEM_BENCH_CONTENDED_LOG);
			wake_up_all(&r->wq);
		}

		kunit_release_action(test, devmem_bench_unpark,
				     b.pair->dev[0]);
	}

	KUNIT_ASSERT_GT(test, wait_event_timeout(r->wq,
						 devmem_bench_releaser_drained(r),
						 DEVMEM_TEST_TIMEOUT), 0);
	kunit_release_action(test, devmem_bench_releaser_stop, r);
	KUNIT_EXPECT_EQ(test, r->short_calls, 0);
	KUNIT_EXPECT_EQ(test, r->released, frags);
	KUNIT_ASSERT_GT(test, r->released, 0);

	kunit_info(test, "bench: token_contended recv_ns=%llu release_ns=%llu\n",
		   div64_u64(recv_ns, frags),
		   div64_u64(r->release_ns, r->released));

	devmem_test_sock_close(test, b.conn->rx);
	devmem_test_nl_close(test, b.nl);
	KUNIT_EXPECT_EQ(test, devmem_test_dmabuf_put_and_wait(test, b.buf), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&b.buf->unmap), 1);
}

/* failslab's knobs, reached through their debugfs inodes: debugfs is not
 * mounted here. token_drain's counting pass sets them and puts them back.
 */
struct devmem_bench_failslab {
	bool *ignore_gfp_reclaim;
	unsigned long *require_start;
	unsigned long *require_end;
	bool ignore_was;
	unsigned long start_was;
	unsigned long end_was;
};

static void *devmem_bench_failslab_knob(const char *name)
{
	struct dentry *dir, *file;
	void *data = NULL;

	dir = debugfs_lookup("failslab", NULL);
	if (!dir)
		return NULL;
	file = debugfs_lookup(name, dir);
	if (file) {
		data = d_inode(file)->i_private;
		dput(file);
	}
	dput(dir);
	return data;
}

static void devmem_bench_failslab_restore(void *ctx)
{
	struct devmem_bench_failslab *fs = ctx;

	current->fail_nth = 0;
	*fs->ignore_gfp_reclaim = fs->ignore_was;
	*fs->require_start = fs->start_was;
	*fs->require_end = fs->end_was;
}

/* The function every allocation of the token paths has on its stack: the
 * tip's net_devmem_token_peek(), or the xarray's __xa_alloc() in the parent,
 * which only tcp_recvmsg_dmabuf() reaches on these paths.
 */
static const char * const devmem_bench_token_allocators[] = {
	"net_devmem_token_peek",
	"__xa_alloc",
};

/* Make fail-nth count the allocations made under the token paths, and only
 * those: the ACKs recvmsg() sends allocate too. 0, or -ENOENT.
 */
static int devmem_bench_count_allocs(struct kunit *test,
				     struct devmem_bench_failslab *fs)
{
	unsigned long addr = 0, size, off;
	unsigned int i;

	fs->ignore_gfp_reclaim = devmem_bench_failslab_knob("ignore-gfp-wait");
	fs->require_start = devmem_bench_failslab_knob("require-start");
	fs->require_end = devmem_bench_failslab_knob("require-end");
	if (!fs->ignore_gfp_reclaim || !fs->require_start || !fs->require_end)
		return -ENOENT;
	for (i = 0; !addr && i < ARRAY_SIZE(devmem_bench_token_allocators); i++)
		addr = kallsyms_lookup_name(devmem_bench_token_allocators[i]);
	if (!addr || !kallsyms_lookup_size_offset(addr, &size, &off))
		return -ENOENT;

	fs->ignore_was = *fs->ignore_gfp_reclaim;
	fs->start_was = *fs->require_start;
	fs->end_was = *fs->require_end;
	*fs->ignore_gfp_reclaim = false;
	*fs->require_start = addr;
	*fs->require_end = addr + size;
	return kunit_add_action_or_reset(test, devmem_bench_failslab_restore, fs);
}

/* fail-nth set so high that it never fails: it only counts. */
#define DEVMEM_BENCH_NTH	(1U << 30)

static int devmem_bench_token_cmp(const void *a, const void *b)
{
	const struct dmabuf_token *x = a, *y = b;

	return x->token_start < y->token_start ? -1 :
	       x->token_start > y->token_start;
}

/* Release @nr tokens, one each in @tokens: sorted and merged into ranges,
 * in as few calls as DONTNEED takes (DEVMEM_TEST_DONTNEED_MAX entries and
 * DEVMEM_TEST_DONTNEED_FRAGS frags a call), built in @call. Returns ns
 * spent in the calls.
 */
static u64 devmem_bench_release_all(struct kunit *test, struct socket *sock,
				    struct dmabuf_token *tokens,
				    unsigned int nr, struct dmabuf_token *call)
{
	unsigned int i, n = 0, c, frags, take, released = 0;
	u64 start, ns = 0;
	int ret;

	sort(tokens, nr, sizeof(*tokens), devmem_bench_token_cmp, NULL);
	for (i = 0; i < nr; i++) {
		if (n && tokens[n - 1].token_start +
			 tokens[n - 1].token_count == tokens[i].token_start)
			tokens[n - 1].token_count++;
		else
			tokens[n++] = tokens[i];
	}
	for (i = 0; i < n; ) {
		for (c = 0, frags = 0; i < n && c < DEVMEM_TEST_DONTNEED_MAX &&
		     frags < DEVMEM_TEST_DONTNEED_FRAGS; c++) {
			take = min(tokens[i].token_count,
				   DEVMEM_TEST_DONTNEED_FRAGS - frags);
			call[c].token_start = tokens[i].token_start;
			call[c].token_count = take;
			frags += take;
			tokens[i].token_start += take;
			tokens[i].token_count -= take;
			if (!tokens[i].token_count)
				i++;
		}
		start = ktime_get_ns();
		ret = devmem_test_dontneed(sock, call, c * sizeof(*call));
		ns += ktime_get_ns() - start;
		KUNIT_ASSERT_EQ(test, ret, (int)frags);
		released += ret;
	}
	KUNIT_EXPECT_EQ(test, released, nr);
	return ns;
}

#define DEVMEM_BENCH_DRAIN_LEN		SZ_16M
/* Cycles after the timed ones, counted for allocations, not timed. */
#define DEVMEM_BENCH_DRAIN_COUNTED	4
#define DEVMEM_BENCH_DRAIN_MAX		(DEVMEM_TEST_DONTNEED_FRAGS + 256)

/*
 * The reader of ncdevmem and kperf: it receives DEVMEM_TEST_DONTNEED_FRAGS
 * frags (1448-byte segments in 4 KiB net_iovs, a frag per piece), holds them,
 * releases them all, and starts over. Per frag, the recvmsg() and
 * SO_DEVMEM_DONTNEED calls (tokens sorted and merged into ranges, untimed),
 * timed as in devmem_bench_token. The first cycle warms up; after the timed
 * ones, DEVMEM_BENCH_DRAIN_COUNTED more count the allocations made on the
 * token paths, per 1000 recvmsg() calls.
 */
static void devmem_bench_token_drain(struct kunit *test)
{
	u64 ns = 0, frags = 0, calls = 0, allocs = 0;
	unsigned int i, nr, cycle, counted_cycles = 0;
	struct dmabuf_token *tokens, *call;
	struct devmem_bench_failslab *fs;
	struct devmem_test_rx *rx;
	struct devmem_bench_rx b;
	size_t done = 0, got;
	bool timed, counted;
	void *data;
	u64 start;
	int ret;

	devmem_bench_rx_setup(test, &b);
	rx = devmem_test_rx_create(test, DEVMEM_BENCH_TOKEN_MAX_FRAGS,
				   DEVMEM_BENCH_BATCH);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rx);
	tokens = kunit_kcalloc(test, DEVMEM_BENCH_DRAIN_MAX, sizeof(*tokens),
			       GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tokens);
	data = kunit_kzalloc(test, DEVMEM_BENCH_BATCH, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, data);
	fs = kunit_kzalloc(test, sizeof(*fs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fs);
	call = kunit_kcalloc(test, DEVMEM_TEST_DONTNEED_MAX, sizeof(*call),
			     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, call);

	for (cycle = 0; ; cycle++) {
		timed = cycle > 0 && done < DEVMEM_BENCH_DRAIN_LEN;
		counted = cycle > 0 && !timed;
		if (counted && !counted_cycles) {
			ret = devmem_bench_count_allocs(test, fs);
			if (ret)
				kunit_skip(test, "no failslab stack filter: %d",
					   ret);
		}
		if (counted && counted_cycles++ == DEVMEM_BENCH_DRAIN_COUNTED)
			break;

		for (nr = 0; nr < DEVMEM_TEST_DONTNEED_FRAGS; ) {
			devmem_bench_queue(test, b.conn, data,
					   DEVMEM_BENCH_BATCH);
			devmem_bench_park(b.pair->dev[0]);
			ret = kunit_add_action_or_reset(test,
							devmem_bench_unpark,
							b.pair->dev[0]);
			KUNIT_ASSERT_EQ(test, ret, 0);
			for (got = 0; got < DEVMEM_BENCH_BATCH; got += ret) {
				if (counted)
					current->fail_nth = DEVMEM_BENCH_NTH;
				start = ktime_get_ns();
				ret = devmem_test_recvmsg(test, b.conn->rx, rx,
							  DEVMEM_BENCH_BATCH -
							  got,
							  MSG_SOCK_DEVMEM |
							  MSG_DONTWAIT);
				if (timed) {
					ns += ktime_get_ns() - start;
					done += max(ret, 0);
				}
				if (counted) {
					allocs += DEVMEM_BENCH_NTH -
						  current->fail_nth;
					current->fail_nth = 0;
					calls++;
				}
				KUNIT_ASSERT_GT(test, ret, 0);
				KUNIT_ASSERT_FALSE(test,
						   rx->msg_flags & MSG_CTRUNC);
				for (i = 0; i < rx->nr_frags; i++) {
					if (rx->frags[i].linear)
						continue;
					KUNIT_ASSERT_LT(test, nr,
							DEVMEM_BENCH_DRAIN_MAX);
					tokens[nr].token_start =
						rx->frags[i].cmsg.frag_token;
					tokens[nr].token_count = 1;
					nr++;
				}
			}
			kunit_release_action(test, devmem_bench_unpark,
					     b.pair->dev[0]);
		}
		start = devmem_bench_release_all(test, b.conn->rx, tokens, nr,
						 call);
		if (timed) {
			ns += start;
			frags += nr;
		}
	}
	KUNIT_ASSERT_GT(test, frags, 0);
	KUNIT_ASSERT_GT(test, calls, 0);

	kunit_info(test,
		   "bench: token_drain ns=%llu allocs_per_1k_recvmsg=%llu\n",
		   div64_u64(ns, frags), div64_u64(allocs * 1000, calls));

	devmem_test_sock_close(test, b.conn->rx);
	devmem_test_nl_close(test, b.nl);
	KUNIT_EXPECT_EQ(test, devmem_test_dmabuf_put_and_wait(test, b.buf), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&b.buf->unmap), 1);
}

#define DEVMEM_BENCH_FLOWS		2
#define DEVMEM_BENCH_FLOW_LEN		SZ_4M

/* One flow of token_flows: its connection, and what its thread measured. */
struct devmem_bench_flow {
	struct kunit *test;
	struct devmem_test_conn *conn;
	struct devmem_test_rx *rx;
	struct dmabuf_token *tokens;
	void *data;
	struct completion *go;
	struct completion done;
	u64 ns;
	u64 frags;
	int err;
};

/* What a kperf worker does with its flow: receive what came, hold the
 * tokens, release them DEVMEM_TEST_DONTNEED_MAX at a time, in its own
 * thread. Each batch is sent and queued at the receiver before the clock
 * starts, as in devmem_bench_token. No KUNIT_ASSERT here: not the test's
 * thread; no wait without a timeout.
 */
static int devmem_bench_flow_thread(void *arg)
{
	struct devmem_bench_flow *f = arg;
	unsigned long timeout;
	unsigned int i, nr = 0;
	size_t done = 0;
	u64 start;
	int ret = 0;

	wait_for_completion(f->go);
	while (done < DEVMEM_BENCH_FLOW_LEN) {
		ret = devmem_test_send_start(f->test, f->conn, f->data,
					     DEVMEM_BENCH_BATCH);
		if (ret)
			break;
		ret = devmem_test_send_wait(f->test, f->conn);
		if (ret != DEVMEM_BENCH_BATCH) {
			ret = ret < 0 ? ret : -EIO;
			break;
		}
		timeout = jiffies + DEVMEM_TEST_TIMEOUT;
		while (devmem_test_sock_inq(f->conn->rx) < DEVMEM_BENCH_BATCH) {
			if (time_after(jiffies, timeout)) {
				ret = -ETIMEDOUT;
				goto out;
			}
			usleep_range(20, 50);
		}
		start = ktime_get_ns();
		for (i = 0; i < DEVMEM_BENCH_BATCH; i += ret) {
			unsigned int k;

			ret = devmem_test_recvmsg(f->test, f->conn->rx, f->rx,
						  DEVMEM_BENCH_BATCH - i,
						  MSG_SOCK_DEVMEM | MSG_DONTWAIT);
			if (ret <= 0) {
				ret = ret ?: -EPIPE;
				goto out;
			}
			for (k = 0; k < f->rx->nr_frags; k++) {
				if (f->rx->frags[k].linear)
					continue;
				f->tokens[nr].token_start =
					f->rx->frags[k].cmsg.frag_token;
				f->tokens[nr].token_count = 1;
				nr++;
				f->frags++;
			}
			while (nr >= DEVMEM_TEST_DONTNEED_MAX) {
				nr -= DEVMEM_TEST_DONTNEED_MAX;
				ret = devmem_test_dontneed(f->conn->rx,
							   &f->tokens[nr],
							   DEVMEM_TEST_DONTNEED_MAX *
							   sizeof(*f->tokens));
				if (ret != DEVMEM_TEST_DONTNEED_MAX) {
					ret = ret < 0 ? ret : -EIO;
					goto out;
				}
			}
		}
		f->ns += ktime_get_ns() - start;
		ret = 0;
		done += DEVMEM_BENCH_BATCH;
	}
out:
	if (nr)
		devmem_test_dontneed(f->conn->rx, f->tokens,
				     nr * sizeof(*f->tokens));
	f->err = ret;
	complete(&f->done);
	return 0;
}

/*
 * DEVMEM_BENCH_FLOWS flows at once, each received and released by its own
 * thread, one per vCPU when the scheduler puts them there, as the seeds'
 * kperf ran four: per frag, the recvmsg() and SO_DEVMEM_DONTNEED calls of
 * each thread, while the other flow's thread receives, releases or sends.
 * Mean of the flows.
 */
static void devmem_bench_token_flows(struct kunit *test)
{
	struct devmem_bench_flow *f;
	struct task_struct *thread;
	struct devmem_bench_rx b;
	struct completion go;
	u64 ns = 0, frags = 0;
	unsigned int i;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 CPUs");
	devmem_bench_rx_setup(test, &b);
	f = kunit_kcalloc(test, DEVMEM_BENCH_FLOWS, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	init_completion(&go);

	for (i = 0; i < DEVMEM_BENCH_FLOWS; i++) {
		f[i].test = test;
		f[i].conn = i ? devmem_test_tcp_connect(test, b.pair, AF_INET,
							1) : b.conn;
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f[i].conn);
		f[i].rx = devmem_test_rx_create(test,
						DEVMEM_BENCH_TOKEN_MAX_FRAGS,
						DEVMEM_BENCH_BATCH);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f[i].rx);
		f[i].tokens = kunit_kcalloc(test, DEVMEM_BENCH_TOKEN_MAX,
					    sizeof(*f[i].tokens), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, f[i].tokens);
		f[i].data = kunit_kzalloc(test, DEVMEM_BENCH_BATCH, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, f[i].data);
		f[i].go = &go;
		init_completion(&f[i].done);
		thread = kthread_run(devmem_bench_flow_thread, &f[i],
				     "devmem-bench-flow/%u", i);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, thread);
	}
	complete_all(&go);
	for (i = 0; i < DEVMEM_BENCH_FLOWS; i++) {
		/* Each thread's waits are bounded by DEVMEM_TEST_TIMEOUT. */
		wait_for_completion(&f[i].done);
		KUNIT_EXPECT_EQ(test, f[i].err, 0);
		ns += f[i].ns;
		frags += f[i].frags;
	}
	KUNIT_ASSERT_GT(test, frags, 0);

	kunit_info(test, "bench: token_flows ns=%llu\n", div64_u64(ns, frags));

	for (i = 0; i < DEVMEM_BENCH_FLOWS; i++)
		devmem_test_sock_close(test, f[i].conn->rx);
	devmem_test_nl_close(test, b.nl);
	KUNIT_EXPECT_EQ(test, devmem_test_dmabuf_put_and_wait(test, b.buf), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&b.buf->unmap), 1);
}

static struct kunit_case devmem_bench_cases[] = {
	KUNIT_CASE_SLOW(devmem_bench_binding_ref),
	KUNIT_CASE_SLOW(devmem_bench_cpu_busy),
	KUNIT_CASE_SLOW(devmem_bench_token),
	KUNIT_CASE_SLOW(devmem_bench_token_contended),
	KUNIT_CASE_SLOW(devmem_bench_token_drain),
	KUNIT_CASE_SLOW(devmem_bench_token_flows),
	{}
};

static struct kunit_suite devmem_bench_suite = {
	.name = "devmem_bench",
	.test_cases = devmem_bench_cases,
};

kunit_test_suite(devmem_bench_suite);
