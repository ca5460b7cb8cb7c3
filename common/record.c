/* record: every gitops/v1 record kind written and read in one place, one field vocabulary. */
#include "record.h"

#include <string.h>

#include "stream.h"

json_t *gt_record_new(const char *kind)
{
	return json_pack("{s:s, s:s}", "apiVersion", GT_RECORD_API_VERSION, "kind", kind);
}

const char *gt_record_kind(const json_t *rec)
{
	return gt_is_record(rec) ? json_string_value(json_object_get(rec, "kind")) : NULL;
}

static bool is_kind(const json_t *rec, const char *kind)
{
	const char *k = gt_record_kind(rec);
	return k && !strcmp(k, kind);
}

/* Set key to a string, or leave it out when v is NULL. 0, or -1 when out of memory. */
static int set_str(json_t *rec, const char *key, const char *v)
{
	return !v || json_object_set_new(rec, key, json_string(v)) == 0 ? 0 : -1;
}

/* Set key to a string, or to null when v is NULL or "". */
static int set_str_or_null(json_t *rec, const char *key, const char *v)
{
	return json_object_set_new(rec, key, v && *v ? json_string(v) : json_null());
}

/* The record built so far, or NULL (and rec released) when a step ran out of memory. */
static json_t *built(json_t *rec, int failed)
{
	if (failed) {
		json_decref(rec);
		return NULL;
	}
	return rec;
}

/* ---- ref ---- */

static const char *const ref_fields[] = { "group", "version", "kind", "namespace", "name" };
#define N_REF_FIELDS (sizeof(ref_fields) / sizeof(ref_fields[0]))

json_t *gt_ref_json_new(const struct gt_ref *ref)
{
	const char *v[N_REF_FIELDS] = { ref->group, ref->version, ref->kind, ref->namespace, ref->name };
	json_t *j = json_object();
	int failed = !j;
	for (size_t i = 0; !failed && i < N_REF_FIELDS; i++)
		failed = json_object_set_new(j, ref_fields[i], json_string(v[i] ? v[i] : "")) < 0;
	return built(j, failed);
}

int gt_record_ref(const json_t *rec, struct gt_ref *ref, const char **why)
{
	const json_t *j = json_object_get(rec, "ref");
	const char *v[N_REF_FIELDS];
	const char *dummy;
	if (!why)
		why = &dummy;
	memset(ref, 0, sizeof(*ref));
	if (!json_is_object(j))
		return *why = "no ref {group, version, kind, namespace, name}", -1;
	for (size_t i = 0; i < N_REF_FIELDS; i++) {
		const json_t *f = json_object_get(j, ref_fields[i]);
		if (f && !json_is_string(f))
			return *why = "a field of ref is not a string", -1;
		v[i] = f ? json_string_value(f) : "";
	}
	if (strlen(v[0]) > GT_GROUP_MAX)
		return *why = "ref.group is longer than an API group can be", -1;
	memcpy(ref->group, v[0], strlen(v[0]) + 1);
	ref->version = v[1];
	ref->kind = v[2];
	ref->namespace = v[3];
	ref->name = v[4];
	return 0;
}

/* ---- action ---- */

static const enum gt_action all_actions[] = { GT_ACTION_UNCHANGED, GT_ACTION_CREATE, GT_ACTION_UPDATE,
					      GT_ACTION_DELETE };

const char *gt_action_name(enum gt_action a)
{
	switch (a) {
	case GT_ACTION_UNCHANGED:
		return "unchanged";
	case GT_ACTION_CREATE:
		return "create";
	case GT_ACTION_UPDATE:
		return "update";
	case GT_ACTION_DELETE:
		return "delete";
	default:
		return "invalid";
	}
}

enum gt_action gt_action_parse(const char *name)
{
	for (size_t i = 0; name && i < sizeof(all_actions) / sizeof(all_actions[0]); i++)
		if (!strcmp(name, gt_action_name(all_actions[i])))
			return all_actions[i];
	return GT_ACTION_INVALID;
}

