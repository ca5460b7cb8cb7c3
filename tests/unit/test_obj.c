/* test_obj: identity, scope, Argo CD sync order and tracking id of objects. */
#include "obj.h"
#include "jlit.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A ConfigMap with the given annotations (a JSON map in single quotes); caller decrefs. */
static json_t *annotated(const char *annotations)
{
	json_t *obj = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'x'}}");
	json_object_set_new(json_object_get(obj, "metadata"), "annotations", J(annotations));
	return obj;
}

static void test_ref(void)
{
	struct gt_ref ref;
	const char *why = NULL;

	json_t *dep = J("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'prod'}}");
	is_int(gt_obj_ref(dep, &ref, &why), 0, "ref: apps/v1 Deployment parses");
	is_str(ref.group, "apps", "ref: group is the part before '/'");
	is_str(ref.version, "v1", "ref: version is the part after '/'");
	is_str(ref.kind, "Deployment", "ref: kind");
	is_str(ref.namespace, "prod", "ref: namespace");
	is_str(ref.name, "web", "ref: name");

	/* A copy must stay valid after the original is reused: the group lives in the ref. */
	struct gt_ref copy = ref;
	json_t *svc = J("{'apiVersion':'v1','kind':'Service','metadata':{'name':'guestbook-ui'}}");
	is_int(gt_obj_ref(svc, &ref, &why), 0, "ref: core v1 Service parses");
	is_str(ref.group, "", "ref: v1 is the core group \"\"");
	is_str(ref.version, "v1", "ref: v1 version");
	is_str(ref.namespace, "", "ref: no namespace gives \"\"");
	is_str(copy.group, "apps", "ref: a copied ref keeps its own group");
	json_decref(dep);
	json_decref(svc);

	json_t *gen = J("{'apiVersion':'batch/v1','kind':'Job','metadata':{'generateName':'migrate-'}}");
	is_int(gt_obj_ref(gen, &ref, &why), 0, "ref: generateName-only object parses");
	is_str(ref.name, "", "ref: generateName-only object has name \"\"");
	json_decref(gen);

	json_t *nullmeta = J("{'apiVersion':'v1','kind':'Namespace','metadata':null}");
	is_int(gt_obj_ref(nullmeta, &ref, NULL), 0, "ref: null metadata counts as absent (why may be NULL)");
	is_str(ref.name, "", "ref: null metadata gives name \"\"");
	json_decref(nullmeta);

	json_t *crd = J("{'apiVersion':'apiextensions.k8s.io/v1beta1','kind':'CustomResourceDefinition',"
			"'metadata':{'name':'certificates.cert-manager.io'}}");
	is_int(gt_obj_ref(crd, &ref, &why), 0, "ref: dotted group parses");
	is_str(ref.group, "apiextensions.k8s.io", "ref: dotted group");
	is_str(ref.version, "v1beta1", "ref: beta version");
	json_decref(crd);

	static const struct {
		const char *json, *why;
	} bad[] = {
		{ "[]", "object is not a map" },
		{ "{'kind':'Service','metadata':{'name':'a'}}", "apiVersion is missing" },
		{ "{'apiVersion':null,'kind':'Service'}", "apiVersion is missing" },
		{ "{'apiVersion':'','kind':'Service'}", "apiVersion is missing" },
		{ "{'apiVersion':1,'kind':'Service'}", "apiVersion is not a string" },
		{ "{'apiVersion':'a/b/v1','kind':'Service'}", "apiVersion has more than one '/'" },
		{ "{'apiVersion':'/v1','kind':'Service'}", "apiVersion is not VERSION or GROUP/VERSION" },
		{ "{'apiVersion':'apps/','kind':'Deployment'}", "apiVersion is not VERSION or GROUP/VERSION" },
		{ "{'apiVersion':'v1','metadata':{'name':'a'}}", "kind is missing" },
		{ "{'apiVersion':'v1','kind':''}", "kind is missing" },
		{ "{'apiVersion':'v1','kind':['Service']}", "kind is not a string" },
		{ "{'apiVersion':'v1','kind':'Service','metadata':[]}", "metadata is not a map" },
		{ "{'apiVersion':'v1','kind':'Service','metadata':'x'}", "metadata is not a map" },
		{ "{'apiVersion':'v1','kind':'Service','metadata':{'name':'a','namespace':7}}",
		  "metadata.namespace is not a string" },
		{ "{'apiVersion':'v1','kind':'Service','metadata':{'name':true}}", "metadata.name is not a string" },
	};
	for (size_t i = 0; i < COUNT(bad); i++) {
		json_t *obj = J(bad[i].json);
		why = NULL;
		is_int(gt_obj_ref(obj, &ref, &why), -1, "ref error: %s", bad[i].json);
		is_str(why, bad[i].why, "ref error says: %s", bad[i].why);
		json_decref(obj);
	}

	/* A group one character over the DNS subdomain limit. */
	char api_version[GT_GROUP_MAX + 8];
	memset(api_version, 'g', GT_GROUP_MAX + 1);
	strcpy(api_version + GT_GROUP_MAX + 1, "/v1");
	json_t *long_group = json_pack("{s:s, s:s}", "apiVersion", api_version, "kind", "Widget");
	is_int(gt_obj_ref(long_group, &ref, &why), -1, "ref error: 254-char group");
	is_str(why, "apiVersion group is longer than 253 characters", "ref error says the group is too long");
	is_str(ref.group, "", "ref: after an error the group is \"\"");
	is_str(ref.kind, "", "ref: after an error the strings are \"\", not NULL");
	api_version[GT_GROUP_MAX] = '/';
	strcpy(api_version + GT_GROUP_MAX + 1, "v1");
	json_object_set_new(long_group, "apiVersion", json_string(api_version));
	is_int(gt_obj_ref(long_group, &ref, &why), 0, "ref: a 253-char group is accepted");
	is_int(strlen(ref.group), GT_GROUP_MAX, "ref: the 253-char group is copied whole");
	json_decref(long_group);
}

