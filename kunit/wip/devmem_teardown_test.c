// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * KUnit tests for devmem TCP teardown racing receive: on two vCPUs, a
 * receiving thread in recvmsg(MSG_SOCK_DEVMEM) and SO_DEVMEM_DONTNEED, a
 * second thread releasing guessed tokens on the same socket, and a sender,
 * while the test unbinds the dma-buf, restarts the bound queue, closes the
 * receiving socket or unregisters the NIC. Every frag must keep its bytes
 * until released, be released once, and once everything is closed every
 * net_iov must be back: the page pools go, and the exporter sees each
 * attach and map undone.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/errno.h>
#include <linux/file.h>
#include <linux/kthread.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/random.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <net/sock.h>

#include "devmem_test.h"

#define DEVMEM_TD_DMABUF_SIZE	SZ_8M
#define DEVMEM_TD_RXQ		1
/* Long enough that the stream is still going when the teardown comes. */
#define DEVMEM_TD_PATTERN_LEN	SZ_4M
#define DEVMEM_TD_RECV_LEN	SZ_32K
#define DEVMEM_TD_MAX_FRAGS	256
/* Bytes received before the teardown, and after one that lets the
 * stream go on.
 */
#define DEVMEM_TD_BEFORE	SZ_128K
#define DEVMEM_TD_AFTER		SZ_64K
/* Tokens the guesser names, and that the test keeps track of: a socket's
 * tokens stay below the most frags it held plus a page of them, well
 * below this here.
 */
#define DEVMEM_TD_TOKENS	2048
#define DEVMEM_TD_GUESS_LEN	128
#define DEVMEM_TD_MAX_ITER	1024

static unsigned int teardown_iterations = 48;
module_param(teardown_iterations, uint, 0444);
MODULE_PARM_DESC(teardown_iterations,
		 "iterations of the devmem_teardown suite (at most 1024)");

enum devmem_td_action {
	DEVMEM_TD_UNBIND,
	DEVMEM_TD_RESTART,
	DEVMEM_TD_CLOSE,
	DEVMEM_TD_UNREGISTER,
	DEVMEM_TD_UNBIND_UNREGISTER,
	DEVMEM_TD_RESTART_CLOSE,
	DEVMEM_TD_NR_ACTIONS,
};

static const char * const devmem_td_action_name[] = {
	[DEVMEM_TD_UNBIND]		= "unbind",
	[DEVMEM_TD_RESTART]		= "restart",
	[DEVMEM_TD_CLOSE]		= "close",
	[DEVMEM_TD_UNREGISTER]		= "unregister",
	[DEVMEM_TD_UNBIND_UNREGISTER]	= "unbind-unregister",
	[DEVMEM_TD_RESTART_CLOSE]	= "restart-close",
};

/* RX ring sizes a restart picks from, none the default. */
static const u32 devmem_td_rings[] = { 128, 192, 384, 512 };

/* Shared by the iterations, on the parent test. */
struct devmem_td_suite {
	unsigned int nr_iter;
	unsigned int *iter;
	unsigned int done;
	u8 *pattern;
};

/* What the test knows of a token. A token being released by one thread
 * may be handed out again by recvmsg() before that thread hears back from
 * DONTNEED, so each releaser tags its own.
 */
enum {
	DEVMEM_TD_FREE,
	DEVMEM_TD_HELD,
	DEVMEM_TD_RELEASING,	/* + the releaser's index */
};

enum {
	DEVMEM_TD_RECEIVER,
	DEVMEM_TD_GUESSER,
	DEVMEM_TD_MAIN,
	DEVMEM_TD_NR_RELEASERS,
};

struct devmem_td {
	struct devmem_test_fixture *f;
	struct devmem_test_conn *conn;
	struct devmem_test_nl *query;
	struct devmem_test_rx *rx;
	const u8 *pattern;
	/* The receiving socket's file: the test's reference, and one each
	 * thread holds as a system call holds its file descriptor's.
	 */
	struct file *file;
	bool unbound;
	bool rx_closed;
	bool unregistered;

