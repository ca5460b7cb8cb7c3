/* stream: objects from JSON Lines, concatenated JSON, JSON arrays, Lists and
 * YAML multi-document streams, one document at a time; JSON Lines or YAML out. */
#include "stream.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "yaml.h"

#define SRC_BUF_SIZE 65536

/* Our own buffer under both parsers: the form is detected by peeking, and
 * jansson is fed so that it never reads past the end of one value. */
struct src {
	FILE *f;
	/* or a function that reads (gt_stream_open_reader) */
	ssize_t (*read)(void *cookie, char *buf, size_t size);
	int (*close)(void *cookie);
	void *cookie;
	char *buf; /* SRC_BUF_SIZE bytes, not cleared: a stream over a 200-byte Chart.yaml touches one page */
	size_t pos, len;
	bool eof;
	int read_errno;
	unsigned long line;   /* 1-based line of buf[pos] */
	unsigned long column; /* characters before buf[pos] on its line */
	/* The JSON document being read: bytes handed to jansson, and the limit on them. */
	size_t doc_bytes, max_doc_bytes;
	bool too_big;
};

enum form { FORM_UNKNOWN, FORM_JSON, FORM_YAML };

struct gt_stream {
	struct src src;
	const char *path;
	const char *name; /* for messages */
	bool close_file;
	enum form form;
	struct gt_limits lim;
	struct gt_yaml_reader *yaml;
	json_t *pending;    /* items still to hand out from a List or array */
	size_t pending_pos;
	struct gt_where pending_where;
	unsigned long doc;
	bool (*text_for)(const json_t *skeleton); /* gt_stream_set_text_for */
};

void gt_stream_set_text_for(struct gt_stream *st, bool (*want)(const json_t *skeleton))
{
	st->text_for = want;
	if (st->yaml)
		gt_yaml_reader_set_text_for(st->yaml, want);
}

bool gt_stream_take_text(struct gt_stream *st, char **text, size_t *len)
{
	return st->yaml && gt_yaml_take_text(st->yaml, text, len);
}

/* Up to size bytes of the input into buf; 0 at its end or on an error (then eof and read_errno set). */
static size_t src_read(struct src *s, char *buf, size_t size)
{
	size_t n;
	if (s->read) {
		ssize_t r = s->read(s->cookie, buf, size);
		n = r > 0 ? (size_t)r : 0;
		if (r < 0)
			s->read_errno = errno ? errno : EIO;
	} else {
		n = fread(buf, 1, size, s->f);
		if (n == 0 && ferror(s->f))
			s->read_errno = errno ? errno : EIO;
	}
	if (n == 0)
		s->eof = true;
	return n;
}

static int src_fill(struct src *s)
{
	if (s->eof)
		return 0;
	if (s->pos > 0) {
		memmove(s->buf, s->buf + s->pos, s->len - s->pos);
		s->len -= s->pos;
		s->pos = 0;
	}
	size_t n = src_read(s, s->buf + s->len, SRC_BUF_SIZE - s->len);
	s->len += n;
	return (int)n;
}

/* Skip whole blank lines and a UTF-8 BOM; the first other byte, or EOF. Same-line
 * indentation stays, so YAML columns in messages are exact. */
static int src_peek_content(struct src *s)
{
	for (;;) {
		size_t line_start = s->pos;
		unsigned long lines = 0;
		for (size_t i = s->pos; i < s->len; i++) {
			unsigned char c = (unsigned char)s->buf[i];
			if (c == '\n') {
				lines++;
				line_start = i + 1;
				s->column = 0;
			} else if (c == ' ' || c == '\t' || c == '\r') {
				continue;
			} else if (c == 0xef && s->len - i >= 3 && (unsigned char)s->buf[i + 1] == 0xbb &&
				   (unsigned char)s->buf[i + 2] == 0xbf) {
				i += 2;
				line_start = i + 1;
			} else {
				s->pos = line_start;
				s->line += lines;
				return c;
			}
		}
		s->pos = line_start;
		s->line += lines;
		if (s->len - s->pos == SRC_BUF_SIZE)
			s->pos = s->len; /* a buffer full of spaces: drop them, columns shift harmlessly */
		if (src_fill(s) == 0)
			return EOF;
	}
}

