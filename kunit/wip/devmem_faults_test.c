// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * KUnit tests of devmem TCP under failing allocations, as fail-nth makes
 * them: one failure at the Nth allocation of the task, for N = 1, 2, ...
 * until the operation gets past its last allocation and succeeds. Each
 * failure must come back as a clean errno and leave nothing behind: no
 * queue bound to a half-made binding, every dma-buf attachment and mapping
 * undone, no received byte or token lost. The first success shows the
 * device, or the socket, still works.
 */

#include <kunit/test.h>
#include <linux/netdevice.h>
#include <linux/sched.h>
#include <net/sock.h>

#include "devmem_test.h"

#define DEVMEM_FAULTS_DMABUF_SIZE	SZ_4M
#define DEVMEM_FAULTS_XFER_LEN		SZ_16K
#define DEVMEM_FAULTS_MAX_FRAGS		256
#define DEVMEM_FAULTS_MAX_NTH		2000
/* Less than a frag: each recvmsg() hands out one token. */
#define DEVMEM_FAULTS_PIECE		64
#define DEVMEM_FAULTS_MAX_TOKENS	(DEVMEM_TEST_DONTNEED_FRAGS + 256)

/* Totals over the cases of the suite, for its last line. */
static unsigned int devmem_faults_points;
static unsigned int devmem_faults_paths;
/* Binds that failed with their binding made. */
static unsigned int devmem_faults_made_on_err;

struct devmem_faults_test {
	struct devmem_test_pair *pair;
	struct devmem_test_dmabuf *buf;
	/* The binding under test belongs to @nl. */
	struct devmem_test_nl *nl;
	/* For queries: made before the sweep, and never failing in it. */
	struct devmem_test_nl *query;
	struct devmem_test_rx *rx;
	u8 *data;
	u32 id;
};

static int devmem_faults_init(struct kunit *test)
{
	struct devmem_faults_test *t;
	size_t i;

	if (devmem_test_fail_nth_start(test))
		kunit_skip(test, "needs failslab and its debugfs knobs");

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;

	t->pair = devmem_test_pair_create(test);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->pair);
	t->buf = devmem_test_dmabuf_create(test, DEVMEM_FAULTS_DMABUF_SIZE,
					   NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->buf);
	t->rx = devmem_test_rx_create(test, DEVMEM_FAULTS_MAX_FRAGS,
				      DEVMEM_FAULTS_XFER_LEN);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->rx);
	t->data = kunit_kmalloc(test, DEVMEM_FAULTS_XFER_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->data);
	for (i = 0; i < DEVMEM_FAULTS_XFER_LEN; i++)
		t->data[i] = (u8)(i * 251) ^ (u8)(i >> 8);
	return 0;
}

static int devmem_faults_suite_init(struct kunit_suite *suite)
{
	devmem_faults_points = 0;
	devmem_faults_paths = 0;
	devmem_faults_made_on_err = 0;
	return 0;
}

/* What a failed call may return to user space: an errno, not one of the
 * kernel-internal ones above 511 (ERESTARTSYS, ENOTSUPP, ...).
 */
static void devmem_faults_expect_errno(struct kunit *test, int ret,
				       const char *path, unsigned int nth)
{
	KUNIT_ASSERT_LT_MSG(test, ret, 0, "%s, fail-nth %u", path, nth);
	KUNIT_ASSERT_LT_MSG(test, -ret, 512, "%s, fail-nth %u: %d", path, nth,
			    ret);
}

/* Every attach and map of the mock exporter undone, or, with @held, all
 * but those of the one binding that is left. What a binding puts off to a
 * page pool's end, or to a work item, may take NAPI runs to come.
 */
static bool devmem_faults_balanced(struct kunit *test, int held)
{
	unsigned long timeout = jiffies + DEVMEM_TEST_TIMEOUT;
	struct devmem_faults_test *t = test->priv;

	for (;;) {
		if (atomic_read(&t->buf->attach) -
		    atomic_read(&t->buf->detach) == held &&
		    atomic_read(&t->buf->map) - atomic_read(&t->buf->unmap) ==
		    held)
			return true;
		if (!time_before(jiffies, timeout))
			return false;
		KUNIT_ASSERT_EQ(test, devmem_test_run_napi(test), 0);
		schedule_timeout_interruptible(1);
	}
}

