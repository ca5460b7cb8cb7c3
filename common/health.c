/* health: Argo CD's built-in health rules (gitops-engine pkg/health, as inside argo-cd in 2026, and the Lua
 * checks argo-cd bundles for Kubernetes' own kinds), the Health record, and a wait that polls the cluster
 * with one kubectl call per look. Where this differs on purpose: objects of older API versions
 * (extensions/, autoscaling/v2beta*) are judged, not Unknown; a Pod without restartPolicy is Always (the
 * API server's default); an Application uses the override Argo CD's docs give; custom resources without a
 * check follow the status.conditions convention instead of having no health. */
#include "health.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const char *const health_names[GT_HEALTH_COUNT] = {
	[GT_HEALTH_HEALTHY] = "Healthy",     [GT_HEALTH_SUSPENDED] = "Suspended", [GT_HEALTH_PROGRESSING] = "Progressing",
	[GT_HEALTH_MISSING] = "Missing",     [GT_HEALTH_DEGRADED] = "Degraded",   [GT_HEALTH_UNKNOWN] = "Unknown",
};

const char *gt_health_name(enum gt_health h)
{
	return (unsigned)h < GT_HEALTH_COUNT ? health_names[h] : "Unknown";
}

int gt_health_parse(const char *name, enum gt_health *out)
{
	for (int i = 0; name && i < GT_HEALTH_COUNT; i++)
		if (!strcmp(name, health_names[i]))
			return *out = (enum gt_health)i, 0;
	return -1;
}

enum gt_health gt_health_worst(enum gt_health a, enum gt_health b)
{
	return a > b ? a : b;
}

/* ---- reading status fields the way Go's typed structs do: absent is zero ---- */

/* The value at a dotted path of maps ("status.loadBalancer.ingress"), or NULL. */
static const json_t *at(const json_t *o, const char *path)
{
	char key[128];
	while (o && *path) {
		size_t n = strcspn(path, ".");
		if (n >= sizeof(key) || !json_is_object(o))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		o = json_object_get(o, key);
		path += n + (path[n] == '.');
	}
	return o;
}

static const char *str_at(const json_t *o, const char *path)
{
	const char *s = json_string_value(at(o, path));
	return s ? s : "";
}

static long long int_at(const json_t *o, const char *path)
{
	const json_t *v = at(o, path);
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v)) /* a YAML file may say 3.0 */
		return (long long)json_real_value(v);
	return 0;
}

static bool has(const json_t *o, const char *path)
{
	const json_t *v = at(o, path);
	return v && !json_is_null(v);
}

/* The first entry of status.conditions (or of the array conds) whose type is type, or NULL. */
static const json_t *condition_in(const json_t *conds, const char *type)
{
	size_t i;
	const json_t *c;
	json_array_foreach(conds, i, c)
		if (!strcmp(str_at(c, "type"), type))
			return c;
	return NULL;
}

static const json_t *condition(const json_t *o, const char *type)
{
	return condition_in(at(o, "status.conditions"), type);
}

static bool condition_true(const json_t *c)
{
	return c && !strcmp(str_at(c, "status"), "True");
}

/* *msg = a new formatted string (left as it was when out of memory: the status still counts). */
__attribute__((format(printf, 2, 3))) static void say(char **msg, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (!s)
		return;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	free(*msg);
	*msg = s;
}

/* ---- the rules, each as gitops-engine (pkg/health) words it ---- */

static enum gt_health deployment_health(const json_t *o, char **msg)
{
	if (json_is_true(at(o, "spec.paused")))
		return say(msg, "Deployment is paused"), GT_HEALTH_SUSPENDED;
	/* The generation check comes from kubectl rollout status, as in Argo CD. */
	if (int_at(o, "metadata.generation") > int_at(o, "status.observedGeneration"))
		return say(msg, "Waiting for rollout to finish: observed deployment generation less than desired generation"),
		       GT_HEALTH_PROGRESSING;
	long long replicas = int_at(o, "spec.replicas"), updated = int_at(o, "status.updatedReplicas");
	long long current = int_at(o, "status.replicas"), available = int_at(o, "status.availableReplicas");
	if (!strcmp(str_at(condition(o, "Progressing"), "reason"), "ProgressDeadlineExceeded"))
		return say(msg, "Deployment \"%s\" exceeded its progress deadline", str_at(o, "metadata.name")),
		       GT_HEALTH_DEGRADED;
	if (has(o, "spec.replicas") && updated < replicas)
		return say(msg, "Waiting for rollout to finish: %lld out of %lld new replicas have been updated...", updated,
			   replicas),
		       GT_HEALTH_PROGRESSING;
	if (current > updated)
		return say(msg, "Waiting for rollout to finish: %lld old replicas are pending termination...",
			   current - updated),
		       GT_HEALTH_PROGRESSING;
	if (available < updated)
		return say(msg, "Waiting for rollout to finish: %lld of %lld updated replicas are available...", available,
			   updated),
		       GT_HEALTH_PROGRESSING;
	return GT_HEALTH_HEALTHY;
}

