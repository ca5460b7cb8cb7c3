/* The native Helm engine's own declarations, shared by the files of cmd/gitops-render/helm/ only.
 *
 * Phases, one file each: value.c (Go-typed values), fmt.c (Go's fmt printing), lex.c and
 * parse.c (text/template's language), exec.c (evaluation), funcs_*.c (the built-in functions,
 * one table), yaml.c and json.c (toYaml/fromYaml/toJson as sigs.k8s.io/yaml and encoding/json),
 * chart.c (loading a chart directory or .tgz), values.c (coalescing and --set), schema.c
 * (values.schema.json), render.c (the whole `helm template`, output framing and order). */
#ifndef HELM_H
#define HELM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* ---- values: what templates see, with the Go type each has in helm ---- */

enum hv_kind {
	HV_NIL,    /* untyped nil (an invalid reflect.Value, or a nil interface) */
	HV_BOOL,
	HV_INT,    /* Go int (sub: GO_INT, or GO_INT64 for int64, GO_UINT8 for a byte) */
	HV_FLOAT,  /* float64 */
	HV_STRING, /* string (sub GO_BYTES: []byte) */
	HV_MAP,    /* map[string]... (sub says which) */
	HV_LIST,   /* a slice (sub says of what) */
	HV_OBJ,    /* a Go struct of helm's: Capabilities, Chart, certificates, ... */
};

enum hv_go {
	GO_PLAIN = 0, /* the kind's usual type: int, string, map[string]interface{}, []interface{} */
	GO_INT64,
	GO_UINT8,
	GO_BYTES,      /* []byte */
	GO_VALUES,     /* chartutil.Values */
	GO_MAPSTR,     /* map[string]string */
	GO_FILES,      /* engine.files (map[string][]byte) */
	GO_STRINGS,    /* []string */
	GO_INTS,       /* []int */
	GO_VERSIONSET, /* chartutil.VersionSet */
	GO_LISTS,      /* [][]interface{} */
	GO_MAPS,       /* []map[string]interface{} (fromToml's arrays of tables) */
	GO_NILIFACE,   /* HV_NIL: a nil interface{} from a map or list, not yet through a pipeline */
};

struct hstr {
	int rc;
	bool mapped; /* s is a file's pages (hstr_map_file): unmapped, not freed */
	size_t len;
	char s[]; /* NUL-terminated */
};

struct hv;
struct hmap;
struct hlist;
struct hobj;

struct hv {
	uint8_t k;   /* enum hv_kind */
	uint8_t go;  /* enum hv_go */
	union {
		bool b;
		int64_t i;
		double f;
		struct hstr *s;
		struct hmap *m;
		struct hlist *l;
		struct hobj *o;
	} u;
};

struct hkv {
	struct hstr *key;
	struct hv val;
};

/* Keys kept in byte order: Go's range, fmt and encoding/json all visit maps that way. */
struct hmap {
	int rc;
	size_t n, cap;
	struct hkv *kv;
};

struct hlist {
	int rc;
	size_t n, cap;
	struct hv *v;
	bool is_nil; /* a nil slice: JSON null */
};

/* A struct: fields in declaration order, each with its JSON name (NULL: not marshalled;
 * omitempty when omit). */
struct hfield {
	const char *name, *json;
	bool omit;
	struct hv val;
};
struct hobj {
	int rc;
	const char *type;   /* Go's name for typeOf: "*chartutil.Capabilities" */
	const char *kind;   /* kindOf: "struct", "ptr" */
	bool ptr;           /* printed by %v as &{...} */
	size_t n;
	struct hfield *f;
	const char *stringer; /* a String() result for %v, or NULL */
	const char *json_str; /* MarshalJSON gives this string (time.Time), or NULL */
};

#define HV_NIL_V ((struct hv){ .k = HV_NIL })

/* What helm reads of a chart: a file, and all of them (MaxDecompressedFileSize, ...ChartSize) */
#define HELM_MAX_FILE ((size_t)5 << 20)
#define HELM_MAX_CHART ((size_t)100 << 20)

/* Ownership: functions returning struct hv return a new reference unless their name says
 * borrowed ("_get"); hv_unref releases one; arguments are borrowed. */
