/* yamledit: byte-preserving edits of scalars in a YAML file.
 *
 * Every edit reads the current bytes with libyaml's event parser into a flat
 * tree of nodes that know their byte ranges, splices new text into a copy,
 * reads the copy again and compares the two trees node by node: only when
 * every node but the edited ones reads back exactly as before (and the edited
 * ones read back as intended) does the copy replace the bytes. An edit that
 * would change anything else is refused, never written. */
#include "yamledit.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cli.h"
#include "yaml.h"

#define NO_NODE SIZE_MAX
#define DEFAULT_INDENT_STEP 2
/* libyaml's marks count characters, not bytes: one byte offset is kept per this many. */
#define CHARMAP_STEP 64
#define MESSAGE_MAX 1024

/* ---- growing text ---- */

struct text {
	char *s;
	size_t len, cap;
	bool failed; /* out of memory: later adds do nothing and text_take returns NULL */
};

static void text_add(struct text *t, const char *s, size_t n)
{
	if (t->failed)
		return;
	if (GT_GROW(t->s, t->cap, t->len + n + 1) < 0) {
		t->failed = true;
		return;
	}
	if (n)
		memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static void text_adds(struct text *t, const char *s) { text_add(t, s, strlen(s)); }
static void text_addc(struct text *t, char c) { text_add(t, &c, 1); }

static void text_spaces(struct text *t, size_t n)
{
	while (n--)
		text_addc(t, ' ');
}

/* The text (malloc'd, NUL-terminated, the caller's), or NULL after running out of memory. */
static char *text_take(struct text *t, size_t *len)
{
	text_add(t, "", 0); /* an empty text still gets its NUL */
	if (t->failed) {
		free(t->s);
		return NULL;
	}
	if (len)
		*len = t->len;
	return t->s;
}

static char *dup_bytes(const void *s, size_t len)
{
	char *p = malloc(len + 1);
	if (p) {
		if (len)
			memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

/* ---- characters ---- */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || is_digit(c); }
static bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }
static bool is_blank(char c) { return c == ' ' || c == '\t'; }
static bool is_continuation(char c) { return ((unsigned char)c & 0xC0) == 0x80; }

/* Width of the line break at s[i], 0 if none. libyaml reads YAML 1.1's: "\r\n", "\n", "\r", NEL, LS, PS. */
static size_t break_at(const char *s, size_t len, size_t i)
{
	const unsigned char *u = (const unsigned char *)s;
	if (i >= len)
		return 0;
	if (u[i] == '\r')
		return i + 1 < len && u[i + 1] == '\n' ? 2 : 1;
	if (u[i] == '\n')
		return 1;
	if (u[i] == 0xC2 && i + 1 < len && u[i + 1] == 0x85)
		return 2;
	if (u[i] == 0xE2 && i + 2 < len && u[i + 1] == 0x80 && (u[i + 2] == 0xA8 || u[i + 2] == 0xA9))
		return 3;
	return 0;
}

/* Width of the line break that ends just before s[i], 0 if none (between "\r" and "\n" is inside one). */
static size_t break_before(const char *s, size_t len, size_t i)
{
	const unsigned char *u = (const unsigned char *)s;
	if (i == 0 || (i < len && u[i - 1] == '\r' && u[i] == '\n'))
		return 0;
	if (u[i - 1] == '\n')
		return i >= 2 && u[i - 2] == '\r' ? 2 : 1;
	if (u[i - 1] == '\r')
		return 1;
	if (i >= 2 && u[i - 2] == 0xC2 && u[i - 1] == 0x85)
		return 2;
	if (i >= 3 && u[i - 3] == 0xE2 && u[i - 2] == 0x80 && (u[i - 1] == 0xA8 || u[i - 1] == 0xA9))
		return 3;
	return 0;
}

/* Decode one UTF-8 character at s; its width, or 0 when the bytes are not valid UTF-8. */
static size_t utf8_decode(const char *str, size_t left, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t w;
	uint32_t c, min;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0)
		w = 2, c = s[0] & 0x1F, min = 0x80;
	else if ((s[0] & 0xF0) == 0xE0)
		w = 3, c = s[0] & 0x0F, min = 0x800;
	else if ((s[0] & 0xF8) == 0xF0)
		w = 4, c = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (left < w)
		return 0;
	for (size_t i = 1; i < w; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return w;
}

static bool utf8_valid(const char *s, size_t len)
{
	uint32_t cp;
	for (size_t i = 0, w; i < len; i += w)
		if (!(w = utf8_decode(s + i, len - i, &cp)))
			return false;
	return true;
}

/* A character YAML lets stand as itself inside quotes: not a control character,
 * not one of YAML 1.1's extra line breaks (NEL, LS, PS), not a byte order mark. */
static bool yaml_printable(uint32_t c)
{
	return (c >= 0x20 && c <= 0x7E) || (c >= 0xA0 && c <= 0xD7FF && c != 0x2028 && c != 0x2029) ||
	       (c >= 0xE000 && c <= 0xFFFD && c != 0xFEFF) || (c >= 0x10000 && c <= 0x10FFFF);
}

/* Every character printable (tab and line feed too when allowed). */
static bool all_printable(const char *s, size_t len, bool tab_and_newline)
{
	uint32_t c;
	for (size_t i = 0, w; i < len; i += w) {
		if (!(w = utf8_decode(s + i, len - i, &c)))
			return false;
		if (!yaml_printable(c) && !(tab_and_newline && (c == '\t' || c == '\n')))
			return false;
	}
	return true;
}

/* ---- key paths ---- */

enum seg_kind { SEG_KEY, SEG_INDEX, SEG_MATCH };

struct seg {
	enum seg_kind kind;
	char *key;    /* SEG_KEY: the map key; SEG_MATCH: the field compared */
	char *value;  /* SEG_MATCH: the value that field must have */
	size_t index; /* SEG_INDEX */
	size_t end;   /* where the segment ends in the path's text, for messages */
};

struct gt_keypath {
	char *text;
	struct seg *segs;
	size_t n, cap;
};

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
		text_addc(&t, *c);
	}
	*s = c;
	char *out = text_take(&t, NULL);
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
static struct gt_keypath *keypath_new(void)
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
	text_adds(&t, p->text);
	if (seg.kind == SEG_KEY) {
		text_adds(&t, p->n ? "." : "");
		text_adds(&t, seg.key);
	} else {
		text_addc(&t, '[');
		text_adds(&t, seg.key);
		text_addc(&t, '=');
		text_adds(&t, seg.value);
		text_addc(&t, ']');
	}
	char *text = text_take(&t, &seg.end);
	if (!text) {
		free(seg.key);
		free(seg.value);
		return -1;
	}
	free(p->text);
	p->text = text;
	return keypath_push(p, seg);
}

static int keypath_add_key(struct gt_keypath *p, const char *key)
{
	char *k = strdup(key);
	return k ? keypath_add(p, (struct seg){ .kind = SEG_KEY, .key = k }) : -1;
}

static int keypath_add_match(struct gt_keypath *p, const char *field, const char *value)
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
static int path_prefix_len(const struct gt_keypath *p, size_t s)
{
	return s ? (int)p->segs[s - 1].end : 0;
}

/* ---- image references ---- */

