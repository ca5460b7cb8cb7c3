/* gitops-repo-add: register a git repository with Argo CD as the Secret `argocd repo add` would write, after testing access. */
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "redact.h"
#include "repoadd.h"
#include "stream.h"

static const struct gt_choice repo_types[] = { { "git", 0 }, { "helm", 1 }, GT_CHOICES_END };
static const struct gt_choice verify_modes[] = { { "ls-remote", VERIFY_LS_REMOTE }, { "fetch", VERIFY_FETCH }, GT_CHOICES_END };

static struct repoadd_opts opts = { .type = "git", .namespace = "argocd", .verify_arg = -1 };

static int refuse_password(const struct gt_option *opt, const char *flag, const char *value);

static const struct gt_option options[] = {
	GT_OPT_STRING_EMPTY_UNSET(0, "username", "USER", &opts.username,
				  "user name for https, verified and written (default: the user in URL, else "
				  "GITOPS_GIT_USERNAME, else x-access-token)"),
	GT_OPT_CALLBACK(0, "password-stdin", NULL, &opts.git, gt_git_token_option,
			"read the password or token from standard input"),
	GT_OPT_CALLBACK(0, "password-file", "FILE", &opts.git, gt_git_token_option,
			"read the password or token from FILE (else GITOPS_GIT_TOKEN)"),
	GT_OPT_CALLBACK(0, "password", "VALUE", NULL, refuse_password,
			"refused: argv is visible to every user (use one of the above)"),
	GT_OPT_CHOICE_NAME(0, "type", "TYPE", &opts.type, repo_types, "(default git)"),
	GT_OPT_STRING_EMPTY_UNSET(0, "name", "NAME", &opts.name, "display name (required for helm)"),
	GT_OPT_STRING_EMPTY_UNSET(0, "project", "PROJECT", &opts.project,
				  "the AppProject the repository belongs to (default: none, all projects)"),
	GT_OPT_FLAG(0, "creds", &opts.creds,
		    "write a credential template (repo-creds) for every repository whose URL starts with URL"),
	GT_OPT_STRING(0, "argocd-namespace", "NS", &opts.namespace, "the namespace Argo CD runs in (default argocd)"),
	GT_OPT_STRING('n', "namespace", "NS", &opts.namespace, "the same as --argocd-namespace, as kubectl's -n"),
	GT_OPT_FLAG(0, "insecure-skip-server-verification", &opts.insecure,
		    "skip the TLS (https) or host key (ssh) check, here and in Argo CD"),
	GT_OPT_FLAG(0, "force-http-basic-auth", &opts.force_basic, "send basic auth up front instead of after a 401"),
	GT_OPT_FLAG(0, "enable-lfs", &opts.lfs, "fetch Git LFS objects"),
	GT_OPT_STRING_EMPTY_UNSET(0, "proxy", "URL", &opts.proxy, "proxy for this repository (verification uses it too)"),
	GT_OPT_STRING_EMPTY_UNSET(0, "no-proxy", "LIST", &opts.no_proxy, "hosts to reach without the proxy, comma-separated"),
	GT_OPT_STRING_EMPTY_UNSET(0, "ssh-private-key-path", "FILE", &opts.ssh_key_path, "private key for an ssh URL"),
	GT_OPT_STRING_EMPTY_UNSET(0, "tls-client-cert-path", "FILE", &opts.cert_path,
				  "TLS client certificate (PEM) for an https URL"),
	GT_OPT_STRING_EMPTY_UNSET(0, "tls-client-cert-key-path", "FILE", &opts.key_path, "the client certificate's key (PEM)"),
	GT_OPT_UINT(0, "depth", "N", &opts.depth, 0, MAX_DEPTH, "shallow clone depth in Argo CD (default 0: full clones)"),
	GT_OPT_CHOICE(0, "verify", "MODE", &opts.verify_arg, verify_modes,
		      "(default ls-remote: test access as argocd repo add does)"),
	GT_OPT_FLAG(0, "no-verify", &opts.no_verify, "do not test access"),
	GT_OPT_SECONDS(0, "timeout", &opts.git.timeout, GT_SECONDS(1), GT_MAX_DURATION,
		       "limit for each network step and cluster request (default 60s)"),
	GT_OPT_STRING_CHECKED(0, "ca-file", "FILE", &opts.git.ca_file, gt_check_readable,
			      "trust the certificates in FILE when verifying https"),
	GT_OPT_FLAG(0, "apply", &opts.apply, "apply the Secret with kubectl apply --server-side in the Argo CD namespace"),
	GT_KUBE_OPTIONS(&opts.kube),
	GT_KUBE_CLUSTER_OPTION(&opts.kube),
	GT_OPT_FLAG(0, "upsert", &opts.upsert, "with --apply: replace a registration whose settings differ"),
	GT_OPT_FLAG(0, "show-secrets", &opts.show_secrets,
		    "print the password and keys in the Secret (for kubectl apply -f - or kubeseal); else masked"),
	GT_OPT_CHOICE('o', "output", "FORMAT", &opts.format, gt_formats_all, "(default: text on a terminal, else json)"),
	GT_OPTIONS_END
};

