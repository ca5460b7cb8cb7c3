/* test_record: each record kind written, sent through a stream as text, and read back; older names read too. */
#include "jlit.h"
#include "record.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

/* rec as one JSON line and parsed again, as the next tool of a pipeline reads it; rec released. */
static json_t *through_a_pipe(json_t *rec)
{
	char *line = json_dumps(rec, JSON_COMPACT);
	json_decref(rec);
	json_t *back = line ? json_loads(line, 0, NULL) : NULL;
	free(line);
	return back;
}

/* rec as compact JSON, to compare with what a test expects; caller frees. */
static char *text_of(const json_t *rec)
{
	return json_dumps(rec, JSON_COMPACT);
}

static void test_envelope(void)
{
	json_t *rec = gt_record_new("Result");
	char *t = text_of(rec);
	is_str(t, "{\"apiVersion\":\"gitops/v1\",\"kind\":\"Result\"}", "every record starts with apiVersion gitops/v1 and its kind");
	is_str(gt_record_kind(rec), "Result", "kind of a record");
	free(t);
	json_decref(rec);
	json_t *obj = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c'}}");
	ok(gt_record_kind(obj) == NULL, "an object is no record");
	json_decref(obj);
}

static void test_ref(void)
{
	struct gt_ref ref = { .group = "apps", .version = "v1", .kind = "Deployment", .namespace = "prod", .name = "web" };
	json_t *rec = gt_record_new("Health");
	json_object_set_new(rec, "ref", gt_ref_json_new(&ref));
	rec = through_a_pipe(rec);
	struct gt_ref back;
	const char *why = NULL;
	ok(gt_record_ref(rec, &back, &why) == 0, "ref: read back");
	ok(!strcmp(back.group, "apps") && !strcmp(back.version, "v1") && !strcmp(back.kind, "Deployment") &&
		   !strcmp(back.namespace, "prod") && !strcmp(back.name, "web"),
	   "ref: the five fields round trip");
	json_decref(rec);

	struct gt_ref sparse = { .group = "", .kind = "Namespace", .name = "prod" }; /* version, namespace NULL */
	json_t *j = gt_ref_json_new(&sparse);
	char *t = text_of(j);
	is_str(t, "{\"group\":\"\",\"version\":\"\",\"kind\":\"Namespace\",\"namespace\":\"\",\"name\":\"prod\"}",
	       "ref: every field written, NULL as \"\"");
	free(t);
	json_decref(j);

	rec = J("{'apiVersion':'gitops/v1','kind':'Result','ref':{'kind':'Pod','name':'p'}}");
	ok(gt_record_ref(rec, &back, NULL) == 0 && !strcmp(back.group, "") && !strcmp(back.namespace, "") &&
		   !strcmp(back.name, "p"),
	   "ref: absent fields read as \"\"");
	json_decref(rec);
	rec = J("{'apiVersion':'gitops/v1','kind':'Result','ref':{'kind':'Pod','name':7}}");
	ok(gt_record_ref(rec, &back, &why) < 0 && strstr(why, "not a string"), "ref: a field that is not a string is refused");
	json_decref(rec);
	rec = J("{'apiVersion':'gitops/v1','kind':'Result'}");
	ok(gt_record_ref(rec, &back, &why) < 0 && strstr(why, "no ref"), "ref: none at all is refused");
	json_decref(rec);
	char long_group[400];
	snprintf(long_group, sizeof(long_group), "{\"apiVersion\":\"gitops/v1\",\"kind\":\"Result\",\"ref\":{\"group\":\"%0300d\"}}", 0);
	rec = json_loads(long_group, 0, NULL);
	ok(gt_record_ref(rec, &back, &why) < 0 && strstr(why, "longer"), "ref: a group longer than a group can be is refused");
	json_decref(rec);
}

