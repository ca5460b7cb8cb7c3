/* test_kube: the parts of common/kube.c that decide, through its public functions, with a fake
 * kubectl first on PATH. The fake logs each call's argv and standard input and answers with what
 * the test put in FAKE/out.N, err.N and rc.N for the Nth call.
 *
 *   - batching: one kubectl per batch whatever the number of objects, objects on stdin (a v1
 *     List), delete sends identities only, reads are one call per namespace;
 *   - when a batch fails: kubectl's confirmations say which objects landed; two or more failed,
 *     or a transient error, are re-run one per call (each gets its own message); one plain
 *     failure, or an unreachable cluster, is not re-run; a kubectl that hangs is stopped;
 *   - error classification: unreachable, forbidden, refusals of a dry run, kinds not served;
 *   - secrets: a value kubectl echoes in its messages is masked, in relayed messages and outcomes.
 */
#define _GNU_SOURCE /* asprintf */
#include "cli.h"
#include "kube.h"
#include "capture.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET "s3cret-Vq7Lm2Xw"

static char fake[256];

static void put(const char *what, int n, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.%d", fake, what, n);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* The Nth call answers out on stdout, err on stderr and exits rc. */
static void answer(int n, const char *out, const char *err, int rc)
{
	char buf[16];
	put("out", n, out ? out : "");
	put("err", n, err ? err : "");
	snprintf(buf, sizeof(buf), "%d", rc);
	put("rc", n, buf);
}

/* Forget the calls and answers so far. */
static void reset(void)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "rm -f '%s'/count '%s'/out.* '%s'/err.* '%s'/rc.* '%s'/argv.* '%s'/stdin.* '%s'/hang.*",
		 fake, fake, fake, fake, fake, fake, fake);
	if (system(cmd) != 0)
		ok(0, "reset the fake kubectl");
}

static int calls(void)
{
	char path[512];
	int n = 0;
	snprintf(path, sizeof(path), "%s/count", fake);
	FILE *f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = 0;
		fclose(f);
	}
	return n;
}

/* What the Nth call got as argv (one line) or on stdin; caller frees. */
static char *got(const char *what, int n)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.%d", fake, what, n);
	FILE *f = fopen(path, "r");
	char *s = calloc(1, 1 << 16);
	if (f && s) {
		size_t k = fread(s, 1, (1 << 16) - 1, f);
		s[k] = '\0';
		if (k && s[k - 1] == '\n')
			s[k - 1] = '\0';
	}
	if (f)
		fclose(f);
	return s;
}

static void install_fake(const char *dir)
{
	char path[512];
	snprintf(fake, sizeof(fake), "%s/fake", dir);
	mkdir(fake, 0700);
	snprintf(path, sizeof(path), "%s/kubectl", fake);
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f,
		"#!/bin/sh\n"
		"d='%s'\n"
		"n=$(( $(cat \"$d/count\" 2>/dev/null || echo 0) + 1 ))\n"
		"echo \"$n\" >\"$d/count\"\n"
		"printf '%%s\\n' \"$*\" >\"$d/argv.$n\"\n"
		"cat >\"$d/stdin.$n\"\n"
		"[ -e \"$d/hang.$n\" ] && exec sleep 60\n"
		"cat \"$d/out.$n\" 2>/dev/null\n"
		"cat \"$d/err.$n\" >&2 2>/dev/null\n"
		"exit \"$(cat \"$d/rc.$n\" 2>/dev/null || echo 0)\"\n",
		fake);
	fclose(f);
	chmod(path, 0755);
	char *p = NULL;
	if (asprintf(&p, "%s:%s", fake, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin") >= 0)
		setenv("PATH", p, 1);
	free(p);
}

static json_t *cm(const char *name, const char *ns)
{
	return json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s}}", "apiVersion", "v1", "kind", "ConfigMap", "metadata", "name",
			 name, "namespace", ns, "data", "k", "v");
}

static json_t *secret(const char *name)
{
	return json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s}}", "apiVersion", "v1", "kind", "Secret", "metadata", "name",
			 name, "namespace", "prod", "stringData", "password", SECRET);
}

static bool has(const char *s, const char *needle)
{
	return s && strstr(s, needle);
}

/* The classes the tools act on, as gt_kube_classify gives them. */
static bool unreachable(const char *message)
{
	return gt_kube_classify(message) == GT_KUBE_UNREACHABLE;
}

static bool forbidden(const char *message)
{
	return gt_kube_classify(message) == GT_KUBE_FORBIDDEN;
}

