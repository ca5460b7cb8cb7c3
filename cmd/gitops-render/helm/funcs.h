/* funcs: the built-in functions' shared helpers and the implementations the table names. */
#ifndef HELM_FUNCS_H
#define HELM_FUNCS_H

#include "helm.h"

#define FN(name) int name(struct exec *x, struct hv *a, size_t n, struct hv *out)

/* sprig's strval: a string, []byte as text, a Stringer's String(), else fmt %v. */
struct hv strval(struct hv v);
/* spf13/cast ToInt64 / ToFloat64 (0 for what they cannot convert). */
int64_t cast_int64(struct hv v);
double cast_float64(struct hv v);
/* A slice as []interface{} elements: 1 and *l set for a slice, 0 not a slice. */
int as_slice(struct hv v, struct hlist **l);
/* Return a new reference of v as the result; or out of memory. */
int ret(struct exec *x, struct hv *out, struct hv v);
int oom(struct exec *x);
/* mergo.Merge / MergeWithOverwrite of src into dst (both maps). */
void merge_maps(struct hmap *dst, struct hmap *src, bool overwrite);
/* standard base64 with padding */
void base64_encode(struct buf *b, const unsigned char *s, size_t n);
/* Go's base64.StdEncoding.DecodeString into b: -1 decoded, else the offset Go reports */
long base64_decode(struct buf *b, const char *s, size_t n);

/* funcs_core.c: Go's built-ins and helm's */
FN(fn_and_or_marker);
FN(fn_not); FN(fn_len); FN(fn_index); FN(fn_print); FN(fn_printf); FN(fn_println);
FN(fn_html); FN(fn_js); FN(fn_urlquery);
FN(fn_eq); FN(fn_ne); FN(fn_lt); FN(fn_le); FN(fn_gt); FN(fn_ge);
FN(fn_include); FN(fn_tpl); FN(fn_required); FN(fn_fail); FN(fn_toyaml); FN(fn_fromyaml);
FN(fn_fromyamlarray); FN(fn_tojson); FN(fn_fromjson); FN(fn_fromjsonarray); FN(fn_lookup);
FN(fn_gethostbyname); FN(fn_unsupported);
FN(fn_mustfromjson); FN(fn_mustfromjson_soft); FN(fn_toprettyjson); FN(fn_torawjson); FN(fn_musttojson);
/* methods */
FN(m_files_get); FN(m_files_getbytes); FN(m_files_glob); FN(m_files_asconfig); FN(m_files_assecrets);
FN(m_files_lines); FN(m_versionset_has); FN(m_kubeversion_string);

/* funcs_strings.c */
FN(fn_quote); FN(fn_squote); FN(fn_cat); FN(fn_indent); FN(fn_nindent); FN(fn_replace); FN(fn_plural);
FN(fn_trunc); FN(fn_trim); FN(fn_trimall); FN(fn_trimprefix); FN(fn_trimsuffix); FN(fn_upper); FN(fn_lower);
FN(fn_title); FN(fn_untitle); FN(fn_repeat); FN(fn_substr); FN(fn_nospace); FN(fn_contains);
FN(fn_hasprefix); FN(fn_hassuffix); FN(fn_join); FN(fn_split); FN(fn_splitn); FN(fn_splitlist);
FN(fn_tostring); FN(fn_tostrings); FN(fn_snakecase); FN(fn_camelcase); FN(fn_kebabcase); FN(fn_swapcase);
FN(fn_initials); FN(fn_wrap); FN(fn_wrapwith); FN(fn_abbrev); FN(fn_abbrevboth); FN(fn_sortalpha);
FN(fn_b64enc); FN(fn_b64dec); FN(fn_b32enc); FN(fn_b32dec); FN(fn_base); FN(fn_dir); FN(fn_clean);
FN(fn_ext); FN(fn_isabs); FN(fn_hello);

