#!/usr/bin/env bash
# status.t: gitops-status, argocd app list without a server. Applications whose source is a repo on the real
# git server (tests/servers/git.sh) and whose destination is the Kubernetes API stand-in through the real
# kubectl: an app synced with gitops-apply is Synced and Healthy at the branch's commit (exit 0); a drift in an
# ignoreDifferences field stays Synced; a new image tag pushed by gitops-set-image is OutOfSync with one update;
# a deleted object is a create, an extra object the app tracks a delete; a Deployment whose rollout fails makes
# its app Degraded, naming it; a render that fails is Unknown with the engine's message; all apps of one
# cluster are read with one kubectl get; bad input is exit 2, an unreachable cluster exit 3.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/git.sh"
. "$TOP/tests/servers/kube.sh"

require kubectl jq git
export HOME=$TMP/home XDG_CACHE_HOME=$TMP/cache TMPDIR=$TMP/tmpdir
unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME
mkdir -p "$HOME" "$TMPDIR"
kube_start --ready-delay 0 || { echo "Bail out! the stand-in did not start"; exit 1; }

# kubectl on PATH logs each run's arguments: how many reads reach the cluster
REAL_KUBECTL=$(command -v kubectl)
mkdir -p "$TMP/shim"
printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>"%s"\nexec "%s" "$@"\n' "$TMP/kubectl.log" "$REAL_KUBECTL" >"$TMP/shim/kubectl"
chmod +x "$TMP/shim/kubectl"
export PATH="$TMP/shim:$PATH"
gets() { grep -c '^get \|[[:space:]]get ' "$TMP/kubectl.log" 2>/dev/null || true; }

# ---- the manifest repo: web (healthy), bad (its rollout fails), broken (does not render) ----
SRC=$TMP/src
mkdir -p "$SRC/apps/web" "$SRC/apps/bad" "$SRC/apps/broken"
cat >"$SRC/apps/web/deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: registry.example.com/web:1.0.0}]}
YAML
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-config}\ndata: {LOG_LEVEL: info}\n' >"$SRC/apps/web/config.yaml"
sed 's/name: web}/name: bad, annotations: {kube-standin\/rollout: fail}}/; s/app: web/app: bad/g' \
	"$SRC/apps/web/deploy.yaml" >"$SRC/apps/bad/deploy.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: routes\ndata:\n  routes: [/v1\n' >"$SRC/apps/broken/config.yaml"
mkdir -p "$SRC/apps/settings"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n' >"$SRC/apps/settings/config.yaml"

git_server_start
git_cli_env
URL=$(git_repo_create manifests --from "$SRC")
export GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD
head_of() { git ls-remote "$URL" refs/heads/main | cut -f1; }

app() { # app NAME [PATH]: an Application like Argo CD's, destination the stand-in
	cat >"$TMP/$1.yaml" <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: $1, namespace: argocd}
spec:
  project: default
  source: {repoURL: $URL, targetRevision: main, path: ${2:-apps/$1}}
  destination: {server: $KUBE_URL, namespace: $1}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [CreateNamespace=true]
  ignoreDifferences:
    - {group: apps, kind: Deployment, jsonPointers: [/spec/replicas]}
YAML
}
app web && app bad && app broken && app settings
sync() { # sync APP: as Argo CD would (selfHeal: the fields kubectl scale took are taken back)
	gitops-render --application "$TMP/$1.yaml" | gitops-apply --application "$TMP/$1.yaml" -q -o json >/dev/null ||
		echo "Bail out! gitops-apply $1"
}
field() { jq -r "select(.app == \"$1\") | $2" <<<"$OUT"; }

# ---- in sync and healthy: exit 0, the branch's commit ----
sync web
ok $? "gitops-apply synced web"
: >"$TMP/kubectl.log"
run gitops-status --application "$TMP/web.yaml" -o json
is "$RC" 0 "Synced and Healthy: exit 0" || echo "# $ERR"
is "$(field web '.sync + " " + .health')" "Synced Healthy" "the Status record says Synced, Healthy"
is "$(field web .revision)" "$(head_of)" "revision: the commit main resolves to (full SHA)"
is "$(field web '.changes | [.create, .update, .delete] | join(" ")')" "0 0 0" "no changes"
is "$(gets)" 1 "one kubectl get for the cluster"
# the record as the other records are checked: gitops/v1, every field there and typed
jq -e 'select(.apiVersion == "gitops/v1" and .kind == "Status") | .app == "web" and .appNamespace == "argocd" and
	.project == "default" and .repo != "" and .path == "apps/web" and .targetRevision == "main" and
	(.revision | test("^[0-9a-f]{40}$")) and .destination.namespace == "web" and .syncPolicy == "Auto-Prune" and
	(.changes | (.create | type) == "number") and (.message | type) == "string"' <<<"$OUT" >/dev/null
