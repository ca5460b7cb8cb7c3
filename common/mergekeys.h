/* mergekeys: which lists of Kubernetes' built-in types a strategic merge patch merges element
 * by element, and by which keys -- the table kustomize 5.5 uses (Kubernetes 1.21.2's OpenAPI),
 * generated at build time from common/mergekeys.txt. gitops-render's Kustomize engine merges
 * patches with it (common/smp.h); a diff can compare lists by the same keys. */
#ifndef GT_MERGEKEYS_H
#define GT_MERGEKEYS_H

#include <stdbool.h>
#include <stddef.h>

struct gt_mergekey {
	const char *api_version; /* "apps/v1" */
	const char *kind;        /* "Deployment" */
	const char *path;        /* "spec.template.spec.containers[].ports": fields joined by '.', "[]" for elements */
	const char *strategy;    /* "merge" or "merge,retainKeys" */
	const char *keys;        /* "containerPort,protocol"; "" for a list of scalars merged by value */
};

/* The merge list at path in objects of apiVersion/kind, or NULL: a list not in the table is
 * replaced whole by a patch. */
const struct gt_mergekey *gt_mergekey_find(const char *api_version, const char *kind, const char *path);

/* Whether the table knows apiVersion/kind at all (a built-in type of Kubernetes 1.21). */
bool gt_mergekey_kind_known(const char *api_version, const char *kind);

#endif
