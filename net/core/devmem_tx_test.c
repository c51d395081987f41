// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * KUnit tests for devmem TCP transmit: a dma-buf bound for TX with
 * NETDEV_CMD_BIND_TX, sent from with MSG_ZEROCOPY and SCM_DEVMEM_DMABUF by
 * a TCP socket in one network namespace, to a plain socket in another. The
 * fake NIC reads the payload through the net_iovs' bus addresses.
 */

#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/netdevice.h>
#include <linux/socket.h>
#include <linux/sockptr.h>
#include <net/sock.h>

#include "devmem_test.h"

#define DEVMEM_TX_DMABUF_SIZE	(64 * PAGE_SIZE)
#define DEVMEM_TX_LEN		(16 * PAGE_SIZE)

struct devmem_tx_test {
	struct devmem_test_pair *pair;
	struct devmem_test_nl *nl;
	struct devmem_test_dmabuf *buf;
	struct devmem_test_conn *conn;
	u32 id;
	u8 *data;
};

static int devmem_tx_test_init(struct kunit *test)
{
	struct devmem_test_fixture *f;
	struct devmem_tx_test *t;
	u8 *va;
	size_t i;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;

	f = devmem_test_fixture_tx(test, DEVMEM_TX_DMABUF_SIZE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f);
	t->pair = f->pair;
	t->buf = f->buf;
	t->nl = f->nl;
	t->id = f->id;
	va = devmem_test_dmabuf_vaddr(t->buf, 0);
	for (i = 0; i < DEVMEM_TX_DMABUF_SIZE; i++)
		va[i] = (u8)(i * 251) ^ (u8)(i >> 8) ^ (u8)(i >> 16);

	t->conn = devmem_test_tcp_connect(test, t->pair, AF_INET, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->conn);

	t->data = kunit_kzalloc(test, DEVMEM_TX_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->data);
	return 0;
}

/* Send @len bytes from dma-buf offset @off, and check what arrives. */
static void devmem_tx_send_and_check(struct kunit *test, size_t off,
				     size_t len)
{
	struct devmem_tx_test *t = test->priv;
	size_t done = 0;
	int ret;

	while (done < len) {
		ret = devmem_test_send_devmem(t->conn->tx, t->id, off + done,
					      len - done);
		if (ret == -EAGAIN) {
			/* The receiver frees the window below. */
			KUNIT_ASSERT_GT(test, devmem_test_recv(t->conn->rx,
							       t->data, 1), 0);
			KUNIT_ASSERT_EQ(test, t->data[0],
					*(u8 *)devmem_test_dmabuf_vaddr(t->buf,
									off));
			off++;
			len--;
			continue;
		}
		KUNIT_ASSERT_GT(test, ret, 0);
		done += ret;
	}

	KUNIT_ASSERT_EQ(test, devmem_test_recv(t->conn->rx, t->data, len),
			(int)len);
	KUNIT_EXPECT_MEMEQ(test, t->data, devmem_test_dmabuf_vaddr(t->buf, off),
			   len);
}

static void devmem_tx_send(struct kunit *test)
{
	devmem_tx_send_and_check(test, 3 * PAGE_SIZE + 100, DEVMEM_TX_LEN);
}

/* Only what the binding covers can be sent: a range that leaves it is
 * refused whole, and the stream goes on with the next send.
 */
static void devmem_tx_past_bound_range(struct kunit *test)
{
	struct devmem_tx_test *t = test->priv;
	size_t off = DEVMEM_TX_DMABUF_SIZE - PAGE_SIZE;

	KUNIT_EXPECT_EQ(test, devmem_test_send_devmem(t->conn->tx, t->id,
						      DEVMEM_TX_DMABUF_SIZE,
						      PAGE_SIZE), -EFAULT);
	KUNIT_EXPECT_EQ(test, devmem_test_send_devmem(t->conn->tx, t->id, off,
						      2 * PAGE_SIZE), -EFAULT);
	devmem_tx_send_and_check(test, off, PAGE_SIZE);
}

static void devmem_tx_unknown_binding(struct kunit *test)
{
	struct devmem_tx_test *t = test->priv;

	KUNIT_EXPECT_EQ(test, devmem_test_send_devmem(t->conn->tx, t->id + 1,
						      0, PAGE_SIZE), -EINVAL);
}

/* SCM_DEVMEM_DMABUF without MSG_ZEROCOPY is refused: the iovec holds
 * dma-buf offsets, not addresses to copy from. Guards "tcp: reject non
 * zerocopy devmem tx".
 */
static void devmem_tx_without_zerocopy(struct kunit *test)
{
	struct devmem_tx_test *t = test->priv;

	KUNIT_EXPECT_EQ(test, devmem_test_sendmsg_devmem(t->conn->tx, t->id, 0,
							 PAGE_SIZE, 0),
			-EINVAL);
	devmem_tx_send_and_check(test, PAGE_SIZE, PAGE_SIZE);
}

/* A devmem send behind plain bytes still queued (corked) goes out in an
 * skb of its own: net_iovs never join the page frags of plain data. Guards
 * "net: devmem: prevent net-iov / page mixing".
 */
