/* test_ignore: ignore rules as Argo CD writes them, and the messages for bad ones. */
#include "ignore.h"
#include "capture.h"
#include "jlit.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static void rule_fails(const char *rule, const char *msg_part, const char *name)
{
	struct gt_ignore *ig = gt_ignore_new();
	struct capture c;
	capture_start(&c);
	int r = gt_ignore_add(ig, rule, "--ignore");
	char *err = capture_end(&c);
	ok(r < 0 && strstr(err, msg_part) && strstr(err, "--ignore: ignore rule '"), "ignore: %s is refused (%s)", name,
	   msg_part);
	if (r == 0 || !strstr(err, msg_part))
		printf("#   message: %s", err);
	is_int(gt_ignore_count(ig), 0, "ignore: %s adds nothing", name);
	free(err);
	gt_ignore_free(ig);
}

static void test_ignore_parse(void)
{
	rule_fails("Deployment", "expected GROUP/KIND", "no colon");
	rule_fails("Deployment:/spec", "GROUP/KIND or GROUP/KIND/NAMESPACE/NAME", "no group part");
	rule_fails("apps/Deployment/prod:/spec", "GROUP/KIND or GROUP/KIND/NAMESPACE/NAME", "three parts");
	rule_fails("apps/:/spec", "KIND is empty", "an empty kind");
	rule_fails("apps/Deployment/prod/:/spec", "NAME is empty", "an empty name");
	rule_fails("apps/Deployment:", "whole object", "an empty pointer");
	rule_fails("apps/Deployment:spec/replicas", "starts with /", "a pointer without /");
	rule_fails("apps/Deployment:/a~2", "~ must be followed by 0 or 1", "a bad escape");
	rule_fails("apps/Deployment:/a~", "~ must be followed by 0 or 1", "a trailing ~");

	struct gt_ignore *ig = gt_ignore_new();
	ok(gt_ignore_add(ig, "apps/Deployment:/spec/replicas", "t") == 0 && gt_ignore_add(ig, "/ConfigMap/prod/x:/data/a~1b", "t") == 0 &&
	   gt_ignore_add(ig, "*/*:/metadata/labels/*", "t") == 0,
	   "ignore: good rules parse");
	is_int(gt_ignore_count(ig), 3, "ignore: three rules held");
	json_t *dep = J("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w','namespace':'prod','labels':{'a':'1'}},"
			"'spec':{'replicas':3,'paused':false}}");
	struct gt_ref ref;
	const char *why;
	gt_obj_ref(dep, &ref, &why);
	gt_ignore_apply(ig, &ref, dep);
	is_str(S(dep), "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w','namespace':'prod','labels':{}},'spec':{'paused':false}}",
	       "ignore: replicas and every label removed");
	json_t *cm = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'x','namespace':'prod'},'data':{'a/b':'1','c':'2'}}");
	gt_obj_ref(cm, &ref, &why);
	gt_ignore_apply(ig, &ref, cm);
	is_str(S(json_object_get(cm, "data")), "{'c':'2'}", "ignore: the core group is empty; ~1 in the pointer is a /");
	json_t *other = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'y','namespace':'prod'},'data':{'a/b':'1'}}");
	gt_obj_ref(other, &ref, &why);
	gt_ignore_apply(ig, &ref, other);
	is_str(S(json_object_get(other, "data")), "{'a/b':'1'}", "ignore: a rule naming x leaves y alone");
	json_t *arr = J("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'w'},'spec':{'template':{'spec':{'containers':[{'image':'a','name':'a'},{'image':'b','name':'b'}]}}}}");
	struct gt_ignore *ig2 = gt_ignore_new();
	gt_ignore_add(ig2, "apps/Deployment:/spec/template/spec/containers/*/image", "t");
	gt_ignore_add(ig2, "apps/Deployment:/spec/missing/path", "t");
	gt_obj_ref(arr, &ref, &why);
	gt_ignore_apply(ig2, &ref, arr);
	is_str(S(json_object_get(arr, "spec")), "{'template':{'spec':{'containers':[{'name':'a'},{'name':'b'}]}}}",
	       "ignore: * walks array elements; a missing path is no error");
	json_decref(dep);
	json_decref(cm);
	json_decref(other);
	json_decref(arr);
	gt_ignore_free(ig);
	gt_ignore_free(ig2);
	gt_ignore_free(NULL);
}

int main(void)
{
	test_ignore_parse();
	return tap_done();
}
