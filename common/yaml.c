/* yaml: YAML -> JSON the way Kubernetes clients read it (sigs.k8s.io/yaml over
 * goyaml.v2, YAML 1.1 typing), with limits, and a deterministic block emitter. */
#include "yaml.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cli.h"
#include "json.h"

/* ---- scalar typing (goyaml.v2 resolve.go) ---- */

static const char *const true_words[] = { "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
					   "on", "On", "ON", NULL };
static const char *const false_words[] = { "n", "N", "no", "No", "NO", "false", "False", "FALSE",
					    "off", "Off", "OFF", NULL };
static const char *const null_words[] = { "~", "null", "Null", "NULL", NULL };
static const char *const special_floats[] = { ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf",
					       "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", NULL };

static bool in_words(const char *s, size_t len, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == len && !memcmp(*words, s, len))
			return true;
	return false;
}

/* Go's strconv.ParseInt(s, 0, 64) syntax: sign, then 0x/0o/0b/0 prefix or decimal. */
static bool parse_go_int(const char *s, bool *is_unsigned, long long *iv, unsigned long long *uv)
{
	const char *p = s;
	bool neg = false;
	int base = 10;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		base = 16, p += 2;
	else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
		base = 8, p += 2;
	else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
		base = 2, p += 2;
	else if (p[0] == '0' && p[1])
		base = 8, p += 1;
	if (!*p)
		return false;
	for (const char *q = p; *q; q++) {
		int d = *q >= '0' && *q <= '9' ? *q - '0'
			: *q >= 'a' && *q <= 'f' ? *q - 'a' + 10
			: *q >= 'A' && *q <= 'F' ? *q - 'A' + 10 : 99;
		if (d >= base)
			return false;
	}
	errno = 0;
	unsigned long long v = strtoull(p, NULL, base);
	if (errno == ERANGE)
		return false;
	*is_unsigned = false;
	if (!neg && v <= (unsigned long long)LLONG_MAX) {
		*iv = (long long)v;
		return true;
	}
	if (neg && v <= (unsigned long long)LLONG_MAX + 1) {
		*iv = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
		return true;
	}
	if (neg)
		return false;
	*is_unsigned = true;
	*uv = v;
	return true;
}

static bool matches_yaml_float(const char *s)
{
	/* goyaml.v2 yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
	const char *p = s;
	if (*p == '+' || *p == '-')
		p++;
	if (*p == '.') {
		if (!(p[1] >= '0' && p[1] <= '9'))
			return false;
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	} else {
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p == '.')
			for (p++; *p >= '0' && *p <= '9'; p++)
				;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

/* A float Go's ParseFloat accepts and that is finite; out of range is a failure, as in Go. */
static bool parse_finite_float(const char *s, double *out)
{
	errno = 0;
	char *end;
	double d = strtod(s, &end);
	if (*end || (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL)) || !isfinite(d))
		return false;
	*out = d;
	return true;
}

/* Digits, sign or '.' start: int, float, or (kept as a string, like goyaml.v2) timestamp. */
static json_t *resolve_number(const char *s, size_t len)
{
	char small[64];
	char *plain = len < sizeof(small) ? small : malloc(len + 1);
	size_t n = 0;
	json_t *v = NULL;
	if (!plain)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if (s[i] != '_')
			plain[n++] = s[i];
	plain[n] = '\0';
	long long iv;
	unsigned long long uv;
	bool is_unsigned;
	double d;
	/* A leading '.' goes straight to ParseFloat(s) in goyaml.v2, which takes no '_'. */
	bool dot = s[0] == '.';
	if (!dot && parse_go_int(plain, &is_unsigned, &iv, &uv))
		/* jansson has no uint64; a value past INT64_MAX keeps its magnitude as a real. */
		v = is_unsigned ? json_real((double)uv) : json_integer(iv);
	else if ((!dot || n == len) && matches_yaml_float(plain) && parse_finite_float(plain, &d))
		v = json_real(d);
	else
		v = json_stringn(s, len);
	if (plain != small)
		free(plain);
	return v;
}

json_t *gt_yaml_resolve_plain(const char *s, size_t len, const char **why)
{
	*why = NULL;
	if (len == 0)
		return json_null();
	switch (s[0]) {
	case 'y': case 'Y': case 'n': case 'N': case 't': case 'T':
	case 'f': case 'F': case 'o': case 'O': case '~':
		if (in_words(s, len, true_words))
			return json_true();
		if (in_words(s, len, false_words))
			return json_false();
		if (in_words(s, len, null_words))
			return json_null();
		return json_stringn(s, len);
	case '.': case '+': case '-':
		if (in_words(s, len, special_floats)) {
			*why = "infinity and NaN have no JSON form";
			return NULL;
		}
		return resolve_number(s, len);
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return resolve_number(s, len);
	default:
		return json_stringn(s, len);
	}
}