static const struct gt_command command = {
	.name = "gitops-repo-add",
	.synopsis = "[OPTIONS] URL",
	.summary = "Register the repository at URL with Argo CD: test access like argocd repo add, then print the\n"
		   "repository Secret (named as argocd repo add names it) or apply it with kubectl.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
};

static int refuse_password(const struct gt_option *opt, const char *flag, const char *value)
{
	(void)opt, (void)value;
	gt_error("%s: a password in the command line is visible to every user of this machine (ps, /proc) and stays "
		 "in shell history; use --password-stdin, --password-file FILE or GITOPS_GIT_TOKEN", flag);
	return -1;
}

/* ---- checks: what argocd repo add refuses, and what a template cannot hold ---- */

static int check_template(const struct repoadd_opts *o)
{
	const char *flag = o->name ? "--name" : o->project ? "--project" : o->insecure ? "--insecure-skip-server-verification"
			 : o->lfs ? "--enable-lfs" : o->depth ? "--depth" : NULL;
	if (flag)
		return gt_error("%s: a credential template (--creds) has no such setting; Argo CD reads it from "
				"the repository's own Secret", flag),
		       -1;
	return 0;
}

/* An RFC 1123 label, as a namespace name must be. */
static bool dns_label_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > DNS_LABEL_MAX || s[0] == '-' || s[n - 1] == '-')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static int check_usage(const struct repoadd_opts *o)
{
	if (!dns_label_ok(o->namespace))
		return gt_error("--argocd-namespace '%s': not a valid namespace: lower-case letters, digits and '-', "
				"starting and ending with a letter or digit, at most %d characters", o->namespace, DNS_LABEL_MAX),
		       -1;
	if (!*o->url)
		return gt_error("the URL is empty"), -1;
	if (strchr(o->url, '\n') || strchr(o->url, ' '))
		return gt_error("%s: a URL has no spaces or line breaks", o->url), -1;
	if (o->creds && check_template(o) < 0)
		return -1;
	if (!strcmp(o->type, "helm") && !o->name)
		return gt_error("--type helm: a Helm repository needs --name (argocd repo add requires it)"), -1;
	if (o->ssh_key_path && !url_is_ssh(o->url))
		return gt_error("--ssh-private-key-path: only for ssh URLs, and %s is not one", o->url), -1;
	if (!o->cert_path != !o->key_path)
		return gt_error("--tls-client-cert-path and --tls-client-cert-key-path go together"), -1;
	if (o->cert_path && !url_is_https(o->url))
		return gt_error("--tls-client-cert-path: only for https URLs, and %s is not one", o->url), -1;
	if (o->upsert && !o->apply)
		return gt_error("--upsert: only with --apply (without it nothing is compared or written)"), -1;
	if (o->verify_arg >= 0 && o->no_verify)
		return gt_error("--verify and --no-verify: give one of them"), -1;
	return 0;
}

static int read_key_file(const char *opt, const char *path, char **out)
{
	size_t len;
	if (!path)
		return 0;
	int r = gt_file_read(path, MAX_KEY_FILE, out, &len);
	if (r == 1)
		gt_error("%s %s: no such file", opt, path);
	if (r == 0 && (len == 0 || strlen(*out) != len))
		gt_error("%s %s: %s", opt, path, len ? "not a text file (PEM or OpenSSH key)" : "the file is empty"), r = -1;
	return r == 0 ? 0 : -1;
}

/* The token from a file, stdin or the environment, and the user name the Secret gets. */
static int resolve_credentials(struct repoadd_opts *o)
{
	const char *explicit_user = o->username;
	o->git.url = o->url;
	o->git.username = o->username;
	if (gt_git_credentials_finish(&o->git) < 0)
		return -1;
	const char *job_token = getenv("SYSTEM_ACCESSTOKEN");
	if (o->git.password && o->git.password == job_token) {
		/* Azure Pipelines' job token expires with the run: Argo CD would lose access within the hour. */
		gt_warn("SYSTEM_ACCESSTOKEN is the pipeline's job token and expires with the run; not storing it "
			"(pass a PAT in GITOPS_GIT_TOKEN, --password-file or --password-stdin)");
		o->git.password = NULL;
	}
	o->url_user = url_is_https(o->url) || !strncmp(o->url, "http://", 7) ? gt_url_user_dup(o->url) : NULL;
	if (!explicit_user && o->url_user)
		o->git.username = o->url_user; /* Azure DevOps' Clone button: https://ORG@dev.azure.com/... */
	if (explicit_user && !o->git.password)
		return gt_error("--username %s needs a password: pass it with --password-stdin, --password-file FILE "
				"or GITOPS_GIT_TOKEN", explicit_user),
		       -1;
	/* With a token and no name, Argo CD sends x-access-token (util/git/creds.go): write it, so that the
	 * Secret holds exactly the user name verified. A name without a password would count as
	 * credentials and keep templates away. */
	if (o->git.password && !o->git.username)
		o->git.username = ARGOCD_TOKEN_USER;
	o->username = o->git.password ? o->git.username : NULL;
	return 0;
}