	struct task_struct *thread[2];
	struct completion done[2];
	bool started[2];
	bool stop;
	wait_queue_head_t wq;

	/* Under @lock: the state of each token, and how many are held. */
	spinlock_t lock;
	u8 state[DEVMEM_TD_TOKENS];
	unsigned int nr_held;

	/* Written by the receiver. */
	size_t pos;
	bool rx_done;
	int rx_err;
	unsigned int frags;
	unsigned int plain;

	atomic_t released[DEVMEM_TD_NR_RELEASERS];
	atomic_t wrong_bytes;
	atomic_t wrong_release;
	atomic_t dup_token;
	atomic_t bad_frag;
	unsigned int guess_calls;
};

/* Under @td->lock: claim for @who the held tokens in [@start, @end), as
 * ranges in @tokens, as many as one SO_DEVMEM_DONTNEED call takes. Only
 * held tokens: any other may be the one a recvmsg() in flight is handing
 * out, with bytes not checked yet.
 */
static unsigned int devmem_td_claim(struct devmem_td *td, u32 start, u32 end,
				    unsigned int who,
				    struct dmabuf_token *tokens,
				    unsigned int *nr_tokens)
{
	unsigned int n = 0, r = 0;
	u32 tok;

	for (tok = start; tok < end && n < DEVMEM_TEST_DONTNEED_FRAGS; tok++) {
		if (td->state[tok] != DEVMEM_TD_HELD)
			continue;
		if (r && tokens[r - 1].token_start +
			 tokens[r - 1].token_count == tok) {
			tokens[r - 1].token_count++;
		} else {
			if (r == DEVMEM_TEST_DONTNEED_MAX)
				break;
			tokens[r].token_start = tok;
			tokens[r].token_count = 1;
			r++;
		}
		td->state[tok] = DEVMEM_TD_RELEASING + who;
		td->nr_held--;
		n++;
	}
	*nr_tokens = r;
	return n;
}

/* Release for @who the held tokens in [@start, @end) that fit one call.
 * Every one of them is held, so DONTNEED must release exactly them: fewer
 * is a frag released twice, or a token that lost its frag.
 */
static unsigned int devmem_td_release(struct devmem_td *td,
				      struct socket *sock, u32 start, u32 end,
				      unsigned int who,
				      struct dmabuf_token *tokens)
{
	unsigned int n, nr, i;
	u32 tok;
	int ret;

	spin_lock(&td->lock);
	n = devmem_td_claim(td, start, end, who, tokens, &nr);
	spin_unlock(&td->lock);
	if (!n)
		return 0;

	ret = devmem_test_dontneed(sock, tokens, nr * sizeof(*tokens));
	if (ret != (int)n)
		atomic_inc(&td->wrong_release);
	if (ret > 0)
		atomic_add(ret, &td->released[who]);

	spin_lock(&td->lock);
	for (i = 0; i < nr; i++) {
		for (tok = tokens[i].token_start;
		     tok < tokens[i].token_start + tokens[i].token_count; tok++)
			if (td->state[tok] == DEVMEM_TD_RELEASING + who)
				td->state[tok] = DEVMEM_TD_FREE;
	}
	spin_unlock(&td->lock);
	return n;
}

static void devmem_td_release_all(struct devmem_td *td, struct socket *sock,
				  unsigned int who, struct dmabuf_token *tokens)
{
	while (devmem_td_release(td, sock, 0, DEVMEM_TD_TOKENS, who, tokens))
		;
}

/* Check the bytes of one recvmsg() against the pattern from stream offset
 * @pos, before its tokens are published as held: until then no other
 * thread names them, and their net_iovs cannot be refilled by the NIC.
 */
