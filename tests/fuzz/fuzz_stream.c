/* fuzz_stream: the object stream reader over every input form, and its JSON Lines round trip.
 *
 * Input: byte 0 picks the limits (tight ones reach the limit paths), the rest is the stream
 * (JSON Lines, concatenated JSON, an array, a List, YAML multi-document: the reader detects
 * which). gt_stream_open reads a path, so the bytes go into a memfd opened by its /proc path.
 * Checked: every object handed out is a map with a position; the objects written as JSON
 * Lines (gt_writer) read back through the reader as the same objects; YAML output (the
 * writer's other form) does not crash. Build and run: `make fuzz` (see the Makefile).
 * Seeds: 1 tests/fixtures
 */
#define _GNU_SOURCE /* memfd_create */
#include "cli.h"
#include "stream.h"
#include "same.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const struct gt_limits limit_sets[] = {
	{ 1 << 20, 10000, 64 },
	{ 64, 16, 4 },
	{ 4096, 100, 16 },
	{ 1 << 20, 10000, 0 },
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The bytes as a file the reader can open by name; -1 if the kernel refuses. */
static int bytes_as_file(const uint8_t *data, size_t size, char *path, size_t path_size)
{
	int fd = memfd_create("fuzz_stream", 0);
	if (fd < 0)
		return -1;
	for (size_t off = 0; off < size;) {
		ssize_t n = write(fd, data + off, size - off);
		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	snprintf(path, path_size, "/proc/self/fd/%d", fd);
	return fd;
}

/* Every object in the stream at path, into an array; -1 when the reader reported an error. */
static int read_all(const char *path, const struct gt_limits *lim, json_t *out)
{
	struct gt_stream *s = gt_stream_open(path, lim);
	if (!s)
		abort(); /* the file exists: opening cannot fail */
	json_t *obj;
	struct gt_where w;
	int r;
	while ((r = gt_stream_next(s, &obj, &w)) > 0) {
		if (!json_is_object(obj) || !w.file || !*w.file)
			abort(); /* the reader promises maps, with a name for messages */
		json_array_append_new(out, obj);
	}
	if (r == 0 && obj)
		abort();
	gt_stream_close(s);
	return r;
}

/* Write objs with a gt_writer of the given format into a malloc'd buffer. */
static char *write_all(const json_t *objs, enum gt_format format, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	if (!f)
		abort();
	struct gt_writer *w = gt_writer_new(f, format);
	size_t i;
	json_t *o;
	json_array_foreach(objs, i, o)
		if (gt_writer_put(w, o) < 0)
			abort();
	if (gt_writer_close(w) < 0)
		abort();
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	gt_set_program("fuzz_stream");
	const struct gt_limits *lim = &limit_sets[data[0] % COUNT(limit_sets)];
	char path[64];
	int fd = bytes_as_file(data + 1, size - 1, path, sizeof(path));
	if (fd < 0)
		return 0;
	json_t *objs = json_array();
	read_all(path, lim, objs); /* objects before an error still had to be sound */
	close(fd);

	/* What the reader handed out, written as JSON Lines, reads back as the same objects. */
	size_t len;
	char *jsonl = write_all(objs, GT_FORMAT_JSON, &len);
	fd = bytes_as_file((const uint8_t *)jsonl, len, path, sizeof(path));
	if (fd >= 0) {
		static const struct gt_limits roomy = { 1 << 24, 10000, 64 };
		json_t *again = json_array();
		if (read_all(path, &roomy, again) < 0 || !json_same(objs, again)) {
			fprintf(stderr, "fuzz_stream: written:\n%.*s\nread back:\n", (int)len, jsonl);
			json_dumpf(again, stderr, JSON_ENCODE_ANY);
			abort();
		}
		json_decref(again);
		close(fd);
	}
	free(jsonl);
	free(write_all(objs, GT_FORMAT_YAML, &len));
	json_decref(objs);
	return 0;
}
