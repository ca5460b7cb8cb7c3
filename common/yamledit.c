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
#include "yamledit_int.h"

/* ---- writing values ---- */

/* Plain text that reads back as exactly these characters (the typing is checked apart). */
static bool plain_ok(const char *s, size_t len, bool flow)
{
	if (len == 0 || !ytext_all_printable(s, len, false))
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

static bool single_ok(const char *s, size_t len) { return ytext_all_printable(s, len, false); }

/* A literal block can hold it: lines of printable text, the first not starting with a
 * space (that would need an indentation indicator), at most one final line break. */
static bool literal_ok(const char *s, size_t len)
{
	if (!len || !memchr(s, '\n', len) || s[0] == ' ' || s[0] == '\t' || s[0] == '\n')
		return false;
	if (len >= 2 && s[len - 1] == '\n' && s[len - 2] == '\n')
		return false;
	return ytext_all_printable(s, len, true);
}

static void add_double_quoted(struct text *t, const char *s, size_t len)
{
	char esc[16];
	uint32_t c;
	ytext_addc(t, '"');
	for (size_t i = 0, w; i < len; i += w) {
		if (!(w = ytext_utf8_decode(s + i, len - i, &c))) {
			w = 1; /* never reached: values are checked for UTF-8 first */
			continue;
		}
		const char *named = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '\t' ? "\\t"
			: c == '\r' ? "\\r" : c == 0 ? "\\0" : c == 0x85 ? "\\N" : c == 0x2028 ? "\\L"
			: c == 0x2029 ? "\\P" : NULL;
		if (named)
			ytext_adds(t, named);
		else if (ytext_printable(c))
			ytext_add(t, s + i, w);
		else {
			snprintf(esc, sizeof(esc), c <= 0xFF ? "\\x%02X" : c <= 0xFFFF ? "\\u%04X" : "\\U%08X", (unsigned)c);
			ytext_adds(t, esc);
		}
	}
	ytext_addc(t, '"');
}

static void add_single_quoted(struct text *t, const char *s, size_t len)
{
	ytext_addc(t, '\'');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\'')
			ytext_addc(t, '\'');
		ytext_addc(t, s[i]);
	}
	ytext_addc(t, '\'');
}

/* "|" or "|-", the header's comment, then each line indented; the old block's final line break follows. */
static void add_literal(struct text *t, const char *s, size_t len, size_t indent, const char *nl,
			const char *comment, size_t comment_len)
{
	bool clip = s[len - 1] == '\n';
	ytext_adds(t, clip ? "|" : "|-");
	if (comment_len) {
		ytext_addc(t, ' ');
		ytext_add(t, comment, comment_len);
	}
	size_t end = clip ? len - 1 : len;
	for (size_t i = 0; i <= end;) {
		const char *eol = memchr(s + i, '\n', end - i);
		size_t line_end = eol ? (size_t)(eol - s) : end;
		ytext_adds(t, nl);
		if (line_end > i) {
			ytext_spaces(t, indent);
			ytext_add(t, s + i, line_end - i);
		}
		i = line_end + 1;
	}
}

enum qstyle { Q_PLAIN, Q_SINGLE, Q_DOUBLE, Q_LITERAL };

/* A tag whose value stays text, whatever it looks like: !!str, and !!binary, whose base64 the editor
 * writes and compares as text (the reader decodes it; the editor never changes its bytes' meaning). */
static bool is_string_tag(const char *tag)
{
	enum gt_yaml_tag k = gt_yaml_tag_kind(tag);
	return k == GT_YAML_TAG_STR || k == GT_YAML_TAG_BINARY;
}

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
	enum qstyle plain = string_style(v, len, old->flow, is_string_tag(old->tag));
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
void yedit_add_new_value(struct text *t, const char *v, bool as_string, bool flow)
{
	size_t len = strlen(v);
	if (!as_string || string_style(v, len, flow, false) == Q_PLAIN)
		ytext_add(t, v, len);
	else
		add_double_quoted(t, v, len);
}

static void add_new_key(struct text *t, const char *key, bool flow)
{
	size_t len = strlen(key);
	if (string_style(key, len, flow, false) == Q_PLAIN)
		ytext_add(t, key, len);
	else
		add_double_quoted(t, key, len);
}

/* ---- applying and checking an edit ---- */

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
		ytext_add(&t, buf + at, sp[i].from - at);
		ytext_add(&t, sp[i].text, sp[i].len);
		at = sp[i].to;
	}
	ytext_add(&t, buf + at, len - at);
	return ytext_take(&t, out_len);
}

static const struct reshape same_shape = { 0, 0, 0, NO_NODE, 0, false };

