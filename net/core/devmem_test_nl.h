/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Netlink client for the devmem KUnit tests: netdev netlink requests as
 * ncdevmem sends them, and rtnetlink requests as ip(8) sends them.
 */
#ifndef _NET_CORE_DEVMEM_TEST_NL_H
#define _NET_CORE_DEVMEM_TEST_NL_H

#include <linux/types.h>

struct devmem_test_dmabuf;
struct kunit;
struct net;
struct net_device;
struct sk_buff;
struct socket;

#define DEVMEM_TEST_EXTACK_LEN	128

/**
 * struct devmem_test_nl - a netlink socket of the test
 * @sock: the socket; it has a file, like a user's
 * @family: netdev generic netlink family id, 0 on an rtnetlink socket
 * @seq: sequence number of the last request
 * @extack: extack message of the last reply, "" if it had none
 */
struct devmem_test_nl {
	struct socket *sock;
	u16 family;
	u32 seq;
	char extack[DEVMEM_TEST_EXTACK_LEN];
};

struct devmem_test_nl *devmem_test_nl_open(struct kunit *test, struct net *net);
struct devmem_test_nl *devmem_test_rtnl_open(struct kunit *test,
					     struct net *net);
int devmem_test_nl_set_rings(struct kunit *test, struct net_device *dev,
			     u8 tcp_data_split, u32 hds_thresh, char *extack);
int devmem_test_nl_set_rx_ring(struct kunit *test, struct net_device *dev,
			       u32 rx);
int devmem_test_rtnl_set_up(struct devmem_test_nl *rtnl,
			    struct net_device *dev, bool up);
int devmem_test_nl_fill_rcvbuf(struct devmem_test_nl *nl,
			       struct net_device *dev);
int devmem_test_nl_drain(struct devmem_test_nl *nl);
void devmem_test_nl_close(struct kunit *test, struct devmem_test_nl *nl);
int devmem_test_nl_request(struct devmem_test_nl *nl, struct sk_buff *msg,
			   int attr, u32 *val);
int devmem_test_nl_bind_rx(struct devmem_test_nl *nl, struct net_device *dev,
			   struct devmem_test_dmabuf *buf,
			   const unsigned int *rxqs, unsigned int nr_rxqs,
			   u32 *id);
int devmem_test_nl_bind_tx(struct devmem_test_nl *nl, struct net_device *dev,
			   struct devmem_test_dmabuf *buf, u32 *id);
int devmem_test_nl_pp_in_flight(struct devmem_test_nl *nl, u32 id,
				u64 *in_flight);
int devmem_test_nl_queue_dmabuf(struct devmem_test_nl *nl,
				struct net_device *dev, unsigned int rxq_idx,
				u32 *id);

#endif /* _NET_CORE_DEVMEM_TEST_NL_H */