static enum gt_health statefulset_health(const json_t *o, char **msg)
{
	long long observed = int_at(o, "status.observedGeneration");
	if (observed == 0 || int_at(o, "metadata.generation") > observed)
		return say(msg, "Waiting for statefulset spec update to be observed..."), GT_HEALTH_PROGRESSING;
	long long replicas = int_at(o, "spec.replicas"), ready = int_at(o, "status.readyReplicas");
	long long updated = int_at(o, "status.updatedReplicas");
	if (has(o, "spec.replicas") && ready < replicas)
		return say(msg, "Waiting for %lld pods to be ready...", replicas - ready), GT_HEALTH_PROGRESSING;
	const char *strategy = str_at(o, "spec.updateStrategy.type");
	if (!strcmp(strategy, "RollingUpdate") && has(o, "spec.updateStrategy.rollingUpdate")) {
		if (has(o, "spec.replicas") && has(o, "spec.updateStrategy.rollingUpdate.partition")) {
			long long want = replicas - int_at(o, "spec.updateStrategy.rollingUpdate.partition");
			if (updated < want)
				return say(msg, "Waiting for partitioned roll out to finish: %lld out of %lld new pods have been updated...",
					   updated, want),
				       GT_HEALTH_PROGRESSING;
		}
		return say(msg, "partitioned roll out complete: %lld new pods have been updated...", updated), GT_HEALTH_HEALTHY;
	}
	if (!strcmp(strategy, "OnDelete"))
		return say(msg, "statefulset has %lld ready pods", ready), GT_HEALTH_HEALTHY;
	const char *update_rev = str_at(o, "status.updateRevision"), *current_rev = str_at(o, "status.currentRevision");
	if (strcmp(update_rev, current_rev))
		return say(msg, "waiting for statefulset rolling update to complete %lld pods at revision %s...", updated,
			   update_rev),
		       GT_HEALTH_PROGRESSING;
	return say(msg, "statefulset rolling update complete %lld pods at revision %s...",
		   int_at(o, "status.currentReplicas"), current_rev),
	       GT_HEALTH_HEALTHY;
}

static enum gt_health daemonset_health(const json_t *o, char **msg)
{
	if (int_at(o, "metadata.generation") > int_at(o, "status.observedGeneration"))
		return say(msg, "Waiting for rollout to finish: observed daemon set generation less than desired generation"),
		       GT_HEALTH_PROGRESSING;
	const char *name = str_at(o, "metadata.name");
	long long desired = int_at(o, "status.desiredNumberScheduled");
	long long updated = int_at(o, "status.updatedNumberScheduled"), available = int_at(o, "status.numberAvailable");
	if (!strcmp(str_at(o, "spec.updateStrategy.type"), "OnDelete"))
		return say(msg, "daemon set %lld out of %lld new pods have been updated", updated, desired), GT_HEALTH_HEALTHY;
	if (updated < desired)
		return say(msg, "Waiting for daemon set \"%s\" rollout to finish: %lld out of %lld new pods have been updated...",
			   name, updated, desired),
		       GT_HEALTH_PROGRESSING;
	if (available < desired)
		return say(msg, "Waiting for daemon set \"%s\" rollout to finish: %lld of %lld updated pods are available...",
			   name, available, desired),
		       GT_HEALTH_PROGRESSING;
	return GT_HEALTH_HEALTHY;
}

