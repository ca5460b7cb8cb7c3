/* gitops-set-image: set an image tag (or any value) in the manifest repo, commit as a bot, push safely. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "git.h"
#include "json.h"
#include "redact.h"
#include "setimage.h"
#include "stream.h"

static const struct gt_option options[] = {
	{ "repo", 0, "URL", "manifest repo (https URL or path to a bare repo); without it FILE is edited on disk" },
	{ "branch", 0, "BRANCH", "branch to commit to (default: the remote's default branch)" },
	{ "file", 'f', "PATH", "the YAML file to edit (path inside the repo with --repo)" },
	{ "set", 0, "KEY=VALUE", "set the value at KEY (a.b.c, a\\.b, list[0], list[name=web]); repeatable" },
	{ "set-string", 0, "KEY=VALUE", "like --set, always writing a string; repeatable" },
	{ "image", 0, "NAME=REF", "set image NAME to REF (repo[:tag][@digest]) in a kustomization or manifest; repeatable" },
	{ "create", 0, NULL, "add keys that do not exist yet" },
	{ "message", 'm', "TEXT", "commit message (default: Update FILE: KEY OLD -> NEW)" },
	{ "author", 0, "NAME <EMAIL>", "commit author (default: GIT_AUTHOR_NAME/EMAIL, else the tool)" },
	{ "skip-ci", 0, NULL, "append [skip ci] to the commit message" },
	{ "max-attempts", 0, "N", "stop after N pushes when the branch keeps moving (default: until --timeout)" },
	{ "force", 0, NULL, "write a version older than the current one" },
	{ "allow-any-value", 0, NULL, "write empty values, bad image tags and unexpanded $(VAR)/${VAR}/$VAR as given" },
	{ "override-hold", 0, NULL, "change a file that gitops-rollback holds" },
	{ "dry-run", 0, NULL, "build the commit (or the edit) and report it; push or write nothing" },
	{ "output", 'o', "FORMAT", "json, yaml or text (default: text on a terminal, else json)" },
	GT_GIT_OPTIONS,
	GT_LIMIT_OPTIONS,
	GT_OPTIONS_END
};

static int set_option(void *ctx, const struct gt_option *opt, const char *arg);

static const struct gt_command command = {
	.name = "gitops-set-image",
	.synopsis = "[--repo URL] [--branch B] --file PATH (--set KEY=VALUE | --image NAME=REF)... [OPTIONS]",
	.summary = "Set an image tag or any value in a YAML file of the manifest repo, commit it as a bot and push,\n"
		   "retrying when the branch moved; every other byte of the file stays as it was.",
	.options = options,
	.set = set_option,
	.min_args = 0,
	.max_args = 0,
};

static int add_edit(struct setimage_opts *o, enum edit_kind kind, const char *opt, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg) {
		gt_error("--%s %s: use %s", opt, arg, kind == EDIT_IMAGE ? "NAME=REF" : "KEY=VALUE");
		return -1;
	}
	struct edit *e = realloc(o->edits, (o->n_edits + 1) * sizeof(*e));
	if (!e)
		return gt_error("out of memory"), -1;
	o->edits = e;
	e = &o->edits[o->n_edits];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->key = strndup(arg, (size_t)(eq - arg));
	e->value = strdup(eq + 1);
	o->n_edits++;
	if (!e->key || !e->value)
		return gt_error("out of memory"), -1;
	if (kind == EDIT_IMAGE && !*e->value)
		return gt_error("--image %s: the reference after '=' is empty", arg), -1;
	return 0;
}

static int set_option(void *ctx, const struct gt_option *opt, const char *arg)
{
	struct setimage_opts *o = ctx;
	const char *n = opt->name;
	unsigned long v;
	int handled = gt_git_option(&o->git, opt, arg);
	if (!handled)
		handled = gt_limits_option(&o->lim, opt, arg);
	if (handled)
		return handled < 0 ? -1 : 0;
	if (!strcmp(n, "repo"))
		o->repo = arg;
	else if (!strcmp(n, "branch"))
		o->branch = arg;
	else if (!strcmp(n, "file"))
		o->file = arg;
	else if (!strcmp(n, "set"))
		return add_edit(o, EDIT_SET, n, arg);
	else if (!strcmp(n, "set-string"))
		return add_edit(o, EDIT_SET_STRING, n, arg);
	else if (!strcmp(n, "image"))
		return add_edit(o, EDIT_IMAGE, n, arg);
	else if (!strcmp(n, "create"))
		o->create = true;
	else if (!strcmp(n, "message"))
		o->message = arg;
	else if (!strcmp(n, "author"))
		o->author = arg;
	else if (!strcmp(n, "skip-ci"))
		o->skip_ci = true;
	else if (!strcmp(n, "max-attempts")) {
		if (gt_parse_uint(n, arg, 1000, &v) < 0)
			return -1;
		if (v == 0)
			return gt_error("--max-attempts 0: at least 1"), -1;
		o->max_attempts = v;
	} else if (!strcmp(n, "force"))
		o->force = true;
	else if (!strcmp(n, "allow-any-value"))
		o->allow_any_value = true;
	else if (!strcmp(n, "override-hold"))
		o->override_hold = true;
	else if (!strcmp(n, "dry-run"))
		o->dry_run = true;
	else if (!strcmp(n, "output")) {
		o->format_set = true;
		return gt_parse_format(arg, GT_FORMATS_ALL, &o->format);
	}
	return 0;
}

static int check_usage(const struct setimage_opts *o)
{
	if (!o->file || !*o->file)
		return gt_error("--file PATH is required; see '%s --help'", command.name), -1;
	if (o->n_edits == 0)
		return gt_error("nothing to set: give --set KEY=VALUE or --image NAME=REF"), -1;
	if (o->repo && o->file[0] == '/')
		return gt_error("--file %s: with --repo, give the path inside the repository", o->file), -1;
	return check_values(o);
}

struct remote_ctx {
	struct setimage_opts *o;
	char *data;
	size_t len;
	char *message;
	struct gt_file_change change;
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

static int read_on_disk(void *ctx, const char *path, char **buf, size_t *len)
{
	const struct setimage_opts *o = ctx;
	return gt_file_read(path, o->lim.max_doc_bytes, buf, len);
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
	int held = c->o->override_hold ? 0 : check_hold(c->o->file, read_at_tip, &at);
	int st = held ? (held < 0 ? -1 : GT_PLAN_REFUSE) : apply_edits(c->o, c->o->file, buf, len, &c->data, &c->len);
	free(buf);
	if (st == EDIT_REFUSED)
		return GT_PLAN_REFUSE;
	if (st <= 0 || st == GT_PLAN_REFUSE)
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

static json_t *changes_json(const struct setimage_opts *o)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < o->n_edits; i++) {
		const struct edit *e = &o->edits[i];
		json_array_append_new(arr, json_pack("{s:s, s:s?, s:s, s:b}", "path",
						     e->kind == EDIT_IMAGE ? "image" : e->key, "old", e->old, "new",
						     e->value, "changed", e->changed));
		if (e->kind == EDIT_IMAGE)
			json_object_set_new(json_array_get(arr, i), "name", json_string(e->key));
	}
	return arr;
}

static const char *status_word(const struct setimage_opts *o, bool local, bool changed)
{
	if (!changed)
		return "unchanged";
	if (o->dry_run)
		return "dry-run";
	return local ? "written" : "pushed";
}

static void print_text(const struct setimage_opts *o, const struct gt_update_result *res, const char *status,
		       const char *url)
{
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

static int print_record(const struct setimage_opts *o, const struct gt_update_result *res, bool local, bool changed)
{
	const char *status = status_word(o, local, changed);
	char *url = local ? NULL : gt_url_redact(o->repo);
	int r = 0;
	if (o->format == GT_FORMAT_TEXT) {
		print_text(o, res, status, url);
	} else {
		json_t *rec = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s, s:o, s:i, s:b, s:s}", "apiVersion",
					"gitops/v1", "kind", "Commit", "repo", url, "branch", local ? NULL : res->branch,
					"commit", res->commit[0] ? res->commit : NULL, "parent",
					res->parent[0] ? res->parent : NULL, "file", o->file, "changes", changes_json(o),
					"attempts", (json_int_t)res->attempts, "pushed", res->pushed && !local, "status",
					status);
		struct gt_writer *w = gt_writer_new(stdout, o->format);
		r = !rec || !w || gt_writer_put(w, rec) < 0 ? -1 : 0;
		json_decref(rec);
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
	if ((st == GT_EXIT_OK || (gt_interrupted() && res.pushed)) && print_record(o, &res, false, res.commit[0] != '\0') < 0)
		st = GT_EXIT_INPUT;
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
	int held = o->override_hold ? 0 : check_hold(o->file, read_on_disk, o);
	int st = held ? (held < 0 ? -1 : EDIT_REFUSED) : apply_edits(o, o->file, buf, len, &out, &out_len);
	free(buf);
	if (st == 1 && !o->dry_run && gt_file_write_atomic(o->file, out, out_len) < 0)
		st = -1;
	free(out);
	if (st < 0)
		return GT_EXIT_INPUT;
	if (st == EDIT_REFUSED)
		return GT_EXIT_DIFFERS;
	return print_record(o, &res, true, st == 1) < 0 ? GT_EXIT_INPUT : GT_EXIT_OK;
}

static void opts_free(struct setimage_opts *o)
{
	for (size_t i = 0; i < o->n_edits; i++) {
		free(o->edits[i].key);
		free(o->edits[i].value);
		free(o->edits[i].old);
	}
	free(o->edits);
	gt_git_opts_clear(&o->git);
}

int main(int argc, char **argv)
{
	struct setimage_opts o = { .lim = GT_LIMITS_DEFAULT };
	struct gt_ident who;
	char *who_owned = NULL;
	gt_interrupt_catch(); /* from the start: an interrupted run always says what it left behind */
	int first, st = gt_parse(&command, argc, argv, &o, &first);
	if (st == 0 && check_usage(&o) < 0)
		st = -1;
	if (st == 0 && o.repo && gt_ident_resolve(o.author, &who, &who_owned) < 0)
		st = -1;
	if (st != 0) {
		opts_free(&o);
		gt_interrupt_finish(NULL);
		return st < 0 ? GT_EXIT_USAGE : GT_EXIT_OK;
	}
	if (!o.format_set)
		o.format = gt_default_format(stdout);
	st = o.repo ? run_remote(&o, &who) : run_local(&o);
	free(who_owned);
	opts_free(&o);
	return st;
}
