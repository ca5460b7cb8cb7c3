/* parse: Go text/template's parser (text/template/parse/parse.go) over lex's tokens: actions,
 * if/else if/with/else with/range/define/template/block, pipelines, variables and their scopes,
 * and the template set helm parses every file into (later defines win, empty ones do not). */
#define _GNU_SOURCE
#include "helm.h"
#include "lex.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- node memory: one pool per set, freed with it ---- */

struct node_pool {
	struct pool_chunk *chunks;
	struct hstr **strs; /* strings the nodes hold */
	size_t n_strs, cap_strs;
};
struct pool_chunk {
	struct pool_chunk *next;
	size_t used, size;
	_Alignas(16) char mem[];
};

static void *pool_alloc(struct node_pool *p, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	struct pool_chunk *c = p->chunks;
	if (!c || c->used + n > c->size) {
		size_t size = n > 65536 ? n : 65536;
		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->next = p->chunks;
		c->used = 0;
		c->size = size;
		p->chunks = c;
	}
	void *r = c->mem + c->used;
	c->used += n;
	memset(r, 0, n);
	return r;
}

static struct hstr *pool_str(struct node_pool *p, const char *s, size_t n)
{
	if (p->n_strs == p->cap_strs) {
		size_t cap = p->cap_strs ? p->cap_strs * 2 : 64;
		struct hstr **v = realloc(p->strs, cap * sizeof(*v));
		if (!v)
			return NULL;
		p->strs = v;
		p->cap_strs = cap;
	}
	struct hstr *h = hstr_new(s, n);
	if (h)
		p->strs[p->n_strs++] = h;
	return h;
}

static void pool_free(struct node_pool *p)
{
	if (!p)
		return;
	for (struct pool_chunk *c = p->chunks, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	for (size_t i = 0; i < p->n_strs; i++)
		hstr_unref(p->strs[i]);
	free(p->strs);
	free(p);
}

/* ---- the set ---- */

struct tmpl_set *tset_new(void)
{
	struct tmpl_set *s = calloc(1, sizeof(*s));
	if (s && !(s->pool = calloc(1, sizeof(*s->pool)))) {
		free(s);
		return NULL;
	}
	return s;
}

void tset_free(struct tmpl_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	for (struct tmpl_src *src = s->srcs, *next; src; src = next) {
		next = src->next_free;
		free(src->name);
		free(src->text);
		free(src);
	}
	pool_free(s->pool);
	free(s);
}

static ptrdiff_t tset_search(const struct tmpl_set *s, const char *name, size_t len)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct hstr *k = s->v[mid]->name;
		size_t m = k->len < len ? k->len : len;
		int c = memcmp(k->s, name, m);
		if (!c)
			c = k->len < len ? -1 : k->len > len;
		if (!c)
			return (ptrdiff_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(ptrdiff_t)lo - 1;
}

struct tmpl *tset_lookup(const struct tmpl_set *s, const char *name, size_t len)
{
	for (; s; s = s->parent) {
		ptrdiff_t i = tset_search(s, name, len);
		if (i >= 0)
			return s->v[i];
	}
	return NULL;
}

/* text/template's parse.IsEmptyTree */
static bool is_empty_tree(const struct node *n)
{
	if (!n)
		return true;
	switch (n->type) {
	case N_LIST:
		for (size_t i = 0; i < n->u.list.n; i++)
			if (!is_empty_tree(n->u.list.v[i]))
				return false;
		return true;
	case N_TEXT:
		for (size_t i = 0; i < n->u.text.n; i++) {
			char c = n->u.text.s[i];
			if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f')
				return false;
		}
		return true;
	default:
		return false;
	}
}

/* AddParseTree: a new definition replaces an old one, except an empty one (associate()). */
static int tset_add(struct tmpl_set *s, struct hstr *name, struct node *root, struct tmpl_src *src)
{
	ptrdiff_t i = tset_search(s, name->s, name->len);
	if (i >= 0) {
		if (is_empty_tree(root) && s->v[i]->root)
			return 0;
		s->v[i]->root = root;
		s->v[i]->src = src;
		return 0;
	}
	struct tmpl *t = calloc(1, sizeof(*t));
	if (!t)
		return -1;
	t->name = name;
	t->root = root;
	t->src = src;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct tmpl **v = realloc(s->v, cap * sizeof(*v));
		if (!v) {
			free(t);
			return -1;
		}
		s->v = v;
		s->cap = cap;
	}
	size_t at = (size_t)(-i - 1);
	memmove(s->v + at + 1, s->v + at, (s->n - at) * sizeof(*s->v));
	s->v[at] = t;
	s->n++;
	return 0;
}

