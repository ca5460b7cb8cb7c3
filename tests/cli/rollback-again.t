#!/usr/bin/env bash
# rollback-again.t: rollback means "one deploy further back", as `helm rollback` and `argocd app
# rollback` do, and the same request twice is one rollback. A rollback commit and hold commits are
# not deploys: a second rollback goes to the deploy before the one already undone (never back to
# the bad build), and with none left it exits 1. The hold file and the Commit record name the
# deploy now live. Against a real smart-HTTP git server, checked with the git CLI.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/git.sh"

FIX=$TOP/tests/fixtures/set-image/repo
VALUES=charts/my-app/values.yaml
export XDG_CACHE_HOME=$TMP/cache
unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL

git_server_start
git_cli_env
export GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD
URL=$(git_repo_create manifests --from "$FIX")
G() { git --git-dir="$GIT_SERVER_ROOT/manifests.git" "$@"; }
bump() { gitops-set-image --repo "$URL" --file "$VALUES" --set "image.tag=$1" --force -o json >/dev/null; }
tag() { G show "main:$VALUES" | sed -n 's/^  tag: "\(.*\)".*/\1/p'; }
rollback() { run gitops-rollback --repo "$URL" --path charts/my-app --reason "$1" -o json; }

seed=$(G rev-parse main)
bump 1.4.1 && c141=$(G rev-parse main) && bump 1042 && c1042=$(G rev-parse main) && bump 1043 && c1043=$(G rev-parse main)
ok $? "deploys 1.4.1, 1042, 1043"

# ---- first rollback: 1043 is undone, 1042 is live ----
rollback "5xx after 1043"
is "$RC" 0 "the first rollback exits 0"
is "$(tag)" 1042 "1042 is deployed again"
is "$(jq -r '.reverted + " " + .live' <<<"$OUT")" "$c1043 $c1042" "the Commit record: 1043 reverted, 1042 live"
like "$(G show main:charts/my-app/.gitops-hold)" "live: $c1042" "the hold file names the live deploy"
like "$(G log -1 --format=%B main)" "Gitops-Live: $c1042" "and so does the commit (a trailer)"

# ---- a second rollback: one deploy further back, not the revert reverted ----
rollback "still 5xx on 1042"
is "$RC" 0 "the second rollback exits 0"
is "$(tag)" 1.4.1 "1.4.1 is deployed (not 1043 again)"
is "$(jq -r '.reverted + " " + .live' <<<"$OUT")" "$c1042 $c141" "the Commit record: 1042 reverted, 1.4.1 live"
like "$(G show main:charts/my-app/.gitops-hold)" "live: $c141" "the hold file names 1.4.1"
like "$(G show main:charts/my-app/.gitops-hold)" "reason: still 5xx on 1042" "with the new reason"

# ---- and again: to the first version, then nothing is left ----
rollback "third"
is "$RC:$(tag)" "0:1.2.3" "a third rollback goes to the first version"
is "$(jq -r .live <<<"$OUT")" "$seed" "which is live"
tip=$(G rev-parse main)
rollback "fourth"
is "$RC" 1 "with no deploy before the live one: exit 1"
like "$ERR" "no deploy before ${seed:0:12}.*nothing to roll back to" "saying so"
is "$(G rev-parse main)" "$tip" "and nothing was pushed"

# ---- a release and a new deploy: the rollback undoes the new deploy, back to what was live ----
gitops-rollback --repo "$URL" --path charts/my-app --release -o json >/dev/null
bump 1044 && c1044=$(G rev-parse main)
rollback "5xx after 1044"
is "$RC:$(tag)" "0:1.2.3" "after release and 1044, a rollback goes back to the live 1.2.3"
is "$(jq -r '.reverted + " " + .live' <<<"$OUT")" "$c1044 $seed" "1044 reverted, the seed live"

