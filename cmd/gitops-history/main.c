/* gitops-history: who deployed what, when: the commits that changed a path, with values at each. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "git.h"
#include "record.h"
#include "redact.h"
#include "stream.h"
#include "yaml.h"
#include "yamledit.h"

struct history_opts {
	struct gt_git_opts git;
	const char *repo, *branch, *path, *file;
	struct gt_strvec keys;
	unsigned long max_count; /* 0: all */
	enum gt_format format;
	struct gt_limits lim;
};

static struct history_opts opts = { .lim = GT_LIMITS_DEFAULT };

static const struct gt_option options[] = {
	GT_OPT_STRING(0, "repo", "URL", &opts.repo,
		      "manifest repo (URL or path to a bare repo; default: the repository here)"),
	GT_OPT_STRING(0, "branch", "BRANCH", &opts.branch,
		      "branch to read (default: the remote's default branch, or HEAD here)"),
	GT_OPT_STRING(0, "path", "PATH", &opts.path, "only commits that changed PATH (a directory or file; default: all)"),
	GT_OPT_STRING('f', "file", "FILE", &opts.file, "the YAML file whose --key values to show (implies --path FILE)"),
	GT_OPT_LIST('k', "key", "KEY", &opts.keys, NULL, "a key path in FILE (image.tag, apps.web.image.tag); repeatable"),
	GT_OPT_UINT('n', "max-count", "N", &opts.max_count, 0, 1000000000, "show at most N commits (default: all)"),
	GT_OPT_CHOICE('o', "output", "FORMAT", &opts.format, gt_formats_all, "(default: text on a terminal, else json)"),
	GT_GIT_OPTIONS(&opts.git),
	GT_LIMIT_OPTIONS(&opts.lim),
	GT_OPTIONS_END
};

static const struct gt_command command = {
	.name = "gitops-history",
	.synopsis = "[--repo URL] [--branch B] [--path P] [--file F --key K ...] [-n N] [-o FORMAT]",
	.summary = "List the commits that changed a path of the manifest repo, newest first: who deployed what,\n"
		   "when, and the value of each --key in --file at that commit and before it.",
	.options = options,
	.min_args = 0,
	.max_args = 0,
};

/* ---- values of --key at a commit ---- */

struct key_values {
	struct gt_keypath **paths; /* parsed --key, one each */
	size_t n;
};

/* FILE at commit as JSON (its first document), or NULL when it does not exist there or is not YAML. */
static json_t *read_document(struct gt_repo *r, const git_oid *commit, const struct history_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	json_t *doc = NULL;
	unsigned long line;
	if (gt_repo_read_file(r, commit, o->file, &buf, &len) != 0)
		return NULL;
	struct gt_yaml_reader *y = gt_yaml_reader_new_string(buf, len, o->file, &o->lim);
	if (y && gt_yaml_next(y, &doc, &line) <= 0)
		doc = NULL;
	gt_yaml_reader_free(y);
	free(buf);
	return doc;
}

/* {key: value at commit} for every --key; null where the key or file is missing. */
static json_t *values_at(struct gt_repo *r, const git_oid *commit, const struct history_opts *o,
			 const struct key_values *kv)
{
	json_t *doc = commit ? read_document(r, commit, o) : NULL, *out = json_object();
	for (size_t i = 0; i < kv->n; i++) {
		json_t *v = doc ? gt_keypath_lookup(kv->paths[i], doc) : NULL;
		json_object_set(out, o->keys.v[i], v ? v : json_null());
	}
	json_decref(doc);
	return out;
}

/* ---- records ---- */

