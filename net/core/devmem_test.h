/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * KUnit harness for devmem TCP, one file per fake:
 *  - devmem_test_dmabuf.c, a mock dma-buf exporter;
 *  - devmem_test_nic.c, a fake NIC with queue management ops, header split
 *    and NAPI receive;
 *  - devmem_test_nl.c, a netdev netlink (and rtnetlink) client;
 *  - devmem_test_sock.c, network namespaces and the socket calls of a
 *    devmem user.
 * Every helper takes the running test and registers its own cleanup.
 */
#ifndef _NET_CORE_DEVMEM_TEST_H
#define _NET_CORE_DEVMEM_TEST_H

#include <linux/jiffies.h>

/* How long any case waits for something to happen. */
#define DEVMEM_TEST_TIMEOUT	(10 * HZ)

#include "devmem_test_dmabuf.h"
#include "devmem_test_nic.h"
#include "devmem_test_nl.h"
#include "devmem_test_sock.h"

#endif /* _NET_CORE_DEVMEM_TEST_H */
