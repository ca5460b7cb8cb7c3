/* kz vars: vars (a field of one resource substituted for $(NAME) in the varReference fields of
 * all, at the end of the build) and replacements (a field copied into fields of other resources,
 * the last transformer of each kustomization), as kustomize does them. */
#include "kz.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "yaml.h"

/* ---- field paths ("spec.ports[0].port", "spec.containers.[name=web].image") ---- */

struct parts {
	char **v;
	size_t n;
};

static void parts_free(struct parts *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

static int parts_push(struct parts *p, const char *s, size_t n)
{
	char **v = realloc(p->v, (p->n + 1) * sizeof(*v));
	if (!v || !(v[p->n] = strndup(s, n)))
		return -1;
	p->v = v;
	p->n++;
	return 0;
}

/* SmarterPathSplitter on '.' ("\." kept in a name, [k=v.w] kept whole, [a.b] a field a.b), then
 * with convertSliceIndex (vars only) "ports[0]" as "ports", "0". */
static int split_field_path(const char *path, bool slice_index, struct parts *out)
{
	struct parts raw = { NULL, 0 };
	const char *p = path;
	if (p[0] == '.' && p[1])
		p++;
	for (;;) {
		char buf[1024];
		size_t k = 0;
		while (*p && !(*p == '.' && !(k > 0 && buf[k - 1] == '\\')) && k < sizeof(buf) - 1)
			buf[k++] = *p++;
		buf[k] = '\0';
		for (char *q = buf; (q = strstr(q, "\\.")); )
			memmove(q, q + 1, strlen(q));
		if (parts_push(&raw, buf, strlen(buf)) < 0)
			return parts_free(&raw), -1;
		if (!*p)
			break;
		p++;
	}
	for (size_t i = 0; i < raw.n; i++) {
		const char *e = raw.v[i];
		size_t n = strlen(e);
		if (e[0] == '[' && e[n - 1] != ']') {
			/* a bracketed part holding dots: up to the part that closes it */
			char joined[2048];
			snprintf(joined, sizeof(joined), "%s", e);
			while (i + 1 < raw.n) {
				i++;
				size_t l = strlen(joined);
				snprintf(joined + l, sizeof(joined) - l, ".%s", raw.v[i]);
				if (raw.v[i][strlen(raw.v[i]) - 1] == ']')
					break;
			}
			if (strchr(joined, '=')) {
				if (parts_push(out, joined, strlen(joined)) < 0)
					goto fail;
			} else {
				const char *s = joined;
				size_t l = strlen(s);
				while (l && (*s == '[' || *s == ']'))
					s++, l--;
				while (l && (s[l - 1] == '[' || s[l - 1] == ']'))
					l--;
				if (parts_push(out, s, l) < 0)
					goto fail;
			}
			continue;
		}
		if (slice_index && n > 2 && e[n - 1] == ']' && strchr(e, '[') && e[0] != '[') {
			const char *open = strrchr(e, '[');
			bool digits = open[1] != ']';
			for (const char *c = open + 1; c < e + n - 1; c++)
				digits = digits && *c >= '0' && *c <= '9';
			if (digits) {
				if (parts_push(out, e, (size_t)(open - e)) < 0 ||
				    parts_push(out, open + 1, (size_t)(e + n - 1 - open - 1)) < 0)
					goto fail;
				continue;
			}
		}
		if (parts_push(out, e, n) < 0)
			goto fail;
	}
	parts_free(&raw);
	return 0;
fail:
	parts_free(&raw);
	return -1;
}

static bool is_index(const char *s)
{
	if (!*s)
		return false;
	for (const char *c = s; *c; c++)
		if (*c < '0' || *c > '9')
			return false;
	return true;
}

static bool text_equals(const json_t *v, const char *s)
{
	char *t = gt_yaml_scalar_text(v);
	bool eq = t && !strcmp(t, s);
	free(t);
	return eq;
}

/* kyaml's Lookup (PathGetter without create): the node at parts, NULL when absent; -1 (with e)
 * for what the engine leaves to kustomize. */
static int lookup(json_t *node, const struct parts *p, json_t **out, struct kz_err *e)
{
	json_t *cur = node;
	*out = NULL;
	for (size_t i = 0; i < p->n; i++) {
		const char *part = p->v[i];
		if (!cur || json_is_null(cur))
			return 0;
		if (is_index(part)) {
			if (!json_is_array(cur))
				return kz_unsupported(e, "field path part '%s' on something that is not a list", part);
			cur = json_array_get(cur, (size_t)strtoul(part, NULL, 10));
		} else if (!strcmp(part, "-") || !strcmp(part, "*") || (part[0] == '-' && is_index(part + 1))) {
			return kz_unsupported(e, "field path part '%s'", part);
		} else if (part[0] == '[' && part[strlen(part) - 1] == ']' && strchr(part, '=')) {
			if (!json_is_array(cur))
				return kz_unsupported(e, "field path part '%s' on something that is not a list", part);
			char *kv = strndup(part + 1, strlen(part) - 2), *eq = kv ? strchr(kv, '=') : NULL;
			if (!eq)
				return free(kv), kz_fail(e, "out of memory");
			*eq = '\0';
			json_t *found = NULL, *el;
			size_t j;
			json_array_foreach(cur, j, el) {
				json_t *f = json_is_object(el) ? json_object_get(el, kv) : NULL;
				bool match = *kv ? f && text_equals(f, eq + 1) : text_equals(el, eq + 1);
				if (match) {
					found = el;
					break;
				}
			}
			free(kv);
			cur = found;
		} else {
			if (json_is_array(cur))
				return kz_unsupported(e, "field path part '%s' on a list", part);
			if (!json_is_object(cur))
				return kz_unsupported(e, "field path part '%s' on a scalar", part);
			cur = json_object_get(cur, part);
		}
	}
	*out = cur;
	return 0;
}

/* ---- vars ---- */

/* The var's target group, version and kind (types.Target.GVK), into buffers. */
static void var_gvk(const json_t *objref, char *group, char *version, size_t size)
{
	const char *av = kz_str(objref, "apiVersion");
	snprintf(group, size, "%s", kz_str(objref, "group"));
	snprintf(version, size, "%s", kz_str(objref, "version"));
	if (!*av)
		return;
	const char *slash = strchr(av, '/');
	if (!slash) {
		snprintf(version, size, "%s", av);
	} else if (!strchr(slash + 1, '/')) {
		snprintf(group, size, "%.*s", (int)(slash - av), av);
		snprintf(version, size, "%s", slash + 1);
	}
}

static bool var_matches_id(const json_t *objref, const char *group, const char *version, const struct kz_id *id)
{
	const char *ns = kz_str(objref, "namespace");
	if (strcmp(id->name, kz_str(objref, "name")) || strcmp(id->group, group) || strcmp(id->version, version) ||
	    strcmp(id->kind, kz_str(objref, "kind")))
		return false;
	if (!*ns)
		return true;
	return !strcmp(ns, kz_id_effective_ns(id));
}

int kz_merge_vars(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(k->k, "vars"), i, v) {
		const json_t *objref = json_object_get(v, "objref");
		char group[256], version[256];
		struct kz_res *match = NULL;
		size_t n = 0;
		var_gvk(objref, group, version, sizeof(group));
		for (size_t j = 0; j < acc->rm.n; j++) {
			struct kz_res *r = acc->rm.v[j];
			struct kz_ids prev;
			struct kz_id cur;
			bool hit = false;
			if (kz_res_prev_ids(r, &prev) < 0)
				return kz_fail(b->e, "out of memory");
			for (size_t p = 0; !hit && p < prev.n; p++)
				hit = var_matches_id(objref, group, version, &prev.v[p]);
			kz_ids_free(&prev);
			kz_res_cur_id(r, &cur);
			hit = hit || var_matches_id(objref, group, version, &cur);
			if (hit) {
				match = r;
				n++;
			}
		}
		if (n > 1)
			return kz_unsupported(b->e, "%s: var %s matches %zu resources", k->shown, kz_str(v, "name"), n);
		if (match) {
			if (!match->refvars && !(match->refvars = json_array()))
				return kz_fail(b->e, "out of memory");
			json_array_append_new(match->refvars, json_string(kz_str(v, "name")));
		}
		size_t j;
		json_t *w;
		json_array_foreach(acc->vars, j, w)
			if (!strcmp(kz_str(w, "name"), kz_str(v, "name")))
				return kz_unsupported(b->e, "var '%s' already encountered", kz_str(v, "name"));
		json_t *def = json_deep_copy(v);
		if (!def)
			return kz_fail(b->e, "out of memory");
		const char *fp = kz_str(json_object_get(v, "fieldref"), "fieldPath");
		json_object_set_new(def, "fieldpath", json_string(*fp ? fp : "metadata.name"));
		json_array_append_new(acc->vars, def);
	}
	return 0;
}

