/* source: what to render: a directory on disk, or a path in a commit of a remote read through
 * the cached bare clone (no checkout). A commit's tree is hostile until checked: what an engine
 * needs of it (the plan: the source path, and what its kustomizations, Chart.yaml, values and
 * links name, nothing of sibling apps) is written into a private temp directory, every name
 * checked as git's checkout checks it, every file created below directory descriptors without
 * following a link, within --max-tree-files and --max-tree-size; links are then resolved on
 * disk and refused when they lead outside. */
#define _GNU_SOURCE /* asprintf */
#include "file.h"
#include "render.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc.h"
#include "yaml.h"

static const char *const kustomization_names[] = { "kustomization.yaml", "kustomization.yml", "Kustomization" };

/*
 * Argo CD's repo-server rule (util/app/discovery Discover, after an explicit type and a plugin
 * whose discovery matches): the entries of the directory that are not directories, in byte
 * order; a name ending in "Chart.yaml" says helm, a kustomization name says kustomize, and the
 * last one to say anything wins. So a kustomization beside Chart.yaml wins (C < K < k), but
 * "values.Chart.yaml" after "kustomization.yaml" says helm again; "MyChart.yaml" is a chart.
 */
static enum source_type detect_by_name(enum source_type so_far, const char *name)
{
	size_t n = strlen(name), c = strlen("Chart.yaml");
	enum source_type t = so_far;
	if (n >= c && !strcmp(name + n - c, "Chart.yaml"))
		t = TYPE_HELM;
	for (size_t i = 0; i < sizeof(kustomization_names) / sizeof(*kustomization_names); i++)
		if (!strcmp(name, kustomization_names[i]))
			t = TYPE_KUSTOMIZE;
	return t;
}

static int by_byte_order(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

enum source_type detect_dir(const char *dir)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, by_byte_order);
	enum source_type type = TYPE_DIRECTORY;
	for (int i = 0; i < n; i++) {
		struct stat st;
		char *p = path_join(dir, ents[i]->d_name);
		/* filepath.Walk's lstat: a link is not a directory, whatever it leads to */
		if (p && lstat(p, &st) == 0 && !S_ISDIR(st.st_mode))
			type = detect_by_name(type, ents[i]->d_name);
		free(p);
		free(ents[i]);
	}
	free(ents);
	return type;
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
	for (const char *c = s->path; *c; c += strcspn(c, "/"), c += *c == '/') {
		size_t n = strcspn(c, "/");
		if ((n == 1 && *c == '.') || (n == 2 && !strncmp(c, "..", 2)) || n == 0)
			return gt_error("--path %s: give a directory inside the repository (no empty, '.' or '..' parts)", o->path),
			       GT_EXIT_USAGE;
	}
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
	source_plan_free(s->plan);
	if (s->tmp)
		remove_tree(s->tmp);
	free(s->tmp);
	free(s->path);
	gt_repo_close(s->repo);
	memset(s, 0, sizeof(*s));
}

/* detect_dir's rule on a tree: git keeps the entries that are not trees in byte order. */
enum source_type repo_source_detect(struct repo_source *s)
{
	git_tree *t = NULL;
	enum source_type type = TYPE_DIRECTORY;
	if (git_tree_lookup(&t, gt_repo_git(s->repo), &s->path_tree) < 0)
		return type;
	for (size_t i = 0, n = git_tree_entrycount(t); i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(t, i);
		/* a submodule (a commit) is checked out as a directory */
		if (git_tree_entry_type(e) == GIT_OBJECT_BLOB)
			type = detect_by_name(type, git_tree_entry_name(e));
	}
	git_tree_free(t);
	return type;
}

/* ---- names a tree may not give a file: what git's own checkout refuses (verify_path) ---- */

/* The next code point of UTF-8 text (0 at its end), -1 when malformed. */
static long utf8_next(const unsigned char **p)
{
	const unsigned char *s = *p;
	long c = s[0];
	int more = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : -1;
	if (more < 0)
		return -1;
	if (more)
		c &= 0x3f >> more;
	for (int i = 1; i <= more; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c)
		*p = s + more + 1;
	return c;
}

/* Code points HFS+ ignores in names, so that ".g\u200cit" is ".git" to it. */
static bool hfs_ignorable(long c)
{
	return (c >= 0x200c && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x206a && c <= 0x206f) ||
	       c == 0xfeff;
}

