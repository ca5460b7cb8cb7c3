#!/usr/bin/env bash
# kustomize-corpus.t: the native Kustomize engine judged by kustomize itself (kubectl 1.32's
# built-in v5.5.0). Every case of tests/fixtures/kustomize-corpus/cases is rendered with
# --engine native and --engine exec; the two JSON Lines streams must be byte-identical (same
# objects, same order, same values, same key order), or, for a case the native engine leaves
# to kustomize, --engine native must refuse (exit 2, naming the field and file) and --engine
# auto must print exactly what kustomize prints.
#
# Then each native case is edited, as a user would (tests/tools/kustomize-mutate: a top-level
# field dropped, or two of: a namespace, a prefix, a suffix, labels, annotations, two patches,
# a changed patch target, an image, a generator added), and rendered again both ways:
# where the native engine builds the edited tree, kustomize must print the same objects (a build
# kustomize fails is one the native engine must refuse too); where it refuses, auto runs
# kustomize, so any outcome is right, and the refusals are counted in a comment.
. "$(dirname "$0")/../lib.sh"

CORPUS=$TOP/tests/fixtures/kustomize-corpus
MUTATE=$TOP/tests/tools/kustomize-mutate
command -v kubectl >/dev/null 2>&1 || { echo "Bail out! no kubectl on PATH (run tests/tools/deps)"; exit 1; }
export HOME=$TMP/home KUBECONFIG=$TMP/kubeconfig XDG_CACHE_HOME=$TMP/cache
mkdir -p "$HOME"
kubectl_offline

# render ENGINE ROOT DIR OUTFILE: the JSON Lines, the exit code in OUTFILE.rc, stderr in
# OUTFILE.err; run in ROOT with DIR relative to it, so messages name the files the same way.
render() {
	(cd "$2" && gitops-render --engine "$1" -o json "$3") >"$4" 2>"$4.err"
	echo $? >"$4.rc"
}

mapfile -t CASES < <(grep -v '^#' "$CORPUS/cases" | grep -v '^$')
ok "$([ "${#CASES[@]}" -ge 60 ]; echo $?)" "the corpus has at least 60 cases (${#CASES[@]})"

# The edited trees: a copy of the corpus per edit, hard links but for the one file edited. One
# edit per native case (a kustomize run costs more than all the native renders together): every
# third case loses a field, the others get two additions.
KINDS=(namespace prefix suffix labels annotations patch target images generator)
MUTS=() # "ROOT DIR LABEL"
i=0
for line in "${CASES[@]}"; do
	read -r dir mode <<<"$line"
	i=$((i + 1))
	[ "$mode" = native ] || continue
	root=$TMP/mut/$i
	mkdir -p "$root" && cp -al "$CORPUS/." "$root/"
	file=$root/$dir/kustomization.yaml
	if ((i % 3 == 0)); then
		"$MUTATE" drop "$i" "$file" && MUTS+=("$root $dir drop#$i")
		continue
	fi
	done_=()
	for kind in "${KINDS[$((i % 9))]}" "${KINDS[$(((i + 4) % 9))]}"; do
		"$MUTATE" "$kind" "$i" "$file" && done_+=("$kind")
	done
	[ ${#done_[@]} -gt 0 ] && MUTS+=("$root $dir $(IFS=+; echo "${done_[*]}")#$i")
done

# The exec renders cost a Go start each (50-170 ms): all of them first, two at a time.
n=0
for line in "${CASES[@]}"; do
	read -r dir mode <<<"$line"
	mkdir -p "$TMP/out/c$n"
	render exec "$CORPUS" "$dir" "$TMP/out/c$n/exec" &
	n=$((n + 1))
	((n % 2)) || wait
done
n=0
for line in "${MUTS[@]}"; do
	read -r root dir label <<<"$line"
	mkdir -p "$TMP/out/m$n"
	render exec "$root" "$dir" "$TMP/out/m$n/exec" &
	n=$((n + 1))
	((n % 2)) || wait
done
wait

n=0
for line in "${CASES[@]}"; do
	read -r dir mode <<<"$line"
	o=$TMP/out/c$n
	n=$((n + 1))
	render native "$CORPUS" "$dir" "$o/native"
	if [ "$mode" = native ]; then
		# kustomize's deprecation notices, word for word and in its order, or nothing, as with kustomize
		is "$(cat "$o/native.rc"):$(cat "$o/native.err")" "$(cat "$o/exec.rc"):$(cat "$o/exec.err")" \
			"$dir: native exits as kustomize does, with the same notices"
		cmp -s "$o/exec" "$o/native"
		ok $? "$dir: the objects kustomize prints" || diff <(jq -S . "$o/exec") <(jq -S . "$o/native") | head -20 | sed 's/^/# /'
	else
		is "$(cat "$o/native.rc")" 2 "$dir: --engine native refuses"
		like "$(cat "$o/native.err")" "^gitops-render: $dir: the native kustomize engine: $dir/kustomization.yaml: " \
			"$dir: and names the file"
		render auto "$CORPUS" "$dir" "$o/auto"
		is "$(cat "$o/auto.rc")" "$(cat "$o/exec.rc")" "$dir: auto exits as kustomize does"
		cmp -s "$o/exec" "$o/auto"
		ok $? "$dir: auto prints what kustomize prints"
	fi
done

n=0
refused=0
for line in "${MUTS[@]}"; do
	read -r root dir label <<<"$line"
	o=$TMP/out/m$n
	n=$((n + 1))
	render native "$root" "$dir" "$o/native"
	if grep -q "the native kustomize engine: " "$o/native.err"; then
		refused=$((refused + 1))
		echo "# $dir, $label: native refuses (kustomize exits $(cat "$o/exec.rc")): $(cut -c1-200 "$o/native.err" | head -1)"
		continue
	fi
	if [ "$(cat "$o/exec.rc")" = "$(cat "$o/native.rc")" ] && cmp -s "$o/exec" "$o/native"; then
		ok 0 "$dir, edited ($label): the objects kustomize prints"
	else
		ok 1 "$dir, edited ($label): the objects kustomize prints"
		echo "# kustomize exits $(cat "$o/exec.rc"): $(head -c 300 "$o/exec.err")"
		diff <(jq -S . "$o/exec") <(jq -S . "$o/native") | head -20 | sed 's/^/# /'
		git diff --no-index "$CORPUS/$dir/kustomization.yaml" "$root/$dir/kustomization.yaml" | sed 's/^/# /'
	fi
done
echo "# ${#MUTS[@]} edits, the native engine built $((${#MUTS[@]} - refused)), left $refused to kustomize"
ok "$([ $((${#MUTS[@]} - refused)) -ge $((${#MUTS[@]} / 2)) ]; echo $?)" \
	"the native engine builds at least half the edited trees itself"

done_testing
