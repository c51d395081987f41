// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * KUnit tests for devmem TCP receive: a TCP socket in one network namespace
 * sends to a socket in another, whose fake NIC receives the flow on an RX
 * queue bound to a mock dma-buf. The receiver uses recvmsg(MSG_SOCK_DEVMEM)
 * and SO_DEVMEM_DONTNEED as a devmem user does, and checks the payload in
 * the dma-buf at each frag_offset.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/errno.h>
#include <linux/file.h>
#include <linux/kthread.h>
#include <linux/netdevice.h>
#include <linux/socket.h>
#include <linux/uio.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "devmem_test.h"

#define DEVMEM_RX_DMABUF_SIZE	SZ_8M
#define DEVMEM_RX_XFER_LEN	SZ_64K
/* A full segment, and one whose payload fits a 1K header buffer whole. */
#define DEVMEM_RX_BURST_LEN	(DEVMEM_TEST_MTU + 460)
/* More frags than one SO_DEVMEM_DONTNEED call releases. */
#define DEVMEM_RX_MAX_TOKENS	(DEVMEM_TEST_DONTNEED_FRAGS + 256)
#define DEVMEM_RX_MAX_FRAGS	256
#define DEVMEM_RX_RXQ		1
/* The DONTNEED race: rounds of a few frags each, on an idle socket. */
#define DEVMEM_RX_GUESS_ROUNDS	2000
#define DEVMEM_RX_GUESS_LEN	(16 * SZ_1K)
#define DEVMEM_RX_GUESS_TOKENS	64
/* Net_iovs a pool may take on top of what it had after the first round. */
#define DEVMEM_RX_GUESS_SLACK	64

struct devmem_rx_test {
	struct devmem_test_pair *pair;
	struct devmem_test_nl *nl;
	struct devmem_test_dmabuf *buf;
	u32 id;
	/* A second binding, on another queue, for a flow that moves. */
	struct devmem_test_dmabuf *buf2;
	u32 id2;
	struct devmem_test_rx *rx;
	u8 *pattern;
	size_t pattern_len;
	/* The NIC may leave whole segments in host memory. */
	bool plain_ok;
	/* devmem_rx_recv() fails the first allocation of each recvmsg(). */
	bool fail_first_alloc;
};

/* Tokens one socket holds, in the order they were received. */
struct devmem_rx_tokens {
	struct dmabuf_token *tokens;
	unsigned int nr;
	size_t bytes;
	/* Of @bytes, those reported by SCM_DEVMEM_LINEAR. */
	size_t linear;
};

static struct net_device *devmem_rx_dev(struct devmem_rx_test *t)
{
	return t->pair->dev[1];
}

static int devmem_rx_test_init(struct kunit *test)
{
	struct devmem_test_fixture *f;
	struct devmem_rx_test *t;
	size_t i;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;

	f = devmem_test_fixture_rx(test, DEVMEM_RX_DMABUF_SIZE, DEVMEM_RX_RXQ);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f);
	t->pair = f->pair;
	t->buf = f->buf;
	t->nl = f->nl;
	t->id = f->id;

	t->rx = devmem_test_rx_create(test, DEVMEM_RX_MAX_FRAGS,
				      DEVMEM_RX_XFER_LEN);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->rx);

	/* Does not repeat within a page, nor page to page. */
	t->pattern_len = 20 * DEVMEM_RX_XFER_LEN;
	t->pattern = kunit_kmalloc(test, t->pattern_len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->pattern);
	for (i = 0; i < t->pattern_len; i++)
		t->pattern[i] = (u8)(i * 251) ^ (u8)(i >> 8) ^ (u8)(i >> 16);

	return 0;
}

static struct devmem_test_conn *devmem_rx_connect(struct kunit *test,
						  int family)
{
	struct devmem_rx_test *t = test->priv;
	struct devmem_test_conn *conn;

	conn = devmem_test_tcp_connect(test, t->pair, family, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, conn);
	return conn;
}

static struct devmem_rx_tokens *devmem_rx_tokens(struct kunit *test)
{
	struct devmem_rx_tokens *tk;

	tk = kunit_kzalloc(test, sizeof(*tk), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tk);
	tk->tokens = kunit_kcalloc(test, DEVMEM_RX_MAX_TOKENS,
				   sizeof(*tk->tokens), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tk->tokens);
	return tk;
}

/* Check what one recvmsg() returned against the pattern from stream offset
 * @pos, and keep its tokens in @tk.
 */
static size_t devmem_rx_check(struct kunit *test, struct devmem_test_rx *rx,
			      int ret, size_t pos, struct devmem_rx_tokens *tk)
{
	struct devmem_rx_test *t = test->priv;
	size_t linear = 0, got = 0;
	unsigned int i;

	/* No SO_DEVMEM_* cmsg: plain TCP data, in the data buffer. */
	if (!rx->nr_frags && t->plain_ok) {
		KUNIT_ASSERT_LE(test, pos + ret, t->pattern_len);
		KUNIT_ASSERT_MEMEQ(test, rx->buf, t->pattern + pos, ret);
		tk->bytes += ret;
		return ret;
	}

	for (i = 0; i < rx->nr_frags; i++) {
		struct dmabuf_cmsg *cm = &rx->frags[i].cmsg;
		struct devmem_test_dmabuf *buf;
		void *va;

		KUNIT_ASSERT_LE(test, pos + got + cm->frag_size,
				t->pattern_len);
		if (rx->frags[i].linear) {
			KUNIT_ASSERT_MEMEQ(test, rx->buf + linear,
					   t->pattern + pos + got,
					   cm->frag_size);
			linear += cm->frag_size;
			tk->linear += cm->frag_size;
			got += cm->frag_size;
			continue;
		}

		buf = cm->dmabuf_id == t->id ? t->buf :
		      cm->dmabuf_id == t->id2 ? t->buf2 : NULL;
		KUNIT_ASSERT_NOT_NULL_MSG(test, buf, "dmabuf_id %u",
					  cm->dmabuf_id);
		KUNIT_ASSERT_LE(test, cm->frag_offset + cm->frag_size,
				(u64)buf->size);
		va = devmem_test_dmabuf_vaddr(buf, cm->frag_offset);
		KUNIT_ASSERT_MEMEQ(test, va, t->pattern + pos + got,
				   cm->frag_size);
		got += cm->frag_size;

		KUNIT_ASSERT_LT(test, tk->nr, DEVMEM_RX_MAX_TOKENS);
		tk->tokens[tk->nr].token_start = cm->frag_token;
		tk->tokens[tk->nr].token_count = 1;
		tk->nr++;
	}
	KUNIT_ASSERT_EQ(test, got, (size_t)ret);
	tk->bytes += got;
	return got;
}

/* Receive @len bytes of the pattern, from stream offset @off, with
 * MSG_SOCK_DEVMEM on @conn, at most @max a call: check every byte and keep
 * the tokens in @tk.
 */
static void devmem_rx_recv(struct kunit *test, struct devmem_test_conn *conn,
			   size_t off, size_t len, size_t max,
			   struct devmem_rx_tokens *tk)
{
	struct devmem_rx_test *t = test->priv;
	size_t done = 0;
	int ret;

	while (done < len) {
		if (t->fail_first_alloc)
			devmem_test_fail_nth(1);
		ret = devmem_test_recvmsg(test, conn->rx, t->rx,
					  min(max, len - done),
					  MSG_SOCK_DEVMEM);
		devmem_test_fail_nth(0);
		KUNIT_ASSERT_GT(test, ret, 0);
		done += devmem_rx_check(test, t->rx, ret, off + done, tk);
	}
}

/* Send @len bytes of the pattern from @off on @conn and receive them with
 * devmem_rx_recv().
 */
