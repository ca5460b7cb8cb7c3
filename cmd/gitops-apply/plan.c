/* plan: read objects or Change records, compute the changes with the diff engine, put them in Argo CD's order. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply.h"
#include "stream.h"

#define TRACKING_ID "argocd.argoproj.io/tracking-id"
#define SYNC_OPTIONS "argocd.argoproj.io/sync-options"
#define HOOK_DELETE_POLICY "argocd.argoproj.io/hook-delete-policy"
#define HELM_HOOK_DELETE_POLICY "helm.sh/hook-delete-policy"

void item_set_message(struct item *it, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	free(it->message);
	it->message = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (it->message) {
		va_start(ap, fmt);
		vsnprintf(it->message, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
}

const char *phase_name(enum gt_phase ph)
{
	switch (ph) {
	case GT_PHASE_PRESYNC: return "PreSync";
	case GT_PHASE_SYNC: return "Sync";
	case GT_PHASE_POSTSYNC: return "PostSync";
	case GT_PHASE_SYNCFAIL: return "SyncFail";
	default: return "Skip";
	}
}

static void item_clear(struct item *it)
{
	json_decref(it->obj);
	json_decref(it->live);
	free(it->message);
	free(it->health);
}

void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		item_clear(&p->items[i]);
	for (size_t i = 0; i < p->n_prune; i++)
		item_clear(&p->prune[i]);
	free(p->items);
	free(p->prune);
	json_decref(p->passthrough);
	memset(p, 0, sizeof(*p));
}

/* A comma-separated annotation holds item (Argo CD trims spaces around each). */
static bool csv_has(const char *csv, const char *item)
{
	size_t n = strlen(item);
	for (const char *p = csv; p && *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		while (len && p[len - 1] == ' ')
			len--;
		if (len == n && !strncmp(p, item, n))
			return true;
		p = e;
	}
	return false;
}

/* BeforeHookCreation when none is given, as Argo CD does. */
static unsigned delete_policy_of(const json_t *obj)
{
	const char *argo = gt_obj_annotation(obj, HOOK_DELETE_POLICY), *helm = gt_obj_annotation(obj, HELM_HOOK_DELETE_POLICY);
	unsigned p = 0;
	if (csv_has(argo, "BeforeHookCreation") || csv_has(helm, "before-hook-creation"))
		p |= HOOK_BEFORE_CREATION;
	if (csv_has(argo, "HookSucceeded") || csv_has(helm, "hook-succeeded"))
		p |= HOOK_SUCCEEDED;
	if (csv_has(argo, "HookFailed") || csv_has(helm, "hook-failed"))
		p |= HOOK_FAILED;
	return p ? p : HOOK_BEFORE_CREATION;
}

static struct item *push_item(struct item **items, size_t *n, size_t *cap, json_t *obj, json_t *live)
{
	if (GT_GROW(*items, *cap, *n + 1) < 0)
		return gt_error("out of memory"), NULL;
	struct item *it = &(*items)[(*n)++];
	memset(it, 0, sizeof(*it));
	it->obj = json_incref(obj);
	it->live = json_incref(live);
	gt_obj_ref(it->obj, &it->ref, NULL);
	it->phase = gt_obj_phase(obj);
	it->wave = gt_obj_wave(obj);
	it->hook = gt_obj_is_hook(obj);
	it->delete_policy = it->hook ? delete_policy_of(obj) : 0;
	return it;
}

/* ---- owned fields: what our last apply set and desired no longer has ---- */

static bool fields_covered(const json_t *fields, const json_t *obj);

/* The element of list whose fields equal every field of key (a "k:{...}" set member). */
static const json_t *element_by_key(const json_t *list, const json_t *key)
{
	size_t i;
	const json_t *e;
	json_array_foreach(list, i, e) {
		const char *k;
		const json_t *v;
		bool all = json_is_object(e);
		json_object_foreach((json_t *)key, k, v)
			all = all && gt_json_equal_value(json_object_get(e, k), v);
		if (all)
			return e;
	}
	return NULL;
}

