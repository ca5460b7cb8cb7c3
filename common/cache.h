/* cache: what the tools keep under the cache root ($XDG_CACHE_HOME/gitops-tools), entry by entry:
 * listed and measured (gitops-cache), bounded by last use (gitops-render's render cache), removed
 * without pulling a clone from under a tool that has it open. */
#ifndef GT_CACHE_H
#define GT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "cli.h"

/* What an entry is, by where it lives under the root. */
enum gt_cache_kind {
	GT_CACHE_CLONE,     /* repos/NAME-HASH.git and its .lock: a cached bare clone */
	GT_CACHE_RENDER,    /* render/out/XX/KEY: one engine output of gitops-render */
	GT_CACHE_HELM_DEPS, /* render/helm-deps/KEY/: a chart's dependency archives */
	GT_CACHE_ENGINE,    /* render/engines/KEY: an engine's version line */
	GT_CACHE_DISCOVERY, /* discovery/KEY: a cluster's kubectl api-resources (gitops-render --discovery) */
	GT_CACHE_CHART,     /* render/charts/KEY.tgz: a chart archive fetched from a repository (--chart) */
	GT_CACHE_KINDS
};
#define GT_CACHE_ALL ((1u << GT_CACHE_KINDS) - 1)

/* "clone", "render", "helm-deps", "engine", "discovery", "chart". */
const char *gt_cache_kind_name(enum gt_cache_kind k);
/* The kinds as option choices (gitops-cache --type). */
extern const struct gt_choice gt_cache_kind_choices[];

struct gt_cache_entry {
	enum gt_cache_kind kind;
	char *path;               /* what removing it removes (a clone: this directory and path.lock) */
	char *name;               /* as shown: the clone's directory name, an output's key */
	unsigned long long bytes; /* the sizes of its files added up */
	struct timespec used;     /* last use: a clone's lock time, else the newest modification */
};

struct gt_cache_entries {
	struct gt_cache_entry *items;
	size_t n, cap;
};
void gt_cache_entries_free(struct gt_cache_entries *e); /* the items, not e; NULL and empty are fine */

/*
 * Every entry of the given kinds (a mask of 1u << kind) under root, least recently used first
 * (ties by name). Files the tools did not write there (another program's, tests/tools/helm's
 * download) are no entries. A root that does not exist has none. 0, or -1 after printing.
 */
int gt_cache_scan(const char *root, unsigned kinds, struct gt_cache_entries *out);

/*
 * Lock the clone at path (through path.lock, created when missing) for this process, waiting
 * for another holder when wait, and mark it used now. A lock file removed while we waited (its
 * clone was removed) is locked anew. 0 with *fd, 1 when !wait and another process holds it, -1
 * with errno set.
 */
int gt_cache_lock_clone(const char *path, bool wait, int *fd);

/* Remove a clone we hold locked: its directory, then its lock file. 0, or -1 with errno set. */
int gt_cache_remove_locked_clone(const char *path);

/* Remove one entry; a clone only when no tool has it open (its lock is taken without waiting).
 * 0 removed, 1 in use (kept), -1 after printing. */
int gt_cache_remove(const struct gt_cache_entry *e);

/* Mark the entry at path used now (a render cache hit), for the bound's least-recently-used order. */
void gt_cache_touch(const char *path);

/*
 * Remove the least recently used entries of kinds until those left add up to at most max bytes
 * (entries in use are kept). The number removed, or -1 after printing.
 */
long gt_cache_bound(const char *root, unsigned kinds, unsigned long long max);

#endif
