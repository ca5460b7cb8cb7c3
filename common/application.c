/* application: Argo CD Applications, read and checked field by field (see application.h). The
 * fields follow pkg/apis/application/v1alpha1/types.go (Argo CD 3.x) and the docs' application.yaml;
 * an Application is hostile input: every field is type-checked, every unknown one refused. */
#define _GNU_SOURCE /* asprintf */
#include "application.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "git.h"
#include "stream.h"

/* Where in which Application a check failed: "FILE: application NAME: FIELD: why". */
struct ctx {
	const char *file, *name;
	int bad;
};

static void fail(struct ctx *c, const char *field, const char *why)
{
	if (!c->bad)
		gt_error("%s: application %s: %s: %s", c->file, c->name ? c->name : "?", field, why);
	c->bad = 1;
}

static char *field_dup(const char *parent, const char *key)
{
	char *s = NULL;
	if (asprintf(&s, "%s%s%s", parent, *parent ? "." : "", key) < 0)
		return NULL;
	return s;
}

/*
 * Every key of obj must be in known (NULL-terminated) or in ignored (read by Argo CD but with no
 * effect on what the tools do: named so that a new field is refused, not dropped).
 */
static void check_keys(struct ctx *c, json_t *obj, const char *where, const char *const *known,
		       const char *const *ignored)
{
	const char *key;
	json_t *v;
	if (!json_is_object(obj)) {
		fail(c, where, "not a map");
		return;
	}
	json_object_foreach(obj, key, v) {
		bool ok = false;
		for (size_t i = 0; known && known[i] && !ok; i++)
			ok = !strcmp(key, known[i]);
		for (size_t i = 0; ignored && ignored[i] && !ok; i++)
			ok = !strcmp(key, ignored[i]);
		if (!ok) {
			char *f = field_dup(where, key);
			fail(c, f ? f : key, "not supported by gitops-tools (remove it, or render with the engines yourself)");
			free(f);
			return;
		}
	}
}

static const char *get_string(struct ctx *c, json_t *obj, const char *key, const char *where)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		char *f = field_dup(where, key);
		fail(c, f ? f : key, "not a string");
		free(f);
		return NULL;
	}
	return json_string_value(v);
}

/* A non-empty string, or NULL. */
static const char *get_nonempty(struct ctx *c, json_t *obj, const char *key, const char *where)
{
	const char *s = get_string(c, obj, key, where);
	return s && *s ? s : NULL;
}

static bool get_bool(struct ctx *c, json_t *obj, const char *key, const char *where)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return false;
	if (!json_is_boolean(v)) {
		char *f = field_dup(where, key);
		fail(c, f ? f : key, "not true or false");
		free(f);
		return false;
	}
	return json_is_true(v);
}

/* A list of strings, borrowed into out. */
static void get_strings(struct ctx *c, json_t *obj, const char *key, const char *where, struct gt_strvec *out)
{
	json_t *v = json_object_get(obj, key), *it;
	size_t i;
	if (!v || json_is_null(v))
		return;
	char *f = field_dup(where, key);
	if (!json_is_array(v))
		fail(c, f ? f : key, "not a list");
	json_array_foreach(v, i, it) {
		if (!json_is_string(it)) {
			fail(c, f ? f : key, "an item that is not a string");
			break;
		}
		if (gt_strvec_push(out, json_string_value(it)) < 0) {
			fail(c, f ? f : key, "out of memory");
			break;
		}
	}
	free(f);
}

/* The field must be absent, or equal to its default (false, "", empty list or map). */
static void refuse_set(struct ctx *c, json_t *obj, const char *key, const char *where, const char *why)
{
	json_t *v = json_object_get(obj, key);
	bool set = v && !json_is_null(v) && !json_is_false(v) &&
		   !(json_is_string(v) && !*json_string_value(v)) && !(json_is_array(v) && !json_array_size(v)) &&
		   !(json_is_object(v) && !json_object_size(v));
	if (set) {
		char *f = field_dup(where, key);
		fail(c, f ? f : key, why);
		free(f);
	}
}

/* ---- the source ---- */

static void parse_params(struct ctx *c, struct gt_app_source *s, json_t *helm, const char *where)
{
	static const char *const keys[] = { "name", "value", "forceString", NULL };
	json_t *v = json_object_get(helm, "parameters"), *it;
	size_t i;
	if (!v || json_is_null(v))
		return;
	if (!json_is_array(v))
		return fail(c, "spec.source.helm.parameters", "not a list");
	s->params = calloc(json_array_size(v) + 1, sizeof(*s->params));
	if (!s->params)
		return fail(c, where, "out of memory");
	json_array_foreach(v, i, it) {
		char f[192];
		snprintf(f, sizeof(f), "%s.parameters[%zu]", where, i);
		check_keys(c, it, f, keys, NULL);
		const char *name = get_string(c, it, "name", f), *value = get_string(c, it, "value", f);
		if (c->bad)
			return;
		if (!name || !*name)
			return fail(c, f, "a parameter without a name");
		s->params[s->n_params++] = (struct gt_app_param){ name, value ? value : "",
								  get_bool(c, it, "forceString", f) };
	}
}

static void parse_file_params(struct ctx *c, struct gt_app_source *s, json_t *helm, const char *where)
{
	static const char *const keys[] = { "name", "path", NULL };
	json_t *v = json_object_get(helm, "fileParameters"), *it;
	size_t i;
	if (!v || json_is_null(v))
		return;
	if (!json_is_array(v))
		return fail(c, "spec.source.helm.fileParameters", "not a list");
	json_array_foreach(v, i, it) {
		char f[192], *item = NULL;
		snprintf(f, sizeof(f), "%s.fileParameters[%zu]", where, i);
		check_keys(c, it, f, keys, NULL);
		const char *name = get_string(c, it, "name", f), *path = get_string(c, it, "path", f);
		if (c->bad)
			return;
		if (!name || !*name || !path || !*path)
			return fail(c, f, "needs a name and a path");
		if (asprintf(&item, "%s=%s", name, path) < 0 || gt_strvec_push(&s->file_params, item) < 0) {
			free(item);
			return fail(c, f, "out of memory");
		}
	}
}

