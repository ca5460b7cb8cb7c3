/* yaml_fast: the reader's fast path (internal to common/yaml*.c and their tests).
 *
 * A hand-written parser for the block-style YAML that machine-written manifests use. It
 * builds exactly the JSON that libyaml's events give through common/yaml.c, and says
 * "unsure" (returns NULL with *unsure set) for anything it does not handle the same way:
 * the reader then hands that document, and the rest of the stream, to libyaml. */
#ifndef GT_YAML_FAST_H
#define GT_YAML_FAST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "limits.h"
#include "yaml.h"

/*
 * The document whose root node starts at s[start] (a line start, or the first content
 * byte of the first content line); s[end] is the start of the line holding the next
 * document marker, or the end of the input: nothing at or after it is read. After the
 * root node only blank and comment lines may follow. NULL with *unsure true when the
 * fast path cannot promise libyaml's result, with *unsure false when out of memory.
 */
json_t *gt_yaml_fast_document(const char *s, size_t start, size_t end, const struct gt_limits *lim, bool *unsure);
/* The same with scalars typed as typing says (common/yaml.h), as a reader whose typing was set
 * reads them: the words and numbers of goyaml.v3 for kyaml (a value written empty is
 * gt_yaml_empty_null), the text as written for text. A plain map key that the typing would make
 * something other than its text (1, true, .5; under kyaml an error) is unsure, so that libyaml
 * says what the reader says of it, and counts it where keys are counted (strict_keys: every
 * such key, also under goyaml.v2). */
json_t *gt_yaml_fast_document_typed(const char *s, size_t start, size_t end, const struct gt_limits *lim,
				    enum gt_yaml_typing typing, bool strict_keys, bool *unsure);

/* The same document as JSON text appended to out (what gt_json_write would write of the tree),
 * when it is a block map: returns its skeleton, a tree of the members that say who it is
 * (apiVersion, kind, metadata, and spec's group, names and scope). NULL when it is not a
 * block map, or as gt_yaml_fast_document_typed. */
struct gt_json_buf;
json_t *gt_yaml_fast_document_text(const char *s, size_t start, size_t end, const struct gt_limits *lim,
				   enum gt_yaml_typing typing, bool strict_keys, struct gt_json_buf *out, bool *unsure);

/* Where the first byte at or after from that libyaml's reader refuses lies (invalid UTF-8,
 * a control character), or to if none: *odd is where the first byte the fast path does not
 * take lies (CR, NEL, LS, PS, BOM), or to. */
size_t gt_yaml_fast_scan_bytes(const char *s, size_t from, size_t to, size_t *odd);

/* A map key from a scalar as the reader makes it (sigs.k8s.io/yaml's key typing): a new
 * string, or NULL with *why set (NULL why: out of memory). */
char *gt_yaml_key_text(const char *s, size_t len, bool plain, const char **why);

/* Test hook: false makes new readers use libyaml only (the reference the fast path is
 * checked against). */
void gt_yaml_set_fast_path(bool on);
/* Test hook: documents read by the fast path since the start of the process. */
unsigned long gt_yaml_fast_documents(void);

#endif
