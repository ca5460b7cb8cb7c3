/* gitops-diff: show what applying the desired objects would change, object by object. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "diff.h"
#include "difftext.h"
#include "kube.h"
#include "obj.h"
#include "stream.h"

static const struct gt_option options[] = {
	{ "file", 'f', "FILE", "desired objects (repeatable: all of them are desired; default: standard input)" },
	{ "live-file", 0, "FILE", "live objects: kubectl get -o json output, a List, JSON Lines or YAML" },
	{ "cluster", 0, NULL, "fetch the live objects through kubectl" },
	{ "against", 0, "FILE", "compare with another object stream, e.g. the render of another revision" },
	{ "app", 0, "NAME", "live objects with this Argo CD app's tracking id that are not desired become deletes" },
	{ "tracking", 0, "METHOD", "how --app's objects are marked: annotation (default), label or annotation+label" },
	{ "namespace", 'n', "NS", "namespace of namespaced objects that have none (default: default)" },
	{ "ignore", 0, "RULE", "ignore differences at GROUP/KIND[/NAMESPACE/NAME]:POINTER (repeatable)" },
	{ "ignore-file", 0, "FILE", "ignore rules, one per line (# comments)" },
	{ "show-secrets", 0, NULL, "show Secret values instead of Argo CD's masks" },
	{ "no-server-dry-run", 0, NULL, "with --cluster: compare offline instead of asking the server for a dry-run apply" },
	{ "timeout", 0, "SECONDS", "limit for each cluster request (default 60)" },
	{ "output", 'o', "FORMAT", "json (Change records), yaml or text (default: text on a terminal, else json)" },
	{ "unified", 'U', "N", "lines of context in text output (default 3)" },
	{ "stat", 0, NULL, "print one line per changed object and the counts per action" },
	{ "exit-code", 0, NULL, "exit 1 when something differs (the default)" },
	{ "no-exit-code", 0, NULL, "exit 0 when something differs" },
	{ "allow-empty", 0, NULL, "accept an empty desired stream (with --app every tracked object is a delete)" },
	GT_LIMIT_OPTIONS,
	GT_OPTIONS_END
};

static int set_option(void *ctx, const struct gt_option *opt, const char *arg);

static const struct gt_command command = {
	.name = "gitops-diff",
	.synopsis = "[OPTIONS] (--live-file FILE | --cluster | --against FILE)",
	.summary = "Compare desired objects with live ones (or another revision) and write one Change per object.",
	.options = options,
	.set = set_option,
	.min_args = 0,
	.max_args = 0,
};

#define MAX_CONTEXT 1000000UL
#define MAX_TIMEOUT 86400UL

enum source { SOURCE_NONE, SOURCE_LIVE_FILE, SOURCE_CLUSTER, SOURCE_AGAINST };

struct diff_opts {
	const char **files; /* -f, each; none: standard input */
	size_t n_files;
	const char *other;
	enum source source;
	struct gt_diff_opts d;
	struct gt_ignore *ignore;
	struct gt_limits lim;
	struct gt_kube_opts kube;
	bool server_dry_run, exit_code, allow_empty, stat, format_set;
	enum gt_format format;
	unsigned long context;
};

static int set_source(struct diff_opts *o, enum source s, const char *arg)
{
	if (o->source != SOURCE_NONE && o->source != s)
		return gt_error("--live-file, --cluster and --against exclude each other"), -1;
	if (o->source == s && s != SOURCE_CLUSTER)
		return gt_error("--%s given twice: one stream is compared with (concatenate the files)",
				s == SOURCE_LIVE_FILE ? "live-file" : "against"), -1;
	o->source = s;
	o->other = arg;
	return 0;
}

static int set_tracking(struct diff_opts *o, const char *arg)
{
	if (!strcmp(arg, "annotation"))
		o->d.tracking = GT_TRACKING_ANNOTATION;
	else if (!strcmp(arg, "label"))
		o->d.tracking = GT_TRACKING_LABEL;
	else if (!strcmp(arg, "annotation+label"))
		o->d.tracking = GT_TRACKING_BOTH;
	else
		return gt_error("--tracking %s: use annotation, label or annotation+label", arg), -1;
	return 0;
}

