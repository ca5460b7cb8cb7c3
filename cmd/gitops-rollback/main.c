/* gitops-rollback: undo the last deploy with a git revert, pushed like any change, and hold it there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "git.h"
#include "redact.h"
#include "stream.h"
#include "yaml.h"

#define HOLD_FILE ".gitops-hold"

struct rollback_opts {
	struct gt_git_opts git;
	const char *repo, *branch, *path_arg, *commit, *to, *reason, *message, *author;
	bool no_hold, release, dry_run;
	unsigned long max_attempts; /* 0: GT_GIT_DEFAULT_MAX_ATTEMPTS */
	enum gt_format format;
};

static struct rollback_opts opts;

static const struct gt_option options[] = {
	GT_OPT_STRING(0, "repo", "URL", &opts.repo,
		      "manifest repo (URL or path to a bare repo; default: origin of the repository here)"),
	GT_OPT_STRING(0, "branch", "BRANCH", &opts.branch, "branch to roll back (default: the remote's default branch)"),
	GT_OPT_STRING(0, "path", "PATH", &opts.path_arg, "the deployed directory or file (default: the whole repository)"),
	GT_OPT_STRING(0, "commit", "SHA", &opts.commit, "revert this commit (default: the newest that changed PATH)"),
	GT_OPT_STRING(0, "to", "SHA", &opts.to, "make PATH what it was at SHA, in one new commit"),
	GT_OPT_STRING(0, "reason", "TEXT", &opts.reason, "why, written into the hold and the commit message"),
	GT_OPT_FLAG(0, "no-hold", &opts.no_hold, "revert without holding PATH"),
	GT_OPT_FLAG(0, "release", &opts.release, "lift the hold on PATH (its own commit)"),
	GT_OPT_STRING('m', "message", "TEXT", &opts.message, "commit message (default: git revert's)"),
	GT_OPT_STRING(0, "author", "NAME <EMAIL>", &opts.author,
		      "commit author (default: GIT_AUTHOR_NAME/EMAIL, else the tool)"),
	GT_OPT_UINT(0, "max-attempts", "N", &opts.max_attempts, 1, 1000,
		    "pushes to try when the branch keeps moving (default 10)"),
	GT_OPT_FLAG(0, "dry-run", &opts.dry_run, "build the commit and report it; push nothing"),
	GT_OPT_CHOICE('o', "output", "FORMAT", &opts.format, gt_formats_all, "(default: text on a terminal, else json)"),
	GT_GIT_OPTIONS(&opts.git),
	GT_OPTIONS_END
};

static const struct gt_command command = {
	.name = "gitops-rollback",
	.synopsis = "[--repo URL] [--branch B] [--path P] [--commit SHA | --to SHA] [--reason TEXT]\n"
		    "                       [--no-hold | --release] [OPTIONS]",
	.summary = "Revert the last change to PATH in the manifest repo (or the commit given, or back to a commit),\n"
		   "push it like any change, and hold PATH so that the next CI bump does not undo the rollback.",
	.options = options,
	.min_args = 0,
	.max_args = 0,
};

static int check_usage(const struct rollback_opts *o)
{
	if (o->commit && o->to)
		return gt_error("--commit and --to exclude each other: revert one commit, or go back to one"), -1;
	if (o->release && (o->commit || o->to || o->no_hold))
		return gt_error("--release only lifts the hold; give it with --path alone"), -1;
	return 0;
}

/* ---- what one attempt commits ---- */

struct rollback {
	struct rollback_opts *o;
	struct gt_ident who;
	char *path;      /* PATH as a tree path, "" for the whole repository */
	char *hold_path; /* PATH/.gitops-hold */
	git_oid target;  /* the commit reverted (or gone back to); fixed at the first attempt */
	bool pinned;
	char target_hex[GIT_OID_HEXSZ + 1];
	char *subject;
	git_oid new_tree;
	char *message;
	char *hold_yaml;
	size_t hold_len;
	struct gt_file_change change;
	bool held, released;
};

