#!/usr/bin/env bash
# examples.t: what examples/ shows works as shown.
#   - the manifest repo's Kustomize base and overlays render with the real kustomize (kubectl
#     kustomize) into what each environment should get, and CI's tag bump edits one line;
#   - examples/Makefile's targets run the tools with the variables given, in a real working
#     clone with a remote: render, history, rollback, diff and apply against the Kubernetes API
#     stand-in, diff against an older commit, and a failed render stops them; diff and apply
#     render what is on origin (never an uncommitted or stale working tree; LOCAL=1 refuses one),
#     make diff exits 1 on differences, and apply creates a missing namespace;
#   - examples/argocd/ is what gitops-repo-add and gitops-app-create generate today, with the
#     placeholder token and no real one.
. "$(dirname "$0")/../lib.sh"
require kubectl jq
unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL
export XDG_CACHE_HOME=$TMP/cache

EX=$TOP/examples
MREPO=$EX/manifest-repo
YAML2JSON=$BUILD/tests/yaml2json
[ -x "$YAML2JSON" ] || { echo "Bail out! no build/tests/yaml2json (run make tests)"; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# --- the Kustomize base and overlays -----------------------------------------------------------

# kz OVERLAY: kubectl kustomize's objects of overlays/OVERLAY, as JSON Lines.
kz() { kubectl kustomize "$MREPO/overlays/$1" | "$YAML2JSON"; }
# field OBJECTS KIND JQ: JQ of the object of KIND in OBJECTS.
field() { jq -r --arg k "$2" "select(.kind == \$k) | $3" <<<"$1"; }

for env in staging production; do
	run kubectl kustomize "$MREPO/overlays/$env"
	is "$RC:$ERR" "0:" "kubectl kustomize overlays/$env renders without a warning"
done
run kubectl kustomize "$MREPO/base"
is "$RC" 0 "kubectl kustomize base renders on its own"

S=$(kz staging) P=$(kz production)
is "$(jq -r '"\(.kind)/\(.metadata.namespace)"' <<<"$S" | sort -u | tr '\n' ' ')" \
	"ConfigMap/my-app-staging Deployment/my-app-staging Service/my-app-staging " \
	"staging: a ConfigMap, a Deployment and a Service, all in my-app-staging"
is "$(jq -r '"\(.kind)/\(.metadata.namespace)"' <<<"$P" | sort -u | tr '\n' ' ')" \
	"ConfigMap/my-app-production Deployment/my-app-production PodDisruptionBudget/my-app-production Service/my-app-production " \
	"production: the same and a PodDisruptionBudget, all in my-app-production"
is "$(field "$S" Deployment '.spec.template.spec.containers[0].image')" "myregistry.azurecr.io/my-app:1043" \
	"staging runs the tag its overlay pins (1043)"
is "$(field "$P" Deployment '.spec.template.spec.containers[0].image')" "myregistry.azurecr.io/my-app:1042" \
	"production runs the tag its overlay pins (1042)"
is "$(field "$S" Deployment .spec.replicas):$(field "$P" Deployment .spec.replicas)" "1:3" \
	"one replica in staging, three in production"
is "$(field "$P" Deployment '.spec.template.spec.containers[0].resources | "\(.requests.memory) \(.limits.memory)"')" \
	"256Mi 512Mi" "production's patch raises memory and sets a limit"
is "$(field "$S" ConfigMap .data.LOG_LEVEL):$(field "$P" ConfigMap .data.LOG_LEVEL)" "debug:info" \
	"staging merges LOG_LEVEL=debug into the base's settings"
cm=$(field "$P" ConfigMap .metadata.name)
is "$(field "$P" Deployment '.spec.template.spec.containers[0].envFrom[0].configMapRef.name')" "$cm" \
	"the Deployment refers to the generated ConfigMap by its hashed name ($cm)"
is "$(field "$P" PodDisruptionBudget '.spec.selector.matchLabels["app.kubernetes.io/name"]')" my-app \
	"the PodDisruptionBudget selects my-app's pods"
is "$(field "$P" Service '.spec.selector["app.kubernetes.io/name"]')" my-app "the Service selects my-app's pods"

# CI's bump of an overlay, as its comment shows: one line changes, nothing else.
mkdir -p "$TMP/bump"
cp "$MREPO/overlays/staging/kustomization.yaml" "$TMP/bump/"
run gitops-set-image --file "$TMP/bump/kustomization.yaml" \
	--image myregistry.azurecr.io/my-app=myregistry.azurecr.io/my-app:1044 -o json
is "$RC" 0 "gitops-set-image --image bumps the staging overlay's tag"
is "$(diff "$MREPO/overlays/staging/kustomization.yaml" "$TMP/bump/kustomization.yaml" | grep '^[<>]')" \
	'<     newTag: "1043"
>     newTag: "1044"' "only the newTag line changed, quoting kept"

# gitops-render renders the overlay through kustomize: the same objects.
run gitops-render -n my-app-production "$MREPO/overlays/production"
is "$RC" 0 "gitops-render overlays/production exits 0"
is "$(jq -r '"\(.kind)/\(.metadata.name)"' <<<"$OUT" | sort)" \
	"$(jq -r '"\(.kind)/\(.metadata.name)"' <<<"$P" | sort)" "gitops-render overlays/production: kustomize's objects"

# --- examples/Makefile ---------------------------------------------------------------------------

# mk ARG...: make with examples/Makefile, run from the current directory; sets OUT, ERR, RC.
mk() { run make --no-print-directory -s -f "$EX/Makefile" "$@"; }

# What each target runs, with the variables given (make -n prints the commands and runs nothing).
mk -n render REPO=https://git.example.com/shop/my-app-gitops REV=main DIR=overlays/staging APP=my-app-staging NS=my-app-staging
is "$OUT" "gitops-render --repo https://git.example.com/shop/my-app-gitops --revision main --path overlays/staging --app my-app-staging -n my-app-staging -o json" \
	"make render REPO=… REV=…: gitops-render --repo URL --revision REV --path DIR --app APP -n NS"
mk -n render DIR=plain APP=my-app NS=my-app O=yaml
is "$OUT" "gitops-render plain --app my-app -n my-app -o yaml" "make render without REPO renders DIR of the working tree"
mk -n diff APP=my-app NS=my-app DIR=plain
like "$OUT" "^git fetch --quiet origin" "make diff: fetches origin first"
like "$OUT" "want='origin/HEAD'" "make diff: the remote's default branch"
like "$OUT" "git archive \"\\\$rev\" \\| tar -x -C \"\\\$tree\"" "make diff: writes out origin's commit"
like "$OUT" "gitops-render \"\\\$tree/plain\" --app my-app -n my-app \\| gitops-diff --cluster --app my-app -n my-app -o json" \
	"make diff: its render into gitops-diff --cluster --app APP"
mk -n diff APP=my-app NS=my-app DIR=plain REPO=https://git.example.com/shop/my-app-gitops REV=v1.4
like "$OUT" "rev='v1.4'.*gitops-render --repo https://git.example.com/shop/my-app-gitops --revision \"\\\$rev\" --path plain" \
	"make diff REPO=… REV=…: that repository's revision"
mk -n diff APP=my-app NS=my-app DIR=plain AGAINST=main~1
like "$OUT" "rev=\\\$\\(git rev-parse --verify 'main~1\\^\\{commit\\}'\\)" \
	"make diff AGAINST=REV: resolves REV in this repository to a commit"
like "$OUT" "gitops-render --repo \. --revision \"\\\$rev\" --path plain --app my-app -n my-app >\"\\\$old\"" \
	"make diff AGAINST=REV: renders that commit of this repository into a file"
like "$OUT" "gitops-render plain --app my-app -n my-app \| gitops-diff --against \"\\\$old\" -n my-app" \
	"make diff AGAINST=REV: and compares the working tree's render against it"
mk -n apply APP=my-app NS=my-app DIR=plain
like "$OUT" "gitops-render \"\\\$tree/plain\" --app my-app -n my-app \\| gitops-apply --app my-app --prune --wait --create-namespace\$" \
	"make apply: origin's render into gitops-apply --app APP --prune --wait --create-namespace"
mk -n apply APP=my-app NS=my-app DIR=plain CREATE_NAMESPACE=
like "$OUT" "gitops-apply --app my-app --prune --wait\$" "make apply CREATE_NAMESPACE=: without --create-namespace"
mk -n apply APP=my-app NS=my-app DIR=plain LOCAL=1
like "$OUT" "git status --porcelain.*gitops-render plain --app my-app -n my-app \\| gitops-apply" \
	"make apply LOCAL=1: the working tree, after checking it"
# APP= alone: the Application says the rest (issue 19 item 6)
mk -n render APP=argocd/application-production.yaml
is "$OUT" "gitops-render --application 'argocd/application-production.yaml' -o json" \
	"make render APP=FILE: gitops-render --application, nothing restated"
mk -n diff APP=my-app-production
is "$OUT" "gitops-render --application 'my-app-production' | gitops-diff --application 'my-app-production' -o json" \
	"make diff APP=NAME: render and diff from the Application (its destination, its ignoreDifferences)"
mk -n apply APP=my-app-production REV=main
is "$OUT" "gitops-render --application 'my-app-production' --revision main | gitops-apply --application 'my-app-production' --wait" \
	"make apply APP=NAME REV=main: its sync policy, at REV"
mk -n diff APP=my-app-production AGAINST=v1
like "$OUT" "gitops-render --application 'my-app-production' --revision 'v1' >\"\\\$old\"" "make diff APP= AGAINST=REV: the Application at REV"
mk -n status
is "$OUT" "gitops-status" "make status: every Application in the cluster, as argocd app list"
mk -n status APP=argocd/application-production.yaml O=json
is "$OUT" "gitops-status --application 'argocd/application-production.yaml' -o json" "make status APP= O=json: that Application's Status record"
mk history APP=my-app-production
is "$RC" 2 "make history APP= without DIR=: exit 2"
like "$ERR" "history needs DIR=" "saying why"
mk render APP=my-app-production LOCAL=1
is "$RC" 2 "make render APP= LOCAL=1: exit 2"
mk -n history REPO=https://git.example.com/shop/my-app-gitops DIR=charts/my-app
is "$OUT" "gitops-history --repo https://git.example.com/shop/my-app-gitops --path charts/my-app" "make history REPO=… DIR=…"

# The targets for real, in a working clone of a manifest repo with a remote (a bare repo).
export GIT_AUTHOR_NAME=Dev GIT_AUTHOR_EMAIL=dev@example.com GIT_COMMITTER_NAME=Dev GIT_COMMITTER_EMAIL=dev@example.com
git init -q --bare -b main "$TMP/remote.git"
git clone -q "$TMP/remote.git" "$TMP/work" 2>/dev/null
cp -r "$MREPO"/. "$TMP/work/"
git -C "$TMP/work" add -A && git -C "$TMP/work" commit -qm "my-app manifests" && git -C "$TMP/work" push -q origin main
git -C "$TMP/work" remote set-head origin --auto >/dev/null
GIT_AUTHOR_NAME="Azure Pipelines" GIT_AUTHOR_EMAIL=ci@example.com \
	gitops-set-image -q --repo "$TMP/remote.git" --file charts/my-app/values.yaml --set image.tag=1043 -o json >/dev/null
git -C "$TMP/work" pull -q --ff-only
cd "$TMP/work" || exit 1

mk render DIR=plain APP=my-app NS=my-app
is "$RC:$OUT" "0:$(gitops-render plain --app my-app -n my-app -o json)" "make render DIR=plain writes gitops-render's objects"
mk render DIR=plain APP=my-app NS=my-app O=yaml
like "$RC:$OUT" "^0:apiVersion: " "make render O=yaml writes YAML"

mkdir broken
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b: c\n' >broken/cm.yaml
mk render DIR=broken APP=my-app NS=my-app
is "$RC:$OUT" "2:" "make render of a broken manifest fails (make exits 2), nothing on stdout"
like "$ERR" "gitops-render: .*cm\.yaml:6" "and gitops-render's message names the file and line"

mk history DIR=charts/my-app
is "$RC" 0 "make history DIR=charts/my-app exits 0"
like "$OUT" "1043" "make history shows the CI's deploy of 1043"

mk rollback DIR=charts/my-app
is "$RC" 2 "make rollback without REASON exits 2"
like "$ERR" 'say why: REASON=' "and asks for the reason"
reason="5xx after \"1043\" on \$HOME: it's back"
mk rollback DIR=charts/my-app REASON="$reason"
is "$RC" 0 "make rollback DIR=charts/my-app REASON=… reverts and pushes to the working clone's origin"
is "$(git --git-dir="$TMP/remote.git" show main:charts/my-app/values.yaml | grep ' tag:')" \
	"$(grep ' tag:' "$MREPO/charts/my-app/values.yaml")" "the remote's values.yaml has the tag from before 1043 again"
is "$(git --git-dir="$TMP/remote.git" show main:charts/my-app/.gitops-hold | "$YAML2JSON" | jq -r .reason)" "$reason" \
	"the hold keeps the reason as given: quotes, ' and \$ are text, not shell"
# (the working clone is now behind origin: it still has 1043)

# diff and apply against the cluster: the API is the stand-in, kubectl the real one.
{
	. "$TOP/tests/servers/kube.sh"
	kube_start --ready-delay 0.1
	helm=${GITOPS_HELM:-$("$TOP/tests/tools/helm")} # the chart renders with the real helm
	PATH=$(dirname "$helm"):$PATH
	image() { kube_get Deployment "$1" my-app | jq -r '.spec.template.spec.containers[0].image'; }
	writes() { kube_log | jq -r 'select(.method != "GET") | .method + " " + .path'; }

	mk diff DIR=plain APP=my-app NS=my-app
	is "$RC" 1 "make diff before the first sync: things differ, exit 1 as gitops-diff (not make's 2)"
	is "$(jq -r .action <<<"$OUT" | sort -u | tr '\n' ' ')" "create " "and gitops-diff's Change records are on stdout"
	mk apply DIR=plain APP=my-app NS=my-app
	is "$RC" 0 "make apply syncs plain/ into the cluster" || echo "# $ERR"
	is "$(kube_get ConfigMap my-app my-app-config | jq -r .data.LOG_LEVEL)" info "the ConfigMap of plain/ is in the cluster"
	mk diff DIR=plain APP=my-app NS=my-app
	is "$RC:$(jq -r .action <<<"$OUT" | sort -u)" "0:unchanged" "make diff after the sync: nothing differs, exit 0" || echo "# $ERR"
	mk diff DIR=broken APP=my-app NS=my-app
	is "$RC" 2 "make diff of what fails to render: exit 2, not 1"
	before=$(kube_state | jq -c '[.items[] | "\(.kind)/\(.metadata.namespace)/\(.metadata.name)"] | sort')
	mk apply DIR=broken APP=my-app NS=my-app
	ok $((RC != 0 ? 0 : 1)) "make apply with a render that fails fails (pipefail)"
	is "$(kube_state | jq -c '[.items[] | "\(.kind)/\(.metadata.namespace)/\(.metadata.name)"] | sort')" "$before" \
		"and prunes nothing: a failed render is not an empty app"
	rm -rf broken

	# After make rollback (pushed), the working clone is behind: apply deploys origin's rollback.
	mk apply DIR=charts/my-app APP=my-app NS=my-app
	is "$RC" 0 "make apply of the chart after the rollback" || echo "# $ERR"
	is "$(image my-app)" "myregistry.azurecr.io/my-app:$(sed -n 's/^  tag: "\(.*\)".*/\1/p' "$MREPO/charts/my-app/values.yaml")" \
		"the cluster gets the rolled-back tag of origin, not the working tree's 1043"
	# An uncommitted edit is not deployed.
	sed -i 's/my-app:1042/my-app:9999/' plain/app.yaml
	mk apply DIR=plain APP=my-app NS=my-app
	is "$RC:$(image my-app)" "0:myregistry.azurecr.io/my-app:1042" "make apply ignores an uncommitted edit: origin's image stays"
	kube_log_clear
	mk apply DIR=plain APP=my-app NS=my-app LOCAL=1
	is "$RC" 2 "make apply LOCAL=1 with uncommitted changes: refused"
	like "$ERR" "uncommitted changes" "saying why"
	is "$(writes)" "" "and nothing was sent"
	git checkout -q plain/app.yaml
	mk apply DIR=plain APP=my-app NS=my-app LOCAL=1
	is "$RC" 2 "make apply LOCAL=1 behind origin: refused"
	like "$ERR" "1 commit\\(s\\) behind origin/HEAD: git pull" "saying why"
	is "$(writes)" "" "and nothing was sent"
	git pull -q --ff-only
	mk apply DIR=plain APP=my-app NS=my-app LOCAL=1
	is "$RC" 0 "make apply LOCAL=1 once the working tree is origin's" || echo "# $ERR"

	# A new overlay: its namespace does not exist yet (the example Applications say CreateNamespace=true).
	mk apply DIR=overlays/staging APP=my-app-staging NS=my-app-staging CREATE_NAMESPACE=
	ok $((RC != 0 ? 0 : 1)) "make apply CREATE_NAMESPACE= of a new overlay fails: no namespace"
	mk apply DIR=overlays/staging APP=my-app-staging NS=my-app-staging
	is "$RC" 0 "make apply creates the namespace by default, as the Application's CreateNamespace=true" || echo "# $ERR"
	is "$(kube_get Namespace '' my-app-staging | jq -r .metadata.name)" my-app-staging "the namespace is there"

	# APP=FILE: the Application's repository at its targetRevision, its namespace created
	cat >"$TMP/app-web.yaml" <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: my-app-web, namespace: argocd}
spec:
  project: default
  source: {repoURL: $TMP/remote.git, targetRevision: main, path: plain}
  destination: {server: https://kubernetes.default.svc, namespace: my-app-web}
  syncPolicy:
    automated: {prune: true}
    syncOptions: [CreateNamespace=true]
YAML
	mk apply APP="$TMP/app-web.yaml"
	is "$RC" 0 "make apply APP=FILE syncs the Application's source" || echo "# $ERR"
	is "$(kube_get Deployment my-app-web my-app | jq -r '.metadata.annotations["argocd.argoproj.io/tracking-id"]')" \
		"my-app-web:apps/Deployment:my-app-web/my-app" "into its destination namespace, tracked as the app"
	mk diff APP="$TMP/app-web.yaml"
	is "$RC:$(jq -r .action <<<"$OUT" | sort -u)" "0:unchanged" "make diff APP=FILE after the sync: exit 0" || echo "# $ERR"

	{
		# AGAINST: the working tree's render against a commit's, no cluster involved.
		gitops-set-image -q --file overlays/production/kustomization.yaml \
			--image myregistry.azurecr.io/my-app=myregistry.azurecr.io/my-app:1044 -o json >/dev/null
		git commit -qam "production: 1044"
		mk diff DIR=overlays/production APP=my-app-production NS=my-app-production AGAINST=HEAD~1
		is "$RC" 1 "make diff AGAINST=HEAD~1 after a tag bump: something differs (exit 1)"
		is "$(jq -r 'select(.action != "unchanged") | "\(.action) \(.ref.kind) \(.patch[0].path) \(.patch[0].value)"' <<<"$OUT")" \
			"update Deployment /spec/template/spec/containers/0/image myregistry.azurecr.io/my-app:1044" \
			"make diff AGAINST=HEAD~1: the one change is the Deployment's image, 1042 -> 1044"
		mk diff DIR=overlays/production APP=my-app-production NS=my-app-production AGAINST=HEAD
		is "$RC" 0 "make diff AGAINST=HEAD with a clean working tree: nothing differs"
	}
}
cd "$TOP" || exit 1

# --- examples/argocd ---------------------------------------------------------------------------

mkdir -p "$TMP/argocd"
run "$EX/argocd/generate" "$TMP/argocd"
is "$RC:$ERR" "0:" "examples/argocd/generate runs the tools without a message"
for f in repository-secret.yaml application-staging.yaml application-production.yaml; do
	run diff -u "$EX/argocd/$f" "$TMP/argocd/$f"
	is "$RC" 0 "examples/argocd/$f is what the tools generate today" || echo "$OUT" | sed 's/^/# /' | head -20
done
secret=$("$YAML2JSON" <"$EX/argocd/repository-secret.yaml")
is "$(jq -r '.stringData.password' <<<"$secret")" "$(cat "$EX/argocd/token.placeholder")" \
	"the Secret's password is the placeholder of token.placeholder"
like "$(cat "$EX/argocd/token.placeholder")" "^REPLACE-ME" "token.placeholder holds a placeholder, not a token"
is "$(jq -r '.metadata.labels["argocd.argoproj.io/secret-type"]' <<<"$secret")" repository \
	"the Secret is labelled as an Argo CD repository"
for env in staging production; do
	app=$("$YAML2JSON" <"$EX/argocd/application-$env.yaml")
	is "$(jq -r '"\(.kind) \(.spec.source.path) \(.spec.destination.namespace)"' <<<"$app")" \
		"Application overlays/$env my-app-$env" "application-$env.yaml deploys overlays/$env to my-app-$env"
	[ -d "$MREPO/$(jq -r .spec.source.path <<<"$app")" ]
	ok $? "application-$env.yaml's path exists in examples/manifest-repo"
	is "$(jq -r .spec.source.repoURL <<<"$app")" "$(jq -r .stringData.url <<<"$secret")" \
		"application-$env.yaml's repoURL is the URL the Secret registers"
done

done_testing
