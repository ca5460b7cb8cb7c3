/* yamledit_int: what the YAML editor (common/yamledit.c) shares with its editors (yamledit_*.c); internal. */
#ifndef GT_YAMLEDIT_INT_H
#define GT_YAMLEDIT_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "keypath.h"
#include "limits.h"
#include "ytext.h"
#include "ytree.h"

struct splice {
	size_t from, to; /* the old bytes replaced */
	char *text;      /* owned */
	size_t len;
};

/* How an edit changes the sequence of nodes (document order). */
struct reshape {
	size_t from, to;    /* the old nodes [from, to) ... */
	size_t added;       /* ... become this many new ones */
	size_t grown, grow; /* a collection that gains grow children (NO_NODE: none) */
	bool new_doc;       /* the stream had no document and gets one */
};

struct gt_yamledit {
	char *buf; /* NUL-terminated */
	size_t len;
	char *name;
	struct gt_limits lim;
};

struct scalar_edit {
	size_t node;
	const char *value; /* as given */
	json_t *want;      /* what it must read back as (owned) */
};

struct image_hits {
	struct scalar_edit *eds;
	size_t n, cap, matched;
	size_t first; /* the first matching image node */
};

/* common/yamledit.c: writing, checking and committing an edit; adding keys. */
void yedit_add_new_value(struct text *t, const char *v, bool as_string, bool flow);
int yedit_cmp_size(const void *a, const void *b);
void yedit_commit(struct gt_yamledit *e, char *buf, size_t len);
int yedit_write_scalars(struct gt_yamledit *e, const struct ytree *t, const struct scalar_edit *eds, size_t n,
		const char *what);
void yedit_add_lines_at(struct text *out, bool at_eof, const struct text *lines, const char *nl, bool file_empty);
size_t yedit_root_insert_pos(const struct ytree *t, size_t root, bool *at_eof);
int yedit_commit_insert(struct gt_yamledit *e, const struct ytree *t, struct splice *sp, const struct reshape *r,
		size_t doc, const struct gt_keypath *const *paths, json_t *const *wants, size_t n,
		const char *what);
int yedit_set_path(struct gt_yamledit *e, const struct gt_keypath *p, const char *value, unsigned flags, char **old);

/* common/yamledit_containers.c: the containers' images of a file (for the Helm values editor too). */
/* --image's NAME and REF: 0, or -1 after printing (no repository, a bad reference). */
int yedit_image_args_ok(const struct gt_yamledit *e, const char *repo, const char *ref);
size_t yedit_key_of(const struct ytree *t, size_t v);
bool yedit_is_container_image(const struct ytree *t, size_t v);
int yedit_find_container_images(const char *name, const struct ytree *t, const char *repo, const char *ref,
		struct image_hits *h);

#endif