/* The binding queue @rxq_idx of end 1 reports: @id, or none. */
static void devmem_faults_expect_queue(struct kunit *test,
				       struct net_device *dev,
				       unsigned int rxq_idx, u32 id,
				       const char *path, unsigned int nth)
{
	struct devmem_faults_test *t = test->priv;
	u32 got;

	KUNIT_ASSERT_EQ(test, devmem_test_nl_queue_dmabuf(t->query, dev,
							  rxq_idx, &got), 0);
	KUNIT_EXPECT_EQ_MSG(test, got, id, "%s, fail-nth %u: queue %u", path,
			    nth, rxq_idx);
}

static void devmem_faults_done(struct kunit *test, const char *path,
			       unsigned int points)
{
	kunit_info(test, "%s: %u allocations failed in turn\n", path, points);
	devmem_faults_points += points;
	devmem_faults_paths++;
}

/* Whether a bind that failed made its binding all the same: a queue
 * reports it, or, for TX, its attachment and mapping are still there.
 */
static bool devmem_faults_made(struct kunit *test, struct net_device *dev,
			       bool tx)
{
	struct devmem_faults_test *t = test->priv;
	unsigned int i;
	u32 id;

	if (tx)
		return atomic_read(&t->buf->attach) -
		       atomic_read(&t->buf->detach) == 1 &&
		       atomic_read(&t->buf->map) -
		       atomic_read(&t->buf->unmap) == 1;
	for (i = 0; i < DEVMEM_TEST_NUM_RXQ; i++) {
		KUNIT_ASSERT_EQ(test, devmem_test_nl_queue_dmabuf(t->query,
								  dev, i, &id),
				0);
		if (id)
			return true;
	}
	return false;
}

/* Bind with each allocation from the first failing in turn, until the bind
 * gets past them all. Returns the number of failures swept; the binding of
 * the success is t->id, on t->nl.
 */
static unsigned int devmem_faults_bind_sweep(struct kunit *test, bool tx,
					     const unsigned int *rxqs,
					     unsigned int nr_rxqs,
					     const char *path)
{
	struct devmem_faults_test *t = test->priv;
	struct net_device *dev = t->pair->dev[tx ? 0 : 1];
	unsigned int nth, left, i;
	int ret;

	t->query = devmem_test_nl_open(test, dev_net(dev));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->query);

	for (nth = 1; nth <= DEVMEM_FAULTS_MAX_NTH; nth++) {
		t->nl = devmem_test_nl_open(test, dev_net(dev));
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->nl);

		devmem_test_fail_nth(nth);
		if (tx)
			ret = devmem_test_nl_bind_tx(t->nl, dev, t->buf,
						     &t->id);
		else
			ret = devmem_test_nl_bind_rx(t->nl, dev, t->buf, rxqs,
						     nr_rxqs, &t->id);
		left = devmem_test_fail_nth_left();
		devmem_test_fail_nth(0);

		if (left) {
			KUNIT_ASSERT_EQ_MSG(test, ret, 0, "%s, extack: %s",
					    path, t->nl->extack);
			return nth - 1;
		}
		if (!ret) {
			/* The failure was absorbed: unbind, go on. */
			devmem_test_nl_close(test, t->nl);
			KUNIT_ASSERT_TRUE_MSG(test,
					      devmem_faults_balanced(test, 0),
					      "%s, fail-nth %u: unbind", path,
					      nth);
			continue;
		}

		devmem_faults_expect_errno(test, ret, path, nth);
		if (devmem_faults_made(test, dev, tx)) {
			/* Failed after the binding was made, in the reply
			 * (see the report of this suite): the binding lives
			 * on with its socket, though the bind failed. It must
			 * still go with the socket.
			 */
			kunit_info(test,
				   "%s, fail-nth %u: %d, yet the binding was made\n",
				   path, nth, ret);
			devmem_faults_made_on_err++;
			devmem_test_nl_close(test, t->nl);
			KUNIT_ASSERT_TRUE_MSG(test,
					      devmem_faults_balanced(test, 0),
					      "%s, fail-nth %u: unbind", path,
					      nth);
			continue;
		}
		for (i = 0; !tx && i < DEVMEM_TEST_NUM_RXQ; i++)
			devmem_faults_expect_queue(test, dev, i, 0, path, nth);
		KUNIT_ASSERT_TRUE_MSG(test, devmem_faults_balanced(test, 0),
				      "%s, fail-nth %u (%d): attach %d detach %d map %d unmap %d",
				      path, nth, ret,
				      atomic_read(&t->buf->attach),
				      atomic_read(&t->buf->detach),
				      atomic_read(&t->buf->map),
				      atomic_read(&t->buf->unmap));
		devmem_test_nl_close(test, t->nl);
	}
	KUNIT_FAIL(test, "%s: no success in %u allocations", path,
		   DEVMEM_FAULTS_MAX_NTH);
	return 0;
}

