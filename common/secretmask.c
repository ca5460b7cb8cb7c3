/* secretmask: Secrets as Argo CD shows them in a diff (its HideSecretData): stringData folded into
 * data, and every value replaced by a mask of '+' that says only whether two values are the same. */
#include "secretmask.h"

#include <stdlib.h>
#include <string.h>

#include "obj.h"

#define MASK_FIRST 8 /* Argo CD: "++++++++", then 4 more per distinct value */
#define MASK_STEP 4

bool gt_secret_is(const json_t *obj)
{
	const char *api = json_string_value(json_object_get(obj, "apiVersion"));
	const char *k = json_string_value(json_object_get(obj, "kind"));
	return api && k && !strcmp(api, "v1") && !strcmp(k, "Secret");
}

static char *base64_new(const char *s, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)s[i + 2];
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		*o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? tab[v & 63] : '=';
	}
	*o = '\0';
	return out;
}


/* Argo CD's Secret normaliser: stringData folded into data (base64), nil values become "". */
void gt_secret_fold(json_t *obj)
{
	if (!gt_secret_is(obj))
		return;
	json_t *sd = json_object_get(obj, "stringData");
	json_t *data = json_object_get(obj, "data");
	if (json_is_object(sd) && json_object_size(sd) > 0) {
		if (!json_is_object(data)) {
			data = json_object();
			json_object_set_new(obj, "data", data);
		}
		const char *k;
		json_t *v;
		json_object_foreach(sd, k, v) {
			const char *s = json_is_string(v) ? json_string_value(v) : "";
			char *b = base64_new(s, json_is_string(v) ? json_string_length(v) : 0);
			if (b)
				json_object_set_new(data, k, json_string(b));
			free(b);
		}
	}
	json_object_del(obj, "stringData");
	if (json_is_object(data)) {
		const char *k;
		json_t *v;
		json_object_foreach(data, k, v) {
			if (json_is_null(v))
				json_object_set_new(data, k, json_string(""));
		}
	}
}

/* ---- Secret masking (GE diff.HideSecretData) ------------------------------------------------------ */

static bool listed(const char *const *keys, const char *k)
{
	for (size_t i = 0; keys && keys[i]; i++)
		if (!strcmp(keys[i], k))
			return true;
	return false;
}

/* Mask the values of objs[0..n) in place, per key, first come first masked: their data, or with
 * annotations, the metadata.annotations listed there (last-applied aside: it is masked whole). */
static void mask_values(json_t **objs, size_t n, const char *const *annotations)
{
	json_t *keys = json_object(); /* key -> {value -> mask} */
	for (size_t i = 0; i < n; i++) {
		json_t *map = annotations ? json_object_get(json_object_get(objs[i], "metadata"), "annotations")
					  : json_object_get(objs[i], "data");
		const char *k;
		json_t *v;
		json_object_foreach(map, k, v) {
			if (annotations && (!listed(annotations, k) || !strcmp(k, GT_LAST_APPLIED)))
				continue;
			json_t *seen = json_object_get(keys, k);
			if (!seen) {
				seen = json_object();
				json_object_set_new(keys, k, seen);
			}
			const char *val = json_is_string(v) ? json_string_value(v) : "";
			json_t *mask = json_object_get(seen, val);
			if (!mask) {
				size_t len = MASK_FIRST + MASK_STEP * json_object_size(seen);
				char *m = malloc(len + 1);
				if (!m)
					continue;
				memset(m, '+', len);
				m[len] = '\0';
				mask = json_string(m);
				free(m);
				json_object_set_new(seen, val, mask);
			}
			json_object_set(map, k, mask); /* replacing the value keeps the iteration valid */
		}
	}
	json_decref(keys);
}

/* Mask objs (Secrets among them; NULLs skipped) together with the last-applied state each embeds:
 * data always, the annotations listed in annotations (NULL-terminated, may be NULL) too. */
void gt_secret_mask_all(json_t **objs, size_t n, const char *const *annotations)
{
	json_t *all[16];
	json_t *la[8] = { NULL };
	size_t m = 0;
	for (size_t i = 0; i < n && i < 8; i++) {
		if (!objs[i] || !gt_secret_is(objs[i]))
			continue;
		gt_secret_fold(objs[i]);
		all[m++] = objs[i];
	}
	/* Argo CD's order: target, live, then the last-applied ("orig") states. */
	for (size_t i = 0; i < n && i < 8; i++) {
		if (!objs[i] || !gt_secret_is(objs[i]) || !gt_obj_annotation(objs[i], GT_LAST_APPLIED))
			continue;
		la[i] = gt_obj_last_applied_new(objs[i]);
		if (la[i]) {
			gt_secret_fold(la[i]);
			all[m++] = la[i];
		}
	}
	mask_values(all, m, NULL);
	if (annotations)
		mask_values(all, m, annotations);
	for (size_t i = 0; i < n && i < 8; i++) {
		if (!objs[i] || !gt_secret_is(objs[i]) || !gt_obj_annotation(objs[i], GT_LAST_APPLIED))
			continue;
		char *s = la[i] && !listed(annotations, GT_LAST_APPLIED) ? json_dumps(la[i], JSON_COMPACT) : NULL;
		gt_obj_set_annotation(objs[i], GT_LAST_APPLIED, s ? s : "++++++++");
		free(s);
		json_decref(la[i]);
	}
}

void gt_secret_mask(json_t *desired, json_t *live)
{
	json_t *objs[2] = { desired, live };
	gt_secret_mask_all(objs, 2, NULL);
}


/* A mask is a run of 8, 12, 16 ... '+' (no base64 value looks like that: '+' runs end in '=' or letters). */
bool gt_secret_is_mask(const json_t *v)
{
	const char *s = json_string_value(v);
	size_t n = json_is_string(v) ? json_string_length(v) : 0;
	if (n < MASK_FIRST || (n - MASK_FIRST) % MASK_STEP)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '+')
			return false;
	return true;
}
