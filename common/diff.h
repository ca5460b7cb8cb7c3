/* diff: what applying desired objects would change in live ones, object by object: the engine
 * gitops-diff and gitops-apply both compute changes with. Its files, one job each: change.c (one
 * object: normalisation, matching list elements, ignore rules, Secret masking through secretmask.h,
 * the Change record of record.h), diff.c (whole streams: pairing by identity, the app's tracked
 * objects, counting), diff_cluster.c (the live side read from a cluster through kube.h). */
#ifndef GT_DIFF_H
#define GT_DIFF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "kube.h"
#include "limits.h"
#include "obj.h"
#include "record.h"

/* Ignore rules (ignore.h), value equality and RFC 6902 patches (jsonpatch.h), what differs in a message
 * (diff_summary.h) and Secret masking (secretmask.h) are modules of their own; the engine below uses them. */
#include "diff_summary.h"
#include "ignore.h"
#include "jsonpatch.h"
#include "secretmask.h"

/* ---- Comparing one object (change.c) ------------------------------------------------------- */

enum gt_diff_mode {
	/* live comes from a cluster: fields desired does not set are ignored unless in last-applied */
	GT_DIFF_LIVE,
	/* both sides are renders (revision vs revision): every field counts, every extra object is a delete */
	GT_DIFF_REVISIONS,
};

struct gt_diff_opts {
	enum gt_diff_mode mode;
	const struct gt_ignore *ignore; /* may be NULL */
	const char *app;               /* GT_DIFF_LIVE: live objects tracked by this app and not desired become deletes */
	const char *default_namespace; /* for namespaced desired objects without one; NULL: "default" */
	bool show_secrets;             /* false: Secret data masked Argo CD style in desired, live and patch */
	enum gt_tracking tracking;     /* how o->app's objects are recognised; 0: the annotation */
	bool ignore_aggregated_roles;  /* Argo CD's ignoreAggregatedRoles: no rules compared on a role with aggregationRule */
	const char *const *mask_annotations; /* NULL-terminated: Secret annotations masked like data (resource.sensitive.mask.annotations) */
	const struct gt_scopes *scopes;      /* scopes from the cluster or --api-resources (may be NULL); CRDs in desired come first */
};

/*
 * The Change record for one object: {apiVersion gitops/v1, kind Change, action,
 * ref {group, version, kind, namespace, name}, desired, live, patch}, plus
 * "ignored": true for an extra live object marked IgnoreExtraneous. desired
 * (NULL: delete) as given; live (NULL: create) without metadata.managedFields;
 * a Secret without show_secrets has stringData folded into data and every
 * value masked, in both and in live's last-applied annotation. predicted (may be NULL) is the server's dry-run
 * answer for desired: then the patch goes from live to it and every field
 * counts. Compared as Argo CD does: lists of built-in kinds that Kubernetes merges by key
 * (mergekeys.h) element by element in any order, live elements the manifest never
 * set (in desired or last-applied) kept; `[]` and null the same as missing in
 * built-in kinds; empty maps in last-applied claim nothing; no namespace on a
 * cluster-scoped object. patch is RFC 6902 from normalised live to desired: [] when
 * unchanged, [{"op":"add","path":"","value":desired}] for a create,
 * [{"op":"remove","path":""}] for a delete. New reference, or NULL after
 * printing (no memory, no identity).
 */
json_t *gt_change_new(const struct gt_diff_opts *o, const json_t *desired, const json_t *live, const json_t *predicted);

/* gt_change_new with the scope known from the pairing (cluster 0 or 1), or -1 to work it out. */
json_t *gt_change_new_scoped(const struct gt_diff_opts *o, const json_t *desired, const json_t *live,
			     const json_t *predicted, int cluster);

/* True when a Secret's values in the record are masks (it was written without --show-secrets): not appliable. */
bool gt_change_masked(const json_t *change);

/* o->default_namespace, else "default": where a namespaced object without a namespace is. */
const char *gt_diff_default_namespace(const struct gt_diff_opts *o);

/* Copy of obj without the fields no comparison looks at: status, managedFields, resourceVersion, uid,
 * generation, creationTimestamp, selfLink, the last-applied annotation (and empty metadata maps they leave). */
json_t *gt_diff_normalize_new(const json_t *obj);

/* Drop from a live object, in place, what no comparison or record uses (metadata.managedFields, often
 * half its size), best as soon as it is read: memory then grows with what matters. */
void gt_diff_strip_live(json_t *live);

/* ---- Whole streams (diff.c) ---------------------------------------------------------------- */

/* Counts by action; ignored: deletes marked IgnoreExtraneous (not differences). */
struct gt_diff_stats {
	size_t create, update, delete, unchanged, ignored;
	size_t hooks; /* set aside (gt_change_hook), in none of the others */
};
/* create + update + delete - ignored: non-zero means gitops-diff exits 1. */
size_t gt_diff_differences(const struct gt_diff_stats *st);