/* The last deploy: the newest first-parent commit that changed PATH, a hold file aside. */
static int find_last_change(git_repository *g, const git_oid *tip, const char *path, git_oid *out)
{
	git_revwalk *walk = NULL;
	git_oid id;
	int found = 0;
	if (git_revwalk_new(&walk, g) < 0 || git_revwalk_push(walk, tip) < 0)
		return -1;
	git_revwalk_simplify_first_parent(walk);
	while (!found && git_revwalk_next(&id, walk) == 0) {
		git_commit *c = NULL;
		if (git_commit_lookup(&c, g, &id) < 0)
			break;
		int changed = git_commit_parentcount(c) ? gt_commit_changes_path(g, c, path, HOLD_FILE) : 0;
		git_commit_free(c);
		if (changed < 0)
			break;
		if (changed) {
			git_oid_cpy(out, &id);
			found = 1;
		}
	}
	git_revwalk_free(walk);
	return found;
}

static int pin_target(struct rollback *rb, struct gt_repo *r, const git_oid *tip)
{
	const char *rev = rb->o->commit ? rb->o->commit : rb->o->to;
	if (rev)
		return gt_repo_resolve(r, rev, &rb->target);
	int found = find_last_change(gt_repo_git(r), tip, rb->path, &rb->target);
	if (found <= 0)
		gt_error("%s: no commit changed '%s' on this branch: nothing to roll back", gt_repo_url(r),
			 *rb->path ? rb->path : "/");
	return found > 0 ? 0 : -1;
}

/* git revert in memory: the target's inverse applied to the tip, or the conflicting files. */
static int revert_tree(struct rollback *rb, git_repository *g, git_commit *target, git_commit *tip)
{
	git_index *index = NULL;
	unsigned mainline = git_commit_parentcount(target) > 1 ? 1 : 0;
	if (git_revert_commit(&index, g, target, tip, mainline, NULL) < 0)
		return gt_error("cannot revert %.12s: %s", rb->target_hex, git_error_last()->message), -1;
	if (git_index_has_conflicts(index)) {
		const git_index_entry *anc, *ours, *theirs;
		git_index_conflict_iterator *it = NULL;
		char files[1024] = "";
		git_index_conflict_iterator_new(&it, index);
		while (it && git_index_conflict_next(&anc, &ours, &theirs, it) == 0) {
			const char *p = ours ? ours->path : theirs ? theirs->path : anc->path;
			size_t n = strlen(files);
			snprintf(files + n, sizeof(files) - n, "%s%s", n ? ", " : "", p);
		}
		git_index_conflict_iterator_free(it);
		git_index_free(index);
		gt_error("reverting %.12s conflicts with later changes in: %s; nothing was pushed "
			 "(use --to SHA to go back to a known state)", rb->target_hex, files);
		return GT_PLAN_REFUSE;
	}
	int rc = git_index_write_tree_to(&rb->new_tree, index, g);
	git_index_free(index);
	return rc < 0 ? (gt_error("cannot write the reverted tree"), -1) : 0;
}

/* --to: the tip's tree with PATH as it was at the target (or without it, if it was not there). */
static int back_to_tree(struct rollback *rb, git_repository *g, git_commit *target, git_commit *tip)
{
	git_tree *then = NULL, *now = NULL;
	git_tree_entry *e = NULL;
	int rc = git_commit_tree(&then, target);
	if (rc == 0 && !*rb->path) {
		git_oid_cpy(&rb->new_tree, git_tree_id(then));
		git_tree_free(then);
		return 0;
	}
	if (rc == 0)
		rc = git_commit_tree(&now, tip);
	git_tree_update up;
	memset(&up, 0, sizeof(up));
	up.path = rb->path;
	int found = rc == 0 ? git_tree_entry_bypath(&e, then, rb->path) : rc;
	if (found == 0) {
		up.action = GIT_TREE_UPDATE_UPSERT;
		git_oid_cpy(&up.id, git_tree_entry_id(e));
		up.filemode = git_tree_entry_filemode(e);
	} else {
		up.action = GIT_TREE_UPDATE_REMOVE;
	}
	if (rc == 0)
		rc = git_tree_create_updated(&rb->new_tree, g, now, 1, &up);
	git_tree_entry_free(e);
	git_tree_free(then);
	git_tree_free(now);
	return rc < 0 ? (gt_error("cannot build the tree of %s at %.12s", rb->path, rb->target_hex), -1) : 0;
}

