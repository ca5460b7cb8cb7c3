/* values: the values a render sees, computed as helm 3.17 does: -f files merged in order, then
 * --set/--set-string/--set-file (strvals); dependencies enabled by tags and conditions, aliases
 * renamed; chart defaults coalesced under them (null deletes, globals copied down), every YAML
 * number a float64 (sigs.k8s.io/yaml) and every --set integer an int64. */
#define _GNU_SOURCE
#include "helm.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include "file.h"
#include "limits.h"
#include "yaml.h"

static bool is_table(struct hv v)
{
	return v.k == HV_MAP;
}

/* ---- user values ---- */

/* helm's mergeMaps: b over a, maps merged, a copy at each level */
static struct hv merge_user(struct hv a, struct hv b)
{
	struct hv out = hv_map();
	if (out.k != HV_MAP)
		return out;
	for (size_t i = 0; a.k == HV_MAP && i < a.u.m->n; i++)
		hmap_setk(out.u.m, a.u.m->kv[i].key, hv_ref(a.u.m->kv[i].val));
	for (size_t i = 0; i < b.u.m->n; i++) {
		struct hstr *k = b.u.m->kv[i].key;
		struct hv v = b.u.m->kv[i].val, *cur = hmap_find(out.u.m, k->s, k->len);
		if (v.k == HV_MAP && cur && cur->k == HV_MAP)
			hmap_setk(out.u.m, k, merge_user(*cur, v));
		else
			hmap_setk(out.u.m, k, hv_ref(v));
	}
	return out;
}

/* One values document (a file's text, or an inline --values-literal), name for messages. */
static int read_values_text(const char *data, size_t len, const char *name, struct hv *out, struct herr *e)
{
	static const struct gt_limits lim = GT_LIMITS_DEFAULT;
	struct gt_yaml_reader *r = gt_yaml_reader_new_string(data, len, name, &lim);
	json_t *doc = NULL;
	unsigned long line;
	int st = r ? (gt_yaml_reader_set_quiet(r, true), gt_yaml_next(r, &doc, &line)) : -1;
	if (st < 0)
		herr_set(e, HERR_UNSUPPORTED, false, "%s: YAML helm reads its own way (%s)", name,
			 r ? gt_yaml_reader_error(r) : "out of memory");
	gt_yaml_reader_free(r);
	if (st < 0)
		return -1;
	if (doc && !json_is_object(doc) && !json_is_null(doc)) {
		json_decref(doc);
		return herr_set(e, HERR_UNSUPPORTED, false, "%s: not a map of values", name), -1;
	}
	*out = doc && json_is_object(doc) ? hv_from_json(doc) : hv_map();
	json_decref(doc);
	return 0;
}

static int read_values_file(const char *dir, const char *path, struct hv *out, struct herr *e)
{
	static const struct gt_limits lim = GT_LIMITS_DEFAULT;
	char *full = NULL, *data = NULL;
	size_t len;
	if (!strcmp(path, "-") || strstr(path, "://"))
		return herr_set(e, HERR_UNSUPPORTED, false, "values from %s", path), -1;
	if (asprintf(&full, "%s/%s", dir, path) < 0)
		return herr_set(e, HERR_NOMEM, false, "out of memory"), -1;
	int rd = gt_file_read(path[0] == '/' ? path : full, lim.max_doc_bytes, &data, &len);
	free(full);
	if (rd != 0)
		return herr_set(e, HERR_UNSUPPORTED, false, "%s: cannot read (helm words that)", path), -1;
	int st = read_values_text(data, len, path, out, e);
	free(data);
	return st;
}

/* strvals typedVal */
static struct hv typed_val(const char *s, size_t n, bool as_string)
{
	if (as_string)
		return hv_strn(s, n);
	if (n == 4 && !strncasecmp(s, "true", 4))
		return hv_bool(true);
	if (n == 5 && !strncasecmp(s, "false", 5))
		return hv_bool(false);
	if (n == 4 && !strncasecmp(s, "null", 4))
		return HV_NIL_V;
	if (n == 1 && s[0] == '0')
		return hv_int64(0);
	if (n && s[0] != '0' && n < 21) {
		char tmp[24], *end;
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		const char *p = tmp + (tmp[0] == '+' || tmp[0] == '-');
		bool digits = *p != '\0';
		for (; *p; p++)
			digits &= *p >= '0' && *p <= '9';
		if (digits) {
			errno = 0;
			long long v = strtoll(tmp, &end, 10);
			if (!errno && !*end)
				return hv_int64(v);
		}
	}
	return hv_strn(s, n);
}

