/* sync: run the plan wave by wave: hooks, one kubectl apply per wave, health, then prune. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply.h"
#include "health.h"

#define HOOK_GONE_POLL_MS 200   /* between two looks for a hook deleted before its re-creation */
#define WAIT_INTERVAL 1.0       /* seconds between two health looks */

/* What the sync as a whole met, for the exit code. */
struct tally {
	size_t attempted, ok, failed, remote; /* remote: failures that blame the cluster, not the object */
	bool step_failed;
};

static unsigned budget(const struct apply_opts *o, const struct timespec *start)
{
	double left = apply_left(o, start);
	return left < 1 ? 1 : seconds_up(left);
}

/* it is final; its Result is written by the caller, in sync order. */
static void finish(struct tally *t, struct item *it, enum item_status st)
{
	it->status = st;
	if (st == ST_OK)
		t->ok++;
	if (st == ST_FAILED) {
		t->failed++;
		t->step_failed = true;
		enum gt_kube_error e = gt_kube_classify(it->message);
		if (e == GT_KUBE_UNREACHABLE || e == GT_KUBE_FORBIDDEN)
			t->remote++;
	}
}

/* One kubectl apply for items[idx[0..m)]; each gets its outcome (ok stays pending for a later wait). */
static void apply_items(const struct apply_opts *o, const struct gt_kube_opts *ko, const struct timespec *start,
			struct item **its, size_t m, bool *applied)
{
	json_t **objs = calloc(m ? m : 1, sizeof(*objs));
	struct gt_kube_outcome *out = calloc(m ? m : 1, sizeof(*out));
	if (!objs || !out) {
		for (size_t i = 0; i < m; i++)
			item_set_message(its[i], "out of memory"), applied[i] = false;
		free(objs), free(out);
		return;
	}
	for (size_t i = 0; i < m; i++)
		objs[i] = its[i]->obj;
	int failed = gt_kube_apply_batch(ko, objs, m, budget(o, start), out);
	for (size_t i = 0; i < m; i++) {
		applied[i] = failed >= 0 && out[i].ok;
		if (!applied[i])
			item_set_message(its[i], "%s", out[i].message ? out[i].message : "kubectl could not be run");
	}
	gt_kube_outcomes_clear(out, m);
	free(out);
	free(objs);
}

static bool is_crd(const struct item *it)
{
	return !strcmp(it->ref.group, "apiextensions.k8s.io") && !strcmp(it->ref.kind, "CustomResourceDefinition");
}

/* CRDs first and Established, then the rest: kubectl maps every object of a call before applying any. */
static void apply_wave(const struct apply_opts *o, const struct gt_kube_opts *ko, const struct timespec *start,
		       struct item **its, size_t m, bool *applied)
{
	size_t crds = 0;
	for (size_t i = 0; i < m; i++)
		crds += is_crd(its[i]);
	if (crds == 0 || crds == m) {
		apply_items(o, ko, start, its, m, applied);
	} else {
		/* its is in kind order: Namespaces and CRDs come before every custom resource */
		size_t split = 0;
		for (size_t i = 0; i < m; i++)
			if (is_crd(its[i]))
				split = i + 1;
		apply_items(o, ko, start, its, split, applied);
		const char **names = calloc(crds, sizeof(*names));
		size_t n = 0;
		for (size_t i = 0; names && i < split; i++)
			if (is_crd(its[i]) && applied[i])
				names[n++] = its[i]->ref.name;
		if (n && gt_kube_wait_established(ko, names, n, budget(o, start)) < 0)
			for (size_t i = 0; i < split; i++)
				if (is_crd(its[i]) && applied[i])
					applied[i] = false, item_set_message(its[i], "not Established in time");
		free(names);
		apply_items(o, ko, start, its + split, m - split, applied + split);
	}
}

