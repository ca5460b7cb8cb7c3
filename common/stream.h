/* stream: read any object stream, write JSON Lines or YAML. */
#ifndef GT_STREAM_H
#define GT_STREAM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "cli.h"
#include "limits.h"

/* Where an object came from, for messages. */
struct gt_where {
	const char *file;   /* as given; "-" is shown as "<stdin>" */
	unsigned long line; /* first line of its document (1-based); 0 if unknown */
	unsigned long doc;  /* document index in the file (0-based) */
};

/* The limit options every object-reading tool has, bound to *lim: put GT_LIMIT_OPTIONS(&o.lim) in its table. */
#define GT_LIMIT_OPTIONS(lim)                                                                              \
	GT_OPT_SIZE(0, "max-document-size", &(lim)->max_doc_bytes, SIZE_MAX,                               \
		    "largest YAML/JSON document (default 64M)"),                                            \
	GT_OPT_UINT(0, "max-alias-nodes", "N", &(lim)->max_alias_nodes, 0, SIZE_MAX,                       \
		    "nodes YAML aliases may expand to per document (default 1000000)"),                     \
	GT_OPT_UINT(0, "max-depth", "N", &(lim)->max_depth, 0, GT_MAX_DEPTH_CEILING,                       \
		    "deepest nesting of maps and lists (default 512)")

struct gt_stream;

/*
 * Open PATH ("-" for standard input). The form (JSON Lines, concatenated JSON,
 * a JSON array, YAML multi-document) is detected from the content. NULL after
 * printing why it cannot be opened.
 */
struct gt_stream *gt_stream_open(const char *path, const struct gt_limits *lim);
/*
 * Read the len bytes at buf (not copied: they must outlive the stream), named
 * name (borrowed) in messages, as gt_stream_open reads a file. NULL after printing.
 */
struct gt_stream *gt_stream_open_mem(const char *buf, size_t len, const char *name, const struct gt_limits *lim);
/* Read f (taken: closed with the stream, or now if the stream cannot be made), named name
 * (borrowed) in messages. NULL after printing. */
struct gt_stream *gt_stream_open_fp(FILE *f, const char *name, const struct gt_limits *lim);
/* Read what read(cookie, buf, size) gives (bytes, 0 at the end, -1 with errno on an error), then
 * close(cookie) with the stream (or now if the stream cannot be made). NULL after printing. */
struct gt_stream *gt_stream_open_reader(ssize_t (*read)(void *cookie, char *buf, size_t size),
				      int (*close)(void *cookie), void *cookie, const char *name,
				      const struct gt_limits *lim);
void gt_stream_close(struct gt_stream *s);
/* YAML documents that want(skeleton) approves come as their skeleton, their JSON text beside
 * (gt_yaml_reader_set_text_for): call before the first gt_stream_next. */
void gt_stream_set_text_for(struct gt_stream *s, bool (*want)(const json_t *skeleton));
/* The text of the object gt_stream_next just gave, when it came as a skeleton (gt_yaml_take_text). */
bool gt_stream_take_text(struct gt_stream *s, char **text, size_t *len);

/*
 * Next object: 1 with *obj a new reference and *where filled; 0 at the end;
 * -1 after printing "FILE:LINE:COLUMN: why". Empty and null documents are
 * skipped; List kinds (any kind ending in "List" with an items array) are
 * flattened; a document that is not a map is an error.
 */
int gt_stream_next(struct gt_stream *s, json_t **obj, struct gt_where *where);
/* The documents read so far (the next one's where.doc). */
unsigned long gt_stream_documents(const struct gt_stream *s);

/* True for the tools' own records (apiVersion gitops/v1). */
bool gt_is_record(const json_t *obj);

struct gt_writer;
/* Writer of objects to out in JSON Lines or YAML ("---" between documents). TEXT writes YAML. */
struct gt_writer *gt_writer_new(FILE *out, enum gt_format format);
/* 0, or -1 after printing a write error. */
int gt_writer_put(struct gt_writer *w, const json_t *obj);
/* An object already written as gt_writer_put writes it in JSON (no newline): JSON output only. */
int gt_writer_put_text(struct gt_writer *w, const char *text, size_t len);
/* Flush; 0, or -1 after printing a write error. Frees w (NULL is fine). */
int gt_writer_close(struct gt_writer *w);

#endif
