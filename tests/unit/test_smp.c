/* test_smp: strategic merge patches as kustomize 5.5 applies them (common/smp.h) and the merge-key
 * table they follow (common/mergekeys.h). Each expected object is what `kubectl kustomize`
 * (kustomize v5.5.0) printed for the object and the patch, JSON with single quotes. */
#include "mergekeys.h"
#include "smp.h"
#include "jlit.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *name, *obj, *patch, *want;
} merges[] = {
	{ "containers",
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'template':{'spec':{'containers':[{'name':'a','image':'a:1'},{'name':'b','image':'b:1'}]}}}}",
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'template':{'spec':{'containers':[{'name':'b','image':'b:2'},{'name':'c','image':'c:1'}]}}}}",
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'template':{'spec':{'containers':[{'image':'b:2','name':'b'},{'image':'c:1','name':'c'},{'image':'a:1','name':'a'}]}}}}" },
	{ "null-deletes",
	  "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'w','labels':{'a':'1','b':'2'}},'data':{'x':'1'}}",
	  "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'w','labels':{'a':null}},'data':null}",
	  "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'labels':{'b':'2'},'name':'w'}}" },
	{ "element-delete",
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'template':{'spec':{'containers':[{'name':'a','image':'a:1'},{'name':'b','image':'b:1'}]}}}}",
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'template':{'spec':{'containers':[{'name':'a','$patch':'delete'}]}}}}",
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'template':{'spec':{'containers':[{'image':'b:1','name':'b'}]}}}}" },
	{ "list-replace",
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'template':{'spec':{'containers':[{'name':'a','image':'a:1'},{'name':'b','image':'b:1'}]}}}}",
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'template':{'spec':{'containers':[{'name':'z','image':'z:1'},{'$patch':'replace'}]}}}}",
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'template':{'spec':{'containers':[{'image':'z:1','name':'z'}]}}}}" },
	{ "env-ports",
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'template':{'spec':{'containers':[{'name':'a','env':[{'name':'X','value':'1'},{'name':'Y','value':'2'}],'ports':[{'containerPort':80,'protocol':'TCP'},{'containerPort':53,'protocol':'UDP'}]}]}}}}",
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'template':{'spec':{'containers':[{'name':'a','env':[{'name':'Y','value':'3'}],'ports':[{'containerPort':53,'protocol':'UDP','name':'dns'}]}]}}}}",
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'template':{'spec':{'containers':[{'env':[{'name':'Y','value':'3'},{'name':'X','value':'1'}],'name':'a','ports':[{'containerPort':80,'protocol':'TCP'},{'containerPort':53,'name':'dns','protocol':'UDP'}]}]}}}}" },
	{ "args-replaced",
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'template':{'spec':{'containers':[{'name':'a','args':['--x','--y']}]}}}}",
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'template':{'spec':{'containers':[{'name':'a','args':['--z']}]}}}}",
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'template':{'spec':{'containers':[{'args':['--z'],'name':'a'}]}}}}" },
	{ "crd-list",
	  "{'apiVersion':'example.com/v1','kind':'Widget','metadata':{'name':'w'},'spec':{'items':[{'name':'a','v':1},{'name':'b','v':2}]}}",
	  "{'apiVersion':'example.com/v1','kind':'Widget','metadata':{'name':'w'},'spec':{'items':[{'name':'b','v':3}]}}",
	  "{'apiVersion':'example.com/v1','kind':'Widget','metadata':{'name':'w'},'spec':{'items':[{'name':'b','v':3}]}}" },
	{ "set-element-order",
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'template':{'spec':{'containers':[{'name':'a'},{'name':'b'}]}}}}",
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'template':{'spec':{'$setElementOrder/containers':[{'name':'b'},{'name':'a'}],'containers':[{'name':'b','image':'b:2'}]}}}}",
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'template':{'spec':{'$setElementOrder/containers':[{'name':'b'},{'name':'a'}],'containers':[{'image':'b:2','name':'b'},{'name':'a'}]}}}}" },
	{ "finalizers",
	  "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'w','finalizers':['a','b']}}",
	  "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'w','finalizers':['c','a']}}",
	  "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'finalizers':['c','a','b'],'name':'w'}}" },
	{ "map-replace",
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'selector':{'matchLabels':{'a':'1','b':'2'}}}}",
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'selector':{'$patch':'replace','matchLabels':{'c':'3'}}}}",
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'selector':{'matchLabels':{'c':'3'}}}}" },
	{ "volumes",
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'template':{'spec':{'volumes':[{'name':'v','configMap':{'name':'x'}},{'name':'t','emptyDir':{}}]}}}}",
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'template':{'spec':{'volumes':[{'name':'v','secret':{'secretName':'s'}}]}}}}",
	  "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'template':{'spec':{'volumes':[{'configMap':{'name':'x'},'name':'v','secret':{'secretName':'s'}},{'emptyDir':{},'name':'t'}]}}}}" },
	{ "embedded-template",
	  "{'apiVersion':'batch/v1','kind':'CronJob','metadata':{'name':'w'},'spec':{'jobTemplate':{'spec':{'template':{'spec':{'containers':[{'name':'a','image':'a:1'},{'name':'b'}]}}}}}}",
	  "{'apiVersion':'batch/v1','kind':'CronJob','metadata':{'name':'w'},'spec':{'jobTemplate':{'spec':{'template':{'spec':{'containers':[{'name':'a','image':'a:2'}]}}}}}}",
	  "{'apiVersion':'batch/v1','kind':'CronJob','metadata':{'name':'w'},'spec':{'jobTemplate':{'spec':{'template':{'spec':{'containers':[{'image':'a:2','name':'a'},{'name':'b'}]}}}}}}" },
};

