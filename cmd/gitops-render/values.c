/* values: where helm's -f/--values and --set-file files are read from. helm reads them relative to
 * the current directory, Argo CD's valueFiles relative to the chart: a local render takes the
 * current directory's file when it exists there, else the chart's, and says where it looked when
 * neither has it. From --repo (and as a plugin) they are the repository's, chart-relative and
 * inside it (source.c, links.c). "--values -" is standard input, for both. */
#define _GNU_SOURCE /* asprintf */
#include "render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "sha256.h"

bool values_from_stdin(const struct render_opts *o, const char *path)
{
	return o->values_stdin && path == o->values_stdin;
}

/* All of standard input, at most max bytes, into *text (malloc'd). -1 after printing. */
static int read_stdin(size_t max, char **text, size_t *len)
{
	struct gt_strbuf b = { 0 };
	char chunk[65536];
	ssize_t n;
	while ((n = read(0, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return gt_strbuf_release(&b), gt_error("--values -: standard input: %s", strerror(errno)), -1;
		if (b.len + (size_t)n > max)
			return gt_strbuf_release(&b), gt_error("--values -: more than %zu bytes (--max-document-size)", max), -1;
		if (gt_strbuf_add(&b, chunk, (size_t)n) < 0)
			return gt_strbuf_release(&b), gt_error("out of memory"), -1;
	}
	*len = b.len;
	*text = gt_strbuf_detach(&b);
	return *text ? 0 : (gt_error("out of memory"), -1);
}

/* Standard input into a private file; each "-" of --values becomes its path. */
int values_read_stdin(struct render_opts *o, bool stdin_taken)
{
	size_t dashes = 0;
	for (size_t i = 0; i < o->values.n; i++)
		dashes += !strcmp(o->values.v[i], "-");
	if (!dashes)
		return 0;
	if (dashes > 1)
		return gt_error("--values -: standard input can be read once"), -1;
	if (stdin_taken)
		return gt_error("--values - and --password-stdin both read standard input: give the token in a file"), -1;
	char *text = NULL, *dir = NULL, *path = NULL;
	size_t len = 0;
	if (read_stdin(o->lim.max_doc_bytes, &text, &len) < 0)
		return -1;
	int r = (dir = temp_dir_new()) ? 0 : -1;
	if (r == 0 && asprintf(&path, "%s/values-stdin.yaml", dir) < 0)
		r = -1, path = NULL, gt_error("out of memory");
	if (r == 0 && gt_file_write_atomic(path, text, len) < 0)
		r = -1, gt_error("%s: cannot write standard input's values", path);
	if (r == 0)
		gt_sha256_hex(text, len, o->values_stdin_sha);
	free(text);
	o->values_stdin_dir = dir;
	if (r < 0 || !opts_own(o, path))
		return r < 0 ? (free(path), -1) : -1;
	o->values_stdin = path;
	for (size_t i = 0; i < o->values.n; i++)
		if (!strcmp(o->values.v[i], "-"))
			o->values.v[i] = o->values_stdin;
	return 0;
}

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* One path: the current directory's file, else the chart's, as an absolute path into *out. */
static int resolve_one(const char *chart, const char *path, const char *what, struct gt_strbuf *out)
{
	char *cwd = getcwd(NULL, 0), *in_chart = NULL;
	int r = 0;
	if (!cwd || asprintf(&in_chart, "%s/%s", chart, path) < 0)
		r = -1, in_chart = NULL, gt_error("out of memory");
	if (r == 0 && path[0] == '/') {
		if (!is_file(path))
			r = -1, gt_error("%s %s: %s", what, path, strerror(errno ? errno : ENOENT));
		else
			r = gt_strbuf_adds(out, path);
	} else if (r == 0 && is_file(path)) {
		r = gt_strbuf_addf(out, "%s/%s", cwd, path);
	} else if (r == 0 && is_file(in_chart)) {
		char *abs = realpath(in_chart, NULL);
		r = abs ? gt_strbuf_adds(out, abs) : (gt_error("%s: %s", in_chart, strerror(errno)), -1);
		free(abs);
	} else if (r == 0) {
		gt_error("%s %s: no such file: tried %s/%s (the current directory) and %s (the chart)", what, path, cwd,
			 path, in_chart);
		r = -1;
	}
	free(cwd);
	free(in_chart);
	return r < 0 ? -1 : 0;
}

/* A comma-separated list of paths (helm splits -f and --set-file at commas), KEY=PATH items for
 * --set-file, rewritten with every path resolved. NULL after printing. */
static char *resolve_list_new(const char *chart, const char *list, bool set_file)
{
	struct gt_strbuf out = { 0 };
	char *items = strdup(list), *save = NULL;
	int r = items ? 0 : -1;
	for (char *it = items ? strtok_r(items, ",", &save) : NULL; r == 0 && it; it = strtok_r(NULL, ",", &save)) {
		char *eq = set_file ? strchr(it, '=') : NULL;
		const char *path = eq ? eq + 1 : it;
		if (out.len)
			r = gt_strbuf_adds(&out, ",");
		if (r == 0 && eq)
			r = gt_strbuf_addf(&out, "%.*s=", (int)(eq - it), it);
		if (r == 0 && set_file && !eq)
			r = gt_strbuf_adds(&out, it); /* helm's own error for a KEY without =PATH */
		else if (r == 0)
			r = resolve_one(chart, path, set_file ? "--set-file" : "--values", &out);
	}
	free(items);
	if (r < 0 || !out.s) {
		if (!out.s && r == 0)
			gt_error("out of memory");
		gt_strbuf_release(&out);
		return NULL;
	}
	return gt_strbuf_detach(&out);
}

int values_resolve_local(struct render_opts *o, const char *chart)
{
	struct gt_strvec *lists[] = { &o->values, &o->set_file };
	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			if (values_from_stdin(o, lists[l]->v[i]))
				continue;
			char *v = resolve_list_new(chart, lists[l]->v[i], l == 1);
			if (!v || !opts_own(o, v))
				return -1;
			lists[l]->v[i] = v;
		}
	return 0;
}
