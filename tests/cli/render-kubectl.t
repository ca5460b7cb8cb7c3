#!/usr/bin/env bash
# render-kubectl.t: the real kubectl as the oracle for gitops-render, offline.
#
# `kubectl annotate --local -f FILE -o json zz-` decodes manifests the way kubectl apply does
# (sigs.k8s.io/yaml) without a server and prints them as JSON: each object on its own, a List's
# items one by one, with an `annotations: {}` added where there were none. We compare, object by
# object, what gitops-render makes of tests/fixtures/render/tricky (anchors, merge keys, YAML 1.1
# booleans, octal, floats, block scalars, quoted numbers, a JSON List) with what kubectl makes of
# the same files; that kubectl reads gitops-render's own -o yaml and -o json back to the same
# values; and that kubectl -R walks a tree in the order gitops-render --recurse does (both are Go's
# filepath.Walk order).
#
# kubectl never needs a server here: KUBECONFIG names https://127.0.0.1:1, where nothing listens,
# so any attempt to reach a cluster would fail the test rather than go anywhere else.
. "$(dirname "$0")/../lib.sh"

FIX=$TOP/tests/fixtures/render
TRICKY=$FIX/tricky

require kubectl jq python3

# Keep kubectl (and the gcloud dispatcher in front of it) away from the user's config and cache.
kubectl_offline

# kubectl's decoding of FILE (or - for stdin), as JSON.
kdecode() { kubectl annotate --local -f "$1" -o json zz-; }
# One object per line, keys sorted, List items flattened, the `annotations: {}` kubectl adds
# removed (from both sides alike, so an `annotations: {}` in a source file is no difference).
NORM='if .kind == "List" then .items[] else . end
	| if .metadata.annotations == {} then del(.metadata.annotations) else . end'
norm() { jq -S -c "$NORM"; }
# The same with Python, which keeps integers exact (jq 1.6 reads numbers as doubles).
norm_exact() {
	python3 -c '
import json, sys
text, dec, i = sys.stdin.read(), json.JSONDecoder(), 0
while True:
    while i < len(text) and text[i].isspace():
        i += 1
    if i == len(text):
        break
    o, i = dec.raw_decode(text, i)
    for x in o["items"] if o.get("kind") == "List" else [o]:
        if x.get("metadata", {}).get("annotations") == {}:
            del x["metadata"]["annotations"]
        print(json.dumps(x, sort_keys=True, ensure_ascii=False))
'
}

# ---------------------------------------------------------------------------------------------
# kubectl works here without a server

printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\ndata:\n  k: v\n' >"$TMP/probe.yaml"
run kdecode "$TMP/probe.yaml"
is "$RC" 0 "kubectl annotate --local decodes a file offline" || {
	echo "# $ERR"
	echo "Bail out! kubectl cannot decode manifests locally here"
	exit 1
}
is "$(norm <<<"$OUT")" '{"apiVersion":"v1","data":{"k":"v"},"kind":"ConfigMap","metadata":{"name":"probe"}}' \
	"kubectl prints the object (normalised)"
is "$(jq -c .metadata.annotations <<<"$OUT")" "{}" "kubectl adds an empty annotations map, which the normalising drops"

# ---------------------------------------------------------------------------------------------
# The tricky fixture, file by file and object by object

compare_objects() { # compare_objects NAME OURS THEIRS (normalised, one object per line)
	local name=$1 ours=$2 theirs=$3 i n
	n=$(grep -c . <<<"$ours")
	is "$n" "$(grep -c . <<<"$theirs")" "$name: as many objects as kubectl"
	for ((i = 1; i <= n; i++)); do
		local o t
		o=$(sed -n "${i}p" <<<"$ours") t=$(sed -n "${i}p" <<<"$theirs")
		is "$o" "$t" "$name: object $i ($(jq -r '"\(.kind)/\(.metadata.name)"' <<<"$o")) as kubectl decodes it"
	done
}

