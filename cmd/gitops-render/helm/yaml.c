/* yaml: helm's toYaml (sigs.k8s.io/yaml.Marshal: encoding/json, read back by goyaml.v2, written
 * by goyaml.v2's emitter: natural key order, 80-column folding, YAML 1.1 quoting) on libyaml's
 * emitter, of which goyaml.v2's is a port; and fromYaml through the common YAML reader. */
#define _GNU_SOURCE
#include "helm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "json.h"
#include "limits.h"
#include "yaml.h"

/* ---- goyaml.v2's keyList.Less on strings ---- */

static size_t dec_rune(const char *s, long *r)
{
	unsigned char c = (unsigned char)s[0];
	if (c < 0x80) {
		*r = c;
		return 1;
	}
	size_t k = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	long v = c & (0x3f >> (k - 1));
	for (size_t i = 1; i < k; i++) {
		if (!s[i]) {
			*r = 0xfffd;
			return i;
		}
		v = v << 6 | (s[i] & 0x3f);
	}
	*r = v;
	return k;
}

static bool is_letter(long r)
{
	/* unicode.IsLetter: ASCII letters, and (close enough) every non-ASCII rune that is not a digit,
	 * space or punctuation of the Latin-1 block */
	if (r < 0x80)
		return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
	if (r < 0xc0)
		return r == 0xaa || r == 0xb5 || r == 0xba;
	return r != 0xd7 && r != 0xf7;
}

static bool is_digit(long r)
{
	return r >= '0' && r <= '9';
}

/* goyaml.v3's keyList.Less differs in one place: after equal digits, a letter sorts first */
static int key_cmp(const char *a, const char *b, bool v3)
{
	/* decode to runes once */
	long ar[512], br[512];
	size_t an = 0, bn = 0;
	for (const char *p = a; *p && an < 512;) {
		long r;
		p += dec_rune(p, &r);
		ar[an++] = r;
	}
	for (const char *p = b; *p && bn < 512;) {
		long r;
		p += dec_rune(p, &r);
		br[bn++] = r;
	}
	bool after_digit = false;
	for (size_t i = 0; i < an && i < bn; i++) {
		if (ar[i] == br[i]) {
			after_digit = is_digit(ar[i]);
			continue;
		}
		bool al = is_letter(ar[i]), bl = is_letter(br[i]);
		if (al && bl)
			return ar[i] < br[i] ? -1 : 1;
		if (al || bl)
			return (v3 && after_digit ? al : bl) ? -1 : 1;
		long long av = 0, bv = 0;
		size_t ai, bi;
		if (ar[i] == '0' || br[i] == '0') {
			for (size_t j = i; j-- > 0 && is_digit(ar[j]);) {
				if (ar[j] != '0') {
					av = 1;
					bv = 1;
					break;
				}
			}
		}
		for (ai = i; ai < an && is_digit(ar[ai]); ai++)
			av = av * 10 + (ar[ai] - '0');
		for (bi = i; bi < bn && is_digit(br[bi]); bi++)
			bv = bv * 10 + (br[bi] - '0');
		if (av != bv)
			return av < bv ? -1 : 1;
		if (ai != bi)
			return ai < bi ? -1 : 1;
		return ar[i] < br[i] ? -1 : 1;
	}
	return an < bn ? -1 : an > bn ? 1 : 0;
}

int yaml_key_cmp(const char *a, const char *b)
{
	return key_cmp(a, b, false);
}

/* ---- when goyaml.v2 quotes a string ---- */

static bool digits(const char *s, size_t *i, size_t n, size_t min, size_t max, int *v)
{
	size_t st = *i;
	*v = 0;
	while (*i < n && *i - st < max && s[*i] >= '0' && s[*i] <= '9')
		*v = *v * 10 + (s[(*i)++] - '0');
	return *i - st >= min;
}

