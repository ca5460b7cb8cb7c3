/* change: one desired object against its live one, as Argo CD's default diff sees it
 * (docs/argocd-formats.md, Diff): noise stripped, fields the manifest does not set ignored
 * unless it once set them, ignore rules, Secret values masked (secretmask.h), an RFC 6902 patch;
 * the result is the object's Change record. */
#include "diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mergekeys.h"
#include "secretmask.h"
#include "vec.h"

#define COMPARE_OPTIONS "argocd.argoproj.io/compare-options"

/* ---- normalisation ------------------------------------------------------------------------------ */

/* Drop key from the map at obj[m] and the map itself when that empties it. */
static void del_and_prune(json_t *parent, const char *m, const char *key)
{
	json_t *map = json_object_get(parent, m);
	if (!json_is_object(map) || json_object_del(map, key) < 0)
		return;
	if (json_object_size(map) == 0)
		json_object_del(parent, m);
}

json_t *gt_diff_normalize_new(const json_t *obj)
{
	static const char *const noise[] = { "managedFields", "resourceVersion", "uid", "generation",
					     "creationTimestamp", "selfLink" };
	json_t *c = json_deep_copy(obj);
	if (!json_is_object(c))
		return c;
	json_object_del(c, "status");
	json_t *meta = json_object_get(c, "metadata");
	if (json_is_object(meta)) {
		for (size_t i = 0; i < sizeof(noise) / sizeof(noise[0]); i++)
			json_object_del(meta, noise[i]);
		del_and_prune(meta, "annotations", GT_LAST_APPLIED);
	}
	return c;
}

void gt_diff_strip_live(json_t *live)
{
	json_t *meta = json_object_get(live, "metadata");
	if (json_is_object(meta))
		json_object_del(meta, "managedFields");
}

/* Drop, from every map in v, the fields that are null (and, with empty_lists, the ones that are []). */
static void drop_no_values(json_t *v, bool empty_lists)
{
	const char *k;
	json_t *c;
	void *tmp;
	size_t i;
	if (json_is_object(v)) {
		json_object_foreach_safe(v, tmp, k, c) {
			if (json_is_null(c) || (empty_lists && json_is_array(c) && json_array_size(c) == 0))
				json_object_del(v, k);
			else
				drop_no_values(c, empty_lists);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c) drop_no_values(c, empty_lists);
	}
}

/* Kubernetes drops nulls from maps an apply sends: a field set to null is a field not set. */
static void drop_nulls(json_t *v)
{
	drop_no_values(v, false);
}

/* ---- projection: live as the manifest sees it ------------------------------------------------------ */

/* Where project() is inside the object: the merge-key table's name for its type (NULL: a kind the
 * table does not know, a custom resource, whose lists go by position as Argo CD's JSON merge patch
 * does) and the field path so far, as the table writes it ("spec.template.spec.containers[].env"). */
struct walk {
	const char *api, *kind;
	struct gt_strbuf path;
};

static json_t *project(const json_t *live, json_t *desired, const json_t *la, struct walk *w);

/* Two list elements naming different things (containers, env, volumes): the list was reordered or
 * something inserted; the live element is then compared whole, so the patch stays right. */
static bool other_named(const json_t *live, const json_t *desired)
{
	const char *a = json_string_value(json_object_get(live, "name"));
	const char *b = json_string_value(json_object_get(desired, "name"));
	return a && b && strcmp(a, b);
}

/* Descend into field key (NULL: into a list's elements) for the call, then come back. */
static json_t *project_at(const json_t *live, json_t *desired, const json_t *la, struct walk *w, const char *key)
{
	size_t len = w->path.len;
	int r = key ? gt_strbuf_addf(&w->path, "%s%s", len ? "." : "", key) : gt_strbuf_adds(&w->path, "[]");
	json_t *p = r < 0 ? json_incref((json_t *)live) : project(live, desired, la, w);
	if (r == 0)
		gt_strbuf_setlen(&w->path, len);
	return p;
}

/* A merge list's element key (the element itself for a list of scalars merged by value), or NULL. */
static const json_t *merge_key(const json_t *el, const char *first)
{
	if (!*first)
		return json_is_object(el) || json_is_array(el) ? NULL : el;
	const json_t *k = json_object_get(el, first);
	return k && !json_is_object(k) && !json_is_array(k) && !json_is_null(k) ? k : NULL;
}

/* Same element of a merge list: equal first keys, and equal other keys where both set them
 * (ports: containerPort, then protocol, which the server defaults). */
