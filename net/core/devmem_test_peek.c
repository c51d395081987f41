// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The one place where the devmem KUnit tests read devmem state directly.
 * Everything else they check through what user space or a driver sees:
 * netlink replies, socket calls, the mock exporter's counters. What is read
 * here has no such interface, and each reader says why it is needed.
 */

#include <linux/genalloc.h>
#include <linux/net.h>
#include <linux/overflow.h>
#include <net/page_pool/types.h>
#include <net/sock.h>

#include "devmem.h"
#include "devmem_test.h"

/**
 * devmem_test_peek_binding() - the binding behind a bound queue's page pool
 * @pool: the page pool of an RX queue bound to a dma-buf
 *
 * Netlink names a queue's binding by id only; the pool's memory provider
 * state is the binding itself.
 *
 * Return: the binding, for devmem_test_peek_niovs_out().
 */
const struct net_devmem_dmabuf_binding *
devmem_test_peek_binding(const struct page_pool *pool)
{
	return pool->mp_priv;
}

/**
 * devmem_test_peek_niovs_out() - net_iovs a binding has handed out
 * @binding: from devmem_test_peek_binding(), and still alive
 *
 * The memory provider's side of the page pool accounting: the net_iovs
 * allocated from the binding's genpool and not given back. Netlink reports
 * the page pools' side (their in-flight count) but nothing reports this
 * one, and the two must agree whatever path a net_iov takes back.
 *
 * Return: the number of net_iovs out.
 */
size_t
devmem_test_peek_niovs_out(const struct net_devmem_dmabuf_binding *binding)
{
	struct gen_pool *gp = binding->chunk_pool;

	return (gen_pool_size(gp) - gen_pool_avail(gp)) >> binding->niov_shift;
}

/**
 * devmem_test_peek_token_bytes() - memory a socket holds for its RX tokens
 * @sock: a TCP socket
 *
 * The size of the socket's token table and of its chunks. They are charged
 * to the socket's memcg with the rest of its kernel memory, where a test
 * cannot tell them apart, and no socket option reports them.
 *
 * Return: bytes of the table, 0 if the socket has none.
 */
size_t devmem_test_peek_token_bytes(struct socket *sock)
{
	const struct net_devmem_tokens *tokens = sock->sk->sk_user_frags.table;

	if (!tokens)
		return 0;
	return struct_size(tokens, chunk, tokens->size) +
	       tokens->nr * sizeof(*tokens->chunk[0]);
}
