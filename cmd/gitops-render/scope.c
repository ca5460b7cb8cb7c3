/* scope: which rendered kinds are cluster-scoped, so that -n gives a namespace only to namespaced
 * objects. The sources, first answer wins: a CRD in the render; the cluster's discovery, when asked
 * for (--discovery, --context, --kubeconfig); --api-resources FILE; Kubernetes' own kinds and the
 * table of popular CRDs' kinds (common/obj). A kind none of them knows gets no namespace and a
 * warning: a namespace on a cluster-scoped object is refused by the API server, and a guess either
 * way would be wrong half the time. */
#define _GNU_SOURCE /* asprintf */
#include "render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "file.h"
#include "kube.h"
#include "sha256.h"

/* What the render guessed or fell back to is a warning, but -q asks for errors only. */
#define warn_unless_quiet(...)                                                                      \
	do {                                                                                        \
		if (gt_verbosity() >= 1)                                                            \
			gt_warn(__VA_ARGS__);                                                       \
	} while (0)

static bool discovery_wanted(const struct render_opts *o)
{
	return o->discovery || o->kube.context || o->kube.kubeconfig;
}

/* Kubernetes' kinds and the CRDs in the render answer without asking anyone. */
static int scope_local(const struct render_scopes *s, const struct gt_ref *ref)
{
	int known = gt_scopes_lookup(s->crds, ref->group, ref->kind);
	return known >= 0 ? known : gt_kind_builtin_scope(ref->group, ref->kind);
}

/* Does text (api-resources output) name every kind in need that the built-in table cannot answer
 * for? (A kind the cluster does not serve and the table knows would send every run to the cluster.) */
static bool names_all(const char *text, json_t *need)
{
	struct gt_scopes *t = gt_scopes_new();
	const char *why, *key;
	json_t *v;
	bool all = t && gt_scopes_parse_api_resources(t, text, &why) == 0;
	json_object_foreach(need, key, v) {
		if (!all)
			break;
		const char *group = json_string_value(json_array_get(v, 0)), *kind = json_string_value(json_array_get(v, 1));
		all = gt_scopes_lookup(t, group, kind) >= 0 || gt_kind_well_known_scope(group, kind) >= 0;
	}
	gt_scopes_free(t);
	return all;
}

/* <cache>/discovery/<sha256 of the server URL>: one file per cluster, as kubectl keys its cache by host. */
static char *cache_file_new(const struct render_opts *o, const char *server)
{
	char hex[2 * GT_SHA256_LEN + 1], *root = cache_root_new(o), *p = NULL;
	gt_sha256_hex(server, strlen(server), hex);
	if (root && asprintf(&p, "%s/discovery/%s", root, hex) < 0)
		p = NULL;
	free(root);
	return p;
}

/* The cached answer at path, and whether it is younger than the TTL. 1 read, 0 none. */
static int cache_read(const struct render_opts *o, const char *path, char **text, bool *fresh)
{
	struct stat st;
	size_t len;
	*fresh = false;
	if (stat(path, &st) < 0 || gt_file_read(path, o->lim.max_doc_bytes, text, &len) != 0)
		return 0;
	*fresh = difftime(time(NULL), st.st_mtime) < (double)o->discovery_ttl;
	return 1;
}

static void cache_write(const char *path, const char *text)
{
	char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
	if (slash)
		*slash = '\0';
	if (!dir || gt_mkdir_p(dir) < 0 || gt_file_write_atomic(path, text, strlen(text)) < 0)
		gt_warn("%s: discovery not cached", path);
	free(dir);
}

/*
 * The cluster's api-resources: from the cache while it is fresh and names every kind in need
 * (kubectl too asks again on a kind it does not know: a CRD installed since), else from the
 * cluster; when the cluster does not answer, a stale cache is better than none. NULL when there
 * is no answer at all (warned).
 */
