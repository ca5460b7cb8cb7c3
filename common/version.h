/* version: what --version prints: the release, the commit, the libraries actually linked. */
#ifndef GT_VERSION_H
#define GT_VERSION_H

#include <stdio.h>

/*
 * "PROGRAM (gitops-tools) VERSION", then "commit ID" and one line per library
 * the running binary has: libgit2 (only where the tool uses it), libyaml,
 * jansson, each as the library itself reports its version at run time.
 */
void gt_print_version(const char *program, FILE *out);

#endif
