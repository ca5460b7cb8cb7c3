/* test_file: whole-file reads with a limit, and atomic writes that a signal cannot tear.
 *
 * fsync is defined here, so file.c's call lands in this file (the executable's symbol wins
 * over libc's): it raises the signal a user's Ctrl-C or a CI job's SIGTERM would send at the
 * worst moment, with the temp file written and not yet renamed. */
#define _GNU_SOURCE /* syscall */
#include "cli.h"
#include "file.h"
#include "capture.h"
#include "tap.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static char dir[64];
static int signal_in_fsync;           /* which signal fsync raises, 0 for none */
static volatile sig_atomic_t handled; /* times the handler ran */
static volatile sig_atomic_t temp_seen, new_seen;

int fsync(int fd)
{
	if (signal_in_fsync)
		raise(signal_in_fsync);
	return (int)syscall(SYS_fsync, fd);
}

/* What a dying process leaves: is a temp file there, and does the target hold the new bytes? */
static void on_signal(int sig)
{
	(void)sig;
	handled++;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (strstr(e->d_name, ".tmp."))
			temp_seen = 1;
	if (d)
		closedir(d);
	char *buf;
	size_t len;
	char path[96];
	snprintf(path, sizeof(path), "%s/values.yaml", dir);
	if (gt_file_read(path, 1024, &buf, &len) == 0) {
		new_seen = !strcmp(buf, "tag: new\n");
		free(buf);
	}
}

static void check_signal_waits(int sig, const char *name)
{
	char path[96];
	snprintf(path, sizeof(path), "%s/values.yaml", dir);
	ok(gt_file_write_atomic(path, "tag: old\n", 9) == 0, "%s: the old file written", name);
	struct sigaction sa = { 0 }, saved;
	sa.sa_handler = on_signal;
	sigaction(sig, &sa, &saved);
	handled = temp_seen = new_seen = 0;
	signal_in_fsync = sig;
	int r = gt_file_write_atomic(path, "tag: new\n", 9);
	signal_in_fsync = 0;
	sigaction(sig, &saved, NULL);
	ok(r == 0, "%s during the write: the write completes", name);
	is_int(handled, 1, "%s: delivered once", name);
	ok(!temp_seen, "%s: when it lands, no temp file exists (it would stay behind a dying process)", name);
	ok(new_seen, "%s: when it lands, the file already holds the new bytes whole", name);
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	ok(!sigismember(&now, sig), "%s: unblocked again afterwards", name);
}

int main(void)
{
	gt_set_program("test_file");
	snprintf(dir, sizeof(dir), "%s/test_file.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	check_signal_waits(SIGINT, "SIGINT");
	check_signal_waits(SIGTERM, "SIGTERM");

	char path[96], *buf;
	size_t len;
	snprintf(path, sizeof(path), "%s/values.yaml", dir);
	ok(gt_file_read(path, 1024, &buf, &len) == 0 && len == 9 && !strcmp(buf, "tag: new\n"), "read back");
	free(buf);
	struct capture c;
	capture_start(&c);
	int r = gt_file_read(path, 4, &buf, &len);
	char *err = capture_end(&c);
	ok(r == -1 && strstr(err, "larger than 4 bytes"), "a file past the limit is refused");
	free(err);
	snprintf(path, sizeof(path), "%s/missing.yaml", dir);
	ok(gt_file_read(path, 1024, &buf, &len) == 1, "a missing file: 1, nothing printed");

	snprintf(path, sizeof(path), "%s/values.yaml", dir);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
