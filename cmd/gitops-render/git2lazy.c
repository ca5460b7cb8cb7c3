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
 * The definitions below were generated from the git2 headers
 * (GIT_EXTERN(RET) NAME(PARAMS);), one per function used.
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

int git_blob_create_from_buffer(git_oid *id, git_repository *repo, const void *buffer, size_t len)
{
	return LAZY(git_blob_create_from_buffer)(id, repo, buffer, len);
}

void git_blob_free(git_blob *blob)
{
	LAZY(git_blob_free)(blob);
}

int git_blob_lookup(git_blob **blob, git_repository *repo, const git_oid *id)
{
	return LAZY(git_blob_lookup)(blob, repo, id);
}

const void * git_blob_rawcontent(const git_blob *blob)
{
	return LAZY(git_blob_rawcontent)(blob);
}

git_object_size_t git_blob_rawsize(const git_blob *blob)
{
	return LAZY(git_blob_rawsize)(blob);
}

void git_buf_dispose(git_buf *buffer)
{
	LAZY(git_buf_dispose)(buffer);
}

int git_commit_create(git_oid *id, git_repository *repo, const char *update_ref, const git_signature *author, const git_signature *committer, const char *message_encoding, const char *message, const git_tree *tree, size_t parent_count, const git_commit *parents[])
{
	return LAZY(git_commit_create)(id, repo, update_ref, author, committer, message_encoding, message, tree, parent_count, parents);
}

void git_commit_free(git_commit *commit)
{
	LAZY(git_commit_free)(commit);
}

int git_commit_lookup(git_commit **commit, git_repository *repo, const git_oid *id)
{
	return LAZY(git_commit_lookup)(commit, repo, id);
}

int git_commit_parent(git_commit **out, const git_commit *commit, unsigned int n)
{
	return LAZY(git_commit_parent)(out, commit, n);
}

unsigned int git_commit_parentcount(const git_commit *commit)
{
	return LAZY(git_commit_parentcount)(commit);
}

int git_commit_tree(git_tree **tree_out, const git_commit *commit)
{
	return LAZY(git_commit_tree)(tree_out, commit);
}

int git_credential_userpass_plaintext_new(git_credential **out, const char *username, const char *password)
{
	return LAZY(git_credential_userpass_plaintext_new)(out, username, password);
}

void git_diff_free(git_diff *diff)
{
	LAZY(git_diff_free)(diff);
}

const git_diff_delta * git_diff_get_delta(const git_diff *diff, size_t idx)
{
	return LAZY(git_diff_get_delta)(diff, idx);
}

size_t git_diff_num_deltas(const git_diff *diff)
{
	return LAZY(git_diff_num_deltas)(diff);
}

int git_diff_options_init(git_diff_options *opts, unsigned int version)
{
	return LAZY(git_diff_options_init)(opts, version);
}

int git_diff_tree_to_tree(git_diff **diff, git_repository *repo, git_tree *old_tree, git_tree *new_tree, const git_diff_options *opts)
{
	return LAZY(git_diff_tree_to_tree)(diff, repo, old_tree, new_tree, opts);
}

void git_error_clear(void)
{
	LAZY(git_error_clear)();
}

const git_error * git_error_last(void)
{
	return LAZY(git_error_last)();
}

int git_error_set_str(int error_class, const char *string)
{
	return LAZY(git_error_set_str)(error_class, string);
}

int git_fetch_options_init(git_fetch_options *opts, unsigned int version)
{
	return LAZY(git_fetch_options_init)(opts, version);
}

int git_libgit2_init(void)
{
	return LAZY(git_libgit2_init)();
}

int git_libgit2_shutdown(void)
{
	return LAZY(git_libgit2_shutdown)();
}

/* --version asks it (common/version.c): then libgit2 is loaded to say which one is there. */
int git_libgit2_version(int *major, int *minor, int *rev)
{
	return LAZY(git_libgit2_version)(major, minor, rev);
}

void git_object_free(git_object *object)
{
	LAZY(git_object_free)(object);
}

const git_oid * git_object_id(const git_object *obj)
{
	return LAZY(git_object_id)(obj);
}

int git_object_peel(git_object **peeled, const git_object *object, git_object_t target_type)
{
	return LAZY(git_object_peel)(peeled, object, target_type);
}

int git_odb_hash(git_oid *out, const void *data, size_t len, git_object_t type)
{
	return LAZY(git_odb_hash)(out, data, len, type);
}

int git_oid_cpy(git_oid *out, const git_oid *src)
{
	return LAZY(git_oid_cpy)(out, src);
}

