/* cli: how every tool meets its user. It promises: one exit code vocabulary (0 done / no
 * differences, 1 differs or refused, 2 bad usage or input or output, 3 a remote failed); options
 * declared once, in a typed table that is the only source of parsing, --help, the man page and the
 * completions, read with GNU conventions and one message for each kind of mistake; one duration
 * grammar (Go's, seconds accepted); every message one line "gitops-TOOL: what: why" on stderr,
 * by verbosity; the -o forms and their default. In that order below. */
#ifndef GT_CLI_H
#define GT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vec.h"

/* ---- exit codes ---- */

/* The exit codes of docs/design.md (Exit codes). */
enum gt_exit {
	GT_EXIT_OK = 0,      /* success; for gitops-diff: no differences */
	GT_EXIT_DIFFERS = 1, /* something differs / failed / unhealthy / refused */
	GT_EXIT_USAGE = 2,   /* usage error */
	GT_EXIT_INPUT = 2,   /* bad input: malformed YAML, invalid object, render error */
	GT_EXIT_OUTPUT = 2,  /* standard output cannot be written (full disk, closed pipe): never an answer */
	GT_EXIT_REMOTE = 3,  /* git server, auth, cluster unreachable, attempts exhausted */
};

/*
 * The exit code of a run whose standard output could not be written: GT_EXIT_OUTPUT, whatever
 * the answer was (a lost "differs" or "unhealthy" is not an answer, and never 0 after an error),
 * unless a remote had already failed (GT_EXIT_REMOTE stays).
 */
static inline enum gt_exit gt_exit_output_failed(enum gt_exit rc)
{
	return rc == GT_EXIT_REMOTE ? GT_EXIT_REMOTE : GT_EXIT_OUTPUT;
}

/* ---- option tables ----
 *
 * One option, once: each entry names the option, its argument and help line, and binds it to
 * the variable it sets with a type that says how its value is read and checked. The table is
 * the single source of parsing, --help, the man page's OPTIONS section and the completions
 * (tests/cli/options.t checks they agree). -h/--help, --version, -q/--quiet and -v/--verbose
 * are added by gt_parse. docs/options.md describes the conventions. */

enum gt_opt_type {
	GT_OPT_T_FLAG,     /* bool: set to .value (true, or false for --no-x) */
	GT_OPT_T_SET_INT,  /* int: set to .value */
	GT_OPT_T_COUNT,    /* int: one more each time (-v -vv) */
	GT_OPT_T_UINT,     /* unsigned, unsigned long or size_t in [min, max] */
	GT_OPT_T_SIZE,     /* size_t: a byte count, K/M/G suffix (binary), at most max */
	GT_OPT_T_DURATION, /* double seconds: gt_duration_parse's grammar, in [min, max] nanoseconds */
	GT_OPT_T_SECONDS,  /* unsigned whole seconds (rounded up) from the same grammar, in [min, max] */
	GT_OPT_T_CHOICE,   /* an int-sized enum: the value of the name given among .choices (or the name) */
	GT_OPT_T_STRING,   /* const char *: the argument itself (borrowed from argv) */
	GT_OPT_T_LIST,     /* struct gt_strvec (vec.h): every argument, borrowed, in order (repeatable) */
	GT_OPT_T_CALLBACK, /* .callback does it: for the rare option no type describes */
	GT_OPT_T_HELP,     /* -h/--help and --version: gt_parse's own */
	GT_OPT_T_VERSION,
};

/* One accepted name of a choice and the value it stands for. */
struct gt_choice {
	const char *name;
	int value;
};
#define GT_CHOICES_END { NULL, 0 }

/* .flags */
#define GT_OPT_EMPTY_UNSET 1u /* a string given as "" leaves the target NULL (as kubectl and argocd take it) */
#define GT_OPT_STORE_NAME 2u /* a choice stores its name (const char *), not its value */
#define GT_OPT_STORE_BIT 4u  /* a choice sets bit 1 << value in an unsigned (repeatable: a set of choices) */
#define GT_OPT_BOOL_VALUE 8u /* a flag also takes =true or =false, as Go's bool flags (helm's --skip-tests=false) */

