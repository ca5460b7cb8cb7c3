/* git: cached bare clones, reads at a revision, in-memory commits, pushes that
 * retry when the branch moved. docs/libgit2.md has the libgit2 1.5.1 behaviour
 * this code is written against. */
#include "git.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "file.h"
#include "net.h"
#include "proc.h"
#include "redact.h"

struct gt_repo {
	git_repository *git;
	struct gt_git_opts opts;
	char *url_shown; /* without credentials */
	char *path;      /* the cached bare clone */
	int lock_fd;
	bool local; /* a working clone opened in place: no fetch, no push */
	bool fresh; /* created by this open and not yet fetched into: removed again at close */
	char default_branch[256];
	struct timespec deadline; /* of the whole update (gt_repo_update); zero: none */
	unsigned attempt;         /* the update's attempt now running, for -v's lines */
};

/* What one clone, fetch or push has shown of its progress (see "progress on a terminal"). */
struct progress {
	bool on;           /* stderr is a terminal and not -q */
	const char *label; /* the phase on the line now ("receiving objects"), or NULL */
	int percent;       /* last percentage drawn for label; -1 none yet */
	int width;         /* characters drawn on the line, to blank what a shorter redraw leaves */
	bool done;         /* the line of label is finished */
};

/* Per network operation: libgit2 asks for credentials again after a 401, so the
 * count must restart for each fetch and each push. */
struct net_op {
	const struct gt_repo *r;
	int cred_calls;
	bool auth_rejected;
	bool no_token; /* the server asked and we had nothing to give */
	char *other_origin; /* credentials were asked for another scheme, host or port (shown, no userinfo) */
	char user[128]; /* the user name sent (never the token): named when the server refuses it */
	char *push_status; /* first rejection reported by the server for our ref */
	struct progress progress;
	git_indexer_progress stats; /* the last transfer progress: -vv's sizes */
	size_t pushed_bytes;
	int raw_percent; /* -vvv: the last quarter of the transfer shown */
};

/* ---- options and credentials ---- */

static char *read_token_file(FILE *f, const char *what)
{
	char buf[8192];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	if (ferror(f)) {
		gt_error("%s: cannot read the token: %s", what, strerror(errno));
		return NULL;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	if (n == 0) {
		gt_error("%s: the token is empty", what);
		return NULL;
	}
	char *tok = strdup(buf);
	memset(buf, 0, sizeof(buf));
	return tok;
}

static int take_token(struct gt_git_opts *o, const char *path)
{
	FILE *f = path ? fopen(path, "r") : stdin;
	if (!f) {
		gt_error("--password-file %s: %s", path, strerror(errno));
		return -1;
	}
	char *tok = read_token_file(f, path ? path : "--password-stdin");
	if (path)
		fclose(f);
	if (!tok)
		return -1;
	free((char *)o->password);
	o->password = tok;
	return 0;
}

static bool token_owned; /* o->password came from a file or stdin and is ours to free */

static const char *user_of(const struct gt_git_opts *o, const char *user_from_url);

/* The token is masked in every message from now on, alone and as the Basic credentials it is
 * sent in; -v says where it came from (never what it is). */
static void log_token(const struct gt_git_opts *o)
{
	if (!o->password) {
		gt_step("git: no token given (GITOPS_GIT_TOKEN, SYSTEM_ACCESSTOKEN, --password-file, --password-stdin)");
		return;
	}
	gt_log_secret(o->password);
	const char *from = token_owned ? "--password-file or --password-stdin"
			 : getenv("GITOPS_GIT_TOKEN") && !strcmp(getenv("GITOPS_GIT_TOKEN"), o->password) ? "GITOPS_GIT_TOKEN"
			 : "SYSTEM_ACCESSTOKEN";
	gt_step("git: token from %s", from);
}

/* The Basic credentials user:token as they go over the wire (base64 in the Authorization header):
 * masked in every message too, whatever -vvv shows. */
static void log_basic_credentials(const char *user, const char *password)
{
	size_t n = strlen(user) + strlen(password) + 2;
	char *basic = malloc(n);
	if (!basic)
		return;
	snprintf(basic, n, "%s:%s", user, password);
	gt_log_secret(basic);
	memset(basic, 0, n);
	free(basic);
}

int gt_git_token_option(const struct gt_option *opt, const char *flag, const char *value)
{
	(void)flag;
	if (token_owned)
		return gt_error("give the token once: --password-file or --password-stdin"), -1;
	if (take_token(opt->target, value) < 0)
		return -1;
	token_owned = true;
	return 0;
}

void gt_git_opts_clear(struct gt_git_opts *o)
{
	if (token_owned && o->password) {
		memset((char *)o->password, 0, strlen(o->password));
		free((char *)o->password);
	}
	token_owned = false;
	o->password = NULL;
}

int gt_git_credentials_finish(struct gt_git_opts *o)
{
	if (gt_url_check_credentials(o->url, o->password, NULL) < 0)
		return -1;
	const char *env_user = getenv("GITOPS_GIT_USERNAME");
	if (!o->username)
		o->username = env_user && *env_user ? env_user : NULL;
	if (!o->password) {
		const char *tok = getenv("GITOPS_GIT_TOKEN");
		if (!tok || !*tok)
			tok = getenv("SYSTEM_ACCESSTOKEN");
		o->password = tok && *tok ? tok : NULL;
	}
	log_token(o);
	return 0;
}

/* ---- network limits: libgit2 1.5 has none; common/net's sockets give every step a deadline,
 * a cap on what the server sends, and an end on SIGINT/SIGTERM. ---- */

/* ---- Ctrl-C and a CI job's SIGTERM during an update: caught (common/proc's handler) so that the
 * run can say what state the remote is in. A network step waiting on the server ends at once and
 * the transfer callbacks abort, except during a push, which is let finish (it is bounded by
 * --timeout): its outcome is then known, pushed or not, instead of "maybe". ---- */

static bool update_interrupts; /* gt_interrupt_catch: the tool reports an interrupt itself */

void gt_interrupt_catch(void)
{
	gt_signals_catch();
	update_interrupts = true;
}

void gt_interrupt_finish(const struct gt_update_result *res)
{
	int sig = gt_interrupted();
	if (!sig)
		return;
	if (res && res->pushed)
		gt_error("interrupted after push: %.12s is on %s", res->commit, res->branch);
	else
		gt_error("interrupted before push: nothing was pushed");
	fflush(stdout);
	/* Die of the signal, as the shell and the CI runner expect of an interrupted step. */
	signal(sig, SIG_DFL);
	raise(sig);
	_exit(128 + sig);
}

void gt_interrupt_release(void)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (gt_interrupted())
		raise(gt_interrupted());
}

/* Hold Ctrl-C, SIGTERM and SIGHUP off while a push is on the wire (set), or deliver them now (restore). */
static void interrupts_hold(bool hold, sigset_t *saved)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (hold)
		sigprocmask(SIG_BLOCK, &set, saved);
	else
		sigprocmask(SIG_SETMASK, saved, NULL);
}

