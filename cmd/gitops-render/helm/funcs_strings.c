/* funcs_strings: sprig's string functions (strings.go and the ones functions.go wires to Go's
 * strings and path packages), with Go's byte and rune semantics. */
#define _GNU_SOURCE
#include "funcs.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

static int str_out(struct exec *x, struct hv *out, struct buf *b)
{
	size_t n;
	char *s = buf_take(b, &n);
	if (!s)
		return oom(x);
	struct hv v = hv_strn(s, n);
	free(s);
	return ret(x, out, v);
}

static bool has_non_ascii(struct hv v)
{
	for (size_t i = 0; i < v.u.s->len; i++)
		if ((unsigned char)v.u.s->s[i] >= 0x80)
			return true;
	return false;
}

#define NEED_ASCII(v, what)                                                              \
	do {                                                                             \
		if (has_non_ascii(v)) {                                                  \
			exec_unsupported(x, "%s of non-ASCII text (Unicode case rules)", what); \
			return -2;                                                       \
		}                                                                        \
	} while (0)

FN(fn_hello)
{
	(void)a, (void)n;
	return ret(x, out, hv_str("Hello!"));
}

FN(fn_quote)
{
	struct buf b = { 0 };
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		if (a[i].k == HV_NIL)
			continue;
		struct hv s = strval(a[i]);
		if (s.k != HV_STRING) {
			buf_free(&b);
			exec_unsupported(x, "quote of a value fmt would show as an address");
			return -2;
		}
		if (!first)
			buf_addc(&b, ' ');
		first = false;
		fmt_quote(&b, s.u.s->s, s.u.s->len);
		hv_unref(s);
	}
	return str_out(x, out, &b);
}

FN(fn_squote)
{
	struct buf b = { 0 };
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		if (a[i].k == HV_NIL)
			continue;
		if (!first)
			buf_addc(&b, ' ');
		first = false;
		buf_addc(&b, '\'');
		if (fmt_value(&b, a[i], false) < 0) {
			buf_free(&b);
			exec_unsupported(x, "squote of a value fmt would show as an address");
			return -2;
		}
		buf_addc(&b, '\'');
	}
	return str_out(x, out, &b);
}

FN(fn_cat)
{
	struct buf b = { 0 };
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		if (a[i].k == HV_NIL)
			continue;
		if (!first)
			buf_addc(&b, ' ');
		first = false;
		if (fmt_value(&b, a[i], false) < 0) {
			buf_free(&b);
			exec_unsupported(x, "cat of a value fmt would show as an address");
			return -2;
		}
	}
	return str_out(x, out, &b);
}

static int do_indent(struct exec *x, struct hv *out, int64_t spaces, struct hv s, bool nl)
{
	struct buf b = { 0 };
	if (spaces > 100000) {
		exec_unsupported(x, "indent by more than 100000");
		return -2;
	}
	if (nl)
		buf_addc(&b, '\n');
	for (int64_t i = 0; i < spaces; i++)
		buf_addc(&b, ' ');
	for (size_t i = 0; i < s.u.s->len; i++) {
		buf_addc(&b, s.u.s->s[i]);
		if (s.u.s->s[i] == '\n')
			for (int64_t k = 0; k < spaces; k++)
				buf_addc(&b, ' ');
	}
	return str_out(x, out, &b);
}

FN(fn_indent)
{
	(void)n;
	return do_indent(x, out, a[0].u.i, a[1], false);
}

FN(fn_nindent)
{
	(void)n;
	return do_indent(x, out, a[0].u.i, a[1], true);
}

/* strings.Replace(s, old, new, -1) */
static void replace_all(struct buf *b, const char *s, size_t n, const char *old, size_t on, const char *new,
			size_t nn)
{
	if (on == 0) {
		/* before every rune and at the end */
		for (size_t i = 0; i < n;) {
			buf_add(b, new, nn);
			size_t k = 1;
			while (i + k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80)
				k++;
			buf_add(b, s + i, k);
			i += k;
		}
		buf_add(b, new, nn);
		return;
	}
	for (size_t i = 0; i < n;) {
		const char *hit = memmem(s + i, n - i, old, on);
		if (!hit) {
			buf_add(b, s + i, n - i);
			return;
		}
		buf_add(b, s + i, (size_t)(hit - s) - i);
		buf_add(b, new, nn);
		i = (size_t)(hit - s) + on;
	}
}

FN(fn_replace)
{
	(void)n;
	struct buf b = { 0 };
	replace_all(&b, a[2].u.s->s, a[2].u.s->len, a[0].u.s->s, a[0].u.s->len, a[1].u.s->s, a[1].u.s->len);
	return str_out(x, out, &b);
}

FN(fn_plural)
{
	(void)n;
	return ret(x, out, hv_ref(a[2].u.i == 1 ? a[0] : a[1]));
}

FN(fn_trunc)
{
	(void)n;
	int64_t c = a[0].u.i;
	struct hv s = a[1];
	int64_t len = (int64_t)s.u.s->len;
	if (c < 0 && len + c > 0)
		return ret(x, out, hv_strn(s.u.s->s + len + c, (size_t)-c));
	if (c >= 0 && len > c)
		return ret(x, out, hv_strn(s.u.s->s, (size_t)c));
	return ret(x, out, hv_ref(s));
}

