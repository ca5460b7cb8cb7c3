/* fuzz_yamledit: arbitrary YAML, one edit, and the promise that nothing else changes.
 *
 * Input: byte 0 picks a key path, byte 1 a value, byte 2 the flags and the
 * operation; the rest is the YAML. After a successful gt_yamledit_set the
 * target checks, independently of the editor's own checks, that every byte
 * outside the edited value is unchanged: it finds every scalar at that path
 * with libyaml's events itself, and the bytes before the event in front of
 * that scalar and after the event behind it must be as they were. A key that
 * was added must be a pure insertion. Container image edits may change only the values
 * of image: keys; a kustomization images: edit only the value of the first document's
 * top-level images: key (or, when there is none, only add bytes). Whatever happens, a file that read before must
 * read after, and a failed edit leaves the bytes alone. Build and run: `make fuzz`.
 * Seeds: 3 tests/fixtures/yamledit tests/fixtures/set-image
 */
#define _GNU_SOURCE /* memmem */
#include "cli.h"
#include "yaml.h"
#include "yamledit.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Paths as segments for the independent finder: keys, "#N" an index, "?" any list item. */
static const struct {
	const char *path;
	const char *segs[4];
} paths[] = {
	{ "a", { "a" } },		   { "a.b", { "a", "b" } },	 { "a[0]", { "a", "#0" } },
	{ "a.b.c", { "a", "b", "c" } }, { "image.tag", { "image", "tag" } }, { "a[1].b", { "a", "#1", "b" } },
	{ "b", { "b" } },		   { "x\\.y", { "x.y" } },	 { "a[name=x].b", { "a", "?", "b" } },
	{ "tag", { "tag" } },		   { "0", { "0" } },		 { "a[0][0]", { "a", "#0", "#0" } },
};
static const char *const values[] = { "1043", "v1", "yes", "", "it's", "a\"b\\c", "x\ny\n", "ü", "~", ":",
				      "- x", "1e5", ".inf", "#", "a: b", "[", "{}", "x\ny", " ", "null",
				      "\xe2\x80\xa8", "\t", "'", "0x1F", "-", "&a", "*a", "!x", "|", "%" };

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct gt_limits lim = { 1 << 20, 10000, 64 };

/* libyaml counts characters; byte offset of every character (and the end). */
static size_t *char_offsets(const char *buf, size_t len)
{
	size_t *off = malloc((len + 2) * sizeof(*off)), n = 0, start = 0;
	if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
		start = 3;
	for (size_t i = start; i < len; i++)
		if (((unsigned char)buf[i] & 0xC0) != 0x80)
			off[n++] = i;
	off[n] = len;
	off[n + 1] = len;
	return off;
}

struct frame {
	bool map;
	bool want_key; /* maps: the next node is a key */
	bool seg_ok;   /* the path matches down to and including this frame's current entry */
	size_t index;  /* sequences: the current item */
	char *key;     /* maps: the current key's text, NULL for a non-scalar key */
};

struct region {
	size_t lo, hi; /* bytes outside [lo, hi) must not change */
};

/* Does entry (key, or index) match segment s? */
static bool seg_matches(const char *seg, const struct frame *f)
{
	if (!seg)
		return false;
	if (!f->map)
		return seg[0] == '?' || (seg[0] == '#' && (size_t)atoi(seg + 1) == f->index);
	return f->key && seg[0] != '#' && seg[0] != '?' && !strcmp(seg, f->key);
}

/* Every scalar at the path (in any document), or with pi == IMAGES every value of a key "image":
 * the regions an edit of it may touch. */
