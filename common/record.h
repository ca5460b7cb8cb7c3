/*
 * record: the tools' own records ("apiVersion": "gitops/v1"): Change, Result, Health, Commit,
 * Revision, Status, CacheEntry and CacheUsage, each written and read here and nowhere else, with one field vocabulary across kinds
 * (docs/man/gitops-tools.7, STREAMS, Records): ref is the object a record is about, action what a change
 * does to it, status what the tool did (ok, failed, pushed, held, ...), health how the object runs
 * (Healthy, Degraded, ...), message a line for people. Readers take the names older versions
 * wrote as well (a Health record named its health "status" before the vocabulary was one).
 */
#ifndef GT_RECORD_H
#define GT_RECORD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "hold.h"
#include "obj.h"

#define GT_RECORD_API_VERSION "gitops/v1"

/* {"apiVersion": "gitops/v1", "kind": kind}: how every record starts. New reference; NULL when out of memory. */
json_t *gt_record_new(const char *kind);
/* The kind of a gitops/v1 record; NULL when rec is not one (an object, or no kind). */
const char *gt_record_kind(const json_t *rec);

/* ---- ref: {group, version, kind, namespace, name} ---- */

/* ref as a record writes it (NULL strings as ""). New reference; NULL when out of memory. */
json_t *gt_ref_json_new(const struct gt_ref *ref);
/*
 * The ref of rec into *ref: strings borrowed from rec, absent ones "", the group copied. 0, or -1
 * with *why (static text; why may be NULL) when ref is missing or not a map, a field is not a
 * string, or the group is longer than a group can be.
 */
int gt_record_ref(const json_t *rec, struct gt_ref *ref, const char **why);

/* ---- action: what a change does to an object (Change, Result) ---- */

enum gt_action { GT_ACTION_INVALID = -1, GT_ACTION_UNCHANGED, GT_ACTION_CREATE, GT_ACTION_UPDATE, GT_ACTION_DELETE };

/* "unchanged", "create", "update", "delete" ("invalid" for GT_ACTION_INVALID). */
const char *gt_action_name(enum gt_action a);
/* The action named name, or GT_ACTION_INVALID (also for NULL). */
enum gt_action gt_action_parse(const char *name);

/* ---- Change: gitops-diff ---- */

/*
 * {kind Change, action, ref, desired, live, patch} and "ignored": true when ignored. desired, live
 * and patch are taken (their references stolen; NULL is written as null). New reference, or NULL
 * when out of memory (the stolen references released).
 */
json_t *gt_change_record_new(enum gt_action a, const struct gt_ref *ref, json_t *desired, json_t *live, json_t *patch,
			     bool ignored);
/* apiVersion gitops/v1, kind Change. */
bool gt_is_change(const json_t *rec);
/* The record's action, or GT_ACTION_INVALID. */
enum gt_action gt_change_action(const json_t *change);
/* 0 when change is a well-formed Change (action, ref, desired for create/update, live for delete, patch array); else -1 and *why. */
int gt_change_check(const json_t *change, const char **why);
/* Borrowed desired / live object, or NULL. */
const json_t *gt_change_desired(const json_t *change);
const json_t *gt_change_live(const json_t *change);
/* A delete of an object marked IgnoreExtraneous: reported, not a difference, never pruned. */
bool gt_change_ignored(const json_t *change);
/* "hook": true: compared with the cluster, a hook Argo CD runs at sync and never compares; not counted. */
bool gt_change_hook(const json_t *change);

/* ---- Result: gitops-apply, one per object ---- */

struct gt_result {
	struct gt_ref ref;
	enum gt_action action;
	const char *status;  /* ok, failed, skipped, planned */
	const char *message; /* why it failed or was skipped; "" or NULL when nothing to say */
	long wave;
	const char *phase;   /* PreSync, Sync, PostSync, SyncFail */
	bool hook;
	const char *health;  /* after a wait; NULL when not waited for */
};

/* The Result record of r. New reference; NULL when out of memory. */
json_t *gt_result_record_new(const struct gt_result *r);
/* A Result record into *r (strings borrowed from rec; absent ones NULL, message ""). 0, or -1 with *why when rec is not one. */
int gt_result_record_read(const json_t *rec, struct gt_result *r, const char **why);

/* ---- Health: gitops-health ---- */

struct gt_health_record {
	struct gt_ref ref;
	const char *health;  /* Healthy, Suspended, Progressing, Missing, Degraded, Unknown */
	const char *message; /* "" when none */
};

/* {kind Health, ref, health, message}. New reference; NULL when out of memory. */
json_t *gt_health_record_new(const struct gt_ref *ref, const char *health, const char *message);
/*
 * A Health record into *h (strings borrowed from rec): health from "health", or from "status" as
 * older Health records named it. 0, or -1 with *why when rec is not a Health record or has no health.
 */
