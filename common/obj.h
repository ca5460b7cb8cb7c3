/* obj: identity of Kubernetes objects, scope, Argo CD sync order, tracking id. */
#ifndef GT_OBJ_H
#define GT_OBJ_H

#include <jansson.h>
#include <stdbool.h>

#include "cli.h"

/* The longest API group Kubernetes accepts (a DNS-1123 subdomain). */
#define GT_GROUP_MAX 253

/*
 * An object's identity. The group is held in the ref itself because it is the
 * front of apiVersion ("apps" of "apps/v1") and so cannot be borrowed as a C
 * string; that also keeps a copied gt_ref valid. The other strings are borrowed
 * from the object (or ""), never NULL, and live as long as the object does.
 */
struct gt_ref {
	char group[GT_GROUP_MAX + 1]; /* "" for the core group ("v1"), "apps" for "apps/v1" */
	const char *version;   /* "v1" */
	const char *kind;      /* "Deployment" */
	const char *namespace; /* "" when not set */
	const char *name;      /* metadata.name, or "" when only generateName is set */
};

/*
 * Fill ref from obj. Returns 0, or -1 with *why set (static text; why may be
 * NULL) when apiVersion or kind is missing, empty or not a string, apiVersion
 * is not VERSION or GROUP/VERSION, metadata is not a map, or metadata.namespace
 * or metadata.name is not a string. JSON null counts as absent, as in
 * Kubernetes. A missing name is not an error here (see gt_obj_validate).
 */
int gt_obj_ref(const json_t *obj, struct gt_ref *ref, const char **why);

/* 0 when obj has apiVersion, kind and metadata.name or metadata.generateName; else -1 and *why. */
int gt_obj_validate(const json_t *obj, const char **why);

/* "apps/Deployment/ns/name" style key for duplicate detection; caller frees. */
char *gt_ref_key_new(const struct gt_ref *ref);

/* Built-in cluster-scoped kinds (Namespace, ClusterRole, CRD, PV, StorageClass, ...). */
bool gt_kind_is_cluster_scoped_builtin(const char *group, const char *kind);

/* Scopes: the built-in table plus CustomResourceDefinitions seen in the stream. */
struct gt_scopes;
struct gt_scopes *gt_scopes_new(void);
void gt_scopes_free(struct gt_scopes *s);
/* If obj is a CRD (apiextensions.k8s.io), remember spec.group/spec.names.kind and spec.scope. */
void gt_scopes_learn(struct gt_scopes *s, const json_t *obj);
/* Everything from taught s, as if its CRDs had come after the ones s learnt from (may be NULL). */
void gt_scopes_learn_from(struct gt_scopes *s, const struct gt_scopes *from);
/* Cluster-scoped by a learned kind (a CRD, discovery, --api-resources), else the built-in table.
 * Unknown kinds: false. */
bool gt_scopes_is_cluster(const struct gt_scopes *s, const char *group, const char *kind);
/* Remember group/kind's scope (a later call for the same kind replaces it). */
void gt_scopes_set(struct gt_scopes *s, const char *group, const char *kind, bool cluster);
/* A learned kind's scope: 1 cluster, 0 namespaced, -1 not learned (s may be NULL). */
int gt_scopes_lookup(const struct gt_scopes *s, const char *group, const char *kind);
/* Well-known custom kinds that are cluster-scoped (cert-manager's ClusterIssuer, Gateway API's
 * GatewayClass, ...): the last resort when neither a CRD, the cluster nor a file says. */
bool gt_kind_is_cluster_scoped_well_known(const char *group, const char *kind);
/* The same table with its namespaced rows: 1 cluster-scoped, 0 namespaced, -1 not in it. */
int gt_kind_well_known_scope(const char *group, const char *kind);
/* A kind of Kubernetes' own API groups: 1 cluster-scoped, 0 namespaced; -1 another group's. */
int gt_kind_builtin_scope(const char *group, const char *kind);
/*
 * Learn every kind in text, the output of `kubectl api-resources` (any kubectl since 1.11: the
 * APIVERSION or APIGROUP, NAMESPACED and KIND columns, found by the header; -o wide is fine).
 * 0, or -1 with *why (static text) when text has no such header.
 */
int gt_scopes_parse_api_resources(struct gt_scopes *s, const char *text, const char **why);

/* Argo CD sync phases, in order; GT_PHASE_SKIP: hook Skip or no valid hook type (not applied). */
enum gt_phase { GT_PHASE_PRESYNC = -1, GT_PHASE_SYNC = 0, GT_PHASE_POSTSYNC = 1, GT_PHASE_SYNCFAIL = 2,
		GT_PHASE_SKIP = 100 };

