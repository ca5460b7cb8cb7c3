/* kz res: resources, their ids and build annotations, and the resource list, as kustomize's
 * resource, resid and resmap packages keep them. */
#define _GNU_SOURCE /* vasprintf */
#include "kz.h"
#include "yaml.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors and small helpers ---- */

static int set_err(struct kz_err *e, bool unsupported, const char *fmt, va_list ap)
{
	if (e && !e->msg) {
		if (vasprintf(&e->msg, fmt, ap) < 0)
			e->msg = NULL;
		e->unsupported = unsupported;
	}
	return -1;
}

int kz_refuse(struct kz_err *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (e && e->msg && !e->refused) { /* a refusal wins over what came before: it is no fallback */
		free(e->msg);
		e->msg = NULL;
	}
	set_err(e, false, fmt, ap);
	if (e)
		e->refused = true;
	va_end(ap);
	return -1;
}

int kz_fail(struct kz_err *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_err(e, false, fmt, ap);
	va_end(ap);
	return -1;
}

int kz_unsupported(struct kz_err *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_err(e, true, fmt, ap);
	va_end(ap);
	return -1;
}

char *kz_strdup(const char *s)
{
	return strdup(s ? s : "");
}

char *kz_printf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

const char *kz_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

/* ---- group/version/kind ---- */

void kz_split_api_version(const char *api_version, char *group, size_t gsize, const char **version)
{
	const char *slash = strchr(api_version, '/');
	if (!slash) {
		group[0] = '\0';
		*version = api_version;
		return;
	}
	size_t n = (size_t)(slash - api_version);
	if (n >= gsize)
		n = gsize - 1;
	memcpy(group, api_version, n);
	group[n] = '\0';
	*version = slash + 1;
}

/* kyaml's precomputed scope table: the built-in kinds the OpenAPI of Kubernetes 1.21 says are
 * cluster-scoped, by exact apiVersion. Everything else (custom resources too) is namespaced. */
static const struct { const char *api_version, *kind; } cluster_scoped[] = {
	{ "admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration" },
	{ "admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration" },
	{ "admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration" },
	{ "admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration" },
	{ "apiextensions.k8s.io/v1", "CustomResourceDefinition" },
	{ "apiextensions.k8s.io/v1beta1", "CustomResourceDefinition" },
	{ "apiregistration.k8s.io/v1", "APIService" },
	{ "apiregistration.k8s.io/v1beta1", "APIService" },
	{ "certificates.k8s.io/v1", "CertificateSigningRequest" },
	{ "certificates.k8s.io/v1beta1", "CertificateSigningRequest" },
	{ "flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema" },
	{ "flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration" },
	{ "networking.k8s.io/v1", "IngressClass" },
	{ "networking.k8s.io/v1beta1", "IngressClass" },
	{ "node.k8s.io/v1", "RuntimeClass" },
	{ "node.k8s.io/v1beta1", "RuntimeClass" },
	{ "policy/v1beta1", "PodSecurityPolicy" },
	{ "rbac.authorization.k8s.io/v1", "ClusterRole" },
	{ "rbac.authorization.k8s.io/v1", "ClusterRoleBinding" },
	{ "rbac.authorization.k8s.io/v1beta1", "ClusterRole" },
	{ "rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding" },
	{ "scheduling.k8s.io/v1", "PriorityClass" },
	{ "scheduling.k8s.io/v1beta1", "PriorityClass" },
	{ "storage.k8s.io/v1", "CSIDriver" },
	{ "storage.k8s.io/v1", "CSINode" },
	{ "storage.k8s.io/v1", "StorageClass" },
	{ "storage.k8s.io/v1", "VolumeAttachment" },
	{ "storage.k8s.io/v1beta1", "CSIDriver" },
	{ "storage.k8s.io/v1beta1", "CSINode" },
	{ "storage.k8s.io/v1beta1", "StorageClass" },
	{ "storage.k8s.io/v1beta1", "VolumeAttachment" },
	{ "v1", "ComponentStatus" },
	{ "v1", "Namespace" },
	{ "v1", "Node" },
	{ "v1", "NodeProxyOptions" },
	{ "v1", "PersistentVolume" },
};

