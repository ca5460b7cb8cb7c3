/* lex: Go text/template's lexer (text/template/parse/lex.go): text and actions, trim markers,
 * comments, and the tokens inside {{ }}. The whole text is split up front; the parser indexes. */
#define _GNU_SOURCE
#include "lex.h"

#include <stdlib.h>
#include <string.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_alnum(unsigned char c)
{
	/* Go takes any Unicode letter; bytes of a multi-byte rune count as letters here */
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

static int push(struct lexer *l, enum tok_type t, size_t pos, size_t end)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct token *v = realloc(l->tok, cap * sizeof(*v));
		if (!v)
			return -1;
		l->tok = v;
		l->cap = cap;
	}
	l->tok[l->n++] = (struct token){ t, (uint32_t)pos, (uint32_t)(end - pos) };
	return 0;
}

static int lex_error(struct lexer *l, size_t pos, const char *msg)
{
	l->err = msg;
	l->err_pos = pos;
	l->err_in_action = l->in_action;
	return -1;
}

static const struct {
	const char *w;
	enum tok_type t;
} keywords[] = {
	{ "block", T_BLOCK }, { "break", T_BREAK }, { "continue", T_CONTINUE }, { "define", T_DEFINE },
	{ "else", T_ELSE }, { "end", T_END }, { "if", T_IF }, { "range", T_RANGE }, { "nil", T_NIL },
	{ "template", T_TEMPLATE }, { "with", T_WITH }, { "true", T_BOOL }, { "false", T_BOOL },
};

/* Go's scanNumber: sign, base prefix, digits with _, fraction, exponent, imaginary. */
static size_t scan_number(const char *s, size_t i, size_t n)
{
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	const char *digits = "0123456789_";
	if (i + 1 < n && s[i] == '0' && strchr("xXoObB", s[i + 1])) {
		char b = (char)(s[i + 1] | 0x20);
		digits = b == 'x' ? "0123456789abcdefABCDEF_" : b == 'o' ? "01234567_" : "01_";
		i += 2;
	}
	while (i < n && s[i] && strchr(digits, s[i]))
		i++;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && s[i] && strchr(digits, s[i]))
			i++;
	}
	if (i < n && ((digits[10] == '_' && (s[i] == 'e' || s[i] == 'E')) || s[i] == 'p' || s[i] == 'P')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < n && s[i] == 'i')
		i++;
	return i;
}

