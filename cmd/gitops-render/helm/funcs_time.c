/* funcs_time: sprig's date functions on Go's time.Time (now, date, dateInZone, htmlDate,
 * dateModify, ago, toDate, unixEpoch, duration, durationRound), with Go's layout-by-example
 * formatting and parsing (time.Format, time.ParseInLocation), time.ParseDuration and
 * Duration.String. Time zones come from the system's zoneinfo files as Go reads them; a zone Go
 * would find elsewhere (ZONEINFO) is left to helm. now() is the real clock, or a fixed instant with
 * --deterministic. */
#define _GNU_SOURCE
#include "funcs.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#define NS_PER_S 1000000000LL

/* A location: UTC, Local, a named zone (a zoneinfo file), or a fixed offset with a name. */
enum loc_kind { LOC_UTC, LOC_LOCAL, LOC_FILE, LOC_FIXED };

struct gtime {
	int64_t sec; /* Unix seconds */
	int32_t nsec;
	enum loc_kind loc;
	char zone[128]; /* LOC_FILE: the file; LOC_FIXED: the zone's name */
	int fixed_off;
	bool has_mono;
	int64_t mono; /* ns since the process started (now() only) */
};

static const char *const month_names[] = { "January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December" };
static const char *const day_names[] = { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday" };

/* ---- zones ---- */

static bool is_tzif(const char *path)
{
	FILE *f = fopen(path, "rb");
	char m[4] = { 0 };
	bool ok = f && fread(m, 1, 4, f) == 4 && !memcmp(m, "TZif", 4);
	if (f)
		fclose(f);
	return ok;
}

/* Go's initLocal: which file Local reads, or "" for UTC. -1 when Go would read what this cannot. */
static int local_file(char *out, size_t n)
{
	const char *tz = getenv("TZ");
	*out = 0;
	if (!tz) {
		if (is_tzif("/etc/localtime"))
			snprintf(out, n, "/etc/localtime");
		return 0;
	}
	if (*tz == ':')
		tz++;
	if (!*tz || !strcmp(tz, "UTC"))
		return 0;
	if (*tz == '/') {
		if (is_tzif(tz))
			snprintf(out, n, "%s", tz);
		return 0;
	}
	if (getenv("ZONEINFO"))
		return -1;
	snprintf(out, n, "/usr/share/zoneinfo/%s", tz);
	if (strstr(tz, "..") || !is_tzif(out))
		return -1; /* Go looks in more places, then falls back to UTC */
	return 0;
}

/* The offset and abbreviation of a zoneinfo file at an instant (glibc reads the same file). */
static void file_zone(const char *file, int64_t sec, int *off, char *abbr, size_t an)
{
	char *saved = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	char spec[300];
	snprintf(spec, sizeof(spec), ":%s", file);
	setenv("TZ", spec, 1);
	tzset();
	time_t t = (time_t)sec;
	struct tm tm;
	if (localtime_r(&t, &tm)) {
		*off = (int)tm.tm_gmtoff;
		snprintf(abbr, an, "%s", tm.tm_zone ? tm.tm_zone : "");
	} else {
		*off = 0;
		snprintf(abbr, an, "UTC");
	}
	if (saved) {
		setenv("TZ", saved, 1);
		free(saved);
	} else {
		unsetenv("TZ");
	}
	tzset();
}

/* The zone of t at its instant: offset in seconds east of UTC and the abbreviation. */
static int zone_of(const struct gtime *t, int *off, char *abbr, size_t an)
{
	char file[300];
	switch (t->loc) {
	case LOC_UTC:
		*off = 0;
		snprintf(abbr, an, "UTC");
		return 0;
	case LOC_FIXED:
		*off = t->fixed_off;
		snprintf(abbr, an, "%s", t->zone);
		return 0;
	case LOC_FILE:
		file_zone(t->zone, t->sec, off, abbr, an);
		return 0;
	case LOC_LOCAL:
		if (local_file(file, sizeof(file)) < 0)
			return -1;
		if (!*file) {
			*off = 0;
			snprintf(abbr, an, "UTC");
			return 0;
		}
		file_zone(file, t->sec, off, abbr, an);
		return 0;
	}
	return -1;
}

/* time.LoadLocation(name) into t's location; an error there is UTC in sprig's dateInZone. */
static int load_location(struct gtime *t, const char *name)
{
	if (!*name || !strcmp(name, "UTC")) {
		t->loc = LOC_UTC;
		return 0;
	}
	if (!strcmp(name, "Local")) {
		t->loc = LOC_LOCAL;
		return 0;
	}
	if (strstr(name, "..") || *name == '/' || *name == '\\') {
		t->loc = LOC_UTC;
		return 0;
	}
	if (getenv("ZONEINFO") || strlen(name) > 90)
		return -1;
	/* Go's platformZoneSources, in its order; found nowhere, sprig uses UTC */
	static const char *const dirs[] = { "/usr/share/zoneinfo/", "/usr/share/lib/zoneinfo/", "/usr/lib/locale/TZ/",
		"/etc/zoneinfo/" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		snprintf(t->zone, sizeof(t->zone), "%s%s", dirs[i], name);
		struct stat st;
		if (stat(t->zone, &st) == 0) {
			if (!is_tzif(t->zone))
				return -1; /* Go's reading of a file that is not a zone */
			t->loc = LOC_FILE;
			return 0;
		}
	}
	t->loc = LOC_UTC;
	return 0;
}

/* ---- calendar ---- */

struct civil {
	int64_t year;
	int month, day, yday, wday, hour, min, sec;
};

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && ((a < 0) != (b < 0)));
}

/* days since 1970-01-01 to a civil date (Howard Hinnant's algorithm) */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yy + (*m <= 2);
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in(int m, int64_t y)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return d[m - 1] + (m == 2 && leap(y));
}

