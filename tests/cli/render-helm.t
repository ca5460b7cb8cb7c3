#!/usr/bin/env bash
# render-helm.t: gitops-render on Helm charts, with the real helm v3 as the engine and as the
# oracle. For each case, the objects gitops-render writes equal what `helm template` prints for the
# same chart and flags, decoded by the real kubectl (sigs.k8s.io/yaml, as Argo CD decodes it).
#
# tests/fixtures/render-helm/guestbook is a guestbook-like chart: _helpers.tpl, values files, a
# vendored subchart (charts/redis), a CRD in crds/, a test hook, NOTES.txt, a file for --set-file.
# Dependencies that are not vendored are fetched by `helm dependency build` from a chart
# repository served on 127.0.0.1 (python3 http.server), then cached by the lock file's digest.
. "$(dirname "$0")/../lib.sh"

FIX=$TOP/tests/fixtures/render-helm
GB=$FIX/guestbook
HELM=${GITOPS_HELM:-$("$TOP/tests/tools/helm")} || { echo "Bail out! no reference helm"; exit 1; }
command -v kubectl >/dev/null 2>&1 || { echo "Bail out! no kubectl on PATH (run tests/tools/deps)"; exit 1; }

# helm and kubectl keep their state in the test's directory; kubectl never reaches a cluster.
export HOME=$TMP/home CLOUDSDK_CONFIG=$TMP/gcloud KUBECONFIG=$TMP/kubeconfig XDG_CACHE_HOME=$TMP/cache
export HELM_CONFIG_HOME=$TMP/helm/config HELM_CACHE_HOME=$TMP/helm/cache HELM_DATA_HOME=$TMP/helm/data
export TMPDIR=$TMP/tmpdir
unset KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN
mkdir -p "$HOME" "$TMPDIR"
kubectl_offline

