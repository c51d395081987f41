// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * KUnit tests for the lifetime of devmem dma-buf bindings, driven through
 * netdev netlink as user space drives them: bind, what the page pools of
 * bound queues hand out, unbind by closing the socket, and what every
 * error path leaves behind.
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/errno.h>
#include <linux/ethtool.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/string.h>
#include <net/netdev_lock.h>
#include <net/page_pool/helpers.h>

#include "devmem_test.h"

#define DEVMEM_BINDING_BUF_SIZE	(16 * PAGE_SIZE)

struct devmem_binding_test {
	struct net_device *dev;
	struct devmem_test_nl *nl;
};

static int devmem_binding_test_init(struct kunit *test)
{
	struct devmem_binding_test *t;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;

	t->dev = devmem_test_nic_create(test, &init_net);
	if (IS_ERR(t->dev))
		return PTR_ERR(t->dev);

	t->nl = devmem_test_nl_open(test, &init_net);
	if (IS_ERR(t->nl))
		return PTR_ERR(t->nl);

	test->priv = t;
	return 0;
}

static struct devmem_test_dmabuf *
devmem_binding_buf(struct kunit *test, size_t size,
		   const struct devmem_test_dmabuf_layout *layout)
{
	struct devmem_test_dmabuf *buf;

	buf = devmem_test_dmabuf_create(test, size, layout);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	return buf;
}

static u32 devmem_binding_bind(struct kunit *test,
			       struct devmem_test_dmabuf *buf,
			       const unsigned int *rxqs, unsigned int nr_rxqs)
{
	struct devmem_binding_test *t = test->priv;
	u32 id = 0;

	KUNIT_ASSERT_EQ_MSG(test, devmem_test_nl_bind_rx(t->nl, t->dev, buf,
							 rxqs, nr_rxqs, &id),
			    0, "extack: %s", t->nl->extack);
	KUNIT_EXPECT_NE(test, id, 0);
	return id;
}

/* The binding id the queue reports, asked on a socket of its own. */
static u32 devmem_binding_queue_id(struct kunit *test, unsigned int rxq_idx)
{
	struct devmem_binding_test *t = test->priv;
	struct devmem_test_nl *nl;
	u32 id;

	nl = devmem_test_nl_open(test, dev_net(t->dev));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, nl);
	KUNIT_ASSERT_EQ(test, devmem_test_nl_queue_dmabuf(nl, t->dev, rxq_idx,
							  &id), 0);
	devmem_test_nl_close(test, nl);
	return id;
}

/* Take a buffer from the page pool of an RX queue, as the NIC would. */
static netmem_ref devmem_binding_alloc(struct kunit *test,
				       unsigned int rxq_idx,
				       struct page_pool **pool)
{
	struct devmem_binding_test *t = test->priv;
	netmem_ref netmem;

	*pool = devmem_test_nic_rxq_pool(t->dev, rxq_idx);
	KUNIT_ASSERT_NOT_NULL(test, *pool);
	local_bh_disable();
	netmem = page_pool_alloc_netmems(*pool, GFP_ATOMIC);
	local_bh_enable();
	return netmem;
}

static void devmem_binding_put(struct page_pool *pool, netmem_ref netmem)
{
	local_bh_disable();
	page_pool_put_full_netmem(pool, netmem, false);
	local_bh_enable();
}

/* Release the test's dma-buf and check the binding left nothing mapped. */
static void devmem_binding_expect_released(struct kunit *test,
					   struct devmem_test_dmabuf *buf)
{
	KUNIT_ASSERT_EQ(test, devmem_test_dmabuf_put_and_wait(test, buf), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->release), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->unmap),
			atomic_read(&buf->map));
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->unmap_wrong_dir), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->unmap_in_use), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->detach),
			atomic_read(&buf->attach));
}

/* Bind @buf to @rxqs and expect the request to fail with @err and the
 * extack message to start with @msg, no queue of the device to be left
 * bound, and the exporter to get everything back.
 */