/* Go's %v of a float64: shortest digits, exponent form below 1e-4 or from 1e21 (fmt uses 'g'
 * with precision 6 for the switch to the exponent). */
static void format_float_v(double d, char *buf, size_t size)
{
	char tmp[64];
	int prec = 0;
	for (; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	int exp10 = atoi(strchr(tmp, 'e') + 1);
	if (exp10 < -4 || exp10 >= 21) {
		/* Go writes e+06, two digits at least */
		char mant[40];
		snprintf(mant, sizeof(mant), "%.*e", prec, d);
		*strchr(mant, 'e') = '\0';
		snprintf(buf, size, "%se%c%02d", mant, exp10 < 0 ? '-' : '+', abs(exp10));
	} else {
		snprintf(buf, size, "%.*f", prec - exp10 > 0 ? prec - exp10 : 0, d);
	}
}

/* The text a var value takes inside a longer string (fmt %v). */
static char *value_text(const json_t *v)
{
	char buf[64];
	if (json_is_real(v)) {
		format_float_v(json_real_value(v), buf, sizeof(buf));
		return strdup(buf);
	}
	return gt_yaml_scalar_text(v);
}

struct vars_ctx {
	json_t *values; /* name -> value (string, integer, real, bool) */
	struct kz_err *e;
};

/* DoReplacements: $(NAME) replaced, $$ is $, the rest as it is; the whole string being one
 * $(NAME) takes the value's type. New reference. */
static json_t *expand(const struct vars_ctx *c, const char *in)
{
	size_t len = strlen(in), cap = len + 64, n = 0;
	char *out = malloc(cap);
	if (!out)
		return NULL;
#define PUT(s, l)                                                                    \
	do {                                                                           \
		size_t _l = (l);                                                       \
		if (n + _l + 1 > cap) {                                                \
			while (n + _l + 1 > cap)                                       \
				cap *= 2;                                              \
			char *_p = realloc(out, cap);                                  \
			if (!_p)                                                       \
				return free(out), NULL;                                \
			out = _p;                                                      \
		}                                                                      \
		memcpy(out + n, (s), _l);                                              \
		n += _l;                                                               \
	} while (0)
	size_t checkpoint = 0;
	for (size_t cur = 0; cur < len; cur++) {
		if (in[cur] != '$' || cur + 1 >= len)
			continue;
		PUT(in + checkpoint, cur - checkpoint);
		const char *rest = in + cur + 1;
		size_t advance = 1;
		if (rest[0] == '$') {
			PUT("$", 1);
		} else if (rest[0] == '(') {
			const char *close = strchr(rest + 1, ')');
			if (!close) {
				PUT("$(", 2);
			} else {
				char *name = strndup(rest + 1, (size_t)(close - rest - 1));
				json_t *val = name ? json_object_get(c->values, name) : NULL;
				advance = (size_t)(close - rest) + 1;
				if (val && cur == 0 && close == in + len - 1) {
					free(name);
					free(out);
					return json_incref(val);
				}
				if (val) {
					char *t = value_text(val);
					if (t)
						PUT(t, strlen(t));
					free(t);
				} else {
					PUT("$(", 2);
					if (name)
						PUT(name, strlen(name));
					PUT(")", 1);
				}
				free(name);
			}
		} else {
			PUT(in + cur, 2);
		}
		cur += advance;
		checkpoint = cur + 1;
	}
	if (checkpoint < len)
		PUT(in + checkpoint, len - checkpoint);
	out[n] = '\0';
#undef PUT
	json_t *s = json_stringn(out, n);
	free(out);
	return s;
}

static int expand_slot(const struct vars_ctx *c, const struct kz_slot *slot)
{
	json_t *v = kz_slot_get(slot);
	if (!json_is_string(v))
		return 0;
	json_t *nv = expand(c, json_string_value(v));
	if (!nv || kz_slot_set(slot, nv) < 0)
		return kz_fail(c->e, "out of memory");
	return 0;
}

static int vars_set(const struct kz_slot *slot, void *vctx, struct kz_err *e)
{
	struct vars_ctx *c = vctx;
	json_t *v = kz_slot_get(slot);
	const char *k;
	json_t *x;
	(void)e;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_object(v)) {
		void *tmp;
		json_object_foreach_safe(v, tmp, k, x) {
			struct kz_slot s = { v, k, 0 };
			if (expand_slot(c, &s) < 0)
				return -1;
		}
		return 0;
	}
	if (json_is_array(v)) {
		size_t i;
		json_array_foreach(v, i, x)
			if (!json_is_string(x))
				return kz_unsupported(c->e, "a var reference list with a value that is not a string");
		json_array_foreach(v, i, x) {
			struct kz_slot s = { v, NULL, i };
			if (expand_slot(c, &s) < 0)
				return -1;
		}
		return 0;
	}
	return expand_slot(c, slot);
}

