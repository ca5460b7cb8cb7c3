/* funcs_core: the table of every function a chart can call (Go's built-ins, sprig v3.3.0's text
 * functions as helm registers them, helm's own), as jq keeps its builtins; Go's built-ins and
 * helm's functions; the methods of helm's types (.Files.Get, .Capabilities.APIVersions.Has). */
#define _GNU_SOURCE
#include "funcs.h"

#include <stdlib.h>
#include <string.h>

#include "yaml.h"

/* ---- shared helpers ---- */

int oom(struct exec *x)
{
	herr_set(x->err, HERR_NOMEM, false, "out of memory");
	return -2;
}

int ret(struct exec *x, struct hv *out, struct hv v)
{
	*out = v;
	if ((v.k == HV_STRING && !v.u.s) || (v.k == HV_MAP && !v.u.m) || (v.k == HV_LIST && !v.u.l))
		return oom(x);
	return 0;
}

struct hv strval(struct hv v)
{
	if (v.k == HV_STRING)
		return v.go == GO_BYTES ? hv_strn(v.u.s->s, v.u.s->len) : hv_ref(v);
	struct buf b = { 0 };
	if (fmt_value(&b, v, false) < 0) {
		buf_free(&b);
		return HV_NIL_V;
	}
	size_t n;
	char *s = buf_take(&b, &n);
	struct hv r = s ? hv_strn(s, n) : HV_NIL_V;
	free(s);
	return r;
}

/* spf13/cast trimZeroDecimal: "10.00" -> "10" */
static void trim_zero_decimal(const char *s, char *out, size_t size)
{
	snprintf(out, size, "%s", s);
	char *dot = strchr(out, '.');
	if (!dot)
		return;
	for (char *p = dot + 1; *p; p++)
		if (*p != '0')
			return;
	if (dot != out)
		*dot = '\0';
}

int64_t cast_int64(struct hv v)
{
	switch (v.k) {
	case HV_INT: return v.u.i;
	case HV_FLOAT: return (int64_t)v.u.f;
	case HV_BOOL: return v.u.b;
	case HV_STRING: {
		if (v.go == GO_BYTES)
			return 0;
		char t[128];
		trim_zero_decimal(v.u.s->s, t, sizeof(t));
		/* strconv.ParseInt(s, 0, 0): sign, 0x/0o/0b/0 prefixes, underscores between digits; anything else is 0 */
		long long iv;
		unsigned long long uv;
		bool is_unsigned;
		if (!gt_go_parse_int(t, &is_unsigned, &iv, &uv) || is_unsigned)
			return 0;
		return (int64_t)iv;
	}
	default: return 0;
	}
}

double cast_float64(struct hv v)
{
	switch (v.k) {
	case HV_INT: return (double)v.u.i;
	case HV_FLOAT: return v.u.f;
	case HV_BOOL: return v.u.b;
	case HV_STRING: {
		if (v.go == GO_BYTES || !v.u.s->len)
			return 0;
		char *end;
		const char *s = v.u.s->s;
		/* ParseFloat: no leading spaces, no hex floats without p (close enough) */
		if (*s == ' ' || *s == '\t' || *s == '\n')
			return 0;
		double d = strtod(s, &end);
		return *end ? 0 : d;
	}
	default: return 0;
	}
}

int as_slice(struct hv v, struct hlist **l)
{
	if (v.k != HV_LIST)
		return 0;
	*l = v.u.l;
	return 1;
}

FN(fn_unsupported)
{
	(void)a;
	(void)n;
	(void)out;
	exec_unsupported(x, "the function %s", x->fname ? x->fname : "called");
	return -2;
}

/* ---- Go's built-ins ---- */

FN(fn_and_or_marker)
{
	(void)x, (void)a, (void)n, (void)out;
	return 0;
}

FN(fn_not)
{
	(void)x, (void)n;
	*out = hv_bool(!hv_truth(a[0]));
	return 0;
}

FN(fn_len)
{
	(void)n;
	struct hv v = a[0];
	switch (v.k) {
	case HV_STRING: *out = hv_int((int64_t)v.u.s->len); return 0;
	case HV_MAP: *out = hv_int((int64_t)v.u.m->n); return 0;
	case HV_LIST: *out = hv_int((int64_t)v.u.l->n); return 0;
	case HV_NIL:
		if (v.go == GO_NILIFACE)
			return fn_error(x, "len of nil pointer");
		return fn_error(x, "reflect: call of reflect.Value.Type on zero Value");
	default:
		return fn_error(x, "len of type %s", hv_type_name(v));
	}
}

FN(fn_index)
{
	struct hv item = a[0];
	if (item.k == HV_NIL && item.go != GO_NILIFACE)
		return fn_error(x, "index of untyped nil");
	if (item.k == HV_NIL)
		return fn_error(x, "index of untyped nil");
	item = hv_ref(item);
	for (size_t i = 1; i < n; i++) {
		struct hv idx = a[i], next;
		if (item.k == HV_NIL) {
			hv_unref(item);
			return fn_error(x, "index of nil pointer");
		}
		if (item.k == HV_LIST || (item.k == HV_STRING && item.go != GO_BYTES)) {
			size_t len = item.k == HV_LIST ? item.u.l->n : item.u.s->len;
			if (idx.k != HV_INT) {
				hv_unref(item);
				if (idx.k == HV_NIL)
					return fn_error(x, "cannot index slice/array with nil");
				return fn_error(x, "cannot index slice/array with type %s", hv_type_name(idx));
			}
			if (idx.u.i < 0 || (uint64_t)idx.u.i >= len) {
				hv_unref(item);
				return fn_error(x, "index out of range: %lld", (long long)idx.u.i);
			}
			if (item.k == HV_LIST) {
				next = hv_ref(item.u.l->v[idx.u.i]);
				if (next.k == HV_NIL)
					next.go = GO_NILIFACE;
			} else {
				next = (struct hv){ .k = HV_INT, .go = GO_UINT8, .u.i = (unsigned char)item.u.s->s[idx.u.i] };
			}
		} else if (item.k == HV_MAP) {
			if (idx.k != HV_STRING || idx.go == GO_BYTES) {
				hv_unref(item);
				if (idx.k == HV_NIL)
					return fn_error(x, "value is nil; should be of type string");
				return fn_error(x, "value has type %s; should be string", hv_type_name(idx));
			}
			struct hv *v = hmap_find(item.u.m, idx.u.s->s, idx.u.s->len);
			if (v) {
				next = hv_ref(*v);
				if (next.k == HV_NIL)
					next.go = GO_NILIFACE;
				if (item.go == GO_FILES && next.k == HV_STRING)
					next.go = GO_BYTES;
			} else if (item.go == GO_MAPSTR) {
				next = hv_str("");
			} else if (item.go == GO_FILES) {
				hv_unref(item);
				exec_unsupported(x, "index of a missing file in .Files");
				return -2;
			} else {
				next = (struct hv){ .k = HV_NIL, .go = GO_NILIFACE };
			}
		} else {
			const char *t = hv_type_name(item);
			hv_unref(item);
			return fn_error(x, "can't index item of type %s", t);
		}
		hv_unref(item);
		item = next;
	}
	*out = item;
	return 0;
}