/* YYYY-M-D at the start: goyaml.v2 reads it as a timestamp (and v3/kustomize keeps it as one). */
static bool looks_like_timestamp(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	return i == 4 && i < len && s[i] == '-' && i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9';
}

/* goyaml.v2's isBase60Float, ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$: YAML 1.1
 * readers such as PyYAML take 1:20 as 80, so goyaml.v2's emitter quotes these. */
static bool looks_like_base60(const char *s, size_t len)
{
	size_t i = 0, groups = 0;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	if (!(i < len && s[i] >= '0' && s[i] <= '9'))
		return false;
	while (i < len && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
		i++;
	while (i < len && s[i] == ':') {
		size_t d = 0;
		for (i++; i < len && s[i] >= '0' && s[i] <= '9' && d < 2; i++, d++)
			;
		/* One digit, or two with the first 0-5. */
		if (d == 0 || (d == 2 && s[i - 2] > '5'))
			return false;
		groups++;
	}
	if (!groups)
		return false;
	if (i < len && s[i] == '.')
		for (i++; i < len && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'); i++)
			;
	return i == len;
}

bool gt_yaml_string_needs_quotes(const char *s, size_t len)
{
	const char *why;
	json_t *v = gt_yaml_resolve_plain(s, len, &why);
	bool same = v && json_is_string(v) && json_string_length(v) == len;
	json_decref(v);
	if (!same || looks_like_timestamp(s, len) || looks_like_base60(s, len))
		return true;
	/* '<<' is a merge key and '=' a value tag to some readers: never plain. */
	return (len == 2 && !memcmp(s, "<<", 2)) || (len == 1 && s[0] == '=');
}

/* ---- reader ---- */

struct anchor {
	char *name;
	json_t *value;
	size_t nodes;  /* size of value, charged to the alias budget at each use */
	size_t height; /* levels of maps and lists in value, for --max-depth at each use */
};

/* libyaml reads ahead of the events it returns by at most its raw buffer (16 KiB) and
 * buffers a whole scalar before the event about it: read at most this much past the limit. */
#define READ_AHEAD_SLACK ((size_t)1 << 20)

struct gt_yaml_reader {
	yaml_parser_t parser;
	const char *name;
	struct gt_limits lim;
	unsigned long line_offset;
	bool stream_started, stream_ended;
	struct anchor *anchors;
	size_t n_anchors, cap_anchors;
	size_t alias_nodes; /* expanded by aliases in this document */
	size_t doc_start;   /* mark index (characters) where this document began */
	/* Input from a FILE or a handler goes through guarded_read, which stops reading
	 * a document far past --max-document-size instead of buffering all of it. */
	FILE *file;
	int (*read)(void *data, unsigned char *buf, size_t size, size_t *size_read);
	void *read_data;
	size_t bytes_read;      /* bytes handed to libyaml */
	size_t doc_start_bytes; /* bytes_read when the previous document ended */
	bool too_big;           /* guarded_read refused to read on */
	bool quiet;             /* errors are kept, not printed */
	char error[1200];       /* the last error, "NAME:LINE:COLUMN: why" */
};

static struct gt_yaml_reader *reader_new(const char *name, const struct gt_limits *lim)
{
	struct gt_yaml_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	if (!yaml_parser_initialize(&r->parser)) {
		free(r);
		return NULL;
	}
	r->name = name;
	r->lim = *lim;
	return r;
}

static int guarded_read(void *data, unsigned char *buf, size_t size, size_t *size_read)
{
	struct gt_yaml_reader *r = data;
	size_t used = r->bytes_read - r->doc_start_bytes;
	if (used > READ_AHEAD_SLACK && used - READ_AHEAD_SLACK > r->lim.max_doc_bytes) {
		r->too_big = true;
		return 0;
	}
	int ok;
	*size_read = 0;
	if (r->file) {
		*size_read = fread(buf, 1, size, r->file);
		ok = !ferror(r->file);
	} else {
		ok = r->read(r->read_data, buf, size, size_read);
	}
	if (ok)
		r->bytes_read += *size_read;
	return ok;
}

struct gt_yaml_reader *gt_yaml_reader_new_file(FILE *f, const char *name, const struct gt_limits *lim)
{
	struct gt_yaml_reader *r = reader_new(name, lim);
	if (r) {
		r->file = f;
		yaml_parser_set_input(&r->parser, guarded_read, r);
	}
	return r;
}

struct gt_yaml_reader *gt_yaml_reader_new_string(const char *buf, size_t len, const char *name,
						  const struct gt_limits *lim)
{
	struct gt_yaml_reader *r = reader_new(name, lim);
	if (r)
		yaml_parser_set_input_string(&r->parser, (const unsigned char *)buf, len);
	return r;
}

struct gt_yaml_reader *gt_yaml_reader_new_handler(int (*read)(void *data, unsigned char *buf, size_t size,
							      size_t *size_read),
						  void *data, const char *name, const struct gt_limits *lim)
{
	struct gt_yaml_reader *r = reader_new(name, lim);
	if (r) {
		r->read = read;
		r->read_data = data;
		yaml_parser_set_input(&r->parser, guarded_read, r);
	}
	return r;
}

void gt_yaml_reader_set_line_offset(struct gt_yaml_reader *r, unsigned long lines)
{
	r->line_offset = lines;
}

static void forget_anchors(struct gt_yaml_reader *r)
{
	for (size_t i = 0; i < r->n_anchors; i++) {
		free(r->anchors[i].name);
		json_decref(r->anchors[i].value);
	}
	r->n_anchors = 0;
}

void gt_yaml_reader_free(struct gt_yaml_reader *r)
{
	if (!r)
		return;
	forget_anchors(r);
	free(r->anchors);
	yaml_parser_delete(&r->parser);
	free(r);
}

static int error_at(struct gt_yaml_reader *r, yaml_mark_t mark, const char *fmt, const char *detail)
{
	char msg[512];
	snprintf(msg, sizeof(msg), fmt, detail);
	snprintf(r->error, sizeof(r->error), "%s:%lu:%lu: %s", r->name, (unsigned long)mark.line + 1 + r->line_offset,
		 (unsigned long)mark.column + 1, msg);
	if (!r->quiet)
		gt_error("%s", r->error);
	return -1;
}

void gt_yaml_reader_set_quiet(struct gt_yaml_reader *r, bool quiet)
{
	r->quiet = quiet;
}

const char *gt_yaml_reader_error(const struct gt_yaml_reader *r)
{
	return r->error;
}

static int parser_error(struct gt_yaml_reader *r)
{
	yaml_parser_t *p = &r->parser;
	char detail[400];
	const char *problem = p->problem ? p->problem : "malformed YAML";
	if (p->error == YAML_MEMORY_ERROR)
		problem = "out of memory";
	if (r->too_big) {
		char lim[32];
		snprintf(lim, sizeof(lim), "%zu", r->lim.max_doc_bytes);
		return error_at(r, p->mark, "document larger than %s bytes (--max-document-size)", lim);
	}
	if (p->context)
		snprintf(detail, sizeof(detail), "%s %s", problem, p->context);
	else
		snprintf(detail, sizeof(detail), "%s", problem);
	/* Reader errors (bad UTF-8, NUL bytes) carry only a byte offset; the line is where the
	 * scanner stands plus the line breaks it has decoded but not yet consumed before the bad byte. */
	if (p->error == YAML_READER_ERROR) {
		unsigned long line = (unsigned long)p->mark.line + 1 + r->line_offset;
		for (const yaml_char_t *c = p->buffer.pointer; c && c < p->buffer.last; c++)
			line += *c == '\n';
		snprintf(r->error, sizeof(r->error), "%s:%lu: %s (byte %lu)", r->name, line, detail,
			 (unsigned long)p->problem_offset);
		if (!r->quiet)
			gt_error("%s", r->error);
		return -1;
	}
	return error_at(r, p->problem_mark, "%s", detail);
}

/* Next event; -1 after reporting a syntax error or an oversized document. */
static int next_event(struct gt_yaml_reader *r, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&r->parser, ev))
		return parser_error(r);
	if (ev->start_mark.index - r->doc_start > r->lim.max_doc_bytes) {
		char lim[32];
		snprintf(lim, sizeof(lim), "%zu", r->lim.max_doc_bytes);
		yaml_event_delete(ev);
		return error_at(r, ev->start_mark, "document larger than %s bytes (--max-document-size)", lim);
	}
	return 0;
}

