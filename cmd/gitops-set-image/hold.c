/* hold: gitops-rollback writes DIR/.gitops-hold; files below DIR keep their rolled-back state. */
#include "setimage.h"

#include <stdlib.h>
#include <string.h>

#include "yaml.h"

#define HOLD_FILE ".gitops-hold"

/* The directory part of path[0..len): its length, 0 at the top. */
static size_t parent_len(const char *path, size_t len)
{
	while (len > 0 && path[len - 1] != '/')
		len--;
	return len > 0 ? len - 1 : 0;
}

/* DIR/.gitops-hold for the directory path[0..dir_len) ("" is the top). Caller frees. */
static char *hold_path_new(const char *path, size_t dir_len)
{
	char *p = malloc(dir_len + sizeof(HOLD_FILE) + 1);
	if (!p)
		return NULL;
	memcpy(p, path, dir_len);
	size_t n = dir_len;
	if (n)
		p[n++] = '/';
	memcpy(p + n, HOLD_FILE, sizeof(HOLD_FILE));
	return p;
}

/* One line that says what holds the file, why and since when, and how to lift it. */
static void report_hold(const char *file, const char *hold, size_t dir_len, const char *buf, size_t len)
{
	struct gt_limits lim = GT_LIMITS_DEFAULT;
	struct gt_yaml_reader *y = gt_yaml_reader_new_string(buf, len, hold, &lim);
	json_t *doc = NULL;
	unsigned long line;
	if (y && gt_yaml_next(y, &doc, &line) < 0)
		doc = NULL;
	gt_yaml_reader_free(y);
	const char *reason = json_string_value(json_object_get(doc, "reason"));
	const char *since = json_string_value(json_object_get(doc, "time"));
	gt_error("%s is held by gitops-rollback%s%s%s%s (%s); lift it with 'gitops-rollback --release --path %.*s' "
		 "or pass --override-hold", file, since ? " since " : "", since ? since : "", reason ? ": " : "",
		 reason ? reason : "", hold, dir_len ? (int)dir_len : 1, dir_len ? file : ".");
	json_decref(doc);
}

int check_hold(const char *file, hold_read_fn read, void *ctx)
{
	for (size_t dir = parent_len(file, strlen(file));; dir = parent_len(file, dir)) {
		char *hold = hold_path_new(file, dir), *buf = NULL;
		size_t len = 0;
		if (!hold)
			return gt_error("out of memory"), -1;
		int st = read(ctx, hold, &buf, &len);
		if (st == 0)
			report_hold(file, hold, dir, buf, len);
		free(buf);
		free(hold);
		if (st <= 0)
			return st == 0 ? 1 : -1;
		if (dir == 0)
			return 0;
	}
}
