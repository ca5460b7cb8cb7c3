/* schema: values.schema.json validation as helm 3.17 does it, with xeipuuv/gojsonschema v1.2.0.
 *
 * What gojsonschema does, followed here step for step (validation.go, schema.go):
 * - the draft comes from "$schema" (http://json-schema.org/draft-04|06|07/schema, with or without
 *   "#"); any other or none is its "hybrid" mode, where every keyword of the three drafts counts;
 * - the keywords it knows are parsed, every other key is ignored (it is only an annotation to it);
 * - a node is checked in its order: type (a wrong type stops there), the combinators (anyOf,
 *   oneOf, allOf, not, if/then/else: the failing branch with the best score adds its errors),
 *   then number, const/enum, string for scalars, array or object keywords, then properties;
 * - each error prints "FIELD: DESCRIPTION", FIELD the dotted path from "(root)".
 * Go visits "properties", "patternProperties" and an object's keys in random order, so when several
 * of those fail helm prints them in any order; here they come sorted by key (one order helm may
 * print). Not done here, left to helm: "dependencies", a "$ref" that leaves the file or an "$id",
 * the formats that need Go's mail and regexp parsers (email, regex), "time" and "date-time" of
 * anything but the plain forms (HH:MM:SS[.frac][zone], a date, RFC 3339), "iri"
 * and "uri-template", "uri"/"uri-reference" of a URL with escapes, spaces or an IPv6 host, a
 * schema gojsonschema itself refuses (helm words that error), numbers JSON cannot carry. */
#define _GNU_SOURCE
#include "helm.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "regex.h"

enum draft { D4 = 4, D6 = 6, D7 = 7, HYBRID = 100 };

enum { T_ARRAY = 1, T_BOOLEAN = 2, T_INTEGER = 4, T_NUMBER = 8, T_NULL = 16, T_OBJECT = 32, T_STRING = 64 };
static const char *const type_names[] = { "array", "boolean", "integer", "number", "null", "object", "string" };

struct num {
	bool set;
	double d;
};

struct sch;
struct prop {
	const char *name;
	struct sch *s;
};
struct patprop {
	const char *pat;
	struct re *re;
	struct sch *s;
};

struct sch {
	int pass; /* -1: not a boolean schema, 0 false, 1 true */
	struct sch *ref;
	const char *ref_name;
	char types_str[80]; /* jsonSchemaType.String() */
	unsigned types;
	struct prop *props; size_t n_props;
	struct patprop *pprops; size_t n_pprops;
	int addl_bool; /* -1 none */
	struct sch *addl, *prop_names;
	struct sch **items; size_t n_items; bool items_single;
	int addl_items_bool;
	struct sch *addl_items;
	long min_items, max_items, min_props, max_props, min_len, max_len; /* -1 none */
	bool unique;
	struct sch *contains;
	char *konst; /* canonical JSON */
	char **enumv; size_t n_enum;
	struct sch **any_of, **one_of, **all_of; size_t n_any, n_one, n_all;
	struct sch *not_, *if_, *then_, *else_;
	struct num minimum, maximum, xmin, xmax, multiple;
	struct re *pattern;
	const char *pattern_src, *format;
	const char **required; size_t n_required;
};

struct refent {
	char *name;
	struct sch *s;
};

struct ctx {
	json_t *root;
	enum draft draft;
	struct sch **all; size_t n_all, cap_all; /* every node, to free */
	struct refent *refs; size_t n_refs;
	const char *why; /* set when the schema needs helm */
	char whybuf[200];
};

/* ---- parsing ---- */

static struct sch *node_new(struct ctx *c)
{
	if (c->n_all == c->cap_all) {
		size_t cap = c->cap_all ? c->cap_all * 2 : 32;
		struct sch **v = realloc(c->all, cap * sizeof(*v));
		if (!v)
			return NULL;
		c->all = v;
		c->cap_all = cap;
	}
	struct sch *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->pass = -1;
	s->addl_bool = s->addl_items_bool = -1;
	s->min_items = s->max_items = s->min_props = s->max_props = s->min_len = s->max_len = -1;
	c->all[c->n_all++] = s;
	return s;
}

static void node_free(struct sch *s)
{
	for (size_t i = 0; i < s->n_pprops; i++)
		re_free(s->pprops[i].re);
	re_free(s->pattern);
	free(s->props);
	free(s->pprops);
	free(s->items);
	free(s->konst);
	for (size_t i = 0; i < s->n_enum; i++)
		free(s->enumv[i]);
	free(s->enumv);
	free(s->any_of);
	free(s->one_of);
	free(s->all_of);
	free(s->required);
	free(s);
}

static int refuse(struct ctx *c, const char *fmt, const char *what)
{
	snprintf(c->whybuf, sizeof(c->whybuf), fmt, what);
	c->why = c->whybuf;
	return -1;
}

/* encoding/json of a decoded JSON value, numbers as float64 (gojsonschema's marshalWithoutNumber) */
static char *canonical(struct hv v)
{
	struct buf b = { 0 };
	const char *why = NULL;
	if (json_marshal(&b, v, true, NULL, &why) < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b, NULL);
}

static char *canonical_json(const json_t *j)
{
	struct hv v = hv_from_json(j);
	char *s = canonical(v);
	hv_unref(v);
	return s;
}

/* A JSON number of the schema; refuses what float64 cannot hold exactly enough to compare. */
static bool number_of(const json_t *j, struct num *n)
{
	if (json_is_integer(j)) {
		n->d = (double)json_integer_value(j);
		n->set = true;
		return true;
	}
	if (json_is_real(j)) {
		n->d = json_real_value(j);
		n->set = true;
		return true;
	}
	return false;
}

static bool integer_of(const json_t *j, long *out)
{
	if (json_is_integer(j)) {
		*out = (long)json_integer_value(j);
		return true;
	}
	if (json_is_real(j) && json_real_value(j) == floor(json_real_value(j)) && fabs(json_real_value(j)) < 1e15) {
		*out = (long)json_real_value(j);
		return true;
	}
	return false;
}

static int parse(struct ctx *c, const json_t *j, struct sch *s);

static struct sch *parse_new(struct ctx *c, const json_t *j)
{
	struct sch *s = node_new(c);
	if (!s) {
		refuse(c, "%s", "no memory");
		return NULL;
	}
	return parse(c, j, s) < 0 ? NULL : s;
}

static int parse_list(struct ctx *c, const json_t *j, const char *key, struct sch ***out, size_t *n)
{
	if (!json_is_array(j))
		return refuse(c, "values.schema.json: \"%s\" is not an array (helm words the error)", key);
	*n = json_array_size(j);
	*out = calloc(*n ? *n : 1, sizeof(**out));
	if (!*out)
		return refuse(c, "%s", "no memory");
	for (size_t i = 0; i < *n; i++)
		if (!((*out)[i] = parse_new(c, json_array_get(j, i))))
			return -1;
	return 0;
}

