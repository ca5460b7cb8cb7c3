/* diff_summary: the fields where two JSON values differ, on one line for a message. */
#include "diff_summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jsonpatch.h"
#include "vec.h"

/* ---- a short summary of what differs, for messages ------------------------------------------------ */

struct summary {
	const struct gt_diff_summary_opts *o;
	FILE *out;
	size_t listed, more;
	struct gt_strbuf path; /* the field being compared, as printed */
};

/* A key that reads well after a dot (spec.source.targetRevision); others go in brackets, JSON-quoted. */
static bool plain_key(const char *k)
{
	if (!*k || !((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || *k == '_'))
		return false;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') || *k == '_' || *k == '-'))
			return false;
	return true;
}

/* Append a key (or, with key NULL, the index i) to s->path; the old length to restore, or -1 (no memory). */
static long summary_push(struct summary *s, const char *key, size_t i)
{
	char idx[32];
	char *quoted = NULL;
	const char *seg = idx;
	size_t old = s->path.len;
	if (!key)
		snprintf(idx, sizeof(idx), "[%zu]", i);
	else if (plain_key(key))
		seg = key;
	else {
		json_t *k = json_string(key);
		quoted = k ? json_dumps(k, JSON_ENCODE_ANY) : NULL;
		json_decref(k);
		if (!quoted)
			return -1;
		seg = quoted;
	}
	bool dot = key && plain_key(key) && s->path.len > 0, brackets = key && !plain_key(key);
	int r = gt_strbuf_addf(&s->path, "%s%s%s%s", dot ? "." : "", brackets ? "[" : "", seg, brackets ? "]" : "");
	free(quoted);
	if (r < 0)
		return -1;
	return (long)old;
}

static bool summary_secret_key(const struct summary *s, const char *key)
{
	for (const char *const *k = s->o->secret_keys; k && *k; k++)
		if (!strcmp(*k, key))
			return true;
	return false;
}

/* A value as the summary shows it: compact JSON, cut after GT_DIFF_SUMMARY_VALUE_MAX bytes (at a character). */
static void summary_value(FILE *out, const json_t *v)
{
	char *text = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	if (!text) {
		fputs(v ? "?" : "unset", out);
		return;
	}
	size_t n = strlen(text);
	if (n > GT_DIFF_SUMMARY_VALUE_MAX) {
		n = GT_DIFF_SUMMARY_VALUE_MAX;
		while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
			n--; /* not inside a UTF-8 sequence */
	}
	fprintf(out, "%.*s%s", (int)n, text, n < strlen(text) ? "..." : "");
	free(text);
}

static void summary_entry(struct summary *s, const json_t *from, const json_t *to, bool hidden)
{
	if (s->o->max && s->listed >= s->o->max) {
		s->more++;
		return;
	}
	fprintf(s->out, "%s%s", s->listed++ ? (s->o->values ? "; " : ", ") : "", s->path.len ? s->path.s : ".");
	if (!s->o->values)
		return;
	if (hidden) {
		fputs(from && to ? ": changed" : from ? ": removed" : ": added", s->out);
		return;
	}
	fputs(": ", s->out);
	summary_value(s->out, from);
	fputs(" -> ", s->out);
	summary_value(s->out, to);
}

/* Objects key by key (to's keys first, then those only from has), arrays of one length element by element,
 * anything else as a whole. -1 when out of memory. */
static int summarize(struct summary *s, const json_t *from, const json_t *to, bool hidden)
{
	if (from && to && gt_json_equal_value(from, to))
		return 0;
	const char *k;
	json_t *v;
	if (json_is_object(from) && json_is_object(to)) {
		for (int pass = 0; pass < 2; pass++)
			json_object_foreach((json_t *)(pass ? from : to), k, v) {
				if (pass && json_object_get(to, k))
					continue;
				long old = summary_push(s, k, 0);
				if (old < 0)
					return -1;
				int rc = summarize(s, pass ? v : json_object_get(from, k), pass ? NULL : v,
						   hidden || summary_secret_key(s, k));
				gt_strbuf_setlen(&s->path, (size_t)old);
				if (rc < 0)
					return -1;
			}
		return 0;
	}
	if (json_is_array(from) && json_is_array(to) && json_array_size(from) == json_array_size(to)) {
		for (size_t i = 0; i < json_array_size(to); i++) {
			long old = summary_push(s, NULL, i);
			if (old < 0)
				return -1;
			int rc = summarize(s, json_array_get(from, i), json_array_get(to, i), hidden);
			gt_strbuf_setlen(&s->path, (size_t)old);
			if (rc < 0)
				return -1;
		}
		return 0;
	}
	summary_entry(s, from, to, hidden);
	return 0;
}

char *gt_diff_summary_new(const json_t *from, const json_t *to, const struct gt_diff_summary_opts *o)
{
	char *text = NULL;
	size_t size = 0;
	struct summary s = { .o = o, .out = open_memstream(&text, &size) };
	if (!s.out)
		return NULL;
	int rc = summarize(&s, from, to, false);
	if (rc == 0 && s.more)
		fprintf(s.out, "%sand %zu more", s.listed ? (o->values ? "; " : ", ") : "", s.more);
	gt_strbuf_release(&s.path);
	if (fclose(s.out) != 0 || rc < 0)
		return free(text), NULL;
	return text;
}

