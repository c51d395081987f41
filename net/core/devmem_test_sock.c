// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Network namespaces, addresses and TCP sockets for the devmem KUnit tests.
 *
 * Two fake NICs (devmem_test_nic.c) in two network namespaces get their
 * addresses over rtnetlink, as from ip(8). Kernel TCP sockets then use the
 * socket calls a devmem user makes: recvmsg() with MSG_SOCK_DEVMEM, so
 * tcp_recvmsg_dmabuf() hands out tokens, and setsockopt(SO_DEVMEM_DONTNEED)
 * into sock_devmem_dontneed(); closing a socket runs
 * tcp_release_user_frags().
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/if_addr.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/sched.h>
#include <linux/socket.h>
#include <linux/sockios.h>
#include <asm/ioctls.h>
#include <linux/sockptr.h>
#include <linux/user_namespace.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "devmem_test.h"

/* 198.18.0.0/15 is for benchmarking (RFC 2544), 2001:db8::/32 for
 * documentation (RFC 3849): neither can reach a real network.
 */
#define DEVMEM_TEST_ADDR4(host)		htonl(0xc6120000 | (host))
#define DEVMEM_TEST_PREFIX4		24
#define DEVMEM_TEST_PREFIX6		64

static void devmem_test_addr6(struct in6_addr *a, unsigned int host)
{
	*a = (struct in6_addr){ .s6_addr = { 0x20, 0x01, 0x0d, 0xb8 } };
	a->s6_addr[15] = host;
}

KUNIT_DEFINE_ACTION_WRAPPER(devmem_test_put_net, put_net, struct net *);

static struct net *devmem_test_net_create(struct kunit *test)
{
	struct net *net;
	int err;

	net = copy_net_ns(CLONE_NEWNET, &init_user_ns, &init_net);
	if (IS_ERR(net))
		return net;

	err = kunit_add_action_or_reset(test, devmem_test_put_net, net);
	return err ? ERR_PTR(err) : net;
}

/* RTM_NEWADDR, as `ip addr add ADDR/PREFIX dev DEV nodad` sends it. */
static int devmem_test_add_addr(struct devmem_test_nl *rtnl,
				struct net_device *dev, int family,
				const void *addr, int addrlen, u8 prefixlen)
{
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh;
	struct sk_buff *msg;

	msg = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	nlh = nlmsg_put(msg, 0, 0, RTM_NEWADDR, sizeof(*ifa),
			NLM_F_CREATE | NLM_F_EXCL);
	if (!nlh)
		goto err;

	ifa = nlmsg_data(nlh);
	*ifa = (struct ifaddrmsg){
		.ifa_family	= family,
		.ifa_prefixlen	= prefixlen,
		.ifa_index	= dev->ifindex,
	};
	if (nla_put(msg, IFA_LOCAL, addrlen, addr) ||
	    nla_put(msg, IFA_ADDRESS, addrlen, addr) ||
	    nla_put_u32(msg, IFA_FLAGS, IFA_F_NODAD))
		goto err;
	nlmsg_end(msg, nlh);

	return devmem_test_nl_request(rtnl, msg, 0, NULL);
err:
	kfree_skb(msg);
	return -EMSGSIZE;
}

/**
 * devmem_test_pair_create() - two fake NICs cabled back to back
 * @test: the test the pair belongs to
 *
 * Create two network namespaces and in each a fake NIC from
 * devmem_test_nic_create_pair(), up, with 198.18.0.<i + 1>/24 and, with
 * CONFIG_IPV6, 2001:db8::<i + 1>/64 on end i. The devices are
 * unregistered, and the namespaces released, when the test ends.
 *
 * Return: the pair, or an ERR_PTR() on failure.
 */
struct devmem_test_pair *devmem_test_pair_create(struct kunit *test)
{
	struct devmem_test_pair *pair;
	struct devmem_test_nl *rtnl;
	struct in6_addr a6;
	int err, i;
	__be32 a4;

	pair = kunit_kzalloc(test, sizeof(*pair), GFP_KERNEL);
	if (!pair)
		return ERR_PTR(-ENOMEM);

	for (i = 0; i < 2; i++) {
		pair->net[i] = devmem_test_net_create(test);
		if (IS_ERR(pair->net[i]))
			return ERR_CAST(pair->net[i]);
	}

	err = devmem_test_nic_create_pair(test, pair->net, pair->dev);
	if (err)
		return ERR_PTR(err);

