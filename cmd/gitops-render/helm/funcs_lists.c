/* funcs_lists: sprig's lists and dicts (list.go, dict.go: maps mutate in place, mergo's merge
 * rules), defaults and emptiness (defaults.go), and types (reflect.go). */
#define _GNU_SOURCE
#include "funcs.h"

#include <stdlib.h>
#include <string.h>

static struct hv new_list(void)
{
	return hv_list();
}

/* The elements of a slice argument; Go panics (an error) for anything else. */
static int need_slice(struct exec *x, struct hv v, const char *what, struct hlist **l)
{
	if (v.k == HV_LIST) {
		*l = v.u.l;
		return 0;
	}
	if (v.k == HV_STRING && v.go == GO_BYTES) {
		exec_unsupported(x, "%s of a []byte", what);
		return -2;
	}
	if (v.k == HV_NIL)
		return fn_error(x, "runtime error: invalid memory address or nil pointer dereference");
	return fn_error(x, "Cannot %s on type %s", what, hv_kind_name(v));
}

static struct hv el(struct hv v)
{
	return hv_ref(v);
}

FN(fn_list)
{
	struct hv l = new_list();
	if (l.k != HV_LIST)
		return oom(x);
	for (size_t i = 0; i < n; i++)
		if (hlist_push(l.u.l, hv_ref(a[i])) < 0) {
			hv_unref(l);
			return oom(x);
		}
	*out = l;
	return 0;
}

FN(fn_dict)
{
	struct hv m = hv_map();
	if (m.k != HV_MAP)
		return oom(x);
	for (size_t i = 0; i < n; i += 2) {
		/* a key that is a struct with pointers in it (a chart passing $ as a key by mistake) holds
		 * addresses in Go, different on every run: any stands in */
		struct hv k = strval(a[i]);
		if (k.k != HV_STRING) {
			struct buf kb = { 0 };
			if (fmt_value_any_address(&kb, a[i], false) == 0 && !kb.oom)
				k = hv_strn(kb.p ? kb.p : "", kb.n);
			buf_free(&kb);
		}
		if (k.k != HV_STRING) {
			hv_unref(m);
			exec_unsupported(x, "a dict key fmt would show as an address");
			return -2;
		}
		struct hv v = i + 1 < n ? hv_ref(a[i + 1]) : hv_str("");
		int r = hmap_set(m.u.m, k.u.s->s, k.u.s->len, v);
		hv_unref(k);
		if (r < 0) {
			hv_unref(m);
			return oom(x);
		}
	}
	*out = m;
	return 0;
}

FN(fn_get)
{
	(void)n;
	struct hv *v = a[0].k == HV_MAP ? hmap_find(a[0].u.m, a[1].u.s->s, a[1].u.s->len) : NULL;
	return ret(x, out, v ? hv_ref(*v) : hv_str(""));
}

FN(fn_set)
{
	(void)n;
	if (a[0].k != HV_MAP)
		return fn_error(x, "assignment to entry in nil map");
	if (hmap_set(a[0].u.m, a[1].u.s->s, a[1].u.s->len, hv_ref(a[2])) < 0)
		return oom(x);
	*out = hv_ref(a[0]);
	out->go = GO_PLAIN;
	return 0;
}

FN(fn_unset)
{
	(void)n;
	if (a[0].k == HV_MAP)
		hmap_del(a[0].u.m, a[1].u.s->s);
	*out = a[0].k == HV_MAP ? hv_ref(a[0]) : hv_map();
	out->go = GO_PLAIN;
	return ret(x, out, *out);
}

FN(fn_haskey)
{
	(void)n, (void)x;
	*out = hv_bool(a[0].k == HV_MAP && hmap_find(a[0].u.m, a[1].u.s->s, a[1].u.s->len));
	return 0;
}

FN(fn_pluck)
{
	struct hv l = new_list();
	if (l.k != HV_LIST)
		return oom(x);
	for (size_t i = 1; i < n; i++) {
		struct hv *v = a[i].k == HV_MAP ? hmap_find(a[i].u.m, a[0].u.s->s, a[0].u.s->len) : NULL;
		if (v && hlist_push(l.u.l, hv_ref(*v)) < 0) {
			hv_unref(l);
			return oom(x);
		}
	}
	*out = l;
	return 0;
}

