/* chart: a chart as helm's loader reads it (pkg/chart/loader): a directory walked in lexical
 * order through .helmignore, or a .tgz; Chart.yaml (v1 and v2), requirements.yaml, values.yaml,
 * values.schema.json, templates/, crds/ and every other file into .Files, charts/ as subcharts. */
#define _GNU_SOURCE
#include "helm.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "file.h"
#include "limits.h"
#include "yaml.h"


struct flist {
	struct file *v;
	size_t n, cap;
};

void file_release(struct file *f)
{
	free(f->name);
	if (f->h)
		hstr_unref(f->h);
	else
		free(f->data);
	memset(f, 0, sizeof(*f));
}

/* data (malloc'd, or h->s when h is given) becomes the list's */
static int flist_add(struct flist *l, const char *name, char *data, size_t len, struct hstr *h)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct file *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	char *n = strdup(name);
	if (!n)
		return -1;
	/* a UTF-8 byte order mark goes, as helm trims it */
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3)) {
		memmove(data, data + 3, len - 3);
		len -= 3;
		data[len] = '\0';
		if (h)
			h->len = len;
	}
	l->v[l->n++] = (struct file){ n, data, len, h };
	return 0;
}

static void flist_free(struct flist *l)
{
	for (size_t i = 0; i < l->n; i++)
		file_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ---- .helmignore (pkg/ignore) ---- */

/* Go's path/filepath.Match on Unix: '*' and '?' stop at '/', [classes] with '^' negation and
 * ranges, backslash escapes; 1 match, 0 none, -1 a pattern Go calls malformed. */
static int go_rune(const char *s, size_t n, size_t *len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t k = u[0] < 0x80 ? 1 : u[0] >= 0xc2 && u[0] < 0xe0 ? 2 : u[0] >= 0xe0 && u[0] < 0xf0 ? 3 : u[0] >= 0xf0 && u[0] <= 0xf4 ? 4 : 0;
	bool ok = k && k <= n;
	for (size_t i = 1; ok && i < k; i++)
		ok = (u[i] & 0xc0) == 0x80;
	if (!ok) {
		*len = 1;
		return 0xfffd;
	}
	*len = k;
	if (k == 1)
		return u[0];
	int r = u[0] & (0x7f >> k);
	for (size_t i = 1; i < k; i++)
		r = r << 6 | (u[i] & 0x3f);
	return r;
}

/* getEsc: a class character, maybe escaped; -1 malformed */
static int get_esc(const char **c, size_t *cn, int *r)
{
	if (!*cn || **c == '-' || **c == ']')
		return -1;
	if (**c == '\\') {
		(*c)++, (*cn)--;
		if (!*cn)
			return -1;
	}
	size_t k;
	const unsigned char first = (unsigned char)**c;
	*r = go_rune(*c, *cn, &k);
	if (*r == 0xfffd && k == 1 && first >= 0x80)
		return -1;
	*c += k, *cn -= k;
	return *cn ? 0 : -1;
}

/* matchChunk: 1 with *rest, 0 no match, -1 malformed */
static int match_chunk(const char *c, size_t cn, const char *s, size_t sn, size_t *rest)
{
	bool failed = false;
	while (cn) {
		failed = failed || !sn;
		if (*c == '[') {
			int r = 0;
			if (!failed) {
				size_t k;
				r = go_rune(s, sn, &k);
				s += k, sn -= k;
			}
			c++, cn--;
			bool negated = false, match = false;
			if (cn && *c == '^')
				negated = true, c++, cn--;
			for (int nrange = 0;; nrange++) {
				if (cn && *c == ']' && nrange > 0) {
					c++, cn--;
					break;
				}
				int lo, hi;
				if (get_esc(&c, &cn, &lo) < 0)
					return -1;
				hi = lo;
				if (*c == '-') {
					c++, cn--;
					if (get_esc(&c, &cn, &hi) < 0)
						return -1;
				}
				match = match || (lo <= r && r <= hi);
			}
			failed = failed || match == negated;
		} else if (*c == '?') {
			if (!failed) {
				failed = *s == '/';
				size_t k;
				go_rune(s, sn, &k);
				s += k, sn -= k;
			}
			c++, cn--;
		} else {
			if (*c == '\\') {
				c++, cn--;
				if (!cn)
					return -1;
			}
			if (!failed) {
				failed = *c != *s;
				s++, sn--;
			}
			c++, cn--;
		}
	}
	if (failed)
		return 0;
	*rest = sn;
	return 1;
}

/* scanChunk: leading stars, then the chunk up to the next star outside a class */
static size_t scan_chunk(const char **p, size_t *pn, bool *star)
{
	*star = false;
	while (*pn && **p == '*')
		(*p)++, (*pn)--, *star = true;
	bool inrange = false;
	size_t i;
	for (i = 0; i < *pn; i++) {
		char ch = (*p)[i];
		if (ch == '\\') {
			if (i + 1 < *pn)
				i++;
		} else if (ch == '[') {
			inrange = true;
		} else if (ch == ']') {
			inrange = false;
		} else if (ch == '*' && !inrange) {
			break;
		}
	}
	return i;
}

static int go_match(const char *pattern, const char *name)
{
	const char *p = pattern;
	size_t pn = strlen(p), nn = strlen(name);
	while (pn) {
		bool star;
		size_t cl = scan_chunk(&p, &pn, &star);
		const char *chunk = p;
		p += cl, pn -= cl;
		if (star && !cl)
			return !memchr(name, '/', nn);
		size_t rest;
		int m = match_chunk(chunk, cl, name, nn, &rest);
		if (m == 1 && (rest == 0 || pn > 0)) {
			name += nn - rest, nn = rest;
			continue;
		}
		if (m < 0)
			return -1;
		bool next = false;
		if (star) {
			for (size_t i = 0; i < nn && name[i] != '/'; i++) {
				m = match_chunk(chunk, cl, name + i + 1, nn - i - 1, &rest);
				if (m == 1) {
					if (pn == 0 && rest > 0)
						continue;
					name += nn - rest, nn = rest;
					next = true;
					break;
				}
				if (m < 0)
					return -1;
			}
		}
		if (next)
			continue;
		/* the rest of the pattern must still be well formed */
		while (pn) {
			cl = scan_chunk(&p, &pn, &star);
			if (match_chunk(p, cl, "", 0, &rest) < 0)
				return -1;
			p += cl, pn -= cl;
		}
		return 0;
	}
	return nn == 0;
}

struct rule {
	char *pat;
	bool negate, must_dir, rooted, has_slash;
};
struct rules {
	struct rule *v;
	size_t n;
};

static void rules_free(struct rules *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].pat);
	free(r->v);
}