/* A JSON pointer within the file: "#", "#/definitions/a", "#/properties/x~1y". */
static const json_t *resolve_pointer(struct ctx *c, const char *ref)
{
	if (ref[0] != '#' || strchr(ref, '%'))
		return NULL;
	const json_t *cur = c->root;
	const char *p = ref + 1;
	if (*p && *p != '/')
		return NULL;
	while (*p == '/') {
		p++;
		size_t n = strcspn(p, "/");
		char tok[512];
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			if (k + 1 >= sizeof(tok))
				return NULL;
			if (p[i] == '~' && i + 1 < n && (p[i + 1] == '0' || p[i + 1] == '1')) {
				tok[k++] = p[i + 1] == '0' ? '~' : '/';
				i++;
			} else if (p[i] == '~') {
				return NULL;
			} else {
				tok[k++] = p[i];
			}
		}
		tok[k] = 0;
		if (json_is_object(cur)) {
			cur = json_object_get(cur, tok);
		} else if (json_is_array(cur)) {
			char *end;
			unsigned long idx = strtoul(tok, &end, 10);
			cur = *tok && !*end ? json_array_get(cur, idx) : NULL;
		} else {
			cur = NULL;
		}
		if (!cur)
			return NULL;
		p += n;
	}
	return cur;
}

static int parse_ref(struct ctx *c, const char *ref, struct sch *s)
{
	for (size_t i = 0; i < c->n_refs; i++)
		if (!strcmp(c->refs[i].name, ref)) {
			s->ref = c->refs[i].s;
			return 0;
		}
	const json_t *target = resolve_pointer(c, ref);
	if (!target || !(json_is_object(target) || json_is_boolean(target)))
		return refuse(c, "values.schema.json: the $ref %s (not a schema in this file)", ref);
	struct refent *v = realloc(c->refs, (c->n_refs + 1) * sizeof(*v));
	if (!v)
		return refuse(c, "%s", "no memory");
	c->refs = v;
	struct sch *t = node_new(c);
	char *name = strdup(ref);
	if (!t || !name) {
		free(name);
		return refuse(c, "%s", "no memory");
	}
	c->refs[c->n_refs++] = (struct refent){ name, t };
	s->ref = t;
	return parse(c, target, t);
}

static int parse_types(struct ctx *c, const json_t *t, struct sch *s)
{
	const json_t *one[1] = { t };
	size_t n = json_is_array(t) ? json_array_size(t) : 1;
	char *w = s->types_str;
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_is_array(t) ? json_array_get(t, i) : one[0];
		const char *name = json_string_value(e);
		unsigned bit = 0;
		for (size_t k = 0; name && k < 7; k++)
			if (!strcmp(name, type_names[k]))
				bit = 1u << k;
		if (!bit || (s->types & bit))
			return refuse(c, "%s", "values.schema.json: a \"type\" gojsonschema refuses (helm words the error)");
		s->types |= bit;
		size_t left = sizeof(s->types_str) - (size_t)(w - s->types_str);
		w += snprintf(w, left, "%s%s", i ? "," : "", name);
	}
	if (n > 1) {
		size_t len = strlen(s->types_str);
		if (len + 3 > sizeof(s->types_str))
			return refuse(c, "%s", "values.schema.json: a \"type\" list this engine does not print");
		memmove(s->types_str + 1, s->types_str, len);
		s->types_str[0] = '[';
		s->types_str[len + 1] = ']';
		s->types_str[len + 2] = 0;
	}
	return 0;
}

static int cmp_prop(const void *a, const void *b)
{
	return strcmp(((const struct prop *)a)->name, ((const struct prop *)b)->name);
}
static int cmp_pprop(const void *a, const void *b)
{
	return strcmp(((const struct patprop *)a)->pat, ((const struct patprop *)b)->pat);
}

static int parse_exclusive(struct ctx *c, const json_t *m, const char *key, struct num *bound, struct num *excl)
{
	const json_t *v = json_object_get(m, key);
	if (!v)
		return 0;
	if (json_is_boolean(v) && c->draft != D6 && c->draft != D7) {
		if (!bound->set)
			return refuse(c, "values.schema.json: %s without its bound (helm words the error)", key);
		if (json_is_true(v)) {
			*excl = *bound;
			bound->set = false;
		}
		return 0;
	}
	if (json_is_number(v) && c->draft != D4)
		return number_of(v, excl) ? 0 : -1;
	return refuse(c, "values.schema.json: %s of a type gojsonschema refuses (helm words the error)", key);
}

static int parse_count(struct ctx *c, const json_t *m, const char *key, long *out)
{
	const json_t *v = json_object_get(m, key);
	if (!v)
		return 0;
	if (!integer_of(v, out) || *out < 0)
		return refuse(c, "values.schema.json: %s gojsonschema refuses (helm words the error)", key);
	return 0;
}