static void test_validate(void)
{
	const char *why = NULL;
	json_t *named = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'a'}}");
	is_int(gt_obj_validate(named, &why), 0, "validate: named object is valid");
	json_t *gen = J("{'apiVersion':'batch/v1','kind':'Job','metadata':{'generateName':'migrate-'}}");
	is_int(gt_obj_validate(gen, &why), 0, "validate: generateName is enough");
	json_t *anon = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'namespace':'a'}}");
	is_int(gt_obj_validate(anon, &why), -1, "validate: no name and no generateName fails");
	is_str(why, "metadata.name and metadata.generateName are both missing", "validate: says what is missing");
	json_t *nometa = J("{'apiVersion':'v1','kind':'ConfigMap'}");
	is_int(gt_obj_validate(nometa, &why), -1, "validate: no metadata fails");
	json_t *badgen = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'generateName':5}}");
	is_int(gt_obj_validate(badgen, &why), -1, "validate: generateName not a string fails");
	is_str(why, "metadata.generateName is not a string", "validate: says generateName is not a string");
	json_t *nokind = J("{'apiVersion':'v1','metadata':{'name':'a'}}");
	is_int(gt_obj_validate(nokind, &why), -1, "validate: ref errors pass through");
	is_str(why, "kind is missing", "validate: with the ref's reason");
	json_decref(named);
	json_decref(gen);
	json_decref(anon);
	json_decref(nometa);
	json_decref(badgen);
	json_decref(nokind);
}

static void test_ref_key(void)
{
	struct gt_ref ref;
	json_t *dep = J("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'prod'}}");
	gt_obj_ref(dep, &ref, NULL);
	char *key = gt_ref_key_new(&ref);
	is_str(key, "apps/Deployment/prod/web", "key: group/kind/namespace/name");
	free(key);
	json_t *ns = J("{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'prod'}}");
	gt_obj_ref(ns, &ref, NULL);
	key = gt_ref_key_new(&ref);
	is_str(key, "/Namespace//prod", "key: core, cluster-scoped object");
	free(key);
	struct gt_ref by_hand = { .group = "rbac.authorization.k8s.io", .version = "v1", .kind = "ClusterRole",
				  .namespace = "", .name = "admin" };
	key = gt_ref_key_new(&by_hand);
	is_str(key, "rbac.authorization.k8s.io/ClusterRole//admin", "key: a ref built by hand");
	free(key);
	json_decref(dep);
	json_decref(ns);
}

static void test_builtin_scope(void)
{
	static const char *const cluster[][2] = {
		{ "", "Namespace" },
		{ "", "Node" },
		{ "", "PersistentVolume" },
		{ "", "ComponentStatus" },
		{ "storage.k8s.io", "StorageClass" },
		{ "storage.k8s.io", "CSIDriver" },
		{ "storage.k8s.io", "CSINode" },
		{ "storage.k8s.io", "VolumeAttachment" },
		{ "apiextensions.k8s.io", "CustomResourceDefinition" },
		{ "rbac.authorization.k8s.io", "ClusterRole" },
		{ "rbac.authorization.k8s.io", "ClusterRoleBinding" },
		{ "scheduling.k8s.io", "PriorityClass" },
		{ "apiregistration.k8s.io", "APIService" },
		{ "admissionregistration.k8s.io", "MutatingWebhookConfiguration" },
		{ "admissionregistration.k8s.io", "ValidatingWebhookConfiguration" },
		{ "admissionregistration.k8s.io", "ValidatingAdmissionPolicy" },
		{ "admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding" },
		{ "networking.k8s.io", "IngressClass" },
		{ "node.k8s.io", "RuntimeClass" },
		{ "certificates.k8s.io", "CertificateSigningRequest" },
		{ "flowcontrol.apiserver.k8s.io", "FlowSchema" },
		{ "flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration" },
	};
	for (size_t i = 0; i < COUNT(cluster); i++)
		ok(gt_kind_is_cluster_scoped_builtin(cluster[i][0], cluster[i][1]), "builtin cluster-scoped: %s/%s",
		   cluster[i][0], cluster[i][1]);

	static const char *const namespaced[][2] = {
		{ "", "Service" },
		{ "", "Secret" },
		{ "", "PersistentVolumeClaim" },
		{ "apps", "Deployment" },
		{ "rbac.authorization.k8s.io", "Role" },
		{ "", "ClusterRole" },                     /* right kind, wrong group */
		{ "rbac.authorization.k8s.io", "Namespace" }, /* right kind, wrong group */
		{ "cert-manager.io", "ClusterIssuer" },    /* a CRD, not built in */
		{ "storage.k8s.io", "CSIStorageCapacity" },
		{ "", "namespace" },                       /* kinds are case-sensitive */
	};
	for (size_t i = 0; i < COUNT(namespaced); i++)
		ok(!gt_kind_is_cluster_scoped_builtin(namespaced[i][0], namespaced[i][1]), "not builtin cluster-scoped: %s/%s",
		   namespaced[i][0], namespaced[i][1]);
	ok(!gt_kind_is_cluster_scoped_builtin(NULL, "Namespace"), "builtin: NULL group is false");
}

