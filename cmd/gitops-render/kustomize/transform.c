/* kz transform: kustomize's built-in field transformers -- namespace, namePrefix/nameSuffix,
 * labels and commonLabels, commonAnnotations, replicas, images -- each walking its field
 * specs the way kustomize's filters do. */
#include "kz.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- setters (kustomize's filtersutil) ---- */

/* SetScalar/SetEntry("", v): the node becomes the string v; a map or list is an error. */
static int set_scalar(const struct kz_slot *slot, const char *value, struct kz_err *e)
{
	json_t *cur = kz_slot_get(slot);
	if (json_is_object(cur) || json_is_array(cur))
		return kz_fail(e, "wrong node kind: expected scalar");
	return kz_slot_set(slot, json_string(value)) < 0 ? kz_fail(e, "out of memory") : 0;
}

/* SetEntry(key, v): key=v in the map at the slot; a null node stays null (kyaml adds to nothing). */
static int set_entry(const struct kz_slot *slot, const char *key, json_t *value, struct kz_err *e)
{
	json_t *cur = kz_slot_get(slot);
	if (json_is_object(cur))
		return json_object_set_new(cur, key, value) < 0 ? kz_fail(e, "out of memory") : 0;
	json_decref(value);
	if (json_is_null(cur) || json_is_string(cur))
		return 0;
	return kz_unsupported(e, "a label or annotation field that is not a map");
}

/* ---- namespace ---- */

struct ns_ctx {
	const char *ns;
};

static int ns_set(const struct kz_slot *slot, void *ctx, struct kz_err *e)
{
	return set_scalar(slot, ((struct ns_ctx *)ctx)->ns, e);
}

static bool is_role_binding(const char *kind)
{
	return !strcmp(kind, "RoleBinding") || !strcmp(kind, "ClusterRoleBinding");
}

/* setRoleBindingSubjects defaultOnly: subjects named "default" get the namespace. */
static int role_binding_subjects(json_t *obj, const char *ns, struct kz_err *e)
{
	json_t *subjects = json_object_get(obj, "subjects"), *s;
	size_t i;
	if (!subjects || json_is_null(subjects))
		return 0;
	if (!json_is_array(subjects))
		return kz_fail(e, "subjects is not a list");
	json_array_foreach(subjects, i, s) {
		if (!json_is_object(s)) {
			if (json_is_null(s))
				continue;
			return kz_fail(e, "a subject is not a map");
		}
		json_t *name = json_object_get(s, "name");
		if (!json_is_string(name) || strcmp(json_string_value(name), "default"))
			continue;
		if (json_object_set_new(s, "namespace", json_string(ns)) < 0)
			return kz_fail(e, "out of memory");
	}
	return 0;
}

static int namespace_one(struct kz_build *b, const struct kz_acc *acc, struct kz_res *r, const char *ns)
{
	struct ns_ctx ctx = { ns };
	const char *av = kz_res_api_version(r), *kind = kz_res_kind(r);
	bool rb = is_role_binding(kind);
	if (!kz_res_cluster_scoped(r)) {
		struct kz_fieldspec meta = { "", "", "", "metadata/namespace", true, NULL, 0 };
		int st = kz_fieldspec_apply(&meta, r->obj, KZ_CREATE_SCALAR, ns_set, &ctx, b->e);
		kz_fieldspec_release(&meta);
		if (st < 0)
			return -1;
	}
	if (rb && role_binding_subjects(r->obj, ns, b->e) < 0)
		return -1;
	for (size_t i = 0; i < acc->tc.namespace.n; i++) {
		struct kz_fieldspec *fs = &acc->tc.namespace.v[i];
		if (!strcmp(fs->path, "metadata/namespace"))
			continue;
		if (strcmp(av, "v1") && !strcmp(fs->path, "metadata/name"))
			continue;
		if (rb && is_role_binding(fs->kind) && !strcmp(fs->path, "subjects/namespace"))
			continue;
		if (kz_fieldspec_apply(fs, r->obj, KZ_CREATE_SCALAR, ns_set, &ctx, b->e) < 0)
			return -1;
	}
	return 0;
}

int kz_transform_namespace(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc)
{
	const char *ns = kz_str(k->k, "namespace");
	if (!*ns)
		return 0;
	for (size_t i = 0; i < acc->rm.n; i++) {
		struct kz_res *r = acc->rm.v[i];
		if (kz_res_store_previous_id(r) < 0)
			return kz_fail(b->e, "out of memory");
		if (namespace_one(b, acc, r, ns) < 0)
			return -1;
		struct kz_id id, other;
		size_t same = 0;
		kz_res_cur_id(r, &id);
		for (size_t j = 0; j < acc->rm.n; j++) {
			kz_res_cur_id(acc->rm.v[j], &other);
			same += kz_id_equals(&id, &other);
		}
		if (same != 1) {
			char *s = kz_id_string(&id);
			kz_fail(b->e, "namespace transformation produces ID conflict: %s", s ? s : "?");
			free(s);
			return -1;
		}
	}
	return 0;
}

