#!/usr/bin/env bash
# render-kustomize.t: gitops-render on Kustomize overlays, with the real kustomize (kubectl 1.32's
# built-in v5.5.0) as the engine and as the oracle: for a base and two overlays (patches, images,
# a configMapGenerator with merge, namePrefix, namespace, a JSON 6902 patch), the objects
# gitops-render writes equal what `kubectl kustomize` prints, decoded by kubectl.
. "$(dirname "$0")/../lib.sh"

FIX=$TOP/tests/fixtures/render-kustomize
SHOP=$FIX/shop
HELM=${GITOPS_HELM:-$("$TOP/tests/tools/helm")} || { echo "Bail out! no reference helm"; exit 1; }
command -v kubectl >/dev/null 2>&1 || { echo "Bail out! no kubectl on PATH (run tests/tools/deps)"; exit 1; }

export HOME=$TMP/home CLOUDSDK_CONFIG=$TMP/gcloud KUBECONFIG=$TMP/kubeconfig XDG_CACHE_HOME=$TMP/cache
export HELM_CONFIG_HOME=$TMP/helm/config HELM_CACHE_HOME=$TMP/helm/cache HELM_DATA_HOME=$TMP/helm/data
export TMPDIR=$TMP/tmpdir
unset KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT
mkdir -p "$HOME" "$TMPDIR"
kubectl_offline
# Without a standalone kustomize, gitops-render falls back to `kubectl kustomize`; $TMP/path is
# where a test puts one.
KUBECTL=$(command -v kubectl)
mkdir -p "$TMP/path"
export PATH=$TMP/path:$PATH
command -v kustomize >/dev/null 2>&1 && { echo "Bail out! a kustomize binary is on PATH; this test wants kubectl's"; exit 1; }

kdecode() {
	kubectl annotate --local -f - -o json zz- |
		jq -S -c 'if .kind == "List" then .items[] else . end
			| if .metadata.annotations == {} then del(.metadata.annotations) else . end'
}
canon() { jq -S -c .; }
kinds() { jq -r '"\(.kind)/\(.metadata.name)@\(.metadata.namespace // "-")"' | paste -sd' '; }
same() { # NAME EXPECTED-FILE ARGS...
	local name=$1 want=$2
	shift 2
	run gitops-render -o json "$@"
	is "$RC" 0 "$name: exit 0" || echo "# $ERR"
	is "$(canon <<<"$OUT")" "$(cat "$want")" "$name: the objects kustomize prints"
}

# ---------------------------------------------------------------------------------------------
# The base and both overlays

for d in base overlays/staging overlays/production; do
	kubectl kustomize "$SHOP/$d" | kdecode >"$TMP/want"
	same "$d" "$TMP/want" "$SHOP/$d"
	is "$ERR" "" "$d: nothing on stderr"
done
is "$(kinds <<<"$OUT")" \
	"ConfigMap/shop-config-8c5m425574@shop-prod Service/shop@shop-prod Deployment/shop@shop-prod HorizontalPodAutoscaler/shop@shop-prod" \
	"production: kustomize's order, the generated name with its hash, the overlay's namespace"
dep=$(jq -c 'select(.kind == "Deployment")' <<<"$OUT")
is "$(jq -r '.spec.template.spec.containers[0].image' <<<"$dep")" \
	"registry.example.com/shop/web-hardened@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945" \
	"production: images: newName and digest"
is "$(jq -r '"\(.spec.replicas) \(.spec.template.spec.containers[0].resources.requests.cpu) \(.spec.template.spec.containers[0].envFrom[0].configMapRef.name)"' <<<"$dep")" \
	"4 500m shop-config-8c5m425574" "production: the strategic merge patch, and the reference to the generated ConfigMap"
is "$(jq -r 'select(.kind == "ConfigMap") | .data | "\(.LOG_LEVEL) \(.FEATURE_CART) \(.TIMEOUT_SECONDS) \(.REGION)"' <<<"$OUT")" \
	"warn on 030 eu-west-1" "production: configMapGenerator merge; literals stay strings"
is "$(jq -r 'select(.kind == "Service") | .spec.type' <<<"$OUT")" "LoadBalancer" "production: the JSON 6902 patch"

# --app and --namespace: an overlay's own namespace wins, tracking on every object
run gitops-render -o json --app shop -n other "$SHOP/overlays/staging"
is "$RC" 0 "--app: exit 0"
is "$(jq -r '.metadata.annotations["argocd.argoproj.io/tracking-id"]' <<<"$OUT" | paste -sd' ')" \
	"shop:/ConfigMap:shop-staging/staging-shop-config-dm849dh4f5 shop:/Service:shop-staging/staging-shop shop:apps/Deployment:shop-staging/staging-shop" \
	"--app: Argo CD tracking ids, in the overlay's namespace"