/* A CustomResourceDefinition (apiextensions.k8s.io/v1) for group/kind with scope. */
static json_t *crd_json(const char *group, const char *kind, const char *scope)
{
	return json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:s, s:{s:s}}}", "apiVersion", "apiextensions.k8s.io/v1",
			 "kind", "CustomResourceDefinition", "metadata", "name", kind, "spec", "group", group, "scope",
			 scope, "names", "kind", kind);
}

static void test_learned_scope(void)
{
	struct gt_scopes *s = gt_scopes_new();
	ok(s != NULL, "scopes: new");
	ok(!gt_scopes_is_cluster(s, "cert-manager.io", "ClusterIssuer"), "scopes: unknown kind is namespaced");
	ok(gt_scopes_is_cluster(s, "", "Namespace"), "scopes: built-ins without learning");

	json_t *issuer_crd = J("{'apiVersion':'apiextensions.k8s.io/v1','kind':'CustomResourceDefinition',"
			       "'metadata':{'name':'clusterissuers.cert-manager.io'},"
			       "'spec':{'group':'cert-manager.io','scope':'Cluster',"
			       "'names':{'kind':'ClusterIssuer','plural':'clusterissuers'}}}");
	json_t *cert_crd = J("{'apiVersion':'apiextensions.k8s.io/v1beta1','kind':'CustomResourceDefinition',"
			     "'metadata':{'name':'certificates.cert-manager.io'},"
			     "'spec':{'group':'cert-manager.io','scope':'Namespaced','names':{'kind':'Certificate'}}}");
	gt_scopes_learn(s, issuer_crd);
	gt_scopes_learn(s, cert_crd);
	ok(gt_scopes_is_cluster(s, "cert-manager.io", "ClusterIssuer"), "scopes: learned Cluster CRD");
	ok(!gt_scopes_is_cluster(s, "cert-manager.io", "Certificate"), "scopes: learned Namespaced CRD (v1beta1)");
	ok(!gt_scopes_is_cluster(s, "example.com", "ClusterIssuer"), "scopes: learned by group and kind");

	/* The same CRD changed to Namespaced later in the stream: the last one wins. */
	json_object_set_new(json_object_get(issuer_crd, "spec"), "scope", json_string("Namespaced"));
	gt_scopes_learn(s, issuer_crd);
	ok(!gt_scopes_is_cluster(s, "cert-manager.io", "ClusterIssuer"), "scopes: a later CRD replaces the scope");

	/* What another set learnt, as if its CRDs came later: the later scope wins, new kinds added. */
	struct gt_scopes *later = gt_scopes_new();
	json_object_set_new(json_object_get(issuer_crd, "spec"), "scope", json_string("Cluster"));
	gt_scopes_learn(later, issuer_crd);
	json_t *widget = crd_json("example.com", "Widget", "Cluster");
	gt_scopes_learn(later, widget);
	gt_scopes_learn_from(s, later);
	ok(gt_scopes_is_cluster(s, "cert-manager.io", "ClusterIssuer"), "scopes learnt from another set: its later scope wins");
	ok(gt_scopes_is_cluster(s, "example.com", "Widget"), "scopes learnt from another set: its kinds added");
	ok(!gt_scopes_is_cluster(s, "cert-manager.io", "Certificate"), "scopes learnt from another set: the others kept");
	gt_scopes_learn_from(s, NULL);
	gt_scopes_free(later);
	json_decref(widget);
	json_object_set_new(json_object_get(issuer_crd, "spec"), "scope", json_string("Namespaced"));
	gt_scopes_learn(s, issuer_crd);

	/* Learned entries take precedence over the built-in table. */
	json_t *shadow = crd_json("storage.k8s.io", "StorageClass", "Namespaced");
	gt_scopes_learn(s, shadow);
	ok(!gt_scopes_is_cluster(s, "storage.k8s.io", "StorageClass"), "scopes: learned beats built-in");
	ok(gt_kind_is_cluster_scoped_builtin("storage.k8s.io", "StorageClass"), "scopes: the built-in table is untouched");

	static const char *const ignored[] = {
		/* not a CRD: wrong group */
		"{'apiVersion':'example.com/v1','kind':'CustomResourceDefinition','metadata':{'name':'a'},"
		"'spec':{'group':'a.io','scope':'Cluster','names':{'kind':'A'}}}",
		/* not a CRD: a ConfigMap with a spec */
		"{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'b'},"
		"'spec':{'group':'b.io','scope':'Cluster','names':{'kind':'B'}}}",
		/* unknown scope */
		"{'apiVersion':'apiextensions.k8s.io/v1','kind':'CustomResourceDefinition','metadata':{'name':'c'},"
		"'spec':{'group':'c.io','scope':'cluster','names':{'kind':'C'}}}",
		/* no names.kind */
		"{'apiVersion':'apiextensions.k8s.io/v1','kind':'CustomResourceDefinition','metadata':{'name':'d'},"
		"'spec':{'group':'d.io','scope':'Cluster','names':{}}}",
		/* no spec */
		"{'apiVersion':'apiextensions.k8s.io/v1','kind':'CustomResourceDefinition','metadata':{'name':'e'}}",
	};
	static const char *const ignored_gk[][2] = {
		{ "a.io", "A" }, { "b.io", "B" }, { "c.io", "C" }, { "d.io", "" }, { "e.io", "E" },
	};
	for (size_t i = 0; i < COUNT(ignored); i++) {
		json_t *obj = J(ignored[i]);
		gt_scopes_learn(s, obj);
		ok(!gt_scopes_is_cluster(s, ignored_gk[i][0], ignored_gk[i][1]), "scopes: not learned from %s",
		   ignored[i]);
		json_decref(obj);
	}

	/* Many CRDs: the table grows. */
	char group[32];
	for (int i = 0; i < 100; i++) {
		snprintf(group, sizeof(group), "g%d.example.com", i);
		json_t *crd = json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:s, s:{s:s}}}", "apiVersion", "apiextensions.k8s.io/v1",
					"kind", "CustomResourceDefinition", "metadata", "name", group, "spec", "group", group,
					"scope", i % 2 ? "Cluster" : "Namespaced", "names", "kind", "Thing");
		gt_scopes_learn(s, crd);
		json_decref(crd);
	}
	ok(gt_scopes_is_cluster(s, "g99.example.com", "Thing") && !gt_scopes_is_cluster(s, "g98.example.com", "Thing") &&
	   gt_scopes_is_cluster(s, "g1.example.com", "Thing"), "scopes: 100 learned CRDs are all remembered");

	ok(gt_scopes_is_cluster(NULL, "rbac.authorization.k8s.io", "ClusterRole"), "scopes: NULL scopes uses the built-ins");
	gt_scopes_learn(NULL, cert_crd); /* must not crash */
	gt_scopes_free(s);
	gt_scopes_free(NULL);
	json_decref(issuer_crd);
	json_decref(cert_crd);
	json_decref(shadow);
}

