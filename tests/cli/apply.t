#!/usr/bin/env bash
# apply.t: gitops-apply through the real kubectl against the Kubernetes API stand-in: create,
# update, unchanged (not sent), drift, removed fields, waves and kind order (the order of the
# requests in the stand-in's log), CRD + CR in one stream, hooks and their delete policies,
# namespaces, dry run, Change records from gitops-diff. What landed is read back through the
# stand-in's admin endpoint, never through gitops-apply itself.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/kube.sh"

require kubectl jq
export HOME=$TMP/home CLOUDSDK_CONFIG=$TMP/gcloud
mkdir -p "$HOME"

FIX=$TOP/tests/fixtures/apply
kube_start --ready-delay 0.2 --crd-establish-delay 0.3 || { echo "Bail out! the stand-in did not start"; exit 1; }

# writes: the non-GET requests since the last kube_log_clear, "METHOD PATH" per line.
writes() { kube_log | jq -r 'select(.method != "GET") | .method + " " + .path'; }
# calls CMD: how many kubectl processes of that command (e.g. "kubectl apply") talked to the server.
calls() { kube_log | jq -r --arg c "$1" 'select(.command == $c) | .session' | sort -u | wc -l; }
# results FILTER: one line per Result record in $OUT.
results() { jq -r "select(.kind == \"Result\") | $1" <<<"$OUT"; }
field() { kube_get "$1" "$2" "$3" | jq -r "$4"; }

# ---- create: one kubectl apply, in Argo CD's kind order ----
run gitops-apply -f "$FIX/app.yaml" -o json
is "$RC" 0 "first apply exits 0"
is "$(results '.action + " " + .status + " " + .ref.kind' | tr '\n' ,)" \
	"create ok Namespace,create ok Secret,create ok ConfigMap,create ok Service,create ok Deployment," \
	"a Result per object, created, in kind order"
is "$(writes)" "PATCH /api/v1/namespaces/demo
PATCH /api/v1/namespaces/demo/secrets/my-app-db
PATCH /api/v1/namespaces/demo/configmaps/my-app-config
PATCH /api/v1/namespaces/demo/services/my-app
PATCH /apis/apps/v1/namespaces/demo/deployments/my-app" "the requests went out in kind order"
is "$(calls 'kubectl apply')" 1 "one kubectl apply for the wave, not one per object"
is "$(field Deployment demo my-app '.spec.template.spec.containers[0].image')" "registry.example.com/my-app:1.2.3" "the Deployment landed"
is "$(field ConfigMap demo my-app-config '[.metadata.managedFields[] | select(.operation == "Apply") | .manager] | join(",")')" \
	"gitops-apply" "applied server-side as field manager gitops-apply"
is "$(results '.wave|tostring' | sort -u)" 0 "Results carry the wave"
is "$(results '.phase' | sort -u)" Sync "and the phase"
unlike "$OUT$ERR" 's3cr3t-db-pass-4711' "the Secret's value is in no output"
unlike "$(kube_log | jq -r 'select(.method == "GET") | .path + .query')" 's3cr3t' "nor in any URL"

# ---- unchanged: nothing is sent ----
kube_log_clear
run gitops-apply -f "$FIX/app.yaml" -o json
is "$RC" 0 "second apply exits 0"
is "$(results '.action' | sort -u)" unchanged "every object unchanged"
is "$(writes)" "" "no write request at all"
is "$(calls 'kubectl apply')" 0 "kubectl apply was not even run"

# ---- standard output that cannot be written: exit 2, as every tool (it was 1 here) ----
gitops-apply -f "$FIX/app.yaml" -o json >/dev/full 2>"$TMP/full.err"
is "$?" 2 "Result records into a full disk: exit 2 (the answer was lost), as in every other tool"
is "$(cat "$TMP/full.err")" "gitops-apply: cannot write output: No space left on device" "  and says so, once"

# ---- update: only the changed object is sent ----
sed 's/my-app:1.2.3/my-app:1.2.4/' "$FIX/app.yaml" >"$TMP/app-v2.yaml"
kube_log_clear
run gitops-apply -f "$TMP/app-v2.yaml" -o json
is "$RC" 0 "update exits 0"
is "$(results 'select(.action != "unchanged") | .action + " " + .ref.kind')" "update Deployment" "only the Deployment is an update"
is "$(writes)" "PATCH /apis/apps/v1/namespaces/demo/deployments/my-app" "and only it is sent"
is "$(field Deployment demo my-app '.spec.template.spec.containers[0].image')" "registry.example.com/my-app:1.2.4" "the new image landed"

