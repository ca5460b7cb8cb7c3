#!/usr/bin/env bash
# apply-sync.t: gitops-apply's sync semantics against the stand-in, through the real kubectl:
# prune (tracking id, top-level only, Prune=false, other apps, untracked), the empty-render and
# --max-prune refusals, hooks in their phases with their delete policies, a failing hook that
# stops the sync and runs the SyncFail hook, and --wait on health (healthy, timed out, Degraded).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/kube.sh"

require kubectl jq script
export HOME=$TMP/home CLOUDSDK_CONFIG=$TMP/gcloud
mkdir -p "$HOME"

FIX=$TOP/tests/fixtures/apply
kube_start --ready-delay 0.2 || { echo "Bail out! the stand-in did not start"; exit 1; }

writes() { kube_log | jq -r 'select(.method != "GET") | .method + " " + .path'; }
results() { jq -r "select(.kind == \"Result\") | $1" <<<"$OUT"; }
exists() { [ -n "$(kube_get "$1" "$2" "$3")" ] && echo yes || echo no; }

# cm NAME [ANNOTATIONS-JSON] [EXTRA-METADATA-JSON]: a live ConfigMap in demo, as another run left it.
cm() {
	jq -cn --arg n "$1" --argjson a "${2:-{\}}" --argjson m "${3:-{\}}" \
		'{apiVersion: "v1", kind: "ConfigMap", metadata: ({name: $n, namespace: "demo", annotations: $a} + $m), data: {k: "v"}}' |
		kube_seed -
}
track() { jq -cn --arg id "$1" '{"argocd.argoproj.io/tracking-id": $id}'; }

# ---- prune ----
run gitops-apply -f "$FIX/app.yaml" --app my-app -o json
is "$RC" 0 "the app is applied"
cm old-config "$(track my-app:/ConfigMap:demo/old-config)"
cm keep-me "$(jq -cn '{"argocd.argoproj.io/tracking-id": "my-app:/ConfigMap:demo/keep-me", "argocd.argoproj.io/sync-options": "Prune=false"}')"
cm theirs "$(track other-app:/ConfigMap:demo/theirs)"
cm untracked
cm owned "$(track my-app:/ConfigMap:demo/owned)" \
	'{"ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "my-app", "uid": "0b5c1d2e-0000-4000-8000-000000000001"}]}'

kube_log_clear
run gitops-apply -f "$FIX/app.yaml" --app my-app -o json
is "$RC" 0 "without --prune: exit 0"
is "$(results 'select(.action == "delete") | .ref.name + " " + .status + ": " + .message' | sort | tr '\n' ,)" \
	"keep-me skipped: not pruned: annotated argocd.argoproj.io/sync-options: Prune=false,old-config skipped: no longer desired: requires pruning (--prune)," \
	"what is no longer desired is reported, not deleted"
is "$(writes)" "" "nothing was deleted"

run gitops-apply -f "$FIX/app.yaml" --app my-app --prune -o json
is "$RC" 0 "--prune: exit 0"
is "$(results 'select(.action == "delete" and .status == "ok") | .ref.name')" old-config "the app's object that is no longer desired is pruned"
is "$(exists ConfigMap demo old-config)" no "it is gone"
is "$(exists ConfigMap demo keep-me)" yes "Prune=false stays"
is "$(exists ConfigMap demo theirs)" yes "another app's object stays"
is "$(exists ConfigMap demo untracked)" yes "an object without tracking id stays"
is "$(exists ConfigMap demo owned)" yes "an object with ownerReferences stays (top-level only)"
is "$(exists Deployment demo my-app)" yes "desired objects stay"

# Objects without a namespace go to the kubeconfig context's namespace, and are found there.
kubectl config set-context --current --namespace=team-a >/dev/null
kubectl create namespace team-a >/dev/null
jq -cn '{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "flags", annotations: {"argocd.argoproj.io/tracking-id": "ctx-app:/ConfigMap:team-a/flags"}}, data: {beta: "on"}}' >"$TMP/no-ns.json"
run gitops-apply -f "$TMP/no-ns.json" --app ctx-app --prune -o json
is "$(results '.action + " " + .status')" "create ok" "a ConfigMap without namespace: created"
is "$(kube_get ConfigMap team-a flags | jq -r .data.beta)" on "in the context's namespace"
run gitops-apply -f "$TMP/no-ns.json" --app ctx-app --prune -o json
is "$(results '.action + " " + .status')" "unchanged ok" "the next run pairs it with its live self: unchanged, nothing to prune"
kubectl config set-context --current --namespace=default >/dev/null

