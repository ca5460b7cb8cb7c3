/* streamcat: the stream module on its own, for tests/cli/limits.t: objects from FILE (or
 * standard input) written as JSON Lines as they are read, one at a time, so its memory is
 * what the reader holds. Exit 2 after a reader error, like every tool on bad input. */
#include <stdio.h>

#include "cli.h"
#include "stream.h"

int main(int argc, char **argv)
{
	struct gt_limits lim = GT_LIMITS_DEFAULT;
	gt_set_program("streamcat");
	struct gt_stream *s = gt_stream_open(argc > 1 ? argv[1] : "-", &lim);
	if (!s)
		return GT_EXIT_INPUT;
	struct gt_writer *w = gt_writer_new(stdout, GT_FORMAT_JSON);
	json_t *obj;
	struct gt_where where;
	int st = 0;
	while (w && (st = gt_stream_next(s, &obj, &where)) > 0) {
		int put = gt_writer_put(w, obj);
		json_decref(obj);
		if (put < 0)
			st = -1;
		if (st < 0)
			break;
	}
	if (!w)
		st = -1;
	if (gt_writer_close(w) < 0)
		st = -1;
	gt_stream_close(s);
	return st < 0 ? GT_EXIT_INPUT : GT_EXIT_OK;
}
