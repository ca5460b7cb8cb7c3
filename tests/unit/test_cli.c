/* test_cli: typed option tables (every type, ranges, abbreviations, did-you-mean), --help and
 * --version, durations, messages and colour, checked the way a user meets them: the result of
 * gt_parse, the variables the table binds, stdout, and the one line on stderr. */
#include "cli.h"
#include "tap.h"

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
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

/* ---- a small tool: one option of every type ---- */

enum mode { MODE_FAST = 1, MODE_SAFE = 2 };

struct opts {
	const char *file, *name, *checked, *level;
	unsigned kinds;
	bool force, color;
	int cache, loud;
	unsigned long retries;
	unsigned small;
	size_t big, size;
	double wait;
	unsigned secs;
	enum mode mode;
	struct gt_strvec tags;
	int called;
	char seen[64]; /* what the callback saw */
};

static struct opts o;

static int check_no_x(const char *flag, const char *value)
{
	if (strchr(value, 'x'))
		return gt_error("%s %s: no x allowed", flag, value), -1;
	return 0;
}

static int callback(const struct gt_option *opt, const char *flag, const char *value)
{
	struct opts *t = opt->target;
	t->called++;
	snprintf(t->seen, sizeof(t->seen), "%s=%s", flag, value ? value : "(none)");
	return value && !strcmp(value, "bad") ? (gt_error("%s %s: refused", flag, value), -1) : 0;
}

static const struct gt_choice modes[] = { { "fast", MODE_FAST }, { "safe", MODE_SAFE }, { "careful", MODE_SAFE }, GT_CHOICES_END };
static const struct gt_choice levels[] = { { "low", 0 }, { "high", 1 }, GT_CHOICES_END };

static const struct gt_option options[] = {
	GT_OPT_STRING('f', "file", "FILE", &o.file, "objects to read (default: standard input)"),
	GT_OPT_STRING_EMPTY_UNSET(0, "name", "NAME", &o.name, "a name; empty is none"),
	GT_OPT_STRING_CHECKED(0, "checked", "TEXT", &o.checked, check_no_x, "a string without x"),
	GT_OPT_FLAG(0, "force", &o.force, "apply even when nothing changed"),
	GT_OPT_FLAG(0, "color", &o.color, "colour"),
	GT_OPT_FLAG_OFF(0, "no-color", &o.color, "no colour"),
	GT_OPT_SET_INT(0, "cache", &o.cache, 1, "use the cache"),
	GT_OPT_SET_INT(0, "no-cache", &o.cache, 0, "do not use the cache"),
	GT_OPT_COUNT('L', "loud", &o.loud, "louder (repeatable)"),
	GT_OPT_UINT('r', "retries", "N", &o.retries, 1, 10, "attempts before giving up"),
	GT_OPT_UINT(0, "small", "N", &o.small, 0, 4096, "an unsigned"),
	GT_OPT_UINT(0, "big", "N", &o.big, 0, SIZE_MAX, "a size_t count"),
	GT_OPT_SIZE(0, "max-size", &o.size, (size_t)1 << 30, "largest document (at most 1G)"),
	GT_OPT_DURATION(0, "wait", &o.wait, 0, GT_MAX_DURATION, "how long to wait"),
	GT_OPT_SECONDS(0, "timeout", &o.secs, GT_SECONDS(1), GT_SECONDS(3600), "per request"),
	GT_OPT_CHOICE('m', "mode", "MODE", &o.mode, modes, "(default fast)"),
	GT_OPT_CHOICE_NAME(0, "level", "LEVEL", &o.level, levels, "how much"),
	GT_OPT_CHOICE_SET('k', "kind", "KIND", &o.kinds, modes, "(repeatable)"),
	GT_OPT_LIST('t', "tag", "TAG", &o.tags, check_no_x, "a tag (repeatable)"),
	GT_OPT_CALLBACK(0, "hook", "ARG", &o, callback, "custom"),
	GT_OPT_CALLBACK(0, "ping", NULL, &o, callback, "custom, no value"),
	GT_OPT_FLAG('n', "dry-run", &o.force, "show what would happen"),
	/* abbreviation fixtures: --app exact, --ap ambiguous with --api-versions */
	GT_OPT_STRING(0, "app", "NAME", &o.name, "an app"),
	GT_OPT_STRING(0, "api-versions", "LIST", &o.checked, "api versions"),
	GT_OPTIONS_END
};

