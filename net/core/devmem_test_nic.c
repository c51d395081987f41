// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fake NIC for the devmem KUnit tests.
 *
 * It drives devmem as a driver with header split does: the queue
 * management ops give a restarted RX queue a new NAPI instance and page
 * pool, which lets netif_mp_open_rxq() attach the devmem memory provider.
 * Cabled back to back, what one transmits the other's NAPI poll receives
 * on the queue its flow rule picks, header in host memory and payload in
 * buffers of the queue's pool (net_iovs written through their bus
 * addresses), into napi_gro_receive(). Transmit reads net_iov frags
 * through their bus addresses. Modelled on netdevsim and veth.
 */

#include <kunit/device.h>
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>
#include <net/netdev_lock.h>
#include <net/netdev_queues.h>
#include <net/netdev_rx_queue.h>
#include <net/page_pool/helpers.h>

#include "devmem_test.h"

/* Frames a queue holds before the NIC drops, and the default RX ring. */
#define DEVMEM_TEST_RING_SIZE	256
#define DEVMEM_TEST_RING_MAX	1024

struct devmem_test_rxq {
	struct napi_struct napi;
	/* Frames on the wire to this queue, not yet received. */
	struct sk_buff_head wire;
	/* Payload buffers, tied to @napi. */
	struct page_pool *pool;
	/* Whether the payload ring splits the header off. */
	bool split;
};

struct devmem_test_nic {
	struct device *dma_dev;
	/* Set before either end is registered, never changed. */
	struct net_device *peer;
	struct net_device **pair;
	/* The RX queue of the flow rule for TCP; everything else lands on
	 * queue 0, as with RSS limited to the first queue.
	 */
	unsigned int tcp_rxq;
	/* Each restart of a queue gives it a new ring: NAPI instance, wire
	 * and page pool. Replaced under the instance lock; ndo_start_xmit
	 * of the peer reads it under RCU.
	 */
	struct devmem_test_rxq __rcu *rxqs[DEVMEM_TEST_NUM_RXQ];
	/* Written under the instance lock; .split_at read by NAPI. */
	struct devmem_test_rxq_cfg rxq_cfg[DEVMEM_TEST_NUM_RXQ];
	/* RX ring size, the page pools' size. Under the instance lock. */
	u32 rx_pending;
};

struct devmem_test_queue_mem {
	struct devmem_test_rxq *rxq;
};

static int devmem_test_poll(struct napi_struct *napi, int budget);

static struct page_pool *devmem_test_pool_create(struct net_device *dev,
						 struct devmem_test_rxq *rxq,
						 unsigned int idx)
{
	struct devmem_test_nic *priv = netdev_priv(dev);
	struct page_pool_params pp = {
		.pool_size	= priv->rx_pending,
		.nid		= NUMA_NO_NODE,
		.dev		= priv->rxq_cfg[idx].dma_dev ?: priv->dma_dev,
		.napi		= &rxq->napi,
		.dma_dir	= DMA_FROM_DEVICE,
		.max_len	= PAGE_SIZE,
		.netdev		= dev,
		.queue_idx	= idx,
	};

	/* Only a header-split payload ring can take unreadable buffers. */
	if (!rxq->split)
		return page_pool_create(&pp);
	pp.flags |= PP_FLAG_ALLOW_UNREADABLE_NETMEM;

	/* The devmem provider hands out buffers already mapped, and insists
	 * on a mapping pool. Pages are never mapped: there is no real bus
	 * behind the KUnit device, and the NIC writes pages by CPU address.
	 */
	if (netif_rxq_has_unreadable_mp(dev, idx))
		pp.flags |= PP_FLAG_DMA_MAP | PP_FLAG_DMA_SYNC_DEV;

	return page_pool_create(&pp);
}

static struct devmem_test_rxq *devmem_test_rxq_alloc(struct net_device *dev,
						     unsigned int idx)
{
	struct devmem_test_nic *priv = netdev_priv(dev);
	struct devmem_test_rxq *rxq;
	struct page_pool *pool;

	rxq = kzalloc_obj(*rxq);
	if (!rxq)
		return ERR_PTR(-ENOMEM);

	skb_queue_head_init(&rxq->wire);
	rxq->split = !priv->rxq_cfg[idx].no_hds;
	netif_napi_add_config_locked(dev, &rxq->napi, devmem_test_poll, idx);
	pool = devmem_test_pool_create(dev, rxq, idx);
	if (IS_ERR(pool)) {
		netif_napi_del_locked(&rxq->napi);
		kfree(rxq);
		return ERR_CAST(pool);
	}
	rxq->pool = pool;

	return rxq;
}

