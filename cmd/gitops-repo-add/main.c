/* gitops-repo-add: register a git repository with Argo CD as the Secret `argocd repo add` would write, after testing access. */
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "redact.h"
#include "repoadd.h"
#include "stream.h"

static const struct gt_option options[] = {
	{ "username", 0, "USER", "user name for https, verified and written (default: the user in URL, else GITOPS_GIT_USERNAME, else x-access-token)" },
	{ "password-stdin", 0, NULL, "read the password or token from standard input" },
	{ "password-file", 0, "FILE", "read the password or token from FILE (else GITOPS_GIT_TOKEN)" },
	{ "password", 0, "VALUE", "refused: argv is visible to every user (use one of the above)" },
	{ "type", 0, "TYPE", "git or helm (default git)" },
	{ "name", 0, "NAME", "display name (required for helm)" },
	{ "project", 0, "PROJECT", "the AppProject the repository belongs to (default: none, all projects)" },
	{ "creds", 0, NULL, "write a credential template (repo-creds) for every repository whose URL starts with URL" },
	{ "argocd-namespace", 0, "NS", "the namespace Argo CD runs in (default argocd)" },
	{ "insecure-skip-server-verification", 0, NULL, "skip the TLS (https) or host key (ssh) check, here and in Argo CD" },
	{ "force-http-basic-auth", 0, NULL, "send basic auth up front instead of after a 401" },
	{ "enable-lfs", 0, NULL, "fetch Git LFS objects" },
	{ "proxy", 0, "URL", "proxy for this repository (verification uses it too)" },
	{ "no-proxy", 0, "LIST", "hosts to reach without the proxy, comma-separated" },
	{ "ssh-private-key-path", 0, "FILE", "private key for an ssh URL" },
	{ "tls-client-cert-path", 0, "FILE", "TLS client certificate (PEM) for an https URL" },
	{ "tls-client-cert-key-path", 0, "FILE", "the client certificate's key (PEM)" },
	{ "depth", 0, "N", "shallow clone depth in Argo CD (default 0: full clones)" },
	{ "verify", 0, "MODE", "ls-remote or fetch (default ls-remote: test access as argocd repo add does)" },
	{ "no-verify", 0, NULL, "do not test access" },
	{ "timeout", 0, "SECONDS", "limit for each network step and cluster request (default 60)" },
	{ "ca-file", 0, "FILE", "trust the certificates in FILE when verifying https" },
	{ "apply", 0, NULL, "apply the Secret with kubectl apply --server-side in the Argo CD namespace" },
	{ "upsert", 0, NULL, "with --apply: replace a registration whose settings differ" },
	{ "show-secrets", 0, NULL, "print the password and keys in the Secret (for kubectl apply -f - or kubeseal); else masked" },
	{ "output", 'o', "FORMAT", "json, yaml or text (default: text on a terminal, else json)" },
	GT_OPTIONS_END
};

static int set_option(void *ctx, const struct gt_option *opt, const char *arg);

static const struct gt_command command = {
	.name = "gitops-repo-add",
	.synopsis = "[OPTIONS] URL",
	.summary = "Register the repository at URL with Argo CD: test access like argocd repo add, then print the\n"
		   "repository Secret (named as argocd repo add names it) or apply it with kubectl.",
	.options = options,
	.set = set_option,
	.min_args = 1,
	.max_args = 1,
};

static int set_choice(const char *opt, const char *arg, const char *const *choices, const char **out)
{
	for (; *choices; choices++)
		if (!strcmp(arg, *choices))
			return *out = *choices, 0;
	gt_error("--%s %s: not one of the accepted values (see --help)", opt, arg);
	return -1;
}

static int set_verify(struct repoadd_opts *o, const char *arg)
{
	static const char *const modes[] = { "ls-remote", "fetch", NULL };
	const char *mode;
	if (set_choice("verify", arg, modes, &mode) < 0)
		return -1;
	o->verify = !strcmp(mode, "fetch") ? VERIFY_FETCH : VERIFY_LS_REMOTE;
	o->verify_given = true;
	return 0;
}

/* The options that are a plain string or a flag; 1 if opt was one of them. */
static int set_simple(struct repoadd_opts *o, const char *n, const char *arg)
{
	struct { const char *name; const char **str; bool *flag; } simple[] = {
		{ "username", &o->username, NULL }, { "name", &o->name, NULL },
		{ "project", &o->project, NULL }, { "argocd-namespace", &o->namespace, NULL },
		{ "proxy", &o->proxy, NULL }, { "no-proxy", &o->no_proxy, NULL },
		{ "ssh-private-key-path", &o->ssh_key_path, NULL }, { "tls-client-cert-path", &o->cert_path, NULL },
		{ "tls-client-cert-key-path", &o->key_path, NULL }, { "creds", NULL, &o->creds },
		{ "insecure-skip-server-verification", NULL, &o->insecure },
		{ "force-http-basic-auth", NULL, &o->force_basic }, { "enable-lfs", NULL, &o->lfs },
		{ "apply", NULL, &o->apply }, { "upsert", NULL, &o->upsert }, { "show-secrets", NULL, &o->show_secrets },
	};
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		if (strcmp(n, simple[i].name))
			continue;
		if (simple[i].str)
			*simple[i].str = *arg ? arg : NULL;
		else
			*simple[i].flag = true;
		return 1;
	}
	return 0;
}

static int set_option(void *ctx, const struct gt_option *opt, const char *arg)
{
	struct repoadd_opts *o = ctx;
	const char *n = opt->name;
	static const char *const types[] = { "git", "helm", NULL };
	if (!strcmp(n, "password"))
		return gt_error("--password: a password in the command line is visible to every user of this machine "
				"(ps, /proc) and stays in shell history; use --password-stdin, --password-file FILE or "
				"GITOPS_GIT_TOKEN"),
		       -1;
	if (set_simple(o, n, arg)) /* first: --username is the Secret's, not only the verification's */
		return 0;
	int handled = gt_git_option(&o->git, opt, arg);
	if (handled)
		return handled < 0 ? -1 : 0;
	if (!strcmp(n, "type"))
		return set_choice(n, arg, types, &o->type);
	if (!strcmp(n, "depth"))
		return gt_parse_uint(n, arg, MAX_DEPTH, &o->depth);
	if (!strcmp(n, "verify"))
		return set_verify(o, arg);
	if (!strcmp(n, "no-verify"))
		o->verify = VERIFY_NONE;
	else if (!strcmp(n, "output")) {
		o->format_set = true;
		return gt_parse_format(arg, GT_FORMATS_ALL, &o->format);
	}
	return 0;
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
	if (o->verify_given && o->verify == VERIFY_NONE)
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
	if (!o->format_set)
		o->format = gt_default_format(stdout);
	if (check_usage(o) < 0 || resolve_credentials(o) < 0)
		return -1;
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
	struct repoadd_opts o = { .type = "git", .namespace = "argocd", .verify = VERIFY_LS_REMOTE };
	int first, st = gt_parse(&command, argc, argv, &o, &first);
	if (st == 0) {
		o.url = argv[first];
		if (finish_options(&o) < 0)
			st = -1;
	}
	if (st != 0) {
		opts_free(&o);
		return st < 0 ? GT_EXIT_USAGE : GT_EXIT_OK;
	}
	st = repo_add(&o);
	opts_free(&o);
	return st;
}
