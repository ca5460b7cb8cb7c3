/* ytext: growing text and the character classes of YAML bytes, for the YAML editor (internal). */
#ifndef GT_YTEXT_H
#define GT_YTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct text {
	char *s;
	size_t len, cap;
	bool failed; /* out of memory: later adds do nothing and text_take returns NULL */
};

void ytext_add(struct text *t, const char *s, size_t n);
void ytext_spaces(struct text *t, size_t n);
char *ytext_take(struct text *t, size_t *len);
char *ytext_dup(const void *s, size_t len);
size_t ytext_break_at(const char *s, size_t len, size_t i);
size_t ytext_break_before(const char *s, size_t len, size_t i);
size_t ytext_utf8_decode(const char *str, size_t left, uint32_t *cp);
bool ytext_utf8_valid(const char *s, size_t len);
bool ytext_printable(uint32_t c);
bool ytext_all_printable(const char *s, size_t len, bool tab_and_newline);

static inline void ytext_adds(struct text *t, const char *s) { ytext_add(t, s, strlen(s)); }
static inline void ytext_addc(struct text *t, char c) { ytext_add(t, &c, 1); }
static inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
static inline bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || is_digit(c); }
static inline bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }
static inline bool is_blank(char c) { return c == ' ' || c == '\t'; }
static inline bool is_continuation(char c) { return ((unsigned char)c & 0xC0) == 0x80; }

#endif