/* Wait for items' health: healthy[i] when Healthy (or Suspended), else a message says what it is. */
static void wait_healthy(const struct apply_opts *o, const struct gt_kube_opts *ko, const struct timespec *start,
			 struct report *r, struct item **its, size_t m, bool *healthy, double grace)
{
	json_t *objs = json_array(), *records = NULL;
	for (size_t i = 0; i < m; i++)
		json_array_append(objs, its[i]->obj);
	struct gt_health_wait_opts wo = { .timeout = apply_left(o, start), .interval = WAIT_INTERVAL,
					   .degraded_grace = grace, .suspended_ok = true,
					   .progress = report_wait_progress, .ctx = r };
	int rc = m ? gt_health_wait(ko, objs, &wo, &records) : 0;
	for (size_t i = 0; i < m; i++) {
		json_t *rec = json_array_get(records, i);
		enum gt_health h = GT_HEALTH_UNKNOWN;
		const char *msg = json_string_value(json_object_get(rec, "message"));
		if (!rec || gt_health_record_status(rec, &h) < 0)
			h = GT_HEALTH_UNKNOWN;
		free(its[i]->health);
		its[i]->health = strdup(gt_health_name(h));
		healthy[i] = rc >= 0 && (h == GT_HEALTH_HEALTHY || h == GT_HEALTH_SUSPENDED);
		if (healthy[i])
			continue;
		if (rc < 0)
			item_set_message(its[i], "applied, but its health could not be read from the cluster");
		else
			item_set_message(its[i], "applied, but %s%s: %s", h == GT_HEALTH_DEGRADED ? "" : "not healthy in time: ",
					 gt_health_name(h), msg && *msg ? msg : "no message");
	}
	json_decref(objs);
	json_decref(records);
}

