// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * KUnit harness for devmem TCP.
 *
 * The mock exporter hands out an sg_table with made-up DMA addresses over
 * vmalloc'ed memory, so the test can look at the bytes a net_iov stands for.
 * The fake netdev implements the queue management ops the way a NIC with
 * header split does: restarting a queue creates a fresh page pool, which is
 * what lets the devmem memory provider attach to it. Two of them can be
 * cabled back to back, in two network namespaces, for kernel TCP sockets to
 * receive into a dma-buf bound to a queue.
 */

#include <kunit/device.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/dma-buf.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/if_arp.h>
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/socket.h>
#include <linux/sockptr.h>
#include <linux/tcp.h>
#include <linux/uio.h>
#include <linux/user_namespace.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/ip.h>
#include <net/net_namespace.h>
#include <net/netdev_lock.h>
#include <net/netdev_netlink.h>
#include <net/netdev_queues.h>
#include <net/netdev_rx_queue.h>
#include <net/page_pool/helpers.h>
#include <net/page_pool/types.h>
#include <net/sock.h>

#include "dev.h"
#include "devmem.h"
#include "devmem_test_utils.h"
#include "netdev-genl-gen.h"

/* Made-up bus addresses: aligned to any net_iov size the tests use, and
 * with a hole between sg entries so they become separate genpool chunks.
 */
#define DEVMEM_TEST_DMA_BASE		SZ_256M
#define DEVMEM_TEST_DMA_SG_GAP		SZ_1M

#define DEVMEM_TEST_RELEASE_TIMEOUT	(10 * HZ)
#define DEVMEM_TEST_POLL_INTERVAL	msecs_to_jiffies(20)

struct devmem_test_exporter {
	struct devmem_test_dmabuf buf;
	size_t *sg_lens;
	unsigned int nr_sg;
	bool misaligned;
	int map_err;
	struct completion released;
	/* One for the test, one for the dma-buf until its release. */
	refcount_t refs;
};

static struct devmem_test_exporter *
to_exporter(struct devmem_test_dmabuf *buf)
{
	return container_of(buf, struct devmem_test_exporter, buf);
}

static void devmem_test_exporter_put(struct devmem_test_exporter *exp)
{
	if (!refcount_dec_and_test(&exp->refs))
		return;

	vfree(exp->buf.vaddr);
	kfree(exp->sg_lens);
	kfree(exp);
}

static int devmem_test_dmabuf_attach(struct dma_buf *dmabuf,
				     struct dma_buf_attachment *attach)
{
	struct devmem_test_exporter *exp = dmabuf->priv;

	atomic_inc(&exp->buf.attach);
	return 0;
}

static void devmem_test_dmabuf_detach(struct dma_buf *dmabuf,
				      struct dma_buf_attachment *attach)
{
	struct devmem_test_exporter *exp = dmabuf->priv;
	struct work_struct *work = current_work();

	exp->buf.detach_work = work ? work->func : NULL;
	atomic_inc(&exp->buf.detach);
}

static struct sg_table *
devmem_test_dmabuf_map(struct dma_buf_attachment *attach,
		       enum dma_data_direction dir)
{
	struct devmem_test_exporter *exp = attach->dmabuf->priv;
	dma_addr_t addr = DEVMEM_TEST_DMA_BASE;
	struct scatterlist *sg;
	struct sg_table *sgt;
	unsigned int i;
	int err;

	if (exp->map_err)
		return ERR_PTR(exp->map_err);

	sgt = kzalloc_obj(*sgt);
	if (!sgt)
		return ERR_PTR(-ENOMEM);

	err = sg_alloc_table(sgt, exp->nr_sg, GFP_KERNEL);
	if (err) {
		kfree(sgt);
		return ERR_PTR(err);
	}

	for_each_sgtable_dma_sg(sgt, sg, i) {
		sg_dma_address(sg) = addr;
		sg_dma_len(sg) = exp->sg_lens[i];
		if (exp->misaligned && i == exp->nr_sg - 1)
			sg_dma_address(sg) += PAGE_SIZE / 2;
		addr += exp->sg_lens[i] + DEVMEM_TEST_DMA_SG_GAP;
	}

	atomic_inc(&exp->buf.map);
	return sgt;
}

static void devmem_test_dmabuf_unmap(struct dma_buf_attachment *attach,
				     struct sg_table *sgt,
				     enum dma_data_direction dir)
{
	struct devmem_test_exporter *exp = attach->dmabuf->priv;

	sg_free_table(sgt);
	kfree(sgt);
	atomic_inc(&exp->buf.unmap);
}

static void devmem_test_dmabuf_release(struct dma_buf *dmabuf)
{
	struct devmem_test_exporter *exp = dmabuf->priv;

	atomic_inc(&exp->buf.release);
	complete(&exp->released);
	devmem_test_exporter_put(exp);
}

static const struct dma_buf_ops devmem_test_dmabuf_ops = {
	.attach		= devmem_test_dmabuf_attach,
	.detach		= devmem_test_dmabuf_detach,
	.map_dma_buf	= devmem_test_dmabuf_map,
	.unmap_dma_buf	= devmem_test_dmabuf_unmap,
	.release	= devmem_test_dmabuf_release,
};

static void devmem_test_dmabuf_put_ref(void *ctx)
{
	struct devmem_test_exporter *exp = ctx;

	dma_buf_put(exp->buf.dmabuf);
}

static void devmem_test_exporter_put_action(void *ctx)
{
	devmem_test_exporter_put(ctx);
}

/**
 * devmem_test_dmabuf_create() - export a mock dma-buf
 * @test: the test the dma-buf belongs to
 * @size: size of the dma-buf, a multiple of PAGE_SIZE
 * @layout: sg layout and failure injection, or NULL for one aligned entry
 *
 * Export a dma-buf backed by @size bytes of zeroed memory. The test holds
 * one reference to the dma-buf, dropped when the test ends or by
 * devmem_test_dmabuf_put_and_wait(). The exporter counts every callback, so
 * the test can check that each attach and map was undone.
 *
 * Return: the mock dma-buf, or an ERR_PTR() on failure.
 */
