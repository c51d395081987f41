// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * KUnit tests for the lifetime of devmem dma-buf bindings: bind, unbind,
 * the page pools of bound queues, and what each error path leaves behind.
 */

#include <kunit/test.h>
#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/percpu-refcount.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <net/netdev_lock.h>
#include <net/netdev_queues.h>
#include <net/netlink.h>
#include <net/page_pool/helpers.h>

#include "devmem.h"
#include "devmem_test_utils.h"

#define DEVMEM_TEST_BUF_SIZE	(16 * PAGE_SIZE)

struct devmem_binding_test {
	struct net_device *dev;
	struct netdev_nl_sock *priv;
};

static int devmem_binding_test_init(struct kunit *test)
{
	struct devmem_binding_test *t;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;

	t->dev = devmem_test_netdev_create(test, &init_net);
	if (IS_ERR(t->dev))
		return PTR_ERR(t->dev);

	t->priv = devmem_test_nl_sock_create(test);
	if (IS_ERR(t->priv))
		return PTR_ERR(t->priv);

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

static struct net_devmem_dmabuf_binding *
devmem_binding_bind(struct kunit *test, struct devmem_test_dmabuf *buf,
		    const unsigned int *rxqs, unsigned int nr_rxqs)
{
	struct devmem_binding_test *t = test->priv;
	struct net_devmem_dmabuf_binding *binding;

	binding = devmem_test_bind_rx(test, t->dev, buf, rxqs, nr_rxqs,
				      t->priv, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, binding);
	return binding;
}

static struct page_pool *devmem_binding_pool(struct kunit *test,
					     unsigned int rxq_idx)
{
	struct devmem_binding_test *t = test->priv;
	struct page_pool *pool;

	pool = devmem_test_netdev_rxq_pool(t->dev, rxq_idx);
	KUNIT_ASSERT_NOT_NULL(test, pool);
	return pool;
}

/* Release the test's dma-buf and check the binding left nothing mapped. */
static void devmem_binding_expect_released(struct kunit *test,
					   struct devmem_test_dmabuf *buf)
{
	KUNIT_ASSERT_EQ(test, devmem_test_dmabuf_put_and_wait(test, buf), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->release), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->unmap),
			atomic_read(&buf->map));
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->detach),
			atomic_read(&buf->attach));
}

/* Bind @buf to @rxqs and expect the bind to fail with @err, the extack
 * message to contain @msg if not NULL, and no binding on the socket.
 */
static void devmem_binding_expect_bind_fails(struct kunit *test,
					     struct devmem_test_dmabuf *buf,
					     const unsigned int *rxqs,
					     unsigned int nr_rxqs, int err,
					     const char *msg)
{
	struct devmem_binding_test *t = test->priv;
	struct net_devmem_dmabuf_binding *binding;
	struct netlink_ext_ack extack = {};

	binding = devmem_test_bind_rx(test, t->dev, buf, rxqs, nr_rxqs,
				      t->priv, &extack);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(binding), err);
	if (msg) {
		KUNIT_ASSERT_NOT_NULL(test, extack._msg);
		KUNIT_EXPECT_NOT_NULL(test, strstr(extack._msg, msg));
	}
	KUNIT_EXPECT_TRUE(test, list_empty(&t->priv->bindings));
}

static void devmem_binding_lookup_while_bound(struct kunit *test)
{
	struct net_devmem_dmabuf_binding *binding, *found;
	struct devmem_binding_test *t = test->priv;
	static const unsigned int rxqs[] = { 1 };
	struct devmem_test_dmabuf *buf;
	u32 id;

	buf = devmem_binding_buf(test, DEVMEM_TEST_BUF_SIZE, NULL);
	binding = devmem_binding_bind(test, buf, rxqs, ARRAY_SIZE(rxqs));
	id = binding->id;

	KUNIT_EXPECT_EQ(test, atomic_read(&buf->attach), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->map), 1);
	KUNIT_EXPECT_EQ(test, devmem_test_dmabuf_refs(buf), 2);

	found = net_devmem_lookup_dmabuf(id);
	KUNIT_EXPECT_PTR_EQ(test, found, binding);
	if (found)
		net_devmem_dmabuf_binding_put(found);

	devmem_test_unbind(binding, t->priv);

	found = net_devmem_lookup_dmabuf(id);
	KUNIT_EXPECT_NULL(test, found);
	if (found)
		net_devmem_dmabuf_binding_put(found);

	devmem_binding_expect_released(test, buf);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->map), 1);
}

