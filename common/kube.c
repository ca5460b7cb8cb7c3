/* kube: one internal kubectl call (call()) that every operation goes through; its answer comes
 * back as output, a tidied message and a class. Then the operations: read, list, write. */
#include "kube.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

#include "cli.h"
#include "limits.h"
#include "obj.h"
#include "proc.h"
#include "vec.h"

#define KUBE_MAX_STDERR ((size_t)64 << 10) /* beyond this kubectl's messages are cut */
/* kubectl makes a few requests per call (discovery, OpenAPI, the write), each bounded by
 * --request-timeout; the call as a whole gets this many of them. */
#define KUBE_CALL_TIMEOUTS 4
/* Slack between kubectl's own --request-timeout and our deadline on a call with a budget: time
 * for it to print what happened (which objects it applied). */
#define KUBE_BUDGET_SLACK 2

/* ---- the one call ---------------------------------------------------------------------------------- */

/* What one kubectl run said. */
struct answer {
	char *out;      /* stdout, NUL-terminated (may hold Secret data: wiped when freed) */
	size_t out_len;
	char *text;     /* its messages, one per line: warnings (relayed at once), client-go's klog noise and
			 * the conflict help dropped, each line once, secrets masked. Never NULL after call() */
	enum gt_kube_error error;
	bool timed_out; /* stopped at its deadline */
	bool ran;       /* it ran to its end (false: not started, stopped, interrupted; text says so) */
};

static void answer_free(struct answer *a)
{
	if (a->out)
		memset(a->out, 0, a->out_len);
	free(a->out);
	free(a->text);
	memset(a, 0, sizeof(*a));
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A klog line ("E1203 07:29:30.387562   22853 memcache.go:265] ..."): client-go's logging. */
static bool is_klog_line(const char *l)
{
	return l[0] && strchr("IWEF", l[0]) && isdigit((unsigned char)l[1]) && isdigit((unsigned char)l[2]) &&
	       isdigit((unsigned char)l[3]) && isdigit((unsigned char)l[4]) && l[5] == ' ';
}

static bool has(const char *m, const char *const *needles)
{
	for (; *needles; needles++)
		if (strstr(m, *needles))
			return true;
	return false;
}

static const char *const unreachable_words[] = { "Unable to connect to the server", "was refused - did you specify",
						 "You must be logged in to the server", "no such host",
						 "did not finish within", NULL };
static const char *const forbidden_words[] = { "(Forbidden)", "is forbidden: User", NULL };
static const char *const not_served_words[] = { "doesn't have a resource type", "no matches for kind",
						"resource mapping not found", "ensure CRDs are installed first", NULL };

static enum gt_kube_error classify_line(const char *l)
{
	if (has(l, unreachable_words))
		return GT_KUBE_UNREACHABLE;
	if (has(l, forbidden_words))
		return GT_KUBE_FORBIDDEN;
	if (has(l, not_served_words))
		return GT_KUBE_NOT_SERVED;
	return GT_KUBE_OTHER;
}

/* The class of a whole answer: unreachable wins (nothing else is known), then anything unexplained,
 * then a refusal; only "not served" throughout is not served. */
static enum gt_kube_error classify_text(const char *text)
{
	bool unreachable = false, other = false, forbidden = false, not_served = false;
	for (const char *l = text; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] == '\n')) {
		char line[1024];
		size_t n = strcspn(l, "\n");
		snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) - 1 ? n : sizeof(line) - 1), l);
		switch (classify_line(line)) {
		case GT_KUBE_UNREACHABLE: unreachable = true; break;
		case GT_KUBE_FORBIDDEN: forbidden = true; break;
		case GT_KUBE_NOT_SERVED: not_served = true; break;
		default: other = true;
		}
	}
	return unreachable ? GT_KUBE_UNREACHABLE
	       : other	   ? GT_KUBE_OTHER
	       : forbidden ? GT_KUBE_FORBIDDEN
	       : not_served ? GT_KUBE_NOT_SERVED
			    : GT_KUBE_OTHER;
}

enum gt_kube_error gt_kube_classify(const char *message)
{
	return message && *message ? classify_line(message) : GT_KUBE_OK;
}

/*
 * kubectl's stderr as our text: Warning lines relayed at once (they are not why it failed),
 * secrets masked, the ten-line help kubectl appends to every 409 dropped (the conflict line
 * names field and manager), each line once (kubectl get -f repeats "connection refused" per
 * object), and client-go's klog lines only when nothing else explains the failure.
 */
static char *tidy_new(const struct gt_kube_opts *o, const char *err)
{
	struct gt_strbuf sb = { 0 }, klog = { 0 };
	char *copy = strdup(err ? err : ""), *save = NULL;
	bool in_help = false;
	if (!copy)
		return NULL;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		gt_redact_tokens(l, o->secret);
		if (in_help) {
			in_help = !starts_with(l, "See https://kubernetes.io/docs/reference/using-api/server-side-apply");
			continue;
		}
		if (starts_with(l, "Please review the fields above")) {
			in_help = true;
			continue;
		}
		if (starts_with(l, "Warning: ")) {
			gt_warn("kubectl: %s", l);
			continue;
		}
		struct gt_strbuf *to = is_klog_line(l) ? &klog : &sb;
		bool seen = false;
		for (const char *p = to->s; p && *p && !seen; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n'))
			seen = strcspn(p, "\n") == strlen(l) && !strncmp(p, l, strlen(l));
		if (*l && !seen && gt_strbuf_addf(to, "%s\n", l) < 0)
			break;
	}
	size_t n = strlen(err ? err : "");
	memset(copy, 0, n);
	free(copy);
	struct gt_strbuf *keep = sb.len ? &sb : &klog;
	if (keep->len)
		gt_strbuf_setlen(keep, keep->len - 1); /* the last newline */
	char *text = gt_strbuf_detach(keep);
	gt_strbuf_release(&sb);
	gt_strbuf_release(&klog);
	return text;
}

/* The connection flags every call carries, then --request-timeout. Borrowed into argv; buf owns the text. */
static int push_common(struct gt_strvec *argv, const struct gt_kube_opts *o, unsigned request_timeout,
		       struct gt_strbuf buf[5])
{
	const char *const names[4] = { "kubeconfig", "context", "cluster", "user" };
	const char *const values[4] = { o->kubeconfig, o->context, o->cluster, o->user };
	for (size_t i = 0; i < 4; i++)
		if (values[i] && *values[i] && gt_strbuf_addf(&buf[i], "--%s=%s", names[i], values[i]) < 0)
			return -1;
	if (gt_strbuf_addf(&buf[4], "--request-timeout=%us", request_timeout ? request_timeout : 1) < 0)
		return -1;
	for (size_t i = 0; i < 5; i++)
		if (buf[i].len && gt_strvec_push(argv, buf[i].s) < 0)
			return -1;
	return 0;
}

