/* gitlog: a path's history on a branch, read without a checkout: whether two trees differ at a path,
 * what a commit changed, the commits that changed a path along first parents (a walk that reads only
 * the trees along the path), and which of those are deploys (gitops-rollback's view of a history). */
#include "git.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---- trees compared at a path ---- */

static bool delta_is_ignored(const git_diff_delta *d, const char *ignore_name)
{
	const char *p = d->new_file.path ? d->new_file.path : d->old_file.path;
	const char *base = strrchr(p, '/');
	return ignore_name && !strcmp(base ? base + 1 : p, ignore_name);
}

/* Only when the ids differ: is the difference more than ignored files? */
static int changes_besides(git_repository *g, git_tree *old, git_tree *new, const char *path, const char *ignore_name)
{
	git_diff *diff = NULL;
	git_diff_options opts;
	char *spec[] = { (char *)path };
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	if (*path) {
		opts.pathspec.strings = spec;
		opts.pathspec.count = 1;
	}
	if (git_diff_tree_to_tree(&diff, g, old, new, &opts) < 0)
		return -1;
	int changed = 0;
	for (size_t i = 0; i < git_diff_num_deltas(diff) && !changed; i++)
		changed = !delta_is_ignored(git_diff_get_delta(diff, i), ignore_name);
	git_diff_free(diff);
	return changed;
}

int gt_tree_changes_path(git_repository *g, const git_oid *a, const git_oid *b, const char *path, const char *ignore_name)
{
	git_tree *ta = NULL, *tb = NULL;
	int ret = git_oid_equal(a, b) ? 0 : -1;
	if (ret < 0 && git_tree_lookup(&ta, g, a) == 0 && git_tree_lookup(&tb, g, b) == 0)
		ret = changes_besides(g, ta, tb, path, ignore_name);
	git_tree_free(ta);
	git_tree_free(tb);
	return ret;
}

int gt_repo_commit_files(struct gt_repo *r, const char *commit, gt_file_diff_fn fn, void *ctx)
{
	git_oid id;
	git_commit *c = NULL, *parent = NULL;
	git_tree *old = NULL, *new = NULL;
	git_diff *diff = NULL;
	int ret = -1;
	if (git_oid_fromstr(&id, commit) == 0 && git_commit_lookup(&c, gt_repo_git(r), &id) == 0 && git_commit_tree(&new, c) == 0 &&
	    (git_commit_parentcount(c) == 0 || (git_commit_parent(&parent, c, 0) == 0 && git_commit_tree(&old, parent) == 0)) &&
	    git_diff_tree_to_tree(&diff, gt_repo_git(r), old, new, NULL) == 0)
		ret = 0;
	if (ret < 0)
		gt_error("%s: cannot read what %.12s changed: %s", gt_repo_url(r), commit,
			 git_error_last() ? git_error_last()->message : "unknown error");
	for (size_t i = 0; ret == 0 && i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		char before[GIT_OID_HEXSZ + 1], after[GIT_OID_HEXSZ + 1];
		git_oid_tostr(before, sizeof(before), &d->old_file.id);
		git_oid_tostr(after, sizeof(after), &d->new_file.id);
		ret = fn(ctx, d->new_file.path ? d->new_file.path : d->old_file.path,
			 d->status == GIT_DELTA_ADDED ? NULL : before, d->status == GIT_DELTA_DELETED ? NULL : after);
	}
	git_diff_free(diff);
	git_tree_free(old);
	git_tree_free(new);
	git_commit_free(parent);
	git_commit_free(c);
	return ret;
}

/*
 * The ids along PATH in one commit: id[0] its root tree, id[i] the entry of the i-th component;
 * n of them are known, found when all components are. Two commits whose ids agree at some level
 * agree below it, which is what makes a first-parent walk cheap: the parent's ids are the next
 * step's own, and resolving them stops at the first level that did not change.
 */
struct path_ids {
	size_t n;
	bool found;
	git_oid *id;
};

struct gt_path_walk {
	git_repository *g;
	char *path;		/* as given, for the diff's pathspec */
	char *buf;		/* the path, '\0' between components */
	const char **comp;	/* into buf */
	size_t n_comp;
	const char *ignore_name;
	bool have;		/* ids of commit `at` are in cur */
	git_oid at;
	struct path_ids cur, par;
};

