/* json: compact JSON output with the number forms Go's encoding/json writes. */
#ifndef GT_JSON_H
#define GT_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* Write v compactly, keys in insertion order, no trailing newline. 0, or -1 on a write error. */
int gt_json_write(FILE *out, const json_t *v);

/* Format d as encoding/json does (shortest round-trip; 1e-07, 1e+21, 80 not 80.0). buf >= 32 bytes. */
const char *gt_json_format_real(double d, char *buf);

/* The same JSON appended to a growing buffer (no stdio in between): what gt_json_write would
 * write, byte for byte. oom is set, and appending stops, when memory runs out. */
struct gt_json_buf {
	char *p;
	size_t n, cap;
	bool oom;
};
void gt_json_buf_add(struct gt_json_buf *b, const char *s, size_t n);
void gt_json_buf_string(struct gt_json_buf *b, const char *s, size_t n); /* as a JSON string */
void gt_json_buf_value(struct gt_json_buf *b, const json_t *v);

#endif