/* Inside {{ }} from pos; returns the position after the right delimiter, or 0 on error. */
static size_t lex_action(struct lexer *l, size_t i, bool *trim_right)
{
	const char *s = l->text;
	size_t n = l->len;
	int paren = 0;
	for (;;) {
		if (i + 3 < n && is_space(s[i]) && s[i + 1] == '-' && s[i + 2] == '}' && s[i + 3] == '}') {
			if (paren)
				return lex_error(l, i, "unclosed left paren"), 0;
			*trim_right = true;
			push(l, T_RIGHT, i, i + 4);
			return i + 4;
		}
		if (i + 1 < n && s[i] == '}' && s[i + 1] == '}') {
			if (paren)
				return lex_error(l, i, "unclosed left paren"), 0;
			*trim_right = false;
			push(l, T_RIGHT, i, i + 2);
			return i + 2;
		}
		if (i >= n)
			return lex_error(l, i, "unclosed action"), 0;
		char c = s[i];
		size_t st = i;
		if (is_space(c)) {
			while (i < n && is_space(s[i]) && !(i + 3 < n && s[i + 1] == '-' && s[i + 2] == '}' && s[i + 3] == '}'))
				i++;
			if (i == st) /* " -}}" comes next */
				continue;
			if (push(l, T_SPACE, st, i) < 0)
				return lex_error(l, st, "out of memory"), 0;
			continue;
		}
		enum tok_type t;
		switch (c) {
		case '=':
			t = T_ASSIGN, i++;
			break;
		case ':':
			if (i + 1 >= n || s[i + 1] != '=')
				return lex_error(l, i, "expected :="), 0;
			t = T_DECLARE, i += 2;
			break;
		case '|':
			t = T_PIPE, i++;
			break;
		case ',':
			t = T_COMMA, i++;
			break;
		case '(':
			t = T_LPAREN, i++, paren++;
			break;
		case ')':
			if (--paren < 0)
				return lex_error(l, i, "unexpected right paren"), 0;
			t = T_RPAREN, i++;
			break;
		case '"':
			for (i++; i < n && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < n)
					i++;
				if (s[i] == '\n')
					return lex_error(l, st, "unterminated quoted string"), 0;
			}
			if (i >= n)
				return lex_error(l, st, "unterminated quoted string"), 0;
			t = T_STRING, i++;
			break;
		case '`':
			for (i++; i < n && s[i] != '`'; i++)
				;
			if (i >= n)
				return lex_error(l, st, "unterminated raw quoted string"), 0;
			t = T_RAWSTRING, i++;
			break;
		case '\'':
			for (i++; i < n && s[i] != '\''; i++) {
				if (s[i] == '\\' && i + 1 < n)
					i++;
				if (s[i] == '\n')
					return lex_error(l, st, "unterminated character constant"), 0;
			}
			if (i >= n)
				return lex_error(l, st, "unterminated character constant"), 0;
			t = T_CHAR, i++;
			break;
		case '$':
			for (i++; i < n && is_alnum((unsigned char)s[i]); i++)
				;
			t = T_VAR;
			break;
		case '.':
			if (i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9') {
				i = scan_number(s, i, n);
				t = T_NUMBER;
				break;
			}
			for (i++; i < n && is_alnum((unsigned char)s[i]); i++)
				;
			t = i - st == 1 ? T_DOT : T_FIELD;
			break;
		default:
			if (c == '+' || c == '-' || (c >= '0' && c <= '9')) {
				i = scan_number(s, i, n);
				if (i < n && is_alnum((unsigned char)s[i]))
					return lex_error(l, st, "bad number syntax"), 0;
				t = T_NUMBER;
				break;
			}
			if (!is_alnum((unsigned char)c))
				return lex_error(l, i, "unrecognized character in action"), 0;
			while (i < n && is_alnum((unsigned char)s[i]))
				i++;
			t = T_IDENT;
			for (size_t k = 0; k < sizeof(keywords) / sizeof(*keywords); k++)
				if (strlen(keywords[k].w) == i - st && !memcmp(keywords[k].w, s + st, i - st))
					t = keywords[k].t;
			break;
		}
		if (push(l, t, st, i) < 0)
			return lex_error(l, st, "out of memory"), 0;
	}
}

int lex_all(struct lexer *l)
{
	const char *s = l->text;
	size_t n = l->len, i = 0;
	bool trim_next = false;
	while (i < n || trim_next) {
		const char *d = i < n ? memmem(s + i, n - i, "{{", 2) : NULL;
		size_t tend = d ? (size_t)(d - s) : n, tstart = i;
		bool trim_left = d && tend + 3 < n && s[tend + 2] == '-' && is_space(s[tend + 3]);
		if (trim_next)
			while (tstart < tend && is_space(s[tstart]))
				tstart++;
		size_t te = tend;
		if (trim_left)
			while (te > tstart && is_space(s[te - 1]))
				te--;
		if (te > tstart && push(l, T_TEXT, tstart, te) < 0)
			return lex_error(l, tstart, "out of memory");
		trim_next = false;
		if (!d)
			break;
		size_t a = tend + 2 + (trim_left ? 2 : 0);
		/* a comment (slash-star ... star-slash right inside the delimiters, trim markers allowed) */
		if (a + 1 < n && s[a] == '/' && s[a + 1] == '*') {
			const char *e = memmem(s + a + 2, n - a - 2, "*/", 2);
			if (!e)
				return lex_error(l, tend, "unclosed comment");
			size_t k = (size_t)(e - s) + 2;
			if (k + 3 < n && is_space(s[k]) && s[k + 1] == '-' && s[k + 2] == '}' && s[k + 3] == '}') {
				trim_next = true;
				i = k + 4;
			} else if (k + 1 < n && s[k] == '}' && s[k + 1] == '}') {
				i = k + 2;
			} else {
				return lex_error(l, tend, "comment ends before closing delimiter");
			}
			continue;
		}
		if (push(l, T_LEFT, tend, a) < 0)
			return lex_error(l, tend, "out of memory");
		l->action_pos = tend;
		l->in_action = true;
		size_t after = lex_action(l, a, &trim_next);
		l->in_action = false;
		if (!after)
			return -1;
		i = after;
	}
	if (push(l, T_EOF, n, n) < 0)
		return lex_error(l, n, "out of memory");
	return 0;
}

void lex_free(struct lexer *l)
{
	free(l->tok);
	l->tok = NULL;
	l->n = l->cap = 0;
}