static bool is_hfs_dotgit(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	for (const char *want = ".git";; want++) {
		long c;
		do
			c = utf8_next(&p);
		while (hfs_ignorable(c));
		if (c < 0)
			return false;
		if (!*want)
			return c == 0;
		if (c > 127 || tolower((int)c) != *want)
			return false;
	}
}

/* ".git" or its 8.3 short name "git~1", with what NTFS drops after it (dots, spaces) or a stream (":"). */
static bool is_ntfs_dotgit(const char *name)
{
	const char *p;
	if (!strncasecmp(name, ".git", 4))
		p = name + 4;
	else if (!strncasecmp(name, "git~1", 5))
		p = name + 5;
	else
		return false;
	for (; *p && *p != ':' && *p != '\\'; p++)
		if (*p != '.' && *p != ' ')
			return false;
	return true;
}

bool tree_name_ok(const char *name, const char **why)
{
	if (!*name)
		*why = "an empty name";
	else if (strchr(name, '/'))
		*why = "a name with '/' in it";
	else if (!strcmp(name, ".") || !strcmp(name, ".."))
		*why = "a name that is '.' or '..'";
	else if (is_hfs_dotgit(name) || is_ntfs_dotgit(name))
		*why = "a name git reserves (.git, in any case or disguise)";
	else
		*why = NULL;
	/* On Windows, '\' separates: what follows one must not be .git either (as git fsck checks). */
	for (const char *b = name; !*why && (b = strchr(b, '\\')); b++)
		if (is_ntfs_dotgit(b + 1))
			*why = "a name git reserves (.git, in any case or disguise)";
	return *why == NULL;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every name of one tree level acceptable, none twice. 0, or -1 after printing. */
static int check_level(struct repo_source *s, git_tree *t, const char *rel)
{
	size_t n = git_tree_entrycount(t);
	const char **names = malloc((n ? n : 1) * sizeof(*names));
	const char *why = NULL, *bad = NULL;
	if (!names)
		return gt_error("out of memory"), -1;
	for (size_t i = 0; i < n && !why; i++) {
		names[i] = git_tree_entry_name(git_tree_entry_byindex(t, i));
		if (!tree_name_ok(names[i], &why))
			bad = names[i];
	}
	if (!why) {
		qsort(names, n, sizeof(*names), by_string);
		for (size_t i = 1; i < n && !why; i++)
			if (!strcmp(names[i - 1], names[i]))
				bad = names[i], why = "the same name twice in one directory";
	}
	free(names);
	if (why)
		gt_error("%s: the tree at '%s' has an entry git refuses to check out: '%s': %s", gt_repo_url(s->repo),
			 *rel ? rel : ".", bad, why);
	return why ? -1 : 0;
}

/* ---- paths inside the repository ---- */

/* base/rel with "." and ".." resolved by name: 0 with *out (malloc'd, "" for the root), 1 when it climbs above the root. */
static int repo_path_join(const char *base, const char *rel, char **out)
{
	size_t cap = strlen(base) + strlen(rel) + 2, len = 0;
	char *p = malloc(cap);
	*out = NULL;
	if (!p)
		return -1;
	p[0] = '\0';
	for (int part = 0; part < 2; part++) {
		for (const char *c = part ? rel : base; *c;) {
			size_t n = strcspn(c, "/");
			if (n == 2 && !strncmp(c, "..", 2)) {
				if (len == 0)
					return free(p), 1;
				while (len > 0 && p[len - 1] != '/')
					len--;
				len -= len > 0;
				p[len] = '\0';
			} else if (n && !(n == 1 && *c == '.')) {
				if (len)
					p[len++] = '/';
				memcpy(p + len, c, n);
				len += n;
				p[len] = '\0';
			}
			c += n + (c[n] == '/');
		}
	}
	*out = p;
	return 0;
}

static bool is_link_mode(git_filemode_t m)
{
	return m == GIT_FILEMODE_LINK;
}

/* A link blob's target (malloc'd), or NULL after printing. */
static char *link_target_dup(struct repo_source *s, const git_tree_entry *e, const char *rel)
{
	git_blob *b = NULL;
	if (git_blob_lookup(&b, gt_repo_git(s->repo), git_tree_entry_id(e)) < 0)
		return git_fail(s, "cannot read a link"), NULL;
	size_t len = (size_t)git_blob_rawsize(b);
	char *t = len < RENDER_PATH_MAX && !memchr(git_blob_rawcontent(b), '\0', len) ? strndup(git_blob_rawcontent(b), len) : NULL;
	git_blob_free(b);
	if (!t)
		gt_error("%s: %s: not a usable symbolic link target", gt_repo_url(s->repo), rel);
	return t;
}

#define MAX_LINK_HOPS 40 /* as Linux's ELOOP */

enum resolved { RESOLVED, RESOLVED_NONE, RESOLVED_OUTSIDE };

/*
 * Where path leads in the commit's tree, following symbolic links as a checkout on disk would
 * (each against the tree, earlier links included). RESOLVED with *real (malloc'd, a path with no
 * link in it) and *type; RESOLVED_NONE when nothing is there; RESOLVED_OUTSIDE when a link or a
 * ".." leaves the repository; -1 after printing.
 */
static int tree_resolve(struct repo_source *s, git_tree *root, const char *path, char **real, git_object_t *type)
{
	char *pos = strdup(""), *rest = strdup(path);
	int hops = 0, r = RESOLVED;
	*real = NULL;
	*type = GIT_OBJECT_TREE;
	if (!pos || !rest)
		return free(pos), free(rest), gt_error("out of memory"), -1;
	for (const char *c = rest; r == RESOLVED;) {
		while (*c == '/')
			c++;
		size_t n = strcspn(c, "/");
		if (!n)
			break;
		char *next = NULL;
		if (n == 1 && *c == '.') {
			c += 1;
			continue;
		}
		if (n == 2 && !strncmp(c, "..", 2)) {
			if (!*pos) {
				r = RESOLVED_OUTSIDE;
				break;
			}
			char *slash = strrchr(pos, '/');
			*(slash ? slash : pos) = '\0';
			c += 2;
			continue;
		}
		if (asprintf(&next, "%s%s%.*s", pos, *pos ? "/" : "", (int)n, c) < 0)
			return free(pos), free(rest), gt_error("out of memory"), -1;
		c += n;
		git_tree_entry *e = NULL;
		if (git_tree_entry_bypath(&e, root, next) < 0) {
			free(next);
			r = RESOLVED_NONE;
			break;
		}
		if (is_link_mode(git_tree_entry_filemode(e))) {
			char *target = ++hops > MAX_LINK_HOPS ? NULL : link_target_dup(s, e, next);
			char *more = NULL;
			if (hops > MAX_LINK_HOPS)
				gt_error("%s: %s: too many levels of symbolic links", gt_repo_url(s->repo), next);
			if (target && *target == '/')
				r = RESOLVED_OUTSIDE;
			else if (!target || asprintf(&more, "%s/%s", target, c) < 0)
				r = -1;
			free(target);
			free(next);
			git_tree_entry_free(e);
			if (r != RESOLVED)
				break;
			free(rest);
			c = rest = more;
			continue;
		}
		*type = git_tree_entry_type(e);
		git_tree_entry_free(e);
		free(pos);
		pos = next;
		while (*c == '/')
			c++;
		if (*c && *type != GIT_OBJECT_TREE)
			r = RESOLVED_NONE; /* a file is not a directory */
	}
	free(rest);
	if (r == RESOLVED)
		*real = pos;
	else
		free(pos);
	return r;
}

/* ---- what an engine needs of the commit: a closure of paths ---- */

struct plan_item {
	char *path;    /* in the repository, with no link in it; "" the root */
	bool filtered; /* the directory source: only its manifest files (and subdirectories with --recurse) */
};

struct source_plan {
	struct plan_item *v;
	size_t n, cap;
	bool outside; /* something outside the source path is needed: the render depends on the whole tree */
};

void source_plan_free(struct source_plan *p)
{
	for (size_t i = 0; p && i < p->n; i++)
		free(p->v[i].path);
	if (p)
		free(p->v);
	free(p);
}

static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return !*dir || !strcmp(path, dir) || (!strncmp(path, dir, n) && path[n] == '/');
}

