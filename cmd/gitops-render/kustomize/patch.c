/* kz patch: patches -- strategic merge (common/smp) and JSON 6902 -- from `patches`,
 * `patchesStrategicMerge` and `patchesJson6902`, their targets (group, version, kind, name and
 * namespace as anchored regular expressions, label and annotation selectors), and the
 * bookkeeping kustomize does around them. */
#include "kz.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "smp.h"
#include "yaml.h"

/* ---- label selectors (k8s.io/apimachinery labels.Parse) ---- */

static void skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

/* A key or value: the characters a label selector token may have. */
static char *token(const char **p)
{
	const char *s = *p;
	while (**p && !strchr(" \t,=!()", **p))
		(*p)++;
	return strndup(s, (size_t)(*p - s));
}

static bool has_value(const json_t *set, const char *key, const char *v)
{
	const char *cur = json_string_value(json_object_get(set, key));
	return cur && !strcmp(cur, v);
}

/* One requirement against set: 1 true, 0 false, -1 bad syntax. */
static int requirement(const char **p, const json_t *set)
{
	bool neg = false;
	skip_ws(p);
	if (**p == '!') {
		neg = true;
		(*p)++;
		skip_ws(p);
	}
	char *key = token(p);
	int r = -1;
	if (!key || !*key)
		goto out;
	skip_ws(p);
	bool has = json_object_get(set, key) != NULL;
	if (neg) {
		r = (**p == ',' || !**p) ? !has : -1;
		goto out;
	}
	if (!**p || **p == ',') {
		r = has;
		goto out;
	}
	if (**p == '=' || **p == '!') {
		bool ne = **p == '!';
		(*p)++;
		if (**p == '=')
			(*p)++;
		else if (ne)
			goto out;
		skip_ws(p);
		char *v = token(p);
		if (!v)
			goto out;
		r = ne ? !has_value(set, key, v) : has_value(set, key, v);
		free(v);
		skip_ws(p);
		if (**p && **p != ',')
			r = -1;
		goto out;
	}
	/* key in (a,b) / key notin (a,b) */
	bool in = !strncmp(*p, "in", 2) && (*p)[2] && strchr(" \t(", (*p)[2]);
	bool notin = !strncmp(*p, "notin", 5) && (*p)[5] && strchr(" \t(", (*p)[5]);
	if (!in && !notin)
		goto out;
	*p += in ? 2 : 5;
	skip_ws(p);
	if (**p != '(')
		goto out;
	(*p)++;
	bool found = false;
	for (;;) {
		skip_ws(p);
		char *v = token(p);
		if (!v)
			goto out;
		found = found || has_value(set, key, v);
		free(v);
		skip_ws(p);
		if (**p == ',') {
			(*p)++;
			continue;
		}
		if (**p == ')') {
			(*p)++;
			break;
		}
		goto out;
	}
	r = in ? found : !found;
	skip_ws(p);
	if (**p && **p != ',')
		r = -1;
out:
	free(key);
	return r;
}

int kz_selector_matches(const char *selector, const json_t *set, struct kz_err *e)
{
	const char *p = selector;
	int all = 1;
	skip_ws(&p);
	if (!*p)
		return 1;
	for (;;) {
		int r = requirement(&p, set);
		if (r < 0)
			return kz_unsupported(e, "selector '%s'", selector);
		all = all && r;
		skip_ws(&p);
		if (!*p)
			return all;
		if (*p != ',')
			return kz_unsupported(e, "selector '%s'", selector);
		p++;
	}
}

/* ---- targets (types.Selector, resmap.Select) ---- */

struct selector {
	regex_t re[5]; /* group, version, kind, name, namespace */
	bool set[5];
	const char *labels, *annotations;
};

static const char *const selector_fields[5] = { "group", "version", "kind", "name", "namespace" };

/* Go regexp (RE2) and POSIX agree on whether these match: other patterns go to kustomize. */
static bool portable_regex(const char *s)
{
	for (const char *c = s; *c; c++)
		if (*c == '\\' || *c == '{' || *c == '}' || (c[0] == '(' && c[1] == '?') || (c[0] == '[' && c[1] == ':'))
			return false;
	return true;
}

