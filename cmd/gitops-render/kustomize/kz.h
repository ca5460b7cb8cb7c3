/* kz: gitops-render's Kustomize engine, declarations shared by its phases only.
 *
 * The engine builds a kustomization the way kustomize 5.5 (kubectl 1.32's) does, in two
 * steps: load (load.c) reads the whole tree -- every kustomization, resource, patch and
 * generator file -- and says whether it uses anything the engine does not do; build (build.c)
 * then runs kustomize's pipeline over what was read: accumulate resources and components,
 * generators, transformers in kustomize's order, name references, vars, hashes, order. */
#ifndef KZ_H
#define KZ_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "limits.h"

/* ---- errors: one message, kept until the caller prints or drops it ---- */

struct kz_err {
	char *msg;         /* malloc'd; NULL when none */
	bool unsupported;  /* the tree uses what the engine does not do (an exec engine can) */
	bool refused;      /* the tree reads outside the source or beyond the tree limits: no engine may */
};
/* Set e (first message wins) and return -1. */
int kz_fail(struct kz_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int kz_unsupported(struct kz_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int kz_refuse(struct kz_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- identities (kyaml's resid) ---- */

struct kz_gvk {
	const char *group, *version, *kind; /* never NULL; borrowed */
};

/* Group and version of an apiVersion ("apps/v1"), into buffers of the caller's. */
void kz_split_api_version(const char *api_version, char *group, size_t gsize, const char **version);
/* kyaml's table of what is certainly cluster-scoped (the built-in OpenAPI of Kubernetes 1.21). */
bool kz_is_cluster_scoped(const char *api_version, const char *kind);

/* ---- resources ---- */

/* What kustomize keeps in internal.config.kubernetes.io annotations during a build. */
#define KZ_PREV_NAMES "previousNames"
#define KZ_PREV_NAMESPACES "previousNamespaces"
#define KZ_PREV_KINDS "previousKinds"
#define KZ_PREFIXES "prefixes"
#define KZ_SUFFIXES "suffixes"
#define KZ_REFBY "refBy"
#define KZ_BEHAVIOR "generatorBehavior"
#define KZ_NEEDS_HASH "needsHashSuffix"
#define KZ_ALLOW_NAME_CHANGE "allowNameChange"
#define KZ_ALLOW_KIND_CHANGE "allowKindChange"

/* An id: what kustomize compares. ns is the namespace as written ("" when none); cluster says
 * whether its namespace counts at all (real ids of cluster-scoped kinds; never previous ids). */
struct kz_id {
	char group[256];
	const char *version, *kind, *name, *ns; /* borrowed from the resource or its build annotations */
	bool cluster;
	char *owned[3]; /* split previous-id strings, freed by kz_ids_free */
};
/* The effective namespace: "_non_namespaceable_" when cluster, "default" for "". */
const char *kz_id_effective_ns(const struct kz_id *id);
bool kz_id_equals(const struct kz_id *a, const struct kz_id *b);
/* resid.ResId.String(): "Kind.version.group/name.ns" with kustomize's placeholders; malloc'd. */
char *kz_id_string(const struct kz_id *id);

struct kz_ids {
	struct kz_id *v;
	size_t n;
	bool borrowed; /* a view of the resource's cache: kz_ids_free only forgets it */
};
struct kz_res {
	json_t *obj;       /* the object */
	json_t *build;     /* build annotations by short name (above), string values */
	json_t *refvars;   /* names of vars that point at this resource (array), or NULL */
	bool deleted;      /* emptied by a $patch: delete */
	struct kz_ids prev; /* previous ids parsed from build (see kz_res_prev_ids) */
	bool prev_valid;
	/* the apiVersion prev's groups and versions were split from (versions point into it) */
	const char *prev_api_at;
	char prev_api[64];
};

struct kz_res *kz_res_new(json_t *obj); /* takes obj */
struct kz_res *kz_res_dup(const struct kz_res *r);
void kz_res_free(struct kz_res *r);

/* Fields of the object ("" when absent or not a string). */
const char *kz_res_api_version(const struct kz_res *r);
const char *kz_res_kind(const struct kz_res *r);
const char *kz_res_name(const struct kz_res *r);
const char *kz_res_namespace(const struct kz_res *r);
bool kz_res_cluster_scoped(const struct kz_res *r);
/* metadata.name / namespace ("" drops the namespace), creating metadata. */
int kz_res_set_name(struct kz_res *r, const char *name);
int kz_res_set_namespace(struct kz_res *r, const char *ns);
int kz_res_set_kind(struct kz_res *r, const char *kind);
int kz_res_set_api_version(struct kz_res *r, const char *api_version);

/* A build annotation: the value, or NULL. */
const char *kz_build_get(const struct kz_res *r, const char *key);
int kz_build_set(struct kz_res *r, const char *key, const char *value);
/* Append value to a comma-separated build annotation (nothing for ""). */
int kz_build_append_csv(struct kz_res *r, const char *key, const char *value);
/* kustomize's StorePreviousId: the current name, effective namespace and kind. */
int kz_res_store_previous_id(struct kz_res *r);

void kz_res_cur_id(const struct kz_res *r, struct kz_id *id);
/* Previous ids, oldest first (the current one not included); the list owns the split strings. */
int kz_res_prev_ids(const struct kz_res *r, struct kz_ids *ids);
void kz_ids_free(struct kz_ids *ids);
/* The original id: the oldest previous id, else the current one. */
int kz_res_org_id(const struct kz_res *r, struct kz_id *id, struct kz_ids *hold);

/* Maps of strings under metadata (labels, annotations): kustomize reads values as their text. */
json_t *kz_res_string_map(const struct kz_res *r, const char *field); /* new object, {} when absent */
/* kyaml's SetLabels/SetAnnotations: replace the map with these string values, dropping it when empty. */
int kz_res_set_string_map(struct kz_res *r, const char *field, json_t *map);

/* ---- the resource list (kustomize's ResMap) ---- */

struct kz_resmap {
	struct kz_res **v;
	size_t n, cap;
};
void kz_resmap_free(struct kz_resmap *m);
/* Append; an id already present is an error (kustomize's "already registered id"). */
int kz_resmap_append(struct kz_resmap *m, struct kz_res *r, struct kz_err *e);
/* The same for many appends in a row, with nothing else changing m meanwhile. */
struct kz_appender {
	struct kz_resmap *m;
	size_t *head, *next; /* name hash bucket -> an entry, entry -> the next one in its bucket */
	size_t mask;
};
int kz_appender_init(struct kz_appender *a, struct kz_resmap *m, struct kz_err *e);
int kz_appender_add(struct kz_appender *a, struct kz_res *r, struct kz_err *e); /* takes r */
void kz_appender_free(struct kz_appender *a);
/* Append or, for generator behavior merge/replace, merge into the one matching resource. */
int kz_resmap_absorb(struct kz_resmap *m, struct kz_res *r, struct kz_err *e);
/* Remove the resources marked deleted. */
void kz_resmap_drop_deleted(struct kz_resmap *m);
/* Resources any of whose ids (previous or current) equals id. n matches in *out (malloc'd). */
int kz_resmap_by_any_id(const struct kz_resmap *m, const struct kz_id *id, struct kz_res ***out, size_t *n);

/* ---- field specs (kustomize's FieldSpec and the built-in tables) ---- */

struct kz_fieldspec {
	char *group, *version, *kind; /* "" = any */
	char *path;                   /* "spec/template/spec/containers[]/image" */
	bool create;
	char **parts;                 /* path split at first use (kz_fieldspec_release frees) */
	size_t n_parts;
};
/* Free what kz_fieldspec_apply cached in a field spec the caller owns (not in a slice). */
void kz_fieldspec_release(struct kz_fieldspec *fs);
struct kz_fsslice {
	struct kz_fieldspec *v;
	size_t n, cap;
};
/* A name reference: objects of kind target are referred to by fields fs. */
struct kz_nameref {
	char *group, *version, *kind;
	struct kz_fsslice fs;
};
/* kustomize's TransformerConfig: the built-in field specs plus `configurations` files. */
struct kz_tconfig {
	struct kz_fsslice name_prefix, name_suffix, namespace, common_labels, template_labels, labels,
		common_annotations, images, replicas, var_reference;
	struct kz_nameref *nameref;
	size_t n_nameref;
};
int kz_tconfig_defaults(struct kz_tconfig *tc, struct kz_err *e);
/* Merge a configurations document (json) into tc, as kustomize's TransformerConfig.Merge. */
int kz_tconfig_merge_doc(struct kz_tconfig *tc, const json_t *doc, const char *file, struct kz_err *e);
int kz_tconfig_merge(struct kz_tconfig *tc, const struct kz_tconfig *other, struct kz_err *e);
void kz_tconfig_free(struct kz_tconfig *tc);
void kz_fsslice_free(struct kz_fsslice *s);
int kz_fsslice_merge_one(struct kz_fsslice *s, const struct kz_fieldspec *fs, struct kz_err *e);
int kz_fsslice_merge_all(struct kz_fsslice *s, const struct kz_fsslice *in, struct kz_err *e);
int kz_fsslice_copy(struct kz_fsslice *dst, const struct kz_fsslice *src);

/* Does the field spec's group/version/kind select this object (fieldspec.isMatchGVK)? */
bool kz_fieldspec_matches(const struct kz_fieldspec *fs, const json_t *obj);

/*
 * kustomize's fieldspec filter: walk path in obj (lists are walked element by element,
 * "name[]" marks a list), creating maps (and the last field, of create_kind) when fs->create,
 * and call set on each node found. set gets the parent and the key (or index) so that it
 * can replace the value. 0, or -1 with e set.
 */
enum kz_create { KZ_CREATE_NONE, KZ_CREATE_SCALAR, KZ_CREATE_MAP };
struct kz_slot {
	json_t *parent; /* object or array */
	const char *key; /* when parent is an object */
	size_t index;    /* when parent is an array */
};
json_t *kz_slot_get(const struct kz_slot *s);
int kz_slot_set(const struct kz_slot *s, json_t *v); /* takes v */
typedef int (*kz_set_fn)(const struct kz_slot *slot, void *ctx, struct kz_err *e);
int kz_fieldspec_apply(struct kz_fieldspec *fs, json_t *obj, enum kz_create create, kz_set_fn set,
		       void *ctx, struct kz_err *e);
/* The same whatever the object's kind (nameReference checks kinds itself). */
int kz_fieldspec_apply_any(struct kz_fieldspec *fs, json_t *obj, enum kz_create create, kz_set_fn set,
			   void *ctx, struct kz_err *e);

/* ---- the loaded tree (load.c) ---- */

enum kz_behavior { KZ_BEHAVIOR_UNSPECIFIED, KZ_BEHAVIOR_CREATE, KZ_BEHAVIOR_REPLACE, KZ_BEHAVIOR_MERGE };

/* A file read once: its text, and its documents when it holds resources. */
struct kz_file {
	char *path;   /* as kustomize shows it (the root-relative form when possible) */
	char *text;
	size_t len;
	json_t *docs; /* array of objects (kyaml typing), or NULL until parsed */
	size_t uses;  /* resources entries that name it: the last one takes docs instead of copying */
};

struct kz_kust;
/* One entry of resources/bases or components: a file's objects or a kustomization directory. */
struct kz_entry {
	const char *name;    /* as written */
	struct kz_file *file;
	struct kz_kust *dir;
};

struct kz_kust {
	char *root;          /* the kustomization's directory (real path) */
	char *shown;         /* the directory as messages name it */
	char *file;          /* the kustomization file's name */
	json_t *k;           /* the kustomization (goyaml.v2 typing, as kustomize reads it) */
	bool component;
	struct kz_entry *resources, *components;
	size_t n_resources, n_components;
	struct kz_tconfig config; /* its configurations files only (merged at build) */
	bool has_config;
	struct kz_kust *next_all; /* every kustomization of the tree, for freeing */
};

struct kz_tree {
	struct kz_kust *root;
	struct kz_kust *all;
	struct kz_file **files;
	size_t n_files, cap_files;
	bool restrict_root; /* LoadRestrictionsRootOnly (the default) */
	struct gt_limits lim;
	const char *strip;  /* file names in messages lose this prefix */
	char *strip_owned;  /* ...when kustomize_native made it */
	/* What the engine may read: every path resolved on disk (links.c) below src_root (NULL: no
	 * bound but the load restrictor), at most max_files files of max_bytes in all. */
	char *src_root;
	int src_fd;
	size_t max_files, max_bytes, n_read, bytes_read;
	char *warnings; /* kustomize's deprecation notices, a line each, in the order it prints them (owned) */
};

/* Read the kustomization at dir and everything it uses. -1 with e (unsupported: exec can). */
int kz_load(struct kz_tree *t, const char *dir, struct kz_err *e);
void kz_tree_free(struct kz_tree *t);
/* A file below kust's root (load restrictor applied), read once. NULL with e. */
struct kz_file *kz_load_file(struct kz_tree *t, const struct kz_kust *k, const char *path, struct kz_err *e);
/* Keys in their fields' spelling (kustomize matches them regardless of case); unknown ones refused
 * when strict (else dropped, as a replacements file is read). -1 with e. */
int kz_normalise_replacement(json_t *r, bool strict, const char *file, struct kz_err *e);
int kz_normalise_tconfig(json_t *doc, const char *file, struct kz_err *e);
/* Parse text as resources (kyaml typing, List items flattened, annotations as text). */
int kz_parse_resources(const struct kz_tree *t, const char *text, size_t len, const char *name, json_t **docs,
		       struct kz_err *e);
/* JSON has no empty values: what kustomize takes through JSON has written nulls instead. */
void kz_explicit_nulls(json_t *v);

/* ---- build (build.c and the phases) ---- */

struct kz_build {
	struct kz_tree *tree;
	struct kz_err *e;
};

/* Accumulated state of one kustomization (kustomize's ResAccumulator). */
struct kz_acc {
	struct kz_resmap rm;
	struct kz_tconfig tc;
	json_t *vars; /* array of var definitions, merged */
};

/* Build the tree: the objects in kustomize's output order, into *out (array). */
int kz_build_tree(struct kz_tree *t, json_t **out, struct kz_err *e);

/* generate.c */
int kz_run_generators(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc);
int kz_add_hashes(struct kz_build *b, struct kz_resmap *rm);

/* transform.c */
int kz_transform_namespace(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc);
int kz_transform_prefix_suffix(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc, bool suffix);
int kz_transform_labels(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc);
int kz_transform_annotations(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc);
int kz_transform_replicas(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc);
int kz_transform_images(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc);

/* nameref.c */
int kz_fix_name_references(struct kz_build *b, struct kz_acc *acc);

/* patch.c */
int kz_transform_patches_sm(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc);
int kz_transform_patches(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc);
int kz_transform_patches_json6902(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc);
/* k8s label selector syntax against a map of strings: 1 match, 0 no, -1 bad selector (e). */
int kz_selector_matches(const char *selector, const json_t *set, struct kz_err *e);

/* vars.c */
int kz_merge_vars(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc);
int kz_resolve_vars(struct kz_build *b, struct kz_acc *acc);
int kz_transform_replacements(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc);

/* emit.c */
int kz_sort(struct kz_build *b, struct kz_resmap *rm);
/* The objects as kustomize prints them: build annotations gone, annotations as strings,
 * keys in goyaml.v2's order. */
int kz_finish(struct kz_build *b, struct kz_resmap *rm, json_t **out);

/* ---- small helpers (res.c) ---- */
char *kz_strdup(const char *s);
char *kz_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A string value of obj[key] or "" */
const char *kz_str(const json_t *obj, const char *key);
/* The text kustomize sees for a scalar (yaml node Value): strings as they are, numbers and
 * bools as JSON writes them, null as "null" ("" when written empty). malloc'd. */
char *kz_scalar_text(const json_t *v);

#endif
