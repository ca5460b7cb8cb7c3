/* fuzz_yamlfast: the reader's fast path (common/yaml_fast.c) against libyaml alone.
 *
 * Input: byte 0 picks the limits (low 2 bits), the input kind (next 2 bits: a string, a
 * FILE, a handler giving at most a few bytes per read, a handler giving whole reads), the
 * typing (next 2 bits: none set, goyaml.v2 set so that typed keys are counted, kyaml, text),
 * the rest is a YAML stream. It is read twice, with the fast path and without it; every
 * document must be the same JSON (same keys in the same order, same types and values), with
 * the same first line (and, with a typing set, the same count of typed keys and the same
 * values written empty), and the stream must end the same way, with the same error text. The
 * fast path may take over any document or none: the result must not show which. Then the
 * fast path's text mode (gt_yaml_reader_set_text_for, taking every document it can): each
 * document's text must be what gt_json_write writes of the tree the tree mode reads.
 * Build and run: `make fuzz`. Seeds: 1 tests/fixtures examples
 */
#include "cli.h"
#include "json.h"
#include "yaml.h"
#include "yaml_fast.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct gt_limits limit_sets[] = {
	{ 1 << 20, 10000, 64 },
	{ 256, 16, 4 },
	{ 1 << 20, 0, 512 },
	{ 64, 1000, 3 },
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct src {
	const uint8_t *data;
	size_t len, pos, most; /* most: bytes per read at most (0: as asked) */
};

static int src_read(void *data, unsigned char *buf, size_t size, size_t *size_read)
{
	struct src *s = data;
	size_t n = s->len - s->pos < size ? s->len - s->pos : size;
	if (s->most && n > s->most)
		n = s->most;
	memcpy(buf, s->data + s->pos, n);
	s->pos += n;
	*size_read = n;
	return 1;
}

/* kyaml's empty values (gt_yaml_empty_null) print as null: shown as a string of their own. */
static json_t *show_empty(json_t *v)
{
	const char *k;
	json_t *c;
	size_t i;
	if (gt_yaml_is_empty_null(v))
		return json_string("(empty)");
	if (json_is_object(v)) {
		json_object_foreach(v, k, c) {
			json_object_set_new(v, k, show_empty(c));
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c) {
			json_array_set_new(v, i, show_empty(c));
		}
	}
	return json_incref(v);
}

static bool take_all(const json_t *skeleton)
{
	(void)skeleton;
	return true;
}

/* Every document as "LINE JSON\n" in gt_json_write's form, then "end STATUS": as text when
 * text mode gives it (text), else from the tree. */
static char *read_written(const uint8_t *data, size_t size, const struct gt_limits *lim, int typing, bool text)
{
	char *out = NULL;
	size_t out_len = 0;
	FILE *o = open_memstream(&out, &out_len);
	struct gt_yaml_reader *r = gt_yaml_reader_new_string((const char *)data, size, "fuzz.yaml", lim);
	if (!o || !r)
		abort();
	gt_yaml_reader_set_quiet(r, true);
	if (typing)
		gt_yaml_reader_set_typing(r, typing == 1 ? GT_YAML_V2 : typing == 2 ? GT_YAML_KYAML : GT_YAML_TEXT);
	if (text)
		gt_yaml_reader_set_text_for(r, take_all);
	json_t *doc;
	unsigned long line;
	int st;
	while ((st = gt_yaml_next(r, &doc, &line)) > 0) {
		char *t;
		size_t n;
		fprintf(o, "%lu ", line);
		if (gt_yaml_take_text(r, &t, &n)) {
			fwrite(t, 1, n, o);
			free(t);
		} else {
			gt_json_write(o, doc);
		}
		fputc('\n', o);
		json_decref(doc);
	}
	fprintf(o, "end %d\n", st);
	gt_yaml_reader_free(r);
	fclose(o);
	return out;
}

/* Every document as "LINE TYPED-KEYS JSON\n", then "end STATUS ERROR": what a caller can see. */
static char *read_all(const uint8_t *data, size_t size, int kind, int typing, const struct gt_limits *lim, bool fast)
{
	char *out = NULL;
	size_t out_len = 0;
	FILE *o = open_memstream(&out, &out_len);
	FILE *f = NULL;
	struct src s = { data, size, 0, kind == 2 ? 7 : 0 };
	struct gt_yaml_reader *r;
	gt_yaml_set_fast_path(fast);
	if (kind == 0) {
		r = gt_yaml_reader_new_string((const char *)data, size, "fuzz.yaml", lim);
	} else if (kind == 1) {
		f = size ? fmemopen((void *)data, size, "rb") : fopen("/dev/null", "rb");
		r = gt_yaml_reader_new_file(f, "fuzz.yaml", lim);
	} else {
		r = gt_yaml_reader_new_handler(src_read, &s, "fuzz.yaml", lim);
	}
	gt_yaml_set_fast_path(true);
	if (!o || !r)
		abort();
	gt_yaml_reader_set_quiet(r, true);
	if (typing)
		gt_yaml_reader_set_typing(r, typing == 1 ? GT_YAML_V2 : typing == 2 ? GT_YAML_KYAML : GT_YAML_TEXT);
	json_t *doc;
	unsigned long line;
	int st;
	while ((st = gt_yaml_next(r, &doc, &line)) > 0) {
		json_t *shown = show_empty(doc);
		char *text = json_dumps(shown, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
		/* (typed keys are counted only by a reader whose typing was set) */
		fprintf(o, "%lu %zu %s\n", line, typing ? gt_yaml_reader_typed_keys(r) : 0, text ? text : "?");
		free(text);
		json_decref(shown);
		json_decref(doc);
	}
	fprintf(o, "end %d %s\n", st, st < 0 ? gt_yaml_reader_error(r) : "");
	gt_yaml_reader_free(r);
	if (f)
		fclose(f);
	fclose(o);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	gt_set_program("fuzz_yamlfast");
	const struct gt_limits *lim = &limit_sets[data[0] % COUNT(limit_sets)];
	int kind = (data[0] >> 2) % 4, typing = (data[0] >> 4) % 4;
	char *slow = read_all(data + 1, size - 1, kind, typing, lim, false);
	char *fast = read_all(data + 1, size - 1, kind, typing, lim, true);
	if (strcmp(slow, fast)) {
		fprintf(stderr, "libyaml:\n%s\nfast path:\n%s\n", slow, fast);
		abort();
	}
	free(slow);
	free(fast);
	char *tree = read_written(data + 1, size - 1, lim, typing, false);
	char *text = read_written(data + 1, size - 1, lim, typing, true);
	if (strcmp(tree, text)) {
		fprintf(stderr, "tree mode:\n%s\ntext mode:\n%s\n", tree, text);
		abort();
	}
	free(tree);
	free(text);
	return 0;
}
