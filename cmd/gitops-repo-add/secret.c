/* The Secret Argo CD reads for a repository or a credential template: its
 * name, its keys, and how a live one compares with what we would write. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "repoadd.h"

/* ---- the name: argocd repo add's RepoURLToSecretName ---- */

#define FNV32_OFFSET 2166136261u
#define FNV32_PRIME 16777619u

static uint32_t fnv1a32(uint32_t h, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * FNV32_PRIME;
	return h;
}

void secret_name(const struct repoadd_opts *o, char *buf, size_t size)
{
	/* URL as typed, then the project (a template: none); empty adds nothing. */
	uint32_t h = fnv1a32(FNV32_OFFSET, o->url);
	if (!o->creds && o->project)
		h = fnv1a32(h, o->project);
	snprintf(buf, size, "%s-%lu", o->creds ? "creds" : "repo", (unsigned long)h);
}

/* ---- Argo CD's keys (util/db/repository_secrets.go) ---- */

enum key_kind { KEY_STRING, KEY_BOOL, KEY_INT };

struct key {
	const char *name;
	enum key_kind kind;
	bool secret; /* masked wherever the Secret is shown */
};

static const struct key known_keys[] = {
	{ "url", KEY_STRING, false },
	{ "type", KEY_STRING, false },
	{ "name", KEY_STRING, false },
	{ "project", KEY_STRING, false },
	{ "username", KEY_STRING, false },
	{ "password", KEY_STRING, true },
	{ "bearerToken", KEY_STRING, true },
	{ "sshPrivateKey", KEY_STRING, true },
	{ "tlsClientCertData", KEY_STRING, false },
	{ "tlsClientCertKey", KEY_STRING, true },
	{ "githubAppPrivateKey", KEY_STRING, true },
	{ "githubAppEnterpriseBaseUrl", KEY_STRING, false },
	{ "gcpServiceAccountKey", KEY_STRING, true },
	{ "azureServicePrincipalClientId", KEY_STRING, false },
	{ "azureServicePrincipalClientID", KEY_STRING, false },
	{ "azureServicePrincipalClientSecret", KEY_STRING, true },
	{ "azureServicePrincipalTenantId", KEY_STRING, false },
	{ "azureServicePrincipalTenantID", KEY_STRING, false },
	{ "azureActiveDirectoryEndpoint", KEY_STRING, false },
	{ "proxy", KEY_STRING, false },
	{ "noProxy", KEY_STRING, false },
	{ "insecure", KEY_BOOL, false },
	{ "insecureIgnoreHostKey", KEY_BOOL, false },
	{ "enableLfs", KEY_BOOL, false },
	{ "forceHttpBasicAuth", KEY_BOOL, false },
	{ "enableOCI", KEY_BOOL, false },
	{ "insecureOCIForceHttp", KEY_BOOL, false },
	{ "useAzureWorkloadIdentity", KEY_BOOL, false },
	{ "webhookManifestCacheWarmDisabled", KEY_BOOL, false },
	{ "githubAppID", KEY_INT, false },
	{ "githubAppInstallationID", KEY_INT, false },
	{ "depth", KEY_INT, false },
};

static const struct key *key_find(const char *name)
{
	for (size_t i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++)
		if (!strcmp(known_keys[i].name, name))
			return &known_keys[i];
	return NULL;
}

static const char *zero_value(enum key_kind kind)
{
	return kind == KEY_BOOL ? "false" : kind == KEY_INT ? "0" : "";
}

