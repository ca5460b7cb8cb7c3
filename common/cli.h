/* cli: option tables, --help/--version, messages on stderr, exit codes, colour. */
#ifndef GT_CLI_H
#define GT_CLI_H

#include <stdbool.h>
#include <stdio.h>

/* The exit codes of DESIGN.md section 4. */
enum gt_exit {
	GT_EXIT_OK = 0,      /* success; for gitops-diff: no differences */
	GT_EXIT_DIFFERS = 1, /* something differs / failed / unhealthy / refused */
	GT_EXIT_USAGE = 2,   /* usage error */
	GT_EXIT_INPUT = 2,   /* bad input: malformed YAML, invalid object, render error */
	GT_EXIT_REMOTE = 3,  /* git server, auth, cluster unreachable, attempts exhausted */
};

/*
 * One option, once: the table is the single source of --help, the man page's
 * OPTIONS section and the completions (tests/cli/options.t checks they agree).
 * -h/--help, --version, -q/--quiet and -v/--verbose are added by gt_parse.
 */
struct gt_option {
	const char *name;  /* long name without "--" */
	int short_name;    /* single letter, or 0 */
	const char *arg;   /* argument name shown in help; NULL for a flag */
	const char *help;  /* one line */
};
#define GT_OPTIONS_END { NULL, 0, NULL, NULL }

struct gt_command {
	const char *name;     /* "gitops-render" */
	const char *synopsis; /* "[OPTIONS] DIR" */
	const char *summary;  /* one line: what the tool does */
	const struct gt_option *options;
	/* Called once per option given: 0 to go on, -1 after printing why the value is bad. */
	int (*set)(void *ctx, const struct gt_option *opt, const char *arg);
	int min_args, max_args; /* operands after the options; max_args < 0: unlimited */
};

/*
 * Parse argv against cmd's table. Returns 0 to go on (operands start at
 * argv[*first_arg]), 1 when --help or --version was printed (exit 0), -1 on a
 * usage error (already reported).
 */
int gt_parse(const struct gt_command *cmd, int argc, char **argv, void *ctx, int *first_arg);

/* Print the usage text generated from the table. */
void gt_usage(const struct gt_command *cmd, FILE *out);

/* Program name used in messages ("gitops-render"). */
void gt_set_program(const char *name);
const char *gt_program(void);

/* 0 quiet (-q), 1 normal, 2 verbose (-v), 3+ more verbose. */
int gt_verbosity(void);

/* "gitops-TOOL: message" on stderr, one line. gt_info only without -q, gt_debug only with -v. */
void gt_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void gt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void gt_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void gt_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Colour on f: NO_COLOR (non-empty) disables, FORCE_COLOR (non-empty, not "0") forces, else a TTY. */
bool gt_color_enabled(FILE *f);

/* Output forms for -o. */
enum gt_format { GT_FORMAT_JSON, GT_FORMAT_YAML, GT_FORMAT_TEXT };
#define GT_FORMATS_JSON_YAML ((1u << GT_FORMAT_JSON) | (1u << GT_FORMAT_YAML))
#define GT_FORMATS_ALL ((1u << GT_FORMAT_JSON) | (1u << GT_FORMAT_YAML) | (1u << GT_FORMAT_TEXT))

/* Parse a -o value among the allowed forms; -1 after printing the accepted ones. */
int gt_parse_format(const char *arg, unsigned allowed, enum gt_format *out);

/* The default for -o: text on a terminal, JSON in a pipe. */
enum gt_format gt_default_format(FILE *out);

/* Parse a non-negative size with optional K/M/G (binary) suffix; -1 after printing. */
int gt_parse_size(const char *opt, const char *arg, size_t *out);
/* Parse a non-negative int up to max; -1 after printing. */
int gt_parse_uint(const char *opt, const char *arg, unsigned long max, unsigned long *out);

#endif