static bool plan_covers(const struct source_plan *p, const char *path)
{
	for (size_t i = 0; i < p->n; i++)
		if (!p->v[i].filtered && path_under(path, p->v[i].path))
			return true;
	return false;
}

/* Add path (already resolved) unless it is there; takes path. 1 added, 0 already there, -1 no memory. */
static int plan_add(struct source_plan *p, struct repo_source *s, char *path, bool filtered)
{
	if (!filtered && plan_covers(p, path))
		return free(path), 0;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		struct plan_item *v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return free(path), gt_error("out of memory"), -1;
		p->v = v;
		p->cap = cap;
	}
	p->outside |= !path_under(path, s->path);
	p->v[p->n++] = (struct plan_item){ path, filtered };
	return 1;
}

struct planner {
	struct repo_source *s;
	const struct render_opts *o;
	enum source_type type;
	git_tree *root;
	struct source_plan *plan;
	size_t trees_read; /* a bomb of trees must not make planning itself endless */
};

/* Resolve what a file at dir names (a path relative to dir) and add it; what did not exist is left to the engine. */
static int plan_reference(struct planner *pl, const char *dir, const char *ref, const char *named_in, bool strict)
{
	char *joined = NULL, *real = NULL;
	git_object_t type;
	int j = repo_path_join(dir, ref, &joined);
	if (j < 0)
		return gt_error("out of memory"), -1;
	if (j > 0) {
		if (!strict)
			return 0;
		return gt_error("%s: %s: '%s' leads outside the repository", gt_repo_url(pl->s->repo), named_in, ref), -1;
	}
	int r = tree_resolve(pl->s, pl->root, joined, &real, &type);
	free(joined);
	if (r == RESOLVED_OUTSIDE)
		return gt_error("%s: %s: '%s' leads outside the repository (through a symbolic link)",
				gt_repo_url(pl->s->repo), named_in, ref), -1;
	if (r != RESOLVED)
		return r < 0 ? -1 : 0;
	return plan_add(pl->plan, pl->s, real, false) < 0 ? -1 : 0;
}

