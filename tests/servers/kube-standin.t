#!/usr/bin/env bash
# kube-standin.t: the Kubernetes API stand-in (tests/servers/kube-standin.py), driven by the real
# kubectl exactly as a user drives a cluster: version, discovery, get with selectors, server-side
# apply of a CRD with its CR, no-op re-apply, conflicts and force, dry-run, diff, delete, watches,
# and each injected fault. Every check asserts what kubectl prints and the state that resulted
# (read back through the admin endpoint, not through kubectl).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/kube.sh"

require kubectl jq

kube_start --ready-delay 0.3 --ns-delete-delay 0.3 || { echo "Bail out! the stand-in did not start"; exit 1; }

# apply FILE [KUBECTL-OPTIONS]: server-side apply as gitops-apply does.
apply() { local f=$1; shift; run kubectl apply --server-side --field-manager=gitops "$@" -f "$f"; }
# jqs FILTER: a jq query over the whole stand-in state.
jqs() { kube_state | jq -r "$1"; }
# requests FILTER: how many logged requests match a jq condition.
requests() { kube_log | jq -s "[.[] | select($1)] | length"; }
rv_of() { kube_get "$1" "$2" "$3" | jq -r '.metadata.resourceVersion'; }
# controller_caught_up: the stand-in's controller rolled out a Deployment applied now, so it has
# had its ready delay for everything applied before: what it would do to those, it has done.
# (What a test waits for instead of a fixed time when it checks that something did NOT happen.)
controller_caught_up() {
	printf '%s\n' 'apiVersion: apps/v1' 'kind: Deployment' 'metadata: {name: probe, namespace: demo}' \
		'spec: {selector: {matchLabels: {app: probe}}, template: {metadata: {labels: {app: probe}},' \
		'  spec: {containers: [{name: app, image: busybox:1.36}]}}}' >"$TMP/probe.yaml"
	kubectl apply --server-side --field-manager=gitops -f "$TMP/probe.yaml" >/dev/null &&
		kubectl rollout status deployment/probe -n demo --timeout=120s >/dev/null &&
		kubectl delete -f "$TMP/probe.yaml" >/dev/null
}
# watching PATH-REGEX: a watch request on a path matching the regex reached the stand-in.
watching() { kube_log | jq -e --arg p "$1" 'select(.method == "GET" and (.path | test($p)) and (.query | test("watch=(true|1)")))' >/dev/null; }

# ---------------------------------------------------------------------------------------------
# version and health

run kubectl version -o json
is "$RC" 0 "kubectl version exits 0"
is "$(jq -r .serverVersion.gitVersion <<<"$OUT")" "v1.32.4" "the server reports v1.32.4"
is "$(requests '.userAgent | startswith("kubectl-dispatcher")')" 1 "the dispatcher asked for /version once"
like "$(kube_log | jq -r 'select(.userAgent | startswith("kubectl-dispatcher") | not) | .userAgent' | head -1)" '^kubectl/v1\.32\.' \
	"the dispatcher picked kubectl 1.32"
run kubectl version -o json
is "$(requests '.userAgent | startswith("kubectl-dispatcher")')" 1 "a second call uses the dispatcher's cached /version"
for p in /healthz /livez /readyz; do
	run kubectl get --raw "$p"
	is "$RC:$OUT" "0:ok" "get --raw $p"
done

# ---------------------------------------------------------------------------------------------
# discovery

run kubectl api-resources
is "$RC" 0 "api-resources exits 0"
like "$OUT" $'\ndeployments +deploy +apps/v1 +true +Deployment' "api-resources lists deployments with short name"
like "$OUT" $'\nnamespaces +ns +v1 +false +Namespace' "api-resources lists namespaces as cluster-scoped"
like "$OUT" $'\ncustomresourcedefinitions +crd,crds +apiextensions.k8s.io/v1 +false' "api-resources lists CRDs"
is "$(requests '.path == "/api/v1" or .path == "/apis/apps/v1"')" 0 "aggregated discovery: no per-group requests"

kube_config '{"discovery": "legacy"}'
KUBECACHEDIR=$TMP/cache-legacy run kubectl api-resources --api-group=apps -o name
is "$OUT" $'controllerrevisions.apps\ndaemonsets.apps\ndeployments.apps\nreplicasets.apps\nstatefulsets.apps' \
	"legacy discovery: api-resources --api-group=apps"
ok "$([ "$(requests '.path == "/apis/apps/v1"')" -ge 1 ] && echo 0 || echo 1)" "legacy discovery fetched /apis/apps/v1"
kube_config '{"discovery": "aggregated"}'

