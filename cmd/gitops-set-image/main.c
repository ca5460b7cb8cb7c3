/* gitops-set-image: set an image tag (or any value) in the manifest repo, commit as a bot, push safely. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "git.h"
#include "json.h"
#include "record.h"
#include "redact.h"
#include "setimage.h"
#include "stream.h"

static struct setimage_opts opts = { .lim = GT_LIMITS_DEFAULT };

static const struct gt_choice if_held_choices[] = { { "fail", IF_HELD_FAIL }, { "skip", IF_HELD_SKIP }, GT_CHOICES_END };

static int add_set(const struct gt_option *opt, const char *flag, const char *value);
static int add_set_string(const struct gt_option *opt, const char *flag, const char *value);
static int add_image(const struct gt_option *opt, const char *flag, const char *value);

static const struct gt_option options[] = {
	GT_OPT_STRING(0, "repo", "URL", &opts.repo,
		      "manifest repo (https URL or path to a bare repo); without it FILE is edited on disk"),
	GT_OPT_STRING(0, "branch", "BRANCH", &opts.branch, "branch to commit to (default: the remote's default branch)"),
	GT_OPT_STRING('f', "file", "PATH", &opts.file, "the YAML file to edit (path inside the repo with --repo)"),
	GT_OPT_CALLBACK(0, "set", "KEY=VALUE", &opts, add_set,
			"set the value at KEY (a.b.c, a\\.b, list[0], list[name=web]); repeatable"),
	GT_OPT_CALLBACK(0, "set-string", "KEY=VALUE", &opts, add_set_string, "like --set, always writing a string; repeatable"),
	GT_OPT_CALLBACK(0, "image", "NAME=REF", &opts, add_image,
			"set image NAME to REF (repo[:tag][@digest]) in a kustomization, manifest or Helm values file; repeatable"),
	GT_OPT_FLAG(0, "create", &opts.create, "add keys that do not exist yet"),
	GT_OPT_STRING('m', "message", "TEXT", &opts.message, "commit message (default: Update FILE: KEY OLD -> NEW)"),
	GT_OPT_STRING(0, "author", "NAME <EMAIL>", &opts.author,
		      "commit author (default: GIT_AUTHOR_NAME/EMAIL, else the tool)"),
	GT_OPT_FLAG(0, "skip-ci", &opts.skip_ci, "append [skip ci] to the commit message"),
	GT_OPT_UINT(0, "max-attempts", "N", &opts.max_attempts, 1, 1000,
		    "stop after N pushes when the branch keeps moving (default: until --timeout)"),
	GT_OPT_FLAG(0, "force", &opts.force, "write a version older than the current one"),
	GT_OPT_FLAG(0, "allow-any-value", &opts.allow_any_value,
		    "write empty values, bad image tags and unexpanded $(VAR)/${VAR}/$VAR as given"),
	GT_OPT_FLAG(0, "override-hold", &opts.override_hold, "change a file that gitops-rollback holds"),
	GT_OPT_CHOICE(0, "if-held", "ACTION", &opts.if_held, if_held_choices,
		      "what a file gitops-rollback holds gets (default: fail, exit 1; skip exits 0, the file not changed)"),
	GT_OPT_FLAG(0, "dry-run", &opts.dry_run, "build the commit (or the edit) and report it; push or write nothing"),
	GT_OPT_CHOICE('o', "output", "FORMAT", &opts.format, gt_formats_all, "(default: text on a terminal, else json)"),
	GT_GIT_OPTIONS(&opts.git),
	GT_LIMIT_OPTIONS(&opts.lim),
	GT_OPTIONS_END
};

static const struct gt_command command = {
	.name = "gitops-set-image",
	.synopsis = "[--repo URL] [--branch B] --file PATH (--set KEY=VALUE | --image NAME=REF)... [OPTIONS]",
	.summary = "Set an image tag or any value in a YAML file of the manifest repo, commit it as a bot and push,\n"
		   "retrying when the branch moved; every other byte of the file stays as it was.",
	.options = options,
	.min_args = 0,
	.max_args = 0,
};

/* --set, --set-string and --image: one list of edits, applied in the order given. */
static int add_edit(struct setimage_opts *o, enum edit_kind kind, const char *flag, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg) {
		gt_error("%s %s: use %s", flag, arg, kind == EDIT_IMAGE ? "NAME=REF" : "KEY=VALUE");
		return -1;
	}
	if (GT_GROW(o->edits, o->alloc_edits, o->n_edits + 1) < 0)
		return gt_error("out of memory"), -1;
	struct edit *e = &o->edits[o->n_edits++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->key = strndup(arg, (size_t)(eq - arg));
	e->value = strdup(eq + 1);
	if (!e->key || !e->value)
		return gt_error("out of memory"), -1;
	if (kind == EDIT_IMAGE && !*e->value)
		return gt_error("%s %s: the reference after '=' is empty", flag, arg), -1;
	return 0;
}

static int add_set(const struct gt_option *opt, const char *flag, const char *value)
{
	return add_edit(opt->target, EDIT_SET, flag, value);
}