static void parse_helm(struct ctx *c, struct gt_app_source *s, json_t *helm, const char *src)
{
	static const char *const keys[] = {
		"valueFiles", "values", "valuesObject", "parameters", "fileParameters", "releaseName", "skipCrds",
		"ignoreMissingValueFiles", "namespace", "kubeVersion", "apiVersions", "skipTests", "skipSchemaValidation",
		/* refused below unless at their default */
		"passCredentials", "version", NULL
	};
	char where[64];
	snprintf(where, sizeof(where), "%s.helm", src);
	check_keys(c, helm, where, keys, NULL);
	if (c->bad)
		return;
	get_strings(c, helm, "valueFiles", where, &s->value_files);
	s->values = get_nonempty(c, helm, "values", where);
	json_t *vo = json_object_get(helm, "valuesObject");
	if (vo && !json_is_null(vo)) {
		if (!json_is_object(vo))
			return fail(c, "spec.source.helm.valuesObject", "not a map");
		s->values_object = vo;
	}
	parse_params(c, s, helm, where);
	parse_file_params(c, s, helm, where);
	s->release_name = get_nonempty(c, helm, "releaseName", where);
	s->skip_crds = get_bool(c, helm, "skipCrds", where);
	s->ignore_missing_value_files = get_bool(c, helm, "ignoreMissingValueFiles", where);
	s->helm_namespace = get_nonempty(c, helm, "namespace", where);
	s->kube_version = get_nonempty(c, helm, "kubeVersion", where);
	get_strings(c, helm, "apiVersions", where, &s->api_versions);
	refuse_set(c, helm, "passCredentials", where, "not supported: the Helm repository's credentials go to its own host only");
	const char *ver = get_string(c, helm, "version", where);
	if (ver && *ver && strcmp(ver, "v3"))
		fail(c, "spec.source.helm.version", "only v3 (helm 3) is supported");
	s->skip_tests = get_bool(c, helm, "skipTests", where);
	s->skip_schema_validation = get_bool(c, helm, "skipSchemaValidation", where);
}

/* kustomize: checked here, applied by gitops-render as `kustomize edit` would. */
static void parse_kustomize(struct ctx *c, struct gt_app_source *s, json_t *k, const char *src)
{
	static const char *const keys[] = { "namePrefix", "nameSuffix", "images", "commonLabels", "commonAnnotations",
					    "namespace", "replicas", "patches", "components", "forceCommonLabels",
					    "forceCommonAnnotations", "version", "kubeVersion", "apiVersions",
					    "labelWithoutSelector", "labelIncludeTemplates", "commonAnnotationsEnvsubst",
					    "ignoreMissingComponents", NULL };
	char where[64], f[192];
	struct gt_strvec tmp = { 0 };
	snprintf(where, sizeof(where), "%s.kustomize", src);
	check_keys(c, k, where, keys, NULL);
	if (c->bad)
		return;
	get_string(c, k, "namePrefix", where);
	get_string(c, k, "nameSuffix", where);
	get_string(c, k, "namespace", where);
	get_strings(c, k, "images", where, &tmp);
	get_strings(c, k, "components", where, &tmp);
	gt_strvec_release(&tmp);
	const char *maps[] = { "commonLabels", "commonAnnotations" };
	for (size_t m = 0; m < 2; m++) {
		json_t *v = json_object_get(k, maps[m]), *it;
		const char *key;
		snprintf(f, sizeof(f), "%s.%s", where, maps[m]);
		if (v && !json_is_null(v) && !json_is_object(v))
			fail(c, f, "not a map");
		json_object_foreach(v, key, it)
			if (!json_is_string(it))
				fail(c, f, "a value that is not a string");
	}
	json_t *reps = json_object_get(k, "replicas"), *it;
	size_t i;
	static const char *const rep_keys[] = { "name", "count", NULL };
	if (reps && !json_is_null(reps) && !json_is_array(reps))
		fail(c, "spec.source.kustomize.replicas", "not a list");
	json_array_foreach(reps, i, it) {
		snprintf(f, sizeof(f), "%s.replicas[%zu]", where, i);
		check_keys(c, it, f, rep_keys, NULL);
		json_t *count = json_object_get(it, "count");
		if (!get_nonempty(c, it, "name", f) || !(json_is_integer(count) || json_is_string(count)))
			fail(c, f, "needs a name and a count");
	}
	json_t *patches = json_object_get(k, "patches");
	static const char *const patch_keys[] = { "path", "patch", "target", "options", NULL };
	if (patches && !json_is_null(patches) && !json_is_array(patches))
		fail(c, "spec.source.kustomize.patches", "not a list");
	json_array_foreach(patches, i, it) {
		snprintf(f, sizeof(f), "%s.patches[%zu]", where, i);
		check_keys(c, it, f, patch_keys, NULL);
		if (!get_nonempty(c, it, "path", f) && !get_nonempty(c, it, "patch", f))
			fail(c, f, "needs a path or a patch");
	}
	get_bool(c, k, "forceCommonLabels", where);
	get_bool(c, k, "forceCommonAnnotations", where);
	refuse_set(c, k, "version", where, "not supported: one kustomize renders (--kustomize)");
	refuse_set(c, k, "kubeVersion", where, "not supported (only for helmCharts in a kustomization)");
	refuse_set(c, k, "apiVersions", where, "not supported (only for helmCharts in a kustomization)");
	refuse_set(c, k, "labelWithoutSelector", where, "not supported yet");
	refuse_set(c, k, "labelIncludeTemplates", where, "not supported yet");
	refuse_set(c, k, "commonAnnotationsEnvsubst", where, "not supported yet");
	refuse_set(c, k, "ignoreMissingComponents", where, "not supported yet");
	s->kustomize = k;
}