# ---------------------------------------------------------------------------------------------
# multi-object server-side apply with a CRD and its CR

cat >"$TMP/app.yaml" <<'YAML'
apiVersion: v1
kind: Namespace
metadata:
  name: demo
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: my-app-config, namespace: demo, labels: {app: my-app, tier: web}}
data: {mode: fast, greeting: hello}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: my-app, namespace: demo, labels: {app: my-app}}
spec:
  replicas: 2
  selector: {matchLabels: {app: my-app}}
  template:
    metadata: {labels: {app: my-app}}
    spec:
      containers:
      - name: app
        image: registry.example/my-app:1.0.0
        ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: my-app, namespace: demo, labels: {app: my-app}}
spec:
  selector: {app: my-app}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, namespace: demo, labels: {app: my-app}}
spec: {size: 3}
YAML

apply "$TMP/app.yaml"
is "$RC" 1 "first apply of a CRD with its CR: exit 1"
is "$OUT" "namespace/demo serverside-applied
customresourcedefinition.apiextensions.k8s.io/widgets.example.com serverside-applied
configmap/my-app-config serverside-applied
deployment.apps/my-app serverside-applied
service/my-app serverside-applied" "first apply: everything but the CR applied, in stream order"
like "$ERR" 'no matches for kind "Widget" in version "example.com/v1"'$'\n''ensure CRDs are installed first' \
	"first apply: the CR fails with kubectl's mapping error"
is "$(jqs '.items[] | select(.kind == "CustomResourceDefinition") | .status.conditions[] | select(.type == "Established") | .status')" \
	True "the CRD is Established"
is "$(kube_log | jq -r 'select(.method == "PATCH" and (.path | endswith("/configmaps/my-app-config"))) | .query + " " + .contentType')" \
	"fieldManager=gitops&fieldValidation=Strict&force=false application/apply-patch+yaml" \
	"apply sent one SSA PATCH per object with the field manager"

apply "$TMP/app.yaml"
is "$RC" 0 "second apply: exit 0"
like "$OUT" $'service/my-app serverside-applied\nwidget.example.com/w1 serverside-applied$' "second apply: the CR applied"
is "$(kube_get Widget demo w1 | jq -c '[.spec, .metadata.generation, .metadata.managedFields[0].manager]')" \
	'[{"size":3},1,"gitops"]' "the CR is stored with generation 1, owned by gitops"
run kubectl get wd -n demo -o name
is "$OUT" "widget.example.com/w1" "the CRD's short name is served through discovery"
is "$(kube_get ConfigMap demo my-app-config | jq -c '.metadata.managedFields | map([.manager, .operation, (.fieldsV1 | tojson)])')" \
	'[["gitops","Apply","{\"f:data\":{\"f:greeting\":{},\"f:mode\":{}},\"f:metadata\":{\"f:labels\":{\"f:app\":{},\"f:tier\":{}}}}"]]' \
	"managedFields record exactly the applied fields"
d=$(kube_get Deployment demo my-app)
is "$(jq -c '[.spec.strategy.type, .spec.revisionHistoryLimit, .spec.progressDeadlineSeconds, .spec.template.spec.containers[0].imagePullPolicy, .spec.template.spec.containers[0].ports[0].protocol]' <<<"$d")" \
	'["RollingUpdate",10,600,"IfNotPresent","TCP"]' "the Deployment got the API server's defaults"
s=$(kube_get Service demo my-app)
like "$(jq -r '[.spec.type, .spec.clusterIP, .spec.sessionAffinity, .spec.ports[0].protocol] | join(" ")' <<<"$s")" \
	'^ClusterIP 10\.96\.[0-9]+\.[0-9]+ None TCP$' "the Service got type, clusterIP, sessionAffinity, protocol"
is "$(kube_get Namespace '' demo | jq -r '.metadata.labels["kubernetes.io/metadata.name"] + " " + .status.phase')" \
	"demo Active" "the Namespace got its name label and phase"

# workload status: progressing, then ready after the delay (a watch)
run kubectl rollout status deployment/my-app -n demo --timeout=120s
is "$RC:$OUT" '0:deployment "my-app" successfully rolled out' "rollout status waits for the ready status"
is "$(kube_get Deployment demo my-app | jq -c '[.status.observedGeneration, .status.readyReplicas, .status.availableReplicas]')" \
	'[1,2,2]' "the ready status matches the spec"