struct devmem_test_dmabuf *
devmem_test_dmabuf_create(struct kunit *test, size_t size,
			  const struct devmem_test_dmabuf_layout *layout)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct devmem_test_exporter *exp;
	struct dma_buf *dmabuf;
	size_t total = 0;
	unsigned int i;
	int err;

	if (!size || !PAGE_ALIGNED(size))
		return ERR_PTR(-EINVAL);

	exp = kzalloc_obj(*exp);
	if (!exp)
		return ERR_PTR(-ENOMEM);
	refcount_set(&exp->refs, 1);
	init_completion(&exp->released);

	err = kunit_add_action_or_reset(test, devmem_test_exporter_put_action,
					exp);
	if (err)
		return ERR_PTR(err);

	exp->buf.size = size;
	exp->buf.vaddr = vzalloc(size);
	if (!exp->buf.vaddr)
		return ERR_PTR(-ENOMEM);

	if (layout && layout->nr_sg) {
		exp->sg_lens = kmemdup_array(layout->sg_lens, layout->nr_sg,
					     sizeof(*layout->sg_lens),
					     GFP_KERNEL);
		exp->nr_sg = layout->nr_sg;
	} else {
		exp->sg_lens = kmemdup(&size, sizeof(size), GFP_KERNEL);
		exp->nr_sg = 1;
	}
	if (!exp->sg_lens)
		return ERR_PTR(-ENOMEM);

	for (i = 0; i < exp->nr_sg; i++)
		total += exp->sg_lens[i];
	if (total > size)
		return ERR_PTR(-EINVAL);

	if (layout) {
		exp->misaligned = layout->misaligned;
		exp->map_err = layout->map_err;
	}

	exp_info.ops = &devmem_test_dmabuf_ops;
	exp_info.size = size;
	exp_info.flags = O_RDWR;
	exp_info.priv = exp;

	refcount_inc(&exp->refs);
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		devmem_test_exporter_put(exp);
		return ERR_CAST(dmabuf);
	}
	exp->buf.dmabuf = dmabuf;

	err = kunit_add_action_or_reset(test, devmem_test_dmabuf_put_ref, exp);
	if (err)
		return ERR_PTR(err);

	return &exp->buf;
}

/**
 * devmem_test_kick_deferred_skbs() - have every CPU free its deferred skbs
 *
 * skb_attempt_defer_free() hands an skb freed on another CPU than the one
 * that allocated it, with the references its frags hold on net_iovs, to a
 * list of the allocating CPU, purged when that CPU next runs NET_RX. A test
 * CPU can stay idle for long. Kick each CPU, as the stack does when a list
 * fills up; the lists are purged asynchronously.
 */
void devmem_test_kick_deferred_skbs(void)
{
	unsigned int cpu;

	for_each_online_cpu(cpu)
		kick_defer_list_purge(cpu);
}

/**
 * devmem_test_dmabuf_put_and_wait() - drop the test's dma-buf reference
 * @test: the test that created @buf
 * @buf: the mock dma-buf
 *
 * Drop the reference taken by devmem_test_dmabuf_create() and wait for the
 * exporter's release callback, i.e. for every other user of the dma-buf to
 * let go of it too. @buf->dmabuf must not be used afterwards; the counters
 * in @buf stay readable until the test ends.
 *
 * Return: 0 once released, -ETIMEDOUT if something still holds the dma-buf.
 */
int devmem_test_dmabuf_put_and_wait(struct kunit *test,
				    struct devmem_test_dmabuf *buf)
{
	unsigned long timeout = jiffies + DEVMEM_TEST_RELEASE_TIMEOUT;
	struct devmem_test_exporter *exp = to_exporter(buf);

	kunit_release_action(test, devmem_test_dmabuf_put_ref, exp);

	/* The last net_iov of a binding may be in an skb freed to another
	 * CPU's defer list: the binding, hence the attachment, lives on until
	 * that CPU purges the list.
	 */
	do {
		devmem_test_kick_deferred_skbs();
		if (wait_for_completion_timeout(&exp->released,
						DEVMEM_TEST_POLL_INTERVAL))
			return 0;
	} while (time_before(jiffies, timeout));

	return -ETIMEDOUT;
}

/**
 * devmem_test_dmabuf_refs() - count the references to a mock dma-buf
 * @buf: the mock dma-buf, still referenced by the test
 *
 * Return: the number of references to @buf's file; 1 if only the test
 * holds it.
 */
long devmem_test_dmabuf_refs(struct devmem_test_dmabuf *buf)
{
	return file_count(buf->dmabuf->file);
}

/**
 * devmem_test_dmabuf_vaddr() - CPU address of a byte of a mock dma-buf
 * @buf: the mock dma-buf
 * @offset: offset into the dma-buf, e.g. net_iov_virtual_addr()
 *
 * Return: pointer to the byte at @offset, or NULL if out of range.
 */
void *devmem_test_dmabuf_vaddr(struct devmem_test_dmabuf *buf, size_t offset)
{
	if (offset >= buf->size)
		return NULL;

	return buf->vaddr + offset;
}

/* 198.18.0.0/15 is reserved for benchmarking (RFC 2544). */
#define DEVMEM_TEST_ADDR(host)		htonl(0xc6120000 | (host))
#define DEVMEM_TEST_PREFIXLEN		24
#define DEVMEM_TEST_MTU			1500
#define DEVMEM_TEST_SOCK_TIMEOUT_SECS	10

struct devmem_test_rxq {
	/* Protects @pool and @allocated: the peer's xmit takes buffers from
	 * @pool with BHs off, from any CPU, and the alloc side of a page
	 * pool is not SMP safe.
	 */
	spinlock_t lock;
	struct page_pool *pool;
	unsigned long allocated;
	/* Protected by the instance lock. */
	bool no_hds;
};

struct devmem_test_netdev {
	struct device *dma_dev;
	struct net_device *peer;
	struct devmem_test_rxq rxqs[DEVMEM_TEST_NUM_RXQ];
	atomic_long_t tx_dropped;
};

struct devmem_test_queue_mem {
	struct page_pool *pool;
};

static struct page_pool *devmem_test_pool_create(struct net_device *dev,
						 unsigned int idx)
{
	struct devmem_test_netdev *priv = netdev_priv(dev);
	struct page_pool_params pp = {
		.pool_size	= 256,
		.nid		= NUMA_NO_NODE,
		.dev		= priv->dma_dev,
		.dma_dir	= DMA_FROM_DEVICE,
		.max_len	= PAGE_SIZE,
		.netdev		= dev,
		.queue_idx	= idx,
	};

	/* Only a header-split payload ring can take unreadable buffers. */
	if (priv->rxqs[idx].no_hds)
		return page_pool_create(&pp);
	pp.flags |= PP_FLAG_ALLOW_UNREADABLE_NETMEM;

	/* A memory provider insists on a DMA-mapping pool. Pages are never
	 * mapped: the KUnit DMA device stands for no real bus.
	 */
	if (__netif_get_rx_queue(dev, idx)->mp_params.mp_ops)
		pp.flags |= PP_FLAG_DMA_MAP | PP_FLAG_DMA_SYNC_DEV;

	return page_pool_create(&pp);
}