static int sprint_out(struct exec *x, struct hv *out, struct buf *b, int r)
{
	if (r < 0) {
		buf_free(b);
		exec_unsupported(x, "printing a value fmt would show as an address");
		return -2;
	}
	size_t len;
	char *s = buf_take(b, &len);
	if (!s)
		return oom(x);
	struct hv v = hv_strn(s, len);
	free(s);
	return ret(x, out, v);
}

FN(fn_print)
{
	struct buf b = { 0 };
	return sprint_out(x, out, &b, fmt_sprint(&b, a, n, false));
}

FN(fn_println)
{
	struct buf b = { 0 };
	return sprint_out(x, out, &b, fmt_sprint(&b, a, n, true));
}

FN(fn_printf)
{
	struct buf b = { 0 };
	const char *why = NULL;
	if (fmt_sprintf(&b, a[0].u.s->s, a[0].u.s->len, a + 1, n - 1, &why) < 0) {
		buf_free(&b);
		exec_unsupported(x, "%s", why);
		return -2;
	}
	return sprint_out(x, out, &b, 0);
}

/* text/template's evalArgs: one string as it is, else fmt.Sprint of all. */
static int eval_args_string(struct exec *x, struct hv *a, size_t n, struct buf *b)
{
	if (n == 1 && hv_is_str(a[0])) {
		buf_add(b, a[0].u.s->s, a[0].u.s->len);
		return 0;
	}
	if (fmt_sprint(b, a, n, false) < 0) {
		exec_unsupported(x, "printing a value fmt would show as an address");
		return -2;
	}
	return 0;
}

FN(fn_html)
{
	struct buf s = { 0 }, b = { 0 };
	int r = eval_args_string(x, a, n, &s);
	if (r < 0)
		return buf_free(&s), r;
	for (size_t i = 0; i < s.n; i++) {
		switch (s.p[i]) {
		case '"': buf_adds(&b, "&#34;"); break;
		case '\'': buf_adds(&b, "&#39;"); break;
		case '&': buf_adds(&b, "&amp;"); break;
		case '<': buf_adds(&b, "&lt;"); break;
		case '>': buf_adds(&b, "&gt;"); break;
		case '\0': buf_adds(&b, "\xef\xbf\xbd"); break;
		default: buf_addc(&b, s.p[i]);
		}
	}
	buf_free(&s);
	return sprint_out(x, out, &b, 0);
}

FN(fn_js)
{
	struct buf s = { 0 }, b = { 0 };
	int r = eval_args_string(x, a, n, &s);
	if (r < 0)
		return buf_free(&s), r;
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		switch (c) {
		case '\\': buf_adds(&b, "\\\\"); break;
		case '\'': buf_adds(&b, "\\'"); break;
		case '"': buf_adds(&b, "\\\""); break;
		case '<': buf_adds(&b, "\\u003C"); break;
		case '>': buf_adds(&b, "\\u003E"); break;
		case '&': buf_adds(&b, "\\u0026"); break;
		case '=': buf_adds(&b, "\\u003D"); break;
		case '\n': buf_adds(&b, "\\n"); break;
		case '\r': buf_adds(&b, "\\r"); break;
		case '\t': buf_adds(&b, "\\t"); break;
		default:
			if (c < 0x20)
				buf_printf(&b, "\\u%04X", c);
			else
				buf_addc(&b, (char)c);
		}
	}
	buf_free(&s);
	return sprint_out(x, out, &b, 0);
}

FN(fn_urlquery)
{
	struct buf s = { 0 }, b = { 0 };
	int r = eval_args_string(x, a, n, &s);
	if (r < 0)
		return buf_free(&s), r;
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~')
			buf_addc(&b, (char)c);
		else if (c == ' ')
			buf_addc(&b, '+');
		else
			buf_printf(&b, "%%%02X", c);
	}
	buf_free(&s);
	return sprint_out(x, out, &b, 0);
}

/* ---- comparisons (text/template/funcs.go) ---- */

enum bkind { K_INVALID, K_BOOL, K_INT, K_FLOAT, K_STRING, K_OTHER };

static enum bkind basic_kind(struct hv v)
{
	switch (v.k) {
	case HV_NIL: return K_INVALID;
	case HV_BOOL: return K_BOOL;
	case HV_INT: return K_INT;
	case HV_FLOAT: return K_FLOAT;
	case HV_STRING: return v.go == GO_BYTES ? K_OTHER : K_STRING;
	default: return K_OTHER;
	}
}

static int eq2(struct exec *x, struct hv a1, struct hv a2, bool *truth)
{
	enum bkind k1 = basic_kind(a1), k2 = basic_kind(a2);
	*truth = false;
	if (k1 != k2) {
		if (a1.k != HV_NIL && a2.k != HV_NIL)
			return fn_error(x, "incompatible types for comparison");
		return 0;
	}
	switch (k1) {
	case K_BOOL: *truth = a1.u.b == a2.u.b; return 0;
	case K_INT: *truth = a1.u.i == a2.u.i; return 0;
	case K_FLOAT: *truth = a1.u.f == a2.u.f; return 0;
	case K_STRING: *truth = a1.u.s->len == a2.u.s->len && !memcmp(a1.u.s->s, a2.u.s->s, a1.u.s->len); return 0;
	case K_INVALID: *truth = true; return 0;
	default:
		exec_unsupported(x, "eq of maps, lists or structs");
		return -2;
	}
}

