/* test_git: the parts of common/git.c that decide, through its public functions.
 *
 *   - gt_repo_update against a bare repository another writer moves while we push: a lost race is
 *     planned again on the new tip (the other writer's change kept), a branch that never stops
 *     moving gives up after exactly --max-attempts, a no-op and a refusal push nothing;
 *   - the classification of remote failures (gt_git_ls_remote, gt_repo_fetch) against a small HTTP
 *     server forked here that answers 401, 404, nothing at all, plain HTTP to https, or an error
 *     that echoes the token it was sent: one line each, saying what happened, never the token;
 *   - credentials: a URL with a password is refused and shown without it; the token's sources.
 */
#define _GNU_SOURCE /* asprintf */
#include "cli.h"
#include "git.h"
#include "capture.h"
#include "tap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define TOKEN "tok-unit-Zq81xVw3"

static char top[128];

/* ---- a bare "remote" changed behind our back, with libgit2 ---- */

/* Commit values.yaml = content on refs/heads/main of the bare repository at path. */
static int remote_commit(const char *path, const char *content, const char *message, git_oid *out)
{
	git_repository *g = NULL;
	git_treebuilder *tb = NULL;
	git_signature *sig = NULL;
	git_commit *parent = NULL;
	git_tree *tree = NULL;
	git_oid blob, tree_id, head;
	int rc = git_repository_open_bare(&g, path);
	if (rc == 0)
		rc = git_blob_create_from_buffer(&blob, g, content, strlen(content));
	if (rc == 0)
		rc = git_treebuilder_new(&tb, g, NULL);
	if (rc == 0)
		rc = git_treebuilder_insert(NULL, tb, "values.yaml", &blob, GIT_FILEMODE_BLOB);
	if (rc == 0)
		rc = git_treebuilder_write(&tree_id, tb);
	if (rc == 0)
		rc = git_tree_lookup(&tree, g, &tree_id);
	if (rc == 0)
		rc = git_signature_new(&sig, "Other Writer", "other@example.com", 1700000000, 0);
	bool has_parent = rc == 0 && git_reference_name_to_id(&head, g, "refs/heads/main") == 0;
	if (has_parent)
		rc = git_commit_lookup(&parent, g, &head);
	const git_commit *parents[] = { parent };
	if (rc == 0)
		rc = git_commit_create(out, g, "refs/heads/main", sig, sig, NULL, message, tree, has_parent ? 1 : 0,
				       parents);
	git_commit_free(parent);
	git_tree_free(tree);
	git_signature_free(sig);
	git_treebuilder_free(tb);
	git_repository_free(g);
	return rc;
}

static char *remote_read(const char *path, const char *rev)
{
	git_repository *g = NULL;
	git_object *o = NULL;
	char spec[128];
	char *s = NULL;
	snprintf(spec, sizeof(spec), "%s:values.yaml", rev);
	if (git_repository_open_bare(&g, path) == 0 && git_revparse_single(&o, g, spec) == 0)
		s = strndup(git_blob_rawcontent((git_blob *)o), (size_t)git_blob_rawsize((git_blob *)o));
	git_object_free(o);
	git_repository_free(g);
	return s;
}

static void remote_rev(const char *path, const char *rev, git_oid *out)
{
	git_repository *g = NULL;
	git_object *o = NULL;
	memset(out, 0, sizeof(*out));
	if (git_repository_open_bare(&g, path) == 0 && git_revparse_single(&o, g, rev) == 0)
		git_oid_cpy(out, git_object_id(o));
	git_object_free(o);
	git_repository_free(g);
}

/* ---- the plan: append one line to values.yaml as it is at the tip ---- */

enum race { RACE_NONE, RACE_ONCE, RACE_ALWAYS };

struct writer {
	const char *remote;
	enum race race;
	int answer;       /* what the plan returns: 1 commit, 0 nothing to do, GT_PLAN_REFUSE */
	unsigned calls;
	git_oid tips[16]; /* the tip each call planned on */
	char *data;
	char line[64];
	struct gt_file_change change;
};

