/* kz emit: the build's last steps as kustomize takes them -- the resource order (legacy by
 * default, or sortOptions), the annotations rewritten as strings, local-config objects
 * dropped -- and the keys of every map in the order kustomize's YAML printer writes them. */
#include "kz.h"

#include <stdlib.h>
#include <string.h>

/* ---- resource order (SortOrderTransformer) ---- */

struct order {
	const json_t *first, *last; /* arrays of kinds */
};

static int kind_rank(const struct order *o, const char *kind)
{
	size_t nf = json_array_size(o->first);
	for (size_t i = 0; i < nf; i++)
		if (!strcmp(kind, json_string_value(json_array_get(o->first, i))))
			return -(int)nf + (int)i;
	for (size_t i = 0; i < json_array_size(o->last); i++)
		if (!strcmp(kind, json_string_value(json_array_get(o->last, i))))
			return 1 + (int)i;
	return 0;
}

static char *gvk_sort_string(const struct kz_id *id)
{
	return kz_printf("%s_%s_%s", *id->group ? id->group : "~G", *id->version ? id->version : "~V",
			 *id->kind ? id->kind : "~K");
}

static char *id_sort_string(const struct kz_id *id)
{
	return kz_printf("%s.%s.%s|%s|%s", *id->kind ? id->kind : "[noKind]", *id->version ? id->version : "[noVer]",
			 *id->group ? id->group : "[noGrp]", *id->ns ? id->ns : "~X", *id->name ? id->name : "~N");
}

struct sort_item {
	struct kz_res *r;
	struct kz_id id;
	int rank;
	char *gvk, *key;
};

static const struct order *sort_order;

static int legacy_cmp(const void *pa, const void *pb)
{
	const struct sort_item *a = pa, *b = pb;
	bool same_gvk = !strcmp(a->id.group, b->id.group) && !strcmp(a->id.version, b->id.version) &&
			!strcmp(a->id.kind, b->id.kind);
	if (!same_gvk) {
		if (a->rank != b->rank)
			return a->rank < b->rank ? -1 : 1;
		int c = strcmp(a->gvk, b->gvk);
		/* two Namespace kinds, one of the core group: kustomize compares them the other way round */
		if (!strcmp(a->id.kind, "Namespace") && !strcmp(b->id.kind, "Namespace") && (!*a->id.group || !*b->id.group))
			c = -c;
		return c;
	}
	return strcmp(a->key, b->key);
}

static json_t *default_first(void)
{
	static const char *const kinds[] = {
		"Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount",
		"PodSecurityPolicy", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap", "Secret",
		"Endpoints", "Service", "LimitRange", "PriorityClass", "PersistentVolume", "PersistentVolumeClaim",
		"Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget",
	};
	json_t *a = json_array();
	for (size_t i = 0; a && i < sizeof(kinds) / sizeof(*kinds); i++)
		json_array_append_new(a, json_string(kinds[i]));
	return a;
}

int kz_sort(struct kz_build *b, struct kz_resmap *rm)
{
	const json_t *so = json_object_get(b->tree->root->k, "sortOptions");
	const char *ord = json_object_get(so, "order") ? kz_str(so, "order") : "legacy";
	const json_t *legacy = json_object_get(so, "legacySortOptions");
	if (so && strcmp(ord, "legacy") && strcmp(ord, "fifo"))
		return kz_unsupported(b->e, "sortOptions.order '%s'", ord);
	if (!strcmp(ord, "fifo")) {
		if (legacy && !json_is_null(legacy))
			return kz_unsupported(b->e, "sortOptions.legacySortOptions with order fifo");
		return 0;
	}
	json_t *first = NULL, *last = NULL;
	if (legacy && !json_is_null(legacy)) {
		first = json_incref(json_object_get(legacy, "orderFirst"));
		last = json_incref(json_object_get(legacy, "orderLast"));
	} else {
		first = default_first();
		last = json_array();
		json_array_append_new(last, json_string("MutatingWebhookConfiguration"));
		json_array_append_new(last, json_string("ValidatingWebhookConfiguration"));
	}
	struct order o = { first, last };
	struct sort_item *items = calloc(rm->n ? rm->n : 1, sizeof(*items));
	int st = items ? 0 : -1;
	for (size_t i = 0; st == 0 && i < rm->n; i++) {
		items[i].r = rm->v[i];
		kz_res_cur_id(rm->v[i], &items[i].id);
		items[i].rank = kind_rank(&o, items[i].id.kind);
		items[i].gvk = gvk_sort_string(&items[i].id);
		items[i].key = id_sort_string(&items[i].id);
		if (!items[i].gvk || !items[i].key)
			st = -1;
	}
	if (st == 0) {
		sort_order = &o;
		qsort(items, rm->n, sizeof(*items), legacy_cmp);
		for (size_t i = 0; i < rm->n; i++)
			rm->v[i] = items[i].r;
	}
	for (size_t i = 0; items && i < rm->n; i++) {
		free(items[i].gvk);
		free(items[i].key);
	}
	free(items);
	json_decref(first);
	json_decref(last);
	return st < 0 ? kz_fail(b->e, "out of memory") : 0;
}