/* Kinds that appear in the table, to skip the search for every other kind. */
static bool maybe_cluster_kind(const char *kind)
{
	switch (kind[0]) {
	case 'A': case 'C': case 'F': case 'I': case 'M': case 'N': case 'P': case 'R': case 'S': case 'V':
		return true;
	default:
		return false;
	}
}

bool kz_is_cluster_scoped(const char *api_version, const char *kind)
{
	if (!maybe_cluster_kind(kind))
		return false;
	/* (asked for every resource in every pass: the kind's first letters first, most differ there) */
	for (size_t i = 0; i < sizeof(cluster_scoped) / sizeof(*cluster_scoped); i++) {
		const char *c = cluster_scoped[i].kind;
		if (c[0] == kind[0] && c[1] == kind[1] && !strcmp(c, kind) && !strcmp(cluster_scoped[i].api_version, api_version))
			return true;
	}
	return false;
}

/* ---- resources ---- */

struct kz_res *kz_res_new(json_t *obj)
{
	struct kz_res *r = calloc(1, sizeof(*r));
	if (!r || !(r->build = json_object())) {
		free(r);
		json_decref(obj);
		return NULL;
	}
	r->obj = obj;
	return r;
}

struct kz_res *kz_res_dup(const struct kz_res *r)
{
	struct kz_res *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->obj = json_deep_copy(r->obj);
	c->build = json_deep_copy(r->build);
	c->refvars = r->refvars ? json_deep_copy(r->refvars) : NULL;
	c->deleted = r->deleted;
	if (!c->obj || !c->build || (r->refvars && !c->refvars)) {
		kz_res_free(c);
		return NULL;
	}
	return c;
}

void kz_res_free(struct kz_res *r)
{
	if (!r)
		return;
	kz_ids_free(&r->prev);
	json_decref(r->obj);
	json_decref(r->build);
	json_decref(r->refvars);
	free(r);
}

static const json_t *metadata(const struct kz_res *r)
{
	return json_object_get(r->obj, "metadata");
}

const char *kz_res_api_version(const struct kz_res *r)
{
	return kz_str(r->obj, "apiVersion");
}

const char *kz_res_kind(const struct kz_res *r)
{
	return kz_str(r->obj, "kind");
}

const char *kz_res_name(const struct kz_res *r)
{
	return kz_str(metadata(r), "name");
}

const char *kz_res_namespace(const struct kz_res *r)
{
	return kz_str(metadata(r), "namespace");
}

bool kz_res_cluster_scoped(const struct kz_res *r)
{
	return kz_is_cluster_scoped(kz_res_api_version(r), kz_res_kind(r));
}

/* metadata as a map, created (kyaml's LookupCreate) when missing or null. */
static json_t *metadata_create(struct kz_res *r)
{
	json_t *m = json_object_get(r->obj, "metadata");
	if (json_is_object(m))
		return m;
	m = json_object();
	if (!m || json_object_set_new(r->obj, "metadata", m) < 0)
		return NULL;
	return m;
}

int kz_res_set_name(struct kz_res *r, const char *name)
{
	json_t *m = metadata_create(r);
	return m ? json_object_set_new(m, "name", json_string(name)) : -1;
}

int kz_res_set_namespace(struct kz_res *r, const char *ns)
{
	json_t *m = json_object_get(r->obj, "metadata");
	if (!*ns) {
		if (json_is_object(m))
			json_object_del(m, "namespace");
		return 0;
	}
	m = metadata_create(r);
	return m ? json_object_set_new(m, "namespace", json_string(ns)) : -1;
}

int kz_res_set_kind(struct kz_res *r, const char *kind)
{
	return json_object_set_new(r->obj, "kind", json_string(kind));
}

int kz_res_set_api_version(struct kz_res *r, const char *api_version)
{
	return json_object_set_new(r->obj, "apiVersion", json_string(api_version));
}

const char *kz_build_get(const struct kz_res *r, const char *key)
{
	return json_string_value(json_object_get(r->build, key));
}