#define IMAGES ((size_t)-1)
static size_t find_regions(const char *buf, size_t len, size_t pi, struct region *out, size_t max)
{
	yaml_parser_t p;
	struct frame st[80];
	size_t depth = 0, n = 0, *off = char_offsets(buf, len), prev_end = 0, open = (size_t)-1;
	size_t nseg = 0;
	while (pi != IMAGES && nseg < 4 && paths[pi].segs[nseg])
		nseg++;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev))
			break;
		size_t start = off[ev.start_mark.index], end = off[ev.end_mark.index];
		int type = ev.type;
		if (open != (size_t)-1) { /* the event after a candidate closes its region */
			out[n - 1].hi = start > out[n - 1].hi ? start : out[n - 1].hi;
			open = (size_t)-1;
		}
		bool node = type == YAML_SCALAR_EVENT || type == YAML_ALIAS_EVENT || type == YAML_MAPPING_START_EVENT ||
			    type == YAML_SEQUENCE_START_EVENT;
		struct frame *top = depth ? &st[depth - 1] : NULL;
		bool is_key = top && top->map && top->want_key;
		if (node && is_key) {
			free(top->key);
			top->key = type == YAML_SCALAR_EVENT ? strndup((char *)ev.data.scalar.value, ev.data.scalar.length)
							     : NULL;
		}
		bool matched = false;
		if (node && !is_key) {
			bool parents = depth == 0 || (depth < 2 || st[depth - 2].seg_ok);
			matched = top && parents && depth <= nseg && seg_matches(paths[pi].segs[depth - 1], top);
			if (top)
				top->seg_ok = matched;
		}
		if (pi == IMAGES)
			matched = top && top->map && !is_key && top->key && !strcmp(top->key, "image");
		if (type == YAML_SCALAR_EVENT && matched && (pi == IMAGES || depth == nseg) && n < max) {
			out[n++] = (struct region){ prev_end, end };
			open = n - 1;
		}
		if (node && top && top->map)
			top->want_key = !top->want_key;
		if ((type == YAML_MAPPING_START_EVENT || type == YAML_SEQUENCE_START_EVENT) && depth < COUNT(st)) {
			st[depth++] = (struct frame){ type == YAML_MAPPING_START_EVENT, true, false, 0, NULL };
		} else if (type == YAML_MAPPING_END_EVENT || type == YAML_SEQUENCE_END_EVENT) {
			if (depth) {
				free(st[depth - 1].key);
				depth--;
			}
		}
		/* Sequences count their items once an item is complete. */
		if (!is_key && depth && !st[depth - 1].map &&
		    (type == YAML_SCALAR_EVENT || type == YAML_ALIAS_EVENT) && top == &st[depth - 1])
			st[depth - 1].index++;
		if ((type == YAML_MAPPING_END_EVENT || type == YAML_SEQUENCE_END_EVENT) && depth &&
		    !st[depth - 1].map)
			st[depth - 1].index++;
		prev_end = end;
		yaml_event_delete(&ev);
		if (type == YAML_STREAM_END_EVENT)
			break;
	}
	while (depth)
		free(st[--depth].key);
	yaml_parser_delete(&p);
	free(off);
	return n;
}

/*
 * The value of the first document's top-level "images:" key (a kustomization's images list), as regions: from
 * the end of the key to the start of whatever follows the value, so that entries and fields
 * the editor appends at the end of the list stay inside. Returns how many; -1 when the YAML
 * does not parse to the end (then nothing is asserted).
 */