/* Send the test's data over @conn and wait until the receiver has it all
 * queued, so that a recvmsg() waits for nothing.
 */
static void devmem_faults_queue(struct kunit *test,
				struct devmem_test_conn *conn)
{
	unsigned long timeout = jiffies + DEVMEM_TEST_TIMEOUT;
	struct devmem_faults_test *t = test->priv;

	KUNIT_ASSERT_EQ(test, devmem_test_send_start(test, conn, t->data,
						     DEVMEM_FAULTS_XFER_LEN),
			0);
	KUNIT_ASSERT_EQ(test, devmem_test_send_wait(test, conn),
			(ssize_t)DEVMEM_FAULTS_XFER_LEN);
	while (devmem_test_sock_inq(conn->rx) < DEVMEM_FAULTS_XFER_LEN) {
		KUNIT_ASSERT_TRUE(test, time_before(jiffies, timeout));
		KUNIT_ASSERT_EQ(test, devmem_test_run_napi(test), 0);
		schedule_timeout_interruptible(1);
	}
}

/* Check what one recvmsg() returned against the data from offset @pos;
 * return the bytes it covered.
 */
static size_t devmem_faults_check(struct kunit *test, int ret, size_t pos)
{
	struct devmem_faults_test *t = test->priv;
	struct devmem_test_rx *rx = t->rx;
	size_t linear = 0, got = 0;
	unsigned int i;

	for (i = 0; i < rx->nr_frags; i++) {
		struct dmabuf_cmsg *cm = &rx->frags[i].cmsg;
		const void *va;

		KUNIT_ASSERT_LE(test, pos + got + cm->frag_size,
				(size_t)DEVMEM_FAULTS_XFER_LEN);
		if (rx->frags[i].linear) {
			va = rx->buf + linear;
			linear += cm->frag_size;
		} else {
			KUNIT_ASSERT_EQ(test, cm->dmabuf_id, t->id);
			va = devmem_test_dmabuf_vaddr(t->buf, cm->frag_offset);
		}
		KUNIT_ASSERT_MEMEQ(test, va, t->data + pos + got,
				   cm->frag_size);
		got += cm->frag_size;
	}
	KUNIT_ASSERT_EQ(test, got, (size_t)ret);
	return got;
}

/* The device receives with the binding of the sweep: all of the data, in
 * the dma-buf, and the tokens go back.
 */
static void devmem_faults_expect_rx(struct kunit *test, unsigned int rxq_idx)
{
	struct devmem_faults_test *t = test->priv;
	struct devmem_test_conn *conn;
	size_t done = 0;
	int ret;

	devmem_test_nic_steer(t->pair->dev[1], rxq_idx);
	conn = devmem_test_tcp_connect(test, t->pair, AF_INET, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, conn);
	KUNIT_ASSERT_EQ(test, devmem_test_send_start(test, conn, t->data,
						     DEVMEM_FAULTS_XFER_LEN),
			0);
	while (done < DEVMEM_FAULTS_XFER_LEN) {
		ret = devmem_test_recvmsg(test, conn->rx, t->rx,
					  DEVMEM_FAULTS_XFER_LEN - done,
					  MSG_SOCK_DEVMEM);
		KUNIT_ASSERT_GT(test, ret, 0);
		KUNIT_ASSERT_GT(test, t->rx->nr_frags, 0);
		done += devmem_faults_check(test, ret, done);
		KUNIT_ASSERT_GE(test, devmem_test_release_frags(conn->rx,
								t->rx), 0);
	}
	KUNIT_ASSERT_EQ(test, devmem_test_send_wait(test, conn),
			(ssize_t)DEVMEM_FAULTS_XFER_LEN);
}

/* NETDEV_CMD_BIND_RX on one queue: binding, dma-buf attach and map, genpool,
 * queue restart and the new page pool.
 */