# kubectl's decoding of a YAML stream on stdin: one object per line, keys sorted (the empty
# annotations map kubectl adds is dropped).
kdecode() {
	kubectl annotate --local -f - -o json zz- |
		jq -S -c 'if .kind == "List" then .items[] else . end
			| if .metadata.annotations == {} then del(.metadata.annotations) else . end'
}
# Argo CD's destination namespace on what has none (the chart's only cluster-scoped kind is a CRD).
with_ns() { jq -S -c --arg ns "$1" 'if .metadata.namespace == null and .kind != "CustomResourceDefinition"
	then .metadata.namespace = $ns else . end'; }
canon() { jq -S -c .; }
kinds() { jq -r '"\(.kind)/\(.metadata.name)"' | paste -sd' '; }

# ours NAME EXPECTED-FILE ARGS...: gitops-render ARGS -o json equals EXPECTED-FILE, object by object.
same() {
	local name=$1 want=$2
	shift 2
	run gitops-render -o json "$@"
	is "$RC" 0 "$name: exit 0" || echo "# $ERR"
	is "$(canon <<<"$OUT")" "$(cat "$want")" "$name: the objects helm template prints"
}

# ---------------------------------------------------------------------------------------------
# The chart with its defaults: release name = directory name, CRDs included, test hooks skipped

"$HELM" template guestbook "$GB" --include-crds --skip-tests | kdecode >"$TMP/default.want"
is "$(kinds <"$TMP/default.want")" \
	"CustomResourceDefinition/guestbooks.guestbook.example.com ConfigMap/guestbook-config Service/guestbook-redis Service/guestbook Deployment/guestbook StatefulSet/guestbook-redis Guestbook/guestbook" \
	"the oracle: helm renders the chart, the subchart and the CRD"
same "defaults" "$TMP/default.want" --helm "$HELM" "$GB"
unlike "$OUT" "test-connection" "the test hook is skipped"
is "$ERR" "" "defaults: nothing on stderr"

# helm found on PATH like any program
mkdir -p "$TMP/bin" && ln -s "$HELM" "$TMP/bin/helm"
PATH=$TMP/bin:$PATH same "helm on PATH" "$TMP/default.want" "$GB"

# ---------------------------------------------------------------------------------------------
# Every helm option

(cd "$GB" && "$HELM" template gb . --namespace web --include-crds --skip-tests -f values-production.yaml \
	--set replicaCount=5 --set-string config.maxEntries=0100 --set-file banner="$GB/files/banner.txt" \
	--kube-version 1.30.2 --api-versions monitoring.coreos.com/v1 --api-versions policy/v1) |
	kdecode | with_ns web >"$TMP/prod.want"
same "all options" "$TMP/prod.want" --helm "$HELM" "$GB" --release-name gb -n web --values values-production.yaml \
	--set replicaCount=5 --set-string config.maxEntries=0100 --set-file banner=files/banner.txt \
	--kube-version 1.30.2 --api-versions monitoring.coreos.com/v1 --api-versions policy/v1
cm=$(jq -c 'select(.kind == "ConfigMap")' <<<"$OUT")
is "$(jq -r '[.data.MAX_ENTRIES, .data.METRICS, .data.KUBE_VERSION, .metadata.namespace] | join(" ")' <<<"$cm")" \
	"0100 prometheus-operator v1.30.2 web" "--set-string, --api-versions, --kube-version and --namespace reach the templates"
is "$(jq -r '.data.BANNER' <<<"$cm")" "$(cat "$GB/files/banner.txt")" "--set-file reads the file inside the chart"
is "$(jq -r 'select(.kind == "Deployment") | "\(.spec.replicas) \(.spec.template.spec.containers[0].image)"' <<<"$OUT")" \
	"5 registry.example.com/guestbook/frontend:1.5.0" "--values and --set apply in helm's order"
like "$(kinds <<<"$OUT")" "Ingress/gb-guestbook" "the production values enable the ingress"

# --values repeated, later files win; -f is its short form
(cd "$GB" && "$HELM" template guestbook . --include-crds --skip-tests -f values-production.yaml -f values-noredis.yaml) |
	kdecode >"$TMP/noredis.want"
same "two values files" "$TMP/noredis.want" --helm "$HELM" "$GB" -f values-production.yaml -f values-noredis.yaml
unlike "$(kinds <<<"$OUT")" "redis" "the second values file disables the subchart"

# --skip-crds, and --include-crds after it turns them back on
"$HELM" template guestbook "$GB" --skip-tests | kdecode >"$TMP/nocrds.want"
same "--skip-crds" "$TMP/nocrds.want" --helm "$HELM" --skip-crds "$GB"
unlike "$(kinds <<<"$OUT")" "CustomResourceDefinition" "--skip-crds: no CRD"
same "--skip-crds --include-crds" "$TMP/default.want" --helm "$HELM" --skip-crds --include-crds "$GB"

# --app and --namespace as for a directory: tracking on everything but the CRD
run gitops-render -o json --helm "$HELM" --app guestbook -n web "$GB"
is "$RC" 0 "--app: exit 0"
is "$(jq -r '"\(.kind)=\(.metadata.annotations["argocd.argoproj.io/tracking-id"] // "-")"' <<<"$OUT" | paste -sd' ')" \
	"CustomResourceDefinition=- ConfigMap=guestbook:/ConfigMap:web/guestbook-config Service=guestbook:/Service:web/guestbook-redis Service=guestbook:/Service:web/guestbook Deployment=guestbook:apps/Deployment:web/guestbook StatefulSet=guestbook:apps/StatefulSet:web/guestbook-redis Guestbook=guestbook:guestbook.example.com/Guestbook:web/guestbook" \
	"--app: Argo CD tracking ids (the release name defaults to the app name)"

# -o yaml reads back (through kubectl) as the same objects
run gitops-render -o yaml --helm "$HELM" "$GB"
is "$(kdecode <<<"$OUT")" "$(cat "$TMP/default.want")" "-o yaml: kubectl reads the same objects back"

# --type helm on a directory that has no Chart.yaml at the top is helm's own error
run gitops-render --helm "$HELM" --type helm "$GB/templates"
is "$RC" 2 "--type helm on a non-chart: exit 2"
like "$ERR" "Chart.yaml file is missing" "--type helm on a non-chart: helm's message"

# ---------------------------------------------------------------------------------------------
# Failures: exit 2, the engine's stderr shown, nothing on stdout

run gitops-render --engine exec --helm "$HELM" "$FIX/broken"
is "$RC" 2 "a failing template: exit 2"
is "$OUT" "" "a failing template: nothing on stdout"
like "$ERR" "^gitops-render: helm template failed \(exit 1\):" "a failing template: says helm failed"
like "$ERR" "gitops-render: helm: .*database.password is required" "a failing template: helm's own message"
helm_error=$(grep -o 'Error: .*' <<<"$ERR")
run gitops-render --helm "$HELM" "$FIX/broken"
is "$RC:$OUT" "2:" "a failing template, native engine: exit 2, nothing on stdout"
like "$ERR" "^gitops-render: helm template failed \(native engine\):" "a failing template, native engine: says so"
is "$(grep -o 'Error: .*' <<<"$ERR")" "$helm_error" "a failing template, native engine: helm's message, word for word"
run gitops-render --helm "$HELM" --set database.password=s3cret-value "$FIX/broken" -o json
is "$RC:$(jq -r .kind <<<"$OUT")" "0:Secret" "the same chart with the value renders"

# the engine never sees the git token, and a secret in its stderr is redacted
cat >"$TMP/leaky-helm" <<EOF
#!/bin/sh
env >"$TMP/leaky.env"
echo "Error: cannot reach https://ci:\$(cat "$TMP/token-file")@git.example.com" >&2
exit 1
EOF
chmod +x "$TMP/leaky-helm"
printf 'tok-%s' "$RANDOM$RANDOM$RANDOM" >"$TMP/token-file"
TOKEN=$(cat "$TMP/token-file")
GITOPS_GIT_TOKEN=$TOKEN run gitops-render --engine exec --helm "$TMP/leaky-helm" "$GB"
is "$RC" 2 "an engine that fails: exit 2"
unlike "$ERR" "$TOKEN" "the token in the engine's stderr is not shown"
like "$ERR" 'ci:\*\*\*@git.example.com' "it is replaced with ***"
ok "$(grep -c "$TOKEN" "$TMP/leaky.env")" "the engine's environment has no GITOPS_GIT_TOKEN"

# missing engine: a clear message naming what to install
run env PATH=/nonexistent "$BIN/gitops-render" --engine exec "$GB"
is "$RC" 2 "no helm on PATH: exit 2"
is "$ERR" "gitops-render: helm not found on PATH: install Helm v3 (https://helm.sh/docs/intro/install/), or name the binary with --helm PATH" \
	"no helm on PATH: what to install"
run gitops-render --engine exec --helm "$TMP/no-such-helm" "$GB"
is "$RC:$OUT" "2:" "--helm naming nothing: exit 2, nothing on stdout"
like "$ERR" "no-such-helm: not an executable program" "--helm naming nothing: said"

# zero objects: an error unless --allow-empty
run gitops-render --helm "$HELM" "$FIX/empty"
is "$RC:$OUT" "2:" "a chart that renders nothing: exit 2, nothing on stdout"
like "$ERR" "produced no objects \(--allow-empty accepts that\)" "a chart that renders nothing: said"
run gitops-render --helm "$HELM" --allow-empty "$FIX/empty"
is "$RC:$OUT:$ERR" "0::" "--allow-empty: exit 0, no objects"
run gitops-render --helm "$HELM" --set enabled=true "$FIX/empty" -o json
is "$RC:$(kinds <<<"$OUT")" "0:ConfigMap/empty-settings" "the same chart enabled renders"

# an output larger than --max-render-size
for engine in exec native; do
	run gitops-render --engine $engine --helm "$HELM" --max-render-size 1K "$GB"
	is "$RC:$OUT" "2:" "output over --max-render-size ($engine): exit 2"
	like "$ERR" "larger than 1024 bytes \(--max-render-size\)" "output over --max-render-size ($engine): said"
done
# without helm anywhere, the native engine renders a chart it supports
run env PATH=/nonexistent "$BIN/gitops-render" -o json "$GB"
is "$RC" 0 "no helm on PATH, native engine: exit 0"
is "$(canon <<<"$OUT")" "$(cat "$TMP/default.want")" "no helm on PATH, native engine: the objects helm template prints"

# ---------------------------------------------------------------------------------------------
# Dependencies: `helm dependency build` when charts/ lacks them, cached by the lock's digest

mkdir -p "$TMP/chartrepo"
"$HELM" package -d "$TMP/chartrepo" "$GB/charts/redis" >/dev/null
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$TMP/chartrepo" >"$TMP/http.log" 2>&1 &
HTTP_PID=$!
at_exit "kill $HTTP_PID 2>/dev/null"
for _ in $(seq 100); do
	PORT=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$TMP/http.log" | head -n 1)
	[ -n "$PORT" ] && break
	sleep 0.1
done
REPO_URL=http://127.0.0.1:$PORT
"$HELM" repo index "$TMP/chartrepo" --url "$REPO_URL"
"$HELM" repo add local "$REPO_URL" >/dev/null || echo "# helm repo add failed"
APP=$TMP/shop-chart
mkdir -p "$APP/templates"
cat >"$APP/Chart.yaml" <<EOF
apiVersion: v2
name: shop
version: 1.0.0
dependencies:
  - name: redis
    version: 0.2.0
    repository: $REPO_URL
EOF
cat >"$APP/templates/configmap.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-shop
data:
  redis: {{ .Release.Name }}-redis
EOF
"$HELM" dependency update "$APP" >/dev/null
ok "$([ -f "$APP/Chart.lock" ] && [ -f "$APP/charts/redis-0.2.0.tgz" ]; echo $?)" "the oracle: helm dependency update wrote Chart.lock and the archive"
"$HELM" template shop-chart "$APP" --include-crds --skip-tests | kdecode >"$TMP/deps.want"
rm -rf "$APP/charts"
# a helm that logs each call, to tell a dependency build from a cache hit
cat >"$TMP/logging-helm" <<EOF
#!/bin/sh
echo "\$*" >>"$TMP/helm-calls.log"
exec "$HELM" "\$@"
EOF
chmod +x "$TMP/logging-helm"
: >"$TMP/helm-calls.log"
same "dependencies built" "$TMP/deps.want" --helm "$TMP/logging-helm" "$APP"
is "$(grep -c '^dependency build' "$TMP/helm-calls.log")" 1 "the first render runs helm dependency build"
ok "$([ ! -e "$APP/charts" ]; echo $?)" "the working directory is not written to (the build ran in a copy)"
ok "$(ls "$XDG_CACHE_HOME"/gitops-tools/render/helm-deps/*/redis-0.2.0.tgz >/dev/null 2>&1; echo $?)" \
	"the built archive is in the cache"
kill "$HTTP_PID" 2>/dev/null
wait "$HTTP_PID" 2>/dev/null
: >"$TMP/helm-calls.log"
same "dependencies from the cache (chart repository gone)" "$TMP/deps.want" --helm "$TMP/logging-helm" "$APP"
is "$(grep -c '^dependency build' "$TMP/helm-calls.log")" 0 "the second render takes them from the cache: no dependency build"
run gitops-render --helm "$TMP/logging-helm" --no-cache "$APP"
is "$RC" 2 "--no-cache builds again, and the repository is gone: exit 2"
like "$ERR" "helm (repo add|dependency build) failed" "--no-cache: the build's failure is shown"
# a changed lock is another key
sed -i 's/^generated: .*/generated: "2026-01-01T00:00:00Z"/' "$APP/Chart.lock"
: >"$TMP/helm-calls.log"
run gitops-render --helm "$TMP/logging-helm" "$APP"
# (the repository is gone: the build stops at adding it to helm's private home)
is "$(grep -cE '^(repo add|dependency build)' "$TMP/helm-calls.log")" 1 "a changed Chart.lock misses the cache"
is "$(find "$TMPDIR" -mindepth 1 | wc -l)" 0 "every temporary directory is gone"

done_testing