static int split_path(struct gt_path_walk *w, const char *path)
{
	if (!(w->path = strdup(path)) || !(w->buf = strdup(path)))
		return -1;
	size_t n = *path ? 1 : 0;
	for (const char *p = path; *p; p++)
		n += *p == '/';
	w->comp = calloc(n ? n : 1, sizeof(*w->comp));
	w->cur.id = calloc(n + 1, sizeof(git_oid));
	w->par.id = calloc(n + 1, sizeof(git_oid));
	if (!w->comp || !w->cur.id || !w->par.id)
		return -1;
	for (char *s = w->buf; n && s;) {
		char *slash = strchr(s, '/');
		w->comp[w->n_comp++] = s;
		if (slash)
			*slash++ = '\0';
		s = slash;
	}
	return 0;
}

struct gt_path_walk *gt_path_walk_new(git_repository *g, const char *path, const char *ignore_name)
{
	struct gt_path_walk *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->g = g;
	w->ignore_name = ignore_name;
	if (split_path(w, path) < 0) {
		gt_path_walk_free(w);
		return NULL;
	}
	return w;
}

void gt_path_walk_free(struct gt_path_walk *w)
{
	if (!w)
		return;
	free(w->cur.id);
	free(w->par.id);
	free(w->comp);
	free(w->buf);
	free(w->path);
	free(w);
}

/*
 * The entry named name in a raw tree ("MODE NAME\0" and a binary id, repeated): 1 and its id and
 * whether it is a tree, 0 when absent, -1 when malformed. Reading the raw object spares libgit2's
 * parse of every entry into a git_tree, most of the cost of a long walk.
 */
static int raw_tree_entry(const unsigned char *p, size_t size, const char *name, git_oid *id, bool *is_tree)
{
	const unsigned char *end = p + size;
	size_t name_len = strlen(name);
	while (p < end) {
		unsigned mode = 0;
		for (; p < end && *p >= '0' && *p <= '7'; p++)
			mode = mode * 8 + (unsigned)(*p - '0');
		if (p >= end || *p++ != ' ')
			return -1;
		const unsigned char *nul = memchr(p, '\0', (size_t)(end - p));
		if (!nul || (size_t)(end - nul - 1) < GIT_OID_RAWSZ)
			return -1;
		if ((size_t)(nul - p) == name_len && !memcmp(p, name, name_len)) {
			git_oid_fromraw(id, nul + 1);
			*is_tree = (mode & 0170000) == 0040000;
			return 1;
		}
		p = nul + 1 + GIT_OID_RAWSZ;
	}
	return 0;
}

/* Level i's id as a tree, its entry for the next component: the next id, 0 when absent, -1 error. */
static int next_level(struct gt_path_walk *w, struct path_ids *out, size_t i)
{
	git_odb *odb = NULL;
	git_odb_object *t = NULL;
	bool is_tree = false;
	if (git_repository_odb(&odb, w->g) < 0)
		return -1;
	int rc = git_odb_read(&t, odb, &out->id[i]);
	git_odb_free(odb);
	if (rc < 0)
		return -1;
	if (git_odb_object_type(t) == GIT_OBJECT_TREE)
		rc = raw_tree_entry(git_odb_object_data(t), git_odb_object_size(t), w->comp[i], &out->id[i + 1], &is_tree);
	else
		rc = -1;
	git_odb_object_free(t);
	/* Only a tree has components under it (git_tree_entry_bypath's rule). */
	return rc > 0 && i + 1 < w->n_comp && !is_tree ? 0 : rc;
}

/* out = the ids along the path under root, reading trees only below the last level equal to ref's. */
static int resolve_ids(struct gt_path_walk *w, const git_oid *root, const struct path_ids *ref, struct path_ids *out)
{
	git_oid_cpy(&out->id[0], root);
	out->n = 1;
	for (size_t i = 0;; i++) {
		if (ref && i < ref->n && git_oid_equal(&out->id[i], &ref->id[i])) {
			for (size_t j = i + 1; j < ref->n; j++)
				git_oid_cpy(&out->id[j], &ref->id[j]);
			out->n = ref->n;
			out->found = ref->found;
			return 0;
		}
		if (i == w->n_comp)
			break;
		int rc = next_level(w, out, i);
		if (rc <= 0) {
			out->found = false;
			return rc;
		}
		out->n = i + 2;
	}
	out->found = true;
	return 0;
}

static int commit_tree_id(git_repository *g, const git_oid *commit, git_oid *tree)
{
	git_commit *c = NULL;
	if (git_commit_lookup(&c, g, commit) < 0)
		return -1;
	git_oid_cpy(tree, git_commit_tree_id(c));
	git_commit_free(c);
	return 0;
}

