/* gitops-repo-add: what its files share. */
#ifndef REPOADD_H
#define REPOADD_H

#include <jansson.h>
#include <stdbool.h>

#include "cli.h"
#include "git.h"
#include "kube.h"

#define SECRET_TYPE_LABEL "argocd.argoproj.io/secret-type"
#define MANAGED_BY_ANNOTATION "managed-by"
#define MANAGED_BY_ARGOCD "argocd.argoproj.io"
#define DNS_LABEL_MAX 63
#define MAX_DEPTH 2147483647UL /* git takes an int */
#define ARGOCD_TOKEN_USER "x-access-token" /* what Argo CD sends with a password and no user name */
#define MAX_KEY_FILE ((size_t)1 << 20) /* an ssh key or a PEM certificate: far below this */

enum verify_mode { VERIFY_LS_REMOTE, VERIFY_FETCH, VERIFY_NONE };

struct repoadd_opts {
	const char *url; /* as typed: hashed and stored exactly so */
	const char *type, *name, *project, *namespace;
	const char *proxy, *no_proxy;
	const char *ssh_key_path, *cert_path, *key_path;
	bool creds, insecure, force_basic, lfs, apply, upsert;
	bool show_secrets; /* --show-secrets: the Secret printed with its values */
	unsigned long depth;
	int verify_arg;    /* --verify: VERIFY_LS_REMOTE or VERIFY_FETCH; -1 when not given */
	bool no_verify;    /* --no-verify */
	enum verify_mode verify; /* what is done, from the two */
	bool verify_given; /* --verify on the command line, not the default */
	enum gt_format format;
	struct gt_git_opts git; /* username, password, CA file, timeout for the verification */
	struct gt_kube_opts kube; /* --apply: kubectl's connection flags */
	const char *username;   /* for the Secret: only with a password */
	char *url_user;         /* the user in an https URL (Azure DevOps: the organisation) */
	char *ssh_key, *cert, *key; /* file contents, secret */
};

/* What verification found, for the summary. */
struct verified {
	bool done;
	const char *how; /* "ls-remote" or "fetch" */
	char *branch;    /* the remote's default branch, or NULL */
	char head[GIT_OID_HEXSZ + 1];
};

/* ---- url.c ---- */
bool url_is_ssh(const char *url);
bool url_is_https(const char *url);
/* Argo CD's NormalizeGitURL (lower case, scp form as ssh, no .git, no ssh://); malloc'd. */
char *url_normalize(const char *url);
/* "org/project/repo" of an Azure DevOps URL in any of its forms, lower case, malloc'd; NULL if not one. */
char *url_azure_identity(const char *url);
/* Warn about URL forms that will not work as the user expects (never rewrites the URL). */
void url_warn(const struct repoadd_opts *o);

/* ---- secret.c ---- */
/* "repo-" or "creds-" + decimal FNV-1a 32 of URL + project, as argocd repo add names it; buf >= 32. */
void secret_name(const struct repoadd_opts *o, char *buf, size_t size);
/* The Secret Argo CD reads; NULL on no memory (printed). */
json_t *secret_new(const struct repoadd_opts *o, const char *name);
/* A copy with every secret value shown as ***. */
json_t *secret_masked(const json_t *secret);
/* Keys of live (decoded data) whose values differ from want (stringData), as "a, b"; "" when none. */
char *secret_differences(const json_t *live, const json_t *want);
/* Add to want's stringData the zero value of each known key live has and want lacks, as Argo CD does on update. */
void secret_clear_stale(json_t *want, const json_t *live);
/* data (base64) of a live Secret as a map of strings; new reference, NULL if undecodable. */
json_t *secret_decode_data(const json_t *secret);

/* ---- cluster.c ---- */
/* Apply the Secret through kubectl after the checks argocd repo add makes; a GT_EXIT_* code.
 * *what is "created", "updated" or "unchanged". */
int cluster_apply(const struct repoadd_opts *o, json_t *secret, const char **what);

/* ---- verify.c ---- */
/* Test access as configured (ls-remote or fetch); a GT_EXIT_* code, v filled. */
int verify_access(const struct repoadd_opts *o, struct verified *v);

#endif