static long find_images_regions(const char *buf, size_t len, struct region *out, size_t max)
{
	yaml_parser_t p;
	size_t depth = 0, n = 0, *off = char_offsets(buf, len);
	bool root_map = false, want_key = true, in_value = false, open = false, done = false;
	size_t value_depth = 0;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			n = (size_t)-1;
			break;
		}
		size_t start = off[ev.start_mark.index], end = off[ev.end_mark.index];
		int type = ev.type;
		if (open) { /* the event after the value closes its region */
			out[n - 1].hi = start;
			open = false;
		}
		bool opens = type == YAML_MAPPING_START_EVENT || type == YAML_SEQUENCE_START_EVENT;
		bool closes = type == YAML_MAPPING_END_EVENT || type == YAML_SEQUENCE_END_EVENT;
		bool node = opens || type == YAML_SCALAR_EVENT || type == YAML_ALIAS_EVENT;
		if (type == YAML_DOCUMENT_START_EVENT)
			root_map = false, want_key = true;
		if (node && depth == 1 && root_map) { /* a key or a value of the top-level map */
			if (want_key && type == YAML_SCALAR_EVENT && !strcmp((char *)ev.data.scalar.value, "images") &&
			    n < max) {
				out[n++] = (struct region){ end, end };
				in_value = true;
				value_depth = 1;
			} else if (!want_key && in_value && !opens) {
				open = true, in_value = false; /* a scalar or alias value ends here */
			}
			want_key = !want_key;
		}
		if (opens) {
			if (depth == 0)
				root_map = type == YAML_MAPPING_START_EVENT;
			depth++;
		} else if (closes && depth) {
			depth--;
			if (in_value && depth == value_depth)
				open = true, in_value = false; /* the collection value ends here */
		}
		/* The editor works on the first document: a kustomization is one. */
		done = type == YAML_STREAM_END_EVENT || type == YAML_DOCUMENT_END_EVENT;
		if (type == YAML_DOCUMENT_END_EVENT && open)
			out[n - 1].hi = start, open = false;
		yaml_event_delete(&ev);
	}
	if (open && n != (size_t)-1)
		out[n - 1].hi = len;
	yaml_parser_delete(&p);
	free(off);
	return (long)n;
}

/* Only bytes inside one region changed: the bytes before it at the same place, the bytes after it at the end. */
static bool within_a_region(const char *a, size_t alen, const char *b, size_t blen, const struct region *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t after = alen - r[i].hi;
		if (r[i].lo <= r[i].hi && r[i].hi <= alen && r[i].lo <= blen && after <= blen &&
		    !memcmp(a, b, r[i].lo) && !memcmp(a + r[i].hi, b + blen - after, after))
			return true;
	}
	return false;
}

/* Only bytes inside the regions (in order, not overlapping) changed: the gaps between them survive in order. */
static bool within_regions(const char *a, size_t alen, const char *b, size_t blen, const struct region *r, size_t n)
{
	size_t at = 0, prev_hi = 0;
	for (size_t i = 0; i <= n; i++) {
		size_t lo = i < n ? r[i].lo : alen, gap = lo - prev_hi;
		if (lo < prev_hi)
			return false;
		if (i == 0 || i == n) { /* the first gap starts the file, the last one ends it */
			size_t pos = i == 0 ? 0 : blen - gap;
			if (gap > blen || pos < at || memcmp(a + prev_hi, b + pos, gap))
				return false;
			at = pos + gap;
		} else {
			const char *hit = gap ? memmem(b + at, blen - at, a + prev_hi, gap) : b + at;
			if (!hit)
				return false;
			at = (size_t)(hit - b) + gap;
		}
		if (i < n)
			prev_hi = r[i].hi;
	}
	return true;
}

/* A pure insertion: a shared prefix and a shared suffix cover all of a. */
static bool is_insertion(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t pre = 0, suf = 0;
	if (blen <= alen)
		return false;
	while (pre < alen && a[pre] == b[pre])
		pre++;
	while (suf < alen && a[alen - 1 - suf] == b[blen - 1 - suf])
		suf++;
	return pre + suf >= alen;
}

static bool reads(const char *buf, size_t len)
{
	struct gt_yaml_reader *r = gt_yaml_reader_new_string(buf, len, "fuzz", &lim);
	json_t *doc;
	unsigned long line;
	int st;
	while ((st = gt_yaml_next(r, &doc, &line)) > 0)
		json_decref(doc);
	gt_yaml_reader_free(r);
	return st == 0;
}

