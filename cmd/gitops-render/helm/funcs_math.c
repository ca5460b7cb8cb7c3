/* funcs_math: sprig's numbers (numeric.go, functions.go): spf13/cast conversions, int64
 * arithmetic, float rounding, until/seq. */
#define _GNU_SOURCE
#include "funcs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

FN(fn_int)
{
	(void)n, (void)x;
	*out = hv_int(cast_int64(a[0]));
	return 0;
}

FN(fn_int64)
{
	(void)n, (void)x;
	*out = hv_int64(cast_int64(a[0]));
	return 0;
}

FN(fn_float64)
{
	(void)n, (void)x;
	*out = hv_float(cast_float64(a[0]));
	return 0;
}

/* strconv.Atoi, 0 on error */
FN(fn_atoi)
{
	(void)n, (void)x;
	const char *s = a[0].u.s->s;
	char *end;
	if (!*s || *s == ' ' || (s[0] == '0' && s[1] == 'x')) {
		*out = hv_int(0);
		return 0;
	}
	long long v = strtoll(s, &end, 10);
	*out = hv_int(*end ? 0 : v);
	return 0;
}

FN(fn_add)
{
	(void)x;
	int64_t s = 0;
	for (size_t i = 0; i < n; i++)
		s += cast_int64(a[i]);
	*out = hv_int64(s);
	return 0;
}

FN(fn_add1)
{
	(void)n, (void)x;
	*out = hv_int64(cast_int64(a[0]) + 1);
	return 0;
}

FN(fn_sub)
{
	(void)n, (void)x;
	*out = hv_int64(cast_int64(a[0]) - cast_int64(a[1]));
	return 0;
}

FN(fn_div)
{
	(void)n;
	int64_t d = cast_int64(a[1]);
	if (!d)
		return fn_error(x, "runtime error: integer divide by zero");
	*out = hv_int64(cast_int64(a[0]) / d);
	return 0;
}

FN(fn_mod)
{
	(void)n;
	int64_t d = cast_int64(a[1]);
	if (!d)
		return fn_error(x, "runtime error: integer divide by zero");
	*out = hv_int64(cast_int64(a[0]) % d);
	return 0;
}

FN(fn_mul)
{
	(void)x;
	int64_t v = cast_int64(a[0]);
	for (size_t i = 1; i < n; i++)
		v *= cast_int64(a[i]);
	*out = hv_int64(v);
	return 0;
}

FN(fn_max)
{
	(void)x;
	int64_t v = cast_int64(a[0]);
	for (size_t i = 1; i < n; i++) {
		int64_t b = cast_int64(a[i]);
		if (b > v)
			v = b;
	}
	*out = hv_int64(v);
	return 0;
}

FN(fn_min)
{
	(void)x;
	int64_t v = cast_int64(a[0]);
	for (size_t i = 1; i < n; i++) {
		int64_t b = cast_int64(a[i]);
		if (b < v)
			v = b;
	}
	*out = hv_int64(v);
	return 0;
}

FN(fn_maxf)
{
	(void)x;
	double v = cast_float64(a[0]);
	for (size_t i = 1; i < n; i++)
		v = fmax(v, cast_float64(a[i]));
	*out = hv_float(v);
	return 0;
}

FN(fn_minf)
{
	(void)x;
	double v = cast_float64(a[0]);
	for (size_t i = 1; i < n; i++)
		v = fmin(v, cast_float64(a[i]));
	*out = hv_float(v);
	return 0;
}

FN(fn_floor)
{
	(void)n, (void)x;
	*out = hv_float(floor(cast_float64(a[0])));
	return 0;
}

FN(fn_ceil)
{
	(void)n, (void)x;
	*out = hv_float(ceil(cast_float64(a[0])));
	return 0;
}

FN(fn_round)
{
	(void)x;
	double on = n > 2 ? a[2].u.f : .5, val = cast_float64(a[0]), pw = pow(10, (double)a[1].u.i);
	double digit = pw * val, ip, frac = modf(digit, &ip);
	double r = frac >= on ? ceil(digit) : floor(digit);
	*out = hv_float(r / pw);
	return 0;
}

