/* toml: helm's fromToml and toToml (the latter at the end of the file).
 * fromToml: BurntSushi/toml's Unmarshal into map[string]interface{}) for the TOML 1.0
 * that charts read: tables, arrays of tables, dotted and quoted keys, the four string forms,
 * integers (int64), floats, booleans, arrays and inline tables. What this reader does not
 * reproduce exactly, it refuses (toml_unmarshal returns 1 and says why), so that the engine
 * leaves the chart to helm: every document BurntSushi rejects (helm then returns a map with its
 * own error text), dates and times (time.Time values), and redefinitions whose validity turns
 * on TOML's finer rules. */
#define _GNU_SOURCE
#include "helm.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ytext.h"

/* how a table came to be: what a later header or dotted key may do with it */
enum made { MADE_IMPLICIT, MADE_HEADER, MADE_DOTTED, MADE_INLINE, MADE_AOT };

struct meta {
	void *p; /* struct hmap * or struct hlist * */
	enum made how;
	int section;
};

struct tp {
	const char *s;
	size_t n, i;
	struct hmap *cur; /* the table key/values go to */
	int section;
	struct meta *meta;
	size_t n_meta, cap_meta;
	const char *why;
	bool oom;
};

/* -1: refuse (why set) or out of memory (oom set) */
static int refuse(struct tp *t, const char *why)
{
	if (!t->why)
		t->why = why;
	return -1;
}

static int remember(struct tp *t, void *p, enum made how)
{
	if (t->n_meta == t->cap_meta) {
		size_t cap = t->cap_meta ? t->cap_meta * 2 : 16;
		struct meta *m = realloc(t->meta, cap * sizeof(*m));
		if (!m) {
			t->oom = true;
			return -1;
		}
		t->meta = m;
		t->cap_meta = cap;
	}
	t->meta[t->n_meta++] = (struct meta){ p, how, t->section };
	return 0;
}

static struct meta *recall(struct tp *t, void *p)
{
	for (size_t i = t->n_meta; i-- > 0;)
		if (t->meta[i].p == p)
			return &t->meta[i];
	return NULL;
}

static int peek(struct tp *t)
{
	return t->i < t->n ? (unsigned char)t->s[t->i] : -1;
}

static void skip_ws(struct tp *t)
{
	while (t->i < t->n && (t->s[t->i] == ' ' || t->s[t->i] == '\t'))
		t->i++;
}

/* a comment, to the end of the line (not eaten) */
static int skip_comment(struct tp *t)
{
	if (peek(t) != '#')
		return 0;
	for (; t->i < t->n && t->s[t->i] != '\n'; t->i++) {
		unsigned char c = (unsigned char)t->s[t->i];
		if ((c < 0x20 && c != '\t' && !(c == '\r' && t->i + 1 < t->n && t->s[t->i + 1] == '\n')) || c == 0x7f)
			return refuse(t, "fromToml of a comment with a control character");
	}
	return 0;
}

/* the end of a line: blanks, a comment, then a newline or the end */
static int end_of_line(struct tp *t)
{
	skip_ws(t);
	if (skip_comment(t) < 0)
		return -1;
	if (t->i < t->n && t->s[t->i] == '\r' && t->i + 1 < t->n && t->s[t->i + 1] == '\n')
		t->i++;
	if (t->i < t->n && t->s[t->i] != '\n')
		return refuse(t, "fromToml of text that is not TOML (helm returns its parser's error)");
	if (t->i < t->n)
		t->i++;
	return 0;
}

/* blanks, comments and newlines (inside an array) */
static int skip_ws_nl(struct tp *t)
{
	for (;;) {
		skip_ws(t);
		if (skip_comment(t) < 0)
			return -1;
		if (peek(t) == '\n')
			t->i++;
		else if (peek(t) == '\r' && t->i + 1 < t->n && t->s[t->i + 1] == '\n')
			t->i += 2;
		else
			return 0;
	}
}

