/* lex: the tokens of a Go template (text/template/parse's items). */
#ifndef HELM_LEX_H
#define HELM_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tok_type {
	T_EOF, T_TEXT, T_LEFT, T_RIGHT, T_SPACE, T_IDENT, T_FIELD, T_VAR, T_DOT, T_NIL, T_BOOL, T_NUMBER,
	T_CHAR, T_STRING, T_RAWSTRING, T_LPAREN, T_RPAREN, T_PIPE, T_DECLARE, T_ASSIGN, T_COMMA,
	T_IF, T_ELSE, T_END, T_RANGE, T_WITH, T_DEFINE, T_TEMPLATE, T_BLOCK, T_BREAK, T_CONTINUE,
};

struct token {
	enum tok_type t;
	uint32_t pos, len; /* in the text */
};

struct lexer {
	const char *text;
	size_t len;
	struct token *tok;
	size_t n, cap;
	const char *err; /* set when lex_all fails */
	size_t err_pos;
	size_t action_pos; /* the {{ of the action being lexed */
	bool in_action, err_in_action;
};

/* Split l->text into l->tok (ending with T_EOF); -1 with l->err set. */
int lex_all(struct lexer *l);
void lex_free(struct lexer *l);

#endif
