/* yaml_fast: one YAML document to JSON without libyaml, for the block-style subset that
 * renders produce (see yaml_fast.h). Each scanning routine follows libyaml 0.2.5's scanner
 * (scan_plain_scalar, scan_flow_scalar, scan_block_scalar) step by step on the cases it
 * accepts; whatever it does not accept sets unsure, and the reader asks libyaml instead.
 * So a mistake here can only cost speed if it says unsure too often, never a difference:
 * tests/fuzz/fuzz_yamlfast.c and tests/cli/yaml-fast.t compare both paths. */
#include "yaml_fast.h"

#include "json.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct fp {
	const unsigned char *s;
	size_t end;  /* end of the document's bytes: read as the end of the input */
	size_t pos;  /* next byte */
	size_t ls;   /* start of pos's line */
	const struct gt_limits *lim;
	char *buf;   /* scalar text being built */
	size_t blen, bcap;
	bool unsure, oom;
	enum gt_yaml_typing typing;
	bool strict_keys; /* a plain key that is not its own text is unsure (see the header) */
	/* Text mode (gt_yaml_fast_document_text): nodes are appended to out as JSON instead of
	 * built, and return TEXT_OK; out NULL: trees, as always. */
	struct gt_json_buf *out;
	json_t *skel_next; /* the skeleton the next block map fills in (see skeleton_wants) */
	int skel_level;    /* 0: the root's, 1: spec's */
};

/* What a node read in text mode returns (non-NULL; decref does nothing to it). */
#define TEXT_OK json_null()

#define FLAG_MAP 1 /* a compact map may start here ("- a: 1", or a line's first node) */
#define FLAG_SEQ 2 /* a nested "- " may start here */

static json_t *bail(struct fp *f)
{
	f->unsure = true;
	return NULL;
}

static inline bool at_end(const struct fp *f, size_t p)
{
	return p >= f->end;
}

static inline int ch(const struct fp *f, size_t p)
{
	return p < f->end ? f->s[p] : 0;
}

/* libyaml's IS_BLANKZ with the document's end as the end of the input. */
static inline bool blankz(const struct fp *f, size_t p)
{
	int c = ch(f, p);
	return c == 0 || c == ' ' || c == '\t' || c == '\n';
}

static inline size_t col(const struct fp *f)
{
	return f->pos - f->ls;
}

static bool buf_reserve(struct fp *f, size_t more)
{
	if (f->blen + more <= f->bcap)
		return true;
	size_t cap = f->bcap ? f->bcap : 256;
	while (cap < f->blen + more)
		cap *= 2;
	char *b = realloc(f->buf, cap);
	if (!b) {
		f->oom = true;
		return false;
	}
	f->buf = b;
	f->bcap = cap;
	return true;
}

static bool buf_add(struct fp *f, const void *p, size_t n)
{
	if (!buf_reserve(f, n))
		return false;
	memcpy(f->buf + f->blen, p, n);
	f->blen += n;
	return true;
}

static bool buf_addc(struct fp *f, char c)
{
	if (!buf_reserve(f, 1))
		return false;
	f->buf[f->blen++] = c;
	return true;
}

/* Past the '\n' at pos (or at the end). */
static void next_line(struct fp *f)
{
	if (f->pos < f->end)
		f->pos++;
	f->ls = f->pos;
}

/*
 * From a line start: skip blank and comment lines, stop on the first content byte of the
 * next content line (pos, with ls its line's start), or at the end. A tab before it is
 * something libyaml reads differently in different places: unsure.
 */
static bool skip_to_content(struct fp *f)
{
	for (;;) {
		size_t p = f->pos;
		while (p < f->end && f->s[p] == ' ')
			p++;
		if (p >= f->end) {
			f->pos = f->end;
			f->ls = f->end;
			return true;
		}
		if (f->s[p] == '\t')
			return (void)bail(f), false;
		if (f->s[p] == '#') {
			const unsigned char *nl = memchr(f->s + p, '\n', f->end - p);
			p = nl ? (size_t)(nl - f->s) : f->end;
		}
		if (p < f->end && f->s[p] != '\n') {
			f->pos = p;
			return true;
		}
		f->pos = p;
		next_line(f);
	}
}

/* After a node on this line: spaces, an optional comment, the line's end; then the next
 * content line. A '#' right after a quoted scalar or a flow collection is a comment to
 * libyaml too. */
static bool finish_line(struct fp *f)
{
	size_t p = f->pos;
	while (p < f->end && f->s[p] == ' ')
		p++;
	if (p < f->end && f->s[p] == '#') {
		const unsigned char *nl = memchr(f->s + p, '\n', f->end - p);
		p = nl ? (size_t)(nl - f->s) : f->end;
	}
	if (p < f->end && f->s[p] != '\n')
		return (void)bail(f), false;
	f->pos = p;
	next_line(f);
	return skip_to_content(f);
}

static bool is_plain_start(const struct fp *f, size_t p)
{
	switch (ch(f, p)) {
	case 0: case ' ': case '\t': case '\n':
	case ',': case '[': case ']': case '{': case '}': case '#': case '&': case '*':
	case '!': case '|': case '>': case '\'': case '"': case '%': case '@': case '`':
		return false;
	case '-': case '?': case ':':
		return !blankz(f, p + 1);
	default:
		return true;
	}
}

/* ---- scalars ---- */

/*
 * The first line of a plain scalar from pos: its text ends before ':' + blank, before
 * blanks and '#', or at the line's end; *key says a ':' + blank ended it. Returns the end
 * of the text (trailing blanks off) and leaves pos there (before the blanks).
 */
/* The lowest byte of w equal to the byte in b (b: that byte in all eight), as a mask whose
 * lowest set bit is exact (a borrow may set bits above a match, never below). */
static inline uint64_t byte_eq(uint64_t w, uint64_t b)
{
	uint64_t x = w ^ b;
	return (x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL;
}

/* Where the next '\n', ':' or '#' at or after p lies, or e. */
static inline size_t next_plain_stop(const unsigned char *s, size_t p, size_t e)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* eight bytes at a time: descriptions run long between their stops */
	while (p + 8 <= e) {
		uint64_t w;
		memcpy(&w, s + p, 8);
		uint64_t m = byte_eq(w, 0x0a0a0a0a0a0a0a0aULL) | byte_eq(w, 0x3a3a3a3a3a3a3a3aULL) |
			     byte_eq(w, 0x2323232323232323ULL);
		if (m)
			return p + ((size_t)__builtin_ctzll(m) >> 3);
		p += 8;
	}
#endif
	while (p < e && s[p] != '\n' && s[p] != ':' && s[p] != '#')
		p++;
	return p;
}

