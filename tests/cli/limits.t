#!/usr/bin/env bash
# limits.t: hostile and huge input is a clear error (exit 2, "FILE:LINE: why", one line on
# stderr, nothing on stdout), never a crash or a hang, and a stream too large to hold streams.
#
# The small cases go through gitops-render on a plain directory, the way a manifest repo
# reaches the tools, then through gitops-diff (both sides), gitops-apply and gitops-health. The
# huge ones (a 100 MB stream, a 1 GB line) are generated into a pipe and
# never stored: gitops-render holds every object on purpose (it never writes a partial render,
# so downstream never prunes on half a render), so the streaming path is the stream reader
# itself, build/tests/streamcat (gt_stream_next -> gt_writer_put, one object at a time), which
# is what every object-reading tool calls. Every run is under `timeout`: 124 means a hang.
# Peak memory is /usr/bin/time's %M (max RSS, KiB); the bounds are properties (less than half
# the input), not timings.
. "$(dirname "$0")/../lib.sh"

STREAMCAT=$BUILD/tests/streamcat
# Under SANITIZE=1, ASan keeps freed memory in a quarantine (256 MB by default) that would count
# as the reader's RSS; without it the bounds hold there too. (No effect on a plain build.)
export ASAN_OPTIONS="quarantine_size_mb=0:thread_local_quarantine_size_kb=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
TIME=/usr/bin/time
HANG=120 # seconds: far beyond any of these runs, even under valgrind or ASan

# ---------------------------------------------------------------------------------------------
# Bad input through gitops-render: exit 2, one line naming the file and the line.

