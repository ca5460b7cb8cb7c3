/* health: Argo CD's built-in health rules for live objects, Health records of them, waiting for health. */
#ifndef GT_HEALTH_H
#define GT_HEALTH_H

#include <jansson.h>
#include <stdbool.h>

#include "kube.h"
#include "obj.h"
#include "record.h"

/*
 * Argo CD's statuses. The values are in Argo CD's aggregation order, best to
 * worst (healthOrder: Healthy < Suspended < Progressing < Missing < Degraded <
 * Unknown), so "a is worse than b" is a > b.
 */
enum gt_health {
	GT_HEALTH_HEALTHY,
	GT_HEALTH_SUSPENDED,
	GT_HEALTH_PROGRESSING,
	GT_HEALTH_MISSING,
	GT_HEALTH_DEGRADED,
	GT_HEALTH_UNKNOWN,
};
#define GT_HEALTH_COUNT 6

/* "Healthy", "Suspended", ... as in Argo CD and in Health records. */
const char *gt_health_name(enum gt_health h);
/* The status named name (exact case); 0, or -1 when it names none. */
int gt_health_parse(const char *name, enum gt_health *out);
/* The worse of a and b in Argo CD's order (for an aggregate, start from GT_HEALTH_HEALTHY). */
enum gt_health gt_health_worst(enum gt_health a, enum gt_health b);

/*
 * The health of one live object by Argo CD's built-in rules: Deployment,
 * StatefulSet, DaemonSet, ReplicaSet, Pod, Service, Ingress, PVC, Job, HPA,
 * APIService, argoproj.io Workflow, the Lua checks Argo CD bundles for CRDs,
 * CronJobs and PodDisruptionBudgets, argoproj.io Application (the override
 * Argo CD's docs give), then the generic status.conditions rule
 * (Ready/Available/Healthy ...) for other kinds; a kind with no rule is Healthy
 * (Argo CD: no health, does not lower the app's). A deletionTimestamp is
 * Progressing "Pending deletion". *message is set to a new string (never NULL,
 * "" when the rule gives none); the caller frees it.
 */
enum gt_health gt_health_of(const json_t *obj, char **message);

/* A kind Argo CD judges in code (Deployment, Pod, Service, Job, ...): only a missing object of such a kind
 * makes an app Missing; one of another kind (a ConfigMap) leaves the app's health as it is. */
bool gt_health_kind_has_rule(const char *group, const char *kind);

/* The health of a Health record (record.h writes and reads them); 0, or -1 when rec is not one or names none. */
int gt_health_record_status(const json_t *rec, enum gt_health *out);

/* Bounds of gt_health_wait; times in seconds. */
struct gt_health_wait_opts {
	double timeout;        /* for the whole wait; 0: look once, do not wait */
	double interval;       /* between two looks (GT_HEALTH_DEFAULT_INTERVAL when 0) */
	double degraded_grace; /* stop at once when an object has been Degraded this long */
	bool suspended_ok;     /* Suspended counts as done and healthy (a paused Deployment, a suspended Job) */
	/* Called after each look with the Health records so far (a JSON array, borrowed); may be NULL. */
	void (*progress)(void *ctx, const json_t *records, double elapsed);
	void *ctx;
};
#define GT_HEALTH_DEFAULT_INTERVAL 2.0
#define GT_HEALTH_DEFAULT_TIMEOUT 300.0
#define GT_HEALTH_DEFAULT_DEGRADED_GRACE 0.0

/*
 * Wait until every object named by objs (a JSON array of objects; only
 * apiVersion, kind, metadata.namespace and metadata.name are read) is Healthy
 * or Suspended (waiting changes neither), until one has been Degraded for
 * degraded_grace, or until timeout, polling the cluster through kubectl with
 * ONE `kubectl get -f -` per look, whatever the number of objects (ko->namespace
 * names the namespace of objects without one). An object not found, or of a
 * kind the server does not serve, is Missing; an object without a name can
 * never be found. *records is set to a new JSON array of Health records, one
 * per entry of objs, in the same order (NULL only when the first look failed
 * or memory ran out). Returns 0 when all are Healthy (or Suspended, with
 * suspended_ok), 1 when not, -1 when a look failed (kubectl could not ask the
 * cluster; already reported: a GT_EXIT_REMOTE). The last look may run past
 * timeout by its own duration (its kubectl gets at least 5 s).
 */
int gt_health_wait(const struct gt_kube_opts *ko, const json_t *objs, const struct gt_health_wait_opts *wo,
		   json_t **records);

#endif
