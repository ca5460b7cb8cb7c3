#!/usr/bin/env bash
# app-tools.t: gitops-apply, gitops-diff and gitops-health --application APP against the Kubernetes
# API stand-in through the real kubectl. The Application picks the kubeconfig context whose cluster
# is its destination.server (the current context is another, unreachable cluster), the destination
# namespace and the tracking name; gitops-apply takes its sync policy (CreateNamespace, prune on
# automated sync, self-heal as --force-conflicts) and refuses what it cannot honour, naming it;
# gitops-diff applies the app's ignoreDifferences (jsonPointers and a jq path); gitops-health reads
# the objects at the destination.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/kube.sh"

require kubectl jq
export HOME=$TMP/home CLOUDSDK_CONFIG=$TMP/gcloud
mkdir -p "$HOME"
kube_start --ready-delay 0 || { echo "Bail out! the stand-in did not start"; exit 1; }
REAL=$(kubectl config current-context)
# the current context is another cluster, which nothing must reach
kubectl config set-cluster elsewhere --server=https://127.0.0.1:9 >/dev/null
kubectl config set-context elsewhere --cluster=elsewhere --user=nobody >/dev/null
kubectl config use-context elsewhere >/dev/null

mkdir -p "$TMP/web"
cat >"$TMP/web/deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: registry.example.com/web:1.0.0}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config, annotations: {example.com/stamp: "1"}}
data: {LOG_LEVEL: info}
YAML
app() { # app FILE [EXTRA-SYNC-OPTION]
	cat >"$1" <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web, namespace: argocd}
spec:
  project: default
  source: {repoURL: https://git.example.com/manifests, targetRevision: main, path: web}
  destination: {server: $KUBE_URL, namespace: web}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [CreateNamespace=true${2:+, $2}]
  ignoreDifferences:
    - {group: apps, kind: Deployment, jsonPointers: [/spec/replicas]}
    - {kind: ConfigMap, jqPathExpressions: ['.metadata.annotations["example.com/stamp"]']}
YAML
}
app "$TMP/app.yaml"
gitops-render -n web --app web "$TMP/web" >"$TMP/desired.json" || echo "Bail out! render"

# ---- apply: the destination's context, its namespace created, tracked as the app ----
run gitops-apply -v --application "$TMP/app.yaml" -f "$TMP/desired.json" -o json
is "$RC" 0 "gitops-apply --application: exit 0" || echo "# $ERR"
like "$ERR" "kubeconfig context $REAL" "-v: the context whose cluster is destination.server"
like "$ERR" "prune yes, self-heal yes, create namespace yes" "-v: the sync policy taken"
is "$(kube_get Namespace '' web | jq -r .metadata.name)" web "CreateNamespace=true: the namespace was created"
is "$(kube_get Deployment web web | jq -r '.metadata.annotations["argocd.argoproj.io/tracking-id"]')" \
	"web:apps/Deployment:web/web" "the Deployment landed, tracked as the app"

# ---- diff: ignoreDifferences from the app ----
kubectl --context "$REAL" -n web scale deployment web --replicas=5 >/dev/null
kubectl --context "$REAL" -n web annotate configmap web-config example.com/stamp=2 --overwrite >/dev/null
run gitops-diff --application "$TMP/app.yaml" -f "$TMP/desired.json" -o json
is "$RC" 0 "gitops-diff --application: replicas and the stamp are ignored: exit 0" || echo "# $ERR"
run gitops-diff --context "$REAL" -n web --cluster --app web -f "$TMP/desired.json" -o json
is "$RC" 1 "without the Application's ignoreDifferences: they differ (exit 1)"
run gitops-diff --application "$TMP/app.yaml" --context elsewhere -f "$TMP/desired.json" -o json
is "$RC" 3 "--context wins over the destination (and the other cluster is unreachable): exit 3"

# ---- prune on automated sync: what left the desired set goes ----
jq -c 'select(.kind != "ConfigMap")' "$TMP/desired.json" >"$TMP/desired2.json"
run gitops-apply --application "$TMP/app.yaml" -f "$TMP/desired2.json" -o json
is "$RC" 0 "apply without the ConfigMap: exit 0" || echo "# $ERR"
is "$(kube_get ConfigMap web web-config)" "" "automated.prune: the ConfigMap was pruned"

# ---- health at the destination ----
run gitops-health --application "$TMP/app.yaml" -f "$TMP/desired2.json" -o json
ok "$([ "$RC" = 0 ] || [ "$RC" = 1 ]; echo $?)" "gitops-health --application: an answer (exit $RC)"
is "$(jq -r 'select(.kind == "Health") | .ref.namespace + "/" + .ref.name' <<<"$OUT")" "web/web" \
	"the Deployment read in the destination namespace"

# ---- what gitops-apply cannot honour is refused, named ----
for opt in Replace=true PruneLast=true Validate=false ServerSideApply=false; do
	app "$TMP/bad.yaml" "$opt"
	run gitops-apply --application "$TMP/bad.yaml" -f "$TMP/desired2.json"
	is "$RC" 2 "$opt: exit 2"
	like "$ERR" "application web: spec.syncPolicy.syncOptions: $opt: not supported by gitops-apply" "$opt: named"
done
app "$TMP/ok.yaml" "ApplyOutOfSyncOnly=true"
run gitops-apply --application "$TMP/ok.yaml" -f "$TMP/desired2.json" -o json
is "$RC" 0 "ApplyOutOfSyncOnly=true is honoured (an in-sync object's server-side apply is a no-op)" || echo "# $ERR"
sed "s|server: $KUBE_URL|server: https://cluster.example.com|" "$TMP/app.yaml" >"$TMP/nowhere.yaml"
run gitops-diff --application "$TMP/nowhere.yaml" -f "$TMP/desired.json"
is "$RC" 2 "a destination.server no context points at: exit 2"
like "$ERR" "no kubeconfig context has a cluster with that server" "said"

done_testing