/* Does a string from a kustomization look like a relative path that may name a file or directory? */
static bool maybe_path(const char *v)
{
	return *v && *v != '/' && !strstr(v, "://") && !strchr(v, '\n') && strlen(v) < RENDER_PATH_MAX;
}

/* Every string of a kustomization that names something in the repository (resources, bases,
 * components, patches, generators' files and envs, "key=path" items, helm values files...). */
static int plan_strings(struct planner *pl, const char *dir, json_t *v, const char *named_in)
{
	size_t i;
	const char *k;
	json_t *x;
	if (json_is_string(v)) {
		const char *sv = json_string_value(v), *eq = strchr(sv, '=');
		/* Only "../"-paths that leave the repository are refused: other strings are not paths. */
		bool strict = !strncmp(sv, "../", 3);
		if (maybe_path(sv) && plan_reference(pl, dir, sv, named_in, strict) < 0)
			return -1;
		if (eq && maybe_path(eq + 1) && plan_reference(pl, dir, eq + 1, named_in, !strncmp(eq + 1, "../", 3)) < 0)
			return -1;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if (plan_strings(pl, dir, x, named_in) < 0)
				return -1;
	} else if (json_is_object(v)) {
		json_object_foreach(v, k, x)
			if (plan_strings(pl, dir, x, named_in) < 0)
				return -1;
	}
	return 0;
}

/* A chart's local dependencies: repository: file://PATH, relative to the chart. */
static int plan_chart_deps(struct planner *pl, const char *dir, json_t *doc, const char *named_in)
{
	json_t *d;
	size_t i;
	json_array_foreach(json_object_get(doc, "dependencies"), i, d) {
		const char *repo = json_string_value(json_object_get(d, "repository"));
		if (repo && !strncmp(repo, "file://", 7) && plan_reference(pl, dir, repo + 7, named_in, true) < 0)
			return -1;
	}
	return 0;
}

static bool is_kustomization(const char *name)
{
	for (size_t i = 0; i < sizeof(kustomization_names) / sizeof(*kustomization_names); i++)
		if (!strcmp(name, kustomization_names[i]))
			return true;
	return false;
}

/* A file that names other paths the engine reads: a kustomization, Chart.yaml, requirements.yaml. */
static int plan_config_file(struct planner *pl, const git_tree_entry *e, const char *dir, const char *rel)
{
	const char *name = git_tree_entry_name(e);
	bool kust = pl->type == TYPE_KUSTOMIZE && is_kustomization(name);
	bool chart = pl->type == TYPE_HELM && (!strcmp(name, "Chart.yaml") || !strcmp(name, "requirements.yaml"));
	if (!kust && !chart)
		return 0;
	git_blob *b = NULL;
	if (git_blob_lookup(&b, gt_repo_git(pl->s->repo), git_tree_entry_id(e)) < 0)
		return git_fail(pl->s, "cannot read a file");
	struct gt_yaml_reader *y =
		gt_yaml_reader_new_string(git_blob_rawcontent(b), (size_t)git_blob_rawsize(b), rel, &pl->o->lim);
	json_t *doc = NULL;
	unsigned long line;
	int r = 0, k;
	while (r == 0 && y && (k = gt_yaml_next(y, &doc, &line)) != 0) {
		if (k < 0)
			r = -1;
		else
			r = kust ? plan_strings(pl, dir, doc, rel) : plan_chart_deps(pl, dir, doc, rel);
		json_decref(doc);
		doc = NULL;
	}
	gt_yaml_reader_free(y);
	git_blob_free(b);
	return y ? r : -1;
}

