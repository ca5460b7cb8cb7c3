/* test_json: numbers and strings written byte for byte as Go's encoding/json writes them,
 * so our JSON Lines compare equal to kubectl's and Argo CD's. */
#include "json.h"
#include "tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* gt_json_write of v into a new string; caller frees. */
static char *written(const json_t *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r = gt_json_write(f, v);
	fclose(f);
	if (r < 0) {
		free(buf);
		return strdup("(write failed)");
	}
	return buf;
}

static void check_real(double d, const char *want)
{
	char buf[32];
	is_str(gt_json_format_real(d, buf), want, "format_real %.17g -> %s", d, want);
}

static void check_string(const char *s, size_t len, const char *want, const char *what)
{
	json_t *v = json_stringn(s, len);
	char *got = written(v);
	is_str(got, want, "string: %s", what);
	free(got);
	json_decref(v);
}

static void test_format_real(void)
{
	/* Each expectation is what Go's json.Marshal(float64) prints. */
	static const struct { double d; const char *want; } table[] = {
		{ 80, "80" },
		{ 0.5, "0.5" },
		{ 3.14, "3.14" },
		{ -3.14, "-3.14" },
		{ 1e-7, "1e-7" },
		{ 1.5e-7, "1.5e-7" },
		{ -1e-7, "-1e-7" },
		{ 1e-10, "1e-10" },
		{ 5e-324, "5e-324" },
		{ 1e21, "1e+21" },
		{ 1e20, "100000000000000000000" },
		{ 123456.789, "123456.789" },
		{ 0.000001, "0.000001" },
		{ 0.0000012345, "0.0000012345" },
		{ 1.2345678901234568e+29, "1.2345678901234568e+29" },
		{ 1.7976931348623157e308, "1.7976931348623157e+308" },
		{ 0.1, "0.1" },
		{ 0.1 + 0.2, "0.30000000000000004" },
		{ 1e6, "1000000" },
		{ 1234567, "1234567" },
		{ 100, "100" },
		{ 2.5e15, "2500000000000000" },
		{ 9007199254740993.0, "9007199254740992" },
		{ 6.02e23, "6.02e+23" },
		{ 1.0 / 3.0, "0.3333333333333333" },
		{ 0, "0" },
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		check_real(table[i].d, table[i].want);
	check_real(-0.0, "-0");
}

static void test_write_numbers(void)
{
	json_t *v = json_pack("[f,f,f,I,I,i]", 80.0, 1e-7, 1e21, (json_int_t)9223372036854775807LL,
			      (json_int_t)(-9223372036854775807LL - 1), -5);
	char *got = written(v);
	is_str(got, "[80,1e-7,1e+21,9223372036854775807,-9223372036854775808,-5]",
	       "write: reals as Go writes them, 64-bit ints exact");
	free(got);
	json_decref(v);

	/* Found by fuzz_stream: Go's 10000000000000000000 for 1e19 is an integer past int64,
	 * which jansson refuses, so gitops-render | gitops-diff broke on a YAML 1e19. */
	v = json_pack("[f,f,f,f]", 1e19, -1e20, 9223372036854775808.0, 9.2233720368547748e18);
	got = written(v);
	is_str(got, "[1e+19,-1e+20,9.223372036854776e+18,9223372036854775000]",
	       "write: reals from 2^63 on in exponent form, below it as Go writes them");
	json_t *back = json_loads(got, 0, NULL);
	ok(back && json_real_value(json_array_get(back, 0)) == 1e19, "write: 1e19 reads back as itself");
	json_decref(back);
	free(got);
	json_decref(v);

	v = json_pack("{s:b,s:b,s:n}", "t", 1, "f", 0, "z");
	got = written(v);
	is_str(got, "{\"t\":true,\"f\":false,\"z\":null}", "write: true, false, null");
	free(got);
	json_decref(v);
}

static void test_write_strings(void)
{
	check_string("a\"b", 3, "\"a\\\"b\"", "double quote is escaped");
	check_string("a\\b", 3, "\"a\\\\b\"", "backslash is escaped");
	check_string("l1\nl2\r\t", 7, "\"l1\\nl2\\r\\t\"", "newline, CR and tab use short escapes");
	check_string("\x01\x1f", 2, "\"\\u0001\\u001f\"", "other control characters are \\u00XX");
	check_string("a\0b", 3, "\"a\\u0000b\"", "an embedded NUL survives as \\u0000");
	check_string("\x7f", 1, "\"\x7f\"", "DEL is not escaped (Go does not)");
	check_string("<a href='x'>&amp;</a>", 21, "\"<a href='x'>&amp;</a>\"", "no HTML escaping of < > &");
	check_string("x\xe2\x80\xa8y\xe2\x80\xa9z", 9, "\"x\\u2028y\\u2029z\"", "U+2028 and U+2029 are escaped");
	check_string("h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x9a\x80", 15, "\"h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x9a\x80\"",
		     "other UTF-8 is written raw");
	check_string("\xe2\x80\xa7\xe2\x80\xaa", 6, "\"\xe2\x80\xa7\xe2\x80\xaa\"", "U+2027 and U+202A are not escaped");
	check_string("", 0, "\"\"", "empty string");
	check_string("/", 1, "\"/\"", "slash is not escaped");
}

static void test_write_structure(void)
{
	json_t *v = json_object();
	json_object_set_new(v, "zeta", json_integer(1));
	json_object_set_new(v, "alpha", json_integer(2));
	json_object_set_new(v, "10", json_integer(3));
	json_object_set_new(v, "9", json_integer(4));
	json_object_set_new(v, "kind", json_string("ConfigMap"));
	char *got = written(v);
	is_str(got, "{\"zeta\":1,\"alpha\":2,\"10\":3,\"9\":4,\"kind\":\"ConfigMap\"}", "write: keys in insertion order");
	free(got);
	/* Replacing a value keeps the key where it was. */
	json_object_set_new(v, "alpha", json_string("two"));
	got = written(v);
	is_str(got, "{\"zeta\":1,\"alpha\":\"two\",\"10\":3,\"9\":4,\"kind\":\"ConfigMap\"}",
	       "write: a replaced value keeps its key's place");
	free(got);
	json_decref(v);

	v = json_pack("{s:{},s:[],s:[{s:[i,{}]}],s:{s:s}}", "empty", "list", "nested", "a", 1, "k\"ey", "v", "\n");
	got = written(v);
	is_str(got, "{\"empty\":{},\"list\":[],\"nested\":[{\"a\":[1,{}]}],\"k\\\"ey\":{\"v\":\"\\n\"}}",
	       "write: nested and empty containers, compact, keys escaped");
	free(got);
	json_decref(v);
}

static void test_write_error(void)
{
	/* A stream opened for reading fails every write: the error must be reported. */
	FILE *f = fopen("/dev/null", "r");
	json_t *v = json_pack("{s:s}", "a", "b");
	ok(f && gt_json_write(f, v) == -1, "write: a failing stream gives -1");
	if (f)
		fclose(f);
	json_decref(v);
}

int main(void)
{
	test_format_real();
	test_write_numbers();
	test_write_strings();
	test_write_structure();
	test_write_error();
	return tap_done();
}
