/* edit: the --set/--set-string/--image edits on one file's bytes, with the supersession guard. */
#include "setimage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yamledit.h"

static bool is_kustomization(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return !strcmp(base, "kustomization.yaml") || !strcmp(base, "kustomization.yml") ||
	       !strcmp(base, "Kustomization");
}

/* The tag part of an image reference (or of kustomize's newName:newTag@digest), malloc'd, or NULL. */
static char *tag_of(const char *ref)
{
	struct gt_image_ref img;
	const char *why;
	char *tag = NULL;
	if (ref && gt_image_ref_parse(ref, &img, &why) == 0) {
		tag = img.tag ? strdup(img.tag) : NULL;
		gt_image_ref_clear(&img);
	}
	return tag;
}

static int apply_image(struct gt_yamledit *e, const char *file, struct edit *ed, char **old)
{
	free(ed->path);
	ed->path = NULL;
	if (!is_kustomization(file))
		return gt_yamledit_set_image_at(e, ed->key, ed->value, old, &ed->path);
	struct gt_image_ref img;
	const char *why;
	if (gt_image_ref_parse(ed->value, &img, &why) < 0) {
		gt_error("--image %s=%s: %s", ed->key, ed->value, why);
		return -1;
	}
	const char *new_name = strcmp(img.repo, ed->key) ? img.repo : NULL;
	int r = gt_yamledit_set_kustomize_image(e, ed->key, new_name, img.tag, img.digest, old);
	gt_image_ref_clear(&img);
	return r;
}

static int apply_one(struct setimage_opts *o, struct gt_yamledit *e, struct edit *ed)
{
	unsigned flags = (ed->kind == EDIT_SET_STRING ? GT_YEDIT_STRING : 0) | (o->create ? GT_YEDIT_CREATE : 0);
	free(ed->old);
	ed->old = NULL;
	int r = ed->kind == EDIT_IMAGE ? apply_image(e, o->file, ed, &ed->old)
				       : gt_yamledit_set(e, ed->key, ed->value, flags, &ed->old);
	ed->changed = r > 0;
	return r;
}

/* A concurrent newer bump must win whatever the order of arrival: never go back a version. */
static bool goes_backwards(const struct edit *ed)
{
	if (!ed->changed || !ed->old)
		return false;
	if (ed->kind != EDIT_IMAGE)
		return version_is_older(ed->value, ed->old);
	char *new_tag = tag_of(ed->value), *old_tag = tag_of(ed->old);
	bool older = version_is_older(new_tag, old_tag);
	free(new_tag);
	free(old_tag);
	return older;
}

int apply_edits(struct setimage_opts *o, const char *name, const char *buf, size_t len, char **out, size_t *out_len)
{
	struct gt_yamledit *e = gt_yamledit_new(buf, len, name, &o->lim);
	int changed = 0;
	if (!e)
		return -1;
	for (size_t i = 0; i < o->n_edits; i++) {
		struct edit *ed = &o->edits[i];
		int r = apply_one(o, e, ed);
		if (r < 0) {
			gt_yamledit_free(e);
			return -1;
		}
		if (!o->force && goes_backwards(ed)) {
			gt_error("%s: %s: %s is older than the current %s; not written (--force writes it anyway)", name,
				 ed->key, ed->value, ed->old);
			gt_yamledit_free(e);
			return EDIT_REFUSED;
		}
		changed |= ed->changed;
	}
	if (changed) {
		const char *bytes = gt_yamledit_bytes(e, out_len);
		*out = malloc(*out_len + 1);
		if (*out) {
			memcpy(*out, bytes, *out_len);
			(*out)[*out_len] = '\0';
		}
	}
	gt_yamledit_free(e);
	if (changed && !*out)
		return gt_error("out of memory"), -1;
	return changed;
}

char *commit_message_new(const struct setimage_opts *o)
{
	struct gt_strbuf msg = { 0 };
	int r = 0;
	if (o->message) {
		r |= gt_strbuf_adds(&msg, o->message);
	} else {
		r |= gt_strbuf_addf(&msg, "Update %s:", o->file);
		for (size_t i = 0, n = 0; i < o->n_edits; i++) {
			const struct edit *ed = &o->edits[i];
			if (ed->changed)
				r |= gt_strbuf_addf(&msg, "%s%s %s -> %s", n++ ? ", " : " ", ed->key,
						    ed->old ? ed->old : "(new)", ed->value);
		}
	}
	if (o->skip_ci)
		r |= gt_strbuf_adds(&msg, " [skip ci]");
	r |= gt_strbuf_adds(&msg, "\n");
	if (r < 0)
		return gt_strbuf_release(&msg), NULL;
	return gt_strbuf_detach(&msg);
}
