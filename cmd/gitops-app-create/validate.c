/* What the API server and Argo CD would refuse, refused here first with the
 * flag named: names, labels, sync options, durations. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "appcreate.h"

#define DNS_LABEL_MAX 63
#define DNS_SUBDOMAIN_MAX 253
#define HELM_RELEASE_MAX 53
#define LABEL_VALUE_MAX 63

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
	return isalnum((unsigned char)c) != 0;
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? over s[0..n) */
static bool dns_label_ok(const char *s, size_t n)
{
	if (n == 0 || n > DNS_LABEL_MAX || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool dns_subdomain_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > DNS_SUBDOMAIN_MAX)
		return false;
	for (const char *p = s;;) {
		size_t k = strcspn(p, ".");
		if (!dns_label_ok(p, k))
			return false;
		if (!p[k])
			return true;
		p += k + 1;
	}
}

int check_dns_subdomain(const char *flag, const char *value)
{
	if (dns_subdomain_ok(value))
		return 0;
	gt_error("%s '%s': not a valid name: lower-case letters, digits, '-' and '.', starting and ending with "
		 "a letter or digit, at most %d characters (RFC 1123 subdomain)", flag, value, DNS_SUBDOMAIN_MAX);
	return -1;
}

int check_dns_label(const char *flag, const char *value)
{
	if (dns_label_ok(value, strlen(value)))
		return 0;
	gt_error("%s '%s': not a valid namespace: lower-case letters, digits and '-', starting and ending with "
		 "a letter or digit, at most %d characters (RFC 1123 label)", flag, value, DNS_LABEL_MAX);
	return -1;
}

int check_release_name(const char *value)
{
	if (dns_subdomain_ok(value) && strlen(value) <= HELM_RELEASE_MAX)
		return 0;
	gt_error("--release-name '%s': not a valid Helm release name: lower-case letters, digits, '-' and '.', "
		 "at most %d characters", value, HELM_RELEASE_MAX);
	return -1;
}