static bool same_str(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

static bool scalars_read_same(const struct ytree *a, size_t i, const struct ytree *b, size_t j)
{
	json_t *va = ytree_node_json(a, i), *vb = ytree_node_json(b, j);
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

int yedit_cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

/* edited is sorted: a file with thousands of images stays linear-logarithmic. */
static bool is_edited(size_t i, const size_t *edited, size_t n)
{
	return n && bsearch(&i, edited, n, sizeof(*edited), yedit_cmp_size);
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
	json_t *v = ytree_node_json(t, i);
	bool ok = v && json_equal(v, want);
	json_decref(v);
	return ok;
}

static bool path_reads_as(const struct ytree *t, size_t doc, const struct gt_keypath *p, const json_t *want)
{
	struct lookup lk;
	return doc < t->n_docs && ytree_lookup_path(NULL, t, doc, p, &lk) == 1 && node_reads_as(t, lk.node, want);
}

/* ---- the editor ---- */

struct gt_yamledit *gt_yamledit_new(const char *buf, size_t len, const char *name, const struct gt_limits *lim)
{
	struct gt_yamledit *e = calloc(1, sizeof(*e));
	struct ytree t;
	if (!name)
		name = "(input)";
	if (!e || !(e->name = strdup(name)) || !(e->buf = ytext_dup(buf, len))) {
		ytree_report(name, NULL, 0, "out of memory");
		gt_yamledit_free(e);
		return NULL;
	}
	e->len = len;
	e->lim = *lim;
	if (ytree_parse(&t, e->buf, e->len, e->name, &e->lim) < 0) {
		gt_yamledit_free(e);
		return NULL;
	}
	ytree_free(&t);
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

void yedit_commit(struct gt_yamledit *e, char *buf, size_t len)
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
	if (*buf && ytree_parse(nt, *buf, *len, NULL, &e->lim) == 0)
		return 0;
	free(*buf);
	*buf = NULL;
	return -1;
}

/* ---- editing scalars in place ---- */

static int scalar_splice(const struct ytree *t, const struct scalar_edit *ed, bool force_double, const char *nl,
			 struct splice *sp)
{
	const struct ynode *n = &t->nodes[ed->node];
	size_t len = strlen(ed->value);
	struct range r;
	struct text out = { 0 };
	ytree_scalar_range(t, ed->node, &r);
	enum qstyle st = force_double && json_is_string(ed->want) ? Q_DOUBLE : preferred_style(n, ed->want, ed->value, len);
	if (st == Q_LITERAL && !r.indent)
		st = Q_DOUBLE; /* an empty block gives no indentation to follow */
	ytext_adds(&out, r.lead);
	if (st == Q_LITERAL)
		add_literal(&out, ed->value, len, r.indent, nl, r.comment, r.comment_len);
	else {
		if (st == Q_PLAIN)
			ytext_add(&out, ed->value, len);
		else if (st == Q_SINGLE)
			add_single_quoted(&out, ed->value, len);
		else
			add_double_quoted(&out, ed->value, len);
		if (r.comment_len) {
			ytext_addc(&out, ' ');
			ytext_add(&out, r.comment, r.comment_len);
		}
	}
	*sp = (struct splice){ r.from, r.to, NULL, 0 };
	sp->text = ytext_take(&out, &sp->len);
	return sp->text ? 0 : -1;
}

/* Write every edit (sorted by node, which is byte order): the old quoting first,
 * then double quotes for all if that does not read back. */
int yedit_write_scalars(struct gt_yamledit *e, const struct ytree *t, const struct scalar_edit *eds, size_t n,
			 const char *what)
{
	struct splice *sp = calloc(n, sizeof(*sp));
	size_t *edited = calloc(n, sizeof(*edited));
	const char *nl = ytree_newline_of(t);
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
			ytree_free(&nt);
			if (ok) {
				yedit_commit(e, buf, len);
				ret = 1;
			} else
				free(buf);
		}
		splices_free(sp, built);
	}
	if (!sp || !edited)
		ytree_report(e->name, NULL, 0, "out of memory");
	else if (ret < 0)
		ytree_report(e->name, t, t->nodes[eds[0].node].start,
		       "%s: cannot write the new value here without changing what other bytes mean", what);
	free(sp);
	free(edited);
	return ret;
}

/* The new value's type against the old node's tag: a !!int stays an int. */
static bool check_tag(const char *name, const struct ytree *t, size_t i, const json_t *want, const char *what)
{
	if (is_string_tag(t->nodes[i].tag) || ytree_tag_allows(gt_yaml_tag_kind(t->nodes[i].tag), want))
		return true;
	ytree_report(name, t, t->nodes[i].start, "%s: the value is tagged %s; the new value does not fit it", what,
	       t->nodes[i].tag);
	return false;
}