/*
 * Run `kubectl ARGS... CONNECTION-FLAGS --request-timeout=T` with in on its standard input. A
 * hung request must not outlive the budget (kubectl has no timeout of its own), and kubectl must
 * time out before we stop it, so that it says which objects it applied: with budget_s, T is
 * under it and the process ends at budget_s plus a little; without, T is o->timeout and the
 * process gets a few of them. Either way it ends by o->deadline. Returns a->error.
 */
static enum gt_kube_error call(const struct gt_kube_opts *o, const char *const *args, const char *in, size_t in_len,
			       unsigned budget_s, struct answer *a)
{
	unsigned t = o->timeout ? o->timeout : GT_KUBE_DEFAULT_TIMEOUT;
	double limit = (double)t * KUBE_CALL_TIMEOUTS;
	if (budget_s) {
		if (budget_s < t + 1)
			t = budget_s > 1 ? budget_s - 1 : 1;
		limit = budget_s + KUBE_BUDGET_SLACK;
	}
	struct gt_strvec argv = { 0 };
	struct gt_strbuf buf[5] = { { 0 } };
	memset(a, 0, sizeof(*a));
	a->error = GT_KUBE_OTHER;
	int r = gt_strvec_push(&argv, "kubectl");
	for (size_t i = 0; r == 0 && args[i]; i++)
		r = gt_strvec_push(&argv, args[i]);
	if (r == 0)
		r = push_common(&argv, o, t, buf);
	struct gt_proc p = { .argv = (char *const *)argv.v, .in = in, .in_len = in_len,
			     .max_out = GT_DEFAULT_MAX_DOC_BYTES, .max_err = KUBE_MAX_STDERR };
	p.deadline = gt_deadline_min(gt_deadline_in(limit), o->deadline);
	for (size_t i = 0; args[i]; i++) /* names only: -vvv may show them as they are */
		p.out_plain |= !strcmp(args[i], "--output=name") || (!strcmp(args[i], "-o") && args[i + 1] && !strcmp(args[i + 1], "name"));
	if (r < 0)
		gt_error("out of memory");
	else
		r = gt_proc_run(&p, "kubectl");
	a->out = p.out, a->out_len = p.out_len;
	p.out = NULL, p.out_len = 0;
	a->ran = r == 0;
	a->timed_out = p.end == GT_PROC_TIMED_OUT;
	if (r == 0) {
		a->text = tidy_new(o, p.err);
		bool ok = WIFEXITED(p.status) && WEXITSTATUS(p.status) == 0;
		a->error = ok ? GT_KUBE_OK : a->text && *a->text ? classify_text(a->text) : GT_KUBE_OTHER;
		if (!ok && a->text && !*a->text) {
			struct gt_strbuf m = { 0 };
			free(a->text);
			gt_strbuf_addf(&m, "kubectl failed (%s %d)", WIFEXITED(p.status) ? "exit status" : "signal",
				       WIFEXITED(p.status) ? WEXITSTATUS(p.status) : WTERMSIG(p.status));
			a->text = gt_strbuf_detach(&m);
		}
	} else if (a->timed_out) {
		struct gt_strbuf m = { 0 };
		if (gt_deadline_set(&o->deadline) && gt_seconds_left(&o->deadline) <= 0)
			gt_strbuf_adds(&m, "kubectl did not finish within the time left of --timeout");
		else
			gt_strbuf_addf(&m, "kubectl did not finish within %.0f s (--timeout)", limit);
		a->text = gt_strbuf_detach(&m);
		a->error = GT_KUBE_UNREACHABLE;
		gt_error("%s", a->text ? a->text : "kubectl did not finish in time");
	} else if (p.end == GT_PROC_TOO_LARGE) {
		gt_error("kubectl: its answer is larger than %zu bytes", (size_t)GT_DEFAULT_MAX_DOC_BYTES);
	} else if (p.end == GT_PROC_INTERRUPTED) {
		gt_error("kubectl: interrupted (signal %d)", gt_interrupted());
	}
	if (!a->text)
		a->text = strdup(a->timed_out ? "kubectl did not finish within the timeout" : "kubectl could not be run");
	gt_proc_free(&p);
	for (size_t i = 0; i < 5; i++)
		gt_strbuf_release(&buf[i]);
	gt_strvec_release(&argv);
	return a->error;
}

/* Each line of the answer's text as one message: an error, or a warning. */
static void relay(const struct answer *a, bool as_errors)
{
	const char *t = a->text ? a->text : "";
	for (const char *l = t; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] == '\n')) {
		int n = (int)strcspn(l, "\n");
		if (as_errors)
			gt_error("kubectl: %.*s", n, l);
		else
			gt_warn("kubectl: %.*s", n, l);
	}
}

/*
 * A server-side apply conflict, readable: which fields, which manager owns each, and the switch.
 * kubectl passes on the API server's words ("Apply failed with 2 conflicts: conflicts with
 * "kubectl-patch" using v1 at TIME:" then "- .data.a" lines; one conflict on one line: "...
 * conflict with "kubectl" with subresource "scale" using apps/v1 at TIME: .spec.replicas").
 * NULL when text holds no conflict (or no memory).
 */
/* `"M" with subresource "S"` at m: append ` owned by "M" (subresource S)`. */
static void add_owner(struct gt_strbuf *sb, const char *m)
{
	size_t end = strcspn(m, "\n");
	const char *sub = strstr(m, "with subresource \"");
	gt_strbuf_addf(sb, " owned by \"%.*s\"", (int)strcspn(m, "\"\n"), m);
	if (sub && sub < m + end)
		gt_strbuf_addf(sb, " (subresource %.*s)", (int)strcspn(sub + 18, "\"\n"), sub + 18);
}