static enum gt_health replicaset_health(const json_t *o, char **msg)
{
	if (int_at(o, "metadata.generation") > int_at(o, "status.observedGeneration"))
		return say(msg, "Waiting for rollout to finish: observed replica set generation less than desired generation"),
		       GT_HEALTH_PROGRESSING;
	const json_t *failure = condition(o, "ReplicaFailure");
	if (condition_true(failure))
		return say(msg, "%s", str_at(failure, "message")), GT_HEALTH_DEGRADED;
	long long replicas = int_at(o, "spec.replicas"), available = int_at(o, "status.availableReplicas");
	if (has(o, "spec.replicas") && available < replicas)
		return say(msg, "Waiting for rollout to finish: %lld out of %lld new replicas are available...", available,
			   replicas),
		       GT_HEALTH_PROGRESSING;
	return GT_HEALTH_HEALTHY;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* Waiting reasons Argo CD counts as broken: ErrImagePull, CreateContainerConfigError, CrashLoopBackOff ... */
static bool waiting_reason_is_error(const char *reason)
{
	return !strncmp(reason, "Err", 3) || ends_with(reason, "Error") || ends_with(reason, "BackOff");
}

/* Degraded with the messages of the containers that wait for a broken reason, joined by ", ". */
static bool pod_waiting_in_error(const json_t *o, char **msg)
{
	size_t i;
	const json_t *c;
	bool found = false;
	struct gt_strbuf joined = { 0 };
	json_array_foreach(at(o, "status.containerStatuses"), i, c) {
		if (!has(c, "state.waiting") || !waiting_reason_is_error(str_at(c, "state.waiting.reason")))
			continue;
		if (gt_strbuf_addf(&joined, "%s%s", found ? ", " : "", str_at(c, "state.waiting.message")) < 0)
			break;
		found = true;
	}
	if (found && joined.s)
		free(*msg), *msg = gt_strbuf_detach(&joined);
	gt_strbuf_release(&joined);
	return found;
}

/* Why a terminated container failed: its message, OOMKilled, or its exit code; "" if it did not. */
static void pod_container_failure(const json_t *c, char **msg)
{
	if (!has(c, "state.terminated"))
		return;
	const char *m = str_at(c, "state.terminated.message");
	long long code = int_at(c, "state.terminated.exitCode");
	if (*m)
		say(msg, "%s", m);
	else if (!strcmp(str_at(c, "state.terminated.reason"), "OOMKilled"))
		say(msg, "OOMKilled");
	else if (code != 0)
		say(msg, "container \"%s\" failed with exit code %lld", str_at(c, "name"), code);
}

static enum gt_health pod_failed_health(const json_t *o, char **msg)
{
	const char *lists[] = { "status.initContainerStatuses", "status.containerStatuses" };
	if (*str_at(o, "status.message"))
		return say(msg, "%s", str_at(o, "status.message")), GT_HEALTH_DEGRADED;
	for (size_t l = 0; l < 2; l++) {
		size_t i;
		const json_t *c;
		json_array_foreach(at(o, lists[l]), i, c) {
			pod_container_failure(c, msg);
			if (**msg)
				return GT_HEALTH_DEGRADED;
		}
	}
	return GT_HEALTH_DEGRADED;
}

/* argocd.argoproj.io/ignore-restart-policy: "true": an operator's long-running Pod with restartPolicy Never or
 * OnFailure, judged like one with Always. Argo CD does not honour it on hooks, whose completion is their health. */
static bool pod_ignores_restart_policy(const json_t *o)
{
	const char *v = gt_obj_annotation(o, "argocd.argoproj.io/ignore-restart-policy");
	return v && !strcmp(v, "true") && !gt_obj_is_hook(o);
}

static enum gt_health pod_health(const json_t *o, char **msg)
{
	/* Live pods always carry restartPolicy; a pod written without one gets Always from the API server. */
	const char *restart = has(o, "spec.restartPolicy") ? str_at(o, "spec.restartPolicy") : "Always";
	bool always = !strcmp(restart, "Always") || pod_ignores_restart_policy(o);
	/* Only for Always: a hook pod (OnFailure/Never) in ImagePullBackOff may still run once the image appears. */
	if (always && pod_waiting_in_error(o, msg))
		return GT_HEALTH_DEGRADED;
	const char *phase = str_at(o, "status.phase"), *status_msg = str_at(o, "status.message");
	say(msg, "%s", status_msg);
	if (!strcmp(phase, "Pending"))
		return GT_HEALTH_PROGRESSING;
	if (!strcmp(phase, "Succeeded"))
		return GT_HEALTH_HEALTHY;
	if (!strcmp(phase, "Failed"))
		return pod_failed_health(o, msg);
	if (!strcmp(phase, "Running") && always) {
		if (condition_true(condition(o, "Ready")))
			return GT_HEALTH_HEALTHY;
		size_t i;
		const json_t *c;
		json_array_foreach(at(o, "status.containerStatuses"), i, c)
			if (has(c, "lastState.terminated"))
				return GT_HEALTH_DEGRADED;
		return GT_HEALTH_PROGRESSING;
	}
	/* Pods that run to completion are hooks: done only when Succeeded. */
	if (!strcmp(phase, "Running") && (!strcmp(restart, "OnFailure") || !strcmp(restart, "Never")))
		return GT_HEALTH_PROGRESSING;
	return GT_HEALTH_UNKNOWN;
}

static bool has_load_balancer_ingress(const json_t *o)
{
	return json_array_size(at(o, "status.loadBalancer.ingress")) > 0;
}

static enum gt_health service_health(const json_t *o, char **msg)
{
	(void)msg;
	if (!strcmp(str_at(o, "spec.type"), "LoadBalancer") && !has_load_balancer_ingress(o))
		return GT_HEALTH_PROGRESSING;
	return GT_HEALTH_HEALTHY;
}

static enum gt_health ingress_health(const json_t *o, char **msg)
{
	(void)msg;
	return has_load_balancer_ingress(o) ? GT_HEALTH_HEALTHY : GT_HEALTH_PROGRESSING;
}

static enum gt_health pvc_health(const json_t *o, char **msg)
{
	(void)msg;
	const char *phase = str_at(o, "status.phase");
	if (!strcmp(phase, "Bound"))
		return GT_HEALTH_HEALTHY;
	if (!strcmp(phase, "Pending"))
		return GT_HEALTH_PROGRESSING;
	if (!strcmp(phase, "Lost"))
		return GT_HEALTH_DEGRADED;
	return GT_HEALTH_UNKNOWN;
}

static enum gt_health job_health(const json_t *o, char **msg)
{
	bool failed = false, complete = false, suspended = false;
	const char *fail_msg = "", *message = "";
	size_t i;
	const json_t *c;
	/* As Argo CD: Complete and Failed count by their presence (the Job controller only adds them True). */
	json_array_foreach(at(o, "status.conditions"), i, c) {
		const char *type = str_at(c, "type");
		if (!strcmp(type, "Failed"))
			failed = complete = true, fail_msg = str_at(c, "message");
		else if (!strcmp(type, "Complete"))
			complete = true, message = str_at(c, "message");
		else if (!strcmp(type, "Suspended")) {
			complete = true, message = str_at(c, "message");
			suspended = condition_true(c);
		}
	}
	if (!complete)
		return say(msg, "%s", message), GT_HEALTH_PROGRESSING;
	if (failed)
		return say(msg, "%s", fail_msg), GT_HEALTH_DEGRADED;
	say(msg, "%s", message);
	return suspended ? GT_HEALTH_SUSPENDED : GT_HEALTH_HEALTHY;
}

/* (type, reason) pairs of HPA conditions that Argo CD calls Degraded, whatever their status. */
static bool hpa_condition_degraded(const char *type, const char *reason)
{
	static const char *const pairs[][2] = {
		{ "AbleToScale", "FailedGetScale" },
		{ "AbleToScale", "FailedUpdateScale" },
		{ "ScalingActive", "FailedGetResourceMetric" },
		{ "ScalingActive", "FailedGetObjectMetric" },
		{ "ScalingActive", "FailedGetPodsMetric" },
		{ "ScalingActive", "FailedGetExternalMetric" },
		{ "ScalingActive", "FailedComputeMetricsReplicas" },
		{ "ScalingActive", "InvalidSelector" },
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if (!strcmp(type, pairs[i][0]) && !strcmp(reason, pairs[i][1]))
			return true;
	return false;
}

/* As Argo CD (checkConditions): any failure condition, wherever it is, before a healthy one; a healthy
 * AbleToScale written first must not hide a ScalingActive that cannot read its metric. */
static enum gt_health hpa_conditions_health(const json_t *conds, char **msg)
{
	size_t i;
	const json_t *c;
	json_array_foreach(conds, i, c)
		if (hpa_condition_degraded(str_at(c, "type"), str_at(c, "reason")))
			return say(msg, "%s", str_at(c, "message")), GT_HEALTH_DEGRADED;
	json_array_foreach(conds, i, c) {
		const char *type = str_at(c, "type");
		if ((!strcmp(type, "AbleToScale") || !strcmp(type, "ScalingLimited")) && condition_true(c))
			return say(msg, "%s", str_at(c, "message")), GT_HEALTH_HEALTHY;
	}
	return say(msg, "Waiting to Autoscale"), GT_HEALTH_PROGRESSING;
}

static enum gt_health hpa_health(const json_t *o, const char *version, char **msg)
{
	if (strcmp(version, "v1"))
		return hpa_conditions_health(at(o, "status.conditions"), msg);
	/* autoscaling/v1 has no conditions field: the controller keeps them in an annotation. */
	const char *text = gt_obj_annotation(o, "autoscaling.alpha.kubernetes.io/conditions");
	if (!text)
		return say(msg, "Waiting to Autoscale"), GT_HEALTH_PROGRESSING;
	json_t *conds = json_loads(text, 0, NULL);
	if (!json_is_array(conds)) {
		json_decref(conds);
		return say(msg, "unreadable annotation autoscaling.alpha.kubernetes.io/conditions"), GT_HEALTH_UNKNOWN;
	}
	enum gt_health h = hpa_conditions_health(conds, msg);
	json_decref(conds);
	return h;
}

static enum gt_health apiservice_health(const json_t *o, char **msg)
{
	const json_t *c = condition(o, "Available");
	if (!c)
		return say(msg, "Waiting to be processed"), GT_HEALTH_PROGRESSING;
	say(msg, "%s: %s", str_at(c, "reason"), str_at(c, "message"));
	return condition_true(c) ? GT_HEALTH_HEALTHY : GT_HEALTH_PROGRESSING;
}

/* Argo CD has no built-in rule since 1.8; this is the Lua override its docs give (app of apps). */
static enum gt_health application_health(const json_t *o, char **msg)
{
	enum gt_health h;
	if (!has(o, "status.health"))
		return GT_HEALTH_PROGRESSING;
	say(msg, "%s", str_at(o, "status.health.message"));
	if (gt_health_parse(str_at(o, "status.health.status"), &h) < 0)
		return say(msg, "unknown health status \"%s\"", str_at(o, "status.health.status")), GT_HEALTH_UNKNOWN;
	return h;
}

/* Argo Workflows (health_argo.go): the workflow's phase, with its status.message. */
static enum gt_health workflow_health(const json_t *o, char **msg)
{
	const char *phase = str_at(o, "status.phase");
	say(msg, "%s", str_at(o, "status.message"));
	if (!*phase || !strcmp(phase, "Pending") || !strcmp(phase, "Running"))
		return GT_HEALTH_PROGRESSING;
	if (!strcmp(phase, "Succeeded"))
		return GT_HEALTH_HEALTHY;
	if (!strcmp(phase, "Failed") || !strcmp(phase, "Error"))
		return GT_HEALTH_DEGRADED;
	return GT_HEALTH_UNKNOWN;
}

/* Argo CD's bundled Lua check for CRDs (resource_customizations/apiextensions.k8s.io): conditions in order,
 * the first that decides wins; usable once Established, Degraded when it never will be. */
static enum gt_health crd_health(const json_t *o, char **msg)
{
	size_t i;
	const json_t *c;
	bool established = false;
	if (json_array_size(at(o, "status.conditions")) == 0)
		return say(msg, "Status conditions not found"), GT_HEALTH_PROGRESSING;
	json_array_foreach(at(o, "status.conditions"), i, c) {
		const char *type = str_at(c, "type"), *status = str_at(c, "status");
		if (!strcmp(type, "Terminating") && !strcmp(status, "True"))
			return say(msg, "CRD is terminating: %s", str_at(c, "message")), GT_HEALTH_PROGRESSING;
		if (!strcmp(type, "NamesAccepted") && !strcmp(status, "False"))
			return say(msg, "CRD names have not been accepted: %s", str_at(c, "message")), GT_HEALTH_DEGRADED;
		if (!strcmp(type, "NonStructuralSchema") && !strcmp(status, "True"))
			return say(msg, "Schema violations found: %s", str_at(c, "message")), GT_HEALTH_DEGRADED;
		if (!strcmp(type, "Established") && !strcmp(status, "True"))
			established = true;
		else if (!strcmp(type, "Established") && !strcmp(str_at(c, "reason"), "Installing"))
			return say(msg, "CRD is being installed"), GT_HEALTH_PROGRESSING;
	}
	if (!established)
		return say(msg, "CRD is not established"), GT_HEALTH_DEGRADED;
	return say(msg, "CRD is healthy"), GT_HEALTH_HEALTHY;
}

/* Argo CD's bundled Lua check for CronJobs (resource_customizations/batch/CronJob): the last run decides,
 * and only a run known to have failed is Degraded. RFC 3339 times in UTC compare as strings, as the Lua does. */
static enum gt_health cronjob_health(const json_t *o, char **msg)
{
	if (json_is_true(at(o, "spec.suspend"))) /* Healthy, not Suspended: Argo CD's choice (argo-cd#24428) */
		return say(msg, "CronJob is Suspended"), GT_HEALTH_HEALTHY;
	if (!has(o, "status"))
		return say(msg, "Waiting for CronJob"), GT_HEALTH_PROGRESSING;
	if (!has(o, "status.lastScheduleTime"))
		return say(msg, "CronJob has not been scheduled yet"), GT_HEALTH_HEALTHY;
	if (!has(o, "status.lastSuccessfulTime"))
		return say(msg, "The CronJob never completed successfully. It may not be healthy"), GT_HEALTH_HEALTHY;
	if (json_array_size(at(o, "status.active")) > 0)
		return say(msg, "The job is running. Its last execution may not have been successful"), GT_HEALTH_HEALTHY;
	if (strcmp(str_at(o, "status.lastSuccessfulTime"), str_at(o, "status.lastScheduleTime")) < 0)
		return say(msg, "CronJob has not completed its last execution successfully"), GT_HEALTH_DEGRADED;
	return say(msg, "CronJob has completed its last execution successfully"), GT_HEALTH_HEALTHY;
}

/* Argo CD's bundled Lua check for PodDisruptionBudgets (resource_customizations/policy): a False condition is
 * Degraded unless it only says there are too few pods (InsufficientPods: valid while scaling); the last
 * condition names the reason. */
static enum gt_health pdb_health(const json_t *o, char **msg)
{
	size_t i;
	const json_t *c;
	enum gt_health h = GT_HEALTH_PROGRESSING;
	say(msg, "Waiting for status");
	json_array_foreach(at(o, "status.conditions"), i, c) {
		const char *reason = str_at(c, "reason");
		say(msg, "PodDisruptionBudget has %s", reason);
		if (!strcmp(str_at(c, "status"), "False") && strcmp(reason, "InsufficientPods"))
			return GT_HEALTH_DEGRADED;
		h = GT_HEALTH_HEALTHY;
	}
	return h;
}

/*
 * Custom resources: the conventions of kstatus (Flux, Crossplane, most
 * operators). Stalled, Degraded or Failed True is Degraded; Reconciling True is
 * Progressing; Ready, else Available, decides: True Healthy, otherwise
 * Progressing with its message. A spec not yet observed is Progressing. No
 * conditions, or none of these, is Healthy: no rule, as Argo CD.
 */
static enum gt_health conditions_health(const json_t *o, char **msg)
{
	static const char *const broken[] = { "Stalled", "Degraded", "Failed" };
	static const char *const verdict[] = { "Ready", "Available" };
	const json_t *c;
	if (has(o, "status.observedGeneration") &&
	    int_at(o, "metadata.generation") > int_at(o, "status.observedGeneration"))
		return say(msg, "Waiting for spec update to be observed"), GT_HEALTH_PROGRESSING;
	for (size_t i = 0; i < 3; i++)
		if (condition_true(c = condition(o, broken[i])))
			return say(msg, "%s", str_at(c, "message")), GT_HEALTH_DEGRADED;
	if (condition_true(c = condition(o, "Reconciling")))
		return say(msg, "%s", str_at(c, "message")), GT_HEALTH_PROGRESSING;
	for (size_t i = 0; i < 2; i++)
		if ((c = condition(o, verdict[i]))) {
			say(msg, "%s", str_at(c, "message"));
			return condition_true(c) ? GT_HEALTH_HEALTHY : GT_HEALTH_PROGRESSING;
		}
	return GT_HEALTH_HEALTHY;
}

static bool is(const struct gt_ref *r, const char *group, const char *kind)
{
	return !strcmp(r->group, group) && !strcmp(r->kind, kind);
}

static enum gt_health rule_for(const json_t *o, const struct gt_ref *r, char **msg)
{
	if (is(r, "apps", "Deployment") || is(r, "extensions", "Deployment"))
		return deployment_health(o, msg);
	if (is(r, "apps", "StatefulSet"))
		return statefulset_health(o, msg);
	if (is(r, "apps", "DaemonSet") || is(r, "extensions", "DaemonSet"))
		return daemonset_health(o, msg);
	if (is(r, "apps", "ReplicaSet") || is(r, "extensions", "ReplicaSet"))
		return replicaset_health(o, msg);
	if (is(r, "", "Pod"))
		return pod_health(o, msg);
	if (is(r, "", "Service"))
		return service_health(o, msg);
	if (is(r, "networking.k8s.io", "Ingress") || is(r, "extensions", "Ingress"))
		return ingress_health(o, msg);
	if (is(r, "", "PersistentVolumeClaim"))
		return pvc_health(o, msg);
	if (is(r, "batch", "Job"))
		return job_health(o, msg);
	if (is(r, "autoscaling", "HorizontalPodAutoscaler"))
		return hpa_health(o, r->version, msg);
	if (is(r, "apiregistration.k8s.io", "APIService"))
		return apiservice_health(o, msg);
	if (is(r, "argoproj.io", "Application"))
		return application_health(o, msg);
	if (is(r, "argoproj.io", "Workflow"))
		return workflow_health(o, msg);
	if (is(r, "apiextensions.k8s.io", "CustomResourceDefinition"))
		return crd_health(o, msg);
	if (is(r, "batch", "CronJob"))
		return cronjob_health(o, msg);
	if (is(r, "policy", "PodDisruptionBudget"))
		return pdb_health(o, msg);
	return conditions_health(o, msg);
}

bool gt_health_kind_has_rule(const char *group, const char *kind)
{
	/* gitops-engine's GetHealthCheckFunc: the kinds judged in code (not the Lua checks, not conditions) */
	static const char *const kinds[][2] = {
		{ "apps", "Deployment" }, { "extensions", "Deployment" }, { "apps", "StatefulSet" },
		{ "apps", "DaemonSet" }, { "extensions", "DaemonSet" }, { "apps", "ReplicaSet" },
		{ "extensions", "ReplicaSet" }, { "", "Pod" }, { "", "Service" }, { "networking.k8s.io", "Ingress" },
		{ "extensions", "Ingress" }, { "", "PersistentVolumeClaim" }, { "batch", "Job" },
		{ "autoscaling", "HorizontalPodAutoscaler" }, { "apiregistration.k8s.io", "APIService" },
		{ "argoproj.io", "Workflow" },
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i][0], group ? group : "") && !strcmp(kinds[i][1], kind ? kind : ""))
			return true;
	return false;
}

