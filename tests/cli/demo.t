#!/usr/bin/env bash
# make demo's story (examples/demo) and where it syncs. By default it starts the project's own API
# stand-in, syncs there for real and stops it: the cluster of the environment's kubectl context is
# never used (a KUBECONFIG in the environment, and ~/.kube/config, point at a second stand-in that
# records requests: zero). Only `make demo KUBECONFIG=FILE` names a cluster, and then the demo
# works as app and namespace gitops-demo-XXXXXX, never touches what it did not create, and removes
# what it created. The story: under 40 lines that show the tag bumps, the diff of the two
# revisions, the sync, the rollback's hold and a broken chart stopping the pipeline.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/kube.sh"

command -v kubectl >/dev/null || { echo "1..0 # skip no kubectl"; exit 0; }
command -v make >/dev/null || { echo "1..0 # skip no make"; exit 0; }

# The user's own cluster: a stand-in that records every request, reached by KUBECONFIG and by
# ~/.kube/config, holding an app my-app that Argo CD manages.
kube_start --ready-delay 0.1 --ns-delete-delay 0.1
USER_KUBECONFIG=$KUBECONFIG
export HOME=$TMP/home
mkdir -p "$HOME/.kube"
cp "$USER_KUBECONFIG" "$HOME/.kube/config"
kube_seed - <<'EOF2'
{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "my-app"}}
{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "my-app", "namespace": "my-app",
 "annotations": {"argocd.argoproj.io/tracking-id": "my-app:apps/Deployment:my-app/my-app"}},
 "spec": {"selector": {"matchLabels": {"app": "my-app"}}, "template": {"metadata": {"labels": {"app": "my-app"}},
 "spec": {"containers": [{"name": "web", "image": "registry.example.com/my-app:prod-9"}]}}}}
{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "my-app", "namespace": "my-app",
 "annotations": {"argocd.argoproj.io/tracking-id": "my-app:/Service:my-app/my-app"}},
 "spec": {"ports": [{"port": 80}]}}
EOF2
# The stand-in reports the seeded Deployment ready after --ready-delay, a status write that bumps
# its resourceVersion: record the user's objects only once that has happened.
for ((i = 0; i < 100; i++)); do
	[ "$(kube_get Deployment my-app my-app | jq '.status.availableReplicas // 0')" = 1 ] && break
	sleep 0.1
done
kube_log_clear
user_objects() { kube_state | jq -c '[.items[] | select(.metadata.namespace == "my-app") | .kind + "/" + .metadata.name + "=" + .metadata.resourceVersion] | sort'; }
before=$(user_objects)

# ---- make demo: the environment's cluster is never used ----
mkdir -p "$TMP/demo-tmp"
run env TMPDIR="$TMP/demo-tmp" make -s -C "$TOP" -o deps demo
is "$RC" 0 "make demo runs to its end"
is "$(kube_log | grep -c .)" 0 "zero requests reached the cluster of KUBECONFIG and ~/.kube/config"
lines=$(wc -l <<<"$OUT")
ok "$((lines < 40 ? 0 : 1))" "under 40 lines of output ($lines)"
like "$OUT" 'pushed [0-9a-f]{12} to my-app-gitops.git main: image.tag 1.4.1 -> 1042' "the first CI bump is pushed"
like "$OUT" 'image.tag 1042 -> 1043' "the second CI bump is pushed"
like "$ERR" '1041 is older than the current 1043' "the late build is refused"
like "$OUT" $'\n-        image: myregistry.azurecr.io/my-app:1042\n\\+        image: myregistry.azurecr.io/my-app:1043' \
	"the diff of the two revisions is the image change"
is "$(grep -c '^[-+] ' <<<"$OUT")" 2 "and nothing else changes between them"
like "$OUT" "Sync to the demo's own Kubernetes API stand-in \\(not your kubectl context\\)" "it syncs to its own stand-in"
like "$OUT" '3 created, 0 updated, 0 unchanged, 0 pruned, 0 failed' "for real: the namespace, Service and Deployment are created"
like "$OUT" 'reverted [0-9a-f]{12} \("Update charts/my-app/values.yaml: image.tag 1042 -> 1043"\), [0-9a-f]{12} is live, holding' \
	"the rollback reverts the last deploy, names the live one and holds the chart"
like "$OUT" 'tag: "1042"' "the repo holds 1042 again"
like "$ERR" 'is held by .+ since .+: 5xx after 1043' "the next CI bump is refused by the hold"
like "$OUT" 'Error: execution error at \(broken/templates/cm.yaml:4:[0-9]+\): name is required' \
	"the broken chart's error is shown"
unlike "$OUT$ERR" $'\033' "no colour when not on a terminal"
is "$(pgrep -f "kube-standin.py.*$TMP/demo-tmp" | grep -c .)" 0 "the demo's stand-in is stopped"

# ---- make demo KUBECONFIG=FILE: a cluster named for the demo, as gitops-demo-XXXXXX ----
kube_log_clear
run make -s -C "$TOP" -o deps demo KUBECONFIG="$USER_KUBECONFIG"
is "$RC" 0 "make demo KUBECONFIG=FILE runs to its end"
like "$OUT" "Sync to kube-standin \\($USER_KUBECONFIG\\), as app and namespace gitops-demo-[0-9a-f]{6}" "it says where and as what"
app=$(grep -o 'gitops-demo-[0-9a-f]\{6\}' <<<"$OUT" | head -1)
like "$OUT" '3 created, 0 updated, 0 unchanged, 0 pruned, 0 failed' "its namespace, Service and Deployment are created"
is "$(kube_log | jq -r 'select(.method != "GET") | .path' | grep -v "/namespaces/$app\\(/\\|\$\\)" | sort -u)" "" \
	"every write went to its own namespace"
is "$(kube_log | jq -r 'select(.method == "DELETE") | .path' | grep -cv "/namespaces/$app\\(/\\|\$\\)")" 0 \
	"nothing else was deleted"
is "$(user_objects)" "$before" "my-app's objects (tracked by Argo CD app my-app) are untouched"
like "$OUT" "Clean up: prune app $app" "at the end it removes what it created"
for ((i = 0; i < 100; i++)); do
	[ "$(kube_state "namespace=$app" | jq '.items | length')" = 0 ] && [ -z "$(kube_get Namespace '' "$app")" ] && break
	sleep 0.1
done
is "$(kube_state "namespace=$app" | jq '.items | length'):$(kube_get Namespace '' "$app" | wc -c)" "0:0" \
	"and nothing of it is left"

done_testing
