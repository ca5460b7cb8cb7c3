/* funcs_crypto: sprig's hashes, random strings, UUIDs, keys and certificates (crypto.go), with
 * OpenSSL for hashing (sha256sum: common/sha256.c), keys and X.509, zlib for adler32 and
 * libxcrypt for bcrypt. Random by default, as helm; --deterministic fixes the random strings (not
 * the keys) for tests. */
#define _GNU_SOURCE
#include "funcs.h"

#include <crypt.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <zlib.h>

#include "sha256.h"

uint64_t rng_next(struct render_ctx *rc)
{
	if (!rc->o->deterministic) {
		uint64_t v;
		if (getrandom(&v, sizeof(v), 0) == (ssize_t)sizeof(v))
			return v;
	}
	/* xorshift64*: a fixed sequence for tests */
	if (!rc->rng)
		rc->rng = 0x9e3779b97f4a7c15ull;
	rc->rng ^= rc->rng >> 12;
	rc->rng ^= rc->rng << 25;
	rc->rng ^= rc->rng >> 27;
	return rc->rng * 0x2545f4914f6cdd1dull;
}

static int hex_digest(struct exec *x, struct hv *out, const EVP_MD *md, struct hv s)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	char hex[EVP_MAX_MD_SIZE * 2 + 1];
	if (!EVP_Digest(s.u.s->s, s.u.s->len, d, &len, md, NULL))
		return oom(x);
	for (unsigned i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return ret(x, out, hv_strn(hex, 2 * len));
}

FN(fn_sha1sum) { (void)n; return hex_digest(x, out, EVP_sha1(), a[0]); }
/* common/sha256.c, not OpenSSL: a checksum/config annotation, in nearly every bitnami-style chart,
 * would load libcrypto for it (3.4 MiB of the process's 6.7 MiB peak) */
FN(fn_sha256sum)
{
	char hex[2 * GT_SHA256_LEN + 1];
	(void)n;
	gt_sha256_hex(a[0].u.s->s, a[0].u.s->len, hex);
	return ret(x, out, hv_strn(hex, 2 * GT_SHA256_LEN));
}
FN(fn_sha512sum) { (void)n; return hex_digest(x, out, EVP_sha512(), a[0]); }

FN(fn_adler32sum)
{
	(void)n;
	char s[16];
	uLong v = adler32(adler32(0L, Z_NULL, 0), (const Bytef *)a[0].u.s->s, (uInt)a[0].u.s->len);
	snprintf(s, sizeof(s), "%lu", (unsigned long)v);
	return ret(x, out, hv_str(s));
}

/* goutils.CryptoRandom over a set of characters */
static int rand_from(struct exec *x, struct hv *out, int64_t count, const char *set)
{
	if (count < 0)
		return fn_error(x, "Requested random string length %lld is less than 0.", (long long)count);
	if (count > 1 << 20) {
		exec_unsupported(x, "a random string of more than 1 MiB");
		return -2;
	}
	size_t m = strlen(set);
	struct hv s = hv_strn("", 0);
	char *buf = malloc((size_t)count + 1);
	if (!buf || s.k != HV_STRING) {
		free(buf);
		hv_unref(s);
		return oom(x);
	}
	for (int64_t i = 0; i < count; i++)
		buf[i] = set[rng_next(x->rc) % m];
	hv_unref(s);
	s = hv_strn(buf, (size_t)count);
	free(buf);
	return ret(x, out, s);
}

#define ALPHA "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#define DIGITS "0123456789"
FN(fn_randalphanum) { (void)n; return rand_from(x, out, a[0].u.i, ALPHA DIGITS); }
FN(fn_randalpha) { (void)n; return rand_from(x, out, a[0].u.i, ALPHA); }
FN(fn_randnumeric) { (void)n; return rand_from(x, out, a[0].u.i, DIGITS); }
FN(fn_randascii)
{
	(void)n;
	char set[96];
	for (int c = 32; c < 127; c++)
		set[c - 32] = (char)c;
	set[95] = '\0';
	return rand_from(x, out, a[0].u.i, set);
}