static void devmem_rx_xfer(struct kunit *test, struct devmem_test_conn *conn,
			   size_t off, size_t len, struct devmem_rx_tokens *tk)
{
	struct devmem_rx_test *t = test->priv;

	KUNIT_ASSERT_EQ(test, devmem_test_send_start(test, conn,
						     t->pattern + off, len), 0);
	devmem_rx_recv(test, conn, off, len, len, tk);
	KUNIT_ASSERT_EQ(test, devmem_test_send_wait(test, conn), (ssize_t)len);
}

/* Release @n tokens of @tk from @first, at most DEVMEM_TEST_DONTNEED_MAX a
 * call.
 */
static int devmem_rx_release(struct socket *sock, struct devmem_rx_tokens *tk,
			     unsigned int first, unsigned int n)
{
	unsigned int i, c;
	int ret, freed = 0;

	for (i = first; i < first + n; i += c) {
		c = min(first + n - i, DEVMEM_TEST_DONTNEED_MAX);
		ret = devmem_test_dontneed(sock, &tk->tokens[i],
					   c * sizeof(*tk->tokens));
		if (ret < 0)
			return ret;
		freed += ret;
	}

	return freed;
}

/* Unbind, close what is left, and expect every net_iov back: the binding,
 * and so the dma-buf, only go once its page pools have all of them.
 */
static void devmem_rx_expect_all_returned(struct kunit *test)
{
	struct devmem_rx_test *t = test->priv;

	devmem_test_nl_close(test, t->nl);
	KUNIT_ASSERT_EQ(test, devmem_test_dmabuf_put_and_wait(test, t->buf), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->buf->unmap), 1);
}

static void devmem_rx_receive(struct kunit *test, int family)
{
	struct devmem_rx_test *t = test->priv;
	struct devmem_test_conn *conn;
	struct devmem_rx_tokens *tk;
	bool inside = false;
	unsigned int i;

	conn = devmem_rx_connect(test, family);
	tk = devmem_rx_tokens(test);
	devmem_rx_xfer(test, conn, 0, DEVMEM_RX_XFER_LEN, tk);

	/* The NIC packs payload into net_iovs: frags start inside them. */
	for (i = 0; i < t->rx->nr_frags; i++)
		inside |= t->rx->frags[i].cmsg.frag_offset % PAGE_SIZE != 0;
	KUNIT_EXPECT_TRUE(test, inside);

	KUNIT_EXPECT_EQ(test, devmem_rx_release(conn->rx, tk, 0, tk->nr),
			(int)tk->nr);
	devmem_test_sock_close(test, conn->rx);
	devmem_rx_expect_all_returned(test);
}

static void devmem_rx_receive_ipv4(struct kunit *test)
{
	devmem_rx_receive(test, AF_INET);
}

static void devmem_rx_receive_ipv6(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_IPV6))
		kunit_skip(test, "needs CONFIG_IPV6");
	devmem_rx_receive(test, AF_INET6);
}

/* Without MSG_SOCK_DEVMEM, devmem payload cannot be read: nothing is
 * consumed, and a devmem recvmsg() then gets all of it.
 */
static void devmem_rx_no_devmem_flag(struct kunit *test)
{
	struct devmem_rx_test *t = test->priv;
	struct devmem_test_conn *conn;
	struct devmem_rx_tokens *tk;
	int ret;

	conn = devmem_rx_connect(test, AF_INET);
	tk = devmem_rx_tokens(test);
	KUNIT_ASSERT_EQ(test, devmem_test_send_start(test, conn, t->pattern,
						     PAGE_SIZE), 0);
	KUNIT_ASSERT_EQ(test, devmem_test_send_wait(test, conn),
			(ssize_t)PAGE_SIZE);

	/* Blocks until data is there. */
	ret = devmem_test_recvmsg(test, conn->rx, t->rx, PAGE_SIZE, 0);
	KUNIT_EXPECT_EQ(test, ret, -EFAULT);
	devmem_rx_recv(test, conn, 0, PAGE_SIZE, PAGE_SIZE, tk);
	KUNIT_EXPECT_EQ(test, devmem_rx_release(conn->rx, tk, 0, tk->nr),
			(int)tk->nr);
}

/* Room for one cmsg: recvmsg() stops after the first frag, hands out one
 * token, and the next call goes on from there.
 */
static void devmem_rx_cmsg_room_for_one(struct kunit *test)
{
	struct devmem_rx_test *t = test->priv;
	struct devmem_test_conn *conn;
	struct devmem_rx_tokens *tk;
	struct devmem_test_rx *rx1;
	size_t done = 0;
	int ret;

	conn = devmem_rx_connect(test, AF_INET);
	tk = devmem_rx_tokens(test);
	rx1 = devmem_test_rx_create(test, 1, DEVMEM_RX_XFER_LEN);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rx1);

	KUNIT_ASSERT_EQ(test, devmem_test_send_start(test, conn, t->pattern,
						     4 * PAGE_SIZE), 0);
	KUNIT_ASSERT_EQ(test, devmem_test_send_wait(test, conn),
			(ssize_t)(4 * PAGE_SIZE));
	while (done < 4 * PAGE_SIZE) {
		ret = devmem_test_recvmsg(test, conn->rx, rx1,
					  4 * PAGE_SIZE - done,
					  MSG_SOCK_DEVMEM);
		KUNIT_ASSERT_GT(test, ret, 0);
		KUNIT_ASSERT_EQ(test, rx1->nr_frags, 1);
		KUNIT_EXPECT_LE(test, ret, DEVMEM_TEST_RX_BUF_LEN);
		KUNIT_EXPECT_FALSE(test, rx1->msg_flags & MSG_CTRUNC);
		done += devmem_rx_check(test, rx1, ret, done, tk);
	}
	KUNIT_EXPECT_EQ(test, devmem_rx_release(conn->rx, tk, 0, tk->nr),
			(int)tk->nr);
	devmem_test_sock_close(test, conn->rx);
	devmem_rx_expect_all_returned(test);
}

/* No room for any cmsg: EIO, and nothing consumed. Guards "net: devmem:
 * don't return -ETOOSMALL to user space from recvmsg()".
 */
static void devmem_rx_cmsg_no_room(struct kunit *test)
{
	struct devmem_rx_test *t = test->priv;
	struct devmem_test_conn *conn;
	struct devmem_rx_tokens *tk;
	unsigned long i;
	int ret;

	conn = devmem_rx_connect(test, AF_INET);
	tk = devmem_rx_tokens(test);
	KUNIT_ASSERT_EQ(test, devmem_test_send_start(test, conn, t->pattern,
						     PAGE_SIZE), 0);
	KUNIT_ASSERT_EQ(test, devmem_test_send_wait(test, conn),
			(ssize_t)PAGE_SIZE);
	/* All of it queued first, so that the failing call can be seen to
	 * consume nothing.
	 */
	for (i = 0; devmem_test_sock_inq(conn->rx) < (int)PAGE_SIZE; i++) {
		KUNIT_ASSERT_LT(test, i, DEVMEM_TEST_TIMEOUT);
		schedule_timeout_uninterruptible(1);
	}

	t->rx->control_len = CMSG_LEN(sizeof(struct dmabuf_cmsg)) - 1;
	ret = devmem_test_recvmsg(test, conn->rx, t->rx, PAGE_SIZE,
				  MSG_SOCK_DEVMEM);
	t->rx->control_len = DEVMEM_RX_MAX_FRAGS *
			     CMSG_SPACE(sizeof(struct dmabuf_cmsg));
	KUNIT_EXPECT_EQ(test, ret, -EIO);
	KUNIT_EXPECT_EQ(test, devmem_test_sock_inq(conn->rx), (int)PAGE_SIZE);

	devmem_rx_recv(test, conn, 0, PAGE_SIZE, PAGE_SIZE, tk);
	KUNIT_EXPECT_EQ(test, devmem_rx_release(conn->rx, tk, 0, tk->nr),
			(int)tk->nr);
}

/* A NIC that cannot split at the header boundary leaves some payload in
 * host memory: recvmsg() copies it to the data buffer and reports it with
 * SCM_DEVMEM_LINEAR, in stream order with the dma-buf frags.
 */