static int parse_object(struct ctx *c, const json_t *m, struct sch *s)
{
	const json_t *v;
	const char *k;
	if ((v = json_object_get(m, "properties"))) {
		if (!json_is_object(v))
			return refuse(c, "%s", "values.schema.json: \"properties\" is not an object (helm words the error)");
		s->props = calloc(json_object_size(v) + 1, sizeof(*s->props));
		if (!s->props)
			return refuse(c, "%s", "no memory");
		const json_t *pv;
		json_object_foreach((json_t *)v, k, pv) {
			struct sch *p = parse_new(c, pv);
			if (!p)
				return -1;
			s->props[s->n_props++] = (struct prop){ k, p };
		}
		qsort(s->props, s->n_props, sizeof(*s->props), cmp_prop);
	}
	if ((v = json_object_get(m, "additionalProperties"))) {
		if (json_is_boolean(v))
			s->addl_bool = json_is_true(v);
		else if (json_is_object(v) && !(s->addl = parse_new(c, v)))
			return -1;
		else if (!json_is_object(v))
			return refuse(c, "%s", "values.schema.json: additionalProperties gojsonschema refuses (helm words the error)");
	}
	if ((v = json_object_get(m, "patternProperties"))) {
		if (!json_is_object(v))
			return refuse(c, "%s", "values.schema.json: patternProperties is not an object (helm words the error)");
		s->pprops = calloc(json_object_size(v) + 1, sizeof(*s->pprops));
		if (!s->pprops)
			return refuse(c, "%s", "no memory");
		const json_t *pv;
		json_object_foreach((json_t *)v, k, pv) {
			struct re *re = re_compile(k, strlen(k));
			if (!re)
				return refuse(c, "values.schema.json: the patternProperties regexp %s", k);
			s->pprops[s->n_pprops++] = (struct patprop){ k, re, NULL };
			if (!(s->pprops[s->n_pprops - 1].s = parse_new(c, pv)))
				return -1;
		}
		qsort(s->pprops, s->n_pprops, sizeof(*s->pprops), cmp_pprop);
	}
	if ((v = json_object_get(m, "propertyNames")) && c->draft != D4) {
		if (!(json_is_object(v) || json_is_boolean(v)))
			return refuse(c, "%s", "values.schema.json: propertyNames gojsonschema refuses (helm words the error)");
		if (!(s->prop_names = parse_new(c, v)))
			return -1;
	}
	if (json_object_get(m, "dependencies"))
		return refuse(c, "%s", "values.schema.json: \"dependencies\" (gojsonschema reports them in a random order)");
	if (parse_count(c, m, "minProperties", &s->min_props) < 0 || parse_count(c, m, "maxProperties", &s->max_props) < 0)
		return -1;
	if (s->min_props >= 0 && s->max_props >= 0 && s->min_props > s->max_props)
		return refuse(c, "%s", "values.schema.json: minProperties > maxProperties (helm words the error)");
	if ((v = json_object_get(m, "required"))) {
		if (!json_is_array(v))
			return refuse(c, "%s", "values.schema.json: \"required\" is not an array (helm words the error)");
		s->required = calloc(json_array_size(v) + 1, sizeof(*s->required));
		if (!s->required)
			return refuse(c, "%s", "no memory");
		for (size_t i = 0; i < json_array_size(v); i++) {
			const char *r = json_string_value(json_array_get(v, i));
			if (!r)
				return refuse(c, "%s", "values.schema.json: a \"required\" item is not a string (helm words the error)");
			for (size_t k2 = 0; k2 < s->n_required; k2++)
				if (!strcmp(s->required[k2], r))
					return refuse(c, "%s", "values.schema.json: \"required\" repeats a name (helm words the error)");
			s->required[s->n_required++] = r;
		}
	}
	return 0;
}

static int parse_array(struct ctx *c, const json_t *m, struct sch *s)
{
	const json_t *v;
	if ((v = json_object_get(m, "items"))) {
		if (json_is_array(v)) {
			if (parse_list(c, v, "items", &s->items, &s->n_items) < 0)
				return -1;
		} else if (json_is_object(v) || (json_is_boolean(v) && c->draft != D4)) {
			s->items = calloc(1, sizeof(*s->items));
			if (!s->items)
				return refuse(c, "%s", "no memory");
			s->items_single = true;
			s->n_items = 1;
			if (!(s->items[0] = parse_new(c, v)))
				return -1;
		} else {
			return refuse(c, "%s", "values.schema.json: \"items\" gojsonschema refuses (helm words the error)");
		}
	}
	if ((v = json_object_get(m, "additionalItems"))) {
		if (json_is_boolean(v))
			s->addl_items_bool = json_is_true(v);
		else if (json_is_object(v) && !(s->addl_items = parse_new(c, v)))
			return -1;
		else if (!json_is_object(v))
			return refuse(c, "%s", "values.schema.json: additionalItems gojsonschema refuses (helm words the error)");
	}
	if (parse_count(c, m, "minItems", &s->min_items) < 0 || parse_count(c, m, "maxItems", &s->max_items) < 0)
		return -1;
	if ((v = json_object_get(m, "uniqueItems"))) {
		if (!json_is_boolean(v))
			return refuse(c, "%s", "values.schema.json: uniqueItems is not a boolean (helm words the error)");
		s->unique = json_is_true(v);
	}
	if ((v = json_object_get(m, "contains")) && c->draft != D4 && !(s->contains = parse_new(c, v)))
		return -1;
	return 0;
}

static int parse_scalar(struct ctx *c, const json_t *m, struct sch *s)
{
	const json_t *v;
	if ((v = json_object_get(m, "multipleOf"))) {
		if (!number_of(v, &s->multiple) || s->multiple.d <= 0)
			return refuse(c, "%s", "values.schema.json: multipleOf gojsonschema refuses (helm words the error)");
	}
	if ((v = json_object_get(m, "minimum")) && !number_of(v, &s->minimum))
		return refuse(c, "%s", "values.schema.json: minimum is not a number (helm words the error)");
	if (parse_exclusive(c, m, "exclusiveMinimum", &s->minimum, &s->xmin) < 0)
		return -1;
	if ((v = json_object_get(m, "maximum")) && !number_of(v, &s->maximum))
		return refuse(c, "%s", "values.schema.json: maximum is not a number (helm words the error)");
	if (parse_exclusive(c, m, "exclusiveMaximum", &s->maximum, &s->xmax) < 0)
		return -1;
	if (parse_count(c, m, "minLength", &s->min_len) < 0 || parse_count(c, m, "maxLength", &s->max_len) < 0)
		return -1;
	if (s->min_len >= 0 && s->max_len >= 0 && s->min_len > s->max_len)
		return refuse(c, "%s", "values.schema.json: minLength > maxLength (helm words the error)");
	if ((v = json_object_get(m, "pattern"))) {
		const char *p = json_string_value(v);
		if (!p || !(s->pattern = re_compile(p, json_string_length(v))))
			return refuse(c, "values.schema.json: the pattern %s (helm words its error)", p ? p : "that is not a string");
		s->pattern_src = p;
	}
	if ((v = json_object_get(m, "format"))) {
		if (!json_is_string(v))
			return refuse(c, "%s", "values.schema.json: format is not a string (helm words the error)");
		s->format = json_string_value(v);
	}
	return 0;
}

