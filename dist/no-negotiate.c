/*
 * no-negotiate: libgit2's HTTP "Negotiate" (Kerberos/SPNEGO) scheme, as libgit2
 * itself builds it without GSSAPI, for the release binaries (make dist).
 *
 * Debian's libgit2.a keeps that scheme in one object, auth_negotiate.c.o, the
 * only one calling GSSAPI, and Debian ships no static GSSAPI (MIT Kerberos).
 * Defined here, the symbol keeps the linker from taking that object out of the
 * archive; the definition is what libgit2's auth_negotiate.h substitutes when
 * GIT_GSSAPI is off (git_http_auth_dummy), which declines the scheme, so a
 * server offering Negotiate and Basic gets Basic, as with any libgit2 built
 * without Kerberos. Tokens and passwords (Basic) are unaffected.
 */

#include <git2/errors.h>
#include <stddef.h>

/* The types are libgit2's internal git_http_auth_context ** and git_net_url *. */
int git_http_auth_negotiate(void **out, const void *url);

/* The body of libgit2's git_http_auth_dummy (transports/auth.c); calling that instead would pull
 * libgit2 into tools that never use it. */
int git_http_auth_negotiate(void **out, const void *url)
{
	(void)url;
	*out = NULL;
	return GIT_PASSTHROUGH;
}
