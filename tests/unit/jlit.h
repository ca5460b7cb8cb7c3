/* jlit: J(), JSON literals written with single quotes, so that tests read like the manifests and
 * kubectl output they stand for: J("{'kind':'Pod'}"). Any JSON value; a key given twice or
 * malformed text is a bug in the test: it stops with exit 2. Caller decrefs. S() is the way back. */
#ifndef GT_TEST_JLIT_H
#define GT_TEST_JLIT_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((unused)) static json_t *J(const char *text)
{
	char *s = strdup(text);
	if (!s)
		exit(2);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	json_error_t err;
	json_t *v = json_loads(s, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
	if (!v) {
		fprintf(stderr, "bad test JSON: %s: %s\n", err.text, s);
		exit(2);
	}
	free(s);
	return v;
}

/* Compact JSON with single quotes, for comparing against the same notation; static buffer. */
__attribute__((unused)) static const char *S(const json_t *v)
{
	static char buf[4096];
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	snprintf(buf, sizeof(buf), "%s", s ? s : "(null)");
	free(s);
	for (char *p = buf; *p; p++)
		if (*p == '"')
			*p = '\'';
	return buf;
}

#endif
