// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Mock dma-buf exporter for the devmem KUnit tests.
 *
 * It stands for a GPU driver exporting device memory: devmem's bind path
 * (net_devmem_bind_dmabuf()) attaches to it and maps it like any other
 * exporter. The memory is vmalloc'ed so a test can read what a NIC wrote,
 * and the sg_table carries made-up bus addresses: the fake NIC
 * (devmem_test_nic.c) reaches the memory only through those addresses, as
 * a device would, with devmem_test_dma_to_virt() standing for the bus.
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/dma-buf.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/list.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>

#include "devmem_test.h"

/* Each exporter gets its own 4 GiB of made-up bus addresses, with a hole
 * between sg entries so they become separate genpool chunks.
 */
#define DEVMEM_TEST_DMA_SG_GAP	SZ_1M

struct devmem_test_exporter {
	struct devmem_test_dmabuf buf;
	size_t *sg_lens;
	unsigned int nr_sg;
	bool misaligned;
	int attach_err;
	int map_err;
	u64 dma_base;
	/* On devmem_test_mapped while mapped at least once. */
	struct list_head mapped_node;
	unsigned int nr_maps;
	struct completion released;
	/* One for the test, one for the dma-buf until its release. */
	refcount_t refs;
};

/* Exporters with a live mapping. The fake NIC looks bus addresses up from
 * NAPI and from ndo_start_xmit, hence a BH lock.
 */
/* A mapping remembers its direction: unmapping must use the same one. */
struct devmem_test_mapping {
	struct sg_table sgt;
	enum dma_data_direction dir;
};

static LIST_HEAD(devmem_test_mapped);
static DEFINE_SPINLOCK(devmem_test_mapped_lock);
static atomic64_t devmem_test_dma_next = ATOMIC64_INIT(1);

static struct devmem_test_exporter *
to_exporter(struct devmem_test_dmabuf *buf)
{
	return container_of(buf, struct devmem_test_exporter, buf);
}

static void devmem_test_exporter_put(struct devmem_test_exporter *exp)
{
	if (!refcount_dec_and_test(&exp->refs))
		return;

	vfree(exp->buf.vaddr);
	kfree(exp->sg_lens);
	kfree(exp);
}

static int devmem_test_dmabuf_attach(struct dma_buf *dmabuf,
				     struct dma_buf_attachment *attach)
{
	struct devmem_test_exporter *exp = dmabuf->priv;

	if (exp->attach_err)
		return exp->attach_err;

	atomic_inc(&exp->buf.attach);
	return 0;
}

static void devmem_test_dmabuf_detach(struct dma_buf *dmabuf,
				      struct dma_buf_attachment *attach)
{
	struct devmem_test_exporter *exp = dmabuf->priv;

	atomic_inc(&exp->buf.detach);
}

/* Bus address of sg entry @i, and its offset into the dma-buf. */
static dma_addr_t devmem_test_sg_dma(struct devmem_test_exporter *exp,
				     unsigned int i, size_t *offset)
{
	dma_addr_t addr = exp->dma_base;
	size_t off = 0;
	unsigned int j;

	for (j = 0; j < i; j++) {
		addr += exp->sg_lens[j] + DEVMEM_TEST_DMA_SG_GAP;
		off += exp->sg_lens[j];
	}
	if (exp->misaligned && i == exp->nr_sg - 1)
		addr += PAGE_SIZE / 2;

	*offset = off;
	return addr;
}

static struct sg_table *
devmem_test_dmabuf_map(struct dma_buf_attachment *attach,
		       enum dma_data_direction dir)
{
	struct devmem_test_exporter *exp = attach->dmabuf->priv;
	struct devmem_test_mapping *m;
	struct scatterlist *sg;
	struct sg_table *sgt;
	unsigned int i;
	size_t off;
	int err;

	if (exp->map_err)
		return ERR_PTR(exp->map_err);

	m = kzalloc_obj(*m);
	if (!m)
		return ERR_PTR(-ENOMEM);
	m->dir = dir;
	sgt = &m->sgt;

	err = sg_alloc_table(sgt, exp->nr_sg, GFP_KERNEL);
	if (err) {
		kfree(m);
		return ERR_PTR(err);
	}

	for_each_sgtable_dma_sg(sgt, sg, i) {
		sg_dma_address(sg) = devmem_test_sg_dma(exp, i, &off);
		sg_dma_len(sg) = exp->sg_lens[i];
	}

	spin_lock_bh(&devmem_test_mapped_lock);
	if (!exp->nr_maps++)
		list_add(&exp->mapped_node, &devmem_test_mapped);
	spin_unlock_bh(&devmem_test_mapped_lock);

	atomic_inc(&exp->buf.map);
	return sgt;
}

static void devmem_test_dmabuf_unmap(struct dma_buf_attachment *attach,
				     struct sg_table *sgt,
				     enum dma_data_direction dir)
{
	struct devmem_test_exporter *exp = attach->dmabuf->priv;
	struct devmem_test_mapping *m;