static int int_list(struct exec *x, int64_t start, int64_t stop, int64_t step, struct hv *out)
{
	struct hv l = hv_list();
	if (l.k != HV_LIST)
		return oom(x);
	l.go = GO_INTS;
	if ((stop < start && step >= 0) || (stop >= start && step <= 0)) {
		*out = l;
		return 0;
	}
	int64_t count = (stop - start) / step;
	if (count > 1000000) {
		hv_unref(l);
		exec_unsupported(x, "a list of more than a million numbers");
		return -2;
	}
	for (int64_t i = start; stop < start ? i > stop : i < stop; i += step)
		if (hlist_push(l.u.l, hv_int(i)) < 0)
			return hv_unref(l), oom(x);
	*out = l;
	return 0;
}

FN(fn_until)
{
	(void)n;
	return int_list(x, 0, a[0].u.i, a[0].u.i < 0 ? -1 : 1, out);
}

FN(fn_untilstep)
{
	(void)n;
	return int_list(x, a[0].u.i, a[1].u.i, a[2].u.i, out);
}

FN(fn_seq)
{
	int64_t start = 1, end, step = 1;
	if (n == 0 || n > 3)
		return ret(x, out, hv_str(""));
	if (n == 1) {
		end = a[0].u.i;
		step = end < start ? -1 : 1;
	} else if (n == 2) {
		start = a[0].u.i;
		end = a[1].u.i;
		step = end < start ? -1 : 1;
	} else {
		start = a[0].u.i;
		end = a[2].u.i;
		step = a[1].u.i;
		if (end < start && step > 0)
			return ret(x, out, hv_str(""));
	}
	int64_t inc = n == 3 ? (end < start ? -1 : 1) : step;
	struct hv l;
	if (int_list(x, start, end + inc, step, &l) < 0)
		return -2;
	struct buf b = { 0 };
	for (size_t i = 0; i < l.u.l->n; i++)
		buf_printf(&b, i ? " %lld" : "%lld", (long long)l.u.l->v[i].u.i);
	hv_unref(l);
	size_t len;
	char *s = buf_take(&b, &len);
	if (!s)
		return oom(x);
	struct hv v = hv_strn(s, len);
	free(s);
	return ret(x, out, v);
}

FN(fn_todecimal)
{
	(void)n;
	struct hv s = strval(a[0]);
	if (s.k != HV_STRING)
		return exec_unsupported(x, "toDecimal of this value"), -2;
	char *end;
	long long v = strtoll(s.u.s->s, &end, 8);
	*out = hv_int64(*end || !s.u.s->len ? 0 : v);
	hv_unref(s);
	return 0;
}

FN(fn_randint)
{
	(void)n;
	int64_t lo = a[0].u.i, hi = a[1].u.i;
	if (hi - lo <= 0)
		return fn_error(x, "invalid argument to Intn");
	*out = hv_int(lo + (int64_t)(rng_next(x->rc) % (uint64_t)(hi - lo)));
	return 0;
}

/* ---- addf, add1f, subf, mulf, divf: shopspring/decimal on the floats' shortest forms ----
 * sprig turns each argument into a float64 (cast), that into the decimal its shortest form
 * reads (NewFromFloat: 0.1 is exactly 0.1), computes exactly (Div: 16 digits after the point,
 * half away from zero) and returns the nearest float64. So mulf 0.1 3 is 0.3, not
 * 0.30000000000000004. The big integers are OpenSSL's. */
#include <openssl/bn.h>
#include <openssl/crypto.h>

struct dec {
	BIGNUM *v;
	long e; /* value = v * 10^e */
};

/* NewFromFloat: the shortest digits that read back as f */
static bool dec_from_float(struct dec *d, double f)
{
	char tmp[40], digits[40];
	int prec;
	d->v = NULL;
	d->e = 0;
	if (!isfinite(f))
		return false;
	if (f == 0)
		return BN_dec2bn(&d->v, "0") > 0;
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, f);
		if (strtod(tmp, NULL) == f)
			break;
	}
	const char *p = tmp;
	size_t k = 0;
	if (*p == '-')
		digits[k++] = *p++;
	for (; *p && *p != 'e'; p++)
		if (*p != '.')
			digits[k++] = *p;
	digits[k] = 0;
	int nd = (int)(k - (digits[0] == '-'));
	d->e = atol(p + 1) - (nd - 1);
	return BN_dec2bn(&d->v, digits) > 0;
}

static bool pow10_mul(BIGNUM *v, long k)
{
	for (; k >= 9; k -= 9)
		if (!BN_mul_word(v, 1000000000UL))
			return false;
	static const unsigned long p[] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000 };
	return k <= 0 || BN_mul_word(v, p[k]);
}