/* unicode.IsSpace */
static size_t space_len(const unsigned char *s, size_t n)
{
	if (!n)
		return 0;
	if (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r'))
		return 1;
	if (n >= 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
		return 2;
	if (n >= 3 && s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80)
		return 3;
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x80 && ((s[2] >= 0x80 && s[2] <= 0x8a) || s[2] == 0xa8 || s[2] == 0xa9 ||
						       s[2] == 0xaf))
		return 3;
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f)
		return 3;
	if (n >= 3 && s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	return 0;
}

static size_t space_len_back(const unsigned char *s, size_t n)
{
	for (size_t k = 1; k <= 3 && k <= n; k++)
		if (space_len(s + n - k, k) == k)
			return k;
	return 0;
}

FN(fn_trim)
{
	(void)n;
	const unsigned char *s = (const unsigned char *)a[0].u.s->s;
	size_t b = 0, e = a[0].u.s->len, k;
	while (b < e && (k = space_len(s + b, e - b)))
		b += k;
	while (e > b && (k = space_len_back(s + b, e - b)))
		e -= k;
	return ret(x, out, hv_strn((const char *)s + b, e - b));
}

FN(fn_nospace)
{
	(void)n;
	const unsigned char *s = (const unsigned char *)a[0].u.s->s;
	size_t len = a[0].u.s->len, k;
	struct buf b = { 0 };
	for (size_t i = 0; i < len;) {
		if ((k = space_len(s + i, len - i))) {
			i += k;
			continue;
		}
		buf_addc(&b, (char)s[i++]);
	}
	return str_out(x, out, &b);
}

/* the length of the rune at s, and whether it is in cutset */
static size_t rune_len(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];
	size_t k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	return k > n ? 1 : k;
}

static bool in_cutset(const char *r, size_t rl, struct hv cut)
{
	for (size_t i = 0; i < cut.u.s->len;) {
		size_t k = rune_len(cut.u.s->s + i, cut.u.s->len - i);
		if (k == rl && !memcmp(cut.u.s->s + i, r, k))
			return true;
		i += k;
	}
	return false;
}

FN(fn_trimall)
{
	(void)n;
	/* sprig's trimAll(a, b) is strings.Trim(b, a) */
	struct hv s = a[1], cut = a[0];
	size_t b = 0, e = s.u.s->len;
	while (b < e) {
		size_t k = rune_len(s.u.s->s + b, e - b);
		if (!in_cutset(s.u.s->s + b, k, cut))
			break;
		b += k;
	}
	while (e > b) {
		size_t k = 1;
		while (k < e - b && k < 4 && ((unsigned char)s.u.s->s[e - k] & 0xc0) == 0x80)
			k++;
		if (!in_cutset(s.u.s->s + e - k, k, cut))
			break;
		e -= k;
	}
	return ret(x, out, hv_strn(s.u.s->s + b, e - b));
}

FN(fn_trimprefix)
{
	(void)n;
	struct hv p = a[0], s = a[1];
	if (s.u.s->len >= p.u.s->len && !memcmp(s.u.s->s, p.u.s->s, p.u.s->len))
		return ret(x, out, hv_strn(s.u.s->s + p.u.s->len, s.u.s->len - p.u.s->len));
	return ret(x, out, hv_ref(s));
}

FN(fn_trimsuffix)
{
	(void)n;
	struct hv p = a[0], s = a[1];
	if (s.u.s->len >= p.u.s->len && !memcmp(s.u.s->s + s.u.s->len - p.u.s->len, p.u.s->s, p.u.s->len))
		return ret(x, out, hv_strn(s.u.s->s, s.u.s->len - p.u.s->len));
	return ret(x, out, hv_ref(s));
}


/* ---- case on non-ASCII text: Go's unicode.ToUpper/ToLower/ToTitle are the simple case mappings
 * of UnicodeData, the same that glibc's C.UTF-8 towupper/towlower give (Unicode 14 there, 15 in
 * Go 1.23: no case pair differs). Where title case is not upper case (the DŽ digraphs, Georgian)
 * or the text is not valid UTF-8 (Go writes U+FFFD), helm decides. */

static locale_t utf8_locale(void)
{
	static locale_t l;
	static bool tried;
	if (!tried) {
		tried = true;
		l = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	}
	return l;
}

/* one rune of valid UTF-8 at s (n bytes left): its length, 0 if invalid */
static size_t utf8_rune(const unsigned char *s, size_t n, uint32_t *r)
{
	if (s[0] < 0x80) {
		*r = s[0];
		return 1;
	}
	size_t k = s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : s[0] >= 0xe0 && s[0] < 0xf0 ? 3 : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
	if (!k || k > n)
		return 0;
	uint32_t v = s[0] & (0x7f >> k);
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if ((k == 3 && (v < 0x800 || (v >= 0xd800 && v <= 0xdfff))) || (k == 4 && (v < 0x10000 || v > 0x10ffff)))
		return 0;
	*r = v;
	return k;
}