/* Only when the ids differ: is the difference more than ignored files? Reads the whole trees. */
static int changes_besides_in(struct gt_path_walk *w, const git_commit *c, bool has_parent)
{
	git_commit *parent = NULL;
	git_tree *tree = NULL, *ptree = NULL;
	int ret = -1;
	if (git_commit_tree(&tree, c) == 0 &&
	    (!has_parent || (git_commit_parent(&parent, c, 0) == 0 && git_commit_tree(&ptree, parent) == 0)))
		ret = changes_besides(w->g, ptree, tree, w->path, w->ignore_name);
	git_tree_free(ptree);
	git_tree_free(tree);
	git_commit_free(parent);
	return ret;
}

int gt_path_walk_changed(struct gt_path_walk *w, const git_commit *c)
{
	const size_t last = w->n_comp;
	bool has_parent = git_commit_parentcount(c) > 0;
	if (!w->have || !git_oid_equal(&w->at, git_commit_id(c))) {
		w->have = false;
		if (resolve_ids(w, git_commit_tree_id(c), NULL, &w->cur) < 0)
			return -1;
	}
	w->par.found = false;
	w->par.n = 0;
	if (has_parent) {
		git_oid ptree;
		if (commit_tree_id(w->g, git_commit_parent_id(c, 0), &ptree) < 0 ||
		    resolve_ids(w, &ptree, &w->cur, &w->par) < 0) {
			w->have = false;
			return -1;
		}
	}
	int ret = 0;
	if (w->cur.found != w->par.found || (w->cur.found && !git_oid_equal(&w->cur.id[last], &w->par.id[last])))
		ret = w->ignore_name ? changes_besides_in(w, c, has_parent) : 1;
	/* The parent is the next step of a first-parent walk: its ids become ours. */
	struct path_ids t = w->cur;
	w->cur = w->par;
	w->par = t;
	w->have = has_parent && ret >= 0;
	if (w->have)
		git_oid_cpy(&w->at, git_commit_parent_id(c, 0));
	return ret;
}

/* ---- the commits that changed a path ---- */

int gt_repo_path_log(struct gt_repo *r, const git_oid *from, const char *path, const char *ignore_name,
		     gt_path_log_fn fn, void *ctx, git_oid *bad)
{
	git_repository *g = gt_repo_git(r);
	struct gt_path_walk *pw = gt_path_walk_new(g, path, ignore_name);
	git_commit *c = NULL;
	int ret = 0;
	if (!pw)
		return gt_error("out of memory"), -1;
	if (git_commit_lookup(&c, g, from) < 0) {
		if (bad)
			git_oid_cpy(bad, from);
		ret = GT_LOG_NO_COMMIT;
	}
	while (ret == 0 && c) {
		git_commit *parent = NULL;
		/*
		 * A commit whose parent is missing (the edge of a shallow clone) ends the walk before
		 * it, as git_revwalk did: there is nothing to compare it with.
		 */
		if (git_commit_parentcount(c) > 0 && git_commit_parent(&parent, c, 0) < 0)
			break;
		int changed = gt_path_walk_changed(pw, c);
		if (changed < 0) { /* a missing or damaged object */
			if (bad)
				git_oid_cpy(bad, git_commit_id(c));
			ret = GT_LOG_UNREADABLE;
		} else if (changed) {
			ret = fn(ctx, c);
		}
		git_commit_free(c);
		c = parent;
	}
	git_commit_free(c);
	gt_path_walk_free(pw);
	return ret > 0 ? 0 : ret;
}

int gt_repo_commit_summary(struct gt_repo *r, const git_oid *id, char **out)
{
	git_commit *c = NULL;
	*out = NULL;
	if (git_commit_lookup(&c, gt_repo_git(r), id) < 0)
		return -1;
	*out = strdup(git_commit_summary(c) ? git_commit_summary(c) : "");
	git_commit_free(c);
	return 0;
}

/*
 * ---- which deploy is live ----
 *
 * A deploy is a first-parent commit that changed PATH (a hold file aside). A rollback
 * commit is not one: it names the deploy it made live in a "Gitops-Live:" trailer, and the
 * deploys between are undone; a revert made with git ("This reverts commit X.") or a rollback
 * of one commit ("Gitops-Reverted: X") undoes X. So "roll back" is always one deploy further
 * back, as helm rollback and argocd app rollback go, and never a revert of the revert.
 */