/* A tag: a word character, then up to 127 word characters, dots and dashes. */
static bool tag_ok(const char *s, size_t len)
{
	if (len == 0 || len > 128 || !(is_alnum(s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!(is_alnum(s[i]) || s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return false;
	return true;
}

static bool all_lower_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!(is_digit(s[i]) || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* ALGORITHM:ENCODED as the OCI image spec has it; sha256 and sha512 with their exact hex length. */
static bool digest_ok(const char *s, size_t len)
{
	const char *colon = memchr(s, ':', len);
	if (!colon || colon == s || colon == s + len - 1)
		return false;
	size_t alen = (size_t)(colon - s), elen = len - alen - 1;
	const char *enc = colon + 1;
	for (size_t i = 0; i < alen; i++) {
		bool sep = s[i] == '+' || s[i] == '.' || s[i] == '_' || s[i] == '-';
		if (!is_lower_alnum(s[i]) && !(sep && i > 0 && i + 1 < alen && is_lower_alnum(s[i - 1])))
			return false;
	}
	for (size_t i = 0; i < elen; i++)
		if (!(is_alnum(enc[i]) || enc[i] == '=' || enc[i] == '_' || enc[i] == '-'))
			return false;
	if (alen == 6 && !memcmp(s, "sha256", 6))
		return elen == 64 && all_lower_hex(enc, elen);
	if (alen == 6 && !memcmp(s, "sha512", 6))
		return elen == 128 && all_lower_hex(enc, elen);
	return true;
}

/* A path component: lowercase letters and digits, joined by '.', '_', '__' or dashes. */
static bool path_component_ok(const char *s, size_t len)
{
	if (!len || !is_lower_alnum(s[0]) || !is_lower_alnum(s[len - 1]))
		return false;
	for (size_t i = 0; i < len;) {
		if (is_lower_alnum(s[i])) {
			i++;
			continue;
		}
		size_t j = i + 1;
		if (s[i] == '_' && j < len && s[j] == '_')
			j++;
		else if (s[i] == '-')
			while (j < len && s[j] == '-')
				j++;
		else if (s[i] != '.' && s[i] != '_')
			return false;
		if (j >= len || !is_lower_alnum(s[j]))
			return false;
		i = j;
	}
	return true;
}

/* A registry: host name or [IPv6], then an optional :PORT. */
static bool domain_ok(const char *s, size_t len)
{
	size_t i = 0;
	if (len && s[0] == '[') {
		for (i = 1; i < len && s[i] != ']'; i++)
			if (!(is_alnum(s[i]) || s[i] == ':'))
				return false;
		if (i == len)
			return false;
		i++;
	} else {
		while (i < len && (is_alnum(s[i]) || s[i] == '.' || s[i] == '-'))
			i++;
		if (i == 0)
			return false;
	}
	if (i == len)
		return true;
	if (s[i] != ':' || i + 1 == len)
		return false;
	for (i++; i < len; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

/* Docker's rule: the first component names a registry when it has '.' or ':', is localhost, or has capitals. */
static bool looks_like_registry(const char *s, size_t len)
{
	if (memchr(s, '.', len) || memchr(s, ':', len) || (len && s[0] == '[') ||
	    (len == 9 && !memcmp(s, "localhost", 9)))
		return true;
	for (size_t i = 0; i < len; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			return true;
	return false;
}

static bool repo_ok(const char *s, size_t len)
{
	const char *slash = memchr(s, '/', len);
	size_t i = 0;
	if (slash && looks_like_registry(s, (size_t)(slash - s))) {
		if (!domain_ok(s, (size_t)(slash - s)))
			return false;
		i = (size_t)(slash - s) + 1;
	}
	for (;;) {
		const char *next = memchr(s + i, '/', len - i);
		size_t end = next ? (size_t)(next - s) : len;
		if (!path_component_ok(s + i, end - i))
			return false;
		if (!next)
			return true;
		i = end + 1;
	}
}

void gt_image_ref_clear(struct gt_image_ref *r)
{
	if (!r)
		return;
	free(r->repo);
	free(r->tag);
	free(r->digest);
	r->repo = r->tag = r->digest = NULL;
}

int gt_image_ref_parse(const char *s, struct gt_image_ref *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	size_t len = s ? strlen(s) : 0;
	if (!len) {
		*why = "empty image reference";
		return -1;
	}
	const char *at = memchr(s, '@', len);
	size_t name_len = at ? (size_t)(at - s) : len;
	if (at && !digest_ok(at + 1, len - name_len - 1)) {
		*why = "bad digest: want ALGORITHM:HEX, e.g. sha256: and 64 lowercase hex digits";
		return -1;
	}
	/* A ':' after the last '/' starts the tag; one before it belongs to a registry port. */
	size_t repo_len = name_len;
	for (size_t i = name_len; i-- > 0 && s[i] != '/';)
		if (s[i] == ':') {
			repo_len = i;
			break;
		}
	bool has_tag = repo_len < name_len;
	if (repo_len == 0) {
		*why = "no repository before the tag or digest";
		return -1;
	}
	if (has_tag && !tag_ok(s + repo_len + 1, name_len - repo_len - 1)) {
		*why = repo_len + 1 == name_len ? "empty tag after ':'"
						: "bad tag: letters, digits, '_', '.' and '-', at most 128, "
						  "not starting with '.' or '-'";
		return -1;
	}
	if (!repo_ok(s, repo_len)) {
		*why = "bad repository: [REGISTRY[:PORT]/]PATH with lowercase letters and digits "
		       "joined by '.', '_', '__' or '-'";
		return -1;
	}
	out->repo = dup_bytes(s, repo_len);
	out->tag = has_tag ? dup_bytes(s + repo_len + 1, name_len - repo_len - 1) : NULL;
	out->digest = at ? strdup(at + 1) : NULL;
	if (!out->repo || (has_tag && !out->tag) || (at && !out->digest)) {
		gt_image_ref_clear(out);
		*why = "out of memory";
		return -1;
	}
	return 0;
}

/* ---- the tree: every node of every document, in document order ---- */

enum ykind { Y_SCALAR, Y_MAP, Y_SEQ, Y_ALIAS };

struct ynode {
	enum ykind kind;
	bool flow;                 /* a flow collection, or a node inside one */
	yaml_scalar_style_t style; /* scalars */
	size_t start, end;         /* bytes; start is where an anchor or tag begins, if any */
	size_t close;              /* collections: where the closing event begins (a flow map's '}') */
	size_t after;              /* one past the last descendant: the children are the subtrees in between */
	size_t n_kids;             /* a map counts its keys and its values */
	size_t parent, doc;
	char *value; /* scalars: the value; aliases: the anchor named */
	size_t len;
	char *tag, *anchor;
};

struct ydoc {
	size_t root; /* NO_NODE until the root event */
	size_t start;
};

struct ytree {
	const char *buf;
	size_t len, bom;
	struct ynode *nodes;
	size_t n, cap;
	struct ydoc *docs;
	size_t n_docs, cap_docs;
	size_t *marks; /* the byte offset of every CHARMAP_STEP-th character after the BOM */
	size_t n_marks;
	bool ascii;                /* every character is one byte: no marks needed */
	size_t seen_idx[2], seen_b[2]; /* the last two conversions: marks come nearly in order, walks start there */
};

static void tree_free(struct ytree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->nodes[i].value);
		free(t->nodes[i].tag);
		free(t->nodes[i].anchor);
	}
	free(t->nodes);
	free(t->docs);
	free(t->marks);
	memset(t, 0, sizeof(*t));
}

static int charmap_build(struct ytree *t)
{
	size_t chars = 0;
	t->ascii = true;
	for (size_t i = t->bom; i < t->len && t->ascii; i++)
		t->ascii = !((unsigned char)t->buf[i] & 0x80);
	t->seen_b[0] = t->seen_b[1] = t->bom;
	if (t->ascii)
		return 0;
	t->marks = malloc((t->len / CHARMAP_STEP + 2) * sizeof(*t->marks));
	if (!t->marks)
		return -1;
	for (size_t i = t->bom; i < t->len; i++) {
		if (is_continuation(t->buf[i]))
			continue;
		if (chars++ % CHARMAP_STEP == 0)
			t->marks[t->n_marks++] = i;
	}
	if (chars % CHARMAP_STEP == 0)
		t->marks[t->n_marks++] = t->len; /* the end of the input is a mark too */
	return 0;
}

/* The byte offset of libyaml's character index idx. */
static size_t byte_at(struct ytree *t, size_t idx)
{
	if (t->ascii)
		return idx + t->bom < t->len ? idx + t->bom : t->len;
	size_t k = idx / CHARMAP_STEP, from = k * CHARMAP_STEP, b;
	if (k >= t->n_marks)
		return t->len;
	b = t->marks[k];
	for (int i = 0; i < 2; i++)
		if (idx >= t->seen_idx[i] && t->seen_idx[i] > from) {
			from = t->seen_idx[i];
			b = t->seen_b[i];
		}
	for (size_t r = idx - from; r > 0 && b < t->len; r--)
		for (b++; b < t->len && is_continuation(t->buf[b]); b++)
			;
	t->seen_idx[0] = t->seen_idx[1];
	t->seen_b[0] = t->seen_b[1];
	t->seen_idx[1] = idx;
	t->seen_b[1] = b;
	return b;
}

/* 1-based line and column (in characters) of byte pos. */
static void line_col(const struct ytree *t, size_t pos, unsigned long *line, unsigned long *col)
{
	size_t start = t->bom, w;
	*line = 1;
	for (size_t i = 0; i < pos && i < t->len; i++)
		if ((w = break_at(t->buf, t->len, i))) {
			++*line;
			i += w - 1;
			start = i + 1;
		}
	*col = 1;
	for (size_t i = start; i < pos && i < t->len; i++)
		if (!is_continuation(t->buf[i]))
			++*col;
}

/* "NAME:LINE:COLUMN: message" for byte pos of t, or "NAME: message" when t is NULL; nothing when name is NULL. */
__attribute__((format(printf, 4, 5)))
static void report(const char *name, const struct ytree *t, size_t pos, const char *fmt, ...)
{
	char msg[MESSAGE_MAX];
	va_list ap;
	if (!name)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!t) {
		gt_error("%s: %s", name, msg);
		return;
	}
	unsigned long line, col;
	line_col(t, pos, &line, &col);
	gt_error("%s:%lu:%lu: %s", name, line, col, msg);
}

struct builder {
	struct ytree *t;
	const char *name; /* NULL: quiet */
	const struct gt_limits *lim;
	size_t *open; /* collections not closed yet, innermost last */
	size_t depth, cap;
	size_t flow_depth;
};

static size_t node_new(struct builder *b, enum ykind kind, const yaml_event_t *ev)
{
	struct ytree *t = b->t;
	if (GT_GROW(t->nodes, t->cap, t->n + 1) < 0)
		return NO_NODE;
	size_t i = t->n++;
	struct ynode *n = &t->nodes[i];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->start = byte_at(t, ev->start_mark.index);
	n->end = byte_at(t, ev->end_mark.index);
	n->after = i + 1;
	n->flow = b->flow_depth > 0;
	n->doc = t->n_docs - 1;
	n->parent = b->depth ? b->open[b->depth - 1] : NO_NODE;
	if (n->parent == NO_NODE)
		t->docs[n->doc].root = i;
	else
		t->nodes[n->parent].n_kids++;
	return i;
}

static int node_strings(struct ynode *n, const yaml_char_t *value, size_t len, const yaml_char_t *tag,
			const yaml_char_t *anchor)
{
	if (value && !(n->value = dup_bytes(value, len)))
		return -1;
	n->len = len;
	if (tag && !(n->tag = strdup((const char *)tag)))
		return -1;
	if (anchor && !(n->anchor = strdup((const char *)anchor)))
		return -1;
	return 0;
}

static int doc_new(struct builder *b, const yaml_event_t *ev)
{
	struct ytree *t = b->t;
	if (GT_GROW(t->docs, t->cap_docs, t->n_docs + 1) < 0)
		return -1;
	t->docs[t->n_docs++] = (struct ydoc){ NO_NODE, byte_at(t, ev->start_mark.index) };
	return 0;
}

static int collection_open(struct builder *b, size_t i, bool flow)
{
	if (b->depth >= b->lim->max_depth) {
		report(b->name, b->t, b->t->nodes[i].start, "nested deeper than %zu levels (--max-depth)",
		       b->lim->max_depth);
		return -2;
	}
	if (GT_GROW(b->open, b->cap, b->depth + 1) < 0)
		return -1;
	b->open[b->depth++] = i;
	if (flow) {
		b->t->nodes[i].flow = true;
		b->flow_depth++;
	}
	return 0;
}

static void collection_close(struct builder *b, const yaml_event_t *ev)
{
	struct ytree *t = b->t;
	struct ynode *n = &t->nodes[b->open[--b->depth]];
	n->close = byte_at(t, ev->start_mark.index);
	n->end = byte_at(t, ev->end_mark.index);
	n->after = t->n;
	if (n->flow) /* only flow collections opened one; nothing inside a flow one is block */
		b->flow_depth--;
}

/* One event into the tree: 1 at the end of the stream, 0 to go on, -1 out of memory, -2 reported. */
static int tree_add_event(struct builder *b, const yaml_event_t *ev)
{
	size_t i;
	switch (ev->type) {
	case YAML_STREAM_END_EVENT:
		return 1;
	case YAML_DOCUMENT_START_EVENT:
		return doc_new(b, ev);
	case YAML_SCALAR_EVENT:
		if ((i = node_new(b, Y_SCALAR, ev)) == NO_NODE)
			return -1;
		b->t->nodes[i].style = ev->data.scalar.style;
		return node_strings(&b->t->nodes[i], ev->data.scalar.value, ev->data.scalar.length,
				    ev->data.scalar.tag, ev->data.scalar.anchor);
	case YAML_ALIAS_EVENT:
		if ((i = node_new(b, Y_ALIAS, ev)) == NO_NODE)
			return -1;
		return node_strings(&b->t->nodes[i], ev->data.alias.anchor, strlen((char *)ev->data.alias.anchor),
				    NULL, NULL);
	case YAML_MAPPING_START_EVENT:
		if ((i = node_new(b, Y_MAP, ev)) == NO_NODE ||
		    node_strings(&b->t->nodes[i], NULL, 0, ev->data.mapping_start.tag, ev->data.mapping_start.anchor))
			return -1;
		return collection_open(b, i, ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE);
	case YAML_SEQUENCE_START_EVENT:
		if ((i = node_new(b, Y_SEQ, ev)) == NO_NODE ||
		    node_strings(&b->t->nodes[i], NULL, 0, ev->data.sequence_start.tag,
				 ev->data.sequence_start.anchor))
			return -1;
		return collection_open(b, i, ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE);
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		collection_close(b, ev);
		return 0;
	default:
		return 0;
	}
}

static void report_parser_error(struct builder *b, const yaml_parser_t *p)
{
	const char *problem = p->error == YAML_MEMORY_ERROR ? "out of memory" : p->problem ? p->problem : "malformed YAML";
	const char *context = p->context && p->error != YAML_MEMORY_ERROR ? p->context : "";
	if (p->error == YAML_READER_ERROR) {
		/* Reader errors (bad UTF-8, control characters) carry a byte offset only. */
		report(b->name, b->t, p->problem_offset, "%s", problem);
		return;
	}
	if (b->name)
		gt_error("%s:%lu:%lu: %s%s%s", b->name, (unsigned long)p->problem_mark.line + 1,
			 (unsigned long)p->problem_mark.column + 1, problem, *context ? " " : "", context);
}

/* Every event is checked, so a document ending in one huge scalar is caught at its end. */
static bool document_too_large(struct builder *b, const yaml_event_t *ev)
{
	struct ytree *t = b->t;
	size_t pos = byte_at(t, ev->start_mark.index);
	if (!t->n_docs || pos - t->docs[t->n_docs - 1].start <= b->lim->max_doc_bytes)
		return false;
	report(b->name, t, pos, "document larger than %zu bytes (--max-document-size)", b->lim->max_doc_bytes);
	return true;
}

/* Read buf into t; -1 after printing why (nothing printed when name is NULL). t borrows buf. */
static int tree_parse(struct ytree *t, const char *buf, size_t len, const char *name, const struct gt_limits *lim)
{
	memset(t, 0, sizeof(*t));
	t->buf = buf;
	t->len = len;
	if (len >= 2 && (((unsigned char)buf[0] == 0xFF && (unsigned char)buf[1] == 0xFE) ||
			 ((unsigned char)buf[0] == 0xFE && (unsigned char)buf[1] == 0xFF))) {
		report(name, NULL, 0, "UTF-16 files cannot be edited in place; convert the file to UTF-8");
		return -1;
	}
	t->bom = len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3) ? 3 : 0;
	struct builder b = { .t = t, .name = name, .lim = lim };
	yaml_parser_t parser;
	int st = charmap_build(t) < 0 || !yaml_parser_initialize(&parser) ? -1 : 0;
	if (st == 0) {
		yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
		while (st == 0) {
			yaml_event_t ev;
			if (!yaml_parser_parse(&parser, &ev)) {
				report_parser_error(&b, &parser);
				st = -2;
				break;
			}
			st = tree_add_event(&b, &ev);
			if (st == 0 && document_too_large(&b, &ev))
				st = -2;
			yaml_event_delete(&ev);
		}
		yaml_parser_delete(&parser);
	}
	free(b.open);
	if (st == -1)
		report(name, NULL, 0, "out of memory");
	if (st < 0)
		tree_free(t);
	return st < 0 ? -1 : 0;
}

/* ---- what a scalar reads as ---- */

enum tag_kind { TAG_NONE, TAG_STR, TAG_INT, TAG_FLOAT, TAG_BOOL, TAG_NULL, TAG_OTHER };

static enum tag_kind tag_kind_of(const char *tag)
{
	static const struct { const char *name; enum tag_kind kind; } tags[] = {
		{ "tag:yaml.org,2002:str", TAG_STR },	{ "tag:yaml.org,2002:binary", TAG_STR },
		{ "tag:yaml.org,2002:timestamp", TAG_STR }, { "!", TAG_STR },
		{ "tag:yaml.org,2002:int", TAG_INT },	{ "tag:yaml.org,2002:float", TAG_FLOAT },
		{ "tag:yaml.org,2002:bool", TAG_BOOL },	{ "tag:yaml.org,2002:null", TAG_NULL },
	};
	if (!tag)
		return TAG_NONE;
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (!strcmp(tag, tags[i].name))
			return tags[i].kind;
	return TAG_OTHER;
}

static bool tag_allows(enum tag_kind k, const json_t *v)
{
	switch (k) {
	case TAG_STR: return json_is_string(v);
	case TAG_INT: return json_is_integer(v);
	case TAG_FLOAT: return json_is_number(v);
	case TAG_BOOL: return json_is_boolean(v);
	case TAG_NULL: return json_is_null(v);
	default: return true;
	}
}

/* The value the project's reader gives a scalar (the tag rules of common/yaml.c over
 * gt_yaml_resolve_plain); NULL where it gives none (.inf, a value its tag refuses). */
static json_t *scalar_json(const char *s, size_t len, yaml_scalar_style_t style, const char *tag)
{
	const char *why;
	return gt_yaml_scalar_value(s, len, style == YAML_PLAIN_SCALAR_STYLE, tag, &why);
}

static json_t *node_json(const struct ytree *t, size_t i)
{
	const struct ynode *n = &t->nodes[i];
	return scalar_json(n->value, n->len, n->style, n->tag);
}

static bool is_empty_null(const struct ynode *n)
{
	return n->kind == Y_SCALAR && n->len == 0 && n->style == YAML_PLAIN_SCALAR_STYLE && !n->tag;
}

static const char *kind_name(const struct ytree *t, size_t i)
{
	const struct ynode *n = &t->nodes[i];
	if (n->kind != Y_SCALAR)
		return n->kind == Y_MAP ? "a map" : n->kind == Y_SEQ ? "a list" : "an alias";
	json_t *v = node_json(t, i);
	const char *name = !v ? "a value" : json_is_string(v) ? "a string" : json_is_number(v) ? "a number"
		: json_is_boolean(v) ? "a boolean" : "null";
	json_decref(v);
	return name;
}

/* ---- writing values ---- */

/* Plain text that reads back as exactly these characters (the typing is checked apart). */
static bool plain_ok(const char *s, size_t len, bool flow)
{
	if (len == 0 || !all_printable(s, len, false))
		return false;
	if (strchr(",[]{}#&*!|>'\"%@`", s[0]))
		return false;
	if (strchr("-?:", s[0]) && (len == 1 || s[1] == ' ' || (flow && strchr(",[]{}", s[1]))))
		return false;
	if (s[0] == ' ' || s[len - 1] == ' ' || s[len - 1] == ':')
		return false;
	if (len >= 3 && (!memcmp(s, "---", 3) || !memcmp(s, "...", 3)))
		return false;
	for (size_t i = 0; i + 1 < len; i++)
		if ((s[i] == ':' && s[i + 1] == ' ') || (s[i] == ' ' && s[i + 1] == '#'))
			return false;
	for (size_t i = 0; flow && i < len; i++)
		if (strchr(",[]{}", s[i]))
			return false;
	return true;
}

static bool single_ok(const char *s, size_t len) { return all_printable(s, len, false); }

/* A literal block can hold it: lines of printable text, the first not starting with a
 * space (that would need an indentation indicator), at most one final line break. */
static bool literal_ok(const char *s, size_t len)
{
	if (!len || !memchr(s, '\n', len) || s[0] == ' ' || s[0] == '\t' || s[0] == '\n')
		return false;
	if (len >= 2 && s[len - 1] == '\n' && s[len - 2] == '\n')
		return false;
	return all_printable(s, len, true);
}

static void add_double_quoted(struct text *t, const char *s, size_t len)
{
	char esc[16];
	uint32_t c;
	text_addc(t, '"');
	for (size_t i = 0, w; i < len; i += w) {
		if (!(w = utf8_decode(s + i, len - i, &c))) {
			w = 1; /* never reached: values are checked for UTF-8 first */
			continue;
		}
		const char *named = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '\t' ? "\\t"
			: c == '\r' ? "\\r" : c == 0 ? "\\0" : c == 0x85 ? "\\N" : c == 0x2028 ? "\\L"
			: c == 0x2029 ? "\\P" : NULL;
		if (named)
			text_adds(t, named);
		else if (yaml_printable(c))
			text_add(t, s + i, w);
		else {
			snprintf(esc, sizeof(esc), c <= 0xFF ? "\\x%02X" : c <= 0xFFFF ? "\\u%04X" : "\\U%08X", (unsigned)c);
			text_adds(t, esc);
		}
	}
	text_addc(t, '"');
}

static void add_single_quoted(struct text *t, const char *s, size_t len)
{
	text_addc(t, '\'');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\'')
			text_addc(t, '\'');
		text_addc(t, s[i]);
	}
	text_addc(t, '\'');
}

/* "|" or "|-", the header's comment, then each line indented; the old block's final line break follows. */
static void add_literal(struct text *t, const char *s, size_t len, size_t indent, const char *nl,
			const char *comment, size_t comment_len)
{
	bool clip = s[len - 1] == '\n';
	text_adds(t, clip ? "|" : "|-");
	if (comment_len) {
		text_addc(t, ' ');
		text_add(t, comment, comment_len);
	}
	size_t end = clip ? len - 1 : len;
	for (size_t i = 0; i <= end;) {
		const char *eol = memchr(s + i, '\n', end - i);
		size_t line_end = eol ? (size_t)(eol - s) : end;
		text_adds(t, nl);
		if (line_end > i) {
			text_spaces(t, indent);
			text_add(t, s + i, line_end - i);
		}
		i = line_end + 1;
	}
}

enum qstyle { Q_PLAIN, Q_SINGLE, Q_DOUBLE, Q_LITERAL };

/* Plain when a reader reads the text back as this string (or the node is tagged !!str), else double quotes. */
static enum qstyle string_style(const char *s, size_t len, bool flow, bool str_tagged)
{
	return plain_ok(s, len, flow) && (str_tagged || !gt_yaml_string_needs_quotes(s, len)) ? Q_PLAIN : Q_DOUBLE;
}

/* How to write want where old was: its quoting kept where the new text allows it. */
static enum qstyle preferred_style(const struct ynode *old, const json_t *want, const char *v, size_t len)
{
	if (!json_is_string(want))
		return Q_PLAIN; /* a number, boolean or null, written as the user gave it */
	enum qstyle plain = string_style(v, len, old->flow, tag_kind_of(old->tag) == TAG_STR);
	switch (old->style) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
		return single_ok(v, len) ? Q_SINGLE : Q_DOUBLE;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		return Q_DOUBLE;
	case YAML_LITERAL_SCALAR_STYLE:
	case YAML_FOLDED_SCALAR_STYLE:
		return literal_ok(v, len) ? Q_LITERAL : plain;
	default:
		return plain;
	}
}

/* JSON types in the sense of "keeps the old one's type": a number is a number, int or real. */
static int type_class(const json_t *v)
{
	return json_is_number(v) ? JSON_INTEGER : json_is_boolean(v) ? JSON_TRUE : (int)json_typeof(v);
}

/*
 * What the new value must read back as. A string when asked for one, when it is
 * empty, or when the old value was a string. Where the old value was a number
 * (boolean, null), a new value YAML types the same way keeps that type, anything
 * else becomes a string: "replicas: 2" set to "yes" is the string "yes", never
 * true. A key being added (old NULL) gets YAML's own typing.
 */
static json_t *target_value(const json_t *old, bool adding, const char *value, unsigned flags)
{
	size_t len = strlen(value);
	const char *why;
	if ((flags & GT_YEDIT_STRING) || !len || (!adding && (!old || json_is_string(old))))
		return json_stringn(value, len);
	json_t *v = gt_yaml_resolve_plain(value, len, &why);
	if (v && (adding || type_class(v) == type_class(old)))
		return v;
	json_decref(v);
	return json_stringn(value, len);
}

/* A value written into a new key: a string plain when it reads back as itself, else double-quoted. */
static void add_new_value(struct text *t, const char *v, bool as_string, bool flow)
{
	size_t len = strlen(v);
	if (!as_string || string_style(v, len, flow, false) == Q_PLAIN)
		text_add(t, v, len);
	else
		add_double_quoted(t, v, len);
}

static void add_new_key(struct text *t, const char *key, bool flow)
{
	size_t len = strlen(key);
	if (string_style(key, len, flow, false) == Q_PLAIN)
		text_add(t, key, len);
	else
		add_double_quoted(t, key, len);
}

/* ---- where things are in the bytes ---- */

/* Where a scalar's own text begins: past its anchor and tag and what separates them
 * from it (spaces, line breaks, even comments). */
static size_t value_start(const struct ytree *t, const struct ynode *n)
{
	const char *b = t->buf;
	size_t p = n->start, end = n->end, w;
	while (p < end) {
		if (is_blank(b[p]))
			p++;
		else if ((w = break_at(b, t->len, p)))
			p += w;
		else if (b[p] == '#')
			while (p < end && !break_at(b, t->len, p))
				p++;
		else if (b[p] == '&')
			for (p++; p < end && (is_alnum(b[p]) || b[p] == '-' || b[p] == '_'); p++)
				;
		else if (b[p] == '!' && p + 1 < end && b[p + 1] == '<')
			for (p += 2; p < end && b[p - 1] != '>'; p++)
				;
		else if (b[p] == '!')
			while (p < end && !is_blank(b[p]) && !break_at(b, t->len, p) && b[p] != ',')
				p++;
		else
			break;
	}
	return p;
}

static size_t line_start_of(const struct ytree *t, size_t pos)
{
	while (pos > t->bom && !break_before(t->buf, t->len, pos))
		pos--;
	return pos;
}

/* Column in characters, 0-based, as libyaml counts it. */
static size_t column_of(const struct ytree *t, size_t pos)
{
	size_t col = 0;
	for (size_t i = line_start_of(t, pos); i < pos; i++)
		if (!is_continuation(t->buf[i]))
			col++;
	return col;
}

/* The end of pos's line, before its line break (or the end of the file). */
static size_t line_end_of(const struct ytree *t, size_t pos)
{
	while (pos < t->len && !break_at(t->buf, t->len, pos))
		pos++;
	return pos;
}

/* The first line break of the file decides how new lines end ("\n" after NEL, LS or PS). */
static const char *newline_of(const struct ytree *t)
{
	size_t e = line_end_of(t, t->bom), w = break_at(t->buf, t->len, e);
	return w == 2 && t->buf[e] == '\r' ? "\r\n" : w == 1 && t->buf[e] == '\r' ? "\r" : "\n";
}

static bool block_keeps_trailing_lines(const struct ytree *t, const struct ynode *n)
{
	size_t p = value_start(t, n), e = line_end_of(t, p);
	for (p++; p < e && (is_digit(t->buf[p]) || t->buf[p] == '+' || t->buf[p] == '-'); p++)
		if (t->buf[p] == '+')
			return true;
	return false;
}

/* One past the last byte that belongs to a block scalar's content (or its header, when empty). */
static size_t block_content_end(const struct ytree *t, const struct ynode *n)
{
	size_t p = n->end, vs = value_start(t, n);
	while (p > vs) {
		size_t w = is_blank(t->buf[p - 1]) ? 1 : break_before(t->buf, t->len, p);
		if (!w)
			break;
		p -= w;
	}
	return p;
}

static size_t last_kid(const struct ytree *t, size_t i)
{
	size_t last = i + 1;
	for (size_t k = i + 1; k < t->nodes[i].after; k = t->nodes[k].after)
		last = k;
	return last;
}

/* One past the last byte of i's own text: for a collection, that of its last descendant. */
static size_t content_end(const struct ytree *t, size_t i)
{
	for (;;) {
		const struct ynode *n = &t->nodes[i];
		if (n->kind == Y_ALIAS || n->flow || (n->kind != Y_SCALAR && n->n_kids == 0))
			return n->end;
		if (n->kind == Y_SCALAR) {
			bool block = n->style == YAML_LITERAL_SCALAR_STYLE || n->style == YAML_FOLDED_SCALAR_STYLE;
			/* A |+ block owns its trailing blank lines: new lines go after them. */
			return block && !block_keeps_trailing_lines(t, n) ? block_content_end(t, n) : n->end;
		}
		i = last_kid(t, i);
	}
}

/* Where the line after pos's line begins; *at_eof when the file ends on pos's line. */
static size_t next_line_start(const struct ytree *t, size_t pos, bool *at_eof)
{
	*at_eof = false;
	if (pos > t->bom && break_before(t->buf, t->len, pos))
		return pos;
	size_t e = line_end_of(t, pos);
	*at_eof = e == t->len;
	return e + break_at(t->buf, t->len, e);
}

/* The column of a block map's keys (its first key's text). */
static size_t map_key_column(const struct ytree *t, size_t map)
{
	return column_of(t, value_start(t, &t->nodes[map + 1]));
}

/* How far the file indents a map inside a map; DEFAULT_INDENT_STEP when it never does. */
static size_t indent_step(const struct ytree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct ynode *n = &t->nodes[i];
		if (n->kind != Y_MAP || n->flow || !n->n_kids || n->parent == NO_NODE)
			continue;
		const struct ynode *p = &t->nodes[n->parent];
		if (p->kind != Y_MAP || p->flow)
			continue;
		size_t col = map_key_column(t, i), pcol = map_key_column(t, n->parent);
		if (col > pcol)
			return col - pcol;
	}
	return DEFAULT_INDENT_STEP;
}