/* keys: Go's map order is random; sorted is one of the orders helm may print. */
FN(fn_keys)
{
	struct hv l = new_list();
	if (l.k != HV_LIST)
		return oom(x);
	l.go = GO_STRINGS;
	for (size_t i = 0; i < n; i++) {
		if (a[i].k != HV_MAP)
			continue;
		if (n > 1 && a[i].u.m->n) {
			hv_unref(l);
			exec_unsupported(x, "keys of several maps (Go's order is random)");
			return -2;
		}
		for (size_t k = 0; k < a[i].u.m->n; k++)
			if (hlist_push(l.u.l, hv_str_take(hstr_ref(a[i].u.m->kv[k].key))) < 0) {
				hv_unref(l);
				return oom(x);
			}
	}
	*out = l;
	return 0;
}

FN(fn_values)
{
	(void)n;
	struct hv l = new_list();
	if (l.k != HV_LIST)
		return oom(x);
	if (a[0].k == HV_MAP && a[0].u.m->n > 1) {
		hv_unref(l);
		exec_unsupported(x, "values of a map with several keys (Go's order is random)");
		return -2;
	}
	for (size_t k = 0; a[0].k == HV_MAP && k < a[0].u.m->n; k++)
		if (hlist_push(l.u.l, hv_ref(a[0].u.m->kv[k].val)) < 0) {
			hv_unref(l);
			return oom(x);
		}
	*out = l;
	return 0;
}

FN(fn_pick)
{
	struct hv m = hv_map();
	if (m.k != HV_MAP)
		return oom(x);
	for (size_t i = 1; i < n; i++) {
		struct hv *v = a[0].k == HV_MAP ? hmap_find(a[0].u.m, a[i].u.s->s, a[i].u.s->len) : NULL;
		if (v && hmap_set(m.u.m, a[i].u.s->s, a[i].u.s->len, hv_ref(*v)) < 0) {
			hv_unref(m);
			return oom(x);
		}
	}
	*out = m;
	return 0;
}

FN(fn_omit)
{
	struct hv m = hv_map();
	if (m.k != HV_MAP)
		return oom(x);
	for (size_t k = 0; a[0].k == HV_MAP && k < a[0].u.m->n; k++) {
		struct hstr *key = a[0].u.m->kv[k].key;
		bool drop = false;
		for (size_t i = 1; i < n && !drop; i++)
			drop = a[i].u.s->len == key->len && !memcmp(a[i].u.s->s, key->s, key->len);
		if (!drop && hmap_setk(m.u.m, key, hv_ref(a[0].u.m->kv[k].val)) < 0) {
			hv_unref(m);
			return oom(x);
		}
	}
	*out = m;
	return 0;
}

/* mergo's isEmptyValue with dereferencing */
static bool mergo_empty(struct hv v)
{
	return hv_empty(v);
}

void merge_maps(struct hmap *dst, struct hmap *src, bool overwrite)
{
	for (size_t i = 0; i < src->n; i++) {
		struct hstr *k = src->kv[i].key;
		struct hv s = src->kv[i].val;
		struct hv *d = hmap_find(dst, k->s, k->len);
		if (s.k == HV_NIL) {
			if (overwrite)
				hmap_setk(dst, k, HV_NIL_V);
			continue;
		}
		if (s.k == HV_MAP && d && d->k == HV_MAP) {
			merge_maps(d->u.m, s.u.m, overwrite);
			d = hmap_find(dst, k->s, k->len);
		}
		if (d && !mergo_empty(*d)) {
			if (s.k == HV_LIST && !overwrite)
				continue;
			if (s.k == HV_MAP && d->k == HV_MAP)
				continue;
		}
		if (overwrite || !d || mergo_empty(*d))
			hmap_setk(dst, k, el(s));
	}
}

static int merge_fn(struct exec *x, struct hv *a, size_t n, struct hv *out, bool overwrite)
{
	struct hv dst = a[0].k == HV_MAP ? hv_ref(a[0]) : hv_map();
	if (dst.k != HV_MAP)
		return oom(x);
	dst.go = GO_PLAIN;
	for (size_t i = 1; i < n; i++)
		if (a[i].k == HV_MAP)
			merge_maps(dst.u.m, a[i].u.m, overwrite);
	*out = dst;
	return 0;
}

FN(fn_merge) { return merge_fn(x, a, n, out, false); }
FN(fn_mergeoverwrite) { return merge_fn(x, a, n, out, true); }
FN(fn_must_merge) { return merge_fn(x, a, n, out, false); }
FN(fn_must_mergeoverwrite) { return merge_fn(x, a, n, out, true); }

