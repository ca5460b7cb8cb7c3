/* fmt: Go's fmt package as templates print with it: %v of every value ({{ x }}, print,
 * quote), Sprint's spacing rule, Sprintf's verbs, strconv.Quote and FormatFloat 'g'. */
#define _GNU_SOURCE
#include "helm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Shortest digits that read back as d: the digits and the decimal exponent (d = 0.DIGITS x 10^exp10). */
static int shortest_digits(double d, char *digits, int *exp10)
{
	char tmp[40];
	int prec;
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	/* tmp: [-]D.DDDDe[+-]XX */
	const char *p = tmp;
	if (*p == '-')
		p++;
	int n = 0;
	for (; *p && *p != 'e'; p++)
		if (*p != '.')
			digits[n++] = *p;
	while (n > 1 && digits[n - 1] == '0')
		n--;
	digits[n] = '\0';
	*exp10 = atoi(p + 1) + 1;
	return n;
}

/* strconv.FormatFloat(f, 'g', -1, 64): shortest digits, %e form when the exponent is < -4 or >= 6
 * (Go decides with precision 6 when the precision is the shortest). */
void fmt_float_g(char *out, size_t size, double f)
{
	if (isnan(f)) {
		snprintf(out, size, "NaN");
		return;
	}
	if (isinf(f)) {
		snprintf(out, size, f < 0 ? "-Inf" : "+Inf");
		return;
	}
	if (f == 0) {
		snprintf(out, size, signbit(f) ? "-0" : "0");
		return;
	}
	char digits[40];
	int exp10, nd = shortest_digits(f, digits, &exp10);
	const char *sign = f < 0 ? "-" : "";
	int x = exp10 - 1;
	if (x < -4 || x >= 6) {
		/* d.ddde±XX */
		char mant[48];
		size_t m = 0;
		mant[m++] = digits[0];
		if (nd > 1) {
			mant[m++] = '.';
			memcpy(mant + m, digits + 1, (size_t)nd - 1);
			m += (size_t)nd - 1;
		}
		mant[m] = '\0';
		int ax = x < 0 ? -x : x;
		snprintf(out, size, "%s%se%c%s%d", sign, mant, x < 0 ? '-' : '+', ax < 10 ? "0" : "", ax);
		return;
	}
	char body[400];
	size_t b = 0;
	if (exp10 <= 0) {
		body[b++] = '0';
		body[b++] = '.';
		for (int i = 0; i < -exp10; i++)
			body[b++] = '0';
		memcpy(body + b, digits, (size_t)nd);
		b += (size_t)nd;
	} else if (exp10 >= nd) {
		memcpy(body + b, digits, (size_t)nd);
		b += (size_t)nd;
		for (int i = nd; i < exp10; i++)
			body[b++] = '0';
	} else {
		memcpy(body + b, digits, (size_t)exp10);
		b += (size_t)exp10;
		body[b++] = '.';
		memcpy(body + b, digits + exp10, (size_t)(nd - exp10));
		b += (size_t)(nd - exp10);
	}
	body[b] = '\0';
	snprintf(out, size, "%s%s", sign, body);
}

/* ---- UTF-8 and strconv.Quote ---- */

/* Decode one rune at s (n > 0 bytes); its length in *len, or -1 with *len 1 when invalid. */
static long utf8_decode(const unsigned char *s, size_t n, size_t *len)
{
	unsigned c = s[0];
	*len = 1;
	if (c < 0x80)
		return c;
	size_t k = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
	if (!k || k > n)
		return -1;
	long r = (long)(c & (0xff >> (k + 1)));
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		r = r << 6 | (s[i] & 0x3f);
	}
	if ((k == 3 && (r < 0x800 || (r >= 0xd800 && r <= 0xdfff))) || (k == 4 && (r < 0x10000 || r > 0x10ffff)))
		return -1;
	*len = k;
	return r;
}

/* unicode.IsPrint, close enough: the runes Go escapes in practice (controls, format and separator
 * characters). */
