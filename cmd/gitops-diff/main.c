/* gitops-diff: show what applying the desired objects would change, object by object. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "application.h"
#include "cli.h"
#include "diff.h"
#include "file.h"
#include "difftext.h"
#include "kube.h"
#include "obj.h"
#include "stream.h"

#define MAX_CONTEXT 1000000UL
/* A pull-request comment: GitHub takes 65,536 characters, Azure DevOps 150,000; room left for a heading. */
#define DEFAULT_MAX_BYTES 60000
#define MIN_MAX_BYTES 1000
#define FORMAT_MARKDOWN (GT_FORMAT_TEXT + 1)

static const struct gt_choice formats[] = {
	{ "json", GT_FORMAT_JSON }, { "yaml", GT_FORMAT_YAML }, { "text", GT_FORMAT_TEXT }, { "markdown", FORMAT_MARKDOWN },
	GT_CHOICES_END
};

struct diff_opts {
	struct gt_strvec files;              /* -f, each: together the desired set; none given: "-" */
	struct gt_strvec live_file, against; /* at most one of either (a list, to refuse a second one) */
	const char *other;                   /* the one of them given */
	bool cluster;
	struct gt_diff_opts d;
	struct gt_strvec ignore_rules, ignore_files, mask_annotations;
	struct gt_ignore *ignore;
	const char *api_resources; /* kubectl api-resources output: scopes of kinds without a CRD in desired */
	struct gt_scopes *scopes;
	struct gt_limits lim;
	struct gt_kube_opts kube;
	bool server_dry_run, exit_code, allow_empty, stat;
	int prune_scope; /* enum gt_prune_scope */
	int format; /* enum gt_format, or FORMAT_MARKDOWN */
	unsigned long context;
	const char *application;
	struct gt_application *app; /* --application (owned) */
	size_t max_bytes;
};

static struct diff_opts opts = {
	.lim = GT_LIMITS_DEFAULT,
	.server_dry_run = true,
	.exit_code = true,
	.context = 3,
	.max_bytes = DEFAULT_MAX_BYTES,
};