static int parse_combinators(struct ctx *c, const json_t *m, struct sch *s)
{
	const json_t *v;
	if ((v = json_object_get(m, "const")) && c->draft != D4 && !(s->konst = canonical_json(v)))
		return refuse(c, "%s", "no memory");
	if ((v = json_object_get(m, "enum"))) {
		if (!json_is_array(v))
			return refuse(c, "%s", "values.schema.json: enum is not an array (helm words the error)");
		s->enumv = calloc(json_array_size(v) + 1, sizeof(*s->enumv));
		if (!s->enumv)
			return refuse(c, "%s", "no memory");
		for (size_t i = 0; i < json_array_size(v); i++) {
			char *e = canonical_json(json_array_get(v, i));
			if (!e)
				return refuse(c, "%s", "no memory");
			for (size_t k = 0; k < s->n_enum; k++)
				if (!strcmp(s->enumv[k], e)) {
					free(e);
					return refuse(c, "%s", "values.schema.json: enum items repeat (helm words the error)");
				}
			s->enumv[s->n_enum++] = e;
		}
	}
	if ((v = json_object_get(m, "oneOf")) && parse_list(c, v, "oneOf", &s->one_of, &s->n_one) < 0)
		return -1;
	if ((v = json_object_get(m, "anyOf")) && parse_list(c, v, "anyOf", &s->any_of, &s->n_any) < 0)
		return -1;
	if ((v = json_object_get(m, "allOf")) && parse_list(c, v, "allOf", &s->all_of, &s->n_all) < 0)
		return -1;
	if ((v = json_object_get(m, "not"))) {
		if (!(json_is_object(v) || json_is_boolean(v)))
			return refuse(c, "%s", "values.schema.json: \"not\" gojsonschema refuses (helm words the error)");
		if (!(s->not_ = parse_new(c, v)))
			return -1;
	}
	if (c->draft == D7 || c->draft == HYBRID) {
		static const char *const keys[] = { "if", "then", "else" };
		struct sch **dst[] = { &s->if_, &s->then_, &s->else_ };
		for (size_t i = 0; i < 3; i++) {
			if (!(v = json_object_get(m, keys[i])))
				continue;
			if (!(json_is_object(v) || json_is_boolean(v)))
				return refuse(c, "values.schema.json: \"%s\" gojsonschema refuses (helm words the error)", keys[i]);
			if (!(*dst[i] = parse_new(c, v)))
				return -1;
		}
	}
	return 0;
}

static int parse(struct ctx *c, const json_t *j, struct sch *s)
{
	if (json_is_boolean(j) && c->draft != D4) {
		s->pass = json_is_true(j);
		return 0;
	}
	if (!json_is_object(j))
		return refuse(c, "%s", "values.schema.json: a schema that is not an object (helm words the error)");
	const json_t *v;
	if (json_object_get(j, "$id") || json_object_get(j, "id"))
		return refuse(c, "%s", "values.schema.json: an $id (references resolve against it)");
	if ((v = json_object_get(j, "definitions"))) {
		if (!(json_is_object(v) || json_is_boolean(v)))
			return refuse(c, "%s", "values.schema.json: definitions gojsonschema refuses (helm words the error)");
		const char *k;
		const json_t *dv;
		json_object_foreach((json_t *)v, k, dv) {
			if ((json_is_object(dv) || json_is_boolean(dv)) && !parse_new(c, dv))
				return -1;
		}
	}
	for (size_t i = 0; i < 2; i++) {
		const char *key = i ? "title" : "description";
		if ((v = json_object_get(j, key)) && !json_is_string(v))
			return refuse(c, "values.schema.json: a %s that is not a string (helm words the error)", key);
	}
	if ((v = json_object_get(j, "$ref"))) {
		if (!json_is_string(v))
			return refuse(c, "%s", "values.schema.json: a $ref that is not a string (helm words the error)");
		/* gojsonschema validates against the reference alone: the other keywords do not count */
		s->ref_name = json_string_value(v);
		return parse_ref(c, s->ref_name, s);
	}
	if ((v = json_object_get(j, "type")) && parse_types(c, v, s) < 0)
		return -1;
	if (parse_object(c, j, s) < 0 || parse_array(c, j, s) < 0 || parse_scalar(c, j, s) < 0 ||
	    parse_combinators(c, j, s) < 0)
		return -1;
	return 0;
}

static enum draft draft_of(const json_t *root)
{
	const char *u = json_string_value(json_object_get(root, "$schema"));
	static const struct { const char *url; enum draft d; } known[] = {
		{ "http://json-schema.org/draft-04/schema", D4 },
		{ "http://json-schema.org/draft-06/schema", D6 },
		{ "http://json-schema.org/draft-07/schema", D7 },
	};
	if (!u)
		return HYBRID;
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(known[i].url);
		if (!strncmp(u, known[i].url, n) && (!u[n] || !strcmp(u + n, "#")))
			return known[i].d;
	}
	return HYBRID;
}

/* ---- validation ---- */

struct path {
	const char *head;
	size_t len;
	const struct path *tail;
};

struct result {
	struct buf errs; /* "- FIELD: DESCRIPTION\n" lines */
	long score;
	size_t n;
};

struct vctx {
	struct ctx *c;
	bool unsupported;
	const char *why;
};

static void path_write(struct buf *b, const struct path *p)
{
	if (p->tail) {
		path_write(b, p->tail);
		buf_addc(b, '.');
	}
	buf_add(b, p->head, p->len);
}

/* result.addInternalError: "- FIELD: DESCRIPTION" (the field without its "(root)." head) */
static void add_error(struct result *r, const struct path *p, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add_error(struct result *r, const struct path *p, const char *fmt, ...)
{
	struct buf field = { 0 };
	path_write(&field, p);
	const char *f = field.p ? field.p : "";
	size_t skip = strncmp(f, "(root).", 7) ? 0 : 7;
	buf_adds(&r->errs, "- ");
	buf_add(&r->errs, f + skip, field.n - skip);
	buf_adds(&r->errs, ": ");
	va_list ap;
	va_start(ap, fmt);
	char *d = NULL;
	if (vasprintf(&d, fmt, ap) < 0)
		d = NULL;
	va_end(ap);
	if (d)
		buf_adds(&r->errs, d);
	else
		r->errs.oom = true;
	free(d);
	buf_addc(&r->errs, '\n');
	buf_free(&field);
	r->n++;
	r->score -= 2;
}

static void merge(struct result *r, struct result *o)
{
	if (o->errs.n)
		buf_add(&r->errs, o->errs.p, o->errs.n);
	r->n += o->n;
	r->score += o->score;
}

static void validate(struct vctx *v, const struct sch *s, struct hv node, const struct path *p, struct result *r);

static void sub_validate(struct vctx *v, const struct sch *s, struct hv node, const struct path *p, struct result *out)
{
	*out = (struct result){ 0 };
	validate(v, s, node, p, out);
}

/* big.Float's %v: the shortest 'g' form */
static void num_text(char *out, size_t n, double d)
{
	fmt_float_g(out, n, d);
}

static double num_d(struct hv n)
{
	return n.k == HV_INT ? (double)n.u.i : n.u.f;
}
static bool is_integral(struct hv n)
{
	return n.k == HV_INT || (isfinite(n.u.f) && n.u.f == floor(n.u.f));
}

/* an exact decimal: value = m * 10^e, from the shortest form of a float64 */
static bool decimal_of(double d, unsigned long long *m, int *e)
{
	char t[40], digits[40];
	snprintf(t, sizeof(t), "%.17g", fabs(d));
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(t, sizeof(t), "%.*e", prec - 1, fabs(d));
		if (strtod(t, NULL) == fabs(d))
			break;
	}
	/* t is d.ddde[+-]xx */
	size_t k = 0;
	const char *q = t;
	for (; *q && *q != 'e'; q++)
		if (*q >= '0' && *q <= '9')
			digits[k++] = *q;
	digits[k] = 0;
	if (*q != 'e')
		return false;
	*e = atoi(q + 1) - (int)(k - 1);
	*m = strtoull(digits, NULL, 10);
	return true;
}