for path in "$TRICKY"/*; do
	f=${path##*/}
	run gitops-render -o json --include "$f" "$TRICKY"
	is "$RC" 0 "$f: gitops-render reads it"
	OURS=$OUT
	run kdecode "$path"
	is "$RC" 0 "$f: kubectl reads it"
	THEIRS=$OUT
	compare_objects "$f" "$(norm <<<"$OURS")" "$(norm <<<"$THEIRS")"
	is "$(norm_exact <<<"$OURS")" "$(norm_exact <<<"$THEIRS")" "$f: the same, integers compared exactly"
done

# The whole directory at once: kubectl -f DIR reads its files in the same order.
OURS_ALL=$(gitops-render -o json "$TRICKY")
run kdecode "$TRICKY"
is "$RC" 0 "kubectl reads the tricky directory"
is "$(norm <<<"$OUT")" "$(norm <<<"$OURS_ALL")" "the tricky directory: the same objects in the same order as kubectl -f DIR"

# A few of the values, as kubectl sees them, so that a change on both sides cannot go unnoticed.
KFLAGS=$(kdecode "$TRICKY/03-flags.yaml" | norm | head -n1)
is "$(jq -c '.spec | [.booleans, .newCheckout, .darkMode, .limits.octal, .limits.underscore, .limits.hex, .rollout.version, .rollout.whole, .releaseDate, .time, .empty, .true]' <<<"$KFLAGS")" \
	'[[true,false,true,false,true,false,true,false],true,false,83,1000,31,1.1,2,"2024-01-02","12:30",null,"key is a boolean"]' \
	"kubectl: yes/No/ON/off/y/N are booleans, 0123 is 83, 1_000 is 1000, 0x1F is 31, 1.10 is 1.1, dates stay strings, an 'on' key is 'true'"
KDEPLOY=$(kdecode "$TRICKY/02-deployment.yaml" | norm)
is "$(jq -c '.spec.template.spec.containers | map({name, env: (.env | map(.name)), limits: .resources.limits, sc: .securityContext})' <<<"$KDEPLOY")" \
	'[{"name":"api","env":["FEATURE_CHECKOUT","RATIO"],"limits":{"cpu":1,"memory":"256Mi"},"sc":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"runAsNonRoot":true}},{"name":"sidecar","env":["UPSTREAM"],"limits":{"cpu":1,"memory":"256Mi"},"sc":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"runAsNonRoot":true}}]' \
	"kubectl: merge keys fill in, explicit keys win"
KCONF=$(kdecode "$TRICKY/01-config.yaml" | norm)
is "$(jq -c '.data | [."banner.txt", ."nginx-note", .motd, ."plain-multiline", ."single-quoted"]' <<<"$KCONF")" \
	'["SHOP\n\n","This server block proxies to the API service.\n\n  location /api { proxy_pass http://api; }\nLast line.\n","Welcome to the shop API.\n  (indented line kept)","this plain scalar continues on the next line","it'"'"'s '"'"'quoted'"'"' # not a comment"]' \
	"kubectl: block scalars keep, clip and strip; folding keeps more-indented lines"

# ---------------------------------------------------------------------------------------------
# kubectl reads what gitops-render writes

for fixture in tricky typing shop; do
	args=("$FIX/$fixture")
	[ "$fixture" = shop ] && args=(--recurse -n shop --app shop --tracking annotation+label "$FIX/shop")
	OURS=$(gitops-render -o json "${args[@]}")
	for form in yaml json; do
		gitops-render -o "$form" "${args[@]}" >"$TMP/out.$form"
		run kdecode - <"$TMP/out.$form"
		is "$RC" 0 "$fixture: kubectl reads our -o $form from stdin"
		is "$(norm <<<"$OUT")" "$(norm <<<"$OURS")" "$fixture: kubectl gets the same objects from our -o $form"
		is "$(norm_exact <<<"$OUT")" "$(norm_exact <<<"$OURS")" "$fixture: -o $form, integers compared exactly"
	done
done