# --tracking label: apply finds the app's objects as gitops-diff does, by app.kubernetes.io/instance
# (it used to look for the annotation alone, so a label-tracked app was never pruned).
lab() { jq -cn --arg n "$1" '{apiVersion: "v1", kind: "ConfigMap", metadata: {name: $n, namespace: "demo", labels: {"app.kubernetes.io/instance": "lab-app"}}, data: {k: "v"}}'; }
lab lab-keep >"$TMP/lab.json"
lab lab-old | kube_seed -
run gitops-diff -f "$TMP/lab.json" --cluster --app lab-app --tracking label -o json
is "$(jq -r 'select(.kind == "Change") | .action + " " + .ref.name' <<<"$OUT" | sort | tr '\n' ,)" "create lab-keep,delete lab-old," \
	"gitops-diff --tracking label: the labelled object is a delete"
run gitops-apply -f "$TMP/lab.json" --app lab-app --tracking label --prune -o json
is "$RC" 0 "gitops-apply --tracking label --prune: exit 0"
is "$(results '.action + " " + .ref.name + " " + .status' | sort | tr '\n' ,)" "create lab-keep ok,delete lab-old ok," \
	"the same plan as gitops-diff's: the labelled object no longer desired is pruned"
is "$(exists ConfigMap demo lab-old)" no "it is gone"

# ---- the refusals ----
cm stale-1 "$(track my-app:/ConfigMap:demo/stale-1)"
cm stale-2 "$(track my-app:/ConfigMap:demo/stale-2)"
kube_log_clear
run gitops-apply --app my-app --prune -o json </dev/null
is "$RC" 2 "an empty desired stream: exit 2"
like "$ERR" 'no objects to apply: refusing an empty desired state' "says why"
is "$(writes)" "" "nothing was deleted"
run gitops-apply --app my-app --prune --allow-empty --max-prune 2 -o json </dev/null
is "$RC" 0 "--allow-empty: an empty render renders into no namespace, so its objects are looked for nowhere (least privilege)"
is "$(writes)" "" "nothing was deleted"
run gitops-apply --app my-app --prune --allow-empty --max-prune 2 --prune-scope cluster -o json </dev/null
is "$RC" 1 "--allow-empty, but more than --max-prune would go: exit 1"
like "$ERR" 'refusing to prune 6 objects, more than --max-prune 2' "says how many"
like "$ERR" '  ConfigMap demo/stale-1' "and lists them"
is "$(writes)" "" "nothing was deleted"
sed 's/my-app:1.2.3/my-app:1.2.5/' "$FIX/app.yaml" | grep -v LOG_LEVEL >"$TMP/app-next.yaml"
run gitops-apply -f "$TMP/app-next.yaml" --app my-app --prune --max-prune 1 -o json
is "$RC" 1 "two to prune with --max-prune 1: exit 1"
is "$(results 'select(.action != "delete" and .status != "skipped")')" "" "nothing is applied when the prune is refused"
is "$(kube_get Deployment demo my-app | jq -r '.spec.template.spec.containers[0].image')" \
	registry.example.com/my-app:1.2.3 "the cluster is as it was"
run gitops-apply -f "$TMP/app-next.yaml" --app my-app --prune --max-prune 2 -o json
is "$RC" 0 "exactly --max-prune (two to prune with --max-prune 2): exit 0"
is "$(results 'select(.action == "delete" and .status == "ok") | .ref.name' | sort | tr '\n' ,)" "stale-1,stale-2," "both pruned"
is "$(kube_log | jq -r 'select(.method == "DELETE") | .session' | sort -u | wc -l)" 1 "in one kubectl delete"

# ---- hooks ----
kube_log_clear
run gitops-apply -f "$FIX/hooks.yaml" -o json
is "$RC" 0 "hooks: exit 0"
is "$(results '.phase + " " + .ref.name + " " + .status' | tr '\n' ,)" \
	"PreSync db-migrate ok,Sync web ok,PostSync smoke-test ok,SyncFail notify-failure skipped," "each hook in its phase"
is "$(writes)" "PATCH /apis/batch/v1/namespaces/default/jobs/db-migrate
DELETE /apis/batch/v1/namespaces/default/jobs/db-migrate
PATCH /apis/apps/v1/namespaces/default/deployments/web
PATCH /apis/batch/v1/namespaces/default/jobs/smoke-test" \
	"PreSync ran to completion and was deleted (HookSucceeded) before the Sync phase; PostSync after it"