/* --set, --set-string and --set-file as helm's strvals parser reads them (pkg/strvals/parser.go):
 * KEY[=VALUE], a.b.c, list[3], list[0].name, a={x,y}, backslash escapes, several separated by
 * commas. Every way it fails is left to helm, which words the error. */
struct setp {
	const char *s;
	size_t n, i;
	int mode; /* 0 --set, 1 --set-string, 2 --set-file */
	const char *dir;
	struct herr *e;
};

enum { SP_OK = 0, SP_EOF = 1, SP_NOTLIST = 2, SP_FAIL = -1 };

static int sp_fail(struct setp *p, const char *why)
{
	herr_set(p->e, HERR_UNSUPPORTED, false, "--set %s: %s (helm words that)", p->s, why);
	return SP_FAIL;
}

/* runesUntil: text up to one of stop (escapes taken), the stop in *last; SP_EOF at the end */
static int runes_until(struct setp *p, const char *stop, struct buf *out, char *last)
{
	while (p->i < p->n) {
		char c = p->s[p->i++];
		if (strchr(stop, c)) {
			*last = c;
			return SP_OK;
		}
		if (c == '\\') {
			if (p->i >= p->n)
				return SP_EOF;
			c = p->s[p->i++];
		}
		buf_addc(out, c);
	}
	*last = 0;
	return SP_EOF;
}

static int sp_reader(struct setp *p, const struct buf *rs, struct hv *out)
{
	const char *s = rs->p ? rs->p : "";
	if (p->mode != 2) {
		*out = typed_val(s, rs->n, p->mode == 1);
		return SP_OK;
	}
	char *path = NULL, *data = NULL;
	size_t len;
	/* relative to the chart, as helm in the chart's directory reads it; gitops-render hands over
	 * absolute paths where it found the file elsewhere (the current directory) */
	if (asprintf(&path, "%s%s%.*s", rs->n && s[0] == '/' ? "" : p->dir, rs->n && s[0] == '/' ? "" : "/", (int)rs->n,
		     s) < 0)
		return sp_fail(p, "out of memory");
	int rd = gt_file_read(path, (size_t)64 << 20, &data, &len);
	free(path);
	if (rd != 0)
		return sp_fail(p, "cannot read the file");
	*out = hv_strn(data, len);
	free(data);
	return SP_OK;
}

static void sp_set(struct hmap *data, const struct buf *k, struct hv v)
{
	if (!k->n) {
		hv_unref(v);
		return;
	}
	hmap_set(data, k->p, k->n, v);
}

/* valList: {a,b} */
static int val_list(struct setp *p, struct hv *out)
{
	if (p->i >= p->n)
		return SP_EOF;
	if (p->s[p->i] != '{')
		return SP_NOTLIST;
	p->i++;
	struct hv l = hv_list();
	for (;;) {
		struct buf rs = { 0 };
		char last;
		struct hv v;
		if (runes_until(p, ",}", &rs, &last) != SP_OK) {
			buf_free(&rs);
			hv_unref(l);
			return sp_fail(p, "a list without its '}'");
		}
		int r = sp_reader(p, &rs, &v);
		buf_free(&rs);
		if (r != SP_OK) {
			hv_unref(l);
			return r;
		}
		hlist_push(l.u.l, v);
		if (last == '}') {
			if (p->i < p->n && p->s[p->i] == ',')
				p->i++;
			*out = l;
			return SP_OK;
		}
	}
}

/* the value after '=': a list, "" at the end, or a scalar up to the next ',' */
static int sp_value(struct setp *p, struct hv *out)
{
	int r = val_list(p, out);
	if (r == SP_EOF) {
		*out = hv_str("");
		return SP_EOF;
	}
	if (r != SP_NOTLIST)
		return r;
	struct buf rs = { 0 };
	char last;
	runes_until(p, ",", &rs, &last);
	r = sp_reader(p, &rs, out);
	buf_free(&rs);
	return r;
}