static size_t plain_first_line(struct fp *f, bool *key)
{
	const unsigned char *s = f->s;
	size_t start = f->pos, p = start, e = f->end;
	*key = false;
	/* The text runs to a line break, a ':' + blank (a key), or a '#' after a blank (a comment);
	 * blanks before where it ends are not part of it. */
	for (;;) {
		p = next_plain_stop(s, p, e);
		if (p >= e || s[p] == '\n')
			break;
		if (s[p] == ':') {
			if (blankz(f, p + 1)) {
				*key = true;
				break;
			}
		} else if (p > start && (s[p - 1] == ' ' || s[p - 1] == '\t')) {
			break; /* '#' */
		}
		p++;
	}
	while (p > start && (s[p - 1] == ' ' || s[p - 1] == '\t'))
		p--;
	f->pos = p;
	return p;
}

/* A plain scalar's lines after its first (libyaml's scan_plain_scalar from the first line
 * break on): the text is in f->buf, to which continuation lines are folded. min_col: the
 * scanner's indentation + 1. On return pos is at the next content line. */
static bool plain_more_lines(struct fp *f, size_t min_col, bool *multi)
{
	const unsigned char *s = f->s;
	*multi = false;
	for (;;) {
		/* pos: after the text on its line; skip blanks, a comment ends the scalar. */
		size_t p = f->pos;
		while (p < f->end && (s[p] == ' ' || s[p] == '\t'))
			p++;
		if (p < f->end && s[p] == '#') {
			f->pos = p;
			return finish_line(f);
		}
		if (p >= f->end) {
			f->pos = f->end;
			f->ls = f->end;
			return true;
		}
		/* s[p] == '\n': count the blank lines that follow. */
		f->pos = p;
		next_line(f);
		size_t breaks = 0;
		for (;;) {
			size_t q = f->pos;
			while (q < f->end && s[q] == ' ')
				q++;
			if (q < f->end && s[q] == '\t')
				return (void)bail(f), false;
			if (q < f->end && s[q] == '\n') {
				breaks++;
				f->pos = q;
				next_line(f);
				continue;
			}
			f->pos = q;
			break;
		}
		if (f->pos >= f->end)
			return true;
		if (s[f->pos] == '#')
			return skip_to_content(f); /* a comment line ends the scalar, at any column */
		if (col(f) < min_col)
			return true; /* the scalar ended at the last break; pos is on the next content */
		/* A continuation line: fold, then its text up to ':' + blank (then it was a
		 * multi-line key: an error), blanks + '#', or its end. */
		bool key;
		size_t start = f->pos;
		size_t text_end = plain_first_line(f, &key);
		if (key)
			return (void)bail(f), false;
		if (breaks == 0) {
			if (!buf_addc(f, ' '))
				return false;
		} else {
			if (!buf_reserve(f, breaks))
				return false;
			memset(f->buf + f->blen, '\n', breaks);
			f->blen += breaks;
		}
		if (!buf_add(f, s + start, text_end - start))
			return false;
		*multi = true;
	}
}

