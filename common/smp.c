/* smp: kustomize's strategic merge (kyaml merge2: a walker over the pair object/patch with the
 * patch's list elements first), over jansson values; see smp.h for the contract. Elements are
 * shared between the lists being built, as kyaml shares its nodes, so a merged element keeps
 * its identity wherever it sits. */
#define _GNU_SOURCE /* asprintf */
#include "smp.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mergekeys.h"
#include "yaml.h"

/* A walk result: a value (a new reference), CLEAR (the field or element goes) or KEEP_NULL (a
 * null the object had and the patch did not name: kustomize keeps it). */
static json_t keep_null_marker;
#define KEEP_NULL (&keep_null_marker)
#define CLEAR NULL

struct schema {
	const char *av, *kind; /* the root type; NULL when no schema */
	char *path;            /* malloc'd; "" at the root */
};

struct walk {
	char *err;
	char **names; /* apiVersion and kind strings the schemas point at (the object's may be replaced) */
	size_t n_names;
};

/* A copy of s kept until the end of the walk. */
static const char *keep(struct walk *w, const char *s)
{
	char **v = realloc(w->names, (w->n_names + 1) * sizeof(*v));
	if (!v)
		return NULL;
	w->names = v;
	return v[w->n_names++] = strdup(s);
}

static int fail(struct walk *w, const char *fmt, const char *detail)
{
	if (!w->err && asprintf(&w->err, fmt, detail) < 0)
		w->err = NULL;
	return -1;
}

static bool missing_or_null(const json_t *v)
{
	return !v || json_is_null(v);
}

/* kyaml's IsYNodeNilOrEmpty: missing, null, {} or []. */
static bool nil_or_empty(const json_t *v)
{
	return missing_or_null(v) || (json_is_object(v) && !json_object_size(v)) || (json_is_array(v) && !json_array_size(v));
}

static bool text_is(const json_t *v, const char *s)
{
	char *t = gt_yaml_scalar_text(v);
	bool eq = t && !strcmp(t, s);
	free(t);
	return eq;
}

/* ---- schema ---- */

static char *path_join(const char *path, const char *part, bool element)
{
	char *p = NULL;
	if (element)
		return asprintf(&p, "%s[]", path) < 0 ? NULL : p;
	return asprintf(&p, "%s%s%s", path, *path ? "." : "", part) < 0 ? NULL : p;
}

/* Walker.GetSchema: the one we have, else that of the first of dest/origin that is an object
 * of a kind the table knows. */
static struct schema schema_for(struct walk *w, const struct schema *s, const json_t *dest, const json_t *origin)
{
	struct schema out = { s->av, s->kind, s->path };
	if (s->av)
		return out;
	const json_t *src[2] = { dest, origin };
	for (int i = 0; i < 2; i++) {
		const char *av = json_string_value(json_object_get(src[i], "apiVersion"));
		const char *kind = json_string_value(json_object_get(src[i], "kind"));
		if (!json_is_object(src[i]) || !av || !*av || !kind || !*kind)
			continue;
		if (gt_mergekey_kind_known(av, kind)) {
			out.av = keep(w, av);
			out.kind = keep(w, kind);
			out.path = (char *)"";
			if (!out.av || !out.kind)
				out.av = out.kind = NULL;
			return out;
		}
	}
	return out;
}

static const struct gt_mergekey *list_meta(const struct schema *s)
{
	return s->av ? gt_mergekey_find(s->av, s->kind, s->path) : NULL;
}

/* ---- directives ---- */

enum directive { D_MERGE, D_REPLACE, D_DELETE, D_UNKNOWN };

static enum directive directive_of(const char *v)
{
	return !strcmp(v, "delete") ? D_DELETE : !strcmp(v, "replace") ? D_REPLACE : !strcmp(v, "merge") ? D_MERGE
												 : D_UNKNOWN;
}

static int element_set(struct walk *w, json_t *list, json_t *element, char **keys, size_t nkeys, char **values,
		       size_t nvalues);

