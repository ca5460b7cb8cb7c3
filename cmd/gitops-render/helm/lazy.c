/*
 * lazy: the native Helm engine's libraries loaded on first use, as git2lazy.c does for libgit2.
 * Linking libcrypto, PCRE2, libxcrypt and zlib outright costs every gitops-render run their load:
 * the startup of a plain-directory render went from 1.9 to 4 MiB and its dynamic linking time
 * doubled, for functions only some charts call (sha256sum, genCA, regexMatch, htpasswd, a .tgz
 * subchart). Each function the engine calls is defined here and looks the real one up in its
 * library, dlopen'ed the first time; because these satisfy every reference, the linker
 * (--as-needed) leaves the libraries out of the binary's needed list.
 */
#define _GNU_SOURCE
#define PCRE2_CODE_UNIT_WIDTH 8
#include <crypt.h>
#include <dlfcn.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cli.h"

enum lib { LIB_CRYPTO, LIB_PCRE2, LIB_XCRYPT, LIB_Z, N_LIBS };
static const char *const sonames[N_LIBS] = { "libcrypto.so.3", "libpcre2-8.so.0", "libcrypt.so.1", "libz.so.1" };

static void *lazy_sym(enum lib l, const char *name)
{
	static void *libs[N_LIBS];
	if (!libs[l] && !(libs[l] = dlopen(sonames[l], RTLD_NOW | RTLD_LOCAL))) {
		gt_error("cannot load %s: %s", sonames[l], dlerror());
		exit(GT_EXIT_INPUT);
	}
	void *fn = dlsym(libs[l], name);
	if (!fn) {
		gt_error("%s: no %s in it", sonames[l], name);
		exit(GT_EXIT_INPUT);
	}
	return fn;
}