/* Set scalar node i; 1 changed, 0 it already read as that, -1 after printing. */
static int set_node(struct gt_yamledit *e, const struct ytree *t, size_t i, const char *value, unsigned flags,
		    const char *what, char **old)
{
	const struct ynode *n = &t->nodes[i];
	if (n->kind != Y_SCALAR) {
		ytree_report(e->name, t, n->start, "%s is %s, not a single value: name a key inside it", what,
		       ytree_kind_name(t, i));
		return -1;
	}
	json_t *cur = ytree_node_json(t, i);
	struct scalar_edit ed = { i, value, target_value(cur, false, value, flags) };
	if (ed.want && !json_is_string(ed.want) && n->tag) {
		/* written plain under its tag: "!!float 2" reads as 2.0 */
		json_t *tagged = ytree_scalar_json(value, strlen(value), YAML_PLAIN_SCALAR_STYLE, n->tag);
		if (tagged) {
			json_decref(ed.want);
			ed.want = tagged;
		}
	}
	int ret = -1;
	if (!ed.want)
		ytree_report(e->name, NULL, 0, "out of memory");
	else if (check_tag(e->name, t, i, ed.want, what))
		ret = cur && json_equal(cur, ed.want) ? 0 : yedit_write_scalars(e, t, &ed, 1, what);
	if (ret >= 0 && old && !(*old = ytext_dup(n->value, n->len))) {
		ytree_report(e->name, NULL, 0, "out of memory");
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
			ytext_adds(t, nl);
		if (j > s || indent_first)
			ytext_spaces(t, col + step * (j - s));
		add_new_key(t, p->segs[j].key, false);
		ytext_addc(t, ':');
		if (j + 1 == p->n) {
			ytext_addc(t, ' ');
			yedit_add_new_value(t, value, json_is_string(want), false);
		}
	}
}

/* "k1: {k2: value}" for a flow map. */
static void add_flow_keys(struct text *t, const struct gt_keypath *p, size_t s, const char *value, const json_t *want)
{
	for (size_t j = s; j < p->n; j++) {
		add_new_key(t, p->segs[j].key, true);
		ytext_adds(t, j + 1 == p->n ? ": " : ": {");
	}
	yedit_add_new_value(t, value, json_is_string(want), true);
	for (size_t j = s + 1; j < p->n; j++)
		ytext_addc(t, '}');
}

/* Lines appended at pos (a line start, or the end of a file without a final line break). */
void yedit_add_lines_at(struct text *out, bool at_eof, const struct text *lines, const char *nl, bool file_empty)
{
	if (at_eof && !file_empty)
		ytext_adds(out, nl);
	ytext_add(out, lines->s ? lines->s : "", lines->len);
	if (!at_eof || file_empty)
		ytext_adds(out, nl);
}

/* Where new top-level lines go for an empty root (or an empty file): at the start of a line. */
size_t yedit_root_insert_pos(const struct ytree *t, size_t root, bool *at_eof)
{
	*at_eof = false;
	if (root == NO_NODE) {
		*at_eof = t->len > t->bom && !ytext_break_before(t->buf, t->len, t->len);
		return t->len;
	}
	size_t pos = t->nodes[root].end;
	return pos == ytree_line_start_of(t, pos) ? pos : ytree_next_line_start(t, pos, at_eof);
}

/* The text and place that add the path's keys from lk->seg on; the reshape it makes. */
static int plan_create(const char *name, const struct ytree *t, const struct lookup *lk, const struct gt_keypath *p,
		       const char *value, const json_t *want, struct splice *sp, struct reshape *r)
{
	const char *nl = ytree_newline_of(t);
	size_t step = ytree_indent_step(t), keys = p->n - lk->seg, node = lk->node;
	struct text lines = { 0 }, out = { 0 };
	bool at_eof = false;
	*r = (struct reshape){ 0, 0, 1 + 2 * keys, NO_NODE, 0, false };
	if (lk->miss == MISS_NO_DOC || (lk->miss == MISS_EMPTY && t->nodes[node].parent == NO_NODE)) {
		/* an empty file or document: a new top-level map */
		sp->from = yedit_root_insert_pos(t, node, &at_eof);
		add_block_keys(&lines, p, lk->seg, value, want, 0, step, nl, true);
		yedit_add_lines_at(&out, at_eof, &lines, nl, t->len == t->bom);
		r->new_doc = node == NO_NODE;
		r->from = node == NO_NODE ? 0 : node;
		r->to = node == NO_NODE ? 0 : node + 1;
	} else if (lk->miss == MISS_EMPTY && !t->nodes[node].flow && t->nodes[t->nodes[node].parent].kind == Y_MAP) {
		/* "key:" with no value: the keys go on the lines below it */
		sp->from = ytree_line_end_of(t, t->nodes[node].end);
		ytext_adds(&out, nl);
		add_block_keys(&out, p, lk->seg, value, want, ytree_column_of(t, ytree_value_start(t, &t->nodes[node - 1])) + step,
			       step, nl, true);
		*r = (struct reshape){ node, node + 1, 1 + 2 * keys, NO_NODE, 0, false };
	} else if (lk->miss == MISS_KEY && t->nodes[node].flow) {
		const struct ynode *m = &t->nodes[node];
		sp->from = m->n_kids ? t->nodes[ytree_last_kid(t, node)].end : m->close;
		if (m->n_kids)
			ytext_adds(&out, ", ");
		add_flow_keys(&out, p, lk->seg, value, want);
		*r = (struct reshape){ m->after, m->after, 2 * keys, node, 2, false };
	} else if (lk->miss == MISS_KEY) {
		sp->from = ytree_next_line_start(t, ytree_content_end(t, node), &at_eof);
		add_block_keys(&lines, p, lk->seg, value, want, ytree_map_key_column(t, node), step, nl, true);
		yedit_add_lines_at(&out, at_eof, &lines, nl, false);
		*r = (struct reshape){ t->nodes[node].after, t->nodes[node].after, 2 * keys, node, 2, false };
	} else {
		ytree_report_missing(name, t, p, lk, "");
		return -1;
	}
	free(lines.s);
	sp->to = sp->from;
	sp->text = ytext_take(&out, &sp->len);
	if (!sp->text)
		ytree_report(name, NULL, 0, "out of memory");
	return sp->text ? 0 : -1;
}

