// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * KUnit tests of the page pool accounting of devmem net_iovs. A page pool
 * counts what it took from its memory provider (pages_state_hold_cnt) and
 * what it gave back (pages_state_release_cnt); their difference, the
 * in-flight count netlink reports, must always equal what the binding's
 * genpool has handed out and not got back. A put path that counts a
 * release twice, or not at all, breaks that equality, and the pool's
 * shutdown then stalls or frees early.
 */

#include <kunit/test.h>
#include <linux/netdevice.h>

#include "devmem_test.h"

#define DEVMEM_PP_DMABUF_SIZE	SZ_4M
#define DEVMEM_PP_XFER_LEN	SZ_64K
#define DEVMEM_PP_MAX_FRAGS	256
#define DEVMEM_PP_RXQ		1

struct devmem_pp_test {
	struct devmem_test_pair *pair;
	struct devmem_test_nl *nl;
	/* For queries: outlives the unbind that closing @nl does. */
	struct devmem_test_nl *query;
	struct devmem_test_dmabuf *buf;
	const struct net_devmem_dmabuf_binding *binding;
	u32 id;
	struct devmem_test_conn *conn;
	struct devmem_test_rx *rx;
	struct dmabuf_token *tokens;
	unsigned int nr_tokens;
	u8 *data;
};

static struct net_device *devmem_pp_dev(struct devmem_pp_test *t)
{
	return t->pair->dev[1];
}

static int devmem_pp_test_init(struct kunit *test)
{
	struct devmem_test_fixture *f;
	struct devmem_pp_test *t;
	struct page_pool *pool;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;

	f = devmem_test_fixture_rx(test, DEVMEM_PP_DMABUF_SIZE, DEVMEM_PP_RXQ);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f);
	t->pair = f->pair;
	t->buf = f->buf;
	t->nl = f->nl;
	t->id = f->id;
	t->query = devmem_test_nl_open(test, t->pair->net[1]);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->query);

	/* The provider's side of the accounting: the binding's genpool. */
	pool = devmem_test_nic_rxq_pool(devmem_pp_dev(t), DEVMEM_PP_RXQ);
	KUNIT_ASSERT_NOT_NULL(test, pool);
	t->binding = devmem_test_peek_binding(pool);
	KUNIT_ASSERT_NOT_NULL(test, t->binding);

	t->conn = devmem_test_tcp_connect(test, t->pair, AF_INET, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->conn);
	t->rx = devmem_test_rx_create(test, DEVMEM_PP_MAX_FRAGS,
				      DEVMEM_PP_XFER_LEN);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->rx);
	t->tokens = kunit_kcalloc(test, DEVMEM_PP_MAX_FRAGS, sizeof(*t->tokens),
				  GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->tokens);
	t->data = kunit_kzalloc(test, DEVMEM_PP_XFER_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->data);
	return 0;
}

/* Sum of the in-flight counts of the binding's pools; the number of pools. */
static int devmem_pp_in_flight(struct kunit *test, u64 *in_flight)
{
	struct devmem_pp_test *t = test->priv;
	int pools;

	pools = devmem_test_nl_pp_in_flight(t->query, t->id, in_flight);
	KUNIT_ASSERT_GE(test, pools, 0);
	return pools;
}

/* hold_cnt - release_cnt over the binding's pools equals the net_iovs out
 * of its genpool. The binding must still be alive: a pool of it exists.
 */
static void devmem_pp_expect_balanced(struct kunit *test, const char *step)
{
	struct devmem_pp_test *t = test->priv;
	u64 in_flight;
	size_t out;

	KUNIT_ASSERT_GT_MSG(test, devmem_pp_in_flight(test, &in_flight), 0,
			    "%s", step);
	out = devmem_test_peek_niovs_out(t->binding);
	KUNIT_EXPECT_EQ_MSG(test, in_flight, (u64)out, "after %s", step);
}

/* Send and receive @len bytes with MSG_SOCK_DEVMEM, keeping the tokens. */
static void devmem_pp_receive(struct kunit *test, size_t len)
{
	struct devmem_pp_test *t = test->priv;
	size_t done = 0;
	unsigned int i;
	int ret;

	KUNIT_ASSERT_EQ(test, devmem_test_send_start(test, t->conn, t->data,
						     len), 0);
	while (done < len) {
		ret = devmem_test_recvmsg(test, t->conn->rx, t->rx, len - done,
					  MSG_SOCK_DEVMEM);
		KUNIT_ASSERT_GT(test, ret, 0);
		for (i = 0; i < t->rx->nr_frags; i++) {
			if (t->rx->frags[i].linear)
				continue;
			KUNIT_ASSERT_LT(test, t->nr_tokens,
					DEVMEM_PP_MAX_FRAGS);
			t->tokens[t->nr_tokens].token_start =
				t->rx->frags[i].cmsg.frag_token;
			t->tokens[t->nr_tokens].token_count = 1;
			t->nr_tokens++;
		}
		done += ret;
	}
	KUNIT_ASSERT_EQ(test, devmem_test_send_wait(test, t->conn),
			(ssize_t)len);
}

/* Release tokens [@first, @first + @n), in calls of at most 128. */
static void devmem_pp_release(struct kunit *test, unsigned int first,
			      unsigned int n)
{
	struct devmem_pp_test *t = test->priv;
	unsigned int i, c;
	int ret;

	for (i = first; i < first + n; i += c) {
		c = min(first + n - i, DEVMEM_TEST_DONTNEED_MAX);
		ret = devmem_test_dontneed(t->conn->rx, &t->tokens[i],
					   c * sizeof(*t->tokens));
		KUNIT_ASSERT_EQ(test, ret, (int)c);
	}
}

