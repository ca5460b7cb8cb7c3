/* files: the private temporary directories an external engine works in, and the cache root. */
#define _GNU_SOURCE /* nftw, asprintf */
#include "render.h"

#include "file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *path_join(const char *a, const char *b)
{
	char *p = NULL;
	if (!*b)
		return strdup(a);
	if (asprintf(&p, "%s%s%s", a, *a && a[strlen(a) - 1] != '/' ? "/" : "", b) < 0)
		return NULL;
	return p;
}

char *temp_dir_new(void)
{
	const char *tmp = getenv("TMPDIR");
	char *t = NULL;
	if (asprintf(&t, "%s/gitops-render.XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0)
		return gt_error("out of memory"), NULL;
	if (!mkdtemp(t)) {
		gt_error("%s: cannot make a temporary directory: %s", t, strerror(errno));
		free(t);
		return NULL;
	}
	return t;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void remove_tree(const char *path)
{
	if (path)
		nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int copy_file(const char *src, const char *dst, mode_t mode)
{
	int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, r = -1;
	char buf[65536];
	if (in >= 0)
		out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 0777);
	if (in >= 0 && out >= 0) {
		ssize_t n;
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n)
				break;
		r = n == 0 ? 0 : -1;
	}
	if (r < 0)
		gt_error("cannot copy %s to %s: %s", src, dst, strerror(errno));
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0)
		r = -1;
	return r;
}

/* Regular files and directories as they are; symbolic links as links (what a checkout has). */
int copy_tree(const char *src, const char *dst)
{
	struct dirent **ents = NULL;
	if (mkdir(dst, 0700) < 0 && errno != EEXIST)
		return gt_error("%s: cannot create: %s", dst, strerror(errno)), -1;
	int n = scandir(src, &ents, NULL, alphasort), r = n < 0 ? -1 : 0;
	if (n < 0)
		gt_error("%s: cannot read directory: %s", src, strerror(errno));
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		char *s = NULL, *d = NULL;
		struct stat st;
		if (r == 0 && strcmp(name, ".") && strcmp(name, "..") && strcmp(name, ".git")) {
			s = path_join(src, name);
			d = path_join(dst, name);
			if (!s || !d)
				r = -1;
			else if (check_interrupted() < 0 || lstat(s, &st) < 0)
				r = -1;
			else if (S_ISDIR(st.st_mode))
				r = copy_tree(s, d);
			else if (S_ISREG(st.st_mode))
				r = copy_file(s, d, st.st_mode);
			else if (S_ISLNK(st.st_mode)) {
				char target[4096];
				ssize_t k = readlink(s, target, sizeof(target) - 1);
				if (k >= 0) {
					target[k] = '\0';
					r = symlink(target, d);
				} else {
					r = -1;
				}
			}
		}
		free(s);
		free(d);
		free(ents[i]);
	}
	free(ents);
	return r;
}

char *cache_root_new(const struct render_opts *o)
{
	return gt_cache_root_dup(o->git.cache_dir);
}