static void devmem_binding_pool_hands_out_net_iovs(struct kunit *test)
{
	struct devmem_binding_test *t = test->priv;
	struct net_devmem_dmabuf_binding *binding;
	static const unsigned int rxqs[] = { 2 };
	struct devmem_test_dmabuf *buf;
	struct page_pool *pool;
	struct net_iov *niov;
	netmem_ref netmem;

	buf = devmem_binding_buf(test, DEVMEM_TEST_BUF_SIZE, NULL);
	binding = devmem_binding_bind(test, buf, rxqs, ARRAY_SIZE(rxqs));

	KUNIT_EXPECT_NULL(test, devmem_binding_pool(test, 0)->mp_priv);
	pool = devmem_binding_pool(test, 2);
	KUNIT_EXPECT_PTR_EQ(test, pool->mp_priv, (void *)binding);

	netmem = page_pool_alloc_netmems(pool, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, netmem);
	KUNIT_ASSERT_TRUE(test, netmem_is_net_iov(netmem));
	niov = netmem_to_net_iov(netmem);
	KUNIT_EXPECT_PTR_EQ(test, net_devmem_iov_binding(niov), binding);
	KUNIT_EXPECT_LT(test, net_iov_virtual_addr(niov), buf->size);
	page_pool_put_full_netmem(pool, netmem, false);

	devmem_test_unbind(binding, t->priv);

	pool = devmem_binding_pool(test, 2);
	KUNIT_EXPECT_NULL(test, pool->mp_ops);
	KUNIT_EXPECT_NULL(test, pool->mp_priv);
	KUNIT_EXPECT_FALSE(test, netif_rxq_has_unreadable_mp(t->dev, 2));

	devmem_binding_expect_released(test, buf);
}

static void devmem_binding_net_iovs_cover_dmabuf(struct kunit *test)
{
	static const size_t sg_lens[] = {
		2 * PAGE_SIZE, PAGE_SIZE, 3 * PAGE_SIZE,
	};
	const struct devmem_test_dmabuf_layout layout = {
		.sg_lens	= sg_lens,
		.nr_sg		= ARRAY_SIZE(sg_lens),
	};
	struct devmem_binding_test *t = test->priv;
	struct net_devmem_dmabuf_binding *binding;
	static const unsigned int rxqs[] = { 0 };
	struct devmem_test_dmabuf *buf;
	netmem_ref netmems[6], extra;
	unsigned long seen = 0;
	struct page_pool *pool;
	unsigned long off;
	unsigned int i;

	buf = devmem_binding_buf(test, ARRAY_SIZE(netmems) * PAGE_SIZE,
				 &layout);
	binding = devmem_binding_bind(test, buf, rxqs, ARRAY_SIZE(rxqs));
	pool = devmem_binding_pool(test, 0);

	for (i = 0; i < ARRAY_SIZE(netmems); i++) {
		netmems[i] = page_pool_alloc_netmems(pool, GFP_KERNEL);
		KUNIT_ASSERT_TRUE(test, netmems[i]);
		KUNIT_ASSERT_TRUE(test, netmem_is_net_iov(netmems[i]));
		off = net_iov_virtual_addr(netmem_to_net_iov(netmems[i]));
		KUNIT_ASSERT_LT(test, off, buf->size);
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED(off, PAGE_SIZE));
		seen |= BIT(off / PAGE_SIZE);
	}
	KUNIT_EXPECT_EQ(test, seen, GENMASK(ARRAY_SIZE(netmems) - 1, 0));

	/* Every net_iov of every sg entry is out: the pool is dry. */
	extra = page_pool_alloc_netmems(pool, GFP_KERNEL);
	KUNIT_EXPECT_FALSE(test, extra);
	if (extra)
		page_pool_put_full_netmem(pool, extra, false);

	for (i = 0; i < ARRAY_SIZE(netmems); i++)
		page_pool_put_full_netmem(pool, netmems[i], false);

	devmem_test_unbind(binding, t->priv);
	devmem_binding_expect_released(test, buf);
}