static int plan_tree(struct planner *pl, const git_oid *id, const char *rel, bool filtered, int depth);

/* One entry of a planned subtree: links bring their targets, config files what they name. */
static int plan_entry(struct planner *pl, const git_tree_entry *e, const char *dir, bool filtered, int depth)
{
	const char *name = git_tree_entry_name(e);
	char *rel = NULL;
	int r = 0;
	if (asprintf(&rel, "%s%s%s", dir, *dir ? "/" : "", name) < 0)
		return gt_error("out of memory"), -1;
	bool wanted = !filtered || manifest_wanted(pl->o, name, rel + strlen(pl->s->path) + (*pl->s->path != '\0'));
	if (is_link_mode(git_tree_entry_filemode(e))) {
		char *real = NULL;
		git_object_t type;
		int t = wanted ? tree_resolve(pl->s, pl->root, rel, &real, &type) : RESOLVED_NONE;
		if (t == RESOLVED_OUTSIDE)
			gt_error("%s: %s: the symbolic link leads outside the repository", gt_repo_url(pl->s->repo), rel);
		/* a link to a directory in a directory source is not descended (filepath.Walk) */
		if (t == RESOLVED && (!filtered || type == GIT_OBJECT_BLOB))
			r = plan_add(pl->plan, pl->s, real, false) < 0 ? -1 : 0;
		else
			free(real);
		r = t < 0 || t == RESOLVED_OUTSIDE ? -1 : r;
	} else if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
		if (!filtered || (pl->o->recurse && name[0] != '.'))
			r = plan_tree(pl, git_tree_entry_id(e), rel, filtered, depth + 1);
	} else if (git_tree_entry_type(e) == GIT_OBJECT_BLOB && !filtered) {
		r = plan_config_file(pl, e, dir, rel);
	}
	free(rel);
	return r;
}

#define MAX_TREE_DEPTH 256 /* directories inside directories: far beyond any manifest repo */

static int plan_tree(struct planner *pl, const git_oid *id, const char *rel, bool filtered, int depth)
{
	git_tree *t = NULL;
	if (depth > MAX_TREE_DEPTH)
		return gt_error("%s: %s: directories nested deeper than %d", gt_repo_url(pl->s->repo), rel,
				MAX_TREE_DEPTH), -1;
	if (++pl->trees_read > pl->o->max_tree_files)
		return gt_error("%s: the source has more than %zu files and directories (--max-tree-files)",
				gt_repo_url(pl->s->repo), pl->o->max_tree_files), -1;
	if (git_tree_lookup(&t, gt_repo_git(pl->s->repo), id) < 0)
		return git_fail(pl->s, "cannot read a tree");
	int r = 0;
	for (size_t i = 0; r == 0 && i < git_tree_entrycount(t); i++)
		r = check_interrupted() < 0 ? -1 : plan_entry(pl, git_tree_entry_byindex(t, i), rel, filtered, depth);
	git_tree_free(t);
	return r;
}

/* One values or set-file path: a file of the commit, relative to the chart, inside the repository;
 * a missing one is named with the place looked at (helm would only say "no such file"). */
static int plan_values_file(struct planner *pl, const char *path, const char *what)
{
	if (plan_reference(pl, pl->s->path, path, what, true) < 0)
		return -1;
	char *joined = NULL, *real = NULL;
	git_object_t type = GIT_OBJECT_INVALID;
	int j = repo_path_join(pl->s->path, path, &joined);
	int r = j == 0 ? tree_resolve(pl->s, pl->root, joined, &real, &type) : j < 0 ? -1 : RESOLVED;
	if (r == RESOLVED_NONE || (r == RESOLVED && j == 0 && type != GIT_OBJECT_BLOB))
		gt_error("%s %s: no such file in the repository at %s: tried %s (the chart)", what, path,
			 pl->o->revision ? pl->o->revision : "HEAD", joined);
	free(joined);
	free(real);
	return r == RESOLVED ? 0 : -1;
}