static int plan_append(struct gt_repo *r, const git_oid *tip, void *ctx, struct gt_plan *plan)
{
	struct writer *w = ctx;
	char *buf = NULL;
	size_t len = 0;
	if (w->calls < 16)
		git_oid_cpy(&w->tips[w->calls], tip);
	w->calls++;
	if (w->answer != 1)
		return w->answer;
	if (gt_repo_read_file(r, tip, "values.yaml", &buf, &len) != 0)
		return -1;
	free(w->data);
	if (asprintf(&w->data, "%s%s", buf, w->line) < 0)
		w->data = NULL;
	free(buf);
	if (!w->data)
		return -1;
	/* The other writer lands first: between our plan and our push. */
	if (w->race == RACE_ALWAYS || (w->race == RACE_ONCE && w->calls == 1)) {
		char other[64];
		git_oid id;
		snprintf(other, sizeof(other), "other: %u\n", w->calls);
		char *content = NULL;
		char *now = remote_read(w->remote, "main");
		if (asprintf(&content, "%s%s", now ? now : "", other) < 0)
			content = NULL;
		free(now);
		if (!content || remote_commit(w->remote, content, "Other writer", &id) < 0) {
			free(content);
			return -1;
		}
		free(content);
	}
	w->change = (struct gt_file_change){ "values.yaml", w->data, strlen(w->data) };
	plan->changes = &w->change;
	plan->n_changes = 1;
	plan->message = "Append a line";
	return 1;
}

static struct gt_repo *open_remote(const char *remote, const char *cache)
{
	struct gt_git_opts o = { .url = remote, .cache_dir = cache };
	return gt_repo_open(&o);
}