static void format_time(git_time_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *revision_new(struct gt_repo *r, const git_commit *c, const struct history_opts *o,
			    const struct key_values *kv)
{
	char id[GIT_OID_HEXSZ + 1], parent[GIT_OID_HEXSZ + 1] = "", when[32], author[600];
	const git_signature *a = git_commit_author(c);
	git_oid_tostr(id, sizeof(id), git_commit_id(c));
	if (git_commit_parentcount(c) > 0)
		git_oid_tostr(parent, sizeof(parent), git_commit_parent_id(c, 0));
	format_time(git_commit_time(c), when, sizeof(when));
	snprintf(author, sizeof(author), "%s <%s>", a->name, a->email);
	struct gt_revision rev = { .commit = id, .parent = parent, .author = author, .time = when,
				   .message = git_commit_summary((git_commit *)c) };
	if (kv->n) {
		rev.file = o->file;
		rev.values = values_at(r, git_commit_id(c), o, kv);
		rev.previous = values_at(r, git_commit_parentcount(c) ? git_commit_parent_id(c, 0) : NULL, o, kv);
	}
	json_t *rec = gt_revision_record_new(&rev);
	json_decref(rev.values);
	json_decref(rev.previous);
	return rec;
}

/* A value as a table cell: strings bare, missing as "-", anything else as JSON. Caller frees. */
static char *cell_dup(const json_t *v)
{
	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (!v || json_is_null(v))
		return strdup("-");
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* A table like `argocd app history`: one line per revision. */
static void print_text_row(const json_t *rec, const struct history_opts *o, bool first)
{
	if (first) {
		printf("%-20s  %-7s  %-24s", "DATE", "COMMIT", "AUTHOR");
		for (size_t i = 0; i < o->keys.n; i++)
			printf("  %-16s", o->keys.v[i]);
		printf("  MESSAGE\n");
	}
	char date[32];
	const char *t = json_string_value(json_object_get(rec, "time"));
	snprintf(date, sizeof(date), "%.10s %.8s", t, t + 11);
	const char *author = json_string_value(json_object_get(rec, "author"));
	int name_len = (int)strcspn(author, "<");
	printf("%-20s  %.7s  %-24.*s", date, json_string_value(json_object_get(rec, "commit")),
	       name_len > 0 ? name_len - 1 : 0, author);
	for (size_t i = 0; i < o->keys.n; i++) {
		char *cell = cell_dup(json_object_get(json_object_get(rec, "values"), o->keys.v[i]));
		printf("  %-16s", cell ? cell : "?");
		free(cell);
	}
	printf("  %s\n", json_string_value(json_object_get(rec, "message")));
}

/* ---- the walk ---- */

/* The walk's state: where records go and how many were shown. */
struct show {
	const struct history_opts *o;
	const struct key_values *kv;
	struct gt_repo *r;
	struct gt_writer *w;
	unsigned long shown;
};

/* One commit that changed the path: its record. 0 to go on, 1 when --max-count is reached, -1. */
static int show_commit(void *ctx, const git_commit *c)
{
	struct show *sh = ctx;
	json_t *rec = revision_new(sh->r, c, sh->o, sh->kv);
	int ret = 0;
	if (sh->o->format == GT_FORMAT_TEXT)
		print_text_row(rec, sh->o, sh->shown == 0);
	else if (gt_writer_put(sh->w, rec) < 0)
		ret = -1;
	json_decref(rec);
	sh->shown++;
	return ret < 0 ? -1 : sh->o->max_count && sh->shown >= sh->o->max_count ? 1 : 0;
}

/* The branch's own line of deploys, first parents from the tip (merged side branches count as one change). */
static int walk_history(struct gt_repo *r, const git_oid *tip, const char *path, const struct history_opts *o,
			const struct key_values *kv)
{
	struct show sh = { .o = o, .kv = kv, .r = r, .w = o->format == GT_FORMAT_TEXT ? NULL : gt_writer_new(stdout, o->format) };
	git_oid bad;
	/*
	 * Each tree is read once per walk (gt_path_walk), so libgit2's object cache would only keep
	 * every tree of the history alive: most of the memory of a long walk.
	 */
	git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, (size_t)0);
	int ret = gt_repo_path_log(r, tip, path, NULL, show_commit, &sh, &bad);
	if (ret == GT_LOG_NO_COMMIT)
		gt_error("%s: cannot read commit %.12s: %s", gt_repo_url(r), git_oid_tostr_s(tip), git_error_last()->message);
	else if (ret == GT_LOG_UNREADABLE) /* a missing or damaged object */
		gt_error("%s: cannot read the history at %.12s: %s", gt_repo_url(r), git_oid_tostr_s(&bad),
			 git_error_last() ? git_error_last()->message : "unknown error");
	if (gt_writer_close(sh.w) < 0)
		ret = -1;
	return ret < 0 ? -1 : 0;
}

static struct gt_repo *open_repo(struct history_opts *o)
{
	if (!o->repo)
		return gt_repo_open_local(".");
	struct gt_repo *r = gt_repo_open(&o->git);
	if (r && gt_repo_fetch(r) < 0) {
		gt_repo_close(r);
		return NULL;
	}
	return r;
}

static int parse_keys(const struct history_opts *o, struct key_values *kv)
{
	kv->paths = calloc(o->keys.n ? o->keys.n : 1, sizeof(*kv->paths));
	if (!kv->paths)
		return gt_error("out of memory"), -1;
	for (; kv->n < o->keys.n; kv->n++) {
		const char *why;
		if (!(kv->paths[kv->n] = gt_keypath_parse(o->keys.v[kv->n], &why)))
			return gt_error("--key %s: %s", o->keys.v[kv->n], why), -1;
	}
	return 0;
}

static void key_values_free(struct key_values *kv)
{
	for (size_t i = 0; i < kv->n; i++)
		gt_keypath_free(kv->paths[i]);
	free(kv->paths);
}

static int run(struct history_opts *o)
{
	struct key_values kv = { 0 };
	char *path = gt_tree_path_dup(o->file ? o->file : o->path ? o->path : "");
	struct gt_repo *r = NULL;
	git_oid tip;
	int st = GT_EXIT_INPUT;
	if (!path || parse_keys(o, &kv) < 0)
		goto out;
	/* A URL with a password in it is bad input (exit 2, as set-image and rollback), not a remote failure. */
	o->git.url = o->repo;
	if (o->repo && gt_git_credentials_finish(&o->git) < 0) {
		st = GT_EXIT_USAGE;
		goto out;
	}
	if (!(r = open_repo(o))) {
		st = o->repo ? GT_EXIT_REMOTE : GT_EXIT_INPUT;
		goto out;
	}
	const char *branch = o->branch ? o->branch : o->repo ? gt_repo_default_branch_or_say(r) : "HEAD";
	if (!branch || gt_repo_resolve(r, branch, &tip) < 0)
		goto out;
	st = walk_history(r, &tip, path, o, &kv) < 0 ? GT_EXIT_INPUT : GT_EXIT_OK;
out:
	gt_repo_close(r);
	key_values_free(&kv);
	free(path);
	return st;
}

int main(int argc, char **argv)
{
	struct history_opts *o = &opts;
	int first;
	o->format = gt_default_format(stdout);
	int st = gt_parse(&command, argc, argv, &first);
	if (st == 0 && o->keys.n && !o->file) {
		gt_error("--key needs --file: the YAML file to read the keys from");
		st = -1;
	}
	if (st == 0)
		st = run(o);
	else
		st = st < 0 ? GT_EXIT_USAGE : GT_EXIT_OK;
	gt_strvec_release(&o->keys);
	gt_git_opts_clear(&o->git);
	return st;
}
