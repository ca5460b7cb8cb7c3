/* yamledit_kustomize: a kustomization.yaml's images: entry, edited in place or added. */
#include "yamledit.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cli.h"
#include "yaml.h"
#include "imageref.h"
#include "yamledit_int.h"

/* ---- kustomization.yaml images ---- */

struct kimage {
	const char *name, *new_name, *tag, *digest;
};

/* Values kustomize would refuse are refused before anything is written. */
static int check_kimage(const char *file, const struct kimage *k)
{
	const char *what = NULL, *value = NULL;
	if (!k->name || !*k->name || !ytext_utf8_valid(k->name, strlen(k->name)))
		what = "bad image name", value = k->name ? k->name : "";
	else if (k->new_name && !gt_image_repo_ok(k->new_name, strlen(k->new_name)))
		what = "bad newName", value = k->new_name;
	else if (k->tag && !gt_image_tag_ok(k->tag, strlen(k->tag)))
		what = "bad newTag", value = k->tag;
	else if (k->digest && !gt_image_digest_ok(k->digest, strlen(k->digest)))
		what = "bad digest", value = k->digest;
	if (!what)
		return 0;
	ytree_report(file, NULL, 0, "images: %s '%s'", what, value);
	return -1;
}

/* "newName:newTag@digest" of an entry, falling back to its name; malloc'd. */
static char *kimage_old_dup(const struct ytree *t, size_t entry, const char *name)
{
	size_t nn = ytree_map_find(t, entry, "newName"), tag = ytree_map_find(t, entry, "newTag"), dg = ytree_map_find(t, entry, "digest");
	struct text out = { 0 };
	if (nn != NO_NODE && t->nodes[nn].kind == Y_SCALAR && t->nodes[nn].len)
		ytext_add(&out, t->nodes[nn].value, t->nodes[nn].len);
	else
		ytext_adds(&out, name);
	if (tag != NO_NODE && t->nodes[tag].kind == Y_SCALAR && t->nodes[tag].len) {
		ytext_addc(&out, ':');
		ytext_add(&out, t->nodes[tag].value, t->nodes[tag].len);
	}
	if (dg != NO_NODE && t->nodes[dg].kind == Y_SCALAR && t->nodes[dg].len) {
		ytext_addc(&out, '@');
		ytext_add(&out, t->nodes[dg].value, t->nodes[dg].len);
	}
	return ytext_take(&out, NULL);
}

/* The fields an entry gets, in kustomize's order. */
struct kfield {
	const char *key, *value;
};

static size_t kimage_fields(const struct kimage *k, bool has_new_name, struct kfield f[4])
{
	size_t n = 0;
	if (k->new_name && (has_new_name || strcmp(k->new_name, k->name)))
		f[n++] = (struct kfield){ "newName", k->new_name };
	if (k->tag)
		f[n++] = (struct kfield){ "newTag", k->tag };
	if (k->digest)
		f[n++] = (struct kfield){ "digest", k->digest };
	return n;
}

/* "- name: X" NL "  newTag: "1"" ... with the dash at col. */
static void add_block_entry(struct text *t, const struct kimage *k, size_t col, size_t item_step, const char *nl)
{
	struct kfield f[4];
	size_t n = kimage_fields(k, false, f);
	ytext_spaces(t, col);
	ytext_adds(t, "- name: ");
	yedit_add_new_value(t, k->name, true, false);
	for (size_t i = 0; i < n; i++) {
		ytext_adds(t, nl);
		ytext_spaces(t, col + item_step);
		ytext_adds(t, f[i].key);
		ytext_adds(t, ": ");
		yedit_add_new_value(t, f[i].value, true, false);
	}
}

static void add_flow_entry(struct text *t, const struct kimage *k)
{
	struct kfield f[4];
	size_t n = kimage_fields(k, false, f);
	ytext_adds(t, "{name: ");
	yedit_add_new_value(t, k->name, true, true);
	for (size_t i = 0; i < n; i++) {
		ytext_adds(t, ", ");
		ytext_adds(t, f[i].key);
		ytext_adds(t, ": ");
		yedit_add_new_value(t, f[i].value, true, true);
	}
	ytext_addc(t, '}');
}

/* The column of a block list's dashes and how far its items' keys sit past them. */
static void seq_columns(const struct ytree *t, size_t seq, size_t *dash, size_t *item_step)
{
	size_t item = seq + 1, p = ytree_value_start(t, &t->nodes[item]);
	while (p > 0 && t->buf[p - 1] != '-')
		p--;
	*dash = p > 0 ? ytree_column_of(t, p - 1) : 0;
	*item_step = 2;
	if (t->nodes[item].kind == Y_MAP && !t->nodes[item].flow) {
		size_t key_col = ytree_map_key_column(t, item);
		if (key_col > *dash)
			*item_step = key_col - *dash;
	}
}