static int rules_add(struct rules *r, const char *line, struct herr *e)
{
	char *s = strdup(line);
	if (!s)
		return herr_set(e, HERR_NOMEM, false, "out of memory"), -1;
	/* TrimSpace */
	char *p = s;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\v' || *p == '\f')
		p++;
	size_t n = strlen(p);
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\v' || p[n - 1] == '\f'))
		p[--n] = '\0';
	if (!n || *p == '#') {
		free(s);
		return 0;
	}
	if (strstr(p, "**") || go_match(p, "abc") < 0) {
		/* helm refuses to load the chart: its error is its own */
		free(s);
		herr_set(e, HERR_UNSUPPORTED, false, ".helmignore: a pattern helm refuses (%s)", line);
		return -1;
	}
	struct rule rl = { 0 };
	if (*p == '!')
		rl.negate = true, p++;
	n = strlen(p);
	if (n && p[n - 1] == '/')
		rl.must_dir = true, p[--n] = '\0';
	if (*p == '/')
		rl.rooted = true, p++;
	rl.has_slash = strchr(p, '/') != NULL;
	rl.pat = strdup(p);
	free(s);
	struct rule *v = rl.pat ? realloc(r->v, (r->n + 1) * sizeof(*v)) : NULL;
	if (!v) {
		free(rl.pat);
		return herr_set(e, HERR_NOMEM, false, "out of memory"), -1;
	}
	v[r->n++] = rl;
	r->v = v;
	return 0;
}

/* filepath.Match: * and ? stop at '/' */
static bool rule_match(const struct rule *rl, const char *path)
{
	const char *subject = path;
	if (!rl->rooted && !rl->has_slash) {
		const char *slash = strrchr(path, '/');
		subject = slash ? slash + 1 : path;
	}
	return go_match(rl->pat, subject) == 1;
}

static bool rules_ignore(const struct rules *r, const char *path, bool dir)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct rule *rl = &r->v[i];
		if (rl->negate) {
			if (rl->must_dir && !dir)
				return true;
			if (!rule_match(rl, path))
				return true;
			continue;
		}
		if (rl->must_dir && !dir)
			continue;
		if (rule_match(rl, path))
			return true;
	}
	return false;
}

