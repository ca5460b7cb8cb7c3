/* gitops-health: is what runs healthy? Argo CD's health rules over live objects, or polled from the cluster. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "application.h"
#include "cli.h"
#include "health.h"
#include "kube.h"
#include "obj.h"
#include "stream.h"

struct health_opts {
	const char *file;
	bool cluster, wait;
	struct gt_health_wait_opts w;
	struct gt_kube_opts kube;
	enum gt_format format;
	struct gt_limits lim;
	const char *application;
};

static struct health_opts opts = {
	.w = { .timeout = GT_HEALTH_DEFAULT_TIMEOUT, .interval = GT_HEALTH_DEFAULT_INTERVAL,
	       .degraded_grace = GT_HEALTH_DEFAULT_DEGRADED_GRACE },
	.lim = GT_LIMITS_DEFAULT,
};

static const struct gt_option options[] = {
	GT_OPT_STRING('f', "file", "FILE", &opts.file, "objects or records to read (default: standard input)"),
	GT_OPT_FLAG(0, "cluster", &opts.cluster,
		    "read the objects' live state from the cluster (kubectl); input only names them"),
	GT_OPT_FLAG(0, "wait", &opts.wait, "poll the cluster until all are healthy or --timeout (implies --cluster)"),
	GT_OPT_DURATION(0, "timeout", &opts.w.timeout, 0, GT_MAX_DURATION,
			"give up waiting after DURATION, e.g. 90s, 5m (default 5m)"),
	GT_OPT_DURATION(0, "interval", &opts.w.interval, 0, GT_MAX_DURATION,
			"time between two looks at the cluster (default 2s)"),
	GT_OPT_DURATION(0, "degraded-grace", &opts.w.degraded_grace, 0, GT_MAX_DURATION,
			"stop waiting once an object has been Degraded this long (default 0s)"),
	GT_OPT_STRING(0, "application", "APP", &opts.application,
		      "Argo CD Application APP (file, - or name): its destination's context and namespace (implies --cluster)"),
	GT_OPT_STRING('n', "namespace", "NS", &opts.kube.namespace,
		      "namespace of the named objects that have none (default: kubeconfig's)"),
	GT_KUBE_OPTIONS(&opts.kube),
	GT_OPT_CHOICE('o', "output", "FORMAT", &opts.format, gt_formats_all, "(default: text on a terminal, else json)"),
	GT_LIMIT_OPTIONS(&opts.lim),
	GT_OPTIONS_END
};

static const struct gt_command command = {
	.name = "gitops-health",
	.synopsis = "[-f FILE] [--cluster] [--wait [--timeout D] [--interval D] [--degraded-grace D]] [-o FORMAT]",
	.summary = "Print a Health record (Healthy, Progressing, Degraded, Suspended, Missing, Unknown) for each\n"
		   "object read, by Argo CD's health rules; with --wait, poll the cluster until all are healthy.\n"
		   "Exit 0 when all are Healthy, 1 when not, 2 on bad input, 3 when the cluster cannot be asked.",
	.options = options,
	.min_args = 0,
	.max_args = 0,
};

/* ---- input ---- */

/*
 * What was read, in order: with --cluster the objects to look up (names only),
 * else their Health records, judged as they are read so that a large
 * `kubectl get -o json` is not held whole; and the records passed through.
 */
struct input {
	json_t *objects;     /* array: names (--cluster) or Health records */
	json_t *passthrough; /* array of records not consumed */
};

/* The Health record of obj as given; NULL when out of memory. */
static json_t *judge_given_new(const json_t *obj)
{
	struct gt_ref ref;
	char *msg = NULL;
	enum gt_health h = gt_health_of(obj, &msg);
	gt_obj_ref(obj, &ref, NULL); /* validated when read */
	json_t *rec = gt_health_record_new(&ref, gt_health_name(h), msg);
	free(msg);
	return rec;
}