/* ---- the parser ---- */

struct parser {
	struct lexer lx;
	size_t i;
	struct tmpl_set *set;
	struct node_pool *pool;
	struct tmpl_src *src;
	struct herr *e;
	const char *name; /* the tree being parsed, for messages */
	struct hstr **vars;
	size_t n_vars, cap_vars;
	int range_depth;
	bool failed;
	size_t fail_pos; /* where the first error was found */
};

static uint32_t line_of(const struct parser *p, size_t pos)
{
	uint32_t line = 1;
	for (size_t k = 0; k < pos && k < p->lx.len; k++)
		line += p->lx.text[k] == '\n';
	return line;
}

static void *perr(struct parser *p, size_t pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void *perr(struct parser *p, size_t pos, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* text/template names the file (its ParseName) even inside a define */
	if (!p->failed)
		herr_set(p->e, HERR_TEMPLATE, false, "template: %s:%u: %s", p->src->name, line_of(p, pos), msg);
	if (!p->failed)
		p->fail_pos = pos;
	p->failed = true;
	return NULL;
}

static struct token *peek(struct parser *p)
{
	return &p->lx.tok[p->i];
}

static struct token *next(struct parser *p)
{
	struct token *t = &p->lx.tok[p->i];
	if (t->t != T_EOF)
		p->i++;
	return t;
}

static struct token *peek_non_space(struct parser *p)
{
	while (p->lx.tok[p->i].t == T_SPACE)
		p->i++;
	return &p->lx.tok[p->i];
}

static struct token *next_non_space(struct parser *p)
{
	peek_non_space(p);
	return next(p);
}

static const char *tok_text(const struct parser *p, const struct token *t)
{
	static char buf[64];
	if (t->t == T_EOF)
		return "EOF";
	snprintf(buf, sizeof(buf), "%.*s", (int)(t->len < 40 ? t->len : 40), p->lx.text + t->pos);
	return buf;
}

static struct node *new_node(struct parser *p, enum node_type type, size_t pos)
{
	struct node *n = pool_alloc(p->pool, sizeof(*n));
	if (!n)
		return perr(p, pos, "out of memory");
	n->type = type;
	n->pos = (uint32_t)pos;
	n->src = p->src;
	return n;
}

static bool list_add(struct parser *p, struct node *list, struct node *item)
{
	if (list->u.list.n == list->u.list.cap) {
		size_t cap = list->u.list.cap ? list->u.list.cap * 2 : 4;
		struct node **v = pool_alloc(p->pool, cap * sizeof(*v));
		if (!v)
			return perr(p, list->pos, "out of memory"), false;
		if (list->u.list.n)
			memcpy(v, list->u.list.v, list->u.list.n * sizeof(*v));
		list->u.list.v = v;
		list->u.list.cap = cap;
	}
	list->u.list.v[list->u.list.n++] = item;
	return true;
}

static bool push_var(struct parser *p, const char *s, size_t n)
{
	if (p->n_vars == p->cap_vars) {
		size_t cap = p->cap_vars ? p->cap_vars * 2 : 16;
		struct hstr **v = realloc(p->vars, cap * sizeof(*v));
		if (!v)
			return false;
		p->vars = v;
		p->cap_vars = cap;
	}
	struct hstr *h = pool_str(p->pool, s, n);
	if (!h)
		return false;
	p->vars[p->n_vars++] = h;
	return true;
}

/* Go's strconv.Unquote for "..." and `...` (and '...' for a rune). */
static struct hstr *unquote(struct parser *p, const struct token *t, long *rune)
{
	const char *s = p->lx.text + t->pos;
	size_t n = t->len;
	if (t->t == T_RAWSTRING)
		return pool_str(p->pool, s + 1, n - 2);
	char *out = malloc(n * 4 + 1);
	size_t o = 0;
	if (!out)
		return perr(p, t->pos, "out of memory");
	for (size_t i = 1; i + 1 < n; i++) {
		char c = s[i];
		if (c != '\\') {
			out[o++] = c;
			continue;
		}
		c = s[++i];
		unsigned long v = 0;
		int digits = 0;
		switch (c) {
		case 'a': out[o++] = '\a'; continue;
		case 'b': out[o++] = '\b'; continue;
		case 'f': out[o++] = '\f'; continue;
		case 'n': out[o++] = '\n'; continue;
		case 'r': out[o++] = '\r'; continue;
		case 't': out[o++] = '\t'; continue;
		case 'v': out[o++] = '\v'; continue;
		case '\\': out[o++] = '\\'; continue;
		case '"': case '\'': out[o++] = c; continue;
		case 'x': digits = 2; break;
		case 'u': digits = 4; break;
		case 'U': digits = 8; break;
		default:
			if (c >= '0' && c <= '7') {
				for (int k = 0; k < 3 && i + 1 < n; k++, i++) {
					char d = s[i];
					if (d < '0' || d > '7') {
						free(out);
						return perr(p, t->pos, "invalid syntax");
					}
					v = v * 8 + (unsigned long)(d - '0');
				}
				i--;
				out[o++] = (char)v;
				continue;
			}
			free(out);
			return perr(p, t->pos, "invalid syntax");
		}
		for (int k = 0; k < digits; k++) {
			char d = i + 1 < n - 1 ? s[++i] : 0;
			int dv = d >= '0' && d <= '9' ? d - '0' : (d | 0x20) >= 'a' && (d | 0x20) <= 'f' ? (d | 0x20) - 'a' + 10 : -1;
			if (dv < 0) {
				free(out);
				return perr(p, t->pos, "invalid syntax");
			}
			v = v * 16 + (unsigned long)dv;
		}
		if (c == 'x') {
			out[o++] = (char)v;
		} else if (v < 0x80) {
			out[o++] = (char)v;
		} else if (v < 0x800) {
			out[o++] = (char)(0xc0 | v >> 6);
			out[o++] = (char)(0x80 | (v & 0x3f));
		} else if (v < 0x10000) {
			out[o++] = (char)(0xe0 | v >> 12);
			out[o++] = (char)(0x80 | ((v >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (v & 0x3f));
		} else {
			out[o++] = (char)(0xf0 | v >> 18);
			out[o++] = (char)(0x80 | ((v >> 12) & 0x3f));
			out[o++] = (char)(0x80 | ((v >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (v & 0x3f));
		}
	}
	if (rune) {
		/* a character constant: exactly one rune */
		size_t len = 0;
		long r = -1;
		if (o > 0) {
			unsigned char c0 = (unsigned char)out[0];
			len = c0 < 0x80 ? 1 : c0 >= 0xf0 ? 4 : c0 >= 0xe0 ? 3 : 2;
			r = c0 < 0x80 ? c0 : c0 & (0x3f >> (len - 1));
			for (size_t k = 1; k < len && k < o; k++)
				r = r << 6 | (out[k] & 0x3f);
		}
		free(out);
		if (len != o || r < 0)
			return perr(p, t->pos, "malformed character constant: %s", tok_text(p, t));
		*rune = r;
		return (struct hstr *)rune; /* non-NULL: success */
	}
	struct hstr *h = pool_str(p->pool, out, o);
	free(out);
	return h;
}

/* Go's parse.NumberNode: int, uint and float readings of the constant. */
static struct node *number(struct parser *p, const struct token *t)
{
	struct node *n = new_node(p, N_NUMBER, t->pos);
	if (!n)
		return NULL;
	const char *s = p->lx.text + t->pos;
	n->u.num.text = s;
	n->u.num.n = t->len;
	if (t->t == T_CHAR) {
		long r;
		if (!unquote(p, t, &r))
			return NULL;
		n->u.num.is_int = n->u.num.is_float = true;
		n->u.num.i = r;
		n->u.num.f = (double)r;
		return n;
	}
	char text[128];
	if (t->len >= sizeof(text))
		return perr(p, t->pos, "illegal number syntax: %s", tok_text(p, t));
	if (s[t->len - 1] == 'i')
		return perr(p, t->pos, "complex constants are not supported here");
	/* underscores only go with a base prefix or between digits; strip them as Go's base-0 parse */
	size_t k = 0;
	for (size_t i = 0; i < t->len; i++)
		if (s[i] != '_')
			text[k++] = s[i];
	text[k] = '\0';
	const char *d = text;
	bool neg = false;
	if (*d == '+' || *d == '-')
		neg = *d++ == '-';
	int base = 10;
	const char *digits = d;
	if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X'))
		base = 16, digits = d + 2;
	else if (d[0] == '0' && (d[1] == 'o' || d[1] == 'O'))
		base = 8, digits = d + 2;
	else if (d[0] == '0' && (d[1] == 'b' || d[1] == 'B'))
		base = 2, digits = d + 2;
	else if (d[0] == '0' && d[1] && !strpbrk(d, ".eEpP"))
		base = 8, digits = d + 1;
	bool floaty = base == 10 ? strpbrk(d, ".eE") != NULL : base == 16 ? strpbrk(d, ".pP") != NULL : false;
	if (!floaty && *digits) {
		char *end;
		errno = 0;
		unsigned long long u = strtoull(digits, &end, base);
		if (*end)
			return perr(p, t->pos, "illegal number syntax: %s", tok_text(p, t));
		if (errno == ERANGE || (neg ? u > (unsigned long long)INT64_MAX + 1 : u > (unsigned long long)INT64_MAX))
			return perr(p, t->pos, "integer overflow: %s", tok_text(p, t));
		n->u.num.is_int = n->u.num.is_float = true;
		n->u.num.i = neg ? (int64_t)(0 - u) : (int64_t)u;
		n->u.num.f = (double)n->u.num.i;
		return n;
	}
	char *end;
	double f = strtod(text, &end);
	if (*end || base == 8 || base == 2)
		return perr(p, t->pos, "illegal number syntax: %s", tok_text(p, t));
	n->u.num.is_float = true;
	n->u.num.f = f;
	if ((double)(int64_t)f == f && f >= -9.2e18 && f <= 9.2e18) {
		n->u.num.is_int = true;
		n->u.num.i = (int64_t)f;
	}
	return n;
}

static struct pipe *pipeline(struct parser *p, const char *context, enum tok_type end);

static struct node *field_node(struct parser *p, enum node_type type, const struct token *t)
{
	struct node *n = new_node(p, type, t->pos);
	if (!n)
		return NULL;
	/* ".a" or "$x": split later fields on '.' */
	const char *s = p->lx.text + t->pos;
	size_t len = t->len;
	n->u.field.ident = pool_alloc(p->pool, sizeof(struct hstr *));
	if (!n->u.field.ident)
		return perr(p, t->pos, "out of memory");
	n->u.field.ident[0] = type == N_FIELD ? pool_str(p->pool, s + 1, len - 1) : pool_str(p->pool, s, len);
	n->u.field.n = 1;
	return n->u.field.ident[0] ? n : perr(p, t->pos, "out of memory");
}

static bool add_ident(struct parser *p, struct node *n, const struct token *t)
{
	struct hstr **v = pool_alloc(p->pool, (n->u.field.n + 1) * sizeof(*v));
	if (!v)
		return perr(p, t->pos, "out of memory"), false;
	memcpy(v, n->u.field.ident, n->u.field.n * sizeof(*v));
	v[n->u.field.n] = pool_str(p->pool, p->lx.text + t->pos + 1, t->len - 1);
	if (!v[n->u.field.n])
		return perr(p, t->pos, "out of memory"), false;
	n->u.field.ident = v;
	n->u.field.n++;
	return true;
}

static struct node *term(struct parser *p)
{
	struct token *t = next_non_space(p);
	struct node *n;
	switch (t->t) {
	case T_IDENT: {
		const struct hfunc *fn = func_lookup(p->lx.text + t->pos, t->len);
		if (!fn)
			return perr(p, t->pos, "function \"%.*s\" not defined", (int)t->len, p->lx.text + t->pos);
		n = new_node(p, N_IDENT, t->pos);
		if (n && !(n->u.ident = pool_str(p->pool, p->lx.text + t->pos, t->len)))
			return perr(p, t->pos, "out of memory");
		if (n)
			n->fn = fn;
		return n;
	}
	case T_DOT:
		return new_node(p, N_DOT, t->pos);
	case T_NIL:
		return new_node(p, N_NIL, t->pos);
	case T_VAR: {
		for (size_t i = p->n_vars; i-- > 0;)
			if (p->vars[i]->len == t->len && !memcmp(p->vars[i]->s, p->lx.text + t->pos, t->len))
				return field_node(p, N_VARIABLE, t);
		return perr(p, t->pos, "undefined variable \"%.*s\"", (int)t->len, p->lx.text + t->pos);
	}
	case T_FIELD:
		return field_node(p, N_FIELD, t);
	case T_BOOL:
		n = new_node(p, N_BOOL, t->pos);
		if (n)
			n->u.b = p->lx.text[t->pos] == 't';
		return n;
	case T_NUMBER:
	case T_CHAR:
		return number(p, t);
	case T_LPAREN: {
		size_t pos = peek_non_space(p)->pos;
		struct pipe *pp = pipeline(p, "parenthesized pipeline", T_RPAREN);
		if (!pp)
			return NULL;
		n = new_node(p, N_PIPE, pos);
		if (n)
			n->u.pipe = pp;
		return n;
	}
	case T_STRING:
	case T_RAWSTRING:
		n = new_node(p, N_STRING, t->pos);
		if (n && !(n->u.str = unquote(p, t, NULL)))
			return NULL;
		return n;
	default:
		if (t->t != T_EOF) /* next() stays on the end */
			p->i--;
		return NULL;
	}
}

static struct node *operand(struct parser *p)
{
	struct node *n = term(p);
	if (!n || peek(p)->t != T_FIELD)
		return n;
	size_t chain_pos = peek(p)->pos;
	if (n->type == N_FIELD || n->type == N_VARIABLE) {
		while (peek(p)->t == T_FIELD)
			if (!add_ident(p, n, next(p)))
				return NULL;
		n->pos = (uint32_t)chain_pos;
		return n;
	}
	if (n->type == N_BOOL || n->type == N_STRING || n->type == N_NUMBER || n->type == N_NIL || n->type == N_DOT)
		return perr(p, chain_pos, "unexpected . after term");
	struct node *c = new_node(p, N_CHAIN, chain_pos);
	if (!c)
		return NULL;
	c->chain_of = n;
	c->u.field.ident = pool_alloc(p->pool, sizeof(struct hstr *));
	if (!c->u.field.ident)
		return perr(p, chain_pos, "out of memory");
	struct token *f = next(p);
	c->u.field.ident[0] = pool_str(p->pool, p->lx.text + f->pos + 1, f->len - 1);
	c->u.field.n = 1;
	while (peek(p)->t == T_FIELD)
		if (!add_ident(p, c, next(p)))
			return NULL;
	return c;
}

static struct node *command(struct parser *p)
{
	struct node *cmd = new_node(p, N_COMMAND, peek_non_space(p)->pos);
	if (!cmd)
		return NULL;
	for (;;) {
		peek_non_space(p);
		struct node *op = operand(p);
		if (p->failed)
			return NULL;
		if (op && !list_add(p, cmd, op))
			return NULL;
		struct token *t = next(p);
		if (t->t == T_SPACE)
			continue;
		if (t->t == T_RIGHT || t->t == T_RPAREN)
			p->i--;
		else if (t->t != T_PIPE)
			return perr(p, t->pos, "unexpected \"%s\" in operand", tok_text(p, t));
		break;
	}
	if (!cmd->u.list.n)
		return perr(p, cmd->pos, "empty command");
	return cmd;
}

static bool pipe_add(struct parser *p, struct node ***v, size_t *n, struct node *item)
{
	struct node **nv = pool_alloc(p->pool, (*n + 1) * sizeof(*nv));
	if (!nv)
		return perr(p, item->pos, "out of memory"), false;
	if (*n)
		memcpy(nv, *v, *n * sizeof(*nv));
	nv[(*n)++] = item;
	*v = nv;
	return true;
}

static struct pipe *pipeline(struct parser *p, const char *context, enum tok_type end)
{
	struct pipe *pp = pool_alloc(p->pool, sizeof(*pp));
	if (!pp)
		return perr(p, peek(p)->pos, "out of memory");
decls:
	if (peek_non_space(p)->t == T_VAR) {
		size_t at = p->i;
		struct token *v = next(p);
		struct token *after = peek(p);
		struct token *nx = peek_non_space(p);
		if (nx->t == T_ASSIGN || nx->t == T_DECLARE) {
			pp->is_assign = nx->t == T_ASSIGN;
			next(p);
			struct node *vn = field_node(p, N_VARIABLE, v);
			if (!vn || !pipe_add(p, &pp->decl, &pp->n_decl, vn) || !push_var(p, p->lx.text + v->pos, v->len))
				return perr(p, v->pos, "out of memory");
		} else if (nx->t == T_COMMA) {
			next(p);
			struct node *vn = field_node(p, N_VARIABLE, v);
			if (!vn || !pipe_add(p, &pp->decl, &pp->n_decl, vn) || !push_var(p, p->lx.text + v->pos, v->len))
				return perr(p, v->pos, "out of memory");
			if (!strcmp(context, "range") && pp->n_decl < 2) {
				enum tok_type k = peek_non_space(p)->t;
				if (k == T_VAR || k == T_RIGHT || k == T_RPAREN)
					goto decls;
				return perr(p, v->pos, "range can only initialize variables");
			}
			return perr(p, v->pos, "too many declarations in %s", context);
		} else {
			(void)after;
			p->i = at; /* $x is an operand */
		}
	}
	for (;;) {
		struct token *t = next_non_space(p);
		if (t->t == end) {
			if (!pp->n_cmds)
				return perr(p, t->pos, "missing value for %s", context);
			for (size_t i = 1; i < pp->n_cmds; i++) {
				enum node_type k = pp->cmds[i]->u.list.v[0]->type;
				if (k == N_BOOL || k == N_DOT || k == N_NIL || k == N_NUMBER || k == N_STRING)
					return perr(p, pp->cmds[i]->pos, "non executable command in pipeline stage %zu", i + 1);
			}
			return pp;
		}
		switch (t->t) {
		case T_BOOL: case T_CHAR: case T_DOT: case T_FIELD: case T_IDENT: case T_NUMBER: case T_NIL:
		case T_RAWSTRING: case T_STRING: case T_VAR: case T_LPAREN: {
			p->i--;
			struct node *c = command(p);
			if (!c || !pipe_add(p, &pp->cmds, &pp->n_cmds, c))
				return NULL;
			break;
		}
		default:
			return perr(p, t->pos, "unexpected \"%s\" in %s", tok_text(p, t), context);
		}
	}
}

static struct node *item_list(struct parser *p, struct node **end_node);

static struct node *text_or_action(struct parser *p);

/* if/range/with: the pipeline, the list, the else part (else if / else with chained). */
static struct node *control(struct parser *p, enum node_type type, const char *context)
{
	size_t saved_vars = p->n_vars;
	size_t pos = peek_non_space(p)->pos;
	struct node *n = new_node(p, type, pos);
	if (!n)
		return NULL;
	n->line = line_of(p, pos);
	if (!(n->u.br.pipe = pipeline(p, context, T_RIGHT)))
		return NULL;
	if (type == N_RANGE)
		p->range_depth++;
	struct node *end = NULL;
	n->u.br.list = item_list(p, &end);
	if (type == N_RANGE)
		p->range_depth--;
	if (!n->u.br.list)
		return NULL;
	if (end->type == N_ELSE_MARK) {
		struct token *t = peek(p);
		if ((type == N_IF && t->t == T_IF) || (type == N_WITH && t->t == T_WITH)) {
			next(p);
			struct node *l = new_node(p, N_LIST, end->pos);
			struct node *inner = l ? control(p, type, context) : NULL;
			if (!inner || !list_add(p, l, inner))
				return NULL;
			n->u.br.else_list = l;
		} else {
			struct node *end2 = NULL;
			if (!(n->u.br.else_list = item_list(p, &end2)))
				return NULL;
			if (end2->type != N_END_MARK)
				return perr(p, end2->pos, "expected end; found {{else}}");
		}
	}
	p->n_vars = saved_vars;
	return n;
}

static struct hstr *template_name(struct parser *p, const char *context)
{
	struct token *t = next_non_space(p);
	if (t->t != T_STRING && t->t != T_RAWSTRING)
		return perr(p, t->pos, "unexpected \"%s\" in %s", tok_text(p, t), context);
	return unquote(p, t, NULL);
}

/* {{define "name"}} ... {{end}}, and the body of {{block}}: a template of its own in the set. */
static bool definition(struct parser *p, struct hstr *name)
{
	size_t saved = p->n_vars;
	int saved_range = p->range_depth;
	p->n_vars = 0;
	p->range_depth = 0;
	if (!push_var(p, "$", 1))
		return perr(p, 0, "out of memory"), false;
	const char *saved_name = p->name;
	struct node *end = NULL;
	struct node *body = item_list(p, &end);
	p->name = saved_name;
	p->n_vars = saved;
	p->range_depth = saved_range;
	if (!body)
		return false;
	if (end->type != N_END_MARK)
		return perr(p, end->pos, "unexpected {{else}} in define clause"), false;
	if (tset_add(p->set, name, body, p->src) < 0)
		return perr(p, 0, "out of memory"), false;
	return true;
}

static struct node *action(struct parser *p)
{
	struct token *t = next_non_space(p);
	struct node *n;
	switch (t->t) {
	case T_IF:
		return control(p, N_IF, "if");
	case T_RANGE:
		return control(p, N_RANGE, "range");
	case T_WITH:
		return control(p, N_WITH, "with");
	case T_ELSE: {
		size_t pos = t->pos;
		struct token *k = peek_non_space(p);
		if (k->t != T_IF && k->t != T_WITH) {
			struct token *r = next_non_space(p);
			if (r->t != T_RIGHT)
				return perr(p, r->pos, "unexpected token in else");
		}
		return new_node(p, N_ELSE_MARK, pos);
	}
	case T_END: {
		struct token *r = next_non_space(p);
		if (r->t != T_RIGHT)
			return perr(p, r->pos, "unexpected token in end");
	}
		return new_node(p, N_END_MARK, t->pos);
	case T_BREAK:
	case T_CONTINUE:
		if (next_non_space(p)->t != T_RIGHT)
			return perr(p, p->lx.tok[p->i ? p->i - 1 : 0].pos, "unexpected token in {{%s}}",
				    t->t == T_BREAK ? "break" : "continue");
		if (!p->range_depth)
			return perr(p, t->pos, "{{%s}} outside {{range}}", t->t == T_BREAK ? "break" : "continue");
		return new_node(p, t->t == T_BREAK ? N_BREAK : N_CONTINUE, t->pos);
	case T_TEMPLATE:
	case T_BLOCK: {
		bool block = t->t == T_BLOCK;
		size_t pos = peek_non_space(p)->pos; /* text/template places the node at its name */
		struct hstr *name = template_name(p, block ? "block clause" : "template clause");
		if (!name)
			return NULL;
		struct pipe *pp = NULL;
		if (next_non_space(p)->t != T_RIGHT) {
			p->i--;
			if (!(pp = pipeline(p, block ? "block clause" : "template clause", T_RIGHT)))
				return NULL;
		} else if (block) {
			return perr(p, pos, "missing value for block clause");
		}
		n = new_node(p, N_TEMPLATE, pos);
		if (!n)
			return NULL;
		n->line = line_of(p, pos);
		n->u.tmpl.name = name;
		n->u.tmpl.pipe = pp;
		if (block && !definition(p, name))
			return NULL;
		return n;
	}
	default:
		p->i--;
		size_t pos = peek_non_space(p)->pos;
		n = new_node(p, N_ACTION, pos);
		if (!n)
			return NULL;
		n->line = line_of(p, pos);
		n->u.pipe = pipeline(p, "command", T_RIGHT);
		return n->u.pipe ? n : NULL;
	}
}

static struct node *text_or_action(struct parser *p)
{
	struct token *t = next_non_space(p);
	if (t->t == T_TEXT) {
		struct node *n = new_node(p, N_TEXT, t->pos);
		if (n) {
			n->u.text.s = p->lx.text + t->pos;
			n->u.text.n = t->len;
		}
		return n;
	}
	if (t->t == T_LEFT)
		return action(p);
	return perr(p, t->pos, "unexpected \"%s\" in input", tok_text(p, t));
}

/* Items up to {{end}} or {{else}}; *end_node is that marker. */
static struct node *item_list(struct parser *p, struct node **end_node)
{
	struct node *list = new_node(p, N_LIST, peek(p)->pos);
	if (!list)
		return NULL;
	while (peek_non_space(p)->t != T_EOF) {
		struct node *n = text_or_action(p);
		if (!n)
			return NULL;
		if (n->type == N_END_MARK || n->type == N_ELSE_MARK) {
			*end_node = n;
			return list;
		}
		if (!list_add(p, list, n))
			return NULL;
	}
	return perr(p, peek(p)->pos, "unexpected EOF");
}

/* The parser got to where the lexer failed (no error of its own before): Tree.unexpected words
 * the lexer's error, adding where the action began when that is another line. */
static void lex_error_reached(struct parser *p)
{
	if (p->failed && p->fail_pos < p->lx.err_pos && p->e->kind == HERR_TEMPLATE)
		return; /* a parse error before it: Go reports that one */
	char extra[600] = "";
	uint32_t eline = line_of(p, p->lx.err_pos), aline = line_of(p, p->lx.action_pos);
	size_t ml = strlen(p->lx.err);
	if (p->lx.err_in_action && aline != eline)
		snprintf(extra, sizeof(extra), "%s started at %s:%u",
			 ml > 7 && !strcmp(p->lx.err + ml - 7, " action") ? "" : " in action", p->src->name, aline);
	p->failed = false;
	p->e->kind = HERR_NONE;
	perr(p, p->lx.err_pos, "%s%s", p->lx.err, extra);
}

int tset_parse(struct tmpl_set *s, const char *name, const char *text, size_t len, struct herr *e)
{
	struct tmpl_src *src = calloc(1, sizeof(*src));
	if (!src || !(src->name = strdup(name)) || !(src->text = malloc(len + 1))) {
		if (src)
			free(src->name);
		free(src);
		herr_set(e, HERR_NOMEM, false, "out of memory");
		return -1;
	}
	memcpy(src->text, text, len);
	src->text[len] = '\0';
	src->len = len;
	src->next_free = s->srcs;
	s->srcs = src;
	struct parser p = { .set = s, .pool = s->pool, .src = src, .e = e, .name = name };
	p.lx.text = src->text;
	p.lx.len = len;
	/* Go lexes as it parses: a parse error before the lexer's error is the one it reports. So
	 * the tokens before it are parsed, up to an end put where the lexer stopped. */
	bool lex_failed = lex_all(&p.lx) < 0;
	if (lex_failed) {
		struct token eof = { T_EOF, (uint32_t)p.lx.err_pos, 0 };
		struct token *v = p.lx.n < p.lx.cap ? p.lx.tok : realloc(p.lx.tok, (p.lx.n + 1) * sizeof(*v));
		if (!v) {
			herr_set(e, HERR_NOMEM, false, "out of memory");
			lex_free(&p.lx);
			return -1;
		}
		p.lx.tok = v;
		if (p.lx.cap < p.lx.n + 1)
			p.lx.cap = p.lx.n + 1;
		p.lx.tok[p.lx.n++] = eof;
	}
	struct node *root = new_node(&p, N_LIST, 0);
	struct hstr *tname = pool_str(s->pool, name, strlen(name));
	if (!root || !tname || !push_var(&p, "$", 1))
		goto fail;
	while (!p.failed && peek(&p)->t != T_EOF) {
		if (peek(&p)->t == T_LEFT) {
			size_t at = p.i;
			next(&p);
			if (next_non_space(&p)->t == T_DEFINE) {
				struct hstr *dname = template_name(&p, "define clause");
				if (!dname)
					goto fail;
				if (next_non_space(&p)->t != T_RIGHT) {
					perr(&p, p.lx.tok[p.i - 1].pos, "unexpected token in define clause");
					goto fail;
				}
				const char *saved = p.name;
				p.name = dname->s;
				if (!definition(&p, dname))
					goto fail;
				p.name = saved;
				continue;
			}
			p.i = at;
		}
		struct node *n = text_or_action(&p);
		if (!n)
			goto fail;
		if (n->type == N_END_MARK || n->type == N_ELSE_MARK) {
			perr(&p, n->pos, "unexpected {{%s}}", n->type == N_END_MARK ? "end" : "else");
			goto fail;
		}
		if (!list_add(&p, root, n))
			goto fail;
	}
	if (lex_failed) {
		lex_error_reached(&p);
		goto fail;
	}
	if (p.failed || tset_add(s, tname, root, src) < 0)
		goto fail;
	lex_free(&p.lx);
	free(p.vars);
	return 0;
fail:
	if (lex_failed)
		lex_error_reached(&p);
	if (!p.failed)
		herr_set(e, HERR_NOMEM, false, "out of memory");
	lex_free(&p.lx);
	free(p.vars);
	return -1;
}
