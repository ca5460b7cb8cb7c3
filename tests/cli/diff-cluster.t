#!/usr/bin/env bash
# gitops-diff --cluster: the real kubectl against the Kubernetes API stand-in.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/kube.sh"

FIX=$TOP/tests/fixtures/diff
V1=$FIX/desired.yaml
V2=$FIX/desired-v2.yaml
unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN

actions() { jq -r '"\(.action) \(.ref.kind)/\(.ref.name)"' <<<"$OUT"; }
change() { jq -c "select(.ref.kind == \"$1\" and .ref.name == \"$2\")" <<<"$OUT"; }
# kubectl processes that talked to the API (one session id per process), and requests they made.
sessions() { kube_log | jq -r .session | sort -u | grep -c .; }
requests() { kube_log | grep -c .; }
# The ServiceMonitor needs its CRD; the stand-in serves it once it is Established.
CRD='{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"servicemonitors.monitoring.coreos.com"},
 "spec":{"group":"monitoring.coreos.com","scope":"Namespaced","names":{"kind":"ServiceMonitor","plural":"servicemonitors","singular":"servicemonitor","listKind":"ServiceMonitorList"},
 "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}}'

kube_start --ready-delay 0
kubectl create namespace prod >/dev/null
echo "$CRD" | kubectl apply --server-side -f - >/dev/null
for i in $(seq 1 50); do kubectl get servicemonitors -n prod >/dev/null 2>&1 && break; sleep 0.1; done
# What gitops-apply would have done: a server-side apply as its field manager.
kubectl apply --server-side --field-manager=gitops-apply -f "$V1" >/dev/null
# Drift and leftovers: an old object of the app, an IgnoreExtraneous one, another app's, a child with an owner.
kube_seed - <<'EOF' >/dev/null
{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"web-legacy","namespace":"prod","annotations":{"argocd.argoproj.io/tracking-id":"shop:/ConfigMap:prod/web-legacy"}},"data":{"OLD":"1"}}
{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"web-generated","namespace":"prod","annotations":{"argocd.argoproj.io/tracking-id":"shop:/ConfigMap:prod/web-generated","argocd.argoproj.io/compare-options":"IgnoreExtraneous"}},"data":{"x":"1"}}
{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"billing","namespace":"prod","annotations":{"argocd.argoproj.io/tracking-id":"billing:/ConfigMap:prod/billing"}},"data":{"x":"1"}}
{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"web-6d4f","namespace":"prod","annotations":{"argocd.argoproj.io/tracking-id":"shop:apps/ReplicaSet:prod/web-6d4f"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"x","controller":true}]},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}
EOF

# ---- in sync: the server's defaults and status never show ----
kube_log_clear
run gitops-diff -f "$V1" --cluster -o json
is "$RC" 0 "what was applied is in sync: exit 0"
is "$(actions | sort -u | cut -d' ' -f1 | sort -u)" "unchanged" "every object unchanged (defaults, status, managedFields ignored)"
is "$(actions | wc -l | tr -d ' ')" "6" "six objects compared"
is "$(kube_log | jq -r 'select(.method == "PATCH") | .query' | grep -c 'dryRun=All')" "6" "asked the server: a dry-run apply per existing object"
is "$(kube_log | jq -r 'select(.method == "PATCH") | .query' | grep -c 'fieldManager=gitops-apply')" "6" "as gitops-apply's field manager"
is "$(kube_log | jq -r 'select(.method != "GET" and .method != "PATCH") | .method' | sort -u)" "" "nothing but reads and dry runs"
is "$(sessions)" "2" "two kubectl processes: one get of all named objects, one dry-run apply"
is "$(kube_get ConfigMap prod web-config | jq -r .data.FEATURE_CHECKOUT)" "true" "the dry run changed nothing"

