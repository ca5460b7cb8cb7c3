/* test_jsonpatch: RFC 6902 patches made and applied, value equality, JSON pointer escapes. */
#include "jsonpatch.h"
#include "jlit.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

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

int main(void)
{
	test_equal();
	test_patch();
	test_apply();
	test_pointer();
	return tap_done();
}