/* Returns the queue's previous pool, for the caller to destroy. */
static struct page_pool *devmem_test_rxq_swap_pool(struct net_device *dev,
						   unsigned int idx,
						   struct page_pool *pool)
{
	struct devmem_test_netdev *priv = netdev_priv(dev);
	struct devmem_test_rxq *rxq = &priv->rxqs[idx];
	struct page_pool *old;

	spin_lock_bh(&rxq->lock);
	old = rxq->pool;
	rxq->pool = pool;
	rxq->allocated = 0;
	spin_unlock_bh(&rxq->lock);

	return old;
}

static int devmem_test_queue_mem_alloc(struct net_device *dev,
				       struct netdev_queue_config *qcfg,
				       void *per_queue_mem, int idx)
{
	struct devmem_test_queue_mem *mem = per_queue_mem;
	struct page_pool *pool;

	pool = devmem_test_pool_create(dev, idx);
	if (IS_ERR(pool))
		return PTR_ERR(pool);

	mem->pool = pool;
	return 0;
}

static void devmem_test_queue_mem_free(struct net_device *dev,
				       void *per_queue_mem)
{
	struct devmem_test_queue_mem *mem = per_queue_mem;

	page_pool_destroy(mem->pool);
	mem->pool = NULL;
}

static int devmem_test_queue_start(struct net_device *dev,
				   struct netdev_queue_config *qcfg,
				   void *per_queue_mem, int idx)
{
	struct devmem_test_queue_mem *mem = per_queue_mem;

	devmem_test_rxq_swap_pool(dev, idx, mem->pool);
	mem->pool = NULL;
	return 0;
}

static int devmem_test_queue_stop(struct net_device *dev, void *per_queue_mem,
				  int idx)
{
	struct devmem_test_queue_mem *mem = per_queue_mem;

	mem->pool = devmem_test_rxq_swap_pool(dev, idx, NULL);
	return 0;
}

static const struct netdev_queue_mgmt_ops devmem_test_queue_mgmt_ops = {
	.ndo_queue_mem_size	= sizeof(struct devmem_test_queue_mem),
	.ndo_queue_mem_alloc	= devmem_test_queue_mem_alloc,
	.ndo_queue_mem_free	= devmem_test_queue_mem_free,
	.ndo_queue_start	= devmem_test_queue_start,
	.ndo_queue_stop		= devmem_test_queue_stop,
};

static int devmem_test_netdev_stop(struct net_device *dev)
{
	unsigned int i;

	for (i = 0; i < dev->real_num_rx_queues; i++)
		page_pool_destroy(devmem_test_rxq_swap_pool(dev, i, NULL));

	return 0;
}

static int devmem_test_netdev_open(struct net_device *dev)
{
	struct page_pool *pool;
	unsigned int i;

	for (i = 0; i < dev->real_num_rx_queues; i++) {
		pool = devmem_test_pool_create(dev, i);
		if (IS_ERR(pool)) {
			devmem_test_netdev_stop(dev);
			return PTR_ERR(pool);
		}
		devmem_test_rxq_swap_pool(dev, i, pool);
	}

	return 0;
}

static netmem_ref devmem_test_rxq_alloc(struct net_device *dev,
					unsigned int idx)
{
	struct devmem_test_netdev *priv = netdev_priv(dev);
	struct devmem_test_rxq *rxq = &priv->rxqs[idx];
	netmem_ref netmem = 0;

	spin_lock(&rxq->lock);
	if (rxq->pool)
		netmem = page_pool_alloc_netmems(rxq->pool,
						 GFP_ATOMIC | __GFP_NOWARN);
	if (netmem)
		rxq->allocated++;
	spin_unlock(&rxq->lock);

	return netmem;
}

/* What the NIC's DMA would do: write the payload into the buffer. For a
 * net_iov that is the mock dma-buf's memory at the net_iov's offset.
 */
static int devmem_test_rx_fill(netmem_ref netmem, const struct sk_buff *skb,
			       unsigned int offset, unsigned int len)
{
	struct net_devmem_dmabuf_binding *binding;
	struct devmem_test_exporter *exp;
	struct net_iov *niov;
	unsigned long off;
	void *va;

	if (!netmem_is_net_iov(netmem))
		return skb_copy_bits(skb, offset, netmem_address(netmem), len);

	niov = netmem_to_net_iov(netmem);
	if (!net_is_devmem_iov(niov))
		return -EOPNOTSUPP;

	binding = net_devmem_iov_binding(niov);
	if (binding->dmabuf->ops != &devmem_test_dmabuf_ops)
		return -EOPNOTSUPP;

	exp = binding->dmabuf->priv;
	off = net_iov_virtual_addr(niov);
	va = devmem_test_dmabuf_vaddr(&exp->buf, off);
	if (!va || len > exp->buf.size - off)
		return -EFAULT;

	return skb_copy_bits(skb, offset, va, len);
}

/* Length of what a header-split NIC puts in the linear part: IP and TCP
 * headers, or the whole packet if it is not TCP; 0 if it is not IPv4.
 */
static unsigned int devmem_test_rx_hlen(const struct sk_buff *skb)
{
	const struct tcphdr *th;
	const struct iphdr *iph;
	struct tcphdr _th;
	struct iphdr _iph;
	unsigned int ihl;

	iph = skb_header_pointer(skb, 0, sizeof(_iph), &_iph);
	if (!iph || iph->version != 4 || iph->ihl < 5)
		return 0;

	ihl = iph->ihl * 4;
	if (iph->protocol != IPPROTO_TCP || ip_is_fragment(iph))
		return skb->len;

	th = skb_header_pointer(skb, ihl, sizeof(_th), &_th);
	if (!th)
		return 0;

	return min(ihl + th->doff * 4, skb->len);
}

/* Turn a transmitted IPv4 packet into one received by @peer on RX queue 0:
 * headers in the linear part, payload in buffers from the queue's pool.
 */
