/* diff_cluster: compare desired with the cluster, what gitops-diff --cluster and gitops-apply's plan
 * both do: the live objects read through kube.h, the app's tracked ones listed where it works, paired
 * (diff.c) and, on request, the server's dry-run answer beside each. */
#include "diff.h"

#include <stdlib.h>
#include <string.h>

#include "vec.h"

/* ---- cluster mode: compare desired with the cluster ------------------------------------------------ */

/* Append obj to live unless an object of its identity is there already (index: identity keys seen). */
static void live_add(json_t *live, json_t *index, json_t *obj)
{
	struct gt_ref ref;
	const char *why;
	char *key = gt_obj_ref(obj, &ref, &why) == 0 ? gt_ref_key_new(&ref) : NULL;
	if (key && !json_object_get(index, key)) {
		json_object_set_new(index, key, json_true());
		json_array_append(live, obj);
	}
	free(key);
}

const struct gt_choice gt_prune_scopes[] = { { "namespaces", GT_PRUNE_SCOPE_NAMESPACES },
					     { "cluster", GT_PRUNE_SCOPE_CLUSTER }, GT_CHOICES_END };

/* Where an app's live objects are looked for: the scope, and the strings it points to (owned). */
struct app_scope {
	struct gt_kube_scope scope;
	struct gt_strvec namespaces, kinds, cluster_kinds;
};

static void strings_release(struct gt_strvec *v)
{
	for (size_t i = 0; i < v->n; i++)
		free((char *)v->v[i]);
	gt_strvec_release(v);
}

static void app_scope_clear(struct app_scope *sc)
{
	strings_release(&sc->namespaces);
	strings_release(&sc->kinds);
	strings_release(&sc->cluster_kinds);
}

/* A copy of name in v, once. 0, or -1 when out of memory. */
static int scope_add(struct gt_strvec *v, const char *name)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], name))
			return 0;
	char *copy = strdup(name);
	if (!copy || gt_strvec_push(v, copy) < 0)
		return free(copy), -1;
	return 0;
}

/*
 * Least privilege: the app's objects are looked for where the sync itself works: every listable
 * namespaced kind in the namespaces it renders into (a refusal to list a kind it renders is a
 * warning, of any other kind a debug message: a Role need not cover what the app never had), and
 * the cluster-scoped kinds it renders cluster-wide. Nothing else without whole (--prune-scope
 * cluster): an app that leaves a namespace, or stops rendering a cluster-scoped kind, leaves them.
 */
static int app_scope_of(const struct gt_diff_opts *o, const json_t *desired, bool whole, struct app_scope *sc)
{
	struct gt_scopes *scopes = gt_scopes_new();
	size_t i;
	const json_t *obj;
	int r = scopes ? 0 : -1;
	sc->scope.whole_cluster = whole;
	json_array_foreach(desired, i, obj)
		if (scopes)
			gt_scopes_learn(scopes, obj);
	json_array_foreach(desired, i, obj) {
		struct gt_ref ref;
		const char *why;
		if (r < 0 || whole || gt_obj_ref(obj, &ref, &why) < 0)
			continue;
		char *type = gt_kube_type_name_new(ref.group, ref.kind);
		if (!type)
			r = -1;
		else if (gt_scopes_is_cluster(scopes, ref.group, ref.kind))
			r = scope_add(&sc->cluster_kinds, type);
		else if ((r = scope_add(&sc->kinds, type)) == 0)
			r = scope_add(&sc->namespaces, *ref.namespace ? ref.namespace : o->default_namespace ? o->default_namespace : "default");
		free(type);
	}
	gt_scopes_free(scopes);
	if (r < 0)
		return gt_error("out of memory"), -1;
	sc->scope.namespaces = sc->namespaces.v, sc->scope.n_namespaces = sc->namespaces.n;
	sc->scope.kinds = sc->kinds.v, sc->scope.n_kinds = sc->kinds.n;
	sc->scope.cluster_kinds = sc->cluster_kinds.v, sc->scope.n_cluster_kinds = sc->cluster_kinds.n;
	return 0;
}

