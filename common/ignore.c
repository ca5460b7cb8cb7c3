/* ignore: ignore rules GROUP/KIND[/NAMESPACE/NAME]:POINTER, parsed, loaded from files and applied. */
#include "ignore.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "file.h"
#include "jsonpatch.h"

#define IGNORE_LINE_MAX 4096

/* ---- ignore rules ------------------------------------------------------------------------------ */

struct ignore_rule {
	char *group, *kind, *namespace, *name; /* globs for group and kind; "" matches any */
	json_t *segs;                          /* pointer segments; "*" matches any */
};

struct gt_ignore {
	struct ignore_rule *rules;
	size_t n, cap;
};

struct gt_ignore *gt_ignore_new(void)
{
	return calloc(1, sizeof(struct gt_ignore));
}

void gt_ignore_free(struct gt_ignore *ig)
{
	if (!ig)
		return;
	for (size_t i = 0; i < ig->n; i++) {
		struct ignore_rule *r = &ig->rules[i];
		free(r->group), free(r->kind), free(r->namespace), free(r->name);
		json_decref(r->segs);
	}
	free(ig->rules);
	free(ig);
}

size_t gt_ignore_count(const struct gt_ignore *ig)
{
	return ig ? ig->n : 0;
}

/* Parse "GROUP/KIND[/NAMESPACE/NAME]:POINTER" into r; -1 with *why. */
static int ignore_parse(const char *rule, struct ignore_rule *r, const char **why)
{
	const char *colon = strchr(rule, ':');
	if (!colon)
		return *why = "expected GROUP/KIND[/NAMESPACE/NAME]:POINTER, e.g. apps/Deployment:/spec/replicas", -1;
	char *sel = strndup(rule, (size_t)(colon - rule));
	if (!sel)
		return *why = "out of memory", -1;
	char *parts[5] = { NULL };
	size_t n = 0;
	for (char *p = sel, *slash; n < 5; p = slash + 1) {
		parts[n++] = p;
		slash = strchr(p, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
	int rc = -1;
	if (n != 2 && n != 4)
		*why = "the part before : is GROUP/KIND or GROUP/KIND/NAMESPACE/NAME (\"\" is the core group: /ConfigMap)";
	else if (!*parts[1])
		*why = "KIND is empty (use * for any kind)";
	else if (n == 4 && !*parts[3])
		*why = "NAME is empty (use GROUP/KIND:POINTER for every object of a kind)";
	else if (!colon[1])
		*why = "the pointer is empty: it would ignore the whole object";
	else if ((r->segs = gt_pointer_split(colon + 1, why)))
		rc = 0;
	if (rc == 0) {
		r->group = strdup(parts[0]);
		r->kind = strdup(parts[1]);
		r->namespace = strdup(n == 4 ? parts[2] : "");
		r->name = strdup(n == 4 ? parts[3] : "");
		if (!r->group || !r->kind || !r->namespace || !r->name)
			rc = -1, *why = "out of memory";
	}
	free(sel);
	return rc;
}

int gt_ignore_add(struct gt_ignore *ig, const char *rule, const char *where)
{
	struct ignore_rule r = { 0 };
	const char *why = NULL;
	if (ignore_parse(rule, &r, &why) < 0) {
		free(r.group), free(r.kind), free(r.namespace), free(r.name);
		json_decref(r.segs);
		gt_error("%s: ignore rule '%s': %s", where, rule, why);
		return -1;
	}
	if (GT_GROW(ig->rules, ig->cap, ig->n + 1) < 0) {
		free(r.group), free(r.kind), free(r.namespace), free(r.name);
		json_decref(r.segs);
		return gt_error("out of memory"), -1;
	}
	ig->rules[ig->n++] = r;
	return 0;
}

int gt_ignore_load(struct gt_ignore *ig, const char *path, const struct gt_limits *lim)
{
	char *buf = NULL;
	size_t len = 0;
	int r = gt_file_read(path, lim ? lim->max_doc_bytes : GT_DEFAULT_MAX_DOC_BYTES, &buf, &len);
	if (r == 1)
		gt_error("%s: cannot read ignore file: it does not exist", path);
	if (r != 0)
		return -1;
	unsigned long line = 0;
	char *save = NULL, *p = buf;
	int rc = 0;
	/* strsep keeps empty lines, so line numbers stay right. */
	while (rc == 0 && (save = strsep(&p, "\n"))) {
		line++;
		size_t n = strlen(save);
		while (n && (save[n - 1] == '\r' || save[n - 1] == ' ' || save[n - 1] == '\t'))
			save[--n] = '\0';
		while (*save == ' ' || *save == '\t')
			save++;
		if (!*save || *save == '#')
			continue;
		char where[IGNORE_LINE_MAX];
		snprintf(where, sizeof(where), "%s:%lu", path, line);
		rc = gt_ignore_add(ig, save, where);
	}
	free(buf);
	return rc;
}

static bool rule_matches(const struct ignore_rule *r, const struct gt_ref *ref)
{
	if (fnmatch(r->group, ref->group, 0) != 0 || fnmatch(r->kind, ref->kind, 0) != 0)
		return false;
	if (*r->namespace && strcmp(r->namespace, ref->namespace))
		return false;
	return !*r->name || !strcmp(r->name, ref->name);
}

/* Remove segs[i..] below v; "*" walks every key or element. */
static void remove_path(json_t *v, const json_t *segs, size_t i)
{
	size_t n = json_array_size(segs);
	const char *seg = json_string_value(json_array_get(segs, i));
	bool last = i + 1 == n, any = !strcmp(seg, "*");
	if (json_is_object(v)) {
		if (!any) {
			if (last)
				json_object_del(v, seg);
			else
				remove_path(json_object_get(v, seg), segs, i + 1);
			return;
		}
		const char *k;
		json_t *c;
		void *tmp;
		json_object_foreach_safe(v, tmp, k, c) {
			if (last)
				json_object_del(v, k);
			else
				remove_path(c, segs, i + 1);
		}
	} else if (json_is_array(v)) {
		long at = any ? -1 : gt_pointer_index(seg);
		if (!any && at < 0)
			return;
		for (size_t j = json_array_size(v); j-- > 0;) {
			if (!any && (size_t)at != j)
				continue;
			if (last)
				json_array_remove(v, j);
			else
				remove_path(json_array_get(v, j), segs, i + 1);
		}
	}
}

void gt_ignore_apply(const struct gt_ignore *ig, const struct gt_ref *ref, json_t *obj)
{
	for (size_t i = 0; ig && obj && i < ig->n; i++)
		if (rule_matches(&ig->rules[i], ref) && json_array_size(ig->rules[i].segs) > 0)
			remove_path(obj, ig->rules[i].segs, 0);
}

