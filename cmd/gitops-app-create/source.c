/* source: check the Application's source before writing it, as argocd app create does (--validate):
 * the repository answers with the credentials given, the revision resolves, the path is a directory
 * at it, and the path renders (gitops-render, from the same directory as this program, at the
 * resolved commit out of the cache the check just fetched). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "appcreate.h"
#include "git.h"
#include "proc.h"

/* What the render may print before it is stopped: its objects are only counted, never kept. */
#define RENDER_MAX_OUT ((size_t)256 << 20)

static bool url_is_ssh(const char *url)
{
	return !strncmp(url, "ssh://", 6) || (!strstr(url, "://") && strchr(url, '@') && strchr(url, ':'));
}

/* --path at commit is no directory: say so, with the nearest directories there are. Exit 2. */
static int path_missing(struct gt_repo *r, const struct app_opts *o, const git_oid *commit, const char *path)
{
	char near[GT_NEAREST_MAX][GT_NEAREST_PATH_MAX], list[3 * GT_NEAREST_PATH_MAX + 16] = "";
	if (gt_repo_path_exists(r, commit, path))
		return gt_error("--path %s: a file at %s in %s, not a directory", o->path, o->revision, gt_repo_url(r)),
		       GT_EXIT_INPUT;
	size_t n = gt_tree_nearest_dirs(gt_repo_git(r), commit, path, near);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(list);
		snprintf(list + len, sizeof(list) - len, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", near[i]);
	}
	if (n)
		gt_error("--path %s: no such directory at %s in %s; did you mean %s?", o->path, o->revision,
			 gt_repo_url(r), list);
	else
		gt_error("--path %s: no such directory at %s in %s", o->path, o->revision, gt_repo_url(r));
	return GT_EXIT_INPUT;
}

/* The repository answers, the revision resolves, the path is a directory there: the commit in *sha. */
static int check_tree(struct app_opts *o, char sha[GIT_OID_HEXSZ + 1])
{
	struct gt_repo *r = gt_repo_open(&o->git);
	git_oid commit;
	int st = GT_EXIT_OK;
	if (!r || gt_repo_fetch(r) < 0)
		st = GT_EXIT_REMOTE;
	else if (gt_repo_resolve(r, o->revision, &commit) < 0)
		st = GT_EXIT_INPUT;
	if (st == GT_EXIT_OK) {
		git_oid_tostr(sha, GIT_OID_HEXSZ + 1, &commit);
		char *path = o->path ? gt_tree_path_dup(o->path) : NULL;
		if (o->path && !path)
			st = (gt_error("out of memory"), GT_EXIT_INPUT);
		else if (path && *path) {
			git_tree_entry *e = NULL;
			git_commit *c = NULL;
			git_tree *tree = NULL;
			bool dir = git_commit_lookup(&c, gt_repo_git(r), &commit) == 0 && git_commit_tree(&tree, c) == 0 &&
				   git_tree_entry_bypath(&e, tree, path) == 0 && git_tree_entry_type(e) == GIT_OBJECT_TREE;
			git_tree_entry_free(e);
			git_tree_free(tree);
			git_commit_free(c);
			if (!dir)
				st = path_missing(r, o, &commit, path);
		}
		free(path);
	}
	gt_repo_close(r); /* the render opens the same cache */
	return st;
}

/* The render's argv: the source as the Application will have it, at the commit resolved. */
static int render_argv(const struct app_opts *o, const char *render, const char *sha, char timeout[32],
		       struct gt_strvec *av)
{
	int r = 0;
	snprintf(timeout, 32, "%us", o->timeout ? o->timeout : GT_GIT_DEFAULT_TIMEOUT);
	/* An empty render is a valid source (Argo CD shows an app with no resources): the check is that it renders. */
	const char *fixed[] = { render, "--repo", o->repo, "--revision", sha, "--app", o->name, "--timeout", timeout,
				"--allow-empty", "-o", "json" };
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		r |= gt_strvec_push(av, fixed[i]);
#define PAIR(flag, value) (r |= (value) ? gt_strvec_push(av, flag) | gt_strvec_push(av, value) : 0)
	PAIR("--path", o->path);
	PAIR("-n", o->dest_namespace);
	PAIR("--release-name", o->release_name);
	PAIR("--cache-dir", o->git.cache_dir);
	PAIR("--ca-file", o->git.ca_file);
	PAIR("--username", o->git.username);
	for (size_t i = 0; i < o->values.n; i++)
		PAIR("-f", o->values.v[i]);
	for (size_t i = 0; i < o->helm_sets.n; i++)
		PAIR("--set", o->helm_sets.v[i]);
#undef PAIR
	if (o->directory_recurse)
		r |= gt_strvec_push(av, "--recurse");
	if (o->git.insecure)
		r |= gt_strvec_push(av, "--insecure-skip-tls-verify");
	if (o->git.password)
		r |= gt_strvec_push(av, "--password-stdin"); /* the token on its stdin, never in argv */
	return r < 0 ? -1 : 0;
}

/* gitops-render at the commit: its exit 3 (a remote) is ours, any other failure is bad input (2). */
static int check_render(const struct app_opts *o, const char *sha)
{
	char *render = gt_sibling_program_dup("gitops-render"), timeout[32];
	struct gt_strvec av = { 0 };
	if (!render || render_argv(o, render, sha, timeout, &av) < 0) {
		free(render);
		gt_strvec_release(&av);
		return gt_error("out of memory"), GT_EXIT_INPUT;
	}
	struct gt_proc p = { .argv = (char *const *)av.v, .in = o->git.password, .in_len = o->git.password ? strlen(o->git.password) : 0,
			     .max_out = RENDER_MAX_OUT };
	int st = GT_EXIT_OK;
	if (gt_proc_run(&p, "gitops-render") < 0) {
		st = GT_EXIT_INPUT;
		if (p.end == GT_PROC_TOO_LARGE)
			gt_error("--path %s at %s: renders to more than %zu bytes", o->path ? o->path : ".", o->revision,
				 RENDER_MAX_OUT);
	} else if (!gt_proc_succeeded(&p)) {
		char what[512];
		snprintf(what, sizeof(what), "--path %s does not render at %s", o->path ? o->path : ".", o->revision);
		gt_proc_relay_stderr(&p, what, true, o->git.password);
		st = WIFEXITED(p.status) && WEXITSTATUS(p.status) == GT_EXIT_REMOTE ? GT_EXIT_REMOTE : GT_EXIT_INPUT;
	} else {
		gt_debug("--path %s renders at %s (%.12s)", o->path ? o->path : ".", o->revision, sha);
	}
	gt_proc_free(&p);
	gt_strvec_release(&av);
	free(render);
	return st;
}

int source_check(struct app_opts *o)
{
	char sha[GIT_OID_HEXSZ + 1];
	if (!o->validate)
		return GT_EXIT_OK;
	if (url_is_ssh(o->repo)) {
		gt_warn("%s: not validated: only http, https and local repositories are (--validate false says so)", o->repo);
		return GT_EXIT_OK;
	}
	o->git.url = o->repo;
	if (!o->git.timeout)
		o->git.timeout = o->timeout;
	int st = check_tree(o, sha);
	if (st == GT_EXIT_OK)
		st = check_render(o, sha);
	return st;
}
