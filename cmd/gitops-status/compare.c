/* compare: each app's render against its destination cluster, as Argo CD's controller compares: per cluster
 * one `kubectl get` of every kind its apps render, in every namespace (the live side of each desired object and
 * every object an app tracks), then per app the diff engine (its ignoreDifferences applied) for the sync status
 * and Argo CD's health rules for the health: the worst of its objects. */
#include "status.h"

#include <stdlib.h>
#include <string.h>

#include "obj.h"

static bool same_context(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* "KIND NAMESPACE/NAME" of obj, for a message. Caller frees. */
static char *object_name_new(const json_t *obj)
{
	struct gt_ref ref;
	struct gt_strbuf b = { 0 };
	if (gt_obj_ref(obj, &ref, NULL) == 0 &&
	    gt_strbuf_addf(&b, "%s %s%s%s", ref.kind, ref.namespace, *ref.namespace ? "/" : "", ref.name) < 0)
		gt_strbuf_release(&b);
	return b.s;
}

/* Marked IgnoreExtraneous: an extra object Argo CD neither prunes nor counts. */
static bool ignore_extraneous(const json_t *live)
{
	const char *v = gt_obj_annotation(live, "argocd.argoproj.io/compare-options");
	return v && strstr(v, "IgnoreExtraneous");
}

/* Marked argocd.argoproj.io/ignore-healthcheck: "true": left out of the app's health. */
static bool ignore_healthcheck(const json_t *live)
{
	const char *v = gt_obj_annotation(live, "argocd.argoproj.io/ignore-healthcheck");
	return v && !strcmp(v, "true");
}

/* What setApplicationHealth saw of the app's objects: some (not hooks), some of them live. */
struct seen {
	bool any, live;
};

/* The health of one pair, by Argo CD's setApplicationHealth: 1 when it counts (*h, *msg new), 0 when not. */
static int pair_health(const struct gt_pair *p, enum gt_health *h, char **msg, struct seen *seen)
{
	struct gt_ref ref;
	const json_t *named = p->desired ? p->desired : p->live;
	if (gt_obj_ref(named, &ref, NULL) < 0)
		return 0;
	if ((!p->desired && ignore_extraneous(p->live)) || gt_obj_pair_is_hook(p->desired, p->live))
		return 0; /* Argo CD leaves hooks out of the app's health too */
	seen->any = true;
	seen->live |= p->live != NULL;
	if (p->live && ignore_healthcheck(p->live))
		return 0;
	if (p->live) {
		*h = gt_health_of(p->live, msg);
	} else {
		if (!gt_health_kind_has_rule(ref.group, ref.kind))
			return 0; /* a missing ConfigMap does not make the app Missing */
		*h = GT_HEALTH_MISSING;
		*msg = strdup("");
	}
	if (!strcmp(ref.group, "argoproj.io") && !strcmp(ref.kind, "Application") &&
	    (*h == GT_HEALTH_MISSING || *h == GT_HEALTH_UNKNOWN)) /* a child app's does not count */
		return free(*msg), *msg = NULL, 0;
	return 1;
}

/* The app's health: the worst of its objects; the first object of that health is its problem. An
 * app with objects none of which is live is Missing, whatever their kinds. */
static char *judge_health(struct app_state *s, const struct gt_pairs *pairs)
{
	char *problem = NULL;
	struct seen seen = { false, false };
	s->health = GT_HEALTH_HEALTHY;
	for (size_t i = 0; i < pairs->n; i++) {
		enum gt_health h;
		char *msg = NULL;
		if (!pair_health(&pairs->items[i], &h, &msg, &seen))
			continue;
		if (h > s->health) {
			char *name = object_name_new(pairs->items[i].desired ? pairs->items[i].desired : pairs->items[i].live);
			s->health = h;
			free(problem);
			problem = NULL;
			struct gt_strbuf b = { 0 };
			if (gt_strbuf_addf(&b, "%s is %s%s%s", name ? name : "an object", gt_health_name(h), msg && *msg ? ": " : "",
					   msg ? msg : "") == 0)
				problem = b.s;
			free(name);
		}
		free(msg);
	}
	if (seen.any && !seen.live && GT_HEALTH_MISSING > s->health) {
		s->health = GT_HEALTH_MISSING;
		free(problem);
		problem = strdup("none of its objects is in the cluster");
	}
	return problem;
}

/* The first difference, named: what a sync would do to it. */
static int on_change(void *ctx, const json_t *change)
{
	struct app_state *s = ctx;
	enum gt_action a = gt_change_action(change);
	if (s->message || a == GT_ACTION_UNCHANGED || gt_change_ignored(change) || gt_change_hook(change))
		return 0;
	const json_t *obj = a == GT_ACTION_DELETE ? gt_change_live(change) : gt_change_desired(change);
	char *name = obj ? object_name_new(obj) : NULL;
	const json_t *patch = json_object_get(change, "patch");
	const char *path = json_string_value(json_object_get(json_array_get(patch, 0), "path"));
	if (a == GT_ACTION_CREATE)
		state_problem(s, "%s is missing: a sync creates it", name ? name : "an object");
	else if (a == GT_ACTION_DELETE)
		state_problem(s, "%s is no longer rendered: a sync prunes it", name ? name : "an object");
	else
		state_problem(s, "%s differs at %s%s", name ? name : "an object", path && *path ? path : "/",
			      json_array_size(patch) > 1 ? " and more" : "");
	free(name);
	return 0;
}

/* One app against the live objects of its cluster. */
static void judge(struct app_state *s, const json_t *live)
{
	const struct gt_application *app = s->app;
	struct gt_ignore *ig = gt_ignore_new();
	struct gt_pairs pairs = { 0 };
	int r = ig ? 0 : -1;
	for (size_t i = 0; r == 0 && i < app->ignore_rules.n; i++)
		r = gt_ignore_add(ig, app->ignore_rules.v[i], app->file);
	struct gt_diff_opts d = { .mode = GT_DIFF_LIVE, .ignore = ig, .app = app->instance,
				  .default_namespace = app->dest_namespace };
	if (r == 0 && gt_diff_match(&d, s->desired, live, &pairs) != GT_EXIT_OK)
		r = -1;
	char *health_problem = r == 0 ? judge_health(s, &pairs) : NULL;
	if (r == 0 && gt_diff_pairs(&d, &pairs, on_change, s, &s->changes) != GT_EXIT_OK)
		r = -1;
	if (r < 0) {
		s->sync = SYNC_UNKNOWN;
		s->health = GT_HEALTH_UNKNOWN;
		state_problem(s, "cannot compare with the cluster (above)");
	} else {
		s->sync = gt_diff_differences(&s->changes) ? SYNC_OUT_OF_SYNC : SYNC_SYNCED;
		if (health_problem) { /* what runs badly first, then what differs */
			free(s->message);
			s->message = health_problem;
			health_problem = NULL;
		}
	}
	free(health_problem);
	gt_pairs_free(&pairs);
	gt_ignore_free(ig);
}

/* Each kind the apps of one cluster render, once, as kubectl names it. */
static int kinds_of(const struct app_state *s, size_t n, const char *context, struct gt_strvec *kinds)
{
	for (size_t i = 0; i < n; i++) {
		size_t j;
		const json_t *obj;
		if (!s[i].desired || !same_context(s[i].context, context))
			continue;
		json_array_foreach(s[i].desired, j, obj) {
			struct gt_ref ref;
			char *type = gt_obj_ref(obj, &ref, NULL) == 0 ? gt_kube_type_name_new(ref.group, ref.kind) : NULL;
			bool seen = false;
			for (size_t k = 0; type && k < kinds->n && !seen; k++)
				seen = !strcmp(kinds->v[k], type);
			if (!type || (!seen && gt_strvec_push(kinds, type) < 0))
				return free(type), gt_error("out of memory"), -1;
			if (seen)
				free(type);
		}
	}
	return 0;
}

/* The apps of one cluster (context): one read, then each judged. */
static int compare_cluster(const struct status_opts *o, struct app_state *s, size_t n, const char *context)
{
	struct gt_strvec kinds = { 0 };
	struct gt_kube_opts k = o->kube;
	json_t *live = NULL;
	k.context = context;
	k.namespace = NULL;
	if (kinds_of(s, n, context, &kinds) < 0)
		return GT_EXIT_INPUT;
	struct gt_kube_scope scope = { .whole_cluster = true, .kinds = kinds.v, .n_kinds = kinds.n };
	/* a kind the token may not list fails the read: its objects unknown would read as creates */
	int r = kinds.n ? gt_kube_list(&k, &scope, NULL, 0, &live) : 0;
	if (r == 0 && !live)
		live = json_array();
	size_t i;
	json_t *obj;
	json_array_foreach(live, i, obj)
		gt_diff_strip_live(obj);
	for (size_t a = 0; a < n; a++) {
		if (!s[a].desired || !same_context(s[a].context, context))
			continue;
		if (r < 0 || !live) {
			s[a].remote = true;
			s[a].sync = SYNC_UNKNOWN;
			s[a].health = GT_HEALTH_UNKNOWN;
			state_problem(&s[a], "the cluster (context %s) did not answer", context ? context : "current");
		} else {
			judge(&s[a], live);
		}
	}
	for (size_t j = 0; j < kinds.n; j++)
		free((char *)kinds.v[j]);
	gt_strvec_release(&kinds);
	json_decref(live);
	return GT_EXIT_OK;
}

int compare_apps(const struct status_opts *o, struct app_state *s, size_t n)
{
	int st = GT_EXIT_OK;
	for (size_t i = 0; i < n && st == GT_EXIT_OK; i++) {
		bool first = s[i].desired != NULL;
		for (size_t j = 0; first && j < i; j++)
			first = !(s[j].desired && same_context(s[j].context, s[i].context));
		if (first)
			st = compare_cluster(o, s, n, s[i].context);
	}
	return st;
}
