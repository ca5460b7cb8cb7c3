/* test_cli: option parsing from one table, --help/--version, -o forms, sizes and colour,
 * checked the way a user meets them: exit code of gt_parse, stdout, and the stderr message. */
#include "cli.h"
#include "tap.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- capture stdout or stderr of one call ---- */

struct capture {
	int fd, saved;
	FILE *tmp;
	char *text;
};

static void capture_start(struct capture *c, int fd)
{
	fflush(fd == 1 ? stdout : stderr);
	c->fd = fd;
	c->tmp = tmpfile();
	c->saved = dup(fd);
	dup2(fileno(c->tmp), fd);
}

/* Returns what was written; valid until the next capture_start on c. */
static const char *capture_end(struct capture *c)
{
	fflush(c->fd == 1 ? stdout : stderr);
	dup2(c->saved, c->fd);
	close(c->saved);
	long n = ftell(c->tmp);
	free(c->text);
	c->text = calloc(1, n > 0 ? (size_t)n + 1 : 1);
	rewind(c->tmp);
	if (n > 0 && fread(c->text, 1, (size_t)n, c->tmp) != (size_t)n)
		c->text[0] = '\0';
	fclose(c->tmp);
	return c->text;
}

/* The first line of a message, for test names. */
static const char *line1(const char *s)
{
	static char buf[256];
	size_t n = strcspn(s, "\n");
	snprintf(buf, sizeof(buf), "%.*s", (int)(n < sizeof(buf) ? n : sizeof(buf) - 1), s);
	return buf;
}

/* ---- a small tool ---- */

struct opts {
	const char *file;
	int force;
	unsigned long retries;
	int seen;
	char order[64]; /* option letters in the order set() saw them */
};

static const struct gt_option options[] = {
	{ "file", 'f', "FILE", "objects to read (default: standard input)" },
	{ "force", 0, NULL, "apply even when nothing changed" },
	{ "retries", 'r', "N", "attempts before giving up" },
	{ "dry-run", 'n', NULL, "show what would happen" },
	GT_OPTIONS_END
};

static int set_option(void *ctx, const struct gt_option *opt, const char *arg)
{
	struct opts *o = ctx;
	size_t n = strlen(o->order);
	o->seen++;
	if (n + 1 < sizeof(o->order)) {
		o->order[n] = opt->short_name ? (char)opt->short_name : 'F';
		o->order[n + 1] = '\0';
	}
	if (!strcmp(opt->name, "file"))
		o->file = arg;
	else if (!strcmp(opt->name, "force"))
		o->force = 1;
	else if (!strcmp(opt->name, "retries"))
		return gt_parse_uint(opt->name, arg, 10, &o->retries);
	return 0;
}

static const struct gt_command cmd = {
	"gitops-test", "[OPTIONS] DIR [DIR...]", "exercise the option parser", options, set_option, 1, 2,
};

/* Run gt_parse on a NULL-terminated argument list; stderr and stdout captured into err/out. */
static int run(struct opts *o, int *first, const char **err, const char **out, ...)
{
	static struct capture ce, co;
	static char *argv_store[32];
	static char buf[32][64];
	va_list ap;
	int argc = 0;
	va_start(ap, out);
	argv_store[argc] = strcpy(buf[argc], "gitops-test");
	argc++;
	for (const char *a; (a = va_arg(ap, const char *)) && argc < 31; argc++)
		argv_store[argc] = strcpy(buf[argc], a);
	va_end(ap);
	argv_store[argc] = NULL;
	memset(o, 0, sizeof(*o));
	*first = -1;
	capture_start(&ce, 2);
	capture_start(&co, 1);
	int r = gt_parse(&cmd, argc, argv_store, o, first);
	*out = capture_end(&co);
	*err = capture_end(&ce);
	return r;
}