static const struct gt_command cmd = { "gitops-test", "[OPTIONS] DIR [DIR...]", "exercise the option parser", options, 1, 2 };

/* Run gt_parse on a NULL-terminated argument list, from zeroed options; stderr and stdout captured. */
static int run(int *first, const char **err, const char **out, ...)
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
	gt_strvec_release(&o.tags);
	memset(&o, 0, sizeof(o));
	o.cache = -1;
	*first = -1;
	capture_start(&ce, 2);
	capture_start(&co, 1);
	int r = gt_parse(&cmd, argc, argv_store, first);
	*out = capture_end(&co);
	*err = capture_end(&ce);
	return r;
}

/* gt_parse of "gitops-test FLAG VALUE dir" must fail with a message that contains want. */
static void refused(const char *flag, const char *value, const char *want)
{
	int first;
	const char *err, *out;
	int r = value ? run(&first, &err, &out, flag, value, "dir", NULL) : run(&first, &err, &out, flag, "dir", NULL);
	ok(r == -1 && strstr(err, want) && strchr(err, '\n') == err + strlen(err) - 1,
	   "refused: %s %s: '%s' in: %s", flag, value ? value : "", want, line1(err));
}

static void test_parse(void)
{
	int first;
	const char *err, *out;

	is_int(run(&first, &err, &out, "--file", "a.yaml", "--force", "dir", NULL), 0, "parse: long options");
	is_str(o.file, "a.yaml", "parse: --file VALUE");
	ok(o.force, "parse: --force flag");
	is_int(first, 4, "parse: operands start after the options");
	is_str(err, "", "parse: nothing on stderr");

	is_int(run(&first, &err, &out, "-f", "b.yaml", "-r3", "-n", "dir", NULL), 0, "parse: short options");
	is_str(o.file, "b.yaml", "parse: -f VALUE");
	is_int(o.retries, 3, "parse: -r3 (value attached)");
	ok(o.force, "parse: -n");

	is_int(run(&first, &err, &out, "--file=c.yaml", "--retries=7", "d1", "d2", NULL), 0, "parse: --opt=value");
	is_str(o.file, "c.yaml", "parse: --file=c.yaml");
	is_int(o.retries, 7, "parse: --retries=7");

	is_int(run(&first, &err, &out, "d1", "-f", "x.yaml", "d2", NULL), 0, "parse: options may follow operands (GNU)");
	is_str(o.file, "x.yaml", "parse: option after an operand is seen");
	is_int(first, 3, "parse: operands are moved after the options");

	is_int(run(&first, &err, &out, "-f", "-", "-", NULL), 0, "parse: '-' is a value and an operand");
	is_str(o.file, "-", "parse: -f - (standard input)");
	is_int(first, 3, "parse: a lone '-' operand is kept");

	is_int(run(&first, &err, &out, "--", "-f", NULL), 0, "parse: -- ends options");
	ok(o.file == NULL && first == 2, "parse: after --, -f is an operand");

	is_int(run(&first, &err, &out, "-fn", "dir", NULL), 0, "parse: -fn is -f with value n");
	is_str(o.file, "n", "parse: -fn takes 'n' as the value");
	is_int(run(&first, &err, &out, "--file", "--force", "dir", NULL), 0, "parse: a value may start with -");
	is_str(o.file, "--force", "parse: --file --force takes it as the value");

	is_int(run(&first, &err, &out, "dir", "--file", NULL), -1, "parse: long option missing its value -> -1");
	ok(strstr(err, "gitops-test: ") == err && strstr(err, "--file") && strstr(err, "needs a value"),
	   "parse: missing value message names the option: %s", line1(err));
	is_int(run(&first, &err, &out, "dir", "-f", NULL), -1, "parse: short option missing its value -> -1");
	ok(strstr(err, "-f") && strstr(err, "needs a value"), "parse: missing value message for -f: %s", line1(err));

	is_int(run(&first, &err, &out, "--bogus", "dir", NULL), -1, "parse: unknown long option -> -1");
	ok(strstr(err, "unknown option --bogus") && strstr(err, "--help"), "parse: unknown option message: %s", line1(err));
	is_int(run(&first, &err, &out, "-x", "dir", NULL), -1, "parse: unknown short option -> -1");
	ok(strstr(err, "unknown option -x"), "parse: unknown short option message: %s", line1(err));
	is_int(run(&first, &err, &out, "--bogus=secret", "dir", NULL), -1, "parse: unknown --opt=value -> -1");
	ok(!strstr(err, "secret"), "parse: the value of an unknown option is not echoed: %s", line1(err));

	/* A flag given a value must be refused with a message that names it. */
	is_int(run(&first, &err, &out, "--force=yes", "dir", NULL), -1, "parse: --flag=value -> -1");
	ok(strstr(err, "option --force takes no value") != NULL, "parse: --force=yes names --force: %s", line1(err));
	ok(strlen(err) > 0 && err[strlen(err) - 1] == '\n' && !strchr(err, '\n')[1], "parse: one line on stderr");

	is_int(run(&first, &err, &out, NULL), -1, "parse: fewer operands than min_args -> -1");
	ok(strstr(err, "missing operand") != NULL, "parse: missing operand message: %s", line1(err));
	is_int(run(&first, &err, &out, "a", "b", "c", NULL), -1, "parse: more operands than max_args -> -1");
	ok(strstr(err, "too many operands") != NULL, "parse: too many operands message: %s", line1(err));
	is_int(run(&first, &err, &out, "a", "b", NULL), 0, "parse: max_args operands are fine");

	/* A parse that stopped inside "-xn" must not leak "n" into the next parse. */
	is_int(run(&first, &err, &out, "-xn", "dir", NULL), -1, "parse: error inside an option cluster");
	is_int(run(&first, &err, &out, "dir", NULL), 0, "parse: the next parse starts afresh");
	ok(!o.force, "parse: no option left over from the previous argv");
	is_int(run(&first, &err, &out, "-hn", "dir", NULL), 1, "parse: -h inside a cluster stops");
	is_int(run(&first, &err, &out, "-f", "z", "dir", NULL), 0, "parse: after -hn, parse again");
	ok(!o.force, "parse: only -f seen, no stale -n");

	is_int(run(&first, &err, &out, "-f", "a", "-f", "b", "dir", NULL), 0, "parse: an option given twice");
	is_str(o.file, "b", "parse: the last one wins");
}