static void devmem_binding_expect_bind_fails(struct kunit *test,
					     struct devmem_test_dmabuf *buf,
					     const unsigned int *rxqs,
					     unsigned int nr_rxqs, int err,
					     const char *msg)
{
	struct devmem_binding_test *t = test->priv;
	unsigned int i;
	u32 id = 0;

	KUNIT_EXPECT_EQ(test, devmem_test_nl_bind_rx(t->nl, t->dev, buf, rxqs,
						     nr_rxqs, &id), err);
	KUNIT_EXPECT_EQ(test, id, 0);
	KUNIT_EXPECT_STREQ(test, t->nl->extack, msg);
	for (i = 0; i < DEVMEM_TEST_NUM_RXQ; i++)
		KUNIT_EXPECT_EQ(test, devmem_binding_queue_id(test, i), 0);
	devmem_binding_expect_released(test, buf);
}

static void devmem_binding_bind_reports_queues(struct kunit *test)
{
	static const unsigned int rxqs[] = { 1, 2 };
	struct devmem_test_dmabuf *buf;
	u32 id;

	buf = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, NULL);
	id = devmem_binding_bind(test, buf, rxqs, ARRAY_SIZE(rxqs));

	KUNIT_EXPECT_EQ(test, atomic_read(&buf->attach), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->map), 1);
	KUNIT_EXPECT_EQ(test, devmem_binding_queue_id(test, 0), 0);
	KUNIT_EXPECT_EQ(test, devmem_binding_queue_id(test, 1), id);
	KUNIT_EXPECT_EQ(test, devmem_binding_queue_id(test, 2), id);
	KUNIT_EXPECT_EQ(test, devmem_binding_queue_id(test, 3), 0);
}

static void devmem_binding_ids_are_unique(struct kunit *test)
{
	static const unsigned int rxq1[] = { 1 }, rxq2[] = { 2 };
	struct devmem_test_dmabuf *buf;

	buf = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, NULL);
	KUNIT_EXPECT_NE(test, devmem_binding_bind(test, buf, rxq1, 1),
			devmem_binding_bind(test, buf, rxq2, 1));
}

static void devmem_binding_pool_hands_out_net_iovs(struct kunit *test)
{
	static const unsigned int rxqs[] = { 1 };
	struct devmem_test_dmabuf *buf;
	struct page_pool *pool, *pool0;
	netmem_ref netmem, page;
	dma_addr_t dma;
	size_t off;

	buf = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, NULL);
	devmem_binding_bind(test, buf, rxqs, ARRAY_SIZE(rxqs));

	netmem = devmem_binding_alloc(test, 1, &pool);
	KUNIT_ASSERT_TRUE(test, netmem);
	KUNIT_EXPECT_TRUE(test, netmem_is_net_iov(netmem));
	dma = page_pool_get_dma_addr_netmem(netmem);
	KUNIT_EXPECT_TRUE(test, devmem_test_dmabuf_mapped(buf, dma, PAGE_SIZE,
							  &off));
	devmem_binding_put(pool, netmem);

	/* A queue left alone keeps handing out pages. */
	page = devmem_binding_alloc(test, 0, &pool0);
	KUNIT_ASSERT_TRUE(test, page);
	KUNIT_EXPECT_FALSE(test, netmem_is_net_iov(page));
	devmem_binding_put(pool0, page);
}

/* A queue of a device that is down binds without being restarted, and its
 * pool hands out net_iovs once the device is up. Guards "net: devmem:
 * don't call queue stop / start when the interface is down".
 */
