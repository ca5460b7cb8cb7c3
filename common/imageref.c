/* imageref: container image references, checked as Docker reads them. */
#include "imageref.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cli.h"
#include "yaml.h"
#include "ytext.h"

/* ---- image references ---- */

/* A tag: a word character, then up to 127 word characters, dots and dashes. */
bool gt_image_tag_ok(const char *s, size_t len)
{
	if (len == 0 || len > 128 || !(is_alnum(s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!(is_alnum(s[i]) || s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return false;
	return true;
}

static bool all_lower_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!(is_digit(s[i]) || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* ALGORITHM:ENCODED as the OCI image spec has it; sha256 and sha512 with their exact hex length. */
bool gt_image_digest_ok(const char *s, size_t len)
{
	const char *colon = memchr(s, ':', len);
	if (!colon || colon == s || colon == s + len - 1)
		return false;
	size_t alen = (size_t)(colon - s), elen = len - alen - 1;
	const char *enc = colon + 1;
	for (size_t i = 0; i < alen; i++) {
		bool sep = s[i] == '+' || s[i] == '.' || s[i] == '_' || s[i] == '-';
		if (!is_lower_alnum(s[i]) && !(sep && i > 0 && i + 1 < alen && is_lower_alnum(s[i - 1])))
			return false;
	}
	for (size_t i = 0; i < elen; i++)
		if (!(is_alnum(enc[i]) || enc[i] == '=' || enc[i] == '_' || enc[i] == '-'))
			return false;
	if (alen == 6 && !memcmp(s, "sha256", 6))
		return elen == 64 && all_lower_hex(enc, elen);
	if (alen == 6 && !memcmp(s, "sha512", 6))
		return elen == 128 && all_lower_hex(enc, elen);
	return true;
}

/* A path component: lowercase letters and digits, joined by '.', '_', '__' or dashes. */
static bool path_component_ok(const char *s, size_t len)
{
	if (!len || !is_lower_alnum(s[0]) || !is_lower_alnum(s[len - 1]))
		return false;
	for (size_t i = 0; i < len;) {
		if (is_lower_alnum(s[i])) {
			i++;
			continue;
		}
		size_t j = i + 1;
		if (s[i] == '_' && j < len && s[j] == '_')
			j++;
		else if (s[i] == '-')
			while (j < len && s[j] == '-')
				j++;
		else if (s[i] != '.' && s[i] != '_')
			return false;
		if (j >= len || !is_lower_alnum(s[j]))
			return false;
		i = j;
	}
	return true;
}

/* A registry: host name or [IPv6], then an optional :PORT. */
static bool domain_ok(const char *s, size_t len)
{
	size_t i = 0;
	if (len && s[0] == '[') {
		for (i = 1; i < len && s[i] != ']'; i++)
			if (!(is_alnum(s[i]) || s[i] == ':'))
				return false;
		if (i == len)
			return false;
		i++;
	} else {
		while (i < len && (is_alnum(s[i]) || s[i] == '.' || s[i] == '-'))
			i++;
		if (i == 0)
			return false;
	}
	if (i == len)
		return true;
	if (s[i] != ':' || i + 1 == len)
		return false;
	for (i++; i < len; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

/* Docker's rule: the first component names a registry when it has '.' or ':', is localhost, or has capitals. */
bool gt_image_registry_like(const char *s, size_t len)
{
	if (memchr(s, '.', len) || memchr(s, ':', len) || (len && s[0] == '[') ||
	    (len == 9 && !memcmp(s, "localhost", 9)))
		return true;
	for (size_t i = 0; i < len; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			return true;
	return false;
}

bool gt_image_repo_ok(const char *s, size_t len)
{
	const char *slash = memchr(s, '/', len);
	size_t i = 0;
	if (slash && gt_image_registry_like(s, (size_t)(slash - s))) {
		if (!domain_ok(s, (size_t)(slash - s)))
			return false;
		i = (size_t)(slash - s) + 1;
	}
	for (;;) {
		const char *next = memchr(s + i, '/', len - i);
		size_t end = next ? (size_t)(next - s) : len;
		if (!path_component_ok(s + i, end - i))
			return false;
		if (!next)
			return true;
		i = end + 1;
	}
}

void gt_image_ref_clear(struct gt_image_ref *r)
{
	if (!r)
		return;
	free(r->repo);
	free(r->tag);
	free(r->digest);
	r->repo = r->tag = r->digest = NULL;
}

int gt_image_ref_parse(const char *s, struct gt_image_ref *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	size_t len = s ? strlen(s) : 0;
	if (!len) {
		*why = "empty image reference";
		return -1;
	}
	const char *at = memchr(s, '@', len);
	size_t name_len = at ? (size_t)(at - s) : len;
	if (at && !gt_image_digest_ok(at + 1, len - name_len - 1)) {
		*why = "bad digest: want ALGORITHM:HEX, e.g. sha256: and 64 lowercase hex digits";
		return -1;
	}
	/* A ':' after the last '/' starts the tag; one before it belongs to a registry port. */
	size_t repo_len = name_len;
	for (size_t i = name_len; i-- > 0 && s[i] != '/';)
		if (s[i] == ':') {
			repo_len = i;
			break;
		}
	bool has_tag = repo_len < name_len;
	if (repo_len == 0) {
		*why = "no repository before the tag or digest";
		return -1;
	}
	if (has_tag && !gt_image_tag_ok(s + repo_len + 1, name_len - repo_len - 1)) {
		*why = repo_len + 1 == name_len ? "empty tag after ':'"
						: "bad tag: letters, digits, '_', '.' and '-', at most 128, "
						  "not starting with '.' or '-'";
		return -1;
	}
	if (!gt_image_repo_ok(s, repo_len)) {
		*why = "bad repository: [REGISTRY[:PORT]/]PATH with lowercase letters and digits "
		       "joined by '.', '_', '__' or '-'";
		return -1;
	}
	out->repo = ytext_dup(s, repo_len);
	out->tag = has_tag ? ytext_dup(s + repo_len + 1, name_len - repo_len - 1) : NULL;
	out->digest = at ? strdup(at + 1) : NULL;
	if (!out->repo || (has_tag && !out->tag) || (at && !out->digest)) {
		gt_image_ref_clear(out);
		*why = "out of memory";
		return -1;
	}
	return 0;
}
