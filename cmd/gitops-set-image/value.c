/* value: refuse values that are mistakes before anything is written: empty, a bad image tag, a variable nobody expanded. */
#include "setimage.h"

#include <stdio.h>
#include <string.h>

#define OCI_TAG_MAX 128

/* The OCI distribution spec's tag: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}. */
static bool is_oci_tag(const char *s)
{
	static const char word[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
	size_t n = strlen(s);
	if (n == 0 || n > OCI_TAG_MAX || !strchr(word, s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!strchr(word, s[i]) && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

/* Is the key an image tag: "tag", or a path whose last map key is "tag" (image.tag, apps.web.image.tag)? */
static bool key_is_tag(const char *key)
{
	const char *last = key;
	for (const char *p = key; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '.')
			last = p + 1;
	}
	return !strcmp(last, "tag");
}

/*
 * Where s holds what a CI system leaves when a variable is not defined: Azure's $(name) macro
 * and $[expr] runtime expression, ${name} (shell, GitHub's ${{ }}), $NAME. The offending part,
 * its length in *len; NULL when there is none. "$5" (a price) is not a variable.
 */
static const char *unexpanded(const char *s, size_t *len)
{
	static const char *const pairs[] = { "()", "{}", "[]" };
	for (const char *p = strchr(s, '$'); p; p = strchr(p + 1, '$')) {
		for (size_t i = 0; i < 3; i++) {
			const char *end = p[1] == pairs[i][0] ? strchr(p + 2, pairs[i][1]) : NULL;
			if (end && end > p + 2)
				return *len = (size_t)(end - p) + 1, p;
		}
		if ((p[1] >= 'A' && p[1] <= 'Z') || (p[1] >= 'a' && p[1] <= 'z') || p[1] == '_') {
			size_t n = 1 + strspn(p + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
			return *len = n, p;
		}
	}
	return NULL;
}

static const char *option_of(const struct edit *e)
{
	return e->kind == EDIT_IMAGE ? "--image" : e->kind == EDIT_SET_STRING ? "--set-string" : "--set";
}

static int check_one(const struct edit *e)
{
	size_t n;
	const char *var = unexpanded(e->key, &n);
	const char *in = e->key;
	if (!var)
		var = unexpanded(e->value, &n), in = e->value;
	if (var) {
		gt_error("%s %s=%s: %s: %.*s looks like a pipeline variable that was not expanded (is it defined?); "
			 "--allow-any-value writes it as it is",
			 option_of(e), e->key, e->value, e->key, (int)n, var);
		return -1;
	}
	(void)in;
	if (!*e->value) {
		gt_error("%s %s=: %s: the value is empty (an unset pipeline variable?); --allow-any-value writes it",
			 option_of(e), e->key, e->key);
		return -1;
	}
	if (e->kind != EDIT_IMAGE && key_is_tag(e->key) && !is_oci_tag(e->value)) {
		gt_error("%s %s=%s: %s: '%s' is not a valid image tag (1 to %d of letters, digits, '_', '.' and '-', "
			 "not starting with '.' or '-'); --allow-any-value writes it",
			 option_of(e), e->key, e->value, e->key, e->value, OCI_TAG_MAX);
		return -1;
	}
	return 0;
}

int check_values(const struct setimage_opts *o)
{
	if (o->allow_any_value)
		return 0;
	for (size_t i = 0; i < o->n_edits; i++)
		if (check_one(&o->edits[i]) < 0)
			return -1;
	return 0;
}
