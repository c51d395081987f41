// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * KUnit suite of randomized input to devmem's unprivileged surfaces:
 * SO_DEVMEM_DONTNEED on every kind of socket, NETDEV_CMD_BIND_RX and
 * NETDEV_CMD_BIND_TX with random attribute sets, devmem sendmsg() with random
 * SCM_DEVMEM_DMABUF ids and ranges, and recvmsg(MSG_SOCK_DEVMEM) with random
 * lengths and cmsg room. A model of what user space was handed predicts the
 * return of every DONTNEED call; the invariants below are checked after
 * every operation, while the sockets are open. The PRNG is seeded from the
 * module parameter fuzz_seed (devmem_kunit.fuzz_seed= on the command line)
 * or at random, and the seed is printed, so that a failure reproduces.
 */

#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/dma-buf.h>
#include <linux/errno.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/jhash.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/socket.h>
#include <linux/uio.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <uapi/linux/netdev.h>

#include "devmem_test.h"

static ulong devmem_fuzz_seed;
module_param_named(fuzz_seed, devmem_fuzz_seed, ulong, 0444);
MODULE_PARM_DESC(fuzz_seed, "seed of the devmem_fuzz suite, 0 for a random one");

static uint devmem_fuzz_nr_ops = 100000;
module_param_named(fuzz_ops, devmem_fuzz_nr_ops, uint, 0444);
MODULE_PARM_DESC(fuzz_ops, "operations of the devmem_fuzz suite");

#define DEVMEM_FUZZ_RX_SIZE	SZ_4M
#define DEVMEM_FUZZ_TX_SIZE	SZ_64K
#define DEVMEM_FUZZ_BIND_SIZE	SZ_256K
#define DEVMEM_FUZZ_RXQ		1
/* Tokens the model tracks: a token is below the most frags held at once
 * plus PAGE_SIZE / sizeof(long), and a socket holds at most
 * DEVMEM_FUZZ_HELD plus one recvmsg() of frags.
 */
#define DEVMEM_FUZZ_TOKENS	4096
#define DEVMEM_FUZZ_HELD	512
#define DEVMEM_FUZZ_MAX_FRAGS	128
#define DEVMEM_FUZZ_RECV_LEN	SZ_64K
/* Bytes sent and not yet received, per connection. */
#define DEVMEM_FUZZ_RING	SZ_64K
#define DEVMEM_FUZZ_PENDING	SZ_32K
#define DEVMEM_FUZZ_SEND_LEN	SZ_8K
/* Entries in one random SO_DEVMEM_DONTNEED call, some over the limit. */
#define DEVMEM_FUZZ_ENTRIES	(DEVMEM_TEST_DONTNEED_MAX + 72)
/* How often the page pool accounting is checked: it waits for the flows
 * to go quiet.
 */
#define DEVMEM_FUZZ_POOL_EVERY	1024
#define DEVMEM_FUZZ_ERRNOS	512

enum {
	DEVMEM_FUZZ_UDP,
	DEVMEM_FUZZ_RAW,
	DEVMEM_FUZZ_PACKET,
	DEVMEM_FUZZ_LISTEN,
	DEVMEM_FUZZ_NR_OTHER,
};

/* One connection: what was sent and not received, and what its receiving
 * socket holds as user space knows it.
 */
struct devmem_fuzz_conn {
	struct devmem_test_conn *conn;
	u8 *ring;
	u64 sent;
	u64 rcvd;
	bool peer_open;
	unsigned long *held;
	unsigned long *seen;
	u32 *hash;
	u32 *off;
	u32 *len;
	unsigned int nr_held;
	/* One past the highest token handed out. */
	u32 hi;
};

struct devmem_fuzz {
	struct kunit *test;
	struct rnd_state rnd;
	struct devmem_test_fixture *f;
	/* netdev netlink sockets of the two namespaces, for the random binds:
	 * closed and reopened after each bind that succeeds, which unbinds.
	 */
	struct devmem_test_nl *nlf[2];
	struct devmem_test_nl *query;
	struct devmem_test_nl *nl_tx;
	struct devmem_test_dmabuf *tx_buf;
	u32 tx_id;
	struct devmem_test_dmabuf *bind_buf[3];
	const struct net_devmem_dmabuf_binding *binding;
	struct devmem_fuzz_conn c[2];
	struct socket *other[DEVMEM_FUZZ_NR_OTHER];
	struct devmem_test_rx *rx[3];
	struct dmabuf_token *tokens;
	u8 *scratch;
	unsigned long errnos[BITS_TO_LONGS(DEVMEM_FUZZ_ERRNOS)];
	unsigned long ops;
	bool bound;
	bool dev_gone;
};

KUNIT_DEFINE_ACTION_WRAPPER(devmem_fuzz_sock_release, sock_release,
			    struct socket *);

static u32 devmem_fuzz_rand(struct devmem_fuzz *z, u32 n)
{
	return n ? prandom_u32_state(&z->rnd) % n : 0;
}

static u32 devmem_fuzz_u32(struct devmem_fuzz *z)
{
	return prandom_u32_state(&z->rnd);
}

/* A return of an operation: a count, or an errno user space may see. */
static void devmem_fuzz_ret(struct devmem_fuzz *z, long ret, const char *op)
{
	if (ret >= 0)
		return;
	KUNIT_ASSERT_LT_MSG(z->test, -ret, DEVMEM_FUZZ_ERRNOS,
			    "%s returned %ld (op %lu)", op, ret, z->ops);
	__set_bit(-ret, z->errnos);
}

