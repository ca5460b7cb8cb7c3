/* gitops-apply: apply desired objects in Argo CD's sync order, prune what is no longer desired, wait for health. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply.h"
#include "application.h"
#include "json.h"
#include "proc.h"
#include "stream.h"

static struct apply_opts opts = {
	.max_prune = APPLY_DEFAULT_MAX_PRUNE,
	.timeout = APPLY_DEFAULT_TIMEOUT,
	.lim = GT_LIMITS_DEFAULT,
};

static const struct gt_option options[] = {
	GT_OPT_LIST('f', "file", "FILE", &opts.files, NULL,
		    "objects or gitops-diff Change records, not both (repeatable; default: standard input)"),
	GT_OPT_STRING(0, "application", "APP", &opts.application,
		      "Argo CD Application APP (file, - or name) gives --app, -n, its sync policy and options, its destination"),
	GT_OPT_STRING_EMPTY_UNSET(0, "app", "NAME", &opts.app,
				  "the Argo CD application whose tracking id marks what --prune may delete"),
	GT_OPT_CHOICE(0, "tracking", "METHOD", &opts.tracking, gt_tracking_choices,
		      "how --app's objects are marked (default annotation)"),
	GT_OPT_FLAG(0, "prune", &opts.prune, "delete live objects of --app that are no longer desired"),
	GT_OPT_CHOICE(0, "prune-scope", "SCOPE", &opts.prune_scope, gt_prune_scopes,
		      "where --app's objects are looked for (default: the kinds and namespaces the objects have)"),
	GT_OPT_UINT(0, "max-prune", "N", &opts.max_prune, 0, 1000000, "refuse to prune more than N objects (default 20)"),
	GT_OPT_FLAG(0, "allow-empty", &opts.allow_empty,
		    "accept an empty desired stream (else refused: a failed render is not an empty app)"),
	GT_OPT_FLAG(0, "dry-run", &opts.dry_run, "print the plan as Result records (status planned); change nothing"),
	GT_OPT_FLAG(0, "wait", &opts.wait, "after each wave, wait until its objects are healthy"),
	GT_OPT_DURATION(0, "timeout", &opts.timeout, 0, GT_MAX_DURATION,
			"bound on the whole sync, waits included (default 5m; 90s, 2m30s)"),
	GT_OPT_DURATION(0, "degraded-grace", &opts.degraded_grace, 0, GT_MAX_DURATION,
			"with --wait, fail once an object has been Degraded this long (default 0s)"),
	GT_OPT_STRING_EMPTY_UNSET(0, "field-manager", "NAME", &opts.field_manager,
				  "server-side apply field manager (default gitops-apply)"),
	GT_OPT_FLAG(0, "force-conflicts", &opts.force_conflicts,
		    "take fields other managers own (kubectl edit, scale): self-heal"),
	GT_OPT_FLAG(0, "create-namespace", &opts.create_namespace, "create the namespaces the objects go to when missing"),
	GT_OPT_FLAG(0, "server-side-diff", &opts.server_side_diff, "decide what changed with a server-side dry-run apply"),
	GT_OPT_STRING_EMPTY_UNSET('n', "namespace", "NS", &opts.kube.namespace,
				  "namespace of namespaced objects that have none, as kubectl apply -n (default: the context's)"),
	GT_KUBE_OPTIONS(&opts.kube),
	GT_KUBE_CLUSTER_OPTION(&opts.kube),
	GT_OPT_CHOICE('o', "output", "FORMAT", &opts.format, gt_formats_json_text,
		      "(json: Result records; default: text on a terminal, else json)"),
	GT_LIMIT_OPTIONS(&opts.lim),
	GT_OPTIONS_END
};

static const struct gt_command command = {
	.name = "gitops-apply",
	.synopsis = "[OPTIONS]",
	.summary = "Apply objects (or gitops-diff's Change records) with server-side apply, in Argo CD's sync order.",
	.options = options,
	.min_args = 0,
	.max_args = 0,
};

double apply_left(const struct apply_opts *o, const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double spent = (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
	return spent < o->timeout ? o->timeout - spent : 0;
}

/* The connection flags as given; the request timeout of each kubectl call: --request-timeout, else
 * what is left of --timeout, at most kubectl's usual bound. */
