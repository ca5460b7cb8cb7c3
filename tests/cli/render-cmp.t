#!/usr/bin/env bash
# render-cmp.t: gitops-render as an Argo CD Config Management Plugin, run the way the repo-server's
# sidecar runs examples/argocd-cmp/plugin.yaml: its generate command (command[0], then
# command[1:] + args) in the application's path of a checkout, with the build environment
# (ARGOCD_APP_NAME as "<namespace>_<name>", ARGOCD_APP_NAMESPACE = the destination, revision,
# source path and repo, KUBE_VERSION, KUBE_API_VERSIONS with group/version and group/version/Kind),
# spec.source.plugin.env as ARGOCD_ENV_<NAME> and parameters as PARAM_<NAME>[_<i>]
# (docs/argocd-formats.md, Config Management Plugins). The YAML it prints decodes to the objects the real helm or kustomize renders.
. "$(dirname "$0")/../lib.sh"

HELM=${GITOPS_HELM:-$("$TOP/tests/tools/helm")} || { echo "Bail out! no reference helm"; exit 1; }
command -v kubectl >/dev/null 2>&1 || { echo "Bail out! no kubectl on PATH (run tests/tools/deps)"; exit 1; }
EX=$TOP/examples/argocd-cmp
Y2J=$BUILD/tests/yaml2json

export HOME=$TMP/home CLOUDSDK_CONFIG=$TMP/gcloud KUBECONFIG=$TMP/kubeconfig XDG_CACHE_HOME=$TMP/cache
export HELM_CONFIG_HOME=$TMP/helm/config HELM_CACHE_HOME=$TMP/helm/cache HELM_DATA_HOME=$TMP/helm/data
export TMPDIR=$TMP/tmpdir
unset KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN
mkdir -p "$HOME" "$TMPDIR" "$TMP/bin"
printf 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n' >"$KUBECONFIG"
# The sidecar image has helm on PATH.
ln -s "$HELM" "$TMP/bin/helm"
export PATH=$TMP/bin:$PATH

kdecode() {
	kubectl annotate --local -f - -o json zz- |
		jq -S -c 'if .kind == "List" then .items[] else . end
			| if .metadata.annotations == {} then del(.metadata.annotations) else . end'
}
kinds() { jq -r '"\(.kind)/\(.metadata.name)"' | paste -sd' '; }

# ---------------------------------------------------------------------------------------------
# plugin.yaml passes Argo CD's validation

PLUGIN=$("$Y2J" <"$EX/plugin.yaml")
is "$(jq -r '[.apiVersion, .kind, .metadata.name] | join(" ")' <<<"$PLUGIN")" \
	"argoproj.io/v1alpha1 ConfigManagementPlugin gitops-render" "plugin.yaml: kind and name as Argo CD requires"
GEN=$(jq -r '(.spec.generate.command + (.spec.generate.args // []))[]' <<<"$PLUGIN")
is "$(paste -sd' ' <<<"$GEN")" "gitops-render --cmp" "plugin.yaml: generate runs gitops-render --cmp"
is "$(jq -r '.spec.discover.fileName' <<<"$PLUGIN")" ".gitops-render" "plugin.yaml: discovers directories holding the marker file"
is "$(jq -r '[.spec.parameters.static[].name] | join(" ")' <<<"$PLUGIN")" \
	"type values-files release-name helm-set helm-set-string skip-crds enable-helm recurse" "plugin.yaml: the parameters it announces"

# A checkout of the manifest repo, as the repo-server has it
CO=$TMP/checkout
mkdir -p "$CO/apps" "$CO/plain/nested" "$CO/empty"
cp -r "$TOP/tests/fixtures/render-helm/guestbook" "$CO/apps/guestbook"
cp -r "$TOP/tests/fixtures/render-kustomize/shop" "$CO/apps/shop"
cp "$TOP/tests/fixtures/render/shop/00-namespace.yaml" "$CO/plain/"
cp "$TOP/tests/fixtures/render/shop/20-rbac.yaml" "$CO/plain/nested/"
echo "# nothing here" >"$CO/empty/notes.yaml"