/* ---- Change ---- */

json_t *gt_change_record_new(enum gt_action a, const struct gt_ref *ref, json_t *desired, json_t *live, json_t *patch,
			     bool ignored)
{
	json_t *rec = gt_record_new("Change");
	int failed = !rec;
	failed = failed || set_str(rec, "action", gt_action_name(a)) < 0;
	failed = failed || json_object_set_new(rec, "ref", gt_ref_json_new(ref)) < 0;
	/* set_new takes each reference even when it fails: nothing is released twice */
	if (!failed)
		failed = json_object_set_new(rec, "desired", desired ? desired : json_null()) < 0;
	else
		json_decref(desired);
	if (!failed)
		failed = json_object_set_new(rec, "live", live ? live : json_null()) < 0;
	else
		json_decref(live);
	if (!failed)
		failed = json_object_set_new(rec, "patch", patch ? patch : json_null()) < 0;
	else
		json_decref(patch);
	if (!failed && ignored)
		failed = json_object_set_new(rec, "ignored", json_true()) < 0;
	return built(rec, failed);
}

bool gt_is_change(const json_t *rec)
{
	return is_kind(rec, "Change");
}

enum gt_action gt_change_action(const json_t *change)
{
	return gt_action_parse(json_string_value(json_object_get(change, "action")));
}

const json_t *gt_change_desired(const json_t *change)
{
	const json_t *d = json_object_get(change, "desired");
	return json_is_object(d) ? d : NULL;
}

const json_t *gt_change_live(const json_t *change)
{
	const json_t *l = json_object_get(change, "live");
	return json_is_object(l) ? l : NULL;
}

bool gt_change_ignored(const json_t *change)
{
	return json_is_true(json_object_get(change, "ignored"));
}

bool gt_change_hook(const json_t *change)
{
	return json_is_true(json_object_get(change, "hook"));
}

int gt_change_check(const json_t *change, const char **why)
{
	if (!gt_is_change(change))
		return *why = "not a Change record (apiVersion gitops/v1, kind Change)", -1;
	enum gt_action a = gt_change_action(change);
	if (a == GT_ACTION_INVALID)
		return *why = "action is not create, update, delete or unchanged", -1;
	/* A record is a plan made by gitops-diff, which writes every field: one missing is not ours. */
	const json_t *ref = json_object_get(change, "ref");
	for (size_t i = 0; i < N_REF_FIELDS; i++)
		if (!json_is_string(json_object_get(ref, ref_fields[i])))
			return *why = "ref needs group, version, kind, namespace and name as strings", -1;
	if (a != GT_ACTION_DELETE && !gt_change_desired(change))
		return *why = "a create, update or unchanged record needs the desired object", -1;
	if (a != GT_ACTION_CREATE && !gt_change_live(change))
		return *why = "an update, delete or unchanged record needs the live object", -1;
	if (!json_is_array(json_object_get(change, "patch")))
		return *why = "patch is not an array", -1;
	return 0;
}

/* ---- Result ---- */

json_t *gt_result_record_new(const struct gt_result *r)
{
	json_t *rec = gt_record_new("Result");
	int failed = !rec;
	failed = failed || json_object_set_new(rec, "ref", gt_ref_json_new(&r->ref)) < 0;
	failed = failed || set_str(rec, "action", gt_action_name(r->action)) < 0;
	failed = failed || set_str(rec, "status", r->status ? r->status : "") < 0;
	failed = failed || set_str(rec, "message", r->message ? r->message : "") < 0;
	failed = failed || json_object_set_new(rec, "wave", json_integer((json_int_t)r->wave)) < 0;
	failed = failed || set_str(rec, "phase", r->phase ? r->phase : "") < 0;
	if (!failed && r->hook)
		failed = json_object_set_new(rec, "hook", json_true()) < 0;
	failed = failed || set_str(rec, "health", r->health) < 0;
	return built(rec, failed);
}