/* ---- keys in goyaml.v2's order (its keyList.Less over string keys) ---- */

/* One code point of s at *i (bytes), advancing; invalid bytes stand for themselves. */
static unsigned rune_at(const char *s, size_t len, size_t *i)
{
	const unsigned char *p = (const unsigned char *)s + *i;
	size_t left = len - *i;
	unsigned c = p[0];
	size_t n = c < 0x80 ? 1 : c >= 0xf0 && left >= 4 ? 4 : c >= 0xe0 && left >= 3 ? 3 : c >= 0xc0 && left >= 2 ? 2 : 1;
	if (n == 2)
		c = (c & 0x1f) << 6 | (p[1] & 0x3f);
	else if (n == 3)
		c = (c & 0x0f) << 12 | (p[1] & 0x3f) << 6 | (p[2] & 0x3f);
	else if (n == 4)
		c = (c & 0x07) << 18 | (p[1] & 0x3f) << 12 | (p[2] & 0x3f) << 6 | (p[3] & 0x3f);
	*i += n;
	return c;
}

static bool is_letter(unsigned c)
{
	/* unicode.IsLetter; beyond ASCII, the Latin-1 and later letters are taken as letters */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == 0xaa || c == 0xb5 || c == 0xba ||
	       (c >= 0xc0 && c != 0xd7 && c != 0xf7);
}

static bool is_digit(unsigned c)
{
	return c >= '0' && c <= '9';
}

static int natural_cmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned *ar = malloc((la + 1) * sizeof(*ar)), *br = malloc((lb + 1) * sizeof(*br));
	size_t na = 0, nb = 0, i;
	int r = 0;
	if (!ar || !br) {
		free(ar);
		free(br);
		return strcmp(a, b);
	}
	for (i = 0; i < la;)
		ar[na++] = rune_at(a, la, &i);
	for (i = 0; i < lb;)
		br[nb++] = rune_at(b, lb, &i);
	for (i = 0; i < na && i < nb; i++) {
		if (ar[i] == br[i])
			continue;
		bool al = is_letter(ar[i]), bl = is_letter(br[i]);
		if (al && bl) {
			r = ar[i] < br[i] ? -1 : 1;
			goto out;
		}
		if (al || bl) {
			r = bl ? -1 : 1;
			goto out;
		}
		long long an = 0, bn = 0;
		size_t ai, bi;
		if (ar[i] == '0' || br[i] == '0') {
			for (size_t j = i; j-- > 0 && is_digit(ar[j]);) {
				if (ar[j] != '0') {
					an = 1;
					bn = 1;
					break;
				}
			}
		}
		for (ai = i; ai < na && is_digit(ar[ai]); ai++)
			an = an * 10 + (long long)(ar[ai] - '0');
		for (bi = i; bi < nb && is_digit(br[bi]); bi++)
			bn = bn * 10 + (long long)(br[bi] - '0');
		if (an != bn)
			r = an < bn ? -1 : 1;
		else if (ai != bi)
			r = ai < bi ? -1 : 1;
		else
			r = ar[i] < br[i] ? -1 : 1;
		goto out;
	}
	r = na < nb ? -1 : na > nb ? 1 : 0;
