/* kz patch: patches (strategic merge and JSON 6902) and their targets. */
#include "kz.h"

static bool has(const struct kz_kust *k, const char *field)
{
	return json_array_size(json_object_get(k->k, field)) > 0;
}

int kz_transform_patches_sm(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc)
{
	(void)acc;
	return has(k, "patchesStrategicMerge") ? kz_unsupported(b->e, "%s: patchesStrategicMerge", k->shown) : 0;
}

int kz_transform_patches(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc)
{
	(void)acc;
	return has(k, "patches") ? kz_unsupported(b->e, "%s: patches", k->shown) : 0;
}

int kz_transform_patches_json6902(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc)
{
	(void)acc;
	return has(k, "patchesJson6902") ? kz_unsupported(b->e, "%s: patchesJson6902", k->shown) : 0;
}