/* determineSmpDirective: the patch's $patch, removed from it. A scalar patch has none (an error
 * kustomize reports where it does not ignore it). */
static int take_directive(struct walk *w, json_t *patch, enum directive *d)
{
	*d = D_MERGE;
	if (!patch)
		return 0;
	if (json_is_object(patch)) {
		json_t *v = json_object_get(patch, "$patch");
		if (!v)
			return 0;
		char *t = gt_yaml_scalar_text(v);
		*d = t ? directive_of(t) : D_UNKNOWN;
		if (*d == D_UNKNOWN)
			fail(w, "unknown patch strategy '%s'", t ? t : "");
		free(t);
		json_object_del(patch, "$patch");
		return *d == D_UNKNOWN ? -1 : 0;
	}
	if (json_is_array(patch)) {
		/* the first element with a $patch key, when it has nothing else */
		json_t *el = NULL;
		for (size_t i = 0; i < json_array_size(patch); i++) {
			json_t *c = json_array_get(patch, i);
			if (json_is_object(c) && json_object_get(c, "$patch")) {
				el = c;
				break;
			}
		}
		if (!el || json_object_size(el) > 1)
			return 0;
		json_t *v = json_object_get(el, "$patch");
		if (!v)
			return 0;
		char *t = gt_yaml_scalar_text(v);
		*d = t ? directive_of(t) : D_UNKNOWN;
		if (*d == D_UNKNOWN) {
			fail(w, "unknown patch strategy '%s'", t ? t : "");
			free(t);
			return -1;
		}
		char *keys[1] = { (char *)"$patch" }, *values[1] = { t };
		int st = element_set(w, patch, NULL, keys, 1, values, 1);
		free(t);
		return st;
	}
	*d = D_UNKNOWN;
	return fail(w, "%s", "no strategic merge patch strategy for a scalar");
}

/* ---- kyaml's list matchers ---- */

/* FieldMatcher{Name, StringValue}: the element's field name (with that text unless value is ""),
 * or for a scalar element (name "") the element itself when its text is value. 1 found, 0 not, -1 error. */
static int field_matches(struct walk *w, const json_t *el, const char *name, const char *value)
{
	if (missing_or_null(el))
		return 0;
	if (!*name) {
		if (json_is_object(el) || json_is_array(el))
			return fail(w, "%s", "wrong node kind: expected a scalar in a list of scalars");
		return text_is(el, value);
	}
	if (!json_is_object(el))
		return fail(w, "%s", "wrong node kind: expected a map in a merge list");
	json_t *f = json_object_get(el, name);
	return f && (!*value || text_is(f, value));
}

/* kyaml's ElementSetter: null and {} elements go; elements matching all keys (the j-th key with
 * the j-th value, the last match standing in for keys past the values) are replaced by element
 * (removed when element is NULL); element is appended when none matched. */
static int element_set(struct walk *w, json_t *list, json_t *element, char **keys, size_t nkeys, char **values,
		       size_t nvalues)
{
	bool mapping = nkeys > 0 && *keys[0] && nvalues > 0 && *values[0], matched = false;
	json_t *out = json_array();
	if (!out)
		return fail(w, "%s", "out of memory");
	for (size_t i = 0; i < json_array_size(list); i++) {
		json_t *el = json_array_get(list, i);
		if (missing_or_null(el) || (json_is_object(el) && !json_object_size(el)))
			continue;
		if (!json_is_object(el) && mapping) {
			json_array_append(out, el);
			continue;
		}
		int m = 0;
		bool found = true;
		for (size_t j = 0; j < nkeys; j++) {
			if (j < nvalues)
				m = field_matches(w, el, keys[j], values[j]);
			if (m < 0) {
				json_decref(out);
				return -1;
			}
			if (!m) {
				found = false;
				break;
			}
		}
		if (!found) {
			if (nvalues > 0)
				json_array_append(out, el);
			continue;
		}
		matched = true;
		if (element)
			json_array_append(out, element);
	}
	if (element && !json_is_null(element) && !matched)
		json_array_append(out, element);
	int st = json_array_clear(list) == 0 && json_array_extend(list, out) == 0 ? 0 : fail(w, "%s", "out of memory");
	json_decref(out);
	return st;
}

