// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * KUnit harness for devmem TCP.
 *
 * The mock exporter hands out an sg_table with made-up DMA addresses over
 * vmalloc'ed memory, so the test can look at the bytes a net_iov stands for.
 * The fake netdev implements the queue management ops the way a NIC with
 * header split does: restarting a queue creates a fresh page pool, which is
 * what lets the devmem memory provider attach to it.
 */

#include <kunit/device.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/dma-buf.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/netdev_lock.h>
#include <net/netdev_queues.h>
#include <net/netdev_netlink.h>
#include <net/page_pool/types.h>

#include "devmem.h"
#include "devmem_test_utils.h"
#include "netdev-genl-gen.h"

/* Made-up bus addresses: aligned to any net_iov size the tests use, and
 * with a hole between sg entries so they become separate genpool chunks.
 */
#define DEVMEM_TEST_DMA_BASE		SZ_256M
#define DEVMEM_TEST_DMA_SG_GAP		SZ_1M

#define DEVMEM_TEST_RELEASE_TIMEOUT	(10 * HZ)

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
	struct devmem_test_exporter *exp = to_exporter(buf);

	kunit_release_action(test, devmem_test_dmabuf_put_ref, exp);

	if (!wait_for_completion_timeout(&exp->released,
					 DEVMEM_TEST_RELEASE_TIMEOUT))
		return -ETIMEDOUT;

	return 0;
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

struct devmem_test_rxq {
	struct page_pool *pool;
	bool no_hds;
};

struct devmem_test_netdev {
	struct device *dma_dev;
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
		.flags		= PP_FLAG_DMA_MAP | PP_FLAG_DMA_SYNC_DEV,
		.pool_size	= 256,
		.nid		= NUMA_NO_NODE,
		.dev		= priv->dma_dev,
		.dma_dir	= DMA_FROM_DEVICE,
		.max_len	= PAGE_SIZE,
		.netdev		= dev,
		.queue_idx	= idx,
	};

	/* Only a header-split payload ring can take unreadable buffers. */
	if (!priv->rxqs[idx].no_hds)
		pp.flags |= PP_FLAG_ALLOW_UNREADABLE_NETMEM;

	return page_pool_create(&pp);
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
	struct devmem_test_netdev *priv = netdev_priv(dev);
	struct devmem_test_queue_mem *mem = per_queue_mem;

	priv->rxqs[idx].pool = mem->pool;
	mem->pool = NULL;
	return 0;
}

static int devmem_test_queue_stop(struct net_device *dev, void *per_queue_mem,
				  int idx)
{
	struct devmem_test_netdev *priv = netdev_priv(dev);
	struct devmem_test_queue_mem *mem = per_queue_mem;

	mem->pool = priv->rxqs[idx].pool;
	priv->rxqs[idx].pool = NULL;
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
	struct devmem_test_netdev *priv = netdev_priv(dev);
	unsigned int i;

	for (i = 0; i < dev->real_num_rx_queues; i++) {
		page_pool_destroy(priv->rxqs[i].pool);
		priv->rxqs[i].pool = NULL;
	}

	return 0;
}

static int devmem_test_netdev_open(struct net_device *dev)
{
	struct devmem_test_netdev *priv = netdev_priv(dev);
	struct page_pool *pool;
	unsigned int i;

	for (i = 0; i < dev->real_num_rx_queues; i++) {
		pool = devmem_test_pool_create(dev, i);
		if (IS_ERR(pool)) {
			devmem_test_netdev_stop(dev);
			return PTR_ERR(pool);
		}
		priv->rxqs[i].pool = pool;
	}

	return 0;
}

static netdev_tx_t devmem_test_netdev_xmit(struct sk_buff *skb,
					   struct net_device *dev)
{
	struct devmem_test_netdev *priv = netdev_priv(dev);

	atomic_long_inc(&priv->tx_dropped);
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops devmem_test_netdev_ops = {
	.ndo_open		= devmem_test_netdev_open,
	.ndo_stop		= devmem_test_netdev_stop,
	.ndo_start_xmit		= devmem_test_netdev_xmit,
};

static void devmem_test_netdev_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &devmem_test_netdev_ops;
	dev->queue_mgmt_ops = &devmem_test_queue_mgmt_ops;
}

KUNIT_DEFINE_ACTION_WRAPPER(devmem_test_free_netdev, free_netdev,
			    struct net_device *);
KUNIT_DEFINE_ACTION_WRAPPER(devmem_test_unregister_netdev, unregister_netdev,
			    struct net_device *);

/**
 * devmem_test_netdev_create() - register and open a fake NIC
 * @test: the test the device belongs to
 * @net: network namespace to create the device in
 *
 * The device has DEVMEM_TEST_NUM_RXQ RX queues, queue management ops and
 * tcp-data-split enabled, so any of its queues can be bound to a dma-buf.
 * Each RX queue has its own page pool while the device is up; see
 * devmem_test_netdev_rxq_pool(). Transmitted packets are dropped and
 * counted. The DMA device is a KUnit device, also the netdev's parent.
 *
 * Return: the open device, or an ERR_PTR() on failure.
 */
struct net_device *devmem_test_netdev_create(struct kunit *test,
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
	eth_hw_addr_random(dev);

	err = register_netdev(dev);
	if (err)
		return ERR_PTR(err);

	err = kunit_add_action_or_reset(test, devmem_test_unregister_netdev,
					dev);
	if (err)
		return ERR_PTR(err);

	rtnl_lock();
	netdev_lock(dev);
	dev->cfg->hds_config = ETHTOOL_TCP_DATA_SPLIT_ENABLED;
	netdev_unlock(dev);
	err = dev_open(dev, NULL);
	rtnl_unlock();
	if (err)
		return ERR_PTR(err);

	return dev;
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

	if (rxq_idx >= DEVMEM_TEST_NUM_RXQ)
		return NULL;

	return priv->rxqs[rxq_idx].pool;
}

/**
 * devmem_test_netdev_tx_dropped() - count packets the fake NIC transmitted
 * @dev: a device from devmem_test_netdev_create()
 *
 * Return: number of skbs passed to ndo_start_xmit (and dropped) so far.
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
	struct net_device *dev;

	mutex_lock(&priv->lock);
	mutex_lock(&binding->lock);
	dev = binding->dev;
	mutex_unlock(&binding->lock);
	if (dev)
		netdev_lock(dev);
	net_devmem_unbind_dmabuf(binding);
	if (dev)
		netdev_unlock(dev);
	mutex_unlock(&priv->lock);
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
	struct sk_buff *skb;
	struct nlattr *nest;
	struct kvec iov;
	unsigned int i;
	void *rsp;
	int fd, err;

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