static void test_phase_and_hook(void)
{
	static const struct {
		const char *annotations;
		enum gt_phase phase;
		bool hook;
	} cases[] = {
		{ "{}", GT_PHASE_SYNC, false },
		{ "{'argocd.argoproj.io/hook':'PreSync'}", GT_PHASE_PRESYNC, true },
		{ "{'argocd.argoproj.io/hook':'Sync'}", GT_PHASE_SYNC, true },
		{ "{'argocd.argoproj.io/hook':'PostSync'}", GT_PHASE_POSTSYNC, true },
		{ "{'argocd.argoproj.io/hook':'SyncFail'}", GT_PHASE_SYNCFAIL, true },
		{ "{'argocd.argoproj.io/hook':'Skip'}", GT_PHASE_SKIP, false },
		{ "{'argocd.argoproj.io/hook':'Skip, Skip'}", GT_PHASE_SKIP, false },
		{ "{'argocd.argoproj.io/hook':'Skip,PreSync'}", GT_PHASE_PRESYNC, true },
		{ "{'argocd.argoproj.io/hook':' PostSync , PreSync'}", GT_PHASE_POSTSYNC, true },
		{ "{'argocd.argoproj.io/hook':',,Bogus, SyncFail'}", GT_PHASE_SYNCFAIL, true },
		{ "{'argocd.argoproj.io/hook':'Bogus'}", GT_PHASE_SKIP, true },
		{ "{'argocd.argoproj.io/hook':'presync'}", GT_PHASE_SKIP, true },
		{ "{'argocd.argoproj.io/hook':''}", GT_PHASE_SKIP, true },
		{ "{'argocd.argoproj.io/hook':'PostDelete'}", GT_PHASE_SKIP, true },
		{ "{'argocd.argoproj.io/hook':'PreSync','helm.sh/hook':'post-install'}", GT_PHASE_PRESYNC, true },
		{ "{'argocd.argoproj.io/hook':'Skip','helm.sh/hook':'pre-install'}", GT_PHASE_SKIP, false },
		{ "{'argocd.argoproj.io/hook':'Bogus','helm.sh/hook':'post-upgrade'}", GT_PHASE_POSTSYNC, true },
		{ "{'helm.sh/hook':'pre-install'}", GT_PHASE_PRESYNC, true },
		{ "{'helm.sh/hook':'pre-upgrade'}", GT_PHASE_PRESYNC, true },
		{ "{'helm.sh/hook':'post-install'}", GT_PHASE_POSTSYNC, true },
		{ "{'helm.sh/hook':'post-upgrade'}", GT_PHASE_POSTSYNC, true },
		{ "{'helm.sh/hook':'pre-install,pre-upgrade'}", GT_PHASE_PRESYNC, true },
		{ "{'helm.sh/hook':'test,post-install'}", GT_PHASE_POSTSYNC, true },
		{ "{'helm.sh/hook':'crd-install'}", GT_PHASE_SYNC, false },
		{ "{'helm.sh/hook':'crd-install,pre-install'}", GT_PHASE_PRESYNC, true },
		{ "{'helm.sh/hook':'test'}", GT_PHASE_SKIP, true },
		{ "{'helm.sh/hook':'pre-delete'}", GT_PHASE_SKIP, true },
		{ "{'helm.sh/hook-weight':'5'}", GT_PHASE_SYNC, false },
		{ "{'argocd.argoproj.io/hook':5}", GT_PHASE_SYNC, false }, /* not a string: not an annotation */
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		json_t *obj = annotated(cases[i].annotations);
		is_int(gt_obj_phase(obj), cases[i].phase, "phase of %s", cases[i].annotations);
		is_int(gt_obj_is_hook(obj), cases[i].hook, "is_hook of %s", cases[i].annotations);
		json_decref(obj);
	}
	json_t *bare = J("{'apiVersion':'v1','kind':'ConfigMap'}");
	is_int(gt_obj_phase(bare), GT_PHASE_SYNC, "phase: no metadata is Sync");
	ok(!gt_obj_is_hook(bare), "is_hook: no metadata is not a hook");
	json_decref(bare);
}