static int copy_elems(struct exec *x, struct hlist *from, size_t b, size_t e, struct hv *l)
{
	for (size_t i = b; i < e; i++)
		if (hlist_push(l->u.l, el(from->v[i])) < 0)
			return oom(x);
	return 0;
}

static int push_fn(struct exec *x, struct hv *a, struct hv *out, bool front, const char *what)
{
	struct hlist *src;
	int r = need_slice(x, a[0], what, &src);
	if (r < 0)
		return r;
	struct hv l = new_list();
	if (l.k != HV_LIST)
		return oom(x);
	if ((front && hlist_push(l.u.l, hv_ref(a[1])) < 0) || copy_elems(x, src, 0, src->n, &l) < 0 ||
	    (!front && hlist_push(l.u.l, hv_ref(a[1])) < 0)) {
		hv_unref(l);
		return oom(x);
	}
	*out = l;
	return 0;
}

FN(fn_append) { (void)n; return push_fn(x, a, out, false, "push"); }
FN(fn_must_append) { (void)n; return push_fn(x, a, out, false, "push"); }
FN(fn_prepend) { (void)n; return push_fn(x, a, out, true, "prepend"); }
FN(fn_must_prepend) { (void)n; return push_fn(x, a, out, true, "prepend"); }

static int end_fn(struct exec *x, struct hv *a, struct hv *out, bool last, const char *what)
{
	struct hlist *l = NULL;
	int r = need_slice(x, a[0], what, &l);
	if (r < 0)
		return r;
	if (!l->n) {
		*out = HV_NIL_V;
		return 0;
	}
	*out = el(l->v[last ? l->n - 1 : 0]);
	return 0;
}

FN(fn_first) { (void)n; return end_fn(x, a, out, false, "find first"); }
FN(fn_must_first) { (void)n; return end_fn(x, a, out, false, "find first"); }
FN(fn_last) { (void)n; return end_fn(x, a, out, true, "find last"); }
FN(fn_must_last) { (void)n; return end_fn(x, a, out, true, "find last"); }

static int part_fn(struct exec *x, struct hv *a, struct hv *out, bool rest, const char *what)
{
	struct hlist *l;
	int r = need_slice(x, a[0], what, &l);
	if (r < 0)
		return r;
	struct hv res = new_list();
	if (res.k != HV_LIST)
		return oom(x);
	if (!l->n)
		res.u.l->is_nil = true;
	else if (copy_elems(x, l, rest ? 1 : 0, rest ? l->n : l->n - 1, &res) < 0)
		return hv_unref(res), -2;
	*out = res;
	return 0;
}

FN(fn_rest) { (void)n; return part_fn(x, a, out, true, "find rest"); }
FN(fn_must_rest) { (void)n; return part_fn(x, a, out, true, "find rest"); }
FN(fn_initial) { (void)n; return part_fn(x, a, out, false, "find initial"); }
FN(fn_must_initial) { (void)n; return part_fn(x, a, out, false, "find initial"); }

static int reverse_fn(struct exec *x, struct hv *a, struct hv *out)
{
	struct hlist *l;
	int r = need_slice(x, a[0], "find reverse", &l);
	if (r < 0)
		return r;
	struct hv res = new_list();
	if (res.k != HV_LIST)
		return oom(x);
	for (size_t i = l->n; i-- > 0;)
		if (hlist_push(res.u.l, el(l->v[i])) < 0)
			return hv_unref(res), oom(x);
	*out = res;
	return 0;
}

FN(fn_reverse) { (void)n; return reverse_fn(x, a, out); }
FN(fn_must_reverse) { (void)n; return reverse_fn(x, a, out); }

static bool in_list(struct hlist *l, struct hv v)
{
	for (size_t i = 0; i < l->n; i++)
		if (hv_deep_equal(l->v[i], v))
			return true;
	return false;
}

static int uniq_fn(struct exec *x, struct hv *a, struct hv *out)
{
	struct hlist *l;
	int r = need_slice(x, a[0], "find uniq", &l);
	if (r < 0)
		return r;
	struct hv res = new_list();
	if (res.k != HV_LIST)
		return oom(x);
	for (size_t i = 0; i < l->n; i++)
		if (!in_list(res.u.l, l->v[i]) && hlist_push(res.u.l, el(l->v[i])) < 0)
			return hv_unref(res), oom(x);
	*out = res;
	return 0;
}