static void devmem_td_check(struct devmem_td *td, size_t pos, int ret)
{
	struct devmem_test_dmabuf *buf = td->f->buf;
	struct devmem_test_rx *rx = td->rx;
	size_t got = 0, linear = 0;
	unsigned int i;

	if (pos + ret > DEVMEM_TD_PATTERN_LEN) {
		atomic_inc(&td->bad_frag);
		return;
	}

	/* No cmsg: plain TCP data, as after an unbind. */
	if (!rx->nr_frags) {
		if (memcmp(rx->buf, td->pattern + pos, ret))
			atomic_inc(&td->wrong_bytes);
		td->plain += ret;
		return;
	}

	for (i = 0; i < rx->nr_frags; i++) {
		struct dmabuf_cmsg *cm = &rx->frags[i].cmsg;
		u32 tok = cm->frag_token;
		const void *va;

		if (got + cm->frag_size > ret) {
			atomic_inc(&td->bad_frag);
			return;
		}
		if (rx->frags[i].linear) {
			va = rx->buf + linear;
			linear += cm->frag_size;
		} else {
			if (cm->dmabuf_id != td->f->id ||
			    cm->frag_offset + cm->frag_size > buf->size ||
			    tok >= DEVMEM_TD_TOKENS) {
				atomic_inc(&td->bad_frag);
				return;
			}
			va = devmem_test_dmabuf_vaddr(buf, cm->frag_offset);
		}
		if (memcmp(va, td->pattern + pos + got, cm->frag_size))
			atomic_inc(&td->wrong_bytes);
		got += cm->frag_size;
		if (rx->frags[i].linear)
			continue;

		spin_lock(&td->lock);
		/* A token handed out again while still held. */
		if (td->state[tok] == DEVMEM_TD_HELD)
			atomic_inc(&td->dup_token);
		else
			td->nr_held++;
		td->state[tok] = DEVMEM_TD_HELD;
		td->frags++;
		spin_unlock(&td->lock);
	}
	if (got != ret)
		atomic_inc(&td->bad_frag);
}

/* recvmsg(MSG_SOCK_DEVMEM) until the end of the stream or an error,
 * releasing what it holds every other call.
 */
static int devmem_td_receiver(void *arg)
{
	struct devmem_td *td = arg;
	struct dmabuf_token *tokens;
	unsigned int calls = 0;
	struct socket *sock;
	size_t pos = 0;
	int ret = 0;

	sock = sock_from_file(td->file);
	tokens = kcalloc(DEVMEM_TEST_DONTNEED_MAX, sizeof(*tokens),
			 GFP_KERNEL);
	while (tokens && pos < DEVMEM_TD_PATTERN_LEN) {
		ret = devmem_test_recvmsg(NULL, sock, td->rx,
					  min_t(size_t,
						DEVMEM_TD_PATTERN_LEN - pos,
						DEVMEM_TD_RECV_LEN),
					  MSG_SOCK_DEVMEM);
		if (ret <= 0)
			break;
		devmem_td_check(td, pos, ret);
		pos += ret;
		WRITE_ONCE(td->pos, pos);
		wake_up_all(&td->wq);
		if (++calls % 2 == 0)
			devmem_td_release_all(td, sock, DEVMEM_TD_RECEIVER,
					      tokens);
	}
	kfree(tokens);
	td->rx_err = tokens ? ret : -ENOMEM;
	WRITE_ONCE(td->rx_done, true);
	wake_up_all(&td->wq);
	__fput_sync(td->file);
	complete(&td->done[DEVMEM_TD_RECEIVER]);
	return 0;
}

/* SO_DEVMEM_DONTNEED on random ranges of [0, DEVMEM_TD_TOKENS), mostly
 * low ones, where tokens are: it releases frags the receiver holds, and
 * races its recvmsg() taking back released tokens.
 */
