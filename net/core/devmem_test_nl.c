// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Netlink client for the devmem KUnit tests.
 *
 * Binding and unbinding go through netdev netlink exactly as user space
 * does it (tools/testing/selftests/drivers/net/hw/ncdevmem.c): a generic
 * netlink socket sends NETDEV_CMD_BIND_RX or NETDEV_CMD_BIND_TX with a
 * dma-buf file descriptor, netdev_nl_bind_rx_doit()/_tx_doit() do the
 * bind, and closing the socket unbinds through
 * netdev_nl_sock_priv_destroy(). Replies are parsed for the errno and
 * the extack message. The same code sends rtnetlink requests.
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/dma-buf.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/genetlink.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/netlink.h>
#include <linux/socket.h>
#include <linux/sockptr.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <uapi/linux/ethtool_netlink.h>
#include <uapi/linux/netdev.h>

#include "devmem_test.h"

#define DEVMEM_TEST_NL_RCVBUF	8192
/* Unread replies to fill the smallest receive buffer (SOCK_MIN_RCVBUF)
 * with: each NETDEV_CMD_DEV_GET reply counts with its skb's truesize.
 */
#define DEVMEM_TEST_NL_FILL	16

static void devmem_test_nl_fput(void *ctx)
{
	struct devmem_test_nl *nl = ctx;

	/* A kernel thread's fput() defers the release to a work item; the
	 * test wants the socket closed, and its bindings gone, when this
	 * returns, as they are when a user's close() returns.
	 */
	__fput_sync(nl->sock->file);
}

static int devmem_test_nl_setsockopt(struct socket *sock, int opt)
{
	int one = 1;

	return sock->ops->setsockopt(sock, SOL_NETLINK, opt,
				     KERNEL_SOCKPTR(&one), sizeof(one));
}

static struct devmem_test_nl *devmem_test_nl_socket(struct kunit *test,
						    struct net *net,
						    int protocol)
{
	struct devmem_test_nl *nl;
	struct socket *sock;
	struct file *file;
	int err;

	nl = kunit_kzalloc(test, sizeof(*nl), GFP_KERNEL);
	if (!nl)
		return ERR_PTR(-ENOMEM);

	err = sock_create_kern(net, AF_NETLINK, SOCK_RAW, protocol, &sock);
	if (err)
		return ERR_PTR(err);

	/* A file, so the socket is released like a user's, and passes the
	 * CAP_NET_ADMIN check of the bind commands with the test's creds.
	 */
	file = sock_alloc_file(sock, 0, NULL);
	if (IS_ERR(file))
		return ERR_CAST(file);
	nl->sock = sock;

	err = kunit_add_action_or_reset(test, devmem_test_nl_fput, nl);
	if (err)
		return ERR_PTR(err);

	err = devmem_test_nl_setsockopt(sock, NETLINK_EXT_ACK) ?:
	      devmem_test_nl_setsockopt(sock, NETLINK_CAP_ACK);
	return err ? ERR_PTR(err) : nl;
}

/* Copy the extack message of an error or ack message, if any. */
static void devmem_test_nl_extack(struct devmem_test_nl *nl,
				  const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = nlmsg_data(nlh);
	const struct nlattr *attr;
	int len;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;

	len = nlmsg_len(nlh) - (int)sizeof(*e);
	if (len <= 0)
		return;

	attr = nla_find((const struct nlattr *)(e + 1), len,
			NLMSGERR_ATTR_MSG);
	if (attr)
		nla_strscpy(nl->extack, attr, sizeof(nl->extack));
}

/* Send @msg (consumed) and read the answer until its ack, error or end of
 * dump, passing each other message to @cb. The kernel answers before
 * sendmsg() returns.
 */
static int devmem_test_nl_send(struct devmem_test_nl *nl, struct sk_buff *msg,
			       u16 flags)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK };
	struct msghdr mh = { .msg_name = &addr, .msg_namelen = sizeof(addr) };
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct kvec iov;
	int err;

	nlh->nlmsg_flags |= NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;

	iov.iov_base = msg->data;
	iov.iov_len = msg->len;
	err = kernel_sendmsg(nl->sock, &mh, &iov, 1, msg->len);
	kfree_skb(msg);
	return err < 0 ? err : 0;
}