static struct socket *devmem_fuzz_socket(struct kunit *test, struct net *net,
					 int family, int type, int proto)
{
	struct socket *sock;
	int err;

	err = sock_create_kern(net, family, type, proto, &sock);
	KUNIT_ASSERT_EQ(test, err, 0);
	err = kunit_add_action_or_reset(test, devmem_fuzz_sock_release, sock);
	KUNIT_ASSERT_EQ(test, err, 0);
	return sock;
}

static void devmem_fuzz_conn_init(struct kunit *test, struct devmem_fuzz *z,
				  struct devmem_fuzz_conn *c)
{
	size_t words = BITS_TO_LONGS(DEVMEM_FUZZ_TOKENS);

	c->conn = devmem_test_tcp_connect(test, z->f->pair, AF_INET, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c->conn);
	c->peer_open = true;
	c->ring = kunit_kmalloc(test, DEVMEM_FUZZ_RING, GFP_KERNEL);
	c->held = kunit_kcalloc(test, words, sizeof(long), GFP_KERNEL);
	c->seen = kunit_kcalloc(test, words, sizeof(long), GFP_KERNEL);
	c->hash = kunit_kcalloc(test, DEVMEM_FUZZ_TOKENS, sizeof(u32),
				GFP_KERNEL);
	c->off = kunit_kcalloc(test, DEVMEM_FUZZ_TOKENS, sizeof(u32),
			       GFP_KERNEL);
	c->len = kunit_kcalloc(test, DEVMEM_FUZZ_TOKENS, sizeof(u32),
			       GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, c->ring && c->held && c->seen && c->hash &&
				c->off && c->len);
}

static int devmem_fuzz_init(struct kunit *test)
{
	static const size_t odd_sg[] = { 3 * PAGE_SIZE, PAGE_SIZE,
					 DEVMEM_FUZZ_BIND_SIZE -
					 4 * PAGE_SIZE };
	const struct devmem_test_dmabuf_layout odd = {
		.sg_lens = odd_sg, .nr_sg = ARRAY_SIZE(odd_sg),
	};
	const struct devmem_test_dmabuf_layout misaligned = {
		.sg_lens = odd_sg, .nr_sg = ARRAY_SIZE(odd_sg),
		.misaligned = true,
	};
	struct devmem_test_pair *pair;
	struct devmem_fuzz *z;
	unsigned int i;
	int err;

	z = kunit_kzalloc(test, sizeof(*z), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, z);
	test->priv = z;
	z->test = test;

	z->f = devmem_test_fixture_rx(test, DEVMEM_FUZZ_RX_SIZE,
				      DEVMEM_FUZZ_RXQ);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, z->f);
	pair = z->f->pair;
	z->bound = true;
	z->binding = devmem_test_peek_binding(
		devmem_test_nic_rxq_pool(pair->dev[1], DEVMEM_FUZZ_RXQ));
	KUNIT_ASSERT_NOT_NULL(test, z->binding);

	z->query = devmem_test_nl_open(test, pair->net[1]);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, z->query);
	for (i = 0; i < 2; i++) {
		z->nlf[i] = devmem_test_nl_open(test, pair->net[i]);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, z->nlf[i]);
	}

	z->tx_buf = devmem_test_dmabuf_create(test, DEVMEM_FUZZ_TX_SIZE, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, z->tx_buf);
	get_random_bytes(z->tx_buf->vaddr, DEVMEM_FUZZ_TX_SIZE);
	z->nl_tx = devmem_test_nl_open(test, pair->net[0]);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, z->nl_tx);
	err = devmem_test_nl_bind_tx(z->nl_tx, pair->dev[0], z->tx_buf,
				     &z->tx_id);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "bind-tx: %s", z->nl_tx->extack);

	z->bind_buf[0] = devmem_test_dmabuf_create(test, DEVMEM_FUZZ_BIND_SIZE,
						   NULL);
	z->bind_buf[1] = devmem_test_dmabuf_create(test, DEVMEM_FUZZ_BIND_SIZE,
						   &odd);
	z->bind_buf[2] = devmem_test_dmabuf_create(test, DEVMEM_FUZZ_BIND_SIZE,
						   &misaligned);
	for (i = 0; i < ARRAY_SIZE(z->bind_buf); i++)
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, z->bind_buf[i]);

	for (i = 0; i < ARRAY_SIZE(z->c); i++)
		devmem_fuzz_conn_init(test, z, &z->c[i]);

	z->other[DEVMEM_FUZZ_UDP] = devmem_fuzz_socket(test, pair->net[1],
						       AF_INET, SOCK_DGRAM,
						       IPPROTO_UDP);
	z->other[DEVMEM_FUZZ_RAW] = devmem_fuzz_socket(test, pair->net[1],
						       AF_INET, SOCK_RAW,
						       IPPROTO_TCP);
	z->other[DEVMEM_FUZZ_PACKET] = devmem_fuzz_socket(test, pair->net[1],
							  AF_PACKET, SOCK_DGRAM,
							  0);
	z->other[DEVMEM_FUZZ_LISTEN] = devmem_fuzz_socket(test, pair->net[1],
							  AF_INET, SOCK_STREAM,
							  IPPROTO_TCP);
	KUNIT_ASSERT_EQ(test, kernel_listen(z->other[DEVMEM_FUZZ_LISTEN], 1),
			0);

	z->rx[0] = devmem_test_rx_create(test, 1, DEVMEM_FUZZ_RECV_LEN);
	z->rx[1] = devmem_test_rx_create(test, 8, DEVMEM_FUZZ_RECV_LEN);
	z->rx[2] = devmem_test_rx_create(test, DEVMEM_FUZZ_MAX_FRAGS,
					 DEVMEM_FUZZ_RECV_LEN);
	for (i = 0; i < ARRAY_SIZE(z->rx); i++)
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, z->rx[i]);
	z->tokens = kunit_kcalloc(test, DEVMEM_FUZZ_ENTRIES,
				  sizeof(*z->tokens), GFP_KERNEL);
	z->scratch = kunit_kmalloc(test, DEVMEM_FUZZ_SEND_LEN, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, z->tokens && z->scratch);
	return 0;
}

