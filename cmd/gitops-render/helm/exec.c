/* exec: text/template's evaluation (text/template/exec.go) with helm's options: missingkey=zero,
 * variables and their scopes, if/with/range/else, break/continue, template calls, pipelines, the
 * argument conversions Go makes for typed parameters, and the errors it words. */
#define _GNU_SOURCE
#include "helm.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EXEC_DEPTH 3000 /* Go allows 100000; deeper recursion here would risk the C stack */

/* ---- node text, for "at <...>" in errors (parse.Node.String) ---- */

static void node_string(struct buf *b, const struct node *n);

static void pipe_string(struct buf *b, const struct pipe *p)
{
	for (size_t i = 0; i < p->n_decl; i++) {
		if (i)
			buf_adds(b, ", ");
		node_string(b, p->decl[i]);
	}
	if (p->n_decl)
		buf_adds(b, p->is_assign ? " = " : " := ");
	for (size_t i = 0; i < p->n_cmds; i++) {
		if (i)
			buf_adds(b, " | ");
		node_string(b, p->cmds[i]);
	}
}

static void node_string(struct buf *b, const struct node *n)
{
	switch (n->type) {
	case N_COMMAND:
		for (size_t i = 0; i < n->u.list.n; i++) {
			if (i)
				buf_addc(b, ' ');
			if (n->u.list.v[i]->type == N_PIPE) {
				buf_addc(b, '(');
				pipe_string(b, n->u.list.v[i]->u.pipe);
				buf_addc(b, ')');
			} else {
				node_string(b, n->u.list.v[i]);
			}
		}
		break;
	case N_FIELD:
		for (size_t i = 0; i < n->u.field.n; i++) {
			buf_addc(b, '.');
			buf_add(b, n->u.field.ident[i]->s, n->u.field.ident[i]->len);
		}
		break;
	case N_VARIABLE:
		for (size_t i = 0; i < n->u.field.n; i++) {
			if (i)
				buf_addc(b, '.');
			buf_add(b, n->u.field.ident[i]->s, n->u.field.ident[i]->len);
		}
		break;
	case N_CHAIN:
		if (n->chain_of->type == N_PIPE) {
			buf_addc(b, '(');
			node_string(b, n->chain_of);
			buf_addc(b, ')');
		} else {
			node_string(b, n->chain_of);
		}
		for (size_t i = 0; i < n->u.field.n; i++) {
			buf_addc(b, '.');
			buf_add(b, n->u.field.ident[i]->s, n->u.field.ident[i]->len);
		}
		break;
	case N_IDENT: buf_add(b, n->u.ident->s, n->u.ident->len); break;
	case N_DOT: buf_addc(b, '.'); break;
	case N_NIL: buf_adds(b, "nil"); break;
	case N_BOOL: buf_adds(b, n->u.b ? "true" : "false"); break;
	case N_NUMBER: buf_add(b, n->u.num.text, n->u.num.n); break;
	case N_STRING: fmt_quote(b, n->u.str->s, n->u.str->len); break;
	case N_PIPE: pipe_string(b, n->u.pipe); break;
	case N_ACTION:
		buf_adds(b, "{{");
		pipe_string(b, n->u.pipe);
		buf_adds(b, "}}");
		break;
	case N_TEMPLATE:
		buf_adds(b, "{{template ");
		fmt_quote(b, n->u.tmpl.name->s, n->u.tmpl.name->len);
		if (n->u.tmpl.pipe) {
			buf_addc(b, ' ');
			pipe_string(b, n->u.tmpl.pipe);
		}
		buf_adds(b, "}}");
		break;
	case N_IF: case N_RANGE: case N_WITH:
		buf_adds(b, n->type == N_IF ? "{{if " : n->type == N_RANGE ? "{{range " : "{{with ");
		pipe_string(b, n->u.br.pipe);
		buf_adds(b, "}}...");
		break;
	default:
		buf_adds(b, "?");
	}
}

/* ---- errors ---- */

/* text/template's location: NAME:LINE:COL with COL the byte offset in its line. */
static void location(const struct node *n, char *out, size_t size)
{
	const struct tmpl_src *src = n->src;
	size_t pos = n->pos < src->len ? n->pos : src->len;
	unsigned line = 1;
	size_t last_nl = (size_t)-1;
	for (size_t i = 0; i < pos; i++)
		if (src->text[i] == '\n')
			line++, last_nl = i;
	size_t col = last_nl == (size_t)-1 ? pos : pos - last_nl - 1;
	snprintf(out, size, "%s:%u:%zu", src->name, line, col);
}

