/* gitops-set-image's own declarations, shared by its files only. */
#ifndef SETIMAGE_H
#define SETIMAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "git.h"
#include "hold.h"
#include "limits.h"

enum edit_kind { EDIT_SET, EDIT_SET_STRING, EDIT_IMAGE };

/* --if-held: what a file under a hold gets. */
enum if_held { IF_HELD_FAIL, IF_HELD_SKIP };

/* One --set, --set-string or --image, and what it found on the last attempt. */
struct edit {
	enum edit_kind kind;
	char *key;   /* key path, or the image name for --image */
	char *value; /* new value, or the image reference for --image */
	char *old;   /* value before, NULL when created or not yet applied */
	char *path;  /* --image: the key path it set (a Helm values file's image.tag), NULL: none to name */
	bool changed;
};

struct setimage_opts {
	struct gt_git_opts git;
	const char *repo, *branch, *file, *message, *author;
	struct edit *edits; /* in command-line order */
	size_t n_edits, alloc_edits;
	bool skip_ci, create, force, override_hold, dry_run, allow_any_value;
	enum if_held if_held;
	unsigned long max_attempts; /* 0: no limit but --timeout */
	enum gt_format format;
	struct gt_limits lim;
};

/* Result of apply_edits besides 0/1/-1: a guard stopped it (exit 1). */
#define EDIT_REFUSED 2

/*
 * Apply every edit to buf (the file's bytes; name for messages). 1 with *out
 * (malloc'd) when something changed, 0 when every value was already set,
 * EDIT_REFUSED when a value would go back in version (printed; not with
 * --force), -1 after printing an error.
 */
int apply_edits(struct setimage_opts *o, const char *name, const char *buf, size_t len, char **out, size_t *out_len);

/* The commit message: --message or "Update FILE: KEY OLD -> NEW, ...", plus [skip ci]. Caller frees. */
char *commit_message_new(const struct setimage_opts *o);

/*
 * May o->file be changed, given the holds read through read (at the branch tip, or on disk)?
 * HOLD_FREE (no hold over it, or --override-hold), HOLD_REFUSED (said; exit 1), HOLD_SKIP
 * (--if-held skip: left alone, *held says by whom; gt_hold_clear it), or -1 after printing.
 */
enum { HOLD_FREE = 0, HOLD_REFUSED = 1, HOLD_SKIP = 2 };
int hold_check(const struct setimage_opts *o, gt_hold_read_fn read, void *ctx, struct gt_hold *held);

/* Refuse (-1, printed) an empty value, a bad image tag where the key is a tag, an unexpanded
 * $(VAR)/${VAR}/$[expr]/$VAR: each a CI variable gone wrong. 0 when fine or --allow-any-value. */
int check_values(const struct setimage_opts *o);

/* True when new_value and old_value are both build ids or both semver and new_value is older. */
bool version_is_older(const char *new_value, const char *old_value);

#endif
