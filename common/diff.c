/* diff: whole streams of desired and live objects: paired by identity, the app's tracked objects
 * found among the live ones, and the Change of each pair (change.c) counted and handed on. */
#include "diff.h"

#include <stdlib.h>
#include <string.h>

#include "stream.h"
#include "vec.h"

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
	const char *v = json_string_value(json_object_get(labels, GT_INSTANCE_LABEL));
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
	const char *id = gt_obj_annotation(live, GT_TRACKING_ID);
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
	const char *ns = cluster ? "" : *ref->namespace ? ref->namespace : gt_diff_default_namespace(o);
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
	if (gt_change_hook(change)) {
		st->hooks++;
		return;
	}
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
		json_t *c = gt_change_new_scoped(o, pr->desired, pr->live, pr->predicted, pr->cluster);
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