static struct sk_buff *devmem_test_rx_skb(struct net_device *peer,
					  const struct sk_buff *skb)
{
	unsigned int hlen = devmem_test_rx_hlen(skb);
	unsigned int off = hlen;
	struct sk_buff *nskb;
	unsigned int i = 0;

	if (!hlen)
		return NULL;

	nskb = netdev_alloc_skb(peer, hlen);
	if (!nskb)
		return NULL;

	/* From here on, freeing @nskb returns its frags to the page pool. */
	skb_mark_for_recycle(nskb);

	if (skb_copy_bits(skb, 0, skb_put(nskb, hlen), hlen))
		goto drop;

	while (off < skb->len) {
		unsigned int len = min(skb->len - off, PAGE_SIZE);
		netmem_ref netmem;

		if (i == MAX_SKB_FRAGS)
			goto drop;

		netmem = devmem_test_rxq_alloc(peer, 0);
		if (!netmem)
			goto drop;

		skb_add_rx_frag_netmem(nskb, i++, netmem, 0, len, PAGE_SIZE);
		if (devmem_test_rx_fill(netmem, skb, off, len))
			goto drop;

		off += len;
	}

	nskb->protocol = htons(ETH_P_IP);
	skb_reset_mac_header(nskb);
	skb_reset_network_header(nskb);
	/* The stack cannot checksum payload in a dma-buf. */
	nskb->ip_summed = CHECKSUM_UNNECESSARY;

	return nskb;

drop:
	kfree_skb(nskb);
	return NULL;
}

static netdev_tx_t devmem_test_netdev_xmit(struct sk_buff *skb,
					   struct net_device *dev)
{
	struct devmem_test_netdev *priv = netdev_priv(dev);
	struct net_device *peer = priv->peer;
	struct sk_buff *nskb = NULL;

	if (peer && skb->protocol == htons(ETH_P_IP) && netif_running(peer))
		nskb = devmem_test_rx_skb(peer, skb);

	if (!nskb) {
		atomic_long_inc(&priv->tx_dropped);
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}

	netif_rx(nskb);
	dev_consume_skb_any(skb);
	return NETDEV_TX_OK;
}

/* Both ends of a pair are unregistered in one batch, under RTNL with both
 * instance locks held: the driver's lock class and netdev_lock_cmp_fn()
 * allow that nesting.
 */
static int devmem_test_netdev_init(struct net_device *dev)
{
	netdev_lockdep_set_classes(dev);
	return 0;
}

static const struct net_device_ops devmem_test_netdev_ops = {
	.ndo_init		= devmem_test_netdev_init,
	.ndo_open		= devmem_test_netdev_open,
	.ndo_stop		= devmem_test_netdev_stop,
	.ndo_start_xmit		= devmem_test_netdev_xmit,
};

static void devmem_test_netdev_setup(struct net_device *dev)
{
	struct devmem_test_netdev *priv = netdev_priv(dev);
	unsigned int i;

	dev->netdev_ops = &devmem_test_netdev_ops;
	dev->queue_mgmt_ops = &devmem_test_queue_mgmt_ops;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->mtu = DEVMEM_TEST_MTU;
	dev->min_mtu = IPV4_MIN_MTU;
	dev->max_mtu = DEVMEM_TEST_MTU;
	/* No TSO: every segment handed to xmit fits the MTU. */
	dev->features = NETIF_F_SG | NETIF_F_HW_CSUM;
	dev->hw_features = dev->features;
	dev->lltx = true;
	dev->request_ops_lock = true;

	for (i = 0; i < DEVMEM_TEST_NUM_RXQ; i++)
		spin_lock_init(&priv->rxqs[i].lock);
}

KUNIT_DEFINE_ACTION_WRAPPER(devmem_test_free_netdev, free_netdev,
			    struct net_device *);
KUNIT_DEFINE_ACTION_WRAPPER(devmem_test_unregister_netdev, unregister_netdev,
			    struct net_device *);

/* Allocate a fake NIC in @net, freed when the test ends. */
static struct net_device *devmem_test_netdev_alloc(struct kunit *test,
						   struct net *net)
{
	static atomic_t devmem_test_dev_id = ATOMIC_INIT(0);
	struct devmem_test_netdev *priv;
	struct net_device *dev;
	struct device *dma_dev;
	char name[32];
	int err;

	snprintf(name, sizeof(name), "devmem-test-%d",
		 atomic_inc_return(&devmem_test_dev_id));
	dma_dev = kunit_device_register(test, name);
	if (IS_ERR(dma_dev))
		return ERR_CAST(dma_dev);

	dev = alloc_netdev_mqs(sizeof(*priv), "devmem%d", NET_NAME_ENUM,
			       devmem_test_netdev_setup, 1,
			       DEVMEM_TEST_NUM_RXQ);
	if (!dev)
		return ERR_PTR(-ENOMEM);

	err = kunit_add_action_or_reset(test, devmem_test_free_netdev, dev);
	if (err)
		return ERR_PTR(err);

	priv = netdev_priv(dev);
	priv->dma_dev = dma_dev;
	SET_NETDEV_DEV(dev, dma_dev);
	dev_net_set(dev, net);

	return dev;
}

static int devmem_test_netdev_up(struct net_device *dev)
{
	int err;

	rtnl_lock();
	netdev_lock(dev);
	dev->cfg->hds_config = ETHTOOL_TCP_DATA_SPLIT_ENABLED;
	netdev_unlock(dev);
	err = dev_open(dev, NULL);
	rtnl_unlock();

	return err;
}

/**
 * devmem_test_netdev_create() - register and open a fake NIC
 * @test: the test the device belongs to
 * @net: network namespace to create the device in
 *
 * The device has DEVMEM_TEST_NUM_RXQ RX queues, queue management ops and
 * tcp-data-split enabled, so any of its queues can be bound to a dma-buf.
 * Each RX queue has its own page pool while the device is up; see
 * devmem_test_netdev_rxq_pool(). The device has no peer: transmitted
 * packets are dropped and counted. The DMA device is a KUnit device, also
 * the netdev's parent.
 *
 * Return: the open device, or an ERR_PTR() on failure.
 */
struct net_device *devmem_test_netdev_create(struct kunit *test,
					     struct net *net)
{
	struct net_device *dev;
	int err;

	dev = devmem_test_netdev_alloc(test, net);
	if (IS_ERR(dev))
		return dev;

	err = register_netdev(dev);
	if (err)
		return ERR_PTR(err);

	err = kunit_add_action_or_reset(test, devmem_test_unregister_netdev,
					dev);
	if (err)
		return ERR_PTR(err);

	err = devmem_test_netdev_up(dev);
	if (err)
		return ERR_PTR(err);

	return dev;
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
	if (err)
		return ERR_PTR(err);

	return net;
}

static int devmem_test_set_ipv4(struct net_device *dev, __be32 addr)
{
	struct sockaddr_in *sin;
	struct ifreq ifr = {};
	int err;

	strscpy(ifr.ifr_name, dev->name, IFNAMSIZ);
	sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = addr;
	err = devinet_ioctl(dev_net(dev), SIOCSIFADDR, &ifr);
	if (err)
		return err;

	sin->sin_addr.s_addr = inet_make_mask(DEVMEM_TEST_PREFIXLEN);
	return devinet_ioctl(dev_net(dev), SIOCSIFNETMASK, &ifr);
}

