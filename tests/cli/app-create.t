#!/usr/bin/env bash
# gitops-app-create: the Application argocd app create makes for the same flags (the tutorial's
# own Application byte for byte, then every flag's field), the checks that exit 2 naming the flag,
# and --apply through the real kubectl against the Kubernetes API stand-in.
# Its repositories are not reachable here: --validate=false (app-create-validate.t checks the source).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/kube.sh"

FIX=$TOP/tests/fixtures/app-create
AZ=https://dev.azure.com/your-org/your-project/_git/my-app-gitops
app() { gitops-app-create --validate=false my-app --repo "$AZ" "$@"; } # the tutorial's app, plus flags
field() { jq -c "$1" <<<"$OUT"; }

# ---- the tutorial's Application ----
run app --path charts/my-app --dest-namespace prod --sync-policy automated --auto-prune --self-heal -o yaml
is "$RC" 0 "the tutorial's flags"
is "$OUT" "$(cat "$FIX/my-app.yaml")" "-o yaml is the tutorial's Application, byte for byte"
run app --path charts/my-app --dest-namespace prod --sync-policy automated --auto-prune --self-heal -o json
is "$(jq -S . <<<"$OUT")" "$("$BUILD/tests/yaml2json" <"$FIX/my-app.yaml" | jq -S .)" "-o json: the same object"
is "$(wc -l <<<"$OUT")" 1 "-o json is one line (JSON Lines)"

# ---- defaults ----
run gitops-app-create --validate=false guestbook --repo https://github.com/argoproj/argocd-example-apps -o json
is "$(field '[.metadata.namespace, .spec.project, .spec.source.targetRevision, .spec.destination.server]')" \
	'["argocd","default","HEAD","https://kubernetes.default.svc"]' \
	"defaults: namespace argocd, project default, HEAD, the in-cluster server"
is "$(field '[.spec.source.path, .spec.destination.namespace, .spec.syncPolicy, .metadata.labels, .metadata.finalizers]')" \
	'[null,null,null,null,null]' "nothing else: no path, namespace, sync policy, labels or finalizers"
is "$(field 'keys_unsorted')" '["apiVersion","kind","metadata","spec"]' "an object kubectl can apply"

# ---- every flag's field ----
run app --revision v1.2.3 -o json
is "$(field .spec.source.targetRevision)" '"v1.2.3"' "--revision: targetRevision"
run app --dest-name prod-cluster -o json
is "$(field .spec.destination)" '{"name":"prod-cluster"}' "--dest-name: destination.name instead of server"
run app --dest-server https://10.0.0.1:6443 --dest-namespace shop -o json
is "$(field .spec.destination)" '{"server":"https://10.0.0.1:6443","namespace":"shop"}' "--dest-server, --dest-namespace"
run app --project team-a --argocd-namespace gitops -o json
is "$(field '[.spec.project, .metadata.namespace]')" '["team-a","gitops"]' "--project, --argocd-namespace"
for p in automated auto automatic; do
	run app --sync-policy "$p" -o json
	is "$(field .spec.syncPolicy)" '{"automated":{}}' "--sync-policy $p: automated {} (argocd's aliases)"
done
for p in none manual; do
	run app --sync-policy "$p" -o json
	is "$(field .spec.syncPolicy)" null "--sync-policy $p: no sync policy"
done
run app --sync-policy automated --allow-empty -o json
is "$(field .spec.syncPolicy.automated)" '{"allowEmpty":true}' "--allow-empty"
run app --sync-option CreateNamespace=true --sync-option ServerSideApply=true --sync-option CreateNamespace=true -o json
is "$(field .spec.syncPolicy)" '{"syncOptions":["CreateNamespace=true","ServerSideApply=true"]}' \
	"--sync-option: repeatable, in order, a repeat once (AddOption)"
for so in Validate=false PrunePropagationPolicy=orphan PruneLast=true Prune=false Prune=confirm Delete=false \
	ApplyOutOfSyncOnly=true RespectIgnoreDifferences=true SkipDryRunOnMissingResource=true Replace=true \
	FailOnSharedResource=true ClientSideApplyMigration=false; do
	run app --sync-option "$so" -o json
	is "$RC:$(field '.spec.syncPolicy.syncOptions[0]')" "0:\"$so\"" "--sync-option $so"