FN(fn_randbytes)
{
	(void)n;
	if (a[0].u.i < 0 || a[0].u.i > 1 << 20) {
		exec_unsupported(x, "randBytes of this size");
		return -2;
	}
	unsigned char *b = malloc((size_t)a[0].u.i + 1);
	if (!b)
		return oom(x);
	for (int64_t i = 0; i < a[0].u.i; i++)
		b[i] = (unsigned char)rng_next(x->rc);
	struct buf enc = { 0 };
	base64_encode(&enc, b, (size_t)a[0].u.i);
	free(b);
	struct hv s = hv_strn(enc.p ? enc.p : "", enc.n);
	buf_free(&enc);
	return ret(x, out, s);
}

/* xstrings.Shuffle: the runes in a random order (math/rand there: no two runs agree anyway) */
FN(fn_shuffle)
{
	(void)n;
	const unsigned char *s = (const unsigned char *)a[0].u.s->s;
	size_t len = a[0].u.s->len, nr = 0;
	size_t *start = malloc((len + 1) * sizeof(*start));
	if (!start)
		return oom(x);
	for (size_t i = 0; i < len;) {
		size_t k = s[i] < 0x80 ? 1 : s[i] >= 0xc2 && s[i] < 0xe0 ? 2 : s[i] >= 0xe0 && s[i] < 0xf0 ? 3 : s[i] >= 0xf0 && s[i] <= 0xf4 ? 4 : 0;
		bool ok = k && i + k <= len;
		for (size_t j = 1; ok && j < k; j++)
			ok = (s[i + j] & 0xc0) == 0x80;
		if (!ok) {
			free(start);
			exec_unsupported(x, "shuffle of text that is not UTF-8 (Go writes U+FFFD)");
			return -2;
		}
		start[nr++] = i;
		i += k;
	}
	start[nr] = len;
	size_t *order = malloc((nr + 1) * sizeof(*order));
	struct buf b = { 0 };
	if (!order) {
		free(start);
		return oom(x);
	}
	for (size_t i = 0; i < nr; i++)
		order[i] = i;
	for (size_t i = nr; i-- > 1;) {
		size_t j = (size_t)(rng_next(x->rc) % (i + 1)), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	buf_add(&b, "", 0);
	for (size_t i = 0; i < nr; i++)
		buf_add(&b, (const char *)s + start[order[i]], start[order[i] + 1] - start[order[i]]);
	free(order);
	free(start);
	if (b.oom) {
		buf_free(&b);
		return oom(x);
	}
	struct hv v = hv_strn(b.p, b.n);
	buf_free(&b);
	return ret(x, out, v);
}

/* ---- derivePassword: the Master Password algorithm (masterpasswordapp.com/algorithm.html), as
 * sprig has it: scrypt(password, seed + len(user) + user, N 32768, r 8, p 2) as the key of an
 * HMAC-SHA256 of seed + len(site) + site + counter; its first byte picks the type's template, the
 * next ones a character of each template class. Lengths and the counter are 32-bit big-endian. */

static const char mpw_seed[] = "com.lyndir.masterpassword";

static const char *mpw_class(char c)
{
	switch (c) {
	case 'V': return "AEIOU";
	case 'C': return "BCDFGHJKLMNPQRSTVWXYZ";
	case 'v': return "aeiou";
	case 'c': return "bcdfghjklmnpqrstvwxyz";
	case 'A': return "AEIOUBCDFGHJKLMNPQRSTVWXYZ";
	case 'a': return "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
	case 'n': return "0123456789";
	case 'o': return "@&%?,=[]_:-+*$#!'^~;()/.";
	case 'x': return "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()";
	default: return NULL;
	}
}

/* the templates of a password type, NULL-terminated; NULL for a type sprig does not know */
static const char *const *mpw_templates(const char *type)
{
	static const char *const maximum[] = { "anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno", NULL };
	static const char *const lng[] = { "CvcvnoCvcvCvcv", "CvcvCvcvnoCvcv", "CvcvCvcvCvcvno", "CvccnoCvcvCvcv",
					   "CvccCvcvnoCvcv", "CvccCvcvCvcvno", "CvcvnoCvccCvcv", "CvcvCvccnoCvcv",
					   "CvcvCvccCvcvno", "CvcvnoCvcvCvcc", "CvcvCvcvnoCvcc", "CvcvCvcvCvccno",
					   "CvccnoCvccCvcv", "CvccCvccnoCvcv", "CvccCvccCvcvno", "CvcvnoCvccCvcc",
					   "CvcvCvccnoCvcc", "CvcvCvccCvccno", "CvccnoCvcvCvcc", "CvccCvcvnoCvcc",
					   "CvccCvcvCvccno", NULL };
	static const char *const medium[] = { "CvcnoCvc", "CvcCvcno", NULL };
	static const char *const shrt[] = { "Cvcn", NULL };
	static const char *const basic[] = { "aaanaaan", "aannaaan", "aaannaaa", NULL };
	static const char *const pin[] = { "nnnn", NULL };
	static const struct { const char *name; const char *const *t; } types[] = {
		{ "maximum", maximum }, { "long", lng }, { "medium", medium },
		{ "short", shrt },      { "basic", basic }, { "pin", pin },
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++)
		if (!strcmp(types[i].name, type))
			return types[i].t;
	return NULL;
}

static void put_be32(struct buf *b, uint32_t v)
{
	for (int s = 24; s >= 0; s -= 8)
		buf_addc(b, (char)(v >> s & 0xff));
}

FN(fn_derivepassword)
{
	(void)n;
	int64_t counter = a[0].u.i;
	const char *type = hv_s(a[1]);
	if (counter < 0 || counter > 0xffffffffLL)
		return exec_unsupported(x, "derivePassword with a counter outside uint32"), -2;
	const char *const *templates = mpw_templates(type);
	if (!templates || strlen(type) != hv_len_s(a[1])) {
		struct buf m = { 0 };
		buf_adds(&m, "cannot find password template ");
		buf_add(&m, type, hv_len_s(a[1]));
		struct hv v = hv_strn(m.p ? m.p : "", m.n);
		buf_free(&m);
		return ret(x, out, v);
	}
	struct buf salt = { 0 }, msg = { 0 };
	buf_adds(&salt, mpw_seed);
	put_be32(&salt, (uint32_t)hv_len_s(a[3]));
	buf_add(&salt, hv_s(a[3]), hv_len_s(a[3]));
	buf_adds(&msg, mpw_seed);
	put_be32(&msg, (uint32_t)hv_len_s(a[4]));
	buf_add(&msg, hv_s(a[4]), hv_len_s(a[4]));
	put_be32(&msg, (uint32_t)counter);
	unsigned char key[64], seed[EVP_MAX_MD_SIZE];
	unsigned seed_len = 0;
	/* scrypt with these costs needs 32 MiB (128 * r * N): above OpenSSL's default limit */
	int ok = !salt.oom && !msg.oom &&
		 EVP_PBE_scrypt(hv_s(a[2]), hv_len_s(a[2]), (const unsigned char *)salt.p, salt.n, 32768, 8, 2,
				64u << 20, key, sizeof(key)) == 1 &&
		 HMAC(EVP_sha256(), key, sizeof(key), (const unsigned char *)msg.p, msg.n, seed, &seed_len) != NULL;
	buf_free(&salt);
	buf_free(&msg);
	OPENSSL_cleanse(key, sizeof(key));
	if (!ok)
		return exec_unsupported(x, "derivePassword: scrypt failed here"), -2;
	size_t nt = 0;
	while (templates[nt])
		nt++;
	const char *t = templates[seed[0] % nt];
	char pw[32];
	size_t len = strlen(t);
	for (size_t i = 0; i < len && i + 1 < seed_len; i++) {
		const char *cls = mpw_class(t[i]);
		pw[i] = cls[seed[i + 1] % strlen(cls)];
	}
	return ret(x, out, hv_strn(pw, len));
}

/* ---- encryptAES, decryptAES: AES-256-CBC, the key the password's first 32 bytes (zero-padded),
 * PKCS#7 padding, a random IV before the ciphertext, all in standard base64 (sprig's) ---- */

static int aes_cbc(const char *password, size_t plen, const unsigned char *iv, const unsigned char *in, size_t n,
		   unsigned char *out, int enc)
{
	unsigned char key[32] = { 0 };
	memcpy(key, password, plen < 32 ? plen : 32);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0;
	int ok = c && EVP_CipherInit_ex(c, EVP_aes_256_cbc(), NULL, key, iv, enc) == 1 &&
		 EVP_CIPHER_CTX_set_padding(c, 0) == 1 && EVP_CipherUpdate(c, out, &l1, in, (int)n) == 1 &&
		 EVP_CipherFinal_ex(c, out + l1, &l2) == 1 && (size_t)(l1 + l2) == n;
	EVP_CIPHER_CTX_free(c);
	OPENSSL_cleanse(key, sizeof(key));
	return ok ? 0 : -1;
}

FN(fn_encryptaes)
{
	(void)n;
	size_t len = hv_len_s(a[1]);
	if (len == 0)
		return ret(x, out, hv_str(""));
	if (len > (1u << 30))
		return exec_unsupported(x, "encryptAES of more than 1 GiB"), -2;
	size_t pad = 16 - len % 16, total = 16 + len + pad;
	unsigned char *buf = malloc(2 * total);
	if (!buf)
		return oom(x);
	unsigned char *plain = buf + total;
	for (int i = 0; i < 16; i += 8) {
		uint64_t v = rng_next(x->rc); /* the IV: random, or fixed with --deterministic */
		memcpy(buf + i, &v, 8);
	}
	memcpy(plain, hv_s(a[1]), len);
	memset(plain + len, (int)pad, pad);
	if (aes_cbc(hv_s(a[0]), hv_len_s(a[0]), buf, plain, len + pad, buf + 16, 1) < 0) {
		free(buf);
		return exec_unsupported(x, "encryptAES: the cipher failed here"), -2;
	}
	struct buf b = { 0 };
	base64_encode(&b, buf, total);
	free(buf);
	if (b.oom) {
		buf_free(&b);
		return oom(x);
	}
	struct hv v = hv_strn(b.p ? b.p : "", b.n);
	buf_free(&b);
	return ret(x, out, v);
}

FN(fn_decryptaes)
{
	(void)n;
	if (hv_len_s(a[1]) == 0)
		return ret(x, out, hv_str(""));
	struct buf c = { 0 };
	long bad = base64_decode(&c, hv_s(a[1]), hv_len_s(a[1]));
	/* what sprig does not check makes Go panic or return an error: helm words those */
	if (bad >= 0 || c.oom || c.n < 32 || c.n % 16) {
		buf_free(&c);
		return exec_unsupported(x, "decryptAES of a text that is not base64 of whole AES blocks"), -2;
	}
	size_t len = c.n - 16;
	unsigned char *plain = malloc(len);
	if (!plain) {
		buf_free(&c);
		return oom(x);
	}
	int r = aes_cbc(hv_s(a[0]), hv_len_s(a[0]), (unsigned char *)c.p, (unsigned char *)c.p + 16, len, plain, 0);
	buf_free(&c);
	size_t pad = r == 0 ? plain[len - 1] : 0;
	if (r < 0 || pad > len) {
		free(plain);
		return exec_unsupported(x, "decryptAES with a padding Go would slice past"), -2;
	}
	struct hv v = hv_strn((const char *)plain, len - pad); /* the padding is not checked, as sprig */
	free(plain);
	return ret(x, out, v);
}

FN(fn_uuidv4)
{
	(void)a, (void)n;
	unsigned char u[16];
	for (int i = 0; i < 16; i += 8) {
		uint64_t v = rng_next(x->rc);
		memcpy(u + i, &v, 8);
	}
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	char s[37];
	snprintf(s, sizeof(s), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2],
		 u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
	return ret(x, out, hv_str(s));
}

/* Go's bcrypt.GenerateFromPassword(cost 10): $2a$10$... */
static int bcrypt_hash(struct exec *x, const char *pw, struct buf *b)
{
	char salt_rand[16];
	for (int i = 0; i < 16; i += 8) {
		uint64_t v = rng_next(x->rc);
		memcpy(salt_rand + i, &v, 8);
	}
	char *setting = crypt_gensalt_ra("$2a$", 10, salt_rand, sizeof(salt_rand));
	if (!setting)
		return oom(x);
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	char *h = cd ? crypt_r(pw, setting, cd) : NULL;
	free(setting);
	if (!h || h[0] == '*') {
		free(cd);
		exec_unsupported(x, "bcrypt of this password");
		return -2;
	}
	buf_adds(b, h);
	free(cd);
	return 0;
}

FN(fn_bcrypt)
{
	(void)n;
	struct buf b = { 0 };
	int r = bcrypt_hash(x, a[0].u.s->s, &b);
	if (r < 0)
		return buf_free(&b), r;
	struct hv s = hv_strn(b.p, b.n);
	buf_free(&b);
	return ret(x, out, s);
}

FN(fn_htpasswd)
{
	(void)n;
	struct buf b = { 0 };
	if (strchr(a[0].u.s->s, ':')) {
		buf_printf(&b, "invalid username: %s", a[0].u.s->s);
	} else {
		buf_printf(&b, "%s:", a[0].u.s->s);
		int r = bcrypt_hash(x, a[1].u.s->s, &b);
		if (r < 0)
			return buf_free(&b), r;
	}
	struct hv s = hv_strn(b.p, b.n);
	buf_free(&b);
	return ret(x, out, s);
}

/* ---- keys and certificates ---- */

static EVP_PKEY *rsa_key(int bits)
{
	return EVP_RSA_gen((unsigned)bits);
}

/* PEM of a private key in Go's forms: RSA PRIVATE KEY (PKCS#1), EC PRIVATE KEY, PRIVATE KEY (PKCS#8). */
static char *key_pem(EVP_PKEY *k)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int ok = 0;
	if (!bio)
		return NULL;
	int id = EVP_PKEY_get_base_id(k);
	if (id == EVP_PKEY_RSA || id == EVP_PKEY_EC)
		ok = PEM_write_bio_PrivateKey_traditional(bio, k, NULL, NULL, 0, NULL, NULL);
	else
		ok = PEM_write_bio_PKCS8PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL);
	char *data, *s = NULL;
	long len = BIO_get_mem_data(bio, &data);
	if (ok && len > 0 && (s = malloc((size_t)len + 1))) {
		memcpy(s, data, (size_t)len);
		s[len] = '\0';
	}
	BIO_free(bio);
	return s;
}