static void selector_free(struct selector *sel)
{
	for (int i = 0; i < 5; i++)
		if (sel->set[i])
			regfree(&sel->re[i]);
}

static int selector_init(struct selector *sel, const json_t *target, const char *file, struct kz_err *e)
{
	memset(sel, 0, sizeof(*sel));
	for (int i = 0; i < 5; i++) {
		const char *pat = kz_str(target, selector_fields[i]);
		if (!*pat)
			continue;
		char *anchored = kz_printf("^(%s)$", pat);
		if (!portable_regex(pat) || !anchored || regcomp(&sel->re[i], anchored, REG_EXTENDED | REG_NOSUB) != 0) {
			free(anchored);
			selector_free(sel);
			return kz_unsupported(e, "%s: patch target %s '%s'", file, selector_fields[i], pat);
		}
		free(anchored);
		sel->set[i] = true;
	}
	sel->labels = kz_str(target, "labelSelector");
	sel->annotations = kz_str(target, "annotationSelector");
	return 0;
}

static bool re_match(const struct selector *sel, int i, const char *s)
{
	return !sel->set[i] || regexec(&sel->re[i], s, 0, NULL, 0) == 0;
}

/* 1 selected, 0 not, -1 error. */
static int selected(const struct selector *sel, const struct kz_res *r, struct kz_err *e)
{
	struct kz_id cur, org;
	struct kz_ids hold;
	kz_res_cur_id(r, &cur);
	if (kz_res_org_id(r, &org, &hold) < 0)
		return kz_fail(e, "out of memory");
	bool ok = (re_match(sel, 4, kz_id_effective_ns(&org)) || re_match(sel, 4, kz_id_effective_ns(&cur))) &&
		  (re_match(sel, 3, org.name) || re_match(sel, 3, cur.name)) && re_match(sel, 0, cur.group) &&
		  re_match(sel, 1, cur.version) && re_match(sel, 2, cur.kind);
	kz_ids_free(&hold);
	if (!ok)
		return 0;
	int m = 1;
	if (*sel->labels) {
		json_t *l = kz_res_string_map(r, "labels");
		m = l ? kz_selector_matches(sel->labels, l, e) : kz_fail(e, "out of memory");
		json_decref(l);
	}
	if (m == 1 && *sel->annotations) {
		json_t *a = kz_res_string_map(r, "annotations");
		m = a ? kz_selector_matches(sel->annotations, a, e) : kz_fail(e, "out of memory");
		json_decref(a);
	}
	return m;
}

/* ---- strategic merge ---- */

/* The patch's own metadata as kustomize's resmap.ApplySmPatch rewrites its copy: labels and
 * annotations as strings (dropped when empty), an empty namespace dropped. */
static int normalise_patch_copy(struct kz_res *p)
{
	json_t *l = kz_res_string_map(p, "labels"), *a = kz_res_string_map(p, "annotations");
	int st = l && a && kz_res_set_string_map(p, "labels", l) == 0 && kz_res_set_string_map(p, "annotations", a) == 0 &&
			 kz_res_set_name(p, kz_res_name(p)) == 0 && kz_res_set_namespace(p, kz_res_namespace(p)) == 0
		 ? 0 : -1;
	json_decref(l);
	json_decref(a);
	return st;
}

