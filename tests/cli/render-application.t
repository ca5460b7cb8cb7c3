#!/usr/bin/env bash
# render-application.t: gitops-render --application FILE|NAME renders what the Argo CD Application
# says, from the real git server (tests/servers/git.sh): the same objects as gitops-render with the
# equivalent explicit flags, for a Helm chart with valueFiles + parameters (forceString) + inline
# values, a Kustomize overlay with images/namePrefix/commonLabels (Argo CD's kustomize edit on a
# copy), a directory with recurse/include, and a multi-source app whose values file comes from a
# `$values` ref source in another repository. Explicit flags win (and -v says so); a field the
# tools do not support is exit 2 naming the field and the file; an Application read from the
# cluster (the API stand-in) by name.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/git.sh"

HELM=${GITOPS_HELM:-$("$TOP/tests/tools/helm")} || { echo "Bail out! no reference helm"; exit 1; }
command -v kubectl >/dev/null 2>&1 || { echo "Bail out! no kubectl on PATH (run tests/tools/deps)"; exit 1; }

export HOME=$TMP/home XDG_CACHE_HOME=$TMP/cache TMPDIR=$TMP/tmpdir KUBECONFIG=$TMP/kubeconfig
unset KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME
mkdir -p "$HOME" "$TMPDIR"
printf 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n' >"$KUBECONFIG"

canon() { jq -S -c . | sort; }
tmp_left() { find "$TMPDIR" -mindepth 1 | wc -l; }

# ---------------------------------------------------------------------------------------------
# Two repositories: the manifests (a chart, an overlay, a plain tree) and a config repo of values

SRC=$TMP/src
mkdir -p "$SRC/apps" "$SRC/plain"
cp -r "$TOP/tests/fixtures/render-helm/guestbook" "$SRC/apps/guestbook"
cp -r "$TOP/tests/fixtures/render-kustomize/shop" "$SRC/apps/shop"
cp -r "$TOP/tests/fixtures/render/shop/." "$SRC/plain/"
CFG=$TMP/cfg
mkdir -p "$CFG/envs/prod"
printf 'replicaCount: 4\nconfig:\n  title: "From the config repo"\n' >"$CFG/envs/prod/guestbook.yaml"

git_server_start
git_cli_env
URL=$(git_repo_create manifests --from "$SRC")
CURL=$(git_repo_create config --from "$CFG")
export GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD
W=$TMP/work
git clone -q "$URL" "$W"
git -C "$W" tag v1 && git -C "$W" push -q origin v1
sed -i 's/^replicaCount: 1$/replicaCount: 2/' "$W/apps/guestbook/values.yaml"
git -C "$W" commit -qam "main moves on: 2 replicas" && git -C "$W" push -q origin main
git clone -q "$URL" "$TMP/checkout"
git -C "$TMP/checkout" -c advice.detachedHead=false checkout -q v1
CO=$TMP/checkout

R=(--helm "$HELM" -o json)
A=$TMP/apps
mkdir -p "$A"

# ---------------------------------------------------------------------------------------------
# Helm: valueFiles, parameters (one forceString), inline values, releaseName, skipCrds

cat >"$A/guestbook.yaml" <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: guestbook
  namespace: argocd
  finalizers: [resources-finalizer.argocd.argoproj.io]
spec:
  project: default
  source:
    repoURL: $URL
    targetRevision: v1
    path: apps/guestbook
    helm:
      releaseName: gb
      valueFiles:
        - values-production.yaml
      parameters:
        - name: image.tag
          value: "1.4.2"
        - name: config.greeting
          value: "true"
          forceString: true
      values: |
        podAnnotations:
          team: storefront
      skipCrds: true
  destination:
    server: https://kubernetes.default.svc
    namespace: guestbook
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [CreateNamespace=true]
    retry: {limit: 3}
YAML
printf 'podAnnotations:\n  team: storefront\n' >"$TMP/inline.yaml"
run gitops-render "${R[@]}" -n guestbook --app guestbook --release-name gb --skip-crds -f values-production.yaml \
	-f "$TMP/inline.yaml" --set image.tag=1.4.2 --set-string config.greeting=true "$CO/apps/guestbook"
