/* proc: the one place that starts a child process (kubectl, helm, kustomize and what they run),
 * and the clock and signals that bound it. It promises: a child gets an argv (never a shell), its
 * own process group, an environment without the git token, its standard input from a buffer or
 * /dev/null; its stdout and stderr come back in memory within caps; what it says is relayed line by
 * line with the token and any secret masked. At the deadline, when its output outgrows the cap, or
 * when we are interrupted (SIGINT, SIGTERM, SIGHUP), the child is stopped together with everything
 * it started. Below: running a child, what it said, deadlines, interruption. */
#ifndef GT_PROC_H
#define GT_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* The environment variables that may hold the git token: never passed to a child, masked in what it says. */
extern const char *const gt_token_vars[];

#define GT_PROC_DEFAULT_MAX_OUT ((size_t)64 << 20) /* stdout kept, unless the caller says */
#define GT_PROC_DEFAULT_MAX_ERR ((size_t)64 << 10) /* the end of stderr: where a program says what failed */

/* ---- running a child ---- */

enum gt_proc_end {
	GT_PROC_EXITED,      /* it ended by itself: status says how */
	GT_PROC_TIMED_OUT,   /* stopped at the deadline */
	GT_PROC_TOO_LARGE,   /* stopped: its stdout passed max_out */
	GT_PROC_INTERRUPTED, /* stopped: we got SIGINT, SIGTERM or SIGHUP (gt_interrupted says which) */
	GT_PROC_FAILED,      /* it could not be started or read (already printed) */
};

struct gt_proc {
	/* what to run (borrowed) */
	char *const *argv;        /* argv[0]: a path, or a name looked up on PATH */
	int (*fn)(void *arg);     /* instead of argv: fn(fn_arg) in the forked child, with 0, 1 and 2 as below
				   * and its return as the exit status (in-process work put under a deadline) */
	void *fn_arg;
	const char *cwd;          /* NULL: ours */
	const char *in;           /* its standard input; NULL: /dev/null */
	size_t in_len;
	const char *const *env;   /* "NAME=VALUE" set (or replaced) in its environment, NULL-terminated; may be NULL */
	size_t max_out;           /* 0: GT_PROC_DEFAULT_MAX_OUT */
	size_t max_err;           /* 0: GT_PROC_DEFAULT_MAX_ERR */
	struct timespec deadline; /* CLOCK_MONOTONIC; { 0, 0 }: none */
	bool out_plain;           /* its stdout holds no Secret data (kubectl -o name): -vvv shows it as it is,
				   * where other stdout is shown only as JSON with Secrets masked */
	/* Called as stdout arrives, with all of it so far (out[0..len), valid only during the call):
	 * a reader may start on what the child has written while it still writes. May be NULL. */
	void (*on_out)(void *arg, const char *out, size_t len);
	void *on_out_arg;
	/* Called once the child runs, before its output is read: work the caller does meanwhile may
	 * start threads there (never before the fork, whose child would inherit their locks held). */
	void (*on_start)(void *arg);
	void *on_start_arg;
	/* what happened (owned: gt_proc_free) */
	char *out, *err;          /* NUL-terminated, never NULL after gt_proc_run returned 0 */
	size_t out_len, err_len;
	int status;               /* waitpid's status when end is GT_PROC_EXITED */
	enum gt_proc_end end;
};

/*
 * Run p to its end. 0 when it exited by itself (p->status: how), -1 otherwise (p->end: why; only
 * GT_PROC_FAILED is printed, naming what). A program that did not call gt_signals_catch dies of
 * an interrupting signal as it would have without a child, once the child's group is stopped.
 */
int gt_proc_run(struct gt_proc *p, const char *what);

/* Exited with status 0. */
bool gt_proc_succeeded(const struct gt_proc *p);

/* The suite's program name (e.g. "gitops-render") next to this program (as installed and as built), else name
 * itself (looked up on PATH): one tool runs another of the same build. Caller frees; NULL when out of memory. */
char *gt_sibling_program_dup(const char *name);

/* Wipe (it may hold Secret data) and free what gt_proc_run collected. */
void gt_proc_free(struct gt_proc *p);

/* ---- what it said ---- */

/* Each line of its stderr as one message "PREFIX: line" (an error or a warning), the token and secret masked. */
void gt_proc_relay_stderr(const struct gt_proc *p, const char *prefix, bool as_errors, const char *secret);

/* gt_relay_lines's flags */
#define GT_RELAY_ERRORS 1u /* as errors (else warnings) */
#define GT_RELAY_ONCE 2u   /* each distinct line once (a chart's deprecation warning repeats per template) */
/* Each non-empty line of text (a child's stderr) as one message "PREFIX: line", the token and secret masked. */
void gt_relay_lines(const char *text, const char *prefix, unsigned flags, const char *secret);

/* Mask, in place, the token variables' values and secret (may be NULL) in s. */
void gt_redact_tokens(char *s, const char *secret);

/* ---- deadlines ---- */

/* A deadline seconds from now (CLOCK_MONOTONIC), and the seconds left until one (0 when past). */
struct timespec gt_deadline_in(double seconds);
double gt_seconds_left(const struct timespec *deadline);
/* The earlier of two deadlines, { 0, 0 } meaning none. */
struct timespec gt_deadline_min(struct timespec a, struct timespec b);
bool gt_deadline_set(const struct timespec *deadline);

/* ---- interruption ---- */

/*
 * Catch SIGINT, SIGTERM and SIGHUP for the rest of the run: the running child's group is stopped
 * at once, blocking calls return, and the program unwinds (removing its temporary files) by
 * checking gt_interrupted; then gt_signals_reraise makes it die of the signal.
 */
void gt_signals_catch(void);
/* The signal that interrupted the run, or 0. */
int gt_interrupted(void);
/* Die of the interrupting signal, if there was one. */
void gt_signals_reraise(void);

#endif