static void test_action(void)
{
	static const enum gt_action all[] = { GT_ACTION_UNCHANGED, GT_ACTION_CREATE, GT_ACTION_UPDATE, GT_ACTION_DELETE };
	for (size_t i = 0; i < 4; i++)
		ok(gt_action_parse(gt_action_name(all[i])) == all[i], "action %s round trips", gt_action_name(all[i]));
	ok(gt_action_parse("Create") == GT_ACTION_INVALID && gt_action_parse(NULL) == GT_ACTION_INVALID,
	   "action: names are exact; NULL is none");
}

static void test_change(void)
{
	struct gt_ref ref = { .group = "", .version = "v1", .kind = "ConfigMap", .namespace = "default", .name = "c" };
	json_t *desired = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c'},'data':{'k':'2'}}");
	json_t *live = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','namespace':'default'},'data':{'k':'1'}}");
	json_t *patch = J("[{'op':'replace','path':'/data/k','value':'2'}]");
	json_t *rec = through_a_pipe(gt_change_record_new(GT_ACTION_UPDATE, &ref, desired, live, patch, false));
	const char *why = "";
	ok(gt_is_change(rec) && gt_change_check(rec, &why) == 0, "Change: a well-formed record (%s)", why);
	ok(gt_change_action(rec) == GT_ACTION_UPDATE, "Change: action");
	is_str(json_string_value(json_object_get(json_object_get(gt_change_desired(rec), "data"), "k")), "2", "Change: desired");
	is_str(json_string_value(json_object_get(json_object_get(gt_change_live(rec), "data"), "k")), "1", "Change: live");
	ok(!gt_change_ignored(rec) && !json_object_get(rec, "ignored"), "Change: not ignored, and not written");
	json_decref(rec);

	live = J("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'extra','namespace':'default'}}");
	rec = through_a_pipe(gt_change_record_new(GT_ACTION_DELETE, &ref, NULL, live, J("[{'op':'remove','path':''}]"), true));
	ok(gt_change_check(rec, &why) == 0 && gt_change_ignored(rec) && !gt_change_desired(rec), "Change: an ignored delete, desired null");
	json_decref(rec);

	rec = J("{'apiVersion':'gitops/v1','kind':'Change','action':'create','ref':{'kind':'Pod','name':'p'},"
		"'desired':{},'patch':[]}");
	ok(gt_change_check(rec, &why) < 0 && strstr(why, "group, version, kind, namespace and name"),
	   "Change: a record missing ref fields is not one gitops-diff wrote");
	json_decref(rec);
}

static void test_result(void)
{
	struct gt_result r = { .ref = { .group = "batch", .version = "v1", .kind = "Job", .namespace = "prod", .name = "migrate" },
			       .action = GT_ACTION_CREATE, .status = "failed", .message = "BackoffLimitExceeded", .wave = -2,
			       .phase = "PreSync", .hook = true, .health = "Degraded" };
	json_t *rec = through_a_pipe(gt_result_record_new(&r));
	char *t = text_of(rec);
	is_str(t,
	       "{\"apiVersion\":\"gitops/v1\",\"kind\":\"Result\",\"ref\":{\"group\":\"batch\",\"version\":\"v1\",\"kind\":\"Job\","
	       "\"namespace\":\"prod\",\"name\":\"migrate\"},\"action\":\"create\",\"status\":\"failed\",\"message\":"
	       "\"BackoffLimitExceeded\",\"wave\":-2,\"phase\":\"PreSync\",\"hook\":true,\"health\":\"Degraded\"}",
	       "Result: as written");
	free(t);
	struct gt_result back;
	ok(gt_result_record_read(rec, &back, NULL) == 0, "Result: read back");
	ok(!strcmp(back.ref.name, "migrate") && back.action == GT_ACTION_CREATE && !strcmp(back.status, "failed") &&
		   !strcmp(back.message, "BackoffLimitExceeded") && back.wave == -2 && !strcmp(back.phase, "PreSync") &&
		   back.hook && !strcmp(back.health, "Degraded"),
	   "Result: every field round trips");
	json_decref(rec);

	struct gt_result plain = { .ref = { .kind = "Service", .name = "web" }, .action = GT_ACTION_UNCHANGED, .status = "ok" };
	rec = through_a_pipe(gt_result_record_new(&plain));
	ok(!json_object_get(rec, "hook") && !json_object_get(rec, "health") &&
		   !strcmp(json_string_value(json_object_get(rec, "message")), ""),
	   "Result: no hook, no health when not waited for; message \"\"");
	ok(gt_result_record_read(rec, &back, NULL) == 0 && !back.health && !back.hook, "Result: read back without them");
	json_decref(rec);
	rec = J("{'apiVersion':'gitops/v1','kind':'Health','ref':{'kind':'Pod','name':'p'},'health':'Healthy'}");
	ok(gt_result_record_read(rec, &back, NULL) < 0, "Result: a Health record is not one");
	json_decref(rec);
}