is "$RC" 0 "helm, explicit flags on the checkout of v1: exit 0" || echo "# $ERR"
WANT=$(canon <<<"$OUT")
like "$OUT" 'team":"storefront' "the explicit render has the inline values"
run gitops-render "${R[@]}" --application "$A/guestbook.yaml"
is "$RC" 0 "helm --application: exit 0" || echo "# $ERR"
is "$(canon <<<"$OUT")" "$WANT" "helm --application: the objects of the explicit flags (valueFiles, parameters, values)"
is "$(jq -r 'select(.kind == "Deployment") | .metadata.annotations["argocd.argoproj.io/tracking-id"]' <<<"$OUT")" \
	"guestbook:apps/Deployment:guestbook/gb-guestbook" "tracked as the Application, in its destination namespace"
is "$(jq -r 'select(.kind == "ConfigMap" and (.data.GREETING != null)) | .data.GREETING' <<<"$OUT" | head -1)" "true" \
	"forceString: a string" || true
is "$(jq -s '[.[] | select(.kind == "CustomResourceDefinition")] | length' <<<"$OUT")" 0 "skipCrds: no CRD"
is "$(tmp_left)" 0 "no temp dir left behind"

# skipSchemaValidation: helm's --skip-schema-validation (a local copy of v1 with a schema: at most 10 replicas)
GBS=$TMP/gb-schema
cp -r "$CO/apps/guestbook" "$GBS"
printf '{"type": "object", "properties": {"replicaCount": {"type": "integer", "maximum": 10}}}\n' >"$GBS/values.schema.json"
sed 's/^      skipCrds: true$/      skipCrds: true\n      skipSchemaValidation: true/' "$A/guestbook.yaml" >"$TMP/gb-noschema.yaml"
run gitops-render "${R[@]}" --application "$A/guestbook.yaml" --path "$GBS" --set replicaCount=50
is "$RC" 2 "the schema refuses 50 replicas: exit 2"
run gitops-render "${R[@]}" --application "$TMP/gb-noschema.yaml" --path "$GBS" --set replicaCount=50
is "$RC" 0 "skipSchemaValidation: true: exit 0" || echo "# $ERR"
is "$(jq -r 'select(.kind == "Deployment") | .spec.replicas' <<<"$OUT")" 50 "skipSchemaValidation: the values go unchecked"
# skipTests: Argo CD runs helm template with --skip-tests only when it is true, so the test hooks are
# in its render otherwise (as in helm's own output, checked here); it never applies them (no sync
# phase) and leaves hooks out of its diff: the render leaves them out either way, and
# --skip-tests=false shows them
like "$("$HELM" template gb "$CO/apps/guestbook" -f "$CO/apps/guestbook/values-production.yaml")" 'helm.sh/hook.: test' \
	"helm template without --skip-tests renders the chart's test hook"
sed 's/^      skipCrds: true$/      skipCrds: true\n      skipTests: true/' "$A/guestbook.yaml" >"$TMP/gb-skiptests.yaml"
test_pods() { jq -r 'select(.metadata.annotations["helm.sh/hook"] == "test") | .metadata.name' <<<"$OUT" | paste -sd' '; }
run gitops-render "${R[@]}" --application "$TMP/gb-skiptests.yaml"
is "$RC:$(test_pods)" "0:" "skipTests: true: no test hook"
run gitops-render "${R[@]}" -v --application "$A/guestbook.yaml"
is "$RC:$(test_pods)" "0:" "skipTests unset: no test hook either (Argo CD never applies one)"
like "$ERR" "skipTests not set: the chart's test hooks left out all the same" "-v says so"
run gitops-render "${R[@]}" --application "$A/guestbook.yaml" --skip-tests=false
is "$RC:$(test_pods)" "0:gb-guestbook-test-connection" "--skip-tests=false: the test hook, as in Argo CD's render"

