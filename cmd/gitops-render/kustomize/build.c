/* kz build: kustomize's pipeline over a loaded tree (api/internal/target): accumulate each
 * kustomization's resources, bases and components depth-first, run its generators and its
 * transformers in kustomize's order; at the top, hash generated names, fix name references,
 * resolve vars, order the result. Also the entry point gitops-render calls. */
#include "kz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../render.h"

static void acc_free(struct kz_acc *acc)
{
	kz_resmap_free(&acc->rm);
	kz_tconfig_free(&acc->tc);
	json_decref(acc->vars);
	memset(acc, 0, sizeof(*acc));
}

static int acc_init(struct kz_acc *acc, struct kz_err *e)
{
	memset(acc, 0, sizeof(*acc));
	acc->vars = json_array();
	return acc->vars ? 0 : kz_fail(e, "out of memory");
}

/* ResAccumulator.MergeAccumulator: other's resources appended (ids must stay unique), its
 * transformer config and vars merged; other is emptied. */
static int merge_accumulator(struct kz_build *b, struct kz_acc *acc, struct kz_appender *ap, struct kz_acc *other)
{
	for (size_t i = 0; i < other->rm.n; i++) {
		struct kz_res *r = other->rm.v[i];
		other->rm.v[i] = NULL;
		if (kz_appender_add(ap, r, b->e) < 0) {
			for (size_t j = i + 1; j < other->rm.n; j++) {
				kz_res_free(other->rm.v[j]);
				other->rm.v[j] = NULL;
			}
			return -1;
		}
	}
	other->rm.n = 0;
	if (kz_tconfig_merge(&acc->tc, &other->tc, b->e) < 0)
		return -1;
	size_t i;
	json_t *v, *w;
	json_array_foreach(other->vars, i, v) {
		size_t j;
		json_array_foreach(acc->vars, j, w)
			if (!strcmp(kz_str(v, "name"), kz_str(w, "name")))
				return kz_fail(b->e, "var '%s' already encountered", kz_str(v, "name"));
		json_array_append(acc->vars, v);
	}
	return 0;
}

static int accumulate_target(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc);

static int accumulate_entries(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc,
			      struct kz_appender *ap)
{
	for (size_t i = 0; i < k->n_resources; i++) {
		const struct kz_entry *en = &k->resources[i];
		if (en->file) {
			size_t j;
			json_t *doc;
			/* the last entry naming a file takes its objects; the others copy them */
			bool last = --en->file->uses == 0;
			json_array_foreach(en->file->docs, j, doc) {
				struct kz_res *r = kz_res_new(last ? json_incref(doc) : json_deep_copy(doc));
				if (!r || !r->obj)
					return kz_res_free(r), kz_fail(b->e, "out of memory");
				if (kz_appender_add(ap, r, b->e) < 0)
					return -1;
			}
			if (last) {
				json_decref(en->file->docs);
				en->file->docs = NULL;
			}
			continue;
		}
		struct kz_acc sub;
		if (acc_init(&sub, b->e) < 0)
			return -1;
		int st = accumulate_target(b, en->dir, &sub);
		if (st == 0)
			st = merge_accumulator(b, acc, ap, &sub);
		acc_free(&sub);
		if (st < 0)
			return -1;
	}
	return 0;
}

static int accumulate_resources(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc)
{
	struct kz_appender ap;
	if (!k->n_resources)
		return 0;
	if (kz_appender_init(&ap, &acc->rm, b->e) < 0)
		return -1;
	int st = accumulate_entries(b, k, acc, &ap);
	kz_appender_free(&ap);
	return st;
}

static int run_transformers(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc)
{
	int (*const steps[])(struct kz_build *, const struct kz_kust *, struct kz_acc *) = {
		kz_transform_patches_sm, kz_transform_patches, kz_transform_namespace,
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(*steps); i++) {
		if (steps[i](b, k, acc) < 0)
			return -1;
		kz_resmap_drop_deleted(&acc->rm);
	}
	if (kz_transform_prefix_suffix(b, k, acc, false) < 0 || kz_transform_prefix_suffix(b, k, acc, true) < 0)
		return -1;
	int (*const rest[])(struct kz_build *, const struct kz_kust *, struct kz_acc *) = {
		kz_transform_labels,  kz_transform_annotations, kz_transform_patches_json6902,
		kz_transform_replicas, kz_transform_images,	 kz_transform_replacements,
	};
	for (size_t i = 0; i < sizeof(rest) / sizeof(*rest); i++) {
		if (rest[i](b, k, acc) < 0)
			return -1;
		kz_resmap_drop_deleted(&acc->rm);
	}
	return 0;
}