static void put_utf8(struct buf *b, unsigned long c)
{
	if (c < 0x80) {
		buf_addc(b, (char)c);
	} else if (c < 0x800) {
		buf_addc(b, (char)(0xc0 | c >> 6));
		buf_addc(b, (char)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		buf_addc(b, (char)(0xe0 | c >> 12));
		buf_addc(b, (char)(0x80 | ((c >> 6) & 0x3f)));
		buf_addc(b, (char)(0x80 | (c & 0x3f)));
	} else {
		buf_addc(b, (char)(0xf0 | c >> 18));
		buf_addc(b, (char)(0x80 | ((c >> 12) & 0x3f)));
		buf_addc(b, (char)(0x80 | ((c >> 6) & 0x3f)));
		buf_addc(b, (char)(0x80 | (c & 0x3f)));
	}
}

static int escape(struct tp *t, struct buf *b)
{
	int c = peek(t);
	t->i++;
	switch (c) {
	case 'b': buf_addc(b, '\b'); return 0;
	case 't': buf_addc(b, '\t'); return 0;
	case 'n': buf_addc(b, '\n'); return 0;
	case 'f': buf_addc(b, '\f'); return 0;
	case 'r': buf_addc(b, '\r'); return 0;
	case '"': buf_addc(b, '"'); return 0;
	case '\\': buf_addc(b, '\\'); return 0;
	case 'u':
	case 'U': {
		size_t len = c == 'u' ? 4 : 8;
		unsigned long v = 0;
		for (size_t k = 0; k < len; k++, t->i++) {
			int h = peek(t);
			int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
			if (d < 0)
				return refuse(t, "fromToml of a bad \\u escape (helm returns its parser's error)");
			v = v << 4 | (unsigned long)d;
		}
		if (v == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
			return refuse(t, "fromToml of a \\u escape of NUL, a surrogate or past Unicode");
		put_utf8(b, v);
		return 0;
	}
	default:
		return refuse(t, "fromToml of an escape this engine does not read");
	}
}

static bool is_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* after the opening quote(s): a basic string ('"', with escapes) or a literal one ('\'', none) */
static int string_body(struct tp *t, struct buf *b, char quote, bool multi)
{
	if (multi) { /* a newline right after the opening quotes is not part of the string */
		if (peek(t) == '\n')
			t->i++;
		else if (peek(t) == '\r' && t->i + 1 < t->n && t->s[t->i + 1] == '\n')
			t->i += 2;
	}
	for (;;) {
		int c = peek(t);
		if (c < 0)
			return refuse(t, "fromToml of an unterminated string (helm returns its parser's error)");
		if (c == quote) {
			if (!multi) {
				t->i++;
				return 0;
			}
			size_t q = 0;
			while (t->i + q < t->n && t->s[t->i + q] == quote)
				q++;
			if (q >= 3) {
				if (q > 5)
					return refuse(t, "fromToml of too many quotes (helm returns its parser's error)");
				buf_add(b, t->s + t->i, q - 3);
				t->i += q;
				return 0;
			}
			buf_add(b, t->s + t->i, q);
			t->i += q;
			continue;
		}
		if (c == '\\' && quote == '"') {
			t->i++;
			if (multi) { /* a line-ending backslash eats the newline and the blanks after it */
				size_t j = t->i;
				while (j < t->n && (t->s[j] == ' ' || t->s[j] == '\t'))
					j++;
				if (j < t->n && (t->s[j] == '\n' || (t->s[j] == '\r' && j + 1 < t->n && t->s[j + 1] == '\n'))) {
					while (j < t->n && strchr(" \t\r\n", t->s[j]))
						j++;
					t->i = j;
					continue;
				}
			}
			if (escape(t, b) < 0)
				return -1;
			continue;
		}
		if (c == '\n' && multi) {
			buf_addc(b, '\n');
			t->i++;
			continue;
		}
		if (c == '\r' && multi)
			return refuse(t, "fromToml of a multi-line string with CRLF line ends");
		if (is_ctl((unsigned char)c))
			return refuse(t, "fromToml of a string with a control character (helm returns its parser's error)");
		buf_addc(b, (char)c);
		t->i++;
	}
}

/* a string value or quoted key at the cursor; *is_str false when there is none */
static int string_at(struct tp *t, struct buf *b, bool allow_multi)
{
	int c = peek(t);
	bool multi = t->i + 2 < t->n && t->s[t->i + 1] == c && t->s[t->i + 2] == c;
	if (multi && !allow_multi)
		return refuse(t, "fromToml of a multi-line string as a key (helm returns its parser's error)");
	t->i += multi ? 3 : 1;
	int r = string_body(t, b, (char)c, multi);
	if (r == 0 && b->oom) {
		t->oom = true;
		return -1;
	}
	if (r == 0 && memchr(b->p ? b->p : "", '\0', b->n))
		return refuse(t, "fromToml of a string with NUL");
	return r;
}

static bool bare_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* a dotted key: its parts, each a NUL-terminated copy in keys[] (at most 32) */
#define MAX_PARTS 32
struct key {
	struct buf part[MAX_PARTS];
	size_t n;
};

static void key_free(struct key *k)
{
	for (size_t i = 0; i < k->n; i++)
		buf_free(&k->part[i]);
	k->n = 0;
}

static int key_at(struct tp *t, struct key *k)
{
	for (;;) {
		skip_ws(t);
		if (k->n == MAX_PARTS)
			return refuse(t, "fromToml of a key of too many parts");
		struct buf *b = &k->part[k->n];
		*b = (struct buf){ 0 };
		k->n++;
		int c = peek(t);
		if (c == '"' || c == '\'') {
			if (string_at(t, b, false) < 0)
				return -1;
		} else {
			size_t st = t->i;
			while (bare_char(peek(t)))
				t->i++;
			if (t->i == st)
				return refuse(t, "fromToml of text that is not TOML (helm returns its parser's error)");
			buf_add(b, t->s + st, t->i - st);
		}
		buf_addc(b, '\0');
		if (b->oom) {
			t->oom = true;
			return -1;
		}
		b->n--;
		skip_ws(t);
		if (peek(t) != '.')
			return 0;
		t->i++;
	}
}

static int value_at(struct tp *t, struct hv *out);

/* a number, boolean or (refused) date at the cursor */
static bool dec_digits(const char *s, size_t n, size_t *i)
{
	/* digit (_? digit)* */
	size_t st = *i;
	while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
		(*i)++;
		if (*i + 1 < n && s[*i] == '_' && s[*i + 1] >= '0' && s[*i + 1] <= '9')
			(*i)++;
	}
	return *i > st;
}

static int scalar_at(struct tp *t, struct hv *out)
{
	size_t st = t->i;
	while (t->i < t->n && !strchr(" \t\r\n,]}#", t->s[t->i]))
		t->i++;
	const char *s = t->s + st;
	size_t n = t->i - st;
	if (n == 4 && !memcmp(s, "true", 4)) {
		*out = hv_bool(true);
		return 0;
	}
	if (n == 5 && !memcmp(s, "false", 5)) {
		*out = hv_bool(false);
		return 0;
	}
	if (n == 0)
		return refuse(t, "fromToml of text that is not TOML (helm returns its parser's error)");
	/* dates and times: 1979-05-27, 07:32:00 (a space may join date and time, not read here) */
	if ((n >= 5 && s[0] >= '0' && s[0] <= '9' && s[4] == '-') || (n >= 3 && s[2] == ':'))
		return refuse(t, "fromToml of a date or time (time.Time values)");
	char clean[128];
	size_t c = 0;
	size_t i = 0;
	bool sign = s[0] == '+' || s[0] == '-';
	if (sign)
		i++;
	const char *r = s + i;
	size_t rn = n - i;
	if (rn == 3 && (!memcmp(r, "inf", 3) || !memcmp(r, "nan", 3))) {
		double v = r[0] == 'i' ? INFINITY : NAN;
		*out = hv_float(s[0] == '-' ? -v : v);
		return 0;
	}
	if (n >= sizeof(clean))
		return refuse(t, "fromToml of a long number");
	if (!sign && rn > 2 && r[0] == '0' && strchr("xob", r[1])) {
		int base = r[1] == 'x' ? 16 : r[1] == 'o' ? 8 : 2;
		for (size_t k = 2; k < rn; k++) {
			int ch = r[k];
			int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
			if (ch == '_' && k > 2 && k + 1 < rn && r[k + 1] != '_')
				continue;
			if (d < 0 || d >= base)
				return refuse(t, "fromToml of a bad number (helm returns its parser's error)");
			clean[c++] = (char)ch;
		}
		clean[c] = '\0';
		errno = 0;
		char *end;
		long long v = strtoll(clean, &end, base);
		if (errno || *end)
			return refuse(t, "fromToml of an integer past int64 (helm returns its parser's error)");
		*out = hv_int64(v);
		return 0;
	}
	/* [+-]? (0 | [1-9] (_?[0-9])*) ( . digits )? ( [eE] [+-]? digits )? */
	size_t k = i;
	if (!(k < n && s[k] >= '0' && s[k] <= '9'))
		return refuse(t, "fromToml of text that is not TOML (helm returns its parser's error)");
	if (s[k] == '0' && k + 1 < n && s[k + 1] != '.' && s[k + 1] != 'e' && s[k + 1] != 'E')
		return refuse(t, "fromToml of a number with a leading zero (helm returns its parser's error)");
	dec_digits(s, n, &k);
	bool is_float = false;
	if (k < n && s[k] == '.') {
		k++;
		is_float = true;
		if (!dec_digits(s, n, &k))
			return refuse(t, "fromToml of a bad float (helm returns its parser's error)");
	}
	if (k < n && (s[k] == 'e' || s[k] == 'E')) {
		k++;
		is_float = true;
		if (k < n && (s[k] == '+' || s[k] == '-'))
			k++;
		if (!dec_digits(s, n, &k))
			return refuse(t, "fromToml of a bad float (helm returns its parser's error)");
	}
	if (k != n)
		return refuse(t, "fromToml of text that is not TOML (helm returns its parser's error)");
	for (size_t j = 0; j < n; j++)
		if (s[j] != '_')
			clean[c++] = s[j];
	clean[c] = '\0';
	errno = 0;
	char *end;
	if (is_float) {
		double v = strtod(clean, &end);
		if (*end || (errno == ERANGE && isinf(v)))
			return refuse(t, "fromToml of a float out of range (helm returns its parser's error)");
		if (errno == ERANGE)
			return refuse(t, "fromToml of a float this engine may round otherwise");
		*out = hv_float(v);
		return 0;
	}
	long long v = strtoll(clean, &end, 10);
	if (errno || *end)
		return refuse(t, "fromToml of an integer past int64 (helm returns its parser's error)");
	*out = hv_int64(v);
	return 0;
}

static int set_key(struct tp *t, struct hmap *m, struct key *k, struct hv val);

/* "key = value" at t into m (an inline table's, or the current table's): 0, or -1 as set_key. */
static int key_value(struct tp *t, struct hmap *m)
{
	struct key k = { 0 };
	struct hv v = HV_NIL_V;
	int r = key_at(t, &k);
	if (r == 0 && peek(t) != '=')
		r = refuse(t, "fromToml of text that is not TOML (helm returns its parser's error)");
	if (r == 0) {
		t->i++;
		skip_ws(t);
		r = value_at(t, &v);
	}
	if (r == 0)
		r = set_key(t, m, &k, v);
	else
		hv_unref(v);
	key_free(&k);
	return r;
}

static int inline_table(struct tp *t, struct hv *out)
{
	t->i++; /* { */
	struct hv m = hv_map();
	if (m.k != HV_MAP) {
		t->oom = true;
		return -1;
	}
	int saved = t->section;
	t->section = -(int)t->i - 1; /* dotted keys inside belong to this table alone */
	skip_ws(t);
	int r = 0;
	if (peek(t) == '}') {
		t->i++;
	} else {
		for (;;) {
			if ((r = key_value(t, m.u.m)) < 0)
				break;
			skip_ws(t);
			if (peek(t) == ',') {
				t->i++;
				skip_ws(t);
				if (peek(t) == '}')
					r = refuse(t, "fromToml of an inline table with a trailing comma");
				if (r < 0)
					break;
				continue;
			}
			if (peek(t) == '}') {
				t->i++;
				break;
			}
			r = refuse(t, "fromToml of text that is not TOML (helm returns its parser's error)");
			break;
		}
	}
	t->section = saved;
	if (r == 0)
		r = remember(t, m.u.m, MADE_INLINE);
	if (r < 0) {
		hv_unref(m);
		return -1;
	}
	*out = m;
	return 0;
}

static int array(struct tp *t, struct hv *out)
{
	t->i++; /* [ */
	struct hv l = hv_list();
	if (l.k != HV_LIST) {
		t->oom = true;
		return -1;
	}
	for (;;) {
		if (skip_ws_nl(t) < 0)
			break;
		if (peek(t) == ']') {
			t->i++;
			*out = l;
			return 0;
		}
		struct hv v;
		if (value_at(t, &v) < 0)
			break;
		if (hlist_push(l.u.l, v) < 0) {
			t->oom = true;
			break;
		}
		if (skip_ws_nl(t) < 0)
			break;
		if (peek(t) == ',') {
			t->i++;
			continue;
		}
		if (peek(t) == ']') {
			t->i++;
			*out = l;
			return 0;
		}
		refuse(t, "fromToml of text that is not TOML (helm returns its parser's error)");
		break;
	}
	hv_unref(l);
	return -1;
}

static int value_at(struct tp *t, struct hv *out)
{
	*out = HV_NIL_V;
	int c = peek(t);
	if (c == '"' || c == '\'') {
		struct buf b = { 0 };
		int r = string_at(t, &b, true);
		if (r == 0) {
			*out = hv_strn(b.p ? b.p : "", b.n);
			if (out->k != HV_STRING) {
				t->oom = true;
				r = -1;
			}
		}
		buf_free(&b);
		return r;
	}
	if (c == '[')
		return array(t, out);
	if (c == '{')
		return inline_table(t, out);
	return scalar_at(t, out);
}

/* key = value in table m: dotted parts open (or make) tables of this section */
static int set_key(struct tp *t, struct hmap *m, struct key *k, struct hv val)
{
	for (size_t i = 0; i + 1 < k->n; i++) {
		struct hv *v = hmap_find(m, k->part[i].p, k->part[i].n);
		if (!v) {
			struct hv nm = hv_map();
			if (nm.k != HV_MAP || hmap_set(m, k->part[i].p, k->part[i].n, nm) < 0 || remember(t, nm.u.m, MADE_DOTTED) < 0) {
				t->oom = true;
				hv_unref(val);
				return -1;
			}
			m = nm.u.m;
			continue;
		}
		struct meta *me = v->k == HV_MAP ? recall(t, v->u.m) : NULL;
		if (!me || me->how != MADE_DOTTED || me->section != t->section) {
			hv_unref(val);
			return refuse(t, "fromToml of a dotted key into a table defined elsewhere");
		}
		m = v->u.m;
	}
	if (hmap_find(m, k->part[k->n - 1].p, k->part[k->n - 1].n)) {
		hv_unref(val);
		return refuse(t, "fromToml of a key defined twice (helm returns its parser's error)");
	}
	if (hmap_set(m, k->part[k->n - 1].p, k->part[k->n - 1].n, val) < 0) {
		t->oom = true;
		return -1;
	}
	return 0;
}

/* [a.b] or [[a.b]] */
static int header(struct tp *t, struct hmap *root)
{
	bool aot = t->i + 1 < t->n && t->s[t->i + 1] == '[';
	t->i += aot ? 2 : 1;
	struct key k = { 0 };
	int r = key_at(t, &k);
	if (r == 0 && (peek(t) != ']' || (aot && (t->i + 1 >= t->n || t->s[t->i + 1] != ']'))))
		r = refuse(t, "fromToml of text that is not TOML (helm returns its parser's error)");
	if (r < 0) {
		key_free(&k);
		return -1;
	}
	t->i += aot ? 2 : 1;
	t->section++;
	struct hmap *m = root;
	for (size_t i = 0; r == 0 && i < k.n; i++) {
		bool last = i + 1 == k.n;
		struct hv *v = hmap_find(m, k.part[i].p, k.part[i].n);
		struct meta *me = v && (v->k == HV_MAP || v->k == HV_LIST) ? recall(t, v->k == HV_MAP ? (void *)v->u.m : (void *)v->u.l) : NULL;
		if (!v) {
			struct hv nv = last && aot ? hv_list() : hv_map();
			if (nv.k == HV_NIL || hmap_set(m, k.part[i].p, k.part[i].n, nv) < 0) {
				t->oom = true;
				r = -1;
				break;
			}
			if (nv.k == HV_LIST) {
				v = hmap_find(m, k.part[i].p, k.part[i].n);
				v->go = GO_MAPS;
				r = remember(t, nv.u.l, MADE_AOT);
				me = r == 0 ? &t->meta[t->n_meta - 1] : NULL;
			} else {
				r = remember(t, nv.u.m, last ? MADE_HEADER : MADE_IMPLICIT);
				m = nv.u.m;
				continue;
			}
		} else if (!me) {
			r = refuse(t, "fromToml of a table over a value (helm returns its parser's error)");
			break;
		}
		if (r < 0)
			break;
		if (me->how == MADE_AOT) {
			struct hlist *l = v->u.l;
			if (last && aot) {
				struct hv nm = hv_map();
				if (nm.k != HV_MAP || hlist_push(l, nm) < 0 || remember(t, nm.u.m, MADE_HEADER) < 0) {
					t->oom = true;
					r = -1;
					break;
				}
				m = nm.u.m;
				continue;
			}
			if (last || !l->n) {
				r = refuse(t, "fromToml of a table over an array of tables (helm returns its parser's error)");
				break;
			}
			m = l->v[l->n - 1].u.m;
			continue;
		}
		if (v->k != HV_MAP || me->how == MADE_INLINE || me->how == MADE_DOTTED || (last && aot)) {
			r = refuse(t, "fromToml of a table defined twice or by a dotted key (helm returns its parser's error)");
			break;
		}
		if (last) {
			if (me->how != MADE_IMPLICIT) {
				r = refuse(t, "fromToml of a table defined twice (helm returns its parser's error)");
				break;
			}
			me->how = MADE_HEADER;
		}
		m = v->u.m;
	}
	key_free(&k);
	if (r < 0)
		return -1;
	t->cur = m;
	return end_of_line(t);
}

static int document(struct tp *t, struct hmap *root)
{
	t->cur = root;
	while (t->i < t->n) {
		skip_ws(t);
		int c = peek(t);
		if (c == '#' || c == '\n' || c == '\r' || c < 0) {
			if (end_of_line(t) < 0)
				return -1;
			continue;
		}
		if (c == '[') {
			if (header(t, root) < 0)
				return -1;
			continue;
		}
		if (key_value(t, t->cur) < 0 || end_of_line(t) < 0)
			return -1;
	}
	return 0;
}

int toml_unmarshal(const char *s, size_t n, struct hv *out, const char **why)
{
	*out = HV_NIL_V;
	*why = NULL;
	if (!ytext_utf8_valid(s, n) || memchr(s, '\0', n)) {
		*why = "fromToml of text that is not UTF-8 (helm returns its parser's error)";
		return 1;
	}
	struct hv root = hv_map();
	if (root.k != HV_MAP)
		return -1;
	struct tp t = { .s = s, .n = n };
	int r = document(&t, root.u.m);
	free(t.meta);
	if (r < 0) {
		hv_unref(root);
		if (t.oom || !t.why)
			return -1;
		*why = t.why;
		return 1;
	}
	*out = root;
	return 0;
}

/* ---- helm's toToml: BurntSushi/toml's Encoder (two-space indent) on the value ----
 * A map's keys in byte order, those with plain values first, then its tables and arrays of
 * tables ([a.b], [[a.b]], indented by depth; a blank line before a top-level table and before
 * every [[...]]); null values left out; floats as strconv's 'f' with ".0" added; arrays and the
 * maps inside a mixed array inline. What would make BurntSushi return an error (helm prints the
 * error text) or print what this does not, is refused. */

static void toml_quoted(struct buf *b, const char *s, size_t n)
{
	buf_addc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': buf_adds(b, "\\\""); break;
		case '\\': buf_adds(b, "\\\\"); break;
		case '\b': buf_adds(b, "\\b"); break;
		case '\t': buf_adds(b, "\\t"); break;
		case '\n': buf_adds(b, "\\n"); break;
		case '\f': buf_adds(b, "\\f"); break;
		case '\r': buf_adds(b, "\\r"); break;
		default:
			if (c < 0x20 || c == 0x7f)
				buf_printf(b, "\\u%04x", c);
			else
				buf_addc(b, (char)c);
		}
	}
	buf_addc(b, '"');
}

