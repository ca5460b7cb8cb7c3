#!/usr/bin/env bash
# kube-access.t: pointing the cluster tools at a cluster (kubectl's --kubeconfig, --context,
# --cluster, --user, -n, --request-timeout, and KUBECONFIG), and least privilege: a deployer whose
# Role allows only namespace prod syncs, prunes, diffs and waits without a cluster-wide list; a
# kind it may not read is a warning naming the rule; a token without rights is exit 3 and one
# line; --create-namespace with such a deployer. The stand-in enforces RBAC per token and
# namespace; the real kubectl talks to it.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/kube.sh"

command -v kubectl >/dev/null || { echo "1..0 # skip no kubectl"; exit 0; }
command -v jq >/dev/null || { echo "1..0 # skip no jq"; exit 0; }
export HOME=$TMP/home CLOUDSDK_CONFIG=$TMP/gcloud
mkdir -p "$HOME"

kube_start --ready-delay 0.2 || { echo "Bail out! the stand-in did not start"; exit 1; }
kubectl create namespace prod >/dev/null

results() { jq -r "select(.kind == \"Result\") | $1" <<<"$OUT"; }
exists() { [ -n "$(kube_get "$1" "$2" "$3")" ] && echo yes || echo no; }
# requests USER [JQ-FILTER]: the stand-in's log lines of USER's requests
requests() { kube_log | jq -c --arg u "$1" "select(.user == \$u) ${2:+| $2}"; }

# app [CONFIGMAPS...]: the app "shop" in prod: a Deployment, a Service and ConfigMaps, tracked.
app() {
	local cm
	jq -cn '{apiVersion: "apps/v1", kind: "Deployment", metadata: {name: "web", namespace: "prod", annotations: {"argocd.argoproj.io/tracking-id": "shop:apps/Deployment:prod/web"}},
		spec: {replicas: 1, selector: {matchLabels: {app: "web"}}, template: {metadata: {labels: {app: "web"}}, spec: {containers: [{name: "web", image: "nginx:1.27"}]}}}}'
	jq -cn '{apiVersion: "v1", kind: "Service", metadata: {name: "web", namespace: "prod", annotations: {"argocd.argoproj.io/tracking-id": "shop:/Service:prod/web"}},
		spec: {selector: {app: "web"}, ports: [{port: 80}]}}'
	for cm in "$@"; do
		jq -cn --arg n "$cm" '{apiVersion: "v1", kind: "ConfigMap", metadata: {name: $n, namespace: "prod", annotations: {"argocd.argoproj.io/tracking-id": ("shop:/ConfigMap:prod/" + $n)}}, data: {k: "v"}}'
	done
}

# A Role in prod: what a namespaced deployer (Argo CD's namespaced mode) may do, nothing cluster-wide.
DEPLOYER=system:serviceaccount:prod:deployer
ROLE='[{"verb": ["get", "list", "watch", "create", "patch", "update", "delete"], "group": ["", "apps"],
	"resource": ["configmaps", "services", "deployments"], "namespace": "prod"}]'
kube_user deployer "$DEPLOYER" '[]' "$ROLE"
kube_user nobody system:serviceaccount:ci:nobody '[]' '[]'

# ---- the connection flags ----
app settings >"$TMP/app.jsonl"
kube_log_clear
run gitops-apply -f "$TMP/app.jsonl" --app shop --context deployer -o json
is "$RC" 0 "gitops-apply --context deployer: exit 0"
is "$(results '.status' | sort -u)" ok "every object applied"
ok "$([ -n "$(requests "$DEPLOYER" 'select(.method == "PATCH")')" ]; echo $?)" "as the deployer: its token was used"
is "$(requests admin 'select(.method != "GET" or (.path | startswith("/api")))')" "" "and never the current context's"

# The stand-in reports the Deployment ready --ready-delay after the apply: read health after that.
for ((i = 0; i < 100; i++)); do
	[ "$(kube_get Deployment prod web | jq '.status.availableReplicas // 0')" = 1 ] && break
	sleep 0.1
done
cp "$KUBECONFIG" "$TMP/other.kubeconfig"
run env KUBECONFIG="$TMP/nowhere" gitops-health --cluster -f "$TMP/app.jsonl" --kubeconfig "$TMP/other.kubeconfig" -o json
is "$RC" 0 "gitops-health --kubeconfig FILE (KUBECONFIG pointing nowhere): exit 0"
is "$(jq -r .health <<<"$OUT" | sort -u)" Healthy "the objects were read through FILE"
run env KUBECONFIG="$TMP/nowhere" gitops-health --cluster -f "$TMP/app.jsonl" -o json
is "$RC" 3 "without it the same run cannot reach a cluster: exit 3"
run gitops-health --cluster -f "$TMP/app.jsonl" -o json
is "$RC" 0 "KUBECONFIG still works"

run gitops-diff -f "$TMP/app.jsonl" --cluster --context kube-standin --user nobody -o json
is "$RC" 3 "gitops-diff --user nobody (no rights): exit 3"
like "$ERR" "system:serviceaccount:ci:nobody" "as that user"
run gitops-apply -f "$TMP/app.jsonl" --cluster no-such-cluster --dry-run -o json
is "$RC" 3 "gitops-apply --cluster NAME is kubectl's: an unknown cluster is refused (exit 3)"

jq -c 'del(.metadata.namespace)' "$TMP/app.jsonl" >"$TMP/no-ns.jsonl"
kubectl create namespace staging >/dev/null
run gitops-apply -f "$TMP/no-ns.jsonl" -n staging -o json
is "$RC" 0 "gitops-apply -n staging: exit 0"
is "$(exists ConfigMap staging settings)" yes "objects without a namespace go to -n, as with kubectl apply -n"
run gitops-diff -f "$TMP/no-ns.jsonl" --cluster -n staging -o json
is "$(jq -r .action <<<"$OUT" | sort -u)" unchanged "gitops-diff -n staging pairs them there"