static void check_set(struct gt_yamledit *e, const char *orig, size_t len, size_t pi, const char *value,
		      unsigned flags)
{
	char *old = NULL;
	size_t nlen;
	int rc = gt_yamledit_set(e, paths[pi].path, value, flags, &old);
	const char *now = gt_yamledit_bytes(e, &nlen);
	if (rc < 1 && (nlen != len || memcmp(now, orig, len)))
		abort(); /* failed or unchanged: not one byte may move */
	if (rc < 0 && old)
		abort();
	if (rc == 1 && old) {
		struct region r[64];
		size_t n = find_regions(orig, len, pi, r, COUNT(r));
		if (!within_a_region(orig, len, now, nlen, r, n))
			abort(); /* a byte outside the edited value changed */
	}
	if (rc == 1 && !old && !is_insertion(orig, len, now, nlen))
		abort(); /* an added key must only add bytes */
	free(old);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	size_t pi = data[0] % COUNT(paths);
	const char *value = values[data[1] % COUNT(values)];
	unsigned flags = data[2] & 3, op = (data[2] >> 2) & 3;
	const char *yaml = (const char *)data + 3;
	size_t len = size - 3;

	struct gt_yamledit *e = gt_yamledit_new(yaml, len, "fuzz.yaml", &lim);
	if (!e)
		return 0;
	size_t nlen;
	char *old = NULL;
	int rc = 0;
	if (op < 2)
		check_set(e, yaml, len, pi, value, flags);
	else if (op == 2 && (data[1] & 2)) {
		/* Helm values layouts too: all or nothing, a failed edit leaves every byte as it was. */
		rc = gt_yamledit_set_image(e, "a", data[1] & 1 ? "a:2" : "a:3@sha256:"
			"2222222222222222222222222222222222222222222222222222222222222222", &old);
		size_t nl;
		const char *now = gt_yamledit_bytes(e, &nl);
		if (rc < 0 && (nl != len || memcmp(now, yaml, len)))
			abort();
	} else if (op == 2) {
		rc = gt_yamledit_set_container_images(e, "a", data[1] & 1 ? "a:2" : "b@sha256:"
			"2222222222222222222222222222222222222222222222222222222222222222", &old);
		struct region r[256];
		size_t n = find_regions(yaml, len, IMAGES, r, COUNT(r)), nl;
		const char *now = gt_yamledit_bytes(e, &nl);
		if (rc > 0 && n < COUNT(r) && !within_regions(yaml, len, now, nl, r, n))
			abort(); /* a byte outside every image: value changed */
	}
	else {
		rc = gt_yamledit_set_kustomize_image(e, "a", data[1] & 1 ? "b" : NULL, data[1] & 2 ? "1043" : NULL,
						     NULL, &old);
		/* Only the images: list may change; with no images: anywhere, bytes are only added. */
		struct region r[16];
		long n = find_images_regions(yaml, len, r, COUNT(r));
		size_t nl;
		const char *now = gt_yamledit_bytes(e, &nl);
		if (rc > 0 && n == 0 && !is_insertion(yaml, len, now, nl))
			abort(); /* images: was added, but bytes outside it changed */
		if (rc > 0 && n > 0 && n < (long)COUNT(r) && !within_a_region(yaml, len, now, nl, r, (size_t)n))
			abort(); /* a byte outside the images: list changed */
	}
	free(old);
	const char *now = gt_yamledit_bytes(e, &nlen);
	if (rc < 0 && (nlen != len || memcmp(now, yaml, len)))
		abort(); /* all or nothing */
	/* What the editor wrote must read again, by itself and, if the original did, by the project's reader. */
	struct gt_yamledit *again = gt_yamledit_new(now, nlen, "fuzz.yaml", &lim);
	if (!again)
		abort();
	gt_yamledit_free(again);
	if (reads(yaml, len) && !reads(now, nlen))
		abort();
	gt_yamledit_free(e);
	return 0;
}
