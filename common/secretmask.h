/* secretmask: Secrets as Argo CD shows them in a diff (its HideSecretData). A Secret's stringData is
 * folded into data, and each value becomes a run of '+' that tells only whether two values are the
 * same: what gitops-diff writes without --show-secrets, and what gitops-apply refuses to apply. */
#ifndef GT_SECRETMASK_H
#define GT_SECRETMASK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* obj is a Secret (apiVersion v1, kind Secret). */
bool gt_secret_is(const json_t *obj);

/* Argo CD's Secret normaliser, in place: stringData folded into data (base64), null values become "".
 * Other kinds are left alone. */
void gt_secret_fold(json_t *obj);

/*
 * Mask the Secrets among objs[0..n) (NULLs and other kinds skipped; at most 8 looked at) in place,
 * together with the last-applied state each embeds: folded, then their data values (and the
 * metadata.annotations listed in annotations, NULL-terminated, may be NULL) masked per key, the
 * same value to the same mask ("++++++++", then 4 more + per distinct value), in Argo CD's order.
 */
void gt_secret_mask_all(json_t **objs, size_t n, const char *const *annotations);

/* gt_secret_mask_all for desired and live (either NULL), data only. */
void gt_secret_mask(json_t *desired, json_t *live);

/* v is a mask: a run of 8, 12, 16 ... '+' (no base64 value looks like that). */
bool gt_secret_is_mask(const json_t *v);

#endif
