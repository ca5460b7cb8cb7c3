/* helm: `helm template` as Argo CD runs it, and `helm dependency build` when a
 * chart's charts/ lacks what Chart.yaml asks for, its result cached by the lock. */
#define _GNU_SOURCE /* asprintf */
#include "render.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "stream.h"

#define HELM_MAX_RELEASE_NAME 53 /* helm's limit: the name goes into labels and Secret names */

char *locate_binary(const char *given, const char *name, const char *install)
{
	if (given) {
		char *p = strchr(given, '/') ? strdup(given) : find_on_path(given);
		if (p && access(p, X_OK) == 0)
			return p;
		gt_error("%s: not an executable program (--%s)", given, name);
		free(p);
		return NULL;
	}
	char *p = find_on_path(name);
	if (!p)
		gt_error("%s not found on PATH: install %s, or name the binary with --%s PATH", name, install, name);
	return p;
}

static int helm_locate(const struct render_opts *o, struct engine *e)
{
	e->bin = locate_binary(o->helm, "helm", "Helm v3 (https://helm.sh/docs/intro/install/)");
	return e->bin ? 0 : -1;
}

/* Chart.yaml (apiVersion v2) or requirements.yaml (v1) as JSON; NULL when absent or unreadable. */
static json_t *read_yaml_file(const struct render_opts *o, const char *dir, const char *name)
{
	char *p = path_join(dir, name);
	struct stat st;
	json_t *doc = NULL;
	if (p && stat(p, &st) == 0) {
		struct gt_stream *s = gt_stream_open(p, &o->lim);
		struct gt_where w;
		if (s && gt_stream_next(s, &doc, &w) < 0)
			doc = NULL;
		gt_stream_close(s);
	}
	free(p);
	return doc;
}

static json_t *dependencies_of(const struct render_opts *o, const char *dir)
{
	json_t *chart = read_yaml_file(o, dir, "Chart.yaml");
	json_t *deps = json_incref(json_object_get(chart, "dependencies"));
	json_decref(chart);
	if (!json_is_array(deps) || !json_array_size(deps)) {
		json_decref(deps);
		json_t *req = read_yaml_file(o, dir, "requirements.yaml");
		deps = json_incref(json_object_get(req, "dependencies"));
		json_decref(req);
	}
	if (!json_is_array(deps)) {
		json_decref(deps);
		return NULL;
	}
	return deps;
}

/* The chart names charts/ holds: subchart directories by their Chart.yaml name, archives by file name. */
static json_t *vendored_names(const struct render_opts *o, const char *dir)
{
	json_t *names = json_object();
	char *charts = path_join(dir, "charts");
	DIR *d = charts ? opendir(charts) : NULL;
	struct dirent *ent;
	while (d && (ent = readdir(d))) {
		const char *n = ent->d_name;
		size_t len = strlen(n);
		if (n[0] == '.')
			continue;
		if (len > 4 && !strcmp(n + len - 4, ".tgz")) {
			/* NAME-VERSION.tgz: the version starts at the last "-" followed by a digit */
			const char *v = NULL;
			for (const char *p = n; (p = strchr(p, '-')); p++)
				if (p[1] >= '0' && p[1] <= '9')
					v = p;
			char *name = strndup(n, v ? (size_t)(v - n) : len - 4);
			if (name)
				json_object_set_new(names, name, json_true());
			free(name);
		} else {
			char *sub = path_join(charts, n);
			json_t *c = sub ? read_yaml_file(o, sub, "Chart.yaml") : NULL;
			const char *name = json_string_value(json_object_get(c, "name"));
			if (name)
				json_object_set_new(names, name, json_true());
			json_decref(c);
			free(sub);
		}
	}
	if (d)
		closedir(d);
	free(charts);
	return names;
}

/* Helm's own offline check (CheckDependencies) compares names only. */
static int helm_needs_prepare(const struct render_opts *o, const char *dir)
{
	json_t *deps = dependencies_of(o, dir), *have = deps ? vendored_names(o, dir) : NULL, *d;
	size_t i;
	int need = 0;
	json_array_foreach(deps, i, d) {
		const char *name = json_string_value(json_object_get(d, "name"));
		if (name && !json_object_get(have, name))
			need = 1;
	}
	json_decref(deps);
	json_decref(have);
	return need;
}

/* The archives in charts/, to tell what `helm dependency build` added. */
static json_t *archives_in(const char *charts)
{
	json_t *set = json_object();
	DIR *d = opendir(charts);
	struct dirent *ent;
	while (d && (ent = readdir(d))) {
		size_t len = strlen(ent->d_name);
		if (len > 4 && !strcmp(ent->d_name + len - 4, ".tgz"))
			json_object_set_new(set, ent->d_name, json_true());
	}
	if (d)
		closedir(d);
	return set;
}

