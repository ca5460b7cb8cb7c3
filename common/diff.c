/* diff: desired vs live, object by object, as Argo CD's default diff sees it
 * (docs/argocd-formats.md, Diff): noise stripped, fields the manifest does not set ignored
 * unless it once set them, ignore rules, Secret values masked, an RFC 6902 patch. */
#include "diff.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "mergekeys.h"
#include "stream.h"

#define LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"
#define TRACKING_ID "argocd.argoproj.io/tracking-id"
#define INSTANCE_LABEL "app.kubernetes.io/instance"
#define COMPARE_OPTIONS "argocd.argoproj.io/compare-options"
#define MASK_FIRST 8 /* Argo CD: "++++++++", then 4 more per distinct value */
#define MASK_STEP 4

/* ---- normalisation ------------------------------------------------------------------------------ */

static bool is_core(const json_t *obj, const char *kind)
{
	const char *api = json_string_value(json_object_get(obj, "apiVersion"));
	const char *k = json_string_value(json_object_get(obj, "kind"));
	return api && k && !strcmp(api, "v1") && !strcmp(k, kind);
}

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
		del_and_prune(meta, "annotations", LAST_APPLIED);
	}
	return c;
}

void gt_diff_strip_live(json_t *live)
{
	json_t *meta = json_object_get(live, "metadata");
	if (json_is_object(meta))
		json_object_del(meta, "managedFields");
}

/* Kubernetes drops nulls from maps an apply sends: a field set to null is a field not set. */
static void drop_nulls(json_t *v)
{
	const char *k;
	json_t *c;
	void *tmp;
	size_t i;
	if (json_is_object(v)) {
		json_object_foreach_safe(v, tmp, k, c) {
			if (json_is_null(c))
				json_object_del(v, k);
			else
				drop_nulls(c);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c) drop_nulls(c);
	}
}

