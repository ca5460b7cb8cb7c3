#!/usr/bin/env bash
# render-helm-native.t: the native Helm engine against the real helm template (v3.17.3), case by
# case over tests/fixtures/helm-corpus (this project's own charts, shaped like argocd-example-apps,
# bitnami on its common library, tpl- and Files-heavy charts, umbrellas with conditions, tags,
# aliases and globals, CRDs, hooks, charts that fail on purpose), each with values mutated by the
# case's options. For every case, --engine auto gives what --engine exec gives: the same objects in
# the same order with the same JSON values, or the same error and exit code. With -v, auto says when
# it leaves a chart to helm: only the cases marked "fallback" may; the others are rendered natively.
. "$(dirname "$0")/../lib.sh"

CORPUS=$TOP/tests/fixtures/helm-corpus
HELM=${GITOPS_HELM:-$("$TOP/tests/tools/helm")} || { echo "Bail out! no reference helm"; exit 1; }
export HOME=$TMP/home KUBECONFIG=$TMP/kubeconfig XDG_CACHE_HOME=$TMP/cache
export HELM_CONFIG_HOME=$TMP/helm/config HELM_CACHE_HOME=$TMP/helm/cache HELM_DATA_HOME=$TMP/helm/data
unset HELM_NAMESPACE GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN
mkdir -p "$HOME"

# helm's error as gitops-render passes it on: every line of it (Error: ..., and the --debug hint helm adds
# to an error of the render)
errors() { grep -o 'helm: .*' "$1" | grep -v '^helm: Error: $' ; }
# the shape of an object stream: kinds, names and key paths, not values
shape() { jq -c '[.kind, .metadata.name, ([paths(scalars)] | map(map(tostring) | join(".")))]' "$1"; }

n_native=0 n_fallback=0
while read -r kind chart args; do
	case $kind in '#'* | '') continue ;; esac
	name="$chart${args:+ $args}"
	# shellcheck disable=SC2086 # the case's options are words
	(cd "$CORPUS/$chart" && gitops-render -v --engine auto --helm "$HELM" -o json $args . >"$TMP/auto.json" 2>"$TMP/auto.err")
	arc=$?
	# shellcheck disable=SC2086
	(cd "$CORPUS/$chart" && gitops-render --engine exec --helm "$HELM" -o json $args . >"$TMP/exec.json" 2>"$TMP/exec.err")
	erc=$?
	fell_back=0
	grep -q "the native helm engine does not support this chart" "$TMP/auto.err" && fell_back=1
	if [ "$kind" = fallback ]; then
		is "$fell_back" 1 "$name: left to helm, and -v says so" || sed 's/^/#   /' "$TMP/auto.err"
		n_fallback=$((n_fallback + 1))
	else
		is "$fell_back" 0 "$name: rendered natively" || grep 'does not support' "$TMP/auto.err" | sed 's/^/#   /'
		n_native=$((n_native + 1))
	fi
	if [ "$erc" != 0 ]; then
		is "$arc:$(errors "$TMP/auto.err")" "$erc:$(errors "$TMP/exec.err")" "$name: the same error as helm"
	elif [ "$kind" = random ]; then
		is "$arc:$(shape "$TMP/auto.json")" "$erc:$(shape "$TMP/exec.json")" "$name: the same objects and keys as helm"
	else
		is "$arc:$(cat "$TMP/auto.json")" "$erc:$(cat "$TMP/exec.json")" "$name: the objects helm template prints"
	fi
done <"$CORPUS/cases"
ok "$([ "$n_native" -ge 100 ] && [ "$(ls "$CORPUS" | wc -l)" -gt 50 ]; echo $?)" \
	"the corpus: more than 50 charts, $n_native cases rendered natively, $n_fallback left to helm"

# The engine names the crds/ files instead of copying them out, and gitops-render reads them from the
# chart: the objects, and the lines its messages name, are still those of helm's output; other
# limits (the whole text read again) and YAML output read them the same.
cp -r "$CORPUS/crds-dir" "$TMP/crds-dup" && cp "$CORPUS/crds-dir/crds/widgets.yaml" "$TMP/crds-dup/templates/dup.yaml"
for e in native exec; do
	(cd "$TMP/crds-dup" && gitops-render --engine $e --helm "$HELM" -o json . >"$TMP/$e.out" 2>"$TMP/$e.err")
	echo "rc $?" >>"$TMP/$e.err"
done
like "$(cat "$TMP/native.err")" "helm output\):35: duplicate object .* already defined at .*\(helm output\):16" \
	"crds/ read from the chart: a duplicate named at its line in helm's output"
is "$(cat "$TMP/native.err")" "$(cat "$TMP/exec.err")" "crds/ read from the chart: the same message as with helm's output"
for args in "-o json --max-depth 100" "-o yaml" "-o json --skip-crds"; do
	# shellcheck disable=SC2086
	run gitops-render --engine native $args "$CORPUS/crds-dir"
	native="$RC:$OUT"
	# shellcheck disable=SC2086
	run gitops-render --engine exec --helm "$HELM" $args "$CORPUS/crds-dir"
	is "$native" "$RC:$OUT" "crds/ read from the chart, $args: what helm's output gives"
done

# --engine native refuses what it cannot do: exit 2, naming the construct, the file and the line
run gitops-render --engine native --helm "$HELM" "$CORPUS/unsupported-toml"
is "$RC:$OUT" "2:" "--engine native on an unsupported function: exit 2, nothing on stdout"
like "$ERR" "does not support this chart: unsupported-toml/templates/cm.yaml:6:[0-9]+: the function toToml" \
	"--engine native: the construct, the file and the line"
# a render error the native engine words as helm does: exit 2 without helm
run env PATH=/nonexistent "$BIN/gitops-render" --engine native "$CORPUS/fail-required"
is "$RC" 2 "a required value, native engine, no helm: exit 2"
like "$ERR" "Error: execution error at \(fail-required/templates/cm.yaml:7:15\): A valid .Values.db.password entry required!" \
	"a required value: helm's message, with its location"
# --cmp (the Argo CD sidecar): a chart the engine supports needs no helm on PATH; one it does not, does
run env -C "$CORPUS/guestbook" PATH=/nonexistent ARGOCD_APP_NAME=app ARGOCD_APP_NAMESPACE=web "$BIN/gitops-render" --cmp
is "$RC:$ERR" "0:" "--cmp, no helm on PATH: a supported chart renders natively"
like "$OUT" "name: app-guestbook" "--cmp, no helm: the objects, as YAML"
run env -C "$CORPUS/unsupported-toml" PATH=/nonexistent ARGOCD_APP_NAME=app ARGOCD_APP_NAMESPACE=web "$BIN/gitops-render" --cmp
like "$RC:$ERR" "^2:.*helm not found on PATH" "--cmp, no helm on PATH: a chart the engine leaves to helm needs helm"
# --deterministic: the same random strings on every run
run gitops-render --deterministic -o json "$CORPUS/random"
first=$(jq -r '.data.pass' <<<"$OUT")
run gitops-render --deterministic -o json "$CORPUS/random"
is "$(jq -r '.data.pass' <<<"$OUT")" "$first" "--deterministic: randAlphaNum gives the same string twice"
ok "$(jq -r '.data["tls.crt"]' <<<"$OUT" | base64 -d | openssl x509 -noout -checkend 3600 >/dev/null; echo $?)" \
	"genSignedCert: a certificate openssl reads, valid for now"

done_testing