/* Bytes of the stream of @c from @pos, as sent. */
static void devmem_fuzz_expect(struct kunit *test, struct devmem_fuzz_conn *c,
			       const u8 *got, u64 pos, size_t len,
			       const char *what)
{
	size_t i;

	KUNIT_ASSERT_LE_MSG(test, pos + len, c->sent, "%s past the stream",
			    what);
	for (i = 0; i < len; i++) {
		u8 want = c->ring[(pos + i) & (DEVMEM_FUZZ_RING - 1)];

		if (got[i] != want)
			KUNIT_FAIL_AND_ABORT(test,
					     "%s: stream byte %llu is %#x, not %#x",
					     what, pos + i, got[i], want);
	}
}

static void devmem_fuzz_sent(struct devmem_fuzz_conn *c, const u8 *data,
			     size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		c->ring[(c->sent + i) & (DEVMEM_FUZZ_RING - 1)] = data[i];
	c->sent += len;
}

static size_t devmem_fuzz_room(struct devmem_fuzz_conn *c)
{
	return DEVMEM_FUZZ_PENDING - (c->sent - c->rcvd);
}

static void devmem_fuzz_send_plain(struct devmem_fuzz *z,
				   struct devmem_fuzz_conn *c)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
	struct kvec iov = { .iov_base = z->scratch };
	int ret;

	iov.iov_len = min(devmem_fuzz_rand(z, DEVMEM_FUZZ_SEND_LEN) + 1,
			  devmem_fuzz_room(c));
	if (!c->peer_open || !iov.iov_len || z->dev_gone)
		return;
	prandom_bytes_state(&z->rnd, z->scratch, iov.iov_len);
	ret = kernel_sendmsg(c->conn->tx, &msg, &iov, 1, iov.iov_len);
	devmem_fuzz_ret(z, ret, "send");
	if (ret > 0)
		devmem_fuzz_sent(c, z->scratch, ret);
	else
		KUNIT_ASSERT_EQ(z->test, ret, -EAGAIN);
}

/* Zerocopy completions of devmem TX queue up on the error queue; read them
 * as a devmem TX user does, or the socket runs out of option memory.
 */
static void devmem_fuzz_errqueue(struct socket *sock)
{
	u8 control[128];
	struct msghdr msg;
	struct kvec iov;
	int ret;

	do {
		msg = (struct msghdr){
			.msg_control = control,
			.msg_controllen = sizeof(control),
		};
		iov = (struct kvec){};
		ret = kernel_recvmsg(sock, &msg, &iov, 0, 0,
				     MSG_ERRQUEUE | MSG_DONTWAIT);
	} while (ret >= 0);
}

static void devmem_fuzz_send_devmem(struct devmem_fuzz *z)
{
	struct devmem_fuzz_conn *c = &z->c[0];
	struct socket *sock = c->conn->tx;
	size_t room = devmem_fuzz_room(c);
	bool valid, zc, other_dev;
	size_t offset, len;
	u32 pick, id;
	int ret;

	pick = devmem_fuzz_rand(z, 100);
	/* Never 0: SCM_DEVMEM_DMABUF 0 is no binding, a plain send from
	 * user memory at the offset, and a kernel thread has no user memory.
	 */
	id = pick < 70 ? z->tx_id : pick < 85 ? z->f->id :
	     devmem_fuzz_u32(z) | 1;
	zc = devmem_fuzz_rand(z, 100) < 85;
	pick = devmem_fuzz_rand(z, 100);
	if (pick < 75)
		offset = devmem_fuzz_rand(z, DEVMEM_FUZZ_TX_SIZE);
	else if (pick < 85)
		offset = DEVMEM_FUZZ_TX_SIZE - devmem_fuzz_rand(z, SZ_4K);
	else if (pick < 95)
		offset = DEVMEM_FUZZ_TX_SIZE + devmem_fuzz_rand(z, SZ_1M);
	else
		offset = (size_t)-1 - devmem_fuzz_rand(z, SZ_64K);
	len = devmem_fuzz_rand(z, 100) < 3 ? 0 :
	      devmem_fuzz_rand(z, DEVMEM_FUZZ_SEND_LEN) + 1;
	/* From the receiving socket: routed through the other device. */
	other_dev = devmem_fuzz_rand(z, 100) < 10;
	if (other_dev)
		sock = c->conn->rx;
	else if (!c->peer_open || z->dev_gone)
		return;
	if (!other_dev && len > room)
		len = room;
	if (!other_dev && !len && !room)
		return;

	/* A range that runs past the dma-buf sends what is inside it. */
	valid = !other_dev && id == z->tx_id && zc && len &&
		offset < DEVMEM_FUZZ_TX_SIZE;
	ret = devmem_test_sendmsg_devmem(sock, id, offset, len,
					 zc ? MSG_ZEROCOPY : 0);
	devmem_fuzz_ret(z, ret, "devmem sendmsg");
	devmem_fuzz_errqueue(sock);
	if (!valid) {
		/* Nothing is sent that the binding does not back. */
		KUNIT_ASSERT_LE_MSG(z->test, ret, 0,
				    "id %u offset %zu len %zu zc %d other %d",
				    id, offset, len, zc, other_dev);
		return;
	}
	if (ret > 0) {
		KUNIT_ASSERT_LE(z->test, (size_t)ret,
				min(len, DEVMEM_FUZZ_TX_SIZE - offset));
		devmem_fuzz_sent(c, devmem_test_dmabuf_vaddr(z->tx_buf,
							     offset), ret);
	} else {
		KUNIT_ASSERT_TRUE_MSG(z->test, ret == -EAGAIN ||
					       ret == -ENOBUFS,
				      "devmem sendmsg: %d", ret);
	}
}