/* Read what is queued on @nl into @buf, DEVMEM_TEST_NL_RCVBUF bytes. */
static int devmem_test_nl_recv(struct devmem_test_nl *nl, void *buf)
{
	struct kvec iov = { .iov_base = buf, .iov_len = DEVMEM_TEST_NL_RCVBUF };
	struct msghdr mh = {};

	return kernel_recvmsg(nl->sock, &mh, &iov, 1, DEVMEM_TEST_NL_RCVBUF,
			      MSG_DONTWAIT);
}

static int devmem_test_nl_xfer(struct devmem_test_nl *nl, struct sk_buff *msg,
			       void (*cb)(const struct nlmsghdr *nlh,
					  void *arg),
			       void *arg)
{
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;
	int len, rem, err;
	void *buf;

	nl->extack[0] = '\0';
	err = devmem_test_nl_send(nl, msg, NLM_F_ACK);
	if (err)
		return err;

	buf = kmalloc(DEVMEM_TEST_NL_RCVBUF, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	for (;;) {
		len = devmem_test_nl_recv(nl, buf);
		if (len < 0) {
			err = len;
			break;
		}

		nlmsg_for_each_msg(nlh, (struct nlmsghdr *)buf, len, rem) {
			if (nlh->nlmsg_seq != nl->seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_DONE) {
				err = 0;
				goto out;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				e = nlmsg_data(nlh);
				devmem_test_nl_extack(nl, nlh);
				err = e->error;
				goto out;
			}
			if (cb)
				cb(nlh, arg);
		}
	}
out:
	kfree(buf);
	return err;
}

struct devmem_test_nl_attr {
	int attr;
	u32 *val;
	bool found;
};

static void devmem_test_nl_attr_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct devmem_test_nl_attr *a = arg;
	const struct nlattr *nla;

	nla = nlmsg_find_attr(nlh, GENL_HDRLEN, a->attr);
	if (nla) {
		*a->val = nla_get_u32(nla);
		a->found = true;
	}
}

/**
 * devmem_test_nl_request() - send a request and read its reply
 * @nl: the socket
 * @msg: the request, with a netlink header; consumed
 * @attr: attribute to read from the reply of a generic netlink request, 0
 *	for none
 * @val: the u32 value of @attr, if the reply has it
 *
 * The request is sent with NLM_F_ACK. The extack message of the reply is
 * left in @nl->extack.
 *
 * Return: 0 on success, the errno of the reply, or -EPROTO if the reply
 * lacks @attr.
 */
int devmem_test_nl_request(struct devmem_test_nl *nl, struct sk_buff *msg,
			   int attr, u32 *val)
{
	struct devmem_test_nl_attr a = { .attr = attr, .val = val };
	int err;

	err = devmem_test_nl_xfer(nl, msg, attr ? devmem_test_nl_attr_cb :
						  NULL, &a);
	if (!err && attr && !a.found)
		return -EPROTO;
	return err;
}

static struct sk_buff *devmem_test_genl_msg(struct devmem_test_nl *nl,
					    u16 family, u8 cmd)
{
	struct genlmsghdr *hdr;
	struct nlmsghdr *nlh;
	struct sk_buff *msg;

	msg = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return NULL;

	nlh = nlmsg_put(msg, 0, 0, family, GENL_HDRLEN, 0);
	if (!nlh) {
		kfree_skb(msg);
		return NULL;
	}
	hdr = nlmsg_data(nlh);
	*hdr = (struct genlmsghdr){ .cmd = cmd, .version = 1 };
	return msg;
}

/* A generic netlink socket for family @name, resolved with
 * CTRL_CMD_GETFAMILY as a user does.
 */
