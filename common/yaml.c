/* yaml: YAML -> JSON the way Kubernetes clients read it (sigs.k8s.io/yaml over
 * goyaml.v2, YAML 1.1 typing), with limits, and a deterministic block emitter. */
#include "yaml.h"

#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cli.h"
#include "json.h"
#include "yaml_fast.h"

/* ---- scalar typing (goyaml.v2 resolve.go) ---- */

static const char *const true_words[] = { "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
					   "on", "On", "ON", NULL };
static const char *const false_words[] = { "n", "N", "no", "No", "NO", "false", "False", "FALSE",
					    "off", "Off", "OFF", NULL };
static const char *const null_words[] = { "~", "null", "Null", "NULL", NULL };
static const char *const special_floats[] = { ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf",
					       "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", NULL };

static bool in_words(const char *s, size_t len, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == len && !memcmp(*words, s, len))
			return true;
	return false;
}

/* Go's underscoreOK: underscores only between digits, or between a base prefix and a digit. */
static bool go_underscores_ok(const char *s)
{
	char saw = '^'; /* ^ start, 0 a digit or base prefix, _ an underscore, ! anything else */
	bool hex = false;
	if (*s == '+' || *s == '-')
		s++;
	if (s[0] == '0' && s[1] && strchr("bBoOxX", s[1])) {
		hex = s[1] == 'x' || s[1] == 'X';
		saw = '0';
		s += 2;
	}
	for (; *s; s++) {
		if ((*s >= '0' && *s <= '9') || (hex && strchr("abcdefABCDEF", *s)))
			saw = '0';
		else if (*s == '_' && saw != '0')
			return false;
		else if (*s == '_')
			saw = '_';
		else if (saw == '_')
			return false;
		else
			saw = '!';
	}
	return saw != '_';
}

static bool go_parse_int_plain(const char *s, bool *is_unsigned, long long *iv, unsigned long long *uv);

bool gt_go_parse_int(const char *s, bool *is_unsigned, long long *iv, unsigned long long *uv)
{
	if (!strchr(s, '_'))
		return go_parse_int_plain(s, is_unsigned, iv, uv);
	if (!go_underscores_ok(s))
		return false;
	char *plain = malloc(strlen(s) + 1);
	size_t n = 0;
	if (!plain)
		return false;
	for (; *s; s++)
		if (*s != '_')
			plain[n++] = *s;
	plain[n] = '\0';
	bool ok = go_parse_int_plain(plain, is_unsigned, iv, uv);
	free(plain);
	return ok;
}

static bool go_parse_int_plain(const char *s, bool *is_unsigned, long long *iv, unsigned long long *uv)
{
	const char *p = s;
	bool neg = false;
	int base = 10;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		base = 16, p += 2;
	else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
		base = 8, p += 2;
	else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
		base = 2, p += 2;
	else if (p[0] == '0' && p[1])
		base = 8, p += 1;
	if (!*p)
		return false;
	for (const char *q = p; *q; q++) {
		int d = *q >= '0' && *q <= '9' ? *q - '0'
			: *q >= 'a' && *q <= 'f' ? *q - 'a' + 10
			: *q >= 'A' && *q <= 'F' ? *q - 'A' + 10 : 99;
		if (d >= base)
			return false;
	}
	errno = 0;
	unsigned long long v = strtoull(p, NULL, base);
	if (errno == ERANGE)
		return false;
	*is_unsigned = false;
	if (!neg && v <= (unsigned long long)LLONG_MAX) {
		*iv = (long long)v;
		return true;
	}
	if (neg && v <= (unsigned long long)LLONG_MAX + 1) {
		*iv = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
		return true;
	}
	if (neg)
		return false;
	*is_unsigned = true;
	*uv = v;
	return true;
}

static bool matches_yaml_float(const char *s)
{
	/* goyaml.v2 yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
	const char *p = s;
	if (*p == '+' || *p == '-')
		p++;
	if (*p == '.') {
		if (!(p[1] >= '0' && p[1] <= '9'))
			return false;
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	} else {
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p == '.')
			for (p++; *p >= '0' && *p <= '9'; p++)
				;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

/* A float Go's ParseFloat accepts and that is finite; out of range is a failure, as in Go. */
static bool parse_finite_float(const char *s, double *out)
{
	errno = 0;
	char *end;
	double d = strtod(s, &end);
	if (*end || (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL)) || !isfinite(d))
		return false;
	*out = d;
	return true;
}

/* Digits, sign or '.' start: int, float, or (kept as a string, like goyaml.v2) timestamp. */
static json_t *resolve_number(const char *s, size_t len)
{
	char small[64];
	char *plain = len < sizeof(small) ? small : malloc(len + 1);
	size_t n = 0;
	json_t *v = NULL;
	if (!plain)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if (s[i] != '_')
			plain[n++] = s[i];
	plain[n] = '\0';
	long long iv;
	unsigned long long uv;
	bool is_unsigned;
	double d;
	/* A leading '.' goes straight to ParseFloat(s) in goyaml.v2, which takes no '_'. */
	bool dot = s[0] == '.';
	if (!dot && gt_go_parse_int(plain, &is_unsigned, &iv, &uv))
		/* jansson has no uint64; a value past INT64_MAX keeps its magnitude as a real. */
		v = is_unsigned ? json_real((double)uv) : json_integer(iv);
	else if ((!dot || n == len) && matches_yaml_float(plain) && parse_finite_float(plain, &d))
		v = json_real(d);
	else
		v = json_stringn(s, len);
	if (plain != small)
		free(plain);
	return v;
}

json_t *gt_yaml_resolve_plain(const char *s, size_t len, const char **why)
{
	*why = NULL;
	if (len == 0)
		return json_null();
	switch (s[0]) {
	case 'y': case 'Y': case 'n': case 'N': case 't': case 'T':
	case 'f': case 'F': case 'o': case 'O': case '~':
		if (in_words(s, len, true_words))
			return json_true();
		if (in_words(s, len, false_words))
			return json_false();
		if (in_words(s, len, null_words))
			return json_null();
		return json_stringn(s, len);
	case '.': case '+': case '-':
		if (in_words(s, len, special_floats)) {
			*why = "infinity and NaN have no JSON form";
			return NULL;
		}
		return resolve_number(s, len);
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return resolve_number(s, len);
	default:
		return json_stringn(s, len);
	}
}


/* ---- scalar typing as kustomize reads it (goyaml.v3 resolve.go, through kyaml) ---- */

/* Go's strconv.ParseInt/ParseUint(s, 0, 64): sign, then 0x/0o/0b/0 prefix or decimal; no '_' here
 * (the caller removed them). v3 keeps the magnitude of a uint64 past INT64_MAX, as a real here. */
static json_t *kyaml_int(const char *plain)
{
	bool is_unsigned;
	long long iv;
	unsigned long long uv;
	if (!gt_go_parse_int(plain, &is_unsigned, &iv, &uv))
		return NULL;
	return is_unsigned ? json_real((double)uv) : json_integer(iv);
}

/* v3's explicit 0b/0o forms after ParseInt failed: "0b" digits, "-0b", "0o", "-0o". */
static json_t *kyaml_prefixed_int(const char *plain)
{
	bool neg = plain[0] == '-';
	const char *p = plain + neg;
	int base = p[0] == '0' && p[1] == 'b' ? 2 : p[0] == '0' && p[1] == 'o' ? 8 : 0;
	if (!base || !p[2])
		return NULL;
	for (const char *q = p + 2; *q; q++)
		if (*q < '0' || *q >= '0' + base)
			return NULL;
	errno = 0;
	unsigned long long v = strtoull(p + 2, NULL, base);
	if (errno == ERANGE)
		return NULL;
	if (neg)
		return v <= (unsigned long long)LLONG_MAX + 1 ? json_integer(v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v) : NULL;
	return v <= (unsigned long long)LLONG_MAX ? json_integer((long long)v) : json_real((double)v);
}

/* 1 or 2 digits at *p (Go's getnum(value, false)); -1 if none. */
static int go_num12(const char **p)
{
	const char *s = *p;
	if (!(s[0] >= '0' && s[0] <= '9'))
		return -1;
	if (s[1] >= '0' && s[1] <= '9') {
		*p = s + 2;
		return (s[0] - '0') * 10 + s[1] - '0';
	}
	*p = s + 1;
	return s[0] - '0';
}

static int days_in(int month, int year)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
	return month == 2 && leap ? 29 : days[month - 1];
}

/*
 * v3's timestamps: Go's time.Parse with "2006-1-2T15:4:5.999999999Z07:00" (also with 't'),
 * "2006-1-2 15:4:5.999999999" and "2006-1-2"; kyaml then writes time.Time as JSON, that is
 * RFC 3339 with nanoseconds (trailing zeros dropped) and Z for a zero offset. NULL if s is none.
 */