run kubectl wait --for=condition=Available deployment/my-app -n demo --timeout=120s
is "$RC" 0 "kubectl wait for condition=Available"
cat >"$TMP/stuck.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: stuck, namespace: demo, annotations: {kube-standin/rollout: never}}
spec:
  selector: {matchLabels: {app: stuck}}
  template:
    metadata: {labels: {app: stuck}}
    spec: {containers: [{name: app, image: busybox:1.36}]}
YAML
apply "$TMP/stuck.yaml" -o json
is "$RC:$(jq -c '[.status.observedGeneration, .status.unavailableReplicas, (.status.conditions[] | select(.type == "Progressing") | .reason)]' <<<"$OUT")" \
	'0:[1,1,"ReplicaSetUpdated"]' "a fresh Deployment is Progressing in the apply reply"
controller_caught_up
ok $? "(the stand-in's controller has had its ready delay since)"
run kubectl rollout status deployment/stuck -n demo --watch=false
is "$RC:$OUT" '0:Waiting for deployment "stuck" rollout to finish: 0 of 1 updated replicas are available...' \
	"with kube-standin/rollout: never it stays unavailable"
run kubectl delete -f "$TMP/stuck.yaml"

# ---------------------------------------------------------------------------------------------
# re-apply: a no-op does not bump resourceVersion

before=$(jqs '[.items[] | .metadata.resourceVersion] | join(",")')
apply "$TMP/app.yaml"
is "$RC" 0 "re-apply: exit 0"
is "$(grep -c 'serverside-applied$' <<<"$OUT")" 6 "re-apply prints every object as serverside-applied"
is "$(jqs '[.items[] | .metadata.resourceVersion] | join(",")')" "$before" "re-apply changed no resourceVersion"
run kubectl diff --server-side --field-manager=gitops -f "$TMP/app.yaml"
is "$RC:$OUT" "0:" "diff --server-side after apply: no differences (defaults are not noise)"

# ---------------------------------------------------------------------------------------------
# get with label and field selectors

cat >"$TMP/cms.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: demo, labels: {app: one, tier: web}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: b, namespace: demo, labels: {app: two, tier: db}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: demo, labels: {app: two}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: d, namespace: default, labels: {app: two, tier: web}}
YAML
apply "$TMP/cms.yaml"
is "$RC" 0 "apply four labelled ConfigMaps"
sel() { run kubectl get cm "$@" -o name; echo "$OUT" | tr '\n' ' ' | sed 's/ $//'; }
is "$(sel -n demo -l app=two)" "configmap/b configmap/c" "-l app=two"
is "$(sel -n demo -l 'app!=two')" "configmap/a configmap/my-app-config" "-l app!=two"
is "$(sel -n demo -l 'tier in (db,web)')" "configmap/a configmap/b configmap/my-app-config" "-l 'tier in (db,web)'"
is "$(sel -n demo -l 'app,!tier')" "configmap/c" "-l 'app,!tier'"
is "$(sel -n demo -l 'app notin (one),tier')" "configmap/b configmap/my-app-config" "-l 'app notin (one),tier'"
is "$(sel -A -l app=two)" "configmap/d configmap/b configmap/c" "-A -l app=two lists across namespaces"
is "$(sel -n demo --field-selector metadata.name=b)" "configmap/b" "--field-selector metadata.name=b"
is "$(sel -A --field-selector metadata.namespace=default,metadata.name!=x)" "configmap/d" "--field-selector with two terms"
run kubectl get deployments,services,configmaps,widgets -n demo -l app=my-app -o json
is "$RC:$(jq -r '[.kind, (.items | map(.kind + "/" + .metadata.name) | join(","))] | join(" ")' <<<"$OUT")" \
	"0:List Deployment/my-app,Service/my-app,ConfigMap/my-app-config,Widget/w1" "get of four kinds with a selector: one List"
like "$(kube_log | jq -r 'select(.path == "/apis/apps/v1/namespaces/demo/deployments") | .query' | tail -1)" \
	'labelSelector=app%3Dmy-app' "the selector reached the server"
run kubectl get cm nope -n demo
is "$RC:$ERR" '1:Error from server (NotFound): configmaps "nope" not found' "get of a missing object: NotFound"

# ---------------------------------------------------------------------------------------------
# conflicts and force

