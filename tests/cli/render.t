#!/usr/bin/env bash
# render.t: gitops-render as a user sees it: which files of a manifest directory it reads and in
# which order (Argo CD's directory source: --recurse, --include/--exclude gobwas globs, Go's
# filepath.Walk order), the objects it writes (JSON Lines or YAML), namespace defaulting, Argo CD
# tracking, validation, and "any error: exit 2, one line on stderr, nothing on stdout".
#
# tests/fixtures/render/shop is a small manifest repo (Namespace, CRDs, RBAC, Deployments,
# Services, ConfigMap, Ingress, HPA, custom resources in a JSON List, a README, a hidden .github).
# Trees that need variation are built in $TMP.
. "$(dirname "$0")/../lib.sh"
require jq script readelf nm

FIX=$TOP/tests/fixtures/render
SHOP=$FIX/shop

# "Kind/name" of each object on stdin, one line.
kinds() { jq -r '"\(.kind)/\(.metadata.name)"' | paste -sd' '; }
# "Kind/name@namespace" ("-" when none).
where() { jq -r '"\(.kind)/\(.metadata.name)@\(.metadata.namespace // "-")"' | paste -sd' '; }
# The tracking id of each object ("-" when none).
tids() { jq -r '"\(.kind)/\(.metadata.name)=\(.metadata.annotations["argocd.argoproj.io/tracking-id"] // "-")"'; }
# A ConfigMap document named $1 (and, optionally, namespace $2).
cm() {
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n' "$1"
	[ -n "${2:-}" ] && printf '  namespace: %s\n' "$2"
	return 0
}
# An error run: exit 2, nothing on stdout, exactly one line on stderr equal to $1.
fails_with() {
	local want=$1 name=$2
	is "$RC" 2 "$name: exit 2"
	is "$OUT" "" "$name: nothing on stdout"
	is "$ERR" "$want" "$name: the message"
}

# ---------------------------------------------------------------------------------------------
# Usage

run gitops-render --help
is "$RC" 0 "--help exits 0"
like "$OUT" "^usage: gitops-render \[OPTIONS\] FILE\.\.\. \| DIR" "--help prints the usage on stdout"
like "$OUT" "--recurse" "--help lists --recurse"
is "$ERR" "" "--help writes nothing on stderr"
run gitops-render -h
is "$RC" 0 "-h exits 0"
like "$OUT" "^usage: gitops-render" "-h prints the usage"

run gitops-render --bogus "$SHOP"
is "$RC" 2 "an unknown option exits 2"
is "$OUT" "" "an unknown option: nothing on stdout"
like "$ERR" "^gitops-render: .*--bogus" "an unknown option is named on stderr"
run gitops-render
is "$RC" 2 "no DIR exits 2"
is "$OUT" "" "no DIR: nothing on stdout"
like "$ERR" "^gitops-render: " "no DIR: a message"
run gitops-render "$SHOP" "$SHOP"
is "$RC" 2 "two DIRs exit 2"
run gitops-render "$TMP/no-such-dir"
is "$RC" 2 "a missing DIR exits 2"
is "$OUT" "" "a missing DIR: nothing on stdout"
like "$ERR" "^gitops-render: .*no-such-dir" "a missing DIR is named"
# Files as the source, as `kubectl apply -f FILE -f FILE` reads them (issue 20): each whole,
# whatever its suffix, in the order given; a directory only alone.
run gitops-render -n shop "$SHOP/20-rbac.yaml"
is "$RC" 0 "a file as the source exits 0"
is "$ERR" "" "a file as the source: nothing on stderr"
is "$(kinds <<<"$OUT")" "$(gitops-render -n shop --include 20-rbac.yaml "$SHOP" | kinds)" \
	"a file as the source: its objects, as the directory source reads them"
like "$(where <<<"$OUT")" "@shop" "a file as the source: -n defaults the namespace"
cm from-txt >"$TMP/notes.txt"
cm second >"$TMP/second.yml"
run gitops-render "$TMP/second.yml" "$TMP/notes.txt" "$SHOP/00-namespace.yaml"
is "$RC" 0 "several files exit 0"
is "$(kinds <<<"$OUT")" "ConfigMap/second ConfigMap/from-txt Namespace/shop" \
	"several files: every object, in the order the files were given, whatever the suffix"
run gitops-render "$SHOP/00-namespace.yaml" "$SHOP"
fails_with "gitops-render: $SHOP: a directory among several sources: give one DIR, or files" \
	"a directory among files"
