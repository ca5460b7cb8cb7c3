/* table: Status records as `argocd app list` prints Applications: its columns, in its order, as wide as their
 * widest cell, then what only we know (the commit, the changes, the first problem). */
#include "status.h"

#include <stdio.h>
#include <string.h>

#include "record.h"

enum { NAME, CLUSTER, NAMESPACE, PROJECT, STATUS, HEALTH, SYNCPOLICY, REVISION, CHANGES, MESSAGE, N_COLUMNS };
static const char *const heads[N_COLUMNS] = { "NAME",   "CLUSTER",    "NAMESPACE", "PROJECT", "STATUS",
					      "HEALTH", "SYNCPOLICY", "REVISION",  "CHANGES", "MESSAGE" };

struct row {
	char name[512], revision[8], changes[96];
	const char *cells[N_COLUMNS];
};

/* "1 create, 2 update": what a sync would do, "-" when nothing. */
static void changes_cell(const struct gt_status *st, char *buf, size_t size)
{
	const size_t counts[] = { st->create, st->update, st->delete };
	const char *names[] = { "create", "update", "delete" };
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; i < 3; i++)
		if (counts[i] && len < size)
			len += (size_t)snprintf(buf + len, size - len, "%s%zu %s", len ? ", " : "", counts[i], names[i]);
	if (!len)
		snprintf(buf, size, "-");
}

static void row_of(const json_t *rec, struct row *r)
{
	struct gt_status st;
	if (gt_status_record_read(rec, &st, NULL) < 0) /* ours: cannot fail, but a row is always whole */
		memset(&st, 0, sizeof(st));
	/* argocd's NAME is the qualified name, NAMESPACE/NAME */
	snprintf(r->name, sizeof(r->name), "%s%s%s", st.app_namespace ? st.app_namespace : "",
		 st.app_namespace && *st.app_namespace ? "/" : "", st.app ? st.app : "");
	snprintf(r->revision, sizeof(r->revision), "%.7s", st.revision ? st.revision : "");
	changes_cell(&st, r->changes, sizeof(r->changes));
	const char *v[N_COLUMNS] = { r->name,   st.dest_server && *st.dest_server ? st.dest_server : st.dest_name,
				     st.dest_namespace, st.project, st.sync, st.health, st.sync_policy, r->revision,
				     r->changes, st.message };
	for (int c = 0; c < N_COLUMNS; c++)
		r->cells[c] = v[c] && *v[c] ? v[c] : c == MESSAGE ? "" : "-";
}

int print_table(FILE *out, const json_t *records)
{
	int width[N_COLUMNS];
	size_t i;
	const json_t *rec;
	struct row r;
	for (int c = 0; c < N_COLUMNS; c++)
		width[c] = (int)strlen(heads[c]);
	json_array_foreach(records, i, rec) {
		row_of(rec, &r);
		for (int c = 0; c < N_COLUMNS; c++)
			if ((int)strlen(r.cells[c]) > width[c])
				width[c] = (int)strlen(r.cells[c]);
	}
	for (int c = 0; c < MESSAGE; c++)
		fprintf(out, "%-*s  ", width[c], heads[c]);
	fprintf(out, "%s\n", heads[MESSAGE]);
	json_array_foreach(records, i, rec) {
		row_of(rec, &r);
		for (int c = 0; c < MESSAGE; c++)
			fprintf(out, "%-*s%s", *r.cells[MESSAGE] || c < CHANGES ? width[c] : 0, r.cells[c],
				*r.cells[MESSAGE] || c < CHANGES ? "  " : "");
		fprintf(out, "%s\n", r.cells[MESSAGE]);
	}
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
