// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * KUnit tests for devmem TCP receive: a kernel TCP socket receives into a
 * mock dma-buf bound to RX queue 0 of a fake NIC, from a socket in another
 * network namespace, through tcp_recvmsg_dmabuf() and SO_DEVMEM_DONTNEED.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <linux/sockios.h>
#include <linux/xarray.h>
#include <asm/ioctls.h>
#include <net/page_pool/types.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "devmem.h"
#include "devmem_test_utils.h"

#define DEVMEM_RX_DMABUF_SIZE	SZ_8M
#define DEVMEM_RX_XFER_LEN	SZ_64K
/* A segment of at most the MSS of the fake NICs' 1500 byte MTU. */
#define DEVMEM_RX_SEG_LEN	1400
/* A DEVMEM_RX_XFER_LEN call returns at most one cmsg per segment. */
#define DEVMEM_RX_MAX_FRAGS	64
#define DEVMEM_RX_MAX_TOKENS	256
#define DEVMEM_RX_POLL_MS	2000
#define DEVMEM_RX_BENCH_LEN	SZ_8M
/* Well within the receive window, whatever the buffers' truesize. */
#define DEVMEM_RX_BENCH_BATCH	SZ_16K

struct devmem_rx_test {
	struct devmem_test_pair *pair;
	struct devmem_test_dmabuf *buf;
	struct netdev_nl_sock *priv;
	struct net_devmem_dmabuf_binding *binding;
	struct devmem_test_conn *conn;
	struct devmem_test_rx *rx;
	u8 *pattern;
	/* Tokens held by the receiver, in the order they were received. */
	struct dmabuf_token *tokens;
	unsigned int nr_tokens;
};

static struct net_device *devmem_rx_dev(struct devmem_rx_test *t)
{
	return t->pair->dev[1];
}

static int devmem_rx_test_init(struct kunit *test)
{
	const unsigned int rxq = 0;
	struct devmem_rx_test *t;
	size_t i;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;

	t->pair = devmem_test_pair_create(test);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->pair);

	t->priv = devmem_test_nl_sock_create(test);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->priv);

	t->buf = devmem_test_dmabuf_create(test, DEVMEM_RX_DMABUF_SIZE, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->buf);

	t->binding = devmem_test_bind_rx(test, devmem_rx_dev(t), t->buf, &rxq,
					 1, t->priv, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->binding);

	t->conn = devmem_test_tcp_connect(test, t->pair, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->conn);

	t->rx = devmem_test_rx_create(test, DEVMEM_RX_MAX_FRAGS,
				      DEVMEM_RX_XFER_LEN);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->rx);

	t->tokens = kunit_kcalloc(test, DEVMEM_RX_MAX_TOKENS,
				  sizeof(*t->tokens), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->tokens);

	/* Does not repeat within a page, nor page to page. */
	t->pattern = kunit_kmalloc(test, DEVMEM_RX_XFER_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->pattern);
	for (i = 0; i < DEVMEM_RX_XFER_LEN; i++)
		t->pattern[i] = (u8)(i * 251) ^ (u8)(i >> 8) ^ (u8)(i >> 16);

	return 0;
}

/* Receive @len bytes of t->pattern with MSG_SOCK_DEVMEM, check every byte
 * in the dma-buf and keep the tokens in t->tokens.
 */
static void devmem_rx_recv_pattern(struct kunit *test, size_t len)
{
	struct devmem_rx_test *t = test->priv;
	struct devmem_test_rx *rx = t->rx;
	size_t done = 0;
	unsigned int i;
	int ret;

	while (done < len) {
		size_t linear = 0, got = 0;

		ret = devmem_test_recvmsg(test, t->conn->rx, rx, len - done,
					  MSG_SOCK_DEVMEM);
		KUNIT_ASSERT_GT(test, ret, 0);

		for (i = 0; i < rx->nr_frags; i++) {
			struct dmabuf_cmsg *cm = &rx->frags[i].cmsg;
			void *va;

			KUNIT_ASSERT_LE(test, done + got + cm->frag_size, len);
			if (rx->frags[i].linear) {
				KUNIT_EXPECT_MEMEQ(test, rx->buf + linear,
						   t->pattern + done + got,
						   cm->frag_size);
				linear += cm->frag_size;
				got += cm->frag_size;
				continue;
			}

			KUNIT_ASSERT_EQ(test, cm->dmabuf_id, t->binding->id);
			va = devmem_test_dmabuf_vaddr(t->buf, cm->frag_offset);
			KUNIT_ASSERT_NOT_NULL(test, va);
			KUNIT_ASSERT_LE(test, cm->frag_offset + cm->frag_size,
					(u64)t->buf->size);
			KUNIT_ASSERT_MEMEQ(test, va, t->pattern + done + got,
					   cm->frag_size);
			got += cm->frag_size;

			KUNIT_ASSERT_LT(test, t->nr_tokens,
					DEVMEM_RX_MAX_TOKENS);
			t->tokens[t->nr_tokens].token_start = cm->frag_token;
			t->tokens[t->nr_tokens].token_count = 1;
			t->nr_tokens++;
		}
		/* The return value counts the bytes left in the dma-buf. */
		KUNIT_ASSERT_EQ(test, got, (size_t)ret);
		done += got;
	}
}

