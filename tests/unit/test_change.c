/* test_change: the Change of one object: actions, patches, masking, and Argo CD's comparison (merge keys, last-applied, scope). */
#include "diff.h"
#include "jlit.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static void test_change(void)
{
	struct gt_diff_opts o = { .mode = GT_DIFF_LIVE };
	json_t *desired = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c'},'data':{'a':'1'}}");
	json_t *live = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','namespace':'default','uid':'u',"
			 "'resourceVersion':'9','managedFields':[{'manager':'m'}]},'data':{'a':'1','b':'2'}}");
	json_t *c = gt_change_new(&o, desired, live, NULL);
	is_str(json_string_value(json_object_get(c, "action")), "unchanged", "change: a field only live has is ignored");
	is_str(S(json_object_get(c, "ref")), "{'group':'','version':'v1','kind':'ConfigMap','namespace':'default','name':'c'}",
	       "change: ref takes the live namespace");
	ok(!json_object_get(json_object_get(gt_change_live(c), "metadata"), "managedFields"), "change: live without managedFields");
	const char *why = NULL;
	is_int(gt_change_check(c, &why), 0, "change: the record checks");
	ok(gt_is_change(c) && gt_change_action(c) == GT_ACTION_UNCHANGED, "change: read back");
	json_decref(c);

	json_t *empty = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','annotations':{},'labels':{'a':'b'}},"
			  "'data':{'a':'1'},'binaryData':{},'immutable':null}");
	json_t *lab = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','namespace':'default','labels':{}},'data':{'a':'1'}}");
	c = gt_change_new(&o, empty, lab, NULL);
	is_str(S(json_object_get(c, "patch")), "[{'op':'add','path':'/metadata/labels/a','value':'b'}]",
	       "change: empty maps and nulls live lacks are no difference; a label is");
	json_decref(c);
	json_decref(empty);
	json_decref(lab);

	/* a custom resource: its lists go by position (Argo CD's JSON merge patch), yet the patch must apply */
	json_t *dep = J("{'apiVersion':'example.com/v1','kind':'Workload','metadata':{'name':'w'},'spec':{'template':{'spec':{'containers':["
			"{'name':'proxy','image':'p:1'},{'name':'app','image':'a:1','ports':[{'containerPort':80}]}]}}}}");
	json_t *dlive = J("{'apiVersion':'example.com/v1','kind':'Workload','metadata':{'name':'w','namespace':'default'},'spec':{'template':{'spec':{'containers':["
			  "{'name':'app','image':'a:1','ports':[{'containerPort':80,'protocol':'TCP'}],'imagePullPolicy':'IfNotPresent'}]}}}}");
	c = gt_change_new(&o, dep, dlive, NULL);
	json_t *after = gt_diff_normalize_new(gt_change_live(c));
	ok(gt_patch_apply(&after, json_object_get(c, "patch"), &why) == 0, "change: a sidecar inserted first: the patch applies");
	is_str(S(json_object_get(json_object_get(json_object_get(json_object_get(after, "spec"), "template"), "spec"), "containers")),
	       "[{'name':'proxy','image':'p:1'},{'name':'app','image':'a:1','ports':[{'containerPort':80}]}]",
	       "change: ... and gives the new list, not the old container's fields under the new name");
	json_decref(after);
	json_decref(c);
	json_decref(dep);
	json_decref(dlive);

	o.mode = GT_DIFF_REVISIONS;
	c = gt_change_new(&o, desired, live, NULL);
	is_str(S(json_object_get(c, "patch")), "[{'op':'remove','path':'/data/b'}]", "change: between revisions every field counts");
	json_decref(c);

	json_t *predicted = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','namespace':'default','uid':'u',"
			      "'resourceVersion':'10'},'data':{'a':'1'}}");
	o.mode = GT_DIFF_LIVE;
	c = gt_change_new(&o, desired, live, predicted);
	is_str(S(json_object_get(c, "patch")), "[{'op':'remove','path':'/data/b'}]", "change: the server's prediction decides");
	json_decref(c);

	c = gt_change_new(&o, desired, NULL, NULL);
	is_str(json_string_value(json_object_get(c, "action")), "create", "change: no live, create");
	is_str(json_string_value(json_object_get(json_object_get(c, "ref"), "namespace")), "default",
	       "change: a create without namespace goes to the default one");
	json_decref(c);
	c = gt_change_new(&o, NULL, live, NULL);
	is_str(json_string_value(json_object_get(c, "action")), "delete", "change: no desired, delete");
	is_int(gt_change_check(c, &why), 0, "change: a delete record checks");
	json_decref(c);

	json_t *bad = J("{'apiVersion':'gitops/v1','kind':'Change','action':'explode','ref':{},'patch':[]}");
	ok(gt_change_check(bad, &why) < 0 && gt_change_action(bad) == GT_ACTION_INVALID, "change: an unknown action is refused");
	json_decref(bad);
	json_decref(desired);
	json_decref(live);
	json_decref(predicted);

	json_t *sd = J("{'apiVersion':'v1','kind':'Secret','metadata':{'name':'s'},'data':{'p':'eA=='}}");
	json_t *sl = J("{'apiVersion':'v1','kind':'Secret','metadata':{'name':'s','namespace':'default'},'data':{'p':'eQ=='}}");
	c = gt_change_new(&o, sd, sl, NULL);
	ok(gt_change_masked(c), "change: masked Secret values are recognised (not appliable)");
	is_str(S(json_object_get(c, "patch")), "[{'op':'replace','path':'/data/p','value':'++++++++'}]", "change: the patch is masked");
	json_decref(c);
	o.show_secrets = true;
	c = gt_change_new(&o, sd, sl, NULL);
	ok(!gt_change_masked(c), "change: --show-secrets records are not masked");
	json_decref(c);
	json_decref(sd);
	json_decref(sl);
}