static void test_types(void)
{
	int first;
	const char *err, *out;

	/* flag, its off switch, set-int, count */
	is_int(run(&first, &err, &out, "--color", "--no-color", "--cache", "dir", NULL), 0, "flag: --color --no-color");
	ok(!o.color && o.cache == 1, "flag: the last of --color/--no-color wins; --cache sets 1");
	is_int(run(&first, &err, &out, "--no-cache", "dir", NULL), 0, "set-int: --no-cache");
	is_int(o.cache, 0, "set-int: --no-cache sets 0");
	is_int(run(&first, &err, &out, "dir", NULL), 0, "set-int: not given");
	is_int(o.cache, -1, "set-int: untouched when not given");
	is_int(run(&first, &err, &out, "-L", "-LL", "--loud", "dir", NULL), 0, "count: -L -LL --loud");
	is_int(o.loud, 4, "count: four");

	/* uint: digits only, in range, every target width */
	is_int(run(&first, &err, &out, "--retries", "10", "--small", "4096", "--big", "18446744073709551615", "dir", NULL),
	       0, "uint: the maxima");
	ok(o.retries == 10 && o.small == 4096 && o.big == SIZE_MAX, "uint: unsigned long, unsigned and size_t set");
	refused("--retries", "0", "--retries 0: not a whole number between 1 and 10");
	refused("--retries", "11", "--retries 11: not a whole number between 1 and 10");
	static const char *const bad_uints[] = { "4097", "-1", "", "1x", "1.0", "18446744073709551616", " 7", "+7", " -1" };
	for (size_t i = 0; i < sizeof(bad_uints) / sizeof(bad_uints[0]); i++)
		refused("--small", bad_uints[i], "not a whole number between 0 and 4096");
	refused("--big", "18446744073709551616", "--big 18446744073709551616: not a whole number");
	refused("--big", " -1", "not a whole number"); /* strtoull would wrap it */
	/* The option is named once, as given: not "----retries" nor "---r". */
	refused("-r", "x", "gitops-test: -r x: not a whole number");
	refused("--ret", "x", "gitops-test: --retries x: not a whole number");

	/* size */
	static const struct { const char *arg; size_t want; } sizes[] = {
		{ "0", 0 }, { "1", 1 }, { "1K", 1024 }, { "1k", 1024 }, { "64M", (size_t)64 << 20 },
		{ "1G", (size_t)1 << 30 }, { "1KiB", 1024 }, { "3MB", (size_t)3 << 20 }, { "512B", 512 },
	};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int r = run(&first, &err, &out, "--max-size", sizes[i].arg, "dir", NULL);
		ok(r == 0 && o.size == sizes[i].want, "size: %s = %zu", sizes[i].arg, sizes[i].want);
	}
	static const char *const bad_sizes[] = { "", "-1", "1.5M", "M", "1T", "1Kx", "1 K", "0x10", "2G",
						 "99999999999999999999", "17179869184G", " 5", "+5", "1iB" };
	for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++)
		refused("--max-size", bad_sizes[i], "--max-size");

	/* duration into seconds, and whole seconds rounded up */
	static const struct { const char *arg; double want; } waits[] = {
		{ "0", 0 }, { "90", 90 }, { "1.5", 1.5 }, { "300ms", 0.3 }, { "5m", 300 }, { "1h30m", 5400 },
		{ "2m30s", 150 }, { "1.5h", 5400 }, { "24h", 86400 }, { "500us", 0.0005 }, { "10ns", 1e-8 },
	};
	for (size_t i = 0; i < sizeof(waits) / sizeof(waits[0]); i++) {
		int r = run(&first, &err, &out, "--wait", waits[i].arg, "dir", NULL);
		ok(r == 0 && o.wait > waits[i].want - 1e-9 && o.wait < waits[i].want + 1e-9, "duration: %s = %gs",
		   waits[i].arg, waits[i].want);
	}
	static const char *const bad_durations[] = { "", "soon", "5x", "-1s", "+1s", "1m-2s", "nan", "inf", "1.2.3",
						     "5 s", "s", ".", "1y", "m5" };
	for (size_t i = 0; i < sizeof(bad_durations) / sizeof(bad_durations[0]); i++)
		refused("--wait", bad_durations[i], "not a duration (e.g. 30s, 5m, 1h30m, 300ms; a bare number is seconds)");
	refused("--wait", "25h", "--wait 25h: not a duration between 0s and 24h0m0s");
	is_int(run(&first, &err, &out, "--timeout", "1.2", "dir", NULL), 0, "seconds: 1.2");
	is_int(o.secs, 2, "seconds: 1.2 rounds up to 2");
	is_int(run(&first, &err, &out, "--timeout", "5m", "dir", NULL), 0, "seconds: 5m");
	is_int(o.secs, 300, "seconds: 5m is 300");
	refused("--timeout", "300ms", "--timeout 300ms: not a duration between 1s and 1h0m0s");
	refused("--timeout", "0", "between 1s and 1h0m0s");

	/* choice: the value of the name; aliases accepted, not listed */
	is_int(run(&first, &err, &out, "-m", "safe", "dir", NULL), 0, "choice: -m safe");
	is_int(o.mode, MODE_SAFE, "choice: its value");
	is_int(run(&first, &err, &out, "--mode=careful", "dir", NULL), 0, "choice: an alias");
	is_int(o.mode, MODE_SAFE, "choice: the alias's value");
	refused("--mode", "Fast", "--mode Fast: use fast or safe");
	refused("-m", "", "-m : use fast or safe");
	is_int(run(&first, &err, &out, "--level", "high", "dir", NULL), 0, "choice name: --level high");
	is_str(o.level, "high", "choice name: the name is stored");
	is_int(run(&first, &err, &out, "-k", "fast", "--kind=careful", "-ksafe", "dir", NULL), 0, "choice set: three");
	is_int(o.kinds, (1u << MODE_FAST) | (1u << MODE_SAFE), "choice set: the bits of the values given");
	refused("--kind", "slow", "--kind slow: use fast or safe");

	/* string: empty is unset where asked; checked strings; lists */
	is_int(run(&first, &err, &out, "--name", "", "--file", "", "dir", NULL), 0, "string: empty values");
	ok(o.name == NULL && o.file && !*o.file, "string: \"\" unset only where the table says so");
	refused("--checked", "box", "--checked box: no x allowed");
	is_int(run(&first, &err, &out, "-t", "a", "--tag=b", "-tc", "dir", NULL), 0, "list: three values");
	ok(o.tags.n == 3 && !strcmp(o.tags.v[0], "a") && !strcmp(o.tags.v[2], "c") && !o.tags.v[3],
	   "list: in order, NULL-terminated");
	refused("--tag", "x", "--tag x: no x allowed");

	/* callback: gets the flag as given and the value */
	is_int(run(&first, &err, &out, "--hook", "v", "--ping", "dir", NULL), 0, "callback: called");
	ok(o.called == 2 && !strcmp(o.seen, "--ping=(none)"), "callback: twice, last without a value: %s", o.seen);
	refused("--hook", "bad", "--hook bad: refused");
	gt_strvec_release(&o.tags);
}