static int devmem_td_guesser(void *arg)
{
	struct devmem_td *td = arg;
	struct dmabuf_token *tokens;
	struct socket *sock;
	u32 start, end;

	sock = sock_from_file(td->file);
	tokens = kcalloc(DEVMEM_TEST_DONTNEED_MAX, sizeof(*tokens),
			 GFP_KERNEL);
	while (tokens && !READ_ONCE(td->stop)) {
		start = get_random_u32_below(DEVMEM_TD_TOKENS >>
					     get_random_u32_below(4));
		end = min(start + 1 + get_random_u32_below(DEVMEM_TD_GUESS_LEN),
			  DEVMEM_TD_TOKENS);
		devmem_td_release(td, sock, start, end, DEVMEM_TD_GUESSER,
				  tokens);
		td->guess_calls++;
		cond_resched();
	}
	kfree(tokens);
	__fput_sync(td->file);
	complete(&td->done[DEVMEM_TD_GUESSER]);
	return 0;
}

/* Stop the threads: the guesser sees @stop, the sender and the receiver
 * wake up from the shutdown of their sockets.
 */
static void devmem_td_stop(void *arg)
{
	struct devmem_td *td = arg;
	unsigned int i;

	WRITE_ONCE(td->stop, true);
	kernel_sock_shutdown(td->conn->tx, SHUT_RDWR);
	if (!td->rx_closed)
		kernel_sock_shutdown(td->conn->rx, SHUT_RDWR);
	for (i = 0; i < ARRAY_SIZE(td->thread); i++) {
		if (!td->started[i])
			continue;
		if (!wait_for_completion_timeout(&td->done[i],
						 DEVMEM_TEST_TIMEOUT)) {
			pr_err("devmem_teardown: thread %u stuck\n", i);
			wait_for_completion(&td->done[i]);
		}
	}
}

static void devmem_td_start(struct kunit *test, struct devmem_td *td)
{
	static int (* const fn[])(void *) = {
		[DEVMEM_TD_RECEIVER] = devmem_td_receiver,
		[DEVMEM_TD_GUESSER] = devmem_td_guesser,
	};
	unsigned int i;

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, devmem_td_stop,
							td), 0);
	for (i = 0; i < ARRAY_SIZE(td->thread); i++) {
		init_completion(&td->done[i]);
		td->thread[i] = kthread_create(fn[i], td, "devmem-td/%u", i);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, td->thread[i]);
		get_file(td->file);
		td->started[i] = true;
		wake_up_process(td->thread[i]);
	}
}

/* Wait for the receiver to have @len bytes of the stream, or to end. */
static bool devmem_td_wait_pos(struct devmem_td *td, size_t len)
{
	wait_event_timeout(td->wq, READ_ONCE(td->pos) >= len ||
			   READ_ONCE(td->rx_done), DEVMEM_TEST_TIMEOUT);
	return READ_ONCE(td->pos) >= len;
}

static void devmem_td_close_rx(struct kunit *test, struct devmem_td *td)
{
	/* The threads hold the file: a close(2) while they run leaves the
	 * socket open, so wake them as a user does, with a shutdown; the
	 * socket closes with the last thread's reference, frags held.
	 */
	if (td->started[DEVMEM_TD_RECEIVER] && !td->stop)
		kernel_sock_shutdown(td->conn->rx, SHUT_RDWR);
	td->rx_closed = true;
	devmem_test_file_close(test, td->file);
}

static void devmem_td_unbind(struct kunit *test, struct devmem_td *td)
{
	td->unbound = true;
	devmem_test_nl_close(test, td->f->nl);
}

static void devmem_td_unregister(struct kunit *test, struct devmem_td *td)
{
	td->unregistered = true;
	devmem_test_nic_unregister(test, td->f->pair->dev[1]);
}

static void devmem_td_restart(struct kunit *test, struct devmem_td *td,
			      unsigned int iter)
{
	u32 ring = devmem_td_rings[iter / DEVMEM_TD_NR_ACTIONS %
				   ARRAY_SIZE(devmem_td_rings)];

	KUNIT_EXPECT_EQ(test, devmem_test_nl_set_rx_ring(test,
							 td->f->pair->dev[1],
							 ring), 0);
}

/* Pools of the binding still listed, waited for to go: a destroyed pool
 * goes once its last net_iov is back, some from skbs NAPI frees.
 */
