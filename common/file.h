/* file: whole-file reads with a size limit, and atomic writes. */
#ifndef GT_FILE_H
#define GT_FILE_H

#include <stddef.h>

/* Read path into *buf (malloc'd, NUL-terminated). 0, 1 if it does not exist (nothing printed), -1 after printing. */
int gt_file_read(const char *path, size_t max, char **buf, size_t *len);

/* Replace path with buf: temp file in the same directory, fsync, rename; the old mode is kept. -1 after printing. */
int gt_file_write_atomic(const char *path, const char *buf, size_t len);

/*
 * Where caches live: dir (--cache-dir) when given, else $XDG_CACHE_HOME/gitops-tools, else
 * $HOME/.cache/gitops-tools; with neither variable, a private $TMPDIR/gitops-tools-UID (made 0700,
 * refused when it is a link, another user's or open to others). malloc'd; NULL after printing.
 */
char *gt_cache_root_dup(const char *dir);
/* An option check (see struct gt_option .check): path can be read, else -1 after "FLAG PATH: why". */
int gt_check_readable(const char *flag, const char *path);

/* mkdir -p with mode 0700 (caches and private temp dirs): 0, or -1 with errno set. */
int gt_mkdir_p(const char *path);

/* rm -rf path, never following a symbolic link; a path that is not there is fine. 0, or -1 with errno set. */
int gt_remove_tree(const char *path);

#endif