struct gt_option {
	const char *name; /* long name without "--" */
	int short_name;   /* single letter, or 0 */
	const char *arg;  /* argument name shown in help; NULL for an option that takes none */
	const char *help; /* one line; for a choice, what follows its values */
	enum gt_opt_type type;
	void *target;                    /* the variable set; its type follows from .type */
	unsigned width;                  /* GT_OPT_T_UINT: sizeof the target */
	int value;                       /* GT_OPT_T_FLAG, GT_OPT_T_SET_INT: what is stored */
	uint64_t min, max;               /* UINT and SIZE: the range; DURATION and SECONDS: in nanoseconds */
	const struct gt_choice *choices; /* GT_OPT_T_CHOICE */
	unsigned flags;                  /* GT_OPT_EMPTY_UNSET, GT_OPT_STORE_NAME, GT_OPT_STORE_BIT */
	/* STRING and LIST: refuse a value before it is kept; flag is the option as given ("--label",
	 * "-l"). -1 after printing "FLAG VALUE: why". */
	int (*check)(const char *flag, const char *value);
	/* CALLBACK: 0, or -1 after printing "FLAG VALUE: why". */
	int (*callback)(const struct gt_option *opt, const char *flag, const char *value);
};
#define GT_OPTIONS_END { .name = NULL }

/* The target's type is checked at compile time: a mismatch does not build. */
#define GT_OPT_TARGET_(T, p) _Generic((p), T *: (void *)(p))
#define GT_OPT_UINT_WIDTH_(p)                                                                              \
	_Generic((p), unsigned *: sizeof(unsigned), unsigned long *: sizeof(unsigned long),                \
		 unsigned long long *: sizeof(unsigned long long))
#define GT_OPT_INT_SIZED_(p) ((void *)((char *)(p) + 0 * sizeof(char[sizeof(*(p)) == sizeof(int) ? 1 : -1])))

#define GT_NS_PER_S UINT64_C(1000000000)
#define GT_SECONDS(n) ((uint64_t)(n) * GT_NS_PER_S)
#define GT_MS(n) ((uint64_t)(n) * (GT_NS_PER_S / 1000))
/* The longest duration any option takes: a day is longer than any rollout or request anyone waits for. */
#define GT_MAX_DURATION GT_SECONDS(24 * 3600)

/* --name: *p = true. */
#define GT_OPT_FLAG(s, n, p, h) \
	{ .name = n, .short_name = s, .help = h, .type = GT_OPT_T_FLAG, .target = GT_OPT_TARGET_(bool, p), .value = 1 }
/* --no-name and the like: *p = false. */
#define GT_OPT_FLAG_OFF(s, n, p, h) \
	{ .name = n, .short_name = s, .help = h, .type = GT_OPT_T_FLAG, .target = GT_OPT_TARGET_(bool, p), .value = 0 }
/* --name: *p = true; --name=false: *p = false (Go's spellings of a bool, as helm takes them). */
#define GT_OPT_FLAG_BOOL(s, n, p, h)                                                                      \
	{ .name = n, .short_name = s, .help = h, .type = GT_OPT_T_FLAG, .target = GT_OPT_TARGET_(bool, p), .value = 1, \
	  .flags = GT_OPT_BOOL_VALUE }
/* *p = v, for an int with more than two states. */
#define GT_OPT_SET_INT(s, n, p, v, h) \
	{ .name = n, .short_name = s, .help = h, .type = GT_OPT_T_SET_INT, .target = GT_OPT_TARGET_(int, p), .value = v }
#define GT_OPT_COUNT(s, n, p, h) \
	{ .name = n, .short_name = s, .help = h, .type = GT_OPT_T_COUNT, .target = GT_OPT_TARGET_(int, p) }
/* A whole number in [lo, hi]: digits only, no sign. */
#define GT_OPT_UINT(s, n, a, p, lo, hi, h)                                                                \
	{ .name = n, .short_name = s, .arg = a, .help = h, .type = GT_OPT_T_UINT, .target = (void *)(p),      \
	  .width = GT_OPT_UINT_WIDTH_(p), .min = lo, .max = hi }
/* A byte count: 64M, 512K, 1G (binary; an optional "i" and "B" are accepted), at most hi. */
#define GT_OPT_SIZE(s, n, p, hi, h)                                                                       \
	{ .name = n, .short_name = s, .arg = "SIZE", .help = h, .type = GT_OPT_T_SIZE,                        \
	  .target = GT_OPT_TARGET_(size_t, p), .max = hi }
