/* yamledit_containers: the image: of every container of plain manifests whose repository matches. */
#include "yamledit.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cli.h"
#include "yaml.h"
#include "imageref.h"
#include "yamledit_int.h"

/* ---- container images in plain manifests ---- */

static bool is_containers_key(const struct ynode *n)
{
	return ytree_scalar_is(n, "containers") || ytree_scalar_is(n, "initContainers") || ytree_scalar_is(n, "ephemeralContainers");
}

static bool image_has_repo(const char *value, const char *repo)
{
	struct gt_image_ref ref;
	const char *why;
	if (gt_image_ref_parse(value, &ref, &why) < 0)
		return false;
	bool same = !strcmp(ref.repo, repo);
	gt_image_ref_clear(&ref);
	return same;
}

static int hits_add(struct image_hits *h, size_t node, const char *ref)
{
	if (GT_GROW(h->eds, h->cap, h->n + 1) < 0)
		return -1;
	h->eds[h->n] = (struct scalar_edit){ node, ref, json_string(ref) };
	return h->eds[h->n++].want ? 0 : -1;
}

static int cmp_scalar_edit(const void *a, const void *b)
{
	return yedit_cmp_size(&((const struct scalar_edit *)a)->node, &((const struct scalar_edit *)b)->node);
}

/* The key of map value v, or NO_NODE when v is not a map's value. */
size_t yedit_key_of(const struct ytree *t, size_t v)
{
	size_t m = t->nodes[v].parent;
	if (m == NO_NODE || t->nodes[m].kind != Y_MAP)
		return NO_NODE;
	for (size_t k = m + 1; k < t->nodes[m].after; k = t->nodes[t->nodes[k].after].after)
		if (t->nodes[k].after == v)
			return k;
	return NO_NODE;
}

/* Is scalar v the image: of an item of a containers list (and so edited where it stands)? */
bool yedit_is_container_image(const struct ytree *t, size_t v)
{
	size_t k = yedit_key_of(t, v), item = t->nodes[v].parent;
	size_t list = item == NO_NODE ? NO_NODE : t->nodes[item].parent;
	if (k == NO_NODE || !ytree_scalar_is(&t->nodes[k], "image") || list == NO_NODE || t->nodes[list].kind != Y_SEQ)
		return false;
	size_t lk = yedit_key_of(t, list);
	return lk != NO_NODE && is_containers_key(&t->nodes[lk]);
}

/* The image: of one container item. via: the alias the item was reached through, or NO_NODE;
 * a matching image reached through an alias is an error, as editing it would edit the anchor. */
static int container_image(const char *name, const struct ytree *t, size_t item, size_t via, const char *repo,
			   const char *ref, struct image_hits *h)
{
	if (t->nodes[item].kind == Y_ALIAS) {
		via = item;
		item = ytree_anchored_node(t, item);
	}
	if (item == NO_NODE || t->nodes[item].kind != Y_MAP)
		return 0;
	size_t v = ytree_map_find(t, item, "image"), target = v;
	if (v != NO_NODE && t->nodes[v].kind == Y_ALIAS) {
		via = v;
		target = ytree_anchored_node(t, v);
	}
	if (target == NO_NODE || t->nodes[target].kind != Y_SCALAR || !image_has_repo(t->nodes[target].value, repo))
		return 0;
	if (via != NO_NODE) {
		if (yedit_is_container_image(t, target))
			return 0; /* the anchor is a container's image itself: edited where it is defined */
		ytree_report(name, t, t->nodes[via].start,
		       "image %s comes through the alias *%s; editing it would change every other user of that "
		       "anchor: set it where the anchor is defined",
		       t->nodes[target].value, t->nodes[via].value);
		return -1;
	}
	if (h->matched++ == 0)
		h->first = v;
	if (!strcmp(t->nodes[v].value, ref))
		return 0;
	if (hits_add(h, v, ref) < 0) {
		ytree_report(name, NULL, 0, "out of memory");
		return -1;
	}
	return 0;
}

/* Every containers:, initContainers: and ephemeralContainers: list, at any depth, in every document. */
int yedit_find_container_images(const char *name, const struct ytree *t, const char *repo, const char *ref,
				 struct image_hits *h)
{
	for (size_t m = 0; m < t->n; m++) {
		if (t->nodes[m].kind != Y_MAP)
			continue;
		for (size_t k = m + 1; k < t->nodes[m].after; k = t->nodes[t->nodes[k].after].after) {
			if (!is_containers_key(&t->nodes[k]))
				continue;
			size_t list = t->nodes[k].after, via = NO_NODE;
			if (t->nodes[list].kind == Y_ALIAS) {
				via = list;
				list = ytree_anchored_node(t, list);
			}
			if (list == NO_NODE || t->nodes[list].kind != Y_SEQ)
				continue;
			for (size_t item = list + 1; item < t->nodes[list].after; item = t->nodes[item].after)
				if (container_image(name, t, item, via, repo, ref, h) < 0)
					return -1;
		}
	}
	return 0;
}

int yedit_image_args_ok(const struct gt_yamledit *e, const char *repo, const char *ref)
{
	struct gt_image_ref check;
	const char *why;
	if (!repo || !*repo) {
		ytree_report(e->name, NULL, 0, "no repository given to look for");
		return -1;
	}
	if (gt_image_ref_parse(ref, &check, &why) < 0) {
		ytree_report(e->name, NULL, 0, "bad image '%s': %s", ref ? ref : "", why);
		return -1;
	}
	gt_image_ref_clear(&check);
	return 0;
}

int gt_yamledit_set_container_images(struct gt_yamledit *e, const char *repo, const char *ref, char **old)
{
	struct ytree t;
	struct image_hits h = { .first = NO_NODE };
	if (old)
		*old = NULL;
	if (yedit_image_args_ok(e, repo, ref) < 0)
		return -1;
	if (ytree_parse(&t, e->buf, e->len, e->name, &e->lim) < 0)
		return -1;
	int ret = yedit_find_container_images(e->name, &t, repo, ref, &h);
	if (ret == 0 && !h.matched) {
		ytree_report(e->name, NULL, 0, "no container image with repository %s", repo);
		ret = -1;
	}
	if (ret == 0 && old && !(*old = strdup(t.nodes[h.first].value)))
		ret = -1;
	if (ret == 0 && h.n) {
		/* found map by map, an inner list can come after an outer one: splice in file order */
		qsort(h.eds, h.n, sizeof(*h.eds), cmp_scalar_edit);
		ret = yedit_write_scalars(e, &t, h.eds, h.n, "image") < 0 ? -1 : (int)h.n;
	}
	for (size_t i = 0; i < h.n; i++)
		json_decref(h.eds[i].want);
	free(h.eds);
	ytree_free(&t);
	if (ret < 0 && old) {
		free(*old);
		*old = NULL;
	}
	return ret;
}