# valuesObject wins over values, as in Argo CD
sed 's/^      values: |$/      valuesObject: {podAnnotations: {team: objects}}\n      values: |/' "$A/guestbook.yaml" >"$TMP/gb-obj.yaml"
run gitops-render "${R[@]}" --application "$TMP/gb-obj.yaml"
like "$OUT" 'team":"objects' "valuesObject wins over values"

# explicit flags win, and -v says so
run gitops-render "${R[@]}" -v --application "$A/guestbook.yaml" --revision main --set replicaCount=3
is "$RC" 0 "--revision main over targetRevision v1: exit 0" || echo "# $ERR"
is "$(jq -r 'select(.kind == "Deployment") | .spec.replicas' <<<"$OUT")" 3 "--set wins over the parameters"
like "$ERR" "--revision main given: wins over the Application's targetRevision v1" "-v says the flag won"
like "$ERR" "parameters are not used" "-v says the parameters were not used"

# --path naming a local directory renders that checkout, not the repository
run gitops-render "${R[@]}" --application "$A/guestbook.yaml" --path "$CO/apps/guestbook"
is "$(canon <<<"$OUT")" "$WANT" "--path LOCALDIR: the local checkout with the Application's settings"

# a values file of an Application must stay inside the source, a local one too
sed 's|- values-production.yaml|- ../../../inline.yaml|' "$A/guestbook.yaml" >"$TMP/escape.yaml"
run gitops-render "${R[@]}" --application "$TMP/escape.yaml" --path "$CO/apps/guestbook"
is "$RC:$OUT" "2:" "an Application's values file outside a local source: exit 2, nothing on stdout"
like "$ERR" "inline.yaml" "named"
run gitops-render "${R[@]}" --application "$TMP/escape.yaml"
is "$RC:$OUT" "2:" "outside the repository: exit 2, nothing on stdout"

# ---------------------------------------------------------------------------------------------
# Kustomize: images, namePrefix, commonLabels, replicas, as kustomize edit on a copy

cat >"$A/shop.yaml" <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop-staging, namespace: argocd}
spec:
  project: default
  source:
    repoURL: $URL
    targetRevision: v1
    path: apps/shop/overlays/staging
    kustomize:
      namePrefix: blue-
      images:
        - registry.example.com/shop/web:2.0.0
        - registry.example.com/shop/sidecar=mirror.example.com/sidecar:9
      commonLabels:
        tier: web
      replicas:
        - {name: shop, count: 4}
      patches:
        - target: {kind: Service, name: shop}
          patch: |-
            - op: add
              path: /metadata/annotations
              value: {example.com/owner: blue-team}
  destination: {name: in-cluster, namespace: shop-staging}
YAML
E=$TMP/edited
cp -r "$CO" "$E"
cat >>"$E/apps/shop/overlays/staging/kustomization.yaml" <<'YAML'
commonLabels:
  tier: web
replicas:
  - {name: shop, count: 4}
YAML
sed -i 's|^  - path: replicas.yaml$|  - path: replicas.yaml\n  - target: {kind: Service, name: shop}\n    patch: \|-\n      - op: add\n        path: /metadata/annotations\n        value: {example.com/owner: blue-team}|' \
	"$E/apps/shop/overlays/staging/kustomization.yaml"
sed -i 's/^namePrefix: staging-$/namePrefix: blue-/; s/newTag: 1.1.0-rc.2/newTag: 2.0.0\n  - name: registry.example.com\/shop\/sidecar\n    newName: mirror.example.com\/sidecar\n    newTag: "9"/' \
	"$E/apps/shop/overlays/staging/kustomization.yaml"
for engine in native exec; do
	run gitops-render "${R[@]}" --engine "$engine" -n shop-staging --app shop-staging "$E/apps/shop/overlays/staging"
	is "$RC" 0 "kustomize ($engine), the overlay edited by hand: exit 0" || echo "# $ERR"
	WANT=$(canon <<<"$OUT")
	like "$OUT" '"name":"blue-shop' "the hand-edited overlay has the prefix ($engine)"
	run gitops-render "${R[@]}" --engine "$engine" --application "$A/shop.yaml"
	is "$RC" 0 "kustomize --application ($engine): exit 0" || echo "# $ERR"
	is "$(canon <<<"$OUT")" "$WANT" "kustomize --application ($engine): the objects of the edited overlay"
