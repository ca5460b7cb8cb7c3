#!/usr/bin/env bash
# diff-preview.t: the pull-request preview. A manifest repo on the real git server (apps/NAME is
# Argo CD app NAME) with a pull-request branch that changes one app (shop: an image, a ConfigMap
# value, a Secret), adds one (billing) and breaks one (api: malformed YAML). The documented
# pipeline (two gitops-render --repo renders, gitops-diff --against -o markdown, set -o pipefail)
# fails with the engine's message on the broken app, never an empty diff; the Azure Pipelines
# example's steps, run as Azure runs them, fail the check, post the engine's message, and once the
# app is fixed post the markdown: grouped by app, counts, changed objects, Secrets masked, within
# --max-bytes (whole objects left out, with a note saying how many); the token never in argv.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/git.sh"

export HOME=$TMP/home XDG_CACHE_HOME=$TMP/cache TMPDIR=$TMP/tmpdir
unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME
mkdir -p "$HOME" "$TMPDIR"

git_server_start
git_cli_env
URL=$(git_repo_create manifests --from "$TOP/tests/fixtures/preview/base")
export GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD
WORK=$TMP/work
git clone -q "$URL" "$WORK"

# The pull request: shop changes, billing is new, api breaks.
git -C "$WORK" checkout -q -b feature
sed -i 's/shop:1.4.0/shop:1.5.0/; s/LOG_LEVEL: info/LOG_LEVEL: debug/; s/base-password-7f3a/branch-password-9c1e/' \
	"$WORK/apps/shop/app.yaml"
mkdir -p "$WORK/apps/billing"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: billing-rates\ndata:\n  EUR: "1.00"\n' \
	>"$WORK/apps/billing/app.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api-routes\ndata:\n  routes: [/v1\n' \
	>"$WORK/apps/api/app.yaml"
git -C "$WORK" add -A && git -C "$WORK" commit -qm "shop 1.5.0, billing, api routes" &&
	git -C "$WORK" push -q origin feature
ok $? "the pull-request branch is pushed"
BROKEN=$(git -C "$WORK" rev-parse HEAD)

render() { gitops-render --repo "$URL" --revision "$1" --path "apps/$2" --app "$2" -n "$2"; }

# ---- the README's pipeline, one app: a failed render fails it, with the engine's message ----
render main api >"$TMP/base.jsonl"
ok $? "api renders at main"
run bash -c 'set -o pipefail; gitops-render --repo "$1" --revision feature --path apps/api --app api -n api |
	gitops-diff --against "$2" -o markdown' _ "$URL" "$TMP/base.jsonl"
is "$RC" 2 "set -o pipefail: a render that fails on the branch fails the preview (exit 2), no empty diff"
like "$ERR" 'gitops-render: .*apps/api/app.yaml:[0-9]+:[0-9]+' "with the engine's message, file:line:column"
is "$OUT" "" "and no comment"

