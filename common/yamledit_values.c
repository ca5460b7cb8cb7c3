/* yamledit_values: --image in Helm values files (image.repository + tag, bitnami's registry, repo:tag strings). */
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

/* ---- images in Helm values files ---- */

/*
 * Where a values file names an image, as charts lay it out:
 *   image: {repository: R, tag: T}                  most charts
 *   image: {registry: G, repository: R, tag: T, digest: D}   bitnami's
 *   image: R:T                                      one string (also someImage: R:T)
 * at any depth, so per-component blocks (web.image, worker.image) are found too.
 */
enum values_layout { VALUES_MAP, VALUES_STRING };

struct values_image {
	enum values_layout layout;
	size_t node;  /* the map holding repository:, or the string scalar */
	char *path;   /* its key path, escaped as --set reads it */
	char *old;    /* NAME[:TAG][@DIGEST] as the file has it now */
	bool has_registry, has_digest, digest_set;
};

struct values_hits {
	struct values_image v[2]; /* a third match changes nothing: two already make it ambiguous */
	size_t n;
};

static void values_hits_clear(struct values_hits *h)
{
	for (size_t i = 0; i < h->n && i < 2; i++) {
		free(h->v[i].path);
		free(h->v[i].old);
	}
	memset(h, 0, sizeof(*h));
}

/* Docker Hub's short forms: "nginx", "library/nginx", "docker.io/nginx" and "index.docker.io/library/nginx" are one image. */
static void add_image_name_normal(struct text *t, const char *name)
{
	const char *slash = strchr(name, '/');
	bool has_domain = slash && gt_image_registry_like(name, (size_t)(slash - name));
	const char *rest = has_domain ? slash + 1 : name;
	if (has_domain && strncmp(name, "docker.io/", 10) && strncmp(name, "index.docker.io/", 16) &&
	    strncmp(name, "registry-1.docker.io/", 21)) {
		ytext_adds(t, name);
		return;
	}
	ytext_adds(t, "docker.io/");
	if (!strchr(rest, '/'))
		ytext_adds(t, "library/");
	ytext_adds(t, rest);
}

static bool same_image_name(const char *a, const char *b)
{
	struct text ta = { 0 }, tb = { 0 };
	add_image_name_normal(&ta, a);
	add_image_name_normal(&tb, b);
	char *na = ytext_take(&ta, NULL), *nb = ytext_take(&tb, NULL);
	bool same = na && nb ? !strcmp(na, nb) : !strcmp(a, b);
	free(na);
	free(nb);
	return same;
}

/* A key as --set reads it: '.', '[', ']', '=' and '\' escaped. */
static void add_escaped_key(struct text *t, const char *key, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (strchr(".[]=\\", key[i]))
			ytext_addc(t, '\\');
		ytext_addc(t, key[i]);
	}
}

/* The key path of node i from its document's root; false when a key on the way is not a scalar. */
static bool add_node_path(struct text *out, const struct ytree *t, size_t i)
{
	size_t parent = t->nodes[i].parent;
	if (parent == NO_NODE)
		return true;
	if (!add_node_path(out, t, parent))
		return false;
	if (t->nodes[parent].kind == Y_SEQ) {
		size_t index = 0;
		for (size_t item = parent + 1; item < i; item = t->nodes[item].after)
			index++;
		char buf[32];
		snprintf(buf, sizeof(buf), "[%zu]", index);
		ytext_adds(out, buf);
		return true;
	}
	size_t k = yedit_key_of(t, i);
	if (k == NO_NODE || t->nodes[k].kind != Y_SCALAR || !t->nodes[k].len)
		return false;
	if (out->len)
		ytext_addc(out, '.');
	add_escaped_key(out, t->nodes[k].value, t->nodes[k].len);
	return true;
}

/* The string value of key in map (a scalar), or NULL; "" for an empty one or a null (tag: ~). */
static const char *map_string(const struct ytree *t, size_t map, const char *key)
{
	size_t v = ytree_map_find(t, map, key);
	if (v == NO_NODE || t->nodes[v].kind != Y_SCALAR)
		return NULL;
	json_t *j = ytree_node_json(t, v);
	bool null = !j || json_is_null(j);
	json_decref(j);
	return null ? "" : t->nodes[v].value;
}