/* Resource.ApplySmPatch: merge, then the name, kind and namespace back unless allowed to change. */
static int apply_sm(struct kz_build *b, struct kz_res *r, struct kz_res *patch)
{
	char *name = kz_strdup(kz_res_name(r)), *ns = kz_strdup(kz_res_namespace(r)), *kind = kz_strdup(kz_res_kind(r));
	bool name_change = kz_build_get(patch, KZ_ALLOW_NAME_CHANGE) != NULL;
	bool kind_change = kz_build_get(patch, KZ_ALLOW_KIND_CHANGE) != NULL;
	char *err = NULL;
	int st = -1;
	if (!name || !ns || !kind) {
		kz_fail(b->e, "out of memory");
		goto out;
	}
	if ((name_change || kind_change) && kz_res_store_previous_id(r) < 0) {
		kz_fail(b->e, "out of memory");
		goto out;
	}
	json_t *copy = json_deep_copy(patch->obj);
	if (!copy || gt_smp_merge(&r->obj, copy, &err) < 0) {
		json_decref(copy);
		kz_fail(b->e, "strategic merge patch on %s: %s", name, err ? err : "out of memory");
		goto out;
	}
	json_decref(copy);
	if (!r->obj || (json_is_object(r->obj) && !json_object_size(r->obj))) {
		json_decref(r->obj);
		r->obj = json_object();
		r->deleted = true;
		st = 0;
		goto out;
	}
	if (!json_is_object(r->obj)) {
		kz_fail(b->e, "strategic merge patch on %s left no object", name);
		goto out;
	}
	st = 0;
	if (!kind_change)
		st = kz_res_set_kind(r, kind);
	if (st == 0 && !name_change)
		st = kz_res_set_name(r, name);
	if (st == 0)
		st = kz_res_set_namespace(r, ns);
	if (st < 0)
		kz_fail(b->e, "out of memory");
out:
	free(err);
	free(name);
	free(ns);
	free(kind);
	return st;
}

/* resmap.ApplySmPatch: each selected resource gets a copy of the patch with its own group and
 * version and the patch's kind. */
static int apply_sm_selected(struct kz_build *b, struct kz_acc *acc, struct kz_res **sel, size_t n,
			     const struct kz_res *patch)
{
	for (size_t i = 0; i < acc->rm.n; i++) {
		struct kz_res *r = acc->rm.v[i];
		bool hit = false;
		for (size_t j = 0; !hit && j < n; j++) {
			struct kz_id a, c;
			kz_res_cur_id(r, &a);
			kz_res_cur_id(sel[j], &c);
			hit = kz_id_equals(&a, &c);
		}
		if (!hit || r->deleted)
			continue;
		struct kz_res *copy = kz_res_dup(patch);
		int st = copy && normalise_patch_copy(copy) == 0 && kz_res_set_api_version(copy, kz_res_api_version(r)) == 0
				 ? 0 : -1;
		if (st < 0) {
			kz_res_free(copy);
			return kz_fail(b->e, "out of memory");
		}
		st = apply_sm(b, r, copy);
		kz_res_free(copy);
		if (st < 0)
			return -1;
	}
	return 0;
}

/* GetById: the one resource whose current or a previous id is the patch's. */
static struct kz_res *target_of(struct kz_build *b, struct kz_acc *acc, const struct kz_res *patch, const char *file)
{
	struct kz_id id;
	struct kz_res **m = NULL;
	size_t n = 0;
	kz_res_cur_id(patch, &id);
	if (kz_resmap_by_any_id(&acc->rm, &id, &m, &n) < 0)
		return kz_fail(b->e, "out of memory"), NULL;
	struct kz_res *r = n == 1 ? m[0] : NULL;
	free(m);
	if (!r) {
		char *s = kz_id_string(&id);
		kz_unsupported(b->e, "%s: %s matches for strategic merge patch %s", file, n ? "multiple" : "no", s ? s : "");
		free(s);
	}
	return r;
}

/* The documents of a strategic merge patch, as resources. */
static int sm_patches(struct kz_build *b, const char *text, size_t len, const char *name, struct kz_resmap *out)
{
	json_t *docs = NULL, *doc;
	size_t i;
	if (kz_parse_resources(b->tree, text, len, name, &docs, b->e) < 0)
		return -1;
	json_array_foreach(docs, i, doc) {
		struct kz_res *r = kz_res_new(json_incref(doc));
		if (!r || (out->n == out->cap && (out->v = realloc(out->v, (out->cap = out->cap * 2 + 4) * sizeof(*out->v))) == NULL)) {
			kz_res_free(r);
			json_decref(docs);
			return kz_fail(b->e, "out of memory");
		}
		out->v[out->n++] = r;
	}
	json_decref(docs);
	return 0;
}