FN(fn_eq)
{
	if (n < 2)
		return fn_error(x, "missing argument for comparison");
	for (size_t i = 1; i < n; i++) {
		bool t;
		int r = eq2(x, a[0], a[i], &t);
		if (r < 0)
			return r;
		if (t) {
			*out = hv_bool(true);
			return 0;
		}
	}
	*out = hv_bool(false);
	return 0;
}

FN(fn_ne)
{
	(void)n;
	bool t;
	int r = eq2(x, a[0], a[1], &t);
	if (r < 0)
		return r;
	*out = hv_bool(!t);
	return 0;
}

static int lt2(struct exec *x, struct hv a1, struct hv a2, bool *truth)
{
	enum bkind k1 = basic_kind(a1), k2 = basic_kind(a2);
	if (k1 == K_INVALID || k1 == K_OTHER || k2 == K_INVALID || k2 == K_OTHER)
		return fn_error(x, "invalid type for comparison");
	if (k1 != k2)
		return fn_error(x, "incompatible types for comparison");
	switch (k1) {
	case K_INT: *truth = a1.u.i < a2.u.i; return 0;
	case K_FLOAT: *truth = a1.u.f < a2.u.f; return 0;
	case K_STRING: {
		size_t m = a1.u.s->len < a2.u.s->len ? a1.u.s->len : a2.u.s->len;
		int c = memcmp(a1.u.s->s, a2.u.s->s, m);
		*truth = c < 0 || (c == 0 && a1.u.s->len < a2.u.s->len);
		return 0;
	}
	default:
		return fn_error(x, "invalid type for comparison");
	}
}

FN(fn_lt)
{
	(void)n;
	bool t;
	int r = lt2(x, a[0], a[1], &t);
	if (r < 0)
		return r;
	*out = hv_bool(t);
	return 0;
}

FN(fn_le)
{
	(void)n;
	bool t, e;
	int r = lt2(x, a[0], a[1], &t);
	if (r == 0 && !t)
		r = eq2(x, a[0], a[1], &e), t = e;
	if (r < 0)
		return r;
	*out = hv_bool(t);
	return 0;
}

FN(fn_gt)
{
	struct hv v;
	int r = fn_le(x, a, n, &v);
	if (r < 0)
		return r;
	*out = hv_bool(!v.u.b);
	return 0;
}

FN(fn_ge)
{
	struct hv v;
	int r = fn_lt(x, a, n, &v);
	if (r < 0)
		return r;
	*out = hv_bool(!v.u.b);
	return 0;
}

/* ---- helm's functions ---- */

#define RECURSION_MAX 1000

FN(fn_include)
{
	(void)n;
	const char *name = a[0].u.s->s;
	struct hv *count = hmap_find(x->rc->included, name, a[0].u.s->len);
	if (count && count->u.i > RECURSION_MAX)
		return fn_error(x, "rendering template has a nested reference name: %s: unable to execute template", name);
	if (!count) {
		if (hmap_set(x->rc->included, name, a[0].u.s->len, hv_int(0)) < 0)
			return oom(x);
		count = hmap_find(x->rc->included, name, a[0].u.s->len);
	}
	count->u.i++;
	struct buf b = { 0 };
	int r = exec_named(x, name, a[1], &b);
	count = hmap_find(x->rc->included, name, a[0].u.s->len);
	count->u.i--;
	if (r < 0) {
		buf_free(&b);
		return r;
	}
	return sprint_out(x, out, &b, 0);
}

FN(fn_tpl)
{
	(void)n;
	struct buf b = { 0 };
	int r = exec_tpl(x, a[0].u.s->s, a[0].u.s->len, a[1], &b);
	if (r < 0) {
		buf_free(&b);
		return r;
	}
	return sprint_out(x, out, &b, 0);
}

FN(fn_required)
{
	(void)n;
	if (a[1].k == HV_NIL || (hv_is_str(a[1]) && a[1].u.s->len == 0))
		return fn_error(x, "HELM_ERR_START%sHELM_ERR_END", a[0].u.s->s);
	*out = hv_ref(a[1]);
	return 0;
}

FN(fn_fail)
{
	(void)n, (void)out;
	return fn_error(x, "HELM_ERR_START%sHELM_ERR_END", a[0].u.s->s);
}

static int marshal_out(struct exec *x, struct hv *out, struct buf *b, int r, const char *why)
{
	if (r < 0) {
		buf_free(b);
		exec_unsupported(x, "%s", why ? why : "a value this engine cannot marshal");
		return -2;
	}
	return sprint_out(x, out, b, 0);
}

FN(fn_toyaml)
{
	(void)n;
	struct buf b = { 0 };
	const char *why = NULL;
	int r = yaml_marshal(&b, a[0], &why);
	return marshal_out(x, out, &b, r, why);
}

FN(fn_toyamlpretty)
{
	(void)n;
	struct buf b = { 0 };
	const char *why = NULL;
	int r = yaml_marshal_pretty(&b, a[0], &why);
	return marshal_out(x, out, &b, r, why);
}

FN(fn_totoml)
{
	(void)n;
	struct buf b = { 0 };
	const char *why = NULL;
	int r = toml_marshal(&b, a[0], &why);
	return marshal_out(x, out, &b, r, why);
}

FN(fn_tojson)
{
	(void)n;
	struct buf b = { 0 };
	const char *why = NULL;
	int r = json_marshal(&b, a[0], true, NULL, &why);
	return marshal_out(x, out, &b, r, why);
}

FN(fn_musttojson)
{
	return fn_tojson(x, a, n, out);
}

FN(fn_toprettyjson)
{
	(void)n;
	struct buf b = { 0 };
	const char *why = NULL;
	int r = json_marshal(&b, a[0], true, "  ", &why);
	return marshal_out(x, out, &b, r, why);
}

FN(fn_torawjson)
{
	(void)n;
	struct buf b = { 0 };
	const char *why = NULL;
	int r = json_marshal(&b, a[0], false, NULL, &why);
	return marshal_out(x, out, &b, r, why);
}

FN(fn_fromyaml)
{
	(void)n;
	struct hv v;
	int r = yaml_unmarshal(a[0].u.s->s, a[0].u.s->len, "fromYaml", &v);
	if (r < 0)
		return oom(x);
	if (r > 0) {
		exec_unsupported(x, "fromYaml of text whose YAML error helm would word itself");
		return -2;
	}
	if (v.k == HV_NIL) {
		*out = hv_map();
		return ret(x, out, *out);
	}
	if (v.k != HV_MAP) {
		hv_unref(v);
		exec_unsupported(x, "fromYaml of a document that is not a map");
		return -2;
	}
	*out = v;
	return 0;
}

