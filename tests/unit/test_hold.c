/* test_hold: the .gitops-hold file written, read back, and found up the directory tree. */
#include "hold.h"
#include "capture.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A repository's files, as the reader sees them: path -> content; reads of "err" fail. */
struct files {
	const char *const *paths, *const *contents;
	size_t n;
	int reads;
};

static int read_fake(void *ctx, const char *path, char **buf, size_t *len)
{
	struct files *f = ctx;
	f->reads++;
	if (!strcmp(path, "err/.gitops-hold"))
		return -1;
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->paths[i], path)) {
			*buf = strdup(f->contents[i]);
			*len = strlen(f->contents[i]);
			return 0;
		}
	return 1;
}

static void test_path(void)
{
	char *p = gt_hold_path_new("");
	is_str(p, ".gitops-hold", "path: the top");
	free(p);
	p = gt_hold_path_new("charts/my-app");
	is_str(p, "charts/my-app/.gitops-hold", "path: a directory");
	free(p);
	p = gt_hold_path_new("/");
	is_str(p, "/.gitops-hold", "path: the root of a disk");
	free(p);
}

static void test_write_read(void)
{
	struct gt_hold h = { .reason = "error rate up after 1.2.6", .reverted = "0123456789abcdef0123456789abcdef01234567",
			     .live = "89abcdef0123456789abcdef0123456789abcdef", .author = "Ann Example <ann@example.com>",
			     .time = "2026-01-02T03:04:05Z" };
	char *buf = NULL;
	size_t len = 0;
	ok(gt_hold_write(&h, "charts/my-app", &buf, &len) == 0 && buf && len == strlen(buf), "write: the file's bytes");
	ok(strstr(buf, "'gitops-rollback --release --path charts/my-app' removes this file") != NULL,
	   "write: a comment says how to lift it");
	ok(strstr(buf, "reason: error rate up after 1.2.6\nreverted: 0123456789abcdef0123456789abcdef01234567\n") != NULL,
	   "write: YAML fields in order");
	struct gt_hold back;
	ok(gt_hold_parse(buf, len, "charts/my-app/.gitops-hold", &back) == 0, "read back");
	is_str(back.reason, h.reason, "round trip: reason");
	is_str(back.reverted, h.reverted, "round trip: reverted");
	is_str(back.live, h.live, "round trip: live");
	is_str(back.author, h.author, "round trip: author");
	is_str(back.time, h.time, "round trip: time (a string, not a YAML timestamp)");
	is_str(back.file, "charts/my-app/.gitops-hold", "read: where it is");
	is_str(back.dir, "charts/my-app", "read: the directory it holds");
	gt_hold_clear(&back);
	free(buf);

	struct gt_hold bare = { .reason = "rolled back" };
	ok(gt_hold_write(&bare, "", &buf, &len) == 0, "write: only a reason, at the top");
	ok(strstr(buf, "--path .'") != NULL, "write: the top is lifted with --path .");
	ok(gt_hold_parse(buf, len, ".gitops-hold", &back) == 0 && back.time && strlen(back.time) == 20 && back.time[10] == 'T' &&
		   back.time[19] == 'Z',
	   "write: time is now, in UTC, when not given");
	ok(!back.live && !back.reverted && !back.author, "write: fields not given are left out");
	is_str(back.dir, "", "read: the top's directory is \"\"");
	gt_hold_clear(&back);
	free(buf);
}

static void test_read_what_people_write(void)
{
	struct gt_hold h;
	const char *text = "reason: bad release\n";
	ok(gt_hold_parse(text, strlen(text), "a/.gitops-hold", &h) == 0 && h.reason && !strcmp(h.reason, "bad release") &&
		   !h.author && !h.time,
	   "read: a hold written by hand, a reason only");
	gt_hold_clear(&h);
	static const char *const broken[] = { "", "reason: [unclosed\n", "- a list\n", "just words\n", "reason: 42\n" };
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		ok(gt_hold_parse(broken[i], strlen(broken[i]), "a/.gitops-hold", &h) == 0 && !h.reason && h.file &&
			   !strcmp(h.dir, "a"),
		   "read: broken hold %zu (empty, not YAML, not a map, no string) says nothing, and still holds", i);
		gt_hold_clear(&h);
	}
	gt_hold_clear(NULL);
	ok(1, "clear: NULL is fine");

	char why[256];
	struct gt_hold all = { .author = "Ann <ann@example.com>", .time = "2026-01-02T03:04:05Z", .reason = "5xx" };
	gt_hold_describe(&all, why, sizeof(why));
	is_str(why, " by Ann <ann@example.com> since 2026-01-02T03:04:05Z: 5xx", "describe: by whom, since when, why");
	struct gt_hold reason_only = { .reason = "bad release" }, none = { 0 };
	gt_hold_describe(&reason_only, why, sizeof(why));
	is_str(why, ": bad release", "describe: what a hand-written hold says");
	gt_hold_describe(&none, why, sizeof(why));
	is_str(why, "", "describe: nothing said, nothing added");
}

