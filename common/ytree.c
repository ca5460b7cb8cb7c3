/* ytree: the YAML tree with byte positions that every edit reads: libyaml's events into nodes,
 * character marks to byte offsets, positions, scalar typing (common/yaml.c's rules) and key-path walks. */
#include "ytree.h"

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

#define DEFAULT_INDENT_STEP 2
/* libyaml's marks count characters, not bytes: one byte offset is kept per this many. */
#define CHARMAP_STEP 64
#define MESSAGE_MAX 1024

/* ---- the tree: every node of every document, in document order ---- */

void ytree_free(struct ytree *t)
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
		if ((w = ytext_break_at(t->buf, t->len, i))) {
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
void ytree_report(const char *name, const struct ytree *t, size_t pos, const char *fmt, ...)
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
	if (value && !(n->value = ytext_dup(value, len)))
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
		ytree_report(b->name, b->t, b->t->nodes[i].start, "nested deeper than %zu levels (--max-depth)",
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
		ytree_report(b->name, b->t, p->problem_offset, "%s", problem);
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
	ytree_report(b->name, t, pos, "document larger than %zu bytes (--max-document-size)", b->lim->max_doc_bytes);
	return true;
}

/* Read buf into t; -1 after printing why (nothing printed when name is NULL). t borrows buf. */
int ytree_parse(struct ytree *t, const char *buf, size_t len, const char *name, const struct gt_limits *lim)
{
	memset(t, 0, sizeof(*t));
	t->buf = buf;
	t->len = len;
	if (len >= 2 && (((unsigned char)buf[0] == 0xFF && (unsigned char)buf[1] == 0xFE) ||
			 ((unsigned char)buf[0] == 0xFE && (unsigned char)buf[1] == 0xFF))) {
		ytree_report(name, NULL, 0, "UTF-16 files cannot be edited in place; convert the file to UTF-8");
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
		ytree_report(name, NULL, 0, "out of memory");
	if (st < 0)
		ytree_free(t);
	return st < 0 ? -1 : 0;
}

/* ---- what a scalar reads as ---- */

bool ytree_tag_allows(enum gt_yaml_tag k, const json_t *v)
{
	switch (k) {
	case GT_YAML_TAG_STR: return json_is_string(v);
	case GT_YAML_TAG_INT: return json_is_integer(v);
	case GT_YAML_TAG_FLOAT: return json_is_number(v);
	case GT_YAML_TAG_BOOL: return json_is_boolean(v);
	case GT_YAML_TAG_NULL: return json_is_null(v);
	default: return true;
	}
}

/* The value the project's reader gives a scalar (the tag rules of common/yaml.c over
 * gt_yaml_resolve_plain); NULL where it gives none (.inf, a value its tag refuses). */
json_t *ytree_scalar_json(const char *s, size_t len, yaml_scalar_style_t style, const char *tag)
{
	const char *why;
	return gt_yaml_scalar_value(s, len, style == YAML_PLAIN_SCALAR_STYLE, tag, &why);
}

json_t *ytree_node_json(const struct ytree *t, size_t i)
{
	const struct ynode *n = &t->nodes[i];
	return ytree_scalar_json(n->value, n->len, n->style, n->tag);
}

static bool is_empty_null(const struct ynode *n)
{
	return n->kind == Y_SCALAR && n->len == 0 && n->style == YAML_PLAIN_SCALAR_STYLE && !n->tag;
}

const char *ytree_kind_name(const struct ytree *t, size_t i)
{
	const struct ynode *n = &t->nodes[i];
	if (n->kind != Y_SCALAR)
		return n->kind == Y_MAP ? "a map" : n->kind == Y_SEQ ? "a list" : "an alias";
	json_t *v = ytree_node_json(t, i);
	const char *name = !v ? "a value" : json_is_string(v) ? "a string" : json_is_number(v) ? "a number"
		: json_is_boolean(v) ? "a boolean" : "null";
	json_decref(v);
	return name;
}

/* ---- where things are in the bytes ---- */

/* Where a scalar's own text begins: past its anchor and tag and what separates them
 * from it (spaces, line breaks, even comments). */
size_t ytree_value_start(const struct ytree *t, const struct ynode *n)
{
	const char *b = t->buf;
	size_t p = n->start, end = n->end, w;
	while (p < end) {
		if (is_blank(b[p]))
			p++;
		else if ((w = ytext_break_at(b, t->len, p)))
			p += w;
		else if (b[p] == '#')
			while (p < end && !ytext_break_at(b, t->len, p))
				p++;
		else if (b[p] == '&')
			for (p++; p < end && (is_alnum(b[p]) || b[p] == '-' || b[p] == '_'); p++)
				;
		else if (b[p] == '!' && p + 1 < end && b[p + 1] == '<')
			for (p += 2; p < end && b[p - 1] != '>'; p++)
				;
		else if (b[p] == '!')
			while (p < end && !is_blank(b[p]) && !ytext_break_at(b, t->len, p) && b[p] != ',')
				p++;
		else
			break;
	}
	return p;
}

size_t ytree_line_start_of(const struct ytree *t, size_t pos)
{
	while (pos > t->bom && !ytext_break_before(t->buf, t->len, pos))
		pos--;
	return pos;
}

/* Column in characters, 0-based, as libyaml counts it. */
size_t ytree_column_of(const struct ytree *t, size_t pos)
{
	size_t col = 0;
	for (size_t i = ytree_line_start_of(t, pos); i < pos; i++)
		if (!is_continuation(t->buf[i]))
			col++;
	return col;
}

/* The end of pos's line, before its line break (or the end of the file). */
size_t ytree_line_end_of(const struct ytree *t, size_t pos)
{
	while (pos < t->len && !ytext_break_at(t->buf, t->len, pos))
		pos++;
	return pos;
}

/* The first line break of the file decides how new lines end ("\n" after NEL, LS or PS). */
const char *ytree_newline_of(const struct ytree *t)
{
	size_t e = ytree_line_end_of(t, t->bom), w = ytext_break_at(t->buf, t->len, e);
	return w == 2 && t->buf[e] == '\r' ? "\r\n" : w == 1 && t->buf[e] == '\r' ? "\r" : "\n";
}

static bool block_keeps_trailing_lines(const struct ytree *t, const struct ynode *n)
{
	size_t p = ytree_value_start(t, n), e = ytree_line_end_of(t, p);
	for (p++; p < e && (is_digit(t->buf[p]) || t->buf[p] == '+' || t->buf[p] == '-'); p++)
		if (t->buf[p] == '+')
			return true;
	return false;
}

/* One past the last byte that belongs to a block scalar's content (or its header, when empty). */
static size_t block_content_end(const struct ytree *t, const struct ynode *n)
{
	size_t p = n->end, vs = ytree_value_start(t, n);
	while (p > vs) {
		size_t w = is_blank(t->buf[p - 1]) ? 1 : ytext_break_before(t->buf, t->len, p);
		if (!w)
			break;
		p -= w;
	}
	return p;
}

size_t ytree_last_kid(const struct ytree *t, size_t i)
{
	size_t last = i + 1;
	for (size_t k = i + 1; k < t->nodes[i].after; k = t->nodes[k].after)
		last = k;
	return last;
}

/* One past the last byte of i's own text: for a collection, that of its last descendant. */
size_t ytree_content_end(const struct ytree *t, size_t i)
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
		i = ytree_last_kid(t, i);
	}
}