FN(fn_genprivatekey)
{
	(void)n;
	const char *t = a[0].u.s->s;
	EVP_PKEY *k = NULL;
	if (!*t || !strcmp(t, "rsa"))
		k = rsa_key(4096);
	else if (!strcmp(t, "ecdsa"))
		k = EVP_EC_gen("P-256");
	else if (!strcmp(t, "ed25519"))
		k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else if (!strcmp(t, "dsa")) {
		exec_unsupported(x, "genPrivateKey \"dsa\"");
		return -2;
	} else {
		struct buf b = { 0 };
		buf_printf(&b, "Unknown type %s", t);
		struct hv s = hv_strn(b.p, b.n);
		buf_free(&b);
		return ret(x, out, s);
	}
	char *pem = k ? key_pem(k) : NULL;
	EVP_PKEY_free(k);
	if (!pem)
		return oom(x);
	struct hv s = hv_str(pem);
	free(pem);
	return ret(x, out, s);
}

static struct hv cert_obj(const char *cert, const char *key)
{
	struct hobj *o = hobj_new("sprig.certificate", "struct", false, 2);
	if (!o)
		return HV_NIL_V;
	o->f[0] = (struct hfield){ "Cert", "Cert", false, hv_str(cert) };
	o->f[1] = (struct hfield){ "Key", "Key", false, hv_str(key) };
	return hv_obj(o);
}

