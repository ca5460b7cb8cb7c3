/* redact: credentials out of URLs and messages. */
#include "redact.h"

#include <ctype.h>
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

/* The origin of scheme://[userinfo@]host[:port]/...: scheme and host in lower case, the port
 * spelled out (the scheme's default when none is given). */
struct origin {
	char scheme[16], host[256], port[8];
};

static void lower_copy(char *dst, size_t cap, const char *src, size_t n)
{
	size_t i = 0;
	for (; i < n && i + 1 < cap; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

static bool origin_of(const char *url, struct origin *o)
{
	const char *sep = url ? strstr(url, "://") : NULL;
	if (!sep || sep == url || (size_t)(sep - url) >= sizeof(o->scheme))
		return false;
	lower_copy(o->scheme, sizeof(o->scheme), url, (size_t)(sep - url));
	const char *auth = sep + 3, *end = auth + strcspn(auth, "/?#"), *host = auth, *port = NULL, *host_end;
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			host = p + 1;
	if (*host == '[') { /* [IPv6]:port */
		const char *rb = memchr(host, ']', (size_t)(end - host));
		if (!rb)
			return false;
		host_end = rb + 1;
		port = host_end < end && *host_end == ':' ? host_end + 1 : NULL;
	} else {
		const char *colon = memchr(host, ':', (size_t)(end - host));
		host_end = colon ? colon : end;
		port = colon ? colon + 1 : NULL;
	}
	if (host_end == host || (size_t)(host_end - host) >= sizeof(o->host))
		return false;
	lower_copy(o->host, sizeof(o->host), host, (size_t)(host_end - host));
	size_t plen = port ? (size_t)(end - port) : 0;
	if (plen >= sizeof(o->port))
		return false;
	if (plen)
		lower_copy(o->port, sizeof(o->port), port, plen);
	else
		snprintf(o->port, sizeof(o->port), "%s",
			 !strcmp(o->scheme, "https") ? "443" : !strcmp(o->scheme, "http") ? "80"
							 : !strcmp(o->scheme, "ssh") ? "22" : "");
	return true;
}

bool gt_url_same_origin(const char *a, const char *b)
{
	struct origin x, y;
	return origin_of(a, &x) && origin_of(b, &y) && !strcmp(x.scheme, y.scheme) && !strcmp(x.host, y.host) &&
	       !strcmp(x.port, y.port);
}

char *gt_url_origin_dup(const char *url)
{
	struct origin o;
	char buf[sizeof(o.scheme) + sizeof(o.host) + sizeof(o.port) + 8];
	if (!origin_of(url, &o))
		return strdup("an address that is not a URL");
	snprintf(buf, sizeof(buf), "%s://%s:%s", o.scheme, o.host, o.port);
	return strdup(buf);
}
