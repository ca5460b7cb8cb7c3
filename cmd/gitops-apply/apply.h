/* gitops-apply: what main.c, plan.c, sync.c and report.c share. */
#ifndef GITOPS_APPLY_H
#define GITOPS_APPLY_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "cli.h"
#include "diff.h"
#include "kube.h"
#include "limits.h"
#include "obj.h"

#define APPLY_DEFAULT_MAX_PRUNE 20
#define APPLY_DEFAULT_TIMEOUT 300.0 /* seconds for the whole sync, waits included */
/* Seconds past --timeout a kubectl call may take: one stopped by its own --request-timeout
 * (set from what is left of --timeout) still says which objects it applied. */
#define APPLY_KUBECTL_GRACE 2

struct apply_opts {
	struct gt_strvec files;    /* -f, each (repeatable, read in order as one input); none given: "-" */
	const char *app;           /* --app: tracking id owner, needed for --prune */
	enum gt_tracking tracking; /* --tracking: how --app's objects are marked */
	int prune_scope;           /* --prune-scope: enum gt_prune_scope */
	bool prune, allow_empty, dry_run, wait, force_conflicts, create_namespace, server_side_diff;
	unsigned long max_prune;
	double timeout;            /* --timeout, seconds */
	double degraded_grace;     /* --degraded-grace, seconds */
	const char *field_manager; /* --field-manager; NULL: GT_APPLY_FIELD_MANAGER */
	enum gt_format format;
	struct gt_limits lim;
	struct gt_kube_opts kube;  /* connection flags, -n, --request-timeout */
	const char *application;   /* --application: the Argo CD Application whose sync settings apply */
};

enum item_status { ST_PENDING, ST_OK, ST_FAILED, ST_SKIPPED, ST_PLANNED };

/* Hook delete policies (argocd.argoproj.io/hook-delete-policy, or Helm's). */
enum { HOOK_BEFORE_CREATION = 1, HOOK_SUCCEEDED = 2, HOOK_FAILED = 4 };

/* One object of the sync: a desired object to apply, or a live one to prune. */
struct item {
	json_t *obj;           /* desired (apply) or live (prune); a reference held */
	json_t *live;          /* live state when known, else NULL; a reference held */
	struct gt_ref ref;     /* borrowed from obj */
	enum gt_action action; /* from the diff engine or the Change record */
	enum gt_phase phase;
	long wave;             /* after dependencies bubbled up (namespaces, CRDs) */
	struct gt_sync_key key; /* its place in the sync, from phase and wave once they are final */
	bool hook;
	unsigned delete_policy;
	enum item_status status;
	char *message;         /* why it failed or was skipped; owned */
	char *health;          /* health status name after a wait, or NULL; owned */
	bool printed;          /* its Result has been written */
	bool added_namespace;  /* a Namespace --create-namespace added (not in the input) */
};

struct plan {
	struct item *items; /* to apply, in sync order */
	size_t n, cap;
	struct item *prune; /* live objects to delete, in sync order (deleted in reverse) */
	size_t n_prune, cap_prune;
	json_t *passthrough; /* records not consumed (Result, Health, ...), written first */
	size_t n_desired;    /* desired objects and Change records read (0: empty stream) */
	bool from_changes;   /* the input was Change records: only their deletes may prune */
};

/* Whole seconds, rounded up (no libm: the tools link without it). */
static inline unsigned seconds_up(double s)
{
	return s <= 0 ? 0 : (unsigned)s + ((double)(unsigned)s < s);
}

/* Seconds left of --timeout since start (never below 0). */
double apply_left(const struct apply_opts *o, const struct timespec *start);

/* plan.c: read the input, compute or take the changes, order them. GT_EXIT_* */
enum gt_exit plan_build(const struct apply_opts *o, const struct gt_kube_opts *ko, const struct timespec *start,
			struct plan *p);
void plan_free(struct plan *p);
/* Refusals that stop the sync before anything changes: prune over --max-prune. GT_EXIT_OK or GT_EXIT_DIFFERS. */
enum gt_exit plan_check_prune(const struct apply_opts *o, struct plan *p);
void item_set_message(struct item *it, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *phase_name(enum gt_phase ph);

struct report;

/* sync.c: run the plan. GT_EXIT_OK, GT_EXIT_DIFFERS (some failed), GT_EXIT_REMOTE (nothing reached). */
enum gt_exit sync_run(const struct apply_opts *o, const struct gt_kube_opts *ko, const struct timespec *start,
		      struct plan *p, struct report *r);

/* report.c: Result records as they become final, or a progress view and a table for -o text. */
struct report *report_new(const struct apply_opts *o);
/* Write it->Result now (JSON) or remember it for the table (text). 0, or -1 on a write error. */
int report_item(struct report *r, struct item *it);
/* gt_health_wait's progress callback (ctx: the report): how many are healthy, on a terminal. */
void report_wait_progress(void *ctx, const json_t *records, double elapsed);
/* A line of progress on a terminal (stderr), nothing otherwise. */
void report_progress(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Everything not yet written, then the table and the counts for -o text. Frees r. 0, or -1 on a write error. */
int report_finish(struct report *r, struct plan *p);

#endif