static void devmem_tx_after_plain_data(struct kunit *test)
{
	static const char plain[] = "plain bytes, queued before devmem";
	struct msghdr msg = { .msg_flags = MSG_MORE | MSG_DONTWAIT };
	size_t len = sizeof(plain) + PAGE_SIZE;
	struct devmem_tx_test *t = test->priv;
	struct kvec iov = {
		.iov_base = (void *)plain,
		.iov_len = sizeof(plain),
	};

	KUNIT_ASSERT_EQ(test, kernel_sendmsg(t->conn->tx, &msg, &iov, 1,
					     sizeof(plain)),
			(int)sizeof(plain));
	KUNIT_ASSERT_EQ(test, devmem_test_send_devmem(t->conn->tx, t->id, 0,
						      PAGE_SIZE),
			(int)PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, devmem_test_recv(t->conn->rx, t->data, len),
			(int)len);
	KUNIT_EXPECT_MEMEQ(test, t->data, plain, sizeof(plain));
	KUNIT_EXPECT_MEMEQ(test, t->data + sizeof(plain),
			   devmem_test_dmabuf_vaddr(t->buf, 0), PAGE_SIZE);
}

/* A packet socket on the sending device (tcpdump) gets a clone of every
 * skb it sends, and skb_copy_ubufs() cannot copy a devmem payload out for
 * it: the tap goes without those, and the stream is unharmed.
 */
static void devmem_tx_with_packet_tap(struct kunit *test)
{
	struct devmem_tx_test *t = test->priv;
	struct msghdr msg = {};
	struct socket *tap;
	struct kvec iov;

	if (!IS_ENABLED(CONFIG_PACKET))
		kunit_skip(test, "needs CONFIG_PACKET");

	tap = devmem_test_packet_tap(test, t->pair->dev[0]);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, tap);

	devmem_tx_send_and_check(test, PAGE_SIZE + 1, 4 * PAGE_SIZE);

	/* The tap saw the connection: at least the receiver's ACKs. */
	iov.iov_base = t->data;
	iov.iov_len = PAGE_SIZE;
	KUNIT_EXPECT_GT(test, kernel_recvmsg(tap, &msg, &iov, 1, PAGE_SIZE,
					     MSG_DONTWAIT), 0);
	devmem_test_sock_close(test, tap);
}

/* A socket option that changes the route, as IP_TOS does, drops the
 * socket's cached one until it next sends: a devmem send then routes
 * again rather than failing. Guards "net: devmem: refresh devmem TX dst in
 * case of route invalidation".
 */
static void devmem_tx_after_route_reset(struct kunit *test)
{
	struct devmem_tx_test *t = test->priv;
	struct socket *sock = t->conn->tx;
	int tos = IPTOS_LOWDELAY;

	devmem_tx_send_and_check(test, 0, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, sock->ops->setsockopt(sock, SOL_IP, IP_TOS,
						    KERNEL_SOCKPTR(&tos),
						    sizeof(tos)), 0);
	devmem_tx_send_and_check(test, PAGE_SIZE, PAGE_SIZE);
}

/* After unbind, nothing more can be sent from the dma-buf; what was sent
 * before arrives, and the binding goes once the stack is done with it.
 */
static void devmem_tx_after_unbind(struct kunit *test)
{
	struct devmem_tx_test *t = test->priv;

	KUNIT_EXPECT_EQ(test, devmem_test_send_devmem(t->conn->tx, t->id, 0,
						      PAGE_SIZE),
			(int)PAGE_SIZE);
	devmem_test_nl_close(test, t->nl);
	KUNIT_EXPECT_EQ(test, devmem_test_send_devmem(t->conn->tx, t->id, 0,
						      PAGE_SIZE), -EINVAL);

	KUNIT_ASSERT_EQ(test, devmem_test_recv(t->conn->rx, t->data,
					       PAGE_SIZE), (int)PAGE_SIZE);
	KUNIT_EXPECT_MEMEQ(test, t->data, devmem_test_dmabuf_vaddr(t->buf, 0),
			   PAGE_SIZE);
	devmem_test_sock_close(test, t->conn->tx);
	KUNIT_ASSERT_EQ(test, devmem_test_dmabuf_put_and_wait(test, t->buf), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->buf->unmap), 1);
}

static struct kunit_case devmem_tx_cases[] = {
	KUNIT_CASE(devmem_tx_send),
	KUNIT_CASE(devmem_tx_past_bound_range),
	KUNIT_CASE(devmem_tx_unknown_binding),
	KUNIT_CASE(devmem_tx_without_zerocopy),
	KUNIT_CASE(devmem_tx_after_plain_data),
	KUNIT_CASE(devmem_tx_with_packet_tap),
	KUNIT_CASE(devmem_tx_after_route_reset),
	KUNIT_CASE(devmem_tx_after_unbind),
	{}
};

static struct kunit_suite devmem_tx_suite = {
	.name = "devmem_tx",
	.init = devmem_tx_test_init,
	.test_cases = devmem_tx_cases,
};

kunit_test_suite(devmem_tx_suite);
