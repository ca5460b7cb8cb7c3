/* gitops-app-create: declare the Argo CD Application that points at the manifest repo, as argocd app create would. */
#include <stdlib.h>
#include <string.h>

#include "appcreate.h"
#include "diff.h"
#include "kube.h"
#include "redact.h"
#include "stream.h"

static const struct gt_option options[] = {
	{ "repo", 0, "URL", "the manifest repository, exactly as registered with gitops-repo-add (required)" },
	{ "revision", 0, "REV", "branch, tag or commit to follow (default HEAD)" },
	{ "path", 0, "PATH", "the directory in the repository" },
	{ "dest-server", 0, "URL", "API server of the target cluster (default https://kubernetes.default.svc)" },
	{ "dest-name", 0, "NAME", "the target cluster by its Argo CD name, instead of --dest-server" },
	{ "dest-namespace", 0, "NS", "namespace for namespaced objects that name none" },
	{ "project", 0, "PROJECT", "the AppProject (default default)" },
	{ "argocd-namespace", 0, "NS", "the namespace of the Application: where Argo CD runs (default argocd)" },
	{ "sync-policy", 0, "POLICY", "automated or none (default none)" },
	{ "auto-prune", 0, NULL, "with automated sync: delete objects that left the repository" },
	{ "self-heal", 0, NULL, "with automated sync: undo changes made in the cluster" },
	{ "allow-empty", 0, NULL, "with automated sync: allow syncing to no objects at all" },
	{ "sync-option", 0, "OPTION", "a sync option such as CreateNamespace=true (repeatable)" },
	{ "retry-limit", 0, "N", "retry a failed sync N times (default 0: no retries)" },
	{ "retry-backoff-duration", 0, "DURATION", "first wait before a retry, e.g. 10s or 1m (default 5s)" },
	{ "values", 0, "PATH", "Helm values file, relative to --path (repeatable)" },
	{ "helm-set", 0, "KEY=VALUE", "Helm parameter (repeatable)" },
	{ "release-name", 0, "NAME", "Helm release name (default: the Application's name)" },
	{ "kustomize-image", 0, "IMAGE", "Kustomize image [OLD=]NEW[:TAG|@DIGEST] (repeatable)" },
	{ "name-prefix", 0, "PREFIX", "Kustomize name prefix" },
	{ "directory-recurse", 0, NULL, "a plain directory: read its subdirectories too" },
	{ "label", 'l', "KEY=VALUE", "label on the Application (repeatable)" },
	{ "annotation", 0, "KEY=VALUE", "annotation on the Application (repeatable)" },
	{ "finalizer", 0, NULL, "deleting the Application deletes its objects (resources-finalizer)" },
	{ "apply", 0, NULL, "apply the Application with kubectl apply --server-side" },
	{ "upsert", 0, NULL, "with --apply: replace an Application whose spec differs" },
	{ "timeout", 0, "SECONDS", "limit for each cluster request with --apply (default 60)" },
	{ "output", 'o', "FORMAT", "json or yaml (default: yaml on a terminal, else json)" },
	GT_OPTIONS_END
};

static int set_option(void *ctx, const struct gt_option *opt, const char *arg);

static const struct gt_command command = {
	.name = "gitops-app-create",
	.synopsis = "NAME --repo URL [--path PATH] [--dest-namespace NS] [OPTIONS]",
	.summary = "Write the Argo CD Application NAME for the manifest repository, with the fields argocd app create\n"
		   "sets for the same flags, or apply it with kubectl.",
	.options = options,
	.set = set_option,
	.min_args = 1,
	.max_args = 1,
};

static int push(struct strlist *l, const char *v)
{
	const char **items = realloc(l->items, (l->n + 1) * sizeof(*items));
	if (!items)
		return gt_error("out of memory"), -1;
	items[l->n++] = v;
	l->items = items;
	return 0;
}

