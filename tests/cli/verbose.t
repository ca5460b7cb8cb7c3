#!/usr/bin/env bash
# verbose.t: -v, -vv, -vvv and --debug (issue 24 item 1), black-box against the real git server
# and the Kubernetes API stand-in: -v names the steps (the URL without credentials, the user, the
# branch tip read, each push attempt and why one was refused, each kubectl command line), -vv adds
# durations and sizes, -vvv the raw exchanges; all on stderr with the tool's prefix, nothing on
# stdout but the records, and the token nowhere at any level, nor its base64 forms.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/git.sh"
. "$TOP/tests/servers/kube.sh"

require jq kubectl
unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL
HELM=${GITOPS_HELM:-$("$TOP/tests/tools/helm")} || { echo "Bail out! no reference helm"; exit 1; }
export XDG_CACHE_HOME=$TMP/cache

git_server_start
git_cli_env
mkdir -p "$TMP/seed"
printf 'image:\n  repository: registry.example.com/shop/web\n  tag: "1.0.0"\nother: a\n' >"$TMP/seed/values.yaml"
URL=$(git_repo_create manifests --from "$TMP/seed")
export GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD
G() { git --git-dir="$GIT_SERVER_ROOT/manifests.git" "$@"; }
ALL=$TMP/all-output # every byte every run printed, for the token check at the end
: >"$ALL"
keep() { printf '%s\n%s\n' "$OUT" "$ERR" >>"$ALL"; }
# every stderr line of a run carries the tool's prefix
prefixed() { ! grep -v "^$1: " <<<"$ERR" | grep -q .; }

# ---- gitops-set-image: the levels ----
run gitops-set-image --repo "$URL" --file values.yaml --set image.tag=1.0.1 -o json
keep
is "$RC" 0 "set-image without -v"
is "$ERR" "" "prints nothing on stderr without -v"

run gitops-set-image -v --repo "$URL" --file values.yaml --set image.tag=1.0.2 -o json
keep
is "$RC" 0 "set-image -v"
is "$(jq -r .commit <<<"$OUT")" "$(G rev-parse main)" "stdout is the Commit record alone"
ok "$(prefixed gitops-set-image; echo $?)" "-v: every stderr line starts 'gitops-set-image: '"
like "$ERR" "gitops-set-image: git: token from GITOPS_GIT_TOKEN" "-v: where the token came from"
like "$ERR" "the server asks for credentials: user gitops with the token" "-v: the user it is sent as"
like "$ERR" "gitops-set-image: $URL: fetch \\(user gitops, with the token\\)" "-v: the URL fetched (no credentials) and as whom"
like "$ERR" "branch main is at [0-9a-f]{12} \\(attempt 1\\)" "-v: the branch tip read"
like "$ERR" "push attempt 1: [0-9a-f]{12} to main" "-v: the push attempt"
like "$ERR" "push attempt 1 accepted" "-v: and its outcome"
unlike "$ERR" "fetched in|took" "-v: no timings yet"

run gitops-set-image -vv --repo "$URL" --file values.yaml --set image.tag=1.0.3 -o json
keep
is "$RC" 0 "set-image -vv"
like "$ERR" "fetched in [0-9.]+(ms|s|µs): [0-9]+ new objects, [0-9.]+ (bytes|KiB)" "-vv: the fetch's duration and size"
like "$ERR" "push attempt 1 took [0-9.]+(ms|s|µs), [0-9.]+ (bytes|KiB) sent" "-vv: the push's duration and size"
unlike "$ERR" "remote: |git: the server's report" "-vv: no raw exchanges"

run gitops-set-image -vvv --repo "$URL" --file values.yaml --set image.tag=1.0.4 -o json
keep
is "$RC" 0 "set-image -vvv"
like "$ERR" "git: the server's report: refs/heads/main ok" "-vvv: the server's report on the ref"
like "$ERR" "git: sent objects [0-9]+/[0-9]+" "-vvv: libgit2's transport progress"
like "$ERR" "gitops-set-image: http > GET /git/manifests.git/info/refs\\?service=git-upload-pack HTTP/1.1" "-vvv: the smart-HTTP requests"
like "$ERR" "gitops-set-image: http < HTTP/1.1 401 " "-vvv: and the server's answers: the challenge"
like "$ERR" "gitops-set-image: http > POST /git/manifests.git/git-receive-pack HTTP/1.1" "-vvv: the push's request"
unlike "$ERR" "Authorization" "-vvv: no header, the Authorization one least of all"
ok "$(prefixed gitops-set-image; echo $?)" "-vvv: every line still carries the prefix"

run gitops-set-image --debug --repo "$URL" --file values.yaml --set image.tag=1.0.5 -o json
keep
like "$ERR" "push attempt 1 took" "--debug is -vv"
unlike "$ERR" "git: the server's report" "and not -vvv"