/* Where the line after pos's line begins; *at_eof when the file ends on pos's line. */
size_t ytree_next_line_start(const struct ytree *t, size_t pos, bool *at_eof)
{
	*at_eof = false;
	if (pos > t->bom && ytext_break_before(t->buf, t->len, pos))
		return pos;
	size_t e = ytree_line_end_of(t, pos);
	*at_eof = e == t->len;
	return e + ytext_break_at(t->buf, t->len, e);
}

/* The column of a block map's keys (its first key's text). */
size_t ytree_map_key_column(const struct ytree *t, size_t map)
{
	return ytree_column_of(t, ytree_value_start(t, &t->nodes[map + 1]));
}

/* How far the file indents a map inside a map; DEFAULT_INDENT_STEP when it never does. */
size_t ytree_indent_step(const struct ytree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct ynode *n = &t->nodes[i];
		if (n->kind != Y_MAP || n->flow || !n->n_kids || n->parent == NO_NODE)
			continue;
		const struct ynode *p = &t->nodes[n->parent];
		if (p->kind != Y_MAP || p->flow)
			continue;
		size_t col = ytree_map_key_column(t, i), pcol = ytree_map_key_column(t, n->parent);
		if (col > pcol)
			return col - pcol;
	}
	return DEFAULT_INDENT_STEP;
}