/* ---- JSON 6902 (evanphx/json-patch v4, as kustomize uses it) ---- */

/* RFC 6901 decoding of one reference token: ~1 is '/', ~0 is '~', in one pass. */
static char *decode_token(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '~' && i + 1 < n && (s[i + 1] == '1' || s[i + 1] == '0')) {
			*o++ = s[i + 1] == '1' ? '/' : '~';
			i++;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

/* Go's strconv.Atoi over the whole token. */
static bool atoi_go(const char *s, long *out)
{
	char *end;
	if (!*s || strchr(" \t\n", *s))
		return false;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*end || errno)
		return false;
	*out = v;
	return true;
}

/* findObject: the container holding the path's last token, and that token (malloc'd). */
static json_t *find_container(json_t *doc, const char *path, char **key)
{
	const char *slash = strchr(path, '/');
	*key = NULL;
	if (!slash)
		return NULL;
	json_t *cur = doc;
	const char *p = slash + 1;
	for (;;) {
		const char *next = strchr(p, '/');
		if (!next) {
			*key = decode_token(p, strlen(p));
			return *key ? cur : NULL;
		}
		char *part = decode_token(p, (size_t)(next - p));
		json_t *child = NULL;
		long idx;
		if (!part)
			return NULL;
		if (json_is_object(cur))
			child = json_object_get(cur, part);
		else if (json_is_array(cur) && atoi_go(part, &idx) && idx >= 0 && (size_t)idx < json_array_size(cur))
			child = json_array_get(cur, (size_t)idx);
		free(part);
		if (!json_is_object(child) && !json_is_array(child))
			return NULL;
		cur = child;
		p = next + 1;
	}
}

/* container.get: the value at key; *ok false when an array index is bad. */
static json_t *cont_get(json_t *c, const char *key, bool *ok)
{
	long idx;
	*ok = true;
	if (json_is_object(c))
		return json_object_get(c, key);
	if (!atoi_go(key, &idx) || idx < 0 || (size_t)idx >= json_array_size(c)) {
		*ok = false;
		return NULL;
	}
	return json_array_get(c, (size_t)idx);
}

static int cont_add(json_t *c, const char *key, json_t *v)
{
	long idx;
	if (json_is_object(c))
		return json_object_set(c, key, v);
	if (!strcmp(key, "-"))
		return json_array_append(c, v);
	if (!atoi_go(key, &idx))
		return -1;
	long sz = (long)json_array_size(c) + 1;
	if (idx >= sz || idx < -sz)
		return -1;
	if (idx < 0)
		idx += sz;
	return json_array_insert(c, (size_t)idx, v);
}

static int cont_remove(json_t *c, const char *key)
{
	long idx;
	if (json_is_object(c))
		return json_object_get(c, key) ? json_object_del(c, key) : -1;
	if (!atoi_go(key, &idx))
		return -1;
	long n = (long)json_array_size(c);
	if (idx >= n || idx < -n)
		return -1;
	if (idx < 0)
		idx += n;
	return json_array_remove(c, (size_t)idx);
}

static int cont_set(json_t *c, const char *key, json_t *v)
{
	long idx;
	if (json_is_object(c))
		return json_object_set(c, key, v);
	if (!atoi_go(key, &idx) || idx < 0 || (size_t)idx >= json_array_size(c))
		return -1;
	return json_array_set(c, (size_t)idx, v);
}

