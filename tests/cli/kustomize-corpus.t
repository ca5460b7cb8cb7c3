#!/usr/bin/env bash
# kustomize-corpus.t: the native Kustomize engine judged by kustomize itself (kubectl 1.32's
# built-in v5.5.0). Every case of tests/fixtures/kustomize-corpus/cases is rendered with
# --engine native and --engine exec; the two JSON Lines streams must be byte-identical (same
# objects, same order, same values, same key order), or, for a case the native engine leaves
# to kustomize, --engine native must refuse (exit 2, naming the field and file) and --engine
# auto must print exactly what kustomize prints.
. "$(dirname "$0")/../lib.sh"

CORPUS=$TOP/tests/fixtures/kustomize-corpus
command -v kubectl >/dev/null 2>&1 || { echo "Bail out! no kubectl on PATH (run tests/tools/deps)"; exit 1; }
export HOME=$TMP/home KUBECONFIG=$TMP/kubeconfig XDG_CACHE_HOME=$TMP/cache
mkdir -p "$HOME"
kubectl_offline

# render ENGINE DIR OUTFILE: the JSON Lines and the exit code (in OUTFILE.rc), stderr in OUTFILE.err
render() {
	gitops-render --engine "$1" -o json "$2" >"$3" 2>"$3.err"
	echo $? >"$3.rc"
}

# The exec renders cost a Go start each (50-170 ms): run them two at a time, ahead of the checks.
mapfile -t CASES < <(grep -v '^#' "$CORPUS/cases" | grep -v '^$')
i=0
for line in "${CASES[@]}"; do
	read -r dir mode <<<"$line"
	mkdir -p "$TMP/out/$i"
	render exec "$CORPUS/$dir" "$TMP/out/$i/exec" &
	((i % 2)) && wait
	i=$((i + 1))
done
wait

i=0
for line in "${CASES[@]}"; do
	read -r dir mode <<<"$line"
	o=$TMP/out/$i
	render native "$CORPUS/$dir" "$o/native"
	if [ "$mode" = native ]; then
		is "$(cat "$o/native.rc"):$(cat "$o/native.err")" "$(cat "$o/exec.rc"):" "$dir: native exits as kustomize does, silently"
		if cmp -s "$o/exec" "$o/native"; then
			ok 0 "$dir: the objects kustomize prints"
		else
			ok 1 "$dir: the objects kustomize prints"
			diff <(jq -S . "$o/exec") <(jq -S . "$o/native") | head -20 | sed 's/^/# /'
		fi
	else
		is "$(cat "$o/native.rc")" 2 "$dir: --engine native refuses"
		like "$(cat "$o/native.err")" "the native kustomize engine: .*kustomization" "$dir: and names the file"
		render auto "$CORPUS/$dir" "$o/auto"
		is "$(cat "$o/auto.rc")" "$(cat "$o/exec.rc")" "$dir: auto exits as kustomize does"
		cmp -s "$o/exec" "$o/auto"
		ok $? "$dir: auto prints what kustomize prints"
	fi
	i=$((i + 1))
done

done_testing