/* The ring is stopped, or never ran. */
static void devmem_test_rxq_free(struct devmem_test_rxq *rxq)
{
	netif_napi_del_locked(&rxq->napi);
	page_pool_destroy(rxq->pool);
	skb_queue_purge(&rxq->wire);
	kfree(rxq);
}

static void devmem_test_rxq_start(struct net_device *dev, unsigned int idx,
				  struct devmem_test_rxq *rxq)
{
	struct devmem_test_nic *priv = netdev_priv(dev);

	rcu_assign_pointer(priv->rxqs[idx], rxq);
	netif_queue_set_napi(dev, idx, NETDEV_QUEUE_TYPE_RX, &rxq->napi);
	napi_enable_locked(&rxq->napi);
}

static struct devmem_test_rxq *devmem_test_rxq_stop(struct net_device *dev,
						    unsigned int idx)
{
	struct devmem_test_nic *priv = netdev_priv(dev);
	struct devmem_test_rxq *rxq;

	rxq = netdev_lock_dereference(priv->rxqs[idx], dev);
	napi_disable_locked(&rxq->napi);
	netif_queue_set_napi(dev, idx, NETDEV_QUEUE_TYPE_RX, NULL);
	return rxq;
}

static int devmem_test_queue_mem_alloc(struct net_device *dev,
				       struct netdev_queue_config *qcfg,
				       void *per_queue_mem, int idx)
{
	struct devmem_test_queue_mem *mem = per_queue_mem;
	struct devmem_test_rxq *rxq;

	rxq = devmem_test_rxq_alloc(dev, idx);
	if (IS_ERR(rxq))
		return PTR_ERR(rxq);

	mem->rxq = rxq;
	return 0;
}

static void devmem_test_queue_mem_free(struct net_device *dev,
				       void *per_queue_mem)
{
	struct devmem_test_queue_mem *mem = per_queue_mem;

	devmem_test_rxq_free(mem->rxq);
	mem->rxq = NULL;
}

static int devmem_test_queue_start(struct net_device *dev,
				   struct netdev_queue_config *qcfg,
				   void *per_queue_mem, int idx)
{
	struct devmem_test_queue_mem *mem = per_queue_mem;

	devmem_test_rxq_start(dev, idx, mem->rxq);
	mem->rxq = NULL;
	return 0;
}

static int devmem_test_queue_stop(struct net_device *dev, void *per_queue_mem,
				  int idx)
{
	struct devmem_test_queue_mem *mem = per_queue_mem;

	mem->rxq = devmem_test_rxq_stop(dev, idx);
	return 0;
}

static struct device *devmem_test_queue_get_dma_dev(struct net_device *dev,
						    int idx)
{
	struct devmem_test_nic *priv = netdev_priv(dev);

	if (idx < DEVMEM_TEST_NUM_RXQ && priv->rxq_cfg[idx].dma_dev)
		return priv->rxq_cfg[idx].dma_dev;

	return priv->dma_dev;
}

static const struct netdev_queue_mgmt_ops devmem_test_queue_mgmt_ops = {
	.ndo_queue_mem_size	= sizeof(struct devmem_test_queue_mem),
	.ndo_queue_mem_alloc	= devmem_test_queue_mem_alloc,
	.ndo_queue_mem_free	= devmem_test_queue_mem_free,
	.ndo_queue_start	= devmem_test_queue_start,
	.ndo_queue_stop		= devmem_test_queue_stop,
	.ndo_queue_get_dma_dev	= devmem_test_queue_get_dma_dev,
};

/* What the NIC's DMA engine does: write into a buffer of the ring, by CPU
 * address for a page, by bus address for a net_iov.
 */
static int devmem_test_rx_dma(netmem_ref netmem, unsigned int offset,
			      const void *data, unsigned int len)
{
	dma_addr_t dma;
	void *dst;

	if (netmem_is_net_iov(netmem)) {
		dma = page_pool_get_dma_addr_netmem(netmem) + offset;
		dst = devmem_test_dma_to_virt(dma, len);
	} else {
		dst = netmem_address(netmem) + offset;
	}
	if (!dst)
		return -EFAULT;

	memcpy(dst, data, len);
	return 0;
}

