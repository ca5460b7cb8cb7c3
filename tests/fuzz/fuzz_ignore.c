/* fuzz_ignore: ignore rules (gt_ignore_add, gt_ignore_load) and applying them to an object.
 *
 * Input: rules, one a line (bytes up to the first NUL); the rest, if any, is a JSON object to
 * apply them to, else a fixed Deployment. Checked: a refusal leaves the set as it was; the
 * accepted rules written to a file load back (gt_ignore_load) as the same number of rules
 * with the same effect; applying only removes (the result is a part of the object; not
 * idempotent: "/spec/x/0" takes the next element the next time, as Argo CD's would). Build and run: `make fuzz`.
 * Seeds: 1 tests/fixtures/diff
 */
#define _GNU_SOURCE /* memfd_create */
#include "cli.h"
#include "diff.h"
#include "same.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char fixed_obj[] =
	"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\",\"namespace\":\"prod\","
	"\"labels\":{\"a/b\":\"1\",\"~\":\"2\"}},\"spec\":{\"replicas\":3,\"template\":{\"spec\":{\"containers\":"
	"[{\"name\":\"web\",\"image\":\"a:1\",\"env\":[{\"name\":\"X\",\"value\":\"1\"}]},{\"name\":\"side\"}]}}},"
	"\"data\":{\"\":\"\",\"*\":[[0,1],{\"0\":null}]}}";

/* Is every part of b also in a (b is a with some keys or elements removed)? Arrays lose whole
 * elements, so b's elements must be parts of a's elements in order. */
static bool part_of(const json_t *a, const json_t *b)
{
	if (json_is_object(a) && json_is_object(b)) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)b, k, v) {
			const json_t *w = json_object_get(a, k);
			if (!w || !part_of(w, v))
				return false;
		}
		return true;
	}
	if (json_is_array(a) && json_is_array(b)) {
		size_t j = 0;
		for (size_t i = 0; i < json_array_size(b); i++, j++) {
			while (j < json_array_size(a) && !part_of(json_array_get(a, j), json_array_get(b, i)))
				j++;
			if (j == json_array_size(a))
				return false;
		}
		return true;
	}
	return json_same(a, b);
}

/* A line gt_ignore_load reads as exactly this rule (it trims blanks and skips # comments). */
static bool loads_as_itself(const char *rule)
{
	size_t n = strlen(rule);
	return n && !strchr(" \t#", rule[0]) && !strchr(" \t\r", rule[n - 1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gt_set_program("fuzz_ignore");
	const uint8_t *nul = memchr(data, 0, size);
	size_t rlen = nul ? (size_t)(nul - data) : size;
	char *rules = malloc(rlen + 1);
	memcpy(rules, data, rlen);
	rules[rlen] = 0;
	json_t *obj = nul ? json_loadb((const char *)nul + 1, size - rlen - 1, 0, NULL) : NULL;
	struct gt_ref ref;
	if (!json_is_object(obj) || gt_obj_ref(obj, &ref, NULL) < 0) {
		json_decref(obj);
		obj = json_loads(fixed_obj, 0, NULL);
		if (gt_obj_ref(obj, &ref, NULL) < 0)
			abort();
	}

	struct gt_ignore *added = gt_ignore_new();
	char *file = NULL;
	size_t flen = 0;
	FILE *f = open_memstream(&file, &flen);
	if (!added || !f)
		abort();
	size_t accepted = 0;
	for (char *p = rules, *line; (line = strsep(&p, "\n"));) {
		size_t before = gt_ignore_count(added);
		if (gt_ignore_add(added, line, "fuzz") == 0) {
			if (gt_ignore_count(added) != before + 1)
				abort();
			if (loads_as_itself(line)) {
				fprintf(f, "%s\n", line);
				accepted++;
			}
		} else if (gt_ignore_count(added) != before) {
			abort(); /* a refused rule must not be half added */
		}
	}
	fclose(f);

	/* Loaded from a file, the same rules act the same. */
	struct gt_ignore *loaded = gt_ignore_new();
	int fd = memfd_create("fuzz_ignore", 0);
	char path[64];
	if (!loaded || fd < 0 || write(fd, file, flen) != (ssize_t)flen)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	static const struct gt_limits lim = { 1 << 20, 10000, 64 };
	if (gt_ignore_load(loaded, path, &lim) < 0 || gt_ignore_count(loaded) != accepted)
		abort();
	close(fd);

	json_t *a = json_deep_copy(obj), *b = json_deep_copy(obj);
	gt_ignore_apply(added, &ref, a);
	if (!part_of(obj, a))
		abort(); /* a rule may only remove */
	if (accepted == gt_ignore_count(added)) {
		gt_ignore_apply(loaded, &ref, b);
		if (!json_same(a, b))
			abort();
	}
	json_decref(a), json_decref(b), json_decref(obj);
	gt_ignore_free(added);
	gt_ignore_free(loaded);
	free(file);
	free(rules);
	return 0;
}
