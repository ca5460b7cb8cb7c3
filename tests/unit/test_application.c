/* Unit tests for common/application: the fields Argo CD reads, parsed; what is not supported,
 * refused; jq paths as pointers; repository URLs compared as Argo CD's NormalizeGitURL does. */
#include <jansson.h>
#include <stdlib.h>

#include "application.h"
#include "tap.h"

static struct gt_application *parse(const char *js)
{
	json_error_t e;
	json_t *obj = json_loads(js, 0, &e);
	if (!obj)
		return printf("# bad test JSON: %s\n", e.text), NULL;
	struct gt_application *app = gt_app_parse(obj, "t.json");
	json_decref(obj);
	return app;
}

#define APP(spec) "{\"apiVersion\":\"argoproj.io/v1alpha1\",\"kind\":\"Application\"," \
		  "\"metadata\":{\"name\":\"web\",\"namespace\":\"argocd\"},\"spec\":" spec "}"
#define SRC "\"source\":{\"repoURL\":\"https://git.example.com/m\",\"path\":\"web\"}," \
	    "\"destination\":{\"server\":\"https://kubernetes.default.svc\",\"namespace\":\"web\"}"

/* The rule an ignoreDifferences jq path becomes, or NULL when it is refused. */
static char *jq_rule(const char *jq)
{
	char spec[512];
	snprintf(spec, sizeof(spec), APP("{" SRC ",\"ignoreDifferences\":[{\"group\":\"apps\",\"kind\":\"Deployment\","
					 "\"jqPathExpressions\":[%s]}]}"), jq);
	struct gt_application *app = parse(spec);
	char *r = app && app->ignore_rules.n ? strdup(app->ignore_rules.v[0]) : NULL;
	gt_app_free(app);
	return r;
}

static void check_jq(const char *jq, const char *want)
{
	char *got = jq_rule(jq);
	is_str(got, want, "jq %s", jq);
	free(got);
}

int main(void)
{
	struct gt_application *app = parse(APP("{\"project\":\"default\",\"sources\":["
		"{\"repoURL\":\"https://git.example.com/charts\",\"targetRevision\":\"v1\",\"path\":\"gb\","
		" \"helm\":{\"valueFiles\":[\"a.yaml\",\"$values/env/b.yaml\"],\"parameters\":[{\"name\":\"x\",\"value\":\"1\","
		"  \"forceString\":true}],\"valuesObject\":{\"k\":1},\"releaseName\":\"r\",\"skipCrds\":true}},"
		"{\"repoURL\":\"https://git.example.com/config\",\"ref\":\"values\"}],"
		"\"destination\":{\"name\":\"prod\",\"namespace\":\"gb\"},"
		"\"syncPolicy\":{\"automated\":{\"prune\":true},\"syncOptions\":[\"CreateNamespace=true\",\"PruneLast=true\"],"
		" \"retry\":{\"limit\":2}}}"));
	ok(app != NULL, "a multi-source Helm Application parses");
	if (app) {
		is_int(app->n_sources, 2, "two sources");
		ok(app->multi, "from spec.sources");
		is_str(gt_app_render_source(app)->path, "gb", "the ref source does not render");
		is_str(gt_app_ref_source(app, "values")->repo_url, "https://git.example.com/config", "the ref source by name");
		is_int(app->sources[0].value_files.n, 2, "value files");
		ok(app->sources[0].params[0].force_string, "forceString");
		ok(app->sources[0].values_object != NULL, "valuesObject");
		is_str(app->sources[0].release_name, "r", "releaseName");
		ok(app->sources[0].skip_crds, "skipCrds");
		ok(app->automated && app->prune && !app->self_heal, "automated: prune, no self-heal");
		ok(app->create_namespace && app->prune_last && !app->replace, "sync options");
		is_str(app->dest_name, "prod", "destination name");
		is_str(app->instance, "web", "in argocd: the instance name is the name");
		ok(!gt_app_in_cluster(app), "a named destination is not in-cluster");
	}
	gt_app_free(app);

	app = parse("{\"apiVersion\":\"argoproj.io/v1alpha1\",\"kind\":\"Application\","
		    "\"metadata\":{\"name\":\"web\",\"namespace\":\"team-a\"},\"spec\":{" SRC "}}");
	is_str(app ? app->instance : NULL, "team-a_web", "outside argocd: NS_NAME");
	ok(app && gt_app_in_cluster(app), "https://kubernetes.default.svc is in-cluster");
	gt_app_free(app);

	/* refused, named (the message is checked by tests/cli/render-application.t) */
	ok(!parse(APP("{" SRC ",\"syncPolicy\":{\"automated\":{\"prune\":true,\"pruneHarder\":true}}}")), "an unknown field");
	ok(!parse(APP("{" SRC ",\"syncPolicy\":{\"syncOptions\":[\"CreateNamespace\"]}}")), "a sync option without =");
	ok(!parse(APP("{\"destination\":{\"namespace\":\"x\"}}")), "no source");
	ok(!parse(APP("{\"source\":{\"repoURL\":\"u\",\"helm\":{},\"kustomize\":{}},\"destination\":{}}")),
	   "two settings blocks");
	ok(!parse(APP("{\"source\":{\"repoURL\":\"u\",\"directory\":{\"jsonnet\":{\"libs\":[\"x\"]}}},\"destination\":{}}")),
	   "jsonnet");
	ok(!parse(APP("{\"source\":{\"repoURL\":\"u\",\"helm\":{\"valueFiles\":\"a.yaml\"}},\"destination\":{}}")),
	   "valueFiles not a list");
	ok(!parse("{\"apiVersion\":\"argoproj.io/v1alpha1\",\"kind\":\"Application\",\"metadata\":{\"name\":\"Web_1\"},"
		  "\"spec\":{" SRC "}}"), "a name that is not a Kubernetes name");

	check_jq("\".spec.replicas\"", "apps/Deployment:/spec/replicas");
	check_jq("\".metadata.annotations[\\\"example.com/stamp\\\"]\"", "apps/Deployment:/metadata/annotations/example.com~1stamp");
	check_jq("\".spec.template.spec.containers[].image\"", "apps/Deployment:/spec/template/spec/containers/*/image");
	check_jq("\".spec.template.spec.containers[0].env[]?\"", "apps/Deployment:/spec/template/spec/containers/0/env/*");
	check_jq("\".data.\\\"a~b\\\"\"", "apps/Deployment:/data/a~0b");
	check_jq("\".spec.x[] | select(.name == \\\"y\\\")\"", NULL);
	check_jq("\"del(.spec)\"", NULL);
	check_jq("\".\"", NULL);

	ok(gt_app_same_repo("https://GitHub.com/Org/Repo.git", "https://github.com/org/repo"), "case and .git");
	ok(gt_app_same_repo("git@github.com:org/repo.git", "ssh://git@github.com/org/repo"), "scp-style and ssh://");
	ok(!gt_app_same_repo("https://github.com/org/repo", "https://github.com/org/repo2"), "another repo");

	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
