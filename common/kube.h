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

#endif
