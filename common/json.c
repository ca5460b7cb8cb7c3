/* json: compact JSON output. Own writer rather than json_dumpf because jansson
 * writes 80.0 and 17 significant digits where Go (kubectl, Argo CD) writes 80
 * and the shortest form, and because one pass straight to the FILE is faster. */
#include "json.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Shortest "%.*e" that reads back as d: Go's strconv 'g'/-1 digits. */
static int shortest_exp_digits(double d, char *buf, size_t size)
{
	for (int prec = 0; prec < 17; prec++) {
		snprintf(buf, size, "%.*e", prec, d);
		if (strtod(buf, NULL) == d)
			return prec;
	}
	snprintf(buf, size, "%.16e", d);
	return 16;
}

/* Split "-1.2345e+07" into sign, digits "12345" and decimal exponent 7. */
static void split_exp(const char *s, int *neg, char *digits, int *exp10)
{
	size_t n = 0;
	*neg = *s == '-';
	if (*neg)
		s++;
	for (; *s && *s != 'e'; s++)
		if (*s != '.')
			digits[n++] = *s;
	while (n > 1 && digits[n - 1] == '0')
		n--;
	digits[n] = '\0';
	*exp10 = *s == 'e' ? atoi(s + 1) : 0;
}

static void format_fixed(char *out, int neg, const char *digits, int exp10)
{
	int nd = (int)strlen(digits), pos = 0;
	if (neg)
		out[pos++] = '-';
	if (exp10 < 0) {
		out[pos++] = '0';
		out[pos++] = '.';
		for (int i = 0; i < -exp10 - 1; i++)
			out[pos++] = '0';
		memcpy(out + pos, digits, nd);
		pos += nd;
	} else {
		for (int i = 0; i <= exp10 || i < nd; i++) {
			if (i == exp10 + 1)
				out[pos++] = '.';
			out[pos++] = i < nd ? digits[i] : '0';
		}
	}
	out[pos] = '\0';
}

static void format_exp(char *out, int neg, const char *digits, int exp10)
{
	int pos = 0, nd = (int)strlen(digits);
	if (neg)
		out[pos++] = '-';
	out[pos++] = digits[0];
	if (nd > 1) {
		out[pos++] = '.';
		memcpy(out + pos, digits + 1, nd - 1);
		pos += nd - 1;
	}
	/* encoding/json writes e-7 and e+21: two exponent digits only when needed, except positive. */
	if (exp10 < 0 && exp10 > -10)
		snprintf(out + pos, 16, "e-%d", -exp10);
	else
		snprintf(out + pos, 16, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
}

const char *gt_json_format_real(double d, char *buf)
{
	char tmp[40], digits[24];
	int neg, exp10;
	if (d == 0) {
		strcpy(buf, signbit(d) ? "-0" : "0");
		return buf;
	}
	shortest_exp_digits(d, tmp, sizeof(tmp));
	split_exp(tmp, &neg, digits, &exp10);
	double a = fabs(d);
	if (a < 1e-6 || a >= 1e21)
		format_exp(buf, neg, digits, exp10);
	else
		format_fixed(buf, neg, digits, exp10);
	return buf;
}

/* the bytes write_string must look at: control characters, '"', '\\', and 0xe2 (U+2028/U+2029) */
#define L16 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
static const unsigned char needs_look[256] = { L16, L16, ['"'] = 1, ['\\'] = 1, [0xe2] = 1 };
#undef L16

/*
 * The escape for the byte at p (needs_look said it may need one), or NULL; *extra: how many
 * more bytes it stands for (U+2028/U+2029 are three). u holds a \u00XX escape.
 */
static const char *escape_at(const unsigned char *p, const unsigned char *end, char u[7], int *extra)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c = *p;
	*extra = 0;
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	}
	if (c < 0x20) {
		memcpy(u, "\\u00", 4);
		u[4] = hex[c >> 4];
		u[5] = hex[c & 15];
		u[6] = '\0';
		return u;
	}
	if (c == 0xe2 && end - p >= 3 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
		/* U+2028/U+2029 break JavaScript readers; encoding/json escapes them too. */
		*extra = 2;
		return p[2] == 0xa8 ? "\\u2028" : "\\u2029";
	}
	return NULL;
}

static int write_string(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len, *run = p;
	putc('"', out);
	for (; p < end; p++) {
		/* most bytes need nothing: skip them with one look-up each (a fifth of a render's
		 * instructions went to this loop's comparisons) */
		while (p < end && !needs_look[*p])
			p++;
		if (p == end)
			break;
		char u[7];
		int extra;
		const char *esc = escape_at(p, end, u, &extra);
		if (esc) {
			fwrite(run, 1, p - run, out);
			fputs(esc, out);
			p += extra;
			run = p + 1;
		}
	}
	fwrite(run, 1, p - run, out);
	putc('"', out);
	return 0;
}

static int write_value(FILE *out, const json_t *v);

static int write_object(FILE *out, const json_t *v)
{
	const char *key;
	json_t *val;
	int first = 1;
	putc('{', out);
	json_object_foreach((json_t *)v, key, val) {
		if (!first)
			putc(',', out);
		first = 0;
		write_string(out, key, strlen(key));
		putc(':', out);
		write_value(out, val);
	}
	putc('}', out);
	return 0;
}

