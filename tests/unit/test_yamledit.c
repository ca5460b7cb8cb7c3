/* test_yamledit: byte-preserving YAML edits, the way gitops-set-image uses them.
 *
 * Every successful edit is checked three ways: the bytes (against a golden file
 * under tests/fixtures/yamledit/golden/ or an expected string), the bytes that
 * changed (everything outside the edited value is identical), and a re-read with
 * the project's reader that must give the intended value at the path and
 * everything else equal to the original (json_equal).
 *
 * Run from the top directory (tests/run does). GOLDEN_UPDATE=1 rewrites the golden
 * files from what the code writes: review `git diff` before keeping them.
 */
#include "cli.h"
#include "tap.h"
#include "yaml.h"
#include "yamledit.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIXTURES "tests/fixtures/yamledit/"
#define SHA_A "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define SHA_B "sha256:2222222222222222222222222222222222222222222222222222222222222222"

static const struct gt_limits lim = GT_LIMITS_DEFAULT;

/* ---- helpers ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("Bail out! cannot open %s (run from the top directory)\n", path);
		exit(2);
	}
	char *buf = NULL;
	size_t cap = 0, n = 0, got;
	do {
		if (n + 4096 > cap && !(buf = realloc(buf, cap = cap * 2 + 4096)))
			exit(2);
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* stderr of what runs between capture_begin and capture_end, for checking messages. */
static char captured[8192];
static FILE *capture_file;
static int saved_stderr = -1;

static void capture_begin(void)
{
	fflush(stderr);
	capture_file = tmpfile();
	saved_stderr = dup(2);
	dup2(fileno(capture_file), 2);
}

static const char *capture_end(void)
{
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	rewind(capture_file);
	size_t n = fread(captured, 1, sizeof(captured) - 1, capture_file);
	captured[n] = '\0';
	fclose(capture_file);
	return captured;
}

/* s with line breaks and tabs written as \n, \r, \t, for one-line TAP names; one of four static buffers. */
static const char *shown(const char *s)
{
	static char bufs[4][512];
	static int next;
	char *b = bufs[next++ % 4];
	size_t n = 0;
	for (; *s && n < sizeof(bufs[0]) - 3; s++) {
		const char *esc = *s == '\n' ? "\\n" : *s == '\r' ? "\\r" : *s == '\t' ? "\\t" : NULL;
		if (esc) {
			memcpy(b + n, esc, 2);
			n += 2;
		} else
			b[n++] = *s;
	}
	b[n] = '\0';
	return b;
}

#define has(hay, needle, ...) ok(strstr((hay), (needle)) != NULL, __VA_ARGS__)

/* Every document of buf as a JSON array, read by the project's reader; NULL if it does not read. */
static json_t *docs_of(const char *buf, size_t len)
{
	struct gt_yaml_reader *r = gt_yaml_reader_new_string(buf, len, "re-read", &lim);
	json_t *all = json_array(), *doc;
	unsigned long line;
	int st;
	while ((st = gt_yaml_next(r, &doc, &line)) > 0)
		json_array_append_new(all, doc);
	gt_yaml_reader_free(r);
	if (st < 0) {
		json_decref(all);
		return NULL;
	}
	return all;
}

/* One step of a JSON pointer ("~1" is '/', "~0" is '~'), adding a map where a key is missing. */
static json_t *pointer_step(json_t *cur, const char *tok, size_t len, bool last, json_t *value)
{
	char key[256];
	size_t n = 0;
	for (size_t i = 0; i < len && n < sizeof(key) - 1; i++) {
		if (tok[i] == '~' && i + 1 < len)
			key[n++] = tok[++i] == '1' ? '/' : '~';
		else
			key[n++] = tok[i];
	}
	key[n] = '\0';
	if (json_is_array(cur)) {
		size_t idx = strtoul(key, NULL, 10);
		if (last && idx == json_array_size(cur))
			json_array_append(cur, value);
		else if (last)
			json_array_set(cur, idx, value);
		return json_array_get(cur, idx);
	}
	if (last) {
		json_object_set(cur, key, value);
		return value;
	}
	json_t *next = json_object_get(cur, key);
	if (!next || json_is_null(next)) {
		json_object_set_new(cur, key, json_object());
		next = json_object_get(cur, key);
	}
	return next;
}

/* In document doc of docs, put value at pointer (RFC 6901), adding the document and maps as needed. */
static void json_put(json_t *docs, size_t doc, const char *pointer, json_t *value)
{
	while (json_array_size(docs) <= doc)
		json_array_append_new(docs, json_object());
	if (json_is_null(json_array_get(docs, doc)))
		json_array_set_new(docs, doc, json_object());
	json_t *cur = json_array_get(docs, doc);
	for (const char *p = pointer + 1; cur;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		cur = pointer_step(cur, p, len, !slash, value);
		if (!slash)
			break;
		p = slash + 1;
	}
}

static json_t *json_of(const char *text)
{
	json_error_t err;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &err);
	if (!v) {
		printf("Bail out! bad test JSON %s: %s\n", text, err.text);
		exit(2);
	}
	return v;
}

/*
 * after re-reads as before with each pointer set to its JSON value (pairs, NULL-ended):
 * the intended values changed and nothing else.
 */
static void vexpect_reread(const char *what, const char *before, size_t blen, const char *after, size_t alen,
			   size_t doc, va_list ap)
{
	json_t *want = docs_of(before, blen), *got = docs_of(after, alen);
	for (const char *ptr; want && (ptr = va_arg(ap, const char *));) {
		json_t *v = json_of(va_arg(ap, const char *));
		json_put(want, doc, ptr, v);
		json_decref(v);
	}
	bool same = want && got && json_equal(want, got);
	ok(same, "%s: re-reads as the original with only the intended change", what);
	if (!same) {
		char *w = want ? json_dumps(want, JSON_COMPACT) : NULL, *g = got ? json_dumps(got, JSON_COMPACT) : NULL;
		printf("#   want %s\n#    got %s\n", w ? w : "(does not read)", g ? g : "(does not read)");
		free(w);
		free(g);
	}
	json_decref(want);
	json_decref(got);
}

static void expect_reread(const char *what, const char *before, size_t blen, const char *after, size_t alen,
			  size_t doc, ...)
{
	va_list ap;
	va_start(ap, doc);
	vexpect_reread(what, before, blen, after, alen, doc, ap);
	va_end(ap);
}

/* The bytes that differ between before and after are exactly old_part in before and new_part in after. */
static void expect_change(const char *what, const char *before, size_t blen, const char *after, size_t alen,
			  const char *old_part, const char *new_part)
{
	size_t olen = strlen(old_part), nlen = strlen(new_part), pre = 0;
	bool same = false;
	while (pre < blen && pre < alen && before[pre] == after[pre])
		pre++;
	/* An insertion next to equal bytes has several places; any that explains the change will do. */
	for (size_t at = 0; !same && at <= pre && at + olen <= blen && at + nlen <= alen; at++)
		same = blen - olen == alen - nlen && !memcmp(before + at, old_part, olen) &&
		       !memcmp(after + at, new_part, nlen) &&
		       !memcmp(before + at + olen, after + at + nlen, blen - at - olen) && !memcmp(before, after, at);
	ok(same, "%s: only '%s' became '%s'", shown(what), shown(old_part), shown(new_part));
	if (!same) {
		size_t suf = 0;
		while (suf < blen - pre && suf < alen - pre && before[blen - 1 - suf] == after[alen - 1 - suf])
			suf++;
		printf("#   changed: '%.*s' -> '%.*s'\n", (int)(blen - pre - suf), before + pre,
		       (int)(alen - pre - suf), after + pre);
	}
}

static void expect_golden(const char *what, const char *got, size_t len, const char *golden)
{
	char path[512];
	size_t wlen;
	snprintf(path, sizeof(path), FIXTURES "golden/%s", golden);
	if (getenv("GOLDEN_UPDATE")) {
		FILE *f = fopen(path, "wb");
		fwrite(got, 1, len, f);
		fclose(f);
	}
	char *want = slurp(path, &wlen);
	bool same = wlen == len && !memcmp(want, got, len);
	ok(same, "%s: bytes match golden/%s", what, golden);
	if (!same)
		printf("#   got:\n%.*s\n#   (end)\n", (int)len, got);
	free(want);
}