static void devmem_binding_freed_after_last_net_iov(struct kunit *test)
{
	struct devmem_binding_test *t = test->priv;
	struct net_devmem_dmabuf_binding *binding;
	static const unsigned int rxqs[] = { 0 };
	struct devmem_test_dmabuf *buf;
	struct page_pool *pool;
	netmem_ref netmem;

	buf = devmem_binding_buf(test, DEVMEM_TEST_BUF_SIZE, NULL);
	binding = devmem_binding_bind(test, buf, rxqs, ARRAY_SIZE(rxqs));
	pool = devmem_binding_pool(test, 0);

	netmem = page_pool_alloc_netmems(pool, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, netmem);

	/* The old pool outlives the unbind while the net_iov is out. */
	devmem_test_unbind(binding, t->priv);
	rcu_barrier();

	KUNIT_EXPECT_FALSE(test, percpu_ref_is_zero(&binding->ref));
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->unmap), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->detach), 0);
	KUNIT_EXPECT_EQ(test, devmem_test_dmabuf_refs(buf), 2);

	page_pool_put_full_netmem(pool, netmem, false);

	devmem_binding_expect_released(test, buf);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->unmap), 1);
	KUNIT_EXPECT_TRUE(test,
			  buf->detach_work == __net_devmem_dmabuf_binding_free);
}

static void devmem_binding_tx_frag_ref_outlives_unbind(struct kunit *test)
{
	struct net_devmem_dmabuf_binding *binding, *found;
	struct devmem_binding_test *t = test->priv;
	struct devmem_test_dmabuf *buf;
	struct net_iov *niov;
	netmem_ref netmem;
	size_t off, size;

	buf = devmem_binding_buf(test, 4 * PAGE_SIZE, NULL);
	binding = devmem_test_bind_tx(test, t->dev, buf, t->priv, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, binding);

	/* sendmsg: look the binding up, ref each frag, drop the lookup ref */
	found = net_devmem_lookup_dmabuf(binding->id);
	KUNIT_ASSERT_PTR_EQ(test, found, binding);
	niov = net_devmem_get_niov_at(binding, 0, &off, &size);
	KUNIT_ASSERT_NOT_NULL(test, niov);
	netmem = net_iov_to_netmem(niov);
	get_netmem(netmem);
	net_devmem_dmabuf_binding_put(found);

	devmem_test_unbind(binding, t->priv);
	rcu_barrier();

	/* A clone of the skb refs the frag after the unbind killed the ref,
	 * then the original skb is freed.
	 */
	get_netmem(netmem);
	put_netmem(netmem);

	KUNIT_EXPECT_FALSE(test, percpu_ref_is_zero(&binding->ref));
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->unmap), 0);
	KUNIT_EXPECT_EQ(test, devmem_test_dmabuf_refs(buf), 2);

	put_netmem(netmem);

	devmem_binding_expect_released(test, buf);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->unmap), 1);
	KUNIT_EXPECT_TRUE(test,
			  buf->detach_work == __net_devmem_dmabuf_binding_free);
}

static void devmem_binding_misaligned_sg_fails(struct kunit *test)
{
	static const size_t sg_lens[] = { PAGE_SIZE, 2 * PAGE_SIZE };
	const struct devmem_test_dmabuf_layout layout = {
		.sg_lens	= sg_lens,
		.nr_sg		= ARRAY_SIZE(sg_lens),
		.misaligned	= true,
	};
	struct devmem_binding_test *t = test->priv;
	static const unsigned int rxqs[] = { 0 };
	struct devmem_test_dmabuf *buf;

	buf = devmem_binding_buf(test, 3 * PAGE_SIZE, &layout);
	devmem_binding_expect_bind_fails(test, buf, rxqs, ARRAY_SIZE(rxqs),
					 -EINVAL, "not aligned");

	KUNIT_EXPECT_EQ(test, atomic_read(&buf->map), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->unmap), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->attach), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->detach), 1);
	KUNIT_EXPECT_EQ(test, devmem_test_dmabuf_refs(buf), 1);
	KUNIT_EXPECT_FALSE(test, netif_rxq_has_unreadable_mp(t->dev, 0));
}

static void devmem_binding_map_failure_fails(struct kunit *test)
{
	const struct devmem_test_dmabuf_layout layout = {
		.map_err	= -EIO,
	};
	static const unsigned int rxqs[] = { 0 };
	struct devmem_test_dmabuf *buf;

	buf = devmem_binding_buf(test, DEVMEM_TEST_BUF_SIZE, &layout);
	devmem_binding_expect_bind_fails(test, buf, rxqs, ARRAY_SIZE(rxqs),
					 -EIO, "Failed to map");

	KUNIT_EXPECT_EQ(test, atomic_read(&buf->map), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->attach), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->detach), 1);
	KUNIT_EXPECT_EQ(test, devmem_test_dmabuf_refs(buf), 1);
}