/* Wait for the binding's pools to be down to @n, e.g. for a destroyed
 * pool to get its last buffer back, from skbs NAPI frees, and go.
 */
static int devmem_pp_wait_pools(struct kunit *test, int n)
{
	unsigned long timeout = jiffies + DEVMEM_TEST_TIMEOUT;
	u64 in_flight;
	int pools;

	while ((pools = devmem_pp_in_flight(test, &in_flight)) > n &&
	       time_before(jiffies, timeout)) {
		KUNIT_ASSERT_EQ(test, devmem_test_run_napi(test), 0);
		schedule_timeout_interruptible(HZ / 50);
	}
	return pools;
}

/* Tokens handed out, released through SO_DEVMEM_DONTNEED in two steps,
 * then the socket closed.
 */
static void devmem_pp_dontneed(struct kunit *test)
{
	struct devmem_pp_test *t = test->priv;
	unsigned int half;

	devmem_pp_expect_balanced(test, "bind");
	devmem_pp_receive(test, DEVMEM_PP_XFER_LEN);
	devmem_pp_expect_balanced(test, "receive");
	half = t->nr_tokens / 2;
	devmem_pp_release(test, 0, half);
	devmem_pp_expect_balanced(test, "release of half the tokens");
	devmem_pp_release(test, half, t->nr_tokens - half);
	devmem_pp_expect_balanced(test, "release of the rest");
	devmem_test_sock_close(test, t->conn->rx);
	devmem_pp_expect_balanced(test, "close");
}

/* Data never read: the skbs are freed with the socket. */
static void devmem_pp_skb_free(struct kunit *test)
{
	struct devmem_pp_test *t = test->priv;

	KUNIT_ASSERT_EQ(test, devmem_test_send_start(test, t->conn, t->data,
						     PAGE_SIZE), 0);
	KUNIT_ASSERT_EQ(test, devmem_test_send_wait(test, t->conn),
			(ssize_t)PAGE_SIZE);
	/* Blocks until the data is there; reads nothing. */
	KUNIT_ASSERT_EQ(test, devmem_test_recvmsg(test, t->conn->rx, t->rx,
						  PAGE_SIZE, 0), -EFAULT);
	devmem_pp_expect_balanced(test, "receive");
	devmem_test_sock_close(test, t->conn->rx);
	devmem_pp_expect_balanced(test, "close");
}

static void devmem_pp_close_with_tokens(struct kunit *test)
{
	struct devmem_pp_test *t = test->priv;

	devmem_pp_receive(test, DEVMEM_PP_XFER_LEN);
	devmem_test_sock_close(test, t->conn->rx);
	devmem_pp_expect_balanced(test, "close with tokens");
}

/* A new RX ring size restarts the queues: the old pool is destroyed with
 * net_iovs still out, and goes once the socket gives them back.
 */
static void devmem_pp_queue_restart(struct kunit *test)
{
	struct devmem_pp_test *t = test->priv;

	devmem_pp_receive(test, DEVMEM_PP_XFER_LEN);
	KUNIT_ASSERT_EQ(test, devmem_test_nl_set_rx_ring(test, devmem_pp_dev(t),
							 512), 0);
	KUNIT_EXPECT_EQ(test, devmem_pp_in_flight(test, &(u64){ 0 }), 2);
	devmem_pp_expect_balanced(test, "queue restart");

	devmem_pp_release(test, 0, t->nr_tokens);
	devmem_pp_expect_balanced(test, "release");
	KUNIT_EXPECT_EQ(test, devmem_pp_wait_pools(test, 1), 1);
	devmem_pp_expect_balanced(test, "old pool gone");

	/* The new pool receives. */
	t->nr_tokens = 0;
	devmem_pp_receive(test, DEVMEM_PP_XFER_LEN);
	devmem_pp_release(test, 0, t->nr_tokens);
	devmem_pp_expect_balanced(test, "receive after restart");
}

/* Unbind with net_iovs out: the pool's destruction waits for them, then
 * completes, and the binding with it.
 */
static void devmem_pp_unbind_in_flight(struct kunit *test)
{
	struct devmem_pp_test *t = test->priv;
	u64 in_flight;

	devmem_pp_receive(test, DEVMEM_PP_XFER_LEN);
	/* Until the release, an unmap is counted as too early. */
	WRITE_ONCE(t->buf->in_use, true);
	devmem_test_nl_close(test, t->nl);
	devmem_pp_expect_balanced(test, "unbind");
	KUNIT_EXPECT_EQ(test, atomic_read(&t->buf->unmap), 0);

	WRITE_ONCE(t->buf->in_use, false);
	devmem_pp_release(test, 0, t->nr_tokens);
	devmem_test_sock_close(test, t->conn->rx);
	KUNIT_EXPECT_EQ(test, devmem_pp_wait_pools(test, 0), 0);
	KUNIT_EXPECT_EQ(test, devmem_pp_in_flight(test, &in_flight), 0);
	KUNIT_ASSERT_EQ(test, devmem_test_dmabuf_put_and_wait(test, t->buf), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->buf->unmap), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->buf->unmap_in_use), 0);
}

static struct kunit_case devmem_pp_cases[] = {
	KUNIT_CASE(devmem_pp_dontneed),
	KUNIT_CASE(devmem_pp_skb_free),
	KUNIT_CASE(devmem_pp_close_with_tokens),
	KUNIT_CASE(devmem_pp_queue_restart),
	KUNIT_CASE(devmem_pp_unbind_in_flight),
	{}
};

static struct kunit_suite devmem_pp_suite = {
	.name = "devmem_page_pool",
	.init = devmem_pp_test_init,
	.test_cases = devmem_pp_cases,
};

kunit_test_suite(devmem_pp_suite);
