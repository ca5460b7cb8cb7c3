/* funcs_regex: Go's regexp (RE2 syntax, leftmost-first) as sprig exposes it, on PCRE2, which
 * reads RE2's syntax; what RE2 would refuse and PCRE2 accepts (lookaround, backreferences) is left
 * to helm. Also Go's rules for empty matches in FindAll, ReplaceAll and Split, and $-expansion. */
#define _GNU_SOURCE
#define PCRE2_CODE_UNIT_WIDTH 8
#include "funcs.h"
#include "regex.h"

#include <pcre2.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>

struct re {
	pcre2_code *code;
	pcre2_match_data *md;
	uint32_t ncap; /* capture groups + 1 */
	char *pattern;
	size_t plen;
};

/* Constructs RE2 refuses that PCRE2 would take: Go would fail, so helm decides. */
static bool re2_refuses(const char *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (p[i] == '\\') {
			char c = p[i + 1];
			if ((c >= '1' && c <= '9') || c == 'Z' || c == 'G' || c == 'K' || c == 'R' || c == 'X' || c == 'g' ||
			    c == 'k' || c == 'h' || c == 'H' || c == 'V' || c == 'N' || c == 'v')
				return true;
			i++;
			continue;
		}
		if (p[i] == '(' && p[i + 1] == '?' && i + 2 < n) {
			char c = p[i + 2];
			bool named = c == '<' && i + 3 < n && p[i + 3] != '=' && p[i + 3] != '!';
			if (!named && (c == '=' || c == '!' || c == '>' || c == '<' || c == '|' || c == 'R' || c == '#' ||
				       (c >= '0' && c <= '9') || c == '&' || c == '(' || c == 'C' || c == '\'' || c == '+'))
				return true;
		}
		if ((p[i] == '*' || p[i] == '+' || p[i] == '?' || p[i] == '}') && p[i + 1] == '+')
			return true;
	}
	return false;
}

/* The length of a class escape or POSIX class at p (\w, \pL, \p{Greek}, [:alpha:]), 0 if none. */
static size_t class_item(const char *p, size_t n)
{
	if (n >= 2 && p[0] == '\\' && strchr("wWdDsS", p[1]))
		return 2;
	if (n >= 3 && p[0] == '\\' && (p[1] == 'p' || p[1] == 'P')) {
		if (p[2] != '{')
			return 3;
		const char *e = memchr(p, '}', n);
		return e ? (size_t)(e - p) + 1 : 0;
	}
	if (n >= 2 && p[0] == '[' && p[1] == ':') {
		for (size_t i = 2; i + 1 < n; i++)
			if (p[i] == ':' && p[i + 1] == ']')
				return i + 2;
	}
	return 0;
}

/* RE2 (Perl flags) reads a '-' next to a class escape or after a range as a literal: [\w-.],
 * [a-c-e]; PCRE2 refuses those, so they are escaped for it. NULL: no change needed. */
static char *pcre2_form(const char *p, size_t n, size_t *out_len)
{
	struct buf b = { 0 };
	bool changed = false, in_class = false;
	int last = 0; /* in a class: 0 nothing yet, 1 a char, 2 a range's end or a class item */
	for (size_t i = 0; i < n;) {
		if (!in_class) {
			if (p[i] == '\\' && i + 1 < n) {
				if (p[i + 1] == 'Q')
					goto unchanged;
				buf_add(&b, p + i, 2);
				i += 2;
				continue;
			}
			if (p[i] == '[') {
				in_class = true;
				last = 0;
				buf_addc(&b, '[');
				i++;
				if (i < n && p[i] == '^')
					buf_addc(&b, p[i++]);
				if (i < n && p[i] == ']') { /* a leading ] is a literal */
					buf_addc(&b, p[i++]);
					last = 1;
				}
				continue;
			}
			buf_addc(&b, p[i++]);
			continue;
		}
		if (p[i] == ']') {
			in_class = false;
			buf_addc(&b, p[i++]);
			continue;
		}
		size_t k = class_item(p + i, n - i);
		if (k) {
			buf_add(&b, p + i, k);
			i += k;
			last = 2;
			continue;
		}
		if (p[i] == '-' && last && i + 1 < n && p[i + 1] != ']') {
			if (last == 2 || class_item(p + i + 1, n - i - 1)) {
				buf_adds(&b, "\\-");
				changed = true;
				i++;
				last = 1;
				continue;
			}
			/* a range: '-' and its end */
			buf_addc(&b, p[i++]);
			size_t e = p[i] == '\\' && i + 1 < n ? 2 : 1;
			buf_add(&b, p + i, e);
			i += e;
			last = 2;
			continue;
		}
		if (p[i] == '\\' && i + 1 < n) {
			if (p[i + 1] == 'Q')
				goto unchanged;
			buf_add(&b, p + i, 2);
			i += 2;
		} else {
			buf_addc(&b, p[i++]);
		}
		last = 1;
	}
	if (!changed || b.oom)
		goto unchanged;
	return buf_take(&b, out_len);
unchanged:
	buf_free(&b);
	return NULL;
}

