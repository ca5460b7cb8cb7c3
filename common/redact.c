/* redact: credentials out of URLs and messages. */
#include "redact.h"

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