# ---- a field removed from the manifests is removed from the cluster ----
grep -v 'LOG_LEVEL: info' "$TMP/app-v2.yaml" >"$TMP/app-v3.yaml"
kube_log_clear
run gitops-apply -f "$TMP/app-v3.yaml" -o json
is "$RC" 0 "removing a key exits 0"
is "$(results 'select(.action != "unchanged") | .action + " " + .ref.kind + ": " + .message')" \
	"update ConfigMap: fields set by the last apply are no longer desired" "the ConfigMap is an update though desired only lost a key"
is "$(field ConfigMap demo my-app-config '.data | keys | join(",")')" "mode" "server-side apply removed the key we stopped applying"

# ---- drift ----
# A change that kept our ownership (as a mutating webhook or a restore might leave it): repaired.
kube_get ConfigMap demo my-app-config | jq '.data.mode = "slow"' | kube_seed -
kube_log_clear
run gitops-apply -f "$TMP/app-v3.yaml" -o json
is "$RC" 0 "drift: exits 0"
is "$(results 'select(.action != "unchanged") | .action + " " + .ref.name')" "update my-app-config" "drift found"
is "$(field ConfigMap demo my-app-config .data.mode)" fast "and repaired by the re-apply"
# `kubectl edit` takes the field over: without --force-conflicts, a conflict that names who and what.
kube_get ConfigMap demo my-app-config | jq '.data.mode = "debug"' | kube_seed - 'manager=kubectl-edit'
run gitops-apply -f "$TMP/app-v3.yaml" -o json
is "$RC" 1 "a field another manager owns: exit 1"
is "$(results 'select(.status == "failed") | .ref.name')" my-app-config "that object failed"
is "$(results 'select(.status == "failed") | .message')" \
	'conflict: .data.mode owned by "kubectl-edit": changed in the cluster since the last sync; --force-conflicts takes them (the self-heal switch: Argo CD'"'"'s selfHeal forces its own fields)' \
	"the message names the field, the manager that owns it, and the switch that takes it back"
unlike "$(results 'select(.status == "failed") | .message')" 'Please review the fields above' "without kubectl's ten lines of help"
is "$(field ConfigMap demo my-app-config .data.mode)" debug "nothing was forced"
kubectl scale deployment my-app -n demo --replicas 7 >/dev/null
sed 's/^  replicas: 2$/  replicas: 4/' "$TMP/app-v3.yaml" >"$TMP/app-v3-scaled.yaml"
run gitops-apply -f "$TMP/app-v3-scaled.yaml" -o json
like "$(results 'select(.ref.kind == "Deployment") | .message')" \
	'^conflict: .spec.replicas owned by "kubectl" \(subresource scale\): .*--force-conflicts' \
	"a field kubectl scale took: its manager and subresource named"
run gitops-apply -f "$TMP/app-v3.yaml" --force-conflicts -o json
is "$RC" 0 "--force-conflicts: exit 0"
is "$(field ConfigMap demo my-app-config .data.mode)" fast "the drift is repaired (self-heal)"
is "$(field ConfigMap demo my-app-config '[.metadata.managedFields[] | .manager] | join(",")')" gitops-apply \
	"and the field is ours again"
kube_log_clear
run gitops-apply -f "$TMP/app-v3.yaml" -o json
is "$(writes)" "" "the next run finds nothing to do"

# ---- --server-side-diff: the server predicts the result ----
kube_log_clear
run gitops-apply -f "$TMP/app-v3.yaml" --server-side-diff -o json
is "$RC" 0 "--server-side-diff: exit 0"
is "$(results '.action' | sort -u)" unchanged "the server's dry run agrees: nothing changed"
is "$(kube_log | jq -r 'select(.method == "PATCH") | .query' | grep -vc 'dryRun=All')" 0 "only dry-run PATCHes were sent"
sed 's/mode: fast/mode: turbo/' "$TMP/app-v3.yaml" >"$TMP/app-v4.yaml"
run gitops-apply -f "$TMP/app-v4.yaml" --server-side-diff -o json
is "$(results 'select(.action != "unchanged") | .action + " " + .status + " " + .ref.name')" "update ok my-app-config" \
	"a change found by the dry run is applied"