# ---- the next revision ----
kube_log_clear
run gitops-diff -f "$V2" --cluster --app shop -o json
is "$RC" 1 "differences: exit 1"
is "$(actions)" "update Deployment/web
unchanged Service/web
update ConfigMap/web-config
update Secret/web-secrets
unchanged Ingress/web
unchanged ServiceMonitor/web
create PodDisruptionBudget/web
delete ConfigMap/web-generated
delete ConfigMap/web-legacy" "updates, a create, deletes of the app's top-level leftovers only (in kubectl's order)"
is "$(change ConfigMap web-config | jq -c '[.patch[] | .op + " " + .path] | sort')" \
	'["remove /data/CACHE_TTL","replace /data/FEATURE_CHECKOUT"]' \
	"the server knows gitops-apply owned CACHE_TTL: dropping it from the manifest removes it"
is "$(change Deployment web | jq -c '[.patch[].path] | sort')" \
	'["/spec/replicas","/spec/template/spec/containers/0/image"]' "Deployment: only the changed fields"
is "$(change ConfigMap web-generated | jq -r .ignored)" "true" "IgnoreExtraneous marked"
is "$(sessions)" "4" "four kubectl processes: get, api-resources, one list of every kind, one dry run"
n_small=$(requests)
for s in corr3ct-h0rse-battery n3w-pa55w0rd-value sk-live-s3cr3t-key; do
	grep -qF -e "$s" -e "$(printf %s "$s" | base64)" <<<"$OUT$ERR" && fail_secret=$s
done
is "${fail_secret:-}" "" "no Secret value in stdout or stderr"

run gitops-diff -f "$V2" --cluster --app shop -o text
is "$RC" 1 "text from the cluster: exit 1"
like "$OUT" $'~ ConfigMap prod/web-config\n@@ ' "text: header and hunk"
like "$OUT" $'\n-  CACHE_TTL: "300"\n' "text: the removed key"

# Drift by someone else (kubectl edit): the server-side answer shows it is reverted.
kubectl patch service web -n prod --type=json -p '[{"op":"replace","path":"/spec/ports/0/port","value":8080}]' >/dev/null
run gitops-diff -f "$V1" --cluster -o json
is "$(change Service web | jq -c '[.action, (.patch | map(.path + "=" + (.value|tostring)))]')" \
	'["update",["/spec/ports/0/port=80"]]' "drift on a field the manifest sets is an update back"

# Label tracking: the server selects the app's objects.
kube_seed - <<<'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"old-labelled","namespace":"prod","labels":{"app.kubernetes.io/instance":"shop"}},"data":{"x":"1"}}' >/dev/null
kube_log_clear
run gitops-diff -f "$V2" --cluster --app shop --tracking label -o json
is "$(actions | grep '^delete')" "delete ConfigMap/old-labelled" "--tracking label: the labelled leftover is a delete"
like "$(kube_log | jq -r .query | grep -m1 labelSelector)" "labelSelector=app.kubernetes.io%2Finstance%3Dshop" \
	"selected by the server (a label selector), not by listing everything"
kube_admin DELETE '/_sim/state?apiVersion=v1&kind=ConfigMap&namespace=prod&name=old-labelled' >/dev/null

# What --app may delete: an object whose tracking id names the app and the object itself. A
# copied id (kubectl get -o yaml | rename | apply keeps the annotation) names another object;
# a cluster-scoped object's id carries the app's destination namespace, and its own name. The app
# no longer renders ClusterRoles, so only --prune-scope cluster looks for them (least privilege).
kube_seed - <<'EOF' >/dev/null
{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"shop-old-reader","annotations":{"argocd.argoproj.io/tracking-id":"shop:rbac.authorization.k8s.io/ClusterRole:prod/shop-old-reader"}},"rules":[]}
{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"copied-reader","annotations":{"argocd.argoproj.io/tracking-id":"shop:rbac.authorization.k8s.io/ClusterRole:prod/shop-old-reader"}},"rules":[]}
{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"web-config-copy","namespace":"prod","annotations":{"argocd.argoproj.io/tracking-id":"shop:/ConfigMap:prod/web-config"}},"data":{"x":"1"}}
EOF
run gitops-diff -f "$V2" --cluster --app shop --prune-scope cluster -o json
is "$(actions | grep '^delete' | sort)" "delete ClusterRole/shop-old-reader
delete ConfigMap/web-generated
delete ConfigMap/web-legacy" \
	"--app: a cluster-scoped leftover is a delete; a ClusterRole and a ConfigMap with a copied tracking id are not"