static bool member_covered(const char *k, const json_t *sub, const json_t *obj)
{
	if (!strcmp(k, "."))
		return true;
	if (!strncmp(k, "f:", 2)) {
		const json_t *child = json_is_object(obj) ? json_object_get(obj, k + 2) : NULL;
		return child && fields_covered(sub, child);
	}
	if (!strncmp(k, "i:", 2)) {
		size_t i = strtoul(k + 2, NULL, 10);
		return json_is_array(obj) && i < json_array_size(obj) && fields_covered(sub, json_array_get(obj, i));
	}
	bool is_key = !strncmp(k, "k:", 2), is_value = !strncmp(k, "v:", 2);
	if (!is_key && !is_value)
		return true; /* a form we do not know: assume covered rather than re-apply forever */
	json_t *want = json_loads(k + 2, JSON_DECODE_ANY, NULL);
	const json_t *e = NULL;
	bool ok = false;
	if (want && json_is_array(obj)) {
		if (is_key && json_is_object(want)) {
			e = element_by_key(obj, want);
			ok = e && fields_covered(sub, e);
		} else if (is_value) {
			size_t i;
			json_array_foreach(obj, i, e)
				ok = ok || gt_json_equal_value(e, want);
		}
	}
	json_decref(want);
	return ok;
}

/* Every field in a FieldsV1 tree exists in obj. */
static bool fields_covered(const json_t *fields, const json_t *obj)
{
	const char *k;
	const json_t *sub;
	json_object_foreach((json_t *)fields, k, sub)
		if (!member_covered(k, sub, obj))
			return false;
	return true;
}

/*
 * Server-side apply removes the fields a manager stops applying. The diff
 * engine ignores fields desired does not set (they may be defaults), so a
 * field removed from the manifests would look unchanged: managedFields say
 * which of them we set last time.
 */
static bool owned_field_dropped(const json_t *live, const json_t *desired, const char *manager)
{
	size_t i;
	const json_t *e;
	json_array_foreach(json_object_get(json_object_get(live, "metadata"), "managedFields"), i, e) {
		const char *m = json_string_value(json_object_get(e, "manager"));
		const char *op = json_string_value(json_object_get(e, "operation"));
		if (m && op && !strcmp(m, manager) && !strcmp(op, "Apply") && !json_object_get(e, "subresource") &&
		    !fields_covered(json_object_get(e, "fieldsV1"), desired))
			return true;
	}
	return false;
}

/* ---- input ---- */

struct input {
	json_t *desired; /* objects to compute changes for */
	json_t *changes; /* Change records, taken as given */
	json_t *records; /* identity of each Change record -> where it was read, for duplicates */
	struct at { const char *file; unsigned long line; } first_object, first_change; /* they must not mix */
};

static const char *shown(const char *file)
{
	return strcmp(file, "-") ? file : "<stdin>";
}

/*
 * Objects and Change records in one input are refused: records carry a plan
 * made against one desired set (its deletes included), objects another, and
 * no union of the two says which live objects are still desired.
 */
static int check_not_mixed(struct input *in, bool change, const char *file, const struct gt_where *w)
{
	struct at *mine = change ? &in->first_change : &in->first_object, *other = change ? &in->first_object : &in->first_change;
	if (!mine->file)
		*mine = (struct at){ file, w->line };
	if (!other->file)
		return 0;
	gt_error("%s:%lu: objects and Change records mixed in one input (the first %s at %s:%lu): pipe either the objects "
		 "(gitops-render) or gitops-diff's Change records, not both",
		 shown(file), w->line, change ? "object" : "Change record", shown(other->file), other->line);
	return -1;
}

