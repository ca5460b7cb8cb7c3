/* source: what to render: a directory on disk, or a path in a commit of a
 * remote read through the cached bare clone (no checkout; written out into a
 * private temp directory only when an external engine needs files). */
#define _GNU_SOURCE /* asprintf */
#include "file.h"
#include "render.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const kustomization_names[] = { "kustomization.yaml", "kustomization.yml", "Kustomization" };

/* Chart.yaml first (a chart may carry a kustomization for other tools), then a kustomization. */
enum source_type detect_dir(const char *dir)
{
	struct stat st;
	char *p = path_join(dir, "Chart.yaml");
	bool helm = p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
	free(p);
	if (helm)
		return TYPE_HELM;
	for (size_t i = 0; i < sizeof(kustomization_names) / sizeof(*kustomization_names); i++) {
		p = path_join(dir, kustomization_names[i]);
		bool k = p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
		free(p);
		if (k)
			return TYPE_KUSTOMIZE;
	}
	return TYPE_DIRECTORY;
}

static int git_fail(const struct repo_source *s, const char *what)
{
	const git_error *e = git_error_last();
	gt_error("%s: %s: %s", gt_repo_url(s->repo), what, e ? e->message : "unknown error");
	return -1;
}

/* A full SHA already in the cache needs no fetch: a commit never changes. */
static bool have_commit(struct repo_source *s, const char *rev)
{
	git_oid id;
	git_commit *c = NULL;
	if (strlen(rev) != GIT_OID_HEXSZ || strspn(rev, "0123456789abcdef") != GIT_OID_HEXSZ)
		return false;
	if (git_oid_fromstr(&id, rev) < 0 || git_commit_lookup(&c, gt_repo_git(s->repo), &id) < 0)
		return false;
	git_commit_free(c);
	git_oid_cpy(&s->commit, &id);
	return true;
}

static int find_trees(struct repo_source *s, const struct render_opts *o)
{
	git_commit *c = NULL;
	git_tree *root = NULL;
	git_tree_entry *e = NULL;
	int r = -1;
	if (git_commit_lookup(&c, gt_repo_git(s->repo), &s->commit) < 0 || git_commit_tree(&root, c) < 0) {
		git_fail(s, "cannot read the commit");
		goto out;
	}
	git_oid_cpy(&s->root_tree, git_tree_id(root));
	if (!*s->path) {
		git_oid_cpy(&s->path_tree, &s->root_tree);
		r = 0;
	} else if (git_tree_entry_bypath(&e, root, s->path) < 0) {
		gt_error("%s: no path '%s' at %s", gt_repo_url(s->repo), s->path, o->revision ? o->revision : "HEAD");
	} else if (git_tree_entry_type(e) != GIT_OBJECT_TREE) {
		gt_error("%s: %s at %s is a file, not a directory", gt_repo_url(s->repo), s->path,
			 o->revision ? o->revision : "HEAD");
	} else {
		git_oid_cpy(&s->path_tree, git_tree_entry_id(e));
		r = 0;
	}
out:
	git_tree_entry_free(e);
	git_tree_free(root);
	git_commit_free(c);
	return r;
}

int repo_source_open(struct render_opts *o, struct repo_source *s)
{
	const char *rev = o->revision ? o->revision : "HEAD";
	memset(s, 0, sizeof(*s));
	o->git.url = o->repo;
	if (gt_git_credentials_finish(&o->git) < 0)
		return GT_EXIT_USAGE;
	s->path = gt_tree_path_dup(o->path);
	if (!s->path)
		return gt_error("out of memory"), GT_EXIT_INPUT;
	s->repo = gt_repo_open(&o->git);
	if (!s->repo)
		return GT_EXIT_REMOTE;
	if (!have_commit(s, rev)) {
		if (gt_repo_fetch(s->repo) < 0)
			return GT_EXIT_REMOTE;
		if (gt_repo_resolve(s->repo, rev, &s->commit) < 0)
			return GT_EXIT_INPUT;
	}
	return find_trees(s, o) < 0 ? GT_EXIT_INPUT : GT_EXIT_OK;
}

void repo_source_close(struct repo_source *s)
{
	if (s->tmp)
		remove_tree(s->tmp);
	free(s->tmp);
	free(s->path);
	gt_repo_close(s->repo);
	memset(s, 0, sizeof(*s));
}

static bool tree_has_blob(git_tree *t, const char *name)
{
	const git_tree_entry *e = git_tree_entry_byname(t, name);
	return e && git_tree_entry_type(e) == GIT_OBJECT_BLOB;
}

enum source_type repo_source_detect(struct repo_source *s)
{
	git_tree *t = NULL;
	enum source_type type = TYPE_DIRECTORY;
	if (git_tree_lookup(&t, gt_repo_git(s->repo), &s->path_tree) < 0)
		return type;
	if (tree_has_blob(t, "Chart.yaml"))
		type = TYPE_HELM;
	for (size_t i = 0; type == TYPE_DIRECTORY && i < sizeof(kustomization_names) / sizeof(*kustomization_names); i++)
		if (tree_has_blob(t, kustomization_names[i]))
			type = TYPE_KUSTOMIZE;
	git_tree_free(t);
	return type;
}

