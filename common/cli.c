/* cli: typed option tables (parsing, --help), durations, messages, colour, -o forms. */
#include "cli.h"
#include "version.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *program = "gitops";
static int verbosity = 1;
static bool debug_given; /* --debug: -vv, and helm's own --debug where helm runs */

static int debug_option(const struct gt_option *opt, const char *flag, const char *value);

/* The options every tool has; listed after the tool's own in --help. */
static const struct gt_option common_options[] = {
	GT_OPT_SET_INT('q', "quiet", &verbosity, 0, "print errors only"),
	GT_OPT_COUNT('v', "verbose", &verbosity, "say more, repeatable: -v the steps, -vv timings and sizes, -vvv raw exchanges"),
	GT_OPT_CALLBACK(0, "debug", NULL, &verbosity, debug_option, "as -vv, and passes --debug to helm when it runs"),
	{ .name = "help", .short_name = 'h', .help = "show this help and exit", .type = GT_OPT_T_HELP },
	{ .name = "version", .help = "show the version and exit", .type = GT_OPT_T_VERSION },
	GT_OPTIONS_END
};

void gt_set_program(const char *name) { program = name; }
const char *gt_program(void) { return program; }
int gt_verbosity(void) { return verbosity; }
bool gt_verbose(int level) { return verbosity >= level; }
bool gt_debug_given(void) { return debug_given; }

static int debug_option(const struct gt_option *opt, const char *flag, const char *value)
{
	(void)opt, (void)flag, (void)value;
	debug_given = true;
	if (verbosity < GT_V_TIMES)
		verbosity = GT_V_TIMES;
	return 0;
}

/* ---- secrets masked in every message ---- */

#define MAX_LOG_SECRETS 8
static char *log_secrets[MAX_LOG_SECRETS];

static void forget_log_secrets(void)
{
	for (size_t i = 0; i < MAX_LOG_SECRETS && log_secrets[i]; i++) {
		memset(log_secrets[i], 0, strlen(log_secrets[i]));
		free(log_secrets[i]);
		log_secrets[i] = NULL;
	}
}

/* RFC 4648 base64 of s: what a Basic Authorization header or a Secret's data carries. */
static char *base64_dup(const char *s)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(s), o = 0;
	char *out = malloc((n + 2) / 3 * 4 + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)s[i] << 16 | (i + 1 < n ? (unsigned char)s[i + 1] << 8 : 0) |
			     (i + 2 < n ? (unsigned char)s[i + 2] : 0);
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

static void keep_log_secret(char *s)
{
	static bool registered;
	size_t i = 0;
	while (i < MAX_LOG_SECRETS && log_secrets[i] && strcmp(log_secrets[i], s))
		i++;
	if (i == MAX_LOG_SECRETS || log_secrets[i]) { /* full, or known already */
		memset(s, 0, strlen(s));
		free(s);
		return;
	}
	log_secrets[i] = s;
	if (!registered)
		registered = true, atexit(forget_log_secrets);
}

void gt_log_secret(const char *secret)
{
	char *copy, *b64;
	if (!secret || strlen(secret) < 4)
		return;
	if ((copy = strdup(secret)))
		keep_log_secret(copy);
	/* its base64 too, should an exchange shown at -vvv carry it encoded: without the padding and
	 * the last character of a partial group, which depend on what follows it there */
	if ((b64 = base64_dup(secret))) {
		size_t n = strlen(b64);
		while (n && b64[n - 1] == '=')
			n--;
		b64[n - (strlen(secret) % 3 != 0)] = '\0';
		keep_log_secret(b64);
	}
}

/* Every registered secret in s (NUL-terminated) as "***", in place. */
static void mask_log_secrets(char *s)
{
	for (size_t i = 0; i < MAX_LOG_SECRETS && log_secrets[i]; i++) {
		size_t n = strlen(log_secrets[i]);
		for (char *p = strstr(s, log_secrets[i]); p; p = strstr(p + 3, log_secrets[i])) {
			memcpy(p, "***", 3);
			memmove(p + 3, p + n, strlen(p + n) + 1);
		}
	}
}

