/* kube: the one place that runs kubectl (through common/proc: a deadline, no token in its
 * environment). Objects go to its standard input, never into an argv every user of the machine
 * can read. Every call gets the connection flags of struct gt_kube_opts, and every answer is
 * classified (enum gt_kube_error) so that callers decide on a kind of failure, not on a message.
 * One process per batch, never one per object. docs/kubectl.md says what kubectl prints. Below,
 * by operation: the options of every call, what went wrong, reading, writing. Comparing desired
 * objects with what it reads is diff's (gt_diff_cluster_pairs, common/diff_cluster.c). */
#ifndef GT_KUBE_H
#define GT_KUBE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "cli.h"

#define GT_KUBE_DEFAULT_TIMEOUT 60 /* seconds per request: kubectl has no timeout of its own */
/* The field manager gitops-apply applies with; a dry run must use it to predict what apply removes. */
#define GT_APPLY_FIELD_MANAGER "gitops-apply"

/* ---- where, and how: the options of every call -------------------------------------------------- */

struct gt_kube_opts {
	/* kubectl's connection flags, passed to every call as given; NULL: kubectl's own choice
	 * (KUBECONFIG, the current context) */
	const char *kubeconfig, *context, *cluster, *user;
	const char *namespace;     /* -n: where objects without one go; NULL: the context's */
	const char *field_manager; /* NULL: the program's name (GT_APPLY_FIELD_MANAGER for a dry run) */
	unsigned timeout;          /* --request-timeout in seconds; 0: GT_KUBE_DEFAULT_TIMEOUT */
	bool force_conflicts;      /* take fields other managers own (an explicit upsert, self-heal) */
	const char *secret;        /* masked in kubectl's messages before they are relayed; may be NULL */
	struct timespec deadline;  /* CLOCK_MONOTONIC: every kubectl call ends by then ({ 0, 0 }: none) */
};

/*
 * kubectl's connection flags, with kubectl's names and meaning, bound to *k: put
 * GT_KUBE_OPTIONS(&o.kube) in the table of every tool that talks to a cluster, and
 * GT_KUBE_CLUSTER_OPTION(&o.kube) too where --cluster is not already the tool's own flag
 * (gitops-diff and gitops-health use it for "read the live side from the cluster"). -n/--namespace
 * is each tool's own: its help says what it means there. KUBECONFIG keeps working.
 */
#define GT_KUBE_OPTIONS(k)                                                                                 \
	GT_OPT_STRING_EMPTY_UNSET(0, "kubeconfig", "FILE", &(k)->kubeconfig,                               \
				  "kubeconfig file to use (default: KUBECONFIG, else ~/.kube/config)"),      \
	GT_OPT_STRING_EMPTY_UNSET(0, "context", "CONTEXT", &(k)->context,                                  \
				  "kubeconfig context to use (default: the current context)"),               \
	GT_OPT_STRING_EMPTY_UNSET(0, "user", "USER", &(k)->user, "kubeconfig user to use (default: the context's)"), \
	GT_OPT_SECONDS(0, "request-timeout", &(k)->timeout, GT_SECONDS(1), GT_MAX_DURATION,              \
		       "limit for each cluster request (default 60s)")
#define GT_KUBE_CLUSTER_OPTION(k)                                                                          \
	GT_OPT_STRING_EMPTY_UNSET(0, "cluster", "CLUSTER", &(k)->cluster,                                  \
				  "kubeconfig cluster to use (default: the context's)")

/* ---- what went wrong ------------------------------------------------------------------------------ */

enum gt_kube_error {
	GT_KUBE_OK = 0,
	GT_KUBE_NOT_SERVED,  /* a kind the server does not serve (a CRD not installed yet): none of its objects exist */
	GT_KUBE_FORBIDDEN,   /* the server refused for lack of permission (403) */
	GT_KUBE_UNREACHABLE, /* no answer: connection refused or reset, unauthorized (401), no answer in time */
	GT_KUBE_OTHER,       /* anything else: an invalid object, a conflict, a server error */
};

/* The class of one of kubectl's messages (a relayed line, or an outcome's message). */
enum gt_kube_error gt_kube_classify(const char *message);

/* ---- reading --------------------------------------------------------------------------------------- */

/* The namespace kubectl uses for objects without one: o->namespace, else the current context's, else
 * "default" (`kubectl config view --minify`, no request to the cluster). 0 with *ns malloc'd, -1 after relaying. */
int gt_kube_context_namespace(const struct gt_kube_opts *o, char **ns);

/* The current context's cluster server URL (`kubectl config view --minify`, no request to the
 * cluster): what kubectl keys its discovery cache by. 0 with *server malloc'd, -1 after warning. */
int gt_kube_server_dup(const struct gt_kube_opts *o, char **server);

/* `kubectl api-resources -o wide`: every kind the server serves, with its scope. A partial list
 * (an aggregated API down) is taken, kubectl's complaint relayed as warnings. 0 with *text
 * malloc'd, -1 after warning (unreachable, refused). */
int gt_kube_api_resources(const struct gt_kube_opts *o, char **text);

/* `kubectl get RESOURCE [NAME] -o json` in o->namespace. 0 with *out a new reference (NULL when NAME
 * does not exist), -1 after relaying kubectl's messages. */
int gt_kube_get(const struct gt_kube_opts *o, const char *resource, const char *name, json_t **out);

/* Only what finds obj: {apiVersion, kind, metadata: {name, namespace}} (no data: no Secret value on a
 * pipe, nothing large held while polling). NULL when out of memory. */
json_t *gt_kube_identity_new(const json_t *obj);