/* ---- reading a directory ---- */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files from this size on are mapped rather than read (hstr_map_file): below it a read costs less
 * than the mapping's system calls. */
#define MAP_FROM (64 * 1024)

/* A file of size bytes (as stat saw it) as a string of its own: read or mapped once, no larger than
 * it (the 5 MiB of a big chart's crds/ are then shared with .Files, not copied). NULL when it cannot
 * be read or changed size. */
static struct hstr *read_hstr(const char *path, size_t size)
{
	FILE *f = fopen(path, "rb");
	struct hstr *h = NULL;
	if (f && size >= MAP_FROM) {
		h = hstr_map_file(fileno(f), size);
	} else if (f && (h = malloc(sizeof(*h) + size + 1))) {
		h->rc = 1;
		h->mapped = false;
		h->len = fread(h->s, 1, size, f);
		h->s[h->len] = '\0';
		if (h->len != size || ferror(f) || getc(f) != EOF) {
			hstr_unref(h);
			h = NULL;
		}
	}
	if (f)
		fclose(f);
	return h;
}

static int walk(const char *top, const char *rel, const struct rules *rules, struct flist *out, size_t *total,
		struct herr *e, int depth)
{
	char *dir = *rel ? NULL : strdup(top);
	if (*rel && asprintf(&dir, "%s/%s", top, rel) < 0)
		dir = NULL;
	if (!dir)
		return herr_set(e, HERR_NOMEM, false, "out of memory"), -1;
	if (depth > 64) {
		free(dir);
		return herr_set(e, HERR_UNSUPPORTED, false, "%s: directories nested deeper than 64", top), -1;
	}
	DIR *d = opendir(dir);
	if (!d) {
		herr_set(e, HERR_UNSUPPORTED, false, "%s: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *ent;
	int r = 0;
	while ((ent = readdir(d))) {
		if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			char **nv = realloc(names, cap * sizeof(*nv));
			if (!nv) {
				r = -1;
				break;
			}
			names = nv;
		}
		if (!(names[n] = strdup(ent->d_name))) {
			r = -1;
			break;
		}
		n++;
	}
	closedir(d);
	if (r < 0)
		herr_set(e, HERR_NOMEM, false, "out of memory");
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; r == 0 && i < n; i++) {
		char *path = NULL, *relp = NULL;
		if (asprintf(&path, "%s/%s", dir, names[i]) < 0 ||
		    asprintf(&relp, "%s%s%s", rel, *rel ? "/" : "", names[i]) < 0) {
			free(path);
			r = -1;
			herr_set(e, HERR_NOMEM, false, "out of memory");
			break;
		}
		struct stat st;
		if (stat(path, &st) < 0) {
			herr_set(e, HERR_UNSUPPORTED, false, "%s: %s", path, strerror(errno));
			r = -1;
		} else if (S_ISDIR(st.st_mode)) {
			if (!rules_ignore(rules, relp, true))
				r = walk(top, relp, rules, out, total, e, depth + 1);
		} else if (!rules_ignore(rules, relp, false)) {
			struct hstr *h = NULL;
			if (!S_ISREG(st.st_mode)) {
				herr_set(e, HERR_UNSUPPORTED, false, "%s: not a regular file", path);
				r = -1;
			} else if ((size_t)st.st_size > HELM_MAX_FILE || (*total += (size_t)st.st_size) > HELM_MAX_CHART) {
				herr_set(e, HERR_UNSUPPORTED, false, "%s: larger than helm reads", path);
				r = -1;
			} else if (!(h = read_hstr(path, (size_t)st.st_size))) {
				herr_set(e, HERR_UNSUPPORTED, false, "%s: cannot read", path);
				r = -1;
			} else if (flist_add(out, relp, h->s, h->len, h) < 0) {
				hstr_unref(h);
				herr_set(e, HERR_NOMEM, false, "out of memory");
				r = -1;
			}
		}
		free(path);
		free(relp);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(dir);
	return r;
}

/* ---- reading a .tgz ---- */

static char *gunzip(const char *data, size_t len, size_t *out_len, struct herr *e)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return herr_set(e, HERR_NOMEM, false, "out of memory"), NULL;
	size_t cap = len * 4 + 4096, n = 0;
	char *out = malloc(cap);
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	int st = Z_OK;
	while (out && st != Z_STREAM_END) {
		if (n == cap) {
			if (cap >= HELM_MAX_CHART + 1024 * 1024) {
				free(out);
				out = NULL;
				herr_set(e, HERR_UNSUPPORTED, false, "a chart archive larger than helm reads");
				break;
			}
			char *no = realloc(out, cap * 2);
			if (!no) {
				free(out);
				out = NULL;
				break;
			}
			out = no;
			cap *= 2;
		}
		z.next_out = (Bytef *)out + n;
		z.avail_out = (uInt)(cap - n);
		st = inflate(&z, Z_NO_FLUSH);
		n = cap - z.avail_out;
		if (st != Z_OK && st != Z_STREAM_END) {
			free(out);
			out = NULL;
			herr_set(e, HERR_UNSUPPORTED, false, "a chart archive that does not gunzip");
		}
	}
	inflateEnd(&z);
	*out_len = n;
	return out;
}