static unsigned long long pow10_mod(int k, unsigned long long mod)
{
	unsigned __int128 r = 1 % mod, b = 10 % mod;
	while (k > 0) {
		if (k & 1)
			r = r * b % mod;
		b = b * b % mod;
		k >>= 1;
	}
	return (unsigned long long)r;
}

/* big.Rat's (value / multiple).IsInt() on the two decimals */
static bool multiple_of(double val, double mul)
{
	unsigned long long ma, mb;
	int ea, eb;
	if (val == 0)
		return true;
	if (!decimal_of(val, &ma, &ea) || !decimal_of(mul, &mb, &eb) || mb == 0)
		return false;
	if (ea >= eb) {
		unsigned __int128 r = (unsigned __int128)(ma % mb) * pow10_mod(ea - eb, mb) % mb;
		return r == 0;
	}
	int k = eb - ea;
	if (k > 19)
		return false;
	unsigned __int128 div = mb;
	for (int i = 0; i < k; i++)
		div *= 10;
	return (unsigned __int128)ma % div == 0;
}

static void validate_number(struct vctx *v, const struct sch *s, struct hv n, const struct path *p, struct result *r)
{
	char t[40];
	double d = num_d(n);
	if (s->multiple.set && !multiple_of(d, s->multiple.d)) {
		num_text(t, sizeof(t), s->multiple.d);
		add_error(r, p, "Must be a multiple of %s", t);
	}
	if (s->maximum.set && d > s->maximum.d) {
		num_text(t, sizeof(t), s->maximum.d);
		add_error(r, p, "Must be less than or equal to %s", t);
	}
	if (s->xmax.set && d >= s->xmax.d) {
		num_text(t, sizeof(t), s->xmax.d);
		add_error(r, p, "Must be less than %s", t);
	}
	if (s->minimum.set && d < s->minimum.d) {
		num_text(t, sizeof(t), s->minimum.d);
		add_error(r, p, "Must be greater than or equal to %s", t);
	}
	if (s->xmin.set && d <= s->xmin.d) {
		num_text(t, sizeof(t), s->xmin.d);
		add_error(r, p, "Must be greater than %s", t);
	}
	/* v1.2.0 hands a number to the format checkers, which all take strings only */
	if (s->format) {
		static const char *const known[] = { "date", "time", "date-time", "hostname", "email", "idn-email", "ipv4",
			"ipv6", "uri", "uri-reference", "iri", "iri-reference", "uri-template", "uuid", "regex",
			"json-pointer", "relative-json-pointer" };
		for (size_t i = 0; i < sizeof(known) / sizeof(*known); i++)
			if (!strcmp(s->format, known[i]))
				add_error(r, p, "Does not match format '%s'", s->format);
	}
	(void)v;
	r->score++;
}

/* a normalised copy: every number a float64, as gojsonschema re-reads the values */
static struct hv as_floats(struct hv v)
{
	if (v.k == HV_INT)
		return hv_float((double)v.u.i);
	if (v.k == HV_MAP) {
		struct hv m = hv_map();
		for (size_t i = 0; m.k == HV_MAP && i < v.u.m->n; i++)
			hmap_setk(m.u.m, v.u.m->kv[i].key, as_floats(v.u.m->kv[i].val));
		return m;
	}
	if (v.k == HV_LIST) {
		struct hv l = hv_list();
		for (size_t i = 0; l.k == HV_LIST && i < v.u.l->n; i++)
			hlist_push(l.u.l, as_floats(v.u.l->v[i]));
		return l;
	}
	return hv_ref(v);
}

static char *canonical_value(struct hv v)
{
	struct hv f = as_floats(v);
	char *s = canonical(f);
	hv_unref(f);
	return s;
}

static void validate_common(struct vctx *v, const struct sch *s, struct hv node, const struct path *p, struct result *r)
{
	if (s->konst || s->n_enum) {
		char *c = canonical_value(node);
		if (!c) {
			v->unsupported = true;
			v->why = "a value gojsonschema would not marshal";
			return;
		}
		struct buf field = { 0 };
		path_write(&field, p);
		const char *f = field.p ? field.p : "";
		const char *fs = strncmp(f, "(root).", 7) ? f : f + 7;
		if (s->konst && strcmp(c, s->konst))
			add_error(r, p, "%s does not match: %s", fs, s->konst);
		if (s->n_enum) {
			bool found = false;
			for (size_t i = 0; i < s->n_enum && !found; i++)
				found = !strcmp(c, s->enumv[i]);
			if (!found) {
				struct buf all = { 0 };
				for (size_t i = 0; i < s->n_enum; i++) {
					if (i)
						buf_adds(&all, ", ");
					buf_adds(&all, s->enumv[i]);
				}
				add_error(r, p, "%s must be one of the following: %s", fs, all.p ? all.p : "");
				buf_free(&all);
			}
		}
		buf_free(&field);
		free(c);
	}
	r->score++;
}

static size_t rune_count(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		/* utf8.RuneCount: each invalid byte counts as one rune, as a valid sequence does */
		size_t len = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 1;
		bool ok = i + len <= n;
		for (size_t j = 1; ok && j < len; j++)
			ok = ((unsigned char)s[i + j] & 0xc0) == 0x80;
		i += ok ? len - 1 : 0;
		k++;
	}
	return k;
}

static bool match_re(const char *re_src, const char *s, size_t n)
{
	struct re *re = re_compile(re_src, strlen(re_src));
	size_t ov[2 * 16];
	bool m = re && re_ngroups(re) <= 16 && re_exec(re, s, n, 0, ov) == 1;
	re_free(re);
	return m;
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* time.Parse("2006-01-02", s) */
static bool go_date(const char *s, size_t n)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (n != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) || !digits(s + 5, 2) || !digits(s + 8, 2))
		return false;
	int y = atoi(s), mo = (s[5] - '0') * 10 + s[6] - '0', d = (s[8] - '0') * 10 + s[9] - '0';
	if (mo < 1 || mo > 12 || d < 1)
		return false;
	int max = mdays[mo - 1] + (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	return d <= max;
}

/* two digits at s, their value, no more than max: else -1 */
static int two_digits(const char *s, int max)
{
	if (!digits(s, 2))
		return -1;
	int v = (s[0] - '0') * 10 + s[1] - '0';
	return v <= max ? v : -1;
}

/* Go's time.Parse of "15:04:05" (zone false) or "15:04:05Z07:00" (zone true) at s, for the plain
 * forms only: HH:MM:SS, a fraction of 1 to 9 digits after a '.', then Z or +hh:mm / -hh:mm.
 * 1 Go takes it, 0 it would not parse here either way (the caller decides), *used the length. */