static void devmem_rx_linear(struct kunit *test)
{
	const struct devmem_test_rxq_cfg cfg = { .split_at = 256 };
	struct devmem_rx_test *t = test->priv;
	struct devmem_test_conn *conn;
	struct devmem_rx_tokens *tk;

	devmem_test_nic_set_rxq(devmem_rx_dev(t), DEVMEM_RX_RXQ, &cfg);
	/* A short segment, as TCP sends when the sender is slow to run,
	 * fits the header buffer whole: plain TCP data.
	 */
	t->plain_ok = true;
	conn = devmem_rx_connect(test, AF_INET);
	tk = devmem_rx_tokens(test);
	devmem_rx_xfer(test, conn, 0, DEVMEM_RX_XFER_LEN, tk);

	KUNIT_EXPECT_GT(test, tk->linear, 0);
	KUNIT_EXPECT_EQ(test, devmem_rx_release(conn->rx, tk, 0, tk->nr),
			(int)tk->nr);
}

/* A queue that leaves payload in its header buffer, large enough that the
 * driver builds the skb around a page fragment (skb->head_frag), as drivers
 * that build their skbs around the header buffer do. Neither GRO nor TCP
 * coalescing may move that page, payload the stack can read, into the frags
 * of an skb whose frags it cannot. A short segment that fits the header
 * buffer whole is plain TCP data.
 */
static void devmem_rx_head_frag(struct kunit *test, bool gro)
{
	const struct devmem_test_rxq_cfg cfg = {
		.split_at = SZ_1K,
		.no_gro = !gro,
	};
	struct devmem_rx_test *t = test->priv;
	struct devmem_test_conn *conn;
	struct devmem_rx_tokens *tk;

	devmem_test_nic_set_rxq(devmem_rx_dev(t), DEVMEM_RX_RXQ, &cfg);
	t->plain_ok = true;
	conn = devmem_rx_connect(test, AF_INET);
	tk = devmem_rx_tokens(test);
	/* First one full segment and a short one. Without Nagle they leave
	 * in one GSO packet, so the receiver's NAPI gets both in one poll
	 * and GRO (or TCP) meets the short one with the full one before it.
	 */
	tcp_sock_set_nodelay(conn->tx->sk);
	devmem_rx_xfer(test, conn, 0, DEVMEM_RX_BURST_LEN, tk);
	devmem_rx_xfer(test, conn, DEVMEM_RX_BURST_LEN, DEVMEM_RX_XFER_LEN, tk);

	KUNIT_EXPECT_GT(test, tk->linear, 0);
	KUNIT_EXPECT_GT(test, tk->nr, 0);
	KUNIT_EXPECT_EQ(test, devmem_rx_release(conn->rx, tk, 0, tk->nr),
			(int)tk->nr);
	devmem_test_sock_close(test, conn->rx);
	devmem_rx_expect_all_returned(test);
}

/* Guards "net: keep heads that hold payload out of unreadable skbs" in
 * skb_gro_receive().
 */
static void devmem_rx_linear_head_frag(struct kunit *test)
{
	devmem_rx_head_frag(test, true);
}

/* The same without GRO: segments meet in tcp_try_coalesce(). Guards "net:
 * keep heads that hold payload out of unreadable skbs" in
 * skb_try_coalesce().
 */
static void devmem_rx_linear_head_frag_no_gro(struct kunit *test)
{
	devmem_rx_head_frag(test, false);
}

/* A flow steered mid-stream from a queue bound to one dma-buf to a queue
 * bound to another: the stream goes on, each frag in the dma-buf its queue
 * is bound to, and the tokens of both release.
 */
static void devmem_rx_flow_moves_between_bindings(struct kunit *test)
{
	static const unsigned int rxq2[] = { DEVMEM_RX_RXQ + 1 };
	struct devmem_rx_test *t = test->priv;
	struct devmem_test_conn *conn;
	struct devmem_rx_tokens *tk;
	unsigned int i, in2 = 0;
	int err;

	t->buf2 = devmem_test_dmabuf_create(test, DEVMEM_RX_DMABUF_SIZE, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->buf2);
	err = devmem_test_nl_bind_rx(t->nl, devmem_rx_dev(t), t->buf2, rxq2, 1,
				     &t->id2);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "extack: %s", t->nl->extack);

	conn = devmem_rx_connect(test, AF_INET);
	tk = devmem_rx_tokens(test);
	devmem_rx_xfer(test, conn, 0, DEVMEM_RX_XFER_LEN, tk);
	devmem_test_nic_steer(devmem_rx_dev(t), rxq2[0]);
	devmem_rx_xfer(test, conn, DEVMEM_RX_XFER_LEN, DEVMEM_RX_XFER_LEN, tk);

	for (i = 0; i < t->rx->nr_frags; i++)
		in2 += t->rx->frags[i].cmsg.dmabuf_id == t->id2;
	KUNIT_EXPECT_GT(test, in2, 0);

	KUNIT_EXPECT_EQ(test, devmem_rx_release(conn->rx, tk, 0, tk->nr),
			(int)tk->nr);
	devmem_test_sock_close(test, conn->rx);
	devmem_test_nl_close(test, t->nl);
	KUNIT_EXPECT_EQ(test, devmem_test_dmabuf_put_and_wait(test, t->buf), 0);
	KUNIT_EXPECT_EQ(test, devmem_test_dmabuf_put_and_wait(test, t->buf2),
			0);
}

/* Reads that end inside frags: each cmsg covers what was read of a frag,
 * from the right offset.
 */
static void devmem_rx_partial_frags(struct kunit *test)
{
	const size_t chunk = DEVMEM_TEST_RX_BUF_LEN / 3;
	struct devmem_rx_test *t = test->priv;
	struct devmem_test_conn *conn;
	struct devmem_rx_tokens *tk;

	conn = devmem_rx_connect(test, AF_INET);
	tk = devmem_rx_tokens(test);
	KUNIT_ASSERT_EQ(test, devmem_test_send_start(test, conn, t->pattern,
						     DEVMEM_RX_XFER_LEN), 0);
	devmem_rx_recv(test, conn, 0, DEVMEM_RX_XFER_LEN, chunk, tk);
	KUNIT_ASSERT_EQ(test, devmem_test_send_wait(test, conn),
			(ssize_t)DEVMEM_RX_XFER_LEN);
	KUNIT_EXPECT_EQ(test, devmem_rx_release(conn->rx, tk, 0, tk->nr),
			(int)tk->nr);
	devmem_test_sock_close(test, conn->rx);
	devmem_rx_expect_all_returned(test);
}

/* Frags within which a released token is handed out again. */
#define DEVMEM_RX_REUSE_FRAGS	(4 * PAGE_SIZE / sizeof(unsigned long))

/* A released token is handed out again, and a second release of it frees
 * nothing: a socket that gives back what it receives reuses its tokens
 * rather than growing through new ones, also while it holds some.
 */
