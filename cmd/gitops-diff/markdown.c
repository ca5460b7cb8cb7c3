/* markdown: the pull-request comment. A summary table of every app's counts, then per app with changes a
 * collapsed <details> section holding each changed object's diff in a ```diff block. GitHub takes 65,536
 * characters in a comment, Azure DevOps 150,000: the comment stays within --max-bytes by leaving out whole
 * objects, and says how many objects in how many apps it left out. */
#define _GNU_SOURCE /* open_memstream */
#include "difftext.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* What the closing note, and the one line a cut section gets, may take at most. */
#define FINAL_NOTE_MAX 400
#define SECTION_NOTE_MAX 120
/* A name longer than any Kubernetes name (a hostile tracking id) is cut here, so that a table row stays a row. */
#define NAME_SHOWN_MAX 300

/* A piece of the comment being written, in memory. */
struct piece {
	char *s;
	size_t len;
	FILE *f;
};

static int piece_open(struct piece *p)
{
	memset(p, 0, sizeof(*p));
	return (p->f = open_memstream(&p->s, &p->len)) ? 0 : -1;
}

/* Close p's stream; the text is p->s (p->len bytes). -1 when out of memory. */
static int piece_close(struct piece *p)
{
	int r = p->f && fclose(p->f) == 0 ? 0 : -1;
	p->f = NULL;
	return r;
}

/* Text from a repository (an app name, an object name) as HTML entities where markdown or HTML would read
 * it as markup: the comment shows it as written and it cannot open a tag, a table cell or a code span. */
static void put_escaped(FILE *f, const char *s)
{
	size_t n = 0;
	for (; *s; s++) {
		if (++n > NAME_SHOWN_MAX && (*s & 0xC0) != 0x80) { /* at a character's start, not inside UTF-8 */
			fputs("...", f);
			return;
		}
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '|': fputs("&#124;", f); break;
		case '`': fputs("&#96;", f); break;
		case '*': fputs("&#42;", f); break;
		case '_': fputs("&#95;", f); break;
		case '[': fputs("&#91;", f); break;
		case ']': fputs("&#93;", f); break;
		case '\\': fputs("&#92;", f); break;
		case '\n': case '\r': fputc(' ', f); break;
		default: fputc(*s, f);
		}
	}
}

static void put_counts(FILE *f, const struct gt_diff_stats *st)
{
	fprintf(f, "%zu to create, %zu to update, %zu to delete, %zu unchanged", st->create, st->update, st->delete,
		st->unchanged);
	if (st->ignored)
		fprintf(f, " (%zu extraneous ignored)", st->ignored);
}