/* Length of what lands in the header buffer: the headers, as the NIC's
 * parser finds them, or a fixed length for a queue set to split there; the
 * whole frame when the queue does not split, or the payload is not above
 * the tcp-data-split threshold.
 */
static unsigned int devmem_test_rx_hlen(struct devmem_test_rxq *rxq,
					const struct sk_buff *frame)
{
	struct net_device *dev = rxq->napi.dev;
	struct devmem_test_nic *priv = netdev_priv(dev);
	unsigned int hlen;

	if (!rxq->split ||
	    dev->cfg->hds_config != ETHTOOL_TCP_DATA_SPLIT_ENABLED)
		return frame->len;

	hlen = READ_ONCE(priv->rxq_cfg[rxq->napi.index].split_at);
	if (hlen)
		return min(hlen, frame->len);

	hlen = eth_get_headlen(dev, frame->data, frame->len);
	if (frame->len - hlen <= dev->cfg->hds_thresh)
		return frame->len;

	return hlen;
}

/* Receive one frame as a header-split NIC does: headers in the skb head,
 * the payload in DEVMEM_TEST_RX_BUF_LEN buffers from the queue's pool.
 */
static struct sk_buff *devmem_test_rx(struct devmem_test_rxq *rxq,
				      const struct sk_buff *frame)
{
	unsigned int hlen, off, boff, len;
	struct sk_buff *skb;
	netmem_ref netmem;
	int i = 0;

	hlen = devmem_test_rx_hlen(rxq, frame);
	skb = napi_alloc_skb(&rxq->napi, hlen);
	if (!skb)
		return NULL;

	skb_mark_for_recycle(skb);
	skb_put_data(skb, frame->data, hlen);

	for (off = hlen; off < frame->len; off += len) {
		len = min(frame->len - off, DEVMEM_TEST_RX_BUF_LEN);
		if (i == MAX_SKB_FRAGS)
			goto drop;

		netmem = page_pool_alloc_frag_netmem(rxq->pool, &boff,
						     DEVMEM_TEST_RX_BUF_LEN,
						     GFP_ATOMIC | __GFP_NOWARN);
		if (!netmem)
			goto drop;

		skb_add_rx_frag_netmem(skb, i++, netmem, boff, len,
				       DEVMEM_TEST_RX_BUF_LEN);
		if (devmem_test_rx_dma(netmem, boff, frame->data + off, len))
			goto drop;
	}

	skb->protocol = eth_type_trans(skb, rxq->napi.dev);
	/* The stack cannot checksum payload it cannot read. */
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb_record_rx_queue(skb, rxq->napi.index);
	return skb;

drop:
	kfree_skb(skb);
	return NULL;
}

static int devmem_test_poll(struct napi_struct *napi, int budget)
{
	struct devmem_test_nic *priv = netdev_priv(napi->dev);
	struct devmem_test_rxq *rxq;
	struct sk_buff *frame, *skb;
	int done = 0;

	rxq = container_of(napi, struct devmem_test_rxq, napi);
	while (done < budget && (frame = skb_dequeue(&rxq->wire))) {
		skb = devmem_test_rx(rxq, frame);
		napi_consume_skb(frame, budget);
		if (skb && READ_ONCE(priv->rxq_cfg[napi->index].no_gro))
			netif_receive_skb(skb);
		else if (skb)
			napi_gro_receive(napi, skb);
		else
			dev_core_stats_rx_dropped_inc(napi->dev);
		done++;
	}

	if (done < budget)
		napi_complete_done(napi, done);

	return done;
}

/* What goes on the wire: the frame in one piece, net_iov frags read
 * through their bus addresses.
 */
static struct sk_buff *devmem_test_tx_frame(struct net_device *dev,
					    const struct sk_buff *skb)
{
	struct devmem_test_nic *priv = netdev_priv(dev);
	struct sk_buff *frame;
	const void *src;
	dma_addr_t dma;
	unsigned int i;
	u8 *dst;

	frame = alloc_skb(skb->len, GFP_ATOMIC);
	if (!frame)
		return NULL;

	dst = skb_put_data(frame, skb->data, skb_headlen(skb));
	dst += skb_headlen(skb);
	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++) {
		const skb_frag_t *frag = &skb_shinfo(skb)->frags[i];
		unsigned int len = skb_frag_size(frag);

		if (skb_frag_is_net_iov(frag)) {
			dma = skb_frag_dma_map(priv->dma_dev, frag, 0, len,
					       DMA_TO_DEVICE);
			src = devmem_test_dma_to_virt(dma, len);
		} else {
			src = skb_frag_address_safe(frag);
		}
		if (!src) {
			kfree_skb(frame);
			return NULL;
		}
		memcpy(skb_put(frame, len), src, len);
	}

	return frame;
}

