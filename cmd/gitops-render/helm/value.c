/* value: the Go values templates work on (interface{} holding float64, string, maps, slices,
 * helm's structs), reference-counted, with Go's truth, emptiness, type names and equality. */
#define _GNU_SOURCE
#include "helm.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- strings ---- */

struct hstr *hstr_new(const char *s, size_t n)
{
	struct hstr *h = malloc(sizeof(*h) + n + 1);
	if (!h)
		return NULL;
	h->rc = 1;
	h->mapped = false;
	h->len = n;
	if (n)
		memcpy(h->s, s, n);
	h->s[n] = '\0';
	return h;
}

struct hstr *hstr_ref(struct hstr *s)
{
	if (s)
		s->rc++;
	return s;
}

/* hstr_map_file's mapping for n bytes: a page whose end holds the header, the file's pages, and
 * at least one byte of zeros after them (the NUL) */
static size_t map_span(size_t n, size_t page)
{
	return page + (n + 1 + page - 1) / page * page;
}

/*
 * The n bytes of the open file fd as a string whose bytes are the file's pages, mapped privately:
 * a big file (the 5 MiB of a chart's crds/) costs no copy, and no memory until a template reads it
 * (most never do: gitops-render reads the crds/ files itself). NULL when it cannot be mapped or the
 * file is no longer n bytes long.
 */
struct hstr *hstr_map_file(int fd, size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), span = map_span(n, page);
	struct stat st;
	char *base = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	if (n && mmap(base + page, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED) {
		munmap(base, span);
		return NULL;
	}
	if (fstat(fd, &st) < 0 || (size_t)st.st_size != n) {
		munmap(base, span);
		return NULL;
	}
	struct hstr *h = (struct hstr *)(base + page - offsetof(struct hstr, s));
	h->rc = 1;
	h->mapped = true;
	h->len = n;
	return h;
}

void hstr_unref(struct hstr *s)
{
	if (!s || --s->rc > 0)
		return;
	if (s->mapped) {
		size_t page = (size_t)sysconf(_SC_PAGESIZE);
		munmap(s->s - page, map_span(s->len, page));
	} else {
		free(s);
	}
}

/* ---- constructors ---- */

struct hv hv_bool(bool b)
{
	return (struct hv){ .k = HV_BOOL, .u.b = b };
}

struct hv hv_int(int64_t i)
{
	return (struct hv){ .k = HV_INT, .u.i = i };
}

struct hv hv_int64(int64_t i)
{
	return (struct hv){ .k = HV_INT, .go = GO_INT64, .u.i = i };
}

struct hv hv_float(double f)
{
	return (struct hv){ .k = HV_FLOAT, .u.f = f };
}

struct hv hv_strn(const char *s, size_t n)
{
	struct hstr *h = hstr_new(s, n);
	return h ? (struct hv){ .k = HV_STRING, .u.s = h } : HV_NIL_V;
}

struct hv hv_str(const char *s)
{
	return hv_strn(s, strlen(s));
}

struct hv hv_str_take(struct hstr *s)
{
	return s ? (struct hv){ .k = HV_STRING, .u.s = s } : HV_NIL_V;
}

struct hv hv_map(void)
{
	struct hmap *m = calloc(1, sizeof(*m));
	if (!m)
		return HV_NIL_V;
	m->rc = 1;
	return (struct hv){ .k = HV_MAP, .u.m = m };
}

struct hv hv_list(void)
{
	struct hlist *l = calloc(1, sizeof(*l));
	if (!l)
		return HV_NIL_V;
	l->rc = 1;
	return (struct hv){ .k = HV_LIST, .u.l = l };
}

struct hobj *hobj_new(const char *type, const char *kind, bool ptr, size_t n)
{
	struct hobj *o = calloc(1, sizeof(*o));
	if (!o || !(o->f = calloc(n ? n : 1, sizeof(*o->f)))) {
		free(o);
		return NULL;
	}
	o->rc = 1;
	o->type = type;
	o->kind = kind;
	o->ptr = ptr;
	o->n = n;
	return o;
}