static void block_range(const struct ytree *t, const struct ynode *n, struct range *r)
{
	const char *b = t->buf;
	size_t vs = ytree_value_start(t, n), header_end = ytree_line_end_of(t, vs), last = block_content_end(t, n);
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
	r->to = ytree_line_end_of(t, last - 1);
	size_t first = header_end;
	while (first < last) {
		size_t w = is_blank(b[first]) ? 1 : ytext_break_at(b, t->len, first);
		if (!w)
			break;
		first += w;
	}
	r->indent = ytree_column_of(t, first);
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
		if (e == t->len || ytext_break_at(b, t->len, e)) { /* "key: " at a line's end: fill the space */
			r->from = r->to = m + 1;
			r->lead = "";
		}
	}
}

void ytree_scalar_range(const struct ytree *t, size_t i, struct range *r)
{
	const struct ynode *n = &t->nodes[i];
	memset(r, 0, sizeof(*r));
	r->lead = "";
	if (n->style == YAML_LITERAL_SCALAR_STYLE || n->style == YAML_FOLDED_SCALAR_STYLE)
		block_range(t, n, r);
	else if (n->len == 0 && n->style == YAML_PLAIN_SCALAR_STYLE)
		empty_range(t, i, r);
	else {
		r->from = ytree_value_start(t, n);
		r->to = n->end;
	}
}

/* ---- following a key path ---- */

bool ytree_scalar_is(const struct ynode *n, const char *s)
{
	size_t len = strlen(s);
	return n->kind == Y_SCALAR && n->len == len && !memcmp(n->value, s, len);
}

/* The node an alias refers to: the latest anchor of that name before it in its document. */
size_t ytree_anchored_node(const struct ytree *t, size_t alias)
{
	const struct ynode *a = &t->nodes[alias];
	for (size_t j = alias; j-- > 0 && t->nodes[j].doc == a->doc;)
		if (t->nodes[j].anchor && !strcmp(t->nodes[j].anchor, a->value))
			return j;
	return NO_NODE;
}

static int alias_error(const char *name, const struct ytree *t, size_t alias, const struct gt_keypath *p, size_t s)
{
	size_t target = ytree_anchored_node(t, alias);
	unsigned long line = 0, col;
	if (target != NO_NODE)
		line_col(t, t->nodes[target].start, &line, &col);
	ytree_report(name, t, t->nodes[alias].start,
	       "%s: '%.*s' is the alias *%s of &%s (line %lu); editing it would change every other user of that "
	       "anchor: set the value where the anchor is defined",
	       p->text, gt_keypath_prefix_len(p, s), p->text, t->nodes[alias].value,
	       t->nodes[alias].value, line);
	return -1;
}

/* The value of key in map (first of its kind); NO_NODE when the map has none. */
size_t ytree_map_find(const struct ytree *t, size_t map, const char *key)
{
	for (size_t k = map + 1; k < t->nodes[map].after; k = t->nodes[t->nodes[k].after].after)
		if (ytree_scalar_is(&t->nodes[k], key))
			return t->nodes[k].after;
	return NO_NODE;
}