/* The value a var takes: its field read back as Go types (GetFieldValue). */
static int var_value(struct kz_build *b, struct kz_acc *acc, const json_t *var, json_t **out)
{
	const char *name = kz_str(var, "name");
	*out = NULL;
	for (size_t i = 0; i < acc->rm.n; i++) {
		struct kz_res *r = acc->rm.v[i];
		size_t j;
		json_t *n;
		json_array_foreach(r->refvars, j, n) {
			if (strcmp(json_string_value(n), name))
				continue;
			struct parts p = { NULL, 0 };
			json_t *v = NULL;
			if (split_field_path(kz_str(var, "fieldpath"), true, &p) < 0)
				return kz_fail(b->e, "out of memory");
			int st = lookup(r->obj, &p, &v, b->e);
			parts_free(&p);
			if (st < 0)
				return -1;
			if (!v)
				return kz_unsupported(b->e, "field specified in var '%s' not found in its resource", name);
			if (json_is_null(v))
				return kz_unsupported(b->e, "var '%s' is a null field", name);
			*out = json_incref(v);
			return 0;
		}
	}
	return kz_unsupported(b->e, "var '%s' cannot be mapped to a field in the set of known resources", name);
}

int kz_resolve_vars(struct kz_build *b, struct kz_acc *acc)
{
	struct vars_ctx c = { json_object(), b->e };
	size_t i;
	json_t *v;
	int st = c.values ? 0 : kz_fail(b->e, "out of memory");
	json_array_foreach(acc->vars, i, v) {
		json_t *val;
		if (st == 0 && (st = var_value(b, acc, v, &val)) == 0) {
			/* maps and lists are not substituted (kustomize logs them and leaves $(NAME)) */
			if (!json_is_object(val) && !json_is_array(val))
				json_object_set(c.values, kz_str(v, "name"), val);
			json_decref(val);
		}
	}
	if (st == 0 && json_object_size(c.values)) {
		for (size_t r = 0; st == 0 && r < acc->rm.n; r++)
			for (size_t f = 0; st == 0 && f < acc->tc.var_reference.n; f++)
				st = kz_fieldspec_apply(&acc->tc.var_reference.v[f], acc->rm.v[r]->obj, KZ_CREATE_NONE, vars_set,
							&c, b->e);
	}
	json_decref(c.values);
	return st;
}