static int go_clock(const char *s, size_t n, bool zone, size_t *used)
{
	if (n < 8 || two_digits(s, 23) < 0 || s[2] != ':' || two_digits(s + 3, 59) < 0 || s[5] != ':' ||
	    two_digits(s + 6, 59) < 0)
		return 0;
	size_t i = 8;
	if (i < n && s[i] == '.') {
		size_t d = 0;
		while (i + 1 + d < n && digits(s + i + 1 + d, 1))
			d++;
		if (d < 1 || d > 9)
			return 0;
		i += 1 + d;
	}
	if (zone) {
		if (i < n && s[i] == 'Z')
			i++;
		else if (i + 6 <= n && (s[i] == '+' || s[i] == '-') && two_digits(s + i + 1, 23) >= 0 && s[i + 3] == ':' &&
			 two_digits(s + i + 4, 59) >= 0)
			i += 6;
		else
			return 0;
	}
	*used = i;
	return 1;
}

/* gojsonschema's "time" (layouts 15:04:05Z07:00, 15:04:05) and "date-time" (also 2006-01-02 and
 * RFC 3339 with or without fractions): 1 valid, 0 invalid (nothing Go's layouts could take: empty,
 * or not starting with a digit), -1 anything else that is not one of the plain forms (left to helm:
 * Go takes one-digit hours, ',' fractions, and more) */
static int go_time_format(const char *s, size_t n, bool date_time)
{
	size_t used;
	if (!n || !digits(s, 1))
		return 0;
	if ((go_clock(s, n, true, &used) && used == n) || (go_clock(s, n, false, &used) && used == n))
		return 1;
	if (date_time && n == 10 && go_date(s, n))
		return 1;
	if (date_time && n > 11 && go_date(s, 10) && s[10] == 'T' && go_clock(s + 11, n - 11, true, &used) &&
	    used == n - 11)
		return 1;
	return -1;
}

/* net.ParseIP: dotted IPv4 (no leading zeros) or IPv6 without a zone */
static bool go_ip(const char *s, size_t n, bool want_v6)
{
	char t[64];
	unsigned char a[16];
	if (n >= sizeof(t) || memchr(s, '%', n))
		return false;
	memcpy(t, s, n);
	t[n] = 0;
	if (!want_v6) {
		/* Go refuses leading zeros; inet_pton refuses them too, and octal forms */
		return memchr(s, '.', n) && inet_pton(AF_INET, t, a) == 1;
	}
	if (!memchr(s, ':', n))
		return false;
	return inet_pton(AF_INET6, t, a) == 1;
}

/* what -v says of a format left to helm: the keyword and its value */
static const char *format_why(const char *format)
{
	static const struct { const char *f, *why; } w[] = {
		{ "time", "the keyword \"format\": \"time\" with a time not in the plain HH:MM:SS form (Go's time parser)" },
		{ "date-time", "the keyword \"format\": \"date-time\" with a time not in the plain RFC 3339 forms (Go's time parser)" },
		{ "email", "the keyword \"format\": \"email\" (Go's mail address parser)" },
		{ "idn-email", "the keyword \"format\": \"idn-email\" (Go's mail address parser)" },
		{ "iri", "the keyword \"format\": \"iri\" (Go's url parser)" },
		{ "iri-reference", "the keyword \"format\": \"iri-reference\" (Go's url parser)" },
		{ "uri-template", "the keyword \"format\": \"uri-template\" (Go's url parser)" },
		{ "regex", "the keyword \"format\": \"regex\" (Go's regexp compiler)" },
		{ "uri", "the keyword \"format\": \"uri\" with a URL of escapes, spaces or an IPv6 host (Go's url parser)" },
		{ "uri-reference", "the keyword \"format\": \"uri-reference\" with a URL of escapes, spaces or an IPv6 host (Go's url parser)" },
	};
	for (size_t i = 0; i < sizeof(w) / sizeof(*w); i++)
		if (!strcmp(w[i].f, format))
			return w[i].why;
	return "the keyword \"format\"";
}

/* 1 matches, 0 does not, -1 a format this engine leaves to helm */
static int format_ok(const char *format, const char *s, size_t n)
{
	if (!strcmp(format, "date"))
		return go_date(s, n);
	if (!strcmp(format, "hostname"))
		return n < 256 && match_re("^([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]{0,61}[a-zA-Z0-9])(\\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]{0,61}[a-zA-Z0-9]))*$", s, n);
	if (!strcmp(format, "uuid"))
		return match_re("^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$", s, n);
	if (!strcmp(format, "json-pointer"))
		return match_re("^(?:/(?:[^~/]|~0|~1)*)*$", s, n);
	if (!strcmp(format, "relative-json-pointer"))
		return match_re("^(?:0|[1-9][0-9]*)(?:#|(?:/(?:[^~/]|~0|~1)*)*)$", s, n);
	if (!strcmp(format, "ipv4"))
		return go_ip(s, n, false);
	if (!strcmp(format, "ipv6"))
		return go_ip(s, n, true);
	if (!strcmp(format, "uri") || !strcmp(format, "uri-reference")) {
		/* url.Parse succeeds (and a scheme for "uri"), no backslash anywhere */
		bool scheme;
		if (memchr(s, '\\', n))
			return 0;
		int r = go_url_check(s, n, &scheme);
		return r < 0 ? -1 : r && (scheme || !strcmp(format, "uri-reference"));
	}
	if (!strcmp(format, "time") || !strcmp(format, "date-time"))
		return go_time_format(s, n, format[0] == 'd');
	static const char *const helm_only[] = { "email", "idn-email",
		"iri", "iri-reference", "uri-template", "regex" };
	for (size_t i = 0; i < sizeof(helm_only) / sizeof(*helm_only); i++)
		if (!strcmp(format, helm_only[i]))
			return -1;
	return 1; /* a format gojsonschema does not know: it passes */
}

static void validate_string(struct vctx *v, const struct sch *s, struct hv node, const struct path *p, struct result *r)
{
	const char *str = hv_s(node);
	size_t n = hv_len_s(node);
	if (s->min_len >= 0 && rune_count(str, n) < (size_t)s->min_len)
		add_error(r, p, "String length must be greater than or equal to %ld", s->min_len);
	if (s->max_len >= 0 && rune_count(str, n) > (size_t)s->max_len)
		add_error(r, p, "String length must be less than or equal to %ld", s->max_len);
	if (s->pattern) {
		size_t ov[2 * 64];
		int m = re_ngroups(s->pattern) <= 64 ? re_exec(s->pattern, str, n, 0, ov) : -1;
		if (m < 0) {
			v->unsupported = true;
			v->why = "a pattern this engine cannot run";
		} else if (!m) {
			add_error(r, p, "Does not match pattern '%s'", s->pattern_src);
		}
	}
	if (s->format) {
		int ok = format_ok(s->format, str, n);
		if (ok < 0) {
			v->unsupported = true;
			v->why = format_why(s->format);
		} else if (!ok) {
			add_error(r, p, "Does not match format '%s'", s->format);
		}
	}
	r->score++;
}