static void devmem_binding_bind_while_down(struct kunit *test)
{
	struct devmem_binding_test *t = test->priv;
	static const unsigned int rxqs[] = { 1 };
	struct devmem_test_dmabuf *buf;
	struct devmem_test_nl *rtnl;
	struct page_pool *pool;
	netmem_ref netmem;
	u32 id;

	rtnl = devmem_test_rtnl_open(test, dev_net(t->dev));
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rtnl);
	KUNIT_ASSERT_EQ(test, devmem_test_rtnl_set_up(rtnl, t->dev, false), 0);

	buf = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, NULL);
	id = devmem_binding_bind(test, buf, rxqs, ARRAY_SIZE(rxqs));

	KUNIT_ASSERT_EQ(test, devmem_test_rtnl_set_up(rtnl, t->dev, true), 0);
	KUNIT_EXPECT_EQ(test, devmem_binding_queue_id(test, 1), id);
	netmem = devmem_binding_alloc(test, 1, &pool);
	KUNIT_ASSERT_TRUE(test, netmem);
	KUNIT_EXPECT_TRUE(test, netmem_is_net_iov(netmem));
	devmem_binding_put(pool, netmem);

	devmem_test_nl_close(test, t->nl);
	devmem_binding_expect_released(test, buf);
}

/* Every page of a dma-buf mapped as several sg entries is handed out once,
 * then the pool runs dry.
 */
static void devmem_binding_net_iovs_cover_dmabuf(struct kunit *test)
{
	static const size_t sg_lens[] = {
		4 * PAGE_SIZE, 8 * PAGE_SIZE, 4 * PAGE_SIZE,
	};
	static const struct devmem_test_dmabuf_layout layout = {
		.sg_lens = sg_lens,
		.nr_sg = ARRAY_SIZE(sg_lens),
	};
	static const unsigned int rxqs[] = { 1 };
	unsigned int i, n = DEVMEM_BINDING_BUF_SIZE / PAGE_SIZE;
	struct devmem_test_dmabuf *buf;
	unsigned long *seen;
	netmem_ref *netmems;
	struct page_pool *pool;
	dma_addr_t dma;
	size_t off;

	seen = kunit_kzalloc(test, BITS_TO_LONGS(n) * sizeof(long), GFP_KERNEL);
	netmems = kunit_kcalloc(test, n, sizeof(*netmems), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	KUNIT_ASSERT_NOT_NULL(test, netmems);

	buf = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, &layout);
	devmem_binding_bind(test, buf, rxqs, ARRAY_SIZE(rxqs));

	for (i = 0; i < n; i++) {
		netmems[i] = devmem_binding_alloc(test, 1, &pool);
		KUNIT_ASSERT_TRUE(test, netmems[i]);
		dma = page_pool_get_dma_addr_netmem(netmems[i]);
		KUNIT_ASSERT_TRUE(test, devmem_test_dmabuf_mapped(buf, dma,
								  PAGE_SIZE,
								  &off));
		KUNIT_EXPECT_FALSE(test, test_and_set_bit(off / PAGE_SIZE,
							  seen));
	}
	KUNIT_EXPECT_FALSE(test, devmem_binding_alloc(test, 1, &pool));
	KUNIT_EXPECT_TRUE(test, bitmap_full(seen, n));

	for (i = 0; i < n; i++)
		devmem_binding_put(pool, netmems[i]);
}

static void devmem_binding_close_unbinds(struct kunit *test)
{
	static const unsigned int rxqs[] = { 1, 2 };
	struct devmem_binding_test *t = test->priv;
	struct devmem_test_dmabuf *buf;
	struct page_pool *pool;
	netmem_ref netmem;

	buf = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, NULL);
	devmem_binding_bind(test, buf, rxqs, ARRAY_SIZE(rxqs));
	devmem_test_nl_close(test, t->nl);

	KUNIT_EXPECT_EQ(test, devmem_binding_queue_id(test, 1), 0);
	KUNIT_EXPECT_EQ(test, devmem_binding_queue_id(test, 2), 0);
	netmem = devmem_binding_alloc(test, 1, &pool);
	KUNIT_ASSERT_TRUE(test, netmem);
	KUNIT_EXPECT_FALSE(test, netmem_is_net_iov(netmem));
	devmem_binding_put(pool, netmem);
	devmem_binding_expect_released(test, buf);
}

/* Closing a socket unbinds every binding it made. */
/* A bind whose reply cannot be queued, as the user does not read its
 * socket, still binds: the binding belongs to the socket, which reads
 * ENOBUFS, and goes with it. Guards "netdev: fix double-free in
 * netdev_nl_bind_rx_doit()", which freed the reply twice and unbound.
 */
