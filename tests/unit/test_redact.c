/* Unit tests for common/redact: no credential survives in what we print. */
#include <stdlib.h>

#include "redact.h"
#include "tap.h"

static void check_redact(const char *url, const char *want)
{
	char *got = gt_url_redact(url);
	is_str(got, want, "redact %s", url);
	free(got);
}

static void check_user(const char *url, const char *want)
{
	char *got = gt_url_user_dup(url);
	is_str(got, want, "user of %s", url);
	free(got);
}

static void check_secret(const char *text, const char *secret, const char *want)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", text);
	gt_redact_secret(buf, secret);
	is_str(buf, want, "mask '%s' in '%s'", secret ? secret : "(null)", text);
}

int main(void)
{
	check_redact("https://dev.azure.com/org/proj/_git/repo", "https://dev.azure.com/org/proj/_git/repo");
	check_redact("https://org:s3cr3t-pat@dev.azure.com/org/proj/_git/repo", "https://org@dev.azure.com/org/proj/_git/repo");
	check_redact("https://:s3cr3t@host/x", "https://@host/x");
	check_redact("https://user:p@ss@host/x", "https://user@host/x");
	check_redact("https://org@dev.azure.com/org/_git/r", "https://org@dev.azure.com/org/_git/r");
	check_redact("http://127.0.0.1:8080/git/r.git", "http://127.0.0.1:8080/git/r.git");
	check_redact("https://host/path@with-at", "https://host/path@with-at");
	check_redact("/srv/git/manifests.git", "/srv/git/manifests.git");
	check_redact("file:///srv/git/m.git", "file:///srv/git/m.git");

	ok(gt_url_has_password("https://a:b@h/x"), "a password is seen");
	ok(!gt_url_has_password("https://a@h/x"), "a user name alone is not a password");
	ok(!gt_url_has_password("https://h/p:q@r"), "an '@' in the path is not userinfo");
	ok(!gt_url_has_password("/local/path:x@y"), "a path has no userinfo");

	check_user("https://org@dev.azure.com/x", "org");
	check_user("https://org:pat@dev.azure.com/x", "org");
	check_user("https://dev.azure.com/x", NULL);
	check_user("https://:pat@dev.azure.com/x", NULL);

	/* a token as the user part: all of the userinfo goes; a user name stays */
	check_redact("https://k3vq7xw2mz5pnr4dyt6ahc2fuj7lbs3eog5ri6wq4xnt2ypzm7ac@dev.azure.com/o/p/_git/r",
		     "https://dev.azure.com/o/p/_git/r");
	check_redact("https://ghp_abcdefghij0123456789@github.com/o/r", "https://github.com/o/r");
	check_redact("https://3f9a1c77e2b04d58a6c1@host/r", "https://host/r");
	check_redact("https://internal-bot@host/r", "https://internal-bot@host/r");
	check_redact("https://contoso-engineering-2024@dev.azure.com/x", "https://contoso-engineering-2024@dev.azure.com/x");
	check_redact("https://first.last%40example.com@host/r", "https://first.last%40example.com@host/r");
	ok(gt_looks_like_token("x9Kq2mZ7pL4vR8tW1yB3", NULL), "20 random letters and digits look like a token");
	ok(!gt_looks_like_token("x-access-token", NULL), "x-access-token is a user name");
	ok(!gt_looks_like_token("my-organization-name", NULL), "an organisation name is not a token");
	ok(gt_looks_like_token("word", "word"), "the known token is a token, whatever it looks like");
	setenv("GITOPS_GIT_TOKEN", "plain-word-token", 1);
	ok(gt_looks_like_token("plain-word-token", NULL), "so is GITOPS_GIT_TOKEN's");
	unsetenv("GITOPS_GIT_TOKEN");
	is_int(gt_url_check_credentials("https://org@host/r", NULL, NULL), 0, "a user name passes the check");
	is_int(gt_url_check_credentials("https://host/r", NULL, NULL), 0, "no userinfo passes");

	check_secret("token abcd1234 in abcd1234", "abcd1234", "token *** in ***");
	check_secret("nothing here", "abcd1234", "nothing here");
	check_secret("short ab", "ab", "short ab");
	check_secret("null secret", NULL, "null secret");
	check_secret("xxabcdxx", "abcd", "xx***xx");

	/* The credentials callback gives the token only to the origin it is for. */
	const char *remote = "https://org@dev.azure.com/org/proj/_git/repo";
	ok(gt_url_same_origin("https://dev.azure.com/org/proj/_git/repo/info/refs?service=git-upload-pack", remote),
	   "the same scheme, host and port: the same origin (path, query and user aside)");
	ok(gt_url_same_origin("https://DEV.Azure.com:443/x", remote), "host in any case, the default port spelled out");
	ok(!gt_url_same_origin("https://evil.example/org/proj/_git/repo", remote), "another host");
	ok(!gt_url_same_origin("https://dev.azure.com:8443/org/proj/_git/repo", remote), "another port");
	ok(!gt_url_same_origin("http://dev.azure.com/org/proj/_git/repo", remote), "another scheme");
	ok(!gt_url_same_origin("https://dev.azure.com.evil.example/x", remote), "a host that only starts the same");
	ok(!gt_url_same_origin("https://dev.azure.com@evil.example/x", remote), "userinfo that looks like the host");
	ok(gt_url_same_origin("http://[::1]:8080/a", "http://[::1]:8080/b"), "IPv6 literals");
	ok(!gt_url_same_origin("http://[::1]:8080/a", "http://[::1]:8081/a"), "IPv6 literals, another port");
	ok(!gt_url_same_origin("/srv/git/m.git", "/srv/git/m.git"), "a path is no origin: never given a token");
	char *o = gt_url_origin_dup("https://user:pw@Example.COM/x?y");
	ok(o && !strcmp(o, "https://example.com:443"), "the origin as shown: no userinfo, no path (%s)", o ? o : "NULL");
	free(o);
	return tap_done();
}