/* Nodes in v, and its height in levels of maps and lists (0 for a scalar). */
static size_t measure(const json_t *v, size_t *height)
{
	size_t n = 1, i, h, max_h = 0;
	const char *k;
	json_t *c;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, c) {
			n += measure(c, &h);
			max_h = h > max_h ? h : max_h;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c) {
			n += measure(c, &h);
			max_h = h > max_h ? h : max_h;
		}
	}
	*height = json_is_object(v) || json_is_array(v) ? max_h + 1 : 0;
	return n;
}

static int remember_anchor(struct gt_yaml_reader *r, const yaml_char_t *name, json_t *v)
{
	if (!name)
		return 0;
	for (size_t i = 0; i < r->n_anchors; i++) {
		if (!strcmp(r->anchors[i].name, (const char *)name)) {
			/* YAML lets an anchor be redefined; later aliases see the new value. */
			json_decref(r->anchors[i].value);
			r->anchors[i].value = json_incref(v);
			r->anchors[i].nodes = measure(v, &r->anchors[i].height);
			return 0;
		}
	}
	if (GT_GROW(r->anchors, r->cap_anchors, r->n_anchors + 1) < 0)
		return -1;
	char *copy = strdup((const char *)name);
	if (!copy)
		return -1;
	struct anchor *a = &r->anchors[r->n_anchors++];
	*a = (struct anchor){ copy, json_incref(v), 0, 0 };
	a->nodes = measure(v, &a->height);
	return 0;
}