static void parse_directory(struct ctx *c, struct gt_app_source *s, json_t *d, const char *src)
{
	static const char *const keys[] = { "recurse", "include", "exclude", "jsonnet", NULL };
	char where[64];
	snprintf(where, sizeof(where), "%s.directory", src);
	check_keys(c, d, where, keys, NULL);
	if (c->bad)
		return;
	s->recurse = get_bool(c, d, "recurse", where);
	/* Argo CD's include and exclude are one glob each (with {a,b} alternation) */
	const char *inc = get_nonempty(c, d, "include", where), *exc = get_nonempty(c, d, "exclude", where);
	if ((inc && gt_strvec_push(&s->include, inc) < 0) || (exc && gt_strvec_push(&s->exclude, exc) < 0))
		fail(c, where, "out of memory");
	refuse_set(c, d, "jsonnet", where, "not supported: gitops-render has no Jsonnet engine");
}

static void parse_plugin(struct ctx *c, struct gt_app_source *s, json_t *p, const char *src)
{
	static const char *const keys[] = { "name", "env", "parameters", NULL };
	char where[64];
	snprintf(where, sizeof(where), "%s.plugin", src);
	check_keys(c, p, where, keys, NULL);
	get_string(c, p, "name", where);
	json_t *env = json_object_get(p, "env"), *it;
	size_t i;
	json_array_foreach(env, i, it) {
		char f[192];
		snprintf(f, sizeof(f), "%s.env[%zu]", where, i);
		if (!get_nonempty(c, it, "name", f))
			fail(c, f, "needs a name");
		get_string(c, it, "value", f);
	}
	s->plugin = p;
}

static void parse_source(struct ctx *c, struct gt_app_source *s, json_t *src, const char *where)
{
	static const char *const keys[] = { "repoURL", "targetRevision", "path", "chart", "ref", "name",
					    "helm", "kustomize", "directory", "plugin", NULL };
	check_keys(c, src, where, keys, NULL);
	if (c->bad)
		return;
	s->repo_url = get_nonempty(c, src, "repoURL", where);
	s->target_revision = get_nonempty(c, src, "targetRevision", where);
	s->path = get_nonempty(c, src, "path", where);
	s->chart = get_nonempty(c, src, "chart", where);
	s->ref = get_nonempty(c, src, "ref", where);
	s->name = get_nonempty(c, src, "name", where);
	if (!s->repo_url)
		return fail(c, where, "no repoURL");
	/* ApplicationSource.ExplicitType: more than one settings block is an error in Argo CD too */
	const char *blocks[] = { "helm", "kustomize", "directory", "plugin" };
	int n = 0;
	for (int i = 0; i < 4; i++) {
		json_t *b = json_object_get(src, blocks[i]);
		if (!b || json_is_null(b))
			continue;
		n++;
		static const enum gt_app_source_type types[] = { GT_APP_TYPE_HELM, GT_APP_TYPE_KUSTOMIZE,
								 GT_APP_TYPE_DIRECTORY, GT_APP_TYPE_PLUGIN };
		s->type = types[i];
		if (i == 0)
			parse_helm(c, s, b, where);
		else if (i == 1)
			parse_kustomize(c, s, b, where);
		else if (i == 2)
			parse_directory(c, s, b, where);
		else
			parse_plugin(c, s, b, where);
	}
	if (n > 1)
		fail(c, where, "multiple application sources defined (helm, kustomize, directory, plugin: one at most)");
}

/* ---- the spec ---- */

static void parse_destination(struct ctx *c, struct gt_application *app, json_t *spec)
{
	static const char *const keys[] = { "server", "name", "namespace", NULL };
	json_t *d = json_object_get(spec, "destination");
	if (!d)
		return fail(c, "spec.destination", "missing");
	check_keys(c, d, "spec.destination", keys, NULL);
	app->dest_server = get_nonempty(c, d, "server", "spec.destination");
	app->dest_name = get_nonempty(c, d, "name", "spec.destination");
	app->dest_namespace = get_nonempty(c, d, "namespace", "spec.destination");
	if (app->dest_server && app->dest_name)
		fail(c, "spec.destination", "can't have both name and server defined");
}

static const struct {
	const char *key;
	size_t off;
} sync_flags[] = {
	{ "CreateNamespace", offsetof(struct gt_application, create_namespace) },
	{ "PruneLast", offsetof(struct gt_application, prune_last) },
	{ "ServerSideApply", offsetof(struct gt_application, server_side_apply) },
	{ "Replace", offsetof(struct gt_application, replace) },
	{ "ApplyOutOfSyncOnly", offsetof(struct gt_application, apply_out_of_sync_only) },
	{ "RespectIgnoreDifferences", offsetof(struct gt_application, respect_ignore_differences) },
};

/* Argo CD's app-level sync options (docs/user-guide/sync-options.md); the rest are the tools' to refuse. */
static const char *const known_sync_options[] = {
	"Validate", "CreateNamespace", "PrunePropagationPolicy", "PruneLast", "Prune", "Delete",
	"ApplyOutOfSyncOnly", "RespectIgnoreDifferences", "SkipDryRunOnMissingResource", "Replace", "Force",
	"ServerSideApply", "ClientSideApplyMigration", "FailOnSharedResource", NULL
};