/* ---- replacements ---- */

/* The ids kustomize's replacement filter sees: the current one (never cluster-scoped here) and
 * the previous ones. */
static bool res_selected_by(const struct kz_res *r, const json_t *sel)
{
	struct kz_ids prev;
	struct kz_id cur;
	const char *g = kz_str(sel, "group"), *v = kz_str(sel, "version"), *k = kz_str(sel, "kind");
	const char *name = kz_str(sel, "name"), *ns = kz_str(sel, "namespace");
	bool hit = false;
	kz_res_cur_id(r, &cur);
	cur.cluster = false;
	if (kz_res_prev_ids(r, &prev) < 0)
		return false;
	for (size_t i = 0; !hit && i <= prev.n; i++) {
		const struct kz_id *id = i < prev.n ? &prev.v[i] : &cur;
		hit = (!*name || !strcmp(name, id->name)) && (!*ns || !strcmp(ns, kz_id_effective_ns(id))) &&
		      (!*g || !strcmp(g, id->group)) && (!*v || !strcmp(v, id->version)) && (!*k || !strcmp(k, id->kind));
	}
	kz_ids_free(&prev);
	return hit;
}

static bool any_id(const json_t *sel)
{
	const char *f[] = { "group", "version", "kind", "name", "namespace" };
	for (size_t i = 0; i < 5; i++)
		if (*kz_str(sel, f[i]))
			return true;
	return false;
}