static u32 devmem_fuzz_frag_hash(struct devmem_fuzz *z, u32 off, u32 len)
{
	return jhash(devmem_test_dmabuf_vaddr(z->f->buf, off), len, 0);
}

/* What one recvmsg() returned: check it against the stream and the model,
 * and take its tokens into the model.
 */
static void devmem_fuzz_received(struct devmem_fuzz *z,
				 struct devmem_fuzz_conn *c,
				 struct devmem_test_rx *rx, int ret)
{
	struct kunit *test = z->test;
	size_t linear = 0, got = 0;
	unsigned int i;

	if (!rx->nr_frags) {
		/* Plain data, in the buffer. */
		devmem_fuzz_expect(test, c, rx->buf, c->rcvd, ret, "plain");
		c->rcvd += ret;
		return;
	}

	for (i = 0; i < rx->nr_frags; i++) {
		struct dmabuf_cmsg *cm = &rx->frags[i].cmsg;
		u32 token = cm->frag_token;

		if (rx->frags[i].linear) {
			devmem_fuzz_expect(test, c, rx->buf + linear,
					   c->rcvd + got, cm->frag_size,
					   "linear");
			linear += cm->frag_size;
			got += cm->frag_size;
			continue;
		}

		KUNIT_ASSERT_EQ(test, cm->dmabuf_id, z->f->id);
		KUNIT_ASSERT_LE(test, cm->frag_offset + cm->frag_size,
				(u64)DEVMEM_FUZZ_RX_SIZE);
		devmem_fuzz_expect(test, c,
				   devmem_test_dmabuf_vaddr(z->f->buf,
							    cm->frag_offset),
				   c->rcvd + got, cm->frag_size, "frag");
		got += cm->frag_size;

		KUNIT_ASSERT_LT(test, token, DEVMEM_FUZZ_TOKENS);
		KUNIT_ASSERT_FALSE_MSG(test, test_bit(token, c->held),
				       "token %u handed out twice", token);
		__set_bit(token, c->held);
		__set_bit(token, c->seen);
		c->off[token] = cm->frag_offset;
		c->len[token] = cm->frag_size;
		c->hash[token] = devmem_fuzz_frag_hash(z, cm->frag_offset,
						       cm->frag_size);
		c->nr_held++;
		c->hi = max(c->hi, token + 1);
	}
	KUNIT_ASSERT_EQ(test, got, (size_t)ret);
	c->rcvd += got;
}

static void devmem_fuzz_recv(struct devmem_fuzz *z, struct devmem_fuzz_conn *c,
			     int flags)
{
	struct devmem_test_rx *rx = z->rx[devmem_fuzz_rand(z, 3)];
	bool devmem = devmem_fuzz_rand(z, 100) < 95;
	size_t len;
	int ret;

	if (c->nr_held + DEVMEM_FUZZ_MAX_FRAGS > DEVMEM_FUZZ_HELD)
		return;
	len = devmem_fuzz_rand(z, DEVMEM_FUZZ_RECV_LEN) + 1;
	ret = devmem_test_recvmsg(z->test, c->conn->rx, rx, len,
				  flags | (devmem ? MSG_SOCK_DEVMEM : 0));
	devmem_fuzz_ret(z, ret, "recvmsg");
	if (ret <= 0 && !c->peer_open)
		/* Reset by the peer: ECONNRESET once, then end of stream. */
		return;
	if (ret <= 0) {
		/* Not devmem: unreadable data gives EFAULT, as it is. */
		KUNIT_ASSERT_TRUE_MSG(z->test, ret == -EAGAIN ||
					       (!devmem && ret == -EFAULT),
				      "recvmsg: %d", ret);
		return;
	}
	if (!devmem)
		KUNIT_ASSERT_EQ(z->test, rx->nr_frags, 0);
	devmem_fuzz_received(z, c, rx, ret);
}

/* What SO_DEVMEM_DONTNEED releases of @c's frags for @nr entries of
 * z->tokens, as the model has them: ranges capped at
 * DEVMEM_TEST_DONTNEED_FRAGS tokens in all and at U32_MAX.
 */
static int devmem_fuzz_model_release(struct devmem_fuzz_conn *c,
				     const struct dmabuf_token *tokens,
				     unsigned int nr)
{
	unsigned int i, frags = 0;
	int released = 0;
	u64 t, end;

	for (i = 0; i < nr && frags < DEVMEM_TEST_DONTNEED_FRAGS; i++) {
		u32 count = min(tokens[i].token_count,
				DEVMEM_TEST_DONTNEED_FRAGS - frags);

		frags += count;
		if (!c)
			continue;
		t = tokens[i].token_start;
		end = min_t(u64, t + count, DEVMEM_FUZZ_TOKENS);
		for (; t < end; t++) {
			if (!__test_and_clear_bit(t, c->held))
				continue;
			c->nr_held--;
			released++;
		}
	}
	return released;
}

/* A random token range for a DONTNEED call on @c. */
static void devmem_fuzz_range(struct devmem_fuzz *z, struct devmem_fuzz_conn *c,
			      struct dmabuf_token *tk)
{
	struct devmem_fuzz_conn *o = &z->c[devmem_fuzz_rand(z, 2)];
	u32 pick = devmem_fuzz_rand(z, 100);
	u32 hi = c ? c->hi : 0;
	unsigned long bit;

