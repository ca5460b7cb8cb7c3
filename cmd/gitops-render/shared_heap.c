/* shared_heap: jansson trees that a forked child builds and its parent reads, without writing
 * them out and parsing them again.
 *
 * The native Kustomize engine runs in a child so that --timeout can stop it; its objects used to
 * cross a pipe as JSON Lines, and parsing them again was a third of a big render's CPU. Now the
 * parent maps memory shared with the child before the fork (so at the same address in both), the
 * child allocates every jansson value there, and on success leaves the root of its result in the
 * heap's header: the parent takes the trees as they are. What the child frees there is reused
 * (a free list per size class); what does not fit (the heap is --max-render-size bytes) comes
 * from malloc, and then the child says so and sends JSON Lines as before. jansson's hash seed is
 * fixed before the fork, so the parent's lookups find the child's keys. The parent never frees
 * inside a heap: its jansson free skips those addresses (the heap goes with the process). */
#include "render.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HEAP_MAGIC 0x6769746f70736870ULL /* "gitopshp" */
#define SMALL_MAX 1024                    /* sizes up to here in steps of 8; above, powers of two */
#define N_CLASSES (SMALL_MAX / 8 + 48)
#define HEADER 8                          /* before each block: its class (the payload stays 8-aligned) */
#define MAX_HEAPS 8                       /* heaps in one process (one per native build) */

struct shared_heap {
	uint64_t magic;
	json_t *root;   /* the child's result, or NULL */
	bool spilled;   /* some value did not fit and came from malloc */
	size_t used, cap;
	void *free_list[N_CLASSES];
	/* blocks follow, 16-aligned */
};

static struct {
	char *base;
	size_t len;
} heaps[MAX_HEAPS];
static size_t n_heaps;
static struct shared_heap *current; /* the child's heap, where jansson allocates */

static bool in_heaps(const void *p)
{
	for (size_t i = 0; i < n_heaps; i++)
		if ((const char *)p >= heaps[i].base && (const char *)p < heaps[i].base + heaps[i].len)
			return true;
	return false;
}

/* The parent's jansson free: what a child allocated in a heap stays there. */
static void parent_free(void *p)
{
	if (p && !in_heaps(p))
		free(p);
}

static size_t class_of(size_t n, size_t *size)
{
	if (n <= SMALL_MAX) {
		size_t c = n ? (n + 7) / 8 : 1;
		*size = c * 8;
		return c - 1;
	}
	size_t c = SMALL_MAX / 8, s = SMALL_MAX * 2;
	while (s < n && c + 1 < N_CLASSES - 1) {
		s *= 2;
		c++;
	}
	*size = s;
	return s < n ? N_CLASSES : c; /* N_CLASSES: larger than any class (malloc) */
}

static void *child_malloc(size_t n)
{
	struct shared_heap *h = current;
	size_t size, c = class_of(n, &size);
	if (c < N_CLASSES && h->free_list[c]) {
		void *p = h->free_list[c];
		h->free_list[c] = *(void **)p;
		return p;
	}
	if (c < N_CLASSES && h->cap - h->used >= HEADER + size) {
		char *block = (char *)h + h->used;
		*(uint64_t *)block = c;
		h->used += HEADER + size;
		return block + HEADER;
	}
	h->spilled = true;
	return malloc(n);
}

static void child_free(void *p)
{
	struct shared_heap *h = current;
	if (!p)
		return;
	if ((char *)p < (char *)h || (char *)p >= (char *)h + h->cap) {
		free(p);
		return;
	}
	uint64_t c = *(uint64_t *)((char *)p - HEADER);
	*(void **)p = h->free_list[c];
	h->free_list[c] = p;
}

struct shared_heap *shared_heap_new(size_t cap)
{
	if (n_heaps == MAX_HEAPS || cap < 4096)
		return NULL;
	void *m = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return NULL; /* (a strict overcommit policy: the objects go as text) */
	struct shared_heap *h = m;
	h->magic = HEAP_MAGIC;
	h->cap = cap;
	h->used = (sizeof(*h) + 15) & ~(size_t)15;
	heaps[n_heaps].base = m;
	heaps[n_heaps++].len = cap;
	json_object_seed(0); /* (fixed from here on: the child hashes keys as the parent will) */
	json_set_alloc_funcs(malloc, parent_free);
	return h;
}

void shared_heap_use(struct shared_heap *h)
{
	current = h;
	json_set_alloc_funcs(child_malloc, child_free);
}

/* Is every value of v in h (or one of jansson's static ones, which the parent has too)? */
static bool tree_inside(const struct shared_heap *h, json_t *v, size_t depth)
{
	const char *lo = (const char *)h, *hi = lo + h->cap;
	if (v->refcount == (size_t)-1)
		return true;
	if ((const char *)v < lo || (const char *)v >= hi || depth > GT_MAX_DEPTH_CEILING)
		return false;
	const char *k;
	json_t *c;
	size_t i;
	if (json_is_string(v))
		return json_string_value(v) >= lo && json_string_value(v) < hi;
	if (json_is_object(v)) {
		json_object_foreach(v, k, c) {
			if (k < lo || k >= hi || !tree_inside(h, c, depth + 1))
				return false;
		}
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, c) {
			if (!tree_inside(h, c, depth + 1))
				return false;
		}
	}
	return true;
}

bool shared_heap_hand_over(struct shared_heap *h, json_t *root)
{
	if (h->spilled || !tree_inside(h, root, 0))
		return false;
	h->root = root;
	return true;
}

json_t *shared_heap_take(struct shared_heap *h)
{
	json_t *root = h->magic == HEAP_MAGIC ? h->root : NULL;
	h->root = NULL;
	return root;
}

void shared_heap_drop(struct shared_heap *h)
{
	for (size_t i = 0; h && i < n_heaps; i++) {
		if (heaps[i].base != (char *)h)
			continue;
		munmap(heaps[i].base, heaps[i].len); /* (the pages the child touched are shared memory: gone now) */
		heaps[i] = heaps[--n_heaps];
		return;
	}
}
