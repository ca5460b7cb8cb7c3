/* gitops-render's own declarations, shared by its files only. */
#ifndef RENDER_H
#define RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "cli.h"
#include "git.h"
#include "kube.h"
#include "limits.h"
#include "obj.h"

enum source_type { TYPE_AUTO, TYPE_DIRECTORY, TYPE_HELM, TYPE_KUSTOMIZE };

/* --engine: auto (native where it supports everything the source uses, else exec), native only, exec only */
enum render_engine { ENGINE_AUTO, ENGINE_NATIVE, ENGINE_EXEC };

#define RENDER_DEFAULT_MAX_OUTPUT ((size_t)256 << 20) /* an engine's stdout; the Argo CD install is 2 MiB */
#define RENDER_DEFAULT_CACHE_MAX ((size_t)1 << 30) /* --cache-max-size: 1G of render outputs */
/* What a --repo source may write for an engine: a manifest repo has hundreds of files, not 100,000. */
#define RENDER_DEFAULT_MAX_TREE_FILES ((size_t)100000)
#define RENDER_DEFAULT_MAX_TREE_BYTES ((size_t)1 << 30)
#define RENDER_PATH_MAX 4096 /* a path or link target longer than Linux's PATH_MAX cannot be opened anyway */

struct render_opts {
	bool recurse;
	struct gt_strvec include, exclude; /* globs, borrowed from argv */
	const char *namespace;
	const char *app;
	enum gt_tracking tracking;
	enum gt_format format;
	struct gt_limits lim;

	/* the source */
	enum source_type type;
	const char *repo, *revision, *path;
	struct gt_git_opts git;
	/* engines */
	enum render_engine engine;
	bool deterministic; /* native helm: a fixed sequence for rand*, uuidv4, bcrypt salts */
	const char *helm, *kustomize; /* --helm/--kustomize: the binaries */
	const char *release_name;
	struct gt_strvec values, set, set_string, set_file, api_versions; /* borrowed: argv or owned */
	const char *kube_version;
	bool skip_crds;
	bool skip_tests; /* helm's --skip-tests (default on; --skip-tests=false: Argo CD's skipTests: false) */
	bool skip_schema_validation;
	struct gt_strvec values_literal; /* --values-literal: inline YAML (Argo CD's helm.values), after -f */
	bool ignore_missing_values; /* --ignore-missing-values-files: a -f file that is not there is left out */
	/* --chart NAME --repo-url URL --version V: a chart from a Helm repository */
	const char *chart, *repo_url, *chart_version;
	bool plain_http; /* --plain-http: an oci:// registry over http (helm's flag) */
	const char *chart_archive; /* the fetched .tgz the engines render (set by chart_source_fetch) */
	bool enable_helm;
	const char *load_restrictor;
	size_t max_output;
	size_t max_tree_files, max_tree_bytes; /* --max-tree-files, --max-tree-size */
	bool user_engine_config; /* engines read the user's helm/kustomize configuration (else a private home) */
	bool allow_empty;
	int cache; /* -1: the default (on with --repo), 0 off, 1 on */
	size_t cache_max;  /* --cache-max-size: the render outputs kept, in bytes */
	bool cmp;
	bool namespace_objects; /* default namespaces in the output (not in CMP mode: Argo CD does) */
	const char *api_resources; /* --api-resources FILE: kinds' scopes, offline */
	bool discovery;            /* ask the cluster for kinds' scopes (also with --context/--kubeconfig) */
	unsigned discovery_ttl;    /* seconds a cached discovery answer is used */
	struct gt_kube_opts kube;  /* the cluster discovery asks, and --application NAME is read from */
	const char *values_stdin;  /* "--values -": the file standard input was saved in (an entry of values) */
	char *values_stdin_dir;    /* its private temp dir, removed at the end */
	char values_stdin_sha[65]; /* its content's digest, for the render cache's key */
	const char *strip; /* file names in messages lose this prefix (a temp copy's directory) */
	const char *source_root; /* the native kustomize engine reads nothing outside it on disk (NULL: no bound) */
	/* strings made here (CMP environment), freed at the end */
	struct gt_strvec owned;
	/* --application (application.c): the Application and what it adds to the options */
	const char *application, *applications;
	int app_source;                   /* which of spec.sources renders (-1: the one that does) */
	bool app_settings;                /* values and set-file paths came from an Application: checked as a repo's */
	struct gt_application *app_obj;   /* owned; the options borrow its strings */
	json_t *app_kustomize;            /* its kustomize settings (borrowed), applied as kustomize edit */
	const char *app_key;              /* those settings in the render cache's key */
	const char *helm_namespace;       /* helm.namespace: helm's --namespace instead of --namespace */
	struct gt_strvec values_trusted;  /* values files we wrote (inline values, ref sources): outside the source */
	char *app_tmp;                    /* where those are (owned) */
};