static void devmem_binding_bind_reply_lost(struct kunit *test)
{
	static const unsigned int rxqs[] = { 1 };
	struct devmem_binding_test *t = test->priv;
	struct devmem_test_dmabuf *buf;
	u32 id = 0;

	buf = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, NULL);
	KUNIT_ASSERT_EQ(test, devmem_test_nl_fill_rcvbuf(t->nl, t->dev), 0);
	KUNIT_EXPECT_EQ(test, devmem_test_nl_bind_rx(t->nl, t->dev, buf, rxqs,
						     ARRAY_SIZE(rxqs), &id),
			-ENOBUFS);
	/* Neither the reply nor the ack of the bind made it. */
	KUNIT_EXPECT_EQ(test, devmem_test_nl_drain(t->nl), 0);
	KUNIT_EXPECT_NE_MSG(test, devmem_binding_queue_id(test, 1), 0,
			    "queue unbound after the reply was lost");

	devmem_test_nl_close(test, t->nl);
	KUNIT_EXPECT_EQ(test, devmem_binding_queue_id(test, 1), 0);
	devmem_binding_expect_released(test, buf);
}

static void devmem_binding_close_unbinds_all(struct kunit *test)
{
	static const unsigned int rxq1[] = { 1 }, rxq2[] = { 2, 3 };
	struct devmem_binding_test *t = test->priv;
	struct devmem_test_dmabuf *buf1, *buf2;

	buf1 = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, NULL);
	buf2 = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, NULL);
	devmem_binding_bind(test, buf1, rxq1, ARRAY_SIZE(rxq1));
	devmem_binding_bind(test, buf2, rxq2, ARRAY_SIZE(rxq2));
	devmem_test_nl_close(test, t->nl);

	KUNIT_EXPECT_EQ(test, devmem_binding_queue_id(test, 1), 0);
	KUNIT_EXPECT_EQ(test, devmem_binding_queue_id(test, 2), 0);
	KUNIT_EXPECT_EQ(test, devmem_binding_queue_id(test, 3), 0);
	devmem_binding_expect_released(test, buf1);
	devmem_binding_expect_released(test, buf2);
}

/* A net_iov still out keeps its binding, hence the dma-buf mapping, alive
 * past the unbind; its return lets the binding go.
 */
static void devmem_binding_freed_after_last_net_iov(struct kunit *test)
{
	static const unsigned int rxqs[] = { 1 };
	struct devmem_binding_test *t = test->priv;
	struct devmem_test_dmabuf *buf;
	struct page_pool *pool;
	netmem_ref netmem;

	buf = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, NULL);
	devmem_binding_bind(test, buf, rxqs, ARRAY_SIZE(rxqs));
	netmem = devmem_binding_alloc(test, 1, &pool);
	KUNIT_ASSERT_TRUE(test, netmem);

	/* Until the put, an unmap is counted as too early. */
	WRITE_ONCE(buf->in_use, true);
	devmem_test_nl_close(test, t->nl);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->unmap), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->detach), 0);

	WRITE_ONCE(buf->in_use, false);
	devmem_binding_put(pool, netmem);
	devmem_binding_expect_released(test, buf);
}

/* An sg entry whose address is not aligned to the binding's net_iov size:
 * the extack names the entry and what is wrong with it, whole, not cut at
 * NETLINK_MAX_FMTMSG_LEN.
 */
static void devmem_binding_misaligned_sg_fails(struct kunit *test)
{
	static const size_t sg_lens[] = { 8 * PAGE_SIZE, 8 * PAGE_SIZE };
	static const struct devmem_test_dmabuf_layout layout = {
		.sg_lens = sg_lens,
		.nr_sg = ARRAY_SIZE(sg_lens),
		.misaligned = true,
	};
	static const unsigned int rxqs[] = { 1 };
	char msg[DEVMEM_TEST_EXTACK_LEN];
	struct devmem_test_dmabuf *buf;

	buf = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, &layout);
	snprintf(msg, sizeof(msg), "dma-buf sg 1 address not %lu-aligned",
		 PAGE_SIZE);
	devmem_binding_expect_bind_fails(test, buf, rxqs, ARRAY_SIZE(rxqs),
					 -EINVAL, msg);
}