/* An entry appended to the existing images: list (flow or block); 1 when that is not the case. */
static int plan_entry_in_list(const struct ytree *t, size_t seq, const struct kimage *k, size_t entry_nodes,
			      struct text *out, struct splice *sp, struct reshape *r)
{
	const struct ynode *n = &t->nodes[seq];
	struct text lines = { 0 };
	size_t dash, item_step;
	bool at_eof;
	if (n->kind != Y_SEQ)
		return 1;
	if (n->flow) {
		sp->from = n->n_kids ? t->nodes[ytree_last_kid(t, seq)].end : n->close;
		ytext_adds(out, n->n_kids ? ", " : "");
		add_flow_entry(out, k);
	} else {
		seq_columns(t, seq, &dash, &item_step);
		sp->from = ytree_next_line_start(t, ytree_content_end(t, seq), &at_eof);
		add_block_entry(&lines, k, dash, item_step, ytree_newline_of(t));
		yedit_add_lines_at(out, at_eof, &lines, ytree_newline_of(t), false);
		free(lines.s);
	}
	*r = (struct reshape){ n->after, n->after, entry_nodes, seq, 1, false };
	return 0;
}

/* images: with its first entry, where it is missing or empty; 1 when there is no such place. */
static int plan_images_key(const struct ytree *t, const struct lookup *lk, const struct kimage *k,
			   size_t entry_nodes, struct text *out, struct splice *sp, struct reshape *r)
{
	const char *nl = ytree_newline_of(t);
	size_t node = lk->node;
	struct text lines = { 0 };
	bool at_eof = false, root_empty = lk->miss == MISS_NO_DOC || (lk->seg == 0 && lk->miss == MISS_EMPTY);
	if (root_empty || (lk->miss == MISS_KEY && !t->nodes[node].flow)) {
		size_t col = root_empty ? 0 : ytree_map_key_column(t, node);
		sp->from = root_empty ? yedit_root_insert_pos(t, node, &at_eof) : ytree_next_line_start(t, ytree_content_end(t, node), &at_eof);
		ytext_spaces(&lines, col);
		ytext_adds(&lines, "images:");
		ytext_adds(&lines, nl);
		add_block_entry(&lines, k, col, 2, nl);
		yedit_add_lines_at(out, at_eof, &lines, nl, root_empty && t->len == t->bom);
		free(lines.s);
		if (root_empty) /* a map, "images", the list, the entry */
			*r = (struct reshape){ node == NO_NODE ? 0 : node, node == NO_NODE ? 0 : node + 1,
					       3 + entry_nodes, NO_NODE, 0, node == NO_NODE };
		else
			*r = (struct reshape){ t->nodes[node].after, t->nodes[node].after, 2 + entry_nodes, node, 2, false };
	} else if (lk->miss == MISS_KEY) {
		sp->from = t->nodes[node].n_kids ? t->nodes[ytree_last_kid(t, node)].end : t->nodes[node].close;
		ytext_adds(out, t->nodes[node].n_kids ? ", images: [" : "images: [");
		add_flow_entry(out, k);
		ytext_addc(out, ']');
		*r = (struct reshape){ t->nodes[node].after, t->nodes[node].after, 2 + entry_nodes, node, 2, false };
	} else if (lk->seg == 1 && lk->miss == MISS_EMPTY && !t->nodes[node].flow) {
		/* "images:" with nothing under it */
		sp->from = ytree_line_end_of(t, t->nodes[node].end);
		ytext_adds(out, nl);
		add_block_entry(out, k, ytree_column_of(t, ytree_value_start(t, &t->nodes[node - 1])), 2, nl);
		*r = (struct reshape){ node, node + 1, 1 + entry_nodes, NO_NODE, 0, false };
	} else
		return 1;
	return 0;
}

/* Text, place and reshape that add a whole entry (and images: itself when missing); 1: no place for it. */
static int plan_kimage_entry(const char *name, const struct ytree *t, const struct lookup *lk,
			     const struct kimage *k, struct splice *sp, struct reshape *r)
{
	struct kfield f[4];
	/* the entry's nodes: its map, then name and each field as key and value */
	size_t entry_nodes = 1 + 2 * (1 + kimage_fields(k, false, f));
	struct text out = { 0 };
	int st = lk->seg == 1 && lk->miss == MISS_ITEM ? plan_entry_in_list(t, lk->node, k, entry_nodes, &out, sp, r)
						      : plan_images_key(t, lk, k, entry_nodes, &out, sp, r);
	if (st) {
		free(out.s);
		return 1; /* the caller explains */
	}
	sp->to = sp->from;
	sp->text = ytext_take(&out, &sp->len);
	if (!sp->text)
		ytree_report(name, NULL, 0, "out of memory");
	return sp->text ? 0 : -1;
}

