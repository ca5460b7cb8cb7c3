/* net: libgit2's standard stream (git2/sys/stream.h) over a non-blocking socket: every wait is a
 * poll bounded by the operation's deadline and broken off by an interrupting signal; every byte
 * received counts against the phase's cap. */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <git2/sys/stream.h> /* (git.h's libgit2) */
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "proc.h"

#define WAIT_SLICE_MS 250 /* no wait is longer: an interrupting signal is seen within it */

/* The operation in progress (one at a time: the tools are single-threaded). */
static struct {
	struct timespec deadline;
	double seconds;
	size_t max, received;
	const char *limit;
	enum gt_net_stop stop;
} op;

void gt_net_begin(double seconds, size_t max, const char *limit)
{
	op.seconds = seconds;
	op.deadline = gt_deadline_in(seconds);
	op.stop = GT_NET_GOING;
	gt_net_phase(max, limit);
}

void gt_net_phase(size_t max, const char *limit)
{
	op.max = max;
	op.limit = limit;
	op.received = 0;
}

void gt_net_end(void)
{
	op.deadline = (struct timespec){ 0, 0 };
}

enum gt_net_stop gt_net_stopped(void)
{
	return op.stop;
}

size_t gt_net_limit(void)
{
	return op.max;
}

const char *gt_net_limit_name(void)
{
	return op.limit ? op.limit : "";
}

double gt_net_seconds(void)
{
	return op.seconds;
}

/* libgit2's error for what this layer saw (git_error_set's printf form is not in every libgit2 1.x). */
static void set_error(int klass, const char *fmt, const char *a, const char *b)
{
	char msg[512];
	snprintf(msg, sizeof(msg), fmt, a, b);
	git_error_set_str(klass, msg);
}

/* Is it time to stop? Sets op.stop and libgit2's error when it is. */
static bool stopping(void)
{
	if (op.stop == GT_NET_GOING && gt_interrupted())
		op.stop = GT_NET_INTERRUPTED;
	else if (op.stop == GT_NET_GOING && gt_deadline_set(&op.deadline) && gt_seconds_left(&op.deadline) <= 0)
		op.stop = GT_NET_TIMED_OUT;
	if (op.stop == GT_NET_GOING)
		return false;
	git_error_set_str(GIT_ERROR_NET, op.stop == GT_NET_TIMED_OUT ? "timed out"
					 : op.stop == GT_NET_TOO_LARGE ? "the server sent too much"
								       : "interrupted");
	return true;
}

bool gt_net_should_stop(void)
{
	return op.stop != GT_NET_GOING || stopping();
}

static int slice_ms(void)
{
	if (!gt_deadline_set(&op.deadline))
		return WAIT_SLICE_MS;
	double ms = gt_seconds_left(&op.deadline) * 1000.0;
	return ms > WAIT_SLICE_MS ? WAIT_SLICE_MS : ms < 1 ? 1 : (int)ms;
}

/* Until fd is ready for events: 0, or -1 when the operation must stop (error set). */
static int wait_for(int fd, short events)
{
	for (;;) {
		if (stopping())
			return -1;
		struct pollfd p = { fd, events, 0 };
		int n = poll(&p, 1, slice_ms());
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR) {
			git_error_set_str(GIT_ERROR_OS, strerror(errno));
			return -1;
		}
	}
}

/* ---- resolving ---- */

/*
 * getaddrinfo blocks, within the system resolver's own timeout (resolv.conf: 5 s per try by
 * default); the deadline is checked as soon as it returns. (getaddrinfo_a would bound it by ours,
 * but its helper threads leave glibc state that memory checkers report at exit.)
 */
