#!/usr/bin/env bash
# gitops-diff compares as Argo CD's diff does (issue 25), offline: lists of built-in kinds by their
# Kubernetes merge keys with injected entries kept, empty maps in last-applied, [] against null,
# cluster-scoped objects without their namespace, ignoreAggregatedRoles and masked annotations.
# The shapes are those of Argo CD's own diff tests (gitops-engine/pkg/diff), written anew here.
. "$(dirname "$0")/../lib.sh"

# verdict DESIRED LIVE [OPTIONS]: V is "ACTION NAMESPACE" of the one Change (its ref's namespace).
verdict() {
	local d=$1 l=$2
	shift 2
	run gitops-diff -o json -f "$d" --live-file "$l" "$@"
	V=$(jq -r '.action + " " + .ref.namespace' <<<"$OUT")
}

# ---- a Deployment kubectl applied; then a webhook and the server changed what lives ----
cat >"$TMP/web.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      initContainers:
      - {name: migrate, image: "shop/migrate:1"}
      containers:
      - name: web
        image: shop/web:1
        env:
        - {name: MODE, value: production}
        ports:
        - {containerPort: 8080}
        volumeMounts:
        - {name: cache, mountPath: /cache}
      volumes:
      - name: cache
        emptyDir: {}
      tolerations:
      - {key: dedicated, operator: Equal, value: web, effect: NoSchedule}
YAML
mkdir "$TMP/web" && cp "$TMP/web.yaml" "$TMP/web/"
gitops-render -o json "$TMP/web" >"$TMP/web.json"
# What kubectl apply leaves: last-applied with "annotations": {}, then injected and defaulted fields.
jq -c --arg la "$(jq -c '.metadata.annotations = {}' "$TMP/web.json")" '
	.metadata.annotations = {"kubectl.kubernetes.io/last-applied-configuration": $la,
		"deployment.kubernetes.io/revision": "3"}
	| .metadata.uid = "u-1" | .metadata.resourceVersion = "77" | .status = {replicas: 2}
	| .spec.template.spec.initContainers = [{name: "istio-init", image: "istio/proxyv2:1"}] + .spec.template.spec.initContainers
	| .spec.template.spec.containers = [{name: "istio-proxy", image: "istio/proxyv2:1",
		ports: [{containerPort: 15090, protocol: "TCP", name: "http-envoy-prom"}]}] + .spec.template.spec.containers
	| .spec.template.spec.containers[1].env = [{name: "POD_NAME", valueFrom: {fieldRef: {apiVersion: "v1", fieldPath: "metadata.name"}}}]
		+ .spec.template.spec.containers[1].env
	| .spec.template.spec.containers[1].ports[0].protocol = "TCP"
	| .spec.template.spec.containers[1].ports += [{containerPort: 9090, protocol: "TCP", name: "metrics"}]
	| .spec.template.spec.containers[1].volumeMounts += [{name: "istio-envoy", mountPath: "/etc/istio/proxy"}]
	| .spec.template.spec.containers[1].imagePullPolicy = "IfNotPresent"
	| .spec.template.spec.volumes += [{name: "istio-envoy", emptyDir: {medium: "Memory"}}]' "$TMP/web.json" >"$TMP/web-live.json"

verdict "$TMP/web.yaml" "$TMP/web-live.json"
is "$V" "unchanged shop" \
	"injected env entry, initContainer, sidecar, port, volume and mount, the revision annotation: unchanged (Argo CD: Synced)"
is "$RC" 0 "  exit 0"

jq -c '.spec.template.spec.containers[1].env |= reverse | .spec.template.spec.volumes |= reverse' "$TMP/web-live.json" >"$TMP/moved.json"
verdict "$TMP/web.yaml" "$TMP/moved.json"
is "$V" "unchanged shop" "the injected entries moved: still unchanged (merge lists are matched by key)"

