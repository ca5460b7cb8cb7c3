/* kz load: read a kustomization tree the way kustomize's loader does -- the kustomization file
 * of each directory, resources (files or kustomization directories), components, and every
 * file they name -- with the root-only load restrictor, and decide whether the engine does
 * everything the tree asks for. Nothing is transformed here. */
#define _GNU_SOURCE /* asprintf */
#include "kz.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "file.h"
#include "yaml.h"

#define KZ_MAX_FILE ((size_t)256 << 20) /* a file a kustomization reads; the Argo CD install is 2 MiB */

static const char *const kustomization_names[] = { "kustomization.yaml", "kustomization.yml", "Kustomization" };

/* ---- the shape of a kustomization (types.Kustomization), checked field by field ---- */

enum ftype { F_STRING, F_STRINGS, F_STRMAP, F_BOOL, F_INT, F_OBJECT, F_ANY };

struct field {
	const char *name;
	enum ftype type;
	bool supported;
};

/* Every field of kustomize 5.5's Kustomization; the unsupported ones make auto use kustomize. */
static const struct field kustomization_fields[] = {
	{ "apiVersion", F_STRING, true },
	{ "kind", F_STRING, true },
	{ "metadata", F_OBJECT, true },
	{ "openapi", F_ANY, false },
	{ "namePrefix", F_STRING, true },
	{ "nameSuffix", F_STRING, true },
	{ "namespace", F_STRING, true },
	{ "commonLabels", F_STRMAP, true },
	{ "labels", F_ANY, true },
	{ "commonAnnotations", F_STRMAP, true },
	{ "patchesStrategicMerge", F_STRINGS, true },
	{ "patchesJson6902", F_ANY, true },
	{ "patches", F_ANY, true },
	{ "images", F_ANY, true },
	{ "imageTags", F_ANY, true },
	{ "replacements", F_ANY, true },
	{ "replicas", F_ANY, true },
	{ "vars", F_ANY, true },
	{ "sortOptions", F_ANY, true },
	{ "resources", F_STRINGS, true },
	{ "components", F_STRINGS, true },
	{ "crds", F_ANY, false },
	{ "bases", F_STRINGS, true },
	{ "configMapGenerator", F_ANY, true },
	{ "secretGenerator", F_ANY, true },
	{ "helmGlobals", F_ANY, false },
	{ "helmCharts", F_ANY, false },
	{ "helmChartInflationGenerator", F_ANY, false },
	{ "generatorOptions", F_ANY, true },
	{ "configurations", F_STRINGS, true },
	{ "generators", F_ANY, false },
	{ "transformers", F_ANY, false },
	{ "validators", F_ANY, false },
	{ "buildMetadata", F_ANY, false },
	{ NULL, 0, false },
};

static bool is_type(const json_t *v, enum ftype t)
{
	size_t i;
	const char *k;
	json_t *c;
	if (json_is_null(v))
		return true; /* encoding/json leaves the zero value */
	switch (t) {
	case F_STRING:
		return json_is_string(v);
	case F_BOOL:
		return json_is_boolean(v);
	case F_INT:
		return json_is_integer(v);
	case F_OBJECT:
		return json_is_object(v);
	case F_STRINGS:
		if (!json_is_array(v))
			return false;
		json_array_foreach(v, i, c)
			if (!json_is_string(c))
				return false;
		return true;
	case F_STRMAP:
		if (!json_is_object(v))
			return false;
		json_object_foreach((json_t *)v, k, c)
			if (!json_is_string(c) && !json_is_null(c))
				return false;
		return true;
	case F_ANY:
		return true;
	}
	return false;
}

/* An object's keys against a table: every key known, of its type. */
static int check_object(const json_t *obj, const struct field *fields, const char *what, const char *file,
			struct kz_err *e)
{
	const char *k;
	json_t *v;
	if (!obj || json_is_null(obj))
		return 0;
	if (!json_is_object(obj))
		return kz_unsupported(e, "%s: %s is not a map", file, what);
	json_object_foreach((json_t *)obj, k, v) {
		const struct field *f = fields;
		while (f->name && strcmp(f->name, k))
			f++;
		if (!f->name)
			return kz_unsupported(e, "%s: unknown field '%s' in %s", file, k, what);
		if (!f->supported)
			return kz_unsupported(e, "%s: %s field '%s' is not supported by the native engine", file, what, k);
		if (!is_type(v, f->type))
			return kz_unsupported(e, "%s: %s field '%s' has the wrong type", file, what, k);
	}
	return 0;
}