static void test_health(void)
{
	struct gt_ref ref = { .group = "apps", .version = "v1", .kind = "Deployment", .namespace = "prod", .name = "web" };
	json_t *rec = through_a_pipe(gt_health_record_new(&ref, "Progressing", "Waiting for rollout"));
	ok(json_object_get(rec, "health") && !json_object_get(rec, "status"),
	   "Health: the health is 'health', as in Result records (jq .health), not 'status'");
	struct gt_health_record h;
	ok(gt_health_record_read(rec, &h, NULL) == 0 && !strcmp(h.health, "Progressing") &&
		   !strcmp(h.message, "Waiting for rollout") && !strcmp(h.ref.name, "web"),
	   "Health: round trip");
	json_decref(rec);

	rec = J("{'apiVersion':'gitops/v1','kind':'Health','ref':{'group':'','version':'v1','kind':'Pod','namespace':'a',"
		"'name':'p'},'status':'Degraded','message':'CrashLoopBackOff'}");
	ok(gt_health_record_read(rec, &h, NULL) == 0 && !strcmp(h.health, "Degraded"),
	   "Health: a record of the older form ('status') is read: its status is its health");
	json_decref(rec);
	rec = J("{'apiVersion':'gitops/v1','kind':'Health','ref':{'kind':'Pod','name':'p'},'health':'Healthy','status':'Degraded'}");
	ok(gt_health_record_read(rec, &h, NULL) == 0 && !strcmp(h.health, "Healthy") && !strcmp(h.message, ""),
	   "Health: 'health' wins over an old 'status'; no message is \"\"");
	json_decref(rec);
	const char *why = NULL;
	rec = J("{'apiVersion':'gitops/v1','kind':'Health','ref':{'kind':'Pod','name':'p'}}");
	ok(gt_health_record_read(rec, &h, &why) < 0 && strstr(why, "health"), "Health: none at all is refused");
	json_decref(rec);
}