is "$(exists Job default db-migrate)" no "HookSucceeded: gone"
is "$(exists Job default smoke-test)" yes "BeforeHookCreation (the default): kept until the next sync"
is "$(results 'select(.hook) | .ref.name' | tr '\n' ,)" "db-migrate,smoke-test,notify-failure," "hooks are marked in their Results"
uid=$(kube_get Job default smoke-test | jq -r .metadata.uid)
kube_log_clear
run gitops-apply -f "$FIX/hooks.yaml" -o json
is "$RC" 0 "hooks again: exit 0"
is "$(writes | grep smoke-test)" "DELETE /apis/batch/v1/namespaces/default/jobs/smoke-test
PATCH /apis/batch/v1/namespaces/default/jobs/smoke-test" "BeforeHookCreation: deleted, then created again"
isnt_uid=$(kube_get Job default smoke-test | jq -r .metadata.uid)
ok "$([ "$uid" != "$isnt_uid" ]; echo $?)" "a new Job, not the old one updated"
# The kept hook carries the app's tracking id (gitops-render --app marks every object): a sync
# of the app that no longer has it leaves it to its delete policy, it is never pruned. It sits in
# the app's namespace, where the sync looks for what to prune (least privilege: nowhere else).
kube_get Job default smoke-test | jq -c '.metadata.namespace = "demo" | del(.metadata.uid, .metadata.resourceVersion)
	| .metadata.annotations["argocd.argoproj.io/tracking-id"] = "my-app:batch/Job:demo/smoke-test"' |
	kube_seed - >/dev/null
run gitops-apply -f "$TMP/app-next.yaml" --app my-app --prune -o json
is "$RC:$(results 'select(.action == "delete" and .ref.kind == "Job") | .ref.name')" "0:" "a tracked hook left from the last sync is not pruned"
is "$(exists Job demo smoke-test)" yes "it is still there"

# A hook with only generateName is named as Argo CD names it, and goes after it succeeded.
cat >"$TMP/gen-hook.yaml" <<'EOF'
apiVersion: batch/v1
kind: Job
metadata:
  generateName: cache-warm-
  namespace: default
  annotations:
    argocd.argoproj.io/hook: PostSync
    argocd.argoproj.io/hook-delete-policy: HookSucceeded
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: warm
          image: curlimages/curl:8.5.0
EOF
kube_log_clear
run gitops-apply -f "$TMP/gen-hook.yaml" -o json
is "$RC" 0 "a generateName hook: exit 0"
like "$(results '.ref.name + " " + .status')" '^cache-warm-postsync-[0-9]+ ok$' "named generateName + phase + time"
like "$(writes | tr '\n' ' ')" '^PATCH /apis/batch/v1/namespaces/default/jobs/cache-warm-postsync-[0-9]+ DELETE /apis/batch/v1/namespaces/default/jobs/cache-warm-postsync-[0-9]+ $' \
	"created, then deleted once it succeeded"

# A failing PreSync hook stops the sync and runs the SyncFail hook.
jq -c 'if .metadata.name == "db-migrate" then .metadata.annotations += {"kube-standin/rollout": "fail",
	"argocd.argoproj.io/hook-delete-policy": "HookFailed"} else . end' <(kubectl create --dry-run=client -o json -f "$FIX/hooks.yaml" | jq -c '.items[]? // .') \
	>"$TMP/hooks-fail.json"
sed -i 's/web:3.1.0/web:3.2.0/' "$TMP/hooks-fail.json"
kube_log_clear
run gitops-apply -f "$TMP/hooks-fail.json" -o json
is "$RC" 1 "a failed PreSync hook: exit 1"
like "$(results 'select(.ref.name == "db-migrate") | .status + ": " + .message')" '^failed: .*Degraded' "the hook failed, with its health"
is "$(results 'select(.ref.name == "web") | .status + ": " + .message')" "skipped: not applied: an earlier wave failed" \
	"the Sync phase did not run"
is "$(kube_get Deployment default web | jq -r '.spec.template.spec.containers[0].image')" registry.example.com/web:3.1.0 \
	"the Deployment was not touched"
is "$(results 'select(.ref.name == "notify-failure") | .phase + " " + .status')" "SyncFail ok" "the SyncFail hook ran"
is "$(exists Job default db-migrate)" no "HookFailed: the failed hook is deleted"
is "$(exists Job default notify-failure)" no "the SyncFail hook succeeded and went (HookSucceeded)"