static bool rune_printable(long r)
{
	if (r < 0x20 || (r >= 0x7f && r < 0xa0))
		return false;
	if (r == 0xad || r == 0x2028 || r == 0x2029 || (r >= 0x200b && r <= 0x200f) || (r >= 0x202a && r <= 0x202e) ||
	    (r >= 0x2060 && r <= 0x206f) || r == 0xfeff || (r >= 0xfff9 && r <= 0xfffb) || r == 0xfffe || r == 0xffff ||
	    (r >= 0xe000 && r <= 0xf8ff) || r == 0x061c || r == 0x180e || r >= 0xf0000)
		return false;
	if (r > 0x7f && r < 0x3000 && ((r >= 0x2000 && r <= 0x200a) || r == 0x1680 || r == 0x3000 || r == 0x85))
		return false; /* spaces other than ' ' are not graphic for IsPrint */
	return true;
}

void fmt_quote(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	buf_addc(b, '"');
	for (size_t i = 0; i < n;) {
		size_t len;
		long r = utf8_decode((const unsigned char *)s + i, n - i, &len);
		if (r < 0) {
			char e[5] = { '\\', 'x', hex[(unsigned char)s[i] >> 4], hex[(unsigned char)s[i] & 15], 0 };
			buf_add(b, e, 4);
			i++;
			continue;
		}
		i += len;
		if (r == '"' || r == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)r);
		} else if (r < 0x80 && rune_printable(r)) {
			buf_addc(b, (char)r);
		} else if (r >= 0x80 && rune_printable(r)) {
			buf_add(b, s + i - len, len);
		} else {
			switch (r) {
			case '\a': buf_adds(b, "\\a"); break;
			case '\b': buf_adds(b, "\\b"); break;
			case '\f': buf_adds(b, "\\f"); break;
			case '\n': buf_adds(b, "\\n"); break;
			case '\r': buf_adds(b, "\\r"); break;
			case '\t': buf_adds(b, "\\t"); break;
			case '\v': buf_adds(b, "\\v"); break;
			default:
				if (r < 0x20 || r == 0x7f)
					buf_printf(b, "\\x%02x", (unsigned)r);
				else if (r < 0x10000)
					buf_printf(b, "\\u%04x", (unsigned)r);
				else
					buf_printf(b, "\\U%08x", (unsigned)r);
			}
		}
	}
	buf_addc(b, '"');
}

/* ---- %v ---- */

/* set while printing a text no output depends on (a dict key): an address may stand in */
static bool fake_addresses;

static int fmt_v(struct buf *b, struct hv v, int depth)
{
	char num[64];
	switch (v.k) {
	case HV_NIL:
		buf_adds(b, depth == 0 ? "<no value>" : "<nil>");
		return 0;
	case HV_BOOL:
		buf_adds(b, v.u.b ? "true" : "false");
		return 0;
	case HV_INT:
		buf_printf(b, "%lld", (long long)v.u.i);
		return 0;
	case HV_FLOAT:
		fmt_float_g(num, sizeof(num), v.u.f);
		buf_adds(b, num);
		return 0;
	case HV_STRING:
		if (v.go == GO_BYTES) {
			buf_addc(b, '[');
			for (size_t i = 0; i < v.u.s->len; i++)
				buf_printf(b, i ? " %u" : "%u", (unsigned char)v.u.s->s[i]);
			buf_addc(b, ']');
		} else {
			buf_add(b, v.u.s->s, v.u.s->len);
		}
		return 0;
	case HV_MAP:
		buf_adds(b, "map[");
		for (size_t i = 0; i < v.u.m->n; i++) {
			if (i)
				buf_addc(b, ' ');
			buf_add(b, v.u.m->kv[i].key->s, v.u.m->kv[i].key->len);
			buf_addc(b, ':');
			if (fmt_v(b, v.u.m->kv[i].val, depth + 1) < 0)
				return -1;
		}
		buf_addc(b, ']');
		return 0;
	case HV_LIST:
		buf_addc(b, '[');
		for (size_t i = 0; i < v.u.l->n; i++) {
			if (i)
				buf_addc(b, ' ');
			if (fmt_v(b, v.u.l->v[i], depth + 1) < 0)
				return -1;
		}
		buf_addc(b, ']');
		return 0;
	case HV_OBJ:
		if (v.u.o->stringer) {
			buf_adds(b, v.u.o->stringer);
			return 0;
		}
		if (v.u.o->ptr && depth > 0) {
			if (!fake_addresses)
				return -1; /* fmt prints a nested pointer as its address */
			buf_adds(b, "0xc000a1b2c0"); /* an address: different in every helm run anyway */
			return 0;
		}
		if (v.u.o->ptr)
			buf_addc(b, '&');
		buf_addc(b, '{');
		for (size_t i = 0; i < v.u.o->n; i++) {
			if (i)
				buf_addc(b, ' ');
			if (fmt_v(b, v.u.o->f[i].val, depth + 1) < 0)
				return -1;
		}
		buf_addc(b, '}');
		return 0;
	}
	return -1;
}