int gt_result_record_read(const json_t *rec, struct gt_result *r, const char **why)
{
	const char *dummy;
	if (!why)
		why = &dummy;
	memset(r, 0, sizeof(*r));
	if (!is_kind(rec, "Result"))
		return *why = "not a Result record (apiVersion gitops/v1, kind Result)", -1;
	if (gt_record_ref(rec, &r->ref, why) < 0)
		return -1;
	r->action = gt_action_parse(json_string_value(json_object_get(rec, "action")));
	r->status = json_string_value(json_object_get(rec, "status"));
	r->message = json_string_value(json_object_get(rec, "message"));
	if (!r->message)
		r->message = "";
	r->wave = (long)json_integer_value(json_object_get(rec, "wave"));
	r->phase = json_string_value(json_object_get(rec, "phase"));
	r->hook = json_is_true(json_object_get(rec, "hook"));
	r->health = json_string_value(json_object_get(rec, "health"));
	return 0;
}

/* ---- Health ---- */

json_t *gt_health_record_new(const struct gt_ref *ref, const char *health, const char *message)
{
	json_t *rec = gt_record_new("Health");
	int failed = !rec;
	failed = failed || json_object_set_new(rec, "ref", gt_ref_json_new(ref)) < 0;
	failed = failed || set_str(rec, "health", health ? health : "") < 0;
	failed = failed || set_str(rec, "message", message ? message : "") < 0;
	return built(rec, failed);
}

int gt_health_record_read(const json_t *rec, struct gt_health_record *h, const char **why)
{
	const char *dummy;
	if (!why)
		why = &dummy;
	memset(h, 0, sizeof(*h));
	if (!is_kind(rec, "Health"))
		return *why = "not a Health record (apiVersion gitops/v1, kind Health)", -1;
	if (gt_record_ref(rec, &h->ref, why) < 0)
		return -1;
	h->health = json_string_value(json_object_get(rec, "health"));
	if (!h->health) /* the name Health records had before health was one field name across kinds */
		h->health = json_string_value(json_object_get(rec, "status"));
	if (!h->health)
		return *why = "a Health record needs health as a string", -1;
	h->message = json_string_value(json_object_get(rec, "message"));
	if (!h->message)
		h->message = "";
	return 0;
}

/* ---- Commit ---- */

static json_t *commit_change_new(const struct gt_commit_change *c)
{
	json_t *j = json_object();
	int failed = !j;
	failed = failed || set_str(j, "path", c->path ? c->path : "") < 0;
	failed = failed || json_object_set_new(j, "old", c->old ? json_string(c->old) : json_null()) < 0;
	failed = failed || json_object_set_new(j, "new", c->new_ ? json_string(c->new_) : json_null()) < 0;
	failed = failed || json_object_set_new(j, "changed", json_boolean(c->changed)) < 0;
	failed = failed || set_str(j, "name", c->name) < 0;
	return built(j, failed);
}

/* The hold as the file says it, and where it is. */
static json_t *held_by_new(const struct gt_hold *h)
{
	json_t *j = json_object();
	int failed = !j;
	failed = failed || set_str(j, "file", h->file) < 0;
	failed = failed || set_str(j, "reason", h->reason) < 0;
	failed = failed || set_str(j, "author", h->author) < 0;
	failed = failed || set_str(j, "time", h->time) < 0;
	failed = failed || set_str(j, "reverted", h->reverted) < 0;
	failed = failed || set_str(j, "live", h->live) < 0;
	return built(j, failed);
}

