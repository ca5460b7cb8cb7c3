/* jsonpatch: JSON values compared by value, RFC 6901 pointers and RFC 6902 patches (made and applied). */
#ifndef GT_JSONPATCH_H
#define GT_JSONPATCH_H

#include <jansson.h>
#include <stdbool.h>

#include "vec.h"

/* Equal as JSON values, numbers by value (1 == 1.0), object keys in any order. */
bool gt_json_equal_value(const json_t *a, const json_t *b);

/* RFC 6902 patch (new array) turning from into to; arrays index by index, extra elements added or
 * removed from the end; pointers escape ~ and / as ~0 and ~1. */
json_t *gt_patch_new(const json_t *from, const json_t *to);

/* Apply an RFC 6902 patch (add, remove, replace, move, copy, test) to *doc in place
 * (*doc may be replaced for path ""). 0, or -1 with *why (static text). */
int gt_patch_apply(json_t **doc, const json_t *patch, const char **why);

/* Append "/" and pointer segment seg (escaped: ~0, ~1) to path. 0, or -1 (no memory, printed). */
int gt_pointer_append(struct gt_strbuf *path, const char *seg);

/* Split an RFC 6901 pointer into unescaped segments (a new array of strings); NULL with *why (static text). */
json_t *gt_pointer_split(const char *ptr, const char **why);

/* An array index segment: digits only, no leading zero; -1 when not one. */
long gt_pointer_index(const char *seg);

#endif