static int write_array(FILE *out, const json_t *v)
{
	size_t i;
	json_t *val;
	putc('[', out);
	json_array_foreach(v, i, val) {
		if (i)
			putc(',', out);
		write_value(out, val);
	}
	putc(']', out);
	return 0;
}

/*
 * A real as JSON that JSON readers take back: Go writes 1e19 as 10000000000000000000, an
 * integer literal past int64 that jansson (our own stream reader among them) refuses as
 * "too big integer". From 2^63 on the exponent form says the same number readably.
 */
static const char *format_real_readable(double d, char *buf)
{
	if (!(fabs(d) >= 9223372036854775808.0))
		return gt_json_format_real(d, buf);
	char tmp[40], digits[24];
	int neg, exp10;
	shortest_exp_digits(d, tmp, sizeof(tmp));
	split_exp(tmp, &neg, digits, &exp10);
	format_exp(buf, neg, digits, exp10);
	return buf;
}

static int write_value(FILE *out, const json_t *v)
{
	char buf[40];
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return write_object(out, v);
	case JSON_ARRAY:
		return write_array(out, v);
	case JSON_STRING:
		return write_string(out, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return 0;
	case JSON_REAL:
		fputs(format_real_readable(json_real_value(v), buf), out);
		return 0;
	case JSON_TRUE:
		fputs("true", out);
		return 0;
	case JSON_FALSE:
		fputs("false", out);
		return 0;
	case JSON_NULL:
		fputs("null", out);
		return 0;
	}
	return 0;
}

int gt_json_write(FILE *out, const json_t *v)
{
	write_value(out, v);
	return ferror(out) ? -1 : 0;
}

/* ---- the same into a buffer ---- */

static bool jbuf_reserve(struct gt_json_buf *b, size_t more)
{
	if (b->oom)
		return false;
	if (b->cap - b->n >= more)
		return true;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap - b->n < more)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void gt_json_buf_add(struct gt_json_buf *b, const char *s, size_t n)
{
	if (n && jbuf_reserve(b, n)) {
		memcpy(b->p + b->n, s, n);
		b->n += n;
	}
}

static inline void jbuf_addc(struct gt_json_buf *b, char c)
{
	if (b->n < b->cap || jbuf_reserve(b, 1))
		b->p[b->n++] = c;
}

/* The first byte at or after p that write_string must look at (needs_look), or end. */
static inline const unsigned char *skip_plain(const unsigned char *p, const unsigned char *end)
{
	for (;;) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		/* eight bytes at a time while none is '"', '\\', a control character or >= 0x80 */
		while (end - p >= 8) {
			uint64_t w, x, y;
			memcpy(&w, p, 8);
			x = w ^ 0x2222222222222222ULL;
			y = w ^ 0x5c5c5c5c5c5c5c5cULL;
			uint64_t m = ((x - 0x0101010101010101ULL) & ~x) | ((y - 0x0101010101010101ULL) & ~y) |
				     ((w - 0x2020202020202020ULL) & ~w) | w;
			if (m & 0x8080808080808080ULL)
				break;
			p += 8;
		}
#endif
		/* then byte by byte, at most eight (a byte >= 0x80 other than 0xe2 needs nothing) */
		const unsigned char *stop = end - p > 8 ? p + 8 : end;
		while (p < stop && !needs_look[*p])
			p++;
		if (p < stop || p == end)
			return p;
	}
}

/* write_string's escapes, appended */
void gt_json_buf_string(struct gt_json_buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len, *run = p;
	/* the usual case, nothing to escape: one reservation */
	if (!jbuf_reserve(b, len + 2))
		return;
	b->p[b->n++] = '"';
	for (; p < end; p++) {
		p = skip_plain(p, end);
		if (p == end)
			break;
		char u[7];
		int extra;
		const char *esc = escape_at(p, end, u, &extra);
		if (esc) {
			gt_json_buf_add(b, (const char *)run, (size_t)(p - run));
			gt_json_buf_add(b, esc, strlen(esc));
			p += extra;
			run = p + 1;
		}
	}
	gt_json_buf_add(b, (const char *)run, (size_t)(p - run));
	jbuf_addc(b, '"');
}

void gt_json_buf_value(struct gt_json_buf *b, const json_t *v)
{
	char buf[40];
	const char *key;
	json_t *val;
	size_t i;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		jbuf_addc(b, '{');
		i = 0;
		json_object_foreach((json_t *)v, key, val) {
			if (i++)
				jbuf_addc(b, ',');
			gt_json_buf_string(b, key, strlen(key));
			jbuf_addc(b, ':');
			gt_json_buf_value(b, val);
		}
		jbuf_addc(b, '}');
		return;
	case JSON_ARRAY:
		jbuf_addc(b, '[');
		json_array_foreach(v, i, val) {
			if (i)
				jbuf_addc(b, ',');
			gt_json_buf_value(b, val);
		}
		jbuf_addc(b, ']');
		return;
	case JSON_STRING:
		gt_json_buf_string(b, json_string_value(v), json_string_length(v));
		return;
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		gt_json_buf_add(b, buf, strlen(buf));
		return;
	case JSON_REAL:
		format_real_readable(json_real_value(v), buf);
		gt_json_buf_add(b, buf, strlen(buf));
		return;
	case JSON_TRUE:
		gt_json_buf_add(b, "true", 4);
		return;
	case JSON_FALSE:
		gt_json_buf_add(b, "false", 5);
		return;
	case JSON_NULL:
		gt_json_buf_add(b, "null", 4);
		return;
	}
}
