/* redact: credentials out of URLs and messages. */
#include "redact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The userinfo of scheme://userinfo@host/...: [*start, *end) before the '@'; false if none. */
static bool find_userinfo(const char *url, const char **start, const char **end)
{
	const char *scheme = strstr(url, "://");
	if (!scheme)
		return false;
	const char *auth = scheme + 3;
	size_t host_len = strcspn(auth, "/?#");
	const char *at = NULL;
	for (const char *p = auth; p < auth + host_len; p++)
		if (*p == '@')
			at = p; /* the last '@' ends userinfo: a password may contain '@' unescaped */
	if (!at)
		return false;
	*start = auth;
	*end = at;
	return true;
}

/* How many different bytes s holds: a random token repeats few, a name many (no libm in the tools). */
static size_t distinct_of(const char *s, size_t n)
{
	bool seen[256] = { false };
	size_t d = 0;
	for (size_t i = 0; i < n; i++)
		if (!seen[(unsigned char)s[i]])
			seen[(unsigned char)s[i]] = true, d++;
	return d;
}

static bool same_secret(const char *s, size_t n, const char *secret)
{
	return secret && strlen(secret) >= 4 && strlen(secret) == n && !memcmp(s, secret, n);
}

/* The first n bytes of s as a user name: a token, or a name? */
static bool token_like(const char *s, size_t n, const char *known)
{
	/* Prefixes of the tokens of GitHub, GitLab and Bitbucket: whatever their length. */
	static const char *const prefixes[] = { "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-",
						"gldt-", "glptt-", "ATBB", "ATCTT" };
	if (same_secret(s, n, known) || same_secret(s, n, getenv("GITOPS_GIT_TOKEN")) ||
	    same_secret(s, n, getenv("SYSTEM_ACCESSTOKEN")))
		return true;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (n > strlen(prefixes[i]) + 8 && !strncmp(s, prefixes[i], strlen(prefixes[i])))
			return true;
	size_t letters = 0, digits = 0, other = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			letters++;
		else if (c >= '0' && c <= '9')
			digits++;
		else if (!strchr("-_.~+/=", c))
			other++; /* '%' (an escaped e-mail address), '@'...: names, not tokens */
	}
	/* An Azure DevOps PAT is 52 of [a-z2-7], GitHub's classic ones 40 hex digits: long, letters and
	 * digits mixed, no other characters; a shorter one has few repeats. Names are shorter, or words. */
	if (other || !letters || !digits)
		return false;
	return n >= 32 || (n >= 20 && distinct_of(s, n) * 4 >= n * 3);
}

bool gt_looks_like_token(const char *s, const char *known)
{
	return s && token_like(s, strlen(s), known);
}

/* Does the userinfo [start, end) hold a secret: a password, or a user part that looks like a token? */
static bool userinfo_secret(const char *start, const char *end, const char *known)
{
	const char *colon = memchr(start, ':', (size_t)(end - start));
	return colon || token_like(start, (size_t)(end - start), known);
}

char *gt_url_redact(const char *url)
{
	const char *start, *end;
	if (!find_userinfo(url, &start, &end))
		return strdup(url);
	const char *colon = memchr(start, ':', (size_t)(end - start));
	size_t user_len = (size_t)((colon ? colon : end) - start);
	if (token_like(start, user_len, NULL)) {
		/* a token as the user name: all of the userinfo goes, with its '@' */
		size_t head = (size_t)(start - url), tail = strlen(end + 1);
		char *out = malloc(head + tail + 1);
		if (out) {
			memcpy(out, url, head);
			memcpy(out + head, end + 1, tail + 1);
		}
		return out;
	}
	if (!colon)
		return strdup(url); /* a user name alone is not a secret */
	size_t head = (size_t)(colon - url), tail = strlen(end);
	char *out = malloc(head + tail + 1);
	if (!out)
		return NULL;
	memcpy(out, url, head);
	memcpy(out + head, end, tail + 1);
	return out;
}

bool gt_url_has_password(const char *url)
{
	const char *start, *end;
	return find_userinfo(url, &start, &end) && memchr(start, ':', (size_t)(end - start));
}

char *gt_url_user_dup(const char *url)
{
	const char *start, *end;
	if (!find_userinfo(url, &start, &end))
		return NULL;
	const char *colon = memchr(start, ':', (size_t)(end - start));
	size_t n = (size_t)((colon ? colon : end) - start);
	if (n == 0)
		return NULL;
	char *user = malloc(n + 1);
	if (user) {
		memcpy(user, start, n);
		user[n] = '\0';
	}
	return user;
}

void gt_redact_secret(char *s, const char *secret)
{
	size_t n = secret ? strlen(secret) : 0;
	if (!s || n < 4)
		return;
	for (char *p = strstr(s, secret); p; p = strstr(p, secret)) {
		memcpy(p, "***", 3);
		memmove(p + 3, p + n, strlen(p + n) + 1);
		p += 3;
	}
}

int gt_url_check_credentials(const char *url, const char *known_token, const char *how)
{
	const char *start, *end;
	if (!url || !find_userinfo(url, &start, &end) || !userinfo_secret(start, end, known_token))
		return 0;
	char *shown = gt_url_redact(url);
	bool password = memchr(start, ':', (size_t)(end - start)) != NULL;
	gt_error("%s: the URL holds %s; remove it and %s", shown ? shown : "the URL",
		 password ? "a password" : "a token as its user name",
		 how ? how
		     : "pass the token in GITOPS_GIT_TOKEN, --password-file FILE or --password-stdin, and a user name "
		       "with --username (a URL ends up in logs, records and .git/config)");
	free(shown);
	return -1;
}
