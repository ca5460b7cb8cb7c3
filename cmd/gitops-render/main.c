/* gitops-render: turn a manifest directory into the objects Argo CD would apply. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "obj.h"
#include "render.h"
#include "stream.h"

static const struct gt_option options[] = {
	{ "recurse", 0, NULL, "read subdirectories too (default off, as in Argo CD)" },
	{ "include", 0, "GLOB", "only files whose path below DIR matches (repeatable; * crosses /, {a,b})" },
	{ "exclude", 0, "GLOB", "skip files whose path below DIR matches (repeatable; wins over --include)" },
	{ "namespace", 'n', "NS", "namespace for namespaced objects that have none" },
	{ "app", 0, "NAME", "mark every object as owned by Argo CD application NAME" },
	{ "tracking", 0, "METHOD", "annotation (default), label or annotation+label" },
	{ "output", 'o', "FORMAT", "json (JSON Lines) or yaml (default: yaml on a terminal, else json)" },
	GT_LIMIT_OPTIONS,
	GT_OPTIONS_END
};

static int set_option(void *ctx, const struct gt_option *opt, const char *arg);

static const struct gt_command command = {
	.name = "gitops-render",
	.synopsis = "[OPTIONS] DIR",
	.summary = "Render the manifests in DIR (.yaml, .yml, .json) as a stream of objects on standard output.",
	.options = options,
	.set = set_option,
	.min_args = 1,
	.max_args = 1,
};

/* Everything read, in file then document order; written only when all of it is valid. */
struct objects {
	json_t **items;
	struct gt_where *where;
	size_t n, cap;
};

static int push_glob(char ***list, size_t *n, const char *arg)
{
	char **l = realloc(*list, (*n + 1) * sizeof(*l));
	if (!l)
		return gt_error("out of memory"), -1;
	l[(*n)++] = (char *)arg;
	*list = l;
	return 0;
}

static int set_tracking(struct render_opts *o, const char *arg)
{
	if (!strcmp(arg, "annotation"))
		o->tracking = TRACK_ANNOTATION;
	else if (!strcmp(arg, "label"))
		o->tracking = TRACK_LABEL;
	else if (!strcmp(arg, "annotation+label"))
		o->tracking = TRACK_BOTH;
	else
		return gt_error("--tracking %s: use annotation, label or annotation+label", arg), -1;
	return 0;
}

static int set_option(void *ctx, const struct gt_option *opt, const char *arg)
{
	struct render_opts *o = ctx;
	const char *n = opt->name;
	int lim = gt_limits_option(&o->lim, opt, arg);
	if (lim)
		return lim < 0 ? -1 : 0;
	if (!strcmp(n, "recurse"))
		o->recurse = true;
	else if (!strcmp(n, "include"))
		return push_glob(&o->include, &o->n_include, arg);
	else if (!strcmp(n, "exclude"))
		return push_glob(&o->exclude, &o->n_exclude, arg);
	else if (!strcmp(n, "namespace"))
		o->namespace = *arg ? arg : NULL;
	else if (!strcmp(n, "app"))
		o->app = *arg ? arg : NULL;
	else if (!strcmp(n, "tracking"))
		return set_tracking(o, arg);
	else if (!strcmp(n, "output")) {
		o->format_set = true;
		return gt_parse_format(arg, GT_FORMATS_JSON_YAML, &o->format);
	}
	return 0;
}

static int objects_push(struct objects *objs, json_t *obj, const struct gt_where *w)
{
	if (objs->n == objs->cap) {
		size_t cap = objs->cap ? objs->cap * 2 : 64;
		json_t **items = realloc(objs->items, cap * sizeof(*items));
		if (items)
			objs->items = items;
		struct gt_where *where = items ? realloc(objs->where, cap * sizeof(*where)) : NULL;
		if (!where)
			return gt_error("out of memory"), -1;
		objs->where = where;
		objs->cap = cap;
	}
	objs->items[objs->n] = obj;
	objs->where[objs->n++] = *w;
	return 0;
}

static void objects_free(struct objects *objs)
{
	for (size_t i = 0; i < objs->n; i++)
		json_decref(objs->items[i]);
	free(objs->items);
	free(objs->where);
}

static int read_file(const struct render_opts *o, const char *path, struct objects *objs)
{
	struct gt_stream *s = gt_stream_open(path, &o->lim);
	json_t *obj;
	struct gt_where w;
	int r;
	if (!s)
		return -1;
	while ((r = gt_stream_next(s, &obj, &w)) > 0) {
		const char *why;
		if (gt_obj_validate(obj, &why) < 0) {
			gt_error("%s:%lu: invalid object: %s", w.file, w.line, why);
			json_decref(obj);
			r = -1;
			break;
		}
		w.file = path; /* the stream's name dies with it; path lives as long as objs */
		if (objects_push(objs, obj, &w) < 0) {
			json_decref(obj);
			r = -1;
			break;
		}
	}
	gt_stream_close(s);
	return r;
}

static int read_all(const struct render_opts *o, const struct file_list *files, struct objects *objs)
{
	for (size_t i = 0; i < files->n; i++)
		if (read_file(o, files->paths[i], objs) < 0)
			return -1;
	return 0;
}