/* A fence longer than any run of backticks in text, so that no line of the diff can close it. */
static size_t fence_length(const char *text)
{
	size_t longest = 0, run = 0;
	for (const char *p = text; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	return longest >= 3 ? longest + 1 : 3;
}

static void put_fence(FILE *f, size_t n)
{
	while (n--)
		fputc('`', f);
}

/* One changed object: its header line, then its diff in a ```diff block. */
static int object_piece(const json_t *change, unsigned context, struct piece *p)
{
	enum gt_action a = gt_change_action(change);
	memset(p, 0, sizeof(*p));
	char *ref = text_ref_dup(change), *hunks = ref ? text_hunks_dup(change, context) : NULL;
	int r = hunks && piece_open(p) == 0 ? 0 : -1;
	if (r == 0) {
		fputs(a == GT_ACTION_CREATE ? "**+ " : a == GT_ACTION_DELETE ? "**- " : "**~ ", p->f);
		put_escaped(p->f, ref);
		fprintf(p->f, "** (%s%s)\n\n", a == GT_ACTION_CREATE ? "created" : a == GT_ACTION_DELETE ? "deleted" : "updated",
			gt_change_ignored(change) ? ", IgnoreExtraneous: not counted" : "");
		size_t n = fence_length(hunks);
		put_fence(p->f, n);
		fputs("diff\n", p->f);
		fputs(hunks, p->f);
		if (*hunks && hunks[strlen(hunks) - 1] != '\n')
			fputc('\n', p->f);
		put_fence(p->f, n);
		fputs("\n\n", p->f);
		r = piece_close(p);
	}
	if (!ref || (hunks && r < 0))
		gt_error("out of memory");
	free(ref);
	free(hunks);
	return r;
}

/* The title and the table of every app's counts; rows stop (with a row saying how many more) at budget. */
static int head_piece(const struct groups *g, const struct gt_diff_stats *st, size_t budget, struct piece *p)
{
	if (piece_open(p) < 0)
		return -1;
	size_t changed_apps = 0;
	for (size_t i = 0; i < g->n; i++)
		changed_apps += gt_diff_differences(&g->v[i].st) > 0;
	if (gt_diff_differences(st))
		fprintf(p->f, "### gitops-diff: %zu of %zu apps change\n\n", changed_apps, g->n);
	else
		fprintf(p->f, "### gitops-diff: no differences in %zu app%s\n\n", g->n, g->n == 1 ? "" : "s");
	fputs("| app | create | update | delete | unchanged |\n|---|--:|--:|--:|--:|\n", p->f);
	for (size_t i = 0; i < g->n; i++) {
		const struct group *grp = &g->v[i];
		fflush(p->f);
		if (p->len > budget) {
			fprintf(p->f, "| (%zu more apps) | | | | |\n", g->n - i);
			break;
		}
		fputs("| ", p->f);
		if (grp->app)
			put_escaped(p->f, grp->app);
		else
			fputs(NO_APP, p->f);
		fprintf(p->f, " | %zu | %zu | %zu | %zu |\n", grp->st.create, grp->st.update, grp->st.delete,
			grp->st.unchanged);
	}
	fprintf(p->f, "| **total** | %zu | %zu | %zu | %zu |\n\n", st->create, st->update, st->delete,
		st->unchanged);
	return piece_close(p);
}

struct left_out {
	size_t objects, apps;
};

/* One app's section into out within *budget (lowered by what it took): the objects that fit, in order. */
static int write_section(FILE *out, const struct group *grp, unsigned context, size_t *budget, struct left_out *lo)
{
	struct piece open;
	size_t changed = group_changed(grp), shown = 0, i;
	const char *close = "</details>\n\n";
	if (piece_open(&open) < 0)
		return gt_error("out of memory"), -1;
	fputs("<details>\n<summary><b>", open.f);
	if (grp->app)
		put_escaped(open.f, grp->app);
	else
		fputs(NO_APP, open.f);
	fputs("</b>: ", open.f);
	put_counts(open.f, &grp->st);
	fputs("</summary>\n\n", open.f);
	if (piece_close(&open) < 0)
		return free(open.s), gt_error("out of memory"), -1;
	size_t frame = open.len + strlen(close) + SECTION_NOTE_MAX;
	if (frame > *budget) {
		lo->objects += changed, lo->apps++;
		free(open.s);
		return 0;
	}
	fputs(open.s, out);
	*budget -= open.len + strlen(close);
	free(open.s);
	size_t reserve = SECTION_NOTE_MAX;
	json_t *change;
	json_array_foreach(grp->changes, i, change) {
		if (gt_change_action(change) == GT_ACTION_UNCHANGED)
			continue;
		struct piece obj;
		if (object_piece(change, context, &obj) < 0)
			return free(obj.s), -1;
		if (obj.len + reserve <= *budget) {
			fputs(obj.s, out);
			*budget -= obj.len;
			shown++;
		}
		free(obj.s);
	}
	if (shown < changed) {
		/* at most SECTION_NOTE_MAX bytes: numbers and the limit's name */
		fprintf(out, "_%zu of %zu changed objects of this app left out to stay within the comment size limit._\n\n",
			changed - shown, changed);
		*budget -= SECTION_NOTE_MAX;
		lo->objects += changed - shown, lo->apps++;
	}
	fputs(close, out);
	return 0;
}

int markdown_write(FILE *out, struct groups *g, const struct gt_diff_stats *st, unsigned context, size_t max_bytes)
{
	struct piece head;
	struct left_out lo = { 0 };
	groups_sort(g);
	size_t budget = max_bytes > FINAL_NOTE_MAX ? max_bytes - FINAL_NOTE_MAX : 0;
	if (head_piece(g, st, budget / 2, &head) < 0)
		return free(head.s), gt_error("out of memory"), -1;
	fputs(head.s, out);
	budget = head.len < budget ? budget - head.len : 0;
	free(head.s);
	for (size_t i = 0; i < g->n; i++)
		if (group_changed(&g->v[i]) && write_section(out, &g->v[i], context, &budget, &lo) < 0)
			return -1;
	if (lo.objects)
		fprintf(out, "> **Note:** %zu changed object%s in %zu app%s left out to keep this comment within %zu bytes; "
			"`gitops-diff -o text` shows every diff.\n",
			lo.objects, lo.objects == 1 ? "" : "s", lo.apps, lo.apps == 1 ? "" : "s", max_bytes);
	if (fflush(out) != 0 || ferror(out))
		return gt_error("cannot write output: %s", strerror(errno ? errno : EIO)), -1;
	return 0;
}