/* goyaml.v2's parseTimestamp: 2006-1-2, with an optional time (T, t or space) and zone. */
static bool is_timestamp(const char *s, size_t n)
{
	size_t i = 0;
	int y, m, d, h, mi, sec;
	if (!digits(s, &i, n, 4, 4, &y) || i >= n || s[i++] != '-' || !digits(s, &i, n, 1, 2, &m) || i >= n ||
	    s[i++] != '-' || !digits(s, &i, n, 1, 2, &d))
		return false;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	if (i == n)
		return true;
	if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
		return false;
	i++;
	if (!digits(s, &i, n, 1, 2, &h) || i >= n || s[i++] != ':' || !digits(s, &i, n, 1, 2, &mi) || i >= n ||
	    s[i++] != ':' || !digits(s, &i, n, 1, 2, &sec) || h > 23 || mi > 59 || sec > 59)
		return false;
	if (i < n && s[i] == '.') {
		int f;
		i++;
		if (!digits(s, &i, n, 1, 9, &f))
			return false;
	}
	if (i == n)
		return true;
	if (s[i] == 'Z' && i + 1 == n)
		return true;
	if (s[i] == '+' || s[i] == '-') {
		int zh, zm;
		i++;
		if (!digits(s, &i, n, 2, 2, &zh) || i >= n || s[i++] != ':' || !digits(s, &i, n, 2, 2, &zm))
			return false;
		return i == n;
	}
	return false;
}

/* isBase60Float: ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ */
static bool is_base60(const char *s, size_t n)
{
	size_t i = 0, groups = 0;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	if (!(i < n && s[i] >= '0' && s[i] <= '9'))
		return false;
	while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
		i++;
	while (i < n && s[i] == ':') {
		size_t d = 0;
		for (i++; i < n && s[i] >= '0' && s[i] <= '9' && d < 2; i++, d++)
			;
		if (d == 0 || (d == 2 && s[i - 2] > '5'))
			return false;
		groups++;
	}
	if (!groups)
		return false;
	if (i < n && s[i] == '.')
		for (i++; i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'); i++)
			;
	return i == n;
}

static bool needs_quotes(const char *s, size_t n)
{
	const char *why;
	json_t *v = gt_yaml_resolve_plain(s, n, &why);
	bool str = v && json_is_string(v) && json_string_length(v) == n;
	json_decref(v);
	/* "<<" stays plain: sigs.k8s.io/yaml's goyaml.v2 does not quote the merge key */
	return !str || is_timestamp(s, n) || is_base60(s, n);
}

/* ---- the emitter ---- */

struct emit {
	yaml_emitter_t e;
	struct buf *out;
	const char *why;
};

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
	struct emit *em = data;
	buf_add(em->out, (const char *)buffer, size);
	return !em->out->oom;
}

static int scalar(struct emit *em, const char *s, size_t n, yaml_scalar_style_t style)
{
	yaml_event_t ev;
	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)n, 1, 1, style))
		return -1;
	return yaml_emitter_emit(&em->e, &ev) ? 0 : -1;
}

static int emit_string(struct emit *em, const char *s, size_t n)
{
	yaml_scalar_style_t style = memchr(s, '\n', n) ? YAML_LITERAL_SCALAR_STYLE
				    : needs_quotes(s, n)   ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
							   : YAML_PLAIN_SCALAR_STYLE;
	return scalar(em, s, n, style);
}

/* A float64 as encoding/json writes it, then as goyaml.v2 reads that number back and writes it. */
static int emit_float(struct emit *em, double f)
{
	char js[64], out[64];
	gt_json_format_real(f, js);
	if (!strpbrk(js, ".eE")) {
		/* an integer to goyaml.v2: int64, uint64, or a float past both */
		errno = 0;
		char *end;
		if (js[0] == '-') {
			/* as the int64 goyaml.v2 reads: "-0" is 0 */
			long long v = strtoll(js, &end, 10);
			if (!errno) {
				snprintf(out, sizeof(out), "%lld", v);
				return scalar(em, out, strlen(out), YAML_PLAIN_SCALAR_STYLE);
			}
		} else {
			unsigned long long v = strtoull(js, &end, 10);
			if (!errno)
				return scalar(em, js, strlen(js), YAML_PLAIN_SCALAR_STYLE), (void)v, 0;
		}
	}
	fmt_float_g(out, sizeof(out), strtod(js, NULL));
	return scalar(em, out, strlen(out), YAML_PLAIN_SCALAR_STYLE);
}