/* The bytes an edit of scalar i replaces, and what goes around the new text. */
struct range {
	size_t from, to;
	const char *lead;    /* before the value: " " where an empty value had no space */
	const char *comment; /* a block scalar header's comment, kept after the new value */
	size_t comment_len;
	size_t indent; /* a block scalar's content indentation; 0 when it has no content */
};

static void block_range(const struct ytree *t, const struct ynode *n, struct range *r)
{
	const char *b = t->buf;
	size_t vs = value_start(t, n), header_end = line_end_of(t, vs), last = block_content_end(t, n);
	r->from = vs;
	for (size_t p = vs + 1; p < header_end; p++)
		if (b[p] == '#' && is_blank(b[p - 1])) {
			r->comment = b + p;
			r->comment_len = header_end - p;
			break;
		}
	if (last <= header_end) {
		r->to = header_end;
		return;
	}
	r->to = line_end_of(t, last - 1);
	size_t first = header_end;
	while (first < last) {
		size_t w = is_blank(b[first]) ? 1 : break_at(b, t->len, first);
		if (!w)
			break;
		first += w;
	}
	r->indent = column_of(t, first);
}

/* An empty value has no bytes: the new text goes after the ':' (or '-'), with a space. */
static void empty_range(const struct ytree *t, size_t i, struct range *r)
{
	const struct ynode *n = &t->nodes[i];
	const char *b = t->buf;
	size_t m = n->end, q = m;
	r->from = r->to = m;
	r->lead = " ";
	if (n->start != n->end) /* "key: &anchor": after the anchor */
		return;
	while (q > 0 && is_blank(b[q - 1]))
		q--;
	bool in_map = n->parent != NO_NODE && t->nodes[n->parent].kind == Y_MAP;
	bool after_indicator = q > 0 && b[q - 1] == (in_map ? ':' : '-');
	if (!after_indicator && in_map) {
		r->lead = ": "; /* a flow map's "{key}" */
		return;
	}
	if (q < m)
		r->lead = ""; /* "{a: , b: 1}": the space is there already */
	else if (m < t->len && b[m] == ' ') {
		size_t e = m;
		while (e < t->len && is_blank(b[e]))
			e++;
		if (e == t->len || break_at(b, t->len, e)) { /* "key: " at a line's end: fill the space */
			r->from = r->to = m + 1;
			r->lead = "";
		}
	}
}

