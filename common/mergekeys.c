/* mergekeys: lookups in the table generated from common/mergekeys.txt (sorted by apiVersion,
 * kind and path, so a binary search finds an entry). */
#include "mergekeys.h"

#include <stdlib.h>
#include <string.h>

static const struct gt_mergekey table[] = {
#include "mergekeys.inc"
};

#define N_TABLE (sizeof(table) / sizeof(*table))

/* Order by apiVersion, kind, then path (path NULL: before every path of that kind). */
static int compare(const char *av, const char *kind, const char *path, const struct gt_mergekey *e)
{
	int c = strcmp(av, e->api_version);
	if (c == 0)
		c = strcmp(kind, e->kind);
	if (c == 0)
		c = path ? strcmp(path, e->path) : -1;
	return c;
}

/* The first entry not before (av, kind, path). */
static size_t lower_bound(const char *av, const char *kind, const char *path)
{
	size_t lo = 0, hi = N_TABLE;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (compare(av, kind, path, &table[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct gt_mergekey *gt_mergekey_find(const char *api_version, const char *kind, const char *path)
{
	size_t i = lower_bound(api_version, kind, path);
	return i < N_TABLE && compare(api_version, kind, path, &table[i]) == 0 ? &table[i] : NULL;
}

bool gt_mergekey_kind_known(const char *api_version, const char *kind)
{
	size_t i = lower_bound(api_version, kind, NULL);
	return i < N_TABLE && !strcmp(table[i].api_version, api_version) && !strcmp(table[i].kind, kind);
}