static void devmem_rx_token_reuse(struct kunit *test)
{
	struct devmem_rx_test *t = test->priv;
	struct devmem_rx_tokens *tk, *held;
	struct devmem_test_conn *conn;
	struct dmabuf_token first;
	unsigned int i, frags = 0;
	bool again = false;
	size_t off = 0;

	conn = devmem_rx_connect(test, AF_INET);
	tk = devmem_rx_tokens(test);
	held = devmem_rx_tokens(test);
	devmem_rx_xfer(test, conn, 0, PAGE_SIZE, held);
	KUNIT_ASSERT_GT(test, held->nr, 1);
	first = held->tokens[0];
	KUNIT_EXPECT_EQ(test, devmem_rx_release(conn->rx, held, 0, 1), 1);
	KUNIT_EXPECT_EQ(test, devmem_test_dontneed(conn->rx, &first,
						   sizeof(first)), 0);

	/* The rest of the first page's frags stay held; never more than two
	 * pages' worth. The free tokens go first, then the released ones,
	 * newest first: the first token is back within four pages' worth.
	 */
	while (!again && frags < DEVMEM_RX_REUSE_FRAGS) {
		off = (off + PAGE_SIZE) % t->pattern_len;
		tk->nr = 0;
		devmem_rx_xfer(test, conn, off, PAGE_SIZE, tk);
		for (i = 0; i < tk->nr; i++)
			again |= tk->tokens[i].token_start == first.token_start;
		frags += tk->nr;
		KUNIT_ASSERT_EQ(test, devmem_rx_release(conn->rx, tk, 0,
							tk->nr),
				(int)tk->nr);
	}
	KUNIT_EXPECT_TRUE_MSG(test, again, "token %u not reused in %u frags",
			      first.token_start, frags);
	KUNIT_EXPECT_EQ(test, devmem_rx_release(conn->rx, held, 1,
						held->nr - 1),
			(int)held->nr - 1);
}

/* Tokens nobody holds release nothing, and leave what is held alone. */
static void devmem_rx_dontneed_bad_tokens(struct kunit *test)
{
	const struct dmabuf_token bad[] = {
		{ .token_start = 0, .token_count = 1 },
		{ .token_start = 1U << 30, .token_count = 16 },
		/* Would wrap around to 0, and to the held token 1. */
		{ .token_start = U32_MAX, .token_count = 2 },
		{ .token_start = U32_MAX, .token_count = 3 },
		{ .token_start = 1, .token_count = 0 },
	};
	struct devmem_test_conn *conn;
	struct devmem_rx_tokens *tk;

	conn = devmem_rx_connect(test, AF_INET);
	tk = devmem_rx_tokens(test);
	devmem_rx_xfer(test, conn, 0, PAGE_SIZE, tk);

	KUNIT_EXPECT_EQ(test, devmem_test_dontneed(conn->rx, bad, sizeof(bad)),
			0);
	KUNIT_EXPECT_EQ(test, devmem_test_dontneed(conn->rx, bad,
						   sizeof(bad[0]) - 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, devmem_rx_release(conn->rx, tk, 0, tk->nr),
			(int)tk->nr);
	devmem_test_sock_close(test, conn->rx);
	devmem_rx_expect_all_returned(test);
}

/* Receive more than @n tokens' worth on a new connection. */
static struct devmem_rx_tokens *devmem_rx_hold(struct kunit *test,
					       struct devmem_test_conn *conn,
					       unsigned int n)
{
	struct devmem_rx_tokens *tk = devmem_rx_tokens(test);
	size_t off = 0;

	while (tk->nr < n) {
		devmem_rx_xfer(test, conn, off, DEVMEM_RX_XFER_LEN, tk);
		off += DEVMEM_RX_XFER_LEN;
	}
	return tk;
}

/* One call takes at most DEVMEM_TEST_DONTNEED_MAX entries. */
static void devmem_rx_dontneed_max_tokens(struct kunit *test)
{
	unsigned int max = DEVMEM_TEST_DONTNEED_MAX;
	struct devmem_test_conn *conn;
	struct devmem_rx_tokens *tk;
	unsigned int len;

	conn = devmem_rx_connect(test, AF_INET);
	tk = devmem_rx_hold(test, conn, max + 1);

	len = (max + 1) * sizeof(*tk->tokens);
	KUNIT_EXPECT_EQ(test, devmem_test_dontneed(conn->rx, tk->tokens, len),
			-EINVAL);
	len = max * sizeof(*tk->tokens);
	KUNIT_EXPECT_EQ(test, devmem_test_dontneed(conn->rx, tk->tokens, len),
			(int)max);
	KUNIT_EXPECT_EQ(test, devmem_rx_release(conn->rx, tk, max,
						tk->nr - max),
			(int)(tk->nr - max));
	devmem_test_sock_close(test, conn->rx);
	devmem_rx_expect_all_returned(test);
}

/* One call releases at most DEVMEM_TEST_DONTNEED_FRAGS frags; the rest stay
 * held until released.
 */
static void devmem_rx_dontneed_max_frags(struct kunit *test)
{
	unsigned int max = DEVMEM_TEST_DONTNEED_FRAGS;
	struct devmem_test_conn *conn;
	struct dmabuf_token range[2];
	struct devmem_rx_tokens *tk;
	unsigned int i;

	conn = devmem_rx_connect(test, AF_INET);
	tk = devmem_rx_hold(test, conn, max + 1);

	/* Tokens are handed out in order when none was released. */
	for (i = 1; i < tk->nr; i++)
		KUNIT_ASSERT_EQ(test, tk->tokens[i].token_start,
				tk->tokens[0].token_start + i);

	range[0].token_start = tk->tokens[0].token_start;
	range[0].token_count = max - 1;
	range[1].token_start = tk->tokens[max - 1].token_start;
	range[1].token_count = 2;
	KUNIT_EXPECT_EQ(test, devmem_test_dontneed(conn->rx, range,
						   sizeof(range)),
			(int)max);
	KUNIT_EXPECT_EQ(test, devmem_rx_release(conn->rx, tk, max,
						tk->nr - max),
			(int)(tk->nr - max));
	devmem_test_sock_close(test, conn->rx);
	devmem_rx_expect_all_returned(test);
}

/* A socket cannot release another socket's frags. */
static void devmem_rx_tokens_of_another_socket(struct kunit *test)
{
	struct devmem_test_conn *a, *b;
	struct devmem_rx_tokens *ta, *tb;

	a = devmem_rx_connect(test, AF_INET);
	b = devmem_rx_connect(test, AF_INET);
	ta = devmem_rx_tokens(test);
	tb = devmem_rx_tokens(test);
	devmem_rx_xfer(test, a, 0, PAGE_SIZE, ta);
	devmem_rx_xfer(test, b, PAGE_SIZE, PAGE_SIZE / 2, tb);

	/* Token values are per socket: b's may equal a's, and free only
	 * what b holds.
	 */
	KUNIT_EXPECT_EQ(test, devmem_rx_release(b->rx, ta, 0, ta->nr),
			(int)min(ta->nr, tb->nr));
	KUNIT_EXPECT_EQ(test, devmem_rx_release(a->rx, ta, 0, ta->nr),
			(int)ta->nr);
	devmem_test_sock_close(test, a->rx);
	devmem_test_sock_close(test, b->rx);
	devmem_rx_expect_all_returned(test);
}

/* SO_DEVMEM_DONTNEED in a thread of its own, naming the tokens a recvmsg()
 * on an idle socket picks first.
 */
struct devmem_rx_guesser {
	struct socket *sock;
	struct task_struct *thread;
	struct completion done;
	bool stop;
	unsigned int calls;
};

static int devmem_rx_guesser_thread(void *arg)
{
	static const struct dmabuf_token low = {
		.token_start = 1,
		.token_count = DEVMEM_RX_GUESS_TOKENS,
	};
	struct devmem_rx_guesser *g = arg;

	while (!READ_ONCE(g->stop)) {
		devmem_test_dontneed(g->sock, &low, sizeof(low));
		g->calls++;
		cond_resched();
	}
	complete(&g->done);
	return 0;
}

static void devmem_rx_guesser_stop(void *arg)
{
	struct devmem_rx_guesser *g = arg;

	if (READ_ONCE(g->stop))
		return;
	WRITE_ONCE(g->stop, true);
	wait_for_completion(&g->done);
}

/* Tokens recvmsg() has picked but not handed out yet are not the user's.
 * DONTNEED from another thread naming them, racing recvmsg() on the other
 * vCPU, may release frags user space was handed (it named their tokens),
 * but never leaves one held with no token: after each round, once the
 * socket has given back every token it handed out, the queue's pool has
 * no more out than it recycles, and after close every net_iov is back and
 * the binding goes. Guards "net: devmem: don't release reserved RX tokens in
 * SO_DEVMEM_DONTNEED".
 */
static void devmem_rx_dontneed_unreceived_tokens(struct kunit *test)
{
	struct devmem_rx_test *t = test->priv;
	u64 in_flight, first = 0, top = 0;
	struct devmem_test_conn *conn;
	struct devmem_rx_guesser *g;
	struct devmem_rx_tokens *tk;
	unsigned int round, i;
	size_t done;
	int ret;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 CPUs");

	conn = devmem_rx_connect(test, AF_INET);
	tk = devmem_rx_tokens(test);
	g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, g);
	g->sock = conn->rx;
	init_completion(&g->done);
	g->thread = kthread_create(devmem_rx_guesser_thread, g,
				   "devmem-rx-guess");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, g->thread);
	wake_up_process(g->thread);
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test, devmem_rx_guesser_stop,
						  g), 0);

	for (round = 0; round < DEVMEM_RX_GUESS_ROUNDS; round++) {
		size_t off = round * DEVMEM_RX_GUESS_LEN % t->pattern_len;

		ret = devmem_test_send_start(test, conn, t->pattern + off,
					     DEVMEM_RX_GUESS_LEN);
		KUNIT_ASSERT_EQ(test, ret, 0);
		tk->nr = 0;
		for (done = 0; done < DEVMEM_RX_GUESS_LEN; done += ret) {
			ret = devmem_test_recvmsg(test, conn->rx, t->rx,
						  DEVMEM_RX_GUESS_LEN - done,
						  MSG_SOCK_DEVMEM);
			KUNIT_ASSERT_GT(test, ret, 0);
			for (i = 0; i < t->rx->nr_frags; i++) {
				struct dmabuf_cmsg *cm = &t->rx->frags[i].cmsg;

				if (t->rx->frags[i].linear)
					continue;
				KUNIT_ASSERT_LT(test, tk->nr,
						DEVMEM_RX_MAX_TOKENS);
				tk->tokens[tk->nr].token_start = cm->frag_token;
				tk->tokens[tk->nr++].token_count = 1;
			}
		}
		KUNIT_ASSERT_EQ(test, devmem_test_send_wait(test, conn),
				(ssize_t)DEVMEM_RX_GUESS_LEN);
		/* Some of them the other thread may have released. */
		KUNIT_ASSERT_GE(test,
				devmem_rx_release(conn->rx, tk, 0, tk->nr), 0);

		/* The socket holds no frag now: what the queue's pool has
		 * out stays what it recycles, and does not grow by frags
		 * left held with no token. Freed skbs hold theirs until
		 * NAPI runs where they were received.
		 */
		KUNIT_ASSERT_EQ(test, devmem_test_run_napi(test), 0);
		KUNIT_ASSERT_GE(test, devmem_test_nl_pp_in_flight(t->nl, t->id,
								  &in_flight),
				1);
		if (!round)
			first = in_flight;
		top = max(top, in_flight);
		KUNIT_ASSERT_LE_MSG(test, in_flight,
				    first + DEVMEM_RX_GUESS_SLACK,
				    "round %u: net_iovs out with no token held",
				    round);
	}
	devmem_rx_guesser_stop(g);
	kunit_info(test,
		   "%u rounds, %u racing DONTNEED calls, in flight %llu-%llu\n",
		   round, g->calls, first, top);

	devmem_test_sock_close(test, conn->rx);
	devmem_rx_expect_all_returned(test);
}