static char *conflict_text_new(const char *text)
{
	struct gt_strbuf sb = { 0 };
	const char *m = NULL; /* the manager whose "- FIELD" lines follow */
	bool first = true;
	if (!text || !strstr(text, "Apply failed with"))
		return NULL;
	gt_strbuf_adds(&sb, "conflict: ");
	for (const char *l = text; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] == '\n')) {
		int n = (int)strcspn(l, "\n");
		const char *with = strstr(l, "conflict with \""), *withs = strstr(l, "conflicts with \"");
		const char *at = withs && withs < l + n ? withs + 16 : with && with < l + n ? with + 15 : NULL;
		if (at) {
			const char *colon = NULL; /* one conflict: the field follows the line's last ": " */
			for (const char *c = at; c + 1 < l + n; c++)
				if (c[0] == ':' && c[1] == ' ')
					colon = c;
			m = at;
			if (colon) {
				gt_strbuf_addf(&sb, "%s%.*s", first ? "" : "; ", (int)(l + n - colon - 2), colon + 2);
				add_owner(&sb, m);
				first = false;
				m = NULL;
			} else {
				gt_strbuf_adds(&sb, first ? "" : "; ");
				first = false;
			}
			continue;
		}
		if (m && l[0] == '-' && l[1] == ' ') {
			const char *next = l + n + (l[n] == '\n');
			bool last = !(next[0] == '-' && next[1] == ' ');
			bool opening = sb.len >= 2 && !strcmp(sb.s + sb.len - 2, "; ");
			gt_strbuf_addf(&sb, "%s%.*s", opening || sb.len == strlen("conflict: ") ? "" : ", ", n - 2, l + 2);
			if (last)
				add_owner(&sb, m), m = NULL;
		}
	}
	gt_strbuf_adds(&sb, ": changed in the cluster since the last sync; --force-conflicts takes them (the self-heal "
			    "switch: Argo CD's selfHeal forces its own fields)");
	return gt_strbuf_detach(&sb);
}

/* The answer's text on one line ("; " between kubectl's lines), for a Result's message. */
static char *one_line_new(const struct answer *a)
{
	struct gt_strbuf sb = { 0 };
	char *conflict = conflict_text_new(a->text);
	if (conflict)
		return conflict;
	const char *t = a->text && *a->text ? a->text : "kubectl failed without saying why";
	for (const char *l = t; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] == '\n'))
		gt_strbuf_addf(&sb, "%s%.*s", sb.len ? "; " : "", (int)strcspn(l, "\n"), l);
	return gt_strbuf_detach(&sb);
}

/* kubectl's -o json answer as an array: a List's items, one object alone, nothing at all as []. NULL after printing. */
static json_t *items_new(const char *what, const struct answer *a)
{
	if (!a->out || a->out_len == 0 || strspn(a->out, " \t\r\n") == a->out_len)
		return json_array();
	json_error_t e;
	json_t *v = json_loadb(a->out, a->out_len, 0, &e);
	if (!json_is_object(v)) {
		gt_error("kubectl %s: unreadable answer: %s", what, v ? "not an object" : e.text);
		json_decref(v);
		return NULL;
	}
	json_t *items = json_object_get(v, "items");
	const char *kind = json_string_value(json_object_get(v, "kind"));
	if (json_is_array(items) && kind && strlen(kind) >= 4 && !strcmp(kind + strlen(kind) - 4, "List")) {
		json_incref(items);
		json_decref(v);
		return items;
	}
	json_t *one = json_array();
	json_array_append_new(one, v);
	return one;
}

/* objs as one kubectl input document, a v1 List; caller wipes (a Secret may be in it) and frees. */
static char *list_body_new(json_t *items)
{
	json_t *list = items ? json_pack("{s:s, s:s, s:O}", "apiVersion", "v1", "kind", "List", "items", items) : NULL;
	char *body = list ? json_dumps(list, JSON_COMPACT) : NULL;
	json_decref(list);
	return body;
}

static void body_free(char *body)
{
	if (body)
		memset(body, 0, strlen(body));
	free(body);
}

/* "--namespace=NS" into buf, or NULL for none. */
static const char *namespace_arg(const char *ns, struct gt_strbuf *buf)
{
	if (!ns || !*ns)
		return NULL;
	return gt_strbuf_addf(buf, "--namespace=%s", ns) < 0 ? NULL : buf->s;
}

/* ---- reading ---------------------------------------------------------------------------------------- */

int gt_kube_context_namespace(const struct gt_kube_opts *o, char **ns)
{
	*ns = NULL;
	if (o->namespace && *o->namespace)
		return (*ns = strdup(o->namespace)) ? 0 : (gt_error("out of memory"), -1);
	const char *args[] = { "config", "view", "--minify", "--output=jsonpath={..namespace}", NULL };
	struct answer a;
	int r = call(o, args, NULL, 0, 0, &a) == GT_KUBE_OK ? 0 : -1;
	if (r < 0 && a.ran)
		relay(&a, true);
	if (r == 0) {
		size_t n = a.out ? strcspn(a.out, " \t\r\n") : 0;
		*ns = n ? strndup(a.out, n) : strdup("default");
		if (!*ns)
			r = -1, gt_error("out of memory");
	}
	answer_free(&a);
	return r;
}

int gt_kube_server_dup(const struct gt_kube_opts *o, char **server)
{
	const char *args[] = { "config", "view", "--minify", "--output=jsonpath={.clusters[0].cluster.server}", NULL };
	struct answer a;
	*server = NULL;
	int r = call(o, args, NULL, 0, 0, &a) == GT_KUBE_OK ? 0 : -1;
	if (r < 0 && a.ran)
		relay(&a, false);
	size_t n = r == 0 && a.out ? strcspn(a.out, " \t\r\n") : 0;
	if (r == 0 && !n)
		r = -1, gt_warn("kubectl: the context names no cluster server");
	if (r == 0 && !(*server = strndup(a.out, n)))
		r = -1, gt_error("out of memory");
	answer_free(&a);
	return r;
}

int gt_kube_api_resources(const struct gt_kube_opts *o, char **text)
{
	const char *args[] = { "api-resources", "--output=wide", NULL };
	struct answer a;
	*text = NULL;
	enum gt_kube_error e = call(o, args, NULL, 0, 0, &a);
	/* A group whose aggregated server is down makes kubectl exit 1 after printing all the others. */
	const char *rows = a.out && strstr(a.out, "NAMESPACED") ? strchr(a.out, '\n') : NULL;
	bool listed = rows && rows[1] && (e == GT_KUBE_OK || e == GT_KUBE_OTHER); /* kubectl prints the header anyway */
	if (e != GT_KUBE_OK && a.ran)
		relay(&a, false);
	int r = listed ? 0 : -1;
	if (r == 0)
		*text = a.out, a.out = NULL;
	answer_free(&a);
	return r;
}