int fmt_value_any_address(struct buf *b, struct hv v, bool top)
{
	fake_addresses = true;
	int r = fmt_v(b, v, top ? 0 : 1);
	fake_addresses = false;
	return r;
}

int fmt_value(struct buf *b, struct hv v, bool top)
{
	return fmt_v(b, v, top ? 0 : 1);
}

int fmt_sprint(struct buf *b, const struct hv *args, size_t n, bool ln)
{
	bool prev_string = false;
	for (size_t i = 0; i < n; i++) {
		bool is_string = args[i].k == HV_STRING && args[i].go != GO_BYTES;
		if (i > 0 && (ln || (!is_string && !prev_string)))
			buf_addc(b, ' ');
		if (fmt_v(b, args[i], 1) < 0)
			return -1;
		prev_string = is_string;
	}
	if (ln)
		buf_addc(b, '\n');
	return 0;
}

/* ---- Sprintf ---- */

struct spec {
	bool minus, plus, sharp, zero, space;
	int width, prec; /* -1: none */
};

static void pad(struct buf *b, const struct spec *sp, const char *s, size_t n, bool numeric)
{
	/* width counts runes */
	size_t runes = 0;
	for (size_t i = 0; i < n; i++)
		runes += ((unsigned char)s[i] & 0xc0) != 0x80;
	int fill = sp->width > (int)runes ? sp->width - (int)runes : 0;
	if (!sp->minus && sp->zero && numeric && fill) {
		size_t sgn = n && (s[0] == '-' || s[0] == '+' || s[0] == ' ') ? 1 : 0;
		buf_add(b, s, sgn);
		for (int i = 0; i < fill; i++)
			buf_addc(b, '0');
		buf_add(b, s + sgn, n - sgn);
		return;
	}
	if (!sp->minus)
		for (int i = 0; i < fill; i++)
			buf_addc(b, ' ');
	buf_add(b, s, n);
	if (sp->minus)
		for (int i = 0; i < fill; i++)
			buf_addc(b, ' ');
}

/* %!v(TYPE=VALUE) for a verb that does not fit the operand. */
static int bad_verb(struct buf *b, char verb, struct hv v)
{
	buf_addc(b, '%');
	buf_addc(b, '!');
	buf_addc(b, verb);
	buf_addc(b, '(');
	if (v.k == HV_NIL) {
		buf_adds(b, "<nil>");
	} else {
		buf_adds(b, hv_type_name(v));
		buf_addc(b, '=');
		if (fmt_v(b, v, 1) < 0)
			return -1;
	}
	buf_addc(b, ')');
	return 0;
}

static void fmt_int(struct buf *b, const struct spec *sp, char verb, int64_t i)
{
	char tmp[80], *p = tmp + sizeof(tmp);
	bool neg = i < 0;
	uint64_t u = neg ? (uint64_t)(-(i + 1)) + 1 : (uint64_t)i;
	unsigned base = verb == 'x' || verb == 'X' ? 16 : verb == 'o' || verb == 'O' ? 8 : verb == 'b' ? 2 : 10;
	const char *dig = verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	*--p = '\0';
	int nd = 0;
	do {
		*--p = dig[u % base];
		u /= base;
		nd++;
	} while (u);
	while (sp->prec > nd) {
		*--p = '0';
		nd++;
	}
	if (sp->sharp && base == 16)
		*--p = verb, *--p = '0';
	if (sp->sharp && base == 8 && *p != '0')
		*--p = '0';
	if (verb == 'O')
		*--p = 'o', *--p = '0';
	if (neg)
		*--p = '-';
	else if (sp->plus)
		*--p = '+';
	else if (sp->space)
		*--p = ' ';
	pad(b, sp, p, strlen(p), sp->prec < 0);
}