/* An object naming ref, for gt_kube_read: apiVersion, kind, metadata name and namespace. NULL when ref names none. */
static json_t *named_by_ref_new(const struct gt_ref *ref)
{
	char api[GT_GROUP_MAX + 64];
	if (!*ref->version || !*ref->kind)
		return NULL;
	snprintf(api, sizeof(api), "%s%s%s", ref->group, *ref->group ? "/" : "", ref->version);
	json_t *meta = json_pack("{s:s}", "name", ref->name);
	if (meta && *ref->namespace)
		json_object_set_new(meta, "namespace", json_string(ref->namespace));
	return json_pack("{s:s, s:s, s:o}", "apiVersion", api, "kind", ref->kind, "metadata", meta);
}

/*
 * Does rec name an object that should now run? 1 when it is a Change or Result of one (*ref filled),
 * 0 when not (another kind, a deletion, a skipped object, a hook known only by its generateName),
 * -1 when its ref cannot be read.
 */
static int record_names_live_object(const json_t *rec, struct gt_ref *ref)
{
	const char *kind = gt_record_kind(rec);
	struct gt_result res;
	if (!kind || (strcmp(kind, "Change") && strcmp(kind, "Result")))
		return 0;
	if (!strcmp(kind, "Change") ? gt_change_action(rec) == GT_ACTION_DELETE
				    : gt_result_record_read(rec, &res, NULL) == 0 &&
					      (res.action == GT_ACTION_DELETE || (res.status && !strcmp(res.status, "skipped"))))
		return 0;
	if (gt_record_ref(rec, ref, NULL) < 0)
		return -1;
	return *ref->name ? 1 : 0;
}

/* One item of the stream into in; 0, or -1 after printing why it is bad input. */
static int take(const struct health_opts *o, struct input *in, json_t *item, const struct gt_where *w)
{
	const char *why;
	if (gt_is_record(item)) {
		struct gt_ref ref;
		int names = o->cluster ? record_names_live_object(item, &ref) : 0;
		if (names == 0)
			return json_array_append(in->passthrough, item) < 0 ? (gt_error("out of memory"), -1) : 0;
		json_t *named = names > 0 ? named_by_ref_new(&ref) : NULL;
		if (!named)
			return gt_error("%s:%lu: invalid record: %s has no ref with version, kind and name", w->file, w->line,
					gt_record_kind(item) ? gt_record_kind(item) : "it"),
			       -1;
		return json_array_append_new(in->objects, named) < 0 ? (gt_error("out of memory"), -1) : 0;
	}
	if (gt_obj_validate(item, &why) < 0)
		return gt_error("%s:%lu: invalid object: %s", w->file, w->line, why), -1;
	if (!json_string_value(json_object_get(json_object_get(item, "metadata"), "name")))
		return gt_error("%s:%lu: invalid object: no metadata.name (generateName objects have no health yet)", w->file,
				w->line),
		       -1;
	json_t *kept = o->cluster ? gt_kube_identity_new(item) : judge_given_new(item);
	return !kept || json_array_append_new(in->objects, kept) < 0 ? (gt_error("out of memory"), -1) : 0;
}

static int read_input(const struct health_opts *o, struct input *in)
{
	struct gt_stream *s = gt_stream_open(o->file ? o->file : "-", &o->lim);
	json_t *item;
	struct gt_where w;
	int r;
	if (!s)
		return -1;
	while ((r = gt_stream_next(s, &item, &w)) > 0) {
		r = take(o, in, item, &w);
		json_decref(item);
		if (r < 0)
			break;
	}
	gt_stream_close(s);
	return r;
}

/* ---- output ---- */

/* A Health record's row, its strings in *h (the group is held there): group, kind, namespace, name, health, message. */
struct row {
	struct gt_health_record h;
	const char *cells[6]; /* "" when absent */
};