/* A duration (5m, 30s, 1h30m, 300ms; a bare number is seconds) in [lo, hi] ns, into double seconds. */
#define GT_OPT_DURATION(s, n, p, lo, hi, h)                                                               \
	{ .name = n, .short_name = s, .arg = "DURATION", .help = h, .type = GT_OPT_T_DURATION,                \
	  .target = GT_OPT_TARGET_(double, p), .min = lo, .max = hi }
/* The same grammar into unsigned whole seconds, rounded up: for kubectl's and libgit2's timeouts. */
#define GT_OPT_SECONDS(s, n, p, lo, hi, h)                                                                \
	{ .name = n, .short_name = s, .arg = "DURATION", .help = h, .type = GT_OPT_T_SECONDS,                 \
	  .target = GT_OPT_TARGET_(unsigned, p), .min = lo, .max = hi }
/* One of the names in c (a GT_CHOICES_END-terminated array); --help lists them, completions offer them. */
#define GT_OPT_CHOICE(s, n, a, p, c, h) \
	{ .name = n, .short_name = s, .arg = a, .help = h, .type = GT_OPT_T_CHOICE, .target = GT_OPT_INT_SIZED_(p), .choices = c }
/* The same, storing the name given (const char *): for a value passed on as text (kustomize's flag). */
#define GT_OPT_CHOICE_NAME(s, n, a, p, c, h)                                                            \
	{ .name = n, .short_name = s, .arg = a, .help = h, .type = GT_OPT_T_CHOICE,                           \
	  .target = GT_OPT_TARGET_(const char *, p), .choices = c, .flags = GT_OPT_STORE_NAME }
/* Repeatable: each name given adds bit 1 << its value to the unsigned *p (none given: *p untouched). */
#define GT_OPT_CHOICE_SET(s, n, a, p, c, h)                                                             \
	{ .name = n, .short_name = s, .arg = a, .help = h, .type = GT_OPT_T_CHOICE,                           \
	  .target = GT_OPT_TARGET_(unsigned, p), .choices = c, .flags = GT_OPT_STORE_BIT }
#define GT_OPT_STRING(s, n, a, p, h) \
	{ .name = n, .short_name = s, .arg = a, .help = h, .type = GT_OPT_T_STRING, .target = GT_OPT_TARGET_(const char *, p) }
/* A string that "" leaves unset (NULL), as argocd and kubectl take an empty value. */
#define GT_OPT_STRING_EMPTY_UNSET(s, n, a, p, h)                                                          \
	{ .name = n, .short_name = s, .arg = a, .help = h, .type = GT_OPT_T_STRING,                           \
	  .target = GT_OPT_TARGET_(const char *, p), .flags = GT_OPT_EMPTY_UNSET }
/* A string checked by fn (see .check) before it is kept. */
#define GT_OPT_STRING_CHECKED(s, n, a, p, fn, h) \
	{ .name = n, .short_name = s, .arg = a, .help = h, .type = GT_OPT_T_STRING, .target = GT_OPT_TARGET_(const char *, p), .check = fn }
/* Repeatable: every value in a struct gt_strvec; fn (may be NULL) checks each. */
#define GT_OPT_LIST(s, n, a, p, fn, h) \
	{ .name = n, .short_name = s, .arg = a, .help = h, .type = GT_OPT_T_LIST, .target = GT_OPT_TARGET_(struct gt_strvec, p), .check = fn }
/* fn(opt, flag, value) does it; p is opt->target. a NULL: the option takes no value. */
#define GT_OPT_CALLBACK(s, n, a, p, fn, h) \
	{ .name = n, .short_name = s, .arg = a, .help = h, .type = GT_OPT_T_CALLBACK, .target = (void *)(p), .callback = fn }

struct gt_command {
	const char *name;     /* "gitops-render" */
	const char *synopsis; /* "[OPTIONS] DIR" */
	const char *summary;  /* one line: what the tool does */
	const struct gt_option *options;
	int min_args, max_args; /* operands after the options; max_args < 0: unlimited */
};

/* ---- parsing ---- */

/*
 * Parse argv against cmd's table, setting each option's target as it is read (the last one
 * given wins; lists collect all). GNU conventions: options and operands in any order, "--"
 * ends the options, "--name=value", "-xVALUE", "-abc" for flags, and a long name may be
 * shortened to any prefix that names one option (an exact name always wins; an ambiguous one
 * is an error naming the candidates; an unknown one suggests the nearest names).
 * Returns 0 to go on (operands start at argv[*first_arg]: argv is reordered), 1 when --help
 * or --version was printed (exit 0), -1 on a usage error (already reported, one line).
 */