/* Closing a socket gives back every frag it holds. */
static void devmem_rx_close_with_tokens(struct kunit *test)
{
	struct devmem_test_conn *conn;
	struct devmem_rx_tokens *tk;

	conn = devmem_rx_connect(test, AF_INET);
	tk = devmem_rx_tokens(test);
	devmem_rx_xfer(test, conn, 0, DEVMEM_RX_XFER_LEN, tk);
	devmem_test_sock_close(test, conn->rx);
	devmem_rx_expect_all_returned(test);
}

/* Unbinding leaves the frags a socket holds readable and releasable; the
 * binding goes with the last of them.
 */
static void devmem_rx_unbind_with_tokens(struct kunit *test)
{
	struct devmem_rx_test *t = test->priv;
	struct devmem_test_conn *conn;
	struct devmem_rx_tokens *tk;
	unsigned int half;

	conn = devmem_rx_connect(test, AF_INET);
	tk = devmem_rx_tokens(test);
	devmem_rx_xfer(test, conn, 0, DEVMEM_RX_XFER_LEN, tk);

	/* Until the close, an unmap is counted as too early. */
	WRITE_ONCE(t->buf->in_use, true);
	devmem_test_nl_close(test, t->nl);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->buf->unmap), 0);

	half = tk->nr / 2;
	KUNIT_EXPECT_EQ(test, devmem_rx_release(conn->rx, tk, 0, half),
			(int)half);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->buf->unmap), 0);

	WRITE_ONCE(t->buf->in_use, false);
	devmem_test_sock_close(test, conn->rx);
	KUNIT_ASSERT_EQ(test, devmem_test_dmabuf_put_and_wait(test, t->buf), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->buf->unmap), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->buf->unmap_in_use), 0);
}

/* The NIC going away with frags held by a socket: they stay releasable,
 * and the binding goes once they are.
 */
static void devmem_rx_unregister_with_tokens(struct kunit *test)
{
	struct devmem_rx_test *t = test->priv;
	struct devmem_test_conn *conn;
	struct devmem_rx_tokens *tk;

	conn = devmem_rx_connect(test, AF_INET);
	tk = devmem_rx_tokens(test);
	devmem_rx_xfer(test, conn, 0, DEVMEM_RX_XFER_LEN, tk);

	devmem_test_nic_unregister(test, devmem_rx_dev(t));
	KUNIT_EXPECT_EQ(test, devmem_rx_release(conn->rx, tk, 0, tk->nr),
			(int)tk->nr);
	devmem_test_sock_close(test, conn->rx);
	devmem_rx_expect_all_returned(test);
}

/* What a socket holding @n frags may hold for their tokens: at most 16
 * bytes a frag, and two pages.
 */
#define DEVMEM_RX_TOKEN_BYTES(n) \
	(2 * ((n) + 1) * sizeof(u64) + 2 * PAGE_SIZE)
/* Tokens stay below the most frags the socket held at once plus this, as
 * devmem.rst documents.
 */
#define DEVMEM_RX_TOKEN_SLACK	(PAGE_SIZE / sizeof(unsigned long))
/* Rounds of a few frags received and released that give the memory of a
 * peak of DEVMEM_TEST_DONTNEED_FRAGS frags back.
 */
#define DEVMEM_RX_SHRINK_ROUNDS	400

/* Receive and release DEVMEM_RX_XFER_LEN at a time until @conn's token
 * memory is down to @small: false if it is not within
 * DEVMEM_RX_SHRINK_ROUNDS.
 */
static bool devmem_rx_shrinks_to(struct kunit *test,
				 struct devmem_test_conn *conn, size_t small)
{
	struct devmem_rx_tokens *tk = devmem_rx_tokens(test);
	unsigned int i;
	int ret;

	for (i = 0; i < DEVMEM_RX_SHRINK_ROUNDS; i++) {
		if (devmem_test_peek_token_bytes(conn->rx) == small)
			return true;
		tk->nr = 0;
		devmem_rx_xfer(test, conn, 0, DEVMEM_RX_XFER_LEN, tk);
		ret = devmem_rx_release(conn->rx, tk, 0, tk->nr);
		KUNIT_ASSERT_EQ(test, ret, (int)tk->nr);
	}
	return false;
}

/* Token memory follows what a socket holds, not the size of the dma-buf:
 * none until it receives a frag, O(frags) while it holds them, and, once
 * the socket holds few for a while, what a few frags need.
 */
