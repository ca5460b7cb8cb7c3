/* many: gitops-render --applications DIR|-: every Application of a directory (an app-of-apps
 * repo), a stream, or (with --repo URL --revision REV) a directory of that repository at REV,
 * rendered in one run. Each repository is fetched once and each (repository, revision) resolved
 * once, here; each app then renders in a child of its own (a fork: the options as parsed, the
 * commits pinned, no network for what is pinned), up to the core count at once. The objects of
 * all the apps are written only when every app rendered: one failure is the run's failure. */
#define _GNU_SOURCE /* asprintf */
#include "render.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "application.h"
#include "obj.h"
#include "proc.h"
#include "stream.h"

/* The Applications of dir in the commit of the repository (a tree read, no checkout), that commit pinned. */
static int read_from_repo(struct render_opts *o, struct gt_app_list *list)
{
	struct gt_git_opts g = o->git;
	const char *rev = o->revision ? o->revision : "HEAD";
	char sha[GIT_OID_HEXSZ + 1];
	g.url = o->repo;
	if (gt_git_credentials_finish(&g) < 0)
		return GT_EXIT_USAGE;
	int st = gt_app_read_repo(&g, rev, o->applications, &o->lim, list, sha);
	if (st == GT_EXIT_OK && app_pin_add(o->repo, rev, sha, true) < 0)
		st = GT_EXIT_INPUT;
	return st;
}

/* Every (repository, revision) the apps name, resolved: one fetch per repository. */
static int pin_sources(struct render_opts *o, const struct gt_app_list *list)
{
	for (size_t a = 0; a < list->n; a++) {
		for (size_t s = 0; s < list->v[a]->n_sources; s++) {
			const struct gt_app_source *src = &list->v[a]->sources[s];
			if (src->chart || app_pin_find(src->repo_url, src->target_revision))
				continue;
			struct gt_git_opts g = o->git;
			g.url = src->repo_url;
			if (gt_git_credentials_finish(&g) < 0)
				return GT_EXIT_USAGE;
			struct gt_repo *repo = gt_repo_open(&g);
			if (!repo || gt_repo_fetch(repo) < 0)
				return gt_repo_close(repo), GT_EXIT_REMOTE;
			/* every revision of this repository that an app names, with this one fetch */
			int st = GT_EXIT_OK;
			for (size_t b = a; st == GT_EXIT_OK && b < list->n; b++) {
				for (size_t t = 0; st == GT_EXIT_OK && t < list->v[b]->n_sources; t++) {
					const struct gt_app_source *x = &list->v[b]->sources[t];
					git_oid id;
					char sha[GIT_OID_HEXSZ + 1];
					if (x->chart || strcmp(x->repo_url, src->repo_url) ||
					    app_pin_find(x->repo_url, x->target_revision))
						continue;
					if (gt_repo_resolve(repo, x->target_revision ? x->target_revision : "HEAD", &id) < 0) {
						gt_error("%s: application %s: targetRevision %s", list->v[b]->file, list->v[b]->name,
							 x->target_revision ? x->target_revision : "HEAD");
						st = GT_EXIT_INPUT;
						break;
					}
					git_oid_tostr(sha, sizeof(sha), &id);
					if (app_pin_add(x->repo_url, x->target_revision, sha, false) < 0)
						st = GT_EXIT_INPUT;
				}
			}
			gt_repo_close(repo);
			if (st != GT_EXIT_OK)
				return st;
		}
	}
	return GT_EXIT_OK;
}

struct child {
	const struct gt_application *app;
	int source; /* the source it renders, -1: the one that does */
	pid_t pid;
	int fd;
	struct gt_strbuf out;
	int code;
	bool done;
};

static int start_child(struct render_opts *o, struct child *c,
		       int (*render_one)(struct render_opts *o, const struct gt_application *app))
{
	const struct gt_application *app = c->app;
	int p[2];
	if (pipe(p) < 0)
		return gt_error("pipe: %s", strerror(errno)), -1;
	fflush(stdout);
	fflush(stderr);
	c->pid = fork();
	if (c->pid < 0) {
		close(p[0]);
		close(p[1]);
		return gt_error("fork: %s", strerror(errno)), -1;
	}
	if (c->pid == 0) {
		close(p[0]);
		if (dup2(p[1], STDOUT_FILENO) < 0)
			_exit(GT_EXIT_INPUT);
		close(p[1]);
		char *prog = NULL;
		if (asprintf(&prog, "gitops-render: application %s", app->name) >= 0)
			gt_set_program(prog); /* every message of this app names it */
		o->app_source = c->source;
		int code = render_one(o, app);
		fflush(stdout);
		_exit(code);
	}
	close(p[1]);
	c->fd = p[0];
	return 0;
}

