#!/usr/bin/env bash
# render-warnings.t: what an engine prints on stderr while it renders successfully (kustomize's
# deprecation notices, helm's coalesce warnings) is relayed on gitops-render's stderr by default
# (issue 20), each line once, as "gitops-render: warning: ENGINE: …"; -q hides it; stdout is the
# same either way, with the native Kustomize engine as with kustomize. Real kubectl kustomize and the
# reference helm.
. "$(dirname "$0")/../lib.sh"

HELM=${GITOPS_HELM:-$("$TOP/tests/tools/helm")} || { echo "Bail out! no reference helm"; exit 1; }
command -v kubectl >/dev/null 2>&1 || { echo "Bail out! no kubectl on PATH (run tests/tools/deps)"; exit 1; }

export HOME=$TMP/home CLOUDSDK_CONFIG=$TMP/gcloud KUBECONFIG=$TMP/kubeconfig XDG_CACHE_HOME=$TMP/cache
export HELM_CONFIG_HOME=$TMP/helm/config HELM_CACHE_HOME=$TMP/helm/cache HELM_DATA_HOME=$TMP/helm/data
export TMPDIR=$TMP/tmpdir
unset KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT
mkdir -p "$HOME" "$TMPDIR"
kubectl_offline
cm() { printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n' "$1"; }

# A base and an overlay that both use the deprecated commonLabels: kustomize warns twice.
K=$TMP/k
mkdir -p "$K/base" "$K/overlay"
cm shop >"$K/base/cm.yaml"
printf 'commonLabels:\n  app: shop\nresources:\n- cm.yaml\n' >"$K/base/kustomization.yaml"
printf 'commonLabels:\n  env: prod\nresources:\n- ../base\n' >"$K/overlay/kustomization.yaml"
want_k=$(kubectl kustomize "$K/overlay" 2>&1 >/dev/null | sort -u)
is "$(kubectl kustomize "$K/overlay" 2>&1 >/dev/null | wc -l)" 2 "kustomize itself warns twice"

# The default engine (native: the overlay uses nothing it leaves to kustomize) prints kustomize's
# own notices, word for word, once each.
run gitops-render -v -o json "$K/overlay"
like "$ERR" "kustomize: the native engine built" "the overlay is built natively"
run gitops-render -o json "$K/overlay"
is "$RC" 0 "an overlay with deprecated fields renders"
is "$ERR" "gitops-render: warning: kustomize: $want_k" "kustomize's warning is relayed once, named"
OUT1=$OUT
run gitops-render -q -o json "$K/overlay"
is "$RC" 0 "-q: renders"
is "$ERR" "" "-q: no warning"
is "$OUT" "$OUT1" "-q: the same objects"
run gitops-render --engine exec -o json "$K/overlay"
is "$ERR" "gitops-render: warning: kustomize: $want_k" "the real kustomize's warning, relayed the same way"
is "$OUT" "$OUT1" "the same objects"

# Every field kustomize 5.5 calls deprecated (api/types/kustomization.go CheckDeprecatedFields), in
# a base and an overlay: both engines print the same notices, in kustomize's order, once each.
D=$TMP/deprecated
mkdir -p "$D/base" "$D/overlay"
cat >"$D/base/app.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.0
        env:
        - {name: SVC, value: $(SVC_NAME)}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
EOF
printf 'commonLabels:\n  part-of: shop\nresources:\n- app.yaml\nvars:\n- name: SVC_NAME\n  objref: {kind: Service, name: web, apiVersion: v1}\n' \
	>"$D/base/kustomization.yaml"
printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n' >"$D/overlay/replicas.yaml"
printf -- '- op: add\n  path: /metadata/annotations\n  value: {team: a}\n' >"$D/overlay/annotate.yaml"
cat >"$D/overlay/kustomization.yaml" <<'EOF'
bases:
- ../base
commonLabels:
  env: prod
imageTags:
- name: nginx
  newTag: "1.1"
patchesStrategicMerge:
- replicas.yaml
patchesJson6902:
- target: {group: apps, version: v1, kind: Deployment, name: web}
  path: annotate.yaml
vars: null
EOF
want_d=$(kubectl kustomize "$D/overlay" 2>&1 >/dev/null | awk '!seen[$0]++' | sed 's/^/gitops-render: warning: kustomize: /')
is "$(kubectl kustomize "$D/overlay" 2>&1 >/dev/null | awk '!seen[$0]++' | sed 's/^# Warning: .\([A-Za-z0-9]*\).*/\1/' | paste -sd' ')" \
	"bases commonLabels imageTags patchesJson6902 patchesStrategicMerge vars" \
	"kustomize warns of each deprecated field, the base's vars included"
run gitops-render -v -o json "$D/overlay"
like "$ERR" "kustomize: the native engine built" "the deprecated fields are built natively"
run gitops-render -o json "$D/overlay"
is "$RC" 0 "native: renders"
is "$ERR" "$want_d" "native: kustomize's notices, word for word, in its order, once each"
NATIVE_OUT=$OUT
run gitops-render --engine exec -o json "$D/overlay"
is "$ERR" "$want_d" "exec: the same notices"
is "$OUT" "$NATIVE_OUT" "exec: the same objects"
run gitops-render -q -o json "$D/overlay"
is "$RC:$ERR" "0:" "native with -q: no notice"
# A field set to null says nothing (a nil Go map), an empty list does (a non-nil slice)
N=$TMP/null
mkdir -p "$N"
cm c >"$N/cm.yaml"
printf 'commonLabels: null\nbases: []\nresources:\n- cm.yaml\n' >"$N/kustomization.yaml"
want_n=$(kubectl kustomize "$N" 2>&1 >/dev/null | sed 's/^/gitops-render: warning: kustomize: /')
like "$want_n" "'bases' is deprecated" "kustomize: bases: [] warns"
unlike "$want_n" "commonLabels" "kustomize: commonLabels: null does not"
run gitops-render -o json "$N"
is "$ERR" "$want_n" "native: the same"

# a build that fails prints its error, not the notices
printf 'bases:\n- ../missing\n' >"$D/overlay/kustomization.yaml"
run gitops-render --engine native -o json "$D/overlay"
is "$RC" 2 "native: a failing build fails"
unlike "$ERR" "Warning: 'bases'" "and prints no notice"

# helm: a user value that is a table where the chart has a scalar (coalesce.go: skipped value)
H=$TMP/chart
mkdir -p "$H/templates"
printf 'apiVersion: v2\nname: warn\nversion: 0.1.0\n' >"$H/Chart.yaml"
printf 'c: 3\n' >"$H/values.yaml"
printf 'c:\n  d: 1\n' >"$H/table.yaml"
cm warn >"$H/templates/cm.yaml"
want_h=$(cd "$H" && "$HELM" template warn . -f table.yaml 2>&1 >/dev/null)
like "$want_h" "warning: skipped value for warn.c" "helm itself warns"
run gitops-render --engine exec --helm "$HELM" -f table.yaml -o json "$H"
is "$RC" 0 "helm: renders"
is "$ERR" "gitops-render: warning: helm: $want_h" "helm's warning is relayed, named"
run gitops-render -q --engine exec --helm "$HELM" -f table.yaml -o json "$H"
is "$ERR" "" "helm with -q: no warning"
# the native engine prints none of its own (it skips as helm does, silently)
run gitops-render --engine native -f table.yaml -o json "$H"
is "$RC" 0 "native helm: renders"
is "$ERR" "" "native helm: nothing on stderr"

done_testing