/* Helm's values and set-file paths: files relative to the chart, inside the repository. */
static int plan_values(struct planner *pl)
{
	const struct gt_strvec *lists[] = { &pl->o->values, &pl->o->set_file };
	for (size_t l = 0; l < 2; l++) {
		for (size_t i = 0; i < lists[l]->n; i++) {
			if (l == 0 && values_from_stdin(pl->o, lists[l]->v[i]))
				continue; /* standard input: nothing of the repository */
			char *items = strdup(lists[l]->v[i]), *save = NULL;
			int r = items ? 0 : -1;
			/* helm splits both at commas; --set-file items are KEY=PATH */
			for (char *it = items ? strtok_r(items, ",", &save) : NULL; r == 0 && it; it = strtok_r(NULL, ",", &save)) {
				const char *path = l == 1 && strchr(it, '=') ? strchr(it, '=') + 1 : it;
				if (*path == '/' || strstr(path, "://"))
					r = (gt_error("--%s %s: with --repo, give a path inside the source", l ? "set-file" : "values",
						      path), -1);
				else
					r = plan_values_file(pl, path, l ? "--set-file" : "--values");
			}
			free(items);
			if (r < 0)
				return -1;
		}
	}
	return 0;
}

int repo_source_plan(struct repo_source *s, const struct render_opts *o, enum source_type type)
{
	struct planner pl = { s, o, type, NULL, calloc(1, sizeof(*pl.plan)), 0 };
	git_commit *c = NULL;
	char *start = strdup(s->path);
	int r = pl.plan && start ? 0 : (gt_error("out of memory"), -1);
	if (r == 0 && (git_commit_lookup(&c, gt_repo_git(s->repo), &s->commit) < 0 || git_commit_tree(&pl.root, c) < 0))
		r = git_fail(s, "cannot read the commit");
	if (r == 0) {
		/* The directory source takes only its manifest files; an engine its whole directory. */
		r = plan_add(pl.plan, s, start, type == TYPE_DIRECTORY) < 0 ? -1 : 0;
		start = NULL;
	}
	if (r == 0 && type == TYPE_HELM)
		r = plan_values(&pl);
	/* Each item brings what it names; items added on the way are visited in turn. */
	for (size_t i = 0; r == 0 && i < pl.plan->n; i++) {
		git_tree_entry *e = NULL;
		const char *path = pl.plan->v[i].path;
		git_oid id;
		if (!*path) {
			git_oid_cpy(&id, &s->root_tree);
		} else if (git_tree_entry_bypath(&e, pl.root, path) < 0) {
			continue;
		} else if (git_tree_entry_type(e) != GIT_OBJECT_TREE) {
			git_tree_entry_free(e);
			continue;
		} else {
			git_oid_cpy(&id, git_tree_entry_id(e));
			git_tree_entry_free(e);
		}
		r = plan_tree(&pl, &id, path, pl.plan->v[i].filtered, 0);
	}
	free(start);
	git_tree_free(pl.root);
	git_commit_free(c);
	if (r < 0) {
		source_plan_free(pl.plan);
		return -1;
	}
	source_plan_free(s->plan);
	s->plan = pl.plan;
	return 0;
}

bool repo_source_plan_outside(const struct repo_source *s)
{
	return s->plan && s->plan->outside;
}

/* ---- writing the plan: every file created below directory descriptors, never through a link ---- */

struct writer {
	struct repo_source *s;
	const struct render_opts *o;
	git_odb *odb;
	size_t files, bytes;
	struct gt_strvec links; /* paths of the links written (owned), checked on disk afterwards */
};

static int count_entry(struct writer *w)
{
	if (++w->files <= w->o->max_tree_files)
		return 0;
	gt_error("%s: the source has more than %zu files and directories to write (--max-tree-files)",
		 gt_repo_url(w->s->repo), w->o->max_tree_files);
	return -1;
}