/* The match of the peer's flow rule. */
static bool devmem_test_is_tcp(const struct sk_buff *skb)
{
	switch (skb->protocol) {
	case htons(ETH_P_IP):
		return ip_hdr(skb)->protocol == IPPROTO_TCP;
	case htons(ETH_P_IPV6):
		return ipv6_hdr(skb)->nexthdr == IPPROTO_TCP;
	default:
		return false;
	}
}

static netdev_tx_t devmem_test_xmit(struct sk_buff *skb,
				    struct net_device *dev)
{
	struct devmem_test_nic *priv = netdev_priv(dev);
	struct net_device *peer = priv->peer;
	struct devmem_test_nic *peer_priv;
	struct devmem_test_rxq *rxq;
	struct sk_buff *frame;
	unsigned int idx = 0;

	if (!peer || !netif_running(peer) || skb_has_frag_list(skb))
		goto drop;

	peer_priv = netdev_priv(peer);
	if (devmem_test_is_tcp(skb))
		idx = READ_ONCE(peer_priv->tcp_rxq);
	/* Under rcu_read_lock_bh() from __dev_queue_xmit(). */
	rxq = rcu_dereference_bh(peer_priv->rxqs[idx]);
	if (!rxq || skb_queue_len_lockless(&rxq->wire) >= DEVMEM_TEST_RING_SIZE)
		goto drop;

	frame = devmem_test_tx_frame(dev, skb);
	if (!frame)
		goto drop;

	skb_queue_tail(&rxq->wire, frame);
	napi_schedule(&rxq->napi);
	dev_consume_skb_any(skb);
	return NETDEV_TX_OK;

drop:
	dev_core_stats_tx_dropped_inc(dev);
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

static int devmem_test_stop(struct net_device *dev)
{
	struct devmem_test_nic *priv = netdev_priv(dev);
	unsigned int i;

	for (i = 0; i < DEVMEM_TEST_NUM_RXQ; i++) {
		devmem_test_rxq_free(devmem_test_rxq_stop(dev, i));
		RCU_INIT_POINTER(priv->rxqs[i], NULL);
	}

	return 0;
}

static int devmem_test_open(struct net_device *dev)
{
	struct devmem_test_rxq *rxq;
	unsigned int i;

	for (i = 0; i < DEVMEM_TEST_NUM_RXQ; i++) {
		rxq = devmem_test_rxq_alloc(dev, i);
		if (IS_ERR(rxq)) {
			while (i--) {
				rxq = devmem_test_rxq_stop(dev, i);
				devmem_test_rxq_free(rxq);
			}
			return PTR_ERR(rxq);
		}
		devmem_test_rxq_start(dev, i, rxq);
	}

	return 0;
}

/* Both ends of a pair are unregistered in one batch, under RTNL with both
 * instance locks held: the driver's lock class and netdev_lock_cmp_fn()
 * allow that nesting.
 */
static int devmem_test_init(struct net_device *dev)
{
	netdev_lockdep_set_classes(dev);
	return 0;
}

static const struct net_device_ops devmem_test_netdev_ops = {
	.ndo_init		= devmem_test_init,
	.ndo_open		= devmem_test_open,
	.ndo_stop		= devmem_test_stop,
	.ndo_start_xmit		= devmem_test_xmit,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
};

static void devmem_test_get_ringparam(struct net_device *dev,
				      struct ethtool_ringparam *ring,
				      struct kernel_ethtool_ringparam *kring,
				      struct netlink_ext_ack *extack)
{
	struct devmem_test_nic *priv = netdev_priv(dev);