/* label and annotation selectors of a select or reject: 1, 0, -1 */
static int anno_label_match(const struct kz_res *r, const json_t *sel, struct kz_err *e)
{
	json_t *a = kz_res_string_map(r, "annotations"), *l = kz_res_string_map(r, "labels");
	int m = a && l ? kz_selector_matches(kz_str(sel, "annotationSelector"), a, e) : kz_fail(e, "out of memory");
	if (m == 1)
		m = kz_selector_matches(kz_str(sel, "labelSelector"), l, e);
	json_decref(a);
	json_decref(l);
	return m;
}

/* The replacement's value: the source field, refined by a delimiter. New reference. */
static json_t *source_value(struct kz_build *b, struct kz_acc *acc, const json_t *src)
{
	struct kz_res *found = NULL;
	for (size_t i = 0; i < acc->rm.n; i++) {
		if (!res_selected_by(acc->rm.v[i], src))
			continue;
		if (found)
			return kz_unsupported(b->e, "multiple matches for a replacement source"), NULL;
		found = acc->rm.v[i];
	}
	if (!found)
		return kz_unsupported(b->e, "nothing selected by a replacement source"), NULL;
	const char *fp = kz_str(src, "fieldPath");
	struct parts p = { NULL, 0 };
	json_t *v = NULL;
	if (split_field_path(*fp ? fp : "metadata.name", false, &p) < 0)
		return kz_fail(b->e, "out of memory"), NULL;
	int st = lookup(found->obj, &p, &v, b->e);
	parts_free(&p);
	if (st < 0)
		return NULL;
	if (!v || json_is_null(v) || (json_is_object(v) && !json_object_size(v)) || (json_is_array(v) && !json_array_size(v)))
		return kz_unsupported(b->e, "fieldPath `%s` is missing for a replacement source", fp), NULL;
	const json_t *opts = json_object_get(src, "options");
	const char *delim = kz_str(opts, "delimiter");
	if (!*delim)
		return json_incref(v);
	if (json_is_object(v) || json_is_array(v))
		return kz_unsupported(b->e, "delimiter option on a source that is not a scalar"), NULL;
	char *text = gt_yaml_scalar_text(v);
	json_int_t index = json_integer_value(json_object_get(opts, "index"));
	size_t dl = strlen(delim), count = 0;
	const char *part = text, *hit = text;
	json_t *out = NULL;
	while (text && hit) {
		const char *next = strstr(part, delim);
		if ((json_int_t)count == index) {
			size_t n = next ? (size_t)(next - part) : strlen(part);
			/* the part keeps the source's type, as kyaml keeps the node's tag */
			char *s = strndup(part, n);
			if (json_is_string(v)) {
				out = json_string(s);
			} else {
				const char *why;
				out = gt_yaml_resolve_plain_kyaml(s, n, &why);
				if (out && json_typeof(out) != json_typeof(v) && !(json_is_boolean(out) && json_is_boolean(v))) {
					json_decref(out);
					out = NULL;
					kz_unsupported(b->e, "a delimited part of a typed source");
				}
			}
			free(s);
			break;
		}
		if (!next)
			break;
		part = next + dl;
		count++;
	}
	if (!out && !b->e->msg)
		kz_unsupported(b->e, "options.index %lld is out of bounds for the replacement source", (long long)index);
	free(text);
	return out;
}

/* A target scalar takes the new text in its own type (kyaml keeps the node's tag). */
static int set_typed_text(struct kz_build *b, const struct kz_slot *slot, const char *textv, bool created)
{
	json_t *cur = kz_slot_get(slot), *nv = NULL;
	const char *why;
	if (created || json_is_string(cur)) {
		nv = created ? gt_yaml_resolve_plain_kyaml(textv, strlen(textv), &why) : json_string(textv);
	} else {
		nv = gt_yaml_resolve_plain_kyaml(textv, strlen(textv), &why);
		bool same = nv && (json_typeof(nv) == json_typeof(cur) || (json_is_boolean(nv) && json_is_boolean(cur)) ||
				   (json_is_real(cur) && json_is_integer(nv)));
		if (same && json_is_real(cur) && json_is_integer(nv)) {
			json_t *d = json_real((double)json_integer_value(nv));
			json_decref(nv);
			nv = d;
		}
		if (!same) {
			json_decref(nv);
			return kz_unsupported(b->e, "a replacement of text '%s' into a field of another type", textv);
		}
	}
	if (!nv || kz_slot_set(slot, nv) < 0)
		return kz_fail(b->e, "out of memory");
	return 0;
}

