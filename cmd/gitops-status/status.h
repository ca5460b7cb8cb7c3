/* gitops-status: what its files share: the options, and what is learnt about each Application. */
#ifndef STATUS_H
#define STATUS_H

#include <jansson.h>
#include <stdbool.h>

#include "application.h"
#include "cli.h"
#include "diff.h"
#include "git.h"
#include "health.h"
#include "kube.h"

struct status_opts {
	struct gt_strvec application;   /* --application APP, repeatable */
	const char *applications;       /* --applications DIR|- */
	const char *repo, *revision;    /* --repo URL --revision REV: that repository's apps at REV */
	const char *argocd_namespace;   /* where Applications are read from the cluster */
	struct gt_git_opts git;
	struct gt_kube_opts kube;
	struct gt_limits lim;
	int format;                     /* enum gt_format */
};

enum sync_status { SYNC_SYNCED, SYNC_OUT_OF_SYNC, SYNC_UNKNOWN };

/* One Application and what was learnt about it; the strings are owned unless said. */
struct app_state {
	const struct gt_application *app; /* borrowed from the list read */
	const struct gt_app_source *src;  /* the first source that renders (NULL: none) */
	const char *target;               /* the revision rendered: targetRevision, or --revision (borrowed) */
	char sha[GIT_OID_HEXSZ + 1];      /* the commit it resolved to; "" unknown */
	char *context;                    /* kubeconfig context of its destination; NULL: the current one */
	json_t *desired;                  /* its render, hooks left out; NULL: the render failed */
	enum sync_status sync;
	struct gt_diff_stats changes;
	enum gt_health health;
	char *message;                    /* the first problem, naming the object; NULL: none */
	bool remote;                      /* a git server or the cluster did not answer for it (exit 3) */
};

/* The first problem of s, unless it has one already (printf-style; out of memory leaves it NULL). */
void state_problem(struct app_state *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Resolve each app's revision (one fetch per repository) and render it (gitops-render --application, one
 * child per app); a failure is that app's (sync and health Unknown, the engine's message). GT_EXIT_OK, or
 * GT_EXIT_INPUT / GT_EXIT_USAGE for what concerns them all (printed). */
int render_apps(const struct status_opts *o, struct app_state *s, size_t n);

/* Per destination cluster, one read of the kinds the apps render, then each app's sync (its ignoreDifferences
 * applied) and health (Argo CD's rules, the worst of its objects). GT_EXIT_OK or GT_EXIT_INPUT (printed). */
int compare_apps(const struct status_opts *o, struct app_state *s, size_t n);

/* The Status records as a table like `argocd app list`. 0, or -1 when stdout failed. */
int print_table(FILE *out, const json_t *records);

#endif