static int resolve(const char *host, const char *port, struct addrinfo **out)
{
	struct addrinfo hints;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_family = AF_UNSPEC;
	if (stopping())
		return -1;
	int e = getaddrinfo(host, port, &hints, out);
	if (e) {
		set_error(GIT_ERROR_NET, "failed to resolve address for %s: %s", host, gai_strerror(e));
		return -1;
	}
	if (stopping()) {
		freeaddrinfo(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* ---- the stream ---- */

struct net_stream {
	git_stream parent;
	char *host, *port;
	int fd;
};

/* A non-blocking connect to one address, within the deadline: the socket, or -1. */
static int connect_one(const struct addrinfo *a)
{
	int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
	if (fd < 0)
		return -1;
	if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
		return fd;
	int err = errno;
	if (err == EINPROGRESS && wait_for(fd, POLLOUT) == 0) {
		socklen_t len = sizeof(err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err == 0)
			return fd;
	}
	close(fd);
	errno = err;
	return -1;
}

static int net_connect(git_stream *stream)
{
	struct net_stream *s = (struct net_stream *)stream;
	struct addrinfo *info = NULL;
	if (resolve(s->host, s->port, &info) < 0)
		return -1;
	int err = 0;
	for (struct addrinfo *a = info; a && s->fd < 0 && op.stop == GT_NET_GOING; a = a->ai_next) {
		s->fd = connect_one(a);
		if (s->fd < 0)
			err = errno;
	}
	freeaddrinfo(info);
	if (s->fd >= 0)
		return 0;
	if (op.stop == GT_NET_GOING)
		set_error(GIT_ERROR_OS, "failed to connect to %s: %s", s->host, strerror(err ? err : ECONNREFUSED));
	return -1;
}

/*
 * -vvv: the smart-HTTP exchange as it goes, the request and status lines only (never a header:
 * the Authorization header carries the token). Over https the bytes here are TLS: nothing to show.
 */
static void raw_http(const char *dir, const char *data, size_t len, const char *start)
{
	size_t n = strlen(start);
	if (!gt_verbose(GT_V_RAW) || len < n || memcmp(data, start, n))
		return;
	size_t line = 0;
	while (line < len && line < 512 && data[line] != '\r' && data[line] != '\n')
		line++;
	gt_raw("http %s %.*s", dir, (int)line, data);
}

static bool is_request(const char *data, size_t len)
{
	return (len > 4 && !memcmp(data, "GET ", 4)) || (len > 5 && !memcmp(data, "POST ", 5));
}

static ssize_t net_read(git_stream *stream, void *data, size_t len)
{
	struct net_stream *s = (struct net_stream *)stream;
	for (;;) {
		if (wait_for(s->fd, POLLIN) < 0)
			return -1;
		ssize_t n = recv(s->fd, data, len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			set_error(GIT_ERROR_NET, "error receiving socket data: %s%s", strerror(errno), "");
			return -1;
		}
		raw_http("<", data, (size_t)n, "HTTP/1.");
		op.received += (size_t)n;
		if (op.received > op.max) {
			op.stop = GT_NET_TOO_LARGE;
			stopping();
			return -1;
		}
		return n;
	}
}

static ssize_t net_write(git_stream *stream, const char *data, size_t len, int flags)
{
	struct net_stream *s = (struct net_stream *)stream;
	(void)flags;
	if (is_request(data, len))
		raw_http(">", data, len, data[0] == 'G' ? "GET " : "POST ");
	for (;;) {
		if (wait_for(s->fd, POLLOUT) < 0)
			return -1;
		ssize_t n = send(s->fd, data, len, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			set_error(GIT_ERROR_NET, "error sending data: %s%s", strerror(errno), "");
		return n;
	}
}

static int net_close(git_stream *stream)
{
	struct net_stream *s = (struct net_stream *)stream;
	int r = s->fd >= 0 ? close(s->fd) : 0;
	s->fd = -1;
	return r;
}

static void net_free(git_stream *stream)
{
	struct net_stream *s = (struct net_stream *)stream;
	if (s->fd >= 0)
		close(s->fd);
	free(s->host);
	free(s->port);
	free(s);
}

static int net_stream_new(git_stream **out, const char *host, const char *port)
{
	struct net_stream *s = calloc(1, sizeof(*s));
	if (!s || !(s->host = strdup(host)) || !(s->port = strdup(port ? port : "80"))) {
		if (s)
			free(s->host);
		free(s);
		git_error_set_oom();
		return -1;
	}
	s->fd = -1;
	s->parent.version = GIT_STREAM_VERSION;
	s->parent.connect = net_connect;
	s->parent.read = net_read;
	s->parent.write = net_write;
	s->parent.close = net_close;
	s->parent.free = net_free;
	*out = &s->parent;
	return 0;
}

int gt_net_register(void)
{
	static git_stream_registration reg = { GIT_STREAM_VERSION, net_stream_new, NULL };
	if (git_stream_register(GIT_STREAM_STANDARD, &reg) < 0) {
		const git_error *e = git_error_last();
		gt_error("cannot set up the network: %s", e && e->message ? e->message : "unknown error");
		return -1;
	}
	return 0;
}
