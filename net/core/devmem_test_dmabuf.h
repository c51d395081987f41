/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Mock dma-buf exporter for the devmem KUnit tests: what a GPU driver
 * exporting device memory would be to devmem, with counters and failure
 * injection, and the bus addresses a fake NIC can DMA to and from.
 */
#ifndef _NET_CORE_DEVMEM_TEST_DMABUF_H
#define _NET_CORE_DEVMEM_TEST_DMABUF_H

#include <linux/atomic.h>
#include <linux/types.h>

struct dma_buf;
struct kunit;

/**
 * struct devmem_test_dmabuf_layout - how the mock exporter maps its buffer
 * @sg_lens: length of each sg entry, in bytes; NULL for a single entry
 *	covering the whole buffer
 * @nr_sg: number of entries in @sg_lens
 * @misaligned: give the last sg entry a DMA address that is not aligned to
 *	the net_iov size
 * @attach_err: if non-zero, attach fails with this errno
 * @map_err: if non-zero, map_dma_buf fails with this errno
 */
struct devmem_test_dmabuf_layout {
	const size_t *sg_lens;
	unsigned int nr_sg;
	bool misaligned;
	int attach_err;
	int map_err;
};

/**
 * struct devmem_test_dmabuf - mock dma-buf exporter state
 * @dmabuf: the exported dma-buf; the test holds one reference
 * @vaddr: backing memory, @size bytes, what the net_iovs stand for
 * @size: size of the dma-buf
 * @attach: number of successful attach calls seen by the exporter
 * @detach: number of detach calls
 * @map: number of successful map_dma_buf calls
 * @unmap: number of unmap_dma_buf calls
 * @unmap_wrong_dir: number of them with another DMA direction than the
 *	mapping's
 * @in_use: set by the test while it holds something that needs the mapping
 *	(a net_iov, a token), with WRITE_ONCE()
 * @unmap_in_use: number of unmap_dma_buf calls while @in_use was set: a
 *	binding gone too early
 * @release: number of release calls
 */
struct devmem_test_dmabuf {
	struct dma_buf *dmabuf;
	void *vaddr;
	size_t size;
	atomic_t attach;
	atomic_t detach;
	atomic_t map;
	atomic_t unmap;
	atomic_t unmap_wrong_dir;
	bool in_use;
	atomic_t unmap_in_use;
	atomic_t release;
};

struct devmem_test_dmabuf *
devmem_test_dmabuf_create(struct kunit *test, size_t size,
			  const struct devmem_test_dmabuf_layout *layout);
int devmem_test_dmabuf_fd(struct kunit *test, struct devmem_test_dmabuf *buf);
int devmem_test_dmabuf_put_and_wait(struct kunit *test,
				    struct devmem_test_dmabuf *buf);
void *devmem_test_dmabuf_vaddr(struct devmem_test_dmabuf *buf, size_t offset);
dma_addr_t devmem_test_dmabuf_sg_dma(struct devmem_test_dmabuf *buf,
				     unsigned int i);
bool devmem_test_dmabuf_mapped(struct devmem_test_dmabuf *buf,
			       dma_addr_t addr, size_t len, size_t *offset);
void *devmem_test_dma_to_virt(dma_addr_t addr, size_t len);

#endif /* _NET_CORE_DEVMEM_TEST_DMABUF_H */