static int check_list_of(const json_t *list, const struct field *fields, const char *what, const char *file,
			 struct kz_err *e)
{
	size_t i;
	json_t *v;
	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return kz_unsupported(e, "%s: %s is not a list", file, what);
	json_array_foreach(list, i, v)
		if (check_object(v, fields, what, file, e) < 0)
			return -1;
	return 0;
}

static const struct field image_fields[] = {
	{ "name", F_STRING, true },	{ "newName", F_STRING, true }, { "newTag", F_STRING, true },
	{ "digest", F_STRING, true },	{ "tagSuffix", F_STRING, true }, { NULL, 0, false },
};
static const struct field replica_fields[] = { { "name", F_STRING, true }, { "count", F_INT, true }, { NULL, 0, false } };
static const struct field options_fields[] = {
	{ "labels", F_STRMAP, true },
	{ "annotations", F_STRMAP, true },
	{ "disableNameSuffixHash", F_BOOL, true },
	{ "immutable", F_BOOL, true },
	{ NULL, 0, false },
};
static const struct field generator_fields[] = {
	{ "name", F_STRING, true },	{ "namespace", F_STRING, true }, { "behavior", F_STRING, true },
	{ "literals", F_STRINGS, true }, { "files", F_STRINGS, true },	 { "envs", F_STRINGS, true },
	{ "env", F_STRING, true },	{ "options", F_OBJECT, true },	 { "type", F_STRING, true },
	{ NULL, 0, false },
};
static const struct field fieldspec_fields[] = {
	{ "group", F_STRING, true }, { "version", F_STRING, true }, { "kind", F_STRING, true },
	{ "path", F_STRING, true },  { "create", F_BOOL, true },    { NULL, 0, false },
};
static const struct field label_fields[] = {
	{ "pairs", F_STRMAP, true },
	{ "includeSelectors", F_BOOL, true },
	{ "includeTemplates", F_BOOL, true },
	{ "fields", F_ANY, true },
	{ NULL, 0, false },
};
static const struct field sort_fields[] = { { "order", F_STRING, true }, { "legacySortOptions", F_OBJECT, true },
					    { NULL, 0, false } };
static const struct field legacy_sort_fields[] = { { "orderFirst", F_STRINGS, true }, { "orderLast", F_STRINGS, true },
						   { NULL, 0, false } };
static const struct field selector_fields[] = {
	{ "group", F_STRING, true },	 { "version", F_STRING, true },		  { "kind", F_STRING, true },
	{ "name", F_STRING, true },	 { "namespace", F_STRING, true },	  { "labelSelector", F_STRING, true },
	{ "annotationSelector", F_STRING, true }, { NULL, 0, false },
};
static const struct field patch_fields[] = {
	{ "path", F_STRING, true }, { "patch", F_STRING, true }, { "target", F_OBJECT, true }, { "options", F_OBJECT, true },
	{ NULL, 0, false },
};
static const struct field json6902_fields[] = {
	{ "path", F_STRING, true }, { "patch", F_STRING, true }, { "target", F_OBJECT, true }, { NULL, 0, false },
};
static const struct field var_fields[] = { { "name", F_STRING, true }, { "objref", F_OBJECT, true },
					   { "fieldref", F_OBJECT, true }, { NULL, 0, false } };
static const struct field objref_fields[] = {
	{ "kind", F_STRING, true },	{ "name", F_STRING, true }, { "namespace", F_STRING, true },
	{ "apiVersion", F_STRING, true }, { "group", F_STRING, true }, { "version", F_STRING, true },
	{ NULL, 0, false },
};
static const struct field fieldref_fields[] = { { "fieldpath", F_STRING, true }, { NULL, 0, false } };