static int emit_value(struct emit *em, struct hv v);

static int cmp_kv(const void *a, const void *b)
{
	return yaml_key_cmp((*(const struct hkv *const *)a)->key->s, (*(const struct hkv *const *)b)->key->s);
}

static int emit_map(struct emit *em, struct hv v)
{
	yaml_event_t ev;
	size_t n = v.u.m->n;
	if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, n ? YAML_BLOCK_MAPPING_STYLE : YAML_FLOW_MAPPING_STYLE) ||
	    !yaml_emitter_emit(&em->e, &ev))
		return -1;
	struct hkv **order = n ? malloc(n * sizeof(*order)) : NULL;
	if (n && !order)
		return -1;
	for (size_t i = 0; i < n; i++)
		order[i] = &v.u.m->kv[i];
	if (n)
		qsort(order, n, sizeof(*order), cmp_kv);
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		r = emit_string(em, order[i]->key->s, order[i]->key->len);
		if (r == 0)
			r = emit_value(em, order[i]->val);
	}
	free(order);
	if (r < 0)
		return -1;
	return yaml_mapping_end_event_initialize(&ev) && yaml_emitter_emit(&em->e, &ev) ? 0 : -1;
}

static int emit_obj(struct emit *em, struct hv v)
{
	if (v.u.o->json_str) { /* MarshalJSON: a string */
		struct hv s = hv_str(v.u.o->json_str);
		int r = s.k == HV_STRING ? emit_value(em, s) : -1;
		hv_unref(s);
		return r;
	}
	/* a struct marshals to a JSON object of its tagged fields: the same as that map */
	struct hv m = hv_map();
	if (m.k != HV_MAP)
		return -1;
	for (size_t i = 0; i < v.u.o->n; i++) {
		struct hfield *f = &v.u.o->f[i];
		if (!f->json || (f->omit && hv_empty(f->val)))
			continue;
		if (hmap_set(m.u.m, f->json, strlen(f->json), hv_ref(f->val)) < 0) {
			hv_unref(m);
			return -1;
		}
	}
	int r = emit_map(em, m);
	hv_unref(m);
	return r;
}

static int emit_value(struct emit *em, struct hv v)
{
	yaml_event_t ev;
	char num[64];
	switch (v.k) {
	case HV_NIL:
		return scalar(em, "null", 4, YAML_PLAIN_SCALAR_STYLE);
	case HV_BOOL:
		return scalar(em, v.u.b ? "true" : "false", v.u.b ? 4 : 5, YAML_PLAIN_SCALAR_STYLE);
	case HV_INT:
		snprintf(num, sizeof(num), "%lld", (long long)v.u.i);
		return scalar(em, num, strlen(num), YAML_PLAIN_SCALAR_STYLE);
	case HV_FLOAT:
		if (v.u.f != v.u.f || v.u.f - v.u.f != 0) {
			em->why = "toYaml of infinity or NaN";
			return -1;
		}
		return emit_float(em, v.u.f);
	case HV_STRING:
		if (v.go == GO_BYTES) {
			em->why = "toYaml of []byte";
			return -1;
		}
		return emit_string(em, v.u.s->s, v.u.s->len);
	case HV_MAP:
		if (v.go == GO_FILES) {
			em->why = "toYaml of .Files";
			return -1;
		}
		return emit_map(em, v);
	case HV_LIST:
		if (v.u.l->is_nil)
			return scalar(em, "null", 4, YAML_PLAIN_SCALAR_STYLE);
		if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
							  v.u.l->n ? YAML_BLOCK_SEQUENCE_STYLE : YAML_FLOW_SEQUENCE_STYLE) ||
		    !yaml_emitter_emit(&em->e, &ev))
			return -1;
		for (size_t i = 0; i < v.u.l->n; i++)
			if (emit_value(em, v.u.l->v[i]) < 0)
				return -1;
		return yaml_sequence_end_event_initialize(&ev) && yaml_emitter_emit(&em->e, &ev) ? 0 : -1;
	case HV_OBJ:
		return emit_obj(em, v);
	}
	return -1;
}

