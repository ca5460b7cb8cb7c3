/* render: each Application's revision resolved (one fetch per repository, here) and its source rendered by
 * gitops-render --application at that commit, one child per app: the render engines are gitops-render's, and a
 * child keeps one app's failure that app's. The cache is closed before the renders, which open it too. */
#define _GNU_SOURCE /* asprintf */
#include "status.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "obj.h"
#include "proc.h"
#include "stream.h"

/* What one render may print: its objects are kept in memory. */
#define RENDER_MAX_OUT ((size_t)256 << 20)

void state_problem(struct app_state *s, const char *fmt, ...)
{
	va_list ap;
	if (s->message)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s->message, fmt, ap) < 0)
		s->message = NULL;
	va_end(ap);
}

/* A render or resolve failure: nothing is known of the app's sync or health. */
static void state_unknown(struct app_state *s)
{
	s->sync = SYNC_UNKNOWN;
	s->health = GT_HEALTH_UNKNOWN;
}

/* The first source that renders, and the revision it is rendered at (--revision for --repo's apps). */
static void pick_source(const struct status_opts *o, struct app_state *s)
{
	for (size_t i = 0; i < s->app->n_sources && !s->src; i++)
		if (gt_app_source_renders(&s->app->sources[i]))
			s->src = &s->app->sources[i];
	if (!s->src)
		return;
	s->target = s->src->target_revision ? s->src->target_revision : "HEAD";
	if (o->repo && o->revision && s->src->repo_url && gt_app_same_repo(o->repo, s->src->repo_url))
		s->target = o->revision;
}

/* ---- resolving: one fetch per repository ---- */

struct fetched {
	const char *url;
	struct gt_repo *repo; /* NULL: the fetch failed */
};

static struct gt_repo *repo_for(const struct status_opts *o, struct fetched **f, size_t *n, size_t *cap, const char *url,
				int *st)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*f)[i].url, url))
			return (*f)[i].repo;
	if (GT_GROW(*f, *cap, *n + 1) < 0)
		return gt_error("out of memory"), *st = GT_EXIT_INPUT, NULL;
	struct gt_git_opts g = o->git;
	g.url = url;
	struct gt_repo *r = NULL;
	if (gt_git_credentials_finish(&g) < 0)
		*st = GT_EXIT_USAGE;
	else if ((r = gt_repo_open(&g)) && gt_repo_fetch(r) < 0) {
		gt_repo_close(r);
		r = NULL;
	}
	(*f)[(*n)++] = (struct fetched){ url, r };
	return r;
}

static int resolve_all(const struct status_opts *o, struct app_state *s, size_t n)
{
	struct fetched *f = NULL;
	size_t nf = 0, cap = 0;
	int st = GT_EXIT_OK;
	for (size_t i = 0; i < n && st == GT_EXIT_OK; i++) {
		if (!s[i].src || s[i].src->chart)
			continue; /* a Helm repository chart: no commit (the render says whether it is supported) */
		struct gt_repo *r = repo_for(o, &f, &nf, &cap, s[i].src->repo_url, &st);
		git_oid id;
		if (!r && st == GT_EXIT_OK) {
			s[i].remote = true;
			state_problem(&s[i], "%s: the repository did not answer", s[i].src->repo_url);
		} else if (r && gt_repo_resolve(r, s[i].target, &id) < 0) {
			state_problem(&s[i], "%s: unable to resolve '%s' to a commit SHA", s[i].src->repo_url, s[i].target);
		} else if (r) {
			git_oid_tostr(s[i].sha, sizeof(s[i].sha), &id);
		}
	}
	for (size_t i = 0; i < nf; i++)
		gt_repo_close(f[i].repo);
	free(f);
	return st;
}

/* ---- rendering: gitops-render --application FILE at the commit ---- */

/* The Application as a file the child reads (its own stdin carries the token). Caller removes and frees. */
static char *app_file_new(const struct gt_application *app)
{
	const char *dir = getenv("TMPDIR");
	char *path = NULL;
	if (asprintf(&path, "%s/gitops-status.XXXXXX", dir && *dir ? dir : "/tmp") < 0)
		return NULL;
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	bool ok = f && json_dumpf(app->obj, f, JSON_COMPACT) == 0;
	if (f && fclose(f) != 0)
		ok = false;
	else if (!f && fd >= 0)
		close(fd);
	if (!ok) {
		gt_error("cannot write a temporary file in %s: %s", dir && *dir ? dir : "/tmp", strerror(errno));
		if (fd >= 0)
			unlink(path);
		free(path);
		return NULL;
	}
	return path;
}