static void kube_opts_init(const struct apply_opts *o, struct gt_kube_opts *ko)
{
	*ko = o->kube;
	ko->field_manager = o->field_manager ? o->field_manager : GT_APPLY_FIELD_MANAGER;
	ko->force_conflicts = o->force_conflicts;
	if (!ko->timeout)
		ko->timeout = o->timeout < GT_KUBE_DEFAULT_TIMEOUT ? seconds_up(o->timeout) : GT_KUBE_DEFAULT_TIMEOUT;
	if (ko->timeout == 0)
		ko->timeout = 1;
}

static int write_passthrough(const struct apply_opts *o, const json_t *records)
{
	size_t i;
	json_t *rec;
	if (o->format == GT_FORMAT_TEXT)
		return 0;
	json_array_foreach(records, i, rec)
		if (gt_json_write(stdout, rec) < 0 || fputc('\n', stdout) == EOF)
			return gt_error("cannot write output: %s", strerror(errno ? errno : EIO)), -1;
	return 0;
}

/* -v: what the sync will do, before it does it. */
static void say_plan(const struct apply_opts *o, const struct plan *p, uint64_t t0)
{
	size_t by_action[8] = { 0 }, hooks = 0;
	char took[32];
	for (size_t i = 0; i < p->n; i++) {
		hooks += p->items[i].hook;
		if ((unsigned)p->items[i].action < 8)
			by_action[p->items[i].action]++;
	}
	gt_step("plan: %zu objects read; %zu to create, %zu to update, %zu unchanged, %zu hooks; %zu to prune%s",
		p->n_desired, by_action[GT_ACTION_CREATE], by_action[GT_ACTION_UPDATE], by_action[GT_ACTION_UNCHANGED],
		hooks, p->n_prune, o->prune ? "" : " (no --prune)");
	gt_detail("plan: built in %s", gt_took(t0, took, sizeof(took)));
}

/* Nothing is applied when the plan is refused: every object says so. */
static void refuse_all(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->items[i].status == ST_PENDING)
			p->items[i].status = ST_SKIPPED, item_set_message(&p->items[i], "not applied: prune refused");
}

/* A sync option's value is Argo CD's default: nothing to honour. */
static bool sync_option_default(const char *opt)
{
	static const char *const defaults[] = { "ServerSideApply=true", "ApplyOutOfSyncOnly=false", "Prune=true",
						"PruneLast=false", "Replace=false", "Validate=true",
						"PrunePropagationPolicy=foreground", "RespectIgnoreDifferences=false",
						"FailOnSharedResource=false", "ClientSideApplyMigration=true", "Force=false",
						"CreateNamespace=false", "SkipDryRunOnMissingResource=false", NULL };
	for (size_t i = 0; defaults[i]; i++)
		if (!strcasecmp(opt, defaults[i]))
			return true;
	return !strncmp(opt, "Delete=", 7); /* only when the Application itself is deleted */
}

/* --application: the Application's sync settings where gitops-apply has the equivalent; what it
 * cannot honour is exit 2, named. GT_EXIT_*. */