static int add_ext(X509 *c, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, c, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!e)
		return -1;
	int r = X509_add_ext(c, e, -1) ? 0 : -1;
	X509_EXTENSION_free(e);
	return r;
}

/* Go's x509.CreateCertificate from sprig's template: random 128-bit serial, CN, now..now+days,
 * key usages, server and client auth, basic constraints, SANs. */
static X509 *make_cert(const char *cn, struct hv ips, struct hv dns, int64_t days, bool is_ca, EVP_PKEY *key,
		       X509 *issuer, EVP_PKEY *issuer_key, const char **why)
{
	X509 *c = X509_new();
	BIGNUM *sn = BN_new();
	struct buf san = { 0 };
	*why = "out of memory";
	if (!c || !sn || !BN_rand(sn, 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY))
		goto fail;
	X509_set_version(c, 2);
	BN_to_ASN1_INTEGER(sn, X509_get_serialNumber(c));
	X509_NAME *name = X509_get_subject_name(c);
	if (*cn)
		X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
	X509_gmtime_adj(X509_getm_notBefore(c), 0);
	X509_gmtime_adj(X509_getm_notAfter(c), (long)(days * 86400));
	X509_set_pubkey(c, key);
	X509 *iss = issuer ? issuer : c;
	if (add_ext(c, iss, NID_key_usage, is_ca ? "critical,digitalSignature,keyEncipherment,keyCertSign"
					       : "critical,digitalSignature,keyEncipherment") < 0 ||
	    add_ext(c, iss, NID_ext_key_usage, "serverAuth,clientAuth") < 0 ||
	    add_ext(c, iss, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE") < 0)
		goto fail;
	if (is_ca && add_ext(c, c, NID_subject_key_identifier, "hash") < 0)
		goto fail;
	/* Go copies the parent's subject key id into the authority key id (a CA made here has one);
	 * both come before the SANs, in Go's order of extensions */
	if (issuer && X509_get0_subject_key_id(issuer) && add_ext(c, issuer, NID_authority_key_identifier, "keyid") < 0)
		goto fail;
	for (size_t i = 0; dns.k == HV_LIST && i < dns.u.l->n; i++) {
		if (!hv_is_str(dns.u.l->v[i])) {
			*why = "alternate DNS names that are not strings";
			goto fail;
		}
		buf_printf(&san, "%sDNS:%s", san.n ? "," : "", dns.u.l->v[i].u.s->s);
	}
	for (size_t i = 0; ips.k == HV_LIST && i < ips.u.l->n; i++) {
		if (!hv_is_str(ips.u.l->v[i])) {
			*why = "IP addresses that are not strings";
			goto fail;
		}
		buf_printf(&san, "%sIP:%s", san.n ? "," : "", ips.u.l->v[i].u.s->s);
	}
	if (san.n && add_ext(c, iss, NID_subject_alt_name, san.p) < 0) {
		*why = "an IP address or DNS name OpenSSL refuses";
		goto fail;
	}
	if (!X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256()))
		goto fail;
	BN_free(sn);
	buf_free(&san);
	return c;
fail:
	BN_free(sn);
	X509_free(c);
	buf_free(&san);
	return NULL;
}

static char *cert_pem(X509 *c)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *s = NULL;
	if (bio && PEM_write_bio_X509(bio, c)) {
		long len = BIO_get_mem_data(bio, &data);
		if (len > 0 && (s = malloc((size_t)len + 1))) {
			memcpy(s, data, (size_t)len);
			s[len] = '\0';
		}
	}
	BIO_free(bio);
	return s;
}

