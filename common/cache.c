/* cache: the entries under the cache root, their sizes and last use, and their removal. */
#include "cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "file.h"

/* In the order of enum gt_cache_kind: the names are looked up by index too. */
const struct gt_choice gt_cache_kind_choices[] = {
	{ "clone", GT_CACHE_CLONE }, { "render", GT_CACHE_RENDER }, { "helm-deps", GT_CACHE_HELM_DEPS },
	{ "engine", GT_CACHE_ENGINE }, { "discovery", GT_CACHE_DISCOVERY }, { "chart", GT_CACHE_CHART }, GT_CHOICES_END
};

const char *gt_cache_kind_name(enum gt_cache_kind k)
{
	return (unsigned)k < GT_CACHE_KINDS ? gt_cache_kind_choices[k].name : "unknown";
}

void gt_cache_entries_free(struct gt_cache_entries *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		free(e->items[i].path), free(e->items[i].name);
	free(e->items);
	memset(e, 0, sizeof(*e));
}

/* "a/b", malloc'd; NULL when out of memory. */
static char *join(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	char *p = malloc(n + m + 2);
	if (p) {
		memcpy(p, a, n);
		p[n] = '/';
		memcpy(p + n + 1, b, m + 1);
	}
	return p;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

static bool later(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec > b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec > b->tv_nsec);
}

/* Add up the regular files below path (symbolic links not followed) and find the newest modification. */
static void tree_measure(const char *path, unsigned long long *bytes, struct timespec *newest)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return;
	if (later(&st.st_mtim, newest))
		*newest = st.st_mtim;
	if (S_ISREG(st.st_mode))
		*bytes += (unsigned long long)st.st_size;
	if (!S_ISDIR(st.st_mode))
		return;
	DIR *d = opendir(path);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *sub = join(path, e->d_name);
		if (sub)
			tree_measure(sub, bytes, newest);
		free(sub);
	}
	if (d)
		closedir(d);
}

static int entry_add(struct gt_cache_entries *out, enum gt_cache_kind kind, const char *path, const char *name)
{
	if (GT_GROW(out->items, out->cap, out->n + 1) < 0)
		return -1;
	struct gt_cache_entry *e = &out->items[out->n];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->path = strdup(path);
	e->name = strdup(name);
	if (!e->path || !e->name)
		return free(e->path), free(e->name), -1;
	tree_measure(path, &e->bytes, &e->used);
	out->n++;
	return 0;
}

/* A clone is its directory NAME.git and its lock file NAME.git.lock; either alone is one too (a lock left
 * by a failed fetch of an older version). Its last use is when a tool last locked or wrote it. */
static int scan_clones(const char *repos, struct gt_cache_entries *out)
{
	DIR *d = opendir(repos);
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && d && (e = readdir(d))) {
		const char *n = e->d_name;
		bool is_lock = ends_with(n, ".git.lock");
		if (!ends_with(n, ".git") && !is_lock)
			continue;
		int base = (int)strlen(n) - (is_lock ? 5 : 0); /* NAME.git */
		size_t size = strlen(repos) + (size_t)base + 8;
		char *dir = malloc(size), *lock = malloc(size);
		struct stat st;
		if (!dir || !lock) {
			rc = -1;
		} else {
			snprintf(dir, size, "%s/%.*s", repos, base, n);
			snprintf(lock, size, "%s.lock", dir);
			if (!is_lock || lstat(dir, &st) < 0) { /* a lock beside its directory is counted with it */
				size_t i = out->n;
				rc = entry_add(out, GT_CACHE_CLONE, dir, strrchr(dir, '/') + 1);
				if (rc == 0)
					tree_measure(lock, &out->items[i].bytes, &out->items[i].used);
			}
		}
		free(dir);
		free(lock);
	}
	if (d)
		closedir(d);
	return rc;
}

/* Entries one per name in dir (files or directories), skipping a writer's temporary files. */
static int scan_flat(const char *dir, const char *prefix, enum gt_cache_kind kind, struct gt_cache_entries *out)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && d && (e = readdir(d))) {
		const char *n = e->d_name;
		if (n[0] == '.' || strstr(n, ".tmp."))
			continue;
		char *path = join(dir, n), name[512];
		if (!path)
			return closedir(d), -1;
		snprintf(name, sizeof(name), "%s%s", prefix, n);
		rc = entry_add(out, kind, path, name);
		free(path);
	}
	if (d)
		closedir(d);
	return rc;
}

/* render/out/XX/REST: the key is XXREST. */
static int scan_render(const char *outdir, struct gt_cache_entries *out)
{
	DIR *d = opendir(outdir);
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *sub = join(outdir, e->d_name);
		if (!sub)
			return closedir(d), -1;
		rc = scan_flat(sub, e->d_name, GT_CACHE_RENDER, out);
		free(sub);
	}
	if (d)
		closedir(d);
	return rc;
}