run gitops-render -o json -n other "$SHOP/base"
is "$(kinds <<<"$OUT")" "ConfigMap/shop-config-mk89b4t426@other Service/shop@other Deployment/shop@other" \
	"-n: the destination namespace where the overlay sets none"

# ---------------------------------------------------------------------------------------------
# The engine: kustomize when on PATH (preferred), else kubectl; --kustomize names one

cat >"$TMP/path/kustomize" <<EOF
#!/bin/sh
echo "\$*" >>"$TMP/kustomize-calls.log"
[ "\$1" = build ] || exit 3
shift
exec "$KUBECTL" kustomize "\$@"
EOF
chmod +x "$TMP/path/kustomize"
kubectl kustomize "$SHOP/overlays/staging" | kdecode >"$TMP/staging.want"
same "a kustomize on PATH" "$TMP/staging.want" --engine exec "$SHOP/overlays/staging"
is "$(cat "$TMP/kustomize-calls.log")" "build -- ." "a kustomize binary on PATH is preferred, run as kustomize build -- ."
same "--engine auto: the same objects" "$TMP/staging.want" "$SHOP/overlays/staging"
is "$(cat "$TMP/kustomize-calls.log")" "build -- ." "--engine auto: kustomize not run (the native engine does all the overlay uses)"
rm "$TMP/path/kustomize"
same "--kustomize kubectl" "$TMP/staging.want" --engine exec --kustomize kubectl "$SHOP/overlays/staging"
run env PATH=/nonexistent "$BIN/gitops-render" --engine exec "$SHOP/base"
is "$RC:$OUT" "2:" "--engine exec, no kustomize or kubectl: exit 2"
is "$ERR" "gitops-render: kustomize not found on PATH: install kustomize or kubectl (which has it built in), or name the binary with --kustomize PATH" \
	"--engine exec, no kustomize or kubectl: what to install"
kubectl kustomize "$SHOP/base" | kdecode >"$TMP/base.want"
run env PATH=/nonexistent "$BIN/gitops-render" -o json "$SHOP/base"
is "$RC" 0 "no kustomize or kubectl: the base needs neither (the native engine does all it uses)"
is "$(canon <<<"$OUT")" "$(cat "$TMP/base.want")" "no kustomize or kubectl: the objects kustomize prints"

# --load-restrictor is passed through
mkdir -p "$TMP/lr/app" "$TMP/lr/shared"
cp "$SHOP/base/deployment.yaml" "$TMP/lr/shared/"
printf 'resources:\n  - ../shared/deployment.yaml\n' >"$TMP/lr/app/kustomization.yaml"
run gitops-render "$TMP/lr/app"
is "$RC:$OUT" "2:" "a file outside the root: exit 2 (kustomize's default restrictor), nothing on stdout"
like "$ERR" "kustomize build failed \(exit 1\):" "it says kustomize failed"
like "$ERR" "gitops-render: kubectl: .*security; file .*shared/deployment.yaml.* is not in or below" "kustomize's own message"
kubectl kustomize --load-restrictor LoadRestrictionsNone "$TMP/lr/app" | kdecode >"$TMP/lr.want"
same "--load-restrictor LoadRestrictionsNone" "$TMP/lr.want" --load-restrictor LoadRestrictionsNone "$TMP/lr/app"
run gitops-render --load-restrictor bogus "$TMP/lr/app"
is "$RC" 2 "--load-restrictor bogus: exit 2"

# --enable-helm: a helmCharts entry rendered by the helm given with --helm
mkdir -p "$TMP/kh/charts"
cp -r "$TOP/tests/fixtures/render-helm/guestbook" "$TMP/kh/charts/"
cat >"$TMP/kh/kustomization.yaml" <<'EOF'
namespace: books
helmGlobals:
  chartHome: charts
helmCharts:
  - name: guestbook
    releaseName: books
    includeCRDs: true
    valuesInline:
      replicaCount: 2
EOF
kubectl kustomize --enable-helm --helm-command "$HELM" "$TMP/kh" | kdecode >"$TMP/kh.want"
same "--enable-helm" "$TMP/kh.want" --enable-helm --helm "$HELM" "$TMP/kh"
like "$(kinds <<<"$OUT")" "Deployment/books-guestbook@books" "--enable-helm: the chart is in the output"
run gitops-render --helm "$HELM" "$TMP/kh"
is "$RC:$OUT" "2:" "helmCharts without --enable-helm: kustomize refuses, exit 2"

# ---------------------------------------------------------------------------------------------
# --engine: auto says with -v what it chose and why; native refuses what it leaves to kustomize

run gitops-render -v -o json "$SHOP/overlays/production"
like "$ERR" "kustomize: the native engine built $SHOP/overlays/production" "-v: auto built the overlay natively"
unlike "$ERR" "running kustomize" "-v: and did not run kustomize"
run gitops-render -v -o json --enable-helm --helm "$HELM" "$TMP/kh"
is "$(canon <<<"$OUT")" "$(cat "$TMP/kh.want")" "auto with helmCharts: kustomize's objects"
like "$ERR" "kustomize: $TMP/kh/kustomization.yaml: the kustomization field 'helmGlobals' is not supported by the native engine: running kustomize" \
	"-v: auto names the field and file it leaves to kustomize"