	for (i = 0; i < 2; i++) {
		rtnl = devmem_test_rtnl_open(test, pair->net[i]);
		if (IS_ERR(rtnl))
			return ERR_CAST(rtnl);

		a4 = DEVMEM_TEST_ADDR4(i + 1);
		devmem_test_addr6(&a6, i + 1);
		err = devmem_test_add_addr(rtnl, pair->dev[i], AF_INET, &a4,
					   sizeof(a4), DEVMEM_TEST_PREFIX4);
		if (!err && IS_ENABLED(CONFIG_IPV6))
			err = devmem_test_add_addr(rtnl, pair->dev[i], AF_INET6,
						   &a6, sizeof(a6),
						   DEVMEM_TEST_PREFIX6);
		devmem_test_nl_close(test, rtnl);
		if (err)
			return ERR_PTR(err);
	}

	return pair;
}

static struct devmem_test_fixture *
devmem_test_fixture_create(struct kunit *test, size_t size, unsigned int end)
{
	struct devmem_test_fixture *f;

	if (!IS_ENABLED(CONFIG_INET) || !IS_ENABLED(CONFIG_NET_NS))
		kunit_skip(test, "needs CONFIG_INET and CONFIG_NET_NS");

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	if (!f)
		return ERR_PTR(-ENOMEM);

	f->pair = devmem_test_pair_create(test);
	if (IS_ERR(f->pair))
		return ERR_CAST(f->pair);

	f->buf = devmem_test_dmabuf_create(test, size, NULL);
	if (IS_ERR(f->buf))
		return ERR_CAST(f->buf);

	f->nl = devmem_test_nl_open(test, f->pair->net[end]);
	return IS_ERR(f->nl) ? ERR_CAST(f->nl) : f;
}

/**
 * devmem_test_fixture_rx() - a pair that receives TCP into a dma-buf
 * @test: the running test
 * @size: size of the dma-buf
 * @rxq_idx: RX queue of end 1 to bind it to
 *
 * What every receive case starts from, as ncdevmem's setup does it: a
 * pair, a mock dma-buf of @size bytes bound with NETDEV_CMD_BIND_RX to
 * queue @rxq_idx of end 1, and the NIC's flow rule for TCP steering to
 * that queue. Everything goes when the test ends; closing @f->nl before
 * unbinds.
 *
 * Return: the fixture, or an ERR_PTR() on failure.
 */
struct devmem_test_fixture *devmem_test_fixture_rx(struct kunit *test,
						   size_t size,
						   unsigned int rxq_idx)
{
	struct devmem_test_fixture *f;
	int err;

	f = devmem_test_fixture_create(test, size, 1);
	if (IS_ERR(f))
		return f;

	err = devmem_test_nl_bind_rx(f->nl, f->pair->dev[1], f->buf, &rxq_idx,
				     1, &f->id);
	if (err) {
		kunit_info(test, "bind-rx: %d, extack: %s\n", err,
			   f->nl->extack);
		return ERR_PTR(err);
	}
	devmem_test_nic_steer(f->pair->dev[1], rxq_idx);
	return f;
}

/**
 * devmem_test_fixture_tx() - a pair that can send TCP from a dma-buf
 * @test: the running test
 * @size: size of the dma-buf
 *
 * What every transmit case starts from: a pair and a mock dma-buf of
 * @size bytes bound with NETDEV_CMD_BIND_TX to end 0. As
 * devmem_test_fixture_rx() otherwise.
 *
 * Return: the fixture, or an ERR_PTR() on failure.
 */
struct devmem_test_fixture *devmem_test_fixture_tx(struct kunit *test,
						   size_t size)
{
	struct devmem_test_fixture *f;
	int err;

	f = devmem_test_fixture_create(test, size, 0);
	if (IS_ERR(f))
		return f;

	err = devmem_test_nl_bind_tx(f->nl, f->pair->dev[0], f->buf, &f->id);
	if (err) {
		kunit_info(test, "bind-tx: %d, extack: %s\n", err,
			   f->nl->extack);
		return ERR_PTR(err);
	}
	return f;
}

static void devmem_test_sock_release(void *ctx)
{
	struct socket *sock = ctx;

	/* Reset rather than linger: the socket is gone before the devices
	 * and namespaces are.
	 */
	sock_no_linger(sock->sk);
	sock_release(sock);
}

