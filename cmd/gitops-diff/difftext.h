/* difftext: gitops-diff's text output: per object a header and a unified diff of the YAML. */
#ifndef GT_DIFFTEXT_H
#define GT_DIFFTEXT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "diff.h"

struct text_out;

/* Text on out with context lines around each change; colour as asked; stat: one line per object instead of diffs. NULL on no memory. */
struct text_out *text_new(FILE *out, unsigned context, bool color, bool stat);

/* Write one Change (unchanged ones print nothing). 0, or -1 after printing. */
int text_change(struct text_out *t, const json_t *change);

/* With stat, the counts per action; then frees t. 0, or -1 after printing a write error. */
int text_finish(struct text_out *t, const struct gt_diff_stats *st);

#endif
