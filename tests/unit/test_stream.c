/* test_stream: every input form a user pipes in (JSON Lines, concatenated and pretty JSON, arrays,
 * Lists, YAML multi-doc, stdin) gives the same objects with the right file:line, errors point at
 * the right place, and the writer's JSON Lines and YAML read back. */
#include "cli.h"
#include "json.h"
#include "stream.h"
#include "capture.h"
#include "jlit.h"
#include "tap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- helpers ---- */

static char *json_text(const json_t *v)
{
	if (!v)
		return strdup("(null)");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	gt_json_write(f, v);
	fclose(f);
	return buf;
}

/* A temporary file holding len bytes of text; caller unlinks and frees the path. */
static char *temp_file(const char *text, size_t len)
{
	char *path = strdup("/tmp/test_stream.XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		perror("temp file");
		exit(2);
	}
	close(fd);
	return path;
}

struct read_result {
	int status;        /* 0 at the end, -1 after an error */
	json_t *objs;      /* the objects read before any error */
	unsigned long lines[64], docs[64];
	size_t n;
	char *err;         /* stderr */
	bool files_ok;     /* every where.file was the expected name */
};

static void read_result_free(struct read_result *rr)
{
	json_decref(rr->objs);
	free(rr->err);
}

/* Read every object of path with lim (NULL: defaults). */
static struct read_result read_path(const char *path, const struct gt_limits *lim, const char *want_file)
{
	struct gt_limits def = GT_LIMITS_DEFAULT;
	struct read_result rr = { 0, json_array(), { 0 }, { 0 }, 0, NULL, true };
	struct capture c;
	capture_start(&c);
	struct gt_stream *s = gt_stream_open(path, lim ? lim : &def);
	if (!s) {
		rr.status = -2;
	} else {
		json_t *obj;
		struct gt_where w;
		int st;
		while ((st = gt_stream_next(s, &obj, &w)) > 0) {
			if (rr.n < 64) {
				rr.lines[rr.n] = w.line;
				rr.docs[rr.n] = w.doc;
			}
			rr.n++;
			if (!w.file || strcmp(w.file, want_file))
				rr.files_ok = false;
			json_array_append_new(rr.objs, obj);
		}
		rr.status = st;
		gt_stream_close(s);
	}
	rr.err = capture_end(&c);
	return rr;
}

/* Read text from a temporary file. */
static struct read_result read_text_n(const char *text, size_t len, const struct gt_limits *lim)
{
	char *path = temp_file(text, len);
	struct read_result rr = read_path(path, lim, path);
	/* Messages name the file: make them comparable by calling it "t". */
	if (rr.err) {
		char *p;
		while ((p = strstr(rr.err, path))) {
			size_t pl = strlen(path);
			*p = 't';
			memmove(p + 1, p + pl, strlen(p + pl) + 1);
		}
	}
	unlink(path);
	free(path);
	return rr;
}

static struct read_result read_text(const char *text)
{
	return read_text_n(text, strlen(text), NULL);
}

/* text must give exactly the objects of want (a JSON array) with these lines and doc indexes. */
static void check_objects(const char *text, const char *want, const unsigned long *lines, const unsigned long *docs,
			  const char *what)
{
	struct read_result rr = read_text(text);
	json_t *w = J(want);
	int pass = rr.status == 0 && json_equal(rr.objs, w) && rr.files_ok && !*rr.err;
	ok(pass, "%s: objects", what);
	if (!pass) {
		char *g = json_text(rr.objs);
		printf("#   status %d, got %s\n#   stderr: %s\n", rr.status, g, rr.err);
		free(g);
	}
	for (size_t i = 0; i < json_array_size(w) && i < rr.n; i++) {
		if (lines)
			is_int(rr.lines[i], lines[i], "%s: object %zu on line %lu", what, i, lines[i]);
		if (docs)
			is_int(rr.docs[i], docs[i], "%s: object %zu from document %lu", what, i, docs[i]);
	}
	json_decref(w);
	read_result_free(&rr);
}

