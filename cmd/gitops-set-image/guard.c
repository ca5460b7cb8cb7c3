/* guard: is a new version older than the current one? (build ids and semver) */
#include "setimage.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Compare digit strings as numbers of any length (build ids may pass 64 bits). */
static int compare_numeric(const char *a, size_t la, const char *b, size_t lb)
{
	while (la > 1 && *a == '0')
		a++, la--;
	while (lb > 1 && *b == '0')
		b++, lb--;
	if (la != lb)
		return la < lb ? -1 : 1;
	int c = memcmp(a, b, la);
	return c < 0 ? -1 : c > 0;
}

struct semver {
	const char *core[3];
	size_t core_len[3];
	const char *pre; /* after '-', up to '+' or end; NULL if none */
	size_t pre_len;
};

/* v?MAJOR.MINOR.PATCH[-PRE][+BUILD]; false when s is not one. */
static bool parse_semver(const char *s, struct semver *v)
{
	memset(v, 0, sizeof(*v));
	if (*s == 'v' || *s == 'V')
		s++;
	for (int i = 0; i < 3; i++) {
		size_t n = strspn(s, "0123456789");
		if (n == 0)
			return false;
		v->core[i] = s;
		v->core_len[i] = n;
		s += n;
		if (i < 2 && *s++ != '.')
			return false;
	}
	if (*s == '-') {
		v->pre = ++s;
		v->pre_len = strcspn(s, "+");
		if (v->pre_len == 0)
			return false;
		s += v->pre_len;
	}
	if (*s == '+')
		s += strlen(s);
	return *s == '\0';
}

/* Semver 2.0 precedence of pre-release identifiers: numeric < alphanumeric, numbers by value. */
static int compare_prerelease(const char *a, size_t la, const char *b, size_t lb)
{
	while (la && lb) {
		size_t na = strcspn(a, ".+"), nb = strcspn(b, ".+");
		na = na > la ? la : na;
		nb = nb > lb ? lb : nb;
		bool da = strspn(a, "0123456789") >= na, db = strspn(b, "0123456789") >= nb;
		int c;
		if (da && db)
			c = compare_numeric(a, na, b, nb);
		else if (da != db)
			c = da ? -1 : 1;
		else {
			size_t n = na < nb ? na : nb;
			c = memcmp(a, b, n);
			c = c ? (c < 0 ? -1 : 1) : (na < nb ? -1 : na > nb);
		}
		if (c)
			return c;
		a += na, la -= na, b += nb, lb -= nb;
		if (la && *a == '.')
			a++, la--;
		if (lb && *b == '.')
			b++, lb--;
	}
	return la ? 1 : lb ? -1 : 0;
}

static int compare_semver(const struct semver *a, const struct semver *b)
{
	for (int i = 0; i < 3; i++) {
		int c = compare_numeric(a->core[i], a->core_len[i], b->core[i], b->core_len[i]);
		if (c)
			return c;
	}
	if (!a->pre || !b->pre)
		return a->pre ? -1 : b->pre ? 1 : 0; /* 1.0.0-rc1 < 1.0.0 */
	return compare_prerelease(a->pre, a->pre_len, b->pre, b->pre_len);
}

bool version_is_older(const char *new_value, const char *old_value)
{
	struct semver a, b;
	if (!new_value || !old_value)
		return false;
	if (all_digits(new_value) && all_digits(old_value))
		return compare_numeric(new_value, strlen(new_value), old_value, strlen(old_value)) < 0;
	if (parse_semver(new_value, &a) && parse_semver(old_value, &b))
		return compare_semver(&a, &b) < 0;
	return false; /* not comparable: latest, main-abc123, dates: no guard */
}