static void devmem_rx_token_memory(struct kunit *test)
{
	const struct dmabuf_token none = { .token_start = 1, .token_count = 1 };
	struct devmem_test_conn *conn;
	struct devmem_rx_tokens *tk;
	size_t small;

	conn = devmem_rx_connect(test, AF_INET);
	KUNIT_EXPECT_EQ(test, devmem_test_dontneed(conn->rx, &none,
						   sizeof(none)), 0);
	KUNIT_EXPECT_EQ(test, devmem_test_peek_token_bytes(conn->rx), 0);

	tk = devmem_rx_tokens(test);
	devmem_rx_xfer(test, conn, 0, DEVMEM_RX_XFER_LEN, tk);
	small = devmem_test_peek_token_bytes(conn->rx);
	KUNIT_EXPECT_GT(test, small, 0);
	KUNIT_EXPECT_LE(test, small, DEVMEM_RX_TOKEN_BYTES(tk->nr));

	while (tk->nr <= DEVMEM_TEST_DONTNEED_FRAGS)
		devmem_rx_xfer(test, conn, tk->bytes, DEVMEM_RX_XFER_LEN, tk);
	/* Fewer than a page of tokens may fit in what it had. */
	if (tk->nr > DEVMEM_RX_TOKEN_SLACK)
		KUNIT_EXPECT_GT(test, devmem_test_peek_token_bytes(conn->rx),
				small);
	KUNIT_EXPECT_LE(test, devmem_test_peek_token_bytes(conn->rx),
			DEVMEM_RX_TOKEN_BYTES(tk->nr));

	KUNIT_EXPECT_EQ(test, devmem_rx_release(conn->rx, tk, 0, tk->nr),
			(int)tk->nr);
	KUNIT_EXPECT_TRUE_MSG(test, devmem_rx_shrinks_to(test, conn, small),
			      "%zu bytes, not %zu, after %u rounds",
			      devmem_test_peek_token_bytes(conn->rx), small,
			      DEVMEM_RX_SHRINK_ROUNDS);

	devmem_test_sock_close(test, conn->rx);
	devmem_rx_expect_all_returned(test);
}

/* Send @len bytes of the pattern from @off and wait until all of them are
 * queued at the receiver: its recvmsg() then waits for nothing, and makes
 * no allocation for segments that come in meanwhile.
 */
static void devmem_rx_queue(struct kunit *test, struct devmem_test_conn *conn,
			    size_t off, size_t len)
{
	unsigned long timeout = jiffies + DEVMEM_TEST_TIMEOUT;
	struct devmem_rx_test *t = test->priv;

	KUNIT_ASSERT_EQ(test, devmem_test_send_start(test, conn,
						     t->pattern + off, len), 0);
	KUNIT_ASSERT_EQ(test, devmem_test_send_wait(test, conn), (ssize_t)len);
	while (devmem_test_sock_inq(conn->rx) < (int)len) {
		KUNIT_ASSERT_TRUE(test, time_before(jiffies, timeout));
		usleep_range(100, 200);
	}
}

/* Rounds of the drain loop: every round after the first finds the tokens
 * it needs.
 */
#define DEVMEM_RX_DRAIN_ROUNDS	8
/* Bytes a recvmsg() of the drain and nomem cases asks for: less than any
 * frag, so each call hands out one token, and a failure to find room for
 * it fails the call rather than ending it early. DEVMEM_RX_XFER_LEN of them
 * are more than DEVMEM_TEST_DONTNEED_FRAGS tokens.
 */
#define DEVMEM_RX_PIECE		64

/* A reader that receives DEVMEM_TEST_DONTNEED_FRAGS frags and releases them
 * all, over and over, as ncdevmem and kperf do: once its first round has
 * made room, recvmsg() allocates nothing. Each recvmsg() of the later rounds
 * runs with its first allocation failing, as fail-nth makes it, and must
 * not notice: a socket whose every token is free never needs memory, and
 * keeps what it needed last time.
 */
static void devmem_rx_token_drain(struct kunit *test)
{
	struct devmem_rx_test *t = test->priv;
	struct devmem_test_conn *conn;
	struct devmem_rx_tokens *tk;
	unsigned int round;
	int ret;

	ret = devmem_test_fail_nth_start(test);
	if (ret)
		kunit_skip(test, "needs failslab and its debugfs knobs");

	conn = devmem_rx_connect(test, AF_INET);
	tk = devmem_rx_tokens(test);
	for (round = 0; round < DEVMEM_RX_DRAIN_ROUNDS; round++) {
		t->fail_first_alloc = round > 0;
		tk->nr = 0;
		devmem_rx_queue(test, conn, 0, DEVMEM_RX_XFER_LEN);
		devmem_rx_recv(test, conn, 0, DEVMEM_RX_XFER_LEN,
			       DEVMEM_RX_PIECE, tk);
		t->fail_first_alloc = false;
		KUNIT_ASSERT_GE(test, tk->nr, DEVMEM_TEST_DONTNEED_FRAGS);
		ret = devmem_rx_release(conn->rx, tk, 0, tk->nr);
		KUNIT_ASSERT_EQ(test, ret, (int)tk->nr);
	}

	devmem_test_sock_close(test, conn->rx);
	devmem_rx_expect_all_returned(test);
}

/* recvmsg() with the @nth allocation from here failing: its return, and in
 * @left whether it got there (0 if it did).
 */
static int devmem_rx_recv_failing(struct kunit *test,
				  struct devmem_test_conn *conn, size_t len,
				  unsigned int nth, unsigned int *left)
{
	struct devmem_rx_test *t = test->priv;
	int ret;

	devmem_test_fail_nth(nth);
	ret = devmem_test_recvmsg(test, conn->rx, t->rx, len, MSG_SOCK_DEVMEM);
	*left = devmem_test_fail_nth_left();
	devmem_test_fail_nth(0);
	return ret;
}

/* Memory for tokens runs out: recvmsg() fails with -ENOMEM, hands out
 * nothing it has not reported, and the same bytes come with the next call.
 * First every allocation the first frag of a socket needs, one after the
 * other (fail-nth 1, 2, ... until recvmsg() succeeds); then, holding every
 * frag, the first allocation of each recvmsg() of DEVMEM_RX_PIECE bytes
 * until the socket holds more than DEVMEM_TEST_DONTNEED_FRAGS: some of them
 * need room.
 */
static void devmem_rx_token_nomem(struct kunit *test)
{
	struct devmem_rx_test *t = test->priv;
	unsigned int nth, left, failed = 0;
	struct devmem_test_conn *conn;
	struct devmem_rx_tokens *tk;
	size_t off = 0;
	int ret;

	ret = devmem_test_fail_nth_start(test);
	if (ret)
		kunit_skip(test, "needs failslab and its debugfs knobs");

	conn = devmem_rx_connect(test, AF_INET);
	tk = devmem_rx_tokens(test);
	devmem_rx_queue(test, conn, 0, DEVMEM_RX_XFER_LEN);
	for (nth = 1; ; nth++) {
		ret = devmem_rx_recv_failing(test, conn, DEVMEM_RX_XFER_LEN,
					     nth, &left);
		if (ret != -ENOMEM)
			break;
		/* The allocation that failed is the one fail-nth named. */
		KUNIT_ASSERT_EQ(test, left, 0);
		KUNIT_ASSERT_LT(test, nth, 8);
	}
	KUNIT_ASSERT_GT(test, ret, 0);
	/* A socket's first frag needs memory for its token. */
	KUNIT_EXPECT_GT(test, nth, 1);
	kunit_info(test, "first frag: %u allocations failed in turn\n",
		   nth - 1);

	for (;;) {
		off += devmem_rx_check(test, t->rx, ret, off, tk);
		if (tk->nr > DEVMEM_TEST_DONTNEED_FRAGS)
			break;
		if (off == DEVMEM_RX_XFER_LEN) {
			devmem_rx_queue(test, conn, 0, DEVMEM_RX_XFER_LEN);
			off = 0;
		}
		ret = devmem_rx_recv_failing(test, conn, DEVMEM_RX_PIECE, 1,
					     &left);
		if (ret == -ENOMEM) {
			KUNIT_ASSERT_EQ(test, left, 0);
			failed++;
			ret = devmem_rx_recv_failing(test, conn,
						     DEVMEM_RX_PIECE, 0, &left);
		}
		KUNIT_ASSERT_GT(test, ret, 0);
	}
	KUNIT_EXPECT_GT(test, failed, 0);

	KUNIT_EXPECT_EQ(test, devmem_rx_release(conn->rx, tk, 0, tk->nr),
			(int)tk->nr);
	devmem_test_sock_close(test, conn->rx);
	devmem_rx_expect_all_returned(test);
}