static int devmem_test_sock_own(struct kunit *test, struct socket *sock)
{
	struct sock *sk = sock->sk;
	long secs = DEVMEM_TEST_TIMEOUT / HZ;

	sock_set_sndtimeo(sk, secs);
	lock_sock(sk);
	WRITE_ONCE(sk->sk_rcvtimeo, DEVMEM_TEST_TIMEOUT);
	release_sock(sk);

	return kunit_add_action_or_reset(test, devmem_test_sock_release, sock);
}

static struct socket *devmem_test_tcp_socket(struct kunit *test,
					     struct net *net, int family)
{
	struct socket *sock;
	int err;

	err = sock_create_kern(net, family, SOCK_STREAM, IPPROTO_TCP, &sock);
	if (err)
		return ERR_PTR(err);

	err = devmem_test_sock_own(test, sock);
	return err ? ERR_PTR(err) : sock;
}

struct devmem_test_conn_priv {
	struct devmem_test_conn conn;
	/* The send state belongs to the work item from
	 * devmem_test_send_start() until the flush_work() that ends it.
	 */
	struct work_struct send_work;
	bool sending;
	const void *send_buf;
	size_t send_len;
	ssize_t sent;
};

static void devmem_test_send_work(struct work_struct *work)
{
	struct devmem_test_conn_priv *cp =
		container_of(work, struct devmem_test_conn_priv, send_work);
	size_t done = 0;
	int ret = 0;

	while (done < cp->send_len) {
		struct kvec iov = {
			.iov_base = (void *)cp->send_buf + done,
			.iov_len = cp->send_len - done,
		};
		struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };

		ret = kernel_sendmsg(cp->conn.tx, &msg, &iov, 1, iov.iov_len);
		if (ret <= 0)
			break;
		done += ret;
	}

	cp->sent = ret < 0 ? ret : done;
}

static void devmem_test_conn_flush(void *ctx)
{
	struct devmem_test_conn_priv *cp = ctx;

	flush_work(&cp->send_work);
}

/**
 * devmem_test_tcp_connect() - connect a TCP socket pair across a pair
 * @test: the test the sockets belong to
 * @pair: from devmem_test_pair_create()
 * @family: AF_INET or AF_INET6
 * @rx_end: index of the end the receiving socket is on
 *
 * Accept, in @pair->net[@rx_end], a connection from the other namespace.
 * Both sockets time out sends and receives after DEVMEM_TEST_TIMEOUT, and
 * are closed with a reset when the test ends, after any send in progress
 * is done.
 *
 * Return: the connection, or an ERR_PTR() on failure.
 */
struct devmem_test_conn *
devmem_test_tcp_connect(struct kunit *test, struct devmem_test_pair *pair,
			int family, unsigned int rx_end)
{
	struct devmem_test_conn_priv *cp;
	struct sockaddr_storage ss = {};
	struct socket *listener, *rx;
	int addrlen, err;

	if (rx_end > 1)
		return ERR_PTR(-EINVAL);

	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = DEVMEM_TEST_ADDR4(rx_end + 1);
		addrlen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		devmem_test_addr6(&sin6->sin6_addr, rx_end + 1);
		addrlen = sizeof(*sin6);
	}

	cp = kunit_kzalloc(test, sizeof(*cp), GFP_KERNEL);
	if (!cp)
		return ERR_PTR(-ENOMEM);

	listener = devmem_test_tcp_socket(test, pair->net[rx_end], family);
	if (IS_ERR(listener))
		return ERR_CAST(listener);

	err = kernel_bind(listener, (struct sockaddr_unsized *)&ss, addrlen) ?:
	      kernel_listen(listener, 1);
	if (err)
		return ERR_PTR(err);

	err = kernel_getsockname(listener, (struct sockaddr *)&ss);
	if (err < 0)
		return ERR_PTR(err);

	cp->conn.tx = devmem_test_tcp_socket(test, pair->net[!rx_end], family);
	if (IS_ERR(cp->conn.tx))
		return ERR_CAST(cp->conn.tx);

	err = kernel_connect(cp->conn.tx, (struct sockaddr_unsized *)&ss,
			     addrlen, 0) ?:
	      kernel_accept(listener, &rx, 0);
	if (err)
		return ERR_PTR(err);

	err = devmem_test_sock_own(test, rx);
	if (err)
		return ERR_PTR(err);
	cp->conn.rx = rx;

	/* After the sockets: a send in progress ends before they close. */
	INIT_WORK(&cp->send_work, devmem_test_send_work);
	err = kunit_add_action_or_reset(test, devmem_test_conn_flush, cp);
	return err ? ERR_PTR(err) : &cp->conn;
}

