/* git: libgit2 underneath the tools: a cached bare clone per remote, files read
 * at a revision without a checkout, commits built from in-memory edits, and
 * pushes that retry when the branch moved. */
#ifndef GT_GIT_H
#define GT_GIT_H

#include <git2.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "file.h"
#include "ident.h"
#include "proc.h" /* gt_interrupted */

#define GT_GIT_DEFAULT_TIMEOUT 60      /* seconds per network step (libgit2 1.5 has none) */
#define GT_GIT_DEFAULT_UPDATE_TIMEOUT 300 /* seconds for a whole update, retries on a busy branch included */
#define GT_GIT_DEFAULT_USER "gitops"   /* sent with the token when no user name is given (Azure takes any) */
/* What a server may send: its ref advertisement (100,000 refs are ~6 MiB), and a fetch's pack. */
#define GT_GIT_DEFAULT_MAX_REFS ((size_t)64 << 20)
#define GT_GIT_DEFAULT_MAX_FETCH ((size_t)2 << 30)

/* How to reach a remote. Strings are borrowed. */
struct gt_git_opts {
	const char *url;       /* https://, http://, file:// or a path; never with credentials */
	const char *cache_dir; /* NULL: $XDG_CACHE_HOME/gitops-tools, else ~/.cache/gitops-tools */
	const char *username;  /* NULL: the URL's user, else GT_GIT_DEFAULT_USER (any name works with an Azure DevOps PAT) */
	const char *password;  /* the token, or NULL; never printed, never written */
	const char *ca_file;   /* PEM bundle to trust instead of the system's */
	bool insecure;         /* --insecure-skip-tls-verify */
	unsigned timeout;      /* seconds per network step; 0: GT_GIT_DEFAULT_TIMEOUT */
	size_t max_refs_bytes;  /* --max-refs-size; 0: GT_GIT_DEFAULT_MAX_REFS */
	size_t max_fetch_bytes; /* --max-fetch-size; 0: GT_GIT_DEFAULT_MAX_FETCH */
};

/* The option table entries every git-facing tool shares, bound to *git: put GT_GIT_OPTIONS(&o.git) in its table. */
#define GT_GIT_OPTIONS(git)                                                                                \
	GT_OPT_STRING_EMPTY_UNSET(0, "username", "USER", &(git)->username,                                \
				  "git user name sent with the token (default GITOPS_GIT_USERNAME, else the URL's, else gitops)"), \
	GT_OPT_STRING(0, "cache-dir", "DIR", &(git)->cache_dir, "where cached clones live (default $XDG_CACHE_HOME/gitops-tools)"), \
	GT_OPT_CALLBACK(0, "password-file", "FILE", (git), gt_git_token_option,                           \
			"read the git token from FILE (else GITOPS_GIT_TOKEN, SYSTEM_ACCESSTOKEN)"),       \
	GT_OPT_CALLBACK(0, "password-stdin", NULL, (git), gt_git_token_option, "read the git token from standard input"), \
	GT_OPT_SECONDS(0, "timeout", &(git)->timeout, GT_SECONDS(1), GT_MAX_DURATION,                    \
		       "limit for each network step or engine run (default 60s); set-image, rollback: the "  \
		       "whole update, retries included (default 5m)"),                                      \
	GT_OPT_SIZE(0, "max-refs-size", &(git)->max_refs_bytes, SIZE_MAX,                                   \
		    "largest ref advertisement (or push reply) a server may send (default 64M)"),          \
	GT_OPT_SIZE(0, "max-fetch-size", &(git)->max_fetch_bytes, SIZE_MAX, "most a fetch may receive (default 2G)"), \
	GT_OPT_STRING_CHECKED(0, "ca-file", "FILE", &(git)->ca_file, gt_check_readable,                     \
			      "trust the certificates in FILE for https remotes"),                          \
	GT_OPT_FLAG(0, "insecure-skip-tls-verify", &(git)->insecure, "do not verify the server's certificate (testing only)")

/* The callback of --password-file FILE and --password-stdin (value NULL): read the token into
 * opt->target's password, once. gt_git_opts_clear wipes and frees it. */
int gt_git_token_option(const struct gt_option *opt, const char *flag, const char *value);

