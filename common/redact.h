/* redact: keep credentials out of everything printed or written. */
#ifndef GT_REDACT_H
#define GT_REDACT_H

#include <stdbool.h>

/*
 * url as it may be printed or written: without a password, and without a user part that looks like
 * a token (gt_looks_like_token); a plain user name (Azure's https://org@dev.azure.com/...) stays.
 * Every URL in a message, record or written object goes through it. Caller frees; NULL on no memory.
 */
char *gt_url_redact(const char *url);

/*
 * Does s look like a token rather than a user name: known (may be NULL) or the token in
 * GITOPS_GIT_TOKEN / SYSTEM_ACCESSTOKEN, a known token prefix (ghp_, github_pat_, glpat-...),
 * 32 or more of letters and digits mixed, or 20 or more of them with few repeats (random-looking)?
 */
bool gt_looks_like_token(const char *s, const char *known);

/*
 * Refuse a URL that carries a secret: a password, or a user part that looks like a token (the
 * tutorial's https://$(PAT)@dev.azure.com/...). 0 when it carries none; else -1 after printing the
 * redacted URL and how to pass the token safely: how, or (NULL) the git tools' ways (the caller exits 2).
 */
int gt_url_check_credentials(const char *url, const char *known_token, const char *how);

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
