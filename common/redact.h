/* redact: keep credentials out of everything printed or written. */
#ifndef GT_REDACT_H
#define GT_REDACT_H

#include <stdbool.h>

/* url without its user:password@ (a user name alone is kept). Caller frees; NULL on no memory. */
char *gt_url_redact(const char *url);

/* True when url carries a password (scheme://user:password@host). */
bool gt_url_has_password(const char *url);

/* The user name in scheme://user[:password]@host, malloc'd, or NULL when there is none. */
char *gt_url_user_dup(const char *url);

/* Do both URLs name one origin: scheme, host (any case) and port (the scheme's default when
 * absent)? False when either is not scheme://host. Credentials go to the origin they are for. */
bool gt_url_same_origin(const char *a, const char *b);
/* "scheme://host:port" of url (no userinfo, no path), malloc'd; NULL on no memory. */
char *gt_url_origin_dup(const char *url);

/* Replace every occurrence of secret in s (in place) with "***"; secrets shorter than 4 bytes are left alone. */
void gt_redact_secret(char *s, const char *secret);

#endif