static struct devmem_test_nl *devmem_test_genl_open(struct kunit *test,
						    struct net *net,
						    const char *name)
{
	struct devmem_test_nl *nl;
	struct sk_buff *msg;
	u32 family;
	int err;

	nl = devmem_test_nl_socket(test, net, NETLINK_GENERIC);
	if (IS_ERR(nl))
		return nl;

	nl->family = GENL_ID_CTRL;
	msg = devmem_test_genl_msg(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
	if (!msg || nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, name)) {
		kfree_skb(msg);
		return ERR_PTR(-EMSGSIZE);
	}
	nlmsg_end(msg, nlmsg_hdr(msg));

	err = devmem_test_nl_request(nl, msg, CTRL_ATTR_FAMILY_ID, &family);
	if (err)
		return ERR_PTR(err);

	nl->family = family;
	return nl;
}

/**
 * devmem_test_nl_open() - open a netdev netlink socket
 * @test: the test the socket belongs to
 * @net: network namespace of the socket, where it looks devices up
 *
 * Resolve the netdev family with CTRL_CMD_GETFAMILY, as a user does. The
 * socket is closed when the test ends, unbinding what it bound.
 *
 * Return: the socket, or an ERR_PTR() on failure.
 */
struct devmem_test_nl *devmem_test_nl_open(struct kunit *test, struct net *net)
{
	return devmem_test_genl_open(test, net, NETDEV_FAMILY_NAME);
}

/* ETHTOOL_MSG_RINGS_SET with the attributes that are not negative. */
static int devmem_test_ethtool_rings(struct kunit *test, struct net_device *dev,
				     int tcp_data_split, s64 hds_thresh,
				     s64 rx, char *extack)
{
	struct devmem_test_nl *nl;
	struct sk_buff *msg;
	struct nlattr *hdr;
	int err;

	nl = devmem_test_genl_open(test, dev_net(dev), ETHTOOL_GENL_NAME);
	if (IS_ERR(nl))
		return PTR_ERR(nl);

	err = -ENOMEM;
	msg = devmem_test_genl_msg(nl, nl->family, ETHTOOL_MSG_RINGS_SET);
	if (!msg)
		goto out;

	err = -EMSGSIZE;
	hdr = nla_nest_start(msg, ETHTOOL_A_RINGS_HEADER);
	if (!hdr ||
	    nla_put_u32(msg, ETHTOOL_A_HEADER_DEV_INDEX, dev->ifindex))
		goto err_free;
	nla_nest_end(msg, hdr);
	if ((tcp_data_split >= 0 &&
	     nla_put_u8(msg, ETHTOOL_A_RINGS_TCP_DATA_SPLIT, tcp_data_split)) ||
	    (hds_thresh >= 0 &&
	     nla_put_u32(msg, ETHTOOL_A_RINGS_HDS_THRESH, hds_thresh)) ||
	    (rx >= 0 && nla_put_u32(msg, ETHTOOL_A_RINGS_RX, rx)))
		goto err_free;
	nlmsg_end(msg, nlmsg_hdr(msg));

	err = devmem_test_nl_request(nl, msg, 0, NULL);
	if (extack)
		strscpy(extack, nl->extack, DEVMEM_TEST_EXTACK_LEN);
	goto out;

err_free:
	kfree_skb(msg);
out:
	devmem_test_nl_close(test, nl);
	return err;
}

/**
 * devmem_test_nl_set_rings() - set header split with ETHTOOL_MSG_RINGS_SET
 * @test: the running test
 * @dev: the device
 * @tcp_data_split: ETHTOOL_TCP_DATA_SPLIT_ENABLED or _DISABLED
 * @hds_thresh: the tcp-data-split threshold
 * @extack: room for the extack message of the reply, or NULL
 *
 * What `ethtool -G DEV tcp-data-split on|off hds-thresh N` sends.
 *
 * Return: 0, or the errno of the reply.
 */
int devmem_test_nl_set_rings(struct kunit *test, struct net_device *dev,
			     u8 tcp_data_split, u32 hds_thresh, char *extack)
{
	return devmem_test_ethtool_rings(test, dev, tcp_data_split, hds_thresh,
					 -1, extack);
}