# ---- --wait ----
run gitops-apply -f "$FIX/app.yaml" --wait -o json
is "$RC" 0 "--wait: exit 0 once healthy"
is "$(results 'select(.ref.kind == "Deployment") | .health')" Healthy "the Result says Healthy"
sed 's/^  annotations:$/  annotations:\n    kube-standin\/rollout: never/; s/my-app:1.2.3/my-app:1.3.0/' "$FIX/app.yaml" >"$TMP/stuck.yaml"
run gitops-apply -f "$TMP/stuck.yaml" --wait --timeout 3s -o json
is "$RC" 1 "a rollout that never finishes: exit 1 at --timeout"
like "$(results 'select(.ref.kind == "Deployment") | .status + ": " + .message')" '^failed: applied, but not healthy in time: Progressing' \
	"the Deployment was applied but did not become healthy"
sed 's/^  annotations:$/  annotations:\n    kube-standin\/rollout: fail/; s/my-app:1.2.3/my-app:1.3.1/' "$FIX/app.yaml" >"$TMP/broken-rollout.yaml"
run gitops-apply -f "$TMP/broken-rollout.yaml" --wait --timeout 5m -o json
is "$RC" 1 "a failed rollout: exit 1, without waiting out --timeout"
like "$(results 'select(.ref.kind == "Deployment") | .message')" 'Degraded: .*progress deadline' "Degraded, with the controller's reason"
is "$(results 'select(.ref.kind == "Deployment") | .health')" Degraded "the Result's health"

# ---- text output ----
run gitops-apply -f "$FIX/app.yaml" -o text
is "$RC" 0 "-o text: exit 0"
like "$OUT" 'PHASE +WAVE +ACTION +STATUS +OBJECT' "a table"
like "$OUT" 'Sync +0 +update +ok +apps/Deployment/my-app +demo' "a row per object"
like "$OUT" '[0-9]+ created, [0-9]+ updated, [0-9]+ unchanged, [0-9]+ pruned, 0 failed' "and the counts"
unlike "$OUT" 'HEALTH' "without --wait: no HEALTH column (nothing was judged)"
sed 's/my-app:1.2.3/my-app:1.3.5/' "$FIX/app.yaml" >"$TMP/app-135.yaml"
run gitops-apply -f "$TMP/app-135.yaml" --wait -o text
is "$RC" 0 "--wait -o text: exit 0"
like "$OUT" 'PHASE +WAVE +ACTION +STATUS +HEALTH +OBJECT +NAMESPACE' "--wait -o text: a HEALTH column after STATUS"
like "$OUT" 'Sync +0 +update +ok +Healthy +apps/Deployment/my-app +demo' "the Deployment's row says Healthy"
is "$(awk 'NR > 1 && !/ created, / { print $5 }' <<<"$OUT" | sort -u | tr '\n' ,)" "Healthy," "every object waited for has its health in the column"
run gitops-apply -f "$TMP/broken-rollout.yaml" --wait --timeout 5m -o text
like "$OUT" 'Sync +0 +[a-z]+ +failed +Degraded +apps/Deployment/my-app +demo +applied, but Degraded' \
	"a failed rollout: the row says Degraded, and why"

# ---- progress on a terminal, none in a pipe ----
{
	sed 's/my-app:1.2.3/my-app:1.4.0/' "$FIX/app.yaml" >"$TMP/app-140.yaml"
	cmd="gitops-apply -f $(printf '%q' "$TMP/app-140.yaml") --wait -o text >$(printf '%q' "$TMP/table.txt")"
	PTY=$(script -qec "$cmd" /dev/null </dev/null | sed 's/\r$//')
	like "$PTY" 'gitops-apply: Sync wave 0: 5 objects' "on a terminal: each wave as it starts"
	like "$PTY" 'gitops-apply: waiting for health: [0-9]+/5 healthy' "and the health wait"
	like "$(cat "$TMP/table.txt")" 'update +ok +Healthy +apps/Deployment/my-app' "the table still goes to stdout, with its HEALTH column"
	sed 's/my-app:1.2.3/my-app:1.4.1/' "$FIX/app.yaml" >"$TMP/app-141.yaml"
	run gitops-apply -f "$TMP/app-141.yaml" --wait -o text
	is "$ERR" "" "in a pipe: no progress on stderr"
}

done_testing