/* Everything inside the fields the engine does; replacements are checked where they are used. */
static int check_kustomization(const json_t *k, const char *file, struct kz_err *e)
{
	size_t i;
	json_t *v;
	if (check_object(k, kustomization_fields, "the kustomization", file, e) < 0 ||
	    check_list_of(json_object_get(k, "images"), image_fields, "an images entry", file, e) < 0 ||
	    check_list_of(json_object_get(k, "imageTags"), image_fields, "an imageTags entry", file, e) < 0 ||
	    check_list_of(json_object_get(k, "replicas"), replica_fields, "a replicas entry", file, e) < 0 ||
	    check_list_of(json_object_get(k, "configMapGenerator"), generator_fields, "a configMapGenerator", file, e) < 0 ||
	    check_list_of(json_object_get(k, "secretGenerator"), generator_fields, "a secretGenerator", file, e) < 0 ||
	    check_object(json_object_get(k, "generatorOptions"), options_fields, "generatorOptions", file, e) < 0 ||
	    check_list_of(json_object_get(k, "labels"), label_fields, "a labels entry", file, e) < 0 ||
	    check_object(json_object_get(k, "sortOptions"), sort_fields, "sortOptions", file, e) < 0 ||
	    check_list_of(json_object_get(k, "patches"), patch_fields, "a patches entry", file, e) < 0 ||
	    check_list_of(json_object_get(k, "patchesJson6902"), json6902_fields, "a patchesJson6902 entry", file, e) < 0 ||
	    check_list_of(json_object_get(k, "vars"), var_fields, "a vars entry", file, e) < 0)
		return -1;
	json_t *so = json_object_get(k, "sortOptions");
	if (check_object(json_object_get(so, "legacySortOptions"), legacy_sort_fields, "legacySortOptions", file, e) < 0)
		return -1;
	json_array_foreach(json_object_get(k, "configMapGenerator"), i, v)
		if (json_object_get(v, "type"))
			return kz_unsupported(e, "%s: configMapGenerator field 'type'", file);
	json_t *gens[] = { json_object_get(k, "configMapGenerator"), json_object_get(k, "secretGenerator") };
	for (size_t g = 0; g < 2; g++)
		json_array_foreach(gens[g], i, v)
			if (check_object(json_object_get(v, "options"), options_fields, "generator options", file, e) < 0)
				return -1;
	json_array_foreach(json_object_get(k, "labels"), i, v)
		if (check_list_of(json_object_get(v, "fields"), fieldspec_fields, "a labels fields entry", file, e) < 0)
			return -1;
	json_t *lists[] = { json_object_get(k, "patches"), json_object_get(k, "patchesJson6902") };
	for (size_t l = 0; l < 2; l++) {
		json_array_foreach(lists[l], i, v) {
			if (check_object(json_object_get(v, "target"), selector_fields, "a patch target", file, e) < 0)
				return -1;
			const char *ok;
			json_t *ov;
			json_object_foreach(json_object_get(v, "options"), ok, ov)
				if ((strcmp(ok, "allowNameChange") && strcmp(ok, "allowKindChange")) || !json_is_boolean(ov))
					return kz_unsupported(e, "%s: patch option '%s'", file, ok);
		}
	}
	json_array_foreach(json_object_get(k, "vars"), i, v)
		if (check_object(json_object_get(v, "objref"), objref_fields, "a var objref", file, e) < 0 ||
		    check_object(json_object_get(v, "fieldref"), fieldref_fields, "a var fieldref", file, e) < 0)
			return -1;
	return 0;
}

/* ---- paths ---- */

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* ConfirmedDir.HasPrefix: d is prefix or below it. */
static bool dir_has_prefix(const char *d, const char *prefix)
{
	size_t n = strlen(prefix);
	if (!strcmp(prefix, "/") || !strcmp(d, prefix))
		return true;
	return !strncmp(d, prefix, n) && d[n] == '/';
}

/* How messages name a path: below the strip prefix (a temp copy), as in the repository. */
static const char *shown(const struct kz_tree *t, const char *path)
{
	size_t n = t->strip ? strlen(t->strip) : 0;
	return n && !strncmp(path, t->strip, n) ? path + n : path;
}

/* ---- files ---- */

static void file_free(struct kz_file *f)
{
	if (!f)
		return;
	free(f->path);
	free(f->text);
	json_decref(f->docs);
	free(f);
}

