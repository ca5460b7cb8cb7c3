/* kz nameref: after prefixes, suffixes, namespaces and hashes changed names, the fields that
 * refer to those objects by name follow (kustomize's nameReference transformer and filter). */
#include "kz.h"

#include <stdlib.h>
#include <string.h>

struct nameref_ctx {
	struct kz_build *b;
	struct kz_acc *acc;
	struct kz_id *ids;                /* the current id of each resource (names do not change here) */
	struct kz_res *referrer;
	const struct kz_nameref *target;  /* the referred kind */
	struct kz_fieldspec *fs;          /* the referring field */
	struct kz_res **cand;             /* the resources the referrer could refer to */
	size_t n_cand;
};

/* A comma-separated build annotation as a list (strings.Split), or none when absent. */
static size_t csv_list(const struct kz_res *r, const char *key, char ***out)
{
	const char *s = kz_build_get(r, key);
	*out = NULL;
	if (!s)
		return 0;
	size_t n = 1;
	for (const char *c = s; *c; c++)
		n += *c == ',';
	char **v = calloc(n, sizeof(*v));
	if (!v)
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = strcspn(s, ",");
		v[i] = strndup(s, len);
		s += len + (s[len] == ',');
	}
	*out = v;
	return n;
}

static void csv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static bool same_ending(char **a, size_t na, char **b, size_t nb)
{
	if (na > nb) {
		char **t = a;
		a = b, b = t;
		size_t tn = na;
		na = nb, nb = tn;
	}
	size_t diff = nb - na;
	if (!na)
		return diff == 0;
	for (size_t i = na; i-- > 0;)
		if (strcmp(b[i + diff], a[i]))
			return false;
	return true;
}

/* Resource.PrefixesSuffixesEquals */
static bool affixes_match(const struct kz_res *r, const struct kz_res *o, bool allow_empty)
{
	char **rp, **op, **rs, **os;
	size_t nrp = csv_list(r, KZ_PREFIXES, &rp), nop = csv_list(o, KZ_PREFIXES, &op);
	size_t nrs = csv_list(r, KZ_SUFFIXES, &rs), nos = csv_list(o, KZ_SUFFIXES, &os);
	bool ok;
	if (allow_empty)
		ok = (!nrp || !nop || same_ending(rp, nrp, op, nop)) && (!nrs || !nos || same_ending(rs, nrs, os, nos));
	else
		ok = same_ending(rp, nrp, op, nop) && same_ending(rs, nrs, os, nos);
	csv_free(rp, nrp);
	csv_free(op, nop);
	csv_free(rs, nrs);
	csv_free(os, nos);
	return ok;
}

static bool gvk_selects(const struct kz_id *id, const char *group, const char *version, const char *kind)
{
	return (!*group || !strcmp(id->group, group)) && (!*version || !strcmp(id->version, version)) &&
	       (!*kind || !strcmp(id->kind, kind));
}

/* The roleRef's group and kind, when the field is a roleRef name and the referrer has both. */
static bool role_ref(const struct nameref_ctx *c, const char **group, const char **kind)
{
	size_t n = strlen(c->fs->path);
	if (n < 12 || strcmp(c->fs->path + n - 12, "roleRef/name"))
		return false;
	const json_t *rr = json_object_get(c->referrer->obj, "roleRef");
	const json_t *g = json_object_get(rr, "apiGroup"), *k = json_object_get(rr, "kind");
	if (!json_is_object(rr) || !g || json_is_null(g) || !k || json_is_null(k))
		return false;
	*group = json_is_string(g) ? json_string_value(g) : "";
	*kind = json_is_string(k) ? json_string_value(k) : "";
	return true;
}

/* A referrer's roleRef as role_ref reads it (the same for every candidate: read once). */
struct role {
	bool has;
	const char *group, *kind;
};

/* The sieves of selectReferral that look at previous ids: the old name, the referred kind, a roleRef's kind. */
static bool prev_ids_match(const struct nameref_ctx *c, const struct kz_res *r, const char *old_name,
			   const struct role *rr)
{
	struct kz_ids prev;
	bool kind = false, role = !rr->has;
	if (!kz_res_had_name(r, old_name) || kz_res_prev_ids(r, &prev) < 0)
		return false; /* (most candidates never had the name) */
	for (size_t i = 0; i < prev.n; i++) {
		kind = kind || gvk_selects(&prev.v[i], c->target->group, c->target->version, c->target->kind);
		role = role || gvk_selects(&prev.v[i], rr->group, "", rr->kind);
	}
	kz_ids_free(&prev);
	return kind && role;
}

/* The cached current id of a resource of the list. */
static const struct kz_id *cur_id(const struct nameref_ctx *c, const struct kz_res *r)
{
	for (size_t i = 0; i < c->acc->rm.n; i++)
		if (c->acc->rm.v[i] == r)
			return &c->ids[i];
	return NULL;
}