static void test_abbreviations(void)
{
	int first;
	const char *err, *out;

	is_int(run(&first, &err, &out, "--for", "dir", NULL), 0, "abbrev: a unique prefix is accepted");
	ok(o.force, "abbrev: --for is --force");
	is_int(run(&first, &err, &out, "--app", "a", "dir", NULL), 0, "abbrev: an exact name wins over longer ones");
	is_str(o.name, "a", "abbrev: --app is --app, not ambiguous with --api-versions");
	is_int(run(&first, &err, &out, "--tim=5", "dir", NULL), 0, "abbrev: a prefix with =value");
	is_int(o.secs, 5, "abbrev: --tim=5 is --timeout 5");
	refused("--ap", "x", "option --ap is ambiguous: it could be --app or --api-versions");
	refused("--c", NULL, "option --c is ambiguous: it could be --checked, --color or --cache");
	refused("--no-c", NULL, "it could be --no-color or --no-cache");

	/* did you mean: the nearest names, when close */
	refused("--forse", NULL, "unknown option --forse; did you mean --force?");
	refused("--dryrun", NULL, "did you mean --dry-run?");
	refused("--retires", "3", "did you mean --retries?");
	refused("--colour", NULL, "did you mean --color?");
	refused("--tags", "a", "unknown option --tags; did you mean --tag?");
	refused("--no-such-option", NULL, "unknown option --no-such-option; see 'gitops-test --help'");
	refused("--xyz", NULL, "unknown option --xyz; see 'gitops-test --help'");
}