FN(fn_fromtoml)
{
	(void)n;
	struct hv v;
	const char *why;
	int r = toml_unmarshal(a[0].u.s->s, a[0].u.s->len, &v, &why);
	if (r < 0)
		return oom(x);
	if (r > 0) {
		exec_unsupported(x, "%s", why);
		return -2;
	}
	return ret(x, out, v);
}

FN(fn_fromyamlarray)
{
	(void)n;
	struct hv v;
	int r = yaml_unmarshal(a[0].u.s->s, a[0].u.s->len, "fromYamlArray", &v);
	if (r < 0)
		return oom(x);
	if (r > 0 || (v.k != HV_LIST && v.k != HV_NIL)) {
		hv_unref(v);
		exec_unsupported(x, "fromYamlArray of text that is not a list");
		return -2;
	}
	if (v.k == HV_NIL)
		v = hv_list();
	return ret(x, out, v);
}

static int from_json(struct exec *x, struct hv *a, struct hv *out, int want)
{
	struct hv v;
	char *err = NULL;
	if (json_unmarshal(a[0].u.s->s, a[0].u.s->len, &v, &err) < 0 || (want == HV_MAP && v.k != HV_MAP && v.k != HV_NIL) ||
	    (want == HV_LIST && v.k != HV_LIST && v.k != HV_NIL)) {
		if (!err)
			hv_unref(v);
		free(err);
		exec_unsupported(x, "fromJson of text whose error helm would word itself");
		return -2;
	}
	if (v.k == HV_NIL)
		v = want == HV_MAP ? hv_map() : want == HV_LIST ? hv_list() : v;
	return ret(x, out, v);
}

FN(fn_fromjson)
{
	(void)n;
	return from_json(x, a, out, HV_MAP);
}

FN(fn_fromjsonarray)
{
	(void)n;
	return from_json(x, a, out, HV_LIST);
}

FN(fn_mustfromjson)
{
	(void)n;
	return from_json(x, a, out, -1);
}

FN(fn_mustfromjson_soft)
{
	(void)n;
	return from_json(x, a, out, -1);
}

FN(fn_lookup)
{
	(void)a, (void)n;
	return ret(x, out, hv_map());
}

FN(fn_gethostbyname)
{
	(void)a, (void)n;
	return ret(x, out, hv_str(""));
}

/* ---- methods ---- */

FN(m_files_get)
{
	(void)n;
	struct hv *v = hmap_find(x->recv.u.m, a[0].u.s->s, a[0].u.s->len);
	return ret(x, out, v ? hv_strn(v->u.s->s, v->u.s->len) : hv_str(""));
}

FN(m_files_getbytes)
{
	(void)n;
	struct hv *v = hmap_find(x->recv.u.m, a[0].u.s->s, a[0].u.s->len);
	struct hv r = v ? hv_strn(v->u.s->s, v->u.s->len) : hv_str("");
	r.go = GO_BYTES;
	return ret(x, out, r);
}

/* gobwas/glob with '/' as the separator: * and ? stop at /, ** does not, [...] and {a,b}. */
static bool glob_sep_match(const char *p, const char *s)
{
	for (;;) {
		if (!*p)
			return !*s;
		if (p[0] == '*' && p[1] == '*') {
			for (const char *t = s;; t++) {
				if (glob_sep_match(p + 2, t))
					return true;
				if (!*t)
					return false;
			}
		}
		if (*p == '*') {
			for (const char *t = s;; t++) {
				if (glob_sep_match(p + 1, t))
					return true;
				if (!*t || *t == '/')
					return false;
			}
		}
		if (*p == '{') {
			/* alternatives, each followed by the rest of the pattern */
			const char *close = p + 1;
			int depth = 1;
			while (*close && depth) {
				if (*close == '{')
					depth++;
				else if (*close == '}')
					depth--;
				if (depth)
					close++;
			}
			if (!*close)
				return false;
			const char *alt = p + 1;
			for (;;) {
				const char *end = alt;
				int d = 0;
				while (end < close && (d || *end != ',')) {
					if (*end == '{')
						d++;
					else if (*end == '}')
						d--;
					end++;
				}
				char tmp[1024];
				int len = snprintf(tmp, sizeof(tmp), "%.*s%s", (int)(end - alt), alt, close + 1);
				if (len > 0 && (size_t)len < sizeof(tmp) && glob_sep_match(tmp, s))
					return true;
				if (end >= close)
					return false;
				alt = end + 1;
			}
		}
		if (!*s)
			return false;
		if (*p == '?') {
			if (*s == '/')
				return false;
			/* one rune */
			s++;
			while ((*s & 0xc0) == 0x80)
				s++;
			p++;
			continue;
		}
		if (*p == '[') {
			const char *q = p + 1;
			bool neg = *q == '!';
			if (neg)
				q++;
			bool hit = false;
			while (*q && *q != ']') {
				if (q[1] == '-' && q[2] && q[2] != ']') {
					hit |= *s >= q[0] && *s <= q[2];
					q += 3;
				} else {
					hit |= *s == *q;
					q++;
				}
			}
			if (!*q || hit == neg)
				return false;
			p = q + 1;
			s++;
			continue;
		}
		if (*p == '\\' && p[1])
			p++;
		if (*p != *s)
			return false;
		p++;
		s++;
	}
}

FN(m_files_glob)
{
	(void)n;
	struct hv r = hv_map();
	if (r.k != HV_MAP)
		return oom(x);
	r.go = GO_FILES;
	struct hmap *m = x->recv.u.m;
	for (size_t i = 0; i < m->n; i++)
		if (glob_sep_match(a[0].u.s->s, m->kv[i].key->s) &&
		    hmap_setk(r.u.m, m->kv[i].key, hv_ref(m->kv[i].val)) < 0) {
			hv_unref(r);
			return oom(x);
		}
	*out = r;
	return 0;
}