/* Rounds of holding many frags and releasing most of them. */
#define DEVMEM_RX_BOUND_ROUNDS	4
#define DEVMEM_RX_BOUND_HOLD	(DEVMEM_TEST_DONTNEED_FRAGS + 128)
#define DEVMEM_RX_BOUND_KEEP	128

/* Tokens stay close to what the socket holds: below the most frags it held
 * at once plus DEVMEM_RX_TOKEN_SLACK, however it releases them. A reader
 * that sizes an array by the frags it holds can index it by token.
 */
static void devmem_rx_token_bound(struct kunit *test)
{
	unsigned int round, i, peak = 0, seen = 0, top = 0, bound;
	struct devmem_test_conn *conn;
	struct devmem_rx_tokens *tk;

	conn = devmem_rx_connect(test, AF_INET);
	tk = devmem_rx_tokens(test);
	for (round = 0; round < DEVMEM_RX_BOUND_ROUNDS; round++) {
		while (tk->nr < DEVMEM_RX_BOUND_HOLD) {
			devmem_rx_xfer(test, conn, 0, DEVMEM_RX_XFER_LEN, tk);
			peak = max(peak, tk->nr);
			bound = peak + DEVMEM_RX_TOKEN_SLACK;
			for (i = seen; i < tk->nr; i++) {
				top = max(top, tk->tokens[i].token_start);
				KUNIT_ASSERT_LT_MSG(test,
						    tk->tokens[i].token_start,
						    bound, "holding %u",
						    tk->nr);
			}
			seen = tk->nr;
		}
		/* Keep the newest, release the others. */
		i = tk->nr - DEVMEM_RX_BOUND_KEEP;
		KUNIT_ASSERT_EQ(test, devmem_rx_release(conn->rx, tk, 0, i),
				(int)i);
		memmove(tk->tokens, &tk->tokens[i],
			DEVMEM_RX_BOUND_KEEP * sizeof(*tk->tokens));
		tk->nr = DEVMEM_RX_BOUND_KEEP;
		seen = tk->nr;
	}
	kunit_info(test, "held at most %u frags, highest token %u\n", peak,
		   top);

	devmem_test_sock_close(test, conn->rx);
	devmem_rx_expect_all_returned(test);
}

/* Rounds of receive and release before the releasing threads catch up. */
#define DEVMEM_RX_STRESS_ROUNDS		32
#define DEVMEM_RX_STRESS_PHASES		12
/* Few tokens a call: more calls, more of them at once. */
#define DEVMEM_RX_STRESS_BATCH		4
#define DEVMEM_RX_STRESS_FRAGS \
	(DEVMEM_RX_STRESS_ROUNDS * DEVMEM_RX_XFER_LEN / 512)

/* A frag received and not yet released: where its bytes are, and where in
 * the stream they come from.
 */
struct devmem_rx_held {
	struct dmabuf_token token;
	struct devmem_test_dmabuf *buf;
	u64 offset;
	u32 size;
	size_t pos;
};

/* One receiving thread (the test's), two releasing threads, one close. */
struct devmem_rx_stress {
	struct devmem_rx_test *t;
	/* The socket's file descriptor, as the releasing threads see it. */
	struct file __rcu *file;
	struct task_struct *thread[2];
	struct completion done[2];
	wait_queue_head_t wq;
	bool closed;
	/* Frags received, in order; the releasing threads share @next. */
	spinlock_t lock;
	struct devmem_rx_held *held;
	unsigned int nr_held;
	unsigned int next;
	/* Results of the releasing threads; @busy of them in a call. */
	atomic_t busy;
	atomic_t released;
	atomic_t calls;
	atomic_t wrong_count;
	atomic_t wrong_bytes;
};

static bool devmem_rx_stress_ready(struct devmem_rx_stress *s)
{
	return READ_ONCE(s->closed) ||
	       READ_ONCE(s->next) < READ_ONCE(s->nr_held);
}

static bool devmem_rx_stress_drained(struct devmem_rx_stress *s)
{
	return READ_ONCE(s->next) == READ_ONCE(s->nr_held) &&
	       !atomic_read_acquire(&s->busy);
}

/* Release the next few frags received, after checking that they still hold
 * their bytes.
 */
static void devmem_rx_stress_release_some(struct devmem_rx_stress *s,
					  struct socket *sock,
					  struct dmabuf_token *tokens)
{
	unsigned int first, n, i;
	int ret;

	spin_lock(&s->lock);
	first = s->next;
	n = min(s->nr_held - first, DEVMEM_RX_STRESS_BATCH);
	WRITE_ONCE(s->next, first + n);
	spin_unlock(&s->lock);
	if (!n)
		return;

	for (i = 0; i < n; i++) {
		struct devmem_rx_held *h = &s->held[first + i];

		if (memcmp(devmem_test_dmabuf_vaddr(h->buf, h->offset),
			   s->t->pattern + h->pos, h->size))
			atomic_inc(&s->wrong_bytes);
		tokens[i] = h->token;
	}

	ret = devmem_test_dontneed(sock, tokens, n * sizeof(*tokens));
	if (ret != (int)n)
		atomic_inc(&s->wrong_count);
	if (ret > 0)
		atomic_add(ret, &s->released);
	atomic_inc(&s->calls);
	/* Before the call counts as over in devmem_rx_stress_drained(). */
	smp_mb__before_atomic();
}

static int devmem_rx_stress_thread(void *arg)
{
	struct devmem_rx_stress *s = arg;
	struct dmabuf_token *tokens;
	struct file *file;
	int i;

	i = s->thread[0] == current ? 0 : 1;
	tokens = kcalloc(DEVMEM_RX_STRESS_BATCH, sizeof(*tokens), GFP_KERNEL);
	while (tokens) {
		wait_event(s->wq, devmem_rx_stress_ready(s));
		rcu_read_lock();
		file = get_file_rcu(&s->file);
		rcu_read_unlock();
		if (!file)
			break;
		atomic_inc(&s->busy);
		devmem_rx_stress_release_some(s, sock_from_file(file), tokens);
		atomic_dec(&s->busy);
		wake_up_all(&s->wq);
		__fput_sync(file);
	}
	kfree(tokens);
	complete(&s->done[i]);
	return 0;
}

/* The releasing threads find the descriptor closed, and end. */
static void devmem_rx_stress_stop(void *arg)
{
	struct devmem_rx_stress *s = arg;
	unsigned int i;

	RCU_INIT_POINTER(s->file, NULL);
	WRITE_ONCE(s->closed, true);
	wake_up_all(&s->wq);
	for (i = 0; i < ARRAY_SIZE(s->thread); i++)
		if (!IS_ERR_OR_NULL(s->thread[i]))
			wait_for_completion(&s->done[i]);
}

/* Keep the frags of the last recvmsg() for the releasing threads. */
static void devmem_rx_stress_keep(struct kunit *test,
				  struct devmem_rx_stress *s, size_t pos)
{
	struct devmem_test_rx *rx = s->t->rx;
	unsigned int i, n = s->nr_held;

