/* sha256: the SHA-256 digest (FIPS 180-4), for names and checks that must match other tools'. */
#ifndef GT_SHA256_H
#define GT_SHA256_H

#include <stddef.h>

#define GT_SHA256_LEN 32

/* The digest of len bytes at data into out. */
void gt_sha256(const void *data, size_t len, unsigned char out[GT_SHA256_LEN]);
/* The same as 64 lowercase hex digits and a NUL into hex. */
void gt_sha256_hex(const void *data, size_t len, char hex[2 * GT_SHA256_LEN + 1]);

#endif