static int add_set_string(const struct gt_option *opt, const char *flag, const char *value)
{
	return add_edit(opt->target, EDIT_SET_STRING, flag, value);
}

static int add_image(const struct gt_option *opt, const char *flag, const char *value)
{
	return add_edit(opt->target, EDIT_IMAGE, flag, value);
}

static int check_usage(const struct setimage_opts *o)
{
	if (!o->file || !*o->file)
		return gt_error("--file PATH is required; see '%s --help'", command.name), -1;
	if (o->n_edits == 0)
		return gt_error("nothing to set: give --set KEY=VALUE or --image NAME=REF"), -1;
	if (o->repo && o->file[0] == '/')
		return gt_error("--file %s: with --repo, give the path inside the repository", o->file), -1;
	if (o->override_hold && o->if_held == IF_HELD_SKIP)
		return gt_error("--override-hold and --if-held skip exclude each other: change a held file, or leave it alone"),
		       -1;
	return check_values(o);
}

struct remote_ctx {
	struct setimage_opts *o;
	char *data;
	size_t len;
	char *message;
	struct gt_file_change change;
	struct gt_hold held; /* --if-held skip: the hold the file was left alone under (file NULL: none) */
};

/* Holds are read at the tip being edited: a hold pushed a moment ago counts. */
struct tip_reader {
	struct gt_repo *r;
	const git_oid *tip;
};

static int read_at_tip(void *ctx, const char *path, char **buf, size_t *len)
{
	struct tip_reader *t = ctx;
	return gt_repo_read_file(t->r, t->tip, path, buf, len);
}

static int plan_remote(struct gt_repo *r, const git_oid *tip, void *ctx, struct gt_plan *plan)
{
	struct remote_ctx *c = ctx;
	char *buf = NULL;
	size_t len = 0;
	free(c->data);
	free(c->message);
	c->data = c->message = NULL;
	int rd = gt_repo_read_file(r, tip, c->o->file, &buf, &len);
	if (rd == 1)
		gt_error("%s: no such file on the branch", c->o->file);
	if (rd != 0)
		return -1;
	struct tip_reader at = { r, tip };
	gt_hold_clear(&c->held); /* the branch moved: the hold may be gone, or new */
	int held = hold_check(c->o, read_at_tip, &at, &c->held);
	int st = held == HOLD_FREE ? apply_edits(c->o, c->o->file, buf, len, &c->data, &c->len)
	       : held == HOLD_REFUSED ? EDIT_REFUSED
	       : held == HOLD_SKIP ? 0 : -1;
	free(buf);
	if (st == EDIT_REFUSED)
		return GT_PLAN_REFUSE;
	if (st <= 0)
		return st;
	c->message = commit_message_new(c->o);
	if (!c->message)
		return gt_error("out of memory"), -1;
	c->change = (struct gt_file_change){ c->o->file, c->data, c->len };
	plan->changes = &c->change;
	plan->n_changes = 1;
	plan->message = c->message;
	return 1;
}

/* ---- the record ---- */

/* Each --set, --set-string and --image as the Commit record lists it. Caller frees. */
static struct gt_commit_change *changes_new(const struct setimage_opts *o)
{
	struct gt_commit_change *ch = calloc(o->n_edits ? o->n_edits : 1, sizeof(*ch));
	for (size_t i = 0; ch && i < o->n_edits; i++) {
		const struct edit *e = &o->edits[i];
		/* --image: the key it set where it can name one (a values file's web.image.tag) */
		ch[i] = (struct gt_commit_change){ .path = e->kind != EDIT_IMAGE ? e->key : e->path ? e->path : "image",
						   .name = e->kind == EDIT_IMAGE ? e->key : NULL,
						   .old = e->old, .new_ = e->value, .changed = e->changed };
	}
	return ch;
}

static const char *status_word(const struct setimage_opts *o, bool local, bool changed, const struct gt_hold *held)
{
	if (held && held->file)
		return "held";
	if (!changed)
		return "unchanged";
	if (o->dry_run)
		return "dry-run";
	return local ? "written" : "pushed";
}

static void print_text(const struct setimage_opts *o, const struct gt_update_result *res, const char *status,
		       const char *url, const struct gt_hold *held)
{
	if (!strcmp(status, "held")) {
		char why[2048];
		gt_hold_describe(held, why, sizeof(why));
		printf("%s: held%s (%s), not changed\n", o->file, why, held->file);
		return;
	}
	if (!strcmp(status, "unchanged")) {
		printf("%s: already set, nothing to do\n", o->file);
		return;
	}
	if (url)
		printf("%s %.12s to %s %s: ", status, res->commit, url, res->branch);
	else
		printf("%s %s: ", status, o->file);
	for (size_t i = 0, n = 0; i < o->n_edits; i++) {
		const struct edit *e = &o->edits[i];
		if (e->changed)
			printf("%s%s %s -> %s", n++ ? ", " : "", e->key, e->old ? e->old : "(new)", e->value);
	}
	if (url)
		printf(" (%u attempt%s)", res->attempts, res->attempts == 1 ? "" : "s");
	putchar('\n');
}