/* Two records for one object (say an unchanged and a delete) would both be done: refused, naming both. */
static int check_change_unique(struct input *in, const json_t *change, const char *file, const struct gt_where *w)
{
	struct gt_ref ref;
	gt_record_ref(change, &ref, NULL); /* checked by gt_change_check */
	const char *f[4] = { ref.group, ref.kind, ref.namespace, ref.name };
	size_t n = strlen(f[0]) + strlen(f[1]) + strlen(f[2]) + strlen(f[3]) + 4;
	char *key = malloc(n);
	if (!key)
		return gt_error("out of memory"), -1;
	snprintf(key, n, "%s%s%s %s%s%s", f[0], *f[0] ? "/" : "", f[1], f[2], *f[2] ? "/" : "", f[3]);
	const json_t *prev = json_object_get(in->records, key);
	int r = 0;
	if (prev) {
		const char *pf = json_string_value(json_array_get(prev, 0));
		unsigned long pl = (unsigned long)json_integer_value(json_array_get(prev, 1));
		if (!strcmp(pf, file))
			gt_error("%s:%lu: a second Change record for %s (the first at line %lu)", shown(file), w->line, key, pl);
		else
			gt_error("%s:%lu: a second Change record for %s (the first at %s:%lu)", shown(file), w->line, key,
				 shown(pf), pl);
		r = -1;
	} else {
		json_object_set_new(in->records, key, json_pack("[sI]", file, (json_int_t)w->line));
	}
	free(key);
	return r;
}

/*
 * A hook with only generateName gets a name, as Argo CD names it:
 * generateName + "<phase>-<unix time of the sync>" (Argo CD puts the first 7
 * characters of the revision in front; a stream carries no revision).
 * Server-side apply needs a name, and BeforeHookCreation then never meets an old one.
 */