static void row_of(const json_t *rec, struct row *r)
{
	if (gt_health_record_read(rec, &r->h, NULL) < 0) /* ours: cannot fail, but a row is always whole */
		r->h.health = "";
	const char *v[6] = { r->h.ref.group, r->h.ref.kind, r->h.ref.namespace, r->h.ref.name, r->h.health, r->h.message };
	for (int c = 0; c < 6; c++)
		r->cells[c] = v[c] ? v[c] : "";
}

static const char *status_color(const char *status)
{
	if (!strcmp(status, "Healthy"))
		return "\033[32m";
	if (!strcmp(status, "Progressing") || !strcmp(status, "Suspended"))
		return "\033[33m";
	return "\033[31m";
}

/* A table like `argocd app get`'s resource list: one line per object, columns as wide as their widest cell. */
static void print_table(const json_t *records)
{
	static const char *const heads[] = { "GROUP", "KIND", "NAMESPACE", "NAME", "HEALTH", "MESSAGE" };
	int width[5];
	size_t i;
	const json_t *rec;
	struct row r;
	bool color = gt_color_enabled(stdout);
	for (int c = 0; c < 5; c++)
		width[c] = (int)strlen(heads[c]);
	json_array_foreach(records, i, rec) {
		row_of(rec, &r);
		for (int c = 0; c < 5; c++)
			if ((int)strlen(r.cells[c]) > width[c])
				width[c] = (int)strlen(r.cells[c]);
	}
	for (int c = 0; c < 5; c++)
		printf("%-*s  ", width[c], heads[c]);
	printf("%s\n", heads[5]);
	json_array_foreach(records, i, rec) {
		row_of(rec, &r);
		for (int c = 0; c < 4; c++)
			printf("%-*s  ", width[c], *r.cells[c] ? r.cells[c] : "-");
		const char *health = r.cells[4], *msg = r.cells[5];
		printf("%s%-*s%s%s%s\n", color ? status_color(health) : "", *msg ? width[4] : 0, health,
		       color ? "\033[0m" : "", *msg ? "  " : "", msg);
	}
}

/* Records passed through first (they came first in the pipeline), then the Health records. */
static int write_output(const struct health_opts *o, const json_t *passthrough, const json_t *records)
{
	struct gt_writer *w = gt_writer_new(stdout, o->format == GT_FORMAT_TEXT ? GT_FORMAT_JSON : o->format);
	size_t i;
	const json_t *rec;
	int r = w ? 0 : -1;
	json_array_foreach(passthrough, i, rec)
		if (r == 0 && gt_writer_put(w, rec) < 0)
			r = -1;
	if (o->format == GT_FORMAT_TEXT) {
		if (gt_writer_close(w) < 0)
			r = -1;
		w = NULL;
		if (json_array_size(records))
			print_table(records);
		if (fflush(stdout) != 0)
			r = -1;
	}
	json_array_foreach(records, i, rec)
		if (r == 0 && w && gt_writer_put(w, rec) < 0)
			r = -1;
	if (w && gt_writer_close(w) < 0)
		r = -1;
	return r;
}

/* ---- judging ---- */

static size_t count_healthy(const json_t *records)
{
	size_t i, n = 0;
	const json_t *rec;
	enum gt_health h;
	json_array_foreach(records, i, rec)
		n += gt_health_record_status(rec, &h) == 0 && h == GT_HEALTH_HEALTHY;
	return n;
}

/* The live view on a terminal: one line rewritten after every look. */
static void show_progress(void *ctx, const json_t *records, double elapsed)
{
	bool *tty = ctx;
	size_t healthy = count_healthy(records), n = json_array_size(records);
	if (*tty)
		fprintf(stderr, "\r\033[K%s: %zu of %zu healthy after %.0fs", gt_program(), healthy, n, elapsed);
	else
		gt_debug("%zu of %zu healthy after %.1fs", healthy, n, elapsed);
}