/* KustTarget.accumulateTarget: also the step a component takes on its parent's accumulator. */
static int accumulate_target(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc)
{
	struct kz_tconfig tc;
	if (accumulate_resources(b, k, acc) < 0 || kz_tconfig_defaults(&tc, b->e) < 0)
		return -1;
	int st = k->has_config ? kz_tconfig_merge(&tc, &k->config, b->e) : 0;
	if (st == 0)
		st = kz_tconfig_merge(&acc->tc, &tc, b->e);
	kz_tconfig_free(&tc);
	if (st < 0 || kz_run_generators(b, k, acc) < 0)
		return -1;
	for (size_t i = 0; i < k->n_components; i++)
		if (accumulate_target(b, k->components[i].dir, acc) < 0)
			return -1;
	if (run_transformers(b, k, acc) < 0)
		return -1;
	return kz_merge_vars(b, k, acc);
}

int kz_build_tree(struct kz_tree *t, json_t **out, struct kz_err *e)
{
	struct kz_build b = { t, e };
	struct kz_acc acc;
	if (acc_init(&acc, e) < 0)
		return -1;
	int st = accumulate_target(&b, t->root, &acc);
	if (st == 0)
		st = kz_add_hashes(&b, &acc.rm);
	if (st == 0)
		st = kz_fix_name_references(&b, &acc);
	if (st == 0)
		st = kz_resolve_vars(&b, &acc);
	if (st == 0)
		st = kz_sort(&b, &acc.rm);
	if (st == 0)
		st = kz_finish(&b, &acc.rm, out);
	acc_free(&acc);
	return st;
}

/* ---- gitops-render's entry point ---- */

int kustomize_native(const struct render_opts *o, const char *dir, json_t **objects, char **why)
{
	struct kz_tree t;
	struct kz_err e = { NULL, false, false };
	memset(&t, 0, sizeof(t));
	t.restrict_root = !o->load_restrictor || strcmp(o->load_restrictor, "LoadRestrictionsNone");
	t.lim = o->lim;
	t.strip = o->strip;
	t.max_files = o->max_tree_files ? o->max_tree_files : RENDER_DEFAULT_MAX_TREE_FILES;
	t.max_bytes = o->max_tree_bytes ? o->max_tree_bytes : RENDER_DEFAULT_MAX_TREE_BYTES;
	t.src_fd = -1;
	*objects = NULL;
	*why = NULL;
	if (o->source_root) {
		t.src_root = realpath(o->source_root, NULL);
		t.src_fd = t.src_root ? open(t.src_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
		if (t.src_fd < 0) {
			*why = kz_printf("%s: %s", o->source_root, strerror(errno));
			free(t.src_root);
			return -2;
		}
	}
	/* a directory given relative: files are named relative to where the user is, as given */
	char *cwd = NULL;
	if (!t.strip && dir[0] != '/' && (cwd = getcwd(NULL, 0)) && (t.strip_owned = kz_printf("%s/", cwd)))
		t.strip = t.strip_owned;
	free(cwd);
	int st = kz_load(&t, dir, &e);
	if (st == 0)
		st = kz_build_tree(&t, objects, &e);
	if (st == 0 && t.warnings) /* as kustomize prints them; the parent relays them (engine_relay_warnings) */
		fputs(t.warnings, stderr);
	free(t.strip_owned);
	free(t.src_root);
	if (t.src_fd >= 0)
		close(t.src_fd);
	kz_tree_free(&t);
	if (st == 0)
		return 0;
	*why = e.msg ? e.msg : strdup("out of memory");
	return e.refused ? -2 : e.unsupported ? 1 : -1;
}