/*
 * Control characters (a newline, an escape sequence) shown as \n, \t, \xHH: names come from
 * repositories and servers, and one with a newline in it would forge a second message.
 */
static size_t escape_controls(const char *in, size_t len, char *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < len && n + 5 < cap; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c >= 0x20 && c != 0x7f)
			out[n++] = (char)c;
		else if (c == '\n' || c == '\t' || c == '\r')
			out[n++] = '\\', out[n++] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
		else
			n += (size_t)snprintf(out + n, cap - n, "\\x%02x", c);
	}
	return n;
}

/* gt_messages_hold: where this thread's messages go instead of stderr */
static _Thread_local FILE *held;
static _Thread_local char *held_text;
static _Thread_local size_t held_len;
static _Thread_local bool held_lost;
static _Thread_local bool holding;

void gt_messages_hold(void)
{
	holding = true;
	held_text = NULL;
	held_len = 0;
	held = open_memstream(&held_text, &held_len);
	held_lost = held == NULL;
}

char *gt_messages_release(size_t *len)
{
	if (held && fclose(held) != 0)
		held_lost = true;
	held = NULL;
	holding = false;
	char *text = held_text;
	*len = held_len;
	if (held_lost || !held_len) {
		free(text);
		text = NULL;
		*len = held_lost;
	}
	held_text = NULL;
	held_len = 0;
	return text;
}

static void vmessage(const char *prefix, const char *fmt, va_list ap)
{
	/* One buffered write per message, so lines from parallel tools do not interleave. */
	char buf[4096], shown[4096 * 4 + 2];
	int n = snprintf(buf, sizeof(buf), "%s: %s", program, prefix);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = 0;
	int m = vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	size_t len = m < 0 ? (size_t)n : (size_t)n + (size_t)m;
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	while (len > (size_t)n && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--; /* a message that ends a line itself (a relayed one) */
	buf[len] = '\0';
	mask_log_secrets(buf); /* the token, whatever path a message took to get here */
	len = strlen(buf);
	len = escape_controls(buf, len, shown, sizeof(shown) - 1);
	shown[len++] = '\n';
	if (holding) {
		if (!held || fwrite(shown, 1, len, held) != len)
			held_lost = true;
		return;
	}
	fwrite(shown, 1, len, stderr);
	fflush(stderr);
}

void gt_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
}

void gt_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage("warning: ", fmt, ap);
	va_end(ap);
}

void gt_info(const char *fmt, ...)
{
	if (verbosity < 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
}

/* A message shown from verbosity level on: -v the steps, -vv timings and sizes, -vvv raw exchanges. */
#define GT_LEVELLED_MESSAGE(name, level)                                                            \
	void name(const char *fmt, ...)                                                             \
	{                                                                                           \
		if (verbosity < (level))                                                            \
			return;                                                                     \
		va_list ap;                                                                         \
		va_start(ap, fmt);                                                                  \
		vmessage("", fmt, ap);                                                              \
		va_end(ap);                                                                         \
	}
GT_LEVELLED_MESSAGE(gt_debug, GT_V_STEPS)
GT_LEVELLED_MESSAGE(gt_step, GT_V_STEPS)
GT_LEVELLED_MESSAGE(gt_detail, GT_V_TIMES)
GT_LEVELLED_MESSAGE(gt_raw, GT_V_RAW)

uint64_t gt_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * GT_NS_PER_S + (uint64_t)ts.tv_nsec;
}

const char *gt_took(uint64_t start_ns, char *buf, size_t size)
{
	uint64_t now = gt_now_ns(), ns = now > start_ns ? now - start_ns : 0;
	/* to the millisecond: a step's duration, not a benchmark */
	if (ns >= 1000000)
		ns -= ns % 1000000;
	gt_duration_format(ns, buf, size);
	return buf;
}

const char *gt_size_str(size_t bytes, char *buf, size_t size)
{
	if (bytes >= (size_t)1 << 20)
		snprintf(buf, size, "%.1f MiB", (double)bytes / (1024.0 * 1024.0));
	else if (bytes >= 1024)
		snprintf(buf, size, "%.1f KiB", (double)bytes / 1024.0);
	else
		snprintf(buf, size, "%zu bytes", bytes);
	return buf;
}