static int depth_error(struct gt_yaml_reader *r, const yaml_event_t *ev)
{
	char lim[32];
	snprintf(lim, sizeof(lim), "%zu", r->lim.max_depth);
	return error_at(r, ev->start_mark, "nested deeper than %s levels (--max-depth)", lim);
}

/* A deep copy per alias, scalars too: the tools edit objects in place, and a shared
 * value (labels reused as a selector) must not change in two places at once.
 * depth: maps and lists around the alias, which count with the anchor's own. */
static json_t *expand_alias(struct gt_yaml_reader *r, const yaml_event_t *ev, size_t depth)
{
	const char *name = (const char *)ev->data.alias.anchor;
	for (size_t i = r->n_anchors; i-- > 0;) {
		struct anchor *a = &r->anchors[i];
		if (strcmp(a->name, name))
			continue;
		r->alias_nodes += a->nodes;
		if (r->alias_nodes > r->lim.max_alias_nodes) {
			char lim[32];
			snprintf(lim, sizeof(lim), "%zu", r->lim.max_alias_nodes);
			error_at(r, ev->start_mark,
				 "aliases expand to more than %s nodes (--max-alias-nodes); is this a YAML bomb?", lim);
			return NULL;
		}
		if (a->height > r->lim.max_depth || depth > r->lim.max_depth - a->height) {
			depth_error(r, ev);
			return NULL;
		}
		json_t *copy = json_deep_copy(a->value);
		if (!copy)
			error_at(r, ev->start_mark, "%s", "out of memory");
		return copy;
	}
	error_at(r, ev->start_mark, "unknown anchor '%s'", name);
	return NULL;
}

enum gt_yaml_tag gt_yaml_tag_kind(const char *tag)
{
	static const struct { const char *name; enum gt_yaml_tag kind; } tags[] = {
		{ "tag:yaml.org,2002:str", GT_YAML_TAG_STR },	{ "tag:yaml.org,2002:binary", GT_YAML_TAG_BINARY },
		{ "tag:yaml.org,2002:timestamp", GT_YAML_TAG_STR }, { "!", GT_YAML_TAG_STR },
		{ "tag:yaml.org,2002:int", GT_YAML_TAG_INT },	{ "tag:yaml.org,2002:float", GT_YAML_TAG_FLOAT },
		{ "tag:yaml.org,2002:bool", GT_YAML_TAG_BOOL },	{ "tag:yaml.org,2002:null", GT_YAML_TAG_NULL },
	};
	if (!tag)
		return GT_YAML_TAG_NONE;
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (!strcmp(tag, tags[i].name))
			return tags[i].kind;
	return GT_YAML_TAG_OTHER;
}

static enum gt_yaml_tag classify_tag(const yaml_char_t *tag)
{
	return gt_yaml_tag_kind((const char *)tag);
}

static bool type_matches_tag(const json_t *v, enum gt_yaml_tag k)
{
	switch (k) {
	case GT_YAML_TAG_INT: return json_is_integer(v);
	case GT_YAML_TAG_FLOAT: return json_is_number(v);
	case GT_YAML_TAG_BOOL: return json_is_boolean(v);
	case GT_YAML_TAG_NULL: return json_is_null(v);
	default: return true;
	}
}

static int base64_digit(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 : c >= '0' && c <= '9' ? c - '0' + 52
	       : c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Length of the valid UTF-8 sequence at p (Go's rules: no overlongs, surrogates or
 * values past U+10FFFF), or 0 if there is none. */
static size_t utf8_sequence(const unsigned char *p, size_t avail)
{
	if (p[0] < 0x80)
		return 1;
	size_t n = p[0] >= 0xc2 && p[0] <= 0xdf ? 2 : p[0] >= 0xe0 && p[0] <= 0xef ? 3 : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;
	if (!n || n > avail)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) || (p[0] == 0xf0 && p[1] < 0x90) ||
	    (p[0] == 0xf4 && p[1] > 0x8f))
		return 0;
	return n;
}