static int devmem_td_wait_pools(struct kunit *test, struct devmem_td *td)
{
	unsigned long timeout = jiffies + DEVMEM_TEST_TIMEOUT;
	u64 in_flight;
	int pools;

	for (;;) {
		pools = devmem_test_nl_pp_in_flight(td->query, td->f->id,
						    &in_flight);
		if (pools <= 0 || time_after(jiffies, timeout))
			return pools;
		KUNIT_ASSERT_EQ(test, devmem_test_run_napi(test), 0);
		schedule_timeout_interruptible(HZ / 50);
	}
}

static void devmem_td_iteration(struct kunit *test)
{
	struct devmem_td_suite *s = test->parent->priv;
	const unsigned int *iter = test->param_value;
	struct devmem_test_dmabuf *buf;
	struct dmabuf_token *tokens;
	unsigned int released, i;
	unsigned int action;
	struct devmem_td *td;
	size_t before;
	int pools;

	action = *iter % DEVMEM_TD_NR_ACTIONS;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 CPUs");

	td = kunit_kzalloc(test, sizeof(*td), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, td);
	tokens = kunit_kcalloc(test, DEVMEM_TEST_DONTNEED_MAX, sizeof(*tokens),
			       GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tokens);
	spin_lock_init(&td->lock);
	init_waitqueue_head(&td->wq);
	td->pattern = s->pattern;

	td->f = devmem_test_fixture_rx(test, DEVMEM_TD_DMABUF_SIZE,
				       DEVMEM_TD_RXQ);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, td->f);
	buf = td->f->buf;
	/* For the page pool dump: outlives the unbind closing f->nl does. */
	td->query = devmem_test_nl_open(test, td->f->pair->net[1]);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, td->query);
	td->conn = devmem_test_tcp_connect(test, td->f->pair, AF_INET, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, td->conn);
	td->rx = devmem_test_rx_create(test, DEVMEM_TD_MAX_FRAGS,
				       DEVMEM_TD_RECV_LEN);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, td->rx);
	td->file = devmem_test_sock_file(test, td->conn->rx);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, td->file);

	KUNIT_ASSERT_EQ(test, devmem_test_send_start(test, td->conn,
						     td->pattern,
						     DEVMEM_TD_PATTERN_LEN), 0);
	devmem_td_start(test, td);
	KUNIT_ASSERT_TRUE_MSG(test, devmem_td_wait_pos(td, DEVMEM_TD_BEFORE),
			      "received %zu, recvmsg: %d", READ_ONCE(td->pos),
			      READ_ONCE(td->rx_err));

	before = READ_ONCE(td->pos);
	switch (action) {
	case DEVMEM_TD_UNBIND:
		devmem_td_unbind(test, td);
		break;
	case DEVMEM_TD_RESTART:
		devmem_td_restart(test, td, *iter);
		break;
	case DEVMEM_TD_CLOSE:
		devmem_td_close_rx(test, td);
		break;
	case DEVMEM_TD_UNREGISTER:
		devmem_td_unregister(test, td);
		break;
	case DEVMEM_TD_UNBIND_UNREGISTER:
		devmem_td_unbind(test, td);
		devmem_td_unregister(test, td);
		break;
	case DEVMEM_TD_RESTART_CLOSE:
		devmem_td_restart(test, td, *iter);
		devmem_td_close_rx(test, td);
		break;
	}

	/* The stream goes on over an unbind, in host memory, and over a
	 * restart, into the new pool of the same binding.
	 */
	if (action == DEVMEM_TD_UNBIND || action == DEVMEM_TD_RESTART)
		KUNIT_EXPECT_TRUE_MSG(test,
				      devmem_td_wait_pos(td,
							 before +
							 DEVMEM_TD_AFTER),
				      "received %zu after %s at %zu, recvmsg: %d",
				      READ_ONCE(td->pos),
				      devmem_td_action_name[action], before,
				      READ_ONCE(td->rx_err));

	kunit_release_action(test, devmem_td_stop, td);
	devmem_test_send_wait(test, td->conn);

	KUNIT_EXPECT_EQ(test, atomic_read(&td->wrong_bytes), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&td->bad_frag), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&td->dup_token), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&td->wrong_release), 0);

	/* Frags still held are the receiver's last; an open socket gives
	 * them back by token, a closed one gave them back itself.
	 */
	if (!td->rx_closed)
		devmem_td_release_all(td, td->conn->rx, DEVMEM_TD_MAIN, tokens);
	for (released = 0, i = 0; i < DEVMEM_TD_NR_RELEASERS; i++)
		released += atomic_read(&td->released[i]);
	KUNIT_EXPECT_EQ_MSG(test, released + td->nr_held, td->frags,
			    "released %u (guesser %u), held %u",
			    released,
			    atomic_read(&td->released[DEVMEM_TD_GUESSER]),
			    td->nr_held);
	if (!td->rx_closed) {
		KUNIT_EXPECT_EQ(test, td->nr_held, 0);
		devmem_td_close_rx(test, td);
	}
	if (!td->unbound)
		devmem_td_unbind(test, td);

	/* Everything closed: every net_iov comes back, the pools go, and the
	 * binding and with it the exporter's attachment and mapping.
	 */
	pools = devmem_td_wait_pools(test, td);
	KUNIT_EXPECT_EQ_MSG(test, pools, 0, "after %s",
			    devmem_td_action_name[action]);
	KUNIT_ASSERT_EQ(test, devmem_test_dmabuf_put_and_wait(test, buf), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->attach), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->detach),
			atomic_read(&buf->attach));
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->map), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->unmap),
			atomic_read(&buf->map));
	KUNIT_EXPECT_EQ(test, atomic_read(&buf->unmap_wrong_dir), 0);
	s->done++;
}