/* Why the wait ended without success (it ran for elapsed seconds), then one line per object that is not Healthy. */
static void report_unhealthy(const struct health_opts *o, const json_t *records, double elapsed)
{
	size_t i, n = json_array_size(records), bad = n - count_healthy(records), unsettled = 0;
	const json_t *rec;
	struct row r;
	json_array_foreach(records, i, rec) {
		row_of(rec, &r);
		unsettled += strcmp(r.cells[4], "Healthy") && strcmp(r.cells[4], "Suspended");
	}
	if (!unsettled) /* a paused Deployment or a suspended Job: waiting longer changes nothing */
		gt_error("%zu of %zu objects Suspended, not healthy", bad, n);
	else if (elapsed < o->w.timeout) /* with objects still to settle, only a Degraded one ends the wait early */
		gt_error("%zu of %zu objects not healthy; stopped on Degraded (--degraded-grace %gs)", bad, n,
			 o->w.degraded_grace);
	else
		gt_error("%zu of %zu objects not healthy after --timeout %gs", bad, n, o->w.timeout);
	json_array_foreach(records, i, rec) {
		row_of(rec, &r);
		if (strcmp(r.cells[4], "Healthy"))
			gt_info("%s %s%s%s is %s%s%s", r.cells[1], r.cells[2], *r.cells[2] ? "/" : "", r.cells[3], r.cells[4],
				*r.cells[5] ? ": " : "", r.cells[5]);
	}
}

/* Poll the cluster for the named objects (once without --wait). 0, 1 or -1 as gt_health_wait. */
static int judge_live(struct health_opts *o, const json_t *objects, json_t **records)
{
	bool tty = isatty(STDERR_FILENO) && gt_verbosity() >= 1;
	o->w.progress = o->wait && (tty || gt_verbosity() >= 2) ? show_progress : NULL;
	o->w.ctx = &tty;
	if (!o->wait)
		o->w.timeout = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int r = gt_health_wait(&o->kube, objects, &o->w, records);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (o->w.progress && tty)
		fputs("\r\033[K", stderr);
	if (r == 1 && o->wait)
		report_unhealthy(o, *records, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return r;
}

static int run(struct health_opts *o)
{
	struct input in = { json_array(), json_array() };
	json_t *records = NULL;
	int st = GT_EXIT_INPUT;
	if (!in.objects || !in.passthrough || read_input(o, &in) < 0)
		goto out;
	if (o->cluster) {
		int r = judge_live(o, in.objects, &records);
		st = r < 0 ? GT_EXIT_REMOTE : r ? GT_EXIT_DIFFERS : GT_EXIT_OK;
	} else {
		records = json_incref(in.objects);
		st = count_healthy(records) == json_array_size(records) ? GT_EXIT_OK : GT_EXIT_DIFFERS;
	}
	if (records && write_output(o, in.passthrough, records) < 0)
		st = gt_exit_output_failed(st); /* a full disk is not "unhealthy" */
out:
	json_decref(in.objects);
	json_decref(in.passthrough);
	json_decref(records);
	return st;
}

int main(int argc, char **argv)
{
	int first;
	opts.format = gt_default_format(stdout);
	int st = gt_parse(&command, argc, argv, &first);
	if (st != 0)
		return st < 0 ? GT_EXIT_USAGE : GT_EXIT_OK;
	struct gt_application *app = NULL;
	if (opts.application) {
		/* the objects' live state at the Application's destination */
		st = gt_app_read_one(opts.application, &opts.kube, &opts.lim, &app);
		if (st == GT_EXIT_OK && !opts.kube.namespace)
			opts.kube.namespace = app->dest_namespace;
		if (st == GT_EXIT_OK)
			st = gt_app_destination_context(app, &opts.kube);
		if (st != GT_EXIT_OK)
			return gt_app_free(app), st;
		opts.cluster = true;
	}
	opts.cluster = opts.cluster || opts.wait;
	st = run(&opts);
	gt_app_free(app);
	return st;
}
