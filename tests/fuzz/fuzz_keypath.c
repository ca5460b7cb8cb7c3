/* fuzz_keypath: --set key paths (gt_keypath_parse) and lookups through them.
 *
 * Input: a key path (bytes up to the first NUL; the rest, if any, is a JSON document to
 * look it up in, else a fixed one). A path that parses must look up without crashing, and
 * what it finds must be a node of the document. Build and run: `make fuzz`.
 */
#include "yamledit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char fixed_doc[] =
	"{\"a\":{\"b\":[1,{\"name\":\"web\",\"image\":\"x\"}]},\"a.b\":{\"c\":true},\"8080\":[[0]],"
	"\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"a:1\"},{\"name\":\"web\"}]},\"\":{\"\":null}}";

/* Is n a node of doc (the same pointer, anywhere)? */
static bool contains(json_t *doc, const json_t *n)
{
	if (doc == n)
		return true;
	const char *k;
	size_t i;
	json_t *c;
	if (json_is_object(doc))
		json_object_foreach(doc, k, c)
			if (contains(c, n))
				return true;
	if (json_is_array(doc))
		json_array_foreach(doc, i, c)
			if (contains(c, n))
				return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t klen = nul ? (size_t)(nul - data) : size;
	char *key = malloc(klen + 1);
	memcpy(key, data, klen);
	key[klen] = 0;
	json_t *doc = nul ? json_loadb((const char *)nul + 1, size - klen - 1, JSON_DECODE_ANY, NULL) : NULL;
	if (!doc)
		doc = json_loads(fixed_doc, 0, NULL);

	const char *why = NULL;
	struct gt_keypath *p = gt_keypath_parse(key, &why);
	if (!p && (!why || !*why))
		abort(); /* a refusal always says why */
	if (p) {
		json_t *hit = gt_keypath_lookup(p, doc);
		if (hit && !contains(doc, hit))
			abort();
		gt_keypath_free(p);
	}
	json_decref(doc);
	free(key);
	return 0;
}
