/* chartrepo: --chart NAME --repo-url URL --chart-version V, a chart from a Helm repository as Argo CD's
 * Helm source takes it. helm fetches (its index and the archive) in a private home; which version a
 * range means is decided here from the index (Masterminds semver, as helm), the archive's sha256 is
 * checked against the index's digest, and the archive is kept in the cache under the repository
 * URL, the name and the version: a second render of an exact version fetches nothing. */
#define _GNU_SOURCE /* asprintf */
#include "render.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "file.h"
#include "helm/helm.h"
#include "sha256.h"
#include "yaml.h"

#define CHART_REPO_NAME "gitops-chart" /* the repository's name in the private helm home */
#define MAX_ARCHIVE ((size_t)1 << 30)

/* A version with no range in it (MAJOR.MINOR.PATCH, maybe -PRE and +BUILD): what a cache lookup can
 * use before any fetch ("1.2" is a range to helm's semver). */
static bool exact_version(const char *v)
{
	int dots = 0;
	const char *p = v;
	if (!v || !(*v >= '0' && *v <= '9'))
		return false;
	for (; *p && *p != '-' && *p != '+'; p++) {
		if (*p == '.')
			dots++;
		else if (!(*p >= '0' && *p <= '9'))
			return false;
	}
	for (; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-+", *p))
			return false;
	return dots == 2;
}

static char *archive_key_path(const char *cache_root, const char *url, const char *name, const char *version)
{
	struct key_b k = { 0 };
	char hex[GIT_OID_HEXSZ + 1], *p = NULL;
	key_add(&k, "chart repository", url);
	key_add(&k, "chart", name);
	key_add(&k, "version", version);
	if (key_finish(&k, hex) < 0 || asprintf(&p, "%s/render/charts/%s.tgz", cache_root, hex) < 0)
		return gt_error("out of memory"), NULL;
	return p;
}

/* The archive (data, len) into the chart cache for version; on success *got is the cached path
 * (the pulled one freed). A cache that cannot be written is no error: the pulled archive serves. */
static void keep_in_cache(const struct render_opts *o, const char *cache_root, const char *version, const char *data,
			  size_t len, char **got)
{
	char *cached = archive_key_path(cache_root, o->repo_url, o->chart, version), *dir = cached ? strdup(cached) : NULL;
	if (dir && strrchr(dir, '/'))
		*strrchr(dir, '/') = '\0';
	if (dir && gt_mkdir_p(dir) == 0 && gt_file_write_atomic(cached, data, len) == 0) {
		free(*got);
		*got = cached;
		cached = NULL;
	}
	free(cached);
	free(dir);
}

/* A name helm would take as one path element of the repository. */
static bool chart_name_ok(const char *n)
{
	return *n && strcmp(n, ".") && strcmp(n, "..") && !strchr(n, '/') && n[0] != '-';
}

/* The highest version in the index's entries for the chart that the constraint admits
 * (">0.0.0" when none is given: the newest release, as helm). NULL after printing. */
static json_t *pick_version(const json_t *entries, const char *constraint, const char *what)
{
	const char *want = constraint && *constraint ? constraint : ">0.0.0";
	json_t *best = NULL, *e;
	const char *best_v = NULL;
	size_t i;
	json_array_foreach(entries, i, e) {
		const char *v = json_string_value(json_object_get(e, "version"));
		if (!v)
			continue;
		if (constraint && !strcmp(v, constraint))
			return e; /* the very string asked for */
		if (semver_check(want, v) != 1)
			continue;
		char *gt = NULL;
		if (best_v && asprintf(&gt, ">%s", best_v) < 0)
			return gt_error("out of memory"), NULL;
		if (!best_v || semver_check(gt, v) == 1)
			best = e, best_v = v;
		free(gt);
	}
	if (!best) {
		gt_error("%s: no version matches '%s' in the repository's index.yaml", what, want);
		if (semver_check(want, "0.0.0") < 0)
			gt_error("--chart-version %s: not a version or range helm reads", want);
	}
	return best;
}

struct fetch {
	const struct render_opts *o;
	struct engine helm;
	const char *user, *password;
	char *what; /* "NAME from URL", for messages */
};

/* helm repo add in the private home; the password on stdin. GT_EXIT_*. */
static int add_repo(struct fetch *f)
{
	struct argv_b a = { 0 };
	char *out = NULL;
	size_t len;
	argv_add(&a, f->helm.bin);
	argv_add(&a, "repo");
	argv_add(&a, "add");
	argv_add(&a, "--force-update");
	/* (a user name alone would make helm prompt for the password) */
	if (f->password) {
		argv_addf(&a, "--username=%s", f->user ? f->user : "");
		argv_add(&a, "--password-stdin");
	}
	argv_add(&a, "--");
	argv_add(&a, CHART_REPO_NAME);
	argv_add(&a, f->o->repo_url);
	if (a.oom)
		return argv_free(&a), gt_error("out of memory"), GT_EXIT_INPUT;
	int r = engine_exec_input(f->o, &f->helm, "helm repo add", a.v, f->password, f->password, &out, &len);
	argv_free(&a);
	free(out);
	if (r < 0)
		gt_error("%s: the chart repository cannot be read", f->what);
	return r < 0 ? GT_EXIT_REMOTE : GT_EXIT_OK;
}

/* The index helm cached for the repository: entries of the chart. NULL after printing. */
static json_t *chart_entries(struct fetch *f)
{
	static const struct gt_limits lim = { .max_doc_bytes = (size_t)256 << 20, .max_alias_nodes = 1000000,
					      .max_depth = 64 };
	char *path = NULL, *buf = NULL;
	size_t len;
	json_t *doc = NULL, *entries = NULL;
	unsigned long line;
	if (asprintf(&path, "%s/.cache/helm/repository/%s-index.yaml", f->helm.home, CHART_REPO_NAME) < 0)
		return gt_error("out of memory"), NULL;
	if (gt_file_read(path, lim.max_doc_bytes, &buf, &len) != 0) {
		gt_error("%s: helm kept no index.yaml of the repository", f->what);
	} else {
		struct gt_yaml_reader *y = gt_yaml_reader_new_string(buf, len, "index.yaml", &lim);
		if (y && gt_yaml_next(y, &doc, &line) > 0)
			entries = json_incref(json_object_get(json_object_get(doc, "entries"), f->o->chart));
		else if (y)
			gt_error("%s: the repository's index.yaml does not read", f->what);
		gt_yaml_reader_free(y);
		if (doc && !json_is_array(entries))
			gt_error("%s: the repository has no chart named %s", f->what, f->o->chart);
	}
	json_decref(doc);
	free(buf);
	free(path);
	if (!json_is_array(entries)) {
		json_decref(entries);
		return NULL;
	}
	return entries;
}

/* helm pull of the version into dir; the archive it wrote in *archive. GT_EXIT_*. */
static int pull(struct fetch *f, const char *version, const char *dir, char **archive)
{
	struct argv_b a = { 0 };
	char *out = NULL;
	size_t len;
	argv_add(&a, f->helm.bin);
	argv_add(&a, "pull");
	argv_addf(&a, "--destination=%s", dir);
	argv_addf(&a, "--version=%s", version);
	argv_add(&a, "--");
	argv_addf(&a, "%s/%s", CHART_REPO_NAME, f->o->chart);
	if (a.oom)
		return argv_free(&a), gt_error("out of memory"), GT_EXIT_INPUT;
	int r = engine_exec_input(f->o, &f->helm, "helm pull", a.v, NULL, f->password, &out, &len);
	argv_free(&a);
	free(out);
	if (r < 0)
		return gt_error("%s: version %s cannot be fetched", f->what, version), GT_EXIT_REMOTE;
	DIR *d = opendir(dir);
	struct dirent *ent;
	*archive = NULL;
	while (d && !*archive && (ent = readdir(d))) {
		size_t n = strlen(ent->d_name);
		if (n > 4 && !strcmp(ent->d_name + n - 4, ".tgz"))
			*archive = path_join(dir, ent->d_name);
	}
	if (d)
		closedir(d);
	if (!*archive)
		return gt_error("%s: helm pull wrote no archive", f->what), GT_EXIT_INPUT;
	return GT_EXIT_OK;
}

/* The archive's sha256 is the index's digest for the version. GT_EXIT_*. */
static int check_digest(struct fetch *f, const char *archive, const char *version, const char *digest,
			char **data, size_t *len)
{
	char hex[2 * GT_SHA256_LEN + 1];
	if (gt_file_read(archive, MAX_ARCHIVE, data, len) != 0)
		return gt_error("%s: cannot read the archive helm fetched", f->what), GT_EXIT_INPUT;
	gt_sha256_hex(*data, *len, hex);
	if (!digest || !*digest)
		return gt_error("%s: version %s: the repository's index.yaml gives no digest to check the archive "
				"against", f->what, version), GT_EXIT_INPUT;
	if (!strncmp(digest, "sha256:", 7))
		digest += 7;
	if (strcasecmp(digest, hex))
		return gt_error("%s: version %s: the archive's sha256 is %s, the repository's index.yaml says %s: "
				"not rendered", f->what, version, hex, digest), GT_EXIT_INPUT;
	return GT_EXIT_OK;
}

static int fetch_run(struct fetch *f, const char *cache_root, const char *tmp_dir, char **archive, char **version)
{
	const struct render_opts *o = f->o;
	int st = add_repo(f);
	json_t *entries = st ? NULL : chart_entries(f), *e;
	char *got = NULL, *data = NULL, *dest = NULL;
	size_t len = 0;
	if (st)
		return st;
	if (!entries)
		return GT_EXIT_INPUT;
	e = pick_version(entries, o->chart_version, f->what);
	const char *v = json_string_value(json_object_get(e, "version"));
	st = v ? GT_EXIT_OK : GT_EXIT_INPUT;
	if (st == GT_EXIT_OK && !(*version = strdup(v)))
		st = (gt_error("out of memory"), GT_EXIT_INPUT);
	if (st == GT_EXIT_OK && !(dest = path_join(tmp_dir, "pull")))
		st = (gt_error("out of memory"), GT_EXIT_INPUT);
	if (st == GT_EXIT_OK && gt_mkdir_p(dest) < 0)
		st = (gt_error("%s: cannot create", dest), GT_EXIT_INPUT);
	if (st == GT_EXIT_OK)
		st = pull(f, v, dest, &got);
	if (st == GT_EXIT_OK)
		st = check_digest(f, got, v, json_string_value(json_object_get(e, "digest")), &data, &len);
	if (st == GT_EXIT_OK && cache_root)
		keep_in_cache(o, cache_root, v, data, len, &got);
	if (st == GT_EXIT_OK)
		*archive = got, got = NULL;
	free(got);
	free(data);
	free(dest);
	json_decref(entries);
	return st;
}

/* oci://HOST/PATH: helm registry login (the password on stdin) when there are credentials. GT_EXIT_*. */
static int oci_login(struct fetch *f)
{
	const char *host = f->o->repo_url + 6;
	struct argv_b a = { 0 };
	char *out = NULL;
	size_t len;
	if (!f->password)
		return GT_EXIT_OK; /* (a user name alone would make helm prompt for the password) */
	argv_add(&a, f->helm.bin);
	argv_add(&a, "registry");
	argv_add(&a, "login");
	argv_addf(&a, "--username=%s", f->user ? f->user : "");
	argv_add(&a, "--password-stdin");
	if (f->o->plain_http)
		argv_add(&a, "--insecure");
	argv_add(&a, "--");
	argv_addf(&a, "%.*s", (int)strcspn(host, "/"), host);
	if (a.oom)
		return argv_free(&a), gt_error("out of memory"), GT_EXIT_INPUT;
	int r = engine_exec_input(f->o, &f->helm, "helm registry login", a.v, f->password, f->password, &out, &len);
	argv_free(&a);
	free(out);
	if (r < 0)
		gt_error("%s: the registry refused the credentials or cannot be reached", f->what);
	return r < 0 ? GT_EXIT_REMOTE : GT_EXIT_OK;
}

/* A chart in an OCI registry: helm resolves a range from the registry's tags and checks what it
 * pulls against the manifest's digests (content-addressed); the version it chose is in the
 * archive's name. GT_EXIT_*. */
static int fetch_oci(struct fetch *f, const char *cache_root, const char *tmp_dir, char **archive, char **version)
{
	const struct render_opts *o = f->o;
	struct argv_b a = { 0 };
	char *out = NULL, *dest = path_join(tmp_dir, "pull"), *data = NULL;
	size_t len, n = strlen(o->repo_url);
	int st = oci_login(f);
	if (st != GT_EXIT_OK || !dest || gt_mkdir_p(dest) < 0) {
		free(dest);
		return st != GT_EXIT_OK ? st : (gt_error("%s: cannot create a directory to pull into", f->what), GT_EXIT_INPUT);
	}
	argv_add(&a, f->helm.bin);
	argv_add(&a, "pull");
	argv_addf(&a, "--destination=%s", dest);
	if (o->chart_version && *o->chart_version)
		argv_addf(&a, "--version=%s", o->chart_version);
	if (o->plain_http)
		argv_add(&a, "--plain-http");
	argv_add(&a, "--");
	argv_addf(&a, "%.*s/%s", (int)(n && o->repo_url[n - 1] == '/' ? n - 1 : n), o->repo_url, o->chart);
	if (a.oom)
		st = (gt_error("out of memory"), GT_EXIT_INPUT);
	else if (engine_exec_input(o, &f->helm, "helm pull", a.v, NULL, f->password, &out, &len) < 0)
		st = (gt_error("%s: no version '%s' could be pulled", f->what, o->chart_version ? o->chart_version : "(newest)"),
		      GT_EXIT_REMOTE);
	argv_free(&a);
	free(out);
	char *got = NULL;
	DIR *d = st == GT_EXIT_OK ? opendir(dest) : NULL;
	struct dirent *ent;
	while (d && !got && (ent = readdir(d))) {
		size_t k = strlen(ent->d_name), cn = strlen(o->chart);
		if (k > cn + 5 && !strncmp(ent->d_name, o->chart, cn) && ent->d_name[cn] == '-' &&
		    !strcmp(ent->d_name + k - 4, ".tgz")) {
			got = path_join(dest, ent->d_name);
			*version = strndup(ent->d_name + cn + 1, k - cn - 5);
		}
	}
	if (d)
		closedir(d);
	if (st == GT_EXIT_OK && (!got || !*version))
		st = (gt_error("%s: helm pull wrote no archive named for the chart", f->what), GT_EXIT_INPUT);
	if (st == GT_EXIT_OK && cache_root && gt_file_read(got, MAX_ARCHIVE, &data, &len) == 0)
		keep_in_cache(o, cache_root, *version, data, len, &got);
	if (st == GT_EXIT_OK)
		*archive = got, got = NULL;
	free(got);
	free(data);
	free(dest);
	return st;
}

int chart_source_fetch(const struct render_opts *o, const char *cache_root, const char *tmp_dir, char **archive,
		       char **version)
{
	struct render_opts quiet = *o;
	struct fetch f = { .o = o };
	struct stat st;
	int r;
	*archive = *version = NULL;
	if (!chart_name_ok(o->chart))
		return gt_error("--chart %s: a chart's name, as the repository's index.yaml lists it", o->chart), GT_EXIT_USAGE;
	bool oci = !strncmp(o->repo_url, "oci://", 6);
	if (!oci && o->plain_http)
		return gt_error("--plain-http is for an oci:// registry (an http:// repository says so itself)"), GT_EXIT_USAGE;
	if (!oci && strncmp(o->repo_url, "https://", 8) && strncmp(o->repo_url, "http://", 7))
		return gt_error("--repo-url %s: give the https:// URL of a Helm chart repository, or oci://", o->repo_url),
		       GT_EXIT_USAGE;
	if (strchr(o->repo_url + 6, '@'))
		return gt_error("--repo-url: a user or password in the URL would be written down; use GITOPS_HELM_USERNAME "
				"and GITOPS_HELM_PASSWORD (or --password-file, --password-stdin)"), GT_EXIT_USAGE;
	if (asprintf(&f.what, "chart %s from %s", o->chart, o->repo_url) < 0)
		return gt_error("out of memory"), GT_EXIT_INPUT;
	/* an exact version already fetched (and checked) needs no network */
	if (cache_root && exact_version(o->chart_version)) {
		char *cached = archive_key_path(cache_root, o->repo_url, o->chart, o->chart_version);
		if (cached && stat(cached, &st) == 0 && S_ISREG(st.st_mode)) {
			gt_debug("%s %s: from the cache", f.what, o->chart_version);
			utimensat(AT_FDCWD, cached, NULL, 0); /* a use: gitops-cache prune goes by last use */
			*archive = cached;
			*version = strdup(o->chart_version);
			free(f.what);
			return *version ? GT_EXIT_OK : (gt_error("out of memory"), GT_EXIT_INPUT);
		}
		free(cached);
	}
	f.user = getenv("GITOPS_HELM_USERNAME");
	f.password = getenv("GITOPS_HELM_PASSWORD");
	if (!f.user || !*f.user)
		f.user = o->git.username;
	if (!f.password || !*f.password)
		f.password = o->git.password;
	/* helm runs in a home of its own, whatever --user-engine-config says: the repository and its
	 * credentials go there and go with it */
	quiet.user_engine_config = false;
	f.helm.bin = locate_binary(o->helm, "helm", "Helm v3 (https://helm.sh/docs/intro/install/)");
	if (!f.helm.bin || engine_home_new(&quiet, &f.helm) < 0) {
		engine_free(&f.helm);
		free(f.what);
		return GT_EXIT_INPUT;
	}
	r = oci ? fetch_oci(&f, cache_root, tmp_dir, archive, version) : fetch_run(&f, cache_root, tmp_dir, archive, version);
	if (r != GT_EXIT_OK) {
		free(*archive);
		free(*version);
		*archive = *version = NULL;
	}
	engine_free(&f.helm);
	free(f.what);
	return r;
}