static int cert_result(struct exec *x, struct hv *out, X509 *c, EVP_PKEY *k, const char *why)
{
	if (!c) {
		EVP_PKEY_free(k);
		exec_unsupported(x, "a certificate with %s", why);
		return -2;
	}
	char *cp = cert_pem(c), *kp = key_pem(k);
	X509_free(c);
	EVP_PKEY_free(k);
	struct hv v = cp && kp ? cert_obj(cp, kp) : HV_NIL_V;
	free(cp);
	free(kp);
	if (v.k == HV_NIL)
		return oom(x);
	*out = v;
	return 0;
}

FN(fn_genca)
{
	(void)n;
	const char *why = "out of memory";
	EVP_PKEY *k = rsa_key(2048);
	X509 *c = k ? make_cert(a[0].u.s->s, HV_NIL_V, HV_NIL_V, a[1].u.i, true, k, NULL, NULL, &why) : NULL;
	return cert_result(x, out, c, k, why);
}

FN(fn_genselfsignedcert)
{
	(void)n;
	const char *why = "out of memory";
	EVP_PKEY *k = rsa_key(2048);
	X509 *c = k ? make_cert(a[0].u.s->s, a[1], a[2], a[3].u.i, false, k, NULL, NULL, &why) : NULL;
	return cert_result(x, out, c, k, why);
}