bool gt_color_enabled(FILE *f)
{
	const char *no = getenv("NO_COLOR");
	if (no && *no)
		return false;
	const char *force = getenv("FORCE_COLOR");
	if (force && *force && strcmp(force, "0") != 0)
		return true;
	return isatty(fileno(f));
}

/* ---- --help ---- */

/* A choice's names as help shows them: "a, b or c" (aliases, which repeat a value, left out). */
static bool choice_is_alias(const struct gt_choice *c, const struct gt_choice *first)
{
	for (const struct gt_choice *p = first; p < c; p++)
		if (p->value == c->value)
			return true;
	return false;
}

static void choice_names(const struct gt_choice *choices, char *buf, size_t size)
{
	size_t shown = 0, total = 0, len = 0;
	for (const struct gt_choice *c = choices; c->name; c++)
		total += !choice_is_alias(c, choices);
	buf[0] = '\0';
	for (const struct gt_choice *c = choices; c->name && len < size; c++) {
		if (choice_is_alias(c, choices))
			continue;
		const char *sep = shown == 0 ? "" : shown + 1 == total ? " or " : ", ";
		int n = snprintf(buf + len, size - len, "%s%s", sep, c->name);
		len += n > 0 ? (size_t)n : 0;
		shown++;
	}
}

static void usage_options(const struct gt_option *o, FILE *out)
{
	for (; o && o->name; o++) {
		char left[64], values[256] = "";
		int n;
		if (o->short_name)
			n = snprintf(left, sizeof(left), "  -%c, --%s", o->short_name, o->name);
		else
			n = snprintf(left, sizeof(left), "      --%s", o->name);
		if (o->arg && n > 0 && (size_t)n < sizeof(left))
			snprintf(left + n, sizeof(left) - n, " %s", o->arg);
		/* A choice's help starts with its values, from the table: completions read them there. */
		if (o->type == GT_OPT_T_CHOICE)
			choice_names(o->choices, values, sizeof(values));
		fprintf(out, "%-32s %s%s%s\n", left, values, !*values || !*o->help ? "" : o->help[0] == '(' ? " " : ": ",
			o->help);
	}
}

void gt_usage(const struct gt_command *cmd, FILE *out)
{
	fprintf(out, "usage: %s %s\n\n%s\n\nOptions:\n", cmd->name, cmd->synopsis, cmd->summary);
	usage_options(cmd->options, out);
	usage_options(common_options, out);
}

/* ---- durations: Go's time.ParseDuration, and a bare number of seconds ---- */

#define NS_PER_US UINT64_C(1000)
#define NS_PER_MS UINT64_C(1000000)

static uint64_t unit_ns(const char *u, size_t n)
{
	static const struct { const char *name; uint64_t ns; } units[] = {
		{ "ns", 1 }, { "us", NS_PER_US }, { "\xc2\xb5s", NS_PER_US }, { "\xce\xbcs", NS_PER_US },
		{ "ms", NS_PER_MS }, { "s", GT_NS_PER_S }, { "m", 60 * GT_NS_PER_S }, { "h", 3600 * GT_NS_PER_S },
		/* not Go's: for ages (gitops-cache prune --older-than 30d) */
		{ "d", 86400 * GT_NS_PER_S }, { "w", 7 * 86400 * GT_NS_PER_S },
	};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == n && !strncmp(units[i].name, u, n))
			return units[i].ns;
	return 0;
}