static void fmt_floatv(struct buf *b, const struct spec *sp, char verb, double f)
{
	char tmp[400];
	if (verb == 'v' || ((verb == 'g' || verb == 'G') && sp->prec < 0)) {
		fmt_float_g(tmp, sizeof(tmp), f);
		if (verb == 'G')
			for (char *c = tmp; *c; c++)
				if (*c == 'e')
					*c = 'E';
	} else if (verb == 'f' || verb == 'F') {
		snprintf(tmp, sizeof(tmp), "%.*f", sp->prec < 0 ? 6 : sp->prec, f);
	} else if (verb == 'e' || verb == 'E') {
		snprintf(tmp, sizeof(tmp), verb == 'e' ? "%.*e" : "%.*E", sp->prec < 0 ? 6 : sp->prec, f);
	} else {
		snprintf(tmp, sizeof(tmp), verb == 'g' ? "%.*g" : "%.*G", sp->prec, f);
	}
	char out[420];
	const char *s = tmp;
	if (sp->plus && f >= 0)
		snprintf(out, sizeof(out), "+%s", tmp), s = out;
	else if (sp->space && f >= 0)
		snprintf(out, sizeof(out), " %s", tmp), s = out;
	if (isinf(f) || isnan(f)) {
		struct spec nz = *sp;
		nz.zero = false;
		pad(b, &nz, s, strlen(s), false);
		return;
	}
	pad(b, sp, s, strlen(s), true);
}

static int fmt_one(struct buf *b, const struct spec *sp, char verb, struct hv v, const char **why)
{
	struct buf t = { 0 };
	int r = 0;
	switch (verb) {
	case 'v':
		if (sp->sharp || sp->plus) {
			*why = "printf %#v or %+v";
			return -1;
		}
		if (v.k == HV_INT) {
			fmt_int(b, sp, 'd', v.u.i);
			return 0;
		}
		if (v.k == HV_FLOAT) {
			fmt_floatv(b, sp, 'v', v.u.f);
			return 0;
		}
		r = fmt_v(&t, v, 1);
		if (r == 0)
			pad(b, sp, t.p ? t.p : "", t.n, false);
		break;
	case 's':
		if (v.k == HV_STRING) {
			size_t n = v.u.s->len;
			if (sp->prec >= 0) {
				/* precision counts runes */
				size_t i = 0;
				int runes = 0;
				while (i < n && runes < sp->prec) {
					i++;
					while (i < n && ((unsigned char)v.u.s->s[i] & 0xc0) == 0x80)
						i++;
					runes++;
				}
				n = i;
			}
			pad(b, sp, v.u.s->s, n, false);
			return 0;
		}
		if (v.k == HV_MAP || v.k == HV_LIST || v.k == HV_OBJ) {
			*why = "printf %s of a map, list or struct";
			return -1;
		}
		return bad_verb(b, verb, v);
	case 'q':
		if (v.k == HV_STRING && v.go != GO_BYTES && !sp->sharp) {
			fmt_quote(&t, v.u.s->s, v.u.s->len);
			pad(b, sp, t.p, t.n, false);
			break;
		}
		if (v.k == HV_BOOL || v.k == HV_FLOAT || v.k == HV_NIL)
			return bad_verb(b, verb, v);
		*why = "printf %q of a non-string";
		return -1;
	case 'd': case 'x': case 'X': case 'o': case 'O': case 'b': case 'c': case 'U':
		if (v.k == HV_INT && verb == 'c' && v.u.i >= 0 && v.u.i < 0x110000) {
			long r = (long)v.u.i;
			char u[5];
			int k = r < 0x80 ? (u[0] = (char)r, 1)
				: r < 0x800 ? (u[0] = (char)(0xc0 | r >> 6), u[1] = (char)(0x80 | (r & 0x3f)), 2)
				: r < 0x10000 ? (u[0] = (char)(0xe0 | r >> 12), u[1] = (char)(0x80 | ((r >> 6) & 0x3f)),
						 u[2] = (char)(0x80 | (r & 0x3f)), 3)
				: (u[0] = (char)(0xf0 | r >> 18), u[1] = (char)(0x80 | ((r >> 12) & 0x3f)),
				   u[2] = (char)(0x80 | ((r >> 6) & 0x3f)), u[3] = (char)(0x80 | (r & 0x3f)), 4);
			pad(b, sp, u, (size_t)k, false);
			return 0;
		}
		if (v.k == HV_INT && verb != 'c' && verb != 'U') {
			fmt_int(b, sp, verb, v.u.i);
			return 0;
		}
		if (v.k == HV_STRING && v.go != GO_BYTES && (verb == 'x' || verb == 'X') && sp->prec < 0 && !sp->sharp &&
		    !sp->space) {
			const char *dig = verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
			for (size_t i = 0; i < v.u.s->len; i++) {
				buf_addc(&t, dig[(unsigned char)v.u.s->s[i] >> 4]);
				buf_addc(&t, dig[(unsigned char)v.u.s->s[i] & 15]);
			}
			pad(b, sp, t.p ? t.p : "", t.n, false);
			break;
		}
		if (v.k == HV_BOOL || v.k == HV_NIL || (v.k == HV_STRING && verb != 'x' && verb != 'X') ||
		    (v.k == HV_FLOAT && verb == 'd'))
			return bad_verb(b, verb, v);
		*why = "this printf verb on this operand";
		return -1;
	case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
		if (v.k == HV_FLOAT) {
			fmt_floatv(b, sp, verb, v.u.f);
			return 0;
		}
		if (v.k == HV_INT || v.k == HV_STRING || v.k == HV_BOOL || v.k == HV_NIL)
			return bad_verb(b, verb, v);
		*why = "this printf verb on this operand";
		return -1;
	case 't':
		if (v.k == HV_BOOL) {
			pad(b, sp, v.u.b ? "true" : "false", v.u.b ? 4 : 5, false);
			return 0;
		}
		if (v.k == HV_INT || v.k == HV_STRING || v.k == HV_FLOAT || v.k == HV_NIL)
			return bad_verb(b, verb, v);
		*why = "printf %t of a map or list";
		return -1;
	case 'T': {
		const char *tn = v.k == HV_NIL ? "<nil>" : hv_type_name(v);
		pad(b, sp, tn, strlen(tn), false);
		return 0;
	}
	default:
		*why = "an unusual printf verb";
		return -1;
	}
	buf_free(&t);
	return r;
}

