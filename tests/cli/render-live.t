#!/usr/bin/env bash
# render-live.t: an exec engine's output is read while the engine writes it (issue 20 item 6), and
# that changes nothing a user sees: the same objects as reading the whole text after the exit, the
# same FILE:LINE in a YAML error, nothing on stdout when the engine fails after writing.
# The engine is a stand-in helm (a script) that prints a prepared output, so the tests need no
# real chart of megabytes.
. "$(dirname "$0")/../lib.sh"

export HOME=$TMP/home XDG_CACHE_HOME=$TMP/cache TMPDIR=$TMP/tmpdir
mkdir -p "$HOME" "$TMPDIR" "$TMP/chart/templates"
printf 'apiVersion: v2\nname: big\nversion: 0.1.0\n' >"$TMP/chart/Chart.yaml"

# fake_helm OUTPUT-FILE EXIT: a helm that prints the file for `template` and exits so
fake_helm() {
	cat >"$TMP/helm" <<SH
#!/bin/sh
case "\$1" in
version) echo v3.17.3+gfake; exit 0 ;;
template) cat "$1"; exit $2 ;;
esac
exit 9
SH
	chmod +x "$TMP/helm"
}
render() { run gitops-render -v -o json --engine exec --helm "$TMP/helm" -n live "$@" "$TMP/chart"; }

# A big output as helm frames it: 3000 documents, ~2 MiB, a List among them, comments, an empty
# document, block scalars, a "---" that is only text inside a quoted line.
awk 'BEGIN {
	for (i = 0; i < 3000; i++) {
		printf "---\n# Source: big/templates/cm-%d.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\ndata:\n", i, i
		printf "  n: \"%d\"\n  on: yes\n  script: |\n    #!/bin/sh\n    echo --- not a document start\n", i
		for (j = 0; j < 8; j++) printf "  k%d: \"%s\"\n", j, "value value value value value value value value value value value"
		if (i == 1500) printf "---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: in-a-list\n"
		if (i == 2000) printf "---\n# only a comment\n"
	}
}' >"$TMP/big.yaml"
ok "$([ "$(wc -c <"$TMP/big.yaml")" -gt 2000000 ]; echo $?)" "the output is over 2 MB"
fake_helm "$TMP/big.yaml" 0
render
is "$RC" 0 "a big render: exit 0" || echo "# $ERR"
like "$ERR" "objects read while the engine wrote" "-v: the objects were read as the engine wrote them"
run gitops-render -o json -n live "$TMP/big.yaml"
want=$OUT
render
is "$(md5sum <<<"$OUT")" "$(md5sum <<<"$want")" "the same objects, in the same order, as the whole text read after the exit"
is "$(jq -r .kind <<<"$OUT" | sort | uniq -c | awk '{print $2 $1}' | paste -sd' ')" "ConfigMap3000 Secret1" \
	"the List is flattened, the comment-only document dropped"

# A YAML error late in the output: the same line as in the whole text
{ head -c 1500000 "$TMP/big.yaml" | sed '$d'; printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad\n'; } >"$TMP/bad.yaml"
fake_helm "$TMP/bad.yaml" 0
render
is "$RC" 2 "a YAML error after 1.5 MB: exit 2"
is "$OUT" "" "nothing on stdout"
run gitops-render -o json -n live "$TMP/bad.yaml"
file_err=$(sed -n 's/^.*bad\.yaml:\([0-9]*:[0-9]*\)/\1/p' <<<"$ERR" | head -1)
render
like "$ERR" "big/|chart \(helm output\):$file_err" "the error names the line and column the whole text has ($file_err)"

# Objects keep their lines: a duplicate late in the output names both places as the whole text does
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "---\n# Source: x\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\ndata:\n  a: \"%0500d\"\n", (i == 2900 ? 5 : i), i }' >"$TMP/dup.yaml"
fake_helm "$TMP/dup.yaml" 0
render
is "$RC" 2 "a duplicate object: exit 2"
like "$ERR" "objects read while the engine wrote" "-v: read as the engine wrote it"
like "$ERR" "chart \(helm output\):23201: duplicate object ConfigMap live/cm-5: already defined at [^ ]*chart \(helm output\):41" \
	"the lines are those of the whole output (23201 and 41)"

# The engine fails after writing most of it: exit 2, nothing on stdout, its failure shown
fake_helm "$TMP/big.yaml" 1
render
is "$RC" 2 "an engine that fails after writing: exit 2"
is "$OUT" "" "nothing on stdout"
like "$ERR" "helm template failed \(exit 1\)" "the engine's failure is what is said"

# JSON from an engine is read whole
jq -c . <<<'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"json"}}' >"$TMP/json.out"
fake_helm "$TMP/json.out" 0
render
is "$RC" 0 "JSON output: exit 0"
is "$(jq -r .metadata.name <<<"$OUT")" "json" "JSON output: the object"
is "$(find "$TMPDIR" -mindepth 1 | wc -l)" 0 "every temporary directory is gone"

done_testing
