/*
 * hold: the .gitops-hold file. gitops-rollback writes DIR/.gitops-hold when it rolls DIR back, and
 * removes it on --release; gitops-set-image leaves every file below a held directory alone. The
 * file is YAML, so people and tools can read why, since when and by whom; this module is the one
 * place that writes, reads and looks it up.
 */
#ifndef GT_HOLD_H
#define GT_HOLD_H

#include <stddef.h>

#define GT_HOLD_FILE ".gitops-hold"

/*
 * What a hold says. Every field may be NULL: a hold written by hand may say nothing, and still
 * holds. Strings owned by the struct (gt_hold_clear frees them) once read; borrowed when
 * written from a struct the caller filled.
 */
struct gt_hold {
	const char *file;     /* where it is: DIR/.gitops-hold (read only; not written into the file) */
	const char *dir;      /* DIR, "" for the top of the repository (read only) */
	const char *reason;   /* why */
	const char *reverted; /* the commit the rollback undid */
	const char *live;     /* the deploy live while held */
	const char *author;   /* "Name <email>" of who held it */
	const char *time;     /* when, UTC, 2006-01-02T15:04:05Z */
};

/* DIR/.gitops-hold, or .gitops-hold for dir "" (the top). Caller frees; NULL when out of memory. */
char *gt_hold_path_new(const char *dir);

/*
 * The file's bytes for h (reason, reverted, live, author, time; NULL fields left out, but time,
 * which is now when NULL), after a comment saying how to lift it ('gitops-rollback --release
 * --path DIR'; dir "" is the top).
 * 0 with *buf (malloc'd) and *len, or -1 after printing (out of memory).
 */
int gt_hold_write(const struct gt_hold *h, const char *dir, char **buf, size_t *len);

/*
 * Read the bytes of the hold file at path (DIR/.gitops-hold) into *out: its fields when it is a
 * YAML map, none when it is empty, not YAML or not a map (it still holds). 0, or -1 after
 * printing (out of memory).
 */
int gt_hold_parse(const char *buf, size_t len, const char *path, struct gt_hold *out);

/* Read path: 0 with *buf (malloc'd) and *len, 1 when it does not exist, -1 after printing. */
typedef int (*gt_hold_read_fn)(void *ctx, const char *path, char **buf, size_t *len);

/*
 * A gt_hold_read_fn for holds on disk; ctx points to the size_t limit of a file's bytes. A hold
 * that is a symbolic link is an error (-1, printed): it would be followed to someone else's file
 * or, dangling, read as no hold.
 */
int gt_hold_read_disk(void *ctx, const char *path, char **buf, size_t *len);

/*
 * The hold over file: the nearest .gitops-hold in file's directory or one above it, up to the
 * top. 1 held (*out filled; gt_hold_clear it), 0 not held, -1 after printing.
 */
int gt_hold_find(const char *file, gt_hold_read_fn read, void *ctx, struct gt_hold *out);

/* What follows "held" in a message: " by NAME <EMAIL> since TIME: REASON", the parts h has ("" for none), into buf. */
void gt_hold_describe(const struct gt_hold *h, char *buf, size_t size);

/* Free what gt_hold_parse or gt_hold_find filled in; h may be NULL. */
void gt_hold_clear(struct gt_hold *h);

#endif
