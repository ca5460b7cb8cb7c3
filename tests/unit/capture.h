/* capture: what one call writes to stderr, for unit tests of messages. */
#ifndef GT_TEST_CAPTURE_H
#define GT_TEST_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct capture {
	int saved;
	FILE *tmp;
};

static inline void capture_start(struct capture *c)
{
	fflush(stderr);
	c->tmp = tmpfile();
	c->saved = dup(2);
	dup2(fileno(c->tmp), 2);
}

/* What was written to stderr since capture_start; caller frees. */
static inline char *capture_end(struct capture *c)
{
	fflush(stderr);
	dup2(c->saved, 2);
	close(c->saved);
	long n = ftell(c->tmp);
	char *text = calloc(1, n > 0 ? (size_t)n + 1 : 1);
	rewind(c->tmp);
	if (n > 0 && fread(text, 1, (size_t)n, c->tmp) != (size_t)n)
		text[0] = '\0';
	fclose(c->tmp);
	return text;
}

#endif