static int key_index(struct setp *p, long *idx)
{
	struct buf b = { 0 };
	char last;
	int r = runes_until(p, "]", &b, &last);
	char *end = NULL;
	const char *s = b.p ? b.p : "";
	errno = 0;
	long v = b.n && (isdigit((unsigned char)s[0]) || ((s[0] == '+' || s[0] == '-') && b.n > 1)) ? strtol(s, &end, 10) : 0;
	bool ok = r == SP_OK && end && !*end && !errno;
	buf_free(&b);
	if (!ok)
		return sp_fail(p, "a list index that is not a number");
	*idx = v;
	return SP_OK;
}

static int set_index(struct setp *p, struct hlist *l, long i, struct hv v)
{
	if (i < 0 || i > 65536) {
		hv_unref(v);
		return sp_fail(p, "a list index out of range");
	}
	while (l->n <= (size_t)i)
		if (hlist_push(l, HV_NIL_V) < 0) {
			hv_unref(v);
			return sp_fail(p, "out of memory");
		}
	hv_unref(l->v[i]);
	l->v[i] = v;
	return SP_OK;
}

static int sp_key(struct setp *p, struct hmap *data, int level);

/* listItem: what follows NAME[i] */
static int list_item(struct setp *p, struct hlist *l, long i, int level)
{
	struct buf k = { 0 };
	char last;
	if (i < 0)
		return sp_fail(p, "a negative list index");
	int r = runes_until(p, "[.=", &k, &last);
	size_t kn = k.n;
	buf_free(&k);
	if (kn)
		return sp_fail(p, "unexpected data after a list index");
	if (r != SP_OK)
		return sp_fail(p, "a list index with no value");
	if (last == '=') {
		struct hv v;
		r = sp_value(p, &v);
		if (r == SP_FAIL)
			return r;
		return set_index(p, l, i, v);
	}
	if (last == '[') {
		long next;
		if (key_index(p, &next) < 0)
			return SP_FAIL;
		struct hv inner;
		if ((size_t)i < l->n && l->v[i].k == HV_LIST)
			inner = hv_ref(l->v[i]);
		else if ((size_t)i < l->n && l->v[i].k != HV_NIL)
			return sp_fail(p, "an index into a value that is not a list");
		else
			inner = hv_list();
		r = list_item(p, inner.u.l, next, level);
		if (r != SP_OK) {
			hv_unref(inner);
			return r;
		}
		return set_index(p, l, i, inner);
	}
	/* '.' */
	struct hv inner;
	if ((size_t)i < l->n && l->v[i].k == HV_MAP) {
		inner = hv_ref(l->v[i]);
	} else {
		inner = hv_map();
		if ((size_t)i < l->n) {
			hv_unref(l->v[i]);
			l->v[i] = hv_ref(inner);
		}
	}
	r = sp_key(p, inner.u.m, level);
	if (r != SP_OK) {
		hv_unref(inner);
		return r == SP_EOF ? sp_fail(p, "a key with no value") : r;
	}
	return set_index(p, l, i, inner);
}

static int sp_key(struct setp *p, struct hmap *data, int level)
{
	struct buf k = { 0 };
	char last;
	int r = runes_until(p, "=[,.", &k, &last), out;
	if (r == SP_EOF) {
		out = k.n ? sp_fail(p, "a key with no value") : SP_EOF;
	} else if (last == '[') {
		long i;
		struct hv *cur = k.n ? hmap_find(data, k.p, k.n) : NULL;
		struct hv l;
		if (key_index(p, &i) < 0)
			out = SP_FAIL;
		else if (cur && cur->k != HV_LIST)
			out = sp_fail(p, "an index into a value that is not a list");
		else if ((l = cur ? hv_ref(*cur) : hv_list()), (out = list_item(p, l.u.l, i, level)) == SP_OK)
			sp_set(data, &k, l);
		else
			hv_unref(l);
	} else if (last == '=') {
		struct hv v;
		out = sp_value(p, &v);
		if (out != SP_FAIL)
			sp_set(data, &k, v);
	} else if (last == ',') {
		out = sp_fail(p, "a key with no value");
	} else { /* '.' */
		struct hv *cur = k.n ? hmap_find(data, k.p, k.n) : NULL;
		if (++level > 30) {
			out = sp_fail(p, "names nested too deep");
		} else if (cur && cur->k != HV_MAP) {
			out = sp_fail(p, "a key into a value that is not a map");
		} else {
			struct hv inner = cur ? hv_ref(*cur) : hv_map();
			out = sp_key(p, inner.u.m, level);
			if (out == SP_OK && !inner.u.m->n)
				out = sp_fail(p, "a key map with no value");
			if (out != SP_FAIL && inner.u.m->n)
				sp_set(data, &k, inner);
			else
				hv_unref(inner);
		}
	}
	buf_free(&k);
	return out;
}