static size_t octal(const char *p, size_t n)
{
	size_t v = 0;
	for (size_t i = 0; i < n && p[i]; i++)
		if (p[i] >= '0' && p[i] <= '7')
			v = v * 8 + (size_t)(p[i] - '0');
	return v;
}

static int untar(const char *tar, size_t len, struct flist *out, const char *where, struct herr *e)
{
	char *long_name = NULL;
	int r = 0;
	for (size_t off = 0; r == 0 && off + 512 <= len;) {
		const char *h = tar + off;
		if (!h[0]) /* end of archive */
			break;
		size_t size = octal(h + 124, 12);
		char type = h[156];
		const char *body = h + 512;
		size_t next = off + 512 + ((size + 511) & ~(size_t)511);
		if (next > len || size > HELM_MAX_FILE) {
			herr_set(e, HERR_UNSUPPORTED, false, "%s: a truncated or oversized archive", where);
			r = -1;
			break;
		}
		char name[512];
		if (long_name) {
			snprintf(name, sizeof(name), "%s", long_name);
			free(long_name);
			long_name = NULL;
		} else if (!memcmp(h + 257, "ustar", 5) && h[345]) {
			snprintf(name, sizeof(name), "%.155s/%.100s", h + 345, h);
		} else {
			snprintf(name, sizeof(name), "%.100s", h);
		}
		if (type == 'L') {
			long_name = strndup(body, size);
		} else if (type == 'x' || type == 'g') {
			/* pax: only a path record matters here */
			if (type == 'x' && memmem(body, size, " path=", 6)) {
				herr_set(e, HERR_UNSUPPORTED, false, "%s: pax path records", where);
				r = -1;
			}
		} else if (type == '5') {
			/* directories carry nothing */
		} else if (type == '0' || type == '\0' || type == '7') {
			const char *slash = strchr(name, '/');
			const char *rel = slash ? slash + 1 : "";
			if (!*rel || strstr(rel, "..") || rel[0] == '/' || strchr(name, '\\')) {
				herr_set(e, HERR_UNSUPPORTED, false, "%s: an archive entry helm refuses (%s)", where, name);
				r = -1;
				break;
			}
			char *data = malloc(size + 1);
			if (!data || (memcpy(data, body, size), data[size] = '\0', flist_add(out, rel, data, size, NULL) < 0)) {
				free(data);
				herr_set(e, HERR_NOMEM, false, "out of memory");
				r = -1;
			}
		} else {
			herr_set(e, HERR_UNSUPPORTED, false, "%s: archive entries of type %c", where, type);
			r = -1;
		}
		off = next;
	}
	free(long_name);
	return r;
}

/* ---- Chart.yaml and friends ---- */

static json_t *read_yaml(const struct file *f, const char *where, struct herr *e)
{
	static const struct gt_limits lim = GT_LIMITS_DEFAULT;
	struct gt_yaml_reader *r = gt_yaml_reader_new_string(f->data, f->len, f->name, &lim);
	json_t *doc = NULL;
	unsigned long line;
	if (!r)
		return herr_set(e, HERR_NOMEM, false, "out of memory"), NULL;
	gt_yaml_reader_set_quiet(r, true);
	int st = gt_yaml_next(r, &doc, &line);
	if (st < 0)
		herr_set(e, HERR_UNSUPPORTED, false, "%s/%s: YAML helm reads its own way (%s)", where, f->name,
			 gt_yaml_reader_error(r));
	gt_yaml_reader_free(r);
	if (st == 0)
		doc = json_null();
	return st < 0 ? NULL : doc;
}