struct kz_file *kz_load_file(struct kz_tree *t, const struct kz_kust *k, const char *path, struct kz_err *e)
{
	char *joined = NULL, *real = NULL;
	struct kz_file *f = NULL;
	if (strstr(path, "://"))
		return kz_unsupported(e, "%s: remote file '%s'", k->shown, path), NULL;
	if (asprintf(&joined, "%s/%s", k->root, path) < 0)
		return kz_fail(e, "out of memory"), NULL;
	real = path[0] == '/' ? realpath(path, NULL) : realpath(joined, NULL);
	if (!real || !is_file(real)) {
		kz_unsupported(e, "%s: '%s' is not a file", k->shown, path);
		goto out;
	}
	char *slash = strrchr(real, '/');
	*slash = '\0';
	bool inside = dir_has_prefix(real, k->root);
	*slash = '/';
	if (t->restrict_root && !inside) {
		kz_unsupported(e, "%s: file '%s' is not in or below '%s' (load restrictor)", k->shown, path, k->shown);
		goto out;
	}
	for (size_t i = 0; i < t->n_files; i++) {
		if (!strcmp(t->files[i]->path, real)) {
			f = t->files[i];
			goto out;
		}
	}
	if (t->n_files == t->cap_files) {
		size_t cap = t->cap_files ? t->cap_files * 2 : 32;
		struct kz_file **v = realloc(t->files, cap * sizeof(*v));
		if (!v) {
			kz_fail(e, "out of memory");
			goto out;
		}
		t->files = v;
		t->cap_files = cap;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		kz_fail(e, "out of memory");
		goto out;
	}
	f->path = real;
	real = NULL;
	int rd = gt_file_read(f->path, KZ_MAX_FILE, &f->text, &f->len);
	if (rd != 0) {
		kz_fail(e, "%s: cannot read", shown(t, f->path));
		file_free(f);
		f = NULL;
		goto out;
	}
	t->files[t->n_files++] = f;
out:
	free(joined);
	free(real);
	return f;
}

/* ---- resources: documents as kustomize's resource factory reads them ---- */

/* Parse every document of text with the given typing. */
static int parse_docs(const struct kz_tree *t, const char *text, size_t len, const char *name,
		      enum gt_yaml_typing typing, json_t **out, struct kz_err *e)
{
	struct gt_yaml_reader *r = gt_yaml_reader_new_string(text, len, name, &t->lim);
	json_t *docs = json_array(), *doc;
	unsigned long line;
	int st;
	if (!r || !docs) {
		gt_yaml_reader_free(r);
		json_decref(docs);
		return kz_fail(e, "out of memory");
	}
	gt_yaml_reader_set_typing(r, typing);
	while ((st = gt_yaml_next(r, &doc, &line)) > 0)
		json_array_append_new(docs, doc);
	gt_yaml_reader_free(r);
	if (st < 0) {
		json_decref(docs);
		/* the reader printed FILE:LINE:COLUMN; kustomize words it its own way */
		return kz_unsupported(e, "%s: not valid YAML", name);
	}
	*out = docs;
	return 0;
}

static bool annotations_typed(const json_t *doc)
{
	const json_t *a = json_object_get(json_object_get(doc, "metadata"), "annotations");
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)a, k, v)
		if (!json_is_string(v))
			return true;
	return false;
}

/* kustomize writes every annotation back as the text it was written as (yes, 1.0, null): take
 * those values from a parse that keeps the text. */
static int annotations_as_text(const struct kz_tree *t, const char *text, size_t len, const char *name, json_t *docs,
			       struct kz_err *e)
{
	size_t i;
	json_t *doc, *twin = NULL;
	bool need = false;
	json_array_foreach(docs, i, doc)
		need = need || annotations_typed(doc);
	if (!need)
		return 0;
	if (parse_docs(t, text, len, name, GT_YAML_TEXT, &twin, e) < 0)
		return -1;
	json_array_foreach(docs, i, doc) {
		json_t *a = json_object_get(json_object_get(doc, "metadata"), "annotations");
		json_t *ta = json_object_get(json_object_get(json_array_get(twin, i), "metadata"), "annotations");
		const char *k;
		json_t *v;
		json_object_foreach(a, k, v)
			if (!json_is_string(v) && json_is_string(json_object_get(ta, k)))
				json_object_set(a, k, json_object_get(ta, k));
	}
	json_decref(twin);
	return 0;
}