/* em's libyaml emitter writing to em->out, as go-yaml sets its own up (Unicode, indent 2), lines
 * folded at width (-1: never); -1 out of memory. */
static int emitter_start(struct emit *em, int width)
{
	if (!yaml_emitter_initialize(&em->e))
		return -1;
	yaml_emitter_set_output(&em->e, write_handler, em);
	yaml_emitter_set_unicode(&em->e, 1);
	yaml_emitter_set_width(&em->e, width);
	yaml_emitter_set_indent(&em->e, 2);
	return 0;
}

int yaml_marshal(struct buf *b, struct hv v, const char **why)
{
	struct emit em = { .out = b };
	yaml_event_t ev;
	*why = "toYaml of this value";
	if (emitter_start(&em, 80) < 0)
		return -1;
	size_t start = b->n;
	int r = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) && yaml_emitter_emit(&em.e, &ev) &&
			yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) && yaml_emitter_emit(&em.e, &ev)
		? 0
		: -1;
	if (r == 0)
		r = emit_value(&em, v);
	if (r == 0 && !(yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(&em.e, &ev) &&
			yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&em.e, &ev) &&
			yaml_emitter_flush(&em.e)))
		r = -1;
	yaml_emitter_delete(&em.e);
	if (em.why)
		*why = em.why;
	if (r < 0 || b->oom)
		return -1;
	/* libyaml ends an open-ended scalar with "...": goyaml.v2 does not */
	if (b->n - start >= 4 && !memcmp(b->p + b->n - 4, "...\n", 4)) {
		b->n -= 4;
		b->p[b->n] = '\0';
	}
	if (b->n > start && b->p[b->n - 1] == '\n')
		b->p[--b->n] = '\0';
	return 0;
}

int yaml_unmarshal(const char *s, size_t n, const char *name, struct hv *out)
{
	static const struct gt_limits lim = GT_LIMITS_DEFAULT;
	struct gt_yaml_reader *r = gt_yaml_reader_new_string(s, n, name, &lim);
	json_t *doc = NULL;
	unsigned long line;
	*out = HV_NIL_V;
	if (!r)
		return -1;
	gt_yaml_reader_set_quiet(r, true);
	int st = gt_yaml_next(r, &doc, &line);
	gt_yaml_reader_free(r);
	if (st < 0)
		return 1;
	if (st == 0 || !doc)
		return 0;
	*out = hv_from_json(doc);
	json_decref(doc);
	return 0;
}

/* ---- helm's toYamlPretty: goyaml.v3's Encoder with SetIndent(2), on the value itself (no JSON
 * round trip): sequences indented under their key, no folding, floats as strconv's 'g', v3's
 * key order and quoting. The block structure is written here; each scalar is written by libyaml
 * (goyaml.v3's emitter is a port of it) alone, and only when it comes out on one line. */

/* Where goyaml.v3's resolver and goyaml.v2's (needs_quotes) disagree: v2 reads "+inf", "-NaN",
 * "-Infinity" and hex floats ("0x1p3") with strconv.ParseFloat as floats, v3 only YAML's float
 * syntax, so to v3 they are strings (written plain: measured with helm 3.17.3); v2 keeps the
 * underscores of ".5_0", v3 drops them (not reproduced). 1: a v3 string, 2: unsure, 0: agree. */
