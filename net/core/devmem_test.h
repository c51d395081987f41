/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * KUnit harness for devmem TCP, one file per fake:
 *  - devmem_test_dmabuf.c, a mock dma-buf exporter;
 *  - devmem_test_nic.c, a fake NIC with queue management ops, header split
 *    and NAPI receive;
 *  - devmem_test_nl.c, a netdev netlink (and rtnetlink) client;
 *  - devmem_test_sock.c, network namespaces and the socket calls of a
 *    devmem user;
 *  - devmem_test_peek.c, the one place that reads devmem state directly,
 *    where no interface shows it.
 * Every helper takes the running test and registers its own cleanup.
 */
#ifndef _NET_CORE_DEVMEM_TEST_H
#define _NET_CORE_DEVMEM_TEST_H

#include <linux/jiffies.h>
#include <linux/types.h>

struct net_devmem_dmabuf_binding;
struct page_pool;
struct socket;

/* How long any case waits for something to happen. */
#define DEVMEM_TEST_TIMEOUT	(10 * HZ)

#include "devmem_test_dmabuf.h"
#include "devmem_test_nic.h"
#include "devmem_test_nl.h"
#include "devmem_test_sock.h"

const struct net_devmem_dmabuf_binding *
devmem_test_peek_binding(const struct page_pool *pool);
size_t
devmem_test_peek_niovs_out(const struct net_devmem_dmabuf_binding *binding);
size_t devmem_test_peek_token_bytes(struct socket *sock);

#endif /* _NET_CORE_DEVMEM_TEST_H */