static char *discovery_text_new(const struct render_opts *o, json_t *need)
{
	char *server = NULL, *path = NULL, *cached = NULL, *text = NULL;
	bool fresh = false;
	if (gt_kube_server_dup(&o->kube, &server) < 0) {
		warn_unless_quiet("discovery: no cluster to ask; scopes from --api-resources and the built-in table");
		return NULL;
	}
	if (!(path = cache_file_new(o, server))) {
		free(server);
		return gt_error("out of memory"), NULL;
	}
	if (o->cache != 0 && cache_read(o, path, &cached, &fresh) && fresh && names_all(cached, need)) {
		gt_debug("discovery: %s (cached)", path);
		text = cached, cached = NULL;
	} else if (gt_kube_api_resources(&o->kube, &text) == 0) {
		gt_debug("discovery: asked the cluster at %s", server);
		cache_write(path, text);
	} else if (cached) {
		warn_unless_quiet("discovery: the cluster did not answer; using its answer from %s", path);
		text = cached, cached = NULL;
	} else {
		warn_unless_quiet("discovery: the cluster did not answer; scopes from --api-resources and the built-in table");
	}
	free(cached);
	free(path);
	free(server);
	return text;
}

/* Kinds of objects without a namespace that neither a CRD nor Kubernetes answers for, as
 * {"KIND.GROUP": [GROUP, KIND]}. */
static json_t *kinds_in_need_new(const struct render_scopes *s, json_t *const *objs, size_t n)
{
	json_t *need = json_object();
	for (size_t i = 0; need && i < n; i++) {
		struct gt_ref ref;
		if (!objs[i] || gt_obj_ref(objs[i], &ref, NULL) < 0 || *ref.namespace || scope_local(s, &ref) >= 0)
			continue;
		char *key = NULL;
		if (asprintf(&key, "%s.%s", ref.kind, ref.group) < 0)
			return json_decref(need), NULL;
		json_object_set_new(need, key, json_pack("[ss]", ref.group, ref.kind));
		free(key);
	}
	return need;
}

static int learn_file(const struct render_opts *o, struct gt_scopes *known)
{
	char *text = NULL;
	size_t len;
	const char *why = NULL;
	int r = gt_file_read(o->api_resources, o->lim.max_doc_bytes, &text, &len);
	if (r != 0)
		return r > 0 ? gt_error("--api-resources: %s: no such file", o->api_resources), -1 : -1;
	r = gt_scopes_parse_api_resources(known, text, &why);
	if (r < 0)
		gt_error("--api-resources: %s: %s", o->api_resources, why);
	free(text);
	return r;
}

int render_scopes_init(const struct render_opts *o, struct render_scopes *s, struct gt_scopes *crds,
		       json_t *const *objs, size_t n)
{
	memset(s, 0, sizeof(*s));
	s->crds = crds;
	if (!(s->known = gt_scopes_new()) || !(s->warned = json_object()))
		return gt_error("out of memory"), -1;
	for (size_t i = 0; i < n; i++)
		if (objs[i])
			gt_scopes_learn(s->crds, objs[i]);
	if (o->api_resources && learn_file(o, s->known) < 0)
		return -1;
	if (!o->namespace || !o->namespace_objects || !discovery_wanted(o))
		return 0;
	json_t *need = kinds_in_need_new(s, objs, n);
	if (!need)
		return gt_error("out of memory"), -1;
	if (json_object_size(need)) { /* a render of Kubernetes' kinds and its own CRDs asks no one */
		char *text = discovery_text_new(o, need);
		const char *why;
		/* parsed after the file: the cluster's answer replaces the file's */
		if (text && gt_scopes_parse_api_resources(s->known, text, &why) < 0)
			warn_unless_quiet("discovery: %s", why);
		free(text);
	}
	json_decref(need);
	return 0;
}

int render_scope_of(struct render_scopes *s, const struct gt_ref *ref)
{
	int scope = scope_local(s, ref);
	if (scope < 0)
		scope = gt_scopes_lookup(s->known, ref->group, ref->kind);
	if (scope < 0)
		scope = gt_kind_well_known_scope(ref->group, ref->kind);
	if (scope >= 0)
		return scope;
	char *key = NULL;
	if (asprintf(&key, "%s%s%s", ref->kind, *ref->group ? "." : "", ref->group) >= 0 && !json_object_get(s->warned, key)) {
		json_object_set_new(s->warned, key, json_true());
		warn_unless_quiet("%s: scope unknown, left without a namespace (its CRD in the render, --api-resources or "
			"--discovery would tell)", key);
	}
	free(key);
	return -1;
}

void render_scopes_free(struct render_scopes *s)
{
	gt_scopes_free(s->known);
	json_decref(s->warned);
	memset(s, 0, sizeof(*s));
}