/* An editor on a copy of text; bails out if it does not read. */
static struct gt_yamledit *editor(const char *text, size_t len, const char *name)
{
	struct gt_yamledit *e = gt_yamledit_new(text, len, name, &lim);
	if (!e) {
		printf("Bail out! %s does not read\n", name);
		exit(2);
	}
	return e;
}

/*
 * Set key=value on the YAML text in: the return value, the exact result out,
 * the changed bytes (old_part -> new_part) and the re-read value want at pointer.
 */
static void set_case(const char *in, const char *key, const char *value, unsigned flags, const char *out,
		     const char *old_part, const char *new_part, const char *pointer, const char *want)
{
	struct gt_yamledit *e = editor(in, strlen(in), "values.yaml");
	char *old = NULL, what[256];
	size_t len;
	snprintf(what, sizeof(what), "%s=%s on %s", key, value, in);
	snprintf(what, sizeof(what), "%s", shown(what));
	int rc = gt_yamledit_set(e, key, value, flags, &old);
	const char *got = gt_yamledit_bytes(e, &len);
	is_int(rc, strcmp(in, out) ? 1 : 0, "%s: returns %d", what, strcmp(in, out) ? 1 : 0);
	is_str(got, out, "%s: result", what);
	ok(strlen(got) == len, "%s: length", what);
	if (old_part)
		expect_change(what, in, strlen(in), got, len, old_part, new_part);
	if (pointer)
		expect_reread(what, in, strlen(in), got, len, 0, pointer, want, NULL);
	free(old);
	gt_yamledit_free(e);
}

/* set key on text expecting -1 and a message containing each of the NULL-ended strings; bytes unchanged. */
static void set_fails(const char *text, const char *key, const char *value, unsigned flags, ...)
{
	struct gt_yamledit *e = editor(text, strlen(text), "values.yaml");
	char *old = (char *)"untouched";
	size_t len;
	capture_begin();
	int rc = gt_yamledit_set(e, key, value, flags, &old);
	const char *msg = capture_end();
	is_int(rc, -1, "set %s=%s fails", key, value);
	ok(old == NULL, "set %s: *old is NULL after an error", key);
	is_str(gt_yamledit_bytes(e, &len), text, "set %s: bytes unchanged after an error", key);
	va_list ap;
	va_start(ap, flags);
	for (const char *s; (s = va_arg(ap, const char *));)
		has(msg, s, "set %s: message has '%s' (got: %.*s)", key, s, (int)strcspn(msg, "\n"), msg);
	va_end(ap);
	gt_yamledit_free(e);
}

/* A fixture, edited in steps; each step is checked against the state before it. */
struct session {
	const char *name;
	char *orig;
	size_t orig_len;
	char *prev; /* the bytes before the last step */
	size_t prev_len;
	struct gt_yamledit *e;
};

static void session_open(struct session *s, const char *fixture)
{
	char path[512];
	snprintf(path, sizeof(path), FIXTURES "%s", fixture);
	s->name = fixture;
	s->orig = slurp(path, &s->orig_len);
	s->prev = NULL;
	s->e = editor(s->orig, s->orig_len, fixture);
}

static void session_close(struct session *s)
{
	free(s->orig);
	free(s->prev);
	gt_yamledit_free(s->e);
}

/* Remember the bytes before a step. */
static void session_mark(struct session *s)
{
	size_t len;
	const char *b = gt_yamledit_bytes(s->e, &len);
	free(s->prev);
	s->prev = malloc(len + 1);
	memcpy(s->prev, b, len + 1);
	s->prev_len = len;
}

/* One gt_yamledit_set step: return value, old value, and the re-read of the single change. */
static void session_set(struct session *s, const char *key, const char *value, unsigned flags, int want_rc,
			const char *want_old, size_t doc, const char *pointer, const char *want)
{
	char *old = NULL;
	size_t len;
	session_mark(s);
	int rc = gt_yamledit_set(s->e, key, value, flags, &old);
	const char *now = gt_yamledit_bytes(s->e, &len);
	is_int(rc, want_rc, "%s: set %s=%s returns %d", s->name, key, shown(value), want_rc);
	is_str(old, want_old, "%s: set %s: old value", s->name, key);
	if (pointer)
		expect_reread(key, s->prev, s->prev_len, now, len, doc, pointer, want, NULL);
	free(old);
}

/* The last step re-reads as the bytes before it with each pointer set to its JSON (pairs, NULL-ended). */
static void session_reread(struct session *s, const char *what, size_t doc, ...)
{
	size_t len;
	const char *now = gt_yamledit_bytes(s->e, &len);
	va_list ap;
	va_start(ap, doc);
	vexpect_reread(what, s->prev, s->prev_len, now, len, doc, ap);
	va_end(ap);
}

static void session_change(struct session *s, const char *what, const char *old_part, const char *new_part)
{
	size_t len;
	const char *now = gt_yamledit_bytes(s->e, &len);
	expect_change(what, s->prev, s->prev_len, now, len, old_part, new_part);
}

static void session_golden(struct session *s, const char *golden)
{
	size_t len;
	const char *now = gt_yamledit_bytes(s->e, &len);
	expect_golden(s->name, now, len, golden);
}

/* ---- key paths ---- */

static void test_keypath(void)
{
	static const char *const good[] = { "image.tag", "a\\.b.c", "list[0].x", "containers[name=web].image",
					    "spec.template.spec.containers[name=web].image", "[0]", "a[1][2]",
					    "a[name=web.v1].b", "x\\[y\\]", "a[k\\]=v\\=w]", "key with spaces.x" };
	static const struct { const char *path, *why; } bad[] = {
		{ "", "empty" },	   { "a..b", "empty key" }, { ".a", "starts with '.'" }, { "a.", "empty key" },
		{ "a[", "missing ']'" }, { "[x=]", "empty value" }, { "[=x]", "empty field" }, { "a[]", "empty []" },
		{ "a[x]", "index" },	   { "a]b", "']'" },	      { "a[0]b", "after ']'" },	 { "a\\qb", "escape" },
		{ "a[0", "missing ']'" }, { "a[name=web", "missing ']'" }, { "a\\", "escape" },
		{ "a[99999999999999999999999]", "too large" },
	};
	const char *why;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct gt_keypath *p = gt_keypath_parse(good[i], &why);
		ok(p != NULL, "keypath '%s' parses", good[i]);
		gt_keypath_free(p);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		struct gt_keypath *p = gt_keypath_parse(bad[i].path, &why);
		ok(p == NULL && why && strstr(why, bad[i].why), "keypath '%s' is refused: %s", bad[i].path,
		   why ? why : "(no reason)");
		gt_keypath_free(p);
	}
	gt_keypath_free(NULL);

	/* What the syntax means, on YAML. */
	set_case("a.b:\n  c: 1\na:\n  b:\n    c: 2\n", "a\\.b.c", "5", 0, "a.b:\n  c: 5\na:\n  b:\n    c: 2\n", "1",
		 "5", "/a.b/c", "5");
	set_case("a.b:\n  c: 1\na:\n  b:\n    c: 2\n", "a.b.c", "5", 0, "a.b:\n  c: 1\na:\n  b:\n    c: 5\n", "2", "5",
		 "/a/b/c", "5");
	set_case("list:\n- x: a\n- x: b\n", "list[1].x", "c", 0, "list:\n- x: a\n- x: c\n", "b", "c", "/list/1/x",
		 "\"c\"");
	set_case("containers:\n  - name: proxy\n    image: envoy\n  - name: web\n    image: web:1\n",
		 "containers[name=web].image", "web:2", 0,
		 "containers:\n  - name: proxy\n    image: envoy\n  - name: web\n    image: web:2\n", "1", "2",
		 "/containers/1/image", "\"web:2\"");
	set_case("8080: http\n", "8080", "https", 0, "8080: https\n", "http", "https", "/8080", "\"https\"");
}

/* ---- image references ---- */