# ---- a push that loses a race is named, with why ----
# The server's pre-receive hook lands another writer's commit on main while our push waits in it,
# once: our push then finds main moved, and the retry lands on the new tip.
git_repo_hook manifests pre-receive "#!/bin/sh
[ -e '$TMP/raced' ] && exit 0
touch '$TMP/raced'
unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
cd '$GIT_SERVER_ROOT/manifests.git' || exit 1
blob=\$(git show main:values.yaml | sed 's/^other: .*/other: b/' | git hash-object -w --stdin)
tree=\$(git ls-tree main | sed \"s/blob [0-9a-f]*\tvalues.yaml/blob \$blob\tvalues.yaml/\" | git mktree)
c=\$(echo 'the other writer' | GIT_AUTHOR_NAME=o GIT_AUTHOR_EMAIL=o@x GIT_COMMITTER_NAME=o GIT_COMMITTER_EMAIL=o@x git commit-tree \$tree -p main)
git update-ref refs/heads/main \$c
exit 0"
run gitops-set-image -v --repo "$URL" --file values.yaml --set image.tag=1.0.6 -o json
keep
is "$RC" 0 "set-image -v wins after losing a race"
is "$(jq .attempts <<<"$OUT")" 2 "in two attempts"
like "$(G show main:values.yaml)" "other: b" "the other writer's commit stays"
like "$ERR" "push attempt 1 refused by the server: failed to update ref;" "-v: the refused attempt, with the server's reason"
like "$ERR" "push attempt 1 lost a race: main moved to [0-9a-f]{12} meanwhile" "-v: and why: the branch moved"
like "$ERR" "push attempt 2 accepted" "-v: the retry that landed"
rm -f "$GIT_SERVER_ROOT/manifests.git/hooks/pre-receive"

# ---- the other git tools say the same steps: one implementation ----
run gitops-history -v --repo "$URL" --path values.yaml -n 1 -o json
keep
is "$RC" 0 "history -v"
like "$ERR" "gitops-history: $URL: fetch \\(user gitops, with the token\\)" "history -v: the fetch"
run gitops-rollback -vv --repo "$URL" --reason "verbose.t" -o json
keep
is "$RC" 0 "rollback -vv"
like "$ERR" "gitops-rollback: $URL: push attempt 1 accepted" "rollback -v: the push attempt"
like "$ERR" "gitops-rollback: $URL: push attempt 1 took [0-9.]+(ms|s|µs)" "rollback -vv: its duration"

# ---- gitops-apply against the stand-in ----
kube_start
# objs N: a ConfigMap that changes with N (so every run applies) and a Secret
objs() {
	cat <<Y
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: default}
data: {a: "$1"}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: default}
stringData: {password: hunter2-secret-value}
Y
}
objs 1 >"$TMP/objs.yaml"
run gitops-apply -f "$TMP/objs.yaml" -o json
keep
is "$RC" 0 "apply without -v"
is "$ERR" "" "prints nothing on stderr without -v"
objs 2 >"$TMP/objs.yaml"
run gitops-apply -v -f "$TMP/objs.yaml" -o json
keep
is "$RC" 0 "apply -v"
ok "$(prefixed gitops-apply; echo $?)" "-v: every stderr line starts 'gitops-apply: '"
like "$ERR" "gitops-apply: plan: 2 objects read; 0 to create, 1 to update, 1 unchanged" "-v: the plan"
like "$ERR" "gitops-apply: Sync wave 0: 2 objects" "-v: each wave"
like "$ERR" "gitops-apply: run: kubectl get [^
]*--namespace=default" "-v: the kubectl command line that reads"
like "$ERR" "gitops-apply: run: kubectl apply --server-side --field-manager=gitops-apply --filename=-" "-v: and the one that applies"
unlike "$ERR" "exit 0 after" "-v: no timings"
is "$(jq -s 'map(select(.kind == "Result")) | length' <<<"$OUT")" 2 "stdout carries the Result records only"
objs 3 >"$TMP/objs.yaml"
run gitops-apply -vv -f "$TMP/objs.yaml" -o json
keep
like "$ERR" "gitops-apply: kubectl: exit 0 after [0-9.]+(ms|s|µs); stdin [0-9.]+ (bytes|KiB), stdout" "-vv: each kubectl's duration and sizes"
like "$ERR" "gitops-apply: Sync wave 0: done in [0-9.]+(ms|s|µs)" "-vv: each wave's duration"
unlike "$ERR" "kubectl stdout:" "-vv: not kubectl's output"
objs 4 >"$TMP/objs.yaml"
run gitops-apply -vvv -f "$TMP/objs.yaml" -o json
keep
like "$ERR" "gitops-apply: kubectl stdout: \\{.*\"kind\":\"Secret\"" "-vvv: kubectl's stdout, the live Secret in it"
like "$ERR" "gitops-apply: kubectl stdout: configmap/cfg" "-vvv: what kubectl apply answered"
unlike "$ERR" "hunter2-secret-value|$(printf %s hunter2-secret-value | base64)" "-vvv: Secret data masked in it"

# ---- gitops-render: which engine ran, with which arguments; --debug reaches helm ----
export HELM_CONFIG_HOME=$TMP/helm/config HELM_CACHE_HOME=$TMP/helm/cache HELM_DATA_HOME=$TMP/helm/data
CHART=$TOP/tests/fixtures/render-helm/guestbook
run gitops-render -v --engine exec --helm "$HELM" "$CHART"
keep
is "$RC" 0 "render -v with the exec engine"
like "$ERR" "gitops-render: run: [^ ]*helm template --include-crds --skip-tests -- " "-v: helm's command line"
run gitops-render --debug --engine exec --helm "$HELM" "$CHART"
keep
is "$RC" 0 "render --debug"
like "$ERR" "gitops-render: run: [^ ]*helm template --debug " "--debug: passed on to helm"
like "$ERR" "gitops-render: helm template: exit 0 after [0-9.]+(ms|s|µs)" "--debug: -vv's durations"
run gitops-render -v --engine native "$CHART"
keep
like "$ERR" "gitops-render: native helm engine: rendered " "-v: which engine ran"

# ---- the token, at no level, in no form ----
b64() { printf %s "$1" | base64 -w0 | tr -d =; }
tok=$GIT_SERVER_PASSWORD
for form in "$tok" "$(b64 "$tok")" "$(b64 "gitops:$tok")"; do
	ok "$(grep -qF -- "$form" "$ALL"; [ $? = 1 ]; echo $?)" "the token never appears (form ${#form} characters long)"
done
like "$(grep -c . "$ALL")" '^[0-9]+$' "(the runs printed $(wc -l <"$ALL") lines)"

done_testing
