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

#include "../render.h"
#include "file.h"
#include "yaml.h"

#define KZ_MAX_FILE ((size_t)256 << 20) /* a file a kustomization reads; the Argo CD install is 2 MiB */

static const char *const kustomization_names[] = { "kustomization.yaml", "kustomization.yml", "Kustomization" };

/* ---- the shape of a kustomization (types.Kustomization), checked field by field ----
 *
 * kustomize decodes a kustomization with encoding/json, which matches keys to fields without
 * regard to case (fieldpath and fieldPath are one field) and refuses unknown ones. The check
 * rewrites every key to the field's own spelling, so the phases read one spelling. */

enum ftype { F_STRING, F_STRINGS, F_STRMAP, F_BOOL, F_INT, F_BOOLMAP, F_OBJECT, F_LIST, F_ANY };

struct field {
	const char *name;
	enum ftype type;
	bool supported;
	const struct field *sub; /* F_OBJECT: its fields; F_LIST: its elements' */
};

#define END { NULL, 0, false, NULL }

static const struct field fieldspec_fields[] = {
	{ "group", F_STRING, true, NULL }, { "version", F_STRING, true, NULL }, { "kind", F_STRING, true, NULL },
	{ "path", F_STRING, true, NULL },  { "create", F_BOOL, true, NULL },	END,
};
static const struct field image_fields[] = {
	{ "name", F_STRING, true, NULL },   { "newName", F_STRING, true, NULL }, { "newTag", F_STRING, true, NULL },
	{ "digest", F_STRING, true, NULL }, { "tagSuffix", F_STRING, true, NULL }, END,
};
static const struct field replica_fields[] = { { "name", F_STRING, true, NULL }, { "count", F_INT, true, NULL }, END };
static const struct field options_fields[] = {
	{ "labels", F_STRMAP, true, NULL },
	{ "annotations", F_STRMAP, true, NULL },
	{ "disableNameSuffixHash", F_BOOL, true, NULL },
	{ "immutable", F_BOOL, true, NULL },
	END,
};
static const struct field configmap_fields[] = {
	{ "name", F_STRING, true, NULL },   { "namespace", F_STRING, true, NULL }, { "behavior", F_STRING, true, NULL },
	{ "literals", F_STRINGS, true, NULL }, { "files", F_STRINGS, true, NULL }, { "envs", F_STRINGS, true, NULL },
	{ "env", F_STRING, true, NULL },    { "options", F_OBJECT, true, options_fields }, END,
};
static const struct field secret_fields[] = {
	{ "name", F_STRING, true, NULL },   { "namespace", F_STRING, true, NULL }, { "behavior", F_STRING, true, NULL },
	{ "literals", F_STRINGS, true, NULL }, { "files", F_STRINGS, true, NULL }, { "envs", F_STRINGS, true, NULL },
	{ "env", F_STRING, true, NULL },    { "options", F_OBJECT, true, options_fields },
	{ "type", F_STRING, true, NULL },   END,
};
static const struct field label_fields[] = {
	{ "pairs", F_STRMAP, true, NULL },
	{ "includeSelectors", F_BOOL, true, NULL },
	{ "includeTemplates", F_BOOL, true, NULL },
	{ "fields", F_LIST, true, fieldspec_fields },
	END,
};
static const struct field legacy_sort_fields[] = { { "orderFirst", F_STRINGS, true, NULL },
						   { "orderLast", F_STRINGS, true, NULL }, END };
static const struct field sort_fields[] = { { "order", F_STRING, true, NULL },
					    { "legacySortOptions", F_OBJECT, true, legacy_sort_fields }, END };
