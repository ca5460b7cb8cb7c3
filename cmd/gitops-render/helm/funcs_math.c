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