static int copy_archives(const char *from, const char *to, json_t *skip)
{
	DIR *d = opendir(from);
	struct dirent *ent;
	int r = d ? 0 : -1;
	while (r == 0 && (ent = readdir(d))) {
		size_t len = strlen(ent->d_name);
		if (len <= 4 || strcmp(ent->d_name + len - 4, ".tgz") || (skip && json_object_get(skip, ent->d_name)))
			continue;
		char *s = path_join(from, ent->d_name), *t = path_join(to, ent->d_name), *buf = NULL;
		size_t n;
		r = s && t && gt_file_read(s, (size_t)1 << 30, &buf, &n) == 0 && gt_file_write_atomic(t, buf, n) == 0 ? 0 : -1;
		free(buf);
		free(s);
		free(t);
	}
	if (d)
		closedir(d);
	return r;
}

/*
 * The key of a dependency build: the lock file (exact versions and digest) and
 * the declared dependencies. None (NULL) when there is no lock, or a file://
 * dependency, whose content no lock pins.
 */
static char *deps_key(const struct render_opts *o, const char *dir)
{
	static const char *const locks[] = { "Chart.lock", "requirements.lock" };
	char *lock = NULL, hex[GIT_OID_HEXSZ + 1];
	size_t len = 0;
	for (size_t i = 0; !lock && i < 2; i++) {
		char *p = path_join(dir, locks[i]);
		if (p && gt_file_read(p, o->lim.max_doc_bytes, &lock, &len) != 0)
			lock = NULL;
		free(p);
	}
	json_t *deps = lock ? dependencies_of(o, dir) : NULL, *d;
	size_t i;
	bool local = false;
	json_array_foreach(deps, i, d) {
		const char *repo = json_string_value(json_object_get(d, "repository"));
		local |= repo && !strncmp(repo, "file://", 7);
	}
	char *dump = deps && !local ? json_dumps(deps, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
	struct key_b k = { 0 };
	key_add(&k, "lock", lock ? lock : "");
	key_add(&k, "dependencies", dump ? dump : "");
	bool ok = dump && key_finish(&k, hex) == 0;
	if (!dump)
		key_finish(&k, hex);
	free(lock);
	free(dump);
	json_decref(deps);
	return ok ? strdup(hex) : NULL;
}

/* One `helm repo add` of url as name, in the engine's private home. */
static int repo_add(const struct render_opts *o, const struct engine *e, const char *name, const char *url)
{
	struct argv_b a = { 0 };
	char *out = NULL;
	size_t len;
	argv_add(&a, e->bin);
	argv_add(&a, "repo");
	argv_add(&a, "add");
	argv_add(&a, "--force-update");
	argv_add(&a, "--");
	argv_add(&a, name);
	argv_add(&a, url);
	if (a.oom)
		return argv_free(&a), gt_error("out of memory"), -1;
	int r = engine_exec(o, e, "helm repo add", a.v, NULL, o->max_output, &out, &len);
	argv_free(&a);
	free(out);
	return r;
}

/*
 * A private home knows no repositories, and `helm dependency build` fetches only from known ones:
 * add each http(s) repository the chart's dependencies name, as Argo CD does in its own helm
 * home. (oci:// needs none; a name or @alias needs the user's configuration: --user-engine-config.)
 */
static int add_dependency_repos(const struct render_opts *o, const struct engine *e, const char *dir)
{
	if (!e->home)
		return 0;
	json_t *deps = dependencies_of(o, dir), *seen = json_object(), *d;
	size_t i;
	int r = seen ? 0 : -1;
	json_array_foreach(deps, i, d) {
		const char *url = json_string_value(json_object_get(d, "repository"));
		char name[32];
		if (r < 0 || !url || (strncmp(url, "https://", 8) && strncmp(url, "http://", 7)) ||
		    json_object_get(seen, url))
			continue;
		json_object_set_new(seen, url, json_true());
		snprintf(name, sizeof(name), "dependency-%zu", json_object_size(seen));
		r = repo_add(o, e, name, url);
	}
	json_decref(seen);
	json_decref(deps);
	return r;
}

static int dependency_build(const struct render_opts *o, const struct engine *e, const char *dir)
{
	struct argv_b a = { 0 };
	char *out = NULL;
	size_t len;
	if (add_dependency_repos(o, e, dir) < 0)
		return -1;
	argv_add(&a, e->bin);
	argv_add(&a, "dependency");
	argv_add(&a, "build");
	argv_add(&a, "--");
	argv_add(&a, ".");
	if (a.oom)
		return argv_free(&a), gt_error("out of memory"), -1;
	int r = engine_exec(o, e, "helm dependency build", a.v, dir, o->max_output, &out, &len);
	argv_free(&a);
	free(out);
	return r;
}

static int helm_prepare(const struct render_opts *o, const struct engine *e, const char *dir, const char *cache_root)
{
	char *key = cache_root ? deps_key(o, dir) : NULL;
	char *charts = path_join(dir, "charts"), *cached = NULL;
	struct stat st;
	int r = -1;
	if (!charts || (mkdir(charts, 0700) < 0 && errno != EEXIST)) {
		gt_error("%s: cannot create: %s", charts ? charts : dir, strerror(errno));
		goto out;
	}
	if (key && asprintf(&cached, "%s/render/helm-deps/%s", cache_root, key) < 0)
		cached = NULL;
	if (cached && stat(cached, &st) == 0 && S_ISDIR(st.st_mode)) {
		gt_debug("helm dependencies from the cache: %s", cached);
		r = copy_archives(cached, charts, NULL);
		if (r < 0)
			gt_error("%s: cannot copy the cached dependencies into %s", cached, charts);
		goto out;
	}
	json_t *before = archives_in(charts);
	r = dependency_build(o, e, dir);
	if (r == 0 && cached) {
		/* Fill a private directory, then rename it into place: readers see all of it or none. */
		char *tmp = NULL;
		if (asprintf(&tmp, "%s.%ld.tmp", cached, (long)getpid()) >= 0 && gt_mkdir_p(tmp) == 0 &&
		    copy_archives(charts, tmp, before) == 0 && rename(tmp, cached) == 0) {
			gt_debug("helm dependencies cached: %s", cached);
		} else if (tmp) {
			remove_tree(tmp);
		}
		free(tmp);
	}
	json_decref(before);
out:
	free(key);
	free(charts);
	free(cached);
	return r;
}

/* helm's own rule for a release name (chartutil.ValidateReleaseName): DNS-1123 labels, at most 53. */
static bool release_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > HELM_MAX_RELEASE_NAME)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		/* '-' and '.' only between alphanumerics, never at either end or next to a '.' */
		if (!alnum && !((c == '-' || c == '.') && i > 0 && i + 1 < n))
			return false;
		if (c == '.' && (name[i - 1] == '.' || name[i - 1] == '-' || name[i + 1] == '-' || name[i + 1] == '.'))
			return false;
	}
	return true;
}

