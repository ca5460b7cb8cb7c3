/* keypath: --set key paths: parsing, building in code, looking up in parsed JSON. */
#include "keypath.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cli.h"
#include "yaml.h"
#include "ytext.h"

/* ---- key paths ---- */

void gt_keypath_free(struct gt_keypath *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->segs[i].key);
		free(p->segs[i].value);
	}
	free(p->segs);
	free(p->text);
	free(p);
}

/* Append seg (the path takes its strings, or frees them on failure). */
static int keypath_push(struct gt_keypath *p, struct seg seg)
{
	if (GT_GROW(p->segs, p->cap, p->n + 1) < 0) {
		free(seg.key);
		free(seg.value);
		return -1;
	}
	p->segs[p->n++] = seg;
	return 0;
}

/* The characters up to one of stops or the end, escapes resolved; malloc'd. */
static char *read_path_part(const char **s, const char *stops, const char **why)
{
	struct text t = { 0 };
	const char *c = *s;
	for (; *c && !strchr(stops, *c); c++) {
		if (*c == '\\') {
			if (!c[1] || !strchr(".[]=\\", c[1])) {
				free(t.s);
				*why = "'\\' may only escape '.', '[', ']', '=' or '\\'";
				return NULL;
			}
			c++;
		}
		ytext_addc(&t, *c);
	}
	*s = c;
	char *out = ytext_take(&t, NULL);
	if (!out)
		*why = "out of memory";
	return out;
}

static int parse_index(const char *digits, size_t *out, const char **why)
{
	size_t n = 0;
	if (!*digits) {
		*why = "empty []: give an index [0] or a match [name=web]";
		return -1;
	}
	for (const char *c = digits; *c; c++) {
		if (!is_digit(*c)) {
			*why = "[...] holds an index such as [0] or a match such as [name=web]";
			return -1;
		}
		if (n > (SIZE_MAX - 9) / 10) {
			*why = "list index too large";
			return -1;
		}
		n = n * 10 + (size_t)(*c - '0');
	}
	*out = n;
	return 0;
}

/* "[N]" or "[FIELD=VALUE]" at *s. */
static int parse_selector(const char **s, struct seg *seg, const char **why)
{
	const char *c = *s + 1;
	char *field = read_path_part(&c, "=]", why), *value = NULL;
	if (!field)
		return -1;
	if (*c == '=') {
		c++;
		if (!(value = read_path_part(&c, "]", why)))
			goto fail;
		if (!*field)
			*why = "empty field in [FIELD=VALUE]";
		else if (!*value)
			*why = "empty value in [FIELD=VALUE]";
		else if (*c != ']')
			*why = "missing ']'";
		if (!*field || !*value || *c != ']')
			goto fail;
		*seg = (struct seg){ .kind = SEG_MATCH, .key = field, .value = value };
	} else {
		if (*c != ']') {
			*why = "missing ']'";
			goto fail;
		}
		*seg = (struct seg){ .kind = SEG_INDEX };
		if (parse_index(field, &seg->index, why) < 0)
			goto fail;
		free(field);
	}
	*s = c + 1;
	return 0;
fail:
	free(field);
	free(value);
	return -1;
}

struct gt_keypath *gt_keypath_parse(const char *key, const char **why)
{
	struct gt_keypath *p = calloc(1, sizeof(*p));
	*why = NULL;
	if (!p || !(p->text = strdup(key))) {
		*why = "out of memory";
		goto fail;
	}
	if (!*key) {
		*why = "empty key path";
		goto fail;
	}
	const char *s = key;
	for (bool first = true; first || *s; first = false) {
		struct seg seg = { .kind = SEG_KEY };
		if (*s == '[') {
			if (parse_selector(&s, &seg, why) < 0)
				goto fail;
		} else if (*s == ']') {
			*why = "']' without '['";
			goto fail;
		} else if (first || *s == '.') {
			bool leading_dot = first && *s == '.';
			if (!first)
				s++;
			if (!(seg.key = read_path_part(&s, ".[]", why)))
				goto fail;
			if (!*seg.key) {
				free(seg.key);
				*why = leading_dot ? "the key path starts with '.'"
						   : "empty key: '..' or a '.' at the end (write '\\.' for a dot inside a key)";
				goto fail;
			}
		} else {
			*why = "'.' or '[' expected after ']'";
			goto fail;
		}
		seg.end = (size_t)(s - key);
		if (keypath_push(p, seg) < 0) {
			*why = "out of memory";
			goto fail;
		}
	}
	return p;
fail:
	gt_keypath_free(p);
	return NULL;
}

/* A path built in code, segment by segment with keypath_add_*; its text is written as they come. */
struct gt_keypath *gt_keypath_new(void)
{
	struct gt_keypath *p = calloc(1, sizeof(*p));
	if (p && !(p->text = strdup(""))) {
		free(p);
		p = NULL;
	}
	return p;
}

/* Append the segment and its text ("a", ".b", "[f=v]"); -1 out of memory (p is still whole). */
static int keypath_add(struct gt_keypath *p, struct seg seg)
{
	struct text t = { 0 };
	ytext_adds(&t, p->text);
	if (seg.kind == SEG_KEY) {
		ytext_adds(&t, p->n ? "." : "");
		ytext_adds(&t, seg.key);
	} else {
		ytext_addc(&t, '[');
		ytext_adds(&t, seg.key);
		ytext_addc(&t, '=');
		ytext_adds(&t, seg.value);
		ytext_addc(&t, ']');
	}
	char *text = ytext_take(&t, &seg.end);
	if (!text) {
		free(seg.key);
		free(seg.value);
		return -1;
	}
	free(p->text);
	p->text = text;
	return keypath_push(p, seg);
}

int gt_keypath_add_key(struct gt_keypath *p, const char *key)
{
	char *k = strdup(key);
	return k ? keypath_add(p, (struct seg){ .kind = SEG_KEY, .key = k }) : -1;
}

int gt_keypath_add_match(struct gt_keypath *p, const char *field, const char *value)
{
	char *f = strdup(field), *v = strdup(value);
	if (!f || !v) {
		free(f);
		free(v);
		return -1;
	}
	return keypath_add(p, (struct seg){ .kind = SEG_MATCH, .key = f, .value = v });
}

/* The path's text up to (not including) segment s, for messages. */
int gt_keypath_prefix_len(const struct gt_keypath *p, size_t s)
{
	return s ? (int)p->segs[s - 1].end : 0;
}

/* ---- key paths over parsed JSON (for readers such as gitops-history) ---- */

static json_t *match_item(json_t *list, const struct seg *sg)
{
	size_t i;
	json_t *item;
	json_array_foreach(list, i, item) {
		const char *v = json_string_value(json_object_get(item, sg->key));
		if (v && !strcmp(v, sg->value))
			return item;
	}
	return NULL;
}

json_t *gt_keypath_lookup(const struct gt_keypath *p, json_t *doc)
{
	json_t *cur = doc;
	for (size_t i = 0; cur && i < p->n; i++) {
		const struct seg *sg = &p->segs[i];
		if (sg->kind == SEG_KEY)
			cur = json_is_object(cur) ? json_object_get(cur, sg->key) : NULL;
		else if (sg->kind == SEG_INDEX)
			cur = json_is_array(cur) ? json_array_get(cur, sg->index) : NULL;
		else
			cur = json_is_array(cur) ? match_item(cur, sg) : NULL;
	}
	return cur;
}
