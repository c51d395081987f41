/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fake NIC for the devmem KUnit tests: queue management ops, header split,
 * one page pool per RX queue tied to its NAPI instance, and NAPI receive.
 */
#ifndef _NET_CORE_DEVMEM_TEST_NIC_H
#define _NET_CORE_DEVMEM_TEST_NIC_H

#include <linux/types.h>

struct device;
struct kunit;
struct net;
struct net_device;
struct page_pool;

#define DEVMEM_TEST_NUM_RXQ	4
/* Size of an RX payload buffer: a net_iov holds four, so payload lands at
 * non-zero offsets inside net_iovs and a full-sized segment spans two.
 */
#define DEVMEM_TEST_RX_BUF_LEN	1024
#define DEVMEM_TEST_MTU		1500

struct net_device *devmem_test_nic_create(struct kunit *test, struct net *net);
int devmem_test_nic_create_pair(struct kunit *test, struct net *net[2],
				struct net_device *dev[2]);
void devmem_test_nic_unregister(struct kunit *test, struct net_device *dev);
int devmem_test_run_napi(struct kunit *test);
/**
 * struct devmem_test_rxq_cfg - hardware properties of an RX queue
 * @no_hds: the payload ring does not split the header off, so its page
 *	pool cannot take unreadable net_iovs
 * @split_at: if not 0, the queue splits each frame at this offset rather
 *	than at the end of the headers, as a NIC that cannot split at the
 *	header boundary, so that some payload lands in host memory (see
 *	SCM_DEVMEM_LINEAR in Documentation/networking/devmem.rst)
 * @no_gro: the queue hands each frame to the stack on its own
 *	(netif_receive_skb()), as a driver without GRO does, so TCP, not
 *	GRO, coalesces segments
 * @dma_dev: the queue's DMA device, reported by ndo_queue_get_dma_dev(),
 *	as on a NIC whose queues sit behind different functions; NULL for
 *	the NIC's own
 */
struct devmem_test_rxq_cfg {
	bool no_hds;
	unsigned int split_at;
	bool no_gro;
	struct device *dma_dev;
};

void devmem_test_nic_set_rxq(struct net_device *dev, unsigned int rxq_idx,
			     const struct devmem_test_rxq_cfg *cfg);
void devmem_test_nic_steer(struct net_device *dev, unsigned int rxq_idx);
struct page_pool *devmem_test_nic_rxq_pool(struct net_device *dev,
					   unsigned int rxq_idx);

#endif /* _NET_CORE_DEVMEM_TEST_NIC_H */