static const struct field selector_fields[] = {
	{ "group", F_STRING, true, NULL },     { "version", F_STRING, true, NULL },
	{ "kind", F_STRING, true, NULL },      { "name", F_STRING, true, NULL },
	{ "namespace", F_STRING, true, NULL }, { "labelSelector", F_STRING, true, NULL },
	{ "annotationSelector", F_STRING, true, NULL }, END,
};
static const struct field patch_fields[] = {
	{ "path", F_STRING, true, NULL },
	{ "patch", F_STRING, true, NULL },
	{ "target", F_OBJECT, true, selector_fields },
	{ "options", F_BOOLMAP, true, NULL },
	END,
};
static const struct field json6902_fields[] = {
	{ "path", F_STRING, true, NULL }, { "patch", F_STRING, true, NULL },
	{ "target", F_OBJECT, true, selector_fields }, END,
};
static const struct field objref_fields[] = {
	{ "kind", F_STRING, true, NULL },  { "name", F_STRING, true, NULL },	{ "namespace", F_STRING, true, NULL },
	{ "apiVersion", F_STRING, true, NULL }, { "group", F_STRING, true, NULL }, { "version", F_STRING, true, NULL },
	END,
};
static const struct field fieldref_fields[] = { { "fieldPath", F_STRING, true, NULL }, END };
static const struct field var_fields[] = {
	{ "name", F_STRING, true, NULL },
	{ "objref", F_OBJECT, true, objref_fields },
	{ "fieldref", F_OBJECT, true, fieldref_fields },
	END,
};
static const struct field field_options_fields[] = {
	{ "delimiter", F_STRING, true, NULL }, { "index", F_INT, true, NULL },
	{ "encoding", F_STRING, false, NULL }, { "create", F_BOOL, true, NULL }, END,
};
static const struct field source_fields[] = {
	{ "group", F_STRING, true, NULL },     { "version", F_STRING, true, NULL },
	{ "kind", F_STRING, true, NULL },      { "name", F_STRING, true, NULL },
	{ "namespace", F_STRING, true, NULL }, { "fieldPath", F_STRING, true, NULL },
	{ "options", F_OBJECT, true, field_options_fields }, END,
};
static const struct field target_fields[] = {
	{ "select", F_OBJECT, true, selector_fields },
	{ "reject", F_LIST, true, selector_fields },
	{ "fieldPaths", F_STRINGS, true, NULL },
	{ "options", F_OBJECT, true, field_options_fields },
	END,
};
static const struct field replacement_fields[] = {
	{ "path", F_STRING, true, NULL },
	{ "source", F_OBJECT, true, source_fields },
	{ "targets", F_LIST, true, target_fields },
	END,
};

/* Every field of kustomize 5.5's Kustomization; the unsupported ones make auto use kustomize. */
static const struct field kustomization_fields[] = {
	{ "apiVersion", F_STRING, true, NULL },
	{ "kind", F_STRING, true, NULL },
	{ "metadata", F_ANY, true, NULL },
	{ "openapi", F_ANY, false, NULL },
	{ "namePrefix", F_STRING, true, NULL },
	{ "nameSuffix", F_STRING, true, NULL },
	{ "namespace", F_STRING, true, NULL },
	{ "commonLabels", F_STRMAP, true, NULL },
	{ "labels", F_LIST, true, label_fields },
	{ "commonAnnotations", F_STRMAP, true, NULL },
	{ "patchesStrategicMerge", F_STRINGS, true, NULL },
	{ "patchesJson6902", F_LIST, true, json6902_fields },
	{ "patches", F_LIST, true, patch_fields },
	{ "images", F_LIST, true, image_fields },
	{ "imageTags", F_LIST, true, image_fields },
	{ "replacements", F_LIST, true, replacement_fields },
	{ "replicas", F_LIST, true, replica_fields },
	{ "vars", F_LIST, true, var_fields },
	{ "sortOptions", F_OBJECT, true, sort_fields },
	{ "resources", F_STRINGS, true, NULL },
	{ "components", F_STRINGS, true, NULL },
	{ "crds", F_ANY, false, NULL },
	{ "bases", F_STRINGS, true, NULL },
	{ "configMapGenerator", F_LIST, true, configmap_fields },
	{ "secretGenerator", F_LIST, true, secret_fields },
	{ "helmGlobals", F_ANY, false, NULL },
	{ "helmCharts", F_ANY, false, NULL },
	{ "helmChartInflationGenerator", F_ANY, false, NULL },
	{ "generatorOptions", F_OBJECT, true, options_fields },
	{ "configurations", F_STRINGS, true, NULL },
	{ "generators", F_ANY, false, NULL },
	{ "transformers", F_ANY, false, NULL },
	{ "validators", F_ANY, false, NULL },
	{ "buildMetadata", F_ANY, false, NULL },
	END,
};

/* kustomize's TransformerConfig, for configurations files (decoded strictly, as above). */
static const struct field nameref_fields[] = {
	{ "group", F_STRING, true, NULL }, { "version", F_STRING, true, NULL }, { "kind", F_STRING, true, NULL },
	{ "fieldSpecs", F_LIST, true, fieldspec_fields }, END,
};
static const struct field tconfig_fields[] = {
	{ "namePrefix", F_LIST, true, fieldspec_fields },	{ "nameSuffix", F_LIST, true, fieldspec_fields },
	{ "namespace", F_LIST, true, fieldspec_fields },	{ "commonLabels", F_LIST, true, fieldspec_fields },
	{ "labels", F_LIST, true, fieldspec_fields },		{ "templateLabels", F_LIST, true, fieldspec_fields },
	{ "commonAnnotations", F_LIST, true, fieldspec_fields }, { "nameReference", F_LIST, true, nameref_fields },
	{ "varReference", F_LIST, true, fieldspec_fields },	{ "images", F_LIST, true, fieldspec_fields },
	{ "replicas", F_LIST, true, fieldspec_fields },	END,
};

