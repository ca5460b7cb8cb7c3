/* net: the sockets libgit2 talks through, with what libgit2 1.5 lacks. Registered as its standard
 * stream, so http and https alike (TLS runs on top) get a deadline on connecting, every read
 * and every write (name resolution is bounded by the system resolver's own timeout); a cap on the bytes a server may send in each phase of an operation
 * (its ref advertisement, then the pack); and an end on SIGINT/SIGTERM. libgit2 calls no callback
 * while it reads the ref advertisement, so this is the only place that can stop a server that
 * streams refs forever. One network operation at a time per process. */
#ifndef GT_NET_H
#define GT_NET_H

#include <stdbool.h>
#include <stddef.h>

enum gt_net_stop {
	GT_NET_GOING,      /* not stopped */
	GT_NET_TIMED_OUT,  /* the deadline passed */
	GT_NET_TOO_LARGE,  /* the server sent more than the phase's cap */
	GT_NET_INTERRUPTED /* SIGINT, SIGTERM or SIGHUP (common/proc's gt_interrupted) */
};

/* Make libgit2 use these sockets; call after git_libgit2_init, once. -1 after printing. */
int gt_net_register(void);

/* An operation starts: its deadline seconds from now; the first phase may receive max bytes
 * (limit names the option for messages, e.g. "--max-refs-size"). */
void gt_net_begin(double seconds, size_t max, const char *limit);
/* The next phase of the operation (the pack after the refs): the count starts again. */
void gt_net_phase(size_t max, const char *limit);
void gt_net_end(void);

/* Why the current or last operation was stopped (GT_NET_GOING: it was not). */
enum gt_net_stop gt_net_stopped(void);
/* For libgit2's progress callbacks: past the deadline or interrupted (and remember why)? */
bool gt_net_should_stop(void);
/* The cap and the option of the phase that was stopped as too large. */
size_t gt_net_limit(void);
const char *gt_net_limit_name(void);
/* Seconds the operation was given. */
double gt_net_seconds(void);

#endif