for o in ClusterRole//shop-old-reader ClusterRole//copied-reader ConfigMap/prod/web-config-copy; do
	IFS=/ read -r kind ns name <<<"$o"
	api=v1 && [ "$kind" = ClusterRole ] && api=rbac.authorization.k8s.io/v1
	kube_admin DELETE "/_sim/state?apiVersion=$api&kind=$kind&namespace=$ns&name=$name" >/dev/null
done

# ---- offline comparison of fetched objects ----
run gitops-diff -f "$V2" --cluster --no-server-dry-run -o json
is "$(change ConfigMap web-config | jq -c '[.patch[] | .op + " " + .path]')" '["replace /data/FEATURE_CHECKOUT"]' \
	"--no-server-dry-run: a 2-way diff without last-applied cannot see the dropped key (as Argo CD's legacy diff)"
is "$(change Deployment web | jq -c '[.patch[].path] | sort')" '["/spec/replicas","/spec/template/spec/containers/0/image"]' \
	"--no-server-dry-run: the server's defaults still do not show"

# ---- the number of kubectl calls does not grow with the objects ----
for i in $(seq 1 40); do
	printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-%d","namespace":"prod","annotations":{"argocd.argoproj.io/tracking-id":"shop:/ConfigMap:prod/cm-%d"}},"data":{"i":"%d"}}\n' "$i" "$i" "$i"
done >"$TMP/many.jsonl"
kubectl apply --server-side --field-manager=gitops-apply -f "$TMP/many.jsonl" >/dev/null
sed 's/"i":"7"}/"i":"seven"}/' "$TMP/many.jsonl" >"$TMP/many-desired.jsonl"
kube_log_clear
run gitops-diff -f "$TMP/many-desired.jsonl" --cluster --app shop -o json
is "$RC" 1 "40 objects, one changed: exit 1"
is "$(actions | grep -v '^delete' | grep -vc unchanged)" "1" "one update among 40"
is "$(sessions)" "4" "still four kubectl processes for 40 objects"
n_big=$(requests)
ok "$([ "$n_big" -le $((n_small + 2 * 40)) ] && echo 0 || echo 1)" \
	"requests grow by at most one get and one dry run per object ($n_small for 9 objects, $n_big for 40)"

# ---- objects without a namespace go where kubectl puts them: its context's namespace ----
kubectl config set-context --current --namespace=prod >/dev/null
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-3, annotations: {argocd.argoproj.io/tracking-id: "shop:/ConfigMap:prod/cm-3"}}\ndata: {i: "3"}\n' >"$TMP/nons.yaml"
run gitops-diff -f "$TMP/nons.yaml" --cluster -o json
is "$RC:$(jq -r '.action + " " + .ref.namespace' <<<"$OUT")" "0:unchanged prod" "no namespace: paired in the context's namespace"
run gitops-diff -f "$TMP/nons.yaml" --cluster -n default -o json
is "$RC:$(jq -r '.action + " " + .ref.namespace' <<<"$OUT")" "1:create default" "-n default: not there"
kubectl config set-context --current --namespace=default >/dev/null

# ---- a CRD not installed: its objects are creates, not an error ----
printf 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: prod}\nspec: {size: 1}\n' >"$TMP/widget.yaml"
run gitops-diff -f "$TMP/widget.yaml" --cluster -o json
is "$RC:$(actions)" "1:create Widget/w" "an unknown kind: create, exit 1"

