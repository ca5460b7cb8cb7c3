#!/usr/bin/env bash
# health-wait.t: gitops-health --cluster / --wait against the Kubernetes API stand-in with the real
# kubectl: objects on stdin only name what to look at; the live state comes from one
# `kubectl get -f -` per look, whatever the number of objects (counted in the stand-in's request
# log: one kubectl session per look). Rollouts are simulated by the stand-in (readyDelay, and the
# kube-standin/rollout: never|fail annotations). No timed assertions: what a run did is read from
# its -v lines ("N of M healthy after Ts", one per look) and from the request log.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/kube.sh"

kube_start --ready-delay 1

# A Deployment named $1 in namespace demo, with extra annotation lines in $2.
deployment() {
	cat <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $1
  namespace: demo
  labels: {app.kubernetes.io/name: $1}
  annotations: {${2:-}}
spec:
  replicas: 2
  selector:
    matchLabels: {app.kubernetes.io/name: $1}
  template:
    metadata:
      labels: {app.kubernetes.io/name: $1}
    spec:
      containers:
        - name: $1
          image: registry.example.com/shop/$1:1.4.2
          ports: [{name: http, containerPort: 8080}]
YAML
}
service() {
	printf -- '---\napiVersion: v1\nkind: Service\nmetadata:\n  name: %s\n  namespace: demo\nspec:\n  selector: {app.kubernetes.io/name: %s}\n  ports: [{name: http, port: 80, targetPort: http}]\n' "$1" "$1"
}
configmap() {
	printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: demo\ndata: {mode: fast}\n' "$1"
}
# "Kind/name=Status" of each Health record on stdin.
statuses() { jq -r 'select(.kind == "Health") | "\(.ref.kind)/\(.ref.name)=\(.health)"' | paste -sd' '; }
# How many looks a -v run made: one "N of M healthy after" line each.
looks() { grep -cE '^gitops-health: [0-9]+ of [0-9]+ healthy after [0-9.]+s$' <<<"$ERR"; }
# kubectl processes that reached the stand-in since the last kube_log_clear (one session each).
sessions() { kube_log | jq -r 'select(.command == "kubectl get") | .session' | sort -u | wc -l; }
# GETs of one object's path since the last kube_log_clear.
gets_of() { kube_log | jq -r --arg p "$1" 'select(.method == "GET" and .path == $p) | .path' | wc -l; }

kubectl create namespace demo >/dev/null

# ---------------------------------------------------------------------------------------------
# A Deployment that becomes ready after readyDelay: exit 0

{ deployment web; service web; configmap web-config; } >"$TMP/web.yaml"
kubectl apply --server-side --field-manager=ci -f "$TMP/web.yaml" >/dev/null
kube_log_clear
run gitops-health --wait --timeout 2m --interval 0.2s -v -f "$TMP/web.yaml"
is "$RC" 0 "--wait: the rollout finishes, exit 0"
is "$(statuses <<<"$OUT")" "Deployment/web=Healthy Service/web=Healthy ConfigMap/web-config=Healthy" "a Health record per object, all Healthy"
ok "$([ "$(looks)" -ge 1 ] && [ "$(sessions)" -eq "$(looks)" ]; echo $?)" \
	"one kubectl process per look ($(looks) looks, $(sessions) sessions), not one per object"
is "$(gets_of /apis/apps/v1/namespaces/demo/deployments/web)" "$(looks)" "the Deployment is read once per look"
is "$(gets_of /api/v1/namespaces/demo/configmaps/web-config)" "$(looks)" "so is the ConfigMap, in the same process"
is "$(kubectl get deploy web -n demo -o jsonpath='{.status.availableReplicas}')" 2 "the stand-in did roll it out"

# ---------------------------------------------------------------------------------------------
# Progressing, then Healthy: the wait sees the controller's status change

deployment slow 'kube-standin/rollout: never' >"$TMP/slow.yaml"
kubectl apply --server-side --field-manager=ci -f "$TMP/slow.yaml" >/dev/null
kube_log_clear
gitops-health --wait --timeout 2m --interval 0.2s -v -f "$TMP/slow.yaml" >"$TMP/slow.out" 2>"$TMP/slow.err" &
waiter=$!
looked() { [ "$(gets_of /apis/apps/v1/namespaces/demo/deployments/slow)" -ge 1 ]; }
wait_for 120 looked
ok $? "the wait has looked once (then the controller finishes the rollout)"
kube_get Deployment demo slow | jq -c '.status = {observedGeneration: .metadata.generation, replicas: 2, updatedReplicas: 2,
	readyReplicas: 2, availableReplicas: 2, conditions: [{type: "Available", status: "True", reason: "MinimumReplicasAvailable",
	message: "Deployment has minimum availability."}]}' | kube_seed - 'manager=kube-controller-manager&subresource=status'