static void validate_array(struct vctx *v, const struct sch *s, struct hlist *l, const struct path *p, struct result *r)
{
	char idx[24];
	size_t nv = l->n;
	if (s->items_single || s->n_items) {
		size_t lim = s->items_single ? nv : (s->n_items < nv ? s->n_items : nv);
		for (size_t i = 0; i < lim; i++) {
			snprintf(idx, sizeof(idx), "%zu", i);
			struct path sp = { idx, strlen(idx), p };
			struct result sub;
			sub_validate(v, s->items[s->items_single ? 0 : i], l->v[i], &sp, &sub);
			merge(r, &sub);
			buf_free(&sub.errs);
		}
		if (!s->items_single && s->n_items < nv) {
			if (s->addl_items_bool == 0) {
				add_error(r, p, "No additional items allowed on array");
			} else if (s->addl_items) {
				for (size_t i = s->n_items; i < nv; i++) {
					snprintf(idx, sizeof(idx), "%zu", i);
					struct path sp = { idx, strlen(idx), p };
					struct result sub;
					sub_validate(v, s->addl_items, l->v[i], &sp, &sub);
					merge(r, &sub);
					buf_free(&sub.errs);
				}
			}
		}
	}
	if (s->min_items >= 0 && nv < (size_t)s->min_items)
		add_error(r, p, "Array must have at least %ld items", s->min_items);
	if (s->max_items >= 0 && nv > (size_t)s->max_items)
		add_error(r, p, "Array must have at most %ld items", s->max_items);
	if (s->unique) {
		char **seen = calloc(nv + 1, sizeof(*seen));
		for (size_t j = 0; seen && j < nv; j++) {
			seen[j] = canonical_value(l->v[j]);
			if (!seen[j]) {
				v->unsupported = true;
				v->why = "a value gojsonschema would not marshal";
				continue;
			}
			/* the last earlier index with the same text (Go's map keeps the latest) */
			for (size_t i = j; i-- > 0;)
				if (seen[i] && !strcmp(seen[i], seen[j])) {
					add_error(r, p, "array items[%zu,%zu] must be unique", i, j);
					break;
				}
		}
		for (size_t j = 0; seen && j < nv; j++)
			free(seen[j]);
		free(seen);
		if (!seen)
			v->unsupported = true;
	}
	if (s->contains) {
		bool one = false;
		struct result best = { 0 };
		bool have_best = false;
		for (size_t i = 0; i < nv && !one; i++) {
			snprintf(idx, sizeof(idx), "%zu", i);
			struct path sp = { idx, strlen(idx), p };
			struct result sub;
			sub_validate(v, s->contains, l->v[i], &sp, &sub);
			if (!sub.n) {
				one = true;
			} else if (!have_best || sub.score > best.score) {
				buf_free(&best.errs);
				best = sub;
				have_best = true;
				continue;
			}
			buf_free(&sub.errs);
		}
		if (!one) {
			add_error(r, p, "At least one of the items must match");
			if (have_best)
				merge(r, &best);
		}
		buf_free(&best.errs);
	}
	r->score++;
}

static bool pattern_match(const struct patprop *pp, const char *key, size_t n)
{
	size_t ov[2 * 64];
	return re_ngroups(pp->re) <= 64 && re_exec(pp->re, key, n, 0, ov) == 1;
}

static void validate_object(struct vctx *v, const struct sch *s, struct hmap *m, const struct path *p, struct result *r)
{
	if (s->min_props >= 0 && m->n < (size_t)s->min_props)
		add_error(r, p, "Must have at least %ld properties", s->min_props);
	if (s->max_props >= 0 && m->n > (size_t)s->max_props)
		add_error(r, p, "Must have at most %ld properties", s->max_props);
	for (size_t i = 0; i < s->n_required; i++) {
		if (hmap_find(m, s->required[i], strlen(s->required[i])))
			r->score++;
		else
			add_error(r, p, "%s is required", s->required[i]);
	}
	for (size_t i = 0; i < m->n; i++) {
		const char *k = m->kv[i].key->s;
		size_t kn = m->kv[i].key->len;
		bool found = false;
		for (size_t j = 0; j < s->n_props && !found; j++)
			found = !strcmp(s->props[j].name, k);
		bool pmatch = false;
		struct path sp = { k, kn, p };
		for (size_t j = 0; j < s->n_pprops; j++) {
			if (!pattern_match(&s->pprops[j], k, kn))
				continue;
			pmatch = true;
			struct result sub;
			sub_validate(v, s->pprops[j].s, m->kv[i].val, &sp, &sub);
			merge(r, &sub);
			buf_free(&sub.errs);
		}
		if (pmatch)
			r->score++;
		if (found || pmatch)
			continue;
		if (s->addl_bool == 0) {
			add_error(r, p, "Additional property %s is not allowed", k);
		} else if (s->addl) {
			struct result sub;
			sub_validate(v, s->addl, m->kv[i].val, &sp, &sub);
			merge(r, &sub);
			buf_free(&sub.errs);
		}
	}
	if (s->prop_names) {
		for (size_t i = 0; i < m->n; i++) {
			struct result sub;
			struct hv key = hv_str_take(hstr_ref(m->kv[i].key));
			sub_validate(v, s->prop_names, key, p, &sub);
			hv_unref(key);
			if (sub.n) {
				add_error(r, p, "Property name of \"%s\" does not match", m->kv[i].key->s);
				merge(r, &sub);
			}
			buf_free(&sub.errs);
		}
	}
	r->score++;
}