static json_t *kyaml_timestamp(const char *s)
{
	const char *p = s;
	int year = 0, month, day, hour = 0, min = 0, sec = 0, off = 0;
	long nsec = 0;
	for (int i = 0; i < 4; i++, p++)
		year = year * 10 + (*p - '0'); /* the caller checked four digits and '-' */
	p++;
	if ((month = go_num12(&p)) < 1 || month > 12 || *p++ != '-' || (day = go_num12(&p)) < 0)
		return NULL;
	if (*p) {
		bool zone = *p == 'T' || *p == 't';
		if (zone)
			p++;
		else if (*p == ' ')
			while (*p == ' ')
				p++;
		else
			return NULL;
		if ((hour = go_num12(&p)) < 0 || hour > 23 || *p++ != ':' || (min = go_num12(&p)) < 0 || min > 59 ||
		    *p++ != ':' || (sec = go_num12(&p)) < 0 || sec > 59)
			return NULL;
		if ((*p == '.' || *p == ',') && p[1] >= '0' && p[1] <= '9') {
			int digits = 0;
			for (p++; *p >= '0' && *p <= '9'; p++, digits++)
				if (digits < 9)
					nsec = nsec * 10 + (*p - '0');
			for (int d = digits; d < 9; d++)
				nsec *= 10;
		}
		if (zone) {
			if (*p == 'Z') {
				p++;
			} else if ((*p == '+' || *p == '-') && strlen(p) >= 6 && p[3] == ':') {
				int hh = (p[1] - '0') * 10 + (p[2] - '0'), mm = (p[4] - '0') * 10 + (p[5] - '0');
				if (!(p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9' && p[4] >= '0' && p[4] <= '9' &&
				      p[5] >= '0' && p[5] <= '9'))
					return NULL;
				off = (hh * 60 + mm) * (*p == '-' ? -1 : 1);
				p += 6;
			} else {
				return NULL;
			}
		}
	}
	if (*p || day < 1 || day > days_in(month, year))
		return NULL;
	char buf[96], frac[24] = "", zone[16] = "Z";
	if (nsec) {
		snprintf(frac, sizeof(frac), ".%09ld", nsec);
		for (size_t n = strlen(frac); frac[n - 1] == '0'; n--)
			frac[n - 1] = '\0';
	}
	if (off)
		snprintf(zone, sizeof(zone), "%c%02d:%02d", off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d%s%s", year, month, day, hour, min, sec, frac, zone);
	return json_string(buf);
}

static bool starts_like_timestamp(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	return i == 4 && i < len && s[i] == '-';
}

/* After a sign or a digit: timestamp (plain only), int, uint, YAML float, 0b/0o forms, else a string. */
static json_t *kyaml_number(const char *s, size_t len, bool plain_scalar)
{
	char small[64];
	char *copy = len < sizeof(small) ? small : malloc(len + 1);
	char *plain = copy;
	json_t *v = NULL;
	double d;
	if (!copy)
		return NULL;
	memcpy(copy, s, len);
	copy[len] = '\0';
	if (plain_scalar && starts_like_timestamp(s, len) && (v = kyaml_timestamp(copy)))
		goto out;
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] != '_')
			plain[n++] = s[i];
	plain[n] = '\0';
	if ((v = kyaml_int(plain)))
		goto out;
	if (matches_yaml_float(plain) && parse_finite_float(plain, &d)) {
		v = json_real(d);
		goto out;
	}
	if ((v = kyaml_prefixed_int(plain)))
		goto out;
	v = json_stringn(s, len);
out:
	if (copy != small)
		free(copy);
	return v;
}

/* allow_timestamp: untagged plain scalars only (v3 tries dates only then). */
static json_t *kyaml_resolve(const char *s, size_t len, bool allow_timestamp, const char **why)
{
	static const char *const trues[] = { "true", "True", "TRUE", NULL };
	static const char *const falses[] = { "false", "False", "FALSE", NULL };
	*why = NULL;
	if (len == 0 || in_words(s, len, null_words))
		return json_null();
	if (in_words(s, len, trues))
		return json_true();
	if (in_words(s, len, falses))
		return json_false();
	if (in_words(s, len, special_floats)) {
		*why = "infinity and NaN have no JSON form";
		return NULL;
	}
	switch (s[0]) {
	case '.': {
		/* v3 hands the text to ParseFloat as it is. */
		char buf[64];
		double d;
		if (len < sizeof(buf)) {
			memcpy(buf, s, len);
			buf[len] = '\0';
			if (matches_yaml_float(buf) && parse_finite_float(buf, &d))
				return json_real(d);
		}
		return json_stringn(s, len);
	}
	case '+': case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return kyaml_number(s, len, allow_timestamp);
	default:
		return json_stringn(s, len);
	}
}

json_t *gt_yaml_resolve_plain_kyaml(const char *s, size_t len, const char **why)
{
	return kyaml_resolve(s, len, true, why);
}

/* YYYY-M-D at the start: goyaml.v2 reads it as a timestamp (and v3/kustomize keeps it as one). */
static bool looks_like_timestamp(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	return i == 4 && i < len && s[i] == '-' && i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9';
}

/* goyaml.v2's isBase60Float, ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$: YAML 1.1
 * readers such as PyYAML take 1:20 as 80, so goyaml.v2's emitter quotes these. */