static inline int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* One escape after '\\' at p (libyaml's table); the index after it, or 0 when libyaml
 * would refuse it (unsure). */
static size_t double_escape(struct fp *f, size_t p)
{
	static const char simple_from[] = "0abt\tnvfre \"/\\";
	static const char simple_to[] = "\0\a\b\t\t\n\v\f\r\x1b \"/\\";
	int c = ch(f, p + 1);
	const char *hit = c ? memchr(simple_from, c, sizeof(simple_from) - 1) : NULL;
	if (hit)
		return buf_addc(f, simple_to[hit - simple_from]) ? p + 2 : 0;
	const char *utf8 = c == 'N' ? "\xc2\x85" : c == '_' ? "\xc2\xa0" : c == 'L' ? "\xe2\x80\xa8"
			   : c == 'P' ? "\xe2\x80\xa9" : NULL;
	if (utf8)
		return buf_add(f, utf8, strlen(utf8)) ? p + 2 : 0;
	size_t n = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
	if (!n)
		return (void)bail(f), 0;
	unsigned long v = 0;
	for (size_t k = 0; k < n; k++) {
		int h = hexval(ch(f, p + 2 + k));
		if (h < 0)
			return (void)bail(f), 0;
		v = (v << 4) + (unsigned long)h;
	}
	if ((v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
		return (void)bail(f), 0;
	char u[4];
	size_t un;
	if (v <= 0x7F)
		u[0] = (char)v, un = 1;
	else if (v <= 0x7FF)
		u[0] = (char)(0xC0 + (v >> 6)), u[1] = (char)(0x80 + (v & 0x3F)), un = 2;
	else if (v <= 0xFFFF)
		u[0] = (char)(0xE0 + (v >> 12)), u[1] = (char)(0x80 + ((v >> 6) & 0x3F)),
		u[2] = (char)(0x80 + (v & 0x3F)), un = 3;
	else
		u[0] = (char)(0xF0 + (v >> 18)), u[1] = (char)(0x80 + ((v >> 12) & 0x3F)),
		u[2] = (char)(0x80 + ((v >> 6) & 0x3F)), u[3] = (char)(0x80 + (v & 0x3F)), un = 4;
	return buf_add(f, u, un) ? p + 2 + n : 0;
}

/* A quoted scalar from pos (at its quote) into f->buf (libyaml's scan_flow_scalar);
 * pos after the closing quote. *lines: line breaks inside it. */
static bool quoted(struct fp *f, bool single, size_t *lines)
{
	const unsigned char *s = f->s;
	size_t p = f->pos + 1;
	char q = single ? '\'' : '"';
	*lines = 0;
	f->blen = 0;
	for (;;) {
		if (p >= f->end)
			return (void)bail(f), false; /* libyaml: unexpected end of stream (or document indicator) */
		bool leading_blanks = false;
		while (p < f->end && s[p] != ' ' && s[p] != '\t' && s[p] != '\n') {
			unsigned char c = s[p];
			if (single && c == '\'' && ch(f, p + 1) == '\'') {
				if (!buf_addc(f, '\''))
					return false;
				p += 2;
			} else if (c == (unsigned char)q) {
				break;
			} else if (!single && c == '\\' && ch(f, p + 1) == '\n') {
				p += 2;
				f->ls = p;
				(*lines)++;
				leading_blanks = true;
				break;
			} else if (!single && c == '\\') {
				p = double_escape(f, p);
				if (!p)
					return false;
			} else {
				/* Copy a run of ordinary bytes at once. */
				size_t r = p + 1;
				while (r < f->end && s[r] != ' ' && s[r] != '\t' && s[r] != '\n' && s[r] != (unsigned char)q &&
				       s[r] != '\\' && s[r] != '\'')
					r++;
				if (!buf_add(f, s + p, r - p))
					return false;
				p = r;
			}
		}
		if (p < f->end && s[p] == (unsigned char)q)
			break;
		/* Blanks and line breaks: fold as libyaml does. */
		size_t ws_start = p, ws_end = p, trailing = 0;
		bool leading_break = false;
		while (p < f->end && (s[p] == ' ' || s[p] == '\t' || s[p] == '\n')) {
			if (s[p] != '\n') {
				if (!leading_blanks)
					ws_end = p + 1;
				p++;
			} else {
				if (!leading_blanks) {
					leading_blanks = true;
					leading_break = true;
				} else {
					trailing++;
				}
				p++;
				f->ls = p;
				(*lines)++;
			}
		}
		if (leading_blanks) {
			/* An escaped break ('\\' + break) is no leading break: its breaks are kept as they are. */
			if (leading_break) {
				if (trailing == 0) {
					if (!buf_addc(f, ' '))
						return false;
				} else {
					if (!buf_reserve(f, trailing))
						return false;
					memset(f->buf + f->blen, '\n', trailing);
					f->blen += trailing;
				}
			} else if (trailing) {
				if (!buf_reserve(f, trailing))
					return false;
				memset(f->buf + f->blen, '\n', trailing);
				f->blen += trailing;
			}
		} else if (!buf_add(f, s + ws_start, ws_end - ws_start)) {
			return false;
		}
	}
	f->pos = p + 1;
	return true;
}

/* A block scalar from pos (at '|' or '>') into f->buf (libyaml's scan_block_scalar).
 * indent: the scanner's indentation (the enclosing collection's column). On return pos
 * is at the next content line. */
static bool block_scalar(struct fp *f, long indent_ctx)
{
	const unsigned char *s = f->s;
	bool literal = s[f->pos] == '|';
	int chomping = 0;
	long increment = 0, indent = 0;
	size_t p = f->pos + 1;
	f->blen = 0;
	if (ch(f, p) == '+' || ch(f, p) == '-') {
		chomping = s[p] == '+' ? 1 : -1;
		p++;
		if (ch(f, p) >= '1' && ch(f, p) <= '9')
			increment = s[p++] - '0';
		else if (ch(f, p) == '0')
			return (void)bail(f), false;
	} else if (ch(f, p) >= '0' && ch(f, p) <= '9') {
		if (s[p] == '0')
			return (void)bail(f), false;
		increment = s[p++] - '0';
		if (ch(f, p) == '+' || ch(f, p) == '-')
			chomping = s[p++] == '+' ? 1 : -1;
	}
	while (ch(f, p) == ' ' || ch(f, p) == '\t')
		p++;
	if (ch(f, p) == '#')
		while (p < f->end && s[p] != '\n')
			p++;
	if (p < f->end && s[p] != '\n')
		return (void)bail(f), false;
	if (p < f->end)
		p++;
	if (increment)
		indent = indent_ctx >= 0 ? indent_ctx + increment : increment;
	/* Leading breaks (and the indentation, if not given). leading_break: the break that
	 * ended the last content line (0: none yet); trailing: breaks since. */
	size_t ls = p, trailing = 0;
	bool leading_break = false, leading_blank = false;
	for (bool first = true;; first = false) {
		/* scan_block_scalar_breaks */
		long max_indent = 0;
		for (;;) {
			while ((!indent || (long)(p - ls) < indent) && ch(f, p) == ' ')
				p++;
			if ((long)(p - ls) > max_indent)
				max_indent = (long)(p - ls);
			if ((!indent || (long)(p - ls) < indent) && ch(f, p) == '\t')
				return (void)bail(f), false;
			if (ch(f, p) != '\n')
				break;
			trailing++;
			p++;
			ls = p;
		}
		if (!indent) {
			indent = max_indent;
			if (indent < indent_ctx + 1)
				indent = indent_ctx + 1;
			if (indent < 1)
				indent = 1;
		}
		(void)first;
		if ((long)(p - ls) != indent || p >= f->end)
			break;
		/* A content line. */
		bool trailing_blank = s[p] == ' ' || s[p] == '\t';
		if (!literal && leading_break && !leading_blank && !trailing_blank) {
			if (trailing == 0 && !buf_addc(f, ' '))
				return false;
		} else if (leading_break && !buf_addc(f, '\n')) {
			return false;
		}
		if (trailing) {
			if (!buf_reserve(f, trailing))
				return false;
			memset(f->buf + f->blen, '\n', trailing);
			f->blen += trailing;
			trailing = 0;
		}
		leading_blank = s[p] == ' ' || s[p] == '\t';
		const unsigned char *nl = memchr(s + p, '\n', f->end - p);
		size_t e = nl ? (size_t)(nl - s) : f->end;
		if (!buf_add(f, s + p, e - p))
			return false;
		p = e;
		leading_break = p < f->end;
		if (p < f->end)
			p++;
		ls = p;
	}
	if (chomping != -1 && leading_break && !buf_addc(f, '\n'))
		return false;
	if (chomping == 1 && trailing) {
		if (!buf_reserve(f, trailing))
			return false;
		memset(f->buf + f->blen, '\n', trailing);
		f->blen += trailing;
	}
	/* The scalar ended on the line starting at ls: from there on it is the parent's. */
	f->pos = ls;
	f->ls = ls;
	return skip_to_content(f);
}

/* ---- typing ---- */

/* First characters of plain scalars that may be something else than a string: the YAML 1.1
 * words (1: y, n, true, on, null, ~ ...), numbers and .inf (2). */
static const unsigned char typed_start[256] = {
	['y'] = 1, ['Y'] = 1, ['n'] = 1, ['N'] = 1, ['t'] = 1, ['T'] = 1, ['f'] = 1, ['F'] = 1,
	['o'] = 1, ['O'] = 1, ['~'] = 1, ['.'] = 2, ['+'] = 2, ['-'] = 2, ['0'] = 2, ['1'] = 2,
	['2'] = 2, ['3'] = 2, ['4'] = 2, ['5'] = 2, ['6'] = 2, ['7'] = 2, ['8'] = 2, ['9'] = 2,
};

/* goyaml.v2's words (common/yaml.c's true_words, false_words, null_words; kyaml's are among them),
 * by their first letter */
static bool yaml_word(const char *t, size_t n)
{
	static const char *const y[] = { "y", "yes", NULL }, *const Y[] = { "Y", "Yes", "YES", NULL },
			  *const nn[] = { "n", "no", "null", NULL }, *const N[] = { "N", "No", "NO", "Null", "NULL", NULL },
			  *const tt[] = { "true", NULL }, *const T[] = { "True", "TRUE", NULL },
			  *const ff[] = { "false", NULL }, *const F[] = { "False", "FALSE", NULL },
			  *const o[] = { "on", "off", NULL }, *const O[] = { "On", "ON", "Off", "OFF", NULL },
			  *const tilde[] = { "~", NULL };
	const char *const *w;
	switch (t[0]) {
	case 'y': w = y; break;
	case 'Y': w = Y; break;
	case 'n': w = nn; break;
	case 'N': w = N; break;
	case 't': w = tt; break;
	case 'T': w = T; break;
	case 'f': w = ff; break;
	case 'F': w = F; break;
	case 'o': w = o; break;
	case 'O': w = O; break;
	case '~': w = tilde; break;
	default: return false;
	}
	for (; *w; w++)
		if (strlen(*w) == n && !memcmp(*w, t, n))
			return true;
	return false;
}

/* A plain scalar that is a string whatever it says: no word, no number. */
static inline bool plainly_string(const char *t, size_t n)
{
	unsigned char k = n ? typed_start[(unsigned char)t[0]] : 2;
	/* the words have 5 letters at most ("type", a key of every schema property, is none) */
	return k == 0 || (k == 1 && (n > 5 || !yaml_word(t, n)));
}

/* A plain scalar's value; those that cannot be typed here the way the reader does (an
 * error such as .inf) are unsure. */
static json_t *emit_tree(struct fp *f, json_t *v);

static json_t *plain_value(struct fp *f, const char *t, size_t n)
{
	if (f->out && (f->typing == GT_YAML_TEXT || plainly_string(t, n))) {
		gt_json_buf_string(f->out, t ? t : "", n);
		return f->out->oom ? (f->oom = true, NULL) : TEXT_OK;
	}
	if (f->typing == GT_YAML_TEXT || plainly_string(t, n)) {
		json_t *v = json_stringn_nocheck(t ? t : "", n);
		if (!v)
			f->oom = true;
		return v;
	}
	const char *why;
	json_t *v;
	if (f->typing == GT_YAML_KYAML)
		v = n ? gt_yaml_resolve_plain_kyaml(t, n, &why) : gt_yaml_empty_null();
	else
		v = gt_yaml_resolve_plain(t, n, &why);
	if (!v && why)
		return bail(f);
	if (!v)
		f->oom = true;
	return f->out ? emit_tree(f, v) : v;
}

static json_t *string_value(struct fp *f, const char *t, size_t n)
{
	if (f->out) {
		gt_json_buf_string(f->out, t ? t : "", n);
		return f->out->oom ? (f->oom = true, NULL) : TEXT_OK;
	}
	json_t *v = json_stringn_nocheck(t ? t : "", n); /* no text yet: no buffer either */
	if (!v)
		f->oom = true;
	return v;
}

/* Under kyaml typing, or where keys are counted: is the plain key t its own text (a string, as
 * the reader's typing reads it)? Else the reader says what it is. */
static bool key_is_text(const struct fp *f, const char *t, size_t n)
{
	const char *why;
	json_t *v = f->typing == GT_YAML_KYAML ? gt_yaml_resolve_plain_kyaml(t, n, &why) : gt_yaml_resolve_plain(t, n, &why);
	bool text = v && json_is_string(v);
	json_decref(v);
	return text;
}

/* ---- collections ---- */

static json_t *node_inline(struct fp *f, long indent_ctx, size_t depth, int flags);
static json_t *block_map(struct fp *f, size_t depth);
static json_t *block_seq(struct fp *f, size_t depth, bool indentless);

/* A key at pos (column m) up to and past its ':': *text and *n, in the input or in *heap
 * (to free); false when unsure or out of memory. */
static bool map_key(struct fp *f, const char **key, size_t *key_len, char **heap)
{
	*heap = NULL;
	const unsigned char *s = f->s;
	size_t start = f->pos;
	const char *text;
	size_t n;
	bool plain = false;
	if (s[start] == '\'' || s[start] == '"') {
		size_t lines;
		if (!quoted(f, s[start] == '\'', &lines))
			return false;
		if (lines)
			return (void)bail(f), false; /* a simple key is on one line */
		while (ch(f, f->pos) == ' ')
			f->pos++;
		if (ch(f, f->pos) != ':' || !blankz(f, f->pos + 1))
			return (void)bail(f), false;
		text = f->buf ? f->buf : ""; /* "": no text yet, no buffer either */
		n = f->blen;
		if (memchr(text, '\0', n))
			return (void)bail(f), false; /* the reader cuts such a key at the NUL */
	} else {
		if (!is_plain_start(f, start))
			return (void)bail(f), false;
		bool key;
		size_t e = plain_first_line(f, &key);
		if (!key)
			return (void)bail(f), false;
		f->pos = e;
		while (ch(f, f->pos) == ' ' || ch(f, f->pos) == '\t')
			f->pos++;
		text = (const char *)s + start;
		n = e - start;
		plain = true;
		if (n == 2 && !memcmp(text, "<<", 2))
			return (void)bail(f), false; /* merge keys come with aliases: libyaml's path */
	}
	/* libyaml forgets a possible simple key 1024 characters on. */
	if (f->pos - start > 1000)
		return (void)bail(f), false;
	f->pos++; /* ':' */
	if (!plain || f->typing == GT_YAML_TEXT || plainly_string(text, n)) {
		if (!plain) {
			/* f->buf is the value's next: keep the key apart. */
			*heap = malloc(n + 1);
			if (!*heap)
				return f->oom = true, false;
			memcpy(*heap, text, n);
			text = *heap;
		}
		*key = text;
		*key_len = n;
		return true;
	}
	const char *why;
	if (f->typing == GT_YAML_KYAML || f->strict_keys) {
		if (!key_is_text(f, text, n))
			return (void)bail(f), false; /* the reader says what such a key is (and counts it) */
		*key = text;
		*key_len = n;
		return true;
	}
	*heap = gt_yaml_key_text(text, n, plain, &why);
	if (!*heap) {
		if (why)
			f->unsure = true;
		else
			f->oom = true;
		return false;
	}
	*key = *heap;
	*key_len = strlen(*heap);
	return true;
}

/*
 * The value after "key:" or "- " (pos after the indicator). indent_ctx: the collection's
 * column (libyaml's indentation there); in_map: a sequence at that same column may be the
 * value (an indentless sequence). flags: what may start on this line.
 */
static json_t *value_after(struct fp *f, long indent_ctx, size_t depth, bool in_map, int flags)
{
	while (ch(f, f->pos) == ' ')
		f->pos++;
	int c = ch(f, f->pos);
	if (c == '\t')
		return bail(f);
	if (c != 0 && c != '\n' && c != '#')
		return node_inline(f, indent_ctx, depth, flags);
	if (!finish_line(f))
		return NULL;
	if (at_end(f, f->pos))
		return plain_value(f, NULL, 0);
	long cl = (long)col(f);
	if (cl > indent_ctx)
		return node_inline(f, indent_ctx, depth, FLAG_MAP | FLAG_SEQ);
	if (cl == indent_ctx && in_map && f->s[f->pos] == '-' && blankz(f, f->pos + 1))
		return block_seq(f, depth, true);
	return plain_value(f, NULL, 0); /* nothing written: libyaml's empty plain scalar */
}

/* Bytes of the plain scalars taken inside a flow collection: no indicator, no ':' or '#',
 * so that libyaml's flow rules (':' before ",[]{}", keys, comments) never come in. */
static const unsigned char flow_plain[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1,
	['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1,
	['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1,
	['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1,
	['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
	['-'] = 1, ['_'] = 1, ['.'] = 1, ['/'] = 1, ['='] = 1, ['+'] = 1, ['('] = 1, [')'] = 1, ['$'] = 1,
	['^'] = 1, ['~'] = 1, [';'] = 1, ['<'] = 1, ['>'] = 1, [' '] = 1,
};

/* One scalar inside a flow collection at pos: a one-line quoted scalar, or a plain one of
 * flow_plain bytes. *t, *n: its text (in the input or f->buf), *plain its style. */
static bool flow_scalar(struct fp *f, const char **t, size_t *n, bool *plain)
{
	const unsigned char *s = f->s;
	int c = ch(f, f->pos);
	if (c == '\'' || c == '"') {
		size_t lines;
		if (!quoted(f, c == '\'', &lines))
			return false;
		if (lines)
			return (void)bail(f), false;
		*t = f->buf ? f->buf : "";
		*n = f->blen;
		*plain = false;
		return true;
	}
	/* '>' may go on a plain scalar, not start one (libyaml: no token starts with it in a
	 * flow collection). */
	if (c == ' ' || c == '>' || !flow_plain[c] || (c == '-' && ch(f, f->pos + 1) == ' '))
		return (void)bail(f), false;
	size_t start = f->pos, e = f->pos;
	while (f->pos < f->end && flow_plain[s[f->pos]]) {
		if (s[f->pos] != ' ')
			e = f->pos + 1;
		f->pos++;
	}
	f->pos = e;
	*t = (const char *)s + start;
	*n = e - start;
	*plain = true;
	return true;
}

/* After an entry: spaces, then ',' and the next entry, or the closing bracket. 1: another
 * entry follows, 0: closed (pos after it), -1: unsure. */
static int flow_next(struct fp *f, int close)
{
	while (ch(f, f->pos) == ' ')
		f->pos++;
	if (ch(f, f->pos) == close) {
		f->pos++;
		return 0;
	}
	if (ch(f, f->pos) != ',')
		return (void)bail(f), -1;
	f->pos++;
	while (ch(f, f->pos) == ' ')
		f->pos++;
	if (ch(f, f->pos) == close || ch(f, f->pos) == ',')
		return (void)bail(f), -1;
	return 1;
}

/* A one-line flow sequence or map of scalars, as templates write them: [a, "b"], {k: v}. */
static json_t *flow_collection(struct fp *f, size_t depth)
{
	bool map = f->s[f->pos] == '{';
	int close = map ? '}' : ']';
	if (depth >= f->lim->max_depth)
		return bail(f);
	json_t *c = map ? json_object() : json_array();
	if (!c)
		return f->oom = true, NULL;
	f->pos++;
	while (ch(f, f->pos) == ' ')
		f->pos++;
	int more = 1;
	if (ch(f, f->pos) == close) {
		f->pos++;
		more = 0;
	}
	while (more == 1) {
		const char *t;
		size_t n;
		bool plain;
		char *heap = NULL;
		const char *key = NULL;
		size_t key_len = 0;
		if (map) {
			size_t key_start = f->pos;
			if (!flow_scalar(f, &t, &n, &plain))
				goto fail;
			if (ch(f, f->pos) != ':' || ch(f, f->pos + 1) != ' ')
				goto unsure;
			/* libyaml forgets a possible simple key 1024 characters on: count the
			 * key's bytes in the input (escapes make its text shorter). */
			if (f->pos - key_start > 1000 || (plain && n == 2 && !memcmp(t, "<<", 2)))
				goto unsure;
			if (!plain && memchr(t, '\0', n))
				goto unsure; /* the reader cuts such a key at the NUL */
			f->pos += 2;
			while (ch(f, f->pos) == ' ')
				f->pos++;
			if (!plain || f->typing == GT_YAML_TEXT || plainly_string(t, n)) {
				heap = malloc(n + 1);
				if (!heap)
					goto oom;
				memcpy(heap, t, n);
				heap[n] = '\0';
				key_len = n;
			} else if (f->typing == GT_YAML_KYAML || f->strict_keys) {
				if (!key_is_text(f, t, n))
					goto unsure; /* the reader says what such a key is (and counts it) */
				heap = malloc(n + 1);
				if (!heap)
					goto oom;
				memcpy(heap, t, n);
				heap[n] = '\0';
				key_len = n;
			} else {
				const char *why;
				heap = gt_yaml_key_text(t, n, true, &why);
				if (!heap) {
					if (why)
						goto unsure;
					goto oom;
				}
				key_len = strlen(heap);
			}
			key = heap;
			if (json_object_getn(c, key, key_len)) {
				free(heap);
				goto unsure; /* a duplicate */
			}
		}
		if (!flow_scalar(f, &t, &n, &plain)) {
			free(heap);
			goto fail;
		}
		json_t *v = plain ? plain_value(f, t, n) : string_value(f, t, n);
		int st = !v ? -1 : map ? json_object_setn_new_nocheck(c, key, key_len, v) : json_array_append_new(c, v);
		free(heap);
		if (st < 0) {
			if (v)
				f->oom = true;
			goto fail;
		}
		more = flow_next(f, close);
		if (more < 0)
			goto fail;
	}
	if (!finish_line(f))
		goto fail;
	return c;
oom:
	f->oom = true;
	goto fail;
unsure:
	bail(f);
fail:
	json_decref(c);
	return NULL;
}

/* A node that starts at pos (first content byte on a line, or after an indicator). */
static json_t *node_inline(struct fp *f, long indent_ctx, size_t depth, int flags)
{
	const unsigned char *s = f->s;
	int c = s[f->pos];
	switch (c) {
	case '-':
		if (blankz(f, f->pos + 1)) {
			if (!(flags & FLAG_SEQ))
				return bail(f);
			return block_seq(f, depth, false);
		}
		break;
	case '|': case '>':
		if (!block_scalar(f, indent_ctx))
			return NULL;
		return string_value(f, f->buf, f->blen);
	case '\'': case '"': {
		size_t start = f->pos, ls = f->ls, lines;
		if (!quoted(f, c == '\'', &lines))
			return NULL;
		size_t p = f->pos;
		while (ch(f, p) == ' ')
			p++;
		if (ch(f, p) == ':' && blankz(f, p + 1)) {
			if (!(flags & FLAG_MAP) || lines)
				return bail(f);
			f->pos = start;
			f->ls = ls;
			return block_map(f, depth);
		}
		json_t *v = string_value(f, f->buf, f->blen);
		if (v && !finish_line(f)) {
			json_decref(v);
			return NULL;
		}
		return v;
	}
	case '[': case '{':
		if (f->out) { /* (short, one line): built, then written */
			struct gt_json_buf *out = f->out;
			f->out = NULL;
			json_t *v = flow_collection(f, depth);
			f->out = out;
			return emit_tree(f, v);
		}
		return flow_collection(f, depth);
	default:
		break;
	}
	if (!is_plain_start(f, f->pos))
		return bail(f);
	size_t start = f->pos;
	bool key, multi;
	size_t e = plain_first_line(f, &key);
	if (key) {
		if (!(flags & FLAG_MAP))
			return bail(f);
		f->pos = start;
		return block_map(f, depth);
	}
	f->blen = 0;
	if (!plain_more_lines(f, (size_t)(indent_ctx + 1), &multi))
		return NULL;
	if (!multi)
		return plain_value(f, (const char *)s + start, e - start);
	/* The first line goes before the folded ones. */
	size_t more = f->blen;
	if (!buf_reserve(f, e - start))
		return NULL;
	memmove(f->buf + (e - start), f->buf, more);
	memcpy(f->buf, s + start, e - start);
	f->blen = more + (e - start);
	return plain_value(f, f->buf, f->blen);
}

/* ---- text mode ---- */

/* v (a new reference, or NULL) written to out: TEXT_OK, or NULL. */
static json_t *emit_tree(struct fp *f, json_t *v)
{
	if (!v)
		return NULL;
	gt_json_buf_value(f->out, v);
	json_decref(v);
	return f->out->oom ? (f->oom = true, NULL) : TEXT_OK;
}

static inline bool key_is(const char *k, size_t n, const char *want)
{
	return strlen(want) == n && !memcmp(k, want, n);
}

/* The members the skeleton holds as trees too: what says who an object is (apiVersion, kind,
 * metadata) and, of its spec, what a CustomResourceDefinition says of its kind's scope. */
static bool skeleton_wants(int level, const char *k, size_t n)
{
	if (level == 0)
		return key_is(k, n, "apiVersion") || key_is(k, n, "kind") || key_is(k, n, "metadata");
	return key_is(k, n, "group") || key_is(k, n, "names") || key_is(k, n, "scope");
}

/* FNV-1a: the keys of a map seen so far, by hash (equal hashes are taken for a duplicate,
 * which only costs the tree path's reading) */
static uint64_t key_hash(const char *k, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)k[i]) * 1099511628211ULL;
	return h;
}

/* The key hashes of a map: the first few in a list (most maps are small: a schema property's
 * description and type), the rest in an open-addressing set (0 is free; a hash of 0 counts as 1). */
#define KEYSET_FEW 8
struct keyset {
	uint64_t few[KEYSET_FEW];
	size_t n_few;
	uint64_t *h;
	size_t n, cap;
};

/* h into the set: 1 added, 0 already there, -1 out of memory. */
static int keyset_set_add(struct keyset *ks, uint64_t h)
{
	if (2 * (ks->n + 1) > ks->cap) {
		size_t cap = ks->cap ? 2 * ks->cap : 32;
		uint64_t *t = calloc(cap, sizeof(*t));
		if (!t)
			return -1;
		for (size_t i = 0; i < ks->cap; i++)
			if (ks->h[i]) {
				size_t j = ks->h[i] & (cap - 1);
				while (t[j])
					j = (j + 1) & (cap - 1);
				t[j] = ks->h[i];
			}
		free(ks->h);
		ks->h = t;
		ks->cap = cap;
	}
	size_t j = h & (ks->cap - 1);
	for (; ks->h[j]; j = (j + 1) & (ks->cap - 1))
		if (ks->h[j] == h)
			return 0;
	ks->h[j] = h;
	ks->n++;
	return 1;
}

/* Add h: 1 added, 0 already there, -1 out of memory. */
static int keyset_add(struct keyset *ks, uint64_t h)
{
	h = h ? h : 1;
	for (size_t i = 0; i < ks->n_few; i++)
		if (ks->few[i] == h)
			return 0;
	if (ks->n_few < KEYSET_FEW) {
		ks->few[ks->n_few++] = h;
		return 1;
	}
	return keyset_set_add(ks, h);
}

static inline void out_addc(struct fp *f, char c)
{
	struct gt_json_buf *b = f->out;
	if (b->n < b->cap)
		b->p[b->n++] = c;
	else
		gt_json_buf_add(b, &c, 1);
}

/* block_map in text mode: the same reading, the members written as they come. */
static json_t *text_block_map(struct fp *f, size_t depth)
{
	json_t *skel = f->skel_next;
	int level = f->skel_level;
	f->skel_next = NULL;
	if (depth >= f->lim->max_depth)
		return bail(f);
	size_t m = col(f), n_seen = 0;
	struct keyset seen = { 0 };
	json_t *ret = NULL;
	out_addc(f, '{');
	for (;;) {
		const char *key;
		size_t key_len;
		char *heap;
		if (!map_key(f, &key, &key_len, &heap))
			goto out;
		int added = keyset_add(&seen, key_hash(key, key_len));
		if (added <= 0) {
			free(heap);
			if (added < 0)
				f->oom = true;
			else
				bail(f); /* a duplicate (or so it seems): the tree path says */
			goto out;
		}
		if (++n_seen > 1)
			out_addc(f, ',');
		gt_json_buf_string(f->out, key, key_len);
		out_addc(f, ':');
		json_t *v;
		if (skel && skeleton_wants(level, key, key_len)) {
			struct gt_json_buf *out = f->out;
			f->out = NULL;
			v = value_after(f, (long)m, depth + 1, true, 0);
			f->out = out;
			if (v) {
				gt_json_buf_value(out, v);
				if (json_object_setn_new_nocheck(skel, key, key_len, v) < 0)
					f->oom = true;
				v = f->oom ? NULL : TEXT_OK;
			}
		} else {
			if (skel && level == 0 && key_is(key, key_len, "spec")) {
				json_t *spec = json_object();
				if (!spec || json_object_set_new_nocheck(skel, "spec", spec) < 0) {
					free(heap);
					f->oom = true;
					goto out;
				}
				f->skel_next = spec;
				f->skel_level = 1;
			}
			v = value_after(f, (long)m, depth + 1, true, 0);
			f->skel_next = NULL;
		}
		free(heap);
		if (!v || f->out->oom) {
			f->oom = f->oom || (v && f->out->oom);
			goto out;
		}
		if (at_end(f, f->pos) || col(f) < m) {
			out_addc(f, '}');
			ret = f->out->oom ? (f->oom = true, NULL) : TEXT_OK;
			goto out;
		}
		if (col(f) > m || (f->s[f->pos] == '-' && blankz(f, f->pos + 1))) {
			bail(f);
			goto out;
		}
	}
out:
	free(seen.h);
	return ret;
}

/* block_seq in text mode */
static json_t *text_block_seq(struct fp *f, size_t depth, bool indentless)
{
	if (depth >= f->lim->max_depth)
		return bail(f);
	size_t sc = col(f);
	f->skel_next = NULL; /* (spec as a list: its items are no skeleton) */
	out_addc(f, '[');
	for (bool first = true;; first = false) {
		f->pos++; /* '-' */
		if (!first)
			out_addc(f, ',');
		if (!value_after(f, (long)sc, depth + 1, false, FLAG_MAP | FLAG_SEQ))
			return NULL;
		if (at_end(f, f->pos) || col(f) < sc)
			break;
		if (col(f) > sc)
			return bail(f);
		if (!(f->s[f->pos] == '-' && blankz(f, f->pos + 1))) {
			if (indentless)
				break;
			return bail(f);
		}
	}
	out_addc(f, ']');
	return f->out->oom ? (f->oom = true, NULL) : TEXT_OK;
}

/* A block map whose first key is at pos; its column is the map's. */
static json_t *block_map(struct fp *f, size_t depth)
{
	if (f->out)
		return text_block_map(f, depth);
	if (depth >= f->lim->max_depth)
		return bail(f);
	size_t m = col(f);
	json_t *obj = json_object();
	if (!obj)
		return f->oom = true, NULL;
	for (;;) {
		const char *key;
		size_t key_len;
		char *heap;
		if (!map_key(f, &key, &key_len, &heap))
			goto fail;
		if (json_object_getn(obj, key, key_len)) {
			free(heap);
			bail(f); /* a duplicate: libyaml's path says where */
			goto fail;
		}
		/* The key's bytes stay put while the value is read: they are in the input, or in heap. */
		json_t *v = value_after(f, (long)m, depth + 1, true, 0);
		if (!v || json_object_setn_new_nocheck(obj, key, key_len, v) < 0) {
			if (v)
				f->oom = true;
			json_decref(v);
			free(heap);
			goto fail;
		}
		free(heap);
		if (at_end(f, f->pos) || col(f) < m)
			return obj;
		if (col(f) > m || (f->s[f->pos] == '-' && blankz(f, f->pos + 1))) {
			bail(f);
			goto fail;
		}
	}
fail:
	json_decref(obj);
	return NULL;
}

/* A block sequence whose first "- " is at pos. indentless: the value of a map key at
 * the same column, which ends at the first line there that is not "- ". */
static json_t *block_seq(struct fp *f, size_t depth, bool indentless)
{
	if (f->out)
		return text_block_seq(f, depth, indentless);
	if (depth >= f->lim->max_depth)
		return bail(f);
	size_t sc = col(f);
	json_t *arr = json_array();
	if (!arr)
		return f->oom = true, NULL;
	for (;;) {
		f->pos++; /* '-' */
		json_t *v = value_after(f, (long)sc, depth + 1, false, FLAG_MAP | FLAG_SEQ);
		if (!v || json_array_append_new(arr, v) < 0) {
			if (v)
				f->oom = true;
			goto fail;
		}
		if (at_end(f, f->pos) || col(f) < sc)
			return arr;
		if (col(f) > sc) {
			bail(f);
			goto fail;
		}
		if (!(f->s[f->pos] == '-' && blankz(f, f->pos + 1))) {
			if (indentless)
				return arr;
			bail(f);
			goto fail;
		}
	}
fail:
	json_decref(arr);
	return NULL;
}

json_t *gt_yaml_fast_document(const char *s, size_t start, size_t end, const struct gt_limits *lim, bool *unsure)
{
	return gt_yaml_fast_document_typed(s, start, end, lim, GT_YAML_V2, false, unsure);
}

json_t *gt_yaml_fast_document_typed(const char *s, size_t start, size_t end, const struct gt_limits *lim,
				    enum gt_yaml_typing typing, bool strict_keys, bool *unsure)
{
	struct fp f = { .s = (const unsigned char *)s, .end = end, .pos = start, .lim = lim, .typing = typing,
			.strict_keys = strict_keys };
	/* ls: the start of start's line. */
	size_t ls = start;
	while (ls > 0 && s[ls - 1] != '\n')
		ls--;
	f.ls = ls;
	json_t *doc = NULL;
	if (f.pos == f.ls && !skip_to_content(&f))
		goto out;
	if (at_end(&f, f.pos)) {
		doc = plain_value(&f, NULL, 0); /* an empty document: libyaml's empty plain scalar */
		goto out;
	}
	doc = node_inline(&f, -1, 0, FLAG_MAP | FLAG_SEQ);
	if (doc && !at_end(&f, f.pos)) {
		/* Something after the root node: libyaml says what. */
		json_decref(doc);
		doc = NULL;
		f.unsure = true;
	}
out:
	free(f.buf);
	*unsure = f.unsure || !f.oom;
	if (doc)
		*unsure = false;
	return doc;
}

json_t *gt_yaml_fast_document_text(const char *s, size_t start, size_t end, const struct gt_limits *lim,
				   enum gt_yaml_typing typing, bool strict_keys, struct gt_json_buf *out, bool *unsure)
{
	json_t *skel = json_object();
	if (!skel)
		return *unsure = false, NULL;
	struct fp f = { .s = (const unsigned char *)s, .end = end, .pos = start, .lim = lim, .typing = typing,
			.strict_keys = strict_keys, .out = out, .skel_next = skel };
	size_t ls = start;
	while (ls > 0 && s[ls - 1] != '\n')
		ls--;
	f.ls = ls;
	bool ok = false;
	if (f.pos == f.ls && !skip_to_content(&f))
		goto done;
	if (at_end(&f, f.pos) || f.s[f.pos] == '-' || f.s[f.pos] == '[' || f.s[f.pos] == '{')
		goto done; /* not a block map: the tree path reads it (nothing to freeze) */
	ok = node_inline(&f, -1, 0, FLAG_MAP | FLAG_SEQ) != NULL && f.skel_next == NULL &&
	     at_end(&f, f.pos);
done:
	free(f.buf);
	*unsure = !ok && (f.unsure || !f.oom);
	if (!ok || out->oom) {
		json_decref(skel);
		return NULL;
	}
	return skel;
}

/* ---- bytes ---- */

size_t gt_yaml_fast_scan_bytes(const char *str, size_t from, size_t to, size_t *odd)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t p = from;
	*odd = to;
	while (p < to) {
		/* Printable ASCII, 8 bytes at a time: no byte >= 0x80, none below 0x20, no DEL. */
		while (p + 8 <= to) {
			uint64_t w;
			memcpy(&w, s + p, 8);
			uint64_t high = w & 0x8080808080808080ULL;
			uint64_t low = (w - 0x2020202020202020ULL) & ~w & 0x8080808080808080ULL;
			uint64_t del = ((w ^ 0x7f7f7f7f7f7f7f7fULL) - 0x0101010101010101ULL) & ~(w ^ 0x7f7f7f7f7f7f7f7fULL) &
				       0x8080808080808080ULL;
			if (high | low | del)
				break;
			p += 8;
		}
		if (p >= to)
			break;
		/* Something other than printable ASCII in these 8 bytes (a line break, mostly):
		 * take them one by one before trying 8 at a time again. */
		size_t stop = p + 8 < to ? p + 8 : to;
		while (p < stop && ((s[p] >= 0x20 && s[p] < 0x7f) || s[p] == '\n' || s[p] == '\t'))
			p++;
		if (p < stop && s[p] < 0x80 && s[p] != '\r')
			return p; /* a control character or DEL */
		if (p >= stop)
			continue;
		unsigned char c = s[p];
		if (c >= 0x20 && c < 0x7f) {
			p++;
			continue;
		}
		if (c == '\n' || c == '\t') {
			p++;
			continue;
		}
		if (c == '\r') {
			if (*odd == to)
				*odd = p;
			p++;
			continue;
		}
		if (c < 0x80)
			return p; /* control characters (and DEL) */
		size_t w = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
		if (!w || p + w > to)
			return p; /* invalid, or cut at to: the caller's window decides */
		unsigned long v = w == 2 ? c & 0x1F : w == 3 ? c & 0x0F : c & 0x07;
		for (size_t k = 1; k < w; k++) {
			if ((s[p + k] & 0xC0) != 0x80)
				return p;
			v = (v << 6) + (s[p + k] & 0x3F);
		}
		if ((w == 2 && v < 0x80) || (w == 3 && v < 0x800) || (w == 4 && v < 0x10000))
			return p;
		if ((v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
			return p;
		if (!(v == 0x85 || (v >= 0xA0 && v <= 0xD7FF) || (v >= 0xE000 && v <= 0xFFFD) || v >= 0x10000))
			return p;
		if ((v == 0x85 || v == 0x2028 || v == 0x2029 || v == 0xFEFF) && *odd == to)
			*odd = p;
		p += w;
	}
	return to;
}