int kz_build_set(struct kz_res *r, const char *key, const char *value)
{
	if (!strncmp(key, "previous", 8))
		r->prev_valid = false;
	return json_object_set_new(r->build, key, json_string(value));
}

int kz_build_append_csv(struct kz_res *r, const char *key, const char *value)
{
	if (!*value)
		return 0;
	const char *cur = kz_build_get(r, key);
	if (!cur)
		return kz_build_set(r, key, value);
	char *joined = kz_printf("%s,%s", cur, value);
	int st = joined ? kz_build_set(r, key, joined) : -1;
	free(joined);
	return st;
}

void kz_res_cur_id(const struct kz_res *r, struct kz_id *id)
{
	memset(id, 0, sizeof(*id));
	kz_split_api_version(kz_res_api_version(r), id->group, sizeof(id->group), &id->version);
	id->kind = kz_res_kind(r);
	id->name = kz_res_name(r);
	id->ns = kz_res_namespace(r);
	id->cluster = kz_res_cluster_scoped(r);
}

const char *kz_id_effective_ns(const struct kz_id *id)
{
	if (id->cluster)
		return "_non_namespaceable_";
	return *id->ns ? id->ns : "default";
}

bool kz_id_equals(const struct kz_id *a, const struct kz_id *b)
{
	return !strcmp(kz_id_effective_ns(a), kz_id_effective_ns(b)) && !strcmp(a->name, b->name) &&
	       !strcmp(a->group, b->group) && !strcmp(a->version, b->version) && !strcmp(a->kind, b->kind);
}

char *kz_id_string(const struct kz_id *id)
{
	return kz_printf("%s.%s.%s/%s.%s", *id->kind ? id->kind : "[noKind]",
			 *id->version ? id->version : "[noVer]", *id->group ? id->group : "[noGrp]",
			 *id->name ? id->name : "[noName]", *id->ns ? id->ns : "[noNs]");
}

int kz_res_store_previous_id(struct kz_res *r)
{
	struct kz_id id;
	kz_res_cur_id(r, &id);
	if (kz_build_append_csv(r, KZ_PREV_NAMES, id.name) < 0 ||
	    kz_build_append_csv(r, KZ_PREV_NAMESPACES, kz_id_effective_ns(&id)) < 0 ||
	    kz_build_append_csv(r, KZ_PREV_KINDS, id.kind) < 0)
		return -1;
	return 0;
}

void kz_ids_free(struct kz_ids *ids)
{
	if (ids->borrowed) {
		ids->v = NULL;
		ids->n = 0;
		ids->borrowed = false;
		return;
	}
	for (size_t i = 0; ids->v && i < ids->n; i++)
		for (int k = 0; k < 3; k++)
			free(ids->v[i].owned[k]);
	free(ids->v);
	ids->v = NULL;
	ids->n = 0;
}

/* The i-th comma-separated part of s (strings.Split), malloc'd; "" past the end. */
static char *csv_part(const char *s, size_t i)
{
	for (; i > 0 && s; i--) {
		s = strchr(s, ',');
		if (s)
			s++;
	}
	if (!s)
		return strdup("");
	return strndup(s, strcspn(s, ","));
}

static size_t csv_count(const char *s)
{
	size_t n = 1;
	for (; *s; s++)
		n += *s == ',';
	return n;
}

static int parse_prev_ids(const struct kz_res *r, struct kz_ids *ids);

/* Previous ids are read often (name references, selections) and change rarely: parsed once and
 * kept until a build annotation of them changes. The caller gets a borrowed view. */
bool kz_res_had_name(const struct kz_res *r, const char *name)
{
	struct kz_res *w = (struct kz_res *)r;
	if (!w->prev_valid) {
		kz_ids_free(&w->prev);
		if (parse_prev_ids(r, &w->prev) < 0)
			return false;
		w->prev_valid = true;
		w->prev_api_at = NULL;
	}
	for (size_t i = 0; i < w->prev.n; i++)
		if (!strcmp(w->prev.v[i].name, name))
			return true;
	return false;
}