static void test_parse(void)
{
	struct opts o;
	int first;
	const char *err, *out;

	is_int(run(&o, &first, &err, &out, "--file", "a.yaml", "--force", "dir", NULL), 0, "parse: long options");
	is_str(o.file, "a.yaml", "parse: --file VALUE");
	is_int(o.force, 1, "parse: --force flag");
	is_int(first, 4, "parse: operands start after the options");
	is_str(err, "", "parse: nothing on stderr");

	is_int(run(&o, &first, &err, &out, "-f", "b.yaml", "-r3", "-n", "dir", NULL), 0, "parse: short options");
	is_str(o.file, "b.yaml", "parse: -f VALUE");
	is_int(o.retries, 3, "parse: -r3 (value attached)");
	is_str(o.order, "frn", "parse: set() called once per option, in order");

	is_int(run(&o, &first, &err, &out, "--file=c.yaml", "--retries=7", "d1", "d2", NULL), 0, "parse: --opt=value");
	is_str(o.file, "c.yaml", "parse: --file=c.yaml");
	is_int(o.retries, 7, "parse: --retries=7");

	is_int(run(&o, &first, &err, &out, "d1", "-f", "x.yaml", "d2", NULL), 0, "parse: options may follow operands (GNU)");
	is_str(o.file, "x.yaml", "parse: option after an operand is seen");
	is_int(first, 3, "parse: operands are moved after the options");

	is_int(run(&o, &first, &err, &out, "-f", "-", "-", NULL), 0, "parse: '-' is a value and an operand");
	is_str(o.file, "-", "parse: -f - (standard input)");
	is_int(first, 3, "parse: a lone '-' operand is kept");

	is_int(run(&o, &first, &err, &out, "--", "-f", NULL), 0, "parse: -- ends options");
	is_int(o.seen, 0, "parse: after --, -f is an operand");

	is_int(run(&o, &first, &err, &out, "-fn", "dir", NULL), 0, "parse: -fn is -f with value n");
	is_str(o.file, "n", "parse: -fn takes 'n' as the value");

	is_int(run(&o, &first, &err, &out, "dir", "--file", NULL), -1, "parse: long option missing its value -> -1");
	ok(strstr(err, "gitops-test: ") == err && strstr(err, "--file") && strstr(err, "needs a value"),
	   "parse: missing value message names the option: %s", line1(err));
	is_int(run(&o, &first, &err, &out, "dir", "-f", NULL), -1, "parse: short option missing its value -> -1");
	ok(strstr(err, "-f") && strstr(err, "needs a value"), "parse: missing value message for -f: %s", line1(err));

	is_int(run(&o, &first, &err, &out, "--bogus", "dir", NULL), -1, "parse: unknown long option -> -1");
	ok(strstr(err, "unknown option") && strstr(err, "--bogus") && strstr(err, "--help"),
	   "parse: unknown option message: %s", line1(err));
	is_int(o.seen, 0, "parse: nothing set after an unknown option");
	is_int(run(&o, &first, &err, &out, "-x", "dir", NULL), -1, "parse: unknown short option -> -1");
	ok(strstr(err, "unknown option -x"), "parse: unknown short option message: %s", line1(err));

	/* A flag given a value must be refused with a message that names it, not a garbage letter. */
	is_int(run(&o, &first, &err, &out, "--force=yes", "dir", NULL), -1, "parse: --flag=value -> -1");
	ok(strstr(err, "--force") != NULL, "parse: --force=yes message names --force: %s", line1(err));
	ok(strlen(err) > 0 && err[strlen(err) - 1] == '\n' && !strchr(err, '\n')[1],
	   "parse: one line on stderr");

	is_int(run(&o, &first, &err, &out, "-r", "11", "dir", NULL), -1, "parse: set() refusing a value -> -1");
	ok(strstr(err, "--retries 11") != NULL, "parse: the value's message comes from set(): %s", line1(err));

	is_int(run(&o, &first, &err, &out, NULL), -1, "parse: fewer operands than min_args -> -1");
	ok(strstr(err, "missing operand") != NULL, "parse: missing operand message: %s", line1(err));
	is_int(run(&o, &first, &err, &out, "a", "b", "c", NULL), -1, "parse: more operands than max_args -> -1");
	ok(strstr(err, "too many operands") != NULL, "parse: too many operands message: %s", line1(err));
	is_int(run(&o, &first, &err, &out, "a", "b", NULL), 0, "parse: max_args operands are fine");

	/* A parse that stopped inside "-xq" must not leak "q" into the next parse. */
	is_int(run(&o, &first, &err, &out, "-xn", "dir", NULL), -1, "parse: error inside an option cluster");
	is_int(run(&o, &first, &err, &out, "dir", NULL), 0, "parse: the next parse starts afresh");
	is_int(o.seen, 0, "parse: no option left over from the previous argv");
	is_int(run(&o, &first, &err, &out, "-hn", "dir", NULL), 1, "parse: -h inside a cluster stops");
	is_int(run(&o, &first, &err, &out, "-f", "z", "dir", NULL), 0, "parse: after -hn, parse again");
	is_str(o.order, "f", "parse: only -f seen, no stale -n");
}