#define LAZY(lib, name)                                                   \
	(__extension__({                                                  \
		static __typeof__(&name) fn_;                             \
		if (!fn_)                                                 \
			fn_ = (__typeof__(&name))lazy_sym(lib, #name);    \
		fn_;                                                      \
	}))
#define C LIB_CRYPTO

/* ---- OpenSSL (libcrypto) ---- */

int EVP_Digest(const void *data, size_t count, unsigned char *md, unsigned int *size, const EVP_MD *type, ENGINE *impl)
{
	return LAZY(C, EVP_Digest)(data, count, md, size, type, impl);
}
const EVP_MD *EVP_sha1(void) { return LAZY(C, EVP_sha1)(); }
const EVP_MD *EVP_sha256(void) { return LAZY(C, EVP_sha256)(); }
const EVP_MD *EVP_sha512(void) { return LAZY(C, EVP_sha512)(); }

/* Variadic: the key types the engine asks for (RSA bits, an EC curve, ED25519). */
EVP_PKEY *EVP_PKEY_Q_keygen(OSSL_LIB_CTX *libctx, const char *propq, const char *type, ...)
{
	va_list ap;
	EVP_PKEY *k;
	va_start(ap, type);
	if (!strcmp(type, "RSA")) {
		size_t bits = va_arg(ap, size_t);
		k = LAZY(C, EVP_PKEY_Q_keygen)(libctx, propq, type, bits);
	} else if (!strcmp(type, "EC")) {
		char *curve = va_arg(ap, char *);
		k = LAZY(C, EVP_PKEY_Q_keygen)(libctx, propq, type, curve);
	} else {
		k = LAZY(C, EVP_PKEY_Q_keygen)(libctx, propq, type);
	}
	va_end(ap);
	return k;
}
int EVP_PKEY_get_base_id(const EVP_PKEY *pkey) { return LAZY(C, EVP_PKEY_get_base_id)(pkey); }
void EVP_PKEY_free(EVP_PKEY *pkey) { LAZY(C, EVP_PKEY_free)(pkey); }
int PEM_write_bio_PrivateKey_traditional(BIO *bp, const EVP_PKEY *x, const EVP_CIPHER *enc, const unsigned char *kstr,
					 int klen, pem_password_cb *cb, void *u)
{
	return LAZY(C, PEM_write_bio_PrivateKey_traditional)(bp, x, enc, kstr, klen, cb, u);
}
int PEM_write_bio_PKCS8PrivateKey(BIO *bp, const EVP_PKEY *x, const EVP_CIPHER *enc, const char *kstr, int klen,
				  pem_password_cb *cb, void *u)
{
	return LAZY(C, PEM_write_bio_PKCS8PrivateKey)(bp, x, enc, kstr, klen, cb, u);
}
int PEM_write_bio_X509(BIO *out, const X509 *x) { return LAZY(C, PEM_write_bio_X509)(out, x); }
X509 *PEM_read_bio_X509(BIO *out, X509 **x, pem_password_cb *cb, void *u)
{
	return LAZY(C, PEM_read_bio_X509)(out, x, cb, u);
}
EVP_PKEY *PEM_read_bio_PrivateKey(BIO *out, EVP_PKEY **x, pem_password_cb *cb, void *u)
{
	return LAZY(C, PEM_read_bio_PrivateKey)(out, x, cb, u);
}
BIO *BIO_new(const BIO_METHOD *type) { return LAZY(C, BIO_new)(type); }
const BIO_METHOD *BIO_s_mem(void) { return LAZY(C, BIO_s_mem)(); }
long BIO_ctrl(BIO *bp, int cmd, long larg, void *parg) { return LAZY(C, BIO_ctrl)(bp, cmd, larg, parg); }
int BIO_free(BIO *a) { return LAZY(C, BIO_free)(a); }
BIO *BIO_new_mem_buf(const void *buf, int len) { return LAZY(C, BIO_new_mem_buf)(buf, len); }
BIGNUM *BN_new(void) { return LAZY(C, BN_new)(); }
int BN_rand(BIGNUM *rnd, int bits, int top, int bottom) { return LAZY(C, BN_rand)(rnd, bits, top, bottom); }
void BN_free(BIGNUM *a) { LAZY(C, BN_free)(a); }
BN_CTX *BN_CTX_new(void) { return LAZY(C, BN_CTX_new)(); }
void BN_CTX_free(BN_CTX *c) { LAZY(C, BN_CTX_free)(c); }
int BN_dec2bn(BIGNUM **a, const char *str) { return LAZY(C, BN_dec2bn)(a, str); }
char *BN_bn2dec(const BIGNUM *a) { return LAZY(C, BN_bn2dec)(a); }
int BN_add(BIGNUM *r, const BIGNUM *a, const BIGNUM *b) { return LAZY(C, BN_add)(r, a, b); }
int BN_sub(BIGNUM *r, const BIGNUM *a, const BIGNUM *b) { return LAZY(C, BN_sub)(r, a, b); }
int BN_mul(BIGNUM *r, const BIGNUM *a, const BIGNUM *b, BN_CTX *ctx) { return LAZY(C, BN_mul)(r, a, b, ctx); }
int BN_div(BIGNUM *dv, BIGNUM *rem, const BIGNUM *m, const BIGNUM *d, BN_CTX *ctx)
{
	return LAZY(C, BN_div)(dv, rem, m, d, ctx);
}
int BN_mul_word(BIGNUM *a, BN_ULONG w) { return LAZY(C, BN_mul_word)(a, w); }
int BN_add_word(BIGNUM *a, BN_ULONG w) { return LAZY(C, BN_add_word)(a, w); }
int BN_sub_word(BIGNUM *a, BN_ULONG w) { return LAZY(C, BN_sub_word)(a, w); }
int BN_ucmp(const BIGNUM *a, const BIGNUM *b) { return LAZY(C, BN_ucmp)(a, b); }
int BN_lshift1(BIGNUM *r, const BIGNUM *a) { return LAZY(C, BN_lshift1)(r, a); }
BIGNUM *BN_copy(BIGNUM *a, const BIGNUM *b) { return LAZY(C, BN_copy)(a, b); }
int BN_is_zero(const BIGNUM *a) { return LAZY(C, BN_is_zero)(a); }
int BN_is_negative(const BIGNUM *b) { return LAZY(C, BN_is_negative)(b); }
void CRYPTO_free(void *ptr, const char *file, int line) { LAZY(C, CRYPTO_free)(ptr, file, line); }
ASN1_INTEGER *BN_to_ASN1_INTEGER(const BIGNUM *bn, ASN1_INTEGER *ai) { return LAZY(C, BN_to_ASN1_INTEGER)(bn, ai); }
X509 *X509_new(void) { return LAZY(C, X509_new)(); }
void X509_free(X509 *a) { LAZY(C, X509_free)(a); }
int X509_set_version(X509 *x, long version) { return LAZY(C, X509_set_version)(x, version); }
ASN1_INTEGER *X509_get_serialNumber(X509 *x) { return LAZY(C, X509_get_serialNumber)(x); }
X509_NAME *X509_get_subject_name(const X509 *a) { return LAZY(C, X509_get_subject_name)(a); }
int X509_NAME_add_entry_by_txt(X509_NAME *name, const char *field, int type, const unsigned char *bytes, int len,
			       int loc, int set)
{
	return LAZY(C, X509_NAME_add_entry_by_txt)(name, field, type, bytes, len, loc, set);
}
int X509_set_issuer_name(X509 *x, const X509_NAME *name) { return LAZY(C, X509_set_issuer_name)(x, name); }
ASN1_TIME *X509_gmtime_adj(ASN1_TIME *s, long adj) { return LAZY(C, X509_gmtime_adj)(s, adj); }
ASN1_TIME *X509_getm_notBefore(const X509 *x) { return LAZY(C, X509_getm_notBefore)(x); }
ASN1_TIME *X509_getm_notAfter(const X509 *x) { return LAZY(C, X509_getm_notAfter)(x); }
int X509_set_pubkey(X509 *x, EVP_PKEY *pkey) { return LAZY(C, X509_set_pubkey)(x, pkey); }
void X509V3_set_ctx(X509V3_CTX *ctx, X509 *issuer, X509 *subject, X509_REQ *req, X509_CRL *crl, int flags)
{
	LAZY(C, X509V3_set_ctx)(ctx, issuer, subject, req, crl, flags);
}
X509_EXTENSION *X509V3_EXT_conf_nid(LHASH_OF(CONF_VALUE) *conf, X509V3_CTX *ctx, int ext_nid, const char *value)
{
	return LAZY(C, X509V3_EXT_conf_nid)(conf, ctx, ext_nid, value);
}
int X509_add_ext(X509 *x, X509_EXTENSION *ex, int loc) { return LAZY(C, X509_add_ext)(x, ex, loc); }
void X509_EXTENSION_free(X509_EXTENSION *a) { LAZY(C, X509_EXTENSION_free)(a); }
int X509_sign(X509 *x, EVP_PKEY *pkey, const EVP_MD *md) { return LAZY(C, X509_sign)(x, pkey, md); }

/* encryptAES/decryptAES, derivePassword, the *WithKey certificate functions */
EVP_CIPHER_CTX *EVP_CIPHER_CTX_new(void)
{
	return LAZY(C, EVP_CIPHER_CTX_new)();
}

void EVP_CIPHER_CTX_free(EVP_CIPHER_CTX *c)
{
	LAZY(C, EVP_CIPHER_CTX_free)(c);
}

int EVP_CIPHER_CTX_set_padding(EVP_CIPHER_CTX *c, int pad)
{
	return LAZY(C, EVP_CIPHER_CTX_set_padding)(c, pad);
}

int EVP_CipherInit_ex(EVP_CIPHER_CTX *ctx, const EVP_CIPHER *cipher, ENGINE *impl, const unsigned char *key,
		      const unsigned char *iv, int enc)
{
	return LAZY(C, EVP_CipherInit_ex)(ctx, cipher, impl, key, iv, enc);
}

int EVP_CipherUpdate(EVP_CIPHER_CTX *ctx, unsigned char *out, int *outl, const unsigned char *in, int inl)
{
	return LAZY(C, EVP_CipherUpdate)(ctx, out, outl, in, inl);
}

int EVP_CipherFinal_ex(EVP_CIPHER_CTX *ctx, unsigned char *outm, int *outl)
{
	return LAZY(C, EVP_CipherFinal_ex)(ctx, outm, outl);
}

const EVP_CIPHER *EVP_aes_256_cbc(void)
{
	return LAZY(C, EVP_aes_256_cbc)();
}

int EVP_PBE_scrypt(const char *pass, size_t passlen, const unsigned char *salt, size_t saltlen, uint64_t N, uint64_t r,
		   uint64_t p, uint64_t maxmem, unsigned char *key, size_t keylen)
{
	return LAZY(C, EVP_PBE_scrypt)(pass, passlen, salt, saltlen, N, r, p, maxmem, key, keylen);
}

unsigned char *HMAC(const EVP_MD *evp_md, const void *key, int key_len, const unsigned char *data, size_t data_len,
		    unsigned char *md, unsigned int *md_len)
{
	return LAZY(C, HMAC)(evp_md, key, key_len, data, data_len, md, md_len);
}

void OPENSSL_cleanse(void *ptr, size_t len)
{
	LAZY(C, OPENSSL_cleanse)(ptr, len);
}

int EVP_PKEY_get_utf8_string_param(const EVP_PKEY *pkey, const char *key_name, char *str, size_t max_buf_sz,
				   size_t *out_sz)
{
	return LAZY(C, EVP_PKEY_get_utf8_string_param)(pkey, key_name, str, max_buf_sz, out_sz);
}

const ASN1_OCTET_STRING *X509_get0_subject_key_id(X509 *x)
{
	return LAZY(C, X509_get0_subject_key_id)(x);
}

/* ---- PCRE2 ---- */

pcre2_code *pcre2_compile_8(PCRE2_SPTR pattern, PCRE2_SIZE length, uint32_t options, int *errorcode,
			    PCRE2_SIZE *erroroffset, pcre2_compile_context *ccontext)
{
	return LAZY(LIB_PCRE2, pcre2_compile_8)(pattern, length, options, errorcode, erroroffset, ccontext);
}
pcre2_match_data *pcre2_match_data_create_from_pattern_8(const pcre2_code *code, pcre2_general_context *gcontext)
{
	return LAZY(LIB_PCRE2, pcre2_match_data_create_from_pattern_8)(code, gcontext);
}
int pcre2_pattern_info_8(const pcre2_code *code, uint32_t what, void *where)
{
	return LAZY(LIB_PCRE2, pcre2_pattern_info_8)(code, what, where);
}
void pcre2_match_data_free_8(pcre2_match_data *md) { LAZY(LIB_PCRE2, pcre2_match_data_free_8)(md); }
void pcre2_code_free_8(pcre2_code *code) { LAZY(LIB_PCRE2, pcre2_code_free_8)(code); }
int pcre2_match_8(const pcre2_code *code, PCRE2_SPTR subject, PCRE2_SIZE length, PCRE2_SIZE startoffset,
		  uint32_t options, pcre2_match_data *match_data, pcre2_match_context *mcontext)
{
	return LAZY(LIB_PCRE2, pcre2_match_8)(code, subject, length, startoffset, options, match_data, mcontext);
}
PCRE2_SIZE *pcre2_get_ovector_pointer_8(pcre2_match_data *md) { return LAZY(LIB_PCRE2, pcre2_get_ovector_pointer_8)(md); }
int pcre2_substring_number_from_name_8(const pcre2_code *code, PCRE2_SPTR name)
{
	return LAZY(LIB_PCRE2, pcre2_substring_number_from_name_8)(code, name);
}

/* ---- libxcrypt ---- */

char *crypt_gensalt_ra(const char *prefix, unsigned long count, const char *rbytes, int nrbytes)
{
	return LAZY(LIB_XCRYPT, crypt_gensalt_ra)(prefix, count, rbytes, nrbytes);
}
char *crypt_r(const char *phrase, const char *setting, struct crypt_data *data)
{
	return LAZY(LIB_XCRYPT, crypt_r)(phrase, setting, data);
}

/* ---- zlib ---- */

int inflateInit2_(z_streamp strm, int windowBits, const char *version, int stream_size)
{
	return LAZY(LIB_Z, inflateInit2_)(strm, windowBits, version, stream_size);
}
int inflate(z_streamp strm, int flush) { return LAZY(LIB_Z, inflate)(strm, flush); }
int inflateEnd(z_streamp strm) { return LAZY(LIB_Z, inflateEnd)(strm); }
uLong adler32(uLong adler, const Bytef *buf, uInt len) { return LAZY(LIB_Z, adler32)(adler, buf, len); }
