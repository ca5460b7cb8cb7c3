/* kz generate: configMapGenerator and secretGenerator (literals, files, env files, behavior,
 * options, type, generatorOptions), and the name suffix kustomize hashes from the result. */
#define _GNU_SOURCE
#include "kz.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sha256.h"
#include "yaml.h"

/* ---- base64, as kyaml writes generated data: lines of 70, each ended by \n when more than one ---- */

char *kz_base64_lines(const char *s, size_t len)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t enc = (len + 2) / 3 * 4, lines = enc / 70 + 1;
	char *in = malloc(enc + 1), *out = malloc(enc + lines + 1);
	const unsigned char *p = (const unsigned char *)s;
	size_t k = 0;
	if (!in || !out) {
		free(in);
		free(out);
		return NULL;
	}
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < len ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < len ? p[i + 2] : 0);
		in[k++] = alphabet[v >> 18 & 63];
		in[k++] = alphabet[v >> 12 & 63];
		in[k++] = i + 1 < len ? alphabet[v >> 6 & 63] : '=';
		in[k++] = i + 2 < len ? alphabet[v & 63] : '=';
	}
	k = 0;
	for (size_t i = 0; i < enc; i += 70) {
		size_t j = i + 70 > enc ? enc : i + 70;
		memcpy(out + k, in + i, j - i);
		k += j - i;
		if (lines > 1)
			out[k++] = '\n';
	}
	out[k] = '\0';
	free(in);
	return out;
}

/* ---- Go's encoding/json, for the hash: sorted keys, HTML-safe escapes ---- */

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void go_string(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	put(b, "\"", 1);
	while (p < end) {
		unsigned char c = *p;
		if (c < 0x80) {
			char esc[8];
			if (c == '"' || c == '\\') {
				esc[0] = '\\', esc[1] = (char)c, esc[2] = 0;
			} else if (c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') {
				esc[0] = '\\';
				esc[1] = c == '\b' ? 'b' : c == '\f' ? 'f' : c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
				esc[2] = 0;
			} else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
				snprintf(esc, sizeof(esc), "\\u00%c%c", hex[c >> 4], hex[c & 15]);
			} else {
				esc[0] = (char)c, esc[1] = 0;
			}
			puts_(b, esc);
			p++;
			continue;
		}
		size_t n = gt_utf8_sequence(p, (size_t)(end - p));
		if (!n) {
			puts_(b, "\\ufffd");
			p++;
		} else if (n == 3 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
			puts_(b, p[2] == 0xa8 ? "\\u2028" : "\\u2029");
			p += 3;
		} else {
			put(b, (const char *)p, n);
			p += n;
		}
	}
	put(b, "\"", 1);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void go_json(struct buf *b, const json_t *v)
{
	char num[40];
	size_t i;
	json_t *c;
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		size_t n = json_object_size(v), k = 0;
		const char **keys = malloc((n ? n : 1) * sizeof(*keys));
		const char *key;
		if (!keys) {
			b->oom = true;
			return;
		}
		json_object_foreach((json_t *)v, key, c)
			keys[k++] = key;
		qsort(keys, n, sizeof(*keys), cmp_str);
		put(b, "{", 1);
		for (k = 0; k < n; k++) {
			if (k)
				put(b, ",", 1);
			go_string(b, keys[k], strlen(keys[k]));
			put(b, ":", 1);
			go_json(b, json_object_get(v, keys[k]));
		}
		put(b, "}", 1);
		free(keys);
		return;
	}
	case JSON_ARRAY:
		put(b, "[", 1);
		json_array_foreach(v, i, c) {
			if (i)
				put(b, ",", 1);
			go_json(b, c);
		}
		put(b, "]", 1);
		return;
	case JSON_STRING:
		go_string(b, json_string_value(v), json_string_length(v));
		return;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		puts_(b, num);
		return;
	case JSON_REAL:
		puts_(b, gt_json_format_real(json_real_value(v), num));
		return;
	case JSON_TRUE:
		puts_(b, "true");
		return;
	case JSON_FALSE:
		puts_(b, "false");
		return;
	case JSON_NULL:
		puts_(b, "null");
		return;
	}
}

/* ---- the hash (kustomize's hasher) ---- */

/* getNodeValues: a map as JSON, a scalar as its text, a missing field as "". */
static json_t *node_value(const json_t *obj, const char *field)
{
	const json_t *v = json_object_get(obj, field);
	if (!v)
		return json_string("");
	if (json_is_object(v) || json_is_array(v))
		return json_deep_copy(v);
	char *t = gt_yaml_scalar_text(v);
	json_t *s = json_string(t ? t : "");
	free(t);
	return s;
}

