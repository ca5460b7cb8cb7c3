/* test_diff: RFC 6902 patches, value equality, JSON pointer escapes, ignore rules, masking, Change records,
 * the one-line summary of what differs. */
#include "diff.h"
#include "capture.h"
#include "jlit.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

/* Compact JSON with single quotes, for comparing against the same notation; static buffer. */
static const char *S(const json_t *v)
{
	static char buf[4096];
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	snprintf(buf, sizeof(buf), "%s", s ? s : "(null)");
	free(s);
	for (char *p = buf; *p; p++)
		if (*p == '"')
			*p = '\'';
	return buf;
}

/* The patch from a to b, and a check that applying it to a gives b. */
static void patch_is(const char *from, const char *to, const char *want, const char *name)
{
	json_t *a = J(from), *b = J(to);
	json_t *p = gt_patch_new(a, b);
	is_str(S(p), want, "patch: %s", name);
	const char *why = NULL;
	json_t *doc = json_deep_copy(a);
	int r = gt_patch_apply(&doc, p, &why);
	ok(r == 0 && gt_json_equal_value(doc, b), "patch: %s: applying it gives the target (%s)", name, why ? why : "ok");
	json_decref(doc);
	json_decref(p);
	json_decref(a);
	json_decref(b);
}

static void test_equal(void)
{
	json_t *a = J("{'a':1,'b':[1,2.5,'x'],'c':{'d':null}}"), *b = J("{'c':{'d':null},'b':[1.0,2.5,'x'],'a':1.0}");
	ok(gt_json_equal_value(a, b), "equal: 1 == 1.0, key order does not matter");
	json_decref(b);
	b = J("{'a':1,'b':[1,2.5,'x'],'c':{'d':false}}");
	ok(!gt_json_equal_value(a, b), "equal: null != false");
	json_decref(a);
	json_decref(b);
	a = J("'500m'"), b = J("'0.5'");
	ok(!gt_json_equal_value(a, b), "equal: quantities compare as written (500m != 0.5)");
	json_decref(a);
	json_decref(b);
	a = J("9007199254740993"), b = J("9007199254740992");
	ok(!gt_json_equal_value(a, b), "equal: big integers compare exactly, not through double");
	json_decref(a);
	json_decref(b);
	a = J("'1'"), b = J("1");
	ok(!gt_json_equal_value(a, b), "equal: the string '1' is not the number 1");
	json_decref(a);
	json_decref(b);
}

static void test_patch(void)
{
	patch_is("{'a':1}", "{'a':1.0}", "[]", "1 and 1.0 give no op");
	patch_is("{'a':1,'b':2}", "{'a':1,'c':3}", "[{'op':'remove','path':'/b'},{'op':'add','path':'/c','value':3}]",
		 "remove and add keys");
	patch_is("{'a':{'b':'x'}}", "{'a':{'b':'y'}}", "[{'op':'replace','path':'/a/b','value':'y'}]", "nested replace");
	patch_is("{'a':[1,2,3]}", "{'a':[1,5,3]}", "[{'op':'replace','path':'/a/1','value':5}]", "array element");
	patch_is("{'a':[1,2,3,4]}", "{'a':[1,2]}", "[{'op':'remove','path':'/a/3'},{'op':'remove','path':'/a/2'}]",
		 "shorter array: removes from the end backwards");
	patch_is("{'a':[1]}", "{'a':[1,2,3]}", "[{'op':'add','path':'/a/1','value':2},{'op':'add','path':'/a/2','value':3}]",
		 "longer array: appends");
	patch_is("{'a':[{'n':'x','v':1}]}", "{'a':[{'n':'x','v':2}]}", "[{'op':'replace','path':'/a/0/v','value':2}]",
		 "map inside an array");
	patch_is("{'a':[1]}", "{'a':{'k':1}}", "[{'op':'replace','path':'/a','value':{'k':1}}]", "type change");
	patch_is("{'a/b':1,'m~n':2}", "{'a/b':3,'m~n':4}",
		 "[{'op':'replace','path':'/a~1b','value':3},{'op':'replace','path':'/m~0n','value':4}]",
		 "/ escaped as ~1, ~ as ~0");
	patch_is("{'metadata':{'annotations':{'argocd.argoproj.io/sync-wave':'1'}}}",
		 "{'metadata':{'annotations':{'argocd.argoproj.io/sync-wave':'2'}}}",
		 "[{'op':'replace','path':'/metadata/annotations/argocd.argoproj.io~1sync-wave','value':'2'}]",
		 "an annotation key with a slash");
	patch_is("1", "2", "[{'op':'replace','path':'','value':2}]", "the root itself");
	patch_is("{'': 1}", "{'': 2}", "[{'op':'replace','path':'/','value':2}]", "the empty key is /");
}

static void apply_fails(const char *doc, const char *patch, const char *name)
{
	json_t *d = J(doc), *p = J(patch);
	const char *why = NULL;
	ok(gt_patch_apply(&d, p, &why) < 0 && why, "apply: %s fails (%s)", name, why ? why : "no reason");
	json_decref(d);
	json_decref(p);
}