# discover.fileName is a glob in the app's directory (Go's filepath.Glob: a name without
# metacharacters matches when the file exists). Argo CD asks it before its own Helm and Kustomize
# detection, so it must match only the directories that ask for the plugin, not every chart,
# overlay or manifest directory of the instance.
DISCOVER=$(jq -r .spec.discover.fileName <<<"$PLUGIN")
for d in apps/guestbook apps/shop/overlays/staging plain; do
	ok "$(cd "$CO/$d" && compgen -G '*.yaml' >/dev/null; echo $?)" "$d holds YAML files (what the old rule matched)"
	ok "$(cd "$CO/$d" && ! compgen -G "$DISCOVER" >/dev/null; echo $?)" "discover leaves $d (no marker) to Argo CD"
	: >"$CO/$d/.gitops-render"
	ok "$(cd "$CO/$d" && compgen -G "$DISCOVER" >/dev/null; echo $?)" "discover matches $d with the marker"
done

# argocd_generate APP_PATH [VAR=VALUE...]: the generate command in the app's path with Argo CD's
# build environment (and the given variables), stdin closed.
mapfile -t GEN_ARGV <<<"$GEN"
argocd_generate() {
	local path=$1
	shift
	(cd "$CO/$path" && env ARGOCD_APP_NAME=team-a_guestbook ARGOCD_APP_NAMESPACE=web ARGOCD_APP_PROJECT_NAME=default \
		ARGOCD_APP_REVISION=0123456789abcdef0123456789abcdef01234567 ARGOCD_APP_REVISION_SHORT=0123456 \
		ARGOCD_APP_REVISION_SHORT_8=01234567 ARGOCD_APP_SOURCE_REPO_URL=https://git.example.com/manifests.git \
		ARGOCD_APP_SOURCE_PATH="$path" ARGOCD_APP_SOURCE_TARGET_REVISION=main KUBE_VERSION=1.30.1 \
		KUBE_API_VERSIONS=apps/v1,apps/v1/Deployment,monitoring.coreos.com/v1,monitoring.coreos.com/v1/ServiceMonitor,v1,v1/ConfigMap \
		"$@" "${GEN_ARGV[@]}")
}
APIS=(--api-versions apps/v1 --api-versions apps/v1/Deployment --api-versions monitoring.coreos.com/v1
	--api-versions monitoring.coreos.com/v1/ServiceMonitor --api-versions v1 --api-versions v1/ConfigMap)

# ---------------------------------------------------------------------------------------------
# A Helm chart: release name from the app, destination namespace, Capabilities, values files

(cd "$CO/apps/guestbook" && "$HELM" template guestbook . --namespace web --include-crds --skip-tests \
	--kube-version 1.30.1 "${APIS[@]}") | kdecode >"$TMP/gb.want"
run argocd_generate apps/guestbook
is "$RC" 0 "helm app: exit 0" || echo "# $ERR"
is "$ERR" "" "helm app: nothing on stderr"
like "$OUT" "^apiVersion: " "helm app: YAML on stdout"
is "$(kdecode <<<"$OUT")" "$(cat "$TMP/gb.want")" \
	"helm app: the objects helm renders with the app's name, namespace, KUBE_VERSION and KUBE_API_VERSIONS"
cm=$(kdecode <<<"$OUT" | jq -c 'select(.kind == "ConfigMap")')
is "$(jq -r '"\(.data.METRICS) \(.data.KUBE_VERSION) \(.metadata.namespace)"' <<<"$cm")" "prometheus-operator v1.30.1 web" \
	"helm app: the environment reached the templates"
unlike "$OUT" "tracking-id" "no tracking added: Argo CD adds its own"
is "$(kdecode <<<"$OUT" | jq -r 'select(.kind == "Service") | .metadata.namespace // "-"' | paste -sd' ')" "- -" \
	"no namespace added: Argo CD sets the destination itself"