done
run app --retry-limit 5 -o json
is "$(field .spec.syncPolicy.retry)" '{"limit":5,"backoff":{"duration":"5s","factor":2,"maxDuration":"3m0s"}}' \
	"--retry-limit: argocd's full retry, defaults written out"
run app --retry-limit 0 -o json
is "$(field .spec.syncPolicy)" null "--retry-limit 0: no retry"
# One duration grammar in every tool: a bare number is seconds here too (argocd's flag refuses "5").
for d in 10s:10s 90s:1m30s 2m:2m0s 1h:1h0m0s 1.5s:1.5s 250ms:250ms 1h30m:1h30m0s 0:0s 5:5s 0.5:500ms; do
	run app --retry-limit 3 --retry-backoff-duration "${d%%:*}" -o json
	is "$(field .spec.syncPolicy.retry.backoff.duration)" "\"${d#*:}\"" "--retry-backoff-duration ${d%%:*}: \"${d#*:}\" (Go's Duration.String)"
done
run app --values values-prod.yaml --values secrets://values.yaml -o json
is "$(field .spec.source.helm)" '{"valueFiles":["values-prod.yaml","secrets://values.yaml"]}' "--values: helm.valueFiles, repeatable"
run app --helm-set image.tag=1.2.3 --helm-set replicas=2 --helm-set image.tag=1.2.4 --helm-set 'args=a=b' -o json
is "$(field .spec.source.helm.parameters)" \
	'[{"name":"image.tag","value":"1.2.4"},{"name":"replicas","value":"2"},{"name":"args","value":"a=b"}]' \
	"--helm-set: parameters, a later value for a name replaces it, '=' in values kept"
run app --release-name shop -o json
is "$(field .spec.source.helm)" '{"releaseName":"shop"}' "--release-name"
run app --kustomize-image nginx:1.25 --kustomize-image old/app=new/app:2 --kustomize-image nginx:1.26 --kustomize-image redis@sha256:abc -o json
is "$(field .spec.source.kustomize.images)" '["nginx:1.26","old/app=new/app:2","redis@sha256:abc"]' \
	"--kustomize-image: images, one per name (MergeImage)"
run app --name-prefix prod- -o json
is "$(field .spec.source.kustomize)" '{"namePrefix":"prod-"}' "--name-prefix: kustomize.namePrefix"
run app --path "" --dest-namespace "" --release-name "" --name-prefix "" -o json
is "$(field '[.spec.source.path, .spec.destination.namespace, .spec.source.helm, .spec.source.kustomize]')" \
	'[null,null,null,null]' "empty --path, --dest-namespace, --release-name, --name-prefix: not set (as argocd)"
run app --directory-recurse -o json
is "$(field .spec.source.directory)" '{"recurse":true}' "--directory-recurse"
run app -l team=shop --label app.kubernetes.io/part-of=shop --label team=web -o json
is "$(field .metadata.labels)" '{"team":"web","app.kubernetes.io/part-of":"shop"}' "-l/--label, the last value wins"
run app --annotation notifications.argoproj.io/subscribe.on-sync-failed.slack=ops --annotation note -o json
is "$(field .metadata.annotations)" '{"notifications.argoproj.io/subscribe.on-sync-failed.slack":"ops","note":""}' \
	"--annotation, without '=' an empty value (as argocd)"
run app --finalizer -o json
is "$(field .metadata.finalizers)" '["resources-finalizer.argocd.argoproj.io"]' "--finalizer: the resources finalizer"