static bool ends_with_list(const char *kind)
{
	size_t n = strlen(kind);
	return n >= 4 && !strcmp(kind + n - 4, "List");
}

/* A resource kustomize accepts: a map with a kind and (but for lists) a name. */
static int check_resource(const json_t *doc, const char *name, struct kz_err *e)
{
	if (!json_is_object(doc))
		return kz_unsupported(e, "%s: a document that is not a map", name);
	const json_t *meta = json_object_get(doc, "metadata");
	if (!json_is_string(json_object_get(doc, "kind")) || !*kz_str(doc, "kind"))
		return kz_unsupported(e, "%s: missing kind in an object", name);
	if (meta && !json_is_object(meta) && !json_is_null(meta))
		return kz_unsupported(e, "%s: metadata is not a map", name);
	if (!ends_with_list(kz_str(doc, "kind")) && !*kz_str(meta, "name"))
		return kz_unsupported(e, "%s: missing metadata.name in an object", name);
	return 0;
}

int kz_parse_resources(const struct kz_tree *t, const char *text, size_t len, const char *name, json_t **out,
		       struct kz_err *e)
{
	json_t *docs = NULL, *res = json_array();
	if (!res)
		return kz_fail(e, "out of memory");
	if (parse_docs(t, text, len, name, GT_YAML_KYAML, &docs, e) < 0 ||
	    annotations_as_text(t, text, len, name, docs, e) < 0) {
		json_decref(docs);
		json_decref(res);
		return -1;
	}
	/* A queue: kinds ending in List with items are replaced by their items, which may be lists too. */
	for (size_t i = 0; i < json_array_size(docs); i++) {
		json_t *doc = json_array_get(docs, i);
		if (json_is_null(doc))
			continue;
		if (check_resource(doc, name, e) < 0)
			goto fail;
		json_t *items = json_object_get(doc, "items");
		if (!ends_with_list(kz_str(doc, "kind")) || !items) {
			json_array_append(res, doc);
			continue;
		}
		if (json_is_null(items))
			continue;
		if (!json_is_array(items)) {
			kz_unsupported(e, "%s: expected array in %s/items", name, kz_str(doc, "kind"));
			goto fail;
		}
		json_array_extend(docs, items);
	}
	json_decref(docs);
	*out = res;
	return 0;
fail:
	json_decref(docs);
	json_decref(res);
	return -1;
}

/* ---- kustomizations ---- */

static void kust_free(struct kz_kust *k)
{
	free(k->root);
	free(k->shown);
	free(k->file);
	json_decref(k->k);
	free(k->resources);
	free(k->components);
	kz_tconfig_free(&k->config);
	free(k);
}

void kz_tree_free(struct kz_tree *t)
{
	for (struct kz_kust *k = t->all, *next; k; k = next) {
		next = k->next_all;
		kust_free(k);
	}
	for (size_t i = 0; i < t->n_files; i++)
		file_free(t->files[i]);
	free(t->files);
	t->all = t->root = NULL;
	t->files = NULL;
	t->n_files = t->cap_files = 0;
}

/* The kustomization file of dir: exactly one of the recognised names. */
static int find_kustomization_file(const char *dir, const char *shown_dir, char **name, struct kz_err *e)
{
	int found = 0;
	*name = NULL;
	for (size_t i = 0; i < sizeof(kustomization_names) / sizeof(*kustomization_names); i++) {
		char *p = NULL;
		if (asprintf(&p, "%s/%s", dir, kustomization_names[i]) < 0)
			return kz_fail(e, "out of memory");
		if (is_file(p)) {
			found++;
			free(*name);
			*name = strdup(kustomization_names[i]);
		}
		free(p);
	}
	if (found == 1)
		return 0;
	free(*name);
	*name = NULL;
	/* kustomize says which; the exec engine words it */
	return kz_unsupported(e, "%s: %s kustomization file", shown_dir, found ? "more than one" : "no");
}

struct chain {
	const char *root;
	const struct chain *up;
};

static struct kz_kust *load_kust(struct kz_tree *t, const char *dir, const struct chain *up, bool component,
				 struct kz_err *e);