ok $? "-o json: a gitops/v1 Status record with every field"

run gitops-status --application "$TMP/web.yaml" -o text
is "$RC" 0 "-o text: exit 0"
is "$(head -n1 <<<"$OUT" | tr -s ' ')" "NAME CLUSTER NAMESPACE PROJECT STATUS HEALTH SYNCPOLICY REVISION CHANGES MESSAGE" \
	"-o text: argocd app list's columns, then the commit, the changes and the message"
like "$(sed -n 2p <<<"$OUT")" "^argocd/web +$KUBE_URL +web +default +Synced +Healthy +Auto-Prune +$(head_of | cut -c1-7) +-" \
	"-o text: a row like argocd app list's, the short commit"

# ---- a drift only in an ignored field stays Synced ----
kubectl -n web scale deployment web --replicas=5 >/dev/null
run gitops-status --application "$TMP/web.yaml" -o json
is "$RC:$(field web .sync)" "0:Synced" "ignoreDifferences /spec/replicas: a scaled Deployment stays Synced"

# ---- a new tag in the manifest repo: OutOfSync, one update ----
gitops-set-image -q --repo "$URL" --file apps/web/deploy.yaml --image registry.example.com/web=registry.example.com/web:1.1.0 -o json >/dev/null
ok $? "gitops-set-image pushed a new tag"
run gitops-status --application "$TMP/web.yaml" -o json
is "$RC" 1 "OutOfSync: exit 1"
is "$(field web '.sync + " " + (.changes | [.create, .update, .delete] | join(" "))')" "OutOfSync 0 1 0" "one update"
is "$(field web .revision)" "$(head_of)" "at the new commit"
like "$(field web .message)" "^Deployment web/web differs at /spec/template/spec/containers" "the message names the object and the field"
sync web

# ---- a missing object is a create, an extra tracked one a delete ----
kubectl -n web delete configmap web-config >/dev/null
kubectl -n web create configmap stale --from-literal=a=b >/dev/null
kubectl -n web annotate configmap stale argocd.argoproj.io/tracking-id=web:/ConfigMap:web/stale >/dev/null
run gitops-status --application "$TMP/web.yaml" -o json
is "$RC" 1 "a missing and an extra object: exit 1"
is "$(field web '.sync + " " + (.changes | [.create, .update, .delete] | join(" "))')" "OutOfSync 1 0 1" \
	"the deleted ConfigMap is a create, the extra tracked one a delete"
is "$(field web .health)" Healthy "a missing ConfigMap does not make the app Missing (Argo CD: no health check)"
like "$(field web .message)" "ConfigMap web/web-config is missing" "the message names the missing object"
sync web

# ---- an unhealthy Deployment, a broken render, all three in one run: one read of the cluster ----
sync bad
: >"$TMP/kubectl.log"
run gitops-status --application "$TMP/web.yaml" --application "$TMP/bad.yaml" --application "$TMP/broken.yaml" -o json
is "$RC" 1 "one app Degraded, one Unknown: exit 1"
is "$(field web '.sync + " " + .health')" "Synced Healthy" "web: Synced, Healthy"
is "$(field bad '.sync + " " + .health')" "Synced Degraded" "bad: Synced, Degraded"
like "$(field bad .message)" "^Deployment bad/bad is Degraded: .*progress deadline" "the first problem names the Deployment"
is "$(field broken '.sync + " " + .health')" "Unknown Unknown" "broken: a render that fails is Unknown"
like "$(field broken .message)" "gitops-render: .*config.yaml:[0-9]+:[0-9]+" "with the engine's message, file:line:column"
like "$ERR" "application broken: " "the failure is said on stderr, naming the app"
is "$(gets)" 1 "three apps on one cluster: one kubectl get"

# ---- Argo CD's other two rules: ignore-healthcheck, and an app with nothing live is Missing ----
kubectl -n bad annotate deployment bad argocd.argoproj.io/ignore-healthcheck=true >/dev/null
run gitops-status --application "$TMP/bad.yaml" -o json
is "$RC:$(field bad '.sync + " " + .health')" "0:Synced Healthy" \
	"a Degraded Deployment marked argocd.argoproj.io/ignore-healthcheck: left out of the app's health"
kubectl -n bad annotate deployment bad argocd.argoproj.io/ignore-healthcheck- >/dev/null
run gitops-status --application "$TMP/settings.yaml" -o json
is "$RC:$(field settings '.sync + " " + .health')" "1:OutOfSync Missing" \
	"an app none of whose objects is live: Missing (one missing ConfigMap among live objects is not)"