struct re *re_compile(const char *pat, size_t len)
{
	if (re2_refuses(pat, len))
		return NULL;
	int err;
	PCRE2_SIZE off;
	struct re *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	size_t flen = 0;
	char *form = pcre2_form(pat, len, &flen);
	r->code = pcre2_compile((PCRE2_SPTR)(form ? form : pat), form ? flen : len, PCRE2_UTF | PCRE2_DOLLAR_ENDONLY,
				&err, &off, NULL);
	free(form);
	if (!r->code || !(r->md = pcre2_match_data_create_from_pattern(r->code, NULL))) {
		re_free(r);
		return NULL;
	}
	pcre2_pattern_info(r->code, PCRE2_INFO_CAPTURECOUNT, &r->ncap);
	r->ncap++;
	return r;
}

void re_free(struct re *r)
{
	if (!r)
		return;
	pcre2_match_data_free(r->md);
	pcre2_code_free(r->code);
	free(r);
}

size_t re_ngroups(const struct re *r)
{
	return r->ncap;
}

/* Match at or after start; 1 with ov[2*ncap] (unset groups: (size_t)-1), 0 none, -1 error. */
int re_exec(struct re *r, const char *s, size_t n, size_t start, size_t *ov)
{
	int rc = pcre2_match(r->code, (PCRE2_SPTR)s, n, start, 0, r->md, NULL);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0)
		return -1;
	PCRE2_SIZE *v = pcre2_get_ovector_pointer(r->md);
	for (uint32_t i = 0; i < r->ncap; i++) {
		bool set = i < (uint32_t)rc && v[2 * i] != PCRE2_UNSET;
		ov[2 * i] = set ? v[2 * i] : (size_t)-1;
		ov[2 * i + 1] = set ? v[2 * i + 1] : (size_t)-1;
	}
	return 1;
}

/* the group number of a name, or -1 */
static long group_number(struct re *r, const char *name, size_t len)
{
	char tmp[256];
	if (len >= sizeof(tmp))
		return -1;
	memcpy(tmp, name, len);
	tmp[len] = '\0';
	int k = pcre2_substring_number_from_name(r->code, (PCRE2_SPTR)tmp);
	return k < 0 ? -1 : k;
}

static size_t rune_width(const char *s, size_t n, size_t at)
{
	if (at >= n)
		return 0;
	unsigned char c = (unsigned char)s[at];
	size_t k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	return at + k > n ? 1 : k;
}

static int compile_or_defer(struct exec *x, struct hv pat, struct re **r)
{
	*r = re_compile(pat.u.s->s, pat.u.s->len);
	if (!*r) {
		exec_unsupported(x, "a regular expression PCRE2 and RE2 may read differently: %s", pat.u.s->s);
		return -2;
	}
	return 0;
}

