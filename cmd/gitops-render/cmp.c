/* cmp: gitops-render as an Argo CD Config Management Plugin. The repo-server's
 * sidecar runs `generate` in the application's path with the build environment
 * (ARGOCD_APP_*, KUBE_VERSION, KUBE_API_VERSIONS) and the application's plugin
 * settings: spec.source.plugin.env as ARGOCD_ENV_<NAME>, announced parameters
 * as PARAM_<NAME> (arrays as PARAM_<NAME>_<i>). The command line wins over both,
 * parameters win over env entries. */
#define _GNU_SOURCE /* asprintf */
#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* A setting given as a single value: PARAM_<NAME>, else ARGOCD_ENV_<NAME>. */
static const char *setting(const char *name)
{
	char var[128];
	snprintf(var, sizeof(var), "PARAM_%s", name);
	const char *v = env(var);
	if (v)
		return v;
	snprintf(var, sizeof(var), "ARGOCD_ENV_%s", name);
	return env(var);
}

static int push_owned(struct render_opts *o, struct gt_strvec *l, char *s)
{
	const char *kept = opts_own(o, s);
	if (!kept)
		return -1;
	return gt_strvec_push(l, kept) < 0 ? (gt_error("out of memory"), -1) : 0;
}

/* "a.yaml, b.yaml" or one per line: the items of a list given as one string. */
static int push_split(struct render_opts *o, struct gt_strvec *l, const char *value, const char *seps)
{
	for (const char *p = value; *p;) {
		size_t n = strcspn(p, seps);
		const char *s = p, *e = p + n;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (e > s && push_owned(o, l, strndup(s, (size_t)(e - s))) < 0)
			return -1;
		p += n + (p[n] != '\0');
	}
	return 0;
}

/*
 * A list setting: PARAM_<NAME>_0, _1, ... (an array parameter), else
 * PARAM_<NAME> or ARGOCD_ENV_<NAME> split at seps. Nothing when the command line set it.
 */
static int list_setting(struct render_opts *o, struct gt_strvec *l, const char *name, const char *seps)
{
	char var[128];
	if (l->n)
		return 0;
	for (int i = 0;; i++) {
		snprintf(var, sizeof(var), "PARAM_%s_%d", name, i);
		const char *v = getenv(var);
		if (!v)
			break;
		if (*v && push_owned(o, l, strdup(v)) < 0)
			return -1;
	}
	if (l->n)
		return 0;
	const char *v = setting(name);
	return v ? push_split(o, l, v, seps) : 0;
}

static bool truthy(const char *v)
{
	return v && (!strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes"));
}

static int type_setting(struct render_opts *o)
{
	const char *v = setting("TYPE");
	if (!v || o->type != TYPE_AUTO)
		return 0;
	if (!strcmp(v, "directory"))
		o->type = TYPE_DIRECTORY;
	else if (!strcmp(v, "helm"))
		o->type = TYPE_HELM;
	else if (!strcmp(v, "kustomize"))
		o->type = TYPE_KUSTOMIZE;
	else
		return gt_error("TYPE=%s (plugin setting): use directory, helm or kustomize", v), -1;
	return 0;
}

/* The application's name: ARGOCD_APP_NAME is "<namespace>_<name>" for apps outside Argo CD's namespace. */
static const char *app_name(void)
{
	const char *v = env("ARGOCD_APP_NAME");
	const char *u = v ? strrchr(v, '_') : NULL;
	return u ? u + 1 : v;
}

/* The application's plugin settings (PARAM_<NAME>, ARGOCD_ENV_<NAME>), as the plugin's parameters
 * announce them: shared by --cmp and an --application whose source names this plugin. */
int cmp_apply_settings(struct render_opts *o)
{
	const char *v;
	if (!o->release_name && (v = setting("RELEASE_NAME")))
		o->release_name = v;
	if (list_setting(o, &o->values, "VALUES_FILES", ",\n") < 0 ||
	    list_setting(o, &o->set, "HELM_SET", "\n") < 0 ||
	    list_setting(o, &o->set_string, "HELM_SET_STRING", "\n") < 0)
		return -1;
	if (type_setting(o) < 0)
		return -1;
	if (truthy(setting("SKIP_CRDS")))
		o->skip_crds = true;
	if (truthy(setting("ENABLE_HELM")))
		o->enable_helm = true;
	if (truthy(setting("RECURSE")))
		o->recurse = true;
	if ((!o->include.n && (v = setting("INCLUDE")) && gt_strvec_push(&o->include, v) < 0) ||
	    (!o->exclude.n && (v = setting("EXCLUDE")) && gt_strvec_push(&o->exclude, v) < 0))
		return gt_error("out of memory"), -1;
	return 0;
}

int cmp_apply_env(struct render_opts *o)
{
	const char *v;
	if (o->format == GT_FORMAT_UNSET)
		o->format = GT_FORMAT_YAML; /* what the repo-server reads best; -o still wins */
	/* Argo CD sets namespaces and tracking itself, from its knowledge of the cluster. */
	o->namespace_objects = false;
	if (!o->namespace)
		o->namespace = env("ARGOCD_APP_NAMESPACE");
	if (cmp_apply_settings(o) < 0)
		return -1;
	if (!o->release_name)
		o->release_name = app_name();
	if (!o->kube_version)
		o->kube_version = env("KUBE_VERSION");
	if (!o->api_versions.n && (v = env("KUBE_API_VERSIONS")) && push_split(o, &o->api_versions, v, ",") < 0)
		return -1;
	gt_debug("CMP: app %s, namespace %s, revision %s, path %s", env("ARGOCD_APP_NAME") ? env("ARGOCD_APP_NAME") : "-",
		 o->namespace ? o->namespace : "-", env("ARGOCD_APP_REVISION") ? env("ARGOCD_APP_REVISION") : "-",
		 env("ARGOCD_APP_SOURCE_PATH") ? env("ARGOCD_APP_SOURCE_PATH") : "-");
	return 0;
}