static void parse_sync_policy(struct ctx *c, struct gt_application *app, json_t *spec)
{
	static const char *const keys[] = { "automated", "syncOptions", "managedNamespaceMetadata", NULL };
	static const char *const ignored[] = { "retry", NULL }; /* the controller's retries: no tool retries a sync */
	static const char *const auto_keys[] = { "enabled", "prune", "selfHeal", "allowEmpty", NULL };
	json_t *sp = json_object_get(spec, "syncPolicy");
	if (!sp || json_is_null(sp))
		return;
	check_keys(c, sp, "spec.syncPolicy", keys, ignored);
	json_t *a = json_object_get(sp, "automated");
	if (a && !json_is_null(a)) {
		check_keys(c, a, "spec.syncPolicy.automated", auto_keys, NULL);
		json_t *en = json_object_get(a, "enabled");
		app->automated = !en || json_is_null(en) || json_is_true(en); /* enabled defaults to true */
		app->prune = get_bool(c, a, "prune", "spec.syncPolicy.automated");
		app->self_heal = get_bool(c, a, "selfHeal", "spec.syncPolicy.automated");
		app->allow_empty = get_bool(c, a, "allowEmpty", "spec.syncPolicy.automated");
	}
	get_strings(c, sp, "syncOptions", "spec.syncPolicy", &app->sync_options);
	for (size_t i = 0; !c->bad && i < app->sync_options.n; i++) {
		const char *opt = app->sync_options.v[i], *eq = strchr(opt, '=');
		size_t kn = eq ? (size_t)(eq - opt) : strlen(opt);
		bool known = false;
		for (size_t k = 0; known_sync_options[k] && !known; k++)
			known = strlen(known_sync_options[k]) == kn && !strncmp(opt, known_sync_options[k], kn);
		if (!eq || !known) {
			char f[64];
			snprintf(f, sizeof(f), "spec.syncPolicy.syncOptions[%zu]", i);
			fail(c, f, "not an Argo CD sync option (Key=Value)");
			break;
		}
		for (size_t k = 0; k < sizeof(sync_flags) / sizeof(*sync_flags); k++)
			if (strlen(sync_flags[k].key) == kn && !strncmp(opt, sync_flags[k].key, kn))
				*(bool *)((char *)app + sync_flags[k].off) = !strcasecmp(eq + 1, "true");
	}
}

/* ---- ignoreDifferences: jsonPointers as they are, the jq paths a pointer can say ---- */

/* Append one pointer segment, escaped as RFC 6901 says. */
static int pointer_add(struct gt_strbuf *p, const char *seg, size_t n)
{
	if (gt_strbuf_adds(p, "/") < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *esc = seg[i] == '~' ? "~0" : seg[i] == '/' ? "~1" : NULL;
		if (esc ? gt_strbuf_adds(p, esc) < 0 : gt_strbuf_add(p, seg + i, 1) < 0)
			return -1;
	}
	return 0;
}

/*
 * The jq paths users write in ignoreDifferences, as a pointer: .a.b, .a["k"], .a."k", .a[0], .a[]
 * (any item: "*"), .a[]?. A select(...), a pipe or a function is not a path a pointer can say:
 * NULL with *why.
 */
static char *jq_to_pointer(const char *jq, const char **why)
{
	struct gt_strbuf p = { 0 };
	const char *s = jq;
	*why = NULL;
	while (*s == ' ')
		s++;
	if (*s != '.') {
		*why = "a jq path starts with '.'";
		return NULL;
	}
	while (*s && !*why) {
		if (*s == ' ') {
			s++;
			continue;
		}
		if (s[0] == '.' && s[1] == '"') {
			s++;
			continue;
		}
		if (*s == '.' && (isalpha((unsigned char)s[1]) || s[1] == '_')) {
			size_t n = 1;
			while (isalnum((unsigned char)s[n]) || s[n] == '_')
				n++;
			if (pointer_add(&p, s + 1, n - 1) < 0)
				*why = "out of memory";
			s += n;
		} else if (*s == '"' || (s[0] == '[' && s[1] == '"')) {
			bool bracket = *s == '[';
			s += bracket ? 2 : 1;
			const char *end = strchr(s, '"');
			if (!end || memchr(s, '\\', (size_t)(end - s))) {
				*why = "a quoted key with escapes";
				break;
			}
			if (pointer_add(&p, s, (size_t)(end - s)) < 0)
				*why = "out of memory";
			s = end + 1;
			if (bracket && *s++ != ']')
				*why = "a quoted key not closed by ]";
		} else if (s[0] == '.' && s[1] == '[') {
			s++;
		} else if (s[0] == '[' && s[1] == ']') {
			if (pointer_add(&p, "*", 1) < 0)
				*why = "out of memory";
			s += 2;
			if (*s == '?')
				s++;
		} else if (s[0] == '[' && isdigit((unsigned char)s[1])) {
			size_t n = strspn(s + 1, "0123456789");
			if (s[1 + n] != ']')
				*why = "an index that is not a number";
			else if (pointer_add(&p, s + 1, n) < 0)
				*why = "out of memory";
			s += n + 2;
		} else if (*s == '.' && (!s[1] || s[1] == ' ')) {
			s++; /* "." alone: the whole object */
		} else {
			*why = strstr(s, "select(") ? "select(...) (a pointer cannot choose items by their content)"
						    : "a pipe, a function or an operator";
		}
	}
	if (*why) {
		gt_strbuf_release(&p);
		return NULL;
	}
	char *r = gt_strbuf_detach(&p);
	if (r && !*r) {
		free(r);
		*why = "the whole object";
		return NULL;
	}
	return r;
}

