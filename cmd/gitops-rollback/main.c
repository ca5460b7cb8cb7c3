/* gitops-rollback: undo the last deploy with a git revert, pushed like any change, and hold it there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "git.h"
#include "hold.h"
#include "record.h"
#include "redact.h"
#include "stream.h"
#include "vec.h"

struct rollback_opts {
	struct gt_git_opts git;
	const char *repo, *branch, *path_arg, *commit, *to, *reason, *message, *author;
	bool no_hold, release, dry_run;
	unsigned long max_attempts; /* 0: no limit but --timeout */
	enum gt_format format;
};

static struct rollback_opts opts;

static const struct gt_option options[] = {
	GT_OPT_STRING(0, "repo", "URL", &opts.repo,
		      "manifest repo (URL or path to a bare repo; default: origin of the repository here)"),
	GT_OPT_STRING(0, "branch", "BRANCH", &opts.branch, "branch to roll back (default: the remote's default branch)"),
	GT_OPT_STRING(0, "path", "PATH", &opts.path_arg, "the deployed directory or file (default: the whole repository)"),
	GT_OPT_STRING(0, "commit", "SHA", &opts.commit, "revert this commit (default: the live deploy of PATH); done already: nothing to do"),
	GT_OPT_STRING(0, "to", "SHA", &opts.to, "make PATH what it was at SHA, in one new commit"),
	GT_OPT_STRING(0, "reason", "TEXT", &opts.reason, "why, written into the hold and the commit message"),
	GT_OPT_FLAG(0, "no-hold", &opts.no_hold, "revert without holding PATH"),
	GT_OPT_FLAG(0, "release", &opts.release, "lift the hold on PATH (its own commit)"),
	GT_OPT_STRING('m', "message", "TEXT", &opts.message, "commit message (default: git revert's)"),
	GT_OPT_STRING(0, "author", "NAME <EMAIL>", &opts.author,
		      "commit and hold author (default: your git identity, else the CI's, else the tool)"),
	GT_OPT_UINT(0, "max-attempts", "N", &opts.max_attempts, 1, 1000,
		    "stop after N pushes when the branch keeps moving (default: until --timeout)"),
	GT_OPT_FLAG(0, "dry-run", &opts.dry_run, "build the commit and report it; push nothing"),
	GT_OPT_CHOICE('o', "output", "FORMAT", &opts.format, gt_formats_all, "(default: text on a terminal, else json)"),
	GT_GIT_OPTIONS(&opts.git),
	GT_OPTIONS_END
};

static const struct gt_command command = {
	.name = "gitops-rollback",
	.synopsis = "[--repo URL] [--branch B] [--path P] [--commit SHA | --to SHA] [--reason TEXT]\n"
		    "                       [--no-hold | --release] [OPTIONS]",
	.summary = "Revert the live deploy of PATH in the manifest repo (or the commit given, or back to a commit),\n"
		   "push it like any change, and hold PATH so that the next CI bump does not undo the rollback.\n"
		   "Each rollback goes one deploy further back: rollback and hold commits are not deploys.",
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
	char *hold_path; /* PATH/.gitops-hold, or beside PATH when it is a file */
	bool hold_placed; /* hold_path checked against the tip */
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
	git_oid live;      /* the deploy live once this lands (when live_known) */
	bool live_known;
	bool live_trailer; /* the commit makes live the deploy below every undone one: say so in a trailer */
	bool already;      /* the request was done already: nothing to commit */
};

/* --commit: where the commit stands among the deploys. 0, or -1 after printing. */
static int pin_commit(struct rollback *rb, struct gt_repo *r, const git_oid *tip)
{
	struct gt_deploys d = { .target = &rb->target };
	if (gt_repo_resolve(r, rb->o->commit, &rb->target) < 0 || gt_repo_deploys(r, tip, rb->path, GT_HOLD_FILE, &d) < 0)
		return -1;
	if (d.target_undone) { /* the same request again (a re-run after a run whose push landed): one rollback */
		char by[GIT_OID_HEXSZ + 1];
		git_oid_tostr(by, sizeof(by), &d.undone_by);
		rb->already = true;
		rb->live_known = d.n > 0;
		if (rb->live_known)
			git_oid_cpy(&rb->live, &d.found[0]);
		char live[GIT_OID_HEXSZ + 1] = "";
		git_oid_tostr(live, sizeof(live), &rb->live);
		gt_info("%.12s is already rolled back (by %.12s)%s%.12s%s: nothing to do", rb->o->commit, by,
			rb->live_known ? "; " : "", rb->live_known ? live : "", rb->live_known ? " is live" : "");
		return 0;
	}
	if (d.target_found && d.target_at == 0 && d.n >= 2)
		rb->live_known = rb->live_trailer = true, git_oid_cpy(&rb->live, &d.found[1]);
	else if (d.target_found && d.target_at > 0) /* an older deploy undone: the live one stays live */
		rb->live_known = true, git_oid_cpy(&rb->live, &d.found[0]);
	return 0;
}