# ---- the same request twice is one rollback: --commit SHA ----
URL2=$(git_repo_create twice --from "$FIX")
G2() { git --git-dir="$GIT_SERVER_ROOT/twice.git" "$@"; }
for t in 1.4.1 1042 1043; do gitops-set-image --repo "$URL2" --file "$VALUES" --set "image.tag=$t" -o json >/dev/null; done
d1042=$(G2 rev-parse main~1) d1043=$(G2 rev-parse main)
run gitops-rollback --repo "$URL2" --path charts/my-app --commit "$d1043" -o json
is "$RC:$(jq -r .status <<<"$OUT")" "0:pushed" "rollback --commit 1043"
tip=$(G2 rev-parse main)
# as a CI step re-run after a run that was killed once its push had landed
run gitops-rollback --repo "$URL2" --path charts/my-app --commit "$d1043" -o json
is "$RC:$(jq -r .status <<<"$OUT")" "0:unchanged" "the same request again: nothing to do, exit 0"
is "$(jq -r .live <<<"$OUT")" "$d1042" "the record still names the live deploy"
like "$ERR" "already rolled back" "and says it was done already"
is "$(G2 rev-parse main)" "$tip" "nothing pushed: one rollback"
like "$(G2 show main:$VALUES)" 'tag: "1042"' "1042 stays deployed"

# ---- --to SHA twice: one rollback ----
run gitops-rollback --repo "$URL2" --path charts/my-app --to "$d1042~1" -o json
is "$RC:$(jq -r .status <<<"$OUT")" "0:pushed" "--to 1.4.1"
is "$(jq -r .live <<<"$OUT")" "$(G2 rev-parse "$d1042~1")" "the deploy at SHA is live"
tip=$(G2 rev-parse main)
run gitops-rollback --repo "$URL2" --path charts/my-app --to "$d1042~1" -o json
is "$RC:$(jq -r .status <<<"$OUT")" "0:unchanged" "--to the same SHA again: nothing to do"
is "$(G2 rev-parse main)" "$tip" "nothing pushed"
run gitops-rollback --repo "$URL2" --path charts/my-app -o json
like "$(G2 show main:$VALUES)" 'tag: "1.2.3"' "after --to 1.4.1, a plain rollback goes one further back, to 1.2.3"

# ---- --commit of an older deploy with --message: no "This reverts commit" line and no Gitops-Live
# trailer (the live deploy stays live); the Gitops-Reverted trailer alone says what was undone ----
URL4=$(git_repo_create message --from "$FIX")
G4() { git --git-dir="$GIT_SERVER_ROOT/message.git" "$@"; }
gitops-set-image --repo "$URL4" --file "$VALUES" --set image.tag=1.4.1 -o json >/dev/null && m141=$(G4 rev-parse main)
gitops-set-image --repo "$URL4" --file "$VALUES" --set sidecar.image.tag=v1.30.0 -o json >/dev/null
run gitops-rollback --repo "$URL4" --path charts/my-app --commit "$m141" -m "Stop 1.4.1: 5xx in checkout" -o json
is "$RC:$(jq -r .status <<<"$OUT")" "0:pushed" "rollback --commit of an older deploy, -m TEXT"
is "$(G4 show main:$VALUES | grep -c -e 'tag: "1.2.3"' -e 'tag: v1.30.0')" 2 "1.4.1 undone, the sidecar deploy after it kept"
unlike "$(G4 log -1 --format=%B main)" "This reverts commit|Gitops-Live" "the message given, no Gitops-Live trailer"
tip=$(G4 rev-parse main)
run gitops-rollback --repo "$URL4" --path charts/my-app --commit "$m141" -m "Stop 1.4.1: 5xx in checkout" -o json
is "$RC:$(jq -r .status <<<"$OUT")" "0:unchanged" "the same request again: nothing to do (read from Gitops-Reverted)"
is "$(G4 rev-parse main)" "$tip" "nothing pushed: one rollback"

# ---- a revert made by hand with git (git revert) counts as undoing that deploy ----
URL3=$(git_repo_create byhand --from "$FIX")
for t in 1.4.1 1042 1043; do gitops-set-image --repo "$URL3" --file "$VALUES" --set "image.tag=$t" -o json >/dev/null; done
git clone -q "$URL3" "$TMP/byhand" && git -C "$TMP/byhand" revert --no-edit HEAD >/dev/null && git -C "$TMP/byhand" push -q origin main
run gitops-rollback --repo "$URL3" --path charts/my-app -o json
like "$(git --git-dir="$GIT_SERVER_ROOT/byhand.git" show main:$VALUES)" 'tag: "1.4.1"' \
	"after a git revert of 1043, rollback undoes 1042 (not the revert)"

done_testing