/* One operation on doc; 0, -1 (the patch does not apply: kustomize fails), -2 not handled here. */
static int json_op(json_t *doc, const json_t *op)
{
	const char *kind = json_string_value(json_object_get(op, "op"));
	const char *path = json_string_value(json_object_get(op, "path"));
	const char *from = json_string_value(json_object_get(op, "from"));
	json_t *value = json_object_get(op, "value");
	char *key = NULL, *fkey = NULL;
	int st = -1;
	bool ok;
	if (!kind || !path)
		return -1;
	json_t *c = find_container(doc, path, &key);
	if (!strcmp(kind, "add")) {
		st = c && cont_add(c, key, value ? value : json_null()) == 0 ? 0 : -1;
	} else if (!strcmp(kind, "remove")) {
		st = c && cont_remove(c, key) == 0 ? 0 : -1;
	} else if (!strcmp(kind, "replace")) {
		st = c && (cont_get(c, key, &ok), ok) && cont_set(c, key, value ? value : json_null()) == 0 ? 0 : -1;
	} else if (!strcmp(kind, "move") || !strcmp(kind, "copy")) {
		json_t *fc = from ? find_container(doc, from, &fkey) : NULL, *v;
		v = fc ? cont_get(fc, fkey, &ok) : NULL;
		if (v) {
			v = !strcmp(kind, "copy") ? json_deep_copy(v) : json_incref(v);
			if (!strcmp(kind, "move") && cont_remove(fc, fkey) < 0) {
				json_decref(v);
				v = NULL;
			}
		}
		if (v) {
			free(key);
			c = find_container(doc, path, &key);
			st = c && cont_add(c, key, v) == 0 ? 0 : -1;
			json_decref(v);
		}
	} else if (!strcmp(kind, "test")) {
		json_t *v = c ? cont_get(c, key, &ok) : NULL;
		if (!value || json_is_null(value))
			st = -2; /* a null test value: the library's raw-nil rules, left to kustomize */
		else
			st = v && json_equal(v, value) ? 0 : -1;
	}
	free(key);
	free(fkey);
	return st;
}

/* What kustomize's JSON round trip does to numbers (encoding/json into float64): integers past
 * 2^53 lose digits and become floats. */
static void floats_as_go(json_t *v)
{
	const char *k;
	json_t *c;
	size_t i;
	if (json_is_object(v)) {
		void *tmp;
		json_object_foreach_safe(v, tmp, k, c) {
			if (json_is_integer(c) && llabs(json_integer_value(c)) > (1LL << 53)) {
				double d = (double)json_integer_value(c);
				json_object_set_new(v, k, json_real(d));
			} else {
				floats_as_go(c);
			}
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c) {
			if (json_is_integer(c) && llabs(json_integer_value(c)) > (1LL << 53))
				json_array_set_new(v, i, json_real((double)json_integer_value(c)));
			else
				floats_as_go(c);
		}
	}
}

/* The operations of a JSON 6902 patch: a JSON array when the text starts with '[', else YAML
 * read as sigs.k8s.io/yaml reads it (goyaml.v2 typing). NULL with e. */
static json_t *json_ops(struct kz_build *b, const char *text, size_t len, const char *name)
{
	json_t *ops = NULL;
	if (len && text[0] == '[') {
		json_error_t je;
		ops = json_loadb(text, len, JSON_DECODE_ANY, &je);
	} else {
		struct gt_yaml_reader *r = gt_yaml_reader_new_string(text, len, name, &b->tree->lim);
		unsigned long line;
		json_t *doc = NULL, *extra = NULL;
		if (r)
			gt_yaml_reader_set_typing(r, GT_YAML_V2); /* set: typed keys are counted */
		/* a key YAML 1.1 reads as a bool or a number makes kustomize's JSON conversion fail */
		if (r && gt_yaml_next(r, &doc, &line) == 1 && !gt_yaml_reader_typed_keys(r) &&
		    gt_yaml_next(r, &extra, &line) == 0)
			ops = doc, doc = NULL;
		json_decref(doc);
		json_decref(extra);
		gt_yaml_reader_free(r);
	}
	size_t i;
	json_t *op;
	bool good = json_is_array(ops);
	json_array_foreach(ops, i, op)
		good = good && json_is_object(op) && json_is_string(json_object_get(op, "op"));
	if (!good) {
		json_decref(ops);
		return kz_unsupported(b->e, "%s: not a JSON 6902 patch kustomize reads the same way", name), NULL;
	}
	return ops;
}

#define INTERNAL_PREFIX "internal.config.kubernetes.io/"