/* The encoded digest: the first 10 hex digits with 0 1 3 a e as g h k m t. NULL for other kinds. */
static char *hash_of(const json_t *obj)
{
	const char *kind = kz_str(obj, "kind");
	bool secret = !strcmp(kind, "Secret");
	json_t *m = json_object();
	/* The name is looked up as one field "metadata/name", so it is always "". */
	json_object_set_new(m, "kind", json_string(kind));
	json_object_set_new(m, "name", json_string(""));
	json_object_set_new(m, "data", node_value(obj, "data"));
	if (secret) {
		json_object_set_new(m, "type", node_value(obj, "type"));
		if (json_is_object(json_object_get(obj, "stringData")))
			json_object_set_new(m, "stringData", node_value(obj, "stringData"));
	} else if (json_is_object(json_object_get(obj, "binaryData"))) {
		json_object_set_new(m, "binaryData", node_value(obj, "binaryData"));
	}
	struct buf b = { 0 };
	go_json(&b, m);
	json_decref(m);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	char hex[65];
	gt_sha256_hex(b.p, b.len, hex);
	free(b.p);
	hex[10] = '\0';
	for (char *c = hex; *c; c++)
		*c = *c == '0' ? 'g' : *c == '1' ? 'h' : *c == '3' ? 'k' : *c == 'a' ? 'm' : *c == 'e' ? 't' : *c;
	return strdup(hex);
}

int kz_add_hashes(struct kz_build *b, struct kz_resmap *rm)
{
	for (size_t i = 0; i < rm->n; i++) {
		struct kz_res *r = rm->v[i];
		if (!kz_build_get(r, KZ_NEEDS_HASH))
			continue;
		const char *kind = kz_res_kind(r);
		if (strcmp(kind, "ConfigMap") && strcmp(kind, "Secret"))
			return kz_unsupported(b->e, "a generated %s needs a hash of the whole object", kind);
		char *h = hash_of(r->obj), *name = h ? kz_printf("%s-%s", kz_res_name(r), h) : NULL;
		int st = name && kz_res_store_previous_id(r) == 0 && kz_res_set_name(r, name) == 0 ? 0 : -1;
		free(h);
		free(name);
		if (st < 0)
			return kz_fail(b->e, "out of memory");
	}
	return 0;
}

/* ---- key/value sources (kustomize's kv loader) ---- */

/* k8s IsConfigMapKey. */
static bool valid_key(const char *k)
{
	size_t n = strlen(k);
	if (!n || n > 253 || strspn(k, "-._abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != n)
		return false;
	return strcmp(k, ".") && strcmp(k, "..") && strncmp(k, "..", 2);
}

/* k8s IsEnvVarName: [-._a-zA-Z][-._a-zA-Z0-9]* */
static bool valid_env_name(const char *k, size_t n)
{
	static const char first[] = "-._abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	if (!n || !strchr(first, k[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!strchr(first, k[i]) && !(k[i] >= '0' && k[i] <= '9'))
			return false;
	return true;
}

/* Key/value pairs; values are bytes (a file may hold anything), keys are checked text. */
struct pair {
	char *key, *val;
	size_t len;
};
struct pairs {
	struct pair *v;
	size_t n;
	const char *gen;
	struct kz_err *e;
};

static void pairs_free(struct pairs *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].key);
		free(p->v[i].val);
	}
	free(p->v);
}

static int add_pair(struct pairs *p, const char *k, size_t klen, const char *v, size_t vlen)
{
	char *key = strndup(k, klen), *val = malloc(vlen + 1);
	struct pair *np = realloc(p->v, (p->n + 1) * sizeof(*np));
	if (np)
		p->v = np;
	if (!key || !val || !np) {
		free(key);
		free(val);
		return kz_fail(p->e, "out of memory");
	}
	memcpy(val, v, vlen);
	val[vlen] = '\0';
	int st = -1;
	bool dup = false;
	for (size_t i = 0; i < p->n; i++)
		dup = dup || !strcmp(p->v[i].key, key);
	if (!valid_key(key))
		kz_unsupported(p->e, "generator %s: invalid key '%s'", p->gen, key);
	else if (dup)
		kz_unsupported(p->e, "configmap %s illegally repeats the key `%s`", p->gen, key);
	else
		st = 0;
	if (st < 0) {
		free(key);
		free(val);
		return -1;
	}
	p->v[p->n++] = (struct pair){ key, val, vlen };
	return 0;
}