/* The execution errors this engine words as text/template and sprig do, checked against helm
 * 3.17.3 one by one (tests/fixtures/helm-corpus/errors-*): those are final; any other is helm's to
 * say (a field on a value from a map is "in type interface {}" there, for one). */
static bool exec_error_known(const char *msg)
{
	static const char *const prefixes[] = { "wrong type for value; ", "invalid value; expected ", "nil pointer evaluating ",
		"can't handle ", "wrong number of args for ", "template \"", "expected string; found ",
		"expected integer; found ", "expected bool; found ", "expected float; found ", "nil is not a command",
		"error calling index: ", "error calling eq: ", "error calling ne: ",
		"error calling lt: ", "error calling le: ", "error calling gt: ", "error calling ge: ",
		"error calling len: ", "error calling div: ", "error calling mod: ", "error calling repeat: ",
		"error calling first: ", "error calling mustFirst: ", "error calling append: ",
		"error calling mustAppend: ", "error calling uniq: " };
	static const char inc[] = "error calling include: ";
	if (!strncmp(msg, inc, sizeof(inc) - 1)) {
		/* the included template's own error, whatever wraps it, decides */
		const char *in = msg + sizeof(inc) - 1, *at = NULL;
		static const char none[] = "template: no template \"";
		if (!strncmp(in, none, sizeof(none) - 1))
			return true;
		for (const char *p = in; (p = strstr(p, "\" at <")); p++)
			at = p;
		const char *tail = at ? strstr(at, ">: ") : NULL;
		return tail && exec_error_known(tail + 3);
	}
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++)
		if (!strncmp(msg, prefixes[i], strlen(prefixes[i])))
			return true;
	return strstr(msg, " is not a method but has arguments") != NULL;
}

