/* test_diff_summary: the one-line summary of what differs. */
#include "diff_summary.h"
#include "jlit.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

/* The summary of from -> to with opts; single quotes in the result read as double. */
static void summary_is(const char *from, const char *to, const struct gt_diff_summary_opts *o, const char *want,
		       const char *name)
{
	json_t *a = from ? J(from) : NULL, *b = to ? J(to) : NULL;
	char *got = gt_diff_summary_new(a, b, o);
	for (char *p = got; p && *p; p++)
		if (*p == '"')
			*p = '\'';
	is_str(got, want, "summary: %s", name);
	free(got);
	json_decref(a);
	json_decref(b);
}

static void test_summary(void)
{
	const struct gt_diff_summary_opts values = { .values = true }, names = { .values = false };
	summary_is("{'spec':{'a':1,'b':[1]}}", "{'spec':{'a':1.0,'b':[1]}}", &values, "", "equal (1 == 1.0): empty");
	summary_is("{'spec':{'destination':{'namespace':'prod','server':'s'}}}",
		   "{'spec':{'destination':{'namespace':'staging','server':'s'}}}", &values,
		   "spec.destination.namespace: 'prod' -> 'staging'", "a changed scalar, as a dotted path");
	summary_is("{'spec':{'syncPolicy':{'automated':{}}}}", "{'spec':{}}", &values, "spec.syncPolicy: {'automated':{}} -> unset",
		   "a field only on the from side: unset on the other");
	summary_is("{'m':{'labels':{}}}", "{'m':{'labels':{'app.kubernetes.io/name':'web','team':'a'}}}", &values,
		   "m.labels['app.kubernetes.io/name']: unset -> 'web'; m.labels.team: unset -> 'a'",
		   "keys with dots in brackets, to's keys in to's order");
	summary_is("{'b':2,'a':1}", "{'a':3}", &values, "a: 1 -> 3; b: 2 -> unset", "to's keys first, then the ones only from has");
	summary_is("{'s':[{'path':'x'},{'path':'y'}]}", "{'s':[{'path':'x'},{'path':'z'}]}", &values, "s[1].path: 'y' -> 'z'",
		   "arrays of one length: element by element");
	summary_is("{'o':['A']}", "{'o':['A','B']}", &values, "o: ['A'] -> ['A','B']", "arrays of another length: whole");
	summary_is("{'v':'0123456789012345678901234567890123456789xyz'}", "{'v':1}", &values,
		   "v: '012345678901234567890123456789012345678... -> 1", "a long value is cut");
	summary_is("{'v':'\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		   "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9'}", "{}", &values,
		   "v: '\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		   "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9... -> unset",
		   "a long value is cut between characters, not inside one");
	static const char *const secret_keys[] = { "values", "env", NULL };
	const struct gt_diff_summary_opts hide = { .values = true, .secret_keys = secret_keys };
	summary_is("{'helm':{'values':'password: hunter2','releaseName':'a'},'plugin':{'env':[{'name':'T','value':'s3cr3t'}]}}",
		   "{'helm':{'values':'password: swordfish','releaseName':'b'},'plugin':{'env':[{'name':'T','value':'n3w'}]}}", &hide,
		   "helm.values: changed; helm.releaseName: 'a' -> 'b'; plugin.env[0].value: changed", "secret keys: named, never shown");
	summary_is("{'x':{'values':'p'}}", "{'x':{}}", &hide, "x.values: removed", "a removed secret: removed");
	summary_is("{'password':'old','username':'u','url':'a'}", "{'url':'b','password':'new','username':'u','tlsClientCertKey':'k'}", &names,
		   "url, password, tlsClientCertKey", "names only: no value at all");
	const struct gt_diff_summary_opts two = { .values = true, .max = 2 };
	summary_is("{}", "{'a':1,'b':2,'c':3,'d':4}", &two, "a: unset -> 1; b: unset -> 2; and 2 more", "max: the rest counted");
	summary_is("1", "2", &values, ".: 1 -> 2", "the whole value: the path is .");
}

int main(void)
{
	test_summary();
	return tap_done();
}
