/* fuzz_yaml: YAML -> JSON (common/yaml) and back through the emitter.
 *
 * Input: byte 0 picks the limits, the rest is a YAML stream. Every document the reader
 * accepts is emitted with gt_yaml_emit and must read back as the same JSON value: the
 * emitter quotes exactly the strings a reader would type otherwise, so nothing may change
 * type or value on the way. Build and run: `make fuzz`.
 * Seeds: 1 tests/fixtures
 */
#include "cli.h"
#include "yaml.h"
#include "same.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static const struct gt_limits limit_sets[] = {
	{ 1 << 20, 10000, 64 },
	{ 256, 16, 4 },
	{ 1 << 20, 0, 512 },
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* doc as block YAML and read again: the same value, or abort. */
static void check_round_trip(const json_t *doc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f || gt_yaml_emit(f, doc) < 0)
		abort();
	fclose(f);
	static const struct gt_limits roomy = { 1 << 24, 1000000, 4096 };
	struct gt_yaml_reader *r = gt_yaml_reader_new_string(buf, len, "emitted", &roomy);
	json_t *again = NULL;
	unsigned long line;
	if (gt_yaml_next(r, &again, &line) != 1 || !json_same(doc, again))
		abort(); /* the emitter wrote something that does not read back as what it was given */
	json_decref(again);
	gt_yaml_reader_free(r);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	gt_set_program("fuzz_yaml");
	const struct gt_limits *lim = &limit_sets[data[0] % COUNT(limit_sets)];
	struct gt_yaml_reader *r = gt_yaml_reader_new_string((const char *)data + 1, size - 1, "fuzz.yaml", lim);
	json_t *doc;
	unsigned long line, prev = 0;
	int st;
	while ((st = gt_yaml_next(r, &doc, &line)) > 0) {
		if (!doc || line < 1 || line < prev)
			abort(); /* documents come in order, each with its first line */
		prev = line;
		check_round_trip(doc);
		json_decref(doc);
	}
	gt_yaml_reader_free(r);
	return 0;
}