static void to_civil(int64_t local_sec, struct civil *c)
{
	int64_t days = floor_div(local_sec, 86400), rem = local_sec - days * 86400;
	civil_from_days(days, &c->year, &c->month, &c->day);
	c->hour = (int)(rem / 3600);
	c->min = (int)(rem % 3600 / 60);
	c->sec = (int)(rem % 60);
	c->wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
	c->yday = (int)(days - days_from_civil(c->year, 1, 1)) + 1;
}

/* ---- layouts ---- */

enum std {
	STD_NONE, STD_LONG_MONTH, STD_MONTH, STD_NUM_MONTH, STD_ZERO_MONTH, STD_LONG_WEEKDAY, STD_WEEKDAY, STD_DAY,
	STD_UNDER_DAY, STD_ZERO_DAY, STD_UNDER_YDAY, STD_ZERO_YDAY, STD_HOUR, STD_HOUR12, STD_ZERO_HOUR12, STD_MINUTE,
	STD_ZERO_MINUTE, STD_SECOND, STD_ZERO_SECOND, STD_LONG_YEAR, STD_YEAR, STD_PM, STD_pm, STD_TZ, STD_ISO_TZ,
	STD_ISO_SECONDS_TZ, STD_ISO_SHORT_TZ, STD_ISO_COLON_TZ, STD_ISO_COLON_SECONDS_TZ, STD_NUM_TZ,
	STD_NUM_SECONDS_TZ, STD_NUM_SHORT_TZ, STD_NUM_COLON_TZ, STD_NUM_COLON_SECONDS_TZ, STD_FRAC0, STD_FRAC9,
};

struct chunk {
	size_t prefix;   /* bytes of literal text before the element */
	enum std std;
	size_t len;      /* the element's length in the layout */
	int digits;      /* fractions: how many */
	char sep;        /* fractions: '.' or ',' */
};

static bool starts_lower(const char *s, size_t n)
{
	return n && s[0] >= 'a' && s[0] <= 'z';
}

static bool has(const char *s, size_t n, size_t i, const char *w)
{
	size_t k = strlen(w);
	return n >= i + k && !memcmp(s + i, w, k);
}

/* time.nextStdChunk */
static struct chunk next_chunk(const char *l, size_t n)
{
	static const enum std std0x[] = { STD_ZERO_MONTH, STD_ZERO_DAY, STD_ZERO_HOUR12, STD_ZERO_MINUTE,
		STD_ZERO_SECOND, STD_YEAR };
	for (size_t i = 0; i < n; i++) {
		struct chunk c = { i, STD_NONE, 0, 0, 0 };
		switch (l[i]) {
		case 'J':
			if (has(l, n, i, "Jan")) {
				if (has(l, n, i, "January"))
					return (c.std = STD_LONG_MONTH, c.len = 7, c);
				if (!starts_lower(l + i + 3, n - i - 3))
					return (c.std = STD_MONTH, c.len = 3, c);
			}
			break;
		case 'M':
			if (has(l, n, i, "Mon")) {
				if (has(l, n, i, "Monday"))
					return (c.std = STD_LONG_WEEKDAY, c.len = 6, c);
				if (!starts_lower(l + i + 3, n - i - 3))
					return (c.std = STD_WEEKDAY, c.len = 3, c);
			}
			if (has(l, n, i, "MST"))
				return (c.std = STD_TZ, c.len = 3, c);
			break;
		case '0':
			if (n >= i + 2 && l[i + 1] >= '1' && l[i + 1] <= '6')
				return (c.std = std0x[l[i + 1] - '1'], c.len = 2, c);
			if (has(l, n, i, "002"))
				return (c.std = STD_ZERO_YDAY, c.len = 3, c);
			break;
		case '1':
			if (n >= i + 2 && l[i + 1] == '5')
				return (c.std = STD_HOUR, c.len = 2, c);
			return (c.std = STD_NUM_MONTH, c.len = 1, c);
		case '2':
			if (has(l, n, i, "2006"))
				return (c.std = STD_LONG_YEAR, c.len = 4, c);
			return (c.std = STD_DAY, c.len = 1, c);
		case '_':
			if (n >= i + 2 && l[i + 1] == '2') {
				if (has(l, n, i + 1, "2006"))
					return (c.prefix = i + 1, c.std = STD_LONG_YEAR, c.len = 4, c);
				return (c.std = STD_UNDER_DAY, c.len = 2, c);
			}
			if (has(l, n, i, "__2"))
				return (c.std = STD_UNDER_YDAY, c.len = 3, c);
			break;
		case '3': return (c.std = STD_HOUR12, c.len = 1, c);
		case '4': return (c.std = STD_MINUTE, c.len = 1, c);
		case '5': return (c.std = STD_SECOND, c.len = 1, c);
		case 'P':
			if (n >= i + 2 && l[i + 1] == 'M')
				return (c.std = STD_PM, c.len = 2, c);
			break;
		case 'p':
			if (n >= i + 2 && l[i + 1] == 'm')
				return (c.std = STD_pm, c.len = 2, c);
			break;
		case '-':
			if (has(l, n, i, "-070000"))
				return (c.std = STD_NUM_SECONDS_TZ, c.len = 7, c);
			if (has(l, n, i, "-07:00:00"))
				return (c.std = STD_NUM_COLON_SECONDS_TZ, c.len = 9, c);
			if (has(l, n, i, "-0700"))
				return (c.std = STD_NUM_TZ, c.len = 5, c);
			if (has(l, n, i, "-07:00"))
				return (c.std = STD_NUM_COLON_TZ, c.len = 6, c);
			if (has(l, n, i, "-07"))
				return (c.std = STD_NUM_SHORT_TZ, c.len = 3, c);
			break;
		case 'Z':
			if (has(l, n, i, "Z070000"))
				return (c.std = STD_ISO_SECONDS_TZ, c.len = 7, c);
			if (has(l, n, i, "Z07:00:00"))
				return (c.std = STD_ISO_COLON_SECONDS_TZ, c.len = 9, c);
			if (has(l, n, i, "Z0700"))
				return (c.std = STD_ISO_TZ, c.len = 5, c);
			if (has(l, n, i, "Z07:00"))
				return (c.std = STD_ISO_COLON_TZ, c.len = 6, c);
			if (has(l, n, i, "Z07"))
				return (c.std = STD_ISO_SHORT_TZ, c.len = 3, c);
			break;
		case '.':
		case ',':
			if (i + 1 < n && (l[i + 1] == '0' || l[i + 1] == '9')) {
				char ch = l[i + 1];
				size_t j = i + 1;
				while (j < n && l[j] == ch)
					j++;
				if (!(j < n && l[j] >= '0' && l[j] <= '9')) {
					c.std = ch == '0' ? STD_FRAC0 : STD_FRAC9;
					c.len = j - i;
					c.digits = (int)(j - i - 1);
					c.sep = l[i];
					return c;
				}
			}
			break;
		}
	}
	return (struct chunk){ n, STD_NONE, 0, 0, 0 };
}

