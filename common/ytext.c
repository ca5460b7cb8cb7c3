/* ytext: growing text and the character classes of YAML bytes. */
#include "ytext.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cli.h"
#include "yaml.h"

/* ---- growing text ---- */

void ytext_add(struct text *t, const char *s, size_t n)
{
	if (t->failed)
		return;
	if (GT_GROW(t->s, t->cap, t->len + n + 1) < 0) {
		t->failed = true;
		return;
	}
	if (n)
		memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

void ytext_spaces(struct text *t, size_t n)
{
	while (n--)
		ytext_addc(t, ' ');
}

/* The text (malloc'd, NUL-terminated, the caller's), or NULL after running out of memory. */
char *ytext_take(struct text *t, size_t *len)
{
	ytext_add(t, "", 0); /* an empty text still gets its NUL */
	if (t->failed) {
		free(t->s);
		return NULL;
	}
	if (len)
		*len = t->len;
	return t->s;
}

char *ytext_dup(const void *s, size_t len)
{
	char *p = malloc(len + 1);
	if (p) {
		if (len)
			memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

/* ---- characters ---- */

/* Width of the line break at s[i], 0 if none. libyaml reads YAML 1.1's: "\r\n", "\n", "\r", NEL, LS, PS. */
size_t ytext_break_at(const char *s, size_t len, size_t i)
{
	const unsigned char *u = (const unsigned char *)s;
	if (i >= len)
		return 0;
	if (u[i] == '\r')
		return i + 1 < len && u[i + 1] == '\n' ? 2 : 1;
	if (u[i] == '\n')
		return 1;
	if (u[i] == 0xC2 && i + 1 < len && u[i + 1] == 0x85)
		return 2;
	if (u[i] == 0xE2 && i + 2 < len && u[i + 1] == 0x80 && (u[i + 2] == 0xA8 || u[i + 2] == 0xA9))
		return 3;
	return 0;
}

/* Width of the line break that ends just before s[i], 0 if none (between "\r" and "\n" is inside one). */
size_t ytext_break_before(const char *s, size_t len, size_t i)
{
	const unsigned char *u = (const unsigned char *)s;
	if (i == 0 || (i < len && u[i - 1] == '\r' && u[i] == '\n'))
		return 0;
	if (u[i - 1] == '\n')
		return i >= 2 && u[i - 2] == '\r' ? 2 : 1;
	if (u[i - 1] == '\r')
		return 1;
	if (i >= 2 && u[i - 2] == 0xC2 && u[i - 1] == 0x85)
		return 2;
	if (i >= 3 && u[i - 3] == 0xE2 && u[i - 2] == 0x80 && (u[i - 1] == 0xA8 || u[i - 1] == 0xA9))
		return 3;
	return 0;
}

/* Decode one UTF-8 character at s; its width, or 0 when the bytes are not valid UTF-8. */
size_t ytext_utf8_decode(const char *str, size_t left, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t w;
	uint32_t c, min;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0)
		w = 2, c = s[0] & 0x1F, min = 0x80;
	else if ((s[0] & 0xF0) == 0xE0)
		w = 3, c = s[0] & 0x0F, min = 0x800;
	else if ((s[0] & 0xF8) == 0xF0)
		w = 4, c = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (left < w)
		return 0;
	for (size_t i = 1; i < w; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return w;
}

bool ytext_utf8_valid(const char *s, size_t len)
{
	uint32_t cp;
	for (size_t i = 0, w; i < len; i += w)
		if (!(w = ytext_utf8_decode(s + i, len - i, &cp)))
			return false;
	return true;
}

/* A character YAML lets stand as itself inside quotes: not a control character,
 * not one of YAML 1.1's extra line breaks (NEL, LS, PS), not a byte order mark. */
bool ytext_printable(uint32_t c)
{
	return (c >= 0x20 && c <= 0x7E) || (c >= 0xA0 && c <= 0xD7FF && c != 0x2028 && c != 0x2029) ||
	       (c >= 0xE000 && c <= 0xFFFD && c != 0xFEFF) || (c >= 0x10000 && c <= 0x10FFFF);
}

/* Every character printable (tab and line feed too when allowed). */
bool ytext_all_printable(const char *s, size_t len, bool tab_and_newline)
{
	uint32_t c;
	for (size_t i = 0, w; i < len; i += w) {
		if (!(w = ytext_utf8_decode(s + i, len - i, &c)))
			return false;
		if (!ytext_printable(c) && !(tab_and_newline && (c == '\t' || c == '\n')))
			return false;
	}
	return true;
}
