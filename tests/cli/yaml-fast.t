#!/usr/bin/env bash
# yaml-fast.t: the YAML reader's fast path (common/yaml_fast.c) against libyaml alone, on every
# YAML file in the repository (tests/fixtures, examples) and on the shapes of real renders: each
# goes through build/fuzz-replay/fuzz_yamlfast, which reads it with and without the fast path and
# aborts unless both give the same documents, lines and errors. Option bytes pick the input kind
# (string, FILE, a handler of 7-byte reads, whole reads) and the limits (defaults-like, tiny).
. "$(dirname "$0")/../lib.sh"

bin=$BUILD/fuzz-replay/fuzz_yamlfast
[ -x "$bin" ] || { ok 1 "$bin is built (make tests)"; done_testing; exit; }

# Option byte: limits in the low 2 bits, input kind in the next 2, the reader's typing in the next
# 2 (none set; goyaml.v2 set, typed keys counted; kyaml; text: what kustomize's readers set).
OPTS="0 3 5 9 13"
run_all() { # LABEL FILE...
	local label=$1 f k bad=0 n=0
	shift
	for f in "$@"; do
		for k in $OPTS; do
			{ printf "\\x$(printf %02x "$k")"; cat "$f"; } >"$TMP/in"
			n=$((n + 1))
			if ! "$bin" "$TMP/in" >/dev/null 2>"$TMP/err"; then
				bad=$((bad + 1))
				echo "# $f (option byte $k):"
				sed 's/^/#   /' "$TMP/err" | head -n 20
			fi
		done
	done
	is "$bad" 0 "$label: both paths agree on $n readings"
}

mapfile -t files < <(cd "$TOP" && find tests/fixtures examples -type f \( -name '*.yaml' -o -name '*.yml' \) | sort)
ok $((${#files[@]} < 100)) "the repository has YAML fixtures (${#files[@]})"
run_all "fixtures and examples" "${files[@]/#/$TOP/}"

# The shapes the fast path is for, from the bench generators (small sizes).
"$TOP/tests/bench/gen" argocd "$TMP/argocd" && "$TOP/tests/bench/gen" rendered "$TMP/rendered" 300
ok $? "generated an install stream and rendered objects"
run_all "install stream and rendered objects" "$TMP/argocd/install.yaml" "$TMP"/rendered/*.yaml

# With the typings the native Kustomize engine sets, on what it reads: every file of the
# kustomize corpus and of the bench's kustomize trees (kubeflow-shaped at 3 apps), as a string,
# a FILE and through small reads.
"$TOP/tests/bench/gen" kustomize-argocd "$TMP/kz-argocd" && "$TOP/tests/bench/gen" kustomize-kubeflow "$TMP/kz-kubeflow" 3
ok $? "generated the bench's kustomize trees"
mapfile -t kz < <(find "$TOP/tests/fixtures/kustomize-corpus" "$TMP/kz-argocd" "$TMP/kz-kubeflow" -type f \
	\( -name '*.yaml' -o -name '*.yml' \) | sort)
OPTS="16 32 40 48" run_all "kustomize inputs, typing set (v2 counted, kyaml, text)" "${kz[@]}"

done_testing