/* The Change of desired against live: "ACTION PATCH" (single quotes); ns: its ref's namespace. */
static const char *compared(const struct gt_diff_opts *o, const char *desired, const char *live, const char **ns)
{
	static char buf[4096];
	json_t *d = J(desired), *l = J(live);
	json_t *c = gt_change_new(o, d, l, NULL);
	snprintf(buf, sizeof(buf), "%s %s", json_string_value(json_object_get(c, "action")),
		 S(json_object_get(c, "patch")));
	static char nsbuf[64];
	snprintf(nsbuf, sizeof(nsbuf), "%s", json_string_value(json_object_get(json_object_get(c, "ref"), "namespace")));
	if (ns)
		*ns = nsbuf;
	/* whatever the patch is, it must apply to the live object (gitops-diff -o text shows it so) */
	json_t *after = gt_diff_normalize_new(l);
	const char *why = NULL;
	ok(gt_patch_apply(&after, json_object_get(c, "patch"), &why) == 0, "argo: the patch applies to live (%s)",
	   why ? why : "ok");
	json_decref(after);
	json_decref(c);
	json_decref(d);
	json_decref(l);
	return buf;
}

#define DEP_HEAD "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w','namespace':'p'"
#define LA(x) ",'annotations':{'kubectl.kubernetes.io/last-applied-configuration':'" x "'}"

