/* test_cache: the cache's entries as the tools leave them (clones with their lock files, render
 * outputs, helm dependencies, engine versions), their sizes and last use, the least-recently-used
 * bound, and the clone lock: busy without waiting, and a waiter whose lock file was removed under
 * it (the clone went) locks the new one instead of an orphan. */
#include "cache.h"
#include "cli.h"
#include "tap.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char root[256];

/* root/rel with size bytes, last modified ago seconds before now. */
static void put(const char *rel, size_t size, time_t ago)
{
	char path[512], cmd[600];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	if (system(cmd) != 0)
		exit(2);
	FILE *f = fopen(path, "w");
	for (size_t i = 0; f && i < size; i++)
		fputc('x', f);
	if (f)
		fclose(f);
	struct timespec t[2];
	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec -= ago;
	t[1] = t[0];
	utimensat(AT_FDCWD, path, t, 0);
}

/* The same for a directory (after its files: writing them moves its mtime). */
static void age_dir(const char *rel, time_t ago)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	struct timespec t[2];
	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec -= ago;
	t[1] = t[0];
	utimensat(AT_FDCWD, path, t, 0);
}

static bool exists(const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return access(path, F_OK) == 0;
}

/* "kind:name:bytes" of every entry, in scan order (least recently used first). */
static char *describe(unsigned kinds)
{
	static char buf[2048];
	struct gt_cache_entries all;
	buf[0] = '\0';
	if (gt_cache_scan(root, kinds, &all) < 0)
		return "scan failed";
	for (size_t i = 0; i < all.n; i++) {
		size_t n = strlen(buf);
		snprintf(buf + n, sizeof(buf) - n, "%s%s:%s:%llu", i ? " " : "", gt_cache_kind_name(all.items[i].kind),
			 all.items[i].name, all.items[i].bytes);
	}
	gt_cache_entries_free(&all);
	return buf;
}

static void test_scan(void)
{
	put("repos/shop-00000000000000aa.git/HEAD", 20, 5000);
	put("repos/shop-00000000000000aa.git/objects/pack/pack-1.pack", 1000, 5000);
	put("repos/shop-00000000000000aa.git.lock", 0, 100); /* locked 100 s ago: that is its last use */
	age_dir("repos/shop-00000000000000aa.git/objects/pack", 5000);
	age_dir("repos/shop-00000000000000aa.git/objects", 5000);
	age_dir("repos/shop-00000000000000aa.git", 5000);
	put("repos/gone-00000000000000bb.git.lock", 0, 9000); /* an older version's failed fetch */
	put("render/out/ab/cdef", 300, 3000);
	put("render/out/ab/cdef.tmp.Xy12Zq", 300, 1); /* a writer's temporary file: not an entry */
	put("render/out/12/3456", 200, 50);
	put("render/helm-deps/k1/redis-19.0.0.tgz", 4000, 7000);
	age_dir("render/helm-deps/k1", 7000);
	put("render/engines/e1", 40, 10);
	put("helm/v3.17.3/helm", 5000, 1); /* tests/tools/helm's download: not the tools' */
	is_str(describe(GT_CACHE_ALL),
	       "clone:gone-00000000000000bb.git:0 helm-deps:k1:4000 render:abcdef:300 clone:shop-00000000000000aa.git:1020 "
	       "render:123456:200 engine:e1:40",
	       "scan: every entry, least recently used first; a lone lock file is a clone; temp files and others' files left out");
	is_str(describe(1u << GT_CACHE_RENDER), "render:abcdef:300 render:123456:200", "scan: one kind");
	char saved[sizeof(root)];
	memcpy(saved, root, sizeof(root));
	strcat(root, "/does-not-exist"); /* root is a short temp path */
	is_str(describe(GT_CACHE_ALL), "", "scan: a cache never made has no entries");
	memcpy(root, saved, sizeof(root));
}

