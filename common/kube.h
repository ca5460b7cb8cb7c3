/* kube: the one place that runs kubectl. Objects go to its standard input, so
 * nothing secret is ever in an argv that every user of the machine can read. */
#ifndef GT_KUBE_H
#define GT_KUBE_H

#include <jansson.h>
#include <stdbool.h>

#define GT_KUBE_DEFAULT_TIMEOUT 60 /* seconds per request: kubectl has no timeout of its own */

struct gt_kube_opts {
	const char *namespace;     /* -n; NULL: the kubeconfig's */
	const char *field_manager; /* NULL: the program's name */
	unsigned timeout;          /* --request-timeout in seconds; 0: GT_KUBE_DEFAULT_TIMEOUT */
	bool force_conflicts;      /* take fields other managers own (an explicit upsert) */
	const char *secret;        /* masked in kubectl's messages before they are relayed; may be NULL */
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

#endif