static bool same_element(const json_t *a, const json_t *b, const struct gt_mergekey *mk, const char *first)
{
	const json_t *ka = merge_key(a, first), *kb = merge_key(b, first);
	if (!ka || !kb || !gt_json_equal_value(ka, kb))
		return false;
	for (const char *k = strchr(mk->keys, ','); k; k = strchr(k + 1, ',')) {
		char name[128];
		size_t n = strcspn(k + 1, ",");
		if (n >= sizeof(name))
			continue;
		memcpy(name, k + 1, n);
		name[n] = '\0';
		const json_t *va = json_object_get(a, name), *vb = json_object_get(b, name);
		if (va && vb && !gt_json_equal_value(va, vb))
			return false;
	}
	return true;
}

/* The first element of list not yet used (used may be NULL) that is the same element as el; -1 if none. */
static long find_element(const json_t *list, const json_t *el, bool *used, const struct gt_mergekey *mk,
			 const char *first)
{
	size_t i;
	const json_t *v;
	json_array_foreach(list, i, v) if ((!used || !used[i]) && same_element(v, el, mk, first)) return (long)i;
	return -1;
}

/* Every element has its merge key: otherwise the list is compared by position. */
static bool all_keyed(const json_t *list, const char *first)
{
	size_t i;
	const json_t *v;
	json_array_foreach(list, i, v) if (!merge_key(v, first)) return false;
	return true;
}

/*
 * A list Kubernetes merges by key (patchStrategy merge: env and containers by name, ports by
 * containerPort, ...), as Argo CD's three-way strategic merge sees it: elements are paired by key,
 * in any order; a live element the manifest never set (injected by a webhook or controller) is
 * kept on both sides; one last-applied set and the manifest no longer does shows as removed.
 * desired is rearranged in place into live's order (its new elements last), so that the patch,
 * index by index, applies to the live object.
 */
static json_t *project_merge_list(const json_t *live, json_t *desired, const json_t *la, struct walk *w,
				  const struct gt_mergekey *mk, const char *first)
{
	size_t nd = json_array_size(desired), i;
	bool *used = calloc(nd ? nd : 1, sizeof(bool));
	json_t *base = json_array(), *target = json_array(), *v;
	if (!used || !base || !target) {
		free(used);
		json_decref(base);
		json_decref(target);
		return json_incref((json_t *)live);
	}
	json_array_foreach(live, i, v) {
		long j = find_element(desired, v, used, mk, first);
		long k = json_is_array(la) ? find_element(la, v, NULL, mk, first) : -1;
		const json_t *l = k >= 0 ? json_array_get(la, (size_t)k) : NULL; /* what last-applied said of it */
		if (j >= 0) {
			json_t *d = json_array_get(desired, (size_t)j);
			used[j] = true;
			json_array_append_new(base, project_at(v, d, l, w, NULL));
			json_array_append(target, d);
		} else {
			json_array_append(base, v);
			if (!l) /* not the manifest's: it stays */
				json_array_append(target, v);
		}
	}
	for (i = 0; i < nd; i++)
		if (!used[i])
			json_array_append(target, json_array_get(desired, i));
	json_array_clear(desired);
	json_array_extend(desired, target);
	json_decref(target);
	free(used);
	return base;
}

/* The merge-list entry for the list at w's path, or NULL (a list compared by position). */
static const struct gt_mergekey *merge_list_at(const struct walk *w)
{
	return w->api && w->path.len ? gt_mergekey_find(w->api, w->kind, w->path.s) : NULL;
}

/*
 * live restricted to what desired sets, plus what last-applied set (so a field
 * removed from the manifest shows as a removal): the live object as a 2-way/3-way
 * Argo CD diff sees it. Merge lists of built-in kinds pair elements by key (above);
 * other lists keep every live element, index by index.
 */