/*
 * Fill o->username and o->password from the environment (GITOPS_GIT_USERNAME,
 * GITOPS_GIT_TOKEN, else SYSTEM_ACCESSTOKEN) unless --username, a file or stdin gave them.
 * Refuses (-1, printed) a URL with a password or a token as its user name, saying how to pass it.
 */
int gt_git_credentials_finish(struct gt_git_opts *o);

/* Free what gt_git_token_option allocated (the token read from a file or stdin). */
void gt_git_opts_clear(struct gt_git_opts *o);

/* The cache root: o->cache_dir, else $XDG_CACHE_HOME/gitops-tools, else ~/.cache/gitops-tools. Caller frees. */
char *gt_git_cache_root_dup(const struct gt_git_opts *o);

/* An open cached bare clone, locked for this process until closed. */
struct gt_repo;

/* Open (creating when new) the cache for o->url; NULL after printing why. */
struct gt_repo *gt_repo_open(const struct gt_git_opts *o);
void gt_repo_close(struct gt_repo *r);
git_repository *gt_repo_git(struct gt_repo *r);

/* Fetch every branch and tag. 0, or -1 after printing (the exit code is GT_EXIT_REMOTE). */
int gt_repo_fetch(struct gt_repo *r);

/*
 * The remote's default branch as learnt by the last fetch (e.g. "main"; borrowed), or NULL
 * after saying why there is none: the remote's HEAD names a branch that does not exist (which
 * one when the repo is a local path; the branches there are), or it has no branches. Call
 * after gt_repo_fetch.
 */
const char *gt_repo_default_branch_or_say(const struct gt_repo *r);

/* The fetched tip of branch (refs/remotes/origin/BRANCH). 0, or -1 after printing. */
int gt_repo_branch_tip(struct gt_repo *r, const char *branch, git_oid *out);

/*
 * Read path at commit. 0 with *buf (malloc'd, NUL-terminated) and *len; 1 when
 * the path does not exist there (nothing printed); -1 after printing.
 */
int gt_repo_read_file(struct gt_repo *r, const git_oid *commit, const char *path, char **buf, size_t *len);

/* True when path exists (file or directory) in commit's tree. */
bool gt_repo_path_exists(struct gt_repo *r, const git_oid *commit, const char *path);
/* True when path is a file (not a directory) in commit's tree. */
bool gt_repo_path_is_file(struct gt_repo *r, const git_oid *commit, const char *path);

/*
 * The repository holding dir (a working clone, for tools run inside the
 * manifest repo): read in place, never fetched. NULL after printing.
 */
struct gt_repo *gt_repo_open_local(const char *dir);
/* The URL of remote "origin" of the repository holding dir, malloc'd; NULL after printing. */
char *gt_local_origin_url(const char *dir);

/*
 * A revision to a commit: a branch (the fetched remote one for a cache), a tag,
 * HEAD, a full or short SHA. 0, or -1 after printing.
 */
int gt_repo_resolve(struct gt_repo *r, const char *rev, git_oid *out);

/* ---- a path's history (common/gitlog.c) ---- */

/* Do trees a and b differ at path ("" the whole tree), files named ignore_name (NULL: none) aside? 1, 0, -1 on error. */
int gt_tree_changes_path(git_repository *g, const git_oid *a, const git_oid *b, const char *path, const char *ignore_name);

/*
 * Did commit c change path ("" the whole tree, files named ignore_name aside) against its first
 * parent? Asked for commit after commit of a first-parent walk, gt_path_walk_changed reuses the
 * previous step's ids along path when c is its first parent and reads only the trees of the levels
 * that changed. Any commit order is correct, only slower. 1 yes, 0 no, -1 on error.
 * gt_path_walk_new: NULL when out of memory.
 */
struct gt_path_walk;
struct gt_path_walk *gt_path_walk_new(git_repository *g, const char *path, const char *ignore_name);
int gt_path_walk_changed(struct gt_path_walk *w, const git_commit *c);
void gt_path_walk_free(struct gt_path_walk *w);