/* Delete items (one kubectl delete); messages on failure. */
static void delete_items(const struct apply_opts *o, const struct gt_kube_opts *ko, const struct timespec *start,
			 struct item **its, size_t m, bool *deleted)
{
	json_t **objs = calloc(m ? m : 1, sizeof(*objs));
	struct gt_kube_outcome *out = calloc(m ? m : 1, sizeof(*out));
	for (size_t i = 0; objs && out && i < m; i++)
		objs[i] = its[i]->obj;
	int failed = objs && out ? gt_kube_delete_batch(ko, objs, m, budget(o, start), out) : -1;
	for (size_t i = 0; i < m; i++) {
		deleted[i] = failed >= 0 && out[i].ok;
		if (!deleted[i])
			item_set_message(its[i], "delete failed: %s", out && out[i].message ? out[i].message : "kubectl could not be run");
	}
	gt_kube_outcomes_clear(out, m);
	free(out);
	free(objs);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* BeforeHookCreation: the old hook must be gone before the new one is created under its name. */
static void delete_old_hooks(const struct apply_opts *o, const struct gt_kube_opts *ko, const struct timespec *start,
			     struct item **its, size_t m, bool *ok)
{
	delete_items(o, ko, start, its, m, ok);
	json_t **objs = calloc(m ? m : 1, sizeof(*objs)), **live = calloc(m ? m : 1, sizeof(*live));
	bool any = true;
	while (objs && live && any && apply_left(o, start) > 0) {
		size_t n = 0;
		for (size_t i = 0; i < m; i++)
			if (ok[i])
				objs[n++] = its[i]->obj;
		if (n == 0 || gt_kube_read(ko, objs, n, 0, budget(o, start), live, NULL) < 0)
			break;
		any = false;
		for (size_t i = 0; i < n; i++)
			any = any || live[i], json_decref(live[i]);
		if (any)
			sleep_ms(HOOK_GONE_POLL_MS);
	}
	for (size_t i = 0; any && i < m; i++)
		if (ok[i])
			ok[i] = false, item_set_message(its[i], "the previous hook was not deleted in time");
	free(objs);
	free(live);
}

/*
 * --create-namespace with a namespace-scoped deployer (a Role, no right to create namespaces):
 * the namespace it may not create is skipped with a warning rather than failing the sync. If it
 * exists, the objects in it land; if not, they fail with kubectl's "namespaces "X" not found",
 * which fail_missing_namespace makes say why.
 */
static bool namespace_not_ours(struct item *it)
{
	if (!it->added_namespace || gt_kube_classify(it->message) != GT_KUBE_FORBIDDEN)
		return false;
	gt_warn("--create-namespace: may not create namespace %s (the token's rights are namespaced): skipped; it must "
		"exist already", it->ref.name);
	item_set_message(it, "not created: the token may not create namespaces (--create-namespace needs a ClusterRole "
			     "allowing create on namespaces); it must exist already");
	return true;
}

/* An object that failed because its namespace is missing, where --create-namespace could not create it. */
static void fail_missing_namespace(const struct plan *p, struct item *it)
{
	char want[512];
	snprintf(want, sizeof(want), "namespaces \"%s\" not found", it->ref.namespace);
	if (!*it->ref.namespace || !it->message || !strstr(it->message, want))
		return;
	for (size_t i = 0; i < p->n; i++)
		if (p->items[i].added_namespace && p->items[i].status == ST_SKIPPED &&
		    !strcmp(p->items[i].ref.name, it->ref.namespace)) {
			item_set_message(it, "namespace %s does not exist, and the token may not create it "
					     "(--create-namespace needs a ClusterRole allowing create on namespaces)",
					 it->ref.namespace);
			gt_error("%s %s/%s: %s", it->ref.kind, it->ref.namespace, it->ref.name, it->message);
			return;
		}
}

/* Items [b, e) of the plan: one (phase, wave). */
static void run_step(const struct apply_opts *o, const struct gt_kube_opts *ko, const struct timespec *start,
		     struct plan *p, size_t b, size_t e, struct report *r, struct tally *t)
{
	size_t m = e - b, n_apply = 0, n_hooks = 0, n_old = 0, n_wait = 0;
	struct item **apply = calloc(m + 1, sizeof(*apply)), **hooks = calloc(m + 1, sizeof(*hooks));
	struct item **old = calloc(m + 1, sizeof(*old)), **waits = calloc(m + 1, sizeof(*waits));
	bool *ok = calloc(m + 1, sizeof(*ok));
	if (!apply || !hooks || !old || !waits || !ok) {
		gt_error("out of memory");
		t->step_failed = true;
		goto out;
	}
	report_progress(r, "%s wave %ld: %zu objects", phase_name(p->items[b].phase), p->items[b].wave, m);
	gt_step("%s wave %ld: %zu objects%s", phase_name(p->items[b].phase), p->items[b].wave, m,
		o->dry_run ? " (--dry-run: nothing applied)" : "");
	uint64_t t0 = gt_now_ns();
	for (size_t i = b; i < e; i++) {
		struct item *it = &p->items[i];
		if (it->status == ST_FAILED) /* failed before the sync (a masked Secret): this wave fails */
			t->step_failed = true;
		if (it->status != ST_PENDING)
			continue;
		if (it->hook && it->live && (it->delete_policy & HOOK_BEFORE_CREATION))
			old[n_old++] = it;
		if (it->hook || it->action != GT_ACTION_UNCHANGED)
			apply[n_apply++] = it;
		else
			waits[n_wait++] = it; /* unchanged: not sent, but its wave still waits for it */
		if (it->hook)
			it->action = it->live && !(it->delete_policy & HOOK_BEFORE_CREATION) ? GT_ACTION_UPDATE : GT_ACTION_CREATE;
	}
	if (o->dry_run) {
		for (size_t i = 0; i < n_apply; i++)
			finish(t, apply[i], ST_PLANNED);
		for (size_t i = 0; i < n_wait; i++)
			finish(t, waits[i], ST_PLANNED);
		goto out;
	}
	if (n_old) {
		delete_old_hooks(o, ko, start, old, n_old, ok);
		for (size_t i = 0; i < n_old; i++)
			if (!ok[i])
				finish(t, old[i], ST_FAILED);
	}
	size_t k = 0;
	for (size_t i = 0; i < n_apply; i++) /* the old hooks that could not go are not re-created */
		if (apply[i]->status == ST_PENDING)
			apply[k++] = apply[i];
	n_apply = k;
	t->attempted += n_apply;
	apply_wave(o, ko, start, apply, n_apply, ok);
	for (size_t i = 0; i < n_apply; i++) {
		if (!ok[i] && namespace_not_ours(apply[i]))
			finish(t, apply[i], ST_SKIPPED);
		else if (!ok[i])
			fail_missing_namespace(p, apply[i]), finish(t, apply[i], ST_FAILED);
		else if (apply[i]->hook)
			hooks[n_hooks++] = apply[i];
		else
			waits[n_wait++] = apply[i];
	}
	if (n_hooks) { /* hooks always run to completion: Degraded (a failed Job) fails at once */
		wait_healthy(o, ko, start, r, hooks, n_hooks, ok, 0);
		struct item **gone = calloc(n_hooks, sizeof(*gone));
		bool *deleted = calloc(n_hooks, sizeof(*deleted));
		size_t n_gone = 0;
		for (size_t i = 0; gone && i < n_hooks; i++)
			if (hooks[i]->delete_policy & (ok[i] ? HOOK_SUCCEEDED : HOOK_FAILED))
				gone[n_gone++] = hooks[i];
		for (size_t i = 0; i < n_hooks; i++)
			if (!ok[i])
				t->step_failed = true;
		if (n_gone && deleted)
			delete_items(o, ko, start, gone, n_gone, deleted);
		for (size_t i = 0; i < n_hooks; i++)
			finish(t, hooks[i], ok[i] ? ST_OK : ST_FAILED);
		free(gone);
		free(deleted);
	}
	if (o->wait && n_wait) {
		wait_healthy(o, ko, start, r, waits, n_wait, ok, o->degraded_grace);
	} else {
		for (size_t i = 0; i < n_wait; i++)
			ok[i] = true;
	}
	for (size_t i = 0; i < n_wait; i++)
		finish(t, waits[i], ok[i] ? ST_OK : ST_FAILED);
	char took[32];
	gt_detail("%s wave %ld: done in %s", phase_name(p->items[b].phase), p->items[b].wave, gt_took(t0, took, sizeof(took)));
out:
	for (size_t i = b; i < e; i++)
		if (p->items[i].status != ST_PENDING)
			report_item(r, &p->items[i]);
	free(apply), free(hooks), free(old), free(waits), free(ok);
}

/* Argo CD runs PostSync only once the Sync phase is Healthy: without --wait, wait here. */
static void wait_before_postsync(const struct apply_opts *o, const struct gt_kube_opts *ko, const struct timespec *start,
				 struct plan *p, struct report *r, struct tally *t)
{
	size_t m = 0;
	struct item **its = calloc(p->n + 1, sizeof(*its));
	bool *ok = calloc(p->n + 1, sizeof(*ok));
	for (size_t i = 0; its && i < p->n; i++)
		if (p->items[i].phase == GT_PHASE_SYNC && !p->items[i].hook && p->items[i].status == ST_OK)
			its[m++] = &p->items[i];
	if (its && ok && m) {
		wait_healthy(o, ko, start, r, its, m, ok, o->degraded_grace);
		for (size_t i = 0; i < m; i++) /* their Results are written: they were applied */
			if (!ok[i]) {
				gt_error("%s %s: %s; PostSync hooks are not run", its[i]->ref.kind, its[i]->ref.name, its[i]->message);
				t->failed++, t->step_failed = true;
			}
	}
	free(its);
	free(ok);
}

static bool runs_in_sync(enum gt_phase ph);

/* Mark the pending items of phase (GT_PHASE_SKIP: of every phase a sync runs) skipped. */
static void skip_rest(struct plan *p, size_t from, enum gt_phase phase, struct report *r, const char *why)
{
	for (size_t i = from; i < p->n; i++) {
		struct item *it = &p->items[i];
		bool match = phase == GT_PHASE_SKIP ? runs_in_sync(it->phase) : it->phase == phase;
		if (it->status == ST_PENDING && match) {
			it->status = ST_SKIPPED;
			item_set_message(it, "%s", why);
			report_item(r, it);
		}
	}
}

/* After every apply succeeded: one delete, in reverse sync order (higher waves first, as Argo CD mirrors them). */
static void prune(const struct apply_opts *o, const struct gt_kube_opts *ko, const struct timespec *start,
		  struct plan *p, struct report *r, struct tally *t)
{
	struct item **its = calloc(p->n_prune + 1, sizeof(*its));
	bool *ok = calloc(p->n_prune + 1, sizeof(*ok));
	size_t m = 0;
	for (size_t i = p->n_prune; its && i-- > 0;)
		if (p->prune[i].status == ST_PENDING)
			its[m++] = &p->prune[i];
	if (o->dry_run) {
		for (size_t i = 0; i < m; i++)
			finish(t, its[i], ST_PLANNED);
	} else if (m && ok) {
		report_progress(r, "pruning %zu objects", m);
		t->attempted += m;
		delete_items(o, ko, start, its, m, ok);
		for (size_t i = 0; i < m; i++)
			finish(t, its[i], ok[i] ? ST_OK : ST_FAILED);
	}
	for (size_t i = 0; i < m; i++)
		report_item(r, its[i]);
	free(its);
	free(ok);
}

static bool runs_in_sync(enum gt_phase ph)
{
	return ph == GT_PHASE_PRESYNC || ph == GT_PHASE_SYNC || ph == GT_PHASE_POSTSYNC;
}

enum gt_exit sync_run(const struct apply_opts *o, const struct gt_kube_opts *ko, const struct timespec *start,
		      struct plan *p, struct report *r)
{
	struct tally t = { 0 };
	bool failed = false, postsync_ready = false;
	for (size_t i = 0; i < p->n; i++) { /* decided before the sync: invalid input, hook Skip */
		struct item *it = &p->items[i];
		if (it->status == ST_FAILED) /* its wave still runs; the next ones do not */
			finish(&t, it, ST_FAILED), report_item(r, it);
		else if (it->phase == GT_PHASE_SKIP)
			it->status = ST_SKIPPED, item_set_message(it, "not applied: hook Skip, or no valid hook type"),
			report_item(r, it);
	}
	t.step_failed = false;
	for (size_t b = 0, e; b < p->n; b = e) {
		for (e = b + 1; e < p->n && p->items[e].phase == p->items[b].phase && p->items[e].wave == p->items[b].wave;)
			e++;
		if (!runs_in_sync(p->items[b].phase))
			continue;
		if (failed || t.step_failed) {
			failed = true;
			skip_rest(p, b, GT_PHASE_SKIP, r, "not applied: an earlier wave failed");
			break;
		}
		if (!o->dry_run && apply_left(o, start) <= 0) {
			gt_error("--timeout reached: the remaining waves are not applied");
			failed = true, t.failed++;
			skip_rest(p, b, GT_PHASE_SKIP, r, "not applied: --timeout reached");
			break;
		}
		if (p->items[b].phase == GT_PHASE_POSTSYNC && !postsync_ready && !o->wait && !o->dry_run) {
			postsync_ready = true;
			wait_before_postsync(o, ko, start, p, r, &t);
			if (t.step_failed)
				continue;
		}
		run_step(o, ko, start, p, b, e, r, &t);
	}
	failed = failed || t.step_failed;
	if (failed) { /* SyncFail hooks run only now, each wave in turn */
		for (size_t b = 0, e; b < p->n; b = e) {
			for (e = b + 1; e < p->n && p->items[e].phase == p->items[b].phase && p->items[e].wave == p->items[b].wave;)
				e++;
			if (p->items[b].phase == GT_PHASE_SYNCFAIL)
				run_step(o, ko, start, p, b, e, r, &t);
		}
		for (size_t i = 0; i < p->n_prune; i++)
			if (p->prune[i].status == ST_PENDING)
				p->prune[i].status = ST_SKIPPED, item_set_message(&p->prune[i], "not pruned: the sync failed");
	} else {
		skip_rest(p, 0, GT_PHASE_SYNCFAIL, r, "not run: SyncFail hooks run only when the sync fails");
		prune(o, ko, start, p, r, &t);
	}
	if (t.failed == 0)
		return GT_EXIT_OK;
	return t.attempted && t.ok == 0 && t.remote == t.failed ? GT_EXIT_REMOTE : GT_EXIT_DIFFERS;
}