/* One "12.5m" (or, when bare, "12.5" as seconds): adds its nanoseconds to *total; the rest, or NULL. */
static const char *duration_term(const char *p, bool bare, uint64_t *total)
{
	uint64_t whole = 0, frac = 0, scale = 1;
	const char *start = p;
	for (; isdigit((unsigned char)*p); p++) {
		if (whole > (UINT64_MAX - 9) / 10)
			return NULL;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	bool digits = p > start;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++, digits = true)
			if (scale < GT_NS_PER_S * 10) /* beyond a nanosecond's worth of digits nothing counts */
				frac = frac * 10 + (uint64_t)(*p - '0'), scale *= 10;
	size_t un = 0;
	while (p[un] && !isdigit((unsigned char)p[un]) && p[un] != '.')
		un++;
	uint64_t unit = bare ? GT_NS_PER_S : unit_ns(p, un);
	if (!digits || !unit || whole > UINT64_MAX / unit)
		return NULL;
	/* As Go adds a fraction: in float64. */
	uint64_t ns = whole * unit + (uint64_t)((double)frac * ((double)unit / (double)scale));
	if (ns > INT64_MAX || *total > INT64_MAX - ns)
		return NULL;
	*total += ns;
	return p + un;
}

int gt_duration_parse(const char *s, uint64_t *ns)
{
	uint64_t total = 0;
	const char *p = s;
	if (!*s)
		return -1;
	/* A bare number is seconds, as every tool's --timeout 60 always was. */
	if (strspn(s, "0123456789.") == strlen(s))
		p = duration_term(s, true, &total);
	else
		while (p && *p)
			p = duration_term(p, false, &total);
	if (!p || *p)
		return -1;
	*ns = total;
	return 0;
}

/* ".5" for the fraction v/10^prec, without trailing zeros; "" when it is 0. */
static void frac_str(uint64_t v, int prec, char *buf, size_t size)
{
	char digits[16];
	snprintf(digits, sizeof(digits), "%0*llu", prec, (unsigned long long)v);
	size_t n = strlen(digits);
	while (n > 0 && digits[n - 1] == '0')
		n--;
	snprintf(buf, size, n ? ".%.*s" : "", (int)n, digits);
}

void gt_duration_format(uint64_t ns, char *buf, size_t size)
{
	char frac[16];
	if (ns == 0) {
		snprintf(buf, size, "0s");
	} else if (ns < NS_PER_US) {
		snprintf(buf, size, "%lluns", (unsigned long long)ns);
	} else if (ns < NS_PER_MS) {
		frac_str(ns % NS_PER_US, 3, frac, sizeof(frac));
		snprintf(buf, size, "%llu%s\xc2\xb5s", (unsigned long long)(ns / NS_PER_US), frac);
	} else if (ns < GT_NS_PER_S) {
		frac_str(ns % NS_PER_MS, 6, frac, sizeof(frac));
		snprintf(buf, size, "%llu%sms", (unsigned long long)(ns / NS_PER_MS), frac);
	} else {
		uint64_t s = ns / GT_NS_PER_S, h = s / 3600, m = s / 60 % 60;
		char hm[48] = "";
		frac_str(ns % GT_NS_PER_S, 9, frac, sizeof(frac));
		if (h)
			snprintf(hm, sizeof(hm), "%lluh%llum", (unsigned long long)h, (unsigned long long)m);
		else if (m)
			snprintf(hm, sizeof(hm), "%llum", (unsigned long long)m);
		snprintf(buf, size, "%s%llu%ss", hm, (unsigned long long)(s % 60), frac);
	}
}

/* ---- values: one reader per type, one place for their messages ---- */

static int read_uint(const char *flag, const char *arg, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	/* Digits only: strtoull would also take " -1" and wrap it to ULLONG_MAX. */
	if (!(*arg >= '0' && *arg <= '9') || *end || errno || v < lo || v > hi) {
		gt_error("%s %s: not a whole number between %llu and %llu", flag, arg, (unsigned long long)lo,
			 (unsigned long long)hi);
		return -1;
	}
	*out = v;
	return 0;
}

static int read_size(const char *flag, const char *arg, uint64_t hi, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	unsigned shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (*end == 'i' && shift)
		end++;
	if (!(*arg >= '0' && *arg <= '9') || (*end && strcmp(end, "B")) || errno || v > (SIZE_MAX >> shift) ||
	    (v << shift) > hi) {
		gt_error("%s %s: not a size (a number with an optional K, M or G suffix)", flag, arg);
		return -1;
	}
	*out = (size_t)(v << shift);
	return 0;
}

