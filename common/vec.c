/* vec: growable arrays, string lists and string buffers. */
#include "vec.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GT_GROW_MIN 8

int gt_grow_(void *arrp, size_t *alloc, size_t need, size_t elem)
{
	void *old, *p;
	size_t cap = *alloc < GT_GROW_MIN / 2 ? GT_GROW_MIN : *alloc * 2;
	if (cap < need)
		cap = need;
	if (cap > SIZE_MAX / elem)
		return -1;
	/* arrp is a T **: read and write it as bytes, so that no T ** is accessed as a void **. */
	memcpy(&old, arrp, sizeof(old));
	if (!(p = realloc(old, cap * elem)))
		return -1;
	memcpy(arrp, &p, sizeof(p));
	*alloc = cap;
	return 0;
}

int gt_strvec_push(struct gt_strvec *sv, const char *s)
{
	if (GT_GROW(sv->v, sv->alloc, sv->n + 2) < 0)
		return -1;
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
	return 0;
}

void gt_strvec_release(struct gt_strvec *sv)
{
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->alloc = 0;
}

int gt_strbuf_add(struct gt_strbuf *sb, const void *data, size_t n)
{
	if (n > SIZE_MAX - sb->len - 1)
		return -1;
	if (GT_GROW(sb->s, sb->alloc, sb->len + n + 1) < 0)
		return -1;
	if (n)
		memcpy(sb->s + sb->len, data, n);
	sb->len += n;
	sb->s[sb->len] = '\0';
	return 0;
}

int gt_strbuf_adds(struct gt_strbuf *sb, const char *s)
{
	return gt_strbuf_add(sb, s, strlen(s));
}

int gt_strbuf_vaddf(struct gt_strbuf *sb, const char *fmt, va_list ap)
{
	va_list again;
	va_copy(again, ap);
	int n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	if (n < 0)
		return -1;
	if (GT_GROW(sb->s, sb->alloc, sb->len + (size_t)n + 1) < 0)
		return -1;
	vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
	return 0;
}

int gt_strbuf_addf(struct gt_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = gt_strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
	return r;
}

void gt_strbuf_setlen(struct gt_strbuf *sb, size_t len)
{
	if (len < sb->len) {
		sb->len = len;
		sb->s[len] = '\0';
	}
}

char *gt_strbuf_detach(struct gt_strbuf *sb)
{
	char *s = sb->s;
	if (!s && !(s = calloc(1, 1)))
		return NULL;
	sb->s = NULL;
	sb->len = sb->alloc = 0;
	return s;
}

void gt_strbuf_release(struct gt_strbuf *sb)
{
	free(sb->s);
	sb->s = NULL;
	sb->len = sb->alloc = 0;
}