/* Reading text must fail after n_ok objects with a one-line message starting with prefix. */
static void check_stream_error(const char *text, size_t len, const struct gt_limits *lim, size_t n_ok,
			       const char *prefix, const char *contains, const char *what)
{
	struct read_result rr = read_text_n(text, len ? len : strlen(text), lim);
	char want[256];
	snprintf(want, sizeof(want), "test_stream: %s", prefix);
	int pass = rr.status == -1 && rr.n == n_ok && !strncmp(rr.err, want, strlen(want)) &&
		   (!contains || strstr(rr.err, contains)) && strchr(rr.err, '\n') && !strchr(rr.err, '\n')[1];
	ok(pass, "%s", what);
	if (!pass)
		printf("#   status %d after %zu objects, stderr: %s", rr.status, rr.n, rr.err);
	read_result_free(&rr);
}

#define L(...) ((const unsigned long[]){ __VA_ARGS__ })

/* ---- forms ---- */

static void test_json_forms(void)
{
	check_objects("{\"kind\":\"A\"}\n{\"kind\":\"B\"}\n{\"kind\":\"C\",\"n\":[1,{\"x\":null}]}\n",
		      "[{'kind':'A'},{'kind':'B'},{'kind':'C','n':[1,{'x':null}]}]", L(1, 2, 3), L(0, 1, 2), "JSON Lines");
	check_objects("{\"kind\":\"A\"}\r\n\r\n{\"kind\":\"B\"}\r\n", "[{'kind':'A'},{'kind':'B'}]", L(1, 3), L(0, 1),
		      "JSON Lines with CRLF and a blank line");
	check_objects("{\"a\":{\"b\":\"}\"}}{\"c\":2} {\"d\":\"]\\n\"}\n", "[{'a':{'b':'}'}},{'c':2},{'d':']\\n'}]",
		      L(1, 1, 1), L(0, 1, 2), "concatenated JSON on one line");
	check_objects("{\n  \"kind\": \"A\",\n  \"x\": [\n    1\n  ]\n}\n{\n  \"kind\": \"B\"\n}\n\n\n  {\"kind\": \"C\"}",
		      "[{'kind':'A','x':[1]},{'kind':'B'},{'kind':'C'}]", L(1, 7, 12), L(0, 1, 2),
		      "pretty-printed JSON across lines, no final newline");
	check_objects("[{\"kind\":\"A\"},{\"kind\":\"B\"}]\n", "[{'kind':'A'},{'kind':'B'}]", L(1, 1), L(0, 0), "a JSON array");
	check_objects("\n[\n  {\"kind\":\"A\"},\n  {\"kind\":\"B\"}\n]\n[{\"kind\":\"C\"}]\n",
		      "[{'kind':'A'},{'kind':'B'},{'kind':'C'}]", L(2, 2, 6), L(0, 0, 1), "pretty JSON arrays, twice");
	check_objects("[]\n{\"kind\":\"A\"}\n", "[{'kind':'A'}]", L(2), L(1), "an empty array gives nothing");
	check_objects("\xef\xbb\xbf{\"kind\":\"A\"}\n", "[{'kind':'A'}]", L(1), L(0), "JSON after a UTF-8 BOM");
	check_objects("", "[]", NULL, NULL, "an empty file");
	check_objects("\n  \n\t\n", "[]", NULL, NULL, "a file of blank lines");
}