# the manifest changes an env value: one update, at the live entry's index
sed 's/value: production/value: staging/' "$TMP/web.yaml" >"$TMP/web-staging.yaml"
verdict "$TMP/web-staging.yaml" "$TMP/web-live.json"
is "$V" "update shop" "an env value the manifest changes: update"
is "$(jq -c .patch <<<"$OUT")" \
	'[{"op":"replace","path":"/spec/template/spec/containers/1/env/1/value","value":"staging"}]' \
	"  the patch names the live index of container web and of MODE"
run gitops-diff -o text -f "$TMP/web-staging.yaml" --live-file "$TMP/web-live.json"
like "$OUT" "-          value: production" "  -o text shows the old value"
like "$OUT" "\+          value: staging" "  and the new one"
unlike "$OUT" "POD_NAME|istio" "  and nothing about the injected entries"

# the manifest drops an env entry, a port and a volume last-applied has: each is a removal
jq -c '.spec.template.spec.containers[0].env += [{name: "DEBUG", value: "1"}]
	| .spec.template.spec.containers[0].ports += [{containerPort: 8081}]' "$TMP/web.json" >"$TMP/web-more.json"
jq -c --arg la "$(cat "$TMP/web-more.json")" '.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"] = $la
	| .spec.template.spec.containers[1].env += [{name: "DEBUG", value: "1"}]
	| .spec.template.spec.containers[1].ports += [{containerPort: 8081, protocol: "TCP"}]' "$TMP/web-live.json" >"$TMP/web-more-live.json"
verdict "$TMP/web-more.json" "$TMP/web-more-live.json"
is "$V" "unchanged shop" "the fuller manifest as applied: unchanged"
verdict "$TMP/web.yaml" "$TMP/web-more-live.json"
is "$V" "update shop" \
	"entries last-applied set and the manifest no longer has: update"
is "$(jq -c '[.patch[] | .op + " " + .path]' <<<"$OUT")" \
	'["remove /spec/template/spec/containers/1/env/2","remove /spec/template/spec/containers/1/ports/2"]' \
	"  DEBUG and port 8081 are removed; POD_NAME and 9090 stay"

# tolerations have no merge key in Kubernetes: Argo CD replaces the list, so an added one differs
jq -c '.spec.template.spec.tolerations += [{key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute"}]' \
	"$TMP/web-live.json" >"$TMP/tol.json"
verdict "$TMP/web.yaml" "$TMP/tol.json"
is "$V" "update shop" "a toleration the manifest does not have: update (no merge key, as in Argo CD)"

# ---- a custom resource's lists go by position ----
cat >"$TMP/wf.yaml" <<'YAML'
apiVersion: pipelines.example.com/v1
kind: Pipeline
metadata: {name: build, namespace: ci}
spec:
  containers:
  - {name: test, image: "ci/test:1"}
YAML
printf '%s\n' '{"apiVersion":"pipelines.example.com/v1","kind":"Pipeline","metadata":{"name":"build","namespace":"ci","uid":"u"},"spec":{"containers":[{"name":"sidecar","image":"x:1"},{"name":"test","image":"ci/test:1"}]}}' >"$TMP/wf-live.json"
verdict "$TMP/wf.yaml" "$TMP/wf-live.json"
is "$V" "update ci" "a CRD's list with an extra element first: update (by position, as Argo CD's JSON merge patch)"

# ---- an empty map in last-applied ----
cat >"$TMP/sa.yaml" <<'YAML'
apiVersion: v1
kind: ServiceAccount
metadata:
  name: controller
  labels: {app.kubernetes.io/instance: demo}
YAML
printf '%s\n' '{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"annotations\":{},\"labels\":{\"app.kubernetes.io/instance\":\"demo\"},\"name\":\"controller\",\"namespace\":\"demo\"}}\n","eks.amazonaws.com/role-arn":"arn:aws:iam::1:role/x"},"labels":{"app.kubernetes.io/instance":"demo"},"name":"controller","namespace":"demo","uid":"u"},"secrets":[{"name":"controller-token-abcde"}]}' >"$TMP/sa-live.json"
verdict "$TMP/sa.yaml" "$TMP/sa-live.json" -n demo
is "$V" "unchanged demo" \
	"\"annotations\": {} in last-applied does not claim an annotation added later; the token list is the server's"

