/* difftext: gitops-diff's reports for people: per object a header and a unified diff of the YAML (text),
 * the same grouped by Argo CD app, and a pull-request comment (markdown). */
#ifndef GT_DIFFTEXT_H
#define GT_DIFFTEXT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "diff.h"

struct text_out;

/* Text on out with context lines around each change; colour as asked; stat: one line per object instead of diffs. NULL on no memory. */
struct text_out *text_new(FILE *out, unsigned context, bool color, bool stat);

/* Write one Change (unchanged ones print nothing). 0, or -1 after printing. */
int text_change(struct text_out *t, const json_t *change);

/* "app NAME: 1 to create, ..." before the objects of one app, when a report holds several. */
void text_app_header(struct text_out *t, const char *app, const struct gt_diff_stats *st);

/* With stat, the counts per action; then frees t. 0, or -1 after printing a write error. */
int text_finish(struct text_out *t, const struct gt_diff_stats *st);

/* The hunks of one Change's diff without header or colour (malloc'd; "" for unchanged), NULL after printing. */
char *text_hunks_dup(const json_t *change, unsigned context);

/* "apps/Deployment prod/web" of a Change (malloc'd), NULL when out of memory. */
char *text_ref_dup(const json_t *change);

/* ---- group.c: Changes by the Argo CD app of each object's tracking id ---- */

#define NO_APP "(no app)"

struct group {
	char *app;       /* NULL: objects without a tracking id or instance label */
	json_t *changes; /* in the order they came */
	struct gt_diff_stats st;
};

struct groups {
	json_t *all; /* every Change, in order */
	struct group *v;
	size_t n, cap;
};

/* NULL after printing. */
struct groups *groups_new(void);
void groups_free(struct groups *g);
/* Keep change (a reference is taken) in order and in its app's group. 0, or -1 after printing. */
int groups_add(struct groups *g, const json_t *change);
/* Groups by app name, the one without an app last. */
void groups_sort(struct groups *g);
/* Objects of grp that are not unchanged (IgnoreExtraneous deletes included: they are shown). */
size_t group_changed(const struct group *grp);

/* ---- markdown.c ---- */

/*
 * The pull-request comment: a summary table per app, then per app with changes a collapsed <details>
 * section with its counts and each changed object's diff in a ```diff block; at most max_bytes,
 * leaving out whole objects (and apps) and saying how many. 0, or -1 after printing.
 */
int markdown_write(FILE *out, struct groups *g, const struct gt_diff_stats *st, unsigned context, size_t max_bytes);

#endif