static void test_lists(void)
{
	const char *kubectl =
		"{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n        {\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", "
		"\"metadata\": {\"name\": \"a\"}},\n        {\"apiVersion\": \"v1\", \"kind\": \"Secret\", \"metadata\": "
		"{\"name\": \"b\"}}\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {\"resourceVersion\": \"\"}\n}\n";
	check_objects(kubectl,
		      "[{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'a'}},"
		      "{'apiVersion':'v1','kind':'Secret','metadata':{'name':'b'}}]",
		      L(1, 1), L(0, 0), "kubectl get -o json: a List is flattened");
	check_objects("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMapList\",\"items\":[{\"kind\":\"ConfigMap\"}]}\n"
		      "{\"kind\":\"Other\"}\n",
		      "[{'kind':'ConfigMap'},{'kind':'Other'}]", L(1, 2), L(0, 1), "a ConfigMapList is flattened");
	check_objects("{\"kind\":\"List\",\"items\":[{\"kind\":\"A\"},{\"kind\":\"List\",\"items\":[{\"kind\":\"B\"},"
		      "{\"kind\":\"SecretList\",\"items\":[{\"kind\":\"C\"}]}]},{\"kind\":\"D\"}]}\n",
		      "[{'kind':'A'},{'kind':'B'},{'kind':'C'},{'kind':'D'}]", L(1, 1, 1, 1), NULL,
		      "Lists inside Lists are flattened in order");
	check_objects("[{\"kind\":\"List\",\"items\":[{\"kind\":\"A\"}]},{\"kind\":\"B\"}]\n", "[{'kind':'A'},{'kind':'B'}]",
		      NULL, NULL, "a List inside a JSON array");
	check_objects("{\"kind\":\"List\",\"items\":[]}\n{\"kind\":\"A\"}\n", "[{'kind':'A'}]", L(2), L(1),
		      "an empty List gives nothing");
	check_objects("{\"kind\":\"List\"}\n{\"kind\":\"Playlist\",\"items\":\"x\"}\n",
		      "[{'kind':'List'},{'kind':'Playlist','items':'x'}]", NULL, NULL,
		      "a List kind without an items array is an object");
	check_objects("kind: List\nitems:\n- kind: A\n- kind: B\n---\nkind: C\n", "[{'kind':'A'},{'kind':'B'},{'kind':'C'}]",
		      L(1, 1, 5), L(0, 0, 1), "a YAML List");
	check_stream_error("{\"kind\":\"List\",\"items\":[{\"kind\":\"A\"},\"x\"]}\n", 0, NULL, 1, "t:1: ",
			   "list item 1 is a string", "a List item that is not an object is an error");
	check_stream_error("[{\"kind\":\"A\"},[{\"kind\":\"B\"}]]\n", 0, NULL, 1, "t:1: ", "a list",
			   "a list inside a JSON array is an error");
}

static void test_yaml_forms(void)
{
	const char *multi = "# comment before everything\n" /* 1 */
			    "---\n"                         /* 2 */
			    "apiVersion: v1\n"              /* 3: object 0, doc 0 at line 2 */
			    "kind: A # trailing comment\n"  /* 4 */
			    "---\n"                         /* 5: doc 1, comments only */
			    "# nothing\n"                   /* 6 */
			    "---\n"                         /* 7: doc 2, empty */
			    "---\n"                         /* 8: doc 3 */
			    "kind: B\n"                     /* 9 */
			    "data: {on: yes, n: 0123}\n"    /* 10 */
			    "...\n"                         /* 11 */
			    "---\n"                         /* 12: doc 4, null */
			    "null\n"                        /* 13 */
			    "--- {kind: C}\n";              /* 14: doc 5 */
	check_objects(multi, "[{'apiVersion':'v1','kind':'A'},{'kind':'B','data':{'true':true,'false':83}},{'kind':'C'}]",
		      L(2, 8, 14), L(0, 3, 5), "YAML multi-document with comments, empty and null documents");
	check_objects("\n\n   \n# a comment\n\n# another\nkind: A\nx: 1\n---\nkind: B\n", "[{'kind':'A','x':1},{'kind':'B'}]",
		      L(7, 9), L(0, 1), "YAML starting with blank lines and comments");
	check_objects("\xef\xbb\xbfkind: A\n---\nkind: B\n", "[{'kind':'A'},{'kind':'B'}]", L(1, 2), L(0, 1),
		      "YAML after a UTF-8 BOM");
	check_objects("\n\n- kind: A\n- kind: B\n", "[{'kind':'A'},{'kind':'B'}]", L(3, 3), L(0, 0), "a YAML list of objects");
	check_objects("  kind: A\n  x: 1\n", "[{'kind':'A','x':1}]", L(1), L(0), "indented YAML");
	check_objects("# only a comment\n", "[]", NULL, NULL, "a comment-only YAML file gives nothing");
	check_objects("---\n---\n", "[]", NULL, NULL, "empty documents only give nothing");
}