static int finish_options(struct repoadd_opts *o)
{
	if (check_usage(o) < 0 || resolve_credentials(o) < 0)
		return -1;
	o->verify_given = o->verify_arg >= 0;
	o->verify = o->no_verify ? VERIFY_NONE : o->verify_given ? (enum verify_mode)o->verify_arg : VERIFY_LS_REMOTE;
	o->git.insecure = o->insecure; /* verify as Argo CD will fetch */
	if (read_key_file("--ssh-private-key-path", o->ssh_key_path, &o->ssh_key) < 0 ||
	    read_key_file("--tls-client-cert-path", o->cert_path, &o->cert) < 0 ||
	    read_key_file("--tls-client-cert-key-path", o->key_path, &o->key) < 0)
		return -1;
	url_warn(o);
	return 0;
}

/* ---- output ---- */

/* A value as the summary shows it: keys and certificates by kind, a cleared key (--upsert) as such. */
static const char *text_value(const char *v)
{
	return !*v ? "(cleared)" : strchr(v, '\n') ? "(PEM)" : v;
}

static void print_text(const struct repoadd_opts *o, const json_t *masked, const struct verified *v, const char *applied)
{
	const json_t *meta = json_object_get(masked, "metadata"), *val;
	const char *k;
	printf("Secret %s/%s: %s %s\n", o->namespace, json_string_value(json_object_get(meta, "name")),
	       o->creds ? "credential template for" : "repository", o->url);
	json_object_foreach((json_t *)json_object_get(masked, "stringData"), k, val)
		if (strcmp(k, "url"))
			printf("  %s: %s\n", k, text_value(json_string_value(val)));
	if (v->done)
		printf("verified: %s%s%s%s%.12s\n", v->how, v->branch ? ", default branch " : "", v->branch ? v->branch : "",
		       v->head[0] ? " at " : ", empty repository", v->head);
	if (applied)
		printf("applied: %s\n", applied);
	else
		printf("not applied: use --apply, or --show-secrets -o yaml | kubectl apply -f -\n");
}

/*
 * json and yaml: the Secret itself, its password and keys masked unless --show-secrets (and always
 * after --apply: it is a report then). A CI step that prints it to its log must not log the token.
 */
static int print_secret(const struct repoadd_opts *o, const json_t *secret, const json_t *masked, const char *applied)
{
	bool clear = o->show_secrets && !applied;
	struct gt_writer *w = gt_writer_new(stdout, o->format);
	int r = !w || gt_writer_put(w, clear ? secret : masked) < 0 ? -1 : 0;
	if (!clear && !applied && !json_equal((json_t *)secret, (json_t *)masked))
		gt_info("the Secret's password and keys are masked (***): add --show-secrets to write them, e.g. "
			"'--show-secrets -o yaml | kubectl apply -f -' or '| kubeseal', or use --apply");
	return gt_writer_close(w) < 0 ? -1 : r;
}

static int print_result(const struct repoadd_opts *o, const json_t *secret, const struct verified *v, const char *applied)
{
	json_t *masked = secret_masked(secret);
	int r = masked ? 0 : -1;
	if (r == 0 && o->format == GT_FORMAT_TEXT)
		print_text(o, masked, v, applied);
	else if (r == 0)
		r = print_secret(o, secret, masked, applied);
	if (fflush(stdout) != 0)
		r = -1;
	json_decref(masked);
	return r;
}

/* ---- the flow ---- */

static int repo_add(const struct repoadd_opts *o)
{
	char name[64];
	struct verified v;
	const char *applied = NULL;
	secret_name(o, name, sizeof(name));
	json_t *secret = secret_new(o, name);
	if (!secret)
		return GT_EXIT_INPUT;
	int st = verify_access(o, &v);
	if (st == GT_EXIT_OK && o->apply)
		st = cluster_apply(o, secret, &applied);
	if (st == GT_EXIT_OK && applied && o->format != GT_FORMAT_TEXT)
		gt_info("Secret %s/%s %s", o->namespace, name, applied);
	if (st == GT_EXIT_OK && print_result(o, secret, &v, applied) < 0)
		st = GT_EXIT_INPUT;
	json_decref(secret);
	free(v.branch);
	return st;
}

static void wipe(char *s)
{
	if (s)
		memset(s, 0, strlen(s));
	free(s);
}

static void opts_free(struct repoadd_opts *o)
{
	wipe(o->ssh_key);
	wipe(o->key);
	free(o->cert);
	free(o->url_user);
	gt_git_opts_clear(&o->git);
}

int main(int argc, char **argv)
{
	struct repoadd_opts *o = &opts;
	int first;
	o->format = gt_default_format(stdout);
	int st = gt_parse(&command, argc, argv, &first);
	if (st == 0) {
		o->url = argv[first];
		if (finish_options(o) < 0)
			st = -1;
	}
	if (st != 0) {
		opts_free(o);
		return st < 0 ? GT_EXIT_USAGE : GT_EXIT_OK;
	}
	st = repo_add(o);
	opts_free(o);
	return st;
}