is "$(field ConfigMap demo my-app-config .data.mode)" turbo "and landed"
run gitops-apply -f "$TMP/app-v3.yaml" -o json
is "$(field ConfigMap demo my-app-config .data.mode)" fast "(back to the manifests)"

# ---- a webhook's env entry and sidecar: no update, as in Argo CD (issue 25: lists merge by key) ----
cat >"$TMP/worker.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker, namespace: demo}
spec:
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers:
      - name: worker
        image: registry.example.com/worker:1
        env:
        - {name: QUEUE, value: jobs}
EOF
run gitops-apply -f "$TMP/worker.yaml" -o json
is "$(results '.action + " " + .status')" "create ok" "a worker Deployment with one env entry is created"
kube_get Deployment demo worker | jq -c '.spec.template.spec.containers[0].env = [{name: "POD_NAME",
		valueFrom: {fieldRef: {apiVersion: "v1", fieldPath: "metadata.name"}}}] + .spec.template.spec.containers[0].env
	| .spec.template.spec.containers = [{name: "istio-proxy", image: "istio/proxyv2:1.24"}] + .spec.template.spec.containers' |
	kube_seed - 'manager=istio-sidecar-injector'
kube_log_clear
run gitops-apply -f "$TMP/worker.yaml" -o json
is "$RC:$(results '.action')" "0:unchanged" "an env entry and a sidecar a webhook put first: unchanged (matched by name, kept)"
is "$(writes)" "" "  nothing sent"
sed 's/value: jobs/value: urgent/' "$TMP/worker.yaml" >"$TMP/worker-2.yaml"
run gitops-apply -f "$TMP/worker-2.yaml" -o json
is "$(results '.action + " " + .status')" "update ok" "the manifest's own env value changed: update"
is "$(field Deployment demo worker '[.spec.template.spec.containers[] | .name + "=" + ([.env[]?.name] | sort | join(","))] | sort | join(" ")')" \
	"istio-proxy= worker=POD_NAME,QUEUE" "  applied; the injected entries are still there"

# ---- waves and kind order ----
kube_log_clear
run gitops-apply -f "$FIX/waves.yaml" -o json
is "$RC" 0 "waves: exit 0"
is "$(writes)" "PATCH /api/v1/namespaces/shop
PATCH /apis/apps/v1/namespaces/shop/statefulsets/db
PATCH /api/v1/namespaces/shop/serviceaccounts/shop
PATCH /api/v1/namespaces/shop/configmaps/shop-config
PATCH /api/v1/namespaces/shop/services/shop
PATCH /apis/apps/v1/namespaces/shop/deployments/shop
PATCH /apis/networking.k8s.io/v1/namespaces/shop/ingresses/shop" \
	"wave -1 (the Namespace moved up to its first object), then 0 in kind order, then 1"
is "$(calls 'kubectl apply')" 3 "one kubectl apply per wave"
is "$(kube_log | jq -r 'select(.method == "PATCH") | .session' | uniq | wc -l)" 3 "each wave's objects in one call"
is "$(results '(.wave|tostring) + " " + .ref.name' | tr '\n' ,)" "-1 shop,-1 db,0 shop,0 shop-config,0 shop,0 shop,1 shop," \
	"Results in sync order with their waves"

# ---- a CRD and its custom resource in one stream ----
kube_log_clear
run gitops-apply -f "$FIX/crd.yaml" -o json
is "$RC" 0 "CRD + CR: exit 0"
is "$(writes)" "PATCH /apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com
PATCH /apis/stable.example.com/v1/namespaces/default/crontabs/nightly-report" "the CRD, then the resource"
is "$(calls 'kubectl wait')" 1 "waited for the CRD to be Established in between"
is "$(field CronTab default nightly-report .spec.cronSpec)" "0 3 * * *" "the custom resource landed"

# A CRD moves up to the wave of its first custom resource, as in Argo CD.
cat >"$TMP/crd-waves.yaml" <<'EOF'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: backups.ops.example.com
spec:
  group: ops.example.com
  scope: Namespaced
  names: {plural: backups, singular: backup, kind: Backup}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