static int set_target(struct kz_build *b, const struct kz_slot *slot, const json_t *value, const json_t *opts, bool created)
{
	json_t *cur = kz_slot_get(slot);
	const char *delim = kz_str(opts, "delimiter");
	if (json_is_null(cur) && !created)
		return kz_unsupported(b->e, "a replacement into a null field");
	if (*delim) {
		if (json_is_object(cur) || json_is_array(cur) || json_is_object(value) || json_is_array(value))
			return kz_unsupported(b->e, "delimiter option on something that is not a scalar");
		char *tv = gt_yaml_scalar_text(cur), *v = gt_yaml_scalar_text(value);
		json_int_t index = json_integer_value(json_object_get(opts, "index"));
		size_t dl = strlen(delim), nparts = 1;
		for (const char *p = tv; tv && (p = strstr(p, delim)); p += dl)
			nparts++;
		char *joined = NULL;
		if (tv && v) {
			if (index < 0)
				joined = kz_printf("%s%s%s", v, delim, tv);
			else if ((size_t)index >= nparts)
				joined = kz_printf("%s%s%s", tv, delim, v);
			else {
				const char *p = tv;
				for (json_int_t i = 0; i < index; i++)
					p = strstr(p, delim) + dl;
				const char *end = strstr(p, delim);
				joined = kz_printf("%.*s%s%s", (int)(p - tv), tv, v, end ? end : "");
			}
		}
		int st = joined ? set_typed_text(b, slot, joined, created) : kz_fail(b->e, "out of memory");
		free(tv);
		free(v);
		free(joined);
		return st;
	}
	if (json_is_object(cur) || json_is_array(cur) || (created && (json_is_object(value) || json_is_array(value)))) {
		json_t *copy = json_deep_copy(value);
		return copy && kz_slot_set(slot, copy) == 0 ? 0 : kz_fail(b->e, "out of memory");
	}
	if (json_is_object(value) || json_is_array(value))
		return kz_unsupported(b->e, "a replacement of a map or list into a scalar");
	char *text = gt_yaml_scalar_text(value);
	int st = text ? set_typed_text(b, slot, text, created) : kz_fail(b->e, "out of memory");
	free(text);
	return st;
}

/* getPathPartKind: a list before an index or [k=v], the value's kind at the end, else a map. */
static json_t *new_part(const char *next, int create)
{
	if (!next)
		return create == 1 ? json_object() : create == 2 ? json_array() : json_null();
	if (is_index(next) || next[0] == '[')
		return json_array();
	return json_object();
}

struct match {
	struct kz_slot *v;
	bool *created;
	size_t n;
};

static int match_push(struct match *m, json_t *parent, const char *key, size_t index, bool created)
{
	struct kz_slot *v = realloc(m->v, (m->n + 1) * sizeof(*v));
	bool *c = realloc(m->created, (m->n + 1) * sizeof(*c));
	if (v)
		m->v = v;
	if (c)
		m->created = c;
	if (!v || !c)
		return -1;
	v[m->n] = (struct kz_slot){ parent, key, index };
	c[m->n++] = created;
	return 0;
}

/* kyaml's PathMatcher: the fields at parts (a [k=regex] part keeps the list elements whose k
 * matches, "*" every element, a number one element), created when create says which kind the
 * last one is. The slots point into the object; keys are the parts' strings. */