int gt_parse(const struct gt_command *cmd, int argc, char **argv, int *first_arg);

/* Print the usage text generated from the table. */
void gt_usage(const struct gt_command *cmd, FILE *out);

/* ---- durations ---- */

/*
 * A Go duration (time.ParseDuration: "300ms", "1.5h", "2h45m"; units ns, us, µs, ms, s, m, h;
 * no sign), also with d (24h) and w (7d) for ages, or a bare number of seconds ("90", "0.5"),
 * into nanoseconds. -1 if malformed or beyond INT64_MAX ns (Go's limit); nothing printed.
 */
int gt_duration_parse(const char *s, uint64_t *ns);
/* ns as Go's Duration.String() writes it ("1h30m0s", "1.5s", "250ms", "0s") into buf (32 bytes suffice). */
void gt_duration_format(uint64_t ns, char *buf, size_t size);

/* ---- messages ---- */

/* Program name used in messages ("gitops-render"). */
void gt_set_program(const char *name);
const char *gt_program(void);

/* 0 quiet (-q), 1 normal, 2 verbose (-v), 3+ more verbose. */
int gt_verbosity(void);

/*
 * The levels of -v (docs/options.md, Verbosity): every line on stderr, "gitops-TOOL: ...", never
 * on stdout, and never with a secret in it. --debug is GT_V_TIMES (and helm's --debug).
 */
#define GT_V_STEPS 2 /* -v: each step: the URL (redacted), the user, the branch tip read, each push
		      * attempt and why it was refused, each command line run (no secrets) */
#define GT_V_TIMES 3 /* -vv: and how long each step took, how much it moved */
#define GT_V_RAW 4   /* -vvv: and the raw exchanges: git transport progress and the server's
		      * messages, kubectl's stdout and stderr (Secret data masked) */
bool gt_verbose(int level);
/* --debug was given (the tools that run helm pass it --debug). */
bool gt_debug_given(void);

/* "gitops-TOOL: message" on stderr, one line. gt_info only without -q, gt_debug only with -v. */
void gt_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void gt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void gt_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void gt_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The three levels' lines: gt_step at -v (as gt_debug), gt_detail at -vv, gt_raw at -vvv. */
void gt_step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void gt_detail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void gt_raw(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The calling thread's messages kept instead of written, for work done ahead on a second thread
 * whose caller decides afterwards whether they are shown: gt_messages_hold starts keeping them,
 * gt_messages_release stops and gives them (a malloc'd text, *len bytes; NULL when none were
 * said or memory ran out: then *len is 1 if any were lost).
 */
void gt_messages_hold(void);
char *gt_messages_release(size_t *len);

/*
 * Mask secret (a token; copied) as "***" in every message printed from now on, errors included,
 * and its base64 form (as a Basic Authorization header or a Secret would carry it). Shorter than 4
 * bytes: ignored. At most 8 are kept.
 */
void gt_log_secret(const char *secret);

/* CLOCK_MONOTONIC in nanoseconds, and the time since start_ns as "1.234s" / "56ms" in buf. */
uint64_t gt_now_ns(void);
const char *gt_took(uint64_t start_ns, char *buf, size_t size);
/* bytes as "512 bytes", "4.2 KiB", "1.5 MiB" in buf. */
const char *gt_size_str(size_t bytes, char *buf, size_t size);

/* Colour on f: NO_COLOR (non-empty) disables, FORCE_COLOR (non-empty, not "0") forces, else a TTY. */
bool gt_color_enabled(FILE *f);

/* ---- output forms ---- */

/* Output forms for -o, and the choices each tool's -o accepts. */
enum gt_format { GT_FORMAT_UNSET = -1 /* not given: the tool decides */, GT_FORMAT_JSON, GT_FORMAT_YAML, GT_FORMAT_TEXT };
extern const struct gt_choice gt_formats_all[];       /* json, yaml, text */
extern const struct gt_choice gt_formats_json_yaml[]; /* json, yaml */
extern const struct gt_choice gt_formats_json_text[]; /* json, text */

/* The default for -o: text on a terminal, JSON in a pipe. */
enum gt_format gt_default_format(FILE *out);

#endif