static void test_help_version(void)
{
	struct opts o;
	int first;
	const char *err, *out;

	is_int(run(&o, &first, &err, &out, "--help", NULL), 1, "help: --help returns 1 (exit 0), even without operands");
	ok(strncmp(out, "usage: gitops-test [OPTIONS] DIR [DIR...]\n", 42) == 0, "help: usage line first on stdout");
	ok(strstr(out, "exercise the option parser") != NULL, "help: summary");
	static const char *const want[] = { "-f, --file FILE", "--force", "-r, --retries N", "-n, --dry-run",
					    "-q, --quiet", "-v, --verbose", "-h, --help", "--version" };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ok(strstr(out, want[i]) != NULL, "help: lists %s", want[i]);
	for (const struct gt_option *p = options; p->name; p++)
		ok(strstr(out, p->help) != NULL, "help: has the help line of --%s", p->name);
	is_str(err, "", "help: nothing on stderr");
	is_int(o.seen, 0, "help: set() not called");

	is_int(run(&o, &first, &err, &out, "-h", NULL), 1, "help: -h returns 1");
	ok(strstr(out, "usage: ") == out, "help: -h prints usage");

	is_int(run(&o, &first, &err, &out, "--version", NULL), 1, "version: returns 1");
	ok(strstr(out, "gitops-test (gitops-tools) ") == out && strchr(out, '\n'), "version: one line: %s", line1(out));
	ok(strstr(out, GT_VERSION) != NULL, "version: has the version");

	is_int(run(&o, &first, &err, &out, "-q", "dir", NULL), 0, "parse: -q");
	is_int(gt_verbosity(), 0, "verbosity: -q is 0");
	is_int(run(&o, &first, &err, &out, "-v", "-v", "dir", NULL), 0, "parse: -v -v");
	is_int(gt_verbosity(), 3, "verbosity: -v -v is 3");
	is_str(gt_program(), "gitops-test", "program: gt_parse sets the name used in messages");
}