FN(fn_gensignedcert)
{
	(void)n;
	struct hobj *ca = a[4].u.o;
	const char *cert = ca->f[0].val.k == HV_STRING ? ca->f[0].val.u.s->s : "";
	const char *key = ca->f[1].val.k == HV_STRING ? ca->f[1].val.u.s->s : "";
	BIO *cb = BIO_new_mem_buf(cert, -1), *kb = BIO_new_mem_buf(key, -1);
	X509 *issuer = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
	EVP_PKEY *ik = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
	BIO_free(cb);
	BIO_free(kb);
	if (!issuer || !ik) {
		X509_free(issuer);
		EVP_PKEY_free(ik);
		if (!issuer)
			return fn_error(x, "unable to decode certificate");
		exec_unsupported(x, "genSignedCert with a CA key OpenSSL cannot read");
		return -2;
	}
	const char *why = "out of memory";
	EVP_PKEY *k = rsa_key(2048);
	X509 *c = k ? make_cert(a[0].u.s->s, a[1], a[2], a[3].u.i, false, k, issuer, ik, &why) : NULL;
	X509_free(issuer);
	EVP_PKEY_free(ik);
	return cert_result(x, out, c, k, why);
}

/* sprig's parsePrivateKeyPEM for the *WithKey functions: the text's first PEM block, an RSA key
 * (PKCS#1 or PKCS#8) or a P-256 EC key (SEC 1 or PKCS#8), the keys Go signs with SHA-256 as
 * make_cert does. Other keys (DSA, Ed25519, other curves) and text Go refuses: NULL, left to helm. */