static int render_argv(const struct status_opts *o, const struct app_state *s, const char *render, const char *file,
		       char timeout[32], struct gt_strvec *av)
{
	int r = 0;
	const char *fixed[] = { render, "--application", file, "--allow-empty", "-o", "json" };
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		r |= gt_strvec_push(av, fixed[i]);
#define PAIR(flag, value) (r |= (value) ? gt_strvec_push(av, flag) | gt_strvec_push(av, value) : 0)
	/* the commit resolved above: what is rendered is what is reported (one source; several resolve their own) */
	PAIR("--revision", *s->sha && !s->app->multi ? s->sha : NULL);
	PAIR("--cache-dir", o->git.cache_dir);
	PAIR("--ca-file", o->git.ca_file);
	PAIR("--username", o->git.username);
	if (o->git.timeout) {
		snprintf(timeout, 32, "%us", o->git.timeout);
		PAIR("--timeout", timeout);
	}
#undef PAIR
	if (o->git.insecure)
		r |= gt_strvec_push(av, "--insecure-skip-tls-verify");
	if (o->git.password)
		r |= gt_strvec_push(av, "--password-stdin");
	return r < 0 ? -1 : 0;
}

/* The engine's message: the last error line of its stderr, the temporary file named as the app's origin. */
static char *engine_message_new(const struct gt_proc *p, const char *file, const struct app_state *s,
				const char *secret)
{
	char *copy = strdup(p->err ? p->err : ""), *last = NULL, *save = NULL, *out = NULL;
	if (!copy)
		return NULL;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (*l && !strstr(l, ": warning: "))
			last = l;
	if (!last) {
		int code = WIFEXITED(p->status) ? WEXITSTATUS(p->status) : -1;
		if (asprintf(&out, "gitops-render failed (exit %d)", code) < 0)
			out = NULL;
	} else {
		gt_redact_tokens(last, secret);
		char *at = strstr(last, file);
		if (asprintf(&out, "%.*s%s%s", at ? (int)(at - last) : (int)strlen(last), last, at ? s->app->file : "",
			     at ? at + strlen(file) : "") < 0)
			out = NULL;
	}
	free(copy);
	return out;
}

/* The objects of the render (hooks too: compare sets them aside as gitops-diff does, once their live side is read). NULL after printing. */
static json_t *objects_of(const struct status_opts *o, const struct gt_proc *p, const struct app_state *s)
{
	struct gt_stream *in = gt_stream_open_mem(p->out, p->out_len, s->app->name, &o->lim);
	json_t *all = json_array(), *obj;
	struct gt_where w;
	int r = in && all ? 0 : -1;
	while (r == 0 && (r = gt_stream_next(in, &obj, &w)) > 0) {
		r = gt_is_record(obj) ? 0 : json_array_append(all, obj);
		json_decref(obj);
	}
	gt_stream_close(in);
	if (r < 0)
		return json_decref(all), NULL;
	return all;
}

static void render_one(const struct status_opts *o, struct app_state *s, const char *render)
{
	char *file = app_file_new(s->app), timeout[32];
	struct gt_strvec av = { 0 };
	if (!file || render_argv(o, s, render, file, timeout, &av) < 0) {
		state_problem(s, "cannot start gitops-render");
		goto out;
	}
	struct gt_proc p = { .argv = (char *const *)av.v, .in = o->git.password,
			     .in_len = o->git.password ? strlen(o->git.password) : 0, .max_out = RENDER_MAX_OUT };
	gt_debug("application %s: rendering %s at %s", s->app->name, s->src ? s->src->repo_url : "?",
		 *s->sha ? s->sha : s->target ? s->target : "HEAD");
	if (gt_proc_run(&p, "gitops-render") < 0) {
		state_problem(s, p.end == GT_PROC_TOO_LARGE ? "renders to more than 256 MiB" : "gitops-render did not finish");
	} else if (!gt_proc_succeeded(&p)) {
		s->remote = WIFEXITED(p.status) && WEXITSTATUS(p.status) == GT_EXIT_REMOTE;
		s->message = engine_message_new(&p, file, s, o->git.password);
		gt_error("application %s: %s", s->app->name, s->message ? s->message : "the render failed");
	} else {
		char prefix[300];
		snprintf(prefix, sizeof(prefix), "application %s", s->app->name);
		gt_relay_lines(p.err, prefix, GT_RELAY_ONCE, o->git.password); /* its warnings, said once */
		if (!(s->desired = objects_of(o, &p, s)))
			state_problem(s, "the render's output cannot be read");
	}
	gt_proc_free(&p);
out:
	if (file)
		unlink(file);
	free(file);
	gt_strvec_release(&av);
}

int render_apps(const struct status_opts *o, struct app_state *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pick_source(o, &s[i]);
	int st = resolve_all(o, s, n);
	char *render = st == GT_EXIT_OK ? gt_sibling_program_dup("gitops-render") : NULL;
	if (st == GT_EXIT_OK && !render)
		st = (gt_error("out of memory"), GT_EXIT_INPUT);
	for (size_t i = 0; st == GT_EXIT_OK && i < n && !gt_interrupted(); i++)
		if (!s[i].message) /* an unresolved revision renders nothing */
			render_one(o, &s[i], render);
	for (size_t i = 0; i < n; i++)
		if (!s[i].desired)
			state_unknown(&s[i]);
	free(render);
	return st;
}