# ---- bad input: exit 2, the flag named, nothing on stdout ----
bad() { # bad REGEX ARGS...
	local re=$1
	shift
	run gitops-app-create --validate=false "$@"
	is "$RC:$OUT" "2:" "bad: $*"
	like "$ERR" "$re" "  says: $re"
}
bad "NAME 'My_App'.*RFC 1123" My_App --repo r
bad "NAME '-app'" --repo r -- -app
bad '--repo URL is required' my-app
bad "--dest-namespace 'Prod'" my-app --repo r --dest-namespace Prod
bad "--argocd-namespace 'argo.cd'" my-app --repo r --argocd-namespace argo.cd
bad "--project 'Team A'" my-app --repo r --project "Team A"
bad '--dest-server and --dest-name' my-app --repo r --dest-server https://x --dest-name x
bad '--dest-server kubernetes.default.svc' my-app --repo r --dest-server kubernetes.default.svc
bad '--sync-policy sometimes' my-app --repo r --sync-policy sometimes
bad '--auto-prune: needs --sync-policy automated' my-app --repo r --auto-prune
bad '--self-heal: needs --sync-policy automated' my-app --repo r --self-heal --sync-policy none
bad '--allow-empty: needs --sync-policy automated' my-app --repo r --allow-empty
bad '--sync-option Foo=true: unknown sync option' my-app --repo r --sync-option Foo=true
bad '--sync-option createNamespace=true: .*write CreateNamespace' my-app --repo r --sync-option createNamespace=true
bad '--sync-option CreateNamespace=True: CreateNamespace takes one of: true false' my-app --repo r --sync-option CreateNamespace=True
bad '--sync-option CreateNamespace: give a value' my-app --repo r --sync-option CreateNamespace
bad '--sync-option PrunePropagationPolicy=later' my-app --repo r --sync-option PrunePropagationPolicy=later
bad 'Prune=false and --sync-option Prune=confirm contradict' my-app --repo r --sync-option Prune=false --sync-option Prune=confirm
bad '--retry-limit -1' my-app --repo r --retry-limit -1
bad '--retry-backoff-duration 5x: not a duration' my-app --repo r --retry-limit 1 --retry-backoff-duration 5x
bad '--retry-backoff-duration 5 s' my-app --repo r --retry-limit 1 --retry-backoff-duration "5 s"
bad '--retry-backoff-duration: needs --retry-limit' my-app --repo r --retry-backoff-duration 10s
bad '--helm-set image.tag: use KEY=VALUE' my-app --repo r --helm-set image.tag
bad '--label team: use KEY=VALUE' my-app --repo r --label team
bad "--label a b=c: 'a b' is not a valid label key" my-app --repo r --label "a b=c"
bad "--label team=has space: 'has space' is not a valid label value" my-app --repo r --label "team=has space"
bad "--annotation /x=y" my-app --repo r --annotation /x=y
bad '--values and --kustomize-image: one is for Helm, the other for Kustomize' my-app --repo r --values v.yaml --kustomize-image a:1
bad '--name-prefix and --directory-recurse' my-app --repo r --name-prefix p- --directory-recurse
bad "--release-name 'My Release'" my-app --repo r --release-name "My Release"
bad '--path /charts' my-app --repo r --path /charts
bad "--path charts/../../x: '..'" my-app --repo r --path charts/../../x
# The Application is stored in the cluster and Argo CD shows it to everyone who may read it.
bad "https://org@dev.azure.com/org/p/_git/r: the URL holds a password" \
	my-app --repo https://org:app-create-s3cret@dev.azure.com/org/p/_git/r
unlike "$ERR" "app-create-s3cret" "  and the password is not in the message"
bad '--revision: empty' my-app --repo r --revision ""
bad '-o text' my-app --repo r -o text
bad '--upsert: only with --apply' my-app --repo r --upsert
bad '--timeout 0' my-app --repo r --timeout 0

# ---- --apply through the real kubectl against the API stand-in ----
REAL_KUBECTL=$(command -v kubectl)
mkdir -p "$TMP/wrap"
cat >"$TMP/wrap/kubectl" <<EOF
#!/bin/sh
case \$(tr '\\0' ' ' </proc/\$PPID/cmdline) in gitops-*) printf '%s\n' "\$*" >>"$TMP/kubectl.log" ;; esac
exec "$REAL_KUBECTL" "\$@"
EOF
chmod +x "$TMP/wrap/kubectl"
export PATH="$TMP/wrap:$PATH"

kube_start --ready-delay 0
kubectl create namespace argocd >/dev/null
run app --path charts/my-app --apply -o json
is "$RC" 3 "--apply before Argo CD (its CRD) is installed: exit 3"
like "$ERR" 'kubectl: .*applications' "kubectl's reason relayed"
kubectl apply -f "$FIX/application-crd.yaml" >/dev/null
: >"$TMP/kubectl.log"
run app --path charts/my-app --dest-namespace prod --sync-policy automated --auto-prune --self-heal --apply -o json
is "$RC" 0 "--apply: exit 0"
like "$ERR" 'application argocd/my-app created' "says created (stderr; stdout is data)"
is "$(kube_get Application argocd my-app | jq -cS .spec)" "$(jq -cS .spec <<<"$OUT")" "the Application in the cluster is the one printed"
is "$(kube_get Application argocd my-app | jq -r '.metadata.managedFields[0] | .manager + " " + .operation')" \
	"gitops-app-create Apply" "applied server-side as gitops-app-create"