/* Seconds left before r's deadline (0 when passed), or -1 when it has none. */
static double left_of(const struct gt_repo *r)
{
	struct timespec now;
	if (!r->deadline.tv_sec)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double left = (double)(r->deadline.tv_sec - now.tv_sec) + (double)(r->deadline.tv_nsec - now.tv_nsec) / 1e9;
	return left > 0 ? left : 0;
}

/* One network step's limit: --timeout (else the default), and never past the update's deadline. */
static unsigned timeout_of(const struct gt_repo *r)
{
	unsigned step = r->opts.timeout ? r->opts.timeout : GT_GIT_DEFAULT_TIMEOUT;
	double left = left_of(r);
	if (left >= 0 && left < step)
		step = (unsigned)left + 1;
	return step;
}

static size_t max_refs_of(const struct gt_repo *r)
{
	return r->opts.max_refs_bytes ? r->opts.max_refs_bytes : GT_GIT_DEFAULT_MAX_REFS;
}

static size_t max_fetch_of(const struct gt_repo *r)
{
	return r->opts.max_fetch_bytes ? r->opts.max_fetch_bytes : GT_GIT_DEFAULT_MAX_FETCH;
}

/* Why common/net stopped the operation, as the message; false when it did not. */
static bool say_net_stop(const struct gt_repo *r, const char *what)
{
	switch (gt_net_stopped()) {
	case GT_NET_TIMED_OUT: /* (the limit it ran under: the update's deadline may have cut it) */
		gt_error("%s: %s timed out after %u s (--timeout)", r->url_shown, what, (unsigned)(gt_net_seconds() + 0.5));
		return true;
	case GT_NET_TOO_LARGE:
		gt_error("%s: %s: the server sent more than %zu bytes (%s); stopped", r->url_shown, what, gt_net_limit(),
			 gt_net_limit_name());
		return true;
	case GT_NET_INTERRUPTED:
		gt_error("%s: %s: interrupted (signal %d)", r->url_shown, what, gt_interrupted());
		return true;
	default:
		return false;
	}
}

/* One line, with the URL as shown and no secret in it, whatever libgit2 said. */
static const char *user_of(const struct gt_git_opts *o, const char *user_from_url);

static int remote_error(const struct gt_repo *r, const struct net_op *op, const char *what, int rc)
{
	const git_error *e = git_error_last();
	char msg[1024];
	if (update_interrupts && gt_interrupted())
		return -1; /* the interrupt is what happened: gt_interrupt_finish says so */
	snprintf(msg, sizeof(msg), "%s", e && e->message ? e->message : "unknown error");
	gt_redact_secret(msg, r->opts.password);
	if (say_net_stop(r, what))
		; /* timed out, too large or interrupted: what happened, whatever libgit2 made of it */
	else if (op && op->other_origin)
		gt_error("%s: %s: the server sent us to %s, another origin; the token is only sent to the URL given "
			 "(redirects to other hosts are not followed)", r->url_shown, what, op->other_origin);
	else if (op && op->no_token)
		gt_error("%s: %s: the server wants credentials and no token was given "
			 "(set GITOPS_GIT_TOKEN, or use --password-file or --password-stdin)", r->url_shown, what);
	else if ((op && op->auth_rejected) || rc == GIT_EAUTH || strstr(msg, "401"))
		gt_error("%s: %s: authentication failed: the server refused user '%s' with the token given "
			 "(check the user name, --username or GITOPS_GIT_USERNAME, the token, and that it may %s this "
			 "repository)",
			 r->url_shown, what, op && op->user[0] ? op->user : user_of(&r->opts, NULL),
			 strcmp(what, "push") ? "read" : "push to");
	else if (strstr(msg, "404"))
		gt_error("%s: %s: repository not found (HTTP 404)", r->url_shown, what);
	else if (rc == GIT_ECERTIFICATE || (e && e->klass == GIT_ERROR_SSL))
		gt_error("%s: %s: TLS: %s (use --ca-file for a private CA)", r->url_shown, what, msg);
	else
		gt_error("%s: %s: %s", r->url_shown, what, msg);
	return -1;
}

/* ---- progress on a terminal: a clone, fetch or push of a large repository takes a while, so
 * show what it is doing the way git does ("gitops-set-image: receiving objects:  42% (420/1000),
 * 1.2 MiB"), one line per phase redrawn with \r when the whole percentage changes (so at most 101
 * draws per phase, whatever the callback rate). Only when stderr is a terminal and without -q:
 * pipes, files and CI logs stay as they were. ---- */

static const char PHASE_RECEIVING[] = "receiving objects";
static const char PHASE_RESOLVING[] = "resolving deltas";
static const char PHASE_WRITING[] = "writing objects";

static void progress_begin(struct progress *p)
{
	p->on = gt_verbosity() >= 1 && isatty(STDERR_FILENO);
	p->label = NULL;
	p->percent = -1;
	p->width = 0;
	p->done = false;
}

/* Leave the line of an unfinished phase, so that what is printed next starts on its own line. */
static void progress_end(struct progress *p)
{
	if (p->on && p->label && !p->done && p->percent >= 0)
		fputc('\n', stderr);
	p->label = NULL;
	p->done = true;
}

static void progress_show(struct progress *p, const char *label, size_t cur, size_t total, size_t bytes)
{
	if (!p->on || total == 0)
		return;
	if (label != p->label) {
		progress_end(p);
		p->label = label;
		p->percent = -1;
		p->width = 0;
		p->done = false;
	}
	if (p->done)
		return;
	if (cur > total)
		cur = total;
	int percent = (int)(cur * 100 / total);
	if (percent == p->percent)
		return;
	p->percent = percent;
	char size[32] = "";
	if (bytes >= 1024 * 1024)
		snprintf(size, sizeof(size), ", %.1f MiB", bytes / (1024.0 * 1024.0));
	else if (bytes >= 1024)
		snprintf(size, sizeof(size), ", %.1f KiB", bytes / 1024.0);
	else if (bytes > 0)
		snprintf(size, sizeof(size), ", %zu bytes", bytes);
	p->done = cur == total;
	char line[256];
	int n = snprintf(line, sizeof(line), "%s: %s: %3d%% (%zu/%zu)%s%s", gt_program(), label, percent, cur,
			 total, size, p->done ? ", done." : "");
	if (n < 0)
		return;
	fprintf(stderr, "\r%s%*s%s", line, p->width > n ? p->width - n : 0, "", p->done ? "\n" : "");
	p->width = n;
	fflush(stderr);
}

/* Fetch: objects arrive, then their deltas are resolved. */
static void progress_fetch(struct progress *p, const git_indexer_progress *s)
{
	bool receiving = s->received_objects < s->total_objects || s->total_deltas == 0 ||
			 (p->label == PHASE_RECEIVING && !p->done);
	if (receiving)
		progress_show(p, PHASE_RECEIVING, s->received_objects, s->total_objects, s->received_bytes);
	else
		progress_show(p, PHASE_RESOLVING, s->indexed_deltas, s->total_deltas, 0);
}