	tk->token_count = devmem_fuzz_rand(z, 100) < 80 ? 1 :
			  devmem_fuzz_rand(z, 8) + 1;
	if (pick < 30 && c && c->nr_held) {
		/* A held one. */
		bit = find_next_bit(c->held, DEVMEM_FUZZ_TOKENS,
				    devmem_fuzz_rand(z, hi));
		if (bit == DEVMEM_FUZZ_TOKENS)
			bit = find_first_bit(c->held, DEVMEM_FUZZ_TOKENS);
		tk->token_start = bit;
	} else if (pick < 40 && c) {
		/* One already released, or never handed out. */
		tk->token_start = devmem_fuzz_rand(z, hi + 1);
	} else if (pick < 50 && o->nr_held) {
		/* Another socket's. */
		tk->token_start = find_first_bit(o->held, DEVMEM_FUZZ_TOKENS);
	} else if (pick < 60) {
		/* Past the table: not handed out yet. */
		tk->token_start = hi + devmem_fuzz_rand(z, 1024);
	} else if (pick < 65) {
		tk->token_start = devmem_fuzz_rand(z, hi + 1);
		tk->token_count = 0;
	} else if (pick < 75) {
		tk->token_start = devmem_fuzz_rand(z, hi + 1);
		tk->token_count = devmem_fuzz_rand(z, 2) ? U32_MAX :
				  devmem_fuzz_u32(z);
	} else if (pick < 85) {
		/* Wrapping past U32_MAX. */
		tk->token_start = U32_MAX - devmem_fuzz_rand(z, 16);
		tk->token_count = devmem_fuzz_rand(z, 2) ? U32_MAX :
				  devmem_fuzz_rand(z, 64) + 1;
	} else {
		tk->token_start = devmem_fuzz_u32(z);
	}
}

/* The socket a random DONTNEED goes to, and its model (NULL for a socket
 * that never received devmem frags).
 */
static struct socket *devmem_fuzz_pick_sock(struct devmem_fuzz *z,
					    struct devmem_fuzz_conn **c,
					    bool *tcp)
{
	u32 pick = devmem_fuzz_rand(z, 100);

	*c = NULL;
	*tcp = true;
	if (pick < 40) {
		*c = &z->c[0];
		return z->c[0].conn->rx;
	}
	if (pick < 70) {
		*c = &z->c[1];
		return z->c[1].conn->rx;
	}
	if (pick < 80)
		/* TCP in the other namespace, never bound. */
		return z->c[0].conn->tx;
	pick = devmem_fuzz_rand(z, DEVMEM_FUZZ_NR_OTHER);
	*tcp = pick == DEVMEM_FUZZ_LISTEN;
	return z->other[pick];
}

static void devmem_fuzz_dontneed(struct devmem_fuzz *z)
{
	unsigned int i, nr, optlen;
	struct devmem_fuzz_conn *c;
	struct socket *sock;
	int ret, want;
	u32 pick;
	bool tcp;

	sock = devmem_fuzz_pick_sock(z, &c, &tcp);
	pick = devmem_fuzz_rand(z, 100);
	nr = pick < 70 ? devmem_fuzz_rand(z, 16) + 1 :
	     pick < 85 ? devmem_fuzz_rand(z, DEVMEM_TEST_DONTNEED_MAX) + 1 :
	     pick < 90 ? DEVMEM_TEST_DONTNEED_MAX :
	     pick < 95 ? 0 :
	     DEVMEM_TEST_DONTNEED_MAX + 1 +
	     devmem_fuzz_rand(z, DEVMEM_FUZZ_ENTRIES -
				 DEVMEM_TEST_DONTNEED_MAX);
	for (i = 0; i < nr; i++)
		devmem_fuzz_range(z, c, &z->tokens[i]);
	optlen = nr * sizeof(*z->tokens);
	if (devmem_fuzz_rand(z, 100) < 5)
		optlen += devmem_fuzz_rand(z, sizeof(*z->tokens) - 1) + 1;

	/* setsockopt() takes no option shorter than an int. */
	if (optlen < sizeof(int))
		want = -EINVAL;
	else if (!tcp)
		want = -EBADF;
	else if (optlen % sizeof(*z->tokens) ||
		 nr > DEVMEM_TEST_DONTNEED_MAX)
		want = -EINVAL;
	else
		want = devmem_fuzz_model_release(c, z->tokens, nr);

	ret = devmem_test_dontneed(sock, z->tokens, optlen);
	devmem_fuzz_ret(z, ret, "SO_DEVMEM_DONTNEED");
	KUNIT_ASSERT_EQ_MSG(z->test, ret, want,
			    "SO_DEVMEM_DONTNEED of %u entries, optlen %u (op %lu)",
			    nr, optlen, z->ops);
}

/* Release up to @max held tokens of @c from a random one on, as a user
 * does; all of them for @max of DEVMEM_FUZZ_TOKENS.
 */
static void devmem_fuzz_release(struct devmem_fuzz *z,
				struct devmem_fuzz_conn *c, unsigned int max)
{
	unsigned long bit = devmem_fuzz_rand(z, c->hi);
	unsigned int nr;
	int ret;

	while (max && c->nr_held) {
		for (nr = 0; nr < min(max, DEVMEM_TEST_DONTNEED_MAX) &&
			     c->nr_held; nr++) {
			bit = find_next_bit(c->held, DEVMEM_FUZZ_TOKENS, bit);
			if (bit == DEVMEM_FUZZ_TOKENS)
				bit = find_first_bit(c->held,
						     DEVMEM_FUZZ_TOKENS);
			z->tokens[nr].token_start = bit;
			z->tokens[nr].token_count = 1;
			__clear_bit(bit, c->held);
			c->nr_held--;
		}
		ret = devmem_test_dontneed(c->conn->rx, z->tokens,
					   nr * sizeof(*z->tokens));
		KUNIT_ASSERT_EQ_MSG(z->test, ret, (int)nr,
				    "release of held tokens (op %lu)", z->ops);
		max -= nr;
	}
}