static void append_int(struct buf *b, int64_t x, int width)
{
	char t[32];
	uint64_t u = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
	if (x < 0)
		buf_addc(b, '-');
	int k = snprintf(t, sizeof(t), "%llu", (unsigned long long)u);
	for (; k < width; k++)
		buf_addc(b, '0');
	buf_adds(b, t);
}

static bool is_tz_std(enum std s)
{
	return s >= STD_ISO_TZ && s <= STD_NUM_COLON_SECONDS_TZ;
}

/* Time.Format; -1 for what this does not print like Go (more than 9 fraction digits). */
static int go_format(struct buf *b, const struct gtime *t, const char *l, size_t n)
{
	int off;
	char abbr[160];
	if (zone_of(t, &off, abbr, sizeof(abbr)) < 0)
		return -1;
	struct civil c;
	to_civil(t->sec + off, &c);
	while (n) {
		struct chunk ch = next_chunk(l, n);
		buf_add(b, l, ch.prefix);
		if (ch.std == STD_NONE)
			break;
		l += ch.prefix + ch.len;
		n -= ch.prefix + ch.len;
		int hr12 = c.hour % 12 ? c.hour % 12 : 12;
		switch (ch.std) {
		case STD_YEAR: append_int(b, (c.year < 0 ? -c.year : c.year) % 100, 2); break;
		case STD_LONG_YEAR: append_int(b, c.year, 4); break;
		case STD_MONTH: buf_add(b, month_names[c.month - 1], 3); break;
		case STD_LONG_MONTH: buf_adds(b, month_names[c.month - 1]); break;
		case STD_NUM_MONTH: append_int(b, c.month, 0); break;
		case STD_ZERO_MONTH: append_int(b, c.month, 2); break;
		case STD_WEEKDAY: buf_add(b, day_names[c.wday], 3); break;
		case STD_LONG_WEEKDAY: buf_adds(b, day_names[c.wday]); break;
		case STD_DAY: append_int(b, c.day, 0); break;
		case STD_UNDER_DAY:
			if (c.day < 10)
				buf_addc(b, ' ');
			append_int(b, c.day, 0);
			break;
		case STD_ZERO_DAY: append_int(b, c.day, 2); break;
		case STD_UNDER_YDAY:
			if (c.yday < 100) {
				buf_addc(b, ' ');
				if (c.yday < 10)
					buf_addc(b, ' ');
			}
			append_int(b, c.yday, 0);
			break;
		case STD_ZERO_YDAY: append_int(b, c.yday, 3); break;
		case STD_HOUR: append_int(b, c.hour, 2); break;
		case STD_HOUR12: append_int(b, hr12, 0); break;
		case STD_ZERO_HOUR12: append_int(b, hr12, 2); break;
		case STD_MINUTE: append_int(b, c.min, 0); break;
		case STD_ZERO_MINUTE: append_int(b, c.min, 2); break;
		case STD_SECOND: append_int(b, c.sec, 0); break;
		case STD_ZERO_SECOND: append_int(b, c.sec, 2); break;
		case STD_PM: buf_adds(b, c.hour >= 12 ? "PM" : "AM"); break;
		case STD_pm: buf_adds(b, c.hour >= 12 ? "pm" : "am"); break;
		case STD_TZ:
			if (*abbr) {
				buf_adds(b, abbr);
			} else {
				int z = off / 60;
				buf_addc(b, z < 0 ? '-' : '+');
				z = z < 0 ? -z : z;
				append_int(b, z / 60, 2);
				append_int(b, z % 60, 2);
			}
			break;
		case STD_FRAC0:
		case STD_FRAC9: {
			if (ch.digits > 9)
				return -1;
			bool trim = ch.std == STD_FRAC9;
			if (trim && (ch.digits == 0 || t->nsec == 0))
				break;
			char d[16];
			snprintf(d, sizeof(d), "%09d", t->nsec);
			size_t k = (size_t)ch.digits;
			if (trim)
				while (k && d[k - 1] == '0')
					k--;
			if (!k && trim)
				break;
			buf_addc(b, ch.sep);
			buf_add(b, d, k);
			break;
		}
		default: {
			enum std s = ch.std;
			bool iso = s >= STD_ISO_TZ && s <= STD_ISO_COLON_SECONDS_TZ;
			if (!is_tz_std(s))
				return -1;
			if (off == 0 && iso) {
				buf_addc(b, 'Z');
				break;
			}
			int z = off / 60, abs_off = off;
			if (z < 0) {
				buf_addc(b, '-');
				z = -z;
				abs_off = -abs_off;
			} else {
				buf_addc(b, '+');
			}
			append_int(b, z / 60, 2);
			if (s == STD_ISO_COLON_TZ || s == STD_NUM_COLON_TZ || s == STD_ISO_COLON_SECONDS_TZ ||
			    s == STD_NUM_COLON_SECONDS_TZ)
				buf_addc(b, ':');
			if (s != STD_NUM_SHORT_TZ && s != STD_ISO_SHORT_TZ)
				append_int(b, z % 60, 2);
			if (s == STD_ISO_SECONDS_TZ || s == STD_NUM_SECONDS_TZ || s == STD_NUM_COLON_SECONDS_TZ ||
			    s == STD_ISO_COLON_SECONDS_TZ) {
				if (s == STD_NUM_COLON_SECONDS_TZ || s == STD_ISO_COLON_SECONDS_TZ)
					buf_addc(b, ':');
				append_int(b, abs_off % 60, 2);
			}
		}
		}
	}
	return 0;
}

