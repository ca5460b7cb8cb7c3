/* json: encoding/json as helm's toJson and sprig's toPrettyJson/toRawJson use it (keys in byte
 * order, HTML escaping, Go's float forms, []byte as base64, structs by their json tags), and
 * json.Unmarshal into interface{} for fromJson. */
#define _GNU_SOURCE
#include "helm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

void base64_encode(struct buf *b, const unsigned char *s, size_t n);

static void jstring(struct buf *b, const char *s, size_t n, bool html)
{
	static const char hex[] = "0123456789abcdef";
	buf_addc(b, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			if (c == '"' || c == '\\') {
				buf_addc(b, '\\');
				buf_addc(b, (char)c);
			} else if (c == '\n') {
				buf_adds(b, "\\n");
			} else if (c == '\r') {
				buf_adds(b, "\\r");
			} else if (c == '\t') {
				buf_adds(b, "\\t");
			} else if (c == '\b') {
				buf_adds(b, "\\b");
			} else if (c == '\f') {
				buf_adds(b, "\\f");
			} else if (c < 0x20 || (html && (c == '<' || c == '>' || c == '&'))) {
				char e[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };
				buf_add(b, e, 6);
			} else {
				buf_addc(b, (char)c);
			}
			i++;
			continue;
		}
		/* a valid UTF-8 sequence as it is, U+2028/9 escaped, invalid bytes as U+FFFD */
		size_t k = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
		bool ok = k && i + k <= n;
		for (size_t j = 1; ok && j < k; j++)
			ok = ((unsigned char)s[i + j] & 0xc0) == 0x80;
		if (ok && k == 3) {
			unsigned r = (c & 0x0f) << 12 | ((unsigned char)s[i + 1] & 0x3f) << 6 | ((unsigned char)s[i + 2] & 0x3f);
			ok = r >= 0x800 && (r < 0xd800 || r > 0xdfff);
			if (ok && (r == 0x2028 || r == 0x2029)) {
				buf_printf(b, "\\u%04x", r);
				i += 3;
				continue;
			}
		}
		if (ok && k == 4) {
			unsigned r = (c & 0x07) << 18 | ((unsigned char)s[i + 1] & 0x3f) << 12;
			ok = r >= 0x10000 && r <= 0x10ffff;
		}
		if (!ok) {
			buf_adds(b, "\xef\xbf\xbd");
			i++;
			continue;
		}
		buf_add(b, s + i, k);
		i += k;
	}
	buf_addc(b, '"');
}

static void newline(struct buf *b, const char *indent, int depth)
{
	buf_addc(b, '\n');
	for (int i = 0; i < depth; i++)
		buf_adds(b, indent);
}

static int marshal(struct buf *b, struct hv v, bool html, const char *indent, int depth, const char **why)
{
	char num[64];
	switch (v.k) {
	case HV_NIL:
		buf_adds(b, "null");
		return 0;
	case HV_BOOL:
		buf_adds(b, v.u.b ? "true" : "false");
		return 0;
	case HV_INT:
		buf_printf(b, "%lld", (long long)v.u.i);
		return 0;
	case HV_FLOAT:
		if (!isfinite(v.u.f)) {
			*why = "toJson of infinity or NaN";
			return -1;
		}
		buf_adds(b, gt_json_format_real(v.u.f, num));
		return 0;
	case HV_STRING:
		if (v.go == GO_BYTES) {
			buf_addc(b, '"');
			base64_encode(b, (const unsigned char *)v.u.s->s, v.u.s->len);
			buf_addc(b, '"');
			return 0;
		}
		jstring(b, v.u.s->s, v.u.s->len, html);
		return 0;
	case HV_MAP:
		if (v.go == GO_FILES) {
			*why = "toJson of .Files";
			return -1;
		}
		buf_addc(b, '{');
		for (size_t i = 0; i < v.u.m->n; i++) {
			if (i)
				buf_addc(b, ',');
			if (indent)
				newline(b, indent, depth + 1);
			jstring(b, v.u.m->kv[i].key->s, v.u.m->kv[i].key->len, html);
			buf_adds(b, indent ? ": " : ":");
			if (marshal(b, v.u.m->kv[i].val, html, indent, depth + 1, why) < 0)
				return -1;
		}
		if (indent && v.u.m->n)
			newline(b, indent, depth);
		buf_addc(b, '}');
		return 0;
	case HV_LIST:
		if (v.u.l->is_nil) {
			buf_adds(b, "null");
			return 0;
		}
		buf_addc(b, '[');
		for (size_t i = 0; i < v.u.l->n; i++) {
			if (i)
				buf_addc(b, ',');
			if (indent)
				newline(b, indent, depth + 1);
			if (marshal(b, v.u.l->v[i], html, indent, depth + 1, why) < 0)
				return -1;
		}
		if (indent && v.u.l->n)
			newline(b, indent, depth);
		buf_addc(b, ']');
		return 0;
	case HV_OBJ: {
		if (v.u.o->json_str) {
			jstring(b, v.u.o->json_str, strlen(v.u.o->json_str), html);
			return 0;
		}
		buf_addc(b, '{');
		bool first = true;
		for (size_t i = 0; i < v.u.o->n; i++) {
			struct hfield *f = &v.u.o->f[i];
			if (!f->json || (f->omit && hv_empty(f->val)))
				continue;
			if (!first)
				buf_addc(b, ',');
			first = false;
			if (indent)
				newline(b, indent, depth + 1);
			jstring(b, f->json, strlen(f->json), html);
			buf_adds(b, indent ? ": " : ":");
			if (marshal(b, f->val, html, indent, depth + 1, why) < 0)
				return -1;
		}
		if (indent && !first)
			newline(b, indent, depth);
		buf_addc(b, '}');
		return 0;
	}
	}
	*why = "toJson of this value";
	return -1;
}

int json_marshal(struct buf *b, struct hv v, bool html, const char *indent, const char **why)
{
	return marshal(b, v, html, indent, 0, why);
}

int json_unmarshal(const char *s, size_t n, struct hv *out, char **err)
{
	json_error_t e;
	*err = NULL;
	json_t *j = json_loadb(s, n, JSON_DECODE_ANY, &e);
	if (!j) {
		*err = strdup(e.text);
		*out = HV_NIL_V;
		return -1;
	}
	*out = hv_from_json(j);
	json_decref(j);
	return 0;
}