/* Random NETDEV_CMD_BIND_RX / BIND_TX attributes. */
static int devmem_fuzz_bind_msg(struct devmem_fuzz *z, struct sk_buff *msg,
				struct devmem_test_nl *nl, bool rx, int *fd,
				struct devmem_test_dmabuf **buf)
{
	struct net_device *dev = z->f->pair->dev[nl == z->nlf[0] ? 0 : 1];
	unsigned int i, nests;
	struct nlattr *nest;
	u32 pick, val;

	*buf = NULL;
	if (devmem_fuzz_rand(z, 100) < 90) {
		pick = devmem_fuzz_rand(z, 100);
		val = pick < 75 ? dev->ifindex : pick < 85 ? LOOPBACK_IFINDEX :
		      pick < 90 ? 0 : devmem_fuzz_u32(z);
		if (nla_put_u32(msg, NETDEV_A_DEV_IFINDEX, val))
			return -EMSGSIZE;
		if (devmem_fuzz_rand(z, 100) < 3 &&
		    nla_put_u32(msg, NETDEV_A_DEV_IFINDEX, val))
			return -EMSGSIZE;
	}

	if (devmem_fuzz_rand(z, 100) < 90) {
		pick = devmem_fuzz_rand(z, 100);
		if (pick < 80) {
			*buf = z->bind_buf[devmem_fuzz_rand(z, 3)];
			get_dma_buf((*buf)->dmabuf);
			*fd = dma_buf_fd((*buf)->dmabuf, O_CLOEXEC);
			if (*fd < 0) {
				dma_buf_put((*buf)->dmabuf);
				return *fd;
			}
			val = *fd;
		} else if (pick < 90) {
			/* A descriptor just closed. */
			get_dma_buf(z->tx_buf->dmabuf);
			val = dma_buf_fd(z->tx_buf->dmabuf, O_CLOEXEC);
			if ((int)val < 0) {
				dma_buf_put(z->tx_buf->dmabuf);
				return val;
			}
			close_fd(val);
		} else {
			val = devmem_fuzz_rand(z, 2) ? -1 : devmem_fuzz_u32(z);
		}
		if (nla_put_u32(msg, NETDEV_A_DMABUF_FD, val))
			return -EMSGSIZE;
	}

	nests = devmem_fuzz_rand(z, 100) < 80 ? devmem_fuzz_rand(z, 3) + 1 :
		devmem_fuzz_rand(z, 6);
	for (i = 0; i < nests; i++) {
		nest = nla_nest_start(msg, NETDEV_A_DMABUF_QUEUES);
		if (!nest)
			return -EMSGSIZE;
		pick = devmem_fuzz_rand(z, 100);
		val = pick < 85 ? devmem_fuzz_rand(z, DEVMEM_TEST_NUM_RXQ + 2) :
		      pick < 90 ? U32_MAX : devmem_fuzz_u32(z);
		/* Once unbound, the flows' queue is free: a random binding
		 * there would receive them.
		 */
		if (!z->bound && val == DEVMEM_FUZZ_RXQ)
			val = 0;
		if (devmem_fuzz_rand(z, 100) < 92 &&
		    nla_put_u32(msg, NETDEV_A_QUEUE_ID, val))
			return -EMSGSIZE;
		pick = devmem_fuzz_rand(z, 100);
		val = pick < 85 ? NETDEV_QUEUE_TYPE_RX :
		      pick < 95 ? NETDEV_QUEUE_TYPE_TX : devmem_fuzz_u32(z);
		if (devmem_fuzz_rand(z, 100) < 92 &&
		    nla_put_u32(msg, NETDEV_A_QUEUE_TYPE, val))
			return -EMSGSIZE;
		nla_nest_end(msg, nest);
	}

	if (rx && devmem_fuzz_rand(z, 100) < 15) {
		static const u32 sizes[] = { PAGE_SIZE, 2 * PAGE_SIZE,
					     PAGE_SIZE / 2, SZ_1M, 3, 0 };

		pick = devmem_fuzz_rand(z, ARRAY_SIZE(sizes) + 1);
		val = pick < ARRAY_SIZE(sizes) ? sizes[pick] :
		      devmem_fuzz_u32(z);
		if (nla_put_u32(msg, NETDEV_A_DMABUF_RX_PAGE_SIZE, val))
			return -EMSGSIZE;
	}
	nlmsg_end(msg, nlmsg_hdr(msg));
	return 0;
}

/* The exporter undid every attach and map of @buf: what a failed bind, and
 * an unbind once its net_iovs are back, must leave.
 */
static bool devmem_fuzz_buf_idle(struct devmem_test_dmabuf *buf)
{
	return atomic_read(&buf->attach) == atomic_read(&buf->detach) &&
	       atomic_read(&buf->map) == atomic_read(&buf->unmap);
}

static void devmem_fuzz_wait_idle(struct devmem_fuzz *z)
{
	unsigned long timeout = jiffies + DEVMEM_TEST_TIMEOUT;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(z->bind_buf); i++) {
		while (!devmem_fuzz_buf_idle(z->bind_buf[i]) &&
		       time_before(jiffies, timeout)) {
			KUNIT_ASSERT_EQ(z->test, devmem_test_run_napi(z->test),
					0);
			schedule_timeout_interruptible(1);
		}
		KUNIT_ASSERT_TRUE_MSG(z->test,
				      devmem_fuzz_buf_idle(z->bind_buf[i]),
				      "dma-buf %u still attached (op %lu)", i,
				      z->ops);
	}
}