static int add_rule(struct gt_application *app, const char *group, const char *kind, const char *ns,
		    const char *name, const char *pointer)
{
	char *rule = NULL;
	int n = ns || name ? asprintf(&rule, "%s/%s/%s/%s:%s", group, kind, ns ? ns : "", name ? name : "", pointer)
			   : asprintf(&rule, "%s/%s:%s", group, kind, pointer);
	if (n < 0 || gt_strvec_push(&app->ignore_rules, rule) < 0) {
		free(n < 0 ? NULL : rule);
		return -1;
	}
	return 0;
}

static void parse_ignore(struct ctx *c, struct gt_application *app, json_t *spec)
{
	static const char *const keys[] = { "group", "kind", "name", "namespace", "jsonPointers",
					    "jqPathExpressions", "managedFieldsManagers", NULL };
	json_t *v = json_object_get(spec, "ignoreDifferences"), *it;
	size_t i;
	if (!v || json_is_null(v))
		return;
	if (!json_is_array(v))
		return fail(c, "spec.ignoreDifferences", "not a list");
	json_array_foreach(v, i, it) {
		char f[192];
		struct gt_strvec ptrs = { 0 }, jqs = { 0 }, mgrs = { 0 };
		snprintf(f, sizeof(f), "spec.ignoreDifferences[%zu]", i);
		check_keys(c, it, f, keys, NULL);
		const char *group = get_string(c, it, "group", f), *kind = get_string(c, it, "kind", f);
		const char *name = get_nonempty(c, it, "name", f), *ns = get_nonempty(c, it, "namespace", f);
		get_strings(c, it, "jsonPointers", f, &ptrs);
		get_strings(c, it, "jqPathExpressions", f, &jqs);
		get_strings(c, it, "managedFieldsManagers", f, &mgrs);
		if (!kind || !*kind)
			fail(c, f, "needs a kind");
		if (mgrs.n)
			app->managed_fields_managers = true;
		for (size_t p = 0; !c->bad && p < ptrs.n; p++)
			if (add_rule(app, group ? group : "", kind, ns, name, ptrs.v[p]) < 0)
				fail(c, f, "out of memory");
		for (size_t p = 0; !c->bad && p < jqs.n; p++) {
			const char *why;
			char *ptr = jq_to_pointer(jqs.v[p], &why), msg[512];
			if (!ptr) {
				snprintf(msg, sizeof(msg), "'%s': not supported: %s; write it as jsonPointers", jqs.v[p], why);
				snprintf(f, sizeof(f), "spec.ignoreDifferences[%zu].jqPathExpressions[%zu]", i, p);
				fail(c, f, msg);
			} else if (add_rule(app, group ? group : "", kind, ns, name, ptr) < 0) {
				fail(c, f, "out of memory");
			}
			free(ptr);
		}
		gt_strvec_release(&ptrs);
		gt_strvec_release(&jqs);
		gt_strvec_release(&mgrs);
		if (c->bad)
			return;
	}
}

static void parse_spec(struct ctx *c, struct gt_application *app, json_t *spec)
{
	static const char *const keys[] = { "source", "sources", "destination", "syncPolicy", "ignoreDifferences", NULL };
	/* read by Argo CD, no bearing on what is rendered, diffed or applied */
	static const char *const ignored[] = { "project", "revisionHistoryLimit", "info", NULL };
	check_keys(c, spec, "spec", keys, ignored);
	if (c->bad)
		return;
	json_t *one = json_object_get(spec, "source"), *many = json_object_get(spec, "sources");
	if (many && !json_is_null(many) && json_array_size(many) > 0) {
		/* "When you specify the sources field, Argo CD will ignore the source (singular) field." */
		app->multi = true;
		if (!json_is_array(many))
			return fail(c, "spec.sources", "not a list");
		app->n_sources = json_array_size(many);
	} else if (one && !json_is_null(one)) {
		app->n_sources = 1;
	} else {
		return fail(c, "spec.source", "no source and no sources");
	}
	if (!(app->sources = calloc(app->n_sources, sizeof(*app->sources))))
		return fail(c, "spec", "out of memory");
	for (size_t i = 0; i < app->n_sources && !c->bad; i++) {
		char where[32];
		snprintf(where, sizeof(where), app->multi ? "spec.sources[%zu]" : "spec.source", i);
		parse_source(c, &app->sources[i], app->multi ? json_array_get(many, i) : one, where);
	}
	parse_destination(c, app, spec);
	parse_sync_policy(c, app, spec);
	parse_ignore(c, app, spec);
}

static void source_release(struct gt_app_source *s)
{
	for (size_t i = 0; i < s->file_params.n; i++)
		free((char *)s->file_params.v[i]);
	gt_strvec_release(&s->file_params);
	gt_strvec_release(&s->value_files);
	gt_strvec_release(&s->api_versions);
	gt_strvec_release(&s->include);
	gt_strvec_release(&s->exclude);
	free(s->params);
}

void gt_app_free(struct gt_application *app)
{
	if (!app)
		return;
	for (size_t i = 0; i < app->n_sources; i++)
		source_release(&app->sources[i]);
	free(app->sources);
	for (size_t i = 0; i < app->ignore_rules.n; i++)
		free((char *)app->ignore_rules.v[i]);
	gt_strvec_release(&app->ignore_rules);
	gt_strvec_release(&app->sync_options);
	free(app->instance);
	free(app->file);
	json_decref(app->obj);
	free(app);
}

static bool is_application(json_t *obj)
{
	return !strcmp(json_string_value(json_object_get(obj, "kind")) ?: "", "Application") &&
	       !strncmp(json_string_value(json_object_get(obj, "apiVersion")) ?: "", "argoproj.io/", 12);
}

/* A name the tools may put in a tracking id, a release name, a file name: DNS-1123-ish. */
static bool app_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 253)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