# Big integers survive both ways: int64's largest in -o yaml, read by kubectl.
gitops-render -o yaml "$TRICKY" >"$TMP/tricky.yaml"
like "$(kdecode - <"$TMP/tricky.yaml")" '"int64max": 9223372036854775807' "kubectl reads int64's largest from our -o yaml exactly"

# ---------------------------------------------------------------------------------------------
# kubectl -R walks a tree in gitops-render --recurse's order (both are filepath.Walk)

T=$TMP/walk
mkdir -p "$T/a/sub" "$T/b.yaml.d"
cm() { printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n' "$2" >"$T/$1"; }
cm 10.yaml n10
cm 9.yaml n9
cm B.yaml upper-b
cm _x.yaml underscore-x
cm a-b.yaml a-b
cm a.yaml a
cm a.yml a-yml
cm a/z.yaml a-z
cm a/sub/x.yaml a-sub-x
cm a/sub/y.yaml a-sub-y
cm b.yaml.d/in.yaml b-yaml-d-in
printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a-sub-w"}}\n' >"$T/a/sub/w.json"
printf 'not: [a, manifest\n' >"$T/c.YAML"
printf 'not: [a, manifest\n' >"$T/notes.txt"
ln -s a "$T/link-to-a"
ln -s .. "$T/a/sub/loop"
names() { jq -r .metadata.name | paste -sd' '; }
run kdecode "$T"
is "$(names <<<"$OUT")" "$(gitops-render "$T" | names)" "a tree: kubectl -f DIR and gitops-render pick the same files, same order"
run kubectl annotate --local -R -f "$T" -o json zz-
is "$RC" 0 "kubectl -R reads the tree"
is "$(names <<<"$OUT")" "$(gitops-render --recurse "$T" | names)" \
	"a tree: kubectl -R and gitops-render --recurse: same files, same order, symlinked directories not followed"
cp -R "$FIX/shop" "$TMP/shop"
rm -rf "$TMP/shop/.github" # kubectl reads hidden directories; Argo CD and gitops-render do not
run kubectl annotate --local -R -f "$TMP/shop" -o json zz-
is "$(norm <<<"$OUT")" "$(gitops-render --recurse "$TMP/shop" | norm)" "the shop fixture: kubectl -R and gitops-render --recurse agree"

# ---------------------------------------------------------------------------------------------
# Where both refuse, and where they knowingly differ

mkdir -p "$TMP/refuse"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n' >"$TMP/refuse/a.yaml"
run gitops-render "$TMP/refuse"
is "$RC:$OUT" "2:" "name: y is the boolean true, not a name: gitops-render refuses"
run kdecode "$TMP/refuse/a.yaml"
isnt_zero=$([ "$RC" -ne 0 ] && echo refused)
is "$isnt_zero" refused "name: y: kubectl refuses too"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: inf\ndata:\n  x: .inf\n' >"$TMP/refuse/a.yaml"
run gitops-render "$TMP/refuse"
is "$RC:$OUT" "2:" ".inf has no JSON form: gitops-render refuses"
like "$ERR" "^gitops-render: .*/refuse/a\.yaml:6:[0-9]+: " ".inf: file:line:column"
run kdecode "$TMP/refuse/a.yaml"
is "$([ "$RC" -ne 0 ] && echo refused)" refused ".inf: kubectl refuses too"
# Duplicate keys: kubectl (sigs.k8s.io/yaml over yaml.v2) silently keeps the last; gitops-render
# refuses them, since a silently dropped value is worse in a manifest repo than an error.
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\n  name: second\n' >"$TMP/refuse/a.yaml"
run kdecode "$TMP/refuse/a.yaml"
is "$RC $(jq -r .metadata.name <<<"$OUT")" "0 second" "duplicate keys: kubectl keeps the last"
run gitops-render "$TMP/refuse"
is "$RC:$OUT" "2:" "duplicate keys: gitops-render refuses"
like "$ERR" "^gitops-render: .*/refuse/a\.yaml:5:3: duplicate key 'name'" "duplicate keys: file:line:column"

done_testing
