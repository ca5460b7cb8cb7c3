#!/usr/bin/env bash
# diff-hooks.t: Argo CD leaves hooks out of its comparison (controller/state.go: no sync status for a hook, a
# Skip object or a live hook; argocd app diff skips a pair whose target or live object is a hook). Against the
# Kubernetes API stand-in through the real kubectl: after a sync that ran its hooks (one deleted by its policy,
# one kept), gitops-diff --cluster shows no changes and gitops-status says Synced; a change to the Deployment is
# still seen; the pipe gitops-render | gitops-diff --cluster | gitops-apply --prune runs the hooks again and
# prunes none; between two renders (--against) a changed hook is still shown.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/git.sh"
. "$TOP/tests/servers/kube.sh"

require kubectl jq git
export HOME=$TMP/home XDG_CACHE_HOME=$TMP/cache TMPDIR=$TMP/tmpdir
unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME
mkdir -p "$HOME" "$TMPDIR"
kube_start --ready-delay 0 || { echo "Bail out! the stand-in did not start"; exit 1; }
kubectl create namespace shop >/dev/null

SRC=$TMP/src
mkdir -p "$SRC/apps/shop"
job() { # job NAME ANNOTATIONS: a one-shot Job
	printf 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: %s\n  annotations: %s\nspec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: run, image: registry.example.com/tools:1.0.0}]\n' "$1" "$2"
}
job db-migrate '{argocd.argoproj.io/hook: PreSync, argocd.argoproj.io/hook-delete-policy: HookSucceeded}' >"$SRC/apps/shop/migrate.yaml"
job smoke-test '{argocd.argoproj.io/hook: PostSync}' >"$SRC/apps/shop/smoke.yaml" # BeforeHookCreation: kept
job seed '{helm.sh/hook: "pre-install,pre-upgrade", helm.sh/hook-delete-policy: hook-succeeded}' >"$SRC/apps/shop/seed.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local-only\n  annotations: {argocd.argoproj.io/hook: Skip}\ndata: {a: b}\n' >"$SRC/apps/shop/skip.yaml"
cat >"$SRC/apps/shop/deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: registry.example.com/web:1.0.0}]}
YAML
render() { gitops-render "$SRC/apps/shop" --app shop -n shop; }
exists() { kubectl -n shop get "$1" "$2" >/dev/null 2>&1 && echo yes || echo no; }

render | gitops-apply --app shop -n shop --prune -q -o json >/dev/null
ok $? "gitops-apply synced the app, its hooks run"
is "$(exists job db-migrate):$(exists job seed):$(exists job smoke-test):$(exists configmap local-only)" "no:no:yes:no" \
	"the deleted hooks are gone, the PostSync one kept, the Skip object never applied"

# ---- in sync: the hooks are set aside ----
render >"$TMP/desired.json"
run gitops-diff -f "$TMP/desired.json" --cluster --app shop -n shop -o json
is "$RC" 0 "gitops-diff --cluster: no changes after the sync (exit 0)" || echo "# $OUT"
is "$(jq -r 'select(.action != "unchanged" and (.hook | not)) | .action + " " + .ref.name' <<<"$OUT")" "" \
	"no create for the deleted hooks, no update for the kept one, no Skip object"
is "$(jq -r 'select(.hook) | .ref.name' <<<"$OUT" | sort | tr '\n' ,)" "db-migrate,local-only,seed,smoke-test," \
	"-o json keeps the hooks, marked hook, for gitops-apply to run"
run gitops-diff -f "$TMP/desired.json" --cluster --app shop -n shop -o text -v
is "$RC" 0 "-o text: exit 0"
unlike "$OUT" "db-migrate|seed|smoke-test|local-only" "-o text does not show the hooks"
like "$ERR" "4 hooks set aside" "-v says how many hooks were set aside"

cat >"$TMP/app.yaml" <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop, namespace: argocd}
spec:
  project: default
  source: {repoURL: $TMP/unused, targetRevision: main, path: apps/shop}
  destination: {server: $KUBE_URL, namespace: shop}
YAML
git_server_start
git_cli_env
URL=$(git_repo_create manifests --from "$SRC")
export GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD
sed -i "s|$TMP/unused|$URL|" "$TMP/app.yaml"
run gitops-status --application "$TMP/app.yaml" -o json
is "$RC:$(jq -r '.sync + " " + (.changes | [.create, .update, .delete] | join(" "))' <<<"$OUT")" "0:Synced 0 0 0" \
	"gitops-status: Synced (the kept hook Job is no prune candidate)" || echo "# $ERR $OUT"

# ---- a change to the Deployment is still seen ----
sed -i 's/web:1.0.0/web:1.1.0/' "$SRC/apps/shop/deploy.yaml"
run gitops-diff -f <(render) --cluster --app shop -n shop -o json
is "$RC:$(jq -r 'select(.action != "unchanged" and (.hook | not)) | .action + " " + .ref.name' <<<"$OUT")" "1:update web" \
	"the new image: one update, nothing else"

# ---- the pipe: hooks run again, nothing pruned or created wrongly ----
kube_log_clear
render | gitops-diff --cluster --app shop -n shop -o json | gitops-apply --app shop -n shop --prune -o json >"$TMP/results.json"
is "$?" 0 "gitops-render | gitops-diff --cluster | gitops-apply --prune: exit 0"
is "$(jq -r 'select(.kind == "Result") | .action + " " + .ref.name + " " + .status' "$TMP/results.json" | grep -v unchanged | sort | tr '\n' ,)" \
	"create db-migrate ok,create local-only skipped,create seed ok,create smoke-test ok,update web ok," \
	"the hooks ran again (Skip skipped), the Deployment updated" ||
	cat "$TMP/results.json" | sed 's/^/# /'
is "$(kube_log | jq -r 'select(.method == "DELETE") | .path' | sort | tr '\n' ,)" \
	"/apis/batch/v1/namespaces/shop/jobs/db-migrate,/apis/batch/v1/namespaces/shop/jobs/seed,/apis/batch/v1/namespaces/shop/jobs/smoke-test," \
	"deletes only by the hooks' policies: nothing pruned"
is "$(exists job smoke-test):$(exists configmap local-only):$(kubectl -n shop get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}')" \
	"yes:no:registry.example.com/web:1.1.0" "the kept hook is back, the Skip object still not applied, the new image live"

# ---- between two renders a changed hook is a change a reviewer sees ----
render >"$TMP/old.json"
sed -i 's/tools:1.0.0/tools:2.0.0/' "$SRC/apps/shop/migrate.yaml"
run gitops-diff -f <(render) --against "$TMP/old.json" -o json
is "$RC:$(jq -r 'select(.action != "unchanged") | .action + " " + .ref.name + " " + (.hook // false | tostring)' <<<"$OUT")" \
	"1:update db-migrate false" "--against: the changed hook is an update, counted"

done_testing