/*
 * Phase from argocd.argoproj.io/hook (first sync phase in the csv), else, when
 * that names no valid type, the mapped helm.sh/hook, else Sync. GT_PHASE_SKIP
 * for Skip alone, for a hook annotation with no valid type (Argo CD ignores
 * the object) and for PreDelete/PostDelete (they never run in a sync).
 */
enum gt_phase gt_obj_phase(const json_t *obj);
/* Argo CD's IsHook: an argocd.argoproj.io/hook annotation other than Skip alone, else any helm.sh/hook but crd-install. */
bool gt_obj_is_hook(const json_t *obj);
/*
 * Argo CD leaves the pair out of its comparison (sync status, argocd app diff): the desired object
 * is a hook, Skip or names no valid hook type, or the live one is a hook (a Job left behind). Run
 * at sync, never compared, never pruned. Either side may be NULL.
 */
bool gt_obj_pair_is_hook(const json_t *desired, const json_t *live);
/* argocd.argoproj.io/sync-wave if an integer, else helm.sh/hook-weight if an integer, else 0. */
long gt_obj_wave(const json_t *obj);
/* Argo CD kind order: index in the 35-kind list minus 35 (Namespace -35 ... APIService -1); others 0. */
int gt_kind_order(const char *kind);
/*
 * Where an object goes in Argo CD's sync order: phase, wave, kind order, then metadata.name
 * byte-wise, as gitops-engine's syncTasks sort does; the namespace last, so that the order never
 * depends on the input's (Go's sort is not stable: Argo CD leaves that tie open). Strings borrowed
 * from the object ("" when absent). A sync that moves a dependency (a Namespace, a CRD) into the
 * phase and wave of its first dependent sets phase and wave after gt_sync_key_of.
 */
struct gt_sync_key {
	enum gt_phase phase;
	long wave;
	int kind_order;        /* gt_kind_order */
	const char *name;
	const char *namespace;
};
struct gt_sync_key gt_sync_key_of(const json_t *obj);
/* <0, 0, >0 like strcmp: a goes before, with, after b. */
int gt_sync_key_compare(const struct gt_sync_key *a, const struct gt_sync_key *b);

/* How Argo CD marks what an app owns (argocd-cm application.resourceTrackingMethod). */
enum gt_tracking {
	GT_TRACKING_ANNOTATION = 0, /* argocd.argoproj.io/tracking-id naming the object itself (Argo CD 3's default) */
	GT_TRACKING_LABEL,          /* app.kubernetes.io/instance=APP (the default before Argo CD 3) */
	GT_TRACKING_BOTH,           /* annotation+label: both written, the annotation decides */
};
/* --tracking's names: annotation, label, annotation+label. */
extern const struct gt_choice gt_tracking_choices[];
/* Whether t writes the tracking-id annotation / the instance label. */
static inline bool gt_tracking_annotates(enum gt_tracking t) { return t != GT_TRACKING_LABEL; }
static inline bool gt_tracking_labels(enum gt_tracking t) { return t != GT_TRACKING_ANNOTATION; }

/*
 * The tracking id Argo CD writes: "<app>:<group>/<kind>:<namespace>/<name>",
 * namespace being the object's or default_ns when it has none (cluster-scoped
 * too, as Argo CD does). Caller frees.
 */
char *gt_tracking_id_new(const char *app, const struct gt_ref *ref, const char *default_ns);

/* The app.kubernetes.io/instance label value: when longer than 63, truncated to 63 and trailing non-alphanumerics dropped. Caller frees. */
char *gt_instance_label_new(const char *app);

/*
 * Set metadata.annotations[key] / metadata.labels[key] = value, creating the maps
 * (a null one is replaced). 0, or -1 if obj, metadata or that map is not a map,
 * or value is not UTF-8.
 */
int gt_obj_set_annotation(json_t *obj, const char *key, const char *value);
int gt_obj_set_label(json_t *obj, const char *key, const char *value);
/* metadata.annotations[key] as a string, or NULL. */
const char *gt_obj_annotation(const json_t *obj, const char *key);

/* The annotations and label the comparison reads: what kubectl apply last sent, Argo CD's tracking. */
#define GT_LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"
#define GT_TRACKING_ID "argocd.argoproj.io/tracking-id"
#define GT_INSTANCE_LABEL "app.kubernetes.io/instance"

/* The parsed last-applied annotation of obj (new reference), or NULL (none, or not a JSON object). */
json_t *gt_obj_last_applied_new(const json_t *obj);

#endif
