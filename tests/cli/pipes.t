#!/usr/bin/env bash
# pipes.t: every pipe the README and the man pages show, run as a pipe (set -o pipefail) with the
# real upstream tool's output, against the real git server and the Kubernetes API stand-in:
#   gitops-render | kubectl apply --server-side -f -
#   gitops-render (a revision) > before; gitops-render | gitops-diff --against before (-o text, json)
#   gitops-render | gitops-apply --app --prune --wait | gitops-health --wait   (Result records)
#   gitops-render | gitops-diff --cluster --app --stat
#   gitops-render | gitops-apply --dry-run -o text
#   kubectl get -o json | gitops-health -o text
#   gitops-render | gitops-health --wait --timeout --degraded-grace
#   gitops-history -o json | jq -r .commit  ->  gitops-rollback --to / --commit
# (gitops-diff --cluster records into gitops-apply: pipeline.t and apply.t.)
. "$(dirname "$0")/../lib.sh"
require kubectl jq
. "$TOP/tests/servers/git.sh"
. "$TOP/tests/servers/kube.sh"
export HOME=$TMP/home CLOUDSDK_CONFIG=$TMP/gcloud XDG_CACHE_HOME=$TMP/cache
mkdir -p "$HOME"
unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL
set -o pipefail

export APP=apps/my-app # the pipelines run in a child bash
IMAGE=registry.example.com/my-app
git_server_start
git_cli_env
URL=$(git_repo_create my-app-gitops --from "$TOP/tests/fixtures/apply/repo")
export URL
export GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD
kube_start --ready-delay 0.2 || { echo "Bail out! the stand-in did not start"; exit 1; }
kubectl create namespace prod >/dev/null && kubectl create namespace scratch >/dev/null

render() { gitops-render --repo "$URL" --path "$APP" --app my-app -n prod "$@"; }
# pipe CMD: run the pipeline CMD (a string) in bash with pipefail; OUT, ERR, RC, and ST: every
# stage's exit status ("0 0 1").
pipe() {
	bash -c "set -o pipefail; $1"'; st=("${PIPESTATUS[@]}"); echo "${st[*]}" >"$0"; for s in "${st[@]}"; do [ "$s" = 0 ] || exit "$s"; done' \
		"$TMP/.st" >"$TMP/.out" 2>"$TMP/.err" </dev/null
	RC=$?
	OUT=$(cat "$TMP/.out") ERR=$(cat "$TMP/.err") ST=$(cat "$TMP/.st")
	grep -Eq "$SAN_RE" "$TMP/.err" && cp "$TMP/.err" "$SAN_DIR/stderr-of-pipe.$T_N"
}
kinds() { jq -r 'select(.kind == "'"$1"'") | "\(.ref.kind)/\(.ref.name)=\(.'"$2"')"' <<<"$OUT" | sort | paste -sd' '; }

# ---- render | kubectl apply --server-side -f - --------------------------------------------------
pipe "gitops-render -n scratch --app scratch-app $(printf %q "$TOP/tests/fixtures/apply/repo/$APP") | kubectl apply --server-side -f -"
is "$RC:$ST" "0:0 0" "gitops-render | kubectl apply --server-side -f -: both exit 0"
is "$(kube_state 'namespace=scratch' | jq -r '[.items[] | "\(.kind)/\(.metadata.annotations["argocd.argoproj.io/tracking-id"])"] | sort | join(" ")')" \
	"ConfigMap/scratch-app:/ConfigMap:scratch/my-app-config Deployment/scratch-app:apps/Deployment:scratch/my-app Service/scratch-app:/Service:scratch/my-app" \
	"kubectl applied the rendered objects, tracking ids and all"

# ---- a sync: render | apply --app --prune --wait | health --wait -------------------------------
# A leftover of the app (tracked, no longer in the repo) is pruned; health gets apply's Result
# records: the applied objects are waited for, the pruned one passes through.
kube_seed - <<'EOF' >/dev/null
{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"old-flags","namespace":"prod","annotations":{"argocd.argoproj.io/tracking-id":"my-app:/ConfigMap:prod/old-flags"}},"data":{"x":"1"}}
EOF
pipe "$(declare -f render); render | gitops-apply --app my-app --prune --wait -o json | gitops-health --wait --timeout 2m -o json"
is "$RC:$ST" "0:0 0 0" "render | apply --prune --wait | health --wait: every stage exits 0"
is "$(kinds Health health)" "ConfigMap/my-app-config=Healthy Deployment/my-app=Healthy Service/my-app=Healthy" \
	"health: a Health record for each object apply applied, from its Result records"
is "$(kinds Result action)" "ConfigMap/old-flags=delete" "the prune's Result passes through health (nothing to wait for)"
is "$(kube_get ConfigMap prod old-flags)" "" "the leftover was pruned"
is "$(kube_get Deployment prod my-app | jq -r '.status.availableReplicas')" 2 "the Deployment runs"

