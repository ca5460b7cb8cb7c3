/* hold: what to do with a file gitops-rollback holds (common/hold reads the hold): refuse, or leave it alone. */
#include "setimage.h"

#include <string.h>

int hold_check(const struct setimage_opts *o, gt_hold_read_fn read, void *ctx, struct gt_hold *held)
{
	memset(held, 0, sizeof(*held));
	if (o->override_hold)
		return HOLD_FREE;
	int found = gt_hold_find(o->file, read, ctx, held);
	if (found <= 0)
		return found < 0 ? -1 : HOLD_FREE;
	char why[2048];
	gt_hold_describe(held, why, sizeof(why));
	if (o->if_held == IF_HELD_SKIP) {
		/* -o text says it on standard output; a record goes to a pipe, so say it where people look */
		if (o->format != GT_FORMAT_TEXT)
			gt_warn("%s is held%s (%s), not changed (--if-held skip)", o->file, why, held->file);
		return HOLD_SKIP;
	}
	gt_error("%s is held%s (%s); lift it with 'gitops-rollback --release --path %s', or pass --if-held skip to "
		 "leave it alone or --override-hold to change it anyway",
		 o->file, why, held->file, *held->dir ? held->dir : ".");
	gt_hold_clear(held);
	return HOLD_REFUSED;
}
