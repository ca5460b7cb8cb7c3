/* fuzz_change: reading Change records back (gt_is_change, gt_change_check, gt_change_action,
 * gt_change_desired/live, gt_change_masked), as gitops-apply does, through the stream reader.
 *
 * Input: byte 0 picks the limits, the rest is a stream (Change records from gitops-diff, or
 * anything). Checked for each object: a record gt_change_check accepts has a known action and
 * the objects that action needs; its patch applies to a copy of live (or fails with a reason);
 * the engine's own Change for its desired and live objects (gt_change_new) is accepted by the
 * reader with the same action shape. Build and run: `make fuzz`.
 * Seeds: 1 tests/fuzz/seeds/fuzz_change
 */
#define _GNU_SOURCE /* memfd_create */
#include "cli.h"
#include "diff.h"
#include "stream.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const struct gt_limits limit_sets[] = {
	{ 1 << 20, 10000, 64 },
	{ 256, 16, 4 },
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* What the reader promises about a record it accepted, and what gitops-apply then does with it. */
static void check_accepted(const json_t *c)
{
	enum gt_action a = gt_change_action(c);
	const json_t *desired = gt_change_desired(c), *live = gt_change_live(c);
	if (a == GT_ACTION_INVALID || !gt_is_change(c))
		abort();
	if ((a != GT_ACTION_DELETE && !json_is_object(desired)) || (a != GT_ACTION_CREATE && !json_is_object(live)))
		abort();
	if (strcmp(gt_action_name(a), json_string_value(json_object_get(c, "action"))))
		abort();
	(void)gt_change_masked(c);

	/* The patch goes from live; applying it may fail (it is the input's), never crash. */
	json_t *doc = live ? json_deep_copy(live) : json_object();
	const char *why = NULL;
	if (gt_patch_apply(&doc, json_object_get(c, "patch"), &why) < 0 && (!why || !*why))
		abort();
	json_decref(doc);

	/* The engine's own record for these objects reads back as well formed. */
	struct gt_diff_opts o = { .mode = GT_DIFF_REVISIONS, .show_secrets = true };
	struct gt_ref ref;
	if ((desired && gt_obj_ref(desired, &ref, NULL) < 0) || (live && gt_obj_ref(live, &ref, NULL) < 0))
		return;
	json_t *again = gt_change_new(&o, desired, live, NULL);
	if (!again)
		return;
	if (gt_change_check(again, &why) < 0) {
		fprintf(stderr, "fuzz_change: the engine wrote a Change its reader refuses: %s\n", why);
		json_dumpf(again, stderr, 0);
		abort();
	}
	json_decref(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	gt_set_program("fuzz_change");
	const struct gt_limits *lim = &limit_sets[data[0] % COUNT(limit_sets)];
	int fd = memfd_create("fuzz_change", 0);
	char path[64];
	if (fd < 0 || write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct gt_stream *s = gt_stream_open(path, lim);
	if (!s)
		abort();
	json_t *obj;
	struct gt_where w;
	while (gt_stream_next(s, &obj, &w) > 0) {
		const char *why = NULL;
		if (gt_change_check(obj, &why) == 0)
			check_accepted(obj);
		else if (!why || !*why)
			abort(); /* a refusal says why */
		(void)gt_change_action(obj);
		(void)gt_change_desired(obj);
		(void)gt_change_live(obj);
		json_decref(obj);
	}
	gt_stream_close(s);
	close(fd);
	return 0;
}
