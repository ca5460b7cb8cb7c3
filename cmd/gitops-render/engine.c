/* engine: running an external renderer (helm, kustomize) without a shell, its
 * stdout into memory with a bound, its stderr kept for the message. */
#define _GNU_SOURCE /* pipe2, asprintf */
#include "render.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file.h"
#include "redact.h"

#define STDERR_KEEP 65536 /* the end of an engine's stderr is where its error is */

extern char **environ;

/* ---- argument vectors ---- */

static void argv_take(struct argv_b *a, char *s)
{
	if (!s || a->oom) {
		a->oom = true;
		free(s);
		return;
	}
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		char **v = realloc(a->v, cap * sizeof(*v));
		if (!v) {
			a->oom = true;
			free(s);
			return;
		}
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

void argv_add(struct argv_b *a, const char *s)
{
	argv_take(a, strdup(s));
}

void argv_addf(struct argv_b *a, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	argv_take(a, s);
}

void argv_free(struct argv_b *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

char *find_on_path(const char *name)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path;;) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		char *cand = NULL;
		if (asprintf(&cand, "%.*s/%s", (int)n, n ? p : ".", name) >= 0) {
			struct stat st;
			if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
				return cand;
			free(cand);
		}
		if (!colon)
			return NULL;
		p = colon + 1;
	}
}

void engine_free(struct engine *e)
{
	free(e->bin);
	free(e->version);
	memset(e, 0, sizeof(*e));
}

/* ---- signals ---- */

volatile sig_atomic_t render_signal;
static volatile pid_t running_child;

static void on_signal(int sig)
{
	render_signal = sig;
	if (running_child > 0)
		kill(running_child, sig);
}

void signals_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocking read or poll returns, and the run unwinds through its cleanup. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int check_interrupted(void)
{
	if (!render_signal)
		return 0;
	gt_error("interrupted (signal %d)", (int)render_signal);
	return -1;
}

/* ---- running ---- */

/* The secrets this run knows: never shown, never handed to an engine. */
void engine_redact(const struct render_opts *o, char *s)
{
	static const char *const vars[] = { "GITOPS_GIT_TOKEN", "SYSTEM_ACCESSTOKEN" };
	if (o->git.password)
		gt_redact_secret(s, o->git.password);
	for (size_t i = 0; i < sizeof(vars) / sizeof(*vars); i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			gt_redact_secret(s, v);
	}
}

static void child_exec(char *const argv[], const char *cwd, int out_fd, int err_fd)
{
	int devnull = open("/dev/null", O_RDONLY);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		_exit(127);
	if (cwd && chdir(cwd) < 0) {
		dprintf(2, "cannot enter %s: %s\n", cwd, strerror(errno));
		_exit(127);
	}
	/* The engine renders files; it has no business with the git token. */
	unsetenv("GITOPS_GIT_TOKEN");
	unsetenv("SYSTEM_ACCESSTOKEN");
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	execv(argv[0], argv);
	dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

struct capture {
	char *buf;
	size_t len, cap, max;
	bool over;
};

/* Append what fd has; 0 at EOF, 1 more to come, -1 on error. Over max: keep reading, keep nothing. */
static int capture_read(int fd, struct capture *c, bool keep_tail)
{
	char chunk[65536];
	ssize_t n = read(fd, chunk, sizeof(chunk));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -1;
	if (n == 0)
		return 0;
	size_t k = (size_t)n;
	if (c->len + k > c->max) {
		if (!keep_tail) {
			c->over = true;
			return 1;
		}
		/* stderr: drop the oldest half, the error is at the end */
		size_t drop = c->len / 2 + (k > c->max / 2 ? c->len / 2 : 0);
		memmove(c->buf, c->buf + drop, c->len - drop);
		c->len -= drop;
		if (k > c->max / 2) {
			memcpy(chunk, chunk + k - c->max / 2, c->max / 2);
			k = c->max / 2;
		}
	}
	if (c->len + k + 1 > c->cap) {
		size_t cap = c->cap ? c->cap : 65536;
		while (cap < c->len + k + 1)
			cap *= 2;
		char *b = realloc(c->buf, cap);
		if (!b)
			return -1;
		c->buf = b;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, chunk, k);
	c->len += k;
	c->buf[c->len] = '\0';
	return 1;
}

/* Each line of the engine's stderr as a message of ours, secrets replaced. */
static void relay_stderr(const struct render_opts *o, const char *what, struct capture *err, bool failed)
{
	if (!err->buf || !err->len)
		return;
	engine_redact(o, err->buf);
	for (char *line = err->buf, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!*line)
			continue;
		if (failed)
			gt_error("%s: %s", what, line);
		else
			gt_warn("%s: %s", what, line);
	}
}