static void validate_schema(struct vctx *v, const struct sch *s, struct hv node, const struct path *p, struct result *r)
{
	if (s->n_any) {
		bool ok = false;
		struct result best = { 0 };
		bool have_best = false;
		for (size_t i = 0; i < s->n_any && !ok; i++) {
			struct result sub;
			sub_validate(v, s->any_of[i], node, p, &sub);
			ok = !sub.n;
			if (!ok && (!have_best || sub.score > best.score)) {
				buf_free(&best.errs);
				best = sub;
				have_best = true;
				continue;
			}
			buf_free(&sub.errs);
		}
		if (!ok) {
			add_error(r, p, "Must validate at least one schema (anyOf)");
			if (have_best)
				merge(r, &best);
		}
		buf_free(&best.errs);
	}
	if (s->n_one) {
		size_t nok = 0;
		struct result best = { 0 };
		bool have_best = false;
		for (size_t i = 0; i < s->n_one; i++) {
			struct result sub;
			sub_validate(v, s->one_of[i], node, p, &sub);
			if (!sub.n) {
				nok++;
			} else if (nok == 0 && (!have_best || sub.score > best.score)) {
				buf_free(&best.errs);
				best = sub;
				have_best = true;
				continue;
			}
			buf_free(&sub.errs);
		}
		if (nok != 1) {
			add_error(r, p, "Must validate one and only one schema (oneOf)");
			if (nok == 0 && have_best)
				merge(r, &best);
		}
		buf_free(&best.errs);
	}
	if (s->n_all) {
		size_t nok = 0;
		for (size_t i = 0; i < s->n_all; i++) {
			struct result sub;
			sub_validate(v, s->all_of[i], node, p, &sub);
			nok += !sub.n;
			merge(r, &sub);
			buf_free(&sub.errs);
		}
		if (nok != s->n_all)
			add_error(r, p, "Must validate all the schemas (allOf)");
	}
	if (s->not_) {
		struct result sub;
		sub_validate(v, s->not_, node, p, &sub);
		if (!sub.n)
			add_error(r, p, "Must not validate the schema (not)");
		buf_free(&sub.errs);
	}
	if (s->if_) {
		struct result ifr;
		sub_validate(v, s->if_, node, p, &ifr);
		const struct sch *branch = !ifr.n ? s->then_ : s->else_;
		if (branch) {
			struct result br;
			sub_validate(v, branch, node, p, &br);
			if (br.n) {
				add_error(r, p, !ifr.n ? "Must validate \"then\" as \"if\" was valid" : "Must validate \"else\" as \"if\" was not valid");
				merge(r, &br);
			}
			buf_free(&br.errs);
		}
		buf_free(&ifr.errs);
	}
	r->score++;
}

static bool type_error(const struct sch *s, unsigned given_bit, const char *given, const struct path *p, struct result *r)
{
	if (!s->types || (s->types & given_bit))
		return false;
	add_error(r, p, "Invalid type. Expected: %s, given: %s", s->types_str, given);
	return true;
}

static void validate(struct vctx *v, const struct sch *s, struct hv node, const struct path *p, struct result *r)
{
	if (v->unsupported)
		return;
	if (s->pass >= 0) {
		if (!s->pass)
			add_error(r, p, "False always fails validation");
		return;
	}
	if (s->ref) {
		validate(v, s->ref, node, p, r);
		return;
	}
	switch (node.k) {
	case HV_NIL:
		if (type_error(s, T_NULL, "null", p, r))
			return;
		validate_schema(v, s, node, p, r);
		validate_common(v, s, node, p, r);
		break;
	case HV_INT:
	case HV_FLOAT: {
		if (node.k == HV_FLOAT && !isfinite(node.u.f)) {
			v->unsupported = true;
			v->why = "a value JSON cannot carry (.inf or .nan)";
			return;
		}
		bool isint = is_integral(node);
		if (s->types && !(s->types & T_NUMBER) && !(isint && (s->types & T_INTEGER))) {
			add_error(r, p, "Invalid type. Expected: %s, given: %s", s->types_str, isint ? "integer" : "number");
			return;
		}
		validate_schema(v, s, node, p, r);
		validate_number(v, s, node, p, r);
		validate_common(v, s, node, p, r);
		break;
	}
	case HV_LIST:
		if (type_error(s, T_ARRAY, "array", p, r))
			return;
		validate_schema(v, s, node, p, r);
		validate_array(v, s, node.u.l, p, r);
		validate_common(v, s, node, p, r);
		break;
	case HV_MAP:
		if (type_error(s, T_OBJECT, "object", p, r))
			return;
		validate_schema(v, s, node, p, r);
		validate_object(v, s, node.u.m, p, r);
		validate_common(v, s, node, p, r);
		for (size_t i = 0; i < s->n_props; i++) {
			struct hv *child = hmap_find(node.u.m, s->props[i].name, strlen(s->props[i].name));
			if (child) {
				struct path sp = { s->props[i].name, strlen(s->props[i].name), p };
				validate(v, s->props[i].s, *child, &sp, r);
			}
		}
		break;
	case HV_BOOL:
		if (type_error(s, T_BOOLEAN, "boolean", p, r))
			return;
		validate_schema(v, s, node, p, r);
		validate_common(v, s, node, p, r);
		break;
	case HV_STRING:
		if (node.go == GO_BYTES) {
			v->unsupported = true;
			v->why = "a []byte value";
			return;
		}
		if (type_error(s, T_STRING, "string", p, r))
			return;
		validate_schema(v, s, node, p, r);
		validate_common(v, s, node, p, r);
		validate_string(v, s, node, p, r);
		break;
	default:
		v->unsupported = true;
		v->why = "a value that is not plain data";
		return;
	}
	r->score++;
}

int schema_validate(const struct chart *c, struct hv values, struct buf *msg, struct herr *e)
{
	json_error_t jerr;
	struct ctx cx = { 0 };
	int rc = -1;
	cx.root = json_loadb(c->schema, c->schema_len, JSON_DECODE_ANY, &jerr);
	if (!cx.root) {
		herr_set(e, HERR_UNSUPPORTED, false, "%s/values.schema.json: JSON this engine cannot read (helm words the error)", c->where);
		return -1;
	}
	cx.draft = draft_of(cx.root);
	struct sch *root = node_new(&cx);
	if (!root || parse(&cx, cx.root, root) < 0) {
		herr_set(e, HERR_UNSUPPORTED, false, "%s/%s", c->where, cx.why ? cx.why : "values.schema.json: no memory");
		goto out;
	}
	struct vctx v = { .c = &cx };
	struct result r = { 0 };
	struct path p = { "(root)", 6, NULL };
	/* helm validates the values as they come back from YAML: an empty map when there are none */
	struct hv empty = hv_map();
	validate(&v, root, values.k == HV_NIL ? empty : values, &p, &r);
	hv_unref(empty);
	if (v.unsupported || r.errs.oom) {
		herr_set(e, HERR_UNSUPPORTED, false, "%s/values.schema.json: %s", c->where, v.why ? v.why : "no memory");
		buf_free(&r.errs);
		goto out;
	}
	if (r.n) {
		buf_printf(msg, "%s:\n", c->name);
		buf_add(msg, r.errs.p, r.errs.n);
	}
	buf_free(&r.errs);
	rc = r.n ? 1 : 0;
out:
	for (size_t i = 0; i < cx.n_all; i++)
		node_free(cx.all[i]);
	free(cx.all);
	for (size_t i = 0; i < cx.n_refs; i++)
		free(cx.refs[i].name);
	free(cx.refs);
	json_decref(cx.root);
	return rc;
}