static void test_bound(void)
{
	is_int(gt_cache_bound(root, 1u << GT_CACHE_RENDER, 500), 0, "bound: 500 bytes of outputs fit in 500");
	is_int(gt_cache_bound(root, 1u << GT_CACHE_RENDER, 499), 1, "bound: 499 removes one output");
	ok(!exists("render/out/ab/cdef") && exists("render/out/12/3456"), "bound: the least recently used one");
	ok(exists("render/out/ab/cdef.tmp.Xy12Zq"), "bound: a writer's temporary file is left alone");
	gt_cache_touch(root); /* not an entry: harmless */
	is_int(gt_cache_bound(root, 1u << GT_CACHE_RENDER, 0), 1, "bound 0: nothing kept");
	ok(exists("repos/shop-00000000000000aa.git/HEAD") && exists("render/helm-deps/k1"), "bound: other kinds untouched");
}

static void test_lock_busy(void)
{
	char path[512];
	int a = -1, b = -1;
	snprintf(path, sizeof(path), "%s/repos/shop-00000000000000aa.git", root);
	ok(gt_cache_lock_clone(path, false, &a) == 0, "lock: a free clone is locked");
	is_int(gt_cache_lock_clone(path, false, &b), 1, "lock: held elsewhere, without waiting: busy");
	struct gt_cache_entries all;
	gt_cache_scan(root, 1u << GT_CACHE_CLONE, &all);
	for (size_t i = 0; i < all.n; i++)
		if (strstr(all.items[i].name, "shop"))
			is_int(gt_cache_remove(&all.items[i]), 1, "remove: a clone in use is kept");
	ok(exists("repos/shop-00000000000000aa.git/HEAD"), "remove: untouched");
	close(a);
	for (size_t i = 0; i < all.n; i++)
		is_int(gt_cache_remove(&all.items[i]), 0, "remove: %s once free", all.items[i].name);
	gt_cache_entries_free(&all);
	ok(!exists("repos/shop-00000000000000aa.git") && !exists("repos/shop-00000000000000aa.git.lock") &&
		   !exists("repos/gone-00000000000000bb.git.lock"),
	   "remove: the clones' directories and lock files are gone");
}

/* A process waits for the clone's lock; the holder removes the clone (its lock file with it) and lets go. */
static void test_lock_removed_while_waiting(void)
{
	char path[512], lock[520];
	int held = -1;
	snprintf(path, sizeof(path), "%s/repos/web-00000000000000cc.git", root);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	put("repos/web-00000000000000cc.git/HEAD", 20, 0);
	ok(gt_cache_lock_clone(path, true, &held) == 0, "waiting: the holder has the lock");
	struct stat st;
	stat(lock, &st);
	pid_t child = fork();
	if (child == 0) {
		int fd = -1;
		close(held); /* the parent's lock, shared through fork: only the parent holds it */
		struct stat mine, now;
		if (gt_cache_lock_clone(path, true, &fd) != 0)
			_exit(3);
		/* The lock held must be the file at the path, not the removed one. */
		_exit(fstat(fd, &mine) == 0 && stat(lock, &now) == 0 && mine.st_ino == now.st_ino ? 0 : 1);
	}
	/* Wait (bounded) until the child blocks on our lock file: /proc/locks shows a waiter ("->") on its inode. */
	char want[64];
	snprintf(want, sizeof(want), ":%lu ", (unsigned long)st.st_ino);
	bool blocked = false;
	for (int i = 0; i < 1000 && !blocked; i++) {
		FILE *f = fopen("/proc/locks", "r");
		char line[256];
		while (f && fgets(line, sizeof(line), f))
			if (strstr(line, "->") && strstr(line, want))
				blocked = true;
		if (f)
			fclose(f);
		if (!blocked)
			usleep(10000);
	}
	ok(blocked, "waiting: the other process blocks on the lock file");
	ok(gt_cache_remove_locked_clone(path) == 0 && !exists("repos/web-00000000000000cc.git"), "the holder removes the clone");
	close(held);
	int status = 0;
	waitpid(child, &status, 0);
	is_int(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0, "the waiter locks the new lock file, not the removed one");
	ok(exists("repos/web-00000000000000cc.git.lock"), "and the lock file is there again");
}

int main(void)
{
	gt_set_program("test_cache");
	snprintf(root, sizeof(root), "%s/test_cache.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(root))
		return 1;
	test_scan();
	test_bound();
	test_lock_busy();
	test_lock_removed_while_waiting();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		ok(0, "clean up %s", root);
	return tap_done();
}