	ring->rx_max_pending = DEVMEM_TEST_RING_MAX;
	ring->tx_max_pending = DEVMEM_TEST_RING_SIZE;
	ring->rx_pending = priv->rx_pending;
	ring->tx_pending = DEVMEM_TEST_RING_SIZE;
	kring->hds_thresh_max = PAGE_SIZE;
}

/* The receive path reads the split settings from dev->cfg per frame; a new
 * RX ring size takes new rings, so restart every queue, as drivers do.
 */
static int devmem_test_set_ringparam(struct net_device *dev,
				     struct ethtool_ringparam *ring,
				     struct kernel_ethtool_ringparam *kring,
				     struct netlink_ext_ack *extack)
{
	struct devmem_test_nic *priv = netdev_priv(dev);
	unsigned int i;
	int err;

	if (ring->rx_pending == priv->rx_pending)
		return 0;

	priv->rx_pending = ring->rx_pending;
	if (!netif_running(dev))
		return 0;

	for (i = 0; i < DEVMEM_TEST_NUM_RXQ; i++) {
		err = netdev_rx_queue_restart(dev, i);
		if (err)
			return err;
	}

	return 0;
}

static const struct ethtool_ops devmem_test_ethtool_ops = {
	.supported_ring_params	= ETHTOOL_RING_USE_TCP_DATA_SPLIT |
				  ETHTOOL_RING_USE_HDS_THRS,
	.get_link		= ethtool_op_get_link,
	.get_ringparam		= devmem_test_get_ringparam,
	.set_ringparam		= devmem_test_set_ringparam,
};

static void devmem_test_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &devmem_test_netdev_ops;
	dev->ethtool_ops = &devmem_test_ethtool_ops;
	dev->queue_mgmt_ops = &devmem_test_queue_mgmt_ops;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->mtu = DEVMEM_TEST_MTU;
	dev->max_mtu = DEVMEM_TEST_MTU;
	/* No TSO: the stack hands over segments that fit the MTU. */
	dev->features = NETIF_F_SG | NETIF_F_HW_CSUM;
	dev->hw_features = dev->features;
	dev->lltx = true;
	dev->request_ops_lock = true;
	dev->netmem_tx = NETMEM_TX_DMA;
	eth_hw_addr_random(dev);
}

KUNIT_DEFINE_ACTION_WRAPPER(devmem_test_free_netdev, free_netdev,
			    struct net_device *);
KUNIT_DEFINE_ACTION_WRAPPER(devmem_test_unregister_netdev, unregister_netdev,
			    struct net_device *);

/* Allocate a fake NIC in @net, freed when the test ends. */
static struct net_device *devmem_test_nic_alloc(struct kunit *test,
						struct net *net)
{
	static atomic_t devmem_test_nic_id = ATOMIC_INIT(0);
	struct devmem_test_nic *priv;
	struct net_device *dev;
	struct device *dma_dev;
	char name[32];
	int err;

	snprintf(name, sizeof(name), "devmem-test-%d",
		 atomic_inc_return(&devmem_test_nic_id));
	dma_dev = kunit_device_register(test, name);
	if (IS_ERR(dma_dev))
		return ERR_CAST(dma_dev);

	dev = alloc_netdev_mqs(sizeof(*priv), "dmt%d", NET_NAME_ENUM,
			       devmem_test_setup, 1, DEVMEM_TEST_NUM_RXQ);
	if (!dev)
		return ERR_PTR(-ENOMEM);

	err = kunit_add_action_or_reset(test, devmem_test_free_netdev, dev);
	if (err)
		return ERR_PTR(err);

	priv = netdev_priv(dev);
	priv->dma_dev = dma_dev;
	priv->rx_pending = DEVMEM_TEST_RING_SIZE;
	SET_NETDEV_DEV(dev, dma_dev);
	dev_net_set(dev, net);

	return dev;
}

/* Up, with header split on, as ncdevmem's setup does with ip(8) and
 * ethtool(8).
 */
static int devmem_test_nic_up(struct kunit *test, struct net_device *dev)
{
	int err;

	rtnl_lock();
	err = dev_open(dev, NULL);
	rtnl_unlock();
	if (err)
		return err;

	return devmem_test_nl_set_rings(test, dev,
					ETHTOOL_TCP_DATA_SPLIT_ENABLED, 0,
					NULL);
}

