/* file: reads with a limit; writes that never leave a half-written file; the cache root. */
#define _GNU_SOURCE /* asprintf, nftw */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int gt_file_read(const char *path, size_t max, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return errno == ENOENT ? 1 : (gt_error("%s: %s", path, strerror(errno)), -1);
	struct gt_strbuf sb = { 0 };
	char chunk[8192];
	size_t got;
	int r = 0;
	/* Read no more than max + 1 bytes: enough to know the file is too large. */
	while (r == 0 && sb.len <= max && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if ((r = gt_strbuf_add(&sb, chunk, got)) < 0)
			gt_error("%s: cannot read: out of memory", path);
	if (r == 0 && ferror(f))
		r = -1, gt_error("%s: cannot read: %s", path, strerror(errno));
	fclose(f);
	if (r == 0 && sb.len > max)
		r = -1, gt_error("%s: larger than %zu bytes", path, max);
	*len = sb.len;
	if (r == 0 && !(*buf = gt_strbuf_detach(&sb)))
		r = -1, gt_error("%s: cannot read: out of memory", path);
	gt_strbuf_release(&sb);
	return r;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The temp file, written, renamed over path (or removed). 0, or -1 after printing. */
static int write_via_temp(const char *path, const char *tmp_pattern, mode_t mode, const char *buf, size_t len)
{
	char *tmp = strdup(tmp_pattern);
	if (!tmp)
		return gt_error("out of memory"), -1;
	int fd = mkstemp(tmp);
	if (fd < 0) {
		gt_error("%s: cannot create a temporary file: %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	int ok = fchmod(fd, mode) == 0 && write_all(fd, buf, len) == 0 && fsync(fd) == 0;
	int saved = errno;
	ok = close(fd) == 0 && ok;
	if (ok && rename(tmp, path) == 0) {
		free(tmp);
		return 0;
	}
	gt_error("%s: cannot write: %s", path, strerror(ok ? errno : saved));
	unlink(tmp);
	free(tmp);
	return -1;
}

int gt_file_write_atomic(const char *path, const char *buf, size_t len)
{
	struct stat st;
	mode_t mode = stat(path, &st) == 0 ? st.st_mode & 07777 : 0644;
	size_t n = strlen(path);
	char *pattern = malloc(n + 16);
	if (!pattern)
		return gt_error("out of memory"), -1;
	snprintf(pattern, n + 16, "%s.tmp.XXXXXX", path);
	/*
	 * Ctrl-C or a CI job's SIGTERM between creating the temp file and the rename would leave
	 * it behind (interrupt.t found them). Held off for that short window, a signal lands
	 * after it, when the file is either replaced whole or untouched and no temp file exists.
	 */
	sigset_t block, saved;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	sigprocmask(SIG_BLOCK, &block, &saved);
	int r = write_via_temp(path, pattern, mode, buf, len);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	free(pattern);
	return r;
}

int gt_mkdir_p(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return -1;
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) < 0 && errno != EEXIST)
			return free(copy), -1;
		*p = '/';
	}
	int r = mkdir(copy, 0700) < 0 && errno != EEXIST ? -1 : 0;
	free(copy);
	return r;
}

/* With no HOME to put it in: $TMPDIR/gitops-tools-UID, this user's alone. /tmp is shared, so the
 * directory is refused when it is a link, someone else's, or open to others (who could plant a
 * clone or read a cached render). */
static char *private_cache_dup(void)
{
	const char *tmp = getenv("TMPDIR");
	char *p = NULL;
	struct stat st;
	if (asprintf(&p, "%s/gitops-tools-%u", tmp && *tmp ? tmp : "/tmp", (unsigned)getuid()) < 0)
		return gt_error("out of memory"), NULL;
	const char *why = NULL;
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		why = strerror(errno);
	else if (lstat(p, &st) < 0)
		why = strerror(errno);
	else if (S_ISLNK(st.st_mode))
		why = "it is a symbolic link";
	else if (!S_ISDIR(st.st_mode))
		why = "it is not a directory";
	else if (st.st_uid != getuid())
		why = "it belongs to another user";
	else if (st.st_mode & 077)
		why = "its mode lets others in (it must be 0700)";
	if (why) {
		gt_error("%s: HOME is not set, and this cache directory cannot be used: %s (set HOME, "
			 "XDG_CACHE_HOME or --cache-dir)", p, why);
		free(p);
		return NULL;
	}
	return p;
}

char *gt_cache_root_dup(const char *dir)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *p = NULL;
	int n;
	if (dir)
		n = asprintf(&p, "%s", dir);
	else if (xdg && *xdg)
		n = asprintf(&p, "%s/gitops-tools", xdg);
	else if (home && *home)
		n = asprintf(&p, "%s/.cache/gitops-tools", home);
	else
		return private_cache_dup();
	return n < 0 ? (gt_error("out of memory"), NULL) : p;
}

int gt_check_readable(const char *flag, const char *path)
{
	if (access(path, R_OK) < 0)
		return gt_error("%s %s: %s", flag, path, strerror(errno)), -1;
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

int gt_remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 ? -1 : 0;
}