static bool ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

static int normalise(json_t *obj, const struct field *fields, bool strict, const char *what, const char *file,
		     struct kz_err *e);

static int check_value(json_t *v, const struct field *f, bool strict, const char *file, struct kz_err *e)
{
	size_t i;
	const char *k;
	json_t *c;
	if (json_is_null(v))
		return 0; /* encoding/json leaves the zero value */
	switch (f->type) {
	case F_STRING:
		return json_is_string(v) ? 0 : -1;
	case F_BOOL:
		return json_is_boolean(v) ? 0 : -1;
	case F_INT:
		return json_is_integer(v) ? 0 : -1;
	case F_STRINGS:
		if (!json_is_array(v))
			return -1;
		json_array_foreach(v, i, c)
			if (!json_is_string(c))
				return -1;
		return 0;
	case F_STRMAP:
	case F_BOOLMAP:
		if (!json_is_object(v))
			return -1;
		json_object_foreach(v, k, c)
			if (!json_is_null(c) && (f->type == F_STRMAP ? !json_is_string(c) : !json_is_boolean(c)))
				return -1;
		return 0;
	case F_OBJECT:
		if (!json_is_object(v))
			return -1;
		return normalise(v, f->sub, strict, f->name, file, e) < 0 ? -2 : 0;
	case F_LIST:
		if (!json_is_array(v))
			return -1;
		json_array_foreach(v, i, c) {
			if (!json_is_object(c))
				return -1;
			if (normalise(c, f->sub, strict, f->name, file, e) < 0)
				return -2;
		}
		return 0;
	case F_ANY:
		return 0;
	}
	return -1;
}

/* The keys of obj renamed to their fields' spelling, unknown ones refused (strict) or dropped. */
static int normalise(json_t *obj, const struct field *fields, bool strict, const char *what, const char *file,
		     struct kz_err *e)
{
	json_t *out = json_object(), *v;
	const char *k;
	if (!out)
		return kz_fail(e, "out of memory");
	json_object_foreach(obj, k, v) {
		const struct field *f = NULL;
		for (const struct field *x = fields; x->name && !f; x++)
			if (!strcmp(x->name, k))
				f = x;
		for (const struct field *x = fields; x->name && !f; x++)
			if (!strcasecmp(x->name, k) && ascii(k))
				f = x;
		if (!f) {
			if (!strict)
				continue;
			json_decref(out);
			return kz_unsupported(e, "%s: unknown field '%s' in %s", file, k, what);
		}
		if (!f->supported) {
			json_decref(out);
			return kz_unsupported(e, "%s: %s field '%s' is not supported by the native engine", file, what, f->name);
		}
		if (json_object_get(out, f->name)) {
			json_decref(out);
			return kz_unsupported(e, "%s: field '%s' given twice in %s", file, f->name, what);
		}
		int st = check_value(v, f, strict, file, e);
		if (st < 0) {
			json_decref(out);
			return st == -1 ? kz_unsupported(e, "%s: %s field '%s' has the wrong type", file, what, f->name) : -1;
		}
		json_object_set(out, f->name, v);
	}
	json_object_clear(obj);
	json_object_update(obj, out);
	json_decref(out);
	return 0;
}

/* Everything the engine reads from the kustomization, in one spelling. */
static int check_kustomization(json_t *k, const char *file, struct kz_err *e)
{
	size_t i;
	json_t *v;
	if (normalise(k, kustomization_fields, true, "the kustomization", file, e) < 0)
		return -1;
	json_array_foreach(json_object_get(k, "patches"), i, v) {
		const char *ok;
		json_t *ov;
		json_object_foreach(json_object_get(v, "options"), ok, ov)
			if (strcmp(ok, "allowNameChange") && strcmp(ok, "allowKindChange"))
				return kz_unsupported(e, "%s: patch option '%s'", file, ok);
	}
	return 0;
}

int kz_normalise_replacement(json_t *r, bool strict, const char *file, struct kz_err *e)
{
	return normalise(r, replacement_fields, strict, "a replacement", file, e);
}