/**
 * devmem_test_nl_set_rx_ring() - set the RX ring size
 * @test: the running test
 * @dev: the device
 * @rx: RX ring size
 *
 * What `ethtool -G DEV rx N` sends.
 *
 * Return: 0, or the errno of the reply.
 */
int devmem_test_nl_set_rx_ring(struct kunit *test, struct net_device *dev,
			       u32 rx)
{
	return devmem_test_ethtool_rings(test, dev, -1, -1, rx, NULL);
}

/**
 * devmem_test_rtnl_open() - open an rtnetlink socket
 * @test: the test the socket belongs to
 * @net: network namespace of the socket
 *
 * Return: the socket, or an ERR_PTR() on failure.
 */
struct devmem_test_nl *devmem_test_rtnl_open(struct kunit *test,
					     struct net *net)
{
	return devmem_test_nl_socket(test, net, NETLINK_ROUTE);
}

/**
 * devmem_test_rtnl_set_up() - bring a device up or down
 * @rtnl: an rtnetlink socket, in the namespace of @dev
 * @dev: the device
 * @up: up, or down
 *
 * RTM_NEWLINK changing IFF_UP, as `ip link set dev DEV up|down` sends it.
 *
 * Return: 0, or the errno of the reply.
 */
int devmem_test_rtnl_set_up(struct devmem_test_nl *rtnl,
			    struct net_device *dev, bool up)
{
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;
	struct sk_buff *msg;

	msg = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	nlh = nlmsg_put(msg, 0, 0, RTM_NEWLINK, sizeof(*ifi), 0);
	if (!nlh) {
		kfree_skb(msg);
		return -EMSGSIZE;
	}
	ifi = nlmsg_data(nlh);
	*ifi = (struct ifinfomsg){
		.ifi_family	= AF_UNSPEC,
		.ifi_index	= dev->ifindex,
		.ifi_flags	= up ? IFF_UP : 0,
		.ifi_change	= IFF_UP,
	};
	nlmsg_end(msg, nlh);

	return devmem_test_nl_request(rtnl, msg, 0, NULL);
}

/**
 * devmem_test_nl_fill_rcvbuf() - leave a netlink socket no room for replies
 * @nl: a netdev netlink socket
 * @dev: a device in its namespace
 *
 * Shrink the receive buffer to its minimum (SO_RCVBUF) and send
 * NETDEV_CMD_DEV_GET requests whose replies are left unread, more than the
 * buffer holds, as a user that does not read its socket does. The kernel
 * then drops the reply to every request that follows, and the next read
 * reports ENOBUFS.
 *
 * Return: 0, or the errno of a request.
 */
int devmem_test_nl_fill_rcvbuf(struct devmem_test_nl *nl,
			       struct net_device *dev)
{
	struct sk_buff *msg;
	unsigned int i;
	int err;

	sock_set_rcvbuf(nl->sock->sk, 0);
	for (i = 0; i < DEVMEM_TEST_NL_FILL; i++) {
		msg = devmem_test_genl_msg(nl, nl->family, NETDEV_CMD_DEV_GET);
		if (!msg)
			return -ENOMEM;
		if (nla_put_u32(msg, NETDEV_A_DEV_IFINDEX, dev->ifindex)) {
			kfree_skb(msg);
			return -EMSGSIZE;
		}
		nlmsg_end(msg, nlmsg_hdr(msg));
		err = devmem_test_nl_send(nl, msg, 0);
		if (err)
			return err;
	}
	return 0;
}

/**
 * devmem_test_nl_drain() - read what a netlink socket has queued
 * @nl: a netlink socket of the test
 *
 * Return: how many of the messages read answer the last request (carry
 * its sequence number), or a negative errno other than -EAGAIN.
 */
