#!/usr/bin/env bash
# gitops-diff offline: desired manifests against live objects as a cluster returns them (defaults,
# status, managedFields, last-applied), against another revision, with ignore rules and masking.
. "$(dirname "$0")/../lib.sh"

FIX=$TOP/tests/fixtures/diff
GOLD=$FIX/golden
V1=$FIX/desired.yaml
V2=$FIX/desired-v2.yaml
LIVE=$FIX/live.json

# actions FILTER: "action kind/name" per Change on $OUT, in order.
actions() { jq -r '"\(.action) \(.ref.kind)/\(.ref.name)"' <<<"$OUT"; }
change() { jq -c "select(.ref.kind == \"$1\" and .ref.name == \"$2\")" <<<"$OUT"; }

# ---- usage ----
run gitops-diff --help
is "$RC" 0 "--help exits 0"
like "$OUT" "--live-file FILE" "--help lists --live-file"
run gitops-diff -f "$V1"
is "$RC" 2 "no live side: usage error"
like "$ERR" "^gitops-diff: say what to compare with" "the message says what is missing"
run gitops-diff -f "$V1" --live-file "$LIVE" --cluster
is "$RC" 2 "--live-file and --cluster exclude each other"

# ---- standard output that cannot be written: exit 2 whatever the answer (docs/design.md) ----
for form in json text; do
	gitops-diff -f "$V2" --live-file "$LIVE" -o "$form" >/dev/full 2>"$TMP/full.err"
	is "$?" 2 "differences, -o $form into a full disk: exit 2, not 1 (the changes were lost)"
	is "$(cat "$TMP/full.err")" "gitops-diff: cannot write output: No space left on device" "  and says so, once"
done

# ---- nothing changed: live has defaults, status, managedFields, last-applied, others' fields ----
run gitops-diff -f "$V1" --live-file "$LIVE" -o json
is "$RC" 0 "the manifests as applied: exit 0"
is "$(actions)" "unchanged Deployment/web
unchanged Service/web
unchanged ConfigMap/web-config
unchanged Secret/web-secrets
unchanged Ingress/web
unchanged ServiceMonitor/web" "every object unchanged despite server defaults and status (desired order)"
is "$(jq -c .patch <<<"$OUT" | sort -u)" "[]" "unchanged records carry an empty patch"
is "$(grep -c 'sampleLimit: 5.0e+3' "$V1")$(jq -c '.items[] | select(.kind == "ServiceMonitor") | .spec.sampleLimit' "$LIVE")" \
	"15000" "the ServiceMonitor's sampleLimit is 5.0e+3 in YAML, 5000 from the API (and unchanged above: by value)"
is "$(jq -r '.apiVersion + " " + .kind' <<<"$OUT" | sort -u)" "gitops/v1 Change" "records are gitops/v1 Change"
is "$(change Deployment web | jq -c '.ref')" \
	'{"group":"apps","version":"v1","kind":"Deployment","namespace":"prod","name":"web"}' "ref names the object"
is "$(change Deployment web | jq -c '.live.metadata.managedFields')" "null" "live without managedFields"
run gitops-diff -f "$V1" --live-file "$LIVE" -o text
is "$RC$OUT" "0" "text: nothing to show, exit 0"

# ---- the next revision against the cluster ----
run gitops-diff -f "$V2" --live-file "$LIVE" --app shop -o json
is "$RC" 1 "differences: exit 1"
is "$(actions)" "update Deployment/web
unchanged Service/web
update ConfigMap/web-config
update Secret/web-secrets
unchanged Ingress/web
unchanged ServiceMonitor/web
create PodDisruptionBudget/web
delete ConfigMap/web-legacy
delete ConfigMap/web-generated" \
	"desired order, then deletes: tracked by shop, top-level only (the ReplicaSet stays), other apps' objects stay"
is "$(change Deployment web | jq -c .patch)" \
	'[{"op":"replace","path":"/spec/replicas","value":4},{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"registry.example.com/shop/web:1.5.0"}]' \
	"Deployment: exactly the two changed fields; defaults, status, generation not in the patch"
is "$(change ConfigMap web-config | jq -c .patch)" \
	'[{"op":"replace","path":"/data/FEATURE_CHECKOUT","value":"false"},{"op":"remove","path":"/data/CACHE_TTL"}]' \
	"ConfigMap: a key dropped from the manifest is removed (it is in last-applied); the operator's key is not"