bool repo_source_file_has(struct repo_source *s, const char *file, const char *needle)
{
	char *p = path_join(s->path, file), *buf = NULL;
	size_t len;
	bool has = p && gt_repo_read_file(s->repo, &s->commit, p, &buf, &len) == 0 && strstr(buf, needle);
	free(buf);
	free(p);
	return has;
}

struct writer {
	struct repo_source *s;
	const char *dest; /* the temp dir */
	const char *prefix; /* where the written tree sits in the repository ("" or s->path) */
	int failed;
};

/* A link must stay inside the repository, as Argo CD requires of a checkout. */
static bool link_stays_inside(const char *where, const char *target)
{
	long depth = 0;
	if (*target == '/')
		return false;
	for (const char *p = where; *p; p++)
		depth += *p == '/';
	for (const char *c = target; *c;) {
		size_t n = strcspn(c, "/");
		if (n == 2 && !strncmp(c, "..", 2)) {
			if (--depth < 0)
				return false;
		} else if (n && !(n == 1 && *c == '.')) {
			depth++;
		}
		c += n + (c[n] == '/');
	}
	return true;
}

static int write_blob(struct writer *w, const char *full, const char *in_repo, const git_tree_entry *e)
{
	git_blob *b = NULL;
	git_filemode_t mode = git_tree_entry_filemode(e);
	if (git_blob_lookup(&b, gt_repo_git(w->s->repo), git_tree_entry_id(e)) < 0)
		return git_fail(w->s, "cannot read a file");
	const char *data = git_blob_rawcontent(b);
	size_t len = (size_t)git_blob_rawsize(b);
	int r = 0;
	if (mode == GIT_FILEMODE_LINK) {
		char *target = strndup(data, len);
		if (!target || !link_stays_inside(in_repo, target)) {
			gt_error("%s: %s: the symbolic link points outside the repository", gt_repo_url(w->s->repo),
				 in_repo);
			r = -1;
		} else if (symlink(target, full) < 0) {
			gt_error("%s: cannot create: %s", full, strerror(errno));
			r = -1;
		}
		free(target);
	} else {
		int fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			      mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0700 : 0600);
		ssize_t n = fd < 0 ? -1 : write(fd, data, len);
		if (fd < 0 || n != (ssize_t)len || close(fd) < 0) {
			gt_error("%s: cannot write: %s", full, strerror(errno));
			r = -1;
		}
	}
	git_blob_free(b);
	return r;
}

static int on_entry(const char *root, const git_tree_entry *e, void *payload)
{
	struct writer *w = payload;
	char *rel = NULL, *full = NULL, *in_repo = NULL;
	int r = 0;
	if (check_interrupted() < 0)
		return w->failed = -1, -1;
	if (asprintf(&rel, "%s%s", root, git_tree_entry_name(e)) < 0)
		rel = NULL;
	full = rel ? path_join(w->dest, rel) : NULL;
	in_repo = rel ? path_join(w->prefix, rel) : NULL;
	if (!full || !in_repo) {
		gt_error("out of memory");
		r = -1;
	} else if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
		if (mkdir(full, 0700) < 0 && errno != EEXIST) {
			gt_error("%s: cannot create: %s", full, strerror(errno));
			r = -1;
		}
	} else if (git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
		r = write_blob(w, full, in_repo, e);
	} /* a submodule: not in the commit, as in a checkout without --recurse-submodules */
	free(rel);
	free(full);
	free(in_repo);
	if (r < 0)
		w->failed = -1;
	return r;
}

int repo_source_materialise(struct repo_source *s, bool whole, char **dir)
{
	git_tree *t = NULL;
	*dir = NULL;
	if (!s->tmp && !(s->tmp = temp_dir_new()))
		return -1;
	/* The tree goes where a checkout would have it: TMP/PATH is the source either way. */
	char *at = path_join(s->tmp, s->path), *base = whole ? strdup(s->tmp) : path_join(s->tmp, s->path);
	if (!at || !base || gt_mkdir_p(at) < 0) {
		gt_error("%s: cannot create: %s", at ? at : s->tmp, strerror(errno));
		free(at);
		free(base);
		return -1;
	}
	struct writer w = { s, base, whole ? "" : s->path, 0 };
	int rc = git_tree_lookup(&t, gt_repo_git(s->repo), whole ? &s->root_tree : &s->path_tree);
	if (rc < 0)
		git_fail(s, "cannot read the tree");
	else
		rc = git_tree_walk(t, GIT_TREEWALK_PRE, on_entry, &w);
	git_tree_free(t);
	free(base);
	if (w.failed || rc < 0) {
		if (!w.failed && t)
			git_fail(s, "cannot write the tree");
		free(at);
		return -1;
	}
	*dir = at;
	return 0;
}