/* Go's strconv.ParseBool, which Argo CD uses: 1 true, 0 false, -1 neither. */
static int parse_bool(const char *v)
{
	static const char *const t[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const f[] = { "0", "f", "F", "FALSE", "false", "False" };
	for (size_t i = 0; i < 6; i++) {
		if (!strcmp(v, t[i]))
			return 1;
		if (!strcmp(v, f[i]))
			return 0;
	}
	return -1;
}

/* The value as Argo CD understands it, in buf; NULL when it is the zero value (same as absent). */
static const char *meaning(const char *key, const char *v, char *buf, size_t size)
{
	const struct key *k = key_find(key);
	if (!v || !*v)
		return NULL;
	if (k && k->kind == KEY_BOOL && parse_bool(v) >= 0)
		return parse_bool(v) ? "true" : NULL;
	if (k && k->kind == KEY_INT) {
		char *end;
		long long n = strtoll(v, &end, 10);
		if (!*end) {
			snprintf(buf, size, "%lld", n);
			return n ? buf : NULL;
		}
	}
	return v;
}

static bool same_meaning(const char *key, const char *a, const char *b)
{
	char ba[32], bb[32];
	const char *ma = meaning(key, a, ba, sizeof(ba)), *mb = meaning(key, b, bb, sizeof(bb));
	return ma == mb || (ma && mb && !strcmp(ma, mb));
}

/* ---- building ---- */

static void put(json_t *data, const char *key, const char *value)
{
	if (value && *value)
		json_object_set_new(data, key, json_string(value));
}

static void put_flag(json_t *data, const char *key, bool on)
{
	if (on)
		json_object_set_new(data, key, json_string("true"));
}

/* Only the keys that are set, in the order a reader expects; a template lacks the repository-only ones. */
static json_t *string_data_new(const struct repoadd_opts *o)
{
	json_t *d = json_object();
	char depth[32];
	if (!d)
		return NULL;
	put(d, "url", o->url);
	put(d, "type", o->type);
	if (!o->creds) {
		put(d, "name", o->name);
		put(d, "project", o->project);
	}
	put(d, "username", o->username);
	put(d, "password", o->git.password);
	put(d, "sshPrivateKey", o->ssh_key);
	put(d, "tlsClientCertData", o->cert);
	put(d, "tlsClientCertKey", o->key);
	if (!o->creds) {
		put_flag(d, "insecure", o->insecure);
		put_flag(d, "enableLfs", o->lfs);
	}
	put_flag(d, "forceHttpBasicAuth", o->force_basic);
	put(d, "proxy", o->proxy);
	put(d, "noProxy", o->no_proxy);
	if (!o->creds && o->depth) {
		snprintf(depth, sizeof(depth), "%lu", o->depth);
		put(d, "depth", depth);
	}
	return d;
}

json_t *secret_new(const struct repoadd_opts *o, const char *name)
{
	json_t *data = string_data_new(o);
	json_t *s = data ? json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}, s:{s:s}}, s:o}", "apiVersion", "v1", "kind",
				     "Secret", "metadata", "name", name, "namespace", o->namespace, "labels",
				     SECRET_TYPE_LABEL, o->creds ? "repo-creds" : "repository", "annotations",
				     MANAGED_BY_ANNOTATION, MANAGED_BY_ARGOCD, "stringData", data)
			 : NULL;
	if (!s)
		gt_error("out of memory");
	return s;
}

json_t *secret_masked(const json_t *secret)
{
	json_t *copy = json_deep_copy(secret);
	json_t *data = json_object_get(copy, "stringData"), *v;
	const char *k;
	json_object_foreach(data, k, v) {
		const struct key *key = key_find(k);
		if (key && key->secret && json_string_length(v) > 0)
			json_string_set(v, "***");
	}
	return copy;
}

/* ---- comparing with a live Secret ---- */

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Standard base64 with padding, as the API server writes data; malloc'd, NULL if malformed. */
static char *b64_decode(const char *in, size_t *out_len)
{
	size_t n = strlen(in), end = n, k = 0;
	unsigned bits = 0, nbits = 0;
	if (n % 4)
		return NULL;
	for (int pad = 0; pad < 2 && end > 0 && in[end - 1] == '='; pad++)
		end--;
	char *out = malloc(n / 4 * 3 + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < end; i++) {
		int v = b64_value((unsigned char)in[i]);
		if (v < 0)
			return free(out), NULL;
		bits = (bits << 6) | (unsigned)v;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			out[k++] = (char)((bits >> nbits) & 0xff);
		}
	}
	out[k] = '\0';
	*out_len = k;
	return out;
}

json_t *secret_decode_data(const json_t *secret)
{
	json_t *map = json_object(), *v;
	const char *k;
	json_object_foreach(json_object_get(secret, "data"), k, v) {
		size_t len;
		char *plain = json_is_string(v) ? b64_decode(json_string_value(v), &len) : NULL;
		json_t *s = plain ? json_stringn(plain, len) : NULL;
		if (plain)
			memset(plain, 0, len), free(plain);
		if (!s)
			return json_decref(map), NULL;
		json_object_set_new(map, k, s);
	}
	return map;
}

/* A copy of map without the keys that mean the same on both sides ("false" and unset, say). */
static json_t *meaningful_new(const json_t *map, const json_t *other)
{
	json_t *copy = json_object(), *v;
	const char *k;
	json_object_foreach((json_t *)map, k, v)
		if (copy && !same_meaning(k, json_string_value(v), json_string_value(json_object_get(other, k))))
			json_object_set(copy, k, v);
	return copy;
}

char *secret_differences(const json_t *live, const json_t *want)
{
	const struct gt_diff_summary_opts so = { .values = false }; /* key names only: the values are credentials */
	json_t *l = meaningful_new(live, want), *w = meaningful_new(want, live);
	char *list = l && w ? gt_diff_summary_new(l, w, &so) : NULL;
	json_decref(l);
	json_decref(w);
	return list;
}

void secret_clear_stale(json_t *want, const json_t *live)
{
	json_t *data = json_object_get(want, "stringData"), *v;
	const char *k;
	json_object_foreach((json_t *)live, k, v) {
		const struct key *key = key_find(k);
		if (key && !json_object_get(data, k))
			json_object_set_new(data, k, json_string(zero_value(key->kind)));
	}
}