static json_t *project(const json_t *live, json_t *desired, const json_t *la, struct walk *w)
{
	if (json_is_object(live) && json_is_object(desired)) {
		json_t *p = json_object();
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)live, k, v) {
			json_t *d = json_object_get(desired, k);
			json_t *l = json_is_object(la) ? json_object_get(la, k) : NULL;
			if (d)
				json_object_set_new(p, k, project_at(v, d, l, w, k));
			else if (l)
				json_object_set(p, k, v);
		}
		return p;
	}
	if (json_is_array(live) && json_is_array(desired)) {
		const struct gt_mergekey *mk = merge_list_at(w);
		char first[128] = "";
		if (mk) {
			size_t n = strcspn(mk->keys, ",");
			if (n < sizeof(first))
				memcpy(first, mk->keys, n), first[n] = '\0';
			else
				mk = NULL;
		}
		if (mk && all_keyed(live, first) && all_keyed(desired, first))
			return project_merge_list(live, desired, la, w, mk, first);
		json_t *p = json_array();
		size_t i, nd = json_array_size(desired);
		json_t *v;
		json_array_foreach(live, i, v) {
			json_t *d = json_array_get(desired, i);
			if (i < nd && !other_named(v, d))
				json_array_append_new(p, project_at(v, d, json_is_array(la) ? json_array_get(la, i) : NULL,
								    w, NULL));
			else
				json_array_append(p, v);
		}
		return p;
	}
	return json_incref((json_t *)live);
}

/* ---- normalisation Argo CD does before comparing --------------------------------------------------- */

/* The apiVersion the merge-key table knows kind under: the object's own, else its group's v1
 * (apps/v1beta1 Deployment: apps/v1) or, for the old extensions group, where the kind moved. NULL: a
 * kind the table does not know (a custom resource). */
static const char *builtin_api(const json_t *obj, char *buf, size_t size)
{
	const char *api = json_string_value(json_object_get(obj, "apiVersion"));
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	if (!api || !kind)
		return NULL;
	if (gt_mergekey_kind_known(api, kind))
		return api;
	const char *slash = strchr(api, '/');
	if (!slash)
		return NULL;
	static const char *const moved[] = { "apps/v1", "networking.k8s.io/v1", "policy/v1" };
	snprintf(buf, size, "%.*s/v1", (int)(slash - api), api);
	if (gt_mergekey_kind_known(buf, kind))
		return buf;
	for (size_t i = 0; !strncmp(api, "extensions/", 11) && i < sizeof(moved) / sizeof(*moved); i++)
		if (gt_mergekey_kind_known(moved[i], kind))
			return snprintf(buf, size, "%s", moved[i]), buf;
	return NULL;
}

/* Built-in kinds: an empty list and null are no value. Argo CD decodes them into the Go types,
 * where omitempty drops both (and it reads a Role's empty rules as none), so `[]`, null and a
 * missing field are the same; custom resources keep `[]`. */
static void drop_empty_lists(json_t *v)
{
	drop_no_values(v, true);
}

/* An empty map in last-applied claims nothing: kubectl writes "annotations": {} there, and Argo CD
 * drops empty annotations before its three-way diff, so the controller's annotations stay unclaimed. */
static void drop_empty_maps(json_t *v)
{
	const char *k;
	json_t *c;
	void *tmp;
	json_object_foreach_safe(v, tmp, k, c) {
		if (!json_is_object(c))
			continue;
		drop_empty_maps(c);
		if (json_object_size(c) == 0)
			json_object_del(v, k);
	}
}

static bool is_role(const json_t *obj)
{
	const char *api = json_string_value(json_object_get(obj, "apiVersion"));
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	return api && kind && !strncmp(api, "rbac.authorization.k8s.io/", 26) &&
	       (!strcmp(kind, "ClusterRole") || !strcmp(kind, "Role"));
}

/* --ignore-aggregated-roles: a ClusterRole (or Role) with an aggregationRule has its rules filled in
 * by the controller, so they are not compared (Argo CD's ignoreAggregatedRoles). */
static void drop_aggregated_rules(json_t *obj)
{
	if (is_role(obj) && json_is_object(json_object_get(obj, "aggregationRule")))
		json_object_del(obj, "rules");
}

/* A role's rules are always compared (the Go type has no omitempty there): missing, null and []
 * are all "no rules" (Argo CD's normalizeRole), and against live rules they are a difference. */
static void role_rules(json_t *obj)
{
	json_t *rules = json_object_get(obj, "rules");
	if (is_role(obj) && (!rules || json_is_null(rules) || (json_is_array(rules) && !json_array_size(rules))))
		json_object_set_new(obj, "rules", json_array());
}

/* A cluster-scoped object has no namespace: one a chart writes there is not compared. */
static void drop_namespace(json_t *obj)
{
	json_t *meta = json_object_get(obj, "metadata");
	if (json_is_object(meta))
		json_object_del(meta, "namespace");
}

/* ---- one object ------------------------------------------------------------------------------------ */