static void test_wave(void)
{
	static const struct {
		const char *annotations;
		long wave;
	} cases[] = {
		{ "{}", 0 },
		{ "{'argocd.argoproj.io/sync-wave':'5'}", 5 },
		{ "{'argocd.argoproj.io/sync-wave':'-3'}", -3 },
		{ "{'argocd.argoproj.io/sync-wave':'+2'}", 2 },
		{ "{'argocd.argoproj.io/sync-wave':'007'}", 7 },
		{ "{'argocd.argoproj.io/sync-wave':'-9223372036854775808'}", -9223372036854775807L - 1 },
		{ "{'argocd.argoproj.io/sync-wave':'9223372036854775808'}", 0 }, /* out of range */
		{ "{'argocd.argoproj.io/sync-wave':'1.5'}", 0 },
		{ "{'argocd.argoproj.io/sync-wave':' 1'}", 0 },
		{ "{'argocd.argoproj.io/sync-wave':'1 '}", 0 },
		{ "{'argocd.argoproj.io/sync-wave':''}", 0 },
		{ "{'argocd.argoproj.io/sync-wave':'-'}", 0 },
		{ "{'argocd.argoproj.io/sync-wave':'0x10'}", 0 },
		{ "{'argocd.argoproj.io/sync-wave':3}", 0 }, /* a number, not a string annotation */
		{ "{'helm.sh/hook-weight':'-5'}", -5 },
		{ "{'argocd.argoproj.io/sync-wave':'2','helm.sh/hook-weight':'-5'}", 2 },
		{ "{'argocd.argoproj.io/sync-wave':'two','helm.sh/hook-weight':'-5'}", -5 },
		{ "{'argocd.argoproj.io/sync-wave':'two','helm.sh/hook-weight':'five'}", 0 },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		json_t *obj = annotated(cases[i].annotations);
		is_int(gt_obj_wave(obj), cases[i].wave, "wave of %s", cases[i].annotations);
		json_decref(obj);
	}
}

static void test_kind_order(void)
{
	is_int(gt_kind_order("Namespace"), -35, "kind order: Namespace first");
	is_int(gt_kind_order("NetworkPolicy"), -34, "kind order: NetworkPolicy second");
	is_int(gt_kind_order("ConfigMap"), -26, "kind order: ConfigMap");
	is_int(gt_kind_order("CustomResourceDefinition"), -22, "kind order: CustomResourceDefinition");
	is_int(gt_kind_order("Service"), -13, "kind order: Service");
	is_int(gt_kind_order("Deployment"), -8, "kind order: Deployment");
	is_int(gt_kind_order("CronJob"), -4, "kind order: CronJob");
	is_int(gt_kind_order("IngressClass"), -3, "kind order: IngressClass");
	is_int(gt_kind_order("Ingress"), -2, "kind order: Ingress");
	is_int(gt_kind_order("APIService"), -1, "kind order: APIService last listed");
	is_int(gt_kind_order("PriorityClass"), 0, "kind order: PriorityClass is not listed");
	is_int(gt_kind_order("MutatingWebhookConfiguration"), 0, "kind order: webhooks are not listed");
	is_int(gt_kind_order("Certificate"), 0, "kind order: custom resources are 0");
	is_int(gt_kind_order("deployment"), 0, "kind order: case-sensitive");
	is_int(gt_kind_order(NULL), 0, "kind order: NULL is 0");
}

/* "Kind/name" of each object, in order, joined by spaces. */
static void describe_order(json_t **objs, size_t n, char *out, size_t size)
{
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		struct gt_ref ref;
		gt_obj_ref(objs[i], &ref, NULL);
		size_t used = strlen(out);
		snprintf(out + used, size - used, "%s%s/%s", i ? " " : "", ref.kind, ref.name);
	}
}

static int sync_compare_qsort(const void *a, const void *b)
{
	struct gt_sync_key ka = gt_sync_key_of(*(json_t *const *)a), kb = gt_sync_key_of(*(json_t *const *)b);
	return gt_sync_key_compare(&ka, &kb);
}

/* The one sync-order key, as apply's plan and these tests use it. */
static int sync_compare(const json_t *a, const json_t *b)
{
	return sync_compare_qsort(&a, &b);
}