static int files_as(struct exec *x, struct hv *out, bool secrets)
{
	struct hmap *m = x->recv.u.m;
	struct hv d = hv_map();
	if (d.k != HV_MAP)
		return oom(x);
	d.go = GO_MAPSTR;
	for (size_t i = 0; i < m->n; i++) {
		const char *k = m->kv[i].key->s, *slash = strrchr(k, '/');
		const char *base = slash ? slash + 1 : k;
		if (hmap_find(d.u.m, base, strlen(base))) {
			hv_unref(d);
			exec_unsupported(x, "AsConfig/AsSecrets of two files with one base name (helm picks either)");
			return -2;
		}
		struct hv v;
		if (secrets) {
			struct hv s = hv_strn(m->kv[i].val.u.s->s, m->kv[i].val.u.s->len), enc;
			int r = s.k == HV_STRING ? fn_b64enc(x, &s, 1, &enc) : -2;
			hv_unref(s);
			if (r < 0) {
				hv_unref(d);
				return oom(x);
			}
			v = enc;
		} else {
			v = hv_strn(m->kv[i].val.u.s->s, m->kv[i].val.u.s->len);
		}
		if (hmap_set(d.u.m, base, strlen(base), v) < 0) {
			hv_unref(d);
			return oom(x);
		}
	}
	struct buf b = { 0 };
	const char *why = NULL;
	int r = m->n ? yaml_marshal(&b, d, &why) : 0;
	hv_unref(d);
	if (!m->n)
		buf_adds(&b, "{}");
	return marshal_out(x, out, &b, r, why);
}

FN(m_files_asconfig)
{
	(void)a, (void)n;
	return files_as(x, out, false);
}

FN(m_files_assecrets)
{
	(void)a, (void)n;
	return files_as(x, out, true);
}

FN(m_files_lines)
{
	(void)n;
	struct hv *v = hmap_find(x->recv.u.m, a[0].u.s->s, a[0].u.s->len);
	struct hv l = hv_list();
	if (l.k != HV_LIST)
		return oom(x);
	l.go = GO_STRINGS;
	if (!v || !v->u.s->len) {
		if (v && !v->u.s->len) {
			hv_unref(l);
			exec_unsupported(x, ".Files.Lines of an empty file (helm panics)");
			return -2;
		}
		*out = l;
		return 0;
	}
	const char *s = v->u.s->s;
	size_t len = v->u.s->len;
	if (s[len - 1] == '\n')
		len--;
	for (size_t i = 0;;) {
		const char *nl = memchr(s + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - s) : len;
		if (hlist_push(l.u.l, hv_strn(s + i, e - i)) < 0) {
			hv_unref(l);
			return oom(x);
		}
		if (!nl)
			break;
		i = e + 1;
	}
	*out = l;
	return 0;
}

FN(m_versionset_has)
{
	(void)n;
	struct hlist *l = x->recv.u.l;
	bool has = false;
	for (size_t i = 0; i < l->n && !has; i++)
		has = l->v[i].u.s->len == a[0].u.s->len && !memcmp(l->v[i].u.s->s, a[0].u.s->s, a[0].u.s->len);
	*out = hv_bool(has);
	return 0;
}

FN(m_kubeversion_string)
{
	(void)a, (void)n;
	return ret(x, out, hv_str(x->recv.u.o->f[0].val.u.s->s));
}

/* ---- the table ---- */

#define S P_STRING
#define A P_ANY
#define I P_INT
#define R P_RAW
#define M P_MAP
#define L P_LIST
#define B P_BOOL
#define FL P_FLOAT
#define C P_CERT
/* name, fn, number of parameters, variadic, returns an error, parameter types */
#define F(nm, f, np, va, er, ...) { nm, f, np, va, er, { __VA_ARGS__ } }