static void scalar_range(const struct ytree *t, size_t i, struct range *r)
{
	const struct ynode *n = &t->nodes[i];
	memset(r, 0, sizeof(*r));
	r->lead = "";
	if (n->style == YAML_LITERAL_SCALAR_STYLE || n->style == YAML_FOLDED_SCALAR_STYLE)
		block_range(t, n, r);
	else if (n->len == 0 && n->style == YAML_PLAIN_SCALAR_STYLE)
		empty_range(t, i, r);
	else {
		r->from = value_start(t, n);
		r->to = n->end;
	}
}

/* ---- following a key path ---- */

enum miss { MISS_NONE, MISS_KEY, MISS_EMPTY, MISS_NOT_MAP, MISS_NOT_LIST, MISS_ITEM, MISS_NO_DOC };

struct lookup {
	size_t node; /* found: the node at the path; missing: where the walk stopped */
	size_t seg;  /* the first segment that could not be followed */
	enum miss miss;
};

static bool scalar_is(const struct ynode *n, const char *s)
{
	size_t len = strlen(s);
	return n->kind == Y_SCALAR && n->len == len && !memcmp(n->value, s, len);
}

/* The node an alias refers to: the latest anchor of that name before it in its document. */
static size_t anchored_node(const struct ytree *t, size_t alias)
{
	const struct ynode *a = &t->nodes[alias];
	for (size_t j = alias; j-- > 0 && t->nodes[j].doc == a->doc;)
		if (t->nodes[j].anchor && !strcmp(t->nodes[j].anchor, a->value))
			return j;
	return NO_NODE;
}

static int alias_error(const char *name, const struct ytree *t, size_t alias, const struct gt_keypath *p, size_t s)
{
	size_t target = anchored_node(t, alias);
	unsigned long line = 0, col;
	if (target != NO_NODE)
		line_col(t, t->nodes[target].start, &line, &col);
	report(name, t, t->nodes[alias].start,
	       "%s: '%.*s' is the alias *%s of &%s (line %lu); editing it would change every other user of that "
	       "anchor: set the value where the anchor is defined",
	       p->text, path_prefix_len(p, s), p->text, t->nodes[alias].value,
	       t->nodes[alias].value, line);
	return -1;
}

/* The value of key in map (first of its kind); NO_NODE when the map has none. */
static size_t map_find(const struct ytree *t, size_t map, const char *key)
{
	for (size_t k = map + 1; k < t->nodes[map].after; k = t->nodes[t->nodes[k].after].after)
		if (scalar_is(&t->nodes[k], key))
			return t->nodes[k].after;
	return NO_NODE;
}

/* A map a merge key '<<' brings in that has key: its merge value's node, else NO_NODE. */
static size_t merged_from(const struct ytree *t, size_t map, const char *key)
{
	for (size_t k = map + 1; k < t->nodes[map].after; k = t->nodes[t->nodes[k].after].after) {
		const struct ynode *kn = &t->nodes[k];
		if (!scalar_is(kn, "<<") || kn->style != YAML_PLAIN_SCALAR_STYLE)
			continue;
		size_t v = kn->after, first = v + (t->nodes[v].kind == Y_SEQ), last = t->nodes[v].after;
		for (size_t src = t->nodes[v].kind == Y_SEQ ? first : v; src < last; src = t->nodes[src].after) {
			size_t m = t->nodes[src].kind == Y_ALIAS ? anchored_node(t, src) : src;
			if (m != NO_NODE && t->nodes[m].kind == Y_MAP && map_find(t, m, key) != NO_NODE)
				return v;
			if (t->nodes[v].kind != Y_SEQ)
				break;
		}
	}
	return NO_NODE;
}

/* 1 with *val, 0 when the map has no such key, -1 after printing (a duplicate, a merged key). */
static int map_get(const char *name, const struct ytree *t, size_t map, const struct gt_keypath *p, size_t s,
		   size_t *val)
{
	const char *key = p->segs[s].key;
	*val = map_find(t, map, key);
	if (*val != NO_NODE) {
		size_t again = NO_NODE;
		for (size_t k = t->nodes[*val].after; k < t->nodes[map].after; k = t->nodes[t->nodes[k].after].after)
			if (scalar_is(&t->nodes[k], key))
				again = k;
		if (again == NO_NODE)
			return 1;
		unsigned long line, col;
		line_col(t, t->nodes[*val - 1].start, &line, &col);
		report(name, t, t->nodes[again].start, "%s: key '%s' appears twice in this map (first at line %lu)",
		       p->text, key, line);
		return -1;
	}
	size_t merge = merged_from(t, map, key);
	if (merge == NO_NODE)
		return 0;
	report(name, t, t->nodes[merge].start,
	       "%s: '%s' comes from this merge key '<<', not from the map itself; editing it would change every "
	       "map that merges the same anchor: set it where the merged map is defined",
	       p->text, key);
	return -1;
}

/* The item of a list that is a map whose field has the segment's value. */
static int seq_match(const char *name, const struct ytree *t, size_t seq, const struct gt_keypath *p, size_t s,
		     size_t *item)
{
	const struct seg *sg = &p->segs[s];
	*item = NO_NODE;
	for (size_t i = seq + 1; i < t->nodes[seq].after; i = t->nodes[i].after) {
		size_t m = t->nodes[i].kind == Y_ALIAS ? anchored_node(t, i) : i;
		if (m == NO_NODE || t->nodes[m].kind != Y_MAP)
			continue;
		size_t v = map_find(t, m, sg->key);
		if (v == NO_NODE || !scalar_is(&t->nodes[v], sg->value))
			continue;
		if (t->nodes[i].kind == Y_ALIAS)
			return alias_error(name, t, i, p, s + 1);
		if (*item != NO_NODE) {
			report(name, t, t->nodes[i].start, "%s: more than one item of '%.*s' has %s=%s", p->text,
			       path_prefix_len(p, s), p->text, sg->key, sg->value);
			return -1;
		}
		*item = i;
	}
	return *item != NO_NODE;
}

static int seq_index(const struct ytree *t, size_t seq, size_t index, size_t *item)
{
	size_t i = seq + 1;
	for (size_t n = 0; i < t->nodes[seq].after && n < index; n++)
		i = t->nodes[i].after;
	*item = i < t->nodes[seq].after ? i : NO_NODE;
	return *item != NO_NODE;
}

/* Follow one segment from node cur: 1 with *next, 0 missing (lk says why), -1 after printing. */
static int follow(const char *name, const struct ytree *t, size_t cur, const struct gt_keypath *p, size_t s,
		  size_t *next, struct lookup *lk)
{
	const struct ynode *n = &t->nodes[cur];
	int r;
	if (p->segs[s].kind == SEG_KEY) {
		if (n->kind != Y_MAP) {
			lk->miss = is_empty_null(n) ? MISS_EMPTY : MISS_NOT_MAP;
			return 0;
		}
		r = map_get(name, t, cur, p, s, next);
		lk->miss = MISS_KEY;
	} else {
		if (n->kind != Y_SEQ) {
			lk->miss = is_empty_null(n) ? MISS_EMPTY : MISS_NOT_LIST;
			return 0;
		}
		r = p->segs[s].kind == SEG_INDEX ? seq_index(t, cur, p->segs[s].index, next)
						 : seq_match(name, t, cur, p, s, next);
		lk->miss = MISS_ITEM;
	}
	return r;
}

/* 1 found (lk->node), 0 missing (lk says where and why), -1 after printing why it cannot be followed. */
static int lookup_path(const char *name, const struct ytree *t, size_t doc, const struct gt_keypath *p,
		       struct lookup *lk)
{
	size_t cur = t->docs[doc].root;
	for (size_t s = 0; s < p->n; s++) {
		*lk = (struct lookup){ cur, s, MISS_NONE };
		if (t->nodes[cur].kind == Y_ALIAS)
			return alias_error(name, t, cur, p, s);
		size_t next;
		int r = follow(name, t, cur, p, s, &next, lk);
		if (r <= 0)
			return r;
		cur = next;
	}
	*lk = (struct lookup){ cur, p->n, MISS_NONE };
	return t->nodes[cur].kind == Y_ALIAS ? alias_error(name, t, cur, p, p->n) : 1;
}

/* Find the path in the first document that has it: 1 with *doc and lk, 0 (lk: the first document's miss), -1. */
static int find_path(const char *name, const struct ytree *t, const struct gt_keypath *p, size_t *doc,
		     struct lookup *lk)
{
	struct lookup first = { NO_NODE, 0, MISS_NO_DOC };
	for (size_t d = 0; d < t->n_docs; d++) {
		int r = lookup_path(name, t, d, p, lk);
		if (r != 0) {
			*doc = d;
			return r;
		}
		if (d == 0)
			first = *lk;
	}
	*doc = 0;
	*lk = first;
	return 0;
}

/* Why the path is not there, in one line; hint ("" or "; ...") is added at its end. */
static void report_missing(const char *name, const struct ytree *t, const struct gt_keypath *p,
			   const struct lookup *lk, const char *hint)
{
	int plen = path_prefix_len(p, lk->seg);
	const struct seg *sg = &p->segs[lk->seg];
	char subject[MESSAGE_MAX / 2], item[64];
	if (lk->miss == MISS_NO_DOC || lk->node == NO_NODE) {
		report(name, NULL, 0, "no key '%s': the file has no YAML document%s", p->text, hint);
		return;
	}
	if (plen)
		snprintf(subject, sizeof(subject), "'%.*s'", plen, p->text);
	else
		snprintf(subject, sizeof(subject), "the document");
	size_t pos = t->nodes[lk->node].start;
	if (sg->kind == SEG_INDEX)
		snprintf(item, sizeof(item), "[%zu]", sg->index);
	else if (sg->kind == SEG_MATCH)
		snprintf(item, sizeof(item), "[%.20s=%.30s]", sg->key, sg->value);
	switch (lk->miss) {
	case MISS_KEY:
		report(name, t, pos, "no key '%s': %s has no key '%s'%s", p->text, subject, sg->key, hint);
		break;
	case MISS_EMPTY:
		report(name, t, pos, "no key '%s': %s is empty%s", p->text, subject, hint);
		break;
	case MISS_ITEM:
		report(name, t, pos, "no key '%s': %s has no item %s%s", p->text, subject, item, hint);
		break;
	default:
		report(name, t, pos, "no key '%s': %s is %s, not %s%s", p->text, subject, kind_name(t, lk->node),
		       lk->miss == MISS_NOT_MAP ? "a map" : "a list", hint);
		break;
	}
}

/* ---- applying and checking an edit ---- */

struct splice {
	size_t from, to; /* the old bytes replaced */
	char *text;      /* owned */
	size_t len;
};

static void splices_free(struct splice *sp, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(sp[i].text);
}

/* buf with the splices (in order, not overlapping) applied; malloc'd. NULL if they are not. */
static char *splices_apply(const char *buf, size_t len, const struct splice *sp, size_t n, size_t *out_len)
{
	struct text t = { 0 };
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		if (sp[i].from < at || sp[i].to < sp[i].from || sp[i].to > len) {
			free(t.s);
			return NULL;
		}
		text_add(&t, buf + at, sp[i].from - at);
		text_add(&t, sp[i].text, sp[i].len);
		at = sp[i].to;
	}
	text_add(&t, buf + at, len - at);
	return text_take(&t, out_len);
}

/* How an edit changes the sequence of nodes (document order). */
struct reshape {
	size_t from, to;    /* the old nodes [from, to) ... */
	size_t added;       /* ... become this many new ones */
	size_t grown, grow; /* a collection that gains grow children (NO_NODE: none) */
	bool new_doc;       /* the stream had no document and gets one */
};

static const struct reshape same_shape = { 0, 0, 0, NO_NODE, 0, false };