static void check_ref(const char *s, const char *repo, const char *tag, const char *digest)
{
	struct gt_image_ref r;
	const char *why = NULL;
	int rc = gt_image_ref_parse(s, &r, &why);
	is_int(rc, 0, "image ref '%s' parses%s%s", s, why ? ": " : "", why ? why : "");
	is_str(r.repo, repo, "image ref '%s': repo", s);
	is_str(r.tag, tag, "image ref '%s': tag", s);
	is_str(r.digest, digest, "image ref '%s': digest", s);
	gt_image_ref_clear(&r);
	ok(r.repo == NULL && r.tag == NULL && r.digest == NULL, "image ref '%s': clear empties it", s);
}

static void ref_fails(const char *s, const char *why_part)
{
	struct gt_image_ref r;
	const char *why = NULL;
	int rc = gt_image_ref_parse(s, &r, &why);
	ok(rc == -1 && why && strstr(why, why_part) && !r.repo, "image ref '%s' is refused: %s", s ? s : "(null)",
	   why ? why : "(no reason)");
}

static void test_image_ref(void)
{
	check_ref("nginx", "nginx", NULL, NULL);
	check_ref("nginx:1.25.3", "nginx", "1.25.3", NULL);
	check_ref("registry:5000/app:1@" SHA_A, "registry:5000/app", "1", SHA_A);
	check_ref("registry:5000/app", "registry:5000/app", NULL, NULL);
	check_ref("registry.example.com:5000/shop/web:1042", "registry.example.com:5000/shop/web", "1042", NULL);
	check_ref("ghcr.io/org/app@" SHA_B, "ghcr.io/org/app", NULL, SHA_B);
	check_ref("app:v1.2.3_rc-1", "app", "v1.2.3_rc-1", NULL);
	check_ref("localhost:5000/a/b/c:_x", "localhost:5000/a/b/c", "_x", NULL);
	check_ref("localhost:5000", "localhost", "5000", NULL); /* Docker reads it the same way */
	check_ref("[::1]:5000/app:1", "[::1]:5000/app", "1", NULL);
	check_ref("my-org/my_app__x.y:latest", "my-org/my_app__x.y", "latest", NULL);
	check_ref("Registry.Example.com/app", "Registry.Example.com/app", NULL, NULL);

	ref_fails("", "empty");
	ref_fails(NULL, "empty");
	ref_fails(":tag", "no repository");
	ref_fails("@" SHA_A, "no repository");
	ref_fails("repo:", "empty tag");
	ref_fails("repo:-x", "bad tag");
	ref_fails("repo:.x", "bad tag");
	ref_fails("repo:a b", "bad tag");
	ref_fails("app@sha256:abc", "bad digest");
	ref_fails("app@", "bad digest");
	ref_fails("app@sha256:" "111111111111111111111111111111111111111111111111111111111111111X", "bad digest");
	ref_fails("app:1@" SHA_A "@x", "bad digest");
	ref_fails("app@:abc", "bad digest");
	ref_fails("App", "bad repository");
	ref_fails("a//b", "bad repository");
	ref_fails("/app", "bad repository");
	ref_fails("app/", "bad repository");
	ref_fails("a:b:c", "bad repository");
	ref_fails("reg:x/app", "bad repository");
	ref_fails("app-:1", "bad repository");
}

/* ---- malformed input and limits ---- */

/* msg has "NAME:LINE:COLUMN: " with numbers. */
static bool has_position(const char *msg, const char *name)
{
	const char *p = strstr(msg, name);
	unsigned long line, col;
	char colon;
	return p && sscanf(p + strlen(name), ":%lu:%lu%c", &line, &col, &colon) == 3 && colon == ':' && line > 0 &&
	       col > 0;
}

static void expect_unreadable(const char *text, size_t len, const char *why, const struct gt_limits *l)
{
	capture_begin();
	struct gt_yamledit *e = gt_yamledit_new(text, len, "bad.yaml", l);
	const char *msg = capture_end();
	ok(e == NULL, "unreadable (%s): no editor", why);
	ok(has_position(msg, "bad.yaml"), "unreadable (%s): message has bad.yaml:LINE:COLUMN: (%.*s)", why,
	   (int)strcspn(msg, "\n"), msg);
	has(msg, why, "unreadable: message says '%s'", why);
	gt_yamledit_free(e);
}

static void test_malformed(void)
{
	expect_unreadable("a: [1, 2\n", 9, "did not find expected", &lim);
	expect_unreadable("a: b: c\n", 8, "mapping values are not allowed", &lim);
	expect_unreadable("image:\n  tag: 'open\n", 20, "unexpected end of stream", &lim);
	expect_unreadable("a:\n  - b\n c: d\n", 15, "did not find expected", &lim);
	expect_unreadable("a: \x80\n", 5, "invalid", &lim);
	expect_unreadable("a: b\0c\n", 7, "control characters", &lim);
	expect_unreadable("a: *nope\nb: &x [", 16, "did not find expected", &lim);

	struct gt_limits shallow = lim, small = lim;
	shallow.max_depth = 3;
	small.max_doc_bytes = 16;
	expect_unreadable("a:\n b:\n  c:\n   d:\n    e: 1\n", 27, "--max-depth", &shallow);
	expect_unreadable("a: [[[[[1]]]]]\n", 15, "--max-depth", &shallow);
	expect_unreadable("a: 1\n---\nb: 1234567890123456789\n", 32, "--max-document-size", &small);

	struct gt_yamledit *e = gt_yamledit_new("a: 1\n---\nb: 2\n", 14, "ok.yaml", &small);
	ok(e != NULL, "documents each under --max-document-size read");
	gt_yamledit_free(e);

	capture_begin();
	e = gt_yamledit_new("\xff\xfe" "a\0:\0", 6, "utf16.yaml", &lim);
	const char *msg = capture_end();
	ok(e == NULL, "UTF-16 is refused");
	has(msg, "utf16.yaml: UTF-16", "UTF-16: says so");
	gt_yamledit_free(NULL);
}

/* ---- the Helm values file ---- */

static void test_helm_values(void)
{
	struct session s;
	session_open(&s, "values.yaml");
	session_set(&s, "image.tag", "1043", 0, 1, "1.4.2", 0, "/image/tag", "\"1043\"");
	session_change(&s, "image.tag", "1.4.2", "1043");
	session_golden(&s, "values.image-tag.yaml");
	session_set(&s, "image.tag", "1043", 0, 0, "1043", 0, NULL, NULL);
	session_change(&s, "same value again", "", "");

	/* A plain string stays plain while it can; digits need quotes. */
	session_set(&s, "sidecar.image.tag", "v1.30.0", 0, 1, "v1.29.1", 0, "/sidecar/image/tag", "\"v1.30.0\"");
	session_change(&s, "plain stays plain", "29.1", "30.0");
	session_set(&s, "sidecar.image.tag", "1043", 0, 1, "v1.30.0", 0, "/sidecar/image/tag", "\"1043\"");
	session_change(&s, "plain digits get quotes", "v1.30.0", "\"1043\"");
	/* Single quotes stay single. */
	session_set(&s, "migrations.image.tag", "it's", 0, 1, "2024.1", 0, "/migrations/image/tag", "\"it's\"");
	session_change(&s, "single stays single", "2024.1", "it''s");
	/* An unquoted number stays a number. */
	session_set(&s, "worker.image.tag", "1043", 0, 1, "1042", 0, "/worker/image/tag", "1043");
	session_change(&s, "number stays a number", "2", "3");
	session_set(&s, "replicaCount", "3", 0, 1, "2", 0, "/replicaCount", "3");
	/* Keys with dots and slashes, single-quoted values. */
	session_set(&s, "podAnnotations.prometheus\\.io/port", "9103", 0, 1, "9102", 0,
		    "/podAnnotations/prometheus.io~1port", "\"9103\"");
	session_change(&s, "key with a dot", "2", "3");
	/* An empty value (null) takes a string; old null and a new null-looking value is no change. */
	session_set(&s, "serviceAccount.name", "shop-web", 0, 1, "", 0, "/serviceAccount/name", "\"shop-web\"");
	session_change(&s, "empty value filled", "", " shop-web");
	/* A boolean written as yes stays a boolean. */
	session_set(&s, "sidecar.enabled", "false", 0, 1, "yes", 0, "/sidecar/enabled", "false");
	session_set(&s, "ingress.hosts[0].paths[0].path", "/shop", 0, 1, "/", 0, "/ingress/hosts/0/paths/0/path",
		    "\"/shop\"");
	session_set(&s, "labels.tier", "1", 0, 1, "frontend", 0, "/labels/tier", "\"1\"");
	session_change(&s, "flow map value", "frontend", "\"1\"");
	session_set(&s, "notes", "moved to NOTES.txt", 0, 1,
		    "Release notes — größer, schöner.\nThe tag: line above is written by CI;\ntag: in this block is text, "
		    "not a key.\n",
		    0, "/notes", "\"moved to NOTES.txt\"");
	/* Adding keys: at the end of their map with its indentation, parents nested two deep. */
	session_set(&s, "image.digest", SHA_A, GT_YEDIT_CREATE, 1, NULL, 0, "/image/digest", "\"" SHA_A "\"");
	session_change(&s, "added after the map's last line", "", "  digest: " SHA_A "\n");
	session_set(&s, "probes.startup.failureThreshold", "30", GT_YEDIT_CREATE, 1, NULL, 0,
		    "/probes/startup/failureThreshold", "30");
	session_set(&s, "resources.limits.cpu", "500m", GT_YEDIT_CREATE, 1, NULL, 0, "/resources/limits/cpu",
		    "\"500m\"");
	session_change(&s, "added into a flow map", "{}", "{limits: {cpu: 500m}}");
	session_set(&s, "extra.enabled", "true", GT_YEDIT_CREATE | GT_YEDIT_STRING, 1, NULL, 0, "/extra/enabled",
		    "\"true\"");
	session_golden(&s, "values.many-edits.yaml");
	session_close(&s);
}