/**
 * devmem_test_send_start() - send from a connection in the background
 * @test: the test that made @conn
 * @conn: from devmem_test_tcp_connect()
 * @buf: data to send, valid until devmem_test_send_wait() returns
 * @len: bytes to send
 *
 * Queue a work item that sends @len bytes from @buf on @conn->tx, so that
 * the test can receive while the sender waits for window. One send at a
 * time per connection: each devmem_test_send_start() is followed by a
 * devmem_test_send_wait().
 *
 * Return: 0, or -EBUSY if the last send was not waited for.
 */
int devmem_test_send_start(struct kunit *test, struct devmem_test_conn *conn,
			   const void *buf, size_t len)
{
	struct devmem_test_conn_priv *cp =
		container_of(conn, struct devmem_test_conn_priv, conn);

	if (cp->sending)
		return -EBUSY;

	cp->sending = true;
	cp->send_buf = buf;
	cp->send_len = len;
	cp->sent = 0;
	queue_work(system_dfl_long_wq, &cp->send_work);
	return 0;
}

/**
 * devmem_test_send_wait() - wait for a background send to finish
 * @test: the test that made @conn
 * @conn: from devmem_test_tcp_connect()
 *
 * Return: bytes sent by the last devmem_test_send_start(), or the error
 * that stopped it.
 */
ssize_t devmem_test_send_wait(struct kunit *test,
			      struct devmem_test_conn *conn)
{
	struct devmem_test_conn_priv *cp =
		container_of(conn, struct devmem_test_conn_priv, conn);

	flush_work(&cp->send_work);
	cp->sending = false;
	return cp->sent;
}

/**
 * devmem_test_sock_close() - close a socket of a connection now
 * @test: the test that made the connection
 * @sock: @conn->rx or @conn->tx, not used afterwards
 *
 * Close @sock with a reset, as when the test ends. Wait for a send in
 * progress with devmem_test_send_wait() before closing @conn->tx.
 */
void devmem_test_sock_close(struct kunit *test, struct socket *sock)
{
	kunit_release_action(test, devmem_test_sock_release, sock);
}

static void devmem_test_file_put(void *ctx)
{
	__fput_sync(ctx);
}

/**
 * devmem_test_sock_file() - give a socket of a connection a file
 * @test: the test that made the connection
 * @sock: @conn->rx or @conn->tx, closed by its file from now on
 *
 * As socket(2) does. The socket then closes when the last reference to the
 * file goes: a socket call made on a reference of its own, as a system call
 * on a file descriptor is, keeps it open past a close in another thread.
 * The test's reference goes when it ends, or at devmem_test_file_close().
 *
 * Return: the file, or an ERR_PTR().
 */
struct file *devmem_test_sock_file(struct kunit *test, struct socket *sock)
{
	struct file *file;
	int err;

	kunit_remove_action(test, devmem_test_sock_release, sock);
	sock_no_linger(sock->sk);
	file = sock_alloc_file(sock, 0, NULL);
	if (IS_ERR(file))
		return file;

	err = kunit_add_action_or_reset(test, devmem_test_file_put, file);
	return err ? ERR_PTR(err) : file;
}

/**
 * devmem_test_file_close() - close(2) the file of a socket
 * @test: the test that gave the socket its file
 * @file: from devmem_test_sock_file(), not used by the test afterwards
 *
 * Drops the test's reference; the socket closes now, or when the last
 * other reference goes.
 */
void devmem_test_file_close(struct kunit *test, struct file *file)
{
	kunit_release_action(test, devmem_test_file_put, file);
}

/**
 * devmem_test_sock_inq() - ioctl(SIOCINQ) of a TCP socket
 * @sock: the socket
 *
 * Return: bytes queued to be read, or a negative errno.
 */
int devmem_test_sock_inq(struct socket *sock)
{
	int inq, err;

	err = sock->sk->sk_prot->ioctl(sock->sk, SIOCINQ, &inq);
	return err ?: inq;
}