/* Go's bufio.Scanner lines: \n-separated, a final \r dropped, unicode.IsSpace trimmed on the left. */
static int env_lines(struct pairs *p, const struct kz_file *f)
{
	const char *s = f->text, *end = f->text + f->len;
	bool first = true;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s)), *le = nl ? nl : end;
		const char *line = s;
		s = nl ? nl + 1 : end;
		if (le > line && le[-1] == '\r')
			le--;
		if (first && le - line >= 3 && !memcmp(line, "\xef\xbb\xbf", 3))
			line += 3;
		first = false;
		for (const char *c = line; c < le; c++)
			if ((unsigned char)*c >= 0x80)
				return kz_unsupported(p->e, "%s: a line with non-ASCII bytes", f->path);
		while (line < le && (*line == ' ' || *line == '\t' || *line == '\n' || *line == '\v' || *line == '\f' ||
				     *line == '\r'))
			line++;
		if (line == le || *line == '#')
			continue;
		const char *eq = memchr(line, '=', (size_t)(le - line));
		size_t klen = eq ? (size_t)(eq - line) : (size_t)(le - line);
		if (!valid_env_name(line, klen))
			return kz_unsupported(p->e, "%s: '%.*s' is not a valid environment variable name", f->path,
					      (int)klen, line);
		if (add_pair(p, line, klen, eq ? eq + 1 : "", eq ? (size_t)(le - eq - 1) : 0) < 0)
			return -1;
	}
	return 0;
}

/* A literal's value loses one pair of matching quotes. */
static int literal(struct pairs *p, const char *src)
{
	const char *eq = strchr(src, '=');
	if (!eq || eq == src)
		return kz_unsupported(p->e, "invalid literal source %s, expected key=value", src);
	const char *v = eq + 1;
	size_t n = strlen(v);
	if (n >= 2 && v[0] == v[n - 1] && (v[0] == '"' || v[0] == '\''))
		v++, n -= 2;
	return add_pair(p, src, (size_t)(eq - src), v, n);
}

static int file_source(struct kz_build *b, const struct kz_kust *k, struct pairs *p, const char *src)
{
	const char *eq = strchr(src, '='), *path = eq ? eq + 1 : src;
	const char *key = eq ? src : strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
	size_t klen = eq ? (size_t)(eq - src) : strlen(key);
	struct kz_file *f = kz_load_file(b->tree, k, path, b->e);
	if (!f)
		return -1;
	if (!eq && !*key)
		return kz_unsupported(p->e, "files entry '%s'", src);
	return add_pair(p, key, klen, f->text, f->len);
}

static int collect_pairs(struct kz_build *b, const struct kz_kust *k, const json_t *args, struct pairs *p)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(args, "envs"), i, v) {
		struct kz_file *f = kz_load_file(b->tree, k, json_string_value(v), b->e);
		if (!f || env_lines(p, f) < 0)
			return -1;
	}
	if (*kz_str(args, "env")) {
		struct kz_file *f = kz_load_file(b->tree, k, kz_str(args, "env"), b->e);
		if (!f || env_lines(p, f) < 0)
			return -1;
	}
	json_array_foreach(json_object_get(args, "literals"), i, v)
		if (literal(p, json_string_value(v)) < 0)
			return -1;
	json_array_foreach(json_object_get(args, "files"), i, v)
		if (file_source(b, k, p, json_string_value(v)) < 0)
			return -1;
	return 0;
}

/* ---- the generated object ---- */

static bool utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	while (p < end) {
		size_t n = gt_utf8_sequence(p, (size_t)(end - p));
		if (!n)
			return false;
		p += n;
	}
	return true;
}

static int cmp_pair(const void *a, const void *b)
{
	return strcmp(((const struct pair *)a)->key, ((const struct pair *)b)->key);
}

/* LoadMapIntoConfigMapData / LoadMapIntoSecretData: keys in order; ConfigMap values that are
 * not UTF-8 go to binaryData, Secret values are all base64. */
static int set_sorted_data(json_t *obj, struct pairs *p, bool secret)
{
	qsort(p->v, p->n, sizeof(*p->v), cmp_pair);
	if (secret && json_object_set_new(obj, "data", json_object()) < 0)
		return -1;
	for (size_t k = 0; k < p->n; k++) {
		const char *s = p->v[k].val;
		size_t len = p->v[k].len;
		bool text = !secret && utf8_valid(s, len);
		const char *field = text || secret ? "data" : "binaryData";
		json_t *dst = json_object_get(obj, field);
		if (!dst) {
			dst = json_object();
			if (!dst || json_object_set_new(obj, field, dst) < 0)
				return -1;
		}
		if (text) {
			if (json_object_set_new(dst, p->v[k].key, json_stringn(s, len)) < 0)
				return -1;
		} else {
			char *b64 = kz_base64_lines(s, len);
			if (!b64 || json_object_set_new(dst, p->v[k].key, json_string(b64)) < 0)
				return free(b64), -1;
			free(b64);
		}
	}
	return 0;
}