static bool looks_like_base60(const char *s, size_t len)
{
	size_t i = 0, groups = 0;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	if (!(i < len && s[i] >= '0' && s[i] <= '9'))
		return false;
	while (i < len && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
		i++;
	while (i < len && s[i] == ':') {
		size_t d = 0;
		for (i++; i < len && s[i] >= '0' && s[i] <= '9' && d < 2; i++, d++)
			;
		/* One digit, or two with the first 0-5. */
		if (d == 0 || (d == 2 && s[i - 2] > '5'))
			return false;
		groups++;
	}
	if (!groups)
		return false;
	if (i < len && s[i] == '.')
		for (i++; i < len && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'); i++)
			;
	return i == len;
}

bool gt_yaml_string_needs_quotes(const char *s, size_t len)
{
	const char *why;
	json_t *v = gt_yaml_resolve_plain(s, len, &why);
	bool same = v && json_is_string(v) && json_string_length(v) == len;
	json_decref(v);
	if (!same || looks_like_timestamp(s, len) || looks_like_base60(s, len))
		return true;
	/* '<<' is a merge key and '=' a value tag to some readers: never plain. */
	return (len == 2 && !memcmp(s, "<<", 2)) || (len == 1 && s[0] == '=');
}

/* ---- reader ---- */

struct anchor {
	char *name;
	json_t *value;
	size_t nodes;  /* size of value, charged to the alias budget at each use */
	size_t height; /* levels of maps and lists in value, for --max-depth at each use */
};

/* libyaml reads ahead of the events it returns by at most its raw buffer (16 KiB) and
 * buffers a whole scalar before the event about it: read at most this much past the limit. */
#define READ_AHEAD_SLACK ((size_t)1 << 20)

/*
 * The fast path reads documents from bytes it holds: the caller's string, or for a FILE
 * or a handler a window it fills with reads of the sizes libyaml would ask for (16 KiB
 * less an unfinished UTF-8 sequence), noting where each read ended. When it meets a
 * document it is not sure of, libyaml takes over from that document's first line, fed
 * the same bytes in reads that end where the reads of a libyaml-only reader would have
 * ended, so that its read-ahead, the --max-document-size guard on reads, reader errors
 * and every mark come out as without the fast path. After the first document libyaml
 * first reads a "---\n...\n" prefix, which leaves it in the state it has between two
 * documents; lines, byte offsets and the document-size index are shifted back.
 */
#define RAW_CHUNK ((size_t)16384) /* libyaml's raw buffer (YAML_RAW_BUFFER_SIZE) */
#define HANDOVER_PREFIX "---\n...\n"
#define HANDOVER_PREFIX_LEN 8

enum src_state { SRC_MORE, SRC_EOF, SRC_ERROR };

struct fast_state {
	bool on;                /* documents still come from the fast path */
	bool handed_over;       /* libyaml reads the rest */
	const char *data;       /* string input, or the window's bytes */
	size_t len;             /* bytes in data */
	size_t base;            /* stream offset of data[0] (window) */
	bool own;               /* data is our window */
	size_t cap;
	enum src_state state;   /* after data: more to read, the end, a read error */
	size_t *ends;           /* window: stream offsets where reads ended, ascending */
	size_t n_ends, cap_ends;
	size_t pos;             /* stream offset of the next document's first line */
	unsigned long pos_line; /* its 0-based line */
	unsigned long docs;     /* documents read by the fast path */
	size_t prev_d;          /* where the last document started (its first token) */
	size_t prev_t;          /* where the token that ended it starts */
	size_t checked;         /* bytes before this were scanned: */
	size_t bad;             /* the first byte libyaml's reader refuses (or SIZE_MAX) */
	size_t odd;             /* the first byte the fast path does not take (or SIZE_MAX) */
	/* The hand-over: what libyaml reads before the live input. */
	size_t prefix_left;
	size_t replay;          /* stream offset of the next byte to hand to libyaml */
	size_t first_end;       /* string input: the end of the first read */
	size_t bounded_end;     /* fast_next found the document's end here, but not its content */
	size_t bounded_d;       /* and its start */
	unsigned long line_base; /* added to libyaml's lines (mod 2^N: may be "negative") */
	size_t byte_base;       /* added to libyaml's byte offsets */
};

struct gt_yaml_reader {
	yaml_parser_t parser;
	const char *name;
	struct gt_limits lim;
	unsigned long line_offset;
	bool stream_started, stream_ended;
	struct anchor *anchors;
	size_t n_anchors, cap_anchors;
	size_t alias_nodes; /* expanded by aliases in this document */
	size_t doc_start;   /* mark index (characters) where this document began */
	/* Input from a FILE or a handler goes through guarded_read, which stops reading
	 * a document far past --max-document-size instead of buffering all of it. */
	FILE *file;
	int (*read)(void *data, unsigned char *buf, size_t size, size_t *size_read);
	void *read_data;
	size_t bytes_read;      /* bytes handed to libyaml */
	size_t doc_start_bytes; /* bytes_read when the previous document ended */
	bool too_big;           /* guarded_read refused to read on */
	enum gt_yaml_typing typing;
	bool typing_set;        /* gt_yaml_reader_set_typing was called: typed keys are counted */
	size_t typed_keys; /* keys in this document that were no strings before becoming JSON */
	bool quiet;             /* errors are kept, not printed */
	char error[1200];       /* the last error, "NAME:LINE:COLUMN: why" */
	struct fast_state fast; /* the fast path (yaml_fast.c) and the hand-over to libyaml */
	bool (*text_for)(const json_t *skeleton); /* gt_yaml_reader_set_text_for */
	struct gt_json_buf text;                  /* the last document's text, not yet taken */
	bool has_text;
};

void gt_yaml_reader_set_text_for(struct gt_yaml_reader *r, bool (*want)(const json_t *skeleton))
{
	r->text_for = want;
}

bool gt_yaml_take_text(struct gt_yaml_reader *r, char **text, size_t *len)
{
	if (!r->has_text)
		return false;
	*text = r->text.p;
	*len = r->text.n;
	r->text = (struct gt_json_buf){ 0 };
	r->has_text = false;
	return true;
}

static void drop_text(struct gt_yaml_reader *r)
{
	free(r->text.p);
	r->text = (struct gt_json_buf){ 0 };
	r->has_text = false;
}

static bool fast_path_enabled = true;
static _Atomic unsigned long fast_documents; /* (the CRD reader counts from two threads) */

void gt_yaml_set_fast_path(bool on)
{
	fast_path_enabled = on;
}

unsigned long gt_yaml_fast_documents(void)
{
	return fast_documents;
}

static struct gt_yaml_reader *reader_new(const char *name, const struct gt_limits *lim)
{
	struct gt_yaml_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	if (!yaml_parser_initialize(&r->parser)) {
		free(r);
		return NULL;
	}
	r->name = name;
	r->lim = *lim;
	r->fast.on = fast_path_enabled;
	r->fast.bad = r->fast.odd = SIZE_MAX;
	return r;
}

/* One read from the FILE or the handler, as libyaml's would be (no guard). */
static int raw_read(struct gt_yaml_reader *r, unsigned char *buf, size_t size, size_t *size_read)
{
	*size_read = 0;
	if (r->file) {
		*size_read = fread(buf, 1, size, r->file);
		return !ferror(r->file);
	}
	return r->read(r->read_data, buf, size, size_read);
}

static int guarded_read(void *data, unsigned char *buf, size_t size, size_t *size_read)
{
	struct gt_yaml_reader *r = data;
	/* bytes_read is below doc_start_bytes only while the hand-over replays bytes that a
	 * libyaml-only reader read during an earlier document (and checked then). */
	if (r->bytes_read >= r->doc_start_bytes) {
		size_t used = r->bytes_read - r->doc_start_bytes;
		if (used > READ_AHEAD_SLACK && used - READ_AHEAD_SLACK > r->lim.max_doc_bytes) {
			r->too_big = true;
			return 0;
		}
	}
	int ok = raw_read(r, buf, size, size_read);
	if (ok)
		r->bytes_read += *size_read;
	return ok;
}

struct gt_yaml_reader *gt_yaml_reader_new_file(FILE *f, const char *name, const struct gt_limits *lim)
{
	struct gt_yaml_reader *r = reader_new(name, lim);
	if (r) {
		r->file = f;
		r->fast.own = true;
		if (!r->fast.on)
			yaml_parser_set_input(&r->parser, guarded_read, r);
	}
	return r;
}

struct gt_yaml_reader *gt_yaml_reader_new_string(const char *buf, size_t len, const char *name,
						  const struct gt_limits *lim)
{
	struct gt_yaml_reader *r = reader_new(name, lim);
	if (!r)
		return NULL;
	if (r->fast.on) {
		r->fast.data = buf;
		r->fast.len = len;
		r->fast.state = SRC_EOF;
	} else {
		yaml_parser_set_input_string(&r->parser, (const unsigned char *)buf, len);
	}
	return r;
}

struct gt_yaml_reader *gt_yaml_reader_new_handler(int (*read)(void *data, unsigned char *buf, size_t size,
							      size_t *size_read),
						  void *data, const char *name, const struct gt_limits *lim)
{
	struct gt_yaml_reader *r = reader_new(name, lim);
	if (r) {
		r->read = read;
		r->read_data = data;
		r->fast.own = true;
		if (!r->fast.on)
			yaml_parser_set_input(&r->parser, guarded_read, r);
	}
	return r;
}

/* The fast path types scalars as the reader does (gt_yaml_fast_document_typed); a document it
 * is unsure of goes to libyaml alone, as always. Before the first gt_yaml_next only. */
void gt_yaml_reader_set_typing(struct gt_yaml_reader *r, enum gt_yaml_typing typing)
{
	r->typing = typing;
	r->typing_set = true; /* (the fast path then leaves keys that are no text to libyaml, which counts them) */
}

/* A null of its own, static like jansson's: never freed, copied as itself. */
static json_t empty_null = { JSON_NULL, (size_t)-1 };

json_t *gt_yaml_empty_null(void)
{
	return &empty_null;
}

bool gt_yaml_is_empty_null(const json_t *v)
{
	return v == &empty_null;
}

char *gt_yaml_scalar_text(const json_t *v)
{
	char buf[64];
	switch (json_typeof(v)) {
	case JSON_STRING:
		return strndup(json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return strdup(buf);
	case JSON_REAL: {
		char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
		return s ? s : strdup("");
	}
	case JSON_TRUE:
		return strdup("true");
	case JSON_FALSE:
		return strdup("false");
	case JSON_NULL:
		/* written `null` (the common way) or empty */
		return strdup(gt_yaml_is_empty_null(v) ? "" : "null");
	default:
		return strdup("");
	}
}

size_t gt_yaml_reader_typed_keys(const struct gt_yaml_reader *r)
{
	return r->typed_keys;
}

void gt_yaml_reader_set_line_offset(struct gt_yaml_reader *r, unsigned long lines)
{
	r->line_offset = lines;
}

static void forget_anchors(struct gt_yaml_reader *r)
{
	for (size_t i = 0; i < r->n_anchors; i++) {
		free(r->anchors[i].name);
		json_decref(r->anchors[i].value);
	}
	r->n_anchors = 0;
}

void gt_yaml_reader_free(struct gt_yaml_reader *r)
{
	if (!r)
		return;
	forget_anchors(r);
	free(r->anchors);
	if (r->fast.own)
		free((char *)r->fast.data);
	free(r->fast.ends);
	drop_text(r);
	yaml_parser_delete(&r->parser);
	free(r);
}

static int error_at(struct gt_yaml_reader *r, yaml_mark_t mark, const char *fmt, const char *detail)
{
	char msg[512];
	snprintf(msg, sizeof(msg), fmt, detail);
	snprintf(r->error, sizeof(r->error), "%s:%lu:%lu: %s", r->name, (unsigned long)mark.line + 1 + r->line_offset + r->fast.line_base,
		 (unsigned long)mark.column + 1, msg);
	if (!r->quiet)
		gt_error("%s", r->error);
	return -1;
}

void gt_yaml_reader_set_quiet(struct gt_yaml_reader *r, bool quiet)
{
	r->quiet = quiet;
}

const char *gt_yaml_reader_error(const struct gt_yaml_reader *r)
{
	return r->error;
}

static int parser_error(struct gt_yaml_reader *r)
{
	yaml_parser_t *p = &r->parser;
	char detail[400];
	const char *problem = p->problem ? p->problem : "malformed YAML";
	if (p->error == YAML_MEMORY_ERROR)
		problem = "out of memory";
	if (r->too_big) {
		char lim[32];
		snprintf(lim, sizeof(lim), "%zu", r->lim.max_doc_bytes);
		return error_at(r, p->mark, "document larger than %s bytes (--max-document-size)", lim);
	}
	if (p->context)
		snprintf(detail, sizeof(detail), "%s %s", problem, p->context);
	else
		snprintf(detail, sizeof(detail), "%s", problem);
	/* Reader errors (bad UTF-8, NUL bytes) carry only a byte offset; the line is where the
	 * scanner stands plus the line breaks it has decoded but not yet consumed before the bad byte. */
	if (p->error == YAML_READER_ERROR) {
		unsigned long line = (unsigned long)p->mark.line + 1 + r->line_offset + r->fast.line_base;
		for (const yaml_char_t *c = p->buffer.pointer; c && c < p->buffer.last; c++)
			line += *c == '\n';
		snprintf(r->error, sizeof(r->error), "%s:%lu: %s (byte %lu)", r->name, line, detail,
			 (unsigned long)(p->problem_offset + r->fast.byte_base));
		if (!r->quiet)
			gt_error("%s", r->error);
		return -1;
	}
	return error_at(r, p->problem_mark, "%s", detail);
}

/* Next event; -1 after reporting a syntax error or an oversized document. */
static int next_event(struct gt_yaml_reader *r, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&r->parser, ev))
		return parser_error(r);
	if (ev->start_mark.index - r->doc_start > r->lim.max_doc_bytes) {
		char lim[32];
		snprintf(lim, sizeof(lim), "%zu", r->lim.max_doc_bytes);
		yaml_mark_t mark = ev->start_mark; /* yaml_event_delete clears the event, marks too */
		yaml_event_delete(ev);
		return error_at(r, mark, "document larger than %s bytes (--max-document-size)", lim);
	}
	return 0;
}

/* Nodes in v, and its height in levels of maps and lists (0 for a scalar). */
static size_t measure(const json_t *v, size_t *height)
{
	size_t n = 1, i, h, max_h = 0;
	const char *k;
	json_t *c;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, c) {
			n += measure(c, &h);
			max_h = h > max_h ? h : max_h;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c) {
			n += measure(c, &h);
			max_h = h > max_h ? h : max_h;
		}
	}
	*height = json_is_object(v) || json_is_array(v) ? max_h + 1 : 0;
	return n;
}