/* ---- typing: the new value keeps the old one's type ---- */

static void test_types(void)
{
	/* Old string: whatever YAML 1.1 would type otherwise is quoted. */
	static const struct { const char *value, *written, *json; } as_string[] = {
		{ "1234", "\"1234\"", "\"1234\"" }, { "0123", "\"0123\"", "\"0123\"" }, { "1e5", "\"1e5\"", "\"1e5\"" },
		{ "0x1F", "\"0x1F\"", "\"0x1F\"" }, { "yes", "\"yes\"", "\"yes\"" },	  { "on", "\"on\"", "\"on\"" },
		{ "null", "\"null\"", "\"null\"" }, { "~", "\"~\"", "\"~\"" },		  { "", "\"\"", "\"\"" },
		{ "1.5", "\"1.5\"", "\"1.5\"" },    { "2024-01-02", "\"2024-01-02\"", "\"2024-01-02\"" },
		{ "v2", "v2", "\"v2\"" },	   { "a: b", "\"a: b\"", "\"a: b\"" },	  { "#x", "\"#x\"", "\"#x\"" },
		{ "x #y", "\"x #y\"", "\"x #y\"" }, { "- x", "\"- x\"", "\"- x\"" },	  { "*a", "\"*a\"", "\"*a\"" },
		{ "a\tb", "\"a\\tb\"", "\"a\\tb\"" }, { "Grüße", "Grüße", "\"Grüße\"" }, { "<<", "\"<<\"", "\"<<\"" },
		{ "line1\nline2", "\"line1\\nline2\"", "\"line1\\nline2\"" }, { " lead", "\" lead\"", "\" lead\"" },
		{ "x\xC2\x85y", "\"x\\Ny\"", "\"x\\u0085y\"" }, { "bell\a", "\"bell\\x07\"", "\"bell\\u0007\"" },
	};
	char out[256];
	for (size_t i = 0; i < sizeof(as_string) / sizeof(as_string[0]); i++) {
		snprintf(out, sizeof(out), "# c\ntag: %s # keep\nn: 1\n", as_string[i].written);
		set_case("# c\ntag: v1.2 # keep\nn: 1\n", "tag", as_string[i].value, 0, out, "v1.2", as_string[i].written,
			 "/tag", as_string[i].json);
	}
	/* Quoting styles are kept and escaped. */
	set_case("tag: 'v1'\n", "tag", "1234", 0, "tag: '1234'\n", "v1", "1234", "/tag", "\"1234\"");
	set_case("tag: 'v1'\n", "tag", "it's", 0, "tag: 'it''s'\n", "v1", "it''s", "/tag", "\"it's\"");
	set_case("tag: 'v1'\n", "tag", "a\nb", 0, "tag: \"a\\nb\"\n", "'v1'", "\"a\\nb\"", "/tag", "\"a\\nb\"");
	set_case("tag: \"v1\"\n", "tag", "a\"b\\c", 0, "tag: \"a\\\"b\\\\c\"\n", "v1", "a\\\"b\\\\c", "/tag",
		 "\"a\\\"b\\\\c\"");
	set_case("tag: \"v1\"\n", "tag", "v2", 0, "tag: \"v2\"\n", "1", "2", "/tag", "\"v2\"");
	set_case("tag: \"multi\n  line\"\n", "tag", "one", 0, "tag: \"one\"\n", "multi\n  line", "one", "/tag",
		 "\"one\"");
	set_case("tag: plain\n  continued\nx: 1\n", "tag", "v3", 0, "tag: v3\nx: 1\n", "plain\n  continued", "v3",
		 "/tag", "\"v3\"");

	/* Old number: numbers stay plain, anything else becomes a string. */
	set_case("replicas: 2\n", "replicas", "3", 0, "replicas: 3\n", "2", "3", "/replicas", "3");
	set_case("replicas: 2\n", "replicas", "2.5", 0, "replicas: 2.5\n", "2", "2.5", "/replicas", "2.5");
	set_case("replicas: 2\n", "replicas", "1e3", 0, "replicas: 1e3\n", "2", "1e3", "/replicas", "1000.0");
	set_case("replicas: 2\n", "replicas", "0x1F", 0, "replicas: 0x1F\n", "2", "0x1F", "/replicas", "31");
	set_case("replicas: 2\n", "replicas", "three", 0, "replicas: three\n", "2", "three", "/replicas", "\"three\"");
	set_case("replicas: 2\n", "replicas", "yes", 0, "replicas: \"yes\"\n", "2", "\"yes\"", "/replicas", "\"yes\"");
	set_case("replicas: 2\n", "replicas", "null", 0, "replicas: \"null\"\n", "2", "\"null\"", "/replicas",
		 "\"null\"");
	set_case("replicas: 2\n", "replicas", "", 0, "replicas: \"\"\n", "2", "\"\"", "/replicas", "\"\"");
	set_case("replicas: 2\n", "replicas", "3 #x", 0, "replicas: \"3 #x\"\n", "2", "\"3 #x\"", "/replicas",
		 "\"3 #x\"");
	set_case("tag: 1042\n", "tag", "1043", 0, "tag: 1043\n", "2", "3", "/tag", "1043");
	/* Old boolean and null alike. */
	set_case("enabled: true\n", "enabled", "no", 0, "enabled: no\n", "true", "no", "/enabled", "false");
	set_case("enabled: true\n", "enabled", "1", 0, "enabled: \"1\"\n", "true", "\"1\"", "/enabled", "\"1\"");
	set_case("enabled: true\n", "enabled", "maybe", 0, "enabled: maybe\n", "true", "maybe", "/enabled",
		 "\"maybe\"");
	set_case("tag: ~\n", "tag", "1043", 0, "tag: \"1043\"\n", "~", "\"1043\"", "/tag", "\"1043\"");
	set_case("tag: ~\n", "tag", "v2", 0, "tag: v2\n", "~", "v2", "/tag", "\"v2\"");
	set_case("tag:\nx: 1\n", "tag", "1043", 0, "tag: \"1043\"\nx: 1\n", "", " \"1043\"", "/tag", "\"1043\"");
	set_case("tag: \nx: 1\n", "tag", "v2", 0, "tag: v2\nx: 1\n", "", "v2", "/tag", "\"v2\"");
	set_case("tag: # later\n", "tag", "v2", 0, "tag: v2 # later\n", "", "v2 ", "/tag", "\"v2\"");
	set_case("list:\n-\n- b\n", "list[0]", "a", 0, "list:\n- a\n- b\n", "", " a", "/list/0", "\"a\"");

	/* --set-string: always a string. */
	set_case("tag: 1042\n", "tag", "1043", GT_YEDIT_STRING, "tag: \"1043\"\n", "1042", "\"1043\"", "/tag",
		 "\"1043\"");
	set_case("tag: 1042\n", "tag", "1042", GT_YEDIT_STRING, "tag: \"1042\"\n", "1042", "\"1042\"", "/tag",
		 "\"1042\"");
	set_case("tag: 1042\n", "tag", "abc", GT_YEDIT_STRING, "tag: abc\n", "1042", "abc", "/tag", "\"abc\"");
	set_case("on: off\n", "on", "true", GT_YEDIT_STRING, "on: \"true\"\n", "off", "\"true\"", "/true", "\"true\"");

	/* Already that value: 0, no bytes touched. */
	set_case("tag: \"1.4.2\"\n", "tag", "1.4.2", 0, "tag: \"1.4.2\"\n", NULL, NULL, NULL, NULL);
	set_case("replicas: 02\n", "replicas", "2", 0, "replicas: 02\n", NULL, NULL, NULL, NULL);
	set_case("enabled: yes\n", "enabled", "true", 0, "enabled: yes\n", NULL, NULL, NULL, NULL);
	set_case("tag: null\n", "tag", "~", 0, "tag: null\n", NULL, NULL, NULL, NULL);

	/* Tags stay; a value must fit its tag. */
	set_case("tag: !!str 1042\n", "tag", "1043", 0, "tag: !!str 1043\n", "2", "3", "/tag", "\"1043\"");
	set_case("tag: &t !!str\n  1042\n", "tag", "yes", 0, "tag: &t !!str\n  yes\n", "1042", "yes", "/tag",
		 "\"yes\"");
	set_case("x: !!float 1\n", "x", "2", 0, "x: !!float 2\n", "1", "2", "/x", "2.0");
	set_fails("x: !!int 3\n", "x", "abc", 0, "values.yaml:1:4:", "tagged tag:yaml.org,2002:int", NULL);
	/* Keys match by their text: "n" is the key n, which a YAML 1.1 reader calls false. */
	set_case("n: 1\n", "n", "2", 0, "n: 2\n", "1", "2", "/false", "2");

	/* Flow context: commas and brackets need quotes there. */
	set_case("a: {b: x, c: y}\n", "a.b", "p, q", 0, "a: {b: \"p, q\", c: y}\n", "x", "\"p, q\"", "/a/b",
		 "\"p, q\"");
	set_case("a: [x, y]\n", "a[1]", "[z]", 0, "a: [x, \"[z]\"]\n", "y", "\"[z]\"", "/a/1", "\"[z]\"");
	set_case("a: {b: x}\n", "a.b", "reg:5000/app", 0, "a: {b: reg:5000/app}\n", "x", "reg:5000/app", "/a/b",
		 "\"reg:5000/app\"");
	set_case("a: {b}\n", "a.b", "v", 0, "a: {b: v}\n", "", ": v", "/a/b", "\"v\"");
	set_case("a: {b: , c: 1}\n", "a.b", "v", 0, "a: {b: v, c: 1}\n", "", "v", "/a/b", "\"v\"");
}