static int v3_differs(const char *s, size_t n)
{
	if (n && s[0] == '.' && memchr(s, '_', n))
		return 2;
	size_t i = n && (s[0] == '+' || s[0] == '-') ? 1 : 0;
	const char *r = s + i;
	size_t rn = n - i;
	if (i && ((rn == 3 && (!strncasecmp(r, "inf", 3) || !strncasecmp(r, "nan", 3))) ||
		  (rn == 8 && !strncasecmp(r, "infinity", 8))))
		return 1;
	return rn > 2 && r[0] == '0' && (r[1] == 'x' || r[1] == 'X') && (memchr(r, 'p', rn) || memchr(r, 'P', rn));
}

static int pretty_scalar_raw(struct buf *b, const char *s, size_t n, yaml_scalar_style_t style)
{
	struct emit em = { .out = b };
	yaml_event_t ev;
	if (emitter_start(&em, -1) < 0)
		return -1;
	size_t start = b->n;
	int ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) && yaml_emitter_emit(&em.e, &ev) &&
		 yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) && yaml_emitter_emit(&em.e, &ev) &&
		 yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)n, 1, 1, style) &&
		 yaml_emitter_emit(&em.e, &ev) && yaml_document_end_event_initialize(&ev, 1) &&
		 yaml_emitter_emit(&em.e, &ev) && yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&em.e, &ev) &&
		 yaml_emitter_flush(&em.e);
	yaml_emitter_delete(&em.e);
	if (!ok || b->oom)
		return -1;
	if (b->n - start >= 4 && !memcmp(b->p + b->n - 4, "...\n", 4))
		b->n -= 4;
	if (b->n > start && b->p[b->n - 1] == '\n')
		b->n--;
	b->p[b->n] = '\0';
	/* more than one line (a folded or block scalar): not reproduced */
	return memchr(b->p + start, '\n', b->n - start) ? 1 : 0;
}

static void pad(struct buf *b, int n);

/* ind: the column of the node whose value s is (a literal block's lines go under it), -1 for a key */
static int pretty_string(struct buf *b, const char *s, size_t n, int ind, const char **why)
{
	if (memchr(s, '\0', n)) {
		*why = "toYamlPretty of a string with a NUL";
		return -1;
	}
	/* goyaml.v3 writes U+2028/U+2029/U+0085 as line breaks and escapes what follows a BOM */
	if (memmem(s, n, "\xe2\x80\xa8", 3) || memmem(s, n, "\xe2\x80\xa9", 3) || memmem(s, n, "\xc2\x85", 2) ||
	    memmem(s, n, "\xef\xbb\xbf", 3)) {
		*why = "toYamlPretty of a string with a Unicode line break or BOM";
		return -1;
	}
	if (memchr(s, '\n', n) && memchr(s, '\t', n)) { /* goyaml.v3 writes it as a block, libyaml quotes it */
		*why = "toYamlPretty of a multi-line string with a tab";
		return -1;
	}
	int d = v3_differs(s, n);
	if (d == 2) {
		*why = "toYamlPretty of a number-like string";
		return -1;
	}
	bool quote = d == 0 && needs_quotes(s, n);
	size_t start = b->n;
	int r = pretty_scalar_raw(b, s, n,
				  memchr(s, '\n', n) ? YAML_LITERAL_SCALAR_STYLE
				  : quote	    ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
						    : YAML_PLAIN_SCALAR_STYLE);
	if (r > 0 && b->p[start] == '|' && ind >= 0) {
		/* a literal block: its lines are indented under the node, which libyaml wrote at column 0 */
		struct buf t = { 0 };
		for (size_t i = start; i < b->n; i++) {
			buf_addc(&t, b->p[i]);
			if (b->p[i] == '\n' && i + 1 < b->n && b->p[i + 1] != '\n')
				pad(&t, ind);
		}
		b->n = start;
		if (t.n)
			buf_add(b, t.p, t.n);
		buf_free(&t);
		r = b->oom ? -1 : 0;
	}
	if (r > 0)
		*why = "toYamlPretty of a string libyaml would not write on one line";
	return r ? -1 : 0;
}