/* The live objects named in desired (one read), with o->app every object it tracks too; one array, no repeats. */
static enum gt_exit fetch_live(const struct gt_diff_opts *o, const struct gt_kube_opts *k, unsigned flags,
			       unsigned budget_s, const json_t *desired, json_t **live)
{
	size_t n = json_array_size(desired);
	json_t **objs = calloc(n ? n : 1, sizeof(*objs)), **got = calloc(n ? n : 1, sizeof(*got));
	json_t *index = json_object(), *tracked = NULL, *obj;
	unsigned read_flags = (flags & GT_DIFF_MANAGED_FIELDS ? GT_KUBE_MANAGED_FIELDS : 0);
	*live = json_array();
	int r = objs && got && index && *live ? 0 : -1;
	if (r < 0)
		gt_error("out of memory");
	for (size_t i = 0; r == 0 && i < n; i++)
		objs[i] = json_array_get(desired, i);
	if (r == 0)
		r = gt_kube_read(k, objs, n,
				 read_flags | (flags & GT_DIFF_BY_NAME ? GT_KUBE_BY_NAME : 0) |
					 (flags & GT_DIFF_FORBIDDEN_OK ? GT_KUBE_FORBIDDEN_OK : 0),
				 budget_s, got, NULL);
	for (size_t i = 0; got && i < n; i++) {
		if (got[i] && r == 0)
			live_add(*live, index, got[i]);
		json_decref(got[i]);
	}
	if (r == 0 && o->app) {
		struct gt_strbuf selector = { 0 };
		struct app_scope sc = { 0 };
		if (o->tracking == GT_TRACKING_LABEL)
			r = gt_strbuf_addf(&selector, "%s=%s", GT_INSTANCE_LABEL, o->app);
		if (r == 0)
			r = app_scope_of(o, desired, flags & GT_DIFF_WHOLE_CLUSTER, &sc);
		if (r == 0)
			r = gt_kube_list(k, &sc.scope, selector.s, read_flags | GT_KUBE_FORBIDDEN_OK, &tracked);
		app_scope_clear(&sc);
		gt_strbuf_release(&selector);
	}
	size_t i;
	json_array_foreach(tracked, i, obj)
		if (gt_diff_tracked_by(o, obj))
			live_add(*live, index, obj);
	json_array_foreach(*live, i, obj)
		if (!(flags & GT_DIFF_MANAGED_FIELDS))
			gt_diff_strip_live(obj);
	json_decref(tracked);
	json_decref(index);
	free(objs);
	free(got);
	if (r < 0)
		json_decref(*live), *live = NULL;
	return r < 0 ? GT_EXIT_REMOTE : GT_EXIT_OK;
}

/* The server's dry-run answer for the desired objects that exist, as each pair's predicted object. */
static enum gt_exit predict(const struct gt_diff_opts *o, const struct gt_kube_opts *k, struct gt_pairs *p)
{
	json_t *existing = json_array(), *answer = NULL;
	for (size_t i = 0; i < p->n; i++)
		if (p->items[i].desired && p->items[i].live)
			json_array_append(existing, p->items[i].desired);
	int r = json_array_size(existing) ? gt_kube_dry_run_apply(k, existing, &answer) : 0;
	if (r > 0)
		gt_warn("the server refused the dry run (above): comparing with the live objects offline");
	else if (r == 0 && answer)
		gt_pairs_set_predicted(p, o, answer);
	json_decref(existing);
	json_decref(answer);
	return r < 0 ? GT_EXIT_REMOTE : GT_EXIT_OK;
}

/* Does some desired object leave its namespace to kubectl? */
static bool any_without_namespace(const json_t *desired)
{
	size_t i;
	json_t *obj;
	json_array_foreach(desired, i, obj) {
		struct gt_ref ref;
		const char *why;
		if (gt_obj_ref(obj, &ref, &why) == 0 && !*ref.namespace &&
		    !gt_kind_is_cluster_scoped_builtin(ref.group, ref.kind))
			return true;
	}
	return false;
}

enum gt_exit gt_diff_cluster_pairs(const struct gt_diff_opts *opts, const struct gt_kube_opts *k, unsigned flags,
				   unsigned budget_s, const json_t *desired, struct gt_pairs *out)
{
	/* kubectl puts objects without a namespace in its context's: pair them there too, or a live
	 * object would look extra (and prunable) and its desired twin new */
	struct gt_diff_opts copy = *opts, *o = &copy;
	char *ns = NULL;
	json_t *live = NULL;
	memset(out, 0, sizeof(*out));
	if (!o->default_namespace && any_without_namespace(desired)) {
		if (gt_kube_context_namespace(k, &ns) < 0)
			return GT_EXIT_REMOTE;
		o->default_namespace = ns;
	}
	enum gt_exit rc = fetch_live(o, k, flags, budget_s, desired, &live);
	if (rc == GT_EXIT_OK)
		rc = gt_diff_match(o, desired, live, out);
	if (rc == GT_EXIT_OK && (flags & GT_DIFF_DRY_RUN))
		rc = predict(o, k, out);
	if (rc != GT_EXIT_OK)
		gt_pairs_free(out);
	json_decref(live);
	free(ns);
	return rc;
}

enum gt_exit gt_diff_cluster(const struct gt_diff_opts *o, const struct gt_kube_opts *k, unsigned flags,
			     const json_t *desired, gt_change_fn fn, void *ctx, struct gt_diff_stats *st)
{
	struct gt_pairs p;
	enum gt_exit rc = gt_diff_cluster_pairs(o, k, flags, 0, desired, &p);
	if (rc == GT_EXIT_OK)
		rc = gt_diff_pairs(o, &p, fn, ctx, st);
	gt_pairs_free(&p);
	return rc;
}