static EVP_PKEY *key_from_pem(const char *pem)
{
	const char *begin = strstr(pem, "-----BEGIN ");
	static const char *const ok_types[] = { "RSA PRIVATE KEY-----", "EC PRIVATE KEY-----", "PRIVATE KEY-----" };
	bool known = false;
	for (size_t i = 0; begin && i < 3 && !known; i++)
		known = !strncmp(begin + 11, ok_types[i], strlen(ok_types[i]));
	if (!known)
		return NULL;
	BIO *b = BIO_new_mem_buf(begin, -1);
	EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	int id = k ? EVP_PKEY_get_base_id(k) : 0;
	char curve[32] = "";
	if (id == EVP_PKEY_EC)
		EVP_PKEY_get_utf8_string_param(k, "group", curve, sizeof(curve), NULL);
	if (id == EVP_PKEY_RSA || (id == EVP_PKEY_EC && !strcmp(curve, "prime256v1")))
		return k;
	EVP_PKEY_free(k);
	return NULL;
}

static int key_unsupported(struct exec *x, const char *fn)
{
	return exec_unsupported(x, "%s with a key other than RSA or P-256, or one Go refuses", fn), -2;
}

FN(fn_gencawithkey)
{
	(void)n;
	const char *why = "out of memory";
	EVP_PKEY *k = key_from_pem(a[2].u.s->s);
	if (!k)
		return key_unsupported(x, "genCAWithKey");
	X509 *c = make_cert(a[0].u.s->s, HV_NIL_V, HV_NIL_V, a[1].u.i, true, k, NULL, NULL, &why);
	return cert_result(x, out, c, k, why);
}