static int apply_application(struct apply_opts *o, struct gt_application **appp)
{
	int st = gt_app_read_one(o->application, &o->kube, &o->lim, appp);
	if (st != GT_EXIT_OK)
		return st;
	const struct gt_application *app = *appp;
	bool no_prune = false;
	for (size_t i = 0; i < app->sync_options.n; i++) {
		const char *opt = app->sync_options.v[i];
		if (!strcasecmp(opt, "CreateNamespace=true")) {
			json_t *mnm = json_object_get(json_object_get(json_object_get(app->obj, "spec"), "syncPolicy"),
						      "managedNamespaceMetadata");
			if (json_object_size(mnm))
				return gt_error("%s: application %s: spec.syncPolicy.managedNamespaceMetadata: not supported by "
						"gitops-apply (it creates the namespace bare)", app->file, app->name), GT_EXIT_INPUT;
			o->create_namespace = true;
		} else if (!strcasecmp(opt, "Prune=false")) {
			no_prune = true;
		} else if (!strcasecmp(opt, "ApplyOutOfSyncOnly=true")) {
			/* a server-side apply of an object that is in sync changes nothing on the server */
			gt_debug("application %s: ApplyOutOfSyncOnly=true: an in-sync object's apply is a no-op", app->name);
		} else if (!sync_option_default(opt)) {
			return gt_error("%s: application %s: spec.syncPolicy.syncOptions: %s: not supported by gitops-apply",
					app->file, app->name, opt), GT_EXIT_INPUT;
		}
	}
	if (!o->app)
		o->app = app->instance;
	if (!o->kube.namespace)
		o->kube.namespace = app->dest_namespace;
	if (app->automated && app->prune && !no_prune)
		o->prune = true;
	if (app->automated && app->allow_empty)
		o->allow_empty = true;
	if (app->automated && app->self_heal)
		o->force_conflicts = true; /* self-heal takes back fields others changed */
	gt_debug("application %s: prune %s, self-heal %s, create namespace %s", app->name, o->prune ? "yes" : "no",
		 o->force_conflicts ? "yes" : "no", o->create_namespace ? "yes" : "no");
	return gt_app_destination_context(app, &o->kube);
}

int main(int argc, char **argv)
{
	struct apply_opts *o = &opts;
	struct gt_kube_opts ko;
	struct timespec start;
	struct plan p;
	int first;
	o->format = gt_default_format(stdout);
	struct gt_application *app = NULL;
	int pr = gt_parse(&command, argc, argv, &first);
	if (pr == 0 && o->application) {
		int st = apply_application(o, &app);
		if (st != GT_EXIT_OK) {
			gt_app_free(app);
			gt_strvec_release(&o->files);
			return st;
		}
	}
	if (pr == 0 && o->prune && !o->app)
		pr = -1, gt_error("--prune needs --app: only objects carrying the app's tracking id are pruned");
	if (pr == 0 && !o->files.n && gt_strvec_push(&o->files, "-") < 0)
		pr = -1, gt_error("out of memory");
	if (pr) {
		gt_app_free(app);
		gt_strvec_release(&o->files);
		return pr > 0 ? GT_EXIT_OK : GT_EXIT_USAGE;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	kube_opts_init(o, &ko);
	/* Every kubectl call ends by the sync's deadline, reads included: a server that pages
	 * forever must not stretch --timeout to the sum of the calls' own bounds. */
	ko.deadline = gt_deadline_in(o->timeout + APPLY_KUBECTL_GRACE);

	uint64_t t0 = gt_now_ns();
	enum gt_exit rc = plan_build(o, &ko, &start, &p);
	if (rc == GT_EXIT_OK)
		rc = plan_check_prune(o, &p);
	if (rc == GT_EXIT_OK)
		say_plan(o, &p, t0);
	struct report *r = rc != GT_EXIT_INPUT && rc != GT_EXIT_REMOTE ? report_new(o) : NULL;
	if (r && write_passthrough(o, p.passthrough) < 0)
		rc = gt_exit_output_failed(rc);
	if (r && rc == GT_EXIT_OK)
		rc = sync_run(o, &ko, &start, &p, r);
	else if (r)
		refuse_all(&p);
	if (r && report_finish(r, &p) < 0)
		rc = gt_exit_output_failed(rc);
	plan_free(&p);
	gt_strvec_release(&o->files);
	gt_app_free(app);
	return rc;
}