struct hv hv_ref(struct hv v);
void hv_unref(struct hv v);
struct hv hv_bool(bool b);
struct hv hv_int(int64_t i);   /* Go int */
struct hv hv_int64(int64_t i); /* Go int64 */
struct hv hv_float(double f);
struct hv hv_strn(const char *s, size_t n); /* copies */
struct hv hv_str(const char *s);
struct hv hv_str_take(struct hstr *s); /* takes the reference */
struct hstr *hstr_new(const char *s, size_t n);
struct hstr *hstr_map_file(int fd, size_t n);
struct hstr *hstr_ref(struct hstr *s);
void hstr_unref(struct hstr *s);
struct hv hv_map(void);
struct hv hv_list(void);
struct hv hv_obj(struct hobj *o); /* takes o */
struct hobj *hobj_new(const char *type, const char *kind, bool ptr, size_t n);

static inline bool hv_is_str(struct hv v) { return v.k == HV_STRING && v.go != GO_BYTES; }
static inline const char *hv_s(struct hv v) { return v.u.s->s; }
static inline size_t hv_len_s(struct hv v) { return v.u.s->len; }

/* maps */
struct hv *hmap_find(const struct hmap *m, const char *key, size_t len); /* borrowed, or NULL */
struct hv hmap_get(const struct hmap *m, const char *key);           /* borrowed, NIL if absent */
/* Set key to val (taking val's reference); 0, -1 on no memory. */
int hmap_set(struct hmap *m, const char *key, size_t len, struct hv val);
int hmap_setk(struct hmap *m, struct hstr *key, struct hv val); /* key borrowed */
bool hmap_del(struct hmap *m, const char *key);
/* lists */
int hlist_push(struct hlist *l, struct hv val); /* takes val */

/* A deep copy of maps and lists (structs and scalars shared). */
struct hv hv_deep_copy(struct hv v);

/* Go's truth (text/template isTrue) and sprig's empty(). */
bool hv_truth(struct hv v);
bool hv_empty(struct hv v);
/* The Go type name (typeOf) and kind (kindOf). */
const char *hv_type_name(struct hv v);
const char *hv_kind_name(struct hv v);
/* reflect.DeepEqual */
bool hv_deep_equal(struct hv a, struct hv b);

/* jansson <-> values. from_json: numbers as float64 (sigs.k8s.io/yaml, encoding/json into
 * interface{}); NIL on no memory. */
struct hv hv_from_json(const json_t *j);