/**
 * devmem_test_nic_create() - register and open a fake NIC
 * @test: the test the device belongs to
 * @net: network namespace to create the device in
 *
 * The device has DEVMEM_TEST_NUM_RXQ RX queues, queue management ops and
 * tcp-data-split enabled, so any of its queues can be bound to a dma-buf.
 * Each RX queue has its own page pool while the device is up; see
 * devmem_test_nic_rxq_pool(). Without a peer, what it transmits is
 * dropped. Its DMA device is a KUnit device, also the netdev's parent. It
 * is unregistered when the test ends.
 *
 * Return: the open device, or an ERR_PTR() on failure.
 */
struct net_device *devmem_test_nic_create(struct kunit *test, struct net *net)
{
	struct net_device *dev;
	int err;

	dev = devmem_test_nic_alloc(test, net);
	if (IS_ERR(dev))
		return dev;

	err = register_netdev(dev);
	if (err)
		return ERR_PTR(err);

	err = kunit_add_action_or_reset(test, devmem_test_unregister_netdev,
					dev);
	if (err)
		return ERR_PTR(err);

	err = devmem_test_nic_up(test, dev);
	return err ? ERR_PTR(err) : dev;
}

static long devmem_test_napi_run(void *napi)
{
	local_bh_disable();
	napi_schedule(napi);
	local_bh_enable();
	return 0;
}

#define DEVMEM_TEST_NAPI_NIC	"devmem_test_napi_nic"

/**
 * devmem_test_run_napi() - run NAPI on every CPU
 * @test: the running test
 *
 * A socket done with an skb that NAPI built on another CPU leaves the skb,
 * and with it its frags, on a list of that CPU until NET_RX next runs
 * there (skb_attempt_defer_free()). A NIC under traffic runs NAPI on every
 * CPU all the time; a test's traffic stops, and what waits for net_iovs to
 * come back would wait for more. So run NAPI on each CPU in turn, as an
 * interrupt on each CPU would: that of an idle fake NIC of the test's own,
 * in init_net, created on first use, which outlives any device the test
 * unregisters.
 *
 * Return: 0, or a negative errno if that NIC cannot be created or is down.
 */
int devmem_test_run_napi(struct kunit *test)
{
	struct devmem_test_nic *priv;
	struct kunit_resource *res;
	struct devmem_test_rxq *rxq;
	struct net_device *dev;
	unsigned int cpu;
	int err;

	res = kunit_find_named_resource(test, DEVMEM_TEST_NAPI_NIC);
	if (res) {
		dev = res->data;
		kunit_put_resource(res);
	} else {
		dev = devmem_test_nic_create(test, &init_net);
		if (IS_ERR(dev))
			return PTR_ERR(dev);
		res = kunit_kzalloc(test, sizeof(*res), GFP_KERNEL);
		if (!res)
			return -ENOMEM;
		err = kunit_add_named_resource(test, NULL, NULL, res,
					       DEVMEM_TEST_NAPI_NIC, dev);
		if (err)
			return err;
	}

	/* Queue 0 of an idle NIC: the instance lock keeps its ring, and its
	 * NAPI poll does not take the lock.
	 */
	priv = netdev_priv(dev);
	netdev_lock(dev);
	rxq = netdev_lock_dereference(priv->rxqs[0], dev);
	if (rxq) {
		cpus_read_lock();
		for_each_online_cpu(cpu)
			work_on_cpu(cpu, devmem_test_napi_run, &rxq->napi);
		cpus_read_unlock();
	}
	netdev_unlock(dev);
	return rxq ? 0 : -ENETDOWN;
}

static void devmem_test_pair_unregister(void *ctx)
{
	struct net_device **dev = ctx;
	LIST_HEAD(list);

	/* One batch: neither end transmits once either starts to go away. */
	rtnl_lock();
	unregister_netdevice_queue(dev[0], &list);
	unregister_netdevice_queue(dev[1], &list);
	unregister_netdevice_many(&list);
	rtnl_unlock();
}

/**
 * devmem_test_nic_create_pair() - two fake NICs cabled back to back
 * @test: the test the devices belong to
 * @net: network namespace of each end
 * @dev: the two devices, on success; @dev[i] is in @net[i]
 *
 * Each end is as from devmem_test_nic_create(), open, and receives what the
 * other transmits. TCP segments land on the RX queue chosen with
 * devmem_test_nic_steer() (queue 0 until then), other frames on queue 0.
 * Both are unregistered together when the test ends.
 *
 * Return: 0, or a negative errno.
 */