/* A failure on a later queue unbinds the queues already bound. */
static void devmem_binding_rxq_without_hds_fails(struct kunit *test)
{
	static const unsigned int rxqs[] = { 0, 3 };
	struct devmem_binding_test *t = test->priv;
	struct devmem_test_dmabuf *buf;

	devmem_test_netdev_set_rxq_hds(t->dev, 3, false);

	buf = devmem_binding_buf(test, DEVMEM_TEST_BUF_SIZE, NULL);
	devmem_binding_expect_bind_fails(test, buf, rxqs, ARRAY_SIZE(rxqs),
					 -ENODATA, NULL);

	KUNIT_EXPECT_FALSE(test, netif_rxq_has_unreadable_mp(t->dev, 0));
	KUNIT_EXPECT_FALSE(test, netif_rxq_has_unreadable_mp(t->dev, 3));
	KUNIT_EXPECT_NULL(test, devmem_binding_pool(test, 0)->mp_ops);
	KUNIT_EXPECT_NULL(test, devmem_binding_pool(test, 3)->mp_ops);

	devmem_binding_expect_released(test, buf);
}

static void devmem_binding_device_without_hds_fails(struct kunit *test)
{
	struct devmem_binding_test *t = test->priv;
	static const unsigned int rxqs[] = { 0 };
	struct devmem_test_dmabuf *buf;

	netdev_lock(t->dev);
	t->dev->cfg->hds_config = ETHTOOL_TCP_DATA_SPLIT_DISABLED;
	netdev_unlock(t->dev);

	buf = devmem_binding_buf(test, DEVMEM_TEST_BUF_SIZE, NULL);
	devmem_binding_expect_bind_fails(test, buf, rxqs, ARRAY_SIZE(rxqs),
					 -EINVAL, "tcp-data-split is disabled");

	devmem_binding_expect_released(test, buf);
}

static void devmem_binding_rxq_out_of_range_fails(struct kunit *test)
{
	static const unsigned int rxqs[] = { 1, DEVMEM_TEST_NUM_RXQ };
	struct devmem_binding_test *t = test->priv;
	struct devmem_test_dmabuf *buf;

	buf = devmem_binding_buf(test, DEVMEM_TEST_BUF_SIZE, NULL);
	devmem_binding_expect_bind_fails(test, buf, rxqs, ARRAY_SIZE(rxqs),
					 -ERANGE, "out of range");
	KUNIT_EXPECT_FALSE(test, netif_rxq_has_unreadable_mp(t->dev, 1));

	devmem_binding_expect_released(test, buf);
}

static void devmem_binding_rxq_already_bound_fails(struct kunit *test)
{
	struct devmem_binding_test *t = test->priv;
	struct net_devmem_dmabuf_binding *binding;
	static const unsigned int rxqs[] = { 2 };
	struct devmem_test_dmabuf *buf, *buf2;
	struct netlink_ext_ack extack = {};

	buf = devmem_binding_buf(test, DEVMEM_TEST_BUF_SIZE, NULL);
	buf2 = devmem_binding_buf(test, DEVMEM_TEST_BUF_SIZE, NULL);
	binding = devmem_binding_bind(test, buf, rxqs, ARRAY_SIZE(rxqs));

	KUNIT_EXPECT_EQ(test,
			PTR_ERR_OR_ZERO(devmem_test_bind_rx(test, t->dev, buf2,
							    rxqs,
							    ARRAY_SIZE(rxqs),
							    t->priv, &extack)),
			-EEXIST);
	KUNIT_EXPECT_PTR_EQ(test, devmem_binding_pool(test, 2)->mp_priv,
			    (void *)binding);
	devmem_binding_expect_released(test, buf2);

	devmem_test_unbind(binding, t->priv);
	devmem_binding_expect_released(test, buf);
}

static void devmem_binding_socket_close_unbinds(struct kunit *test)
{
	struct net_devmem_dmabuf_binding *binding, *binding2;
	static const unsigned int rxqs[] = { 0, 1 };
	struct devmem_binding_test *t = test->priv;
	static const unsigned int rxqs2[] = { 3 };
	struct devmem_test_dmabuf *buf, *buf2;
	u32 id, id2;

	buf = devmem_binding_buf(test, DEVMEM_TEST_BUF_SIZE, NULL);
	buf2 = devmem_binding_buf(test, DEVMEM_TEST_BUF_SIZE, NULL);
	binding = devmem_binding_bind(test, buf, rxqs, ARRAY_SIZE(rxqs));
	binding2 = devmem_binding_bind(test, buf2, rxqs2, ARRAY_SIZE(rxqs2));
	id = binding->id;
	id2 = binding2->id;
	KUNIT_EXPECT_NE(test, id, id2);

	devmem_test_close_nl_sock(test, t->priv);

	KUNIT_EXPECT_NULL(test, net_devmem_lookup_dmabuf(id));
	KUNIT_EXPECT_NULL(test, net_devmem_lookup_dmabuf(id2));
	KUNIT_EXPECT_FALSE(test, netif_rxq_has_unreadable_mp(t->dev, 0));
	KUNIT_EXPECT_FALSE(test, netif_rxq_has_unreadable_mp(t->dev, 1));
	KUNIT_EXPECT_FALSE(test, netif_rxq_has_unreadable_mp(t->dev, 3));

	devmem_binding_expect_released(test, buf);
	devmem_binding_expect_released(test, buf2);
	KUNIT_EXPECT_TRUE(test,
			  buf->detach_work == __net_devmem_dmabuf_binding_free);
}