/* compare-options lists IgnoreExtraneous (a comma list, as Argo CD reads it). */
static bool ignore_extraneous(const json_t *live)
{
	const char *v = gt_obj_annotation(live, COMPARE_OPTIONS);
	while (v && *v) {
		while (*v == ' ' || *v == ',')
			v++;
		size_t n = strcspn(v, ",");
		size_t t = n;
		while (t && v[t - 1] == ' ')
			t--;
		if (t == strlen("IgnoreExtraneous") && !strncmp(v, "IgnoreExtraneous", t))
			return true;
		v += n;
	}
	return false;
}

const char *gt_diff_default_namespace(const struct gt_diff_opts *o)
{
	return o->default_namespace && *o->default_namespace ? o->default_namespace : "default";
}

/* An empty map or list the manifest writes where live has nothing: the API server drops those
 * (omitempty), as Argo CD's remarshalling does, so it is no difference. */
static void drop_empty_absent(json_t *t, const json_t *l)
{
	const char *k;
	json_t *v;
	void *tmp;
	if (json_is_object(t)) {
		json_object_foreach_safe(t, tmp, k, v) {
			json_t *w = json_is_object(l) ? json_object_get(l, k) : NULL;
			bool empty = (json_is_object(v) && json_object_size(v) == 0) ||
				     (json_is_array(v) && json_array_size(v) == 0);
			if (empty && !w)
				json_object_del(t, k);
			else
				drop_empty_absent(v, w);
		}
	} else if (json_is_array(t) && json_is_array(l)) {
		size_t i;
		json_array_foreach(t, i, v) drop_empty_absent(v, json_array_get(l, i));
	}
}

/* Objects are paired by identity with a missing namespace read as the default: the same object. */
static void same_namespace(json_t *target, const json_t *base)
{
	json_t *tm = json_object_get(target, "metadata");
	json_t *ns = json_object_get(json_object_get(base, "metadata"), "namespace");
	const char *cur = json_string_value(json_object_get(tm, "namespace"));
	if (json_is_object(tm) && json_is_string(ns) && (!cur || !*cur))
		json_object_set(tm, "namespace", ns);
}

/* Argo CD's normalisation, the same on every side of the comparison (target, live, last-applied). */
static void normalize_side(const struct gt_diff_opts *o, const struct gt_ref *ref, json_t *obj, bool builtin,
			   bool cluster)
{
	if (!obj)
		return;
	gt_secret_fold(obj);
	if (cluster)
		drop_namespace(obj);
	if (o->ignore_aggregated_roles)
		drop_aggregated_rules(obj);
	if (builtin)
		drop_empty_lists(obj);
	role_rules(obj);
	gt_ignore_apply(o->ignore, ref, obj);
}

/* Comparable copies of desired/predicted (target) and live; ignore rules applied, projection done. */
static void comparable(const struct gt_diff_opts *o, const struct gt_ref *ref, const json_t *desired,
		       const json_t *live, const json_t *predicted, bool cluster, json_t **target, json_t **base)
{
	json_t *t = gt_diff_normalize_new(predicted ? predicted : desired);
	json_t *l = gt_diff_normalize_new(live);
	char buf[GT_GROUP_MAX + 8];
	struct walk w = { .api = builtin_api(predicted ? predicted : desired, buf, sizeof(buf)), .kind = ref->kind };
	drop_nulls(t);
	if (!cluster)
		same_namespace(t, l);
	normalize_side(o, ref, t, w.api, cluster);
	normalize_side(o, ref, l, w.api, cluster);
	if (o->mode == GT_DIFF_LIVE && !predicted) {
		drop_empty_absent(t, l);
		json_t *la = gt_obj_last_applied_new(live);
		if (la) {
			drop_nulls(la);
			normalize_side(o, ref, la, w.api, cluster);
			drop_empty_maps(la);
		}
		json_t *p = project(l, t, la, &w);
		gt_strbuf_release(&w.path);
		json_decref(l);
		json_decref(la);
		l = p;
	}
	*target = t;
	*base = l;
}

/* live for the record: without metadata.managedFields (noise, and often half the object); a deep
 * copy when it is to be masked, else copies of the two maps that change only. */
static json_t *record_live_new(const json_t *live, bool masking)
{
	json_t *l = masking ? json_deep_copy(live) : json_copy((json_t *)live);
	json_t *meta = json_object_get(l, "metadata");
	if (!json_is_object(meta) || !json_object_get(meta, "managedFields"))
		return l;
	if (!masking) {
		meta = json_copy(meta);
		json_object_set_new(l, "metadata", meta);
	}
	json_object_del(meta, "managedFields");
	return l;
}

