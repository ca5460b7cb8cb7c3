#!/usr/bin/env bash
# url-secrets.t: a token in a URL never leaks, and the credentials checked are the ones used.
# The tutorial's own form https://$(PAT)@dev.azure.com/... (the token as the user part) is refused
# by every tool that takes a URL (exit 2, the way to pass it safely named, the token printed
# nowhere, written nowhere); a plain user name (Azure's org@) stays. --username reaches the server
# from every git tool, and an authentication failure names the user sent (never the token).
# A real smart-HTTP git server whose user is not the default.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/git.sh"

FIX=$TOP/tests/fixtures/set-image/repo
VALUES=charts/my-app/values.yaml
export XDG_CACHE_HOME=$TMP/cache HOME=$TMP/home
mkdir -p "$HOME"
unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL
command -v kubectl >/dev/null && kubectl_offline

git_server_start --user internal-bot
git_cli_env
URL=$(git_repo_create manifests --from "$FIX")
PW=$GIT_SERVER_PASSWORD
# An Azure DevOps PAT is 52 characters of [a-z2-7]; this one is made up.
PAT=k3vq7xw2mz5pnr4dyt6ahc2fuj7lbs3eog5ri6wq4xnt2ypzm7ac
# with_user USER URL: URL with USER as its user part.
with_user() { printf '%s' "${2/:\/\//://$1@}"; }

tools() { # every tool that takes a repository URL, on URL $1
	local u=$1
	echo "gitops-set-image --repo $u --file $VALUES --set image.tag=1.2.4"
	echo "gitops-render --repo $u --revision main --path charts/my-app"
	echo "gitops-history --repo $u --file $VALUES"
	echo "gitops-rollback --repo $u --path charts/my-app"
	echo "gitops-repo-add $u"
	echo "gitops-app-create my-app --repo $u --path charts/my-app --dest-namespace prod"
}

# ---- a token as the user part: refused everywhere, printed nowhere ----
TURL=$(with_user "$PAT" "$URL")
while read -r line; do
	# shellcheck disable=SC2086 # (the line is the command)
	run env GITOPS_GIT_TOKEN=$PW $line -o json
	tool=${line%% *}
	is "$RC" 2 "$tool: a token as the URL's user part is refused (exit 2)"
	like "$ERR" "holds a token as its user name.*(GITOPS_GIT_TOKEN|gitops-repo-add)" "$tool: saying how to pass it safely"
	unlike "$OUT$ERR" "$PAT" "$tool: the token is in no output"
done < <(tools "$TURL")
is "$(grep -rl "$PAT" "$TMP" 2>/dev/null | grep -v '/\.\(out\|err\)$' | head -3)" "" "nor in any file written (cache, config)"
is "$(git --git-dir="$GIT_SERVER_ROOT/manifests.git" rev-list --count main)" 1 "nothing was pushed"

# The token as user part even when it does not look random: it is the token of the environment.
run env GITOPS_GIT_TOKEN=plain-word-token gitops-set-image --repo "$(with_user plain-word-token "$URL")" --file "$VALUES" --set image.tag=1.2.4 -o json
is "$RC" 2 "the user part equal to GITOPS_GIT_TOKEN is refused"
unlike "$OUT$ERR" "plain-word-token" "and not printed"
# GitHub's token prefix
run gitops-app-create my-app --repo "https://ghp_abcdefghij0123456789@github.com/o/r" --path . --dest-namespace prod -o json
is "$RC" 2 "a ghp_ token as the user part: refused"
unlike "$OUT$ERR" "ghp_abcdefghij" "and not printed"
# GitLab's prefix on a token with no digit (3% of 20 random base62 characters): the prefix decides
run gitops-app-create my-app --repo "https://glpat-AbCdEfGhIjKlMnOpQrSt@gitlab.example.com/o/r" --path . --dest-namespace prod -o json
is "$RC" 2 "a glpat- token of letters only as the user part: refused"
unlike "$OUT$ERR" "AbCdEfGhIj" "and not printed"

# ---- a plain user name (Azure's org@) stays: in the URL written and in messages ----
run gitops-app-create --validate=false my-app --repo https://my-org@dev.azure.com/my-org/my-project/_git/my-app-gitops --path charts/my-app \
	--dest-namespace prod -o json
is "$RC:$(jq -r .spec.source.repoURL <<<"$OUT")" "0:https://my-org@dev.azure.com/my-org/my-project/_git/my-app-gitops" \
	"app-create: an org@ user name is kept in repoURL"
run env GITOPS_GIT_TOKEN=$PW gitops-repo-add --no-verify https://my-org@dev.azure.com/my-org/my-project/_git/my-app-gitops -o json
is "$RC:$(jq -r '.stringData.url + " " + .stringData.username' <<<"$OUT")" \
	"0:https://my-org@dev.azure.com/my-org/my-project/_git/my-app-gitops my-org" "repo-add: org@ is the user name"
run env GITOPS_GIT_TOKEN=$PW gitops-history --repo "$(with_user internal-bot "$URL")" --file "$VALUES" -o json
is "$RC" 0 "history with the user in the URL (internal-bot@) works"

# ---- --username on every git tool; an authentication error names the user sent ----
export GITOPS_GIT_TOKEN=$PW
run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=1.2.4 -o json
is "$RC" 3 "set-image as the default user: exit 3"
like "$ERR" "authentication failed.*user 'gitops'" "the error names the user sent"
unlike "$ERR" "$PW" "and not the token"
run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=1.2.4 --username internal-bot -o json
is "$RC:$(jq -r .status <<<"$OUT")" "0:pushed" "set-image --username internal-bot pushes"
run gitops-history --repo "$URL" --file "$VALUES" --username internal-bot -o json
is "$RC" 0 "history --username"
run gitops-render --repo "$URL" --revision main --path plain --username internal-bot -o json
is "$RC" 0 "render --repo --username"
run gitops-rollback --repo "$URL" --path charts/my-app --username internal-bot --no-hold -o json
is "$RC:$(jq -r .status <<<"$OUT")" "0:pushed" "rollback --username"
run gitops-rollback --repo "$URL" --path charts/my-app --username someone-else -o json
is "$RC" 3 "rollback as another user: exit 3"
like "$ERR" "user 'someone-else'" "named"
GITOPS_GIT_USERNAME=internal-bot run gitops-history --repo "$URL" -o json
is "$RC" 0 "GITOPS_GIT_USERNAME still works"

# repo-add verifies with exactly the user it writes
run gitops-repo-add "$URL" -o json
is "$RC" 3 "repo-add without a user: verified as x-access-token, which this server refuses: exit 3"
like "$ERR" "user 'x-access-token'" "naming it"
run gitops-repo-add "$URL" --username internal-bot -o json
is "$RC:$(jq -r .stringData.username <<<"$OUT")" "0:internal-bot" "repo-add --username: verified and written"

done_testing
