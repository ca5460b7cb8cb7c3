/* fuzz_imageref: container image references (gt_image_ref_parse).
 *
 * Input: the reference (up to the first NUL). A reference that parses must split the
 * input exactly: repo[:tag][@digest] put together again is the input, the repository is
 * never empty, the tag holds no ':' or '/', the digest is ALGORITHM:HEX. A refusal says
 * why and leaves nothing allocated. Build and run: `make fuzz`.
 */
#include "yamledit.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t len = nul ? (size_t)(nul - data) : size;
	char *s = malloc(len + 1);
	memcpy(s, data, len);
	s[len] = 0;

	struct gt_image_ref ref;
	const char *why = NULL;
	if (gt_image_ref_parse(s, &ref, &why) < 0) {
		if (!why || !*why || ref.repo || ref.tag || ref.digest)
			abort();
		free(s);
		return 0;
	}
	if (!ref.repo || !*ref.repo)
		abort();
	if (ref.tag && (!*ref.tag || strpbrk(ref.tag, ":/@")))
		abort();
	if (ref.digest && !strchr(ref.digest, ':'))
		abort();
	size_t n = strlen(ref.repo) + (ref.tag ? strlen(ref.tag) + 1 : 0) + (ref.digest ? strlen(ref.digest) + 1 : 0);
	char *joined = malloc(n + 1);
	snprintf(joined, n + 1, "%s%s%s%s%s", ref.repo, ref.tag ? ":" : "", ref.tag ? ref.tag : "",
		 ref.digest ? "@" : "", ref.digest ? ref.digest : "");
	if (strcmp(joined, s))
		abort(); /* the parts must be exactly the input, split */
	free(joined);
	gt_image_ref_clear(&ref);
	free(s);
	return 0;
}
