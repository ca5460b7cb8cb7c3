/*
 * ytree: a YAML stream read into a flat tree of nodes that know their byte ranges (internal to
 * the YAML editor: common/yamledit*.c): parsing under the limits, where things are in the bytes,
 * what a scalar reads as, and following a key path to a node.
 */
#ifndef GT_YTREE_H
#define GT_YTREE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "keypath.h"
#include "limits.h"
#include "yaml.h"

#define NO_NODE SIZE_MAX
#include <stdint.h>

enum ykind { Y_SCALAR, Y_MAP, Y_SEQ, Y_ALIAS };

struct ynode {
	enum ykind kind;
	bool flow;                 /* a flow collection, or a node inside one */
	yaml_scalar_style_t style; /* scalars */
	size_t start, end;         /* bytes; start is where an anchor or tag begins, if any */
	size_t close;              /* collections: where the closing event begins (a flow map's '}') */
	size_t after;              /* one past the last descendant: the children are the subtrees in between */
	size_t n_kids;             /* a map counts its keys and its values */
	size_t parent, doc;
	char *value; /* scalars: the value; aliases: the anchor named */
	size_t len;
	char *tag, *anchor;
};

struct ydoc {
	size_t root; /* NO_NODE until the root event */
	size_t start;
};

struct ytree {
	const char *buf;
	size_t len, bom;
	struct ynode *nodes;
	size_t n, cap;
	struct ydoc *docs;
	size_t n_docs, cap_docs;
	size_t *marks; /* the byte offset of every CHARMAP_STEP-th character after the BOM */
	size_t n_marks;
	bool ascii;                /* every character is one byte: no marks needed */
	size_t seen_idx[2], seen_b[2]; /* the last two conversions: marks come nearly in order, walks start there */
};

/* The bytes an edit of scalar i replaces, and what goes around the new text. */
struct range {
	size_t from, to;
	const char *lead;    /* before the value: " " where an empty value had no space */
	const char *comment; /* a block scalar header's comment, kept after the new value */
	size_t comment_len;
	size_t indent; /* a block scalar's content indentation; 0 when it has no content */
};

enum miss { MISS_NONE, MISS_KEY, MISS_EMPTY, MISS_NOT_MAP, MISS_NOT_LIST, MISS_ITEM, MISS_NO_DOC };

struct lookup {
	size_t node; /* found: the node at the path; missing: where the walk stopped */
	size_t seg;  /* the first segment that could not be followed */
	enum miss miss;
};

void ytree_free(struct ytree *t);
__attribute__((format(printf, 4, 5)))
void ytree_report(const char *name, const struct ytree *t, size_t pos, const char *fmt, ...);
int ytree_parse(struct ytree *t, const char *buf, size_t len, const char *name, const struct gt_limits *lim);
/* Does a value of this type fit the tag (common/yaml.c's gt_yaml_tag_kind)? */
bool ytree_tag_allows(enum gt_yaml_tag k, const json_t *v);
json_t *ytree_scalar_json(const char *s, size_t len, yaml_scalar_style_t style, const char *tag);
json_t *ytree_node_json(const struct ytree *t, size_t i);
const char *ytree_kind_name(const struct ytree *t, size_t i);
size_t ytree_value_start(const struct ytree *t, const struct ynode *n);
size_t ytree_line_start_of(const struct ytree *t, size_t pos);
size_t ytree_column_of(const struct ytree *t, size_t pos);
size_t ytree_line_end_of(const struct ytree *t, size_t pos);
const char *ytree_newline_of(const struct ytree *t);
size_t ytree_last_kid(const struct ytree *t, size_t i);
size_t ytree_content_end(const struct ytree *t, size_t i);
size_t ytree_next_line_start(const struct ytree *t, size_t pos, bool *at_eof);
size_t ytree_map_key_column(const struct ytree *t, size_t map);
size_t ytree_indent_step(const struct ytree *t);
void ytree_scalar_range(const struct ytree *t, size_t i, struct range *r);
bool ytree_scalar_is(const struct ynode *n, const char *s);
size_t ytree_anchored_node(const struct ytree *t, size_t alias);
size_t ytree_map_find(const struct ytree *t, size_t map, const char *key);
int ytree_follow(const char *name, const struct ytree *t, size_t cur, const struct gt_keypath *p, size_t s,
		size_t *next, struct lookup *lk);
int ytree_lookup_path(const char *name, const struct ytree *t, size_t doc, const struct gt_keypath *p,
		struct lookup *lk);
int ytree_find_path(const char *name, const struct ytree *t, const struct gt_keypath *p, size_t *doc,
		struct lookup *lk);
void ytree_report_missing(const char *name, const struct ytree *t, const struct gt_keypath *p,
		const struct lookup *lk, const char *hint);

#endif