static void toml_key(struct buf *b, const struct hstr *k)
{
	bool bare = k->len > 0;
	for (size_t i = 0; bare && i < k->len; i++)
		bare = bare_char((unsigned char)k->s[i]);
	if (bare)
		buf_add(b, k->s, k->len);
	else
		toml_quoted(b, k->s, k->len);
}

/* strconv.FormatFloat(f, 'f', -1, 64), then ".0" when it has no point */
static void toml_float(struct buf *b, double f)
{
	char e[40];
	int p;
	for (p = 1; p <= 17; p++) { /* the shortest digits that read back as f */
		snprintf(e, sizeof(e), "%.*e", p - 1, f);
		if (strtod(e, NULL) == f)
			break;
	}
	char digits[24];
	size_t nd = 0;
	const char *q = e;
	if (*q == '-') {
		buf_addc(b, '-');
		q++;
	}
	for (; *q && *q != 'e'; q++)
		if (*q >= '0' && *q <= '9')
			digits[nd++] = *q;
	int exp10 = atoi(q + 1) + 1; /* f = 0.DIGITS × 10^exp10 */
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	if (f == 0) {
		buf_adds(b, "0.0");
		return;
	}
	if (exp10 <= 0) {
		buf_adds(b, "0.");
		for (int i = 0; i < -exp10; i++)
			buf_addc(b, '0');
		buf_add(b, digits, nd);
	} else if ((size_t)exp10 >= nd) {
		buf_add(b, digits, nd);
		for (size_t i = nd; i < (size_t)exp10; i++)
			buf_addc(b, '0');
		buf_adds(b, ".0");
	} else {
		buf_add(b, digits, (size_t)exp10);
		buf_addc(b, '.');
		buf_add(b, digits + exp10, nd - (size_t)exp10);
	}
}