/* dirfd/name as a directory of ours: made if missing, opened without following a link. -1 after printing. */
static int dir_at(struct writer *w, int dirfd, const char *name, const char *rel)
{
	if (mkdirat(dirfd, name, 0700) == 0) {
		if (count_entry(w) < 0)
			return -1;
	} else if (errno != EEXIST) {
		return gt_error("%s: cannot create: %s", rel, strerror(errno)), -1;
	}
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		gt_error("%s: cannot create: %s", rel, errno == ELOOP || errno == ENOTDIR ? "a file or link is in the way" : strerror(errno));
	return fd;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR && !gt_interrupted())
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_blob(struct writer *w, int dirfd, const git_tree_entry *e, const char *rel)
{
	size_t size;
	git_object_t type;
	if (git_odb_read_header(&size, &type, w->odb, git_tree_entry_id(e)) < 0)
		return git_fail(w->s, "cannot read a file");
	/* The size is known before the blob is read: one too large costs nothing. */
	if (size > w->o->max_tree_bytes - w->bytes)
		return gt_error("%s: %s: the source's files are larger than %zu bytes in all (--max-tree-size)",
				gt_repo_url(w->s->repo), rel, w->o->max_tree_bytes), -1;
	w->bytes += size;
	if (is_link_mode(git_tree_entry_filemode(e))) {
		char *target = link_target_dup(w->s, e, rel), *kept = target ? strdup(rel) : NULL;
		int r = target && kept && symlinkat(target, dirfd, git_tree_entry_name(e)) == 0 ? 0 : -1;
		if (r < 0 && target)
			gt_error("%s: cannot create: %s", rel, kept ? strerror(errno) : "out of memory");
		if (r == 0 && gt_strvec_push(&w->links, kept) == 0)
			kept = NULL;
		else if (r == 0)
			r = (gt_error("out of memory"), -1);
		free(kept);
		free(target);
		return r;
	}
	git_blob *b = NULL;
	if (git_blob_lookup(&b, gt_repo_git(w->s->repo), git_tree_entry_id(e)) < 0)
		return git_fail(w->s, "cannot read a file");
	int fd = openat(dirfd, git_tree_entry_name(e), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			git_tree_entry_filemode(e) == GIT_FILEMODE_BLOB_EXECUTABLE ? 0700 : 0600);
	int r = fd >= 0 && write_all(fd, git_blob_rawcontent(b), size) == 0 ? 0 : -1;
	if (fd >= 0 && close(fd) < 0)
		r = -1;
	if (r < 0)
		gt_error("%s: cannot write: %s", rel, errno == EEXIST ? "it is there already (a name twice?)" : strerror(errno));
	git_blob_free(b);
	return r;
}

static int write_tree(struct writer *w, int dirfd, const git_oid *id, const char *rel, bool filtered, int depth);

static int write_entry(struct writer *w, int dirfd, const git_tree_entry *e, const char *rel, bool filtered, int depth)
{
	const char *name = git_tree_entry_name(e);
	git_object_t type = git_tree_entry_type(e);
	if (check_interrupted() < 0)
		return -1;
	if (type == GIT_OBJECT_TREE) {
		if (filtered && (!w->o->recurse || name[0] == '.'))
			return 0;
		int fd = dir_at(w, dirfd, name, rel);
		int r = fd < 0 ? -1 : write_tree(w, fd, git_tree_entry_id(e), rel, filtered, depth + 1);
		if (fd >= 0)
			close(fd);
		return r;
	}
	if (type != GIT_OBJECT_BLOB) /* a submodule: not in the commit, as in a checkout without --recurse-submodules */
		return 0;
	/* (a filtered item is the source path itself: rel is below it) */
	if (filtered && !manifest_wanted(w->o, name, rel + strlen(w->s->path) + (*w->s->path != '\0')))
		return 0;
	return count_entry(w) < 0 ? -1 : write_blob(w, dirfd, e, rel);
}

static int write_tree(struct writer *w, int dirfd, const git_oid *id, const char *rel, bool filtered, int depth)
{
	git_tree *t = NULL;
	if (depth > MAX_TREE_DEPTH)
		return gt_error("%s: %s: directories nested deeper than %d", gt_repo_url(w->s->repo), rel,
				MAX_TREE_DEPTH), -1;
	if (git_tree_lookup(&t, gt_repo_git(w->s->repo), id) < 0)
		return git_fail(w->s, "cannot read a tree");
	int r = check_level(w->s, t, rel);
	for (size_t i = 0; r == 0 && i < git_tree_entrycount(t); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(t, i);
		char *sub = NULL;
		if (asprintf(&sub, "%s%s%s", rel, *rel ? "/" : "", git_tree_entry_name(e)) < 0)
			r = (gt_error("out of memory"), -1);
		else
			r = write_entry(w, dirfd, e, sub, filtered, depth);
		free(sub);
	}
	git_tree_free(t);
	return r;
}

/* The directories leading to path (each name checked), the last one's descriptor in *fd. -1 after printing. */
static int open_parents(struct writer *w, int root_fd, const char *path, int *fd, const char **leaf)
{
	char *copy = strdup(path), *save = NULL;
	int cur = dup(root_fd);
	const char *why;
	if (!copy || cur < 0)
		return free(copy), gt_error("out of memory"), -1;
	char *name = strtok_r(copy, "/", &save), *next;
	for (; name && (next = strtok_r(NULL, "/", &save)); name = next) {
		if (!tree_name_ok(name, &why)) {
			gt_error("%s: '%s' has %s", gt_repo_url(w->s->repo), path, why);
			close(cur);
			return free(copy), -1;
		}
		int sub = dir_at(w, cur, name, path);
		close(cur);
		if (sub < 0)
			return free(copy), -1;
		cur = sub;
	}
	*leaf = name ? path + (name - copy) : path;
	*fd = cur;
	free(copy);
	return 0;
}

