/* The Application object, field for field as argocd app create fills it
 * (cmd/util/app.go SetAppSpecOptions), in the order Argo CD's docs write it. */
#include <stdlib.h>
#include <string.h>

#include "appcreate.h"

static json_t *string_array(const struct gt_strvec *l)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

/* --helm-set: a later value for the same name replaces the earlier one (HelmSource.AddParameter). */
static json_t *helm_parameters(const struct gt_strvec *sets)
{
	json_t *params = json_array();
	for (size_t i = 0; params && i < sets->n; i++) {
		const char *kv = sets->v[i], *eq = strchr(kv, '=');
		json_t *p = json_pack("{s:s%, s:s}", "name", kv, (size_t)(eq - kv), "value", eq + 1), *old;
		size_t j;
		bool replaced = false;
		json_array_foreach(params, j, old) {
			if (!replaced && json_equal(json_object_get(old, "name"), json_object_get(p, "name"))) {
				json_array_set(params, j, p);
				replaced = true;
			}
		}
		if (!replaced)
			json_array_append(params, p);
		json_decref(p);
	}
	return params;
}

static json_t *helm_new(const struct app_opts *o)
{
	if (!o->values.n && !o->helm_sets.n && !o->release_name)
		return NULL;
	json_t *h = json_object();
	if (o->values.n)
		json_object_set_new(h, "valueFiles", string_array(&o->values));
	if (o->helm_sets.n)
		json_object_set_new(h, "parameters", helm_parameters(&o->helm_sets));
	if (o->release_name)
		json_object_set_new(h, "releaseName", json_string(o->release_name));
	return h;
}

/* KustomizeImage.delim: the first of '=', ':', '@' the image contains, else ':'. */
static char image_delim(const char *img)
{
	for (const char *d = "=:@"; *d; d++)
		if (strchr(img, *d))
			return *d;
	return ':';
}

/* KustomizeImage.Match: the same text up to new's delimiter, which new must contain. */
static bool image_match(const char *old, const char *new)
{
	char d = image_delim(new);
	const char *nd = strchr(new, d), *od = strchr(old, d);
	size_t nn = nd ? (size_t)(nd - new) : 0, on = od ? (size_t)(od - old) : strlen(old);
	return nd && nn == on && !strncmp(old, new, nn);
}

/* --kustomize-image: an image with the same name replaces the earlier one (MergeImage). */
static json_t *kustomize_images(const struct gt_strvec *images)
{
	json_t *list = json_array(), *old;
	for (size_t i = 0; list && i < images->n; i++) {
		size_t j;
		bool replaced = false;
		json_array_foreach(list, j, old) {
			if (!replaced && image_match(json_string_value(old), images->v[i])) {
				json_array_set_new(list, j, json_string(images->v[i]));
				replaced = true;
			}
		}
		if (!replaced)
			json_array_append_new(list, json_string(images->v[i]));
	}
	return list;
}

static json_t *kustomize_new(const struct app_opts *o)
{
	if (!o->name_prefix && !o->kustomize_images.n)
		return NULL;
	json_t *k = json_object();
	if (o->name_prefix)
		json_object_set_new(k, "namePrefix", json_string(o->name_prefix));
	if (o->kustomize_images.n)
		json_object_set_new(k, "images", kustomize_images(&o->kustomize_images));
	return k;
}

static json_t *source_new(const struct app_opts *o)
{
	json_t *s = json_pack("{s:s, s:s}", "repoURL", o->repo, "targetRevision", o->revision);
	json_t *helm = helm_new(o), *kustomize = kustomize_new(o);
	if (o->path)
		json_object_set_new(s, "path", json_string(o->path));
	if (helm)
		json_object_set_new(s, "helm", helm);
	if (kustomize)
		json_object_set_new(s, "kustomize", kustomize);
	if (o->directory_recurse)
		json_object_set_new(s, "directory", json_pack("{s:b}", "recurse", 1));
	return s;
}

