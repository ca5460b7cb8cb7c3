/* gitops-render: turn a manifest directory, a Helm chart or a Kustomize overlay, on disk or at any
 * revision of a remote, into the objects Argo CD would apply; also an Argo CD plugin (--cmp). */
#define _GNU_SOURCE /* asprintf */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "file.h"
#include "json.h"
#include "obj.h"
#include "proc.h"
#include "render.h"
#include "helm/helm.h"
#include "stream.h"
#include "application.h"
#include "yaml.h"

static const struct gt_choice source_types[] = {
	{ "directory", TYPE_DIRECTORY }, { "helm", TYPE_HELM }, { "kustomize", TYPE_KUSTOMIZE }, GT_CHOICES_END
};
static const struct gt_choice engines[] = {
	{ "auto", ENGINE_AUTO }, { "native", ENGINE_NATIVE }, { "exec", ENGINE_EXEC }, GT_CHOICES_END
};
static const struct gt_choice load_restrictors[] = {
	{ "LoadRestrictionsRootOnly", 0 }, { "LoadRestrictionsNone", 1 }, GT_CHOICES_END
};

static struct render_opts opts = {
	.format = GT_FORMAT_UNSET,
	.lim = GT_LIMITS_DEFAULT,
	.cache = -1,
	.max_output = RENDER_DEFAULT_MAX_OUTPUT,
	.cache_max = RENDER_DEFAULT_CACHE_MAX,
	.namespace_objects = true,
	.skip_tests = true,
	.discovery_ttl = RENDER_DEFAULT_DISCOVERY_TTL,
	.max_tree_files = RENDER_DEFAULT_MAX_TREE_FILES,
	.max_tree_bytes = RENDER_DEFAULT_MAX_TREE_BYTES,
	.app_source = -1,
};

static const struct gt_option options[] = {
	GT_OPT_STRING(0, "application", "APP", &opts.application,
		      "render what Argo CD Application APP says: a file, - or its name in the cluster; flags win"),
	GT_OPT_STRING(0, "applications", "DIR", &opts.applications,
		      "render every Application in DIR (- reads standard input; with --repo, DIR in the repo at --revision)"),
	GT_OPT_STRING(0, "repo", "URL", &opts.repo, "render from this remote (https URL or path to a repo) instead of DIR"),
	GT_OPT_STRING(0, "chart", "NAME", &opts.chart, "render this chart of the Helm repository --repo-url instead of DIR"),
	GT_OPT_STRING(0, "repo-url", "URL", &opts.repo_url, "with --chart: the Helm chart repository (https://...)"),
	GT_OPT_STRING(0, "chart-version", "VERSION", &opts.chart_version,
		      "with --chart: a version or a range as helm takes it (default: the newest release)"),
	GT_OPT_FLAG(0, "plain-http", &opts.plain_http, "with --chart and an oci:// --repo-url: the registry speaks http"),
	GT_OPT_STRING(0, "revision", "REV", &opts.revision,
		      "with --repo: branch, tag, full or short SHA, or HEAD (default HEAD)"),
	GT_OPT_STRING(0, "path", "PATH", &opts.path, "with --repo: the directory inside the repo (default: its root)"),
	GT_OPT_CHOICE(0, "type", "TYPE", &opts.type, source_types,
		      "(default as Argo CD: Chart.yaml is helm, a kustomization kustomize and wins)"),
	GT_OPT_CHOICE(0, "engine", "ENGINE", &opts.engine, engines,
		      "(default auto: native where it supports everything the source uses)"),
	GT_OPT_FLAG(0, "deterministic", &opts.deterministic,
		    "native helm engine: the same rand*, uuidv4 and bcrypt salts on every run (tests)"),
	GT_OPT_FLAG(0, "recurse", &opts.recurse, "read subdirectories too (default off, as in Argo CD)"),
	GT_OPT_LIST(0, "include", "GLOB", &opts.include, NULL,
		    "only files whose path below DIR matches (repeatable; * crosses /, {a,b})"),
	GT_OPT_LIST(0, "exclude", "GLOB", &opts.exclude, NULL,
		    "skip files whose path below DIR matches (repeatable; wins over --include)"),
	GT_OPT_STRING_EMPTY_UNSET('n', "namespace", "NS", &opts.namespace,
				  "namespace for namespaced objects that have none (and helm's --namespace)"),
	GT_OPT_STRING(0, "api-resources", "FILE", &opts.api_resources,
		      "output of kubectl api-resources: which kinds are cluster-scoped, offline"),
	GT_OPT_FLAG(0, "discovery", &opts.discovery,
		    "ask the cluster which kinds are cluster-scoped (also with --context/--kubeconfig; cached)"),
	GT_OPT_SECONDS(0, "discovery-ttl", &opts.discovery_ttl, GT_SECONDS(0), GT_MAX_DURATION,
		       "use a cached discovery answer this long (default 6h, as kubectl)"),
	GT_OPT_STRING_EMPTY_UNSET(0, "app", "NAME", &opts.app, "mark every object as owned by Argo CD application NAME"),
	GT_OPT_CHOICE(0, "tracking", "METHOD", &opts.tracking, gt_tracking_choices, "(default annotation)"),
	GT_OPT_STRING(0, "release-name", "NAME", &opts.release_name,
		      "helm release name (default: the --app name, else the directory's name)"),
	GT_OPT_LIST('f', "values", "FILE", &opts.values, NULL, "helm values file: the current directory's, else the chart's; - stdin (repeatable)"),
	GT_OPT_LIST(0, "values-literal", "YAML", &opts.values_literal, NULL,
		    "helm values as YAML text, merged after the -f files (Argo CD's inline values; repeatable)"),
	GT_OPT_FLAG(0, "ignore-missing-values-files", &opts.ignore_missing_values,
		    "leave out a -f file that does not exist (Argo CD's ignoreMissingValueFiles)"),
	GT_OPT_LIST(0, "set", "KEY=VALUE", &opts.set, NULL, "helm --set (repeatable)"),
	GT_OPT_LIST(0, "set-string", "KEY=VALUE", &opts.set_string, NULL, "helm --set-string (repeatable)"),
	GT_OPT_LIST(0, "set-file", "KEY=FILE", &opts.set_file, NULL, "helm --set-file, FILE found as for --values (repeatable)"),
	GT_OPT_STRING(0, "kube-version", "VERSION", &opts.kube_version,
		      "Kubernetes version for the chart's Capabilities (e.g. 1.32.0)"),
	GT_OPT_LIST(0, "api-versions", "LIST", &opts.api_versions, NULL,
		    "API versions for the chart's Capabilities, comma-separated (repeatable)"),
	GT_OPT_FLAG_OFF(0, "include-crds", &opts.skip_crds, "render the chart's crds/ directory (the default, as Argo CD)"),
	GT_OPT_FLAG(0, "skip-crds", &opts.skip_crds, "leave the chart's crds/ directory out"),
	GT_OPT_FLAG_BOOL(0, "skip-tests", &opts.skip_tests,
			 "leave the chart's test hooks out (the default; --skip-tests=false renders them)"),
	GT_OPT_FLAG(0, "skip-schema-validation", &opts.skip_schema_validation,
		    "do not check the values against the charts' values.schema.json"),
	GT_OPT_FLAG(0, "enable-helm", &opts.enable_helm, "kustomize: let helmCharts entries run helm"),
	GT_OPT_CHOICE_NAME(0, "load-restrictor", "RULE", &opts.load_restrictor, load_restrictors, "(kustomize's flag)"),
	GT_OPT_STRING(0, "helm", "FILE", &opts.helm, "the helm binary (default: helm on PATH)"),
	GT_OPT_STRING(0, "kustomize", "FILE", &opts.kustomize,
		      "the kustomize binary, or kubectl (default: kustomize, else kubectl, on PATH)"),
	GT_OPT_FLAG(0, "user-engine-config", &opts.user_engine_config,
		    "let helm and kustomize read your HOME, helm repositories, logins and plugins"),
	GT_OPT_FLAG(0, "allow-empty", &opts.allow_empty,
		    "accept a render with no objects (else exit 2: an empty set would prune everything)"),
	GT_OPT_SET_INT(0, "cache", &opts.cache, 1,
		       "reuse an earlier render of the same tree, options and engine (default with --repo)"),
	GT_OPT_SET_INT(0, "no-cache", &opts.cache, 0, "always run the engine"),
	GT_OPT_SIZE(0, "cache-max-size", &opts.cache_max, SIZE_MAX,
		    "keep at most SIZE of render outputs, the least recently used go first (default 1G)"),
	GT_OPT_FLAG(0, "cmp", &opts.cmp, "run as an Argo CD plugin: render . with the plugin environment, print YAML"),
	GT_OPT_SIZE(0, "max-render-size", &opts.max_output, SIZE_MAX, "largest output an engine may print (default 256M)"),
	GT_OPT_UINT(0, "max-tree-files", "N", &opts.max_tree_files, 1, (unsigned long)1 << 30,
		    "most files written for an engine (--repo) or read by the native kustomize engine (default 100000)"),
	GT_OPT_SIZE(0, "max-tree-size", &opts.max_tree_bytes, SIZE_MAX,
		    "most bytes written for an engine (--repo) or read by the native kustomize engine (default 1G)"),
	GT_OPT_CHOICE('o', "output", "FORMAT", &opts.format, gt_formats_json_yaml,
		      "(json: JSON Lines; default: yaml on a terminal, else json)"),
	GT_GIT_OPTIONS(&opts.git),
	GT_KUBE_OPTIONS(&opts.kube),
	GT_LIMIT_OPTIONS(&opts.lim),
	GT_OPTIONS_END
};

static const struct gt_command command = {
	.name = "gitops-render",
	.synopsis = "[OPTIONS] FILE... | DIR | --repo URL [--revision REV] [--path PATH] [OPTIONS] | --cmp",
	.summary = "Render a manifest directory, manifest files, a Helm chart or a Kustomize overlay (from DIR or\n"
		   "FILEs, or from a remote at any revision) as a stream of objects on standard output.",
	.options = options,
	.min_args = 0,
	.max_args = -1,
};

/* Everything read, in file then document order; written only when all of it is valid. A
 * CustomResourceDefinition is kept as its JSON line once read (when the output is JSON): it is
 * cluster-scoped and never tracked, so nothing later changes it, and its text is a fraction of its
 * tree (5 MiB of CRDs were 17 MiB of trees). Such an item's tree is NULL; frozen[] has its line
 * and the key that checks it is unique. */
struct frozen {
	char *text, *key; /* key NULL: generateName, never a duplicate */
	size_t len;
};
struct objects {
	json_t **items;
	struct gt_where *where;
	struct frozen *frozen; /* NULL until an item is frozen; then beside items */
	size_t n, cap, cap_where, cap_frozen;
	bool freeze;               /* the output is JSON: CRDs may be frozen */
	struct gt_scopes *scopes;  /* what the frozen CRDs taught, before their trees went */
};

/* An exec engine's output being read while the engine writes (live_feed). */
struct live {
	const struct render_opts *o;
	const char *shown;   /* the source as messages name it */
	bool active, failed;
	size_t done;         /* bytes parsed (a document start, or the end) */
	size_t scan;         /* where the search for the next document start goes on */
	unsigned long lines; /* newlines in the first done bytes */
	struct objects objs; /* what was parsed */
};

const char *opts_own(struct render_opts *o, char *s)
{
	if (!s || gt_strvec_push(&o->owned, s) < 0) {
		free(s);
		gt_error("out of memory");
		return NULL;
	}
	return s;
}

static bool is_crd(const struct gt_ref *ref)
{
	return !strcmp(ref->kind, "CustomResourceDefinition") && !strcmp(ref->group, "apiextensions.k8s.io");
}