static void test_errors(void)
{
	/* The line is where the document starts, as for every object. */
	check_stream_error("kind: A\n---\nhello\n", 0, NULL, 1, "t:2: ", "a string", "a scalar document is an error");
	check_stream_error("kind: A\n---\n- 1\n", 0, NULL, 1, "t:2: ", "not an object",
			   "a YAML list of scalars is an error");
	check_stream_error("\n\n42\n", 0, NULL, 0, "t:3: ", NULL, "a number document is an error");
	check_stream_error("{\"a\":1}\n{\"b\":2}\n{\"c\":}\n{\"d\":4}\n", 0, NULL, 2, "t:3:6: ", NULL,
			   "malformed third JSON line: t:3:6");
	check_stream_error("{\n  \"a\": 1\n}\n{\n  \"b\": ,\n  \"c\": 3\n}\n", 0, NULL, 1, "t:5:8: ", NULL,
			   "malformed pretty JSON: line counted across documents");
	check_stream_error("{\"a\":1}{\"b\":}\n", 0, NULL, 1, "t:1:13: ", NULL,
			   "malformed second object on one line: column counted from the line start");
	check_stream_error("{\"a\":1,\"a\":2}\n", 0, NULL, 0, "t:1:", "duplicate", "duplicate JSON key is an error");
	check_stream_error("{\"a\":1}\nkind: B\n", 0, NULL, 1, "t:2: ", NULL, "YAML after JSON is an error");
	check_stream_error("{\"a\": [1, 2}\n", 0, NULL, 0, "t:1:", NULL, "mismatched bracket");
	check_stream_error("{\"a\":1", 0, NULL, 0, "t:1:", NULL, "truncated JSON");
	check_stream_error("kind: A\n---\nkind: B\n  bad: indent\n", 0, NULL, 1, "t:4:", NULL,
			   "YAML syntax error with file:line:column");
	check_stream_error("\n\n\nkind: A\nkind: B\n", 0, NULL, 0, "t:5:1: ", "duplicate",
			   "YAML error line counts skipped blank lines");
	check_stream_error("kind: \xff\n", 0, NULL, 0, "t", NULL, "invalid UTF-8 in YAML is an error");
	check_stream_error("{\"kind\":\"\xff\"}\n", 0, NULL, 0, "t:1:", NULL, "invalid UTF-8 in JSON is an error");
	check_stream_error("kind: A\0\n", 9, NULL, 0, "t", NULL, "a NUL byte is an error");
	/* Found by fuzz_stream: YAML "x\0y" was written as "x\u0000y" and did not read back. */
	struct read_result nul = read_text("{\"kind\":\"A\",\"s\":\"x\\u0000y\"}\n");
	struct read_result nul_yaml = read_text("kind: B\ns: \"x\\0y\"\n");
	json_t *s0 = nul.n == 1 ? json_object_get(json_array_get(nul.objs, 0), "s") : NULL;
	json_t *s1 = nul_yaml.n == 1 ? json_object_get(json_array_get(nul_yaml.objs, 0), "s") : NULL;
	ok(nul.status == 0 && s0 && json_string_length(s0) == 3 && json_equal(s0, s1),
	   "\\u0000 in JSON is a string's NUL, as \\0 is in YAML");
	read_result_free(&nul);
	read_result_free(&nul_yaml);
	/* jansson quotes the token it stopped at; in a Secret that is the value (secrets.t). */
	check_stream_error("{\"kind\":\"Secret\",\"data\":{\"k\": hunter2}}\n", 0, NULL, 0, "t:1:", "invalid token",
			   "an unquoted value is an error ...");
	check_stream_error("{\"kind\":\"Secret\",\"data\":{\"k\": hunter2}}\n", 0, NULL, 0, "t:1:", "token\n",
			   "... that does not quote the value");
	check_stream_error("{\"data\":{\"k\":\"hunter2\0\"}}\n", 23, NULL, 0, "t:1:", "control character 0x0\n",
			   "a NUL inside a value: the value is not quoted");
	check_stream_error("{\"a\":1,\"a\":2}\n", 0, NULL, 0, "t:1:", "key near '\"a\"'", "a duplicate key is named");
	check_stream_error("{\"a\": [1, 2}\n", 0, NULL, 0, "t:1:", "near '}'", "a structural character is quoted");

	struct capture c;
	struct gt_limits lim = GT_LIMITS_DEFAULT;
	capture_start(&c);
	struct gt_stream *s = gt_stream_open("/nonexistent/dir/objects.yaml", &lim);
	char *err = capture_end(&c);
	ok(!s && strstr(err, "/nonexistent/dir/objects.yaml: cannot open: No such file"), "a missing file: %.*s",
	   (int)strcspn(err, "\n"), err);
	free(err);
}