static void test_sync_sort(void)
{
	/* Deliberately not in order. */
	static const char *const manifests[] = {
		"{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'skipped',"
		"'annotations':{'argocd.argoproj.io/hook':'Skip'}}}",
		"{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'prod'}}",
		"{'apiVersion':'batch/v1','kind':'Job','metadata':{'name':'notify',"
		"'annotations':{'argocd.argoproj.io/hook':'SyncFail'}}}",
		"{'apiVersion':'cert-manager.io/v1','kind':'Certificate','metadata':{'name':'web-tls'}}",
		"{'apiVersion':'v1','kind':'Pod','metadata':{'name':'smoke',"
		"'annotations':{'argocd.argoproj.io/hook':'PostSync'}}}",
		"{'apiVersion':'v1','kind':'Service','metadata':{'name':'web'}}",
		"{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'canary',"
		"'annotations':{'argocd.argoproj.io/sync-wave':'2'}}}",
		"{'apiVersion':'batch/v1','kind':'Job','metadata':{'name':'migrate',"
		"'annotations':{'argocd.argoproj.io/hook':'PreSync'}}}",
		"{'apiVersion':'v1','kind':'Secret','metadata':{'name':'creds',"
		"'annotations':{'argocd.argoproj.io/sync-wave':'soon','helm.sh/hook-weight':'3'}}}",
		"{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'a-config'}}",
		"{'apiVersion':'scheduling.k8s.io/v1','kind':'PriorityClass','metadata':{'name':'high'}}",
		"{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'Zeta'}}",
		"{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'b-config',"
		"'annotations':{'argocd.argoproj.io/sync-wave':'-1'}}}",
		"{'apiVersion':'batch/v1','kind':'Job','metadata':{'name':'db-init',"
		"'annotations':{'helm.sh/hook':'pre-install','helm.sh/hook-weight':'-5'}}}",
		"{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'prod'}}",
	};
	const char *want = "Job/db-init Job/migrate "                    /* PreSync: wave -5, then 0 */
			   "ConfigMap/b-config "                         /* Sync, wave -1 */
			   "Namespace/prod ConfigMap/a-config Service/web " /* Sync, wave 0, by kind */
			   "Deployment/Zeta Deployment/web "             /* same kind: byte order, 'Z' < 'w' */
			   "PriorityClass/high Certificate/web-tls "     /* unlisted kinds last, by name */
			   "Deployment/canary Secret/creds "             /* waves 2 and 3 (hook-weight) */
			   "Pod/smoke Job/notify ConfigMap/skipped";     /* PostSync, SyncFail, Skip */
	enum { N = COUNT(manifests) };
	json_t *objs[N], *reversed[N];
	for (size_t i = 0; i < N; i++) {
		objs[i] = J(manifests[i]);
		reversed[N - 1 - i] = objs[i];
	}
	char got[1024];

	qsort(objs, N, sizeof(objs[0]), sync_compare_qsort);
	describe_order(objs, N, got, sizeof(got));
	is_str(got, want, "sort: %d objects in Argo CD's sync order", N);

	qsort(reversed, N, sizeof(reversed[0]), sync_compare_qsort);
	describe_order(reversed, N, got, sizeof(got));
	is_str(got, want, "sort: the same order from the reversed input");

	int antisymmetric = 1;
	for (size_t i = 0; i < N; i++)
		for (size_t j = 0; j < N; j++) {
			int ij = sync_compare(objs[i], objs[j]), ji = sync_compare(objs[j], objs[i]);
			if ((i == j && ij != 0) || (i < j && !(ij < 0 && ji > 0)))
				antisymmetric = 0;
		}
	ok(antisymmetric, "sort: compare is consistent over every pair");
	for (size_t i = 0; i < N; i++)
		json_decref(objs[i]);

	/* Name comparison is by bytes, as Go compares strings: UTF-8 'é' (0xC3) sorts after 'z'. */
	json_t *accent = J("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'\xc3\xa9t\xc3\xa9'}}");
	json_t *zed = J("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'zed'}}");
	ok(sync_compare(zed, accent) < 0, "compare: names are compared as unsigned bytes");
	json_t *big_wave = J("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'a',"
			     "'annotations':{'argocd.argoproj.io/sync-wave':'9223372036854775807'}}}");
	json_t *small_wave = J("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'b',"
			       "'annotations':{'argocd.argoproj.io/sync-wave':'-9223372036854775808'}}}");
	ok(sync_compare(small_wave, big_wave) < 0 && sync_compare(big_wave, small_wave) > 0,
	   "compare: extreme waves do not overflow");
	/* Argo CD's sort is not stable, so it leaves two objects of one kind and name open; the
	 * namespace decides, and the order never depends on the input's. */
	json_t *in_b = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'app','namespace':'b'}}");
	json_t *in_a = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'app','namespace':'a'}}");
	ok(sync_compare(in_a, in_b) < 0 && sync_compare(in_b, in_a) > 0 && sync_compare(in_a, in_a) == 0,
	   "compare: same kind and name: by namespace");
	struct gt_sync_key k = gt_sync_key_of(in_b);
	k.phase = GT_PHASE_PRESYNC; /* a Namespace or CRD moved before its first dependent */
	struct gt_sync_key hook = gt_sync_key_of(zed);
	ok(gt_sync_key_compare(&k, &hook) < 0, "compare: a key's phase set after gt_sync_key_of decides");
	json_decref(in_a);
	json_decref(in_b);
	json_decref(accent);
	json_decref(zed);
	json_decref(big_wave);
	json_decref(small_wave);
}