static void test_commit(void)
{
	struct gt_commit_change ch[] = {
		{ .path = "image.tag", .old = "1.2.3", .new_ = "1.2.4", .changed = true },
		{ .path = "image", .name = "registry/app", .old = NULL, .new_ = "registry/app:2", .changed = false },
	};
	struct gt_commit c = { .repo = "https://git.example.com/m.git", .branch = "main", .commit = "c0ffee", .parent = "beef",
			       .author = "Ann <ann@example.com>", .file = "values.yaml", .changes = ch, .n_changes = 2,
			       .attempts = 2, .pushed = true, .status = "pushed" };
	json_t *rec = through_a_pipe(gt_commit_record_new(&c));
	char *t = text_of(rec);
	is_str(t,
	       "{\"apiVersion\":\"gitops/v1\",\"kind\":\"Commit\",\"repo\":\"https://git.example.com/m.git\",\"branch\":\"main\","
	       "\"commit\":\"c0ffee\",\"parent\":\"beef\",\"author\":\"Ann <ann@example.com>\",\"file\":\"values.yaml\","
	       "\"changes\":[{\"path\":\"image.tag\",\"old\":\"1.2.3\",\"new\":\"1.2.4\",\"changed\":true},"
	       "{\"path\":\"image\",\"old\":null,\"new\":\"registry/app:2\",\"changed\":false,\"name\":\"registry/app\"}],"
	       "\"attempts\":2,\"pushed\":true,\"status\":\"pushed\"}",
	       "Commit: set-image's record");
	free(t);
	json_decref(rec);

	struct gt_hold hold = { .file = "charts/app/.gitops-hold", .reason = "canary failed", .author = "Ann <ann@example.com>",
				.time = "2026-01-02T03:04:05Z" };
	struct gt_commit held = { .file = "charts/app/values.yaml", .status = "held", .author = "Bot <bot@example.com>",
				  .commit = "", .parent = "", .held_by = &hold };
	rec = through_a_pipe(gt_commit_record_new(&held));
	t = text_of(rec);
	is_str(t,
	       "{\"apiVersion\":\"gitops/v1\",\"kind\":\"Commit\",\"repo\":null,\"branch\":null,\"commit\":null,\"parent\":null,"
	       "\"file\":\"charts/app/values.yaml\",\"changes\":[],\"attempts\":0,\"pushed\":false,\"status\":\"held\","
	       "\"heldBy\":{\"file\":\"charts/app/.gitops-hold\",\"reason\":\"canary failed\",\"author\":\"Ann <ann@example.com>\","
	       "\"time\":\"2026-01-02T03:04:05Z\"}}",
	       "Commit: left alone under a hold: not pushed, no commit (so no author), which hold and why");
	free(t);
	json_decref(rec);

	struct gt_commit_change files[] = { { .path = "charts/app/.gitops-hold", .new_ = "aa", .changed = true } };
	struct gt_commit rb = { .repo = "r", .branch = "main", .commit = "c1", .parent = "c0", .author = "A <a@b>", .file = "charts/app",
				.changes = files, .n_changes = 1, .attempts = 1, .pushed = true, .status = "pushed", .reverted = "c9",
				.live = "c8", .hold = "charts/app/.gitops-hold" };
	rec = through_a_pipe(gt_commit_record_new(&rb));
	ok(json_array_size(json_object_get(rec, "changes")) == 1 &&
		   json_is_null(json_object_get(json_array_get(json_object_get(rec, "changes"), 0), "old")),
	   "Commit: a rollback lists its files, an added one with old null");
	is_str(json_string_value(json_object_get(rec, "reverted")), "c9", "Commit: rollback's reverted");
	is_str(json_string_value(json_object_get(rec, "live")), "c8", "Commit: rollback's live");
	is_str(json_string_value(json_object_get(rec, "hold")), "charts/app/.gitops-hold", "Commit: rollback's hold");
	ok(!json_object_get(rec, "to") && !json_object_get(rec, "released") && !json_object_get(rec, "heldBy"),
	   "Commit: what does not apply is left out");
	json_decref(rec);
}

static void test_revision(void)
{
	json_t *values = J("{'image.tag':'1.2.4'}"), *previous = J("{'image.tag':null}");
	struct gt_revision r = { .commit = "c1", .parent = "", .author = "Ann <ann@example.com>", .time = "2026-01-02T03:04:05Z",
				 .message = "Deploy", .file = "values.yaml", .values = values, .previous = previous };
	json_t *rec = through_a_pipe(gt_revision_record_new(&r));
	char *t = text_of(rec);
	is_str(t,
	       "{\"apiVersion\":\"gitops/v1\",\"kind\":\"Revision\",\"commit\":\"c1\",\"author\":\"Ann <ann@example.com>\","
	       "\"time\":\"2026-01-02T03:04:05Z\",\"message\":\"Deploy\",\"file\":\"values.yaml\",\"values\":{\"image.tag\":"
	       "\"1.2.4\"},\"previous\":{\"image.tag\":null}}",
	       "Revision: the first commit has no parent; values borrowed, not taken");
	free(t);
	json_decref(rec);
	ok(values->refcount == 1 && previous->refcount == 1, "Revision: the caller still owns values");
	json_decref(values);
	json_decref(previous);
}

