/* application: Argo CD Applications (argoproj.io/v1alpha1) read from a file, a directory of them
 * (an app-of-apps repo), a stream or the cluster, checked field by field: what affects manifests,
 * sync or diff is parsed; a field this suite does not support is an error naming it and the file,
 * never silently ignored. The tools map the result onto their own options. */
#ifndef GT_APPLICATION_H
#define GT_APPLICATION_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "git.h"
#include "kube.h"
#include "limits.h"
#include "vec.h"

/* Argo CD's control-plane namespace: an app elsewhere has the instance name "<ns>_<name>". */
#define GT_APP_CONTROL_NAMESPACE "argocd"

enum gt_app_source_type { GT_APP_TYPE_AUTO, GT_APP_TYPE_DIRECTORY, GT_APP_TYPE_HELM, GT_APP_TYPE_KUSTOMIZE, GT_APP_TYPE_PLUGIN };

/* One helm parameter: --set NAME=VALUE, or --set-string when force_string. */
struct gt_app_param {
	const char *name, *value;
	bool force_string;
};

/* Every string below is borrowed from the Application's JSON (struct gt_application.obj). */
struct gt_app_source {
	const char *repo_url, *target_revision, *path, *chart, *ref, *name;
	enum gt_app_source_type type; /* the explicit type: the one settings block present, else AUTO */
	/* helm */
	struct gt_strvec value_files;
	const char *values;      /* inline values as YAML text (values), or NULL */
	json_t *values_object;   /* valuesObject (wins over values), or NULL */
	struct gt_app_param *params;
	size_t n_params;
	struct gt_strvec file_params; /* "NAME=PATH" for --set-file (owned strings) */
	const char *release_name, *helm_namespace, *kube_version;
	struct gt_strvec api_versions;
	bool skip_crds, ignore_missing_value_files, skip_tests, skip_schema_validation;
	/* kustomize: the block as written (the render edits a copy of the kustomization with it) */
	json_t *kustomize;
	/* directory */
	bool recurse;
	struct gt_strvec include, exclude;
	/* plugin */
	json_t *plugin;
};

struct gt_application {
	json_t *obj;  /* the whole object (owned) */
	char *file;   /* where it was read, for messages (owned) */
	const char *name, *namespace;
	char *instance; /* Argo CD's instance name: NAME, or NS_NAME outside the control plane (owned) */
	struct gt_app_source *sources;
	size_t n_sources;
	bool multi; /* spec.sources */
	const char *dest_server, *dest_name, *dest_namespace;
	bool automated, prune, self_heal, allow_empty;
	struct gt_strvec sync_options; /* "Key=Value" */
	bool create_namespace, prune_last, server_side_apply, replace, apply_out_of_sync_only;
	bool respect_ignore_differences;
	/* spec.ignoreDifferences as gitops-diff rules GROUP/KIND[/NS/NAME]:POINTER (owned strings) */
	struct gt_strvec ignore_rules;
	/* managedFieldsManagers named anywhere (owned strings): diff cannot honour them */
	bool managed_fields_managers;
};

struct gt_app_list {
	struct gt_application **v;
	size_t n, alloc;
};

/*
 * Read Applications from what: a file, a directory (every .yaml/.yml/.json at its top level that
 * holds Applications; other objects are skipped), "-" (standard input), else an Application name
 * read from the cluster (namespace GT_APP_CONTROL_NAMESPACE, or NS/NAME) through kube. Appends to
 * list. A malformed or unsupported Application is an error naming the field and the file.
 * GT_EXIT_OK, else GT_EXIT_INPUT / GT_EXIT_REMOTE after printing.
 */
int gt_app_read(const char *what, const struct gt_kube_opts *kube, const struct gt_limits *lim,
		struct gt_app_list *list);
/* Read Applications from text held in memory (name for messages). GT_EXIT_* after printing. */
int gt_app_read_mem(const char *buf, size_t len, const char *name, const struct gt_limits *lim,
		    struct gt_app_list *list);
/* Every Application in directory dir of the repository g->url (credentials finished) at rev, read from the tree
 * of the commit (one fetch, no checkout); *sha the commit. None there is an error. GT_EXIT_* after printing. */
int gt_app_read_repo(const struct gt_git_opts *g, const char *rev, const char *dir, const struct gt_limits *lim,
		     struct gt_app_list *list, char sha[GIT_OID_HEXSZ + 1]);
/* Every Application of the cluster (one kubectl get). GT_EXIT_* after printing. */
int gt_app_read_cluster(const struct gt_kube_opts *kube, const char *namespace, struct gt_app_list *list);
/* Check and parse one Application object (takes a reference to obj). NULL after printing. */
struct gt_application *gt_app_parse(json_t *obj, const char *file);
void gt_app_free(struct gt_application *app);
void gt_app_list_release(struct gt_app_list *list);

/* The sources that produce manifests (a "ref" source without a path or chart only lends its files). */
bool gt_app_source_renders(const struct gt_app_source *s);
/* The source a single-source tool renders: the one that renders; NULL after printing when there is none or more than one. */
const struct gt_app_source *gt_app_render_source(const struct gt_application *app);
/* The source whose ref is name ("values" for "$values/..."), or NULL. */
const struct gt_app_source *gt_app_ref_source(const struct gt_application *app, const char *name);
/* Argo CD's sameness of repository URLs (NormalizeGitURL: case, ".git", scp-style ssh). */
bool gt_app_same_repo(const char *a, const char *b);
/* The in-cluster destination (the current context): server https://kubernetes.default.svc or name in-cluster. */
bool gt_app_in_cluster(const struct gt_application *app);

/*
 * What gitops-diff, gitops-apply and gitops-health take from --application APP: exactly one
 * Application read (as gt_app_read; *app new), and its destination as the kubeconfig context in
 * kube->context unless one was given: the context whose cluster's server is destination.server,
 * the context named destination.name, the current one for the in-cluster destination.
 * GT_EXIT_*, printed.
 */
int gt_app_read_one(const char *what, struct gt_kube_opts *kube, const struct gt_limits *lim,
		    struct gt_application **app);
int gt_app_destination_context(const struct gt_application *app, struct gt_kube_opts *kube);

#endif
