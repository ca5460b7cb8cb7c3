/* redact: credentials out of URLs and messages. */
#include "redact.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

char *gt_url_redact(const char *url)
{
	const char *start, *end;
	if (!find_userinfo(url, &start, &end))
		return strdup(url);
	const char *colon = memchr(start, ':', (size_t)(end - start));
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