static const struct gt_option options[] = {
	GT_OPT_LIST('f', "file", "FILE", &opts.files, NULL,
		    "desired objects (repeatable: all of them are desired; default: standard input)"),
	GT_OPT_LIST(0, "live-file", "FILE", &opts.live_file, NULL,
		    "live objects: kubectl get -o json output, a List, JSON Lines or YAML"),
	GT_OPT_FLAG(0, "cluster", &opts.cluster, "fetch the live objects through kubectl"),
	GT_OPT_LIST(0, "against", "FILE", &opts.against, NULL,
		    "compare with another object stream, e.g. the render of another revision"),
	GT_OPT_STRING(0, "application", "APP", &opts.application,
		      "Argo CD Application APP (file, - or name) gives --app, -n, its ignoreDifferences, its destination's context"),
	GT_OPT_STRING_EMPTY_UNSET(0, "app", "NAME", &opts.d.app,
				  "live objects with this Argo CD app's tracking id that are not desired become deletes"),
	GT_OPT_CHOICE(0, "tracking", "METHOD", &opts.d.tracking, gt_tracking_choices,
		      "how --app's objects are marked (default annotation)"),
	GT_OPT_CHOICE(0, "prune-scope", "SCOPE", &opts.prune_scope, gt_prune_scopes,
		      "where --app's objects are looked for (default: the kinds and namespaces desired has)"),
	GT_OPT_STRING_EMPTY_UNSET('n', "namespace", "NS", &opts.kube.namespace,
				  "namespace of namespaced objects that have none, as kubectl -n (default: the context's)"),
	GT_OPT_LIST(0, "ignore", "RULE", &opts.ignore_rules, NULL,
		    "ignore differences at GROUP/KIND[/NAMESPACE/NAME]:POINTER (repeatable)"),
	GT_OPT_LIST(0, "ignore-file", "FILE", &opts.ignore_files, NULL, "ignore rules, one per line (# comments; repeatable)"),
	GT_OPT_FLAG(0, "ignore-aggregated-roles", &opts.d.ignore_aggregated_roles,
		    "do not compare the rules of a ClusterRole with an aggregationRule (Argo CD's ignoreAggregatedRoles)"),
	GT_OPT_STRING(0, "api-resources", "FILE", &opts.api_resources,
		      "output of kubectl api-resources: which kinds are cluster-scoped, offline"),
	GT_OPT_FLAG(0, "show-secrets", &opts.d.show_secrets, "show Secret values instead of Argo CD's masks"),
	GT_OPT_LIST(0, "mask-annotation", "KEY", &opts.mask_annotations, NULL,
		    "mask this annotation of Secrets like their data (repeatable; Argo CD's resource.sensitive.mask.annotations)"),
	GT_OPT_FLAG_OFF(0, "no-server-dry-run", &opts.server_dry_run,
			"with --cluster: compare offline instead of asking the server for a dry-run apply"),
	GT_OPT_SECONDS(0, "timeout", &opts.kube.timeout, GT_SECONDS(1), GT_MAX_DURATION,
		       "limit for each cluster request (default 60s)"),
	GT_KUBE_OPTIONS(&opts.kube),
	GT_OPT_CHOICE('o', "output", "FORMAT", &opts.format, formats,
		      "(json: Change records; markdown: a pull-request comment grouped by app; default: text on a "
		      "terminal, else json)"),
	GT_OPT_SIZE(0, "max-bytes", &opts.max_bytes, SIZE_MAX,
		    "-o markdown: the most the comment may take, whole objects left out beyond it (default 60000)"),
	GT_OPT_UINT('U', "unified", "N", &opts.context, 0, MAX_CONTEXT, "lines of context in text and markdown output (default 3)"),
	GT_OPT_FLAG(0, "stat", &opts.stat, "print one line per changed object and the counts per action"),
	GT_OPT_FLAG(0, "exit-code", &opts.exit_code, "exit 1 when something differs (the default)"),
	GT_OPT_FLAG_OFF(0, "no-exit-code", &opts.exit_code, "exit 0 when something differs"),
	GT_OPT_FLAG(0, "allow-empty", &opts.allow_empty,
		    "accept an empty desired stream (with --app every tracked object is a delete)"),
	GT_LIMIT_OPTIONS(&opts.lim),
	GT_OPTIONS_END
};

static const struct gt_command command = {
	.name = "gitops-diff",
	.synopsis = "[OPTIONS] (--live-file FILE | --cluster | --against FILE)",
	.summary = "Compare desired objects with live ones (or another revision) and write one Change per object.",
	.options = options,
	.min_args = 0,
	.max_args = 0,
};

/* What to compare with: exactly one of --live-file, --cluster and --against; -1 after printing. */
static int check_source(struct diff_opts *o)
{
	int given = (o->live_file.n > 0) + o->cluster + (o->against.n > 0);
	if (given > 1)
		return gt_error("--live-file, --cluster and --against exclude each other"), -1;
	if (given == 0)
		return gt_error("say what to compare with: --live-file FILE, --cluster or --against FILE"), -1;
	if (o->live_file.n > 1 || o->against.n > 1)
		return gt_error("--%s given twice: one stream is compared with (concatenate the files)",
				o->live_file.n > 1 ? "live-file" : "against"),
		       -1;
	o->other = o->live_file.n ? o->live_file.v[0] : o->against.n ? o->against.v[0] : NULL;
	if (!o->files.n && gt_strvec_push(&o->files, "-") < 0)
		return gt_error("out of memory"), -1;
	bool stdin_desired = false;
	for (size_t i = 0; i < o->files.n; i++)
		stdin_desired = stdin_desired || !strcmp(o->files.v[i], "-");
	if (o->other && !strcmp(o->other, "-") && stdin_desired)
		return gt_error("desired and the other side cannot both be standard input: use -f FILE"), -1;
	return 0;
}

