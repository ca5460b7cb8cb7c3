#!/usr/bin/env bash
# apply-records.t: gitops-diff's Change records piped into gitops-apply --prune (the README's pipe)
# against the Kubernetes API stand-in with the real kubectl. What is still desired is never
# deleted: the desired set is the desired object of every create/update/unchanged record, and
# only a delete record may prune (and only an object the app still tracks). Every other way of
# building the desired set from more than one input (objects and records mixed, -f given twice,
# records without their desired object) is either right or exit 2 with nothing changed.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/kube.sh"

require kubectl jq
export HOME=$TMP/home CLOUDSDK_CONFIG=$TMP/gcloud
mkdir -p "$HOME"
kube_start --ready-delay 0 --ns-delete-delay 0.1 || { echo "Bail out! the stand-in did not start"; exit 1; }

# The app: the example's plain directory (Namespace, ConfigMap, Service, Deployment).
APP=$TMP/app
mkdir -p "$APP"
cp "$TOP"/examples/manifest-repo/plain/* "$APP/"
render() { gitops-render --app my-app -n prod "$APP"; }
# names: what the stand-in holds in prod (and the app's own Namespace), sorted.
names() { kube_state | jq -r '.items[] | select(.metadata.namespace == "prod" or .metadata.name == "my-app") | .kind + "/" + .metadata.name' | sort | tr '\n' ' '; }
writes() { kube_log | jq -r 'select(.method != "GET") | .method + " " + .path'; }
plan() { jq -r 'select(.kind == "Result") | .action + " " + .ref.kind' <<<"$OUT" | sort | tr '\n' ,; }

render | gitops-apply --app my-app --prune --create-namespace -o json >/dev/null 2>"$TMP/first.err" ||
	{ echo "Bail out! the first sync failed: $(cat "$TMP/first.err")"; exit 1; }
ALL=$(names)
is "$ALL" "ConfigMap/my-app-config Deployment/my-app Namespace/my-app Service/my-app " "the app is deployed"

# ---- the documented pipe: render | diff --cluster --app > changes; apply --app --prune -f changes ----
render | gitops-diff --cluster --app my-app >"$TMP/changes.jsonl"
is "$(jq -r .action "$TMP/changes.jsonl" | sort -u)" unchanged "diff: every object unchanged"
run gitops-apply --app my-app --prune --dry-run -f "$TMP/changes.jsonl" -o json
is "$RC" 0 "dry run of the records exits 0"
is "$(plan)" "unchanged ConfigMap,unchanged Deployment,unchanged Namespace,unchanged Service," \
	"the plan: unchanged, and no delete of the same objects"
kube_log_clear
run gitops-apply --app my-app --prune -f "$TMP/changes.jsonl" -o text
is "$RC" 0 "apply --prune of unchanged records exits 0"
like "$OUT" "0 pruned" "nothing pruned"
is "$(writes)" "" "no write request at all"
is "$(names)" "$ALL" "every object is still there"

# ---- an object really removed from the manifests: its delete record prunes it, and only it ----
rm "$APP/config.json"
render | gitops-diff --cluster --app my-app >"$TMP/changes2.jsonl"
is "$(jq -r 'select(.action != "unchanged") | .action + " " + .ref.kind' "$TMP/changes2.jsonl")" "delete ConfigMap" \
	"diff: the removed ConfigMap is a delete"
run gitops-apply --app my-app --prune -f "$TMP/changes2.jsonl" -o json
is "$RC" 0 "apply --prune of the records exits 0"
is "$(jq -r 'select(.kind == "Result" and .action == "delete") | .status + " " + .ref.name' <<<"$OUT")" "ok my-app-config" \
	"the delete record is pruned"
is "$(names)" "Deployment/my-app Namespace/my-app Service/my-app " "the ConfigMap is gone, everything else stays"
cp "$TOP/examples/manifest-repo/plain/config.json" "$APP/"
render | gitops-apply --app my-app -o json >/dev/null 2>&1

# ---- a delete record for an object the app does not track (another app's, or re-created by hand) ----
jq -c 'select(.ref.kind == "ConfigMap") | .action = "delete" | del(.desired) | .patch = [{"op": "remove", "path": ""}]' \
	"$TMP/changes.jsonl" >"$TMP/foreign.jsonl"
kube_get ConfigMap prod my-app-config | jq -c '.metadata.annotations["argocd.argoproj.io/tracking-id"] = "other-app:/ConfigMap:prod/my-app-config"' | kube_seed -
kube_log_clear
run gitops-apply --app my-app --prune -f "$TMP/foreign.jsonl" -o json --allow-empty
is "$(jq -r 'select(.kind == "Result") | .status + ": " + .message' <<<"$OUT")" \
	"skipped: not pruned: the live object is not tracked by app my-app" "a delete of an object my-app does not track is skipped"
is "$(writes)" "" "and nothing is sent"
is "$(names)" "$ALL" "the other app's ConfigMap stays"
render | gitops-apply --app my-app --force-conflicts -o json >/dev/null 2>&1

# ---- --create-namespace with records adds no prune ----
kube_log_clear
run gitops-apply --app my-app --prune --create-namespace -f "$TMP/changes.jsonl" -o json
is "$RC" 0 "records with --create-namespace exit 0"
is "$(jq -r 'select(.kind == "Result") | .action' <<<"$OUT" | grep -c delete)" 0 "no delete"
is "$(names)" "$ALL" "every object is still there"

# ---- objects and records mixed: exit 2, nothing changed ----
render >"$TMP/objects.jsonl"
cat "$TMP/objects.jsonl" "$TMP/changes2.jsonl" >"$TMP/mixed.jsonl"
kube_log_clear
run gitops-apply --app my-app --prune -f "$TMP/mixed.jsonl" -o json
is "$RC" 2 "objects and Change records mixed: exit 2"
like "$ERR" "mixed.jsonl:5: .*objects and Change records" "the message names where and what"
is "$(writes)" "" "nothing was sent"

# ---- two records for one object (a delete and an unchanged): exit 2 ----
jq -c 'select(.ref.kind == "ConfigMap")' "$TMP/foreign.jsonl" | cat "$TMP/changes.jsonl" - >"$TMP/twice.jsonl"
run gitops-apply --app my-app --prune -f "$TMP/twice.jsonl" -o json
is "$RC" 2 "two records for one object: exit 2"
like "$ERR" "twice.jsonl:5: .*ConfigMap.*my-app-config.*line 3" "naming both lines"

# ---- a create/update/unchanged record without its desired object: exit 2 ----
jq -c 'del(.desired)' "$TMP/changes.jsonl" >"$TMP/nodesired.jsonl"
kube_log_clear
run gitops-apply --app my-app --prune -f "$TMP/nodesired.jsonl" -o json
is "$RC" 2 "a record without desired: exit 2"
like "$ERR" "nodesired.jsonl:1: invalid Change record: .*needs the desired object" "saying so"
is "$(writes)" "" "nothing was sent"

# ---- -f given twice: both files are the desired set (as kubectl apply -f a -f b) ----
jq -c 'select(.kind == "Deployment" or .kind == "Service")' "$TMP/objects.jsonl" >"$TMP/part1.jsonl"
jq -c 'select(.kind != "Deployment" and .kind != "Service")' "$TMP/objects.jsonl" >"$TMP/part2.jsonl"
kube_log_clear
run gitops-apply --app my-app --prune -f "$TMP/part1.jsonl" -f "$TMP/part2.jsonl" -o json
is "$RC" 0 "-f twice exits 0"
is "$(plan)" "unchanged ConfigMap,unchanged Deployment,unchanged Namespace,unchanged Service," "both files are desired"
is "$(names)" "$ALL" "nothing pruned"
run gitops-apply --app my-app --prune -f "$TMP/part1.jsonl" -f "$TMP/changes.jsonl" -o json
is "$RC" 2 "-f objects -f records: exit 2"
run gitops-apply -f "$TMP/part1.jsonl" -f "$TMP/part1.jsonl" -o json
is "$RC" 2 "the same object in two files: exit 2"

# ---- gitops-diff -f twice: the union is desired, no delete for the first file's objects ----
run gitops-diff --cluster --app my-app -f "$TMP/part1.jsonl" -f "$TMP/part2.jsonl" -o json
is "$RC" 0 "gitops-diff -f twice: no difference"
is "$(jq -r .action <<<"$OUT" | sort -u)" unchanged "every object unchanged, none a delete"
run gitops-diff --cluster --app my-app -f "$TMP/part1.jsonl" -f "$TMP/part1.jsonl" -o json
is "$RC" 2 "gitops-diff: the same object in two files: exit 2"
like "$ERR" "duplicate object" "named a duplicate"

run gitops-diff --live-file "$TMP/objects.jsonl" --live-file "$TMP/part1.jsonl" -f "$TMP/part2.jsonl" -o json
is "$RC" 2 "gitops-diff --live-file twice: exit 2 (one live side)"
like "$ERR" "live-file given twice" "saying so"

done_testing