static int by_last_use(const void *a, const void *b)
{
	const struct gt_cache_entry *x = a, *y = b;
	if (later(&y->used, &x->used))
		return -1;
	if (later(&x->used, &y->used))
		return 1;
	return strcmp(x->name, y->name);
}

int gt_cache_scan(const char *root, unsigned kinds, struct gt_cache_entries *out)
{
	static const struct {
		enum gt_cache_kind kind;
		const char *sub;
	} places[] = {
		{ GT_CACHE_CLONE, "repos" },
		{ GT_CACHE_RENDER, "render/out" },
		{ GT_CACHE_HELM_DEPS, "render/helm-deps" },
		{ GT_CACHE_ENGINE, "render/engines" },
		{ GT_CACHE_DISCOVERY, "discovery" },
		{ GT_CACHE_CHART, "render/charts" },
	};
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		if (!(kinds & (1u << places[i].kind)))
			continue;
		char *dir = join(root, places[i].sub);
		int rc = !dir ? -1
		       : places[i].kind == GT_CACHE_CLONE  ? scan_clones(dir, out)
		       : places[i].kind == GT_CACHE_RENDER ? scan_render(dir, out)
							   : scan_flat(dir, "", places[i].kind, out);
		free(dir);
		if (rc < 0) {
			gt_cache_entries_free(out);
			return gt_error("out of memory"), -1;
		}
	}
	if (out->n)
		qsort(out->items, out->n, sizeof(*out->items), by_last_use);
	return 0;
}

/* Is fd still the file at path? A clone removed by its holder takes its lock file with it: whoever
 * waited on that file must lock the new one instead. */
static bool lock_is_current(int fd, const char *path)
{
	struct stat held, now;
	return fstat(fd, &held) == 0 && stat(path, &now) == 0 && held.st_dev == now.st_dev && held.st_ino == now.st_ino;
}

#define LOCK_TRIES 100 /* a lock file removed under us this often is a bug, not a race */

int gt_cache_lock_clone(const char *path, bool wait, int *fd)
{
	char *lock = malloc(strlen(path) + 6);
	int rc = -1;
	if (!lock)
		return errno = ENOMEM, -1;
	sprintf(lock, "%s.lock", path);
	errno = EBUSY; /* when every try found its lock file replaced */
	for (int i = 0; i < LOCK_TRIES; i++) {
		int f = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (f < 0)
			break;
		if (flock(f, wait ? LOCK_EX : LOCK_EX | LOCK_NB) < 0) {
			int err = errno;
			close(f);
			errno = err;
			rc = err == EWOULDBLOCK ? 1 : -1;
			break;
		}
		if (lock_is_current(f, lock)) {
			futimens(f, NULL); /* last use, for gitops-cache prune */
			*fd = f;
			rc = 0;
			break;
		}
		close(f);
	}
	free(lock);
	return rc;
}

int gt_cache_remove_locked_clone(const char *path)
{
	char *lock = malloc(strlen(path) + 6);
	if (!lock)
		return errno = ENOMEM, -1;
	sprintf(lock, "%s.lock", path);
	int rc = gt_remove_tree(path);
	int err = errno;
	if (rc == 0 && unlink(lock) < 0 && errno != ENOENT)
		rc = -1, err = errno;
	free(lock);
	errno = err;
	return rc;
}

int gt_cache_remove(const struct gt_cache_entry *e)
{
	int fd = -1;
	if (e->kind == GT_CACHE_CLONE) {
		int locked = gt_cache_lock_clone(e->path, false, &fd);
		if (locked != 0) {
			if (locked < 0)
				gt_error("%s.lock: cannot lock: %s", e->path, strerror(errno));
			return locked;
		}
	}
	int rc = e->kind == GT_CACHE_CLONE ? gt_cache_remove_locked_clone(e->path) : gt_remove_tree(e->path);
	if (rc < 0)
		gt_error("%s: cannot remove: %s", e->path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

void gt_cache_touch(const char *path)
{
	utimensat(AT_FDCWD, path, NULL, 0); /* best effort: an entry not touched is only evicted earlier */
}

long gt_cache_bound(const char *root, unsigned kinds, unsigned long long max)
{
	struct gt_cache_entries all;
	unsigned long long total = 0;
	long removed = 0;
	if (gt_cache_scan(root, kinds, &all) < 0)
		return -1;
	for (size_t i = 0; i < all.n; i++)
		total += all.items[i].bytes;
	for (size_t i = 0; i < all.n && total > max; i++) {
		int rc = gt_cache_remove(&all.items[i]);
		if (rc < 0) {
			removed = -1;
			break;
		}
		if (rc == 0) {
			total -= all.items[i].bytes;
			removed++;
			gt_debug("cache over %llu bytes: removed %s", max, all.items[i].path);
		}
	}
	gt_cache_entries_free(&all);
	return removed;
}