int gt_kube_get(const struct gt_kube_opts *o, const char *resource, const char *name, json_t **out)
{
	struct gt_strbuf nsbuf = { 0 };
	const char *args[8] = { "get", resource };
	size_t n = 2;
	*out = NULL;
	if (name)
		args[n++] = name, args[n++] = "--ignore-not-found";
	args[n++] = "--output=json";
	args[n++] = namespace_arg(o->namespace, &nsbuf);
	struct answer a;
	int r = call(o, args, NULL, 0, 0, &a) == GT_KUBE_OK ? 0 : -1;
	if (r < 0 && a.ran)
		relay(&a, true);
	if (r == 0 && a.out_len > 0 && strspn(a.out, " \t\r\n") < a.out_len) {
		json_error_t e;
		if (!(*out = json_loadb(a.out, a.out_len, 0, &e)))
			r = -1, gt_error("kubectl get %s: unreadable answer: %s", resource, e.text);
	}
	answer_free(&a);
	gt_strbuf_release(&nsbuf);
	return r;
}

json_t *gt_kube_identity_new(const json_t *obj)
{
	const json_t *meta = json_object_get(obj, "metadata");
	json_t *m = json_object();
	json_t *id = m ? json_pack("{s:O?, s:O?, s:o}", "apiVersion", json_object_get(obj, "apiVersion"), "kind",
				   json_object_get(obj, "kind"), "metadata", m)
		       : NULL;
	if (!id)
		return NULL;
	json_t *name = json_object_get(meta, "name"), *ns = json_object_get(meta, "namespace");
	if (json_is_string(name))
		json_object_set(m, "name", name);
	if (json_is_string(ns) && json_string_length(ns))
		json_object_set(m, "namespace", ns);
	return id;
}

char *gt_kube_type_name_new(const char *group, const char *kind)
{
	struct gt_strbuf sb = { 0 };
	for (const char *k = kind; *k; k++)
		gt_strbuf_addf(&sb, "%c", tolower((unsigned char)*k));
	if (*group)
		gt_strbuf_addf(&sb, ".%s", group);
	return gt_strbuf_detach(&sb);
}

static char *type_name_new(const struct gt_ref *ref)
{
	return gt_kube_type_name_new(ref->group, ref->kind);
}

/* Does live (from kubectl get) have the identity of obj? Namespace "" on obj matches any (the context's). */
static bool same_identity(const json_t *obj, const json_t *live)
{
	struct gt_ref a, b;
	if (gt_obj_ref(obj, &a, NULL) < 0 || gt_obj_ref(live, &b, NULL) < 0)
		return false;
	/* a live object without a namespace is cluster-scoped: a namespace the manifest gave it (as
	 * charts do) is not part of its name, and the server answered for it without one */
	return !strcmp(a.group, b.group) && !strcmp(a.kind, b.kind) && !strcmp(a.name, b.name) &&
	       (!*a.namespace || !*b.namespace || !strcmp(a.namespace, b.namespace));
}

/* kubectl's `the server doesn't have a resource type "X"`: X (the part before the group), or NULL. */
static char *unknown_type_new(const char *text)
{
	const char *p = text ? strstr(text, "doesn't have a resource type \"") : NULL;
	if (!p)
		return NULL;
	p += strlen("doesn't have a resource type \"");
	const char *e = strchr(p, '"');
	return e ? strndup(p, (size_t)(e - p)) : NULL;
}

/* Drop from types (a JSON object used as a set of "kind.group") those kubectl said the server lacks. */
static bool drop_type(json_t *types, const char *unknown)
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

/* types as "a,b,c"; NULL when out of memory. */
static char *types_csv_new(const json_t *types)
{
	struct gt_strbuf sb = { 0 };
	const char *t;
	json_t *v;
	json_object_foreach((json_t *)types, t, v)
		if (gt_strbuf_addf(&sb, "%s%s", sb.len ? "," : "", t) < 0)
			return gt_strbuf_release(&sb), NULL;
	return gt_strbuf_detach(&sb);
}

/*
 * One RBAC refusal of a list, as a warning that says what is unknown and which rule would allow
 * it, from the API server's words: `User "U" cannot list resource "R" in API group "G" in the
 * namespace "NS"` (or "at the cluster scope").
 */
static void warn_forbidden(const char *line)
{
	char verb[64] = "", res[256] = "", group[256] = "", ns[256] = "";
	const char *p = strstr(line, "\" cannot ");
	if (!p || sscanf(p, "\" cannot %63s resource \"%255[^\"]\" in API group \"%255[^\"]\"", verb, res, group) < 2) {
		gt_warn("kubectl: %s", line);
		return;
	}
	const char *in = strstr(p, "in the namespace \"");
	if (in)
		sscanf(in, "in the namespace \"%255[^\"]\"", ns);
	if (*ns)
		gt_warn("may not %s %s%s%s in namespace %s: their live objects are unknown here (a Role in %s with "
			"apiGroups [\"%s\"], resources [\"%s\"], verbs [\"%s\"] allows it)",
			verb, res, *group ? "." : "", group, ns, ns, group, res, verb);
	else
		gt_warn("may not %s %s%s%s at the cluster scope: their live objects are unknown (a ClusterRole with "
			"apiGroups [\"%s\"], resources [\"%s\"], verbs [\"%s\"] allows it)",
			verb, res, *group ? "." : "", group, group, res, verb);
}

struct refusals;
static bool refusal_matters(const struct refusals *rf, const char *line);

/* Each forbidden line of text as a warning naming its rule (a debug message when it does not matter);
 * the other lines relayed as warnings too. */
static void warn_refusals(const char *text, const struct refusals *rf)
{
	for (const char *l = text ? text : ""; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] == '\n')) {
		char line[1024];
		size_t n = strcspn(l, "\n");
		snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) - 1 ? n : sizeof(line) - 1), l);
		if (!n)
			continue;
		if (classify_line(line) != GT_KUBE_FORBIDDEN)
			gt_warn("kubectl: %s", line);
		else if (refusal_matters(rf, line))
			warn_forbidden(line);
		else
			gt_debug("kubectl: %s (not a kind this app renders)", line);
	}
}

/* The forbidden lines of text. */
static size_t count_refusals(const char *text)
{
	size_t refused = 0;
	for (const char *l = text ? text : ""; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] == '\n')) {
		char line[1024];
		size_t n = strcspn(l, "\n");
		snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) - 1 ? n : sizeof(line) - 1), l);
		refused += classify_line(line) == GT_KUBE_FORBIDDEN;
	}
	return refused;
}

/* Every read refused: one line, the first refusal and how many more, not one per kind. */
static void forbidden_error(const char *text)
{
	const char *t = text ? text : "";
	size_t lines = count_refusals(t);
	if (lines > 1)
		gt_error("kubectl: %.*s (and %zu more refusals: the token lacks the RBAC rules to read them)",
			 (int)strcspn(t, "\n"), t, lines - 1);
	else
		gt_error("kubectl: %.*s", (int)strcspn(t, "\n"), t);
}