static void devmem_faults_bind_rx(struct kunit *test)
{
	static const unsigned int rxqs[] = { 1 };
	struct devmem_faults_test *t = test->priv;
	unsigned int n;

	n = devmem_faults_bind_sweep(test, false, rxqs, ARRAY_SIZE(rxqs),
				     "bind-rx");
	KUNIT_ASSERT_GT(test, n, 0);
	devmem_faults_expect_queue(test, t->pair->dev[1], 1, t->id, "bind-rx",
				   n + 1);
	devmem_faults_expect_rx(test, 1);
	devmem_faults_done(test, "bind-rx", n);
}

/* Two queues: a failure restarting the second must undo the first. */
static void devmem_faults_bind_rx_two(struct kunit *test)
{
	static const unsigned int rxqs[] = { 1, 2 };
	struct devmem_faults_test *t = test->priv;
	unsigned int n;

	n = devmem_faults_bind_sweep(test, false, rxqs, ARRAY_SIZE(rxqs),
				     "bind-rx two queues");
	KUNIT_ASSERT_GT(test, n, 0);
	devmem_faults_expect_queue(test, t->pair->dev[1], 1, t->id,
				   "bind-rx two queues", n + 1);
	devmem_faults_expect_queue(test, t->pair->dev[1], 2, t->id,
				   "bind-rx two queues", n + 1);
	devmem_faults_expect_rx(test, 2);
	devmem_faults_done(test, "bind-rx two queues", n);
}

/* NETDEV_CMD_BIND_TX: binding, attach and map for DMA_TO_DEVICE, and the
 * net_iov array TX looks addresses up in.
 */
static void devmem_faults_bind_tx(struct kunit *test)
{
	struct devmem_faults_test *t = test->priv;
	struct devmem_test_conn *conn;
	u8 *got;
	int ret;

	ret = devmem_faults_bind_sweep(test, true, NULL, 0, "bind-tx");
	KUNIT_ASSERT_GT(test, ret, 0);
	devmem_faults_done(test, "bind-tx", ret);

	/* The binding sends: bytes of the dma-buf arrive as they are there. */
	memcpy(devmem_test_dmabuf_vaddr(t->buf, 0), t->data, PAGE_SIZE);
	got = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, got);
	conn = devmem_test_tcp_connect(test, t->pair, AF_INET, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, conn);
	ret = devmem_test_send_devmem(conn->tx, t->id, 0, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, ret, (int)PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, devmem_test_recv(conn->rx, got, PAGE_SIZE),
			(int)PAGE_SIZE);
	KUNIT_EXPECT_MEMEQ(test, got, t->data, PAGE_SIZE);
}

/* An RX ring change restarts the bound queue: the new page pool takes the
 * binding. A failure must keep the old queue, still bound.
 */
static void devmem_faults_queue_restart(struct kunit *test)
{
	static const unsigned int rxq = 1;
	struct devmem_faults_test *t = test->priv;
	struct net_device *dev = t->pair->dev[1];
	unsigned int nth, left, ring = 0;
	int ret;

	t->nl = devmem_test_nl_open(test, t->pair->net[1]);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->nl);
	t->query = devmem_test_nl_open(test, t->pair->net[1]);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->query);
	KUNIT_ASSERT_EQ(test, devmem_test_nl_bind_rx(t->nl, dev, t->buf, &rxq,
						     1, &t->id), 0);

	for (nth = 1; nth <= DEVMEM_FAULTS_MAX_NTH; nth++) {
		/* A size other than the current one: always a restart. */
		ring = ring == 512 ? 256 : 512;
		devmem_test_fail_nth(nth);
		ret = devmem_test_nl_set_rx_ring(test, dev, ring);
		left = devmem_test_fail_nth_left();
		devmem_test_fail_nth(0);
		if (left) {
			KUNIT_ASSERT_EQ(test, ret, 0);
			break;
		}
		if (ret) {
			devmem_faults_expect_errno(test, ret, "queue restart",
						   nth);
			/* The size did not change. */
			ring = ring == 512 ? 256 : 512;
		}
		devmem_faults_expect_queue(test, dev, rxq, t->id,
					   "queue restart", nth);
		KUNIT_ASSERT_TRUE_MSG(test, devmem_faults_balanced(test, 1),
				      "queue restart, fail-nth %u", nth);
	}
	KUNIT_ASSERT_LE(test, nth, DEVMEM_FAULTS_MAX_NTH);
	KUNIT_ASSERT_GT(test, nth, 1);
	devmem_faults_expect_queue(test, dev, rxq, t->id, "queue restart", nth);
	devmem_faults_expect_rx(test, rxq);
	devmem_faults_done(test, "queue restart", nth - 1);
}