is "$(change ConfigMap web-generated | jq -c .ignored)" "true" "IgnoreExtraneous: the extra object is marked ignored"
is "$(change ConfigMap web-legacy | jq -c .ignored)" "null" "a plain extra object is not"
is "$(change PodDisruptionBudget web | jq -c '[.live, .patch[0].op, .patch[0].path, .patch[0].value.kind]')" \
	'[null,"add","","PodDisruptionBudget"]' "create: live null, one add of the whole object"
is "$(change ConfigMap web-legacy | jq -c '[.desired, .patch]')" '[null,[{"op":"remove","path":""}]]' \
	"delete: desired null, one remove of the whole object"

run gitops-diff -f "$V2" --live-file "$LIVE" -o json
is "$(actions | grep -c '^delete')" "0" "without --app nothing is deleted"

# Only an IgnoreExtraneous object is extra: shown, but the app is in sync.
jq -c '.items[] | select(.metadata.name != "web-legacy")' "$LIVE" >"$TMP/live-ign.jsonl"
run gitops-diff -f "$V1" --live-file "$TMP/live-ign.jsonl" --app shop -o json
is "$RC" 0 "only an IgnoreExtraneous extra object: exit 0"
is "$(actions | grep '^delete')" "delete ConfigMap/web-generated" "it is still reported"

# Label tracking (Argo CD before 3.0): the instance label marks the app's objects.
{
	echo '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"labelled","namespace":"prod","labels":{"app.kubernetes.io/instance":"shop"}},"data":{"a":"1"}}'
	echo '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"annotated","namespace":"prod","annotations":{"argocd.argoproj.io/tracking-id":"shop:/ConfigMap:prod/annotated"}},"data":{"a":"1"}}'
	echo '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"other","namespace":"prod","labels":{"app.kubernetes.io/instance":"shop-2"}},"data":{"a":"1"}}'
} >"$TMP/live-label.jsonl"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kept, namespace: prod}\n' >"$TMP/kept.yaml"
run gitops-diff -f "$TMP/kept.yaml" --live-file "$TMP/live-label.jsonl" --app shop --tracking label -o json
is "$(actions | grep '^delete')" "delete ConfigMap/labelled" "--tracking label: the labelled object is the app's, the annotated one not"
run gitops-diff -f "$TMP/kept.yaml" --live-file "$TMP/live-label.jsonl" --app shop -o json
is "$(actions | grep '^delete')" "delete ConfigMap/annotated" "default (annotation): the annotated object only"
run gitops-diff -f "$TMP/kept.yaml" --live-file "$TMP/live-label.jsonl" --app shop --tracking annotation+label -o json
is "$(actions | grep '^delete')" "delete ConfigMap/annotated" "annotation+label: the annotation decides, as in Argo CD"
run gitops-diff -f "$TMP/kept.yaml" --live-file "$TMP/live-label.jsonl" --app shop --tracking labels
is "$RC" 2 "an unknown tracking method: exit 2"

# ---- live from JSON Lines, YAML and a pipe read the same ----
run gitops-diff -f "$V2" --live-file "$LIVE" --app shop -o json
want=$OUT
jq -c '.items[]' "$LIVE" >"$TMP/live.jsonl"
run gitops-diff -f "$V2" --live-file "$TMP/live.jsonl" --app shop -o json
is "$OUT" "$want" "live as JSON Lines: same records"
mkdir "$TMP/livedir" && cp "$LIVE" "$TMP/livedir/" && gitops-render -o yaml "$TMP/livedir" >"$TMP/live.yaml"
run gitops-diff -f "$V2" --live-file "$TMP/live.yaml" --app shop -o json
is "$(jq -c '[.action, .ref.name]' <<<"$OUT")" "$(jq -c '[.action, .ref.name]' <<<"$want")" "live as a YAML List: same actions"
run bash -c "cat '$LIVE' | gitops-diff -f '$V2' --live-file - --app shop -o json"
is "$OUT" "$want" "live on standard input"
run bash -c "cat '$V2' | gitops-diff --live-file '$LIVE' --app shop -o json"
is "$OUT" "$want" "desired on standard input (the default)"