/*
 * The refusals of one read or list under GT_KUBE_FORBIDDEN_OK, told once it is over: warnings
 * naming the rules when something could be read, one error when nothing could (a token without
 * any right there: exit 3 with one clear line, not a warning per kind).
 */
struct refusals {
	size_t asked, refused;  /* kinds asked for, refusals met */
	struct gt_strbuf text;  /* kubectl's lines */
	/* with quiet_others, only a refusal of these kinds (kubectl's type names) is a warning */
	const char *const *loud, *const *loud2;
	size_t n_loud, n_loud2;
	bool quiet_others;
};

/* Does the refused resource ("deployments", group "apps") name the type ("deployment.apps")? The
 * plural is the kind lower-cased with English's regular endings: -s, -es, -y to -ies. */
static bool resource_is(const char *res, const char *group, const char *type)
{
	const char *dot = strchr(type, '.');
	size_t kl = dot ? (size_t)(dot - type) : strlen(type);
	if (strcmp(dot ? dot + 1 : "", group) || strncmp(res, type, kl > 0 && type[kl - 1] == 'y' ? kl - 1 : kl))
		return false;
	const char *end = res + kl;
	if (kl > 0 && type[kl - 1] == 'y' && !strcmp(res + kl - 1, "ies"))
		return true;
	return !strcmp(end, "") || !strcmp(end, "s") || !strcmp(end, "es");
}

static bool refusal_matters(const struct refusals *rf, const char *line)
{
	char res[256] = "", group[256] = "";
	const char *p = strstr(line, "\" cannot ");
	if (!rf || !rf->quiet_others || !p)
		return true;
	if (sscanf(p, "\" cannot %*s resource \"%255[^\"]\" in API group \"%255[^\"]\"", res, group) < 1)
		return true;
	for (size_t i = 0; i < rf->n_loud; i++)
		if (resource_is(res, group, rf->loud[i]))
			return true;
	for (size_t i = 0; i < rf->n_loud2; i++)
		if (resource_is(res, group, rf->loud2[i]))
			return true;
	return false;
}

static void refusals_add(struct refusals *rf, size_t asked, const struct answer *a)
{
	rf->asked += asked;
	if (a->error != GT_KUBE_FORBIDDEN)
		return;
	rf->refused += count_refusals(a->text);
	gt_strbuf_addf(&rf->text, "%s\n", a->text ? a->text : "");
}

/* 0, or -1 when everything asked was refused (printed). */
static int refusals_end(struct refusals *rf)
{
	int r = 0;
	if (rf->refused && rf->refused >= rf->asked) {
		forbidden_error(rf->text.s);
		r = -1;
	} else if (rf->refused) {
		warn_refusals(rf->text.s, rf);
	}
	gt_strbuf_release(&rf->text);
	memset(rf, 0, sizeof(*rf));
	return r;
}

/*
 * One `kubectl get TYPE,... -o json` in namespace ns (NULL: the context's; "*": all), the types
 * the server does not serve dropped and asked again. On success *items holds what was found (with
 * GT_KUBE_FORBIDDEN_OK, what kubectl could list: it goes on past a refused kind, and rf collects
 * the refusals). 0, or -1 after printing (*why: the message when why is not NULL and *why is NULL).
 */
static int get_types(const struct gt_kube_opts *o, json_t *types, const char *ns, const char *selector, unsigned flags,
		     unsigned budget_s, json_t **items, char **why, struct refusals *rf)
{
	int r = 0;
	*items = NULL;
	while (r == 0 && !*items) {
		if (json_object_size(types) == 0)
			return (*items = json_array()) ? 0 : -1;
		struct gt_strbuf nsbuf = { 0 }, selbuf = { 0 };
		char *csv = types_csv_new(types);
		const char *args[10] = { "get", csv, "--output=json" };
		size_t n = 3;
		if (flags & GT_KUBE_MANAGED_FIELDS)
			args[n++] = "--show-managed-fields";
		if (selector && gt_strbuf_addf(&selbuf, "--selector=%s", selector) == 0)
			args[n++] = selbuf.s;
		if (ns && !strcmp(ns, "*"))
			args[n++] = "--all-namespaces";
		else if (ns && *ns)
			args[n++] = namespace_arg(ns, &nsbuf);
		struct answer a;
		enum gt_kube_error e = csv ? call(o, args, NULL, 0, budget_s, &a) : GT_KUBE_OTHER;
		char *unknown = csv && e == GT_KUBE_NOT_SERVED ? unknown_type_new(a.text) : NULL;
		if (!csv) {
			gt_error("out of memory");
			r = -1;
		} else if (e == GT_KUBE_OK || (e == GT_KUBE_FORBIDDEN && (flags & GT_KUBE_FORBIDDEN_OK))) {
			refusals_add(rf, json_object_size(types), &a);
			if (!(*items = items_new("get", &a)))
				r = -1;
		} else if (!unknown || !drop_type(types, unknown)) {
			if (e == GT_KUBE_FORBIDDEN)
				forbidden_error(a.text);
			else if (a.ran)
				relay(&a, true);
			if (why && !*why)
				*why = one_line_new(&a);
			r = -1;
		}
		free(unknown);
		free(csv);
		if (csv)
			answer_free(&a);
		gt_strbuf_release(&nsbuf);
		gt_strbuf_release(&selbuf);
	}
	return r;
}

/* The objects of objs[idx[0..m)], all in namespace ns ("": the default), read with one get of their types. */
static int read_namespace(const struct gt_kube_opts *o, json_t *const *objs, const size_t *idx, size_t m, const char *ns,
			  unsigned flags, unsigned budget_s, json_t **live, char **why, struct refusals *rf)
{
	json_t *types = json_object(), *items = NULL, *one;
	int r = types ? 0 : -1;
	for (size_t i = 0; r == 0 && i < m; i++) {
		struct gt_ref ref;
		char *type = gt_obj_ref(objs[idx[i]], &ref, NULL) == 0 ? type_name_new(&ref) : NULL;
		r = type ? json_object_set_new(types, type, json_true()) : -1;
		free(type);
	}
	if (r < 0)
		gt_error("out of memory");
	if (r == 0)
		r = get_types(o, types, *ns ? ns : o->namespace, NULL, flags, budget_s, &items, why, rf);
	size_t j;
	json_array_foreach(items, j, one)
		for (size_t i = 0; i < m; i++)
			if (!live[idx[i]] && same_identity(objs[idx[i]], one)) {
				live[idx[i]] = json_incref(one);
				break;
			}
	json_decref(items);
	json_decref(types);
	return r;
}

/*
 * GT_KUBE_BY_NAME: one `kubectl get -f - --ignore-not-found` of the identities, a request per object.
 * No --namespace: kubectl refuses an object whose namespace differs from it; the identities carry
 * o->namespace instead. kubectl goes on past a kind it cannot map (not served: absent).
 */