static void test_batch_apply(void)
{
	struct gt_kube_opts o = { .field_manager = "gitops-apply", .timeout = 30 };
	json_t *objs[3] = { cm("a", "prod"), cm("b", "prod"), cm("c", "prod") };
	struct gt_kube_outcome out[3];

	/* All applied: one kubectl, the three objects on its stdin as one List. */
	reset();
	answer(1, "configmap/a\nconfigmap/b\nconfigmap/c\n", "", 0);
	int failed = gt_kube_apply_batch(&o, objs, 3, 0, out);
	char *argv = got("argv", 1), *in = got("stdin", 1);
	is_int(failed, 0, "apply batch: none failed");
	is_int(calls(), 1, "apply batch of 3: one kubectl");
	ok(has(argv, "apply --server-side --field-manager=gitops-apply") && has(argv, "--filename=-") &&
	   has(argv, "--output=name"), "apply batch: server-side, as gitops-apply, objects from stdin");
	json_t *list = json_loads(in, 0, NULL);
	is_str(json_string_value(json_object_get(list, "kind")), "List", "apply batch: stdin is a List");
	is_int(json_array_size(json_object_get(list, "items")), 3, "apply batch: of the 3 objects");
	ok(out[0].ok && out[1].ok && out[2].ok, "apply batch: each outcome ok");
	json_decref(list);
	free(argv), free(in);
	gt_kube_outcomes_clear(out, 3);

	/* Two failed: kubectl confirmed a, so b and c are re-run one per call for their own messages. */
	reset();
	answer(1, "configmap/a\n", "Error from server (Invalid): b is invalid\nError from server (Invalid): c is invalid\n", 1);
	answer(2, "", "Error from server (Invalid): ConfigMap \"b\" is invalid: data: too long\n", 1);
	answer(3, "configmap/c\n", "", 0);
	failed = gt_kube_apply_batch(&o, objs, 3, 0, out);
	char *in2 = got("stdin", 2), *in3 = got("stdin", 3);
	is_int(failed, 1, "two unconfirmed: one failed after the re-runs");
	is_int(calls(), 3, "two unconfirmed: the batch, then one call each");
	ok(has(in2, "\"name\":\"b\"") && !has(in2, "\"name\":\"c\"") && has(in3, "\"name\":\"c\""),
	   "the re-runs carry one object each, b then c");
	ok(out[0].ok && !out[1].ok && out[2].ok, "a confirmed, b failed, c ok on its own");
	is_str(out[1].message, "Error from server (Invalid): ConfigMap \"b\" is invalid: data: too long",
	       "b's message is its own error");
	free(in2), free(in3);
	gt_kube_outcomes_clear(out, 3);

	/* One failed for a plain reason: kubectl's message is its, no re-run. */
	reset();
	answer(1, "configmap/a\nconfigmap/c\n", "Error from server (Invalid): ConfigMap \"b\" is invalid\n", 1);
	failed = gt_kube_apply_batch(&o, objs, 3, 0, out);
	is_int(failed, 1, "one unconfirmed: one failed");
	is_int(calls(), 1, "one unconfirmed, not transient: not re-run");
	is_str(out[1].message, "Error from server (Invalid): ConfigMap \"b\" is invalid", "its message from the batch");
	gt_kube_outcomes_clear(out, 3);

	/* One failed for a transient reason: tried once more on its own. */
	reset();
	answer(1, "configmap/a\nconfigmap/c\n", "Error from server (InternalError): etcdserver: leader changed\n", 1);
	answer(2, "configmap/b\n", "", 0);
	failed = gt_kube_apply_batch(&o, objs, 3, 0, out);
	is_int(failed, 0, "a transient failure: retried, none failed");
	is_int(calls(), 2, "a transient failure: one more call");
	gt_kube_outcomes_clear(out, 3);

	/* The cluster cannot be reached: every object failed with that message, no re-runs. */
	reset();
	answer(1, "", "E1203 07:29:30.387562   22853 memcache.go:265] couldn't get current server API group list\n"
		      "Unable to connect to the server: dial tcp 127.0.0.1:6443: connect: connection refused\n", 1);
	failed = gt_kube_apply_batch(&o, objs, 3, 0, out);
	is_int(failed, 3, "unreachable: all failed");
	is_int(calls(), 1, "unreachable: not re-run object by object");
	is_str(out[2].message, "Unable to connect to the server: dial tcp 127.0.0.1:6443: connect: connection refused",
	       "unreachable: kubectl's message, klog noise dropped");
	ok(unreachable(out[2].message), "and it reads as unreachable");
	gt_kube_outcomes_clear(out, 3);

	for (int i = 0; i < 3; i++)
		json_decref(objs[i]);
}