out:
	free(ar);
	free(br);
	return r;
}

static int key_cmp(const void *a, const void *b)
{
	return natural_cmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every map of v with its keys in that order, in place (jansson keeps insertion order). */
static int sort_keys(json_t *v)
{
	size_t i;
	json_t *c;
	if (json_is_array(v)) {
		json_array_foreach(v, i, c)
			if (sort_keys(c) < 0)
				return -1;
		return 0;
	}
	if (!json_is_object(v))
		return 0;
	size_t n = json_object_size(v), k = 0;
	struct kv { char *key; json_t *val; } *kv = malloc((n ? n : 1) * sizeof(*kv));
	const char *key;
	bool sorted = true;
	if (!kv)
		return -1;
	json_object_foreach(v, key, c) {
		kv[k].key = (char *)key;
		kv[k].val = c;
		sorted = sorted && (k == 0 || natural_cmp(kv[k - 1].key, key) < 0);
		k++;
	}
	int st = 0;
	if (!sorted) {
		qsort(kv, n, sizeof(*kv), key_cmp); /* the key is each element's first member */
		/* hold the keys and values, then put them back in order */
		for (k = 0; k < n; k++) {
			kv[k].key = strdup(kv[k].key);
			json_incref(kv[k].val);
			if (!kv[k].key)
				st = -1;
		}
		json_object_clear(v);
		for (k = 0; k < n; k++) {
			if (st == 0 && json_object_set_new(v, kv[k].key, kv[k].val) < 0)
				st = -1;
			else if (st < 0)
				json_decref(kv[k].val);
			free(kv[k].key);
		}
	}
	free(kv);
	json_object_foreach(v, key, c)
		if (st == 0)
			st = sort_keys(c);
	return st;
}

/* ---- the last rewrite of each object ---- */

/* Annotations kustomize removes at the end of a build (its own and kyaml's bookkeeping). */
static const char *const dropped_annotations[] = {
	"config.kubernetes.io/path", "config.kubernetes.io/index", "config.k8s.io/id", "config.kubernetes.io/origin",
	"alpha.config.kubernetes.io/transformations",
};

/* SetOrigin(nil) and ClearTransformations rewrite the annotations of every object: values as
 * strings, an empty map removed. */
static int rewrite_annotations(struct kz_res *r)
{
	json_t *a = kz_res_string_map(r, "annotations");
	if (!a)
		return -1;
	for (size_t i = 0; i < sizeof(dropped_annotations) / sizeof(*dropped_annotations); i++)
		json_object_del(a, dropped_annotations[i]);
	json_t *meta = json_object_get(r->obj, "metadata");
	int st = 0;
	if (json_is_object(meta) && !json_object_size(a))
		json_object_del(meta, "annotations");
	else
		st = kz_res_set_string_map(r, "annotations", a);
	json_decref(a);
	return st;
}

/* config.kubernetes.io/local-config, unless "false": kustomize leaves the object out. */
static bool is_local_config(const struct kz_res *r)
{
	const json_t *a = json_object_get(json_object_get(r->obj, "metadata"), "annotations");
	const json_t *v = json_object_get(a, "config.kubernetes.io/local-config");
	return v && !(json_is_string(v) && !strcmp(json_string_value(v), "false"));
}

int kz_finish(struct kz_build *b, struct kz_resmap *rm, json_t **out)
{
	json_t *list = json_array();
	if (!list)
		return kz_fail(b->e, "out of memory");
	for (size_t i = 0; i < rm->n; i++) {
		struct kz_res *r = rm->v[i];
		if (is_local_config(r))
			continue;
		if (rewrite_annotations(r) < 0 || sort_keys(r->obj) < 0 || json_array_append(list, r->obj) < 0) {
			json_decref(list);
			return kz_fail(b->e, "out of memory");
		}
	}
	*out = list;
	return 0;
}