/**
 * devmem_test_sendmsg_devmem() - sendmsg() with an SCM_DEVMEM_DMABUF cmsg
 * @sock: a connected TCP socket, routed through the bound device
 * @id: the id of the TX binding, from NETDEV_CMD_BIND_TX
 * @offset: offset into the dma-buf of the first byte to send
 * @len: bytes to send
 * @flags: sendmsg() flags besides MSG_DONTWAIT; MSG_ZEROCOPY for devmem TX
 *
 * What a devmem TX user does: @flags on a SO_ZEROCOPY socket, an
 * SCM_DEVMEM_DMABUF cmsg naming the binding, and an iovec whose base is the
 * offset into the dma-buf, not an address.
 *
 * Return: bytes queued, or a negative errno.
 */
int devmem_test_sendmsg_devmem(struct socket *sock, u32 id, size_t offset,
			       size_t len, int flags)
{
	u8 control[CMSG_SPACE(sizeof(u32))] = {};
	struct msghdr msg = {
		.msg_control	= control,
		.msg_controllen	= sizeof(control),
		.msg_flags	= flags | MSG_DONTWAIT,
	};
	struct cmsghdr *cm = (struct cmsghdr *)control;
	int one = 1, err;

	err = sock_setsockopt(sock, SOL_SOCKET, SO_ZEROCOPY,
			      KERNEL_SOCKPTR(&one), sizeof(one));
	if (err)
		return err;

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_DEVMEM_DMABUF;
	cm->cmsg_len = CMSG_LEN(sizeof(u32));
	memcpy(CMSG_DATA(cm), &id, sizeof(id));
	iov_iter_ubuf(&msg.msg_iter, ITER_SOURCE, (void __user *)offset, len);

	return sock_sendmsg(sock, &msg);
}

/**
 * devmem_test_send_devmem() - devmem TX: sendmsg(MSG_ZEROCOPY) from a dma-buf
 * @sock: a connected TCP socket, routed through the bound device
 * @id: the id of the TX binding, from NETDEV_CMD_BIND_TX
 * @offset: offset into the dma-buf of the first byte to send
 * @len: bytes to send
 *
 * Return: bytes queued, or a negative errno.
 */
int devmem_test_send_devmem(struct socket *sock, u32 id, size_t offset,
			    size_t len)
{
	return devmem_test_sendmsg_devmem(sock, id, offset, len, MSG_ZEROCOPY);
}

/**
 * devmem_test_recv() - read from a TCP socket into a buffer
 * @sock: the socket
 * @buf: where to
 * @len: bytes to read; waits until all of them came, or the socket's
 *	receive timeout
 *
 * Return: bytes read, or a negative errno.
 */
int devmem_test_recv(struct socket *sock, void *buf, size_t len)
{
	struct kvec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {};

	return kernel_recvmsg(sock, &msg, &iov, 1, len, MSG_WAITALL);
}

/**
 * devmem_test_packet_tap() - a packet socket that sees all of a device
 * @test: the test the socket belongs to
 * @dev: the device
 *
 * An AF_PACKET socket for ETH_P_ALL bound to @dev, as `tcpdump -i` opens:
 * the stack hands it a clone of every skb @dev sends or receives. Closed
 * when the test ends.
 *
 * Return: the socket, or an ERR_PTR() on failure.
 */
struct socket *devmem_test_packet_tap(struct kunit *test,
				      struct net_device *dev)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = dev->ifindex,
	};
	struct socket *sock;
	int err;

	/* Protocol 0: the tap sees nothing until bind() names ETH_P_ALL. */
	err = sock_create_kern(dev_net(dev), AF_PACKET, SOCK_RAW, 0, &sock);
	if (err)
		return ERR_PTR(err);

	err = devmem_test_sock_own(test, sock);
	if (err)
		return ERR_PTR(err);

	err = kernel_bind(sock, (struct sockaddr_unsized *)&sll, sizeof(sll));
	return err ? ERR_PTR(err) : sock;
}

/**
 * devmem_test_rx_create() - buffers for receiving with MSG_SOCK_DEVMEM
 * @test: the test the buffers belong to
 * @max_frags: most cmsgs one devmem_test_recvmsg() call has room for
 * @buf_len: size of the data buffer, and the most one call receives
 *
 * Return: the buffers, freed when the test ends, or an ERR_PTR().
 */
