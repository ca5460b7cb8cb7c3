/* gitops-apply: apply desired objects in Argo CD's sync order, prune what is no longer desired, wait for health. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply.h"
#include "json.h"
#include "stream.h"

static const struct gt_option options[] = {
	{ "file", 'f', "FILE", "objects or gitops-diff Change records, not both (repeatable; default: standard input)" },
	{ "app", 0, "NAME", "the Argo CD application whose tracking id marks what --prune may delete" },
	{ "prune", 0, NULL, "delete live objects of --app that are no longer desired" },
	{ "max-prune", 0, "N", "refuse to prune more than N objects (default 20)" },
	{ "allow-empty", 0, NULL, "accept an empty desired stream (else refused: a failed render is not an empty app)" },
	{ "dry-run", 0, NULL, "print the plan as Result records (status planned); change nothing" },
	{ "wait", 0, NULL, "after each wave, wait until its objects are healthy" },
	{ "timeout", 0, "D", "bound on the whole sync, waits included (default 5m; 90s, 2m30s)" },
	{ "degraded-grace", 0, "D", "with --wait, fail once an object has been Degraded this long (default 0s)" },
	{ "field-manager", 0, "NAME", "server-side apply field manager (default gitops-apply)" },
	{ "force-conflicts", 0, NULL, "take fields other managers own (kubectl edit, scale): self-heal" },
	{ "create-namespace", 0, NULL, "create the namespaces the objects go to when missing" },
	{ "server-side-diff", 0, NULL, "decide what changed with a server-side dry-run apply" },
	{ "output", 'o', "FORMAT", "json (Result records) or text (default: text on a terminal)" },
	GT_LIMIT_OPTIONS,
	GT_OPTIONS_END
};

static int set_option(void *ctx, const struct gt_option *opt, const char *arg);

static const struct gt_command command = {
	.name = "gitops-apply",
	.synopsis = "[OPTIONS]",
	.summary = "Apply objects (or gitops-diff's Change records) with server-side apply, in Argo CD's sync order.",
	.options = options,
	.set = set_option,
	.min_args = 0,
	.max_args = 0,
};

/* A Go-style duration: "90s", "5m", "1h30m", "250ms", or plain seconds. -1 after printing. */
static int parse_duration(const char *opt, const char *arg, double *out)
{
	const char *p = arg;
	double total = 0;
	if (*arg && strspn(arg, "0123456789.") == strlen(arg)) /* plain seconds */
		return *out = strtod(arg, NULL), 0;
	if (!*p)
		goto bad;
	while (*p) {
		char *end;
		double v = strtod(p, &end);
		if (end == p || v < 0 || !isfinite(v) || *end == '\0')
			goto bad;
		p = end;
		if (!strncmp(p, "ms", 2))
			total += v / 1000, p += 2;
		else if (*p == 's')
			total += v, p++;
		else if (*p == 'm')
			total += v * 60, p++;
		else if (*p == 'h')
			total += v * 3600, p++;
		else
			goto bad;
	}
	*out = total;
	return 0;
bad:
	gt_error("--%s %s: not a duration (e.g. 90s, 5m, 1h30m)", opt, arg);
	return -1;
}