/* ---- labels and annotations: Kubernetes' qualified names ---- */

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], at most max; empty only if allowed. */
static bool label_part_ok(const char *s, size_t n, size_t max, bool empty_ok)
{
	if (n == 0)
		return empty_ok;
	if (n > max || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

/* [prefix/]name, the prefix an RFC 1123 subdomain. */
static bool qualified_name_ok(const char *key, size_t n)
{
	const char *slash = memchr(key, '/', n);
	if (!slash)
		return label_part_ok(key, n, DNS_LABEL_MAX, false);
	char prefix[DNS_SUBDOMAIN_MAX + 1];
	size_t pn = (size_t)(slash - key);
	if (pn == 0 || pn > DNS_SUBDOMAIN_MAX)
		return false;
	memcpy(prefix, key, pn);
	prefix[pn] = '\0';
	return dns_subdomain_ok(prefix) && label_part_ok(slash + 1, n - pn - 1, DNS_LABEL_MAX, false);
}

int check_label(const char *flag, const char *kv)
{
	const char *eq = strchr(kv, '=');
	if (!eq)
		return gt_error("%s %s: use KEY=VALUE", flag, kv), -1;
	if (!qualified_name_ok(kv, (size_t)(eq - kv)))
		return gt_error("%s %s: '%.*s' is not a valid label key ([prefix/]name: letters, digits, '-', '_', '.')",
				flag, kv, (int)(eq - kv), kv),
		       -1;
	if (!label_part_ok(eq + 1, strlen(eq + 1), LABEL_VALUE_MAX, true))
		return gt_error("%s %s: '%s' is not a valid label value (at most %d letters, digits, '-', '_', '.', "
				"starting and ending with a letter or digit)", flag, kv, eq + 1, LABEL_VALUE_MAX),
		       -1;
	return 0;
}

int check_annotation(const char *flag, const char *kv)
{
	size_t n = strcspn(kv, "=");
	if (!qualified_name_ok(kv, n))
		return gt_error("%s %s: '%.*s' is not a valid annotation key ([prefix/]name)", flag, kv, (int)n, kv),
		       -1;
	return 0;
}

int check_helm_set(const char *flag, const char *kv)
{
	const char *eq = strchr(kv, '=');
	if (!eq || eq == kv)
		return gt_error("%s %s: use KEY=VALUE", flag, kv), -1;
	return 0;
}

int check_not_empty(const char *flag, const char *value)
{
	if (!*value)
		return gt_error("%s: empty", flag), -1;
	return 0;
}

int check_path(const char *path)
{
	if (path[0] == '/')
		return gt_error("--path %s: give the directory relative to the repository's root", path), -1;
	for (const char *p = path; *p;) {
		size_t k = strcspn(p, "/");
		if (k == 2 && !strncmp(p, "..", 2))
			return gt_error("--path %s: '..' would leave the repository", path), -1;
		p += k + (p[k] == '/');
	}
	return 0;
}

/* ---- sync options (gitops-engine pkg/sync/common/types.go; docs/user-guide/sync-options.md) ---- */

struct sync_option {
	const char *key;
	const char *values; /* accepted values, space-separated, exactly as Argo CD compares them */
};

static const struct sync_option sync_options[] = {
	{ "Validate", "false true" },
	{ "CreateNamespace", "true false" },
	{ "PrunePropagationPolicy", "foreground background orphan" },
	{ "PruneLast", "true false" },
	{ "Prune", "false confirm true" },
	{ "Delete", "false confirm true" },
	{ "ApplyOutOfSyncOnly", "true false" },
	{ "RespectIgnoreDifferences", "true false" },
	{ "SkipDryRunOnMissingResource", "true false" },
	{ "Replace", "true false" },
	{ "Force", "true false" },
	{ "ServerSideApply", "true false" },
	{ "ClientSideApplyMigration", "false true" },
	{ "FailOnSharedResource", "true false" },
};
#define N_SYNC_OPTIONS (sizeof(sync_options) / sizeof(sync_options[0]))

static bool word_in(const char *word, size_t n, const char *list)
{
	for (const char *p = list; *p;) {
		size_t k = strcspn(p, " ");
		if (k == n && !strncmp(p, word, n))
			return true;
		p += k + (p[k] == ' ');
	}
	return false;
}

static const struct sync_option *sync_option_find(const char *key, size_t n, bool fold)
{
	for (size_t i = 0; i < N_SYNC_OPTIONS; i++)
		if (strlen(sync_options[i].key) == n &&
		    !(fold ? strncasecmp(sync_options[i].key, key, n) : strncmp(sync_options[i].key, key, n)))
			return &sync_options[i];
	return NULL;
}

int check_sync_option(const char *flag, const char *value)
{
	const char *eq = strchr(value, '=');
	size_t n = eq ? (size_t)(eq - value) : strlen(value);
	const struct sync_option *opt = sync_option_find(value, n, false), *folded = sync_option_find(value, n, true);
	if (!eq && (opt || folded))
		return gt_error("%s %s: give a value, e.g. %s=%.*s", flag, value, (opt ? opt : folded)->key,
				(int)strcspn((opt ? opt : folded)->values, " "), (opt ? opt : folded)->values),
		       -1;
	if (!opt && folded)
		return gt_error("%s %s: Argo CD matches the exact text; write %s", flag, value, folded->key), -1;
	if (!opt) {
		gt_error("%s %s: unknown sync option; known: Validate, CreateNamespace, "
			 "PrunePropagationPolicy, PruneLast, Prune, Delete, ApplyOutOfSyncOnly, RespectIgnoreDifferences, "
			 "SkipDryRunOnMissingResource, Replace, Force, ServerSideApply, ClientSideApplyMigration, "
			 "FailOnSharedResource", flag, value);
		return -1;
	}
	if (!word_in(eq + 1, strlen(eq + 1), opt->values))
		return gt_error("%s %s: %s takes one of: %s (exact text: Argo CD compares strings)", flag, value,
				opt->key, opt->values),
		       -1;
	return 0;
}