wait "$waiter"
RC=$? OUT=$(cat "$TMP/slow.out") ERR=$(cat "$TMP/slow.err")
is "$RC" 0 "a rollout that completes while waiting: exit 0"
looks_said=$(grep ' healthy after ' <<<"$ERR") # (-v also names each kubectl it runs)
is "$(head -n 1 <<<"$looks_said")" "gitops-health: 0 of 1 healthy after $(head -n 1 <<<"$looks_said" | sed 's/.* after //')" "the first look saw it Progressing"
is "$(statuses <<<"$OUT")" "Deployment/slow=Healthy" "and the last one Healthy"
ok "$([ "$(looks)" -ge 2 ]; echo $?)" "it looked more than once ($(looks) looks)"

# ---------------------------------------------------------------------------------------------
# kube-standin/rollout: never: times out, exit 1

{ deployment stuck 'kube-standin/rollout: never'; service stuck; } >"$TMP/stuck.yaml"
kubectl apply --server-side --field-manager=ci -f "$TMP/stuck.yaml" >/dev/null
kube_log_clear
run gitops-health --wait --timeout 2s --interval 0.5s -v -f "$TMP/stuck.yaml"
is "$RC" 1 "a rollout that never finishes: exit 1 after --timeout"
is "$(statuses <<<"$OUT")" "Deployment/stuck=Progressing Service/stuck=Healthy" "the records say which one is not done"
is "$(jq -r 'select(.ref.name == "stuck" and .ref.kind == "Deployment") | .message' <<<"$OUT")" \
	"Waiting for rollout to finish: 0 of 2 updated replicas are available..." "and why, in Argo CD's words"
like "$ERR" "gitops-health: 1 of 2 objects not healthy after --timeout 2s" "stderr says it timed out"
like "$ERR" "gitops-health: Deployment demo/stuck is Progressing: Waiting for rollout" "and names the object"
ok "$([ "$(sessions)" -eq "$(looks)" ]; echo $?)" "polling is batched: $(looks) looks, $(sessions) kubectl processes for 2 objects"
is "$(gets_of /api/v1/namespaces/demo/services/stuck)" "$(looks)" "each look reads every object once"

# ---------------------------------------------------------------------------------------------
# kube-standin/rollout: fail: Degraded, exit 1 without waiting for --timeout

deployment broken 'kube-standin/rollout: fail, kube-standin/ready-delay: "0"' >"$TMP/broken.yaml"
kubectl apply --server-side --field-manager=ci -f "$TMP/broken.yaml" >/dev/null
kube_log_clear
run gitops-health --wait --timeout 10m --interval 0.2s -v -f "$TMP/broken.yaml"
is "$RC" 1 "a failed rollout: exit 1"
is "$(statuses <<<"$OUT")" "Deployment/broken=Degraded" "Degraded"
is "$(jq -r .message <<<"$OUT")" 'Deployment "broken" exceeded its progress deadline' "the progress deadline"
like "$ERR" "stopped on Degraded \(--degraded-grace 0s\)" "it stopped on Degraded, not on the 10m timeout"
is "$(looks)" 1 "with no grace, the first Degraded look ends the wait"

run gitops-health --wait --timeout 10m --interval 0.2s --degraded-grace 3s -v -f "$TMP/broken.yaml"
is "$RC" 1 "--degraded-grace 3s: exit 1"
ok "$([ "$(looks)" -ge 2 ]; echo $?)" "it looked again within the grace before giving up ($(looks) looks)"
like "$ERR" "stopped on Degraded \(--degraded-grace 3s\)" "then stopped on Degraded"

cat >"$TMP/job.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata:
  name: db-migrate
  namespace: demo
  annotations: {kube-standin/rollout: fail, kube-standin/ready-delay: "0"}
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: registry.example.com/shop/migrate:1.4.2}]
YAML
kubectl apply --server-side --field-manager=ci -f "$TMP/job.yaml" >/dev/null
run gitops-health --wait --timeout 10m -f "$TMP/job.yaml"
is "$RC" 1 "a failed Job: exit 1"
is "$(jq -r '"\(.health): \(.message)"' <<<"$OUT")" "Degraded: Job has reached the specified backoff limit" "Degraded with the Job's reason"

# A paused Deployment is Suspended: the wait ends at once (waiting changes nothing), exit 1
deployment held 'kube-standin/ready-delay: "0"' | sed 's/^spec:$/spec:\n  paused: true/' >"$TMP/held.yaml"
kubectl apply --server-side --field-manager=ci -f "$TMP/held.yaml" >/dev/null
run gitops-health --wait --timeout 10m --interval 0.2s -v -f "$TMP/held.yaml"
is "$RC" 1 "a paused Deployment: exit 1"
is "$(jq -r '"\(.health): \(.message)"' <<<"$OUT")" "Suspended: Deployment is paused" "Suspended, as Argo CD says"
like "$ERR" "gitops-health: 1 of 1 objects Suspended, not healthy" "the wait ended because it is Suspended, not on the 10m timeout"
is "$(looks)" 1 "after one look"