/* ---- namePrefix / nameSuffix ---- */

struct affix_ctx {
	const char *affix;
	bool suffix;
};

static int affix_set(const struct kz_slot *slot, void *ctx, struct kz_err *e)
{
	struct affix_ctx *c = ctx;
	json_t *cur = kz_slot_get(slot);
	char *text = gt_yaml_scalar_text(cur);
	char *v = text ? (c->suffix ? kz_printf("%s%s", text, c->affix) : kz_printf("%s%s", c->affix, text)) : NULL;
	int st = v ? set_scalar(slot, v, e) : kz_fail(e, "out of memory");
	free(text);
	free(v);
	return st;
}

/* Gvk.IsSelected: empty selector parts match anything. */
static bool id_selected(const struct kz_id *id, const char *group, const char *version, const char *kind)
{
	return (!*group || !strcmp(id->group, group)) && (!*version || !strcmp(id->version, version)) &&
	       (!*kind || !strcmp(id->kind, kind));
}

int kz_transform_prefix_suffix(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc, bool suffix)
{
	const char *affix = kz_str(k->k, suffix ? "nameSuffix" : "namePrefix");
	struct kz_fsslice *fss = suffix ? &acc->tc.name_suffix : &acc->tc.name_prefix;
	struct affix_ctx ctx = { affix, suffix };
	if (!*affix)
		return 0;
	for (size_t i = 0; i < acc->rm.n; i++) {
		struct kz_res *r = acc->rm.v[i];
		struct kz_id id;
		struct kz_ids hold;
		if (kz_res_org_id(r, &id, &hold) < 0)
			return kz_fail(b->e, "out of memory");
		/* CRDs, APIServices and Namespaces keep their names. */
		bool skip = id_selected(&id, "", "", "CustomResourceDefinition") ||
			    id_selected(&id, "apiregistration.k8s.io", "", "APIService") ||
			    id_selected(&id, "", "", "Namespace");
		int st = 0;
		for (size_t f = 0; !skip && st == 0 && f < fss->n; f++) {
			struct kz_fieldspec *fs = &fss->v[f];
			if (!id_selected(&id, fs->group, fs->version, fs->kind))
				continue;
			if (!strcmp(fs->path, "metadata/name")) {
				if (kz_build_append_csv(r, suffix ? KZ_SUFFIXES : KZ_PREFIXES, affix) < 0 ||
				    kz_res_store_previous_id(r) < 0)
					st = kz_fail(b->e, "out of memory");
			}
			if (st == 0)
				st = kz_fieldspec_apply(fs, r->obj, KZ_CREATE_SCALAR, affix_set, &ctx, b->e);
		}
		kz_ids_free(&hold);
		if (st < 0)
			return -1;
	}
	return 0;
}

/* ---- labels and annotations ---- */

struct entry_ctx {
	const char *key, *value;
};

static int entry_set(const struct kz_slot *slot, void *ctx, struct kz_err *e)
{
	struct entry_ctx *c = ctx;
	return set_entry(slot, c->key, json_string(c->value), e);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every pair (in key order) through every field spec of every resource. */
static int apply_pairs(struct kz_build *b, struct kz_acc *acc, const json_t *pairs, struct kz_fsslice *fss)
{
	size_t n = json_object_size(pairs), k = 0;
	const char **keys, *key;
	json_t *v;
	if (!n)
		return 0;
	keys = malloc(n * sizeof(*keys));
	if (!keys)
		return kz_fail(b->e, "out of memory");
	json_object_foreach((json_t *)pairs, key, v)
		keys[k++] = key;
	qsort(keys, n, sizeof(*keys), cmp_str);
	int st = 0;
	for (size_t i = 0; st == 0 && i < acc->rm.n; i++) {
		for (k = 0; st == 0 && k < n; k++) {
			struct entry_ctx c = { keys[k], kz_str(pairs, keys[k]) };
			for (size_t f = 0; st == 0 && f < fss->n; f++)
				st = kz_fieldspec_apply(&fss->v[f], acc->rm.v[i]->obj, KZ_CREATE_MAP, entry_set, &c, b->e);
		}
	}
	free(keys);
	return st;
}

static int fsslice_from_json(struct kz_fsslice *s, const json_t *list, struct kz_err *e)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		struct kz_fieldspec fs = { (char *)kz_str(v, "group"), (char *)kz_str(v, "version"),
					   (char *)kz_str(v, "kind"), (char *)kz_str(v, "path"),
					   json_is_true(json_object_get(v, "create")), NULL, 0 };
		if (kz_fsslice_merge_one(s, &fs, e) < 0)
			return -1;
	}
	return 0;
}

