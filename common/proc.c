/* proc: start a child, feed it, collect what it prints, stop it (and what it started) at the
 * deadline or on an interrupting signal. */
#define _GNU_SOURCE /* execvpe, pipe2, asprintf */
#include "proc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "redact.h"

extern char **environ;

const char *const gt_token_vars[] = { "GITOPS_GIT_TOKEN", "SYSTEM_ACCESSTOKEN", "GITOPS_HELM_PASSWORD", NULL };

#define STOP_GRACE_MS 1000 /* between asking a stopped child's group to end and killing it */
#define POLL_SLICE_MS 1000 /* a poll never sleeps longer: a signal that came just before it is seen */

/* ---- deadlines ---- */

struct timespec gt_deadline_in(double seconds)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	if (seconds < 0)
		seconds = 0;
	time_t whole = (time_t)seconds;
	t.tv_sec += whole;
	t.tv_nsec += (long)((seconds - (double)whole) * 1e9);
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

bool gt_deadline_set(const struct timespec *d)
{
	return d && (d->tv_sec || d->tv_nsec);
}

double gt_seconds_left(const struct timespec *d)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double left = (double)(d->tv_sec - now.tv_sec) + (double)(d->tv_nsec - now.tv_nsec) / 1e9;
	return left > 0 ? left : 0;
}

struct timespec gt_deadline_min(struct timespec a, struct timespec b)
{
	if (!gt_deadline_set(&a))
		return b;
	if (!gt_deadline_set(&b))
		return a;
	return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec) ? a : b;
}

/* Milliseconds to wait in one poll: up to the deadline, never more than a slice. */
static int poll_ms(const struct timespec *deadline)
{
	if (!gt_deadline_set(deadline))
		return POLL_SLICE_MS;
	double ms = gt_seconds_left(deadline) * 1000.0;
	return ms > POLL_SLICE_MS ? POLL_SLICE_MS : (int)ms;
}

/* ---- signals ---- */

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define N_STOP_SIGNALS (sizeof(stop_signals) / sizeof(*stop_signals))

static volatile sig_atomic_t caught;      /* the first interrupting signal */
static volatile sig_atomic_t child_group; /* the running child's process group, 0: none */
static bool catching;                      /* the program unwinds by itself (gt_signals_catch) */

static void on_signal(int sig)
{
	if (!caught)
		caught = sig;
	int g = child_group;
	if (g > 0)
		kill(-g, sig); /* the child is in a group of its own: a terminal's ^C does not reach it */
}

static void handle(int sig, struct sigaction *saved)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocking read or poll returns, and the run unwinds through its cleanup. */
	sigaction(sig, &sa, saved);
}

void gt_signals_catch(void)
{
	for (size_t i = 0; i < N_STOP_SIGNALS; i++)
		handle(stop_signals[i], NULL);
	catching = true;
}

int gt_interrupted(void)
{
	return caught;
}