struct devmem_test_rx *devmem_test_rx_create(struct kunit *test,
					     unsigned int max_frags,
					     size_t buf_len)
{
	struct devmem_test_rx *rx;

	if (!max_frags || !buf_len)
		return ERR_PTR(-EINVAL);

	rx = kunit_kzalloc(test, sizeof(*rx), GFP_KERNEL);
	if (!rx)
		return ERR_PTR(-ENOMEM);

	rx->max_frags = max_frags;
	rx->control_len = max_frags * CMSG_SPACE(sizeof(struct dmabuf_cmsg));
	rx->control = kunit_kzalloc(test, rx->control_len, GFP_KERNEL);
	rx->frags = kunit_kcalloc(test, max_frags, sizeof(*rx->frags),
				  GFP_KERNEL);
	rx->tokens = kunit_kcalloc(test, DEVMEM_TEST_DONTNEED_MAX,
				   sizeof(*rx->tokens), GFP_KERNEL);
	rx->buf_len = buf_len;
	rx->buf = kunit_kzalloc(test, buf_len, GFP_KERNEL);
	if (!rx->control || !rx->frags || !rx->tokens || !rx->buf)
		return ERR_PTR(-ENOMEM);

	return rx;
}

/**
 * devmem_test_recvmsg() - recvmsg() and decode the devmem cmsgs
 * @test: the running test
 * @sock: the receiving socket
 * @rx: from devmem_test_rx_create()
 * @len: most bytes to receive, capped at @rx->buf_len
 * @flags: recvmsg() flags, e.g. MSG_SOCK_DEVMEM
 *
 * Bytes copied to @rx->buf are described by the SCM_DEVMEM_LINEAR entries
 * of @rx->frags, those left in the dma-buf by the SCM_DEVMEM_DMABUF ones,
 * in stream order. @rx->nr_frags is the number of entries, @rx->msg_flags
 * the msg_flags recvmsg() returned (MSG_CTRUNC if the cmsgs did not fit).
 *
 * Return: bytes received as recvmsg() counts them, including those only
 * described by a cmsg; -EPROTO on a cmsg that is not a devmem one, or the
 * error from recvmsg().
 */
int devmem_test_recvmsg(struct kunit *test, struct socket *sock,
			struct devmem_test_rx *rx, size_t len, int flags)
{
	struct kvec iov = {
		.iov_base = rx->buf,
		.iov_len = min(len, rx->buf_len),
	};
	struct msghdr msg = {
		.msg_control = rx->control,
		.msg_controllen = rx->control_len,
	};
	struct cmsghdr *cm;
	unsigned int n = 0;
	size_t controllen;
	int ret;

	rx->nr_frags = 0;
	ret = kernel_recvmsg(sock, &msg, &iov, 1, iov.iov_len, flags);
	rx->msg_flags = msg.msg_flags;
	if (ret < 0)
		return ret;

	controllen = rx->control_len - msg.msg_controllen;
	for (cm = __CMSG_FIRSTHDR(rx->control, controllen); cm;
	     cm = __CMSG_NXTHDR(rx->control, controllen, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_len != CMSG_LEN(sizeof(struct dmabuf_cmsg)) ||
		    (cm->cmsg_type != SCM_DEVMEM_DMABUF &&
		     cm->cmsg_type != SCM_DEVMEM_LINEAR) ||
		    n == rx->max_frags)
			return -EPROTO;

		rx->frags[n].linear = cm->cmsg_type == SCM_DEVMEM_LINEAR;
		memcpy(&rx->frags[n].cmsg, CMSG_DATA(cm),
		       sizeof(rx->frags[n].cmsg));
		n++;
	}
	rx->nr_frags = n;

	return ret;
}

/**
 * devmem_test_dontneed() - setsockopt(SO_DEVMEM_DONTNEED)
 * @sock: the socket the tokens were received on
 * @tokens: array of struct dmabuf_token
 * @optlen: size of @tokens in bytes, passed as is
 *
 * Return: what setsockopt() returns: the number of frags released, or a
 * negative errno.
 */
int devmem_test_dontneed(struct socket *sock, const void *tokens,
			 unsigned int optlen)
{
	return sock_setsockopt(sock, SOL_SOCKET, SO_DEVMEM_DONTNEED,
			       KERNEL_SOCKPTR((void *)tokens), optlen);
}

/**
 * devmem_test_release_frags() - release the tokens of the last recvmsg
 * @sock: the socket @rx received on
 * @rx: from devmem_test_recvmsg()
 *
 * Give back the token of each SCM_DEVMEM_DMABUF frag in @rx, one token per
 * entry as ncdevmem does, in as few SO_DEVMEM_DONTNEED calls as allowed.
 *
 * Return: number of frags released, or a negative errno.
 */