# bad NAME FILE REGEX: $TMP/NAME/FILE (already written) rendered; the error must match REGEX after
# "gitops-render: DIR/FILE:LINE[:COLUMN]: ".
bad() {
	local name=$1 file=$2 re=$3 dir=$TMP/$1
	run timeout "$HANG" gitops-render "$dir"
	ok $((RC == 124)) "$name: no hang" || return
	is "$RC" 2 "$name: exit 2 (not a crash: no signal)"
	is "$OUT" "" "$name: nothing on stdout"
	like "$ERR" "^gitops-render: $dir/$file:[0-9]+(:[0-9]+)?: $re" "$name: FILE:LINE: why"
	is "$(printf '%s\n' "$ERR" | wc -l)" 1 "$name: one line on stderr"
}
# A ConfigMap header, then the caller's body.
cm_yaml() { printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n' "$1"; }
cm_json() { printf '{"apiVersion": "v1", "kind": "ConfigMap",\n "metadata": {"name": "%s"},\n' "$1"; }
case_dir() { mkdir -p "$TMP/$1"; }

# Billion laughs: nine levels of nine aliases, 9^9 nodes if expanded.
case_dir laughs
{
	cm_yaml laughs
	echo 'data:'
	echo '  l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'
	for i in 1 2 3 4 5 6 7 8 9; do
		p="*l$((i - 1))"
		echo "  l$i: &l$i [$p,$p,$p,$p,$p,$p,$p,$p,$p]"
	done
} >"$TMP/laughs/bomb.yaml"
bad laughs bomb.yaml ".*--max-alias-nodes"

# 10k-deep nesting, YAML flow and block, and JSON.
deep() { local i; for ((i = 0; i < 10000; i++)); do printf '%s' "$1"; done; }
case_dir deep-flow
{ cm_yaml deep; printf 'data: '; deep '['; deep ']'; echo; } >"$TMP/deep-flow/deep.yaml"
bad deep-flow deep.yaml "nested deeper than 512 levels \(--max-depth\)"
case_dir deep-block
{
	cm_yaml deep
	printf 'data:\n'
	awk 'BEGIN { s = "  "; for (i = 1; i <= 10000; i++) { printf "%sk%d:\n", s, i; s = s "  " } print s "v" }'
} >"$TMP/deep-block/deep.yaml"
bad deep-block deep.yaml "nested deeper than 512 levels"
case_dir deep-json
{ cm_json deep; printf ' "data": '; deep '{"a":'; printf '1'; deep '}'; echo '}'; } >"$TMP/deep-json/deep.json"
bad deep-json deep.json "maximum parsing depth"
# The ceiling of --max-depth (4096) is still below what the stack takes.
run timeout "$HANG" gitops-render --max-depth 4096 "$TMP/deep-flow"
is "$RC" 2 "10k deep at --max-depth 4096: exit 2"
like "$ERR" "deep.yaml:[0-9]+:[0-9]+: nested deeper than 4096 levels" "10k deep at --max-depth 4096: the message"

# Invalid UTF-8 and NUL bytes, in YAML and in JSON, on line 6 / 3.
case_dir utf8-yaml
{ cm_yaml utf8; printf 'data:\n  k: "caf\xc3\x28"\n'; } >"$TMP/utf8-yaml/bad.yaml"
bad utf8-yaml bad.yaml "invalid trailing UTF-8 octet"
like "$ERR" "bad.yaml:6: " "utf8-yaml: the line of the bad byte"
case_dir utf8-json
{ cm_json utf8; printf ' "data": {"k": "caf\xff"}}\n'; } >"$TMP/utf8-json/bad.json"
bad utf8-json bad.json "unable to decode byte 0xff"
like "$ERR" "bad.json:3:" "utf8-json: the line of the bad byte"
case_dir nul-yaml
{ cm_yaml nul; printf 'data:\n  k: a\0b\n'; } >"$TMP/nul-yaml/bad.yaml"
bad nul-yaml bad.yaml "control characters are not allowed"
like "$ERR" "bad.yaml:6: " "nul-yaml: the line of the NUL"
case_dir nul-json
{ cm_json nul; printf ' "data": {"k": "a\0b"}}\n'; } >"$TMP/nul-json/bad.json"
bad nul-json bad.json "control character 0x0"
like "$ERR" "bad.json:3:" "nul-json: the line of the NUL"

# A JSON number with 500 digits: jansson's int64 refuses it, with its place.
digits=$(printf '9%.0s' {1..500})
case_dir bignum-json
{ cm_json bignum; printf ' "spec": {"replicas": %s}}\n' "$digits"; } >"$TMP/bignum-json/big.json"
bad bignum-json big.json "too big integer"
# In YAML the same digits are a string, as Kubernetes reads them (goyaml.v2 falls back to a string
# when neither an int64, a uint64 nor a finite float can hold a plain scalar): no error, no loss.
case_dir bignum-yaml
{ cm_yaml bignum; printf 'spec:\n  replicas: %s\n' "$digits"; } >"$TMP/bignum-yaml/big.yaml"
run timeout "$HANG" gitops-render "$TMP/bignum-yaml"
is "$RC" 0 "500 digits in YAML: read (as Kubernetes does)"
is "$(jq -r '.spec.replicas | type' <<<"$OUT")" string "500 digits in YAML: a string, all digits kept"
is "$(jq -r '.spec.replicas | length' <<<"$OUT")" 500 "500 digits in YAML: 500 digits out"

# Duplicate keys.
case_dir dup-yaml
{ cm_yaml dup; printf 'data:\n  k: a\n  k: b\n'; } >"$TMP/dup-yaml/dup.yaml"
bad dup-yaml dup.yaml "duplicate key 'k'"
like "$ERR" "dup.yaml:7:" "dup-yaml: the line of the second key"
case_dir dup-json
{ cm_json dup; printf ' "data": {"k": "a",\n  "k": "b"}}\n'; } >"$TMP/dup-json/dup.json"
bad dup-json dup.json "duplicate object key"
like "$ERR" "dup.json:4:" "dup-json: the line of the second key"

# ---------------------------------------------------------------------------------------------
# The same hostile files through the tools that read object streams directly: gitops-diff (desired
# and live side), gitops-apply and gitops-health. Each must refuse the file before doing anything
# (apply and health get no cluster: an exit 3 would mean they went on with bad input).

# bad_tool NAME FILE REGEX CMD...: CMD reading $TMP/NAME/FILE; exit 2, "TOOL: FILE:LINE: REGEX".
bad_tool() {
	local name=$1 file=$TMP/$1/$2 re=$3 tool
	shift 3
	tool=$1
	[ "$tool" = env ] && tool=$3
	run timeout "$HANG" "$@"
	ok $((RC == 124)) "$tool, $name: no hang" || return
	is "$RC" 2 "$tool, $name: exit 2"
	is "$OUT" "" "$tool, $name: nothing on stdout"
	like "$ERR" "^$tool: $file:[0-9]+(:[0-9]+)?: $re" "$tool, $name: FILE:LINE: why"
	is "$(printf '%s\n' "$ERR" | wc -l)" 1 "$tool, $name: one line on stderr"
}
cm_yaml ok >"$TMP/ok.yaml"
printf '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ok", "namespace": "default"}}\n' >"$TMP/ok.json"
NOCLUSTER=(env KUBECONFIG=/nonexistent)
for c in "laughs bomb.yaml .*--max-alias-nodes" "deep-flow deep.yaml nested deeper than 512 levels" \
	"deep-json deep.json maximum parsing depth" "nul-yaml bad.yaml control characters are not allowed" \
	"nul-json bad.json control character 0x0" "dup-yaml dup.yaml duplicate key 'k'" \
	"dup-json dup.json duplicate object key"; do
	read -r name file re <<<"$c"
	f=$TMP/$name/$file
	bad_tool "$name" "$file" "$re" gitops-diff -f "$f" --live-file "$TMP/ok.json"
	bad_tool "$name" "$file" "$re" gitops-diff -f "$TMP/ok.yaml" --live-file "$f"
	bad_tool "$name" "$file" "$re" "${NOCLUSTER[@]}" gitops-apply -f "$f" --timeout 5
	bad_tool "$name" "$file" "$re" "${NOCLUSTER[@]}" gitops-health -f "$f"
done

# ---------------------------------------------------------------------------------------------
# Huge input, generated into a pipe: a 1 GB line stops at --max-document-size, in bounded memory.

# huge NAME PREFIX SUFFIX: PREFIX, 1 GiB of 'x', SUFFIX into streamcat; sets RC, ERR, RSS (KiB).
huge() {
	{ printf '%s' "$2"; head -c 1G /dev/zero | tr '\0' x; printf '%s\n' "$3"; } |
		timeout "$HANG" "$TIME" -f %M -o "$TMP/rss" "$STREAMCAT" >"$TMP/.out" 2>"$TMP/.err"
	RC=${PIPESTATUS[1]}
	ERR=$(grep -v 'exited with non-zero status' "$TMP/.err")
	RSS=$(tail -n 1 "$TMP/rss")
}
for form in json yaml; do
	if [ $form = json ]; then huge $form '{"kind": "ConfigMap", "data": {"k": "' '"}}'
	else huge $form 'kind: ConfigMap
data:
  k: ' ''; fi
	ok $((RC == 124)) "1 GB line ($form): no hang" || continue
	is "$RC" 2 "1 GB line ($form): exit 2"
	like "$ERR" "^streamcat: <stdin>:[0-9]+(:[0-9]+)?: document larger than 67108864 bytes \(--max-document-size\)$" \
		"1 GB line ($form): FILE:LINE: document larger than the limit"
	ok $((RSS >= 512 * 1024)) "1 GB line ($form): peak RSS $((RSS / 1024)) MiB < 512 MiB (half the input)"
	echo "# 1 GB line ($form): peak RSS $RSS KiB"
done

# ---------------------------------------------------------------------------------------------
# A 100 MB stream streams: memory stays far below the input, every object comes out.

# stream N DOC: N copies of DOC (about 100 MB) through streamcat; sets RC, RSS, COUNT (lines out).
stream() {
	local n=$1 doc=$2 lines
	lines=$(printf '%s\n' "$doc" | wc -l)
	yes -- "$doc" | head -n $((n * lines)) | timeout "$HANG" "$TIME" -f %M -o "$TMP/rss" "$STREAMCAT" 2>"$TMP/.err" |
		{ wc -l >"$TMP/count"; }
	RC=${PIPESTATUS[2]}
	RSS=$(tail -n 1 "$TMP/rss")
	COUNT=$(cat "$TMP/count")
}
pad=$(printf 'p%.0s' {1..200})
jsonl="{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"c\", \"namespace\": \"shop\"}, \"data\": {\"k\": \"$pad\"}}"
# 400k lines of ~290 bytes: ~110 MB.
stream 400000 "$jsonl"
is "$RC" 0 "100 MB JSON Lines: exit 0"
is "$COUNT" 400000 "100 MB JSON Lines: every object out"
ok $((RSS >= 50 * 1024)) "100 MB JSON Lines: peak RSS $((RSS / 1024)) MiB < 50 MiB (half the input)"
echo "# 100 MB JSON Lines: peak RSS $RSS KiB"
stream 400000 "${jsonl}${jsonl/ConfigMap/Secret}"
is "$RC" 0 "200 MB concatenated JSON: exit 0"
is "$COUNT" 800000 "200 MB concatenated JSON: every object out"
ok $((RSS >= 50 * 1024)) "200 MB concatenated JSON: peak RSS $((RSS / 1024)) MiB < 50 MiB"
yamldoc="---
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  namespace: shop
data:
  k: $pad"
stream 380000 "$yamldoc"
is "$RC" 0 "100 MB YAML multi-document: exit 0"
is "$COUNT" 380000 "100 MB YAML multi-document: every object out"
ok $((RSS >= 50 * 1024)) "100 MB YAML multi-document: peak RSS $((RSS / 1024)) MiB < 50 MiB (half the input)"
echo "# 100 MB YAML multi-document: peak RSS $RSS KiB"

done_testing