# ---- [] against null ----
cat >"$TMP/role.yaml" <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: dashboards
  namespace: monitoring
  labels: {app: grafana}
rules: []
YAML
printf '%s\n' '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"dashboards","labels":{"app":"grafana"},"uid":"u"},"rules":null}' >"$TMP/role-live.json"
verdict "$TMP/role.yaml" "$TMP/role-live.json"
is "$V" "unchanged " \
	"ClusterRole rules [] against null: unchanged; the chart's namespace on a ClusterRole is neither paired on nor shown"
unlike "$OUT" '"path":"/metadata/namespace"' "  no metadata.namespace in the patch"
jq -c '.rules = [{apiGroups: [""], resources: ["configmaps"], verbs: ["get"]}]' "$TMP/role-live.json" >"$TMP/role-rules.json"
verdict "$TMP/role.yaml" "$TMP/role-rules.json"
is "$V" "update " "rules [] against live rules: update (a role's rules are always compared)"
printf '%s\n' '{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"p"},"spec":{"ports":[{"port":80}],"externalIPs":[]}}' >"$TMP/svc.json"
printf '%s\n' '{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"p","uid":"u"},"spec":{"ports":[{"port":80,"protocol":"TCP","targetPort":80}],"externalIPs":null}}' >"$TMP/svc-live.json"
verdict "$TMP/svc.json" "$TMP/svc-live.json"
is "$V" "unchanged p" "a built-in kind's [] against null: unchanged"
jq -c '.spec.containers = []' "$TMP/wf-live.json" | jq -c '.spec.containers = null' >"$TMP/wf-null.json"
jq -c '.spec.containers = []' "$TMP/wf-live.json" >"$TMP/wf-empty.json"
verdict "$TMP/wf-empty.json" "$TMP/wf-null.json"
is "$V" "update ci" "a custom resource's [] against null: update (Argo CD keeps both; README says so)"

# ---- cluster-scoped objects: paired without the namespace a chart gives them ----
cat >"$TMP/foo.yaml" <<'YAML'
apiVersion: foo.example.com/v1
kind: Foo
metadata: {name: my-foo, namespace: kube-system}
spec: {foo: bar}
YAML
printf '%s\n' '{"apiVersion":"foo.example.com/v1","kind":"Foo","metadata":{"name":"my-foo","uid":"u","resourceVersion":"1"},"spec":{"foo":"bar"}}' >"$TMP/foo-live.json"
verdict "$TMP/foo.yaml" "$TMP/foo-live.json"
is "$V" "unchanged " \
	"a custom kind with a namespace pairs with its live twin that has none (the live object says: cluster-scoped)"
printf '' >"$TMP/empty.json"
verdict "$TMP/foo.yaml" "$TMP/empty.json"
is "$V" "create kube-system" "nothing live, scope unknown: created where the manifest says"
cat >"$TMP/api-resources.txt" <<'TXT'
NAME                SHORTNAMES   APIVERSION                 NAMESPACED   KIND
configmaps          cm           v1                         true         ConfigMap
foos                             foo.example.com/v1         false        Foo
deployments         deploy       apps/v1                    true         Deployment
TXT
verdict "$TMP/foo.yaml" "$TMP/empty.json" --api-resources "$TMP/api-resources.txt"
is "$V" "create " \
	"--api-resources: Foo is cluster-scoped, so the create names no namespace"
{ cat "$TMP/foo.yaml"; printf '%s\n' '---' 'apiVersion: apiextensions.k8s.io/v1' 'kind: CustomResourceDefinition' \
	'metadata: {name: foos.foo.example.com}' 'spec: {group: foo.example.com, scope: Cluster, names: {kind: Foo, plural: foos}, versions: []}'; } >"$TMP/foo-crd.yaml"
