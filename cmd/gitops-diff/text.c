/* text: what a person reads: "~ apps/Deployment prod/web", then a unified diff of the
 * object's YAML, live before and after the change, with -U lines of context. */
#define _GNU_SOURCE /* asprintf */
#include "difftext.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "yaml.h"

/* Beyond this many cells the middle of an object is shown as replaced wholesale, not aligned. */
#define LCS_MAX_CELLS ((size_t)4 << 20)

#define RED "\033[31m"
#define GREEN "\033[32m"
#define CYAN "\033[36m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

struct text_out {
	FILE *out;
	unsigned context;
	bool color, stat, failed;
	bool bare; /* the hunks only: no header line (text_hunks_dup) */
};

struct text_out *text_new(FILE *out, unsigned context, bool color, bool stat)
{
	struct text_out *t = calloc(1, sizeof(*t));
	if (!t)
		return gt_error("out of memory"), NULL;
	*t = (struct text_out){ out, context, color, stat, false, false };
	return t;
}

/* A document's YAML split into lines (pointers into *buf). */
struct lines {
	char *buf;
	char **line;
	size_t n;
};

static void lines_free(struct lines *l)
{
	free(l->buf);
	free(l->line);
}

static int lines_of(const json_t *doc, struct lines *l)
{
	size_t size = 0;
	FILE *m = open_memstream(&l->buf, &size);
	if (!m)
		return -1;
	int r = doc && !json_is_null(doc) ? gt_yaml_emit(m, doc) : 0;
	if (fclose(m) != 0 || r < 0)
		return -1;
	size_t cap = 0;
	for (char *p = l->buf, *nl; p && *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (GT_GROW(l->line, cap, l->n + 1) < 0)
			return -1;
		l->line[l->n++] = p;
		if (!nl)
			break;
		*nl = '\0';
	}
	return 0;
}

struct edit {
	char op; /* ' ', '-', '+' */
	size_t a, b; /* line in before (for ' ' and '-'), in after (for ' ' and '+') */
};

struct script {
	struct edit *e;
	size_t n;
};

static void push(struct script *s, char op, size_t a, size_t b)
{
	s->e[s->n++] = (struct edit){ op, a, b };
}

/* Longest common subsequence of the middle part, written as edits in order. */
static int align_middle(const struct lines *A, const struct lines *B, size_t a0, size_t na, size_t b0, size_t nb,
			struct script *s)
{
	if (na == 0 || nb == 0 || (na + 1) * (nb + 1) > LCS_MAX_CELLS) {
		for (size_t i = 0; i < na; i++)
			push(s, '-', a0 + i, 0);
		for (size_t j = 0; j < nb; j++)
			push(s, '+', 0, b0 + j);
		return 0;
	}
	unsigned *L = calloc((na + 1) * (nb + 1), sizeof(*L));
	if (!L)
		return -1;
#define AT(i, j) L[(i) * (nb + 1) + (j)]
	for (size_t i = na; i-- > 0;)
		for (size_t j = nb; j-- > 0;)
			AT(i, j) = !strcmp(A->line[a0 + i], B->line[b0 + j])
					   ? AT(i + 1, j + 1) + 1
					   : (AT(i + 1, j) >= AT(i, j + 1) ? AT(i + 1, j) : AT(i, j + 1));
	size_t i = 0, j = 0;
	while (i < na && j < nb) {
		if (!strcmp(A->line[a0 + i], B->line[b0 + j]))
			push(s, ' ', a0 + i++, b0 + j++);
		else if (AT(i + 1, j) >= AT(i, j + 1))
			push(s, '-', a0 + i++, 0);
		else
			push(s, '+', 0, b0 + j++);
	}
#undef AT
	while (i < na)
		push(s, '-', a0 + i++, 0);
	while (j < nb)
		push(s, '+', 0, b0 + j++);
	free(L);
	return 0;
}