/* kustomize keeps its build annotations in metadata.annotations, where a JSON patch sees them
 * (an annotations map to add to) and may touch them: they go in for the patch. */
static int build_annotations_in(const struct kz_res *r, json_t *doc)
{
	const char *k;
	json_t *v;
	if (!json_object_size(r->build))
		return 0;
	json_t *meta = json_object_get(doc, "metadata");
	if (!json_is_object(meta)) {
		meta = json_object();
		if (!meta || json_object_set_new(doc, "metadata", meta) < 0)
			return -1;
	}
	json_t *a = json_object_get(meta, "annotations");
	if (!json_is_object(a)) {
		a = json_object();
		if (!a || json_object_set_new(meta, "annotations", a) < 0)
			return -1;
	}
	json_object_foreach(r->build, k, v) {
		char *key = kz_printf(INTERNAL_PREFIX "%s", k);
		int st = key ? json_object_set(a, key, v) : -1;
		free(key);
		if (st < 0)
			return -1;
	}
	return 0;
}

/* ...and come out again: kustomize restores the ones it had (keeping any a patch added), then
 * writes the annotations back as strings, an empty map dropped. */
static int build_annotations_out(struct kz_res *r, json_t *doc)
{
	json_t *meta = json_object_get(doc, "metadata"), *a = json_object_get(meta, "annotations"), *v;
	const char *k;
	void *tmp;
	if (!json_is_object(a))
		return 0;
	json_object_foreach_safe(a, tmp, k, v) {
		if (strncmp(k, INTERNAL_PREFIX, strlen(INTERNAL_PREFIX)))
			continue;
		const char *shortk = k + strlen(INTERNAL_PREFIX);
		if (!json_object_get(r->build, shortk)) {
			char *t = gt_yaml_scalar_text(v);
			if (!t || kz_build_set(r, shortk, t) < 0)
				return free(t), -1;
			free(t);
		}
		json_object_del(a, k);
	}
	struct kz_res tmpres = { .obj = doc };
	json_t *strs = kz_res_string_map(&tmpres, "annotations");
	int st = strs ? kz_res_set_string_map(&tmpres, "annotations", strs) : -1;
	json_decref(strs);
	return st;
}

static int apply_json(struct kz_build *b, struct kz_res *r, const json_t *ops, const char *name)
{
	json_t *doc = json_deep_copy(r->obj), *op;
	size_t i;
	if (!doc || build_annotations_in(r, doc) < 0) {
		json_decref(doc);
		return kz_fail(b->e, "out of memory");
	}
	json_array_foreach(ops, i, op) {
		int st = json_op(doc, op);
		if (st < 0) {
			json_decref(doc);
			return st == -2 ? kz_unsupported(b->e, "%s: a test operation with a null value", name)
					: kz_unsupported(b->e, "%s: the JSON patch does not apply to %s", name, kz_res_name(r));
		}
	}
	if (!json_is_object(doc) || build_annotations_out(r, doc) < 0) {
		json_decref(doc);
		return kz_unsupported(b->e, "%s: a JSON patch that leaves no object", name);
	}
	floats_as_go(doc);
	kz_explicit_nulls(doc);
	json_decref(r->obj);
	r->obj = doc;
	return 0;
}

/* ---- the transformers ---- */

static int selected_list(struct kz_build *b, struct kz_acc *acc, const json_t *target, const char *file,
			 struct kz_res ***out, size_t *n)
{
	struct selector sel;
	*out = NULL;
	*n = 0;
	if (selector_init(&sel, target, file, b->e) < 0)
		return -1;
	*out = malloc((acc->rm.n ? acc->rm.n : 1) * sizeof(**out));
	int st = *out ? 0 : kz_fail(b->e, "out of memory");
	for (size_t i = 0; st == 0 && i < acc->rm.n; i++) {
		int m = selected(&sel, acc->rm.v[i], b->e);
		if (m < 0)
			st = -1;
		else if (m)
			(*out)[(*n)++] = acc->rm.v[i];
	}
	selector_free(&sel);
	return st;
}