/* Apply one insertion and keep it only if the rest reads as before and each check path reads as wanted. */
int yedit_commit_insert(struct gt_yamledit *e, const struct ytree *t, struct splice *sp, const struct reshape *r,
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
		ytree_free(&nt);
	}
	if (ok)
		yedit_commit(e, buf, len);
	else {
		free(buf);
		ytree_report(e->name, NULL, 0, "%s: cannot add it here without changing what other bytes mean", what);
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
		json_t *have = t->nodes[k].kind == Y_SCALAR ? ytree_node_json(t, k) : NULL;
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
			ytree_report_missing(e->name, t, p, lk, "; --create adds map keys, not list items");
			return -1;
		}
	size_t clash = lk->miss == MISS_KEY ? colliding_key(t, lk->node, p->segs[lk->seg].key) : NO_NODE;
	if (clash != NO_NODE) {
		ytree_report(e->name, t, t->nodes[clash].start,
		       "%s: key '%.*s' reads as the same key as '%s'; adding '%s' would make a duplicate key", p->text,
		       (int)t->nodes[clash].len, t->nodes[clash].value, p->segs[lk->seg].key, p->segs[lk->seg].key);
		return -1;
	}
	json_t *want = target_value(NULL, true, value, flags);
	struct splice sp = { 0 };
	struct reshape r;
	int ret = -1;
	if (!want)
		ytree_report(e->name, NULL, 0, "out of memory");
	else if (plan_create(e->name, t, lk, p, value, want, &sp, &r) == 0)
		ret = yedit_commit_insert(e, t, &sp, &r, 0, &p, &want, 1, p->text);
	free(sp.text);
	json_decref(want);
	return ret;
}

/* Set the path's scalar, or add it with GT_YEDIT_CREATE. */
int yedit_set_path(struct gt_yamledit *e, const struct gt_keypath *p, const char *value, unsigned flags, char **old)
{
	struct ytree t;
	struct lookup lk;
	size_t doc;
	if (ytree_parse(&t, e->buf, e->len, e->name, &e->lim) < 0)
		return -1;
	int ret = ytree_find_path(e->name, &t, p, &doc, &lk);
	if (ret > 0)
		ret = set_node(e, &t, lk.node, value, flags, p->text, old);
	else if (ret == 0 && (flags & GT_YEDIT_CREATE))
		ret = create_path(e, &t, &lk, p, value, flags);
	else if (ret == 0) {
		ytree_report_missing(e->name, &t, p, &lk, "");
		ret = -1;
	}
	ytree_free(&t);
	return ret;
}

static bool value_ok(const char *name, const char *value, const char *what)
{
	if (value && ytext_utf8_valid(value, strlen(value)))
		return true;
	ytree_report(name, NULL, 0, "%s: the new value is not valid UTF-8", what);
	return false;
}

int gt_yamledit_set(struct gt_yamledit *e, const char *key, const char *value, unsigned flags, char **old)
{
	const char *why;
	if (old)
		*old = NULL;
	struct gt_keypath *p = gt_keypath_parse(key, &why);
	if (!p) {
		ytree_report(e->name, NULL, 0, "bad key '%s': %s", key, why);
		return -1;
	}
	int ret = value_ok(e->name, value, key) ? yedit_set_path(e, p, value, flags, old) : -1;
	gt_keypath_free(p);
	return ret;
}
