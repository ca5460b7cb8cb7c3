/* jsonpatch: JSON values compared by value, RFC 6901 pointers, RFC 6902 patches made and applied. */
#include "jsonpatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---- values ------------------------------------------------------------------------------ */

bool gt_json_equal_value(const json_t *a, const json_t *b)
{
	if (a == b)
		return true;
	if (!a || !b)
		return false;
	if (json_is_number(a) && json_is_number(b)) {
		if (json_is_integer(a) && json_is_integer(b))
			return json_integer_value(a) == json_integer_value(b);
		return json_number_value(a) == json_number_value(b);
	}
	if (json_typeof(a) != json_typeof(b))
		return false;
	switch (json_typeof(a)) {
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b) &&
		       !memcmp(json_string_value(a), json_string_value(b), json_string_length(a));
	case JSON_ARRAY: {
		size_t n = json_array_size(a);
		if (n != json_array_size(b))
			return false;
		for (size_t i = 0; i < n; i++)
			if (!gt_json_equal_value(json_array_get(a, i), json_array_get(b, i)))
				return false;
		return true;
	}
	case JSON_OBJECT: {
		if (json_object_size(a) != json_object_size(b))
			return false;
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)a, k, v) {
			if (!gt_json_equal_value(v, json_object_get(b, k)))
				return false;
		}
		return true;
	}
	default: /* true, false, null: same type is the same value */
		return true;
	}
}

/* ---- JSON pointers --------------------------------------------------------------------------- */

int gt_pointer_append(struct gt_strbuf *path, const char *seg)
{
	if (gt_strbuf_add(path, "/", 1) < 0)
		return -1;
	for (const char *p = seg; *p; p++) {
		const char *c = *p == '~' ? "~0" : *p == '/' ? "~1" : p;
		if (gt_strbuf_add(path, c, c == p ? 1 : 2) < 0)
			return -1;
	}
	return 0;
}

static int pointer_append_index(struct gt_strbuf *path, size_t i)
{
	char seg[32];
	snprintf(seg, sizeof(seg), "%zu", i);
	return gt_pointer_append(path, seg);
}

/* Split an RFC 6901 pointer into unescaped segments (a new array of strings); NULL with *why. */
json_t *gt_pointer_split(const char *ptr, const char **why)
{
	json_t *segs = json_array();
	if (!segs)
		return *why = "out of memory", NULL;
	if (!*ptr)
		return segs;
	if (*ptr != '/') {
		json_decref(segs);
		return *why = "a JSON pointer starts with /", NULL;
	}
	const char *p = ptr + 1;
	for (;;) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *seg = malloc(n + 1), *o = seg;
		if (!seg) {
			json_decref(segs);
			return *why = "out of memory", NULL;
		}
		for (size_t i = 0; i < n; i++) {
			if (p[i] != '~') {
				*o++ = p[i];
				continue;
			}
			if (i + 1 < n && (p[i + 1] == '0' || p[i + 1] == '1')) {
				*o++ = p[i + 1] == '0' ? '~' : '/';
				i++;
				continue;
			}
			free(seg);
			json_decref(segs);
			return *why = "~ must be followed by 0 or 1 (~0 is ~, ~1 is /)", NULL;
		}
		*o = '\0';
		json_array_append_new(segs, json_string(seg));
		free(seg);
		if (!end)
			break;
		p = end + 1;
	}
	return segs;
}

