/* gitops-status: argocd app list / argocd app get without a server: each Application's commit, sync and health. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "record.h"
#include "status.h"
#include "stream.h"

static struct status_opts opts = {
	.lim = GT_LIMITS_DEFAULT,
	.argocd_namespace = GT_APP_CONTROL_NAMESPACE,
};

static const struct gt_option options[] = {
	GT_OPT_LIST(0, "application", "APP", &opts.application, NULL,
		    "an Argo CD Application: a file, - or a name in the cluster (repeatable; default: every one in the cluster)"),
	GT_OPT_STRING(0, "applications", "DIR", &opts.applications,
		      "every Application in DIR (an app-of-apps directory; with --repo, DIR of that repo at REV), or - for standard input"),
	GT_OPT_STRING(0, "repo", "URL", &opts.repo, "with --revision: the apps whose source is this repository, at REV"),
	GT_OPT_STRING(0, "revision", "REV", &opts.revision, "the revision --repo's apps are rendered at (a pull request's branch)"),
	GT_OPT_STRING(0, "argocd-namespace", "NS", &opts.argocd_namespace,
		      "the namespace Argo CD's Applications are read from (default argocd)"),
	GT_GIT_OPTIONS(&opts.git),
	GT_KUBE_OPTIONS(&opts.kube),
	GT_KUBE_CLUSTER_OPTION(&opts.kube),
	GT_OPT_CHOICE('o', "output", "FORMAT", &opts.format, gt_formats_all,
		      "(json: Status records; text: a table like argocd app list; default: text on a terminal, else json)"),
	GT_LIMIT_OPTIONS(&opts.lim),
	GT_OPTIONS_END
};

static const struct gt_command command = {
	.name = "gitops-status",
	.synopsis = "[--application APP]... [--applications DIR|-] [--repo URL --revision REV] [-o FORMAT]",
	.summary = "For each Argo CD Application: the commit its targetRevision resolves to, its sync status (the\n"
		   "changes a sync would make) and its health (Argo CD's rules), as one Status record per app.\n"
		   "Exit 0 when all are Synced and Healthy, 1 when not, 2 on bad input, 3 when git or a cluster\n"
		   "does not answer.",
	.options = options,
	.min_args = 0,
	.max_args = 0,
};

static const char *const sync_names[] = { "Synced", "OutOfSync", "Unknown" };

/* An app name read from the cluster lives in --argocd-namespace unless it names its own (NS/NAME). */
static int read_named(const struct status_opts *o, const char *what, struct gt_app_list *list)
{
	char buf[512];
	if (strcmp(what, "-") && !strchr(what, '/') && access(what, F_OK) != 0 &&
	    strcmp(o->argocd_namespace, GT_APP_CONTROL_NAMESPACE)) {
		snprintf(buf, sizeof(buf), "%s/%s", o->argocd_namespace, what);
		what = buf;
	}
	return gt_app_read(what, &o->kube, &o->lim, list);
}

/* Every Application asked for: --application, --applications, else all of the cluster. GT_EXIT_*. */
static int read_apps(struct status_opts *o, struct gt_app_list *list)
{
	int st = GT_EXIT_OK;
	for (size_t i = 0; st == GT_EXIT_OK && i < o->application.n; i++)
		st = read_named(o, o->application.v[i], list);
	if (st == GT_EXIT_OK && o->applications && o->repo) { /* the app-of-apps directory of that repo at REV */
		struct gt_git_opts g = o->git;
		char sha[GIT_OID_HEXSZ + 1];
		g.url = o->repo;
		st = gt_git_credentials_finish(&g) < 0 ? GT_EXIT_USAGE
						       : gt_app_read_repo(&g, o->revision, o->applications, &o->lim, list, sha);
	} else if (st == GT_EXIT_OK && o->applications) {
		st = gt_app_read(o->applications, &o->kube, &o->lim, list);
	}
	if (st == GT_EXIT_OK && !o->application.n && !o->applications)
		st = gt_app_read_cluster(&o->kube, o->argocd_namespace, list);
	for (size_t i = 0; st == GT_EXIT_OK && i < list->n; i++)
		if (list->v[i]->managed_fields_managers)
			st = (gt_error("%s: application %s: spec.ignoreDifferences: managedFieldsManagers: not supported by "
				       "gitops-status", list->v[i]->file, list->v[i]->name), GT_EXIT_INPUT);
	return st;
}

/* Each app's destination as a kubeconfig context (a copy: the lookup's answer does not outlive the next). */
static int find_contexts(const struct status_opts *o, struct app_state *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct gt_kube_opts k = o->kube;
		int st = gt_app_destination_context(s[i].app, &k);
		if (st != GT_EXIT_OK)
			return st;
		if (k.context && !(s[i].context = strdup(k.context)))
			return gt_error("out of memory"), GT_EXIT_INPUT;
	}
	return GT_EXIT_OK;
}