/* ---- parsing (time.ParseInLocation) ---- */

static bool digit_at(const char *s, size_t n, size_t i)
{
	return i < n && s[i] >= '0' && s[i] <= '9';
}

/* getnum: one or two digits (two when fixed) */
static int getnum(const char **s, size_t *n, bool fixed, int *out)
{
	if (!digit_at(*s, *n, 0))
		return -1;
	if (!digit_at(*s, *n, 1)) {
		if (fixed)
			return -1;
		*out = (*s)[0] - '0';
		(*s)++, (*n)--;
		return 0;
	}
	*out = ((*s)[0] - '0') * 10 + (*s)[1] - '0';
	*s += 2, *n -= 2;
	return 0;
}

static int lookup_name(const char **s, size_t *n, const char *const *names, size_t count, size_t len, int *out)
{
	for (size_t i = 0; i < count; i++) {
		size_t k = len ? len : strlen(names[i]);
		if (*n >= k && !strncasecmp(*s, names[i], k)) {
			*out = (int)i;
			*s += k, *n -= k;
			return 0;
		}
	}
	return -1;
}

static void cutspace(const char **s, size_t *n)
{
	while (*n && **s == ' ')
		(*s)++, (*n)--;
}

static int skip_prefix(const char **v, size_t *vn, const char *p, size_t pn)
{
	while (pn) {
		if (*p == ' ') {
			if (*vn && **v != ' ')
				return -1;
			cutspace(&p, &pn);
			cutspace(v, vn);
			continue;
		}
		if (!*vn || **v != *p)
			return -1;
		p++, pn--;
		(*v)++, (*vn)--;
	}
	return 0;
}

/* parseNanoseconds of value[0..nbytes) (a separator and digits) */
static int parse_nanos(const char *v, size_t nbytes, int *ns)
{
	if (v[0] != '.' && v[0] != ',')
		return -1;
	if (nbytes > 10)
		nbytes = 10;
	int x = 0;
	for (size_t i = 1; i < nbytes; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + v[i] - '0';
	}
	for (size_t i = nbytes; i < 10; i++)
		x *= 10;
	*ns = x;
	return 0;
}