static void devmem_binding_socket_close_after_unregister(struct kunit *test)
{
	struct devmem_binding_test *t = test->priv;
	struct net_devmem_dmabuf_binding *binding;
	static const unsigned int rxqs[] = { 0 };
	struct devmem_test_dmabuf *buf;

	buf = devmem_binding_buf(test, DEVMEM_TEST_BUF_SIZE, NULL);
	binding = devmem_binding_bind(test, buf, rxqs, ARRAY_SIZE(rxqs));

	devmem_test_netdev_unregister(test, t->dev);

	/* The binding stays listed in the socket but no longer has a device */
	KUNIT_EXPECT_FALSE(test, list_empty(&t->priv->bindings));
	KUNIT_EXPECT_NULL(test, READ_ONCE(binding->dev));
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->unmap), 0);

	devmem_test_close_nl_sock(test, t->priv);
	devmem_binding_expect_released(test, buf);
}

static void devmem_binding_netlink_close_unbinds(struct kunit *test)
{
	static const unsigned int rxqs[] = { 1, 2 };
	struct devmem_binding_test *t = test->priv;
	struct net_devmem_dmabuf_binding *found;
	struct devmem_test_dmabuf *buf;
	struct socket *sock;
	u32 id = 0;

	buf = devmem_binding_buf(test, DEVMEM_TEST_BUF_SIZE, NULL);
	sock = devmem_test_nl_socket_create(test);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sock);

	KUNIT_ASSERT_EQ(test, devmem_test_nl_bind_rx(test, sock, t->dev, buf,
						     rxqs, ARRAY_SIZE(rxqs),
						     &id), 0);
	found = net_devmem_lookup_dmabuf(id);
	KUNIT_ASSERT_NOT_NULL(test, found);
	KUNIT_EXPECT_PTR_EQ(test, devmem_binding_pool(test, 1)->mp_priv,
			    (void *)found);
	KUNIT_EXPECT_PTR_EQ(test, devmem_binding_pool(test, 2)->mp_priv,
			    (void *)found);
	net_devmem_dmabuf_binding_put(found);

	devmem_test_nl_socket_close(test, sock);

	devmem_binding_expect_released(test, buf);
	KUNIT_EXPECT_NULL(test, net_devmem_lookup_dmabuf(id));
	KUNIT_EXPECT_FALSE(test, netif_rxq_has_unreadable_mp(t->dev, 1));
	KUNIT_EXPECT_FALSE(test, netif_rxq_has_unreadable_mp(t->dev, 2));
}

static struct kunit_case devmem_binding_test_cases[] = {
	KUNIT_CASE(devmem_binding_lookup_while_bound),
	KUNIT_CASE(devmem_binding_pool_hands_out_net_iovs),
	KUNIT_CASE(devmem_binding_net_iovs_cover_dmabuf),
	KUNIT_CASE(devmem_binding_freed_after_last_net_iov),
	KUNIT_CASE(devmem_binding_tx_frag_ref_outlives_unbind),
	KUNIT_CASE(devmem_binding_misaligned_sg_fails),
	KUNIT_CASE(devmem_binding_map_failure_fails),
	KUNIT_CASE(devmem_binding_rxq_without_hds_fails),
	KUNIT_CASE(devmem_binding_device_without_hds_fails),
	KUNIT_CASE(devmem_binding_rxq_out_of_range_fails),
	KUNIT_CASE(devmem_binding_rxq_already_bound_fails),
	KUNIT_CASE(devmem_binding_socket_close_unbinds),
	KUNIT_CASE(devmem_binding_socket_close_after_unregister),
	KUNIT_CASE(devmem_binding_netlink_close_unbinds),
	{}
};

static struct kunit_suite devmem_binding_test_suite = {
	.name = "devmem_binding",
	.init = devmem_binding_test_init,
	.test_cases = devmem_binding_test_cases,
};

kunit_test_suite(devmem_binding_test_suite);