static int read_duration(const struct gt_option *o, const char *flag, const char *arg, uint64_t *ns)
{
	char lo[32], hi[32];
	if (gt_duration_parse(arg, ns) < 0) {
		gt_error("%s %s: not a duration (e.g. 30s, 5m, 1h30m, 300ms; a bare number is seconds)", flag, arg);
		return -1;
	}
	if (*ns < o->min || *ns > o->max) {
		gt_duration_format(o->min, lo, sizeof(lo));
		gt_duration_format(o->max, hi, sizeof(hi));
		gt_error("%s %s: not a duration between %s and %s", flag, arg, lo, hi);
		return -1;
	}
	return 0;
}

static int read_choice(const struct gt_option *o, const char *flag, const char *arg)
{
	char names[256];
	for (const struct gt_choice *c = o->choices; c->name; c++) {
		if (strcmp(arg, c->name))
			continue;
		if (o->flags & GT_OPT_STORE_NAME)
			*(const char **)o->target = c->name;
		else if (o->flags & GT_OPT_STORE_BIT)
			*(unsigned *)o->target |= 1u << c->value;
		else
			*(int *)o->target = c->value;
		return 0;
	}
	choice_names(o->choices, names, sizeof(names));
	gt_error("%s %s: use %s", flag, arg, names);
	return -1;
}

static void store_uint(const struct gt_option *o, uint64_t v)
{
	if (o->width == sizeof(unsigned))
		*(unsigned *)o->target = (unsigned)v;
	else if (o->width == sizeof(unsigned long))
		*(unsigned long *)o->target = (unsigned long)v;
	else
		*(unsigned long long *)o->target = v;
}

/* The value arg (NULL for an option without one) into o's target. 0, -1 after printing, 1 to stop (--help). */
static int set_value(const struct gt_command *cmd, const struct gt_option *o, const char *flag, const char *arg)
{
	uint64_t v;
	switch (o->type) {
	case GT_OPT_T_FLAG:
		*(bool *)o->target = o->value != 0;
		return 0;
	case GT_OPT_T_SET_INT:
		*(int *)o->target = o->value;
		return 0;
	case GT_OPT_T_COUNT:
		++*(int *)o->target;
		return 0;
	case GT_OPT_T_UINT:
		if (read_uint(flag, arg, o->min, o->max, &v) < 0)
			return -1;
		store_uint(o, v);
		return 0;
	case GT_OPT_T_SIZE:
		return read_size(flag, arg, o->max, o->target);
	case GT_OPT_T_DURATION:
		if (read_duration(o, flag, arg, &v) < 0)
			return -1;
		*(double *)o->target = (double)v / (double)GT_NS_PER_S;
		return 0;
	case GT_OPT_T_SECONDS:
		if (read_duration(o, flag, arg, &v) < 0)
			return -1;
		*(unsigned *)o->target = (unsigned)((v + GT_NS_PER_S - 1) / GT_NS_PER_S);
		return 0;
	case GT_OPT_T_CHOICE:
		return read_choice(o, flag, arg);
	case GT_OPT_T_STRING:
		if (o->check && o->check(flag, arg) < 0)
			return -1;
		*(const char **)o->target = !*arg && (o->flags & GT_OPT_EMPTY_UNSET) ? NULL : arg;
		return 0;
	case GT_OPT_T_LIST:
		if (o->check && o->check(flag, arg) < 0)
			return -1;
		if (gt_strvec_push(o->target, arg) < 0)
			return gt_error("out of memory"), -1;
		return 0;
	case GT_OPT_T_CALLBACK:
		return o->callback(o, flag, arg) < 0 ? -1 : 0;
	case GT_OPT_T_HELP:
		gt_usage(cmd, stdout);
		return 1;
	case GT_OPT_T_VERSION:
		gt_print_version(cmd->name, stdout);
		return 1;
	}
	return 0;
}

/* ---- finding an option: exact name, unique prefix, or why not ---- */

struct parse {
	const struct gt_command *cmd;
	const struct gt_option *tables[2]; /* the tool's, then the common ones */
	int argc;
	char **argv;
};