static void test_limits(void)
{
	struct gt_limits lim = GT_LIMITS_DEFAULT;
	lim.max_doc_bytes = 64;
	char buf[4096];
	int n = snprintf(buf, sizeof(buf), "{\"kind\":\"A\"}\n{\"kind\":\"B\",\"data\":\"%0100d\"}\n", 0);
	check_stream_error(buf, (size_t)n, &lim, 1, "t:2", "--max-document-size", "JSON: --max-document-size");
	n = snprintf(buf, sizeof(buf), "kind: A\n---\nkind: B\ndata: \"%0100d\"\n", 0);
	check_stream_error(buf, (size_t)n, &lim, 1, "t:", "--max-document-size", "YAML: --max-document-size");
	n = snprintf(buf, sizeof(buf), "{\"kind\":\"A\",\"d\":\"%040d\"}\n{\"kind\":\"B\",\"d\":\"%040d\"}\n", 0, 0);
	struct read_result rr = read_text_n(buf, (size_t)n, &lim);
	ok(rr.status == 0 && rr.n == 2, "JSON: the size limit is per document");
	read_result_free(&rr);

	lim = (struct gt_limits)GT_LIMITS_DEFAULT;
	lim.max_depth = 3;
	check_stream_error("{\"a\":{\"b\":{\"c\":{}}}}\n", 0, &lim, 0, "t:1", "--max-depth", "JSON: --max-depth");
	check_stream_error("a: {b: {c: {}}}\n", 0, &lim, 0, "t:1", "--max-depth", "YAML: --max-depth");
	rr = read_text_n("{\"a\":{\"b\":{}}}\n", 15, &lim);
	ok(rr.status == 0 && rr.n == 1, "JSON: three levels pass --max-depth 3");
	read_result_free(&rr);

	lim = (struct gt_limits)GT_LIMITS_DEFAULT;
	lim.max_alias_nodes = 10;
	check_stream_error("a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb: [*a, *a]\n", 0, &lim, 0, "t:2:", "--max-alias-nodes",
			   "YAML: --max-alias-nodes");
}

/* ---- standard input ---- */

/* Run gt_stream on "-" with text fed through a pipe by a child process. */
static struct read_result read_stdin(const char *text, size_t len)
{
	int p[2];
	if (pipe(p) < 0) {
		perror("pipe");
		exit(2);
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		size_t off = 0;
		while (off < len) {
			ssize_t w = write(p[1], text + off, len - off);
			if (w <= 0)
				_exit(1);
			off += (size_t)w;
		}
		_exit(0);
	}
	close(p[1]);
	int saved = dup(0);
	dup2(p[0], 0);
	close(p[0]);
	clearerr(stdin);
	struct read_result rr = read_path("-", NULL, "<stdin>");
	dup2(saved, 0);
	close(saved);
	clearerr(stdin);
	int status;
	waitpid(pid, &status, 0);
	return rr;
}