static void utf8_put(struct buf *b, uint32_t r)
{
	char t[4];
	if (r < 0x80) {
		buf_addc(b, (char)r);
	} else if (r < 0x800) {
		t[0] = (char)(0xc0 | r >> 6), t[1] = (char)(0x80 | (r & 0x3f));
		buf_add(b, t, 2);
	} else if (r < 0x10000) {
		t[0] = (char)(0xe0 | r >> 12), t[1] = (char)(0x80 | (r >> 6 & 0x3f)), t[2] = (char)(0x80 | (r & 0x3f));
		buf_add(b, t, 3);
	} else {
		t[0] = (char)(0xf0 | r >> 18), t[1] = (char)(0x80 | (r >> 12 & 0x3f));
		t[2] = (char)(0x80 | (r >> 6 & 0x3f)), t[3] = (char)(0x80 | (r & 0x3f));
		buf_add(b, t, 4);
	}
}

/* unicode.IsSpace */
static bool go_is_space(uint32_t r)
{
	if (r < 0x80)
		return r == ' ' || (r >= '\t' && r <= '\r');
	return r == 0x85 || r == 0xa0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200a) || r == 0x2028 || r == 0x2029 ||
	       r == 0x202f || r == 0x205f || r == 0x3000;
}

/* strings.Title's isSeparator */
static bool go_title_sep(uint32_t r)
{
	if (r < 0x80)
		return !((r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r == '_');
	return go_is_space(r); /* a letter or digit is not one, nor anything else but a space */
}

enum ucase { UC_UPPER, UC_LOWER, UC_TITLE, UC_UNTITLE };

static int unicode_case(struct exec *x, struct hv *out, struct hv s, enum ucase mode, const char *what)
{
	locale_t l = utf8_locale();
	const unsigned char *p = (const unsigned char *)s.u.s->s;
	size_t n = s.u.s->len;
	struct buf b = { 0 };
	uint32_t prev = ' ';
	bool start = true;
	for (size_t i = 0; i < n;) {
		uint32_t r, m;
		size_t k = utf8_rune(p + i, n - i, &r);
		if (!k || !l) {
			buf_free(&b);
			exec_unsupported(x, "%s of text that is not UTF-8 (Go writes U+FFFD)", what);
			return -2;
		}
		switch (mode) {
		case UC_UPPER: m = (uint32_t)towupper_l((wint_t)r, l); break;
		case UC_LOWER: m = (uint32_t)towlower_l((wint_t)r, l); break;
		case UC_TITLE:
			m = r;
			if (go_title_sep(prev)) {
				if ((r >= 0x1c4 && r <= 0x1cc) || (r >= 0x1f1 && r <= 0x1f3) || (r >= 0x10d0 && r <= 0x10ff)) {
					buf_free(&b);
					exec_unsupported(x, "title of a letter whose title case is not its upper case");
					return -2;
				}
				m = (uint32_t)towupper_l((wint_t)r, l);
			}
			prev = r;
			break;
		default: /* goutils.Uncapitalize: the first letter after a space */
			m = r;
			if (go_is_space(r))
				start = true;
			else if (start) {
				m = (uint32_t)towlower_l((wint_t)r, l);
				start = false;
			}
			break;
		}
		utf8_put(&b, m);
		i += k;
	}
	return str_out(x, out, &b);
}

static int map_case(struct exec *x, struct hv *out, struct hv s, int mode)
{
	struct hv r = hv_strn(s.u.s->s, s.u.s->len);
	if (r.k != HV_STRING)
		return oom(x);
	char *p = r.u.s->s;
	for (size_t i = 0; i < r.u.s->len; i++) {
		char c = p[i];
		if (mode == 0 && c >= 'a' && c <= 'z')
			p[i] = (char)(c - 32);
		else if (mode == 1 && c >= 'A' && c <= 'Z')
			p[i] = (char)(c + 32);
		else if (mode == 2)
			p[i] = c >= 'a' && c <= 'z' ? (char)(c - 32) : c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
	}
	*out = r;
	return 0;
}

FN(fn_upper)
{
	(void)n;
	if (has_non_ascii(a[0]))
		return unicode_case(x, out, a[0], UC_UPPER, "upper");
	return map_case(x, out, a[0], 0);
}

FN(fn_lower)
{
	(void)n;
	if (has_non_ascii(a[0]))
		return unicode_case(x, out, a[0], UC_LOWER, "lower");
	return map_case(x, out, a[0], 1);
}

FN(fn_swapcase)
{
	(void)n;
	NEED_ASCII(a[0], "swapcase");
	return map_case(x, out, a[0], 2);
}

static bool is_letter_digit(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* strings.Title: the first letter of each word; words are split at anything but letters, digits, _ */
FN(fn_title)
{
	(void)n;
	if (has_non_ascii(a[0]))
		return unicode_case(x, out, a[0], UC_TITLE, "title");
	struct hv r = hv_strn(a[0].u.s->s, a[0].u.s->len);
	if (r.k != HV_STRING)
		return oom(x);
	char prev = ' ';
	for (size_t i = 0; i < r.u.s->len; i++) {
		char c = r.u.s->s[i];
		if (!is_letter_digit(prev) && c >= 'a' && c <= 'z')
			r.u.s->s[i] = (char)(c - 32);
		prev = c;
	}
	*out = r;
	return 0;
}

/* goutils.Uncapitalize: the first letter of each whitespace-separated word in lower case */
FN(fn_untitle)
{
	(void)n;
	if (has_non_ascii(a[0]))
		return unicode_case(x, out, a[0], UC_UNTITLE, "untitle");
	struct hv r = hv_strn(a[0].u.s->s, a[0].u.s->len);
	if (r.k != HV_STRING)
		return oom(x);
	bool start = true;
	for (size_t i = 0; i < r.u.s->len; i++) {
		char c = r.u.s->s[i];
		bool sp = c == ' ' || (c >= '\t' && c <= '\r');
		if (start && !sp && c >= 'A' && c <= 'Z')
			r.u.s->s[i] = (char)(c + 32);
		start = sp;
	}
	*out = r;
	return 0;
}

FN(fn_repeat)
{
	(void)n;
	if (a[0].u.i < 0)
		return fn_error(x, "strings: negative Repeat count");
	if ((uint64_t)a[0].u.i * a[1].u.s->len > ((size_t)64 << 20)) {
		exec_unsupported(x, "repeat to more than 64 MiB");
		return -2;
	}
	struct buf b = { 0 };
	for (int64_t i = 0; i < a[0].u.i; i++)
		buf_add(&b, a[1].u.s->s, a[1].u.s->len);
	return str_out(x, out, &b);
}

FN(fn_substr)
{
	(void)n;
	int64_t start = a[0].u.i, end = a[1].u.i, len = (int64_t)a[2].u.s->len;
	const char *s = a[2].u.s->s;
	if (start < 0) {
		if (end < 0 || end > len)
			return fn_error(x, "runtime error: slice bounds out of range [:%lld] with length %lld",
					(long long)end, (long long)len);
		return ret(x, out, hv_strn(s, (size_t)end));
	}
	if (end < 0 || end > len) {
		if (start > len)
			return fn_error(x, "runtime error: slice bounds out of range [%lld:%lld]", (long long)start,
					(long long)len);
		return ret(x, out, hv_strn(s + start, (size_t)(len - start)));
	}
	if (start > end)
		return fn_error(x, "runtime error: slice bounds out of range [%lld:%lld]", (long long)start,
				(long long)end);
	return ret(x, out, hv_strn(s + start, (size_t)(end - start)));
}

FN(fn_contains)
{
	(void)n, (void)x;
	*out = hv_bool(!a[0].u.s->len || memmem(a[1].u.s->s, a[1].u.s->len, a[0].u.s->s, a[0].u.s->len));
	return 0;
}

FN(fn_hasprefix)
{
	(void)n, (void)x;
	*out = hv_bool(a[1].u.s->len >= a[0].u.s->len && !memcmp(a[1].u.s->s, a[0].u.s->s, a[0].u.s->len));
	return 0;
}

FN(fn_hassuffix)
{
	(void)n, (void)x;
	*out = hv_bool(a[1].u.s->len >= a[0].u.s->len &&
		       !memcmp(a[1].u.s->s + a[1].u.s->len - a[0].u.s->len, a[0].u.s->s, a[0].u.s->len));
	return 0;
}

/* sprig's strslice: the elements as strings (nil ones dropped), or the value as one. */
static int strslice(struct exec *x, struct hv v, struct hv *out)
{
	struct hv l = hv_list();
	if (l.k != HV_LIST)
		return oom(x);
	l.go = GO_STRINGS;
	if (v.k == HV_LIST) {
		for (size_t i = 0; i < v.u.l->n; i++) {
			if (v.u.l->v[i].k == HV_NIL)
				continue;
			struct hv s = strval(v.u.l->v[i]);
			if (s.k != HV_STRING || hlist_push(l.u.l, s) < 0) {
				hv_unref(l);
				exec_unsupported(x, "a list element fmt would show as an address");
				return -2;
			}
		}
	} else if (v.k == HV_STRING && v.go == GO_BYTES) {
		hv_unref(l);
		exec_unsupported(x, "a []byte as a list of strings");
		return -2;
	} else if (v.k != HV_NIL) {
		struct hv s = strval(v);
		if (s.k != HV_STRING || hlist_push(l.u.l, s) < 0) {
			hv_unref(l);
			exec_unsupported(x, "a value fmt would show as an address");
			return -2;
		}
	}
	*out = l;
	return 0;
}

FN(fn_tostrings)
{
	(void)n;
	return strslice(x, a[0], out);
}

FN(fn_join)
{
	(void)n;
	struct hv l;
	int r = strslice(x, a[1], &l);
	if (r < 0)
		return r;
	struct buf b = { 0 };
	for (size_t i = 0; i < l.u.l->n; i++) {
		if (i)
			buf_add(&b, a[0].u.s->s, a[0].u.s->len);
		buf_add(&b, l.u.l->v[i].u.s->s, l.u.l->v[i].u.s->len);
	}
	hv_unref(l);
	return str_out(x, out, &b);
}

FN(fn_sortalpha)
{
	(void)n;
	struct hv l;
	if (a[0].k != HV_LIST) {
		struct hv s = strval(a[0]);
		if (s.k != HV_STRING)
			return exec_unsupported(x, "sortAlpha of this value"), -2;
		l = hv_list();
		l.go = GO_STRINGS;
		if (l.k != HV_LIST || hlist_push(l.u.l, s) < 0)
			return oom(x);
		*out = l;
		return 0;
	}
	int r = strslice(x, a[0], &l);
	if (r < 0)
		return r;
	/* sort.Strings: byte order; insertion sort keeps it simple and stable */
	struct hv *v = l.u.l->v;
	for (size_t i = 1; i < l.u.l->n; i++) {
		struct hv t = v[i];
		size_t j = i;
		while (j > 0) {
			struct hstr *p = v[j - 1].u.s, *q = t.u.s;
			size_t m = p->len < q->len ? p->len : q->len;
			int c = memcmp(p->s, q->s, m);
			if (c < 0 || (c == 0 && p->len <= q->len))
				break;
			v[j] = v[j - 1];
			j--;
		}
		v[j] = t;
	}
	*out = l;
	return 0;
}

/* strings.SplitN(s, sep, n); n < 0: all */
static int split_parts(struct exec *x, struct hv sep, struct hv s, int64_t max, struct hv *list)
{
	*list = hv_list();
	if (list->k != HV_LIST)
		return oom(x);
	list->go = GO_STRINGS;
	if (max == 0)
		return 0;
	const char *p = s.u.s->s;
	size_t len = s.u.s->len, i = 0;
	int64_t count = 0;
	if (sep.u.s->len == 0) {
		while (i < len) {
			size_t k = rune_len(p + i, len - i);
			if (max > 0 && count == max - 1)
				k = len - i;
			if (hlist_push(list->u.l, hv_strn(p + i, k)) < 0)
				return oom(x);
			count++;
			i += k;
		}
		return 0;
	}
	for (;;) {
		const char *hit = max > 0 && count == max - 1 ? NULL : memmem(p + i, len - i, sep.u.s->s, sep.u.s->len);
		size_t e = hit ? (size_t)(hit - p) : len;
		if (hlist_push(list->u.l, hv_strn(p + i, e - i)) < 0)
			return oom(x);
		count++;
		if (!hit)
			return 0;
		i = e + sep.u.s->len;
	}
}

FN(fn_splitlist)
{
	(void)n;
	return split_parts(x, a[0], a[1], -1, out) < 0 ? -2 : 0;
}

static int parts_to_map(struct exec *x, struct hv parts, struct hv *out)
{
	struct hv m = hv_map();
	if (m.k != HV_MAP) {
		hv_unref(parts);
		return oom(x);
	}
	m.go = GO_MAPSTR;
	for (size_t i = 0; i < parts.u.l->n; i++) {
		char key[32];
		int kn = snprintf(key, sizeof(key), "_%zu", i);
		if (hmap_set(m.u.m, key, (size_t)kn, hv_ref(parts.u.l->v[i])) < 0) {
			hv_unref(parts);
			hv_unref(m);
			return oom(x);
		}
	}
	hv_unref(parts);
	*out = m;
	return 0;
}

FN(fn_split)
{
	(void)n;
	struct hv parts;
	if (split_parts(x, a[0], a[1], -1, &parts) < 0)
		return -2;
	return parts_to_map(x, parts, out);
}

FN(fn_splitn)
{
	(void)n;
	struct hv parts;
	if (split_parts(x, a[0], a[2], a[1].u.i, &parts) < 0)
		return -2;
	return parts_to_map(x, parts, out);
}

FN(fn_tostring)
{
	(void)n;
	struct hv s = strval(a[0]);
	if (s.k != HV_STRING) {
		exec_unsupported(x, "toString of a value fmt would show as an address");
		return -2;
	}
	*out = s;
	return 0;
}

/* ---- huandu/xstrings' word functions (snakecase, kebabcase, camelcase) on ASCII text; its
 * word classes come from Unicode categories, so other text goes to helm ---- */

enum word { W_INVALID, W_NUMBER, W_UPPER, W_ALPHA, W_CONNECTOR, W_PUNCT, W_OTHER };

static bool x_connector(char c)
{
	return c == '-' || c == '_' || c == ' ' || (c >= '\t' && c <= '\r');
}
static bool x_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool x_alpha(char c) { return x_upper(c) || (c >= 'a' && c <= 'z'); }
static bool x_number(char c) { return c >= '0' && c <= '9'; }
/* unicode.IsPunct on ASCII: category P (not the symbols $+<=>^`|~) */
static bool x_punct(char c) { return c && strchr("!\"#%&'()*,-./:;?@[\\]_{}", c); }

/* xstrings.nextWord: the type and length of the word at s */
static enum word next_word(const char *s, size_t n, size_t *len)
{
	size_t off = 1, i = 1;
	enum word wt;
	*len = 0;
	if (!n)
		return W_INVALID;
	char r = s[0];
	if (x_connector(r)) {
		wt = W_CONNECTOR;
		while (i < n && x_connector(s[i]))
			i++;
		off = i;
	} else if (x_punct(r)) {
		wt = W_PUNCT;
		while (i < n && x_punct(s[i]))
			i++;
		off = i;
	} else if (x_upper(r)) {
		wt = W_UPPER;
		if (i < n && x_upper(s[i])) {
			while (i < n && x_upper(s[i]))
				i++;
			off = i;
			/* "HTTPStatus": the S starts the next word */
			if (i < n && x_alpha(s[i]))
				off = i - 1;
		} else if (i < n && x_alpha(s[i])) {
			while (i < n && x_alpha(s[i]) && !x_upper(s[i]))
				i++;
			off = i;
		}
	} else if (x_alpha(r)) {
		wt = W_ALPHA;
		while (i < n && x_alpha(s[i]) && !x_upper(s[i]))
			i++;
		off = i;
	} else if (x_number(r)) {
		wt = W_NUMBER;
		while (i < n && x_number(s[i]))
			i++;
		off = i;
	} else {
		wt = W_OTHER;
		while (i < n && !x_connector(s[i]) && !x_alpha(s[i]) && !x_number(s[i]) && !x_punct(s[i]))
			i++;
		off = i;
	}
	*len = off;
	return wt;
}

static void x_lower(struct buf *b, enum word wt, const char *s, size_t n, char connector)
{
	if (wt != W_UPPER && wt != W_CONNECTOR) {
		buf_add(b, s, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		buf_addc(b, x_connector(s[i]) ? connector : x_upper(s[i]) ? (char)(s[i] + 32) : s[i]);
}

/* xstrings.camelCaseToLowerCase */
static void to_lower_words(struct buf *b, const char *s, size_t n, char connector)
{
	size_t wl;
	const char *word = s;
	enum word wt = next_word(s, n, &wl);
	const char *rem = s + wl;
	size_t rn = n - wl;
#define NEXT() (word = rem, wt = next_word(rem, rn, &wl), rem += wl, rn -= wl)
	while (rn) {
		if (wt != W_CONNECTOR)
			x_lower(b, wt, word, wl, connector);
		enum word prev = wt;
		const char *last = word;
		size_t last_len = wl;
		NEXT();
		switch (prev) {
		case W_NUMBER:
			while (wt == W_ALPHA || wt == W_NUMBER) {
				x_lower(b, wt, word, wl, connector);
				NEXT();
			}
			if (wt != W_INVALID && wt != W_PUNCT && wt != W_CONNECTOR)
				buf_addc(b, connector);
			break;
		case W_CONNECTOR:
			x_lower(b, prev, last, last_len, connector);
			break;
		case W_PUNCT:
			break;
		default:
			if (wt != W_NUMBER) {
				if (wt != W_CONNECTOR && wt != W_PUNCT)
					buf_addc(b, connector);
				break;
			}
			if (!rn)
				break;
			{
				const char *num = word;
				size_t num_len = wl;
				NEXT();
				/* a number followed by anything but letters belongs to the word before: Bld4Floor */
				if (wt != W_ALPHA) {
					x_lower(b, W_NUMBER, num, num_len, connector);
					if (wt != W_CONNECTOR && wt != W_PUNCT)
						buf_addc(b, connector);
					break;
				}
				/* letters after a number: HTTP2xx is http_2xx */
				buf_addc(b, connector);
				x_lower(b, W_NUMBER, num, num_len, connector);
				while (wt == W_ALPHA || wt == W_NUMBER) {
					x_lower(b, wt, word, wl, connector);
					NEXT();
				}
				if (wt != W_INVALID && wt != W_CONNECTOR && wt != W_PUNCT)
					buf_addc(b, connector);
			}
		}
	}
#undef NEXT
	x_lower(b, wt, word, wl, connector);
}

static int word_case(struct exec *x, struct hv *out, struct hv s, const char *what, char connector)
{
	if (has_non_ascii(s)) {
		exec_unsupported(x, "%s of non-ASCII text (xstrings' Unicode word rules)", what);
		return -2;
	}
	struct buf b = { 0 };
	buf_add(&b, "", 0);
	to_lower_words(&b, s.u.s->s, s.u.s->len, connector);
	return str_out(x, out, &b);
}

FN(fn_snakecase)
{
	(void)n;
	return word_case(x, out, a[0], "snakecase", '_');
}

FN(fn_kebabcase)
{
	(void)n;
	return word_case(x, out, a[0], "kebabcase", '-');
}

/* xstrings.ToPascalCase (v1.5): words split at connectors, each capitalised, a word's run of
 * capitals after its first letter lowered ("GOLANG_IS_GREAT" is GolangIsGreat); leading
 * connectors kept */
FN(fn_camelcase)
{
	(void)n;
	struct hv s = a[0];
	if (has_non_ascii(s)) {
		exec_unsupported(x, "camelcase of non-ASCII text (xstrings' Unicode word rules)");
		return -2;
	}
	const char *p = s.u.s->s;
	size_t len = s.u.s->len, i = 0;
	struct buf b = { 0 };
	buf_add(&b, "", 0);
	char r0 = 0, r1;
	bool first_upper = false;
	for (; i < len; i++) {
		r0 = p[i];
		if (!x_connector(r0)) {
			first_upper = x_upper(r0);
			r0 = r0 >= 'a' && r0 <= 'z' ? (char)(r0 - 32) : r0;
			i++;
			break;
		}
		buf_addc(&b, r0);
	}
	if (i >= len) {
		/* the last rune again, as Go writes it, even a connector: "_" is "__" */
		if (len)
			buf_addc(&b, r0);
		return str_out(x, out, &b);
	}
	for (; i < len; i++) {
		r1 = r0;
		r0 = p[i];
		if (x_connector(r0) && x_connector(r1)) {
			buf_addc(&b, r1);
			continue;
		}
		if (x_connector(r1)) {
			first_upper = x_upper(r0);
			r0 = r0 >= 'a' && r0 <= 'z' ? (char)(r0 - 32) : r0;
		} else {
			if (first_upper) {
				if (x_upper(r0))
					r0 = (char)(r0 + 32);
				else
					first_upper = false;
			}
			buf_addc(&b, r1);
		}
	}
	buf_addc(&b, r0);
	return str_out(x, out, &b);
}

/* ---- Masterminds/goutils: initials, wrap, abbreviate (byte by byte, as they are written) ---- */

/* unicode.IsSpace of a byte taken as a rune: Latin-1's NEL and NBSP count */
static bool byte_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xa0;
}

FN(fn_initials)
{
	(void)n;
	const unsigned char *p = (const unsigned char *)a[0].u.s->s;
	struct buf b = { 0 };
	buf_add(&b, "", 0);
	bool gap = true;
	for (size_t i = 0; i < a[0].u.s->len; i++) {
		if (byte_space(p[i])) {
			gap = true;
		} else if (gap) {
			/* WriteRune(rune(byte)): a byte above 0x7f becomes that Latin-1 letter */
			if (p[i] < 0x80) {
				buf_addc(&b, (char)p[i]);
			} else {
				char t[2] = { (char)(0xc0 | p[i] >> 6), (char)(0x80 | (p[i] & 0x3f)) };
				buf_add(&b, t, 2);
			}
			gap = false;
		}
	}
	return str_out(x, out, &b);
}

/* goutils.WrapCustom */
static int wrap_custom(struct exec *x, struct hv *out, const char *s, size_t len, int64_t wl, const char *nl,
		       size_t nll, bool long_words)
{
	struct buf b = { 0 };
	buf_add(&b, "", 0);
	if (!len)
		return str_out(x, out, &b);
	if (!nll)
		nl = "\n", nll = 1;
	if (wl < 1)
		wl = 1;
	size_t w = (size_t)wl, off = 0;
	while (len - off > w) {
		if (s[off] == ' ') {
			off++;
			continue;
		}
		size_t end = w + off + 1;
		const char *sp = NULL;
		for (size_t i = end; i-- > off;)
			if (s[i] == ' ') {
				sp = s + i;
				break;
			}
		if (sp) {
			size_t at = (size_t)(sp - s);
			buf_add(&b, s + off, at - off);
			buf_add(&b, nl, nll);
			off = at + 1;
		} else if (long_words) {
			buf_add(&b, s + off, w);
			buf_add(&b, nl, nll);
			off += w;
		} else {
			end = w + off;
			const char *nx = memchr(s + end, ' ', len - end);
			if (!nx) {
				buf_add(&b, s + off, len - off);
				off = len;
			} else {
				size_t at = (size_t)(nx - s);
				buf_add(&b, s + off, at - off);
				buf_add(&b, nl, nll);
				off = at + 1;
			}
		}
	}
	buf_add(&b, s + off, len - off);
	return str_out(x, out, &b);
}

FN(fn_wrap)
{
	(void)n;
	return wrap_custom(x, out, a[1].u.s->s, a[1].u.s->len, a[0].u.i, "", 0, false);
}

FN(fn_wrapwith)
{
	(void)n;
	return wrap_custom(x, out, a[2].u.s->s, a[2].u.s->len, a[0].u.i, a[1].u.s->s, a[1].u.s->len, true);
}

/* goutils.AbbreviateFull; its errors give "" */
static void abbreviate(struct buf *b, const char *s, size_t len, int64_t off, int64_t max)
{
	int64_t n = (int64_t)len;
	if (!len || max < 4)
		return;
	if (n <= max) {
		buf_add(b, s, len);
		return;
	}
	if (off > n)
		off = n;
	if (n - off < max - 3)
		off = n - (max - 3);
	if (off <= 4) {
		buf_add(b, s, (size_t)(max - 3));
		buf_adds(b, "...");
		return;
	}
	if (max < 7)
		return;
	buf_adds(b, "...");
	if (off + max - 3 < n)
		abbreviate(b, s + off, (size_t)(n - off), 0, max - 3);
	else
		buf_add(b, s + n - (max - 3), (size_t)(max - 3));
}

FN(fn_abbrev)
{
	(void)n;
	if (a[0].u.i < 4)
		return ret(x, out, hv_ref(a[1]));
	struct buf b = { 0 };
	buf_add(&b, "", 0);
	abbreviate(&b, a[1].u.s->s, a[1].u.s->len, 0, a[0].u.i);
	return str_out(x, out, &b);
}

FN(fn_abbrevboth)
{
	(void)n;
	int64_t left = a[0].u.i, right = a[1].u.i;
	if (right < 4 || (left > 0 && right < 7))
		return ret(x, out, hv_ref(a[2]));
	struct buf b = { 0 };
	buf_add(&b, "", 0);
	abbreviate(&b, a[2].u.s->s, a[2].u.s->len, left, right);
	return str_out(x, out, &b);
}

/* ---- base64, base32 ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64_encode(struct buf *b, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
		buf_addc(b, b64[v >> 18 & 63]);
		buf_addc(b, b64[v >> 12 & 63]);
		buf_addc(b, i + 1 < n ? b64[v >> 6 & 63] : '=');
		buf_addc(b, i + 2 < n ? b64[v & 63] : '=');
	}
}

FN(fn_b64enc)
{
	(void)n;
	struct buf b = { 0 };
	base64_encode(&b, (const unsigned char *)a[0].u.s->s, a[0].u.s->len);
	if (!b.p)
		buf_add(&b, "", 0);
	return str_out(x, out, &b);
}

/* Go's base64.StdEncoding.DecodeString: \r and \n skipped, padding required. -1 with the bad offset. */
long base64_decode(struct buf *b, const char *s, size_t n)
{
	unsigned acc = 0;
	int bits = 0, pad = 0;
	size_t chars = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			pad++;
			chars++;
			continue;
		}
		const char *p = strchr(b64, c);
		if (!p || !c || pad)
			return (long)i;
		acc = acc << 6 | (unsigned)(p - b64);
		bits += 6;
		chars++;
		if (bits >= 8) {
			bits -= 8;
			buf_addc(b, (char)(acc >> bits & 0xff));
		}
	}
	if (chars % 4 || pad > 2)
		return (long)n;
	return -1;
}

FN(fn_b64dec)
{
	(void)n;
	struct buf b = { 0 };
	long bad = base64_decode(&b, a[0].u.s->s, a[0].u.s->len);
	if (bad >= 0) {
		buf_free(&b);
		exec_unsupported(x, "b64dec of invalid base64 (Go words the offset)");
		return -2;
	}
	if (!b.p)
		buf_add(&b, "", 0);
	return str_out(x, out, &b);
}

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

FN(fn_b32enc)
{
	(void)n;
	struct buf b = { 0 };
	const unsigned char *s = (const unsigned char *)a[0].u.s->s;
	size_t len = a[0].u.s->len;
	for (size_t i = 0; i < len; i += 5) {
		unsigned char blk[5] = { 0 };
		size_t k = len - i < 5 ? len - i : 5;
		memcpy(blk, s + i, k);
		uint64_t v = 0;
		for (int j = 0; j < 5; j++)
			v = v << 8 | blk[j];
		static const int outc[] = { 0, 2, 4, 5, 7, 8 };
		int nout = outc[k];
		for (int j = 0; j < 8; j++)
			buf_addc(&b, j < nout ? b32[(v >> (35 - 5 * j)) & 31] : '=');
	}
	if (!b.p)
		buf_add(&b, "", 0);
	return str_out(x, out, &b);
}

FN(fn_b32dec)
{
	(void)a, (void)n, (void)out;
	exec_unsupported(x, "b32dec");
	return -2;
}

/* ---- path ---- */

/* path.Clean */
static void path_clean(struct buf *b, const char *p, size_t n)
{
	if (n == 0) {
		buf_addc(b, '.');
		return;
	}
	bool rooted = p[0] == '/';
	size_t start = b->n;
	if (rooted)
		buf_addc(b, '/');
	size_t dotdot = b->n;
	for (size_t r = rooted ? 1 : 0; r < n;) {
		if (p[r] == '/') {
			r++;
		} else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
			r++;
		} else if (p[r] == '.' && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
			r += 2;
			if (b->n > dotdot) {
				size_t w = b->n - 1;
				while (w > dotdot && b->p[w] != '/')
					w--;
				b->n = w;
				b->p[b->n] = '\0';
			} else if (!rooted) {
				if (b->n > start)
					buf_addc(b, '/');
				buf_adds(b, "..");
				dotdot = b->n;
			}
		} else {
			if ((rooted && b->n != start + 1) || (!rooted && b->n != start))
				buf_addc(b, '/');
			for (; r < n && p[r] != '/'; r++)
				buf_addc(b, p[r]);
		}
	}
	if (b->n == start)
		buf_addc(b, '.');
}