struct gt_application *gt_app_parse(json_t *obj, const char *file)
{
	struct gt_application *app = calloc(1, sizeof(*app));
	json_t *meta = json_object_get(obj, "metadata");
	struct ctx c = { file, NULL, 0 };
	if (!app || !(app->file = strdup(file))) {
		free(app);
		return gt_error("out of memory"), NULL;
	}
	app->obj = json_incref(obj);
	if (strcmp(json_string_value(json_object_get(obj, "apiVersion")) ?: "", "argoproj.io/v1alpha1"))
		fail(&c, "apiVersion", "not argoproj.io/v1alpha1");
	app->name = get_nonempty(&c, meta, "name", "metadata");
	c.name = app->name;
	if (!c.bad && (!app->name || !app_name_ok(app->name)))
		fail(&c, "metadata.name", "missing, or not a Kubernetes name");
	app->namespace = get_nonempty(&c, meta, "namespace", "metadata");
	if (!c.bad && app->namespace && !app_name_ok(app->namespace))
		fail(&c, "metadata.namespace", "not a Kubernetes namespace name");
	if (!c.bad) {
		bool other = app->namespace && strcmp(app->namespace, GT_APP_CONTROL_NAMESPACE);
		int n = other ? asprintf(&app->instance, "%s_%s", app->namespace, app->name)
			      : asprintf(&app->instance, "%s", app->name);
		if (n < 0)
			app->instance = NULL, fail(&c, "metadata.name", "out of memory");
	}
	if (!c.bad)
		parse_spec(&c, app, json_object_get(obj, "spec"));
	if (c.bad) {
		gt_app_free(app);
		return NULL;
	}
	return app;
}

static int list_push(struct gt_app_list *list, struct gt_application *app)
{
	for (size_t i = 0; i < list->n; i++)
		if (!strcmp(list->v[i]->instance, app->instance)) {
			gt_error("%s: application %s: also in %s: one name, two Applications", app->file, app->name,
				 list->v[i]->file);
			gt_app_free(app);
			return -1;
		}
	if (GT_GROW(list->v, list->alloc, list->n + 1) < 0) {
		gt_app_free(app);
		return gt_error("out of memory"), -1;
	}
	list->v[list->n++] = app;
	return 0;
}

void gt_app_list_release(struct gt_app_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		gt_app_free(list->v[i]);
	free(list->v);
	memset(list, 0, sizeof(*list));
}

/* Every Application of a stream (others skipped: an app-of-apps directory holds more). */
static int read_stream(struct gt_stream *s, const char *name, struct gt_app_list *list, size_t *found)
{
	json_t *obj;
	struct gt_where w;
	int r;
	while ((r = gt_stream_next(s, &obj, &w)) > 0) {
		if (is_application(obj)) {
			char *where = NULL;
			struct gt_application *app = asprintf(&where, "%s:%lu", name, w.line) < 0 ? NULL : gt_app_parse(obj, where);
			free(where);
			if (!app || list_push(list, app) < 0)
				r = -1;
			else
				(*found)++;
		}
		json_decref(obj);
		if (r < 0)
			break;
	}
	return r < 0 ? GT_EXIT_INPUT : GT_EXIT_OK;
}

int gt_app_read_mem(const char *buf, size_t len, const char *name, const struct gt_limits *lim,
		    struct gt_app_list *list)
{
	size_t found = 0;
	struct gt_stream *s = gt_stream_open_mem(buf, len, name, lim);
	if (!s)
		return GT_EXIT_INPUT;
	int r = read_stream(s, name, list, &found);
	gt_stream_close(s);
	return r;
}

static int read_file(const char *path, const struct gt_limits *lim, struct gt_app_list *list, size_t *found)
{
	struct gt_stream *s = gt_stream_open(path, lim);
	if (!s)
		return GT_EXIT_INPUT;
	int r = read_stream(s, path, list, found);
	gt_stream_close(s);
	return r;
}

static bool manifest_name(const char *n)
{
	size_t l = strlen(n);
	return n[0] != '.' && ((l > 5 && !strcmp(n + l - 5, ".yaml")) || (l > 4 && !strcmp(n + l - 4, ".yml")) ||
			       (l > 5 && !strcmp(n + l - 5, ".json")));
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int read_dir(const char *dir, const struct gt_limits *lim, struct gt_app_list *list, size_t *found)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, by_name), r = GT_EXIT_OK;
	if (n < 0)
		return gt_error("%s: %s", dir, strerror(errno)), GT_EXIT_INPUT;
	for (int i = 0; i < n; i++) {
		char *p = NULL;
		struct stat st;
		if (r == GT_EXIT_OK && manifest_name(ents[i]->d_name) && asprintf(&p, "%s/%s", dir, ents[i]->d_name) >= 0 &&
		    stat(p, &st) == 0 && S_ISREG(st.st_mode))
			r = read_file(p, lim, list, found);
		free(p);
		free(ents[i]);
	}
	free(ents);
	return r;
}

int gt_app_read_cluster(const struct gt_kube_opts *kube, const char *namespace, struct gt_app_list *list)
{
	struct gt_kube_opts k = *kube;
	json_t *got = NULL, *it;
	size_t i;
	k.namespace = namespace ? namespace : GT_APP_CONTROL_NAMESPACE;
	if (gt_kube_get(&k, "applications.argoproj.io", NULL, &got) < 0)
		return GT_EXIT_REMOTE;
	int r = GT_EXIT_OK;
	json_array_foreach(json_object_get(got, "items"), i, it) {
		char *where = NULL;
		if (asprintf(&where, "cluster:%s/%s", k.namespace,
			     json_string_value(json_object_get(json_object_get(it, "metadata"), "name")) ?: "?") < 0)
			where = NULL;
		struct gt_application *app = where ? gt_app_parse(it, where) : NULL;
		free(where);
		if (!app || list_push(list, app) < 0) {
			r = GT_EXIT_INPUT;
			break;
		}
	}
	json_decref(got);
	return r;
}