/* kustomize's loader refuses a directory that is (or is above) one already on the way here. */
static bool is_cycle(const struct chain *c, const char *candidate)
{
	for (; c; c = c->up)
		if (dir_has_prefix(c->root, candidate))
			return true;
	return false;
}

/* One resources/bases entry: a file of objects, or a directory with a kustomization. */
static int load_entry(struct kz_tree *t, struct kz_kust *k, const struct chain *here, const char *name,
		      bool component, struct kz_entry *out, struct kz_err *e)
{
	char *joined = NULL, *real = NULL;
	int st = -1;
	out->name = name;
	if (!*name || strstr(name, "://") || !strncmp(name, "git@", 4) || strstr(name, "?ref=") ||
	    strstr(name, "github.com/"))
		return kz_unsupported(e, "%s: remote or empty %s '%s'", k->shown, component ? "component" : "resource",
				      name);
	if (asprintf(&joined, "%s/%s", k->root, name) < 0)
		return kz_fail(e, "out of memory");
	real = realpath(joined, NULL);
	if (!component && real && is_file(real)) {
		out->file = kz_load_file(t, k, name, e);
		if (out->file && !out->file->docs)
			kz_parse_resources(t, out->file->text, out->file->len, shown(t, out->file->path),
					   &out->file->docs, e);
		st = out->file && out->file->docs ? 0 : -1;
	} else if (real && is_dir(real) && name[0] != '/') {
		if (is_cycle(here, real))
			kz_unsupported(e, "%s: cycle: '%s' contains a kustomization already visited", k->shown, name);
		else
			st = (out->dir = load_kust(t, real, here, component, e)) ? 0 : -1;
	} else {
		kz_unsupported(e, "%s: %s '%s' is neither a file nor a directory here", k->shown,
			       component ? "component" : "resource", name);
	}
	free(joined);
	free(real);
	return st;
}

static int load_entries(struct kz_tree *t, struct kz_kust *k, const struct chain *here, struct kz_err *e)
{
	json_t *res = json_object_get(k->k, "resources"), *bases = json_object_get(k->k, "bases");
	json_t *comps = json_object_get(k->k, "components");
	size_t nr = json_array_size(res), nb = json_array_size(bases), nc = json_array_size(comps);
	k->resources = calloc(nr + nb + 1, sizeof(*k->resources));
	k->components = calloc(nc + 1, sizeof(*k->components));
	if (!k->resources || !k->components)
		return kz_fail(e, "out of memory");
	/* FixKustomization: bases come after resources */
	for (size_t i = 0; i < nr + nb; i++) {
		const char *name = json_string_value(i < nr ? json_array_get(res, i) : json_array_get(bases, i - nr));
		if (load_entry(t, k, here, name, false, &k->resources[k->n_resources++], e) < 0)
			return -1;
	}
	for (size_t i = 0; i < nc; i++)
		if (load_entry(t, k, here, json_string_value(json_array_get(comps, i)), true,
			       &k->components[k->n_components++], e) < 0)
			return -1;
	return 0;
}

/* Files named by generators, patches and configurations: read now, so that a missing one is
 * found before anything is built. */
static int load_named_files(struct kz_tree *t, struct kz_kust *k, struct kz_err *e)
{
	size_t i, j;
	json_t *v, *s;
	const char *gens[] = { "configMapGenerator", "secretGenerator" };
	for (size_t g = 0; g < 2; g++) {
		json_array_foreach(json_object_get(k->k, gens[g]), i, v) {
			json_array_foreach(json_object_get(v, "files"), j, s) {
				const char *src = json_string_value(s), *eq = strchr(src, '=');
				if (eq && (strchr(eq + 1, '=') || eq == src || !eq[1]))
					return kz_unsupported(e, "%s: files entry '%s'", k->shown, src);
				if (!kz_load_file(t, k, eq ? eq + 1 : src, e))
					return -1;
			}
			json_array_foreach(json_object_get(v, "envs"), j, s)
				if (!kz_load_file(t, k, json_string_value(s), e))
					return -1;
			const char *env = kz_str(v, "env");
			if (*env && !kz_load_file(t, k, env, e))
				return -1;
		}
	}
	json_array_foreach(json_object_get(k->k, "configurations"), i, v) {
		struct kz_file *f = kz_load_file(t, k, json_string_value(v), e);
		json_t *docs = NULL;
		if (!f || parse_docs(t, f->text, f->len, shown(t, f->path), GT_YAML_V2, &docs, e) < 0)
			return -1;
		int st = json_array_size(docs) == 1 ? kz_tconfig_merge_doc(&k->config, json_array_get(docs, 0),
									     shown(t, f->path), e)
						    : kz_unsupported(e, "%s: not one document", shown(t, f->path));
		json_decref(docs);
		if (st < 0)
			return -1;
		k->has_config = true;
	}
	json_array_foreach(json_object_get(k->k, "patches"), i, v) {
		const char *path = kz_str(v, "path");
		if (*path && !kz_load_file(t, k, path, e))
			return -1;
	}
	json_array_foreach(json_object_get(k->k, "patchesJson6902"), i, v) {
		const char *path = kz_str(v, "path");
		if (*path && !kz_load_file(t, k, path, e))
			return -1;
	}
	json_array_foreach(json_object_get(k->k, "replacements"), i, v) {
		const char *path = kz_str(v, "path");
		if (*path && !kz_load_file(t, k, path, e))
			return -1;
	}
	return 0;
}