static int name_generated_hook(json_t *obj, time_t start)
{
	json_t *meta = json_object_get(obj, "metadata");
	const char *gen = json_string_value(json_object_get(meta, "generateName"));
	const char *name = json_string_value(json_object_get(meta, "name"));
	if (!gen || (name && *name) || !gt_obj_is_hook(obj))
		return 0;
	char buf[512], phase[16];
	snprintf(phase, sizeof(phase), "%s", phase_name(gt_obj_phase(obj)));
	for (char *c = phase; *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
	snprintf(buf, sizeof(buf), "%s%s-%lld", gen, phase, (long long)start);
	if (json_object_set_new(meta, "name", json_string(buf)) < 0)
		return gt_error("out of memory"), -1;
	json_object_del(meta, "generateName");
	return 0;
}

static enum gt_exit read_file(const struct apply_opts *o, const char *file, struct input *in, struct plan *p)
{
	time_t start = time(NULL);
	struct gt_stream *s = gt_stream_open(file, &o->lim);
	json_t *obj;
	struct gt_where w;
	int r;
	if (!s)
		return GT_EXIT_INPUT;
	while ((r = gt_stream_next(s, &obj, &w)) > 0) {
		const char *why = NULL;
		if (gt_is_change(obj) && gt_change_check(obj, &why) == 0) {
			if (check_not_mixed(in, true, file, &w) < 0 || check_change_unique(in, obj, file, &w) < 0) {
				json_decref(obj);
				r = -1;
				break;
			}
			json_array_append_new(in->changes, obj);
		} else if (gt_is_change(obj) || (!gt_is_record(obj) && gt_obj_validate(obj, &why) < 0)) {
			gt_error("%s:%lu: invalid %s: %s", w.file, w.line, gt_is_change(obj) ? "Change record" : "object", why);
			json_decref(obj);
			r = -1;
			break;
		} else if (gt_is_record(obj)) {
			json_array_append_new(p->passthrough, obj);
		} else if (check_not_mixed(in, false, file, &w) < 0 || name_generated_hook(obj, start) < 0) {
			json_decref(obj);
			r = -1;
			break;
		} else {
			json_array_append_new(in->desired, obj);
		}
	}
	gt_stream_close(s);
	return r < 0 ? GT_EXIT_INPUT : GT_EXIT_OK;
}

/* Every -f in turn, as one input (kubectl apply -f A -f B). */
static enum gt_exit read_input(const struct apply_opts *o, struct input *in, struct plan *p)
{
	enum gt_exit rc = GT_EXIT_OK;
	for (size_t i = 0; rc == GT_EXIT_OK && i < o->files.n; i++)
		rc = read_file(o, o->files.v[i], in, p);
	return rc;
}

/* --create-namespace: a Namespace for every namespace the objects go to that the stream does not declare. */
static void add_namespaces(json_t *desired, const json_t *changes)
{
	struct gt_scopes *scopes = gt_scopes_new();
	json_t *declared = json_object(), *wanted = json_object(), *all = json_array();
	size_t i;
	json_t *obj;
	json_array_extend(all, desired);
	json_array_foreach(changes, i, obj)
		if (gt_change_desired(obj))
			json_array_append(all, (json_t *)gt_change_desired(obj));
	json_array_foreach(all, i, obj)
		gt_scopes_learn(scopes, obj);
	json_array_foreach(all, i, obj) {
		struct gt_ref ref;
		if (gt_obj_ref(obj, &ref, NULL) < 0)
			continue;
		if (!*ref.group && !strcmp(ref.kind, "Namespace"))
			json_object_set_new(declared, ref.name, json_true());
		else if (*ref.namespace && !gt_scopes_is_cluster(scopes, ref.group, ref.kind))
			json_object_set_new(wanted, ref.namespace, json_true());
	}
	const char *ns;
	json_t *v;
	json_object_foreach(wanted, ns, v)
		if (!json_object_get(declared, ns))
			json_array_append_new(desired, json_pack("{s:s,s:s,s:{s:s}}", "apiVersion", "v1", "kind", "Namespace",
								 "metadata", "name", ns));
	gt_scopes_free(scopes);
	json_decref(declared);
	json_decref(wanted);
	json_decref(all);
}

/* Live objects for desired, plus with tracked every object that carries a tracking id. */
static enum gt_exit fetch_live(bool tracked, const struct gt_kube_opts *ko, unsigned budget, const json_t *desired,
			       json_t **live)
{
	size_t n = json_array_size(desired);
	json_t **objs = calloc(n ? n : 1, sizeof(*objs)), **got = calloc(n ? n : 1, sizeof(*got));
	char *why = NULL;
	*live = json_array();
	if (!objs || !got || !*live)
		return free(objs), free(got), gt_error("out of memory"), GT_EXIT_REMOTE;
	for (size_t i = 0; i < n; i++)
		objs[i] = json_array_get(desired, i);
	int r = gt_kube_get_batch(ko, objs, n, budget, got, &why);
	json_t *seen = json_object();
	for (size_t i = 0; i < n; i++) {
		struct gt_ref ref;
		char *key = got[i] && gt_obj_ref(got[i], &ref, NULL) == 0 ? gt_ref_key_new(&ref) : NULL;
		if (key && !json_object_get(seen, key)) {
			json_object_set_new(seen, key, json_true());
			json_array_append(*live, got[i]);
		}
		free(key);
		json_decref(got[i]);
	}
	free(objs);
	free(got);
	free(why);
	json_t *tracked_objs = NULL;
	if (r == 0 && tracked && gt_kube_list_annotated(ko, TRACKING_ID, &tracked_objs) < 0)
		r = -1;
	size_t i;
	json_t *t;
	json_array_foreach(tracked_objs, i, t) {
		struct gt_ref ref;
		char *key = gt_obj_ref(t, &ref, NULL) == 0 ? gt_ref_key_new(&ref) : NULL;
		if (key && !json_object_get(seen, key))
			json_array_append(*live, t);
		free(key);
	}
	json_decref(tracked_objs);
	json_decref(seen);
	return r < 0 ? GT_EXIT_REMOTE : GT_EXIT_OK;
}

/* The desired objects that exist, asked of the server as a dry-run apply (--server-side-diff). */
static enum gt_exit predict(const struct gt_kube_opts *ko, struct gt_pairs *pairs, const struct gt_diff_opts *dopts)
{
	json_t *existing = json_array(), *answer = NULL;
	for (size_t i = 0; i < pairs->n; i++)
		if (pairs->items[i].desired && pairs->items[i].live)
			json_array_append(existing, pairs->items[i].desired);
	int r = json_array_size(existing) ? gt_kube_dry_run_apply(ko, existing, &answer) : 0;
	if (r == 0 && answer)
		gt_pairs_set_predicted(pairs, dopts, answer);
	json_decref(existing);
	json_decref(answer);
	return r < 0 ? GT_EXIT_REMOTE : GT_EXIT_OK;
}

/* One item per pair, its action from the diff engine's Change record. */
static enum gt_exit items_from_pairs(const struct apply_opts *o, const struct gt_diff_opts *dopts,
				     const struct gt_pairs *pairs, struct plan *p)
{
	const char *manager = o->field_manager ? o->field_manager : GT_APPLY_FIELD_MANAGER;
	for (size_t i = 0; i < pairs->n; i++) {
		const struct gt_pair *pr = &pairs->items[i];
		json_t *change = gt_change_new(dopts, pr->desired, pr->live, pr->predicted);
		if (!change)
			return GT_EXIT_INPUT;
		enum gt_action a = gt_change_action(change);
		bool ignored = gt_change_ignored(change);
		json_decref(change);
		if (a == GT_ACTION_DELETE) {
			if (ignored || gt_obj_is_hook(pr->live))
				continue; /* IgnoreExtraneous, and hooks, are never pruned */
			struct item *it = push_item(&p->prune, &p->n_prune, &p->cap_prune, pr->live, pr->live);
			if (!it)
				return GT_EXIT_INPUT;
			it->action = a;
			continue;
		}
		struct item *it = push_item(&p->items, &p->n, &p->cap, pr->desired, pr->live);
		if (!it)
			return GT_EXIT_INPUT;
		it->action = a;
		if (a == GT_ACTION_UNCHANGED && !pr->predicted && owned_field_dropped(pr->live, pr->desired, manager)) {
			it->action = GT_ACTION_UPDATE;
			item_set_message(it, "fields set by the last apply are no longer desired");
		}
	}
	return GT_EXIT_OK;
}

static enum gt_exit items_from_changes(const json_t *changes, struct plan *p)
{
	size_t i;
	json_t *c;
	json_array_foreach(changes, i, c) {
		enum gt_action a = gt_change_action(c);
		const json_t *desired = gt_change_desired(c), *live = gt_change_live(c);
		struct item *it;
		if (a == GT_ACTION_DELETE) {
			if (gt_change_ignored(c) || gt_obj_is_hook(live))
				continue;
			it = push_item(&p->prune, &p->n_prune, &p->cap_prune, (json_t *)live, (json_t *)live);
		} else if (desired || live) { /* an unchanged record may carry only one side */
			it = push_item(&p->items, &p->n, &p->cap, (json_t *)(desired ? desired : live), (json_t *)live);
		} else {
			continue;
		}
		if (!it)
			return GT_EXIT_INPUT;
		it->action = a;
		if ((a == GT_ACTION_CREATE || a == GT_ACTION_UPDATE || it->hook) && gt_change_masked(c)) { /* would be sent */
			it->status = ST_FAILED;
			item_set_message(it, "the Change record's Secret values are masked: run gitops-diff with --show-secrets, "
					     "or pipe the objects themselves");
		}
	}
	return GT_EXIT_OK;
}

/*
 * A delete record is a plan made earlier: prune only what the app still
 * tracks now (the object may since be another app's, or made again by hand),
 * read in one kubectl get. Anything else is skipped, saying why.
 */
static enum gt_exit check_prunes_tracked(const struct apply_opts *o, const struct gt_kube_opts *ko, unsigned budget,
					 struct plan *p)
{
	json_t **objs = calloc(p->n_prune + 1, sizeof(*objs)), **got = calloc(p->n_prune + 1, sizeof(*got));
	if (!objs || !got)
		return free(objs), free(got), gt_error("out of memory"), GT_EXIT_REMOTE;
	for (size_t i = 0; i < p->n_prune; i++)
		objs[i] = p->prune[i].obj;
	int r = gt_kube_get_batch(ko, objs, p->n_prune, budget, got, NULL);
	struct gt_diff_opts dopts = { .mode = GT_DIFF_LIVE, .app = o->app };
	for (size_t i = 0; r == 0 && i < p->n_prune; i++) {
		struct item *it = &p->prune[i];
		if (!got[i]) {
			it->status = ST_SKIPPED;
			item_set_message(it, "not pruned: no longer in the cluster");
		} else if (!gt_diff_tracked_by(&dopts, got[i])) {
			it->status = ST_SKIPPED;
			item_set_message(it, "not pruned: the live object is not tracked by app %s", o->app);
		}
	}
	for (size_t i = 0; i < p->n_prune; i++)
		json_decref(got[i]);
	free(objs);
	free(got);
	return r < 0 ? GT_EXIT_REMOTE : GT_EXIT_OK;
}

/* ---- order ---- */

static bool is_namespace(const struct gt_ref *r)
{
	return !*r->group && !strcmp(r->kind, "Namespace");
}

static bool is_crd(const struct gt_ref *r)
{
	return !strcmp(r->group, "apiextensions.k8s.io") && !strcmp(r->kind, "CustomResourceDefinition");
}

static bool earlier(const struct item *a, const struct item *b)
{
	return a->phase < b->phase || (a->phase == b->phase && a->wave < b->wave);
}

/* Does item it depend on dependency dep (a Namespace it lives in, the CRD of its kind)? */
static bool depends_on(const struct item *it, const struct item *dep)
{
	if (is_namespace(&dep->ref))
		return !is_namespace(&it->ref) && !strcmp(it->ref.namespace, dep->ref.name);
	json_t *spec = json_object_get(dep->obj, "spec");
	const char *group = json_string_value(json_object_get(spec, "group"));
	const char *kind = json_string_value(json_object_get(json_object_get(spec, "names"), "kind"));
	return group && kind && !strcmp(it->ref.group, group) && !strcmp(it->ref.kind, kind);
}

/* Argo CD moves a Namespace before the first object in it, a CRD before its first custom resource. */
static void bubble_dependencies(struct plan *p)
{
	for (size_t d = 0; d < p->n; d++) {
		struct item *dep = &p->items[d];
		if ((!is_namespace(&dep->ref) && !is_crd(&dep->ref)) || dep->phase == GT_PHASE_SKIP)
			continue;
		for (size_t i = 0; i < p->n; i++) {
			struct item *it = &p->items[i];
			if (i != d && it->phase != GT_PHASE_SKIP && it->phase != GT_PHASE_SYNCFAIL && depends_on(it, dep) &&
			    earlier(it, dep))
				dep->phase = it->phase, dep->wave = it->wave;
		}
	}
}

static int compare_items(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;
	return gt_sync_key_compare(&a->key, &b->key);
}

/* Each item's place in the sync: Argo CD's key, with the phase and wave its dependents gave it. */
static void sort_items(struct item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		items[i].key = gt_sync_key_of(items[i].obj);
		items[i].key.phase = items[i].phase;
		items[i].key.wave = items[i].wave;
	}
	if (n) /* qsort wants a non-NULL base even for 0 items */
		qsort(items, n, sizeof(*items), compare_items);
}

