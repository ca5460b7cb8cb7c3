/* gittree: new trees made from commits in memory: a commit reverted onto a tip (git revert), and a
 * tip with one path as another commit had it (git checkout COMMIT -- PATH); nothing touches a work tree. */
#include "git.h"

#include <ctype.h>
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

/* ---- the directories nearest to a path that is not there (a typo, a case mismatch) ---- */

#define NEAREST_MAX_DIRS 20000 /* directories looked at: a monorepo's tree is not read to the end for a hint */
#define NEAREST_MAX_LEN 256    /* longer paths are not compared (the distance table is on the stack) */

struct nearest {
	const char *want;
	size_t want_len, seen;
	char best[GT_NEAREST_MAX][NEAREST_MAX_LEN + 1];
	unsigned score[GT_NEAREST_MAX]; /* distance ignoring case * 1024 + distance with case */
	size_t n;
};

/* Levenshtein distance between a and b (bytes), ignoring case when fold. */
static unsigned edit_distance(const char *a, size_t na, const char *b, size_t nb, bool fold)
{
	unsigned row[NEAREST_MAX_LEN + 1];
	for (size_t j = 0; j <= nb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= na; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= nb; j++) {
			char x = a[i - 1], y = b[j - 1];
			if (fold)
				x = (char)tolower((unsigned char)x), y = (char)tolower((unsigned char)y);
			unsigned best = diag + (x != y), up = row[j] + 1, left = row[j - 1] + 1;
			best = up < best ? up : best;
			best = left < best ? left : best;
			diag = row[j];
			row[j] = best;
		}
	}
	return row[nb];
}

static void nearest_offer(struct nearest *nr, const char *path, size_t len)
{
	if (len > NEAREST_MAX_LEN)
		return;
	unsigned fold = edit_distance(nr->want, nr->want_len, path, len, true);
	unsigned limit = nr->want_len / 3 > 2 ? (unsigned)(nr->want_len / 3) : 2;
	if (fold > limit)
		return;
	unsigned score = fold * 1024 + edit_distance(nr->want, nr->want_len, path, len, false);
	size_t at = nr->n;
	while (at > 0 && nr->score[at - 1] > score)
		at--;
	if (at >= GT_NEAREST_MAX)
		return;
	size_t last = nr->n < GT_NEAREST_MAX ? nr->n : GT_NEAREST_MAX - 1;
	for (size_t k = last; k > at; k--) {
		memcpy(nr->best[k], nr->best[k - 1], sizeof(nr->best[k]));
		nr->score[k] = nr->score[k - 1];
	}
	memcpy(nr->best[at], path, len);
	nr->best[at][len] = '\0';
	nr->score[at] = score;
	if (nr->n < GT_NEAREST_MAX)
		nr->n++;
}

static int nearest_visit(const char *root, const git_tree_entry *e, void *payload)
{
	struct nearest *nr = payload;
	if (git_tree_entry_type(e) != GIT_OBJECT_TREE)
		return 0;
	if (++nr->seen > NEAREST_MAX_DIRS)
		return -1; /* enough: stop the walk */
	char path[2 * NEAREST_MAX_LEN + 2];
	int n = snprintf(path, sizeof(path), "%s%s", root, git_tree_entry_name(e));
	if (n > 0 && (size_t)n < sizeof(path))
		nearest_offer(nr, path, (size_t)n);
	return 0;
}

size_t gt_tree_nearest_dirs(git_repository *g, const git_oid *commit, const char *path,
			    char out[GT_NEAREST_MAX][GT_NEAREST_PATH_MAX])
{
	git_commit *c = NULL;
	git_tree *tree = NULL;
	struct nearest nr = { .want = path, .want_len = strlen(path) };
	if (nr.want_len > NEAREST_MAX_LEN || git_commit_lookup(&c, g, commit) < 0 || git_commit_tree(&tree, c) < 0) {
		git_commit_free(c);
		return 0;
	}
	git_tree_walk(tree, GIT_TREEWALK_PRE, nearest_visit, &nr);
	git_tree_free(tree);
	git_commit_free(c);
	/* only the equally near: a case mismatch is the answer, not one of three */
	size_t n = 0;
	while (n < nr.n && nr.score[n] / 1024 == nr.score[0] / 1024) {
		snprintf(out[n], GT_NEAREST_PATH_MAX, "%s", nr.best[n]);
		n++;
	}
	return n;
}