/* kustomize's EnforceFields and CheckEmpty. */
static int check_kind(struct kz_kust *k, bool component, struct kz_err *e)
{
	const char *kind = kz_str(k->k, "kind"), *av = kz_str(k->k, "apiVersion");
	const char *file = k->shown;
	k->component = !strcmp(kind, "Component");
	if (*kind && strcmp(kind, "Kustomization") && !k->component)
		return kz_unsupported(e, "%s: kind should be Kustomization or Component", file);
	if (*av && strcmp(av, k->component ? "kustomize.config.k8s.io/v1alpha1" : "kustomize.config.k8s.io/v1beta1"))
		return kz_unsupported(e, "%s: apiVersion for %s is not the required one", file, kind);
	if (component != k->component)
		return kz_unsupported(e, "%s: %s", file, component ? "a component must have kind Component"
								 : "a Component cannot be a resource");
	const char *key;
	json_t *v;
	json_object_foreach(k->k, key, v)
		if (strcmp(key, "kind") && strcmp(key, "apiVersion") && !json_is_null(v))
			return 0;
	return kz_unsupported(e, "%s: kustomization.yaml is empty", file);
}

static struct kz_kust *load_kust(struct kz_tree *t, const char *dir, const struct chain *up, bool component,
				 struct kz_err *e)
{
	struct kz_kust *k = calloc(1, sizeof(*k));
	if (!k)
		return kz_fail(e, "out of memory"), NULL;
	k->next_all = t->all;
	t->all = k;
	k->root = strdup(dir);
	k->shown = strdup(shown(t, dir));
	if (!k->root || !k->shown)
		return kz_fail(e, "out of memory"), NULL;
	if (find_kustomization_file(dir, k->shown, &k->file, e) < 0)
		return NULL;
	struct kz_file *f = kz_load_file(t, k, k->file, e);
	json_t *docs = NULL;
	if (!f || parse_docs(t, f->text, f->len, shown(t, f->path), GT_YAML_V2, &docs, e) < 0)
		return NULL;
	if (json_array_size(docs) != 1 || !json_is_object(json_array_get(docs, 0))) {
		json_decref(docs);
		kz_unsupported(e, "%s: the kustomization is not one map", shown(t, f->path));
		return NULL;
	}
	k->k = json_incref(json_array_get(docs, 0));
	json_decref(docs);
	free(k->shown);
	k->shown = strdup(shown(t, f->path));
	struct chain here = { k->root, up };
	if (!k->shown || check_kustomization(k->k, k->shown, e) < 0 || check_kind(k, component, e) < 0 ||
	    load_named_files(t, k, e) < 0 || load_entries(t, k, &here, e) < 0)
		return NULL;
	return k;
}

int kz_load(struct kz_tree *t, const char *dir, struct kz_err *e)
{
	char *real = realpath(dir, NULL);
	if (!real || !is_dir(real)) {
		free(real);
		return kz_fail(e, "%s: not a directory", dir);
	}
	t->root = load_kust(t, real, NULL, false, e);
	free(real);
	return t->root ? 0 : -1;
}