/* The text of a patch given inline or by path. */
static int patch_text(struct kz_build *b, const struct kz_kust *k, const json_t *entry, const char *field,
		      const char **text, size_t *len, const char **name, char **owned)
{
	const char *path = kz_str(entry, "path"), *inline_text = kz_str(entry, field);
	*owned = NULL;
	if (*path && *inline_text)
		return kz_unsupported(b->e, "%s: a patch with both path and %s", k->shown, field);
	if (*path) {
		struct kz_file *f = kz_load_file(b->tree, k, path, b->e);
		if (!f)
			return -1;
		*text = f->text;
		*len = f->len;
		*name = path;
		return 0;
	}
	/* an inline patch is trimmed (strings.TrimSpace) */
	const char *s = inline_text, *e = s + strlen(s);
	while (*s && strchr(" \t\n\r\v\f", *s))
		s++;
	while (e > s && strchr(" \t\n\r\v\f", e[-1]))
		e--;
	if (s == e)
		return kz_unsupported(b->e, "%s: an empty patch", k->shown);
	*owned = strndup(s, (size_t)(e - s));
	if (!*owned)
		return kz_fail(b->e, "out of memory");
	*text = *owned;
	*len = strlen(*owned);
	*name = k->shown;
	return 0;
}

/* kustomize reads a patch both ways and wants exactly one to work: resources (a strategic merge
 * patch) or a list of operations (JSON 6902). -1 (with e) when it cannot tell. */
static int patch_kind(struct kz_build *b, const char *text, size_t len, const char *name, bool *json)
{
	struct kz_err quiet = { NULL, false, false };
	struct kz_build qb = { b->tree, &quiet };
	json_t *docs = NULL, *ops = NULL;
	bool sm = kz_parse_resources(b->tree, text, len, name, &docs, &quiet) == 0;
	free(quiet.msg);
	quiet.msg = NULL;
	ops = json_ops(&qb, text, len, name);
	free(quiet.msg);
	int st = 0;
	if (sm == (ops != NULL) || (sm && !json_array_size(docs)))
		st = kz_unsupported(b->e, "%s: a patch that is %s", name,
				    sm && ops ? "both a strategic merge and a JSON patch" : "neither a strategic merge nor a JSON patch");
	*json = ops != NULL;
	json_decref(docs);
	json_decref(ops);
	return st;
}

int kz_transform_patches(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc)
{
	size_t i;
	json_t *entry;
	json_array_foreach(json_object_get(k->k, "patches"), i, entry) {
		const char *text, *name;
		size_t len;
		char *owned;
		bool json;
		json_t *target = json_object_get(entry, "target");
		if (target && json_is_null(target))
			target = NULL;
		if (patch_text(b, k, entry, "patch", &text, &len, &name, &owned) < 0)
			return -1;
		int st = patch_kind(b, text, len, name, &json);
		if (st < 0) {
			free(owned);
			return -1;
		}
		if (json) {
			json_t *ops = json_ops(b, text, len, name);
			struct kz_res **sel = NULL;
			size_t n = 0;
			if (!ops)
				st = -1;
			else if (!target)
				st = kz_unsupported(b->e, "%s: a JSON patch without a target", k->shown);
			else
				st = selected_list(b, acc, target, k->shown, &sel, &n);
			for (size_t j = 0; st == 0 && j < n; j++) {
				if (kz_res_store_previous_id(sel[j]) < 0)
					st = kz_fail(b->e, "out of memory");
				else
					st = apply_json(b, sel[j], ops, name);
			}
			free(sel);
			json_decref(ops);
		} else {
			struct kz_resmap patches = { 0 };
			st = sm_patches(b, text, len, name, &patches);
			const json_t *opts = json_object_get(entry, "options");
			for (size_t j = 0; st == 0 && j < patches.n; j++) {
				if (json_is_true(json_object_get(opts, "allowNameChange")))
					kz_build_set(patches.v[j], KZ_ALLOW_NAME_CHANGE, "enabled");
				if (json_is_true(json_object_get(opts, "allowKindChange")))
					kz_build_set(patches.v[j], KZ_ALLOW_KIND_CHANGE, "enabled");
			}
			if (st == 0 && patches.n == 0)
				st = kz_unsupported(b->e, "%s: a patch with no documents", k->shown);
			if (st == 0 && target) {
				struct kz_res **sel = NULL;
				size_t n = 0;
				if (patches.n > 1)
					st = kz_unsupported(b->e, "%s: several strategic merge patches in one entry with a target",
							    k->shown);
				if (st == 0)
					st = selected_list(b, acc, target, k->shown, &sel, &n);
				if (st == 0)
					st = apply_sm_selected(b, acc, sel, n, patches.v[0]);
				free(sel);
			} else {
				for (size_t j = 0; st == 0 && j < patches.n; j++) {
					struct kz_res *r = target_of(b, acc, patches.v[j], name);
					st = r ? apply_sm(b, r, patches.v[j]) : -1;
				}
			}
			kz_resmap_free(&patches);
		}
		free(owned);
		if (st < 0)
			return -1;
		kz_resmap_drop_deleted(&acc->rm);
	}
	return 0;
}