static void devmem_fuzz_bind(struct devmem_fuzz *z)
{
	unsigned int end = devmem_fuzz_rand(z, 100) < 80 ? 1 : 0;
	bool rx = devmem_fuzz_rand(z, 100) < 75;
	struct devmem_test_nl *nl = z->nlf[end];
	struct devmem_test_dmabuf *buf;
	struct sk_buff *msg;
	unsigned int q;
	int fd = -1;
	u32 id = 0;
	int ret;

	if (z->dev_gone)
		return;
	msg = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(z->test, msg);
	if (!nlmsg_put(msg, 0, 0, nl->family, GENL_HDRLEN, 0)) {
		kfree_skb(msg);
		KUNIT_FAIL_AND_ABORT(z->test, "nlmsg_put");
	}
	*(struct genlmsghdr *)nlmsg_data(nlmsg_hdr(msg)) = (struct genlmsghdr){
		.cmd = rx ? NETDEV_CMD_BIND_RX : NETDEV_CMD_BIND_TX,
		.version = 1,
	};
	ret = devmem_fuzz_bind_msg(z, msg, nl, rx, &fd, &buf);
	if (ret) {
		kfree_skb(msg);
		if (fd >= 0)
			close_fd(fd);
		KUNIT_FAIL_AND_ABORT(z->test, "bind message: %d", ret);
	}
	ret = devmem_test_nl_request(nl, msg, NETDEV_A_DMABUF_ID, &id);
	if (fd >= 0)
		close_fd(fd);
	devmem_fuzz_ret(z, ret, rx ? "bind-rx" : "bind-tx");
	KUNIT_ASSERT_NE_MSG(z->test, ret, -EPROTO, "bind without an id");
	if (ret) {
		devmem_fuzz_wait_idle(z);
		return;
	}

	/* It bound: only with a dma-buf, and never the fixture's queue. */
	KUNIT_ASSERT_NOT_NULL(z->test, buf);
	KUNIT_ASSERT_NE(z->test, id, z->f->id);
	ret = devmem_test_nl_queue_dmabuf(z->query, z->f->pair->dev[1],
					  DEVMEM_FUZZ_RXQ, &q);
	KUNIT_ASSERT_EQ(z->test, ret, 0);
	if (z->bound)
		KUNIT_ASSERT_EQ(z->test, q, z->f->id);

	/* Closing the netlink socket unbinds; the queues get their pages
	 * back and the exporter sees every attach undone.
	 */
	devmem_test_nl_close(z->test, nl);
	z->nlf[end] = devmem_test_nl_open(z->test, z->f->pair->net[end]);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(z->test, z->nlf[end]);
	devmem_fuzz_wait_idle(z);
	for (q = 0; q < DEVMEM_TEST_NUM_RXQ; q++) {
		u32 qid;

		ret = devmem_test_nl_queue_dmabuf(z->query, z->f->pair->dev[1],
						  q, &qid);
		KUNIT_ASSERT_EQ(z->test, ret, 0);
		KUNIT_EXPECT_EQ(z->test, qid,
				q == DEVMEM_FUZZ_RXQ && z->bound ? z->f->id :
								    0);
		if (q == DEVMEM_FUZZ_RXQ && !z->bound && qid)
			KUNIT_FAIL_AND_ABORT(z->test, "queue %u bound", q);
	}
}

/* Nothing is held under a token user space does not hold: releasing every
 * other token up to past the highest one handed out releases nothing.
 */
static void devmem_fuzz_check_unheld(struct devmem_fuzz *z,
				     struct devmem_fuzz_conn *c)
{
	u32 end = min_t(u32, c->hi + 64, DEVMEM_FUZZ_TOKENS);
	unsigned int nr = 0, counted = 0;
	unsigned long t = 0, next;
	int ret;

	while (t < end) {
		next = find_next_bit(c->held, end, t);
		if (next > t) {
			u32 count = min_t(u32, next - t,
					  DEVMEM_TEST_DONTNEED_FRAGS - counted);

			z->tokens[nr].token_start = t;
			z->tokens[nr].token_count = count;
			nr++;
			counted += count;
			t += count;
		} else {
			t = find_next_zero_bit(c->held, end, t);
		}
		if (nr && (nr == DEVMEM_TEST_DONTNEED_MAX || t >= end ||
			   counted == DEVMEM_TEST_DONTNEED_FRAGS)) {
			ret = devmem_test_dontneed(c->conn->rx, z->tokens,
						   nr * sizeof(*z->tokens));
			KUNIT_ASSERT_EQ_MSG(z->test, ret, 0,
					    "frags held under tokens never handed out or released (op %lu)",
					    z->ops);
			nr = 0;
			counted = 0;
		}
	}
}

/* A frag user space holds is intact: its payload is what it received. */
static void devmem_fuzz_check_held(struct devmem_fuzz *z,
				   struct devmem_fuzz_conn *c)
{
	unsigned long t;

	if (!c->nr_held)
		return;
	t = find_next_bit(c->held, DEVMEM_FUZZ_TOKENS,
			  devmem_fuzz_rand(z, c->hi));
	if (t == DEVMEM_FUZZ_TOKENS)
		t = find_first_bit(c->held, DEVMEM_FUZZ_TOKENS);
	KUNIT_ASSERT_EQ_MSG(z->test,
			    devmem_fuzz_frag_hash(z, c->off[t], c->len[t]),
			    c->hash[t], "payload of held token %lu changed",
			    t);
}

/* Receive what is still on its way, so that no skb holds a net_iov. */
static void devmem_fuzz_settle(struct devmem_fuzz *z)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(z->c); i++) {
		struct devmem_fuzz_conn *c = &z->c[i];

		while (c->rcvd < c->sent) {
			if (c->nr_held + DEVMEM_FUZZ_MAX_FRAGS >
			    DEVMEM_FUZZ_HELD)
				devmem_fuzz_release(z, c, DEVMEM_FUZZ_TOKENS);
			devmem_fuzz_recv(z, c, 0);
		}
	}
}