#define FOR_EACH_OPTION(p, o)                                                   \
	for (size_t t_ = 0; t_ < 2; t_++)                                       \
		for (const struct gt_option *o = (p)->tables[t_]; o && o->name; o++)

static const struct gt_option *find_short(const struct parse *p, int c)
{
	FOR_EACH_OPTION(p, o)
		if (o->short_name == c)
			return o;
	return NULL;
}

/* Edit distance (insert, delete, substitute, swap two neighbours) of a[0..an) and b, capped at 99. */
static size_t edit_distance(const char *a, size_t an, const char *b)
{
	size_t bn = strlen(b), d[3][65];
	if (an > 64 || bn > 64)
		return 99;
	for (size_t j = 0; j <= bn; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= an; i++) {
		size_t *row = d[i % 3], *up = d[(i - 1) % 3], *up2 = d[(i + 1) % 3];
		row[0] = i;
		for (size_t j = 1; j <= bn; j++) {
			size_t best = up[j - 1] + (a[i - 1] != b[j - 1]);
			if (up[j] + 1 < best)
				best = up[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && up2[j - 2] + 1 < best)
				best = up2[j - 2] + 1;
			row[j] = best;
		}
	}
	return d[an % 3][bn];
}

/* "unknown option --x", with the nearest names when some are close enough to be a typo. */
static void report_unknown(const struct parse *p, const char *name, size_t len)
{
	size_t best = 99;
	char near[256] = "";
	FOR_EACH_OPTION(p, o) {
		size_t d = edit_distance(name, len, o->name);
		if (d < best)
			best = d;
	}
	/* A typo is a letter or two, and less than a third of the name. */
	if (best <= 2 && best * 3 <= len) {
		size_t n = 0, k = 0;
		FOR_EACH_OPTION(p, o)
			n += edit_distance(name, len, o->name) == best;
		FOR_EACH_OPTION(p, o) {
			if (edit_distance(name, len, o->name) != best)
				continue;
			size_t used = strlen(near);
			snprintf(near + used, sizeof(near) - used, "%s--%s", k == 0 ? "" : k + 1 == n ? " or " : ", ", o->name);
			k++;
		}
		gt_error("unknown option --%.*s; did you mean %s?", (int)len, name, near);
		return;
	}
	gt_error("unknown option --%.*s; see '%s --help'", (int)len, name, p->cmd->name);
}

/* The option name[0..len) names: itself, or the one option it is a prefix of. NULL after printing why not. */
static const struct gt_option *find_long(const struct parse *p, const char *name, size_t len)
{
	const struct gt_option *found = NULL;
	size_t n = 0;
	FOR_EACH_OPTION(p, o) {
		if (strncmp(o->name, name, len))
			continue;
		if (!o->name[len])
			return o; /* an exact name wins over the longer ones it starts */
		found = o;
		n++;
	}
	if (n == 1 && len > 0)
		return found;
	if (n == 0 || len == 0) {
		report_unknown(p, name, len);
		return NULL;
	}
	char names[512] = "";
	size_t k = 0;
	FOR_EACH_OPTION(p, o) {
		if (strncmp(o->name, name, len))
			continue;
		size_t used = strlen(names);
		snprintf(names + used, sizeof(names) - used, "%s--%s", k == 0 ? "" : k + 1 == n ? " or " : ", ", o->name);
		k++;
	}
	gt_error("option --%.*s is ambiguous: it could be %s", (int)len, name, names);
	return NULL;
}

/* ---- reading argv ---- */

/* --flag=BOOL: strconv.ParseBool's spellings, as Go's flag packages take them. */
static int set_bool(const struct gt_option *o, const char *flag, const char *v)
{
	static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
	static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++) {
		if (!strcmp(v, yes[i]))
			return *(bool *)o->target = o->value != 0, 0;
		if (!strcmp(v, no[i]))
			return *(bool *)o->target = o->value == 0, 0;
	}
	gt_error("%s=%s: give true or false", flag, v);
	return -1;
}