static const void *devmem_td_gen(struct kunit *test, const void *prev,
				 char *desc)
{
	struct devmem_td_suite *s = test->priv;
	const unsigned int *p = prev ? (const unsigned int *)prev + 1 :
				s->iter;

	if (p >= s->iter + s->nr_iter)
		return NULL;
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u-%s", *p,
		 devmem_td_action_name[*p % DEVMEM_TD_NR_ACTIONS]);
	return p;
}

KUNIT_DEFINE_ACTION_WRAPPER(devmem_td_vfree, vfree, const void *);

/* Each iteration is a parameter of the case, so that its fixture lives
 * and goes in a resource scope of its own.
 */
static int devmem_td_param_init(struct kunit *test)
{
	struct devmem_td_suite *s;
	unsigned int i;

	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	test->priv = s;

	s->nr_iter = min(teardown_iterations, DEVMEM_TD_MAX_ITER);
	s->iter = kunit_kcalloc(test, max(s->nr_iter, 1U), sizeof(*s->iter),
				GFP_KERNEL);
	if (!s->iter)
		return -ENOMEM;
	for (i = 0; i < s->nr_iter; i++)
		s->iter[i] = i;

	/* Does not repeat within a page, nor page to page. */
	s->pattern = vmalloc(DEVMEM_TD_PATTERN_LEN);
	if (!s->pattern ||
	    kunit_add_action_or_reset(test, devmem_td_vfree, s->pattern))
		return -ENOMEM;
	for (i = 0; i < DEVMEM_TD_PATTERN_LEN; i++)
		s->pattern[i] = (u8)(i * 251) ^ (u8)(i >> 8) ^ (u8)(i >> 16);
	return 0;
}

static void devmem_td_param_exit(struct kunit *test)
{
	struct devmem_td_suite *s = test->priv;

	kunit_info(test, "devmem_teardown: iterations=%u\n", s->done);
}

static struct kunit_case devmem_td_cases[] = {
	KUNIT_CASE_PARAM_WITH_INIT(devmem_td_iteration, devmem_td_gen,
				   devmem_td_param_init, devmem_td_param_exit),
	{}
};

static struct kunit_suite devmem_td_suite = {
	.name = "devmem_teardown",
	.test_cases = devmem_td_cases,
};

kunit_test_suite(devmem_td_suite);