static int match_path(struct kz_build *b, json_t *parent, const char *key, size_t index, const struct parts *p,
		      size_t at, int create, bool created, struct match *m)
{
	struct kz_slot self = { parent, key, index };
	json_t *node = kz_slot_get(&self);
	if (at == p->n)
		return match_push(m, parent, key, index, created) < 0 ? kz_fail(b->e, "out of memory") : 0;
	const char *part = p->v[at];
	if (!node || json_is_null(node))
		return 0;
	const char *next = at + 1 < p->n ? p->v[at + 1] : NULL;
	if (is_index(part)) {
		if (!json_is_array(node))
			return kz_unsupported(b->e, "a replacement path index into something that is not a list");
		size_t i = (size_t)strtoul(part, NULL, 10);
		bool made = false;
		if (i == json_array_size(node) && create) {
			json_t *el = new_part(next, create);
			if (!el || json_array_append_new(node, el) < 0)
				return kz_fail(b->e, "out of memory");
			made = !next;
		}
		if (i >= json_array_size(node))
			return kz_unsupported(b->e, "a replacement path index past the list");
		return match_path(b, node, NULL, i, p, at + 1, create, made, m);
	}
	if (!strcmp(part, "*")) {
		if (!json_is_array(node))
			return kz_unsupported(b->e, "a replacement path '*' on something that is not a list");
		for (size_t i = 0; i < json_array_size(node); i++)
			if (match_path(b, node, NULL, i, p, at + 1, create, false, m) < 0)
				return -1;
		return 0;
	}
	if (part[0] == '[' && part[strlen(part) - 1] == ']') {
		char *kv = strndup(part + 1, strlen(part) - 2), *eq = kv ? strchr(kv, '=') : NULL;
		regex_t re;
		if (!eq || !json_is_array(node)) {
			free(kv);
			return kz_unsupported(b->e, "replacement path part '%s'", part);
		}
		*eq = '\0';
		const char *pat = eq + 1;
		if (!*kv || strpbrk(pat, "\\{}^$") || strstr(pat, "(?") || regcomp(&re, pat, REG_EXTENDED | REG_NOSUB) != 0) {
			free(kv);
			return kz_unsupported(b->e, "replacement path part '%s'", part);
		}
		int st = 0;
		for (int round = 0; st == 0 && round < 2; round++) {
			size_t before = m->n;
			bool any = false;
			for (size_t i = 0; st == 0 && i < json_array_size(node); i++) {
				json_t *el = json_array_get(node, i), *f = json_is_object(el) ? json_object_get(el, kv) : NULL;
				if (!f || json_is_null(f) || json_is_object(f) || json_is_array(f))
					continue;
				char *t = gt_yaml_scalar_text(f);
				if (t && regexec(&re, t, 0, NULL, 0) == 0) {
					any = true;
					st = match_path(b, node, NULL, i, p, at + 1, create, false, m);
				}
				free(t);
			}
			(void)before;
			if (any || !create || round == 1)
				break;
			/* create: an element {k: v} appended, then matched again */
			const char *why;
			json_t *el = json_object(), *v = gt_yaml_resolve_plain_kyaml(pat, strlen(pat), &why);
			if (!el || !v || json_object_set_new(el, kv, v) < 0 || json_array_append_new(node, el) < 0)
				st = kz_fail(b->e, "out of memory");
		}
		regfree(&re);
		free(kv);
		return st;
	}
	if (!json_is_object(node))
		return kz_unsupported(b->e, "replacement path part '%s' on something that is not a map", part);
	json_t *child = json_object_get(node, part);
	bool made = false;
	if (!child) {
		if (!create)
			return 0;
		child = new_part(next, create);
		if (!child || json_object_set_new(node, part, child) < 0)
			return kz_fail(b->e, "out of memory");
		made = !next;
	}
	return match_path(b, node, part, 0, p, at + 1, create, made, m);
}