json_t *gt_commit_record_new(const struct gt_commit *c)
{
	json_t *rec = gt_record_new("Commit"), *changes = json_array();
	int failed = !rec || !changes;
	for (size_t i = 0; !failed && i < c->n_changes; i++)
		failed = json_array_append_new(changes, commit_change_new(&c->changes[i])) < 0;
	failed = failed || set_str_or_null(rec, "repo", c->repo) < 0;
	failed = failed || set_str_or_null(rec, "branch", c->branch) < 0;
	failed = failed || set_str_or_null(rec, "commit", c->commit) < 0;
	failed = failed || set_str_or_null(rec, "parent", c->parent) < 0;
	failed = failed || set_str(rec, "author", c->commit && *c->commit ? c->author : NULL) < 0;
	failed = failed || set_str(rec, "file", c->file ? c->file : "") < 0;
	if (!failed) {
		failed = json_object_set_new(rec, "changes", changes) < 0;
		changes = NULL;
	}
	failed = failed || json_object_set_new(rec, "attempts", json_integer((json_int_t)c->attempts)) < 0;
	failed = failed || json_object_set_new(rec, "pushed", json_boolean(c->pushed)) < 0;
	failed = failed || set_str(rec, "status", c->status ? c->status : "") < 0;
	failed = failed || set_str(rec, "reverted", c->reverted) < 0;
	failed = failed || set_str(rec, "to", c->to) < 0;
	failed = failed || set_str(rec, "live", c->live) < 0;
	failed = failed || set_str(rec, "hold", c->hold) < 0;
	if (!failed && c->released)
		failed = json_object_set_new(rec, "released", json_true()) < 0;
	if (!failed && c->held_by)
		failed = json_object_set_new(rec, "heldBy", held_by_new(c->held_by)) < 0;
	json_decref(changes);
	return built(rec, failed);
}

/* ---- Revision ---- */

json_t *gt_revision_record_new(const struct gt_revision *r)
{
	json_t *rec = gt_record_new("Revision");
	int failed = !rec;
	failed = failed || set_str(rec, "commit", r->commit ? r->commit : "") < 0;
	failed = failed || set_str(rec, "parent", r->parent && *r->parent ? r->parent : NULL) < 0;
	failed = failed || set_str(rec, "author", r->author ? r->author : "") < 0;
	failed = failed || set_str(rec, "time", r->time ? r->time : "") < 0;
	failed = failed || set_str(rec, "message", r->message ? r->message : "") < 0;
	failed = failed || set_str(rec, "file", r->file) < 0;
	if (!failed && r->values)
		failed = json_object_set(rec, "values", r->values) < 0;
	if (!failed && r->previous)
		failed = json_object_set(rec, "previous", r->previous) < 0;
	return built(rec, failed);
}

/* ---- Status ---- */

json_t *gt_status_record_new(const struct gt_status *s)
{
	json_t *rec = gt_record_new("Status"), *dest = json_object();
	const char *strs[][2] = { { "app", s->app }, { "appNamespace", s->app_namespace }, { "project", s->project },
				  { "repo", s->repo }, { "path", s->path }, { "targetRevision", s->target_revision },
				  { "revision", s->revision } };
	int failed = !rec || !dest;
	for (size_t i = 0; !failed && i < sizeof(strs) / sizeof(strs[0]); i++)
		failed = set_str(rec, strs[i][0], strs[i][1] ? strs[i][1] : "") < 0;
	failed = failed || set_str(dest, "server", s->dest_server) < 0 || set_str(dest, "name", s->dest_name) < 0 ||
		 set_str(dest, "namespace", s->dest_namespace) < 0;
	failed = failed || json_object_set(rec, "destination", dest) < 0;
	failed = failed || set_str(rec, "syncPolicy", s->sync_policy ? s->sync_policy : "") < 0;
	failed = failed || set_str(rec, "sync", s->sync ? s->sync : "Unknown") < 0;
	failed = failed || json_object_set_new(rec, "changes", json_pack("{s:I, s:I, s:I}", "create", (json_int_t)s->create,
									 "update", (json_int_t)s->update, "delete",
									 (json_int_t)s->delete)) < 0;
	failed = failed || set_str(rec, "health", s->health ? s->health : "Unknown") < 0;
	failed = failed || set_str(rec, "message", s->message ? s->message : "") < 0;
	json_decref(dest);
	return built(rec, failed);
}