is "$(sed -n 2p "$TMP/kubectl.log")" \
	"apply --server-side --field-manager=gitops-app-create --filename=- --output=name --namespace=argocd --request-timeout=60s" \
	"kubectl apply --server-side, the object on stdin"
run app --path charts/my-app --dest-namespace prod --sync-policy automated --auto-prune --self-heal --apply -o json
is "$RC" 0 "the same again: exit 0"
like "$ERR" 'my-app unchanged' "unchanged"
run app --path charts/my-app --dest-namespace staging --apply -o json
is "$RC:$OUT" "1:" "a different spec without --upsert: refused (exit 1), as argocd app create"
is "$ERR" 'gitops-app-create: application argocd/my-app exists with a different spec (spec.destination.namespace: "prod" -> "staging"; spec.syncPolicy: {"automated":{"prune":true,"selfHeal":tr... -> unset); use --upsert to replace it' \
	"says so, with the fields that differ: old -> new, long values cut"
is "$(kube_get Application argocd my-app | jq -r .spec.destination.namespace)" prod "nothing changed"
run app --path charts/my-app --dest-namespace staging --apply --upsert --timeout 20 -o json
is "$RC" 0 "--upsert replaces it"
like "$ERR" 'my-app updated' "updated"
is "$(kube_get Application argocd my-app | jq -r .spec.destination.namespace)" staging "the new spec is live"
like "$(tail -n 1 "$TMP/kubectl.log")" '--force-conflicts --request-timeout=20s' "an upsert takes the fields over; --timeout reaches kubectl"
# What differs is listed field by field, labels by key; Helm parameters (may hold secrets) named, never shown.
run gitops-app-create --validate=false db --repo "$AZ" --path charts/db --label team=data --helm-set auth.password=hunter2 --apply -o json
is "$RC" 0 "an Application with a label and a Helm parameter"
kubectl -n argocd label application db app.kubernetes.io/part-of=shop >/dev/null # someone else's label: not ours to compare
run gitops-app-create --validate=false db --repo "$AZ" --path charts/db --label team=data --helm-set auth.password=hunter2 --apply -o json
is "$RC" 0 "a label another tool added is no difference"
run gitops-app-create --validate=false db --repo "$AZ" --path charts/db --revision v2 --label team=payments --helm-set auth.password=swordfish \
	--label app.kubernetes.io/name=db --apply -o json
is "$RC:$OUT" "1:" "another revision, label and parameter: refused"
is "$ERR" 'gitops-app-create: application argocd/db exists with a different spec (spec.source.targetRevision: "HEAD" -> "v2"; spec.source.helm.parameters[0].value: changed; metadata.labels.team: "data" -> "payments"; metadata.labels["app.kubernetes.io/name"]: unset -> "db"); use --upsert to replace it' \
	"each field that differs, in one line"
unlike "$ERR" 'hunter2|swordfish' "a Helm parameter's value never shows"

run app --apply --argocd-namespace nowhere -o json
is "$RC" 3 "a namespace that does not exist: exit 3"
kube_fault '{"method": "PATCH", "path": "/applications/my-app$", "action": "hang"}' >/dev/null
# The stand-in holds the request 30 s; the 20 s guard kills a run that --timeout does not bound (exit 124).
run timeout 20 gitops-app-create --validate=false my-app --repo "$AZ" --path charts/my-app --apply --upsert --timeout 1 -o json
is "$RC:$OUT" "3:" "a cluster that never answers the write: exit 3 within --timeout, nothing printed"
like "$ERR" 'kubectl: .*(deadline exceeded|Timeout exceeded|timed out)' "kubectl's timeout relayed"
kube_faults_clear

# Piped, without --apply.
gitops-app-create --validate=false guestbook --repo https://github.com/argoproj/argocd-example-apps --path guestbook -o yaml |
	kubectl apply --server-side -f - >/dev/null
ok $? "-o yaml | kubectl apply --server-side -f - works"
is "$(kube_get Application argocd guestbook | jq -r .spec.source.path)" guestbook "and lands"

done_testing