static void test_stdin(void)
{
	/* Many objects: several 64 KiB buffers, objects cut at buffer ends. */
	size_t cap = 1 << 20, len = 0;
	char *text = malloc(cap);
	for (int i = 0; i < 3000; i++)
		len += (size_t)snprintf(text + len, cap - len, "{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm-%d\"},"
						     "\"data\":{\"k\":\"%050d\"}}\n", i, i);
	struct read_result rr = read_stdin(text, len);
	ok(rr.status == 0 && rr.n == 3000 && rr.files_ok, "stdin: 3000 JSON lines through a pipe (%zu bytes)", len);
	json_t *last = json_array_get(rr.objs, 2999);
	is_str(json_string_value(json_object_get(json_object_get(last, "metadata"), "name")), "cm-2999",
	       "stdin: the last object is intact");
	ok(rr.n >= 64 && rr.lines[63] == 64 && rr.docs[63] == 63, "stdin: line and doc of object 63");
	read_result_free(&rr);

	len = 0;
	for (int i = 0; i < 3000; i++)
		len += (size_t)snprintf(text + len, cap - len, "---\n# object %d\nkind: ConfigMap\nmetadata:\n  name: cm-%d\n"
						     "data:\n  k: \"%050d\"\n", i, i, i);
	rr = read_stdin(text, len);
	ok(rr.status == 0 && rr.n == 3000, "stdin: 3000 YAML documents through a pipe (%zu bytes)", len);
	ok(rr.n >= 64 && rr.lines[63] == 63 * 7 + 1 && rr.docs[63] == 63, "stdin: YAML line and doc of object 63");
	last = json_array_get(rr.objs, 2999);
	is_str(json_string_value(json_object_get(json_object_get(last, "metadata"), "name")), "cm-2999",
	       "stdin: the last YAML object is intact");
	read_result_free(&rr);

	rr = read_stdin("{\"a\":1}\n{\"b\":\n", 15);
	ok(rr.status == -1 && rr.n == 1 && strstr(rr.err, "<stdin>:"), "stdin: errors name <stdin>: %.*s",
	   (int)strcspn(rr.err, "\n"), rr.err);
	read_result_free(&rr);
	free(text);
}

/* ---- records, writer, limit options ---- */

static void test_records(void)
{
	json_t *rec = J("{'apiVersion':'gitops/v1','kind':'Change'}");
	json_t *obj = J("{'apiVersion':'v1','kind':'ConfigMap'}");
	json_t *other = J("{'apiVersion':'gitops/v2','kind':'Change'}");
	json_t *none = J("{'kind':'Change'}");
	json_t *num = J("{'apiVersion':1}");
	ok(gt_is_record(rec), "record: apiVersion gitops/v1");
	ok(!gt_is_record(obj), "record: a Kubernetes object is not one");
	ok(!gt_is_record(other), "record: gitops/v2 is not one");
	ok(!gt_is_record(none), "record: no apiVersion is not one");
	ok(!gt_is_record(num), "record: a non-string apiVersion is not one");
	json_decref(rec);
	json_decref(obj);
	json_decref(other);
	json_decref(none);
	json_decref(num);
}

static char *write_all(enum gt_format format, json_t *objs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct gt_writer *w = gt_writer_new(f, format);
	size_t i;
	json_t *o;
	int r = 0;
	json_array_foreach(objs, i, o) r |= gt_writer_put(w, o);
	r |= gt_writer_close(w);
	fclose(f);
	if (r) {
		free(buf);
		return strdup("(write failed)");
	}
	return buf;
}