static int read_by_name(const struct gt_kube_opts *o, json_t *const *objs, size_t n, unsigned flags, unsigned budget_s,
			json_t **live, char **why)
{
	json_t *ids = json_array(), *items = NULL, *one;
	int r = ids ? 0 : -1;
	for (size_t i = 0; r == 0 && i < n; i++) {
		json_t *id = gt_kube_identity_new(objs[i]);
		struct gt_ref ref;
		if (id && o->namespace && *o->namespace && gt_obj_ref(id, &ref, NULL) == 0 && !*ref.namespace && *ref.name)
			json_object_set_new(json_object_get(id, "metadata"), "namespace", json_string(o->namespace));
		const char *name = json_string_value(json_object_get(json_object_get(id, "metadata"), "name"));
		if (!id || (name && *name && json_array_append(ids, id) < 0)) /* generateName alone: always new */
			r = -1;
		json_decref(id);
	}
	char *body = r == 0 ? list_body_new(ids) : NULL;
	json_decref(ids);
	if (!body)
		return gt_error("out of memory"), -1;
	const char *args[] = { "get", "--filename=-", "--ignore-not-found", "--output=json",
			       flags & GT_KUBE_MANAGED_FIELDS ? "--show-managed-fields" : NULL, NULL };
	struct answer a;
	enum gt_kube_error e = call(o, args, body, strlen(body), budget_s, &a);
	struct refusals rf = { 0 };
	if (e == GT_KUBE_NOT_SERVED)
		gt_debug("kubectl get: %s", a.text);
	else if (e == GT_KUBE_FORBIDDEN && (flags & GT_KUBE_FORBIDDEN_OK))
		refusals_add(&rf, n, &a);
	if (e == GT_KUBE_OK || e == GT_KUBE_NOT_SERVED || (e == GT_KUBE_FORBIDDEN && (flags & GT_KUBE_FORBIDDEN_OK))) {
		r = (items = items_new("get", &a)) ? 0 : -1;
		if (refusals_end(&rf) < 0)
			r = -1;
	} else {
		if (e == GT_KUBE_FORBIDDEN)
			forbidden_error(a.text);
		else if (a.ran)
			relay(&a, true);
		if (why)
			*why = one_line_new(&a);
		r = -1;
	}
	size_t j;
	json_array_foreach(items, j, one)
		for (size_t i = 0; i < n; i++)
			if (!live[i] && same_identity(objs[i], one)) {
				live[i] = json_incref(one);
				break;
			}
	json_decref(items);
	answer_free(&a);
	body_free(body);
	return r;
}

int gt_kube_read(const struct gt_kube_opts *o, json_t *const *objs, size_t n, unsigned flags, unsigned budget_s,
		 json_t **live, char **why)
{
	if (flags & GT_KUBE_BY_NAME) {
		if (why)
			*why = NULL;
		for (size_t i = 0; i < n; i++)
			live[i] = NULL;
		return n ? read_by_name(o, objs, n, flags, budget_s, live, why) : 0;
	}
	bool *done = calloc(n ? n : 1, sizeof(*done));
	size_t *idx = malloc((n ? n : 1) * sizeof(*idx));
	struct refusals rf = { 0 };
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
		r = read_namespace(o, objs, idx, m, ref.namespace, flags, budget_s, live, why, &rf);
	}
	if (refusals_end(&rf) < 0 && r == 0)
		r = -1;
	free(done);
	free(idx);
	return r;
}

/* The listable kinds as kubectl names them ("deployments.apps"), events left out (never tracked), into
 * types; namespaced says which scope (-1: both). 0, or -1 after printing. */
static int listable_kinds(const struct gt_kube_opts *o, int namespaced, json_t *types)
{
	const char *args[6] = { "api-resources", "--verbs=list", "--output=name" };
	if (namespaced >= 0)
		args[3] = namespaced ? "--namespaced=true" : "--namespaced=false";
	struct answer a;
	int r = call(o, args, NULL, 0, 0, &a) == GT_KUBE_OK ? 0 : -1;
	if (r < 0 && a.ran)
		relay(&a, true);
	char *save = NULL;
	for (char *l = r == 0 && a.out ? strtok_r(a.out, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save))
		if (strcmp(l, "events") && strcmp(l, "events.events.k8s.io"))
			json_object_set_new(types, l, json_true());
	answer_free(&a);
	return r;
}

/* Append items to out (both arrays); items is released. */
static void take_all(json_t *out, json_t *items)
{
	json_array_extend(out, items);
	json_decref(items);
}

