#!/usr/bin/env bash
# health.t: gitops-health on objects given on stdin or -f, as `kubectl get -o json | gitops-health`
# is used: a Health record per object by Argo CD's rules, records it does not consume passed
# through, the table on -o text, exit 0 only when everything is Healthy, 1 when not, 2 on bad input.
#
# tests/fixtures/health: prod-get.json is a `kubectl get deploy,sts,svc -n prod -o json` List
# (a rolled-out Deployment, one past its progress deadline, one mid-rollout, a StatefulSet, a
# ClusterIP Service, a LoadBalancer Service without an address); batch.yaml a YAML stream of a
# CrashLoopBackOff Pod, a complete Job, a suspended Job and a Pending PVC; after-apply.jsonl what
# reaches gitops-health at the end of a pipeline (a Commit, a Result, a live object); argo-2026.yaml
# the kinds and cases Argo CD's rules of 2026 judge differently from before (HPA, annotated Pods,
# Workflows, CronJob, PodDisruptionBudget).
. "$(dirname "$0")/../lib.sh"

FIX=$TOP/tests/fixtures/health

# "Kind/name=Status" of each Health record on stdin, space-separated.
statuses() { jq -r 'select(.kind == "Health") | "\(.ref.kind)/\(.ref.name)=\(.health)"' | paste -sd' '; }

# ---------------------------------------------------------------------------------------------
# Usage

run gitops-health --help
is "$RC" 0 "--help exits 0"
like "$OUT" "^usage: gitops-health " "--help prints the usage on stdout"

run gitops-health --no-such-flag
is "$RC" 2 "an unknown flag is a usage error"
is "$OUT" "" "nothing on stdout after a usage error"

run gitops-health --wait --timeout soon
is "$RC" 2 "a timeout that is not a duration: exit 2"
is "$ERR" "gitops-health: --timeout soon: not a duration (e.g. 30s, 5m, 1h30m, 300ms; a bare number is seconds)" "and why"
run gitops-health --interval -1s
is "$RC" 2 "a negative interval: exit 2"
run gitops-health --degraded-grace 25h
is "$RC" 2 "a grace beyond 24h: exit 2"
for d in nan inf 5x 1m-2s ''; do
	run gitops-health --timeout "$d"
	is "$RC" 2 "--timeout '$d' is not a duration"
done

# ---------------------------------------------------------------------------------------------
# kubectl get -o json | gitops-health

run gitops-health <"$FIX/prod-get.json"
is "$RC" 1 "some objects are not healthy: exit 1"
is "$(statuses <<<"$OUT")" \
	"Deployment/cart=Healthy Deployment/checkout=Degraded Deployment/frontend=Progressing StatefulSet/redis=Healthy Service/cart=Healthy Service/frontend-public=Progressing" \
	"one Health record per object, in input order, by Argo CD's rules"
is "$(jq -r 'select(.ref.name == "checkout") | .message' <<<"$OUT")" \
	'Deployment "checkout" exceeded its progress deadline' "the progress deadline is named as Argo CD names it"
is "$(jq -r 'select(.ref.name == "frontend" and .ref.kind == "Deployment") | .message' <<<"$OUT")" \
	"Waiting for rollout to finish: 1 out of 2 new replicas have been updated..." "the rollout's progress is in the message"
is "$(jq -c 'select(.ref.name == "redis") | .ref' <<<"$OUT")" \
	'{"group":"apps","version":"v1","kind":"StatefulSet","namespace":"prod","name":"redis"}' "ref: group, version, kind, namespace, name"
is "$(jq -r '.apiVersion' <<<"$OUT" | sort -u)" "gitops/v1" "every line is a gitops/v1 record"
is "$ERR" "" "nothing on stderr: unhealthy is an answer, not an error"

jq '.items |= map(select(.metadata.name == "cart" or .metadata.name == "redis"))' "$FIX/prod-get.json" >"$TMP/healthy.json"
run gitops-health -f "$TMP/healthy.json"
is "$RC" 0 "all Healthy: exit 0 (-f FILE)"
is "$(statuses <<<"$OUT")" "Deployment/cart=Healthy StatefulSet/redis=Healthy Service/cart=Healthy" "-f reads the same as stdin"

run gitops-health -f "$FIX/batch.yaml"
is "$RC" 1 "YAML stream: exit 1"
is "$(statuses <<<"$OUT")" \
	"Pod/report-worker-7f6d9c8b5-kq4zt=Degraded Job/nightly-export-29411520=Healthy Job/reindex=Suspended PersistentVolumeClaim/export-scratch=Progressing" \
	"CrashLoopBackOff Degraded, complete Job Healthy, suspended Job Suspended, pending PVC Progressing"
like "$(jq -r 'select(.ref.kind == "Pod") | .message' <<<"$OUT")" "^back-off 5m0s restarting failed container=worker" \
	"the CrashLoopBackOff message is kubelet's"

printf '' | gitops-health >"$TMP/out" 2>"$TMP/err"
is "$?" 0 "nothing to judge: exit 0"
is "$(cat "$TMP/out" "$TMP/err")" "" "and nothing printed"