/* An sg entry at an aligned address whose length is not a multiple of the
 * net_iov size fails too, for RX and for TX. Guards "net: devmem: reject
 * dma-buf bind with non-page-aligned size or SG length".
 */
static void devmem_binding_misaligned_sg_len_fails(struct kunit *test)
{
	static const size_t sg_lens[] = {
		4 * PAGE_SIZE + PAGE_SIZE / 2,
		DEVMEM_BINDING_BUF_SIZE - 4 * PAGE_SIZE - PAGE_SIZE / 2,
	};
	static const struct devmem_test_dmabuf_layout layout = {
		.sg_lens = sg_lens,
		.nr_sg = ARRAY_SIZE(sg_lens),
	};
	struct devmem_binding_test *t = test->priv;
	static const unsigned int rxqs[] = { 1 };
	char msg[DEVMEM_TEST_EXTACK_LEN];
	struct devmem_test_dmabuf *buf;
	u32 id = 0;

	snprintf(msg, sizeof(msg), "dma-buf sg 0 len %zu not %lu-aligned",
		 sg_lens[0], PAGE_SIZE);
	buf = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, &layout);
	devmem_binding_expect_bind_fails(test, buf, rxqs, ARRAY_SIZE(rxqs),
					 -EINVAL, msg);

	buf = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, &layout);
	KUNIT_EXPECT_EQ(test, devmem_test_nl_bind_tx(t->nl, t->dev, buf, &id),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, id, 0);
	KUNIT_EXPECT_STREQ(test, t->nl->extack, msg);
	devmem_binding_expect_released(test, buf);
}

static void devmem_binding_attach_failure_fails(struct kunit *test)
{
	static const struct devmem_test_dmabuf_layout layout = {
		.attach_err = -ENODEV,
	};
	static const unsigned int rxqs[] = { 1 };
	struct devmem_test_dmabuf *buf;

	buf = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, &layout);
	devmem_binding_expect_bind_fails(test, buf, rxqs, ARRAY_SIZE(rxqs),
					 -ENODEV,
					 "Failed to bind dmabuf to device");
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->attach), 0);
}

static void devmem_binding_map_failure_fails(struct kunit *test)
{
	static const struct devmem_test_dmabuf_layout layout = {
		.map_err = -ENOMEM,
	};
	static const unsigned int rxqs[] = { 1 };
	struct devmem_test_dmabuf *buf;

	buf = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, &layout);
	devmem_binding_expect_bind_fails(test, buf, rxqs, ARRAY_SIZE(rxqs),
					 -ENOMEM,
					 "Failed to map dmabuf attachment");
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->attach), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->map), 0);
}

/* A queue whose ring does not split builds a pool the provider does not
 * attach to: the bind notices, and unwinds.
 */
static void devmem_binding_rxq_without_hds_fails(struct kunit *test)
{
	static const unsigned int rxqs[] = { 1, 2 };
	const struct devmem_test_rxq_cfg cfg = { .no_hds = true };
	struct devmem_binding_test *t = test->priv;
	struct devmem_test_dmabuf *buf;

	devmem_test_nic_set_rxq(t->dev, 2, &cfg);
	buf = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, NULL);
	devmem_binding_expect_bind_fails(test, buf, rxqs, ARRAY_SIZE(rxqs),
					 -ENODATA, "");
}

static void devmem_binding_set_hds(struct kunit *test, u8 hds_config,
				   u32 hds_thresh)
{
	struct devmem_binding_test *t = test->priv;

	KUNIT_ASSERT_EQ(test, devmem_test_nl_set_rings(test, t->dev, hds_config,
						       hds_thresh, NULL), 0);
}

static void devmem_binding_device_without_hds_fails(struct kunit *test)
{
	static const unsigned int rxqs[] = { 1 };
	struct devmem_test_dmabuf *buf;

	devmem_binding_set_hds(test, ETHTOOL_TCP_DATA_SPLIT_DISABLED, 0);
	buf = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, NULL);
	devmem_binding_expect_bind_fails(test, buf, rxqs, ARRAY_SIZE(rxqs),
					 -EINVAL, "tcp-data-split is disabled");
}