/* Argo CD's comparison: lists by merge key, empty maps in last-applied, [] vs null, cluster scope. */
static void test_argo(void)
{
	struct gt_diff_opts o = { .mode = GT_DIFF_LIVE };
	const char *ns;
	const char *d1 = DEP_HEAD "},'spec':{'template':{'spec':{'containers':[{'name':'app','image':'a:1',"
			 "'env':[{'name':'VAR1','value':'x'}],'ports':[{'containerPort':80}]}]}}}}";
	/* a webhook added an env entry and a sidecar; the server defaulted the port's protocol */
	const char *l1 = DEP_HEAD "},'spec':{'template':{'spec':{'containers':[{'name':'istio-proxy','image':'i:1'},"
			 "{'name':'app','image':'a:1','env':[{'name':'VAR2','value':'y'},{'name':'VAR1','value':'x'}],"
			 "'ports':[{'containerPort':80,'protocol':'TCP'},{'containerPort':15090}]}]}}}}";
	is_str(compared(&o, d1, l1, NULL), "unchanged []", "argo: injected env entry, sidecar and port, moved: unchanged");
	const char *l1la = DEP_HEAD LA("{\\\"spec\\\":{\\\"template\\\":{\\\"spec\\\":{\\\"containers\\\":[{\\\"name\\\":\\\"app\\\",\\\"env\\\":[{\\\"name\\\":\\\"VAR1\\\"},{\\\"name\\\":\\\"OLD\\\"}]}]}}}}")
		"},'spec':{'template':{'spec':{'containers':[{'name':'istio-proxy','image':'i:1'},"
		"{'name':'app','image':'a:1','env':[{'name':'VAR2','value':'y'},{'name':'OLD','value':'o'},{'name':'VAR1','value':'x'}],"
		"'ports':[{'containerPort':80}]}]}}}}";
	is_str(compared(&o, d1, l1la, NULL),
	       "update [{'op':'replace','path':'/spec/template/spec/containers/1/env/1/name','value':'VAR1'},"
	       "{'op':'replace','path':'/spec/template/spec/containers/1/env/1/value','value':'x'},"
	       "{'op':'remove','path':'/spec/template/spec/containers/1/env/2'}]",
	       "argo: an env entry last-applied set and the manifest dropped is removed; the injected one stays");
	const char *d2 = DEP_HEAD "},'spec':{'template':{'spec':{'containers':[{'name':'app','image':'a:2'}]}}}}";
	const char *l2 = DEP_HEAD "},'spec':{'template':{'spec':{'containers':[{'name':'istio-proxy','image':'i:1'},"
			 "{'name':'app','image':'a:1'}]}}}}";
	is_str(compared(&o, d2, l2, NULL),
	       "update [{'op':'replace','path':'/spec/template/spec/containers/1/image','value':'a:2'}]",
	       "argo: a container is found by name, the patch names its live index");
	const char *d3 = DEP_HEAD ",'finalizers':['a']},'spec':{'template':{'spec':{'initContainers':[{'name':'init','image':'b:1'}],"
			 "'volumes':[{'name':'data','emptyDir':{}}],'tolerations':[{'key':'k','operator':'Exists'}]}}}}";
	const char *l3 = DEP_HEAD ",'finalizers':['injected','a']},'spec':{'template':{'spec':{'initContainers':[{'name':'linkerd-init','image':'l:1'},"
			 "{'name':'init','image':'b:1'}],'volumes':[{'name':'token','projected':{}},{'name':'data','emptyDir':{}}],"
			 "'tolerations':[{'key':'k','operator':'Exists'}]}}}}";
	is_str(compared(&o, d3, l3, NULL), "unchanged []",
	       "argo: injected initContainer, volume and finalizer (merged by name, by value): unchanged");
	const char *l3t = DEP_HEAD ",'finalizers':['a']},'spec':{'template':{'spec':{'initContainers':[{'name':'init','image':'b:1'}],"
			  "'volumes':[{'name':'data','emptyDir':{}}],'tolerations':[{'key':'k','operator':'Exists'},"
			  "{'key':'node.kubernetes.io/not-ready','operator':'Exists'}]}}}}";
	is_str(compared(&o, d3, l3t, NULL),
	       "update [{'op':'remove','path':'/spec/template/spec/tolerations/1'}]",
	       "argo: tolerations have no merge key: an added one is a difference, as in Argo CD");

	/* a custom resource's list goes by position, whatever its field is called */
	const char *cr = "{'apiVersion':'example.com/v1','kind':'Pipeline','metadata':{'name':'x','namespace':'p'},"
			 "'spec':{'env':[{'name':'A','value':'1'}]}}";
	const char *crl = "{'apiVersion':'example.com/v1','kind':'Pipeline','metadata':{'name':'x','namespace':'p'},"
			  "'spec':{'env':[{'name':'B','value':'2'},{'name':'A','value':'1'}]}}";
	is_str(compared(&o, cr, crl, NULL),
	       "update [{'op':'replace','path':'/spec/env/0/name','value':'A'},{'op':'replace','path':'/spec/env/0/value','value':'1'},"
	       "{'op':'remove','path':'/spec/env/1'}]",
	       "argo: a custom resource's list stays positional");
	/* an old apiVersion of a built-in kind merges by the same keys */
	const char *old = "{'apiVersion':'extensions/v1beta1','kind':'Deployment','metadata':{'name':'w','namespace':'p'},"
			  "'spec':{'template':{'spec':{'containers':[{'name':'app','image':'a:1'}]}}}}";
	const char *oldl = "{'apiVersion':'extensions/v1beta1','kind':'Deployment','metadata':{'name':'w','namespace':'p'},"
			   "'spec':{'template':{'spec':{'containers':[{'name':'side','image':'s:1'},{'name':'app','image':'a:1'}]}}}}";
	is_str(compared(&o, old, oldl, NULL), "unchanged []", "argo: extensions/v1beta1 Deployment: merged as apps/v1");

	/* kubectl's "annotations": {} in last-applied does not claim the controller's annotations */
	const char *cm = "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','namespace':'p'},'data':{'a':'1'}}";
	const char *cml = "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','namespace':'p',"
			  "'annotations':{'kubectl.kubernetes.io/last-applied-configuration':'{\\\"apiVersion\\\":\\\"v1\\\",\\\"kind\\\":\\\"ConfigMap\\\","
			  "\\\"metadata\\\":{\\\"annotations\\\":{},\\\"name\\\":\\\"c\\\",\\\"namespace\\\":\\\"p\\\"},\\\"data\\\":{\\\"a\\\":\\\"1\\\"}}',"
			  "'controller.example.com/stamp':'7'}},'data':{'a':'1'}}";
	is_str(compared(&o, cm, cml, NULL), "unchanged []", "argo: an empty map in last-applied claims nothing");

	/* [] and null: the same in built-in kinds, not in custom resources */
	const char *cr1 = "{'apiVersion':'rbac.authorization.k8s.io/v1','kind':'ClusterRole','metadata':{'name':'g','namespace':'p'},'rules':[]}";
	const char *cr1l = "{'apiVersion':'rbac.authorization.k8s.io/v1','kind':'ClusterRole','metadata':{'name':'g'},'rules':null}";
	is_str(compared(&o, cr1, cr1l, &ns), "unchanged []",
	       "argo: ClusterRole rules [] against null; its namespace from the chart is not compared");
	is_str(ns, "", "argo: ... and the record names no namespace");
	const char *cu = "{'apiVersion':'example.com/v1','kind':'Pipeline','metadata':{'name':'x','namespace':'p'},'spec':{'steps':[]}}";
	const char *cul = "{'apiVersion':'example.com/v1','kind':'Pipeline','metadata':{'name':'x','namespace':'p'},'spec':{'steps':null}}";
	is_str(compared(&o, cu, cul, NULL), "update [{'op':'replace','path':'/spec/steps','value':[]}]",
	       "argo: a custom resource's [] against null differs (Argo CD's JSON merge patch keeps both)");

	/* --ignore-aggregated-roles */
	const char *ag = "{'apiVersion':'rbac.authorization.k8s.io/v1','kind':'ClusterRole','metadata':{'name':'agg'},"
			 "'aggregationRule':{'clusterRoleSelectors':[{'matchLabels':{'a':'b'}}]},'rules':[]}";
	const char *agl = "{'apiVersion':'rbac.authorization.k8s.io/v1','kind':'ClusterRole','metadata':{'name':'agg'},"
			  "'aggregationRule':{'clusterRoleSelectors':[{'matchLabels':{'a':'b'}}]},'rules':[{'verbs':['get'],'resources':['pods'],'apiGroups':['']}]}";
	ok(!strncmp(compared(&o, ag, agl, NULL), "update ", 7), "argo: an aggregated role's rules differ by default");
	o.ignore_aggregated_roles = true;
	is_str(compared(&o, ag, agl, NULL), "unchanged []", "argo: --ignore-aggregated-roles: not compared");
}

int main(void)
{
	test_change();
	test_argo();
	return tap_done();
}