int kz_res_prev_ids(const struct kz_res *r, struct kz_ids *ids)
{
	struct kz_res *w = (struct kz_res *)r;
	const char *api = kz_res_api_version(r);
	if (!w->prev_valid) {
		kz_ids_free(&w->prev);
		if (parse_prev_ids(r, &w->prev) < 0)
			return -1;
		w->prev_valid = true;
		w->prev_api_at = NULL;
	}
	/* apiVersion may have changed (a patch): group and version follow the current one */
	if (w->prev.n && (api != w->prev_api_at || strcmp(api, w->prev_api))) {
		for (size_t i = 0; i < w->prev.n; i++)
			kz_split_api_version(api, w->prev.v[i].group, sizeof(w->prev.v[i].group), &w->prev.v[i].version);
		/* the same string at the same place: the versions still point at its text (an
		 * apiVersion longer than the buffer is split every time) */
		w->prev_api_at = strlen(api) < sizeof(w->prev_api) ? api : NULL;
		if (w->prev_api_at)
			strcpy(w->prev_api, api);
	}
	ids->v = w->prev.v;
	ids->n = w->prev.n;
	ids->borrowed = true;
	return 0;
}

static int parse_prev_ids(const struct kz_res *r, struct kz_ids *ids)
{
	const char *names = kz_build_get(r, KZ_PREV_NAMES);
	ids->v = NULL;
	ids->n = 0;
	if (!names)
		return 0;
	const char *nss = kz_build_get(r, KZ_PREV_NAMESPACES), *kinds = kz_build_get(r, KZ_PREV_KINDS);
	size_t n = csv_count(names);
	ids->v = calloc(n, sizeof(*ids->v));
	if (!ids->v)
		return -1;
	ids->n = n;
	for (size_t i = 0; i < n; i++) {
		struct kz_id *id = &ids->v[i];
		/* The group and version are the current ones; previous ids are never cluster-scoped
		 * (kustomize builds their Gvk without the scope lookup). */
		kz_split_api_version(kz_res_api_version(r), id->group, sizeof(id->group), &id->version);
		id->owned[0] = csv_part(names, i);
		id->owned[1] = csv_part(nss ? nss : "", i);
		id->owned[2] = csv_part(kinds ? kinds : "", i);
		if (!id->owned[0] || !id->owned[1] || !id->owned[2])
			return kz_ids_free(ids), -1;
		id->name = id->owned[0];
		id->ns = id->owned[1];
		id->kind = id->owned[2];
		id->cluster = false;
	}
	return 0;
}

int kz_res_org_id(const struct kz_res *r, struct kz_id *id, struct kz_ids *hold)
{
	if (kz_res_prev_ids(r, hold) < 0)
		return -1;
	if (hold->n) {
		*id = hold->v[0];
		memset(id->owned, 0, sizeof(id->owned)); /* the hold owns them */
	} else {
		kz_res_cur_id(r, id);
	}
	return 0;
}

/* ---- labels and annotations as kyaml sees them ---- */

json_t *kz_res_string_map(const struct kz_res *r, const char *field)
{
	json_t *out = json_object();
	const json_t *m = json_object_get(metadata(r), field);
	const char *k;
	json_t *v;
	if (!out || !json_is_object(m))
		return out;
	json_object_foreach((json_t *)m, k, v) {
		char *text = gt_yaml_scalar_text(v);
		if (!text || json_object_set_new(out, k, json_string(text)) < 0) {
			free(text);
			json_decref(out);
			return NULL;
		}
		free(text);
	}
	return out;
}

int kz_res_set_string_map(struct kz_res *r, const char *field, json_t *map)
{
	json_t *m = metadata_create(r);
	if (!m)
		return -1;
	json_object_del(m, field);
	if (!json_object_size(map))
		return 0;
	return json_object_set(m, field, map);
}

/* ---- the resource list ---- */

void kz_resmap_free(struct kz_resmap *m)
{
	for (size_t i = 0; i < m->n; i++)
		kz_res_free(m->v[i]);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

static int push(struct kz_resmap *m, struct kz_res *r)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 32;
		struct kz_res **v = realloc(m->v, cap * sizeof(*v));
		if (!v)
			return -1;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n++] = r;
	return 0;
}