static int remember_anchor(struct gt_yaml_reader *r, const yaml_char_t *name, json_t *v)
{
	if (!name)
		return 0;
	for (size_t i = 0; i < r->n_anchors; i++) {
		if (!strcmp(r->anchors[i].name, (const char *)name)) {
			/* YAML lets an anchor be redefined; later aliases see the new value. */
			json_decref(r->anchors[i].value);
			r->anchors[i].value = json_incref(v);
			r->anchors[i].nodes = measure(v, &r->anchors[i].height);
			return 0;
		}
	}
	if (GT_GROW(r->anchors, r->cap_anchors, r->n_anchors + 1) < 0)
		return -1;
	char *copy = strdup((const char *)name);
	if (!copy)
		return -1;
	struct anchor *a = &r->anchors[r->n_anchors++];
	*a = (struct anchor){ copy, json_incref(v), 0, 0 };
	a->nodes = measure(v, &a->height);
	return 0;
}

static int depth_error(struct gt_yaml_reader *r, const yaml_event_t *ev)
{
	char lim[32];
	snprintf(lim, sizeof(lim), "%zu", r->lim.max_depth);
	return error_at(r, ev->start_mark, "nested deeper than %s levels (--max-depth)", lim);
}

/* A deep copy per alias, scalars too: the tools edit objects in place, and a shared
 * value (labels reused as a selector) must not change in two places at once.
 * depth: maps and lists around the alias, which count with the anchor's own. */
static json_t *expand_alias(struct gt_yaml_reader *r, const yaml_event_t *ev, size_t depth)
{
	const char *name = (const char *)ev->data.alias.anchor;
	for (size_t i = r->n_anchors; i-- > 0;) {
		struct anchor *a = &r->anchors[i];
		if (strcmp(a->name, name))
			continue;
		r->alias_nodes += a->nodes;
		if (r->alias_nodes > r->lim.max_alias_nodes) {
			char lim[32];
			snprintf(lim, sizeof(lim), "%zu", r->lim.max_alias_nodes);
			error_at(r, ev->start_mark,
				 "aliases expand to more than %s nodes (--max-alias-nodes); is this a YAML bomb?", lim);
			return NULL;
		}
		if (a->height > r->lim.max_depth || depth > r->lim.max_depth - a->height) {
			depth_error(r, ev);
			return NULL;
		}
		json_t *copy = json_deep_copy(a->value);
		if (!copy)
			error_at(r, ev->start_mark, "%s", "out of memory");
		return copy;
	}
	error_at(r, ev->start_mark, "unknown anchor '%s'", name);
	return NULL;
}

enum gt_yaml_tag gt_yaml_tag_kind(const char *tag)
{
	static const struct { const char *name; enum gt_yaml_tag kind; } tags[] = {
		{ "tag:yaml.org,2002:str", GT_YAML_TAG_STR },	{ "tag:yaml.org,2002:binary", GT_YAML_TAG_BINARY },
		{ "tag:yaml.org,2002:timestamp", GT_YAML_TAG_STR }, { "!", GT_YAML_TAG_STR },
		{ "tag:yaml.org,2002:int", GT_YAML_TAG_INT },	{ "tag:yaml.org,2002:float", GT_YAML_TAG_FLOAT },
		{ "tag:yaml.org,2002:bool", GT_YAML_TAG_BOOL },	{ "tag:yaml.org,2002:null", GT_YAML_TAG_NULL },
	};
	if (!tag)
		return GT_YAML_TAG_NONE;
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (!strcmp(tag, tags[i].name))
			return tags[i].kind;
	return GT_YAML_TAG_OTHER;
}

static enum gt_yaml_tag classify_tag(const yaml_char_t *tag)
{
	return gt_yaml_tag_kind((const char *)tag);
}

static bool type_matches_tag(const json_t *v, enum gt_yaml_tag k)
{
	switch (k) {
	case GT_YAML_TAG_INT: return json_is_integer(v);
	case GT_YAML_TAG_FLOAT: return json_is_number(v);
	case GT_YAML_TAG_BOOL: return json_is_boolean(v);
	case GT_YAML_TAG_NULL: return json_is_null(v);
	default: return true;
	}
}

static int base64_digit(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 : c >= '0' && c <= '9' ? c - '0' + 52
	       : c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Length of the valid UTF-8 sequence at p (Go's rules: no overlongs, surrogates or
 * values past U+10FFFF), or 0 if there is none. */
size_t gt_utf8_sequence(const unsigned char *p, size_t avail)
{
	if (p[0] < 0x80)
		return 1;
	size_t n = p[0] >= 0xc2 && p[0] <= 0xdf ? 2 : p[0] >= 0xe0 && p[0] <= 0xef ? 3 : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;
	if (!n || n > avail)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) || (p[0] == 0xf0 && p[1] < 0x90) ||
	    (p[0] == 0xf4 && p[1] > 0x8f))
		return 0;
	return n;
}

/* !!binary: goyaml.v2 decodes the base64 (Go's StdEncoding: padded, line breaks ignored)
 * into a string of those bytes, and encoding/json writes each byte that is not UTF-8 as U+FFFD. */
static json_t *binary_value(struct gt_yaml_reader *r, const yaml_event_t *ev)
{
	const unsigned char *s = ev->data.scalar.value;
	size_t len = ev->data.scalar.length, m = 0, out_len = 0, t = 0;
	unsigned char *chars = malloc(len + 1), *bytes = malloc(len / 4 * 3 + 3), *text = NULL;
	json_t *v = NULL;
	const char *why = "out of memory";
	if (!chars || !bytes)
		goto fail;
	for (size_t i = 0; i < len; i++)
		if (s[i] != '\n' && s[i] != '\r')
			chars[m++] = s[i];
	why = "!!binary value is not valid base64";
	if (m % 4)
		goto fail;
	for (size_t q = 0; q < m; q += 4) {
		const unsigned char *c = chars + q;
		bool last = q + 4 == m;
		int d[4];
		size_t n = 4; /* characters that carry data */
		if (last && c[3] == '=')
			n = c[2] == '=' ? 2 : 3;
		for (size_t i = 0; i < 4; i++) {
			d[i] = i < n ? base64_digit(c[i]) : 0;
			if (d[i] < 0)
				goto fail;
		}
		unsigned acc = (unsigned)d[0] << 18 | (unsigned)d[1] << 12 | (unsigned)d[2] << 6 | (unsigned)d[3];
		bytes[out_len++] = (unsigned char)(acc >> 16);
		if (n > 2)
			bytes[out_len++] = (unsigned char)(acc >> 8);
		if (n > 3)
			bytes[out_len++] = (unsigned char)acc;
	}
	why = "out of memory";
	text = malloc(out_len * 3 + 1);
	if (!text)
		goto fail;
	for (size_t i = 0; i < out_len;) {
		size_t k = gt_utf8_sequence(bytes + i, out_len - i);
		if (k) {
			memcpy(text + t, bytes + i, k);
			t += k;
			i += k;
		} else {
			memcpy(text + t, "\xef\xbf\xbd", 3);
			t += 3;
			i++;
		}
	}
	v = json_stringn((const char *)text, t);
fail:
	free(chars);
	free(bytes);
	free(text);
	if (!v)
		error_at(r, ev->start_mark, "%s", why);
	return v;
}

json_t *gt_yaml_scalar_value(const char *s, size_t len, bool plain, const char *tag_name, const char **why)
{
	enum gt_yaml_tag tag = classify_tag((const yaml_char_t *)tag_name);
	*why = NULL;
	/* goyaml.v2 resolves only the standard tags: any other tag leaves the text as it is. */
	if (tag == GT_YAML_TAG_STR || tag == GT_YAML_TAG_BINARY || tag == GT_YAML_TAG_OTHER || (!plain && tag == GT_YAML_TAG_NONE))
		return json_stringn(s, len);
	json_t *v = gt_yaml_resolve_plain(s, len, why);
	if (v && !type_matches_tag(v, tag)) {
		json_decref(v);
		*why = "value does not match its tag";
		return NULL;
	}
	if (v && tag == GT_YAML_TAG_FLOAT && json_is_integer(v)) {
		json_t *d = json_real((double)json_integer_value(v));
		json_decref(v);
		v = d;
	}
	return v;
}

/* goyaml.v3's decoding of a scalar: explicit standard tags resolve the text whatever its quoting,
 * !!timestamp included; quoted and other tags stay text. */
static json_t *kyaml_scalar_value(const char *s, size_t len, bool plain, const char *tag_name, const char **why)
{
	bool timestamp = tag_name && !strcmp(tag_name, "tag:yaml.org,2002:timestamp");
	enum gt_yaml_tag tag = timestamp ? GT_YAML_TAG_NONE : classify_tag((const yaml_char_t *)tag_name);
	*why = NULL;
	if (tag == GT_YAML_TAG_STR || tag == GT_YAML_TAG_BINARY || tag == GT_YAML_TAG_OTHER || (!plain && !tag_name))
		return json_stringn(s, len);
	if (timestamp) {
		char buf[64];
		json_t *v = NULL;
		if (len < sizeof(buf) && starts_like_timestamp(s, len)) {
			memcpy(buf, s, len);
			buf[len] = '\0';
			v = kyaml_timestamp(buf);
		}
		if (!v)
			*why = "value does not match its tag";
		return v;
	}
	json_t *v = kyaml_resolve(s, len, !tag_name, why);
	if (v && !type_matches_tag(v, tag)) {
		json_decref(v);
		*why = "value does not match its tag";
		return NULL;
	}
	if (v && tag == GT_YAML_TAG_FLOAT && json_is_integer(v)) {
		json_t *d = json_real((double)json_integer_value(v));
		json_decref(v);
		v = d;
	}
	return v;
}