/* Read what the running children print until each ends; -1 when interrupted. */
static int collect(struct child *cs, size_t n)
{
	for (;;) {
		struct pollfd pf[n ? n : 1];
		size_t k = 0, idx[n ? n : 1];
		for (size_t i = 0; i < n; i++)
			if (cs[i].fd >= 0) {
				pf[k] = (struct pollfd){ .fd = cs[i].fd, .events = POLLIN };
				idx[k++] = i;
			}
		if (!k)
			return 0;
		if (poll(pf, k, -1) < 0) {
			if (errno == EINTR && !gt_interrupted())
				continue;
			return -1;
		}
		for (size_t j = 0; j < k; j++) {
			if (!(pf[j].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			struct child *c = &cs[idx[j]];
			char buf[65536];
			ssize_t got = read(c->fd, buf, sizeof(buf));
			if (got < 0 && errno == EINTR)
				continue;
			if (got > 0 && gt_strbuf_add(&c->out, buf, (size_t)got) == 0)
				continue;
			close(c->fd);
			c->fd = -1;
		}
	}
}

static int wait_child(struct child *c)
{
	int status;
	while (waitpid(c->pid, &status, 0) < 0)
		if (errno != EINTR)
			return c->code = GT_EXIT_INPUT;
	c->done = true;
	c->code = WIFEXITED(status) ? WEXITSTATUS(status) : GT_EXIT_INPUT;
	return c->code;
}

/* One app's objects: of several sources, one object that two produce is the last one's (Argo CD
 * keeps the last source's and warns). */
static int collect_app(const struct render_opts *o, struct child *cs, size_t from, size_t to, json_t *objs)
{
	json_t *index = json_object();
	int r = index ? 0 : -1;
	for (size_t i = from; r == 0 && i < to; i++) {
		struct gt_stream *s = gt_stream_open_mem(cs[i].out.s ? cs[i].out.s : "", cs[i].out.len, "render", &o->lim);
		json_t *obj;
		struct gt_where where;
		if (!s) {
			r = -1;
			break;
		}
		while (r == 0 && gt_stream_next(s, &obj, &where) > 0) {
			struct gt_ref ref;
			const char *why;
			char *key = gt_obj_ref(obj, &ref, &why) == 0 && *ref.name ? gt_ref_key_new(&ref) : NULL;
			json_t *at = key ? json_object_get(index, key) : NULL;
			if (at) {
				gt_warn("application %s: %s is rendered by two sources: the last one's is kept", cs[i].app->name, key);
				r = json_array_set(objs, (size_t)json_integer_value(at), obj);
			} else {
				if (key)
					json_object_set_new(index, key, json_integer((json_int_t)json_array_size(objs)));
				r = json_array_append(objs, obj);
			}
			free(key);
			json_decref(obj);
		}
		gt_stream_close(s);
	}
	json_decref(index);
	return r;
}

static int write_outputs(const struct render_opts *o, struct child *cs, size_t n)
{
	struct gt_writer *w = gt_writer_new(stdout, o->format);
	int r = w ? 0 : -1;
	for (size_t i = 0; r == 0 && i < n;) {
		size_t j = i + 1;
		while (j < n && cs[j].app == cs[i].app)
			j++;
		json_t *objs = json_array(), *obj;
		size_t k;
		r = objs ? collect_app(o, cs, i, j, objs) : -1;
		json_array_foreach(objs, k, obj)
			if (r == 0)
				r = gt_writer_put(w, obj);
		json_decref(objs);
		i = j;
	}
	return gt_writer_close(w) < 0 ? -1 : r;
}

int render_applications(struct render_opts *o, int (*render_one)(struct render_opts *o, const struct gt_application *app))
{
	struct gt_app_list list = { 0 };
	int st = o->repo ? read_from_repo(o, &list) : gt_app_read(o->applications, &o->kube, &o->lim, &list);
	if (st == GT_EXIT_OK)
		st = pin_sources(o, &list);
	if (st == GT_EXIT_OK)
		st = render_app_list(o, &list, render_one);
	gt_app_list_release(&list);
	app_pins_clear();
	return st;
}

int render_app_list(struct render_opts *o, const struct gt_app_list *list,
		    int (*render_one)(struct render_opts *o, const struct gt_application *app))
{
	int st = GT_EXIT_OK;
	size_t jobs = 0;
	for (size_t a = 0; a < list->n; a++) {
		size_t n = app_rendering_sources(list->v[a]);
		jobs += n > 1 ? n : 1;
	}
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t par = cores > 0 ? (size_t)cores : 1, next = 0, running = 0;
	struct child *cs = calloc(jobs ? jobs : 1, sizeof(*cs));
	if (!cs)
		return gt_error("out of memory"), GT_EXIT_INPUT;
	/* one job per app, or per rendering source of a multi-source app */
	for (size_t a = 0, j = 0; a < list->n; a++) {
		const struct gt_application *app = list->v[a];
		bool several = app_rendering_sources(app) > 1;
		for (size_t s = 0; s < (several ? app->n_sources : 1); s++) {
			if (several && !gt_app_source_renders(&app->sources[s]))
				continue;
			cs[j++] = (struct child){ .app = app, .source = several ? (int)s : -1, .fd = -1 };
		}
	}
	gt_debug("%zu applications (%zu renders), %zu at a time", list->n, jobs, par);
	/* a batch of up to par children, read until they end, then the next batch */
	while (st == GT_EXIT_OK && next < jobs) {
		size_t first = next;
		for (; next < jobs && running < par; next++, running++)
			if (start_child(o, &cs[next], render_one) < 0) {
				st = GT_EXIT_INPUT;
				break;
			}
		if (collect(cs + first, next - first) < 0)
			st = GT_EXIT_INPUT;
		for (size_t i = first; i < next; i++) {
			if (st != GT_EXIT_OK && cs[i].pid > 0)
				kill(cs[i].pid, SIGTERM);
			if (cs[i].pid > 0) {
				int code = wait_child(&cs[i]);
				if (code != GT_EXIT_OK && (st == GT_EXIT_OK || code == GT_EXIT_REMOTE))
					st = code;
			}
		}
		running = 0;
	}
	if (st == GT_EXIT_OK && check_interrupted() < 0)
		st = GT_EXIT_INPUT;
	if (st == GT_EXIT_OK && write_outputs(o, cs, jobs) < 0)
		st = GT_EXIT_OUTPUT;
	for (size_t i = 0; i < jobs; i++) {
		if (cs[i].fd >= 0)
			close(cs[i].fd);
		gt_strbuf_release(&cs[i].out);
	}
	free(cs);
	return st;
}