static int set_option(void *ctx, const struct gt_option *opt, const char *arg)
{
	struct apply_opts *o = ctx;
	const char *n = opt->name;
	int lim = gt_limits_option(&o->lim, opt, arg);
	if (lim)
		return lim < 0 ? -1 : 0;
	if (!strcmp(n, "file")) {
		const char **files = realloc(o->files, (o->n_files + 1) * sizeof(*files));
		if (!files)
			return gt_error("out of memory"), -1;
		o->files = files;
		o->files[o->n_files++] = arg;
	}
	else if (!strcmp(n, "app"))
		o->app = *arg ? arg : NULL;
	else if (!strcmp(n, "prune"))
		o->prune = true;
	else if (!strcmp(n, "max-prune"))
		return gt_parse_uint("--max-prune", arg, 1000000, &o->max_prune);
	else if (!strcmp(n, "allow-empty"))
		o->allow_empty = true;
	else if (!strcmp(n, "dry-run"))
		o->dry_run = true;
	else if (!strcmp(n, "wait"))
		o->wait = true;
	else if (!strcmp(n, "timeout"))
		return parse_duration(n, arg, &o->timeout);
	else if (!strcmp(n, "degraded-grace"))
		return parse_duration(n, arg, &o->degraded_grace);
	else if (!strcmp(n, "field-manager"))
		o->field_manager = *arg ? arg : NULL;
	else if (!strcmp(n, "force-conflicts"))
		o->force_conflicts = true;
	else if (!strcmp(n, "create-namespace"))
		o->create_namespace = true;
	else if (!strcmp(n, "server-side-diff"))
		o->server_side_diff = true;
	else if (!strcmp(n, "output")) {
		o->format_set = true;
		return gt_parse_format(arg, (1u << GT_FORMAT_JSON) | (1u << GT_FORMAT_TEXT), &o->format);
	}
	return 0;
}

double apply_left(const struct apply_opts *o, const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double spent = (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
	return spent < o->timeout ? o->timeout - spent : 0;
}

/* The request timeout of each kubectl call: what is left of --timeout, at most kubectl's usual bound. */
static void kube_opts_init(const struct apply_opts *o, struct gt_kube_opts *ko)
{
	memset(ko, 0, sizeof(*ko));
	ko->field_manager = o->field_manager ? o->field_manager : GT_APPLY_FIELD_MANAGER;
	ko->force_conflicts = o->force_conflicts;
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
			return gt_error("standard output: write error"), -1;
	return 0;
}

/* Nothing is applied when the plan is refused: every object says so. */
static void refuse_all(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->items[i].status == ST_PENDING)
			p->items[i].status = ST_SKIPPED, item_set_message(&p->items[i], "not applied: prune refused");
}

int main(int argc, char **argv)
{
	struct apply_opts o = { .max_prune = APPLY_DEFAULT_MAX_PRUNE, .timeout = APPLY_DEFAULT_TIMEOUT,
				.lim = GT_LIMITS_DEFAULT };
	struct gt_kube_opts ko;
	struct timespec start;
	struct plan p;
	int first;
	gt_set_program("gitops-apply");
	static const char *std_in[] = { "-" };
	int pr = gt_parse(&command, argc, argv, &o, &first);
	if (pr)
		return free(o.files), pr > 0 ? GT_EXIT_OK : GT_EXIT_USAGE;
	if (o.prune && !o.app)
		return free(o.files), gt_error("--prune needs --app: only objects carrying the app's tracking id are pruned"),
		       GT_EXIT_USAGE;
	const char **given = o.files;
	if (!o.n_files)
		o.files = std_in, o.n_files = 1;
	if (!o.format_set)
		o.format = gt_default_format(stdout) == GT_FORMAT_TEXT ? GT_FORMAT_TEXT : GT_FORMAT_JSON;
	clock_gettime(CLOCK_MONOTONIC, &start);
	kube_opts_init(&o, &ko);

	enum gt_exit rc = plan_build(&o, &ko, &start, &p);
	if (rc == GT_EXIT_OK)
		rc = plan_check_prune(&o, &p);
	struct report *r = rc != GT_EXIT_INPUT && rc != GT_EXIT_REMOTE ? report_new(&o) : NULL;
	if (r && write_passthrough(&o, p.passthrough) < 0)
		rc = GT_EXIT_DIFFERS;
	if (r && rc == GT_EXIT_OK)
		rc = sync_run(&o, &ko, &start, &p, r);
	else if (r)
		refuse_all(&p);
	if (r && report_finish(r, &p) < 0 && rc == GT_EXIT_OK)
		rc = GT_EXIT_DIFFERS;
	plan_free(&p);
	free(given);
	return rc;
}