static void test_batch_delete_and_secrets(void)
{
	struct gt_kube_opts o = { .timeout = 30, .secret = SECRET };
	json_t *objs[2] = { secret("db"), cm("a", "prod") };
	struct gt_kube_outcome out[2];

	reset();
	answer(1, "secret/db\nconfigmap/a\n", "", 0);
	int failed = gt_kube_delete_batch(&o, objs, 2, 0, out);
	char *argv = got("argv", 1), *in = got("stdin", 1);
	is_int(failed, 0, "delete batch: none failed");
	is_int(calls(), 1, "delete batch of 2: one kubectl");
	ok(has(argv, "delete --wait=false --ignore-not-found"), "delete: without waiting, gone is fine");
	ok(!has(in, SECRET) && !has(in, "stringData") && !has(in, "\"data\""), "delete: only identities on stdin, no data");
	free(argv), free(in);
	gt_kube_outcomes_clear(out, 2);

	/* An API server that quotes the value it refuses: masked in the outcome... */
	reset();
	answer(1, "", "Error from server (Invalid): Secret \"db\" is invalid: data[password]: Invalid value: \"" SECRET "\"\n",
	       1);
	failed = gt_kube_apply_batch(&o, objs, 1, 0, out);
	is_int(failed, 1, "a refused Secret: failed");
	ok(has(out[0].message, "Invalid value: \"***\"") && !has(out[0].message, SECRET), "its message masks the value");
	gt_kube_outcomes_clear(out, 1);

	/* ...and in the messages relayed on stderr. */
	reset();
	answer(1, "", "Error from server (Invalid): Secret \"db\" is invalid: data[password]: Invalid value: \"" SECRET "\"\n",
	       1);
	struct capture cap;
	capture_start(&cap);
	int r = gt_kube_apply(&o, objs[0]);
	char *said = capture_end(&cap);
	is_int(r, -1, "gt_kube_apply of a refused Secret: an error");
	ok(has(said, "kubectl: Error from server (Invalid)") && has(said, "\"***\"") && !has(said, SECRET),
	   "relayed on stderr with the value masked");
	free(said);
	json_decref(objs[0]);
	json_decref(objs[1]);
}

static void test_reads(void)
{
	struct gt_kube_opts o = { .timeout = 30 };
	json_t *objs[3] = { cm("a", "prod"), cm("b", "staging"), cm("c", "prod") };
	json_t *live[3];
	char *why = NULL;

	/* One get per namespace, every kind of it at once. */
	reset();
	answer(1, "{\"kind\":\"List\",\"items\":[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\","
		  "\"namespace\":\"prod\"}}]}",
	       "", 0);
	answer(2, "{\"kind\":\"List\",\"items\":[]}", "", 0);
	int r = gt_kube_read(&o, objs, 3, 0, 0, live, &why);
	char *a1 = got("argv", 1), *a2 = got("argv", 2);
	is_int(r, 0, "get batch: read");
	is_int(calls(), 2, "get batch over two namespaces: two kubectl calls");
	ok(has(a1, "get configmap") && has(a1, "--namespace=prod") && has(a2, "--namespace=staging"),
	   "one per namespace, the kinds listed");
	ok(live[0] && !live[1] && !live[2], "a found; b and c not there");
	free(a1), free(a2);
	for (int i = 0; i < 3; i++)
		json_decref(live[i]);

	/* A kind the server does not serve (its CRD not applied yet): dropped, the rest read again. */
	json_t *mixed[2] = { cm("a", "prod"),
			     json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "example.com/v1", "kind", "Widget",
				       "metadata", "name", "w", "namespace", "prod") };
	reset();
	answer(1, "", "error: the server doesn't have a resource type \"widget\"\n", 1);
	answer(2, "{\"kind\":\"List\",\"items\":[]}", "", 0);
	r = gt_kube_read(&o, mixed, 2, 0, 0, live, &why);
	a2 = got("argv", 2);
	is_int(r, 0, "a kind not served: no error");
	is_int(calls(), 2, "a kind not served: asked again without it");
	ok(has(a2, "get configmap ") && !has(a2, "widget"), "the second get leaves the kind out");
	free(a2);
	for (int i = 0; i < 2; i++)
		json_decref(live[i]), json_decref(mixed[i]);

	/* gitops-health's read: kinds kubectl cannot map are absent, anything else fails. */
	reset();
	answer(1, "{\"kind\":\"List\",\"items\":[]}",
	       "error: resource mapping not found for name: \"w\" namespace: \"prod\" from \"STDIN\": no matches for kind "
	       "\"Widget\" in version \"example.com/v1\"\nensure CRDs are installed first\n",
	       1);
	json_t *want[1] = { cm("a", "prod") }, *found[1] = { NULL };
	r = gt_kube_read(&o, want, 1, GT_KUBE_BY_NAME, 0, found, NULL);
	is_int(r, 0, "read by name, a kind not installed: not an error");
	ok(!found[0], "and nothing found");
	json_decref(found[0]);
	reset();
	answer(1, "", "Error from server (Forbidden): configmaps \"a\" is forbidden: User \"ci\" cannot get resource\n", 1);
	struct capture cap;
	capture_start(&cap);
	r = gt_kube_read(&o, want, 1, GT_KUBE_BY_NAME, 0, found, NULL);
	char *said = capture_end(&cap);
	is_int(r, -1, "read by name, forbidden: an error");
	ok(has(said, "is forbidden"), "kubectl's reason relayed");
	ok(forbidden(said), "and it reads as forbidden");
	ok(!unreachable(said), "not as unreachable");
	free(said);
	json_decref(want[0]);
	for (int i = 0; i < 3; i++)
		json_decref(objs[i]);
}