done
like "$(jq -r 'select(.kind == "Deployment") | .spec.template.spec.containers[0].image' <<<"$OUT")" \
	'registry.example.com/shop/web:2.0.0' "images: the new tag"
is "$(jq -r 'select(.kind == "Deployment") | .spec.replicas' <<<"$OUT")" 4 "replicas"
is "$(jq -r 'select(.kind == "Service") | .metadata.annotations["example.com/owner"]' <<<"$OUT")" blue-team "patches"
# a local overlay is edited in a copy, never in place
run gitops-render "${R[@]}" --application "$A/shop.yaml" --path "$CO/apps/shop/overlays/staging"
is "$(canon <<<"$OUT")" "$WANT" "--path LOCALDIR overlay: the same objects"
is "$(git -C "$CO" status --porcelain)" "" "the local checkout is not written to"
is "$(tmp_left)" 0 "no temp dir left behind"

# ---------------------------------------------------------------------------------------------
# Directory: recurse, include, exclude

cat >"$A/plain.yaml" <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: plain, namespace: argocd}
spec:
  source:
    repoURL: $URL
    targetRevision: HEAD
    path: plain
    directory:
      recurse: true
      include: '{api/*,web/*}'
      exclude: '*.yml'
  destination: {server: https://kubernetes.default.svc, namespace: shop}
YAML
run gitops-render "${R[@]}" -n shop --app plain --recurse --include '{api/*,web/*}' --exclude '*.yml' "$CO/plain"
is "$RC" 0 "directory, explicit flags: exit 0" || echo "# $ERR"
WANT=$(canon <<<"$OUT")
run gitops-render "${R[@]}" --application "$A/plain.yaml"
is "$RC" 0 "directory --application: exit 0" || echo "# $ERR"
is "$(canon <<<"$OUT")" "$WANT" "directory --application: the objects of --recurse --include --exclude"
WANT_PLAIN=$WANT
# path "." is the repository's root
sed 's|^    path: plain$|    path: .|; s|include: .*|include: "plain/api/*"|' "$A/plain.yaml" >"$TMP/root.yaml"
run gitops-render "${R[@]}" -n shop --app plain --recurse --include 'plain/api/*' --exclude '*.yml' --repo "$URL"
WANT=$(canon <<<"$OUT")
run gitops-render "${R[@]}" --application "$TMP/root.yaml"
is "$RC:$(canon <<<"$OUT")" "0:$WANT" "path: . is the repository's root" || echo "# $ERR"

# ---------------------------------------------------------------------------------------------
# Multi-source: the chart from the manifests repo, a values file from the config repo's `$values`

cat >"$A/multi.yaml" <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: guestbook-prod, namespace: argocd}
spec:
  project: default
  sources:
    - repoURL: $URL
      targetRevision: v1
      path: apps/guestbook
      helm:
        valueFiles:
          - values-production.yaml
          - \$values/envs/prod/guestbook.yaml
          - \$values/envs/prod/missing.yaml
        ignoreMissingValueFiles: true
    - repoURL: $CURL
      targetRevision: main
      ref: values
  destination: {server: https://kubernetes.default.svc, namespace: guestbook}
YAML
run gitops-render "${R[@]}" -n guestbook --app guestbook-prod -f values-production.yaml \
	-f "$CFG/envs/prod/guestbook.yaml" "$CO/apps/guestbook"
WANT=$(canon <<<"$OUT")
run gitops-render "${R[@]}" --application "$A/multi.yaml"
is "$RC" 0 "multi-source with a \$values ref: exit 0" || echo "# $ERR"
is "$(canon <<<"$OUT")" "$WANT" "multi-source: the objects of the values file from the ref source"
is "$(jq -r 'select(.kind == "Deployment") | .spec.replicas' <<<"$OUT")" 4 "the config repo's replicaCount"
# two sources that render: the chart and a plain directory, together, tracked as one app
cat >"$A/two.yaml" <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop-all, namespace: argocd}
spec:
  sources:
    - {repoURL: $URL, targetRevision: v1, path: apps/guestbook, helm: {releaseName: gb}}
    - {repoURL: $URL, targetRevision: v1, path: plain/api}
  destination: {server: https://kubernetes.default.svc, namespace: shop}
YAML
run gitops-render "${R[@]}" -n shop --app shop-all --release-name gb "$CO/apps/guestbook"
want_two=$OUT
run gitops-render "${R[@]}" -n shop --app shop-all "$CO/plain/api"
want_two+=$'\n'$OUT
run gitops-render "${R[@]}" --application "$A/two.yaml"
is "$RC" 0 "two sources that render: exit 0" || echo "# $ERR"
is "$(canon <<<"$OUT")" "$(canon <<<"$want_two")" "two sources: the objects of both renders, one app"
sed -i '/ignoreMissingValueFiles/d' "$A/multi.yaml"
run gitops-render "${R[@]}" --application "$A/multi.yaml"
is "$RC" 2 "a missing \$values file without ignoreMissingValueFiles: exit 2"
like "$ERR" "missing.yaml': no such file at main" "named"
is "$OUT" "" "nothing on stdout"

# ---------------------------------------------------------------------------------------------
# A plugin source naming this plugin (examples/argocd-cmp): its env and parameters as the plugin's
# generate command reads them (ARGOCD_ENV_<NAME>, PARAM_<NAME>_<i>): the objects of the flags

cat >"$TMP/plugin.yaml" <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: guestbook, namespace: argocd}
spec:
  source:
    repoURL: $URL
    targetRevision: v1
    path: apps/guestbook
    plugin:
      name: gitops-render
      parameters:
        - {name: values-files, array: [values-production.yaml]}
        - {name: helm-set, array: [image.tag=1.4.2, replicaCount=4]}
        - {name: skip-crds, string: "true"}
      env:
        - {name: RELEASE_NAME, value: gb}
  destination: {server: "https://kubernetes.default.svc", namespace: guestbook}