static struct hfunc funcs[] = {
	F("abbrev", fn_abbrev, 2, 0, 0, I, S),
	F("abbrevboth", fn_abbrevboth, 3, 0, 0, I, I, S),
	F("add", fn_add, 1, 1, 0, A),
	F("add1", fn_add1, 1, 0, 0, A),
	F("add1f", fn_add1f, 1, 0, 0, A),
	F("addf", fn_addf, 1, 1, 0, A),
	F("adler32sum", fn_adler32sum, 1, 0, 0, S),
	F("ago", fn_ago, 1, 0, 0, A),
	F("all", fn_all, 1, 1, 0, A),
	F("and", NULL, 2, 1, 0, R, R),
	F("any", fn_any, 1, 1, 0, A),
	F("append", fn_append, 2, 0, 0, A, A),
	F("atoi", fn_atoi, 1, 0, 0, S),
	F("b32dec", fn_b32dec, 1, 0, 0, S),
	F("b32enc", fn_b32enc, 1, 0, 0, S),
	F("b64dec", fn_b64dec, 1, 0, 0, S),
	F("b64enc", fn_b64enc, 1, 0, 0, S),
	F("base", fn_base, 1, 0, 0, S),
	F("bcrypt", fn_bcrypt, 1, 0, 0, S),
	F("biggest", fn_max, 2, 1, 0, A, A),
	F("buildCustomCert", fn_buildcustomcert, 2, 0, 1, S, S),
	F("call", fn_unsupported, 2, 1, 1, R, R),
	F("camelcase", fn_camelcase, 1, 0, 0, S),
	F("cat", fn_cat, 1, 1, 0, A),
	F("ceil", fn_ceil, 1, 0, 0, A),
	F("chunk", fn_chunk, 2, 0, 0, I, A),
	F("clean", fn_clean, 1, 0, 0, S),
	F("coalesce", fn_coalesce, 1, 1, 0, A),
	F("compact", fn_compact, 1, 0, 0, A),
	F("concat", fn_concat, 1, 1, 0, A),
	F("contains", fn_contains, 2, 0, 0, S, S),
	F("date", fn_date, 2, 0, 0, S, A),
	F("date_in_zone", fn_dateinzone, 3, 0, 0, S, A, S),
	F("date_modify", fn_datemodify, 2, 0, 0, S, A),
	F("dateInZone", fn_dateinzone, 3, 0, 0, S, A, S),
	F("dateModify", fn_datemodify, 2, 0, 0, S, A),
	F("decryptAES", fn_decryptaes, 2, 0, 1, S, S),
	F("deepCopy", fn_deepcopy, 1, 0, 0, A),
	F("deepEqual", fn_deepequal, 2, 0, 0, A, A),
	F("default", fn_default, 2, 1, 0, A, A),
	F("derivePassword", fn_derivepassword, 5, 0, 0, P_INT64, S, S, S, S),
	F("dict", fn_dict, 1, 1, 0, A),
	F("dig", fn_dig, 1, 1, 1, A),
	F("dir", fn_dir, 1, 0, 0, S),
	F("div", fn_div, 2, 0, 0, A, A),
	F("divf", fn_divf, 2, 1, 0, A, A),
	F("duration", fn_duration, 1, 0, 0, A),
	F("durationRound", fn_durationround, 1, 0, 0, A),
	F("empty", fn_empty, 1, 0, 0, A),
	F("encryptAES", fn_encryptaes, 2, 0, 1, S, S),
	F("eq", fn_eq, 2, 1, 1, R, R),
	F("ext", fn_ext, 1, 0, 0, S),
	F("fail", fn_fail, 1, 0, 1, S),
	F("first", fn_first, 1, 0, 0, A),
	F("float64", fn_float64, 1, 0, 0, A),
	F("floor", fn_floor, 1, 0, 0, A),
	F("fromJson", fn_fromjson, 1, 0, 0, S),
	F("fromJsonArray", fn_fromjsonarray, 1, 0, 0, S),
	F("fromToml", fn_fromtoml, 1, 0, 0, S),
	F("fromYaml", fn_fromyaml, 1, 0, 0, S),
	F("fromYamlArray", fn_fromyamlarray, 1, 0, 0, S),
	F("ge", fn_ge, 2, 0, 1, R, R),
	F("genCA", fn_genca, 2, 0, 1, S, I),
	F("genCAWithKey", fn_gencawithkey, 3, 0, 1, S, I, S),
	F("genPrivateKey", fn_genprivatekey, 1, 0, 0, S),
	F("genSelfSignedCert", fn_genselfsignedcert, 4, 0, 1, S, L, L, I),
	F("genSelfSignedCertWithKey", fn_genselfsignedcertwithkey, 5, 0, 1, S, L, L, I, S),
	F("genSignedCert", fn_gensignedcert, 5, 0, 1, S, L, L, I, C),
	F("genSignedCertWithKey", fn_gensignedcertwithkey, 6, 0, 1, S, L, L, I, C, S),
	F("get", fn_get, 2, 0, 0, M, S),
	F("getHostByName", fn_gethostbyname, 1, 0, 0, S),
	F("gt", fn_gt, 2, 0, 1, R, R),
	F("has", fn_has, 2, 0, 0, A, A),
	F("hasKey", fn_haskey, 2, 0, 0, M, S),
	F("hasPrefix", fn_hasprefix, 2, 0, 0, S, S),
	F("hasSuffix", fn_hassuffix, 2, 0, 0, S, S),
	F("hello", fn_hello, 0, 0, 0, 0),
	F("htmlDate", fn_htmldate, 1, 0, 0, A),
	F("htmlDateInZone", fn_htmldateinzone, 2, 0, 0, A, S),
	F("htpasswd", fn_htpasswd, 2, 0, 0, S, S),
	F("html", fn_html, 1, 1, 0, A),
	F("include", fn_include, 2, 0, 1, S, A),
	F("indent", fn_indent, 2, 0, 0, I, S),
	F("index", fn_index, 2, 1, 1, R, R),
	F("initial", fn_initial, 1, 0, 0, A),
	F("initials", fn_initials, 1, 0, 0, S),
	F("int", fn_int, 1, 0, 0, A),
	F("int64", fn_int64, 1, 0, 0, A),
	F("isAbs", fn_isabs, 1, 0, 0, S),
	F("join", fn_join, 2, 0, 0, S, A),
	F("js", fn_js, 1, 1, 0, A),
	F("kebabcase", fn_kebabcase, 1, 0, 0, S),
	F("keys", fn_keys, 1, 1, 0, M),
	F("kindIs", fn_kindis, 2, 0, 0, S, A),
	F("kindOf", fn_kindof, 1, 0, 0, A),
	F("last", fn_last, 1, 0, 0, A),
	F("le", fn_le, 2, 0, 1, R, R),
	F("len", fn_len, 1, 0, 1, R),
	F("list", fn_list, 1, 1, 0, A),
	F("lookup", fn_lookup, 4, 0, 1, S, S, S, S),
	F("lower", fn_lower, 1, 0, 0, S),
	F("lt", fn_lt, 2, 0, 1, R, R),
	F("max", fn_max, 2, 1, 0, A, A),
	F("maxf", fn_maxf, 2, 1, 0, A, A),
	F("merge", fn_merge, 2, 1, 0, M, M),
	F("mergeOverwrite", fn_mergeoverwrite, 2, 1, 0, M, M),
	F("min", fn_min, 2, 1, 0, A, A),
	F("minf", fn_minf, 2, 1, 0, A, A),
	F("mod", fn_mod, 2, 0, 0, A, A),
	F("mul", fn_mul, 2, 1, 0, A, A),
	F("mulf", fn_mulf, 2, 1, 0, A, A),
	F("mustAppend", fn_must_append, 2, 0, 1, A, A),
	F("mustChunk", fn_must_chunk, 2, 0, 1, I, A),
	F("mustCompact", fn_must_compact, 1, 0, 1, A),
	F("mustDateModify", fn_mustdatemodify, 2, 0, 1, S, A),
	F("must_date_modify", fn_mustdatemodify, 2, 0, 1, S, A),
	F("mustDeepCopy", fn_must_deepcopy, 1, 0, 1, A),
	F("mustFirst", fn_must_first, 1, 0, 1, A),
	F("mustFromJson", fn_mustfromjson, 1, 0, 1, S),
	F("mustHas", fn_must_has, 2, 0, 1, A, A),
	F("mustInitial", fn_must_initial, 1, 0, 1, A),
	F("mustLast", fn_must_last, 1, 0, 1, A),
	F("mustMerge", fn_must_merge, 2, 1, 1, M, M),
	F("mustMergeOverwrite", fn_must_mergeoverwrite, 2, 1, 1, M, M),
	F("mustPrepend", fn_must_prepend, 2, 0, 1, A, A),
	F("mustPush", fn_must_append, 2, 0, 1, A, A),
	F("mustRegexFind", fn_regexfind, 2, 0, 1, S, S),
	F("mustRegexFindAll", fn_regexfindall, 3, 0, 1, S, S, I),
	F("mustRegexMatch", fn_mustregexmatch, 2, 0, 1, S, S),
	F("mustRegexReplaceAll", fn_regexreplaceall, 3, 0, 1, S, S, S),
	F("mustRegexReplaceAllLiteral", fn_regexreplaceallliteral, 3, 0, 1, S, S, S),
	F("mustRegexSplit", fn_regexsplit, 3, 0, 1, S, S, I),
	F("mustRest", fn_must_rest, 1, 0, 1, A),
	F("mustReverse", fn_must_reverse, 1, 0, 1, A),
	F("mustSlice", fn_must_slice, 2, 1, 1, A, A),
	F("mustToDate", fn_musttodate, 2, 0, 1, S, S),
	F("mustToJson", fn_musttojson, 1, 0, 1, A),
	F("mustToPrettyJson", fn_toprettyjson, 1, 0, 1, A),
	F("mustToRawJson", fn_torawjson, 1, 0, 1, A),
	F("mustUniq", fn_must_uniq, 1, 0, 1, A),
	F("mustWithout", fn_must_without, 2, 1, 1, A, A),
	F("ne", fn_ne, 2, 0, 1, R, R),
	F("nindent", fn_nindent, 2, 0, 0, I, S),
	F("nospace", fn_nospace, 1, 0, 0, S),
	F("not", fn_not, 1, 0, 0, R),
	F("now", fn_now, 0, 0, 0, 0),
	F("omit", fn_omit, 2, 1, 0, M, S),
	F("or", NULL, 2, 1, 0, R, R),
	F("osBase", fn_base, 1, 0, 0, S),
	F("osClean", fn_clean, 1, 0, 0, S),
	F("osDir", fn_dir, 1, 0, 0, S),
	F("osExt", fn_ext, 1, 0, 0, S),
	F("osIsAbs", fn_isabs, 1, 0, 0, S),
	F("pick", fn_pick, 2, 1, 0, M, S),
	F("pluck", fn_pluck, 2, 1, 0, S, M),
	F("plural", fn_plural, 3, 0, 0, S, S, I),
	F("prepend", fn_prepend, 2, 0, 0, A, A),
	F("print", fn_print, 1, 1, 0, A),
	F("printf", fn_printf, 2, 1, 0, S, A),
	F("println", fn_println, 1, 1, 0, A),
	F("push", fn_append, 2, 0, 0, A, A),
	F("quote", fn_quote, 1, 1, 0, A),
	F("randAlpha", fn_randalpha, 1, 0, 0, I),
	F("randAlphaNum", fn_randalphanum, 1, 0, 0, I),
	F("randAscii", fn_randascii, 1, 0, 0, I),
	F("randBytes", fn_randbytes, 1, 0, 1, I),
	F("randInt", fn_randint, 2, 0, 0, I, I),
	F("randNumeric", fn_randnumeric, 1, 0, 0, I),
	F("regexFind", fn_regexfind, 2, 0, 0, S, S),
	F("regexFindAll", fn_regexfindall, 3, 0, 0, S, S, I),
	F("regexMatch", fn_regexmatch, 2, 0, 0, S, S),
	F("regexQuoteMeta", fn_regexquotemeta, 1, 0, 0, S),
	F("regexReplaceAll", fn_regexreplaceall, 3, 0, 0, S, S, S),
	F("regexReplaceAllLiteral", fn_regexreplaceallliteral, 3, 0, 0, S, S, S),
	F("regexSplit", fn_regexsplit, 3, 0, 0, S, S, I),
	F("repeat", fn_repeat, 2, 0, 0, I, S),
	F("replace", fn_replace, 3, 0, 0, S, S, S),
	F("required", fn_required, 2, 0, 1, S, A),
	F("rest", fn_rest, 1, 0, 0, A),
	F("reverse", fn_reverse, 1, 0, 0, A),
	F("round", fn_round, 3, 1, 0, A, I, FL),
	F("semver", fn_semver, 1, 0, 1, S),
	F("semverCompare", fn_semvercompare, 2, 0, 1, S, S),
	F("seq", fn_seq, 1, 1, 0, I),
	F("set", fn_set, 3, 0, 0, M, S, A),
	F("sha1sum", fn_sha1sum, 1, 0, 0, S),
	F("sha256sum", fn_sha256sum, 1, 0, 0, S),
	F("sha512sum", fn_sha512sum, 1, 0, 0, S),
	F("shuffle", fn_shuffle, 1, 0, 0, S),
	F("slice", fn_slice, 2, 1, 0, A, A),
	F("snakecase", fn_snakecase, 1, 0, 0, S),
	F("sortAlpha", fn_sortalpha, 1, 0, 0, A),
	F("split", fn_split, 2, 0, 0, S, S),
	F("splitList", fn_splitlist, 2, 0, 0, S, S),
	F("splitn", fn_splitn, 3, 0, 0, S, I, S),
	F("squote", fn_squote, 1, 1, 0, A),
	F("sub", fn_sub, 2, 0, 0, A, A),
	F("subf", fn_subf, 2, 1, 0, A, A),
	F("substr", fn_substr, 3, 0, 0, I, I, S),
	F("swapcase", fn_swapcase, 1, 0, 0, S),
	F("ternary", fn_ternary, 3, 0, 0, A, A, B),
	F("title", fn_title, 1, 0, 0, S),
	F("toDate", fn_todate, 2, 0, 0, S, S),
	F("toDecimal", fn_todecimal, 1, 0, 0, A),
	F("toJson", fn_tojson, 1, 0, 0, A),
	F("toPrettyJson", fn_toprettyjson, 1, 0, 0, A),
	F("toRawJson", fn_torawjson, 1, 0, 0, A),
	F("toString", fn_tostring, 1, 0, 0, A),
	F("toStrings", fn_tostrings, 1, 0, 0, A),
	F("toToml", fn_totoml, 1, 0, 0, A),
	F("toYaml", fn_toyaml, 1, 0, 0, A),
	F("toYamlPretty", fn_toyamlpretty, 1, 0, 0, A),
	F("tpl", fn_tpl, 2, 0, 1, S, A),
	F("trim", fn_trim, 1, 0, 0, S),
	F("trimAll", fn_trimall, 2, 0, 0, S, S),
	F("trimPrefix", fn_trimprefix, 2, 0, 0, S, S),
	F("trimSuffix", fn_trimsuffix, 2, 0, 0, S, S),
	F("trimall", fn_trimall, 2, 0, 0, S, S),
	F("trunc", fn_trunc, 2, 0, 0, I, S),
	F("tuple", fn_list, 1, 1, 0, A),
	F("typeIs", fn_typeis, 2, 0, 0, S, A),
	F("typeIsLike", fn_typeislike, 2, 0, 0, S, A),
	F("typeOf", fn_typeof, 1, 0, 0, A),
	F("uniq", fn_uniq, 1, 0, 0, A),
	F("unixEpoch", fn_unixepoch, 1, 0, 0, A),
	F("unset", fn_unset, 2, 0, 0, M, S),
	F("until", fn_until, 1, 0, 0, I),
	F("untilStep", fn_untilstep, 3, 0, 0, I, I, I),
	F("untitle", fn_untitle, 1, 0, 0, S),
	F("upper", fn_upper, 1, 0, 0, S),
	F("urlJoin", fn_urljoin, 1, 0, 0, M),
	F("urlParse", fn_urlparse, 1, 0, 0, S),
	F("urlquery", fn_urlquery, 1, 1, 0, A),
	F("uuidv4", fn_uuidv4, 0, 0, 0, 0),
	F("values", fn_values, 1, 0, 0, M),
	F("without", fn_without, 2, 1, 0, A, A),
	F("wrap", fn_wrap, 2, 0, 0, I, S),
	F("wrapWith", fn_wrapwith, 3, 0, 0, I, S, S),
};

