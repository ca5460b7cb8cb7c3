#!/usr/bin/env bash
# render-helm-crds.t: a chart with megabytes of CRDs in crds/ (kube-prometheus-stack-shaped, from
# tests/bench/gen umbrella) rendered by the native engine, whose caller converts the crds/ files on
# two threads, starting while the engine still renders (on the files the chart directory holds),
# and takes that work only where it matches what the engine named. Whatever the threads did, the
# output, the messages and the lines they name must be those of helm's output read by one reader
# (--engine exec): a disabled subchart's crds/ (read ahead, never named), a duplicate found after
# the CRDs (lines across the files), a YAML error in a late file (all read again on one stream).
. "$(dirname "$0")/../lib.sh"

HELM=${GITOPS_HELM:-$("$TOP/tests/tools/helm")} || { echo "Bail out! no reference helm"; exit 1; }
export HOME=$TMP/home KUBECONFIG=$TMP/kubeconfig XDG_CACHE_HOME=$TMP/cache
export HELM_CONFIG_HOME=$TMP/helm/config HELM_CACHE_HOME=$TMP/helm/cache HELM_DATA_HOME=$TMP/helm/data
unset HELM_NAMESPACE
mkdir -p "$HOME"

U=$TMP/umbrella
"$TOP/tests/bench/gen" umbrella "$U" || { echo "Bail out! cannot generate the umbrella chart"; exit 1; }
ok "$([ "$(cat "$U"/crds/* | wc -c)" -gt $((4 << 20)) ]; echo $?)" "the chart: more than 4 MiB in crds/"

# both engines on chart $1 with options $2..: "rc N" after stderr in $TMP/{native,exec}.err
both() {
	local dir=$1 e
	shift
	for e in native exec; do
		(cd "$dir" && gitops-render --engine $e --helm "$HELM" "$@" . >"$TMP/$e.out" 2>"$TMP/$e.err")
		echo "rc $?" >>"$TMP/$e.err"
	done
}

both "$U" -o json
is "$(cat "$TMP/native.err")" "rc 0" "megabytes of crds/: rendered natively, nothing said"
ok "$(cmp -s "$TMP/native.out" "$TMP/exec.out"; echo $?)" "megabytes of crds/: the objects of helm's output, in its order"
is "$(grep -c '"kind":"CustomResourceDefinition"' "$TMP/native.out")" "$(ls "$U/crds" | wc -l)" \
	"megabytes of crds/: every file's CRD"
both "$U" -o yaml
ok "$(cmp -s "$TMP/native.out" "$TMP/exec.out" && [ "$(cat "$TMP/native.err")" = "rc 0" ]; echo $?)" \
	"megabytes of crds/, -o yaml: what helm's output gives"

# A disabled subchart whose crds/ hold a file that is no YAML: read ahead, never named, not said.
cp -r "$U" "$TMP/off"
mkdir -p "$TMP/off/charts/extra/crds" "$TMP/off/charts/extra/templates"
printf 'apiVersion: v2\nname: extra\nversion: 1.0.0\n' >"$TMP/off/charts/extra/Chart.yaml"
printf 'kind: [unclosed\n' >"$TMP/off/charts/extra/crds/broken.yaml"
printf '  - name: extra\n    version: 1.0.0\n    repository: file://charts/extra\n    condition: extra.enabled\n' >>"$TMP/off/Chart.yaml"
printf 'extra:\n  enabled: false\n' >>"$TMP/off/values.yaml"
both "$TMP/off" -o json
is "$(cat "$TMP/native.err")" "rc 0" "a disabled subchart's broken crds/ file: not named, nothing said"
ok "$(cmp -s "$TMP/native.out" "$TMP/exec.out"; echo $?)" "a disabled subchart's broken crds/ file: helm's objects"

# A template that repeats the last file's CRD: found after all of them, at lines of helm's output.
cp -r "$U" "$TMP/dup"
last=$(ls "$U/crds" | tail -n 1)
cp "$U/crds/$last" "$TMP/dup/templates/zz-dup.yaml"
both "$TMP/dup" -o json
like "$(cat "$TMP/native.err")" "helm output\):[0-9]+: duplicate object .* already defined at .*\(helm output\):[0-9]+" \
	"a duplicate of the last CRD: named with its lines"
is "$(cat "$TMP/native.err")" "$(cat "$TMP/exec.err")" "a duplicate of the last CRD: the lines of helm's output"

# A YAML error in a late file: the message and line one reader of helm's output gives.
cp -r "$U" "$TMP/bad"
printf '  broken: [unclosed\n' >>"$TMP/bad/crds/$last"
both "$TMP/bad" -o json
like "$(cat "$TMP/native.err")" "helm output\):[0-9]+" "a YAML error in the last crds/ file: named at its line"
is "$(cat "$TMP/native.err")" "$(cat "$TMP/exec.err")" "a YAML error in the last crds/ file: the message of helm's output"
is "$(wc -c <"$TMP/native.out")" 0 "a YAML error in the last crds/ file: nothing written"

# A template that prints a List: the engine leaves the whole output to be read as text (nothing
# named), and what was read ahead is dropped.
cp -r "$U" "$TMP/list"
printf 'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: listed}}\n' \
	>"$TMP/list/templates/zz-list.yaml"
both "$TMP/list" -o json
is "$(cat "$TMP/native.err")" "rc 0" "a List among the templates: rendered natively, nothing said"
ok "$(cmp -s "$TMP/native.out" "$TMP/exec.out" && grep -q '"name":"listed"' "$TMP/native.out"; echo $?)" \
	"a List among the templates: helm's objects, the List's item among them"

# A file named through a link (inside the chart): read as the engine named it.
cp -r "$U" "$TMP/link"
mv "$TMP/link/crds/$last" "$TMP/link/$last.real" && ln -s "../$last.real" "$TMP/link/crds/$last"
both "$TMP/link" -o json
is "$(cat "$TMP/native.err")" "rc 0" "a crds/ file behind a link: rendered (helm only warns of the link)"
ok "$(cmp -s "$TMP/native.out" "$TMP/exec.out"; echo $?)" "a crds/ file behind a link: helm's objects"

done_testing