static const char *sync_policy(const struct gt_application *app)
{
	return !app->automated ? "Manual" : app->prune ? "Auto-Prune" : "Auto";
}

static json_t *record_of(const struct app_state *s)
{
	const struct gt_application *app = s->app;
	struct gt_status st = {
		.app = app->name, .app_namespace = app->namespace,
		.project = json_string_value(json_object_get(json_object_get(app->obj, "spec"), "project")),
		.repo = s->src ? s->src->repo_url : NULL, .path = s->src ? (s->src->chart ? s->src->chart : s->src->path) : NULL,
		.target_revision = s->target, .revision = s->sha,
		.dest_server = app->dest_server, .dest_name = app->dest_name, .dest_namespace = app->dest_namespace,
		.sync_policy = sync_policy(app), .sync = sync_names[s->sync],
		.create = s->changes.create, .update = s->changes.update, .delete = s->changes.delete - s->changes.ignored,
		.health = gt_health_name(s->health), .message = s->message,
	};
	return gt_status_record_new(&st);
}

static int write_records(const struct status_opts *o, const struct app_state *s, size_t n)
{
	json_t *records = json_array();
	int r = records ? 0 : -1;
	for (size_t i = 0; r == 0 && i < n; i++)
		r = json_array_append_new(records, record_of(&s[i]));
	if (r < 0)
		gt_error("out of memory");
	else if (o->format == GT_FORMAT_TEXT)
		r = print_table(stdout, records);
	else {
		struct gt_writer *w = gt_writer_new(stdout, o->format);
		size_t i;
		json_t *rec;
		r = w ? 0 : -1;
		json_array_foreach(records, i, rec)
			if (r == 0)
				r = gt_writer_put(w, rec);
		if (gt_writer_close(w) < 0)
			r = -1;
	}
	json_decref(records);
	return r;
}

/* 3 when git or a cluster did not answer, else 1 when an app is not Synced and Healthy, else 0. */
static int exit_code(const struct app_state *s, size_t n)
{
	int rc = GT_EXIT_OK;
	for (size_t i = 0; i < n; i++) {
		if (s[i].remote)
			return GT_EXIT_REMOTE;
		if (s[i].sync != SYNC_SYNCED || s[i].health != GT_HEALTH_HEALTHY)
			rc = GT_EXIT_DIFFERS;
	}
	return rc;
}

static int run(struct status_opts *o)
{
	struct gt_app_list list = { 0 };
	struct app_state *s = NULL;
	int st = read_apps(o, &list);
	if (st == GT_EXIT_OK && !list.n)
		st = (gt_error("no Application to show"), GT_EXIT_INPUT);
	if (st == GT_EXIT_OK && !(s = calloc(list.n, sizeof(*s))))
		st = (gt_error("out of memory"), GT_EXIT_INPUT);
	for (size_t i = 0; s && i < list.n; i++)
		s[i].app = list.v[i];
	if (st == GT_EXIT_OK)
		st = find_contexts(o, s, list.n);
	if (st == GT_EXIT_OK)
		st = render_apps(o, s, list.n);
	if (st == GT_EXIT_OK && gt_interrupted())
		st = GT_EXIT_INPUT; /* no record of a run cut short */
	if (st == GT_EXIT_OK)
		st = compare_apps(o, s, list.n);
	if (st == GT_EXIT_OK)
		st = write_records(o, s, list.n) < 0 ? (int)gt_exit_output_failed(exit_code(s, list.n)) : exit_code(s, list.n);
	for (size_t i = 0; s && i < list.n; i++) {
		free(s[i].context);
		free(s[i].message);
		json_decref(s[i].desired);
	}
	free(s);
	gt_app_list_release(&list);
	return st;
}

int main(int argc, char **argv)
{
	int first;
	opts.format = gt_default_format(stdout);
	int p = gt_parse(&command, argc, argv, &first);
	if (p == 0 && !opts.repo != !opts.revision) {
		gt_error("--repo and --revision go together: the apps of that repository at that revision");
		p = -1;
	}
	if (p != 0) {
		gt_strvec_release(&opts.application);
		gt_git_opts_clear(&opts.git);
		return p > 0 ? GT_EXIT_OK : GT_EXIT_USAGE;
	}
	gt_signals_catch(); /* an interrupted render leaves no temporary file behind */
	int st = run(&opts);
	gt_strvec_release(&opts.application);
	gt_git_opts_clear(&opts.git);
	gt_signals_reraise();
	return st;
}