static int replace_in(struct kz_build *b, struct kz_res *r, const json_t *value, const json_t *target)
{
	const json_t *opts = json_object_get(target, "options");
	const json_t *fps = json_object_get(target, "fieldPaths");
	int create = json_is_true(json_object_get(opts, "create"))
			     ? (json_is_object(value) ? 1 : json_is_array(value) ? 2 : 3) : 0;
	json_t *defaults = NULL;
	size_t i;
	json_t *fp;
	if (!json_array_size(fps)) {
		fps = defaults = json_pack("[s]", "metadata.name");
		if (!defaults)
			return kz_fail(b->e, "out of memory");
	}
	int st = 0;
	json_array_foreach(fps, i, fp) {
		struct parts p = { NULL, 0 };
		struct match m = { NULL, NULL, 0 };
		json_t *holder = json_array();
		if (!holder || json_array_append(holder, r->obj) < 0 || split_field_path(json_string_value(fp), false, &p) < 0) {
			json_decref(holder);
			st = kz_fail(b->e, "out of memory");
			break;
		}
		st = match_path(b, holder, NULL, 0, &p, 0, create, false, &m);
		if (st == 0 && m.n == 0)
			st = kz_unsupported(b->e, "unable to find field \"%s\" in replacement target %s", json_string_value(fp),
					    kz_res_name(r));
		for (size_t j = 0; st == 0 && j < m.n; j++)
			st = set_target(b, &m.v[j], value, opts, m.created[j]);
		free(m.v);
		free(m.created);
		parts_free(&p);
		json_decref(holder);
		if (st < 0)
			break;
	}
	json_decref(defaults);
	return st;
}

static int apply_replacement(struct kz_build *b, struct kz_acc *acc, const json_t *rep, const char *file)
{
	const json_t *src = json_object_get(rep, "source"), *targets = json_object_get(rep, "targets");
	if (!json_is_object(src) || !json_is_array(targets))
		return kz_unsupported(b->e, "%s: replacements must specify a source and at least one target", file);
	json_t *value = source_value(b, acc, src);
	if (!value)
		return -1;
	size_t i;
	json_t *t;
	int st = 0;
	json_array_foreach(targets, i, t) {
		const json_t *sel = json_object_get(t, "select"), *rejects = json_object_get(t, "reject");
		if (!json_is_object(sel)) {
			st = kz_unsupported(b->e, "%s: a replacement target must specify resources to select", file);
			break;
		}
		for (size_t j = 0; st == 0 && j < acc->rm.n; j++) {
			struct kz_res *r = acc->rm.v[j];
			int m = anno_label_match(r, sel, b->e);
			size_t k;
			json_t *rej;
			json_array_foreach(rejects, k, rej) {
				if (m != 1)
					break;
				if (!*kz_str(rej, "annotationSelector") && !*kz_str(rej, "labelSelector"))
					continue;
				int rm = anno_label_match(r, rej, b->e);
				m = rm < 0 ? -1 : rm ? 0 : 1;
			}
			if (m < 0) {
				st = -1;
				break;
			}
			if (!m || !res_selected_by(r, sel))
				continue;
			bool rejected = false;
			json_array_foreach(rejects, k, rej)
				rejected = rejected || (any_id(rej) && res_selected_by(r, rej));
			if (!rejected)
				st = replace_in(b, r, value, t);
		}
		if (st < 0)
			break;
	}
	json_decref(value);
	return st;
}

int kz_transform_replacements(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc)
{
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(k->k, "replacements"), i, r) {
		const char *path = kz_str(r, "path");
		if (!*path) {
			if (apply_replacement(b, acc, r, k->shown) < 0)
				return -1;
			continue;
		}
		if (json_object_get(r, "source") || json_object_get(r, "targets"))
			return kz_unsupported(b->e, "%s: cannot specify both path and inline replacement", k->shown);
		struct kz_file *f = kz_load_file(b->tree, k, path, b->e);
		if (!f)
			return -1;
		struct gt_yaml_reader *rd = gt_yaml_reader_new_string(f->text, f->len, path, &b->tree->lim);
		json_t *doc = NULL;
		unsigned long line;
		int st = rd && gt_yaml_next(rd, &doc, &line) == 1 ? 0 : kz_unsupported(b->e, "%s: not one document", path);
		gt_yaml_reader_free(rd);
		if (st == 0 && json_is_array(doc)) {
			size_t j;
			json_t *one;
			json_array_foreach(doc, j, one)
				if (st == 0)
					st = json_is_object(one) && kz_normalise_replacement(one, false, path, b->e) == 0
						     ? apply_replacement(b, acc, one, path)
						     : kz_unsupported(b->e, "%s: a replacement that is not a map", path);
		} else if (st == 0 && json_is_object(doc)) {
			st = kz_normalise_replacement(doc, false, path, b->e) < 0 ? -1 : apply_replacement(b, acc, doc, path);
		} else if (st == 0) {
			st = kz_unsupported(b->e, "%s: a replacements file that is neither a list nor a map", path);
		}
		json_decref(doc);
		if (st < 0)
			return -1;
	}
	return 0;
}