int kz_transform_patches_sm(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc)
{
	size_t i;
	json_t *entry;
	struct kz_resmap patches = { 0 };
	const json_t *list = json_object_get(k->k, "patchesStrategicMerge");
	if (!json_array_size(list))
		return 0;
	int st = 0;
	json_array_foreach(list, i, entry) {
		const char *s = json_string_value(entry);
		/* an entry is inline YAML when it reads as resources, else a file */
		struct kz_err quiet = { NULL, false, false };
		struct kz_resmap inl = { 0 };
		if (strchr(s, '\n') && sm_patches(&(struct kz_build){ b->tree, &quiet }, s, strlen(s), k->shown, &inl) == 0) {
			for (size_t j = 0; j < inl.n; j++)
				patches.v = realloc(patches.v, (patches.n + 1) * sizeof(*patches.v)),
				patches.v[patches.n++] = inl.v[j];
			free(inl.v);
			free(quiet.msg);
			continue;
		}
		kz_resmap_free(&inl);
		free(quiet.msg);
		struct kz_file *f = kz_load_file(b->tree, k, s, b->e);
		if (!f || sm_patches(b, f->text, f->len, s, &patches) < 0) {
			st = -1;
			break;
		}
	}
	patches.cap = patches.n;
	if (st == 0 && patches.n == 0)
		st = kz_unsupported(b->e, "%s: patchesStrategicMerge with no patches", k->shown);
	for (size_t j = 0; st == 0 && j < patches.n; j++) {
		struct kz_res *r = target_of(b, acc, patches.v[j], k->shown);
		st = r ? apply_sm_selected(b, acc, &r, 1, patches.v[j]) : -1;
		kz_resmap_drop_deleted(&acc->rm);
	}
	kz_resmap_free(&patches);
	return st;
}

int kz_transform_patches_json6902(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc)
{
	size_t i;
	json_t *entry;
	json_array_foreach(json_object_get(k->k, "patchesJson6902"), i, entry) {
		const char *text, *name;
		size_t len;
		char *owned;
		json_t *target = json_object_get(entry, "target");
		if (!json_is_object(target) || !*kz_str(target, "name"))
			return kz_unsupported(b->e, "%s: a patchesJson6902 entry without a target name", k->shown);
		if (patch_text(b, k, entry, "patch", &text, &len, &name, &owned) < 0)
			return -1;
		json_t *ops = json_ops(b, text, len, name);
		struct kz_res **sel = NULL;
		size_t n = 0;
		int st = ops ? 0 : -1;
		if (st == 0 && !json_array_size(ops))
			st = kz_unsupported(b->e, "%s: an empty JSON patch", name);
		if (st == 0)
			st = selected_list(b, acc, target, k->shown, &sel, &n);
		for (size_t j = 0; st == 0 && j < n; j++)
			st = apply_json(b, sel[j], ops, name);
		free(sel);
		json_decref(ops);
		free(owned);
		if (st < 0)
			return -1;
	}
	return 0;
}