/* A Chart.yaml field of the wrong JSON type is a helm error: left to helm. */
static bool typed(json_t *obj, const char *key, json_type want)
{
	json_t *v = json_object_get(obj, key);
	return !v || json_is_null(v) || json_typeof(v) == want;
}

static bool strings_list(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key), *s;
	size_t i;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_array(v))
		return false;
	json_array_foreach(v, i, s)
		if (!json_is_string(s) && !json_is_null(s))
			return false;
	return true;
}

static bool check_metadata(json_t *m)
{
	static const char *const strs[] = { "name", "home", "version", "description", "icon", "apiVersion",
					     "condition", "tags", "appVersion", "kubeVersion", "type" };
	for (size_t i = 0; i < sizeof(strs) / sizeof(*strs); i++)
		if (!typed(m, strs[i], JSON_STRING))
			return false;
	if (!strings_list(m, "sources") || !strings_list(m, "keywords"))
		return false;
	json_t *d = json_object_get(m, "deprecated");
	if (d && !json_is_null(d) && !json_is_boolean(d))
		return false;
	json_t *ann = json_object_get(m, "annotations"), *v;
	const char *k;
	if (ann && !json_is_null(ann)) {
		if (!json_is_object(ann))
			return false;
		json_object_foreach(ann, k, v)
			if (!json_is_string(v))
				return false;
	}
	json_t *ms = json_object_get(m, "maintainers"), *mm;
	size_t i;
	if (ms && !json_is_null(ms)) {
		if (!json_is_array(ms))
			return false;
		json_array_foreach(ms, i, mm)
			if (!json_is_object(mm) || !typed(mm, "name", JSON_STRING) || !typed(mm, "email", JSON_STRING) ||
			    !typed(mm, "url", JSON_STRING))
				return false;
	}
	return true;
}

static bool check_deps(json_t *deps)
{
	json_t *d;
	size_t i;
	if (!deps || json_is_null(deps))
		return true;
	if (!json_is_array(deps))
		return false;
	json_array_foreach(deps, i, d) {
		if (!json_is_object(d))
			return false;
		static const char *const strs[] = { "name", "version", "repository", "condition", "alias" };
		for (size_t k = 0; k < sizeof(strs) / sizeof(*strs); k++)
			if (!typed(d, strs[k], JSON_STRING))
				return false;
		if (!strings_list(d, "tags"))
			return false;
		json_t *en = json_object_get(d, "enabled");
		if (en && !json_is_null(en) && !json_is_boolean(en))
			return false;
		/* import-values: names (exports.NAME) or {child, parent} maps of strings; helm panics on
		 * a map without them */
		json_t *iv = json_object_get(d, "import-values"), *item;
		size_t k2;
		if (iv && !json_is_null(iv) && !json_is_array(iv))
			return false;
		json_array_foreach(iv, k2, item) {
			if (json_is_object(item) && (!json_is_string(json_object_get(item, "child")) ||
						     !json_is_string(json_object_get(item, "parent"))))
				return false;
			if (!json_is_object(item) && !json_is_string(item))
				return false;
		}
	}
	return true;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* sanitizeString: whitespace becomes ' ', what is not printable goes */
static bool needs_sanitize(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* metadata.Validate's sanitizeString: a space for whitespace, nothing for what is not printable.
 * Done here for ASCII; the Unicode spaces and format characters are left to helm. */
static int sanitize_one(json_t *str, const char *where, const char *field, struct herr *e)
{
	const char *s = json_string_value(str);
	size_t n = json_string_length(str);
	static const char *const odd[] = { "\xc2\x85", "\xc2\xa0", "\xc2\xad", "\xe1\x9a\x80", "\xe2\x80", "\xe2\x81",
					   "\xe3\x80\x80", "\xef\xbb\xbf" };
	for (size_t i = 0; i < sizeof(odd) / sizeof(*odd); i++)
		if (memmem(s, n, odd[i], strlen(odd[i]))) {
			herr_set(e, HERR_UNSUPPORTED, false, "%s/Chart.yaml: %s with Unicode spaces or format characters",
				 where, field);
			return -1;
		}
	if (!needs_sanitize(s) && !memchr(s, '\0', n))
		return 0;
	char *t = malloc(n + 1);
	size_t k = 0;
	if (!t)
		return herr_set(e, HERR_NOMEM, false, "out of memory"), -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || (c >= '\t' && c <= '\r'))
			t[k++] = ' ';
		else if (c >= 0x20 && c != 0x7f)
			t[k++] = (char)c;
	}
	int r = json_string_setn(str, t, k);
	free(t);
	return r < 0 ? (herr_set(e, HERR_NOMEM, false, "out of memory"), -1) : 0;
}