FN(fn_uniq) { (void)n; return uniq_fn(x, a, out); }
FN(fn_must_uniq) { (void)n; return uniq_fn(x, a, out); }

static int without_fn(struct exec *x, struct hv *a, size_t n, struct hv *out)
{
	struct hlist *l;
	int r = need_slice(x, a[0], "find without", &l);
	if (r < 0)
		return r;
	struct hv res = new_list();
	if (res.k != HV_LIST)
		return oom(x);
	for (size_t i = 0; i < l->n; i++) {
		bool drop = false;
		for (size_t k = 1; k < n && !drop; k++)
			drop = hv_deep_equal(a[k], l->v[i]);
		if (!drop && hlist_push(res.u.l, el(l->v[i])) < 0)
			return hv_unref(res), oom(x);
	}
	*out = res;
	return 0;
}

FN(fn_without) { return without_fn(x, a, n, out); }
FN(fn_must_without) { return without_fn(x, a, n, out); }

static int has_fn(struct exec *x, struct hv *a, struct hv *out)
{
	if (a[1].k == HV_NIL) {
		*out = hv_bool(false);
		return 0;
	}
	struct hlist *l;
	int r = need_slice(x, a[1], "find has", &l);
	if (r < 0)
		return r;
	*out = hv_bool(in_list(l, a[0]));
	return 0;
}

FN(fn_has) { (void)n; return has_fn(x, a, out); }
FN(fn_must_has) { (void)n; return has_fn(x, a, out); }

static int compact_fn(struct exec *x, struct hv *a, struct hv *out)
{
	struct hlist *l;
	int r = need_slice(x, a[0], "compact", &l);
	if (r < 0)
		return r;
	struct hv res = new_list();
	if (res.k != HV_LIST)
		return oom(x);
	for (size_t i = 0; i < l->n; i++)
		if (!hv_empty(l->v[i]) && hlist_push(res.u.l, el(l->v[i])) < 0)
			return hv_unref(res), oom(x);
	*out = res;
	return 0;
}

FN(fn_compact) { (void)n; return compact_fn(x, a, out); }
FN(fn_must_compact) { (void)n; return compact_fn(x, a, out); }

static int slice_fn(struct exec *x, struct hv *a, size_t n, struct hv *out)
{
	struct hlist *l;
	if (a[0].k != HV_LIST) {
		if (a[0].k == HV_NIL)
			return fn_error(x, "runtime error: invalid memory address or nil pointer dereference");
		exec_unsupported(x, "slice of a %s", hv_type_name(a[0]));
		return -2;
	}
	l = a[0].u.l;
	if (!l->n) {
		*out = HV_NIL_V;
		return 0;
	}
	int64_t start = n > 1 ? cast_int64(a[1]) : 0, end = n > 2 ? cast_int64(a[2]) : (int64_t)l->n;
	if (start < 0 || end < start || end > (int64_t)l->n)
		return fn_error(x, "reflect: slice index out of range");
	struct hv res = new_list();
	if (res.k != HV_LIST)
		return oom(x);
	res.go = a[0].go == GO_VERSIONSET ? GO_PLAIN : a[0].go;
	if (copy_elems(x, l, (size_t)start, (size_t)end, &res) < 0)
		return hv_unref(res), -2;
	*out = res;
	return 0;
}

FN(fn_slice) { return slice_fn(x, a, n, out); }
FN(fn_must_slice) { return slice_fn(x, a, n, out); }

FN(fn_concat)
{
	struct hv res = new_list();
	if (res.k != HV_LIST)
		return oom(x);
	res.u.l->is_nil = true;
	for (size_t i = 0; i < n; i++) {
		struct hlist *l;
		if (a[i].k != HV_LIST) {
			hv_unref(res);
			if (a[i].k == HV_NIL)
				return fn_error(x, "runtime error: invalid memory address or nil pointer dereference");
			return fn_error(x, "Cannot concat type %s as list", hv_kind_name(a[i]));
		}
		l = a[i].u.l;
		if (l->n)
			res.u.l->is_nil = false;
		if (copy_elems(x, l, 0, l->n, &res) < 0)
			return hv_unref(res), -2;
	}
	*out = res;
	return 0;
}