/* !!binary: goyaml.v2 decodes the base64 (Go's StdEncoding: padded, line breaks ignored)
 * into a string of those bytes, and encoding/json writes each byte that is not UTF-8 as U+FFFD. */
static json_t *binary_value(struct gt_yaml_reader *r, const yaml_event_t *ev)
{
	const unsigned char *s = ev->data.scalar.value;
	size_t len = ev->data.scalar.length, m = 0, out_len = 0, t = 0;
	unsigned char *chars = malloc(len + 1), *bytes = malloc(len / 4 * 3 + 3), *text = NULL;
	json_t *v = NULL;
	const char *why = "out of memory";
	if (!chars || !bytes)
		goto fail;
	for (size_t i = 0; i < len; i++)
		if (s[i] != '\n' && s[i] != '\r')
			chars[m++] = s[i];
	why = "!!binary value is not valid base64";
	if (m % 4)
		goto fail;
	for (size_t q = 0; q < m; q += 4) {
		const unsigned char *c = chars + q;
		bool last = q + 4 == m;
		int d[4];
		size_t n = 4; /* characters that carry data */
		if (last && c[3] == '=')
			n = c[2] == '=' ? 2 : 3;
		for (size_t i = 0; i < 4; i++) {
			d[i] = i < n ? base64_digit(c[i]) : 0;
			if (d[i] < 0)
				goto fail;
		}
		unsigned acc = (unsigned)d[0] << 18 | (unsigned)d[1] << 12 | (unsigned)d[2] << 6 | (unsigned)d[3];
		bytes[out_len++] = (unsigned char)(acc >> 16);
		if (n > 2)
			bytes[out_len++] = (unsigned char)(acc >> 8);
		if (n > 3)
			bytes[out_len++] = (unsigned char)acc;
	}
	why = "out of memory";
	text = malloc(out_len * 3 + 1);
	if (!text)
		goto fail;
	for (size_t i = 0; i < out_len;) {
		size_t k = utf8_sequence(bytes + i, out_len - i);
		if (k) {
			memcpy(text + t, bytes + i, k);
			t += k;
			i += k;
		} else {
			memcpy(text + t, "\xef\xbf\xbd", 3);
			t += 3;
			i++;
		}
	}
	v = json_stringn((const char *)text, t);
fail:
	free(chars);
	free(bytes);
	free(text);
	if (!v)
		error_at(r, ev->start_mark, "%s", why);
	return v;
}

json_t *gt_yaml_scalar_value(const char *s, size_t len, bool plain, const char *tag_name, const char **why)
{
	enum gt_yaml_tag tag = classify_tag((const yaml_char_t *)tag_name);
	*why = NULL;
	/* goyaml.v2 resolves only the standard tags: any other tag leaves the text as it is. */
	if (tag == GT_YAML_TAG_STR || tag == GT_YAML_TAG_BINARY || tag == GT_YAML_TAG_OTHER || (!plain && tag == GT_YAML_TAG_NONE))
		return json_stringn(s, len);
	json_t *v = gt_yaml_resolve_plain(s, len, why);
	if (v && !type_matches_tag(v, tag)) {
		json_decref(v);
		*why = "value does not match its tag";
		return NULL;
	}
	if (v && tag == GT_YAML_TAG_FLOAT && json_is_integer(v)) {
		json_t *d = json_real((double)json_integer_value(v));
		json_decref(v);
		v = d;
	}
	return v;
}

static json_t *scalar_value(struct gt_yaml_reader *r, const yaml_event_t *ev)
{
	const char *t = (const char *)ev->data.scalar.tag, *why;
	if (classify_tag(ev->data.scalar.tag) == GT_YAML_TAG_BINARY)
		return binary_value(r, ev);
	json_t *v = gt_yaml_scalar_value((const char *)ev->data.scalar.value, ev->data.scalar.length,
					 ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE, t, &why);
	if (v)
		return v;
	if (why && t && !strcmp(why, "value does not match its tag")) {
		char shown[64];
		/* Written as the user wrote it: !!int, not tag:yaml.org,2002:int. */
		if (!strncmp(t, "tag:yaml.org,2002:", 18))
			snprintf(shown, sizeof(shown), "!!%s", t + 18);
		else
			snprintf(shown, sizeof(shown), "%s", t);
		error_at(r, ev->start_mark, "value does not match its tag %s", shown);
	} else {
		error_at(r, ev->start_mark, "%s", why ? why : "out of memory");
	}
	return NULL;
}

