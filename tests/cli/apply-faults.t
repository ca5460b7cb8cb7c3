#!/usr/bin/env bash
# apply-faults.t: gitops-apply when the cluster misbehaves, through the real kubectl against the
# stand-in's faults and RBAC-style forbid rules: a 403 on one kind (that object fails, the rest
# land, exit 1), forbidden for everything (exit 3), 500 (retried once, then failed clearly), 503
# with Retry-After (kubectl retries), a dropped connection (retried), a hung request (failed within
# --timeout), a server whose lists page forever (the sync, reads included, ends at --timeout),
# and a cluster that is not there (exit 3).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/kube.sh"

require kubectl jq
export HOME=$TMP/home CLOUDSDK_CONFIG=$TMP/gcloud
mkdir -p "$HOME"

FIX=$TOP/tests/fixtures/apply
kube_start --ready-delay 0.2 || { echo "Bail out! the stand-in did not start"; exit 1; }

results() { jq -r "select(.kind == \"Result\") | $1" <<<"$OUT"; }
field() { kube_get "$1" "$2" "$3" | jq -r "$4"; }
patches() { kube_log | jq -r --arg p "$1" 'select(.method == "PATCH" and (.path | endswith($p))) | .status' | tr '\n' ' '; }
# fresh NS: the app in a namespace of its own, so every object is a create.
fresh() { sed "s/namespace: demo/namespace: $1/; s/^  name: demo$/  name: $1/; s/:demo\//:$1\//" "$FIX/app.yaml" >"$TMP/$1.yaml"; }
use_context() { kubectl config use-context "$1" >/dev/null; }

# ---- 403 on one kind ----
kube_user deployer system:serviceaccount:ci:deployer '[{"verb": ["patch", "create"], "group": "apps", "resource": "deployments"}]'
use_context deployer
fresh rbac
run gitops-apply -f "$TMP/rbac.yaml" -o json
is "$RC" 1 "a 403 on Deployments: exit 1"
is "$(results 'select(.status == "failed") | .ref.kind')" Deployment "that object failed"
like "$(results 'select(.status == "failed") | .message')" \
	'Forbidden.*deployments.apps "my-app" is forbidden: User "system:serviceaccount:ci:deployer" cannot patch' "with the API server's words"
is "$(results 'select(.status == "ok") | .ref.kind' | tr '\n' ,)" "Namespace,Secret,ConfigMap,Service," "the rest landed"
is "$(field ConfigMap rbac my-app-config .data.mode)" fast "(read back from the cluster)"
is "$(kube_get Deployment rbac my-app)" "" "the Deployment is not there"

kube_user nobody system:serviceaccount:ci:nobody '[{"verb": ["patch", "create"]}]'
use_context nobody
fresh nothing
run gitops-apply -f "$TMP/nothing.yaml" -o json
is "$RC" 3 "forbidden for everything: exit 3"
is "$(results '.status' | sort -u)" failed "every object failed"
use_context kube-standin

# ---- 500 ----
fresh five
kube_fault '{"method": "PATCH", "path": "/configmaps/my-app-config$", "status": 500, "message": "etcdserver: leader changed", "times": 1}' >/dev/null
run gitops-apply -f "$TMP/five.yaml" -o json
is "$RC" 0 "one 500: retried, exit 0"
is "$(patches /namespaces/five/configmaps/my-app-config)" "500 201 " "the failed object alone was applied again"
kube_faults_clear
fresh always
kube_fault '{"method": "PATCH", "path": "/always/configmaps/my-app-config$", "status": 500, "message": "etcdserver: leader changed"}' >/dev/null
run gitops-apply -f "$TMP/always.yaml" -o json
is "$RC" 1 "a 500 that stays: exit 1"
is "$(results 'select(.status == "failed") | .ref.name + ": " + .message')" \
	"my-app-config: Error from server (InternalError): etcdserver: leader changed" "failed clearly, kubectl's message attributed to its object"
is "$(results 'select(.status == "ok") | .ref.kind' | tr '\n' ,)" "Namespace,Secret,Service,Deployment," "the rest landed"
kube_faults_clear