/* -vvv: the transfer's progress at each quarter, as libgit2 reports it. */
static void raw_transfer(struct net_op *op, const char *what, size_t cur, size_t total, size_t bytes)
{
	int quarter = total ? (int)(cur * 4 / total) : 4;
	if (!gt_verbose(GT_V_RAW) || quarter == op->raw_percent)
		return;
	op->raw_percent = quarter;
	gt_raw("git: %s %zu/%zu, %zu bytes", what, cur, total, bytes);
}

static int on_push_transfer(unsigned int current, unsigned int total, size_t bytes, void *payload)
{
	struct net_op *op = payload;
	op->pushed_bytes = bytes;
	raw_transfer(op, "sent objects", current, total, bytes);
	progress_show(&op->progress, PHASE_WRITING, current, total, bytes);
	return gt_net_should_stop() ? -1 : 0;
}

/* ---- libgit2 callbacks ---- */

/* The user name sent with the token: --username (or GITOPS_GIT_USERNAME), else the URL's, else the default. */
static const char *user_of(const struct gt_git_opts *o, const char *user_from_url)
{
	static char from_url[128];
	if (o->username)
		return o->username;
	if (user_from_url && *user_from_url)
		return user_from_url;
	char *u = o->url ? gt_url_user_dup(o->url) : NULL;
	snprintf(from_url, sizeof(from_url), "%s", u ? u : GT_GIT_DEFAULT_USER);
	free(u);
	return from_url;
}

static int on_credentials(git_credential **out, const char *url, const char *user_from_url, unsigned int allowed,
			  void *payload)
{
	struct net_op *op = payload;
	const struct gt_git_opts *o = &op->r->opts;
	/* The token is for the remote given, nowhere else: not for a host, port or scheme a redirect
	 * (even one libgit2 deems on-site) leads to. (url may carry userinfo: never logged.) */
	if (!gt_url_same_origin(url, o->url)) {
		free(op->other_origin);
		op->other_origin = gt_url_origin_dup(url);
		git_error_set_str(GIT_ERROR_HTTP, "credentials asked for by another origin");
		return GIT_EAUTH;
	}
	if (++op->cred_calls > 1) {
		/* A second call means the server answered 401 to what we sent; stop
		 * here instead of libgit2's 15 replays. */
		op->auth_rejected = true;
		git_error_set_str(GIT_ERROR_HTTP, "authentication failed");
		return GIT_EAUTH;
	}
	if (!(allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT))
		return GIT_PASSTHROUGH;
	if (!o->password) {
		op->no_token = true;
		git_error_set_str(GIT_ERROR_HTTP, "the server wants credentials and no token was given");
		return GIT_EAUTH;
	}
	const char *user = user_of(o, user_from_url);
	snprintf(op->user, sizeof(op->user), "%s", user);
	log_basic_credentials(user, o->password);
	gt_step("%s: the server asks for credentials: user %s with the token", op->r->url_shown, user);
	return git_credential_userpass_plaintext_new(out, user, o->password);
}

static int on_certificate(git_cert *cert, int valid, const char *host, void *payload)
{
	struct net_op *op = payload;
	(void)cert;
	(void)host;
	if (op->r->opts.insecure)
		return 0;
	return valid ? 0 : GIT_PASSTHROUGH;
}

static int on_transfer(const git_indexer_progress *stats, void *payload)
{
	struct net_op *op = payload;
	op->stats = *stats;
	raw_transfer(op, "received objects", stats->received_objects, stats->total_objects, stats->received_bytes);
	progress_fetch(&op->progress, stats);
	return gt_net_should_stop() ? -1 : 0;
}

static int on_sideband(const char *str, int len, void *payload)
{
	(void)payload;
	/* -vvv: the server's own progress text, as git shows it ("remote: ..."), a line each */
	for (int i = 0; gt_verbose(GT_V_RAW) && i < len;) {
		int n = 0;
		while (i + n < len && str[i + n] != '\n' && str[i + n] != '\r')
			n++;
		if (n)
			gt_raw("remote: %.*s", n, str + i);
		i += n + 1;
	}
	return gt_net_should_stop() ? -1 : 0;
}

static int on_push_update(const char *refname, const char *status, void *payload)
{
	struct net_op *op = payload;
	gt_raw("git: the server's report: %s %s", refname, status ? status : "ok");
	if (status && !op->push_status)
		op->push_status = strdup(status);
	return 0;
}

static void set_callbacks(git_remote_callbacks *cb, struct net_op *op)
{
	cb->credentials = on_credentials;
	cb->certificate_check = on_certificate;
	cb->transfer_progress = on_transfer;
	cb->sideband_progress = on_sideband;
	cb->push_update_reference = on_push_update;
	cb->push_transfer_progress = on_push_transfer;
	cb->payload = op;
}

/* ---- the cache ---- */

/* <root>/repos/<last path part>-<fnv64 of the URL>.git: readable, and unique per remote. */
static char *cache_path_dup(const char *root, const char *url)
{
	uint64_t h = 1469598103934665603ULL;
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	size_t n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	size_t start = n;
	while (start > 0 && url[start - 1] != '/' && url[start - 1] != ':')
		start--;
	char name[64];
	size_t k = 0;
	for (size_t i = start; i < n && k < sizeof(name) - 1; i++) {
		char c = url[i];
		name[k++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
					    c == '_' || c == '.'
				    ? c
				    : '_';
	}
	name[k] = '\0';
	if (k > 4 && !strcmp(name + k - 4, ".git"))
		name[k - 4] = '\0';
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s/repos/%s-%016llx.git", root, name, (unsigned long long)h);
	return strdup(buf);
}

/* Two tools sharing a cache must not update its refs at once. */
static int lock_cache(struct gt_repo *r)
{
	if (gt_cache_lock_clone(r->path, true, &r->lock_fd) == 0)
		return 0;
	if (errno == EINTR && gt_interrupted()) { /* Ctrl-C while another run held it: that is what happened */
		if (!update_interrupts) /* else gt_interrupt_finish says so */
			gt_error("%s.lock: interrupted while waiting for another run to release the cache", r->path);
		return -1;
	}
	gt_error("%s.lock: cannot lock the cache: %s", r->path, strerror(errno));
	return -1;
}

/* A clone this run created and never fetched into (a wrong URL, a refused token) is empty: leave no trace
 * of it, the lock file included. Called with the lock held. */
static void remove_fresh_clone(struct gt_repo *r)
{
	git_repository_free(r->git);
	r->git = NULL;
	if (gt_cache_remove_locked_clone(r->path) < 0)
		gt_warn("%s: cannot remove the empty clone: %s", r->path, strerror(errno));
}

/*
 * A tool killed mid-write (Ctrl-C, a CI job's SIGTERM, SIGKILL, a crash) leaves libgit2's
 * temporary files in the cache; a stale ref lock would fail every later run. Called under the
 * cache's exclusive lock, when no other process can be writing it: whatever is there is a dead
 * process's (the kernel released its flock(2) when it died: no owner pid needs checking).
 * libgit2 names its lock files NAME.lock (git_filebuf: config, HEAD, packed-refs, refs, a pack's
 * index) and its temporary files PREFIX_git2_HEX (git_futils_mktmp): the prefixes below, one
 * per directory it makes them in. (Branch names may contain "_git2_": refs/ is matched on .lock.)
 */
static const struct stale_dir {
	const char *sub;
	const char *temp; /* libgit2's temporary files here start so */
	bool packs;       /* the pack directory: an index of nothing too (is_orphan_index) */
	bool recurse;
} stale_dirs[] = {
	{ "", "_git2_", false, false }, /* git_repository_init's probe: a file, then a symbolic link */
	{ "/objects", "tmp_object_git2_", false, false },
	{ "/objects/pack", "pack_git2_", true, false },
	{ "/refs", NULL, false, true },
};

static bool is_stale(const struct stale_dir *sd, const char *name)
{
	size_t len = strlen(name);
	return (sd->temp && !strncmp(name, sd->temp, strlen(sd->temp))) ||
	       (len > 5 && !strcmp(name + len - 5, ".lock"));
}

/* libgit2's indexer renames a fetched pack's .idx into place before its .pack: a run killed in
 * between leaves an index of nothing, which git counts as garbage and a next fetch of other
 * objects never replaces. */
static bool is_orphan_index(const char *dir, const char *name)
{
	size_t len = strlen(name);
	if (strncmp(name, "pack-", 5) || len < 9 || strcmp(name + len - 4, ".idx"))
		return false;
	char *pack = malloc(strlen(dir) + len + 3);
	if (!pack)
		return false;
	sprintf(pack, "%s/%.*s.pack", dir, (int)(len - 4), name);
	bool orphan = access(pack, F_OK) < 0 && errno == ENOENT;
	free(pack);
	return orphan;
}

static void remove_stale_temp(const struct stale_dir *sd, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		const char *n = e->d_name;
		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		char *path = malloc(strlen(dir) + strlen(n) + 2);
		if (!path)
			break;
		sprintf(path, "%s/%s", dir, n);
		if (is_stale(sd, n) || (sd->packs && is_orphan_index(dir, n)))
			unlink(path);
		else if (sd->recurse && e->d_type == DT_DIR)
			remove_stale_temp(sd, path);
		free(path);
	}
	if (d)
		closedir(d);
}