static bool same_namespace_as_referrer(const struct nameref_ctx *c, const struct kz_res *r)
{
	struct kz_id ref, cand;
	kz_res_cur_id(c->referrer, &ref);
	if (ref.cluster)
		return true;
	const struct kz_id *cached = cur_id(c, r);
	if (cached)
		cand = *cached;
	else
		kz_res_cur_id(r, &cand);
	if (cand.cluster || !strcmp(kz_res_kind(r), "ServiceAccount"))
		return true;
	return !strcmp(kz_id_effective_ns(&ref), kz_id_effective_ns(&cand));
}

static bool all_same(struct kz_res **v, size_t n, bool with_namespace)
{
	for (size_t i = 1; i < n; i++)
		if (strcmp(kz_res_name(v[i]), kz_res_name(v[0])) ||
		    (with_namespace && strcmp(kz_res_namespace(v[i]), kz_res_namespace(v[0]))))
			return false;
	return true;
}

/* selectReferral: the one resource old_name refers to, NULL for none; -1 when ambiguous. */
static int select_referral(struct nameref_ctx *c, const char *old_name, struct kz_res **cand, size_t n,
			   bool with_namespace, struct kz_res **out)
{
	struct kz_res **v = malloc((n ? n : 1) * sizeof(*v));
	size_t k = 0;
	*out = NULL;
	if (!v)
		return kz_fail(c->b->e, "out of memory");
	struct role rr = { false, "", "" };
	rr.has = role_ref(c, &rr.group, &rr.kind);
	for (size_t i = 0; i < n; i++)
		if (prev_ids_match(c, cand[i], old_name, &rr) && same_namespace_as_referrer(c, cand[i]))
			v[k++] = cand[i];
	if (k > 1) {
		size_t j = 0;
		for (size_t i = 0; i < k; i++)
			if (affixes_match(v[i], c->referrer, true))
				v[j++] = v[i];
		k = j;
		if (k > 1) {
			j = 0;
			for (size_t i = 0; i < k; i++)
				if (affixes_match(v[i], c->referrer, false))
					v[j++] = v[i];
			k = j;
		}
	}
	int st = 0;
	if (k == 1 || (k > 1 && all_same(v, k, with_namespace)))
		*out = v[0];
	else if (k > 1)
		st = kz_fail(c->b->e, "found multiple possible referrals for '%s' in %s of %s", old_name, c->fs->path,
			     kz_res_name(c->referrer));
	free(v);
	return st;
}

/* recordTheReferral: the referral's refBy build annotation gets the referrer's id. */
static int record_referral(struct nameref_ctx *c, struct kz_res *referral)
{
	struct kz_id id;
	kz_res_cur_id(c->referrer, &id);
	char *s = kz_id_string(&id);
	int st = s ? kz_build_append_csv(referral, KZ_REFBY, s) : -1;
	free(s);
	return st < 0 ? kz_fail(c->b->e, "out of memory") : 0;
}

static int set_scalar_ref(struct nameref_ctx *c, const struct kz_slot *slot)
{
	json_t *cur = kz_slot_get(slot);
	char *old = gt_yaml_scalar_text(cur);
	struct kz_res *referral;
	int st = old ? select_referral(c, old, c->cand, c->n_cand, false, &referral) : kz_fail(c->b->e, "out of memory");
	if (st == 0 && referral) {
		st = record_referral(c, referral);
		if (st == 0 && strcmp(kz_res_name(referral), old))
			st = kz_slot_set(slot, json_string(kz_res_name(referral))) < 0 ? kz_fail(c->b->e, "out of memory") : 0;
	}
	free(old);
	return st;
}

/* Candidates in the namespace a {name, namespace} reference names: by original namespace, else current. */
static int candidates_in(struct nameref_ctx *c, const char *ns, struct kz_res ***out, size_t *n)
{
	*out = malloc((c->n_cand ? c->n_cand : 1) * sizeof(**out));
	*n = 0;
	if (!*out)
		return kz_fail(c->b->e, "out of memory");
	for (int pass = 0; pass < 2 && *n == 0; pass++) {
		for (size_t i = 0; i < c->n_cand; i++) {
			struct kz_id id;
			struct kz_ids hold = { 0 };
			if (pass == 0 && kz_res_org_id(c->cand[i], &id, &hold) < 0)
				return kz_fail(c->b->e, "out of memory");
			if (pass == 1)
				kz_res_cur_id(c->cand[i], &id);
			const char *eff = kz_id_effective_ns(&id);
			if (strcmp(eff, "_non_namespaceable_") && !strcmp(eff, ns))
				(*out)[(*n)++] = c->cand[i];
			kz_ids_free(&hold);
		}
	}
	return 0;
}

