/* application: gitops-render --application NAME|FILE. The Application supplies every setting the
 * command line left unset (explicit flags win, said with -v): the source (repoURL, targetRevision,
 * path, fetched through the cached bare clone), the destination namespace, the tracking name, the
 * Helm settings mapped onto the render's own options (values files chart-relative, "$ref/..."
 * files read from their ref source's commit, inline values as a values file of our own, parameters
 * as --set/--set-string), the directory settings, and the Kustomize settings applied the way Argo
 * CD applies them: `kustomize edit set ...` on a copy of the kustomization, which both engines then
 * build. */
#define _GNU_SOURCE /* asprintf */
#include "render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "application.h"
#include "file.h"
#include "json.h"
#include "sha256.h"
#include "yaml.h"

static int own_push(struct render_opts *o, struct gt_strvec *l, char *s)
{
	const char *kept = opts_own(o, s);
	return kept && gt_strvec_push(l, kept) == 0 ? 0 : (gt_error("out of memory"), -1);
}

/* A values file of our own (inline values, a ref source's file): trusted, outside the source. */
static int values_file_add(struct render_opts *o, const char *name, const char *data, size_t len)
{
	if (!o->app_tmp && !(o->app_tmp = temp_dir_new()))
		return -1;
	char *path = NULL;
	if (asprintf(&path, "%s/%zu-%s", o->app_tmp, o->values.n, name) < 0)
		return gt_error("out of memory"), -1;
	if (gt_file_write_atomic(path, data, len) < 0) {
		gt_error("%s: cannot write: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	const char *kept = opts_own(o, path);
	if (!kept || gt_strvec_push(&o->values, kept) < 0 || gt_strvec_push(&o->values_trusted, kept) < 0)
		return gt_error("out of memory"), -1;
	return 0;
}

bool app_values_trusted(const struct render_opts *o, const char *path)
{
	for (size_t i = 0; i < o->values_trusted.n; i++)
		if (!strcmp(o->values_trusted.v[i], path))
			return true;
	return false;
}

/* "$ref/path": the file at the ref source's targetRevision, read from its cached clone. */
static int ref_values(struct render_opts *o, const struct gt_application *app, const struct gt_app_source *src,
		      const char *item)
{
	const char *slash = strchr(item, '/');
	char *ref = slash ? strndup(item + 1, (size_t)(slash - item - 1)) : NULL;
	const struct gt_app_source *rs = ref ? gt_app_ref_source(app, ref) : NULL;
	int r = -1;
	if (!slash || !rs) {
		gt_error("%s: application %s: valueFiles '%s': no source with ref '%s'", app->file, app->name, item,
			 ref ? ref : item + 1);
		free(ref);
		return -1;
	}
	free(ref);
	if (strstr(slash, "/../") || !strcmp(slash, "/..") || !slash[1])
		return gt_error("%s: application %s: valueFiles '%s': give a file inside the ref source's repository",
				app->file, app->name, item), -1;
	struct gt_git_opts g = o->git;
	g.url = rs->repo_url;
	if (gt_git_credentials_finish(&g) < 0)
		return -1;
	struct gt_repo *repo = gt_repo_open(&g);
	git_oid commit;
	char *buf = NULL;
	size_t len = 0;
	const char *pinned = app_pin_find(rs->repo_url, rs->target_revision);
	const char *rev = pinned ? pinned : rs->target_revision ? rs->target_revision : "HEAD";
	if (!repo)
		return -3;
	if (!pinned && gt_repo_fetch(repo) < 0) { /* (a pinned commit was fetched by --applications) */
		r = -3;
	} else if (gt_repo_resolve(repo, rev, &commit) == 0) {
		int rd = gt_repo_read_file(repo, &commit, slash + 1, &buf, &len);
		if (rd == 1 && src->ignore_missing_value_files) {
			gt_debug("valueFiles %s: not at %s, skipped (ignoreMissingValueFiles)", item, rev);
			r = 0;
		} else if (rd == 1) {
			gt_error("%s: application %s: valueFiles '%s': no such file at %s of %s", app->file, app->name, item,
				 rev, gt_repo_url(repo));
		} else if (rd == 0) {
			const char *base = strrchr(slash, '/') + 1;
			r = values_file_add(o, base, buf, len);
		}
	}
	free(buf);
	gt_repo_close(repo);
	return r;
}

static int map_helm(struct render_opts *o, const struct gt_application *app, const struct gt_app_source *src)
{
	if (o->values.n) {
		gt_debug("--values given: the Application's valueFiles and values are not used");
	} else {
		for (size_t i = 0; i < src->value_files.n; i++) {
			const char *f = src->value_files.v[i];
			int r = 0;
			if (f[0] == '$')
				r = ref_values(o, app, src, f);
			else if (strstr(f, "://"))
				return gt_error("%s: application %s: valueFiles '%s': values from a URL: not supported",
						app->file, app->name, f), GT_EXIT_INPUT;
			else if (gt_strvec_push(&o->values, f) < 0)
				r = (gt_error("out of memory"), -1);
			if (r < 0)
				return r == -3 ? GT_EXIT_REMOTE : GT_EXIT_INPUT;
		}
		/* Argo CD writes values/valuesObject to a file passed after the valueFiles */
		if (src->values_object) {
			char *js = json_dumps(src->values_object, JSON_COMPACT | JSON_SORT_KEYS);
			int r = js ? values_file_add(o, "values.json", js, strlen(js)) : (gt_error("out of memory"), -1);
			free(js);
			if (r < 0)
				return GT_EXIT_INPUT;
		} else if (src->values && values_file_add(o, "values.yaml", src->values, strlen(src->values)) < 0) {
			return GT_EXIT_INPUT;
		}
	}
	o->ignore_missing_values = src->ignore_missing_value_files;
	if (o->set.n || o->set_string.n) {
		gt_debug("--set/--set-string given: the Application's parameters are not used");
	} else {
		for (size_t i = 0; i < src->n_params; i++) {
			char *kv = NULL;
			if (asprintf(&kv, "%s=%s", src->params[i].name, src->params[i].value) < 0 ||
			    own_push(o, src->params[i].force_string ? &o->set_string : &o->set, kv) < 0)
				return GT_EXIT_INPUT;
		}
	}
	if (o->set_file.n)
		gt_debug("--set-file given: the Application's fileParameters are not used");
	else
		for (size_t i = 0; i < src->file_params.n; i++)
			if (gt_strvec_push(&o->set_file, src->file_params.v[i]) < 0)
				return gt_error("out of memory"), GT_EXIT_INPUT;
	if (o->release_name && src->release_name)
		gt_debug("--release-name given: not the Application's releaseName %s", src->release_name);
	else if (src->release_name)
		o->release_name = src->release_name;
	if (src->helm_namespace)
		o->helm_namespace = src->helm_namespace;
	if (src->skip_crds)
		o->skip_crds = true;
	if (src->skip_schema_validation)
		o->skip_schema_validation = true;
	/* skipTests: Argo CD passes helm --skip-tests only when it is true, so its render holds the test
	 * hooks otherwise; but a test hook has no sync phase: Argo CD never applies it, and leaves every
	 * hook out of the diff and the sync status. The render leaves them out either way (its default
	 * --skip-tests), which is what Argo CD applies and compares; --skip-tests=false shows them. */
	if ((src->type == GT_APP_TYPE_HELM || src->chart) && !src->skip_tests && o->skip_tests)
		gt_debug("skipTests not set: the chart's test hooks left out all the same (Argo CD never applies "
			 "them; --skip-tests=false renders them)");
	if (!o->kube_version)
		o->kube_version = src->kube_version;
	if (!o->api_versions.n)
		for (size_t i = 0; i < src->api_versions.n; i++)
			if (gt_strvec_push(&o->api_versions, src->api_versions.v[i]) < 0)
				return gt_error("out of memory"), GT_EXIT_INPUT;
	return GT_EXIT_OK;
}

static int map_directory(struct render_opts *o, const struct gt_app_source *src)
{
	if (src->recurse)
		o->recurse = true;
	if (o->include.n || o->exclude.n) {
		gt_debug("--include/--exclude given: not the Application's directory include/exclude");
		return GT_EXIT_OK;
	}
	for (size_t i = 0; i < src->include.n; i++)
		if (gt_strvec_push(&o->include, src->include.v[i]) < 0)
			return gt_error("out of memory"), GT_EXIT_INPUT;
	for (size_t i = 0; i < src->exclude.n; i++)
		if (gt_strvec_push(&o->exclude, src->exclude.v[i]) < 0)
			return gt_error("out of memory"), GT_EXIT_INPUT;
	return GT_EXIT_OK;
}

/* A flag's value, or the Application's, saying with -v which one won. */
static const char *pick(const char *flag, const char *app_value, const char *flag_name, const char *field)
{
	if (flag && app_value && strcmp(flag, app_value))
		gt_debug("%s %s given: wins over the Application's %s %s", flag_name, flag, field, app_value);
	return flag ? flag : app_value;
}

/* ---- plugin: spec.source.plugin naming this plugin (examples/argocd-cmp) ---- */

#define OUR_PLUGIN "gitops-render"

/* Argo CD's escaped(): upper case, anything but A-Z 0-9 _ made _. */
static void env_escape(char *s)
{
	for (; *s; s++) {
		*s = (char)(*s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s);
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
			*s = '_';
	}
}

static int env_set(const char *name, const char *value)
{
	if (setenv(name, value ? value : "", 1) < 0)
		return gt_error("%s: cannot set: %s", name, strerror(errno)), -1;
	return 0;
}

/* The environment Argo CD's sidecar gives the plugin's generate command, from the app's plugin
 * settings: env as ARGOCD_ENV_<name>, parameters as PARAM_<NAME> (arrays PARAM_<NAME>_<i>, maps
 * PARAM_<NAME>_<KEY>); any PARAM_ or ARGOCD_ENV_ variable of ours first removed. */
static int plugin_environ(json_t *plugin)
{
	extern char **environ;
	size_t n = 0;
	for (char **e = environ; *e; e++)
		n++;
	char **drop = calloc(n + 1, sizeof(*drop));
	size_t k = 0;
	if (!drop)
		return gt_error("out of memory"), -1;
	for (char **e = environ; *e; e++)
		if ((!strncmp(*e, "PARAM_", 6) || !strncmp(*e, "ARGOCD_ENV_", 11)) && strchr(*e, '='))
			drop[k++] = strndup(*e, (size_t)(strchr(*e, '=') - *e));
	for (size_t i = 0; i < k; i++)
		if (drop[i])
			unsetenv(drop[i]), free(drop[i]);
	free(drop);
	json_t *it, *v;
	size_t i, j;
	int r = 0;
	json_array_foreach(json_object_get(plugin, "env"), i, it) {
		char *name = NULL;
		if (asprintf(&name, "ARGOCD_ENV_%s", json_string_value(json_object_get(it, "name"))) < 0)
			return gt_error("out of memory"), -1;
		r |= env_set(name, json_string_value(json_object_get(it, "value")));
		free(name);
	}
	json_array_foreach(json_object_get(plugin, "parameters"), i, it) {
		char *base = NULL, *name = NULL;
		const char *key;
		if (asprintf(&base, "PARAM_%s", json_string_value(json_object_get(it, "name")) ?: "") < 0)
			return gt_error("out of memory"), -1;
		env_escape(base + 6);
		if (json_is_string(v = json_object_get(it, "string")))
			r |= env_set(base, json_string_value(v));
		json_object_foreach(json_object_get(it, "map"), key, v) {
			char *esc = strdup(key);
			if (esc)
				env_escape(esc);
			if (!esc || asprintf(&name, "%s_%s", base, esc) < 0)
				r = -1, name = NULL;
			else
				r |= env_set(name, json_string_value(v));
			free(esc);
			free(name);
		}
		json_array_foreach(json_object_get(it, "array"), j, v) {
			if (asprintf(&name, "%s_%zu", base, j) < 0)
				r = -1, name = NULL;
			else
				r |= env_set(name, json_string_value(v));
			free(name);
		}
		free(base);
	}
	return r ? -1 : 0;
}

/* A plugin source: this plugin's (by name, as an Application names the ConfigManagementPlugin of
 * examples/argocd-cmp) renders what its generate command would, from the same settings; another
 * plugin's command cannot be run here, and one found by discovery is not named. */
static int map_plugin(struct render_opts *o, const struct gt_application *app, const struct gt_app_source *src,
		      const char *field)
{
	const char *name = json_string_value(json_object_get(src->plugin, "name"));
	json_t *it;
	size_t i;
	if (!name || !*name)
		return gt_error("%s: application %s: %s.plugin: no name (a plugin Argo CD discovers): name the plugin "
				"(%s) to render it here", app->file, app->name, field, OUR_PLUGIN), GT_EXIT_INPUT;
	if (strcmp(name, OUR_PLUGIN))
		return gt_error("%s: application %s: %s.plugin.name %s: not supported: only the %s plugin renders here "
				"(another plugin's generate command runs in Argo CD's sidecar)", app->file, app->name, field,
				name, OUR_PLUGIN), GT_EXIT_INPUT;
	json_array_foreach(json_object_get(src->plugin, "env"), i, it)
		if (strchr(json_string_value(json_object_get(it, "value")) ?: "", '$'))
			return gt_error("%s: application %s: %s.plugin.env[%zu].value: a $VARIABLE in it: not supported "
					"(Argo CD expands it from the build environment)", app->file, app->name, field, i),
			       GT_EXIT_INPUT;
	if (plugin_environ(src->plugin) < 0 || cmp_apply_settings(o) < 0)
		return GT_EXIT_INPUT;
	gt_debug("application %s: plugin %s: its settings applied as its generate command reads them", app->name, name);
	return GT_EXIT_OK;
}

/* A chart from a Helm repository (source.chart), as --chart/--repo-url/--chart-version: repoURL is
 * the repository's http(s) URL, or an OCI registry, which Argo CD writes without oci:// (its
 * IsHelmOciRepo: a URL with no host is OCI; oci:// is taken too); targetRevision is the chart's
 * version or a range (`1.2.*`, `^1.4`), resolved as helm does. The chart is the archive itself:
 * a valueFiles entry relative to it cannot be read (its $ref/ files, values and parameters can). */
static int map_chart(struct render_opts *o, const struct gt_application *app, const struct gt_app_source *src,
		     const char *field)
{
	const char *url = src->repo_url;
	char *oci = NULL;
	if (!url || !*url)
		return gt_error("%s: application %s: %s.repoURL: a chart source needs the Helm repository", app->file,
				app->name, field), GT_EXIT_INPUT;
	if (!strstr(url, "://")) {
		if (asprintf(&oci, "oci://%s", url) < 0 || !(url = opts_own(o, oci)))
			return gt_error("out of memory"), GT_EXIT_INPUT;
	} else if (strncmp(url, "https://", 8) && strncmp(url, "http://", 7) && strncmp(url, "oci://", 6)) {
		return gt_error("%s: application %s: %s.repoURL %s: a Helm repository is an http(s) URL or an OCI "
				"registry (HOST/PATH)", app->file, app->name, field, url), GT_EXIT_INPUT;
	}
	if ((!src->target_revision || !*src->target_revision) && !o->chart_version)
		return gt_error("%s: application %s: %s.targetRevision: a chart source needs the chart's version "
				"(or a range such as 1.2.*)", app->file, app->name, field), GT_EXIT_INPUT;
	if (!o->values.n)
		for (size_t i = 0; i < src->value_files.n; i++)
			if (src->value_files.v[i][0] != '$')
				return gt_error("%s: application %s: %s.helm.valueFiles '%s': a file inside a chart from a "
						"Helm repository: not supported (give it from a ref source: $ref/path)",
						app->file, app->name, field, src->value_files.v[i]), GT_EXIT_INPUT;
	o->chart = pick(o->chart, src->chart, "--chart", "chart");
	o->repo_url = pick(o->repo_url, url, "--repo-url", "repoURL");
	o->chart_version = pick(o->chart_version, src->target_revision, "--chart-version", "targetRevision");
	return GT_EXIT_OK;
}

static bool is_local_dir(const char *p)
{
	struct stat st;
	return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---- pins: (repository, revision) resolved once by --applications, inherited by each app's render ---- */

struct pin {
	char *url, *rev;
	char sha[GIT_OID_HEXSZ + 1];
};
static struct pin *pins;
static size_t n_pins, cap_pins;
static char *pin_all_url, pin_all_sha[GIT_OID_HEXSZ + 1]; /* --repo with --applications: that repo at REV */

int app_pin_add(const char *url, const char *rev, const char *sha, bool whole_repo)
{
	if (whole_repo) {
		free(pin_all_url);
		if (!(pin_all_url = strdup(url)))
			return gt_error("out of memory"), -1;
		snprintf(pin_all_sha, sizeof(pin_all_sha), "%s", sha);
		return 0;
	}
	if (GT_GROW(pins, cap_pins, n_pins + 1) < 0)
		return gt_error("out of memory"), -1;
	struct pin *p = &pins[n_pins];
	if (!(p->url = strdup(url)) || !(p->rev = strdup(rev ? rev : "HEAD"))) {
		free(p->url);
		return gt_error("out of memory"), -1;
	}
	snprintf(p->sha, sizeof(p->sha), "%s", sha);
	n_pins++;
	return 0;
}

const char *app_pin_find(const char *url, const char *rev)
{
	if (pin_all_url && gt_app_same_repo(url, pin_all_url))
		return pin_all_sha;
	for (size_t i = 0; i < n_pins; i++)
		if (!strcmp(pins[i].url, url) && !strcmp(pins[i].rev, rev ? rev : "HEAD"))
			return pins[i].sha;
	return NULL;
}

void app_pins_clear(void)
{
	for (size_t i = 0; i < n_pins; i++)
		free(pins[i].url), free(pins[i].rev);
	free(pins);
	pins = NULL;
	n_pins = cap_pins = 0;
	free(pin_all_url);
	pin_all_url = NULL;
}

int app_apply(struct render_opts *o, const char **dir)
{
	struct gt_app_list list = { 0 };
	int st = gt_app_read(o->application, &o->kube, &o->lim, &list);
	if (st != GT_EXIT_OK)
		return gt_app_list_release(&list), st;
	if (list.n != 1) {
		gt_error("%s: holds %zu Applications: give one (or render them all with --applications)", o->application,
			 list.n);
		gt_app_list_release(&list);
		return GT_EXIT_USAGE;
	}
	o->app_obj = list.v[0];
	free(list.v);
	if (app_rendering_sources(o->app_obj) > 1)
		return GT_EXIT_MULTI_SOURCE; /* one render per source (main) */
	return app_apply_parsed(o, o->app_obj, dir);
}

int app_apply_parsed(struct render_opts *o, const struct gt_application *app, const char **dir)
{
	int st;
	const struct gt_app_source *src = NULL;
	if (o->app_source >= 0 && (size_t)o->app_source < app->n_sources)
		src = &app->sources[o->app_source];
	else if (!(src = gt_app_render_source(app)))
		return GT_EXIT_INPUT;
	const char *field = app->multi ? "spec.sources" : "spec.source";
	if (src->type == GT_APP_TYPE_PLUGIN && (st = map_plugin(o, app, src, field)) != GT_EXIT_OK)
		return st;
	/* The source: the Application's repository at its targetRevision, unless the command line names
	 * one; --path naming a local directory renders that directory (a checkout you chose). */
	if (src->chart && !*dir && !o->repo && !o->path) {
		if ((st = map_chart(o, app, src, field)) != GT_EXIT_OK)
			return st;
	} else if (*dir) {
		gt_debug("DIR %s given: rendered instead of the Application's repository", *dir);
	} else if (!o->repo && is_local_dir(o->path) && (!src->path || strcmp(o->path, src->path))) {
		gt_debug("--path %s is a local directory: rendered instead of the Application's repository", o->path);
		*dir = o->path;
		o->path = NULL;
	} else {
		o->repo = pick(o->repo, src->repo_url, "--repo", "repoURL");
		const char *pinned = app_pin_find(src->repo_url, src->target_revision);
		o->revision = pick(o->revision, pinned ? pinned : src->target_revision, "--revision", "targetRevision");
		/* "." is the repository's root, as Argo CD reads it */
		const char *path = src->path && strspn(src->path, "./") == strlen(src->path) ? NULL : src->path;
		o->path = pick(o->path, path, "--path", "path");
	}
	o->namespace = pick(o->namespace, app->dest_namespace, "--namespace", "destination.namespace");
	o->app = pick(o->app, app->instance, "--app", "name");
	if (o->type == TYPE_AUTO)
		o->type = src->type == GT_APP_TYPE_HELM ? TYPE_HELM : src->type == GT_APP_TYPE_KUSTOMIZE ? TYPE_KUSTOMIZE
			  : src->type == GT_APP_TYPE_DIRECTORY ? TYPE_DIRECTORY : TYPE_AUTO;
	o->app_settings = true;
	st = map_helm(o, app, src);
	if (st == GT_EXIT_OK)
		st = map_directory(o, src);
	if (st == GT_EXIT_OK && src->kustomize && json_object_size(src->kustomize)) {
		o->app_kustomize = src->kustomize;
		char *key = json_dumps(src->kustomize, JSON_COMPACT | JSON_SORT_KEYS);
		if (!key || !opts_own(o, key))
			return gt_error("out of memory"), GT_EXIT_INPUT;
		o->app_key = key;
	}
	if (o->chart)
		gt_debug("application %s (%s): chart %s %s of %s", app->name, app->file, o->chart,
			 o->chart_version ? o->chart_version : "(newest)", o->repo_url);
	else
		gt_debug("application %s (%s): %s at %s, path %s", app->name, app->file, o->repo ? o->repo : *dir,
			 o->revision ? o->revision : "HEAD", o->path ? o->path : ".");
	return st;
}

void app_release(struct render_opts *o)
{
	if (o->app_tmp)
		remove_tree(o->app_tmp);
	free(o->app_tmp);
	o->app_tmp = NULL;
	gt_app_free(o->app_obj);
	o->app_obj = NULL;
	gt_strvec_release(&o->values_trusted);
}

/* ---- ignoreMissingValueFiles: what is not in the source is dropped, as Argo CD drops it ---- */

int app_drop_missing_values(struct render_opts *o, bool (*exists)(void *arg, const char *path), void *arg)
{
	size_t k = 0;
	for (size_t i = 0; i < o->values.n; i++) {
		const char *v = o->values.v[i];
		if (app_values_trusted(o, v) || exists(arg, v))
			o->values.v[k++] = v;
		else
			gt_debug("values file %s: not in the source, skipped (ignoreMissingValueFiles)", v);
	}
	o->values.n = k;
	if (k)
		o->values.v[k] = NULL;
	return 0;
}

/* ---- kustomize edit, as Argo CD runs it on its copy of the source ---- */

static json_t *map_member(json_t *k, const char *key)
{
	json_t *m = json_object_get(k, key);
	if (!json_is_object(m)) {
		m = json_object();
		if (!m || json_object_set_new(k, key, m) < 0)
			return NULL;
	}
	return m;
}

static json_t *list_member(json_t *k, const char *key)
{
	json_t *l = json_object_get(k, key);
	if (!json_is_array(l)) {
		l = json_array();
		if (!l || json_object_set_new(k, key, l) < 0)
			return NULL;
	}
	return l;
}

/* `kustomize edit set image [OLD=]NEW[:TAG|@DIGEST]`: the entry of that name updated, else added. */
static int edit_image(json_t *k, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char *name = NULL, *new_name = NULL, *tag = NULL, *digest = NULL;
	const char *img = eq ? eq + 1 : arg;
	const char *at = strchr(img, '@'), *slash = strrchr(img, '/');
	const char *colon = strrchr(at ? at : img, ':');
	if (at) {
		digest = strdup(at + 1);
		colon = NULL;
	}
	if (colon && (!slash || colon > slash) && !at)
		tag = strdup(colon + 1);
	size_t base_len = at ? (size_t)(at - img) : colon && (!slash || colon > slash) ? (size_t)(colon - img) : strlen(img);
	if (eq) {
		name = strndup(arg, (size_t)(eq - arg));
		new_name = strndup(img, base_len);
	} else {
		name = strndup(img, base_len);
	}
	json_t *images = list_member(k, "images"), *it, *entry = NULL;
	size_t i;
	int r = name && images ? 0 : -1;
	json_array_foreach(images, i, it)
		if (!strcmp(json_string_value(json_object_get(it, "name")) ?: "", name ? name : ""))
			entry = it;
	if (r == 0 && !entry) {
		entry = json_pack("{ss}", "name", name);
		r = entry && json_array_append_new(images, entry) == 0 ? 0 : -1;
	}
	if (r == 0 && new_name && *new_name)
		r = json_object_set_new(entry, "newName", json_string(new_name));
	if (r == 0 && tag) {
		r = json_object_set_new(entry, "newTag", json_string(tag));
		json_object_del(entry, "digest");
	}
	if (r == 0 && digest) {
		r = json_object_set_new(entry, "digest", json_string(digest));
		json_object_del(entry, "newTag");
	}
	free(name);
	free(new_name);
	free(tag);
	free(digest);
	return r;
}

/* `kustomize edit set replicas NAME=COUNT`. */
static int edit_replicas(json_t *k, json_t *rep)
{
	const char *name = json_string_value(json_object_get(rep, "name"));
	json_t *count = json_object_get(rep, "count"), *list = list_member(k, "replicas"), *it;
	json_int_t n = json_is_integer(count) ? json_integer_value(count) : strtoll(json_string_value(count), NULL, 10);
	size_t i;
	if (!list)
		return -1;
	json_array_foreach(list, i, it)
		if (!strcmp(json_string_value(json_object_get(it, "name")) ?: "", name))
			return json_object_set_new(it, "count", json_integer(n));
	return json_array_append_new(list, json_pack("{sssI}", "name", name, "count", (json_int_t)n));
}

/* `kustomize edit add label|annotation K:V` (--force with forceCommon*): an existing key is an error without force. */
static int edit_add_map(json_t *k, json_t *add, const char *key, bool force, const char *what, const char *file)
{
	const char *n;
	json_t *v, *m = json_object_size(add) ? map_member(k, key) : NULL;
	json_object_foreach(add, n, v) {
		if (!m)
			return -1;
		if (!force && json_object_get(m, n))
			return gt_error("%s: %s %s already in kustomization file (Argo CD's kustomize edit refuses it without force%s)",
					file, what, n, !strcmp(key, "commonLabels") ? "CommonLabels" : "CommonAnnotations"), -2;
		if (json_object_set(m, n, v) < 0)
			return -1;
	}
	return 0;
}

static int apply_edits(json_t *k, json_t *app, const char *file)
{
	const char *s;
	json_t *v;
	size_t i;
	int r = 0;
	if ((s = json_string_value(json_object_get(app, "namePrefix"))) && *s)
		r |= json_object_set_new(k, "namePrefix", json_string(s));
	if ((s = json_string_value(json_object_get(app, "nameSuffix"))) && *s)
		r |= json_object_set_new(k, "nameSuffix", json_string(s));
	if ((s = json_string_value(json_object_get(app, "namespace"))) && *s)
		r |= json_object_set_new(k, "namespace", json_string(s));
	json_array_foreach(json_object_get(app, "images"), i, v)
		r |= edit_image(k, json_string_value(v));
	json_array_foreach(json_object_get(app, "replicas"), i, v)
		r |= edit_replicas(k, v);
	if (r)
		return -1;
	int m = edit_add_map(k, json_object_get(app, "commonLabels"), "commonLabels",
			     json_is_true(json_object_get(app, "forceCommonLabels")), "label", file);
	if (m == 0)
		m = edit_add_map(k, json_object_get(app, "commonAnnotations"), "commonAnnotations",
				 json_is_true(json_object_get(app, "forceCommonAnnotations")), "annotation", file);
	if (m)
		return m;
	json_array_foreach(json_object_get(app, "components"), i, v) {
		json_t *l = list_member(k, "components");
		if (!l || json_array_append(l, v) < 0)
			return -1;
	}
	json_array_foreach(json_object_get(app, "patches"), i, v) {
		json_t *l = list_member(k, "patches");
		if (!l || json_array_append(l, v) < 0)
			return -1;
	}
	return 0;
}

static const char *const kustomization_names[] = { "kustomization.yaml", "kustomization.yml", "Kustomization" };

int app_kustomize_edit(const struct render_opts *o, const char *dir)
{
	if (!o->app_kustomize)
		return 0;
	char *path = NULL, *buf = NULL;
	size_t len = 0;
	int rd = 1;
	for (size_t i = 0; rd == 1 && i < sizeof(kustomization_names) / sizeof(*kustomization_names); i++) {
		free(path);
		path = path_join(dir, kustomization_names[i]);
		rd = path ? gt_file_read(path, o->lim.max_doc_bytes, &buf, &len) : -1;
	}
	if (rd != 0) {
		free(path);
		return gt_error("%s: no kustomization to apply the Application's kustomize settings to", dir), -1;
	}
	const char *shown = o->strip && !strncmp(path, o->strip, strlen(o->strip)) ? path + strlen(o->strip) : path;
	struct gt_yaml_reader *y = gt_yaml_reader_new_string(buf, len, shown, &o->lim);
	json_t *k = NULL;
	unsigned long line;
	int r = y && gt_yaml_next(y, &k, &line) > 0 && json_is_object(k) ? 0 : -1;
	if (r < 0 && y)
		gt_error("%s: %s", shown, gt_yaml_reader_error(y) ? gt_yaml_reader_error(y) : "not a kustomization");
	gt_yaml_reader_free(y);
	free(buf);
	if (r == 0) {
		int e = apply_edits(k, o->app_kustomize, shown);
		if (e == -1)
			gt_error("out of memory");
		r = e ? -1 : 0;
	}
	char *js = r == 0 ? json_dumps(k, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	if (r == 0 && (!js || gt_file_write_atomic(path, js, strlen(js)) < 0))
		r = (gt_error("%s: cannot write: %s", path, strerror(errno)), -1);
	if (r == 0)
		gt_debug("%s: the Application's kustomize settings applied (as kustomize edit)", shown);
	free(js);
	json_decref(k);
	free(path);
	return r;
}

/* The cache key's part for trusted values files: their content (their names are temp paths). */
int app_key_values(const struct render_opts *o, struct key_b *k)
{
	for (size_t i = 0; i < o->values.n; i++) {
		char *buf = NULL, hex[2 * GT_SHA256_LEN + 1];
		size_t len = 0;
		if (!app_values_trusted(o, o->values.v[i])) {
			key_add(k, "values", values_from_stdin(o, o->values.v[i]) ? o->values_stdin_sha : o->values.v[i]);
			continue; /* standard input's file is a new temp path each run: its content is the key */
		}
		if (gt_file_read(o->values.v[i], (size_t)-1, &buf, &len) != 0)
			return gt_error("%s: cannot read", o->values.v[i]), -1;
		gt_sha256_hex(buf, len, hex);
		free(buf);
		key_add(k, "values-content", hex);
	}
	key_add(k, "helm-namespace", o->helm_namespace ? o->helm_namespace : "");
	key_add(k, "application-kustomize", o->app_key ? o->app_key : "");
	return 0;
}

size_t app_rendering_sources(const struct gt_application *app)
{
	size_t n = 0;
	for (size_t i = 0; i < app->n_sources; i++)
		n += gt_app_source_renders(&app->sources[i]);
	return n;
}