struct hv hv_obj(struct hobj *o)
{
	return o ? (struct hv){ .k = HV_OBJ, .u.o = o } : HV_NIL_V;
}

struct hv hv_ref(struct hv v)
{
	switch (v.k) {
	case HV_STRING: v.u.s->rc++; break;
	case HV_MAP: v.u.m->rc++; break;
	case HV_LIST: v.u.l->rc++; break;
	case HV_OBJ: v.u.o->rc++; break;
	default: break;
	}
	return v;
}

static void map_free(struct hmap *m)
{
	for (size_t i = 0; i < m->n; i++) {
		hstr_unref(m->kv[i].key);
		hv_unref(m->kv[i].val);
	}
	free(m->kv);
	free(m);
}

static void list_free(struct hlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		hv_unref(l->v[i]);
	free(l->v);
	free(l);
}

static void obj_free(struct hobj *o)
{
	for (size_t i = 0; i < o->n; i++)
		hv_unref(o->f[i].val);
	free(o->f);
	free(o);
}

void hv_unref(struct hv v)
{
	switch (v.k) {
	case HV_STRING:
		hstr_unref(v.u.s);
		break;
	case HV_MAP:
		if (--v.u.m->rc == 0)
			map_free(v.u.m);
		break;
	case HV_LIST:
		if (--v.u.l->rc == 0)
			list_free(v.u.l);
		break;
	case HV_OBJ:
		if (--v.u.o->rc == 0)
			obj_free(v.u.o);
		break;
	default:
		break;
	}
}

/* ---- maps: sorted arrays ---- */

static int key_cmp(const struct hstr *k, const char *key, size_t len)
{
	size_t n = k->len < len ? k->len : len;
	int c = memcmp(k->s, key, n);
	if (c)
		return c;
	return k->len < len ? -1 : k->len > len;
}

/* Index of key, or -(insertion point)-1. */
static ptrdiff_t map_search(const struct hmap *m, const char *key, size_t len)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = key_cmp(m->kv[mid].key, key, len);
		if (c == 0)
			return (ptrdiff_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(ptrdiff_t)lo - 1;
}

struct hv *hmap_find(const struct hmap *m, const char *key, size_t len)
{
	ptrdiff_t i = map_search(m, key, len);
	return i >= 0 ? &m->kv[i].val : NULL;
}

struct hv hmap_get(const struct hmap *m, const char *key)
{
	struct hv *v = hmap_find(m, key, strlen(key));
	return v ? *v : HV_NIL_V;
}

static int map_insert(struct hmap *m, size_t at, struct hstr *key, struct hv val)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8;
		struct hkv *kv = realloc(m->kv, cap * sizeof(*kv));
		if (!kv)
			return -1;
		m->kv = kv;
		m->cap = cap;
	}
	memmove(m->kv + at + 1, m->kv + at, (m->n - at) * sizeof(*m->kv));
	m->kv[at].key = key;
	m->kv[at].val = val;
	m->n++;
	return 0;
}

int hmap_set(struct hmap *m, const char *key, size_t len, struct hv val)
{
	ptrdiff_t i = map_search(m, key, len);
	if (i >= 0) {
		hv_unref(m->kv[i].val);
		m->kv[i].val = val;
		return 0;
	}
	/* appending in order is the common case (values files, dict): no search needed next time */
	struct hstr *k = hstr_new(key, len);
	if (!k || map_insert(m, (size_t)(-i - 1), k, val) < 0) {
		hstr_unref(k);
		hv_unref(val);
		return -1;
	}
	return 0;
}

int hmap_setk(struct hmap *m, struct hstr *key, struct hv val)
{
	ptrdiff_t i = map_search(m, key->s, key->len);
	if (i >= 0) {
		hv_unref(m->kv[i].val);
		m->kv[i].val = val;
		return 0;
	}
	if (map_insert(m, (size_t)(-i - 1), hstr_ref(key), val) < 0) {
		hstr_unref(key);
		hv_unref(val);
		return -1;
	}
	return 0;
}