/* Called by gt_repo_path_log for each commit that changed the path: 0 to go on, 1 to stop, -1 to stop (printed). */
typedef int (*gt_path_log_fn)(void *ctx, const git_commit *c);
#define GT_LOG_NO_COMMIT (-2)  /* gt_repo_path_log: `from` cannot be read */
#define GT_LOG_UNREADABLE (-3) /* gt_repo_path_log: a commit's trees cannot be compared (missing or damaged) */

/*
 * The branch's own line of changes to path: first parents from `from` (a merged side branch counts as
 * its merge), newest first; fn for each commit that changed path ("" the whole tree; files named
 * ignore_name, NULL none, aside) until fn stops it or the history ends (a commit whose parent is
 * missing, the edge of a shallow clone, ends it before that commit). 0; -1 after printing (fn's
 * error, no memory); GT_LOG_NO_COMMIT or GT_LOG_UNREADABLE with nothing printed: *bad (may be NULL)
 * the commit, git_error_last() why.
 */
int gt_repo_path_log(struct gt_repo *r, const git_oid *from, const char *path, const char *ignore_name,
		     gt_path_log_fn fn, void *ctx, git_oid *bad);

/* The first line of commit id's message in *out (malloc'd; NULL when out of memory). 0, or -1 when there is no
 * such commit (nothing printed). */
int gt_repo_commit_summary(struct gt_repo *r, const git_oid *id, char **out);

/*
 * Deploys: a deploy of path is a first-parent commit that changed it (files named ignore_name, the
 * hold, aside). A rollback commit is not one: it names the deploy it made live in a GT_TRAILER_LIVE
 * trailer, and the deploys between are undone; a revert made with git ("This reverts commit X.") or
 * a rollback of one commit (GT_TRAILER_REVERTED X) undoes X. So "roll back" is always one deploy
 * further back, and never a revert of the revert.
 */
#define GT_TRAILER_LIVE "Gitops-Live: "
#define GT_TRAILER_REVERTED "Gitops-Reverted: "
struct gt_deploys {
	git_oid found[2];      /* found[0]: the deploy live at `from`; found[1]: the one before it */
	size_t n;              /* how many of them were found (0-2) */
	const git_oid *target; /* set by the caller (may be NULL): a commit to place among the deploys */
	bool target_found;     /* target is found[target_at] (target_at counts further back than 2) */
	size_t target_at;
	bool target_undone;    /* target was undone already, by undone_by */
	git_oid undone_by;
};
/* The live deploy of path at from, the one before it, and where d->target stands. 0, or -1 after printing. */
int gt_repo_deploys(struct gt_repo *r, const git_oid *from, const char *path, const char *ignore_name,
		    struct gt_deploys *d);

/* One file a commit changed: its blob ids before and after (hex; NULL when added / deleted). 0 to go on, -1 to stop (printed). */
typedef int (*gt_file_diff_fn)(void *ctx, const char *path, const char *old_id, const char *new_id);
/* fn for each file commit (hex id) changed against its first parent, in path order. 0, or -1 after printing. */
int gt_repo_commit_files(struct gt_repo *r, const char *commit, gt_file_diff_fn fn, void *ctx);

/* PATH as a tree path: "./a/b/" is "a/b", "." and NULL are "" (the whole tree). Caller frees. */
char *gt_tree_path_dup(const char *path);

/* The URL as shown in messages and records (no credentials). */
const char *gt_repo_url(const struct gt_repo *r);

/* One file of a commit to build: new content, or NULL data to delete it. */
struct gt_file_change {
	const char *path;
	const char *data;
	size_t len;
};


/*
 * What one attempt wants to commit on top of tip. The callback fills plan
 * (changes and message, owned by ctx) and returns 1 to commit, 0 when nothing
 * needs to change, GT_PLAN_REFUSE to stop with exit 1 (already printed), -1 on
 * error (printed). It runs again on the new tip when the branch moved.
 */
#define GT_PLAN_REFUSE 2
struct gt_plan {
	struct gt_file_change *changes;
	size_t n_changes;
	const char *message;
	const git_oid *base_tree; /* NULL: the tip's tree; else changes apply to this tree (a revert) */
};
typedef int (*gt_plan_fn)(struct gt_repo *r, const git_oid *tip, void *ctx, struct gt_plan *plan);