/* Argo CD keeps hooks with its finalizer until it has read their result: they are not "pending deletion". */
static bool hook_finalizer(const json_t *o)
{
	size_t i;
	const json_t *f;
	json_array_foreach(at(o, "metadata.finalizers"), i, f)
		if (!strcmp(json_string_value(f) ? json_string_value(f) : "", "argocd.argoproj.io/hook-finalizer"))
			return true;
	return false;
}

enum gt_health gt_health_of(const json_t *obj, char **message)
{
	struct gt_ref ref;
	const char *why = NULL;
	enum gt_health h;
	*message = NULL;
	if (gt_obj_ref(obj, &ref, &why) < 0) {
		say(message, "not a Kubernetes object: %s", why ? why : "no apiVersion or kind");
		h = GT_HEALTH_UNKNOWN;
	} else if (has(obj, "metadata.deletionTimestamp") && !hook_finalizer(obj)) {
		say(message, "Pending deletion");
		h = GT_HEALTH_PROGRESSING;
	} else {
		h = rule_for(obj, &ref, message);
	}
	if (!*message)
		*message = strdup("");
	return h;
}

/* ---- the Health record ---- */

int gt_health_record_status(const json_t *rec, enum gt_health *out)
{
	struct gt_health_record h;
	return gt_health_record_read(rec, &h, NULL) < 0 ? -1 : gt_health_parse(h.health, out);
}