/* An array index segment: digits only, no leading zero; -1 when not one. */
long gt_pointer_index(const char *seg)
{
	if (!*seg || (seg[0] == '0' && seg[1]) || strlen(seg) > 18)
		return -1;
	for (const char *p = seg; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	return atol(seg);
}

/* ---- RFC 6902: making a patch ------------------------------------------------------------------ */

struct patcher {
	json_t *ops;
	struct gt_strbuf path; /* the pointer of the value being compared */
	bool failed;
};

static void op_add(struct patcher *p, const char *op, const json_t *value)
{
	json_t *o = json_pack("{s:s, s:s}", "op", op, "path", p->path.len ? p->path.s : "");
	if (!o || (value && json_object_set_new(o, "value", json_deep_copy(value)) < 0) ||
	    json_array_append_new(p->ops, o) < 0)
		p->failed = true;
}

static void diff_value(struct patcher *p, const json_t *from, const json_t *to);

static void diff_object(struct patcher *p, const json_t *from, const json_t *to)
{
	size_t len = p->path.len;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)from, k, v) {
		if (gt_pointer_append(&p->path, k) < 0) {
			p->failed = true;
			return;
		}
		json_t *w = json_object_get(to, k);
		if (!w)
			op_add(p, "remove", NULL);
		else
			diff_value(p, v, w);
		gt_strbuf_setlen(&p->path, len);
	}
	json_object_foreach((json_t *)to, k, v) {
		if (json_object_get(from, k))
			continue;
		if (gt_pointer_append(&p->path, k) < 0) {
			p->failed = true;
			return;
		}
		op_add(p, "add", v);
		gt_strbuf_setlen(&p->path, len);
	}
}

/* Index by index; then extra elements removed from the end backwards, or new ones appended. */
static void diff_array(struct patcher *p, const json_t *from, const json_t *to)
{
	size_t len = p->path.len, nf = json_array_size(from), nt = json_array_size(to);
	size_t common = nf < nt ? nf : nt;
	for (size_t i = 0; i < nf || i < nt; i++) {
		size_t at = i < common ? i : nf > nt ? nf - 1 - (i - common) : i;
		if (pointer_append_index(&p->path, at) < 0) {
			p->failed = true;
			return;
		}
		if (i < common)
			diff_value(p, json_array_get(from, at), json_array_get(to, at));
		else if (nf > nt)
			op_add(p, "remove", NULL);
		else
			op_add(p, "add", json_array_get(to, at));
		gt_strbuf_setlen(&p->path, len);
	}
}

static void diff_value(struct patcher *p, const json_t *from, const json_t *to)
{
	if (json_is_object(from) && json_is_object(to))
		diff_object(p, from, to);
	else if (json_is_array(from) && json_is_array(to))
		diff_array(p, from, to);
	else if (!gt_json_equal_value(from, to))
		op_add(p, "replace", to);
}

json_t *gt_patch_new(const json_t *from, const json_t *to)
{
	struct patcher p = { .ops = json_array() };
	if (!p.ops)
		return NULL;
	diff_value(&p, from, to);
	gt_strbuf_release(&p.path);
	if (p.failed) {
		json_decref(p.ops);
		return NULL;
	}
	return p.ops;
}

/* ---- RFC 6902: applying a patch ---------------------------------------------------------------- */

/* The container that holds the last segment of segs (borrowed), or NULL with *why. */
static json_t *pointer_parent(json_t *doc, const json_t *segs, const char **why)
{
	json_t *cur = doc;
	size_t n = json_array_size(segs);
	for (size_t i = 0; i + 1 < n; i++) {
		const char *seg = json_string_value(json_array_get(segs, i));
		if (json_is_object(cur))
			cur = json_object_get(cur, seg);
		else if (json_is_array(cur) && gt_pointer_index(seg) >= 0)
			cur = json_array_get(cur, (size_t)gt_pointer_index(seg));
		else
			cur = NULL;
		if (!cur)
			return *why = "path does not exist", NULL;
	}
	if (!json_is_object(cur) && !json_is_array(cur))
		return *why = "path does not exist", NULL;
	return cur;
}

/* Value at path (borrowed) or NULL. */
static json_t *pointer_get(json_t *doc, const char *path)
{
	const char *why;
	json_t *segs = gt_pointer_split(path, &why);
	if (!segs)
		return NULL;
	json_t *v = json_array_size(segs) == 0 ? doc : NULL;
	if (!v) {
		json_t *parent = pointer_parent(doc, segs, &why);
		const char *last = json_string_value(json_array_get(segs, json_array_size(segs) - 1));
		if (json_is_object(parent))
			v = json_object_get(parent, last);
		else if (parent && gt_pointer_index(last) >= 0)
			v = json_array_get(parent, (size_t)gt_pointer_index(last));
	}
	json_decref(segs);
	return v;
}