static json_t *scalar_value(struct gt_yaml_reader *r, const yaml_event_t *ev)
{
	const char *t = (const char *)ev->data.scalar.tag, *why;
	if (classify_tag(ev->data.scalar.tag) == GT_YAML_TAG_BINARY)
		return binary_value(r, ev);
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (r->typing == GT_YAML_TEXT)
		return json_stringn((const char *)ev->data.scalar.value, ev->data.scalar.length);
	if (r->typing == GT_YAML_KYAML && plain && !t && ev->data.scalar.length == 0)
		return gt_yaml_empty_null();
	json_t *v = r->typing == GT_YAML_KYAML
			    ? kyaml_scalar_value((const char *)ev->data.scalar.value, ev->data.scalar.length, plain, t, &why)
			    : gt_yaml_scalar_value((const char *)ev->data.scalar.value, ev->data.scalar.length, plain, t,
						   &why);
	if (v)
		return v;
	if (why && t && !strcmp(why, "value does not match its tag")) {
		char shown[64];
		/* Written as the user wrote it: !!int, not tag:yaml.org,2002:int. */
		if (!strncmp(t, "tag:yaml.org,2002:", 18))
			snprintf(shown, sizeof(shown), "!!%s", t + 18);
		else
			snprintf(shown, sizeof(shown), "%s", t);
		error_at(r, ev->start_mark, "value does not match its tag %s", shown);
	} else {
		error_at(r, ev->start_mark, "%s", why ? why : "out of memory");
	}
	return NULL;
}

/* Go's strconv.FormatFloat(f, 'g', -1, 32): shortest float32 digits, exponent form below 1e-4 or from 1e6. */
static void format_float32_key(double d, char *buf, size_t size)
{
	float f = (float)d;
	char tmp[48];
	if (isinf(f)) { /* past float32's range: Go prints +Inf, which sigs.k8s.io/yaml renames */
		snprintf(buf, size, "%s", f < 0 ? "-.inf" : ".inf");
		return;
	}
	int prec = 0;
	for (; prec < 9; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec, f);
		if (strtof(tmp, NULL) == f)
			break;
	}
	int exp10 = atoi(strchr(tmp, 'e') + 1);
	if (exp10 < -4 || exp10 >= 6)
		snprintf(buf, size, "%.*e", prec, f);
	else
		snprintf(buf, size, "%.*f", prec - exp10 > 0 ? prec - exp10 : 0, f);
}

/* sigs.k8s.io/yaml turns non-string keys into strings: ints in decimal, bools
 * as true/false, floats with Go's 'g' formatting at float32 precision. */
/* Keys Go turns into text without a JSON number: FormatFloat's +Inf/-Inf/NaN, renamed as YAML writes them. */
static const char *special_float_key(const char *s, size_t len, bool plain, const char *tag)
{
	if (!plain || tag || len < 4 || !in_words(s, len, special_floats))
		return NULL;
	return s[len - 1] == 'n' || s[len - 1] == 'N' ? ".nan" : s[0] == '-' ? "-.inf" : ".inf";
}

/* A plain key past INT64_MAX is a uint64 to goyaml.v2, which sigs.k8s.io/yaml refuses as a key. */
static bool is_uint64_key(const char *s, size_t len, bool plain, const char *tag)
{
	char digits[32];
	size_t n = 0;
	bool is_unsigned = false;
	long long iv;
	unsigned long long uv;
	if (!plain || tag || len >= 64)
		return false;
	for (size_t i = 0; i < len && n < sizeof(digits) - 1; i++)
		if (s[i] != '_')
			digits[n++] = s[i];
	digits[n] = '\0';
	return n && digits[0] != '.' && gt_go_parse_int(digits, &is_unsigned, &iv, &uv) && is_unsigned;
}

/* kyaml decodes a resource into map[string]interface{}: a key is its text, and a plain key that
 * is no string (1, true, a date) makes the resource fail to become JSON. */
static char *kyaml_key_dup(struct gt_yaml_reader *r, const yaml_event_t *ev)
{
	json_t *v = scalar_value(r, ev);
	if (!v)
		return NULL;
	char *out = json_is_string(v) ? strndup((const char *)ev->data.scalar.value, ev->data.scalar.length) : NULL;
	if (!json_is_string(v))
		error_at(r, ev->start_mark, "map key '%s' is not a string", (const char *)ev->data.scalar.value);
	else if (json_string_length(v) != ev->data.scalar.length ||
		 memcmp(json_string_value(v), ev->data.scalar.value, ev->data.scalar.length)) {
		free(out); /* !!binary and the like: the decoded text */
		out = strndup(json_string_value(v), json_string_length(v));
	}
	json_decref(v);
	return out;
}

/* The key's text from its typed value v (consumed); NULL with *why for a null key. */
static char *key_from_value(json_t *v, const char **why)
{
	char buf[64], *out = NULL;
	*why = NULL;
	switch (json_typeof(v)) {
	case JSON_STRING:
		out = strndup(json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		out = strdup(buf);
		break;
	case JSON_REAL:
		format_float32_key(json_real_value(v), buf, sizeof(buf));
		out = strdup(buf);
		break;
	case JSON_TRUE:
		out = strdup("true");
		break;
	case JSON_FALSE:
		out = strdup("false");
		break;
	default:
		*why = "a map key cannot be null";
		break;
	}
	json_decref(v);
	return out;
}

char *gt_yaml_key_text(const char *s, size_t len, bool plain, const char **why)
{
	const char *special = special_float_key(s, len, plain, NULL);
	*why = NULL;
	if (special)
		return strdup(special);
	if (is_uint64_key(s, len, plain, NULL)) {
		*why = "a map key past 9223372036854775807 cannot become JSON";
		return NULL;
	}
	json_t *v = gt_yaml_scalar_value(s, len, plain, NULL, why);
	if (!v) {
		if (!*why)
			*why = "out of memory";
		return NULL;
	}
	return key_from_value(v, why);
}

static char *key_string_dup(struct gt_yaml_reader *r, const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value, *tag = (const char *)ev->data.scalar.tag, *why;
	size_t len = ev->data.scalar.length;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (r->typing == GT_YAML_TEXT)
		return strndup(s, len);
	if (r->typing == GT_YAML_KYAML)
		return kyaml_key_dup(r, ev);
	const char *special = special_float_key(s, len, plain, tag);
	if (special)
		return strdup(special);
	if (is_uint64_key(s, len, plain, tag)) {
		error_at(r, ev->start_mark, "%s", "a map key past 9223372036854775807 cannot become JSON");
		return NULL;
	}
	json_t *v = scalar_value(r, ev);
	if (!v)
		return NULL;
	if (!json_is_string(v))
		r->typed_keys++;
	char *out = key_from_value(v, &why);
	if (why)
		error_at(r, ev->start_mark, "%s", why);
	return out;
}

static json_t *parse_node(struct gt_yaml_reader *r, yaml_event_t *ev, size_t depth);

static json_t *parse_sequence(struct gt_yaml_reader *r, size_t depth)
{
	json_t *arr = json_array();
	for (;;) {
		yaml_event_t ev;
		if (next_event(r, &ev) < 0)
			goto fail;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return arr;
		}
		json_t *item = parse_node(r, &ev, depth);
		yaml_event_delete(&ev);
		if (!item || json_array_append_new(arr, item) < 0)
			goto fail;
	}
fail:
	json_decref(arr);
	return NULL;
}

/*
 * '<<: *base' or '<<: [*a, *b]' as goyaml.v2 does it (what Kubernetes and Helm read):
 * in document order, so keys after the '<<' replace merged ones, and merged keys replace
 * those before it; in a list, earlier maps win. Each merged key is noted in merged, so
 * that an explicit key may replace it without being a duplicate.
 */
static int merge_into(struct gt_yaml_reader *r, json_t *obj, json_t *merged, json_t *src, const yaml_mark_t *mark)
{
	const char *k;
	json_t *v;
	if (json_is_array(src)) {
		for (size_t i = json_array_size(src); i-- > 0;) {
			if (!json_is_object(json_array_get(src, i)))
				return error_at(r, *mark, "%s", "a merge key '<<' needs a map or a list of maps");
		}
		for (size_t i = json_array_size(src); i-- > 0;) {
			if (merge_into(r, obj, merged, json_array_get(src, i), mark) < 0)
				return -1;
		}
		return 0;
	}
	if (!json_is_object(src))
		return error_at(r, *mark, "%s", "a merge key '<<' needs a map or a list of maps");
	json_object_foreach(src, k, v) {
		if (json_object_set(obj, k, v) < 0 || json_object_set(merged, k, json_true()) < 0)
			return error_at(r, *mark, "%s", "out of memory");
	}
	return 0;
}

static bool is_merge_key(const yaml_event_t *ev)
{
	const char *tag = (const char *)ev->data.scalar.tag;
	return ev->type == YAML_SCALAR_EVENT && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!tag || !strcmp(tag, "tag:yaml.org,2002:merge")) && ev->data.scalar.length == 2 &&
	       !memcmp(ev->data.scalar.value, "<<", 2);
}

/* One key and its value into obj; 1 at the end of the map, 0 to go on, -1 on error.
 * merged: the keys that came from '<<' and no explicit key has replaced yet. */