# ---- the server says no to the dry run: compare offline, say so ----
kube_fault '{"method": "PATCH", "path": "/deployments/web$", "status": 422, "reason": "Invalid", "message": "Deployment.apps \"web\" is invalid: spec.selector: Invalid value: field is immutable"}' >/dev/null
run gitops-diff -f "$V2" --cluster -o json
is "$RC" 1 "an immutable field refused in the dry run: still a diff, exit 1"
like "$ERR" "warning: kubectl: .*field is immutable" "the server's reason relayed as a warning"
like "$ERR" "comparing with the live objects offline" "and what was done instead"
is "$(change Deployment web | jq -c '[.patch[].path] | sort')" '["/spec/replicas","/spec/template/spec/containers/0/image"]' \
	"the update is still reported"
kube_faults_clear
# A read-only CI identity: get and list, but no patch (not even a dry run).
kube_user readonly ci '[{"verb": "patch"}]'
KUBECONFIG_RO=$TMP/ro.kubeconfig
kubectl config view --raw | sed 's/^current-context: .*/current-context: readonly/' >"$KUBECONFIG_RO"
run gitops-diff -f "$V2" --cluster --app shop --no-server-dry-run -o json
offline=$(actions)
run env KUBECONFIG="$KUBECONFIG_RO" gitops-diff -f "$V2" --cluster --app shop -o json
is "$RC" 1 "no permission to patch: exit 1 (differences), not 3"
like "$ERR" "warning: kubectl: .*forbidden" "the refusal relayed as a warning"
is "$(actions)" "$offline" "the same changes as --no-server-dry-run reports"
like "$(actions | head -n 1)" "^update Deployment/web" "(among them the Deployment's update)"

# ---- cluster-scoped objects a chart gives a namespace; a webhook's env entry (issue 25) ----
printf 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: web-reader}\nrules: []\n' |
	kubectl apply --server-side --field-manager=gitops-apply -f - >/dev/null
printf 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: web-reader, namespace: prod}\nrules: []\n' >"$TMP/role.yaml"
for dry in "" --no-server-dry-run; do
	run gitops-diff -f "$TMP/role.yaml" --cluster $dry -o json
	is "$RC:$(jq -r '.action + " " + .ref.namespace' <<<"$OUT")" "0:unchanged " \
		"a ClusterRole with the chart's namespace: unchanged, reported without one${dry:+ ($dry)}"
done
kube_get Deployment prod web | jq -c '.spec.template.spec.containers[0].env = [{name: "INJECTED", value: "1"}] + (.spec.template.spec.containers[0].env // [])' |
	kube_seed - 'manager=webhook' >/dev/null
run gitops-diff -f "$V1" --cluster --no-server-dry-run -o json
is "$(change Deployment web | jq -r .action)" "unchanged" "--no-server-dry-run: an env entry a webhook added is no difference"

# ---- the cluster fails ----
kube_fault '{"path": "/api/v1/namespaces/prod/configmaps/web-config$", "method": "GET", "status": 403, "reason": "Forbidden", "message": "configmaps \"web-config\" is forbidden: User \"ci\" cannot get resource \"configmaps\""}' >/dev/null
run gitops-diff -f "$V1" --cluster -o json
is "$RC" 3 "a refused read: exit 3"
like "$ERR" "gitops-diff: kubectl: .*forbidden" "kubectl's reason relayed"
is "$OUT" "" "no partial records after a failed read"
kube_faults_clear
kube_fault '{"method": "PATCH", "status": 500, "message": "etcd is sad"}' >/dev/null
run gitops-diff -f "$V1" --cluster -o json
is "$RC" 3 "a failed dry run: exit 3"
kube_faults_clear
kube_stop
run gitops-diff -f "$V1" --cluster --timeout 5 -o json
is "$RC" 3 "cluster unreachable: exit 3"
like "$ERR" "gitops-diff: kubectl: " "kubectl's message relayed"
unlike "$ERR" "$KUBE_TOKEN" "no token in the messages"

done_testing