static int func_cmp(const void *key, const void *elem)
{
	const struct { const char *s; size_t n; } *k = key;
	const struct hfunc *f = elem;
	int c = strncmp(k->s, f->name, k->n);
	if (c)
		return c;
	return f->name[k->n] ? -1 : 0;
}

static int func_order(const void *a, const void *b)
{
	return strcmp(((const struct hfunc *)a)->name, ((const struct hfunc *)b)->name);
}

const struct hfunc *func_lookup(const char *name, size_t len)
{
	static bool sorted;
	struct { const char *s; size_t n; } k = { name, len };
	if (!sorted) {
		qsort(funcs, sizeof(funcs) / sizeof(*funcs), sizeof(*funcs), func_order);
		sorted = true;
	}
	return bsearch(&k, funcs, sizeof(funcs) / sizeof(*funcs), sizeof(*funcs), func_cmp);
}

/* Methods: by receiver type, then name. fn NULL: a method this engine leaves to helm. */
static const struct hfunc files_methods[] = {
	F("AsConfig", m_files_asconfig, 0, 0, 0, 0),
	F("AsSecrets", m_files_assecrets, 0, 0, 0, 0),
	F("Get", m_files_get, 1, 0, 0, S),
	F("GetBytes", m_files_getbytes, 1, 0, 0, S),
	F("Glob", m_files_glob, 1, 0, 0, S),
	F("Lines", m_files_lines, 1, 0, 0, S),
};
static const struct hfunc values_methods[] = {
	F("AsMap", NULL, 0, 0, 0, 0),
	F("Encode", NULL, 1, 0, 1, A),
	F("PathValue", NULL, 1, 0, 1, S),
	F("Table", NULL, 1, 0, 1, S),
	F("YAML", NULL, 0, 0, 1, 0),
};
static const struct hfunc versionset_methods[] = {
	F("Has", m_versionset_has, 1, 0, 0, S),
};
static const struct hfunc kubeversion_methods[] = {
	F("GitVersion", m_kubeversion_string, 0, 0, 0, 0),
	F("String", m_kubeversion_string, 0, 0, 0, 0),
};