# ---- in sync: render | diff --cluster --app --stat ---------------------------------------------
pipe "$(declare -f render); render | gitops-diff --cluster --app my-app --stat"
is "$RC:$ST" "0:0 0" "render | diff --cluster --app --stat after the sync: nothing differs"
is "$OUT" "0 to create, 0 to update, 0 to delete, 3 unchanged" "three objects, unchanged"

# ---- CI bumps the image; the preview against the previous revision -----------------------------
render -o json >"$TMP/before.jsonl"
ok $? "render of main before the bump"
gitops-set-image --repo "$URL" --file "$APP/deployment.yaml" --image "$IMAGE=$IMAGE:1.2.4" -o json >/dev/null
ok $? "CI bumps the image to 1.2.4"
pipe "$(declare -f render); render | gitops-diff --against $(printf %q "$TMP/before.jsonl") -o text"
is "$RC:$ST" "1:0 1" "render | diff --against before.jsonl: differs (exit 1), render exit 0"
is "$(grep '^[-+~]' <<<"$OUT")" "~ apps/Deployment prod/my-app
-        image: $IMAGE:1.2.3
+        image: $IMAGE:1.2.4" "the text diff: the Deployment, its image line"
pipe "$(declare -f render); render | gitops-diff --against $(printf %q "$TMP/before.jsonl") -o json"
is "$(jq -c 'select(.action != "unchanged") | [.action, .ref.kind, .patch]' <<<"$OUT")" \
	"[\"update\",\"Deployment\",[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/image\",\"value\":\"$IMAGE:1.2.4\"}]]" \
	"the Change record: one update, the image"

# ---- the plan: render | apply --dry-run -o text --------------------------------------------------
pipe "$(declare -f render); render | gitops-apply --app my-app --prune --dry-run -o text"
is "$RC:$ST" "0:0 0" "render | apply --dry-run -o text: exit 0"
like "$OUT" "Sync +0 +update +[a-z-]+ +apps/Deployment/my-app +prod" "the plan: the Deployment is updated"
is "$(kube_get Deployment prod my-app | jq -r '.spec.template.spec.containers[0].image')" "$IMAGE:1.2.3" \
	"and nothing was changed"

# ---- render | health --wait: the rollout of the new image ---------------------------------------
render -o json | gitops-apply --app my-app --prune -o json >/dev/null
ok $? "the bump is applied (without waiting)"
pipe "$(declare -f render); render | gitops-health --wait --timeout 5m --degraded-grace 30s -o json"
is "$RC:$ST" "0:0 0" "render | health --wait --timeout 5m --degraded-grace 30s: healthy, exit 0"
is "$(kinds Health health)" "ConfigMap/my-app-config=Healthy Deployment/my-app=Healthy Service/my-app=Healthy" \
	"health names what render rendered"

# ---- kubectl get -o json | health -o text -------------------------------------------------------
pipe "kubectl get deploy,svc,cm -n prod -o json | gitops-health -o text"
is "$RC:$ST" "0:0 0" "kubectl get -o json | health -o text: exit 0"
like "$OUT" $'^GROUP +KIND +NAMESPACE +NAME +HEALTH +MESSAGE\n' "a table"
like "$OUT" $'\napps +Deployment +prod +my-app +Healthy' "the Deployment from kubectl's List, Healthy"

# ---- history | jq -> rollback --------------------------------------------------------------------
gitops-set-image --repo "$URL" --file "$APP/deployment.yaml" --image "$IMAGE=$IMAGE:1.2.5" -o json >/dev/null
ok $? "CI bumps the image to 1.2.5"
G() { git --git-dir="$GIT_SERVER_ROOT/my-app-gitops.git" "$@"; }
# The commit that deployed 1.2.4, as history lists it (the man page's example, then a filter).
pipe "gitops-history --repo $(printf %q "$URL") --path $APP -o json | jq -r 'select(.message | endswith(\":1.2.4\")) | .commit'"
sha=$OUT
is "$RC:$ST" "0:0 0" "gitops-history -o json | jq -r .commit: exit 0"
is "$sha" "$(G log --format=%H -F --grep="-> $IMAGE:1.2.4" main)" "history names the commit git log finds for 1.2.4"
run gitops-rollback --repo "$URL" --path "$APP" --to "$sha" --reason "back to 1.2.4" -o json
is "$RC" 0 "gitops-rollback --to the commit from history: exit 0"
is "$(G show "main:$APP/deployment.yaml")" "$(G show "$sha:$APP/deployment.yaml")" \
	"the path is what it was at that commit (git show)"
# --commit: revert the newest deploy that history lists, the rollback's own commit aside.
run gitops-rollback --repo "$URL" --path "$APP" --release -o json
newest=$(gitops-history --repo "$URL" --path "$APP" -o json | jq -r 'select(.message | test("^Roll back")) | .commit' | head -n 1)
run gitops-rollback --repo "$URL" --path "$APP" --commit "$newest" --no-hold -o json
is "$RC" 0 "gitops-rollback --commit (the roll back history listed): exit 0"
like "$(G show "main:$APP/deployment.yaml")" "image: $IMAGE:1.2.5" "reverting the roll back brings 1.2.5 back"

done_testing