static void test_writer(void)
{
	json_t *objs = J("[{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'a'},'data':{'x':'yes','y':'0123'}},"
			 "{'kind':'B','num':0.5,'list':['a',{'k':'v'}],'e':{}},{'kind':'C','s':'l1\\nl2\\n'}]");
	char *jl = write_all(GT_FORMAT_JSON, objs);
	is_str(jl,
	       "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"},\"data\":{\"x\":\"yes\",\"y\":\"0123\"}}\n"
	       "{\"kind\":\"B\",\"num\":0.5,\"list\":[\"a\",{\"k\":\"v\"}],\"e\":{}}\n{\"kind\":\"C\",\"s\":\"l1\\nl2\\n\"}\n",
	       "writer: JSON Lines, one object per line, keys in order");
	char *y = write_all(GT_FORMAT_YAML, objs);
	is_str(y,
	       "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: \"yes\"\n  \"y\": \"0123\"\n---\n"
	       "kind: B\nnum: 0.5\nlist:\n- a\n- k: v\ne: {}\n---\nkind: C\ns: |\n  l1\n  l2\n",
	       "writer: YAML, --- between documents, none before the first");
	char *t = write_all(GT_FORMAT_TEXT, objs);
	is_str(t, y, "writer: TEXT writes YAML");
	free(t);
	json_t *none = json_array();
	char *empty = write_all(GT_FORMAT_YAML, none);
	is_str(empty, "", "writer: no objects, no output");
	free(empty);
	json_decref(none);

	/* What the writer wrote reads back as the same objects, in both forms. */
	struct read_result rr = read_text(jl);
	ok(rr.status == 0 && json_equal(rr.objs, objs), "writer: JSON Lines read back");
	read_result_free(&rr);
	rr = read_text(y);
	ok(rr.status == 0 && json_equal(rr.objs, objs), "writer: YAML read back");
	read_result_free(&rr);
	free(jl);
	free(y);

	/* A string keeping trailing newlines makes libyaml end the document with "...": still one stream. */
	json_t *kept = J("[{'kind':'A','s':'x\\n\\n'},{'kind':'B','t':'y\\n\\n\\n'},{'kind':'C'}]");
	char *ky = write_all(GT_FORMAT_YAML, kept);
	rr = read_text(ky);
	ok(rr.status == 0 && json_equal(rr.objs, kept), "writer: YAML with |+ strings reads back");
	read_result_free(&rr);
	free(ky);
	json_decref(kept);

	FILE *bad = fopen("/dev/null", "r");
	struct capture c;
	capture_start(&c);
	struct gt_writer *w = gt_writer_new(bad, GT_FORMAT_JSON);
	int r1 = gt_writer_put(w, json_array_get(objs, 0));
	int r2 = gt_writer_close(w);
	char *err = capture_end(&c);
	ok(r1 == -1 && r2 == -1 && strstr(err, "cannot write output"), "writer: a write error is reported: %.*s",
	   (int)strcspn(err, "\n"), err);
	ok(strchr(err, '\n') == err + strlen(err) - 1, "writer: once, however many writes fail");
	free(err);
	fclose(bad);
	is_int(gt_writer_close(NULL), 0, "writer: closing NULL is fine");
	json_decref(objs);
}

static struct gt_limits parsed_lim;
static const struct gt_option limit_options[] = { GT_LIMIT_OPTIONS(&parsed_lim), GT_OPTIONS_END };
static const struct gt_command limit_cmd = { "test_stream", "[OPTIONS]", "limits", limit_options, 0, 0 };

/* gt_parse of "test_stream FLAG VALUE": its result, and what it printed (caller frees). */
static int parse_limit(const char *flag, const char *value, char **err)
{
	char *argv[] = { "test_stream", (char *)flag, (char *)value, NULL };
	struct capture c;
	int first;
	capture_start(&c);
	int r = gt_parse(&limit_cmd, 3, argv, &first);
	*err = capture_end(&c);
	gt_set_program("test_stream");
	return r;
}