/* The edit script: common head and tail kept, the middle aligned. */
static int line_diff(const struct lines *A, const struct lines *B, struct script *s)
{
	s->e = malloc((A->n + B->n + 1) * sizeof(*s->e));
	s->n = 0;
	if (!s->e)
		return -1;
	size_t head = 0, tail = 0;
	while (head < A->n && head < B->n && !strcmp(A->line[head], B->line[head]))
		head++;
	while (tail < A->n - head && tail < B->n - head && !strcmp(A->line[A->n - 1 - tail], B->line[B->n - 1 - tail]))
		tail++;
	for (size_t i = 0; i < head; i++)
		push(s, ' ', i, i);
	if (align_middle(A, B, head, A->n - head - tail, head, B->n - head - tail, s) < 0)
		return -1;
	for (size_t i = tail; i > 0; i--)
		push(s, ' ', A->n - i, B->n - i);
	return 0;
}

static void color_on(struct text_out *t, const char *c)
{
	if (t->color)
		fputs(c, t->out);
}

static void color_off(struct text_out *t)
{
	if (t->color)
		fputs(RESET, t->out);
}

/* "START,COUNT", or "START" alone for one line, as GNU diff -u writes a range. */
static void print_range(struct text_out *t, size_t start, size_t count)
{
	if (count == 1)
		fprintf(t->out, "%zu", start);
	else
		fprintf(t->out, "%zu,%zu", start, count);
}

/* "@@ -a,b +c,d @@" as diff -u writes it: a range of no lines starts at the line before. */
static void hunk_header(struct text_out *t, const struct script *s, size_t from, size_t to)
{
	size_t a_start = 0, b_start = 0, na = 0, nb = 0;
	bool a_seen = false, b_seen = false;
	for (size_t k = 0; k < from; k++) {
		a_start += s->e[k].op != '+';
		b_start += s->e[k].op != '-';
	}
	for (size_t k = from; k < to; k++) {
		if (s->e[k].op != '+')
			na++, a_seen = true;
		if (s->e[k].op != '-')
			nb++, b_seen = true;
	}
	color_on(t, CYAN);
	fputs("@@ -", t->out);
	print_range(t, a_start + a_seen, na);
	fputs(" +", t->out);
	print_range(t, b_start + b_seen, nb);
	fputs(" @@", t->out);
	color_off(t);
	fputc('\n', t->out);
}

static void print_edit(struct text_out *t, const struct lines *A, const struct lines *B, const struct edit *e)
{
	const char *text = e->op == '+' ? B->line[e->b] : A->line[e->a];
	if (e->op != ' ')
		color_on(t, e->op == '-' ? RED : GREEN);
	fprintf(t->out, "%c%s", e->op, text);
	if (e->op != ' ')
		color_off(t);
	fputc('\n', t->out);
}

/* Hunks: changes closer than 2*context lines share one. */
static void print_hunks(struct text_out *t, const struct lines *A, const struct lines *B, const struct script *s)
{
	size_t k = 0, U = t->context;
	while (k < s->n) {
		while (k < s->n && s->e[k].op == ' ')
			k++;
		if (k == s->n)
			break;
		size_t from = k > U ? k - U : 0, last = k;
		for (size_t j = k; j < s->n; j++) {
			if (s->e[j].op != ' ')
				last = j;
			else if (j - last > 2 * U)
				break;
		}
		size_t to = last + U + 1 < s->n ? last + U + 1 : s->n;
		hunk_header(t, s, from, to);
		for (size_t j = from; j < to; j++)
			print_edit(t, A, B, &s->e[j]);
		k = to;
	}
}

/* "apps/Deployment prod/web", "Service default/web", "Namespace prod". */
static void print_header(struct text_out *t, const json_t *change, char sym)
{
	struct gt_ref ref;
	gt_record_ref(change, &ref, NULL); /* our own record: every field is there */
	color_on(t, BOLD);
	fprintf(t->out, "%c %s%s%s %s%s%s", sym, ref.group, *ref.group ? "/" : "", ref.kind, ref.namespace,
		*ref.namespace ? "/" : "", ref.name);
	if (gt_change_ignored(change))
		fputs(" (IgnoreExtraneous: not counted)", t->out);
	color_off(t);
}