/* Every match, as Go's allMatches delivers them (n < 0: all). ov for each is appended to *all. */
static int all_matches(struct exec *x, struct re *r, const char *s, size_t len, int64_t n, size_t **all,
		       size_t *count)
{
	size_t ng = re_ngroups(r), *ov = malloc(2 * ng * sizeof(*ov));
	size_t cap = 0;
	*all = NULL;
	*count = 0;
	if (!ov)
		return oom(x);
	if (n < 0)
		n = (int64_t)len + 1;
	size_t pos = 0, prev_end = (size_t)-1;
	for (int64_t i = 0; i < n && pos <= len;) {
		int m = re_exec(r, s, len, pos, ov);
		if (m < 0) {
			free(ov);
			exec_unsupported(x, "a regular expression match PCRE2 refuses (invalid UTF-8?)");
			return -2;
		}
		if (m == 0)
			break;
		bool accept = true;
		if (ov[1] == pos) {
			if (ov[0] == prev_end)
				accept = false;
			size_t w = rune_width(s, len, pos);
			pos += w ? w : 1;
		} else {
			pos = ov[1];
		}
		prev_end = ov[1];
		if (!accept)
			continue;
		if (*count == cap) {
			cap = cap ? cap * 2 : 8;
			size_t *na = realloc(*all, cap * 2 * ng * sizeof(*na));
			if (!na) {
				free(ov);
				return oom(x);
			}
			*all = na;
		}
		memcpy(*all + *count * 2 * ng, ov, 2 * ng * sizeof(*ov));
		(*count)++;
		i++;
	}
	free(ov);
	return 0;
}

FN(fn_regexmatch)
{
	(void)n;
	struct re *r;
	if (compile_or_defer(x, a[0], &r) < 0)
		return -2;
	size_t ov[2 * 64];
	int m = re_ngroups(r) <= 64 ? re_exec(r, a[1].u.s->s, a[1].u.s->len, 0, ov) : -1;
	re_free(r);
	if (m < 0) {
		exec_unsupported(x, "a regular expression match PCRE2 refuses");
		return -2;
	}
	*out = hv_bool(m == 1);
	return 0;
}

FN(fn_mustregexmatch)
{
	return fn_regexmatch(x, a, n, out);
}

FN(fn_regexfind)
{
	(void)n;
	struct re *r;
	if (compile_or_defer(x, a[0], &r) < 0)
		return -2;
	size_t *all, count;
	int rr = all_matches(x, r, a[1].u.s->s, a[1].u.s->len, 1, &all, &count);
	re_free(r);
	if (rr < 0)
		return rr;
	struct hv v = count ? hv_strn(a[1].u.s->s + all[0], all[1] - all[0]) : hv_str("");
	free(all);
	return ret(x, out, v);
}

FN(fn_regexfindall)
{
	(void)n;
	struct re *r;
	if (compile_or_defer(x, a[0], &r) < 0)
		return -2;
	size_t *all, count, ng = re_ngroups(r);
	int rr = all_matches(x, r, a[1].u.s->s, a[1].u.s->len, a[2].u.i, &all, &count);
	re_free(r);
	if (rr < 0)
		return rr;
	struct hv l = hv_list();
	if (l.k != HV_LIST) {
		free(all);
		return oom(x);
	}
	l.go = GO_STRINGS;
	if (!count)
		l.u.l->is_nil = true;
	for (size_t i = 0; i < count; i++) {
		size_t *ov = all + i * 2 * ng;
		if (hlist_push(l.u.l, hv_strn(a[1].u.s->s + ov[0], ov[1] - ov[0])) < 0) {
			free(all);
			hv_unref(l);
			return oom(x);
		}
	}
	free(all);
	*out = l;
	return 0;
}

/* Go's Regexp.expand: $1, ${1}, $name, ${name}, $$ */
static void expand(struct buf *b, struct re *r, const char *tpl, size_t tn, const char *s, const size_t *ov)
{
	size_t ng = re_ngroups(r);
	for (size_t i = 0; i < tn;) {
		const char *d = memchr(tpl + i, '$', tn - i);
		if (!d) {
			buf_add(b, tpl + i, tn - i);
			return;
		}
		buf_add(b, tpl + i, (size_t)(d - tpl) - i);
		i = (size_t)(d - tpl) + 1;
		if (i < tn && tpl[i] == '$') {
			buf_addc(b, '$');
			i++;
			continue;
		}
		bool brace = i < tn && tpl[i] == '{';
		size_t st = i + (brace ? 1 : 0), e = st;
		while (e < tn && ((tpl[e] >= 'a' && tpl[e] <= 'z') || (tpl[e] >= 'A' && tpl[e] <= 'Z') ||
				  (tpl[e] >= '0' && tpl[e] <= '9') || tpl[e] == '_' || (unsigned char)tpl[e] >= 0x80))
			e++;
		if (e == st || (brace && (e >= tn || tpl[e] != '}'))) {
			buf_addc(b, '$');
			continue;
		}
		const char *name = tpl + st;
		size_t nl = e - st;
		i = e + (brace ? 1 : 0);
		long num = 0;
		for (size_t k = 0; k < nl; k++) {
			if (name[k] < '0' || name[k] > '9' || num >= 100000000) {
				num = -1;
				break;
			}
			num = num * 10 + (name[k] - '0');
		}
		if (name[0] == '0' && nl > 1)
			num = -1;
		if (num < 0)
			num = group_number(r, name, nl);
		if (num >= 0 && (size_t)num < ng && ov[2 * num] != (size_t)-1)
			buf_add(b, s + ov[2 * num], ov[2 * num + 1] - ov[2 * num]);
	}
}