static int set_option(void *ctx, const struct gt_option *opt, const char *arg)
{
	struct diff_opts *o = ctx;
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
	else if (!strcmp(n, "live-file"))
		return set_source(o, SOURCE_LIVE_FILE, arg);
	else if (!strcmp(n, "cluster"))
		return set_source(o, SOURCE_CLUSTER, NULL);
	else if (!strcmp(n, "against"))
		return set_source(o, SOURCE_AGAINST, arg);
	else if (!strcmp(n, "app"))
		o->d.app = *arg ? arg : NULL;
	else if (!strcmp(n, "tracking"))
		return set_tracking(o, arg);
	else if (!strcmp(n, "namespace"))
		o->d.default_namespace = o->kube.namespace = *arg ? arg : NULL;
	else if (!strcmp(n, "ignore"))
		return gt_ignore_add(o->ignore, arg, "--ignore");
	else if (!strcmp(n, "ignore-file"))
		return gt_ignore_load(o->ignore, arg, &o->lim);
	else if (!strcmp(n, "show-secrets"))
		o->d.show_secrets = true;
	else if (!strcmp(n, "no-server-dry-run"))
		o->server_dry_run = false;
	else if (!strcmp(n, "timeout")) {
		unsigned long t;
		if (gt_parse_uint("--timeout", arg, MAX_TIMEOUT, &t) < 0)
			return -1;
		o->kube.timeout = (unsigned)t;
	} else if (!strcmp(n, "output")) {
		o->format_set = true;
		return gt_parse_format(arg, GT_FORMATS_ALL, &o->format);
	} else if (!strcmp(n, "unified"))
		return gt_parse_uint("-U", arg, MAX_CONTEXT, &o->context);
	else if (!strcmp(n, "stat"))
		o->stat = true;
	else if (!strcmp(n, "exit-code"))
		o->exit_code = true;
	else if (!strcmp(n, "no-exit-code"))
		o->exit_code = false;
	else if (!strcmp(n, "allow-empty"))
		o->allow_empty = true;
	return 0;
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
	if (n == in->cap) {
		size_t cap = in->cap ? in->cap * 2 : 256;
		struct gt_where *where = realloc(in->where, cap * sizeof(*where));
		if (!where)
			return gt_error("out of memory"), -1;
		in->where = where;
		in->cap = cap;
	}
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

/* Where the changes go: records on a writer, or text. */
struct sink {
	const struct diff_opts *o;
	struct gt_writer *w;
	struct text_out *text;
};

static int put_change(void *ctx, const json_t *change)
{
	struct sink *s = ctx;
	if (s->text)
		return text_change(s->text, change);
	return gt_writer_put(s->w, change);
}

static enum gt_exit compare(const struct diff_opts *o, const struct input *desired, struct sink *sink,
			    struct gt_diff_stats *st)
{
	if (o->source == SOURCE_CLUSTER)
		return gt_diff_cluster(&o->d, &o->kube, o->server_dry_run, desired->objects, put_change, sink, st);
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
	for (size_t i = 0; i < o->n_files; i++)
		if (read_input(o, o->files[i], false, &desired) < 0)
			return input_free(&desired), GT_EXIT_INPUT;
	if (check_unique(o, &desired) < 0)
		return input_free(&desired), GT_EXIT_INPUT;
	if (json_array_size(desired.objects) == 0 && !o->allow_empty) {
		gt_error("%s: no desired objects: an empty render must not look like \"delete everything\" "
			 "(--allow-empty accepts it)", shown(o->files[o->n_files - 1]));
		return input_free(&desired), GT_EXIT_INPUT;
	}
	bool text = o->stat || o->format == GT_FORMAT_TEXT;
	if (text)
		sink.text = text_new(stdout, (unsigned)o->context, gt_color_enabled(stdout), o->stat);
	else
		sink.w = gt_writer_new(stdout, o->format);
	enum gt_exit rc = sink.text || sink.w ? GT_EXIT_OK : GT_EXIT_INPUT;
	size_t i;
	json_t *rec;
	json_array_foreach(desired.records, i, rec) {
		if (sink.w && rc == GT_EXIT_OK && gt_writer_put(sink.w, rec) < 0) /* not ours: pass it on */
			rc = GT_EXIT_INPUT;
	}
	if (rc == GT_EXIT_OK)
		rc = compare(o, &desired, &sink, &st);
	if (sink.text && text_finish(sink.text, &st) < 0 && rc == GT_EXIT_OK)
		rc = GT_EXIT_INPUT;
	if (sink.w && gt_writer_close(sink.w) < 0 && rc == GT_EXIT_OK)
		rc = GT_EXIT_INPUT;
	input_free(&desired);
	if (rc == GT_EXIT_OK && o->exit_code && gt_diff_differences(&st) > 0)
		rc = GT_EXIT_DIFFERS;
	return rc;
}

int main(int argc, char **argv)
{
	static const char *std_in[] = { "-" };
	struct diff_opts o = {
		.lim = GT_LIMITS_DEFAULT,
		.server_dry_run = true,
		.exit_code = true,
		.context = 3,
		.ignore = gt_ignore_new(),
	};
	int first;
	gt_set_program(command.name);
	if (!o.ignore)
		return gt_error("out of memory"), GT_EXIT_INPUT;
	int p = gt_parse(&command, argc, argv, &o, &first);
	const char **given = o.files;
	if (!o.n_files)
		o.files = std_in, o.n_files = 1;
	bool stdin_desired = false;
	for (size_t i = 0; i < o.n_files; i++)
		stdin_desired = stdin_desired || !strcmp(o.files[i], "-");
	if (p == 0 && o.source == SOURCE_NONE) {
		gt_error("say what to compare with: --live-file FILE, --cluster or --against FILE");
		p = -1;
	}
	if (p == 0 && o.other && !strcmp(o.other, "-") && stdin_desired) {
		gt_error("desired and the other side cannot both be standard input: use -f FILE");
		p = -1;
	}
	if (p != 0) {
		gt_ignore_free(o.ignore);
		free(given);
		return p > 0 ? GT_EXIT_OK : GT_EXIT_USAGE;
	}
	o.d.mode = o.source == SOURCE_AGAINST ? GT_DIFF_REVISIONS : GT_DIFF_LIVE;
	o.d.ignore = o.ignore;
	if (!o.format_set)
		o.format = gt_default_format(stdout);
	enum gt_exit rc = run(&o);
	gt_ignore_free(o.ignore);
	free(given);
	return rc;
}