/* Is held (in the map) the resource r, whose name is name and id *id? Refused as kustomize does:
 * r is freed and the error set (-1); 0 when they differ. */
static int refuse_same_id(const struct kz_res *held, struct kz_res *r, const char *name, const struct kz_id *id,
			  struct kz_err *e)
{
	struct kz_id other;
	if (strcmp(kz_res_name(held), name))
		return 0; /* different names: different ids, without computing them */
	kz_res_cur_id(held, &other);
	if (!kz_id_equals(id, &other))
		return 0;
	char *s = kz_id_string(id);
	kz_fail(e, "may not add resource with an already registered id: %s", s ? s : "?");
	free(s);
	kz_res_free(r);
	return -1;
}

int kz_resmap_append(struct kz_resmap *m, struct kz_res *r, struct kz_err *e)
{
	struct kz_id id;
	const char *name = kz_res_name(r);
	kz_res_cur_id(r, &id);
	for (size_t i = 0; i < m->n; i++)
		if (refuse_same_id(m->v[i], r, name, &id, e) < 0)
			return -1;
	if (push(m, r) < 0) {
		kz_res_free(r);
		return kz_fail(e, "out of memory");
	}
	return 0;
}

/*
 * Many appends in a row (a file's documents, a base's whole accumulation) look for a resource of
 * the same id among those of the same name only: a hash of the names, grown as the list grows.
 */
static size_t name_hash(const char *p)
{
	size_t h = 1469598103934665603u;
	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211u;
	return h;
}

static int appender_index(struct kz_appender *a, size_t want)
{
	size_t nb = 64;
	while (nb < 2 * want)
		nb *= 2;
	free(a->head);
	free(a->next);
	a->head = malloc(nb * sizeof(size_t));
	a->next = malloc(nb / 2 * sizeof(size_t));
	if (!a->head || !a->next)
		return -1;
	a->mask = nb - 1;
	memset(a->head, 0xff, nb * sizeof(size_t));
	for (size_t i = 0; i < a->m->n; i++) {
		size_t b = name_hash(kz_res_name(a->m->v[i])) & a->mask;
		a->next[i] = a->head[b];
		a->head[b] = i;
	}
	return 0;
}

int kz_appender_init(struct kz_appender *a, struct kz_resmap *m, struct kz_err *e)
{
	memset(a, 0, sizeof(*a));
	a->m = m;
	return appender_index(a, m->n + 16) < 0 ? kz_fail(e, "out of memory") : 0;
}

void kz_appender_free(struct kz_appender *a)
{
	free(a->head);
	free(a->next);
	memset(a, 0, sizeof(*a));
}

/* kz_resmap_append through the index: takes r. */
int kz_appender_add(struct kz_appender *a, struct kz_res *r, struct kz_err *e)
{
	struct kz_resmap *m = a->m;
	if (m->n + 1 > (a->mask + 1) / 2 && appender_index(a, m->n + 1) < 0) {
		kz_res_free(r);
		return kz_fail(e, "out of memory");
	}
	const char *name = kz_res_name(r);
	size_t b = name_hash(name) & a->mask;
	struct kz_id id;
	kz_res_cur_id(r, &id);
	for (size_t i = a->head[b]; i != (size_t)-1; i = a->next[i])
		if (refuse_same_id(m->v[i], r, name, &id, e) < 0)
			return -1;
	if (push(m, r) < 0) {
		kz_res_free(r);
		return kz_fail(e, "out of memory");
	}
	a->next[m->n - 1] = a->head[b];
	a->head[b] = m->n - 1;
	return 0;
}

static bool any_id_equals(const struct kz_res *r, const struct kz_id *id)
{
	struct kz_ids prev;
	struct kz_id cur;
	bool hit = false;
	if (kz_res_prev_ids(r, &prev) < 0)
		return false;
	for (size_t i = 0; !hit && i < prev.n; i++)
		hit = kz_id_equals(&prev.v[i], id);
	kz_ids_free(&prev);
	kz_res_cur_id(r, &cur);
	return hit || kz_id_equals(&cur, id);
}