static void test_cache(void)
{
	struct gt_cache_entry_record e = { .type = "git", .name = "https://example.com/r.git", .path = "/c/git/ab",
					   .bytes = 5000000000ULL, .last_used = "2026-01-02T03:04:05Z" };
	json_t *rec = through_a_pipe(gt_cache_entry_record_new(&e));
	char *t = text_of(rec);
	is_str(t,
	       "{\"apiVersion\":\"gitops/v1\",\"kind\":\"CacheEntry\",\"type\":\"git\",\"name\":\"https://example.com/r.git\","
	       "\"path\":\"/c/git/ab\",\"bytes\":5000000000,\"lastUsed\":\"2026-01-02T03:04:05Z\"}",
	       "CacheEntry: ls has no status; bytes past 32 bits");
	free(t);
	json_decref(rec);
	e.status = "in use";
	rec = gt_cache_entry_record_new(&e);
	is_str(json_string_value(json_object_get(rec, "status")), "in use", "CacheEntry: what prune or clear did is its status");
	json_decref(rec);

	struct gt_cache_usage_type types[] = { { "git", 2, 300 }, { "render", 1, 40 } };
	rec = through_a_pipe(gt_cache_usage_record_new("/c", types, 2, 3, 340));
	t = text_of(rec);
	is_str(t,
	       "{\"apiVersion\":\"gitops/v1\",\"kind\":\"CacheUsage\",\"root\":\"/c\",\"types\":{\"git\":{\"entries\":2,"
	       "\"bytes\":300},\"render\":{\"entries\":1,\"bytes\":40}},\"entries\":3,\"bytes\":340}",
	       "CacheUsage: per type and in all");
	free(t);
	json_decref(rec);
}

static void test_status(void)
{
	struct gt_status st = { .app = "web", .app_namespace = "argocd", .project = "default", .repo = "https://g/m",
				.path = "apps/web", .target_revision = "main", .revision = "0123456789012345678901234567890123456789",
				.dest_server = "https://kubernetes.default.svc", .dest_namespace = "web", .sync_policy = "Auto",
				.sync = "OutOfSync", .create = 1, .update = 2, .health = "Degraded", .message = "Deployment web/web" };
	json_t *rec = through_a_pipe(gt_status_record_new(&st));
	char *t = text_of(rec);
	is_str(t,
	       "{\"apiVersion\":\"gitops/v1\",\"kind\":\"Status\",\"app\":\"web\",\"appNamespace\":\"argocd\","
	       "\"project\":\"default\",\"repo\":\"https://g/m\",\"path\":\"apps/web\",\"targetRevision\":\"main\","
	       "\"revision\":\"0123456789012345678901234567890123456789\",\"destination\":{\"server\":"
	       "\"https://kubernetes.default.svc\",\"namespace\":\"web\"},\"syncPolicy\":\"Auto\",\"sync\":\"OutOfSync\","
	       "\"changes\":{\"create\":1,\"update\":2,\"delete\":0},\"health\":\"Degraded\",\"message\":"
	       "\"Deployment web/web\"}",
	       "Status: every field, the destination without the name it lacks, the counts under changes");
	free(t);
	struct gt_status back;
	ok(gt_status_record_read(rec, &back, NULL) == 0 && back.update == 2 && back.delete == 0 &&
		   !strcmp(back.dest_name, "") && !strcmp(back.health, "Degraded") && !strcmp(back.sync, "OutOfSync"),
	   "Status: round trip");
	json_decref(rec);
	const char *why = NULL;
	rec = J("{'apiVersion':'gitops/v1','kind':'Status','app':'web'}");
	ok(gt_status_record_read(rec, &back, &why) < 0 && strstr(why, "sync"), "Status: one without sync and health is refused");
	json_decref(rec);
}

int main(void)
{
	test_envelope();
	test_ref();
	test_action();
	test_change();
	test_result();
	test_health();
	test_commit();
	test_revision();
	test_cache();
	test_status();
	return tap_done();
}