static int sanitize_field(json_t *meta, const char *key, const char *where, struct herr *e)
{
	json_t *v = json_object_get(meta, key);
	return json_is_string(v) ? sanitize_one(v, where, key, e) : 0;
}

static struct chart *chart_from_files(struct flist *files, const char *where, struct herr *e);

static int add_subchart(struct chart *c, const char *name, struct flist *files, const char *where, struct herr *e)
{
	struct chart *sub = NULL;
	char *subwhere = NULL;
	if (asprintf(&subwhere, "%s/charts/%s", where, name) < 0)
		return herr_set(e, HERR_NOMEM, false, "out of memory"), -1;
	size_t nl = strlen(name);
	if (nl > 4 && !strcmp(name + nl - 4, ".tgz")) {
		struct file *f = &files->v[0];
		size_t tl;
		char *tar = gunzip(f->data, f->len, &tl, e);
		struct flist inner = { 0 };
		if (tar && untar(tar, tl, &inner, subwhere, e) == 0)
			sub = chart_from_files(&inner, subwhere, e);
		free(tar);
		flist_free(&inner);
	} else {
		sub = chart_from_files(files, subwhere, e);
	}
	free(subwhere);
	if (!sub)
		return -1;
	struct chart **v = realloc(c->sub, (c->n_sub + 1) * sizeof(*v));
	if (!v) {
		chart_free(sub);
		return herr_set(e, HERR_NOMEM, false, "out of memory"), -1;
	}
	sub->parent = c;
	v[c->n_sub++] = sub;
	c->sub = v;
	return 0;
}

static int load_subcharts(struct chart *c, struct flist *rest, const char *where, struct herr *e)
{
	/* group charts/NAME/... by NAME, in name order (Go's map order is random: helm has none) */
	for (size_t i = 0; i < rest->n;) {
		const char *fname = rest->v[i].name + 7; /* after "charts/" */
		const char *slash = strchr(fname, '/');
		size_t cl = slash ? (size_t)(slash - fname) : strlen(fname);
		char *cname = strndup(fname, cl);
		struct flist group = { 0 };
		size_t j = i;
		int r = cname ? 0 : -1;
		for (; j < rest->n && r == 0; j++) {
			const char *fn = rest->v[j].name + 7;
			if (strncmp(fn, cname, cl) || (fn[cl] != '/' && fn[cl] != '\0'))
				break;
			if (fn[cl] == '/') {
				r = flist_add(&group, fn + cl + 1, rest->v[j].data, rest->v[j].len, rest->v[j].h);
				rest->v[j].data = NULL;
				rest->v[j].h = NULL;
			} else if (!slash) {
				r = flist_add(&group, fn, rest->v[j].data, rest->v[j].len, rest->v[j].h);
				rest->v[j].data = NULL;
				rest->v[j].h = NULL;
			}
		}
		if (r < 0) {
			free(cname);
			flist_free(&group);
			return herr_set(e, HERR_NOMEM, false, "out of memory"), -1;
		}
		bool skip = cname[0] == '_' || cname[0] == '.';
		bool tgz = cl > 4 && !strcmp(cname + cl - 4, ".tgz");
		if (!skip && tgz && (group.n != 1 || strcmp(group.v[0].name, cname)))
			skip = false;
		if (!skip && !tgz && group.n == 0)
			skip = true; /* a plain file in charts/ that is not an archive */
		if (!skip && add_subchart(c, cname, &group, where, e) < 0) {
			free(cname);
			flist_free(&group);
			return -1;
		}
		free(cname);
		flist_free(&group);
		i = j > i ? j : i + 1;
	}
	return 0;
}

static int push_file(struct file **v, size_t *n, struct file *f)
{
	struct file *nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -1;
	nv[(*n)++] = *f;
	*v = nv;
	memset(f, 0, sizeof(*f));
	return 0;
}