# YAML is the plugin's default, not a rule: -o json on the command line wins (it was ignored once)
run bash -c "cd '$CO/apps/guestbook' && ARGOCD_APP_NAME=guestbook ARGOCD_APP_NAMESPACE=web KUBE_VERSION=1.30.1 KUBE_API_VERSIONS=apps/v1,apps/v1/Deployment,monitoring.coreos.com/v1,monitoring.coreos.com/v1/ServiceMonitor,v1,v1/ConfigMap gitops-render --cmp -o json"
is "$RC:$(head -c 1 <<<"$OUT")" "0:{" "--cmp -o json: JSON Lines"
is "$(kdecode <<<"$OUT")" "$(cat "$TMP/gb.want")" "  the same objects"

# gitops-render without --cmp notices ARGOCD_APP_NAME when no DIR is given
run bash -c "cd '$CO/apps/guestbook' && ARGOCD_APP_NAME=guestbook ARGOCD_APP_NAMESPACE=web KUBE_VERSION=1.30.1 KUBE_API_VERSIONS=apps/v1,apps/v1/Deployment,monitoring.coreos.com/v1,monitoring.coreos.com/v1/ServiceMonitor,v1,v1/ConfigMap gitops-render"
is "$(kdecode <<<"$OUT")" "$(cat "$TMP/gb.want")" "ARGOCD_APP_NAME and no DIR: CMP mode without --cmp"

# plugin env (ARGOCD_ENV_*) and parameters (PARAM_*): values files, release name, --set
(cd "$CO/apps/guestbook" && "$HELM" template gb . --namespace web --include-crds --skip-tests --kube-version 1.30.1 \
	"${APIS[@]}" -f values-production.yaml -f values-noredis.yaml --set replicaCount=9 --set-string config.maxEntries=007) |
	kdecode >"$TMP/env.want"
run argocd_generate apps/guestbook ARGOCD_ENV_VALUES_FILES="values-production.yaml, values-noredis.yaml" \
	ARGOCD_ENV_RELEASE_NAME=gb ARGOCD_ENV_HELM_SET=replicaCount=9 ARGOCD_ENV_HELM_SET_STRING=config.maxEntries=007
is "$RC" 0 "plugin env: exit 0" || echo "# $ERR"
is "$(kdecode <<<"$OUT")" "$(cat "$TMP/env.want")" "plugin env: ARGOCD_ENV_VALUES_FILES, _RELEASE_NAME, _HELM_SET, _HELM_SET_STRING"
run argocd_generate apps/guestbook PARAM_VALUES_FILES_0=values-production.yaml PARAM_VALUES_FILES_1=values-noredis.yaml \
	PARAM_RELEASE_NAME=gb PARAM_HELM_SET_0=replicaCount=9 PARAM_HELM_SET_STRING_0=config.maxEntries=007 \
	ARGOCD_ENV_VALUES_FILES=values-nonexistent.yaml ARGOCD_ENV_RELEASE_NAME=ignored \
	ARGOCD_APP_PARAMETERS='[{"name":"values-files","array":["values-production.yaml","values-noredis.yaml"]},{"name":"release-name","string":"gb"}]'
is "$RC" 0 "parameters: exit 0" || echo "# $ERR"
is "$(kdecode <<<"$OUT")" "$(cat "$TMP/env.want")" "parameters: PARAM_* arrays and strings, and they win over ARGOCD_ENV_*"
run argocd_generate apps/guestbook PARAM_SKIP_CRDS=true
unlike "$(kdecode <<<"$OUT" | kinds)" "CustomResourceDefinition" "skip-crds=true leaves the CRDs out"

# A failing render: non-zero, the reason on stderr (Argo CD shows it), nothing on stdout
run argocd_generate apps/guestbook ARGOCD_ENV_VALUES_FILES=values-missing.yaml
is "$RC:$OUT" "2:" "a missing values file: exit 2, nothing on stdout"
like "$ERR" "values-missing.yaml" "a missing values file: helm's message on stderr"
run argocd_generate apps/guestbook PARAM_TYPE=bogus
is "$RC:$OUT" "2:" "a bad type parameter: exit 2"

# ---------------------------------------------------------------------------------------------
# A Kustomize overlay and plain manifests