int kz_resmap_by_any_id(const struct kz_resmap *m, const struct kz_id *id, struct kz_res ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < m->n; i++) {
		if (!any_id_equals(m->v[i], id))
			continue;
		struct kz_res **v = realloc(*out, (*n + 1) * sizeof(*v));
		if (!v)
			return free(*out), *out = NULL, -1;
		*out = v;
		v[(*n)++] = m->v[i];
	}
	return 0;
}

void kz_resmap_drop_deleted(struct kz_resmap *m)
{
	size_t j = 0;
	for (size_t i = 0; i < m->n; i++) {
		if (m->v[i]->deleted)
			kz_res_free(m->v[i]);
		else
			m->v[j++] = m->v[i];
	}
	m->n = j;
}

static enum kz_behavior behavior_of(const struct kz_res *r)
{
	const char *b = kz_build_get(r, KZ_BEHAVIOR);
	if (!b)
		return KZ_BEHAVIOR_UNSPECIFIED;
	return !strcmp(b, "create") ? KZ_BEHAVIOR_CREATE : !strcmp(b, "replace") ? KZ_BEHAVIOR_REPLACE
	       : !strcmp(b, "merge") ? KZ_BEHAVIOR_MERGE : KZ_BEHAVIOR_UNSPECIFIED;
}

/* The build annotations kustomize's mergeStringMapsWithBuildAnnotations keeps: other's. */
static int copy_merge_build(struct kz_res *r, const struct kz_res *other)
{
	bool had_hash = kz_build_get(r, KZ_NEEDS_HASH) != NULL;
	json_t *b = json_deep_copy(other->build);
	if (!b)
		return -1;
	if (!had_hash)
		json_object_del(b, KZ_NEEDS_HASH);
	json_decref(r->build);
	r->build = b;
	r->prev_valid = false;
	return 0;
}

/* m2 over m1 (m2 wins), a new object. */
static json_t *merge_string_maps(const json_t *m1, const json_t *m2)
{
	json_t *out = json_deep_copy(m1);
	if (out && json_object_update(out, (json_t *)m2) < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* kustomize's Resource.CopyMergeMetaDataFieldsFrom: labels and annotations merged (r wins),
 * build annotations, name and namespace from other. */
static int copy_merge_metadata(struct kz_res *r, const struct kz_res *other)
{
	int st = -1;
	json_t *ol = kz_res_string_map(other, "labels"), *rl = kz_res_string_map(r, "labels");
	json_t *oa = kz_res_string_map(other, "annotations"), *ra = kz_res_string_map(r, "annotations");
	json_t *l = ol && rl ? merge_string_maps(ol, rl) : NULL, *a = oa && ra ? merge_string_maps(oa, ra) : NULL;
	if (l && a && kz_res_set_string_map(r, "labels", l) == 0 && kz_res_set_string_map(r, "annotations", a) == 0 &&
	    copy_merge_build(r, other) == 0 && kz_res_set_name(r, kz_res_name(other)) == 0 &&
	    kz_res_set_namespace(r, kz_res_namespace(other)) == 0) {
		json_decref(r->refvars);
		r->refvars = other->refvars ? json_deep_copy(other->refvars) : NULL;
		st = 0;
	}
	json_decref(ol);
	json_decref(rl);
	json_decref(oa);
	json_decref(ra);
	json_decref(l);
	json_decref(a);
	return st;
}

/* kyaml's GetDataMap: the field's entries as text. */
static json_t *data_map(const struct kz_res *r, const char *field)
{
	json_t *out = json_object();
	const json_t *m = json_object_get(r->obj, field);
	const char *k;
	json_t *v;
	if (!out || !json_is_object(m))
		return out;
	json_object_foreach((json_t *)m, k, v) {
		char *text = gt_yaml_scalar_text(v);
		json_object_set_new(out, k, json_string(text ? text : ""));
		free(text);
	}
	return out;
}

/* Go's utf8.ValidString. */
static bool valid_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	while (p < end) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		size_t n = *p >= 0xc2 && *p <= 0xdf ? 2 : *p >= 0xe0 && *p <= 0xef ? 3 : *p >= 0xf0 && *p <= 0xf4 ? 4 : 0;
		if (!n || (size_t)(end - p) < n)
			return false;
		for (size_t i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return false;
		if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) || (p[0] == 0xf0 && p[1] < 0x90) ||
		    (p[0] == 0xf4 && p[1] > 0x8f))
			return false;
		p += n;
	}
	return true;
}