run gitops-render "$SHOP/00-namespace.yaml" "$TMP/no-such.yaml"
is "$RC" 2 "a missing file among several exits 2"
is "$OUT" "" "a missing file among several: nothing on stdout"
is "$ERR" "gitops-render: $TMP/no-such.yaml: No such file or directory" "a missing file is named"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [\n' >"$TMP/broken.yaml"
run gitops-render "$TMP/second.yml" "$TMP/broken.yaml"
is "$RC" 2 "a malformed file among several exits 2"
is "$OUT" "" "a malformed file among several: nothing on stdout, not even the good file's objects"
like "$ERR" "^gitops-render: $TMP/broken.yaml:[0-9]" "a malformed file is named with its line"
run gitops-render --type helm "$TMP/second.yml"
fails_with "gitops-render: --type helm: needs a directory, not a file" "--type helm with a file"
run gitops-render "$TMP/second.yml" "$TMP/second.yml"
is "$RC" 2 "one file twice: its objects are duplicates"
like "$ERR" "duplicate object" "one file twice: the duplicate is named"
run gitops-render -o xml "$SHOP"
is "$RC" 2 "-o xml exits 2"
is "$OUT" "" "-o xml: nothing on stdout"
run gitops-render --tracking bogus --app shop "$SHOP"
is "$RC" 2 "--tracking bogus exits 2"
is "$OUT" "" "--tracking bogus: nothing on stdout"
like "$ERR" "annotation, label or annotation\+label" "--tracking bogus: the choices are named"

# ---------------------------------------------------------------------------------------------
# Which files, in which order

run gitops-render "$SHOP"
is "$RC" 0 "shop renders"
is "$ERR" "" "shop: nothing on stderr"
is "$(kinds <<<"$OUT")" \
	"Namespace/shop CustomResourceDefinition/backuppolicies.ops.example.com CustomResourceDefinition/widgets.shop.example.com ServiceAccount/api ClusterRole/shop-widget-reader ClusterRoleBinding/shop-widget-reader Ingress/api Widget/banner BackupPolicy/nightly" \
	"without --recurse: the top-level files only, in name order, documents in order, the JSON List flattened"
is "$(wc -l <<<"$OUT")" 9 "JSON Lines: one line per object"
is "$(grep -cv '^{.*}$' <<<"$OUT")" 0 "every line is one JSON object"
is "$(head -n1 <<<"$OUT" | jq -S -c .)" \
	'{"apiVersion":"v1","kind":"Namespace","metadata":{"labels":{"team":"checkout"},"name":"shop"}}' \
	"an object is written as it was read"

run gitops-render --recurse "$SHOP"
is "$RC" 0 "shop --recurse renders (README.md, notes.txt and the hidden .github/ are not read)"
is "$(kinds <<<"$OUT")" \
	"Namespace/shop CustomResourceDefinition/backuppolicies.ops.example.com CustomResourceDefinition/widgets.shop.example.com ServiceAccount/api ClusterRole/shop-widget-reader ClusterRoleBinding/shop-widget-reader ConfigMap/api-config Deployment/api Service/api Ingress/api Widget/banner BackupPolicy/nightly Deployment/web HorizontalPodAutoscaler/web Service/web" \
	"--recurse: api/ is read where it falls (before api-ingress.yaml and api.json), web/extra/ between web/deployment.yaml and web/service.yaml"
run gitops-render --recurse "$SHOP/"
is "$(wc -l <<<"$OUT")" 15 "DIR with a trailing slash: the same 15 objects"
OUT_SHOP_REC=$(gitops-render --recurse "$SHOP")
run gitops-render --recurse -o json "$SHOP"
is "$OUT" "$OUT_SHOP_REC" "-o json is the default when stdout is not a terminal"

# Byte order, not locale order; directories descended where their name falls (filepath.Walk),
# not where their paths would sort ("a/..." after "a.yaml" in a sort of whole paths).
T=$TMP/order
mkdir -p "$T/a/sub" "$T/.git/refs" "$T/.hidden" "$T/b.yaml.d"
mk() { cm "$2" >"$T/$1"; }
mk 10.yaml n10
mk 9.yaml n9
mk B.yaml upper-b
mk _x.yaml underscore-x
mk a-b.yaml a-b
mk a.yaml a
mk a.yml a-yml
mk a/z.yaml a-z
mk a/sub/x.yaml a-sub-x
mk a/sub/y.yaml a-sub-y
mk b.yaml.d/in.yaml b-yaml-d-in
printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a-sub-w"}}\n' >"$T/a/sub/w.json"
printf 'not: [a, manifest\n' >"$T/.git/config.yaml"
printf 'not: [a, manifest\n' >"$T/.git/refs/x.yaml"
printf 'not: [a, manifest\n' >"$T/.hidden/x.yml"
printf 'not: [a, manifest\n' >"$T/c.YAML"
printf 'not: [a, manifest\n' >"$T/d.yaml.bak"
printf 'not: [a, manifest\n' >"$T/e.txt"
printf 'not: [a, manifest\n' >"$T/Makefile"
run gitops-render "$T"
is "$RC" 0 "order tree renders without --recurse"
is "$(kinds <<<"$OUT" | sed 's,ConfigMap/,,g')" "n10 n9 upper-b underscore-x a-b a a-yml" \
	"without --recurse: byte order (digits, upper case, '_', lower case), '-' before '.', .yaml before .yml; other suffixes skipped"
run gitops-render --recurse "$T"
is "$RC" 0 "order tree renders with --recurse (hidden directories are skipped)"
is "$(kinds <<<"$OUT" | sed 's,ConfigMap/,,g')" "n10 n9 upper-b underscore-x a-sub-w a-sub-x a-sub-y a-z a-b a a-yml b-yaml-d-in" \
	"--recurse: each directory in name order, descended where it falls; a directory named *.yaml.d is a directory"

# A symlink to a directory is not descended (as in filepath.Walk): no loop, nothing twice.
ln -s . "$T/a/sub/loop"
ln -s a "$T/link-to-a"
run gitops-render --recurse "$T"
is "$RC" 0 "symlinked directories: renders"
is "$(kinds <<<"$OUT" | sed 's,ConfigMap/,,g')" "n10 n9 upper-b underscore-x a-sub-w a-sub-x a-sub-y a-z a-b a a-yml b-yaml-d-in" \
	"symlinked directories (a loop, a second name for a/) are not descended"
rm "$T/a/sub/loop" "$T/link-to-a"

# DIR given as "." and DIR inside a hidden directory: only entries below DIR count as hidden.
mkdir -p "$TMP/.cache/repo/app"
cm top >"$TMP/.cache/repo/top.yaml"
cm nested >"$TMP/.cache/repo/app/nested.yaml"
run gitops-render --recurse "$TMP/.cache/repo"
is "$(kinds <<<"$OUT")" "ConfigMap/nested ConfigMap/top" "DIR below a hidden directory is read"
OUT=$(cd "$TMP/.cache/repo" && gitops-render --recurse . | kinds)
is "$OUT" "ConfigMap/nested ConfigMap/top" "DIR '.' is read"

# An empty directory, and files with no objects: an error unless --allow-empty, because an empty
# set downstream means "prune everything".
mkdir -p "$TMP/empty" "$TMP/noobjects"
run gitops-render "$TMP/empty"
is "$RC:$OUT" "2:" "an empty directory: exit 2, no output"
like "$ERR" "^gitops-render: $TMP/empty: no objects to render \(--allow-empty accepts that\)$" "says why and how to accept it"
run gitops-render --allow-empty "$TMP/empty"
is "$RC:$OUT:$ERR" "0::" "--allow-empty: exit 0, no output"
: >"$TMP/noobjects/empty.yaml"
printf '# just\n# comments\n' >"$TMP/noobjects/comments.yml"
printf -- '---\n---\n# nothing\n---\n' >"$TMP/noobjects/separators.yaml"
printf 'null\n' >"$TMP/noobjects/null.yaml"
run gitops-render --allow-empty "$TMP/noobjects"
is "$RC:$OUT:$ERR" "0::" "empty, comment-only and null documents: no objects, no error"
run gitops-render "$TMP/noobjects"
is "$RC:$OUT" "2:" "and without --allow-empty, exit 2"

# ---------------------------------------------------------------------------------------------
# --include / --exclude: gobwas globs on the path below DIR; '*' crosses '/'; exclude wins

sel() { gitops-render --recurse "$@" "$SHOP" | kinds; }
is "$(sel --include '*.yml')" "CustomResourceDefinition/widgets.shop.example.com Service/api" \
	"--include '*.yml': '*' crosses '/' (api/service.yml)"
is "$(sel --include 'api/*')" "ConfigMap/api-config Deployment/api Service/api" \
	"--include 'api/*': the files below api/, not api-ingress.yaml or api.json"
is "$(sel --include '*.{yml,json}')" \
	"CustomResourceDefinition/widgets.shop.example.com Service/api Widget/banner BackupPolicy/nightly" \
	"--include '*.{yml,json}': brace alternation"
is "$(sel --include '{api,web}/*deployment.yaml')" "Deployment/api Deployment/web" \
	"--include '{api,web}/*deployment.yaml'"
is "$(sel --include '{api/{service,configmap},web/service}.y*ml')" "ConfigMap/api-config Service/api Service/web" \
	"--include with nested braces"
is "$(sel --include '*deployment.yaml' --exclude 'web/*')" "Deployment/api" \
	"--include and --exclude: exclude wins over include"
is "$(sel --include 'api/*' --exclude 'api/*')" "" "the same glob included and excluded: nothing"
is "$(sel --include 'api/*' --include '00-*')" "Namespace/shop ConfigMap/api-config Deployment/api Service/api" \
	"--include is repeatable, and the walk order is kept"
is "$(sel --exclude '*.yaml' --exclude '*.yml')" "Widget/banner BackupPolicy/nightly" "--exclude is repeatable"
is "$(sel --exclude web | wc -w)" 15 "--exclude web: globs match file paths, not directories"
is "$(sel --exclude 'web*')" "$(sel --exclude 'web/*')" "--exclude 'web*' excludes the files below web/"
is "$(sel --include '[0-9]*')" \
	"Namespace/shop CustomResourceDefinition/backuppolicies.ops.example.com CustomResourceDefinition/widgets.shop.example.com ServiceAccount/api ClusterRole/shop-widget-reader ClusterRoleBinding/shop-widget-reader" \
	"--include '[0-9]*': character classes"
is "$(sel --include '?0-*' | wc -w)" 6 "--include '?0-*': '?' is one character"
is "$(sel --include 'api/service.yml')" "Service/api" "--include with a plain path"
is "$(sel --include '*/*' --exclude '*/*/*')" "ConfigMap/api-config Deployment/api Service/api Deployment/web Service/web" \
	"'*/*' minus '*/*/*'"
run gitops-render --allow-empty --include 'api/*' "$SHOP"
is "$RC:$OUT" "0:" "--include 'api/*' without --recurse: subdirectories are not read"
run gitops-render --exclude '00-namespace.yaml' "$SHOP"
is "$(kinds <<<"$OUT" | cut -d' ' -f1)" "CustomResourceDefinition/backuppolicies.ops.example.com" \
	"--exclude without --recurse"
# A backslash escapes a brace: a file literally named {a,b}.yaml.
mkdir -p "$TMP/braces"
cm literal >"$TMP/braces/{a,b}.yaml"
cm a >"$TMP/braces/a.yaml"
cm b >"$TMP/braces/b.yaml"
run gitops-render --include '\{a,b\}.yaml' "$TMP/braces"
is "$(kinds <<<"$OUT")" "ConfigMap/literal" "an escaped brace matches itself"
run gitops-render --include '{a,b}.yaml' "$TMP/braces"
is "$(kinds <<<"$OUT")" "ConfigMap/a ConfigMap/b" "an unescaped brace alternates"

# ---------------------------------------------------------------------------------------------
# --namespace: on namespaced objects without one; never on cluster-scoped ones

run gitops-render --recurse -n shop "$SHOP"
is "$RC" 0 "-n shop renders"
is "$(where <<<"$OUT")" \
	"Namespace/shop@- CustomResourceDefinition/backuppolicies.ops.example.com@- CustomResourceDefinition/widgets.shop.example.com@- ServiceAccount/api@shop ClusterRole/shop-widget-reader@- ClusterRoleBinding/shop-widget-reader@- ConfigMap/api-config@shop Deployment/api@shop Service/api@shop Ingress/api@shop Widget/banner@shop BackupPolicy/nightly@- Deployment/web@shop-frontend HorizontalPodAutoscaler/web@shop-frontend Service/web@shop-frontend" \
	"-n: namespaced objects without one get it (Widget: its CRD says Namespaced); cluster-scoped ones (BackupPolicy: its CRD says Cluster) and objects with one are left alone"
run gitops-render --recurse --namespace=shop "$SHOP"
is "$(where <<<"$OUT")" "$(gitops-render --recurse -n shop "$SHOP" | where)" "--namespace=NS is -n NS"
run gitops-render --recurse "$SHOP"
is "$(where <<<"$OUT" | tr ' ' '\n' | grep -vc '@-$')" 3 "without -n: only the three objects that have a namespace have one"

T=$TMP/scopes
mkdir -p "$T"
cat >"$T/a-custom-resources.yaml" <<'EOF'
# Custom resources before their definitions: the CRDs' scopes still apply.
apiVersion: ops.example.com/v1
kind: BackupPolicy
metadata:
  name: weekly
---
apiVersion: ops.example.com/v1
kind: Tenant
metadata:
  name: acme
---
apiVersion: other.example.com/v1
kind: Tenant
metadata:
  name: acme
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: shop-tls
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: empty-namespace
  namespace: ""
EOF
cat >"$T/b-builtin.yaml" <<'EOF'
apiVersion: v1
kind: PersistentVolume
metadata:
  name: data
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: fast
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: high
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: shop-webhook
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
EOF
cat >"$T/z-crds.yaml" <<'EOF'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: backuppolicies.ops.example.com
spec:
  group: ops.example.com
  scope: Cluster
  names: {kind: BackupPolicy, plural: backuppolicies}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: tenants.ops.example.com
spec:
  group: ops.example.com
  scope: Cluster
  names: {kind: Tenant, plural: tenants}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: tenants.other.example.com
spec:
  group: other.example.com
  scope: Namespaced
  names: {kind: Tenant, plural: tenants}
EOF
run gitops-render -n shop "$T"
is "$RC" 0 "scopes tree renders"
is "$(where <<<"$OUT")" \
	"BackupPolicy/weekly@- Tenant/acme@- Tenant/acme@shop Certificate/shop-tls@shop ConfigMap/empty-namespace@shop PersistentVolume/data@- StorageClass/fast@- PriorityClass/high@- ValidatingWebhookConfiguration/shop-webhook@- IngressClass/nginx@- Role/reader@shop PersistentVolumeClaim/data@shop CustomResourceDefinition/backuppolicies.ops.example.com@- CustomResourceDefinition/tenants.ops.example.com@- CustomResourceDefinition/tenants.other.example.com@-" \
	"-n: a CR before its CRD (scope Cluster) gets none; the same kind in another group follows its own CRD; a popular CRD's kind (cert-manager's Certificate) is namespaced by the built-in table; namespace \"\" counts as none; built-in cluster-scoped kinds get none"

# ---------------------------------------------------------------------------------------------
# --app: Argo CD tracking

run gitops-render --recurse -n shop --app shop "$SHOP"
is "$RC" 0 "--app shop -n shop renders"
is "$(tids <<<"$OUT")" "Namespace/shop=shop:/Namespace:shop/shop
CustomResourceDefinition/backuppolicies.ops.example.com=-
CustomResourceDefinition/widgets.shop.example.com=-
ServiceAccount/api=shop:/ServiceAccount:shop/api
ClusterRole/shop-widget-reader=shop:rbac.authorization.k8s.io/ClusterRole:shop/shop-widget-reader
ClusterRoleBinding/shop-widget-reader=shop:rbac.authorization.k8s.io/ClusterRoleBinding:shop/shop-widget-reader
ConfigMap/api-config=shop:/ConfigMap:shop/api-config
Deployment/api=shop:apps/Deployment:shop/api
Service/api=shop:/Service:shop/api
Ingress/api=shop:networking.k8s.io/Ingress:shop/api
Widget/banner=shop:shop.example.com/Widget:shop/banner
BackupPolicy/nightly=shop:ops.example.com/BackupPolicy:shop/nightly
Deployment/web=shop:apps/Deployment:shop-frontend/web
HorizontalPodAutoscaler/web=shop:autoscaling/HorizontalPodAutoscaler:shop-frontend/web
Service/web=shop:/Service:shop-frontend/web" \
	"tracking ids: core group empty, apps and others by group, cluster-scoped ones with --namespace, an object's own namespace first, no id on CRDs"
is "$(jq -c 'select(.kind == "CustomResourceDefinition") | .metadata' <<<"$OUT" | grep -c annotations)" 0 \
	"CRDs get no annotations map at all"
is "$(jq -S -c 'select(.kind == "Ingress") | .metadata.annotations' <<<"$OUT")" \
	'{"argocd.argoproj.io/tracking-id":"shop:networking.k8s.io/Ingress:shop/api","nginx.ingress.kubernetes.io/ssl-redirect":"true"}' \
	"existing annotations are kept"
is "$(jq -r '.metadata.labels["app.kubernetes.io/instance"] // empty' <<<"$OUT")" "" "annotation tracking adds no label"

run gitops-render --recurse --app shop "$SHOP"
is "$(tids <<<"$OUT" | grep -E '^(Namespace|ClusterRole|ConfigMap|Deployment)/')" "Namespace/shop=shop:/Namespace:/shop
ClusterRole/shop-widget-reader=shop:rbac.authorization.k8s.io/ClusterRole:/shop-widget-reader
ConfigMap/api-config=shop:/ConfigMap:/api-config
Deployment/api=shop:apps/Deployment:/api
Deployment/web=shop:apps/Deployment:shop-frontend/web" \
	"tracking ids without --namespace: an empty namespace part, or the object's own"

run gitops-render --recurse --app shop --tracking label "$SHOP"
is "$RC" 0 "--tracking label renders"
is "$(jq -r '"\(.kind)=\(.metadata.labels["app.kubernetes.io/instance"] // "-")"' <<<"$OUT" | sort -u | paste -sd' ')" \
	"BackupPolicy=shop ClusterRole=shop ClusterRoleBinding=shop ConfigMap=shop CustomResourceDefinition=- Deployment=shop HorizontalPodAutoscaler=shop Ingress=shop Namespace=shop Service=shop ServiceAccount=shop Widget=shop" \
	"--tracking label: app.kubernetes.io/instance on every object but CRDs"
is "$(grep -c 'argocd.argoproj.io/tracking-id' <<<"$OUT")" 0 "--tracking label: no tracking-id annotation"
is "$(jq -S -c 'select(.kind == "Namespace") | .metadata.labels' <<<"$OUT")" \
	'{"app.kubernetes.io/instance":"shop","team":"checkout"}' "existing labels are kept"

run gitops-render --recurse -n shop --app shop --tracking annotation+label "$SHOP"
is "$(jq -r 'select(.kind == "Deployment" and .metadata.name == "api") | [.metadata.labels["app.kubernetes.io/instance"], .metadata.annotations["argocd.argoproj.io/tracking-id"]] | join(" ")' <<<"$OUT")" \
	"shop shop:apps/Deployment:shop/api" "--tracking annotation+label: both"
run gitops-render --recurse -n shop --app shop --tracking annotation "$SHOP"
is "$OUT" "$(gitops-render --recurse -n shop --app shop "$SHOP")" "--tracking annotation is the default"

label_of() { gitops-render --app "$1" --tracking annotation+label --include 00-namespace.yaml "$SHOP" | jq -r '.metadata.labels["app.kubernetes.io/instance"]'; }
tid_of() { gitops-render --app "$1" --include 00-namespace.yaml "$SHOP" | jq -r '.metadata.annotations["argocd.argoproj.io/tracking-id"]'; }
A61=$(printf 'a%.0s' {1..61}) X62=$(printf 'x%.0s' {1..62}) Y63=$(printf 'y%.0s' {1..63})
is "$(label_of "$Y63")" "$Y63" "a 63-character app name is the label as is"
is "$(label_of "${X62}yz")" "${X62}y" "a 64-character app name is cut to 63"
is "$(label_of "${A61}--bbbbbbb")" "$A61" "cut to 63, the trailing '-' are stripped"
is "$(label_of "${A61:1}._-cdef")" "${A61:1}" "cut to 63, trailing '.', '_' and '-' are stripped"
is "$(tid_of "${A61}--bbbbbbb")" "${A61}--bbbbbbb:/Namespace:/shop" "the tracking id keeps the whole app name"

T=$TMP/retrack
mkdir -p "$T"
cat >"$T/cm.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels:
    app.kubernetes.io/instance: old-app
  annotations:
    argocd.argoproj.io/tracking-id: old-app:/ConfigMap:old/settings
EOF
run gitops-render --app new-app -n shop --tracking annotation+label "$T"
is "$(jq -r '.metadata | "\(.labels["app.kubernetes.io/instance"]) \(.annotations["argocd.argoproj.io/tracking-id"])"' <<<"$OUT")" \
	"new-app new-app:/ConfigMap:shop/settings" "an existing instance label and tracking id are replaced"

# ---------------------------------------------------------------------------------------------
# Validation: any error is exit 2, one line "gitops-render: FILE:LINE[:COLUMN]: why", no stdout

cd "$TMP" || exit 1
mkdir -p nokind noapi noname nometa gen dup dupver notdup dupns syntax indent tab quote json scalar later
cm first >nokind/a.yaml
{ cm second; printf -- '---\n# the one without a kind\napiVersion: v1\nmetadata:\n  name: third\n'; } >nokind/b.yaml
run gitops-render nokind
fails_with "gitops-render: nokind/b.yaml:5: invalid object: kind is missing" "missing kind"
printf 'kind: ConfigMap\nmetadata:\n  name: a\n' >noapi/a.yaml
run gitops-render noapi
fails_with "gitops-render: noapi/a.yaml:1: invalid object: apiVersion is missing" "missing apiVersion"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels:\n    app: x\n' >noname/a.yaml
run gitops-render noname
fails_with "gitops-render: noname/a.yaml:1: invalid object: metadata.name and metadata.generateName are both missing" \
	"missing name"
printf 'apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b\n' >nometa/a.yaml
run gitops-render nometa
is "$RC:$OUT" "2:" "missing metadata: exit 2, no stdout"
like "$ERR" "^gitops-render: nometa/a\.yaml:1: invalid object: " "missing metadata: the message"

cat >gen/jobs.yaml <<'EOF'
apiVersion: batch/v1
kind: Job
metadata:
  generateName: migrate-
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: "registry.example.com/shop/migrate:1"}]
---
apiVersion: batch/v1
kind: Job
metadata:
  generateName: migrate-
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: "registry.example.com/shop/migrate:1"}]
EOF
run gitops-render -n shop --app shop gen
is "$RC" 0 "generateName instead of name is valid, twice is no duplicate"
is "$(jq -r '.metadata.generateName + .metadata.namespace' <<<"$OUT" | paste -sd' ')" "migrate-shop migrate-shop" \
	"generateName objects are rendered, with the namespace"

