/* gitops-render's own declarations, shared by its files only. */
#ifndef RENDER_H
#define RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "limits.h"

enum tracking { TRACK_ANNOTATION = 1, TRACK_LABEL = 2, TRACK_BOTH = 3 };

struct render_opts {
	bool recurse;
	char **include, **exclude; /* globs, borrowed from argv */
	size_t n_include, n_exclude;
	const char *namespace;
	const char *app;
	enum tracking tracking;
	enum gt_format format;
	bool format_set;
	struct gt_limits lim;
};

struct file_list {
	char **paths; /* owned */
	size_t n, cap;
};

/* Manifest files below root (.yaml, .yml, .json), in Argo CD's order; -1 after printing. */
int find_manifests(const struct render_opts *o, const char *root, struct file_list *out);
void file_list_free(struct file_list *l);
/* gobwas/glob semantics: '*' crosses '/', {a,b} alternation. */
bool glob_match(const char *pattern, const char *path);

#endif