/* MergeGlobalOptionsIntoLocal: local options win key by key; the flags are or-ed. */
static json_t *merged_options(const json_t *local, const json_t *global)
{
	json_t *o = json_is_object(local) ? json_deep_copy(local) : json_object();
	if (!o || !json_is_object(global))
		return o;
	const char *maps[] = { "labels", "annotations" };
	for (size_t i = 0; i < 2; i++) {
		json_t *g = json_object_get(global, maps[i]), *l = json_object_get(o, maps[i]);
		if (!json_is_object(g))
			continue;
		if (!json_is_object(l)) {
			json_object_set_new(o, maps[i], json_deep_copy(g));
			continue;
		}
		json_object_update_missing(l, g);
	}
	if (json_is_true(json_object_get(global, "disableNameSuffixHash")))
		json_object_set_new(o, "disableNameSuffixHash", json_true());
	if (json_is_true(json_object_get(global, "immutable")))
		json_object_set_new(o, "immutable", json_true());
	return o;
}

static json_t *string_map_of(const json_t *m)
{
	json_t *out = json_object();
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)m, k, v)
		json_object_set_new(out, k, json_string(json_is_string(v) ? json_string_value(v) : ""));
	return out;
}

static struct kz_res *generate_one(struct kz_build *b, const struct kz_kust *k, const json_t *args, bool secret)
{
	const char *name = kz_str(args, "name"), *ns = kz_str(args, "namespace");
	struct pairs p = { NULL, 0, name, b->e };
	json_t *opts = merged_options(json_object_get(args, "options"), json_object_get(k->k, "generatorOptions"));
	json_t *obj = json_object(), *meta = json_object();
	struct kz_res *r = NULL;
	if (!opts || !obj || !meta) {
		kz_fail(b->e, "out of memory");
		goto out;
	}
	if (!*name) {
		kz_unsupported(b->e, "%s: a %s without a name", k->shown, secret ? "secretGenerator" : "configMapGenerator");
		goto out;
	}
	json_object_set_new(obj, "apiVersion", json_string("v1"));
	json_object_set_new(obj, "kind", json_string(secret ? "Secret" : "ConfigMap"));
	json_object_set_new(meta, "name", json_string(name));
	if (*ns)
		json_object_set_new(meta, "namespace", json_string(ns));
	json_object_set(obj, "metadata", meta);
	if (secret)
		json_object_set_new(obj, "type", json_string(*kz_str(args, "type") ? kz_str(args, "type") : "Opaque"));
	if (collect_pairs(b, k, args, &p) < 0)
		goto out;
	if (set_sorted_data(obj, &p, secret) < 0) {
		kz_fail(b->e, "out of memory");
		goto out;
	}
	if (json_object_size(json_object_get(opts, "labels")))
		json_object_set_new(meta, "labels", string_map_of(json_object_get(opts, "labels")));
	if (json_object_size(json_object_get(opts, "annotations")))
		json_object_set_new(meta, "annotations", string_map_of(json_object_get(opts, "annotations")));
	if (json_is_true(json_object_get(opts, "immutable")))
		json_object_set_new(obj, "immutable", json_true());
	r = kz_res_new(json_incref(obj));
	if (!r) {
		kz_fail(b->e, "out of memory");
		goto out;
	}
	if (!json_is_true(json_object_get(opts, "disableNameSuffixHash")))
		kz_build_set(r, KZ_NEEDS_HASH, "enabled");
	const char *bh = kz_str(args, "behavior");
	kz_build_set(r, KZ_BEHAVIOR, !strcmp(bh, "create") || !strcmp(bh, "replace") || !strcmp(bh, "merge") ? bh
											       : "unspecified");
out:
	pairs_free(&p);
	json_decref(opts);
	json_decref(obj);
	json_decref(meta);
	return r;
}

int kz_run_generators(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc)
{
	const char *lists[] = { "configMapGenerator", "secretGenerator" };
	for (size_t l = 0; l < 2; l++) {
		size_t i;
		json_t *args;
		json_array_foreach(json_object_get(k->k, lists[l]), i, args) {
			struct kz_res *r = generate_one(b, k, args, l == 1);
			if (!r || kz_resmap_absorb(&acc->rm, r, b->e) < 0)
				return -1;
		}
	}
	return 0;
}