void gt_signals_reraise(void)
{
	int sig = caught;
	if (!sig)
		return;
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * A program that does not catch signals itself dies of them; while a child runs, they are caught
 * so that the child's group can be stopped first. Only signals at their default: one the program
 * ignores stays ignored. saved[i] and installed[i] say what to put back.
 */
static void catch_for_run(struct sigaction saved[N_STOP_SIGNALS], bool installed[N_STOP_SIGNALS])
{
	for (size_t i = 0; i < N_STOP_SIGNALS; i++) {
		installed[i] = false;
		if (catching || sigaction(stop_signals[i], NULL, &saved[i]) < 0 || saved[i].sa_handler != SIG_DFL)
			continue;
		handle(stop_signals[i], NULL);
		installed[i] = true;
	}
}

static void uncatch_after_run(const struct sigaction saved[N_STOP_SIGNALS], const bool installed[N_STOP_SIGNALS])
{
	for (size_t i = 0; i < N_STOP_SIGNALS; i++)
		if (installed[i])
			sigaction(stop_signals[i], &saved[i], NULL);
	if (!catching && caught)
		gt_signals_reraise(); /* as the signal would have done without a child */
}

/* ---- the child's environment: ours, without the token, with the caller's settings ---- */

static bool names_var(const char *entry, const char *name)
{
	size_t n = strlen(name);
	return !strncmp(entry, name, n) && entry[n] == '=';
}

static bool same_name(const char *entry, const char *setting)
{
	const char *eq = strchr(setting, '=');
	size_t n = eq ? (size_t)(eq - setting) : strlen(setting);
	return !strncmp(entry, setting, n) && entry[n] == '=';
}

static bool dropped(const char *entry, const char *const *set)
{
	for (size_t i = 0; gt_token_vars[i]; i++)
		if (names_var(entry, gt_token_vars[i]))
			return true;
	for (size_t i = 0; set && set[i]; i++)
		if (same_name(entry, set[i]))
			return true;
	return false;
}

/* A NULL-terminated array of borrowed strings; free only the array. */
static char **env_new(const char *const *set)
{
	size_t n = 0, k = 0, m = 0;
	while (environ && environ[n])
		n++;
	while (set && set[m])
		m++;
	char **env = malloc((n + m + 1) * sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!dropped(environ[i], set))
			env[k++] = environ[i];
	for (size_t i = 0; i < m; i++)
		env[k++] = (char *)set[i];
	env[k] = NULL;
	return env;
}

/* ---- the child ---- */

/* In the child after fork: a group of its own, default signals, pipes as 0, 1, 2. Never returns. */
static void exec_child(const struct gt_proc *p, char **env, int in_fd, int out_fd, int err_fd)
{
	setpgid(0, 0);
	for (size_t i = 0; i < N_STOP_SIGNALS; i++)
		signal(stop_signals[i], SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		_exit(127);
	if (p->cwd && chdir(p->cwd) < 0) {
		dprintf(2, "cannot enter %s: %s\n", p->cwd, strerror(errno));
		_exit(127);
	}
	if (p->fn) {
		int rc = p->fn(p->fn_arg);
		fflush(stdout);
		fflush(stderr);
		_exit(rc & 0xff);
	}
	execvpe(p->argv[0], p->argv, env);
	dprintf(2, "cannot run %s: %s\n", p->argv[0], strerror(errno));
	_exit(127);
}

/* ---- collecting output ---- */

struct capture {
	char *buf;
	size_t len, cap, max;
	bool keep_tail; /* stderr: the last max bytes; stdout: the first, then over */
	bool over, cut;
};

static int capture_grow(struct capture *c, size_t need)
{
	if (need <= c->cap)
		return 0;
	size_t cap = c->cap ? c->cap : 4096;
	while (cap < need)
		cap *= 2;
	char *b = realloc(c->buf, cap);
	if (!b)
		return -1;
	c->buf = b;
	c->cap = cap;
	return 0;
}

static int capture_add(struct capture *c, const char *p, size_t n)
{
	if (c->len + n > c->max) {
		if (!c->keep_tail) {
			c->over = true;
			return 0;
		}
		c->cut = true;
		if (n >= c->max) {
			p += n - c->max;
			n = c->max;
			c->len = 0;
		} else {
			size_t drop = c->len + n - c->max;
			memmove(c->buf, c->buf + drop, c->len - drop);
			c->len -= drop;
		}
	}
	if (capture_grow(c, c->len + n + 1) < 0)
		return -1;
	memcpy(c->buf + c->len, p, n);
	c->len += n;
	c->buf[c->len] = '\0';
	return 0;
}

/* What the caller gets: never NULL, a cut stderr starts at a whole line. */
static char *capture_take(struct capture *c, size_t *len)
{
	if (!c->buf && capture_grow(c, 1) == 0)
		c->buf[0] = '\0';
	if (c->buf && c->cut) {
		char *nl = memchr(c->buf, '\n', c->len);
		if (nl) {
			size_t skip = (size_t)(nl + 1 - c->buf);
			memmove(c->buf, nl + 1, c->len - skip + 1);
			c->len -= skip;
		}
	}
	*len = c->buf ? c->len : 0;
	char *b = c->buf;
	c->buf = NULL;
	return b;
}

static void wipe_free(char *b, size_t n)
{
	if (b)
		memset(b, 0, n);
	free(b);
}

/* ---- running ---- */

struct pump {
	struct pollfd fd[3]; /* stdin writer, stdout, stderr */
	const char *in;
	size_t in_len, in_off;
	struct capture out, err;
	pid_t pid;
	bool exited;
	int status;
	void (*on_out)(void *arg, const char *out, size_t len);
	void *on_out_arg;
};

static void close_slot(struct pump *u, int i)
{
	if (u->fd[i].fd >= 0)
		close(u->fd[i].fd);
	u->fd[i].fd = -1;
}

static void feed(struct pump *u)
{
	ssize_t w = write(u->fd[0].fd, u->in + u->in_off, u->in_len - u->in_off);
	if (w > 0)
		u->in_off += (size_t)w;
	if ((w < 0 && errno != EAGAIN && errno != EINTR) || u->in_off == u->in_len)
		close_slot(u, 0); /* EPIPE: it stopped reading; its stderr says why */
}

/* 0 going on, -1 on a read error (errno). */
static int drain(struct pump *u, int i)
{
	char buf[65536];
	ssize_t r = read(u->fd[i].fd, buf, sizeof(buf));
	if (r < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (r == 0) {
		close_slot(u, i);
		return 0;
	}
	if (capture_add(i == 1 ? &u->out : &u->err, buf, (size_t)r) < 0)
		return errno = ENOMEM, -1;
	if (i == 1 && u->on_out && !u->out.over && u->out.buf)
		u->on_out(u->on_out_arg, u->out.buf, u->out.len);
	return 0;
}

static void reap_if_exited(struct pump *u)
{
	if (!u->exited && waitpid(u->pid, &u->status, WNOHANG) == u->pid)
		u->exited = true;
}

/* Until the child has exited and both its pipes have closed, or a reason to stop it. */
static enum gt_proc_end pump_run(struct pump *u, const struct timespec *deadline)
{
	long nap_us = 500; /* after both pipes closed: the exit follows at once, or the child lingers */
	for (;;) {
		if (u->out.over)
			return GT_PROC_TOO_LARGE;
		if (caught)
			return GT_PROC_INTERRUPTED;
		if (u->fd[1].fd < 0 && u->fd[2].fd < 0) {
			reap_if_exited(u);
			if (u->exited)
				return GT_PROC_EXITED;
		}
		if (gt_deadline_set(deadline) && gt_seconds_left(deadline) <= 0)
			return GT_PROC_TIMED_OUT;
		if (u->fd[1].fd < 0 && u->fd[2].fd < 0) {
			struct timespec ts = { 0, nap_us * 1000 };
			nanosleep(&ts, NULL);
			nap_us = nap_us < 50000 ? nap_us * 2 : 50000;
			continue;
		}
		if (poll(u->fd, 3, poll_ms(deadline)) < 0) {
			if (errno == EINTR)
				continue;
			return GT_PROC_FAILED;
		}
		if (u->fd[0].fd >= 0 && u->fd[0].revents)
			feed(u);
		for (int i = 1; i < 3; i++)
			if (u->fd[i].fd >= 0 && u->fd[i].revents && drain(u, i) < 0)
				return GT_PROC_FAILED;
	}
}

/* Stop the child's whole group: sig, a grace period, then SIGKILL; reap the child. A child that
 * runs a function of ours (fn) is killed first: it keeps the default action for sig, so sig would
 * end it as abruptly, with nothing to clean up that the kernel does not; but a memory checker
 * reports such an end as the heap's leak (valgrind on hostile-engine.t), and it does not report
 * SIGKILL. What that child started still gets sig and the grace period. */
static void stop_group(struct pump *u, int sig, bool fn)
{
	if (fn)
		kill(u->pid, SIGKILL);
	kill(-u->pid, sig);
	for (int waited = 0; !u->exited && waited < STOP_GRACE_MS; waited += 10) {
		reap_if_exited(u);
		if (!u->exited) {
			struct timespec ts = { 0, 10000000L };
			nanosleep(&ts, NULL);
		}
	}
	kill(-u->pid, SIGKILL); /* also whatever it started that is still there */
	while (!u->exited && waitpid(u->pid, &u->status, 0) < 0 && errno == EINTR)
		;
	u->exited = true;
}

static void close_pipes(int p[2])
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0)
			close(p[i]);
}

/* The three pipes (stdin only with input); -1 with errno. */
static int make_pipes(const struct gt_proc *p, int in[2], int out[2], int err[2])
{
	if (p->in) {
		if (pipe2(in, O_CLOEXEC) < 0)
			return -1;
	} else if ((in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		return -1;
	}
	return pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 ? -1 : 0;
}

static pid_t start(const struct gt_proc *p, char **env, int in[2], int out[2], int err[2])
{
	sigset_t block, old;
	sigemptyset(&block);
	for (size_t i = 0; i < N_STOP_SIGNALS; i++)
		sigaddset(&block, stop_signals[i]);
	/* Blocked across fork: a signal now is taken by our handler once child_group names the child. */
	sigprocmask(SIG_BLOCK, &block, &old);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		exec_child(p, env, in[0], out[1], err[1]);
	if (pid > 0) {
		setpgid(pid, pid); /* also here: whichever of the two runs first */
		child_group = pid;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

/* ---- -v: what runs, -vv: how long and how much, -vvv: what it said ---- */

/* An argument whose value is a secret (helm's --password, kubectl's --token, --set=db.password=...):
 * its value is not shown. */
static bool secret_arg(const char *a)
{
	const char *const words[] = { "password", "passwd", "token", "secret", "passphrase", NULL };
	if (strstr(a, "-file"))
		return false; /* a path to the secret, not the secret */
	for (size_t i = 0; words[i]; i++)
		if (strcasestr(a, words[i]))
			return true;
	return false;
}

/* One argument as shown: a URL without credentials, a secret's value masked, quoted when it has blanks. */
static void add_shown_arg(char *line, size_t size, const char *a, bool masked)
{
	size_t len = strlen(line);
	char *shown = NULL;
	const char *colon = strstr(a, "://"), *eq = strrchr(a, '=');
	if (masked) {
		shown = strdup("***");
	} else if (eq && secret_arg(a)) {
		size_t n = (size_t)(eq - a) + 1;
		if ((shown = malloc(n + 4)))
			snprintf(shown, n + 4, "%.*s***", (int)n, a);
	} else if (colon) {
		const char *start = colon;
		while (start > a && (isalnum((unsigned char)start[-1]) || strchr("+.-", start[-1])))
			start--;
		char *url = gt_url_redact(start);
		size_t n = (size_t)(start - a) + (url ? strlen(url) : 0) + 1;
		if (url && (shown = malloc(n)))
			snprintf(shown, n, "%.*s%s", (int)(start - a), a, url);
		free(url);
	} else {
		shown = strdup(a);
	}
	if (!shown)
		return;
	gt_redact_tokens(shown, NULL);
	bool quote = !*shown || strpbrk(shown, " \t'\"$");
	snprintf(line + len, size - len, "%s%s%s%s", len ? " " : "", quote ? "'" : "", shown, quote ? "'" : "");
	free(shown);
}

static void log_start(const struct gt_proc *p, const char *what)
{
	char line[3000] = "";
	if (!gt_verbose(GT_V_STEPS))
		return;
	if (!p->argv) {
		gt_step("run: %s (in a child process)", what);
		return;
	}
	for (size_t i = 0; p->argv[i]; i++)
		add_shown_arg(line, sizeof(line), p->argv[i],
			      i > 0 && p->argv[i - 1][0] == '-' && secret_arg(p->argv[i - 1]) && !strchr(p->argv[i - 1], '='));
	gt_step("run: %s", line);
}

/* Secret data out of an answer shown at -vvv: every Secret's data, stringData and last-applied, at any depth. */
static void mask_secrets(json_t *j)
{
	size_t i;
	const char *k;
	json_t *v;
	if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			mask_secrets(v);
		return;
	}
	if (!json_is_object(j))
		return;
	const char *kind = json_string_value(json_object_get(j, "kind"));
	if (kind && !strcmp(kind, "Secret")) {
		const char *const fields[] = { "data", "stringData" };
		for (size_t f = 0; f < 2; f++)
			json_object_foreach(json_object_get(j, fields[f]), k, v)
				json_object_set_new(json_object_get(j, fields[f]), k, json_string("***"));
		json_t *ann = json_object_get(json_object_get(j, "metadata"), "annotations");
		if (json_object_get(ann, "kubectl.kubernetes.io/last-applied-configuration"))
			json_object_set_new(ann, "kubectl.kubernetes.io/last-applied-configuration", json_string("***"));
	}
	json_object_foreach(j, k, v)
		mask_secrets(v);
}

#define RAW_CHUNK 3000          /* bytes of an answer per line at -vvv */
#define RAW_MAX ((size_t)64 << 10) /* and no more of it */

static void log_raw_text(const char *what, const char *stream, const char *text, size_t len)
{
	size_t shown = 0;
	for (size_t off = 0; off < len && shown < RAW_MAX;) {
		size_t line = strcspn(text + off, "\n"), n = line < RAW_CHUNK ? line : RAW_CHUNK;
		if (n)
			gt_raw("%s %s: %.*s", what, stream, (int)n, text + off);
		shown += n;
		off += n + (n == line); /* a long line goes on in the next message */
	}
	if (shown >= RAW_MAX)
		gt_raw("%s %s: ... (%zu bytes in all)", what, stream, len);
}

static void log_raw_out(const struct gt_proc *p, const char *what)
{
	json_error_t e;
	if (p->out_plain && p->out_len) {
		char *copy = strdup(p->out);
		if (copy) {
			gt_redact_tokens(copy, NULL);
			log_raw_text(what, "stdout", copy, strlen(copy));
			free(copy);
		}
		return;
	}
	json_t *j = p->out_len ? json_loadb(p->out, p->out_len, 0, &e) : NULL;
	if (!j) {
		if (p->out_len) /* rendered manifests: Secret values in plain text, which nothing here can mask */
			gt_raw("%s stdout: %zu bytes, not shown: not JSON, and it may hold Secret data", what, p->out_len);
		return;
	}
	mask_secrets(j);
	char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (text) {
		gt_redact_tokens(text, NULL);
		log_raw_text(what, "stdout", text, strlen(text));
		free(text);
	}
}

static void log_end(const struct gt_proc *p, const char *what, uint64_t t0)
{
	char took[32], in[32], out[32], err[32];
	if (!gt_verbose(GT_V_TIMES))
		return;
	if (p->end == GT_PROC_EXITED && WIFEXITED(p->status))
		gt_detail("%s: exit %d after %s; stdin %s, stdout %s, stderr %s", what, WEXITSTATUS(p->status),
			  gt_took(t0, took, sizeof(took)), gt_size_str(p->in_len, in, sizeof(in)),
			  gt_size_str(p->out_len, out, sizeof(out)), gt_size_str(p->err_len, err, sizeof(err)));
	else
		gt_detail("%s: stopped after %s (%s)", what, gt_took(t0, took, sizeof(took)),
			  p->end == GT_PROC_TIMED_OUT ? "deadline" : p->end == GT_PROC_TOO_LARGE ? "output too large"
			  : p->end == GT_PROC_INTERRUPTED ? "interrupted" : p->end == GT_PROC_EXITED ? "signal" : "failed");
	if (!gt_verbose(GT_V_RAW))
		return;
	log_raw_out(p, what);
	if (p->err && p->err_len) {
		char *copy = strdup(p->err);
		if (!copy)
			return;
		gt_redact_tokens(copy, NULL);
		for (char *line = copy, *next; line && *line; line = next) {
			if ((next = strchr(line, '\n')))
				*next++ = '\0';
			if (*line)
				gt_raw("%s stderr: %s", what, line);
		}
		wipe_free(copy, p->err_len);
	}
}

int gt_proc_run(struct gt_proc *p, const char *what)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	struct pump u = { .in = p->in, .in_len = p->in_len, .on_out = p->on_out, .on_out_arg = p->on_out_arg };
	struct sigaction saved[N_STOP_SIGNALS];
	bool installed[N_STOP_SIGNALS];
	p->out = p->err = NULL;
	p->out_len = p->err_len = 0;
	p->status = 0;
	p->end = GT_PROC_FAILED;
	u.out.max = p->max_out ? p->max_out : GT_PROC_DEFAULT_MAX_OUT;
	u.err.max = p->max_err ? p->max_err : GT_PROC_DEFAULT_MAX_ERR;
	u.err.keep_tail = true;
	char **env = env_new(p->env);
	if (!env || make_pipes(p, in, out, err) < 0) {
		gt_error("cannot run %s: %s", what, env ? strerror(errno) : "out of memory");
		close_pipes(in), close_pipes(out), close_pipes(err);
		free(env);
		return -1;
	}
	catch_for_run(saved, installed);
	log_start(p, what);
	uint64_t t0 = gt_now_ns();
	u.pid = start(p, env, in, out, err);
	int fork_errno = errno;
	free(env);
	close(in[0]), close(out[1]), close(err[1]);
	u.fd[0] = (struct pollfd){ p->in && p->in_len ? in[1] : -1, POLLOUT, 0 };
	u.fd[1] = (struct pollfd){ out[0], POLLIN, 0 };
#ifdef F_SETPIPE_SZ
	/* a reader of stdout as it comes lets the child write ahead while it reads (best effort) */
	if (p->on_out)
		fcntl(out[0], F_SETPIPE_SZ, 1 << 20);
#endif
	u.fd[2] = (struct pollfd){ err[0], POLLIN, 0 };
	if (p->in && !p->in_len)
		close(in[1]);
	if (u.fd[0].fd >= 0)
		fcntl(u.fd[0].fd, F_SETFL, O_NONBLOCK);
	struct sigaction ign, pipe_saved;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &pipe_saved); /* a child that exits early must not kill us */
	if (u.pid < 0) {
		gt_error("cannot run %s: %s", what, strerror(fork_errno));
	} else {
		if (p->on_start)
			p->on_start(p->on_start_arg);
		p->end = pump_run(&u, &p->deadline);
		if (p->end == GT_PROC_FAILED)
			gt_error("%s: cannot read its output: %s", what, strerror(errno));
		if (p->end != GT_PROC_EXITED)
			stop_group(&u, p->end == GT_PROC_INTERRUPTED && caught ? caught : SIGTERM, p->fn != NULL);
	}
	child_group = 0;
	sigaction(SIGPIPE, &pipe_saved, NULL);
	for (int i = 0; i < 3; i++)
		close_slot(&u, i);
	p->status = u.status;
	p->out = capture_take(&u.out, &p->out_len);
	p->err = capture_take(&u.err, &p->err_len);
	wipe_free(u.out.buf, u.out.cap);
	wipe_free(u.err.buf, u.err.cap);
	uncatch_after_run(saved, installed);
	if (p->end == GT_PROC_EXITED && (!p->out || !p->err)) {
		gt_error("%s: out of memory", what);
		p->end = GT_PROC_FAILED;
	}
	if (u.pid > 0)
		log_end(p, what, t0);
	return p->end == GT_PROC_EXITED ? 0 : -1;
}

bool gt_proc_succeeded(const struct gt_proc *p)
{
	return p->end == GT_PROC_EXITED && WIFEXITED(p->status) && WEXITSTATUS(p->status) == 0;
}

void gt_redact_tokens(char *s, const char *secret)
{
	for (size_t i = 0; gt_token_vars[i]; i++) {
		const char *v = getenv(gt_token_vars[i]);
		if (v && *v)
			gt_redact_secret(s, v);
	}
	if (secret)
		gt_redact_secret(s, secret);
}

/* Is line among the first n of lines? */
static bool seen_before(char *const *lines, size_t n, const char *line)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(lines[i], line))
			return true;
	return false;
}