static int set_mapping_ref(struct nameref_ctx *c, json_t *node)
{
	json_t *name = json_object_get(node, "name"), *nsv = json_object_get(node, "namespace");
	struct kz_res **cand = c->cand, *referral = NULL;
	size_t n = c->n_cand;
	bool own = false;
	if (!name)
		return kz_fail(c->b->e, "path config error; no 'name' field in node");
	if (nsv) {
		char *ns = gt_yaml_scalar_text(nsv);
		int st = ns ? candidates_in(c, ns, &cand, &n) : kz_fail(c->b->e, "out of memory");
		free(ns);
		if (st < 0)
			return -1;
		own = true;
	}
	char *old = gt_yaml_scalar_text(name);
	int st = old ? select_referral(c, old, cand, n, true, &referral) : kz_fail(c->b->e, "out of memory");
	if (st == 0 && referral) {
		st = record_referral(c, referral);
		const char *rn = kz_res_name(referral), *rns = kz_res_namespace(referral);
		if (st == 0 && !(!strcmp(rn, old) && !*rns)) {
			json_object_set_new(node, "name", json_string(rn));
			if (*rns)
				json_object_set_new(node, "namespace", json_string(rns));
		}
	}
	free(old);
	if (own)
		free(cand);
	return st;
}

static int nameref_set(const struct kz_slot *slot, void *vctx, struct kz_err *e)
{
	struct nameref_ctx *c = vctx;
	json_t *cur = kz_slot_get(slot);
	(void)e;
	if (!cur || json_is_null(cur))
		return 0;
	if (json_is_object(cur))
		return set_mapping_ref(c, cur);
	if (!json_is_array(cur))
		return set_scalar_ref(c, slot);
	for (size_t i = 0; i < json_array_size(cur); i++) {
		json_t *el = json_array_get(cur, i);
		struct kz_slot s = { cur, NULL, i };
		if (json_is_null(el))
			continue;
		if (json_is_object(el) ? set_mapping_ref(c, el) < 0 : json_is_array(el) ? kz_fail(c->b->e, "a name "
							"reference list holds a list") : set_scalar_ref(c, &s) < 0)
			return -1;
	}
	return 0;
}

/* RoleBinding subjects' ServiceAccount namespaces, where a RoleBinding may also refer. */
static bool in_role_binding_namespaces(const struct kz_res *referrer, const char *ns)
{
	if (strcmp(kz_res_kind(referrer), "RoleBinding"))
		return false;
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(referrer->obj, "subjects"), i, s) {
		json_t *sns = json_object_get(s, "namespace"), *kind = json_object_get(s, "kind");
		if (sns && json_is_string(kind) && !strcmp(json_string_value(kind), "ServiceAccount") &&
		    json_is_string(sns) && !strcmp(json_string_value(sns), ns))
			return true;
	}
	return false;
}

/* SubsetThatCouldBeReferencedByResource */
static int candidates_for(struct kz_acc *acc, const struct kz_id *ids, struct kz_res *referrer, struct kz_res ***out,
			  size_t *n)
{
	struct kz_id ref;
	kz_res_cur_id(referrer, &ref);
	*out = malloc((acc->rm.n ? acc->rm.n : 1) * sizeof(**out));
	*n = 0;
	if (!*out)
		return -1;
	for (size_t i = 0; i < acc->rm.n; i++) {
		struct kz_res *r = acc->rm.v[i];
		const struct kz_id id = ids[i];
		if (ref.cluster || id.cluster || !strcmp(kz_id_effective_ns(&id), kz_id_effective_ns(&ref)) ||
		    in_role_binding_namespaces(referrer, kz_res_namespace(r)))
			(*out)[(*n)++] = r;
	}
	return 0;
}

int kz_fix_name_references(struct kz_build *b, struct kz_acc *acc)
{
	struct kz_id *ids = calloc(acc->rm.n ? acc->rm.n : 1, sizeof(*ids));
	if (!ids)
		return kz_fail(b->e, "out of memory");
	for (size_t i = 0; i < acc->rm.n; i++)
		kz_res_cur_id(acc->rm.v[i], &ids[i]);
	int status = 0;
	for (size_t i = 0; status == 0 && i < acc->rm.n; i++) {
		struct kz_res *r = acc->rm.v[i];
		struct kz_id org;
		struct kz_ids hold;
		struct nameref_ctx c = { b, acc, ids, r, NULL, NULL, NULL, 0 };
		if (kz_res_org_id(r, &org, &hold) < 0)
			return kz_fail(b->e, "out of memory");
		int st = 0;
		for (size_t t = 0; st == 0 && t < acc->tc.n_nameref; t++) {
			const struct kz_nameref *nr = &acc->tc.nameref[t];
			for (size_t f = 0; st == 0 && f < nr->fs.n; f++) {
				struct kz_fieldspec *fs = &nr->fs.v[f];
				if (!gvk_selects(&org, fs->group, fs->version, fs->kind))
					continue;
				if (!c.cand && candidates_for(acc, ids, r, &c.cand, &c.n_cand) < 0) {
					st = kz_fail(b->e, "out of memory");
					break;
				}
				/* the field spec applies to the referrer whatever its current kind */
				c.target = nr;
				c.fs = fs;
				st = kz_fieldspec_apply_any(fs, r->obj, KZ_CREATE_NONE, nameref_set, &c, b->e);
			}
		}
		kz_ids_free(&hold);
		free(c.cand);
		if (st < 0)
			status = -1;
	}
	free(ids);
	return status;
}