# ---------------------------------------------------------------------------------------------
# --cluster without --wait: one look; Missing objects; kinds the server does not know

kube_log_clear
run gitops-health --cluster -f "$TMP/stuck.yaml"
is "$RC" 1 "--cluster: one look, exit 1 while not healthy"
is "$(sessions)" 1 "--cluster without --wait: exactly one kubectl process"

cat >"$TMP/absent.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: never-applied, namespace: demo}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: web-tls, namespace: demo}
spec: {secretName: web-tls}
YAML
run gitops-health --cluster -f "$TMP/absent.yaml"
is "$RC" 1 "objects that are not there: exit 1"
is "$(statuses <<<"$OUT")" "ConfigMap/never-applied=Missing Certificate/web-tls=Missing" \
	"Missing, also for a kind the server does not serve (its CRD not installed)"
is "$ERR" "" "neither is an error"

# -n: the namespace of named objects that have none
printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: demo}\n' >"$TMP/nons.yaml"
run gitops-health --cluster -n demo -f "$TMP/nons.yaml"
is "$RC" 0 "-n demo finds a Deployment named without a namespace, and the cluster-scoped Namespace"
is "$(jq -r '"\(.ref.kind)@\(.ref.namespace)"' <<<"$OUT" | paste -sd' ')" "Deployment@demo Namespace@" \
	"the records carry the namespace where there is one"

# ---------------------------------------------------------------------------------------------
# Records from the pipeline name the objects

cat >"$TMP/results.jsonl" <<'EOF2'
{"apiVersion":"gitops/v1","kind":"Commit","repo":"https://git.example.com/shop/manifests.git","branch":"main","commit":"4b1f0c9d2e7a6b5c8d3e1f0a9b8c7d6e5f4a3b2c","pushed":true}
{"apiVersion":"gitops/v1","kind":"Result","ref":{"group":"apps","version":"v1","kind":"Deployment","namespace":"demo","name":"web"},"action":"update","status":"ok","message":"","wave":0,"phase":"Sync"}
{"apiVersion":"gitops/v1","kind":"Result","ref":{"group":"","version":"v1","kind":"Service","namespace":"demo","name":"web"},"action":"unchanged","status":"ok","message":"","wave":0,"phase":"Sync"}
{"apiVersion":"gitops/v1","kind":"Result","ref":{"group":"","version":"v1","kind":"ConfigMap","namespace":"demo","name":"old-config"},"action":"delete","status":"ok","message":"","wave":0,"phase":"Sync"}
{"apiVersion":"gitops/v1","kind":"Change","action":"create","ref":{"group":"","version":"v1","kind":"ConfigMap","namespace":"demo","name":"web-config"}}
{"apiVersion":"gitops/v1","kind":"Result","ref":{"group":"batch","version":"v1","kind":"Job","namespace":"demo","name":""},"action":"create","status":"ok","message":"","wave":0,"phase":"PreSync"}
EOF2
run gitops-health --wait --timeout 1m -f "$TMP/results.jsonl"
is "$RC" 0 "Result and Change records name what to wait for: exit 0"
is "$(jq -r '.kind + (if .action == "delete" then "(delete)" else "" end)' <<<"$OUT" | paste -sd' ')" \
	"Commit Result(delete) Result Health Health Health" \
	"the Commit, the deletion and the unnamed hook pass through; the rest become Health records"
is "$(statuses <<<"$OUT")" "Deployment/web=Healthy Service/web=Healthy ConfigMap/web-config=Healthy" "a deleted object is not waited for"

# ---------------------------------------------------------------------------------------------
# The cluster cannot be asked: exit 3

kube_fault '{"method": "GET", "path": "/deployments/web$", "status": 500, "message": "etcdserver: request timed out"}' >/dev/null
run gitops-health --cluster -f "$TMP/web.yaml"
is "$RC" 3 "a 500 from the API server: exit 3"
like "$ERR" "gitops-health: kubectl: .*etcdserver: request timed out" "kubectl's message is relayed"
is "$OUT" "" "no records after a failed look"
kube_faults_clear

kube_stop
run gitops-health --wait --timeout 1m -f "$TMP/web.yaml"
is "$RC" 3 "an unreachable cluster: exit 3"
like "$ERR" "^gitops-health: kubectl: .*connect" "kubectl's message, as ours"
is "$(wc -l <<<"$ERR")" 1 "once: not per object, and without client-go's log lines"
is "$OUT" "" "nothing on stdout"

done_testing