int devmem_test_release_frags(struct socket *sock, struct devmem_test_rx *rx)
{
	unsigned int i, t = 0;
	int ret, freed = 0;

	for (i = 0; i < rx->nr_frags; i++) {
		struct devmem_test_frag *frag = &rx->frags[i];

		if (!frag->linear) {
			rx->tokens[t].token_start = frag->cmsg.frag_token;
			rx->tokens[t].token_count = 1;
			t++;
		}

		if (t && (t == DEVMEM_TEST_DONTNEED_MAX ||
			  i == rx->nr_frags - 1)) {
			ret = devmem_test_dontneed(sock, rx->tokens,
						   t * sizeof(*rx->tokens));
			if (ret < 0)
				return ret;
			freed += ret;
			t = 0;
		}
	}

	return freed;
}

#if IS_ENABLED(CONFIG_FAILSLAB) && IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS)
struct devmem_test_failslab {
	bool *ignore_gfp_reclaim;
	bool was;
};

/* Runs in a thread of its own: the case's fail-nth dies with its thread. */
static void devmem_test_fail_nth_off(void *ctx)
{
	struct devmem_test_failslab *fs = ctx;

	WRITE_ONCE(*fs->ignore_gfp_reclaim, fs->was);
}

/* failslab's "ignore-gfp-wait": true, its default, exempts every allocation
 * that may sleep, and so every allocation a recvmsg() of a devmem socket
 * makes for its tokens. A fail-nth user (syzkaller) turns it off through
 * debugfs; here debugfs is not mounted, so the flag is reached through the
 * debugfs file's inode. With failslab's probability at 0, its default (no
 * failslab= on the command line), the flag changes nothing for a task whose
 * fail-nth is not set.
 */
static bool *devmem_test_failslab_ignore_gfp_reclaim(void)
{
	struct dentry *dir, *file;
	bool *flag = NULL;

	dir = debugfs_lookup("failslab", NULL);
	if (!dir)
		return NULL;
	file = debugfs_lookup("ignore-gfp-wait", dir);
	if (file) {
		flag = d_inode(file)->i_private;
		dput(file);
	}
	dput(dir);
	return flag;
}

/**
 * devmem_test_fail_nth_start() - let a case fail allocations as fail-nth does
 * @test: the case; its end restores failslab
 *
 * Lets devmem_test_fail_nth() reach the slab allocations of the calling
 * task that may sleep.
 *
 * Return: 0, or -EOPNOTSUPP without CONFIG_FAILSLAB and
 * CONFIG_FAULT_INJECTION_DEBUG_FS.
 */
int devmem_test_fail_nth_start(struct kunit *test)
{
	struct devmem_test_failslab *fs;
	int ret;

	fs = kunit_kzalloc(test, sizeof(*fs), GFP_KERNEL);
	if (!fs)
		return -ENOMEM;
	fs->ignore_gfp_reclaim = devmem_test_failslab_ignore_gfp_reclaim();
	if (!fs->ignore_gfp_reclaim)
		return -EOPNOTSUPP;
	fs->was = READ_ONCE(*fs->ignore_gfp_reclaim);
	ret = kunit_add_action_or_reset(test, devmem_test_fail_nth_off, fs);
	if (ret)
		return ret;
	WRITE_ONCE(*fs->ignore_gfp_reclaim, false);
	return 0;
}

/**
 * devmem_test_fail_nth() - fail the Nth allocation of this task, as fail-nth
 * @nth: the allocation to fail, counting from 1; 0 disarms
 *
 * What writing @nth to /proc/self/fail-nth does. After
 * devmem_test_fail_nth_start() only.
 */
void devmem_test_fail_nth(unsigned int nth)
{
	WRITE_ONCE(current->fail_nth, nth);
}

/**
 * devmem_test_fail_nth_left() - what reading /proc/self/fail-nth gives
 *
 * Return: 0 once the allocation devmem_test_fail_nth() named has failed,
 * or if none was named; else how many allocations are left to it.
 */
unsigned int devmem_test_fail_nth_left(void)
{
	return READ_ONCE(current->fail_nth);
}
#else
int devmem_test_fail_nth_start(struct kunit *test)
{
	return -EOPNOTSUPP;
}

void devmem_test_fail_nth(unsigned int nth)
{
}

unsigned int devmem_test_fail_nth_left(void)
{
	return 0;
}
#endif
