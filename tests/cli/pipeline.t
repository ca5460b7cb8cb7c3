#!/usr/bin/env bash
# pipeline.t: the tutorial, end to end, with a real git server, the real git and kubectl, and the
# Kubernetes API stand-in. CI bumps the image tag in the manifest repo (gitops-set-image), the
# repo is rendered (gitops-render), the change is exactly the image (gitops-diff --cluster), it is
# applied and waited for (gitops-apply --wait); a rollback (gitops-rollback) reverts it in git and
# the next apply restores the previous image in the cluster.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/git.sh"
. "$TOP/tests/servers/kube.sh"

require kubectl jq
export HOME=$TMP/home CLOUDSDK_CONFIG=$TMP/gcloud XDG_CACHE_HOME=$TMP/cache
mkdir -p "$HOME"
unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL

APP=apps/my-app
IMAGE=registry.example.com/my-app
git_server_start
git_cli_env
URL=$(git_repo_create my-app-gitops --from "$TOP/tests/fixtures/apply/repo")
export GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD
kube_start --ready-delay 0.3 || { echo "Bail out! the stand-in did not start"; exit 1; }

# render: what Argo CD would apply for app my-app in namespace prod, from the branch tip on the
# server.
render() { gitops-render --repo "$URL" --path "$APP" --app my-app -n prod -o json; }
live_image() { kube_get Deployment prod my-app | jq -r '.spec.template.spec.containers[0].image'; }
results() { jq -r "select(.kind == \"Result\") | $1" <<<"$OUT"; }

# ---- day 0: the app is deployed ----
render >"$TMP/r0.json"
ok $? "the manifest repo renders"
run gitops-apply -f "$TMP/r0.json" --app my-app --prune --create-namespace --wait -o json
is "$RC" 0 "first sync: exit 0"
is "$(results '.ref.kind + " " + .action + " " + .status' | tr '\n' ,)" \
	"Namespace create ok,ConfigMap create ok,Service create ok,Deployment create ok," "the namespace, then the app"
is "$(results 'select(.ref.kind == "Deployment") | .health')" Healthy "and the Deployment became healthy"
is "$(live_image)" "$IMAGE:1.2.3" "1.2.3 runs"

# ---- CI: a new build ----
run gitops-set-image --repo "$URL" --file "$APP/deployment.yaml" --image "$IMAGE=$IMAGE:1.2.4" -o json
is "$RC" 0 "CI bumps the tag"
is "$(jq -r '.changes[0].old + " -> " + .changes[0].new' <<<"$OUT")" "$IMAGE:1.2.3 -> $IMAGE:1.2.4" "the Commit record"
render >"$TMP/r1.json"
ok $? "the new revision renders"

# ---- the diff is exactly the image ----
run gitops-diff --cluster --show-secrets -f "$TMP/r1.json" -o json
is "$RC" 1 "gitops-diff: differences (exit 1)"
is "$(jq -r 'select(.action != "unchanged") | .action + " " + .ref.kind + "/" + .ref.name' <<<"$OUT")" \
	"update Deployment/my-app" "one object changes"
is "$(jq -c 'select(.action == "update") | .patch' <<<"$OUT")" \
	"[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/image\",\"value\":\"$IMAGE:1.2.4\"}]" \
	"and the change is the image, nothing else"
echo "$OUT" >"$TMP/changes.json"

# ---- apply it, wait for the rollout ----
run gitops-apply -f "$TMP/changes.json" --wait -o json
is "$RC" 0 "gitops-diff | gitops-apply --wait: exit 0"
is "$(results 'select(.action != "unchanged") | .ref.kind + " " + .action + " " + .status + " " + .health')" \
	"Deployment update ok Healthy" "the Deployment is updated and healthy"
is "$(live_image)" "$IMAGE:1.2.4" "1.2.4 runs"
is "$(kube_get Deployment prod my-app | jq -r '.status.updatedReplicas')" 2 "rolled out"

# ---- 5xx after 1.2.4: roll back through git ----
run gitops-rollback --repo "$URL" --path "$APP" --reason "5xx after 1.2.4" -o json
is "$RC" 0 "gitops-rollback: exit 0"
render >"$TMP/r2.json"
is "$(jq -r 'select(.kind == "Deployment") | .spec.template.spec.containers[0].image' "$TMP/r2.json")" "$IMAGE:1.2.3" \
	"the rendered revision has the previous image"
run gitops-apply -f "$TMP/r2.json" --app my-app --prune --wait -o json
is "$RC" 0 "the next sync: exit 0"
is "$(results 'select(.action != "unchanged") | .ref.kind + " " + .action + " " + .status')" "Deployment update ok" \
	"only the Deployment changes"
is "$(results 'select(.action == "delete")')" "" "nothing is pruned (the hold file is no manifest)"
is "$(live_image)" "$IMAGE:1.2.3" "1.2.3 runs again"

# ---- the hold keeps CI from undoing the rollback ----
run gitops-set-image --repo "$URL" --file "$APP/deployment.yaml" --image "$IMAGE=$IMAGE:1.2.5" -o json
is "$RC" 1 "the next CI bump is refused while held"
render >"$TMP/r3.json"
run gitops-apply -f "$TMP/r3.json" --app my-app --prune -o json
is "$(results '.action' | sort -u)" unchanged "and a sync finds nothing to do"

done_testing
