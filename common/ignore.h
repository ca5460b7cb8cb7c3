/* ignore: Argo CD style ignore rules (ignoreDifferences as GROUP/KIND[/NAMESPACE/NAME]:POINTER). */
#ifndef GT_IGNORE_H
#define GT_IGNORE_H

#include <jansson.h>
#include <stddef.h>

#include "limits.h"
#include "obj.h"

/*
 * A set of rules. GROUP and KIND are globs ("*", "apps", "" for the core group),
 * NAMESPACE and NAME match exactly when not empty; POINTER is an RFC 6901 JSON
 * pointer ("/spec/replicas") whose segments may be "*" (any key or index).
 * Example: "apps/Deployment:/spec/replicas", "/ConfigMap/prod/app:/data/stamp".
 */
struct gt_ignore;
struct gt_ignore *gt_ignore_new(void);
void gt_ignore_free(struct gt_ignore *ig); /* NULL is fine */

/* Add one rule; where ("--ignore", "FILE:LINE") starts the message. 0, or -1 after printing "where: RULE: why". */
int gt_ignore_add(struct gt_ignore *ig, const char *rule, const char *where);

/* Add the rules in path, one per line; blank lines and lines starting with # are skipped. 0, or -1 after printing. */
int gt_ignore_load(struct gt_ignore *ig, const char *path, const struct gt_limits *lim);

/* Number of rules held. */
size_t gt_ignore_count(const struct gt_ignore *ig);

/* Remove from obj (in place) every path a rule matching ref names; missing paths are skipped, as Argo CD does. */
void gt_ignore_apply(const struct gt_ignore *ig, const struct gt_ref *ref, json_t *obj);

#endif