int fmt_sprintf(struct buf *b, const char *f, size_t flen, const struct hv *args, size_t n, const char **why)
{
	size_t argi = 0;
	*why = "a value printf cannot show here";
	for (size_t i = 0; i < flen;) {
		if (f[i] != '%') {
			size_t j = i;
			while (j < flen && f[j] != '%')
				j++;
			buf_add(b, f + i, j - i);
			i = j;
			continue;
		}
		i++;
		struct spec sp = { .width = -1, .prec = -1 };
		for (; i < flen; i++) {
			char c = f[i];
			if (c == '-')
				sp.minus = true, sp.zero = false;
			else if (c == '+')
				sp.plus = true;
			else if (c == '#')
				sp.sharp = true;
			else if (c == '0')
				sp.zero = !sp.minus;
			else if (c == ' ')
				sp.space = true;
			else
				break;
		}
		if (i < flen && (f[i] == '*' || f[i] == '[')) {
			*why = "printf with * or [n]";
			return -1;
		}
		if (i < flen && f[i] >= '0' && f[i] <= '9') {
			sp.width = 0;
			while (i < flen && f[i] >= '0' && f[i] <= '9')
				sp.width = sp.width * 10 + (f[i++] - '0');
		}
		if (i < flen && f[i] == '.') {
			i++;
			if (i < flen && f[i] == '*') {
				*why = "printf with .*";
				return -1;
			}
			sp.prec = 0;
			while (i < flen && f[i] >= '0' && f[i] <= '9')
				sp.prec = sp.prec * 10 + (f[i++] - '0');
		}
		if (i >= flen) {
			buf_adds(b, "%!(NOVERB)");
			break;
		}
		char verb = f[i++];
		if ((unsigned char)verb >= 0x80) {
			*why = "a non-ASCII printf verb";
			return -1;
		}
		if (verb == '%') {
			buf_addc(b, '%');
			continue;
		}
		if (argi >= n) {
			buf_printf(b, "%%!%c(MISSING)", verb);
			continue;
		}
		if (fmt_one(b, &sp, verb, args[argi++], why) < 0)
			return -1;
	}
	if (argi < n) {
		buf_adds(b, "%!(EXTRA ");
		for (size_t k = argi; k < n; k++) {
			if (k > argi)
				buf_adds(b, ", ");
			if (args[k].k == HV_NIL) {
				buf_adds(b, "<nil>");
				continue;
			}
			buf_adds(b, hv_type_name(args[k]));
			buf_addc(b, '=');
			if (fmt_v(b, args[k], 1) < 0)
				return -1;
		}
		buf_addc(b, ')');
	}
	return 0;
}