run kubectl patch configmap my-app-config -n demo -p '{"data":{"mode":"slow"}}'
is "$RC:$OUT" "0:configmap/my-app-config patched" "kubectl patch (a drift by another manager)"
apply "$TMP/app.yaml"
is "$RC" 1 "apply over the drift: exit 1"
like "$ERR" '^error: Apply failed with 1 conflict: conflict with "kubectl-patch" using v1 at [0-9T:-]+Z: \.data\.mode
Please review the fields above--they currently have other managers' "the conflict names the manager and the field"
like "$ERR" 'See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts$' "kubectl's conflict help follows"
is "$(grep -c 'serverside-applied$' <<<"$OUT")" 5 "the other five objects were applied"
is "$(kube_get ConfigMap demo my-app-config | jq -r .data.mode)" slow "the conflicting field kept the drifted value"

run kubectl patch configmap my-app-config -n demo -p '{"data":{"greeting":"hi"}}'
apply "$TMP/app.yaml"
like "$ERR" 'Apply failed with 2 conflicts: conflicts with "kubectl-patch" using v1 at [0-9T:-]+Z:
- \.data\.greeting
- \.data\.mode' "two conflicts are grouped by manager"

run kubectl scale deployment my-app -n demo --replicas=3
is "$RC:$OUT" "0:deployment.apps/my-app scaled" "kubectl scale (the scale subresource)"
apply "$TMP/app.yaml" --force-conflicts
is "$RC" 0 "apply --force-conflicts: exit 0"
cm=$(kube_get ConfigMap demo my-app-config)
is "$(jq -r '.data.mode + " " + .data.greeting' <<<"$cm")" "fast hello" "force took the fields back"
is "$(jq -c '[.metadata.managedFields[].manager]' <<<"$cm")" '["gitops"]' "the drifting manager lost its fields"
is "$(kube_get Deployment demo my-app | jq -r .spec.replicas)" 2 "force also took back replicas from kubectl scale"

# a field manager that applies the same value shares ownership without a conflict
printf '%s\n' 'apiVersion: v1' 'kind: ConfigMap' 'metadata: {name: my-app-config, namespace: demo}' \
	'data: {mode: fast}' >"$TMP/shared.yaml"
run kubectl apply --server-side --field-manager=helm -f "$TMP/shared.yaml"
is "$RC" 0 "another manager applying the same value: no conflict"
is "$(kube_get ConfigMap demo my-app-config | jq -c '[.metadata.managedFields[] | select(.fieldsV1["f:data"]["f:mode"]) | .manager]')" \
	'["gitops","helm"]' "both managers own .data.mode"
sed 's/mode: fast/mode: other/' "$TMP/shared.yaml" >"$TMP/shared2.yaml"
run kubectl apply --server-side --field-manager=helm -f "$TMP/shared2.yaml"
like "$ERR" 'Apply failed with 1 conflict: conflict with "gitops": \.data\.mode' "a conflict with an Apply manager has no version/time"

# drift seeded through the admin endpoint, as `kubectl edit` would leave it
kube_get Deployment demo my-app | jq '.spec.template.spec.containers[0].image = "registry.example/my-app:0.9.9"' |
	kube_seed - manager=kubectl-edit
run kubectl diff --server-side --field-manager=gitops --force-conflicts -f "$TMP/app.yaml"
is "$RC" 1 "diff after a seeded drift: exit 1"
like "$OUT" $'\n-      - image: registry.example/my-app:0.9.9\n\\+      - image: registry.example/my-app:1.0.0\n' \
	"diff shows the drifted image"
unlike "$OUT" 'resourceVersion|managedFields|clusterIP' "diff shows no server noise"
apply "$TMP/app.yaml"
like "$ERR" 'conflict with "kubectl-edit" using apps/v1 at [0-9T:-]+Z: \.spec\.template\.spec\.containers\[name="app"\]\.image' \
	"the conflict path names the list element by key"

# ---------------------------------------------------------------------------------------------
# dry-run=server

rv=$(rv_of ConfigMap demo my-app-config)
sed 's/mode: fast/mode: dry/' "$TMP/app.yaml" >"$TMP/app-dry.yaml"
kube_log_clear
apply "$TMP/app-dry.yaml" --force-conflicts --dry-run=server
is "$RC" 0 "apply --dry-run=server: exit 0"
like "$OUT" $'\nconfigmap/my-app-config serverside-applied \\(server dry run\\)\n' "dry-run lines say (server dry run)"
is "$(rv_of ConfigMap demo my-app-config):$(kube_get ConfigMap demo my-app-config | jq -r .data.mode)" "$rv:fast" \
	"dry-run stored nothing"
is "$(requests '.method == "PATCH" and (.query | test("dryRun=All")|not)')" 0 "every PATCH carried dryRun=All"
run kubectl apply --server-side --field-manager=gitops --dry-run=server -o json -f - <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: fresh, namespace: demo}
spec:
  selector: {matchLabels: {app: fresh}}
  template:
    metadata: {labels: {app: fresh}}
    spec: {containers: [{name: app, image: busybox}]}