struct gt_update_opts {
	const char *branch;       /* NULL: the remote's default branch */
	struct gt_ident author;
	struct gt_ident committer;  /* name NULL: the author */
	unsigned max_attempts;    /* 0: no limit but the deadline */
	bool dry_run;             /* build the commit, do not push */
	unsigned timeout;         /* seconds for the whole update, retries included; 0: GT_GIT_DEFAULT_UPDATE_TIMEOUT */
};

struct gt_update_result {
	char branch[256];
	char commit[GIT_OID_HEXSZ + 1]; /* "" when nothing was committed */
	char parent[GIT_OID_HEXSZ + 1];
	unsigned attempts;
	bool pushed;
};

/*
 * fetch, plan on the branch tip, commit without a working tree, push; when the
 * push is rejected because the branch moved, fetch and plan again, with
 * jittered exponential backoff, until o->timeout has passed (every network step
 * bounded by what is left) or max_attempts (when not 0). Returns a GT_EXIT_* code
 * (0 done or no-op, 1 refused, 2 bad input, 3 remote failure), messages printed.
 */
int gt_repo_update(struct gt_repo *r, const struct gt_update_opts *o, gt_plan_fn plan, void *ctx,
		   struct gt_update_result *res);

/*
 * Ctrl-C and SIGTERM during an update (gitops-set-image, gitops-rollback): gt_interrupt_catch
 * before opening the repository makes them stop the run at the next safe point instead of killing
 * it, a push on the wire being let finish (bounded by --timeout), so that the outcome is known.
 * gt_interrupted (common/proc): the signal caught, or 0. gt_interrupt_finish (after closing the repository and
 * printing the Commit record when res->pushed): when a signal was caught, says on stderr what
 * state the remote is in ("interrupted before push: nothing was pushed" or "interrupted after
 * push: COMMIT is on BRANCH") and dies of that signal; else returns.
 */
void gt_interrupt_catch(void);
void gt_interrupt_finish(const struct gt_update_result *res);
/* Back to the default action for a run that touches no remote (a file on disk): a signal caught so far kills now. */
void gt_interrupt_release(void);

/*
 * Test access as `argocd repo add` does: list o->url's refs (ls-remote) with
 * o's credentials, CA file and timeout, through no cache. 0 with
 * *default_branch (malloc'd; NULL when the remote has no HEAD branch, e.g. an
 * empty repository) and *head (HEAD's commit; zero when there is none); -1
 * after printing one line: authentication failed, not found, TLS, timeout.
 */
int gt_git_ls_remote(const struct gt_git_opts *o, char **default_branch, git_oid *head);

/* ---- new trees from commits (common/gittree.c) ---- */

/*
 * git revert in memory: tip's tree with commit target undone (mainline 1 for a merge), in *out. 0; 1
 * when it conflicts with later changes, files (size bytes) then naming the conflicting paths, comma
 * separated; -1 after printing (label names target in the message, e.g. its short hash).
 */
int gt_repo_revert_tree(struct gt_repo *r, const git_oid *target, const git_oid *tip, const char *label, git_oid *out,
			char *files, size_t size);

/* git checkout TARGET -- PATH in memory: tip's tree with path as it was at commit target (removed where
 * target did not have it; "" is target's whole tree), in *out. 0, or -1 after printing (label names target). */
int gt_repo_path_as_at(struct gt_repo *r, const git_oid *target, const git_oid *tip, const char *path, const char *label,
		       git_oid *out);

/* Does commit's tree differ from tree at path, files named ignore_name aside? 1, 0, -1 on error (git_error_last). */
int gt_repo_tree_differs(struct gt_repo *r, const git_oid *commit, const git_oid *tree, const char *path,
			 const char *ignore_name);

/*
 * The directories of commit's tree nearest to path, which it lacks: a case mismatch first, then by edit
 * distance (at most a third of path's length, at least 2), only the equally nearest, into out. How many
 * (0: none near, or the tree could not be read). For "no such path; did you mean charts/my-app?".
 */
#define GT_NEAREST_MAX 3
#define GT_NEAREST_PATH_MAX 257
size_t gt_tree_nearest_dirs(git_repository *g, const git_oid *commit, const char *path,
			    char out[GT_NEAREST_MAX][GT_NEAREST_PATH_MAX]);

#endif
