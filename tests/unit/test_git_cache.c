/* test_git_cache: the cache a killed tool left behind is usable by the next one, and a first
 * fetch that fails leaves no empty clone.
 * A run killed mid-fetch or mid-commit leaves libgit2's temporary objects and packs and its
 * lock files in the cached bare clone (interrupt.t kills real runs); the next gt_repo_open,
 * holding the cache's exclusive lock, removes them, and leaves everything else alone. */
#include "cli.h"
#include "git.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char top[64];

static void touch(const char *cache, const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", cache, rel);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs("partial", f);
		fclose(f);
	}
}

static bool exists(const char *cache, const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", cache, rel);
	return access(path, F_OK) == 0;
}

int main(void)
{
	gt_set_program("test_git_cache");
	snprintf(top, sizeof(top), "%s/test_git_cache.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(top))
		return 1;
	char remote[128], cache_dir[128];
	snprintf(remote, sizeof(remote), "%s/remote.git", top);
	snprintf(cache_dir, sizeof(cache_dir), "%s/cache", top);
	git_libgit2_init();
	git_repository *g;
	ok(git_repository_init(&g, remote, 1) == 0, "a remote");
	git_repository_free(g);

	struct gt_git_opts o = { .url = remote, .cache_dir = cache_dir };
	struct gt_repo *r = gt_repo_open(&o);
	ok(r != NULL, "the cache opens");
	const char *path = r ? git_repository_path(gt_repo_git(r)) : NULL;
	char cache[512];
	snprintf(cache, sizeof(cache), "%s", path ? path : "/nonexistent");
	size_t n = strlen(cache);
	if (n && cache[n - 1] == '/')
		cache[n - 1] = '\0';
	/* Never fetched into, the clone would go again at close (a failed first fetch leaves nothing). */
	ok(r && gt_repo_fetch(r) == 0, "the first fetch");
	gt_repo_close(r);
	ok(exists(cache, "HEAD"), "a clone fetched into stays");

	/* A first fetch that fails: the empty clone and its lock file go. */
	char missing[160];
	snprintf(missing, sizeof(missing), "%s/no-such-remote.git", top);
	struct gt_git_opts bad = { .url = missing, .cache_dir = cache_dir };
	struct gt_repo *b = gt_repo_open(&bad);
	const char *bpath = b ? git_repository_path(gt_repo_git(b)) : NULL;
	char bcache[512];
	snprintf(bcache, sizeof(bcache), "%s", bpath ? bpath : "/nonexistent/");
	bcache[strlen(bcache) - 1] = '\0';
	ok(b && exists(bcache, "HEAD"), "a new remote: an empty clone while open");
	ok(b && gt_repo_fetch(b) < 0, "its first fetch fails");
	gt_repo_close(b);
	ok(access(bcache, F_OK) < 0, "the empty clone is gone");
	strcat(bcache, ".lock");
	ok(access(bcache, F_OK) < 0, "and its lock file");

	/* What a run killed in the middle leaves. */
	char heads[600];
	snprintf(heads, sizeof(heads), "%s/refs/remotes", cache);
	mkdir(heads, 0755);
	snprintf(heads, sizeof(heads), "%s/refs/remotes/origin", cache);
	mkdir(heads, 0755);
	const char *stale[] = { "objects/tmp_object_git2_a470e5d9e3315f83", "objects/pack/pack_git2_01287b3c59a6454b",
				"objects/pack/pack_git2_01287b3c59a6idx.lock", "refs/remotes/origin/main.lock",
				"packed-refs.lock", "config.lock", "HEAD.lock" };
	const char *kept[] = { "objects/pack/pack-1234.keep", "refs/remotes/origin/main", "description" };
	for (size_t i = 0; i < sizeof(stale) / sizeof(stale[0]); i++)
		touch(cache, stale[i]);
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		touch(cache, kept[i]);

	r = gt_repo_open(&o);
	ok(r != NULL, "the cache opens after a killed run");
	for (size_t i = 0; i < sizeof(stale) / sizeof(stale[0]); i++)
		ok(!exists(cache, stale[i]), "removed: %s", stale[i]);
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		ok(exists(cache, kept[i]), "kept: %s", kept[i]);
	gt_repo_close(r);

	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	ok(system(cmd) == 0, "cleaned up");
	return tap_done();
}