static void test_help_version(void)
{
	int first;
	const char *err, *out;

	is_int(run(&first, &err, &out, "--help", NULL), 1, "help: --help returns 1 (exit 0), even without operands");
	ok(strncmp(out, "usage: gitops-test [OPTIONS] DIR [DIR...]\n", 42) == 0, "help: usage line first on stdout");
	ok(strstr(out, "exercise the option parser") != NULL, "help: summary");
	static const char *const want[] = { "-f, --file FILE", "--force", "-r, --retries N", "-n, --dry-run",
					    "--max-size SIZE", "--wait DURATION", "--timeout DURATION",
					    "-q, --quiet", "-v, --verbose", "-h, --help", "--version" };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ok(strstr(out, want[i]) != NULL, "help: lists %s", want[i]);
	for (const struct gt_option *p = options; p->name; p++)
		ok(strstr(out, p->help) != NULL, "help: has the help line of --%s", p->name);
	ok(strstr(out, "  -m, --mode MODE                fast or safe (default fast)\n") != NULL,
	   "help: a choice lists its values (no aliases) before its remark");
	ok(strstr(out, "      --level LEVEL              low or high: how much\n") != NULL, "help: values: remark");
	is_str(err, "", "help: nothing on stderr");

	is_int(run(&first, &err, &out, "-h", NULL), 1, "help: -h returns 1");
	ok(strstr(out, "usage: ") == out, "help: -h prints usage");
	is_int(run(&first, &err, &out, "--he", NULL), 1, "help: --he is --help");

	is_int(run(&first, &err, &out, "--version", NULL), 1, "version: returns 1");
	ok(strstr(out, "gitops-test (gitops-tools) ") == out && strchr(out, '\n'), "version: one line: %s", line1(out));
	ok(strstr(out, GT_VERSION) != NULL, "version: has the version");

	is_int(run(&first, &err, &out, "-q", "dir", NULL), 0, "parse: -q");
	is_int(gt_verbosity(), 0, "verbosity: -q is 0");
	is_int(run(&first, &err, &out, "-v", "-v", "dir", NULL), 0, "parse: -v -v");
	is_int(gt_verbosity(), 3, "verbosity: -v -v is 3 (each parse starts from 1)");
	is_int(run(&first, &err, &out, "-vvv", "dir", NULL), 0, "parse: -vvv");
	is_int(gt_verbosity(), 4, "verbosity: -vvv is 4");
	is_int(run(&first, &err, &out, "-v", "-q", "dir", NULL), 0, "parse: -v -q");
	is_int(gt_verbosity(), 0, "verbosity: -q after -v is quiet");
	is_int(run(&first, &err, &out, "--debug", "dir", NULL), 0, "parse: --debug");
	is_int(gt_verbosity(), GT_V_TIMES, "verbosity: --debug is -vv");
	ok(gt_debug_given(), "verbosity: --debug is remembered (for helm)");
	is_int(run(&first, &err, &out, "-vvv", "--debug", "dir", NULL), 0, "parse: -vvv --debug");
	is_int(gt_verbosity(), 4, "verbosity: --debug does not lower -vvv");
	is_int(run(&first, &err, &out, "dir", NULL), 0, "parse: nothing");
	ok(!gt_debug_given(), "verbosity: each parse starts without --debug");
	is_str(gt_program(), "gitops-test", "program: gt_parse sets the name used in messages");
}