static const struct hfunc semver_methods[] = {
	F("Compare", NULL, 1, 0, 0, A),
	F("Equal", NULL, 1, 0, 0, A),
	F("GreaterThan", NULL, 1, 0, 0, A),
	F("GreaterThanEqual", NULL, 1, 0, 0, A),
	F("IncMajor", NULL, 0, 0, 0, 0),
	F("IncMinor", NULL, 0, 0, 0, 0),
	F("IncPatch", NULL, 0, 0, 0, 0),
	F("LessThan", NULL, 1, 0, 0, A),
	F("LessThanEqual", NULL, 1, 0, 0, A),
	F("Major", m_semver_major, 0, 0, 0, 0),
	F("MarshalJSON", NULL, 0, 0, 1, 0),
	F("MarshalText", NULL, 0, 0, 1, 0),
	F("Metadata", m_semver_metadata, 0, 0, 0, 0),
	F("Minor", m_semver_minor, 0, 0, 0, 0),
	F("Original", m_semver_original, 0, 0, 0, 0),
	F("Patch", m_semver_patch, 0, 0, 0, 0),
	F("Prerelease", m_semver_prerelease, 0, 0, 0, 0),
	F("Scan", NULL, 1, 0, 1, A),
	F("SetMetadata", NULL, 1, 0, 1, S),
	F("SetPrerelease", NULL, 1, 0, 1, S),
	F("String", m_semver_string, 0, 0, 0, 0),
	F("UnmarshalJSON", NULL, 1, 0, 1, A),
	F("UnmarshalText", NULL, 1, 0, 1, A),
	F("Value", NULL, 0, 0, 1, 0),
};

static const struct hfunc *find_method(const struct hfunc *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

const struct hfunc *method_lookup(struct hv recv, const char *name)
{
	if (name[0] < 'A' || name[0] > 'Z')
		return NULL;
	if (recv.k == HV_MAP && recv.go == GO_FILES)
		return find_method(files_methods, sizeof(files_methods) / sizeof(*files_methods), name);
	if (recv.k == HV_MAP && recv.go == GO_VALUES)
		return find_method(values_methods, sizeof(values_methods) / sizeof(*values_methods), name);
	if (recv.k == HV_LIST && recv.go == GO_VERSIONSET)
		return find_method(versionset_methods, 1, name);
	if (recv.k == HV_OBJ && !strcmp(recv.u.o->type, "chartutil.KubeVersion"))
		return find_method(kubeversion_methods, 2, name);
	if (recv.k == HV_OBJ && !strcmp(recv.u.o->type, "*semver.Version"))
		return find_method(semver_methods, sizeof(semver_methods) / sizeof(*semver_methods), name);
	return NULL;
}
