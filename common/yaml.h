/* yaml: YAML -> JSON with Kubernetes semantics (sigs.k8s.io/yaml, YAML 1.1), and a deterministic emitter. */
#ifndef GT_YAML_H
#define GT_YAML_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "limits.h"

/*
 * Type a plain (unquoted, untagged) scalar the way goyaml.v2 does:
 * ~/null/empty -> null; yes/no/on/off/y/n/true/false (three casings) -> bool;
 * decimal, 0x, 0o, 0b and leading-0 octal ints (underscores allowed) -> int;
 * YAML floats -> real; anything else -> string. Returns a new reference, or
 * NULL with *why set when the value has no JSON form (.inf, .nan, an int past 64 bits
 * that is not a float either cannot happen: those become strings or reals).
 */
json_t *gt_yaml_resolve_plain(const char *s, size_t len, const char **why);

/* A scalar's tag as the reader types it: the standard tags by name (!!timestamp and the
 * non-specific "!" read as strings), anything else GT_YAML_TAG_OTHER (its text kept). */
enum gt_yaml_tag {
	GT_YAML_TAG_NONE,
	GT_YAML_TAG_STR,
	GT_YAML_TAG_BINARY,
	GT_YAML_TAG_INT,
	GT_YAML_TAG_FLOAT,
	GT_YAML_TAG_BOOL,
	GT_YAML_TAG_NULL,
	GT_YAML_TAG_OTHER
};
enum gt_yaml_tag gt_yaml_tag_kind(const char *tag);

/*
 * A scalar's value by the reader's rules: quoted and !!str stay strings,
 * standard tags (!!int, !!float, !!bool, !!null) type it, other tags leave the
 * text as it is (as goyaml.v2 does), plain scalars are typed as above. !!binary
 * is left undecoded here. NULL with *why when it has no value (.inf, a value
 * its tag refuses).
 */
json_t *gt_yaml_scalar_value(const char *s, size_t len, bool plain, const char *tag, const char **why);

/*
 * Type a plain scalar the way kustomize reads resources (goyaml.v3 through kyaml):
 * only true/false (three casings) are bools, yes/on/y stay strings; ints as
 * Go's ParseInt(s, 0, 64) after removing '_' (080 falls through to the float 80);
 * YYYY-M-D dates and times become RFC 3339 strings ("2001-12-14T00:00:00Z").
 * NULL with *why for .inf/.nan.
 */
json_t *gt_yaml_resolve_plain_kyaml(const char *s, size_t len, const char **why);

/* Length of the valid UTF-8 sequence at p (Go's rules: no overlongs, surrogates or values past
 * U+10FFFF; avail bytes left), or 0 if there is none. */
size_t gt_utf8_sequence(const unsigned char *p, size_t avail);

/* True when a YAML 1.1 reader would not read s, written plain, back as this string. */
bool gt_yaml_string_needs_quotes(const char *s, size_t len);

struct gt_yaml_reader;

/* A reader over an open stream (not closed by the reader) or a buffer (not copied). name is for messages. */
struct gt_yaml_reader *gt_yaml_reader_new_file(FILE *f, const char *name, const struct gt_limits *lim);
struct gt_yaml_reader *gt_yaml_reader_new_string(const char *buf, size_t len, const char *name,
						  const struct gt_limits *lim);
/* A reader pulling bytes through read (libyaml's yaml_read_handler_t contract). */
struct gt_yaml_reader *gt_yaml_reader_new_handler(int (*read)(void *data, unsigned char *buf, size_t size,
							      size_t *size_read),
						  void *data, const char *name, const struct gt_limits *lim);
void gt_yaml_reader_free(struct gt_yaml_reader *r);

/* How scalars are typed: as Kubernetes clients do (goyaml.v2, the default), as kustomize's
 * kyaml does (goyaml.v3; map keys must then be strings), or not at all (every scalar the text
 * it was written as, as kyaml's node values are). */
enum gt_yaml_typing { GT_YAML_V2, GT_YAML_KYAML, GT_YAML_TEXT };
/* Before the first gt_yaml_next (the fast path types as it says, or leaves the document to libyaml). */
void gt_yaml_reader_set_typing(struct gt_yaml_reader *r, enum gt_yaml_typing typing);
/* With goyaml.v2 typing set: the map keys of the document last read that were no strings (yes, 1)
 * and were turned into text, as sigs.k8s.io/yaml does (some of its users then fail on them).
 * Counted only by a reader whose typing was set (the fast path does not count them). */
size_t gt_yaml_reader_typed_keys(const struct gt_yaml_reader *r);
/*
 * With kyaml typing an empty value reads as this null rather than jansson's: it is JSON null to
 * everything (json_is_null, the writers, json_deep_copy keeps it), but kustomize's strategic merge
 * drops a field whose value was written empty where it keeps one written null (common/smp.h).
 * Static: incref/decref do nothing.
 */
json_t *gt_yaml_empty_null(void);
bool gt_yaml_is_empty_null(const json_t *v);
/*
 * A scalar node's text as kyaml's Value has it: a string as it is, numbers and booleans as written
 * back ("7", "1.5", "true"), a null written `null` as "null" and one written empty as ""; "" for maps
 * and lists. Caller frees; NULL when out of memory.
 */
char *gt_yaml_scalar_text(const json_t *v);

/* Go's strconv.ParseInt(s, 0, 64) syntax: sign, then 0x/0o/0b/0 prefix or decimal, underscores between
 * digits, nothing else. True with *iv, or, above LLONG_MAX, *is_unsigned and *uv; false when s is not such a
 * number or out of range. */
bool gt_go_parse_int(const char *s, bool *is_unsigned, long long *iv, unsigned long long *uv);
/* Keep errors instead of printing them (a caller that falls back to another reader). */
void gt_yaml_reader_set_quiet(struct gt_yaml_reader *r, bool quiet);
/* The last error as it would have been printed ("" before any). */
const char *gt_yaml_reader_error(const struct gt_yaml_reader *r);

/* Lines before the stream's first byte (the caller skipped them), added to every position. */
void gt_yaml_reader_set_line_offset(struct gt_yaml_reader *r, unsigned long lines);

/* Documents that want(skeleton) approves are read straight to JSON text (what gt_json_write would
 * write) where the fast path reads them: gt_yaml_next then gives their skeleton (apiVersion, kind,
 * metadata, and spec's group, names and scope, as trees) and gt_yaml_take_text the text. For
 * objects written out unchanged (a CustomResourceDefinition's 500 KiB of schema), which then are
 * never built as trees. */
void gt_yaml_reader_set_text_for(struct gt_yaml_reader *r, bool (*want)(const json_t *skeleton));
/* The text of the document gt_yaml_next just gave, if it came as a skeleton: true with *text
 * (malloc'd, not NUL-terminated) and *len. */
bool gt_yaml_take_text(struct gt_yaml_reader *r, char **text, size_t *len);

/*
 * Next document: 1 with *doc a new reference (json null for an empty document)
 * and *line its first line (1-based); 0 at the end; -1 after printing
 * "NAME:LINE:COLUMN: why".
 */
int gt_yaml_next(struct gt_yaml_reader *r, json_t **doc, unsigned long *line);

/*
 * Emit one document as block YAML (no "---"), keys in their order, strings quoted
 * exactly when a reader would take them as another type, multi-line strings as |.
 * Returns 0, or -1 on a write error.
 */
int gt_yaml_emit(FILE *out, const json_t *doc);

#endif