/* ---- the whole plan ---- */

/* A namespaced object without a namespace (kubectl will use the context's). */
static bool some_without_namespace(const json_t *desired)
{
	size_t i;
	const json_t *obj;
	json_array_foreach(desired, i, obj) {
		struct gt_ref ref;
		if (gt_obj_ref(obj, &ref, NULL) == 0 && !*ref.namespace &&
		    !gt_kind_is_cluster_scoped_builtin(ref.group, ref.kind))
			return true;
	}
	return false;
}

enum gt_exit plan_build(const struct apply_opts *o, const struct gt_kube_opts *ko, const struct timespec *start,
			struct plan *p)
{
	struct input in = { json_array(), json_array(), json_object(), { 0 }, { 0 } };
	struct gt_pairs pairs = { 0 };
	json_t *live = NULL;
	memset(p, 0, sizeof(*p));
	p->passthrough = json_array();
	enum gt_exit rc = in.desired && in.changes && in.records && p->passthrough ? read_input(o, &in, p) : GT_EXIT_INPUT;
	size_t i;
	json_t *c;
	p->n_desired = json_array_size(in.desired);
	json_array_foreach(in.changes, i, c)
		p->n_desired += gt_change_action(c) != GT_ACTION_DELETE;
	if (rc == GT_EXIT_OK && p->n_desired == 0 && !o->allow_empty) {
		gt_error("%s: no objects to apply: refusing an empty desired state (a failed render must never prune "
			 "everything); --allow-empty applies it",
			 shown(o->files.v[o->files.n - 1]));
		rc = GT_EXIT_INPUT;
	}
	if (rc == GT_EXIT_OK && o->create_namespace)
		add_namespaces(in.desired, in.changes);
	/* From Change records, the records' deletes are the only prunes: the live objects of the app that
	 * no record names are not ours to judge (gitops-diff --app made the deletes it meant). */
	p->from_changes = json_array_size(in.changes) > 0;
	bool compute_deletes = o->app && !p->from_changes;
	struct gt_diff_opts dopts = { .mode = GT_DIFF_LIVE, .app = compute_deletes ? o->app : NULL, .show_secrets = true };
	char *context_ns = NULL;
	if (rc == GT_EXIT_OK && some_without_namespace(in.desired)) {
		/* kubectl puts them in the context's namespace: pair them with live objects there, or a live
		 * object would look extra (and prunable) and its desired twin new */
		if (gt_kube_context_namespace(ko, &context_ns) < 0)
			rc = GT_EXIT_REMOTE;
		dopts.default_namespace = context_ns;
	}
	if (rc == GT_EXIT_OK && (json_array_size(in.desired) || compute_deletes))
		rc = fetch_live(compute_deletes, ko, (unsigned)apply_left(o, start) + 1, in.desired, &live);
	if (rc == GT_EXIT_OK && live)
		rc = gt_diff_match(&dopts, in.desired, live, &pairs);
	if (rc == GT_EXIT_OK && o->server_side_diff)
		rc = predict(ko, &pairs, &dopts);
	if (rc == GT_EXIT_OK)
		rc = items_from_pairs(o, &dopts, &pairs, p);
	if (rc == GT_EXIT_OK)
		rc = items_from_changes(in.changes, p);
	if (rc == GT_EXIT_OK && p->from_changes && o->prune && p->n_prune)
		rc = check_prunes_tracked(o, ko, (unsigned)apply_left(o, start) + 1, p);
	if (rc == GT_EXIT_OK) {
		bubble_dependencies(p);
		sort_items(p->items, p->n);
		sort_items(p->prune, p->n_prune);
	}
	gt_pairs_free(&pairs);
	free(context_ns);
	json_decref(live);
	json_decref(in.desired);
	json_decref(in.changes);
	json_decref(in.records);
	return rc;
}