kubectl kustomize "$CO/apps/shop/overlays/production" | kdecode >"$TMP/shop.want"
run argocd_generate apps/shop/overlays/production
is "$RC" 0 "kustomize app: exit 0" || echo "# $ERR"
is "$(kdecode <<<"$OUT")" "$(cat "$TMP/shop.want")" "kustomize app: the objects kustomize renders (../../base from the checkout)"
# The plugin makes the same engine choice as the command line: this overlay needs no kustomize.
mkdir -p "$TMP/logbin"
printf '#!/bin/sh\necho "$*" >>"%s/kubectl-calls.log"\nexec %s "$@"\n' "$TMP" "$(command -v kubectl)" >"$TMP/logbin/kubectl"
chmod +x "$TMP/logbin/kubectl"
run argocd_generate apps/shop/overlays/production PATH="$TMP/logbin:$PATH"
is "$(kdecode <<<"$OUT")" "$(cat "$TMP/shop.want")" "kustomize app, kubectl logged: the same objects"
ok "$([ ! -e "$TMP/kubectl-calls.log" ]; echo $?)" "kustomize app: built in-process (the native engine), kubectl not run"
run argocd_generate plain
is "$(kdecode <<<"$OUT" | kinds)" "Namespace/shop" "directory app: the top level only"
run argocd_generate plain ARGOCD_ENV_RECURSE=true
is "$(kdecode <<<"$OUT" | jq -r .kind | sort -u | paste -sd' ')" "$(gitops-render -o json --recurse "$CO/plain" | jq -r .kind | sort -u | paste -sd' ')" \
	"directory app: ARGOCD_ENV_RECURSE=true reads subdirectories"
run argocd_generate empty
is "$RC:$OUT" "2:" "an app with no objects: exit 2 (an empty stream would prune everything)"
like "$ERR" "no objects" "an app with no objects: said"
run argocd_generate empty PARAM_TYPE=directory ARGOCD_ENV_ALLOW_EMPTY=true
is "$RC" 2 "there is no environment switch for --allow-empty: only the plugin's own args can say it"
is "$(find "$TMPDIR" -mindepth 1 | wc -l)" 0 "no temporary files left"

# ---------------------------------------------------------------------------------------------
# The repo-server patch adds the sidecar with plugin.yaml mounted where cmp-server reads it

mkdir -p "$TMP/install"
cp "$EX/plugin.yaml" "$EX/repo-server-patch.yaml" "$TMP/install/"
cat >"$TMP/install/repo-server.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: argocd-repo-server
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: argocd-repo-server
  template:
    metadata:
      labels:
        app.kubernetes.io/name: argocd-repo-server
    spec:
      containers:
        - name: argocd-repo-server
          image: quay.io/argoproj/argocd:v3.1.0
      volumes:
        - name: var-files
          emptyDir: {}
        - name: plugins
          emptyDir: {}
EOF
sed -e 's|  - https://raw.githubusercontent.com/.*|  - repo-server.yaml|' "$EX/kustomization.yaml" >"$TMP/install/kustomization.yaml"
run kubectl kustomize "$TMP/install"
is "$RC" 0 "the example kustomization builds (the upstream install replaced by a stand-in)"
INST=$(kdecode <<<"$OUT")
is "$(jq -r 'select(.kind == "Deployment") | .spec.template.spec.containers[].name' <<<"$INST" | sort | paste -sd' ')" \
	"argocd-repo-server gitops-render" "the sidecar is added next to the repo-server"
is "$(jq -r 'select(.kind == "Deployment") | .spec.template.spec.containers[] | select(.name == "gitops-render") | .volumeMounts[] | select(.subPath == "plugin.yaml") | .mountPath' <<<"$INST")" \
	"/home/argocd/cmp-server/config/plugin.yaml" "plugin.yaml is mounted where cmp-server reads it"
is "$(jq -r 'select(.kind == "ConfigMap") | .data["plugin.yaml"]' <<<"$INST")" "$(cat "$EX/plugin.yaml")" \
	"the ConfigMap holds plugin.yaml as it is"

done_testing