/* ---- block scalars ---- */

static void test_block_scalars(void)
{
	struct session s;
	session_open(&s, "values-blocks.yaml");
	session_set(&s, "config.banner", "hello", 0, 1, "Welcome to the shop.\nMind the step.\n", 0, "/config/banner",
		    "\"hello\"");
	session_change(&s, "block to one line", "|\n    Welcome to the shop.\n    Mind the step.", "hello");
	session_set(&s, "config.motd", "1234", 0, 1, "Closed on Sundays.", 0, "/config/motd", "\"1234\"");
	session_change(&s, "folded with a header comment", ">- # folded, no final newline\n    Closed on\n    Sundays.",
		       "\"1234\" # folded, no final newline");
	session_set(&s, "config.keep", "short", 0, 1, "trailing lines kept\n\n\n", 0, "/config/keep", "\"short\"");
	session_set(&s, "config.script", "#!/bin/sh\nexec /app/run\n", 0, 1, "#!/bin/sh\necho tag: not-a-key\n", 0,
		    "/config/script", "\"#!/bin/sh\\nexec /app/run\\n\"");
	session_change(&s, "multi-line stays literal", "echo tag: not-a-key", "exec /app/run");
	session_set(&s, "footer", "bye", 0, 1, "last one", 0, "/footer", "\"bye\"");
	session_set(&s, "config.added", "1", GT_YEDIT_CREATE, 1, NULL, 0, "/config/added", "1");
	session_golden(&s, "values-blocks.edited.yaml");
	session_close(&s);

	/* YAML 1.1 line breaks libyaml knows besides "\n": a lone CR, NEL, LS. */
	set_case("a: |\xE2\x80\xA8" "b: 1\n", "a", "x", 0, "a: x\xE2\x80\xA8" "b: 1\n", "|", "x", "/a", "\"x\"");
	set_case("a: |\r  x\rb: 1\r", "a", "z", 0, "a: z\rb: 1\r", "|\r  x", "z", NULL, NULL);
	set_case("a:\r  b: 1\r", "a.c", "2", GT_YEDIT_CREATE, "a:\r  b: 1\r  c: 2\r", "", "  c: 2\r", "/a/c", "2");
	set_case("a: 1\xC2\x85" "b: 2\n", "b", "3", 0, "a: 1\xC2\x85" "b: 3\n", "2", "3", "/b", "3");

	/* A block at the end of a file without a final newline, and a nested one before a shallower key. */
	set_case("a:\n  b: |\n    x\n    y\nc: 1", "a.b", "z", 0, "a:\n  b: z\nc: 1", "|\n    x\n    y", "z", "/a/b",
		 "\"z\"");
	set_case("a: |\n  x", "a", "z", 0, "a: z", "|\n  x", "z", "/a", "\"z\"");
	set_case("a: |\n  x", "a", "y", 0, "a: \"y\"", "|\n  x", "\"y\"", "/a", "\"y\"");
	set_case("a: |\n  x\n  y\n", "a", "1\n2\n", 0, "a: |\n  1\n  2\n", "x\n  y", "1\n  2", "/a", "\"1\\n2\\n\"");
	set_case("a: |\n  x\n", "a", " lead\n", 0, "a: \" lead\\n\"\n", "|\n  x", "\" lead\\n\"", "/a",
		 "\" lead\\n\"");
	set_case("a: |\n\nb: 1\n", "a", "x", 0, "a: x\n\nb: 1\n", "|", "x", "/a", "\"x\"");
}

/* ---- layout that must survive: CRLF, no final newline, BOM, flow, documents ---- */

static bool has_bare_lf(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			return true;
	return false;
}