---
apiVersion: ops.example.com/v1
kind: Backup
metadata:
  name: before-upgrade
  namespace: default
  annotations:
    argocd.argoproj.io/sync-wave: "-5"
spec:
  target: db
EOF
run gitops-apply -f "$TMP/crd-waves.yaml" -o json
is "$RC" 0 "a CR in wave -5, its CRD in wave 0: exit 0"
is "$(results '(.wave|tostring) + " " + .ref.kind' | tr '\n' ,)" "-5 CustomResourceDefinition,-5 Backup," "the CRD went in wave -5"

# ---- dry run ----
sed 's/currency: EUR/currency: CHF/' "$FIX/waves.yaml" >"$TMP/waves-chf.yaml"
kube_log_clear
run gitops-apply -f "$TMP/waves-chf.yaml" --dry-run -o json
is "$RC" 0 "--dry-run exits 0"
is "$(results 'select(.action == "update") | .status + " " + .ref.name')" "planned shop-config" "the plan: an update, planned"
is "$(results '.status' | sort -u)" planned "every Result is planned"
is "$(writes)" "" "nothing was changed"
is "$(field ConfigMap shop shop-config .data.currency)" EUR "the cluster is as it was"

# ---- Change records from gitops-diff ----
gitops-diff --cluster --show-secrets -f "$TMP/waves-chf.yaml" -o json >"$TMP/changes.json" 2>"$TMP/diff.err"
is "$(jq -r 'select(.action != "unchanged") | .action + " " + .ref.name' "$TMP/changes.json")" "update shop-config" \
	"gitops-diff --cluster sees the same change"
kube_log_clear
run gitops-apply -f "$TMP/changes.json" -o json
is "$RC" 0 "gitops-diff | gitops-apply: exit 0"
is "$(results 'select(.action != "unchanged") | .action + " " + .status + " " + .ref.name')" "update ok shop-config" \
	"the Change records are the plan"
is "$(writes)" "PATCH /api/v1/namespaces/shop/configmaps/shop-config" "only the changed object is sent"
is "$(field ConfigMap shop shop-config .data.currency)" CHF "and it landed"
# Masked Secret values cannot be applied.
gitops-diff --cluster -f "$TMP/app-v2.yaml" -o json 2>/dev/null | jq -c 'if .ref.kind == "Secret" then .action = "update" else . end' \
	>"$TMP/masked.json"
run gitops-apply -f "$TMP/masked.json" -o json
is "$RC" 1 "a Change record with masked Secret values: exit 1"
like "$(results 'select(.ref.kind == "Secret") | .status + ": " + .message')" '^failed: .*masked.*--show-secrets' "that object fails, saying why"
is "$(field Secret demo my-app-db '.data.password' | base64 -d)" "s3cr3t-db-pass-4711" "the Secret was not overwritten with masks"
is "$(results 'select(.ref.kind != "Secret") | .status' | sort -u)" ok "the other objects of its wave are applied"
gitops-diff --cluster -f "$TMP/app-v2.yaml" -o json >"$TMP/masked-unchanged.json" 2>/dev/null
run gitops-apply -f "$TMP/masked-unchanged.json" -o json
is "$(results 'select(.ref.kind == "Secret") | .action + " " + .status')" "unchanged ok" "a masked Secret that is unchanged is fine: it is not sent"

# ---- namespaces ----
cat >"$TMP/elsewhere.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: flags
  namespace: team-b
data:
  beta: "true"
EOF
run gitops-apply -f "$TMP/elsewhere.yaml" -o json
is "$RC" 1 "a missing namespace: exit 1"
like "$(results '.message')" 'namespaces "team-b" not found' "kubectl's reason"
run gitops-apply -f "$TMP/elsewhere.yaml" --create-namespace -o json
is "$RC" 0 "--create-namespace: exit 0"
is "$(results '.ref.kind + " " + .action' | tr '\n' ,)" "Namespace create,ConfigMap create," "the namespace first"
is "$(field Namespace '' team-b .status.phase)" Active "it exists"

# ---- bad input ----
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n' >"$TMP/broken.yaml"
run gitops-apply -f "$TMP/broken.yaml"
is "$RC" 2 "malformed YAML: exit 2"
like "$ERR" "broken.yaml:[0-9]+" "the message says where"
run gitops-apply --prune -f "$FIX/app.yaml"
is "$RC" 2 "--prune without --app: exit 2"

done_testing