/* NAME[:TAG][@DIGEST] of a map layout as it stands (tag may itself be TAG@DIGEST). */
static char *values_map_old(const struct ytree *t, size_t map, const char *name)
{
	const char *tag = map_string(t, map, "tag"), *digest = map_string(t, map, "digest");
	struct text o = { 0 };
	ytext_adds(&o, name);
	if (tag && *tag) {
		ytext_addc(&o, ':');
		ytext_adds(&o, tag);
	}
	if (digest && *digest) {
		ytext_addc(&o, '@');
		ytext_adds(&o, digest);
	}
	return ytext_take(&o, NULL);
}

static int values_hit(const struct ytree *t, size_t node, enum values_layout layout, const char *old,
		      struct values_hits *h)
{
	if (h->n >= 2) {
		h->n++;
		return 0;
	}
	struct values_image *v = &h->v[h->n++];
	struct text p = { 0 };
	*v = (struct values_image){ .layout = layout, .node = node };
	if (!add_node_path(&p, t, node)) {
		free(ytext_take(&p, NULL));
		h->n--;
		return 0; /* not reachable by a key path (a key that is a map): not an image a chart reads */
	}
	v->path = ytext_take(&p, NULL);
	v->old = strdup(old);
	if (layout == VALUES_MAP) {
		v->has_registry = map_string(t, node, "registry") != NULL;
		v->has_digest = ytree_map_find(t, node, "digest") != NO_NODE;
		v->digest_set = v->has_digest && map_string(t, node, "digest") && *map_string(t, node, "digest");
	}
	return v->path && v->old ? 0 : -1;
}

/* Is the document's root an object of the Kubernetes API (apiVersion and kind)? Those are manifests, not values. */
static bool is_k8s_object(const struct ytree *t, size_t doc)
{
	size_t root = t->docs[doc].root;
	return root != NO_NODE && t->nodes[root].kind == Y_MAP && ytree_map_find(t, root, "apiVersion") != NO_NODE &&
	       ytree_map_find(t, root, "kind") != NO_NODE;
}

/* A key named image, or ending in Image/image (sidecarImage): where a chart keeps a whole reference. */
static bool is_image_key(const struct ynode *k)
{
	if (k->kind != Y_SCALAR || k->len < 5)
		return false;
	const char *end = k->value + k->len - 5;
	return !strcmp(end, "image") || !strcmp(end, "Image");
}

static int values_map_image(const struct ytree *t, size_t m, const char *repo, struct values_hits *h)
{
	const char *r = map_string(t, m, "repository"), *g = map_string(t, m, "registry");
	if (!r || !*r)
		return 0;
	struct text n = { 0 };
	if (g && *g) {
		ytext_adds(&n, g);
		ytext_addc(&n, '/');
	}
	ytext_adds(&n, r);
	char *name = ytext_take(&n, NULL);
	if (!name)
		return -1;
	int ret = 0;
	if (same_image_name(name, repo)) {
		char *old = values_map_old(t, m, name);
		ret = old ? values_hit(t, m, VALUES_MAP, old, h) : -1;
		free(old);
	}
	free(name);
	return ret;
}

static int values_string_image(const struct ytree *t, size_t k, const char *repo, struct values_hits *h)
{
	size_t v = t->nodes[k].after;
	if (!is_image_key(&t->nodes[k]) || t->nodes[v].kind != Y_SCALAR || yedit_is_container_image(t, v))
		return 0;
	struct gt_image_ref ref;
	const char *why;
	if (gt_image_ref_parse(t->nodes[v].value, &ref, &why) < 0)
		return 0;
	bool same = same_image_name(ref.repo, repo);
	gt_image_ref_clear(&ref);
	return same ? values_hit(t, v, VALUES_STRING, t->nodes[v].value, h) : 0;
}

/* Every image of the Helm layouts in the documents that are not Kubernetes objects. */
static int find_values_images(const struct ytree *t, const char *repo, struct values_hits *h)
{
	for (size_t m = 0; m < t->n; m++) {
		if (t->nodes[m].kind != Y_MAP || is_k8s_object(t, t->nodes[m].doc))
			continue;
		if (values_map_image(t, m, repo, h) < 0)
			return -1;
		for (size_t k = m + 1; k < t->nodes[m].after; k = t->nodes[t->nodes[k].after].after)
			if (values_string_image(t, k, repo, h) < 0)
				return -1;
	}
	return 0;
}

