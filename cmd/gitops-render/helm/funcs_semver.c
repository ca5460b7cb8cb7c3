/* funcs_semver: Masterminds/semver v3.3.0's versions and constraints (the ones sprig and helm's
 * kubeVersion and dependency checks use), parsed with the library's own regular expressions. */
#define _GNU_SOURCE
#include "funcs.h"
#include "regex.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct version {
	uint64_t major, minor, patch;
	char pre[128];
	char meta[128];
};

static bool all_in(const char *s, size_t n, const char *set)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr(set, s[i]) || !s[i])
			return false;
	return true;
}

#define IDCHARS "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-"

/* dot-separated identifiers of [0-9A-Za-z-]+ */
static bool ids_ok(const char *s, size_t n, bool check_zero)
{
	if (!n)
		return false;
	for (size_t i = 0; i <= n;) {
		const char *dot = memchr(s + i, '.', n - i);
		size_t e = dot ? (size_t)(dot - s) : n;
		if (e == i || !all_in(s + i, e - i, IDCHARS))
			return false;
		if (check_zero && all_in(s + i, e - i, "0123456789") && e - i > 1 && s[i] == '0')
			return false;
		if (!dot)
			break;
		i = e + 1;
	}
	return true;
}

static bool parse_uint(const char *s, size_t n, uint64_t *v)
{
	if (!n || !all_in(s, n, "0123456789"))
		return false;
	char tmp[32];
	if (n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	*v = strtoull(tmp, NULL, 10);
	return errno == 0;
}

/* NewVersion: v?MAJOR(.MINOR)?(.PATCH)?(-PRE)?(+META)? */
static int version_parse(const char *s, struct version *v)
{
	memset(v, 0, sizeof(*v));
	size_t n = strlen(s), i = 0;
	if (i < n && s[i] == 'v')
		i++;
	const char *plus = memchr(s + i, '+', n - i);
	size_t end = plus ? (size_t)(plus - s) : n;
	if (plus && (!ids_ok(plus + 1, n - end - 1, false) || n - end - 1 >= sizeof(v->meta)))
		return -1;
	if (plus) {
		memcpy(v->meta, plus + 1, n - end - 1);
		v->meta[n - end - 1] = '\0';
	}
	const char *dash = memchr(s + i, '-', end - i);
	size_t core = dash ? (size_t)(dash - s) : end;
	if (dash) {
		size_t pl = end - core - 1;
		if (!ids_ok(dash + 1, pl, true) || pl >= sizeof(v->pre))
			return -1;
		memcpy(v->pre, dash + 1, pl);
		v->pre[pl] = '\0';
	}
	uint64_t part[3] = { 0, 0, 0 };
	int k = 0;
	for (size_t st = i; st <= core && k < 3; k++) {
		const char *dot = memchr(s + st, '.', core - st);
		size_t e = dot ? (size_t)(dot - s) : core;
		if (!parse_uint(s + st, e - st, &part[k]))
			return -1;
		st = e + 1;
		if (!dot) {
			k++;
			break;
		}
		if (k == 2)
			return -1;
	}
	v->major = part[0];
	v->minor = part[1];
	v->patch = part[2];
	return 0;
}

static int cmp_u(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int pre_part_cmp(const char *s, size_t sn, const char *o, size_t on)
{
	if (sn == on && !memcmp(s, o, sn))
		return 0;
	if (!sn)
		return on ? -1 : 1;
	if (!on)
		return 1;
	uint64_t si, oi;
	bool sn_ok = parse_uint(s, sn, &si), on_ok = parse_uint(o, on, &oi);
	if (!sn_ok && !on_ok) {
		size_t m = sn < on ? sn : on;
		int c = memcmp(s, o, m);
		return c > 0 || (c == 0 && sn > on) ? 1 : -1;
	}
	if (!on_ok)
		return -1;
	if (!sn_ok)
		return 1;
	return si > oi ? 1 : -1;
}

static int pre_cmp(const char *a, const char *b)
{
	const char *p = a, *q = b;
	for (;;) {
		const char *pd = p ? strchr(p, '.') : NULL, *qd = q ? strchr(q, '.') : NULL;
		size_t pn = p ? (pd ? (size_t)(pd - p) : strlen(p)) : 0, qn = q ? (qd ? (size_t)(qd - q) : strlen(q)) : 0;
		if (!p && !q)
			return 0;
		int d = pre_part_cmp(p ? p : "", pn, q ? q : "", qn);
		if (d)
			return d;
		p = pd ? pd + 1 : NULL;
		q = qd ? qd + 1 : NULL;
	}
}

static int version_cmp(const struct version *a, const struct version *b)
{
	int d;
	if ((d = cmp_u(a->major, b->major)) || (d = cmp_u(a->minor, b->minor)) || (d = cmp_u(a->patch, b->patch)))
		return d;
	if (!*a->pre && !*b->pre)
		return 0;
	if (!*a->pre)
		return 1;
	if (!*b->pre)
		return -1;
	return pre_cmp(a->pre, b->pre);
}

/* ---- constraints ---- */

struct constraint {
	struct version con;
	char op[3];
	bool dirty, minor_dirty, patch_dirty;
};

#define CV "v?([0-9|x|X|\\*]+)(\\.[0-9|x|X|\\*]+)?(\\.[0-9|x|X|\\*]+)?(-([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?(\\+([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?"
#define OPS "=||!=|>|<|>=|=>|<=|=<|~|~>|\\^"

static struct re *re_range, *re_find, *re_valid, *re_one;

static int compile_all(void)
{
	if (re_one)
		return 0;
	static const char range[] = "\\s*(" CV ")\\s+-\\s+(" CV ")\\s*";
	static const char find[] = "(" OPS ")\\s*(" CV ")";
	static const char valid[] = "^(\\s*(" OPS ")\\s*(" CV ")\\s*)((?:\\s+|,\\s*)(" OPS ")\\s*(" CV ")\\s*)*$";
	static const char one[] = "^\\s*(" OPS ")\\s*(" CV ")\\s*$";
	re_range = re_compile(range, sizeof(range) - 1);
	re_find = re_compile(find, sizeof(find) - 1);
	re_valid = re_compile(valid, sizeof(valid) - 1);
	re_one = re_compile(one, sizeof(one) - 1);
	return re_range && re_find && re_valid && re_one ? 0 : -1;
}

static bool is_x(const char *s, size_t n)
{
	return n == 1 && (*s == 'x' || *s == 'X' || *s == '*');
}

/* The constraint from the groups of re_one's match on s (g[2i], g[2i+1]: group i's bounds, -1
 * when it did not take part): 1 the operator, 2 the version, 3 its major, 4 ".minor", 5 ".patch",
 * 6 "-prerelease". */
static int constraint_from(const char *s, const size_t *g, struct constraint *c)
{
#define G(i) (g[2 * (i)] == (size_t)-1 ? "" : s + g[2 * (i)])
#define GN(i) (g[2 * (i)] == (size_t)-1 ? 0 : g[2 * (i) + 1] - g[2 * (i)])
	snprintf(c->op, sizeof(c->op), "%.*s", (int)GN(1), G(1));
	char ver[256];
	const char *m3 = G(3), *m4 = G(4), *m5 = G(5), *m6 = G(6);
	size_t n3 = GN(3), n4 = GN(4), n5 = GN(5), n6 = GN(6);
	if (is_x(m3, n3) || !n3) {
		snprintf(ver, sizeof(ver), "0.0.0%.*s", (int)n6, m6);
		c->dirty = true;
	} else if ((n4 && is_x(m4 + 1, n4 - 1)) || !n4) {
		c->minor_dirty = c->dirty = true;
		snprintf(ver, sizeof(ver), "%.*s.0.0%.*s", (int)n3, m3, (int)n6, m6);
	} else if ((n5 && is_x(m5 + 1, n5 - 1)) || !n5) {
		c->dirty = c->patch_dirty = true;
		snprintf(ver, sizeof(ver), "%.*s%.*s.0%.*s", (int)n3, m3, (int)n4, m4, (int)n6, m6);
	} else {
		snprintf(ver, sizeof(ver), "%.*s", (int)GN(2), G(2));
	}
#undef G
#undef GN
	return version_parse(ver, &c->con);
}

static int parse_constraint(const char *s, size_t n, struct constraint *c)
{
	size_t ov[2 * 16];
	memset(c, 0, sizeof(*c));
	if (re_exec(re_one, s, n, 0, ov) != 1)
		return -1;
	return constraint_from(s, ov, c);
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

/* a version part from i, digits or one wildcard (x, X, *): where it ends, i when there is none */
static size_t version_part(const char *s, size_t i, size_t n)
{
	if (i < n && strchr("xX*", s[i]) && s[i])
		return i + 1; /* (followed by anything but a separator, the caller refuses it) */
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i;
}

/* dot-separated identifiers of [0-9A-Za-z-] from i: where they end, i when there is none */
static size_t idents(const char *s, size_t i, size_t n)
{
	size_t at = i;
	for (;;) {
		size_t j = at;
		while (j < n && (isalnum((unsigned char)s[j]) || s[j] == '-'))
			j++;
		if (j == at)
			return at == i ? i : at - 1; /* (a dot with nothing after it is not theirs) */
		if (j < n && s[j] == '.')
			at = j + 1;
		else
			return j;
	}
}

/*
 * A constraint of one comparison written plainly ("<1.21-0", ">= 1.2.3", "~1.2", "^2", "2.x.x"):
 * an operator, a version whose parts are digits or a wildcard, nothing else. The groups re_one's match would give,
 * found without it (compiling the constraint regexes loads PCRE2: most of what a chart's one
 * semverCompare costs); false for anything else, which the regexes read.
 */
static bool parse_simple(const char *s, size_t n, struct constraint *c)
{
	static const char *const ops[] = { "=", "!=", ">", "<", ">=", "=>", "<=", "=<", "~", "~>", "^" };
	size_t g[2 * 16], i = 0, op;
	for (size_t k = 0; k < sizeof(g) / sizeof(*g); k++)
		g[k] = (size_t)-1;
	memset(c, 0, sizeof(*c));
	while (i < n && is_space(s[i]))
		i++;
	for (op = i; i < n && strchr("=!<>~^", s[i]); i++)
		;
	bool known = i == op;
	for (size_t k = 0; !known && k < sizeof(ops) / sizeof(*ops); k++)
		known = strlen(ops[k]) == i - op && !memcmp(ops[k], s + op, i - op);
	if (!known)
		return false;
	g[2] = op, g[3] = i;
	while (i < n && is_space(s[i]))
		i++;
	g[4] = i;
	if (i < n && s[i] == 'v')
		i++;
	size_t end = version_part(s, i, n);
	if (end == i)
		return false;
	g[6] = i, g[7] = end, i = end;
	for (int part = 4; part <= 5 && i < n && s[i] == '.'; part++) {
		if ((end = version_part(s, i + 1, n)) == i + 1)
			return false;
		g[2 * part] = i, g[2 * part + 1] = end, i = end;
	}
	if (i < n && s[i] == '-') {
		if ((end = idents(s, i + 1, n)) == i + 1)
			return false;
		g[12] = i, g[13] = end, i = end;
	}
	if (i < n && s[i] == '+') {
		if ((end = idents(s, i + 1, n)) == i + 1)
			return false;
		i = end;
	}
	g[5] = i;
	while (i < n && is_space(s[i]))
		i++;
	return i == n && constraint_from(s, g, c) == 0;
}

static bool check_tilde(const struct version *v, const struct constraint *c)
{
	if (*v->pre && !*c->con.pre)
		return false;
	if (version_cmp(v, &c->con) < 0)
		return false;
	if (!c->con.major && !c->con.minor && !c->con.patch && !c->minor_dirty && !c->patch_dirty)
		return true;
	if (v->major != c->con.major)
		return false;
	if (v->minor != c->con.minor && !c->minor_dirty)
		return false;
	return true;
}

static bool check_one(const struct version *v, const struct constraint *c)
{
	const char *op = c->op;
	bool pre_block = *v->pre && !*c->con.pre;
	if (!strcmp(op, "!=")) {
		if (c->dirty) {
			if (pre_block)
				return false;
			if (c->con.major != v->major)
				return true;
			if (c->con.minor != v->minor && !c->minor_dirty)
				return true;
			if (c->minor_dirty)
				return false;
			if (c->con.patch != v->patch && !c->patch_dirty)
				return true;
			if (c->patch_dirty) {
				if (*v->pre || *c->con.pre)
					return pre_cmp(v->pre, c->con.pre) != 0;
				return false;
			}
		}
		return version_cmp(v, &c->con) != 0;
	}
	if (pre_block)
		return false;
	if (!strcmp(op, ">")) {
		if (!c->dirty)
			return version_cmp(v, &c->con) == 1;
		if (v->major > c->con.major)
			return true;
		if (v->major < c->con.major || c->minor_dirty)
			return false;
		if (c->patch_dirty)
			return v->minor > c->con.minor;
		return version_cmp(v, &c->con) == 1;
	}
	if (!strcmp(op, "<"))
		return version_cmp(v, &c->con) < 0;
	if (!strcmp(op, ">=") || !strcmp(op, "=>"))
		return version_cmp(v, &c->con) >= 0;
	if (!strcmp(op, "<=") || !strcmp(op, "=<")) {
		if (!c->dirty)
			return version_cmp(v, &c->con) <= 0;
		if (v->major > c->con.major)
			return false;
		if (v->major == c->con.major && v->minor > c->con.minor && !c->minor_dirty)
			return false;
		return true;
	}
	if (!strcmp(op, "~") || !strcmp(op, "~>"))
		return check_tilde(v, c);
	if (!strcmp(op, "^")) {
		if (version_cmp(v, &c->con) < 0)
			return false;
		if (c->con.major > 0 || c->minor_dirty)
			return v->major == c->con.major;
		if (v->major > 0)
			return false;
		if (c->con.minor > 0 || c->patch_dirty)
			return v->minor == c->con.minor;
		if (v->minor > 0)
			return false;
		return c->con.patch == v->patch;
	}
	/* "" and "=" */
	if (c->dirty)
		return check_tilde(v, c);
	return version_cmp(v, &c->con) == 0;
}

/* rewriteRange: "A - B" becomes ">= A, <= B " */
static char *rewrite_range(const char *s)
{
	struct buf b = { 0 };
	size_t n = strlen(s), pos = 0, ov[2 * 24];
	while (pos <= n && re_exec(re_range, s, n, pos, ov) == 1 && ov[1] > ov[0]) {
		buf_add(&b, s + pos, ov[0] - pos);
		buf_printf(&b, ">= %.*s, <= %.*s ", (int)(ov[3] - ov[2]), s + ov[2], (int)(ov[23] - ov[22]), s + ov[22]);
		pos = ov[1];
	}
	buf_add(&b, s + pos, n - pos);
	return buf_take(&b, NULL);
}

int semver_valid(const char *version)
{
	struct version v;
	return version_parse(version, &v);
}

int semver_check(const char *constraint, const char *version)
{
	struct version v;
	struct constraint k;
	if (version_parse(version, &v) < 0)
		return -1;
	/* (no "||", no ",": one comparison; a range "A - B" has a space before its "-") */
	if (!strpbrk(constraint, "|,") && parse_simple(constraint, strlen(constraint), &k))
		return check_one(&v, &k);
	if (compile_all() < 0)
		return -1;
	char *c = rewrite_range(constraint);
	if (!c)
		return -1;
	int result = 0, valid = 1;
	for (char *or = c, *next; or && valid; or = next) {
		char *bar = strstr(or, "||");
		next = bar ? bar + 2 : NULL;
		size_t len = bar ? (size_t)(bar - or) : strlen(or);
		size_t ov[2 * 32];
		if (re_exec(re_valid, or, len, 0, ov) != 1) {
			valid = 0;
			break;
		}
		bool joy = true, any = false;
		for (size_t pos = 0; pos < len && re_exec(re_find, or, len, pos, ov) == 1;) {
			struct constraint k;
			any = true;
			if (parse_constraint(or + ov[0], ov[1] - ov[0], &k) < 0) {
				valid = 0;
				break;
			}
			if (joy && !check_one(&v, &k))
				joy = false;
			pos = ov[1] > pos ? ov[1] : pos + 1;
		}
		if (!any && valid) {
			struct constraint k;
			if (parse_constraint(or, len, &k) < 0)
				valid = 0;
			else
				joy = check_one(&v, &k);
		}
		if (valid && joy)
			result = 1;
	}
	free(c);
	return valid ? result : -1;
}

FN(fn_semvercompare)
{
	(void)n;
	struct version v;
	if (version_parse(a[1].u.s->s, &v) < 0)
		return fn_error(x, "Invalid Semantic Version");
	int r = semver_check(a[0].u.s->s, a[1].u.s->s);
	if (r < 0) {
		exec_unsupported(x, "a semver constraint this engine cannot read: %s", a[0].u.s->s);
		return -2;
	}
	*out = hv_bool(r == 1);
	return 0;
}

/* semver: a *semver.Version; templates read its Major, Minor, Patch, Prerelease, Metadata,
 * Original and String (bitnami's common.images.version does); it prints and marshals as String(). */
FN(fn_semver)
{
	(void)n;
	struct version v;
	if (version_parse(a[0].u.s->s, &v) < 0)
		return fn_error(x, "Invalid Semantic Version");
	struct buf str = { 0 };
	buf_printf(&str, "%llu.%llu.%llu", (unsigned long long)v.major, (unsigned long long)v.minor,
		   (unsigned long long)v.patch);
	if (*v.pre)
		buf_printf(&str, "-%s", v.pre);
	if (*v.meta)
		buf_printf(&str, "+%s", v.meta);
	struct hobj *o = hobj_new("*semver.Version", "ptr", true, 7);
	if (!o || str.oom || v.major > INT64_MAX || v.minor > INT64_MAX || v.patch > INT64_MAX) {
		if (o)
			hv_unref(hv_obj(o));
		buf_free(&str);
		if (o && !str.oom) {
			exec_unsupported(x, "a semver part beyond int64");
			return -2;
		}
		return oom(x);
	}
	o->f[0] = (struct hfield){ " major", NULL, false, hv_int64((int64_t)v.major) };
	o->f[1] = (struct hfield){ " minor", NULL, false, hv_int64((int64_t)v.minor) };
	o->f[2] = (struct hfield){ " patch", NULL, false, hv_int64((int64_t)v.patch) };
	o->f[3] = (struct hfield){ " pre", NULL, false, hv_str(v.pre) };
	o->f[4] = (struct hfield){ " metadata", NULL, false, hv_str(v.meta) };
	o->f[5] = (struct hfield){ " original", NULL, false, hv_ref(a[0]) };
	o->f[6] = (struct hfield){ " string", NULL, false, hv_strn(str.p ? str.p : "", str.n) };
	buf_free(&str);
	for (int i = 3; i < 7; i++)
		if (o->f[i].val.k != HV_STRING) {
			hv_unref(hv_obj(o));
			return oom(x);
		}
	o->stringer = hv_s(o->f[6].val);
	o->json_str = o->stringer;
	*out = hv_obj(o);
	return 0;
}

/* its methods: the field at the position the table gives */
static int semver_field(struct exec *x, struct hv *out, size_t i)
{
	if (x->recv.k != HV_OBJ || x->recv.u.o->n < 7)
		return oom(x);
	return ret(x, out, hv_ref(x->recv.u.o->f[i].val));
}
FN(m_semver_major) { (void)a, (void)n; return semver_field(x, out, 0); }
FN(m_semver_minor) { (void)a, (void)n; return semver_field(x, out, 1); }
FN(m_semver_patch) { (void)a, (void)n; return semver_field(x, out, 2); }
FN(m_semver_prerelease) { (void)a, (void)n; return semver_field(x, out, 3); }
FN(m_semver_metadata) { (void)a, (void)n; return semver_field(x, out, 4); }
FN(m_semver_original) { (void)a, (void)n; return semver_field(x, out, 5); }
FN(m_semver_string) { (void)a, (void)n; return semver_field(x, out, 6); }