static struct chart *chart_from_files(struct flist *files, const char *where, struct herr *e)
{
	struct chart *c = calloc(1, sizeof(*c));
	struct flist sub = { 0 };
	if (!c || !(c->where = strdup(where)))
		goto nomem;
	c->values = hv_map();
	struct file *chart_yaml = NULL, *req = NULL;
	for (size_t i = 0; i < files->n; i++)
		if (!strcmp(files->v[i].name, "Chart.yaml"))
			chart_yaml = &files->v[i];
	if (!chart_yaml) {
		herr_set(e, HERR_UNSUPPORTED, false, "%s: Chart.yaml file is missing", where);
		goto fail;
	}
	if (!(c->meta = read_yaml(chart_yaml, where, e)))
		goto fail;
	if (!json_is_object(c->meta) || !check_metadata(c->meta)) {
		herr_set(e, HERR_UNSUPPORTED, false, "%s/Chart.yaml: fields helm would refuse", where);
		goto fail;
	}
	for (size_t i = 0; i < files->n; i++) {
		struct file *f = &files->v[i];
		if (!strcmp(f->name, "Chart.yaml") || !strcmp(f->name, "Chart.lock") || !strcmp(f->name, "requirements.lock")) {
			if (!strcmp(f->name, "requirements.lock") && !strcmp(jstr(c->meta, "apiVersion"), "v1") &&
			    push_file(&c->files, &c->n_files, f) < 0)
				goto nomem;
			continue;
		}
		if (!strcmp(f->name, "values.yaml")) {
			json_t *v = read_yaml(f, where, e);
			if (!v)
				goto fail;
			if (!json_is_object(v) && !json_is_null(v)) {
				json_decref(v);
				herr_set(e, HERR_UNSUPPORTED, false, "%s/values.yaml: not a map", where);
				goto fail;
			}
			hv_unref(c->values);
			c->values = json_is_object(v) ? hv_from_json(v) : hv_map();
			json_decref(v);
		} else if (!strcmp(f->name, "values.schema.json")) {
			if (!(c->schema = f->h ? strndup(f->data, f->len) : f->data))
				goto nomem;
			c->schema_len = f->len;
			if (!f->h)
				f->data = NULL;
		} else if (!strcmp(f->name, "requirements.yaml")) {
			req = f;
			if (!strcmp(jstr(c->meta, "apiVersion"), "v1") || !json_object_get(c->meta, "apiVersion")) {
				json_t *rq = read_yaml(f, where, e);
				if (!rq)
					goto fail;
				json_t *deps = json_object_get(rq, "dependencies");
				if (deps)
					json_object_set(c->meta, "dependencies", deps);
				json_decref(rq);
				if (push_file(&c->files, &c->n_files, f) < 0)
					goto nomem;
			} else {
				herr_set(e, HERR_UNSUPPORTED, false, "%s: requirements.yaml in an apiVersion v2 chart", where);
				goto fail;
			}
		} else if (!strncmp(f->name, "templates/", 10)) {
			if (push_file(&c->templates, &c->n_templates, f) < 0)
				goto nomem;
		} else if (!strncmp(f->name, "charts/", 7)) {
			size_t nl = strlen(f->name);
			if (nl > 5 && !strcmp(f->name + nl - 5, ".prov")) {
				if (push_file(&c->files, &c->n_files, f) < 0)
					goto nomem;
			} else if (flist_add(&sub, f->name, f->data, f->len, f->h) < 0) {
				goto nomem;
			} else {
				f->data = NULL;
				f->h = NULL;
			}
		} else if (push_file(&c->files, &c->n_files, f) < 0) {
			goto nomem;
		}
	}
	(void)req;
	if (!json_object_get(c->meta, "apiVersion"))
		json_object_set_new(c->meta, "apiVersion", json_string("v1"));
	const char *name = jstr(c->meta, "name"), *version = jstr(c->meta, "version"), *type = jstr(c->meta, "type");
	if (!*name || !*version || strchr(name, '/') || needs_sanitize(name) || semver_valid(version) < 0 ||
	    (*type && strcmp(type, "application") && strcmp(type, "library"))) {
		herr_set(e, HERR_UNSUPPORTED, false, "%s/Chart.yaml: metadata helm would refuse", where);
		goto fail;
	}
	static const char *const texts[] = { "description", "home", "icon", "condition", "tags", "appVersion",
					      "kubeVersion" };
	for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++)
		if (sanitize_field(c->meta, texts[i], where, e) < 0)
			goto fail;
	static const char *const lists[] = { "sources", "keywords" };
	for (size_t i = 0; i < 2; i++) {
		json_t *l = json_object_get(c->meta, lists[i]), *item;
		size_t k;
		json_array_foreach(l, k, item) {
			if (json_is_string(item) && sanitize_one(item, where, lists[i], e) < 0)
				goto fail;
		}
	}
	c->deps = json_incref(json_object_get(c->meta, "dependencies"));
	if (!check_deps(c->deps)) {
		herr_set(e, HERR_UNSUPPORTED, false, "%s: dependencies helm reads differently (import-values?)", where);
		goto fail;
	}
	if (!(c->name = strdup(name)))
		goto nomem;
	if (load_subcharts(c, &sub, where, e) < 0)
		goto fail;
	flist_free(&sub);
	return c;