/* ElementMatcher{Keys, Values}: the first element whose fields have exactly these texts; in a
 * list of scalars (key ""), the first element whose text is the value. */
static json_t *element_find(json_t *list, char **keys, char **values, size_t n)
{
	if (!json_is_array(list))
		return NULL;
	for (size_t i = 0; i < json_array_size(list); i++) {
		json_t *el = json_array_get(list, i);
		if (n == 0 || !*keys[0]) {
			if (text_is(el, n ? values[0] : ""))
				return el;
			continue;
		}
		if (!json_is_object(el))
			continue;
		bool all = true;
		for (size_t j = 0; all && j < n; j++) {
			json_t *f = json_object_get(el, keys[j]);
			all = f && text_is(f, values[j]);
		}
		if (all)
			return el;
	}
	return NULL;
}

/* ---- tuples of key values ---- */

struct tuples {
	char ***v; /* v[i][k]: the text of key k in the i-th distinct element */
	size_t n, cap, nkeys;
};

static void tuples_free(struct tuples *t)
{
	for (size_t i = 0; i < t->n; i++) {
		for (size_t k = 0; k < t->nkeys; k++)
			free(t->v[i][k]);
		free(t->v[i]);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static bool tuple_eq(char **a, char **b, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (strcmp(a[k], b[k]))
			return false;
	return true;
}

static int tuples_add(struct tuples *t, char **tuple)
{
	for (size_t i = 0; i < t->n; i++) {
		if (tuple_eq(t->v[i], tuple, t->nkeys)) {
			for (size_t k = 0; k < t->nkeys; k++)
				free(tuple[k]);
			free(tuple);
			return 0;
		}
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		char ***v = realloc(t->v, cap * sizeof(*v));
		if (!v)
			return -1;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = tuple;
	return 0;
}

/* elementValues: the key texts of every element, the patch's first, each distinct tuple once. */
static int collect_tuples(json_t *origin, json_t *dest, char **keys, size_t nkeys, struct tuples *t)
{
	json_t *src[2] = { origin, dest };
	t->nkeys = nkeys;
	for (int s = 0; s < 2; s++) {
		if (!json_is_array(src[s]))
			continue;
		for (size_t i = 0; i < json_array_size(src[s]); i++) {
			json_t *el = json_array_get(src[s], i);
			char **tuple = calloc(nkeys ? nkeys : 1, sizeof(*tuple));
			if (!tuple)
				return -1;
			for (size_t k = 0; k < nkeys; k++) {
				json_t *f = json_is_object(el) ? json_object_get(el, keys[k]) : NULL;
				tuple[k] = nil_or_empty(f) ? strdup("") : gt_yaml_scalar_text(f);
				if (!tuple[k])
					return -1;
			}
			if (!nkeys) {
				free(tuple);
				continue;
			}
			if (tuples_add(t, tuple) < 0)
				return -1;
		}
	}
	return 0;
}

/* elementPrimitiveValues: the texts of the items, the patch's first, each once. */
static int collect_primitives(json_t *origin, json_t *dest, struct tuples *t)
{
	json_t *src[2] = { origin, dest };
	t->nkeys = 1;
	for (int s = 0; s < 2; s++) {
		if (!json_is_array(src[s]))
			continue;
		for (size_t i = 0; i < json_array_size(src[s]); i++) {
			char **tuple = calloc(1, sizeof(*tuple));
			if (!tuple || !(tuple[0] = gt_yaml_scalar_text(json_array_get(src[s], i))) || tuples_add(t, tuple) < 0)
				return -1;
		}
	}
	return 0;
}

/* mergeValues: two tuples that share a value and differ only where one is empty become one. */
static int merge_tuples(struct tuples *t)
{
	for (size_t i = 0; i < t->n; i++) {
		char **v1 = t->v[i];
		bool v1_owned_elsewhere = false;
		for (size_t j = 0; j < t->n; j++) {
			char **v2 = t->v[j];
			bool common = false, ok = true;
			for (size_t k = 0; ok && k < t->nkeys; k++) {
				if (!strcmp(v1[k], v2[k]))
					common = true;
				else if (*v1[k] && *v2[k])
					ok = false;
			}
			if (!ok || !common)
				continue;
			char **res = calloc(t->nkeys, sizeof(*res));
			char **res2 = calloc(t->nkeys, sizeof(*res2));
			if (!res || !res2)
				return free(res), free(res2), -1;
			for (size_t k = 0; k < t->nkeys; k++) {
				const char *v = *v1[k] ? v1[k] : v2[k];
				res[k] = strdup(v);
				res2[k] = strdup(v);
			}
			/* list[i] and list[j] both become the merged tuple; v1 stays what it was */
			if (t->v[i] != v1) {
				for (size_t k = 0; k < t->nkeys; k++)
					free(t->v[i][k]);
				free(t->v[i]);
			} else {
				v1_owned_elsewhere = true;
			}
			t->v[i] = res;
			if (j != i) {
				if (t->v[j] != v1) {
					for (size_t k = 0; k < t->nkeys; k++)
						free(t->v[j][k]);
					free(t->v[j]);
				}
				t->v[j] = res2;
			} else {
				for (size_t k = 0; k < t->nkeys; k++)
					free(res2[k]);
				free(res2);
			}
		}
		if (v1_owned_elsewhere) {
			for (size_t k = 0; k < t->nkeys; k++)
				free(v1[k]);
			free(v1);
		}
	}
	return 0;
}

/* validateKeys: the keys some tuple has a value for (all keys when none has), and this tuple's
 * values for them. */
static size_t valid_keys(const struct tuples *all, char **values, char **keys, size_t nkeys, char **vk, char **vv)
{
	bool *valid = calloc(nkeys ? nkeys : 1, sizeof(*valid));
	size_t n = 0, any = 0;
	if (!valid)
		return 0;
	for (size_t i = 0; i < all->n; i++)
		for (size_t k = 0; k < nkeys; k++)
			if (*all->v[i][k] && !valid[k])
				valid[k] = true, any++;
	for (size_t k = 0; k < nkeys; k++) {
		if (!any || valid[k]) {
			vk[n] = keys[k];
			vv[n] = values[k];
			n++;
		}
	}
	free(valid);
	return n;
}

/* ---- the walk ---- */

static json_t *walk(struct walk *w, json_t *dest, json_t *origin, const struct schema *s, int *st);

static json_t *ref(json_t *v)
{
	return v == KEEP_NULL ? v : json_incref(v);
}

static void unref(json_t *v)
{
	if (v != KEEP_NULL)
		json_decref(v);
}

/* Set or clear key in map as kyaml's FieldSetter does with a walk result. */
static int set_field(json_t *map, const char *key, json_t *val)
{
	if (val == KEEP_NULL)
		return json_object_set_new(map, key, json_null());
	if (!val || json_is_null(val))
		return json_object_del(map, key), 0;
	return json_object_set(map, key, val);
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* VisitMap, then every field of both (in sorted order) walked and set on the result. */
static json_t *walk_map(struct walk *w, json_t *dest, json_t *origin, const struct schema *s, int *st)
{
	enum directive d;
	json_t *out;
	if (missing_or_null(dest)) {
		struct walk quiet = { NULL, NULL, 0 };
		take_directive(&quiet, origin, &d); /* kustomize ignores an error here */
		free(quiet.err);
		if (d == D_DELETE)
			return CLEAR;
		/* a null the object has and the patch does not name stays, unless it was written empty */
		if (!origin && dest)
			return gt_yaml_is_empty_null(dest) ? CLEAR : KEEP_NULL;
		if (!origin)
			return CLEAR;
		out = json_incref(origin);
	} else {
		if (origin && json_is_null(origin))
			return CLEAR;
		if (take_directive(w, origin, &d) < 0)
			return *st = -1, CLEAR;
		if (d == D_DELETE)
			return CLEAR;
		out = json_incref(d == D_REPLACE ? origin : dest);
	}
	if (!json_is_object(out)) {
		json_decref(out);
		return CLEAR;
	}
	/* Sources are now (out, origin); the field names of both, sorted. */
	json_t *src2 = out == origin ? out : origin;
	size_t cap = json_object_size(out) + (json_is_object(src2) ? json_object_size(src2) : 0), n = 0;
	const char **names = malloc((cap ? cap : 1) * sizeof(*names)), *k;
	json_t *v;
	if (!names) {
		fail(w, "%s", "out of memory");
		json_decref(out);
		return *st = -1, CLEAR;
	}
	json_object_foreach(out, k, v)
		names[n++] = k;
	if (json_is_object(src2) && src2 != out)
		json_object_foreach(src2, k, v)
			if (!json_object_get(out, k))
				names[n++] = k;
	/* copy the names: setting fields may free keys that came from the patch */
	char **copy = malloc((n ? n : 1) * sizeof(*copy));
	for (size_t i = 0; copy && i < n; i++)
		copy[i] = strdup(names[i]);
	free(names);
	if (!copy) {
		json_decref(out);
		return *st = -1, CLEAR;
	}
	qsort(copy, n, sizeof(*copy), cmp_keys);
	for (size_t i = 0; i < n && *st == 0; i++) {
		json_t *fd = json_object_get(out, copy[i]), *fo = json_is_object(src2) ? json_object_get(src2, copy[i]) : NULL;
		struct schema child = { s->av, s->kind, NULL };
		if (s->av && !(child.path = path_join(s->path, copy[i], false))) {
			*st = -1;
			break;
		}
		json_incref(fd);
		json_incref(fo);
		json_t *val = walk(w, fd, fo, &child, st);
		json_decref(fd);
		json_decref(fo);
		if (s->av)
			free(child.path);
		if (*st == 0 && set_field(out, copy[i], val) < 0)
			*st = fail(w, "%s", "out of memory");
		unref(val);
	}
	for (size_t i = 0; i < n; i++)
		free(copy[i]);
	free(copy);
	if (*st < 0) {
		json_decref(out);
		return CLEAR;
	}
	return out;
}

/* VisitList for a list merged by key: what the list starts from. */
static json_t *visit_assoc_list(struct walk *w, json_t *dest, json_t *origin, int *st)
{
	enum directive d;
	if (missing_or_null(dest))
		return origin ? json_incref(origin) : CLEAR;
	if (origin && json_is_null(origin))
		return CLEAR;
	if (take_directive(w, origin, &d) < 0)
		return *st = -1, CLEAR;
	if (d == D_DELETE)
		return CLEAR;
	return json_incref(d == D_REPLACE ? origin : dest);
}

/* appendListNode: dest's elements put into items (replacing the ones with the same keys). An
 * element without a key is appended once per missing key, then set with the values found. */
static int append_list(struct walk *w, json_t *items, json_t *dest, char **keys, size_t nkeys)
{
	for (size_t i = 0; i < json_array_size(dest); i++) {
		json_t *el = json_array_get(dest, i);
		if (!*keys[0]) {
			char *t = gt_yaml_scalar_text(el);
			char *k[1] = { (char *)"" }, *v[1] = { t };
			int st = t ? element_set(w, items, el, k, 1, v, 1) : -1;
			free(t);
			if (st < 0)
				return -1;
			continue;
		}
		if (!missing_or_null(el) && !json_is_object(el))
			return fail(w, "%s", "wrong node kind: expected a map in a merge list");
		char **vals = calloc(nkeys, sizeof(*vals));
		size_t nv = 0;
		if (!vals)
			return -1;
		for (size_t k = 0; k < nkeys; k++) {
			json_t *f = json_is_object(el) ? json_object_get(el, keys[k]) : NULL;
			if (!f) {
				json_array_append(items, el);
				continue;
			}
			vals[nv++] = gt_yaml_scalar_text(f);
		}
		int st = 0;
		if (nkeys > 1)
			st = element_set(w, items, NULL, keys, nkeys, vals, nv);
		if (st == 0)
			st = element_set(w, items, el, keys, nkeys, vals, nv);
		for (size_t k = 0; k < nv; k++)
			free(vals[k]);
		free(vals);
		if (st < 0)
			return -1;
	}
	return 0;
}

/* setAssociativeSequenceElements */
static json_t *merge_elements(struct walk *w, json_t *list, json_t *dest_src, json_t *origin, struct tuples *t,
			      char **keys, size_t nkeys, const struct schema *elem, int *st)
{
	json_t *items = json_array();
	char **vk = calloc(nkeys ? nkeys : 1, sizeof(*vk)), **vv = calloc(nkeys ? nkeys : 1, sizeof(*vv));
	char **last_keys = NULL;
	size_t n_last = 0;
	if (!items || !vk || !vv) {
		*st = fail(w, "%s", "out of memory");
		goto out;
	}
	if (nkeys > 1 && merge_tuples(t) < 0) {
		*st = fail(w, "%s", "out of memory");
		goto out;
	}
	for (size_t i = 0; i < t->n && *st == 0; i++) {
		size_t n = valid_keys(t, t->v[i], keys, nkeys, vk, vv);
		/* elementValueList: validateKeys again, on this tuple alone */
		char **ek = calloc(n ? n : 1, sizeof(*ek)), **ev = calloc(n ? n : 1, sizeof(*ev));
		size_t en = 0, nonempty = 0;
		for (size_t k = 0; k < n; k++)
			nonempty += *vv[k] != '\0';
		for (size_t k = 0; ek && ev && k < n; k++)
			if (!nonempty || *vv[k])
				ek[en] = vk[k], ev[en++] = vv[k];
		json_t *fd = ek && ev ? element_find(dest_src, ek, ev, en) : NULL;
		json_t *fo = ek && ev ? element_find(origin, ek, ev, en) : NULL;
		free(ek);
		free(ev);
		json_incref(fd);
		json_incref(fo);
		json_t *val = walk(w, fd, fo, elem, st);
		json_decref(fd);
		json_decref(fo);
		last_keys = vk;
		n_last = n;
		if (*st < 0) {
			unref(val);
			break;
		}
		bool gone = val == CLEAR || val == KEEP_NULL || json_is_null(val) ||
			    (json_is_object(val) && !json_object_size(val));
		if (gone) {
			if (n)
				*st = element_set(w, list, NULL, vk, n, vv, n);
			unref(val);
			continue;
		}
		for (size_t k = 0; k < n; k++) {
			if (!*vv[k] || !*vk[k] || !json_is_object(val) || json_object_get(val, vk[k]))
				continue;
			const char *why;
			json_t *sv = gt_yaml_resolve_plain_kyaml(vv[k], strlen(vv[k]), &why);
			json_object_set_new(val, vk[k], sv ? sv : json_string(vv[k]));
		}
		if (*st == 0)
			*st = element_set(w, items, val, vk, n, vv, n);
		unref(val);
	}
	if (*st == 0 && t->n > 0) {
		/* Prepend: the patch's items come first, then the object's, merged in place. */
		char **keys_used = last_keys ? last_keys : keys;
		size_t nk = last_keys ? n_last : nkeys;
		if (nk == 0) {
			static char *none[1] = { (char *)"" };
			keys_used = none;
			nk = 1;
		}
		if (append_list(w, items, list, keys_used, nk) < 0)
			*st = -1;
		else
			json_decref(list), list = json_incref(items);
	}
out:
	free(vk);
	free(vv);
	json_decref(items);
	if (*st < 0) {
		json_decref(list);
		return CLEAR;
	}
	return list;
}

static json_t *walk_assoc(struct walk *w, json_t *dest, json_t *origin, const struct schema *s,
			  const struct gt_mergekey *meta, int *st)
{
	json_t *list = visit_assoc_list(w, dest, origin, st);
	if (list == CLEAR || *st < 0)
		return CLEAR;
	/* Sources are now (list, origin). */
	struct schema elem = { s->av, s->kind, path_join(s->path, NULL, true) };
	char *keybuf = strdup(meta->keys), *keys[16];
	size_t nkeys = 0;
	struct tuples t = { 0 };
	json_t *out = CLEAR;
	if (!elem.path || !keybuf) {
		*st = fail(w, "%s", "out of memory");
		goto done;
	}
	for (char *k = strtok(keybuf, ","); k && nkeys < 16; k = strtok(NULL, ","))
		keys[nkeys++] = k;
	if (collect_tuples(origin, list, keys, nkeys, &t) < 0) {
		*st = fail(w, "%s", "out of memory");
		goto done;
	}
	if (t.n > 0 || nkeys > 0) {
		out = merge_elements(w, json_incref(list), list, origin, &t, keys, nkeys, &elem, st);
	} else {
		static char *scalar_key[1] = { (char *)"" };
		tuples_free(&t);
		if (collect_primitives(origin, list, &t) < 0) {
			*st = fail(w, "%s", "out of memory");
			goto done;
		}
		out = merge_elements(w, json_incref(list), list, origin, &t, scalar_key, 1, &elem, st);
	}
done:
	tuples_free(&t);
	free(keybuf);
	free(elem.path);
	json_decref(list);
	if (out != CLEAR && json_is_array(out) && missing_or_null(out)) {
		json_decref(out);
		return CLEAR;
	}
	return out;
}

static json_t *walk(struct walk *w, json_t *dest, json_t *origin, const struct schema *given, int *st)
{
	struct schema s = schema_for(w, given, dest, origin);
	const json_t *first = !missing_or_null(dest) ? dest : !missing_or_null(origin) ? origin : NULL;
	json_t *src[2] = { dest, origin };
	if (!first || json_is_object(first)) {
		for (int i = 0; i < 2; i++)
			if (!missing_or_null(src[i]) && !json_is_object(src[i]))
				return *st = fail(w, "%s", "wrong node kind: a map against a list or a scalar"), CLEAR;
		return walk_map(w, dest, origin, &s, st);
	}
	if (json_is_array(first)) {
		for (int i = 0; i < 2; i++)
			if (!missing_or_null(src[i]) && !json_is_array(src[i]))
				return *st = fail(w, "%s", "wrong node kind: a list against a map or a scalar"), CLEAR;
		const struct gt_mergekey *meta = list_meta(&s);
		if (meta)
			return walk_assoc(w, dest, origin, &s, meta, st);
		return ref(origin ? origin : dest);
	}
	for (int i = 0; i < 2; i++)
		if (!missing_or_null(src[i]) && (json_is_object(src[i]) || json_is_array(src[i])))
			return *st = fail(w, "%s", "wrong node kind: a scalar against a map or a list"), CLEAR;
	return ref(origin ? origin : dest);
}

int gt_smp_merge(json_t **obj, json_t *patch, char **err)
{
	struct walk w = { NULL, NULL, 0 };
	struct schema root = { NULL, NULL, (char *)"" };
	int st = 0;
	*err = NULL;
	json_t *out = walk(&w, *obj, patch, &root, &st);
	for (size_t i = 0; i < w.n_names; i++)
		free(w.names[i]);
	free(w.names);
	if (st < 0) {
		unref(out);
		*err = w.err ? w.err : strdup("out of memory");
		return -1;
	}
	free(w.err);
	json_decref(*obj);
	*obj = out == KEEP_NULL ? NULL : out;
	return 0;
}