/* both at the smaller exponent */
static bool dec_align(struct dec *a, struct dec *b)
{
	if (a->e > b->e) {
		if (a->e - b->e > 100000 || !pow10_mul(a->v, a->e - b->e))
			return false;
		a->e = b->e;
	} else if (b->e > a->e) {
		if (b->e - a->e > 100000 || !pow10_mul(b->v, b->e - a->e))
			return false;
		b->e = a->e;
	}
	return true;
}

enum dec_op { DEC_ADD, DEC_SUB, DEC_MUL, DEC_DIV };

/* a = a op b; false on division by zero (sprig panics) or no memory */
static bool dec_apply(struct dec *a, struct dec *b, enum dec_op op, BN_CTX *ctx)
{
	BIGNUM *r = BN_new();
	bool ok = r != NULL;
	switch (op) {
	case DEC_ADD:
	case DEC_SUB:
		ok = ok && dec_align(a, b) && (op == DEC_ADD ? BN_add(r, a->v, b->v) : BN_sub(r, a->v, b->v));
		break;
	case DEC_MUL:
		ok = ok && BN_mul(r, a->v, b->v, ctx);
		a->e += b->e;
		break;
	case DEC_DIV: {
		/* QuoRem to 16 places, then DivRound's half-away-from-zero */
		long e = a->e - b->e + 16;
		BIGNUM *num = BN_new(), *den = BN_new(), *rem = BN_new();
		ok = ok && num && den && rem && !BN_is_zero(b->v) && labs(e) < 100000 && BN_copy(num, a->v) &&
		     BN_copy(den, b->v) && (e >= 0 ? pow10_mul(num, e) : pow10_mul(den, -e)) &&
		     BN_div(r, rem, num, den, ctx) && BN_lshift1(rem, rem);
		if (ok && BN_ucmp(rem, den) >= 0) {
			bool neg = BN_is_negative(a->v) != BN_is_negative(b->v);
			BIGNUM *one = BN_new();
			ok = one && BN_dec2bn(&one, neg ? "-1" : "1") > 0 && BN_add(r, r, one);
			BN_free(one);
		}
		a->e = -16;
		BN_free(num);
		BN_free(den);
		BN_free(rem);
		break;
	}
	}
	if (ok) {
		BN_free(a->v);
		a->v = r;
	} else {
		BN_free(r);
	}
	return ok;
}

/* Decimal.Float64: the nearest float64 (strtod rounds correctly) */
static bool dec_float(const struct dec *d, double *f)
{
	char *s = BN_bn2dec(d->v);
	if (!s)
		return false;
	char *t = NULL;
	bool ok = asprintf(&t, "%se%ld", s, d->e) >= 0;
	OPENSSL_free(s);
	if (ok)
		*f = strtod(t, NULL);
	free(t);
	return ok;
}

static int decimal_op(struct exec *x, struct hv first, const struct hv *rest, size_t n, enum dec_op op, struct hv *out)
{
	BN_CTX *ctx = BN_CTX_new();
	struct dec acc = { 0 }, d = { 0 };
	double f = 0;
	bool ok = ctx && dec_from_float(&acc, cast_float64(first));
	for (size_t i = 0; ok && i < n; i++) {
		ok = dec_from_float(&d, cast_float64(rest[i])) && dec_apply(&acc, &d, op, ctx);
		BN_free(d.v);
		d.v = NULL;
	}
	ok = ok && dec_float(&acc, &f);
	BN_free(acc.v);
	BN_CTX_free(ctx);
	if (!ok) {
		exec_unsupported(x, "%s of these numbers (decimal panics: division by zero, NaN or Inf)", x->fname ? x->fname : "a decimal function");
		return -2;
	}
	*out = hv_float(f);
	return 0;
}

FN(fn_addf)
{
	return decimal_op(x, hv_float(0), a, n, DEC_ADD, out);
}

FN(fn_add1f)
{
	(void)n;
	struct hv one = hv_int(1);
	return decimal_op(x, a[0], &one, 1, DEC_ADD, out);
}

FN(fn_subf)
{
	return decimal_op(x, a[0], a + 1, n - 1, DEC_SUB, out);
}

FN(fn_mulf)
{
	return decimal_op(x, a[0], a + 1, n - 1, DEC_MUL, out);
}

FN(fn_divf)
{
	return decimal_op(x, a[0], a + 1, n - 1, DEC_DIV, out);
}
