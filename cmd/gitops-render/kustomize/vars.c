/* kz vars: vars ($(VAR) in varReference fields) and replacements. */
#include "kz.h"

int kz_merge_vars(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc)
{
	(void)acc;
	return json_array_size(json_object_get(k->k, "vars")) ? kz_unsupported(b->e, "%s: vars", k->shown) : 0;
}

int kz_resolve_vars(struct kz_build *b, struct kz_acc *acc)
{
	(void)b;
	(void)acc;
	return 0;
}

int kz_transform_replacements(struct kz_build *b, const struct kz_kust *k, struct kz_acc *acc)
{
	(void)acc;
	return json_array_size(json_object_get(k->k, "replacements")) ? kz_unsupported(b->e, "%s: replacements", k->shown)
									 : 0;
}
