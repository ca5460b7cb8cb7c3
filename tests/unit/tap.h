/* tap: a minimal TAP producer for the C unit tests, read by prove. */
#ifndef GT_TAP_H
#define GT_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) tap_is_int((long long)(got), (long long)(want), __FILE__, __LINE__, __VA_ARGS__)

static inline void tap_vname(const char *fmt, va_list ap)
{
	vprintf(fmt, ap);
	putchar('\n');
}

__attribute__((format(printf, 4, 5), unused))
static inline int tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("%sok %d - ", pass ? "" : "not ", ++tap_n);
	tap_vname(fmt, ap);
	va_end(ap);
	if (!pass) {
		tap_failed++;
		printf("#   Failed at %s line %d\n", file, line);
	}
	return pass;
}

__attribute__((format(printf, 5, 6), unused))
static inline int tap_is_str(const char *got, const char *want, const char *file, int line, const char *fmt, ...)
{
	int pass = (got == NULL && want == NULL) || (got && want && strcmp(got, want) == 0);
	va_list ap;
	va_start(ap, fmt);
	printf("%sok %d - ", pass ? "" : "not ", ++tap_n);
	tap_vname(fmt, ap);
	va_end(ap);
	if (!pass) {
		tap_failed++;
		printf("#   Failed at %s line %d\n#          got: '%s'\n#     expected: '%s'\n", file, line,
		       got ? got : "(null)", want ? want : "(null)");
	}
	return pass;
}

__attribute__((format(printf, 5, 6), unused))
static inline int tap_is_int(long long got, long long want, const char *file, int line, const char *fmt, ...)
{
	int pass = got == want;
	va_list ap;
	va_start(ap, fmt);
	printf("%sok %d - ", pass ? "" : "not ", ++tap_n);
	tap_vname(fmt, ap);
	va_end(ap);
	if (!pass) {
		tap_failed++;
		printf("#   Failed at %s line %d\n#          got: %lld\n#     expected: %lld\n", file, line, got, want);
	}
	return pass;
}

/* Call last: prints the plan and returns main's exit code. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