	m = container_of(sgt, struct devmem_test_mapping, sgt);
	if (dir != m->dir)
		atomic_inc(&exp->buf.unmap_wrong_dir);
	if (READ_ONCE(exp->buf.in_use))
		atomic_inc(&exp->buf.unmap_in_use);

	spin_lock_bh(&devmem_test_mapped_lock);
	if (!--exp->nr_maps)
		list_del(&exp->mapped_node);
	spin_unlock_bh(&devmem_test_mapped_lock);

	sg_free_table(sgt);
	kfree(m);
	atomic_inc(&exp->buf.unmap);
}

static void devmem_test_dmabuf_release(struct dma_buf *dmabuf)
{
	struct devmem_test_exporter *exp = dmabuf->priv;

	atomic_inc(&exp->buf.release);
	complete(&exp->released);
	devmem_test_exporter_put(exp);
}

static const struct dma_buf_ops devmem_test_dmabuf_ops = {
	.attach		= devmem_test_dmabuf_attach,
	.detach		= devmem_test_dmabuf_detach,
	.map_dma_buf	= devmem_test_dmabuf_map,
	.unmap_dma_buf	= devmem_test_dmabuf_unmap,
	.release	= devmem_test_dmabuf_release,
};

static void devmem_test_dmabuf_put_ref(void *ctx)
{
	struct devmem_test_exporter *exp = ctx;

	dma_buf_put(exp->buf.dmabuf);
}

static void devmem_test_exporter_put_action(void *ctx)
{
	devmem_test_exporter_put(ctx);
}

/**
 * devmem_test_dmabuf_create() - export a mock dma-buf
 * @test: the test the dma-buf belongs to
 * @size: size of the dma-buf, a multiple of PAGE_SIZE
 * @layout: sg layout and failure injection, or NULL for one aligned entry
 *
 * Export a dma-buf backed by @size bytes of zeroed memory. The test holds
 * one reference to the dma-buf, dropped when the test ends or by
 * devmem_test_dmabuf_put_and_wait(). The exporter counts every callback, so
 * the test can check that each attach and map was undone.
 *
 * Return: the mock dma-buf, or an ERR_PTR() on failure.
 */
struct devmem_test_dmabuf *
devmem_test_dmabuf_create(struct kunit *test, size_t size,
			  const struct devmem_test_dmabuf_layout *layout)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct devmem_test_exporter *exp;
	struct dma_buf *dmabuf;
	size_t total = 0;
	unsigned int i;
	int err;

	if (!size || !PAGE_ALIGNED(size))
		return ERR_PTR(-EINVAL);

	exp = kzalloc_obj(*exp);
	if (!exp)
		return ERR_PTR(-ENOMEM);
	refcount_set(&exp->refs, 1);
	init_completion(&exp->released);
	exp->dma_base = (u64)atomic64_inc_return(&devmem_test_dma_next) << 32;

	err = kunit_add_action_or_reset(test, devmem_test_exporter_put_action,
					exp);
	if (err)
		return ERR_PTR(err);

	exp->buf.size = size;
	exp->buf.vaddr = vzalloc(size);
	if (!exp->buf.vaddr)
		return ERR_PTR(-ENOMEM);

	if (layout && layout->nr_sg) {
		exp->sg_lens = kmemdup_array(layout->sg_lens, layout->nr_sg,
					     sizeof(*layout->sg_lens),
					     GFP_KERNEL);
		exp->nr_sg = layout->nr_sg;
	} else {
		exp->sg_lens = kmemdup(&size, sizeof(size), GFP_KERNEL);
		exp->nr_sg = 1;
	}
	if (!exp->sg_lens)
		return ERR_PTR(-ENOMEM);

	for (i = 0; i < exp->nr_sg; i++)
		total += exp->sg_lens[i];
	if (total > size)
		return ERR_PTR(-EINVAL);

	if (layout) {
		exp->misaligned = layout->misaligned;
		exp->attach_err = layout->attach_err;
		exp->map_err = layout->map_err;
	}

	exp_info.ops = &devmem_test_dmabuf_ops;
	exp_info.size = size;
	exp_info.flags = O_RDWR;
	exp_info.priv = exp;

	refcount_inc(&exp->refs);
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		devmem_test_exporter_put(exp);
		return ERR_CAST(dmabuf);
	}
	exp->buf.dmabuf = dmabuf;

	err = kunit_add_action_or_reset(test, devmem_test_dmabuf_put_ref, exp);
	if (err)
		return ERR_PTR(err);

	return &exp->buf;
}

static void devmem_test_close_fd(void *ctx)
{
	close_fd((unsigned long)ctx);
}

/**
 * devmem_test_dmabuf_fd() - a file descriptor for a mock dma-buf
 * @test: the running test
 * @buf: the mock dma-buf
 *
 * Install a new file descriptor for @buf in the test thread, as a user
 * holding the dma-buf would have, e.g. to pass in a netlink request. It is
 * closed when the test ends.
 *
 * Return: the descriptor, or a negative errno.
 */