/* Keep s until the end of the run; NULL on no memory. */
const char *opts_own(struct render_opts *o, char *s);

struct file_list {
	char **paths; /* owned */
	size_t n, cap;
};

/*
 * Manifest files below dir (.yaml, .yml, .json), in Argo CD's order; dir is dir_rel below root,
 * and a symbolic link among them that leads outside root (on disk) is an error. -1 after printing.
 */
int find_manifests(const struct render_opts *o, const char *dir, const char *root, const char *dir_rel,
		   struct file_list *out);
/* Would the directory source read the file name, at rel below the source directory? */
bool manifest_wanted(const struct render_opts *o, const char *name, const char *rel);
void file_list_free(struct file_list *l);
/* gobwas/glob semantics: '*' crosses '/', {a,b} alternation. */
bool glob_match(const char *pattern, const char *path);

/* ---- engines (engine.c, helm.c, kustomize.c) ---- */

/* An argument vector being built; every string is owned. */
struct argv_b {
	char **v; /* NULL-terminated when n > 0 */
	size_t n, cap;
	bool oom;
};
void argv_add(struct argv_b *a, const char *s);
void argv_addf(struct argv_b *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void argv_free(struct argv_b *a);

/* A located engine binary. */
struct engine {
	const struct engine_ops *ops;
	char *bin;      /* the binary that runs (owned) */
	bool via_kubectl; /* kustomize as `kubectl kustomize` */
	char *version;  /* its version line (owned), for the render cache */
	char *home;     /* the private empty home its runs get (owned; NULL with --user-engine-config) */
	char **env;     /* "NAME=VALUE" settings pointing there, NULL-terminated (owned), or NULL */
	char *scratch;  /* a private temp dir for files the run is given (--values-literal), or NULL */
};

/*
 * One external renderer. locate finds the binary (a clear error naming what to
 * install when there is none); prepare readies a writable source directory
 * (helm dependencies) and may be NULL; args builds the argv that renders dir
 * (the working directory of the run) to stdout.
 */
struct engine_ops {
	const char *name; /* "helm", "kustomize" */
	int (*locate)(const struct render_opts *o, struct engine *e);
	int (*needs_prepare)(const struct render_opts *o, const char *dir); /* 1 yes, 0 no, -1 error */
	int (*prepare)(const struct render_opts *o, const struct engine *e, const char *dir, const char *cache_root);
	int (*args)(const struct render_opts *o, const struct engine *e, struct argv_b *a);
	const char *const *version_args; /* after the binary */
};
extern const struct engine_ops helm_engine, kustomize_engine;

/* helm reads inline values from files: each --values-literal into e->scratch (made here), as
 * Argo CD writes spec.source.helm.values to a temp file. -1 after printing. */
int helm_write_literals(const struct render_opts *o, struct engine *e);

/* --helm/--kustomize PATH (given), or name on PATH; NULL after printing what to install. */
char *locate_binary(const char *given, const char *name, const char *install);
/* The binary named name on PATH, malloc'd, or NULL. */
char *find_on_path(const char *name);
/* e->bin's version, cached in cache_root by the binary's identity (NULL: not cached). -1 after printing. */
int engine_version(struct engine *e, const char *cache_root);
/* e->home and e->env: a private empty home for every run of the engine (none with --user-engine-config). -1 after printing. */
int engine_home_new(const struct render_opts *o, struct engine *e);
void engine_free(struct engine *e);
/* An engine's stderr after a render that succeeded: each line once, as a warning prefixed with
 * name (the engine's), redacted; nothing with -q. */
void engine_relay_warnings(const char *name, const char *err, const char *secret);

/*
 * Run argv (argv[0] a path; no shell) in cwd with stdin from /dev/null, without the git token in
 * its environment, in a private empty home (unless --user-engine-config), within --timeout (then
 * it and everything it started are stopped). Its stdout (up to max bytes) in *out (malloc'd,
 * NUL-terminated), its stderr relayed (redacted): as errors on failure, else as warnings, each line
 * once (engine_relay_warnings). 0, or -1 after printing.
 */
int engine_exec(const struct render_opts *o, const struct engine *e, const char *what, char *const argv[],
		const char *cwd, size_t max, char **out, size_t *len);
/* The same with in (NUL-terminated) on its stdin, no working directory of its own, secret masked
 * (a password given on stdin, never in argv). */
int engine_exec_input(const struct render_opts *o, const struct engine *e, const char *what, char *const argv[],
		      const char *in, const char *secret, char **out, size_t *len);
/* The same, with on_out(arg, stdout so far, its length) called as the engine writes (common/proc). */
int engine_exec_live(const struct render_opts *o, const struct engine *e, const char *what, char *const argv[],
		     const char *cwd, size_t max, char **out, size_t *len,
		     void (*on_out)(void *arg, const char *out, size_t len), void *arg);

/* ---- the native Kustomize engine (kustomize/) ---- */
/*
 * Build the kustomization at dir in-process as kustomize 5.5 does: 0 with the objects in
 * kustomize's order in *objects (a new array); 1 when the tree uses something the engine does
 * not do, -1 when the build fails, -2 when it is refused (a path that leads outside
 * o->source_root on disk, the tree limits): no engine may build it. All but 0 with why
 * (malloc'd) naming the field and file.
 */
int kustomize_native(const struct render_opts *o, const char *dir, json_t **objects, char **why);
/* The engine's identity in the render cache. */
#define KUSTOMIZE_NATIVE_VERSION "gitops-render native kustomize engine " GT_VERSION " (kustomize v5.5.0)"

/* ---- memory a native engine's child builds its objects in, for the parent (shared_heap.c) ---- */
struct shared_heap;
/* Before the fork, in the parent: a heap of cap bytes shared with the child, or NULL (then the
 * objects go as text). From here on the parent's jansson leaves values in a heap alone. */
struct shared_heap *shared_heap_new(size_t cap);
/* In the child: jansson allocates from h. */
void shared_heap_use(struct shared_heap *h);
/* In the child: leave root for the parent, when all of it is in h (true); else send it as text. */
bool shared_heap_hand_over(struct shared_heap *h, json_t *root);
/* In the parent after the child exited: what it left (a reference of the caller's), or NULL. */
json_t *shared_heap_take(struct shared_heap *h);
/* In the parent, when it took nothing from h: unmapped (h may be NULL). */
void shared_heap_drop(struct shared_heap *h);

/* ---- the native Helm engine (helm_native.c, helm/) ---- */

/* Render the chart in dir as `helm template` would: 0 with *out (malloc'd); 1 when the engine does
 * not support something the chart uses (*why says what, malloc'd); -1 after printing a render error. */
struct helm_docs;
/* docs: where the engine leaves the documents it parsed already (helm/helm.h), or NULL */
int helm_native(const struct render_opts *o, const char *dir, char **out, size_t *len, struct helm_docs *docs,
		char **why);
/* The engine's identity in the render cache. */
#define HELM_NATIVE_VERSION "gitops-render native helm engine " GT_VERSION " (helm v3.17.3)"
/* Is name a release name helm takes (DNS-1123, at most 53 characters)? Else -1 after printing. */
int helm_check_release_name(const char *name);

/* ---- interruption: temporary directories go also on SIGINT/SIGTERM (common/proc catches them) ---- */
/* -1 after printing when a signal arrived (callers unwind and clean up). */
int check_interrupted(void);

/* ---- files (files.c) ---- */
/* A fresh private directory under $TMPDIR, malloc'd; NULL after printing. */
char *temp_dir_new(void);
/* rm -r path; quiet. */
void remove_tree(const char *path);
/* Copy directory src into dst (which is created); -1 after printing. */
int copy_tree(const char *src, const char *dst);
char *path_join(const char *a, const char *b);
/* The cache root (gt_cache_root_dup of --cache-dir), malloc'd; NULL after printing. */
char *cache_root_new(const struct render_opts *o);

/* ---- values files (values.c) ---- */

/* "--values -": standard input saved to a private file, which replaces the "-". -1 after printing
 * (two of them, or standard input already read for the token). */
int values_read_stdin(struct render_opts *o, bool stdin_taken);
/* Is path (an entry of o->values) standard input's file? */
bool values_from_stdin(const struct render_opts *o, const char *path);
/* A local chart's --values and --set-file paths made absolute: the current directory's file when it
 * exists, else the chart's (helm's and Argo CD's readings). -1 after naming every place tried. */
int values_resolve_local(struct render_opts *o, const char *chart);

/* ---- scopes (scope.c) ---- */

#define RENDER_DEFAULT_DISCOVERY_TTL (6 * 3600) /* kubectl's own discovery cache keeps 6 hours */

struct render_scopes {
	struct gt_scopes *crds;  /* the CRDs of the render (borrowed) */
	struct gt_scopes *known; /* --api-resources, then the cluster's discovery over it */
	json_t *warned;          /* kinds whose unknown scope was reported */
};
/* Learn the scopes objs[0..n) need (a cluster is asked only for kinds neither their CRDs nor
 * Kubernetes answer, and only when asked for). The CRDs among objs go into crds, which may hold
 * others already (frozen ones) and stays the caller's; NULL items are skipped. -1 after printing
 * (a bad --api-resources). */
int render_scopes_init(const struct render_opts *o, struct render_scopes *s, struct gt_scopes *crds,
		       json_t *const *objs, size_t n);
/* 1 cluster-scoped, 0 namespaced, -1 unknown (warned once per kind). */
int render_scope_of(struct render_scopes *s, const struct gt_ref *ref);
void render_scopes_free(struct render_scopes *s);

/* ---- repository sources (source.c) ---- */
struct source_plan;
struct gt_application;
struct repo_source {
	struct gt_repo *repo;
	git_oid commit;
	char *path;       /* inside the tree, "" for the root */
	git_oid root_tree, path_tree;
	struct source_plan *plan; /* what the engine needs of the tree (repo_source_plan) */
	char *tmp;        /* materialised copy (the repository's root), or NULL */
};
/* Open, fetch and resolve --repo/--revision/--path. GT_EXIT_* (0 ok), printed. */
int repo_source_open(struct render_opts *o, struct repo_source *s);
void repo_source_close(struct repo_source *s);
/* Type of the tree at the source path. */
enum source_type repo_source_detect(struct repo_source *s);
/* Is name acceptable as a file name from a tree (git's checkout rules: no "", ".", "..", "/", .git in any disguise)? Else *why. */
bool tree_name_ok(const char *name, const char **why);
/*
 * What an engine of type needs of the commit: the source path (for a directory source only its
 * manifest files), and what its kustomizations, Chart.yaml dependencies, --values/--set-file and
 * symbolic links name, resolved in the tree; what leads outside the repository is an error.
 * -1 after printing.
 */
int repo_source_plan(struct repo_source *s, const struct render_opts *o, enum source_type type);
/* Does the plan reach outside the source path (then the render depends on the whole tree)? */
bool repo_source_plan_outside(const struct repo_source *s);
void source_plan_free(struct source_plan *p);
/* Write the plan into a new temp dir (the repository's root), checked and bounded; the directory
 * the source path is at in *dir (malloc'd). -1 after printing. */
int repo_source_materialise(struct repo_source *s, const struct render_opts *o, char **dir);

/* ---- links and paths on disk (links.c) ---- */
/* Does rel (below the directory root_fd) lead, following links on disk, to somewhere below it? 1 yes, 0 no, -1 errno. */
int path_stays_below(int root_fd, const char *rel);
/* Every symbolic link below root/dir_rel leads to somewhere below root. -1 after printing. */
int links_check_dir(const char *root, const char *dir_rel);
/* The file path (relative to root/dir_rel; what: the option, for messages) is a path inside root on disk. -1 after printing. */
int path_check_below(const char *root, const char *dir_rel, const char *path, const char *what);
/* Every path the kustomization at root/dir_rel and those it names (on disk) name, resolved on
 * disk, leads below root (a local source's check before kustomize runs; --repo plans in the
 * commit instead). -1 after printing. */
int kustomize_paths_check(const struct render_opts *o, const char *root, const char *dir_rel);
/* The root a local source's links and paths must stay below: in CMP mode the checkout Argo CD
 * made (cwd less ARGOCD_APP_SOURCE_PATH), else the git work tree holding dir, else dir; and dir
 * below it. -1 after printing. */
int source_root_find(const struct render_opts *o, const char *dir, char **root, char **dir_rel);

enum source_type detect_dir(const char *dir);

/* ---- the render cache (cache.c) ---- */
/* A key from these lines; hex into key (41 bytes). */
struct key_b {
	struct gt_strbuf text;
	bool oom;
};
void key_add(struct key_b *k, const char *label, const char *value);
int key_finish(struct key_b *k, char hex[GIT_OID_HEXSZ + 1]);
/* 1 hit with *out and *len, 0 miss, -1 error (printed). */
int cache_get(const char *cache_root, const char *key, size_t max, char **out, size_t *len);
/* Store buf under key, then remove the least recently used outputs until they add up to at most max bytes. */
int cache_put(const char *cache_root, const char *key, const char *buf, size_t len, size_t max);
/* Write path atomically; a failure is only a warning (a cache is an optimisation). */
void cache_put_file(const char *path, const char *buf, size_t len);

/* ---- --application (application.c) ---- */
/* app_apply's answer for an Application with several sources that render (not an exit code). */
#define GT_EXIT_MULTI_SOURCE 100
/* Fill the options the command line left unset from the Application o->application; *dir is set
 * when --path names a local directory. GT_EXIT_*, printed. */
int app_apply(struct render_opts *o, const char **dir);
/* The same with an Application already read (borrowed; it outlives the render). */
int app_apply_parsed(struct render_opts *o, const struct gt_application *app, const char **dir);
/* (url, rev) is commit sha for this run (whole_repo: every revision of url is); -1 after printing. */
int app_pin_add(const char *url, const char *rev, const char *sha, bool whole_repo);
/* The commit pinned for (url, rev), or NULL. */
const char *app_pin_find(const char *url, const char *rev);
void app_pins_clear(void);
/* --applications: each Application rendered by render_one in a child of its own, up to the core
 * count at once, one fetch per repository first; the objects of all, in the order read. GT_EXIT_*. */
int render_applications(struct render_opts *o, int (*render_one)(struct render_opts *o, const struct gt_application *app));
/* The same for Applications already read (borrowed): an app whose spec.sources has several that
 * render is one job per source, their objects together (the last source's wins, as in Argo CD). */
struct gt_app_list;
int render_app_list(struct render_opts *o, const struct gt_app_list *list,
		    int (*render_one)(struct render_opts *o, const struct gt_application *app));
/* How many of the app's sources render. */
size_t app_rendering_sources(const struct gt_application *app);
void app_release(struct render_opts *o);
/* Is path a values file the Application's settings made (trusted, outside the source)? */
bool app_values_trusted(const struct render_opts *o, const char *path);
/* helm.ignoreMissingValueFiles: drop the values files exists() does not find. */
int app_drop_missing_values(struct render_opts *o, bool (*exists)(void *arg, const char *path), void *arg);
/* Apply the Application's kustomize settings to the kustomization in dir (a copy), as kustomize edit. -1 after printing. */
int app_kustomize_edit(const struct render_opts *o, const char *dir);
/* The values files (trusted ones by content) and the Application's settings, into the cache key. */
int app_key_values(const struct render_opts *o, struct key_b *k);

/* ---- Helm repository sources (chartrepo.c) ---- */
/* Fetch o->chart at o->chart_version from o->repo_url into the cache (or tmp_dir with --no-cache),
 * the archive's digest checked against the repository's index.yaml; its path in *archive
 * (malloc'd) and the version resolved in *version (malloc'd). GT_EXIT_* (0 ok), printed. */
int chart_source_fetch(const struct render_opts *o, const char *cache_root, const char *tmp_dir, char **archive,
		       char **version);

/* ---- Argo CD CMP (cmp.c) ---- */
/* Fill options from the plugin environment where the command line left them. -1 after printing. */
int cmp_apply_env(struct render_opts *o);
/* The plugin settings alone (PARAM_*, ARGOCD_ENV_*): for an Application naming this plugin. */
int cmp_apply_settings(struct render_opts *o);

#endif