static void test_limit_options(void)
{
	static const struct { const char *flag, *arg; size_t got; } good[] = {
		{ "--max-document-size", "64M", (size_t)64 << 20 }, { "--max-document-size", "1K", 1024 },
		{ "--max-alias-nodes", "500", 500 }, { "--max-depth", "100", 100 }, { "--max-depth", "4096", 4096 },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char *err;
		parsed_lim = (struct gt_limits)GT_LIMITS_DEFAULT;
		int r = parse_limit(good[i].flag, good[i].arg, &err);
		size_t got = i < 2 ? parsed_lim.max_doc_bytes : i == 2 ? parsed_lim.max_alias_nodes : parsed_lim.max_depth;
		ok(r == 0 && got == good[i].got && !*err, "limit option: %s %s is %zu", good[i].flag, good[i].arg, good[i].got);
		free(err);
	}
	static const struct { const char *flag, *arg; } bad[] = {
		{ "--max-document-size", "lots" }, { "--max-document-size", "-1" }, { "--max-document-size", "1.5M" },
		{ "--max-document-size", "" }, { "--max-alias-nodes", "many" }, { "--max-alias-nodes", "-5" },
		{ "--max-depth", "4097" }, { "--max-depth", "x" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *err;
		parsed_lim = (struct gt_limits)GT_LIMITS_DEFAULT;
		struct gt_limits before = parsed_lim;
		int r = parse_limit(bad[i].flag, bad[i].arg, &err);
		ok(r == -1 && strstr(err, bad[i].flag) && !memcmp(&before, &parsed_lim, sizeof(before)),
		   "limit option: %s '%s' refused, limits unchanged: %.*s", bad[i].flag, bad[i].arg,
		   (int)strcspn(err, "\n"), err);
		free(err);
	}
}

/* ---- a stream over a read function ---- */

/* gives text in pieces of at most step bytes, then an error if fail is set */
struct pieces {
	const char *text;
	size_t at, step;
	bool fail, closed;
};

static ssize_t pieces_read(void *cookie, char *buf, size_t size)
{
	struct pieces *p = cookie;
	size_t left = strlen(p->text) - p->at, n = left < p->step ? left : p->step;
	if (!left && p->fail)
		return errno = EIO, -1;
	if (n > size)
		n = size;
	memcpy(buf, p->text + p->at, n);
	p->at += n;
	return (ssize_t)n;
}

static int pieces_close(void *cookie)
{
	((struct pieces *)cookie)->closed = true;
	return 0;
}

static void test_reader(void)
{
	struct gt_limits def = GT_LIMITS_DEFAULT;
	/* a YAML stream in pieces of 3 bytes and of 100,000: the same objects, lines, documents */
	static const char text[] = "# Source: a\n---\nkind: A\nmetadata: {name: a}\n---\n# nothing\n---\nkind: B\n"
				   "metadata:\n  name: \"b\"\n";
	for (size_t step = 3; step <= 100000; step *= 33333) {
		struct pieces p = { text, 0, step, false, false };
		struct gt_stream *s = gt_stream_open_reader(pieces_read, pieces_close, &p, "pieces", &def);
		json_t *obj;
		struct gt_where w[3];
		size_t n = 0;
		while (n < 3 && gt_stream_next(s, &obj, &w[n]) > 0) {
			json_decref(obj);
			n++;
		}
		is_int(n, 2, "a read function in pieces of %zu bytes: both objects", step);
		is_int(w[0].line, 2, "pieces of %zu: the first object's line", step);
		is_int(w[1].line, 7, "pieces of %zu: the second object's line", step);
		is_int(w[1].doc, 2, "pieces of %zu: the second object's document (after an empty one)", step);
		is_int(gt_stream_documents(s), 3, "pieces of %zu: three documents read", step);
		gt_stream_close(s);
		ok(p.closed, "pieces of %zu: closed with the stream", step);
	}
	/* a read function's error ends the stream with an error, not as its end */
	struct pieces p = { "kind: A\nmetadata: {name: a}\n", 0, 4, true, false };
	struct capture c;
	capture_start(&c);
	struct gt_stream *s = gt_stream_open_reader(pieces_read, pieces_close, &p, "pieces", &def);
	json_t *obj = NULL;
	struct gt_where w;
	int st = gt_stream_next(s, &obj, &w);
	json_decref(obj);
	gt_stream_close(s);
	char *err = capture_end(&c);
	is_int(st, -1, "a read function that fails: an error");
	ok(strstr(err, "pieces") != NULL, "a read function that fails: the message names the stream");
	free(err);
}

int main(void)
{
	gt_set_program("test_stream");
	test_reader();
	test_json_forms();
	test_lists();
	test_yaml_forms();
	test_errors();
	test_limits();
	test_stdin();
	test_records();
	test_writer();
	test_limit_options();
	return tap_done();
}