static void devmem_test_pair_unregister(void *ctx)
{
	struct devmem_test_pair *pair = ctx;
	LIST_HEAD(list);

	/* One batch: neither end transmits once either starts to go away. */
	rtnl_lock();
	unregister_netdevice_queue(pair->dev[0], &list);
	unregister_netdevice_queue(pair->dev[1], &list);
	unregister_netdevice_many(&list);
	rtnl_unlock();
}

/**
 * devmem_test_pair_create() - two fake NICs cabled back to back
 * @test: the test the pair belongs to
 *
 * Create two network namespaces and in each a device as from
 * devmem_test_netdev_create(), up, with address 198.18.0.1/24 and
 * 198.18.0.2/24. What one end transmits, the other receives on RX queue 0:
 * IPv4 and TCP headers in the linear part and the payload in buffers from
 * the queue's page pool, one per PAGE_SIZE bytes, as a NIC with header
 * split would. If the queue is bound to a mock dma-buf, the payload is
 * written to the dma-buf's memory at the offset of each net_iov. Other
 * packets are dropped. The devices are unregistered together, and the
 * namespaces released, when the test ends.
 *
 * Return: the pair, or an ERR_PTR() on failure.
 */
struct devmem_test_pair *devmem_test_pair_create(struct kunit *test)
{
	struct devmem_test_netdev *priv;
	struct devmem_test_pair *pair;
	int err, i;

	pair = kunit_kzalloc(test, sizeof(*pair), GFP_KERNEL);
	if (!pair)
		return ERR_PTR(-ENOMEM);

	for (i = 0; i < 2; i++) {
		pair->net[i] = devmem_test_net_create(test);
		if (IS_ERR(pair->net[i]))
			return ERR_CAST(pair->net[i]);
	}

	for (i = 0; i < 2; i++) {
		pair->dev[i] = devmem_test_netdev_alloc(test, pair->net[i]);
		if (IS_ERR(pair->dev[i]))
			return ERR_CAST(pair->dev[i]);
		pair->addr[i] = DEVMEM_TEST_ADDR(i + 1);
	}

	for (i = 0; i < 2; i++) {
		priv = netdev_priv(pair->dev[i]);
		priv->peer = pair->dev[!i];
	}

	err = register_netdev(pair->dev[0]);
	if (err)
		return ERR_PTR(err);

	err = register_netdev(pair->dev[1]);
	if (err) {
		unregister_netdev(pair->dev[0]);
		return ERR_PTR(err);
	}

	err = kunit_add_action_or_reset(test, devmem_test_pair_unregister,
					pair);
	if (err)
		return ERR_PTR(err);

	for (i = 0; i < 2; i++) {
		err = devmem_test_netdev_up(pair->dev[i]);
		if (err)
			return ERR_PTR(err);

		err = devmem_test_set_ipv4(pair->dev[i], pair->addr[i]);
		if (err)
			return ERR_PTR(err);
	}

	return pair;
}

/**
 * devmem_test_netdev_unregister() - unregister a fake NIC before the test ends
 * @test: the test that created @dev
 * @dev: a device from devmem_test_netdev_create()
 *
 * The memory of @dev stays valid until the test ends.
 */
void devmem_test_netdev_unregister(struct kunit *test, struct net_device *dev)
{
	kunit_release_action(test, devmem_test_unregister_netdev, dev);
}

/**
 * devmem_test_netdev_set_rxq_hds() - turn header split on or off for a queue
 * @dev: a device from devmem_test_netdev_create()
 * @rxq_idx: RX queue index
 * @enable: whether the queue's page pool may hold unreadable net_iovs
 *
 * Takes effect the next time the queue gets a new page pool, e.g. when a
 * memory provider is bound to it. A queue without header split builds a
 * page pool that the memory provider does not attach to.
 */
void devmem_test_netdev_set_rxq_hds(struct net_device *dev,
				    unsigned int rxq_idx, bool enable)
{
	struct devmem_test_netdev *priv = netdev_priv(dev);

	netdev_lock(dev);
	priv->rxqs[rxq_idx].no_hds = !enable;
	netdev_unlock(dev);
}

/**
 * devmem_test_netdev_rxq_pool() - page pool currently used by an RX queue
 * @dev: a device from devmem_test_netdev_create()
 * @rxq_idx: RX queue index
 *
 * The pool changes whenever the queue is restarted (bind, unbind, close).
 *
 * Return: the queue's page pool, or NULL while the device is down.
 */
struct page_pool *devmem_test_netdev_rxq_pool(struct net_device *dev,
					      unsigned int rxq_idx)
{
	struct devmem_test_netdev *priv = netdev_priv(dev);
	struct page_pool *pool;

	if (rxq_idx >= DEVMEM_TEST_NUM_RXQ)
		return NULL;

	spin_lock_bh(&priv->rxqs[rxq_idx].lock);
	pool = priv->rxqs[rxq_idx].pool;
	spin_unlock_bh(&priv->rxqs[rxq_idx].lock);

	return pool;
}

/**
 * devmem_test_netdev_rxq_outstanding() - RX buffers not back in their pool
 * @dev: an end of a pair from devmem_test_pair_create()
 * @rxq_idx: RX queue index
 *
 * Count the buffers the device took from the queue's current page pool to
 * receive into that have not been recycled into the pool since: those in
 * skbs, and those a devmem socket holds for the user. Buffers may take a
 * moment to come back after the last user lets go of them, as freeing an
 * skb can be deferred to the CPU that allocated it.
 *
 * Return: the number of buffers in flight, or a negative errno.
 */
long devmem_test_netdev_rxq_outstanding(struct net_device *dev,
					unsigned int rxq_idx)
{
	struct devmem_test_netdev *priv = netdev_priv(dev);
	struct page_pool_stats stats = {};
	struct devmem_test_rxq *rxq;
	long allocated;

	if (rxq_idx >= DEVMEM_TEST_NUM_RXQ)
		return -EINVAL;

	rxq = &priv->rxqs[rxq_idx];
	spin_lock_bh(&rxq->lock);
	if (!rxq->pool) {
		spin_unlock_bh(&rxq->lock);
		return -ENODEV;
	}
	allocated = rxq->allocated;
	/* Nothing recycles directly: the pools have no NAPI instance. */
	page_pool_get_stats(rxq->pool, &stats);
	spin_unlock_bh(&rxq->lock);

	return allocated - (long)(stats.recycle_stats.cached +
				  stats.recycle_stats.ring +
				  stats.recycle_stats.ring_full +
				  stats.recycle_stats.released_refcnt);
}