static void test_messages(void)
{
	struct capture c = { 0 };
	gt_set_program("gitops-x");
	capture_start(&c, 2);
	gt_error("cannot read %s: %s", "f.yaml", "No such file");
	is_str(capture_end(&c), "gitops-x: cannot read f.yaml: No such file\n", "gt_error: 'tool: message' one line");
	capture_start(&c, 2);
	gt_warn("odd");
	is_str(capture_end(&c), "gitops-x: warning: odd\n", "gt_warn: 'warning: ' prefix");

	char big[6000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	capture_start(&c, 2);
	gt_error("%s", big);
	const char *t = capture_end(&c);
	ok(strlen(t) > 1000 && t[strlen(t) - 1] == '\n' && strchr(t, '\n') == t + strlen(t) - 1,
	   "gt_error: a long message is cut but still one line");
	free(c.text);
}

static void test_format(void)
{
	enum gt_format f = GT_FORMAT_TEXT;
	struct capture c = { 0 };
	is_int(gt_parse_format("json", GT_FORMATS_ALL, &f), 0, "format: json");
	is_int(f, GT_FORMAT_JSON, "format: json value");
	is_int(gt_parse_format("yaml", GT_FORMATS_JSON_YAML, &f), 0, "format: yaml");
	is_int(f, GT_FORMAT_YAML, "format: yaml value");
	is_int(gt_parse_format("text", GT_FORMATS_ALL, &f), 0, "format: text");
	is_int(f, GT_FORMAT_TEXT, "format: text value");
	capture_start(&c, 2);
	is_int(gt_parse_format("text", GT_FORMATS_JSON_YAML, &f), -1, "format: text not allowed -> -1");
	const char *err = capture_end(&c);
	ok(strstr(err, "json, yaml") && !strstr(err, "text\n") && strstr(err, "-o text"),
	   "format: message lists the accepted forms: %s", line1(err));
	is_int(f, GT_FORMAT_TEXT, "format: out untouched on error");
	capture_start(&c, 2);
	is_int(gt_parse_format("JSON", GT_FORMATS_ALL, &f), -1, "format: names are lower case");
	capture_end(&c);
	capture_start(&c, 2);
	is_int(gt_parse_format("", GT_FORMATS_ALL, &f), -1, "format: empty -> -1");
	capture_end(&c);

	FILE *tmp = tmpfile();
	is_int(gt_default_format(tmp), GT_FORMAT_JSON, "format: default is JSON when not a terminal");
	fclose(tmp);
	free(c.text);
}

static void test_numbers(void)
{
	struct capture c = { 0 };
	size_t sz = 0;
	unsigned long u = 0;
	static const struct { const char *arg; size_t want; } sizes[] = {
		{ "0", 0 }, { "1", 1 }, { "1K", 1024 }, { "1k", 1024 }, { "64M", (size_t)64 << 20 },
		{ "2G", (size_t)2 << 30 }, { "1KiB", 1024 }, { "3MB", (size_t)3 << 20 }, { "512B", 512 },
	};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		sz = 12345;
		is_int(gt_parse_size("max-document-size", sizes[i].arg, &sz), 0, "size: %s accepted", sizes[i].arg);
		is_int(sz, sizes[i].want, "size: %s = %zu", sizes[i].arg, sizes[i].want);
	}
	static const char *const bad_sizes[] = { "", "-1", "1.5M", "M", "1T", "1Kx", "1 K", "0x10",
						 "99999999999999999999", "17179869184G", " 5", "+5", "1iB" };
	for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		sz = 777;
		capture_start(&c, 2);
		is_int(gt_parse_size("max-document-size", bad_sizes[i], &sz), -1, "size: '%s' refused", bad_sizes[i]);
		const char *err = capture_end(&c);
		ok(strstr(err, "--max-document-size") && sz == 777, "size: '%s' message names the option, out untouched",
		   bad_sizes[i]);
	}

	is_int(gt_parse_uint("max-depth", "0", 4096, &u), 0, "uint: 0");
	is_int(u, 0, "uint: 0 value");
	is_int(gt_parse_uint("max-depth", "4096", 4096, &u), 0, "uint: max itself is allowed");
	is_int(u, 4096, "uint: 4096 value");
	is_int(gt_parse_uint("n", "18446744073709551615", ULONG_MAX, &u), 0, "uint: ULONG_MAX when max allows");
	ok(u == ULONG_MAX, "uint: ULONG_MAX value");
	static const char *const bad_uints[] = { "4097", "-1", "", "1x", "1.0", "18446744073709551616", " 7",
						 "+7", " -1" };
	for (size_t i = 0; i < sizeof(bad_uints) / sizeof(bad_uints[0]); i++) {
		u = 777;
		capture_start(&c, 2);
		is_int(gt_parse_uint("max-depth", bad_uints[i], 4096, &u), -1, "uint: '%s' refused", bad_uints[i]);
		const char *err = capture_end(&c);
		ok(strstr(err, "--max-depth") && strstr(err, "4096") && u == 777, "uint: '%s' message names option and max",
		   bad_uints[i]);
	}
	/* With the largest max, a negative number must not wrap around to a huge one. */
	capture_start(&c, 2);
	is_int(gt_parse_uint("max-alias-nodes", " -1", ULONG_MAX, &u), -1, "uint: ' -1' refused even with max ULONG_MAX");
	capture_end(&c);
	free(c.text);
}

static void test_color(void)
{
	FILE *f = tmpfile();
	unsetenv("NO_COLOR");
	unsetenv("FORCE_COLOR");
	ok(!gt_color_enabled(f), "color: off on a file");
	setenv("FORCE_COLOR", "1", 1);
	ok(gt_color_enabled(f), "color: FORCE_COLOR=1 forces it on a file");
	setenv("FORCE_COLOR", "0", 1);
	ok(!gt_color_enabled(f), "color: FORCE_COLOR=0 does not");
	setenv("FORCE_COLOR", "", 1);
	ok(!gt_color_enabled(f), "color: empty FORCE_COLOR does not");
	setenv("FORCE_COLOR", "1", 1);
	setenv("NO_COLOR", "1", 1);
	ok(!gt_color_enabled(f), "color: NO_COLOR wins over FORCE_COLOR");
	setenv("NO_COLOR", "", 1);
	ok(gt_color_enabled(f), "color: empty NO_COLOR is ignored");
	unsetenv("FORCE_COLOR");
	ok(!gt_color_enabled(f), "color: back off without FORCE_COLOR");
	unsetenv("NO_COLOR");
	fclose(f);
}

int main(void)
{
	test_parse();
	test_help_version();
	test_messages();
	test_format();
	test_numbers();
	test_color();
	return tap_done();
}
