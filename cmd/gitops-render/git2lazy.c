/*
 * git2lazy: libgit2 loaded on first use. Linking it outright costs every run
 * of gitops-render its load (libgit2 and 16 libraries under it: TLS, SSH,
 * Kerberos), which took the startup of a plain-directory render from ~4 to
 * ~8 ms (tests/bench). Only --repo needs git. Each libgit2 function that this
 * tool (common/git.c and source.c) calls is defined here; the definition looks
 * the real one up in libgit2, dlopen'ed the first time. Because these satisfy
 * every reference, the linker (--as-needed) leaves libgit2 out of the binary's
 * needed libraries. A libgit2 function called elsewhere and missing here still
 * links, directly: then libgit2 is loaded at start again, and nothing breaks.
 *
 * The forwarding definitions are generated at build time (build/gen/git2lazy.inc, by
 * cmd/gitops-render/git2lazy-gen): one per git_NAME( that common/ and this tool's sources call,
 * its prototype taken from the libgit2 headers, so a new call in common/git.c needs no edit here.
 * git_libgit2_opts, variadic, is the one written by hand below.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <git2.h>
#include <git2/sys/stream.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

#define STR_(x) #x
#define STR(x) STR_(x)
/* The soname of the libgit2 these headers describe, e.g. libgit2.so.1.5. */
#define LIBGIT2_SONAME "libgit2.so." STR(LIBGIT2_VER_MAJOR) "." STR(LIBGIT2_VER_MINOR)

static void *lazy_sym(const char *name)
{
	static void *lib;
	if (!lib && !(lib = dlopen(LIBGIT2_SONAME, RTLD_NOW | RTLD_LOCAL))) {
		gt_error("cannot load %s: %s", LIBGIT2_SONAME, dlerror());
		exit(GT_EXIT_INPUT);
	}
	void *fn = dlsym(lib, name);
	if (!fn) {
		gt_error("%s: no %s in it", LIBGIT2_SONAME, name);
		exit(GT_EXIT_INPUT);
	}
	return fn;
}

/* The real function, looked up once. */
#define LAZY(name)                                                        \
	(__extension__({                                                  \
		static __typeof__(&name) fn_;                             \
		if (!fn_)                                                 \
			fn_ = (__typeof__(&name))lazy_sym(#name);         \
		fn_;                                                      \
	}))

/* Variadic: only the options this tool sets. */
int git_libgit2_opts(int option, ...)
{
	va_list ap;
	int r;
	va_start(ap, option);
	if (option == GIT_OPT_SET_SSL_CERT_LOCATIONS) {
		const char *file = va_arg(ap, const char *), *path = va_arg(ap, const char *);
		r = LAZY(git_libgit2_opts)(option, file, path);
	} else {
		gt_error("git_libgit2_opts: option %d is not forwarded (cmd/gitops-render/git2lazy.c)", option);
		r = -1;
	}
	va_end(ap);
	return r;
}

/* Every other libgit2 function called: generated (see above). */
#include "git2lazy.inc"