struct devmem_faults_tokens {
	struct dmabuf_token *tokens;
	unsigned int nr;
};

/* A socket on a bound queue, its data queued, and room for its tokens. */
static struct devmem_test_conn *
devmem_faults_rx_conn(struct kunit *test, struct devmem_faults_tokens *tk)
{
	static const unsigned int rxq = 1;
	struct devmem_faults_test *t = test->priv;
	struct devmem_test_conn *conn;

	t->nl = devmem_test_nl_open(test, t->pair->net[1]);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->nl);
	KUNIT_ASSERT_EQ(test, devmem_test_nl_bind_rx(t->nl, t->pair->dev[1],
						     t->buf, &rxq, 1, &t->id),
			0);
	devmem_test_nic_steer(t->pair->dev[1], rxq);
	conn = devmem_test_tcp_connect(test, t->pair, AF_INET, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, conn);
	tk->tokens = kunit_kcalloc(test, DEVMEM_FAULTS_MAX_TOKENS,
				   sizeof(*tk->tokens), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tk->tokens);
	devmem_faults_queue(test, conn);
	return conn;
}

static void devmem_faults_keep(struct kunit *test,
			       struct devmem_faults_tokens *tk)
{
	struct devmem_faults_test *t = test->priv;
	unsigned int i;

	for (i = 0; i < t->rx->nr_frags; i++) {
		if (t->rx->frags[i].linear)
			continue;
		KUNIT_ASSERT_LT(test, tk->nr, DEVMEM_FAULTS_MAX_TOKENS);
		tk->tokens[tk->nr].token_start =
			t->rx->frags[i].cmsg.frag_token;
		tk->tokens[tk->nr].token_count = 1;
		tk->nr++;
	}
}

/* Release every token of @tk, at most DEVMEM_TEST_DONTNEED_MAX a call. */
static int devmem_faults_release(struct socket *sock,
				 struct devmem_faults_tokens *tk)
{
	unsigned int i, c;
	int ret, freed = 0;

	for (i = 0; i < tk->nr; i += c) {
		c = min(tk->nr - i, DEVMEM_TEST_DONTNEED_MAX);
		ret = devmem_test_dontneed(sock, &tk->tokens[i],
					   c * sizeof(*tk->tokens));
		if (ret < 0)
			return ret;
		freed += ret;
	}
	return freed;
}

/* One recvmsg() of @len bytes from stream offset *@pos, with each of its
 * allocations failing in turn until it succeeds: a failure hands out no
 * token and loses no byte, the next call gets them.
 */
static unsigned int devmem_faults_recv_sweep(struct kunit *test,
					     struct devmem_test_conn *conn,
					     size_t len, size_t *pos,
					     struct devmem_faults_tokens *tk)
{
	struct devmem_faults_test *t = test->priv;
	unsigned int nth, left;
	int ret;

	for (nth = 1; nth <= DEVMEM_FAULTS_MAX_NTH; nth++) {
		devmem_test_fail_nth(nth);
		ret = devmem_test_recvmsg(test, conn->rx, t->rx, len,
					  MSG_SOCK_DEVMEM);
		left = devmem_test_fail_nth_left();
		devmem_test_fail_nth(0);
		if (ret > 0) {
			*pos += devmem_faults_check(test, ret, *pos);
			devmem_faults_keep(test, tk);
			return nth - 1;
		}
		KUNIT_ASSERT_EQ_MSG(test, left, 0, "recvmsg: %d", ret);
		devmem_faults_expect_errno(test, ret, "recvmsg", nth);
		KUNIT_ASSERT_EQ(test, t->rx->nr_frags, 0);
	}
	KUNIT_FAIL(test, "recvmsg: no success in %u allocations",
		   DEVMEM_FAULTS_MAX_NTH);
	return 0;
}

/* recvmsg(MSG_SOCK_DEVMEM): the first frag of a socket, which needs its
 * token table, then each frag of a socket holding them all, until it
 * holds more than DEVMEM_TEST_DONTNEED_FRAGS and its table has grown.
 */