/* {"op":"add","path":"","value":v} or {"op":"remove","path":""} as a one-op patch. */
static json_t *whole_patch(const json_t *v)
{
	json_t *op = v ? json_pack("{s:s, s:s, s:O}", "op", "add", "path", "", "value", v)
		       : json_pack("{s:s, s:s}", "op", "remove", "path", "");
	return op ? json_pack("[o]", op) : NULL;
}

/* Is the object of ref cluster-scoped? A live object says so by having no namespace (the server
 * gives every namespaced one its namespace); else the scope sources of o, then the built-in table. */
static bool cluster_scoped(const struct gt_diff_opts *o, const struct gt_ref *ref, const json_t *live)
{
	if (live) {
		const char *ns = json_string_value(json_object_get(json_object_get(live, "metadata"), "namespace"));
		return !ns || !*ns;
	}
	int known = gt_scopes_lookup(o->scopes, ref->group, ref->kind);
	return known >= 0 ? known == 1
			  : gt_kind_is_cluster_scoped_builtin(ref->group, ref->kind) ||
				    gt_kind_is_cluster_scoped_well_known(ref->group, ref->kind);
}

json_t *gt_change_new(const struct gt_diff_opts *o, const json_t *desired, const json_t *live, const json_t *predicted)
{
	return gt_change_new_scoped(o, desired, live, predicted, -1);
}

json_t *gt_change_new_scoped(const struct gt_diff_opts *o, const json_t *desired, const json_t *live,
			     const json_t *predicted, int cluster)
{
	struct gt_ref ref;
	const char *why = NULL;
	if ((!desired && !live) || gt_obj_ref(desired ? desired : live, &ref, &why) < 0) {
		gt_error("cannot compare: %s", why ? why : "no object");
		return NULL;
	}
	if (cluster < 0)
		cluster = cluster_scoped(o, &ref, live);
	const char *ns = cluster ? "" : ref.namespace[0] ? ref.namespace : "";
	if (!cluster && !*ns && live)
		ns = json_string_value(json_object_get(json_object_get(live, "metadata"), "namespace"));
	if (!cluster && (!ns || !*ns) && !live)
		ns = gt_diff_default_namespace(o);
	if (!ns)
		ns = "";

	/* Only Secrets are masked in place; everything else is shared with the input, not copied. */
	bool masking = !o->show_secrets && gt_secret_is(desired ? desired : live);
	json_t *d = !desired ? NULL : masking ? json_deep_copy(desired) : json_incref((json_t *)desired);
	json_t *l = live ? record_live_new(live, masking) : NULL;

	enum gt_action action = !live ? GT_ACTION_CREATE : !desired ? GT_ACTION_DELETE : GT_ACTION_UPDATE;
	json_t *patch = NULL, *target = NULL, *base = NULL;
	if (action == GT_ACTION_UPDATE)
		comparable(o, &ref, desired, live, predicted, cluster, &target, &base);
	if (masking) {
		json_t *objs[4] = { target, d, l, base };
		gt_secret_mask_all(objs, 4, o->mask_annotations);
	}
	if (action == GT_ACTION_UPDATE) {
		patch = gt_patch_new(base, target);
		if (patch && json_array_size(patch) == 0)
			action = GT_ACTION_UNCHANGED;
	} else {
		patch = whole_patch(d);
	}
	json_decref(target);
	json_decref(base);

	bool made = patch != NULL;
	ref.namespace = ns;
	json_t *c = gt_change_record_new(action, &ref, d, l, patch, action == GT_ACTION_DELETE && ignore_extraneous(live));
	/* against the cluster a hook is set aside, as Argo CD's comparison does; still written, for
	 * gitops-apply to run it. Between two renders it is a change a reviewer wants to see. */
	if (c && o->mode == GT_DIFF_LIVE && gt_obj_pair_is_hook(desired, live) &&
	    json_object_set_new(c, "hook", json_true()) < 0)
		made = false;
	if (!c || !made) {
		json_decref(c);
		gt_error("out of memory");
		return NULL;
	}
	return c;
}

bool gt_change_masked(const json_t *change)
{
	const json_t *objs[2] = { gt_change_desired(change), gt_change_live(change) };
	for (size_t i = 0; i < 2; i++) {
		if (!objs[i] || !gt_secret_is(objs[i]))
			continue;
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(objs[i], "data"), k, v) {
			if (gt_secret_is_mask(v))
				return true;
		}
	}
	return false;
}