YAML
run gitops-render "${R[@]}" -n guestbook --app guestbook --release-name gb --skip-crds -f values-production.yaml \
	--set image.tag=1.4.2 --set replicaCount=4 "$CO/apps/guestbook"
is "$RC" 0 "plugin: the explicit flags: exit 0" || echo "# $ERR"
WANT=$(canon <<<"$OUT")
PARAM_HELM_SET=ignored ARGOCD_ENV_TYPE=directory run gitops-render "${R[@]}" --application "$TMP/plugin.yaml"
is "$RC" 0 "--application, plugin gitops-render: exit 0 (the caller's PARAM_/ARGOCD_ENV_ variables not read)" || echo "# $ERR"
is "$(canon <<<"$OUT")" "$WANT" "plugin: the objects of the explicit flags (values-files, helm-set, skip-crds, RELEASE_NAME)"
is "$(jq -r 'select(.kind == "Deployment") | .spec.replicas' <<<"$OUT")" 4 "the array parameter applied"
sed 's/name: gitops-render$/name: my-plugin-v1.0/' "$TMP/plugin.yaml" >"$TMP/plugin-other.yaml"
run gitops-render "${R[@]}" --application "$TMP/plugin-other.yaml"
is "$RC" 2 "another plugin: exit 2"
like "$ERR" "plugin-other.yaml:1: application guestbook: spec.source.plugin.name my-plugin-v1.0: not supported: only the gitops-render plugin renders here" \
	"the field, the file and why"