int devmem_test_nl_drain(struct devmem_test_nl *nl)
{
	struct nlmsghdr *nlh;
	int len, rem, n = 0;
	void *buf;

	buf = kmalloc(DEVMEM_TEST_NL_RCVBUF, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	for (;;) {
		len = devmem_test_nl_recv(nl, buf);
		if (len == -EAGAIN)
			break;
		/* The error an overrun left, reported once. */
		if (len == -ENOBUFS)
			continue;
		if (len < 0) {
			n = len;
			break;
		}
		nlmsg_for_each_msg(nlh, (struct nlmsghdr *)buf, len, rem)
			n += nlh->nlmsg_seq == nl->seq;
	}
	kfree(buf);
	return n;
}

/**
 * devmem_test_nl_close() - close a netlink socket before the test ends
 * @test: the test that opened @nl
 * @nl: the socket; what it bound is unbound
 */
void devmem_test_nl_close(struct kunit *test, struct devmem_test_nl *nl)
{
	kunit_release_action(test, devmem_test_nl_fput, nl);
}

static int devmem_test_nl_bind(struct devmem_test_nl *nl, u8 cmd,
			       struct net_device *dev,
			       struct devmem_test_dmabuf *buf,
			       const unsigned int *rxqs, unsigned int nr_rxqs,
			       u32 *id)
{
	struct sk_buff *msg;
	struct nlattr *nest;
	unsigned int i;
	int fd, err;

	msg = devmem_test_genl_msg(nl, nl->family, cmd);
	if (!msg)
		return -ENOMEM;

	/* A descriptor of the test thread for the request only, as a user
	 * may close its own after binding.
	 */
	get_dma_buf(buf->dmabuf);
	fd = dma_buf_fd(buf->dmabuf, O_CLOEXEC);
	if (fd < 0) {
		dma_buf_put(buf->dmabuf);
		kfree_skb(msg);
		return fd;
	}

	err = -EMSGSIZE;
	if (nla_put_u32(msg, NETDEV_A_DEV_IFINDEX, dev->ifindex) ||
	    nla_put_u32(msg, NETDEV_A_DMABUF_FD, fd))
		goto err_free;

	for (i = 0; i < nr_rxqs; i++) {
		nest = nla_nest_start(msg, NETDEV_A_DMABUF_QUEUES);
		if (!nest ||
		    nla_put_u32(msg, NETDEV_A_QUEUE_ID, rxqs[i]) ||
		    nla_put_u32(msg, NETDEV_A_QUEUE_TYPE,
				NETDEV_QUEUE_TYPE_RX))
			goto err_free;
		nla_nest_end(msg, nest);
	}
	nlmsg_end(msg, nlmsg_hdr(msg));

	err = devmem_test_nl_request(nl, msg, NETDEV_A_DMABUF_ID, id);
	close_fd(fd);
	return err;

err_free:
	kfree_skb(msg);
	close_fd(fd);
	return err;
}

/**
 * devmem_test_nl_bind_rx() - NETDEV_CMD_BIND_RX
 * @nl: a netdev netlink socket, in the namespace of @dev
 * @dev: the device
 * @buf: the dma-buf to bind, passed as a file descriptor of the test thread
 *	that is closed again after the request
 * @rxqs: RX queue indexes
 * @nr_rxqs: number of entries in @rxqs
 * @id: the id of the new binding, on success
 *
 * The binding belongs to @nl: closing it unbinds.
 *
 * Return: 0, or the errno of the reply; its extack message is in
 * @nl->extack.
 */
int devmem_test_nl_bind_rx(struct devmem_test_nl *nl, struct net_device *dev,
			   struct devmem_test_dmabuf *buf,
			   const unsigned int *rxqs, unsigned int nr_rxqs,
			   u32 *id)
{
	return devmem_test_nl_bind(nl, NETDEV_CMD_BIND_RX, dev, buf, rxqs,
				   nr_rxqs, id);
}

/**
 * devmem_test_nl_bind_tx() - NETDEV_CMD_BIND_TX
 * @nl: a netdev netlink socket, in the namespace of @dev
 * @dev: the device
 * @buf: the dma-buf to bind, as for devmem_test_nl_bind_rx()
 * @id: the id of the new binding, for SCM_DEVMEM_DMABUF, on success
 *
 * Return: 0, or the errno of the reply; its extack message is in
 * @nl->extack.
 */
int devmem_test_nl_bind_tx(struct devmem_test_nl *nl, struct net_device *dev,
			   struct devmem_test_dmabuf *buf, u32 *id)
{
	return devmem_test_nl_bind(nl, NETDEV_CMD_BIND_TX, dev, buf, NULL, 0,
				   id);
}

/**
 * devmem_test_nl_queue_dmabuf() - which binding an RX queue is bound to
 * @nl: a netdev netlink socket, in the namespace of @dev
 * @dev: the device
 * @rxq_idx: RX queue index
 * @id: the binding id the queue reports, 0 if none
 *
 * NETDEV_CMD_QUEUE_GET, as `ynl --do queue-get` sends it.
 *
 * Return: 0, or the errno of the reply.
 */
int devmem_test_nl_queue_dmabuf(struct devmem_test_nl *nl,
				struct net_device *dev, unsigned int rxq_idx,
				u32 *id)
{
	struct sk_buff *msg;
	int err;

	msg = devmem_test_genl_msg(nl, nl->family, NETDEV_CMD_QUEUE_GET);
	if (!msg)
		return -ENOMEM;

	if (nla_put_u32(msg, NETDEV_A_QUEUE_IFINDEX, dev->ifindex) ||
	    nla_put_u32(msg, NETDEV_A_QUEUE_TYPE, NETDEV_QUEUE_TYPE_RX) ||
	    nla_put_u32(msg, NETDEV_A_QUEUE_ID, rxq_idx)) {
		kfree_skb(msg);
		return -EMSGSIZE;
	}
	nlmsg_end(msg, nlmsg_hdr(msg));

	*id = 0;
	err = devmem_test_nl_request(nl, msg, NETDEV_A_QUEUE_DMABUF, id);
	return err == -EPROTO ? 0 : err;
}

struct devmem_test_nl_pools {
	u32 id;
	u64 in_flight;
	int nr;
};

static void devmem_test_nl_pool_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct devmem_test_nl_pools *p = arg;
	const struct nlattr *id, *in_flight;

	id = nlmsg_find_attr(nlh, GENL_HDRLEN, NETDEV_A_PAGE_POOL_DMABUF);
	in_flight = nlmsg_find_attr(nlh, GENL_HDRLEN,
				    NETDEV_A_PAGE_POOL_INFLIGHT);
	if (!id || !in_flight || nla_get_u32(id) != p->id)
		return;

	p->in_flight += nla_get_uint(in_flight);
	p->nr++;
}