static int parse_map_entry(struct gt_yaml_reader *r, json_t *obj, size_t depth, json_t *merged)
{
	yaml_event_t kev, vev;
	if (next_event(r, &kev) < 0)
		return -1;
	if (kev.type == YAML_MAPPING_END_EVENT)
		return yaml_event_delete(&kev), 1;
	if (kev.type != YAML_SCALAR_EVENT) {
		error_at(r, kev.start_mark, "%s", "only scalar map keys can become JSON");
		return yaml_event_delete(&kev), -1;
	}
	bool merge = is_merge_key(&kev);
	char *key = merge ? NULL : key_string_dup(r, &kev);
	int ret = -1;
	if (!merge && !key)
		goto out;
	if (!merge && json_object_get(obj, key)) {
		if (!json_object_get(merged, key)) {
			error_at(r, kev.start_mark, "duplicate key '%s' in this map", key);
			goto out;
		}
		json_object_del(merged, key); /* replaced once; a second time is a duplicate */
	}
	if (next_event(r, &vev) < 0)
		goto out;
	json_t *v = parse_node(r, &vev, depth);
	if (v && merge) {
		ret = merge_into(r, obj, merged, v, &vev.start_mark);
		json_decref(v);
	} else if (v) {
		ret = json_object_set_new(obj, key, v) < 0 ? -1 : 0;
	}
	yaml_event_delete(&vev);
out:
	free(key);
	yaml_event_delete(&kev);
	return ret;
}

static json_t *parse_mapping(struct gt_yaml_reader *r, size_t depth)
{
	json_t *obj = json_object(), *merged = json_object();
	int st = obj && merged ? 0 : -1;
	while (st == 0)
		st = parse_map_entry(r, obj, depth, merged);
	json_decref(merged);
	if (st < 0) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* depth: the maps and lists around this node; a map or list is one level more. */
static json_t *parse_node(struct gt_yaml_reader *r, yaml_event_t *ev, size_t depth)
{
	json_t *v = NULL;
	const yaml_char_t *anchor = NULL;
	if ((ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT) &&
	    depth >= r->lim.max_depth) {
		depth_error(r, ev);
		return NULL;
	}
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return expand_alias(r, ev, depth);
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		v = scalar_value(r, ev);
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		v = parse_sequence(r, depth + 1);
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		v = parse_mapping(r, depth + 1);
		break;
	default:
		error_at(r, ev->start_mark, "%s", "unexpected YAML event");
		return NULL;
	}
	if (v && remember_anchor(r, anchor, v) < 0) {
		json_decref(v);
		error_at(r, ev->start_mark, "%s", "out of memory");
		return NULL;
	}
	return v;
}

/* After DOCUMENT_START: the root node and DOCUMENT_END. */
static int parse_document(struct gt_yaml_reader *r, json_t **doc)
{
	yaml_event_t ev;
	if (next_event(r, &ev) < 0)
		return -1;
	json_t *root = parse_node(r, &ev, 0);
	yaml_event_delete(&ev);
	if (!root)
		return -1;
	if (next_event(r, &ev) < 0) {
		json_decref(root);
		return -1;
	}
	yaml_event_delete(&ev); /* DOCUMENT_END */
	r->doc_start_bytes = r->bytes_read;
	*doc = root;
	return 1;
}

/* ---- the fast path's input, and the hand-over to libyaml ---- */

#define HAND_OVER 2

/* Bytes at the end of s[0..len) that start a UTF-8 sequence the data does not finish yet:
 * libyaml keeps them for the next read, which asks for that much less. */
static size_t utf8_tail(const unsigned char *s, size_t len)
{
	for (size_t k = 1; k <= 3 && k <= len; k++) {
		unsigned char c = s[len - k];
		if ((c & 0xC0) == 0x80)
			continue;
		size_t w = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
		return w > k ? k : 0;
	}
	return 0;
}

static size_t input_end(const struct fast_state *f)
{
	return f->base + f->len;
}

/* Drop window bytes that no hand-over can need: those before the last document's start. */
static void window_compact(struct fast_state *f)
{
	size_t keep = f->docs ? (f->prev_d < f->pos ? f->prev_d : f->pos) : 0;
	keep = keep > f->base + 4 ? keep - 4 : f->base;
	while (f->n_ends >= 2 && f->ends[1] <= keep) {
		memmove(f->ends, f->ends + 1, (f->n_ends - 1) * sizeof(*f->ends));
		f->n_ends--;
	}
	size_t drop = keep - f->base;
	if (drop < 65536 || drop < f->len / 2)
		return;
	memmove((char *)f->data, f->data + drop, f->len - drop);
	f->len -= drop;
	f->base += drop;
}

/* One read into the window, of the size libyaml would ask for; false at the end or on an error. */
static bool window_fill(struct gt_yaml_reader *r)
{
	struct fast_state *f = &r->fast;
	if (f->state != SRC_MORE)
		return false;
	size_t total = input_end(f);
	/* libyaml first reads until it has 3 bytes to see the encoding, then 16 KiB less
	 * what it keeps of an unfinished character. */
	size_t req = total < 3 ? RAW_CHUNK - total : RAW_CHUNK - utf8_tail((const unsigned char *)f->data, f->len);
	if (f->len + req > f->cap) {
		size_t cap = f->cap ? f->cap : 4 * RAW_CHUNK;
		while (cap < f->len + req)
			cap *= 2;
		char *d = realloc((char *)f->data, cap);
		if (!d)
			return false;
		f->data = d;
		f->cap = cap;
	}
	if (f->n_ends == f->cap_ends) {
		size_t cap = f->cap_ends ? f->cap_ends * 2 : 16;
		size_t *e = realloc(f->ends, cap * sizeof(*e));
		if (!e)
			return false;
		f->ends = e;
		f->cap_ends = cap;
	}
	size_t n = 0;
	int ok = raw_read(r, (unsigned char *)f->data + f->len, req, &n);
	if (!ok) {
		f->state = SRC_ERROR;
		return false;
	}
	if (n == 0) {
		f->state = SRC_EOF;
		return false;
	}
	f->len += n;
	f->ends[f->n_ends++] = input_end(f);
	return true;
}

/* The offset of the '\n' that ends the line at off, or the input's end; SIZE_MAX when the
 * window may not grow that far or a read failed (libyaml then meets it as it would). */
static size_t line_end(struct gt_yaml_reader *r, size_t off)
{
	struct fast_state *f = &r->fast;
	for (;;) {
		size_t end = input_end(f);
		if (off < end) {
			const char *nl = memchr(f->data + (off - f->base), '\n', end - off);
			if (nl)
				return f->base + (size_t)(nl - f->data);
			off = end;
		}
		if (f->state == SRC_EOF)
			return end;
		if (f->state == SRC_ERROR || end - f->pos > r->lim.max_doc_bytes + READ_AHEAD_SLACK + 4 * RAW_CHUNK ||
		    !window_fill(r)) {
			if (f->state == SRC_EOF)
				continue;
			return SIZE_MAX;
		}
	}
}

/* The window holds bytes up to upto, or all there are; false as line_end's SIZE_MAX. */
static bool need_bytes(struct gt_yaml_reader *r, size_t upto)
{
	struct fast_state *f = &r->fast;
	while (input_end(f) < upto && f->state == SRC_MORE) {
		if (input_end(f) - f->pos > r->lim.max_doc_bytes + READ_AHEAD_SLACK + 4 * RAW_CHUNK)
			return false;
		if (!window_fill(r) && f->state == SRC_ERROR)
			return false;
	}
	return f->state != SRC_ERROR || input_end(f) >= upto;
}

/* Scan the bytes up to upto (or the input's end) for what libyaml's reader refuses and what
 * the fast path does not take. */
static void check_bytes(struct fast_state *f, size_t upto)
{
	size_t end = input_end(f);
	if (upto > end)
		upto = end;
	if (f->bad != SIZE_MAX || f->checked >= upto)
		return;
	size_t odd;
	size_t at = f->base + gt_yaml_fast_scan_bytes(f->data, f->checked - f->base, upto - f->base, &odd);
	odd += f->base;
	if (odd < upto && f->odd == SIZE_MAX)
		f->odd = odd;
	if (at < upto) {
		/* A sequence cut by the window's end is not yet an error. */
		if (upto == end && f->state == SRC_MORE && end - at < 4) {
			f->checked = at;
			return;
		}
		f->bad = at;
	}
	f->checked = at;
}

static bool has_marker(const struct fast_state *f, size_t l)
{
	size_t end = input_end(f);
	if (l + 3 > end)
		return false;
	const char *s = f->data + (l - f->base);
	if (!((s[0] == '-' && s[1] == '-' && s[2] == '-') || (s[0] == '.' && s[1] == '.' && s[2] == '.')))
		return false;
	return l + 3 == end || s[3] == ' ' || s[3] == '\t' || s[3] == '\n';
}

/* From the end of a marker's three characters: only spaces and a comment to the line's end. */
static bool rest_is_blank(const struct fast_state *f, size_t off, size_t eol)
{
	while (off < eol && f->data[off - f->base] == ' ')
		off++;
	return off == eol || f->data[off - f->base] == '#';
}