static bool same_str(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

static bool scalars_read_same(const struct ytree *a, size_t i, const struct ytree *b, size_t j)
{
	json_t *va = node_json(a, i), *vb = node_json(b, j);
	bool same = va && vb ? json_equal(va, vb)
		: !va && !vb && a->nodes[i].len == b->nodes[j].len &&
		  !memcmp(a->nodes[i].value, b->nodes[j].value, a->nodes[i].len) &&
		  (a->nodes[i].style == YAML_PLAIN_SCALAR_STYLE) == (b->nodes[j].style == YAML_PLAIN_SCALAR_STYLE);
	json_decref(va);
	json_decref(vb);
	return same;
}

static bool nodes_same(const struct ytree *a, size_t i, const struct ytree *b, size_t j, size_t more_kids,
		       bool edited)
{
	const struct ynode *x = &a->nodes[i], *y = &b->nodes[j];
	if (x->kind != y->kind || x->n_kids + more_kids != y->n_kids || x->doc != y->doc ||
	    !same_str(x->anchor, y->anchor) || !same_str(x->tag, y->tag))
		return false;
	if (x->kind == Y_ALIAS)
		return !strcmp(x->value, y->value);
	return x->kind != Y_SCALAR || edited || scalars_read_same(a, i, b, j);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

/* edited is sorted: a file with thousands of images stays linear-logarithmic. */
static bool is_edited(size_t i, const size_t *edited, size_t n)
{
	return n && bsearch(&i, edited, n, sizeof(*edited), cmp_size);
}

/* Every node outside the change reads as before; edited nodes are checked by the caller. */
static bool shape_kept(const struct ytree *old, const struct ytree *new, const struct reshape *r,
		       const size_t *edited, size_t n_edited)
{
	if (new->n != old->n - (r->to - r->from) + r->added || new->n_docs != old->n_docs + r->new_doc)
		return false;
	for (size_t i = 0; i < old->n; i++) {
		if (i >= r->from && i < r->to)
			continue;
		size_t j = i < r->from ? i : i - r->to + r->from + r->added;
		if (!nodes_same(old, i, new, j, i == r->grown ? r->grow : 0, is_edited(i, edited, n_edited)))
			return false;
	}
	return true;
}

static bool node_reads_as(const struct ytree *t, size_t i, const json_t *want)
{
	if (i == NO_NODE || t->nodes[i].kind != Y_SCALAR)
		return false;
	json_t *v = node_json(t, i);
	bool ok = v && json_equal(v, want);
	json_decref(v);
	return ok;
}

static bool path_reads_as(const struct ytree *t, size_t doc, const struct gt_keypath *p, const json_t *want)
{
	struct lookup lk;
	return doc < t->n_docs && lookup_path(NULL, t, doc, p, &lk) == 1 && node_reads_as(t, lk.node, want);
}

/* ---- the editor ---- */

struct gt_yamledit {
	char *buf; /* NUL-terminated */
	size_t len;
	char *name;
	struct gt_limits lim;
};

struct gt_yamledit *gt_yamledit_new(const char *buf, size_t len, const char *name, const struct gt_limits *lim)
{
	struct gt_yamledit *e = calloc(1, sizeof(*e));
	struct ytree t;
	if (!name)
		name = "(input)";
	if (!e || !(e->name = strdup(name)) || !(e->buf = dup_bytes(buf, len))) {
		report(name, NULL, 0, "out of memory");
		gt_yamledit_free(e);
		return NULL;
	}
	e->len = len;
	e->lim = *lim;
	if (tree_parse(&t, e->buf, e->len, e->name, &e->lim) < 0) {
		gt_yamledit_free(e);
		return NULL;
	}
	tree_free(&t);
	return e;
}

void gt_yamledit_free(struct gt_yamledit *e)
{
	if (!e)
		return;
	free(e->buf);
	free(e->name);
	free(e);
}

const char *gt_yamledit_bytes(const struct gt_yamledit *e, size_t *len)
{
	*len = e->len;
	return e->buf;
}

static void commit(struct gt_yamledit *e, char *buf, size_t len)
{
	free(e->buf);
	e->buf = buf;
	e->len = len;
}

/* Apply the splices to a copy and read it: 0 with *nt and the bytes, -1 when the copy is not YAML. */
static int try_splices(const struct gt_yamledit *e, const struct splice *sp, size_t n, struct ytree *nt,
		       char **buf, size_t *len)
{
	*buf = splices_apply(e->buf, e->len, sp, n, len);
	if (*buf && tree_parse(nt, *buf, *len, NULL, &e->lim) == 0)
		return 0;
	free(*buf);
	*buf = NULL;
	return -1;
}

/* ---- editing scalars in place ---- */

struct scalar_edit {
	size_t node;
	const char *value; /* as given */
	json_t *want;      /* what it must read back as (owned) */
};

static int scalar_splice(const struct ytree *t, const struct scalar_edit *ed, bool force_double, const char *nl,
			 struct splice *sp)
{
	const struct ynode *n = &t->nodes[ed->node];
	size_t len = strlen(ed->value);
	struct range r;
	struct text out = { 0 };
	scalar_range(t, ed->node, &r);
	enum qstyle st = force_double && json_is_string(ed->want) ? Q_DOUBLE : preferred_style(n, ed->want, ed->value, len);
	if (st == Q_LITERAL && !r.indent)
		st = Q_DOUBLE; /* an empty block gives no indentation to follow */
	text_adds(&out, r.lead);
	if (st == Q_LITERAL)
		add_literal(&out, ed->value, len, r.indent, nl, r.comment, r.comment_len);
	else {
		if (st == Q_PLAIN)
			text_add(&out, ed->value, len);
		else if (st == Q_SINGLE)
			add_single_quoted(&out, ed->value, len);
		else
			add_double_quoted(&out, ed->value, len);
		if (r.comment_len) {
			text_addc(&out, ' ');
			text_add(&out, r.comment, r.comment_len);
		}
	}
	*sp = (struct splice){ r.from, r.to, NULL, 0 };
	sp->text = text_take(&out, &sp->len);
	return sp->text ? 0 : -1;
}

/* Write every edit (sorted by node, which is byte order): the old quoting first,
 * then double quotes for all if that does not read back. */
static int write_scalars(struct gt_yamledit *e, const struct ytree *t, const struct scalar_edit *eds, size_t n,
			 const char *what)
{
	struct splice *sp = calloc(n, sizeof(*sp));
	size_t *edited = calloc(n, sizeof(*edited));
	const char *nl = newline_of(t);
	int ret = -1;
	for (int attempt = 0; sp && edited && attempt < 2 && ret < 0; attempt++) {
		size_t built = 0;
		for (; built < n; built++) {
			edited[built] = eds[built].node;
			if (scalar_splice(t, &eds[built], attempt == 1, nl, &sp[built]) < 0)
				break;
		}
		struct ytree nt;
		char *buf;
		size_t len;
		if (built == n && try_splices(e, sp, n, &nt, &buf, &len) == 0) {
			bool ok = shape_kept(t, &nt, &same_shape, edited, n);
			for (size_t i = 0; ok && i < n; i++)
				ok = node_reads_as(&nt, eds[i].node, eds[i].want);
			tree_free(&nt);
			if (ok) {
				commit(e, buf, len);
				ret = 1;
			} else
				free(buf);
		}
		splices_free(sp, built);
	}
	if (!sp || !edited)
		report(e->name, NULL, 0, "out of memory");
	else if (ret < 0)
		report(e->name, t, t->nodes[eds[0].node].start,
		       "%s: cannot write the new value here without changing what other bytes mean", what);
	free(sp);
	free(edited);
	return ret;
}

/* The new value's type against the old node's tag: a !!int stays an int. */
static bool check_tag(const char *name, const struct ytree *t, size_t i, const json_t *want, const char *what)
{
	enum tag_kind k = tag_kind_of(t->nodes[i].tag);
	if (k == TAG_STR || tag_allows(k, want))
		return true;
	report(name, t, t->nodes[i].start, "%s: the value is tagged %s; the new value does not fit it", what,
	       t->nodes[i].tag);
	return false;
}

/* Set scalar node i; 1 changed, 0 it already read as that, -1 after printing. */
static int set_node(struct gt_yamledit *e, const struct ytree *t, size_t i, const char *value, unsigned flags,
		    const char *what, char **old)
{
	const struct ynode *n = &t->nodes[i];
	if (n->kind != Y_SCALAR) {
		report(e->name, t, n->start, "%s is %s, not a single value: name a key inside it", what,
		       kind_name(t, i));
		return -1;
	}
	json_t *cur = node_json(t, i);
	struct scalar_edit ed = { i, value, target_value(cur, false, value, flags) };
	if (ed.want && !json_is_string(ed.want) && n->tag) {
		/* written plain under its tag: "!!float 2" reads as 2.0 */
		json_t *tagged = scalar_json(value, strlen(value), YAML_PLAIN_SCALAR_STYLE, n->tag);
		if (tagged) {
			json_decref(ed.want);
			ed.want = tagged;
		}
	}
	int ret = -1;
	if (!ed.want)
		report(e->name, NULL, 0, "out of memory");
	else if (check_tag(e->name, t, i, ed.want, what))
		ret = cur && json_equal(cur, ed.want) ? 0 : write_scalars(e, t, &ed, 1, what);
	if (ret >= 0 && old && !(*old = dup_bytes(n->value, n->len))) {
		report(e->name, NULL, 0, "out of memory");
		ret = -1;
	}
	json_decref(cur);
	json_decref(ed.want);
	return ret;
}

/* ---- adding keys ---- */

/* "k1:" NL "  k2: value" for the path's keys from segment s on, each level step deeper than col. */
static void add_block_keys(struct text *t, const struct gt_keypath *p, size_t s, const char *value,
			   const json_t *want, size_t col, size_t step, const char *nl, bool indent_first)
{
	for (size_t j = s; j < p->n; j++) {
		if (j > s)
			text_adds(t, nl);
		if (j > s || indent_first)
			text_spaces(t, col + step * (j - s));
		add_new_key(t, p->segs[j].key, false);
		text_addc(t, ':');
		if (j + 1 == p->n) {
			text_addc(t, ' ');
			add_new_value(t, value, json_is_string(want), false);
		}
	}
}

/* "k1: {k2: value}" for a flow map. */
static void add_flow_keys(struct text *t, const struct gt_keypath *p, size_t s, const char *value, const json_t *want)
{
	for (size_t j = s; j < p->n; j++) {
		add_new_key(t, p->segs[j].key, true);
		text_adds(t, j + 1 == p->n ? ": " : ": {");
	}
	add_new_value(t, value, json_is_string(want), true);
	for (size_t j = s + 1; j < p->n; j++)
		text_addc(t, '}');
}

/* Lines appended at pos (a line start, or the end of a file without a final line break). */
static void add_lines_at(struct text *out, bool at_eof, const struct text *lines, const char *nl, bool file_empty)
{
	if (at_eof && !file_empty)
		text_adds(out, nl);
	text_add(out, lines->s ? lines->s : "", lines->len);
	if (!at_eof || file_empty)
		text_adds(out, nl);
}

/* Where new top-level lines go for an empty root (or an empty file): at the start of a line. */
static size_t root_insert_pos(const struct ytree *t, size_t root, bool *at_eof)
{
	*at_eof = false;
	if (root == NO_NODE) {
		*at_eof = t->len > t->bom && !break_before(t->buf, t->len, t->len);
		return t->len;
	}
	size_t pos = t->nodes[root].end;
	return pos == line_start_of(t, pos) ? pos : next_line_start(t, pos, at_eof);
}

/* The text and place that add the path's keys from lk->seg on; the reshape it makes. */
static int plan_create(const char *name, const struct ytree *t, const struct lookup *lk, const struct gt_keypath *p,
		       const char *value, const json_t *want, struct splice *sp, struct reshape *r)
{
	const char *nl = newline_of(t);
	size_t step = indent_step(t), keys = p->n - lk->seg, node = lk->node;
	struct text lines = { 0 }, out = { 0 };
	bool at_eof = false;
	*r = (struct reshape){ 0, 0, 1 + 2 * keys, NO_NODE, 0, false };
	if (lk->miss == MISS_NO_DOC || (lk->miss == MISS_EMPTY && t->nodes[node].parent == NO_NODE)) {
		/* an empty file or document: a new top-level map */
		sp->from = root_insert_pos(t, node, &at_eof);
		add_block_keys(&lines, p, lk->seg, value, want, 0, step, nl, true);
		add_lines_at(&out, at_eof, &lines, nl, t->len == t->bom);
		r->new_doc = node == NO_NODE;
		r->from = node == NO_NODE ? 0 : node;
		r->to = node == NO_NODE ? 0 : node + 1;
	} else if (lk->miss == MISS_EMPTY && !t->nodes[node].flow && t->nodes[t->nodes[node].parent].kind == Y_MAP) {
		/* "key:" with no value: the keys go on the lines below it */
		sp->from = line_end_of(t, t->nodes[node].end);
		text_adds(&out, nl);
		add_block_keys(&out, p, lk->seg, value, want, column_of(t, value_start(t, &t->nodes[node - 1])) + step,
			       step, nl, true);
		*r = (struct reshape){ node, node + 1, 1 + 2 * keys, NO_NODE, 0, false };
	} else if (lk->miss == MISS_KEY && t->nodes[node].flow) {
		const struct ynode *m = &t->nodes[node];
		sp->from = m->n_kids ? t->nodes[last_kid(t, node)].end : m->close;
		if (m->n_kids)
			text_adds(&out, ", ");
		add_flow_keys(&out, p, lk->seg, value, want);
		*r = (struct reshape){ m->after, m->after, 2 * keys, node, 2, false };
	} else if (lk->miss == MISS_KEY) {
		sp->from = next_line_start(t, content_end(t, node), &at_eof);
		add_block_keys(&lines, p, lk->seg, value, want, map_key_column(t, node), step, nl, true);
		add_lines_at(&out, at_eof, &lines, nl, false);
		*r = (struct reshape){ t->nodes[node].after, t->nodes[node].after, 2 * keys, node, 2, false };
	} else {
		report_missing(name, t, p, lk, "");
		return -1;
	}
	free(lines.s);
	sp->to = sp->from;
	sp->text = text_take(&out, &sp->len);
	if (!sp->text)
		report(name, NULL, 0, "out of memory");
	return sp->text ? 0 : -1;
}

/* Apply one insertion and keep it only if the rest reads as before and each check path reads as wanted. */
static int commit_insert(struct gt_yamledit *e, const struct ytree *t, struct splice *sp, const struct reshape *r,
			 size_t doc, const struct gt_keypath *const *paths, json_t *const *wants, size_t n,
			 const char *what)
{
	struct ytree nt;
	char *buf;
	size_t len;
	bool ok = try_splices(e, sp, 1, &nt, &buf, &len) == 0;
	if (ok) {
		ok = shape_kept(t, &nt, r, NULL, 0);
		for (size_t i = 0; ok && i < n; i++)
			ok = path_reads_as(&nt, doc, paths[i], wants[i]);
		tree_free(&nt);
	}
	if (ok)
		commit(e, buf, len);
	else {
		free(buf);
		report(e->name, NULL, 0, "%s: cannot add it here without changing what other bytes mean", what);
	}
	return ok ? 1 : -1;
}

/* The JSON key a reader makes of a typed key, as sigs.k8s.io/yaml writes ints and booleans
 * (floats are left out: float32 formatting); NULL for a string key, which matches by its text. */
static bool typed_key_text(const json_t *v, char *buf, size_t size)
{
	if (json_is_integer(v))
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, size, "%s", json_is_true(v) ? "true" : "false");
	else
		return false;
	return true;
}

/* A key of map a reader would take for the new key (0x0 and 00 are "0", yes is "true"); NO_NODE if none. */
static size_t colliding_key(const struct ytree *t, size_t map, const char *key)
{
	char text[64];
	size_t found = NO_NODE;
	for (size_t k = map + 1; found == NO_NODE && k < t->nodes[map].after; k = t->nodes[t->nodes[k].after].after) {
		json_t *have = t->nodes[k].kind == Y_SCALAR ? node_json(t, k) : NULL;
		if (have && typed_key_text(have, text, sizeof(text)) && !strcmp(text, key))
			found = k;
		json_decref(have);
	}
	return found;
}

static int create_path(struct gt_yamledit *e, const struct ytree *t, const struct lookup *lk,
		       const struct gt_keypath *p, const char *value, unsigned flags)
{
	for (size_t s = lk->seg; s < p->n; s++)
		if (p->segs[s].kind != SEG_KEY) {
			report_missing(e->name, t, p, lk, "; --create adds map keys, not list items");
			return -1;
		}
	size_t clash = lk->miss == MISS_KEY ? colliding_key(t, lk->node, p->segs[lk->seg].key) : NO_NODE;
	if (clash != NO_NODE) {
		report(e->name, t, t->nodes[clash].start,
		       "%s: key '%.*s' reads as the same key as '%s'; adding '%s' would make a duplicate key", p->text,
		       (int)t->nodes[clash].len, t->nodes[clash].value, p->segs[lk->seg].key, p->segs[lk->seg].key);
		return -1;
	}
	json_t *want = target_value(NULL, true, value, flags);
	struct splice sp = { 0 };
	struct reshape r;
	int ret = -1;
	if (!want)
		report(e->name, NULL, 0, "out of memory");
	else if (plan_create(e->name, t, lk, p, value, want, &sp, &r) == 0)
		ret = commit_insert(e, t, &sp, &r, 0, &p, &want, 1, p->text);
	free(sp.text);
	json_decref(want);
	return ret;
}

/* Set the path's scalar, or add it with GT_YEDIT_CREATE. */
static int set_path(struct gt_yamledit *e, const struct gt_keypath *p, const char *value, unsigned flags, char **old)
{
	struct ytree t;
	struct lookup lk;
	size_t doc;
	if (tree_parse(&t, e->buf, e->len, e->name, &e->lim) < 0)
		return -1;
	int ret = find_path(e->name, &t, p, &doc, &lk);
	if (ret > 0)
		ret = set_node(e, &t, lk.node, value, flags, p->text, old);
	else if (ret == 0 && (flags & GT_YEDIT_CREATE))
		ret = create_path(e, &t, &lk, p, value, flags);
	else if (ret == 0) {
		report_missing(e->name, &t, p, &lk, "");
		ret = -1;
	}
	tree_free(&t);
	return ret;
}

static bool value_ok(const char *name, const char *value, const char *what)
{
	if (value && utf8_valid(value, strlen(value)))
		return true;
	report(name, NULL, 0, "%s: the new value is not valid UTF-8", what);
	return false;
}

int gt_yamledit_set(struct gt_yamledit *e, const char *key, const char *value, unsigned flags, char **old)
{
	const char *why;
	if (old)
		*old = NULL;
	struct gt_keypath *p = gt_keypath_parse(key, &why);
	if (!p) {
		report(e->name, NULL, 0, "bad key '%s': %s", key, why);
		return -1;
	}
	int ret = value_ok(e->name, value, key) ? set_path(e, p, value, flags, old) : -1;
	gt_keypath_free(p);
	return ret;
}

/* ---- kustomization.yaml images ---- */

struct kimage {
	const char *name, *new_name, *tag, *digest;
};

/* Values kustomize would refuse are refused before anything is written. */
static int check_kimage(const char *file, const struct kimage *k)
{
	const char *what = NULL, *value = NULL;
	if (!k->name || !*k->name || !utf8_valid(k->name, strlen(k->name)))
		what = "bad image name", value = k->name ? k->name : "";
	else if (k->new_name && !repo_ok(k->new_name, strlen(k->new_name)))
		what = "bad newName", value = k->new_name;
	else if (k->tag && !tag_ok(k->tag, strlen(k->tag)))
		what = "bad newTag", value = k->tag;
	else if (k->digest && !digest_ok(k->digest, strlen(k->digest)))
		what = "bad digest", value = k->digest;
	if (!what)
		return 0;
	report(file, NULL, 0, "images: %s '%s'", what, value);
	return -1;
}

/* "newName:newTag@digest" of an entry, falling back to its name; malloc'd. */
static char *kimage_old_dup(const struct ytree *t, size_t entry, const char *name)
{
	size_t nn = map_find(t, entry, "newName"), tag = map_find(t, entry, "newTag"), dg = map_find(t, entry, "digest");
	struct text out = { 0 };
	if (nn != NO_NODE && t->nodes[nn].kind == Y_SCALAR && t->nodes[nn].len)
		text_add(&out, t->nodes[nn].value, t->nodes[nn].len);
	else
		text_adds(&out, name);
	if (tag != NO_NODE && t->nodes[tag].kind == Y_SCALAR && t->nodes[tag].len) {
		text_addc(&out, ':');
		text_add(&out, t->nodes[tag].value, t->nodes[tag].len);
	}
	if (dg != NO_NODE && t->nodes[dg].kind == Y_SCALAR && t->nodes[dg].len) {
		text_addc(&out, '@');
		text_add(&out, t->nodes[dg].value, t->nodes[dg].len);
	}
	return text_take(&out, NULL);
}

/* The fields an entry gets, in kustomize's order. */
struct kfield {
	const char *key, *value;
};

static size_t kimage_fields(const struct kimage *k, bool has_new_name, struct kfield f[4])
{
	size_t n = 0;
	if (k->new_name && (has_new_name || strcmp(k->new_name, k->name)))
		f[n++] = (struct kfield){ "newName", k->new_name };
	if (k->tag)
		f[n++] = (struct kfield){ "newTag", k->tag };
	if (k->digest)
		f[n++] = (struct kfield){ "digest", k->digest };
	return n;
}

/* "- name: X" NL "  newTag: "1"" ... with the dash at col. */
static void add_block_entry(struct text *t, const struct kimage *k, size_t col, size_t item_step, const char *nl)
{
	struct kfield f[4];
	size_t n = kimage_fields(k, false, f);
	text_spaces(t, col);
	text_adds(t, "- name: ");
	add_new_value(t, k->name, true, false);
	for (size_t i = 0; i < n; i++) {
		text_adds(t, nl);
		text_spaces(t, col + item_step);
		text_adds(t, f[i].key);
		text_adds(t, ": ");
		add_new_value(t, f[i].value, true, false);
	}
}

static void add_flow_entry(struct text *t, const struct kimage *k)
{
	struct kfield f[4];
	size_t n = kimage_fields(k, false, f);
	text_adds(t, "{name: ");
	add_new_value(t, k->name, true, true);
	for (size_t i = 0; i < n; i++) {
		text_adds(t, ", ");
		text_adds(t, f[i].key);
		text_adds(t, ": ");
		add_new_value(t, f[i].value, true, true);
	}
	text_addc(t, '}');
}

/* The column of a block list's dashes and how far its items' keys sit past them. */
static void seq_columns(const struct ytree *t, size_t seq, size_t *dash, size_t *item_step)
{
	size_t item = seq + 1, p = value_start(t, &t->nodes[item]);
	while (p > 0 && t->buf[p - 1] != '-')
		p--;
	*dash = p > 0 ? column_of(t, p - 1) : 0;
	*item_step = 2;
	if (t->nodes[item].kind == Y_MAP && !t->nodes[item].flow) {
		size_t key_col = map_key_column(t, item);
		if (key_col > *dash)
			*item_step = key_col - *dash;
	}
}

/* An entry appended to the existing images: list (flow or block); 1 when that is not the case. */
static int plan_entry_in_list(const struct ytree *t, size_t seq, const struct kimage *k, size_t entry_nodes,
			      struct text *out, struct splice *sp, struct reshape *r)
{
	const struct ynode *n = &t->nodes[seq];
	struct text lines = { 0 };
	size_t dash, item_step;
	bool at_eof;
	if (n->kind != Y_SEQ)
		return 1;
	if (n->flow) {
		sp->from = n->n_kids ? t->nodes[last_kid(t, seq)].end : n->close;
		text_adds(out, n->n_kids ? ", " : "");
		add_flow_entry(out, k);
	} else {
		seq_columns(t, seq, &dash, &item_step);
		sp->from = next_line_start(t, content_end(t, seq), &at_eof);
		add_block_entry(&lines, k, dash, item_step, newline_of(t));
		add_lines_at(out, at_eof, &lines, newline_of(t), false);
		free(lines.s);
	}
	*r = (struct reshape){ n->after, n->after, entry_nodes, seq, 1, false };
	return 0;
}

/* images: with its first entry, where it is missing or empty; 1 when there is no such place. */
static int plan_images_key(const struct ytree *t, const struct lookup *lk, const struct kimage *k,
			   size_t entry_nodes, struct text *out, struct splice *sp, struct reshape *r)
{
	const char *nl = newline_of(t);
	size_t node = lk->node;
	struct text lines = { 0 };
	bool at_eof = false, root_empty = lk->miss == MISS_NO_DOC || (lk->seg == 0 && lk->miss == MISS_EMPTY);
	if (root_empty || (lk->miss == MISS_KEY && !t->nodes[node].flow)) {
		size_t col = root_empty ? 0 : map_key_column(t, node);
		sp->from = root_empty ? root_insert_pos(t, node, &at_eof) : next_line_start(t, content_end(t, node), &at_eof);
		text_spaces(&lines, col);
		text_adds(&lines, "images:");
		text_adds(&lines, nl);
		add_block_entry(&lines, k, col, 2, nl);
		add_lines_at(out, at_eof, &lines, nl, root_empty && t->len == t->bom);
		free(lines.s);
		if (root_empty) /* a map, "images", the list, the entry */
			*r = (struct reshape){ node == NO_NODE ? 0 : node, node == NO_NODE ? 0 : node + 1,
					       3 + entry_nodes, NO_NODE, 0, node == NO_NODE };
		else
			*r = (struct reshape){ t->nodes[node].after, t->nodes[node].after, 2 + entry_nodes, node, 2, false };
	} else if (lk->miss == MISS_KEY) {
		sp->from = t->nodes[node].n_kids ? t->nodes[last_kid(t, node)].end : t->nodes[node].close;
		text_adds(out, t->nodes[node].n_kids ? ", images: [" : "images: [");
		add_flow_entry(out, k);
		text_addc(out, ']');
		*r = (struct reshape){ t->nodes[node].after, t->nodes[node].after, 2 + entry_nodes, node, 2, false };
	} else if (lk->seg == 1 && lk->miss == MISS_EMPTY && !t->nodes[node].flow) {
		/* "images:" with nothing under it */
		sp->from = line_end_of(t, t->nodes[node].end);
		text_adds(out, nl);
		add_block_entry(out, k, column_of(t, value_start(t, &t->nodes[node - 1])), 2, nl);
		*r = (struct reshape){ node, node + 1, 1 + entry_nodes, NO_NODE, 0, false };
	} else
		return 1;
	return 0;
}

/* Text, place and reshape that add a whole entry (and images: itself when missing); 1: no place for it. */
static int plan_kimage_entry(const char *name, const struct ytree *t, const struct lookup *lk,
			     const struct kimage *k, struct splice *sp, struct reshape *r)
{
	struct kfield f[4];
	/* the entry's nodes: its map, then name and each field as key and value */
	size_t entry_nodes = 1 + 2 * (1 + kimage_fields(k, false, f));
	struct text out = { 0 };
	int st = lk->seg == 1 && lk->miss == MISS_ITEM ? plan_entry_in_list(t, lk->node, k, entry_nodes, &out, sp, r)
						      : plan_images_key(t, lk, k, entry_nodes, &out, sp, r);
	if (st) {
		free(out.s);
		return 1; /* the caller explains */
	}
	sp->to = sp->from;
	sp->text = text_take(&out, &sp->len);
	if (!sp->text)
		report(name, NULL, 0, "out of memory");
	return sp->text ? 0 : -1;
}

/* The paths images[name=X].FIELD with the value each must read back as. */
struct kchecks {
	struct gt_keypath *paths[4];
	json_t *wants[4];
	size_t n;
};

static void kchecks_clear(struct kchecks *c)
{
	for (size_t i = 0; i < c->n; i++) {
		gt_keypath_free(c->paths[i]);
		json_decref(c->wants[i]);
	}
	c->n = 0;
}

static struct gt_keypath *kimage_path(const char *name, const char *field)
{
	struct gt_keypath *p = keypath_new();
	if (p && (keypath_add_key(p, "images") < 0 || keypath_add_match(p, "name", name) < 0 ||
		  (field && keypath_add_key(p, field) < 0))) {
		gt_keypath_free(p);
		p = NULL;
	}
	return p;
}

static int kchecks_add(struct kchecks *c, const char *name, const char *field, const char *value)
{
	c->paths[c->n] = kimage_path(name, field);
	c->wants[c->n] = json_string(value);
	c->n++;
	return c->paths[c->n - 1] && c->wants[c->n - 1] ? 0 : -1;
}

static int add_kimage_entry(struct gt_yamledit *e, const struct ytree *t, const struct gt_keypath *p,
			    const struct lookup *lk, const struct kimage *k)
{
	struct splice sp = { 0 };
	struct reshape r;
	struct kchecks c = { .n = 0 };
	struct kfield f[4];
	size_t n = kimage_fields(k, false, f);
	int ret = plan_kimage_entry(e->name, t, lk, k, &sp, &r);
	if (ret > 0) {
		report_missing(e->name, t, p, lk, "");
		ret = -1;
	}
	for (size_t i = 0; ret == 0 && i < n; i++)
		ret = kchecks_add(&c, k->name, f[i].key, f[i].value);
	if (ret == 0)
		ret = commit_insert(e, t, &sp, &r, 0, (const struct gt_keypath *const *)c.paths, c.wants, c.n,
				    "images");
	else if (sp.text)
		report(e->name, NULL, 0, "out of memory");
	kchecks_clear(&c);
	free(sp.text);
	return ret;
}

/* Set each given field of the entry, adding the ones it lacks; 1 when any changed. */
static int edit_kimage_entry(struct gt_yamledit *e, const struct ytree *t, size_t entry, const struct kimage *k)
{
	struct kfield f[4];
	size_t n = kimage_fields(k, map_find(t, entry, "newName") != NO_NODE, f);
	int changed = 0;
	for (size_t i = 0; i < n; i++) {
		struct gt_keypath *p = kimage_path(k->name, f[i].key);
		int r = p ? set_path(e, p, f[i].value, GT_YEDIT_STRING | GT_YEDIT_CREATE, NULL) : -1;
		if (!p)
			report(e->name, NULL, 0, "out of memory");
		gt_keypath_free(p);
		if (r < 0)
			return -1;
		changed |= r;
	}
	return changed;
}

int gt_yamledit_set_kustomize_image(struct gt_yamledit *e, const char *name, const char *new_name,
				    const char *tag, const char *digest, char **old)
{
	struct kimage k = { name, new_name, tag, digest };
	if (old)
		*old = NULL;
	if (check_kimage(e->name, &k) < 0)
		return -1;
	struct gt_keypath *p = kimage_path(name, NULL);
	char *saved = dup_bytes(e->buf, e->len);
	size_t saved_len = e->len;
	struct ytree t;
	struct lookup lk;
	int ret = -1;
	if (!p || !saved)
		report(e->name, NULL, 0, "out of memory");
	else if (tree_parse(&t, e->buf, e->len, e->name, &e->lim) == 0) {
		ret = t.n_docs ? lookup_path(e->name, &t, 0, p, &lk) : 0;
		if (!t.n_docs)
			lk = (struct lookup){ NO_NODE, 0, MISS_NO_DOC };
		if (ret > 0 && t.nodes[lk.node].kind != Y_MAP) {
			report(e->name, &t, t.nodes[lk.node].start, "images[name=%s] is %s, not a map", name,
			       kind_name(&t, lk.node));
			ret = -1;
		} else if (ret > 0) {
			if (old && !(*old = kimage_old_dup(&t, lk.node, name)))
				ret = -1;
			else
				ret = edit_kimage_entry(e, &t, lk.node, &k);
		} else if (ret == 0)
			ret = add_kimage_entry(e, &t, p, &lk, &k);
		tree_free(&t);
	}
	if (ret < 0 && saved) { /* all or nothing: an entry half edited is worse than none */
		commit(e, saved, saved_len);
		saved = NULL;
		if (old) {
			free(*old);
			*old = NULL;
		}
	}
	free(saved);
	gt_keypath_free(p);
	return ret;
}

/* ---- container images in plain manifests ---- */

static bool is_containers_key(const struct ynode *n)
{
	return scalar_is(n, "containers") || scalar_is(n, "initContainers") || scalar_is(n, "ephemeralContainers");
}

static bool image_has_repo(const char *value, const char *repo)
{
	struct gt_image_ref ref;
	const char *why;
	if (gt_image_ref_parse(value, &ref, &why) < 0)
		return false;
	bool same = !strcmp(ref.repo, repo);
	gt_image_ref_clear(&ref);
	return same;
}

struct image_hits {
	struct scalar_edit *eds;
	size_t n, cap, matched;
	size_t first; /* the first matching image node */
};

static int hits_add(struct image_hits *h, size_t node, const char *ref)
{
	if (GT_GROW(h->eds, h->cap, h->n + 1) < 0)
		return -1;
	h->eds[h->n] = (struct scalar_edit){ node, ref, json_string(ref) };
	return h->eds[h->n++].want ? 0 : -1;
}

static int cmp_scalar_edit(const void *a, const void *b)
{
	return cmp_size(&((const struct scalar_edit *)a)->node, &((const struct scalar_edit *)b)->node);
}

/* The key of map value v, or NO_NODE when v is not a map's value. */
static size_t key_of(const struct ytree *t, size_t v)
{
	size_t m = t->nodes[v].parent;
	if (m == NO_NODE || t->nodes[m].kind != Y_MAP)
		return NO_NODE;
	for (size_t k = m + 1; k < t->nodes[m].after; k = t->nodes[t->nodes[k].after].after)
		if (t->nodes[k].after == v)
			return k;
	return NO_NODE;
}

/* Is scalar v the image: of an item of a containers list (and so edited where it stands)? */
static bool is_container_image(const struct ytree *t, size_t v)
{
	size_t k = key_of(t, v), item = t->nodes[v].parent;
	size_t list = item == NO_NODE ? NO_NODE : t->nodes[item].parent;
	if (k == NO_NODE || !scalar_is(&t->nodes[k], "image") || list == NO_NODE || t->nodes[list].kind != Y_SEQ)
		return false;
	size_t lk = key_of(t, list);
	return lk != NO_NODE && is_containers_key(&t->nodes[lk]);
}

/* The image: of one container item. via: the alias the item was reached through, or NO_NODE;
 * a matching image reached through an alias is an error, as editing it would edit the anchor. */
static int container_image(const char *name, const struct ytree *t, size_t item, size_t via, const char *repo,
			   const char *ref, struct image_hits *h)
{
	if (t->nodes[item].kind == Y_ALIAS) {
		via = item;
		item = anchored_node(t, item);
	}
	if (item == NO_NODE || t->nodes[item].kind != Y_MAP)
		return 0;
	size_t v = map_find(t, item, "image"), target = v;
	if (v != NO_NODE && t->nodes[v].kind == Y_ALIAS) {
		via = v;
		target = anchored_node(t, v);
	}
	if (target == NO_NODE || t->nodes[target].kind != Y_SCALAR || !image_has_repo(t->nodes[target].value, repo))
		return 0;
	if (via != NO_NODE) {
		if (is_container_image(t, target))
			return 0; /* the anchor is a container's image itself: edited where it is defined */
		report(name, t, t->nodes[via].start,
		       "image %s comes through the alias *%s; editing it would change every other user of that "
		       "anchor: set it where the anchor is defined",
		       t->nodes[target].value, t->nodes[via].value);
		return -1;
	}
	if (h->matched++ == 0)
		h->first = v;
	if (!strcmp(t->nodes[v].value, ref))
		return 0;
	if (hits_add(h, v, ref) < 0) {
		report(name, NULL, 0, "out of memory");
		return -1;
	}
	return 0;
}

/* Every containers:, initContainers: and ephemeralContainers: list, at any depth, in every document. */
static int find_container_images(const char *name, const struct ytree *t, const char *repo, const char *ref,
				 struct image_hits *h)
{
	for (size_t m = 0; m < t->n; m++) {
		if (t->nodes[m].kind != Y_MAP)
			continue;
		for (size_t k = m + 1; k < t->nodes[m].after; k = t->nodes[t->nodes[k].after].after) {
			if (!is_containers_key(&t->nodes[k]))
				continue;
			size_t list = t->nodes[k].after, via = NO_NODE;
			if (t->nodes[list].kind == Y_ALIAS) {
				via = list;
				list = anchored_node(t, list);
			}
			if (list == NO_NODE || t->nodes[list].kind != Y_SEQ)
				continue;
			for (size_t item = list + 1; item < t->nodes[list].after; item = t->nodes[item].after)
				if (container_image(name, t, item, via, repo, ref, h) < 0)
					return -1;
		}
	}
	return 0;
}

int gt_yamledit_set_container_images(struct gt_yamledit *e, const char *repo, const char *ref, char **old)
{
	struct gt_image_ref check;
	const char *why;
	struct ytree t;
	struct image_hits h = { .first = NO_NODE };
	if (old)
		*old = NULL;
	if (!repo || !*repo) {
		report(e->name, NULL, 0, "no repository given to look for");
		return -1;
	}
	if (gt_image_ref_parse(ref, &check, &why) < 0) {
		report(e->name, NULL, 0, "bad image '%s': %s", ref ? ref : "", why);
		return -1;
	}
	gt_image_ref_clear(&check);
	if (tree_parse(&t, e->buf, e->len, e->name, &e->lim) < 0)
		return -1;
	int ret = find_container_images(e->name, &t, repo, ref, &h);
	if (ret == 0 && !h.matched) {
		report(e->name, NULL, 0, "no container image with repository %s", repo);
		ret = -1;
	}
	if (ret == 0 && old && !(*old = strdup(t.nodes[h.first].value)))
		ret = -1;
	if (ret == 0 && h.n) {
		/* found map by map, an inner list can come after an outer one: splice in file order */
		qsort(h.eds, h.n, sizeof(*h.eds), cmp_scalar_edit);
		ret = write_scalars(e, &t, h.eds, h.n, "image") < 0 ? -1 : (int)h.n;
	}
	for (size_t i = 0; i < h.n; i++)
		json_decref(h.eds[i].want);
	free(h.eds);
	tree_free(&t);
	if (ret < 0 && old) {
		free(*old);
		*old = NULL;
	}
	return ret;
}

/* ---- images in Helm values files ---- */

/*
 * Where a values file names an image, as charts lay it out:
 *   image: {repository: R, tag: T}                  most charts
 *   image: {registry: G, repository: R, tag: T, digest: D}   bitnami's
 *   image: R:T                                      one string (also someImage: R:T)
 * at any depth, so per-component blocks (web.image, worker.image) are found too.
 */
enum values_layout { VALUES_MAP, VALUES_STRING };

struct values_image {
	enum values_layout layout;
	size_t node;  /* the map holding repository:, or the string scalar */
	char *path;   /* its key path, escaped as --set reads it */
	char *old;    /* NAME[:TAG][@DIGEST] as the file has it now */
	bool has_registry, has_digest, digest_set;
};

struct values_hits {
	struct values_image v[2]; /* a third match changes nothing: two already make it ambiguous */
	size_t n;
};

static void values_hits_clear(struct values_hits *h)
{
	for (size_t i = 0; i < h->n && i < 2; i++) {
		free(h->v[i].path);
		free(h->v[i].old);
	}
	memset(h, 0, sizeof(*h));
}

/* Docker Hub's short forms: "nginx", "library/nginx", "docker.io/nginx" and "index.docker.io/library/nginx" are one image. */
static void add_image_name_normal(struct text *t, const char *name)
{
	const char *slash = strchr(name, '/');
	bool has_domain = slash && looks_like_registry(name, (size_t)(slash - name));
	const char *rest = has_domain ? slash + 1 : name;
	if (has_domain && strncmp(name, "docker.io/", 10) && strncmp(name, "index.docker.io/", 16) &&
	    strncmp(name, "registry-1.docker.io/", 21)) {
		text_adds(t, name);
		return;
	}
	text_adds(t, "docker.io/");
	if (!strchr(rest, '/'))
		text_adds(t, "library/");
	text_adds(t, rest);
}

static bool same_image_name(const char *a, const char *b)
{
	struct text ta = { 0 }, tb = { 0 };
	add_image_name_normal(&ta, a);
	add_image_name_normal(&tb, b);
	char *na = text_take(&ta, NULL), *nb = text_take(&tb, NULL);
	bool same = na && nb ? !strcmp(na, nb) : !strcmp(a, b);
	free(na);
	free(nb);
	return same;
}

/* A key as --set reads it: '.', '[', ']', '=' and '\' escaped. */
static void add_escaped_key(struct text *t, const char *key, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (strchr(".[]=\\", key[i]))
			text_addc(t, '\\');
		text_addc(t, key[i]);
	}
}