static int replace_all(struct exec *x, struct hv *a, struct hv *out, bool literal)
{
	struct re *r;
	if (compile_or_defer(x, a[0], &r) < 0)
		return -2;
	const char *s = a[1].u.s->s;
	size_t len = a[1].u.s->len, ng = re_ngroups(r), last = 0, pos = 0;
	size_t *ov = malloc(2 * ng * sizeof(*ov));
	struct buf b = { 0 };
	if (!ov) {
		re_free(r);
		return oom(x);
	}
	while (pos <= len) {
		int m = re_exec(r, s, len, pos, ov);
		if (m < 0) {
			free(ov);
			re_free(r);
			buf_free(&b);
			exec_unsupported(x, "a regular expression match PCRE2 refuses");
			return -2;
		}
		if (m == 0)
			break;
		buf_add(&b, s + last, ov[0] - last);
		if (ov[1] > last || ov[0] == 0) {
			if (literal)
				buf_add(&b, a[2].u.s->s, a[2].u.s->len);
			else
				expand(&b, r, a[2].u.s->s, a[2].u.s->len, s, ov);
		}
		last = ov[1];
		size_t w = rune_width(s, len, pos);
		if (pos + w > ov[1])
			pos += w;
		else if (pos + 1 > ov[1])
			pos++;
		else
			pos = ov[1];
	}
	buf_add(&b, s + last, len - last);
	free(ov);
	re_free(r);
	size_t bl;
	char *p = buf_take(&b, &bl);
	if (!p)
		return oom(x);
	struct hv v = hv_strn(p, bl);
	free(p);
	return ret(x, out, v);
}

FN(fn_regexreplaceall) { (void)n; return replace_all(x, a, out, false); }
FN(fn_regexreplaceallliteral) { (void)n; return replace_all(x, a, out, true); }

FN(fn_regexsplit)
{
	(void)n;
	struct hv l = hv_list();
	if (l.k != HV_LIST)
		return oom(x);
	l.go = GO_STRINGS;
	int64_t max = a[2].u.i;
	const char *s = a[1].u.s->s;
	size_t len = a[1].u.s->len;
	if (max == 0) {
		l.u.l->is_nil = true;
		*out = l;
		return 0;
	}
	if (a[0].u.s->len > 0 && len == 0) {
		if (hlist_push(l.u.l, hv_str("")) < 0)
			return hv_unref(l), oom(x);
		*out = l;
		return 0;
	}
	struct re *r;
	if (compile_or_defer(x, a[0], &r) < 0)
		return hv_unref(l), -2;
	size_t *all, count, ng = re_ngroups(r);
	int rr = all_matches(x, r, s, len, max, &all, &count);
	re_free(r);
	if (rr < 0)
		return hv_unref(l), rr;
	size_t beg = 0, end = 0;
	for (size_t i = 0; i < count; i++) {
		size_t *ov = all + i * 2 * ng;
		if (max > 0 && (int64_t)l.u.l->n == max - 1)
			break;
		end = ov[0];
		if (ov[1] != 0 && hlist_push(l.u.l, hv_strn(s + beg, end - beg)) < 0)
			goto fail;
		beg = ov[1];
	}
	if (end != len && hlist_push(l.u.l, hv_strn(s + beg, len - beg)) < 0)
		goto fail;
	free(all);
	*out = l;
	return 0;
fail:
	free(all);
	hv_unref(l);
	return oom(x);
}