# ---- the Azure Pipelines example, as Azure runs it: macros expanded, then bash ----
PIPE=$TOP/examples/azure-pipelines/pr-validation.yml
step() { "$BUILD/tests/yaml2json" <"$PIPE" | jq -c --arg n "$1" '.steps[] | select(.displayName == $n)'; }
# azure STEP SOURCE-COMMIT [ENV...]: run STEP's bash with its env, the pipeline's macros as Azure expands
# them (the scripts themselves hold none: their values come through env), in the clone.
azure() {
	local s=$1 commit=$2 kv v
	shift 2
	local -a envs=(AGENT_TEMPDIRECTORY="$TMP/agent")
	while IFS= read -r kv; do
		v=${kv#*=}
		v=${v//'$(Build.Repository.Uri)'/$URL} v=${v//'$(System.PullRequest.TargetBranchName)'/main}
		v=${v//'$(System.PullRequest.SourceCommitId)'/$commit} v=${v//'$(System.CollectionUri)'/https://dev.azure.com/my-org/}
		v=${v//'$(System.TeamProjectId)'/my-project} v=${v//'$(Build.Repository.ID)'/repo-id}
		v=${v//'$(System.PullRequest.PullRequestId)'/17} v=${v//'$(System.AccessToken)'/$SYSTEM_ACCESSTOKEN}
		envs+=("${kv%%=*}=$v")
	done < <(jq -r '.env | to_entries[] | "\(.key)=\(.value)"' <<<"$s")
	(cd "$WORK" && env "${envs[@]}" "$@" bash -c "$(jq -r .bash <<<"$s")")
}
PREVIEW=$(step "What this pull request changes in every app")
POST=$(step "Post the preview on the pull request")
ok "$([ -n "$PREVIEW" ] && [ -n "$POST" ]; echo $?)" "the example has the preview and the post steps"
unlike "$(jq -r .bash <<<"$PREVIEW$POST")" '\$\([A-Za-z]+\.[A-Za-z.]+\)' "their scripts hold no macro: the values come through env"

# A fake curl records its arguments and what it was given: the post must carry the comment, and the
# token only on standard input (curl -K -), never in argv.
mkdir -p "$TMP/fakebin" "$TMP/agent"
cat >"$TMP/fakebin/curl" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$TMP/curl.argv"
cat >"$TMP/curl.stdin"
for a in "\$@"; do case \$a in @*) cp "\${a#@}" "$TMP/curl.body" ;; esac; done
EOF
chmod +x "$TMP/fakebin/curl"
post() {
	rm -f "$TMP/curl.argv" "$TMP/curl.stdin" "$TMP/curl.body"
	SYSTEM_ACCESSTOKEN=job-token-5d2e azure "$POST" "$1" PATH="$TMP/fakebin:$PATH"
}

export -n GITOPS_GIT_TOKEN # the pipeline's job token is SYSTEM_ACCESSTOKEN, which the tools read
SYSTEM_ACCESSTOKEN=$GIT_SERVER_PASSWORD run azure "$PREVIEW" "$BROKEN"
is "$RC" 2 "the preview step fails the check when an app does not render on the branch"
like "$ERR" 'apps/api/app.yaml:[0-9]+:[0-9]+' "its log has the engine's message"
like "$OUT" '##vso\[task.logissue type=error\]app api does not render at [0-9a-f]{40}: ' "and an error annotation naming the app"
post "$BROKEN"
is "$?" 0 "the post step runs after the failure"
like "$(jq -r '.comments[0].content' "$TMP/curl.body")" '^### gitops-diff: the render of app api failed at [0-9a-f]{40}' \
	"the comment says which app failed to render"
like "$(jq -r '.comments[0].content' "$TMP/curl.body")" 'apps/api/app.yaml:[0-9]+:[0-9]+' "with the engine's message"
is "$(jq -c '[.comments[0].commentType, .comments[0].parentCommentId, .status]' "$TMP/curl.body")" '[1,0,1]' \
	"a new active thread with one text comment (Azure DevOps threads API)"
like "$(cat "$TMP/curl.argv")" 'https://dev.azure.com/my-org/my-project/_apis/git/repositories/repo-id/pullRequests/17/threads\?api-version=7\.1' \
	"posted to the pull request's threads"
unlike "$(cat "$TMP/curl.argv")" 'job-token-5d2e' "the token is not in curl's argv"
is "$(cat "$TMP/curl.stdin")" 'header = "Authorization: Bearer job-token-5d2e"' "it reaches curl as a config line on stdin"

# ---- api fixed: the markdown comment ----
git -C "$WORK" checkout -q main -- apps/api/app.yaml && git -C "$WORK" commit -qm "api: keep the routes" &&
	git -C "$WORK" push -q origin feature
FIXED=$(git -C "$WORK" rev-parse HEAD)
SYSTEM_ACCESSTOKEN=$GIT_SERVER_PASSWORD run azure "$PREVIEW" "$FIXED"
is "$RC" 0 "with api fixed the check passes (a difference is what the review is for)"
MD=$(cat "$TMP/agent/preview/comment.md")
like "$MD" '^### gitops-diff: 2 of 4 apps change' "the title counts the apps that change"
like "$MD" $'\n\\| api \\| 0 \\| 0 \\| 0 \\| 1 \\|\n\\| billing \\| 1 \\| 0 \\| 0 \\| 0 \\|\n\\| shop \\| 0 \\| 3 \\| 0 \\| 0 \\|\n\\| web \\| 0 \\| 0 \\| 0 \\| 2 \\|\n\\| \\*\\*total\\*\\* \\| 1 \\| 3 \\| 0 \\| 3 \\|' \
	"a table row per app (its tracking id's app) with its counts, and the total"
is "$(grep -c '^<details>$' <<<"$MD")" 2 "a collapsed section per app that changes, none for unchanged ones"
like "$MD" '<summary><b>billing</b>: 1 to create, 0 to update, 0 to delete, 0 unchanged</summary>' \
	"the app the pull request adds: its objects created"
like "$MD" '<summary><b>shop</b>: 0 to create, 3 to update, 0 to delete, 0 unchanged</summary>' "the changed app's counts"
like "$MD" $'\\*\\*~ apps/Deployment shop/shop\\*\\* \\(updated\\)\n\n```diff\n@@ [-+0-9, ]+ @@\n' "each changed object, its diff in a diff block"
like "$MD" $'\n- +image: myregistry.azurecr.io/shop:1.4.0\n\\+ +image: myregistry.azurecr.io/shop:1.5.0\n' "the image change"
like "$MD" $'\n-  password: \\++\n\\+  password: \\++\n' "the Secret's change, masked"
unlike "$MD" 'base-password-7f3a|branch-password-9c1e|YmFzZS1w|YnJhbmNo' "no Secret value, plain or base64"
post "$FIXED"
is "$(jq -r '.comments[0].content' "$TMP/curl.body")" "$MD" "the post step posts the markdown as it is"

# An app the pull request removes: every object deleted.
git -C "$WORK" rm -rq apps/web && git -C "$WORK" commit -qm "web moves out" && git -C "$WORK" push -q origin feature
SYSTEM_ACCESSTOKEN=$GIT_SERVER_PASSWORD run azure "$PREVIEW" "$(git -C "$WORK" rev-parse HEAD)"
like "$(cat "$TMP/agent/preview/comment.md")" '<summary><b>web</b>: 0 to create, 0 to update, 2 to delete, 0 unchanged</summary>' \
	"an app the pull request removes: its objects deleted"

# ---- the size limit: whole objects left out, with a note ----
D=$TMP/agent/preview
run gitops-diff -f "$D/branch.jsonl" --against "$D/base.jsonl" -o markdown --max-bytes 1500
is "$RC" 1 "--max-bytes: still exit 1 for differences"
ok "$([ "$(printf '%s\n' "$OUT" | wc -c)" -le 1500 ]; echo $?)" "the comment stays within --max-bytes ($(printf '%s\n' "$OUT" | wc -c) bytes)"
like "$OUT" $'\n> \\*\\*Note:\\*\\* [0-9]+ changed objects? in [0-9]+ apps? left out to keep this comment within 1500 bytes' \
	"a note says how many objects in how many apps were left out"
like "$OUT" '\| shop \| 0 \| 3 \| 0 \| 0 \|' "the table still counts every app"
n_shown=$(grep -c '^\*\*[-+~] ' <<<"$OUT")
n_left=$(sed -n 's/^> \*\*Note:\*\* \([0-9]*\) changed.*/\1/p' <<<"$OUT")
is "$((n_shown + n_left))" 6 "objects shown plus objects left out are every changed object"
is "$(grep -c '^```diff$' <<<"$OUT"):$(grep -c '^```$' <<<"$OUT")" "$n_shown:$n_shown" "every diff block opened is closed"
run gitops-diff -f "$D/branch.jsonl" --against "$D/base.jsonl" -o markdown --max-bytes 100
is "$RC" 2 "--max-bytes below 1000: a usage error"
run gitops-diff -f "$D/branch.jsonl" --against "$D/base.jsonl" -o markdown
unlike "$OUT" 'Note:' "the default (60000) holds this preview whole"

# An IgnoreExtraneous leftover: shown in its app's section, not counted as a difference (exit 0).
printf '%s\n' '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"shop","annotations":{"argocd.argoproj.io/tracking-id":"shop:/ConfigMap:shop/a"}},"data":{"x":"1"}}' >"$TMP/desired.jsonl"
{ cat "$TMP/desired.jsonl"
  printf '%s\n' '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"gen","namespace":"shop","annotations":{"argocd.argoproj.io/tracking-id":"shop:/ConfigMap:shop/gen","argocd.argoproj.io/compare-options":"IgnoreExtraneous"}},"data":{"y":"2"}}'
} >"$TMP/live.jsonl"
run gitops-diff -f "$TMP/desired.jsonl" --live-file "$TMP/live.jsonl" --app shop -o markdown
is "$RC" 0 "-o markdown, only an IgnoreExtraneous leftover: exit 0"
like "$OUT" '^### gitops-diff: no differences in 1 app' "  the title says no differences"
like "$OUT" $'\| shop \| 0 \| 0 \| 1 \| 1 \|\n\| \*\*total\*\* \| 0 \| 0 \| 1 \| 1 \|' "  the delete counted once"
like "$OUT" '\*\*- ConfigMap shop/gen\*\* \(deleted, IgnoreExtraneous: not counted\)' "  the object shown, marked"

# A tracking id from a hostile repo: its app shown as text, never markup, and cut when absurdly long.
long=$(printf 'x%.0s' $(seq 1 5000))
printf '%s\n' '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"h","namespace":"shop","annotations":{"argocd.argoproj.io/tracking-id":"<img src=x>|`*_[a](b)`:/ConfigMap:shop/h"}},"data":{"x":"1"}}' \
	"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"l\",\"namespace\":\"shop\",\"labels\":{\"app.kubernetes.io/instance\":\"$long\"}},\"data\":{\"x\":\"1\"}}" >"$TMP/hostile.jsonl"
printf '' >"$TMP/none.jsonl"
run gitops-diff -f "$TMP/hostile.jsonl" --against "$TMP/none.jsonl" -o markdown
like "$OUT" '\| &lt;img src=x&gt;&#124;&#96;&#42;&#95;&#91;a&#93;\(b\)&#96; \| 1 \| 0 \| 0 \| 0 \|' "an app name with markup: written as entities"
unlike "$(awk '/^```/ { f = !f; next } !f' <<<"$OUT")" '<img' "  no tag gets through outside the diff blocks (inside, it is code)"
like "$OUT" $'\n\\| x{300}\\.\\.\\. \\| 1 \\| 0 \\| 0 \\| 0 \\|\n' "a 5000-character app name: cut at 300 in the table"

# ---- -o text groups by app when objects carry several ----
run gitops-diff -f "$D/branch.jsonl" --against "$D/base.jsonl" -o text --stat
like "$OUT" $'^app api: 0 to create, 0 to update, 0 to delete, 1 unchanged\napp billing: 1 to create, 0 to update, 0 to delete, 0 unchanged\n\\+ ConfigMap billing/billing-rates \\| \\+[0-9]+ -0\napp shop: ' \
	"-o text --stat: each app under a line with its counts"
like "$OUT" $'\n1 to create, 3 to update, 2 to delete, 1 unchanged$' "then the total"
export GITOPS_GIT_TOKEN
render main shop >"$TMP/shop-main.jsonl" && render feature shop >"$TMP/shop.jsonl"
run gitops-diff -f "$TMP/shop.jsonl" --against "$TMP/shop-main.jsonl" -o text --stat --no-exit-code
unlike "$OUT" '^app ' "one app: no app lines (the text as before)"

done_testing