/* Send and receive the whole pattern; the receiver then holds tokens. */
static void devmem_rx_xfer(struct kunit *test)
{
	struct devmem_rx_test *t = test->priv;

	KUNIT_ASSERT_EQ(test, devmem_test_send_start(test, t->conn, t->pattern,
						     DEVMEM_RX_XFER_LEN), 0);
	devmem_rx_recv_pattern(test, DEVMEM_RX_XFER_LEN);
	KUNIT_ASSERT_EQ(test, devmem_test_send_wait(test, t->conn),
			(ssize_t)DEVMEM_RX_XFER_LEN);
	KUNIT_ASSERT_GE(test, t->nr_tokens,
			DEVMEM_RX_XFER_LEN / 1500);
}

/* Release t->tokens, at most DEVMEM_TEST_DONTNEED_MAX per call. */
static int devmem_rx_release_tokens(struct kunit *test)
{
	struct devmem_rx_test *t = test->priv;
	int ret, freed = 0;
	unsigned int i, n;

	for (i = 0; i < t->nr_tokens; i += n) {
		n = min(t->nr_tokens - i, DEVMEM_TEST_DONTNEED_MAX);
		ret = devmem_test_dontneed(test, t->conn->rx, &t->tokens[i],
					   n * sizeof(*t->tokens));
		if (ret < 0)
			return ret;
		freed += ret;
	}

	return freed;
}

static long devmem_rx_wait_outstanding(struct kunit *test)
{
	struct devmem_rx_test *t = test->priv;
	struct net_device *dev;
	long outstanding;
	int ms;

	dev = devmem_rx_dev(t);
	for (ms = 0; ms < DEVMEM_RX_POLL_MS; ms += 20) {
		devmem_test_kick_deferred_skbs();
		outstanding = devmem_test_netdev_rxq_outstanding(dev, 0);
		if (outstanding <= 0)
			break;
		msleep(20);
	}

	return outstanding;
}

static void devmem_rx_test_receive(struct kunit *test)
{
	struct devmem_rx_test *t = test->priv;
	struct sock *sk;

	devmem_rx_xfer(test);

	sk = t->conn->rx->sk;
	/* Every frag is held for the user until released. */
	KUNIT_EXPECT_GE(test,
			devmem_test_netdev_rxq_outstanding(devmem_rx_dev(t), 0),
			(long)t->nr_tokens);

	KUNIT_EXPECT_EQ(test, devmem_rx_release_tokens(test), t->nr_tokens);
	KUNIT_EXPECT_TRUE(test, xa_empty(&sk->sk_user_frags));
	KUNIT_EXPECT_EQ(test, devmem_rx_wait_outstanding(test), 0);
}

static void devmem_rx_test_no_devmem_flag(struct kunit *test)
{
	struct devmem_rx_test *t = test->priv;
	struct devmem_test_rx *rx = t->rx;
	int ret;

	KUNIT_ASSERT_EQ(test, devmem_test_send_start(test, t->conn, t->pattern,
						     DEVMEM_RX_SEG_LEN),
			0);
	KUNIT_ASSERT_EQ(test, devmem_test_send_wait(test, t->conn),
			(ssize_t)DEVMEM_RX_SEG_LEN);

	/* The data is unreadable: a plain recvmsg() cannot copy it. */
	ret = devmem_test_recvmsg(test, t->conn->rx, rx, DEVMEM_RX_XFER_LEN, 0);
	KUNIT_EXPECT_EQ(test, ret, -EFAULT);
	KUNIT_EXPECT_TRUE(test, xa_empty(&t->conn->rx->sk->sk_user_frags));

	/* Nothing was consumed: it is all still there for MSG_SOCK_DEVMEM. */
	devmem_rx_recv_pattern(test, DEVMEM_RX_SEG_LEN);
	KUNIT_EXPECT_EQ(test, devmem_rx_release_tokens(test), t->nr_tokens);
	KUNIT_EXPECT_EQ(test, devmem_rx_wait_outstanding(test), 0);
}