/* Which deletes go: Prune=false objects stay, and nothing goes without --prune. Refuse above --max-prune. */
enum gt_exit plan_check_prune(const struct apply_opts *o, struct plan *p)
{
	size_t going = 0;
	for (size_t i = 0; i < p->n_prune; i++) {
		struct item *it = &p->prune[i];
		if (csv_has(gt_obj_annotation(it->obj, SYNC_OPTIONS), "Prune=false")) {
			it->status = ST_SKIPPED;
			item_set_message(it, "not pruned: annotated %s: Prune=false", SYNC_OPTIONS);
		} else if (!o->prune) {
			it->status = ST_SKIPPED;
			item_set_message(it, "no longer desired: requires pruning (--prune)");
		} else {
			going++;
		}
	}
	if (going <= o->max_prune)
		return GT_EXIT_OK;
	gt_error("refusing to prune %zu objects, more than --max-prune %lu; nothing was changed. They are:", going,
		 o->max_prune);
	for (size_t i = 0; i < p->n_prune; i++) {
		struct item *it = &p->prune[i];
		if (it->status != ST_PENDING)
			continue;
		gt_error("  %s%s%s %s%s%s", it->ref.group, *it->ref.group ? "/" : "", it->ref.kind, it->ref.namespace,
			 *it->ref.namespace ? "/" : "", it->ref.name);
		it->status = ST_SKIPPED;
		item_set_message(it, "not pruned: %zu objects would go, more than --max-prune %lu", going, o->max_prune);
	}
	return GT_EXIT_DIFFERS;
}