run gitops-diff -o json -f "$TMP/foo-crd.yaml" --live-file "$TMP/empty.json"
is "$(jq -r 'select(.ref.kind == "Foo") | .action + " " + .ref.namespace' <<<"$OUT")" "create " "a CRD in the render says Cluster: no namespace"
printf 'apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata: {name: le, namespace: certs}\nspec: {acme: {}}\n' >"$TMP/ci.yaml"
verdict "$TMP/ci.yaml" "$TMP/empty.json"
is "$V" "create " "a well-known cluster-scoped custom kind (cert-manager's ClusterIssuer): no namespace"
printf 'NAME KIND\n' >"$TMP/bad-api.txt"
run gitops-diff -o json -f "$TMP/foo.yaml" --live-file "$TMP/empty.json" --api-resources "$TMP/bad-api.txt"
is "$RC" 2 "--api-resources that is not kubectl api-resources output: exit 2"
like "$ERR" "^gitops-diff: --api-resources: .*bad-api.txt: no NAMESPACED and KIND columns" "  and says why"

# ---- --ignore-aggregated-roles ----
cat >"$TMP/agg.yaml" <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: monitoring-view}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {rbac.example.com/aggregate-to-monitoring: "true"}
rules: []
YAML
printf '%s\n' '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"monitoring-view","uid":"u"},"aggregationRule":{"clusterRoleSelectors":[{"matchLabels":{"rbac.example.com/aggregate-to-monitoring":"true"}}]},"rules":[{"apiGroups":["monitoring.coreos.com"],"resources":["prometheuses"],"verbs":["get","list"]}]}' >"$TMP/agg-live.json"
verdict "$TMP/agg.yaml" "$TMP/agg-live.json"
is "$V" "update " "an aggregated ClusterRole's filled-in rules differ by default (as Argo CD)"
verdict "$TMP/agg.yaml" "$TMP/agg-live.json" --ignore-aggregated-roles
is "$V" "unchanged " "--ignore-aggregated-roles: not compared"

# ---- --mask-annotation: like Secret data, in desired, live, last-applied and the patch ----
cat >"$TMP/sec.yaml" <<'YAML'
apiVersion: v1
kind: Secret
metadata:
  name: token
  namespace: app
  annotations: {vault.example.com/token: s3cr3t-new, team: payments}
type: Opaque
data: {key: bmV3}
YAML
printf '%s\n' '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"token","namespace":"app","annotations":{"vault.example.com/token":"s3cr3t-old","team":"payments","kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"annotations\":{\"vault.example.com/token\":\"s3cr3t-old\",\"team\":\"payments\"},\"name\":\"token\",\"namespace\":\"app\"},\"type\":\"Opaque\",\"data\":{\"key\":\"b2xk\"}}"}},"type":"Opaque","data":{"key":"b2xk"}}' >"$TMP/sec-live.json"
verdict "$TMP/sec.yaml" "$TMP/sec-live.json" --mask-annotation vault.example.com/token
is "$V" "update app" "a masked annotation that changed: still an update"
unlike "$OUT" "s3cr3t" "  its values appear nowhere in the record"
is "$(jq -r '[.desired.metadata.annotations["vault.example.com/token"], .live.metadata.annotations["vault.example.com/token"], .desired.metadata.annotations.team] | join(" ")' <<<"$OUT")" \
	"++++++++ ++++++++++++ payments" "  Argo CD's masks: one per distinct value; other annotations as they are"
is "$(jq -r '.live.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"] | fromjson | .metadata.annotations["vault.example.com/token"]' <<<"$OUT")" \
	"++++++++++++" "  masked inside last-applied too"
run gitops-diff -o text -f "$TMP/sec.yaml" --live-file "$TMP/sec-live.json" --mask-annotation vault.example.com/token
unlike "$OUT" "s3cr3t" "  and in -o text"
run gitops-diff -o json -f "$TMP/sec.yaml" --live-file "$TMP/sec-live.json"
like "$OUT" "s3cr3t" "without --mask-annotation the annotation is shown (Argo CD masks only the annotations it is told)"

done_testing
