#!/usr/bin/env bash
# make demo's story (examples/demo): without a cluster it prints the sync plan, with one (the API
# stand-in) it syncs; either way under 40 lines that show the tag bumps, the diff of the two
# revisions, the rollback's hold and a broken chart stopping the pipeline.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/kube.sh"

DEMO=$TOP/examples/demo

# No cluster: KUBECONFIG names a server nobody listens on.
printf 'apiVersion: v1\nkind: Config\nclusters: [{name: none, cluster: {server: "https://127.0.0.1:1"}}]\ncontexts: [{name: none, context: {cluster: none, user: none}}]\ncurrent-context: none\nusers: [{name: none, user: {}}]\n' >"$TMP/none.kubeconfig"
KUBECONFIG=$TMP/none.kubeconfig run "$DEMO"
is "$RC" 0 "the demo runs to its end without a cluster"
lines=$(wc -l <<<"$OUT")
ok "$((lines < 40 ? 0 : 1))" "under 40 lines of output ($lines)"
like "$OUT" 'pushed [0-9a-f]{12} to my-app-gitops.git main: image.tag 1.4.1 -> 1042' "the first CI bump is pushed"
like "$OUT" 'image.tag 1042 -> 1043' "the second CI bump is pushed"
like "$ERR" '1041 is older than the current 1043' "the late build is refused"
like "$OUT" $'\n-        image: myregistry.azurecr.io/my-app:1042\n\\+        image: myregistry.azurecr.io/my-app:1043' \
	"the diff of the two revisions is the image change"
is "$(grep -c '^[-+] ' <<<"$OUT")" 2 "and nothing else changes between them"
like "$OUT" 'Sync plan \(KUBECONFIG reaches no cluster\)' "without a cluster the plan is shown"
like "$OUT" 'Sync +0 +create +planned +apps/Deployment/my-app +my-app' "the plan creates the Deployment"
like "$OUT" 'reverted [0-9a-f]{12} \("Update charts/my-app/values.yaml: image.tag 1042 -> 1043"\), holding' \
	"the rollback reverts the last deploy and holds the chart"
like "$OUT" 'tag: "1042"' "the repo holds 1042 again"
like "$ERR" 'is held by gitops-rollback .*5xx after 1043' "the next CI bump is refused by the hold"
like "$OUT" 'Error: execution error at \(broken/templates/cm.yaml:4:[0-9]+\): name is required' \
	"the broken chart's error is shown"
unlike "$OUT$ERR" $'\033' "no colour when not on a terminal"

# A cluster: the stand-in. The sync lands the rendered Deployment with the image CI set.
kube_start --ready-delay 0.2
run "$DEMO"
is "$RC" 0 "the demo runs to its end with a cluster"
like "$OUT" 'Sync to kube-standin: apply' "with a cluster it syncs"
like "$OUT" '3 created, 0 updated, 0 unchanged, 0 pruned, 0 failed' "the namespace, Service and Deployment are created"
is "$(kube_get Deployment my-app my-app | jq -r '.spec.template.spec.containers[0].image')" \
	"myregistry.azurecr.io/my-app:1043" "the cluster runs the image of the last deploy"
lines=$(wc -l <<<"$OUT")
ok "$((lines < 40 ? 0 : 1))" "still under 40 lines ($lines)"

done_testing