FN(fn_clean)
{
	(void)n;
	struct buf b = { 0 };
	path_clean(&b, a[0].u.s->s, a[0].u.s->len);
	return str_out(x, out, &b);
}

FN(fn_base)
{
	(void)n;
	const char *s = a[0].u.s->s;
	size_t len = a[0].u.s->len;
	if (len == 0)
		return ret(x, out, hv_str("."));
	while (len > 0 && s[len - 1] == '/')
		len--;
	size_t st = len;
	while (st > 0 && s[st - 1] != '/')
		st--;
	if (len == 0)
		return ret(x, out, hv_str("/"));
	return ret(x, out, hv_strn(s + st, len - st));
}

FN(fn_dir)
{
	(void)n;
	const char *s = a[0].u.s->s;
	size_t len = a[0].u.s->len, st = len;
	while (st > 0 && s[st - 1] != '/')
		st--;
	struct buf b = { 0 };
	path_clean(&b, s, st);
	return str_out(x, out, &b);
}

FN(fn_ext)
{
	(void)n;
	const char *s = a[0].u.s->s;
	for (size_t i = a[0].u.s->len; i-- > 0 && s[i] != '/';)
		if (s[i] == '.')
			return ret(x, out, hv_strn(s + i, a[0].u.s->len - i));
	return ret(x, out, hv_str(""));
}

FN(fn_isabs)
{
	(void)n, (void)x;
	*out = hv_bool(a[0].u.s->len && a[0].u.s->s[0] == '/');
	return 0;
}