static void test_find(void)
{
	static const char *const paths[] = { "charts/.gitops-hold", "charts/my-app/.gitops-hold", ".gitops-hold",
					     "/srv/.gitops-hold" };
	static const char *const contents[] = { "reason: all charts\n", "reason: my-app\n", "reason: everything\n",
						"reason: root\n" };
	struct files nested = { paths, contents, 2, 0 };
	struct gt_hold h;
	is_int(gt_hold_find("charts/my-app/values.yaml", read_fake, &nested, &h), 1, "find: held");
	is_str(h.file, "charts/my-app/.gitops-hold", "find: the nearest hold wins");
	is_str(h.reason, "my-app", "find: and is read");
	is_int(nested.reads, 1, "find: one read when the first directory holds");
	gt_hold_clear(&h);
	nested.reads = 0;
	is_int(gt_hold_find("charts/other/deep/values.yaml", read_fake, &nested, &h), 1, "find: held from two levels up");
	is_str(h.dir, "charts", "find: by charts/.gitops-hold");
	is_int(nested.reads, 3, "find: looked in each directory on the way up");
	gt_hold_clear(&h);
	nested.reads = 0;
	is_int(gt_hold_find("overlays/prod/kustomization.yaml", read_fake, &nested, &h), 0, "find: another tree is not held");
	is_int(nested.reads, 3, "find: up to the top, and no further");
	ok(!h.file, "find: nothing filled when not held");

	struct files top = { paths + 2, contents + 2, 1, 0 };
	is_int(gt_hold_find("values.yaml", read_fake, &top, &h), 1, "find: a file at the top, held by the top's hold");
	is_str(h.dir, "", "find: the top");
	gt_hold_clear(&h);
	is_int(gt_hold_find("a/b/values.yaml", read_fake, &top, &h), 1, "find: the top holds every file");
	gt_hold_clear(&h);

	struct files root = { paths + 3, contents + 3, 1, 0 };
	is_int(gt_hold_find("/srv/app/values.yaml", read_fake, &root, &h), 1, "find: an absolute path on disk");
	is_str(h.file, "/srv/.gitops-hold", "find: its holds are absolute too");
	gt_hold_clear(&h);
	root.reads = 0;
	is_int(gt_hold_find("/srv2/values.yaml", read_fake, &root, &h), 0, "find: no hold up to /");
	is_int(root.reads, 2, "find: /srv2 and / looked at, never the working directory");

	is_int(gt_hold_find("err/values.yaml", read_fake, &nested, &h), -1, "find: a read error is an error, not 'not held'");
}

/* On disk: a hold is a file; a link to one, or a dangling link, is an error, never "not held". */
static void test_read_disk(void)
{
	char dir[256], path[300], link[300], dangling[300], *buf = NULL;
	size_t len = 0, max = 1024;
	snprintf(dir, sizeof(dir), "%s/test_hold.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		ok(0, "read_disk: a temporary directory");
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, GT_HOLD_FILE);
	snprintf(link, sizeof(link), "%s/linked", dir);
	snprintf(dangling, sizeof(dangling), "%s/dangling", dir);
	is_int(gt_hold_read_disk(&max, path, &buf, &len), 1, "read_disk: no file, no hold");
	FILE *f = fopen(path, "w");
	if (f) {
		fputs("reason: canary\n", f);
		fclose(f);
	}
	ok(gt_hold_read_disk(&max, path, &buf, &len) == 0 && len == 15, "read_disk: a file is read");
	free(buf);
	buf = NULL;
	ok(symlink(path, link) == 0 && symlink("nowhere", dangling) == 0, "read_disk: links made");
	struct capture c;
	capture_start(&c);
	int st = gt_hold_read_disk(&max, link, &buf, &len), st2 = gt_hold_read_disk(&max, dangling, &buf, &len);
	char *err = capture_end(&c);
	is_int(st, -1, "read_disk: a link to a hold is refused");
	is_int(st2, -1, "read_disk: a dangling link is refused, not read as no hold");
	ok(err && strstr(err, "not a symbolic link"), "read_disk: and says why");
	free(err);
	unlink(link);
	unlink(dangling);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	test_path();
	test_write_read();
	test_read_what_people_write();
	test_find();
	test_read_disk();
	return tap_done();
}