# ---------------------------------------------------------------------------------------------
# Rules Argo CD has had since 2026 (argo-2026.yaml): an HPA failing after a healthy condition, the
# ignore-restart-policy annotation (not on hooks), Argo Workflows, a CronJob's last run, a PDB.

run gitops-health -f "$FIX/argo-2026.yaml"
is "$RC" 1 "Argo CD 2026 rules: something is not healthy, exit 1"
is "$(statuses <<<"$OUT")" \
	"HorizontalPodAutoscaler/orders=Degraded Pod/kafka-broker-0=Healthy Pod/schema-migrate=Progressing Workflow/nightly-etl-x7k2p=Progressing Workflow/weekly-report-q9d4m=Degraded CronJob/backup=Degraded PodDisruptionBudget/orders=Healthy" \
	"HPA failing anywhere Degraded, annotated Pod Healthy but not as a hook, Workflows by phase, CronJob by last run, PDB short of pods Healthy"
like "$(jq -r 'select(.ref.kind == "HorizontalPodAutoscaler") | .message' <<<"$OUT")" '^the HPA was unable to compute the replica count: unable to get metric requests-per-second' \
	"the HPA's failing condition gives the message"
is "$(jq -r 'select(.ref.kind == "Workflow") | .message' <<<"$OUT" | paste -sd'|')" "step extract is running|child 'weekly-report-q9d4m-render' failed" \
	"a Workflow's message is its status.message"
is "$(jq -r 'select(.ref.kind == "CronJob") | .message' <<<"$OUT")" "CronJob has not completed its last execution successfully" \
	"the CronJob's message says its last run failed"
is "$(jq -r 'select(.ref.kind == "PodDisruptionBudget") | .message' <<<"$OUT")" "PodDisruptionBudget has InsufficientPods" \
	"the PDB's message names the reason"
run gitops-health -o text -f "$FIX/argo-2026.yaml"
like "$(grep nightly-etl <<<"$OUT")" "^argoproj.io +Workflow +batch +nightly-etl-x7k2p +Progressing +step extract is running$" "-o text: the Workflow's row"

# ---------------------------------------------------------------------------------------------
# A pipeline's records pass through

run gitops-health -f "$FIX/after-apply.jsonl"
is "$RC" 0 "the one object is Healthy: exit 0"
is "$(jq -r '.kind' <<<"$OUT" | paste -sd' ')" "Commit Result Health" "Commit and Result pass through, then the Health record"
is "$(head -n 2 <<<"$OUT")" "$(head -n 2 "$FIX/after-apply.jsonl")" "passed-through records are unchanged"

# ---------------------------------------------------------------------------------------------
# -o text and -o yaml

run gitops-health -o text -f "$FIX/prod-get.json"
is "$RC" 1 "-o text: same exit code"
is "$(head -n 1 <<<"$OUT" | tr -s ' ')" "GROUP KIND NAMESPACE NAME HEALTH MESSAGE" "a table header"
like "$(grep ' checkout ' <<<"$OUT")" "^apps +Deployment +prod +checkout +Degraded +Deployment \"checkout\" exceeded its progress deadline$" \
	"one row per object"
like "$(grep ' cart ' <<<"$OUT" | grep Service)" "^- +Service +prod +cart +Healthy$" "core group shown as -"
is "$(wc -l <<<"$OUT")" 7 "header and 6 rows"
unlike "$OUT" $'\033' "no colour when NO_COLOR is set"

run env -u NO_COLOR FORCE_COLOR=1 gitops-health -o text -f "$TMP/healthy.json"
like "$OUT" $'\033\\[32mHealthy' "FORCE_COLOR colours the status"

run gitops-health -o yaml -f "$TMP/healthy.json"
is "$RC" 0 "-o yaml: exit 0"
is "$(grep -c '^kind: Health$' <<<"$OUT")" 3 "-o yaml: three YAML documents"

# ---------------------------------------------------------------------------------------------
# Bad input: exit 2, a file:line message, nothing on stdout

printf 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n---\napiVersion: v1\nkind: [Service\n' >"$TMP/broken.yaml"
run gitops-health -f "$TMP/broken.yaml"
is "$RC" 2 "malformed YAML: exit 2"
is "$OUT" "" "malformed YAML: nothing on stdout, not even the objects before it"
like "$ERR" "^gitops-health: $TMP/broken.yaml:[0-9]+:[0-9]+: " "malformed YAML: FILE:LINE:COLUMN"

printf '{"apiVersion":"v1","metadata":{"name":"web"}}\n' >"$TMP/nokind.json"
run gitops-health -f "$TMP/nokind.json"
is "$RC" 2 "an object without kind: exit 2"
like "$ERR" "^gitops-health: $TMP/nokind.json:1: invalid object: " "an object without kind: FILE:LINE: why"

printf '{"apiVersion":"batch/v1","kind":"Job","metadata":{"generateName":"migrate-"}}\n' >"$TMP/genname.json"
run gitops-health -f "$TMP/genname.json"
is "$RC" 2 "an object with only generateName: exit 2"
like "$ERR" "no metadata.name" "and why"

run gitops-health -f "$TMP/does-not-exist.yaml"
is "$RC" 2 "a missing file: exit 2"
like "$ERR" "does-not-exist.yaml" "the message names the file"

done_testing