/* --to SHA: the deploy live at SHA becomes live. 0, or -1 after printing. */
static int pin_to(struct rollback *rb, struct gt_repo *r)
{
	struct gt_deploys d = { 0 };
	if (gt_repo_resolve(r, rb->o->to, &rb->target) < 0 || gt_repo_deploys(r, &rb->target, rb->path, GT_HOLD_FILE, &d) < 0)
		return -1;
	rb->live_known = rb->live_trailer = d.n > 0;
	if (d.n > 0)
		git_oid_cpy(&rb->live, &d.found[0]);
	return 0;
}

/* No commit given: undo the live deploy, making the one before it live. 0, GT_PLAN_REFUSE, or -1 after printing. */
static int pin_last(struct rollback *rb, struct gt_repo *r, const git_oid *tip)
{
	struct gt_deploys d = { 0 };
	if (gt_repo_deploys(r, tip, rb->path, GT_HOLD_FILE, &d) < 0)
		return -1;
	if (d.n == 0)
		return gt_error("%s: no commit changed '%s' on this branch: nothing to roll back", gt_repo_url(r),
				*rb->path ? rb->path : "/"),
		       -1;
	if (d.n == 1) {
		char *subj = NULL;
		gt_repo_commit_summary(r, &d.found[0], &subj);
		gt_error("%s: no deploy before %.12s (\"%.255s\"), which is live at '%s': nothing to roll back to; nothing was "
			 "pushed",
			 gt_repo_url(r), git_oid_tostr_s(&d.found[0]), subj ? subj : "", *rb->path ? rb->path : "/");
		free(subj);
		return GT_PLAN_REFUSE;
	}
	git_oid_cpy(&rb->target, &d.found[0]);
	git_oid_cpy(&rb->live, &d.found[1]);
	rb->live_known = rb->live_trailer = true;
	return 0;
}

static int pin_target(struct rollback *rb, struct gt_repo *r, const git_oid *tip)
{
	if (rb->o->to)
		return pin_to(rb, r);
	if (rb->o->commit)
		return pin_commit(rb, r, tip);
	return pin_last(rb, r, tip);
}

/* git revert in memory: the target's inverse applied to the tip, or the conflicting files. */
static int revert_tree(struct rollback *rb, struct gt_repo *r, const git_oid *tip)
{
	char files[1024] = "", label[16];
	snprintf(label, sizeof(label), "%.12s", rb->target_hex);
	int rc = gt_repo_revert_tree(r, &rb->target, tip, label, &rb->new_tree, files, sizeof(files));
	if (rc == 1) {
		gt_error("reverting %s conflicts with later changes in: %s; nothing was pushed "
			 "(use --to SHA to go back to a known state)", label, files);
		return GT_PLAN_REFUSE;
	}
	return rc;
}

/* --to: the tip's tree with PATH as it was at the target (or without it, if it was not there). */
static int back_to_tree(struct rollback *rb, struct gt_repo *r, const git_oid *tip)
{
	char label[16];
	snprintf(label, sizeof(label), "%.12s", rb->target_hex);
	return gt_repo_path_as_at(r, &rb->target, tip, rb->path, label, &rb->new_tree);
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
	else
		fputc('\n', f);
	/* Trailers, so that the next rollback knows this commit is not a deploy and which one is live. */
	if (!o->to)
		fprintf(f, "%s%s\n", GT_TRAILER_REVERTED, rb->target_hex);
	if (rb->live_trailer)
		fprintf(f, "%s%s\n", GT_TRAILER_LIVE, git_oid_tostr_s(&rb->live));
	fclose(f);
	return msg;
}