static void test_layout(void)
{
	struct session s;
	size_t len;
	const char *b;

	session_open(&s, "values-crlf.yaml");
	session_set(&s, "image.tag", "1043", 0, 1, "1.4.2", 0, "/image/tag", "\"1043\"");
	session_set(&s, "sidecar.image.tag", "v2", 0, 1, "v1.29.1", 0, "/sidecar/image/tag", "\"v2\"");
	session_set(&s, "image.digest", SHA_A, GT_YEDIT_CREATE, 1, NULL, 0, "/image/digest", "\"" SHA_A "\"");
	session_change(&s, "CRLF line added", "", "  digest: " SHA_A "\r\n");
	session_set(&s, "resources.limits.cpu", "1", GT_YEDIT_CREATE, 1, NULL, 0, "/resources/limits/cpu", "1");
	b = gt_yamledit_bytes(s.e, &len);
	ok(!has_bare_lf(b, len), "CRLF file: every line still ends in CRLF");
	session_golden(&s, "values-crlf.edited.yaml");
	session_close(&s);

	session_open(&s, "values-nofinal.yaml");
	session_set(&s, "image.tag", "v1.3", 0, 1, "v1.2", 0, "/image/tag", "\"v1.3\"");
	session_change(&s, "last line", "2", "3");
	session_set(&s, "image.digest", SHA_A, GT_YEDIT_CREATE, 1, NULL, 0, "/image/digest", "\"" SHA_A "\"");
	session_change(&s, "added at the end", "", "\n  digest: " SHA_A);
	b = gt_yamledit_bytes(s.e, &len);
	ok(len && b[len - 1] != '\n', "no final newline: still none");
	session_golden(&s, "values-nofinal.edited.yaml");
	session_close(&s);

	session_open(&s, "values-bom.yaml");
	session_set(&s, "image.tag", "1043", 0, 1, "1.4.2", 0, "/image/tag", "\"1043\"");
	session_change(&s, "after a BOM and UTF-8", "1.4.2", "1043");
	session_set(&s, "title", "Grüße 🚀 überall", 0, 1, "Schöne Grüße 🚀", 0, "/title", "\"Grüße 🚀 überall\"");
	session_change(&s, "UTF-8 value", "Schöne Grüße 🚀", "Grüße 🚀 überall");
	b = gt_yamledit_bytes(s.e, &len);
	ok(len > 3 && !memcmp(b, "\xEF\xBB\xBF", 3), "BOM kept");
	session_golden(&s, "values-bom.edited.yaml");
	session_close(&s);

	session_open(&s, "values-flow.yaml");
	session_set(&s, "image.tag", "2", 0, 1, "1", 0, "/image/tag", "\"2\"");
	session_change(&s, "flow map", "1", "2");
	session_set(&s, "sidecar.image.tag", "v2", 0, 1, "v1", 0, "/sidecar/image/tag", "\"v2\"");
	session_set(&s, "args[1]", "9090", 0, 1, "8080", 0, "/args/1", "\"9090\"");
	session_set(&s, "image.pullPolicy", "Always", GT_YEDIT_CREATE, 1, NULL, 0, "/image/pullPolicy", "\"Always\"");
	session_change(&s, "added to a flow map", "", ", pullPolicy: Always");
	session_set(&s, "sidecar.image.args.debug", "true", GT_YEDIT_CREATE, 1, NULL, 0, "/sidecar/image/args/debug",
		    "true");
	session_set(&s, "resources.requests.memory", "64Mi", GT_YEDIT_CREATE, 1, NULL, 0,
		    "/resources/requests/memory", "\"64Mi\"");
	session_golden(&s, "values-flow.edited.yaml");
	session_close(&s);

	session_open(&s, "values-multidoc.yaml");
	session_set(&s, "image.tag", "1043", 0, 1, "1.4.2", 1, "/image/tag", "\"1043\"");
	session_change(&s, "second document", "1.4.2", "1043");
	session_set(&s, "global.domain", "example.org", 0, 1, "example.com", 0, "/global/domain", "\"example.org\"");
	session_set(&s, "global.region", "eu", GT_YEDIT_CREATE, 1, NULL, 0, "/global/region", "\"eu\"");
	session_golden(&s, "values-multidoc.edited.yaml");
	session_close(&s);

	/* Indentation: a four-space file gets four-space keys. */
	session_open(&s, "values-indent4.yaml");
	session_set(&s, "image.pullPolicy", "Always", GT_YEDIT_CREATE, 1, NULL, 0, "/image/pullPolicy", "\"Always\"");
	session_change(&s, "four spaces", "", "    pullPolicy: Always\n");
	session_set(&s, "resources.limits.cpu", "500m", GT_YEDIT_CREATE, 1, NULL, 0, "/resources/limits/cpu",
		    "\"500m\"");
	session_change(&s, "nested four by four", "", "resources:\n    limits:\n        cpu: 500m\n");
	session_golden(&s, "values-indent4.edited.yaml");
	session_close(&s);
}

/* ---- adding keys ---- */

static void test_create(void)
{
	set_case("", "image.tag", "1043", GT_YEDIT_CREATE | GT_YEDIT_STRING, "image:\n  tag: \"1043\"\n", "",
		 "image:\n  tag: \"1043\"\n", "/image/tag", "\"1043\"");
	set_case("# nothing yet\n", "a", "1", GT_YEDIT_CREATE, "# nothing yet\na: 1\n", "", "a: 1\n", "/a", "1");
	set_case("# no newline", "a", "x", GT_YEDIT_CREATE, "# no newline\na: x", "", "\na: x", "/a", "\"x\"");
	set_case("---\n", "a.b", "x", GT_YEDIT_CREATE, "---\na:\n  b: x\n", "", "a:\n  b: x\n", "/a/b", "\"x\"");
	set_case("--- # empty\n", "a", "x", GT_YEDIT_CREATE, "--- # empty\na: x\n", "", "a: x\n", "/a", "\"x\"");
	set_case("image:\n  tag:\nx: 1\n", "image.tag.z", "v", GT_YEDIT_CREATE, "image:\n  tag:\n    z: v\nx: 1\n", "",
		 "\n    z: v", "/image/tag/z", "\"v\"");
	/* Keys are typed too: y is a boolean to YAML 1.1, so it is quoted. */
	set_case("a: 1\n", "y", "v", GT_YEDIT_CREATE, "a: 1\n\"y\": v\n", "", "\"y\": v\n", "/y", "\"v\"");
	set_case("image: # later\nx: 1\n", "image.tag", "v", GT_YEDIT_CREATE, "image: # later\n  tag: v\nx: 1\n", "",
		 "\n  tag: v", "/image/tag", "\"v\"");
	set_case("a: 1\n", "8080", "x", GT_YEDIT_CREATE, "a: 1\n\"8080\": x\n", "", "\"8080\": x\n", "/8080", "\"x\"");
	set_case("a: 1\n", "b", "it's: x", GT_YEDIT_CREATE, "a: 1\nb: \"it's: x\"\n", "", "b: \"it's: x\"\n", "/b",
		 "\"it's: x\"");
	set_case("a: 1\n", "b", "3", GT_YEDIT_CREATE, "a: 1\nb: 3\n", "", "b: 3\n", "/b", "3");
	set_case("a: {}\n", "a.b", "3", GT_YEDIT_CREATE, "a: {b: 3}\n", "", "b: 3", "/a/b", "3");
	set_case("a: { }\n", "a.b.c", "x", GT_YEDIT_CREATE, "a: { b: {c: x}}\n", "", "b: {c: x}", "/a/b/c", "\"x\"");
	set_case("l:\n- name: web\n  image: x\n", "l[name=web].ports", "80", GT_YEDIT_CREATE,
		 "l:\n- name: web\n  image: x\n  ports: 80\n", "", "  ports: 80\n", "/l/0/ports", "80");
	set_case("a:\n  b: |+\n    keep\n\nc: 1\n", "a.d", "x", GT_YEDIT_CREATE,
		 "a:\n  b: |+\n    keep\n\n  d: x\nc: 1\n", "", "  d: x\n", "/a/d", "\"x\"");
	set_case("a:\n  b: 1\n  # a comment about c\nc: 1\n", "a.z", "x", GT_YEDIT_CREATE,
		 "a:\n  b: 1\n  z: x\n  # a comment about c\nc: 1\n", "", "  z: x\n", "/a/z", "\"x\"");
	/* A value with a YAML line break (LS) in it is escaped, never written raw. */
	set_case("a: 1\n", "b", "x\xE2\x80\xA8y", GT_YEDIT_CREATE, "a: 1\nb: \"x\\Ly\"\n", "", "b: \"x\\Ly\"\n", "/b",
		 "\"x\\u2028y\"");
	set_case("a: 'q'\n", "a", "x\xE2\x80\xA9y", 0, "a: \"x\\Py\"\n", "'q'", "\"x\\Py\"", "/a", "\"x\\u2029y\"");
	set_case("a: 1\n", "b", "1.0", GT_YEDIT_CREATE, "a: 1\nb: 1.0\n", "", "b: 1.0\n", "/b", "1.0");
	/* An added value gets YAML's own typing: y is a YAML 1.1 boolean. */
	set_case("1: x\n", "1\\.0", "y", GT_YEDIT_CREATE, "1: x\n\"1.0\": y\n", "", "\"1.0\": y\n", "/1.0", "true");

	/* The path is in a later document: edited there, nothing added. */
	set_case("a: 1\n---\nb: 2\n", "b", "3", GT_YEDIT_CREATE, "a: 1\n---\nb: 3\n", "2", "3", NULL, NULL);

	set_fails("l: []\n", "l[0].x", "1", GT_YEDIT_CREATE, "no item [0]", "not list items", NULL);
	set_fails("a: 1\n", "a.b", "1", GT_YEDIT_CREATE, "'a' is a number, not a map", NULL);
	set_fails("- 1\n", "a", "1", GT_YEDIT_CREATE, "the document is a list, not a map", NULL);
	set_fails("a: ~\n", "a.b", "1", GT_YEDIT_CREATE, "'a' is null, not a map", NULL);
	/* Keys that a reader types alike would be duplicates. */
	set_fails("0x0: a\n", "0", "1", GT_YEDIT_CREATE, "values.yaml:1:1:", "'0x0' reads as the same key as '0'", NULL);
	set_fails("on: a\n", "true", "1", GT_YEDIT_CREATE, "'on' reads as the same key as 'true'", NULL);
}