FN(fn_regexquotemeta)
{
	(void)n;
	struct buf b = { 0 };
	for (size_t i = 0; i < a[0].u.s->len; i++) {
		char c = a[0].u.s->s[i];
		if (strchr("\\.+*?()|[]{}^$", c) && c)
			buf_addc(&b, '\\');
		buf_addc(&b, c);
	}
	struct hv v = hv_strn(b.p ? b.p : "", b.n);
	buf_free(&b);
	return ret(x, out, v);
}

/* ---- urlParse, urlJoin: Go's net/url Parse and URL.String, for the URLs that need no decoding ----
 *
 * Only URLs of printable ASCII without '%', '[' (IPv6 hosts), spaces or quotes are parsed here: for
 * them every unescape is the identity and every check Go makes is one of the few below. Anything
 * else, and any URL Go refuses (sprig panics with Go's own words), is left to helm. */

static bool url_plain(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c >= 0x7f || strchr("%[]\"<>\\^`{|}", c))
			return false;
	}
	return true;
}

/* net/url shouldEscape, for the modes urlJoin writes with */
enum url_mode { URL_PATH, URL_HOST, URL_USER, URL_FRAGMENT };
static bool url_should_escape(unsigned char c, enum url_mode m)
{
	if (isalnum(c))
		return false;
	if (m == URL_HOST && strchr("!$&'()*+,;=:[]<>\"", c) && c)
		return false;
	if (c && strchr("-_.~", c))
		return false;
	if (c && strchr("$&+,/:;=?@", c)) {
		switch (m) {
		case URL_PATH:
			return c == '?';
		case URL_USER:
			return c == '@' || c == '/' || c == '?' || c == ':';
		case URL_FRAGMENT:
			return false;
		case URL_HOST:
			break;
		}
	}
	if (m == URL_FRAGMENT && c && strchr("!()*", c))
		return false;
	return true;
}

static void url_escape(struct buf *b, const char *s, size_t n, enum url_mode m)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!url_should_escape(c, m)) {
			buf_addc(b, (char)c);
		} else {
			buf_addc(b, '%');
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		}
	}
}

struct url {
	const char *scheme, *opaque, *user, *host, *path, *query, *frag;
	size_t scheme_n, opaque_n, user_n, host_n, path_n, query_n, frag_n;
	bool has_user, omit_host, force_query;
};

/* ":" then digits only, or nothing (validOptionalPort) */
static bool url_port_ok(const char *p, size_t n)
{
	if (!n)
		return true;
	if (p[0] != ':')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isdigit((unsigned char)p[i]))
			return false;
	return true;
}

/* url.Parse of a plain URL: 1 parsed, 0 Go would refuse it, -1 not plain (not known here) */
static int url_parse(const char *s, size_t n, struct url *u)
{
	memset(u, 0, sizeof(*u));
	if (!url_plain(s, n))
		return -1;
	const char *hash = memchr(s, '#', n);
	if (hash) {
		u->frag = hash + 1;
		u->frag_n = (size_t)(s + n - hash - 1);
		n = (size_t)(hash - s);
	}
	if (n == 1 && s[0] == '*') {
		u->path = s;
		u->path_n = 1;
		return 1;
	}
	/* getScheme */
	size_t i = 0;
	for (; i < n; i++) {
		char c = s[i];
		if (isalpha((unsigned char)c))
			continue;
		if (isdigit((unsigned char)c) || c == '+' || c == '-' || c == '.') {
			if (i == 0)
				break;
			continue;
		}
		if (c == ':') {
			if (i == 0)
				return 0; /* missing protocol scheme */
			u->scheme = s;
			u->scheme_n = i;
			s += i + 1;
			n -= i + 1;
		}
		break;
	}
	const char *q = memchr(s, '?', n);
	if (q) {
		u->query = q + 1;
		u->query_n = (size_t)(s + n - q - 1);
		u->force_query = u->query_n == 0 && !memchr(q + 1, '?', u->query_n);
		n = (size_t)(q - s);
	}
	if (n == 0 || s[0] != '/') {
		if (u->scheme_n) {
			u->opaque = s;
			u->opaque_n = n;
			return 1;
		}
		const char *slash = memchr(s, '/', n);
		if (memchr(s, ':', slash ? (size_t)(slash - s) : n))
			return 0; /* first path segment in URL cannot contain colon */
	}
	if (n >= 2 && s[0] == '/' && s[1] == '/' && (u->scheme_n || n < 3 || s[2] != '/')) {
		const char *auth = s + 2, *end = s + n;
		const char *slash = memchr(auth, '/', (size_t)(end - auth));
		const char *aend = slash ? slash : end;
		const char *at = NULL;
		for (const char *p = auth; p < aend; p++)
			if (*p == '@')
				at = p;
		const char *host = at ? at + 1 : auth;
		const char *colon = NULL;
		for (const char *p = host; p < aend; p++)
			if (*p == ':')
				colon = p;
		if (colon && !url_port_ok(colon, (size_t)(aend - colon)))
			return 0; /* invalid port */
		for (const char *p = host; p < aend; p++)
			if (url_should_escape((unsigned char)*p, URL_HOST))
				return 0; /* invalid character in host name */
		if (at) {
			/* validUserinfo: unreserved, sub-delims, ':' and '@' */
			for (const char *p = auth; p < at; p++)
				if (!isalnum((unsigned char)*p) && !strchr("-._:~!$&'()*+,;=@", *p))
					return 0;
			u->has_user = true;
			u->user = auth;
			u->user_n = (size_t)(at - auth);
		}
		u->host = host;
		u->host_n = (size_t)(aend - host);
		s = aend;
		n = (size_t)(end - aend);
	} else if (u->scheme_n && n && s[0] == '/') {
		u->omit_host = true;
	}
	u->path = s;
	u->path_n = n;
	return 1;
}