static int wait_child(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

/* Read both pipes until both end (or a signal came); -1 on a read error. Closes both. */
static int pump(int out_fd, int err_fd, struct capture *out, struct capture *err, pid_t pid)
{
	struct pollfd p[2] = { { out_fd, POLLIN, 0 }, { err_fd, POLLIN, 0 } };
	bool killed = false;
	int r = 0;
	while (r == 0 && (p[0].fd >= 0 || p[1].fd >= 0)) {
		if (poll(p, 2, -1) < 0) {
			/* The handler passed a signal on; the engine's own children may still hold the pipes. */
			if (errno != EINTR || render_signal)
				r = errno == EINTR ? 0 : -1;
			if (render_signal)
				break;
			continue;
		}
		for (int i = 0; r == 0 && i < 2; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			int k = capture_read(p[i].fd, i == 0 ? out : err, i == 1);
			if (k < 0)
				r = -1;
			if (k == 0) {
				close(p[i].fd);
				p[i].fd = -1;
			}
		}
		if (out->over && !killed) {
			kill(pid, SIGTERM); /* nothing more of it will be used */
			killed = true;
		}
	}
	for (int i = 0; i < 2; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	return r;
}

int engine_exec(const struct render_opts *o, const char *what, char *const argv[], const char *cwd, size_t max,
		char **out, size_t *len)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	struct capture cout = { .max = max }, cerr = { .max = STDERR_KEEP };
	*out = NULL;
	*len = 0;
	if (check_interrupted() < 0)
		return -1;
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
		gt_error("%s: cannot make a pipe: %s", what, strerror(errno));
		goto fail_pipes;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		gt_error("%s: cannot start: %s", what, strerror(errno));
		goto fail_pipes;
	}
	if (pid == 0)
		child_exec(argv, cwd, po[1], pe[1]);
	running_child = pid;
	close(po[1]);
	close(pe[1]);
	int pr = pump(po[0], pe[0], &cout, &cerr, pid);
	if (pr < 0) {
		gt_error("%s: cannot read its output: %s", what, strerror(errno));
		kill(pid, SIGTERM);
	}
	int status = wait_child(pid);
	running_child = 0;
	int r = -1;
	if (pr < 0) {
		/* printed */
	} else if (render_signal) {
		check_interrupted();
	} else if (cout.over) {
		gt_error("%s: its output is larger than %zu bytes (--max-render-size)", what, max);
	} else if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (status >= 0 && WIFSIGNALED(status))
			gt_error("%s failed: killed by signal %d", what, WTERMSIG(status));
		else
			gt_error("%s failed (exit %d):", what, status >= 0 ? WEXITSTATUS(status) : -1);
		const char *base = strrchr(argv[0], '/');
		relay_stderr(o, base ? base + 1 : argv[0], &cerr, true);
	} else {
		if (gt_verbosity() >= 2)
			relay_stderr(o, what, &cerr, false);
		r = 0;
	}
	free(cerr.buf);
	if (r < 0) {
		free(cout.buf);
		return -1;
	}
	if (!cout.buf && !(cout.buf = calloc(1, 1)))
		return gt_error("out of memory"), -1;
	*out = cout.buf;
	*len = cout.len;
	return 0;
fail_pipes:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	return -1;
}

/* ---- versions, cached by the binary's identity (a version run costs a Go start, 40 ms) ---- */

static int run_version(struct engine *e)
{
	struct argv_b a = { 0 };
	struct render_opts quiet = { 0 };
	char *out = NULL, what[300];
	size_t len = 0;
	argv_add(&a, e->bin);
	if (e->via_kubectl) {
		argv_add(&a, "version");
		argv_add(&a, "--client");
	} else {
		for (const char *const *v = e->ops->version_args; *v; v++)
			argv_add(&a, *v);
	}
	if (a.oom)
		return argv_free(&a), gt_error("out of memory"), -1;
	snprintf(what, sizeof(what), "%s version", e->bin);
	int r = engine_exec(&quiet, what, a.v, NULL, 1 << 20, &out, &len);
	argv_free(&a);
	if (r < 0)
		return -1;
	/* One line: newlines become "; " (kubectl prints client and kustomize versions). */
	for (size_t i = 0; i < len; i++)
		if (out[i] == '\n' || out[i] == '\r')
			out[i] = (i + 1 < len) ? ';' : '\0';
	e->version = out;
	return 0;
}

int engine_version(struct engine *e, const char *cache_root)
{
	struct stat st;
	char *real = realpath(e->bin, NULL);
	if (!real || stat(real, &st) < 0) {
		free(real);
		return run_version(e);
	}
	char *id = NULL, *file = NULL, hex[GIT_OID_HEXSZ + 1];
	int r = -1;
	if (asprintf(&id, "%s %s %lld %lld %lld.%09ld", e->ops->name, real, (long long)st.st_ino,
		     (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec) < 0)
		id = NULL;
	struct key_b k = { 0 };
	key_add(&k, "engine", id ? id : "");
	if (!id || key_finish(&k, hex) < 0 || asprintf(&file, "%s/render/engines/%s", cache_root, hex) < 0) {
		gt_error("out of memory");
		file = NULL;
		goto out;
	}
	size_t len;
	if (cache_root && gt_file_read(file, 4096, &e->version, &len) == 0 && len > 0) {
		r = 0;
		goto out;
	}
	free(e->version);
	e->version = NULL;
	if (run_version(e) < 0)
		goto out;
	r = 0;
	if (cache_root) {
		char *dir = path_join(cache_root, "render/engines");
		if (dir && gt_mkdir_p(dir) == 0)
			cache_put_file(file, e->version, strlen(e->version));
		free(dir);
	}
out:
	free(id);
	free(file);
	free(real);
	return r;
}
