/* values: the values a render sees, computed as helm 3.17 does: -f files merged in order, then
 * --set/--set-string/--set-file (strvals); dependencies enabled by tags and conditions, aliases
 * renamed; chart defaults coalesced under them (null deletes, globals copied down), every YAML
 * number a float64 (sigs.k8s.io/yaml) and every --set integer an int64. */
#define _GNU_SOURCE
#include "helm.h"

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
	struct gt_yaml_reader *r = gt_yaml_reader_new_string(data, len, path, &lim);
	json_t *doc = NULL;
	unsigned long line;
	int st = r ? (gt_yaml_reader_set_quiet(r, true), gt_yaml_next(r, &doc, &line)) : -1;
	if (st < 0)
		herr_set(e, HERR_UNSUPPORTED, false, "%s: YAML helm reads its own way (%s)", path,
			 r ? gt_yaml_reader_error(r) : "out of memory");
	gt_yaml_reader_free(r);
	free(data);
	if (st < 0)
		return -1;
	if (doc && !json_is_object(doc) && !json_is_null(doc)) {
		json_decref(doc);
		return herr_set(e, HERR_UNSUPPORTED, false, "%s: not a map of values", path), -1;
	}
	*out = doc && json_is_object(doc) ? hv_from_json(doc) : hv_map();
	json_decref(doc);
	return 0;
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

/* One KEY=VALUE of --set: a.b.c=v, a={x,y}; brackets and other strvals syntax go to helm. */
static int set_one(struct hv base, const char *kv, size_t n, int mode, const char *dir, struct herr *e)
{
	const char *eq = memchr(kv, '=', n);
	if (!eq)
		return herr_set(e, HERR_UNSUPPORTED, false, "--set %.*s: no '=' (helm words that)", (int)n, kv), -1;
	size_t kl = (size_t)(eq - kv);
	const char *val = eq + 1;
	size_t vl = n - kl - 1;
	for (size_t i = 0; i < kl; i++)
		if (kv[i] == '[' || kv[i] == ']' || kv[i] == '\\' || kv[i] == '{')
			return herr_set(e, HERR_UNSUPPORTED, false, "--set with list indexes or escapes"), -1;
	if (!kl || kv[0] == '.' || kv[kl - 1] == '.' || memmem(kv, kl, "..", 2))
		return herr_set(e, HERR_UNSUPPORTED, false, "--set with an empty key part"), -1;
	struct hv v;
	if (mode == 2) {
		char *path = NULL, *data = NULL;
		size_t len;
		if (asprintf(&path, "%s/%.*s", dir, (int)vl, val) < 0)
			return herr_set(e, HERR_NOMEM, false, "out of memory"), -1;
		int rd = gt_file_read(path, (size_t)64 << 20, &data, &len);
		free(path);
		if (rd != 0)
			return herr_set(e, HERR_UNSUPPORTED, false, "--set-file %.*s: cannot read", (int)vl, val), -1;
		v = hv_strn(data, len);
		free(data);
	} else if (vl && val[0] == '{') {
		if (mode == 1 || val[vl - 1] != '}' || memchr(val, '\\', vl) || memchr(val + 1, '{', vl - 1))
			return herr_set(e, HERR_UNSUPPORTED, false, "--set list values of this form"), -1;
		v = hv_list();
		for (size_t i = 1; v.k == HV_LIST && i < vl - 1;) {
			const char *c = memchr(val + i, ',', vl - 1 - i);
			size_t end = c ? (size_t)(c - val) : vl - 1;
			hlist_push(v.u.l, typed_val(val + i, end - i, false));
			i = end + 1;
		}
	} else {
		if (memchr(val, '\\', vl) || memchr(val, ',', vl))
			return herr_set(e, HERR_UNSUPPORTED, false, "--set values with escapes"), -1;
		v = typed_val(val, vl, mode == 1);
	}
	/* walk a.b.c, making maps */
	struct hv cur = base;
	for (const char *p = kv;;) {
		const char *dot = memchr(p, '.', (size_t)(eq - p));
		size_t pl = dot ? (size_t)(dot - p) : (size_t)(eq - p);
		if (!dot)
			return hmap_set(cur.u.m, p, pl, v) < 0 ? (herr_set(e, HERR_NOMEM, false, "out of memory"), -1) : 0;
		struct hv *next = hmap_find(cur.u.m, p, pl);
		if (next && next->k != HV_MAP) {
			hv_unref(v);
			return herr_set(e, HERR_UNSUPPORTED, false, "--set through a value that is not a map"), -1;
		}
		if (!next) {
			if (hmap_set(cur.u.m, p, pl, hv_map()) < 0) {
				hv_unref(v);
				return herr_set(e, HERR_NOMEM, false, "out of memory"), -1;
			}
			next = hmap_find(cur.u.m, p, pl);
		}
		cur = *next;
		p = dot + 1;
	}
}

static int set_all(struct hv base, const char *arg, int mode, const char *dir, struct herr *e)
{
	/* several assignments separated by commas (outside {...}) */
	size_t n = strlen(arg);
	int depth = 0;
	size_t st = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && arg[i] == '{')
			depth++;
		else if (i < n && arg[i] == '}')
			depth--;
		if (i == n || (arg[i] == ',' && depth == 0 && mode != 2)) {
			if (set_one(base, arg + st, i - st, mode, dir, e) < 0)
				return -1;
			st = i + 1;
		}
	}
	return 0;
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

/* processImportValues with merge: a chart with dependencies gets its defaults merged with theirs */
static int process_import(struct chart *c, struct herr *e)
{
	for (size_t k = 0; k < c->n_sub; k++)
		if (process_import(c->sub[k], e) < 0)
			return -1;
	if (!c->deps)
		return 0;
	struct hv merged = coalesce_copy(c, HV_NIL_V, true, e);
	if (merged.k != HV_MAP)
		return -1;
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