void gt_relay_lines(const char *text, const char *prefix, unsigned flags, const char *secret)
{
	if (!text || !*text)
		return;
	size_t len = strlen(text), n = 0, cap = 0;
	char *copy = strdup(text), **lines = NULL;
	if (!copy)
		return;
	gt_redact_tokens(copy, secret);
	for (char *line = copy, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!*line || ((flags & GT_RELAY_ONCE) && seen_before(lines, n, line)))
			continue;
		if (flags & GT_RELAY_ERRORS)
			gt_error("%s: %s", prefix, line);
		else
			gt_warn("%s: %s", prefix, line);
		if ((flags & GT_RELAY_ONCE) && GT_GROW(lines, cap, n + 1) == 0)
			lines[n++] = line;
	}
	free(lines);
	wipe_free(copy, len);
}

void gt_proc_relay_stderr(const struct gt_proc *p, const char *prefix, bool as_errors, const char *secret)
{
	if (p->err && p->err_len)
		gt_relay_lines(p->err, prefix, as_errors ? GT_RELAY_ERRORS : 0, secret);
}

char *gt_sibling_program_dup(const char *name)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			char *p = NULL;
			*slash = '\0';
			if (asprintf(&p, "%s/%s", self, name) >= 0 && access(p, X_OK) == 0)
				return p;
			free(p);
		}
	}
	return strdup(name);
}

void gt_proc_free(struct gt_proc *p)
{
	wipe_free(p->out, p->out_len);
	wipe_free(p->err, p->err_len);
	p->out = p->err = NULL;
	p->out_len = p->err_len = 0;
}