static void devmem_binding_hds_thresh_fails(struct kunit *test)
{
	static const unsigned int rxqs[] = { 1 };
	struct devmem_test_dmabuf *buf;

	devmem_binding_set_hds(test, ETHTOOL_TCP_DATA_SPLIT_ENABLED, 256);
	buf = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, NULL);
	devmem_binding_expect_bind_fails(test, buf, rxqs, ARRAY_SIZE(rxqs),
					 -EINVAL, "hds-thresh is not zero");
}

/* ethtool refuses to turn header split off under a bound queue. */
static void devmem_binding_hds_off_while_bound_fails(struct kunit *test)
{
	static const unsigned int rxqs[] = { 1 };
	struct devmem_binding_test *t = test->priv;
	char extack[DEVMEM_TEST_EXTACK_LEN];
	struct devmem_test_dmabuf *buf;
	int err;

	buf = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, NULL);
	devmem_binding_bind(test, buf, rxqs, ARRAY_SIZE(rxqs));
	err = devmem_test_nl_set_rings(test, t->dev,
				       ETHTOOL_TCP_DATA_SPLIT_DISABLED, 0,
				       extack);
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	KUNIT_EXPECT_STREQ(test, extack,
			   "can't disable tcp-data-split while device has memory provider enabled");
	err = devmem_test_nl_set_rings(test, t->dev,
				       ETHTOOL_TCP_DATA_SPLIT_ENABLED, 128,
				       extack);
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	KUNIT_EXPECT_STREQ(test, extack,
			   "can't set non-zero hds_thresh while device is memory provider enabled");
}

/* A bind request must name at least one queue. */
static void devmem_binding_no_queues_fails(struct kunit *test)
{
	struct devmem_test_dmabuf *buf;

	buf = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, NULL);
	devmem_binding_expect_bind_fails(test, buf, NULL, 0, -EINVAL, "");
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->attach), 0);
}

/* netlink refuses a queue the device does not have before binding. */
static void devmem_binding_rxq_out_of_range_fails(struct kunit *test)
{
	static const unsigned int rxqs[] = { DEVMEM_TEST_NUM_RXQ };
	struct devmem_test_dmabuf *buf;

	buf = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, NULL);
	devmem_binding_expect_bind_fails(test, buf, rxqs, ARRAY_SIZE(rxqs),
					 -EINVAL, "");
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->attach), 0);
}

/* Binding queues 1 and 2 where 2 is taken: queue 1 is bound first (the
 * kernel goes through them in order), and the failure on queue 2 unbinds
 * the whole new binding again.
 */
static void devmem_binding_rxq_already_bound_fails(struct kunit *test)
{
	static const unsigned int taken[] = { 2 }, rxqs[] = { 1, 2 };
	struct devmem_test_dmabuf *buf, *buf2;
	struct devmem_binding_test *t = test->priv;
	u32 id, id2 = 0;

	buf = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, NULL);
	id = devmem_binding_bind(test, buf, taken, ARRAY_SIZE(taken));

	buf2 = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, NULL);
	KUNIT_EXPECT_EQ(test, devmem_test_nl_bind_rx(t->nl, t->dev, buf2, rxqs,
						     ARRAY_SIZE(rxqs), &id2),
			-EEXIST);
	KUNIT_EXPECT_STREQ(test, t->nl->extack,
			   "designated queue already memory provider bound");
	KUNIT_EXPECT_EQ(test, devmem_binding_queue_id(test, 1), 0);
	KUNIT_EXPECT_EQ(test, devmem_binding_queue_id(test, 2), id);
	devmem_binding_expect_released(test, buf2);
}