/**
 * devmem_test_netdev_tx_dropped() - count packets the fake NIC dropped
 * @dev: a device from devmem_test_netdev_create()
 *
 * Return: number of skbs passed to ndo_start_xmit that did not reach a
 * peer, so far: all of them for a device without one.
 */
unsigned long devmem_test_netdev_tx_dropped(struct net_device *dev)
{
	struct devmem_test_netdev *priv = netdev_priv(dev);

	return atomic_long_read(&priv->tx_dropped);
}

KUNIT_DEFINE_ACTION_WRAPPER(devmem_test_nl_sock_destroy,
			    netdev_nl_sock_priv_destroy,
			    struct netdev_nl_sock *);

/**
 * devmem_test_nl_sock_create() - per-socket state of a netdev netlink socket
 * @test: the test the state belongs to
 *
 * Bindings made with this state are listed in it, as they are for a netlink
 * socket that sent NETDEV_CMD_BIND_RX. When the test ends the state is torn
 * down by netdev_nl_sock_priv_destroy(), the socket close path, which
 * unbinds whatever is still bound.
 *
 * Return: the socket state, or an ERR_PTR() on failure.
 */
struct netdev_nl_sock *devmem_test_nl_sock_create(struct kunit *test)
{
	struct netdev_nl_sock *priv;
	int err;

	priv = kunit_kzalloc(test, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return ERR_PTR(-ENOMEM);

	netdev_nl_sock_priv_init(priv);

	err = kunit_add_action_or_reset(test, devmem_test_nl_sock_destroy,
					priv);
	if (err)
		return ERR_PTR(err);

	return priv;
}

/**
 * devmem_test_close_nl_sock() - close the socket a netdev netlink state is for
 * @test: the test that created @priv
 * @priv: from devmem_test_nl_sock_create()
 *
 * Run netdev_nl_sock_priv_destroy() now instead of when the test ends.
 */
void devmem_test_close_nl_sock(struct kunit *test, struct netdev_nl_sock *priv)
{
	kunit_release_action(test, devmem_test_nl_sock_destroy, priv);
}

/**
 * devmem_test_bind_rx() - bind a mock dma-buf to RX queues of a device
 * @test: the running test
 * @dev: device to bind to
 * @buf: the mock dma-buf
 * @rxqs: RX queue indexes; not range checked, as netif_mp_open_rxq() is
 * @nr_rxqs: number of entries in @rxqs, at least one
 * @priv: netlink socket state the binding is listed in
 * @extack: extended ack for error messages, may be NULL
 *
 * Do what netdev_nl_bind_rx_doit() does after parsing the request: under
 * the socket and instance locks, bind with a page-sized net_iov and open
 * every queue, unbinding everything if one queue fails. The binding takes
 * its own reference on @buf->dmabuf. The binding stays until it is unbound
 * by devmem_test_unbind() or @priv is destroyed.
 *
 * Return: the binding, or an ERR_PTR() on failure.
 */
struct net_devmem_dmabuf_binding *
devmem_test_bind_rx(struct kunit *test, struct net_device *dev,
		    struct devmem_test_dmabuf *buf, const unsigned int *rxqs,
		    unsigned int nr_rxqs, struct netdev_nl_sock *priv,
		    struct netlink_ext_ack *extack)
{
	struct net_devmem_dmabuf_binding *binding;
	struct device *dma_dev;
	unsigned int i;
	int err;

	if (!nr_rxqs)
		return ERR_PTR(-EINVAL);

	mutex_lock(&priv->lock);
	netdev_lock(dev);

	dma_dev = netdev_queue_get_dma_dev(dev, rxqs[0], NETDEV_QUEUE_TYPE_RX);
	if (!dma_dev) {
		binding = ERR_PTR(-EOPNOTSUPP);
		goto out_unlock;
	}

	get_dma_buf(buf->dmabuf);
	binding = __net_devmem_bind_dmabuf(dev, NULL, dma_dev, DMA_FROM_DEVICE,
					   buf->dmabuf, PAGE_SHIFT, priv,
					   extack);
	if (IS_ERR(binding)) {
		dma_buf_put(buf->dmabuf);
		goto out_unlock;
	}

	for (i = 0; i < nr_rxqs; i++) {
		err = net_devmem_bind_dmabuf_to_queue(dev, rxqs[i], binding,
						      extack);
		if (err) {
			net_devmem_unbind_dmabuf(binding);
			binding = ERR_PTR(err);
			break;
		}
	}

out_unlock:
	netdev_unlock(dev);
	mutex_unlock(&priv->lock);
	return binding;
}

/**
 * devmem_test_bind_tx() - bind a mock dma-buf for transmit on a device
 * @test: the running test
 * @dev: device to bind to
 * @buf: the mock dma-buf, its size a multiple of PAGE_SIZE
 * @priv: netlink socket state the binding is listed in
 * @extack: extended ack for error messages, may be NULL
 *
 * Do what netdev_nl_bind_tx_doit() does after parsing the request. The
 * binding takes its own reference on @buf->dmabuf.
 *
 * Return: the binding, or an ERR_PTR() on failure.
 */
struct net_devmem_dmabuf_binding *
devmem_test_bind_tx(struct kunit *test, struct net_device *dev,
		    struct devmem_test_dmabuf *buf, struct netdev_nl_sock *priv,
		    struct netlink_ext_ack *extack)
{
	struct net_devmem_dmabuf_binding *binding;
	struct device *dma_dev;

	mutex_lock(&priv->lock);
	netdev_lock(dev);

	dma_dev = netdev_queue_get_dma_dev(dev, 0, NETDEV_QUEUE_TYPE_TX);
	if (!dma_dev) {
		binding = ERR_PTR(-EOPNOTSUPP);
		goto out_unlock;
	}

	get_dma_buf(buf->dmabuf);
	binding = __net_devmem_bind_dmabuf(dev, NULL, dma_dev, DMA_TO_DEVICE,
					   buf->dmabuf, PAGE_SHIFT, priv,
					   extack);
	if (IS_ERR(binding))
		dma_buf_put(buf->dmabuf);

out_unlock:
	netdev_unlock(dev);
	mutex_unlock(&priv->lock);
	return binding;
}

/**
 * devmem_test_unbind() - unbind a dma-buf the way the netlink code does
 * @binding: from devmem_test_bind_rx()
 * @priv: the netlink socket state @binding is listed in
 *
 * Unbind under the same locks netdev_nl_sock_priv_destroy() takes. The
 * binding is freed once the last page pool and net_iov user lets go of it.
 */
void devmem_test_unbind(struct net_devmem_dmabuf_binding *binding,
			struct netdev_nl_sock *priv)
{
	netdevice_tracker dev_tracker;
	struct net_device *dev;

