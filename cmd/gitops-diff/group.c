/* group: the Changes of a run kept in order and grouped by the Argo CD app each object belongs to
 * (its tracking id, as gitops-render --app writes it), for the text and markdown reports. */
#include "difftext.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "obj.h"

#define TRACKING_ID "argocd.argoproj.io/tracking-id"
#define INSTANCE_LABEL "app.kubernetes.io/instance"

/* The app of obj: the tracking id's part before its first ':', else the instance label. NULL: none. */
static char *object_app_dup(const json_t *obj)
{
	const char *id = obj ? gt_obj_annotation(obj, TRACKING_ID) : NULL;
	const char *colon = id ? strchr(id, ':') : NULL;
	if (colon && colon > id)
		return strndup(id, (size_t)(colon - id));
	const char *label = obj ? json_string_value(json_object_get(
					  json_object_get(json_object_get(obj, "metadata"), "labels"), INSTANCE_LABEL))
				: NULL;
	return label && *label ? strdup(label) : NULL;
}

/* The desired side says which app an object will belong to; a delete has only the live side. */
static char *change_app_dup(const json_t *change)
{
	char *app = object_app_dup(gt_change_desired(change));
	return app ? app : object_app_dup(gt_change_live(change));
}

struct groups *groups_new(void)
{
	struct groups *g = calloc(1, sizeof(*g));
	if (!g || !(g->all = json_array()))
		return free(g), gt_error("out of memory"), NULL;
	return g;
}

void groups_free(struct groups *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++) {
		free(g->v[i].app);
		json_decref(g->v[i].changes);
	}
	free(g->v);
	json_decref(g->all);
	free(g);
}

static struct group *group_of(struct groups *g, const char *app)
{
	for (size_t i = 0; i < g->n; i++)
		if ((!app && !g->v[i].app) || (app && g->v[i].app && !strcmp(app, g->v[i].app)))
			return &g->v[i];
	if (GT_GROW(g->v, g->cap, g->n + 1) < 0)
		return NULL;
	struct group *n = &g->v[g->n];
	memset(n, 0, sizeof(*n));
	if (!(n->changes = json_array()) || (app && !(n->app = strdup(app)))) {
		json_decref(n->changes);
		return NULL;
	}
	g->n++;
	return n;
}

static void count(struct gt_diff_stats *st, const json_t *change)
{
	switch (gt_change_action(change)) {
	case GT_ACTION_CREATE: st->create++; break;
	case GT_ACTION_UPDATE: st->update++; break;
	case GT_ACTION_DELETE: /* as common/diff counts: an IgnoreExtraneous delete is a delete, and ignored */
		st->delete++;
		st->ignored += gt_change_ignored(change);
		break;
	default: st->unchanged++; break;
	}
}

int groups_add(struct groups *g, const json_t *change)
{
	char *app = change_app_dup(change);
	struct group *grp = group_of(g, app);
	free(app);
	if (!grp || json_array_append(g->all, (json_t *)change) < 0 || json_array_append(grp->changes, (json_t *)change) < 0)
		return gt_error("out of memory"), -1;
	count(&grp->st, change);
	return 0;
}

static int by_app(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	if (!x->app || !y->app)
		return !x->app - !y->app; /* "(no app)" last */
	return strcmp(x->app, y->app);
}

void groups_sort(struct groups *g)
{
	if (g->n > 1)
		qsort(g->v, g->n, sizeof(*g->v), by_app);
}

size_t group_changed(const struct group *grp)
{
	return grp->st.create + grp->st.update + grp->st.delete;
}