/* ---- errors ---- */

static void test_errors(void)
{
	size_t len;
	char *values = slurp(FIXTURES "values.yaml", &len);
	set_fails(values, "image.tagg", "1", 0, "values.yaml:8:3:", "no key 'image.tagg'", "'image' has no key 'tagg'",
		  NULL);
	set_fails(values, "nope", "1", 0, "no key 'nope'", "the document has no key 'nope'", NULL);
	set_fails(values, "image", "1", 0, "values.yaml:8:3:", "image is a map", NULL);
	set_fails(values, "ingress.hosts", "1", 0, "ingress.hosts is a list", NULL);
	set_fails(values, "replicaCount.x", "1", 0, "'replicaCount' is a number, not a map", NULL);
	set_fails(values, "ingress.hosts[3].host", "x", 0, "'ingress.hosts' has no item [3]", NULL);
	set_fails(values, "ingress.hosts[host=nope].host", "x", 0, "has no item [host=nope]", NULL);
	set_fails(values, "image[0]", "x", 0, "'image' is a map, not a list", NULL);
	set_fails(values, "a..b", "1", 0, "values.yaml: bad key 'a..b'", NULL);
	set_fails(values, "a[", "1", 0, "missing ']'", NULL);
	set_fails(values, "[x=]", "1", 0, "empty value", NULL);
	set_fails(values, "image.tag", "\xff", 0, "not valid UTF-8", NULL);
	set_fails("a: 1\na: 2\n", "a", "3", 0, "values.yaml:2:1:", "appears twice", NULL);
	set_fails("", "a", "1", 0, "the file has no YAML document", NULL);
	set_fails("l:\n- name: a\n- name: a\n", "l[name=a].x", "1", 0, "more than one item", NULL);
	free(values);
}

/* ---- anchors and aliases ---- */

static void test_aliases(void)
{
	size_t len;
	char *text = slurp(FIXTURES "values-anchors.yaml", &len);
	set_fails(text, "web.image.tag", "1043", 0, "values.yaml:6:10:", "alias *img of &img (line 1)",
		  "every other user of that anchor", NULL);
	set_fails(text, "web.image", "x", 0, "alias *img", NULL);
	set_fails(text, "worker.image.tag", "1043", 0, "merge key '<<'", "set it where the merged map is defined", NULL);
	set_fails(text, "cron.retryImageTag", "8", 0, "alias *crontag of &crontag (line 14)", NULL);

	/* The anchored value itself may be edited: its aliases follow, as YAML means. */
	struct gt_yamledit *e = editor(text, len, "values-anchors.yaml");
	size_t nlen;
	is_int(gt_yamledit_set(e, "x-image.tag", "1043", 0, NULL), 1, "anchored map's key edits");
	const char *now = gt_yamledit_bytes(e, &nlen);
	expect_change("anchored map", text, len, now, nlen, "1.4.2", "1043");
	expect_reread("anchored map", text, len, now, nlen, 0, "/x-image/tag", "\"1043\"", "/web/image/tag", "\"1043\"",
		      "/worker/image/tag", "\"1043\"", NULL);
	is_int(gt_yamledit_set(e, "worker.image.pullPolicy", "Never", 0, NULL), 1, "a merging map's own key edits");
	is_int(gt_yamledit_set(e, "cron.image.tag", "8", 0, NULL), 1, "anchored scalar edits");
	now = gt_yamledit_bytes(e, &nlen);
	has(now, "tag: &crontag \"8\"\n", "anchored scalar keeps its anchor and quotes");
	expect_golden("anchors", now, nlen, "values-anchors.edited.yaml");
	gt_yamledit_free(e);
	free(text);
}

/* ---- kustomization.yaml ---- */

static void kustomize_case(const char *fixture, const char *name, const char *new_name, const char *tag,
			   const char *digest, int want_rc, const char *want_old, const char *golden)
{
	struct session s;
	char *old = NULL;
	size_t len;
	session_open(&s, fixture);
	session_mark(&s);
	int rc = gt_yamledit_set_kustomize_image(s.e, name, new_name, tag, digest, &old);
	is_int(rc, want_rc, "%s: image %s returns %d", fixture, name, want_rc);
	is_str(old, want_old, "%s: image %s: old", fixture, name);
	if (golden)
		session_golden(&s, golden);
	else
		ok(!strcmp(gt_yamledit_bytes(s.e, &len), s.orig), "%s: bytes unchanged", fixture);
	free(old);
	session_close(&s);
}

static void test_kustomize(void)
{
	struct session s;
	char *old = NULL;
	size_t len;

	session_open(&s, "kustomization.yaml");
	session_mark(&s);
	is_int(gt_yamledit_set_kustomize_image(s.e, "registry.example.com/shop/web", NULL, "1043", NULL, &old), 1,
	       "newTag set");
	is_str(old, "registry.example.com/shop/web:1042", "newTag: old form");
	free(old);
	session_change(&s, "newTag in place", "1042", "1043");
	session_reread(&s, "newTag", 0, "/images/0/newTag",
		      "\"1043\"", NULL);

	session_mark(&s);
	is_int(gt_yamledit_set_kustomize_image(s.e, "registry.example.com/shop/web", NULL, "1043", NULL, &old), 0,
	       "same newTag: unchanged");
	free(old);
	session_change(&s, "same newTag", "", "");

	session_mark(&s);
	is_int(gt_yamledit_set_kustomize_image(s.e, "nginx", NULL, "1.26.0", SHA_B, &old), 1, "nginx tag and digest");
	is_str(old, "nginx:1.25.3@sha256:0000000000000000000000000000000000000000000000000000000000000000",
	       "nginx: old form with digest");
	free(old);
	session_reread(&s, "nginx", 0, "/images/2/newTag",
		      "\"1.26.0\"", "/images/2/digest", "\"" SHA_B "\"", NULL);

	session_mark(&s);
	is_int(gt_yamledit_set_kustomize_image(s.e, "registry.example.com/shop/worker", NULL, "7", SHA_A, &old), 1,
	       "worker: fields added inside the entry");
	is_str(old, "registry.example.com/shop/worker-v2", "worker: old form is its newName");
	free(old);
	session_change(&s, "fields added", "", "    newTag: \"7\"\n    digest: " SHA_A "\n");

	session_mark(&s);
	is_int(gt_yamledit_set_kustomize_image(s.e, "registry.example.com/shop/web", "registry.example.com/shop/web2",
					       NULL, NULL, &old),
	       1, "newName added");
	free(old);
	session_reread(&s, "newName", 0, "/images/0/newName",
		      "\"registry.example.com/shop/web2\"", NULL);

	session_mark(&s);
	is_int(gt_yamledit_set_kustomize_image(s.e, "redis", NULL, "7.2", NULL, &old), 1, "new entry");
	ok(old == NULL, "new entry: no old form");
	session_change(&s, "entry appended", "", "  - name: redis\n    newTag: \"7.2\"\n");
	session_reread(&s, "new entry", 0, "/images/3",
		      "{\"name\": \"redis\", \"newTag\": \"7.2\"}", NULL);
	session_golden(&s, "kustomization.edited.yaml");

	/* All or nothing: a bad digest leaves every byte. */
	session_mark(&s);
	capture_begin();
	is_int(gt_yamledit_set_kustomize_image(s.e, "redis", NULL, "8", "sha256:short", &old), -1, "bad digest");
	const char *msg = capture_end();
	has(msg, "bad digest 'sha256:short'", "bad digest: says which");
	session_change(&s, "nothing after an error", "", "");
	capture_begin();
	is_int(gt_yamledit_set_kustomize_image(s.e, "redis", NULL, "v 1", NULL, &old), -1, "bad tag");
	has(capture_end(), "bad newTag 'v 1'", "bad tag: says which");
	capture_begin();
	is_int(gt_yamledit_set_kustomize_image(s.e, "", NULL, "1", NULL, &old), -1, "empty name");
	capture_end();
	session_close(&s);

	kustomize_case("kustomization-noimages.yaml", "registry.example.com/shop/web", NULL, "1043", NULL, 1, NULL,
		       "kustomization-noimages.edited.yaml");
	kustomize_case("kustomization-emptyimages.yaml", "registry.example.com/shop/web",
		       "registry.example.com/shop/web2", "1043", SHA_A, 1, NULL,
		       "kustomization-emptyimages.edited.yaml");
	kustomize_case("kustomization-flow.yaml", "web", NULL, "1043", NULL, 1, NULL, "kustomization-flow.edited.yaml");
	kustomize_case("kustomization.yaml", "nginx", "nginx", NULL, NULL, 0,
		       "nginx:1.25.3@sha256:0000000000000000000000000000000000000000000000000000000000000000", NULL);

	/* An unquoted number newTag becomes a string. */
	const char *num = "images:\n- name: app\n  newTag: 1042\n";
	struct gt_yamledit *e = editor(num, strlen(num), "kustomization.yaml");
	is_int(gt_yamledit_set_kustomize_image(e, "app", NULL, "1043", NULL, NULL), 1, "number newTag replaced");
	is_str(gt_yamledit_bytes(e, &len), "images:\n- name: app\n  newTag: \"1043\"\n", "number newTag: quoted");
	gt_yamledit_free(e);

	e = editor("", 0, "kustomization.yaml");
	is_int(gt_yamledit_set_kustomize_image(e, "app", NULL, "1", NULL, NULL), 1, "empty file gets images:");
	is_str(gt_yamledit_bytes(e, &len), "images:\n- name: app\n  newTag: \"1\"\n", "empty file: the entry");
	gt_yamledit_free(e);

	const char *notlist = "images: web\n";
	e = editor(notlist, strlen(notlist), "kustomization.yaml");
	capture_begin();
	is_int(gt_yamledit_set_kustomize_image(e, "app", NULL, "1", NULL, NULL), -1, "images: not a list");
	has(capture_end(), "'images' is a string, not a list", "images: not a list: says so");
	gt_yamledit_free(e);
}