static char *base64_new(const char *s, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)s[i + 2];
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		*o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? tab[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

/* Argo CD's Secret normaliser: stringData folded into data (base64), nil values become "". */
static void secret_fold(json_t *obj)
{
	if (!is_core(obj, "Secret"))
		return;
	json_t *sd = json_object_get(obj, "stringData");
	json_t *data = json_object_get(obj, "data");
	if (json_is_object(sd) && json_object_size(sd) > 0) {
		if (!json_is_object(data)) {
			data = json_object();
			json_object_set_new(obj, "data", data);
		}
		const char *k;
		json_t *v;
		json_object_foreach(sd, k, v) {
			const char *s = json_is_string(v) ? json_string_value(v) : "";
			char *b = base64_new(s, json_is_string(v) ? json_string_length(v) : 0);
			if (b)
				json_object_set_new(data, k, json_string(b));
			free(b);
		}
	}
	json_object_del(obj, "stringData");
	if (json_is_object(data)) {
		const char *k;
		json_t *v;
		json_object_foreach(data, k, v) {
			if (json_is_null(v))
				json_object_set_new(data, k, json_string(""));
		}
	}
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
	const char *k;
	json_t *c;
	void *tmp;
	size_t i;
	if (json_is_object(v)) {
		json_object_foreach_safe(v, tmp, k, c) {
			if (json_is_null(c) || (json_is_array(c) && json_array_size(c) == 0))
				json_object_del(v, k);
			else
				drop_empty_lists(c);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c) drop_empty_lists(c);
	}
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

/* The parsed last-applied annotation of obj (new reference), or NULL. */
static json_t *last_applied_new(const json_t *obj)
{
	const char *s = gt_obj_annotation(obj, LAST_APPLIED);
	if (!s)
		return NULL;
	json_t *v = json_loads(s, 0, NULL);
	if (!json_is_object(v))
		json_decref(v), v = NULL;
	return v;
}

/* ---- Secret masking (GE diff.HideSecretData) ------------------------------------------------------ */

static bool listed(const char *const *keys, const char *k)
{
	for (size_t i = 0; keys && keys[i]; i++)
		if (!strcmp(keys[i], k))
			return true;
	return false;
}

/* Mask the values of objs[0..n) in place, per key, first come first masked: their data, or with
 * annotations, the metadata.annotations listed there (last-applied aside: it is masked whole). */
static void mask_values(json_t **objs, size_t n, const char *const *annotations)
{
	json_t *keys = json_object(); /* key -> {value -> mask} */
	for (size_t i = 0; i < n; i++) {
		json_t *map = annotations ? json_object_get(json_object_get(objs[i], "metadata"), "annotations")
					  : json_object_get(objs[i], "data");
		const char *k;
		json_t *v;
		json_object_foreach(map, k, v) {
			if (annotations && (!listed(annotations, k) || !strcmp(k, LAST_APPLIED)))
				continue;
			json_t *seen = json_object_get(keys, k);
			if (!seen) {
				seen = json_object();
				json_object_set_new(keys, k, seen);
			}
			const char *val = json_is_string(v) ? json_string_value(v) : "";
			json_t *mask = json_object_get(seen, val);
			if (!mask) {
				size_t len = MASK_FIRST + MASK_STEP * json_object_size(seen);
				char *m = malloc(len + 1);
				if (!m)
					continue;
				memset(m, '+', len);
				m[len] = '\0';
				mask = json_string(m);
				free(m);
				json_object_set_new(seen, val, mask);
			}
			json_object_set(map, k, mask); /* replacing the value keeps the iteration valid */
		}
	}
	json_decref(keys);
}

/* Mask objs (Secrets among them; NULLs skipped) together with the last-applied state each embeds:
 * data always, the annotations listed in annotations (NULL-terminated, may be NULL) too. */
static void mask_secrets(json_t **objs, size_t n, const char *const *annotations)
{
	json_t *all[16];
	json_t *la[8] = { NULL };
	size_t m = 0;
	for (size_t i = 0; i < n && i < 8; i++) {
		if (!objs[i] || !is_core(objs[i], "Secret"))
			continue;
		secret_fold(objs[i]);
		all[m++] = objs[i];
	}
	/* Argo CD's order: target, live, then the last-applied ("orig") states. */
	for (size_t i = 0; i < n && i < 8; i++) {
		if (!objs[i] || !is_core(objs[i], "Secret") || !gt_obj_annotation(objs[i], LAST_APPLIED))
			continue;
		la[i] = last_applied_new(objs[i]);
		if (la[i]) {
			secret_fold(la[i]);
			all[m++] = la[i];
		}
	}
	mask_values(all, m, NULL);
	if (annotations)
		mask_values(all, m, annotations);
	for (size_t i = 0; i < n && i < 8; i++) {
		if (!objs[i] || !is_core(objs[i], "Secret") || !gt_obj_annotation(objs[i], LAST_APPLIED))
			continue;
		char *s = la[i] && !listed(annotations, LAST_APPLIED) ? json_dumps(la[i], JSON_COMPACT) : NULL;
		gt_obj_set_annotation(objs[i], LAST_APPLIED, s ? s : "++++++++");
		free(s);
		json_decref(la[i]);
	}
}

void gt_secret_mask(json_t *desired, json_t *live)
{
	json_t *objs[2] = { desired, live };
	mask_secrets(objs, 2, NULL);
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

static const char *default_ns(const struct gt_diff_opts *o)
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
	secret_fold(obj);
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
		json_t *la = last_applied_new(live);
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

static json_t *change_new(const struct gt_diff_opts *o, const json_t *desired, const json_t *live,
			  const json_t *predicted, int cluster);

json_t *gt_change_new(const struct gt_diff_opts *o, const json_t *desired, const json_t *live, const json_t *predicted)
{
	return change_new(o, desired, live, predicted, -1);
}

/* gt_change_new with the scope known from the pairing (cluster 0 or 1), or -1 to work it out. */
static json_t *change_new(const struct gt_diff_opts *o, const json_t *desired, const json_t *live,
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
		ns = default_ns(o);
	if (!ns)
		ns = "";

	/* Only Secrets are masked in place; everything else is shared with the input, not copied. */
	bool masking = !o->show_secrets && is_core(desired ? desired : live, "Secret");
	json_t *d = !desired ? NULL : masking ? json_deep_copy(desired) : json_incref((json_t *)desired);
	json_t *l = live ? record_live_new(live, masking) : NULL;

	enum gt_action action = !live ? GT_ACTION_CREATE : !desired ? GT_ACTION_DELETE : GT_ACTION_UPDATE;
	json_t *patch = NULL, *target = NULL, *base = NULL;
	if (action == GT_ACTION_UPDATE)
		comparable(o, &ref, desired, live, predicted, cluster, &target, &base);
	if (masking) {
		json_t *objs[4] = { target, d, l, base };
		mask_secrets(objs, 4, o->mask_annotations);
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
	if (!c || !made) {
		json_decref(c);
		gt_error("out of memory");
		return NULL;
	}
	return c;
}

/* A mask is a run of 8, 12, 16 ... '+' (no base64 value looks like that: '+' runs end in '=' or letters). */
static bool is_mask(const json_t *v)
{
	const char *s = json_string_value(v);
	size_t n = json_is_string(v) ? json_string_length(v) : 0;
	if (n < MASK_FIRST || (n - MASK_FIRST) % MASK_STEP)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '+')
			return false;
	return true;
}

bool gt_change_masked(const json_t *change)
{
	const json_t *objs[2] = { gt_change_desired(change), gt_change_live(change) };
	for (size_t i = 0; i < 2; i++) {
		if (!objs[i] || !is_core(objs[i], "Secret"))
			continue;
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(objs[i], "data"), k, v) {
			if (is_mask(v))
				return true;
		}
	}
	return false;
}

/* ---- whole streams ------------------------------------------------------------------------------------ */

size_t gt_diff_differences(const struct gt_diff_stats *st)
{
	return st->create + st->update + st->delete - st->ignored;
}

void gt_pairs_free(struct gt_pairs *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		json_decref(p->items[i].desired);
		json_decref(p->items[i].live);
		json_decref(p->items[i].predicted);
	}
	free(p->items);
	p->items = NULL;
	p->n = 0;
}

/* "group/kind/namespace/name" into buf (a new string); NULL on no memory. */
static char *key_new(const struct gt_ref *ref, const char *ns)
{
	struct gt_ref r = *ref;
	r.namespace = ns;
	return gt_ref_key_new(&r);
}

/* Index live objects by identity: key -> position. GT_EXIT_INPUT on a duplicate or invalid one. */
static enum gt_exit index_live(const json_t *live, json_t *index)
{
	size_t i;
	json_t *obj;
	json_array_foreach(live, i, obj) {
		struct gt_ref ref;
		const char *why = NULL;
		if (gt_obj_ref(obj, &ref, &why) < 0 || !*ref.name) {
			gt_error("live object %zu: %s", i + 1, why ? why : "metadata.name is missing");
			return GT_EXIT_INPUT;
		}
		char *key = key_new(&ref, ref.namespace);
		if (!key)
			return gt_error("out of memory"), GT_EXIT_INPUT;
		if (json_object_get(index, key)) {
			gt_error("live: %s appears twice", key);
			free(key);
			return GT_EXIT_INPUT;
		}
		json_object_set_new(index, key, json_integer((json_int_t)i));
		free(key);
	}
	return GT_EXIT_OK;
}

/* The label Argo CD's label tracking sets: the app name as it is (Kubernetes refuses one over 63). */
static bool labelled_by(const char *app, const json_t *live)
{
	const json_t *labels = json_object_get(json_object_get(live, "metadata"), "labels");
	const char *v = json_string_value(json_object_get(labels, INSTANCE_LABEL));
	return v && !strcmp(v, app);
}

/* Is live one of o->app's top-level objects (Argo CD prunes only those)? With the annotation: it
 * names the app and the object itself (a copied annotation does not count); with the label: any. */
bool gt_diff_tracked_by(const struct gt_diff_opts *o, const json_t *live)
{
	const char *app = o->app;
	if (json_array_size(json_object_get(json_object_get(live, "metadata"), "ownerReferences")) > 0)
		return false;
	if (o->tracking == GT_TRACKING_LABEL)
		return labelled_by(app, live);
	const char *id = gt_obj_annotation(live, TRACKING_ID);
	struct gt_ref ref;
	const char *why;
	size_t n = strlen(app);
	if (!id || strncmp(id, app, n) || id[n] != ':' || gt_obj_ref(live, &ref, &why) < 0)
		return false;
	char *self = gt_tracking_id_new(app, &ref, NULL);
	bool ok = self && !strcmp(id, self);
	if (!ok && self && !*ref.namespace) {
		/* cluster-scoped objects carry the app's destination namespace in their id */
		const char *rest = id + n + 1;
		size_t gl = strlen(ref.group), kl = strlen(ref.kind);
		if (!strncmp(rest, ref.group, gl) && rest[gl] == '/' && !strncmp(rest + gl + 1, ref.kind, kl) &&
		    rest[gl + 1 + kl] == ':') {
			const char *slash = strchr(rest + gl + kl + 2, '/');
			ok = slash && !strcmp(slash + 1, ref.name);
		}
	}
	free(self);
	return ok;
}

static int pairs_push(struct gt_pairs *p, size_t *cap, const json_t *desired, const json_t *live)
{
	if (GT_GROW(p->items, *cap, p->n + 1) < 0)
		return gt_error("out of memory"), -1;
	bool cluster = false;
	struct gt_ref ref;
	if (!desired && gt_obj_ref(live, &ref, NULL) == 0)
		cluster = !*ref.namespace;
	p->items[p->n++] = (struct gt_pair){ json_incref((json_t *)desired), json_incref((json_t *)live), NULL, cluster };
	return 0;
}

/* Scope by the sources in order: what the pairing learned (CRDs in desired, live objects), o->scopes,
 * the tables of obj.h. */
static bool pair_cluster(const struct gt_diff_opts *o, const struct gt_scopes *scopes, const struct gt_ref *ref)
{
	int known = gt_scopes_lookup(scopes, ref->group, ref->kind);
	if (known < 0)
		known = gt_scopes_lookup(o->scopes, ref->group, ref->kind);
	return known >= 0 ? known == 1
			  : gt_kind_is_cluster_scoped_builtin(ref->group, ref->kind) ||
				    gt_kind_is_cluster_scoped_well_known(ref->group, ref->kind);
}

/* A live object from a cluster has a namespace exactly when its kind is namespaced: what discovery says. */
static void learn_live_scopes(struct gt_scopes *scopes, const json_t *live)
{
	size_t i;
	json_t *obj;
	json_array_foreach(live, i, obj) {
		struct gt_ref ref;
		if (!gt_is_record(obj) && gt_obj_ref(obj, &ref, NULL) == 0)
			gt_scopes_set(scopes, ref.group, ref.kind, !*ref.namespace);
	}
}

/* The live position matching desired, or -1; scopes decide whether a missing namespace means the default. */
static long find_live(const struct gt_diff_opts *o, bool cluster, const json_t *index, const struct gt_ref *ref,
		      char **key_out)
{
	const char *ns = cluster ? "" : *ref->namespace ? ref->namespace : default_ns(o);
	char *key = key_new(ref, ns);
	json_t *at = key ? json_object_get(index, key) : NULL;
	if (!at && key && !cluster && !*ref->namespace) {
		/* an unknown kind without a namespace may be cluster-scoped: the live side knows */
		char *k2 = key_new(ref, "");
		at = k2 ? json_object_get(index, k2) : NULL;
		free(k2);
	}
	*key_out = key;
	return at ? (long)json_integer_value(at) : -1;
}

enum gt_exit gt_diff_match(const struct gt_diff_opts *o, const json_t *desired, const json_t *live, struct gt_pairs *out)
{
	size_t cap = 0, i, nl = json_array_size(live);
	json_t *index = json_object(), *seen = json_object(), *obj;
	bool *matched = calloc(nl ? nl : 1, sizeof(bool));
	struct gt_scopes *scopes = gt_scopes_new();
	enum gt_exit rc = !index || !seen || !matched || !scopes ? GT_EXIT_INPUT : index_live(live, index);
	out->items = NULL;
	out->n = 0;
	if (o->mode == GT_DIFF_LIVE)
		learn_live_scopes(scopes, live);
	json_array_foreach(desired, i, obj) gt_scopes_learn(scopes, obj);
	json_array_foreach(desired, i, obj) {
		struct gt_ref ref;
		const char *why = NULL;
		if (rc != GT_EXIT_OK)
			break;
		if (gt_obj_validate(obj, &why) < 0 || gt_obj_ref(obj, &ref, &why) < 0) {
			gt_error("desired object %zu: %s", i + 1, why);
			rc = GT_EXIT_INPUT;
			break;
		}
		long at = -1;
		bool cluster = pair_cluster(o, scopes, &ref);
		if (*ref.name) { /* generateName alone: a new object each time, never a match */
			char *key = NULL;
			at = find_live(o, cluster, index, &ref, &key);
			if (key && json_object_get(seen, key)) {
				gt_error("desired: %s appears twice", key);
				rc = GT_EXIT_INPUT;
			}
			if (key)
				json_object_set_new(seen, key, json_true());
			free(key);
			if (at >= 0 && matched[at] && rc == GT_EXIT_OK) {
				gt_error("desired: two objects match the live %s/%s", ref.kind, ref.name);
				rc = GT_EXIT_INPUT;
			}
		}
		if (at >= 0)
			matched[at] = true;
		if (rc == GT_EXIT_OK && pairs_push(out, &cap, obj, at >= 0 ? json_array_get(live, (size_t)at) : NULL) < 0)
			rc = GT_EXIT_INPUT;
		if (rc == GT_EXIT_OK)
			out->items[out->n - 1].cluster = cluster;
	}
	for (i = 0; rc == GT_EXIT_OK && i < nl; i++) {
		obj = json_array_get(live, i);
		if (matched[i] || gt_is_record(obj))
			continue;
		if (o->mode == GT_DIFF_REVISIONS || (o->app && gt_diff_tracked_by(o, obj)))
			if (pairs_push(out, &cap, NULL, obj) < 0)
				rc = GT_EXIT_INPUT;
	}
	if (rc != GT_EXIT_OK)
		gt_pairs_free(out);
	gt_scopes_free(scopes);
	free(matched);
	json_decref(index);
	json_decref(seen);
	return rc;
}

void gt_pairs_set_predicted(struct gt_pairs *p, const struct gt_diff_opts *o, const json_t *answer)
{
	(void)o;
	json_t *index = json_object();
	if (!index || index_live(answer, index) != GT_EXIT_OK) {
		json_decref(index);
		return;
	}
	for (size_t i = 0; i < p->n; i++) {
		struct gt_ref ref;
		const char *why;
		if (!p->items[i].live || !p->items[i].desired || gt_obj_ref(p->items[i].live, &ref, &why) < 0)
			continue;
		char *key = key_new(&ref, ref.namespace);
		json_t *at = key ? json_object_get(index, key) : NULL;
		if (at) {
			json_decref(p->items[i].predicted);
			p->items[i].predicted = json_incref(json_array_get(answer, (size_t)json_integer_value(at)));
		}
		free(key);
	}
	json_decref(index);
}

static void count(struct gt_diff_stats *st, const json_t *change)
{
	switch (gt_change_action(change)) {
	case GT_ACTION_CREATE:
		st->create++;
		break;
	case GT_ACTION_UPDATE:
		st->update++;
		break;
	case GT_ACTION_DELETE:
		st->delete++;
		if (gt_change_ignored(change))
			st->ignored++;
		break;
	default:
		st->unchanged++;
	}
}

enum gt_exit gt_diff_pairs(const struct gt_diff_opts *o, const struct gt_pairs *p, gt_change_fn fn, void *ctx,
			   struct gt_diff_stats *st)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct gt_pair *pr = &p->items[i];
		json_t *c = change_new(o, pr->desired, pr->live, pr->predicted, pr->cluster);
		if (!c)
			return GT_EXIT_INPUT;
		if (st)
			count(st, c);
		int r = fn ? fn(ctx, c) : 0;
		json_decref(c);
		if (r < 0)
			return GT_EXIT_INPUT;
	}
	return GT_EXIT_OK;
}

enum gt_exit gt_diff_sets(const struct gt_diff_opts *o, const json_t *desired, const json_t *live, gt_change_fn fn,
			  void *ctx, struct gt_diff_stats *st)
{
	struct gt_pairs p;
	enum gt_exit rc = gt_diff_match(o, desired, live, &p);
	if (rc == GT_EXIT_OK)
		rc = gt_diff_pairs(o, &p, fn, ctx, st);
	gt_pairs_free(&p);
	return rc;
}

/* ---- cluster mode: compare desired with the cluster ------------------------------------------------ */

/* Append obj to live unless an object of its identity is there already (index: identity keys seen). */
static void live_add(json_t *live, json_t *index, json_t *obj)
{
	struct gt_ref ref;
	const char *why;
	char *key = gt_obj_ref(obj, &ref, &why) == 0 ? key_new(&ref, ref.namespace) : NULL;
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
			r = gt_strbuf_addf(&selector, "%s=%s", INSTANCE_LABEL, o->app);
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
