/* dir: the manifest files of a directory source, as Argo CD picks them. */
#include "render.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void file_list_free(struct file_list *l)
{
	for (size_t i = 0; l && i < l->n; i++)
		free(l->paths[i]);
	if (l)
		free(l->paths);
}

static int file_list_add(struct file_list *l, const char *path)
{
	if (GT_GROW(l->paths, l->cap, l->n + 1) < 0 || !(l->paths[l->n] = strdup(path)))
		return -1;
	l->n++;
	return 0;
}

static bool has_manifest_suffix(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot && (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml") || !strcmp(dot, ".json"));
}

/* The first unescaped c in s at brace depth 0 (counting from s), or NULL; '\\' escapes as in gobwas. */
static const char *find_unescaped(const char *s, const char *end, char c)
{
	int depth = 0;
	for (const char *p = s; p < end && *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (depth == 0 && *p == c)
			return p;
		depth += *p == '{' ? 1 : *p == '}' ? -1 : 0;
	}
	return NULL;
}

/*
 * gobwas/glob as Argo CD compiles it: no separator (so '*' crosses '/') and
 * {a,b} alternation, which fnmatch lacks: expand the first brace group and
 * match each alternative. A backslash escapes the next character ("\\{" is a
 * literal brace), as in both gobwas and fnmatch.
 */
bool glob_match(const char *pattern, const char *path)
{
	const char *end = pattern + strlen(pattern);
	const char *open = find_unescaped(pattern, end, '{');
	const char *close = open ? find_unescaped(open + 1, end, '}') : NULL;
	if (!open || !close)
		return fnmatch(pattern, path, 0) == 0;
	size_t head = (size_t)(open - pattern), tail_len = strlen(close + 1);
	for (const char *alt = open + 1; alt <= close;) {
		const char *comma = find_unescaped(alt, close, ',');
		const char *stop = comma ? comma : close;
		size_t alt_len = (size_t)(stop - alt);
		char *expanded = malloc(head + alt_len + tail_len + 1);
		if (!expanded)
			return false;
		memcpy(expanded, pattern, head);
		memcpy(expanded + head, alt, alt_len);
		memcpy(expanded + head + alt_len, close + 1, tail_len + 1);
		bool m = glob_match(expanded, path);
		free(expanded);
		if (m)
			return true;
		alt = stop + 1;
	}
	return false;
}

static bool matches_any(const struct gt_strvec *globs, const char *rel)
{
	for (size_t i = 0; i < globs->n; i++)
		if (glob_match(globs->v[i], rel))
			return true;
	return false;
}

/* Exclude is checked first and wins, as in Argo CD. */
static bool selected(const struct render_opts *o, const char *rel)
{
	if (matches_any(&o->exclude, rel))
		return false;
	return o->include.n == 0 || matches_any(&o->include, rel);
}

bool manifest_wanted(const struct render_opts *o, const char *name, const char *rel)
{
	return has_manifest_suffix(name) && selected(o, rel);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static char *join_path(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p = malloc(la + lb + 2);
	if (!p)
		return NULL;
	memcpy(p, a, la);
	size_t n = la;
	if (la && a[la - 1] != '/')
		p[n++] = '/';
	memcpy(p + n, b, lb + 1);
	return p;
}

/* The walk of one source: the directory, and the root its links must stay below. */
struct walker {
	const struct render_opts *o;
	const char *root;   /* the source directory */
	int top_fd;         /* the root links must stay below */
	const char *top_rel; /* the source directory below it */
};

static int walk(const struct walker *k, const char *rel, struct file_list *out);

/* A link among the manifests leads, on disk, to somewhere below the source's root. */
static int link_inside(const struct walker *k, const char *rel_path, const char *full)
{
	char *from_top = *k->top_rel ? join_path(k->top_rel, rel_path) : strdup(rel_path);
	int in = from_top ? path_stays_below(k->top_fd, from_top) : (errno = ENOMEM, -1);
	free(from_top);
	if (in < 0)
		gt_error("%s: %s", full, strerror(errno));
	else if (in == 0)
		gt_error("%s: the symbolic link leads outside the source", full);
	return in == 1 ? 0 : -1;
}

/* One directory entry: a manifest file to take, a directory to descend, or nothing. */
static int visit(const struct walker *k, const char *rel, const char *name, struct file_list *out)
{
	const struct render_opts *o = k->o;
	const char *root = k->root;
	char *rel_path = *rel ? join_path(rel, name) : strdup(name);
	char *full = rel_path ? join_path(root, rel_path) : NULL;
	struct stat st;
	bool is_link = false;
	int ret = 0;
	if (!full) {
		ret = -1;
		gt_error("out of memory");
	} else if (lstat(full, &st) < 0 || ((is_link = S_ISLNK(st.st_mode)) && stat(full, &st) < 0)) {
		/* A dangling symlink is not a manifest; anything else unreadable is an error. */
		if (errno != ENOENT) {
			gt_error("%s: %s", full, strerror(errno));
			ret = -1;
		}
	} else if (S_ISDIR(st.st_mode)) {
		/*
		 * Hidden directories (.git, .github) are never manifests. As in
		 * filepath.Walk, a symlink to a directory is not descended: a link to
		 * a parent would loop, one to a sibling would render it twice.
		 */
		if (o->recurse && name[0] != '.' && !is_link)
			ret = walk(k, rel_path, out);
	} else if (S_ISREG(st.st_mode) && has_manifest_suffix(name) && selected(o, rel_path)) {
		if (is_link && link_inside(k, rel_path, full) < 0) {
			ret = -1;
		} else if (file_list_add(out, full) < 0) {
			gt_error("out of memory");
			ret = -1;
		}
	}
	free(rel_path);
	free(full);
	return ret;
}

/* Entries in name order, descending into directories where they fall: filepath.Walk's order. */
static int walk(const struct walker *k, const char *rel, struct file_list *out)
{
	const char *root = k->root;
	char *dir = *rel ? join_path(root, rel) : strdup(root);
	struct dirent **ents = NULL;
	int n = dir ? scandir(dir, &ents, NULL, by_name) : -1;
	int ret = 0;
	if (n < 0) {
		gt_error("%s: cannot read directory: %s", dir ? dir : root, dir ? strerror(errno) : "out of memory");
		free(dir);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		if (ret == 0 && strcmp(name, ".") && strcmp(name, ".."))
			ret = visit(k, rel, name, out);
		free(ents[i]);
	}
	free(ents);
	free(dir);
	return ret;
}

int find_manifests(const struct render_opts *o, const char *root, const char *top, const char *top_rel,
		   struct file_list *out)
{
	struct stat st;
	if (stat(root, &st) < 0) {
		gt_error("%s: %s", root, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		gt_error("%s: not a directory", root);
		return -1;
	}
	struct walker k = { o, root, open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC), top_rel };
	if (k.top_fd < 0)
		return gt_error("%s: %s", top, strerror(errno)), -1;
	int r = walk(&k, "", out);
	close(k.top_fd);
	return r;
}
