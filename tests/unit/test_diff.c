/* test_diff: whole streams: desired and live paired by identity, each pair's Change, the counts. */
#include "diff.h"
#include "capture.h"
#include "jlit.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

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

int main(void)
{
	test_sets();
	return tap_done();
}