/* Live before and after the change, as the patch says. */
static int before_after(const json_t *change, json_t **before, json_t **after)
{
	enum gt_action a = gt_change_action(change);
	const json_t *live = gt_change_live(change), *desired = gt_change_desired(change);
	*before = live ? gt_diff_normalize_new(live) : json_null();
	if (a == GT_ACTION_DELETE) {
		*after = json_null();
		return 0;
	}
	if (a == GT_ACTION_CREATE) {
		*after = json_deep_copy(desired);
		return 0;
	}
	*after = json_deep_copy(*before);
	const char *why;
	if (gt_patch_apply(after, json_object_get(change, "patch"), &why) < 0) {
		gt_error("cannot show the change: its patch does not apply to the live object: %s", why);
		return -1;
	}
	return 0;
}

int text_change(struct text_out *t, const json_t *change)
{
	enum gt_action a = gt_change_action(change);
	if (a == GT_ACTION_UNCHANGED)
		return 0;
	char sym = a == GT_ACTION_CREATE ? '+' : a == GT_ACTION_DELETE ? '-' : '~';
	json_t *before = NULL, *after = NULL;
	struct lines A = { 0 }, B = { 0 };
	struct script s = { 0 };
	int r = before_after(change, &before, &after);
	if (r == 0 && (lines_of(before, &A) < 0 || lines_of(after, &B) < 0 || line_diff(&A, &B, &s) < 0))
		r = -1, gt_error("out of memory");
	if (r == 0 && t->bare) {
		print_hunks(t, &A, &B, &s);
	} else if (r == 0) {
		print_header(t, change, sym);
		if (t->stat) {
			size_t add = 0, del = 0;
			for (size_t k = 0; k < s.n; k++)
				add += s.e[k].op == '+', del += s.e[k].op == '-';
			fprintf(t->out, " | +%zu -%zu\n", add, del);
		} else {
			fputc('\n', t->out);
			print_hunks(t, &A, &B, &s);
		}
	}
	free(s.e);
	lines_free(&A);
	lines_free(&B);
	json_decref(before);
	json_decref(after);
	return r;
}

static void print_counts(struct text_out *t, const struct gt_diff_stats *st)
{
	fprintf(t->out, "%zu to create, %zu to update, %zu to delete, %zu unchanged", st->create, st->update,
		st->delete, st->unchanged);
	if (st->ignored)
		fprintf(t->out, " (%zu extraneous ignored)", st->ignored);
}

void text_app_header(struct text_out *t, const char *app, const struct gt_diff_stats *st)
{
	color_on(t, BOLD);
	fprintf(t->out, "app %s: ", app ? app : NO_APP);
	print_counts(t, st);
	color_off(t);
	fputc('\n', t->out);
}

char *text_hunks_dup(const json_t *change, unsigned context)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&buf, &size);
	if (!m)
		return gt_error("out of memory"), NULL;
	struct text_out t = { .out = m, .context = context, .bare = true };
	int r = text_change(&t, change);
	if (fclose(m) != 0 || r < 0) {
		if (r == 0)
			gt_error("out of memory");
		free(buf);
		return NULL;
	}
	return buf;
}

char *text_ref_dup(const json_t *change)
{
	struct gt_ref ref;
	char *s = NULL;
	gt_record_ref(change, &ref, NULL);
	if (asprintf(&s, "%s%s%s %s%s%s", ref.group, *ref.group ? "/" : "", ref.kind, ref.namespace,
		     *ref.namespace ? "/" : "", ref.name) < 0)
		return NULL;
	return s;
}

int text_finish(struct text_out *t, const struct gt_diff_stats *st)
{
	if (!t)
		return 0;
	if (t->stat) {
		print_counts(t, st);
		fputc('\n', t->out);
	}
	int r = fflush(t->out) == 0 && !ferror(t->out) ? 0 : -1;
	if (r < 0)
		gt_error("cannot write output: %s", strerror(errno ? errno : EIO));
	free(t);
	return r;
}