int exec_errorf(struct exec *x, const char *fmt, ...)
{
	char msg[sizeof(x->err->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	const char *name = x->cur ? x->cur->name->s : "?";
	if (!x->node) {
		herr_set(x->err, HERR_TEMPLATE, false, "template: %s: %s", name, msg);
		return -1;
	}
	char loc[600];
	struct buf ctx = { 0 };
	location(x->node, loc, sizeof(loc));
	node_string(&ctx, x->node);
	bool sure = exec_error_known(msg) && !(ctx.p && !strncmp(ctx.p, "{{(", 3));
	herr_set(x->err, HERR_TEMPLATE, sure, "template: %s: executing \"%s\" at <%s>: %s", loc, name,
		 ctx.p ? ctx.p : "", msg);
	buf_free(&ctx);
	return -1;
}

int exec_unsupported(struct exec *x, const char *fmt, ...)
{
	char msg[1024], loc[600] = "";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (x->node)
		location(x->node, loc, sizeof(loc));
	herr_set(x->err, HERR_UNSUPPORTED, false, "%s%s%s", loc, *loc ? ": " : "", msg);
	return -1;
}

int fn_error(struct exec *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->ferr, sizeof(x->ferr), fmt, ap);
	va_end(ap);
	return -1;
}

static int nomem(struct exec *x)
{
	herr_set(x->err, HERR_NOMEM, false, "out of memory");
	return -1;
}

/* ---- variables ---- */

static int var_push(struct exec *x, struct hstr *name, struct hv v)
{
	if (x->n_vars == x->cap_vars) {
		size_t cap = x->cap_vars ? x->cap_vars * 2 : 32;
		struct var *nv = realloc(x->vars, cap * sizeof(*nv));
		if (!nv) {
			hv_unref(v);
			return nomem(x);
		}
		x->vars = nv;
		x->cap_vars = cap;
	}
	x->vars[x->n_vars++] = (struct var){ name, v };
	return 0;
}

static void var_pop(struct exec *x, size_t mark)
{
	while (x->n_vars > mark) {
		x->n_vars--;
		hv_unref(x->vars[x->n_vars].val);
	}
}

static struct var *var_find(struct exec *x, const struct hstr *name)
{
	for (size_t i = x->n_vars; i-- > x->var_base;)
		if (x->vars[i].name->len == name->len && !memcmp(x->vars[i].name->s, name->s, name->len))
			return &x->vars[i];
	return NULL;
}

/* ---- evaluation ---- */

/* A value as it comes out of a pipeline stage: an interface's nil is no value at all. */
static struct hv dig(struct hv v)
{
	if (v.k == HV_NIL)
		v.go = GO_PLAIN;
	return v;
}

/* The element of a map or list as Go's reflect sees it: a nil interface{} is a typed nil. */
static struct hv elem(struct hv v)
{
	if (v.k == HV_NIL)
		v.go = GO_NILIFACE;
	return v;
}

static int eval_pipeline(struct exec *x, struct pipe *p, struct hv dot, struct hv *out);
static int eval_command(struct exec *x, struct node *cmd, struct hv dot, struct hv *final, struct hv *out);

static const char *ptype_name(enum ptype t)
{
	switch (t) {
	case P_STRING: return "string";
	case P_INT: return "int";
	case P_INT64: return "int64";
	case P_FLOAT: return "float64";
	case P_BOOL: return "bool";
	case P_MAP: return "map[string]interface {}";
	case P_LIST: return "[]interface {}";
	case P_CERT: return "sprig.certificate";
	default: return "interface {}";
	}
}

/* validateType: a value for a parameter of type t (v is consumed). */
static int validate(struct exec *x, enum ptype t, struct hv v, struct hv *out)
{
	bool ok;
	switch (t) {
	case P_ANY:
	case P_RAW:
		*out = t == P_ANY ? dig(v) : v;
		return 0;
	case P_STRING: ok = v.k == HV_STRING && v.go != GO_BYTES; break;
	case P_INT: ok = v.k == HV_INT && v.go == GO_PLAIN; break;
	case P_INT64: ok = v.k == HV_INT && v.go == GO_INT64; break;
	case P_FLOAT: ok = v.k == HV_FLOAT; break;
	case P_BOOL: ok = v.k == HV_BOOL; break;
	case P_MAP: ok = v.k == HV_MAP && (v.go == GO_PLAIN || v.go == GO_VALUES); break;
	case P_LIST: ok = v.k == HV_LIST && v.go == GO_PLAIN; break;
	case P_CERT: ok = v.k == HV_OBJ && !strcmp(v.u.o->type, "sprig.certificate"); break;
	default: ok = false;
	}
	if (ok) {
		*out = v;
		return 0;
	}
	if (v.k == HV_NIL && v.go != GO_NILIFACE && (t == P_MAP || t == P_LIST)) {
		*out = HV_NIL_V; /* reflect.Zero: a nil map or slice */
		return 0;
	}
	const char *got = v.k == HV_NIL ? "interface {}" : hv_type_name(v);
	bool invalid = v.k == HV_NIL && v.go != GO_NILIFACE;
	hv_unref(v);
	if (invalid)
		return exec_errorf(x, "invalid value; expected %s", ptype_name(t));
	return exec_errorf(x, "wrong type for value; expected %s; got %s", ptype_name(t), got);
}

/* A number constant where no type is known: int, or float64 when written with . e p. */
static int ideal_constant(struct exec *x, struct node *n, struct hv *out)
{
	x->node = n;
	bool hex = n->u.num.n > 2 && (n->u.num.text[1] == 'x' || n->u.num.text[1] == 'X');
	bool floaty = false;
	for (size_t i = 0; i < n->u.num.n; i++) {
		char c = n->u.num.text[i];
		if (c == '.' || (!hex && (c == 'e' || c == 'E')) || c == 'p' || c == 'P')
			floaty = true;
	}
	if (n->u.num.is_float && floaty && n->u.num.text[0] != '\'') {
		*out = hv_float(n->u.num.f);
		return 0;
	}
	if (n->u.num.is_int) {
		*out = hv_int(n->u.num.i);
		return 0;
	}
	return exec_errorf(x, "%.*s overflows int", (int)n->u.num.n, n->u.num.text);
}

static int eval_field_chain(struct exec *x, struct hv dot, struct hv recv, struct node *node, struct hstr **ident,
			    size_t n, struct node **args, size_t n_args, struct hv *final, struct hv *out);
static int call_func(struct exec *x, const struct hfunc *fn, struct hv dot, struct node *node, struct node **args,
		     size_t n_args, struct hv *final, struct hv *out);

/* evalArg: the argument node for a parameter of type t. */
static int eval_arg(struct exec *x, struct hv dot, enum ptype t, struct node *n, struct hv *out)
{
	x->node = n;
	struct hv v;
	switch (n->type) {
	case N_DOT:
		return validate(x, t, hv_ref(dot), out);
	case N_NIL:
		if (t == P_ANY || t == P_RAW || t == P_MAP || t == P_LIST) {
			*out = HV_NIL_V;
			return 0;
		}
		return exec_errorf(x, "cannot assign nil to %s", ptype_name(t));
	case N_FIELD:
		if (eval_field_chain(x, dot, dot, n, n->u.field.ident, n->u.field.n, NULL, 0, NULL, &v) < 0)
			return -1;
		return validate(x, t, v, out);
	case N_VARIABLE: {
		struct var *var = var_find(x, n->u.field.ident[0]);
		if (!var)
			return exec_errorf(x, "undefined variable: %s", n->u.field.ident[0]->s);
		if (n->u.field.n == 1)
			v = hv_ref(var->val);
		else if (eval_field_chain(x, dot, var->val, n, n->u.field.ident + 1, n->u.field.n - 1, NULL, 0, NULL, &v) < 0)
			return -1;
		return validate(x, t, v, out);
	}
	case N_PIPE:
		if (eval_pipeline(x, n->u.pipe, dot, &v) < 0)
			return -1;
		return validate(x, t, v, out);
	case N_IDENT:
		if (call_func(x, n->fn, dot, n, NULL, 0, NULL, &v) < 0)
			return -1;
		return validate(x, t, v, out);
	case N_CHAIN: {
		struct hv base;
		if (eval_arg(x, dot, P_ANY, n->chain_of, &base) < 0)
			return -1;
		/* evalFieldChain says where the receiver's evaluation left off, as Go does */
		int r = eval_field_chain(x, dot, base, n, n->u.field.ident, n->u.field.n, NULL, 0, NULL, &v);
		hv_unref(base);
		if (r < 0)
			return -1;
		return validate(x, t, v, out);
	}
	default:
		break;
	}
	/* constants */
	switch (t) {
	case P_ANY:
	case P_RAW:
		if (n->type == N_BOOL)
			*out = hv_bool(n->u.b);
		else if (n->type == N_STRING)
			*out = hv_str_take(hstr_ref(n->u.str));
		else if (n->type == N_NUMBER)
			return ideal_constant(x, n, out);
		else
			return exec_errorf(x, "can't handle argument");
		return 0;
	case P_STRING:
		if (n->type == N_STRING) {
			*out = hv_str_take(hstr_ref(n->u.str));
			return 0;
		}
		break;
	case P_BOOL:
		if (n->type == N_BOOL) {
			*out = hv_bool(n->u.b);
			return 0;
		}
		break;
	case P_INT:
	case P_INT64:
		if (n->type == N_NUMBER && n->u.num.is_int) {
			*out = t == P_INT ? hv_int(n->u.num.i) : hv_int64(n->u.num.i);
			return 0;
		}
		{
			struct buf b = { 0 };
			node_string(&b, n);
			exec_errorf(x, "expected integer; found %s", b.p ? b.p : "");
			buf_free(&b);
			return -1;
		}
	case P_FLOAT:
		if (n->type == N_NUMBER && n->u.num.is_float) {
			*out = hv_float(n->u.num.f);
			return 0;
		}
		break;
	default:
		break;
	}
	struct buf b = { 0 };
	node_string(&b, n);
	if (t == P_STRING || t == P_BOOL || t == P_FLOAT)
		exec_errorf(x, "expected %s; found %s", t == P_STRING ? "string" : t == P_BOOL ? "bool" : "float",
			    b.p ? b.p : "");
	else
		exec_errorf(x, "can't handle %s for arg of type %s", b.p ? b.p : "", ptype_name(t));
	buf_free(&b);
	return -1;
}

/* and/or: evaluate arguments one at a time, stop at the first that decides. */
static int call_and_or(struct exec *x, bool is_or, struct hv dot, struct node **args, size_t n_args, struct hv *final,
		       struct hv *out)
{
	struct hv v = HV_NIL_V;
	for (size_t i = 0; i < n_args; i++) {
		hv_unref(v);
		if (eval_arg(x, dot, P_RAW, args[i], &v) < 0)
			return -1;
		v = dig(v);
		if (hv_truth(v) == is_or) {
			*out = v;
			return 0;
		}
	}
	if (final) {
		hv_unref(v);
		v = dig(hv_ref(*final));
	}
	*out = v;
	return 0;
}

static int call_func(struct exec *x, const struct hfunc *fn, struct hv dot, struct node *node, struct node **args,
		     size_t n_args, struct hv *final, struct hv *out)
{
	const char *name = fn->name;
	size_t n_in = n_args + (final ? 1 : 0);
	if (fn->variadic) {
		if (n_in < (size_t)fn->n_params - 1)
			return exec_errorf(x, "wrong number of args for %s: want at least %d got %zu", name, fn->n_params - 1,
					   n_args);
	} else if (n_in != fn->n_params) {
		return exec_errorf(x, "wrong number of args for %s: want %d got %zu", name, fn->n_params, n_in);
	}
	if (fn->fn == NULL)
		return call_and_or(x, name[0] == 'o', dot, args, n_args, final, out);
	struct hv small[8], *argv = n_in <= 8 ? small : calloc(n_in, sizeof(*argv));
	if (!argv)
		return nomem(x);
	size_t i = 0;
	int r = 0;
	for (; i < n_args; i++) {
		enum ptype t = i < (size_t)fn->n_params - (fn->variadic ? 1 : 0) ? fn->p[i] : fn->p[fn->n_params - 1];
		if (eval_arg(x, dot, t, args[i], &argv[i]) < 0) {
			r = -1;
			break;
		}
	}
	if (r == 0 && final) {
		enum ptype t = fn->variadic && n_in - 1 >= (size_t)fn->n_params - 1 ? fn->p[fn->n_params - 1]
										 : fn->p[n_in - 1];
		if (validate(x, t, hv_ref(*final), &argv[i]) < 0)
			r = -1;
		else
			i++;
	}
	if (r == 0) {
		x->ferr[0] = '\0';
		x->fname = name;
		r = fn->fn(x, argv, n_in, out);
		if (r == -1) {
			x->node = node;
			exec_errorf(x, "error calling %s: %s", name, x->ferr);
		}
	}
	for (size_t k = 0; k < i; k++)
		hv_unref(argv[k]);
	if (argv != small)
		free(argv);
	return r < 0 ? -1 : 0;
}

/* Methods of helm's types, called as fields: .Files.Get, .Capabilities.APIVersions.Has, ... */
const struct hfunc *method_lookup(struct hv recv, const char *name);

/* evalField: one step of .a.b.c on recv (borrowed). */
static int eval_field(struct exec *x, struct hv dot, const struct hstr *field, struct node *node, struct node **args,
		      size_t n_args, struct hv *final, struct hv recv, struct hv *out)
{
	if (recv.k == HV_NIL && recv.go != GO_NILIFACE) {
		*out = HV_NIL_V;
		return 0;
	}
	if (recv.k == HV_NIL)
		return exec_errorf(x, "nil pointer evaluating interface {}.%s", field->s);
	const struct hfunc *m = method_lookup(recv, field->s);
	if (m) {
		if (m->fn == NULL)
			return exec_unsupported(x, "the method %s of %s", field->s, hv_type_name(recv));
		struct hv saved = x->recv;
		x->recv = recv;
		/* the first argument is the field itself */
		int r = call_func(x, m, dot, node, args ? args + 1 : NULL, args ? n_args - 1 : 0, final, out);
		x->recv = saved;
		return r;
	}
	bool has_args = n_args > 1 || final;
	if (recv.k == HV_MAP) {
		if (has_args)
			return exec_errorf(x, "%s is not a method but has arguments", field->s);
		struct hv *v = hmap_find(recv.u.m, field->s, field->len);
		if (v) {
			*out = elem(hv_ref(*v));
			if (recv.go == GO_FILES)
				out->go = out->k == HV_STRING ? GO_BYTES : out->go;
			return 0;
		}
		if (recv.go == GO_MAPSTR) {
			*out = hv_str("");
			return 0;
		}
		if (recv.go == GO_FILES)
			return exec_unsupported(x, "a missing key of .Files as a field");
		*out = (struct hv){ .k = HV_NIL, .go = GO_NILIFACE };
		return 0;
	}
	if (recv.k == HV_OBJ) {
		for (size_t i = 0; i < recv.u.o->n; i++) {
			if (strcmp(recv.u.o->f[i].name, field->s))
				continue;
			if (has_args)
				return exec_errorf(x, "%s has arguments but cannot be invoked as function", field->s);
			*out = hv_ref(recv.u.o->f[i].val);
			return 0;
		}
	}
	return exec_errorf(x, "can't evaluate field %s in type %s", field->s,
			   recv.k == HV_NIL ? "interface {}" : hv_type_name(recv));
}

static int eval_field_chain(struct exec *x, struct hv dot, struct hv recv, struct node *node, struct hstr **ident,
			    size_t n, struct node **args, size_t n_args, struct hv *final, struct hv *out)
{
	struct hv cur = hv_ref(recv);
	for (size_t i = 0; i + 1 < n; i++) {
		struct hv next;
		int r = eval_field(x, dot, ident[i], node, NULL, 0, NULL, cur, &next);
		hv_unref(cur);
		if (r < 0)
			return -1;
		cur = next;
	}
	int r = eval_field(x, dot, ident[n - 1], node, args, n_args, final, cur, out);
	hv_unref(cur);
	return r;
}

static int not_a_function(struct exec *x, struct node *cmd, struct hv *final)
{
	if (cmd->u.list.n > 1 || final) {
		struct buf b = { 0 };
		node_string(&b, cmd->u.list.v[0]);
		exec_errorf(x, "can't give argument to non-function %s", b.p ? b.p : "");
		buf_free(&b);
		return -1;
	}
	return 0;
}

static int eval_command(struct exec *x, struct node *cmd, struct hv dot, struct hv *final, struct hv *out)
{
	struct node *first = cmd->u.list.v[0];
	switch (first->type) {
	case N_FIELD:
		x->node = first;
		return eval_field_chain(x, dot, dot, first, first->u.field.ident, first->u.field.n, cmd->u.list.v,
					cmd->u.list.n, final, out);
	case N_CHAIN: {
		x->node = first;
		struct hv base;
		if (eval_arg(x, dot, P_ANY, first->chain_of, &base) < 0)
			return -1;
		int r = eval_field_chain(x, dot, base, first, first->u.field.ident, first->u.field.n, cmd->u.list.v,
					 cmd->u.list.n, final, out);
		hv_unref(base);
		return r;
	}
	case N_IDENT:
		x->node = first;
		return call_func(x, first->fn, dot, cmd, cmd->u.list.v + 1, cmd->u.list.n - 1, final, out);
	case N_PIPE:
		if (not_a_function(x, cmd, final) < 0)
			return -1;
		return eval_pipeline(x, first->u.pipe, dot, out);
	case N_VARIABLE: {
		x->node = first;
		struct var *v = var_find(x, first->u.field.ident[0]);
		if (!v)
			return exec_errorf(x, "undefined variable: %s", first->u.field.ident[0]->s);
		if (first->u.field.n == 1) {
			if (not_a_function(x, cmd, final) < 0)
				return -1;
			*out = hv_ref(v->val);
			return 0;
		}
		return eval_field_chain(x, dot, v->val, first, first->u.field.ident + 1, first->u.field.n - 1,
					cmd->u.list.v, cmd->u.list.n, final, out);
	}
	default:
		break;
	}
	x->node = first;
	if (not_a_function(x, cmd, final) < 0)
		return -1;
	switch (first->type) {
	case N_BOOL:
		*out = hv_bool(first->u.b);
		return 0;
	case N_DOT:
		*out = hv_ref(dot);
		return 0;
	case N_NIL:
		return exec_errorf(x, "nil is not a command");
	case N_NUMBER:
		return ideal_constant(x, first, out);
	case N_STRING:
		*out = hv_str_take(hstr_ref(first->u.str));
		return 0;
	default:
		return exec_errorf(x, "can't evaluate command");
	}
}

static int eval_pipeline(struct exec *x, struct pipe *p, struct hv dot, struct hv *out)
{
	struct hv v = HV_NIL_V;
	bool have = false;
	for (size_t i = 0; i < p->n_cmds; i++) {
		struct hv next;
		int r = eval_command(x, p->cmds[i], dot, have ? &v : NULL, &next);
		if (have)
			hv_unref(v);
		if (r < 0)
			return -1;
		v = dig(next);
		have = true;
	}
	for (size_t i = 0; i < p->n_decl; i++) {
		struct hstr *name = p->decl[i]->u.field.ident[0];
		if (p->is_assign) {
			struct var *var = var_find(x, name);
			if (!var) {
				hv_unref(v);
				return exec_errorf(x, "undefined variable: %s", name->s);
			}
			hv_unref(var->val);
			var->val = hv_ref(v);
		} else if (var_push(x, name, hv_ref(v)) < 0) {
			hv_unref(v);
			return -1;
		}
	}
	*out = v;
	return 0;
}

/* ---- walking the tree ---- */

static int walk(struct exec *x, struct node *n, struct hv dot, struct buf *out);

static int print_value(struct exec *x, struct node *n, struct hv v, struct buf *out)
{
	x->node = n;
	if (fmt_value(out, v, true) < 0)
		return exec_unsupported(x, "printing a value fmt would show as an address");
	return 0;
}

static void set_var(struct exec *x, struct var *v, struct hv val)
{
	(void)x;
	if (!v)
		return;
	hv_unref(v->val);
	v->val = hv_ref(val);
}

/* One iteration: the declared variables get the index and the element (Go's oneIteration). */
static int walk_range_item(struct exec *x, struct node *n, struct hv key, struct hv val, size_t mark,
			   struct buf *out)
{
	struct pipe *p = n->u.br.pipe;
	if (p->n_decl > 0 && p->is_assign) {
		set_var(x, var_find(x, p->decl[0]->u.field.ident[0]), p->n_decl > 1 ? key : val);
		if (p->n_decl > 1)
			set_var(x, var_find(x, p->decl[1]->u.field.ident[0]), val);
	} else if (p->n_decl > 0) {
		set_var(x, &x->vars[mark - 1], val);
		if (p->n_decl > 1)
			set_var(x, &x->vars[mark - 2], key);
	}
	int r = walk(x, n->u.br.list, val, out);
	var_pop(x, mark);
	if (x->ctl == 2)
		x->ctl = 0;
	return r;
}

static int walk_range(struct exec *x, struct node *n, struct hv dot, struct buf *out)
{
	size_t outer = x->n_vars;
	struct hv v;
	x->node = n;
	if (eval_pipeline(x, n->u.br.pipe, dot, &v) < 0)
		return -1;
	size_t mark = x->n_vars;
	int r = 0;
	bool any = false;
	if (v.k == HV_LIST && v.u.l->n) {
		any = true;
		for (size_t i = 0; r == 0 && i < v.u.l->n && !x->ctl; i++) {
			struct hv e = elem(v.u.l->v[i]);
			if (v.go == GO_INTS || v.go == GO_STRINGS || v.go == GO_VERSIONSET || v.go == GO_LISTS ||
			    v.go == GO_MAPS)
				e.go = e.k == HV_NIL ? GO_PLAIN : e.go;
			r = walk_range_item(x, n, hv_int((int64_t)i), e, mark, out);
		}
	} else if (v.k == HV_MAP && v.u.m->n) {
		any = true;
		for (size_t i = 0; r == 0 && i < v.u.m->n && !x->ctl; i++) {
			struct hv key = hv_str_take(hstr_ref(v.u.m->kv[i].key));
			struct hv e = elem(v.u.m->kv[i].val);
			if (v.go == GO_FILES && e.k == HV_STRING)
				e.go = GO_BYTES;
			r = walk_range_item(x, n, key, e, mark, out);
			hv_unref(key);
		}
	} else if (v.k == HV_STRING && v.go == GO_BYTES && v.u.s->len) {
		r = exec_unsupported(x, "range over []byte");
	} else if (v.k == HV_INT && v.u.i > 0) {
		if (n->u.br.pipe->n_decl > 1)
			r = exec_errorf(x, "can't use %lld to iterate over more than one variable", (long long)v.u.i);
		any = true;
		for (int64_t i = 0; r == 0 && i < v.u.i && !x->ctl; i++)
			r = walk_range_item(x, n, hv_int(i), hv_int(i), mark, out);
	} else if (v.k == HV_INT || v.k == HV_NIL || (v.k == HV_LIST) || (v.k == HV_MAP) ||
		   (v.k == HV_STRING && v.go == GO_BYTES)) {
		/* empty or nothing: the else branch */
	} else {
		struct buf b = { 0 };
		fmt_value(&b, v, false);
		r = exec_errorf(x, "range can't iterate over %s", b.p ? b.p : "");
		buf_free(&b);
	}
	if (x->ctl == 1)
		x->ctl = 0;
	hv_unref(v);
	if (r == 0 && !any && n->u.br.else_list)
		r = walk(x, n->u.br.else_list, dot, out);
	var_pop(x, outer);
	return r;
}

static int walk_template(struct exec *x, struct node *n, struct hv dot, struct buf *out)
{
	x->node = n;
	struct tmpl *t = tset_lookup(x->set, n->u.tmpl.name->s, n->u.tmpl.name->len);
	if (!t || !t->root)
		return exec_errorf(x, "template \"%s\" not defined", n->u.tmpl.name->s);
	struct hv d = HV_NIL_V;
	if (n->u.tmpl.pipe && eval_pipeline(x, n->u.tmpl.pipe, dot, &d) < 0)
		return -1;
	int r = exec_template(x, t, d, out);
	hv_unref(d);
	return r;
}

static int walk(struct exec *x, struct node *n, struct hv dot, struct buf *out)
{
	switch (n->type) {
	case N_LIST:
		for (size_t i = 0; i < n->u.list.n; i++) {
			if (walk(x, n->u.list.v[i], dot, out) < 0)
				return -1;
			if (x->ctl)
				return 0;
		}
		return 0;
	case N_TEXT:
		buf_add(out, n->u.text.s, n->u.text.n);
		return out->oom ? nomem(x) : 0;
	case N_ACTION: {
		struct hv v;
		x->node = n;
		if (eval_pipeline(x, n->u.pipe, dot, &v) < 0)
			return -1;
		int r = n->u.pipe->n_decl ? 0 : print_value(x, n, v, out);
		hv_unref(v);
		return r;
	}
	case N_IF:
	case N_WITH: {
		size_t mark = x->n_vars;
		struct hv v;
		x->node = n;
		if (eval_pipeline(x, n->u.br.pipe, dot, &v) < 0)
			return -1;
		int r = 0;
		if (hv_truth(v))
			r = walk(x, n->u.br.list, n->type == N_WITH ? v : dot, out);
		else if (n->u.br.else_list)
			r = walk(x, n->u.br.else_list, dot, out);
		hv_unref(v);
		var_pop(x, mark);
		return r;
	}
	case N_RANGE:
		return walk_range(x, n, dot, out);
	case N_TEMPLATE:
		return walk_template(x, n, dot, out);
	case N_BREAK:
		x->ctl = 1;
		return 0;
	case N_CONTINUE:
		x->ctl = 2;
		return 0;
	default:
		return exec_errorf(x, "unknown node");
	}
}

int exec_template(struct exec *x, struct tmpl *t, struct hv dot, struct buf *out)
{
	if (x->depth >= MAX_EXEC_DEPTH)
		return exec_unsupported(x, "templates nested deeper than %d", MAX_EXEC_DEPTH);
	struct tmpl *saved_cur = x->cur;
	struct node *saved_node = x->node;
	size_t saved_base = x->var_base, mark = x->n_vars;
	int saved_ctl = x->ctl;
	x->depth++;
	x->cur = t;
	x->node = NULL;
	x->var_base = x->n_vars;
	x->ctl = 0;
	static struct hstr dollar = { .rc = 1 << 30, .len = 1, .s = "$" };
	int r = var_push(x, &dollar, hv_ref(dig(dot)));
	if (r == 0)
		r = walk(x, t->root, dig(dot), out);
	var_pop(x, mark);
	x->var_base = saved_base;
	x->cur = saved_cur;
	x->node = saved_node;
	x->ctl = saved_ctl;
	x->depth--;
	return r;
}

/* ExecuteTemplate by name (helm's include). */
int exec_named(struct exec *x, const char *name, struct hv dot, struct buf *out)
{
	struct tmpl *t = tset_lookup(x->set, name, strlen(name));
	if (!t || !t->root)
		return fn_error(x, "template: no template \"%s\" associated with template \"gotpl\"", name);
	int r = exec_template(x, t, dot, out);
	if (r < 0 && x->err->kind == HERR_TEMPLATE) {
		/* the inner template's error becomes include's error value */
		snprintf(x->ferr, sizeof(x->ferr), "%s", x->err->msg);
		x->err->kind = HERR_NONE;
		return -1;
	}
	return r < 0 ? -2 : 0;
}

int exec_tpl(struct exec *x, const char *text, size_t len, struct hv dot, struct buf *out)
{
	struct tmpl_set *clone = tset_new();
	struct buf quoted = { 0 };
	if (!clone)
		return nomem(x), -2;
	clone->parent = x->set;
	struct herr perr = { 0 };
	int r = 0;
	fmt_quote(&quoted, text, len);
	if (tset_parse(clone, "gotpl", text, len, &perr) < 0) {
		if (perr.kind == HERR_TEMPLATE) {
			fn_error(x, "cannot parse template %s: %s", quoted.p, perr.msg);
			r = -1;
		} else {
			herr_set(x->err, perr.kind == HERR_NOMEM ? HERR_NOMEM : HERR_UNSUPPORTED, false, "%s", perr.msg);
			r = -2;
		}
		goto out;
	}
	struct tmpl *t = tset_lookup(clone, "gotpl", 5);
	struct tmpl_set *saved = x->set;
	struct buf b = { 0 };
	x->set = clone;
	r = exec_template(x, t, dot, &b);
	x->set = saved;
	if (r < 0) {
		buf_free(&b);
		if (x->err->kind == HERR_TEMPLATE) {
			char inner[sizeof(x->err->msg)];
			snprintf(inner, sizeof(inner), "%s", x->err->msg);
			x->err->kind = HERR_NONE;
			fn_error(x, "error during tpl function execution for %s: %s", quoted.p, inner);
			r = -1;
		} else {
			r = -2;
		}
		goto out;
	}
	/* <no value> goes, as after every template helm runs */
	const char *nv = "<no value>";
	for (size_t i = 0; i < b.n;) {
		const char *hit = b.p ? memmem(b.p + i, b.n - i, nv, 10) : NULL;
		size_t end = hit ? (size_t)(hit - b.p) : b.n;
		buf_add(out, b.p + i, end - i);
		i = hit ? end + 10 : b.n;
	}
	buf_free(&b);
out:
	buf_free(&quoted);
	tset_free(clone);
	return r;
}
