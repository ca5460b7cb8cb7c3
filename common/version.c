/* version: --version's text, read from the libraries at run time, not from their headers. */
#include "version.h"

#include <jansson.h>
#include <yaml.h>

#ifndef GT_VERSION
#define GT_VERSION "unknown"
#endif
/* The commit the binary was built from (the Makefile passes it to this file only). */
#ifndef GT_COMMIT
#define GT_COMMIT "unknown"
#endif

/*
 * Weak: a tool that never calls libgit2 does not link it (and must not start
 * loading it for --version); there this is NULL and the line is left out.
 * gitops-render defines it in git2lazy.c, which loads libgit2 on this call.
 */
int git_libgit2_version(int *major, int *minor, int *rev) __attribute__((weak));

void gt_print_version(const char *program, FILE *out)
{
	fprintf(out, "%s (gitops-tools) %s\n", program, GT_VERSION);
	fprintf(out, "commit %s\n", GT_COMMIT);
	int major, minor, rev;
	if (git_libgit2_version && git_libgit2_version(&major, &minor, &rev) == 0)
		fprintf(out, "libgit2 %d.%d.%d\n", major, minor, rev);
	fprintf(out, "libyaml %s\n", yaml_get_version_string());
	fprintf(out, "jansson %s\n", jansson_version_str());
}