static void test_dry_run(void)
{
	struct gt_kube_opts o = { .timeout = 30 };
	json_t *objs = json_array(), *answer_ = NULL;
	json_array_append_new(objs, cm("a", "prod"));
	struct capture cap;

	/* The server refused the dry run (an immutable field): 1, kubectl's words as a warning. */
	reset();
	answer(1, "", "The Deployment \"web\" is invalid: spec.selector: Invalid value: field is immutable\n", 1);
	capture_start(&cap);
	int r = gt_kube_dry_run_apply(&o, objs, &answer_);
	char *said = capture_end(&cap);
	char *argv = got("argv", 1);
	is_int(r, 1, "dry run refused: 1 (compare offline)");
	ok(answer_ == NULL, "no answer");
	ok(has(said, "warning: kubectl: The Deployment \"web\" is invalid"), "relayed as a warning");
	ok(has(argv, "apply --server-side --dry-run=server --force-conflicts --field-manager=gitops-apply"),
	   "as gitops-apply's field manager");
	free(said), free(argv);

	/* Unreachable is not a refusal: an error. */
	reset();
	answer(1, "", "Unable to connect to the server: dial tcp 127.0.0.1:6443: connect: connection refused\n", 1);
	capture_start(&cap);
	r = gt_kube_dry_run_apply(&o, objs, &answer_);
	said = capture_end(&cap);
	is_int(r, -1, "dry run, unreachable: an error");
	ok(has(said, "kubectl: Unable to connect to the server"), "kubectl's message relayed");
	free(said);
	json_decref(objs);
}

static void test_hang(void)
{
	struct gt_kube_opts o = { .timeout = 1 };
	json_t *objs[1] = { cm("a", "prod") };
	struct gt_kube_outcome out[1];
	reset();
	put("hang", 1, "");
	struct capture cap;
	capture_start(&cap);
	int failed = gt_kube_apply_batch(&o, objs, 1, 1, out);
	char *said = capture_end(&cap);
	is_int(failed, 1, "a kubectl that hangs: stopped, the object failed");
	ok(has(out[0].message, "did not finish within"), "its message says kubectl did not finish");
	ok(unreachable(out[0].message), "which reads as unreachable (nothing to blame on the object)");
	free(said);
	gt_kube_outcomes_clear(out, 1);
	json_decref(objs[0]);
}

static void test_messages(void)
{
	ok(unreachable("Unable to connect to the server: dial tcp: lookup nowhere: no such host"),
	   "unreachable: no such host");
	ok(unreachable("The connection to the server 127.0.0.1:6443 was refused - did you specify the "
				       "right host or port?"),
	   "unreachable: refused");
	ok(unreachable("error: You must be logged in to the server (Unauthorized)"),
	   "unreachable: not logged in");
	ok(!unreachable("Error from server (NotFound): namespaces \"x\" not found"),
	   "a missing namespace is the object's problem");
	ok(forbidden("Error from server (Forbidden): deployments.apps \"web\" is forbidden: User \"ci\" "
				     "cannot patch resource"),
	   "forbidden");
	ok(!forbidden("Error from server (Invalid): Deployment \"web\" is invalid"),
	   "invalid is not forbidden");
}

int main(void)
{
	gt_set_program("test_kube");
	char top[128];
	snprintf(top, sizeof(top), "%s/test_kube.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(top))
		return 1;
	install_fake(top);
	test_batch_apply();
	test_batch_delete_and_secrets();
	test_reads();
	test_dry_run();
	test_hang();
	test_messages();
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0)
		ok(0, "remove %s", top);
	return tap_done();
}