sed '/name: gitops-render$/d' "$TMP/plugin.yaml" >"$TMP/plugin-noname.yaml"
run gitops-render "${R[@]}" --application "$TMP/plugin-noname.yaml"
is "$RC" 2 "a plugin without a name (discovered): exit 2"
like "$ERR" "spec.source.plugin: no name \\(a plugin Argo CD discovers\\): name the plugin \\(gitops-render\\)" "said"
sed 's/value: gb}/value: $ARGOCD_APP_NAME}/' "$TMP/plugin.yaml" >"$TMP/plugin-var.yaml"
run gitops-render "${R[@]}" --application "$TMP/plugin-var.yaml"
is "$RC" 2 "an env value with a \$VARIABLE: exit 2"
like "$ERR" "spec.source.plugin.env\\[0\\].value: a .VARIABLE in it: not supported" "said"

# ---------------------------------------------------------------------------------------------
# What is not supported is refused, naming the field and the file

bad() { # bad NAME SED-EXPR FIELD-REGEX
	sed "$2" "$A/guestbook.yaml" >"$TMP/bad-$1.yaml"
	run gitops-render "${R[@]}" --application "$TMP/bad-$1.yaml"
	is "$RC" 2 "$1: exit 2"
	like "$ERR" "bad-$1.yaml:1: application guestbook: $3" "$1: the field and the file are named"
	is "$OUT" "" "$1: nothing on stdout"
}
bad unknown-helm 's/^      skipCrds: true$/      skipCrds: true\n      valuesFromTheFuture: 1/' 'spec.source.helm.valuesFromTheFuture: not supported'
bad jsonnet 's/^    helm:$/    directory: {jsonnet: {libs: [x]}}\n    helm:/' 'spec.source.directory.jsonnet: not supported'
bad chart-valuefiles 's|^    path: apps/guestbook$|    chart: guestbook|' \
	"spec.source.helm.valueFiles 'values-production.yaml': a file inside a chart from a Helm repository: not supported"
bad sync-option 's/CreateNamespace=true/CreateNamespaces=true/' 'spec.syncPolicy.syncOptions\[0\]: not an Argo CD sync option'
bad jq 's/^  syncPolicy:$/  ignoreDifferences:\n    - {kind: Deployment, jqPathExpressions: [".spec.template.spec.containers[] | select(.name == \\"x\\")"]}\n  syncPolicy:/' \
	'spec.ignoreDifferences\[0\].jqPathExpressions\[0\]: .*select.*write it as jsonPointers'
bad dest 's|^    server: https://kubernetes.default.svc$|    server: https://kubernetes.default.svc\n    name: in-cluster|' "spec.destination: can't have both name and server"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' >"$TMP/none.yaml"
run gitops-render "${R[@]}" --application "$TMP/none.yaml"
is "$RC" 2 "a file without an Application: exit 2"
like "$ERR" "no Application" "said"
cat "$A/guestbook.yaml" "$A/plain.yaml" | sed '0,/^kind: Application/!{/^apiVersion: argoproj/i ---
}' >"$TMP/two.yaml"
run gitops-render "${R[@]}" --application "$TMP/two.yaml"
is "$RC" 2 "two Applications for --application: exit 2"
like "$ERR" "holds 2 Applications" "said"

# an Application on standard input
run gitops-render "${R[@]}" --application - <"$A/plain.yaml"
is "$RC" 0 "--application -: exit 0" || echo "# $ERR"

# ---------------------------------------------------------------------------------------------
# --applications: an app-of-apps directory in one run, each object tagged with its app

M=$TMP/many
mkdir -p "$M"
cp "$A/guestbook.yaml" "$A/shop.yaml" "$A/plain.yaml" "$M/"
echo "not an app" >"$M/README.md"
want_many=
for f in guestbook shop plain; do
	run gitops-render "${R[@]}" --application "$M/$f.yaml"
	want_many+="$OUT"$'\n'
done
run gitops-render "${R[@]}" -v --applications "$M"
is "$RC" 0 "--applications DIR: exit 0" || echo "# $ERR"
is "$(canon <<<"$OUT")" "$(canon <<<"$want_many")" "--applications: the objects of each --application, together"
is "$(jq -r '.metadata.annotations["argocd.argoproj.io/tracking-id"] // "-" | split(":")[0]' <<<"$OUT" | sort -u | paste -sd' ')" \
	"guestbook plain shop-staging" "each object tracked as its app"