# ---- text: golden files, with and without colour ----
run gitops-diff -f "$V2" --live-file "$LIVE" --app shop -o text
is "$RC" 1 "text: exit 1"
is "$OUT" "$(cat "$GOLD/v2-app.txt")" "text output matches golden/v2-app.txt"
unlike "$OUT" $'\033' "no escape codes with NO_COLOR"
run env -u NO_COLOR FORCE_COLOR=1 gitops-diff -f "$V2" --live-file "$LIVE" --app shop -o text
is "$OUT" "$(cat "$GOLD/v2-app.color.txt")" "FORCE_COLOR: coloured output matches golden/v2-app.color.txt"
like "$OUT" $'\033\\[31m-  replicas: 3\033\\[0m' "removed lines are red"
like "$OUT" $'\033\\[32m\\+  replicas: 4\033\\[0m' "added lines are green"
run env FORCE_COLOR=1 NO_COLOR=1 gitops-diff -f "$V2" --live-file "$LIVE" --app shop -o text
is "$OUT" "$(cat "$GOLD/v2-app.txt")" "NO_COLOR wins over FORCE_COLOR"
run gitops-diff -f "$V2" --live-file "$LIVE" -o text -U 0
is "$(grep -c '^@@' <<<"$OUT")" "$(grep -c '^@@' "$GOLD/v2-U0.txt")" "-U 0: hunk count"
is "$OUT" "$(cat "$GOLD/v2-U0.txt")" "-U 0 output matches golden/v2-U0.txt"
run gitops-diff -f "$V2" --live-file "$LIVE" -o text -U 20
is "$(grep -c '^~ apps/Deployment' <<<"$OUT")$(grep -c '^@@' <<<"$OUT")" "14" \
	"-U 20: the two Deployment changes share one hunk (one header each for 3 updates + 1 create)"
run gitops-diff -f "$V2" --live-file "$LIVE" --app shop --stat
is "$RC" 1 "--stat: exit 1"
is "$OUT" "$(cat "$GOLD/v2-stat.txt")" "--stat matches golden/v2-stat.txt"
run gitops-diff -f "$V2" --live-file "$LIVE" -o text -U x
is "$RC" 2 "-U needs a number"

# A file inside a ConfigMap (a block scalar) diffs line by line, not as one long string.
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: prod}\ndata:\n  application.yaml: |\n    server:\n      port: 8080\n    db:\n      pool: %s\n      timeout: 30s\n' 20 >"$TMP/ml-new.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: prod}\ndata:\n  application.yaml: |\n    server:\n      port: 8080\n    db:\n      pool: %s\n      timeout: 30s\n' 10 >"$TMP/ml-old.yaml"
run gitops-diff -f "$TMP/ml-new.yaml" --against "$TMP/ml-old.yaml" -o text -U 1
is "$OUT" "~ ConfigMap prod/app
@@ -10,3 +10,3 @@
     db:
-      pool: 10
+      pool: 20
       timeout: 30s" "a block scalar diffs line by line"

# ---- revision against revision (the pre-merge preview) ----
run gitops-diff -f "$V2" --against "$V1" -o json
is "$RC" 1 "two renders differ: exit 1"
is "$(change ConfigMap web-config | jq -c .patch)" \
	'[{"op":"replace","path":"/data/FEATURE_CHECKOUT","value":"false"},{"op":"remove","path":"/data/CACHE_TTL"}]' \
	"every field counts between revisions: the dropped key shows without last-applied"
is "$(actions | grep -v unchanged)" "update Deployment/web
update ConfigMap/web-config
update Secret/web-secrets
create PodDisruptionBudget/web" "revision diff: updates and the new object"
run gitops-diff -f "$V1" --against "$V2" -o json
is "$(actions | grep '^delete')" "delete PodDisruptionBudget/web" "an object only in the other revision is a delete, no --app needed"
run gitops-diff -f "$V1" --against "$V1" -o text
is "$RC$OUT" "0" "a revision against itself: nothing, exit 0"

# ---- ignore rules ----
run gitops-diff -f "$V2" --live-file "$LIVE" --ignore 'apps/Deployment:/spec/replicas' -o json
is "$(change Deployment web | jq -c '[.patch[].path]')" '["/spec/template/spec/containers/0/image"]' "--ignore drops /spec/replicas"
run gitops-diff -f "$V2" --live-file "$LIVE" --ignore 'apps/*:/spec/template/spec/containers/*/image' \
	--ignore 'apps/Deployment/prod/web:/spec/replicas' -o json