/* Argo CD's destination namespace: only on namespaced kinds, only where none is set. */
static int default_namespace(json_t *obj, const char *ns)
{
	json_t *meta = json_object_get(obj, "metadata");
	const char *cur = json_string_value(json_object_get(meta, "namespace"));
	if (cur && *cur)
		return 0;
	return json_object_set_new(meta, "namespace", json_string(ns));
}

static bool is_crd(const struct gt_ref *ref)
{
	return !strcmp(ref->kind, "CustomResourceDefinition") && !strcmp(ref->group, "apiextensions.k8s.io");
}

/* Argo CD marks every generated object except CRDs. */
static int add_tracking(const struct render_opts *o, json_t *obj, const struct gt_ref *ref)
{
	int r = 0;
	if (is_crd(ref))
		return 0;
	if (o->tracking & TRACK_ANNOTATION) {
		char *id = gt_tracking_id_new(o->app, ref, o->namespace ? o->namespace : "");
		r = id ? gt_obj_set_annotation(obj, "argocd.argoproj.io/tracking-id", id) : -1;
		free(id);
	}
	if (r == 0 && (o->tracking & TRACK_LABEL)) {
		char *label = gt_instance_label_new(o->app);
		r = label ? gt_obj_set_label(obj, "app.kubernetes.io/instance", label) : -1;
		free(label);
	}
	return r;
}

/* Two objects with one identity: Argo CD would apply one over the other. */
static int check_unique(json_t *seen, const struct objects *objs, size_t i, const struct gt_ref *ref)
{
	if (!*ref->name)
		return 0; /* generateName: a new object each time */
	char *key = gt_ref_key_new(ref);
	if (!key)
		return gt_error("out of memory"), -1;
	json_t *prev = json_object_get(seen, key);
	int r = 0;
	if (prev) {
		const struct gt_where *a = &objs->where[json_integer_value(prev)], *b = &objs->where[i];
		/* FILE:LINE: why, like every input error: the second one, naming the first. */
		gt_error("%s:%lu: duplicate object %s%s%s %s%s%s: already defined at %s:%lu", b->file, b->line,
			 ref->group, *ref->group ? "/" : "", ref->kind, ref->namespace, *ref->namespace ? "/" : "",
			 ref->name, a->file, a->line);
		r = -1;
	} else {
		json_object_set_new(seen, key, json_integer((json_int_t)i));
	}
	free(key);
	return r;
}

static int finish_object(const struct render_opts *o, const struct gt_scopes *scopes, struct objects *objs,
			 size_t i, json_t *seen)
{
	json_t *obj = objs->items[i];
	struct gt_ref ref;
	const char *why;
	if (gt_obj_ref(obj, &ref, &why) < 0)
		return gt_error("%s:%lu: invalid object: %s", objs->where[i].file, objs->where[i].line, why), -1;
	if (o->namespace && !gt_scopes_is_cluster(scopes, ref.group, ref.kind)) {
		if (default_namespace(obj, o->namespace) < 0 || gt_obj_ref(obj, &ref, &why) < 0)
			return gt_error("out of memory"), -1;
	}
	if (check_unique(seen, objs, i, &ref) < 0)
		return -1;
	if (o->app && add_tracking(o, obj, &ref) < 0)
		return gt_error("%s:%lu: cannot add tracking: metadata is malformed", objs->where[i].file,
				objs->where[i].line), -1;
	return 0;
}

/* Scopes need every CRD first: a custom resource may come before its definition. */
static int finish_objects(const struct render_opts *o, struct objects *objs)
{
	struct gt_scopes *scopes = gt_scopes_new();
	json_t *seen = json_object();
	int r = scopes && seen ? 0 : -1;
	for (size_t i = 0; r == 0 && i < objs->n; i++)
		gt_scopes_learn(scopes, objs->items[i]);
	for (size_t i = 0; r == 0 && i < objs->n; i++)
		r = finish_object(o, scopes, objs, i, seen);
	gt_scopes_free(scopes);
	json_decref(seen);
	return r;
}

static int write_all(const struct render_opts *o, const struct objects *objs)
{
	struct gt_writer *w = gt_writer_new(stdout, o->format);
	int r = w ? 0 : -1;
	for (size_t i = 0; r == 0 && i < objs->n; i++)
		r = gt_writer_put(w, objs->items[i]);
	return gt_writer_close(w) < 0 ? -1 : r;
}

int main(int argc, char **argv)
{
	struct render_opts o = { .tracking = TRACK_ANNOTATION, .lim = GT_LIMITS_DEFAULT };
	struct file_list files = { 0 };
	struct objects objs = { 0 };
	int first, r = gt_parse(&command, argc, argv, &o, &first);
	if (r == 0) {
		if (!o.format_set)
			o.format = gt_default_format(stdout) == GT_FORMAT_TEXT ? GT_FORMAT_YAML : GT_FORMAT_JSON;
		r = find_manifests(&o, argv[first], &files);
		if (r == 0)
			r = read_all(&o, &files, &objs);
		if (r == 0)
			r = finish_objects(&o, &objs);
		if (r == 0)
			r = write_all(&o, &objs);
		r = r < 0 ? -1 : 0;
	}
	objects_free(&objs);
	file_list_free(&files);
	free(o.include);
	free(o.exclude);
	return r < 0 ? GT_EXIT_INPUT : GT_EXIT_OK;
}