static void pad(struct buf *b, int n)
{
	while (n-- > 0)
		buf_addc(b, ' ');
}

static bool pretty_block(struct hv v)
{
	return (v.k == HV_MAP && v.u.m->n) || (v.k == HV_LIST && !v.u.l->is_nil && v.u.l->n);
}

static int pretty_scalar(struct buf *b, struct hv v, int ind, const char **why)
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
		if (v.u.f != v.u.f || v.u.f - v.u.f != 0)
			break;
		fmt_float_g(num, sizeof(num), v.u.f);
		buf_adds(b, num);
		return 0;
	case HV_STRING:
		if (v.go == GO_BYTES)
			break;
		return pretty_string(b, v.u.s->s, v.u.s->len, ind, why);
	case HV_MAP:
		if (v.go == GO_FILES)
			break;
		buf_adds(b, "{}");
		return 0;
	case HV_LIST:
		buf_adds(b, v.u.l->is_nil ? "null" : "[]");
		return 0;
	case HV_OBJ:
		break;
	}
	*why = "toYamlPretty of this value";
	return -1;
}

static int cmp_kv_v3(const void *a, const void *b)
{
	return key_cmp((*(const struct hkv *const *)a)->key->s, (*(const struct hkv *const *)b)->key->s, true);
}

/* v at column ind; inline: the cursor is there already (after "- ") */
static int pretty_node(struct buf *b, struct hv v, int ind, bool inline_, const char **why);

static int pretty_map(struct buf *b, struct hv v, int ind, bool inline_, const char **why)
{
	size_t n = v.u.m->n;
	struct hkv **order = malloc(n * sizeof(*order));
	if (!order)
		return -1;
	for (size_t i = 0; i < n; i++)
		order[i] = &v.u.m->kv[i];
	qsort(order, n, sizeof(*order), cmp_kv_v3);
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (i || !inline_)
			pad(b, ind);
		if (order[i]->key->len > 100) { /* libyaml writes a long key as "? key" */
			*why = "toYamlPretty of a map with a long key";
			r = -1;
			break;
		}
		r = pretty_string(b, order[i]->key->s, order[i]->key->len, -1, why);
		if (r < 0)
			break;
		buf_addc(b, ':');
		if (pretty_block(order[i]->val)) {
			buf_addc(b, '\n');
			r = pretty_node(b, order[i]->val, ind + 2, false, why);
		} else {
			buf_addc(b, ' ');
			r = pretty_scalar(b, order[i]->val, ind, why);
			buf_addc(b, '\n');
		}
	}
	free(order);
	return r;
}

static int pretty_node(struct buf *b, struct hv v, int ind, bool inline_, const char **why)
{
	if (v.k == HV_MAP) {
		if (v.go == GO_FILES) {
			*why = "toYamlPretty of .Files";
			return -1;
		}
		return pretty_map(b, v, ind, inline_, why);
	}
	for (size_t i = 0; i < v.u.l->n; i++) {
		struct hv e = v.u.l->v[i];
		if (i || !inline_)
			pad(b, ind);
		buf_adds(b, "- ");
		int r = pretty_block(e) ? pretty_node(b, e, ind + 2, true, why) : pretty_scalar(b, e, ind, why);
		if (r < 0)
			return r;
		if (!pretty_block(e))
			buf_addc(b, '\n');
	}
	return 0;
}

int yaml_marshal_pretty(struct buf *b, struct hv v, const char **why)
{
	*why = "toYamlPretty of this value";
	size_t start = b->n;
	int r = pretty_block(v) ? pretty_node(b, v, 0, false, why) : pretty_scalar(b, v, 0, why);
	if (r < 0 || b->oom)
		return -1;
	if (b->n > start && b->p[b->n - 1] == '\n')
		b->n--;
	if (b->p)
		b->p[b->n] = '\0';
	return 0;
}