/* Every value as --flag=value and "--" before the positionals: a value from a repository or an
 * Application (a release name "--post-renderer=/bin/sh") is never read as an option. */
int helm_check_release_name(const char *name)
{
	if (release_name_ok(name))
		return 0;
	gt_error("release name '%s': helm takes lowercase letters, digits, '-' and '.', starting and ending with a "
		 "letter or digit, at most %d characters (--release-name)", name, HELM_MAX_RELEASE_NAME);
	return -1;
}

static int helm_args(const struct render_opts *o, const struct engine *e, struct argv_b *a)
{
	if (helm_check_release_name(o->release_name) < 0)
		return -1;
	argv_add(a, e->bin);
	argv_add(a, "template");
	if (gt_debug_given()) /* helm's own hint names it: helm's debug lines are relayed, invalid YAML shown */
		argv_add(a, "--debug");
	if (o->helm_namespace || o->namespace)
		argv_addf(a, "--namespace=%s", o->helm_namespace ? o->helm_namespace : o->namespace);
	if (!o->skip_crds)
		argv_add(a, "--include-crds");
	if (o->skip_tests)
		argv_add(a, "--skip-tests");
	if (o->skip_schema_validation)
		argv_add(a, "--skip-schema-validation");
	for (size_t i = 0; i < o->values.n; i++)
		argv_addf(a, "--values=%s", o->values.v[i]);
	/* after the files, as Argo CD passes its inline values (--set still wins over all of them) */
	for (size_t i = 0; e->scratch && i < o->values_literal.n; i++)
		argv_addf(a, "--values=%s/values-literal-%zu.yaml", e->scratch, i);
	for (size_t i = 0; i < o->set.n; i++)
		argv_addf(a, "--set=%s", o->set.v[i]);
	for (size_t i = 0; i < o->set_string.n; i++)
		argv_addf(a, "--set-string=%s", o->set_string.v[i]);
	for (size_t i = 0; i < o->set_file.n; i++)
		argv_addf(a, "--set-file=%s", o->set_file.v[i]);
	if (o->kube_version)
		argv_addf(a, "--kube-version=%s", o->kube_version);
	for (size_t i = 0; i < o->api_versions.n; i++)
		argv_addf(a, "--api-versions=%s", o->api_versions.v[i]);
	argv_add(a, "--");
	argv_add(a, o->release_name);
	argv_add(a, o->chart_archive ? o->chart_archive : ".");
	return a->oom ? (gt_error("out of memory"), -1) : 0;
}

int helm_write_literals(const struct render_opts *o, struct engine *e)
{
	if (!o->values_literal.n || e->scratch)
		return 0;
	if (!(e->scratch = temp_dir_new()))
		return -1;
	for (size_t i = 0; i < o->values_literal.n; i++) {
		char *p = NULL;
		const char *v = o->values_literal.v[i];
		if (asprintf(&p, "%s/values-literal-%zu.yaml", e->scratch, i) < 0)
			return gt_error("out of memory"), -1;
		int r = gt_file_write_atomic(p, v, strlen(v));
		free(p);
		if (r < 0)
			return gt_error("%s: cannot write the --values-literal text", e->scratch), -1;
	}
	return 0;
}

static const char *const helm_version_args[] = { "version", "--short", NULL };

const struct engine_ops helm_engine = {
	.name = "helm",
	.locate = helm_locate,
	.needs_prepare = helm_needs_prepare,
	.prepare = helm_prepare,
	.args = helm_args,
	.version_args = helm_version_args,
};