static const char *str_or_empty(const json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));
	return v ? v : "";
}

static size_t count_of(const json_t *changes, const char *action)
{
	json_int_t n = json_integer_value(json_object_get(changes, action));
	return n > 0 ? (size_t)n : 0;
}

int gt_status_record_read(const json_t *rec, struct gt_status *s, const char **why)
{
	const char *dummy;
	const json_t *dest = json_object_get(rec, "destination"), *changes = json_object_get(rec, "changes");
	if (!why)
		why = &dummy;
	memset(s, 0, sizeof(*s));
	if (!is_kind(rec, "Status"))
		return *why = "not a Status record (apiVersion gitops/v1, kind Status)", -1;
	if (!json_string_value(json_object_get(rec, "app")) || !json_string_value(json_object_get(rec, "sync")) ||
	    !json_string_value(json_object_get(rec, "health")))
		return *why = "a Status record needs app, sync and health", -1;
	s->app = str_or_empty(rec, "app"), s->app_namespace = str_or_empty(rec, "appNamespace");
	s->project = str_or_empty(rec, "project"), s->repo = str_or_empty(rec, "repo"), s->path = str_or_empty(rec, "path");
	s->target_revision = str_or_empty(rec, "targetRevision"), s->revision = str_or_empty(rec, "revision");
	s->dest_server = str_or_empty(dest, "server"), s->dest_name = str_or_empty(dest, "name");
	s->dest_namespace = str_or_empty(dest, "namespace");
	s->sync_policy = str_or_empty(rec, "syncPolicy"), s->sync = str_or_empty(rec, "sync");
	s->create = count_of(changes, "create"), s->update = count_of(changes, "update");
	s->delete = count_of(changes, "delete");
	s->health = str_or_empty(rec, "health"), s->message = str_or_empty(rec, "message");
	return 0;
}

/* ---- CacheEntry, CacheUsage ---- */

json_t *gt_cache_entry_record_new(const struct gt_cache_entry_record *e)
{
	json_t *rec = gt_record_new("CacheEntry");
	int failed = !rec;
	failed = failed || set_str(rec, "type", e->type ? e->type : "") < 0;
	failed = failed || set_str(rec, "name", e->name ? e->name : "") < 0;
	failed = failed || set_str(rec, "path", e->path ? e->path : "") < 0;
	failed = failed || json_object_set_new(rec, "bytes", json_integer((json_int_t)e->bytes)) < 0;
	failed = failed || set_str(rec, "lastUsed", e->last_used ? e->last_used : "") < 0;
	failed = failed || set_str(rec, "status", e->status) < 0;
	return built(rec, failed);
}

json_t *gt_cache_usage_record_new(const char *root, const struct gt_cache_usage_type *types, size_t n, size_t entries,
				  unsigned long long bytes)
{
	json_t *rec = gt_record_new("CacheUsage"), *by_type = json_object();
	int failed = !rec || !by_type;
	for (size_t i = 0; !failed && i < n; i++)
		failed = json_object_set_new(by_type, types[i].type,
					     json_pack("{s:I,s:I}", "entries", (json_int_t)types[i].entries, "bytes",
						       (json_int_t)types[i].bytes)) < 0;
	failed = failed || set_str(rec, "root", root ? root : "") < 0;
	if (!failed) {
		failed = json_object_set_new(rec, "types", by_type) < 0; /* taken, also on failure */
		by_type = NULL;
	}
	failed = failed || json_object_set_new(rec, "entries", json_integer((json_int_t)entries)) < 0;
	failed = failed || json_object_set_new(rec, "bytes", json_integer((json_int_t)bytes)) < 0;
	json_decref(by_type);
	return built(rec, failed);
}
