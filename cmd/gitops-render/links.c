/* links: where a path really leads on disk. A symbolic link is followed the way the kernel
 * follows it (each link against what is on disk, earlier links included), component by
 * component from the source's root, so that a chain of links that never climbs above the root on
 * paper but does on disk (d/up -> .., x -> d/up/d/up/../..) is caught. */
#define _GNU_SOURCE /* asprintf */
#include "render.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LINK_HOPS 40 /* as Linux's ELOOP */

/* The components below the root reached so far, joined by '/'. */
struct walk_pos {
	char *path;
	size_t len, cap;
};

static int pos_push(struct walk_pos *w, const char *name, size_t n)
{
	if (w->len + n + 2 > w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		while (cap < w->len + n + 2)
			cap *= 2;
		char *p = realloc(w->path, cap);
		if (!p)
			return -1;
		w->path = p;
		w->cap = cap;
	}
	if (w->len)
		w->path[w->len++] = '/';
	memcpy(w->path + w->len, name, n);
	w->len += n;
	w->path[w->len] = '\0';
	return 0;
}

static void pos_pop(struct walk_pos *w)
{
	while (w->len > 0 && w->path[w->len - 1] != '/')
		w->len--;
	if (w->len > 0)
		w->len--;
	w->path[w->len] = '\0';
}

/* rest = target + "/" + rest (a link's target goes in front of what was left to resolve). */
static int prepend(char **rest, const char *target)
{
	char *next = NULL;
	if (asprintf(&next, "%s%s%s", target, **rest ? "/" : "", *rest) < 0)
		return -1;
	free(*rest);
	*rest = next;
	return 0;
}

/* The next component of *rest into name (n bytes); *rest moves past it. */
static const char *next_component(const char **rest, size_t *n)
{
	const char *p = *rest;
	while (*p == '/')
		p++;
	const char *name = p;
	*n = strcspn(p, "/");
	*rest = p + *n;
	return name;
}