like "$(field settings .message)" "none of its objects is in the cluster" "the message says so"

# ---- no Application named: every one of the cluster (argocd), one kubectl get for them ----
cat >"$TMP/crd.yaml" <<'YAML'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: applications.argoproj.io}
spec:
  group: argoproj.io
  names: {kind: Application, plural: applications, singular: application, listKind: ApplicationList}
  scope: Namespaced
  versions: [{name: v1alpha1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]
YAML
kubectl apply --server-side -f "$TMP/crd.yaml" >/dev/null && kubectl create namespace argocd >/dev/null &&
	kubectl apply --server-side -f "$TMP/web.yaml" -f "$TMP/bad.yaml" >/dev/null
ok $? "the Applications web and bad are in the cluster"
: >"$TMP/kubectl.log"
run gitops-status -o json
is "$RC" 1 "every Application of the cluster: bad is Degraded, exit 1"
is "$(jq -r '.app + ":" + .health' <<<"$OUT" | sort | tr '\n' ' ')" "bad:Degraded web:Healthy " "both apps, from the cluster"
is "$(gets)" 2 "two kubectl gets: the Applications, then the apps' objects"
run gitops-status --application web -o json
is "$RC:$(field web .sync)" "0:Synced" "--application NAME: read from the cluster"
kubectl create namespace team >/dev/null && sed 's/namespace: argocd}/namespace: team}/' "$TMP/web.yaml" | kubectl apply --server-side -f - >/dev/null
run gitops-status --argocd-namespace team -o json
is "$RC:$(jq -r '.app + "@" + .appNamespace' <<<"$OUT")" "1:web@team" "--argocd-namespace: the Applications of that namespace"
like "$(field web .message)" "tracking-id" "an app outside argocd tracks as team_web (Argo CD's instance name): OutOfSync"

# ---- --repo URL --revision REV --applications DIR: the app-of-apps directory of a branch, its apps at it ----
git clone -q "$URL" "$TMP/work"
git -C "$TMP/work" checkout -q -b feature
mkdir -p "$TMP/work/argocd"
cp "$TMP/web.yaml" "$TMP/work/argocd/web.yaml"
sed -i 's|web:1.1.0|web:1.2.0|' "$TMP/work/apps/web/deploy.yaml"
git -C "$TMP/work" add -A && git -C "$TMP/work" commit -qm "web 1.2.0, the apps" && git -C "$TMP/work" push -q origin feature
ok $? "a branch with the Applications and a new tag is pushed"
run gitops-status --repo "$URL" --revision feature --applications argocd -o json
is "$RC:$(field web '.sync + " " + (.changes.update | tostring)')" "1:OutOfSync 1" \
	"--repo --revision --applications: the branch's apps, rendered at the branch: one update"
is "$(field web .revision)" "$(git -C "$TMP/work" rev-parse HEAD)" "at the branch's commit"
is "$(field web .targetRevision)" "feature" "targetRevision: the revision given for that repo"

# ---- bad input: exit 2; the cluster unreachable: exit 3 ----
run gitops-status --application nonexistent.yaml -o json
is "$RC" 2 "an Application that does not exist: exit 2"
sed 's/ignoreDifferences:/ignoreDifferences:\n    - {kind: ConfigMap, managedFieldsManagers: [kube-controller-manager]}/' "$TMP/web.yaml" >"$TMP/mfm.yaml"
run gitops-status --application "$TMP/mfm.yaml" -o json
is "$RC" 2 "a field gitops-status cannot honour: exit 2"
like "$ERR" "managedFieldsManagers: not supported" "naming it"
sed "s|server: $KUBE_URL|server: https://127.0.0.1:9|" "$TMP/web.yaml" >"$TMP/away.yaml"
kube_user limited bob '[{"verb": "list", "resource": "configmaps"}]'
run gitops-status --application "$TMP/web.yaml" --context limited -o json
is "$RC" 3 "a kind the token may not list: exit 3, never its objects read as creates"
is "$(field web '.sync + " " + .health')" "Unknown Unknown" "the app is Unknown"
kubectl config set-cluster away --server=https://127.0.0.1:9 >/dev/null
kubectl config set-context away --cluster=away --user=nobody >/dev/null
run gitops-status --application "$TMP/away.yaml" -o json --request-timeout 5s
is "$RC" 3 "the destination cluster does not answer: exit 3"
is "$(field web '.sync + " " + .health')" "Unknown Unknown" "its app is Unknown, still reported"

done_testing
