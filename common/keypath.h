/* keypath: the key paths of --set (a.b[0].c, list[name=web]): parse, build, look up in parsed JSON. */
#ifndef GT_KEYPATH_H
#define GT_KEYPATH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Key paths (--set KEY=VALUE): dotted map keys, "image.tag", "apps.web.image.tag";
 * "\." is a literal dot inside a key; "[N]" indexes a list (0-based);
 * "[name=web]" picks the list item (a map) whose "name" is web (more than one
 * such item is an error). "\[", "\]", "\=" and "\\" escape those characters.
 * Keys match a map key's text exactly ("8080" matches 8080:). Examples:
 *   spec.template.spec.containers[name=web].image     a\.b.c     items[0].value
 */
struct gt_keypath;
/* Parse key; NULL with *why (static text) on a syntax error ("a..b", "a[", "[x=]", ...). */
struct gt_keypath *gt_keypath_parse(const char *key, const char **why);
void gt_keypath_free(struct gt_keypath *p);
/* The value at p in doc (borrowed), or NULL when the path does not lead anywhere. */
json_t *gt_keypath_lookup(const struct gt_keypath *p, json_t *doc);

/* ---- the parsed form, for the YAML editor's walk (common/ytree.c) and its editors ---- */

enum seg_kind { SEG_KEY, SEG_INDEX, SEG_MATCH };

struct seg {
	enum seg_kind kind;
	char *key;    /* SEG_KEY: the map key; SEG_MATCH: the field compared */
	char *value;  /* SEG_MATCH: the value that field must have */
	size_t index; /* SEG_INDEX */
	size_t end;   /* where the segment ends in the path's text, for messages */
};

struct gt_keypath {
	char *text;
	struct seg *segs;
	size_t n, cap;
};

/* A path built in code, segment by segment (its text written as they come); -1 out of memory. */
struct gt_keypath *gt_keypath_new(void);
int gt_keypath_add_key(struct gt_keypath *p, const char *key);
int gt_keypath_add_match(struct gt_keypath *p, const char *field, const char *value);
int gt_keypath_prefix_len(const struct gt_keypath *p, size_t s);

#endif
