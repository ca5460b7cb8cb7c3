/* engine: running an external renderer (helm, kustomize) through common/proc: no shell, a
 * private empty home, a deadline, its stdout into memory with a bound, its stderr kept for the
 * message. */
#define _GNU_SOURCE /* asprintf */
#include "render.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file.h"
#include "proc.h"

#define STDERR_KEEP 65536 /* the end of an engine's stderr is where its error is */

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
	for (size_t i = 0; e->env && e->env[i]; i++)
		free(e->env[i]);
	free(e->env);
	if (e->home)
		remove_tree(e->home);
	if (e->scratch)
		remove_tree(e->scratch);
	free(e->scratch);
	free(e->home);
	free(e->bin);
	free(e->version);
	memset(e, 0, sizeof(*e));
}

/* ---- interruption ---- */

int check_interrupted(void)
{
	int sig = gt_interrupted();
	if (!sig)
		return 0;
	gt_error("interrupted (signal %d)", sig);
	return -1;
}

/* ---- running ---- */

/*
 * An engine reads no configuration of the user's: not their helm plugins (a downloader plugin is
 * code that `helm dependency build` runs for a repository scheme a chart names), repositories,
 * registry logins, kubeconfig or kustomize plugins. Everything points into a private empty home,
 * made for the render and removed after it; --user-engine-config keeps the user's.
 */
static const char *const private_home_vars[][2] = {
	{ "HOME", "" },
	{ "XDG_CONFIG_HOME", "/.config" },
	{ "XDG_CACHE_HOME", "/.cache" },
	{ "XDG_DATA_HOME", "/.local/share" },
	{ "XDG_STATE_HOME", "/.local/state" },
	{ "HELM_CONFIG_HOME", "/.config/helm" },
	{ "HELM_CACHE_HOME", "/.cache/helm" },
	{ "HELM_DATA_HOME", "/.local/share/helm" },
	{ "HELM_PLUGINS", "/.local/share/helm/plugins" },
	{ "HELM_REGISTRY_CONFIG", "/.config/helm/registry/config.json" },
	{ "HELM_REPOSITORY_CONFIG", "/.config/helm/repositories.yaml" },
	{ "HELM_REPOSITORY_CACHE", "/.cache/helm/repository" },
	{ "KUSTOMIZE_PLUGIN_HOME", "/.config/kustomize/plugin" },
	{ "DOCKER_CONFIG", "/.docker" },
	{ "KUBECONFIG", NULL }, /* /dev/null: an engine renders files, it has no business with a cluster */
};
#define N_PRIVATE_VARS (sizeof(private_home_vars) / sizeof(*private_home_vars))

int engine_home_new(const struct render_opts *o, struct engine *e)
{
	if (o->user_engine_config)
		return 0;
	if (!(e->home = temp_dir_new()))
		return -1;
	if (!(e->env = calloc(N_PRIVATE_VARS + 1, sizeof(*e->env))))
		return gt_error("out of memory"), -1;
	for (size_t i = 0; i < N_PRIVATE_VARS; i++) {
		const char *name = private_home_vars[i][0], *sub = private_home_vars[i][1];
		if (asprintf(&e->env[i], "%s=%s%s", name, sub ? e->home : "/dev/null", sub ? sub : "") < 0) {
			e->env[i] = NULL;
			return gt_error("out of memory"), -1;
		}
	}
	return 0;
}

/* Seconds an engine may run: --timeout, as for each network step. */
static unsigned engine_timeout(const struct render_opts *o)
{
	return o->git.timeout ? o->git.timeout : GT_GIT_DEFAULT_TIMEOUT;
}

/* Why a run that did not end by itself ended, as one message. */
static void say_stopped(const struct render_opts *o, const char *what, const struct gt_proc *p, size_t max)
{
	if (p->end == GT_PROC_TIMED_OUT)
		gt_error("%s: did not finish within %u s (--timeout); stopped it and everything it started", what,
			 engine_timeout(o));
	else if (p->end == GT_PROC_TOO_LARGE)
		gt_error("%s: its output is larger than %zu bytes (--max-render-size)", what, max);
	else if (p->end == GT_PROC_INTERRUPTED)
		check_interrupted();
}

void engine_relay_warnings(const char *name, const char *err, const char *secret)
{
	if (gt_verbosity() >= 1)
		gt_relay_lines(err, name, GT_RELAY_ONCE, secret);
}

int engine_exec(const struct render_opts *o, const struct engine *e, const char *what, char *const argv[],
		const char *cwd, size_t max, char **out, size_t *len)
{
	return engine_exec_live(o, e, what, argv, cwd, max, out, len, NULL, NULL);
}

static int exec_with(const struct render_opts *o, const struct engine *e, const char *what, char *const argv[],
		     const char *cwd, size_t max, char **out, size_t *len,
		     void (*on_out)(void *arg, const char *out, size_t len), void *arg, const char *in,
		     const char *secret);

int engine_exec_live(const struct render_opts *o, const struct engine *e, const char *what, char *const argv[],
		     const char *cwd, size_t max, char **out, size_t *len,
		     void (*on_out)(void *arg, const char *out, size_t len), void *arg)
{
	return exec_with(o, e, what, argv, cwd, max, out, len, on_out, arg, NULL, o->git.password);
}

int engine_exec_input(const struct render_opts *o, const struct engine *e, const char *what, char *const argv[],
		      const char *in, const char *secret, char **out, size_t *len)
{
	return exec_with(o, e, what, argv, NULL, o->max_output, out, len, NULL, NULL, in, secret);
}

static int exec_with(const struct render_opts *o, const struct engine *e, const char *what, char *const argv[],
		     const char *cwd, size_t max, char **out, size_t *len,
		     void (*on_out)(void *arg, const char *out, size_t len), void *arg, const char *in,
		     const char *secret)
{
	*out = NULL;
	*len = 0;
	if (check_interrupted() < 0)
		return -1;
	struct gt_proc p = { .argv = argv, .cwd = cwd, .env = (const char *const *)e->env, .max_out = max,
			     .max_err = STDERR_KEEP, .deadline = gt_deadline_in(engine_timeout(o)),
			     .on_out = on_out, .on_out_arg = arg, .in = in, .in_len = in ? strlen(in) : 0 };
	int r = gt_proc_run(&p, what);
	if (r < 0) {
		say_stopped(o, what, &p, max);
	} else if (!gt_proc_succeeded(&p)) {
		if (WIFSIGNALED(p.status))
			gt_error("%s failed: killed by signal %d", what, WTERMSIG(p.status));
		else
			gt_error("%s failed (exit %d):", what, WEXITSTATUS(p.status));
		const char *base = strrchr(argv[0], '/');
		gt_proc_relay_stderr(&p, base ? base + 1 : argv[0], true, secret);
		r = -1;
	} else {
		engine_relay_warnings(e->ops ? e->ops->name : what, p.err, secret);
	}
	if (r < 0) {
		gt_proc_free(&p);
		return -1;
	}
	*out = p.out;
	*len = p.out_len;
	p.out = NULL;
	gt_proc_free(&p);
	return 0;
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
	int r = engine_exec(&quiet, e, what, a.v, NULL, 1 << 20, &out, &len);
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