kube_fault '{"method": "GET", "path": "/namespaces/prod/services", "action": "hang"}' >/dev/null
run gitops-health --cluster -f "$TMP/app.jsonl" --request-timeout 1s -o json
is "$RC" 3 "a hanging server with --request-timeout 1s: exit 3"
like "$ERR" "deadline exceeded|Client.Timeout|did not finish" "it says it timed out"
kube_faults_clear

# Completions offer the kubeconfig's contexts and the cluster's namespaces, as kubectl's own do.
run sh "$TOP/completions/kubectl_complete-gitops-apply" --context de
is "$OUT" "$(printf 'deployer\n:4')" "kubectl gitops apply --context de<TAB>: the contexts"
run sh "$TOP/completions/kubectl_complete-gitops-health" -n pr
is "$OUT" "$(printf 'prod\n:4')" "kubectl gitops health -n pr<TAB>: the namespaces"

# ---- least privilege: a deployer with a Role in prod syncs, prunes, diffs and waits ----
app settings old-settings | kubectl apply --server-side --field-manager=gitops-apply -f - >/dev/null
kube_log_clear
run gitops-apply -f "$TMP/app.jsonl" --app shop --prune --wait --timeout 1m --context deployer -o json
is "$RC" 0 "a namespaced deployer: --prune --wait exit 0"
is "$(results 'select(.action == "delete") | .ref.name + " " + .status')" "old-settings ok" "the app's object no longer desired is pruned"
is "$(exists ConfigMap prod old-settings)" no "it is gone"
is "$(requests "$DEPLOYER" 'select(.status == 403) | .path | select(test("^/api(s/[^/]+)?/v[0-9a-z]+/namespaces/prod/[a-z]+$") | not)')" "" \
	"the only requests refused are lists in prod (of kinds the Role does not cover)"
is "$(requests "$DEPLOYER" 'select(.status == 403) | .path | select(test("/(configmaps|services|deployments)$"))')" "" \
	"and never of a kind the app renders"
is "$(requests "$DEPLOYER" 'select(.path | test("^/api/v1/[a-z]+$|^/apis/[^/]+/[^/]+/[a-z]+$")) | .path')" "" \
	"and no cluster-wide list"
unlike "$ERR" "forbidden" "no refusal to report"

app settings stray | kubectl apply --server-side --field-manager=gitops-apply -f - >/dev/null
run gitops-diff -f "$TMP/app.jsonl" --cluster --app shop --context deployer -o json
is "$RC" 1 "gitops-diff --cluster --app as the deployer: exit 1 (a difference), not 3"
is "$(jq -r 'select(.action == "delete") | .ref.name' <<<"$OUT")" stray "the stray object is found in prod"
is "$ERR" "" "nothing on stderr"

run gitops-health --wait --timeout 1m -f "$TMP/app.jsonl" --context deployer -o json
is "$RC" 0 "gitops-health --wait as the deployer: exit 0"

# A kind the Role does not cover: a warning naming the rule; the object it must write fails (exit 1).
jq -cn '{apiVersion: "v1", kind: "Secret", metadata: {name: "creds", namespace: "prod"}, stringData: {k: "v"}}' >"$TMP/secret.jsonl"
cat "$TMP/app.jsonl" "$TMP/secret.jsonl" >"$TMP/with-secret.jsonl"
run gitops-apply -f "$TMP/with-secret.jsonl" --app shop --context deployer -o json
is "$RC" 1 "a Secret the Role does not cover: exit 1, not 3"
like "$ERR" 'warning: may not list secrets in namespace prod: .*a Role in prod with apiGroups \[""\], resources \["secrets"\], verbs \["list"\]' \
	"a warning naming the kind, the namespace and the rule that would allow it"
is "$(results 'select(.status == "failed") | .ref.kind')" Secret "the Secret's Result failed"
like "$(results 'select(.status == "failed") | .message')" 'forbidden' "with the API server's words"
is "$(results 'select(.status == "ok") | .ref.kind' | sort | tr '\n' ,)" "ConfigMap,Deployment,Service," "the rest synced"

# No rights at all: exit 3 and one clear line.
run gitops-apply -f "$TMP/app.jsonl" --app shop --context nobody -o json
is "$RC" 3 "a token without rights: exit 3"
is "$(wc -l <<<"$ERR")" 1 "one line"
like "$ERR" '^gitops-apply: kubectl: .*forbidden: User "system:serviceaccount:ci:nobody" cannot list .*more refusals' "that says so"

# ---- --create-namespace with a namespace-scoped deployer ----
run gitops-apply -f "$TMP/app.jsonl" --create-namespace --context deployer -o json
is "$RC" 0 "--create-namespace, the namespace exists: exit 0"
like "$ERR" "warning: --create-namespace: may not create namespace prod .*it must exist already" "skipped with a warning"
is "$(results 'select(.ref.kind == "Namespace") | .status')" skipped "the Namespace's Result says skipped"
sed 's/"prod"/"nope"/g; s/:prod\//:nope\//g' "$TMP/app.jsonl" >"$TMP/nope.jsonl"
kube_user deployer-nope system:serviceaccount:nope:deployer '[]' "${ROLE//\"prod\"/\"nope\"}"
run gitops-apply -f "$TMP/nope.jsonl" --create-namespace --context deployer-nope -o json
is "$RC" 1 "--create-namespace, the namespace is missing: exit 1"
like "$ERR" "namespace nope does not exist, and the token may not create it" "a clear error"
is "$(exists Namespace '' nope)" no "nothing was created"

done_testing