int git_oid_equal(const git_oid *a, const git_oid *b)
{
	return LAZY(git_oid_equal)(a, b);
}

int git_oid_fromstr(git_oid *out, const char *str)
{
	return LAZY(git_oid_fromstr)(out, str);
}

char * git_oid_tostr(char *out, size_t n, const git_oid *id)
{
	return LAZY(git_oid_tostr)(out, n, id);
}

int git_push_options_init(git_push_options *opts, unsigned int version)
{
	return LAZY(git_push_options_init)(opts, version);
}

int git_reference_create(git_reference **out, git_repository *repo, const char *name, const git_oid *id, int force, const char *log_message)
{
	return LAZY(git_reference_create)(out, repo, name, id, force, log_message);
}

void git_reference_free(git_reference *ref)
{
	LAZY(git_reference_free)(ref);
}

int git_reference_lookup(git_reference **out, git_repository *repo, const char *name)
{
	return LAZY(git_reference_lookup)(out, repo, name);
}

int git_reference_name_to_id(git_oid *out, git_repository *repo, const char *name)
{
	return LAZY(git_reference_name_to_id)(out, repo, name);
}

int git_reference_peel(git_object **out, const git_reference *ref, git_object_t type)
{
	return LAZY(git_reference_peel)(out, ref, type);
}

int git_reference_symbolic_create(git_reference **out, git_repository *repo, const char *name, const char *target, int force, const char *log_message)
{
	return LAZY(git_reference_symbolic_create)(out, repo, name, target, force, log_message);
}

int git_remote_connect_ext(git_remote *remote, git_direction direction, const git_remote_connect_options *opts)
{
	return LAZY(git_remote_connect_ext)(remote, direction, opts);
}

int git_remote_connect_options_init(git_remote_connect_options *opts, unsigned int version)
{
	return LAZY(git_remote_connect_options_init)(opts, version);
}

int git_remote_create_anonymous(git_remote **out, git_repository *repo, const char *url)
{
	return LAZY(git_remote_create_anonymous)(out, repo, url);
}

int git_remote_create_detached(git_remote **out, const char *url)
{
	return LAZY(git_remote_create_detached)(out, url);
}

int git_remote_default_branch(git_buf *out, git_remote *remote)
{
	return LAZY(git_remote_default_branch)(out, remote);
}

int git_remote_fetch(git_remote *remote, const git_strarray *refspecs, const git_fetch_options *opts, const char *reflog_message)
{
	return LAZY(git_remote_fetch)(remote, refspecs, opts, reflog_message);
}

void git_remote_free(git_remote *remote)
{
	LAZY(git_remote_free)(remote);
}

int git_remote_lookup(git_remote **out, git_repository *repo, const char *name)
{
	return LAZY(git_remote_lookup)(out, repo, name);
}

int git_remote_ls(const git_remote_head ***out, size_t *size, git_remote *remote)
{
	return LAZY(git_remote_ls)(out, size, remote);
}

int git_remote_push(git_remote *remote, const git_strarray *refspecs, const git_push_options *opts)
{
	return LAZY(git_remote_push)(remote, refspecs, opts);
}

const char * git_remote_url(const git_remote *remote)
{
	return LAZY(git_remote_url)(remote);
}

void git_repository_free(git_repository *repo)
{
	LAZY(git_repository_free)(repo);
}

int git_repository_init(git_repository **out, const char *path, unsigned is_bare)
{
	return LAZY(git_repository_init)(out, path, is_bare);
}

int git_repository_open_bare(git_repository **out, const char *bare_path)
{
	return LAZY(git_repository_open_bare)(out, bare_path);
}

int git_repository_open_ext(git_repository **out, const char *path, unsigned int flags, const char *ceiling_dirs)
{
	return LAZY(git_repository_open_ext)(out, path, flags, ceiling_dirs);
}

int git_revparse_single(git_object **out, git_repository *repo, const char *spec)
{
	return LAZY(git_revparse_single)(out, repo, spec);
}

void git_signature_free(git_signature *sig)
{
	LAZY(git_signature_free)(sig);
}

int git_signature_now(git_signature **out, const char *name, const char *email)
{
	return LAZY(git_signature_now)(out, name, email);
}

int git_tree_create_updated(git_oid *out, git_repository *repo, git_tree *baseline, size_t nupdates, const git_tree_update *updates)
{
	return LAZY(git_tree_create_updated)(out, repo, baseline, nupdates, updates);
}