	mutex_lock(&priv->lock);
	mutex_lock(&binding->lock);
	dev = binding->dev;
	if (!dev) {
		mutex_unlock(&binding->lock);
		net_devmem_unbind_dmabuf(binding);
		goto out;
	}
	netdev_hold(dev, &dev_tracker, GFP_KERNEL);
	mutex_unlock(&binding->lock);

	netdev_lock(dev);
	net_devmem_unbind_dmabuf(binding);
	netdev_unlock(dev);
	netdev_put(dev, &dev_tracker);
out:
	mutex_unlock(&priv->lock);
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

	sock_set_sndtimeo(sk, DEVMEM_TEST_SOCK_TIMEOUT_SECS);
	lock_sock(sk);
	WRITE_ONCE(sk->sk_rcvtimeo, DEVMEM_TEST_SOCK_TIMEOUT_SECS * HZ);
	release_sock(sk);

	return kunit_add_action_or_reset(test, devmem_test_sock_release, sock);
}

static struct socket *devmem_test_tcp_socket(struct kunit *test,
					     struct net *net)
{
	struct socket *sock;
	int err;

	err = sock_create_kern(net, AF_INET, SOCK_STREAM, IPPROTO_TCP, &sock);
	if (err)
		return ERR_PTR(err);

	err = devmem_test_sock_own(test, sock);
	if (err)
		return ERR_PTR(err);

	return sock;
}

struct devmem_test_conn_priv {
	struct devmem_test_conn conn;
	struct work_struct send_work;
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
 * @rx_end: index of the end the receiving socket is on
 *
 * Accept, in @pair->net[@rx_end], a connection from the other namespace.
 * Both sockets time out sends and receives after 10 seconds, and are closed
 * with a reset when the test ends, after any send in progress is done.
 *
 * Return: the connection, or an ERR_PTR() on failure.
 */
struct devmem_test_conn *devmem_test_tcp_connect(struct kunit *test,
						 struct devmem_test_pair *pair,
						 unsigned int rx_end)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = pair->addr[rx_end],
	};
	struct devmem_test_conn_priv *cp;
	struct socket *listener, *rx;
	int err;

	if (rx_end > 1)
		return ERR_PTR(-EINVAL);

	cp = kunit_kzalloc(test, sizeof(*cp), GFP_KERNEL);
	if (!cp)
		return ERR_PTR(-ENOMEM);

	listener = devmem_test_tcp_socket(test, pair->net[rx_end]);
	if (IS_ERR(listener))
		return ERR_CAST(listener);

	err = kernel_bind(listener, (struct sockaddr_unsized *)&sin,
			  sizeof(sin));
	if (err)
		return ERR_PTR(err);

	err = kernel_listen(listener, 1);
	if (err)
		return ERR_PTR(err);

	err = kernel_getsockname(listener, (struct sockaddr *)&sin);
	if (err < 0)
		return ERR_PTR(err);

	cp->conn.tx = devmem_test_tcp_socket(test, pair->net[!rx_end]);
	if (IS_ERR(cp->conn.tx))
		return ERR_CAST(cp->conn.tx);

	err = kernel_connect(cp->conn.tx, (struct sockaddr_unsized *)&sin,
			     sizeof(sin), 0);
	if (err)
		return ERR_PTR(err);

	err = kernel_accept(listener, &rx, 0);
	if (err)
		return ERR_PTR(err);

	err = devmem_test_sock_own(test, rx);
	if (err)
		return ERR_PTR(err);
	cp->conn.rx = rx;

	/* After the sockets: a send in progress ends before they close. */
	INIT_WORK(&cp->send_work, devmem_test_send_work);
	err = kunit_add_action_or_reset(test, devmem_test_conn_flush, cp);
	if (err)
		return ERR_PTR(err);

	return &cp->conn;
}

/**
 * devmem_test_send_start() - send from a connection in the background
 * @test: the test that made @conn
 * @conn: from devmem_test_tcp_connect()
 * @buf: data to send, valid until devmem_test_send_wait() returns
 * @len: bytes to send
 *
 * Queue a work item that sends @len bytes from @buf on @conn->tx, so that
 * the test can receive while the sender waits for window. At most one send
 * at a time per connection.
 *
 * Return: 0, or -EBUSY if a send is still in progress.
 */
int devmem_test_send_start(struct kunit *test, struct devmem_test_conn *conn,
			   const void *buf, size_t len)
{
	struct devmem_test_conn_priv *cp =
		container_of(conn, struct devmem_test_conn_priv, conn);

	if (work_busy(&cp->send_work))
		return -EBUSY;

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

/**
 * devmem_test_rx_create() - buffers for receiving with MSG_SOCK_DEVMEM
 * @test: the test the buffers belong to
 * @max_frags: most cmsgs one devmem_test_recvmsg() call can return
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
 * in stream order. @rx->nr_frags is the number of entries.
 *
 * Return: bytes received as recvmsg() counts them, including those only
 * described by a cmsg; -EMSGSIZE if the cmsgs did not fit, -EPROTO on a
 * cmsg that is not a devmem one, or the error from recvmsg().
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
	if (ret < 0)
		return ret;

	if (msg.msg_flags & MSG_CTRUNC)
		return -EMSGSIZE;

	controllen = rx->control_len - msg.msg_controllen;
	for (cm = __CMSG_FIRSTHDR(rx->control, controllen); cm;
	     cm = __CMSG_NXTHDR(rx->control, controllen, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_len != CMSG_LEN(sizeof(struct dmabuf_cmsg)) ||
		    (cm->cmsg_type != SCM_DEVMEM_DMABUF &&
		     cm->cmsg_type != SCM_DEVMEM_LINEAR))
			return -EPROTO;

		/* Cannot happen: the control buffer fits max_frags cmsgs. */
		if (n == rx->max_frags)
			return -EMSGSIZE;

		rx->frags[n].linear = cm->cmsg_type == SCM_DEVMEM_LINEAR;
		memcpy(&rx->frags[n].cmsg, CMSG_DATA(cm),
		       sizeof(rx->frags[n].cmsg));
		n++;
	}
	rx->nr_frags = n;

	return ret;
}

/**
 * devmem_test_dontneed() - setsockopt(SO_DEVMEM_DONTNEED) from the kernel
 * @test: the running test
 * @sock: the socket the tokens were received on
 * @tokens: array of struct dmabuf_token
 * @optlen: size of @tokens in bytes, passed as is
 *
 * Return: what setsockopt() returns: the number of frags released, or a
 * negative errno.
 */