nomem:
	herr_set(e, HERR_NOMEM, false, "out of memory");
fail:
	flist_free(&sub);
	chart_free(c);
	return NULL;
}

/* c and its subcharts that are directories (not archives) below it */
static void mark_on_disk(struct chart *c)
{
	size_t n = c->where ? strlen(c->where) : 0;
	if (c->parent && n > 4 && !strcmp(c->where + n - 4, ".tgz"))
		return;
	c->on_disk = true;
	for (size_t i = 0; i < c->n_sub; i++)
		mark_on_disk(c->sub[i]);
}

struct chart *chart_load_dir(const char *dir, struct herr *e)
{
	struct rules rules = { 0 };
	struct flist files = { 0 };
	size_t total = 0;
	char *ign = NULL, *data = NULL;
	size_t len;
	struct chart *c = NULL;
	if (asprintf(&ign, "%s/.helmignore", dir) < 0)
		return herr_set(e, HERR_NOMEM, false, "out of memory"), NULL;
	int rd = gt_file_read(ign, HELM_MAX_FILE, &data, &len);
	free(ign);
	if (rd == 0) {
		for (char *line = data, *nl; line; line = nl) {
			nl = strchr(line, '\n');
			if (nl)
				*nl++ = '\0';
			if (rules_add(&rules, line, e) < 0) {
				free(data);
				rules_free(&rules);
				return NULL;
			}
		}
	}
	free(data);
	if (rules_add(&rules, "templates/.?*", e) < 0)
		goto out;
	if (walk(dir, "", &rules, &files, &total, e, 0) < 0)
		goto out;
	c = chart_from_files(&files, dir, e);
	if (c)
		mark_on_disk(c);
out:
	flist_free(&files);
	rules_free(&rules);
	return c;
}

struct chart *chart_load_tgz(const char *path, struct herr *e)
{
	char *data = NULL, *tar = NULL;
	size_t len, tl;
	struct flist files = { 0 };
	struct chart *c = NULL;
	if (gt_file_read(path, HELM_MAX_CHART, &data, &len) != 0)
		return herr_set(e, HERR_UNSUPPORTED, false, "%s: cannot read", path), NULL;
	if ((tar = gunzip(data, len, &tl, e)) && untar(tar, tl, &files, path, e) == 0)
		c = chart_from_files(&files, path, e);
	free(data);
	free(tar);
	flist_free(&files);
	return c;
}

void chart_free(struct chart *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_sub; i++)
		chart_free(c->sub[i]);
	free(c->sub);
	for (size_t i = 0; i < c->n_templates; i++)
		file_release(&c->templates[i]);
	free(c->templates);
	for (size_t i = 0; i < c->n_files; i++)
		file_release(&c->files[i]);
	free(c->files);
	json_decref(c->meta);
	json_decref(c->deps);
	json_decref(c->values_json);
	hv_unref(c->values);
	hv_unref(c->meta_v);
	free(c->schema);
	free(c->name);
	free(c->api_version);
	free(c->version);
	free(c->type);
	free(c->kube_version);
	free(c->condition);
	free(c->where);
	free(c);
}

char *chart_full_path(const struct chart *c)
{
	if (!c->parent)
		return strdup(c->name);
	char *p = chart_full_path(c->parent), *r = NULL;
	if (p && asprintf(&r, "%s/charts/%s", p, c->name) < 0)
		r = NULL;
	free(p);
	return r;
}