/* A map a merge key '<<' brings in that has key: its merge value's node, else NO_NODE. */
static size_t merged_from(const struct ytree *t, size_t map, const char *key)
{
	for (size_t k = map + 1; k < t->nodes[map].after; k = t->nodes[t->nodes[k].after].after) {
		const struct ynode *kn = &t->nodes[k];
		if (!ytree_scalar_is(kn, "<<") || kn->style != YAML_PLAIN_SCALAR_STYLE)
			continue;
		size_t v = kn->after, first = v + (t->nodes[v].kind == Y_SEQ), last = t->nodes[v].after;
		for (size_t src = t->nodes[v].kind == Y_SEQ ? first : v; src < last; src = t->nodes[src].after) {
			size_t m = t->nodes[src].kind == Y_ALIAS ? ytree_anchored_node(t, src) : src;
			if (m != NO_NODE && t->nodes[m].kind == Y_MAP && ytree_map_find(t, m, key) != NO_NODE)
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
	*val = ytree_map_find(t, map, key);
	if (*val != NO_NODE) {
		size_t again = NO_NODE;
		for (size_t k = t->nodes[*val].after; k < t->nodes[map].after; k = t->nodes[t->nodes[k].after].after)
			if (ytree_scalar_is(&t->nodes[k], key))
				again = k;
		if (again == NO_NODE)
			return 1;
		unsigned long line, col;
		line_col(t, t->nodes[*val - 1].start, &line, &col);
		ytree_report(name, t, t->nodes[again].start, "%s: key '%s' appears twice in this map (first at line %lu)",
		       p->text, key, line);
		return -1;
	}
	size_t merge = merged_from(t, map, key);
	if (merge == NO_NODE)
		return 0;
	ytree_report(name, t, t->nodes[merge].start,
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
		size_t m = t->nodes[i].kind == Y_ALIAS ? ytree_anchored_node(t, i) : i;
		if (m == NO_NODE || t->nodes[m].kind != Y_MAP)
			continue;
		size_t v = ytree_map_find(t, m, sg->key);
		if (v == NO_NODE || !ytree_scalar_is(&t->nodes[v], sg->value))
			continue;
		if (t->nodes[i].kind == Y_ALIAS)
			return alias_error(name, t, i, p, s + 1);
		if (*item != NO_NODE) {
			ytree_report(name, t, t->nodes[i].start, "%s: more than one item of '%.*s' has %s=%s", p->text,
			       gt_keypath_prefix_len(p, s), p->text, sg->key, sg->value);
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
int ytree_follow(const char *name, const struct ytree *t, size_t cur, const struct gt_keypath *p, size_t s,
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
int ytree_lookup_path(const char *name, const struct ytree *t, size_t doc, const struct gt_keypath *p,
		       struct lookup *lk)
{
	size_t cur = t->docs[doc].root;
	for (size_t s = 0; s < p->n; s++) {
		*lk = (struct lookup){ cur, s, MISS_NONE };
		if (t->nodes[cur].kind == Y_ALIAS)
			return alias_error(name, t, cur, p, s);
		size_t next;
		int r = ytree_follow(name, t, cur, p, s, &next, lk);
		if (r <= 0)
			return r;
		cur = next;
	}
	*lk = (struct lookup){ cur, p->n, MISS_NONE };
	return t->nodes[cur].kind == Y_ALIAS ? alias_error(name, t, cur, p, p->n) : 1;
}

/* Find the path in the first document that has it: 1 with *doc and lk, 0 (lk: the first document's miss), -1. */
int ytree_find_path(const char *name, const struct ytree *t, const struct gt_keypath *p, size_t *doc,
		     struct lookup *lk)
{
	struct lookup first = { NO_NODE, 0, MISS_NO_DOC };
	for (size_t d = 0; d < t->n_docs; d++) {
		int r = ytree_lookup_path(name, t, d, p, lk);
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
void ytree_report_missing(const char *name, const struct ytree *t, const struct gt_keypath *p,
			   const struct lookup *lk, const char *hint)
{
	int plen = gt_keypath_prefix_len(p, lk->seg);
	const struct seg *sg = &p->segs[lk->seg];
	char subject[MESSAGE_MAX / 2], item[64];
	if (lk->miss == MISS_NO_DOC || lk->node == NO_NODE) {
		ytree_report(name, NULL, 0, "no key '%s': the file has no YAML document%s", p->text, hint);
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
		ytree_report(name, t, pos, "no key '%s': %s has no key '%s'%s", p->text, subject, sg->key, hint);
		break;
	case MISS_EMPTY:
		ytree_report(name, t, pos, "no key '%s': %s is empty%s", p->text, subject, hint);
		break;
	case MISS_ITEM:
		ytree_report(name, t, pos, "no key '%s': %s has no item %s%s", p->text, subject, item, hint);
		break;
	default:
		ytree_report(name, t, pos, "no key '%s': %s is %s, not %s%s", p->text, subject, ytree_kind_name(t, lk->node),
		       lk->miss == MISS_NOT_MAP ? "a map" : "a list", hint);
		break;
	}
}