static void test_apply(void)
{
	json_t *d = J("{'a':[1,2],'b':{'c':1}}");
	json_t *p = J("[{'op':'add','path':'/a/-','value':3},{'op':'move','from':'/b/c','path':'/d'},"
		      "{'op':'copy','from':'/d','path':'/e'},{'op':'test','path':'/e','value':1.0},"
		      "{'op':'add','path':'/a/0','value':0}]");
	const char *why = NULL;
	is_int(gt_patch_apply(&d, p, &why), 0, "apply: add -, move, copy, test, insert");
	is_str(S(d), "{'a':[0,1,2,3],'b':{},'d':1,'e':1}", "apply: the result");
	json_decref(d);
	json_decref(p);
	apply_fails("{'a':1}", "[{'op':'replace','path':'/b','value':1}]", "replace of a missing key");
	apply_fails("{'a':[1]}", "[{'op':'add','path':'/a/5','value':1}]", "add past the end");
	apply_fails("{'a':1}", "[{'op':'test','path':'/a','value':2}]", "a failing test");
	apply_fails("{'a':1}", "[{'op':'frob','path':'/a'}]", "an unknown op");
	apply_fails("{'a':1}", "{'op':'remove','path':'/a'}", "a patch that is not an array");
	apply_fails("{'a':1}", "[{'op':'remove','path':'a'}]", "a pointer without /");
}

static void test_pointer(void)
{
	struct gt_strbuf path = { 0 };
	ok(gt_pointer_append(&path, "spec") == 0 && gt_pointer_append(&path, "a/b~c") == 0, "pointer: append");
	is_str(path.s, "/spec/a~1b~0c", "pointer: ~ is ~0 and / is ~1");
	is_int(path.len, strlen(path.s), "pointer: length kept");
	gt_strbuf_release(&path);
}

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

static void test_mask(void)
{
	json_t *d = J("{'apiVersion':'v1','kind':'Secret','metadata':{'name':'s'},'stringData':{'p':'new'},'data':{'u':'dXNlcg=='}}");
	json_t *l = J("{'apiVersion':'v1','kind':'Secret','metadata':{'name':'s'},'data':{'u':'dXNlcg==','p':'b2xk','q':'b2xk'}}");
	gt_secret_mask(d, l);
	is_str(S(json_object_get(d, "data")), "{'u':'++++++++','p':'++++++++'}", "mask: stringData folded into data, then masked");
	ok(!json_object_get(d, "stringData"), "mask: no stringData left");
	is_str(S(json_object_get(l, "data")), "{'u':'++++++++','p':'++++++++++++','q':'++++++++'}",
	       "mask: per key; the same value the same mask, another value 4 more +");
	json_decref(d);
	json_decref(l);
	json_t *cm = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'s'},'data':{'u':'x'}}");
	gt_secret_mask(cm, NULL);
	is_str(S(json_object_get(cm, "data")), "{'u':'x'}", "mask: a ConfigMap is left alone");
	json_decref(cm);
	json_t *bad = J("{'apiVersion':'v1','kind':'Secret','metadata':{'name':'s','annotations':"
			"{'kubectl.kubernetes.io/last-applied-configuration':'{not json'}},'data':{'u':'eA=='}}");
	gt_secret_mask(NULL, bad);
	is_str(gt_obj_annotation(bad, "kubectl.kubernetes.io/last-applied-configuration"), "++++++++",
	       "mask: an unreadable last-applied is replaced wholesale");
	json_decref(bad);
}

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

static int collect(void *ctx, const json_t *change)
{
	json_t *list = ctx;
	const json_t *ref = json_object_get(change, "ref");
	char line[512];
	snprintf(line, sizeof(line), "%s %s", json_string_value(json_object_get(change, "action")),
		 json_string_value(json_object_get(ref, "name")));
	return json_array_append_new(list, json_string(line));
}

static void test_sets(void)
{
	struct gt_diff_opts o = { .mode = GT_DIFF_LIVE, .app = "shop", .default_namespace = "prod" };
	json_t *desired = J("[{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'a'}},"
			    "{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'prod'}},"
			    "{'apiVersion':'batch/v1','kind':'Job','metadata':{'generateName':'migrate-'}}]");
	json_t *live = J("[{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'gone','namespace':'prod',"
			 "'annotations':{'argocd.argoproj.io/tracking-id':'shop:/ConfigMap:prod/gone'}}},"
			 "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'copied','namespace':'prod',"
			 "'annotations':{'argocd.argoproj.io/tracking-id':'shop:/ConfigMap:prod/elsewhere'}}},"
			 "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'a','namespace':'prod'}},"
			 "{'apiVersion':'v1','kind':'Namespace','metadata':{'name':'prod'}}]");
	json_t *got = json_array();
	struct gt_diff_stats st = { 0 };
	is_int(gt_diff_sets(&o, desired, live, collect, got, &st), GT_EXIT_OK, "sets: compared");
	is_str(S(got), "['unchanged a','unchanged prod','create ','delete gone']",
	       "sets: desired order, generateName always creates, a copied tracking id is not ours");
	is_int(gt_diff_differences(&st), 2, "sets: two differences");
	json_decref(got);

	json_t *dup = J("[{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'a','namespace':'prod'}},"
			"{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'a','namespace':'prod'}}]");
	struct capture cap;
	capture_start(&cap);
	enum gt_exit rc = gt_diff_sets(&o, desired, dup, NULL, NULL, NULL);
	char *err = capture_end(&cap);
	ok(rc == GT_EXIT_INPUT && strstr(err, "appears twice"), "sets: a duplicate live object is bad input");
	free(err);
	json_decref(dup);
	json_decref(desired);
	json_decref(live);
}

