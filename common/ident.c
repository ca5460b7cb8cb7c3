/* ident: who a commit is by, a bot's or a person's, and the tool as its committer. */
#include "ident.h"

#include <git2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

/* "Name <email>" from --author into *out, the strings in *owned. 0, or -1 after printing. */
static int parse_author(const char *arg, struct gt_ident *out, char **owned)
{
	const char *lt = strchr(arg, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	if (!lt || !gt || gt[1] != '\0' || lt == arg || gt == lt + 1) {
		gt_error("--author %s: use \"Name <email>\"", arg);
		return -1;
	}
	char *copy = strdup(arg);
	if (!copy)
		return gt_error("out of memory"), -1;
	size_t name_len = (size_t)(lt - arg);
	while (name_len > 0 && copy[name_len - 1] == ' ')
		name_len--;
	copy[name_len] = '\0';
	copy[gt - arg] = '\0';
	out->name = copy;
	out->email = copy + (lt - arg) + 1;
	*owned = copy;
	return 0;
}

int gt_ident_resolve(const char *arg, struct gt_ident *out, char **owned)
{
	*owned = NULL;
	if (arg)
		return parse_author(arg, out, owned);
	const char *name = getenv("GIT_AUTHOR_NAME"), *email = getenv("GIT_AUTHOR_EMAIL");
	out->name = name && *name ? name : gt_program();
	out->email = email && *email ? email : GT_IDENT_TOOL_EMAIL;
	return 0;
}

struct gt_ident gt_ident_tool(void)
{
	return (struct gt_ident){ gt_program(), GT_IDENT_TOOL_EMAIL };
}

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* git's boolean environment variables: set, and not false, no, off or 0. */
static bool env_true(const char *name)
{
	const char *v = env(name);
	return v && strcmp(v, "0") && strcasecmp(v, "false") && strcasecmp(v, "no") && strcasecmp(v, "off");
}

/* A config file at level, when it can be read; a file git would skip (missing, unreadable) is skipped. */
static void add_config_file(git_config *cfg, const char *path, git_config_level_t level)
{
	if (path && *path && git_config_add_file_ondisk(cfg, path, level, NULL, 0) < 0)
		git_error_clear();
}

/* Add the file find() finds (system, xdg, global) at level. */
static void add_found(git_config *cfg, int (*find)(git_buf *), git_config_level_t level)
{
	git_buf path = { 0 };
	if (find(&path) == 0)
		add_config_file(cfg, path.ptr, level);
	git_buf_dispose(&path);
	git_error_clear();
}

/* The repository here (the working directory or a parent), whose config comes last and wins. */
static void add_repository_config(git_config *cfg)
{
	git_repository *repo = NULL;
	if (git_repository_open_ext(&repo, ".", 0, NULL) < 0) {
		git_error_clear();
		return;
	}
	const char *dir = git_repository_commondir(repo);
	size_t n = strlen(dir) + sizeof("config");
	char *path = malloc(n);
	if (path) {
		snprintf(path, n, "%sconfig", dir); /* commondir ends in '/' */
		add_config_file(cfg, path, GIT_CONFIG_LEVEL_LOCAL);
	}
	free(path);
	git_repository_free(repo);
}

/*
 * user.name and user.email as `git config` reads them: libgit2 1.5 knows neither
 * GIT_CONFIG_GLOBAL, GIT_CONFIG_SYSTEM nor GIT_CONFIG_NOSYSTEM, so the files are chosen here as
 * git chooses them. *name and *email: malloc'd, NULL when not set.
 */
static void config_identity(char **name, char **email)
{
	git_config *cfg = NULL;
	*name = *email = NULL;
	git_libgit2_init();
	if (git_config_new(&cfg) == 0) {
		if (!env_true("GIT_CONFIG_NOSYSTEM")) {
			if (env("GIT_CONFIG_SYSTEM"))
				add_config_file(cfg, env("GIT_CONFIG_SYSTEM"), GIT_CONFIG_LEVEL_SYSTEM);
			else
				add_found(cfg, git_config_find_system, GIT_CONFIG_LEVEL_SYSTEM);
		}
		if (getenv("GIT_CONFIG_GLOBAL")) { /* set, even to "", it replaces both of the user's files */
			add_config_file(cfg, getenv("GIT_CONFIG_GLOBAL"), GIT_CONFIG_LEVEL_GLOBAL);
		} else {
			add_found(cfg, git_config_find_xdg, GIT_CONFIG_LEVEL_XDG);
			add_found(cfg, git_config_find_global, GIT_CONFIG_LEVEL_GLOBAL);
		}
		add_repository_config(cfg);
		const char *keys[2] = { "user.name", "user.email" };
		char **out[2] = { name, email };
		for (int i = 0; i < 2; i++) {
			git_buf v = { 0 };
			if (git_config_get_string_buf(&v, cfg, keys[i]) == 0 && v.ptr && *v.ptr)
				*out[i] = strdup(v.ptr);
			git_buf_dispose(&v);
		}
		git_config_free(cfg);
	}
	git_error_clear();
	git_libgit2_shutdown();
}

/* name and email into one allocation that *owned keeps. 0, or -1 after printing. */
static int keep(const char *name, const char *email, struct gt_ident *out, char **owned)
{
	size_t n = strlen(name) + 1, e = strlen(email) + 1;
	char *buf = malloc(n + e);
	if (!buf)
		return gt_error("out of memory"), -1;
	memcpy(buf, name, n);
	memcpy(buf + n, email, e);
	*owned = buf;
	out->name = buf;
	out->email = buf + n;
	return 0;
}

/* The person's own git identity, as git would author a commit here. 1 found, 0 none, -1 after printing. */
static int git_identity(struct gt_ident *out, char **owned)
{
	char *cfg_name, *cfg_email;
	config_identity(&cfg_name, &cfg_email);
	const char *name = env("GIT_AUTHOR_NAME") ? env("GIT_AUTHOR_NAME") : cfg_name;
	const char *email = env("GIT_AUTHOR_EMAIL") ? env("GIT_AUTHOR_EMAIL") : cfg_email;
	int r = name ? keep(name, email ? email : GT_IDENT_TOOL_EMAIL, out, owned) : 0;
	free(cfg_name);
	free(cfg_email);
	return r < 0 ? -1 : name ? 1 : 0;
}

/* The person a CI run is for. 1 found, 0 none, -1 after printing. */
static int ci_identity(struct gt_ident *out, char **owned)
{
	/* Azure Pipelines: who pushed or queued; a schedule's service identity has no email, and no person behind it. */
	if (env("BUILD_REQUESTEDFOR") && env("BUILD_REQUESTEDFOREMAIL"))
		return keep(env("BUILD_REQUESTEDFOR"), env("BUILD_REQUESTEDFOREMAIL"), out, owned) < 0 ? -1 : 1;
	/* GitHub Actions: the login; its noreply address is the one GitHub links to the account. */
	const char *actor = env("GITHUB_ACTOR"), *id = env("GITHUB_ACTOR_ID");
	if (!actor)
		return 0;
	char email[512];
	snprintf(email, sizeof(email), "%s%s%s@users.noreply.github.com", id ? id : "", id ? "+" : "", actor);
	return keep(actor, email, out, owned) < 0 ? -1 : 1;
}

int gt_ident_person(const char *arg, struct gt_ident *out, char **owned)
{
	*owned = NULL;
	if (arg)
		return parse_author(arg, out, owned);
	int found = git_identity(out, owned);
	if (found == 0)
		found = ci_identity(out, owned);
	if (found < 0)
		return -1;
	if (found == 0)
		*out = gt_ident_tool();
	return 0;
}
