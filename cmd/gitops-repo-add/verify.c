/* Test access before registering, as argocd repo add does: ls-remote with the
 * credentials Argo CD will use; --verify fetch also fetches, into a throwaway
 * directory (argo-cd#1745: ls-remote can pass where the fetch fails). */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repoadd.h"

/* Why a registration cannot be verified here, or NULL. */
static const char *cannot_verify(const struct repoadd_opts *o)
{
	if (o->creds)
		return "a credential template is a URL prefix, not a repository (argocd repocreds add tests nothing either)";
	if (!strcmp(o->type, "helm"))
		return "only git repositories are verified (a Helm repository's index.yaml is not fetched)";
	if (url_is_ssh(o->url))
		return "only http and https URLs are verified (not ssh)";
	return NULL;
}

/* ---- the repository's proxy, for the verification only (kubectl must not inherit it) ---- */

static const char *const proxy_vars[] = { "https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY" };
static const char *const no_proxy_vars[] = { "no_proxy", "NO_PROXY" };
#define N_PROXY_VARS 6

struct saved_env {
	char *value[N_PROXY_VARS];
	bool set[N_PROXY_VARS];
};

static const char *proxy_var(size_t i)
{
	return i < 4 ? proxy_vars[i] : no_proxy_vars[i - 4];
}

static void proxy_env_set(const struct repoadd_opts *o, struct saved_env *saved)
{
	for (size_t i = 0; i < N_PROXY_VARS; i++) {
		const char *want = i < 4 ? o->proxy : o->no_proxy, *now = getenv(proxy_var(i));
		saved->set[i] = false;
		saved->value[i] = NULL;
		if (!want)
			continue;
		saved->set[i] = true;
		saved->value[i] = now ? strdup(now) : NULL;
		setenv(proxy_var(i), want, 1);
	}
}

static void proxy_env_restore(struct saved_env *saved)
{
	for (size_t i = 0; i < N_PROXY_VARS; i++) {
		if (!saved->set[i])
			continue;
		if (saved->value[i])
			setenv(proxy_var(i), saved->value[i], 1);
		else
			unsetenv(proxy_var(i));
		free(saved->value[i]);
	}
}

/* ---- fetch into a throwaway cache ---- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static int fetch_default_branch(const struct gt_git_opts *g, struct verified *v)
{
	const char *tmp = getenv("TMPDIR");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/gitops-repo-add.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		gt_error("%s: cannot create a directory to fetch into: %s", dir, strerror(errno));
		return GT_EXIT_REMOTE;
	}
	struct gt_git_opts fo = *g;
	fo.cache_dir = dir;
	struct gt_repo *r = gt_repo_open(&fo);
	git_oid tip;
	int st = r && gt_repo_fetch(r) == 0 ? GT_EXIT_OK : GT_EXIT_REMOTE;
	if (st == GT_EXIT_OK && v->branch && gt_repo_branch_tip(r, v->branch, &tip) < 0)
		st = GT_EXIT_REMOTE;
	gt_repo_close(r);
	if (nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
		gt_warn("%s: cannot remove: %s", dir, strerror(errno));
	if (st == GT_EXIT_OK)
		v->how = "fetch";
	return st;
}

int verify_access(const struct repoadd_opts *o, struct verified *v)
{
	struct gt_git_opts g = o->git;
	struct saved_env saved;
	git_oid head;
	memset(v, 0, sizeof(*v));
	if (o->verify == VERIFY_NONE)
		return GT_EXIT_OK;
	const char *why = cannot_verify(o);
	if (why && o->verify_given)
		return gt_error("--verify: %s", why), GT_EXIT_USAGE;
	if (why && o->creds)
		return gt_debug("%s: not verified: %s", o->url, why), GT_EXIT_OK;
	if (why)
		return gt_warn("%s: not verified: %s", o->url, why), GT_EXIT_OK;
	g.url = o->url;
	/* Exactly the user name written into the Secret, which Argo CD will send. */
	g.username = o->username;
	proxy_env_set(o, &saved);
	int st = gt_git_ls_remote(&g, &v->branch, &head) < 0 ? GT_EXIT_REMOTE : GT_EXIT_OK;
	if (st == GT_EXIT_OK) {
		v->done = true;
		v->how = "ls-remote";
		if (!git_oid_is_zero(&head))
			git_oid_tostr(v->head, sizeof(v->head), &head);
		else
			gt_warn("%s: the repository is empty (no HEAD): Argo CD has nothing to sync yet", o->url);
	}
	if (st == GT_EXIT_OK && o->verify == VERIFY_FETCH)
		st = fetch_default_branch(&g, v);
	proxy_env_restore(&saved);
	return st;
}