int path_stays_below(int root_fd, const char *rel)
{
	struct walk_pos w = { 0 };
	char *rest = strdup(rel), *target = NULL;
	int hops = 0, r = 1;
	if (!rest || pos_push(&w, "", 0) < 0) {
		free(rest);
		return errno = ENOMEM, -1;
	}
	for (const char *cur = rest;;) {
		size_t n;
		const char *name = next_component(&cur, &n);
		if (n == 0)
			break;
		if (n == 1 && name[0] == '.')
			continue;
		if (n == 2 && !strncmp(name, "..", 2)) {
			if (w.len == 0) {
				r = 0; /* above the root */
				break;
			}
			pos_pop(&w);
			continue;
		}
		if (pos_push(&w, name, n) < 0) {
			r = -1;
			errno = ENOMEM;
			break;
		}
		struct stat st;
		if (fstatat(root_fd, w.path, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			/* Nothing there (or not a directory on the way): nothing can be read through it. */
			if (errno == ENOENT || errno == ENOTDIR)
				break;
			r = -1;
			break;
		}
		if (!S_ISLNK(st.st_mode))
			continue;
		if (++hops > MAX_LINK_HOPS) {
			r = -1;
			errno = ELOOP;
			break;
		}
		target = malloc((size_t)RENDER_PATH_MAX);
		ssize_t k = target ? readlinkat(root_fd, w.path, target, RENDER_PATH_MAX - 1) : -1;
		if (k < 0) {
			r = -1;
			break;
		}
		target[k] = '\0';
		if (target[0] == '/') {
			r = 0; /* absolute: outside whatever the root is */
			break;
		}
		pos_pop(&w); /* the link's target is relative to the directory holding it */
		char *left = strdup(cur);
		if (!left || prepend(&left, target) < 0) {
			free(left);
			r = -1;
			errno = ENOMEM;
			break;
		}
		free(rest);
		rest = left;
		cur = rest;
		free(target);
		target = NULL;
	}
	free(target);
	free(rest);
	free(w.path);
	return r;
}

/* The root of the git work tree holding real (the nearest directory with a .git), or NULL. */
static char *worktree_root_dup(const char *real)
{
	char *p = strdup(real);
	while (p) {
		char *git = NULL;
		struct stat st;
		bool found = asprintf(&git, "%s/.git", strcmp(p, "/") ? p : "") >= 0 && lstat(git, &st) == 0;
		free(git);
		if (found)
			return p;
		char *slash = strrchr(p, '/');
		if (!slash || !strcmp(p, "/"))
			break;
		slash[slash == p] = '\0';
	}
	free(p);
	return NULL;
}

/* cwd minus ARGOCD_APP_SOURCE_PATH when it ends with it: the root of the checkout Argo CD made. */
static char *cmp_root_dup(const char *real)
{
	const char *sp = getenv("ARGOCD_APP_SOURCE_PATH");
	char *path = sp ? gt_tree_path_dup(sp) : NULL;
	char *root = NULL;
	size_t n = strlen(real), k = path ? strlen(path) : 0;
	if (path && !*path)
		root = strdup(real);
	else if (path && k < n && !strcmp(real + n - k, path) && real[n - k - 1] == '/')
		root = strndup(real, n - k - 1 ? n - k - 1 : 1);
	free(path);
	return root;
}

int source_root_find(const struct render_opts *o, const char *dir, char **root, char **dir_rel)
{
	char *real = realpath(dir, NULL);
	*root = *dir_rel = NULL;
	if (!real)
		return gt_error("%s: %s", dir, strerror(errno)), -1;
	char *r = o->cmp ? cmp_root_dup(real) : NULL;
	if (!r)
		r = worktree_root_dup(real);
	if (!r)
		r = strdup(real);
	size_t n = r ? strlen(r) : 0;
	const char *below = r && !strcmp(r, "/") ? real + 1 : real + n + (real[n] == '/');
	*dir_rel = r ? strdup(below) : NULL;
	*root = r;
	free(real);
	if (!*root || !*dir_rel) {
		free(*root);
		free(*dir_rel);
		*root = *dir_rel = NULL;
		return gt_error("out of memory"), -1;
	}
	gt_debug("source root: %s (links and paths must stay below it)", *root);
	return 0;
}

/* Every symbolic link below dir_rel (not followed) must stay below root. */
static int check_tree_links(int root_fd, const char *root, const char *rel, int depth)
{
	int fd = openat(root_fd, *rel ? rel : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return gt_error("%s/%s: cannot read directory: %s", root, rel, strerror(errno)), -1;
	DIR *d = fdopendir(fd);
	struct dirent *e;
	int r = d ? 0 : -1;
	while (r == 0 && d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, ".git"))
			continue;
		char *sub = NULL;
		if (asprintf(&sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name) < 0)
			return closedir(d), gt_error("out of memory"), -1;
		struct stat st;
		if (fstatat(root_fd, sub, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			gt_error("%s/%s: %s", root, sub, strerror(errno));
			r = -1;
		} else if (S_ISLNK(st.st_mode)) {
			int in = path_stays_below(root_fd, sub);
			if (in <= 0) {
				gt_error("%s/%s: %s", root, sub,
					 in < 0 ? strerror(errno) : "the symbolic link leads outside the source");
				r = -1;
			}
		} else if (S_ISDIR(st.st_mode) && depth < 256) {
			r = check_tree_links(root_fd, root, sub, depth + 1);
		}
		free(sub);
	}
	if (d)
		closedir(d);
	else
		close(fd);
	return r;
}

int links_check_dir(const char *root, const char *dir_rel)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return gt_error("%s: %s", root, strerror(errno)), -1;
	int r = check_tree_links(fd, root, dir_rel, 0);
	close(fd);
	return r;
}

int path_check_below(const char *root, const char *dir_rel, const char *path, const char *what)
{
	char *rel = NULL;
	if (path[0] == '/' || strstr(path, "://"))
		return gt_error("%s %s: give a path inside the source, not %s", what, path,
				path[0] == '/' ? "an absolute one" : "a URL"), -1;
	if (asprintf(&rel, "%s%s%s", dir_rel, *dir_rel ? "/" : "", path) < 0)
		return gt_error("out of memory"), -1;
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int in = fd < 0 ? -1 : path_stays_below(fd, rel);
	if (fd >= 0)
		close(fd);
	free(rel);
	if (in < 0)
		return gt_error("%s %s: %s", what, path, strerror(errno)), -1;
	if (in == 0)
		return gt_error("%s %s: leads outside the source", what, path), -1;
	return 0;
}
