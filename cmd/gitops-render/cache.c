/* cache: an engine's output stored under a digest of everything it depends on
 * (the source tree id, the options, the engine's version), so an unchanged
 * re-render is a file read instead of a Go program's start. */
#define _GNU_SOURCE /* asprintf */
#include "render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "file.h"

/* "label LEN:value\n": the length makes "a" + "b c" and "a b" + "c" different keys. */
void key_add(struct key_b *k, const char *label, const char *value)
{
	if (!k->oom && gt_strbuf_addf(&k->text, "%s %zu:%s\n", label, strlen(value), value) < 0)
		k->oom = true;
}

/* git's own object hash (SHA-1) of the key text: libgit2 is linked already. */
int key_finish(struct key_b *k, char hex[GIT_OID_HEXSZ + 1])
{
	git_oid id;
	int r = k->oom ? -1 : 0;
	if (r == 0)
		r = git_odb_hash(&id, k->text.len ? k->text.s : "", k->text.len, GIT_OBJECT_BLOB) < 0 ? -1 : 0;
	if (r == 0)
		git_oid_tostr(hex, GIT_OID_HEXSZ + 1, &id);
	gt_strbuf_release(&k->text);
	k->oom = false;
	return r;
}

static char *entry_path(const char *root, const char *key)
{
	char *p = NULL;
	return asprintf(&p, "%s/render/out/%.2s/%s", root, key, key + 2) < 0 ? NULL : p;
}

int cache_get(const char *root, const char *key, size_t max, char **out, size_t *len)
{
	char *p = entry_path(root, key);
	if (!p)
		return gt_error("out of memory"), -1;
	int r = gt_file_read(p, max, out, len);
	if (r == 0) {
		gt_debug("render cache hit: %s", p);
		gt_cache_touch(p); /* used now: the last the bound removes */
	}
	free(p);
	return r == 0 ? 1 : r == 1 ? 0 : -1;
}

void cache_put_file(const char *path, const char *buf, size_t len)
{
	if (gt_file_write_atomic(path, buf, len) < 0)
		gt_warn("%s: not cached", path);
}

int cache_put(const char *root, const char *key, const char *buf, size_t len, size_t max)
{
	char *p = entry_path(root, key);
	if (!p)
		return gt_error("out of memory"), -1;
	char *slash = strrchr(p, '/');
	*slash = '\0';
	int made = gt_mkdir_p(p);
	*slash = '/';
	if (made < 0)
		gt_warn("%s: cannot create the cache directory: %s", p, strerror(errno));
	else
		cache_put_file(p, buf, len);
	free(p);
	/* After the write, so one output larger than the bound is not kept either. Clones, helm dependencies
	 * and engine versions are not counted: gitops-cache prunes them. */
	if (gt_cache_bound(root, 1u << GT_CACHE_RENDER, max) < 0)
		gt_warn("%s: the render cache could not be bounded", root);
	return 0;
}