static int cmp_bytes(const void *a, const void *b)
{
	const struct hstr *x = (*(const struct hkv *const *)a)->key, *y = (*(const struct hkv *const *)b)->key;
	int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
	return c ? c : x->len < y->len ? -1 : x->len > y->len;
}

static bool toml_is_aot(struct hv v)
{
	if (v.k != HV_LIST || !v.u.l->n)
		return false;
	for (size_t i = 0; i < v.u.l->n; i++)
		if (v.u.l->v[i].k != HV_MAP)
			return false;
	return true;
}

static bool toml_is_table(struct hv v)
{
	return v.k == HV_MAP || toml_is_aot(v);
}

static int toml_inline(struct buf *b, struct hv v, const char **why)
{
	switch (v.k) {
	case HV_BOOL:
		buf_adds(b, v.u.b ? "true" : "false");
		return 0;
	case HV_INT:
		buf_printf(b, "%lld", (long long)v.u.i);
		return 0;
	case HV_FLOAT:
		if (v.u.f != v.u.f || v.u.f - v.u.f != 0)
			break;
		toml_float(b, v.u.f);
		return 0;
	case HV_STRING:
		if (v.go == GO_BYTES)
			break;
		toml_quoted(b, v.u.s->s, v.u.s->len);
		return 0;
	case HV_LIST:
		if (v.u.l->is_nil)
			break;
		buf_addc(b, '[');
		for (size_t i = 0; i < v.u.l->n; i++) {
			if (i)
				buf_adds(b, ", ");
			if (toml_inline(b, v.u.l->v[i], why) < 0)
				return -1;
		}
		buf_addc(b, ']');
		return 0;
	case HV_MAP: {
		/* a map in a mixed array: an inline table, of plain values only here */
		if (v.go == GO_FILES)
			break;
		struct hkv **order = v.u.m->n ? malloc(v.u.m->n * sizeof(*order)) : NULL;
		if (v.u.m->n && !order)
			return -1;
		size_t n = 0;
		for (size_t i = 0; i < v.u.m->n; i++)
			order[n++] = &v.u.m->kv[i];
		if (n)
			qsort(order, n, sizeof(*order), cmp_bytes);
		int r = 0;
		buf_addc(b, '{');
		for (size_t i = 0; r == 0 && i < n; i++) {
			if (order[i]->val.k == HV_NIL || toml_is_table(order[i]->val)) {
				*why = "toToml of a map with tables or nulls inside an array";
				r = -1;
				break;
			}
			if (i)
				buf_adds(b, ", ");
			toml_key(b, order[i]->key);
			buf_adds(b, " = ");
			r = toml_inline(b, order[i]->val, why);
		}
		free(order);
		buf_addc(b, '}');
		return r;
	}
	case HV_NIL:
		*why = "toToml of a null in an array (BurntSushi's error)";
		return -1;
	case HV_OBJ:
		break;
	}
	*why = "toToml of this value";
	return -1;
}

