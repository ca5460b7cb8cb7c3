/* regex: Go regexp semantics on PCRE2 (funcs_regex.c), for sprig's regex* and semver's parsers. */
#ifndef HELM_REGEX_H
#define HELM_REGEX_H

#include <stddef.h>

struct re;
/* NULL when the pattern does not compile or RE2 would refuse it. */
struct re *re_compile(const char *pat, size_t len);
void re_free(struct re *r);
/* capture groups + 1 */
size_t re_ngroups(const struct re *r);
/* Match at or after start: 1 with ov[2*ngroups] ((size_t)-1 for unset groups), 0 none, -1 error. */
int re_exec(struct re *r, const char *s, size_t n, size_t start, size_t *ov);

#endif