static void devmem_rx_test_dontneed_bad_input(struct kunit *test)
{
	struct devmem_rx_test *t = test->priv;
	struct socket *sock = t->conn->rx;
	struct dmabuf_token *many;
	struct dmabuf_token tok;
	unsigned int i, n;

	devmem_rx_xfer(test);

	many = kunit_kcalloc(test, DEVMEM_TEST_DONTNEED_MAX + 1,
			     sizeof(*many), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, many);

	/* Tokens never handed out: nothing released, no error. */
	tok.token_start = t->tokens[t->nr_tokens - 1].token_start + 1000;
	tok.token_count = 16;
	KUNIT_EXPECT_EQ(test, devmem_test_dontneed(test, sock, &tok,
						   sizeof(tok)), 0);

	/* A length that is not a whole number of tokens. */
	KUNIT_EXPECT_EQ(test, devmem_test_dontneed(test, sock, t->tokens,
						   sizeof(tok) + 4), -EINVAL);
	/* Shorter than an int: rejected before the option is looked at. */
	KUNIT_EXPECT_EQ(test, devmem_test_dontneed(test, sock, t->tokens, 2),
			-EINVAL);

	/* One token more than a call may carry, even if all are valid. */
	n = DEVMEM_TEST_DONTNEED_MAX + 1;
	for (i = 0; i < n; i++)
		many[i] = t->tokens[i % t->nr_tokens];
	KUNIT_EXPECT_EQ(test, devmem_test_dontneed(test, sock, many,
						   n * sizeof(*many)), -EINVAL);

	/* None of the above released anything. */
	KUNIT_EXPECT_GE(test,
			devmem_test_netdev_rxq_outstanding(devmem_rx_dev(t), 0),
			(long)t->nr_tokens);

	/* The first token, twice in one call: released once. */
	tok = t->tokens[0];
	many[0] = tok;
	many[1] = tok;
	KUNIT_EXPECT_EQ(test, devmem_test_dontneed(test, sock, many,
						   2 * sizeof(*many)), 1);
	/* And not again. */
	KUNIT_EXPECT_EQ(test, devmem_test_dontneed(test, sock, &tok,
						   sizeof(tok)), 0);

	/* One range over all tokens and far beyond: the walk stops at the
	 * per-call frag limit and releases the rest.
	 */
	tok.token_start = t->tokens[0].token_start;
	tok.token_count = U32_MAX;
	KUNIT_EXPECT_EQ(test, devmem_test_dontneed(test, sock, &tok,
						   sizeof(tok)),
			t->nr_tokens - 1);

	KUNIT_EXPECT_TRUE(test, xa_empty(&sock->sk->sk_user_frags));
	KUNIT_EXPECT_EQ(test, devmem_rx_wait_outstanding(test), 0);
}

static void devmem_rx_test_close_with_tokens(struct kunit *test)
{
	struct devmem_rx_test *t = test->priv;

	devmem_rx_xfer(test);
	KUNIT_EXPECT_GE(test,
			devmem_test_netdev_rxq_outstanding(devmem_rx_dev(t), 0),
			(long)t->nr_tokens);

	/* tcp_release_user_frags() gives back what the user did not. */
	devmem_test_sock_close(test, t->conn->rx);
	KUNIT_EXPECT_EQ(test, devmem_rx_wait_outstanding(test), 0);
}

static void devmem_rx_test_unbind_with_tokens(struct kunit *test)
{
	struct devmem_rx_test *t = test->priv;
	struct devmem_test_dmabuf *buf;
	struct page_pool *pool;

	buf = t->buf;
	devmem_rx_xfer(test);

	devmem_test_unbind(t->binding, t->priv);

	/* The queue is back on pages, the tokens still pin the net_iovs. */
	pool = devmem_test_netdev_rxq_pool(devmem_rx_dev(t), 0);
	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_EXPECT_NULL(test, pool->mp_ops);
	KUNIT_EXPECT_FALSE(test, xa_empty(&t->conn->rx->sk->sk_user_frags));

	/* They keep the binding, so the mapping, alive: give a release
	 * deferred to the page pool's retry (once a second) and to the
	 * binding's free work time to run, wrongly.
	 */
	devmem_test_kick_deferred_skbs();
	msleep(1500);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->unmap), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->detach), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->release), 0);
	KUNIT_EXPECT_EQ(test, devmem_test_dmabuf_refs(buf), 2);

	devmem_test_sock_close(test, t->conn->rx);

	KUNIT_ASSERT_EQ(test, devmem_test_dmabuf_put_and_wait(test, buf), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->map), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->unmap), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->detach), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->release), 1);
}