static unsigned long count_lines(const struct fast_state *f, size_t from, size_t to)
{
	unsigned long n = 0;
	if (f->odd < to) {
		/* libyaml's line breaks: LF, CR LF, CR, NEL, LS, PS. */
		const unsigned char *u = (const unsigned char *)f->data + (from - f->base);
		to -= from;
		for (size_t i = 0; i < to; i++) {
			if (u[i] == '\n' || (u[i] == '\r' && !(i + 1 < to && u[i + 1] == '\n')))
				n++;
			else if (u[i] == 0xC2 && i + 1 < to && u[i + 1] == 0x85)
				n++;
			else if (u[i] == 0xE2 && i + 2 < to && u[i + 1] == 0x80 && (u[i + 2] == 0xA8 || u[i + 2] == 0xA9))
				n++;
		}
		return n;
	}
	const char *p = f->data + (from - f->base), *e = f->data + (to - f->base);
	while (p < e && (p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

/* The guard a libyaml-only reader puts on its reads (guarded_read): true when a read made
 * with bytes_read bytes read so far would be refused. */
static bool guard_refuses(struct gt_yaml_reader *r, size_t bytes_read)
{
	if (bytes_read < r->doc_start_bytes)
		return false;
	size_t used = bytes_read - r->doc_start_bytes;
	return used > READ_AHEAD_SLACK && used - READ_AHEAD_SLACK > r->lim.max_doc_bytes;
}

/* libyaml's read handler after a hand-over: the prefix, then the bytes from the document's
 * first line in reads that end where a libyaml-only reader's did, then the live input. */
static int replay_read(void *data, unsigned char *buf, size_t size, size_t *size_read)
{
	struct gt_yaml_reader *r = data;
	struct fast_state *f = &r->fast;
	size_t n;
	*size_read = 0;
	if (f->prefix_left) {
		n = size < f->prefix_left ? size : f->prefix_left;
		memcpy(buf, HANDOVER_PREFIX + (HANDOVER_PREFIX_LEN - f->prefix_left), n);
		f->prefix_left -= n;
		*size_read = n;
		return 1;
	}
	if (!f->own) {
		n = f->len - f->replay < size ? f->len - f->replay : size;
		if (f->first_end > f->replay && f->first_end - f->replay < n)
			n = f->first_end - f->replay;
		memcpy(buf, f->data + f->replay, n);
		f->replay += n;
		*size_read = n;
		return 1;
	}
	size_t end = input_end(f);
	if (f->replay < end) {
		size_t j = 0;
		while (j < f->n_ends && f->ends[j] <= f->replay)
			j++;
		size_t chunk_start = j ? f->ends[j - 1] : 0, chunk_end = j < f->n_ends ? f->ends[j] : end;
		if (guard_refuses(r, chunk_start)) {
			r->too_big = true;
			return 0;
		}
		n = chunk_end - f->replay < size ? chunk_end - f->replay : size;
		memcpy(buf, f->data + (f->replay - f->base), n);
		f->replay += n;
		r->bytes_read = f->replay;
		*size_read = n;
		return 1;
	}
	if (f->state == SRC_MORE)
		return guarded_read(r, buf, size, size_read);
	if (guard_refuses(r, r->bytes_read)) {
		r->too_big = true;
		return 0;
	}
	return f->state == SRC_EOF;
}

/* The end of libyaml's first read of a string that lies after off. */
static size_t string_read_end_after(const struct fast_state *f, size_t off)
{
	size_t e = 0, tail = 0;
	for (;;) {
		e = e + (RAW_CHUNK - tail) < f->len ? e + (RAW_CHUNK - tail) : f->len;
		if (e > off || e == f->len)
			return e;
		tail = utf8_tail((const unsigned char *)f->data, e);
	}
}

/* libyaml reads the rest of the stream, from the first line of the document the fast path
 * was not sure of. */
static int hand_over(struct gt_yaml_reader *r)
{
	struct fast_state *f = &r->fast;
	f->on = false;
	f->handed_over = true;
	f->replay = 0; /* bounded_next may have read some */
	f->prefix_left = 0;
	f->line_base = 0;
	if (f->docs == 0) {
		/* Nothing was read yet: exactly a libyaml-only reader. */
		if (f->own)
			yaml_parser_set_input(&r->parser, replay_read, r);
		else
			yaml_parser_set_input_string(&r->parser, (const unsigned char *)f->data, f->len);
		return 0;
	}
	f->prefix_left = HANDOVER_PREFIX_LEN;
	f->replay = f->pos;
	f->line_base = f->pos_line - 2; /* the prefix's two lines */
	f->byte_base = f->pos - HANDOVER_PREFIX_LEN;
	/* The size check of the next document's start counts from the last one's. */
	size_t chars = 0;
	for (size_t i = f->prev_d; i < f->pos; i++)
		chars += ((unsigned char)f->data[i - f->base] & 0xC0) != 0x80;
	r->doc_start = HANDOVER_PREFIX_LEN - chars;
	if (f->own) {
		/* What a libyaml-only reader had read when it returned the last document: up to
		 * the read that gave it the 4 characters at the token that ended it. */
		size_t dsb = input_end(f);
		for (size_t j = 0; j < f->n_ends; j++) {
			if (f->ends[j] >= f->prev_t + 4) {
				dsb = f->ends[j];
				break;
			}
		}
		r->doc_start_bytes = dsb;
		r->bytes_read = f->pos;
	} else {
		f->first_end = string_read_end_after(f, f->pos);
	}
	yaml_parser_set_input(&r->parser, replay_read, r);
	static const yaml_event_type_t prefix_events[] = { YAML_STREAM_START_EVENT, YAML_DOCUMENT_START_EVENT,
							   YAML_SCALAR_EVENT, YAML_DOCUMENT_END_EVENT };
	for (size_t i = 0; i < sizeof(prefix_events) / sizeof(prefix_events[0]); i++) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&r->parser, &ev))
			return parser_error(r);
		bool expected = ev.type == prefix_events[i];
		yaml_event_delete(&ev);
		if (!expected) {
			yaml_mark_t m = { 0, 0, 0 };
			return error_at(r, m, "%s", "internal error: the hand-over to libyaml failed");
		}
	}
	return 0;
}

/* Skip blank and comment lines (and, after a document, extra "..." lines) from f->pos;
 * *q: the first other line's start, or SIZE_MAX at the end. false: hand over. */
static bool find_content_line(struct gt_yaml_reader *r, size_t *q, unsigned long *q_line)
{
	struct fast_state *f = &r->fast;
	size_t p = f->pos;
	unsigned long pl = f->pos_line;
	for (;;) {
		size_t e = line_end(r, p);
		if (e == SIZE_MAX)
			return false;
		size_t i = p;
		while (i < e && f->data[i - f->base] == ' ')
			i++;
		bool skip = i == e || f->data[i - f->base] == '#';
		if (i < e && f->data[i - f->base] == '\t')
			return false;
		if (!skip && f->docs && i == p && has_marker(f, p) && f->data[p - f->base] == '.') {
			if (!rest_is_blank(f, p + 3, e))
				return false;
			skip = true;
		}
		if (!skip) {
			*q = p;
			*q_line = pl;
			return true;
		}
		if (e >= input_end(f)) {
			*q = SIZE_MAX;
			*q_line = pl;
			return true;
		}
		p = e + 1;
		pl++;
	}
}

/* The start of the next line at column 0 with a document marker after the line at q, or the
 * input's end; SIZE_MAX: hand over. */
static size_t find_doc_end(struct gt_yaml_reader *r, size_t q)
{
	struct fast_state *f = &r->fast;
	size_t e = line_end(r, q);
	while (e != SIZE_MAX && e < input_end(f)) {
		size_t l = e + 1;
		if (!need_bytes(r, l + 4))
			return SIZE_MAX;
		if (has_marker(f, l))
			return l;
		e = line_end(r, l);
	}
	return e;
}

/* The next document by the fast path: 1, 0 at the end, HAND_OVER. */
static int fast_next(struct gt_yaml_reader *r, json_t **doc, unsigned long *line)
{
	struct fast_state *f = &r->fast;
	size_t q;
	unsigned long q_line;
	f->bounded_end = SIZE_MAX;
	if (!find_content_line(r, &q, &q_line))
		return HAND_OVER;
	bool own = f->own;
	if (q == SIZE_MAX) {
		/* The stream's end: the checks libyaml makes at STREAM-END. */
		size_t total = input_end(f);
		check_bytes(f, total);
		if (f->bad != SIZE_MAX || f->odd < total)
			return HAND_OVER;
		if (f->docs ? total - f->prev_d > r->lim.max_doc_bytes : total > r->lim.max_doc_bytes)
			return HAND_OVER;
		if (own && (f->docs ? total - f->prev_t : total + 4) > r->lim.max_doc_bytes + READ_AHEAD_SLACK)
			return HAND_OVER;
		r->stream_ended = true;
		return 0;
	}
	/* The first bytes decide the encoding: not UTF-8, libyaml from the start. */
	check_bytes(f, q + 1);
	size_t qe = line_end(r, q);
	if (qe == SIZE_MAX)
		return HAND_OVER;
	size_t d, start;
	if (has_marker(f, q) && f->data[q - f->base] == '-') {
		if (!rest_is_blank(f, q + 3, qe))
			return HAND_OVER;
		d = q;
		start = qe < input_end(f) ? qe + 1 : qe;
	} else {
		if (f->docs || f->data[q - f->base] == '%' || has_marker(f, q))
			return HAND_OVER;
		d = q;
		while (f->data[d - f->base] == ' ')
			d++;
		start = q;
	}
	size_t n = find_doc_end(r, q);
	if (n == SIZE_MAX || !need_bytes(r, n + 4 + RAW_CHUNK))
		return HAND_OVER;
	check_bytes(f, n + 4 + RAW_CHUNK);
	if (f->bad != SIZE_MAX && f->bad < n + 4 + RAW_CHUNK)
		return HAND_OVER;
	/* The document-size checks libyaml's events would make, and the guard on reads. */
	if (d - f->prev_d > r->lim.max_doc_bytes || n - d > r->lim.max_doc_bytes)
		return HAND_OVER;
	if (own && (f->docs ? n - f->prev_t : n + 4) > r->lim.max_doc_bytes + READ_AHEAD_SLACK)
		return HAND_OVER;
	/* From here on libyaml may read this one document alone (bounded_next). */
	f->bounded_end = n;
	f->bounded_d = d;
	if (f->odd < n)
		return HAND_OVER;
	bool unsure;
	if (r->text_for) {
		/* as text, with a skeleton, when the caller wants it so (else read again as a tree) */
		json_t *skel = gt_yaml_fast_document_text(f->data, start - f->base, n - f->base, &r->lim, r->typing,
							  r->typing_set, &r->text, &unsure);
		if (skel && r->text_for(skel)) {
			*doc = skel;
			r->has_text = true;
		} else {
			json_decref(skel);
			drop_text(r);
		}
	}
	if (!*doc)
		*doc = gt_yaml_fast_document_typed(f->data, start - f->base, n - f->base, &r->lim, r->typing,
						   r->typing_set, &unsure);
	if (!*doc)
		return HAND_OVER;
	r->typed_keys = 0; /* (a key that is no text made it unsure) */
	unsigned long d_line = q_line;
	f->pos_line = q_line + count_lines(f, q, n);
	f->pos = n;
	f->prev_d = d;
	f->prev_t = n;
	f->docs++;
	fast_documents++;
	*line = d_line + 1 + r->line_offset;
	if (own)
		window_compact(f);
	return 1;
}