static json_t *destination_new(const struct app_opts *o)
{
	json_t *d = o->dest_name ? json_pack("{s:s}", "name", o->dest_name)
				 : json_pack("{s:s}", "server", o->dest_server ? o->dest_server : DEFAULT_DEST_SERVER);
	if (o->dest_namespace)
		json_object_set_new(d, "namespace", json_string(o->dest_namespace));
	return d;
}

static json_t *automated_new(const struct app_opts *o)
{
	json_t *a = json_object();
	if (o->auto_prune)
		json_object_set_new(a, "prune", json_true());
	if (o->self_heal)
		json_object_set_new(a, "selfHeal", json_true());
	if (o->allow_empty)
		json_object_set_new(a, "allowEmpty", json_true());
	return a;
}

/* argocd app create with --sync-retry-limit N > 0 writes the whole backoff, defaults included. */
static json_t *retry_new(const struct app_opts *o)
{
	char backoff[32] = DEFAULT_RETRY_DURATION;
	if (o->retry_backoff >= 0) /* Go's Duration.String(), as argocd app create writes it */
		gt_duration_format((uint64_t)(o->retry_backoff * 1e9 + 0.5), backoff, sizeof(backoff));
	return json_pack("{s:I, s:{s:s, s:I, s:s}}", "limit", (json_int_t)o->retry_limit, "backoff", "duration",
			 backoff, "factor", (json_int_t)DEFAULT_RETRY_FACTOR, "maxDuration", DEFAULT_RETRY_MAX_DURATION);
}

/* Unique options, in the order given (SyncOptions.AddOption skips one already there). */
static json_t *sync_options_new(const struct gt_strvec *opts)
{
	json_t *a = json_array(), *v;
	for (size_t i = 0; a && i < opts->n; i++) {
		size_t j;
		bool dup = false;
		json_array_foreach(a, j, v)
			dup = dup || !strcmp(json_string_value(v), opts->v[i]);
		if (!dup)
			json_array_append_new(a, json_string(opts->v[i]));
	}
	return a;
}

static json_t *sync_policy_new(const struct app_opts *o)
{
	json_t *p = json_object();
	if (o->automated)
		json_object_set_new(p, "automated", automated_new(o));
	if (o->sync_options.n)
		json_object_set_new(p, "syncOptions", sync_options_new(&o->sync_options));
	if (o->retry_limit > 0)
		json_object_set_new(p, "retry", retry_new(o));
	if (json_object_size(p) == 0)
		return json_decref(p), NULL;
	return p;
}

/* --label and --annotation: KEY=VALUE (an annotation without '=' is empty), the last one wins. */
static json_t *string_map(const struct gt_strvec *kvs)
{
	json_t *m = json_object();
	for (size_t i = 0; m && i < kvs->n; i++) {
		const char *kv = kvs->v[i], *eq = strchr(kv, '=');
		size_t n = eq ? (size_t)(eq - kv) : strlen(kv);
		char *key = strndup(kv, n);
		if (key)
			json_object_set_new(m, key, json_string(eq ? eq + 1 : ""));
		free(key);
	}
	return m;
}

static json_t *metadata_new(const struct app_opts *o)
{
	json_t *m = json_pack("{s:s, s:s}", "name", o->name, "namespace", o->namespace);
	if (o->labels.n)
		json_object_set_new(m, "labels", string_map(&o->labels));
	if (o->annotations.n)
		json_object_set_new(m, "annotations", string_map(&o->annotations));
	if (o->finalizer)
		json_object_set_new(m, "finalizers", json_pack("[s]", RESOURCES_FINALIZER));
	return m;
}

json_t *app_new(const struct app_opts *o)
{
	json_t *policy = sync_policy_new(o);
	json_t *spec = json_pack("{s:s, s:o, s:o}", "project", o->project, "source", source_new(o), "destination",
				 destination_new(o));
	if (spec && policy)
		json_object_set(spec, "syncPolicy", policy);
	json_decref(policy);
	json_t *app = spec ? json_pack("{s:s, s:s, s:o, s:o}", "apiVersion", "argoproj.io/v1alpha1", "kind",
				       "Application", "metadata", metadata_new(o), "spec", spec)
			   : NULL;
	if (!app)
		gt_error("out of memory");
	return app;
}