/* NAME or NS/NAME from the cluster: one list, the one named kept. */
static int read_named(const char *what, const struct gt_kube_opts *kube, struct gt_app_list *list)
{
	const char *slash = strchr(what, '/');
	char *ns = slash ? strndup(what, (size_t)(slash - what)) : NULL;
	const char *name = slash ? slash + 1 : what;
	struct gt_app_list all = { 0 };
	if (!app_name_ok(name) || (ns && !app_name_ok(ns))) {
		free(ns);
		return gt_error("%s: no such file, and not an Application name", what), GT_EXIT_USAGE;
	}
	int r = gt_app_read_cluster(kube, ns, &all);
	for (size_t i = 0; r == GT_EXIT_OK && i < all.n; i++)
		if (!strcmp(all.v[i]->name, name)) {
			r = list_push(list, all.v[i]) < 0 ? GT_EXIT_INPUT : GT_EXIT_OK;
			all.v[i] = all.v[--all.n];
			free(ns);
			gt_app_list_release(&all);
			return r;
		}
	if (r == GT_EXIT_OK) {
		gt_error("application %s: not found in namespace %s of the cluster", name, ns ? ns : GT_APP_CONTROL_NAMESPACE);
		r = GT_EXIT_INPUT;
	}
	free(ns);
	gt_app_list_release(&all);
	return r;
}

int gt_app_read(const char *what, const struct gt_kube_opts *kube, const struct gt_limits *lim,
		struct gt_app_list *list)
{
	struct stat st;
	size_t found = 0;
	int r;
	if (!strcmp(what, "-")) {
		r = read_file("-", lim, list, &found);
		what = "standard input";
	} else if (stat(what, &st) == 0) {
		r = S_ISDIR(st.st_mode) ? read_dir(what, lim, list, &found) : read_file(what, lim, list, &found);
	} else if (strchr(what, '.') && (strstr(what, ".yaml") || strstr(what, ".yml") || strstr(what, ".json"))) {
		return gt_error("%s: %s", what, strerror(errno)), GT_EXIT_INPUT;
	} else {
		return read_named(what, kube, list);
	}
	if (r == GT_EXIT_OK && !found) {
		gt_error("%s: no Application (argoproj.io/v1alpha1) in it", what);
		r = GT_EXIT_INPUT;
	}
	return r;
}

bool gt_app_source_renders(const struct gt_app_source *s)
{
	return !s->ref || s->path || s->chart;
}

const struct gt_app_source *gt_app_render_source(const struct gt_application *app)
{
	const struct gt_app_source *one = NULL;
	for (size_t i = 0; i < app->n_sources; i++) {
		if (!gt_app_source_renders(&app->sources[i]))
			continue;
		if (one) {
			gt_error("%s: application %s: spec.sources: more than one source renders manifests: give the one "
				 "(a tool that renders one source)", app->file, app->name);
			return NULL;
		}
		one = &app->sources[i];
	}
	if (!one)
		gt_error("%s: application %s: no source renders manifests (only ref sources)", app->file, app->name);
	return one;
}

const struct gt_app_source *gt_app_ref_source(const struct gt_application *app, const char *name)
{
	for (size_t i = 0; i < app->n_sources; i++)
		if (app->sources[i].ref && !strcmp(app->sources[i].ref, name))
			return &app->sources[i];
	return NULL;
}

/* NormalizeGitURL: lower case, trimmed, scp-style ssh as ssh://, no ".git", no "ssh://" prefix. */
static char *normalise_url(const char *u)
{
	while (isspace((unsigned char)*u))
		u++;
	char *s = strdup(u);
	if (!s)
		return NULL;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (strncmp(s, "ssh://", 6) && !strstr(s, "://") && strchr(s, '@') && strchr(s, ':'))
		*strchr(s, ':') = '/';
	if (n > 4 && !strcmp(s + n - 4, ".git"))
		s[n - 4] = '\0';
	n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		s[--n] = '\0';
	if (!strncmp(s, "ssh://", 6))
		memmove(s, s + 6, strlen(s + 6) + 1);
	return s;
}

bool gt_app_same_repo(const char *a, const char *b)
{
	char *x = normalise_url(a), *y = normalise_url(b);
	bool same = x && y && !strcmp(x, y);
	free(x);
	free(y);
	return same;
}

bool gt_app_in_cluster(const struct gt_application *app)
{
	return (app->dest_server && !strcmp(app->dest_server, "https://kubernetes.default.svc")) ||
	       (app->dest_name && !strcmp(app->dest_name, "in-cluster"));
}

int gt_app_read_one(const char *what, struct gt_kube_opts *kube, const struct gt_limits *lim,
		    struct gt_application **app)
{
	struct gt_app_list list = { 0 };
	*app = NULL;
	int st = gt_app_read(what, kube, lim, &list);
	if (st == GT_EXIT_OK && list.n != 1) {
		gt_error("%s: holds %zu Applications: give one", what, list.n);
		st = GT_EXIT_USAGE;
	}
	if (st == GT_EXIT_OK) {
		*app = list.v[0];
		list.n = 0;
	}
	gt_app_list_release(&list);
	return st;
}