run gitops-render --engine native --enable-helm --helm "$HELM" "$TMP/kh"
is "$RC:$OUT" "2:" "--engine native with helmCharts: exit 2, nothing on stdout"
is "$ERR" "gitops-render: $TMP/kh: the native kustomize engine: $TMP/kh/kustomization.yaml: the kustomization field 'helmGlobals' is not supported by the native engine" \
	"--engine native: names the field and the file"
mkdir -p "$TMP/gone"
printf 'resources:\n  - gone.yaml\n' >"$TMP/gone/kustomization.yaml"
run gitops-render --engine native "$TMP/gone"
is "$RC:$OUT" "2:" "--engine native, a resource that is missing: exit 2"
like "$ERR" "the native kustomize engine: .*gone.yaml" "--engine native, a resource that is missing: names it"
run gitops-render --engine bogus "$SHOP/base"
is "$RC:$OUT" "2:" "--engine bogus: exit 2"
like "$ERR" "use auto, native or exec" "--engine bogus: the choices"

# ---------------------------------------------------------------------------------------------
# Detection and --type

for name in kustomization.yml Kustomization; do
	mkdir -p "$TMP/det-$name"
	cp "$SHOP/base/deployment.yaml" "$TMP/det-$name/"
	printf 'resources:\n  - deployment.yaml\nnamePrefix: det-\n' >"$TMP/det-$name/$name"
	run gitops-render -o json "$TMP/det-$name"
	is "$RC:$(kinds <<<"$OUT")" "0:Deployment/det-shop@-" "$name is detected as kustomize"
done
run gitops-render -o json --type directory "$TMP/det-Kustomization"
is "$RC:$(kinds <<<"$OUT")" "0:Deployment/shop@-" "--type directory reads the files as they are"
run gitops-render --type bogus "$SHOP/base"
is "$RC" 2 "--type bogus: exit 2"
like "$ERR" "use directory, helm or kustomize" "--type bogus: the choices"

# The native engine's objects come back from its child as trees in shared memory; when they do not
# fit (the memory is --max-render-size bytes, the trees are larger than their text) or other limits
# than the engine's apply, as JSON Lines: the same objects either way, and the limit still holds.
mkdir -p "$TMP/many"
{ printf 'namePrefix: p-\nresources:\n- cms.yaml\n'; } >"$TMP/many/kustomization.yaml"
for i in $(seq 1 200); do printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\ndata:\n  k: v\n' "$i"; done \
	>"$TMP/many/cms.yaml"
run gitops-render --engine native -o json "$TMP/many"
is "$RC:$(grep -c '"name":"p-cm-' <<<"$OUT")" "0:200" "native: 200 objects"
shared=$OUT
size=$(printf '%s\n' "$OUT" | wc -c)
run gitops-render --engine native -o json --max-render-size $((size + 8)) "$TMP/many"
is "$RC:$OUT" "0:$shared" "native: the trees do not fit in --max-render-size: the text, the same objects"
run gitops-render --engine native -o json --max-depth 100 "$TMP/many"
is "$RC:$OUT" "0:$shared" "native: --max-depth other than the default: read as text again, the same objects"
run gitops-render --engine native -o json --max-render-size $((size - 8)) "$TMP/many"
is "$RC:$OUT" "2:" "native: output larger than --max-render-size: exit 2"
like "$ERR" "output is larger than $((size - 8)) bytes" "native: said so"

# ---------------------------------------------------------------------------------------------
# Failures and empty renders

mkdir -p "$TMP/broken"
printf 'resources:\n  - missing.yaml\n' >"$TMP/broken/kustomization.yaml"
run gitops-render "$TMP/broken"
is "$RC:$OUT" "2:" "a broken kustomization: exit 2, nothing on stdout"
like "$ERR" "missing.yaml" "a broken kustomization: kustomize's message names the file"
mkdir -p "$TMP/none"
printf 'resources: []\n' >"$TMP/none/kustomization.yaml"
run gitops-render "$TMP/none"
is "$RC:$OUT" "2:" "a kustomization with no resources: exit 2"
like "$ERR" "produced no objects" "a kustomization with no resources: said"
run gitops-render --allow-empty "$TMP/none"
is "$RC:$OUT:$ERR" "0::" "--allow-empty: exit 0, nothing"
run gitops-render --cache "$SHOP/base"
is "$RC" 2 "--cache on a working directory: exit 2"
like "$ERR" "--cache needs --repo" "--cache on a working directory: said why"
is "$(find "$TMPDIR" -mindepth 1 | wc -l)" 0 "no temporary files left"

done_testing
