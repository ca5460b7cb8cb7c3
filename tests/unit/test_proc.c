/* test_proc: the one child runner. Real children (/bin/sh): the token never reaches them, stdin
 * is fed, stdout is capped, stderr keeps its end, and at the deadline the child's whole process
 * group is gone, grandchildren included. A function run in the child follows the same rules. */
#define _GNU_SOURCE
#include "cli.h"
#include "proc.h"
#include "tap.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];

static int run_sh(struct gt_proc *p, const char *script)
{
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
	p->argv = argv;
	return gt_proc_run(p, "sh");
}

static bool pid_alive(pid_t pid)
{
	char path[64], st[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(st, 1, sizeof(st) - 1, f);
	fclose(f);
	st[n] = '\0';
	const char *close = strrchr(st, ')');
	return close && close[2] != 'Z';
}

static void test_env_and_io(void)
{
	setenv("GITOPS_GIT_TOKEN", "tok-secret-123", 1);
	setenv("SYSTEM_ACCESSTOKEN", "tok-secret-456", 1);
	setenv("KEEP_ME", "kept", 1);
	const char *env[] = { "HOME=/nonexistent-home", NULL };
	struct gt_proc p = { .env = env, .in = "from stdin", .in_len = 10 };
	int r = run_sh(&p, "cat; echo; env | grep -c TOKEN; echo \"$KEEP_ME $HOME\"; echo oops >&2; exit 3");
	is_int(r, 0, "a child that exits by itself: 0");
	is_str(p.out, "from stdin\n0\nkept /nonexistent-home\n", "stdin fed; no token variable; settings applied");
	is_str(p.err, "oops\n", "stderr collected");
	ok(WIFEXITED(p.status) && WEXITSTATUS(p.status) == 3, "its exit status");
	ok(!gt_proc_succeeded(&p), "exit 3 is not success");
	gt_proc_free(&p);
	unsetenv("GITOPS_GIT_TOKEN");
	unsetenv("SYSTEM_ACCESSTOKEN");
}

static void test_caps(void)
{
	struct gt_proc p = { .max_out = 1000, .max_err = 100 };
	int r = run_sh(&p, "i=0; while [ $i -lt 50 ]; do echo line-$i-of-stderr >&2; i=$((i+1)); done; "
			   "while :; do echo endless; done");
	is_int(r, -1, "stdout beyond the cap: stopped");
	is_int(p.end, GT_PROC_TOO_LARGE, "... as too large");
	ok(p.out_len <= 1000, "stdout kept within the cap (%zu)", p.out_len);
	ok(p.err_len <= 100 && strstr(p.err, "line-49-of-stderr\n") && !strstr(p.err, "line-0-"),
	   "stderr: its end, cut at a line");
	gt_proc_free(&p);
}

static void test_deadline_kills_group(void)
{
	char pidfile[128], script[512];
	snprintf(pidfile, sizeof(pidfile), "%s/grandchild.pid", dir);
	/* The grandchild keeps stdout open and ignores SIGTERM: only the group's SIGKILL ends it. */
	snprintf(script, sizeof(script), "sh -c 'trap \"\" TERM; echo $$ > %s; exec sleep 300' & wait", pidfile);
	struct gt_proc p = { .deadline = gt_deadline_in(0.5) };
	int r = run_sh(&p, script);
	is_int(r, -1, "past the deadline: stopped");
	is_int(p.end, GT_PROC_TIMED_OUT, "... as timed out");
	FILE *f = fopen(pidfile, "r");
	int gpid = 0;
	ok(f && fscanf(f, "%d", &gpid) == 1, "the grandchild had started");
	if (f)
		fclose(f);
	for (int i = 0; i < 200 && gpid > 0 && pid_alive(gpid); i++)
		usleep(10000);
	ok(gpid > 0 && !pid_alive(gpid), "the grandchild (which ignores SIGTERM) is gone too");
	gt_proc_free(&p);
}

static void test_missing_program(void)
{
	char *argv[] = { "/nonexistent/program", NULL };
	struct gt_proc p = { .argv = argv };
	int r = gt_proc_run(&p, "program");
	ok(r == 0 && WIFEXITED(p.status) && WEXITSTATUS(p.status) == 127, "a program that is not there: exit 127");
	ok(strstr(p.err, "cannot run /nonexistent/program") != NULL, "... and says so on stderr");
	gt_proc_free(&p);
}

/* In-process work under the same rules: its output, its exit status, the deadline. */
static int say_and_return(void *arg)
{
	printf("from %s", (const char *)arg);
	fprintf(stderr, "why not");
	return 3;
}

static int spin(void *arg)
{
	(void)arg;
	for (volatile unsigned long i = 0;; i++)
		;
	return 0;
}

/* on_start: counts its calls */
static void note_start(void *arg)
{
	int *calls = arg;
	(*calls)++;
}

static void test_fn(void)
{
	int calls = 0;
	struct gt_proc p = { .fn = say_and_return, .fn_arg = "the child", .on_start = note_start, .on_start_arg = &calls };
	int r = gt_proc_run(&p, "fn");
	is_int(calls, 1, "on_start: called once");
	ok(r == 0 && WIFEXITED(p.status) && WEXITSTATUS(p.status) == 3, "a function in the child: its return is the status");
	is_str(p.out, "from the child", "its stdout");
	is_str(p.err, "why not", "its stderr");
	gt_proc_free(&p);
	struct gt_proc q = { .fn = spin, .deadline = gt_deadline_in(0.3) };
	r = gt_proc_run(&q, "spin");
	ok(r == -1 && q.end == GT_PROC_TIMED_OUT, "a function that never returns: stopped at the deadline");
	gt_proc_free(&q);
}

static void test_deadlines(void)
{
	struct timespec none = { 0, 0 }, soon = gt_deadline_in(1), later = gt_deadline_in(100);
	ok(!gt_deadline_set(&none) && gt_deadline_set(&soon), "{0,0} is no deadline");
	struct timespec m = gt_deadline_min(later, soon);
	ok(m.tv_sec == soon.tv_sec && m.tv_nsec == soon.tv_nsec, "the earlier of two");
	m = gt_deadline_min(none, later);
	ok(m.tv_sec == later.tv_sec, "none and one: the one");
	ok(gt_seconds_left(&later) > 90 && gt_seconds_left(&later) <= 100, "seconds left");
}

static void test_redact(void)
{
	char s[] = "Authorization: Basic tok-secret-789 and other-secret";
	setenv("GITOPS_GIT_TOKEN", "tok-secret-789", 1);
	gt_redact_tokens(s, "other-secret");
	is_str(s, "Authorization: Basic *** and ***", "the token variables' values and the given secret masked");
	unsetenv("GITOPS_GIT_TOKEN");
}

int main(void)
{
	gt_set_program("test_proc");
	snprintf(dir, sizeof(dir), "/tmp/test_proc.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	test_env_and_io();
	test_caps();
	test_deadline_kills_group();
	test_missing_program();
	test_fn();
	test_deadlines();
	test_redact();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