cm settings >dup/a-base.yaml
{ printf '# overrides\n'; cm other; printf -- '---\n'; cm settings; } >dup/b-override.yaml
run gitops-render dup
fails_with "gitops-render: dup/b-override.yaml:6: duplicate object ConfigMap settings: already defined at dup/a-base.yaml:1" \
	"a duplicate across two files names both with lines"
printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n' >dupver/a.yaml
printf 'apiVersion: apps/v1beta2\nkind: Deployment\nmetadata:\n  name: api\n  namespace: shop\n' >dupver/b.yaml
run gitops-render -n shop dupver
fails_with "gitops-render: dupver/b.yaml:1: duplicate object apps/Deployment shop/api: already defined at dupver/a.yaml:1" \
	"the same object in two API versions, after namespace defaulting, is a duplicate"
run gitops-render dupver
is "$RC" 0 "without -n the two are in different namespaces: no duplicate"
cm settings shop >dupns/a.yaml
cm settings >dupns/b.yaml
run gitops-render -n shop dupns
fails_with "gitops-render: dupns/b.yaml:1: duplicate object ConfigMap shop/settings: already defined at dupns/a.yaml:1" \
	"a duplicate made by namespace defaulting"
# a CRD is kept as its JSON line once read (it is never changed later): its duplicate is still
# found and named, both as the second and as the first of the two
crd() { printf 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: %s\nspec:\n  group: shop.example.com\n  scope: %s\n' "$1" "${2:-Namespaced}"; }
mkdir -p dupcrd
crd widgets.shop.example.com >dupcrd/a.yaml
{ crd gadgets.shop.example.com; printf -- '---\n'; crd widgets.shop.example.com Cluster; } >dupcrd/b.yaml
run gitops-render -o json dupcrd
fails_with "gitops-render: dupcrd/b.yaml:8: duplicate object apiextensions.k8s.io/CustomResourceDefinition widgets.shop.example.com: already defined at dupcrd/a.yaml:1" \
	"a duplicate CRD (JSON output) names both with lines"
run gitops-render -o yaml dupcrd
fails_with "gitops-render: dupcrd/b.yaml:8: duplicate object apiextensions.k8s.io/CustomResourceDefinition widgets.shop.example.com: already defined at dupcrd/a.yaml:1" \
	"the same with YAML output"
{ cat dupcrd/b.yaml; printf -- '---\n'; crd gizmos.shop.example.com; } >dupcrd/b.yaml.new && mv dupcrd/b.yaml.new dupcrd/b.yaml
rm dupcrd/a.yaml
run gitops-render -o json dupcrd
is "$RC:$(jq -r .metadata.name <<<"$OUT" | paste -sd' ')" "0:gadgets.shop.example.com widgets.shop.example.com gizmos.shop.example.com" \
	"CRDs alone: all of them, in their order"
is "$(jq -c .spec <<<"$OUT" | sed -n 2p)" '{"group":"shop.example.com","scope":"Cluster"}' "as they were read"
{ cm settings; printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: settings\n'; } >notdup/a.yaml
{ cm settings other; printf -- '---\napiVersion: other.example.com/v1\nkind: ConfigMap\nmetadata:\n  name: settings\n'; } >notdup/b.yaml
run gitops-render notdup
is "$RC" 0 "same name with another kind, namespace or group: no duplicate"
is "$(wc -l <<<"$OUT")" 4 "all four are rendered"

cm ok >syntax/a.yaml
cat >syntax/b.yaml <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: broken
data:
  list: [1, 2
  next: x
EOF
run gitops-render syntax
fails_with "gitops-render: syntax/b.yaml:7:7: did not find expected ',' or ']' while parsing a flow sequence" \
	"a YAML syntax error: file:line:column, nothing on stdout though a.yaml was fine"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n namespace: b\n' >indent/a.yaml
run gitops-render indent
fails_with "gitops-render: indent/a.yaml:5:2: did not find expected key while parsing a block mapping" "bad indentation"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: a\n' >tab/a.yaml
run gitops-render tab
fails_with "gitops-render: tab/a.yaml:4:1: found character that cannot start any token while scanning for the next token" \
	"a tab indent"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "a\n' >quote/a.yaml
run gitops-render quote
is "$RC:$OUT" "2:" "an unclosed quote: exit 2, no stdout"
like "$ERR" "^gitops-render: quote/a\.yaml:[0-9]+:[0-9]+: .*quoted scalar" "an unclosed quote: file:line:column"
printf '{"apiVersion": "v1", "kind": "ConfigMap",\n "metadata": {"name": "a",}}\n' >json/a.json
run gitops-render json
is "$RC:$OUT" "2:" "a JSON syntax error: exit 2, no stdout"
like "$ERR" "^gitops-render: json/a\.json:2:[0-9]+: " "a JSON syntax error: file:line:column"
printf -- '- just\n- a list\n' >scalar/a.yaml
run gitops-render scalar
is "$RC:$OUT" "2:" "a document that is not a map: exit 2, no stdout"
like "$ERR" "^gitops-render: scalar/a\.yaml:1: " "a document that is not a map: file:line"
mkdir -p later/sub
cm a >later/a.yaml
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [\n' >later/sub/b.yaml
run gitops-render later
is "$RC" 0 "an error in a subdirectory does not matter without --recurse"
run gitops-render --recurse later
is "$RC:$OUT" "2:" "with --recurse it does: exit 2, no stdout"
like "$ERR" "^gitops-render: later/sub/b\.yaml:[0-9]+:[0-9]+: " "the message names the file below DIR"
run gitops-render --recurse --exclude 'sub/*' later
is "$RC" 0 "an excluded broken file is not read"
is "$ERR" "" "no message on success"
cd "$TOP" || exit 1

# ---------------------------------------------------------------------------------------------
# Input forms

T=$TMP/forms
mkdir -p "$T"
cat >"$T/a-array.json" <<'EOF'
[
  {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "from-array-1"}},
  {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "from-array-2"}}
]
EOF
printf '{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "single"}, "stringData": {"k": "v"}}\n' >"$T/b-object.json"
cat >"$T/c-list.yaml" <<'EOF'
# What `kubectl get cm -o yaml` writes.
apiVersion: v1
kind: List
metadata:
  resourceVersion: ""
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: from-list-1
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: from-list-2
EOF
printf '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "json-in-yml"}}\n' >"$T/d-json.yml"
printf 'apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: crlf\r\ndata:\r\n  script: |\r\n    line 1\r\n    line 2\r\n' >"$T/e-crlf.yaml"
printf '\xef\xbb\xbfapiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bom\n' >"$T/f-bom.yaml"
run gitops-render "$T"
is "$RC" 0 "input forms render"
is "$(kinds <<<"$OUT")" \
	"ConfigMap/from-array-1 ConfigMap/from-array-2 Secret/single ConfigMap/from-list-1 ConfigMap/from-list-2 ConfigMap/json-in-yml ConfigMap/crlf ConfigMap/bom" \
	"a JSON array, a JSON object, a YAML List (items flattened), JSON in .yml, CRLF lines, a BOM"
is "$(grep -c '"kind":"List"' <<<"$OUT")" 0 "no List object is written"
is "$(jq -c 'select(.metadata.name == "crlf") | .data' <<<"$OUT")" '{"script":"line 1\nline 2\n"}' \
	"CRLF line ends do not reach the values"

# ---------------------------------------------------------------------------------------------
# YAML typing as Kubernetes reads it (sigs.k8s.io/yaml, YAML 1.1)

run gitops-render "$FIX/typing"
is "$RC" 0 "typing fixture renders"
is "$(jq -c .spec <<<"$OUT")" \
	'{"enabled":true,"mode":"on","legacy":false,"autoscale":true,"fileMode":83,"defaultMode":420,"image":{"repository":"registry.example.com/shop/checkout","tag":"1042","build":1042},"ratio":0.5,"version":1.1,"zip":"01234","nothing":null,"country":false}' \
	"on/off/yes/NO are booleans, \"on\" stays a string, 0123 is 83, 0644 is 420, tag \"1042\" stays a string, 1.10 is 1.1, ~ is null"
is "$(jq -r '[.spec.enabled, .spec.mode, .spec.fileMode, .spec.image.tag] | map(type) | join(" ")' <<<"$OUT")" \
	"boolean string number string" "the JSON types"
like "$OUT" '"tag":"1042"' "the tag is written as a JSON string"
run gitops-render --recurse --include 'api/deployment.yaml' "$SHOP"
is "$(jq -c '.spec.template.spec | [.volumes[0].configMap.defaultMode, .containers[0].env]' <<<"$OUT")" \
	'[493,[{"name":"FEATURE_CHECKOUT","value":"on"},{"name":"BUILD","value":"1042"}]]' \
	"defaultMode 0755 is 493; quoted env values stay strings"
is "$(jq -c '.spec.selector.matchLabels == .metadata.labels and .spec.template.metadata.labels == .metadata.labels' <<<"$OUT")" \
	true "anchors and aliases are expanded"

# ---------------------------------------------------------------------------------------------
# -o yaml, read back by gitops-render itself

roundtrip() { # roundtrip NAME RENDER-ARGS...: -o yaml, then render that file -o json: the same JSON
	local name=$1; shift
	local dir=$TMP/rt-$name json
	mkdir -p "$dir"
	json=$(gitops-render -o json "$@")
	gitops-render -o yaml "$@" >"$dir/all.yaml"
	ok $? "$name: -o yaml exits 0"
	run gitops-render -o json "$dir"
	is "$RC" 0 "$name: the YAML is read back"
	is "$OUT" "$json" "$name: the same JSON"
}
roundtrip shop --recurse -n shop --app shop --tracking annotation+label "$SHOP"
roundtrip typing "$FIX/typing"
roundtrip tricky "$FIX/tricky"
roundtrip forms "$TMP/forms"
YAML=$(gitops-render -o yaml --recurse "$SHOP")
is "$(grep -c '^---$' <<<"$YAML")" 14 "-o yaml: 15 documents, '---' between them"
like "$YAML" "^apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    team: checkout
---
" "-o yaml: block style, keys in their order"
like "$(gitops-render -o yaml "$FIX/typing")" $'\n  mode: "on"\n' "-o yaml quotes a string that would read as a boolean"
like "$(gitops-render -o yaml "$FIX/typing")" $'\n    tag: "1042"\n' "-o yaml quotes a string that would read as a number"
TTY_OUT=$(script -qec "gitops-render $(printf %q "$FIX/typing")" /dev/null </dev/null | tr -d '\r')
is "$TTY_OUT" "$(gitops-render -o yaml "$FIX/typing")" "on a terminal the default is YAML"

# ---------------------------------------------------------------------------------------------
# 2000 objects in 200 files

T=$TMP/big
for d in $(seq -w 0 19); do
	mkdir -p "$T/team-$d"
	for f in $(seq -w 0 9); do
		for o in $(seq 0 9); do
			printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%s-%s-%s\ndata:\n  team: "%s"\n  index: "%s"\n' \
				"$d" "$f" "$o" "$d" "$o"
		done >"$T/team-$d/cm-$f.yaml"
	done
done
run gitops-render --recurse -n big --app big "$T"
is "$RC" 0 "2000 objects in 200 files: exit 0"
is "$ERR" "" "2000 objects: nothing on stderr"
is "$(wc -l <<<"$OUT")" 2000 "2000 objects: 2000 lines"
NAMES=$(jq -r .metadata.name <<<"$OUT")
is "$(head -n1 <<<"$NAMES") $(tail -n1 <<<"$NAMES")" "cm-00-0-0 cm-19-9-9" "2000 objects: first and last"
is "$NAMES" "$(LC_ALL=C sort -u <<<"$NAMES")" "2000 objects: in walk order, each once"
is "$(jq -r '.metadata.annotations["argocd.argoproj.io/tracking-id"]' <<<"$OUT" | grep -c '^big:/ConfigMap:big/cm-')" 2000 \
	"2000 objects: every one tracked"
run gitops-render --recurse --include 'team-1*/cm-[0-4].yaml' "$T"
is "$(wc -l <<<"$OUT")" 500 "2000 objects: --include picks 10 dirs x 5 files x 10 objects"
gitops-render --recurse -o yaml "$T" >"$TMP/big.yaml"
is "$(grep -c '^kind: ConfigMap$' "$TMP/big.yaml")" 2000 "2000 objects: -o yaml has 2000 documents"

# A plain render never loads libgit2 (and the 16 libraries under it): cmd/gitops-render/git2lazy.c
# defines every libgit2 function the tool calls and loads libgit2 on first use (--repo); the
# definitions are generated at build time from the calls in the sources (git2lazy-gen). A call the
# generator cannot see (through a macro or a function pointer) links libgit2 again: this names it.
if [ "$(head -c 4 "$BIN/gitops-render" | od -An -c | tr -d ' ')" = '177ELF' ]; then
	is "$(readelf -d "$BIN/gitops-render" | grep -o 'libgit2[^]]*')" "" "gitops-render does not link libgit2 at start"
	is "$(nm -D --undefined-only "$BIN/gitops-render" | awk '/ git_/ { print $2 }' | tr '\n' ' ')" "" \
		"every libgit2 function it calls has a generated stand-in"
	# nor the native Helm engine's libraries (helm/lazy.c defines each function it calls)
	is "$(readelf -d "$BIN/gitops-render" | grep -o 'lib\(crypto\|pcre2\|crypt\|z\)\.so[^]]*' | tr '\n' ' ')" "" \
		"gitops-render does not link libcrypto, PCRE2, libxcrypt or zlib at start"
else # tests/tools/valgrind's wrapper scripts: the binary behind them was checked by make check
	skip "$BIN/gitops-render is a wrapper script, not the binary: its links not checked"
	skip "$BIN/gitops-render is a wrapper script, not the binary: its libgit2 calls not checked"
	skip "$BIN/gitops-render is a wrapper script, not the binary: its libraries not checked"
fi

done_testing