/* Called once per Change in order; change is borrowed. 0 to go on, -1 to stop (after printing). */
typedef int (*gt_change_fn)(void *ctx, const json_t *change);

/* One desired object and the live object of the same identity (either may be NULL). References held. */
struct gt_pair {
	json_t *desired, *live, *predicted;
	bool cluster; /* cluster-scoped: paired, compared and reported without a namespace */
};
struct gt_pairs {
	struct gt_pair *items;
	size_t n;
};
void gt_pairs_free(struct gt_pairs *p); /* frees the items, not p; NULL and empty are fine */

/*
 * Pair desired objects (a JSON array, records already taken out) with live
 * ones by identity (group, kind, namespace, name; a hash, linear time): desired
 * order first, then the deletes in live order (every unmatched live object in
 * GT_DIFF_REVISIONS; with o->app, those carrying its tracking id and no
 * ownerReferences in GT_DIFF_LIVE). A desired object without a namespace
 * matches live in o->default_namespace, else a cluster-scoped one. Cluster-scoped
 * kinds (by the CRDs in desired, then, in GT_DIFF_LIVE, a live object without a
 * namespace, then o->scopes, then the tables of obj.h) match whatever namespace
 * desired gives them. GT_EXIT_OK,
 * or GT_EXIT_INPUT after printing (a duplicate or invalid object, naming its side).
 */
enum gt_exit gt_diff_match(const struct gt_diff_opts *o, const json_t *desired, const json_t *live, struct gt_pairs *out);

/* live is one of o->app's top-level objects: its tracking id (or label, by o->tracking) names o->app and the
 * object itself, and it has no ownerReferences. Only such objects may be pruned for o->app. */
bool gt_diff_tracked_by(const struct gt_diff_opts *o, const json_t *live);

/* Give each pair with a live object its predicted object from answer (a JSON array), matched by identity. */
void gt_pairs_set_predicted(struct gt_pairs *p, const struct gt_diff_opts *o, const json_t *answer);

/* gt_change_new for every pair, in order, through fn; st counts (may be NULL). GT_EXIT_OK or GT_EXIT_INPUT. */
enum gt_exit gt_diff_pairs(const struct gt_diff_opts *o, const struct gt_pairs *p, gt_change_fn fn, void *ctx,
			   struct gt_diff_stats *st);

/* gt_diff_match then gt_diff_pairs: the offline modes in one call. */
enum gt_exit gt_diff_sets(const struct gt_diff_opts *o, const json_t *desired, const json_t *live, gt_change_fn fn,
			  void *ctx, struct gt_diff_stats *st);

/* ---- Compare desired with the cluster (diff_cluster.c) ------------------------------------- */

/* --prune-scope: where an app's live objects are looked for (gitops-diff --app, gitops-apply --prune). */
enum gt_prune_scope { GT_PRUNE_SCOPE_NAMESPACES, GT_PRUNE_SCOPE_CLUSTER };
extern const struct gt_choice gt_prune_scopes[]; /* "namespaces", "cluster" */

/* gt_diff_cluster_pairs's flags */
#define GT_DIFF_DRY_RUN 1u        /* each existing object's predicted state from a server-side dry-run apply */
#define GT_DIFF_MANAGED_FIELDS 2u /* live objects keep metadata.managedFields (what each manager set last) */
#define GT_DIFF_WHOLE_CLUSTER 8u  /* look for o->app's objects in every namespace and kind (--prune-scope cluster),
				   * not only in the kinds and namespaces desired renders */
#define GT_DIFF_FORBIDDEN_OK 16u  /* a desired kind the token may not read: a warning, its live state unknown (apply:
				   * the write then says whether it is allowed), rather than GT_EXIT_REMOTE */
#define GT_DIFF_BY_NAME 4u        /* read the desired objects one request each (GT_KUBE_BY_NAME), not by listing kinds */

/*
 * Compare desired with the cluster: what gitops-diff --cluster and gitops-apply's plan both do.
 * Read the live objects named in desired (one gt_kube_read; objects without a namespace in
 * o->default_namespace, else kubectl's -n or context namespace) and, with o->app, every object
 * it tracks (o->tracking: annotation or label); pair them (gt_diff_match); with GT_DIFF_DRY_RUN
 * ask the server for a dry-run apply of the desired objects that exist (a refusal is a warning:
 * then compared offline). kubectl runs end within budget_s (0: k's own bounds). GT_EXIT_OK with
 * *out to free, GT_EXIT_INPUT, or GT_EXIT_REMOTE after printing.
 */
enum gt_exit gt_diff_cluster_pairs(const struct gt_diff_opts *o, const struct gt_kube_opts *k, unsigned flags,
				   unsigned budget_s, const json_t *desired, struct gt_pairs *out);

/* gt_diff_cluster_pairs then gt_diff_pairs: gitops-diff --cluster in one call. */
enum gt_exit gt_diff_cluster(const struct gt_diff_opts *o, const struct gt_kube_opts *k, unsigned flags,
			     const json_t *desired, gt_change_fn fn, void *ctx, struct gt_diff_stats *st);

#endif
