/* json: compact JSON output with the number forms Go's encoding/json writes. */
#ifndef GT_JSON_H
#define GT_JSON_H

#include <jansson.h>
#include <stdio.h>

/* Write v compactly, keys in insertion order, no trailing newline. 0, or -1 on a write error. */
int gt_json_write(FILE *out, const json_t *v);

/* Format d as encoding/json does (shortest round-trip; 1e-07, 1e+21, 80 not 80.0). buf >= 32 bytes. */
const char *gt_json_format_real(double d, char *buf);

#endif