static int print_record(const struct setimage_opts *o, const struct gt_update_result *res, bool local, bool changed,
			const struct gt_ident *who, const struct gt_hold *held)
{
	const char *status = status_word(o, local, changed, held);
	char *url = local ? NULL : gt_url_redact(o->repo);
	char author[600];
	int r = 0;
	snprintf(author, sizeof(author), "%s <%s>", who ? who->name : "", who ? who->email : "");
	if (o->format == GT_FORMAT_TEXT) {
		print_text(o, res, status, url, held);
	} else {
		struct gt_commit_change *changes = changes_new(o);
		struct gt_commit c = { .repo = url, .branch = local ? NULL : res->branch, .commit = res->commit,
				       .parent = res->parent, .author = who ? author : NULL, .file = o->file,
				       .changes = changes, .n_changes = o->n_edits, .attempts = res->attempts,
				       .pushed = res->pushed && !local, .status = status,
				       .held_by = held && held->file ? held : NULL };
		json_t *rec = changes ? gt_commit_record_new(&c) : NULL;
		struct gt_writer *w = gt_writer_new(stdout, o->format);
		r = !rec || !w || gt_writer_put(w, rec) < 0 ? -1 : 0;
		json_decref(rec);
		free(changes);
		if (gt_writer_close(w) < 0)
			r = -1;
	}
	free(url);
	return r;
}

/* ---- the two modes ---- */

static int run_remote(struct setimage_opts *o, const struct gt_ident *who)
{
	struct gt_update_result res;
	struct remote_ctx ctx = { .o = o };
	o->git.url = o->repo;
	memset(&res, 0, sizeof(res));
	if (gt_git_credentials_finish(&o->git) < 0)
		return GT_EXIT_USAGE;
	struct gt_repo *r = gt_repo_open(&o->git);
	int st = GT_EXIT_REMOTE;
	if (r) {
		struct gt_update_opts uo = { .branch = o->branch, .author = *who, .max_attempts = (unsigned)o->max_attempts,
					     .dry_run = o->dry_run, .timeout = o->git.timeout };
		st = gt_repo_update(r, &uo, plan_remote, &ctx, &res);
		gt_repo_close(r);
	}
	free(ctx.data);
	free(ctx.message);
	/* Interrupted once the push landed: the record of what is on the branch now, then say so. */
	if ((st == GT_EXIT_OK || (gt_interrupted() && res.pushed)) &&
	    print_record(o, &res, false, res.commit[0] != '\0', who, &ctx.held) < 0)
		st = GT_EXIT_INPUT;
	gt_hold_clear(&ctx.held);
	gt_interrupt_finish(&res);
	return st;
}

static int run_local(struct setimage_opts *o)
{
	struct gt_update_result res;
	char *buf = NULL, *out = NULL;
	size_t len = 0, out_len = 0;
	gt_interrupt_release(); /* no remote to report on; the file is written atomically */
	memset(&res, 0, sizeof(res));
	int rd = gt_file_read(o->file, o->lim.max_doc_bytes, &buf, &len);
	if (rd == 1)
		gt_error("%s: %s", o->file, strerror(ENOENT));
	if (rd != 0)
		return GT_EXIT_INPUT;
	struct gt_hold held;
	int hold = hold_check(o, gt_hold_read_disk, &o->lim.max_doc_bytes, &held);
	int st = hold == HOLD_FREE ? apply_edits(o, o->file, buf, len, &out, &out_len)
	       : hold == HOLD_REFUSED ? EDIT_REFUSED
	       : hold == HOLD_SKIP ? 0 : -1;
	free(buf);
	if (st == 1 && !o->dry_run && gt_file_write_atomic(o->file, out, out_len) < 0)
		st = -1;
	free(out);
	if (st >= 0 && st != EDIT_REFUSED && print_record(o, &res, true, st == 1, NULL, &held) < 0)
		st = -1;
	gt_hold_clear(&held);
	return st < 0 ? GT_EXIT_INPUT : st == EDIT_REFUSED ? GT_EXIT_DIFFERS : GT_EXIT_OK;
}

static void opts_free(struct setimage_opts *o)
{
	for (size_t i = 0; i < o->n_edits; i++) {
		free(o->edits[i].key);
		free(o->edits[i].value);
		free(o->edits[i].old);
		free(o->edits[i].path);
	}
	free(o->edits);
	gt_git_opts_clear(&o->git);
}

int main(int argc, char **argv)
{
	struct setimage_opts *o = &opts;
	struct gt_ident who;
	char *who_owned = NULL;
	int first;
	gt_interrupt_catch(); /* from the start: an interrupted run always says what it left behind */
	o->format = gt_default_format(stdout);
	int st = gt_parse(&command, argc, argv, &first);
	if (st == 0 && check_usage(o) < 0)
		st = -1;
	if (st == 0 && o->repo && gt_ident_resolve(o->author, &who, &who_owned) < 0)
		st = -1;
	if (st != 0) {
		opts_free(o);
		gt_interrupt_finish(NULL);
		return st < 0 ? GT_EXIT_USAGE : GT_EXIT_OK;
	}
	st = o->repo ? run_remote(o, &who) : run_local(o);
	free(who_owned);
	opts_free(o);
	return st;
}