/* The key path of node i from its document's root; false when a key on the way is not a scalar. */
static bool add_node_path(struct text *out, const struct ytree *t, size_t i)
{
	size_t parent = t->nodes[i].parent;
	if (parent == NO_NODE)
		return true;
	if (!add_node_path(out, t, parent))
		return false;
	if (t->nodes[parent].kind == Y_SEQ) {
		size_t index = 0;
		for (size_t item = parent + 1; item < i; item = t->nodes[item].after)
			index++;
		char buf[32];
		snprintf(buf, sizeof(buf), "[%zu]", index);
		text_adds(out, buf);
		return true;
	}
	size_t k = key_of(t, i);
	if (k == NO_NODE || t->nodes[k].kind != Y_SCALAR || !t->nodes[k].len)
		return false;
	if (out->len)
		text_addc(out, '.');
	add_escaped_key(out, t->nodes[k].value, t->nodes[k].len);
	return true;
}

/* The string value of key in map (a scalar), or NULL; "" for an empty one or a null (tag: ~). */
static const char *map_string(const struct ytree *t, size_t map, const char *key)
{
	size_t v = map_find(t, map, key);
	if (v == NO_NODE || t->nodes[v].kind != Y_SCALAR)
		return NULL;
	json_t *j = node_json(t, v);
	bool null = !j || json_is_null(j);
	json_decref(j);
	return null ? "" : t->nodes[v].value;
}