/* The JSON line of obj (as gt_writer_put writes it) in f->text: 0, or -1 out of memory. */
static int freeze_text(const json_t *obj, struct frozen *f)
{
	FILE *m = open_memstream(&f->text, &f->len);
	if (!m)
		return -1;
	int r = gt_json_write(m, obj);
	if (fclose(m) != 0 || r < 0) {
		free(f->text);
		f->text = NULL;
		return -1;
	}
	return 0;
}

/* Item i as its text when it is a CRD whose identity reads (anything else, or a CRD with an
 * invalid identity, stays a tree for finish_object to judge and to report on). text: its JSON
 * line already (taken; then item i is the reader's skeleton of it, crd_skeleton), or NULL.
 * -1 out of memory. */
static int maybe_freeze(struct objects *objs, size_t i, char *text, size_t text_len)
{
	json_t *obj = objs->items[i];
	struct gt_ref ref;
	const char *why;
	if (!objs->freeze || gt_obj_ref(obj, &ref, &why) < 0 || !is_crd(&ref))
		return 0;
	if (!objs->scopes && !(objs->scopes = gt_scopes_new()))
		return -1;
	struct frozen f = { .text = text, .len = text_len };
	if ((*ref.name && !(f.key = gt_ref_key_new(&ref))) || (!text && freeze_text(obj, &f) < 0)) {
		free(f.key);
		return -1;
	}
	gt_scopes_learn(objs->scopes, obj);
	objs->frozen[i] = f;
	objs->items[i] = NULL;
	json_decref(obj);
	return 0;
}

/* A document the YAML reader may give as JSON text and skeleton (gt_stream_set_text_for): one
 * maybe_freeze freezes, which nothing changes before it is written. */
static bool crd_skeleton(const json_t *skel)
{
	struct gt_ref ref;
	return gt_obj_ref(skel, &ref, NULL) == 0 && is_crd(&ref);
}

/* objects_push of a skeleton with its text (taken, also on failure) */
static int objects_push_text(struct objects *objs, json_t *obj, const struct gt_where *w, char *text, size_t len);

static int objects_push(struct objects *objs, json_t *obj, const struct gt_where *w)
{
	return objects_push_text(objs, obj, w, NULL, 0);
}

static int objects_push_text(struct objects *objs, json_t *obj, const struct gt_where *w, char *text, size_t len)
{
	if (GT_GROW(objs->items, objs->cap, objs->n + 1) < 0 || GT_GROW(objs->where, objs->cap_where, objs->n + 1) < 0 ||
	    (objs->freeze && GT_GROW(objs->frozen, objs->cap_frozen, objs->n + 1) < 0))
		return free(text), gt_error("out of memory"), -1;
	if (objs->freeze)
		objs->frozen[objs->n] = (struct frozen){ 0 };
	objs->items[objs->n] = obj;
	objs->where[objs->n++] = *w;
	if (maybe_freeze(objs, objs->n - 1, text, len) < 0)
		return objs->n--, free(text), gt_error("out of memory"), -1; /* (obj is the caller's again) */
	return 0;
}

static void objects_free(struct objects *objs)
{
	for (size_t i = 0; i < objs->n; i++) {
		json_decref(objs->items[i]);
		if (objs->frozen) {
			free(objs->frozen[i].text);
			free(objs->frozen[i].key);
		}
	}
	free(objs->items);
	free(objs->where);
	free(objs->frozen);
	gt_scopes_free(objs->scopes);
}

/* Every object of s into objs, validated; shown (which outlives objs) names them in messages. */
static int read_stream(const struct render_opts *o, struct gt_stream *s, const char *shown, struct objects *objs)
{
	json_t *obj;
	struct gt_where w;
	int r;
	(void)o;
	if (objs->freeze)
		gt_stream_set_text_for(s, crd_skeleton); /* CRDs are frozen: their text, never their tree */
	while ((r = gt_stream_next(s, &obj, &w)) > 0) {
		const char *why;
		char *text = NULL;
		size_t len = 0;
		gt_stream_take_text(s, &text, &len);
		if (gt_obj_validate(obj, &why) < 0) {
			gt_error("%s:%lu: invalid object: %s", shown, w.line, why);
			json_decref(obj);
			free(text);
			r = -1;
			break;
		}
		w.file = shown; /* the stream's name dies with it */
		if (objects_push_text(objs, obj, &w, text, len) < 0) {
			json_decref(obj);
			r = -1;
			break;
		}
	}
	return r;
}

static int read_file(const struct render_opts *o, const char *path, struct objects *objs)
{
	size_t strip = o->strip ? strlen(o->strip) : 0;
	const char *shown = strip && !strncmp(path, o->strip, strip) ? path + strip : path;
	char *buf = NULL;
	size_t len = 0;
	struct gt_stream *s;
	if (shown == path) {
		s = gt_stream_open(path, &o->lim);
	} else {
		/* A temp copy of a repository: messages name the file by its place in the repository. */
		int rd = gt_file_read(path, (size_t)-1, &buf, &len);
		if (rd != 0)
			return rd > 0 ? (gt_error("%s: cannot open", shown), -1) : -1;
		s = gt_stream_open_mem(buf, len, shown, &o->lim);
	}
	if (!s) {
		free(buf);
		return -1;
	}
	int r = read_stream(o, s, shown, objs);
	gt_stream_close(s);
	free(buf);
	return r;
}

static int read_all(const struct render_opts *o, const struct file_list *files, struct objects *objs)
{
	for (size_t i = 0; i < files->n; i++)
		if (read_file(o, files->paths[i], objs) < 0)
			return -1;
	return 0;
}

/*
 * An exec engine's output read as the engine writes it, so that converting 5 MiB of YAML does not
 * wait for the engine's exit: whenever a line "---" (a document start, which YAML recognises at
 * column 0 in any context) has arrived, the whole documents before it are parsed. Objects are only
 * collected; nothing is written before the engine has succeeded and all of it was read. Anything
 * this reader does not take the way the whole-text reader would (a parse error, JSON, a List, a
 * document that is not an object, an invalid object) stops it, quietly: the whole text is then
 * read after the engine's exit as before, and its messages are the ones shown.
 */
/* A List kind, which the stream reader flattens (gt_stream_next). */
static bool is_list(const json_t *obj)
{
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	size_t n = kind ? strlen(kind) : 0;
	return n >= 4 && !strcmp(kind + n - 4, "List") && json_is_array(json_object_get(obj, "items"));
}

/* One document's objects into l, as gt_stream_next hands them out: a List's or a sequence's items
 * in place of it (nested ones too), each an object; else the reader gives up. */
static void live_take(struct live *l, json_t *doc, const struct gt_where *w, int depth)
{
	const char *why;
	if (json_is_array(doc) || (json_is_object(doc) && is_list(doc))) {
		json_t *items = json_is_array(doc) ? doc : json_object_get(doc, "items"), *item;
		size_t i;
		if (depth > 64) {
			l->failed = true;
			return;
		}
		json_array_foreach(items, i, item) {
			if (l->failed)
				break;
			if (json_is_array(item) || !json_is_object(item))
				l->failed = true; /* (the whole-text reader words it) */
			else
				live_take(l, item, w, depth + 1);
		}
		return;
	}
	if (!json_is_object(doc) || gt_obj_validate(doc, &why) < 0) {
		l->failed = true;
	} else if (objects_push(&l->objs, json_incref(doc), w) < 0) {
		json_decref(doc);
		l->failed = true;
	}
}

static void live_parse(struct live *l, const char *buf, size_t end)
{
	struct gt_yaml_reader *y = gt_yaml_reader_new_string(buf + l->done, end - l->done, l->shown, &l->o->lim);
	json_t *doc = NULL;
	unsigned long line;
	int r;
	if (!y) {
		l->failed = true;
		return;
	}
	gt_yaml_reader_set_quiet(y, true);
	gt_yaml_reader_set_line_offset(y, l->lines);
	while (!l->failed && (r = gt_yaml_next(y, &doc, &line)) != 0) {
		struct gt_where w = { l->shown, line, 0 };
		if (r < 0)
			l->failed = true;
		else if (!json_is_null(doc)) /* (an empty or comment-only document is none) */
			live_take(l, doc, &w, 0);
		json_decref(doc);
		doc = NULL;
	}
	gt_yaml_reader_free(y);
	for (size_t i = l->done; i < end; i++)
		l->lines += buf[i] == '\n';
	l->done = end;
}

/* common/proc's on_out: parse up to the last document start that has arrived. */
static void live_feed(void *arg, const char *buf, size_t len)
{
	struct live *l = arg;
	size_t cut = 0;
	if (l->failed)
		return;
	if (l->done == 0 && l->scan == 0) {
		size_t i = 0;
		while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t'))
			i++;
		if (i == len)
			return; /* nothing yet to tell JSON from YAML */
		if (buf[i] == '{' || buf[i] == '[') {
			l->failed = true; /* JSON: the whole-text reader's */
			return;
		}
	}
	for (size_t i = l->scan > l->done ? l->scan : l->done; i + 4 < len; i++) {
		if (buf[i] == '\n' && !memcmp(buf + i + 1, "---", 3) &&
		    (buf[i + 4] == '\n' || buf[i + 4] == ' ' || buf[i + 4] == '\t' || buf[i + 4] == '\r'))
			cut = i + 1;
	}
	l->scan = len >= 4 ? len - 4 : 0;
	if (cut > l->done)
		live_parse(l, buf, cut);
}

/* After the engine succeeded: the rest of its output; 0 with every object in objs, -1 when the
 * live reader gave up (then the whole text is read). */