like "$ERR" "3 applications \(3 renders\), [0-9]+ at a time" "-v: in parallel"
run gitops-render "${R[@]}" --applications - < <(cat "$M/guestbook.yaml"; echo ---; cat "$M/plain.yaml")
is "$RC" 0 "--applications -: exit 0" || echo "# $ERR"
is "$(jq -r '.metadata.annotations["argocd.argoproj.io/tracking-id"] // "-" | split(":")[0]' <<<"$OUT" | sort -u | paste -sd' ')" \
	"guestbook plain" "the two apps of the stream"
# one app that fails fails the run, naming it, with nothing on stdout
cp "$A/multi.yaml" "$M/zz-broken.yaml"
run gitops-render "${R[@]}" --applications "$M"
is "$RC" 2 "one app fails: exit 2"
like "$ERR" "application guestbook-prod: .*missing.yaml" "the failing app is named"
is "$OUT" "" "nothing on stdout"
rm "$M/zz-broken.yaml"
is "$(tmp_left)" 0 "no temp dir left behind"

# With --repo URL --revision REV: DIR read from the repository at REV, and the apps of that
# repository rendered at REV (a pull request's preview), other repositories at their own revision
git -C "$W" checkout -q -b pr
mkdir -p "$W/argocd"
sed "s|targetRevision: v1|targetRevision: main|" "$A/guestbook.yaml" >"$W/argocd/guestbook.yaml"
cp "$A/plain.yaml" "$W/argocd/plain.yaml"
sed -i 's/^  replicas: 3$/  replicas: 7/' "$W/plain/api/deployment.yaml"
git -C "$W" add -A && git -C "$W" commit -qm "PR: the apps, api at 7 replicas" && git -C "$W" push -q origin pr
run gitops-render "${R[@]}" --repo "$URL" --revision pr --applications argocd
is "$RC" 0 "--repo --revision pr --applications argocd: exit 0" || echo "# $ERR"
is "$(jq -r 'select(.kind == "Deployment" and .metadata.name == "api") | .spec.replicas' <<<"$OUT")" 7 \
	"the app of the same repository renders at the PR's revision"
is "$(jq -r 'select(.kind == "Deployment" and .metadata.name == "gb-guestbook") | .spec.replicas' <<<"$OUT")" 3 \
	"guestbook (targetRevision main) at the PR's revision too: its production values"
run gitops-render "${R[@]}" --repo "$URL" --revision main --applications argocd
is "$RC" 2 "no argocd/ on main: exit 2"
like "$ERR" "no directory 'argocd' at main" "said"
run gitops-render "${R[@]}" --applications "$M" --path apps
is "$RC" 2 "--applications with --path: exit 2"

# ---------------------------------------------------------------------------------------------
# From the cluster, by name: one kubectl get in argocd, with the kube connection flags

. "$TOP/tests/servers/kube.sh"
kube_start
cat >"$TMP/crd.yaml" <<'YAML'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: applications.argoproj.io}
spec:
  group: argoproj.io
  names: {kind: Application, plural: applications, singular: application, listKind: ApplicationList}
  scope: Namespaced
  versions: [{name: v1alpha1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]
YAML
kubectl apply --server-side -f "$TMP/crd.yaml" >/dev/null 2>&1
kubectl create namespace argocd >/dev/null 2>&1
kubectl apply --server-side -f "$A/plain.yaml" >/dev/null 2>"$TMP/apply.err" || cat "$TMP/apply.err" | _diag
run gitops-render "${R[@]}" --application plain
is "$RC" 0 "--application NAME from the cluster: exit 0" || echo "# $ERR"
is "$(canon <<<"$OUT")" "$WANT_PLAIN" "the objects of the file" || true
run gitops-render "${R[@]}" --application nosuchapp
is "$RC" 2 "an Application not in the cluster: exit 2"
like "$ERR" "nosuchapp: not found in namespace argocd" "said"
run gitops-render "${R[@]}" --application plain --context nosuchcontext
is "$RC" 3 "an unknown --context: exit 3 (the cluster is not reached)"

done_testing