/* NAME[:TAG][@DIGEST] of a map layout as it stands (tag may itself be TAG@DIGEST). */
static char *values_map_old(const struct ytree *t, size_t map, const char *name)
{
	const char *tag = map_string(t, map, "tag"), *digest = map_string(t, map, "digest");
	struct text o = { 0 };
	text_adds(&o, name);
	if (tag && *tag) {
		text_addc(&o, ':');
		text_adds(&o, tag);
	}
	if (digest && *digest) {
		text_addc(&o, '@');
		text_adds(&o, digest);
	}
	return text_take(&o, NULL);
}

static int values_hit(const struct ytree *t, size_t node, enum values_layout layout, const char *old,
		      struct values_hits *h)
{
	if (h->n >= 2) {
		h->n++;
		return 0;
	}
	struct values_image *v = &h->v[h->n++];
	struct text p = { 0 };
	*v = (struct values_image){ .layout = layout, .node = node };
	if (!add_node_path(&p, t, node)) {
		free(text_take(&p, NULL));
		h->n--;
		return 0; /* not reachable by a key path (a key that is a map): not an image a chart reads */
	}
	v->path = text_take(&p, NULL);
	v->old = strdup(old);
	if (layout == VALUES_MAP) {
		v->has_registry = map_string(t, node, "registry") != NULL;
		v->has_digest = map_find(t, node, "digest") != NO_NODE;
		v->digest_set = v->has_digest && map_string(t, node, "digest") && *map_string(t, node, "digest");
	}
	return v->path && v->old ? 0 : -1;
}

