/*
 * yamledit: byte-preserving edits of scalars in a YAML file; every other byte stays as it was.
 *
 * Every edit is checked before it is kept: the new bytes are parsed again and
 * every node but the edited ones must read back exactly as before (same
 * structure, same typed values, anchors, aliases and tags), the edited ones as
 * intended. An edit that cannot pass is refused with a message, never written.
 * Comments, blank lines, key order, indentation, quoting of other values,
 * "---" separators, CRLF line endings, a missing final newline and flow style
 * are kept because their bytes are never touched; new lines use the file's
 * line ending and indentation.
 */
#ifndef GT_YAMLEDIT_H
#define GT_YAMLEDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "imageref.h"
#include "keypath.h"
#include "limits.h"

/* One file being edited: its current bytes; each edit re-reads them (limits apply to every read). */
struct gt_yamledit;

/* Copy buf; NULL after printing "NAME:LINE:COLUMN: why" if it is not valid YAML or breaks a limit. */
struct gt_yamledit *gt_yamledit_new(const char *buf, size_t len, const char *name, const struct gt_limits *lim);
void gt_yamledit_free(struct gt_yamledit *e);

#define GT_YEDIT_STRING 1u /* --set-string: the new value is always a string */
#define GT_YEDIT_CREATE 2u /* --create: add missing keys (and missing parent maps) */

/*
 * Set the scalar at key, in the first document that has the path, to value.
 * Only that scalar's bytes change. The new value keeps the old one's type:
 * where the old value was a string, a value a YAML 1.1 reader would type
 * otherwise (1234, 0123, 1e5, 0x1F, yes, on, null, ~, "") is quoted, keeping
 * the old quoting style where it can (single stays single, double stays
 * double, plain becomes double-quoted only when needed; a block scalar | or >
 * becomes a one-line value, or stays | for a multi-line one). Where the old
 * value was a number (boolean, null), a new value of that type is written
 * plain and anything else becomes a string, plain if it reads back as that
 * string, else double-quoted. A tag on the value (!!str) stays.
 *
 * GT_YEDIT_CREATE: when no document has the path, the missing keys are added
 * to the first document: at the end of their block map with its indentation
 * (missing parent maps nested by the file's indentation step, default 2), as
 * ", key: value" in a flow map, under an empty "key:", or as a new top-level
 * map in an empty document or file. Only map keys are added, never list items.
 * An added value gets YAML's own typing (3 is a number) unless GT_YEDIT_STRING.
 *
 * A path through an alias, or to a key that comes from a merge key '<<', is
 * refused: editing it would change the anchor's other users. Editing the
 * anchored value itself is allowed (its aliases follow, as YAML means).
 *
 * Returns 1 when changed, 0 when it already read as this value (bytes
 * untouched), -1 after printing why (no such key, naming the key and the file;
 * the key is a map or list; an alias; a bad path; value not UTF-8). *old (may
 * be NULL) receives the old value as text, malloc'd, or NULL when the key was
 * created or on error.
 */
int gt_yamledit_set(struct gt_yamledit *e, const char *key, const char *value, unsigned flags, char **old);

/*
 * kustomization.yaml: in the images: list, the entry whose name is NAME gets
 * newName (when new_name is not NULL and differs from NAME, or the entry has a
 * newName already), newTag (tag) and digest, as given (NULL leaves a field as
 * it is). Existing fields are edited in place, missing ones added at the end of
 * the entry with its indentation; the entry (and images: itself) is appended
 * when missing. Every field is written as a string (newTag "1043" is quoted).
 * All or nothing: on error the bytes are as before. 1 changed, 0 unchanged,
 * -1 after printing (a bad tag or digest, images: not a list, ...).
 * *old: the entry's previous "NEWNAME-or-NAME[:newTag][@digest]", malloc'd,
 * or NULL when the entry was added.
 */
int gt_yamledit_set_kustomize_image(struct gt_yamledit *e, const char *name, const char *new_name,
				    const char *tag, const char *digest, char **old);

/*
 * Plain manifests: every image: of containers, initContainers and
 * ephemeralContainers (in Pod specs, pod templates, CronJob job templates, any
 * depth, every document) whose repository (gt_image_ref_parse) is repo
 * becomes ref, keeping each value's quoting. Returns the number of images
 * changed (0: none needed a change), -1 after printing; *old: the first
 * matching image's previous value, malloc'd, or NULL. No container with that
 * repository is an error ("no container image ..."), as is a matching image
 * reached only through an alias of an anchor that is not itself a container's
 * image. All or nothing.
 */
int gt_yamledit_set_container_images(struct gt_yamledit *e, const char *repo, const char *ref, char **old);

/*
 * --image on any file but a kustomization: the containers' images as gt_yamledit_set_container_images
 * sets them, and, in documents that are not Kubernetes objects (no apiVersion and kind: Helm values
 * files), the image a chart's values name by repository, at any depth (image:, web.image:, ...):
 *   IMAGE.repository (+ IMAGE.tag)                    the new tag goes to IMAGE.tag (added if missing)
 *   IMAGE.registry + IMAGE.repository (+ .tag, .digest)   bitnami's: registry/repository is the name
 *   IMAGE: repo:tag (keys image, *Image, *image)      the whole string becomes ref
 * Docker Hub's short names match their long form (nginx, docker.io/library/nginx). A digest goes to
 * IMAGE.digest where the map has one, else with the tag as IMAGE.tag: TAG@DIGEST; a new tag empties
 * an old IMAGE.digest (charts prefer the digest). A ref naming another repository writes
 * IMAGE.repository (and IMAGE.registry). Tags are written as strings (1.10 stays 1.10).
 * More than one values image of that repository is an error naming two of their key paths. No image
 * at all is an error. 1 or more changed, 0 unchanged, -1 after printing; all or nothing. *old: the
 * first match's previous NAME[:TAG][@DIGEST] (a string value as it was), malloc'd, or NULL.
 */
int gt_yamledit_set_image(struct gt_yamledit *e, const char *repo, const char *ref, char **old);
/*
 * The same, and *path (malloc'd; NULL when only containers matched) the key path of the values
 * image set, as --set reads it: IMAGE.tag where a tag was given, else IMAGE.digest (or
 * IMAGE.repository when only the repository changes), IMAGE itself for the one-string layout.
 * For the Commit record's changes[].path: "web.image.tag", not "image".
 */
int gt_yamledit_set_image_at(struct gt_yamledit *e, const char *repo, const char *ref, char **old, char **path);

/* The current bytes (owned by e, valid until the next edit or free). */
const char *gt_yamledit_bytes(const struct gt_yamledit *e, size_t *len);

#endif
