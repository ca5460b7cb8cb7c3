/* URL forms: ssh or https, Argo CD's normalisation, Azure DevOps identities.
 * The URL itself is never rewritten: Argo CD hashes and fetches it as typed. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repoadd.h"

static bool has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* user@host:path, as git and Argo CD's IsSSHURL read it (no "://", an '@' before the first ':'). */
static bool is_scp_like(const char *url)
{
	const char *at = strchr(url, '@'), *colon = strchr(url, ':');
	return !strstr(url, "://") && at && colon && at < colon && at > url && !memchr(url, '/', (size_t)(at - url));
}

bool url_is_ssh(const char *url)
{
	return has_prefix(url, "ssh://") || has_prefix(url, "git@") || is_scp_like(url);
}

bool url_is_https(const char *url)
{
	return has_prefix(url, "https://");
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static void strip_suffix(char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	if (n >= k && !strcmp(s + n - k, suffix))
		s[n - k] = '\0';
}

/* Argo CD's regex ^(ssh://)?([^/:]*?)@[^@]+$: a user, an '@', then no other '@'. */
static bool argo_ssh_form(const char *s)
{
	if (has_prefix(s, "ssh://"))
		s += 6;
	const char *at = strchr(s, '@');
	return at && !strchr(at + 1, '@') && strcspn(s, "/:") >= (size_t)(at - s);
}

char *url_normalize(const char *url)
{
	while (isspace((unsigned char)*url))
		url++;
	size_t n = strlen(url);
	while (n > 0 && isspace((unsigned char)url[n - 1]))
		n--;
	char *s = malloc(n + 7);
	if (!s)
		return NULL;
	memcpy(s, url, n);
	s[n] = '\0';
	lower(s);
	if (argo_ssh_form(s) && !has_prefix(s, "ssh://")) {
		char *colon = strchr(s, ':');
		if (colon)
			*colon = '/';
		memmove(s + 6, s, strlen(s) + 1);
		memcpy(s, "ssh://", 6);
	}
	strip_suffix(s, ".git");
	if (has_prefix(s, "ssh://"))
		memmove(s, s + 6, strlen(s + 6) + 1);
	return s;
}

/* Split the part after "host/" into at most max '/'-separated parts; the count. */
static size_t split_path(char *path, char **parts, size_t max)
{
	size_t n = 0;
	for (char *save = NULL, *p = strtok_r(path, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (n == max)
			return max + 1;
		parts[n++] = p;
	}
	return n;
}

static char *identity_dup(const char *org, const char *project, const char *repo)
{
	size_t n = strlen(org) + strlen(project) + strlen(repo) + 3;
	char *id = malloc(n);
	if (!id)
		return NULL;
	snprintf(id, n, "%s/%s/%s", org, project, repo);
	strip_suffix(id, ".git");
	return id;
}

/* https://[user@]dev.azure.com/ORG/PROJECT/_git/REPO or https://ORG.visualstudio.com/[DefaultCollection/]PROJECT/_git/REPO */
static char *azure_https(char *host, char *path)
{
	char *parts[6];
	size_t n = split_path(path, parts, 5);
	char *at = strrchr(host, '@');
	if (at)
		host = at + 1;
	if (!strcmp(host, "dev.azure.com") && n == 4 && !strcmp(parts[2], "_git"))
		return identity_dup(parts[0], parts[1], parts[3]);
	size_t hl = strlen(host), vl = strlen(".visualstudio.com");
	if (hl <= vl || strcmp(host + hl - vl, ".visualstudio.com"))
		return NULL;
	host[hl - vl] = '\0';
	if (n == 4 && !strcmp(parts[0], "defaultcollection") && !strcmp(parts[2], "_git"))
		return identity_dup(host, parts[1], parts[3]);
	if (n == 3 && !strcmp(parts[1], "_git"))
		return identity_dup(host, parts[0], parts[2]);
	return NULL;
}

/* git@ssh.dev.azure.com:v3/ORG/PROJECT/REPO, ORG@vs-ssh.visualstudio.com:v3/..., ssh://git@ssh.dev.azure.com/v3/... */
static char *azure_ssh(char *host, char *path)
{
	char *parts[5];
	char *at = strrchr(host, '@');
	if (at)
		host = at + 1;
	host[strcspn(host, ":")] = '\0'; /* a port, or the scp separator */
	if (strcmp(host, "ssh.dev.azure.com") && strcmp(host, "vs-ssh.visualstudio.com"))
		return NULL;
	size_t n = split_path(path, parts, 4);
	if (n != 4 || strcmp(parts[0], "v3"))
		return NULL;
	return identity_dup(parts[1], parts[2], parts[3]);
}

char *url_azure_identity(const char *url)
{
	char *s = strdup(url), *id = NULL;
	if (!s)
		return NULL;
	lower(s);
	if (has_prefix(s, "https://") || has_prefix(s, "http://") || has_prefix(s, "ssh://")) {
		char *host = strstr(s, "://") + 3, *slash = strchr(host, '/');
		if (slash) {
			*slash = '\0';
			id = has_prefix(s, "ssh://") ? azure_ssh(host, slash + 1) : azure_https(host, slash + 1);
		}
	} else if (is_scp_like(s)) {
		char *colon = strchr(s, ':');
		*colon = '\0';
		id = azure_ssh(s, colon + 1);
	}
	free(s);
	return id;
}

void url_warn(const struct repoadd_opts *o)
{
	char *azure = url_azure_identity(o->url);
	size_t n = strlen(o->url);
	if (azure && n > 4 && !strcmp(o->url + n - 4, ".git"))
		gt_warn("%s: Azure DevOps repository URLs have no .git suffix: it names another, missing "
			"repository (the URL is kept as given)", o->url);
	if (has_prefix(o->url, "ssh://") && strstr(o->url, ":v3/"))
		gt_warn("%s: in an ssh:// URL 'v3' reads as a port and Azure DevOps refuses it; "
			"write it scp-style: git@ssh.dev.azure.com:v3/ORG/PROJECT/REPO", o->url);
	if (azure && o->depth > 0)
		gt_warn("--depth %lu: shallow fetches are reported not to work with Azure DevOps", o->depth);
	free(azure);
}
