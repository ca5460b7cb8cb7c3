/* kube: run kubectl with the object on its standard input, capture what it
 * says, relay its errors as our own one-line messages. */
#include "kube.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "limits.h"
#include "proc.h"
#include "redact.h"

#define KUBE_MAX_STDERR ((size_t)64 << 10) /* beyond this kubectl's messages are cut */
/* kubectl makes a few requests per call (discovery, OpenAPI, the write), each
 * bounded by --request-timeout; the call as a whole gets this many of them. */
#define KUBE_CALL_TIMEOUTS 4

struct out_buf {
	char *data;
	size_t len, cap, max;
	bool truncated;
};

static void out_free(struct out_buf *b)
{
	if (b->data)
		memset(b->data, 0, b->cap); /* may hold what kubectl read back: Secret data */
	free(b->data);
}

/* One kubectl run: argv, what goes to its stdin, what came back. */
struct kube_run {
	char *const *argv;
	const char *in;
	size_t in_len;
	unsigned timeout;
	struct out_buf out, err;
	int status; /* from waitpid */
	bool timed_out;
};

/* Run kubectl (common/proc: its own process group, no token, a deadline); 0 when it ran to the end
 * (k->status says how), -1 after printing. The call ends by o->deadline whatever k->timeout says. */
static int run(const struct gt_kube_opts *o, struct kube_run *k)
{
	struct gt_proc p = { .argv = k->argv, .in = k->in, .in_len = k->in_len,
			     .max_out = GT_DEFAULT_MAX_DOC_BYTES, .max_err = KUBE_MAX_STDERR };
	p.deadline = gt_deadline_min(gt_deadline_in((double)k->timeout * KUBE_CALL_TIMEOUTS), o->deadline);
	int r = gt_proc_run(&p, "kubectl");
	k->status = p.status;
	k->timed_out = p.end == GT_PROC_TIMED_OUT;
	k->out = (struct out_buf){ p.out, p.out_len, p.out_len + 1, GT_DEFAULT_MAX_DOC_BYTES, false };
	k->err = (struct out_buf){ p.err, p.err_len, p.err_len + 1, KUBE_MAX_STDERR, false };
	if (r == 0)
		return 0;
	if (p.end == GT_PROC_TIMED_OUT && gt_deadline_set(&o->deadline) &&
	    gt_seconds_left(&o->deadline) <= 0)
		gt_error("kubectl did not finish within the time left of --timeout");
	else if (p.end == GT_PROC_TIMED_OUT)
		gt_error("kubectl did not finish within %u s (--timeout)", k->timeout * KUBE_CALL_TIMEOUTS);
	else if (p.end == GT_PROC_TOO_LARGE)
		gt_error("kubectl: its answer is larger than %zu bytes", (size_t)GT_DEFAULT_MAX_DOC_BYTES);
	else if (p.end == GT_PROC_INTERRUPTED)
		gt_error("kubectl: interrupted (signal %d)", gt_interrupted());
	return -1;
}