bool hmap_del(struct hmap *m, const char *key)
{
	ptrdiff_t i = map_search(m, key, strlen(key));
	if (i < 0)
		return false;
	hstr_unref(m->kv[i].key);
	hv_unref(m->kv[i].val);
	memmove(m->kv + i, m->kv + i + 1, (m->n - (size_t)i - 1) * sizeof(*m->kv));
	m->n--;
	return true;
}

int hlist_push(struct hlist *l, struct hv val)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct hv *v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			hv_unref(val);
			return -1;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = val;
	return 0;
}

struct hv hv_deep_copy(struct hv v)
{
	if (v.k == HV_MAP) {
		struct hv c = hv_map();
		if (c.k != HV_MAP)
			return c;
		c.go = v.go;
		struct hmap *m = c.u.m;
		if (v.u.m->n && !(m->kv = malloc(v.u.m->n * sizeof(*m->kv)))) {
			hv_unref(c);
			return HV_NIL_V;
		}
		m->cap = v.u.m->n;
		for (size_t i = 0; i < v.u.m->n; i++) {
			m->kv[i].key = hstr_ref(v.u.m->kv[i].key);
			m->kv[i].val = hv_deep_copy(v.u.m->kv[i].val);
			m->n++;
		}
		return c;
	}
	if (v.k == HV_LIST) {
		struct hv c = hv_list();
		if (c.k != HV_LIST)
			return c;
		c.go = v.go;
		for (size_t i = 0; i < v.u.l->n; i++)
			if (hlist_push(c.u.l, hv_deep_copy(v.u.l->v[i])) < 0)
				break;
		return c;
	}
	return hv_ref(v);
}

/* ---- Go's truth and sprig's empty ---- */

bool hv_truth(struct hv v)
{
	switch (v.k) {
	case HV_NIL: return false;
	case HV_BOOL: return v.u.b;
	case HV_INT: return v.u.i != 0;
	case HV_FLOAT: return v.u.f != 0;
	case HV_STRING: return v.u.s->len > 0;
	case HV_MAP: return v.u.m->n > 0;
	case HV_LIST: return v.u.l->n > 0;
	case HV_OBJ: return true; /* a struct, or a non-nil pointer */
	}
	return false;
}

bool hv_empty(struct hv v)
{
	return !hv_truth(v);
}

/* ---- type names ---- */

const char *hv_type_name(struct hv v)
{
	switch (v.k) {
	case HV_NIL: return "<nil>";
	case HV_BOOL: return "bool";
	case HV_INT: return v.go == GO_INT64 ? "int64" : v.go == GO_UINT8 ? "uint8" : "int";
	case HV_FLOAT: return "float64";
	case HV_STRING: return v.go == GO_BYTES ? "[]uint8" : "string";
	case HV_MAP:
		return v.go == GO_VALUES ? "chartutil.Values" : v.go == GO_MAPSTR ? "map[string]string"
		       : v.go == GO_FILES ? "engine.files" : "map[string]interface {}";
	case HV_LIST:
		return v.go == GO_STRINGS ? "[]string" : v.go == GO_INTS ? "[]int"
		       : v.go == GO_VERSIONSET ? "chartutil.VersionSet" : v.go == GO_LISTS ? "[][]interface {}"
		       : v.go == GO_MAPS ? "[]map[string]interface {}"
		       : "[]interface {}";
	case HV_OBJ: return v.u.o->type;
	}
	return "?";
}

const char *hv_kind_name(struct hv v)
{
	switch (v.k) {
	case HV_NIL: return "invalid";
	case HV_BOOL: return "bool";
	case HV_INT: return v.go == GO_INT64 ? "int64" : v.go == GO_UINT8 ? "uint8" : "int";
	case HV_FLOAT: return "float64";
	case HV_STRING: return v.go == GO_BYTES ? "slice" : "string";
	case HV_MAP: return "map";
	case HV_LIST: return "slice";
	case HV_OBJ: return v.u.o->kind;
	}
	return "?";
}

