/* gitops-app-create: declare the Argo CD Application that points at the manifest repo, as argocd app create would. */
#include <stdlib.h>
#include <string.h>

#include "appcreate.h"
#include "diff.h"
#include "kube.h"
#include "redact.h"
#include "stream.h"

static const struct gt_choice sync_policies[] = {
	{ "automated", 1 }, { "automatic", 1 }, { "auto", 1 }, { "none", 0 }, { "manual", 0 }, GT_CHOICES_END
};

static const struct gt_choice booleans[] = { { "true", 1 }, { "false", 0 }, GT_CHOICES_END };

static struct app_opts opts = {
	.revision = "HEAD", .project = "default", .namespace = "argocd", .retry_backoff = -1, .validate = 1
};

/* Where argocd app create takes "" as not given (its setters skip empty values): GT_OPT_STRING_EMPTY_UNSET. */
static const struct gt_option options[] = {
	GT_OPT_STRING(0, "repo", "URL", &opts.repo,
		      "the manifest repository, exactly as registered with gitops-repo-add (required)"),
	GT_OPT_STRING(0, "revision", "REV", &opts.revision, "branch, tag or commit to follow (default HEAD)"),
	GT_OPT_STRING_EMPTY_UNSET(0, "path", "PATH", &opts.path, "the directory in the repository"),
	GT_OPT_STRING(0, "dest-server", "URL", &opts.dest_server,
		      "API server of the target cluster (default https://kubernetes.default.svc)"),
	GT_OPT_STRING(0, "dest-name", "NAME", &opts.dest_name, "the target cluster by its Argo CD name, instead of --dest-server"),
	GT_OPT_STRING_EMPTY_UNSET(0, "dest-namespace", "NS", &opts.dest_namespace, "namespace for namespaced objects that name none"),
	GT_OPT_STRING(0, "project", "PROJECT", &opts.project, "the AppProject (default default)"),
	GT_OPT_STRING(0, "argocd-namespace", "NS", &opts.namespace,
		      "the namespace of the Application: where Argo CD runs (default argocd)"),
	GT_OPT_STRING('n', "namespace", "NS", &opts.namespace, "the same as --argocd-namespace, as kubectl's -n"),
	GT_OPT_CHOICE(0, "sync-policy", "POLICY", &opts.automated, sync_policies, "(default none)"),
	GT_OPT_FLAG(0, "auto-prune", &opts.auto_prune, "with automated sync: delete objects that left the repository"),
	GT_OPT_FLAG(0, "self-heal", &opts.self_heal, "with automated sync: undo changes made in the cluster"),
	GT_OPT_FLAG(0, "allow-empty", &opts.allow_empty, "with automated sync: allow syncing to no objects at all"),
	GT_OPT_LIST(0, "sync-option", "OPTION", &opts.sync_options, check_sync_option,
		    "a sync option such as CreateNamespace=true (repeatable)"),
	GT_OPT_UINT(0, "retry-limit", "N", &opts.retry_limit, 0, MAX_RETRY_LIMIT,
		    "retry a failed sync N times (default 0: no retries)"),
	GT_OPT_DURATION(0, "retry-backoff-duration", &opts.retry_backoff, 0, GT_MAX_DURATION,
			"first wait before a retry, e.g. 10s or 1m (default 5s)"),
	GT_OPT_LIST(0, "values", "PATH", &opts.values, check_not_empty, "Helm values file, relative to --path (repeatable)"),
	GT_OPT_LIST(0, "helm-set", "KEY=VALUE", &opts.helm_sets, check_helm_set, "Helm parameter (repeatable)"),
	GT_OPT_STRING_EMPTY_UNSET(0, "release-name", "NAME", &opts.release_name,
				  "Helm release name (default: the Application's name)"),
	GT_OPT_LIST(0, "kustomize-image", "IMAGE", &opts.kustomize_images, check_not_empty,
		    "Kustomize image [OLD=]NEW[:TAG|@DIGEST] (repeatable)"),
	GT_OPT_STRING_EMPTY_UNSET(0, "name-prefix", "PREFIX", &opts.name_prefix, "Kustomize name prefix"),
	GT_OPT_FLAG(0, "directory-recurse", &opts.directory_recurse, "a plain directory: read its subdirectories too"),
	GT_OPT_LIST('l', "label", "KEY=VALUE", &opts.labels, check_label, "label on the Application (repeatable)"),
	GT_OPT_LIST(0, "annotation", "KEY=VALUE", &opts.annotations, check_annotation,
		    "annotation on the Application (repeatable)"),
	GT_OPT_FLAG(0, "finalizer", &opts.finalizer, "deleting the Application deletes its objects (resources-finalizer)"),
	GT_OPT_CHOICE(0, "validate", "BOOL", &opts.validate, booleans,
		      "(default true: check that the repository answers, the revision resolves, the path is a "
		      "directory there and renders, as argocd app create does)"),
	GT_OPT_STRING_EMPTY_UNSET(0, "username", "USER", &opts.git.username,
				  "git user name sent with the token when validating (default GITOPS_GIT_USERNAME, else "
				  "the URL's, else gitops)"),
	GT_OPT_CALLBACK(0, "password-file", "FILE", &opts.git, gt_git_token_option,
			"read the git token for validating from FILE (else GITOPS_GIT_TOKEN, SYSTEM_ACCESSTOKEN)"),
	GT_OPT_CALLBACK(0, "password-stdin", NULL, &opts.git, gt_git_token_option,
			"read the git token for validating from standard input"),
	GT_OPT_STRING(0, "cache-dir", "DIR", &opts.git.cache_dir,
		      "where cached clones live (default $XDG_CACHE_HOME/gitops-tools)"),
	GT_OPT_STRING_CHECKED(0, "ca-file", "FILE", &opts.git.ca_file, gt_check_readable,
			      "trust the certificates in FILE for https remotes"),
	GT_OPT_FLAG(0, "insecure-skip-tls-verify", &opts.git.insecure,
		    "do not verify the repository's certificate when validating (testing only)"),
	GT_OPT_FLAG(0, "apply", &opts.apply, "apply the Application with kubectl apply --server-side"),
	GT_KUBE_OPTIONS(&opts.kube),
	GT_KUBE_CLUSTER_OPTION(&opts.kube),
	GT_OPT_FLAG(0, "upsert", &opts.upsert, "with --apply: replace an Application whose spec differs"),
	GT_OPT_SECONDS(0, "timeout", &opts.timeout, GT_SECONDS(1), GT_MAX_DURATION,
		       "limit for each network step, engine run and cluster request (default 60s)"),
	GT_OPT_CHOICE('o', "output", "FORMAT", &opts.format, gt_formats_json_yaml,
		      "(default: yaml on a terminal, else json)"),
	GT_OPTIONS_END
};