/* Set KEY (a path escaped as --set reads it) to value, adding it when missing; 1, 0 or -1 as gt_yamledit_set. */
static int values_set(struct gt_yamledit *e, const char *path, const char *key, const char *value)
{
	struct text k = { 0 };
	ytext_adds(&k, path);
	if (key) {
		if (*path)
			ytext_addc(&k, '.');
		ytext_adds(&k, key);
	}
	char *full = ytext_take(&k, NULL);
	if (!full) {
		ytree_report(e->name, NULL, 0, "out of memory");
		return -1;
	}
	int r = gt_yamledit_set(e, full, value, GT_YEDIT_STRING | GT_YEDIT_CREATE, NULL);
	free(full);
	return r;
}

/* Split "registry.example.com/team/app" into the registry and the rest; a name without one is Docker Hub's. */
static char *split_registry(const char *repo, const char **rest)
{
	const char *slash = strchr(repo, '/');
	if (!slash || !gt_image_registry_like(repo, (size_t)(slash - repo))) {
		*rest = repo;
		return strdup("docker.io");
	}
	*rest = slash + 1;
	return ytext_dup(repo, (size_t)(slash - repo));
}

/* The new repository, when ref names another one than the file has. */
static int values_set_repository(struct gt_yamledit *e, const struct values_image *v, const char *old_name,
				 const char *new_repo)
{
	if (same_image_name(old_name, new_repo))
		return 0;
	if (!v->has_registry)
		return values_set(e, v->path, "repository", new_repo);
	const char *rest;
	char *registry = split_registry(new_repo, &rest);
	if (!registry) {
		ytree_report(e->name, NULL, 0, "out of memory");
		return -1;
	}
	int a = values_set(e, v->path, "registry", registry);
	int b = a < 0 ? -1 : values_set(e, v->path, "repository", rest);
	free(registry);
	return a < 0 || b < 0 ? -1 : (a | b);
}

/*
 * The map layout: tag (and digest) next to repository. A digest goes to digest: where the chart
 * has one, else with the tag as TAG@DIGEST (what most charts' REPOSITORY:TAG template makes a
 * valid reference of, as argocd-image-updater writes it). A new tag clears an old digest: charts
 * prefer the digest, and it would keep the old image running.
 */
static int values_edit_map(struct gt_yamledit *e, const struct values_image *v, const char *name,
			   const struct gt_image_ref *ref)
{
	int changed = values_set_repository(e, v, name, ref->repo), r = 0;
	if (changed < 0)
		return -1;
	if (ref->digest && !ref->tag && !v->has_digest) {
		ytree_report(e->name, NULL, 0, "%s has no digest: key; give a tag with the digest (REPO:TAG@DIGEST)",
		       v->path);
		return -1;
	}
	if (ref->tag) {
		struct text t = { 0 };
		ytext_adds(&t, ref->tag);
		if (ref->digest && !v->has_digest) {
			ytext_addc(&t, '@');
			ytext_adds(&t, ref->digest);
		}
		char *tag = ytext_take(&t, NULL);
		r = tag ? values_set(e, v->path, "tag", tag) : -1;
		free(tag);
		if (r < 0)
			return -1;
		changed |= r;
	}
	if (v->has_digest && (ref->digest || (ref->tag && v->digest_set))) {
		r = values_set(e, v->path, "digest", ref->digest ? ref->digest : "");
		if (r < 0)
			return -1;
		changed |= r;
	}
	return changed;
}

static int values_edit(struct gt_yamledit *e, const struct values_image *v, const char *ref_text)
{
	if (v->layout == VALUES_STRING)
		return values_set(e, v->path, NULL, ref_text);
	struct gt_image_ref ref, old;
	const char *why;
	if (gt_image_ref_parse(ref_text, &ref, &why) < 0)
		return -1; /* checked by the caller */
	int r = -1;
	if (gt_image_ref_parse(v->old, &old, &why) < 0)
		ytree_report(e->name, NULL, 0, "%s: the image there (%s) is not a valid reference: %s", v->path, v->old,
		       why);
	else {
		r = values_edit_map(e, v, old.repo, &ref);
		gt_image_ref_clear(&old);
	}
	gt_image_ref_clear(&ref);
	return r;
}