/* --application: what the command line left unset, from the Application (flags win; -v says so). GT_EXIT_*. */
static int apply_application(struct diff_opts *o)
{
	int st = gt_app_read_one(o->application, &o->kube, &o->lim, &o->app);
	if (st != GT_EXIT_OK)
		return st;
	const struct gt_application *app = o->app;
	if (app->managed_fields_managers)
		return gt_error("%s: application %s: spec.ignoreDifferences: managedFieldsManagers: not supported by "
				"gitops-diff", app->file, app->name), GT_EXIT_INPUT;
	if (!o->d.app)
		o->d.app = app->instance;
	if (!o->kube.namespace)
		o->kube.namespace = app->dest_namespace;
	if (!o->live_file.n && !o->against.n && !o->cluster) {
		o->cluster = true; /* the Application's destination is the live side */
		gt_debug("application %s: comparing with its destination (--cluster)", app->name);
	}
	for (size_t i = 0; i < app->ignore_rules.n; i++)
		if (gt_strvec_push(&o->ignore_rules, app->ignore_rules.v[i]) < 0)
			return gt_error("out of memory"), GT_EXIT_INPUT;
	return o->cluster ? gt_app_destination_context(app, &o->kube) : GT_EXIT_OK;
}

/* The ignore rules of --ignore and --ignore-file, read with the limits given. -1 after printing. */
static int load_ignore(struct diff_opts *o)
{
	if (!(o->ignore = gt_ignore_new()))
		return gt_error("out of memory"), -1;
	for (size_t i = 0; i < o->ignore_rules.n; i++)
		if (gt_ignore_add(o->ignore, o->ignore_rules.v[i], "--ignore") < 0)
			return -1;
	for (size_t i = 0; i < o->ignore_files.n; i++)
		if (gt_ignore_load(o->ignore, o->ignore_files.v[i], &o->lim) < 0)
			return -1;
	return 0;
}

/* The scopes --api-resources names. -1 after printing. */
static int load_scopes(struct diff_opts *o)
{
	char *text = NULL;
	size_t len;
	const char *why = NULL;
	if (!o->api_resources)
		return 0;
	if (!(o->scopes = gt_scopes_new()))
		return gt_error("out of memory"), -1;
	int r = gt_file_read(o->api_resources, o->lim.max_doc_bytes, &text, &len);
	if (r != 0)
		return r > 0 ? gt_error("--api-resources: %s: no such file", o->api_resources), -1 : -1;
	r = gt_scopes_parse_api_resources(o->scopes, text, &why);
	if (r < 0)
		gt_error("--api-resources: %s: %s", o->api_resources, why);
	free(text);
	o->d.scopes = o->scopes;
	return r;
}

/* What was read from one stream: objects in order, where each came from, and the records to pass on. */
struct input {
	json_t *objects, *records;
	struct gt_where *where;
	size_t cap;
};

static void input_free(struct input *in)
{
	json_decref(in->objects);
	json_decref(in->records);
	free(in->where);
}

static int input_push(struct input *in, json_t *obj, const struct gt_where *w, const char *path)
{
	size_t n = json_array_size(in->objects);
	if (GT_GROW(in->where, in->cap, n + 1) < 0)
		return gt_error("out of memory"), -1;
	in->where[n] = *w;
	in->where[n].file = path; /* the stream's copy of the name dies with it */
	return json_array_append_new(in->objects, obj);
}

/* Read every object of path; records go to in->records. -1 after printing FILE:LINE: why. */
static int read_input(const struct diff_opts *o, const char *path, bool live, struct input *in)
{
	struct gt_stream *s = gt_stream_open(path, &o->lim);
	json_t *obj;
	struct gt_where w;
	int r;
	if (!in->objects)
		in->objects = json_array();
	if (!in->records)
		in->records = json_array();
	if (!s)
		return -1;
	while ((r = gt_stream_next(s, &obj, &w)) > 0) {
		const char *why;
		if (gt_is_record(obj)) {
			json_array_append_new(in->records, obj);
			continue;
		}
		if (gt_obj_validate(obj, &why) < 0) {
			gt_error("%s:%lu: invalid object: %s", !strcmp(path, "-") ? "<stdin>" : path, w.line, why);
			json_decref(obj);
			r = -1;
			break;
		}
		if (live)
			gt_diff_strip_live(obj);
		if (input_push(in, obj, &w, path) < 0) {
			r = -1;
			break;
		}
	}
	gt_stream_close(s);
	return r;
}