int devmem_test_nic_create_pair(struct kunit *test, struct net *net[2],
				struct net_device *dev[2])
{
	struct net_device **pair;
	int err, i;

	pair = kunit_kcalloc(test, 2, sizeof(*pair), GFP_KERNEL);
	if (!pair)
		return -ENOMEM;

	for (i = 0; i < 2; i++) {
		pair[i] = devmem_test_nic_alloc(test, net[i]);
		if (IS_ERR(pair[i]))
			return PTR_ERR(pair[i]);
	}
	for (i = 0; i < 2; i++) {
		struct devmem_test_nic *priv = netdev_priv(pair[i]);

		priv->peer = pair[!i];
		priv->pair = pair;
	}

	err = register_netdev(pair[0]);
	if (err)
		return err;

	err = register_netdev(pair[1]);
	if (err) {
		unregister_netdev(pair[0]);
		return err;
	}

	err = kunit_add_action_or_reset(test, devmem_test_pair_unregister,
					pair);
	if (err)
		return err;

	for (i = 0; i < 2; i++) {
		err = devmem_test_nic_up(test, pair[i]);
		if (err)
			return err;
		dev[i] = pair[i];
	}

	return 0;
}

/**
 * devmem_test_nic_unregister() - unregister a fake NIC before the test ends
 * @test: the test that created @dev
 * @dev: a fake NIC
 *
 * Both ends go for an end of a pair. The memory of @dev stays valid until
 * the test ends.
 */
void devmem_test_nic_unregister(struct kunit *test, struct net_device *dev)
{
	struct devmem_test_nic *priv = netdev_priv(dev);

	if (priv->pair)
		kunit_release_action(test, devmem_test_pair_unregister,
				     priv->pair);
	else
		kunit_release_action(test, devmem_test_unregister_netdev, dev);
}

/**
 * devmem_test_nic_set_rxq() - set the hardware properties of an RX queue
 * @dev: a fake NIC
 * @rxq_idx: RX queue index
 * @cfg: the properties; see struct devmem_test_rxq_cfg
 *
 * @cfg->no_hds and @cfg->dma_dev take effect the next time the queue gets
 * a new ring, e.g. when a memory provider is bound to it; @cfg->split_at
 * and @cfg->no_gro with the next frame.
 */
void devmem_test_nic_set_rxq(struct net_device *dev, unsigned int rxq_idx,
			     const struct devmem_test_rxq_cfg *cfg)
{
	struct devmem_test_nic *priv = netdev_priv(dev);
	struct devmem_test_rxq_cfg *c = &priv->rxq_cfg[rxq_idx];

	netdev_lock(dev);
	c->no_hds = cfg->no_hds;
	c->dma_dev = cfg->dma_dev;
	WRITE_ONCE(c->split_at, cfg->split_at);
	WRITE_ONCE(c->no_gro, cfg->no_gro);
	netdev_unlock(dev);
}

/**
 * devmem_test_nic_steer() - set the NIC's flow rule for TCP
 * @dev: a fake NIC with a peer
 * @rxq_idx: the RX queue TCP segments land on from now on
 *
 * What an ntuple rule does on a real NIC, for every TCP flow. Frames
 * already on the wire to another queue are received there.
 */
void devmem_test_nic_steer(struct net_device *dev, unsigned int rxq_idx)
{
	struct devmem_test_nic *priv = netdev_priv(dev);

	WRITE_ONCE(priv->tcp_rxq, rxq_idx % DEVMEM_TEST_NUM_RXQ);
}

/**
 * devmem_test_nic_rxq_pool() - page pool currently used by an RX queue
 * @dev: a fake NIC
 * @rxq_idx: RX queue index
 *
 * The pool changes whenever the queue is restarted (bind, unbind, close).
 *
 * Return: the queue's page pool, or NULL while the device is down.
 */
struct page_pool *devmem_test_nic_rxq_pool(struct net_device *dev,
					   unsigned int rxq_idx)
{
	struct devmem_test_nic *priv = netdev_priv(dev);
	struct devmem_test_rxq *rxq;
	struct page_pool *pool;

	if (rxq_idx >= DEVMEM_TEST_NUM_RXQ)
		return NULL;

	netdev_lock(dev);
	rxq = netdev_lock_dereference(priv->rxqs[rxq_idx], dev);
	pool = rxq ? rxq->pool : NULL;
	netdev_unlock(dev);

	return pool;
}
