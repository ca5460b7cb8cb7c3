/* gitops-app-create: what its files share. */
#ifndef APPCREATE_H
#define APPCREATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "git.h"
#include "kube.h"

#define DEFAULT_DEST_SERVER "https://kubernetes.default.svc"
#define RESOURCES_FINALIZER "resources-finalizer.argocd.argoproj.io"
/* argocd app create's defaults for a retry (argoappv1.DefaultSyncRetry*). */
#define DEFAULT_RETRY_DURATION "5s"
#define DEFAULT_RETRY_MAX_DURATION "3m0s"
#define DEFAULT_RETRY_FACTOR 2
#define MAX_RETRY_LIMIT 2147483647UL /* an int64 in Argo CD; beyond this is no limit anyone means */

struct app_opts {
	const char *name, *repo, *revision, *path;
	const char *dest_server, *dest_name, *dest_namespace;
	const char *project, *namespace;
	int automated; /* --sync-policy: 1 automated, 0 none */
	bool auto_prune, self_heal, allow_empty;
	struct gt_strvec sync_options, values, helm_sets, kustomize_images, labels, annotations;
	unsigned long retry_limit;
	double retry_backoff; /* --retry-backoff-duration in seconds; < 0: not given */
	const char *release_name, *name_prefix;
	bool directory_recurse, finalizer, apply, upsert;
	unsigned timeout;
	struct gt_kube_opts kube; /* --apply: kubectl's connection flags */
	struct gt_git_opts git;   /* --validate: how to reach the repository */
	int validate;             /* --validate true|false: check the source first (default true) */
	enum gt_format format;
};

/* ---- validate.c: each -1 after printing a message that names the flag ---- */
int check_dns_subdomain(const char *flag, const char *value);
int check_dns_label(const char *flag, const char *value);
int check_release_name(const char *value);
int check_path(const char *path);
/* Option checks (struct gt_option .check) of the repeatable options' values. */
int check_sync_option(const char *flag, const char *value);
int check_label(const char *flag, const char *kv);
int check_annotation(const char *flag, const char *kv);
int check_helm_set(const char *flag, const char *kv);
int check_not_empty(const char *flag, const char *value);

/* ---- source.c ---- */
/* --validate: the repository answers, the revision resolves, the path is a directory there and renders.
 * GT_EXIT_OK; GT_EXIT_REMOTE (unreachable, authentication) or GT_EXIT_INPUT after printing one line. */
int source_check(struct app_opts *o);

/* ---- app.c ---- */
/* The Application argocd app create would make for o; NULL on bad input (printed). */
json_t *app_new(const struct app_opts *o);

#endif