/* ---- a growable byte buffer ---- */
struct buf {
	char *p;
	size_t n, cap;
	bool oom;
};
void buf_add(struct buf *b, const char *s, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *buf_take(struct buf *b, size_t *n); /* NUL-terminated, owned by the caller; NULL on oom */
void buf_free(struct buf *b);

/* ---- fmt.c: Go's fmt ---- */
/* fmt %v of v into b (top: a template's {{ }} printing, where nil is "<no value>"). 0, or -1 when
 * the value has no faithful form here (an address). */
int fmt_value(struct buf *b, struct hv v, bool top);
/* fmt_value where a pointer may print as some address (Go's differs from run to run): for dict keys */
int fmt_value_any_address(struct buf *b, struct hv v, bool top);
/* strconv.FormatFloat(f, 'g', -1, 64) */
void fmt_float_g(char *out, size_t size, double f);
/* fmt.Sprint(args...) and Sprintln; -1 as fmt_value. */
int fmt_sprint(struct buf *b, const struct hv *args, size_t n, bool ln);
/* fmt.Sprintf; -1 as fmt_value, or for a verb not supported here (why says which). */
int fmt_sprintf(struct buf *b, const char *format, size_t flen, const struct hv *args, size_t n, const char **why);
/* strconv.Quote */
void fmt_quote(struct buf *b, const char *s, size_t n);

/* ---- json.c, yaml.c ---- */
/* encoding/json of v; html: escape <>& as json.Marshal does. -1: not representable (why). */
int json_marshal(struct buf *b, struct hv v, bool html, const char *indent, const char **why);
/* json.Unmarshal into interface{}: 0, or -1 with the Go error text in err (malloc'd). */
int json_unmarshal(const char *s, size_t n, struct hv *out, char **err);
/* sigs.k8s.io/yaml.Marshal of v, without the trailing newline (helm's toYaml). -1: not
 * representable (why). */
int yaml_marshal(struct buf *b, struct hv v, const char **why);
int yaml_marshal_pretty(struct buf *b, struct hv v, const char **why); /* helm's toYamlPretty */
/* helm's fromToml: 0 with a map, 1 when helm must do it (why says what), -1 out of memory */
int toml_unmarshal(const char *s, size_t n, struct hv *out, const char **why);
int toml_marshal(struct buf *b, struct hv v, const char **why); /* helm's toToml; -1: left to helm */
/* sigs.k8s.io/yaml.Unmarshal into interface{}: 0, 1 when the text is not what this reader
 * can judge the way goyaml.v2 would (caller falls back), -1 no memory. */
int yaml_unmarshal(const char *s, size_t n, const char *name, struct hv *out);
/* goyaml.v2's map key order (keyList.Less) on strings. */
int yaml_key_cmp(const char *a, const char *b);

/* ---- templates ---- */

enum node_type {
	N_TEXT, N_ACTION, N_IF, N_RANGE, N_WITH, N_TEMPLATE, N_BREAK, N_CONTINUE, N_LIST,
	/* operands */
	N_FIELD, N_VARIABLE, N_IDENT, N_DOT, N_NIL, N_BOOL, N_NUMBER, N_STRING, N_PIPE, N_CHAIN,
	N_COMMAND,
	N_ELSE_MARK, N_END_MARK, /* the parser's markers for {{else}} and {{end}} */
};

struct node;

struct pipe {
	bool is_assign;
	size_t n_decl, n_cmds;
	struct node **decl; /* variables */
	struct node **cmds; /* N_COMMAND */
};

struct node {
	enum node_type type;
	uint32_t pos;  /* byte offset in the template's text */
	uint32_t line; /* 1-based */
	struct tmpl_src *src;
	union {
		struct { const char *s; size_t n; } text;  /* N_TEXT (points into src) */
		struct pipe *pipe;                           /* N_ACTION, N_PIPE */
		struct {                                     /* N_IF, N_RANGE, N_WITH */
			struct pipe *pipe;
			struct node *list, *else_list;
		} br;
		struct { struct hstr *name; struct pipe *pipe; } tmpl; /* N_TEMPLATE */
		struct { size_t n, cap; struct node **v; } list;      /* N_LIST, N_COMMAND args */
		struct { size_t n; struct hstr **ident; } field;      /* N_FIELD, N_VARIABLE ($x.a.b), N_CHAIN idents */
		struct hstr *ident;                                   /* N_IDENT: a function name */
		bool b;                                               /* N_BOOL */
		struct {                                              /* N_NUMBER */
			bool is_int, is_float;
			int64_t i;
			double f;
			const char *text;
			size_t n;
		} num;
		struct hstr *str;                                     /* N_STRING */
	} u;
	struct node *chain_of; /* N_CHAIN: the operand the fields apply to */
	const struct hfunc *fn; /* N_IDENT: resolved at parse time */
};

/* The text of one parsed file (or tpl string): nodes point into it for positions. */
struct tmpl_src {
	int rc;
	char *name;      /* the template name, e.g. "mychart/templates/a.yaml" */
	char *text;      /* owned copy of the source */
	size_t len;
	struct tmpl_src *next_free; /* sources are kept until the set goes */
};

/* A named template: a file's body or a define/block. */
struct tmpl {
	struct hstr *name;
	struct node *root; /* N_LIST */
	struct tmpl_src *src;
	struct tmpl *next_in_set;
};

/* All templates, by name, later definitions replacing earlier ones (text/template's AddParseTree). */
struct tmpl_set {
	struct tmpl **v;
	size_t n, cap;        /* sorted by name */
	struct tmpl_set *parent; /* tpl's clone: looks here when a name is not its own */
	struct node_pool *pool;
	struct tmpl_src *srcs;
};

/* A parse or execution error, or a construct this engine does not do (exec does it). */
enum herr_kind { HERR_NONE, HERR_TEMPLATE, HERR_UNSUPPORTED, HERR_NOMEM };
struct herr {
	enum herr_kind kind;
	bool confident;  /* the message is what helm prints, word for word */
	char msg[8192];
};
void herr_set(struct herr *e, enum herr_kind k, bool confident, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

struct tmpl_set *tset_new(void);
void tset_free(struct tmpl_set *s);
struct tmpl *tset_lookup(const struct tmpl_set *s, const char *name, size_t len);
/* Parse text as template name into set s (defines added too). 0, or -1 with e set (parse errors as
 * text/template words them: "template: NAME:LINE: function \"x\" not defined"). */
int tset_parse(struct tmpl_set *s, const char *name, const char *text, size_t len, struct herr *e);

/* ---- functions ---- */

struct exec;
typedef int (*hfunc_fn)(struct exec *x, struct hv *args, size_t n, struct hv *out);

/* Parameter types, as the Go function declares them: text/template converts arguments to them. */
enum ptype { P_ANY, P_STRING, P_INT, P_INT64, P_FLOAT, P_BOOL, P_MAP, P_LIST, P_CERT, P_RAW };
struct hfunc {
	const char *name;
	hfunc_fn fn;
	uint8_t n_params;
	bool variadic;   /* the last param repeats */
	bool has_err;    /* returns (T, error): an error stops the template */
	uint8_t p[6];    /* enum ptype */
	/* fn returns 0 with *out, -1 after fn_error (text/template says "error calling NAME: ..."),
	 * -2 after exec_unsupported or no memory (x->err set) */
};
const struct hfunc *func_lookup(const char *name, size_t len);

/* ---- execution ---- */

struct render_ctx;

struct var {
	struct hstr *name;
	struct hv val;
};

struct exec {
	struct tmpl_set *set;
	struct render_ctx *rc;
	struct herr *err;
	struct var *vars;
	size_t n_vars, cap_vars, var_base; /* the current template's variables start at var_base */
	struct tmpl *cur;        /* the template being executed (for error messages) */
	struct node *node;       /* the node being evaluated (text/template's s.node) */
	int depth;               /* template calls, for Go's maxExecDepth */
	int ctl;                 /* 1 break, 2 continue */
	struct hv recv;          /* a method's receiver */
	const char *fname;       /* the function being called */
	char ferr[8192];         /* the error a function returns (Go's err.Error()) */
};

/* A function's error: the text Go's err.Error() would give; returns -1. */
int fn_error(struct exec *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Set x->err about the current node as text/template words it:
 * template: NAME:LINE:COL: executing "NAME" at <NODE>: MSG. Returns -1. */
int exec_errorf(struct exec *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The construct this engine does not do; returns -1. */
int exec_unsupported(struct exec *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Run template t with dot into out. 0 or -1 (x->err set). */
int exec_template(struct exec *x, struct tmpl *t, struct hv dot, struct buf *out);
/* Run a named template (include). */
int exec_named(struct exec *x, const char *name, struct hv dot, struct buf *out);
/* Render tpl text against dot in a clone of the set (helm's tpl). */
int exec_tpl(struct exec *x, const char *text, size_t len, struct hv dot, struct buf *out);

/* ---- the render: options, chart, values ---- */

struct helm_opts {
	const char *release, *namespace;
	const char *const *values; size_t n_values;       /* -f files */
	const char *const *values_literal; size_t n_values_literal; /* inline YAML, merged after the files */
	const char *const *set; size_t n_set;
	const char *const *set_string; size_t n_set_string;
	const char *const *set_file; size_t n_set_file;
	const char *kube_version;
	const char *const *api_versions; size_t n_api_versions;
	bool include_crds, skip_tests, skip_schema_validation;
	bool deterministic; /* seeded rand*, fixed now() */
};

struct file {
	char *name; /* relative to its chart */
	char *data;
	size_t len;
	struct hstr *h; /* NULL, or data is h->s and the file holds a reference: .Files shares it */
};
void file_release(struct file *f); /* frees data (or drops h) and name */

struct chart {
	char *name;        /* metadata.name (the alias once aliased) */
	json_t *meta;      /* Chart.yaml as read */
	struct hv meta_v;  /* metadata as .Chart sees it */
	char *api_version, *version, *type, *kube_version, *condition;
	json_t *deps;      /* dependencies: from Chart.yaml or requirements.yaml */
	json_t *values_json;
	struct hv values;  /* values.yaml (float64 numbers) */
	char *schema;      /* values.schema.json text, or NULL */
	size_t schema_len;
	struct file *templates; size_t n_templates;
	struct file *files; size_t n_files;     /* .Files */
	struct chart **sub; size_t n_sub;       /* charts/ */
	struct chart *parent;
	char *where;       /* the directory or archive, for messages */
	bool on_disk;      /* where is a directory: its files can be read there again */
};

struct render_ctx {
	const struct helm_opts *o;
	struct herr err;
	struct hv caps;       /* .Capabilities */
	struct hv release;    /* .Release */
	int include_depth_guard;
	struct hmap *included; /* include recursion counts by name */
	uint64_t rng;
};

/* chart.c */
/* Load the chart at dir; NULL with e set. */
struct chart *chart_load_dir(const char *dir, struct herr *e);
struct chart *chart_load_tgz(const char *path, struct herr *e);
void chart_free(struct chart *c);
char *chart_full_path(const struct chart *c); /* "parent/charts/name", malloc'd */

/* values.c */
/* The user's values: -f files, --set, --set-string, --set-file merged as helm's values.Options does. */
int values_user(const struct helm_opts *o, const char *dir, struct hv *out, struct herr *e);
/* chartutil.CoalesceValues(chart, vals): a new map. */
struct hv values_coalesce(const struct chart *c, struct hv vals, struct herr *e);
/* chartutil ProcessDependenciesWithMerge: drop disabled dependencies, aliases renamed. 0 or -1. */
int values_process_deps(struct chart *c, struct hv vals, struct herr *e);

/* schema.c: validate values against c->schema; 0 valid, 1 invalid (message appended to msg),
 * -1 with e set (unsupported schema: exec does it). */
int schema_validate(const struct chart *c, struct hv values, struct buf *msg, struct herr *e);

/* The documents of the output that the engine already parsed (each template document, to sort it
 * by kind as helm does), so that gitops-render need not parse them again: the output's first
 * `prefix` bytes (crds/ files, as they are) are still text to read; then come v[0..n), parsed as the
 * output's reader would parse them, the first line of each (its "---") in line[]. usable is false
 * when the text must be read whole (a document the stream reader might split or join
 * differently, a List, a document that is not an object). */
struct helm_docs {
	bool usable;
	size_t prefix;
	size_t n, cap;
	json_t **v;
	unsigned long *line;
	/* n_crds > 0: the crds/ files are left out of the output (prefix bytes that are not there),
	 * named here instead, in their order, for the reader to read from the chart on disk one at
	 * a time: each is "---\n# Source: SOURCE\n", the file's len bytes at path, "\n". (Only
	 * when usable, the chart a directory, and templates follow them.) line[] then counts from
	 * the end of them: the reader adds the newlines it read there. */
	size_t n_crds;
	struct helm_crd {
		char *path, *source;
		size_t len;
	} *crds;
};
void helm_docs_free(struct helm_docs *d);
/* frees the named crds/ files only (once read, or when the output is read whole after all) */
void helm_docs_forget_crds(struct helm_docs *d);

/* render.c: the whole `helm template`: 0 with *out (malloc'd), -1 with e set. docs: NULL, or what
 * to hand gitops-render's reader. */
int helm_render(const char *dir, const struct helm_opts *o, char **out, size_t *len, struct helm_docs *docs,
		struct herr *e);

/* Go's url.Parse for the URLs funcs_regex.c reads itself (printable ASCII, no escapes, no IPv6
 * host): 1 parsed (*has_scheme said), 0 Go refuses it, -1 not known here. */
int go_url_check(const char *s, size_t n, bool *has_scheme);

/* semver (funcs_semver.c), used by chart.c and values.c too: does version satisfy constraint?
 * 1 yes, 0 no, -1 the constraint or version does not parse. */
int semver_check(const char *constraint, const char *version);
/* 0 when version is one semver.NewVersion reads, else -1 (semver_check("*", version) < 0, without
 * the constraint regexes: compiling them loads PCRE2, a quarter of a small chart's render) */
int semver_valid(const char *version);

/* random numbers: real ones, or a fixed sequence with --deterministic */
uint64_t rng_next(struct render_ctx *rc);

#endif