static void test_tracking_id(void)
{
	static const struct {
		const char *json, *default_ns, *want;
	} cases[] = {
		{ "{'apiVersion':'v1','kind':'Service','metadata':{'name':'guestbook-ui'}}", "default",
		  "guestbook:/Service:default/guestbook-ui" },
		{ "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'guestbook-ui','namespace':'default'}}",
		  "other", "guestbook:apps/Deployment:default/guestbook-ui" },
		{ "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'guestbook-ui'}}", "default",
		  "guestbook:apps/Deployment:default/guestbook-ui" },
		{ "{'apiVersion':'rbac.authorization.k8s.io/v1','kind':'ClusterRole','metadata':{'name':'reader'}}",
		  "prod", "guestbook:rbac.authorization.k8s.io/ClusterRole:prod/reader" },
		{ "{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'prod'}}", "prod",
		  "guestbook:/Namespace:prod/prod" },
		{ "{'apiVersion':'v1','kind':'Service','metadata':{'name':'web'}}", NULL, "guestbook:/Service:/web" },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		json_t *obj = J(cases[i].json);
		struct gt_ref ref;
		gt_obj_ref(obj, &ref, NULL);
		char *id = gt_tracking_id_new("guestbook", &ref, cases[i].default_ns);
		is_str(id, cases[i].want, "tracking id: %s", cases[i].want);
		free(id);
		json_decref(obj);
	}
	json_t *svc = J("{'apiVersion':'v1','kind':'Service','metadata':{'name':'web','namespace':'apps'}}");
	struct gt_ref ref;
	gt_obj_ref(svc, &ref, NULL);
	char *id = gt_tracking_id_new("argocd_guestbook", &ref, "default");
	is_str(id, "argocd_guestbook:/Service:apps/web", "tracking id: namespaced app instance name kept as given");
	free(id);
	json_decref(svc);
}

static void test_instance_label(void)
{
	char app[71];
	memset(app, 'a', 60);
	memset(app + 60, '-', 10);
	app[70] = '\0';
	char *label = gt_instance_label_new(app);
	is_int(strlen(label), 60, "label: 70 chars cut to 63, then the trailing '-' dropped");
	ok(strspn(label, "a") == 60, "label: only the 60 'a's remain");
	free(label);

	/* 62 alphanumerics, then a '.' at the cut (index 62): the label keeps the 62. */
	memset(app, 'b', 62);
	app[62] = '.';
	app[63] = '_';
	memset(app + 64, 'c', 6);
	app[70] = '\0';
	label = gt_instance_label_new(app);
	is_int(strlen(label), 62, "label: a trailing '.' at the cut is dropped");
	free(label);

	memset(app, 'd', 70);
	app[70] = '\0';
	label = gt_instance_label_new(app);
	is_int(strlen(label), 63, "label: 70 alphanumerics cut to exactly 63");
	free(label);

	memset(app, 'e', 63);
	app[63] = '\0';
	label = gt_instance_label_new(app);
	is_str(label, app, "label: 63 chars unchanged");
	free(label);

	label = gt_instance_label_new("guestbook");
	is_str(label, "guestbook", "label: short name unchanged");
	free(label);

	label = gt_instance_label_new("argocd_my-app");
	is_str(label, "argocd_my-app", "label: namespaced instance name unchanged");
	free(label);
}