static int live_finish(struct live *l, const char *buf, size_t len, struct objects *objs)
{
	if (!l->active)
		return -1;
	if (!l->failed && len > l->done)
		live_parse(l, buf, len);
	if (l->failed) {
		gt_debug("%s: read after the engine's exit", l->shown);
		objects_free(&l->objs);
		memset(&l->objs, 0, sizeof(l->objs));
		return -1;
	}
	for (size_t i = 0; i < l->objs.n; i++) {
		if (objects_push(objs, l->objs.items[i], &l->objs.where[i]) < 0)
			return -1; /* (the rest are freed with l) */
		l->objs.items[i] = NULL;
	}
	gt_debug("%s: %zu objects read while the engine wrote", l->shown, l->objs.n);
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

/* Argo CD marks every generated object except CRDs. */
static int add_tracking(const struct render_opts *o, json_t *obj, const struct gt_ref *ref)
{
	int r = 0;
	if (is_crd(ref))
		return 0;
	if (gt_tracking_annotates(o->tracking)) {
		char *id = gt_tracking_id_new(o->app, ref, o->namespace ? o->namespace : "");
		r = id ? gt_obj_set_annotation(obj, "argocd.argoproj.io/tracking-id", id) : -1;
		free(id);
	}
	if (r == 0 && gt_tracking_labels(o->tracking)) {
		char *label = gt_instance_label_new(o->app);
		r = label ? gt_obj_set_label(obj, "app.kubernetes.io/instance", label) : -1;
		free(label);
	}
	return r;
}

/* Two objects with one identity: Argo CD would apply one over the other. */
static void say_duplicate(const struct objects *objs, size_t first, size_t i, const struct gt_ref *ref)
{
	const struct gt_where *a = &objs->where[first], *b = &objs->where[i];
	/* FILE:LINE: why, like every input error: the second one, naming the first. */
	gt_error("%s:%lu: duplicate object %s%s%s %s%s%s: already defined at %s:%lu", b->file, b->line, ref->group,
		 *ref->group ? "/" : "", ref->kind, ref->namespace, *ref->namespace ? "/" : "", ref->name, a->file,
		 a->line);
}

/* key's first holder in seen: i, or -1 for a duplicate (not said), -2 out of memory */
static long claim_key(json_t *seen, size_t i, const char *key)
{
	json_t *prev = json_object_get(seen, key);
	if (prev)
		return (long)json_integer_value(prev);
	return json_object_set_new(seen, key, json_integer((json_int_t)i)) < 0 ? -2 : (long)i;
}

static int check_unique(json_t *seen, const struct objects *objs, size_t i, const struct gt_ref *ref)
{
	if (!*ref->name)
		return 0; /* generateName: a new object each time */
	char *key = gt_ref_key_new(ref);
	long first = key ? claim_key(seen, i, key) : -2;
	free(key);
	if (first == -2)
		return gt_error("out of memory"), -1;
	if ((size_t)first != i)
		return say_duplicate(objs, (size_t)first, i, ref), -1;
	return 0;
}

/* A frozen CRD: only its identity is checked (its tree is read back to say a duplicate). */
static int check_unique_frozen(json_t *seen, const struct objects *objs, size_t i)
{
	const struct frozen *f = &objs->frozen[i];
	long first = f->key ? claim_key(seen, i, f->key) : (long)i;
	if (first == -2)
		return gt_error("out of memory"), -1;
	if ((size_t)first == i)
		return 0;
	json_t *obj = json_loadb(f->text, f->len, 0, NULL);
	struct gt_ref ref;
	const char *why;
	if (obj && gt_obj_ref(obj, &ref, &why) == 0)
		say_duplicate(objs, (size_t)first, i, &ref);
	else
		gt_error("out of memory");
	json_decref(obj);
	return -1;
}

static int finish_object(const struct render_opts *o, struct render_scopes *scopes, struct objects *objs,
			 size_t i, json_t *seen)
{
	json_t *obj = objs->items[i];
	struct gt_ref ref;
	const char *why;
	if (!obj)
		return check_unique_frozen(seen, objs, i);
	if (gt_obj_ref(obj, &ref, &why) < 0)
		return gt_error("%s:%lu: invalid object: %s", objs->where[i].file, objs->where[i].line, why), -1;
	if (o->namespace && o->namespace_objects && !*ref.namespace && render_scope_of(scopes, &ref) == 0) {
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
	if (!objs->scopes && !(objs->scopes = gt_scopes_new()))
		return gt_error("out of memory"), -1;
	struct render_scopes scopes; /* (what the frozen CRDs taught is in objs->scopes) */
	json_t *seen = json_object();
	int r = render_scopes_init(o, &scopes, objs->scopes, objs->items, objs->n);
	if (r == 0 && !seen)
		r = -1, gt_error("out of memory");
	for (size_t i = 0; r == 0 && i < objs->n; i++)
		r = finish_object(o, &scopes, objs, i, seen);
	render_scopes_free(&scopes);
	json_decref(seen);
	return r;
}

static int write_all(const struct render_opts *o, const struct objects *objs)
{
	struct gt_writer *w = gt_writer_new(stdout, o->format);
	int r = w ? 0 : -1;
	for (size_t i = 0; r == 0 && i < objs->n; i++)
		r = objs->items[i] ? gt_writer_put(w, objs->items[i])
				   : gt_writer_put_text(w, objs->frozen[i].text, objs->frozen[i].len);
	return gt_writer_close(w) < 0 ? -1 : r;
}


/* ---- sources and engines ---- */

/* What one run works on; everything here is freed by run_free. */
struct crd_job {
	char *path;
	struct stat st;          /* the file as the job read it */
	struct objects objs;     /* its objects */
	unsigned long lines;     /* the newlines of "---\n# Source: \n", the file and "\n" */
	unsigned long docs;      /* its documents */
	bool ok, taken;          /* read without a word said; given to the caller */
};

struct crd_jobs {
	const struct render_opts *o;
	const char *shown;
	struct crd_job *v;
	size_t n;
	bool freeze;
	_Atomic size_t next;     /* the next job to do */
	_Atomic bool stop;
	pthread_t thread;
	bool started;
};

static void crd_jobs_free(struct crd_jobs *j);
/* crd_ahead_run's: the render, and what it renders */
struct crd_ahead_arg {
	const struct render_opts *o;
	struct run *r;
};
static void crd_ahead_run(void *arg);

struct run {
	struct repo_source src;
	bool from_repo;
	const char *dir;    /* the source on disk (DIR, or the temp copy) */
	char *dir_owned;
	char *copy;         /* a writable temp copy of DIR (helm dependencies), or NULL */
	char *cache_root;
	struct engine engine;
	char *out;          /* the engine's output */
	size_t out_len;
	char *shown;        /* the source as messages name it */
	char *strip;
	char *root;         /* a local source: the directory its links and paths stay below */
	char *root_rel;     /* the source directory below root */
	struct file_list files;
	struct helm_docs docs; /* the native Helm engine's parsed documents of out (usable or not) */
	bool app_edited;    /* the Application's kustomize settings are applied to the copy */
	struct live live;      /* an exec engine's output, read while it writes */
	char *chart_tmp;       /* --chart: where helm pulls to (removed at the end) */
	char *chart_archive;   /* --chart: the archive the engines render */
	struct crd_jobs ahead; /* the chart's crds/ files, converted while the native engine runs */
};

static void run_free(struct run *r)
{
	crd_jobs_free(&r->ahead);
	objects_free(&r->live.objs);
	if (r->chart_tmp)
		remove_tree(r->chart_tmp);
	free(r->chart_tmp);
	free(r->chart_archive);
	helm_docs_free(&r->docs);
	free(r->out);
	engine_free(&r->engine);
	free(r->cache_root);
	if (r->copy)
		remove_tree(r->copy);
	free(r->copy);
	free(r->dir_owned);
	free(r->shown);
	free(r->strip);
	free(r->root);
	free(r->root_rel);
	file_list_free(&r->files);
	if (r->from_repo)
		repo_source_close(&r->src);
}

static const char *type_name(enum source_type t)
{
	return t == TYPE_HELM ? "helm" : t == TYPE_KUSTOMIZE ? "kustomize" : "directory";
}

/* The last component of a path ("." is the working directory's name). */
static char *base_name_dup(const char *path)
{
	char *real = realpath(path, NULL), *b = NULL;
	const char *p = real ? real : path;
	size_t n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		n--;
	size_t s = n;
	while (s > 0 && p[s - 1] != '/')
		s--;
	b = strndup(p + s, n - s);
	free(real);
	return b;
}

/* Helm's release name: --release-name, else the application, else the directory (Argo CD's default). */
static int default_release_name(struct render_opts *o, struct run *r)
{
	if (o->release_name)
		return 0;
	if (o->app) {
		o->release_name = o->app;
		return 0;
	}
	if (o->chart) {
		o->release_name = o->chart; /* (helm template's own default is a generated name) */
		return 0;
	}
	char *name = NULL;
	if (r->from_repo && *r->src.path)
		name = base_name_dup(r->src.path);
	else if (r->from_repo)
		name = base_name_dup(gt_repo_url(r->src.repo));
	else
		name = base_name_dup(r->dir);
	if (name && r->from_repo && !*r->src.path) {
		size_t n = strlen(name);
		if (n > 4 && !strcmp(name + n - 4, ".git"))
			name[n - 4] = '\0';
	}
	o->release_name = opts_own(o, name);
	return o->release_name ? 0 : -1;
}

static void key_add_list(struct key_b *k, const char *label, const struct gt_strvec *l)
{
	for (size_t i = 0; i < l->n; i++)
		key_add(k, label, l->v[i]);
}

/* Everything the engine's output depends on; NULL-safe strings. */
static int render_key(const struct render_opts *o, struct run *r, enum source_type type, bool whole,
		      char hex[GIT_OID_HEXSZ + 1])
{
	struct key_b k = { 0 };
	char tree[GIT_OID_HEXSZ + 1];
	git_oid_tostr(tree, sizeof(tree), whole ? &r->src.root_tree : &r->src.path_tree);
	key_add(&k, "gitops-render cache", "1");
	key_add(&k, "type", type_name(type));
	key_add(&k, "tree", tree);
	key_add(&k, "path", whole ? r->src.path : "");
	key_add(&k, "engine", r->engine.version ? r->engine.version : "");
	key_add(&k, "via kubectl", r->engine.via_kubectl ? "yes" : "no");
	key_add(&k, "release", o->release_name ? o->release_name : "");
	key_add(&k, "namespace", o->namespace ? o->namespace : "");
	key_add(&k, "crds", o->skip_crds ? "skip" : "include");
	if (app_key_values(o, &k) < 0)
		return key_finish(&k, hex), -1;
	key_add_list(&k, "values-literal", &o->values_literal);
	key_add(&k, "skip-tests", o->skip_tests ? "yes" : "no");
	key_add(&k, "skip-schema-validation", o->skip_schema_validation ? "yes" : "no");
	key_add(&k, "ignore-missing-values-files", o->ignore_missing_values ? "yes" : "no");
	key_add_list(&k, "set", &o->set);
	key_add_list(&k, "set-string", &o->set_string);
	key_add_list(&k, "set-file", &o->set_file);
	key_add(&k, "kube-version", o->kube_version ? o->kube_version : "");
	key_add_list(&k, "api-versions", &o->api_versions);
	key_add(&k, "enable-helm", o->enable_helm ? (o->helm ? o->helm : "yes") : "no");
	key_add(&k, "load-restrictor", o->load_restrictor ? o->load_restrictor : "");
	if (key_finish(&k, hex) < 0)
		return gt_error("out of memory"), -1;
	return 0;
}

/* Where a hostile source may point the engine: its links, and (from a repository or an Argo CD
 * Application) its values files, must stay inside the source's root on disk. */
static int check_source_paths(const struct render_opts *o, struct run *r)
{
	if (o->chart_archive)
		return 0; /* an archive from a repository; values are the user's own files */
	const char *root = r->from_repo ? r->src.tmp : r->root, *rel = r->from_repo ? r->src.path : r->root_rel;
	if (!r->from_repo && links_check_dir(root, rel) < 0)
		return -1; /* (a repository's links were checked as they were written) */
	if (!r->from_repo && !o->cmp && !o->app_settings)
		return 0; /* paths the user typed on their own command line are theirs (an Application's are not) */
	const struct gt_strvec *lists[] = { &o->values, &o->set_file };
	for (size_t l = 0; l < 2; l++) {
		for (size_t i = 0; i < lists[l]->n; i++) {
			char *items = strdup(lists[l]->v[i]), *save = NULL;
			int st = items ? 0 : (gt_error("out of memory"), -1);
			for (char *it = items ? strtok_r(items, ",", &save) : NULL; st == 0 && it; it = strtok_r(NULL, ",", &save)) {
				const char *path = l == 1 && strchr(it, '=') ? strchr(it, '=') + 1 : it;
				if (l == 0 && values_from_stdin(o, lists[l]->v[i]))
					break; /* standard input: the user's, not the source's */
				if (l == 0 && app_values_trusted(o, it))
					continue; /* written by us from the Application */
				st = path_check_below(root, rel, path, l ? "--set-file" : "--values");
			}
			free(items);
			if (st < 0)
				return -1;
		}
	}
	return 0;
}

/* Where a kustomization may lead on disk: a repository's copy, Argo CD's checkout, the git work
 * tree holding DIR. A directory outside any work tree has no bound but its links (as for
 * kustomize itself): its overlays may name ../base. */
static const char *native_source_root(const struct render_opts *o, const struct run *r)
{
	if (r->from_repo)
		return r->src.tmp;
	char *git = path_join(r->root, ".git");
	struct stat st;
	bool work_tree = git && lstat(git, &st) == 0;
	free(git);
	return o->cmp || work_tree ? r->root : NULL;
}

/*
 * --ignore-missing-values-files, as Argo CD's ignoreMissingValueFiles: a values file that is not
 * there (read as the engines read it, relative to the chart) is left out, said with -v; every
 * other file stays, in its order. Run where the source is on disk, before the engine.
 */
static int drop_missing_values(struct render_opts *o, const char *dir, bool cwd_too)
{
	struct gt_strvec kept = { 0 };
	if (!o->ignore_missing_values)
		return 0;
	for (size_t i = 0; i < o->values.n; i++) {
		if (values_from_stdin(o, o->values.v[i])) {
			if (gt_strvec_push(&kept, o->values.v[i]) < 0)
				return gt_strvec_release(&kept), gt_error("out of memory"), -1;
			continue; /* (the very pointer: it says standard input) */
		}
		char *items = strdup(o->values.v[i]), *save = NULL;
		if (!items)
			return gt_strvec_release(&kept), gt_error("out of memory"), -1;
		/* helm splits --values at commas */
		for (char *it = strtok_r(items, ",", &save); it; it = strtok_r(NULL, ",", &save)) {
			char *full = *it == '/' ? strdup(it) : path_join(dir, it);
			struct stat st;
			bool there = !full || strstr(it, "://") || !strcmp(it, "-") || stat(full, &st) == 0 || errno != ENOENT ||
				     (cwd_too && stat(it, &st) == 0);
			free(full);
			const char *mine = there ? opts_own(o, strdup(it)) : NULL;
			if (!there)
				gt_debug("--values %s: not there, left out (--ignore-missing-values-files)", it);
			else if (!mine || gt_strvec_push(&kept, mine) < 0)
				return free(items), gt_strvec_release(&kept), gt_error("out of memory"), -1;
		}
		free(items);
	}
	gt_strvec_release(&o->values);
	o->values = kept;
	return 0;
}

/* A working directory is never written to: dependencies are built in a private copy. */
static int prepare_source(const struct render_opts *o, struct run *r)
{
	const struct engine_ops *ops = r->engine.ops;
	if (check_source_paths(o, r) < 0)
		return -1;
	/* what the kustomizations name stays inside too (a --repo source was planned in the commit) */
	if (ops == &kustomize_engine && !r->from_repo && native_source_root(o, r) &&
	    kustomize_paths_check(o, r->root, r->root_rel) < 0)
		return -1;
	if (!ops->needs_prepare)
		return 0;
	int need = ops->needs_prepare(o, r->dir);
	if (need <= 0)
		return need;
	if (!r->from_repo) {
		if (!(r->copy = temp_dir_new()))
			return -1;
		char *to = path_join(r->copy, "chart");
		if (!to || copy_tree(r->dir, to) < 0) {
			free(to);
			return -1;
		}
		free(r->dir_owned);
		r->dir = r->dir_owned = to;
	}
	return ops->prepare(o, &r->engine, r->dir, o->cache == 0 ? NULL : r->cache_root);
}

/* The Application's kustomize settings, applied once to the copy the engines read. */
static int app_edit_once(const struct render_opts *o, struct run *r)
{
	if (r->app_edited || !o->app_kustomize)
		return 0;
	const char *saved = o->strip;
	((struct render_opts *)o)->strip = r->strip;
	int st = app_kustomize_edit(o, r->dir);
	((struct render_opts *)o)->strip = saved;
	r->app_edited = st == 0;
	return st;
}

/* A local overlay with the Application's kustomize settings: edited in a private copy of its
 * root (the git work tree holding it), never in place. -1 after printing. */
static int app_local_copy(const struct render_opts *o, struct run *r)
{
	char *to = NULL, *dir = NULL;
	if (!(r->copy = temp_dir_new()))
		return -1;
	if (!(to = path_join(r->copy, "src")) || copy_tree(r->root, to) < 0 ||
	    !(dir = *r->root_rel ? path_join(to, r->root_rel) : strdup(to))) {
		free(to);
		return gt_error("out of memory"), -1;
	}
	free(r->root);
	r->root = to;
	free(r->dir_owned);
	r->dir = r->dir_owned = dir;
	if (!r->strip && asprintf(&r->strip, "%s/", to) < 0)
		return r->strip = NULL, gt_error("out of memory"), -1;
	return app_edit_once(o, r);
}

static bool repo_has_values(void *arg, const char *path)
{
	struct repo_source *s = arg;
	char *p = NULL;
	if (asprintf(&p, "%s%s%s", s->path, *s->path ? "/" : "", path) < 0)
		return true;
	bool there = gt_repo_path_exists(s->repo, &s->commit, p);
	free(p);
	return there;
}

static bool dir_has_values(void *arg, const char *path)
{
	struct stat st;
	char *p = path_join(arg, path);
	bool there = !p || stat(p, &st) == 0;
	free(p);
	return there;
}

/* The native engines in a child of their own (common/proc), so that --timeout, --max-render-size
 * and SIGINT/SIGTERM stop a template that loops, or an overlay that takes long, as they stop helm
 * and kustomize: the output on stdout; exit 0 rendered, else a NATIVE_* code with the reason on
 * stderr (the Helm engine prints its own render errors and exits GT_EXIT_INPUT). */
#define NATIVE_UNSUPPORTED 3 /* the source uses what the engine does not do: exec can */
#define NATIVE_FAILED 4      /* the build failed: with auto, kustomize builds it and says why */
#define NATIVE_REFUSED 5     /* reads outside the source or beyond the tree limits: no engine may */
struct native_job {
	const struct render_opts *o;
	const char *dir;
	struct shared_heap *heap; /* where the Kustomize engine leaves its objects, or NULL */
};

/*
 * The documents the engine parsed (helm_docs) cross the pipe too, so that they are not parsed
 * again: after the output, one line per document, "LINE JSON", then a footer of fixed length
 * that says where the output ends. JSON keeps what the trees hold (key order, integers apart from
 * reals, every double's exact value); a tree jansson cannot write (an infinite float) sends the
 * whole text to the reader instead.
 */
#define DOCS_FOOTER_FMT "\ngitops-docs %d %020zu %020zu %020zu %020zu\n"
#define DOCS_FOOTER_LEN 99 /* with the numbers at their width */
/* Then the crds/ files the output leaves out (helm_docs' crds), each "crd LEN PATHLEN SOURCELEN\n",
 * the path's and the source's bytes, "\n". */

static int write_docs(const struct helm_docs *d, size_t len)
{
	bool usable = d->usable;
	size_t n = 0, written = 0;
	for (; usable && n < d->n; n++) {
		char *js = json_dumps(d->v[n], JSON_COMPACT | JSON_ENCODE_ANY);
		/* (no more than the output's size: the parent's cap is twice its limit) */
		if (!js || strchr(js, '\n') || (written += strlen(js) + 22) > len) {
			free(js);
			usable = false; /* what was written is ignored: the footer says so */
			break;
		}
		int w = printf("%lu %s\n", d->line[n], js);
		free(js);
		if (w < 0)
			return -1;
	}
	if (!usable && d->n_crds)
		return -1; /* (cannot be: what names the files is small) */
	for (size_t i = 0; usable && i < d->n_crds; i++) {
		const struct helm_crd *k = &d->crds[i];
		if (printf("crd %zu %zu %zu\n%s%s\n", k->len, strlen(k->path), strlen(k->source), k->path, k->source) < 0)
			return -1;
	}
	return printf(DOCS_FOOTER_FMT, usable, len, usable ? d->prefix : 0, usable ? n : 0, usable ? d->n_crds : 0) < 0
		       ? -1
		       : 0;
}

static int native_child(void *arg)
{
	const struct native_job *j = arg;
	char *out = NULL, *why = NULL;
	size_t len = 0;
	struct helm_docs docs = { 0 };
	int st = helm_native(j->o, j->dir, &out, &len, &docs, &why);
	if (st == 0 && (fwrite(out, 1, len, stdout) != len || write_docs(&docs, len) < 0 || fflush(stdout) != 0))
		st = -1;
	if (st == 1)
		fputs(why ? why : "?", stderr);
	helm_docs_free(&docs);
	free(out);
	free(why);
	return st == 0 ? 0 : st == 1 ? NATIVE_UNSUPPORTED : GT_EXIT_INPUT;
}

/* The child's output, its documents and footer taken off; 0, or -1 when they do not read back. */
static int read_docs(char *all, size_t all_len, size_t *len, struct helm_docs *d)
{
	int usable;
	size_t n, prefix, out_len, n_crds;
	char footer[DOCS_FOOTER_LEN + 1];
	if (all_len < DOCS_FOOTER_LEN)
		return -1;
	memcpy(footer, all + all_len - DOCS_FOOTER_LEN, DOCS_FOOTER_LEN);
	footer[DOCS_FOOTER_LEN] = '\0';
	if (sscanf(footer, "\ngitops-docs %d %zu %zu %zu %zu", &usable, &out_len, &prefix, &n, &n_crds) != 5 ||
	    out_len > all_len - DOCS_FOOTER_LEN || (prefix > out_len && !n_crds) || (n_crds && !usable))
		return -1;
	*len = out_len;
	if (!usable)
		return all[out_len] = '\0', 0;
	if (!(d->v = calloc(n ? n : 1, sizeof(*d->v))) || !(d->line = calloc(n ? n : 1, sizeof(*d->line))))
		return -1;
	const char *p = all + out_len, *end = all + all_len - DOCS_FOOTER_LEN;
	for (d->n = 0; d->n < n; d->n++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *sp = memchr(p, ' ', (size_t)(end - p));
		char *e = NULL;
		if (!nl || !sp || sp > nl)
			return -1;
		d->line[d->n] = strtoul(p, &e, 10);
		if (e != sp || !(d->v[d->n] = json_loadb(sp + 1, (size_t)(nl - sp - 1),
							  JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL)))
			return -1;
		p = nl + 1;
	}
	if (n_crds && !(d->crds = calloc(n_crds, sizeof(*d->crds))))
		return -1;
	for (d->n_crds = 0; d->n_crds < n_crds; d->n_crds++) {
		struct helm_crd *k = &d->crds[d->n_crds];
		size_t pl, sl;
		int used = 0;
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl || sscanf(p, "crd %zu %zu %zu\n%n", &k->len, &pl, &sl, &used) != 3 || p + used != nl + 1 ||
		    pl + sl + 1 > (size_t)(end - nl - 1) || nl[1 + pl + sl] != '\n' ||
		    !(k->path = strndup(nl + 1, pl)) || !(k->source = strndup(nl + 1 + pl, sl))) {
			d->n_crds++; /* (its strings, if any, go with d) */
			return -1;
		}
		p = nl + 1 + pl + sl + 1;
	}
	if (p != end)
		return -1;
	d->prefix = prefix;
	d->usable = true;
	all[out_len] = '\0';
	return 0;
}

/* helm_native under a deadline: as helm_native (0, 1 with *why, -1 printed); on_start(arg) once
 * the engine runs. */
static int helm_native_bounded(const struct render_opts *o, const char *dir, char **out, size_t *len,
			       struct helm_docs *docs, char **why, void (*on_start)(void *), void *arg)
{
	struct native_job job = { o, dir, NULL };
	unsigned timeout = o->git.timeout ? o->git.timeout : GT_GIT_DEFAULT_TIMEOUT;
	/* the documents beside the output are at most as large as it (else left out) */
	size_t cap = o->max_output > (SIZE_MAX - DOCS_FOOTER_LEN) / 2 ? SIZE_MAX : 2 * o->max_output + DOCS_FOOTER_LEN;
	struct gt_proc p = { .fn = native_child, .fn_arg = &job, .max_out = cap,
			     .deadline = gt_deadline_in(timeout), .on_start = on_start, .on_start_arg = arg };
	int r = gt_proc_run(&p, "helm template (native engine)");
	int code = r == 0 && WIFEXITED(p.status) ? WEXITSTATUS(p.status) : -1;
	/* a template can print what it was given (fail, required): masked as helm's stderr is */
	if (p.err)
		gt_redact_tokens(p.err, o->git.password);
	if (p.end == GT_PROC_TIMED_OUT)
		gt_error("helm template (native engine): did not finish within %u s (--timeout); stopped", timeout);
	else if (p.end == GT_PROC_TOO_LARGE)
		gt_error("helm template: its output is larger than %zu bytes (--max-render-size)", o->max_output);
	else if (p.end == GT_PROC_INTERRUPTED)
		check_interrupted();
	else if (code == NATIVE_UNSUPPORTED)
		*why = strdup(p.err);
	else if (code != 0 && p.err_len)
		fputs(p.err, stderr); /* its own messages, as they were printed (masking shortened them) */
	else if (code != 0 && r == 0)
		gt_error("helm template (native engine) failed: %s %d", WIFSIGNALED(p.status) ? "signal" : "exit",
			 WIFSIGNALED(p.status) ? WTERMSIG(p.status) : WEXITSTATUS(p.status));
	if (code == 0 && read_docs(p.out, p.out_len, len, docs) < 0) {
		helm_docs_free(docs);
		gt_error("helm template (native engine): its output does not read back");
		code = -1;
	}
	if (code == 0) {
		engine_relay_warnings("helm", p.err, NULL); /* (masked above) */
		*out = p.out;
		p.out = NULL;
	}
	gt_proc_free(&p);
	return code == 0 ? 0 : code == NATIVE_UNSUPPORTED ? 1 : -1;
}

/* The native Kustomize engine's objects, left in the shared heap when there is one and they are
 * all in it, else as JSON Lines (as the render cache keeps them). */
static int kustomize_child(void *arg)
{
	const struct native_job *j = arg;
	json_t *objects = NULL, *obj;
	char *why = NULL;
	size_t i;
	if (j->heap)
		shared_heap_use(j->heap);
	int st = kustomize_native(j->o, j->dir, &objects, &why);
	if (st == 0 && j->heap && shared_heap_hand_over(j->heap, objects))
		return 0; /* (the parent's now: not freed here, the process ends) */
	json_array_foreach(objects, i, obj) {
		gt_json_write(stdout, obj);
		putchar('\n');
	}
	if (st != 0)
		fputs(why ? why : "?", stderr);
	json_decref(objects);
	free(why);
	return st == 0 ? 0 : st == 1 ? NATIVE_UNSUPPORTED : st == -2 ? NATIVE_REFUSED : NATIVE_FAILED;
}

/* What the child left in the heap, as the documents read_engine_output takes: 0, or -1 (out of memory). */
static int docs_from_heap(struct shared_heap *heap, struct helm_docs *d)
{
	json_t *objects = heap ? shared_heap_take(heap) : NULL;
	size_t n = json_array_size(objects);
	if (!objects) {
		shared_heap_drop(heap); /* (they came as text, or not at all) */
		return 0;
	}
	if (!(d->v = calloc(n ? n : 1, sizeof(*d->v))) || !(d->line = calloc(n ? n : 1, sizeof(*d->line)))) {
		helm_docs_free(d);
		json_decref(objects);
		return -1;
	}
	for (d->n = 0; d->n < n; d->n++) {
		d->v[d->n] = json_incref(json_array_get(objects, d->n));
		d->line[d->n] = d->n + 1; /* (the line it has in JSON Lines) */
	}
	/* (what the objects get here, a tracking label, is the parent's memory: freed with them) */
	json_decref(objects);
	d->usable = true;
	return 0;
}

/* kustomize_native under a deadline, its output in *out (or its objects in *docs when they came
 * through a shared heap): 0, a NATIVE_* code with *why, -1 after printing. */
static int kustomize_bounded(const struct render_opts *o, const char *dir, bool use_heap, char **out, size_t *len,
			     struct helm_docs *docs, char **why)
{
	/* the trees may take as many bytes as the text could (--max-render-size); beyond, text */
	struct native_job job = { o, dir, use_heap ? shared_heap_new(o->max_output) : NULL };
	unsigned timeout = o->git.timeout ? o->git.timeout : GT_GIT_DEFAULT_TIMEOUT;
	struct gt_proc p = { .fn = kustomize_child, .fn_arg = &job, .max_out = o->max_output,
			     .deadline = gt_deadline_in(timeout) };
	int r = gt_proc_run(&p, "kustomize build (native engine)");
	int code = r == 0 && WIFEXITED(p.status) ? WEXITSTATUS(p.status) : -1;
	bool has_why = code == NATIVE_UNSUPPORTED || code == NATIVE_FAILED || code == NATIVE_REFUSED;
	if (p.end == GT_PROC_TIMED_OUT)
		gt_error("kustomize build (native engine): did not finish within %u s (--timeout); stopped", timeout);
	else if (p.end == GT_PROC_TOO_LARGE)
		gt_error("kustomize build: its output is larger than %zu bytes (--max-render-size)", o->max_output);
	else if (p.end == GT_PROC_INTERRUPTED)
		check_interrupted();
	else if (has_why)
		*why = strdup(p.err ? p.err : "?");
	else if (code != 0 && p.err_len)
		fwrite(p.err, 1, p.err_len, stderr);
	else if (code != 0 && r == 0)
		gt_error("kustomize build (native engine) failed: %s %d", WIFSIGNALED(p.status) ? "signal" : "exit",
			 WIFSIGNALED(p.status) ? WTERMSIG(p.status) : WEXITSTATUS(p.status));
	if (code == 0 && docs_from_heap(job.heap, docs) < 0) {
		gt_error("out of memory");
		code = -1;
	} else if (code != 0) {
		shared_heap_drop(job.heap);
	}
	if (code == 0) {
		engine_relay_warnings("kustomize", p.err, NULL); /* its deprecation notices, as kustomize's are */
		*out = p.out;
		*len = p.out_len;
		p.out = NULL;
	}
	gt_proc_free(&p);
	if (has_why && !*why)
		return gt_error("out of memory"), -1;
	return code == 0 || has_why ? code : -1;
}

static int whole_output(const struct render_opts *o, struct run *r);

/* The native Helm engine: 0 rendered (or from the cache), 1 exec renders it instead, -1 failed (printed). */
static int run_native_helm(struct render_opts *o, struct run *r, bool whole, bool use_cache, char key[GIT_OID_HEXSZ + 1])
{
	char *why = NULL;
	if (default_release_name(o, r) < 0)
		return -1;
	if (!(r->engine.version = strdup(HELM_NATIVE_VERSION)))
		return gt_error("out of memory"), -1;
	if (use_cache) {
		if (render_key(o, r, TYPE_HELM, whole, key) < 0)
			return -1;
		int hit = cache_get(r->cache_root, key, o->max_output, &r->out, &r->out_len);
		if (hit)
			return hit < 0 ? -1 : 0;
	}
	if (r->from_repo && !r->dir_owned) {
		if (repo_source_materialise(&r->src, o, &r->dir_owned) < 0)
			return -1;
		r->dir = r->dir_owned;
	}
	/* The same checks as for helm itself: links and values paths inside the source, a release
	 * name helm would take. */
	if (drop_missing_values(o, o->chart_archive ? "." : r->dir, false) < 0 || check_source_paths(o, r) < 0 ||
	    helm_check_release_name(o->release_name) < 0)
		return -1;
	int need = helm_engine.needs_prepare(o, r->dir);
	static const struct gt_limits def = GT_LIMITS_DEFAULT;
	struct crd_ahead_arg arg = { o, r };
	bool ahead = !r->from_repo && !o->chart_archive && !use_cache && !o->skip_crds && o->format == GT_FORMAT_JSON &&
		     !memcmp(&o->lim, &def, sizeof(def));
	int st = need < 0 ? -1 : need ? 1 : helm_native_bounded(o, r->dir, &r->out, &r->out_len, &r->docs, &why,
								   ahead ? crd_ahead_run : NULL, &arg);
	if (st != 0)
		crd_jobs_free(&r->ahead);
	if (need > 0)
		why = strdup("a dependency is missing from charts/ (helm dependency build fetches it)");
	if (st == 0 && r->out_len + (r->docs.n_crds ? r->docs.prefix : 0) > o->max_output) {
		gt_error("helm template: its output is larger than %zu bytes (--max-render-size)", o->max_output);
		st = -1;
	}
	if (st == 0 && use_cache && whole_output(o, r) < 0)
		st = -1;
	if (st == 0 && use_cache)
		cache_put(r->cache_root, key, r->out, r->out_len, o->cache_max);
	if (st == 0)
		gt_step("native helm engine: rendered %s (release %s%s%s)", r->shown, o->release_name,
			o->namespace ? ", namespace " : "", o->namespace ? o->namespace : "");
	if (st == 1 && o->engine == ENGINE_NATIVE) {
		gt_error("%s: the native helm engine does not support this chart: %s", r->shown, why ? why : "?");
		st = -1;
	} else if (st == 1) {
		gt_debug("%s: the native helm engine does not support this chart, so helm renders it: %s", r->shown,
			 why ? why : "?");
	}
	free(why);
	free(r->engine.version);
	r->engine.version = NULL;
	return st;
}

static int run_engine(struct render_opts *o, struct run *r, enum source_type type)
{
	struct argv_b a = { 0 };
	char key[GIT_OID_HEXSZ + 1], what[64];
	bool use_cache = r->from_repo && o->cache != 0;
	if (r->from_repo && !r->src.plan && repo_source_plan(&r->src, o, type) < 0)
		return -1; /* (the native Kustomize engine may have planned it) */
	/* What the engine reads beyond the source path (kustomize ../base, a file:// chart, values in
	 * ../) makes the root tree the cache key. */
	bool whole = r->from_repo && repo_source_plan_outside(&r->src);
	if (type == TYPE_HELM && o->engine != ENGINE_EXEC) {
		int st = run_native_helm(o, r, whole, use_cache, key);
		if (st <= 0)
			return st;
	}
	r->engine.ops = type == TYPE_HELM ? &helm_engine : &kustomize_engine;
	if (r->engine.ops->locate(o, &r->engine) < 0 || engine_home_new(o, &r->engine) < 0)
		return -1;
	if (type == TYPE_HELM && default_release_name(o, r) < 0)
		return -1;
	if (use_cache) {
		if (engine_version(&r->engine, r->cache_root) < 0 || render_key(o, r, type, whole, key) < 0)
			return -1;
		int hit = cache_get(r->cache_root, key, o->max_output, &r->out, &r->out_len);
		if (hit)
			return hit < 0 ? -1 : 0;
	}
	if (r->from_repo && !r->dir_owned) {
		if (repo_source_materialise(&r->src, o, &r->dir_owned) < 0)
			return -1;
		r->dir = r->dir_owned;
	}
	if ((type == TYPE_KUSTOMIZE && app_edit_once(o, r) < 0) ||
	    (type == TYPE_HELM && drop_missing_values(o, o->chart_archive ? "." : r->dir, false) < 0) || prepare_source(o, r) < 0 ||
	    (type == TYPE_HELM && helm_write_literals(o, &r->engine) < 0) ||
	    r->engine.ops->args(o, &r->engine, &a) < 0) {
		argv_free(&a);
		return -1;
	}
	snprintf(what, sizeof(what), "%s", type == TYPE_HELM ? "helm template" : "kustomize build");
	r->live = (struct live){ .o = o, .shown = r->shown, .active = true };
	int st = engine_exec_live(o, &r->engine, what, a.v, o->chart_archive ? NULL : r->dir, o->max_output, &r->out,
				  &r->out_len, live_feed,
				  &r->live);
	argv_free(&a);
	if (st == 0 && use_cache)
		cache_put(r->cache_root, key, r->out, r->out_len, o->cache_max);
	return st;
}

/*
 * Kustomize in-process (in a child under --timeout): 0 with the objects as JSON Lines in r->out
 * (also from the cache), 1 when the tree uses what the native engine does not do and auto goes on
 * with kustomize (said with -v), -1 after printing (--engine native names the field and file; a
 * tree that reads outside the source or beyond the tree limits is refused with any engine).
 */
static int run_native_kustomize(struct render_opts *o, struct run *r)
{
	char key[GIT_OID_HEXSZ + 1], *why = NULL;
	bool use_cache = r->from_repo && o->cache != 0;
	/* what the tree names, resolved in the commit: nothing outside the repository */
	if (r->from_repo && repo_source_plan(&r->src, o, TYPE_KUSTOMIZE) < 0)
		return -1;
	if (use_cache) {
		/* the engine's identity in the key, as the native Helm engine's */
		if (!(r->engine.version = strdup(KUSTOMIZE_NATIVE_VERSION)))
			return gt_error("out of memory"), -1;
		int st = render_key(o, r, TYPE_KUSTOMIZE, repo_source_plan_outside(&r->src), key);
		free(r->engine.version);
		r->engine.version = NULL;
		if (st < 0)
			return -1;
		int hit = cache_get(r->cache_root, key, o->max_output, &r->out, &r->out_len);
		if (hit)
			return hit < 0 ? -1 : 0;
	}
	if (r->from_repo && !r->dir_owned) {
		if (repo_source_materialise(&r->src, o, &r->dir_owned) < 0)
			return -1;
		r->dir = r->dir_owned;
		if (!r->strip && asprintf(&r->strip, "%s/", r->src.tmp) < 0)
			return r->strip = NULL, gt_error("out of memory"), -1;
	}
	if (app_edit_once(o, r) < 0)
		return -1;
	/* the same checks as for kustomize itself: the source's links stay inside its root */
	if (check_source_paths(o, r) < 0)
		return -1;
	const char *saved_strip = o->strip;
	if (r->strip)
		o->strip = r->strip;
	o->source_root = native_source_root(o, r);
	/* the objects as trees through a shared heap, unless the cache wants their text or other
	 * limits than the engine's want them read again (read_engine_output) */
	static const struct gt_limits def = GT_LIMITS_DEFAULT;
	bool use_heap = !use_cache && o->lim.max_doc_bytes == def.max_doc_bytes &&
			o->lim.max_alias_nodes == def.max_alias_nodes && o->lim.max_depth == def.max_depth;
	int code = kustomize_bounded(o, r->dir, use_heap, &r->out, &r->out_len, &r->docs, &why);
	o->strip = saved_strip;
	o->source_root = NULL;
	if (code == 0) {
		gt_debug("kustomize: the native engine built %s", r->shown);
		if (use_cache)
			cache_put(r->cache_root, key, r->out, r->out_len, o->cache_max);
		return 0;
	}
	if (code < 0)
		return -1;
	if (code == NATIVE_REFUSED || o->engine == ENGINE_NATIVE) {
		if (code == NATIVE_REFUSED)
			gt_error("%s", why);
		else
			gt_error("%s: the native kustomize engine: %s",
				 r->from_repo ? (*r->src.path ? r->src.path : ".") : r->dir, why);
		free(why);
		return -1;
	}
	gt_debug("kustomize: %s: running kustomize (%s)", why,
		 code == NATIVE_UNSUPPORTED ? "not in the native engine" : "the native build failed");
	free(why);
	return 1;
}

/*
 * The crds/ files the native Helm engine named instead of writing (helm_docs' crds): read from
 * the chart here, one at a time, so that neither process holds the 5 MiB of a big chart's CRDs as
 * text while the other does too. The bytes are the ones the engine's output would have had.
 */
struct crd_reader {
	const struct helm_docs *d;
	const char *shown;
	size_t i;         /* the file being read */
	size_t end;       /* files [i, end) are read */
	int phase;        /* 0 its header, 1 its bytes, 2 the newline after them */
	char *header;
	size_t at;        /* bytes of the header given */
	int fd;           /* the file, -1 */
	bool failed;      /* an error was said */
	size_t got;       /* bytes of the file given */
	unsigned long *lines; /* the newlines given (the engine gives the lines after them) */
};

static const char *crd_header(struct crd_reader *c)
{
	if (!c->header && asprintf(&c->header, "---\n# Source: %s\n", c->d->crds[c->i].source) < 0)
		c->header = NULL;
	return c->header;
}

/* The file changed since the engine read it (or cannot be read): errno set, -1. */
static ssize_t crd_changed(struct crd_reader *c, int err)
{
	gt_error("%s: %s changed while it was rendered%s%s", c->shown, c->d->crds[c->i].source, err ? ": " : "",
		 err ? strerror(err) : "");
	errno = err ? err : EIO;
	return -1;
}

/* One step of crd_give into buf: bytes given, 0 at the end of the files, -1 on an error. */
static ssize_t crd_step(struct crd_reader *c, char *buf, size_t size)
{
	while (c->i < c->end) {
		const struct helm_crd *k = &c->d->crds[c->i];
		if (c->phase == 0) {
			const char *h = crd_header(c);
			if (!h)
				return errno = ENOMEM, -1;
			size_t n = strlen(h) - c->at < size ? strlen(h) - c->at : size;
			memcpy(buf, h + c->at, n);
			c->at += n;
			if (c->at < strlen(h))
				return (ssize_t)n;
			free(c->header);
			c->header = NULL;
			c->at = 0;
			c->phase = 1;
			if ((c->fd = open(k->path, O_RDONLY | O_CLOEXEC)) < 0)
				return crd_changed(c, errno);
			if (n)
				return (ssize_t)n;
		} else if (c->phase == 1) {
			/* read(2) straight into the reader's buffer: these are megabytes */
			size_t want = k->len - c->got < size ? k->len - c->got : size;
			ssize_t n = want ? read(c->fd, buf, want) : 0;
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return crd_changed(c, errno);
			c->got += (size_t)n;
			if (n)
				return n;
			char more;
			if (c->got != k->len || read(c->fd, &more, 1) != 0)
				return crd_changed(c, 0);
			close(c->fd);
			c->fd = -1;
			c->got = 0;
			c->phase = 2;
		} else {
			if (!size)
				return 0;
			buf[0] = '\n';
			c->phase = 0;
			c->i++;
			return 1;
		}
	}
	return 0;
}

/* Files [i, end) as the output would have held them, as much as fits in buf. */
static ssize_t crd_give(struct crd_reader *c, char *buf, size_t size)
{
	size_t got = 0;
	while (got < size) {
		ssize_t n = c->failed ? -1 : crd_step(c, buf + got, size - got);
		if (n < 0) {
			c->failed = true; /* (said once: the next call gives the error) */
			return got ? (ssize_t)got : (errno = EIO, -1);
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static ssize_t crd_read(void *cookie, char *buf, size_t size)
{
	struct crd_reader *c = cookie;
	ssize_t n = crd_give(c, buf, size);
	for (const char *p = buf, *end = buf + (n > 0 ? n : 0); (p = memchr(p, '\n', (size_t)(end - p))); p++)
		(*c->lines)++;
	return n;
}

static int crd_close(void *cookie)
{
	struct crd_reader *c = cookie;
	if (c->fd >= 0)
		close(c->fd);
	free(c->header);
	free(c);
	return 0;
}

/* The named files [from, to) as one stream (their text as the output would have held it), counting
 * its newlines into *lines. NULL after printing. */
static struct gt_stream *crds_stream(const struct render_opts *o, struct run *r, size_t from, size_t to,
				     unsigned long *lines)
{
	struct crd_reader *c = calloc(1, sizeof(*c));
	if (!c)
		return gt_error("out of memory"), NULL;
	c->d = &r->docs;
	c->shown = r->shown;
	c->i = from;
	c->end = to;
	c->fd = -1;
	c->lines = lines;
	return gt_stream_open_reader(crd_read, crd_close, c, r->shown, &o->lim);
}

/* r->out with the named files in front, as the engine would have written it (for the render
 * cache, or a reader that reads the whole text). -1 after printing. */
static int whole_output(const struct render_opts *o, struct run *r)
{
	if (!r->docs.n_crds)
		return 0;
	size_t total = r->docs.prefix + r->out_len;
	char *all = total + 1 > total ? malloc(total + 1) : NULL;
	(void)o;
	if (!all)
		return gt_error("out of memory"), -1;
	struct crd_reader *c = calloc(1, sizeof(*c));
	FILE *f = c ? fopencookie(c, "rb", (cookie_io_functions_t){ .read = crd_read, .close = crd_close }) : NULL;
	if (!f) {
		free(c);
		free(all);
		return gt_error("out of memory"), -1;
	}
	unsigned long lines = 0;
	c->d = &r->docs;
	c->shown = r->shown;
	c->end = r->docs.n_crds;
	c->fd = -1;
	c->lines = &lines;
	size_t n = fread(all, 1, r->docs.prefix, f);
	bool ok = n == r->docs.prefix && !ferror(f) && getc(f) == EOF;
	fclose(f);
	if (!ok) {
		free(all);
		return gt_error("%s: the chart's crds/ changed while it was rendered", r->shown), -1;
	}
	memcpy(all + r->docs.prefix, r->out, r->out_len);
	all[total] = '\0';
	free(r->out);
	r->out = all;
	r->out_len = total;
	helm_docs_forget_crds(&r->docs);
	return 0;
}

/* Below this many bytes of crds/ files a second thread costs more than it saves. */
#define CRDS_SPLIT_FROM ((size_t)1 << 20)
/* the second thread's stack: the reader recurses once per level, as on the main thread's */
#define CRDS_THREAD_STACK ((size_t)8 << 20)

/*
 * crds/ files converted on two threads, one file per job, each read as a stream of its own: 5 MiB
 * of CRD YAML (a kube-prometheus-stack-shaped chart) is most of such a render's time, and each
 * file is documents of its own ("---" at column 0 ends whatever came before, in any context). The
 * second thread starts with the engine, on the crds/ files the chart directory holds (crd_ahead_run),
 * or after it on the files it named; the main thread joins in when the engine is done. What is
 * taken must match what the engine named, file by file (the same file, size and time); and not a
 * word may have been said: otherwise it is all dropped and the named files are read again on one
 * stream, whose messages and lines are then the ones a single reader gives.
 */
static void crd_job_run(struct crd_jobs *j, struct crd_job *job)
{
	struct helm_crd one = { .path = job->path, .source = (char *)"" };
	struct helm_docs d = { .n_crds = 1, .crds = &one };
	struct run r = { .docs = d, .shown = (char *)j->shown };
	size_t said = 0;
	int fd = open(job->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &job->st) < 0 || !S_ISREG(job->st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	r.docs.crds[0].len = (size_t)job->st.st_size;
	job->objs.freeze = j->freeze;
	gt_messages_hold();
	struct gt_stream *s = crds_stream(j->o, &r, 0, 1, &job->lines);
	int st = s ? read_stream(j->o, s, j->shown, &job->objs) : -1;
	job->docs = s ? gt_stream_documents(s) : 0;
	if (s)
		gt_stream_close(s);
	free(gt_messages_release(&said));
	job->ok = st >= 0 && !said;
}

static void crd_jobs_work(struct crd_jobs *j)
{
	size_t i;
	while (!j->stop && (i = atomic_fetch_add(&j->next, 1)) < j->n)
		crd_job_run(j, &j->v[i]);
}

static void *crd_jobs_thread(void *arg)
{
	crd_jobs_work(arg);
	return NULL;
}

/* The second thread on j's jobs; false if it cannot start (then the caller reads alone). */
static bool crd_jobs_start(struct crd_jobs *j)
{
	pthread_attr_t attr;
	sigset_t all, old;
	if (!j->n || pthread_attr_init(&attr) != 0)
		return false;
	sigfillset(&all); /* signals stay the main thread's, whose handlers know the children */
	pthread_sigmask(SIG_BLOCK, &all, &old);
	j->started = pthread_attr_setstacksize(&attr, CRDS_THREAD_STACK) == 0 &&
		     pthread_create(&j->thread, &attr, crd_jobs_thread, j) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return j->started;
}

/* The jobs done (helping, unless stopped) and the thread gone. */
static void crd_jobs_finish(struct crd_jobs *j, bool help)
{
	if (!j->started)
		return;
	if (help)
		crd_jobs_work(j);
	else
		j->stop = true;
	pthread_join(j->thread, NULL);
	j->started = false;
}

static void crd_jobs_free(struct crd_jobs *j)
{
	crd_jobs_finish(j, false);
	for (size_t i = 0; i < j->n; i++) {
		free(j->v[i].path);
		objects_free(&j->v[i].objs);
	}
	free(j->v);
	memset(j, 0, sizeof(*j));
}

static int crd_jobs_add(struct crd_jobs *j, const char *path)
{
	struct crd_job *v = realloc(j->v, (j->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	j->v = v;
	v[j->n] = (struct crd_job){ .path = strdup(path) };
	if (!v[j->n].path)
		return -1;
	j->n++;
	return 0;
}

/* part's objects moved to the end of objs, their lines first more, their documents docs more.
 * -1 out of memory (printed). */
static int objects_take(struct objects *objs, struct objects *part, unsigned long first, unsigned long docs)
{
	size_t n = objs->n + part->n;
	if (GT_GROW(objs->items, objs->cap, n) < 0 || GT_GROW(objs->where, objs->cap_where, n) < 0 ||
	    (objs->freeze && GT_GROW(objs->frozen, objs->cap_frozen, n) < 0))
		return gt_error("out of memory"), -1;
	for (size_t i = 0; i < part->n; i++, objs->n++) {
		objs->items[objs->n] = part->items[i];
		objs->where[objs->n] = part->where[i];
		objs->where[objs->n].line += first;
		objs->where[objs->n].doc += docs;
		if (objs->freeze)
			objs->frozen[objs->n] = part->frozen ? part->frozen[i] : (struct frozen){ 0 };
	}
	part->n = 0;
	if (part->scopes && !objs->scopes && !(objs->scopes = gt_scopes_new()))
		return gt_error("out of memory"), -1;
	gt_scopes_learn_from(objs->scopes, part->scopes);
	return 0;
}

/* The job that read the named file k as it is now, not taken yet; NULL if none. */
static struct crd_job *crd_job_for(struct crd_jobs *j, const struct helm_crd *k)
{
	struct stat st;
	if (strchr(k->source, '\n') || lstat(k->path, &st) < 0)
		return NULL; /* (a source on two lines would move the lines after it) */
	for (size_t i = 0; i < j->n; i++) {
		struct crd_job *job = &j->v[i];
		if (job->ok && !job->taken && job->st.st_dev == st.st_dev && job->st.st_ino == st.st_ino &&
		    job->st.st_size == st.st_size && (size_t)st.st_size == k->len &&
		    job->st.st_mtim.tv_sec == st.st_mtim.tv_sec && job->st.st_mtim.tv_nsec == st.st_mtim.tv_nsec)
			return job;
	}
	return NULL;
}

/* The jobs' objects for the named files, in their order: 0; 1 when some file has no job that
 * read it cleanly (nothing taken); -1 out of memory (printed). */
static int crd_jobs_take(struct crd_jobs *j, const struct helm_docs *d, struct objects *objs, unsigned long *lines)
{
	if (j->freeze != objs->freeze)
		return 1;
	struct crd_job **use = calloc(d->n_crds, sizeof(*use));
	if (!use)
		return gt_error("out of memory"), -1;
	int st = 0;
	for (size_t i = 0; i < d->n_crds && st == 0; i++)
		if (!(use[i] = crd_job_for(j, &d->crds[i])))
			st = 1;
		else
			use[i]->taken = true;
	unsigned long line = 0, docs = 0;
	for (size_t i = 0; i < d->n_crds && st == 0; i++) {
		st = objects_take(objs, &use[i]->objs, line, docs);
		line += use[i]->lines;
		docs += use[i]->docs;
	}
	*lines = line;
	free(use);
	return st;
}

/* Jobs for the crds/ files of the chart directory dir and its subcharts' (charts/NAME/, not
 * archives, no links followed), *total their bytes: what the engine will likely name. Quietly
 * fewer on any error. */
static void crd_guess_dir(struct crd_jobs *j, const char *dir, int depth, size_t *total);

static void crd_guess_files(struct crd_jobs *j, const char *dir, size_t *total)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name, *dot = strrchr(name, '.');
		char *path = NULL;
		struct stat st;
		if (dot && (!strcasecmp(dot, ".yaml") || !strcasecmp(dot, ".yml") || !strcasecmp(dot, ".json")) &&
		    asprintf(&path, "%s/%s", dir, name) >= 0 && lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    (size_t)st.st_size <= HELM_MAX_FILE && crd_jobs_add(j, path) == 0)
			*total += (size_t)st.st_size;
		free(path);
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
}

static void crd_guess_dir(struct crd_jobs *j, const char *dir, int depth, size_t *total)
{
	char *crds = NULL, *charts = NULL;
	struct dirent **ents = NULL;
	struct stat st;
	if (depth > 8)
		return;
	if (asprintf(&crds, "%s/crds", dir) >= 0 && lstat(crds, &st) == 0 && S_ISDIR(st.st_mode))
		crd_guess_files(j, crds, total);
	free(crds);
	int n = asprintf(&charts, "%s/charts", dir) < 0 ? -1 : scandir(charts, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		char *sub = NULL;
		if (ents[i]->d_name[0] != '.' && asprintf(&sub, "%s/%s", charts, ents[i]->d_name) >= 0 &&
		    lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			crd_guess_dir(j, sub, depth + 1, total);
		free(sub);
		free(ents[i]);
	}
	free(ents);
	free(charts);
}

/* helm_native_bounded's on_start (the engine runs; the output is JSON and the limits the defaults):
 * the second thread on the chart directory's crds/ files, when they are many. */
static void crd_ahead_run(void *arg)
{
	const struct crd_ahead_arg *a = arg;
	struct crd_jobs *j = &a->r->ahead;
	size_t total = 0;
	*j = (struct crd_jobs){ .o = a->o, .shown = a->r->shown, .freeze = true };
	crd_guess_dir(j, a->r->dir, 0, &total);
	/* (beyond what helm reads of a chart the engine refuses it: nothing to read ahead) */
	if (total < CRDS_SPLIT_FROM || total > HELM_MAX_CHART || !crd_jobs_start(j))
		crd_jobs_free(j);
}

/* The named crds/ files into objs; *lines: the newlines they take. read_stream's result. */
static int read_crds(const struct render_opts *o, struct run *r, struct objects *objs, unsigned long *lines)
{
	size_t n = r->docs.n_crds, total = 0;
	int st = 1;
	if (r->ahead.n) { /* converted while the engine ran */
		crd_jobs_finish(&r->ahead, true);
		st = crd_jobs_take(&r->ahead, &r->docs, objs, lines);
		crd_jobs_free(&r->ahead);
	}
	for (size_t i = 0; i < n; i++)
		total += r->docs.crds[i].len;
	if (st == 1 && total >= CRDS_SPLIT_FROM && n > 1) {
		struct crd_jobs j = { .o = o, .shown = r->shown, .freeze = objs->freeze };
		for (size_t i = 0; i < n && st == 1; i++)
			if (crd_jobs_add(&j, r->docs.crds[i].path) < 0)
				st = (gt_error("out of memory"), -1);
		if (st == 1 && crd_jobs_start(&j)) {
			crd_jobs_finish(&j, true);
			st = crd_jobs_take(&j, &r->docs, objs, lines);
		}
		crd_jobs_free(&j);
	}
	if (st <= 0)
		return st;
	*lines = 0;
	struct gt_stream *s = crds_stream(o, r, 0, n, lines);
	if (!s)
		return -1;
	st = read_stream(o, s, r->shown, objs);
	gt_stream_close(s);
	return st;
}

static int read_engine_output(const struct render_opts *o, struct run *r, struct objects *objs)
{
	/* the native Helm engine parsed its template documents already: only the text before them
	 * (crds/ files) is read here, the rest taken as parsed */
	/* the engine read them with the default limits: other limits, the text is read whole */
	static const struct gt_limits def = GT_LIMITS_DEFAULT;
	bool pre = r->docs.usable && o->lim.max_doc_bytes == def.max_doc_bytes &&
		   o->lim.max_alias_nodes == def.max_alias_nodes && o->lim.max_depth == def.max_depth;
	size_t before = objs->n;
	if (live_finish(&r->live, r->out, r->out_len, objs) == 0)
		return 0;
	for (; objs->n > before; objs->n--) { /* (a move that failed half way) */
		json_decref(objs->items[objs->n - 1]);
		if (objs->frozen) {
			free(objs->frozen[objs->n - 1].text);
			free(objs->frozen[objs->n - 1].key);
		}
	}
	if (!pre && whole_output(o, r) < 0)
		return -1;
	/* the engine counts its documents' lines from the end of the named files */
	unsigned long crd_lines = 0;
	int st;
	if (pre && r->docs.n_crds) {
		st = read_crds(o, r, objs, &crd_lines);
	} else {
		struct gt_stream *s = gt_stream_open_mem(r->out, pre ? r->docs.prefix : r->out_len, r->shown, &o->lim);
		if (!s)
			return -1;
		st = read_stream(o, s, r->shown, objs);
		gt_stream_close(s);
	}
	for (size_t i = 0; pre && st >= 0 && i < r->docs.n; i++) {
		const char *why;
		json_t *obj = json_incref(r->docs.v[i]);
		struct gt_where w = { r->shown, r->docs.line[i] + crd_lines, 0 };
		if (gt_obj_validate(obj, &why) < 0) {
			gt_error("%s:%lu: invalid object: %s", r->shown, w.line, why);
			json_decref(obj);
			return -1;
		}
		if (objects_push(objs, obj, &w) < 0) {
			json_decref(obj);
			return -1;
		}
	}
	return st;
}

static int read_directory(struct render_opts *o, struct run *r, struct objects *objs)
{
	if (r->from_repo) {
		if (repo_source_plan(&r->src, o, TYPE_DIRECTORY) < 0 ||
		    repo_source_materialise(&r->src, o, &r->dir_owned) < 0)
			return -1;
		r->dir = r->dir_owned;
		/* names below the temp dir read as paths in the repository */
		if (asprintf(&r->strip, "%s/", r->src.tmp) < 0)
			return r->strip = NULL, gt_error("out of memory"), -1;
		o->strip = r->strip;
	}
	const char *root = r->from_repo ? r->src.tmp : r->root, *rel = r->from_repo ? r->src.path : r->root_rel;
	if (find_manifests(o, r->dir, root, rel, &r->files) < 0)
		return -1;
	return read_all(o, &r->files, objs);
}

static bool is_directory(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) < 0) {
		gt_error("%s: %s", dir, strerror(errno));
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		gt_error("%s: not a directory", dir);
		return false;
	}
	return true;
}

/*
 * Manifest files named on the command line, as `kubectl apply -f FILE -f FILE` reads them: each
 * whole, whatever its suffix (suffixes only pick files out of a directory), in the order given.
 */
static int read_named_files(const struct render_opts *o, char *const *files, int n, struct objects *objs)
{
	if (o->type == TYPE_HELM || o->type == TYPE_KUSTOMIZE)
		return gt_error("--type %s: needs a directory, not a file", type_name(o->type)), GT_EXIT_USAGE;
	for (int i = 0; i < n; i++) {
		struct stat st;
		if (stat(files[i], &st) < 0)
			return gt_error("%s: %s", files[i], strerror(errno)), GT_EXIT_INPUT;
		if (S_ISDIR(st.st_mode))
			return gt_error("%s: a directory among several sources: give one DIR, or files", files[i]),
			       GT_EXIT_USAGE;
	}
	for (int i = 0; i < n; i++)
		if (read_file(o, files[i], objs) < 0)
			return GT_EXIT_INPUT;
	return GT_EXIT_OK;
}

static bool is_regular_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

/* Source, type, engine or files: the objects. A GT_EXIT_* code, printed. */
static int render(struct render_opts *o, const char *dir, struct run *r, struct objects *objs)
{
	enum source_type type = o->type;
	if (o->chart) {
		char *version = NULL;
		if (!(r->cache_root = cache_root_new(o)) || !(r->chart_tmp = temp_dir_new()))
			return GT_EXIT_INPUT;
		int st = chart_source_fetch(o, o->cache == 0 ? NULL : r->cache_root, r->chart_tmp, &r->chart_archive, &version);
		if (st != GT_EXIT_OK)
			return st;
		o->chart_archive = r->dir = r->chart_archive;
		bool shown = asprintf(&r->shown, "%s %s (helm output)", o->chart, version) >= 0;
		free(version);
		if (!shown)
			return r->shown = NULL, gt_error("out of memory"), GT_EXIT_INPUT;
		int native = run_engine(o, r, TYPE_HELM);
		if (native < 0 || read_engine_output(o, r, objs) < 0)
			return GT_EXIT_INPUT;
		if (objs->n == 0 && !o->allow_empty)
			return gt_error("%s: the helm render produced no objects (--allow-empty accepts that)", r->shown),
			       GT_EXIT_INPUT;
		return GT_EXIT_OK;
	}
	if (o->repo) {
		int st = repo_source_open(o, &r->src);
		r->from_repo = true;
		if (st != GT_EXIT_OK)
			return st;
		if (type == TYPE_AUTO)
			type = repo_source_detect(&r->src);
		if (o->ignore_missing_values)
			app_drop_missing_values(o, repo_has_values, &r->src);
	} else {
		r->dir = dir;
		if (!is_directory(dir) || source_root_find(o, dir, &r->root, &r->root_rel) < 0)
			return GT_EXIT_INPUT;
		if (type == TYPE_AUTO)
			type = detect_dir(dir);
		if (o->ignore_missing_values)
			app_drop_missing_values(o, dir_has_values, (void *)dir);
		if (type == TYPE_KUSTOMIZE && o->app_kustomize && app_local_copy(o, r) < 0)
			return GT_EXIT_INPUT;
	}
	gt_debug("source type: %s", type_name(type));
	if (type == TYPE_DIRECTORY)
		return read_directory(o, r, objs) < 0 ? GT_EXIT_INPUT : GT_EXIT_OK;
	/* (a local -f is the working directory's, else the chart's: a missing one goes before either is
	 * chosen; an Application's valueFiles are the chart's only, as in Argo CD, and checked to stay
	 * inside the source like a repository's) */
	if (type == TYPE_HELM && !r->from_repo && !o->cmp && !o->app_settings &&
	    (drop_missing_values(o, dir, true) < 0 || values_resolve_local(o, dir) < 0))
		return GT_EXIT_INPUT;
	if (!(r->cache_root = cache_root_new(o)))
		return GT_EXIT_INPUT; /* (printed) */
	const char *where = r->from_repo ? (*r->src.path ? r->src.path : ".") : dir;
	if (asprintf(&r->shown, "%s (%s output)", where, type_name(type)) < 0)
		return r->shown = NULL, gt_error("out of memory"), GT_EXIT_INPUT;
	int native = type == TYPE_KUSTOMIZE && o->engine != ENGINE_EXEC ? run_native_kustomize(o, r) : 1;
	if (native < 0)
		return GT_EXIT_INPUT;
	if (native == 0 && read_engine_output(o, r, objs) < 0)
		return GT_EXIT_INPUT;
	int failed = native > 0 && (run_engine(o, r, type) < 0 || read_engine_output(o, r, objs) < 0);
	crd_jobs_free(&r->ahead); /* (whatever was named: no thread outlives the engine's output) */
	if (failed)
		return GT_EXIT_INPUT;
	if (objs->n == 0 && !o->allow_empty) {
		gt_error("%s: the %s render produced no objects (--allow-empty accepts that)", where, type_name(type));
		return GT_EXIT_INPUT;
	}
	return GT_EXIT_OK;
}

static int check_usage(const struct render_opts *o, const char *dir)
{
	if ((o->repo_url || o->chart_version) && !o->chart)
		return gt_error("--%s needs --chart", o->repo_url ? "repo-url" : "chart-version"), -1;
	if (o->chart && !o->repo_url)
		return gt_error("--chart needs --repo-url (the Helm repository)"), -1;
	if (o->chart && (dir || o->repo || o->type == TYPE_DIRECTORY || o->type == TYPE_KUSTOMIZE))
		return gt_error("--chart renders a chart from --repo-url: give no DIR, --repo or other --type"), -1;
	if (o->chart)
		return 0;
	if (dir && o->repo)
		return gt_error("give DIR or --repo URL, not both"), -1;
	if (!dir && !o->repo)
		return gt_error("nothing to render: give DIR or --repo URL; see '%s --help'", command.name), -1;
	if (!o->repo && (o->revision || o->path))
		return gt_error("--%s needs --repo", o->revision ? "revision" : "path"), -1;
	if (!o->repo && o->cache == 1)
		return gt_error("--cache needs --repo: a working directory has no tree id to key it"), -1;
	for (size_t i = 0; o->repo && i < o->values.n; i++)
		if (o->values.v[i][0] == '/' && !app_values_trusted(o, o->values.v[i]))
			return gt_error("--values %s: with --repo, give a path inside the source", o->values.v[i]), -1;
	return 0;
}

/* Did --password-stdin read standard input while the options were parsed? */
static bool password_from_stdin(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--password-stdin"))
			return true;
	return false;
}

/* One Application of --applications, in its own child: its source (the commits pinned), its
 * settings, the objects as JSON Lines on stdout. A GT_EXIT_* code. */
static int render_app_child(struct render_opts *o, const struct gt_application *app)
{
	const char *dir = NULL;
	struct run run = { 0 };
	struct objects objs = { 0 };
	o->repo = o->revision = o->path = NULL; /* the app's own source; --repo/--revision pinned its commits */
	o->application = NULL;
	o->format = GT_FORMAT_JSON;
	int st = app_apply_parsed(o, app, &dir);
	if (st == GT_EXIT_OK && check_usage(o, dir) < 0)
		st = GT_EXIT_USAGE;
	if (st == GT_EXIT_OK)
		st = render(o, dir, &run, &objs);
	if (st == GT_EXIT_OK && check_interrupted() < 0)
		st = GT_EXIT_INPUT;
	if (st == GT_EXIT_OK && (finish_objects(o, &objs) < 0 || write_all(o, &objs) < 0))
		st = GT_EXIT_INPUT;
	objects_free(&objs);
	run_free(&run);
	app_release(o);
	return st;
}

/* --application with several sources that render: one child per source, as --applications does
 * for each app; the options as the command line gave them (the app's are applied per source).
 * GT_EXIT_MULTI_SOURCE when all went well (main then has nothing left to do). */
static int render_multi_source(struct render_opts *o, const char *dir)
{
	struct gt_app_list one = { 0 };
	struct gt_application *app = o->app_obj;
	if (dir || o->path)
		return gt_error("%s: application %s: several sources render: give no DIR or --path", app->file, app->name),
		       GT_EXIT_USAGE;
	if (o->format == GT_FORMAT_UNSET)
		o->format = gt_default_format(stdout) == GT_FORMAT_TEXT ? GT_FORMAT_YAML : GT_FORMAT_JSON;
	one.v = &app;
	one.n = 1;
	gt_signals_catch();
	int st = render_app_list(o, &one, render_app_child);
	gt_signals_reraise();
	return st == GT_EXIT_OK ? GT_EXIT_MULTI_SOURCE : st;
}

static int check_applications_usage(const struct render_opts *o, const char *dir)
{
	if (dir || o->application || o->path || o->cmp)
		return gt_error("--applications renders each app's own source: no DIR, --application, --path or --cmp"), -1;
	if (o->revision && !o->repo)
		return gt_error("--revision needs --repo (with --applications: the repository DIR is read from)"), -1;
	return 0;
}

static void opts_free(struct render_opts *o)
{
	if (o->values_stdin_dir)
		remove_tree(o->values_stdin_dir);
	free(o->values_stdin_dir);
	for (size_t i = 0; i < o->owned.n; i++)
		free((char *)o->owned.v[i]);
	gt_strvec_release(&o->owned);
	gt_strvec_release(&o->values);
	gt_strvec_release(&o->values_literal);
	gt_strvec_release(&o->set);
	gt_strvec_release(&o->set_string);
	gt_strvec_release(&o->set_file);
	gt_strvec_release(&o->api_versions);
	gt_strvec_release(&o->include);
	gt_strvec_release(&o->exclude);
	gt_git_opts_clear(&o->git);
	app_release(o);
}

int main(int argc, char **argv)
{
	struct render_opts *o = &opts;
	struct run run = { 0 };
	struct objects objs = { 0 };
	int first, st = gt_parse(&command, argc, argv, &first);
	const char *dir = st == 0 && first < argc ? argv[first] : NULL;
	int n_args = st == 0 ? argc - first : 0;
	if (st == 0 && (o->cmp || (!dir && !o->repo && getenv("ARGOCD_APP_NAME")))) {
		o->cmp = true;
		if (!dir && !o->repo)
			dir = ".";
		if (cmp_apply_env(o) < 0)
			st = -1;
	}
	if (st == 0 && o->applications) {
		if (check_applications_usage(o, dir) < 0) {
			opts_free(o);
			return GT_EXIT_USAGE;
		}
		if (o->format == GT_FORMAT_UNSET)
			o->format = gt_default_format(stdout) == GT_FORMAT_TEXT ? GT_FORMAT_YAML : GT_FORMAT_JSON;
		gt_signals_catch();
		st = render_applications(o, render_app_child);
		opts_free(o);
		gt_signals_reraise();
		return st;
	}
	if (st == 0 && o->application) {
		int as = app_apply(o, &dir);
		if (as == GT_EXIT_MULTI_SOURCE)
			as = render_multi_source(o, dir);
		if (as != GT_EXIT_OK) {
			opts_free(o);
			return as == GT_EXIT_MULTI_SOURCE ? GT_EXIT_OK : as;
		}
	}
	if (st == 0 && check_usage(o, dir) < 0)
		st = -1;
	if (st == 0 && values_read_stdin(o, password_from_stdin(argc, argv)) < 0)
		st = -1;
	if (st != 0) {
		opts_free(o);
		return st < 0 ? GT_EXIT_USAGE : GT_EXIT_OK;
	}
	if (o->format == GT_FORMAT_UNSET)
		o->format = gt_default_format(stdout) == GT_FORMAT_TEXT ? GT_FORMAT_YAML : GT_FORMAT_JSON;
	gt_signals_catch();
	objs.freeze = o->format == GT_FORMAT_JSON;
	if (n_args > 1 || (dir && !o->cmp && is_regular_file(dir)))
		st = read_named_files(o, argv + first, n_args, &objs);
	else
		st = render(o, dir, &run, &objs);
	if (st == GT_EXIT_OK && check_interrupted() < 0)
		st = GT_EXIT_INPUT; /* a signal during a fetch or a cache read: write nothing */
	if (st == GT_EXIT_OK && objs.n == 0 && !o->allow_empty) {
		/* An empty stream makes a sync with prune delete everything: say so instead. */
		gt_error("%s: no objects to render (--allow-empty accepts that)", n_args > 1 ? "the files" : dir ? dir : o->repo);
		st = GT_EXIT_INPUT;
	}
	if (st == GT_EXIT_OK && (finish_objects(o, &objs) < 0 || write_all(o, &objs) < 0))
		st = GT_EXIT_INPUT;
	objects_free(&objs);
	run_free(&run);
	opts_free(o);
	gt_signals_reraise(); /* die of the signal that interrupted the run, now that the temp dirs are gone */
	return st;
}