# ---- two objects fail differently in one call: each gets its own error ----
kube_user ops system:serviceaccount:ci:ops '[{"verb": ["patch", "create"], "resource": "services"}]'
use_context ops
fresh mixed
kube_fault '{"method": "PATCH", "path": "/mixed/configmaps/my-app-config$", "status": 500, "message": "etcdserver: request timed out"}' >/dev/null
run gitops-apply -f "$TMP/mixed.yaml" -o json
is "$RC" 1 "a 500 and a 403 in one wave: exit 1"
like "$(results 'select(.ref.kind == "ConfigMap") | .message')" '^Error from server \(InternalError\): etcdserver: request timed out$' \
	"the ConfigMap's error is the 500, alone"
like "$(results 'select(.ref.kind == "Service") | .message')" '^Error from server \(Forbidden\): services "my-app" is forbidden' \
	"the Service's is the 403, alone"
is "$(results 'select(.status == "ok") | .ref.kind' | tr '\n' ,)" "Namespace,Secret,Deployment," "the rest landed"
kube_faults_clear
use_context kube-standin

# ---- 503 with Retry-After: kubectl retries by itself ----
fresh busy
kube_fault '{"method": "PATCH", "path": "/deployments/my-app$", "status": 503, "retryAfter": 1, "times": 2}' >/dev/null
run gitops-apply -f "$TMP/busy.yaml" -o json
is "$RC" 0 "503 twice with Retry-After: exit 0"
is "$(patches /namespaces/busy/deployments/my-app)" "503 503 201 " "kubectl waited and retried"
kube_faults_clear

# ---- a dropped connection: the write may have landed, the reply is lost ----
fresh dropped
kube_fault '{"method": "PATCH", "path": "/dropped/services/my-app$", "action": "drop", "phase": "after", "times": 1}' >/dev/null
run gitops-apply -f "$TMP/dropped.yaml" -o json
is "$RC" 0 "EOF once: retried, exit 0"
is "$(patches /namespaces/dropped/services/my-app)" "0 200 " "the retry found it applied (server-side apply is idempotent)"
is "$(results '.status' | sort -u)" ok "every object ok"
kube_faults_clear

# ---- a hung request: --timeout bounds the sync ----
fresh hung
kube_fault '{"method": "PATCH", "path": "/hung/deployments/my-app$", "action": "hang"}' >/dev/null
run gitops-apply -f "$TMP/hung.yaml" --timeout 4s -o json
is "$RC" 1 "a request that hangs: exit 1"
like "$(results 'select(.ref.kind == "Deployment") | .status + ": " + .message')" \
	'^failed: .*(deadline exceeded|Client.Timeout|did not finish)' "failed, saying it timed out"
is "$(results 'select(.status == "ok") | .ref.kind' | tr '\n' ,)" "Namespace,Secret,ConfigMap,Service," "the rest landed"
kube_faults_clear

# ---- a server that pages forever: the whole sync, reads included, stays within --timeout ----
fresh paging
PAGE='{"apiVersion":"v1","kind":"List","metadata":{"continue":"again","resourceVersion":"1"},"items":[]}'
# (every list of a kind: in the app's namespace, where its objects are read and --app's looked for, and cluster-wide)
kube_fault "$(jq -cn --arg b "$PAGE" '{method: "GET", path: "^/api(s/[^/]+)?/v[0-9a-z]+/(namespaces/paging/)?(?!namespaces$)[a-z]+$", query: "limit=",
	status: 200, body: $b, contentType: "application/json"}')" >/dev/null
t0=$(date +%s)
run gitops-apply -f "$TMP/paging.yaml" --app paging --timeout 4s -o json
took=$(($(date +%s) - t0))
is "$RC" 3 "every list pages forever: exit 3"
like "$ERR" "did not finish within the time left of --timeout" "it says the time ran out"
ok "$([ "$took" -le 12 ]; echo $?)" "the sync ends at --timeout 4s, not at a multiple of it ($took s)"
is "$(kube_state 'namespace=paging' | jq '.items | length')" 0 "nothing was applied"
kube_faults_clear

# ---- no cluster ----
kube_stop
run gitops-apply -f "$FIX/app.yaml" -o json --timeout 20s
is "$RC" 3 "cluster unreachable: exit 3"
like "$ERR" 'refused|Unable to connect' "kubectl's reason"

done_testing
