/*
 * ident: who a commit is by. A bot's commit (gitops-set-image in CI) is by --author or the tool; a
 * person's (gitops-rollback: a rollback, a release, the hold) by the person, so that the history
 * says who rolled back. The committer of both is the tool that made the commit.
 */
#ifndef GT_IDENT_H
#define GT_IDENT_H

/* "Name <email>". */
struct gt_ident {
	const char *name;
	const char *email;
};

/* The address the tool commits under: nobody's mailbox. */
#define GT_IDENT_TOOL_EMAIL "gitops-tools@users.noreply.invalid"

/* Author from --author ("Name <email>"), else GIT_AUTHOR_NAME/EMAIL, else the tool as a bot. -1 if malformed. */
int gt_ident_resolve(const char *author_arg, struct gt_ident *out, char **owned);

/*
 * The author of a commit a person asked for: --author ("Name <email>"); else the person's git
 * identity as git finds it (GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL, else user.name and user.email of
 * the repository here, of GIT_CONFIG_GLOBAL or ~/.gitconfig and $XDG_CONFIG_HOME/git/config, and of
 * GIT_CONFIG_SYSTEM or /etc/gitconfig unless GIT_CONFIG_NOSYSTEM; a name without an email gets the
 * tool's address); else the person the CI runs for (Azure Pipelines: BUILD_REQUESTEDFOR with
 * BUILD_REQUESTEDFOREMAIL, which a scheduled build's service identity lacks; GitHub Actions:
 * GITHUB_ACTOR at its noreply address, GITHUB_ACTOR_ID+LOGIN@users.noreply.github.com); else the
 * tool. 0 with *out (strings in *owned, to free, or static), or -1 after printing (a malformed
 * --author, no memory).
 */
int gt_ident_person(const char *author_arg, struct gt_ident *out, char **owned);

/* The tool itself ("gitops-rollback <gitops-tools@users.noreply.invalid>"): the committer of what it commits for a person. */
struct gt_ident gt_ident_tool(void);

#endif