char *kz_base64_lines(const char *s, size_t len); /* generate.c */

/* kyaml's SetDataMap (binary: SetBinaryDataMap): the field replaced by these values; ConfigMap data
 * that is not UTF-8 goes to binaryData, base64. */
static int set_data_map(struct kz_res *r, const char *field, json_t *m, bool binary)
{
	const char *k;
	json_t *v;
	json_object_del(r->obj, field);
	if (!json_object_size(m))
		return 0;
	const char **keys = malloc(json_object_size(m) * sizeof(*keys));
	size_t n = 0;
	if (!keys)
		return -1;
	json_object_foreach(m, k, v)
		keys[n++] = k;
	qsort(keys, n, sizeof(*keys), (int (*)(const void *, const void *))strcmp);
	int st = 0;
	for (size_t i = 0; st == 0 && i < n; i++) {
		const json_t *val = json_object_get(m, keys[i]);
		const char *s = json_string_value(val);
		size_t len = json_string_length(val);
		const char *target = binary || valid_utf8(s, len) ? field : "binaryData";
		json_t *dst = json_object_get(r->obj, target);
		if (!json_is_object(dst)) {
			dst = json_object();
			if (!dst || json_object_set_new(r->obj, target, dst) < 0)
				st = -1;
		}
		if (st == 0 && !binary && target != field) {
			char *b64 = kz_base64_lines(s, len);
			st = b64 ? json_object_set_new(dst, keys[i], json_string(b64)) : -1;
			free(b64);
		} else if (st == 0) {
			st = json_object_set_new(dst, keys[i], json_stringn(s, len));
		}
	}
	free(keys);
	return st;
}

static int merge_data_from(struct kz_res *r, const struct kz_res *o, const char *field, bool binary)
{
	json_t *om = data_map(o, field), *rm = data_map(r, field), *m = om && rm ? merge_string_maps(om, rm) : NULL;
	int st = m ? set_data_map(r, field, m, binary) : -1;
	json_decref(om);
	json_decref(rm);
	json_decref(m);
	return st;
}

int kz_resmap_absorb(struct kz_resmap *m, struct kz_res *r, struct kz_err *e)
{
	struct kz_id id;
	struct kz_res **matches = NULL;
	size_t n = 0;
	kz_res_cur_id(r, &id);
	enum kz_behavior b = behavior_of(r);
	char *ids = kz_id_string(&id);
	int st = -1;
	if (kz_resmap_by_any_id(m, &id, &matches, &n) < 0) {
		kz_fail(e, "out of memory");
	} else if (n == 0) {
		if (b == KZ_BEHAVIOR_MERGE || b == KZ_BEHAVIOR_REPLACE)
			kz_fail(e, "id %s does not exist; cannot merge or replace", ids ? ids : "?");
		else
			st = kz_resmap_append(m, r, e), r = NULL;
	} else if (n > 1) {
		kz_fail(e, "found multiple objects that could accept merge of %s", ids ? ids : "?");
	} else if (b != KZ_BEHAVIOR_MERGE && b != KZ_BEHAVIOR_REPLACE) {
		kz_fail(e, "id %s exists; behavior must be merge or replace", ids ? ids : "?");
	} else {
		struct kz_res *old = matches[0];
		size_t at = 0;
		while (m->v[at] != old)
			at++;
		st = copy_merge_metadata(r, old);
		if (st == 0 && b == KZ_BEHAVIOR_MERGE)
			st = merge_data_from(r, old, "data", false) == 0 && merge_data_from(r, old, "binaryData", true) == 0
				     ? 0 : -1;
		if (st < 0) {
			kz_fail(e, "out of memory");
		} else {
			kz_res_free(old);
			m->v[at] = r;
			r = NULL;
		}
	}
	free(matches);
	free(ids);
	kz_res_free(r);
	return st;
}