/* Is the document's root an object of the Kubernetes API (apiVersion and kind)? Those are manifests, not values. */
static bool is_k8s_object(const struct ytree *t, size_t doc)
{
	size_t root = t->docs[doc].root;
	return root != NO_NODE && t->nodes[root].kind == Y_MAP && map_find(t, root, "apiVersion") != NO_NODE &&
	       map_find(t, root, "kind") != NO_NODE;
}

/* A key named image, or ending in Image/image (sidecarImage): where a chart keeps a whole reference. */
static bool is_image_key(const struct ynode *k)
{
	if (k->kind != Y_SCALAR || k->len < 5)
		return false;
	const char *end = k->value + k->len - 5;
	return !strcmp(end, "image") || !strcmp(end, "Image");
}

static int values_map_image(const struct ytree *t, size_t m, const char *repo, struct values_hits *h)
{
	const char *r = map_string(t, m, "repository"), *g = map_string(t, m, "registry");
	if (!r || !*r)
		return 0;
	struct text n = { 0 };
	if (g && *g) {
		text_adds(&n, g);
		text_addc(&n, '/');
	}
	text_adds(&n, r);
	char *name = text_take(&n, NULL);
	if (!name)
		return -1;
	int ret = 0;
	if (same_image_name(name, repo)) {
		char *old = values_map_old(t, m, name);
		ret = old ? values_hit(t, m, VALUES_MAP, old, h) : -1;
		free(old);
	}
	free(name);
	return ret;
}

static int values_string_image(const struct ytree *t, size_t k, const char *repo, struct values_hits *h)
{
	size_t v = t->nodes[k].after;
	if (!is_image_key(&t->nodes[k]) || t->nodes[v].kind != Y_SCALAR || is_container_image(t, v))
		return 0;
	struct gt_image_ref ref;
	const char *why;
	if (gt_image_ref_parse(t->nodes[v].value, &ref, &why) < 0)
		return 0;
	bool same = same_image_name(ref.repo, repo);
	gt_image_ref_clear(&ref);
	return same ? values_hit(t, v, VALUES_STRING, t->nodes[v].value, h) : 0;
}

/* Every image of the Helm layouts in the documents that are not Kubernetes objects. */
static int find_values_images(const struct ytree *t, const char *repo, struct values_hits *h)
{
	for (size_t m = 0; m < t->n; m++) {
		if (t->nodes[m].kind != Y_MAP || is_k8s_object(t, t->nodes[m].doc))
			continue;
		if (values_map_image(t, m, repo, h) < 0)
			return -1;
		for (size_t k = m + 1; k < t->nodes[m].after; k = t->nodes[t->nodes[k].after].after)
			if (values_string_image(t, k, repo, h) < 0)
				return -1;
	}
	return 0;
}

/* Set KEY (a path escaped as --set reads it) to value, adding it when missing; 1, 0 or -1 as gt_yamledit_set. */
static int values_set(struct gt_yamledit *e, const char *path, const char *key, const char *value)
{
	struct text k = { 0 };
	text_adds(&k, path);
	if (key) {
		if (*path)
			text_addc(&k, '.');
		text_adds(&k, key);
	}
	char *full = text_take(&k, NULL);
	if (!full) {
		report(e->name, NULL, 0, "out of memory");
		return -1;
	}
	int r = gt_yamledit_set(e, full, value, GT_YEDIT_STRING | GT_YEDIT_CREATE, NULL);
	free(full);
	return r;
}

/* Split "registry.example.com/team/app" into the registry and the rest; a name without one is Docker Hub's. */
static char *split_registry(const char *repo, const char **rest)
{
	const char *slash = strchr(repo, '/');
	if (!slash || !looks_like_registry(repo, (size_t)(slash - repo))) {
		*rest = repo;
		return strdup("docker.io");
	}
	*rest = slash + 1;
	return dup_bytes(repo, (size_t)(slash - repo));
}

/* The new repository, when ref names another one than the file has. */
static int values_set_repository(struct gt_yamledit *e, const struct values_image *v, const char *old_name,
				 const char *new_repo)
{
	if (same_image_name(old_name, new_repo))
		return 0;
	if (!v->has_registry)
		return values_set(e, v->path, "repository", new_repo);
	const char *rest;
	char *registry = split_registry(new_repo, &rest);
	if (!registry) {
		report(e->name, NULL, 0, "out of memory");
		return -1;
	}
	int a = values_set(e, v->path, "registry", registry);
	int b = a < 0 ? -1 : values_set(e, v->path, "repository", rest);
	free(registry);
	return a < 0 || b < 0 ? -1 : (a | b);
}

/*
 * The map layout: tag (and digest) next to repository. A digest goes to digest: where the chart
 * has one, else with the tag as TAG@DIGEST (what most charts' REPOSITORY:TAG template makes a
 * valid reference of, as argocd-image-updater writes it). A new tag clears an old digest: charts
 * prefer the digest, and it would keep the old image running.
 */
static int values_edit_map(struct gt_yamledit *e, const struct values_image *v, const char *name,
			   const struct gt_image_ref *ref)
{
	int changed = values_set_repository(e, v, name, ref->repo), r = 0;
	if (changed < 0)
		return -1;
	if (ref->digest && !ref->tag && !v->has_digest) {
		report(e->name, NULL, 0, "%s has no digest: key; give a tag with the digest (REPO:TAG@DIGEST)",
		       v->path);
		return -1;
	}
	if (ref->tag) {
		struct text t = { 0 };
		text_adds(&t, ref->tag);
		if (ref->digest && !v->has_digest) {
			text_addc(&t, '@');
			text_adds(&t, ref->digest);
		}
		char *tag = text_take(&t, NULL);
		r = tag ? values_set(e, v->path, "tag", tag) : -1;
		free(tag);
		if (r < 0)
			return -1;
		changed |= r;
	}
	if (v->has_digest && (ref->digest || (ref->tag && v->digest_set))) {
		r = values_set(e, v->path, "digest", ref->digest ? ref->digest : "");
		if (r < 0)
			return -1;
		changed |= r;
	}
	return changed;
}

static int values_edit(struct gt_yamledit *e, const struct values_image *v, const char *ref_text)
{
	if (v->layout == VALUES_STRING)
		return values_set(e, v->path, NULL, ref_text);
	struct gt_image_ref ref, old;
	const char *why;
	if (gt_image_ref_parse(ref_text, &ref, &why) < 0)
		return -1; /* checked by the caller */
	int r = -1;
	if (gt_image_ref_parse(v->old, &old, &why) < 0)
		report(e->name, NULL, 0, "%s: the image there (%s) is not a valid reference: %s", v->path, v->old,
		       why);
	else {
		r = values_edit_map(e, v, old.repo, &ref);
		gt_image_ref_clear(&old);
	}
	gt_image_ref_clear(&ref);
	return r;
}

/* Does any container of the file have an image of repository repo? (-1 after printing, as for an alias.) */
static int containers_match(const char *name, const struct ytree *t, const char *repo, const char *ref)
{
	struct image_hits h = { .first = NO_NODE };
	int r = find_container_images(name, t, repo, ref, &h);
	for (size_t i = 0; i < h.n; i++)
		json_decref(h.eds[i].want);
	free(h.eds);
	return r < 0 ? -1 : h.matched > 0;
}

int gt_yamledit_set_image(struct gt_yamledit *e, const char *repo, const char *ref, char **old)
{
	struct gt_image_ref check;
	const char *why;
	struct ytree t;
	struct values_hits vh = { 0 };
	if (old)
		*old = NULL;
	if (!repo || !*repo) {
		report(e->name, NULL, 0, "no repository given to look for");
		return -1;
	}
	if (gt_image_ref_parse(ref, &check, &why) < 0) {
		report(e->name, NULL, 0, "bad image '%s': %s", ref ? ref : "", why);
		return -1;
	}
	gt_image_ref_clear(&check);
	if (tree_parse(&t, e->buf, e->len, e->name, &e->lim) < 0)
		return -1;
	int containers = containers_match(e->name, &t, repo, ref);
	if (containers >= 0 && find_values_images(&t, repo, &vh) < 0) {
		report(e->name, NULL, 0, "out of memory");
		containers = -1;
	}
	tree_free(&t);
	if (containers < 0 || vh.n > 1 || (!containers && !vh.n)) {
		if (vh.n > 1)
			report(e->name, NULL, 0,
			       "image %s is named at %zu places (%s and %s): ambiguous; set one with --set %s%s=TAG",
			       repo, vh.n, vh.v[0].path, vh.v[1].path, vh.v[0].path,
			       vh.v[0].layout == VALUES_MAP ? ".tag" : "");
		else if (containers == 0)
			report(e->name, NULL, 0,
			       "no container image with repository %s, nor a Helm value naming it (IMAGE.repository "
			       "with IMAGE.tag, IMAGE.registry with IMAGE.repository, or IMAGE: %s:TAG)",
			       repo, repo);
		values_hits_clear(&vh);
		return -1;
	}
	if (!vh.n)
		return gt_yamledit_set_container_images(e, repo, ref, old);
	char *saved = dup_bytes(e->buf, e->len);
	size_t saved_len = e->len;
	int changed = -1;
	if (!saved)
		report(e->name, NULL, 0, "out of memory");
	else if (!containers || (containers = gt_yamledit_set_container_images(e, repo, ref, old)) >= 0) {
		if (old && !*old && !(*old = strdup(vh.v[0].old)))
			report(e->name, NULL, 0, "out of memory");
		else
			changed = values_edit(e, &vh.v[0], ref);
	}
	if (changed < 0 && saved) { /* all or nothing */
		commit(e, saved, saved_len);
		saved = NULL;
	}
	if (changed < 0 && old) {
		free(*old);
		*old = NULL;
	}
	free(saved);
	values_hits_clear(&vh);
	return changed < 0 ? -1 : containers + changed;
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