	for (i = 0; i < rx->nr_frags; i++) {
		struct dmabuf_cmsg *cm = &rx->frags[i].cmsg;

		if (!rx->frags[i].linear) {
			KUNIT_ASSERT_LT(test, n, DEVMEM_RX_STRESS_FRAGS);
			s->held[n].token.token_start = cm->frag_token;
			s->held[n].token.token_count = 1;
			s->held[n].buf = cm->dmabuf_id == s->t->id ? s->t->buf :
					 s->t->buf2;
			s->held[n].offset = cm->frag_offset;
			s->held[n].size = cm->frag_size;
			s->held[n].pos = pos;
			n++;
		}
		pos += cm->frag_size;
	}

	spin_lock(&s->lock);
	WRITE_ONCE(s->nr_held, n);
	spin_unlock(&s->lock);
	wake_up_all(&s->wq);
}

/* Receive @n rounds of the pattern, checking every byte, and hand the frags
 * to the releasing threads as they come.
 */
static void devmem_rx_stress_rounds(struct kunit *test,
				    struct devmem_rx_stress *s,
				    struct devmem_test_conn *conn,
				    unsigned int n)
{
	struct devmem_rx_test *t = test->priv;
	struct devmem_rx_tokens *tk;
	unsigned int i;
	size_t done;
	int ret;

	tk = devmem_rx_tokens(test);
	for (i = 0; i < n; i++) {
		size_t off = i * DEVMEM_RX_XFER_LEN % t->pattern_len;

		ret = devmem_test_send_start(test, conn, t->pattern + off,
					     DEVMEM_RX_XFER_LEN);
		KUNIT_ASSERT_EQ(test, ret, 0);
		for (done = 0; done < DEVMEM_RX_XFER_LEN; done += ret) {
			ret = devmem_test_recvmsg(test, conn->rx, t->rx,
						  DEVMEM_RX_XFER_LEN - done,
						  MSG_SOCK_DEVMEM);
			KUNIT_ASSERT_GT(test, ret, 0);
			tk->nr = 0;
			devmem_rx_check(test, t->rx, ret, off + done, tk);
			devmem_rx_stress_keep(test, s, off + done);
		}
		KUNIT_ASSERT_EQ(test, devmem_test_send_wait(test, conn),
				(ssize_t)DEVMEM_RX_XFER_LEN);
	}
}

/* recvmsg() in this thread, SO_DEVMEM_DONTNEED in two others, on two vCPUs:
 * every frag keeps its bytes until released, and every DONTNEED releases
 * exactly the frags it names. Once they caught up, the socket holds nothing;
 * at the end, holding few, its token memory goes back to what a few frags
 * need. Then close while they run: the socket
 * closes after the last of their calls, and releases what is left.
 */
static void devmem_rx_stress(struct kunit *test)
{
	struct devmem_test_conn *conn;
	struct devmem_rx_tokens *tk;
	struct devmem_rx_stress *s;
	struct file *file;
	unsigned int i;
	size_t small;
	int ret;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 CPUs");

	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	s->held = kunit_kcalloc(test, DEVMEM_RX_STRESS_FRAGS,
				sizeof(*s->held), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s->held);
	s->t = test->priv;
	spin_lock_init(&s->lock);
	init_waitqueue_head(&s->wq);

	conn = devmem_rx_connect(test, AF_INET);
	tk = devmem_rx_tokens(test);
	devmem_rx_xfer(test, conn, 0, PAGE_SIZE, tk);
	small = devmem_test_peek_token_bytes(conn->rx);
	KUNIT_ASSERT_EQ(test, devmem_rx_release(conn->rx, tk, 0, tk->nr),
			(int)tk->nr);

	file = devmem_test_sock_file(test, conn->rx);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	RCU_INIT_POINTER(s->file, file);
	ret = kunit_add_action_or_reset(test, devmem_rx_stress_stop, s);
	KUNIT_ASSERT_EQ(test, ret, 0);
	for (i = 0; i < ARRAY_SIZE(s->thread); i++) {
		init_completion(&s->done[i]);
		s->thread[i] = kthread_create(devmem_rx_stress_thread, s,
					      "devmem-rx-stress/%u", i);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s->thread[i]);
		wake_up_process(s->thread[i]);
	}

	for (i = 0; i < DEVMEM_RX_STRESS_PHASES; i++) {
		devmem_rx_stress_rounds(test, s, conn, DEVMEM_RX_STRESS_ROUNDS);
		KUNIT_ASSERT_GT(test,
				wait_event_timeout(s->wq,
						   devmem_rx_stress_drained(s),
						   DEVMEM_TEST_TIMEOUT), 0);
		KUNIT_ASSERT_EQ(test, (unsigned int)atomic_read(&s->released),
				s->nr_held);
		/* The threads wait for more: start the log over. */
		spin_lock(&s->lock);
		WRITE_ONCE(s->next, 0);
		WRITE_ONCE(s->nr_held, 0);
		spin_unlock(&s->lock);
		atomic_set(&s->released, 0);
	}

	/* No release was lost in the table's bookkeeping: once the socket
	 * holds few frags, its memory goes back to what a few need.
	 */
	KUNIT_EXPECT_TRUE_MSG(test, devmem_rx_shrinks_to(test, conn, small),
			      "%zu bytes, not %zu, after %u rounds",
			      devmem_test_peek_token_bytes(conn->rx), small,
			      DEVMEM_RX_SHRINK_ROUNDS);

	devmem_rx_stress_rounds(test, s, conn, DEVMEM_RX_STRESS_ROUNDS);
	tk->nr = 0;
	devmem_rx_xfer(test, conn, 0, PAGE_SIZE, tk);

	/* close(2) with frags held, the releasing threads still running. */
	RCU_INIT_POINTER(s->file, NULL);
	devmem_test_file_close(test, file);
	kunit_release_action(test, devmem_rx_stress_stop, s);

	KUNIT_EXPECT_EQ(test, atomic_read(&s->wrong_bytes), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->wrong_count), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&s->calls), 1);
	KUNIT_EXPECT_LE(test, (unsigned int)atomic_read(&s->released),
			s->nr_held);
	devmem_rx_expect_all_returned(test);
}

static struct kunit_case devmem_rx_cases[] = {
	KUNIT_CASE(devmem_rx_receive_ipv4),
	KUNIT_CASE(devmem_rx_receive_ipv6),
	KUNIT_CASE(devmem_rx_no_devmem_flag),
	KUNIT_CASE(devmem_rx_cmsg_room_for_one),
	KUNIT_CASE(devmem_rx_cmsg_no_room),
	KUNIT_CASE(devmem_rx_linear),
	KUNIT_CASE(devmem_rx_linear_head_frag),
	KUNIT_CASE(devmem_rx_linear_head_frag_no_gro),
	KUNIT_CASE(devmem_rx_flow_moves_between_bindings),
	KUNIT_CASE(devmem_rx_partial_frags),
	KUNIT_CASE(devmem_rx_token_reuse),
	KUNIT_CASE(devmem_rx_dontneed_bad_tokens),
	KUNIT_CASE(devmem_rx_dontneed_max_tokens),
	KUNIT_CASE(devmem_rx_dontneed_max_frags),
	KUNIT_CASE(devmem_rx_tokens_of_another_socket),
	KUNIT_CASE(devmem_rx_dontneed_unreceived_tokens),
	KUNIT_CASE(devmem_rx_close_with_tokens),
	KUNIT_CASE(devmem_rx_unbind_with_tokens),
	KUNIT_CASE(devmem_rx_unregister_with_tokens),
	KUNIT_CASE(devmem_rx_token_memory),
	KUNIT_CASE(devmem_rx_token_drain),
	KUNIT_CASE(devmem_rx_token_nomem),
	KUNIT_CASE(devmem_rx_token_bound),
	KUNIT_CASE(devmem_rx_stress),
	{}
};

static struct kunit_suite devmem_rx_suite = {
	.name = "devmem_rx",
	.init = devmem_rx_test_init,
	.test_cases = devmem_rx_cases,
};

kunit_test_suite(devmem_rx_suite);
