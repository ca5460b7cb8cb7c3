/* gitops-cache: see and bound what the tools keep in their cache (cached clones, render outputs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "cli.h"
#include "git.h"
#include "record.h"
#include "stream.h"

#define MAX_AGE GT_SECONDS(100ULL * 365 * 86400) /* --older-than: beyond a century is a typo */

enum verb { VERB_LS, VERB_DU, VERB_PRUNE, VERB_CLEAR };

struct cache_opts {
	const char *cache_dir;
	unsigned kinds;    /* bits 1 << enum gt_cache_kind; 0: all */
	double older_than; /* seconds; < 0: not given */
	bool dry_run;
	enum gt_format format;
	enum verb verb;
};

static struct cache_opts opts = { .older_than = -1 };

static const struct gt_option options[] = {
	GT_OPT_STRING(0, "cache-dir", "DIR", &opts.cache_dir,
		      "the cache to look at (default $XDG_CACHE_HOME/gitops-tools, as the other tools)"),
	GT_OPT_CHOICE_SET('t', "type", "TYPE", &opts.kinds, gt_cache_kind_choices,
			  "(only entries of that type; repeatable)"),
	GT_OPT_DURATION(0, "older-than", &opts.older_than, 0, MAX_AGE,
			"prune: entries last used more than DURATION ago (e.g. 30d, 12h, 1d12h, 90m)"),
	GT_OPT_FLAG(0, "dry-run", &opts.dry_run, "prune, clear: list what would be removed, remove nothing"),
	GT_OPT_CHOICE('o', "output", "FORMAT", &opts.format, gt_formats_all, "(default: text on a terminal, else json)"),
	GT_OPTIONS_END
};

static const struct gt_command command = {
	.name = "gitops-cache",
	.synopsis = "[OPTIONS] ls | du | prune --older-than DURATION | clear",
	.summary = "See and bound the cache the tools share ($XDG_CACHE_HOME/gitops-tools): list its entries (ls),\n"
		   "their sizes (du), remove those not used for DURATION (prune) or all of them (clear). A clone a\n"
		   "running tool has open is never removed.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
};

static int check_usage(struct cache_opts *o, const char *verb)
{
	static const char *const verbs[] = { "ls", "du", "prune", "clear" };
	size_t i;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]) && strcmp(verb, verbs[i]); i++)
		;
	if (i == sizeof(verbs) / sizeof(verbs[0]))
		return gt_error("%s: not a command (ls, du, prune, clear)", verb), -1;
	o->verb = (enum verb)i;
	if (o->verb == VERB_PRUNE && o->older_than < 0)
		return gt_error("prune: --older-than DURATION is needed: it says which entries are old"), -1;
	if (o->verb != VERB_PRUNE && o->older_than >= 0)
		return gt_error("--older-than: only with prune"), -1;
	if (o->dry_run && o->verb != VERB_PRUNE && o->verb != VERB_CLEAR)
		return gt_error("--dry-run: only with prune or clear"), -1;
	if (!o->kinds)
		o->kinds = GT_CACHE_ALL;
	return 0;
}

/* ---- what is shown ---- */

static void human_size(unsigned long long b, char *buf, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	int i = -1;
	while (v >= 1024 && i < 3)
		v /= 1024, i++;
	if (i < 0)
		snprintf(buf, size, "%llu B", b);
	else
		snprintf(buf, size, "%.1f %s", v, units[i]);
}