#define MAX_UNDONE 64

/* The 40-hex id after the first line-start occurrence of key in msg (or anywhere for a sentence). 0, or -1. */
static int message_oid(const char *msg, const char *key, bool line_start, git_oid *out)
{
	for (const char *p = msg; p && (p = strstr(p, key)); p++) {
		if (line_start && p != msg && p[-1] != '\n')
			continue;
		const char *hex = p + strlen(key);
		if (strspn(hex, "0123456789abcdef") >= GIT_OID_HEXSZ && git_oid_fromstrn(out, hex, GIT_OID_HEXSZ) == 0)
			return 0;
	}
	return -1;
}

struct walk_state {
	git_oid skip_until, skip_by; /* a rollback made skip_until live: the deploys above it are undone */
	bool skipping;
	git_oid undone[MAX_UNDONE], undone_by[MAX_UNDONE];
	size_t n_undone;
};

/* 1 when id is undone (by *by), else 0. */
static int undone_by(const struct walk_state *ws, const git_oid *id, git_oid *by)
{
	if (ws->skipping && !git_oid_equal(id, &ws->skip_until))
		return git_oid_cpy(by, &ws->skip_by), 1;
	for (size_t i = 0; i < ws->n_undone; i++)
		if (git_oid_equal(id, &ws->undone[i]))
			return git_oid_cpy(by, &ws->undone_by[i]), 1;
	return 0;
}

/* Learn from a commit that changed PATH: 1 when it is a rollback (not a deploy), 0 when a deploy. */
static int learn_rollback(struct walk_state *ws, const git_commit *c)
{
	const char *msg = git_commit_message(c);
	git_oid id;
	if (!msg)
		return 0;
	if (message_oid(msg, GT_TRAILER_LIVE, true, &id) == 0) {
		ws->skipping = true;
		git_oid_cpy(&ws->skip_until, &id);
		git_oid_cpy(&ws->skip_by, git_commit_id(c));
		return 1;
	}
	if (message_oid(msg, GT_TRAILER_REVERTED, true, &id) == 0 || message_oid(msg, "This reverts commit ", false, &id) == 0) {
		if (ws->n_undone < MAX_UNDONE) {
			git_oid_cpy(&ws->undone[ws->n_undone], &id);
			git_oid_cpy(&ws->undone_by[ws->n_undone++], git_commit_id(c));
		}
		return 1;
	}
	return 0;
}

/* One commit of the walk that changed PATH: a deploy found, undone, or a rollback learnt. */
static void classify(struct gt_deploys *d, struct walk_state *ws, const git_commit *c)
{
	const git_oid *id = git_commit_id(c);
	git_oid by;
	bool is_target = d->target && git_oid_equal(id, d->target);
	if (undone_by(ws, id, &by)) {
		if (is_target)
			d->target_undone = true, git_oid_cpy(&d->undone_by, &by);
		return;
	}
	if (ws->skipping) /* id is skip_until: the deploy that rollback made live */
		ws->skipping = false;
	else if (learn_rollback(ws, c))
		return;
	if (is_target)
		d->target_found = true, d->target_at = d->n;
	if (d->n < 2)
		git_oid_cpy(&d->found[d->n], id);
	d->n++;
}

struct deploy_walk {
	struct gt_deploys *d;
	struct walk_state ws;
};

static bool walk_done(const struct gt_deploys *d)
{
	return d->n >= 2 && (!d->target || d->target_found || d->target_undone);
}

/* The deploys live and before it at from, and where d->target stands. 0, or -1 after printing. */

static int classify_step(void *ctx, const git_commit *c)
{
	struct deploy_walk *dw = ctx;
	classify(dw->d, &dw->ws, c);
	return walk_done(dw->d) ? 1 : 0;
}

int gt_repo_deploys(struct gt_repo *r, const git_oid *from, const char *path, const char *ignore_name,
		    struct gt_deploys *d)
{
	struct deploy_walk dw = { .d = d, .ws = { .skipping = false } };
	d->n = 0;
	d->target_found = d->target_undone = false;
	int ret = gt_repo_path_log(r, from, path, ignore_name, classify_step, &dw, NULL);
	if (ret < -1)
		gt_error("%s: cannot read the history of '%s': %s", gt_repo_url(r), *path ? path : "/",
			 git_error_last() ? git_error_last()->message : "unknown error");
	return ret < 0 ? -1 : 0;
}