FN(fn_genselfsignedcertwithkey)
{
	(void)n;
	const char *why = "out of memory";
	EVP_PKEY *k = key_from_pem(a[4].u.s->s);
	if (!k)
		return key_unsupported(x, "genSelfSignedCertWithKey");
	X509 *c = make_cert(a[0].u.s->s, a[1], a[2], a[3].u.i, false, k, NULL, NULL, &why);
	return cert_result(x, out, c, k, why);
}

FN(fn_gensignedcertwithkey)
{
	(void)n;
	struct hobj *ca = a[4].u.o;
	const char *cert = ca->f[0].val.k == HV_STRING ? ca->f[0].val.u.s->s : "";
	const char *key = ca->f[1].val.k == HV_STRING ? ca->f[1].val.u.s->s : "";
	BIO *cb = BIO_new_mem_buf(cert, -1);
	X509 *issuer = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
	BIO_free(cb);
	if (!issuer)
		return fn_error(x, "unable to decode certificate");
	EVP_PKEY *ik = key_from_pem(key), *k = ik ? key_from_pem(a[5].u.s->s) : NULL;
	if (!k) {
		X509_free(issuer);
		EVP_PKEY_free(ik);
		return key_unsupported(x, "genSignedCertWithKey");
	}
	const char *why = "out of memory";
	X509 *c = make_cert(a[0].u.s->s, a[1], a[2], a[3].u.i, false, k, issuer, ik, &why);
	X509_free(issuer);
	EVP_PKEY_free(ik);
	return cert_result(x, out, c, k, why);
}

/* The first PEM block of s is of this type (pem.Decode takes the first block, whatever it is). */
static bool first_pem_is(const char *s, size_t n, const char *type)
{
	const char *b = memmem(s, n, "-----BEGIN ", 11);
	size_t tl = strlen(type);
	return b && (size_t)(s + n - b) > 11 + tl + 5 && !memcmp(b + 11, type, tl) && !memcmp(b + 11 + tl, "-----", 5);
}

/* buildCustomCert: the certificate and key as given (base64 of their PEM), once Go would have
 * parsed both; what it would refuse, or a key type read differently here, is left to helm */
FN(fn_buildcustomcert)
{
	(void)n;
	struct buf cert = { 0 }, key = { 0 };
	const char *why = NULL;
	if (base64_decode(&cert, hv_s(a[0]), hv_len_s(a[0])) >= 0)
		why = "unable to decode base64 certificate";
	else if (base64_decode(&key, hv_s(a[1]), hv_len_s(a[1])) >= 0)
		why = "unable to decode base64 private key";
	if (why) {
		buf_free(&cert);
		buf_free(&key);
		return fn_error(x, "%s", why);
	}
	bool ok = !cert.oom && !key.oom && cert.p && key.p && strlen(cert.p) == cert.n && strlen(key.p) == key.n &&
		  first_pem_is(cert.p, cert.n, "CERTIFICATE");
	if (ok) {
		BIO *cb = BIO_new_mem_buf(cert.p, (int)cert.n);
		X509 *c = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
		EVP_PKEY *k = key_from_pem(key.p);
		ok = c && k;
		X509_free(c);
		EVP_PKEY_free(k);
		BIO_free(cb);
	}
	struct hv v = ok ? cert_obj(cert.p, key.p) : HV_NIL_V;
	buf_free(&cert);
	buf_free(&key);
	if (!ok)
		return exec_unsupported(x, "buildCustomCert of a certificate or key that is not RSA or P-256 PEM"), -2;
	if (v.k == HV_NIL)
		return oom(x);
	*out = v;
	return 0;
}
