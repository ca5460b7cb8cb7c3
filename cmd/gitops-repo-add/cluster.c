/* --apply: the checks argocd repo add makes against what is registered, then
 * kubectl apply --server-side. One kubectl get reads the namespace's Secrets:
 * the one with our name (a collision, or an update) and the other
 * registrations of the same repository under another URL. */
#include <stdlib.h>
#include <string.h>

#include "kube.h"
#include "repoadd.h"

static const char *label_of(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(json_object_get(json_object_get(obj, "metadata"), "labels"), key));
}

static const char *name_of(const json_t *obj)
{
	return json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
}

static const char *want_label(const struct repoadd_opts *o)
{
	return o->creds ? "repo-creds" : "repository";
}

/* Why url and other are the same repository, or NULL. */
static const char *same_repository(const char *url, const char *other)
{
	char *a = url_normalize(url), *b = url_normalize(other);
	const char *why = NULL;
	if (a && b && !strcmp(a, b))
		why = "Argo CD takes both URLs for one repository and uses one of the two Secrets";
	free(a);
	free(b);
	if (why)
		return why;
	a = url_azure_identity(url);
	b = url_azure_identity(other);
	if (a && b && !strcmp(a, b))
		why = "two forms of one Azure DevOps repository, which Argo CD treats as two repositories: "
		      "an Application gets these credentials only with the exact URL registered";
	free(a);
	free(b);
	return why;
}

/* Tell the user about other registrations of the same repository (same project). */
static void warn_duplicates(const struct repoadd_opts *o, const json_t *items, const char *name)
{
	size_t i;
	json_t *item;
	json_array_foreach(items, i, item) {
		const char *label = label_of(item, SECRET_TYPE_LABEL), *other = name_of(item);
		if (!label || strcmp(label, want_label(o)) || !other || !strcmp(other, name))
			continue;
		json_t *data = secret_decode_data(item);
		const char *url = json_string_value(json_object_get(data, "url"));
		const char *project = json_string_value(json_object_get(data, "project"));
		bool same_project = !strcmp(project ? project : "", o->project ? o->project : "");
		const char *why = url && strcmp(url, o->url) && same_project ? same_repository(o->url, url) : NULL;
		if (why)
			gt_warn("%s is already registered as %s/%s with URL %s: %s", o->url, o->namespace, other, url, why);
		json_decref(data);
	}
}

static json_t *find_named(const json_t *items, const char *name)
{
	size_t i;
	json_t *item;
	json_array_foreach(items, i, item)
		if (name_of(item) && !strcmp(name_of(item), name))
			return item;
	return NULL;
}

/* Our name is taken: refuse, accept as unchanged, or (--upsert) replace. */
static int check_existing(const struct repoadd_opts *o, json_t *secret, const json_t *live, bool *force,
			  const char **what)
{
	const char *name = name_of(secret), *label = label_of(live, SECRET_TYPE_LABEL);
	if (!label || strcmp(label, want_label(o))) {
		gt_error("secret %s/%s exists without the label %s: %s; it is not Argo CD's, not touching it",
			 o->namespace, name, SECRET_TYPE_LABEL, want_label(o));
		return GT_EXIT_DIFFERS;
	}
	json_t *data = secret_decode_data(live);
	char *diff = data ? secret_differences(data, json_object_get(secret, "stringData")) : NULL;
	int st = GT_EXIT_OK;
	if (!diff)
		st = (gt_error("secret %s/%s: cannot read its data", o->namespace, name), GT_EXIT_REMOTE);
	else if (!*diff)
		*what = "unchanged";
	else if (!o->upsert)
		st = (gt_error("%s is already registered as %s/%s with other settings (%s); use --upsert to replace them",
			       o->url, o->namespace, name, diff),
		      GT_EXIT_DIFFERS);
	else {
		secret_clear_stale(secret, data); /* keys we no longer set read as unset, as Argo CD writes them */
		*force = true;
		*what = "updated";
	}
	free(diff);
	json_decref(data);
	return st;
}

int cluster_apply(const struct repoadd_opts *o, json_t *secret, const char **what)
{
	struct gt_kube_opts ko = o->kube;
	ko.namespace = o->namespace;
	ko.timeout = ko.timeout ? ko.timeout : o->git.timeout;
	ko.secret = o->git.password;
	json_t *list = NULL;
	*what = "created";
	if (gt_kube_get(&ko, "secrets", NULL, &list) < 0)
		return GT_EXIT_REMOTE;
	json_t *items = json_object_get(list, "items");
	json_t *live = find_named(items, name_of(secret));
	warn_duplicates(o, items, name_of(secret));
	int st = live ? check_existing(o, secret, live, &ko.force_conflicts, what) : GT_EXIT_OK;
	json_decref(list);
	if (st == GT_EXIT_OK && gt_kube_apply(&ko, secret) < 0)
		st = GT_EXIT_REMOTE;
	return st;
}