static int write_item(struct writer *w, int root_fd, git_tree *root, const struct plan_item *it)
{
	const char *leaf, *why;
	int fd = -1, r;
	if (!*it->path) /* the whole repository */
		return write_tree(w, root_fd, git_tree_id(root), "", it->filtered, 0);
	git_tree_entry *e = NULL;
	if (git_tree_entry_bypath(&e, root, it->path) < 0)
		return 0;
	if (open_parents(w, root_fd, it->path, &fd, &leaf) < 0) {
		r = -1;
	} else if (!tree_name_ok(leaf, &why)) {
		r = (gt_error("%s: '%s' has %s", gt_repo_url(w->s->repo), it->path, why), -1);
	} else if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
		int sub = dir_at(w, fd, leaf, it->path);
		r = sub < 0 ? -1 : write_tree(w, sub, git_tree_entry_id(e), it->path, it->filtered, 0);
		if (sub >= 0)
			close(sub);
	} else {
		r = write_entry(w, fd, e, it->path, false, 0);
	}
	if (fd >= 0)
		close(fd);
	git_tree_entry_free(e);
	return r;
}

static int by_item_path(const void *a, const void *b)
{
	return strcmp(((const struct plan_item *)a)->path, ((const struct plan_item *)b)->path);
}

/* Every link written leads, on disk, to somewhere inside the repository. */
static int check_links(struct writer *w, int root_fd)
{
	for (size_t i = 0; i < w->links.n; i++) {
		int in = path_stays_below(root_fd, w->links.v[i]);
		if (in <= 0)
			return gt_error("%s: %s: %s", gt_repo_url(w->s->repo), w->links.v[i],
					in < 0 ? strerror(errno) : "the symbolic link leads outside the repository"), -1;
	}
	return 0;
}

int repo_source_materialise(struct repo_source *s, const struct render_opts *o, char **dir)
{
	struct writer w = { s, o, NULL, 0, 0, { 0 } };
	git_commit *c = NULL;
	git_tree *root = NULL;
	int root_fd = -1, r = 0;
	*dir = NULL;
	if (!s->plan)
		return gt_error("internal error: no plan to write"), -1;
	if (!s->tmp && !(s->tmp = temp_dir_new()))
		return -1;
	if ((root_fd = open(s->tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return gt_error("%s: %s", s->tmp, strerror(errno)), -1;
	if (git_repository_odb(&w.odb, gt_repo_git(s->repo)) < 0 ||
	    git_commit_lookup(&c, gt_repo_git(s->repo), &s->commit) < 0 || git_commit_tree(&root, c) < 0)
		r = git_fail(s, "cannot read the commit");
	/* Shorter paths first: a directory before what is inside it. */
	qsort(s->plan->v, s->plan->n, sizeof(*s->plan->v), by_item_path);
	for (size_t i = 0; r == 0 && i < s->plan->n; i++) {
		const struct plan_item *it = &s->plan->v[i];
		bool covered = false;
		for (size_t j = 0; j < i && !covered; j++)
			covered = !s->plan->v[j].filtered && path_under(it->path, s->plan->v[j].path);
		if (!covered)
			r = write_item(&w, root_fd, root, it);
	}
	if (r == 0)
		r = check_links(&w, root_fd);
	/* The source path is a directory even when the plan wrote nothing of it (an empty selection). */
	char *at = r == 0 ? path_join(s->tmp, s->path) : NULL;
	if (r == 0 && (!at || gt_mkdir_p(at) < 0))
		r = (gt_error("%s: cannot create: %s", at ? at : s->tmp, strerror(errno)), -1);
	for (size_t i = 0; i < w.links.n; i++)
		free((char *)w.links.v[i]);
	gt_strvec_release(&w.links);
	git_tree_free(root);
	git_commit_free(c);
	git_odb_free(w.odb);
	close(root_fd);
	if (r < 0) {
		free(at);
		return -1;
	}
	gt_debug("%s: wrote %zu files and directories, %zu bytes, for the engine", gt_repo_url(s->repo), w.files, w.bytes);
	*dir = at;
	return 0;
}