static int set_all(struct hv base, const char *arg, int mode, const char *dir, struct herr *e)
{
	struct setp p = { arg, strlen(arg), 0, mode, dir, e };
	/* Go reads runes: invalid UTF-8 would become U+FFFD there */
	for (size_t i = 0; i < p.n; i++)
		if ((unsigned char)arg[i] >= 0x80)
			return herr_set(e, HERR_UNSUPPORTED, false, "--set with bytes beyond ASCII"), -1;
	for (;;) {
		int r = sp_key(&p, base.u.m, 0);
		if (r == SP_EOF)
			return 0;
		if (r == SP_FAIL)
			return -1;
	}
}

int values_user(const struct helm_opts *o, const char *dir, struct hv *out, struct herr *e)
{
	struct hv base = hv_map();
	if (base.k != HV_MAP)
		return herr_set(e, HERR_NOMEM, false, "out of memory"), -1;
	for (size_t i = 0; i < o->n_values; i++) {
		struct hv f;
		if (read_values_file(dir, o->values[i], &f, e) < 0) {
			hv_unref(base);
			return -1;
		}
		struct hv m = merge_user(base, f);
		hv_unref(base);
		hv_unref(f);
		base = m;
	}
	/* inline values (Argo CD's spec.source.helm.values): after the files, before --set */
	for (size_t i = 0; i < o->n_values_literal; i++) {
		struct hv f;
		if (read_values_text(o->values_literal[i], strlen(o->values_literal[i]), "--values-literal", &f, e) < 0) {
			hv_unref(base);
			return -1;
		}
		struct hv m = merge_user(base, f);
		hv_unref(base);
		hv_unref(f);
		base = m;
	}
	for (size_t i = 0; i < o->n_set; i++)
		if (set_all(base, o->set[i], 0, dir, e) < 0)
			goto fail;
	for (size_t i = 0; i < o->n_set_string; i++)
		if (set_all(base, o->set_string[i], 1, dir, e) < 0)
			goto fail;
	for (size_t i = 0; i < o->n_set_file; i++)
		if (set_all(base, o->set_file[i], 2, dir, e) < 0)
			goto fail;
	*out = base;
	return 0;
fail:
	hv_unref(base);
	return -1;
}

/* ---- coalescing (chartutil/coalesce.go) ---- */

static void coalesce_tables(struct hmap *dst, struct hmap *src, bool merge)
{
	for (size_t i = 0; i < src->n; i++) {
		struct hstr *k = src->kv[i].key;
		struct hv val = src->kv[i].val, *dv = hmap_find(dst, k->s, k->len);
		if (dv && !merge && dv->k == HV_NIL) {
			hmap_del(dst, k->s);
		} else if (!dv) {
			hmap_setk(dst, k, hv_ref(val));
		} else if (is_table(val)) {
			if (is_table(*dv))
				coalesce_tables(dv->u.m, val.u.m, merge);
		}
	}
}

static bool is_dependency(const struct chart *c, const char *key)
{
	for (size_t i = 0; i < c->n_sub; i++)
		if (!strcmp(c->sub[i]->name, key))
			return true;
	return false;
}