int gt_kube_list(const struct gt_kube_opts *o, const struct gt_kube_scope *scope, const char *selector, unsigned flags,
		 json_t **out)
{
	json_t *types = json_object(), *items = NULL;
	struct refusals rf = { 0 };
	int r = types && (*out = json_array()) ? 0 : -1;
	if (r < 0)
		gt_error("out of memory");
	if (r == 0 && scope->whole_cluster) {
		/* kinds named: only those, everywhere (no discovery); else every listable kind */
		for (size_t i = 0; i < scope->n_kinds; i++)
			json_object_set_new(types, scope->kinds[i], json_true());
		for (size_t i = 0; i < scope->n_cluster_kinds; i++)
			json_object_set_new(types, scope->cluster_kinds[i], json_true());
		if (!json_object_size(types))
			r = listable_kinds(o, -1, types);
		if (r == 0 && (r = get_types(o, types, "*", selector, flags, 0, &items, NULL, &rf)) == 0)
			take_all(*out, items);
	} else if (r == 0) {
		for (size_t i = 0; i < scope->n_kinds; i++)
			json_object_set_new(types, scope->kinds[i], json_true());
		rf.loud = scope->kinds, rf.n_loud = scope->n_kinds;
		rf.loud2 = scope->cluster_kinds, rf.n_loud2 = scope->n_cluster_kinds;
		rf.quiet_others = true;
		if (scope->n_namespaces)
			r = listable_kinds(o, 1, types);
		for (size_t i = 0; r == 0 && i < scope->n_namespaces; i++)
			if ((r = get_types(o, types, scope->namespaces[i], selector, flags, 0, &items, NULL, &rf)) == 0)
				take_all(*out, items);
		json_object_clear(types);
		for (size_t i = 0; r == 0 && i < scope->n_cluster_kinds; i++)
			json_object_set_new(types, scope->cluster_kinds[i], json_true());
		if (r == 0 && (r = get_types(o, types, NULL, selector, flags, 0, &items, NULL, &rf)) == 0)
			take_all(*out, items);
	}
	if (refusals_end(&rf) < 0 && r == 0)
		r = -1;
	json_decref(types);
	if (r < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return r;
}

/* ---- writing ---------------------------------------------------------------------------------------- */

int gt_kube_apply(const struct gt_kube_opts *o, const json_t *obj)
{
	struct gt_strbuf manager = { 0 }, nsbuf = { 0 };
	gt_strbuf_addf(&manager, "--field-manager=%s", o->field_manager ? o->field_manager : gt_program());
	const char *ns = namespace_arg(o->namespace, &nsbuf);
	const char *args[8] = { "apply", "--server-side", manager.s, "--filename=-", "--output=name",
				ns ? ns : o->force_conflicts ? "--force-conflicts" : NULL,
				ns && o->force_conflicts ? "--force-conflicts" : NULL, NULL };
	char *body = json_dumps(obj, JSON_COMPACT);
	int r = -1;
	if (!body || !manager.s) {
		gt_error("out of memory");
	} else {
		struct answer a;
		r = call(o, args, body, strlen(body), 0, &a) == GT_KUBE_OK ? 0 : -1;
		if (r < 0 && a.ran)
			relay(&a, true);
		answer_free(&a);
	}
	body_free(body);
	gt_strbuf_release(&manager);
	gt_strbuf_release(&nsbuf);
	return r;
}

void gt_kube_outcomes_clear(struct gt_kube_outcome *out, size_t n)
{
	for (size_t i = 0; out && i < n; i++) {
		free(out[i].message);
		out[i].message = NULL;
	}
}

/* Worth one more try: the write may not have landed, or the server may answer next time. */
static bool transient(const char *m)
{
	static const char *const words[] = { "Unable to connect to the server", "connection reset", "(InternalError)",
					     "(ServiceUnavailable)", "(TooManyRequests)", "(Timeout)", "unexpected EOF",
					     "deadline exceeded", "did not finish within", NULL };
	return m && has(m, words);
}

/* The verb of a batch: what argv kubectl gets, and what goes to its standard input. */
enum batch_verb { BATCH_APPLY, BATCH_DELETE };

/* "deployment.apps/my-app": one line of kubectl's -o name output. */
static char *name_key_new(const json_t *obj)
{
	struct gt_ref ref;
	if (gt_obj_ref(obj, &ref, NULL) < 0)
		return NULL;
	char *type = type_name_new(&ref);
	struct gt_strbuf sb = { 0 };
	if (type)
		gt_strbuf_addf(&sb, "%s/%s", type, ref.name);
	free(type);
	return type ? gt_strbuf_detach(&sb) : NULL;
}

/* Run one kubectl for objs[idx[0..m)] (only identities for a delete: nothing else, such as a Secret's
 * data, needs to leave the process). a holds what came back. */
static void batch_run(const struct gt_kube_opts *o, enum batch_verb verb, json_t *const *objs, const size_t *idx,
		      size_t m, unsigned budget_s, struct answer *a)
{
	struct gt_strbuf manager = { 0 }, nsbuf = { 0 };
	const char *args[10];
	size_t n = 0;
	if (verb == BATCH_APPLY) {
		gt_strbuf_addf(&manager, "--field-manager=%s", o->field_manager ? o->field_manager : gt_program());
		args[n++] = "apply", args[n++] = "--server-side", args[n++] = manager.s ? manager.s : "--field-manager=gitops";
		if (o->force_conflicts)
			args[n++] = "--force-conflicts";
	} else {
		args[n++] = "delete", args[n++] = "--wait=false", args[n++] = "--ignore-not-found";
	}
	args[n++] = "--filename=-", args[n++] = "--output=name";
	/* -n as kubectl apply -n for what is applied; what is deleted was read live and names its namespace */
	args[n++] = verb == BATCH_APPLY ? namespace_arg(o->namespace, &nsbuf) : NULL;
	args[n] = NULL;
	json_t *items = json_array();
	for (size_t i = 0; items && i < m; i++)
		json_array_append_new(items, verb == BATCH_DELETE ? gt_kube_identity_new(objs[idx[i]]) : json_incref(objs[idx[i]]));
	char *body = list_body_new(items);
	json_decref(items);
	if (!body) {
		memset(a, 0, sizeof(*a));
		a->error = GT_KUBE_OTHER;
		a->text = strdup("out of memory");
	} else {
		call(o, args, body, strlen(body), budget_s, a);
	}
	body_free(body);
	gt_strbuf_release(&manager);
	gt_strbuf_release(&nsbuf);
}

/*
 * Which of objs[idx[0..m)] kubectl confirmed: a name printed at least as often as objects of that
 * name were sent. Same-named objects in two namespaces that were confirmed fewer times are
 * ambiguous and count as not confirmed. confirmed[i] per idx.
 */
static int match_confirmed(json_t *const *objs, const size_t *idx, size_t m, const struct answer *a, bool *confirmed)
{
	json_t *sent = json_object(), *seen = json_object();
	char *copy = strdup(a->out ? a->out : ""), *save = NULL;
	char **keys = calloc(m ? m : 1, sizeof(*keys));
	int r = sent && seen && copy && keys ? 0 : -1;
	for (size_t i = 0; r == 0 && i < m; i++) {
		keys[i] = name_key_new(objs[idx[i]]);
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

static void outcome_set(struct gt_kube_outcome *out, bool ok, enum gt_kube_error e, char *message)
{
	free(out->message);
	out->ok = ok;
	out->error = ok ? GT_KUBE_OK : e;
	out->message = ok ? (free(message), NULL) : message;
}

/* One object alone: its own error, and the second try of a transient one. */
static void batch_one(const struct gt_kube_opts *o, enum batch_verb verb, json_t *const *objs, size_t i,
		      unsigned budget_s, struct gt_kube_outcome *out)
{
	struct answer a;
	batch_run(o, verb, objs, &i, 1, budget_s, &a);
	outcome_set(out, a.error == GT_KUBE_OK, a.error, one_line_new(&a));
	answer_free(&a);
}

static int batch(const struct gt_kube_opts *o, enum batch_verb verb, json_t *const *objs, size_t n, unsigned budget_s,
		 struct gt_kube_outcome *out)
{
	size_t *idx = malloc((n ? n : 1) * sizeof(*idx));
	bool *confirmed = calloc(n ? n : 1, sizeof(*confirmed));
	struct answer a;
	int failed = 0;
	time_t t0 = time(NULL);
	if (!idx || !confirmed)
		return free(idx), free(confirmed), gt_error("out of memory"), -1;
	for (size_t i = 0; i < n; i++)
		idx[i] = i, out[i].ok = false, out[i].error = GT_KUBE_OK, out[i].message = NULL;
	if (n == 0)
		return free(idx), free(confirmed), 0;
	batch_run(o, verb, objs, idx, n, budget_s, &a);
	if (!a.ran) {
		for (size_t i = 0; i < n; i++)
			outcome_set(&out[i], false, a.error, strdup(a.text ? a.text : "kubectl could not be run"));
		bool timed_out = a.timed_out;
		answer_free(&a), free(idx), free(confirmed);
		return timed_out ? (int)n : -1;
	}
	bool all_ok = a.error == GT_KUBE_OK;
	if (!all_ok && match_confirmed(objs, idx, n, &a, confirmed) < 0) {
		answer_free(&a), free(idx), free(confirmed);
		return -1;
	}
	size_t n_failed = 0;
	for (size_t i = 0; i < n; i++) {
		out[i].ok = all_ok || confirmed[i];
		n_failed += !out[i].ok;
	}
	char *text = all_ok ? NULL : one_line_new(&a);
	bool unreachable = n_failed == n && a.error == GT_KUBE_UNREACHABLE && !strstr(text, "EOF");
	bool alone = n_failed == 1 && !transient(text);
	unsigned spent = (unsigned)(time(NULL) - t0);
	unsigned left = budget_s ? (spent < budget_s ? budget_s - spent : 0) : 0;
	bool no_time = budget_s && left < 1; /* the re-runs would outlive the budget */
	for (size_t i = 0; i < n; i++) {
		if (out[i].ok)
			continue;
		if (unreachable || alone || no_time)
			outcome_set(&out[i], false, a.error == GT_KUBE_OK ? GT_KUBE_OTHER : classify_text(a.text), strdup(text));
		else
			batch_one(o, verb, objs, i, left, &out[i]);
		failed += !out[i].ok;
	}
	free(text);
	answer_free(&a);
	free(idx);
	free(confirmed);
	return failed;
}

int gt_kube_apply_batch(const struct gt_kube_opts *o, json_t *const *objs, size_t n, unsigned budget_s,
			struct gt_kube_outcome *out)
{
	return batch(o, BATCH_APPLY, objs, n, budget_s, out);
}

int gt_kube_delete_batch(const struct gt_kube_opts *o, json_t *const *objs, size_t n, unsigned budget_s,
			 struct gt_kube_outcome *out)
{
	return batch(o, BATCH_DELETE, objs, n, budget_s, out);
}

/* The server answered, and said no: the request was invalid or not allowed (not: unreachable, failing). */
static bool only_refusals(const char *text)
{
	static const char *const refusals[] = { "is invalid", "(Invalid)", "(BadRequest)", "is forbidden", "(Forbidden)",
						"no matches for kind", "resource mapping not found",
						"ensure CRDs are installed", NULL };
	bool any = false;
	for (const char *l = text ? text : ""; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] == '\n')) {
		char line[1024];
		size_t n = strcspn(l, "\n");
		snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) - 1 ? n : sizeof(line) - 1), l);
		if (n && !has(line, refusals))
			return false;
		any = any || n > 0;
	}
	return any;
}

