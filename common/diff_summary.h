/* diff_summary: what differs between two JSON values, on one line for a message. */
#ifndef GT_DIFF_SUMMARY_H
#define GT_DIFF_SUMMARY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define GT_DIFF_SUMMARY_VALUE_MAX 40 /* bytes of a value shown before "..." */

struct gt_diff_summary_opts {
	bool values;                    /* "PATH: OLD -> NEW; ..." (false: "PATH, PATH", for fields that may hold secrets) */
	const char *const *secret_keys; /* keys whose values, and everything below, are never shown; NULL-terminated */
	size_t max;                     /* fields listed; the rest counted ("and N more"); 0: all */
};

/*
 * The fields where from and to differ, on one line for a message: paths as
 * kubectl and jq write them (spec.source.targetRevision,
 * metadata.labels["app.kubernetes.io/name"], spec.sources[1].path), values as
 * compact JSON ("unset" on the side that lacks the field; "changed", "added"
 * or "removed" under a secret key). Objects are compared key by key, arrays of
 * one length element by element, anything else as a whole; numbers by value.
 * New string ("" when equal), or NULL when out of memory.
 */
char *gt_diff_summary_new(const json_t *from, const json_t *to, const struct gt_diff_summary_opts *o);

#endif