/* Go's strconv.FormatFloat(f, 'g', -1, 32): shortest float32 digits, exponent form below 1e-4 or from 1e6. */
static void format_float32_key(double d, char *buf, size_t size)
{
	float f = (float)d;
	char tmp[48];
	if (isinf(f)) { /* past float32's range: Go prints +Inf, which sigs.k8s.io/yaml renames */
		snprintf(buf, size, "%s", f < 0 ? "-.inf" : ".inf");
		return;
	}
	int prec = 0;
	for (; prec < 9; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec, f);
		if (strtof(tmp, NULL) == f)
			break;
	}
	int exp10 = atoi(strchr(tmp, 'e') + 1);
	if (exp10 < -4 || exp10 >= 6)
		snprintf(buf, size, "%.*e", prec, f);
	else
		snprintf(buf, size, "%.*f", prec - exp10 > 0 ? prec - exp10 : 0, f);
}

/* sigs.k8s.io/yaml turns non-string keys into strings: ints in decimal, bools
 * as true/false, floats with Go's 'g' formatting at float32 precision. */
/* Keys Go turns into text without a JSON number: FormatFloat's +Inf/-Inf/NaN, renamed as YAML writes them. */
static const char *special_float_key(const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || ev->data.scalar.tag || len < 4 ||
	    !in_words(s, len, special_floats))
		return NULL;
	return s[len - 1] == 'n' || s[len - 1] == 'N' ? ".nan" : s[0] == '-' ? "-.inf" : ".inf";
}

/* A plain key past INT64_MAX is a uint64 to goyaml.v2, which sigs.k8s.io/yaml refuses as a key. */
static bool is_uint64_key(const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	char plain[32];
	size_t n = 0;
	bool is_unsigned = false;
	long long iv;
	unsigned long long uv;
	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || ev->data.scalar.tag || ev->data.scalar.length >= 64)
		return false;
	for (size_t i = 0; i < ev->data.scalar.length && n < sizeof(plain) - 1; i++)
		if (s[i] != '_')
			plain[n++] = s[i];
	plain[n] = '\0';
	return n && plain[0] != '.' && parse_go_int(plain, &is_unsigned, &iv, &uv) && is_unsigned;
}

static char *key_string_dup(struct gt_yaml_reader *r, const yaml_event_t *ev)
{
	const char *special = special_float_key(ev);
	if (special)
		return strdup(special);
	if (is_uint64_key(ev)) {
		error_at(r, ev->start_mark, "%s", "a map key past 9223372036854775807 cannot become JSON");
		return NULL;
	}
	json_t *v = scalar_value(r, ev);
	char buf[64], *out = NULL;
	if (!v)
		return NULL;
	switch (json_typeof(v)) {
	case JSON_STRING:
		out = strndup(json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		out = strdup(buf);
		break;
	case JSON_REAL:
		format_float32_key(json_real_value(v), buf, sizeof(buf));
		out = strdup(buf);
		break;
	case JSON_TRUE:
		out = strdup("true");
		break;
	case JSON_FALSE:
		out = strdup("false");
		break;
	default:
		error_at(r, ev->start_mark, "%s", "a map key cannot be null");
		break;
	}
	json_decref(v);
	return out;
}

static json_t *parse_node(struct gt_yaml_reader *r, yaml_event_t *ev, size_t depth);

static json_t *parse_sequence(struct gt_yaml_reader *r, size_t depth)
{
	json_t *arr = json_array();
	for (;;) {
		yaml_event_t ev;
		if (next_event(r, &ev) < 0)
			goto fail;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return arr;
		}
		json_t *item = parse_node(r, &ev, depth);
		yaml_event_delete(&ev);
		if (!item || json_array_append_new(arr, item) < 0)
			goto fail;
	}
fail:
	json_decref(arr);
	return NULL;
}

/*
 * '<<: *base' or '<<: [*a, *b]' as goyaml.v2 does it (what Kubernetes and Helm read):
 * in document order, so keys after the '<<' replace merged ones, and merged keys replace
 * those before it; in a list, earlier maps win. Each merged key is noted in merged, so
 * that an explicit key may replace it without being a duplicate.
 */
static int merge_into(struct gt_yaml_reader *r, json_t *obj, json_t *merged, json_t *src, const yaml_mark_t *mark)
{
	const char *k;
	json_t *v;
	if (json_is_array(src)) {
		for (size_t i = json_array_size(src); i-- > 0;) {
			if (!json_is_object(json_array_get(src, i)))
				return error_at(r, *mark, "%s", "a merge key '<<' needs a map or a list of maps");
		}
		for (size_t i = json_array_size(src); i-- > 0;) {
			if (merge_into(r, obj, merged, json_array_get(src, i), mark) < 0)
				return -1;
		}
		return 0;
	}
	if (!json_is_object(src))
		return error_at(r, *mark, "%s", "a merge key '<<' needs a map or a list of maps");
	json_object_foreach(src, k, v) {
		if (json_object_set(obj, k, v) < 0 || json_object_set(merged, k, json_true()) < 0)
			return error_at(r, *mark, "%s", "out of memory");
	}
	return 0;
}