int kz_normalise_tconfig(json_t *doc, const char *file, struct kz_err *e)
{
	if (!json_is_object(doc))
		return kz_unsupported(e, "%s: a configurations file that is not a map", file);
	return normalise(doc, tconfig_fields, true, "a configurations file", file, e);
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

/* Does path (absolute: a kustomization's directory joined with what it names, not resolved) lead,
 * on disk, following every link as the kernel would (links.c), to somewhere below the source
 * root? 0 yes; no: -1 with e refused, so that no engine reads it. */
static int check_in_source(const struct kz_tree *t, const char *in, const char *path, const char *name,
			   struct kz_err *e)
{
	if (!t->src_root)
		return 0;
	size_t n = strlen(t->src_root);
	const char *rel = NULL;
	if (!strcmp(t->src_root, "/"))
		rel = path + 1;
	else if (!strncmp(path, t->src_root, n) && (path[n] == '/' || !path[n]))
		rel = path + n + (path[n] == '/');
	int ok = rel ? path_stays_below(t->src_fd, rel) : 0;
	if (ok < 0)
		return kz_refuse(e, "%s: '%s': %s", in, name, strerror(errno));
	if (ok == 0)
		return kz_refuse(e, "%s: '%s' leads outside the source", in, name);
	return 0;
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

/* Read f within the tree limits (--max-tree-files, --max-tree-size): 0, 1 when unreadable, -1 with e refused. */
static int read_bounded(struct kz_tree *t, struct kz_file *f, struct kz_err *e)
{
	struct stat st;
	if (stat(f->path, &st) < 0)
		return 1;
	if (++t->n_read > t->max_files)
		return kz_refuse(e, "%s: the kustomization reads more than %zu files (--max-tree-files)",
				 shown(t, f->path), t->max_files);
	if ((size_t)st.st_size > t->max_bytes - t->bytes_read)
		return kz_refuse(e, "%s: the files the kustomization reads are larger than %zu bytes in all (--max-tree-size)",
				 shown(t, f->path), t->max_bytes);
	size_t left = t->max_bytes - t->bytes_read;
	int rd = gt_file_read(f->path, left < KZ_MAX_FILE ? left : KZ_MAX_FILE, &f->text, &f->len);
	if (rd == 0)
		t->bytes_read += f->len;
	return rd == 0 ? 0 : 1;
}

struct kz_file *kz_load_file(struct kz_tree *t, const struct kz_kust *k, const char *path, struct kz_err *e)
{
	char *joined = NULL, *real = NULL;
	struct kz_file *f = NULL;
	if (strstr(path, "://"))
		return kz_unsupported(e, "%s: remote file '%s'", k->shown, path), NULL;
	if (asprintf(&joined, "%s/%s", k->root, path) < 0)
		return kz_fail(e, "out of memory"), NULL;
	if (check_in_source(t, k->shown, path[0] == '/' ? path : joined, path, e) < 0)
		goto out;
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
		kz_unsupported(e, "%s: file '%s' is not in or below its directory (load restrictor)", k->shown, path);
		goto out;
	}
	for (size_t i = 0; i < t->n_files; i++) {
		if (!strcmp(t->files[i]->path, real)) {
			f = t->files[i];
			/* a resource file's text goes once it is parsed; read again for another use */
			if (!f->text && gt_file_read(f->path, KZ_MAX_FILE, &f->text, &f->len) != 0) {
				kz_fail(e, "%s: cannot read", shown(t, f->path));
				f = NULL;
			}
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
	int rd = read_bounded(t, f, e);
	if (rd < 0) {
		file_free(f);
		f = NULL;
		goto out;
	}
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

void kz_explicit_nulls(json_t *v)
{
	const char *k;
	json_t *c;
	size_t i;
	if (json_is_object(v)) {
		json_object_foreach(v, k, c) {
			if (gt_yaml_is_empty_null(c))
				json_object_set_new(v, k, json_null());
			else
				kz_explicit_nulls(c);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c) {
			if (gt_yaml_is_empty_null(c))
				json_array_set_new(v, i, json_null());
			else
				kz_explicit_nulls(c);
		}
	}
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
	    annotations_as_text(t, text, len, name, docs, e) < 0)
		goto fail;
	/* A queue: kinds ending in List with items are replaced by their items, which may be lists too
	 * (kustomize takes the items through JSON: they have no empty values left). */
	size_t top = json_array_size(docs);
	for (size_t i = 0; i < json_array_size(docs); i++) {
		json_t *doc = json_array_get(docs, i);
		if (json_is_null(doc))
			continue;
		if (check_resource(doc, name, e) < 0)
			goto fail;
		if (i >= top)
			kz_explicit_nulls(doc);
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

/* kustomize 5.5's notices for deprecated fields (api/types/kustomization.go, CheckDeprecatedFields),
 * word for word and in its order; printed as each kustomization is loaded, for a field that is
 * there and not null (a nil Go slice or map says nothing). */
#define KZ_EDIT_FIX "Run 'kustomize edit fix' to update your Kustomization automatically."
static const struct {
	const char *field, *notice;
} deprecated_fields[] = {
	{ "bases", "# Warning: 'bases' is deprecated. Please use 'resources' instead. " KZ_EDIT_FIX },
	{ "commonLabels", "# Warning: 'commonLabels' is deprecated. Please use 'labels' instead. " KZ_EDIT_FIX },
	{ "imageTags", "# Warning: 'imageTags' is deprecated. Please use 'images' instead. " KZ_EDIT_FIX },
	{ "patchesJson6902", "# Warning: 'patchesJson6902' is deprecated. Please use 'patches' instead. " KZ_EDIT_FIX },
	{ "patchesStrategicMerge",
	  "# Warning: 'patchesStrategicMerge' is deprecated. Please use 'patches' instead. " KZ_EDIT_FIX },
	{ "vars", "# Warning: 'vars' is deprecated. Please use 'replacements' instead. [EXPERIMENTAL] " KZ_EDIT_FIX },
};

static int note_deprecated(struct kz_tree *t, const json_t *k, struct kz_err *e)
{
	for (size_t i = 0; i < sizeof(deprecated_fields) / sizeof(*deprecated_fields); i++) {
		const json_t *v = json_object_get(k, deprecated_fields[i].field);
		if (!v || json_is_null(v))
			continue;
		char *more = kz_printf("%s%s\n", t->warnings ? t->warnings : "", deprecated_fields[i].notice);
		if (!more)
			return kz_fail(e, "out of memory");
		free(t->warnings);
		t->warnings = more;
	}
	return 0;
}

void kz_tree_free(struct kz_tree *t)
{
	free(t->warnings);
	t->warnings = NULL;
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
	if (check_in_source(t, k->shown, name[0] == '/' ? name : joined, name, e) < 0)
		return free(joined), -1;
	real = realpath(joined, NULL);
	if (!component && real && is_file(real)) {
		out->file = kz_load_file(t, k, name, e);
		if (out->file && !out->file->docs &&
		    kz_parse_resources(t, out->file->text, out->file->len, shown(t, out->file->path), &out->file->docs,
				       e) == 0) {
			free(out->file->text);
			out->file->text = NULL;
			out->file->len = 0;
		}
		st = out->file && out->file->docs ? 0 : -1;
		if (st == 0)
			out->file->uses++;
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
		int st = json_array_size(docs) != 1 ? kz_unsupported(e, "%s: not one document", shown(t, f->path))
			 : kz_normalise_tconfig(json_array_get(docs, 0), shown(t, f->path), e) < 0 ? -1
			 : kz_tconfig_merge_doc(&k->config, json_array_get(docs, 0), shown(t, f->path), e);
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
/* kustomize checks the kind of what a kustomization includes, not of the one it builds. */
static int check_kind(struct kz_kust *k, bool component, bool root, struct kz_err *e)
{
	const char *kind = kz_str(k->k, "kind"), *av = kz_str(k->k, "apiVersion");
	const char *file = k->shown;
	k->component = !strcmp(kind, "Component");
	if (*kind && strcmp(kind, "Kustomization") && !k->component)
		return kz_unsupported(e, "%s: kind should be Kustomization or Component", file);
	if (*av && strcmp(av, k->component ? "kustomize.config.k8s.io/v1alpha1" : "kustomize.config.k8s.io/v1beta1"))
		return kz_unsupported(e, "%s: apiVersion for %s is not the required one", file, kind);
	if (!root && component != k->component)
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
	if (note_deprecated(t, k->k, e) < 0)
		return NULL;
	free(k->shown);
	k->shown = strdup(shown(t, f->path));
	struct chain here = { k->root, up };
	if (!k->shown || check_kustomization(k->k, k->shown, e) < 0 || check_kind(k, component, !up, e) < 0 ||
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
	if (check_in_source(t, dir, real, ".", e) < 0)
		return free(real), -1;
	t->root = load_kust(t, real, NULL, false, e);
	free(real);
	return t->root ? 0 : -1;
}