static void utc_time(const struct timespec *t, char *buf, size_t size)
{
	struct tm tm;
	time_t s = t->tv_sec;
	if (!gmtime_r(&s, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "-");
}

/* A CacheEntry record; status is NULL for ls, else what prune or clear did ("removed", "in use", "planned"). */
static json_t *entry_record_new(const struct gt_cache_entry *e, const char *status)
{
	char used[32];
	utc_time(&e->used, used, sizeof(used));
	struct gt_cache_entry_record rec = { .type = gt_cache_kind_name(e->kind), .name = e->name, .path = e->path,
					     .bytes = e->bytes, .last_used = used, .status = status };
	return gt_cache_entry_record_new(&rec);
}

static void text_header(bool with_status)
{
	printf("%s%-10s %10s  %-20s  %s\n", with_status ? "STATUS   " : "", "TYPE", "SIZE", "LAST USED", "NAME");
}

static void text_row(const struct gt_cache_entry *e, const char *status)
{
	char size[32], used[32];
	human_size(e->bytes, size, sizeof(size));
	utc_time(&e->used, used, sizeof(used));
	if (status)
		printf("%-8s ", status);
	printf("%-10s %10s  %-20s  %s\n", gt_cache_kind_name(e->kind), size, used, e->name);
}

/* Writes records or rows; remembers a write error for the exit code. */
struct out {
	const struct cache_opts *o;
	struct gt_writer *w;
	int err;
};

static void out_entry(struct out *out, const struct gt_cache_entry *e, const char *status)
{
	if (out->o->format == GT_FORMAT_TEXT) {
		text_row(e, status);
		return;
	}
	json_t *rec = entry_record_new(e, status);
	if (!rec || gt_writer_put(out->w, rec) < 0)
		out->err = -1;
	json_decref(rec);
}

/* ---- the verbs ---- */

/* ls: by type, then the most recently used first. */
static int by_type_then_newest(const void *a, const void *b)
{
	const struct gt_cache_entry *x = a, *y = b;
	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	if (x->used.tv_sec != y->used.tv_sec)
		return x->used.tv_sec > y->used.tv_sec ? -1 : 1;
	if (x->used.tv_nsec != y->used.tv_nsec)
		return x->used.tv_nsec > y->used.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int cache_ls(struct out *out, struct gt_cache_entries *all)
{
	if (all->n)
		qsort(all->items, all->n, sizeof(*all->items), by_type_then_newest);
	if (out->o->format == GT_FORMAT_TEXT)
		text_header(false);
	for (size_t i = 0; i < all->n; i++)
		out_entry(out, &all->items[i], NULL);
	return GT_EXIT_OK;
}

static int cache_du(struct out *out, const char *root, const struct gt_cache_entries *all)
{
	unsigned long long bytes[GT_CACHE_KINDS] = { 0 }, total = 0;
	size_t count[GT_CACHE_KINDS] = { 0 };
	for (size_t i = 0; i < all->n; i++)
		bytes[all->items[i].kind] += all->items[i].bytes, count[all->items[i].kind]++, total += all->items[i].bytes;
	if (out->o->format == GT_FORMAT_TEXT) {
		char size[32];
		printf("%-10s %8s %10s\n", "TYPE", "ENTRIES", "SIZE");
		for (int k = 0; k < GT_CACHE_KINDS; k++)
			if (out->o->kinds & (1u << k))
				human_size(bytes[k], size, sizeof(size)),
					printf("%-10s %8zu %10s\n", gt_cache_kind_name((enum gt_cache_kind)k), count[k], size);
		human_size(total, size, sizeof(size));
		printf("%-10s %8zu %10s  %s\n", "total", all->n, size, root);
		return GT_EXIT_OK;
	}
	struct gt_cache_usage_type types[GT_CACHE_KINDS];
	size_t n = 0;
	for (int k = 0; k < GT_CACHE_KINDS; k++)
		if (out->o->kinds & (1u << k))
			types[n++] = (struct gt_cache_usage_type){ .type = gt_cache_kind_name((enum gt_cache_kind)k),
								   .entries = count[k], .bytes = bytes[k] };
	json_t *rec = gt_cache_usage_record_new(root, types, n, all->n, total);
	if (!rec || gt_writer_put(out->w, rec) < 0)
		out->err = -1;
	json_decref(rec);
	return GT_EXIT_OK;
}

static bool older_than(const struct gt_cache_entry *e, double age, const struct timespec *now)
{
	double since = (double)(now->tv_sec - e->used.tv_sec) + (double)(now->tv_nsec - e->used.tv_nsec) / 1e9;
	return since > age;
}

/* prune and clear: remove each chosen entry (a clone in use is kept), say what happened to it. */
static int cache_remove(struct out *out, const struct gt_cache_entries *all)
{
	const struct cache_opts *o = out->o;
	struct timespec now;
	unsigned long long freed = 0;
	size_t removed = 0, in_use = 0, failed = 0;
	clock_gettime(CLOCK_REALTIME, &now);
	if (o->format == GT_FORMAT_TEXT)
		text_header(true);
	for (size_t i = 0; i < all->n; i++) {
		const struct gt_cache_entry *e = &all->items[i];
		if (o->verb == VERB_PRUNE && !older_than(e, o->older_than, &now))
			continue;
		int rc = o->dry_run ? 0 : gt_cache_remove(e);
		if (rc < 0) {
			failed++;
			continue;
		}
		if (rc == 0)
			removed++, freed += e->bytes;
		else
			in_use++;
		out_entry(out, e, rc ? "in use" : o->dry_run ? "planned" : "removed");
	}
	char size[32];
	human_size(freed, size, sizeof(size));
	if (o->format == GT_FORMAT_TEXT)
		printf("%zu %s (%s), %zu in use\n", removed, o->dry_run ? "to remove" : "removed", size, in_use);
	if (in_use && o->verb == VERB_CLEAR)
		gt_error("%zu in use by a running tool, not removed", in_use);
	return failed || (in_use && o->verb == VERB_CLEAR) ? GT_EXIT_DIFFERS : GT_EXIT_OK;
}

static int run(struct cache_opts *o)
{
	struct gt_git_opts g = { .cache_dir = o->cache_dir };
	char *root = gt_git_cache_root_dup(&g);
	struct gt_cache_entries all = { 0 };
	struct out out = { .o = o };
	int st = GT_EXIT_DIFFERS;
	if (!root)
		return gt_error("out of memory"), GT_EXIT_DIFFERS;
	if (gt_cache_scan(root, o->kinds, &all) == 0) {
		out.w = o->format == GT_FORMAT_TEXT ? NULL : gt_writer_new(stdout, o->format);
		if (o->format == GT_FORMAT_TEXT || out.w) {
			st = o->verb == VERB_LS ? cache_ls(&out, &all)
			   : o->verb == VERB_DU ? cache_du(&out, root, &all)
						: cache_remove(&out, &all);
		}
		if (out.w && gt_writer_close(out.w) < 0)
			out.err = -1;
		if (fflush(stdout) == EOF || ferror(stdout) || out.err < 0)
			gt_error("standard output: write error"), st = GT_EXIT_DIFFERS;
	}
	gt_cache_entries_free(&all);
	free(root);
	return st;
}

int main(int argc, char **argv)
{
	int first;
	opts.format = gt_default_format(stdout);
	int st = gt_parse(&command, argc, argv, &first);
	if (st == 0 && check_usage(&opts, argv[first]) < 0)
		st = -1;
	if (st != 0)
		return st < 0 ? GT_EXIT_USAGE : GT_EXIT_OK;
	return run(&opts);
}