/* The summary of from -> to with opts; single quotes in the result read as double. */
static void summary_is(const char *from, const char *to, const struct gt_diff_summary_opts *o, const char *want,
		       const char *name)
{
	json_t *a = from ? J(from) : NULL, *b = to ? J(to) : NULL;
	char *got = gt_diff_summary_new(a, b, o);
	for (char *p = got; p && *p; p++)
		if (*p == '"')
			*p = '\'';
	is_str(got, want, "summary: %s", name);
	free(got);
	json_decref(a);
	json_decref(b);
}

static void test_summary(void)
{
	const struct gt_diff_summary_opts values = { .values = true }, names = { .values = false };
	summary_is("{'spec':{'a':1,'b':[1]}}", "{'spec':{'a':1.0,'b':[1]}}", &values, "", "equal (1 == 1.0): empty");
	summary_is("{'spec':{'destination':{'namespace':'prod','server':'s'}}}",
		   "{'spec':{'destination':{'namespace':'staging','server':'s'}}}", &values,
		   "spec.destination.namespace: 'prod' -> 'staging'", "a changed scalar, as a dotted path");
	summary_is("{'spec':{'syncPolicy':{'automated':{}}}}", "{'spec':{}}", &values, "spec.syncPolicy: {'automated':{}} -> unset",
		   "a field only on the from side: unset on the other");
	summary_is("{'m':{'labels':{}}}", "{'m':{'labels':{'app.kubernetes.io/name':'web','team':'a'}}}", &values,
		   "m.labels['app.kubernetes.io/name']: unset -> 'web'; m.labels.team: unset -> 'a'",
		   "keys with dots in brackets, to's keys in to's order");
	summary_is("{'b':2,'a':1}", "{'a':3}", &values, "a: 1 -> 3; b: 2 -> unset", "to's keys first, then the ones only from has");
	summary_is("{'s':[{'path':'x'},{'path':'y'}]}", "{'s':[{'path':'x'},{'path':'z'}]}", &values, "s[1].path: 'y' -> 'z'",
		   "arrays of one length: element by element");
	summary_is("{'o':['A']}", "{'o':['A','B']}", &values, "o: ['A'] -> ['A','B']", "arrays of another length: whole");
	summary_is("{'v':'0123456789012345678901234567890123456789xyz'}", "{'v':1}", &values,
		   "v: '012345678901234567890123456789012345678... -> 1", "a long value is cut");
	summary_is("{'v':'\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		   "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9'}", "{}", &values,
		   "v: '\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		   "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9... -> unset",
		   "a long value is cut between characters, not inside one");
	static const char *const secret_keys[] = { "values", "env", NULL };
	const struct gt_diff_summary_opts hide = { .values = true, .secret_keys = secret_keys };
	summary_is("{'helm':{'values':'password: hunter2','releaseName':'a'},'plugin':{'env':[{'name':'T','value':'s3cr3t'}]}}",
		   "{'helm':{'values':'password: swordfish','releaseName':'b'},'plugin':{'env':[{'name':'T','value':'n3w'}]}}", &hide,
		   "helm.values: changed; helm.releaseName: 'a' -> 'b'; plugin.env[0].value: changed", "secret keys: named, never shown");
	summary_is("{'x':{'values':'p'}}", "{'x':{}}", &hide, "x.values: removed", "a removed secret: removed");
	summary_is("{'password':'old','username':'u','url':'a'}", "{'url':'b','password':'new','username':'u','tlsClientCertKey':'k'}", &names,
		   "url, password, tlsClientCertKey", "names only: no value at all");
	const struct gt_diff_summary_opts two = { .values = true, .max = 2 };
	summary_is("{}", "{'a':1,'b':2,'c':3,'d':4}", &two, "a: unset -> 1; b: unset -> 2; and 2 more", "max: the rest counted");
	summary_is("1", "2", &values, ".: 1 -> 2", "the whole value: the path is .");
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
	test_equal();
	test_patch();
	test_apply();
	test_pointer();
	test_ignore_parse();
	test_mask();
	test_change();
	test_sets();
	test_summary();
	test_argo();
	return tap_done();
}