/* 0 parsed, 1 Go's parse error (toDate: the zero time), -1 a layout this leaves to helm */
static int go_parse(const char *l, size_t ln, const char *v, size_t vn, struct gtime *out)
{
	int64_t year = 1;
	int month = -1, day = -1, hour = 0, min = 0, sec = 0, nsec = 0, zone_off = -1, junk;
	bool pm_set = false, am_set = false, utc = false;
	while (ln) {
		struct chunk ch = next_chunk(l, ln);
		if (skip_prefix(&v, &vn, l, ch.prefix) < 0)
			return 1;
		if (ch.std == STD_NONE)
			break;
		enum std std = ch.std;
		l += ch.prefix + ch.len;
		ln -= ch.prefix + ch.len;
		int r = 0, x;
		switch (std) {
		case STD_YEAR:
			if (vn < 2 || !digit_at(v, vn, 0) || !digit_at(v, vn, 1))
				return vn < 2 ? 1 : -1;
			x = (v[0] - '0') * 10 + v[1] - '0';
			year = x >= 69 ? 1900 + x : 2000 + x;
			v += 2, vn -= 2;
			break;
		case STD_LONG_YEAR:
			if (vn < 4 || !digit_at(v, vn, 0))
				return 1;
			for (int i = 1; i < 4; i++)
				if (!digit_at(v, vn, (size_t)i))
					return -1; /* atoi's other forms */
			year = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 + v[3] - '0';
			v += 4, vn -= 4;
			break;
		case STD_MONTH:
		case STD_LONG_MONTH:
			r = lookup_name(&v, &vn, month_names, 12, std == STD_MONTH ? 3 : 0, &month);
			month++;
			break;
		case STD_NUM_MONTH:
		case STD_ZERO_MONTH:
			r = getnum(&v, &vn, std == STD_ZERO_MONTH, &month);
			if (!r && (month <= 0 || month > 12))
				return 1;
			break;
		case STD_WEEKDAY:
		case STD_LONG_WEEKDAY:
			r = lookup_name(&v, &vn, day_names, 7, std == STD_WEEKDAY ? 3 : 0, &junk);
			break;
		case STD_DAY:
		case STD_UNDER_DAY:
		case STD_ZERO_DAY:
			if (std == STD_UNDER_DAY && vn && *v == ' ')
				v++, vn--;
			r = getnum(&v, &vn, std == STD_ZERO_DAY, &day);
			break;
		case STD_HOUR:
			r = getnum(&v, &vn, false, &hour);
			if (!r && hour >= 24)
				return 1;
			break;
		case STD_HOUR12:
		case STD_ZERO_HOUR12:
			r = getnum(&v, &vn, std == STD_ZERO_HOUR12, &hour);
			if (!r && hour > 12)
				return 1;
			break;
		case STD_MINUTE:
		case STD_ZERO_MINUTE:
			r = getnum(&v, &vn, std == STD_ZERO_MINUTE, &min);
			if (!r && min >= 60)
				return 1;
			break;
		case STD_SECOND:
		case STD_ZERO_SECOND:
			r = getnum(&v, &vn, std == STD_ZERO_SECOND, &sec);
			if (r)
				break;
			if (sec >= 60)
				return 1;
			if (vn >= 2 && (v[0] == '.' || v[0] == ',') && digit_at(v, vn, 1)) {
				struct chunk nx = next_chunk(l, ln);
				if (nx.std == STD_FRAC0 || nx.std == STD_FRAC9)
					break;
				size_t k = 2;
				while (digit_at(v, vn, k))
					k++;
				if (parse_nanos(v, k, &nsec) < 0)
					return 1;
				v += k, vn -= k;
			}
			break;
		case STD_PM:
		case STD_pm:
			if (vn < 2)
				return 1;
			if (!strncmp(v, std == STD_PM ? "PM" : "pm", 2))
				pm_set = true;
			else if (!strncmp(v, std == STD_PM ? "AM" : "am", 2))
				am_set = true;
			else
				return 1;
			v += 2, vn -= 2;
			break;
		case STD_FRAC0: {
			size_t nd = 1 + (size_t)ch.digits;
			if (vn < nd)
				return 1;
			if (parse_nanos(v, nd, &nsec) < 0)
				return 1;
			v += nd, vn -= nd;
			break;
		}
		case STD_FRAC9: {
			if (vn < 2 || (v[0] != '.' && v[0] != ',') || !digit_at(v, vn, 1))
				break;
			size_t i = 0;
			while (digit_at(v, vn, i + 1))
				i++;
			if (parse_nanos(v, 1 + i, &nsec) < 0)
				return 1;
			v += 1 + i, vn -= 1 + i;
			break;
		}
		case STD_TZ:
		case STD_UNDER_YDAY:
		case STD_ZERO_YDAY:
			return -1;
		default: {
			bool iso = std >= STD_ISO_TZ && std <= STD_ISO_COLON_SECONDS_TZ;
			if (iso && vn && *v == 'Z') {
				v++, vn--;
				utc = true;
				break;
			}
			const char *h, *m = "00", *s = "00";
			char sign;
			if (std == STD_ISO_COLON_TZ || std == STD_NUM_COLON_TZ) {
				if (vn < 6 || v[3] != ':')
					return 1;
				sign = v[0], h = v + 1, m = v + 4;
				v += 6, vn -= 6;
			} else if (std == STD_NUM_SHORT_TZ || std == STD_ISO_SHORT_TZ) {
				if (vn < 3)
					return 1;
				sign = v[0], h = v + 1;
				v += 3, vn -= 3;
			} else if (std == STD_ISO_COLON_SECONDS_TZ || std == STD_NUM_COLON_SECONDS_TZ) {
				if (vn < 9 || v[3] != ':' || v[6] != ':')
					return 1;
				sign = v[0], h = v + 1, m = v + 4, s = v + 7;
				v += 9, vn -= 9;
			} else if (std == STD_ISO_SECONDS_TZ || std == STD_NUM_SECONDS_TZ) {
				if (vn < 7)
					return 1;
				sign = v[0], h = v + 1, m = v + 3, s = v + 5;
				v += 7, vn -= 7;
			} else {
				if (vn < 5)
					return 1;
				sign = v[0], h = v + 1, m = v + 3;
				v += 5, vn -= 5;
			}
			int hh, mm, ss;
			const char *p;
			size_t pn;
			if ((p = h, pn = 2, getnum(&p, &pn, true, &hh)) < 0 || (p = m, pn = 2, getnum(&p, &pn, true, &mm)) < 0 ||
			    (p = s, pn = 2, getnum(&p, &pn, true, &ss)) < 0)
				return 1;
			if (hh > 24 || mm > 60 || ss > 60)
				return 1;
			zone_off = (hh * 60 + mm) * 60 + ss;
			if (sign == '-')
				zone_off = -zone_off;
			else if (sign != '+')
				return 1;
		}
		}
		if (r < 0)
			return 1;
	}
	if (vn)
		return 1;
	if (pm_set && hour < 12)
		hour += 12;
	else if (am_set && hour == 12)
		hour = 0;
	if (month < 0)
		month = 1;
	if (day < 0)
		day = 1;
	if (day < 1 || day > days_in(month, year))
		return 1;
	int64_t wall = days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec;
	memset(out, 0, sizeof(*out));
	out->nsec = nsec;
	if (utc) {
		out->loc = LOC_UTC;
		out->sec = wall;
		return 0;
	}
	if (zone_off != -1) {
		out->sec = wall - zone_off;
		out->loc = LOC_LOCAL;
		int loff;
		char abbr[160];
		if (zone_of(out, &loff, abbr, sizeof(abbr)) < 0)
			return -1;
		if (loff != zone_off) {
			out->loc = LOC_FIXED;
			out->fixed_off = zone_off;
			out->zone[0] = 0;
		}
		return 0;
	}
	/* a wall time in Local: the offset that applies at that wall time */
	out->loc = LOC_LOCAL;
	out->sec = wall;
	int loff;
	char abbr[160];
	if (zone_of(out, &loff, abbr, sizeof(abbr)) < 0)
		return -1;
	out->sec = wall - loff;
	int loff2;
	if (zone_of(out, &loff2, abbr, sizeof(abbr)) < 0 || loff2 != loff)
		return -1; /* a wall time at a zone transition: Go's rule is subtle */
	return 0;
}

/* ---- values ---- */

static const char *loc_field(const struct gtime *t, char *buf, size_t n)
{
	switch (t->loc) {
	case LOC_UTC: return "U";
	case LOC_LOCAL: return "L";
	case LOC_FILE: snprintf(buf, n, "N%s", t->zone); return buf;
	case LOC_FIXED: snprintf(buf, n, "F%d %s", t->fixed_off, t->zone); return buf;
	}
	return "U";
}

static struct hv time_value(struct exec *x, const struct gtime *t);