static void test_set_and_get(void)
{
	json_t *obj = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'a'}}");
	is_int(gt_obj_set_annotation(obj, "argocd.argoproj.io/tracking-id", "app:/ConfigMap:default/a"), 0,
	       "set annotation: creates metadata.annotations");
	is_str(gt_obj_annotation(obj, "argocd.argoproj.io/tracking-id"), "app:/ConfigMap:default/a",
	       "annotation: reads it back");
	is_int(gt_obj_set_annotation(obj, "other", "x"), 0, "set annotation: adds to the existing map");
	is_int(gt_obj_set_annotation(obj, "other", "y"), 0, "set annotation: replaces a value");
	is_str(gt_obj_annotation(obj, "other"), "y", "annotation: replaced value");
	is_int(json_object_size(json_object_get(json_object_get(obj, "metadata"), "annotations")), 2,
	       "set annotation: two keys");
	is_int(gt_obj_set_label(obj, "app.kubernetes.io/instance", "app"), 0, "set label: creates metadata.labels");
	is_str(json_string_value(json_object_get(json_object_get(json_object_get(obj, "metadata"), "labels"),
						 "app.kubernetes.io/instance")),
	       "app", "set label: the label is there");
	ok(gt_obj_annotation(obj, "app.kubernetes.io/instance") == NULL, "annotation: a label is not an annotation");
	ok(gt_obj_annotation(obj, "missing") == NULL, "annotation: missing key is NULL");
	json_decref(obj);

	json_t *nometa = J("{'apiVersion':'v1','kind':'ConfigMap'}");
	is_int(gt_obj_set_label(nometa, "k", "v"), 0, "set label: creates metadata too");
	is_str(json_string_value(json_object_get(json_object_get(json_object_get(nometa, "metadata"), "labels"), "k")),
	       "v", "set label: metadata.labels.k");
	json_decref(nometa);

	json_t *nulls = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'a','annotations':null}}");
	is_int(gt_obj_set_annotation(nulls, "k", "v"), 0, "set annotation: a null annotations is replaced");
	is_str(gt_obj_annotation(nulls, "k"), "v", "annotation: set on the replaced map");
	json_decref(nulls);

	json_t *badann = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'annotations':['x']}}");
	is_int(gt_obj_set_annotation(badann, "k", "v"), -1, "set annotation: annotations not a map is -1");
	ok(json_is_array(json_object_get(json_object_get(badann, "metadata"), "annotations")),
	   "set annotation: the bad value is left alone");
	ok(gt_obj_annotation(badann, "k") == NULL, "annotation: annotations not a map reads NULL");
	json_decref(badann);

	json_t *badlabels = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'labels':'x'}}");
	is_int(gt_obj_set_label(badlabels, "k", "v"), -1, "set label: labels not a map is -1");
	json_decref(badlabels);

	json_t *badmeta = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':'x'}");
	is_int(gt_obj_set_annotation(badmeta, "k", "v"), -1, "set annotation: metadata not a map is -1");
	is_int(gt_obj_set_label(badmeta, "k", "v"), -1, "set label: metadata not a map is -1");
	json_decref(badmeta);

	json_t *array = J("[]");
	is_int(gt_obj_set_annotation(array, "k", "v"), -1, "set annotation: object not a map is -1");
	json_decref(array);

	json_t *nonstring = J("{'metadata':{'annotations':{'n':5}}}");
	ok(gt_obj_annotation(nonstring, "n") == NULL, "annotation: a non-string value reads NULL");
	is_int(gt_obj_set_annotation(nonstring, "bad", "\xff"), -1, "set annotation: invalid UTF-8 is -1");
	json_decref(nonstring);
	ok(gt_obj_annotation(NULL, "k") == NULL, "annotation: NULL object reads NULL");
}

/* kubectl api-resources output (the default table and -o wide, old APIGROUP columns), the
 * well-known table of cluster-scoped custom kinds. */
static void test_api_resources_scope(void)
{
	struct gt_scopes *s = gt_scopes_new();
	const char *why = NULL;
	const char *table =
		"NAME                SHORTNAMES   APIVERSION                 NAMESPACED   KIND               VERBS\n"
		"configmaps          cm           v1                         true         ConfigMap          [get list]\n"
		"nodes               no           v1                         false        Node               [get list]\n"
		"clusterissuers                   cert-manager.io/v1         false        ClusterIssuer      [get list]\n"
		"certificates        cert,certs   cert-manager.io/v1         true         Certificate        [get list]\n";
	is_int(gt_scopes_parse_api_resources(s, table, &why), 0, "api-resources: parsed");
	is_int(gt_scopes_lookup(s, "cert-manager.io", "ClusterIssuer"), 1, "api-resources: no SHORTNAMES, cluster-scoped");
	is_int(gt_scopes_lookup(s, "cert-manager.io", "Certificate"), 0, "api-resources: two short names, namespaced");
	is_int(gt_scopes_lookup(s, "", "Node"), 1, "api-resources: v1 is the core group");
	is_int(gt_scopes_lookup(s, "", "Pod"), -1, "api-resources: a kind it does not list is not learned");
	const char *old = "NAME        SHORTNAMES   APIGROUP          NAMESPACED   KIND\n"
			  "gateways                 networking.x.io   true         Gateway\n"
			  "classes                  networking.x.io   false        GatewayClassX\r\n";
	is_int(gt_scopes_parse_api_resources(s, old, &why), 0, "api-resources: kubectl before 1.20 (APIGROUP)");
	is_int(gt_scopes_lookup(s, "networking.x.io", "GatewayClassX"), 1, "api-resources: APIGROUP, CRLF line");
	ok(gt_scopes_parse_api_resources(s, "NAME KIND\nfoo Foo\n", &why) < 0 && strstr(why, "NAMESPACED"),
	   "api-resources: no NAMESPACED column is refused");
	gt_scopes_set(s, "x.io", "Y", true);
	is_int(gt_scopes_lookup(s, "x.io", "Y"), 1, "scopes: set");
	is_int(gt_scopes_lookup(NULL, "x.io", "Y"), -1, "scopes: NULL looks nothing up");
	gt_scopes_free(s);
	ok(gt_kind_is_cluster_scoped_well_known("cert-manager.io", "ClusterIssuer") &&
		   gt_kind_is_cluster_scoped_well_known("gateway.networking.k8s.io", "GatewayClass") &&
		   !gt_kind_is_cluster_scoped_well_known("cert-manager.io", "Issuer") &&
		   !gt_kind_is_cluster_scoped_well_known("gateway.networking.k8s.io", "Gateway"),
	   "well-known: ClusterIssuer and GatewayClass are cluster-scoped, Issuer and Gateway not");
}

int main(void)
{
	test_ref();
	test_validate();
	test_ref_key();
	test_builtin_scope();
	test_learned_scope();
	test_api_resources_scope();
	test_phase_and_hook();
	test_wave();
	test_kind_order();
	test_sync_sort();
	test_tracking_id();
	test_instance_label();
	test_set_and_get();
	return tap_done();
}