/* The paths images[name=X].FIELD with the value each must read back as. */
struct kchecks {
	struct gt_keypath *paths[4];
	json_t *wants[4];
	size_t n;
};

static void kchecks_clear(struct kchecks *c)
{
	for (size_t i = 0; i < c->n; i++) {
		gt_keypath_free(c->paths[i]);
		json_decref(c->wants[i]);
	}
	c->n = 0;
}

static struct gt_keypath *kimage_path(const char *name, const char *field)
{
	struct gt_keypath *p = gt_keypath_new();
	if (p && (gt_keypath_add_key(p, "images") < 0 || gt_keypath_add_match(p, "name", name) < 0 ||
		  (field && gt_keypath_add_key(p, field) < 0))) {
		gt_keypath_free(p);
		p = NULL;
	}
	return p;
}

static int kchecks_add(struct kchecks *c, const char *name, const char *field, const char *value)
{
	c->paths[c->n] = kimage_path(name, field);
	c->wants[c->n] = json_string(value);
	c->n++;
	return c->paths[c->n - 1] && c->wants[c->n - 1] ? 0 : -1;
}

static int add_kimage_entry(struct gt_yamledit *e, const struct ytree *t, const struct gt_keypath *p,
			    const struct lookup *lk, const struct kimage *k)
{
	struct splice sp = { 0 };
	struct reshape r;
	struct kchecks c = { .n = 0 };
	struct kfield f[4];
	size_t n = kimage_fields(k, false, f);
	int ret = plan_kimage_entry(e->name, t, lk, k, &sp, &r);
	if (ret > 0) {
		ytree_report_missing(e->name, t, p, lk, "");
		ret = -1;
	}
	for (size_t i = 0; ret == 0 && i < n; i++)
		ret = kchecks_add(&c, k->name, f[i].key, f[i].value);
	if (ret == 0)
		ret = yedit_commit_insert(e, t, &sp, &r, 0, (const struct gt_keypath *const *)c.paths, c.wants, c.n,
				    "images");
	else if (sp.text)
		ytree_report(e->name, NULL, 0, "out of memory");
	kchecks_clear(&c);
	free(sp.text);
	return ret;
}

/* Set each given field of the entry, adding the ones it lacks; 1 when any changed. */
static int edit_kimage_entry(struct gt_yamledit *e, const struct ytree *t, size_t entry, const struct kimage *k)
{
	struct kfield f[4];
	size_t n = kimage_fields(k, ytree_map_find(t, entry, "newName") != NO_NODE, f);
	int changed = 0;
	for (size_t i = 0; i < n; i++) {
		struct gt_keypath *p = kimage_path(k->name, f[i].key);
		int r = p ? yedit_set_path(e, p, f[i].value, GT_YEDIT_STRING | GT_YEDIT_CREATE, NULL) : -1;
		if (!p)
			ytree_report(e->name, NULL, 0, "out of memory");
		gt_keypath_free(p);
		if (r < 0)
			return -1;
		changed |= r;
	}
	return changed;
}

int gt_yamledit_set_kustomize_image(struct gt_yamledit *e, const char *name, const char *new_name,
				    const char *tag, const char *digest, char **old)
{
	struct kimage k = { name, new_name, tag, digest };
	if (old)
		*old = NULL;
	if (check_kimage(e->name, &k) < 0)
		return -1;
	struct gt_keypath *p = kimage_path(name, NULL);
	char *saved = ytext_dup(e->buf, e->len);
	size_t saved_len = e->len;
	struct ytree t;
	struct lookup lk;
	int ret = -1;
	if (!p || !saved)
		ytree_report(e->name, NULL, 0, "out of memory");
	else if (ytree_parse(&t, e->buf, e->len, e->name, &e->lim) == 0) {
		ret = t.n_docs ? ytree_lookup_path(e->name, &t, 0, p, &lk) : 0;
		if (!t.n_docs)
			lk = (struct lookup){ NO_NODE, 0, MISS_NO_DOC };
		if (ret > 0 && t.nodes[lk.node].kind != Y_MAP) {
			ytree_report(e->name, &t, t.nodes[lk.node].start, "images[name=%s] is %s, not a map", name,
			       ytree_kind_name(&t, lk.node));
			ret = -1;
		} else if (ret > 0) {
			if (old && !(*old = kimage_old_dup(&t, lk.node, name)))
				ret = -1;
			else
				ret = edit_kimage_entry(e, &t, lk.node, &k);
		} else if (ret == 0)
			ret = add_kimage_entry(e, &t, p, &lk, &k);
		ytree_free(&t);
	}
	if (ret < 0 && saved) { /* all or nothing: an entry half edited is worse than none */
		yedit_commit(e, saved, saved_len);
		saved = NULL;
		if (old) {
			free(*old);
			*old = NULL;
		}
	}
	free(saved);
	gt_keypath_free(p);
	return ret;
}