static bool time_of(struct hv v, struct gtime *t)
{
	if (v.k != HV_OBJ || strcmp(v.u.o->type, "time.Time") || v.u.o->n < 4)
		return false;
	memset(t, 0, sizeof(*t));
	t->sec = v.u.o->f[0].val.u.i;
	t->nsec = (int32_t)v.u.o->f[1].val.u.i;
	const char *loc = hv_s(v.u.o->f[2].val);
	switch (loc[0]) {
	case 'U': t->loc = LOC_UTC; break;
	case 'L': t->loc = LOC_LOCAL; break;
	case 'N': t->loc = LOC_FILE; snprintf(t->zone, sizeof(t->zone), "%s", loc + 1); break;
	default: {
		t->loc = LOC_FIXED;
		char *sp;
		t->fixed_off = (int)strtol(loc + 1, &sp, 10);
		snprintf(t->zone, sizeof(t->zone), "%s", *sp ? sp + 1 : "");
	}
	}
	t->mono = v.u.o->f[3].val.u.i;
	t->has_mono = t->mono >= 0;
	return true;
}

/* Duration.String */
static void duration_string(struct buf *b, int64_t d)
{
	char arr[40];
	int w = sizeof(arr);
	uint64_t u = d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d;
	int prec = 9;
	bool small = u < (uint64_t)NS_PER_S;
	arr[--w] = 's';
	if (small) {
		if (u == 0) {
			buf_adds(b, "0s");
			return;
		}
		if (u < 1000) {
			prec = 0;
			arr[--w] = 'n';
		} else if (u < 1000000) {
			prec = 3;
			w -= 2;
			memcpy(arr + w, "\xc2\xb5", 2);
		} else {
			prec = 6;
			arr[--w] = 'm';
		}
	}
	bool print = false;
	for (int i = 0; i < prec; i++) {
		int digit = (int)(u % 10);
		print = print || digit;
		if (print)
			arr[--w] = (char)('0' + digit);
		u /= 10;
	}
	if (print)
		arr[--w] = '.';
	if (small) {
		do {
			arr[--w] = (char)('0' + u % 10);
			u /= 10;
		} while (u);
	} else {
		uint64_t s = u % 60;
		do {
			arr[--w] = (char)('0' + s % 10);
			s /= 10;
		} while (s);
		u /= 60;
		if (u) {
			arr[--w] = 'm';
			uint64_t m = u % 60;
			do {
				arr[--w] = (char)('0' + m % 10);
				m /= 10;
			} while (m);
			u /= 60;
			if (u) {
				arr[--w] = 'h';
				do {
					arr[--w] = (char)('0' + u % 10);
					u /= 10;
				} while (u);
			}
		}
	}
	if (d < 0)
		arr[--w] = '-';
	buf_add(b, arr + w, sizeof(arr) - (size_t)w);
}

/* time.ParseDuration: 0 with *d, -1 on Go's error */
static int parse_duration(const char *s, size_t n, int64_t *d)
{
	uint64_t total = 0;
	bool neg = false;
	const uint64_t max = (uint64_t)1 << 63;
	if (n && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		s++, n--;
	}
	if (n == 1 && s[0] == '0') {
		*d = 0;
		return 0;
	}
	if (!n)
		return -1;
	while (n) {
		uint64_t v = 0, f = 0;
		double scale = 1;
		if (!(s[0] == '.' || (s[0] >= '0' && s[0] <= '9')))
			return -1;
		size_t i = 0;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			if (v > max / 10)
				return -1;
			v = v * 10 + (uint64_t)(s[i] - '0');
			if (v > max)
				return -1;
		}
		bool pre = i > 0, post = false;
		s += i, n -= i;
		if (n && s[0] == '.') {
			s++, n--;
			bool over = false;
			for (i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
				if (over)
					continue;
				if (f > (max - 1) / 10) {
					over = true;
					continue;
				}
				uint64_t y = f * 10 + (uint64_t)(s[i] - '0');
				if (y > max) {
					over = true;
					continue;
				}
				f = y;
				scale *= 10;
			}
			post = i > 0;
			s += i, n -= i;
		}
		if (!pre && !post)
			return -1;
		for (i = 0; i < n && s[i] != '.' && !(s[i] >= '0' && s[i] <= '9'); i++)
			;
		if (!i)
			return -1;
		static const struct { const char *u; uint64_t ns; } units[] = { { "ns", 1 }, { "us", 1000 },
			{ "\xc2\xb5s", 1000 }, { "\xce\xbcs", 1000 }, { "ms", 1000000 }, { "s", 1000000000ULL },
			{ "m", 60000000000ULL }, { "h", 3600000000000ULL } };
		uint64_t unit = 0;
		for (size_t k = 0; k < sizeof(units) / sizeof(*units); k++)
			if (strlen(units[k].u) == i && !memcmp(units[k].u, s, i))
				unit = units[k].ns;
		if (!unit)
			return -1;
		s += i, n -= i;
		if (v > max / unit)
			return -1;
		v *= unit;
		if (f > 0) {
			v += (uint64_t)((double)f * ((double)unit / scale));
			if (v > max)
				return -1;
		}
		total += v;
		if (total > max)
			return -1;
	}
	if (neg) {
		*d = (int64_t)((uint64_t)0 - total);
		return 0;
	}
	if (total > max - 1)
		return -1;
	*d = (int64_t)total;
	return 0;
}