static char *message_new(const struct rollback *rb)
{
	const struct rollback_opts *o = rb->o;
	char *msg = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&msg, &len);
	if (!f)
		return NULL;
	if (o->message)
		fprintf(f, "%s\n", o->message);
	else if (o->to)
		fprintf(f, "Roll back %s to %.12s\n\n\"%s\" is what %s was at %s.\n", *rb->path ? rb->path : "everything",
			rb->target_hex, rb->subject, *rb->path ? rb->path : "the repository", rb->target_hex);
	else
		fprintf(f, "Revert \"%s\"\n\nThis reverts commit %s.\n", rb->subject, rb->target_hex);
	if (o->reason && !o->message)
		fprintf(f, "\nReason: %s\n", o->reason);
	fclose(f);
	return msg;
}

/* The hold: YAML, so people and tools can read why and since when. */
static int hold_new(struct rollback *rb)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	char author[600];
	snprintf(author, sizeof(author), "%s <%s>", rb->who.name, rb->who.email);
	json_t *doc = json_pack("{s:s, s:s, s:s, s:s}", "reason", rb->o->reason ? rb->o->reason : "rolled back",
				"reverted", rb->target_hex, "author", author, "time", when);
	FILE *f = open_memstream(&rb->hold_yaml, &rb->hold_len);
	int rc = doc && f ? 0 : -1;
	if (f) {
		fprintf(f, "# Written by gitops-rollback: gitops-set-image leaves the files below this directory\n"
			   "# alone until 'gitops-rollback --release --path %s' removes this file.\n",
			*rb->path ? rb->path : ".");
		if (rc == 0)
			rc = gt_yaml_emit(f, doc);
		fclose(f);
	}
	json_decref(doc);
	return rc < 0 ? (gt_error("out of memory"), -1) : 0;
}

static void reset_attempt(struct rollback *rb)
{
	free(rb->message);
	free(rb->hold_yaml);
	rb->message = rb->hold_yaml = NULL;
	rb->hold_len = 0;
}

static int plan_release(struct rollback *rb, struct gt_repo *r, const git_oid *tip, struct gt_plan *plan)
{
	if (!gt_repo_path_exists(r, tip, rb->hold_path))
		return 0; /* nothing held: nothing to do */
	char buf[512];
	snprintf(buf, sizeof(buf), "Release the hold on %s\n", *rb->path ? rb->path : "the repository");
	if (!(rb->message = strdup(buf)))
		return gt_error("out of memory"), -1;
	rb->change = (struct gt_file_change){ rb->hold_path, NULL, 0 };
	rb->released = true;
	plan->changes = &rb->change;
	plan->n_changes = 1;
	plan->message = rb->message;
	return 1;
}

static int plan_rollback(struct gt_repo *r, const git_oid *tip, void *ctx, struct gt_plan *plan)
{
	struct rollback *rb = ctx;
	git_repository *g = gt_repo_git(r);
	git_commit *target = NULL, *head = NULL;
	reset_attempt(rb);
	if (rb->o->release)
		return plan_release(rb, r, tip, plan);
	/* A racing CI bump must not become the thing reverted: the target is chosen once. */
	if (!rb->pinned && pin_target(rb, r, tip) < 0)
		return -1;
	rb->pinned = true;
	git_oid_tostr(rb->target_hex, sizeof(rb->target_hex), &rb->target);
	if (git_commit_lookup(&target, g, &rb->target) < 0 || git_commit_lookup(&head, g, tip) < 0) {
		git_commit_free(target);
		return gt_error("%.12s: no such commit on this branch", rb->target_hex), -1;
	}
	free(rb->subject);
	rb->subject = strdup(git_commit_summary(target) ? git_commit_summary(target) : "");
	int st = rb->o->to ? back_to_tree(rb, g, target, head) : revert_tree(rb, g, target, head);
	git_commit_free(target);
	git_commit_free(head);
	if (st != 0)
		return st;
	rb->held = !rb->o->no_hold;
	if ((rb->held && hold_new(rb) < 0) || !(rb->message = message_new(rb)) || !rb->subject)
		return -1;
	rb->change = (struct gt_file_change){ rb->hold_path, rb->hold_yaml, rb->hold_len };
	plan->base_tree = &rb->new_tree;
	plan->changes = rb->held ? &rb->change : NULL;
	plan->n_changes = rb->held ? 1 : 0;
	plan->message = rb->message;
	return 1;
}

/* ---- output ---- */

static const char *status_of(const struct gt_update_result *res, const struct rollback_opts *o)
{
	return !res->commit[0] ? "unchanged" : o->dry_run ? "dry-run" : "pushed";
}