static void test_update(void)
{
	char remote[256], cache[256];
	snprintf(remote, sizeof(remote), "%s/remote.git", top);
	snprintf(cache, sizeof(cache), "%s/cache", top);
	git_repository *g = NULL;
	git_oid first, before, after, parent;
	ok(git_repository_init(&g, remote, 1) == 0, "a bare remote");
	git_repository_free(g);
	ok(remote_commit(remote, "tag: 1\n", "First", &first) == 0, "with a first commit on main");
	struct gt_update_opts uo = { .branch = "main", .author = { "Unit Test", "unit@example.com" }, .max_attempts = 3 };
	struct gt_update_result res;

	/* Nobody else writes: one attempt, our parent is the tip. */
	struct writer w = { .remote = remote, .answer = 1, .line = "mine: 1\n" };
	struct gt_repo *r = open_remote(remote, cache);
	int rc = r ? gt_repo_update(r, &uo, plan_append, &w, &res) : -1;
	remote_rev(remote, "main", &after);
	char *content = remote_read(remote, "main");
	is_int(rc, GT_EXIT_OK, "alone: exit 0");
	is_int(res.attempts, 1, "alone: one attempt");
	ok(res.pushed, "alone: pushed");
	is_str(content, "tag: 1\nmine: 1\n", "alone: the change landed");
	char hex[GIT_OID_HEXSZ + 1];
	is_str(res.commit, git_oid_tostr(hex, sizeof(hex), &after), "alone: the result names the commit pushed");
	is_str(res.parent, git_oid_tostr(hex, sizeof(hex), &first), "alone: and its parent, the tip");
	free(content);
	gt_repo_close(r);
	free(w.data);

	/* Another writer lands between our plan and our push: fetch, plan again on its commit. */
	remote_rev(remote, "main", &before);
	w = (struct writer){ .remote = remote, .race = RACE_ONCE, .answer = 1, .line = "mine: 2\n" };
	r = open_remote(remote, cache);
	rc = r ? gt_repo_update(r, &uo, plan_append, &w, &res) : -1;
	content = remote_read(remote, "main");
	remote_rev(remote, "main^", &parent);
	is_int(rc, GT_EXIT_OK, "a lost race: exit 0");
	is_int(res.attempts, 2, "a lost race: a second attempt");
	is_int(w.calls, 2, "a lost race: planned twice");
	ok(git_oid_equal(&w.tips[0], &before), "the first plan saw the tip as fetched");
	ok(!git_oid_equal(&w.tips[1], &before) && git_oid_equal(&w.tips[1], &parent),
	   "the second plan saw the other writer's commit, and ours sits on it");
	is_str(content, "tag: 1\nmine: 1\nother: 1\nmine: 2\n", "a lost race: the other writer's change kept, ours on top");
	free(content);
	gt_repo_close(r);
	free(w.data);

	/* A branch that never stops moving: exactly max_attempts tries, then exit 3. */
	remote_rev(remote, "main", &before);
	w = (struct writer){ .remote = remote, .race = RACE_ALWAYS, .answer = 1, .line = "never\n" };
	struct capture cap;
	r = open_remote(remote, cache);
	capture_start(&cap);
	rc = r ? gt_repo_update(r, &uo, plan_append, &w, &res) : -1;
	char *msg = capture_end(&cap);
	content = remote_read(remote, "main");
	is_int(rc, GT_EXIT_REMOTE, "always moving: exit 3");
	is_int(res.attempts, 3, "always moving: gives up after --max-attempts 3");
	is_int(w.calls, 3, "always moving: planned 3 times");
	ok(!res.pushed && !strstr(content ? content : "", "never"), "always moving: nothing of ours landed");
	ok(strstr(msg, "gave up after 3 attempts: main kept moving (--max-attempts)") != NULL,
	   "always moving: says it gave up, and why");
	free(msg);
	free(content);
	gt_repo_close(r);
	free(w.data);

	/* The plan finds nothing to change, or refuses: no commit, no push. */
	remote_rev(remote, "main", &before);
	w = (struct writer){ .remote = remote, .answer = 0 };
	r = open_remote(remote, cache);
	rc = r ? gt_repo_update(r, &uo, plan_append, &w, &res) : -1;
	remote_rev(remote, "main", &after);
	is_int(rc, GT_EXIT_OK, "nothing to change: exit 0");
	ok(!res.pushed && res.commit[0] == '\0' && git_oid_equal(&before, &after), "nothing to change: nothing pushed");
	w.answer = GT_PLAN_REFUSE;
	rc = r ? gt_repo_update(r, &uo, plan_append, &w, &res) : -1;
	remote_rev(remote, "main", &after);
	is_int(rc, GT_EXIT_DIFFERS, "the plan refuses: exit 1");
	ok(!res.pushed && git_oid_equal(&before, &after), "the plan refuses: nothing pushed");
	/* A dry run builds the commit and pushes nothing. */
	w = (struct writer){ .remote = remote, .answer = 1, .line = "dry\n" };
	uo.dry_run = true;
	rc = r ? gt_repo_update(r, &uo, plan_append, &w, &res) : -1;
	uo.dry_run = false;
	remote_rev(remote, "main", &after);
	is_int(rc, GT_EXIT_OK, "--dry-run: exit 0");
	ok(!res.pushed && res.commit[0] && git_oid_equal(&before, &after), "--dry-run: a commit built, nothing pushed");
	gt_repo_close(r);
	free(w.data);
}

/* ---- a small HTTP server that fails in the ways remotes fail ---- */

enum mode { SRV_401, SRV_404, SRV_HANG, SRV_ECHO };

/* The password of an "Authorization: Basic" header, decoded into out ("" when none). */
static void basic_password(const char *req, char *out, size_t size)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *h = strstr(req, "Authorization: Basic ");
	char plain[256];
	size_t n = 0;
	unsigned acc = 0;
	int bits = 0;
	out[0] = '\0';
	if (!h)
		return;
	for (h += 21; *h && *h != '\r' && *h != '=' && n < sizeof(plain) - 1; h++) {
		const char *p = strchr(b64, *h);
		if (!p)
			break;
		acc = acc << 6 | (unsigned)(p - b64);
		if ((bits += 6) >= 8) {
			bits -= 8;
			plain[n++] = (char)(acc >> bits & 0xff);
		}
	}
	plain[n] = '\0';
	const char *colon = strchr(plain, ':');
	snprintf(out, size, "%s", colon ? colon + 1 : "");
}