/* kubectl's stderr, one message per line, secrets masked. */
static void relay(const struct gt_kube_opts *o, struct out_buf *err, bool failed)
{
	char *save = NULL;
	if (!err->data)
		return;
	for (char *line = strtok_r(err->data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		gt_redact_secret(line, o->secret);
		if (failed)
			gt_error("kubectl: %s", line);
		else
			gt_warn("kubectl: %s", line);
	}
}

static bool succeeded(const struct gt_kube_opts *o, struct kube_run *k)
{
	bool ok = WIFEXITED(k->status) && WEXITSTATUS(k->status) == 0;
	relay(o, &k->err, !ok);
	if (!ok && k->err.len == 0)
		gt_error("kubectl failed (%s %d)", WIFEXITED(k->status) ? "exit status" : "signal",
			 WIFEXITED(k->status) ? WEXITSTATUS(k->status) : WTERMSIG(k->status));
	return ok;
}

/* The flags every call has: namespace and request timeout. buf holds their text. */
static size_t common_args(const struct gt_kube_opts *o, char **argv, size_t n, char buf[2][300])
{
	unsigned t = o->timeout ? o->timeout : GT_KUBE_DEFAULT_TIMEOUT;
	snprintf(buf[0], sizeof(buf[0]), "--request-timeout=%us", t);
	argv[n++] = buf[0];
	if (o->namespace) {
		snprintf(buf[1], sizeof(buf[1]), "--namespace=%s", o->namespace);
		argv[n++] = buf[1];
	}
	return n;
}

int gt_kube_apply(const struct gt_kube_opts *o, const json_t *obj)
{
	char manager[300], common[2][300];
	char *argv[16] = { "kubectl", "apply", "--server-side", manager };
	size_t n = 4;
	snprintf(manager, sizeof(manager), "--field-manager=%s", o->field_manager ? o->field_manager : gt_program());
	if (o->force_conflicts)
		argv[n++] = "--force-conflicts";
	n = common_args(o, argv, n, common);
	argv[n++] = "--filename=-";
	argv[n++] = "--output=name";
	char *body = json_dumps(obj, JSON_COMPACT);
	if (!body)
		return gt_error("out of memory"), -1;
	struct kube_run k = { .argv = argv, .in = body, .in_len = strlen(body) };
	k.timeout = o->timeout ? o->timeout : GT_KUBE_DEFAULT_TIMEOUT;
	int r = run(o, &k) < 0 || !succeeded(o, &k) ? -1 : 0;
	memset(body, 0, k.in_len); /* it may be a Secret */
	free(body);
	out_free(&k.out);
	out_free(&k.err);
	return r;
}

int gt_kube_get(const struct gt_kube_opts *o, const char *resource, const char *name, json_t **out)
{
	char common[2][300];
	char *argv[16] = { "kubectl", "get", (char *)resource };
	size_t n = 3;
	*out = NULL;
	if (name) {
		argv[n++] = (char *)name;
		argv[n++] = "--ignore-not-found";
	}
	n = common_args(o, argv, n, common);
	argv[n++] = "--output=json";
	struct kube_run k = { .argv = argv };
	k.timeout = o->timeout ? o->timeout : GT_KUBE_DEFAULT_TIMEOUT;
	int r = run(o, &k) < 0 || !succeeded(o, &k) ? -1 : 0;
	if (r == 0 && k.out.truncated) {
		gt_error("kubectl get %s: the answer is larger than %zu bytes", resource, k.out.max);
		r = -1;
	}
	if (r == 0 && k.out.len > 0) {
		json_error_t e;
		*out = json_loadb(k.out.data, k.out.len, 0, &e);
		if (!*out) {
			gt_error("kubectl get %s: unreadable answer: %s", resource, e.text);
			r = -1;
		}
	}
	out_free(&k.out);
	out_free(&k.err);
	return r;
}

/* ---- gitops-health: the live state of many named objects, one kubectl call ------------------ */

/* {apiVersion, kind, metadata: {name, namespace}} of obj, the namespace defaulted to ns. */
static json_t *name_only_new(const json_t *obj, const char *ns)
{
	const json_t *meta = json_object_get(obj, "metadata");
	const char *obj_ns = json_string_value(json_object_get(meta, "namespace"));
	json_t *m = json_pack("{s:O?}", "name", json_object_get(meta, "name"));
	if (m && (obj_ns || ns))
		json_object_set_new(m, "namespace", json_string(obj_ns ? obj_ns : ns));
	return json_pack("{s:O?, s:O?, s:o?}", "apiVersion", json_object_get(obj, "apiVersion"), "kind",
			 json_object_get(obj, "kind"), "metadata", m);
}

/* The names as JSON Lines for kubectl's stdin; NULL when out of memory. */
static char *names_new(const struct gt_kube_opts *o, const json_t *want)
{
	size_t i, len = 0;
	const json_t *obj;
	char *all = NULL;
	json_array_foreach(want, i, obj) {
		json_t *n = name_only_new(obj, o->namespace);
		char *line = n ? json_dumps(n, JSON_COMPACT) : NULL, *grown;
		json_decref(n);
		if (!line || !(grown = realloc(all, len + strlen(line) + 2)))
			return free(line), free(all), NULL;
		all = grown;
		len += (size_t)sprintf(all + len, "%s\n", line);
		free(line);
	}
	return all;
}

/* kubectl names a kind it cannot map on two lines; both mean "absent", not a failure. */
static bool only_unmapped_kinds(const struct out_buf *err)
{
	const char *p = err->data ? err->data : "";
	if (!*p)
		return false;
	while (*p) {
		size_t n = strcspn(p, "\n");
		if (strncmp(p, "error: resource mapping not found for name:", 43) &&
		    strncmp(p, "ensure CRDs are installed first", 31))
			return false;
		p += n + (p[n] == '\n');
	}
	return true;
}

/* A klog line ("E1203 07:29:30.387562   22853 memcache.go:265] ..."): kubectl's client-go logging. */
static bool is_klog_line(const char *p)
{
	unsigned mmdd, hh, mm, ss;
	char lvl, end;
	return sscanf(p, "%c%4u %2u:%2u:%2u.%*u %*u %*[^:]:%*u%c", &lvl, &mmdd, &hh, &mm, &ss, &end) == 6 &&
	       strchr("IWEF", lvl) && end == ']';
}

/*
 * kubectl get -f repeats "connection refused" once per object it could not
 * map, after client-go's klog lines saying the same: keep each line once, and
 * the klog lines only when nothing else explains the failure.
 */
static void tidy_messages(struct out_buf *err)
{
	char *r = err->data, *w = err->data;
	bool plain = false;
	if (!r)
		return;
	for (char *p = r; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n'))
		plain |= !is_klog_line(p);
	while (*r) {
		size_t n = strcspn(r, "\n") + (r[strcspn(r, "\n")] == '\n'); /* with its newline */
		bool drop = plain && is_klog_line(r);
		for (char *p = err->data; p < w && !drop; p += strcspn(p, "\n") + 1)
			drop = strcspn(p, "\n") + 1 == n && !memcmp(p, r, n);
		if (!drop) {
			memmove(w, r, n);
			w += n;
		}
		r += n;
	}
	*w = '\0';
	err->len = (size_t)(w - err->data);
}

/* kubectl get -f prints a List; one object alone, or nothing when none exist, are read too. */
static int found_objects(const char *data, size_t len, json_t **out)
{
	json_error_t e;
	json_t *v = len ? json_loadb(data, len, 0, &e) : json_array();
	if (!v)
		return gt_error("kubectl get: unreadable answer: %s", e.text), -1;
	if (json_is_array(json_object_get(v, "items"))) {
		*out = json_incref(json_object_get(v, "items"));
		json_decref(v);
	} else if (json_is_object(v)) {
		*out = json_array();
		json_array_append_new(*out, v);
	} else {
		*out = v;
	}
	return 0;
}

int gt_kube_get_present(const struct gt_kube_opts *o, const json_t *want, json_t **out)
{
	char timeout[64];
	unsigned t = o->timeout ? o->timeout : GT_KUBE_DEFAULT_TIMEOUT;
	/* No --namespace: kubectl refuses an object whose namespace differs from it. */
	char *argv[] = { "kubectl", "get", "--filename=-", "--ignore-not-found", "--output=json", timeout, NULL };
	*out = NULL;
	if (json_array_size(want) == 0)
		return (*out = json_array()) ? 0 : -1;
	snprintf(timeout, sizeof(timeout), "--request-timeout=%us", t);
	char *names = names_new(o, want);
	if (!names)
		return gt_error("out of memory"), -1;
	struct kube_run k = { .argv = argv, .in = names, .in_len = strlen(names), .timeout = t };
	int r = run(o, &k);
	if (r == 0) {
		bool exited = WIFEXITED(k.status);
		if (exited && WEXITSTATUS(k.status) != 0 && only_unmapped_kinds(&k.err))
			gt_debug("kubectl: %s", k.err.data);
		else if (tidy_messages(&k.err), !succeeded(o, &k))
			r = -1;
	}
	if (r == 0 && k.out.truncated)
		r = -1, gt_error("kubectl get: the answer is larger than %zu bytes", k.out.max);
	if (r == 0)
		r = found_objects(k.out.data, k.out.len, out);
	free(names);
	out_free(&k.out);
	out_free(&k.err);
	return r;
}

/* ---- gitops-diff: batch reads and the server-side dry run -------------------------------------- */

/* kubectl's -o json answer as an array: a List's items, or the one object. NULL after printing. */
static json_t *answer_items(const char *what, struct out_buf *out)
{
	if (out->truncated) {
		gt_error("kubectl %s: the answer is larger than %zu bytes", what, out->max);
		return NULL;
	}
	if (out->len == 0 || strspn(out->data, " \t\r\n") == out->len)
		return json_array();
	json_error_t e;
	json_t *v = json_loadb(out->data, out->len, 0, &e);
	if (!json_is_object(v)) {
		gt_error("kubectl %s: unreadable answer: %s", what, v ? "not an object" : e.text);
		json_decref(v);
		return NULL;
	}
	const char *kind = json_string_value(json_object_get(v, "kind"));
	json_t *items = json_object_get(v, "items");
	if (kind && strlen(kind) >= 4 && !strcmp(kind + strlen(kind) - 4, "List") && json_is_array(items)) {
		json_incref(items);
		json_decref(v);
		return items;
	}
	json_t *a = json_array();
	json_array_append_new(a, v);
	return a;
}

/* objs as one kubectl input document: {"apiVersion":"v1","kind":"List","items":objs}; caller frees (and wipes). */
static char *list_body_new(const json_t *objs)
{
	json_t *list = json_pack("{s:s, s:s, s:O}", "apiVersion", "v1", "kind", "List", "items", objs);
	char *body = list ? json_dumps(list, JSON_COMPACT) : NULL;
	json_decref(list);
	return body;
}

/* kubectl's "no matches for kind" (a CRD not installed yet): its objects cannot exist, nothing failed. */
static bool only_unknown_kinds(const struct out_buf *err)
{
	if (!err->data)
		return false;
	bool any = false;
	for (const char *line = err->data; *line;) {
		size_t n = strcspn(line, "\n");
		if (n) {
			char buf[1024];
			snprintf(buf, sizeof(buf), "%.*s", (int)(n < sizeof(buf) - 1 ? n : sizeof(buf) - 1), line);
			if (!strstr(buf, "no matches for kind") && !strstr(buf, "resource mapping not found"))
				return false;
			any = true;
		}
		line += n + (line[n] == '\n');
	}
	return any;
}

/* The server answered, and said no: the request was invalid or not allowed (not: unreachable, failing). */
static bool only_refusals(const struct out_buf *err)
{
	static const char *const refusals[] = { "is invalid", "(Invalid)", "(BadRequest)", "is forbidden",
						"(Forbidden)", "no matches for kind", "resource mapping not found",
						"ensure CRDs are installed" };
	if (!err->data)
		return false;
	bool any = false;
	for (const char *line = err->data; *line;) {
		size_t n = strcspn(line, "\n");
		bool known = n == 0;
		for (size_t i = 0; !known && i < sizeof(refusals) / sizeof(refusals[0]); i++) {
			const char *hit = strstr(line, refusals[i]);
			known = hit && hit < line + n;
		}
		if (!known)
			return false;
		any = any || n > 0;
		line += n + (line[n] == '\n');
	}
	return any;
}

enum tolerate { TOLERATE_NOTHING = 0, TOLERATE_UNKNOWN_KINDS = 1, TOLERATE_REFUSALS = 2 };

/* Run argv with body on stdin; 0 with *out the answer's items, 1 (with *out NULL) when refusals are
 * tolerated and that is all kubectl reported (relayed as warnings), -1 after relaying. */
static int run_for_items(const struct gt_kube_opts *o, char **argv, const char *what, char *body, json_t **out,
			 enum tolerate tolerate)
{
	struct kube_run k = { .argv = argv, .in = body, .in_len = body ? strlen(body) : 0 };
	k.timeout = o->timeout ? o->timeout : GT_KUBE_DEFAULT_TIMEOUT;
	*out = NULL;
	int r = run(o, &k);
	if (r == 0) {
		bool ok = WIFEXITED(k.status) && WEXITSTATUS(k.status) == 0;
		if (!ok && (tolerate & TOLERATE_UNKNOWN_KINDS) && only_unknown_kinds(&k.err)) {
			gt_debug("kubectl %s: some kinds are not known to the cluster (yet): no live objects for them", what);
		} else if (!ok && (tolerate & TOLERATE_REFUSALS) && only_refusals(&k.err)) {
			relay(o, &k.err, false);
			r = 1;
		} else if (!succeeded(o, &k)) {
			r = -1;
		}
	}
	if (r == 0 && !(*out = answer_items(what, &k.out)))
		r = -1;
	if (body)
		memset(body, 0, k.in_len); /* it may hold Secrets */
	out_free(&k.out);
	out_free(&k.err);
	return r;
}

/* Only what kubectl get needs to find an object: no data, no Secret values on a pipe. */
static json_t *identity_new(const json_t *obj)
{
	const json_t *meta = json_object_get(obj, "metadata");
	json_t *m = json_object();
	json_t *id = json_pack("{s:O?, s:O?, s:o}", "apiVersion", json_object_get(obj, "apiVersion"), "kind",
			       json_object_get(obj, "kind"), "metadata", m);
	if (!id)
		return NULL;
	json_t *name = json_object_get(meta, "name"), *ns = json_object_get(meta, "namespace");
	if (json_is_string(name))
		json_object_set(m, "name", name);
	if (json_is_string(ns) && json_string_length(ns))
		json_object_set(m, "namespace", ns);
	return id;
}

int gt_kube_get_objects(const struct gt_kube_opts *o, const json_t *want, json_t **out)
{
	json_t *ids = json_array(), *obj;
	size_t i;
	json_array_foreach(want, i, obj) json_array_append_new(ids, identity_new(obj));
	char *body = list_body_new(ids);
	json_decref(ids);
	if (!body)
		return gt_error("out of memory"), -1;
	char common[2][300];
	char *argv[16] = { "kubectl", "get", "--filename=-", "--ignore-not-found" };
	size_t n = common_args(o, argv, 4, common);
	argv[n++] = "--output=json";
	int r = run_for_items(o, argv, "get", body, out, TOLERATE_UNKNOWN_KINDS);
	free(body);
	return r;
}

/* Listable kinds as kubectl names them ("deployments.apps"), comma-joined; events left out (never tracked). */
static char *listable_kinds_new(const struct gt_kube_opts *o)
{
	char common[2][300];
	char *argv[16] = { "kubectl", "api-resources", "--verbs=list", "--output=name" };
	size_t n = common_args(o, argv, 4, common);
	(void)n;
	struct kube_run k = { .argv = argv };
	k.timeout = o->timeout ? o->timeout : GT_KUBE_DEFAULT_TIMEOUT;
	char *kinds = NULL;
	if (run(o, &k) == 0 && succeeded(o, &k)) {
		kinds = calloc(1, k.out.len + 1);
		char *save = NULL, *w = kinds;
		for (char *l = k.out.data ? strtok_r(k.out.data, "\n", &save) : NULL; kinds && l;
		     l = strtok_r(NULL, "\n", &save)) {
			if (!strcmp(l, "events") || !strcmp(l, "events.events.k8s.io"))
				continue;
			w += sprintf(w, "%s%s", w == kinds ? "" : ",", l);
		}
	}
	out_free(&k.out);
	out_free(&k.err);
	return kinds;
}

/* Every object of every listable kind in all namespaces (matching selector when not NULL): two kubectl calls. */
static int list_everything(const struct gt_kube_opts *o, const char *selector, json_t **items)
{
	*items = NULL;
	char *kinds = listable_kinds_new(o);
	if (!kinds)
		return -1;
	if (!*kinds) {
		free(kinds);
		return *items = json_array(), 0;
	}
	char common[2][300], sel[1024];
	char *argv[16] = { "kubectl", "get", kinds, "--all-namespaces" };
	struct gt_kube_opts all = *o;
	all.namespace = NULL; /* --all-namespaces and --namespace together would narrow it again */
	size_t n = common_args(&all, argv, 4, common);
	if (selector) {
		snprintf(sel, sizeof(sel), "--selector=%s", selector);
		argv[n++] = sel;
	}
	argv[n++] = "--output=json";
	int r = run_for_items(o, argv, "get", NULL, items, TOLERATE_NOTHING);
	free(kinds);
	return r < 0 ? -1 : 0;
}

int gt_kube_list_labelled(const struct gt_kube_opts *o, const char *selector, json_t **out)
{
	return list_everything(o, selector, out);
}

int gt_kube_list_annotated(const struct gt_kube_opts *o, const char *key, json_t **out)
{
	*out = NULL;
	json_t *items = NULL;
	if (list_everything(o, NULL, &items) < 0)
		return -1;
	json_t *keep = json_array(), *obj;
	size_t i;
	json_array_foreach(items, i, obj) {
		json_t *ann = json_object_get(json_object_get(obj, "metadata"), "annotations");
		if (json_object_get(ann, key))
			json_array_append(keep, obj);
	}
	json_decref(items);
	*out = keep;
	return 0;
}

int gt_kube_dry_run_apply(const struct gt_kube_opts *o, const json_t *objs, json_t **out)
{
	char *body = list_body_new(objs);
	if (!body)
		return gt_error("out of memory"), -1;
	char manager[300], common[2][300];
	char *argv[16] = { "kubectl", "apply", "--server-side", "--dry-run=server", "--force-conflicts", manager };
	snprintf(manager, sizeof(manager), "--field-manager=%s",
		 o->field_manager ? o->field_manager : GT_APPLY_FIELD_MANAGER);
	size_t n = common_args(o, argv, 6, common);
	argv[n++] = "--filename=-";
	argv[n++] = "--output=json";
	int r = run_for_items(o, argv, "apply --dry-run=server", body, out, TOLERATE_REFUSALS);
	free(body);
	return r;
}

int gt_kube_context_namespace(const struct gt_kube_opts *o, char **ns)
{
	*ns = NULL;
	if (o->namespace && *o->namespace)
		return (*ns = strdup(o->namespace)) ? 0 : -1;
	char *argv[] = { "kubectl", "config", "view", "--minify", "--output=jsonpath={..namespace}", NULL };
	struct kube_run k = { .argv = argv };
	k.timeout = o->timeout ? o->timeout : GT_KUBE_DEFAULT_TIMEOUT;
	int r = run(o, &k) == 0 && succeeded(o, &k) ? 0 : -1;
	if (r == 0) {
		size_t n = k.out.data ? strcspn(k.out.data, " \t\r\n") : 0;
		*ns = n ? strndup(k.out.data, n) : strdup("default");
		if (!*ns)
			r = -1;
	}
	out_free(&k.out);
	out_free(&k.err);
	return r;
}

/* ==== gitops-apply: batched apply and delete, CRD wait, live reads (owned by gitops-apply) ==== */

#include <ctype.h>
#include <strings.h>

#include "obj.h"

#define AP_MAX_ARGS 16

void gt_kube_outcomes_clear(struct gt_kube_outcome *out, size_t n)
{
	for (size_t i = 0; out && i < n; i++) {
		free(out[i].message);
		out[i].message = NULL;
	}
}

/* Slack between kubectl's own --request-timeout and our deadline on the process: time for it to print what happened. */
#define AP_BUDGET_SLACK 2

/* Every kubectl run of a batch ends within about budget_s: run() allows KUBE_CALL_TIMEOUTS request timeouts. */
static void ap_set_budget(struct kube_run *k, const struct gt_kube_opts *o, unsigned budget_s)
{
	unsigned t = budget_s ? budget_s + AP_BUDGET_SLACK
			      : (o->timeout ? o->timeout : GT_KUBE_DEFAULT_TIMEOUT) * KUBE_CALL_TIMEOUTS;
	k->timeout = (t + KUBE_CALL_TIMEOUTS - 1) / KUBE_CALL_TIMEOUTS;
	if (k->timeout == 0)
		k->timeout = 1;
}

/* --request-timeout: a hung request must not outlive the budget (kubectl has no timeout of its own), and
 * kubectl must time out before we stop it, so that it says which objects it applied. */
static void ap_request_timeout_arg(const struct gt_kube_opts *o, unsigned budget_s, char buf[64])
{
	unsigned t = o->timeout ? o->timeout : GT_KUBE_DEFAULT_TIMEOUT;
	if (budget_s && budget_s < t + 1)
		t = budget_s > 1 ? budget_s - 1 : 1;
	snprintf(buf, 64, "--request-timeout=%us", t ? t : 1);
}

/* "deployment.apps" / "configmap": how kubectl -o name spells a type, and what kubectl get accepts. */
static char *ap_type_name_new(const struct gt_ref *ref)
{
	size_t kl = strlen(ref->kind), gl = strlen(ref->group);
	char *s = malloc(kl + gl + 2);
	if (!s)
		return NULL;
	for (size_t i = 0; i < kl; i++)
		s[i] = (char)tolower((unsigned char)ref->kind[i]);
	s[kl] = '\0';
	if (gl)
		s[kl] = '.', memcpy(s + kl + 1, ref->group, gl + 1);
	return s;
}

/* "deployment.apps/my-app": one line of kubectl's -o name output. */
static char *ap_name_key_new(const json_t *obj)
{
	struct gt_ref ref;
	if (gt_obj_ref(obj, &ref, NULL) < 0)
		return NULL;
	char *type = ap_type_name_new(&ref);
	if (!type)
		return NULL;
	size_t n = strlen(type) + strlen(ref.name) + 2;
	char *key = malloc(n);
	if (key)
		snprintf(key, n, "%s/%s", type, ref.name);
	free(type);
	return key;
}

static bool ap_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* klog's "E1128 11:14:51.032721 8931 memcache.go:265] ...": noise in front of the real error. */
static bool ap_is_klog_line(const char *l)
{
	return strchr("IWEF", l[0]) && l[0] && isdigit((unsigned char)l[1]) && isdigit((unsigned char)l[2]) &&
	       isdigit((unsigned char)l[3]) && isdigit((unsigned char)l[4]) && l[5] == ' ';
}

/*
 * kubectl's stderr as one line: errors joined with "; ", secrets masked; warnings
 * relayed on our stderr, klog noise and the 10-line help kubectl appends to every
 * 409 dropped (the conflict line itself names the field and the manager).
 */
static char *ap_error_text_new(const struct gt_kube_opts *o, const struct out_buf *err, bool relay_warnings)
{
	size_t cap = err->len + 1, len = 0;
	char *copy = malloc(cap), *text = malloc(cap), *save = NULL;
	bool in_help = false;
	if (!copy || !text)
		return free(copy), free(text), NULL;
	memcpy(copy, err->data ? err->data : "", err->len);
	copy[err->len] = '\0';
	text[0] = '\0';
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		gt_redact_secret(l, o->secret);
		if (in_help) {
			in_help = !ap_starts_with(l, "See https://kubernetes.io/docs/reference/using-api/server-side-apply");
			continue;
		}
		if (ap_starts_with(l, "Please review the fields above")) {
			in_help = true;
			continue;
		}
		if (ap_starts_with(l, "Warning: ")) {
			if (relay_warnings)
				gt_warn("kubectl: %s", l);
			continue;
		}
		if (ap_is_klog_line(l) || !*l)
			continue;
		size_t n = strlen(l);
		if (len)
			memcpy(text + len, "; ", 2), len += 2;
		if (len + n + 1 > cap)
			n = cap - len - 1;
		memcpy(text + len, l, n);
		len += n;
		text[len] = '\0';
	}
	memset(copy, 0, err->len);
	free(copy);
	return text;
}

bool gt_kube_message_unreachable(const char *m)
{
	return m && (strstr(m, "Unable to connect to the server") || strstr(m, "was refused - did you specify") ||
		     strstr(m, "You must be logged in to the server") || strstr(m, "no such host") ||
		     strstr(m, "did not finish within"));
}

bool gt_kube_message_forbidden(const char *m)
{
	return m && (strstr(m, "(Forbidden)") || strstr(m, "is forbidden: User"));
}

/* Worth one more try: the write may not have landed, or the server may answer next time. */
static bool ap_message_transient(const char *m)
{
	return m && (strstr(m, "Unable to connect to the server") || strstr(m, "connection reset") ||
		     strstr(m, "(InternalError)") || strstr(m, "(ServiceUnavailable)") || strstr(m, "(TooManyRequests)") ||
		     strstr(m, "(Timeout)") || strstr(m, "unexpected EOF") || strstr(m, "deadline exceeded") ||
		     strstr(m, "did not finish within"));
}

/* The verb of a batch: what argv kubectl gets, and what goes to its standard input. */
enum ap_batch_verb { AP_BATCH_APPLY, AP_BATCH_DELETE };

/* Only identity for delete: nothing else (a Secret's data) needs to leave the process. */
static json_t *ap_identity_of(const json_t *obj)
{
	json_t *meta = json_object_get(obj, "metadata"), *m = json_object();
	json_t *id = json_pack("{s:O,s:O,s:o}", "apiVersion", json_object_get(obj, "apiVersion"), "kind",
			       json_object_get(obj, "kind"), "metadata", m);
	if (!id)
		return NULL;
	json_object_set(m, "name", json_object_get(meta, "name"));
	if (json_is_string(json_object_get(meta, "namespace")))
		json_object_set(m, "namespace", json_object_get(meta, "namespace"));
	return id;
}

/* A v1 List of objs[idx[0..m)] as compact JSON; caller wipes and frees (a Secret may be in it). */
static char *ap_list_body_new(enum ap_batch_verb verb, json_t *const *objs, const size_t *idx, size_t m)
{
	json_t *items = json_array();
	for (size_t i = 0; items && i < m; i++) {
		if (verb == AP_BATCH_DELETE)
			json_array_append_new(items, ap_identity_of(objs[idx[i]]));
		else
			json_array_append(items, objs[idx[i]]);
	}
	json_t *list = items ? json_pack("{s:s,s:s,s:o}", "apiVersion", "v1", "kind", "List", "items", items) : NULL;
	char *body = list ? json_dumps(list, JSON_COMPACT) : NULL;
	json_decref(list);
	return body;
}

/* Run one kubectl for objs[idx[0..m)]; k holds what came back. 0 when kubectl ran, -1 after printing. */
static int ap_batch_run(const struct gt_kube_opts *o, enum ap_batch_verb verb, json_t *const *objs, const size_t *idx,
		     size_t m, unsigned budget_s, struct kube_run *k)
{
	char manager[300], rt[64], ns[300];
	char *argv[AP_MAX_ARGS] = { "kubectl" };
	size_t n = 1;
	ap_request_timeout_arg(o, budget_s, rt);
	if (verb == AP_BATCH_APPLY) {
		snprintf(manager, sizeof(manager), "--field-manager=%s", o->field_manager ? o->field_manager : gt_program());
		argv[n++] = "apply", argv[n++] = "--server-side", argv[n++] = manager;
		if (o->force_conflicts)
			argv[n++] = "--force-conflicts";
	} else {
		argv[n++] = "delete", argv[n++] = "--wait=false", argv[n++] = "--ignore-not-found";
	}
	argv[n++] = rt;
	if (o->namespace) {
		snprintf(ns, sizeof(ns), "--namespace=%s", o->namespace);
		argv[n++] = ns;
	}
	argv[n++] = "--filename=-";
	argv[n++] = "--output=name";
	char *body = ap_list_body_new(verb, objs, idx, m);
	if (!body)
		return gt_error("out of memory"), -1;
	memset(k, 0, sizeof(*k));
	k->argv = argv;
	k->in = body;
	k->in_len = strlen(body);
	ap_set_budget(k, o, budget_s);
	int r = run(o, k);
	memset(body, 0, k->in_len);
	free(body);
	return r;
}

static bool ap_exited_ok(const struct kube_run *k)
{
	return WIFEXITED(k->status) && WEXITSTATUS(k->status) == 0;
}

/*
 * Which of objs[idx[0..m)] kubectl confirmed: a name printed at least as often as
 * objects of that name were sent. Same-named objects in two namespaces that were
 * confirmed fewer times are ambiguous and count as not confirmed. confirmed[i] per idx.
 */
static int ap_match_confirmed(json_t *const *objs, const size_t *idx, size_t m, const struct out_buf *out,
			   bool *confirmed)
{
	json_t *sent = json_object(), *seen = json_object();
	char *copy = out->data ? strdup(out->data) : strdup(""), *save = NULL;
	int r = sent && seen && copy ? 0 : -1;
	char **keys = calloc(m ? m : 1, sizeof(*keys));
	if (!keys)
		r = -1;
	for (size_t i = 0; r == 0 && i < m; i++) {
		keys[i] = ap_name_key_new(objs[idx[i]]);
		if (!keys[i])
			r = -1;
		else
			json_object_set_new(sent, keys[i], json_integer(json_integer_value(json_object_get(sent, keys[i])) + 1));
	}
	for (char *l = r == 0 ? strtok_r(copy, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save))
		json_object_set_new(seen, l, json_integer(json_integer_value(json_object_get(seen, l)) + 1));
	for (size_t i = 0; r == 0 && i < m; i++)
		confirmed[i] = json_integer_value(json_object_get(seen, keys[i])) >=
			       json_integer_value(json_object_get(sent, keys[i]));
	for (size_t i = 0; keys && i < m; i++)
		free(keys[i]);
	free(keys);
	free(copy);
	json_decref(sent);
	json_decref(seen);
	if (r < 0)
		gt_error("out of memory");
	return r;
}

/* One object alone: its own error, and the second try of a transient one. */
static void ap_batch_one(const struct gt_kube_opts *o, enum ap_batch_verb verb, json_t *const *objs, size_t i,
		      unsigned budget_s, struct gt_kube_outcome *out)
{
	struct kube_run k;
	if (ap_batch_run(o, verb, objs, &i, 1, budget_s, &k) < 0) {
		out->ok = false;
		free(out->message);
		out->message = strdup(k.timed_out ? "kubectl did not finish within the timeout" : "kubectl could not be run");
	} else if (ap_exited_ok(&k)) {
		out->ok = true;
		free(out->message);
		out->message = NULL;
	} else {
		out->ok = false;
		free(out->message);
		out->message = ap_error_text_new(o, &k.err, true);
	}
	out_free(&k.out);
	out_free(&k.err);
}

static int ap_batch(const struct gt_kube_opts *o, enum ap_batch_verb verb, json_t *const *objs, size_t n, unsigned budget_s,
		 struct gt_kube_outcome *out)
{
	size_t *idx = malloc((n ? n : 1) * sizeof(*idx));
	bool *confirmed = calloc(n ? n : 1, sizeof(*confirmed));
	struct kube_run k;
	int failed = 0;
	time_t t0 = time(NULL);
	if (!idx || !confirmed)
		return free(idx), free(confirmed), gt_error("out of memory"), -1;
	for (size_t i = 0; i < n; i++)
		idx[i] = i, out[i].ok = false, out[i].message = NULL;
	if (n == 0)
		return free(idx), free(confirmed), 0;
	if (ap_batch_run(o, verb, objs, idx, n, budget_s, &k) < 0) {
		for (size_t i = 0; i < n; i++)
			out[i].message = strdup(k.timed_out ? "kubectl did not finish within the timeout" : "kubectl could not be run");
		out_free(&k.out), out_free(&k.err), free(idx), free(confirmed);
		return k.timed_out ? (int)n : -1;
	}
	char *text = ap_error_text_new(o, &k.err, true);
	bool all_ok = ap_exited_ok(&k);
	if (!all_ok && ap_match_confirmed(objs, idx, n, &k.out, confirmed) < 0) {
		out_free(&k.out), out_free(&k.err), free(idx), free(confirmed), free(text);
		return -1;
	}
	size_t n_failed = 0;
	for (size_t i = 0; i < n; i++) {
		out[i].ok = all_ok || confirmed[i];
		n_failed += !out[i].ok;
	}
	bool unreachable = n_failed == n && gt_kube_message_unreachable(text) && !strstr(text, "EOF");
	bool alone = n_failed == 1 && !ap_message_transient(text);
	unsigned left = budget_s ? budget_s - (unsigned)(time(NULL) - t0 < budget_s ? time(NULL) - t0 : budget_s) : 0;
	bool no_time = budget_s && left < 1; /* the re-runs would outlive the budget */
	for (size_t i = 0; i < n; i++) {
		if (out[i].ok)
			continue;
		if (unreachable || alone || no_time)
			out[i].message = strdup(text && *text ? text : "kubectl failed without saying why");
		else
			ap_batch_one(o, verb, objs, i, left, &out[i]);
		failed += !out[i].ok;
	}
	free(text);
	out_free(&k.out);
	out_free(&k.err);
	free(idx);
	free(confirmed);
	return failed;
}

int gt_kube_apply_batch(const struct gt_kube_opts *o, json_t *const *objs, size_t n, unsigned budget_s,
			struct gt_kube_outcome *out)
{
	return ap_batch(o, AP_BATCH_APPLY, objs, n, budget_s, out);
}

int gt_kube_delete_batch(const struct gt_kube_opts *o, json_t *const *objs, size_t n, unsigned budget_s,
			 struct gt_kube_outcome *out)
{
	return ap_batch(o, AP_BATCH_DELETE, objs, n, budget_s, out);
}

/* Run argv (no stdin) within budget_s; 0 with k filled, -1 after printing (k freed). */
static int ap_run_plain(const struct gt_kube_opts *o, char **argv, unsigned budget_s, struct kube_run *k)
{
	memset(k, 0, sizeof(*k));
	k->argv = argv;
	ap_set_budget(k, o, budget_s);
	if (run(o, k) < 0)
		return out_free(&k->out), out_free(&k->err), -1;
	return 0;
}

int gt_kube_wait_established(const struct gt_kube_opts *o, const char *const *names, size_t n, unsigned budget_s)
{
	char rt[64], to[64];
	char **argv = calloc(n + 8, sizeof(*argv)), **owned = calloc(n + 1, sizeof(*owned));
	int r = argv && owned ? 0 : -1;
	size_t a = 0;
	if (r < 0)
		return free(argv), free(owned), gt_error("out of memory"), -1;
	ap_request_timeout_arg(o, budget_s, rt);
	snprintf(to, sizeof(to), "--timeout=%us", budget_s ? budget_s : GT_KUBE_DEFAULT_TIMEOUT);
	argv[a++] = "kubectl", argv[a++] = "wait", argv[a++] = "--for=condition=Established", argv[a++] = rt;
	argv[a++] = to;
	for (size_t i = 0; r == 0 && i < n; i++) {
		size_t len = strlen(names[i]) + 64;
		owned[i] = malloc(len);
		if (!owned[i])
			r = -1;
		else
			snprintf(owned[i], len, "customresourcedefinitions.apiextensions.k8s.io/%s", names[i]), argv[a++] = owned[i];
	}
	struct kube_run k;
	if (r == 0 && n > 0)
		r = ap_run_plain(o, argv, budget_s, &k) < 0 || !succeeded(o, &k) ? -1 : 0;
	if (r == 0 && n > 0)
		out_free(&k.out), out_free(&k.err);
	for (size_t i = 0; i < n; i++)
		free(owned[i]);
	free(owned);
	free(argv);
	return r;
}

/* Does live (from kubectl get) have the identity of obj? Namespace "" on obj matches any (the context's). */
static bool ap_same_identity(const json_t *obj, const json_t *live)
{
	struct gt_ref a, b;
	if (gt_obj_ref(obj, &a, NULL) < 0 || gt_obj_ref(live, &b, NULL) < 0)
		return false;
	return !strcmp(a.group, b.group) && !strcmp(a.kind, b.kind) && !strcmp(a.name, b.name) &&
	       (!*a.namespace || !strcmp(a.namespace, b.namespace));
}

/* The items of kubectl get -o json's answer (an object or a List) matched back to objs[idx[..]]. */
static void ap_take_items(json_t *answer, json_t *const *objs, const size_t *idx, size_t m, json_t **live)
{
	json_t *items = json_object_get(answer, "items"), *one = NULL;
	size_t count = json_is_array(items) ? json_array_size(items) : 1;
	for (size_t j = 0; j < count; j++) {
		one = json_is_array(items) ? json_array_get(items, j) : answer;
		for (size_t i = 0; i < m; i++)
			if (!live[idx[i]] && ap_same_identity(objs[idx[i]], one)) {
				live[idx[i]] = json_incref(one);
				break;
			}
	}
}

/* kubectl's `the server doesn't have a resource type "X"`: X (the part before the group), or NULL. */
static char *ap_unknown_type_new(const char *text)
{
	const char *p = text ? strstr(text, "doesn't have a resource type \"") : NULL;
	if (!p)
		return NULL;
	p += strlen("doesn't have a resource type \"");
	const char *e = strchr(p, '"');
	return e ? strndup(p, (size_t)(e - p)) : NULL;
}

/* types (a JSON object used as a set of "kind.group") as "a,b,c"; NULL when out of memory. */
static char *ap_types_csv_new(const json_t *types)
{
	size_t len = 1;
	const char *t;
	json_t *v;
	json_object_foreach((json_t *)types, t, v)
		len += strlen(t) + 1;
	char *csv = malloc(len), *p = csv;
	if (!csv)
		return NULL;
	*p = '\0';
	json_object_foreach((json_t *)types, t, v)
		p += sprintf(p, "%s%s", p == csv ? "" : ",", t);
	return csv;
}

/* Drop from types those kubectl said the server lacks (matched on the part before the group). */
static bool ap_drop_type(json_t *types, const char *unknown)
{
	const char *t;
	json_t *v;
	void *tmp;
	bool dropped = false;
	size_t n = strlen(unknown);
	json_object_foreach_safe(types, tmp, t, v) {
		if (!strncasecmp(t, unknown, n) && (t[n] == '.' || !t[n])) {
			json_object_del(types, t);
			dropped = true;
		}
	}
	return dropped;
}

/*
 * One `kubectl get TYPE,TYPE... -o json` in namespace ns ("" : the context's, and
 * cluster-scoped kinds) for objs[idx[0..m)]: a list per kind, not a request per
 * object. Kinds the server does not serve (a CRD not applied yet) have no live objects.
 */
static int ap_get_namespace(const struct gt_kube_opts *o, json_t *const *objs, const size_t *idx, size_t m,
			 const char *ns, unsigned budget_s, json_t **live, char **why)
{
	char rt[64], nsarg[300];
	json_t *types = json_object();
	int r = types ? 0 : -1;
	for (size_t i = 0; r == 0 && i < m; i++) {
		struct gt_ref ref;
		char *type = gt_obj_ref(objs[idx[i]], &ref, NULL) == 0 ? ap_type_name_new(&ref) : NULL;
		r = type ? json_object_set_new(types, type, json_true()) : -1;
		free(type);
	}
	if (r < 0)
		gt_error("out of memory");
	while (r == 0 && json_object_size(types) > 0) {
		char *csv = ap_types_csv_new(types);
		char *argv[AP_MAX_ARGS] = { "kubectl", "get", csv, "--show-managed-fields", "--output=json", rt, NULL };
		ap_request_timeout_arg(o, budget_s, rt);
		if (*ns) {
			snprintf(nsarg, sizeof(nsarg), "--namespace=%s", ns);
			argv[6] = nsarg;
		}
		struct kube_run k;
		if (!csv || ap_run_plain(o, argv, budget_s, &k) < 0) {
			free(csv);
			r = -1;
			break;
		}
		free(csv);
		char *text = ap_exited_ok(&k) ? NULL : ap_error_text_new(o, &k.err, false);
		char *unknown = ap_unknown_type_new(text);
		if (ap_exited_ok(&k)) {
			json_error_t e;
			json_t *answer = k.out.len ? json_loadb(k.out.data, k.out.len, 0, &e) : NULL;
			if (k.out.len && !answer)
				r = -1, gt_error("kubectl get: unreadable answer: %s", e.text);
			ap_take_items(answer, objs, idx, m, live);
			json_decref(answer);
			json_object_clear(types);
		} else if (!unknown || !ap_drop_type(types, unknown)) {
			gt_error("kubectl get: %s", text && *text ? text : "failed");
			if (why && !*why)
				*why = text, text = NULL;
			r = -1;
		}
		free(unknown);
		free(text);
		out_free(&k.out), out_free(&k.err);
	}
	json_decref(types);
	return r;
}

int gt_kube_get_batch(const struct gt_kube_opts *o, json_t *const *objs, size_t n, unsigned budget_s, json_t **live,
		      char **why)
{
	bool *done = calloc(n ? n : 1, sizeof(*done));
	size_t *idx = malloc((n ? n : 1) * sizeof(*idx));
	int r = done && idx ? 0 : -1;
	if (why)
		*why = NULL;
	if (r < 0)
		gt_error("out of memory");
	for (size_t i = 0; i < n; i++)
		live[i] = NULL;
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct gt_ref ref;
		if (done[i] || gt_obj_ref(objs[i], &ref, NULL) < 0 || !*ref.name) { /* generateName: always new */
			done[i] = true;
			continue;
		}
		size_t m = 0;
		for (size_t j = i; j < n; j++) { /* everything in this namespace, in one call */
			struct gt_ref rj;
			if (!done[j] && gt_obj_ref(objs[j], &rj, NULL) == 0 && *rj.name && !strcmp(rj.namespace, ref.namespace))
				idx[m++] = j, done[j] = true;
		}
		r = ap_get_namespace(o, objs, idx, m, ref.namespace, budget_s, live, why);
	}
	free(done);
	free(idx);
	return r;
}