/**
 * devmem_test_nl_pp_in_flight() - buffers in flight from a binding's pools
 * @nl: a netdev netlink socket, in the namespace of the device
 * @id: the binding id
 * @in_flight: the sum of the in-flight counts of the page pools using the
 *	binding, those destroyed but waiting for buffers included
 *
 * A NETDEV_CMD_PAGE_POOL_GET dump, as `ynl --dump page-pool-get` sends it.
 * A pool's in-flight count is what it took from its memory provider and did
 * not return: pages_state_hold_cnt - pages_state_release_cnt.
 *
 * Return: the number of such pools, or the errno of the reply.
 */
int devmem_test_nl_pp_in_flight(struct devmem_test_nl *nl, u32 id,
				u64 *in_flight)
{
	struct devmem_test_nl_pools p = { .id = id };
	struct sk_buff *msg;
	int err;

	msg = devmem_test_genl_msg(nl, nl->family, NETDEV_CMD_PAGE_POOL_GET);
	if (!msg)
		return -ENOMEM;

	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_DUMP;
	nlmsg_end(msg, nlmsg_hdr(msg));
	err = devmem_test_nl_xfer(nl, msg, devmem_test_nl_pool_cb, &p);
	*in_flight = p.in_flight;
	return err ?: p.nr;
}