/* "--name", "--name=value" or "--name value" at argv[*i]. */
static int parse_long(struct parse *p, int *i)
{
	const char *name = p->argv[*i] + 2, *eq = strchr(name, '='), *arg = NULL;
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct gt_option *o = find_long(p, name, len);
	char flag[80];
	if (!o)
		return -1;
	snprintf(flag, sizeof(flag), "--%s", o->name);
	if (!o->arg && eq && (o->flags & GT_OPT_BOOL_VALUE))
		return set_bool(o, flag, eq + 1);
	if (!o->arg && eq)
		return gt_error("option %s takes no value; see '%s --help'", flag, p->cmd->name), -1;
	if (o->arg && eq)
		arg = eq + 1;
	else if (o->arg && *i + 1 < p->argc)
		arg = p->argv[++*i];
	else if (o->arg)
		return gt_error("option %s needs a value; see '%s --help'", flag, p->cmd->name), -1;
	return set_value(p->cmd, o, flag, arg);
}

/* "-abc" (flags), "-fVALUE" or "-f VALUE" at argv[*i]. */
static int parse_short(struct parse *p, int *i)
{
	const char *a = p->argv[*i];
	for (size_t j = 1; a[j]; j++) {
		const struct gt_option *o = find_short(p, (unsigned char)a[j]);
		char flag[3] = { '-', a[j], '\0' };
		const char *arg = NULL;
		if (!o)
			return gt_error("unknown option -%c; see '%s --help'", a[j], p->cmd->name), -1;
		if (o->arg && a[j + 1])
			arg = a + j + 1;
		else if (o->arg && *i + 1 < p->argc)
			arg = p->argv[++*i];
		else if (o->arg)
			return gt_error("option %s needs a value; see '%s --help'", flag, p->cmd->name), -1;
		int r = set_value(p->cmd, o, flag, arg);
		if (r != 0 || arg)
			return r;
	}
	return 0;
}

static int check_operands(const struct gt_command *cmd, int n)
{
	if (n < cmd->min_args) {
		gt_error("missing operand; usage: %s %s", cmd->name, cmd->synopsis);
		return -1;
	}
	if (cmd->max_args >= 0 && n > cmd->max_args) {
		gt_error("too many operands; usage: %s %s", cmd->name, cmd->synopsis);
		return -1;
	}
	return 0;
}

int gt_parse(const struct gt_command *cmd, int argc, char **argv, int *first_arg)
{
	struct parse p = { .cmd = cmd, .tables = { cmd->options, common_options }, .argc = argc, .argv = argv };
	char **operands = calloc((size_t)argc + 1, sizeof(*operands));
	int n = 0, r = 0;
	bool options_done = false;
	gt_set_program(cmd->name);
	verbosity = 1;
	debug_given = false;
	if (!operands)
		return gt_error("out of memory"), -1;
	/* GNU order: options may follow operands; "--" ends the options; "-" alone is an operand. */
	for (int i = 1; i < argc && r == 0; i++) {
		const char *a = argv[i];
		if (options_done || a[0] != '-' || !a[1])
			operands[n++] = argv[i];
		else if (!strcmp(a, "--"))
			options_done = true;
		else if (a[1] == '-')
			r = parse_long(&p, &i);
		else
			r = parse_short(&p, &i);
	}
	if (r == 0) {
		/* The operands, in order, at the end of argv. */
		memcpy(argv + argc - n, operands, (size_t)n * sizeof(*operands));
		*first_arg = argc - n;
		r = check_operands(cmd, n);
	}
	free(operands);
	return r;
}

const struct gt_choice gt_formats_all[] = {
	{ "json", GT_FORMAT_JSON }, { "yaml", GT_FORMAT_YAML }, { "text", GT_FORMAT_TEXT }, GT_CHOICES_END
};
const struct gt_choice gt_formats_json_yaml[] = { { "json", GT_FORMAT_JSON }, { "yaml", GT_FORMAT_YAML }, GT_CHOICES_END };
const struct gt_choice gt_formats_json_text[] = { { "json", GT_FORMAT_JSON }, { "text", GT_FORMAT_TEXT }, GT_CHOICES_END };

enum gt_format gt_default_format(FILE *out)
{
	return isatty(fileno(out)) ? GT_FORMAT_TEXT : GT_FORMAT_JSON;
}