/* the process's monotonic clock, from its start */
static int64_t mono_now(void)
{
	static int64_t start = -1;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t now = (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
	if (start < 0)
		start = now - 1000000; /* Go's runtime started a little before the template ran */
	return now - start;
}

static void go_now(struct exec *x, struct gtime *t)
{
	memset(t, 0, sizeof(*t));
	t->loc = LOC_LOCAL;
	if (x->rc->o->deterministic) {
		t->sec = 1767225600; /* 2026-01-01T00:00:00Z: the same in every run, for tests */
		t->has_mono = false;
		t->mono = -1;
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	t->sec = ts.tv_sec;
	t->nsec = (int32_t)ts.tv_nsec;
	t->has_mono = true;
	t->mono = mono_now();
}

/* Time.String: the layout "2006-01-02 15:04:05.999999999 -0700 MST", and m=±s.ns when monotonic */
static int time_string(struct buf *b, const struct gtime *t)
{
	static const char layout[] = "2006-01-02 15:04:05.999999999 -0700 MST";
	if (go_format(b, t, layout, sizeof(layout) - 1) < 0)
		return -1;
	if (t->has_mono)
		buf_printf(b, " m=%c%lld.%09lld", t->mono < 0 ? '-' : '+', (long long)(llabs(t->mono) / NS_PER_S),
			   (long long)(llabs(t->mono) % NS_PER_S));
	return 0;
}

static struct hv time_value(struct exec *x, const struct gtime *t)
{
	struct buf s = { 0 }, j = { 0 };
	char lb[200];
	static const char rfc3339nano[] = "2006-01-02T15:04:05.999999999Z07:00";
	if (time_string(&s, t) < 0 || go_format(&j, t, rfc3339nano, sizeof(rfc3339nano) - 1) < 0 || s.oom || j.oom) {
		buf_free(&s);
		buf_free(&j);
		exec_unsupported(x, "a time this engine cannot print");
		return HV_NIL_V;
	}
	struct hobj *o = hobj_new("time.Time", "struct", false, 6);
	if (!o) {
		buf_free(&s);
		buf_free(&j);
		oom(x);
		return HV_NIL_V;
	}
	o->f[0] = (struct hfield){ " wall", NULL, false, hv_int64(t->sec) };
	o->f[1] = (struct hfield){ " nsec", NULL, false, hv_int64(t->nsec) };
	o->f[2] = (struct hfield){ " loc", NULL, false, hv_str(loc_field(t, lb, sizeof(lb))) };
	o->f[3] = (struct hfield){ " mono", NULL, false, hv_int64(t->has_mono ? t->mono : -1) };
	o->f[4] = (struct hfield){ " string", NULL, false, hv_strn(s.p ? s.p : "", s.n) };
	o->f[5] = (struct hfield){ " json", NULL, false, hv_strn(j.p ? j.p : "", j.n) };
	buf_free(&s);
	buf_free(&j);
	for (int i = 0; i < 6; i++)
		if (o->f[i].val.k == HV_NIL) {
			hv_unref(hv_obj(o));
			oom(x);
			return HV_NIL_V;
		}
	o->stringer = hv_s(o->f[4].val);
	o->json_str = hv_s(o->f[5].val);
	return hv_obj(o);
}

static int ret_time(struct exec *x, struct hv *out, const struct gtime *t)
{
	*out = time_value(x, t);
	return out->k == HV_OBJ ? 0 : -2;
}

static int ret_buf(struct exec *x, struct hv *out, struct buf *b)
{
	if (b->oom) {
		buf_free(b);
		return oom(x);
	}
	*out = hv_strn(b->p ? b->p : "", b->n);
	buf_free(b);
	return out->k == HV_STRING ? 0 : oom(x);
}

/* sprig's switch on the date argument: time.Time, *time.Time, int64, int, int32; else now */
static void date_arg(struct exec *x, struct hv v, struct gtime *t)
{
	if (time_of(v, t))
		return;
	if (v.k == HV_INT && (v.go == GO_PLAIN || v.go == GO_INT64)) {
		memset(t, 0, sizeof(*t));
		/* beyond ±2^52 s Go's calendar arithmetic wraps; here it would overflow */
		if (v.u.i > ((int64_t)1 << 52) || v.u.i < -((int64_t)1 << 52)) {
			t->sec = INT64_MIN;
			return;
		}
		t->sec = v.u.i;
		t->loc = LOC_LOCAL;
		t->mono = -1;
		return;
	}
	go_now(x, t);
}

static int date_in_zone(struct exec *x, struct hv fmt, struct hv date, const char *zone, struct hv *out)
{
	struct gtime t;
	date_arg(x, date, &t);
	if (t.sec == INT64_MIN) {
		exec_unsupported(x, "a date this far from 1970");
		return -2;
	}
	if (load_location(&t, zone) < 0) {
		exec_unsupported(x, "the time zone %s (Go may find it where this engine does not look)", zone);
		return -2;
	}
	struct buf b = { 0 };
	if (go_format(&b, &t, hv_s(fmt), hv_len_s(fmt)) < 0) {
		buf_free(&b);
		exec_unsupported(x, "a date layout this engine does not print as Go");
		return -2;
	}
	return ret_buf(x, out, &b);
}

FN(fn_now)
{
	(void)a;
	(void)n;
	struct gtime t;
	go_now(x, &t);
	return ret_time(x, out, &t);
}

FN(fn_date)
{
	(void)n;
	return date_in_zone(x, a[0], a[1], "Local", out);
}

FN(fn_dateinzone)
{
	(void)n;
	return date_in_zone(x, a[0], a[1], hv_s(a[2]), out);
}

FN(fn_htmldate)
{
	(void)n;
	struct hv f = hv_str("2006-01-02");
	int r = date_in_zone(x, f, a[0], "Local", out);
	hv_unref(f);
	return r;
}

FN(fn_htmldateinzone)
{
	(void)n;
	struct hv f = hv_str("2006-01-02");
	int r = date_in_zone(x, f, a[0], hv_s(a[1]), out);
	hv_unref(f);
	return r;
}

static int need_time(struct exec *x, struct hv v, struct gtime *t)
{
	if (time_of(v, t))
		return 0;
	/* text/template's conversion error for a time.Time parameter */
	exec_unsupported(x, "%s of a value that is not a time.Time", x->fname ? x->fname : "a date function");
	return -2;
}

static int date_modify(struct exec *x, struct hv *a, struct hv *out, bool must)
{
	struct gtime t;
	int64_t d;
	if (need_time(x, a[1], &t) < 0)
		return -2;
	if (parse_duration(hv_s(a[0]), hv_len_s(a[0]), &d) < 0) {
		if (must) {
			exec_unsupported(x, "mustDateModify of a duration Go refuses (helm words the error)");
			return -2;
		}
		return ret_time(x, out, &t);
	}
	int64_t ns = (int64_t)t.nsec + d % NS_PER_S;
	t.sec += d / NS_PER_S + floor_div(ns, NS_PER_S);
	t.nsec = (int32_t)(ns - floor_div(ns, NS_PER_S) * NS_PER_S);
	if (t.has_mono)
		t.mono += d;
	return ret_time(x, out, &t);
}

FN(fn_datemodify)
{
	(void)n;
	return date_modify(x, a, out, false);
}

FN(fn_mustdatemodify)
{
	(void)n;
	return date_modify(x, a, out, true);
}

/* time.Since(t): with both monotonic readings when t has one */
static int64_t since(struct exec *x, const struct gtime *t)
{
	struct gtime now;
	go_now(x, &now);
	if (t->has_mono && now.has_mono)
		return now.mono - t->mono;
	/* Time.Sub saturates at the Duration's range (292 years) */
	__int128 d = ((__int128)now.sec - t->sec) * NS_PER_S + (now.nsec - t->nsec);
	return d > INT64_MAX ? INT64_MAX : d < INT64_MIN ? INT64_MIN : (int64_t)d;
}

FN(fn_ago)
{
	(void)n;
	struct gtime t;
	date_arg(x, a[0], &t);
	if (t.sec == INT64_MIN) {
		exec_unsupported(x, "a date this far from 1970");
		return -2;
	}
	int64_t d = since(x, &t), m = NS_PER_S, r = d % m;
	/* Duration.Round(time.Second) */
	if (d < 0) {
		r = -r;
		if ((uint64_t)r + (uint64_t)r < (uint64_t)m)
			d += r;
		else
			d = d < INT64_MIN + (m - r) ? INT64_MIN : d - (m - r);
	} else {
		if ((uint64_t)r + (uint64_t)r < (uint64_t)m)
			d -= r;
		else
			d = d > INT64_MAX - (m - r) ? INT64_MAX : d + (m - r);
	}
	struct buf b = { 0 };
	duration_string(&b, d);
	return ret_buf(x, out, &b);
}

FN(fn_duration)
{
	(void)n;
	int64_t v = 0;
	if (hv_is_str(a[0])) {
		char *end;
		errno = 0;
		long long p = strtoll(hv_s(a[0]), &end, 10);
		const char *s = hv_s(a[0]);
		bool ok = *s && !*end && !errno && !(*s == ' ' || *s == '\t' || *s == '\n');
		v = ok ? p : 0;
		if (!ok && errno == ERANGE)
			v = 0;
	} else if (a[0].k == HV_INT && a[0].go == GO_INT64) {
		v = a[0].u.i;
	}
	struct buf b = { 0 };
	duration_string(&b, (int64_t)((uint64_t)v * (uint64_t)NS_PER_S));
	return ret_buf(x, out, &b);
}

FN(fn_durationround)
{
	(void)n;
	int64_t d = 0;
	struct gtime t;
	if (hv_is_str(a[0])) {
		if (parse_duration(hv_s(a[0]), hv_len_s(a[0]), &d) < 0)
			d = 0;
	} else if (a[0].k == HV_INT && a[0].go == GO_INT64) {
		d = a[0].u.i;
	} else if (time_of(a[0], &t)) {
		d = since(x, &t);
	}
	uint64_t u = d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d;
	const uint64_t hour = 3600ULL * NS_PER_S;
	static const struct { uint64_t mul; const char *unit; } steps[] = { { 24 * 365, "y" }, { 24 * 30, "mo" },
		{ 24, "d" } };
	struct buf b = { 0 };
	for (size_t i = 0; i < 3; i++)
		if (u > hour * steps[i].mul) {
			buf_printf(&b, "%llu%s", (unsigned long long)(u / (hour * steps[i].mul)), steps[i].unit);
			return ret_buf(x, out, &b);
		}
	if (u > hour)
		buf_printf(&b, "%lluh", (unsigned long long)(u / hour));
	else if (u > 60ULL * NS_PER_S)
		buf_printf(&b, "%llum", (unsigned long long)(u / (60ULL * NS_PER_S)));
	else if (u > (uint64_t)NS_PER_S)
		buf_printf(&b, "%llus", (unsigned long long)(u / NS_PER_S));
	else
		buf_adds(&b, "0s");
	return ret_buf(x, out, &b);
}

static int to_date(struct exec *x, struct hv *a, struct hv *out, bool must)
{
	struct gtime t;
	int r = go_parse(hv_s(a[0]), hv_len_s(a[0]), hv_s(a[1]), hv_len_s(a[1]), &t);
	if (r < 0 || (r > 0 && must)) {
		exec_unsupported(x, r < 0 ? "a date layout this engine does not parse as Go" :
					    "mustToDate of a date Go refuses (helm words the error)");
		return -2;
	}
	if (r > 0) { /* the zero time.Time: January 1, year 1, 00:00:00 UTC */
		memset(&t, 0, sizeof(t));
		t.sec = days_from_civil(1, 1, 1) * 86400;
		t.loc = LOC_UTC;
		t.mono = -1;
	}
	t.has_mono = false;
	t.mono = -1;
	return ret_time(x, out, &t);
}

FN(fn_todate)
{
	(void)n;
	return to_date(x, a, out, false);
}

FN(fn_musttodate)
{
	(void)n;
	return to_date(x, a, out, true);
}

FN(fn_unixepoch)
{
	(void)n;
	struct gtime t;
	if (need_time(x, a[0], &t) < 0)
		return -2;
	struct buf b = { 0 };
	buf_printf(&b, "%lld", (long long)t.sec);
	return ret_buf(x, out, &b);
}