static void answer(int c, enum mode m)
{
	char req[8192];
	size_t n = 0;
	ssize_t k;
	while (n < sizeof(req) - 1 && (k = read(c, req + n, sizeof(req) - 1 - n)) > 0) {
		n += (size_t)k;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n") || req[0] == 0x16) /* 0x16: a TLS ClientHello, answered in plain HTTP */
			break;
	}
	req[n] = '\0';
	char body[512], head[512], pw[256];
	const char *status = "404 Not Found", *type = "text/plain";
	body[0] = '\0';
	basic_password(req, pw, sizeof(pw));
	if (m == SRV_HANG) {
		pause(); /* accept and never answer */
		return;
	}
	if (m == SRV_401 || (m == SRV_ECHO && !*pw)) {
		status = "401 Unauthorized";
	} else if (m == SRV_ECHO) {
		/* The ref advertisement, then an error that quotes the credentials it was sent. */
		char err[300];
		int len = snprintf(err, sizeof(err), "ERR no access for password %s\n", pw);
		status = "200 OK";
		type = "application/x-git-upload-pack-advertisement";
		snprintf(body, sizeof(body), "001e# service=git-upload-pack\n0000%04x%s", len + 4, err);
	}
	int hl = snprintf(head, sizeof(head),
			  "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%sConnection: close\r\n\r\n", status,
			  type, strlen(body), !strncmp(status, "401", 3) ? "WWW-Authenticate: Basic realm=\"git\"\r\n" : "");
	if (write(c, head, (size_t)hl) < 0 || write(c, body, strlen(body)) < 0)
		return;
}

/* Fork a server in mode m on 127.0.0.1; its port in *port, its pid returned. */
static pid_t server_start(enum mode m, int *port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 16) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &al) < 0)
		return -1;
	*port = ntohs(a.sin_port);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0); /* its connection holders go with it */
		for (;;) {
			int c = accept(s, NULL, NULL);
			if (c < 0)
				_exit(0);
			if (m == SRV_HANG && fork() != 0) { /* hold each connection open in a child */
				close(c);
				continue;
			}
			answer(c, m);
			close(c);
			if (m == SRV_HANG)
				_exit(0);
		}
	}
	close(s);
	return pid;
}

