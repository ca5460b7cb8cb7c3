/* helm_native: gitops-render's options into the native Helm engine (helm/), and its verdict out:
 * the text `helm template` prints, a render error as helm words it, or "not supported here",
 * which sends the chart to the real helm (--engine auto) or stops the run (--engine native). */
#define _GNU_SOURCE /* asprintf */
#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helm/helm.h"
#include "proc.h"
#include "yaml.h"

/* helm's namespace without --namespace: $HELM_NAMESPACE, else the kubeconfig context's, else
 * "default". NULL when the kubeconfig is one this reader cannot judge (then helm decides). */
static char *default_namespace_dup(void)
{
	const char *env = getenv("HELM_NAMESPACE");
	if (env && *env)
		return strdup(env);
	const char *kc = getenv("KUBECONFIG");
	char *path = NULL;
	if (kc && *kc) {
		if (strchr(kc, ':'))
			return NULL; /* several files are merged: helm knows how */
		path = strdup(kc);
	} else if (getenv("HOME") && asprintf(&path, "%s/.kube/config", getenv("HOME")) < 0) {
		path = NULL;
	}
	struct stat st;
	if (!path || stat(path, &st) < 0) {
		free(path);
		return strdup("default");
	}
	static const struct gt_limits lim = GT_LIMITS_DEFAULT;
	FILE *f = fopen(path, "r");
	free(path);
	if (!f)
		return NULL;
	struct gt_yaml_reader *r = gt_yaml_reader_new_file(f, "kubeconfig", &lim);
	json_t *doc = NULL, *ctx;
	unsigned long line;
	char *ns = NULL;
	if (r) {
		gt_yaml_reader_set_quiet(r, true);
		if (gt_yaml_next(r, &doc, &line) >= 0) {
			const char *cur = json_string_value(json_object_get(doc, "current-context"));
			size_t i;
			const char *found = NULL;
			json_array_foreach(json_object_get(doc, "contexts"), i, ctx)
				if (cur && !strcmp(json_string_value(json_object_get(ctx, "name")) ?: "", cur))
					found = json_string_value(json_object_get(json_object_get(ctx, "context"), "namespace"));
			ns = strdup(found && *found ? found : "default");
		}
		gt_yaml_reader_free(r);
	}
	json_decref(doc);
	fclose(f);
	return ns;
}

/* The error lines as the exec engine shows helm's: one message per line. */
static void print_error(const char *msg)
{
	gt_error("helm template failed (native engine):");
	const char *p = msg;
	bool first = true;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n)
			gt_error("helm: %s%.*s", first ? "Error: " : "", (int)n, p);
		first = false;
		p += n + (nl ? 1 : 0);
	}
}

int helm_native(const struct render_opts *o, const char *dir, char **out, size_t *len, struct helm_docs *docs,
		char **why)
{
	struct herr e = { 0 };
	*why = NULL;
	const char *want = o->helm_namespace ? o->helm_namespace : o->namespace;
	char *ns = want ? strdup(want) : default_namespace_dup();
	if (!ns) {
		*why = strdup("the namespace comes from a kubeconfig helm reads itself");
		return *why ? 1 : (gt_error("out of memory"), -1);
	}
	struct helm_opts ho = {
		.release = o->release_name,
		.namespace = ns,
		.values = o->values.v,
		.n_values = o->values.n,
		.set = o->set.v,
		.n_set = o->set.n,
		.set_string = o->set_string.v,
		.n_set_string = o->set_string.n,
		.set_file = o->set_file.v,
		.n_set_file = o->set_file.n,
		.kube_version = o->kube_version,
		.api_versions = o->api_versions.v,
		.n_api_versions = o->api_versions.n,
		.include_crds = !o->skip_crds,
		.values_literal = o->values_literal.v,
		.n_values_literal = o->values_literal.n,
		.skip_tests = o->skip_tests,
		.skip_schema_validation = o->skip_schema_validation,
		.deterministic = o->deterministic,
	};
	int r = helm_render(dir, &ho, out, len, docs, &e);
	free(ns);
	if (r == 0)
		return 0;
	gt_redact_tokens(e.msg, o->git.password); /* a chart's error may quote a value that holds the token, as helm's would */
	switch (e.kind) {
	case HERR_TEMPLATE:
		if (e.confident || o->engine == ENGINE_NATIVE) {
			print_error(e.msg);
			return -1;
		}
		/* helm words this error its own way: let it */
		*why = strdup(e.msg);
		return *why ? 1 : (gt_error("out of memory"), -1);
	case HERR_UNSUPPORTED:
		*why = strdup(e.msg);
		return *why ? 1 : (gt_error("out of memory"), -1);
	default:
		gt_error("%s", e.kind == HERR_NOMEM ? "out of memory" : e.msg);
		return -1;
	}
}