static void devmem_faults_recvmsg(struct kunit *test)
{
	struct devmem_faults_tokens tk = {};
	struct devmem_test_conn *conn;
	unsigned int first, n = 0;
	size_t pos = 0;

	conn = devmem_faults_rx_conn(test, &tk);
	first = devmem_faults_recv_sweep(test, conn, DEVMEM_FAULTS_PIECE, &pos,
					 &tk);
	/* A socket's first frag needs memory for its token. */
	KUNIT_EXPECT_GT(test, first, 0);
	while (tk.nr <= DEVMEM_TEST_DONTNEED_FRAGS) {
		if (pos == DEVMEM_FAULTS_XFER_LEN) {
			devmem_faults_queue(test, conn);
			pos = 0;
		}
		n += devmem_faults_recv_sweep(test, conn, DEVMEM_FAULTS_PIECE,
					      &pos, &tk);
	}
	KUNIT_EXPECT_GT(test, n, 0);
	KUNIT_EXPECT_EQ(test, devmem_faults_release(conn->rx, &tk),
			(int)tk.nr);
	devmem_faults_done(test, "recvmsg", first + n);
}

/* SO_DEVMEM_DONTNEED copies the tokens in before releasing any: when that
 * fails, the socket still holds every one of them.
 */
static void devmem_faults_dontneed(struct kunit *test)
{
	struct devmem_faults_tokens tk = {};
	struct devmem_faults_test *t = test->priv;
	struct devmem_test_conn *conn;
	unsigned int nth, left;
	size_t pos = 0;
	int ret;

	conn = devmem_faults_rx_conn(test, &tk);
	while (pos < DEVMEM_FAULTS_XFER_LEN) {
		ret = devmem_test_recvmsg(test, conn->rx, t->rx,
					  DEVMEM_FAULTS_XFER_LEN - pos,
					  MSG_SOCK_DEVMEM);
		KUNIT_ASSERT_GT(test, ret, 0);
		pos += devmem_faults_check(test, ret, pos);
		devmem_faults_keep(test, &tk);
	}
	KUNIT_ASSERT_GT(test, tk.nr, 0);
	KUNIT_ASSERT_LE(test, tk.nr, DEVMEM_TEST_DONTNEED_MAX);

	for (nth = 1; nth <= DEVMEM_FAULTS_MAX_NTH; nth++) {
		devmem_test_fail_nth(nth);
		ret = devmem_test_dontneed(conn->rx, tk.tokens,
					   tk.nr * sizeof(*tk.tokens));
		left = devmem_test_fail_nth_left();
		devmem_test_fail_nth(0);
		if (left || ret >= 0)
			break;
		devmem_faults_expect_errno(test, ret, "dontneed", nth);
	}
	/* All of them, whatever failed before. */
	KUNIT_ASSERT_EQ(test, ret, (int)tk.nr);
	KUNIT_EXPECT_GT(test, nth, 1);
	devmem_faults_done(test, "dontneed", nth - 1);
}

/* Last: the totals over the cases before. */
static void devmem_faults_totals(struct kunit *test)
{
	if (devmem_faults_made_on_err)
		kunit_info(test, "%u binds failed with their binding made\n",
			   devmem_faults_made_on_err);
	kunit_info(test, "devmem_faults: points=%u paths=%u\n",
		   devmem_faults_points, devmem_faults_paths);
	KUNIT_EXPECT_GT(test, devmem_faults_paths, 0);
}

static struct kunit_case devmem_faults_cases[] = {
	KUNIT_CASE(devmem_faults_bind_rx),
	KUNIT_CASE(devmem_faults_bind_rx_two),
	KUNIT_CASE(devmem_faults_bind_tx),
	KUNIT_CASE(devmem_faults_queue_restart),
	KUNIT_CASE(devmem_faults_recvmsg),
	KUNIT_CASE(devmem_faults_dontneed),
	KUNIT_CASE(devmem_faults_totals),
	{}
};

static struct kunit_suite devmem_faults_suite = {
	.name = "devmem_faults",
	.suite_init = devmem_faults_suite_init,
	.init = devmem_faults_init,
	.test_cases = devmem_faults_cases,
};

kunit_test_suite(devmem_faults_suite);