static void coalesce_values(const struct chart *c, struct hmap *v, bool merge)
{
	struct hv vc = hv_deep_copy(c->values);
	for (size_t i = 0; vc.k == HV_MAP && i < vc.u.m->n; i++) {
		struct hstr *k = vc.u.m->kv[i].key;
		struct hv val = vc.u.m->kv[i].val, *cur = hmap_find(v, k->s, k->len);
		if (cur) {
			if (cur->k == HV_NIL && !merge) {
				hmap_del(v, k->s);
			} else if (cur->k == HV_MAP && is_table(val)) {
				coalesce_tables(cur->u.m, val.u.m, is_dependency(c, k->s) ? true : merge);
			}
		} else {
			hmap_setk(v, k, hv_ref(val));
		}
	}
	hv_unref(vc);
}

static void coalesce_globals(struct hmap *dest, struct hmap *src)
{
	struct hv *dgp = hmap_find(dest, "global", 6), *sgp = hmap_find(src, "global", 6);
	if ((dgp && dgp->k != HV_MAP) || (sgp && sgp->k != HV_MAP))
		return; /* helm warns and skips */
	struct hv dg = dgp ? hv_ref(*dgp) : hv_map();
	for (size_t i = 0; sgp && i < sgp->u.m->n; i++) {
		struct hstr *k = sgp->u.m->kv[i].key;
		struct hv val = sgp->u.m->kv[i].val, *dv = hmap_find(dg.u.m, k->s, k->len);
		if (is_table(val)) {
			/* a shallow copy, as helm's copyMap */
			struct hv vv = hv_map();
			for (size_t j = 0; j < val.u.m->n; j++)
				hmap_setk(vv.u.m, val.u.m->kv[j].key, hv_ref(val.u.m->kv[j].val));
			if (!dv) {
				hmap_setk(dg.u.m, k, vv);
			} else if (dv->k != HV_MAP) {
				hv_unref(vv); /* helm: "cannot merge map onto non-map" */
			} else {
				coalesce_tables(vv.u.m, dv->u.m, true);
				hmap_setk(dg.u.m, k, vv);
			}
		} else if (dv && is_table(*dv)) {
			/* helm: "key is table. Skipping" */
		} else {
			hmap_setk(dg.u.m, k, hv_ref(val));
		}
	}
	hmap_set(dest, "global", 6, dg);
}

static int coalesce(const struct chart *c, struct hmap *dest, bool merge, struct herr *e);