static const char *shown(const char *path)
{
	return strcmp(path, "-") ? path : "<stdin>";
}

/* Two desired objects with one identity: say where both are, as gitops-render does. */
static int check_unique(const struct diff_opts *o, const struct input *in)
{
	json_t *seen = json_object(), *obj;
	size_t i;
	int r = 0;
	json_array_foreach(in->objects, i, obj) {
		struct gt_ref ref;
		const char *why;
		if (gt_obj_ref(obj, &ref, &why) < 0 || !*ref.name)
			continue;
		if (!*ref.namespace && !gt_kind_is_cluster_scoped_builtin(ref.group, ref.kind))
			ref.namespace = o->d.default_namespace ? o->d.default_namespace : "default";
		char *key = gt_ref_key_new(&ref);
		json_t *prev = key ? json_object_get(seen, key) : NULL;
		if (prev) {
			const struct gt_where *a = &in->where[json_integer_value(prev)], *b = &in->where[i];
			if (!strcmp(a->file, b->file))
				gt_error("%s:%lu: duplicate object %s: already defined at line %lu", shown(b->file), b->line, key,
					 a->line);
			else
				gt_error("%s:%lu: duplicate object %s: already defined at %s:%lu", shown(b->file), b->line, key,
					 shown(a->file), a->line);
			r = -1;
		} else if (key) {
			json_object_set_new(seen, key, json_integer((json_int_t)i));
		}
		free(key);
		if (r < 0)
			break;
	}
	json_decref(seen);
	return r;
}

/* Where the changes go: records on a writer, or kept for a report grouped by app (text, markdown). */
struct sink {
	const struct diff_opts *o;
	struct gt_writer *w;
	struct groups *groups;
};

static int put_change(void *ctx, const json_t *change)
{
	struct sink *s = ctx;
	if (s->groups) /* a hook set aside is not shown; the stream keeps it for gitops-apply to run */
		return gt_change_hook(change) ? 0 : groups_add(s->groups, change);
	return gt_writer_put(s->w, change);
}

/* The text report: in order as the changes came; when they belong to several apps, by app, each under
 * its counts. 0, or -1 after printing. */
static int write_text(const struct diff_opts *o, struct groups *g, const struct gt_diff_stats *st)
{
	struct text_out *t = text_new(stdout, (unsigned)o->context, gt_color_enabled(stdout), o->stat);
	int r = t ? 0 : -1;
	size_t i, j;
	json_t *change;
	if (t && g->n <= 1) {
		json_array_foreach(g->all, i, change)
			if (r == 0)
				r = text_change(t, change);
	} else if (t) {
		groups_sort(g);
		for (i = 0; i < g->n && r == 0; i++) {
			text_app_header(t, g->v[i].app, &g->v[i].st);
			json_array_foreach(g->v[i].changes, j, change)
				if (r == 0)
					r = text_change(t, change);
		}
	}
	return text_finish(t, st) < 0 ? -1 : r;
}

static enum gt_exit compare(const struct diff_opts *o, const struct input *desired, struct sink *sink,
			    struct gt_diff_stats *st)
{
	if (o->cluster)
		return gt_diff_cluster(&o->d, &o->kube,
				       GT_DIFF_BY_NAME | (o->server_dry_run ? GT_DIFF_DRY_RUN : 0) |
					       (o->prune_scope == GT_PRUNE_SCOPE_CLUSTER ? GT_DIFF_WHOLE_CLUSTER : 0),
				       desired->objects, put_change, sink, st);
	struct input live = { 0 };
	enum gt_exit rc = read_input(o, o->other, true, &live) < 0 ? GT_EXIT_INPUT : GT_EXIT_OK;
	if (rc == GT_EXIT_OK)
		rc = gt_diff_sets(&o->d, desired->objects, live.objects, put_change, sink, st);
	input_free(&live);
	return rc;
}