static int print_record(const struct rollback *rb, const struct gt_update_result *res, const char *url)
{
	const struct rollback_opts *o = rb->o;
	if (o->format == GT_FORMAT_TEXT) {
		if (!res->commit[0])
			printf("%s: nothing to do\n", o->release ? "no hold to release" : "unchanged");
		else if (o->release)
			printf("%s %.12s to %s %s: released the hold on %s\n", status_of(res, o), res->commit, url,
			       res->branch, *rb->path ? rb->path : "/");
		else
			printf("%s %.12s to %s %s: %s %.12s (\"%s\")%s%s\n", status_of(res, o), res->commit, url,
			       res->branch, o->to ? "rolled back to" : "reverted", rb->target_hex, rb->subject,
			       rb->held ? ", holding " : "", rb->held ? rb->hold_path : "");
		return 0;
	}
	json_t *rec = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s, s:s?, s:s?, s:s?, s:b, s:i, s:b, s:s}",
				"apiVersion", "gitops/v1", "kind", "Commit", "repo", url, "branch", res->branch,
				"commit", res->commit[0] ? res->commit : NULL, "parent",
				res->parent[0] ? res->parent : NULL, "file", rb->path, "reverted",
				!o->release && !o->to && rb->pinned ? rb->target_hex : NULL, "to",
				o->to && rb->pinned ? rb->target_hex : NULL, "hold",
				rb->held && res->commit[0] ? rb->hold_path : NULL, "released", rb->released,
				"attempts", (json_int_t)res->attempts, "pushed", res->pushed, "status", status_of(res, o));
	struct gt_writer *w = gt_writer_new(stdout, o->format);
	int r = rec && w && gt_writer_put(w, rec) == 0 ? 0 : -1;
	json_decref(rec);
	return gt_writer_close(w) < 0 ? -1 : r;
}

static int run(struct rollback_opts *o, struct rollback *rb)
{
	struct gt_update_result res;
	char *origin = o->repo ? NULL : gt_local_origin_url(".");
	o->git.url = o->repo ? o->repo : origin;
	if (!o->git.url || gt_git_credentials_finish(&o->git) < 0) {
		free(origin);
		return GT_EXIT_USAGE;
	}
	char *url = gt_url_redact(o->git.url);
	struct gt_repo *r = gt_repo_open(&o->git);
	int st = GT_EXIT_REMOTE;
	if (r) {
		struct gt_update_opts uo = { o->branch, rb->who, (unsigned)o->max_attempts, o->dry_run };
		st = gt_repo_update(r, &uo, plan_rollback, rb, &res);
		gt_repo_close(r);
	}
	if (st == GT_EXIT_OK && print_record(rb, &res, url ? url : "") < 0)
		st = GT_EXIT_INPUT;
	free(url);
	free(origin);
	return st;
}

static int rollback_init(struct rollback *rb, struct rollback_opts *o, char **who_owned)
{
	memset(rb, 0, sizeof(*rb));
	rb->o = o;
	if (gt_ident_resolve(o->author, &rb->who, who_owned) < 0)
		return -1;
	rb->path = gt_tree_path_dup(o->path_arg);
	size_t n = rb->path ? strlen(rb->path) : 0;
	rb->hold_path = rb->path ? malloc(n + sizeof(HOLD_FILE) + 1) : NULL;
	if (!rb->hold_path)
		return gt_error("out of memory"), -1;
	snprintf(rb->hold_path, n + sizeof(HOLD_FILE) + 1, "%s%s%s", rb->path, n ? "/" : "", HOLD_FILE);
	return 0;
}

static void rollback_clear(struct rollback *rb)
{
	reset_attempt(rb);
	free(rb->path);
	free(rb->hold_path);
	free(rb->subject);
}

int main(int argc, char **argv)
{
	struct rollback_opts *o = &opts;
	struct rollback rb;
	char *who_owned = NULL;
	int first;
	o->format = gt_default_format(stdout);
	int st = gt_parse(&command, argc, argv, &first);
	memset(&rb, 0, sizeof(rb));
	if (st == 0 && (check_usage(o) < 0 || rollback_init(&rb, o, &who_owned) < 0))
		st = -1;
	if (st == 0)
		st = run(o, &rb);
	else
		st = st < 0 ? GT_EXIT_USAGE : GT_EXIT_OK;
	rollback_clear(&rb);
	free(who_owned);
	gt_git_opts_clear(&o->git);
	return st;
}