static void clean_cache(const struct gt_repo *r)
{
	size_t n = strlen(r->path);
	char *dir = malloc(n + 16);
	for (size_t i = 0; dir && i < sizeof(stale_dirs) / sizeof(stale_dirs[0]); i++) {
		sprintf(dir, "%s%s", r->path, stale_dirs[i].sub);
		remove_stale_temp(&stale_dirs[i], dir);
	}
	free(dir);
}

static int open_or_init(struct gt_repo *r)
{
	int rc = git_repository_open_bare(&r->git, r->path);
	if (rc == 0)
		return 0;
	rc = git_repository_init(&r->git, r->path, 1);
	if (rc < 0) {
		const git_error *e = git_error_last();
		gt_error("%s: cannot create the cache: %s", r->path, e ? e->message : "unknown error");
		return -1;
	}
	r->fresh = true;
	return 0;
}

static bool libgit2_ready;

/*
 * The system's CA bundles, where libgit2 does not look by itself. Debian's libgit2, which the
 * release archive carries inside, reads only the first (Debian, Ubuntu, Alpine, Arch); on Fedora,
 * RHEL or openSUSE it would trust nothing. SSL_CERT_FILE, as OpenSSL, git and curl read it, wins.
 */
static const char *const ca_bundles[] = {
	"/etc/ssl/certs/ca-certificates.crt",                /* libgit2's own */
	"/etc/pki/tls/certs/ca-bundle.crt",                  /* Fedora, RHEL */
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* RHEL, CentOS */
	"/etc/ssl/ca-bundle.pem",                            /* openSUSE */
	"/etc/ssl/cert.pem",                                 /* Alpine, the BSDs */
};

/* The bundle to load for https when --ca-file is not given; NULL: libgit2's default is right. */
static const char *system_ca_bundle(void)
{
	const char *env = getenv("SSL_CERT_FILE");
	if (env && *env)
		return env;
	if (access(ca_bundles[0], R_OK) == 0)
		return NULL;
	for (size_t i = 1; i < sizeof(ca_bundles) / sizeof(ca_bundles[0]); i++)
		if (access(ca_bundles[i], R_OK) == 0)
			return ca_bundles[i];
	return NULL;
}

static void shutdown_libgit2(void)
{
	git_libgit2_shutdown();
}

static int init_libgit2(const struct gt_git_opts *o)
{
	if (!libgit2_ready) {
		git_libgit2_init();
		/* Shut down at exit: libgit2 frees its per-thread caches only then (leak checkers). */
		atexit(shutdown_libgit2);
		libgit2_ready = true;
		if (gt_net_register() < 0)
			return -1;
	}
	const char *ca = o->ca_file ? o->ca_file : system_ca_bundle();
	if (ca && git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, ca, NULL) < 0) {
		gt_error("%s %s: cannot load certificates: %s", o->ca_file ? "--ca-file" : "CA bundle", ca,
			 access(ca, R_OK) ? strerror(errno) : "not a PEM certificate bundle");
		return -1;
	}
	return 0;
}

struct gt_repo *gt_repo_open(const struct gt_git_opts *o)
{
	if (init_libgit2(o) < 0)
		return NULL;
	struct gt_repo *r = calloc(1, sizeof(*r));
	char *root = r ? gt_cache_root_dup(o->cache_dir) : NULL;
	if (!r || !root) {
		if (!r)
			gt_error("out of memory");
		free(r);
		return NULL;
	}
	r->lock_fd = -1;
	r->opts = *o;
	r->url_shown = gt_url_redact(o->url);
	/* A local path is one repository whatever the working directory: key the cache by its real path. */
	char *real = strstr(o->url, "://") ? NULL : realpath(o->url, NULL);
	r->path = r->url_shown ? cache_path_dup(root, real ? real : r->url_shown) : NULL;
	free(real);
	if (!r->path)
		goto oom;
	char *repos = cache_path_dup(root, "");
	if (repos)
		*strrchr(repos, '/') = '\0';
	if (!repos || gt_mkdir_p(repos) < 0) {
		gt_error("%s: cannot create the cache directory: %s", repos ? repos : root, strerror(errno));
		free(repos);
		free(root);
		gt_repo_close(r);
		return NULL;
	}
	free(repos);
	free(root);
	if (lock_cache(r) < 0) {
		gt_repo_close(r);
		return NULL;
	}
	clean_cache(r);
	if (open_or_init(r) < 0) {
		gt_repo_close(r);
		return NULL;
	}
	gt_step("%s: cached clone %s%s", r->url_shown, r->path, r->fresh ? " (new)" : "");
	return r;
oom:
	gt_error("out of memory");
	free(root);
	gt_repo_close(r);
	return NULL;
}

void gt_repo_close(struct gt_repo *r)
{
	if (!r)
		return;
	if (r->fresh && r->lock_fd >= 0)
		remove_fresh_clone(r);
	git_repository_free(r->git);
	if (r->lock_fd >= 0)
		close(r->lock_fd);
	free(r->url_shown);
	free(r->path);
	free(r);
}