static void test_merges(void)
{
	for (size_t i = 0; i < COUNT(merges); i++) {
		json_t *obj = J(merges[i].obj), *patch = J(merges[i].patch), *want = J(merges[i].want);
		char *err = NULL;
		int st = gt_smp_merge(&obj, patch, &err);
		ok(st == 0 && obj && json_equal(obj, want), "%s: as kustomize merges it", merges[i].name);
		if (st == 0 && obj && !json_equal(obj, want)) {
			char *got = json_dumps(obj, JSON_COMPACT);
			printf("#   got: %s\n", got);
			free(got);
		} else if (st != 0) {
			printf("#   error: %s\n", err ? err : "?");
		}
		/* the order of a merged list is part of the result: compare the lists' texts too */
		char *a = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS), *b = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS);
		is_str(a, b, "%s: the same order", merges[i].name);
		free(a);
		free(b);
		free(err);
		json_decref(obj);
		json_decref(patch);
		json_decref(want);
	}
}

static void test_directives(void)
{
	json_t *obj = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'w'},'data':{'a':'1'}}");
	json_t *patch = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'w'},'$patch':'delete'}");
	char *err = NULL;
	ok(gt_smp_merge(&obj, patch, &err) == 0 && obj == NULL, "$patch: delete at the top deletes the object");
	json_decref(obj);
	json_decref(patch);

	obj = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'w'},'data':{'a':'1'}}");
	patch = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'w'},'data':{'$patch':'bogus'}}");
	ok(gt_smp_merge(&obj, patch, &err) < 0 && err, "an unknown directive is an error");
	free(err);
	err = NULL;
	json_decref(obj);
	json_decref(patch);

	obj = J("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'template':{'spec':{'containers':[{'name':'a'}]}}}}");
	patch = J("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'template':{'spec':{'containers':{'name':'a'}}}}}");
	ok(gt_smp_merge(&obj, patch, &err) < 0 && err, "a map against a merge list is an error");
	free(err);
	json_decref(obj);
	json_decref(patch);
}

static void test_table(void)
{
	const struct gt_mergekey *k = gt_mergekey_find("apps/v1", "Deployment", "spec.template.spec.containers");
	ok(k && !strcmp(k->keys, "name") && !strcmp(k->strategy, "merge"), "Deployment containers merge by name");
	k = gt_mergekey_find("apps/v1", "Deployment", "spec.template.spec.containers[].ports");
	ok(k && !strcmp(k->keys, "containerPort,protocol"), "container ports merge by containerPort and protocol");
	k = gt_mergekey_find("apps/v1", "Deployment", "spec.template.spec.volumes");
	ok(k && !strcmp(k->strategy, "merge,retainKeys"), "volumes: merge with retainKeys");
	k = gt_mergekey_find("v1", "ConfigMap", "metadata.finalizers");
	ok(k && !strcmp(k->keys, ""), "finalizers: a list of scalars merged by value");
	ok(!gt_mergekey_find("apps/v1", "Deployment", "spec.template.spec.containers[].args"),
	   "container args: not in the table (replaced)");
	ok(!gt_mergekey_find("example.com/v1", "Widget", "spec.items"), "a custom resource's list: not in the table");
	ok(gt_mergekey_kind_known("batch/v1", "CronJob"), "CronJob is a known kind");
	ok(!gt_mergekey_kind_known("example.com/v1", "Widget"), "a custom kind is not");
	ok(!gt_mergekey_kind_known("apps/v1beta1", "Deployment") || gt_mergekey_find("apps/v1beta1", "Deployment",
	   "spec.template.spec.containers"), "an old apiVersion known to the table has its lists");
}

int main(void)
{
	test_merges();
	test_directives();
	test_table();
	return tap_done();
}