/* libyaml input handler. */
static int yaml_read_handler(void *data, unsigned char *out, size_t size, size_t *read)
{
	struct src *s = data;
	if (s->pos == s->len && !s->eof && size >= 4096) {
		/* straight into the reader's window: through buf it would be copied once more */
		*read = src_read(s, (char *)out, size);
		return !s->read_errno;
	}
	if (s->pos == s->len && src_fill(s) == 0 && s->read_errno)
		return 0;
	size_t n = s->len - s->pos < size ? s->len - s->pos : size;
	memcpy(out, s->buf + s->pos, n);
	s->pos += n;
	*read = n;
	return 1;
}

/* jansson input: chunks that end at a '}' , ']' or newline, so that jansson, which
 * buffers what it is given, never swallows bytes after the value it parses. */
static size_t json_read_callback(void *out, size_t size, void *data)
{
	struct src *s = data;
	if (s->pos == s->len && src_fill(s) == 0)
		return s->read_errno ? (size_t)-1 : 0;
	size_t n = 0, avail = s->len - s->pos;
	const char *p = s->buf + s->pos;
	while (n < avail && n < size) {
		char c = p[n++];
		if (c == '}' || c == ']' || c == '\n')
			break;
	}
	if (n > s->max_doc_bytes - s->doc_bytes) {
		s->too_big = true; /* stop here: jansson sees the end of its input */
		return (size_t)-1;
	}
	s->doc_bytes += n;
	memcpy(out, p, n);
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			s->line++;
			s->column = 0;
		} else if (((unsigned char)p[i] & 0xc0) != 0x80) {
			s->column++; /* characters, as jansson counts its columns */
		}
	}
	s->pos += n;
	return n;
}

/* A stream named name (path: as given) with its buffer, the rest zero, its source still to set;
 * NULL after printing. stream_drop frees one whose source could not be opened. */
static struct gt_stream *stream_alloc(const char *path, const char *name, const struct gt_limits *lim)
{
	struct gt_stream *st = calloc(1, sizeof(*st));
	if (st && !(st->src.buf = malloc(SRC_BUF_SIZE))) {
		free(st);
		st = NULL;
	}
	if (!st)
		return gt_error("out of memory"), NULL;
	st->close_file = true;
	st->src.line = 1;
	st->src.max_doc_bytes = lim->max_doc_bytes;
	st->path = path;
	st->name = name;
	st->lim = *lim;
	return st;
}

static void stream_drop(struct gt_stream *st)
{
	free(st->src.buf);
	free(st);
}

struct gt_stream *gt_stream_open(const char *path, const struct gt_limits *lim)
{
	bool is_stdin = !strcmp(path, "-");
	struct gt_stream *st = stream_alloc(path, is_stdin ? "<stdin>" : path, lim);
	if (!st)
		return NULL;
	st->src.f = is_stdin ? stdin : fopen(path, "rb");
	if (!st->src.f) {
		gt_error("%s: cannot open: %s", path, strerror(errno));
		stream_drop(st);
		return NULL;
	}
	st->close_file = !is_stdin;
	return st;
}

struct gt_stream *gt_stream_open_fp(FILE *f, const char *name, const struct gt_limits *lim)
{
	struct gt_stream *st = stream_alloc(name, name, lim);
	if (!st)
		fclose(f);
	else
		st->src.f = f;
	return st;
}

struct gt_stream *gt_stream_open_reader(ssize_t (*read)(void *cookie, char *buf, size_t size),
				      int (*close)(void *cookie), void *cookie, const char *name,
				      const struct gt_limits *lim)
{
	struct gt_stream *st = stream_alloc(name, name, lim);
	if (!st) {
		close(cookie);
		return NULL;
	}
	st->src.read = read;
	st->src.close = close;
	st->src.cookie = cookie;
	return st;
}

struct gt_stream *gt_stream_open_mem(const char *buf, size_t len, const char *name, const struct gt_limits *lim)
{
	struct gt_stream *st = stream_alloc(name, name, lim);
	if (!st)
		return NULL;
	/* fmemopen refuses a zero size on older C libraries: nothing to read is /dev/null. */
	st->src.f = len ? fmemopen((void *)buf, len, "rb") : fopen("/dev/null", "rb");
	if (!st->src.f) {
		gt_error("%s: cannot read: %s", name, strerror(errno));
		stream_drop(st);
		return NULL;
	}
	return st;
}

void gt_stream_close(struct gt_stream *st)
{
	if (!st)
		return;
	gt_yaml_reader_free(st->yaml);
	json_decref(st->pending);
	if (st->close_file && st->src.read)
		st->src.close(st->src.cookie);
	else if (st->close_file)
		fclose(st->src.f);
	stream_drop(st);
}