is "$(change Deployment web | jq -r .action)" "unchanged" "globs in kind and pointer, and a rule naming the object"
run gitops-diff -f "$V2" --live-file "$LIVE" --ignore 'apps/Deployment/other/web:/spec/replicas' -o json
is "$(change Deployment web | jq -c '[.patch[].path] | length')" "2" "a rule for another namespace does not apply"
run gitops-diff -f "$V2" --live-file "$LIVE" --ignore-file "$FIX/ignore-rules" -o json
is "$(change Deployment web | jq -c '[.patch[].path]')" '["/spec/template/spec/containers/0/image"]' "--ignore-file: Deployment rule"
is "$(change ConfigMap web-config | jq -c '.patch')" '[{"op":"remove","path":"/data/CACHE_TTL"}]' "--ignore-file: core-group rule with namespace/name"
run gitops-diff -f "$V2" --live-file "$LIVE" --ignore 'Deployment:/spec/replicas'
is "$RC" 2 "a rule without a group part: exit 2"
like "$ERR" "^gitops-diff: --ignore: ignore rule 'Deployment:/spec/replicas': " "the message names the option and the rule"
run gitops-diff -f "$V2" --live-file "$LIVE" --ignore 'apps/Deployment:spec/replicas'
is "$RC" 2 "a pointer without a leading /: exit 2"
run gitops-diff -f "$V2" --live-file "$LIVE" --ignore 'apps/Deployment:/spec/a~2b'
is "$RC" 2 "a bad ~ escape: exit 2"
printf '# ok\napps/Deployment:/spec/replicas\n\napps/Deployment\n' >"$TMP/bad-rules"
run gitops-diff -f "$V2" --live-file "$LIVE" --ignore-file "$TMP/bad-rules"
is "$RC" 2 "a bad line in the ignore file: exit 2"
like "$ERR" "^gitops-diff: $TMP/bad-rules:4: ignore rule 'apps/Deployment': " "FILE:LINE of the bad rule"
run gitops-diff -f "$V2" --live-file "$LIVE" --ignore-file "$TMP/missing"
is "$RC" 2 "a missing ignore file: exit 2"

# ---- Secret masking ----
SECRET_VALUES=(corr3ct-h0rse-battery n3w-pa55w0rd-value sk-live-s3cr3t-key shop_app Tr0ub4dor-and-3 correct-horse-42)
leaks() { # the secret values, plain or base64, found in stdout and stderr
	local v found=
	for v in "${SECRET_VALUES[@]}"; do
		grep -qF -e "$v" -e "$(printf %s "$v" | base64)" <<<"$OUT$ERR" && found+="$v "
	done
	echo "$found"
}
for form in json yaml text; do
	run gitops-diff -f "$V2" --live-file "$LIVE" --app shop -o "$form" -v
	is "$(leaks)" "" "-o $form: no Secret value in stdout or stderr"
	run gitops-diff -f "$FIX/secret-desired.yaml" --live-file "$FIX/secret-live.json" -o "$form"
	is "$(leaks)" "" "-o $form: no Secret value, also not inside last-applied"
done
run gitops-diff -f "$V2" --against "$V1" -o text
is "$(leaks)" "" "revision diff: no Secret value"
run gitops-diff -f "$V2" --live-file "$LIVE" --stat
is "$(leaks)" "" "--stat: no Secret value"
run gitops-diff -f "$FIX/secret-desired.yaml" --live-file "$FIX/secret-live.json" -o json
is "$(jq -c '[.desired.data.username, .desired.data.password, .live.data.username, .live.data.password]' <<<"$OUT")" \
	'["++++++++","++++++++","++++++++","++++++++++++"]' "Argo CD masks: equal values equal masks, a changed value a longer one"
is "$(jq -c .patch <<<"$OUT")" '[{"op":"replace","path":"/data/password","value":"++++++++"}]' \
	"the patch shows that the password changed and the user name did not"
is "$(jq -r '.live.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"] | fromjson | .data | [.username, .password] | join(" ")' <<<"$OUT")" \
	"++++++++ ++++++++++++" "last-applied re-serialised with the same masks"