/* funcs_lists.c: lists, dicts, defaults, types */
FN(fn_list); FN(fn_dict); FN(fn_get); FN(fn_set); FN(fn_unset); FN(fn_haskey); FN(fn_pluck); FN(fn_keys);
FN(fn_pick); FN(fn_omit); FN(fn_merge); FN(fn_mergeoverwrite); FN(fn_values); FN(fn_append);
FN(fn_prepend); FN(fn_first); FN(fn_rest); FN(fn_last); FN(fn_initial); FN(fn_reverse); FN(fn_uniq);
FN(fn_without); FN(fn_has); FN(fn_slice); FN(fn_concat); FN(fn_dig); FN(fn_chunk); FN(fn_compact);
FN(fn_default); FN(fn_empty); FN(fn_coalesce); FN(fn_all); FN(fn_any); FN(fn_ternary); FN(fn_deepcopy);
FN(fn_typeof); FN(fn_typeis); FN(fn_typeislike); FN(fn_kindof); FN(fn_kindis); FN(fn_deepequal);
FN(fn_must_first); FN(fn_must_last); FN(fn_must_rest); FN(fn_must_initial); FN(fn_must_reverse);
FN(fn_must_uniq); FN(fn_must_without); FN(fn_must_has); FN(fn_must_append); FN(fn_must_prepend);
FN(fn_must_compact); FN(fn_must_slice); FN(fn_must_chunk); FN(fn_must_merge); FN(fn_must_mergeoverwrite);
FN(fn_must_deepcopy);

/* funcs_math.c */
FN(fn_int); FN(fn_int64); FN(fn_float64); FN(fn_atoi); FN(fn_add); FN(fn_add1); FN(fn_sub); FN(fn_div);
FN(fn_mod); FN(fn_mul); FN(fn_max); FN(fn_min); FN(fn_maxf); FN(fn_minf); FN(fn_floor); FN(fn_ceil);
FN(fn_round); FN(fn_until); FN(fn_untilstep); FN(fn_seq); FN(fn_todecimal); FN(fn_randint);
FN(fn_addf); FN(fn_add1f); FN(fn_subf); FN(fn_mulf); FN(fn_divf);

/* funcs_crypto.c */
FN(fn_sha1sum); FN(fn_sha256sum); FN(fn_sha512sum); FN(fn_adler32sum); FN(fn_randalphanum);
FN(fn_randalpha); FN(fn_randascii); FN(fn_randnumeric); FN(fn_uuidv4); FN(fn_genprivatekey); FN(fn_genca);
FN(fn_genselfsignedcert); FN(fn_gensignedcert); FN(fn_htpasswd); FN(fn_bcrypt); FN(fn_shuffle);
FN(fn_derivepassword); FN(fn_buildcustomcert); FN(fn_randbytes); FN(fn_encryptaes); FN(fn_decryptaes);
FN(fn_gencawithkey); FN(fn_genselfsignedcertwithkey); FN(fn_gensignedcertwithkey);

/* funcs_regex.c */
FN(fn_regexmatch); FN(fn_mustregexmatch); FN(fn_regexfind); FN(fn_regexfindall); FN(fn_regexreplaceall);
FN(fn_regexreplaceallliteral); FN(fn_regexsplit); FN(fn_regexquotemeta); FN(fn_urlparse); FN(fn_urljoin);

/* funcs_time.c */
FN(fn_now); FN(fn_date); FN(fn_dateinzone); FN(fn_htmldate); FN(fn_htmldateinzone); FN(fn_datemodify);
FN(fn_mustdatemodify); FN(fn_ago); FN(fn_duration); FN(fn_durationround); FN(fn_todate); FN(fn_musttodate);
FN(fn_unixepoch);

/* funcs_semver.c */
FN(fn_semvercompare); FN(fn_semver); FN(m_semver_major); FN(m_semver_minor); FN(m_semver_patch);
FN(m_semver_prerelease); FN(m_semver_metadata); FN(m_semver_original); FN(m_semver_string);

#endif