static int slow_next(struct gt_yaml_reader *r, json_t **doc, unsigned long *line);

/* libyaml's read handler for one document: the prefix, then its bytes alone. */
static int bounded_read(void *data, unsigned char *buf, size_t size, size_t *size_read)
{
	struct gt_yaml_reader *r = data;
	struct fast_state *f = &r->fast;
	size_t n;
	if (f->prefix_left) {
		n = size < f->prefix_left ? size : f->prefix_left;
		memcpy(buf, HANDOVER_PREFIX + (HANDOVER_PREFIX_LEN - f->prefix_left), n);
		f->prefix_left -= n;
	} else {
		n = f->bounded_end - f->replay < size ? f->bounded_end - f->replay : size;
		memcpy(buf, f->data + (f->replay - f->base), n);
		f->replay += n;
	}
	*size_read = n;
	return 1;
}

/*
 * The document fast_next found the bounds of but not the content of, read by libyaml from
 * those bytes alone, as after a hand-over. Taken only when libyaml gives exactly that one
 * document and then the end: what it gives then is what it gives reading on (a document
 * marker at column 0 ends everything that may be open, as the end does), and fast_next has
 * checked the limits and the bytes up to where a libyaml-only reader would read. Otherwise
 * (an error, another document) nothing is kept and the hand-over reads on from there.
 * 1 with the document, 0 to hand over.
 */
static int bounded_next(struct gt_yaml_reader *r, json_t **doc, unsigned long *line)
{
	struct fast_state *f = &r->fast;
	bool quiet = r->quiet;
	char error[sizeof(r->error)];
	memcpy(error, r->error, sizeof(error));
	r->quiet = true;
	f->replay = f->pos;
	f->prefix_left = f->docs ? HANDOVER_PREFIX_LEN : 0;
	f->line_base = f->docs ? f->pos_line - 2 : f->pos_line;
	r->doc_start = 0;
	if (f->docs) {
		size_t chars = 0;
		for (size_t i = f->prev_d; i < f->pos; i++)
			chars += ((unsigned char)f->data[i - f->base] & 0xC0) != 0x80;
		r->doc_start = HANDOVER_PREFIX_LEN - chars;
	}
	yaml_parser_set_input(&r->parser, bounded_read, r);
	bool ok = true;
	yaml_event_t ev;
	for (int i = 0; ok && f->docs && i < 4; i++) { /* the prefix's events */
		ok = yaml_parser_parse(&r->parser, &ev);
		if (ok)
			yaml_event_delete(&ev);
	}
	int st = ok ? slow_next(r, doc, line) : -1;
	ok = st == 1 && yaml_parser_parse(&r->parser, &ev);
	if (ok) {
		ok = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	/* A new parser for whoever reads next. */
	yaml_parser_delete(&r->parser);
	ok = yaml_parser_initialize(&r->parser) && ok;
	r->quiet = quiet;
	r->stream_ended = false;
	r->too_big = false;
	f->line_base = 0;
	if (!ok) {
		memcpy(r->error, error, sizeof(error));
		r->doc_start = 0; /* as new, for a hand-over from the stream's start */
		r->doc_start_bytes = r->bytes_read = 0;
		json_decref(*doc);
		*doc = NULL;
		return 0;
	}
	size_t n = f->bounded_end;
	f->pos_line += count_lines(f, f->pos, n);
	f->pos = n;
	f->prev_d = f->bounded_d;
	f->prev_t = n;
	f->docs++;
	if (f->own)
		window_compact(f);
	return 1;
}

int gt_yaml_next(struct gt_yaml_reader *r, json_t **doc, unsigned long *line)
{
	*doc = NULL;
	drop_text(r);
	if (r->stream_ended)
		return 0;
	if (r->fast.on) {
		int st = fast_next(r, doc, line);
		if (st != HAND_OVER)
			return st;
		if (r->fast.bounded_end != SIZE_MAX && bounded_next(r, doc, line) == 1)
			return 1;
		if (hand_over(r) < 0)
			return -1;
	}
	return slow_next(r, doc, line);
}

/* The next document from libyaml. */
static int slow_next(struct gt_yaml_reader *r, json_t **doc, unsigned long *line)
{
	yaml_event_t ev;
	for (;;) {
		if (next_event(r, &ev) < 0)
			return -1;
		if (ev.type == YAML_STREAM_START_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			r->stream_ended = true;
			return 0;
		}
		break;
	}
	/* DOCUMENT_START: anchors and the alias budget are per document. */
	forget_anchors(r);
	r->alias_nodes = 0;
	r->typed_keys = 0;
	r->doc_start = ev.start_mark.index;
	*line = ev.start_mark.line + 1 + r->line_offset + r->fast.line_base;
	yaml_event_delete(&ev);
	return parse_document(r, doc);
}

/* ---- emitter ---- */

static int emit_value(yaml_emitter_t *e, const json_t *v);

static int emit_scalar(yaml_emitter_t *e, const char *s, size_t len, yaml_scalar_style_t style)
{
	yaml_event_t ev;
	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)len, 1, 1, style))
		return -1;
	return yaml_emitter_emit(e, &ev) ? 0 : -1;
}

static yaml_scalar_style_t string_style(const char *s, size_t len)
{
	if (gt_yaml_string_needs_quotes(s, len))
		return YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	if (memchr(s, '\n', len))
		return YAML_LITERAL_SCALAR_STYLE; /* libyaml falls back to quotes where | cannot hold it */
	return YAML_ANY_SCALAR_STYLE;
}

static int emit_string(yaml_emitter_t *e, const char *s, size_t len)
{
	return emit_scalar(e, s, len, string_style(s, len));
}

static int emit_mapping(yaml_emitter_t *e, const json_t *v)
{
	yaml_event_t ev;
	const char *k;
	json_t *c;
	yaml_mapping_style_t style = json_object_size(v) ? YAML_BLOCK_MAPPING_STYLE : YAML_FLOW_MAPPING_STYLE;
	if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, style) || !yaml_emitter_emit(e, &ev))
		return -1;
	json_object_foreach((json_t *)v, k, c) {
		if (emit_string(e, k, strlen(k)) < 0 || emit_value(e, c) < 0)
			return -1;
	}
	return yaml_mapping_end_event_initialize(&ev) && yaml_emitter_emit(e, &ev) ? 0 : -1;
}

static int emit_sequence(yaml_emitter_t *e, const json_t *v)
{
	yaml_event_t ev;
	size_t i;
	json_t *c;
	yaml_sequence_style_t style = json_array_size(v) ? YAML_BLOCK_SEQUENCE_STYLE : YAML_FLOW_SEQUENCE_STYLE;
	if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, style) || !yaml_emitter_emit(e, &ev))
		return -1;
	json_array_foreach(v, i, c) {
		if (emit_value(e, c) < 0)
			return -1;
	}
	return yaml_sequence_end_event_initialize(&ev) && yaml_emitter_emit(e, &ev) ? 0 : -1;
}

static int emit_value(yaml_emitter_t *e, const json_t *v)
{
	char buf[40];
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return emit_mapping(e, v);
	case JSON_ARRAY:
		return emit_sequence(e, v);
	case JSON_STRING:
		return emit_string(e, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return emit_scalar(e, buf, strlen(buf), YAML_PLAIN_SCALAR_STYLE);
	case JSON_REAL:
		gt_json_format_real(json_real_value(v), buf);
		return emit_scalar(e, buf, strlen(buf), YAML_PLAIN_SCALAR_STYLE);
	case JSON_TRUE:
		return emit_scalar(e, "true", 4, YAML_PLAIN_SCALAR_STYLE);
	case JSON_FALSE:
		return emit_scalar(e, "false", 5, YAML_PLAIN_SCALAR_STYLE);
	case JSON_NULL:
		return emit_scalar(e, "null", 4, YAML_PLAIN_SCALAR_STYLE);
	}
	return -1;
}

static int emit_document(yaml_emitter_t *e, const json_t *doc)
{
	yaml_event_t ev;
	if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) || !yaml_emitter_emit(e, &ev))
		return -1;
	if (!yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) || !yaml_emitter_emit(e, &ev))
		return -1;
	if (emit_value(e, doc) < 0)
		return -1;
	if (!yaml_document_end_event_initialize(&ev, 1) || !yaml_emitter_emit(e, &ev))
		return -1;
	if (!yaml_stream_end_event_initialize(&ev) || !yaml_emitter_emit(e, &ev))
		return -1;
	return 0;
}

int gt_yaml_emit(FILE *out, const json_t *doc)
{
	yaml_emitter_t e;
	if (!yaml_emitter_initialize(&e))
		return -1;
	yaml_emitter_set_output_file(&e, out);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, -1); /* never fold long lines: diffs stay line-for-line */
	yaml_emitter_set_indent(&e, 2);
	int ret = emit_document(&e, doc);
	if (ret == 0 && !yaml_emitter_flush(&e))
		ret = -1;
	yaml_emitter_delete(&e);
	return ret < 0 || ferror(out) ? -1 : 0;
}
