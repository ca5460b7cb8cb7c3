/* report: a Result record per object as soon as it is final, or a progress view and a summary table (-o text). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "json.h"

struct report {
	enum gt_format format;
	bool progress; /* stderr is a terminal and not -q */
	bool color;
	int write_error;
};

static const char *status_name(enum item_status s)
{
	switch (s) {
	case ST_OK: return "ok";
	case ST_FAILED: return "failed";
	case ST_SKIPPED: return "skipped";
	case ST_PLANNED: return "planned";
	default: return "pending";
	}
}

struct report *report_new(const struct apply_opts *o)
{
	struct report *r = calloc(1, sizeof(*r));
	if (!r)
		return gt_error("out of memory"), NULL;
	r->format = o->format;
	r->progress = isatty(STDERR_FILENO) && gt_verbosity() >= 1;
	r->color = gt_color_enabled(stdout);
	return r;
}

static json_t *result_new(const struct item *it)
{
	struct gt_result res = { .ref = it->ref, .action = it->action, .status = status_name(it->status),
				 .message = it->message, .wave = it->wave, .phase = phase_name(it->phase),
				 .hook = it->hook, .health = it->health };
	return gt_result_record_new(&res);
}

int report_item(struct report *r, struct item *it)
{
	if (it->printed || r->format == GT_FORMAT_TEXT)
		return 0; /* the table is written at the end, in sync order */
	json_t *rec = result_new(it);
	it->printed = true;
	if (!rec || gt_json_write(stdout, rec) < 0 || fputc('\n', stdout) == EOF)
		r->write_error = -1;
	fflush(stdout); /* one record per object as it lands: a pipe sees progress */
	json_decref(rec);
	if (r->progress && it->status == ST_FAILED)
		fprintf(stderr, "  failed: %s %s: %s\n", it->ref.kind, it->ref.name, it->message ? it->message : "");
	return r->write_error;
}

void report_progress(struct report *r, const char *fmt, ...)
{
	if (!r->progress)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", gt_program());
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void report_wait_progress(void *ctx, const json_t *records, double elapsed)
{
	struct report *r = ctx;
	size_t i, healthy = 0;
	const json_t *rec;
	const char *worst = NULL;
	if (!r->progress)
		return;
	json_array_foreach(records, i, rec) {
		struct gt_health_record h;
		if (gt_health_record_read(rec, &h, NULL) == 0 && (!strcmp(h.health, "Healthy") || !strcmp(h.health, "Suspended")))
			healthy++;
		else if (!worst)
			worst = h.ref.name;
	}
	fprintf(stderr, "%s: waiting for health: %zu/%zu healthy after %.0fs%s%s\n", gt_program(), healthy,
		json_array_size(records), elapsed, worst ? ", e.g. not yet: " : "", worst ? worst : "");
}

static const char *status_color(const struct report *r, enum item_status s)
{
	if (!r->color)
		return "";
	return s == ST_FAILED ? "\033[31m" : s == ST_OK ? "\033[32m" : "\033[33m";
}

/* "apps/Deployment/my-app": the OBJECT column. */
static void object_name(const struct item *it, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s/%s", it->ref.group, *it->ref.group ? "/" : "", it->ref.kind, it->ref.name);
}

/* Column widths from the longest cell, so the table lines up whatever the names. health is 0 when no
 * object has one (no --wait): the HEALTH column is then left out. */
struct widths {
	int object, ns, health;
};

static void widen(struct widths *w, const struct item *it)
{
	char obj[600];
	object_name(it, obj, sizeof(obj));
	int o = (int)strlen(obj), n = *it->ref.namespace ? (int)strlen(it->ref.namespace) : 1;
	w->object = o > w->object ? o : w->object;
	w->ns = n > w->ns ? n : w->ns;
	if (it->health) {
		int h = (int)strlen(it->health);
		if (w->health < (int)strlen("HEALTH"))
			w->health = (int)strlen("HEALTH");
		if (h > w->health)
			w->health = h;
	}
}

/* The HEALTH cell and its two spaces, when the table has the column ("-": not waited for). */
static void health_cell(const struct widths *w, const char *health)
{
	if (w->health)
		printf("%-*s  ", w->health, health ? health : "-");
}

static void table_row(struct report *r, const struct widths *w, const struct item *it)
{
	char obj[600];
	object_name(it, obj, sizeof(obj));
	bool msg = it->message && *it->message; /* no padding at the end of a line */
	printf("%-8s %5ld  %-9s %s%-7s%s  ", phase_name(it->phase), it->wave, gt_action_name(it->action),
	       status_color(r, it->status), status_name(it->status), r->color ? "\033[0m" : "");
	health_cell(w, it->health);
	printf("%-*s  %-*s%s%s\n", w->object, obj, msg ? w->ns : 0, *it->ref.namespace ? it->ref.namespace : "-",
	       msg ? "  " : "", msg ? it->message : "");
}

struct counts {
	size_t created, updated, unchanged, pruned, failed, skipped, planned;
};

static void count(struct counts *c, const struct item *it)
{
	if (it->status == ST_FAILED)
		c->failed++;
	else if (it->status == ST_SKIPPED)
		c->skipped++;
	else if (it->status == ST_PLANNED)
		c->planned++;
	else if (it->status == ST_OK && it->action == GT_ACTION_CREATE)
		c->created++;
	else if (it->status == ST_OK && it->action == GT_ACTION_UPDATE)
		c->updated++;
	else if (it->status == ST_OK && it->action == GT_ACTION_DELETE)
		c->pruned++;
	else if (it->status == ST_OK)
		c->unchanged++;
}

int report_finish(struct report *r, struct plan *p)
{
	struct counts c = { 0 };
	int rc;
	for (size_t i = 0; i < p->n; i++)
		report_item(r, &p->items[i]), count(&c, &p->items[i]);
	for (size_t i = 0; i < p->n_prune; i++)
		report_item(r, &p->prune[i]), count(&c, &p->prune[i]);
	if (r->format == GT_FORMAT_TEXT) {
		struct widths w = { (int)strlen("OBJECT"), (int)strlen("NAMESPACE"), 0 };
		for (size_t i = 0; i < p->n; i++)
			widen(&w, &p->items[i]);
		for (size_t i = 0; i < p->n_prune; i++)
			widen(&w, &p->prune[i]);
		printf("%-8s %5s  %-9s %-7s  ", "PHASE", "WAVE", "ACTION", "STATUS");
		health_cell(&w, "HEALTH");
		printf("%-*s  %-*s  %s\n", w.object, "OBJECT", w.ns, "NAMESPACE", "MESSAGE");
		for (size_t i = 0; i < p->n; i++)
			table_row(r, &w, &p->items[i]);
		for (size_t i = 0; i < p->n_prune; i++)
			table_row(r, &w, &p->prune[i]);
		printf("%zu created, %zu updated, %zu unchanged, %zu pruned, %zu failed, %zu skipped", c.created, c.updated,
		       c.unchanged, c.pruned, c.failed, c.skipped);
		if (c.planned)
			printf(", %zu planned (dry run)", c.planned);
		putchar('\n');
	}
	rc = r->write_error;
	if (fflush(stdout) == EOF || ferror(stdout))
		rc = -1, gt_error("cannot write output: %s", strerror(errno ? errno : EIO));
	free(r);
	return rc;
}