/* The hold: who held PATH, why, since when, and which deploy stays live. */
static int hold_new(struct rollback *rb)
{
	char author[600], live[GIT_OID_HEXSZ + 1] = "";
	snprintf(author, sizeof(author), "%s <%s>", rb->who.name, rb->who.email);
	if (rb->live_known)
		git_oid_tostr(live, sizeof(live), &rb->live);
	struct gt_hold h = { .reason = rb->o->reason ? rb->o->reason : "rolled back", .reverted = rb->target_hex,
			     .live = rb->live_known ? live : NULL, .author = author };
	return gt_hold_write(&h, rb->path, &rb->hold_yaml, &rb->hold_len);
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

/*
 * --to SHA when PATH already is what it was at SHA (and held, unless --no-hold): the same request
 * again, done already. 1 (nothing to commit, said so), 0 to go on, -1 after printing.
 */
static int already_there(struct rollback *rb, struct gt_repo *r, const git_oid *tip)
{
	int differs = gt_repo_tree_differs(r, tip, &rb->new_tree, rb->path, GT_HOLD_FILE);
	if (differs < 0)
		return gt_error("%s: cannot compare the trees: %s", gt_repo_url(r),
				git_error_last() ? git_error_last()->message : "unknown error"),
		       -1;
	if (differs || (!rb->o->no_hold && !gt_repo_path_exists(r, tip, rb->hold_path)))
		return 0;
	rb->already = true;
	gt_info("'%s' already is what it was at %.12s: nothing to do", *rb->path ? rb->path : "/", rb->target_hex);
	return 1;
}

/*
 * --path FILE: the hold goes in the file's directory (FILE/.gitops-hold cannot exist beside the
 * file FILE), which gitops-set-image honours for every file below it, that file included.
 */
static int place_hold(struct rollback *rb, struct gt_repo *r, const git_oid *tip)
{
	if (rb->hold_placed || !*rb->path || !gt_repo_path_is_file(r, tip, rb->path))
		return rb->hold_placed = true, 0;
	const char *slash = strrchr(rb->path, '/');
	char *dir = strndup(rb->path, slash ? (size_t)(slash - rb->path) : 0);
	char *hold = dir ? gt_hold_path_new(dir) : NULL;
	free(dir);
	if (!hold)
		return gt_error("out of memory"), -1;
	free(rb->hold_path);
	rb->hold_path = hold;
	rb->hold_placed = true;
	return 0;
}

static int plan_rollback(struct gt_repo *r, const git_oid *tip, void *ctx, struct gt_plan *plan)
{
	struct rollback *rb = ctx;
	reset_attempt(rb);
	if (place_hold(rb, r, tip) < 0)
		return -1;
	if (rb->o->release)
		return plan_release(rb, r, tip, plan);
	/* A racing CI bump must not become the thing reverted: the target is chosen once. */
	if (!rb->pinned) {
		int pinned = pin_target(rb, r, tip);
		if (pinned != 0)
			return pinned;
	}
	rb->pinned = true;
	git_oid_tostr(rb->target_hex, sizeof(rb->target_hex), &rb->target);
	if (rb->already)
		return 0;
	free(rb->subject);
	if (gt_repo_commit_summary(r, &rb->target, &rb->subject) < 0)
		return gt_error("%.12s: no such commit on this branch", rb->target_hex), -1;
	int st = rb->o->to ? back_to_tree(rb, r, tip) : revert_tree(rb, r, tip);
	if (st == 0 && rb->o->to)
		st = already_there(rb, r, tip);
	if (st != 0)
		return rb->already ? 0 : st;
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

/* What the commit changed, file by file, for the record: blob ids before and after. */
struct files {
	struct gt_commit_change *items; /* each path owns one allocation: the path, then the two ids */
	size_t n, alloc;
};

static int add_file(void *ctx, const char *path, const char *old_id, const char *new_id)
{
	struct files *f = ctx;
	size_t len = strlen(path) + 1;
	char *s = GT_GROW(f->items, f->alloc, f->n + 1) == 0 ? malloc(len + 2 * (GIT_OID_HEXSZ + 1)) : NULL;
	if (!s)
		return gt_error("out of memory"), -1;
	memcpy(s, path, len);
	snprintf(s + len, GIT_OID_HEXSZ + 1, "%s", old_id ? old_id : "");
	snprintf(s + len + GIT_OID_HEXSZ + 1, GIT_OID_HEXSZ + 1, "%s", new_id ? new_id : "");
	f->items[f->n++] = (struct gt_commit_change){ .path = s, .old = old_id ? s + len : NULL,
						      .new_ = new_id ? s + len + GIT_OID_HEXSZ + 1 : NULL, .changed = true };
	return 0;
}

static void files_clear(struct files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free((char *)f->items[i].path);
	free(f->items);
	memset(f, 0, sizeof(*f));
}

static int print_record(const struct rollback *rb, const struct gt_update_result *res, const char *url,
			const struct files *files)
{
	const struct rollback_opts *o = rb->o;
	char live[GIT_OID_HEXSZ + 1] = "", author[600];
	if (rb->live_known && !o->release)
		git_oid_tostr(live, sizeof(live), &rb->live);
	if (o->format == GT_FORMAT_TEXT) {
		if (!res->commit[0])
			printf("%s: nothing to do%s%.12s%s\n", o->release ? "no hold to release" : rb->already ? "already rolled back" : "unchanged",
			       *live ? " (" : "", live, *live ? " is live)" : "");
		else if (o->release)
			printf("%s %.12s to %s %s: released the hold on %s\n", status_of(res, o), res->commit, url,
			       res->branch, *rb->path ? rb->path : "/");
		else
			printf("%s %.12s to %s %s: %s %.12s (\"%s\")%s%.12s%s%s%s\n", status_of(res, o), res->commit, url,
			       res->branch, o->to ? "rolled back to" : "reverted", rb->target_hex, rb->subject,
			       *live ? ", " : "", live, *live ? " is live" : "", rb->held ? ", holding " : "",
			       rb->held ? rb->hold_path : "");
		return 0;
	}
	snprintf(author, sizeof(author), "%s <%s>", rb->who.name, rb->who.email);
	struct gt_commit c = { .repo = url, .branch = res->branch, .commit = res->commit, .parent = res->parent,
			       .author = author, .file = rb->path, .changes = files->items, .n_changes = files->n,
			       .attempts = res->attempts, .pushed = res->pushed, .status = status_of(res, o),
			       .reverted = !o->release && !o->to && rb->pinned ? rb->target_hex : NULL,
			       .to = o->to && rb->pinned ? rb->target_hex : NULL, .live = *live ? live : NULL,
			       .hold = rb->held && res->commit[0] ? rb->hold_path : NULL, .released = rb->released };
	json_t *rec = gt_commit_record_new(&c);
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
	memset(&res, 0, sizeof(res));
	struct gt_repo *r = gt_repo_open(&o->git);
	struct files files = { 0 };
	int st = GT_EXIT_REMOTE;
	if (r) {
		/* the person who asked authors it; the tool that made it commits it, as with git am */
		struct gt_update_opts uo = { .branch = o->branch, .author = rb->who, .committer = gt_ident_tool(),
					     .max_attempts = (unsigned)o->max_attempts, .dry_run = o->dry_run,
					     .timeout = o->git.timeout };
		st = gt_repo_update(r, &uo, plan_rollback, rb, &res);
		if (res.commit[0] && o->format != GT_FORMAT_TEXT && gt_repo_commit_files(r, res.commit, add_file, &files) < 0 &&
		    st == GT_EXIT_OK)
			st = GT_EXIT_INPUT;
		gt_repo_close(r);
	}
	if ((st == GT_EXIT_OK || (gt_interrupted() && res.pushed)) && print_record(rb, &res, url ? url : "", &files) < 0)
		st = GT_EXIT_INPUT;
	files_clear(&files);
	free(url);
	free(origin);
	gt_interrupt_finish(&res);
	return st;
}

static int rollback_init(struct rollback *rb, struct rollback_opts *o, char **who_owned)
{
	memset(rb, 0, sizeof(*rb));
	rb->o = o;
	if (gt_ident_person(o->author, &rb->who, who_owned) < 0)
		return -1;
	rb->path = gt_tree_path_dup(o->path_arg);
	rb->hold_path = rb->path ? gt_hold_path_new(rb->path) : NULL;
	if (!rb->hold_path)
		return gt_error("out of memory"), -1;
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
	gt_interrupt_catch(); /* from the start: an interrupted run always says what it left behind */
	o->format = gt_default_format(stdout);
	int st = gt_parse(&command, argc, argv, &first);
	memset(&rb, 0, sizeof(rb));
	if (st == 0 && (check_usage(o) < 0 || rollback_init(&rb, o, &who_owned) < 0))
		st = -1;
	if (st == 0)
		st = run(o, &rb);
	else
		st = st < 0 ? GT_EXIT_USAGE : GT_EXIT_OK;
	gt_interrupt_finish(NULL);
	rollback_clear(&rb);
	free(who_owned);
	gt_git_opts_clear(&o->git);
	return st;
}