/* The context whose cluster's server is server, from `kubectl config view`. */
static int context_for_server(struct gt_kube_opts *kube, const char *server, const char **ctx)
{
	json_t *cfg = NULL, *it, *c;
	size_t i, j;
	*ctx = NULL;
	if (gt_kube_config_view(kube, &cfg) < 0)
		return GT_EXIT_REMOTE;
	json_array_foreach(json_object_get(cfg, "clusters"), i, it) {
		const char *srv = json_string_value(json_object_get(json_object_get(it, "cluster"), "server"));
		const char *cl = json_string_value(json_object_get(it, "name"));
		if (!srv || !cl || strcmp(srv, server))
			continue;
		json_array_foreach(json_object_get(cfg, "contexts"), j, c)
			if (!strcmp(json_string_value(json_object_get(json_object_get(c, "context"), "cluster")) ?: "", cl)) {
				*ctx = json_string_value(json_object_get(c, "name"));
				break;
			}
		if (*ctx)
			break;
	}
	/* the name outlives cfg: kept in a static buffer of its own (one destination per run) */
	static char *kept;
	free(kept);
	kept = *ctx ? strdup(*ctx) : NULL;
	*ctx = kept;
	json_decref(cfg);
	return GT_EXIT_OK;
}

int gt_app_destination_context(const struct gt_application *app, struct gt_kube_opts *kube)
{
	if (kube->context) {
		gt_debug("--context %s given: used instead of the Application's destination", kube->context);
		return GT_EXIT_OK;
	}
	if (gt_app_in_cluster(app)) {
		gt_debug("application %s: in-cluster destination: the current context", app->name);
		return GT_EXIT_OK;
	}
	if (app->dest_name) {
		kube->context = app->dest_name;
		gt_debug("application %s: destination name %s: that kubeconfig context", app->name, app->dest_name);
		return GT_EXIT_OK;
	}
	const char *ctx = NULL;
	int st = context_for_server(kube, app->dest_server ? app->dest_server : "", &ctx);
	if (st != GT_EXIT_OK)
		return st;
	if (!ctx) {
		gt_error("%s: application %s: destination.server %s: no kubeconfig context has a cluster with that "
			 "server (give --context)", app->file, app->name, app->dest_server ? app->dest_server : "");
		return GT_EXIT_USAGE;
	}
	gt_debug("application %s: destination %s: kubeconfig context %s", app->name, app->dest_server, ctx);
	kube->context = ctx;
	return GT_EXIT_OK;
}

/* ---- Applications in a repository (an app-of-apps directory at a revision) ---- */

int gt_app_read_repo(const struct gt_git_opts *g, const char *rev, const char *applications,
		     const struct gt_limits *lim, struct gt_app_list *list, char sha[GIT_OID_HEXSZ + 1])
{
	git_oid commit;
	struct gt_repo *repo = gt_repo_open(g);
	if (!repo)
		return GT_EXIT_REMOTE;
	if (gt_repo_fetch(repo) < 0)
		return gt_repo_close(repo), GT_EXIT_REMOTE;
	if (gt_repo_resolve(repo, rev, &commit) < 0)
		return gt_repo_close(repo), GT_EXIT_INPUT;
	git_oid_tostr(sha, GIT_OID_HEXSZ + 1, &commit);
	int st = GT_EXIT_OK;
	git_commit *c = NULL;
	git_tree *root = NULL, *t = NULL;
	git_tree_entry *e = NULL;
	char *dir = gt_tree_path_dup(applications);
	size_t found = 0;
	if (st == GT_EXIT_OK && (!dir || git_commit_lookup(&c, gt_repo_git(repo), &commit) < 0 ||
				 git_commit_tree(&root, c) < 0))
		st = (gt_error("%s: cannot read the commit %s", gt_repo_url(repo), rev), GT_EXIT_INPUT);
	if (st == GT_EXIT_OK && *dir &&
	    (git_tree_entry_bypath(&e, root, dir) < 0 || git_tree_entry_type(e) != GIT_OBJECT_TREE ||
	     git_tree_lookup(&t, gt_repo_git(repo), git_tree_entry_id(e)) < 0))
		st = (gt_error("%s: no directory '%s' at %s", gt_repo_url(repo), dir, rev), GT_EXIT_INPUT);
	git_tree *at = *dir ? t : root;
	for (size_t i = 0; st == GT_EXIT_OK && at && i < git_tree_entrycount(at); i++) {
		const git_tree_entry *f = git_tree_entry_byindex(at, i);
		const char *name = git_tree_entry_name(f);
		size_t n = strlen(name);
		bool manifest = git_tree_entry_type(f) == GIT_OBJECT_BLOB && name[0] != '.' &&
				((n > 5 && !strcmp(name + n - 5, ".yaml")) || (n > 4 && !strcmp(name + n - 4, ".yml")) ||
				 (n > 5 && !strcmp(name + n - 5, ".json")));
		char *path = NULL, *buf = NULL, *shown = NULL;
		size_t len, before = list->n;
		if (!manifest)
			continue;
		if (asprintf(&path, "%s%s%s", dir, *dir ? "/" : "", name) < 0 ||
		    asprintf(&shown, "%s@%s:%s", gt_repo_url(repo), rev, path) < 0)
			st = (gt_error("out of memory"), GT_EXIT_INPUT);
		else if (gt_repo_read_file(repo, &commit, path, &buf, &len) != 0)
			st = GT_EXIT_INPUT;
		else
			st = gt_app_read_mem(buf, len, shown, lim, list);
		found += list->n - before;
		free(path);
		free(buf);
		free(shown);
	}
	if (st == GT_EXIT_OK && !found)
		st = (gt_error("%s: no Application in '%s' at %s", gt_repo_url(repo), dir, rev), GT_EXIT_INPUT);
	free(dir);
	git_tree_entry_free(e);
	git_tree_free(t);
	git_tree_free(root);
	git_commit_free(c);
	gt_repo_close(repo);
	return st;
}