/* Repeatable options, each with the check its values need (NULL: none). */
static int set_list(struct app_opts *o, const char *n, const char *arg)
{
	if (!strcmp(n, "sync-option"))
		return check_sync_option(arg) < 0 ? -1 : push(&o->sync_options, arg);
	if (!strcmp(n, "values"))
		return !*arg ? (gt_error("--values: empty path"), -1) : push(&o->values, arg);
	if (!strcmp(n, "helm-set")) {
		const char *eq = strchr(arg, '=');
		if (!eq || eq == arg)
			return gt_error("--helm-set %s: use KEY=VALUE", arg), -1;
		return push(&o->helm_sets, arg);
	}
	if (!strcmp(n, "kustomize-image"))
		return !*arg ? (gt_error("--kustomize-image: empty image"), -1) : push(&o->kustomize_images, arg);
	if (!strcmp(n, "label"))
		return check_label("--label", arg) < 0 ? -1 : push(&o->labels, arg);
	if (!strcmp(n, "annotation"))
		return check_annotation(arg) < 0 ? -1 : push(&o->annotations, arg);
	return 1;
}

/* Where argocd app create takes "" as not given (its setters skip empty values). */
static bool empty_means_unset(const char *name)
{
	static const char *const names[] = { "path", "dest-namespace", "release-name", "name-prefix" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* Options that are a string or a flag; 1 if opt was one of them. */
static int set_simple(struct app_opts *o, const char *n, const char *arg)
{
	struct { const char *name; const char **str; bool *flag; } simple[] = {
		{ "repo", &o->repo, NULL }, { "revision", &o->revision, NULL }, { "path", &o->path, NULL },
		{ "dest-server", &o->dest_server, NULL }, { "dest-name", &o->dest_name, NULL },
		{ "dest-namespace", &o->dest_namespace, NULL }, { "project", &o->project, NULL },
		{ "argocd-namespace", &o->namespace, NULL }, { "sync-policy", &o->sync_policy, NULL },
		{ "release-name", &o->release_name, NULL }, { "name-prefix", &o->name_prefix, NULL },
		{ "auto-prune", NULL, &o->auto_prune }, { "self-heal", NULL, &o->self_heal },
		{ "allow-empty", NULL, &o->allow_empty }, { "directory-recurse", NULL, &o->directory_recurse },
		{ "finalizer", NULL, &o->finalizer }, { "apply", NULL, &o->apply }, { "upsert", NULL, &o->upsert },
	};
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		if (strcmp(n, simple[i].name))
			continue;
		if (simple[i].str)
			*simple[i].str = *arg || !empty_means_unset(n) ? arg : NULL;
		else
			*simple[i].flag = true;
		return 1;
	}
	return 0;
}

static int set_option(void *ctx, const struct gt_option *opt, const char *arg)
{
	struct app_opts *o = ctx;
	const char *n = opt->name;
	int r = set_list(o, n, arg);
	if (r <= 0)
		return r;
	if (set_simple(o, n, arg))
		return 0;
	if (!strcmp(n, "retry-limit")) {
		o->retry_limit_set = true;
		return gt_parse_uint(n, arg, MAX_RETRY_LIMIT, &o->retry_limit);
	}
	if (!strcmp(n, "retry-backoff-duration")) {
		free(o->retry_duration);
		return (o->retry_duration = go_duration_dup("--retry-backoff-duration", arg)) ? 0 : -1;
	}
	if (!strcmp(n, "timeout")) {
		if (gt_parse_uint(n, arg, MAX_TIMEOUT, &o->timeout) < 0)
			return -1;
		return o->timeout ? 0 : (gt_error("--timeout 0: give a number of seconds, at least 1"), -1);
	}
	if (!strcmp(n, "output")) {
		o->format_set = true;
		return gt_parse_format(arg, GT_FORMATS_JSON_YAML, &o->format);
	}
	return 0;
}

/* ---- checks that need every option ---- */

static int check_sync_policy(struct app_opts *o)
{
	static const char *const automated[] = { "automated", "automatic", "auto" };
	const char *p = o->sync_policy;
	for (size_t i = 0; p && i < 3; i++)
		o->automated = o->automated || !strcmp(p, automated[i]);
	if (p && !o->automated && strcmp(p, "none") && strcmp(p, "manual"))
		return gt_error("--sync-policy %s: use automated or none", p), -1;
	const char *needs = o->auto_prune ? "--auto-prune" : o->self_heal ? "--self-heal" : o->allow_empty ? "--allow-empty" : NULL;
	if (needs && !o->automated)
		return gt_error("%s: needs --sync-policy automated (argocd app create refuses it without)", needs), -1;
	if (o->retry_duration && !(o->retry_limit_set && o->retry_limit > 0))
		return gt_error("--retry-backoff-duration: needs --retry-limit N (at least 1)"), -1;
	return 0;
}

/* Two sync options with one key and different values contradict each other. */
static int check_sync_option_keys(const struct strlist *opts)
{
	for (size_t i = 0; i < opts->n; i++)
		for (size_t j = 0; j < i; j++) {
			size_t ki = strcspn(opts->items[i], "="), kj = strcspn(opts->items[j], "=");
			if (ki == kj && !strncmp(opts->items[i], opts->items[j], ki) && strcmp(opts->items[i], opts->items[j]))
				return gt_error("--sync-option %s and --sync-option %s contradict each other", opts->items[j],
						opts->items[i]),
				       -1;
		}
	return 0;
}

/* Helm, Kustomize and plain-directory settings exclude each other (ApplicationSource.ExplicitType). */
static int check_source_type(const struct app_opts *o)
{
	const char *flag[3] = {
		o->values.n ? "--values" : o->helm_sets.n ? "--helm-set" : o->release_name ? "--release-name" : NULL,
		o->kustomize_images.n ? "--kustomize-image" : o->name_prefix ? "--name-prefix" : NULL,
		o->directory_recurse ? "--directory-recurse" : NULL,
	};
	static const char *const type[3] = { "Helm", "Kustomize", "a plain directory" };
	int a = -1;
	for (int i = 0; i < 3; i++) {
		if (!flag[i])
			continue;
		if (a >= 0)
			return gt_error("%s and %s: one is for %s, the other for %s; Argo CD refuses an Application "
					"with two source types", flag[a], flag[i], type[a], type[i]),
			       -1;
		a = i;
	}
	return 0;
}

static int check_names(const struct app_opts *o)
{
	if (check_dns_subdomain("NAME", o->name) < 0 || check_dns_label("--argocd-namespace", o->namespace) < 0 ||
	    check_dns_subdomain("--project", o->project) < 0)
		return -1;
	if (o->dest_namespace && check_dns_label("--dest-namespace", o->dest_namespace) < 0)
		return -1;
	if (o->release_name && check_release_name(o->release_name) < 0)
		return -1;
	if (o->path && check_path(o->path) < 0)
		return -1;
	return 0;
}

static int check_usage(struct app_opts *o)
{
	if (!o->repo || !*o->repo)
		return gt_error("--repo URL is required; see '%s --help'", command.name), -1;
	/* The Application is stored in the cluster and shown by Argo CD to everyone who may read it. */
	if (gt_url_check_credentials(o->repo, NULL, "register the credentials with gitops-repo-add") < 0)
		return -1;
	if (!*o->revision)
		return gt_error("--revision: empty; leave it out for HEAD"), -1;
	if (o->dest_server && o->dest_name)
		return gt_error("--dest-server and --dest-name: give one of them (Argo CD: can't have both name and "
				"server defined)"), -1;
	if (o->dest_server && strncmp(o->dest_server, "https://", 8) && strncmp(o->dest_server, "http://", 7))
		return gt_error("--dest-server %s: give the cluster's API URL, e.g. %s", o->dest_server, DEFAULT_DEST_SERVER), -1;
	if (o->dest_name && !*o->dest_name)
		return gt_error("--dest-name: empty"), -1;
	if (o->upsert && !o->apply)
		return gt_error("--upsert: only with --apply"), -1;
	if (check_names(o) < 0 || check_sync_policy(o) < 0 || check_sync_option_keys(&o->sync_options) < 0 ||
	    check_source_type(o) < 0)
		return -1;
	return 0;
}

/* ---- --apply ---- */

static const char *name_of(const json_t *obj)
{
	return json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
}

/* The part of obj that --upsert is about: its spec, and of its metadata the labels and annotations app sets
 * and app's finalizers it has. A live Application carries more (Argo CD and other tools add their own). */
static json_t *compared_part_new(const json_t *obj, const json_t *app)
{
	static const char *const maps[] = { "labels", "annotations" };
	const json_t *om = json_object_get(obj, "metadata"), *am = json_object_get(app, "metadata");
	json_t *part = json_object(), *meta = json_object(), *fins = json_array(), *v;
	const char *k;
	size_t i, j;
	if (!part || !meta || !fins)
		return json_decref(part), json_decref(meta), json_decref(fins), NULL;
	if (json_object_get(obj, "spec"))
		json_object_set(part, "spec", json_object_get(obj, "spec"));
	for (i = 0; i < 2; i++) {
		json_t *m = json_object();
		json_object_foreach(json_object_get(am, maps[i]), k, v)
			if (m && json_object_get(json_object_get(om, maps[i]), k))
				json_object_set(m, k, json_object_get(json_object_get(om, maps[i]), k));
		if (json_object_size(m))
			json_object_set(meta, maps[i], m);
		json_decref(m);
	}
	json_array_foreach(json_object_get(am, "finalizers"), i, v) {
		json_t *f;
		json_array_foreach(json_object_get(om, "finalizers"), j, f)
			if (json_equal(f, v)) {
				json_array_append(fins, v);
				break;
			}
	}
	if (json_array_size(fins))
		json_object_set(meta, "finalizers", fins);
	if (json_object_size(meta))
		json_object_set(part, "metadata", meta);
	json_decref(meta);
	json_decref(fins);
	return part;
}

/* Where live differs from what app sets, for the refusal: "spec.destination.namespace: "prod" -> "staging"; ...".
 * Helm values and parameters and plugin env may hold secrets: those are named, never shown. "" when live
 * carries everything app sets; NULL when out of memory. */
static char *app_differences(const json_t *live, const json_t *app)
{
	static const char *const secret_keys[] = { "values", "valuesObject", "parameters", "fileParameters", "env", NULL };
	const struct gt_diff_summary_opts so = { .values = true, .secret_keys = secret_keys, .max = 6 };
	json_t *have = compared_part_new(live, app), *want = compared_part_new(app, app);
	char *diff = have && want ? gt_diff_summary_new(have, want, &so) : NULL;
	json_decref(have);
	json_decref(want);
	return diff;
}

/* argocd app create's rule: an existing Application with another spec needs --upsert. */
static int apply_app(const struct app_opts *o, const json_t *app)
{
	struct gt_kube_opts ko = { .namespace = o->namespace, .timeout = (unsigned)o->timeout };
	json_t *live = NULL;
	const char *what = "created";
	if (gt_kube_get(&ko, "applications.argoproj.io", o->name, &live) < 0)
		return GT_EXIT_REMOTE;
	bool exists = live != NULL;
	char *diff = exists ? app_differences(live, app) : NULL;
	json_decref(live);
	if (exists && !diff)
		return gt_error("out of memory"), GT_EXIT_INPUT;
	if (diff && !*diff)
		what = "unchanged";
	else if (diff && !o->upsert) {
		gt_error("application %s/%s exists with a different spec (%s); use --upsert to replace it", o->namespace,
			 o->name, diff);
		free(diff);
		return GT_EXIT_DIFFERS;
	} else if (diff) {
		what = "updated";
		ko.force_conflicts = true;
	}
	free(diff);
	if (gt_kube_apply(&ko, app) < 0)
		return GT_EXIT_REMOTE;
	gt_info("application %s/%s %s", o->namespace, name_of(app), what);
	return GT_EXIT_OK;
}

static int app_create(const struct app_opts *o)
{
	json_t *app = app_new(o);
	if (!app)
		return GT_EXIT_INPUT;
	int st = o->apply ? apply_app(o, app) : GT_EXIT_OK;
	if (st == GT_EXIT_OK) {
		struct gt_writer *w = gt_writer_new(stdout, o->format);
		if (!w || gt_writer_put(w, app) < 0)
			st = GT_EXIT_INPUT;
		if (gt_writer_close(w) < 0)
			st = GT_EXIT_INPUT;
	}
	json_decref(app);
	return st;
}

static void opts_free(struct app_opts *o)
{
	struct strlist *lists[] = { &o->sync_options, &o->values, &o->helm_sets, &o->kustomize_images, &o->labels,
				    &o->annotations };
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		free(lists[i]->items);
	free(o->retry_duration);
}

int main(int argc, char **argv)
{
	struct app_opts o = { .revision = "HEAD", .project = "default", .namespace = "argocd" };
	int first, st = gt_parse(&command, argc, argv, &o, &first);
	if (st == 0) {
		o.name = argv[first];
		if (!o.format_set)
			o.format = gt_default_format(stdout) == GT_FORMAT_TEXT ? GT_FORMAT_YAML : GT_FORMAT_JSON;
		if (check_usage(&o) < 0)
			st = -1;
	}
	if (st != 0) {
		opts_free(&o);
		return st < 0 ? GT_EXIT_USAGE : GT_EXIT_OK;
	}
	st = app_create(&o);
	opts_free(&o);
	return st;
}