/*
 * Cost per frag of the devmem token path: assigning a token to each frag in
 * tcp_recvmsg_dmabuf() (the sk_user_frags xarray, under xa_lock_bh()) and
 * releasing it through SO_DEVMEM_DONTNEED, which also recycles the net_iov
 * into the page pool's ring. Data is sent in batches that fit the receive
 * window; only the recvmsg() and setsockopt() calls, with the harness
 * wrappers around them, are timed, once a batch is queued on the socket.
 *
 * Take the number under QEMU x86_64 without lock debugging, and compare
 * kernels on one host. On UML it says little: irq save/restore is a
 * software signal mask there, lockdep's tracing in local_bh_disable() does
 * an irq save on every xa_lock_bh(), and this_cpu ops (the page pool's
 * recycle stats) are the generic ones that save and restore irqs. The
 * case still checks that all bytes arrive and all tokens come back.
 */
static void devmem_rx_bench_token(struct kunit *test)
{
	struct devmem_rx_test *t = test->priv;
	struct sock *sk = t->conn->rx->sk;
	struct devmem_test_rx *rx = t->rx;
	u64 ns = 0, frags = 0;
	unsigned long timeout;
	size_t done = 0;
	unsigned int i;
	ktime_t start;
	int ret, inq;

	while (done < DEVMEM_RX_BENCH_LEN) {
		const u8 *data = t->pattern + done % DEVMEM_RX_XFER_LEN;
		size_t got = 0;

		/* Untimed: a batch that fits the receive window is sent and
		 * queued on the receiver, so that neither the wait for data
		 * nor the sending is timed below. The ACKs recvmsg() sends
		 * are, with the sender's softirq work on them.
		 */
		ret = devmem_test_send_start(test, t->conn, data,
					     DEVMEM_RX_BENCH_BATCH);
		KUNIT_ASSERT_EQ(test, ret, 0);
		KUNIT_ASSERT_EQ(test, devmem_test_send_wait(test, t->conn),
				(ssize_t)DEVMEM_RX_BENCH_BATCH);
		timeout = jiffies + 10 * HZ;
		for (;;) {
			KUNIT_ASSERT_EQ(test, tcp_ioctl(sk, SIOCINQ, &inq), 0);
			if (inq >= DEVMEM_RX_BENCH_BATCH)
				break;
			KUNIT_ASSERT_TRUE(test, time_before(jiffies, timeout));
			usleep_range(20, 50);
		}

		while (got < DEVMEM_RX_BENCH_BATCH) {
			unsigned int n = 0;

			start = ktime_get();
			ret = devmem_test_recvmsg(test, t->conn->rx, rx,
						  DEVMEM_RX_BENCH_BATCH - got,
						  MSG_SOCK_DEVMEM |
						  MSG_DONTWAIT);
			KUNIT_ASSERT_GT(test, ret, 0);
			for (i = 0; i < rx->nr_frags; i++)
				n += !rx->frags[i].linear;
			KUNIT_ASSERT_EQ(test,
					devmem_test_release_frags(test,
								  t->conn->rx,
								  rx), n);
			ns += ktime_to_ns(ktime_sub(ktime_get(), start));
			frags += n;
			got += ret;
		}
		done += got;
	}

	KUNIT_EXPECT_EQ(test, done, (size_t)DEVMEM_RX_BENCH_LEN);
	KUNIT_EXPECT_TRUE(test, xa_empty(&sk->sk_user_frags));
	KUNIT_ASSERT_GT(test, frags, 0ULL);
	kunit_info(test, "bench: token xarray_ns=%llu\n", div64_u64(ns, frags));
}

static struct kunit_case devmem_rx_test_cases[] = {
	KUNIT_CASE(devmem_rx_test_receive),
	KUNIT_CASE(devmem_rx_test_no_devmem_flag),
	KUNIT_CASE(devmem_rx_test_dontneed_bad_input),
	KUNIT_CASE(devmem_rx_test_close_with_tokens),
	KUNIT_CASE(devmem_rx_test_unbind_with_tokens),
	KUNIT_CASE_SLOW(devmem_rx_bench_token),
	{}
};

static struct kunit_suite devmem_rx_test_suite = {
	.name = "devmem_rx",
	.init = devmem_rx_test_init,
	.test_cases = devmem_rx_test_cases,
};

kunit_test_suite(devmem_rx_test_suite);