static const struct gt_command command = {
	.name = "gitops-app-create",
	.synopsis = "NAME --repo URL [--path PATH] [--dest-namespace NS] [OPTIONS]",
	.summary = "Write the Argo CD Application NAME for the manifest repository, with the fields argocd app create\n"
		   "sets for the same flags, or apply it with kubectl.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
};

/* ---- checks that need every option ---- */

static int check_sync_policy(const struct app_opts *o)
{
	const char *needs = o->auto_prune ? "--auto-prune" : o->self_heal ? "--self-heal" : o->allow_empty ? "--allow-empty" : NULL;
	if (needs && !o->automated)
		return gt_error("%s: needs --sync-policy automated (argocd app create refuses it without)", needs), -1;
	if (o->retry_backoff >= 0 && o->retry_limit == 0)
		return gt_error("--retry-backoff-duration: needs --retry-limit N (at least 1)"), -1;
	return 0;
}

/* Two sync options with one key and different values contradict each other. */
static int check_sync_option_keys(const struct gt_strvec *opts)
{
	for (size_t i = 0; i < opts->n; i++)
		for (size_t j = 0; j < i; j++) {
			size_t ki = strcspn(opts->v[i], "="), kj = strcspn(opts->v[j], "=");
			if (ki == kj && !strncmp(opts->v[i], opts->v[j], ki) && strcmp(opts->v[i], opts->v[j]))
				return gt_error("--sync-option %s and --sync-option %s contradict each other", opts->v[j],
						opts->v[i]),
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
	struct gt_kube_opts ko = o->kube;
	ko.namespace = o->namespace;
	ko.timeout = ko.timeout ? ko.timeout : o->timeout;
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

static int app_create(struct app_opts *o)
{
	json_t *app = app_new(o);
	if (!app)
		return GT_EXIT_INPUT;
	int checked = source_check(o);
	if (checked != GT_EXIT_OK)
		return json_decref(app), checked;
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
	gt_git_opts_clear(&o->git);
	struct gt_strvec *lists[] = { &o->sync_options, &o->values, &o->helm_sets, &o->kustomize_images, &o->labels,
				      &o->annotations };
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		gt_strvec_release(lists[i]);
}

int main(int argc, char **argv)
{
	struct app_opts *o = &opts;
	int first;
	o->format = gt_default_format(stdout) == GT_FORMAT_TEXT ? GT_FORMAT_YAML : GT_FORMAT_JSON;
	int st = gt_parse(&command, argc, argv, &first);
	if (st == 0) {
		o->name = argv[first];
		o->git.url = o->repo;
		if (check_usage(o) < 0 || (o->validate && gt_git_credentials_finish(&o->git) < 0))
			st = -1;
	}
	if (st != 0) {
		opts_free(o);
		return st < 0 ? GT_EXIT_USAGE : GT_EXIT_OK;
	}
	st = app_create(o);
	opts_free(o);
	return st;
}