/* ---- waiting for health ---- */

static double seconds_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void sleep_seconds(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	while (s > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The live object with want's group, kind, name and namespace (an empty side matches any), or NULL. */
static const json_t *live_match(const struct gt_ref *want, const json_t *live)
{
	size_t i;
	const json_t *obj;
	json_array_foreach(live, i, obj) {
		struct gt_ref r;
		if (gt_obj_ref(obj, &r, NULL) < 0 || strcmp(r.group, want->group) || strcmp(r.kind, want->kind) ||
		    strcmp(r.name, want->name))
			continue;
		if (!*want->namespace || !*r.namespace || !strcmp(r.namespace, want->namespace))
			return obj;
	}
	return NULL;
}

/* The Health record of want, judged on its live object; Missing when it has none. */
static json_t *assess_one(const json_t *want, const json_t *live, const char *default_ns, enum gt_health *h)
{
	struct gt_ref ref;
	const char *why = NULL;
	char *msg = NULL;
	if (gt_obj_ref(want, &ref, &why) < 0) {
		memset(&ref, 0, sizeof(ref));
		*h = GT_HEALTH_UNKNOWN;
		return gt_health_record_new(&ref, gt_health_name(*h), why ? why : "not a Kubernetes object");
	}
	bool named_ns = *ref.namespace;
	if (!named_ns && default_ns && !gt_kind_is_cluster_scoped_builtin(ref.group, ref.kind))
		ref.namespace = default_ns;
	const json_t *obj = live_match(&ref, live);
	if (!obj) {
		*h = GT_HEALTH_MISSING;
		return gt_health_record_new(&ref, gt_health_name(*h), "not found");
	}
	if (!named_ns) { /* where the cluster found it; "" for a cluster-scoped kind */
		const char *ns = json_string_value(json_object_get(json_object_get(obj, "metadata"), "namespace"));
		ref.namespace = ns ? ns : "";
	}
	*h = gt_health_of(obj, &msg);
	json_t *rec = gt_health_record_new(&ref, gt_health_name(*h), msg);
	free(msg);
	return rec;
}

/* A look near the end of the wait still gets this long: a slow answer is not an unreachable cluster. */
#define MIN_REQUEST_TIMEOUT 5

/* How long the next kubectl call may take: what is left of the wait (at least MIN_REQUEST_TIMEOUT), at most ko's own bound. */
static unsigned request_timeout(const struct gt_kube_opts *ko, const struct gt_health_wait_opts *wo, double elapsed)
{
	unsigned own = ko->timeout ? ko->timeout : GT_KUBE_DEFAULT_TIMEOUT;
	double left = wo->timeout - elapsed;
	if (wo->timeout <= 0 || left >= own)
		return own;
	if (left <= MIN_REQUEST_TIMEOUT)
		return MIN_REQUEST_TIMEOUT < own ? MIN_REQUEST_TIMEOUT : own;
	return (unsigned)left + ((double)(unsigned)left < left); /* rounded up */
}

struct look {
	size_t settled;        /* objects that waiting will not change: Healthy, Suspended */
	size_t ok;             /* Healthy, or Suspended with suspended_ok */
	bool degraded_too_long;
};

/* Judge every object of want against live into records; degraded_since[i] < 0 while i is not Degraded. */
static json_t *look_new(const json_t *want, const json_t *live, const struct gt_kube_opts *ko,
			const struct gt_health_wait_opts *wo, double now, double *degraded_since, struct look *l)
{
	json_t *records = json_array();
	size_t i;
	const json_t *obj;
	memset(l, 0, sizeof(*l));
	json_array_foreach(want, i, obj) {
		enum gt_health h;
		json_t *rec = assess_one(obj, live, ko->namespace, &h);
		if (!rec || json_array_append_new(records, rec) < 0)
			return json_decref(records), NULL;
		l->settled += h == GT_HEALTH_HEALTHY || h == GT_HEALTH_SUSPENDED;
		l->ok += h == GT_HEALTH_HEALTHY || (h == GT_HEALTH_SUSPENDED && wo->suspended_ok);
		if (h != GT_HEALTH_DEGRADED)
			degraded_since[i] = -1;
		else if (degraded_since[i] < 0)
			degraded_since[i] = now;
		if (h == GT_HEALTH_DEGRADED && now - degraded_since[i] >= wo->degraded_grace)
			l->degraded_too_long = true;
	}
	return records;
}

/* The live objects of those named in want that exist (a new array, no promised order). 0, or -1 after printing. */
static int read_live(const struct gt_kube_opts *ko, const json_t *want, json_t **live)
{
	*live = NULL;
	size_t n = json_array_size(want);
	json_t **objs = calloc(n ? n : 1, sizeof(*objs)), **got = calloc(n ? n : 1, sizeof(*got));
	int r = objs && got && (*live = json_array()) ? 0 : -1;
	if (r < 0)
		gt_error("out of memory");
	for (size_t i = 0; r == 0 && i < n; i++)
		objs[i] = json_array_get(want, i);
	if (r == 0)
		r = gt_kube_read(ko, objs, n, GT_KUBE_BY_NAME, 0, got, NULL);
	for (size_t i = 0; got && *live && i < n; i++)
		if (got[i])
			json_array_append_new(*live, got[i]);
	free(objs);
	free(got);
	if (r < 0)
		json_decref(*live), *live = NULL;
	return r;
}

int gt_health_wait(const struct gt_kube_opts *ko, const json_t *objs, const struct gt_health_wait_opts *wo,
		   json_t **records)
{
	size_t n = json_array_size(objs);
	double interval = wo->interval > 0 ? wo->interval : GT_HEALTH_DEFAULT_INTERVAL;
	double *degraded_since = malloc((n ? n : 1) * sizeof(double));
	struct timespec t0;
	int r = -1;
	*records = NULL;
	if (!degraded_since)
		return gt_error("out of memory"), -1;
	for (size_t i = 0; i < n; i++)
		degraded_since[i] = -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct gt_kube_opts k = *ko;
		struct look l;
		json_t *live = NULL;
		k.timeout = request_timeout(ko, wo, seconds_since(&t0));
		if (read_live(&k, objs, &live) < 0)
			break;
		double now = seconds_since(&t0);
		json_t *recs = look_new(objs, live, ko, wo, now, degraded_since, &l);
		json_decref(live);
		if (!recs) {
			gt_error("out of memory");
			break;
		}
		json_decref(*records);
		*records = recs;
		if (wo->progress)
			wo->progress(wo->ctx, recs, now);
		if (l.settled == n || l.degraded_too_long || now >= wo->timeout) {
			r = l.ok == n ? 0 : 1;
			break;
		}
		sleep_seconds(interval < wo->timeout - now ? interval : wo->timeout - now);
	}
	free(degraded_since);
	return r;
}