static int chunk_fn(struct exec *x, struct hv *a, struct hv *out)
{
	struct hlist *l;
	int r = need_slice(x, a[1], "chunk", &l);
	if (r < 0)
		return r;
	int64_t size = a[0].u.i;
	if (size <= 0) {
		exec_unsupported(x, "chunk with a size below 1");
		return -2;
	}
	struct hv res = new_list();
	if (res.k != HV_LIST)
		return oom(x);
	res.go = GO_LISTS;
	for (size_t i = 0; i < l->n; i += (size_t)size) {
		struct hv c = new_list();
		if (c.k != HV_LIST)
			return hv_unref(res), oom(x);
		size_t e = i + (size_t)size < l->n ? i + (size_t)size : l->n;
		if (copy_elems(x, l, i, e, &c) < 0 || hlist_push(res.u.l, c) < 0)
			return hv_unref(res), oom(x);
	}
	*out = res;
	return 0;
}

FN(fn_chunk) { (void)n; return chunk_fn(x, a, out); }
FN(fn_must_chunk) { (void)n; return chunk_fn(x, a, out); }

FN(fn_dig)
{
	if (n < 3)
		return fn_error(x, "dig needs at least three arguments");
	if (a[n - 1].k != HV_MAP) {
		exec_unsupported(x, "dig on a %s", hv_type_name(a[n - 1]));
		return -2;
	}
	struct hv cur = a[n - 1];
	for (size_t i = 0; i + 2 < n; i++) {
		if (!hv_is_str(a[i])) {
			exec_unsupported(x, "dig with a key that is not a string");
			return -2;
		}
		struct hv *step = hmap_find(cur.u.m, a[i].u.s->s, a[i].u.s->len);
		if (!step) {
			*out = hv_ref(a[n - 2]);
			return 0;
		}
		if (i + 3 == n) {
			*out = hv_ref(*step);
			return 0;
		}
		if (step->k != HV_MAP) {
			exec_unsupported(x, "dig through a %s (Go panics)", hv_type_name(*step));
			return -2;
		}
		cur = *step;
	}
	*out = hv_ref(a[n - 2]);
	return 0;
}

/* ---- defaults ---- */

FN(fn_default)
{
	(void)x;
	if (n < 2 || hv_empty(a[1]))
		*out = hv_ref(a[0]);
	else
		*out = hv_ref(a[1]);
	return 0;
}

FN(fn_empty)
{
	(void)n, (void)x;
	*out = hv_bool(hv_empty(a[0]));
	return 0;
}

FN(fn_coalesce)
{
	(void)x;
	for (size_t i = 0; i < n; i++)
		if (!hv_empty(a[i])) {
			*out = hv_ref(a[i]);
			return 0;
		}
	*out = HV_NIL_V;
	return 0;
}

FN(fn_all)
{
	(void)x;
	bool all = true;
	for (size_t i = 0; i < n && all; i++)
		all = !hv_empty(a[i]);
	*out = hv_bool(all);
	return 0;
}

FN(fn_any)
{
	(void)x;
	bool any = false;
	for (size_t i = 0; i < n && !any; i++)
		any = !hv_empty(a[i]);
	*out = hv_bool(any);
	return 0;
}

FN(fn_ternary)
{
	(void)n, (void)x;
	*out = hv_ref(a[2].u.b ? a[0] : a[1]);
	return 0;
}

FN(fn_deepcopy)
{
	(void)n;
	if (a[0].k == HV_NIL)
		return fn_error(x, "deepCopy error: ");
	return ret(x, out, hv_deep_copy(a[0]));
}

FN(fn_must_deepcopy)
{
	(void)n;
	return ret(x, out, hv_deep_copy(a[0]));
}

/* ---- types ---- */

FN(fn_typeof)
{
	(void)n;
	return ret(x, out, hv_str(hv_type_name(a[0])));
}

FN(fn_typeis)
{
	(void)n, (void)x;
	*out = hv_bool(!strcmp(a[0].u.s->s, hv_type_name(a[1])));
	return 0;
}

FN(fn_typeislike)
{
	(void)n, (void)x;
	const char *t = hv_type_name(a[1]);
	*out = hv_bool(!strcmp(a[0].u.s->s, t) || (t[0] == '*' && !strcmp(a[0].u.s->s, t + 1)));
	return 0;
}

FN(fn_kindof)
{
	(void)n;
	return ret(x, out, hv_str(hv_kind_name(a[0])));
}

FN(fn_kindis)
{
	(void)n, (void)x;
	*out = hv_bool(!strcmp(a[0].u.s->s, hv_kind_name(a[1])));
	return 0;
}

FN(fn_deepequal)
{
	(void)n, (void)x;
	*out = hv_bool(hv_deep_equal(a[0], a[1]));
	return 0;
}
