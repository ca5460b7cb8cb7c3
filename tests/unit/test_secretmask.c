/* test_secretmask: Secrets masked as Argo CD masks them: stringData folded, the same value the same mask. */
#include "secretmask.h"
#include "obj.h"
#include "jlit.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

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

/* A mask is 8, 12, 16 ... '+': what gitops-apply looks for to refuse a masked record. */
static void test_is_mask(void)
{
	static const struct {
		const char *v;
		bool mask;
	} cases[] = { { "'++++++++'", true }, { "'++++++++++++'", true }, { "'+++++++++'", false },
		      { "'++++'", false }, { "'++++++++='", false }, { "''", false }, { "8", false } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v = J(cases[i].v);
		ok(gt_secret_is_mask(v) == cases[i].mask, "is_mask: %s %s", cases[i].v, cases[i].mask ? "is one" : "is not");
		json_decref(v);
	}
}

int main(void)
{
	test_mask();
	test_is_mask();
	return tap_done();
}