static void server_stop(pid_t pid)
{
	if (pid > 0) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* What gt_git_ls_remote prints for url with password (NULL: none); its return value in *rc. */
static char *ls_remote_says(const char *url, const char *password, unsigned timeout, int *rc)
{
	struct gt_git_opts o = { .url = url, .password = password, .timeout = timeout };
	char *branch = NULL;
	git_oid head;
	struct capture cap;
	capture_start(&cap);
	*rc = gt_git_ls_remote(&o, &branch, &head);
	free(branch);
	return capture_end(&cap);
}

static void says(const char *what, const char *got, const char *want)
{
	if (!ok(got && strstr(got, want), "%s: says '%s'", what, want))
		printf("#   it said: %s", got ? got : "(null)\n");
}

static void test_classify(void)
{
	int port, rc;
	char url[128];
	char *m;

	pid_t pid = server_start(SRV_401, &port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/git/r.git", port);
	m = ls_remote_says(url, TOKEN, 10, &rc);
	is_int(rc, -1, "401 with a token: an error");
	says("401 with a token", m, "authentication failed: the server refused user 'gitops' with the token given");
	ok(!strstr(m, TOKEN), "401 with a token: the token is not in the message");
	is_int((long)(strchr(m, '\n') ? strchr(m, '\n') + 1 - m : 0), (long)strlen(m), "401 with a token: one line");
	free(m);
	m = ls_remote_says(url, NULL, 10, &rc);
	says("401 without a token", m, "the server wants credentials and no token was given");
	free(m);
	server_stop(pid);

	pid = server_start(SRV_404, &port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/git/r.git", port);
	m = ls_remote_says(url, TOKEN, 10, &rc);
	is_int(rc, -1, "404: an error");
	says("404", m, "repository not found (HTTP 404)");
	free(m);
	/* https to a server that speaks plain HTTP: the TLS handshake fails */
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/git/r.git", port);
	m = ls_remote_says(url, TOKEN, 10, &rc);
	is_int(rc, -1, "TLS failure: an error");
	says("TLS failure", m, ": TLS: ");
	free(m);
	server_stop(pid);

	pid = server_start(SRV_HANG, &port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/git/r.git", port);
	m = ls_remote_says(url, TOKEN, 1, &rc);
	is_int(rc, -1, "a server that never answers: an error");
	says("a server that never answers", m, "ls-remote timed out after 1 s (--timeout)");
	free(m);
	server_stop(pid);

	/* A server (or a proxy) that quotes the credentials back in its error: shown masked. */
	pid = server_start(SRV_ECHO, &port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/git/r.git", port);
	m = ls_remote_says(url, TOKEN, 10, &rc);
	is_int(rc, -1, "an error that quotes the token: an error");
	says("ls-remote, an error that quotes the token", m, "no access for password ***");
	ok(!strstr(m, TOKEN), "ls-remote: the token is not in the message");
	free(m);
	char cache[256];
	snprintf(cache, sizeof(cache), "%s/cache-echo", top);
	struct gt_git_opts o = { .url = url, .cache_dir = cache, .password = TOKEN, .timeout = 10 };
	struct gt_repo *r = gt_repo_open(&o);
	struct capture cap;
	capture_start(&cap);
	rc = r ? gt_repo_fetch(r) : 0;
	m = capture_end(&cap);
	is_int(rc, -1, "fetch, an error that quotes the token: an error");
	says("fetch, an error that quotes the token", m, "no access for password ***");
	ok(!strstr(m, TOKEN), "fetch: the token is not in the message");
	free(m);
	gt_repo_close(r);
	server_stop(pid);
}

static void test_credentials(void)
{
	struct capture cap;
	struct gt_git_opts o = { .url = "https://org:" TOKEN "@dev.azure.com/org/p/_git/r" };
	capture_start(&cap);
	int rc = gt_git_credentials_finish(&o);
	char *m = capture_end(&cap);
	is_int(rc, -1, "a URL with a password: refused");
	says("a URL with a password", m, "https://org@dev.azure.com/org/p/_git/r: the URL holds a password");
	ok(!strstr(m, TOKEN), "a URL with a password: not shown");
	free(m);

	setenv("SYSTEM_ACCESSTOKEN", "from-azure", 1);
	unsetenv("GITOPS_GIT_TOKEN");
	o = (struct gt_git_opts){ .url = "https://dev.azure.com/org/p/_git/r" };
	ok(gt_git_credentials_finish(&o) == 0 && o.password && !strcmp(o.password, "from-azure"),
	   "SYSTEM_ACCESSTOKEN when GITOPS_GIT_TOKEN is not set");
	setenv("GITOPS_GIT_TOKEN", "from-gitops", 1);
	o = (struct gt_git_opts){ .url = "https://dev.azure.com/org/p/_git/r" };
	ok(gt_git_credentials_finish(&o) == 0 && o.password && !strcmp(o.password, "from-gitops"),
	   "GITOPS_GIT_TOKEN first");
	o = (struct gt_git_opts){ .url = "https://dev.azure.com/org/p/_git/r", .password = "from-file" };
	ok(gt_git_credentials_finish(&o) == 0 && !strcmp(o.password, "from-file"),
	   "a token from --password-file or stdin wins over the environment");
	unsetenv("GITOPS_GIT_TOKEN");
	unsetenv("SYSTEM_ACCESSTOKEN");
}

/* ---- a path's history (common/gitlog.c) ---- */

struct seen {
	git_oid id[8];
	size_t n, stop;
};

static int collect(void *ctx, const git_commit *c)
{
	struct seen *x = ctx;
	if (x->n < 8)
		git_oid_cpy(&x->id[x->n], git_commit_id(c));
	x->n++;
	return x->n >= x->stop ? 1 : 0;
}

static void test_history(void)
{
	char remote[256], cache[256], msg[128];
	snprintf(remote, sizeof(remote), "%s/history.git", top);
	snprintf(cache, sizeof(cache), "%s/cache-history", top);
	git_repository *g = NULL;
	git_oid a, b, c, d, tip, bad;
	ok(git_repository_init(&g, remote, 1) == 0, "history: a bare remote");
	git_repository_free(g);
	remote_commit(remote, "v: 1\n", "Deploy 1", &a);
	remote_commit(remote, "v: 2\n", "Deploy 2", &b);
	snprintf(msg, sizeof(msg), "Revert \"Deploy 2\"\n\nThis reverts commit %s.\n", git_oid_tostr_s(&b));
	remote_commit(remote, "v: 1\n", msg, &c);
	remote_commit(remote, "v: 1\n", "Nothing changed", &d);
	struct gt_repo *r = open_remote(remote, cache);
	ok(r && gt_repo_fetch(r) == 0 && gt_repo_branch_tip(r, "main", &tip) == 0 && git_oid_equal(&tip, &d),
	   "history: fetched, the tip is the last commit");

	struct seen x = { .stop = 8 };
	is_int(r ? gt_repo_path_log(r, &tip, "", NULL, collect, &x, NULL) : -1, 0, "path log: 0 at the end of the history");
	ok(x.n == 3 && git_oid_equal(&x.id[0], &c) && git_oid_equal(&x.id[1], &b) && git_oid_equal(&x.id[2], &a),
	   "path log: the commits that changed the path, newest first; one that changed nothing is left out");
	x = (struct seen){ .stop = 1 };
	is_int(r ? gt_repo_path_log(r, &tip, "values.yaml", NULL, collect, &x, NULL) : -1, 0, "path log: 0 when fn stops it");
	is_int((long)x.n, 1, "path log: fn stops the walk at once");
	x = (struct seen){ .stop = 8 };
	is_int(r ? gt_repo_path_log(r, &tip, "other.yaml", NULL, collect, &x, NULL) : -1, 0, "path log: a path never there");
	is_int((long)x.n, 0, "path log: no commit changed it");
	memset(&bad, 0, sizeof(bad));
	bad.id[0] = 0x42;
	git_oid where;
	is_int(r ? gt_repo_path_log(r, &bad, "", NULL, collect, &x, &where) : -1, GT_LOG_NO_COMMIT,
	       "path log: an unknown start is GT_LOG_NO_COMMIT");
	ok(git_oid_equal(&where, &bad), "path log: and names it");

	struct gt_deploys dd = { .target = &b };
	is_int(r ? gt_repo_deploys(r, &tip, "", NULL, &dd) : -1, 0, "deploys: read");
	ok(dd.n == 1 && git_oid_equal(&dd.found[0], &a), "deploys: a revert is no deploy, and the reverted one is undone");
	ok(dd.target_undone && git_oid_equal(&dd.undone_by, &c), "deploys: the target is undone, by the revert");
	char *subject = NULL;
	ok(r && gt_repo_commit_summary(r, &b, &subject) == 0 && subject && !strcmp(subject, "Deploy 2"),
	   "commit summary: the first line");
	free(subject);
	ok(r && gt_repo_commit_summary(r, &bad, &subject) == -1 && !subject, "commit summary: -1 for no such commit");
	gt_repo_close(r);
}

int main(void)
{
	gt_set_program("test_git");
	signal(SIGPIPE, SIG_IGN);
	unsetenv("GITOPS_GIT_TOKEN");
	unsetenv("SYSTEM_ACCESSTOKEN");
	unsetenv("GITOPS_GIT_USERNAME");
	/* No proxy between us and 127.0.0.1. */
	unsetenv("http_proxy");
	unsetenv("https_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("HTTPS_PROXY");
	snprintf(top, sizeof(top), "%s/test_git.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(top))
		return 1;
	git_libgit2_init();
	test_update();
	test_history();
	test_classify();
	test_credentials();
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0)
		ok(0, "remove %s", top);
	git_libgit2_shutdown();
	return tap_done();
}