YAML
is "$RC:$(jq -c '[.metadata.name, .spec.replicas, .spec.template.spec.containers[0].imagePullPolicy, .status]' <<<"$OUT")" \
	'0:["fresh",1,"Always",{}]' "dry-run of a new Deployment: defaulted, never ready"
is "$(kube_get Deployment demo fresh)" "" "the dry-run Deployment was not stored"
controller_caught_up
is "$(kube_get Deployment demo fresh)" "" "... and no rollout started for it"

# seeded state is stored as given: a health test can set up a Degraded Deployment directly
kube_seed - <<'JSON'
{"apiVersion": "apps/v1", "kind": "Deployment",
 "metadata": {"name": "broken", "namespace": "demo", "generation": 7},
 "spec": {"selector": {"matchLabels": {"app": "broken"}},
          "template": {"metadata": {"labels": {"app": "broken"}}, "spec": {"containers": [{"name": "app", "image": "x"}]}}},
 "status": {"observedGeneration": 7, "replicas": 1, "unavailableReplicas": 1,
            "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}}
JSON
controller_caught_up
run kubectl get deployment broken -n demo -o jsonpath='{.metadata.generation} {.spec.replicas} {.status.conditions[0].reason}'
is "$OUT" "7 1 ProgressDeadlineExceeded" "a seeded object keeps its generation and status, and gets defaults"
kube_admin DELETE '/_sim/state?apiVersion=apps/v1&kind=Deployment&namespace=demo&name=broken' >/dev/null
is "$(kube_get Deployment demo broken)" "" "DELETE /_sim/state removes it"

# ---------------------------------------------------------------------------------------------
# other writes: create (POST), replace (PUT), label, JSON patch, watch by kubectl wait

run kubectl create configmap made -n demo --from-literal=k=v
is "$RC:$OUT" "0:configmap/made created" "kubectl create (POST)"
run kubectl create configmap made -n demo --from-literal=k=v
is "$ERR" 'error: failed to create configmap: configmaps "made" already exists' "create of an existing object: AlreadyExists"
kube_get ConfigMap demo made | jq '{apiVersion, kind, metadata: {name: .metadata.name, namespace: .metadata.namespace}, data: {k: "w"}}' >"$TMP/made.json"
run kubectl create deployment typed --image=busybox -n demo
like "$ERR" 'unknown format' "typed create of a kind without a protobuf decoder: 415 (use apply or create -f)"
run kubectl create secret generic creds -n demo --from-literal=password=hunter2
is "$RC:$(kube_get Secret demo creds | jq -c '[.type, .data.password]')" '0:["Opaque","aHVudGVyMg=="]' \
	"kubectl create secret (protobuf body)"
run kubectl replace -f "$TMP/made.json"
is "$RC:$OUT" "0:configmap/made replaced" "kubectl replace (PUT)"
run kubectl label configmap made -n demo team=x
is "$(kube_get ConfigMap demo made | jq -c '[.data.k, .metadata.labels.team, ([.metadata.managedFields[].manager] | sort)]')" \
	'["w","x",["kubectl-label","kubectl-replace"]]' "replace and label wrote; replace took kubectl-create's only field"
# kubectl wait first, the patch once it is watching.
kube_log_clear
kubectl wait --for=jsonpath='{.data.k}'=late configmap/made -n demo --timeout=120s >"$TMP/wait.out" 2>&1 &
bg=$!
wait_for 120 watching '/configmaps$'
ok $? "kubectl wait is watching"
kubectl patch configmap made -n demo --type=json -p '[{"op":"replace","path":"/data/k","value":"late"}]' >/dev/null
wait "$bg"
is "$?:$(cat "$TMP/wait.out")" "0:configmap/made condition met" "kubectl wait sees a JSON patch through a watch"
run kubectl patch configmap made -n demo --type=json -p '[{"op":"test","path":"/data/k","value":"no"}]'
is "$RC" 1 "a failing JSON patch test op: exit 1"

# a CRD that takes a moment to be Established: kubectl wait, then its CR
kube_config '{"crdEstablishDelay": 0.5}'
sed 's/widgets/gadgets/g; s/widget/gadget/g; s/Widget/Gadget/g; s/\[wd\]/[gd]/' "$TMP/app.yaml" |
	awk 'BEGIN{RS="---\n"; ORS="---\n"} /CustomResourceDefinition/' >"$TMP/gadget-crd.yaml"
apply "$TMP/gadget-crd.yaml"
run kubectl wait --for condition=established crd/gadgets.example.com --timeout=120s
is "$RC:$OUT" "0:customresourcedefinition.apiextensions.k8s.io/gadgets.example.com condition met" \
	"kubectl wait --for condition=established"
printf '%s\n' 'apiVersion: example.com/v1' 'kind: Gadget' 'metadata: {name: g1, namespace: demo}' 'spec: {x: 1}' >"$TMP/g1.yaml"
apply "$TMP/g1.yaml"
is "$RC:$OUT" "0:gadget.example.com/g1 serverside-applied" "the new kind is served once Established"
kube_config '{"crdEstablishDelay": 0}'

# ---------------------------------------------------------------------------------------------
# delete: -f, finalizers, namespace termination

run kubectl delete -f "$TMP/cms.yaml"
is "$RC:$OUT" '0:configmap "a" deleted
configmap "b" deleted
configmap "c" deleted
configmap "d" deleted' "delete -f prints each object"
is "$(jqs '[.items[] | select(.kind == "ConfigMap" and (.metadata.name | test("^[abcd]$")))] | length')" 0 "the objects are gone"
run kubectl delete -f "$TMP/cms.yaml"
like "$ERR" '^Error from server \(NotFound\): error when deleting ".*cms.yaml": configmaps "a" not found' "delete of missing objects: NotFound"
run kubectl delete -f "$TMP/cms.yaml" --ignore-not-found
is "$RC" 0 "--ignore-not-found: exit 0"

printf '%s\n' 'apiVersion: v1' 'kind: ConfigMap' 'metadata: {name: held, namespace: demo, finalizers: [example.com/hold]}' >"$TMP/held.yaml"
apply "$TMP/held.yaml"
run kubectl delete configmap held -n demo --wait=false
is "$RC:$OUT" '0:configmap "held" deleted' "delete of an object with a finalizer is accepted"
like "$(kube_get ConfigMap demo held | jq -r .metadata.deletionTimestamp)" '^[0-9T:-]+Z$' "it stays, with a deletionTimestamp"
kube_log_clear
kubectl delete configmap held -n demo --timeout=120s >"$TMP/delete.out" 2>&1 &
bg=$!
wait_for 120 watching '/configmaps$'
ok $? "kubectl delete is watching for the object to go"
is "$(kube_get ConfigMap demo held | jq -r .metadata.name)" held "while the finalizer holds it"
kubectl patch configmap held -n demo --type=json -p '[{"op":"remove","path":"/metadata/finalizers"}]' >/dev/null
wait "$bg"
is "$?" 0 "delete waits (watch) until the finalizer is removed"
is "$(kube_get ConfigMap demo held)" "" "then the object is gone"

printf '%s\n' 'apiVersion: v1' 'kind: Namespace' 'metadata: {name: scratch}' '---' \
	'apiVersion: v1' 'kind: ConfigMap' 'metadata: {name: x, namespace: scratch}' >"$TMP/scratch.yaml"
apply "$TMP/scratch.yaml"
kube_config '{"nsDeleteDelay": 2}'
run kubectl delete namespace scratch --wait=false
is "$(kube_get Namespace '' scratch | jq -r .status.phase)" Terminating "a deleted namespace is Terminating"
run kubectl create configmap y -n scratch
is "$RC:$ERR" '1:error: failed to create configmap: configmaps "y" is forbidden: unable to create new content in namespace scratch because it is being terminated' \
	"no new content in a terminating namespace"
run kubectl wait --for=delete namespace/scratch --timeout=120s
is "$RC" 0 "the namespace goes after the delay"
is "$(jqs '[.items[] | select(.metadata.namespace == "scratch" or .metadata.name == "scratch")] | length')" 0 "with its contents"
kube_config '{"nsDeleteDelay": 0.3}'
run kubectl apply --server-side --field-manager=gitops --dry-run=server -f "$TMP/scratch.yaml"
like "$ERR" 'namespaces "scratch" not found' "dry-run of a new namespace with its contents: the contents fail (as on clusters)"

# ---------------------------------------------------------------------------------------------
# auth: token, 401, per-token forbids (403 like RBAC)

run kubectl get configmaps -n demo --token=not-a-token
is "$RC:$ERR" "1:error: You must be logged in to the server (Unauthorized)" "a wrong token: 401"
kube_user deployer system:serviceaccount:ci:deployer \
	'[{"verb": "patch", "group": "apps", "resource": "deployments", "namespace": "demo"}, {"verb": "list", "kind": "Secret"}]'
run kubectl --context deployer apply --server-side --field-manager=gitops --force-conflicts -f "$TMP/app.yaml"
is "$RC" 1 "apply as a user who may not patch deployments: exit 1"
is "$ERR" 'Error from server (Forbidden): deployments.apps "my-app" is forbidden: User "system:serviceaccount:ci:deployer" cannot patch resource "deployments" in API group "apps" in the namespace "demo"' \
	"the 403 reads like RBAC"
is "$(grep -c 'serverside-applied$' <<<"$OUT")" 5 "the other objects were applied"
run kubectl --context deployer get secrets -n demo
is "$ERR" 'Error from server (Forbidden): secrets is forbidden: User "system:serviceaccount:ci:deployer" cannot list resource "secrets" in API group "" in the namespace "demo"' \
	"a forbidden list"

# ---------------------------------------------------------------------------------------------
# faults

fired() { kube_faults | jq -r --arg id "$1" '.items[] | select(.id == $id) | "\(.matched)/\(.fired)"'; }
CMP='/api/v1/namespaces/demo/configmaps/my-app-config$'

id=$(kube_fault '{"method": "PATCH", "path": "/deployments/my-app$", "status": 500, "message": "deploy boom", "times": 1}')
apply "$TMP/app.yaml" --force-conflicts
is "$RC:$ERR" "1:Error from server (InternalError): deploy boom" "500 on one PATCH: InternalError with the message"
is "$(grep -c 'serverside-applied$' <<<"$OUT")" 5 "500: the other objects were applied"
is "$(fired "$id")" 1/1 "500: not retried"

id=$(kube_fault '{"method": "GET", "path": "'"$CMP"'", "status": 503, "retryAfter": 1, "times": 1}')
run kubectl get configmap my-app-config -n demo -o name
is "$RC:$OUT" "0:configmap/my-app-config" "503 with Retry-After: retried, then success"
is "$(fired "$id")" 1/1 "503: fired once"
id=$(kube_fault '{"method": "PATCH", "path": "'"$CMP"'", "status": 429, "retryAfter": 1, "times": 1}')
kube_log_clear
apply "$TMP/app.yaml" --force-conflicts
is "$RC" 0 "429 with Retry-After on a PATCH: retried, then success"
is "$(requests '.method == "PATCH" and (.path | test("'"$CMP"'"))' )" 2 "429: the PATCH was sent twice"

id=$(kube_fault '{"method": "PATCH", "path": "'"$CMP"'", "status": 409, "reason": "Conflict", "message": "Operation cannot be fulfilled on configmaps \"my-app-config\": the object has been modified; please apply your changes to the latest version and try again", "times": 1}')
apply "$TMP/app.yaml" --force-conflicts
like "$ERR" '^error: Operation cannot be fulfilled on configmaps "my-app-config": the object has been modified.*
Please review the fields above' "409: kubectl appends its conflict help to any 409"

id=$(kube_fault '{"method": "PATCH", "path": "'"$CMP"'", "status": 415, "times": 1}')
apply "$TMP/app.yaml" --force-conflicts
like "$ERR" '^error: Server-side apply not available on the server: ' "415 on SSA"

id=$(kube_fault '{"method": "GET", "path": "'"$CMP"'", "delay": 1, "times": 1}')
run kubectl get configmap my-app-config -n demo -o name
is "$RC:$OUT" "0:configmap/my-app-config" "a delayed reply is waited out (no default client timeout)"
id=$(kube_fault '{"method": "GET", "path": "'"$CMP"'", "delay": 2, "times": 1}')
run kubectl get configmap my-app-config -n demo -o name --request-timeout=0.5s
like "$RC:$ERR" '^1:Unable to connect to the server: .*(context deadline exceeded|Client\.Timeout exceeded)' \
	"a delay past --request-timeout"

id=$(kube_fault '{"method": "PATCH", "path": "'"$CMP"'", "action": "hang", "times": 1}')
sed 's/mode: fast/mode: hung/' "$TMP/app.yaml" >"$TMP/app-hung.yaml"
apply "$TMP/app-hung.yaml" --force-conflicts --request-timeout=1s
like "$ERR" 'Unable to connect to the server: (context deadline exceeded|net/http: request canceled \(Client.Timeout)' \
	"a hung PATCH: the client deadline ends it"
is "$(kube_get ConfigMap demo my-app-config | jq -r .data.mode)" fast "a hung PATCH changed nothing"
is "$(kube_log | jq -r --arg id "$id" 'select(.fault == $id) | .dropped')" hang "the log shows the hung request"

id=$(kube_fault '{"method": "PATCH", "path": "'"$CMP"'", "action": "drop", "times": 3}')
apply "$TMP/app.yaml" --force-conflicts
like "$ERR" '^Unable to connect to the server: EOF$' "a dropped PATCH: EOF"
is "$(fired "$id")" 1/1 "a dropped PATCH is not retried"
kube_admin DELETE "/_sim/faults/$id" >/dev/null
id=$(kube_fault '{"method": "GET", "path": "'"$CMP"'", "action": "drop", "times": 1}')
run kubectl get configmap my-app-config -n demo -o name
is "$RC:$OUT:$(fired "$id")" "0:configmap/my-app-config:1/1" "a dropped GET is retried"

id=$(kube_fault '{"method": "PATCH", "path": "'"$CMP"'", "action": "drop", "phase": "after", "times": 1}')
apply "$TMP/app-hung.yaml" --force-conflicts
like "$ERR" 'Unable to connect to the server: EOF' "drop after processing: EOF ..."
is "$(kube_get ConfigMap demo my-app-config | jq -r .data.mode)" hung "... but the write landed"
apply "$TMP/app.yaml" --force-conflicts

id=$(kube_fault '{"method": "PATCH", "path": "'"$CMP"'", "action": "reset", "times": 1}')
apply "$TMP/app.yaml" --force-conflicts
like "$ERR" 'Unable to connect to the server: .*connection reset by peer' "a reset PATCH: connection reset by peer"

id=$(kube_fault '{"method": "GET", "path": "'"$CMP"'", "action": "truncate", "times": 1}')
run kubectl get configmap my-app-config -n demo -o name
like "$ERR" 'error: unexpected error when reading response body. Please retry. Original error: unexpected EOF' \
	"a truncated body"

id=$(kube_fault '{"method": "GET", "path": "'"$CMP"'", "warning": "v1 ConfigMap is deprecated here", "times": 1}')
run kubectl get configmap my-app-config -n demo -o name
is "$RC:$ERR" "0:Warning: v1 ConfigMap is deprecated here" "a Warning header is printed"

id=$(kube_fault '{"method": "PATCH", "path": "/configmaps/", "status": 500, "skip": 1, "times": 1}')
cat "$TMP/held.yaml" <(echo ---) <(sed 's/held/held2/' "$TMP/held.yaml") |
	sed '/finalizers/s/, finalizers: \[example.com\/hold\]//' >"$TMP/two.yaml"
apply "$TMP/two.yaml"
is "$RC:$OUT:$(fired "$id")" "1:configmap/held serverside-applied:2/1" "skip lets the first match pass, times limits the rest"

id=$(kube_fault '{"method": "DELETE", "header": "^Kubectl-Command: kubectl delete$", "status": 500, "message": "no deletes today"}')
run kubectl delete -f "$TMP/two.yaml"
is "$RC:$ERR" '1:Error from server (InternalError): error when deleting "'"$TMP"'/two.yaml": no deletes today
Error from server (InternalError): error when deleting "'"$TMP"'/two.yaml": no deletes today' "a fault matched by header"
is "$(kube_get ConfigMap demo held | jq -r .metadata.name)" held "the object stays"
kube_faults_clear
run kubectl delete -f "$TMP/two.yaml" --ignore-not-found
is "$RC:$OUT" '0:configmap "held" deleted' "after clearing faults the delete works"

id=$(kube_fault '{"method": "GET", "path": "^/apis$", "status": 503}')
KUBECACHEDIR=$TMP/cache-fault run kubectl get deployments -n demo
like "$ERR" "couldn't get current server API group list" "a 503 on discovery"
is "$RC" 1 "a 503 on discovery: exit 1"
kube_faults_clear

# ---------------------------------------------------------------------------------------------
# the log, reset, and a stopped server

like "$(kube_log | jq -r 'select(.method == "PATCH") | .command' | sort -u | tr '\n' ' ')" 'kubectl apply' \
	"the request log records the kubectl command"
kube_reset
is "$(jqs '[.items[] | .metadata.name] | join(" ")')" "default kube-node-lease kube-public kube-system" \
	"reset leaves the four built-in namespaces"
port=$KUBE_PORT
kube_stop
run kubectl get configmaps
is "$RC:$ERR" "1:The connection to the server 127.0.0.1:$port was refused - did you specify the right host or port?" \
	"a stopped stand-in: connection refused"

done_testing