/* Does any container of the file have an image of repository repo? (-1 after printing, as for an alias.) */
static int containers_match(const char *name, const struct ytree *t, const char *repo, const char *ref)
{
	struct image_hits h = { .first = NO_NODE };
	int r = yedit_find_container_images(name, t, repo, ref, &h);
	for (size_t i = 0; i < h.n; i++)
		json_decref(h.eds[i].want);
	free(h.eds);
	return r < 0 ? -1 : h.matched > 0;
}

/* The key path a values image's edit names: IMAGE.tag, IMAGE.digest, IMAGE.repository or IMAGE. */
static char *values_changed_path(const struct values_image *v, const char *ref_text)
{
	struct gt_image_ref ref;
	const char *why, *leaf = NULL;
	if (v->layout == VALUES_STRING)
		return strdup(v->path);
	if (gt_image_ref_parse(ref_text, &ref, &why) < 0)
		return NULL;
	leaf = ref.tag || !ref.digest ? (ref.tag ? "tag" : "repository") : v->has_digest ? "digest" : "tag";
	gt_image_ref_clear(&ref);
	struct text p = { 0 };
	ytext_adds(&p, v->path);
	if (*v->path)
		ytext_addc(&p, '.');
	ytext_adds(&p, leaf);
	return ytext_take(&p, NULL);
}

int gt_yamledit_set_image(struct gt_yamledit *e, const char *repo, const char *ref, char **old)
{
	return gt_yamledit_set_image_at(e, repo, ref, old, NULL);
}

int gt_yamledit_set_image_at(struct gt_yamledit *e, const char *repo, const char *ref, char **old, char **path)
{
	struct ytree t;
	struct values_hits vh = { 0 };
	if (old)
		*old = NULL;
	if (path)
		*path = NULL;
	if (yedit_image_args_ok(e, repo, ref) < 0)
		return -1;
	if (ytree_parse(&t, e->buf, e->len, e->name, &e->lim) < 0)
		return -1;
	int containers = containers_match(e->name, &t, repo, ref);
	if (containers >= 0 && find_values_images(&t, repo, &vh) < 0) {
		ytree_report(e->name, NULL, 0, "out of memory");
		containers = -1;
	}
	ytree_free(&t);
	if (containers < 0 || vh.n > 1 || (!containers && !vh.n)) {
		if (vh.n > 1)
			ytree_report(e->name, NULL, 0,
			       "image %s is named at %zu places (%s and %s): ambiguous; set one with --set %s%s=TAG",
			       repo, vh.n, vh.v[0].path, vh.v[1].path, vh.v[0].path,
			       vh.v[0].layout == VALUES_MAP ? ".tag" : "");
		else if (containers == 0)
			ytree_report(e->name, NULL, 0,
			       "no container image with repository %s, nor a Helm value naming it (IMAGE.repository "
			       "with IMAGE.tag, IMAGE.registry with IMAGE.repository, or IMAGE: %s:TAG)",
			       repo, repo);
		values_hits_clear(&vh);
		return -1;
	}
	if (!vh.n)
		return gt_yamledit_set_container_images(e, repo, ref, old);
	char *saved = ytext_dup(e->buf, e->len);
	size_t saved_len = e->len;
	int changed = -1;
	if (!saved)
		ytree_report(e->name, NULL, 0, "out of memory");
	else if (!containers || (containers = gt_yamledit_set_container_images(e, repo, ref, old)) >= 0) {
		if (old && !*old && !(*old = strdup(vh.v[0].old)))
			ytree_report(e->name, NULL, 0, "out of memory");
		else
			changed = values_edit(e, &vh.v[0], ref);
	}
	if (changed >= 0 && path && !(*path = values_changed_path(&vh.v[0], ref))) {
		ytree_report(e->name, NULL, 0, "out of memory");
		changed = -1;
	}
	if (changed < 0 && saved) { /* all or nothing */
		yedit_commit(e, saved, saved_len);
		saved = NULL;
	}
	if (changed < 0 && old) {
		free(*old);
		*old = NULL;
	}
	free(saved);
	values_hits_clear(&vh);
	return changed < 0 ? -1 : containers + changed;
}