char *gt_git_cache_root_dup(const struct gt_git_opts *o)
{
	return gt_cache_root_dup(o->cache_dir);
}

git_repository *gt_repo_git(struct gt_repo *r)
{
	return r->git;
}

/*
 * When the remote advertises no HEAD branch: its HEAD names a branch that does not exist (git
 * clone checks nothing out then, and guesses none), or it has no branches at all. A local
 * repository (a path) can say which branch its HEAD names.
 */
static void dangling_head_target(const struct gt_repo *r, char *out, size_t size)
{
	git_repository *g = NULL;
	git_reference *head = NULL;
	out[0] = '\0';
	if (!r->opts.url || strstr(r->opts.url, "://") ||
	    git_repository_open_ext(&g, r->opts.url, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
		return;
	if (git_reference_lookup(&head, g, "HEAD") == 0 && git_reference_type(head) == GIT_REFERENCE_SYMBOLIC) {
		const char *t = git_reference_symbolic_target(head);
		snprintf(out, size, "%s", strncmp(t, "refs/heads/", 11) ? t : t + 11);
	}
	git_reference_free(head);
	git_repository_free(g);
}

/* Up to a few fetched branch names, ", "-separated, for a message; "" when there are none. */
static void fetched_branches(const struct gt_repo *r, char *out, size_t size)
{
	git_reference_iterator *it = NULL;
	const char *name;
	size_t len = 0, n = 0;
	out[0] = '\0';
	if (git_reference_iterator_glob_new(&it, r->git, "refs/remotes/origin/*") < 0)
		return;
	while (git_reference_next_name(&name, it) == 0) {
		name += strlen("refs/remotes/origin/");
		if (!strcmp(name, "HEAD"))
			continue;
		if (n++ == 4) {
			snprintf(out + len, size - len, ", ...");
			break;
		}
		int w = snprintf(out + len, size - len, "%s%s", len ? ", " : "", name);
		if (w < 0 || (size_t)w >= size - len)
			break;
		len += (size_t)w;
	}
	git_reference_iterator_free(it);
}

const char *gt_repo_default_branch_or_say(const struct gt_repo *r)
{
	char target[256], branches[200];
	if (r->default_branch[0])
		return r->default_branch;
	dangling_head_target(r, target, sizeof(target));
	fetched_branches(r, branches, sizeof(branches));
	if (!branches[0])
		gt_error("%s: the repository has no branches (an empty repository?); push one or pass --branch",
			 r->url_shown);
	else if (target[0])
		gt_error("%s: HEAD names branch %s, which does not exist (branches: %s); pass --branch", r->url_shown,
			 target, branches);
	else
		gt_error("%s: cannot tell the default branch: HEAD names no branch that exists (branches: %s); "
			 "pass --branch",
			 r->url_shown, branches);
	return NULL;
}

/* ---- fetch ---- */

static void learn_default_branch(struct gt_repo *r, git_remote *remote)
{
	git_buf head = { 0 };
	if (git_remote_default_branch(&head, remote) == 0 && !strncmp(head.ptr, "refs/heads/", 11))
		snprintf(r->default_branch, sizeof(r->default_branch), "%s", head.ptr + 11);
	git_buf_dispose(&head);
}

/* origin/HEAD for later offline readers; only once its target exists, or prune trips on it. */
static void record_default_branch(struct gt_repo *r)
{
	char target[300];
	git_reference *ref = NULL;
	if (!r->default_branch[0])
		return;
	snprintf(target, sizeof(target), "refs/remotes/origin/%s", r->default_branch);
	git_reference_symbolic_create(&ref, r->git, "refs/remotes/origin/HEAD", target, 1, NULL);
	git_reference_free(ref);
}

int gt_repo_fetch(struct gt_repo *r)
{
	static char *specs[] = { "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*" };
	git_strarray refspecs = { specs, 2 };
	struct net_op op = { .r = r };
	git_remote *remote = NULL;
	git_remote_connect_options co;
	git_fetch_options fo;
	int rc = git_remote_create_anonymous(&remote, r->git, r->opts.url);
	if (rc < 0)
		return remote_error(r, &op, "fetch", rc);
	git_remote_connect_options_init(&co, GIT_REMOTE_CONNECT_OPTIONS_VERSION);
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	set_callbacks(&co.callbacks, &op);
	set_callbacks(&fo.callbacks, &op);
	co.proxy_opts.type = fo.proxy_opts.type = GIT_PROXY_AUTO;
	/* A redirect to another host is refused (libgit2 still follows one to the same host: then
	 * on_credentials refuses another port or scheme). */
	co.follow_redirects = fo.follow_redirects = GIT_REMOTE_REDIRECT_NONE;
	fo.prune = GIT_FETCH_PRUNE;
	fo.update_fetchhead = 0;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	gt_step("%s: fetch (user %s, %s)", r->url_shown, user_of(&r->opts, NULL),
		r->opts.password ? "with the token" : "no token");
	uint64_t t0 = gt_now_ns();
	gt_net_begin(timeout_of(r), max_refs_of(r), "--max-refs-size");
	progress_begin(&op.progress);
	rc = git_remote_connect_ext(remote, GIT_DIRECTION_FETCH, &co); /* the ref advertisement */
	if (rc == 0) {
		learn_default_branch(r, remote);
		op.cred_calls = 0;
		gt_net_phase(max_fetch_of(r), "--max-fetch-size");
		rc = git_remote_fetch(remote, &refspecs, &fo, "fetch");
	}
	progress_end(&op.progress);
	gt_net_end();
	if (rc < 0)
		remote_error(r, &op, "fetch", rc);
	else
		record_default_branch(r), r->fresh = false;
	if (rc == 0 && gt_verbose(GT_V_TIMES)) {
		char took[32], size[32];
		gt_detail("%s: fetched in %s: %u new objects, %s received%s%s", r->url_shown, gt_took(t0, took, sizeof(took)),
			  op.stats.received_objects, gt_size_str(op.stats.received_bytes, size, sizeof(size)),
			  r->default_branch[0] ? "; default branch " : "", r->default_branch);
	}
	free(op.other_origin);
	git_remote_free(remote);
	return rc < 0 ? -1 : 0;
}

int gt_repo_branch_tip(struct gt_repo *r, const char *branch, git_oid *out)
{
	char name[300];
	snprintf(name, sizeof(name), "refs/remotes/origin/%s", branch);
	if (git_reference_name_to_id(out, r->git, name) < 0) {
		gt_error("%s: no branch '%s'", r->url_shown, branch);
		return -1;
	}
	return 0;
}

/* ---- reading ---- */

static int lookup_entry(struct gt_repo *r, const git_oid *commit_id, const char *path, git_tree_entry **entry)
{
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	int rc = git_commit_lookup(&commit, r->git, commit_id);
	if (rc == 0)
		rc = git_commit_tree(&tree, commit);
	if (rc == 0)
		rc = git_tree_entry_bypath(entry, tree, path);
	git_tree_free(tree);
	git_commit_free(commit);
	return rc;
}

int gt_repo_read_file(struct gt_repo *r, const git_oid *commit, const char *path, char **buf, size_t *len)
{
	git_tree_entry *entry = NULL;
	git_blob *blob = NULL;
	int rc = lookup_entry(r, commit, path, &entry);
	if (rc == GIT_ENOTFOUND)
		return 1;
	if (rc == 0 && git_tree_entry_type(entry) != GIT_OBJECT_BLOB) {
		gt_error("%s: %s is a directory, not a file", r->url_shown, path);
		git_tree_entry_free(entry);
		return -1;
	}
	if (rc == 0)
		rc = git_blob_lookup(&blob, r->git, git_tree_entry_id(entry));
	git_tree_entry_free(entry);
	if (rc < 0) {
		const git_error *e = git_error_last();
		gt_error("%s: cannot read %s: %s", r->url_shown, path, e ? e->message : "unknown error");
		return -1;
	}
	*len = (size_t)git_blob_rawsize(blob);
	*buf = malloc(*len + 1);
	if (*buf) {
		memcpy(*buf, git_blob_rawcontent(blob), *len);
		(*buf)[*len] = '\0';
	}
	git_blob_free(blob);
	return *buf ? 0 : (gt_error("out of memory"), -1);
}

bool gt_repo_path_exists(struct gt_repo *r, const git_oid *commit, const char *path)
{
	git_tree_entry *entry = NULL;
	int rc = lookup_entry(r, commit, path, &entry);
	git_tree_entry_free(entry);
	return rc == 0;
}

bool gt_repo_path_is_file(struct gt_repo *r, const git_oid *commit, const char *path)
{
	git_tree_entry *entry = NULL;
	bool file = lookup_entry(r, commit, path, &entry) == 0 && git_tree_entry_type(entry) == GIT_OBJECT_BLOB;
	git_tree_entry_free(entry);
	return file;
}

/* ---- local repositories, revisions, path history ---- */

struct gt_repo *gt_repo_open_local(const char *dir)
{
	struct gt_git_opts none;
	memset(&none, 0, sizeof(none));
	if (init_libgit2(&none) < 0)
		return NULL;
	struct gt_repo *r = calloc(1, sizeof(*r));
	if (!r)
		return gt_error("out of memory"), NULL;
	r->lock_fd = -1;
	r->url_shown = strdup(dir);
	if (!r->url_shown || git_repository_open_ext(&r->git, dir, 0, NULL) < 0) {
		gt_error("%s: not inside a git repository; use --repo URL", dir);
		gt_repo_close(r);
		return NULL;
	}
	r->local = true;
	return r;
}

char *gt_local_origin_url(const char *dir)
{
	git_repository *g = NULL;
	git_remote *origin = NULL;
	char *url = NULL;
	struct gt_git_opts none;
	memset(&none, 0, sizeof(none));
	if (init_libgit2(&none) < 0)
		return NULL;
	if (git_repository_open_ext(&g, dir, 0, NULL) < 0)
		gt_error("%s: not inside a git repository; use --repo URL", dir);
	else if (git_remote_lookup(&origin, g, "origin") < 0 || !git_remote_url(origin))
		gt_error("%s: the repository has no remote 'origin'; use --repo URL", dir);
	else if (!(url = strdup(git_remote_url(origin))))
		gt_error("out of memory");
	git_remote_free(origin);
	git_repository_free(g);
	return url;
}

char *gt_tree_path_dup(const char *p)
{
	while (p && p[0] == '.' && p[1] == '/')
		p += 2;
	char *s = strdup(p ? p : "");
	size_t n = s ? strlen(s) : 0;
	while (n > 0 && s[n - 1] == '/')
		s[--n] = '\0';
	if (s && !strcmp(s, "."))
		s[0] = '\0';
	return s;
}

const char *gt_repo_url(const struct gt_repo *r)
{
	return r->url_shown;
}

/* A name as a ref: a fetched branch first (a cache's refs/heads are only staging), then local ones. */
static int resolve_ref(struct gt_repo *r, const char *rev, git_oid *out)
{
	static const char *const local_forms[] = { "refs/heads/%s", "refs/tags/%s", "refs/remotes/origin/%s", "%s" };
	static const char *const cache_forms[] = { "refs/remotes/origin/%s", "refs/tags/%s" };
	const char *const *forms = r->local ? local_forms : cache_forms;
	size_t n = r->local ? 4 : 2;
	char name[600];
	for (size_t i = 0; i < n; i++) {
		git_object *obj = NULL;
		snprintf(name, sizeof(name), forms[i], rev);
		git_reference *ref = NULL;
		int rc = git_reference_lookup(&ref, r->git, name);
		if (rc == 0) {
			rc = git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT);
			git_reference_free(ref);
			if (rc == 0) {
				git_oid_cpy(out, git_object_id(obj));
				git_object_free(obj);
				return 0;
			}
		}
	}
	return -1;
}

int gt_repo_resolve(struct gt_repo *r, const char *rev, git_oid *out)
{
	git_object *obj = NULL;
	if (resolve_ref(r, rev, out) == 0)
		return 0;
	/* HEAD of a cache means the remote's default branch. */
	if (!r->local && !strcmp(rev, "HEAD") && r->default_branch[0])
		return resolve_ref(r, r->default_branch, out);
	if (git_revparse_single(&obj, r->git, rev) == 0) {
		git_object *commit = NULL;
		int rc = git_object_peel(&commit, obj, GIT_OBJECT_COMMIT);
		git_object_free(obj);
		if (rc == 0) {
			git_oid_cpy(out, git_object_id(commit));
			git_object_free(commit);
			return 0;
		}
	}
	gt_error("%s: no such revision '%s'", r->url_shown, rev);
	return -1;
}

/* ---- committing ---- */

static git_filemode_t mode_of(git_tree *tree, const char *path)
{
	git_tree_entry *e = NULL;
	git_filemode_t mode = GIT_FILEMODE_BLOB;
	if (git_tree_entry_bypath(&e, tree, path) == 0)
		mode = git_tree_entry_filemode(e);
	git_tree_entry_free(e);
	return mode == GIT_FILEMODE_BLOB_EXECUTABLE ? mode : GIT_FILEMODE_BLOB;
}

static int fill_updates(struct gt_repo *r, git_tree *tree, const struct gt_plan *plan, git_tree_update *ups)
{
	for (size_t i = 0; i < plan->n_changes; i++) {
		const struct gt_file_change *c = &plan->changes[i];
		memset(&ups[i], 0, sizeof(ups[i]));
		ups[i].path = c->path;
		if (!c->data) {
			ups[i].action = GIT_TREE_UPDATE_REMOVE;
			continue;
		}
		ups[i].action = GIT_TREE_UPDATE_UPSERT;
		ups[i].filemode = mode_of(tree, c->path);
		if (git_blob_create_from_buffer(&ups[i].id, r->git, c->data, c->len) < 0)
			return -1;
	}
	return 0;
}

/* The tree the plan's changes apply to: the tip's, or the plan's own (a revert's result). */
static int start_tree(struct gt_repo *r, const struct gt_plan *plan, git_tree *tip_tree, git_tree **out)
{
	if (!plan->base_tree)
		return git_tree_dup(out, tip_tree);
	return git_tree_lookup(out, r->git, plan->base_tree);
}

/* 1 with *out the new commit, 0 when the tree would not change, -1 on error (printed). */
static int build_commit(struct gt_repo *r, const git_oid *tip, const struct gt_plan *plan,
			const struct gt_ident *who, const struct gt_ident *committer, git_oid *out)
{
	git_commit *parent = NULL;
	git_tree *tree = NULL, *base = NULL, *new_tree = NULL;
	git_signature *sig = NULL, *csig = NULL;
	git_oid tree_id;
	git_tree_update *ups = calloc(plan->n_changes ? plan->n_changes : 1, sizeof(*ups));
	int ret = -1;
	if (!ups || git_commit_lookup(&parent, r->git, tip) < 0 || git_commit_tree(&tree, parent) < 0 ||
	    start_tree(r, plan, tree, &base) < 0 || fill_updates(r, base, plan, ups) < 0 ||
	    git_tree_create_updated(&tree_id, r->git, base, plan->n_changes, ups) < 0)
		goto out;
	if (git_oid_equal(&tree_id, git_tree_id(tree))) {
		ret = 0;
		goto out;
	}
	const struct gt_ident *by = committer->name ? committer : who;
	if (git_tree_lookup(&new_tree, r->git, &tree_id) < 0 || git_signature_now(&sig, who->name, who->email) < 0 ||
	    git_signature_now(&csig, by->name, by->email) < 0)
		goto out;
	const git_commit *parents[] = { parent };
	if (git_commit_create(out, r->git, NULL, sig, csig, NULL, plan->message, new_tree, 1, parents) < 0)
		goto out;
	ret = 1;
out:
	if (ret < 0) {
		const git_error *e = git_error_last();
		gt_error("%s: cannot build the commit: %s", r->url_shown, e ? e->message : "out of memory");
	}
	git_signature_free(sig);
	git_signature_free(csig);
	git_tree_free(new_tree);
	git_tree_free(base);
	git_tree_free(tree);
	git_commit_free(parent);
	free(ups);
	return ret;
}

/* ---- pushing ---- */

enum push_outcome { PUSH_OK, PUSH_MOVED, PUSH_REJECTED, PUSH_ERROR };

static int set_ref(struct gt_repo *r, const char *prefix, const char *branch, const git_oid *id)
{
	char name[300];
	git_reference *ref = NULL;
	snprintf(name, sizeof(name), "%s%s", prefix, branch);
	int rc = git_reference_create(&ref, r->git, name, id, 1, NULL);
	git_reference_free(ref);
	return rc;
}

static enum push_outcome push_once(struct gt_repo *r, const char *branch, const git_oid *commit, char **status)
{
	struct net_op op = { .r = r };
	git_remote *remote = NULL;
	git_push_options po;
	char spec[600];
	char *specs[] = { spec };
	git_strarray refspecs = { specs, 1 };
	snprintf(spec, sizeof(spec), "refs/heads/%s:refs/heads/%s", branch, branch);
	/* libgit2 pushes refs, not object ids: stage the commit on a local branch. */
	if (set_ref(r, "refs/heads/", branch, commit) < 0 ||
	    git_remote_create_anonymous(&remote, r->git, r->opts.url) < 0) {
		remote_error(r, NULL, "push", -1);
		git_remote_free(remote);
		return PUSH_ERROR;
	}
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	set_callbacks(&po.callbacks, &op);
	po.proxy_opts.type = GIT_PROXY_AUTO;
	po.follow_redirects = GIT_REMOTE_REDIRECT_NONE; /* the token and the pack go to the URL given only */
	sigset_t saved;
	char id[GIT_OID_HEXSZ + 1], took[32], size[32];
	git_oid_tostr(id, sizeof(id), commit);
	gt_step("%s: push attempt %u: %.12s to %s", r->url_shown, r->attempt, id, branch);
	uint64_t t0 = gt_now_ns();
	interrupts_hold(true, &saved);
	/* A push receives the ref advertisement and the server's report: both within the refs' cap. */
	gt_net_begin(timeout_of(r), max_refs_of(r), "--max-refs-size");
	progress_begin(&op.progress);
	int rc = git_remote_push(remote, &refspecs, &po);
	progress_end(&op.progress);
	gt_net_end();
	interrupts_hold(false, &saved);
	git_remote_free(remote);
	gt_detail("%s: push attempt %u took %s, %s sent", r->url_shown, r->attempt, gt_took(t0, took, sizeof(took)),
		  gt_size_str(op.pushed_bytes, size, sizeof(size)));
	enum push_outcome out;
	if (rc == GIT_ENONFASTFORWARD)
		out = PUSH_MOVED, /* the tip moved before the server advertised its refs */
		gt_step("%s: push attempt %u refused: %s moved on the server before our push (not a fast-forward)",
			r->url_shown, r->attempt, branch);
	else if (rc < 0)
		out = (remote_error(r, &op, "push", rc), PUSH_ERROR);
	else if (op.push_status)
		out = PUSH_REJECTED; /* the caller tells a lost race from a refusal */
	else
		out = PUSH_OK, gt_step("%s: push attempt %u accepted: %s is at %.12s", r->url_shown, r->attempt, branch, id);
	free(op.other_origin);
	*status = op.push_status;
	return out;
}

/*
 * Exponential backoff with full jitter: a step of 100 ms doubling to 6.4 s, each wait anywhere in
 * 0..step, never past the deadline. Writers that lost a race spread out instead of colliding again
 * on the next tip (50 writers on one branch: about 8 attempts each instead of 10 with half jitter).
 */
static void backoff(const struct gt_repo *r, unsigned attempt)
{
	unsigned step = 100u << (attempt < 6 ? attempt : 6);
	unsigned ms = (unsigned)(rand() % (int)(step + 1));
	double left = left_of(r);
	if (left >= 0 && ms > left * 1000)
		ms = (unsigned)(left * 1000);
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void seed_jitter(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	/* unsigned: a pid above 32767 shifted as an int overflows (UBSan saw pid 286250) */
	srand((unsigned)ts.tv_nsec ^ ((unsigned)getpid() << 16));
}

static const char *resolve_branch(struct gt_repo *r, const struct gt_update_opts *o)
{
	return o->branch ? o->branch : gt_repo_default_branch_or_say(r);
}

/* After a push the server refused: a lost race if the branch moved, else a refusal (hook, policy). */
static int classify_refusal(struct gt_repo *r, const char *branch, const git_oid *tip, const char *status,
			    bool *moved)
{
	git_oid now;
	gt_step("%s: push attempt %u refused by the server: %s; reading %s again to tell a lost race from a refusal",
		r->url_shown, r->attempt, status, branch);
	if (gt_repo_fetch(r) < 0 || gt_repo_branch_tip(r, branch, &now) < 0)
		return -1;
	*moved = !git_oid_equal(&now, tip);
	if (!*moved)
		gt_error("%s: push to %s rejected: %s", r->url_shown, branch, status);
	else if (gt_verbose(GT_V_STEPS)) {
		char id[GIT_OID_HEXSZ + 1];
		git_oid_tostr(id, sizeof(id), &now);
		gt_step("%s: push attempt %u lost a race: %s moved to %.12s meanwhile", r->url_shown, r->attempt, branch, id);
	}
	return 0;
}

/* One attempt: plan, commit, push. 0 done, 1 retry, else a GT_EXIT_* code + 10. */
static int attempt_update(struct gt_repo *r, const char *branch, const struct gt_update_opts *o, gt_plan_fn plan_fn,
			  void *ctx, struct gt_update_result *res)
{
	git_oid tip, commit;
	struct gt_plan plan = { 0 };
	if (gt_repo_branch_tip(r, branch, &tip) < 0)
		return 10 + GT_EXIT_INPUT;
	git_oid_tostr(res->parent, sizeof(res->parent), &tip);
	r->attempt = res->attempts;
	gt_step("%s: branch %s is at %.12s (attempt %u)", r->url_shown, branch, res->parent, res->attempts);
	res->commit[0] = '\0';
	int p = plan_fn(r, &tip, ctx, &plan);
	if (p < 0)
		return 10 + GT_EXIT_INPUT;
	if (p == GT_PLAN_REFUSE)
		return 10 + GT_EXIT_DIFFERS;
	int built = p == 0 ? 0 : build_commit(r, &tip, &plan, &o->author, &o->committer, &commit);
	if (built < 0)
		return 10 + GT_EXIT_INPUT;
	if (built == 0)
		return gt_step("%s: nothing to change on %s", r->url_shown, branch), 0; /* a no-op, not an error */
	git_oid_tostr(res->commit, sizeof(res->commit), &commit);
	gt_step("%s: commit %.12s on %.12s, author %s <%s>%s", r->url_shown, res->commit, res->parent, o->author.name,
		o->author.email, o->dry_run ? " (--dry-run: not pushed)" : "");
	if (o->dry_run)
		return 0;
	if (gt_interrupted()) /* the last moment to stop with nothing pushed */
		return res->commit[0] = '\0', 10 + GT_EXIT_REMOTE;
	char *status = NULL;
	bool moved = true;
	enum push_outcome out = push_once(r, branch, &commit, &status);
	if (out == PUSH_REJECTED && classify_refusal(r, branch, &tip, status, &moved) < 0)
		out = PUSH_ERROR;
	free(status);
	if (out == PUSH_OK) {
		res->pushed = true;
		set_ref(r, "refs/remotes/origin/", branch, &commit);
		return 0;
	}
	if (out == PUSH_ERROR || !moved)
		return 10 + GT_EXIT_REMOTE;
	res->commit[0] = '\0';
	return 1;
}

int gt_repo_update(struct gt_repo *r, const struct gt_update_opts *o, gt_plan_fn plan_fn, void *ctx,
		   struct gt_update_result *res)
{
	unsigned max = o->max_attempts, total = o->timeout ? o->timeout : GT_GIT_DEFAULT_UPDATE_TIMEOUT;
	memset(res, 0, sizeof(*res));
	seed_jitter();
	/* Retries are bounded by time, not by a count: how many a busy branch needs depends on how many
	 * writers there are and how loaded the machine is, a deadline on what the caller can wait. */
	clock_gettime(CLOCK_MONOTONIC, &r->deadline);
	r->deadline.tv_sec += (time_t)total;
	if (gt_repo_fetch(r) < 0)
		return GT_EXIT_REMOTE;
	const char *branch = resolve_branch(r, o);
	if (!branch)
		return GT_EXIT_INPUT;
	snprintf(res->branch, sizeof(res->branch), "%s", branch);
	for (res->attempts = 1;; res->attempts++) {
		if (gt_interrupted())
			return GT_EXIT_REMOTE;
		int st = attempt_update(r, branch, o, plan_fn, ctx, res);
		if (st != 1)
			return st >= 10 ? st - 10 : GT_EXIT_OK;
		if ((max && res->attempts >= max) || left_of(r) <= 0)
			break;
		gt_debug("%s: %s moved while pushing; trying again (attempt %u, %.0f s left)", r->url_shown, branch,
			 res->attempts + 1, left_of(r));
		backoff(r, res->attempts);
		if (gt_interrupted() || gt_repo_fetch(r) < 0)
			return GT_EXIT_REMOTE;
	}
	if (max && res->attempts >= max)
		gt_error("%s: gave up after %u attempts: %s kept moving (--max-attempts)", r->url_shown, max, branch);
	else
		gt_error("%s: gave up after %u attempts in %u s: %s kept moving (--timeout)", r->url_shown, res->attempts,
			 total, branch);
	return GT_EXIT_REMOTE;
}

/* ---- ls-remote: a connection and the ref advertisement, nothing stored ---- */

static int ls_remote_heads(git_remote *remote, char **default_branch, git_oid *head)
{
	const git_remote_head **refs = NULL;
	size_t n = 0;
	git_buf branch = { 0 };
	if (git_remote_ls(&refs, &n, remote) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(refs[i]->name, "HEAD"))
			git_oid_cpy(head, &refs[i]->oid);
	if (git_remote_default_branch(&branch, remote) == 0 && !strncmp(branch.ptr, "refs/heads/", 11))
		*default_branch = strdup(branch.ptr + 11);
	git_buf_dispose(&branch);
	git_error_clear(); /* no HEAD (an empty repository) is an answer, not an error */
	return 0;
}

int gt_git_ls_remote(const struct gt_git_opts *o, char **default_branch, git_oid *head)
{
	struct gt_repo shown = { .opts = *o, .lock_fd = -1 };
	struct net_op op = { .r = &shown };
	git_remote *remote = NULL;
	git_remote_connect_options co;
	*default_branch = NULL;
	memset(head, 0, sizeof(*head));
	if (init_libgit2(o) < 0)
		return -1;
	if (!(shown.url_shown = gt_url_redact(o->url)))
		return gt_error("out of memory"), -1;
	int rc = git_remote_create_detached(&remote, o->url);
	if (rc == 0) {
		git_remote_connect_options_init(&co, GIT_REMOTE_CONNECT_OPTIONS_VERSION);
		set_callbacks(&co.callbacks, &op);
		co.proxy_opts.type = GIT_PROXY_AUTO;
		co.follow_redirects = GIT_REMOTE_REDIRECT_NONE; /* Argo CD follows none either */
		gt_step("%s: ls-remote (user %s, %s)", shown.url_shown, user_of(o, NULL), o->password ? "with the token" : "no token");
		uint64_t t0 = gt_now_ns();
		gt_net_begin(timeout_of(&shown), max_refs_of(&shown), "--max-refs-size");
		rc = git_remote_connect_ext(remote, GIT_DIRECTION_FETCH, &co);
		gt_net_end();
		char took[32];
		gt_detail("%s: ls-remote took %s", shown.url_shown, gt_took(t0, took, sizeof(took)));
	}
	if (rc == 0)
		rc = ls_remote_heads(remote, default_branch, head);
	if (rc < 0)
		remote_error(&shown, &op, "ls-remote", rc);
	git_remote_free(remote);
	free(op.other_origin);
	free(shown.url_shown);
	return rc < 0 ? -1 : 0;
}
