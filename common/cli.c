/* cli: option parsing from one table, messages, colour, -o forms. */
#include "cli.h"
#include "version.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *program = "gitops";
static int verbosity = 1;

/* The options every tool has; listed after the tool's own in --help. */
static const struct gt_option common_options[] = {
	{ "quiet", 'q', NULL, "print errors only" },
	{ "verbose", 'v', NULL, "say more (repeatable)" },
	{ "help", 'h', NULL, "show this help and exit" },
	{ "version", 0, NULL, "show the version and exit" },
	GT_OPTIONS_END
};

void gt_set_program(const char *name) { program = name; }
const char *gt_program(void) { return program; }
int gt_verbosity(void) { return verbosity; }

static void vmessage(const char *prefix, const char *fmt, va_list ap)
{
	/* One buffered write per message, so lines from parallel tools do not interleave. */
	char buf[4096];
	int n = snprintf(buf, sizeof(buf), "%s: %s", program, prefix);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = 0;
	int m = vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	size_t len = m < 0 ? (size_t)n : (size_t)n + (size_t)m;
	if (len >= sizeof(buf) - 1)
		len = sizeof(buf) - 2;
	buf[len++] = '\n';
	fwrite(buf, 1, len, stderr);
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

void gt_debug(const char *fmt, ...)
{
	if (verbosity < 2)
		return;
	va_list ap;
	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
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

static size_t count_options(const struct gt_option *o)
{
	size_t n = 0;
	while (o && o[n].name)
		n++;
	return n;
}

static void usage_options(const struct gt_option *o, FILE *out)
{
	for (; o && o->name; o++) {
		char left[64];
		int n;
		if (o->short_name)
			n = snprintf(left, sizeof(left), "  -%c, --%s", o->short_name, o->name);
		else
			n = snprintf(left, sizeof(left), "      --%s", o->name);
		if (o->arg && n > 0 && (size_t)n < sizeof(left))
			snprintf(left + n, sizeof(left) - n, " %s", o->arg);
		fprintf(out, "%-32s %s\n", left, o->help);
	}
}

void gt_usage(const struct gt_command *cmd, FILE *out)
{
	fprintf(out, "usage: %s %s\n\n%s\n\nOptions:\n", cmd->name, cmd->synopsis, cmd->summary);
	usage_options(cmd->options, out);
	usage_options(common_options, out);
}

/* The getopt_long tables for the tool's options followed by the common ones. */
struct parse_tables {
	struct option *longs;
	const struct gt_option **by_index; /* longs[i] describes by_index[i] */
	char shorts[160];
};

static void add_option(struct parse_tables *t, size_t i, const struct gt_option *o)
{
	t->longs[i] = (struct option){ o->name, o->arg ? required_argument : no_argument, NULL, (int)(256 + i) };
	t->by_index[i] = o;
	if (o->short_name) {
		size_t n = strlen(t->shorts);
		if (n + 3 < sizeof(t->shorts)) {
			t->shorts[n++] = (char)o->short_name;
			if (o->arg)
				t->shorts[n++] = ':';
			t->shorts[n] = '\0';
		}
	}
}

static int build_tables(const struct gt_command *cmd, struct parse_tables *t)
{
	size_t own = count_options(cmd->options), all = own + count_options(common_options);
	t->longs = calloc(all + 1, sizeof(*t->longs));
	t->by_index = calloc(all + 1, sizeof(*t->by_index));
	if (!t->longs || !t->by_index)
		return -1;
	/* '+': stop at the first operand like POSIX?  No: GNU order, options may follow DIR. */
	strcpy(t->shorts, ":");
	for (size_t i = 0; i < own; i++)
		add_option(t, i, &cmd->options[i]);
	for (size_t i = own; i < all; i++)
		add_option(t, i, &common_options[i - own]);
	return 0;
}

static const struct gt_option *option_for_short(const struct parse_tables *t, int c)
{
	for (size_t i = 0; t->by_index[i]; i++)
		if (t->by_index[i]->short_name == c)
			return t->by_index[i];
	return NULL;
}

/* Handles the common options; returns 1 if it was one (2 for --help/--version: stop), else 0. */
static int handle_common(const struct gt_command *cmd, const struct gt_option *o)
{
	if (!strcmp(o->name, "quiet"))
		return verbosity = 0, 1;
	if (!strcmp(o->name, "verbose"))
		return verbosity = verbosity < 1 ? 2 : verbosity + 1, 1;
	if (!strcmp(o->name, "help"))
		return gt_usage(cmd, stdout), 2;
	if (!strcmp(o->name, "version"))
		return gt_print_version(cmd->name, stdout), 2;
	return 0;
}

static int report_getopt_error(const struct gt_command *cmd, const struct parse_tables *t, int c, char **argv)
{
	const char *arg = argv[optind - 1];
	if (c == ':')
		gt_error("option %s needs a value; see '%s --help'", arg, cmd->name);
	else if (optopt >= 256) /* getopt_long: a known flag given "=value" */
		gt_error("option --%s takes no value; see '%s --help'", t->by_index[optopt - 256]->name, cmd->name);
	else if (optopt)
		gt_error("unknown option -%c; see '%s --help'", optopt, cmd->name);
	else
		gt_error("unknown option %s; see '%s --help'", arg, cmd->name);
	return -1;
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

int gt_parse(const struct gt_command *cmd, int argc, char **argv, void *ctx, int *first_arg)
{
	struct parse_tables t = { 0 };
	int ret = 0;
	gt_set_program(cmd->name);
	if (build_tables(cmd, &t) < 0) {
		gt_error("out of memory");
		ret = -1;
		goto out;
	}
	opterr = 0;
	/* 0, not 1: glibc and musl then also forget a half-read "-abc" of a previous parse. */
	optind = 0;
	for (int c, index = -1; (c = getopt_long(argc, argv, t.shorts, t.longs, &index)) != -1; index = -1) {
		const struct gt_option *o;
		if (c == '?' || c == ':') {
			ret = report_getopt_error(cmd, &t, c, argv);
			goto out;
		}
		o = c >= 256 ? t.by_index[c - 256] : option_for_short(&t, c);
		int common = handle_common(cmd, o);
		if (common == 2) {
			ret = 1;
			goto out;
		}
		if (!common && cmd->set(ctx, o, optarg) < 0) {
			ret = -1;
			goto out;
		}
	}
	*first_arg = optind;
	if (check_operands(cmd, argc - optind) < 0)
		ret = -1;
out:
	free(t.longs);
	free(t.by_index);
	return ret;
}

static const char *const format_names[] = { "json", "yaml", "text" };

int gt_parse_format(const char *arg, unsigned allowed, enum gt_format *out)
{
	char accepted[32] = "";
	for (unsigned i = 0; i < 3; i++) {
		if (!(allowed & (1u << i)))
			continue;
		if (!strcmp(arg, format_names[i]))
			return *out = (enum gt_format)i, 0;
		if (*accepted)
			strcat(accepted, ", ");
		strcat(accepted, format_names[i]);
	}
	gt_error("-o %s: unknown output format; use one of: %s", arg, accepted);
	return -1;
}

enum gt_format gt_default_format(FILE *out)
{
	return isatty(fileno(out)) ? GT_FORMAT_TEXT : GT_FORMAT_JSON;
}

int gt_parse_uint(const char *opt, const char *arg, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(arg, &end, 10);
	/* Digits only: strtoul would also take " -1" and wrap it to ULONG_MAX. */
	if (!(*arg >= '0' && *arg <= '9') || *end || errno || v > max) {
		gt_error("--%s %s: not a whole number between 0 and %lu", opt, arg, max);
		return -1;
	}
	*out = v;
	return 0;
}

int gt_parse_size(const char *opt, const char *arg, size_t *out)
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
	if (!(*arg >= '0' && *arg <= '9') || (*end && strcmp(end, "B")) || errno || v > (SIZE_MAX >> shift)) {
		gt_error("--%s %s: not a size (a number with an optional K, M or G suffix)", opt, arg);
		return -1;
	}
	*out = (size_t)(v << shift);
	return 0;
}