run gitops-diff -f "$FIX/secret-desired.yaml" --live-file "$FIX/secret-live.json" -o json --show-secrets
like "$(leaks)" "correct-horse-42" "--show-secrets shows the values (so the leak check can fail)"
is "$(jq -r '.patch[0].value' <<<"$OUT")" "$(printf correct-horse-42 | base64)" "--show-secrets: the real new value in the patch"

# ---- exit codes and bad input ----
run gitops-diff -f "$V2" --live-file "$LIVE" --no-exit-code -o json
is "$RC" 0 "--no-exit-code: 0 although things differ"
run gitops-diff -f "$V2" --live-file "$LIVE" --no-exit-code --exit-code -o json
is "$RC" 1 "--exit-code after --no-exit-code: 1 again"
: >"$TMP/empty.yaml"
run gitops-diff -f "$TMP/empty.yaml" --live-file "$LIVE" --app shop
is "$RC" 2 "an empty desired stream: exit 2, never 'delete everything'"
like "$ERR" "no desired objects" "the message says why"
run gitops-diff -f "$TMP/empty.yaml" --live-file "$LIVE" --app shop --allow-empty -o json
is "$RC" 1 "--allow-empty: accepted"
is "$(actions | sort | tr '\n' ' ')" \
	"delete ConfigMap/web-config delete ConfigMap/web-generated delete ConfigMap/web-legacy delete Deployment/web delete Ingress/web delete Secret/web-secrets delete Service/web delete ServiceMonitor/web " \
	"--allow-empty --app: every object tracked by the app is a delete"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: prod\ndata: {x: [1, 2\n' >"$TMP/broken.yaml"
run gitops-diff -f "$TMP/broken.yaml" --live-file "$LIVE"
is "$RC" 2 "malformed YAML: exit 2"
like "$ERR" "broken.yaml:[0-9]+:[0-9]+: " "FILE:LINE:COLUMN"
run gitops-diff -f "$V1" --live-file "$TMP/broken.yaml"
is "$RC" 2 "malformed live file: exit 2"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n' >"$TMP/dup.yaml"
run gitops-diff -f "$TMP/dup.yaml" --live-file "$LIVE"
is "$RC" 2 "the same object twice in desired: exit 2"
like "$ERR" "dup.yaml:4: duplicate object /ConfigMap/default/a: already defined at line 1" "both places named"
printf 'kind: ConfigMap\nmetadata: {name: a}\n' >"$TMP/noapi.yaml"
run gitops-diff -f "$TMP/noapi.yaml" --live-file "$LIVE"
is "$RC" 2 "an object without apiVersion: exit 2"
run gitops-diff -f "$V1" --live-file "$TMP/nonexistent.json"
is "$RC" 2 "a missing live file: exit 2"

# ---- records pass through ----
mkdir "$TMP/v1dir" && cp "$V1" "$TMP/v1dir/"
{ echo '{"apiVersion":"gitops/v1","kind":"Commit","repo":"https://git.example.com/shop.git","commit":"abc"}'
	gitops-render -o json "$TMP/v1dir"; } >"$TMP/with-record.yaml"
run gitops-diff -f "$TMP/with-record.yaml" --live-file "$LIVE" -o json
is "$RC" 0 "a record among the objects: still exit 0"
is "$(head -n 1 <<<"$OUT" | jq -r .kind)" "Commit" "the record is passed on first, as read"
is "$(grep -c '"kind":"Change"' <<<"$OUT")" "6" "and the objects are compared"

# ---- a namespace left to the default ----
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\ndata: {a: "1"}\n' >"$TMP/nons.yaml"
printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"plain","namespace":"team","uid":"u"},"data":{"a":"2"}}\n' >"$TMP/nons-live.json"
run gitops-diff -f "$TMP/nons.yaml" --live-file "$TMP/nons-live.json" -n team -o json
is "$(jq -r '.action + " " + .ref.namespace' <<<"$OUT")" "update team" "-n: a desired object without namespace matches live in that namespace"
run gitops-diff -f "$TMP/nons.yaml" --live-file "$TMP/nons-live.json" -o json
is "$(jq -r '.action + " " + .ref.namespace' <<<"$OUT")" "create default" "without -n it is in default, where nothing lives"

done_testing