int devmem_test_dontneed(struct kunit *test, struct socket *sock,
			 const void *tokens, unsigned int optlen)
{
	return sock_setsockopt(sock, SOL_SOCKET, SO_DEVMEM_DONTNEED,
			       KERNEL_SOCKPTR((void *)tokens), optlen);
}

/**
 * devmem_test_release_frags() - release the tokens of the last recvmsg
 * @test: the running test
 * @sock: the socket @rx received on
 * @rx: from devmem_test_recvmsg()
 *
 * Give back the token of each SCM_DEVMEM_DMABUF frag in @rx, one token per
 * entry as ncdevmem does, in as few SO_DEVMEM_DONTNEED calls as allowed.
 *
 * Return: number of frags released, or a negative errno.
 */
int devmem_test_release_frags(struct kunit *test, struct socket *sock,
			      struct devmem_test_rx *rx)
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
			ret = devmem_test_dontneed(test, sock, rx->tokens,
						   t * sizeof(*rx->tokens));
			if (ret < 0)
				return ret;
			freed += ret;
			t = 0;
		}
	}

	return freed;
}

static void devmem_test_nl_socket_fput(void *ctx)
{
	struct socket *sock = ctx;

	fput(sock->file);
}

/**
 * devmem_test_nl_socket_create() - open a generic netlink socket
 * @test: the test the socket belongs to
 *
 * The socket has a file, like one opened by a user, so that it passes the
 * CAP_NET_ADMIN check of NETDEV_CMD_BIND_RX and goes through the regular
 * netlink release when closed.
 *
 * Return: the socket, or an ERR_PTR() on failure.
 */
struct socket *devmem_test_nl_socket_create(struct kunit *test)
{
	struct socket *sock;
	struct file *file;
	int err;

	err = sock_create_kern(&init_net, AF_NETLINK, SOCK_RAW,
			       NETLINK_GENERIC, &sock);
	if (err)
		return ERR_PTR(err);

	file = sock_alloc_file(sock, 0, NULL);
	if (IS_ERR(file))
		return ERR_CAST(file);

	err = kunit_add_action_or_reset(test, devmem_test_nl_socket_fput,
					sock);
	if (err)
		return ERR_PTR(err);

	return sock;
}

/**
 * devmem_test_nl_socket_close() - close a netlink test socket
 * @test: the test that created @sock
 * @sock: the socket
 *
 * The socket is released asynchronously, as the last fput() from a kernel
 * thread is deferred.
 */
void devmem_test_nl_socket_close(struct kunit *test, struct socket *sock)
{
	kunit_release_action(test, devmem_test_nl_socket_fput, sock);
}

static int devmem_test_nl_recv(struct socket *sock, void *buf, size_t len,
			       u32 *id)
{
	struct kvec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {};
	struct nlmsghdr *nlh;
	struct nlattr *attr;
	int ret;

	ret = kernel_recvmsg(sock, &msg, &iov, 1, len, MSG_DONTWAIT);
	if (ret < 0)
		return ret;

	nlh = buf;
	if (!nlmsg_ok(nlh, ret))
		return -EPROTO;

	if (nlh->nlmsg_type == NLMSG_ERROR)
		return ((struct nlmsgerr *)nlmsg_data(nlh))->error;

	if (nlh->nlmsg_type != netdev_nl_family.id)
		return -EPROTO;

	attr = nlmsg_find_attr(nlh, GENL_HDRLEN, NETDEV_A_DMABUF_ID);
	if (!attr)
		return -EPROTO;

	*id = nla_get_u32(attr);
	return 1;
}

/**
 * devmem_test_nl_bind_rx() - send NETDEV_CMD_BIND_RX on a netlink socket
 * @test: the running test
 * @sock: from devmem_test_nl_socket_create()
 * @dev: device to bind to
 * @buf: the mock dma-buf
 * @rxqs: RX queue indexes
 * @nr_rxqs: number of entries in @rxqs
 * @id: the id of the new binding, on success
 *
 * The dma-buf is passed as a file descriptor of the calling thread, closed
 * again once the request is done. The binding belongs to @sock.
 *
 * Return: 0 on success, or the error of the request.
 */
int devmem_test_nl_bind_rx(struct kunit *test, struct socket *sock,
			   struct net_device *dev,
			   struct devmem_test_dmabuf *buf,
			   const unsigned int *rxqs, unsigned int nr_rxqs,
			   u32 *id)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK };
	struct msghdr msg = {
		.msg_name	= &addr,
		.msg_namelen	= sizeof(addr),
	};
	struct nlattr *nest;
	struct sk_buff *skb;
	struct kvec iov;
	unsigned int i;
	int fd, err;
	void *rsp;

	skb = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;

	get_dma_buf(buf->dmabuf);
	fd = dma_buf_fd(buf->dmabuf, O_CLOEXEC);
	if (fd < 0) {
		dma_buf_put(buf->dmabuf);
		err = fd;
		goto out_free_skb;
	}

	err = -EMSGSIZE;
	if (!genlmsg_put(skb, 0, 1, &netdev_nl_family,
			 NLM_F_REQUEST | NLM_F_ACK, NETDEV_CMD_BIND_RX) ||
	    nla_put_u32(skb, NETDEV_A_DMABUF_IFINDEX, dev->ifindex) ||
	    nla_put_u32(skb, NETDEV_A_DMABUF_FD, fd))
		goto out_close_fd;

	for (i = 0; i < nr_rxqs; i++) {
		nest = nla_nest_start(skb, NETDEV_A_DMABUF_QUEUES);
		if (!nest ||
		    nla_put_u32(skb, NETDEV_A_QUEUE_ID, rxqs[i]) ||
		    nla_put_u32(skb, NETDEV_A_QUEUE_TYPE,
				NETDEV_QUEUE_TYPE_RX))
			goto out_close_fd;
		nla_nest_end(skb, nest);
	}
	nlmsg_end(skb, nlmsg_hdr(skb));

	iov.iov_base = skb->data;
	iov.iov_len = skb->len;
	err = kernel_sendmsg(sock, &msg, &iov, 1, skb->len);
	if (err < 0)
		goto out_close_fd;

	rsp = kunit_kzalloc(test, NLMSG_GOODSIZE, GFP_KERNEL);
	err = -ENOMEM;
	if (!rsp)
		goto out_close_fd;

	/* A reply carrying the id then an ack, or only an error. */
	err = devmem_test_nl_recv(sock, rsp, NLMSG_GOODSIZE, id);
	if (err > 0)
		err = devmem_test_nl_recv(sock, rsp, NLMSG_GOODSIZE, id);

out_close_fd:
	close_fd(fd);
out_free_skb:
	kfree_skb(skb);
	return err;
}