static enum gt_exit run(struct diff_opts *o)
{
	struct input desired = { 0 };
	struct gt_diff_stats st = { 0 };
	struct sink sink = { .o = o };
	/* Every -f is desired, as one stream (kubectl diff -f A -f B): with --app, what only one file holds must
	 * never read as a delete. */
	for (size_t i = 0; i < o->files.n; i++)
		if (read_input(o, o->files.v[i], false, &desired) < 0)
			return input_free(&desired), GT_EXIT_INPUT;
	if (check_unique(o, &desired) < 0)
		return input_free(&desired), GT_EXIT_INPUT;
	if (json_array_size(desired.objects) == 0 && !o->allow_empty) {
		gt_error("%s: no desired objects: an empty render must not look like \"delete everything\" "
			 "(--allow-empty accepts it)", shown(o->files.v[o->files.n - 1]));
		return input_free(&desired), GT_EXIT_INPUT;
	}
	bool report = o->stat || o->format == GT_FORMAT_TEXT || o->format == FORMAT_MARKDOWN;
	if (report)
		sink.groups = groups_new();
	else
		sink.w = gt_writer_new(stdout, o->format);
	enum gt_exit rc = sink.groups || sink.w ? GT_EXIT_OK : GT_EXIT_INPUT;
	size_t i;
	json_t *rec;
	json_array_foreach(desired.records, i, rec) {
		if (sink.w && rc == GT_EXIT_OK && gt_writer_put(sink.w, rec) < 0) /* not ours: pass it on */
			rc = GT_EXIT_INPUT;
	}
	if (rc == GT_EXIT_OK)
		rc = compare(o, &desired, &sink, &st);
	if (rc == GT_EXIT_OK && st.hooks)
		gt_debug("%zu hook%s set aside: Argo CD runs hooks at sync and never compares them", st.hooks,
			 st.hooks == 1 ? "" : "s");
	bool lost = false;
	if (sink.groups && rc == GT_EXIT_OK)
		lost = (o->format == FORMAT_MARKDOWN && !o->stat ? markdown_write(stdout, sink.groups, &st, (unsigned)o->context,
									       o->max_bytes)
								  : write_text(o, sink.groups, &st)) < 0;
	else if (sink.w)
		lost = gt_writer_close(sink.w) < 0;
	groups_free(sink.groups);
	input_free(&desired);
	if (rc == GT_EXIT_OK && o->exit_code && gt_diff_differences(&st) > 0)
		rc = GT_EXIT_DIFFERS;
	return lost ? gt_exit_output_failed(rc) : rc;
}

static void opts_release(struct diff_opts *o)
{
	gt_ignore_free(o->ignore);
	gt_scopes_free(o->scopes);
	gt_strvec_release(&o->mask_annotations);
	gt_strvec_release(&o->ignore_rules);
	gt_strvec_release(&o->ignore_files);
	gt_strvec_release(&o->files);
	gt_strvec_release(&o->live_file);
	gt_strvec_release(&o->against);
	gt_app_free(o->app);
}

int main(int argc, char **argv)
{
	struct diff_opts *o = &opts;
	int first;
	o->format = gt_default_format(stdout);
	int p = gt_parse(&command, argc, argv, &first);
	if (p == 0 && o->application) {
		int st = apply_application(o);
		if (st != GT_EXIT_OK) {
			opts_release(o);
			return st;
		}
	}
	if (p == 0 && (check_source(o) < 0 || load_ignore(o) < 0 || load_scopes(o) < 0))
		p = -1;
	if (p != 0) {
		opts_release(o);
		return p > 0 ? GT_EXIT_OK : GT_EXIT_USAGE;
	}
	if (o->max_bytes < MIN_MAX_BYTES) {
		gt_error("--max-bytes %zu: too small for a comment (at least %d)", o->max_bytes, MIN_MAX_BYTES);
		opts_release(o);
		return GT_EXIT_USAGE;
	}
	o->d.mode = o->against.n ? GT_DIFF_REVISIONS : GT_DIFF_LIVE;
	o->d.default_namespace = o->kube.namespace;
	o->d.ignore = o->ignore;
	o->d.mask_annotations = o->mask_annotations.n ? o->mask_annotations.v : NULL;
	enum gt_exit rc = run(o);
	opts_release(o);
	return rc;
}