/* ---- container images ---- */

static void images_case(const char *fixture, const char *repo, const char *ref, int want_rc, const char *want_old,
			const char *golden)
{
	struct session s;
	char *old = NULL;
	size_t len;
	session_open(&s, fixture);
	int rc = gt_yamledit_set_container_images(s.e, repo, ref, &old);
	is_int(rc, want_rc, "%s: images of %s -> %s: %d changed", fixture, repo, ref, want_rc);
	is_str(old, want_old, "%s: first old image", fixture);
	const char *now = gt_yamledit_bytes(s.e, &len);
	if (golden)
		session_golden(&s, golden);
	else
		ok(len == s.orig_len && !memcmp(now, s.orig, len), "%s: bytes unchanged", fixture);
	free(old);
	session_close(&s);
}

static void images_fail(const char *text, const char *repo, const char *ref, const char *why)
{
	struct gt_yamledit *e = editor(text, strlen(text), "app.yaml");
	char *old = NULL;
	size_t len;
	capture_begin();
	int rc = gt_yamledit_set_container_images(e, repo, ref, &old);
	const char *msg = capture_end();
	is_int(rc, -1, "images of %s fail", repo);
	ok(old == NULL, "images of %s: no old value", repo);
	has(msg, why, "images of %s: message has '%s'", repo, why);
	is_str(gt_yamledit_bytes(e, &len), text, "images of %s: bytes unchanged", repo);
	gt_yamledit_free(e);
}

static void test_container_images(void)
{
	const char *web = "registry.example.com:5000/shop/web";
	images_case("deployment.yaml", web, "registry.example.com:5000/shop/web:1043", 2,
		    "registry.example.com:5000/shop/web:1042@sha256:"
		    "1111111111111111111111111111111111111111111111111111111111111111",
		    "deployment.images.yaml");
	images_case("cronjob.yaml", web, "registry.example.com:5000/shop/web:1043", 1,
		    "registry.example.com:5000/shop/web:1042", "cronjob.images.yaml");
	images_case("pod.yaml", web, "registry.example.com:5000/shop/web:1043", 1, "registry.example.com:5000/shop/web",
		    "pod.images.yaml");
	images_case("pod.yaml", "busybox", "busybox:1.37", 1, "busybox:1.36", "pod.busybox.yaml");
	images_case("app.yaml", web, "registry.example.com:5000/shop/web:1043@" SHA_B, 2,
		    "registry.example.com:5000/shop/web:1042", "app.images.yaml");
	images_case("cronjob.yaml", web, "registry.example.com:5000/shop/web:1042", 0,
		    "registry.example.com:5000/shop/web:1042", NULL);

	/* Each changed image re-reads as the new ref, the rest as before. */
	struct session s;
	size_t len;
	session_open(&s, "app.yaml");
	session_mark(&s);
	is_int(gt_yamledit_set_container_images(s.e, web, "registry.example.com:5000/shop/web:1043", NULL), 2,
	       "app.yaml: two images");
	const char *now = gt_yamledit_bytes(s.e, &len);
	json_t *want = docs_of(s.prev, s.prev_len), *got = docs_of(now, len);
	json_t *ref = json_string("registry.example.com:5000/shop/web:1043");
	json_put(want, 0, "/spec/template/spec/containers/0/image", ref);
	json_put(want, 2, "/spec/jobTemplate/spec/template/spec/containers/0/image", ref);
	ok(want && got && json_equal(want, got), "app.yaml: re-reads with only the two images changed");
	json_decref(want);
	json_decref(got);
	json_decref(ref);
	session_close(&s);

	images_fail("kind: Pod\nspec:\n  containers:\n  - name: a\n    image: nginx:1\n", "redis", "redis:7",
		    "app.yaml: no container image with repository redis");
	images_fail("spec:\n  containers:\n  - image: nginx:1\n", "nginx", "nginx:", "bad image 'nginx:': empty tag");
	images_fail("x-img: &i nginx:1\nspec:\n  containers:\n  - image: *i\n", "nginx", "nginx:2",
		    "comes through the alias *i");
	images_fail("x-c: &c\n- image: nginx:1\nspec:\n  containers: *c\n", "nginx", "nginx:2",
		    "comes through the alias *c");

	/* Found map by map, changed in file order: an inner list before the outer map's own. */
	const char *nested = "spec:\n  debug:\n    containers:\n    - image: nginx:1\n  containers:\n  - image: nginx:1\n";
	struct gt_yamledit *n = editor(nested, strlen(nested), "app.yaml");
	is_int(gt_yamledit_set_container_images(n, "nginx", "nginx:2", NULL), 2, "inner and outer lists");
	is_str(gt_yamledit_bytes(n, &len),
	       "spec:\n  debug:\n    containers:\n    - image: nginx:2\n  containers:\n  - image: nginx:2\n",
	       "inner and outer lists: both changed in place");
	gt_yamledit_free(n);

	/* An alias of another container's image follows its anchor, which is edited where it stands. */
	const char *shared = "a:\n  containers:\n  - image: &i nginx:1\nb:\n  containers:\n  - image: *i\n";
	struct gt_yamledit *e = editor(shared, strlen(shared), "app.yaml");
	is_int(gt_yamledit_set_container_images(e, "nginx", "nginx:2", NULL), 1, "shared anchor edited once");
	is_str(gt_yamledit_bytes(e, &len), "a:\n  containers:\n  - image: &i nginx:2\nb:\n  containers:\n  - image: *i\n",
	       "shared anchor: the anchor's value changed");
	gt_yamledit_free(e);
}

int main(void)
{
	gt_set_program("test_yamledit");
	test_keypath();
	test_image_ref();
	test_malformed();
	test_helm_values();
	test_types();
	test_block_scalars();
	test_layout();
	test_create();
	test_errors();
	test_aliases();
	test_kustomize();
	test_container_images();
	return tap_done();
}