int devmem_test_dmabuf_fd(struct kunit *test, struct devmem_test_dmabuf *buf)
{
	int fd, err;

	get_dma_buf(buf->dmabuf);
	fd = dma_buf_fd(buf->dmabuf, O_CLOEXEC);
	if (fd < 0) {
		dma_buf_put(buf->dmabuf);
		return fd;
	}

	err = kunit_add_action_or_reset(test, devmem_test_close_fd,
					(void *)(unsigned long)fd);
	return err ?: fd;
}

/**
 * devmem_test_dmabuf_put_and_wait() - drop the test's dma-buf reference
 * @test: the test that created @buf
 * @buf: the mock dma-buf
 *
 * Drop the reference taken by devmem_test_dmabuf_create() and wait for the
 * exporter's release callback, i.e. for every other user of the dma-buf
 * (a binding, a file descriptor) to let go of it too. @buf->dmabuf must not
 * be used afterwards; the counters in @buf stay readable until the test
 * ends. While it waits it runs NAPI on every CPU (devmem_test_run_napi()),
 * where skbs that hold net_iovs of a binding of @buf are freed.
 *
 * Return: 0 once released, -ETIMEDOUT if something still holds the dma-buf
 * after DEVMEM_TEST_TIMEOUT.
 */
int devmem_test_dmabuf_put_and_wait(struct kunit *test,
				    struct devmem_test_dmabuf *buf)
{
	struct devmem_test_exporter *exp = to_exporter(buf);
	unsigned long timeout = jiffies + DEVMEM_TEST_TIMEOUT;
	int err;

	kunit_release_action(test, devmem_test_dmabuf_put_ref, exp);
	/* What holds it may be skbs waiting for NAPI to free them. */
	while (!wait_for_completion_timeout(&exp->released, HZ / 10)) {
		if (time_after(jiffies, timeout))
			return -ETIMEDOUT;
		err = devmem_test_run_napi(test);
		if (err)
			return err;
	}

	return 0;
}

/**
 * devmem_test_dmabuf_vaddr() - CPU address of a byte of a mock dma-buf
 * @buf: the mock dma-buf
 * @offset: offset into the dma-buf
 *
 * Return: pointer to the byte at @offset, or NULL if out of range.
 */
void *devmem_test_dmabuf_vaddr(struct devmem_test_dmabuf *buf, size_t offset)
{
	if (offset >= buf->size)
		return NULL;

	return buf->vaddr + offset;
}

static bool devmem_test_exporter_lookup(struct devmem_test_exporter *exp,
					dma_addr_t addr, size_t len,
					size_t *offset)
{
	unsigned int i;
	dma_addr_t dma;
	size_t off;

	for (i = 0; i < exp->nr_sg; i++) {
		dma = devmem_test_sg_dma(exp, i, &off);
		if (addr >= dma && len <= exp->sg_lens[i] &&
		    addr - dma <= exp->sg_lens[i] - len) {
			*offset = off + (addr - dma);
			return true;
		}
	}

	return false;
}

/**
 * devmem_test_dmabuf_sg_dma() - bus address of an sg entry of a mock dma-buf
 * @buf: the mock dma-buf
 * @i: index of the sg entry
 *
 * Return: the address the exporter maps entry @i at.
 */
dma_addr_t devmem_test_dmabuf_sg_dma(struct devmem_test_dmabuf *buf,
				     unsigned int i)
{
	size_t off;

	return devmem_test_sg_dma(to_exporter(buf), i, &off);
}

/**
 * devmem_test_dmabuf_mapped() - where a bus address range lands in a dma-buf
 * @buf: the mock dma-buf
 * @addr: bus address, as a device would use it
 * @len: length of the range
 * @offset: the dma-buf offset of @addr, if it is in @buf
 *
 * Return: true if [@addr, @addr + @len) lies in one sg entry of a mapping
 * of @buf.
 */
bool devmem_test_dmabuf_mapped(struct devmem_test_dmabuf *buf,
			       dma_addr_t addr, size_t len, size_t *offset)
{
	return devmem_test_exporter_lookup(to_exporter(buf), addr, len, offset);
}

/**
 * devmem_test_dma_to_virt() - the bus, for the fake NIC's DMA engine
 * @addr: bus address of a mapped mock dma-buf
 * @len: length of the transfer
 *
 * The caller owns the buffer at @addr (it holds a net_iov of it), so the
 * mapping outlives the transfer.
 *
 * Return: the CPU address of [@addr, @addr + @len), or NULL if that range is
 * not inside one sg entry of a mapped mock dma-buf.
 */
void *devmem_test_dma_to_virt(dma_addr_t addr, size_t len)
{
	struct devmem_test_exporter *exp;
	void *va = NULL;
	size_t off;

	spin_lock_bh(&devmem_test_mapped_lock);
	list_for_each_entry(exp, &devmem_test_mapped, mapped_node) {
		if (devmem_test_exporter_lookup(exp, addr, len, &off)) {
			va = exp->buf.vaddr + off;
			break;
		}
	}
	spin_unlock_bh(&devmem_test_mapped_lock);

	return va;
}
