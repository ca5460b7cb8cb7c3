/* kube: the one place that runs kubectl. Objects go to its standard input, so
 * nothing secret is ever in an argv that every user of the machine can read. */
#ifndef GT_KUBE_H
#define GT_KUBE_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#define GT_KUBE_DEFAULT_TIMEOUT 60 /* seconds per request: kubectl has no timeout of its own */

struct gt_kube_opts {
	const char *namespace;     /* -n; NULL: the kubeconfig's */
	const char *field_manager; /* NULL: the program's name */
	unsigned timeout;          /* --request-timeout in seconds; 0: GT_KUBE_DEFAULT_TIMEOUT */
	bool force_conflicts;      /* take fields other managers own (an explicit upsert) */
	const char *secret;        /* masked in kubectl's messages before they are relayed; may be NULL */
	struct timespec deadline;  /* CLOCK_MONOTONIC: every kubectl call ends by then ({ 0, 0 }: none) */
};

/* `kubectl apply --server-side` of obj. 0, or -1 after relaying kubectl's messages (a GT_EXIT_REMOTE). */
int gt_kube_apply(const struct gt_kube_opts *o, const json_t *obj);

/*
 * `kubectl get RESOURCE [NAME] -o json` in o->namespace. 0 with *out a new
 * reference (NULL when NAME does not exist), -1 after relaying kubectl's messages.
 */
int gt_kube_get(const struct gt_kube_opts *o, const char *resource, const char *name, json_t **out);

/* ---- gitops-health: the live state of many named objects, one kubectl call ------------------
 * (gitops-health and gitops-apply --wait poll with it, through gt_health_wait.) */

/*
 * Live state of the objects named in want (a JSON array; only apiVersion,
 * kind, metadata.name and metadata.namespace are sent, a missing namespace
 * becomes o->namespace when set) through one `kubectl get -f - --ignore-not-found
 * -o json`, whatever their number. Objects that do not exist, and objects of
 * kinds the server does not serve (yet: a CRD not established), are left out
 * rather than failing the call. 0 with *out a new array of those found (no
 * promised order), -1 after relaying kubectl's messages (a GT_EXIT_REMOTE).
 */
int gt_kube_get_present(const struct gt_kube_opts *o, const json_t *want, json_t **out);

/* ---- gitops-diff: batch reads and the server-side dry run ------------------------------------
 * One kubectl process per call whatever the number of objects; objects go on stdin. */

/* The field manager gitops-apply applies with; a dry run must use it to predict what apply removes. */
#define GT_APPLY_FIELD_MANAGER "gitops-apply"

/*
 * Live state of the objects in want (a JSON array; only apiVersion, kind and
 * metadata name/namespace are sent) through one `kubectl get -f - --ignore-not-found
 * -o json`. 0 with *out a new array of those that exist, -1 after relaying kubectl.
 */
int gt_kube_get_objects(const struct gt_kube_opts *o, const json_t *want, json_t **out);

/*
 * Every object of every listable kind, in all namespaces, that carries the
 * annotation key (any value; the caller filters), through two kubectl calls
 * (api-resources, then one get of all kinds). 0 with *out a new array, -1 after relaying.
 */
int gt_kube_list_annotated(const struct gt_kube_opts *o, const char *key, json_t **out);

/* The same for objects matching a label selector ("app.kubernetes.io/instance=shop"), selected by the server. */
int gt_kube_list_labelled(const struct gt_kube_opts *o, const char *selector, json_t **out);

/*
 * `kubectl apply --server-side --dry-run=server --force-conflicts -o json -f -`
 * of the objects in objs (a JSON array) as o->field_manager (NULL:
 * GT_APPLY_FIELD_MANAGER). 0 with *out a new array of the server's answers; 1 with *out NULL when
 * the server refused (an invalid object, an immutable field, no permission to patch: kubectl then
 * answers for none), its messages relayed as warnings; -1 after relaying (unreachable, failing).
 */
int gt_kube_dry_run_apply(const struct gt_kube_opts *o, const json_t *objs, json_t **out);

/* The namespace kubectl uses for objects without one: o->namespace, else the current context's, else
 * "default" (`kubectl config view --minify`, no request to the cluster). 0 with *ns malloc'd, -1 after relaying. */
int gt_kube_context_namespace(const struct gt_kube_opts *o, char **ns);

/* ==== gitops-apply: batched apply and delete, CRD wait, live reads (owned by gitops-apply) ====
 * One kubectl process per batch, never one per object; objects on standard input. */

/* What happened to one object of a batch. */
struct gt_kube_outcome {
	bool ok;
	char *message; /* kubectl's error for this object, one line, secrets masked; NULL when ok. Caller frees. */
};

/* Free the messages of out[0..n). */
void gt_kube_outcomes_clear(struct gt_kube_outcome *out, size_t n);

/*
 * `kubectl apply --server-side -f -` of objs[0..n) in one call (a v1 List on
 * stdin). kubectl names successes but not always failures: when more than one
 * object failed, or the failure looks transient (EOF, reset, 5xx, timeout), the
 * failed ones are applied again one per call, which attributes each error and
 * retries once (server-side apply is idempotent). out[i] for objs[i]. Every
 * kubectl run ends within budget_s seconds (0: the default). Returns the number
 * of objects that failed, or -1 when kubectl could not be run at all (printed).
 */
int gt_kube_apply_batch(const struct gt_kube_opts *o, json_t *const *objs, size_t n, unsigned budget_s,
			struct gt_kube_outcome *out);

/* `kubectl delete --wait=false --ignore-not-found -f -` of objs (only their identity is sent); as above. */
int gt_kube_delete_batch(const struct gt_kube_opts *o, json_t *const *objs, size_t n, unsigned budget_s,
			 struct gt_kube_outcome *out);

/* `kubectl wait --for=condition=Established` for the named CRDs, one call. 0, or -1 after printing. */
int gt_kube_wait_established(const struct gt_kube_opts *o, const char *const *names, size_t n, unsigned budget_s);

/*
 * The live state of objs' identities, managedFields included: per namespace one
 * `kubectl get KIND.GROUP,... -o json` (a list per kind rather than a request
 * per object; kinds the server lacks have no live objects). live[i] a new
 * reference, or NULL when absent. 0, or -1 after printing (message in *why too
 * when why is not NULL: a new string, caller frees).
 */
int gt_kube_get_batch(const struct gt_kube_opts *o, json_t *const *objs, size_t n, unsigned budget_s, json_t **live,
		      char **why);

/* True when message says the cluster could not be reached or refused us as a whole (no object to blame). */
bool gt_kube_message_unreachable(const char *message);
/* True when message says the server refused for lack of permission (403). */
bool gt_kube_message_forbidden(const char *message);

#endif