static bool is_list(const json_t *obj)
{
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	size_t n = kind ? strlen(kind) : 0;
	return n >= 4 && !strcmp(kind + n - 4, "List") && json_is_array(json_object_get(obj, "items"));
}

static int read_error(struct gt_stream *st)
{
	gt_error("%s: read error: %s", st->name, strerror(st->src.read_errno));
	return -1;
}

/* Levels of maps and lists in v (0 for a scalar), as the YAML reader counts them for --max-depth.
 * jansson stops at 2048 levels, so the recursion is bounded. */
static size_t json_height(const json_t *v)
{
	size_t h = 0, i;
	const char *k;
	json_t *c;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, c) {
			size_t ch = json_height(c);
			h = ch > h ? ch : h;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c) {
			size_t ch = json_height(c);
			h = ch > h ? ch : h;
		}
	} else {
		return 0;
	}
	return h + 1;
}

/*
 * jansson quotes the token it stopped at: "invalid token near 'hunter2'", "control character
 * 0x0 near '"s3cr'". In a Secret that token is its value, and messages end up in CI logs.
 * Keep the excerpt only where it cannot be a value: one structural character, or the key a
 * duplicate-key error names; line and column still point at the place.
 */
static void drop_value_excerpt(char *text)
{
	char *near = strstr(text, " near '");
	if (!near || !strncmp(text, "duplicate object key", 20))
		return;
	const char *tok = near + 7;
	if (strchr("{}[],:", tok[0]) && tok[0] && !strcmp(tok + 1, "'"))
		return;
	*near = '\0';
}

/* Next raw document (any JSON value); 1, 0 at the end, -1 after an error. */
static int next_json_document(struct gt_stream *st, json_t **doc, unsigned long *line)
{
	int c = src_peek_content(&st->src);
	if (c == EOF)
		return st->src.read_errno ? read_error(st) : 0;
	if (c != '{' && c != '[') {
		gt_error("%s:%lu: expected a JSON object or array, found '%c'", st->name, st->src.line, c);
		return -1;
	}
	json_error_t err;
	unsigned long start = st->src.line, start_column = st->src.column;
	*line = start;
	st->src.doc_bytes = 0;
	/* JSON_ALLOW_NUL: "\u0000" is a string's character, as YAML's "\0" is to the YAML reader
	 * and to Go; without it JSON Lines we wrote from such a YAML would not read back. */
	*doc = json_load_callback(json_read_callback, &st->src,
				  JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
	if (!*doc) {
		if (st->src.read_errno)
			return read_error(st);
		if (st->src.too_big) {
			gt_error("%s:%lu: document larger than %zu bytes (--max-document-size)", st->name, start,
				 st->lim.max_doc_bytes);
			return -1;
		}
		/* jansson counts from where this document began, which may be mid-line. */
		unsigned long column = (unsigned long)(err.column > 0 ? err.column : 0) + (err.line == 1 ? start_column : 0);
		drop_value_excerpt(err.text);
		gt_error("%s:%lu:%lu: %s", st->name, start + (unsigned long)err.line - 1, column, err.text);
		return -1;
	}
	if (json_height(*doc) > st->lim.max_depth) {
		gt_error("%s:%lu: nested deeper than %zu levels (--max-depth)", st->name, start, st->lim.max_depth);
		json_decref(*doc);
		*doc = NULL;
		return -1;
	}
	return 1;
}

static int detect_form(struct gt_stream *st)
{
	int c = src_peek_content(&st->src);
	if (c == EOF && st->src.read_errno)
		return read_error(st);
	st->form = c == '{' || c == '[' ? FORM_JSON : FORM_YAML;
	if (st->form == FORM_YAML) {
		/* libyaml reads from our buffer, which still holds what we peeked. */
		st->yaml = gt_yaml_reader_new_handler(yaml_read_handler, &st->src, st->name, &st->lim);
		if (!st->yaml) {
			gt_error("out of memory");
			return -1;
		}
		gt_yaml_reader_set_line_offset(st->yaml, st->src.line - 1);
		gt_yaml_reader_set_text_for(st->yaml, st->text_for);
	}
	return 0;
}

static int next_document(struct gt_stream *st, json_t **doc, unsigned long *line)
{
	if (st->form == FORM_UNKNOWN && detect_form(st) < 0)
		return -1;
	if (st->form == FORM_JSON)
		return next_json_document(st, doc, line);
	int r = gt_yaml_next(st->yaml, doc, line);
	if (r == 0 && st->src.read_errno)
		return read_error(st);
	return r;
}

static const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING: return "a string";
	case JSON_INTEGER: case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	case JSON_ARRAY: return "a list";
	default: return "not an object";
	}
}