/* reflect.DeepEqual: same Go types, same contents. */
bool hv_deep_equal(struct hv a, struct hv b)
{
	if (a.k != b.k || (a.k != HV_NIL && a.go != b.go))
		return false;
	switch (a.k) {
	case HV_NIL: return true;
	case HV_BOOL: return a.u.b == b.u.b;
	case HV_INT: return a.u.i == b.u.i;
	case HV_FLOAT: return a.u.f == b.u.f;
	case HV_STRING: return a.u.s->len == b.u.s->len && !memcmp(a.u.s->s, b.u.s->s, a.u.s->len);
	case HV_MAP:
		if (a.u.m->n != b.u.m->n)
			return false;
		for (size_t i = 0; i < a.u.m->n; i++) {
			const struct hstr *ka = a.u.m->kv[i].key, *kb = b.u.m->kv[i].key;
			if (ka->len != kb->len || memcmp(ka->s, kb->s, ka->len) ||
			    !hv_deep_equal(a.u.m->kv[i].val, b.u.m->kv[i].val))
				return false;
		}
		return true;
	case HV_LIST:
		if (a.u.l->n != b.u.l->n)
			return false;
		for (size_t i = 0; i < a.u.l->n; i++)
			if (!hv_deep_equal(a.u.l->v[i], b.u.l->v[i]))
				return false;
		return true;
	case HV_OBJ:
		if (a.u.o == b.u.o)
			return true;
		if (strcmp(a.u.o->type, b.u.o->type) || a.u.o->n != b.u.o->n)
			return false;
		for (size_t i = 0; i < a.u.o->n; i++)
			if (!hv_deep_equal(a.u.o->f[i].val, b.u.o->f[i].val))
				return false;
		return true;
	}
	return false;
}

/* ---- from JSON (what sigs.k8s.io/yaml and encoding/json produce: float64 numbers) ---- */

struct hv hv_from_json(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		struct hv m = hv_map();
		const char *k;
		json_t *c;
		if (m.k != HV_MAP)
			return m;
		json_object_foreach((json_t *)j, k, c) {
			struct hv cv = hv_from_json(c);
			if (hmap_set(m.u.m, k, strlen(k), cv) < 0) {
				hv_unref(m);
				return HV_NIL_V;
			}
		}
		return m;
	}
	case JSON_ARRAY: {
		struct hv l = hv_list();
		size_t i;
		json_t *c;
		if (l.k != HV_LIST)
			return l;
		json_array_foreach(j, i, c) {
			if (hlist_push(l.u.l, hv_from_json(c)) < 0) {
				hv_unref(l);
				return HV_NIL_V;
			}
		}
		return l;
	}
	case JSON_STRING: return hv_strn(json_string_value(j), json_string_length(j));
	case JSON_INTEGER: return hv_float((double)json_integer_value(j));
	case JSON_REAL: return hv_float(json_real_value(j));
	case JSON_TRUE: return hv_bool(true);
	case JSON_FALSE: return hv_bool(false);
	case JSON_NULL: return HV_NIL_V;
	}
	return HV_NIL_V;
}

/* ---- buffers ---- */

static bool buf_grow(struct buf *b, size_t more)
{
	if (b->oom)
		return false;
	if (b->n + more + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->n + more + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void buf_add(struct buf *b, const char *s, size_t n)
{
	if (!buf_grow(b, n))
		return;
	if (n)
		memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addc(struct buf *b, char c)
{
	if (!buf_grow(b, 1))
		return;
	b->p[b->n++] = c;
	b->p[b->n] = '\0';
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		buf_add(b, small, (size_t)n);
		return;
	}
	if (!buf_grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)n;
}

char *buf_take(struct buf *b, size_t *n)
{
	if (b->oom) {
		buf_free(b);
		return NULL;
	}
	if (!b->p && !buf_grow(b, 0))
		return NULL;
	char *p = b->p;
	if (n)
		*n = b->n;
	memset(b, 0, sizeof(*b));
	return p;
}

void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ---- errors ---- */

void herr_set(struct herr *e, enum herr_kind k, bool confident, const char *fmt, ...)
{
	if (e->kind != HERR_NONE)
		return; /* the first error is the one that happened */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	e->kind = k;
	e->confident = confident;
}