struct tpath {
	const struct hstr *part[64];
	size_t n;
};

static void toml_indent(struct buf *b, size_t depth)
{
	for (size_t i = 0; i < depth; i++)
		buf_adds(b, "  ");
}

static void toml_path(struct buf *b, const struct tpath *p)
{
	for (size_t i = 0; i < p->n; i++) {
		if (i)
			buf_addc(b, '.');
		toml_key(b, p->part[i]);
	}
}

static void toml_newline(struct buf *b, size_t start)
{
	if (b->n > start)
		buf_addc(b, '\n');
}

static int toml_table(struct buf *b, size_t start, struct tpath *p, struct hv m, const char **why)
{
	if (m.go == GO_FILES || p->n >= 63) {
		*why = "toToml of this value";
		return -1;
	}
	size_t n = m.u.m->n;
	struct hkv **order = n ? malloc(n * sizeof(*order)) : NULL;
	if (n && !order)
		return -1;
	for (size_t i = 0; i < n; i++)
		order[i] = &m.u.m->kv[i];
	if (n)
		qsort(order, n, sizeof(*order), cmp_bytes);
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i++) { /* the plain values */
		struct hv v = order[i]->val;
		if (v.k == HV_NIL || toml_is_table(v))
			continue;
		toml_indent(b, p->n);
		toml_key(b, order[i]->key);
		buf_adds(b, " = ");
		r = toml_inline(b, v, why);
		toml_newline(b, start);
	}
	for (size_t i = 0; r == 0 && i < n; i++) { /* then the tables */
		struct hv v = order[i]->val;
		if (!toml_is_table(v))
			continue;
		p->part[p->n++] = order[i]->key;
		if (v.k == HV_MAP) {
			if (p->n == 1)
				toml_newline(b, start);
			toml_indent(b, p->n - 1);
			buf_addc(b, '[');
			toml_path(b, p);
			buf_addc(b, ']');
			toml_newline(b, start);
			r = toml_table(b, start, p, v, why);
		} else {
			for (size_t j = 0; r == 0 && j < v.u.l->n; j++) {
				toml_newline(b, start);
				toml_indent(b, p->n - 1);
				buf_adds(b, "[[");
				toml_path(b, p);
				buf_adds(b, "]]");
				toml_newline(b, start);
				r = toml_table(b, start, p, v.u.l->v[j], why);
			}
		}
		p->n--;
	}
	free(order);
	return r;
}

int toml_marshal(struct buf *b, struct hv v, const char **why)
{
	*why = "toToml of this value";
	if (v.k != HV_MAP) {
		*why = "toToml of a value that is not a map";
		return -1;
	}
	struct tpath p = { .n = 0 };
	size_t start = b->n;
	int r = toml_table(b, start, &p, v, why);
	if (r < 0 || b->oom)
		return -1;
	if (b->p)
		b->p[b->n] = '\0';
	return 0;
}