static bool is_merge_key(const yaml_event_t *ev)
{
	const char *tag = (const char *)ev->data.scalar.tag;
	return ev->type == YAML_SCALAR_EVENT && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!tag || !strcmp(tag, "tag:yaml.org,2002:merge")) && ev->data.scalar.length == 2 &&
	       !memcmp(ev->data.scalar.value, "<<", 2);
}

/* One key and its value into obj; 1 at the end of the map, 0 to go on, -1 on error.
 * merged: the keys that came from '<<' and no explicit key has replaced yet. */
static int parse_map_entry(struct gt_yaml_reader *r, json_t *obj, size_t depth, json_t *merged)
{
	yaml_event_t kev, vev;
	if (next_event(r, &kev) < 0)
		return -1;
	if (kev.type == YAML_MAPPING_END_EVENT)
		return yaml_event_delete(&kev), 1;
	if (kev.type != YAML_SCALAR_EVENT) {
		error_at(r, kev.start_mark, "%s", "only scalar map keys can become JSON");
		return yaml_event_delete(&kev), -1;
	}
	bool merge = is_merge_key(&kev);
	char *key = merge ? NULL : key_string_dup(r, &kev);
	int ret = -1;
	if (!merge && !key)
		goto out;
	if (!merge && json_object_get(obj, key)) {
		if (!json_object_get(merged, key)) {
			error_at(r, kev.start_mark, "duplicate key '%s' in this map", key);
			goto out;
		}
		json_object_del(merged, key); /* replaced once; a second time is a duplicate */
	}
	if (next_event(r, &vev) < 0)
		goto out;
	json_t *v = parse_node(r, &vev, depth);
	if (v && merge) {
		ret = merge_into(r, obj, merged, v, &vev.start_mark);
		json_decref(v);
	} else if (v) {
		ret = json_object_set_new(obj, key, v) < 0 ? -1 : 0;
	}
	yaml_event_delete(&vev);
out:
	free(key);
	yaml_event_delete(&kev);
	return ret;
}

static json_t *parse_mapping(struct gt_yaml_reader *r, size_t depth)
{
	json_t *obj = json_object(), *merged = json_object();
	int st = obj && merged ? 0 : -1;
	while (st == 0)
		st = parse_map_entry(r, obj, depth, merged);
	json_decref(merged);
	if (st < 0) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* depth: the maps and lists around this node; a map or list is one level more. */
static json_t *parse_node(struct gt_yaml_reader *r, yaml_event_t *ev, size_t depth)
{
	json_t *v = NULL;
	const yaml_char_t *anchor = NULL;
	if ((ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT) &&
	    depth >= r->lim.max_depth) {
		depth_error(r, ev);
		return NULL;
	}
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return expand_alias(r, ev, depth);
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		v = scalar_value(r, ev);
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		v = parse_sequence(r, depth + 1);
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		v = parse_mapping(r, depth + 1);
		break;
	default:
		error_at(r, ev->start_mark, "%s", "unexpected YAML event");
		return NULL;
	}
	if (v && remember_anchor(r, anchor, v) < 0) {
		json_decref(v);
		error_at(r, ev->start_mark, "%s", "out of memory");
		return NULL;
	}
	return v;
}

/* After DOCUMENT_START: the root node and DOCUMENT_END. */
static int parse_document(struct gt_yaml_reader *r, json_t **doc)
{
	yaml_event_t ev;
	if (next_event(r, &ev) < 0)
		return -1;
	json_t *root = parse_node(r, &ev, 0);
	yaml_event_delete(&ev);
	if (!root)
		return -1;
	if (next_event(r, &ev) < 0) {
		json_decref(root);
		return -1;
	}
	yaml_event_delete(&ev); /* DOCUMENT_END */
	r->doc_start_bytes = r->bytes_read;
	*doc = root;
	return 1;
}

int gt_yaml_next(struct gt_yaml_reader *r, json_t **doc, unsigned long *line)
{
	yaml_event_t ev;
	*doc = NULL;
	if (r->stream_ended)
		return 0;
	for (;;) {
		if (next_event(r, &ev) < 0)
			return -1;
		if (ev.type == YAML_STREAM_START_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			r->stream_ended = true;
			return 0;
		}
		break;
	}
	/* DOCUMENT_START: anchors and the alias budget are per document. */
	forget_anchors(r);
	r->alias_nodes = 0;
	r->doc_start = ev.start_mark.index;
	*line = ev.start_mark.line + 1 + r->line_offset;
	yaml_event_delete(&ev);
	return parse_document(r, doc);
}

