#!/usr/bin/env bash
# render-helm-options.t: the helm options Argo CD users reach for (--skip-tests=false,
# --skip-schema-validation, --values-literal, --ignore-missing-values-files), on both engines,
# each against what the real `helm template` prints with the same flags.
. "$(dirname "$0")/../lib.sh"

HELM=${GITOPS_HELM:-$("$TOP/tests/tools/helm")} || { echo "Bail out! no reference helm"; exit 1; }
command -v kubectl >/dev/null 2>&1 || { echo "Bail out! no kubectl on PATH (run tests/tools/deps)"; exit 1; }
export HOME=$TMP/home KUBECONFIG=$TMP/kubeconfig XDG_CACHE_HOME=$TMP/cache TMPDIR=$TMP/tmpdir
export HELM_CONFIG_HOME=$TMP/helm/config HELM_CACHE_HOME=$TMP/helm/cache HELM_DATA_HOME=$TMP/helm/data
unset KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN
mkdir -p "$HOME" "$TMPDIR"
kubectl_offline

kdecode() {
	kubectl annotate --local -f - -o json zz- |
		jq -S -c 'if .kind == "List" then .items[] else . end
			| if .metadata.annotations == {} then del(.metadata.annotations) else . end'
}
canon() { jq -S -c .; }

# The guestbook chart with a schema: at most 10 replicas.
GB=$TMP/gb
cp -r "$TOP/tests/fixtures/render-helm/guestbook" "$GB"
cat >"$GB/values.schema.json" <<'JSON'
{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "properties": { "replicaCount": { "type": "integer", "maximum": 10 } }
}
JSON

# want NAME HELM-ARGS...: the oracle, helm template gb with these flags, decoded
want() {
	local name=$1
	shift
	(cd "$GB" && "$HELM" template gb . --include-crds "$@") | kdecode >"$TMP/$name.want"
}
# same ENGINE NAME ARGS...: gitops-render ARGS with that engine equals $TMP/NAME.want
same() {
	local engine=$1 name=$2
	shift 2
	run gitops-render -o json --engine "$engine" --helm "$HELM" --release-name gb "$@" "$GB"
	is "$RC" 0 "$engine: $name: exit 0" || echo "# $ERR"
	is "$(canon <<<"$OUT")" "$(cat "$TMP/$name.want")" "$engine: $name: the objects helm template prints"
}

want tests
want notests --skip-tests
want noschema --skip-tests --skip-schema-validation --set replicaCount=50
want literal --skip-tests -f values-production.yaml -f <(printf 'replicaCount: 7\nconfig:\n  title: Inline\n') \
	-f <(printf 'image:\n  tag: 9.9.9\n')
want literalset --skip-tests -f values-production.yaml -f <(printf 'replicaCount: 7\n') --set replicaCount=8
want prod --skip-tests -f values-production.yaml
like "$(jq -r .metadata.name "$TMP/tests.want" | paste -sd' ')" "test-connection" "the oracle: the chart has a test hook"

for engine in native exec; do
	# --skip-tests: on by default (as before); =false renders the test hooks as Argo CD's skipTests: false
	same "$engine" notests
	unlike "$OUT" "test-connection" "$engine: the test hook is left out by default"
	same "$engine" notests --skip-tests
	same "$engine" tests --skip-tests=false
	like "$OUT" "test-connection" "$engine: --skip-tests=false: the test hook is rendered"
	same "$engine" tests --skip-tests=False

	# --skip-schema-validation
	run gitops-render -o json --engine "$engine" --helm "$HELM" --set replicaCount=50 "$GB"
	is "$RC" 2 "$engine: values the schema refuses: exit 2"
	like "$ERR" "schema" "$engine: the schema's verdict is shown"
	is "$OUT" "" "$engine: nothing on stdout"
	same "$engine" noschema --skip-schema-validation --set replicaCount=50

	# --values-literal: after the -f files, in order; --set still wins
	same "$engine" literal -f values-production.yaml --values-literal $'replicaCount: 7\nconfig:\n  title: Inline' \
		--values-literal 'image: {tag: 9.9.9}'
	is "$(jq -r 'select(.kind == "Deployment") | "\(.spec.replicas) \(.spec.template.spec.containers[0].image)"' <<<"$OUT")" \
		"7 registry.example.com/guestbook/frontend:9.9.9" "$engine: the inline values win over the files"
	same "$engine" literalset -f values-production.yaml --values-literal 'replicaCount: 7' --set replicaCount=8
	run gitops-render -o json --engine "$engine" --helm "$HELM" --values-literal 'a: [' "$GB"
	is "$RC" 2 "$engine: --values-literal that is not YAML: exit 2"
	is "$OUT" "" "$engine: nothing on stdout"

	# --ignore-missing-values-files
	run gitops-render -o json --engine "$engine" --helm "$HELM" -f nope.yaml -f values-production.yaml "$GB"
	is "$RC" 2 "$engine: a missing values file: exit 2"
	same "$engine" prod --ignore-missing-values-files -f nope.yaml -f values-production.yaml -f gone/also.yaml
done

is "$(find "$TMPDIR" -mindepth 1 | wc -l)" 0 "every temporary directory is gone"

done_testing
