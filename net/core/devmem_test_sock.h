/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Network namespaces, addresses and TCP sockets for the devmem KUnit tests:
 * two fake NICs in two namespaces, and the socket calls a devmem user makes.
 */
#ifndef _NET_CORE_DEVMEM_TEST_SOCK_H
#define _NET_CORE_DEVMEM_TEST_SOCK_H

#include <linux/types.h>
#include <linux/uio.h>

struct file;
struct kunit;
struct net;
struct net_device;
struct socket;

/* Most struct dmabuf_token entries one SO_DEVMEM_DONTNEED call takes, and
 * most frags it releases, as documented in devmem.rst.
 */
#define DEVMEM_TEST_DONTNEED_MAX	128
#define DEVMEM_TEST_DONTNEED_FRAGS	1024

/**
 * struct devmem_test_pair - two fake NICs cabled back to back
 * @net: network namespace of each end
 * @dev: each end; @dev[i] is in @net[i]
 */
struct devmem_test_pair {
	struct net *net[2];
	struct net_device *dev[2];
};

struct devmem_test_pair *devmem_test_pair_create(struct kunit *test);

/**
 * struct devmem_test_fixture - a pair with a dma-buf bound at one end
 * @pair: the two fake NICs
 * @buf: the mock dma-buf
 * @nl: the netdev netlink socket the binding belongs to
 * @id: the binding's id
 */
struct devmem_test_fixture {
	struct devmem_test_pair *pair;
	struct devmem_test_dmabuf *buf;
	struct devmem_test_nl *nl;
	u32 id;
};

struct devmem_test_fixture *devmem_test_fixture_rx(struct kunit *test,
						   size_t size,
						   unsigned int rxq_idx);
struct devmem_test_fixture *devmem_test_fixture_tx(struct kunit *test,
						   size_t size);

/**
 * struct devmem_test_conn - a TCP connection across a pair
 * @tx: the sending socket
 * @rx: the receiving socket, accepted on the device at the other end
 */
struct devmem_test_conn {
	struct socket *tx;
	struct socket *rx;
};

struct devmem_test_conn *
devmem_test_tcp_connect(struct kunit *test, struct devmem_test_pair *pair,
			int family, unsigned int rx_end);
int devmem_test_send_start(struct kunit *test, struct devmem_test_conn *conn,
			   const void *buf, size_t len);
ssize_t devmem_test_send_wait(struct kunit *test,
			      struct devmem_test_conn *conn);
void devmem_test_sock_close(struct kunit *test, struct socket *sock);
struct file *devmem_test_sock_file(struct kunit *test, struct socket *sock);
void devmem_test_file_close(struct kunit *test, struct file *file);
int devmem_test_sock_inq(struct socket *sock);
int devmem_test_sendmsg_devmem(struct socket *sock, u32 id, size_t offset,
			       size_t len, int flags);
int devmem_test_send_devmem(struct socket *sock, u32 id, size_t offset,
			    size_t len);
int devmem_test_recv(struct socket *sock, void *buf, size_t len);
struct socket *devmem_test_packet_tap(struct kunit *test,
				      struct net_device *dev);

/**
 * struct devmem_test_frag - one cmsg of a MSG_SOCK_DEVMEM recvmsg()
 * @linear: SCM_DEVMEM_LINEAR, bytes copied to the data buffer, rather than
 *	SCM_DEVMEM_DMABUF, bytes left in the dma-buf and held by a token
 * @cmsg: the cmsg payload; only @cmsg.frag_size is meaningful if @linear
 */
struct devmem_test_frag {
	bool linear;
	struct dmabuf_cmsg cmsg;
};

/**
 * struct devmem_test_rx - buffers for receiving with MSG_SOCK_DEVMEM
 * @buf: data buffer, for the bytes that are not in the dma-buf
 * @buf_len: size of @buf
 * @frags: the cmsgs of the last devmem_test_recvmsg()
 * @nr_frags: number of entries in @frags
 * @max_frags: size of @frags
 * @control: control buffer, room for @max_frags cmsgs
 * @control_len: size of @control
 * @msg_flags: msg_flags of the last devmem_test_recvmsg()
 * @tokens: DEVMEM_TEST_DONTNEED_MAX entries for releasing tokens
 */
struct devmem_test_rx {
	void *buf;
	size_t buf_len;
	struct devmem_test_frag *frags;
	unsigned int nr_frags;
	unsigned int max_frags;
	void *control;
	size_t control_len;
	unsigned int msg_flags;
	struct dmabuf_token *tokens;
};

struct devmem_test_rx *devmem_test_rx_create(struct kunit *test,
					     unsigned int max_frags,
					     size_t buf_len);
int devmem_test_recvmsg(struct kunit *test, struct socket *sock,
			struct devmem_test_rx *rx, size_t len, int flags);
int devmem_test_dontneed(struct socket *sock, const void *tokens,
			 unsigned int optlen);
int devmem_test_release_frags(struct socket *sock, struct devmem_test_rx *rx);

int devmem_test_fail_nth_start(struct kunit *test);
void devmem_test_fail_nth(unsigned int nth);
unsigned int devmem_test_fail_nth_left(void);

#endif /* _NET_CORE_DEVMEM_TEST_SOCK_H */
