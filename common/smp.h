/* smp: a strategic merge patch applied as kustomize 5.5 applies it (kyaml's merge2), with the
 * list metadata of common/mergekeys.h.
 *
 * The contract, as kustomize behaves:
 * - Maps merge field by field; a field the patch sets to null is removed; a scalar or a list the
 *   table does not know is replaced by the patch's. Every field of the object is walked, even
 *   where the patch has nothing: a null the object has is kept, unless it was written empty
 *   (gt_yaml_empty_null); merge lists lose null and {} elements and collapse duplicate keys.
 * - A merge list (mergekeys) merges elements with equal keys; the patch's elements come first,
 *   then the object's elements the patch did not name, in their order.
 * - Directives: "$patch: delete" (the map, the element, or the whole object goes), "$patch:
 *   replace" (the patch's map or list replaces the object's), "$patch: merge"; as an element
 *   of a list, {"$patch": "replace"|"delete"} acts on the list. Other "$..." keys, such as
 *   $setElementOrder/... or $retainKeys, are not directives here: kustomize keeps them as fields.
 * - Lists in kinds the table does not know (custom resources) are replaced whole, except below
 *   an embedded object whose apiVersion and kind the table knows.
 */
#ifndef GT_SMP_H
#define GT_SMP_H

#include <jansson.h>

/*
 * Merge patch into *obj. patch is modified (its directives are consumed) and may end up shared
 * with *obj: pass a copy. 0 with *obj the result (NULL when the patch deleted the object), or -1
 * with *err (malloc'd) when the two do not fit (a map against a list, an unknown directive).
 */
int gt_smp_merge(json_t **obj, json_t *patch, char **err);

#endif