int git_tree_dup(git_tree **out, git_tree *source)
{
	return LAZY(git_tree_dup)(out, source);
}

const git_tree_entry * git_tree_entry_byname(const git_tree *tree, const char *filename)
{
	return LAZY(git_tree_entry_byname)(tree, filename);
}

int git_tree_entry_bypath(git_tree_entry **out, const git_tree *root, const char *path)
{
	return LAZY(git_tree_entry_bypath)(out, root, path);
}

git_filemode_t git_tree_entry_filemode(const git_tree_entry *entry)
{
	return LAZY(git_tree_entry_filemode)(entry);
}

void git_tree_entry_free(git_tree_entry *entry)
{
	LAZY(git_tree_entry_free)(entry);
}

const git_oid * git_tree_entry_id(const git_tree_entry *entry)
{
	return LAZY(git_tree_entry_id)(entry);
}

const char * git_tree_entry_name(const git_tree_entry *entry)
{
	return LAZY(git_tree_entry_name)(entry);
}

git_object_t git_tree_entry_type(const git_tree_entry *entry)
{
	return LAZY(git_tree_entry_type)(entry);
}

void git_tree_free(git_tree *tree)
{
	LAZY(git_tree_free)(tree);
}

const git_oid * git_tree_id(const git_tree *tree)
{
	return LAZY(git_tree_id)(tree);
}

int git_tree_lookup(git_tree **out, git_repository *repo, const git_oid *id)
{
	return LAZY(git_tree_lookup)(out, repo, id);
}

int git_tree_walk(const git_tree *tree, git_treewalk_mode mode, git_treewalk_cb callback, void *payload)
{
	return LAZY(git_tree_walk)(tree, mode, callback, payload);
}

/* Added for the path walk and the default-branch message (common/git.c). */
const git_oid * git_commit_id(const git_commit *commit)
{
	return LAZY(git_commit_id)(commit);
}

const git_oid * git_commit_parent_id(const git_commit *commit, unsigned int n)
{
	return LAZY(git_commit_parent_id)(commit, n);
}

const git_oid * git_commit_tree_id(const git_commit *commit)
{
	return LAZY(git_commit_tree_id)(commit);
}

void git_odb_free(git_odb *db)
{
	LAZY(git_odb_free)(db);
}

const void * git_odb_object_data(git_odb_object *object)
{
	return LAZY(git_odb_object_data)(object);
}

void git_odb_object_free(git_odb_object *object)
{
	LAZY(git_odb_object_free)(object);
}

size_t git_odb_object_size(git_odb_object *object)
{
	return LAZY(git_odb_object_size)(object);
}

git_object_t git_odb_object_type(git_odb_object *object)
{
	return LAZY(git_odb_object_type)(object);
}

int git_odb_read(git_odb_object **out, git_odb *db, const git_oid *id)
{
	return LAZY(git_odb_read)(out, db, id);
}

int git_oid_fromraw(git_oid *out, const unsigned char *raw)
{
	return LAZY(git_oid_fromraw)(out, raw);
}

void git_reference_iterator_free(git_reference_iterator *iter)
{
	LAZY(git_reference_iterator_free)(iter);
}

int git_reference_iterator_glob_new(git_reference_iterator **out, git_repository *repo, const char *glob)
{
	return LAZY(git_reference_iterator_glob_new)(out, repo, glob);
}

int git_reference_next_name(const char **out, git_reference_iterator *iter)
{
	return LAZY(git_reference_next_name)(out, iter);
}

const char * git_reference_symbolic_target(const git_reference *ref)
{
	return LAZY(git_reference_symbolic_target)(ref);
}

git_reference_t git_reference_type(const git_reference *ref)
{
	return LAZY(git_reference_type)(ref);
}

int git_repository_odb(git_odb **out, git_repository *repo)
{
	return LAZY(git_repository_odb)(out, repo);
}

size_t git_tree_entrycount(const git_tree *tree)
{
	return LAZY(git_tree_entrycount)(tree);
}

const git_tree_entry * git_tree_entry_byindex(const git_tree *tree, size_t idx)
{
	return LAZY(git_tree_entry_byindex)(tree, idx);
}

int git_odb_read_header(size_t *len_out, git_object_t *type_out, git_odb *db, const git_oid *id)
{
	return LAZY(git_odb_read_header)(len_out, type_out, db, id);
}

int git_stream_register(git_stream_t type, git_stream_registration *registration)
{
	return LAZY(git_stream_register)(type, registration);
}

void git_error_set_oom(void)
{
	LAZY(git_error_set_oom)();
}