/* gt_kube_read's and gt_kube_list's flags */
#define GT_KUBE_MANAGED_FIELDS 1u /* keep metadata.managedFields (kubectl hides them) */
#define GT_KUBE_BY_NAME 4u      /* gt_kube_read: a request per object by name (needs only "get"), rather than
				   * a list of each kind (fewer requests for many objects) */
#define GT_KUBE_FORBIDDEN_OK 2u   /* a kind the token may not list: a warning naming the RBAC rule that
				   * would allow it, and its objects left unknown, rather than a failure */

/*
 * The live state of objs[0..n) (objects or identities): per namespace one `kubectl get
 * KIND.GROUP,... -o json` (a list per kind, not a request per object; with GT_KUBE_BY_NAME one
 * `kubectl get -f -` of their identities, whatever their number); objects without a
 * namespace are looked for in o->namespace, else the context's. Kinds the server does not serve
 * have no live objects. live[i] a new reference, or NULL when absent (or unknown, with
 * GT_KUBE_FORBIDDEN_OK). Every kubectl run ends within budget_s seconds (0: o->timeout's bound).
 * 0, or -1 after printing (the message in *why too when why is not NULL: caller frees).
 */
int gt_kube_read(const struct gt_kube_opts *o, json_t *const *objs, size_t n, unsigned flags, unsigned budget_s,
		 json_t **live, char **why);

/* Where gt_kube_list looks. */
struct gt_kube_scope {
	bool whole_cluster;               /* every namespace: of the kinds named below (one get, no discovery),
					   * or of every listable kind when none is named (namespaces ignored) */
	const char *const *namespaces;    /* else every listable namespaced kind in these namespaces, */
	size_t n_namespaces;
	const char *const *cluster_kinds; /* and these cluster-scoped kinds. Kinds as kubectl names them
					   * (gt_kube_type_name_new: "deployment.apps", "namespace") */
	size_t n_cluster_kinds;
	const char *const *kinds;         /* the namespaced kinds that matter (the app renders them): a refusal
					   * to list one is a warning; of any other kind, a debug message */
	size_t n_kinds;
};

/* "deployment.apps", "configmap": a kind as kubectl get and -o name spell it; NULL when out of memory. */
char *gt_kube_type_name_new(const char *group, const char *kind);

/*
 * Every object in scope matching the label selector (NULL: all), events left out: the listable
 * kinds from `kubectl api-resources` when the scope does not name them, then one `kubectl get`
 * per namespace (and one for the cluster-scoped kinds; one with --all-namespaces for the whole
 * cluster). Kinds the server does not serve are skipped; with GT_KUBE_FORBIDDEN_OK a kind or
 * namespace the token may not list is a warning naming the RBAC rule that would allow it.
 * 0 with *out a new array, -1 after printing.
 */
int gt_kube_list(const struct gt_kube_opts *o, const struct gt_kube_scope *scope, const char *selector, unsigned flags,
		 json_t **out);

/* ---- writing ---------------------------------------------------------------------------------------- */

/* `kubectl apply --server-side` of one object. 0, or -1 after relaying kubectl's messages. */
int gt_kube_apply(const struct gt_kube_opts *o, const json_t *obj);

/* What happened to one object of a batch. */
struct gt_kube_outcome {
	bool ok;
	enum gt_kube_error error; /* why not, when not ok */
	char *message;            /* kubectl's error for this object, one line, secrets masked; NULL when ok. Caller frees. */
};

/* Free the messages of out[0..n). */
void gt_kube_outcomes_clear(struct gt_kube_outcome *out, size_t n);

/*
 * `kubectl apply --server-side -f -` of objs[0..n) in one call (a v1 List on stdin). kubectl
 * names successes but not always failures: when more than one object failed, or the failure
 * looks transient (EOF, reset, 5xx, timeout), the failed ones are applied again one per call,
 * which attributes each error and retries once (server-side apply is idempotent). out[i] for
 * objs[i]. Every run ends within budget_s seconds (0: the default). Returns the number of
 * objects that failed, or -1 when kubectl could not be run at all (printed).
 */
int gt_kube_apply_batch(const struct gt_kube_opts *o, json_t *const *objs, size_t n, unsigned budget_s,
			struct gt_kube_outcome *out);

/* `kubectl delete --wait=false --ignore-not-found -f -` of objs (only their identity is sent); as above. */
int gt_kube_delete_batch(const struct gt_kube_opts *o, json_t *const *objs, size_t n, unsigned budget_s,
			 struct gt_kube_outcome *out);

/*
 * `kubectl apply --server-side --dry-run=server --force-conflicts -o json -f -` of objs (a JSON
 * array) as o->field_manager (NULL: GT_APPLY_FIELD_MANAGER). 0 with *out a new array of the
 * server's answers; 1 with *out NULL when the server refused (an invalid object, an immutable
 * field, no permission to patch: kubectl then answers for none), its messages relayed as
 * warnings; -1 after relaying (unreachable, failing).
 */
int gt_kube_dry_run_apply(const struct gt_kube_opts *o, const json_t *objs, json_t **out);

/* `kubectl wait --for=condition=Established` for the named CRDs, one call. 0, or -1 after printing. */
int gt_kube_wait_established(const struct gt_kube_opts *o, const char *const *names, size_t n, unsigned budget_s);

/* `kubectl config view -o json` (the kubeconfig kubectl would use, credentials redacted by kubectl).
 * 0 with *out a new reference, -1 after printing. */
int gt_kube_config_view(const struct gt_kube_opts *o, json_t **out);

#endif
