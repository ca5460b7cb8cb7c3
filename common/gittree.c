/* gittree: new trees made from commits in memory: a commit reverted onto a tip (git revert), and a
 * tip with one path as another commit had it (git checkout COMMIT -- PATH); nothing touches a work tree. */
#include "git.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

/* The commits target and tip, both or neither. 0, or -1 after printing (label names target). */
static int lookup_two(git_repository *g, const git_oid *target, const git_oid *tip, const char *label,
		      git_commit **t, git_commit **h)
{
	*t = *h = NULL;
	if (git_commit_lookup(t, g, target) == 0 && git_commit_lookup(h, g, tip) == 0)
		return 0;
	git_commit_free(*t);
	*t = NULL;
	return gt_error("%s: no such commit on this branch", label), -1;
}

static int revert_commit(git_repository *g, git_commit *target, git_commit *tip, const char *label, git_oid *out,
			 char *files, size_t size)
{
	git_index *index = NULL;
	unsigned mainline = git_commit_parentcount(target) > 1 ? 1 : 0;
	if (git_revert_commit(&index, g, target, tip, mainline, NULL) < 0)
		return gt_error("cannot revert %s: %s", label, git_error_last()->message), -1;
	if (git_index_has_conflicts(index)) {
		const git_index_entry *anc, *ours, *theirs;
		git_index_conflict_iterator *it = NULL;
		if (size)
			files[0] = '\0';
		git_index_conflict_iterator_new(&it, index);
		while (it && git_index_conflict_next(&anc, &ours, &theirs, it) == 0) {
			const char *p = ours ? ours->path : theirs ? theirs->path : anc->path;
			size_t n = strlen(files);
			snprintf(files + n, size - n, "%s%s", n ? ", " : "", p);
		}
		git_index_conflict_iterator_free(it);
		git_index_free(index);
		return 1;
	}
	int rc = git_index_write_tree_to(out, index, g);
	git_index_free(index);
	return rc < 0 ? (gt_error("cannot write the reverted tree"), -1) : 0;
}

int gt_repo_revert_tree(struct gt_repo *r, const git_oid *target, const git_oid *tip, const char *label, git_oid *out,
			char *files, size_t size)
{
	git_repository *g = gt_repo_git(r);
	git_commit *t, *h;
	if (lookup_two(g, target, tip, label, &t, &h) < 0)
		return -1;
	int rc = revert_commit(g, t, h, label, out, files, size);
	git_commit_free(t);
	git_commit_free(h);
	return rc;
}

static int path_as_at(git_repository *g, git_commit *target, git_commit *tip, const char *path, const char *label,
		      git_oid *out)
{
	git_tree *then = NULL, *now = NULL;
	git_tree_entry *e = NULL;
	int rc = git_commit_tree(&then, target);
	if (rc == 0 && !*path) {
		git_oid_cpy(out, git_tree_id(then));
		git_tree_free(then);
		return 0;
	}
	if (rc == 0)
		rc = git_commit_tree(&now, tip);
	git_tree_update up;
	memset(&up, 0, sizeof(up));
	up.path = path;
	int found = rc == 0 ? git_tree_entry_bypath(&e, then, path) : rc;
	if (found == 0) {
		up.action = GIT_TREE_UPDATE_UPSERT;
		git_oid_cpy(&up.id, git_tree_entry_id(e));
		up.filemode = git_tree_entry_filemode(e);
	} else {
		up.action = GIT_TREE_UPDATE_REMOVE;
	}
	if (rc == 0)
		rc = git_tree_create_updated(out, g, now, 1, &up);
	git_tree_entry_free(e);
	git_tree_free(then);
	git_tree_free(now);
	return rc < 0 ? (gt_error("cannot build the tree of %s at %s", path, label), -1) : 0;
}

int gt_repo_path_as_at(struct gt_repo *r, const git_oid *target, const git_oid *tip, const char *path, const char *label,
		       git_oid *out)
{
	git_repository *g = gt_repo_git(r);
	git_commit *t, *h;
	if (lookup_two(g, target, tip, label, &t, &h) < 0)
		return -1;
	int rc = path_as_at(g, t, h, path, label, out);
	git_commit_free(t);
	git_commit_free(h);
	return rc;
}

int gt_repo_tree_differs(struct gt_repo *r, const git_oid *commit, const git_oid *tree, const char *path,
			 const char *ignore_name)
{
	git_commit *c = NULL;
	if (git_commit_lookup(&c, gt_repo_git(r), commit) < 0)
		return -1;
	int rc = gt_tree_changes_path(gt_repo_git(r), git_commit_tree_id(c), tree, path, ignore_name);
	git_commit_free(c);
	return rc;
}