int kz_transform_labels(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc)
{
	size_t i;
	json_t *l;
	json_array_foreach(json_object_get(k->k, "labels"), i, l) {
		struct kz_fsslice fss = { 0 };
		struct kz_fieldspec meta = { "", "", "", "metadata/labels", true, NULL, 0 };
		int st = fsslice_from_json(&fss, json_object_get(l, "fields"), b->e);
		if (st == 0)
			st = kz_fsslice_merge_all(&fss, &acc->tc.labels, b->e);
		if (st == 0 && json_is_true(json_object_get(l, "includeSelectors"))) {
			st = kz_fsslice_merge_all(&fss, &acc->tc.common_labels, b->e);
		} else if (st == 0) {
			if (json_is_true(json_object_get(l, "includeTemplates")))
				st = kz_fsslice_merge_all(&fss, &acc->tc.template_labels, b->e);
			if (st == 0)
				st = kz_fsslice_merge_one(&fss, &meta, b->e);
		}
		if (st == 0)
			st = apply_pairs(b, acc, json_object_get(l, "pairs"), &fss);
		kz_fsslice_free(&fss);
		if (st < 0)
			return -1;
	}
	return apply_pairs(b, acc, json_object_get(k->k, "commonLabels"), &acc->tc.common_labels);
}

int kz_transform_annotations(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc)
{
	return apply_pairs(b, acc, json_object_get(k->k, "commonAnnotations"), &acc->tc.common_annotations);
}

/* ---- replicas ---- */

static int replicas_set(const struct kz_slot *slot, void *ctx, struct kz_err *e)
{
	json_t *cur = kz_slot_get(slot);
	if (json_is_object(cur) || json_is_array(cur))
		return kz_fail(e, "wrong node kind: expected scalar");
	return kz_slot_set(slot, json_integer(*(json_int_t *)ctx)) < 0 ? kz_fail(e, "out of memory") : 0;
}

/* A resource any of whose ids has this name and a kind the field spec selects. */
static bool replica_target(const struct kz_res *r, const char *name, const struct kz_fieldspec *fs)
{
	struct kz_ids prev;
	struct kz_id cur;
	bool hit = false;
	if (kz_res_prev_ids(r, &prev) < 0)
		return false;
	for (size_t i = 0; !hit && i < prev.n; i++)
		hit = !strcmp(prev.v[i].name, name) && id_selected(&prev.v[i], fs->group, fs->version, fs->kind);
	kz_ids_free(&prev);
	kz_res_cur_id(r, &cur);
	return hit || (!strcmp(cur.name, name) && id_selected(&cur, fs->group, fs->version, fs->kind));
}

int kz_transform_replicas(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc)
{
	size_t i;
	json_t *rep;
	json_array_foreach(json_object_get(k->k, "replicas"), i, rep) {
		const char *name = kz_str(rep, "name");
		json_int_t count = json_integer_value(json_object_get(rep, "count"));
		bool found = false;
		for (size_t f = 0; f < acc->tc.replicas.n; f++) {
			struct kz_fieldspec *fs = &acc->tc.replicas.v[f];
			for (size_t j = 0; j < acc->rm.n; j++) {
				if (!replica_target(acc->rm.v[j], name, fs))
					continue;
				found = true;
				if (kz_fieldspec_apply(fs, acc->rm.v[j]->obj, KZ_CREATE_SCALAR, replicas_set, &count, b->e) < 0)
					return -1;
			}
		}
		if (!found)
			return kz_fail(b->e, "resource with name %s does not match a config with the replicas field specs",
				       name);
	}
	return 0;
}

/* ---- images ---- */

struct image_ctx {
	const json_t *img;
	regex_t re;
};

/* image.Split: name, tag and digest of an image reference. */
static void split_image(const char *s, char **name, char **tag, char **digest)
{
	const char *search = s;
	size_t off = 0;
	const char *slash = strchr(s, '/');
	if (slash && slash > s) {
		search = slash;
		off = (size_t)(slash - s);
	}
	const char *at = strchr(search, '@'), *colon = strchr(search, ':');
	*tag = *digest = NULL;
	if (!at && !colon) {
		*name = strdup(s);
	} else if (at && (!colon || at < colon)) {
		*name = strndup(s, off + (size_t)(at - search));
		*digest = strdup(at + 1);
	} else if (at && colon) {
		*name = strndup(s, off + (size_t)(colon - search));
		*tag = strndup(colon + 1, (size_t)(at - colon - 1));
		*digest = strdup(at + 1);
	} else {
		*name = strndup(s, off + (size_t)(colon - search));
		*tag = strdup(colon + 1);
	}
	if (!*tag)
		*tag = strdup("");
	if (!*digest)
		*digest = strdup("");
}