static void devmem_binding_dma_dev_mismatch_fails(struct kunit *test)
{
	static const unsigned int rxqs[] = { 1, 2 };
	struct devmem_binding_test *t = test->priv;
	struct devmem_test_rxq_cfg cfg = {};
	struct devmem_test_dmabuf *buf;
	struct device *other;

	other = kunit_device_register(test, "devmem-test-other-pf");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, other);
	cfg.dma_dev = other;
	devmem_test_nic_set_rxq(t->dev, 2, &cfg);

	buf = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, NULL);
	devmem_binding_expect_bind_fails(test, buf, rxqs, ARRAY_SIZE(rxqs),
					 -EOPNOTSUPP,
					 "DMA device mismatch between queue 2 and 1 (multi-PF device?)");
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->attach), 0);
}

static void devmem_binding_close_after_unregister(struct kunit *test)
{
	static const unsigned int rxqs[] = { 1 };
	struct devmem_binding_test *t = test->priv;
	struct devmem_test_dmabuf *buf;

	buf = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, NULL);
	devmem_binding_bind(test, buf, rxqs, ARRAY_SIZE(rxqs));
	devmem_test_nic_unregister(test, t->dev);
	devmem_test_nl_close(test, t->nl);
	devmem_binding_expect_released(test, buf);
}

/* A TX binding maps the dma-buf DMA_TO_DEVICE, and unmaps it the same
 * way. Guards "net: devmem: fix DMA direction on unmapping".
 */
static void devmem_binding_bind_tx(struct kunit *test)
{
	struct devmem_binding_test *t = test->priv;
	struct devmem_test_dmabuf *buf;
	u32 id = 0;

	buf = devmem_binding_buf(test, DEVMEM_BINDING_BUF_SIZE, NULL);
	KUNIT_ASSERT_EQ_MSG(test, devmem_test_nl_bind_tx(t->nl, t->dev, buf,
							 &id),
			    0, "extack: %s", t->nl->extack);
	KUNIT_EXPECT_NE(test, id, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->map), 1);

	devmem_test_nl_close(test, t->nl);
	devmem_binding_expect_released(test, buf);
}

static struct kunit_case devmem_binding_cases[] = {
	KUNIT_CASE(devmem_binding_bind_reports_queues),
	KUNIT_CASE(devmem_binding_ids_are_unique),
	KUNIT_CASE(devmem_binding_pool_hands_out_net_iovs),
	KUNIT_CASE(devmem_binding_net_iovs_cover_dmabuf),
	KUNIT_CASE(devmem_binding_bind_while_down),
	KUNIT_CASE(devmem_binding_close_unbinds),
	KUNIT_CASE(devmem_binding_bind_reply_lost),
	KUNIT_CASE(devmem_binding_close_unbinds_all),
	KUNIT_CASE(devmem_binding_freed_after_last_net_iov),
	KUNIT_CASE(devmem_binding_misaligned_sg_fails),
	KUNIT_CASE(devmem_binding_misaligned_sg_len_fails),
	KUNIT_CASE(devmem_binding_attach_failure_fails),
	KUNIT_CASE(devmem_binding_map_failure_fails),
	KUNIT_CASE(devmem_binding_rxq_without_hds_fails),
	KUNIT_CASE(devmem_binding_device_without_hds_fails),
	KUNIT_CASE(devmem_binding_hds_thresh_fails),
	KUNIT_CASE(devmem_binding_hds_off_while_bound_fails),
	KUNIT_CASE(devmem_binding_no_queues_fails),
	KUNIT_CASE(devmem_binding_rxq_out_of_range_fails),
	KUNIT_CASE(devmem_binding_rxq_already_bound_fails),
	KUNIT_CASE(devmem_binding_dma_dev_mismatch_fails),
	KUNIT_CASE(devmem_binding_close_after_unregister),
	KUNIT_CASE(devmem_binding_bind_tx),
	{}
};

static struct kunit_suite devmem_binding_suite = {
	.name = "devmem_binding",
	.init = devmem_binding_test_init,
	.test_cases = devmem_binding_cases,
};

kunit_test_suite(devmem_binding_suite);

MODULE_DESCRIPTION("KUnit tests for devmem TCP");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("DMA_BUF");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
MODULE_IMPORT_NS("NETDEV_INTERNAL");