/* Put value (stolen) at path: add inserts into arrays, replace overwrites. */
static int pointer_put(json_t **doc, const char *path, json_t *value, bool insert, const char **why)
{
	json_t *segs = gt_pointer_split(path, why);
	if (!segs)
		return json_decref(value), -1;
	size_t n = json_array_size(segs);
	int r = -1;
	if (n == 0) {
		json_decref(*doc);
		*doc = value;
		json_decref(segs);
		return 0;
	}
	json_t *parent = pointer_parent(*doc, segs, why);
	const char *last = json_string_value(json_array_get(segs, n - 1));
	if (json_is_object(parent)) {
		if (!insert && !json_object_get(parent, last))
			*why = "path does not exist";
		else
			r = json_object_set(parent, last, value);
	} else if (parent) {
		size_t size = json_array_size(parent);
		long i = !strcmp(last, "-") && insert ? (long)size : gt_pointer_index(last);
		if (i < 0 || (size_t)i > size || (!insert && (size_t)i == size))
			*why = "array index out of range";
		else
			r = insert ? json_array_insert(parent, (size_t)i, value) : json_array_set(parent, (size_t)i, value);
	}
	json_decref(value);
	json_decref(segs);
	return r;
}

static int pointer_remove(json_t **doc, const char *path, const char **why)
{
	json_t *segs = gt_pointer_split(path, why);
	if (!segs)
		return -1;
	size_t n = json_array_size(segs);
	int r = -1;
	if (n == 0) {
		json_decref(*doc);
		*doc = json_null();
		r = 0;
	} else {
		json_t *parent = pointer_parent(*doc, segs, why);
		const char *last = json_string_value(json_array_get(segs, n - 1));
		if (json_is_object(parent))
			r = json_object_del(parent, last);
		else if (parent && gt_pointer_index(last) >= 0)
			r = json_array_remove(parent, (size_t)gt_pointer_index(last));
		if (parent && r < 0)
			*why = "path does not exist";
	}
	json_decref(segs);
	return r;
}

static int apply_op(json_t **doc, const json_t *op, const char **why)
{
	const char *name = json_string_value(json_object_get(op, "op"));
	const char *path = json_string_value(json_object_get(op, "path"));
	const char *from = json_string_value(json_object_get(op, "from"));
	json_t *value = json_object_get(op, "value");
	if (!name || !path)
		return *why = "an operation needs op and path", -1;
	if (!strcmp(name, "add") || !strcmp(name, "replace")) {
		if (!value)
			return *why = "add and replace need a value", -1;
		return pointer_put(doc, path, json_deep_copy(value), name[0] == 'a', why);
	}
	if (!strcmp(name, "remove"))
		return pointer_remove(doc, path, why);
	if (!strcmp(name, "test")) {
		if (!gt_json_equal_value(pointer_get(*doc, path), value))
			return *why = "test failed", -1;
		return 0;
	}
	if (!strcmp(name, "move") || !strcmp(name, "copy")) {
		json_t *v = from ? pointer_get(*doc, from) : NULL;
		if (!v)
			return *why = "from does not exist", -1;
		v = json_deep_copy(v);
		if (name[0] == 'm' && pointer_remove(doc, from, why) < 0)
			return json_decref(v), -1;
		return pointer_put(doc, path, v, true, why);
	}
	return *why = "unknown op", -1;
}

int gt_patch_apply(json_t **doc, const json_t *patch, const char **why)
{
	if (!json_is_array(patch))
		return *why = "a patch is an array of operations", -1;
	size_t i;
	json_t *op;
	json_array_foreach(patch, i, op) {
		if (apply_op(doc, op, why) < 0)
			return -1;
	}
	return 0;
}

