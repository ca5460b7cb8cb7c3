/* hold: the .gitops-hold file, written by gitops-rollback and honoured by gitops-set-image. */
#include "hold.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "file.h"
#include "limits.h"
#include "yaml.h"

/* The fields of the file, in the order they are written. */
#define HOLD_FIELDS(h) { &(h)->reason, &(h)->reverted, &(h)->live, &(h)->author, &(h)->time }
static const char *const field_names[] = { "reason", "reverted", "live", "author", "time" };
#define N_FIELDS (sizeof(field_names) / sizeof(field_names[0]))

char *gt_hold_path_new(const char *dir)
{
	size_t n = strlen(dir);
	char *p = malloc(n + sizeof(GT_HOLD_FILE) + 1);
	if (p)
		snprintf(p, n + sizeof(GT_HOLD_FILE) + 1, "%s%s%s", dir, n && dir[n - 1] != '/' ? "/" : "", GT_HOLD_FILE);
	return p;
}

static void utc_now(char *buf, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int gt_hold_write(const struct gt_hold *h, const char *dir, char **buf, size_t *len)
{
	char now[32];
	const char *const *fields[] = HOLD_FIELDS(h);
	json_t *doc = json_object();
	int rc = doc ? 0 : -1;
	utc_now(now, sizeof(now));
	for (size_t i = 0; rc == 0 && i < N_FIELDS; i++) {
		const char *v = *fields[i] ? *fields[i] : !strcmp(field_names[i], "time") ? now : NULL;
		if (v && json_object_set_new(doc, field_names[i], json_string(v)) < 0)
			rc = -1;
	}
	*buf = NULL;
	*len = 0;
	FILE *f = rc == 0 ? open_memstream(buf, len) : NULL;
	if (!f)
		rc = -1;
	if (rc == 0) {
		fprintf(f, "# Written by gitops-rollback: gitops-set-image leaves the files below this directory\n"
			   "# alone until 'gitops-rollback --release --path %s' removes this file.\n",
			*dir ? dir : ".");
		rc = gt_yaml_emit(f, doc);
	}
	if (f && fclose(f) != 0)
		rc = -1;
	json_decref(doc);
	if (rc < 0) {
		free(*buf);
		*buf = NULL;
		return gt_error("out of memory"), -1;
	}
	return 0;
}

/* The directory of a hold file's path: "a/b" of "a/b/.gitops-hold", "" of ".gitops-hold", "/" of "/.gitops-hold". */
static char *dir_of_dup(const char *path)
{
	const char *slash = strrchr(path, '/');
	return strndup(path, !slash ? 0 : slash == path ? 1 : (size_t)(slash - path));
}

int gt_hold_parse(const char *buf, size_t len, const char *path, struct gt_hold *out)
{
	struct gt_limits lim = GT_LIMITS_DEFAULT;
	const char **fields[] = HOLD_FIELDS(out);
	json_t *doc = NULL;
	unsigned long line;
	memset(out, 0, sizeof(*out));
	out->file = strdup(path);
	out->dir = dir_of_dup(path);
	if (!out->file || !out->dir)
		return gt_hold_clear(out), gt_error("out of memory"), -1;
	/* Whatever the file says, it holds: a hold someone wrote by hand or broke still stops the next bump. */
	struct gt_yaml_reader *y = gt_yaml_reader_new_string(buf, len, path, &lim);
	if (y)
		gt_yaml_reader_set_quiet(y, true);
	if (y && gt_yaml_next(y, &doc, &line) <= 0)
		doc = NULL;
	gt_yaml_reader_free(y);
	for (size_t i = 0; i < N_FIELDS; i++) {
		const char *v = json_string_value(json_object_get(doc, field_names[i]));
		if (v && !(*fields[i] = strdup(v))) {
			json_decref(doc);
			return gt_hold_clear(out), gt_error("out of memory"), -1;
		}
	}
	json_decref(doc);
	return 0;
}

/* The directory part of path[0..len): its length, 0 at the top. */
static size_t parent_len(const char *path, size_t len)
{
	while (len > 0 && path[len - 1] != '/')
		len--;
	return len > 0 ? len - 1 : 0;
}

int gt_hold_read_disk(void *ctx, const char *path, char **buf, size_t *len)
{
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		return gt_error("%s: a hold must be a file, not a symbolic link; refusing to decide whether the file is held",
				path), -1;
	return gt_file_read(path, *(const size_t *)ctx, buf, len);
}

int gt_hold_find(const char *file, gt_hold_read_fn read, void *ctx, struct gt_hold *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t dir = parent_len(file, strlen(file));; dir = parent_len(file, dir)) {
		/* the top is "/" for an absolute path on disk, else "" (the repository's, or here) */
		char *d = dir == 0 && file[0] == '/' ? strdup("/") : strndup(file, dir);
		char *hold = d ? gt_hold_path_new(d) : NULL, *buf = NULL;
		size_t len = 0;
		free(d);
		if (!hold)
			return gt_error("out of memory"), -1;
		int st = read(ctx, hold, &buf, &len);
		if (st == 0)
			st = gt_hold_parse(buf, len, hold, out) < 0 ? -1 : 2;
		free(buf);
		free(hold);
		if (st != 1)
			return st < 0 ? -1 : 1;
		if (dir == 0)
			return 0;
	}
}

void gt_hold_describe(const struct gt_hold *h, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s%s%s", h->author ? " by " : "", h->author ? h->author : "", h->time ? " since " : "",
		 h->time ? h->time : "", h->reason ? ": " : "", h->reason ? h->reason : "");
}

void gt_hold_clear(struct gt_hold *h)
{
	if (!h)
		return;
	const char **fields[] = HOLD_FIELDS(h);
	for (size_t i = 0; i < N_FIELDS; i++)
		free((char *)*fields[i]);
	free((char *)h->file);
	free((char *)h->dir);
	memset(h, 0, sizeof(*h));
}