int go_url_check(const char *s, size_t n, bool *has_scheme)
{
	struct url u;
	int r = url_parse(s, n, &u);
	*has_scheme = r > 0 && u.scheme_n > 0;
	return r;
}

static int hexval(char c)
{
	return isdigit((unsigned char)c) ? c - '0' : isxdigit((unsigned char)c) ? (tolower((unsigned char)c) - 'a' + 10) : -1;
}

/* unescape(s, encodeUserPassword) then escape again: false on a bad "%" escape (Go's error) */
static bool url_user_part(struct buf *b, const char *s, size_t n)
{
	struct buf d = { 0 };
	bool ok = true;
	for (size_t i = 0; ok && i < n; i++) {
		if (s[i] != '%') {
			buf_addc(&d, s[i]);
		} else if (i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			buf_addc(&d, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
			i += 2;
		} else {
			ok = false;
		}
	}
	if (ok)
		url_escape(b, d.p ? d.p : "", d.n, URL_USER);
	buf_free(&d);
	return ok;
}

/* Userinfo.String() of a raw userinfo as url.Parse reads it: the user name and the password
 * (after the first ":"), each unescaped then escaped; false when Go refuses an escape */
static bool url_user_string(struct buf *b, const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	if (!url_user_part(b, s, colon ? (size_t)(colon - s) : n))
		return false;
	if (colon) {
		buf_addc(b, ':');
		return url_user_part(b, colon + 1, (size_t)(s + n - colon - 1));
	}
	return true;
}

FN(fn_urlparse)
{
	(void)n;
	struct url u;
	if (url_parse(hv_s(a[0]), hv_len_s(a[0]), &u) <= 0)
		return exec_unsupported(x, "urlParse of a URL that needs Go's url parser (escapes, IPv6, or one it refuses)"), -2;
	struct hv m = hv_map();
	if (m.k != HV_MAP)
		return oom(x);
	/* Hostname(): the host without a valid port */
	size_t hn = u.host_n;
	for (size_t i = u.host_n; i-- > 0;)
		if (u.host[i] == ':') {
			if (url_port_ok(u.host + i, u.host_n - i))
				hn = i;
			break;
		}
	struct buf user = { 0 };
	if (u.has_user)
		url_user_string(&user, u.user, u.user_n); /* (no "%" in a plain URL) */
	struct { const char *k, *v; size_t n; } f[] = {
		{ "scheme", u.scheme, u.scheme_n }, { "host", u.host, u.host_n }, { "hostname", u.host, hn },
		{ "path", u.path, u.path_n },       { "query", u.query, u.query_n }, { "opaque", u.opaque, u.opaque_n },
		{ "fragment", u.frag, u.frag_n },   { "userinfo", user.p, user.n },
	};
	int r = 0;
	for (size_t i = 0; r == 0 && i < sizeof(f) / sizeof(*f); i++) {
		struct hv v = hv_strn(f[i].v ? f[i].v : "", f[i].n);
		if (v.k != HV_STRING)
			r = -1;
		else if (!strcmp(f[i].k, "scheme"))
			for (size_t k = 0; k < v.u.s->len; k++)
				v.u.s->s[k] = (char)tolower((unsigned char)v.u.s->s[k]);
		if (r == 0 && hmap_set(m.u.m, f[i].k, strlen(f[i].k), v) < 0)
			r = -1;
	}
	buf_free(&user);
	if (r < 0 || user.oom) {
		hv_unref(m);
		return oom(x);
	}
	*out = m;
	return 0;
}

/* sprig's dictGetOrEmpty: "" when absent; a string; anything else panics (left to helm) */
static int url_field(struct exec *x, struct hv d, const char *key, const char **s, size_t *n)
{
	struct hv *v = hmap_find(d.u.m, key, strlen(key));
	*s = "";
	*n = 0;
	if (!v)
		return 0;
	if (v->k != HV_STRING)
		return exec_unsupported(x, "urlJoin of a %s that is not a string", key), -2;
	*s = v->u.s->s;
	*n = v->u.s->len;
	return 0;
}

FN(fn_urljoin)
{
	(void)n;
	struct url u = { 0 };
	const char *user;
	size_t user_n;
	if (url_field(x, a[0], "scheme", &u.scheme, &u.scheme_n) < 0 || url_field(x, a[0], "host", &u.host, &u.host_n) < 0 ||
	    url_field(x, a[0], "path", &u.path, &u.path_n) < 0 || url_field(x, a[0], "query", &u.query, &u.query_n) < 0 ||
	    url_field(x, a[0], "opaque", &u.opaque, &u.opaque_n) < 0 ||
	    url_field(x, a[0], "fragment", &u.frag, &u.frag_n) < 0 || url_field(x, a[0], "userinfo", &user, &user_n) < 0)
		return -2;
	/* the userinfo goes through url.Parse("proto://USERINFO@host"), which takes the last "@" as
	 * its end (every "@" is in it) and accepts only these bytes in it (validUserinfo); anything
	 * that would end it early ("/", "?", "#") or that Go refuses: left to helm */
	for (size_t i = 0; i < user_n; i++)
		if (!isalnum((unsigned char)user[i]) && !strchr("-._:~!$&'()*+,;=@%", user[i]))
			return exec_unsupported(x, "urlJoin of a userinfo that needs Go's url parser"), -2;
	struct buf b = { 0 };
	if (u.scheme_n) {
		buf_add(&b, u.scheme, u.scheme_n);
		buf_addc(&b, ':');
	}
	if (u.opaque_n) {
		buf_add(&b, u.opaque, u.opaque_n);
	} else {
		if (u.scheme_n || u.host_n || user_n) {
			if (u.host_n || u.path_n || user_n)
				buf_adds(&b, "//");
			if (user_n && !url_user_string(&b, user, user_n)) {
				buf_free(&b);
				return exec_unsupported(x, "urlJoin of a userinfo with an escape Go refuses"), -2;
			}
			if (user_n)
				buf_addc(&b, '@');
			url_escape(&b, u.host, u.host_n, URL_HOST);
		}
		struct buf path = { 0 };
		if (u.path_n == 1 && u.path[0] == '*')
			buf_addc(&path, '*');
		else
			url_escape(&path, u.path, u.path_n, URL_PATH);
		const char *p = path.p ? path.p : "";
		if (path.n && p[0] != '/' && u.host_n)
			buf_addc(&b, '/');
		if (b.n == 0) {
			const char *slash = memchr(p, '/', path.n);
			if (memchr(p, ':', slash ? (size_t)(slash - p) : path.n))
				buf_adds(&b, "./");
		}
		buf_add(&b, p, path.n);
		if (path.oom)
			b.oom = true;
		buf_free(&path);
	}
	if (u.query_n) {
		buf_addc(&b, '?');
		buf_add(&b, u.query, u.query_n);
	}
	if (u.frag_n) {
		buf_addc(&b, '#');
		url_escape(&b, u.frag, u.frag_n, URL_FRAGMENT);
	}
	if (b.oom) {
		buf_free(&b);
		return oom(x);
	}
	struct hv v = hv_strn(b.p ? b.p : "", b.n);
	buf_free(&b);
	return ret(x, out, v);
}