static int coalesce_deps(const struct chart *c, struct hmap *dest, bool merge, struct herr *e)
{
	for (size_t i = 0; i < c->n_sub; i++) {
		const char *name = c->sub[i]->name;
		struct hv *cur = hmap_find(dest, name, strlen(name));
		if (!cur) {
			if (hmap_set(dest, name, strlen(name), hv_map()) < 0)
				return herr_set(e, HERR_NOMEM, false, "out of memory"), -1;
			cur = hmap_find(dest, name, strlen(name));
		} else if (cur->k != HV_MAP) {
			return herr_set(e, HERR_UNSUPPORTED, false, "values: %s is not a table (helm words that)", name),
			       -1;
		}
		struct hv dv = hv_ref(*cur);
		coalesce_globals(dv.u.m, dest);
		int r = coalesce(c->sub[i], dv.u.m, merge, e);
		hv_unref(dv);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int coalesce(const struct chart *c, struct hmap *dest, bool merge, struct herr *e)
{
	coalesce_values(c, dest, merge);
	return coalesce_deps(c, dest, merge, e);
}

static struct hv coalesce_copy(const struct chart *c, struct hv vals, bool merge, struct herr *e)
{
	struct hv dest = vals.k == HV_MAP ? hv_deep_copy(vals) : hv_map();
	if (dest.k != HV_MAP) {
		herr_set(e, HERR_NOMEM, false, "out of memory");
		return HV_NIL_V;
	}
	dest.go = GO_PLAIN;
	if (coalesce(c, dest.u.m, merge, e) < 0) {
		hv_unref(dest);
		return HV_NIL_V;
	}
	return dest;
}

struct hv values_coalesce(const struct chart *c, struct hv vals, struct herr *e)
{
	return coalesce_copy(c, vals, false, e);
}

/* ---- dependencies: enabled, aliased (chartutil/dependencies.go) ---- */

/* Values.PathValue: the last key must hold a non-table */
static bool path_value(struct hv v, const char *path, struct hv *out)
{
	const char *p = path;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (v.k != HV_MAP)
			return false;
		struct hv *next = hmap_find(v.u.m, p, n);
		if (!next)
			return false;
		if (!dot) {
			if (is_table(*next))
				return false;
			*out = *next;
			return true;
		}
		v = *next;
		p = dot + 1;
	}
}

static struct chart *chart_alias_copy(const struct chart *src, const char *alias)
{
	/* helm copies the chart and renames its metadata; templates and files are shared in Go:
	 * here the copy owns copies, as charts are small */
	struct chart *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	*c = *src;
	c->name = strdup(alias ? alias : src->name);
	c->meta = json_deep_copy(src->meta);
	if (alias)
		json_object_set_new(c->meta, "name", json_string(alias));
	c->deps = json_deep_copy(src->deps);
	c->values = hv_ref(src->values);
	c->meta_v = HV_NIL_V;
	c->values_json = NULL;
	c->where = strdup(src->where);
	c->schema = src->schema ? strndup(src->schema, src->schema_len) : NULL;
	c->api_version = c->version = c->type = c->kube_version = c->condition = NULL;
	c->templates = calloc(src->n_templates ? src->n_templates : 1, sizeof(*c->templates));
	c->files = calloc(src->n_files ? src->n_files : 1, sizeof(*c->files));
	c->sub = calloc(src->n_sub ? src->n_sub : 1, sizeof(*c->sub));
	c->n_templates = c->n_files = c->n_sub = 0;
	if (!c->name || !c->meta || !c->where || !c->templates || !c->files || !c->sub) {
		chart_free(c);
		return NULL;
	}
	for (size_t i = 0; i < src->n_templates; i++) {
		struct file *f = &c->templates[c->n_templates];
		f->name = strdup(src->templates[i].name);
		f->data = malloc(src->templates[i].len + 1);
		if (!f->name || !f->data) {
			free(f->name);
			free(f->data);
			chart_free(c);
			return NULL;
		}
		memcpy(f->data, src->templates[i].data, src->templates[i].len + 1);
		f->len = src->templates[i].len;
		c->n_templates++;
	}
	for (size_t i = 0; i < src->n_files; i++) {
		struct file *f = &c->files[c->n_files];
		f->name = strdup(src->files[i].name);
		f->data = malloc(src->files[i].len + 1);
		if (!f->name || !f->data) {
			free(f->name);
			free(f->data);
			chart_free(c);
			return NULL;
		}
		memcpy(f->data, src->files[i].data, src->files[i].len);
		f->data[src->files[i].len] = '\0';
		f->len = src->files[i].len;
		c->n_files++;
	}
	for (size_t i = 0; i < src->n_sub; i++) {
		struct chart *s = chart_alias_copy(src->sub[i], NULL);
		if (!s) {
			chart_free(c);
			return NULL;
		}
		s->parent = c;
		c->sub[c->n_sub++] = s;
	}
	c->parent = NULL;
	return c;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static bool compatible(const char *constraint, const char *version)
{
	return semver_check(constraint, version) == 1;
}

static int process_enabled(struct chart *c, struct hv v, const char *path, struct herr *e);

static int set_enabled_deps(struct chart *c, struct hv cvals, const char *path, struct herr *e)
{
	json_t *reqs = c->deps, *r;
	size_t i;
	/* tags */
	struct hv *tags = cvals.k == HV_MAP ? hmap_find(cvals.u.m, "tags", 4) : NULL;
	json_array_foreach(reqs, i, r) {
		json_object_set_new(r, "enabled", json_true());
		json_t *tl = json_object_get(r, "tags"), *t;
		size_t k;
		bool has_true = false, has_false = false;
		if (tags && tags->k == HV_MAP) {
			json_array_foreach(tl, k, t) {
				struct hv *b = json_string_value(t) ? hmap_find(tags->u.m, json_string_value(t),
										 strlen(json_string_value(t)))
								  : NULL;
				if (b && b->k == HV_BOOL)
					*(b->u.b ? &has_true : &has_false) = true;
			}
			if (!has_true && has_false)
				json_object_set_new(r, "enabled", json_false());
		}
		/* conditions: the first path that holds a bool decides */
		char *cond = strdup(jstr(r, "condition"));
		if (!cond)
			return herr_set(e, HERR_NOMEM, false, "out of memory"), -1;
		char *s = cond, *end = cond + strlen(cond);
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
			*--end = '\0';
		for (char *part = s, *comma; part && *s; part = comma) {
			comma = strchr(part, ',');
			if (comma)
				*comma++ = '\0';
			if (!*part)
				continue;
			char *full = NULL;
			if (asprintf(&full, "%s%s", path, part) < 0) {
				free(cond);
				return herr_set(e, HERR_NOMEM, false, "out of memory"), -1;
			}
			struct hv val;
			bool found = path_value(cvals, full, &val);
			free(full);
			if (found && val.k == HV_BOOL) {
				json_object_set_new(r, "enabled", json_boolean(val.u.b));
				break;
			}
		}
		free(cond);
	}
	return 0;
}

static int process_enabled(struct chart *c, struct hv v, const char *path, struct herr *e)
{
	if (!c->deps || !json_is_array(c->deps))
		return 0;
	json_t *reqs = c->deps, *r;
	size_t i;
	struct chart **deps = calloc(c->n_sub + json_array_size(reqs) + 1, sizeof(*deps));
	size_t nd = 0;
	if (!deps)
		return herr_set(e, HERR_NOMEM, false, "out of memory"), -1;
	/* charts/ entries no requirement names, first; then one per requirement, aliased */
	bool *used = calloc(c->n_sub + 1, sizeof(*used));
	for (size_t k = 0; used && k < c->n_sub; k++) {
		bool matched = false;
		json_array_foreach(reqs, i, r)
			if (!strcmp(jstr(r, "name"), c->sub[k]->name) &&
			    compatible(jstr(r, "version"), jstr(c->sub[k]->meta, "version")))
				matched = true;
		if (!matched) {
			deps[nd++] = c->sub[k];
			used[k] = true;
		}
	}
	int rc = used ? 0 : -1;
	json_array_foreach(reqs, i, r) {
		if (rc < 0)
			break;
		for (size_t k = 0; k < c->n_sub; k++) {
			if (strcmp(jstr(r, "name"), c->sub[k]->name) ||
			    !compatible(jstr(r, "version"), jstr(c->sub[k]->meta, "version")))
				continue;
			const char *alias = *jstr(r, "alias") ? jstr(r, "alias") : NULL;
			struct chart *copy = chart_alias_copy(c->sub[k], alias);
			if (!copy) {
				rc = -1;
				break;
			}
			copy->parent = c;
			deps[nd++] = copy;
			break;
		}
		if (*jstr(r, "alias"))
			json_object_set_new(r, "name", json_string(jstr(r, "alias")));
	}
	/* the originals that requirements matched are replaced by their copies */
	for (size_t k = 0; k < c->n_sub; k++)
		if (!used || !used[k])
			chart_free(c->sub[k]);
	free(used);
	free(c->sub);
	c->sub = deps;
	c->n_sub = nd;
	if (rc < 0)
		return herr_set(e, HERR_NOMEM, false, "out of memory"), -1;
	struct hv cvals = values_coalesce(c, v, e);
	if (cvals.k != HV_MAP)
		return -1;
	if (set_enabled_deps(c, cvals, path, e) < 0) {
		hv_unref(cvals);
		return -1;
	}
	/* drop the disabled ones, charts and requirements alike */
	json_t *keep = json_array();
	json_array_foreach(reqs, i, r)
		if (json_is_true(json_object_get(r, "enabled")))
			json_array_append(keep, r);
	size_t w = 0;
	for (size_t k = 0; k < c->n_sub; k++) {
		bool disabled = false;
		json_array_foreach(reqs, i, r)
			if (!json_is_true(json_object_get(r, "enabled")) && !strcmp(jstr(r, "name"), c->sub[k]->name))
				disabled = true;
		if (disabled)
			chart_free(c->sub[k]);
		else
			c->sub[w++] = c->sub[k];
	}
	c->n_sub = w;
	json_decref(c->deps);
	c->deps = json_array_size(keep) ? keep : (json_decref(keep), NULL);
	for (size_t k = 0; k < c->n_sub; k++) {
		char *sub = NULL;
		if (asprintf(&sub, "%s%s.", path, c->sub[k]->name) < 0 || process_enabled(c->sub[k], cvals, sub, e) < 0) {
			free(sub);
			hv_unref(cvals);
			if (e->kind == HERR_NONE)
				herr_set(e, HERR_NOMEM, false, "out of memory");
			return -1;
		}
		free(sub);
	}
	hv_unref(cvals);
	return 0;
}

/* Values.Table: the map at a dotted path of maps, or NULL */
static struct hv *table_at(struct hv *v, const char *path)
{
	char *dup = strdup(path);
	struct hv *cur = v;
	if (!dup)
		return NULL;
	/* strings.Split keeps empty parts: "a..b" looks up "" */
	for (char *part = dup, *dot;; part = dot + 1) {
		dot = strchr(part, '.');
		if (dot)
			*dot = '\0';
		struct hv *next = cur->k == HV_MAP ? hmap_find(cur->u.m, part, strlen(part)) : NULL;
		if (!next || next->k != HV_MAP) {
			cur = NULL;
			break;
		}
		cur = next;
		if (!dot)
			break;
	}
	free(dup);
	return cur;
}

/* pathToMap: {a: {b: data}} for "a.b", data itself for "." (a new reference) */
static struct hv path_to_map(const char *path, struct hv data)
{
	if (!strcmp(path, "."))
		return hv_ref(data);
	struct hv cur = hv_ref(data);
	const char *end = path + strlen(path);
	for (const char *p = end;;) {
		const char *start = p;
		while (start > path && start[-1] != '.')
			start--;
		struct hv m = hv_map();
		hmap_set(m.u.m, start, (size_t)(p - start), cur);
		cur = m;
		if (start == path)
			break;
		p = start - 1;
	}
	return cur;
}

/* processImportValues with merge: a chart with dependencies gets its defaults merged with theirs,
 * then what its import-values name is copied up from them under the chart's own values */
static int process_import(struct chart *c, struct herr *e)
{
	for (size_t k = 0; k < c->n_sub; k++)
		if (process_import(c->sub[k], e) < 0)
			return -1;
	if (!c->deps)
		return 0;
	struct hv cvals = coalesce_copy(c, HV_NIL_V, true, e);
	if (cvals.k != HV_MAP)
		return -1;
	struct hv b = hv_map();
	json_t *r, *item;
	size_t i, k;
	json_array_foreach(c->deps, i, r) {
		json_t *iv = json_object_get(r, "import-values");
		json_array_foreach(iv, k, item) {
			const char *child = json_is_object(item) ? json_string_value(json_object_get(item, "child")) : NULL;
			const char *parent = json_is_object(item) ? json_string_value(json_object_get(item, "parent")) : ".";
			char *full = NULL;
			if (json_is_string(item) ? asprintf(&full, "%s.exports.%s", jstr(r, "name"), json_string_value(item)) < 0
						 : asprintf(&full, "%s.%s", jstr(r, "name"), child) < 0) {
				hv_unref(cvals);
				hv_unref(b);
				return herr_set(e, HERR_NOMEM, false, "out of memory"), -1;
			}
			struct hv *t = table_at(&cvals, full);
			free(full);
			if (!t)
				continue; /* helm: "ImportValues missing table" (a warning) */
			/* MergeTables(b, ...): b keeps what it has; the tables are shared, as in helm */
			struct hv add = path_to_map(parent, *t);
			if (add.k == HV_MAP)
				coalesce_tables(b.u.m, add.u.m, true);
			hv_unref(add);
		}
	}
	struct hv merged = hv_deep_copy(cvals);
	hv_unref(cvals);
	if (merged.k != HV_MAP) {
		hv_unref(b);
		return herr_set(e, HERR_NOMEM, false, "out of memory"), -1;
	}
	coalesce_tables(merged.u.m, b.u.m, true);
	hv_unref(b);
	hv_unref(c->values);
	c->values = merged;
	return 0;
}

int values_process_deps(struct chart *c, struct hv vals, struct herr *e)
{
	if (process_enabled(c, vals, "", e) < 0)
		return -1;
	return process_import(c, e);
}