/* imageTagUpdater.SetImageValue */
static int image_set(const struct kz_slot *slot, void *vctx, struct kz_err *e)
{
	struct image_ctx *c = vctx;
	json_t *cur = kz_slot_get(slot);
	if (json_is_object(cur) || json_is_array(cur))
		return kz_fail(e, "wrong node kind: expected scalar for an image");
	char *value = gt_yaml_scalar_text(cur);
	if (!value)
		return kz_fail(e, "out of memory");
	if (regexec(&c->re, value, 0, NULL, 0) != 0) {
		free(value);
		return 0;
	}
	char *name, *tag, *digest;
	split_image(value, &name, &tag, &digest);
	free(value);
	const char *nn = kz_str(c->img, "newName"), *nt = kz_str(c->img, "newTag"), *dg = kz_str(c->img, "digest");
	const char *suffix = kz_str(c->img, "tagSuffix");
	char *t = NULL;
	if (*nn) {
		free(name);
		name = strdup(nn);
	}
	if (*nt && *dg) {
		free(tag), free(digest);
		tag = strdup(nt), digest = strdup(dg);
	} else if (*nt) {
		free(tag), free(digest);
		tag = strdup(nt), digest = strdup("");
	} else if (*dg) {
		free(tag), free(digest);
		tag = strdup(""), digest = strdup(dg);
	} else if (*suffix) {
		t = kz_printf("%s%s", tag, suffix);
		free(tag), free(digest);
		tag = t, digest = strdup("");
	}
	char *out = kz_printf("%s%s%s%s%s", name, *tag ? ":" : "", tag, *digest ? "@" : "", digest);
	int st = out ? set_scalar(slot, out, e) : kz_fail(e, "out of memory");
	free(out);
	free(name);
	free(tag);
	free(digest);
	return st;
}

/* The legacy walk: every containers/initContainers list at any depth, each element's image. */
static int legacy_walk(json_t *node, struct image_ctx *c, struct kz_err *e)
{
	if (json_is_array(node)) {
		for (size_t i = 0; i < json_array_size(node); i++)
			if (legacy_walk(json_array_get(node, i), c, e) < 0)
				return -1;
		return 0;
	}
	if (!json_is_object(node))
		return 0;
	const char *key;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(node, tmp, key, v) {
		if (legacy_walk(v, c, e) < 0)
			return -1;
		if ((strcmp(key, "containers") && strcmp(key, "initContainers")) || !json_is_array(v))
			continue;
		for (size_t i = 0; i < json_array_size(v); i++) {
			json_t *el = json_array_get(v, i);
			if (!json_is_object(el))
				return kz_unsupported(e, "a container that is not a map");
			if (!json_object_get(el, "image"))
				continue;
			struct kz_slot s = { el, "image", 0 };
			if (image_set(&s, c, e) < 0)
				return -1;
		}
	}
	return 0;
}

/* image.IsImageMatched compiles the name into a Go regexp: names with other than these are left to kustomize. */
static bool plain_image_name(const char *s)
{
	size_t n = strlen(s);
	return n && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/:-@") == n;
}

int kz_transform_images(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc)
{
	size_t i;
	json_t *img;
	json_t *lists[] = { json_object_get(k->k, "images"), json_object_get(k->k, "imageTags") };
	for (size_t l = 0; l < 2; l++) {
		json_array_foreach(lists[l], i, img) {
			struct image_ctx c = { img, { 0 } };
			const char *name = kz_str(img, "name");
			if (!plain_image_name(name))
				return kz_unsupported(b->e, "%s: image name '%s'", k->shown, name);
			char *pattern = kz_printf("^%s(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$", name);
			if (!pattern || regcomp(&c.re, pattern, REG_EXTENDED | REG_NOSUB) != 0) {
				free(pattern);
				return kz_unsupported(b->e, "%s: image name '%s'", k->shown, name);
			}
			free(pattern);
			int st = 0;
			for (size_t j = 0; st == 0 && j < acc->rm.n; j++) {
				json_t *obj = acc->rm.v[j]->obj;
				if (!strcmp(kz_str(obj, "kind"), "CustomResourceDefinition"))
					continue;
				st = legacy_walk(obj, &c, b->e);
				for (size_t f = 0; st == 0 && f < acc->tc.images.n; f++)
					st = kz_fieldspec_apply(&acc->tc.images.v[f], obj, KZ_CREATE_NONE, image_set, &c, b->e);
			}
			regfree(&c.re);
			if (st < 0)
				return -1;
		}
	}
	return 0;
}