int gt_kube_dry_run_apply(const struct gt_kube_opts *o, const json_t *objs, json_t **out)
{
	struct gt_strbuf manager = { 0 }, nsbuf = { 0 };
	*out = NULL;
	gt_strbuf_addf(&manager, "--field-manager=%s", o->field_manager ? o->field_manager : GT_APPLY_FIELD_MANAGER);
	const char *args[] = { "apply", "--server-side", "--dry-run=server", "--force-conflicts", manager.s,
			       "--filename=-", "--output=json", namespace_arg(o->namespace, &nsbuf), NULL };
	char *body = manager.s ? list_body_new((json_t *)objs) : NULL;
	int r = -1;
	if (!body) {
		gt_error("out of memory");
	} else {
		struct answer a;
		enum gt_kube_error e = call(o, args, body, strlen(body), 0, &a);
		if (e == GT_KUBE_OK) {
			r = (*out = items_new("apply --dry-run=server", &a)) ? 0 : -1;
		} else if (a.ran && e != GT_KUBE_UNREACHABLE && only_refusals(a.text)) {
			relay(&a, false);
			r = 1;
		} else if (a.ran) {
			relay(&a, true);
		}
		answer_free(&a);
	}
	body_free(body);
	gt_strbuf_release(&manager);
	gt_strbuf_release(&nsbuf);
	return r;
}

int gt_kube_wait_established(const struct gt_kube_opts *o, const char *const *names, size_t n, unsigned budget_s)
{
	struct gt_strvec args = { 0 };
	struct gt_strbuf to = { 0 };
	char **owned = calloc(n + 1, sizeof(*owned));
	int r = owned && gt_strbuf_addf(&to, "--timeout=%us", budget_s ? budget_s : GT_KUBE_DEFAULT_TIMEOUT) == 0 ? 0 : -1;
	const char *fixed[] = { "wait", "--for=condition=Established", to.s };
	for (size_t i = 0; r == 0 && i < 3; i++)
		r = gt_strvec_push(&args, fixed[i]);
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct gt_strbuf sb = { 0 };
		r = gt_strbuf_addf(&sb, "customresourcedefinitions.apiextensions.k8s.io/%s", names[i]);
		owned[i] = gt_strbuf_detach(&sb);
		r = r == 0 && owned[i] ? gt_strvec_push(&args, owned[i]) : -1;
	}
	if (r < 0) {
		gt_error("out of memory");
	} else if (n > 0) {
		struct answer a;
		r = call(o, args.v, NULL, 0, budget_s, &a) == GT_KUBE_OK ? 0 : -1;
		if (r < 0 && a.ran)
			relay(&a, true);
		answer_free(&a);
	}
	for (size_t i = 0; owned && i < n; i++)
		free(owned[i]);
	free(owned);
	gt_strvec_release(&args);
	gt_strbuf_release(&to);
	return r;
}

int gt_kube_config_view(const struct gt_kube_opts *o, json_t **out)
{
	const char *args[] = { "config", "view", "--output=json", NULL };
	struct gt_kube_opts k = *o;
	struct answer a;
	k.context = NULL; /* the whole kubeconfig, not one context's */
	*out = NULL;
	int r = call(&k, args, NULL, 0, 0, &a) == GT_KUBE_OK ? 0 : -1;
	if (r < 0 && a.ran)
		relay(&a, true);
	if (r == 0) {
		json_error_t e;
		if (!(*out = json_loadb(a.out ? a.out : "", a.out_len, 0, &e)))
			r = -1, gt_error("kubectl config view: unreadable answer: %s", e.text);
	}
	answer_free(&a);
	return r;
}
