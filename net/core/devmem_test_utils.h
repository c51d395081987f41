/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * KUnit harness for devmem TCP: a mock dma-buf exporter, a fake netdev with
 * queue management ops, a bind helper that follows the netlink path, and
 * kernel TCP sockets over a pair of fake netdevs.
 */
#ifndef _NET_CORE_DEVMEM_TEST_UTILS_H
#define _NET_CORE_DEVMEM_TEST_UTILS_H

#include <linux/atomic.h>
#include <linux/types.h>
#include <linux/uio.h>

struct dma_buf;
struct kunit;
struct net;
struct net_device;
struct netdev_nl_sock;
struct netlink_ext_ack;
struct net_devmem_dmabuf_binding;
struct page_pool;
struct socket;
struct work_struct;

#define DEVMEM_TEST_NUM_RXQ	4
/* Most struct dmabuf_token entries one SO_DEVMEM_DONTNEED call takes. */
#define DEVMEM_TEST_DONTNEED_MAX	128

/**
 * struct devmem_test_dmabuf_layout - how the mock exporter maps its buffer
 * @sg_lens: length of each sg entry, in bytes; NULL for a single entry
 *	covering the whole buffer
 * @nr_sg: number of entries in @sg_lens
 * @misaligned: give the last sg entry a DMA address that is not aligned to
 *	the net_iov size
 * @map_err: if non-zero, map_dma_buf fails with this errno
 */
struct devmem_test_dmabuf_layout {
	const size_t *sg_lens;
	unsigned int nr_sg;
	bool misaligned;
	int map_err;
};

/**
 * struct devmem_test_dmabuf - mock dma-buf exporter state
 * @dmabuf: the exported dma-buf; the test holds one reference
 * @vaddr: backing memory, @size bytes, what the net_iovs stand for
 * @size: size of the dma-buf
 * @attach: number of attach calls seen by the exporter
 * @detach: number of detach calls
 * @map: number of successful map_dma_buf calls
 * @unmap: number of unmap_dma_buf calls
 * @release: number of release calls
 * @detach_work: work function running when detach was called, or NULL
 *	when it was not called from a work item
 */
struct devmem_test_dmabuf {
	struct dma_buf *dmabuf;
	void *vaddr;
	size_t size;
	atomic_t attach;
	atomic_t detach;
	atomic_t map;
	atomic_t unmap;
	atomic_t release;
	void (*detach_work)(struct work_struct *work);
};

struct devmem_test_dmabuf *
devmem_test_dmabuf_create(struct kunit *test, size_t size,
			  const struct devmem_test_dmabuf_layout *layout);
void devmem_test_kick_deferred_skbs(void);
int devmem_test_dmabuf_put_and_wait(struct kunit *test,
				    struct devmem_test_dmabuf *buf);
long devmem_test_dmabuf_refs(struct devmem_test_dmabuf *buf);
void *devmem_test_dmabuf_vaddr(struct devmem_test_dmabuf *buf, size_t offset);

struct net_device *devmem_test_netdev_create(struct kunit *test,
					     struct net *net);
void devmem_test_netdev_unregister(struct kunit *test, struct net_device *dev);
void devmem_test_netdev_set_rxq_hds(struct net_device *dev,
				    unsigned int rxq_idx, bool enable);
struct page_pool *devmem_test_netdev_rxq_pool(struct net_device *dev,
					      unsigned int rxq_idx);
unsigned long devmem_test_netdev_tx_dropped(struct net_device *dev);
long devmem_test_netdev_rxq_outstanding(struct net_device *dev,
					unsigned int rxq_idx);

/**
 * struct devmem_test_pair - two fake NICs cabled back to back
 * @net: network namespace of each end
 * @dev: each end; @dev[i] is in @net[i] and has address @addr[i]
 * @addr: IPv4 address of each end, both in one /24
 */
struct devmem_test_pair {
	struct net *net[2];
	struct net_device *dev[2];
	__be32 addr[2];
};

struct devmem_test_pair *devmem_test_pair_create(struct kunit *test);

/**
 * struct devmem_test_conn - a TCP connection across a pair
 * @tx: the sending socket
 * @rx: the receiving socket, accepted on the device at the other end
 */
struct devmem_test_conn {
	struct socket *tx;
	struct socket *rx;
};

struct devmem_test_conn *devmem_test_tcp_connect(struct kunit *test,
						 struct devmem_test_pair *pair,
						 unsigned int rx_end);
int devmem_test_send_start(struct kunit *test, struct devmem_test_conn *conn,
			   const void *buf, size_t len);
ssize_t devmem_test_send_wait(struct kunit *test,
			      struct devmem_test_conn *conn);
void devmem_test_sock_close(struct kunit *test, struct socket *sock);

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
	struct dmabuf_token *tokens;
};

struct devmem_test_rx *devmem_test_rx_create(struct kunit *test,
					     unsigned int max_frags,
					     size_t buf_len);
int devmem_test_recvmsg(struct kunit *test, struct socket *sock,
			struct devmem_test_rx *rx, size_t len, int flags);
int devmem_test_dontneed(struct kunit *test, struct socket *sock,
			 const void *tokens, unsigned int optlen);
int devmem_test_release_frags(struct kunit *test, struct socket *sock,
			      struct devmem_test_rx *rx);

struct netdev_nl_sock *devmem_test_nl_sock_create(struct kunit *test);
void devmem_test_close_nl_sock(struct kunit *test, struct netdev_nl_sock *priv);
struct net_devmem_dmabuf_binding *
devmem_test_bind_rx(struct kunit *test, struct net_device *dev,
		    struct devmem_test_dmabuf *buf, const unsigned int *rxqs,
		    unsigned int nr_rxqs, struct netdev_nl_sock *priv,
		    struct netlink_ext_ack *extack);
struct net_devmem_dmabuf_binding *
devmem_test_bind_tx(struct kunit *test, struct net_device *dev,
		    struct devmem_test_dmabuf *buf, struct netdev_nl_sock *priv,
		    struct netlink_ext_ack *extack);
void devmem_test_unbind(struct net_devmem_dmabuf_binding *binding,
			struct netdev_nl_sock *priv);

struct socket *devmem_test_nl_socket_create(struct kunit *test);
void devmem_test_nl_socket_close(struct kunit *test, struct socket *sock);
int devmem_test_nl_bind_rx(struct kunit *test, struct socket *sock,
			   struct net_device *dev,
			   struct devmem_test_dmabuf *buf,
			   const unsigned int *rxqs, unsigned int nr_rxqs,
			   u32 *id);

#endif /* _NET_CORE_DEVMEM_TEST_UTILS_H */