/* ---- emitter ---- */

static int emit_value(yaml_emitter_t *e, const json_t *v);

static int emit_scalar(yaml_emitter_t *e, const char *s, size_t len, yaml_scalar_style_t style)
{
	yaml_event_t ev;
	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)len, 1, 1, style))
		return -1;
	return yaml_emitter_emit(e, &ev) ? 0 : -1;
}

static yaml_scalar_style_t string_style(const char *s, size_t len)
{
	if (gt_yaml_string_needs_quotes(s, len))
		return YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	if (memchr(s, '\n', len))
		return YAML_LITERAL_SCALAR_STYLE; /* libyaml falls back to quotes where | cannot hold it */
	return YAML_ANY_SCALAR_STYLE;
}

static int emit_string(yaml_emitter_t *e, const char *s, size_t len)
{
	return emit_scalar(e, s, len, string_style(s, len));
}

static int emit_mapping(yaml_emitter_t *e, const json_t *v)
{
	yaml_event_t ev;
	const char *k;
	json_t *c;
	yaml_mapping_style_t style = json_object_size(v) ? YAML_BLOCK_MAPPING_STYLE : YAML_FLOW_MAPPING_STYLE;
	if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, style) || !yaml_emitter_emit(e, &ev))
		return -1;
	json_object_foreach((json_t *)v, k, c) {
		if (emit_string(e, k, strlen(k)) < 0 || emit_value(e, c) < 0)
			return -1;
	}
	return yaml_mapping_end_event_initialize(&ev) && yaml_emitter_emit(e, &ev) ? 0 : -1;
}

static int emit_sequence(yaml_emitter_t *e, const json_t *v)
{
	yaml_event_t ev;
	size_t i;
	json_t *c;
	yaml_sequence_style_t style = json_array_size(v) ? YAML_BLOCK_SEQUENCE_STYLE : YAML_FLOW_SEQUENCE_STYLE;
	if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, style) || !yaml_emitter_emit(e, &ev))
		return -1;
	json_array_foreach(v, i, c) {
		if (emit_value(e, c) < 0)
			return -1;
	}
	return yaml_sequence_end_event_initialize(&ev) && yaml_emitter_emit(e, &ev) ? 0 : -1;
}

static int emit_value(yaml_emitter_t *e, const json_t *v)
{
	char buf[40];
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return emit_mapping(e, v);
	case JSON_ARRAY:
		return emit_sequence(e, v);
	case JSON_STRING:
		return emit_string(e, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return emit_scalar(e, buf, strlen(buf), YAML_PLAIN_SCALAR_STYLE);
	case JSON_REAL:
		gt_json_format_real(json_real_value(v), buf);
		return emit_scalar(e, buf, strlen(buf), YAML_PLAIN_SCALAR_STYLE);
	case JSON_TRUE:
		return emit_scalar(e, "true", 4, YAML_PLAIN_SCALAR_STYLE);
	case JSON_FALSE:
		return emit_scalar(e, "false", 5, YAML_PLAIN_SCALAR_STYLE);
	case JSON_NULL:
		return emit_scalar(e, "null", 4, YAML_PLAIN_SCALAR_STYLE);
	}
	return -1;
}

static int emit_document(yaml_emitter_t *e, const json_t *doc)
{
	yaml_event_t ev;
	if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) || !yaml_emitter_emit(e, &ev))
		return -1;
	if (!yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) || !yaml_emitter_emit(e, &ev))
		return -1;
	if (emit_value(e, doc) < 0)
		return -1;
	if (!yaml_document_end_event_initialize(&ev, 1) || !yaml_emitter_emit(e, &ev))
		return -1;
	if (!yaml_stream_end_event_initialize(&ev) || !yaml_emitter_emit(e, &ev))
		return -1;
	return 0;
}

int gt_yaml_emit(FILE *out, const json_t *doc)
{
	yaml_emitter_t e;
	if (!yaml_emitter_initialize(&e))
		return -1;
	yaml_emitter_set_output_file(&e, out);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, -1); /* never fold long lines: diffs stay line-for-line */
	yaml_emitter_set_indent(&e, 2);
	int ret = emit_document(&e, doc);
	if (ret == 0 && !yaml_emitter_flush(&e))
		ret = -1;
	yaml_emitter_delete(&e);
	return ret < 0 || ferror(out) ? -1 : 0;
}
