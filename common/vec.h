/* vec: the one small kit for growable arrays, string lists and string buffers (as git's
 * ALLOC_GROW, strvec and strbuf). Whatever can run out of memory returns -1 (NULL for a
 * detach), prints nothing and leaves the structure as it was: the caller says what failed.
 * The structures start zeroed and are released with their _release function (idempotent). */
#ifndef GT_VEC_H
#define GT_VEC_H

#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>

/*
 * Make room for at least need elements in the array arr whose capacity is alloc (both
 * lvalues; arr may be NULL with alloc 0): 0, or -1 (no memory) leaving both untouched.
 * The capacity at least doubles, so pushing n elements one by one costs O(n).
 *     if (GT_GROW(list->items, list->alloc, list->n + 1) < 0) return -1;
 *     list->items[list->n++] = x;
 */
#define GT_GROW(arr, alloc, need) \
	((size_t)(need) <= (alloc) ? 0 : gt_grow_((void *)&(arr), &(alloc), (size_t)(need), sizeof(*(arr))))
int gt_grow_(void *arrp, size_t *alloc, size_t need, size_t elem);

/* A list of strings, borrowed or owned as the user decides (the list frees only its array). */
struct gt_strvec {
	const char **v; /* NULL-terminated when n > 0 */
	size_t n, alloc;
};
int gt_strvec_push(struct gt_strvec *sv, const char *s);
void gt_strvec_release(struct gt_strvec *sv);

/* A growing string: s is NUL-terminated when len > 0 (or after any add), and owned. */
struct gt_strbuf {
	char *s;
	size_t len, alloc;
};
int gt_strbuf_add(struct gt_strbuf *sb, const void *data, size_t n);
int gt_strbuf_adds(struct gt_strbuf *sb, const char *s);
int gt_strbuf_addf(struct gt_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int gt_strbuf_vaddf(struct gt_strbuf *sb, const char *fmt, va_list ap);
/* Cut sb back to its first len bytes (len <= sb->len). */
void gt_strbuf_setlen(struct gt_strbuf *sb, size_t len);
/* The string, now the caller's (never NULL after success: "" for an empty buffer); sb is empty again. NULL on no memory. */
char *gt_strbuf_detach(struct gt_strbuf *sb);
void gt_strbuf_release(struct gt_strbuf *sb);

#endif