/* Hand out the next pending item (flattening nested Lists); 1, or 0 when none is left. */
static int next_pending(struct gt_stream *st, json_t **obj, struct gt_where *where)
{
	while (st->pending) {
		if (st->pending_pos >= json_array_size(st->pending)) {
			json_decref(st->pending);
			st->pending = NULL;
			break;
		}
		json_t *item = json_incref(json_array_get(st->pending, st->pending_pos++));
		if (json_is_object(item) && is_list(item)) {
			/* Nested List: splice its items in place of it. */
			json_t *rest = json_array();
			json_array_extend(rest, json_object_get(item, "items"));
			for (size_t i = st->pending_pos; i < json_array_size(st->pending); i++)
				json_array_append(rest, json_array_get(st->pending, i));
			json_decref(st->pending);
			json_decref(item);
			st->pending = rest;
			st->pending_pos = 0;
			continue;
		}
		*where = st->pending_where;
		if (!json_is_object(item)) {
			gt_error("%s:%lu: list item %zu is %s, not an object", where->file, where->line,
				 st->pending_pos - 1, json_type_name(item));
			json_decref(item);
			return -1;
		}
		*obj = item;
		return 1;
	}
	return 0;
}

unsigned long gt_stream_documents(const struct gt_stream *st)
{
	return st->doc;
}

int gt_stream_next(struct gt_stream *st, json_t **obj, struct gt_where *where)
{
	*obj = NULL;
	for (;;) {
		int r = next_pending(st, obj, where);
		if (r)
			return r;
		json_t *doc = NULL;
		unsigned long line = 0;
		r = next_document(st, &doc, &line);
		if (r <= 0)
			return r;
		struct gt_where w = { st->name, line, st->doc++ };
		if (json_is_null(doc)) {
			json_decref(doc);
			continue; /* empty document, or comments only */
		}
		if (json_is_array(doc) || (json_is_object(doc) && is_list(doc))) {
			st->pending = json_is_array(doc) ? json_incref(doc) : json_incref(json_object_get(doc, "items"));
			st->pending_pos = 0;
			st->pending_where = w;
			json_decref(doc);
			continue;
		}
		if (!json_is_object(doc)) {
			gt_error("%s:%lu: document is %s, not an object", w.file, w.line, json_type_name(doc));
			json_decref(doc);
			return -1;
		}
		*obj = doc;
		*where = w;
		return 1;
	}
}

bool gt_is_record(const json_t *obj)
{
	const char *api = json_string_value(json_object_get(obj, "apiVersion"));
	return api && !strcmp(api, "gitops/v1");
}

struct gt_writer {
	FILE *out;
	enum gt_format format;
	unsigned long count;
	bool failed; /* reported once: every later write fails the same way */
};

struct gt_writer *gt_writer_new(FILE *out, enum gt_format format)
{
	struct gt_writer *w = calloc(1, sizeof(*w));
	if (!w) {
		gt_error("out of memory");
		return NULL;
	}
	w->out = out;
	w->format = format;
	return w;
}

static int write_failed(struct gt_writer *w)
{
	if (!w->failed)
		gt_error("cannot write output: %s", strerror(errno ? errno : EIO));
	w->failed = true;
	return -1;
}

int gt_writer_put(struct gt_writer *w, const json_t *obj)
{
	int r;
	if (w->format == GT_FORMAT_JSON) {
		r = gt_json_write(w->out, obj);
		putc('\n', w->out);
	} else {
		if (w->count)
			fputs("---\n", w->out);
		r = gt_yaml_emit(w->out, obj);
	}
	w->count++;
	return r < 0 || ferror(w->out) ? write_failed(w) : 0;
}

int gt_writer_put_text(struct gt_writer *w, const char *text, size_t len)
{
	if (w->format != GT_FORMAT_JSON) {
		errno = EINVAL;
		return write_failed(w);
	}
	fwrite(text, 1, len, w->out);
	putc('\n', w->out);
	w->count++;
	return ferror(w->out) ? write_failed(w) : 0;
}

int gt_writer_close(struct gt_writer *w)
{
	if (!w)
		return 0;
	int r = fflush(w->out) != 0 || ferror(w->out) ? write_failed(w) : 0;
	free(w);
	return r;
}
