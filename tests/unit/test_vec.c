/* test_vec: the container kit: arrays grown with GT_GROW, string lists, string buffers. */
#include "vec.h"
#include "tap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct point {
	int x, y;
};

static void test_grow(void)
{
	struct point *pts = NULL;
	size_t n = 0, alloc = 0, reallocs = 0, last = 0;
	for (int i = 0; i < 10000; i++) {
		if (GT_GROW(pts, alloc, n + 1) < 0)
			break;
		if (alloc != last)
			reallocs++, last = alloc;
		pts[n++] = (struct point){ i, -i };
	}
	is_int(n, 10000, "grow: 10000 elements pushed one by one");
	ok(pts[0].x == 0 && pts[9999].y == -9999, "grow: every element kept across reallocations");
	ok(reallocs <= 12, "grow: the capacity doubles (%zu reallocations for 10000)", reallocs);
	ok(alloc >= n, "grow: alloc covers n");
	size_t before = alloc;
	is_int(GT_GROW(pts, alloc, 3), 0, "grow: asking for less than there is");
	is_int(alloc, before, "grow: changes nothing");
	is_int(GT_GROW(pts, alloc, alloc + 100000), 0, "grow: a jump past double");
	ok(alloc >= before + 100000, "grow: gets at least what was asked");
	free(pts);

	char *big = NULL;
	size_t big_alloc = 0;
	is_int(gt_grow_(&big, &big_alloc, SIZE_MAX / 2 + 2, 2), -1, "grow: a size that overflows is refused");
	ok(big == NULL && big_alloc == 0, "grow: and the array is left as it was");
}

static void test_strvec(void)
{
	struct gt_strvec sv = { 0 };
	ok(gt_strvec_push(&sv, "a") == 0 && gt_strvec_push(&sv, "b") == 0, "strvec: push");
	is_int(sv.n, 2, "strvec: two");
	ok(!strcmp(sv.v[0], "a") && !strcmp(sv.v[1], "b") && sv.v[2] == NULL, "strvec: in order, NULL-terminated");
	gt_strvec_release(&sv);
	ok(sv.v == NULL && sv.n == 0 && sv.alloc == 0, "strvec: release empties it");
	gt_strvec_release(&sv);
	ok(1, "strvec: release twice is fine");
}

static void test_strbuf(void)
{
	struct gt_strbuf sb = { 0 };
	char *s = gt_strbuf_detach(&sb);
	is_str(s, "", "strbuf: an empty buffer detaches as \"\", not NULL");
	free(s);
	ok(gt_strbuf_adds(&sb, "Update ") == 0 && gt_strbuf_addf(&sb, "%s: %d", "values.yaml", 42) == 0,
	   "strbuf: adds and addf");
	is_str(sb.s, "Update values.yaml: 42", "strbuf: the text");
	is_int(sb.len, strlen(sb.s), "strbuf: len follows");
	ok(gt_strbuf_add(&sb, "x\0y", 3) == 0 && sb.len == 25 && sb.s[25] == '\0', "strbuf: bytes, NUL included, stay counted");
	gt_strbuf_setlen(&sb, 6);
	is_str(sb.s, "Update", "strbuf: setlen cuts back");
	gt_strbuf_setlen(&sb, 100);
	is_str(sb.s, "Update", "strbuf: setlen never lengthens");
	for (int i = 0; i < 1000; i++)
		gt_strbuf_addf(&sb, "%04d", i);
	is_int(sb.len, 6 + 4000, "strbuf: 1000 appends");
	ok(!strncmp(sb.s + sb.len - 4, "0999", 4), "strbuf: the last one at the end");
	s = gt_strbuf_detach(&sb);
	ok(s && strlen(s) == 4006 && sb.s == NULL && sb.len == 0, "strbuf: detach hands over the text, empties sb");
	free(s);
	gt_strbuf_release(&sb);
	ok(1, "strbuf: release of an empty buffer is fine");
}

int main(void)
{
	test_grow();
	test_strvec();
	test_strbuf();
	return tap_done();
}