/* The page pools have out (hold_cnt - release_cnt, through netlink) what
 * the binding has handed out. Both move as NAPI refills: wait for them to
 * meet.
 */
static void devmem_fuzz_check_pools(struct devmem_fuzz *z)
{
	unsigned long timeout = jiffies + DEVMEM_TEST_TIMEOUT;
	u64 in_flight = 0;
	size_t out = 0;
	int pools;

	do {
		pools = devmem_test_nl_pp_in_flight(z->query, z->f->id,
						    &in_flight);
		KUNIT_ASSERT_GT(z->test, pools, 0);
		out = devmem_test_peek_niovs_out(z->binding);
		if (in_flight == out)
			return;
		KUNIT_ASSERT_EQ(z->test, devmem_test_run_napi(z->test), 0);
		schedule_timeout_interruptible(1);
	} while (time_before(jiffies, timeout));
	KUNIT_FAIL(z->test, "page pools have %llu out, the binding %zu (op %lu)",
		   in_flight, out, z->ops);
}

static void devmem_fuzz_check(struct devmem_fuzz *z)
{
	struct devmem_test_dmabuf *buf = z->f->buf;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(z->c); i++) {
		devmem_fuzz_check_unheld(z, &z->c[i]);
		devmem_fuzz_check_held(z, &z->c[i]);
	}

	/* The fixture's binding and the TX binding each attached and mapped
	 * their dma-buf once.
	 */
	if (z->bound) {
		KUNIT_ASSERT_EQ(z->test, atomic_read(&buf->attach) -
					 atomic_read(&buf->detach), 1);
		KUNIT_ASSERT_EQ(z->test, atomic_read(&buf->map) -
					 atomic_read(&buf->unmap), 1);
	}
	if (!z->dev_gone) {
		KUNIT_ASSERT_EQ(z->test, atomic_read(&z->tx_buf->attach) -
					 atomic_read(&z->tx_buf->detach), 1);
		KUNIT_ASSERT_EQ(z->test, atomic_read(&z->tx_buf->map) -
					 atomic_read(&z->tx_buf->unmap), 1);
	}
}

static void devmem_fuzz_op(struct devmem_fuzz *z)
{
	struct devmem_fuzz_conn *c = &z->c[devmem_fuzz_rand(z, 2)];
	u32 pick = devmem_fuzz_rand(z, 1000);

	if (pick < 150)
		devmem_fuzz_send_plain(z, c);
	else if (pick < 250)
		devmem_fuzz_send_devmem(z);
	else if (pick < 500)
		devmem_fuzz_recv(z, c, MSG_DONTWAIT);
	else if (pick < 850)
		devmem_fuzz_dontneed(z);
	else if (pick < 985)
		devmem_fuzz_release(z, c, devmem_fuzz_rand(z, 64) + 1);
	else
		devmem_fuzz_bind(z);
	z->ops++;
	devmem_fuzz_check(z);
	if (z->bound && !(z->ops % DEVMEM_FUZZ_POOL_EVERY)) {
		devmem_fuzz_settle(z);
		devmem_fuzz_check_pools(z);
	}
}

/* Random operations in three stages: bound; after the unbind of the
 * fixture's binding with frags held, and the close of a peer; after the
 * unregister of the NICs. Then every held frag is released by its token,
 * and the binding goes.
 */
static void devmem_fuzz_ops(struct kunit *test)
{
	struct devmem_fuzz *z = test->priv;
	u64 seed = devmem_fuzz_seed ?: get_random_u64();
	unsigned long unbind_at = devmem_fuzz_nr_ops / 10 * 8;
	unsigned long unregister_at = devmem_fuzz_nr_ops / 10 * 9;
	unsigned int i;
	int ret;

	kunit_info(test, "devmem_fuzz: seed=%#llx (devmem_kunit.fuzz_seed=%llu to repeat)\n",
		   seed, seed);
	prandom_seed_state(&z->rnd, seed);

	while (z->ops < devmem_fuzz_nr_ops) {
		if (z->ops == unbind_at && z->bound) {
			devmem_fuzz_settle(z);
			devmem_fuzz_check_pools(z);
			devmem_test_nl_close(test, z->f->nl);
			z->bound = false;
			z->c[1].peer_open = false;
			devmem_test_sock_close(test, z->c[1].conn->tx);
		}
		if (z->ops == unregister_at && !z->dev_gone) {
			devmem_fuzz_settle(z);
			devmem_test_nic_unregister(test, z->f->pair->dev[1]);
			z->dev_gone = true;
		}
		devmem_fuzz_op(z);
	}

	/* Every frag user space holds, released by its token, and only
	 * those.
	 */
	for (i = 0; i < ARRAY_SIZE(z->c); i++) {
		devmem_fuzz_check_unheld(z, &z->c[i]);
		devmem_fuzz_release(z, &z->c[i], DEVMEM_FUZZ_TOKENS);
		devmem_fuzz_check_unheld(z, &z->c[i]);
	}
	ret = devmem_test_dmabuf_put_and_wait(test, z->f->buf);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_TRUE(test, devmem_fuzz_buf_idle(z->f->buf));

	kunit_info(test, "devmem_fuzz: seed=%#llx ops=%lu errnos=%u\n", seed,
		   z->ops, bitmap_weight(z->errnos, DEVMEM_FUZZ_ERRNOS));
}

static struct kunit_case devmem_fuzz_cases[] = {
	KUNIT_CASE(devmem_fuzz_ops),
	{}
};

static struct kunit_suite devmem_fuzz_suite = {
	.name = "devmem_fuzz",
	.init = devmem_fuzz_init,
	.test_cases = devmem_fuzz_cases,
};

kunit_test_suite(devmem_fuzz_suite);