int gt_health_record_read(const json_t *rec, struct gt_health_record *h, const char **why);

/* ---- Commit: gitops-set-image, gitops-rollback ---- */

/* One change of a Commit record: a key's value in the file (set-image), or a file of the commit (rollback). */
struct gt_commit_change {
	const char *path;  /* the key path (set-image; "image" for --image), or the file's path (rollback) */
	const char *name;  /* --image: the image name; else NULL (left out) */
	const char *old;   /* the value (set-image) or blob id (rollback) before; NULL: none (written null) */
	const char *new_;  /* after; NULL: none (written null) */
	bool changed;      /* false: the value was already set */
};

struct gt_commit {
	const char *repo;      /* URL without credentials; NULL (written null) for a file on disk */
	const char *branch;    /* NULL (written null) for a file on disk */
	const char *commit;    /* the commit made; NULL or "": none */
	const char *parent;    /* the tip it was made on; NULL or "": none */
	const char *author;    /* "Name <email>" of the commit; NULL: none made */
	const char *file;      /* the file edited, or the path rolled back ("" the whole repository) */
	const struct gt_commit_change *changes;
	size_t n_changes;
	unsigned attempts;     /* pushes tried */
	bool pushed;
	const char *status;    /* pushed, written, dry-run, unchanged, held */
	/* gitops-rollback (NULL / false: left out) */
	const char *reverted;  /* the commit undone */
	const char *to;        /* --to: the commit PATH went back to */
	const char *live;      /* the deploy live once this lands */
	const char *hold;      /* the hold file this commit writes */
	bool released;         /* --release: the hold removed */
	/* a file left alone because a hold covers it (gitops-set-image --if-held skip) */
	const struct gt_hold *held_by;
};

/* The Commit record of c; changes always written (an empty list when none). New reference; NULL when out of memory. */
json_t *gt_commit_record_new(const struct gt_commit *c);

/* ---- Revision: gitops-history ---- */

struct gt_revision {
	const char *commit, *parent; /* parent NULL or "": none (the first commit) */
	const char *author;          /* "Name <email>" */
	const char *time;            /* committer time, UTC, 2006-01-02T15:04:05Z */
	const char *message;         /* the subject */
	const char *file;            /* with --key: the file read, else NULL (left out) */
	json_t *values, *previous;   /* with --key: {key: value} at the commit and before it; borrowed; NULL: left out */
};

/* The Revision record of r. New reference; NULL when out of memory. */
json_t *gt_revision_record_new(const struct gt_revision *r);

/* ---- Status: gitops-status, one per Argo CD Application ---- */

struct gt_status {
	const char *app, *app_namespace, *project;        /* the Application: metadata.name, .namespace, spec.project */
	const char *repo, *path, *target_revision;        /* its source (the first that renders, of several) */
	const char *revision;                             /* the commit targetRevision resolved to (full SHA); "" unknown */
	const char *dest_server, *dest_name, *dest_namespace; /* destination (NULL: left out) */
	const char *sync_policy;                          /* Manual, Auto, Auto-Prune (as argocd app list) */
	const char *sync;                                 /* Synced, OutOfSync, Unknown */
	size_t create, update, delete;                    /* changes a sync would make */
	const char *health;                               /* Healthy, Suspended, Progressing, Missing, Degraded, Unknown */
	const char *message;                              /* the first problem, naming the object; "" none */
};

/* {kind Status, app, appNamespace, project, repo, path, targetRevision, revision, destination {server, name,
 * namespace}, syncPolicy, sync, changes {create, update, delete}, health, message}. New reference; NULL when out of memory. */
json_t *gt_status_record_new(const struct gt_status *s);
/* A Status record into *s (strings borrowed from rec; absent ones ""). 0, or -1 with *why when rec is not one. */
int gt_status_record_read(const json_t *rec, struct gt_status *s, const char **why);

/* ---- CacheEntry, CacheUsage: gitops-cache ---- */

struct gt_cache_entry_record {
	const char *type;      /* git, helm, render, ... (gt_cache_kind_name) */
	const char *name, *path;
	unsigned long long bytes;
	const char *last_used; /* UTC, 2006-01-02T15:04:05Z */
	const char *status;    /* what prune or clear did (removed, in use, planned); NULL for ls (left out) */
};

/* The CacheEntry record of e. New reference; NULL when out of memory. */
json_t *gt_cache_entry_record_new(const struct gt_cache_entry_record *e);

/* One type's share of the cache in a CacheUsage record. */
struct gt_cache_usage_type {
	const char *type;
	size_t entries;
	unsigned long long bytes;
};

/* {kind CacheUsage, root, types {TYPE: {entries, bytes}}, entries, bytes}: the n types given and the whole cache. New reference; NULL when out of memory. */
json_t *gt_cache_usage_record_new(const char *root, const struct gt_cache_usage_type *types, size_t n, size_t entries,
				  unsigned long long bytes);

#endif
