/* imageref: container image references repo[:tag][@digest], parsed and checked as Docker reads them. */
#ifndef GT_IMAGEREF_H
#define GT_IMAGEREF_H

#include <stdbool.h>
#include <stddef.h>

/* A container image reference repo[:tag][@digest]; "registry:5000/app:1" has repo "registry:5000/app". */
struct gt_image_ref {
	char *repo;   /* never NULL */
	char *tag;    /* NULL when absent */
	char *digest; /* "sha256:...", NULL when absent */
};
/*
 * 0, or -1 with *why (static text) for an empty or malformed reference: no
 * repository (":tag"), an empty tag ("repo:"), a tag that is not 1-128 of
 * [A-Za-z0-9_.-] starting with a word character, a digest that is not
 * ALGORITHM:HEX (sha256 needs 64 lowercase hex digits), path components that
 * are not lowercase. "nginx" has repo "nginx" and no tag; "localhost:5000" is
 * repo "localhost" with tag "5000", as Docker reads it. Free with gt_image_ref_clear.
 */
int gt_image_ref_parse(const char *s, struct gt_image_ref *out, const char **why);
void gt_image_ref_clear(struct gt_image_ref *r);

/* The parts on their own (len bytes of s): a tag, a digest, a registry host[:port], a whole repository. */
bool gt_image_tag_ok(const char *s, size_t len);
bool gt_image_digest_ok(const char *s, size_t len);
bool gt_image_registry_like(const char *s, size_t len);
bool gt_image_repo_ok(const char *s, size_t len);

#endif