static void test_durations(void)
{
	static const struct { const char *in; uint64_t ns; const char *go; } d[] = {
		{ "0", 0, "0s" }, { "0s", 0, "0s" }, { "10s", GT_SECONDS(10), "10s" }, { "90s", GT_SECONDS(90), "1m30s" },
		{ "2m", GT_SECONDS(120), "2m0s" }, { "1h", GT_SECONDS(3600), "1h0m0s" }, { "1.5s", GT_MS(1500), "1.5s" },
		{ "250ms", GT_MS(250), "250ms" }, { "1h30m", GT_SECONDS(5400), "1h30m0s" }, { "5", GT_SECONDS(5), "5s" },
		{ "1us", 1000, "1\xc2\xb5s" }, { "1\xc2\xb5s", 1000, "1\xc2\xb5s" }, { "3ns", 3, "3ns" },
		{ ".5s", GT_MS(500), "500ms" }, { "1.5h10m", GT_SECONDS(6000), "1h40m0s" },
		{ "1d12h", GT_SECONDS(36 * 3600), "36h0m0s" }, { "2w", GT_SECONDS(14 * 86400), "336h0m0s" },
	};
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		uint64_t ns = 7;
		char buf[32];
		int r = gt_duration_parse(d[i].in, &ns);
		gt_duration_format(ns, buf, sizeof(buf));
		ok(r == 0 && ns == d[i].ns && !strcmp(buf, d[i].go), "duration: %s = %lluns, Go writes %s (got %s)", d[i].in,
		   (unsigned long long)d[i].ns, d[i].go, buf);
	}
	uint64_t ns = 7;
	is_int(gt_duration_parse("9999999999h", &ns), -1, "duration: beyond int64 nanoseconds refused");
	is_int(gt_duration_parse("2562047h47m16.854775807s", &ns), 0, "duration: Go's largest accepted");
	ok(ns == INT64_MAX, "duration: and exact");
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

	/* held messages: kept, not written; given back whole; none said, none given */
	size_t held_len = 7;
	capture_start(&c, 2);
	gt_messages_hold();
	gt_error("first %d", 1);
	gt_warn("second");
	char *held = gt_messages_release(&held_len);
	gt_error("after");
	is_str(capture_end(&c), "gitops-x: after\n", "held messages: none written while held, later ones are");
	is_str(held, "gitops-x: first 1\ngitops-x: warning: second\n", "held messages: given back in order, as written");
	is_int(held_len, strlen("gitops-x: first 1\ngitops-x: warning: second\n"), "held messages: their length");
	free(held);
	gt_messages_hold();
	held = gt_messages_release(&held_len);
	ok(held == NULL && held_len == 0, "held messages: none said, none given");

	char big[6000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	capture_start(&c, 2);
	gt_error("%s", big);
	const char *t = capture_end(&c);
	ok(strlen(t) > 1000 && t[strlen(t) - 1] == '\n' && strchr(t, '\n') == t + strlen(t) - 1,
	   "gt_error: a long message is cut but still one line");

	/* the levels, and the token masked in every message */
	int first;
	const char *err, *out;
	is_int(run(&first, &err, &out, "-vv", "dir", NULL), 0, "levels: -vv");
	gt_set_program("gitops-x");
	capture_start(&c, 2);
	gt_step("a step");
	gt_detail("a time");
	gt_raw("a raw line");
	is_str(capture_end(&c), "gitops-x: a step\ngitops-x: a time\n", "levels: -vv prints steps and details, not raw lines");
	gt_log_secret("s3cr3t-t0ken-value");
	capture_start(&c, 2);
	gt_error("sent s3cr3t-t0ken-value and czNjcjN0LXQwa2VuLXZhbHVl twice: s3cr3t-t0ken-value");
	is_str(capture_end(&c), "gitops-x: sent *** and *** twice: ***\n",
	       "gt_log_secret: the token and its base64 masked in every message");
	free(c.text);
}

static void test_format(void)
{
	FILE *tmp = tmpfile();
	is_int(gt_default_format(tmp), GT_FORMAT_JSON, "format: default is JSON when not a terminal");
	fclose(tmp);
	ok(!strcmp(gt_formats_json_text[1].name, "text") && gt_formats_json_text[1].value == GT_FORMAT_TEXT,
	   "format: -o choices carry the enum values");
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
	test_types();
	test_abbreviations();
	test_help_version();
	test_durations();
	test_messages();
	test_format();
	test_color();
	return tap_done();
}
